// Package awssim is a stateful simulator of the AWS APIs that rectify uses,
// wire-compatible with the aws-sdk-go-v2 clients.
//
// Tests, benchmarks and `rectify demo` point the real SDK clients at a
// Server through the SDK's standard configuration (BaseEndpoint or
// AWS_ENDPOINT_URL), so serialization, SigV4 signing, retries and error
// classification are exercised exactly as against AWS.
//
// # Requests
//
// A request is routed by the service named in its SigV4 credential scope,
// then by the service's protocol: AWS query (IAM, STS, EC2, SNS, RDS,
// Redshift, ElastiCache, Auto Scaling, Elastic Load Balancing v2,
// CloudFormation), JSON 1.0/1.1 with an X-Amz-Target header (CloudTrail,
// Glue, KMS, Config, SQS, DynamoDB, CloudWatch Logs, Systems Manager,
// Secrets Manager, Application Auto Scaling, ECS, ECR, CodeBuild, Athena),
// REST-JSON (Security Hub, Lambda, Access Analyzer, GuardDuty, Macie, API
// Gateway and API Gateway v2, which share a signing name and are told apart
// by the /v2/ path), REST-XML (S3, S3 Control, CloudFront) or Smithy RPC v2
// CBOR (CloudWatch; see rpcv2.go). The access key in the scope names the caller: an
// account's administrator, an IAM user's access key, or temporary
// credentials from STS AssumeRole. Unknown keys and bad signatures are
// refused with the codes AWS uses.
//
// # Authorization
//
// Every call is authorized as IAM authorizes it with identity-based
// policies, per account (authz.go). An account's administrator keys are
// its root user and may do everything. An IAM user or an assumed-role
// session needs a statement that allows the call's IAM action (Action or
// NotAction, with * and ? wildcards, case-insensitive) on each resource
// the call acts on (Resource or NotResource: "*" or ARN patterns), whose
// conditions hold, in its identity policies — the inline and managed
// policies of its role, or of the user and the user's groups — and no
// statement that denies it: an explicit Deny wins. A few AWS managed
// policies are known by ARN (AdministratorAccess, PowerUserAccess,
// ReadOnlyAccess and others, approximated; see awsManagedPolicy); other AWS
// managed policies allow nothing. Conditions may use the operators String*,
// Arn*, Date* and Null, with IfExists and ForAnyValue:/ForAllValues:, on the
// keys aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
// aws:username, aws:userid, aws:RequestedRegion, aws:TokenIssueTime,
// aws:CurrentTime, aws:EpochTime, sts:ExternalId and ec2:CreateAction; a
// statement using another key or operator does not apply, and a refusal
// says so.
//
// The simulator derives the ARNs of the resources a call acts on from its
// request (resources.go lists which operations name which resources);
// operations whose IAM action names no resource need Resource "*". When
// it cannot name a call's resource, only statements with Resource "*"
// allow it, a Deny naming any resource refuses it, and the refusal says
// why. Implied permissions are checked as AWS checks them: an EC2 call
// that tags what it creates (TagSpecifications) also needs ec2:CreateTags
// on it, with ec2:CreateAction set to the call. A refused call is answered
// with each service's code and message ("User: ARN is not authorized to
// perform: iam:DeleteAccessKey on resource: ARN because no identity-based
// policy allows the iam:DeleteAccessKey action"): AccessDenied (IAM, STS,
// RDS, S3; HTTP 403), UnauthorizedOperation (EC2, 403), AuthorizationError
// (SNS, 403), AccessDeniedException (REST-JSON services, 403; other JSON
// services, 400), and AccessDenied for SQS (403, through its
// query-compatible error header). Parsed policy documents are cached by
// their text.
//
// Not modeled: resource-based policies (bucket, topic, queue, key and
// function policies neither allow nor deny a caller; a role's trust policy
// is checked by AssumeRole, and within an account one that names the
// caller allows sts:AssumeRole on its own; the services that check a
// bucket or key policy for their own access, CloudTrail and Config, do so
// as described below), permissions boundaries, session policies, service
// control policies and policy variables.
//
// # State
//
// Each service keeps its own state per account (global services such as IAM)
// or per account and region. All state is guarded by one mutex on the
// Server; handlers run with it held. State can be seeded through the SDK, from
// a JSON fixture (LoadFixture), saved and restored (Snapshot, Restore), and
// reset.
//
// # Activity log
//
// Every call the simulator serves is recorded as a CloudTrail record, which
// CloudTrail LookupEvents returns; calls refused for want of permission and
// calls throttled or failed by an injected fault are recorded with their
// errorCode and errorMessage, as CloudTrail records them. Every mutating
// call is also delivered to subscribers (Subscribe) as the EventBridge "AWS
// API Call via CloudTrail" event AWS would send, so a scenario can start
// with a user's API call.
//
// # Faults
//
// SetFault injects latency, throttling (a rate, or a token bucket) and 5xx
// errors per service and operation, answered with the throttling code each
// real service uses so the SDK retries as it would against AWS. A token
// bucket serves every caller, or each caller account and region on its own
// (Fault.PerAccountRegion), as AWS's API rate limits do; SetAWSLikeLimits
// installs a profile of AWS's documented limits with a chosen latency, for
// benchmarks (see AWSLikeLimits for the numbers and their sources).
// Fault.IgnoreWrites makes mutating calls answer as if they had succeeded
// while changing nothing, to test that a change is verified.
//
// # S3 and S3 Control
//
// S3 requests are accepted path-style (http://127.0.0.1:4566/bucket/key)
// and virtual-hosted-style, where a Host of bucket.localhost:port or
// bucket.HOST:port (HOST being the Server's own) names the bucket. With a
// BaseEndpoint of an IP address the SDK's S3 client uses path style by
// itself; with http://localhost:port and UsePathStyle false it uses
// virtual-hosted style, and its HTTP client must send bucket.localhost to
// the Server (Server.HTTPClient dials the Server for every host).
//
// New buckets have all four Block Public Access settings on, ACLs
// disabled (Object Ownership BucketOwnerEnforced) and SSE-S3 default
// encryption, as in AWS since April 2023; an ACL that grants anyone but
// the owner is refused with AccessControlListNotSupported while ACLs are
// disabled, and a public policy or ACL with AccessDenied while the
// bucket's or the account's block forbids it. Whether a policy is public
// follows AWS's documented rule (PolicyIsPublic). Buckets also keep
// lifecycle rules, event notifications (whose SNS and SQS destinations
// must exist and let S3 send to them, unless validation is skipped),
// server access logging (to a bucket of the same account and region that
// lets the logging service write), replication and Object Lock (both
// needing versioning), with S3's error codes; the expected bucket owner
// of a request is checked.
//
// The S3 Control client puts the account ID in front of the endpoint's
// host (123456789012.127.0.0.1:4566), a name that does not resolve. The
// Server ignores the host, so an S3 Control client needs one of: an HTTP
// client whose transport dials the Server whatever the host
// (Server.HTTPClient), or an s3control.Options.EndpointResolverV2 that
// returns the configured endpoint unchanged. rectify's S3 Control clients
// must set one of them when an endpoint URL is configured. Its operations
// are named by their IAM actions and CloudTrail event names:
// GetAccountPublicAccessBlock, PutAccountPublicAccessBlock and
// DeleteAccountPublicAccessBlock.
//
// # SQS and SNS
//
// Queue URLs are the Server's URL followed by /ACCOUNT/NAME. New queues
// have SSE-SQS on; a KMS key (KmsMasterKeyId) turns it off, and the two
// cannot be asked for at once. Topics keep a KMS key and the IAM roles of
// delivery status logging, which must be roles SNS may assume. ReceiveMessage
// long polls (WaitTimeSeconds, at most 20 seconds of wall time) without
// holding the Server's lock and return as soon as a message arrives;
// visibility timeouts, delays and retention follow the simulated clock. SNS
// subscriptions with the sqs protocol deliver each published message to
// the queue, as SNS's JSON envelope or raw (RawMessageDelivery). Tests read
// published messages with Server.SNSMessages and queue contents with
// Server.SQSMessages.
//
// # Services that check each other
//
// Some calls are checked against another service's state, as AWS checks
// them (crossservice.go): a CloudTrail trail's bucket policy, KMS key and
// CloudWatch Logs group and role; a Config recorder's role and delivery
// bucket; the instance profile EC2 associates; the instances Systems
// Manager lists as managed, by their profile's role; a VPC flow log's log
// group, bucket and delivery role; the launch template an Auto Scaling
// group names, and the subnets and security groups of a load balancer, in
// EC2; the CloudWatch Logs role API Gateway is given, which must trust it.
// Console sign-ins, which are not API calls, are staged with
// SetPasswordLastUsed. RDS
// enhanced monitoring needs an IAM role that monitoring.rds.amazonaws.com
// may assume, and encrypted copies of RDS snapshots a usable KMS key (AWS
// managed keys such as alias/aws/rds are made on first use); S3
// notifications need SNS topics and SQS queues whose policies let S3 send;
// S3 server access logging and Redshift audit logging need bucket policies
// that let the logging service write; Secrets Manager rotation needs a
// Lambda function whose policy lets Secrets Manager invoke it; Application
// Auto Scaling needs the DynamoDB table or index it scales; SNS delivery
// status logging needs roles SNS may assume.
//
// # Adding a service
//
// A service is a type implementing the service interface (see service.go),
// registered in newServices. Query-protocol services register queryOps,
// JSON services jsonOps, REST services restRoutes; each handler receives a
// *call with the caller, region and request ID, and returns a response
// value or an *Error.
package awssim
