// Package permission knows which IAM action each AWS SDK call needs, gates
// the SDK clients an action receives so that only the operations it
// declared get through, and writes least-privilege IAM policy documents.
//
// rectify's safety promises rest on this package. Every action declares the
// operations it reads and writes (action.Spec.Reads and Writes, in IAM
// notation such as "iam:UpdateAccessKey"). The engine hands an action an
// aws.Config wrapped by [Gate]: a middleware on every client built from it
// maps each call to its IAM action and refuses, before anything is sent,
// a call the action did not declare, and every write while writes are not
// allowed (dry runs, plans, notify-only and not-yet-approved runs,
// verification). A refused call fails with a [*DeniedError]; nothing
// reaches AWS.
//
// Because the gate sees every call, the IAM policy derived from the
// declarations ([Document]) is exactly what rectify uses: a call missing
// from it would have been refused by the gate first.
package permission

import (
	"strings"
)

// services maps an SDK client's ServiceID to its IAM action prefix.
var services = map[string]string{
	"API Gateway":                 "apigateway",
	"AccessAnalyzer":              "access-analyzer",
	"ApiGatewayV2":                "apigateway",
	"Application Auto Scaling":    "application-autoscaling",
	"Athena":                      "athena",
	"Auto Scaling":                "autoscaling",
	"CloudFormation":              "cloudformation",
	"CloudFront":                  "cloudfront",
	"CloudTrail":                  "cloudtrail",
	"CloudWatch Logs":             "logs",
	"CloudWatch":                  "cloudwatch",
	"CodeBuild":                   "codebuild",
	"Config Service":              "config",
	"DynamoDB":                    "dynamodb",
	"EC2":                         "ec2",
	"ECR":                         "ecr",
	"ECS":                         "ecs",
	"ElastiCache":                 "elasticache",
	"Elastic Load Balancing v2":   "elasticloadbalancing",
	"Elastic Load Balancing":      "elasticloadbalancing",
	"Glue":                        "glue",
	"GuardDuty":                   "guardduty",
	"IAM":                         "iam",
	"KMS":                         "kms",
	"Lambda":                      "lambda",
	"Macie2":                      "macie2",
	"Organizations":               "organizations",
	"RDS":                         "rds",
	"Redshift":                    "redshift",
	"Resource Groups Tagging API": "tag",
	"S3 Control":                  "s3",
	"S3":                          "s3",
	"SNS":                         "sns",
	"SQS":                         "sqs",
	"SSM":                         "ssm",
	"STS":                         "sts",
	"Secrets Manager":             "secretsmanager",
	"SecurityHub":                 "securityhub",
}

// renamed lists the SDK operations whose IAM action has another name, by
// ServiceID and operation.
var renamed = map[string]map[string]string{
	"S3": {
		"HeadBucket":                         "ListBucket",
		"ListObjects":                        "ListBucket",
		"ListObjectsV2":                      "ListBucket",
		"ListObjectVersions":                 "ListBucketVersions",
		"ListBuckets":                        "ListAllMyBuckets",
		"HeadObject":                         "GetObject",
		"GetPublicAccessBlock":               "GetBucketPublicAccessBlock",
		"PutPublicAccessBlock":               "PutBucketPublicAccessBlock",
		"DeletePublicAccessBlock":            "PutBucketPublicAccessBlock",
		"GetBucketEncryption":                "GetEncryptionConfiguration",
		"PutBucketEncryption":                "PutEncryptionConfiguration",
		"DeleteBucketEncryption":             "PutEncryptionConfiguration",
		"GetBucketLifecycleConfiguration":    "GetLifecycleConfiguration",
		"PutBucketLifecycleConfiguration":    "PutLifecycleConfiguration",
		"DeleteBucketLifecycle":              "PutLifecycleConfiguration",
		"GetBucketNotificationConfiguration": "GetBucketNotification",
		"PutBucketNotificationConfiguration": "PutBucketNotification",
		"GetBucketReplication":               "GetReplicationConfiguration",
		"PutBucketReplication":               "PutReplicationConfiguration",
		"DeleteBucketReplication":            "PutReplicationConfiguration",
		"GetObjectLockConfiguration":         "GetBucketObjectLockConfiguration",
		"PutObjectLockConfiguration":         "PutBucketObjectLockConfiguration",
		"DeleteBucketOwnershipControls":      "PutBucketOwnershipControls",
		"DeleteBucketTagging":                "PutBucketTagging",
	},
	"S3 Control": {
		"GetPublicAccessBlock":    "GetAccountPublicAccessBlock",
		"PutPublicAccessBlock":    "PutAccountPublicAccessBlock",
		"DeletePublicAccessBlock": "PutAccountPublicAccessBlock",
	},
}

// restVerbs gives the IAM action of API Gateway operations, whose IAM
// actions are the HTTP methods of its management API, by operation prefix.
var restVerbs = []struct{ prefix, verb string }{
	{"Get", "GET"}, {"Create", "POST"}, {"Import", "PUT"}, {"Put", "PUT"},
	{"Update", "PATCH"}, {"Delete", "DELETE"}, {"Reset", "DELETE"}, {"Flush", "DELETE"},
}

// Action returns the IAM action ("iam:UpdateAccessKey") an SDK call of
// operation on the client whose ServiceID is serviceID needs, and false for
// a service this package does not know.
func Action(serviceID, operation string) (string, bool) {
	prefix, ok := services[serviceID]
	if !ok || operation == "" {
		return "", false
	}
	if prefix == "apigateway" {
		for _, v := range restVerbs {
			if strings.HasPrefix(operation, v.prefix) {
				return prefix + ":" + v.verb, true
			}
		}
		return prefix + ":POST", true
	}
	if r, ok := renamed[serviceID][operation]; ok {
		operation = r
	}
	return prefix + ":" + operation, true
}

// Normalize returns an IAM action in the form used for comparison: the
// service prefix in lower case, the action name as written. IAM compares
// action names case-insensitively; rectify declares them in their
// documented case, so a mismatch in case is a declaration error that
// Normalize does not hide.
func Normalize(action string) string {
	svc, name, ok := strings.Cut(action, ":")
	if !ok {
		return action
	}
	return strings.ToLower(svc) + ":" + name
}
