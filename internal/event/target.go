package event

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Target is a resource an event asks rectify to look at, in one account and
// region.
type Target struct {
	Partition string // aws, aws-cn, aws-us-gov, ...
	Account   string // 12-digit account id the resource lives in
	Region    string
	// Type is the CloudFormation resource type name (AWS::EC2::SecurityGroup),
	// or TypeAccount for the account itself.
	Type string
	// ID is the resource's own identifier: a group id, a bucket name, an
	// access key id, a role name, or the account id for TypeAccount.
	ID string
	// ARN is empty for resources that have none (access keys, accounts) and
	// when the event does not say enough to build it.
	ARN string
	// FindingID and ProductARN identify the Security Hub finding the target
	// comes from; they are empty for other sources.
	FindingID  string
	ProductARN string
	// Attributes holds further facts about the target that playbooks may
	// use (userName of an access key, vpcId of an internet gateway, ...).
	Attributes map[string]string
}

// Resource types, as CloudFormation names them, that rectify derives.
const (
	TypeAccount             = "AWS::::Account"
	TypeIAMAccessKey        = "AWS::IAM::AccessKey"
	TypeIAMRole             = "AWS::IAM::Role"
	TypeIAMUser             = "AWS::IAM::User"
	TypeEC2Instance         = "AWS::EC2::Instance"
	TypeEC2SecurityGroup    = "AWS::EC2::SecurityGroup"
	TypeEC2InternetGateway  = "AWS::EC2::InternetGateway"
	TypeS3Bucket            = "AWS::S3::Bucket"
	TypeGlueDevEndpoint     = "AWS::Glue::DevEndpoint"
	typeEC2VPC, typeEC2Subn = "AWS::EC2::VPC", "AWS::EC2::Subnet"
)

