package awssim

import (
	"encoding/json"
	"net/url"
	"strings"
)

// What a call needs to be authorized: its IAM action, the ARNs of the
// resources it acts on, and the actions it implies.
//
// Resource ARNs are derived from the request for these operations (every
// other operation of these services names no resource, "*"):
//
//   - IAM: users (user operations, access keys by UserName or the calling
//     user, GetAccessKeyLastUsed by the key's owner), roles, groups and
//     customer managed policies, with their paths when they exist.
//   - STS: AssumeRole names the role (GetCallerIdentity needs no
//     permission at all).
//   - EC2: every resource named by an ID parameter (GroupId, VpcId,
//     InstanceId.N, ResourceId.N, ...), and "TYPE/*" for the resource a
//     Create call makes; Describe* and Get* name none.
//   - S3: the bucket (arn:aws:s3:::bucket) or the object
//     (arn:aws:s3:::bucket/key); ListBuckets and the account's public
//     access block name none.
//   - Glue dev endpoints, Access Analyzer analyzers, CloudTrail trails,
//     SNS topics, SQS queues, DynamoDB tables and backups, Lambda
//     functions, KMS keys named by key ID or ARN, RDS instances, clusters,
//     snapshots and cluster snapshots named by identifier (a copy names its
//     source and its target), Redshift clusters, ElastiCache clusters,
//     replication groups and subnet groups, Secrets Manager secrets, and
//     Security Hub's hub (hub/default).
//   - CloudWatch alarms, CloudWatch Logs log groups, Systems Manager
//     documents, service settings and parameters, GuardDuty detectors and
//     filters, IAM instance profiles and service-linked roles, Auto Scaling
//     groups and launch configurations, load balancers, listeners, rules
//     and target groups, ECR repositories, CodeBuild projects,
//     CloudFormation stacks, CloudFront distributions, API Gateway
//     resource paths and Athena workgroups, each named by the service's own
//     Resources function; ECS's task definition actions name none.
//
// Calls whose resource the simulator cannot name (Config rules, KMS keys
// named by alias, EC2 security groups named by GroupName, Security Hub
// BatchImportFindings' products, operations of other services) are
// allowed only by statements whose Resource is "*".

// authzCheck is one permission a call needs: an IAM action on resources.
type authzCheck struct {
	action string
	// resources are ARNs, or anyResource; nil when the simulator cannot
	// name them.
	resources []string
	// cond holds service-specific condition keys (lower-cased).
	cond map[string]string
}

// renamedAction returns the IAM action (without its prefix) of a
// simulated operation whose action is not named after it.
func renamedAction(service, op string) (string, bool) {
	switch service {
	case "s3":
		switch op {
		case "HeadBucket", "ListObjectsV2":
			return "ListBucket", true
		case "ListBuckets":
			return "ListAllMyBuckets", true
		case "HeadObject":
			return "GetObject", true
		case "DeleteBucketPublicAccessBlock":
			return "PutBucketPublicAccessBlock", true
		case "GetBucketEncryption":
			return "GetEncryptionConfiguration", true
		case "PutBucketEncryption", "DeleteBucketEncryption":
			return "PutEncryptionConfiguration", true
		case "DeleteBucketTagging":
			return "PutBucketTagging", true
		case "GetBucketLifecycleConfiguration":
			return "GetLifecycleConfiguration", true
		case "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle":
			return "PutLifecycleConfiguration", true
		case "GetBucketNotificationConfiguration":
			return "GetBucketNotification", true
		case "PutBucketNotificationConfiguration":
			return "PutBucketNotification", true
		case "GetBucketReplication":
			return "GetReplicationConfiguration", true
		case "PutBucketReplication", "DeleteBucketReplication":
			return "PutReplicationConfiguration", true
		case "GetObjectLockConfiguration":
			return "GetBucketObjectLockConfiguration", true
		case "PutObjectLockConfiguration":
			return "PutBucketObjectLockConfiguration", true
		case "DeleteBucketOwnershipControls":
			return "PutBucketOwnershipControls", true
		}
	case "s3control":
		if op == "DeleteAccountPublicAccessBlock" {
			return "PutAccountPublicAccessBlock", true
		}
	}
	return "", false
}

