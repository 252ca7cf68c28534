package action

import (
	"errors"
	"slices"

	"github.com/aws/smithy-go"
)

// notFoundCodes are AWS error codes that mean the resource does not exist,
// across the services rectify acts on. [IsNotFound] uses them when it is
// given no codes of its own.
var notFoundCodes = []string{
	"NoSuchEntity",                         // IAM
	"NotFound",                             // generic REST
	"NoSuchKey",                            // S3
	"NoSuchBucket",                         // S3
	"NoSuchBucketPolicy",                   // S3
	"NoSuchPublicAccessBlockConfiguration", // S3
	"ResourceNotFoundException",            // many JSON protocol services
	"EntityNotFoundException",              // Glue
	"InvalidGroup.NotFound",                // EC2
	"InvalidPermission.NotFound",           // EC2
	"InvalidInstanceID.NotFound",           // EC2
	"InvalidInternetGatewayID.NotFound",    // EC2
	"InvalidVpcID.NotFound",                // EC2
	"Gateway.NotAttached",                  // EC2
	"InvalidSnapshot.NotFound",             // EC2
	"InvalidVolume.NotFound",               // EC2
	"DBInstanceNotFound",                   // RDS
	"NotFoundException",                    // SNS, others
}

// ErrorCode returns the AWS error code of err, or "" if err does not carry
// one.
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// HasCode reports whether err is an AWS API error whose code is one of
// codes.
func HasCode(err error, codes ...string) bool {
	code := ErrorCode(err)
	return code != "" && slices.Contains(codes, code)
}

// IsNotFound reports whether err is an AWS API error meaning the resource
// does not exist: one whose code is among codes or, if no codes are given,
// one of the codes the services rectify acts on use for a missing resource
// (NoSuchEntity, ResourceNotFoundException, InvalidGroup.NotFound and
// the like). Actions use it to report a resource that is
// already gone as [AlreadyDone].
func IsNotFound(err error, codes ...string) bool {
	if len(codes) == 0 {
		codes = notFoundCodes
	}
	return HasCode(err, codes...)
}