// Key returns a string that identifies the target stably, for idempotency
// keys: partition, account, region, type, id and the finding id, separated
// by '|' ('|' and '%' inside a part are escaped). Attributes, ARN and
// ProductARN are not part of it.
func (t Target) Key() string {
	var b strings.Builder
	for i, part := range [...]string{t.Partition, t.Account, t.Region, t.Type, t.ID, t.FindingID} {
		if i > 0 {
			b.WriteByte('|')
		}
		for j := 0; j < len(part); j++ {
			switch c := part[j]; c {
			case '|':
				b.WriteString("%7C")
			case '%':
				b.WriteString("%25")
			default:
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// Partition returns the AWS partition a region belongs to: aws-cn for
// cn-*, aws-us-gov for us-gov-*, the ISO partitions for their regions,
// aws-eusc for the European Sovereign Cloud, and aws otherwise (including
// for an empty region).
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"), region == "aws-cn-global":
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"), region == "aws-us-gov-global":
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

// asffTypes maps ASFF resource types to CloudFormation resource type names.
var asffTypes = map[string]string{
	"AwsAccount":                       TypeAccount,
	"AwsIamAccessKey":                  TypeIAMAccessKey,
	"AwsIamRole":                       TypeIAMRole,
	"AwsIamUser":                       TypeIAMUser,
	"AwsIamPolicy":                     "AWS::IAM::Policy",
	"AwsIamGroup":                      "AWS::IAM::Group",
	"AwsEc2Instance":                   TypeEC2Instance,
	"AwsEc2SecurityGroup":              TypeEC2SecurityGroup,
	"AwsEc2Vpc":                        typeEC2VPC,
	"AwsEc2Subnet":                     typeEC2Subn,
	"AwsEc2Volume":                     "AWS::EC2::Volume",
	"AwsEc2Eip":                        "AWS::EC2::EIP",
	"AwsEc2NetworkAcl":                 "AWS::EC2::NetworkAcl",
	"AwsEc2NetworkInterface":           "AWS::EC2::NetworkInterface",
	"AwsEc2LaunchTemplate":             "AWS::EC2::LaunchTemplate",
	"AwsEc2TransitGateway":             "AWS::EC2::TransitGateway",
	"AwsEc2VpnConnection":              "AWS::EC2::VPNConnection",
	"AwsEc2VpcEndpointService":         "AWS::EC2::VPCEndpointService",
	"AwsS3Bucket":                      TypeS3Bucket,
	"AwsS3AccountPublicAccessBlock":    "AWS::S3::AccountPublicAccessBlock",
	"AwsRdsDbInstance":                 "AWS::RDS::DBInstance",
	"AwsRdsDbCluster":                  "AWS::RDS::DBCluster",
	"AwsRdsDbSnapshot":                 "AWS::RDS::DBSnapshot",
	"AwsRdsDbClusterSnapshot":          "AWS::RDS::DBClusterSnapshot",
	"AwsKmsKey":                        "AWS::KMS::Key",
	"AwsLambdaFunction":                "AWS::Lambda::Function",
	"AwsSnsTopic":                      "AWS::SNS::Topic",
	"AwsSqsQueue":                      "AWS::SQS::Queue",
	"AwsDynamoDbTable":                 "AWS::DynamoDB::Table",
	"AwsCloudTrailTrail":               "AWS::CloudTrail::Trail",
	"AwsCloudFrontDistribution":        "AWS::CloudFront::Distribution",
	"AwsEcrRepository":                 "AWS::ECR::Repository",
	"AwsEcsCluster":                    "AWS::ECS::Cluster",
	"AwsEcsService":                    "AWS::ECS::Service",
	"AwsEcsTaskDefinition":             "AWS::ECS::TaskDefinition",
	"AwsEksCluster":                    "AWS::EKS::Cluster",
	"AwsElbv2LoadBalancer":             "AWS::ElasticLoadBalancingV2::LoadBalancer",
	"AwsElbLoadBalancer":               "AWS::ElasticLoadBalancing::LoadBalancer",
	"AwsAutoScalingAutoScalingGroup":   "AWS::AutoScaling::AutoScalingGroup",
	"AwsApiGatewayRestApi":             "AWS::ApiGateway::RestApi",
	"AwsApiGatewayStage":               "AWS::ApiGateway::Stage",
	"AwsSecretsManagerSecret":          "AWS::SecretsManager::Secret",
	"AwsElasticsearchDomain":           "AWS::Elasticsearch::Domain",
	"AwsOpenSearchServiceDomain":       "AWS::OpenSearchService::Domain",
	"AwsRedshiftCluster":               "AWS::Redshift::Cluster",
	"AwsEfsFileSystem":                 "AWS::EFS::FileSystem",
	"AwsCodeBuildProject":              "AWS::CodeBuild::Project",
	"AwsSageMakerNotebookInstance":     "AWS::SageMaker::NotebookInstance",
	"AwsStepFunctionStateMachine":      "AWS::StepFunctions::StateMachine",
	"AwsKinesisStream":                 "AWS::Kinesis::Stream",
	"AwsWafWebAcl":                     "AWS::WAF::WebACL",
	"AwsWafv2WebAcl":                   "AWS::WAFv2::WebACL",
	"AwsDmsReplicationInstance":        "AWS::DMS::ReplicationInstance",
	"AwsSsmPatchCompliance":            "AWS::SSM::PatchCompliance",
	"AwsCertificateManagerCertificate": "AWS::CertificateManager::Certificate",
}

// CloudFormationType returns the CloudFormation resource type name for an
// ASFF resource type (AwsEc2SecurityGroup → AWS::EC2::SecurityGroup). A type
// it does not know is returned unchanged.
func CloudFormationType(asffType string) string {
	if t, ok := asffTypes[asffType]; ok {
		return t
	}
	return asffType
}

// arnFormats builds ARNs for the types whose ARN follows from partition,
// region, account and id. The verbs are, in order: partition, region,
// account, id.
var arnFormats = map[string]string{
	TypeEC2Instance:         "arn:%s:ec2:%s:%s:instance/%s",
	TypeEC2SecurityGroup:    "arn:%s:ec2:%s:%s:security-group/%s",
	TypeEC2InternetGateway:  "arn:%s:ec2:%s:%s:internet-gateway/%s",
	typeEC2VPC:              "arn:%s:ec2:%s:%s:vpc/%s",
	typeEC2Subn:             "arn:%s:ec2:%s:%s:subnet/%s",
	"AWS::EC2::Volume":      "arn:%s:ec2:%s:%s:volume/%s",
	TypeGlueDevEndpoint:     "arn:%s:glue:%s:%s:devEndpoint/%s",
	"AWS::Lambda::Function": "arn:%s:lambda:%s:%s:function:%s",
	"AWS::KMS::Key":         "arn:%s:kms:%s:%s:key/%s",
	"AWS::RDS::DBInstance":  "arn:%s:rds:%s:%s:db:%s",
	"AWS::SNS::Topic":       "arn:%s:sns:%s:%s:%s",
}

// buildARN returns the ARN of a resource of type typ named id, or "" when it
// cannot be built. An id that already is an ARN is returned as it is. IAM
// role and user ARNs are built without a path, which the events rectify
// reads do not carry.
func buildARN(partition, region, account, typ, id string) string {
	if id == "" {
		return ""
	}
	if arn.IsARN(id) {
		return id
	}
	switch typ {
	case TypeS3Bucket:
		return "arn:" + partition + ":s3:::" + id
	case TypeIAMRole:
		return "arn:" + partition + ":iam::" + account + ":role/" + id
	case TypeIAMUser:
		return "arn:" + partition + ":iam::" + account + ":user/" + id
	}
	if f, ok := arnFormats[typ]; ok && region != "" && account != "" {
		return fmt.Sprintf(f, partition, region, account, id)
	}
	return ""
}

// idFromARN returns a resource's own identifier from its ARN: the last
// '/'-separated part of the resource (a role name without its path, a group
// id), or what follows the first ':' (arn:...:db:NAME), or the whole
// resource (an S3 bucket).
func idFromARN(a arn.ARN) string {
	r := a.Resource
	if i := strings.LastIndexByte(r, '/'); i >= 0 {
		return r[i+1:]
	}
	if i := strings.IndexByte(r, ':'); i >= 0 {
		return r[i+1:]
	}
	return r
}

// typeFromARN guesses the CloudFormation type of the resource an ARN names,
// for the resource kinds rectify acts on; it returns "" for the others.
func typeFromARN(a arn.ARN) string {
	kind, _, hasSlash := strings.Cut(a.Resource, "/")
	switch a.Service {
	case "s3":
		if !hasSlash && !strings.Contains(a.Resource, ":") {
			return TypeS3Bucket
		}
	case "ec2":
		switch kind {
		case "instance":
			return TypeEC2Instance
		case "security-group":
			return TypeEC2SecurityGroup
		case "internet-gateway":
			return TypeEC2InternetGateway
		case "vpc":
			return typeEC2VPC
		case "subnet":
			return typeEC2Subn
		case "volume":
			return "AWS::EC2::Volume"
		}
	case "iam":
		switch kind {
		case "role":
			return TypeIAMRole
		case "user":
			return TypeIAMUser
		}
	case "glue":
		if kind == "devEndpoint" {
			return TypeGlueDevEndpoint
		}
	case "lambda":
		if strings.HasPrefix(a.Resource, "function:") {
			return "AWS::Lambda::Function"
		}
	case "kms":
		if kind == "key" {
			return "AWS::KMS::Key"
		}
	case "rds":
		if strings.HasPrefix(a.Resource, "db:") {
			return "AWS::RDS::DBInstance"
		}
	}
	return ""
}

// targetBuilder fills the account, region and partition of targets with the
// event's values as defaults.
type targetBuilder struct{ e *Event }

// make returns a target of type typ named id in account and region (the
// event's when empty). field names the detail field the account came from,
// for the error when it is not an account id.
func (tb targetBuilder) make(partition, account, accountField, region, typ, id string) (Target, error) {
	if account == "" {
		account, accountField = tb.e.Account, "account"
	}
	if !IsAccountID(account) {
		return Target{}, &Error{Field: accountField, Reason: fmt.Sprintf("%s is not a 12-digit AWS account id", quoteValue(account))}
	}
	if region == "" {
		region = tb.e.Region
	}
	if partition == "" {
		partition = Partition(region)
	}
	if typ == TypeAccount {
		id = account
	}
	t := Target{Partition: partition, Account: account, Region: region, Type: typ, ID: id}
	if typ != TypeAccount && typ != TypeIAMAccessKey {
		t.ARN = buildARN(partition, region, account, typ, id)
	}
	return t, nil
}

// fromARN returns the target an ARN names. The ARN's own partition, region
// and account win over the defaults given.
func (tb targetBuilder) fromARN(s, typ, account, accountField, region string) (Target, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return Target{}, &Error{Field: accountField, Reason: fmt.Sprintf("%s is not an ARN", quoteValue(s)), Err: err}
	}
	if a.AccountID != "" {
		account = a.AccountID
	}
	if a.Region != "" {
		region = a.Region
	}
	if typ == "" {
		typ = typeFromARN(a)
	}
	t, err := tb.make(a.Partition, account, accountField, region, typ, idFromARN(a))
	if err != nil {
		return Target{}, err
	}
	t.ARN = s
	return t, nil
}

// Targets returns the resources the event is about, one target each:
//
//   - Security Hub: one per finding, for the finding's first resource (the
//     account itself when it lists none), in the finding's account and region,
//     with the finding's facts in Attributes: controlId (see
//     [Finding.ControlID]), complianceStatus (Compliance.Status), recordState,
//     workflowStatus (Workflow.Status), severityLabel (Severity.Label),
//     generatorId, productName, companyName and types (Types joined with
//     ','), each only when the finding has it.
//   - CloudTrail: the resource of the call, from the request parameters of the
//     calls rectify handles (security group ingress, internet gateway
//     attachment, S3 bucket calls, Glue dev endpoint creation), else from the
//     record's or the event's resources, else the account; in the recipient
//     account and the call's region.
//   - GuardDuty: the EC2 instance, the IAM role of used instance or role
//     credentials, the IAM access key, or the S3 bucket; else the account.
//   - Config: the evaluated resource.
//   - Trusted Advisor: for Exposed Access Keys, the access key, with the
//     user and case in Attributes; for other checks, the resource_id when it
//     is an ARN, else the account.
//   - Access Analyzer: the shared resource.
//   - Any other event: one target per ARN in its resources, else the account.
func (e *Event) Targets() ([]Target, error) {
	tb := targetBuilder{e}
	switch e.Kind() {
	case KindSecurityHubImported, KindSecurityHubCustomAction:
		return tb.securityHub()
	case KindCloudTrail:
		return one(tb.cloudTrail())
	case KindGuardDuty:
		return one(tb.guardDuty())
	case KindConfigCompliance:
		return one(tb.config())
	case KindTrustedAdvisor:
		return one(tb.trustedAdvisor())
	case KindAccessAnalyzer:
		return one(tb.accessAnalyzer())
	}
	return tb.envelope()
}

func one(t Target, err error) ([]Target, error) {
	if err != nil {
		return nil, err
	}
	return []Target{t}, nil
}

// envelope returns a target per ARN in the event's resources, or the
// account.
func (tb targetBuilder) envelope() ([]Target, error) {
	var ts []Target
	for i, r := range tb.e.Resources {
		if !arn.IsARN(r) {
			continue
		}
		t, err := tb.fromARN(r, "", "", fmt.Sprintf("resources[%d]", i), "")
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return one(tb.make("", "", "", "", TypeAccount, ""))
	}
	return ts, nil
}

func (tb targetBuilder) securityHub() ([]Target, error) {
	fs, err := tb.e.Findings()
	if err != nil {
		return nil, err
	}
	ts := make([]Target, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		accountField := fmt.Sprintf("detail.findings[%d].AwsAccountId", i)
		var t Target
		if len(f.Resources) == 0 {
			t, err = tb.make("", f.AWSAccountID, accountField, f.Region, TypeAccount, "")
		} else {
			t, err = tb.findingResource(f, &f.Resources[0], accountField)
		}
		if err != nil {
			return nil, err
		}
		t.FindingID, t.ProductARN = f.ID, f.ProductARN
		t.Attributes = findingAttributes(f)
		ts = append(ts, t)
	}
	return ts, nil
}

// findingAttributes returns the facts of a Security Hub finding that a
// playbook's condition may test without looking the finding up in the
// event's batch, keyed as documented on [Event.Targets]. Empty fields are
// left out; a finding with none of them gives nil.
func findingAttributes(f *Finding) map[string]string {
	m := attrs(
		"controlId", f.ControlID(),
		"complianceStatus", f.Compliance.Status,
		"recordState", f.RecordState,
		"workflowStatus", f.Workflow.Status,
		"severityLabel", f.Severity.Label,
		"generatorId", f.GeneratorID,
		"productName", f.ProductName,
		"companyName", f.CompanyName,
		"types", strings.Join(f.Types, ","),
	)
	if len(m) == 0 {
		return nil
	}
	return m
}

func (tb targetBuilder) findingResource(f *Finding, r *FindingResource, accountField string) (Target, error) {
	typ := CloudFormationType(r.Type)
	region := f.Region
	if region == "" {
		region = r.Region
	}
	if typ == TypeAccount {
		return tb.make(r.Partition, f.AWSAccountID, accountField, region, TypeAccount, "")
	}
	id := r.ID
	if a, err := arn.Parse(r.ID); err == nil {
		id = idFromARN(a)
		if typ == "Other" || !strings.HasPrefix(typ, "AWS::") {
			if guess := typeFromARN(a); guess != "" {
				typ = guess
			}
		}
	} else if strings.HasPrefix(id, "AWS::") {
		// Ids such as "AWS::IAM::AccessKey:AKIA..." name the type, then the id.
		id = id[strings.LastIndexByte(id, ':')+1:]
	}
	t, err := tb.make(r.Partition, f.AWSAccountID, accountField, region, typ, id)
	if err != nil {
		return Target{}, err
	}
	if arn.IsARN(r.ID) {
		t.ARN = r.ID
	}
	return t, nil
}

// trailParams are the request parameters of the calls rectify acts on.
type trailParams struct {
	GroupID           string `json:"groupId"`
	GroupName         string `json:"groupName"`
	InternetGatewayID string `json:"internetGatewayId"`
	VpcID             string `json:"vpcId"`
	BucketName        string `json:"bucketName"`
	EndpointName      string `json:"endpointName"`
}

// trailCall is the part of a CloudTrail record that targets are derived
// from; decoding only this keeps Targets cheap on the hot path.
type trailCall struct {
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AWSRegion          string          `json:"awsRegion"`
	RecipientAccountID string          `json:"recipientAccountId"`
	RequestParameters  *trailParams    `json:"requestParameters"`
	Resources          []TrailResource `json:"resources"`
}

func (tb targetBuilder) cloudTrail() (Target, error) {
	var c trailCall
	if err := tb.e.decodeDetail(&c, "CloudTrail", KindCloudTrail); err != nil {
		return Target{}, err
	}
	var p trailParams
	if c.RequestParameters != nil {
		p = *c.RequestParameters
	}
	const accountField = "detail.recipientAccountId"
	mk := func(typ, id string) (Target, error) {
		return tb.make("", c.RecipientAccountID, accountField, c.AWSRegion, typ, id)
	}
	var (
		t   Target
		err error
	)
	switch {
	case c.EventSource == "ec2.amazonaws.com" && strings.HasPrefix(c.EventName, "AuthorizeSecurityGroup") && (p.GroupID != "" || p.GroupName != ""):
		id := p.GroupID
		if id == "" {
			id = p.GroupName
		}
		t, err = mk(TypeEC2SecurityGroup, id)
		if err == nil && p.GroupName != "" {
			t.Attributes = map[string]string{"groupName": p.GroupName}
		}
	case c.EventSource == "ec2.amazonaws.com" && c.EventName == "AttachInternetGateway" && p.InternetGatewayID != "":
		t, err = mk(TypeEC2InternetGateway, p.InternetGatewayID)
		if err == nil && p.VpcID != "" {
			t.Attributes = map[string]string{"vpcId": p.VpcID}
		}
	case c.EventSource == "s3.amazonaws.com" && p.BucketName != "":
		t, err = mk(TypeS3Bucket, p.BucketName)
	case c.EventSource == "glue.amazonaws.com" && strings.HasSuffix(c.EventName, "DevEndpoint") && p.EndpointName != "":
		t, err = mk(TypeGlueDevEndpoint, p.EndpointName)
	default:
		t, err = tb.trailFallback(&c)
	}
	if err != nil {
		return Target{}, err
	}
	if t.Attributes == nil {
		t.Attributes = make(map[string]string, 1)
	}
	t.Attributes["eventName"] = c.EventName
	return t, nil
}

// trailFallback is the target of a call rectify has no rule for: the first
// resource of the record, or of the event, that has an ARN; else the
// account.
func (tb targetBuilder) trailFallback(c *trailCall) (Target, error) {
	for i, r := range c.Resources {
		if arn.IsARN(r.ARN) {
			acct, field := r.AccountID, fmt.Sprintf("detail.resources[%d].accountId", i)
			if acct == "" {
				acct, field = c.RecipientAccountID, "detail.recipientAccountId"
			}
			return tb.fromARN(r.ARN, r.Type, acct, field, c.AWSRegion)
		}
	}
	for i, r := range tb.e.Resources {
		if arn.IsARN(r) {
			return tb.fromARN(r, "", c.RecipientAccountID, fmt.Sprintf("resources[%d]", i), c.AWSRegion)
		}
	}
	return tb.make("", c.RecipientAccountID, "detail.recipientAccountId", c.AWSRegion, TypeAccount, "")
}

func (tb targetBuilder) guardDuty() (Target, error) {
	g, err := tb.e.GuardDuty()
	if err != nil {
		return Target{}, err
	}
	const accountField = "detail.accountId"
	mk := func(typ, id string) (Target, error) {
		return tb.make(g.Partition, g.AccountID, accountField, g.Region, typ, id)
	}
	res := &g.Resource
	var t Target
	switch {
	case res.ResourceType == "Instance" && g.InstanceID() != "":
		t, err = mk(TypeEC2Instance, g.InstanceID())
	case res.AccessKeyDetails != nil && g.RoleName() != "":
		k := res.AccessKeyDetails
		t, err = mk(TypeIAMRole, g.RoleName())
		if err == nil {
			t.Attributes = attrs("accessKeyId", k.AccessKeyID, "principalId", k.PrincipalID, "userType", k.UserType, "instanceId", g.InstanceID())
		}
	case res.AccessKeyDetails != nil && res.AccessKeyDetails.AccessKeyID != "":
		k := res.AccessKeyDetails
		t, err = mk(TypeIAMAccessKey, k.AccessKeyID)
		if err == nil {
			t.Attributes = attrs("userName", k.UserName, "principalId", k.PrincipalID, "userType", k.UserType)
		}
	case len(res.S3BucketDetails) > 0 && res.S3BucketDetails[0].Name != "":
		t, err = mk(TypeS3Bucket, res.S3BucketDetails[0].Name)
	default:
		t, err = mk(TypeAccount, "")
	}
	if err != nil {
		return Target{}, err
	}
	return t, nil
}

// attrs builds an attribute map from key, value pairs, leaving out empty
// values.
func attrs(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func (tb targetBuilder) config() (Target, error) {
	c, err := tb.e.ConfigCompliance()
	if err != nil {
		return Target{}, err
	}
	if c.ResourceType == "" || c.ResourceID == "" {
		return Target{}, missing("detail.resourceId")
	}
	t, err := tb.make("", c.AWSAccountID, "detail.awsAccountId", c.AWSRegion, c.ResourceType, c.ResourceID)
	if err != nil {
		return Target{}, err
	}
	// Config names IAM resources and RDS instances by their unique ids
	// (AROA..., db-...), from which no ARN can be built.
	if strings.HasPrefix(c.ResourceType, "AWS::IAM::") || strings.HasPrefix(c.ResourceType, "AWS::RDS::") {
		if !arn.IsARN(c.ResourceID) {
			t.ARN = ""
		}
	}
	t.Attributes = attrs("configRuleName", c.ConfigRuleName, "complianceType", c.NewEvaluationResult.ComplianceType)
	return t, nil
}

func (tb targetBuilder) trustedAdvisor() (Target, error) {
	c, err := tb.e.TrustedAdvisor()
	if err != nil {
		return Target{}, err
	}
	if c.CheckName == CheckExposedAccessKeys {
		d := c.CheckItemDetail
		key := d[TAAccessKeyID]
		if key == "" {
			return Target{}, missing("detail.check-item-detail." + TAAccessKeyID)
		}
		t, err := tb.make("", "", "", "", TypeIAMAccessKey, key)
		if err != nil {
			return Target{}, err
		}
		t.Attributes = attrs(
			"userName", d[TAUserName],
			"caseId", d[TACaseID],
			"fraudType", d[TAFraudType],
			"location", d[TALocation],
			"usagePerDay", d[TAUsage],
			"deadline", d[TADeadline],
			"timeUpdated", d[TATimeUpdated],
			"status", c.Status,
		)
		return t, nil
	}
	if arn.IsARN(c.ResourceID) {
		return tb.fromARN(c.ResourceID, "", "", "detail.resource_id", "")
	}
	return tb.make("", "", "", "", TypeAccount, "")
}

func (tb targetBuilder) accessAnalyzer() (Target, error) {
	f, err := tb.e.AccessAnalyzer()
	if err != nil {
		return Target{}, err
	}
	account, field := f.ResourceOwnerAccount, "detail.resourceOwnerAccount"
	if account == "" {
		account, field = f.AccountID, "detail.accountId"
	}
	if f.Resource == "" {
		return Target{}, missing("detail.resource")
	}
	var t Target
	if arn.IsARN(f.Resource) {
		t, err = tb.fromARN(f.Resource, f.ResourceType, account, field, f.Region)
	} else {
		t, err = tb.make("", account, field, f.Region, f.ResourceType, f.Resource)
	}
	if err != nil {
		return Target{}, err
	}
	t.Attributes = attrs("findingId", f.ID, "status", f.Status)
	return t, nil
}