// param returns a request parameter by name: a query parameter, a REST
// path variable or query string parameter, or a top-level string member
// of a JSON body.
func (c *call) param(name string) string {
	if v := c.values.Get(name); v != "" {
		return v
	}
	if v := c.vars[name]; v != "" {
		return v
	}
	if c.def.Protocol == protoRESTJSON || c.def.Protocol == protoRESTXML {
		if v := c.r.URL.Query().Get(name); v != "" {
			return v
		}
	}
	if s, ok := c.jsonParams()[name].(string); ok {
		return s
	}
	return ""
}

// jsonParams returns the call's JSON body as an object, nil if it has none.
func (c *call) jsonParams() map[string]any {
	if !c.jsonDecoded {
		c.jsonDecoded = true
		switch c.def.Protocol {
		case protoJSON10, protoJSON11, protoRESTJSON, protoRPCCBOR:
			_ = json.Unmarshal(c.body, &c.jsonIn)
		}
	}
	return c.jsonIn
}

// arn returns the ARN of resource in service, in the call's partition,
// region and account.
func (c *call) arn(service, resource string) string {
	return "arn:" + c.partition() + ":" + service + ":" + c.region + ":" + c.Account() + ":" + resource
}

// authzChecks returns the permissions call c needs: its own action on the
// resources it names, and the actions it implies (an EC2 call that tags
// what it creates also needs ec2:CreateTags on it).
func (svc *iamService) authzChecks(c *call) []authzCheck {
	main := authzCheck{action: c.def.iamAction(c.op)}
	var arns []string
	var ok bool
	switch {
	case c.def.Resources != nil:
		arns, ok = c.def.Resources(c)
	case c.def.Name == "iam":
		arns, ok = svc.iamResources(c)
	default:
		arns, ok = builtinResources(c)
	}
	if ok {
		main.resources = arns
	}
	checks := []authzCheck{main}
	if c.def.Name == "ec2" {
		checks = append(checks, ec2ImpliedTags(c)...)
	}
	return checks
}

// noResource is the answer for an operation whose IAM action names no
// resource.
func noResource() ([]string, bool) { return []string{anyResource}, true }

// builtinResources names the resources of a call to a built-in service
// other than IAM.
func builtinResources(c *call) ([]string, bool) {
	switch c.def.Name {
	case "sts":
		if c.op == "AssumeRole" {
			return named(c.param("RoleArn"))
		}
		return noResource()
	case "ec2":
		return ec2Resources(c)
	case "s3":
		return s3Resources(c)
	case "s3control":
		return noResource()
	case "glue":
		return glueResources(c)
	case "securityhub":
		if c.op == "BatchImportFindings" {
			return nil, false
		}
		return []string{c.arn("securityhub", "hub/default")}, true
	case "access-analyzer":
		return analyzerResources(c)
	case "cloudtrail":
		return trailResources(c)
	case "sns":
		return snsResources(c)
	case "sqs":
		return sqsResources(c)
	case "dynamodb":
		return dynamoResources(c)
	case "lambda":
		return lambdaResources(c)
	case "kms":
		return kmsResources(c)
	case "rds":
		return rdsResources(c)
	}
	return nil, false
}

// named returns arn as the call's one resource, or not ok if it is empty.
func named(arn string) ([]string, bool) {
	if arn == "" {
		return nil, false
	}
	return []string{arn}, true
}

