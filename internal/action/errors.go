package action

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/rectify-dev/rectify/internal/permission"
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

// VerifyError says that a change did not hold: what Verify found when it
// re-read the resource.
type VerifyError struct {
	// Found describes the state found, in words: "access key AKIA... is
	// still Active".
	Found string
}

func (e *VerifyError) Error() string { return "verification failed: " + e.Found }

// Mismatch returns a *VerifyError whose Found is formatted from format and
// args.
func Mismatch(format string, args ...any) error {
	return &VerifyError{Found: fmt.Sprintf(format, args...)}
}

// classified marks an error as retryable or permanent, overriding
// Classify's reading of it.
type classified struct {
	err   error
	retry bool
	after time.Duration
}

func (e *classified) Error() string { return e.err.Error() }
func (e *classified) Unwrap() error { return e.err }

// RetryLater marks err as a failure that may succeed if the step is tried
// again later, such as a dependency that is briefly missing; after, if
// positive, is the earliest sensible retry.
func RetryLater(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, retry: true, after: after}
}

// Permanent marks err as a failure that trying again cannot mend.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err}
}

// permanentCodes are AWS error codes that no retry mends: the caller may
// not, or the request is wrong. They are checked before the SDK's own
// retryable classification, which counts some of them as transient.
var permanentCodes = []string{
	"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
	"AuthorizationError", "AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException",
	"SignatureDoesNotMatch", "OptInRequired", "ValidationError", "ValidationException",
	"InvalidParameter", "InvalidParameterValue", "InvalidParameterCombination", "InvalidParameterException",
	"InvalidInput", "InvalidRequest", "InvalidArgument", "MalformedPolicyDocument", "MissingParameter",
}

// transientCodes are AWS error codes that mean "try again later" beyond
// the SDK's throttling and retryable codes: expired or not yet valid
// temporary credentials, and conflicting concurrent changes.
var transientCodes = []string{
	"ExpiredToken", "ExpiredTokenException", "RequestExpired", "IDPCommunicationError",
	"ConcurrentModification", "ConcurrentModificationException", "OperationAbortedException",
	"ServiceUnavailable", "ServiceUnavailableException", "InternalError", "InternalFailure",
	"InternalServerError", "InternalServerErrorException", "InternalServiceError", "InternalException",
	"RequestTimeout", "RequestTimeoutException", "TooManyRequestsException", "PriorRequestNotComplete",
}

// Retryable reports whether the step that failed with err may succeed if
// tried again later, and the earliest sensible retry (0 for the caller's
// own backoff). Marks set by RetryLater and Permanent win; then refusals
// and malformed requests (AccessDenied, validation errors) and refusals by
// rectify's own permission gate are permanent; throttling, 5xx answers,
// timeouts, connection errors and expired or unavailable credentials are
// retryable; anything else is permanent.
func Retryable(err error) (bool, time.Duration) {
	if err == nil {
		return false, 0
	}
	var c *classified
	if errors.As(err, &c) {
		return c.retry, c.after
	}
	var denied *permission.DeniedError
	if errors.As(err, &denied) {
		return false, 0
	}
	var verr *VerifyError
	if errors.As(err, &verr) {
		return false, 0
	}
	code := ErrorCode(err)
	if code != "" && slices.Contains(permanentCodes, code) {
		return false, 0
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true, 0
	}
	if code != "" && slices.Contains(transientCodes, code) {
		return true, 0
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return true, 0
	}
	if retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary {
		return true, 0
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true, 0
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true, 0
	}
	// Credentials that could not be had without an API error to say why
	// (an STS endpoint out of reach) may be had later.
	var serr *v4.SigningError
	if errors.As(err, &serr) && code == "" {
		return true, 0
	}
	return false, 0
}