// readsAll reports whether op lists or describes without naming a
// resource, by name.
func readsAll(op string) bool {
	for _, p := range []string{"List", "Describe"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// --- IAM ---

func (svc *iamService) iamResources(c *call) ([]string, bool) {
	acct := svc.accounts[c.Account()]
	global := "arn:" + c.partition() + ":iam::" + c.Account() + ":"
	path := "/"
	if strings.HasPrefix(c.op, "Create") {
		path = iamPath(c.values)
	}
	switch c.op {
	case "ListUsers", "ListRoles", "ListGroups", "GetAccountPasswordPolicy", "UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy",
		"ListInstanceProfiles":
		return noResource()
	case "CreateServiceLinkedRole":
		if slr, ok := serviceLinkedRoles[c.param("AWSServiceName")]; ok {
			return named(global + "role/aws-service-role/" + c.param("AWSServiceName") + "/" + slr.name)
		}
		return nil, false
	case "ListEntitiesForPolicy":
		return named(c.param("PolicyArn"))
	case "GetAccessKeyLastUsed":
		if acct != nil {
			id := c.param("AccessKeyId")
			for _, u := range acct.Users {
				for _, k := range u.Keys {
					if k.ID == id {
						return []string{u.ARN}, true
					}
				}
			}
		}
		return nil, false
	case "CreatePolicy":
		return named(global + "policy" + path + c.param("PolicyName"))
	case "GetPolicy", "DeletePolicy":
		return named(c.param("PolicyArn"))
	}
	if name := c.param("InstanceProfileName"); name != "" {
		if acct != nil && acct.Profiles[name] != nil {
			return []string{acct.Profiles[name].ARN}, true
		}
		return []string{global + "instance-profile" + path + name}, true
	}
	if name := c.param("RoleName"); name != "" {
		if acct != nil && acct.Roles[name] != nil {
			return []string{acct.Roles[name].ARN}, true
		}
		return []string{global + "role" + path + name}, true
	}
	if name := c.param("GroupName"); name != "" {
		if acct != nil && acct.Groups[name] != nil {
			return []string{acct.Groups[name].ARN}, true
		}
		return []string{global + "group" + path + name}, true
	}
	name := c.param("UserName")
	if name == "" && c.caller.Type == "IAMUser" {
		// Access key operations and GetUser act on the calling user
		// when no user is named.
		name = c.caller.UserName
	}
	if name == "" {
		return nil, false
	}
	if acct != nil && acct.Users[name] != nil {
		return []string{acct.Users[name].ARN}, true
	}
	return []string{global + "user" + path + name}, true
}

// --- EC2 ---

// ec2IDType returns the ARN resource type of an EC2 resource ID, by its
// prefix, or "" for a prefix the simulator does not know.
func ec2IDType(id string) string {
	prefix, _, ok := strings.Cut(id, "-")
	if !ok {
		return ""
	}
	switch prefix {
	case "i":
		return "instance"
	case "sg":
		return "security-group"
	case "sgr":
		return "security-group-rule"
	case "vol":
		return "volume"
	case "snap":
		return "snapshot"
	case "vpc":
		return "vpc"
	case "igw":
		return "internet-gateway"
	case "subnet":
		return "subnet"
	case "eni":
		return "network-interface"
	case "rtb":
		return "route-table"
	case "acl":
		return "network-acl"
	case "ami":
		return "image"
	case "fl":
		return "vpc-flow-log"
	case "tgw":
		return "transit-gateway"
	case "vpce":
		return "vpc-endpoint"
	case "lt":
		return "launch-template"
	}
	return ""
}

// ec2ARN returns the ARN of an EC2 resource of type typ and id (or "*").
// Snapshots and images have no account in their ARNs.
func ec2ARN(c *call, typ, id string) string {
	if typ == "snapshot" || typ == "image" {
		return "arn:" + c.partition() + ":ec2:" + c.region + "::" + typ + "/" + id
	}
	return c.arn("ec2", typ+"/"+id)
}

// ec2Resources names the resources of an EC2 call.
func ec2Resources(c *call) ([]string, bool) {
	op := c.op
	if strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "Get") {
		return noResource()
	}
	var out []string
	ok := true
	// id adds the resource named by parameter p; a required one that is
	// missing or of an unknown kind leaves the call unnamed.
	id := func(p string, required bool) {
		v := c.param(p)
		if v == "" {
			ok = ok && !required
			return
		}
		typ := ec2IDType(v)
		if typ == "" {
			ok = false
			return
		}
		out = append(out, ec2ARN(c, typ, v))
	}
	ids := func(p string, required bool) {
		vs := queryList(c.values, p)
		if len(vs) == 0 && required {
			ok = false
		}
		for _, v := range vs {
			typ := ec2IDType(v)
			if typ == "" {
				ok = false
				continue
			}
			out = append(out, ec2ARN(c, typ, v))
		}
	}
	created := func(types ...string) {
		for _, t := range types {
			out = append(out, ec2ARN(c, t, "*"))
		}
	}
	switch op {
	case "EnableEbsEncryptionByDefault", "DisableEbsEncryptionByDefault", "CreateDefaultVpc":
		return noResource()
	case "CreateVpc":
		created("vpc")
	case "DeleteVpc":
		id("VpcId", true)
	case "CreateSubnet":
		created("subnet")
		id("VpcId", true)
	case "DeleteSubnet":
		id("SubnetId", true)
	case "CreateSecurityGroup":
		created("security-group")
		id("VpcId", false)
	case "DeleteSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
		"RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "ModifySecurityGroupRules":
		id("GroupId", true)
	case "CreateInternetGateway":
		created("internet-gateway")
	case "AttachInternetGateway", "DetachInternetGateway":
		id("InternetGatewayId", true)
		id("VpcId", true)
	case "DeleteInternetGateway":
		id("InternetGatewayId", true)
	case "CreateTags", "DeleteTags":
		ids("ResourceId", true)
	case "CreateVolume":
		created("volume")
	case "DeleteVolume":
		id("VolumeId", true)
	case "CreateSnapshot":
		created("snapshot")
		id("VolumeId", true)
	case "DeleteSnapshot", "ModifySnapshotAttribute":
		id("SnapshotId", true)
	case "RunInstances":
		created("instance", "volume", "network-interface")
		id("ImageId", false)
		id("SubnetId", false)
		ids("SecurityGroupId", false)
	case "ModifyInstanceAttribute":
		id("InstanceId", true)
		ids("GroupId", false)
	case "TerminateInstances", "StopInstances", "StartInstances":
		ids("InstanceId", true)
	case "AssociateIamInstanceProfile":
		id("InstanceId", true)
	case "ModifyInstanceMetadataOptions":
		id("InstanceId", true)
	case "ModifyVpcAttribute":
		id("VpcId", true)
	case "ModifySubnetAttribute":
		id("SubnetId", true)
	case "CreateFlowLogs":
		created("vpc-flow-log")
		ids("ResourceId", true)
	case "DeleteFlowLogs":
		ids("FlowLogId", true)
	case "CreateTransitGateway":
		created("transit-gateway")
	case "ModifyTransitGateway", "DeleteTransitGateway":
		id("TransitGatewayId", true)
	case "CreateVpcEndpoint":
		created("vpc-endpoint")
		id("VpcId", true)
		ids("SubnetId", false)
		ids("SecurityGroupId", false)
		ids("RouteTableId", false)
	case "DeleteVpcEndpoints":
		ids("VpcEndpointId", true)
	case "CreateNetworkAcl":
		created("network-acl")
		id("VpcId", true)
	case "DeleteNetworkAcl", "CreateNetworkAclEntry", "ReplaceNetworkAclEntry", "DeleteNetworkAclEntry":
		id("NetworkAclId", true)
	case "CreateLaunchTemplate":
		created("launch-template")
	case "CreateLaunchTemplateVersion", "ModifyLaunchTemplate", "DeleteLaunchTemplate":
		// Named by ID only; a template named by its name is not resolved.
		id("LaunchTemplateId", true)
	default:
		return nil, false
	}
	if !ok {
		return nil, false
	}
	return out, true
}

// ec2ImpliedTags returns the ec2:CreateTags permission a create call
// needs for the resources its TagSpecifications tag, with the condition
// key ec2:CreateAction set to the call's operation, as EC2 authorizes
// tag-on-create.
func ec2ImpliedTags(c *call) []authzCheck {
	specs := queryStructs(c.values, "TagSpecification")
	if len(specs) == 0 {
		return nil
	}
	var arns []string
	seen := map[string]bool{}
	for _, spec := range specs {
		typ := spec.Get("ResourceType")
		if typ == "" || seen[typ] {
			continue
		}
		seen[typ] = true
		arns = append(arns, ec2ARN(c, typ, "*"))
	}
	if len(arns) == 0 {
		return nil
	}
	return []authzCheck{{action: "ec2:CreateTags", resources: arns, cond: map[string]string{"ec2:createaction": c.op}}}
}

// --- S3 ---

func s3Resources(c *call) ([]string, bool) {
	bucket, key := c.Var("Bucket"), c.Var("Key")
	switch {
	case c.op == "ListBuckets":
		return noResource()
	case bucket == "":
		return nil, false
	case key != "":
		return []string{"arn:" + c.partition() + ":s3:::" + bucket + "/" + key}, true
	}
	return []string{"arn:" + c.partition() + ":s3:::" + bucket}, true
}

// --- other services ---

func glueResources(c *call) ([]string, bool) {
	switch {
	case strings.Contains(c.op, "DevEndpoints"):
		return []string{c.arn("glue", "devEndpoint/*")}, true
	case strings.Contains(c.op, "DevEndpoint"):
		return named(nameARN(c, "glue", "devEndpoint/", c.param("EndpointName")))
	}
	return noResource()
}

func analyzerResources(c *call) ([]string, bool) {
	switch c.op {
	case "ListAnalyzers":
		return noResource()
	case "CreateAnalyzer", "GetAnalyzer", "DeleteAnalyzer":
		name := c.param("analyzerName")
		if name == "" {
			return nil, false
		}
		return []string{c.arn("access-analyzer", "analyzer/"+name)}, true
	}
	return named(c.param("analyzerArn"))
}

func trailResources(c *call) ([]string, bool) {
	if c.op == "LookupEvents" || readsAll(c.op) {
		return noResource()
	}
	name := c.param("Name")
	if name == "" {
		name = c.param("TrailName")
	}
	return named(nameARN(c, "cloudtrail", "trail/", name))
}

func snsResources(c *call) ([]string, bool) {
	switch c.op {
	case "ListTopics":
		return noResource()
	case "CreateTopic":
		return named(nameARN(c, "sns", "", c.param("Name")))
	case "Unsubscribe":
		// A subscription's ARN is its topic's followed by an ID.
		sub := c.param("SubscriptionArn")
		if i := strings.LastIndexByte(sub, ':'); i > 0 && strings.HasPrefix(sub, "arn:") {
			return []string{sub[:i]}, true
		}
		return nil, false
	}
	if arn := c.param("ResourceArn"); arn != "" {
		return []string{arn}, true
	}
	return named(c.param("TopicArn"))
}

func sqsResources(c *call) ([]string, bool) {
	switch c.op {
	case "ListQueues":
		return noResource()
	case "CreateQueue", "GetQueueUrl":
		return named(nameARN(c, "sqs", "", c.param("QueueName")))
	}
	u, err := url.Parse(c.param("QueueUrl"))
	if err != nil {
		return nil, false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return nil, false
	}
	return []string{"arn:" + c.partition() + ":sqs:" + c.region + ":" + parts[0] + ":" + parts[1]}, true
}

func dynamoResources(c *call) ([]string, bool) {
	table := func(name string) string { return nameARN(c, "dynamodb", "table/", name) }
	switch c.op {
	case "ListTables":
		return noResource()
	case "BatchGetItem", "BatchWriteItem":
		items, _ := c.jsonParams()["RequestItems"].(map[string]any)
		var out []string
		for _, name := range sortedKeys(items) {
			out = append(out, table(name))
		}
		return out, len(out) > 0
	case "TransactWriteItems":
		items, _ := c.jsonParams()["TransactItems"].([]any)
		var out []string
		for _, it := range items {
			m, _ := it.(map[string]any)
			for _, v := range m {
				if op, ok := v.(map[string]any); ok {
					if name, _ := op["TableName"].(string); name != "" {
						out = append(out, table(name))
					}
				}
			}
		}
		return out, len(out) > 0
	}
	switch c.op {
	case "ListBackups":
		return noResource()
	case "TagResource", "UntagResource", "ListTagsOfResource":
		return named(c.param("ResourceArn"))
	case "DeleteBackup", "DescribeBackup":
		return named(c.param("BackupArn"))
	}
	return named(nameARN(c, "dynamodb", "table/", c.param("TableName")))
}

func lambdaResources(c *call) ([]string, bool) {
	if c.op == "ListFunctions" {
		return noResource()
	}
	return named(nameARN(c, "lambda", "function:", c.param("FunctionName")))
}

func kmsResources(c *call) ([]string, bool) {
	switch c.op {
	case "CreateKey", "ListKeys", "ListAliases":
		return noResource()
	case "CreateAlias", "DeleteAlias":
		alias := nameARN(c, "kms", "", c.param("AliasName"))
		if key := c.param("TargetKeyId"); key != "" && !strings.HasPrefix(key, "alias/") {
			return []string{alias, nameARN(c, "kms", "key/", key)}, alias != ""
		}
		return named(alias)
	}
	key := c.param("KeyId")
	if strings.HasPrefix(key, "alias/") || strings.Contains(key, ":alias/") {
		return nil, false
	}
	return named(nameARN(c, "kms", "key/", key))
}

func rdsResources(c *call) ([]string, bool) {
	if arn := c.param("ResourceName"); arn != "" {
		return []string{arn}, true
	}
	// A copy acts on its source and on the snapshot it makes.
	switch c.op {
	case "CopyDBSnapshot":
		src, dst := nameARN(c, "rds", "snapshot:", c.param("SourceDBSnapshotIdentifier")), nameARN(c, "rds", "snapshot:", c.param("TargetDBSnapshotIdentifier"))
		return []string{src, dst}, src != "" && dst != ""
	case "CopyDBClusterSnapshot":
		src, dst := nameARN(c, "rds", "cluster-snapshot:", c.param("SourceDBClusterSnapshotIdentifier")), nameARN(c, "rds", "cluster-snapshot:", c.param("TargetDBClusterSnapshotIdentifier"))
		return []string{src, dst}, src != "" && dst != ""
	}
	for _, p := range []struct{ param, typ string }{
		{"DBSnapshotIdentifier", "snapshot:"}, {"DBClusterSnapshotIdentifier", "cluster-snapshot:"},
		{"SourceDBSnapshotIdentifier", "snapshot:"}, {"SourceDBClusterSnapshotIdentifier", "cluster-snapshot:"},
		{"DBInstanceIdentifier", "db:"}, {"DBClusterIdentifier", "cluster:"},
	} {
		if id := c.param(p.param); id != "" {
			return named(nameARN(c, "rds", p.typ, id))
		}
	}
	return nil, false
}

// nameARN returns name if it is already an ARN, else the ARN of resource
// type typ (with its separator, "table/") and name in the call's region
// and account; "" for an empty name.
func nameARN(c *call, service, typ, name string) string {
	switch {
	case name == "":
		return ""
	case strings.HasPrefix(name, "arn:"):
		return name
	}
	return c.arn(service, typ+name)
}
