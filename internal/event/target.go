package event

import (
	"fmt"
	"maps"
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
	// ControlParams are the parameters of the Security Hub control a
	// finding comes from, as Security Hub evaluated it
	// (Compliance.SecurityControlParameters), by name; nil for other
	// targets.
	ControlParams map[string][]string `json:",omitempty"`
	// Tags are the resource's tags as the event reports them (a Security
	// Hub finding's Resources[].Tags); nil when the event carries none.
	Tags map[string]string `json:",omitempty"`
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
	"AwsAccount":                        TypeAccount,
	"AwsIamAccessKey":                   TypeIAMAccessKey,
	"AwsIamRole":                        TypeIAMRole,
	"AwsIamUser":                        TypeIAMUser,
	"AwsIamPolicy":                      "AWS::IAM::Policy",
	"AwsIamGroup":                       "AWS::IAM::Group",
	"AwsEc2Instance":                    TypeEC2Instance,
	"AwsEc2SecurityGroup":               TypeEC2SecurityGroup,
	"AwsEc2Vpc":                         typeEC2VPC,
	"AwsEc2Subnet":                      typeEC2Subn,
	"AwsEc2Volume":                      "AWS::EC2::Volume",
	"AwsEc2Eip":                         "AWS::EC2::EIP",
	"AwsEc2NetworkAcl":                  "AWS::EC2::NetworkAcl",
	"AwsEc2NetworkInterface":            "AWS::EC2::NetworkInterface",
	"AwsEc2LaunchTemplate":              "AWS::EC2::LaunchTemplate",
	"AwsEc2TransitGateway":              "AWS::EC2::TransitGateway",
	"AwsEc2VpnConnection":               "AWS::EC2::VPNConnection",
	"AwsEc2VpcEndpointService":          "AWS::EC2::VPCEndpointService",
	"AwsS3Bucket":                       TypeS3Bucket,
	"AwsS3AccountPublicAccessBlock":     "AWS::S3::AccountPublicAccessBlock",
	"AwsRdsDbInstance":                  "AWS::RDS::DBInstance",
	"AwsRdsDbCluster":                   "AWS::RDS::DBCluster",
	"AwsRdsDbSnapshot":                  "AWS::RDS::DBSnapshot",
	"AwsRdsDbClusterSnapshot":           "AWS::RDS::DBClusterSnapshot",
	"AwsKmsKey":                         "AWS::KMS::Key",
	"AwsLambdaFunction":                 "AWS::Lambda::Function",
	"AwsSnsTopic":                       "AWS::SNS::Topic",
	"AwsSqsQueue":                       "AWS::SQS::Queue",
	"AwsDynamoDbTable":                  "AWS::DynamoDB::Table",
	"AwsCloudTrailTrail":                "AWS::CloudTrail::Trail",
	"AwsCloudFrontDistribution":         "AWS::CloudFront::Distribution",
	"AwsEcrRepository":                  "AWS::ECR::Repository",
	"AwsEcsCluster":                     "AWS::ECS::Cluster",
	"AwsEcsService":                     "AWS::ECS::Service",
	"AwsEcsTaskDefinition":              "AWS::ECS::TaskDefinition",
	"AwsEksCluster":                     "AWS::EKS::Cluster",
	"AwsElbv2LoadBalancer":              "AWS::ElasticLoadBalancingV2::LoadBalancer",
	"AwsElbLoadBalancer":                "AWS::ElasticLoadBalancing::LoadBalancer",
	"AwsAutoScalingAutoScalingGroup":    "AWS::AutoScaling::AutoScalingGroup",
	"AwsApiGatewayRestApi":              "AWS::ApiGateway::RestApi",
	"AwsApiGatewayStage":                "AWS::ApiGateway::Stage",
	"AwsSecretsManagerSecret":           "AWS::SecretsManager::Secret",
	"AwsElasticsearchDomain":            "AWS::Elasticsearch::Domain",
	"AwsOpenSearchServiceDomain":        "AWS::OpenSearchService::Domain",
	"AwsRedshiftCluster":                "AWS::Redshift::Cluster",
	"AwsEfsFileSystem":                  "AWS::EFS::FileSystem",
	"AwsCodeBuildProject":               "AWS::CodeBuild::Project",
	"AwsSageMakerNotebookInstance":      "AWS::SageMaker::NotebookInstance",
	"AwsStepFunctionStateMachine":       "AWS::StepFunctions::StateMachine",
	"AwsKinesisStream":                  "AWS::Kinesis::Stream",
	"AwsWafWebAcl":                      "AWS::WAF::WebACL",
	"AwsWafv2WebAcl":                    "AWS::WAFv2::WebACL",
	"AwsDmsReplicationInstance":         "AWS::DMS::ReplicationInstance",
	"AwsSsmPatchCompliance":             "AWS::SSM::PatchCompliance",
	"AwsCertificateManagerCertificate":  "AWS::CertificateManager::Certificate",
	"AwsAthenaWorkGroup":                "AWS::Athena::WorkGroup",
	"AwsAutoScalingLaunchConfiguration": "AWS::AutoScaling::LaunchConfiguration",
	"AwsCloudFormationStack":            "AWS::CloudFormation::Stack",
	"AwsLogsLogGroup":                   "AWS::Logs::LogGroup",
	"AwsElastiCacheCacheCluster":        "AWS::ElastiCache::CacheCluster",
	"AwsElastiCacheReplicationGroup":    "AWS::ElastiCache::ReplicationGroup",
	"AwsGuardDutyDetector":              "AWS::GuardDuty::Detector",
	"AwsSsmDocument":                    "AWS::SSM::Document",
	"AwsApiGatewayV2Api":                "AWS::ApiGatewayV2::Api",
	"AwsApiGatewayV2Stage":              "AWS::ApiGatewayV2::Stage",
	"AwsEc2Snapshot":                    "AWS::EC2::Snapshot",
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

// arnResource is what an ARN says about the resource it names.
type arnResource struct {
	typ   string            // CloudFormation type, "" when rectify does not know the kind
	id    string            // the resource's own identifier
	attrs map[string]string // further parts of the ARN, such as a stage's API id
}

// arnKinds maps a service and the resource type an ARN's resource part
// begins with ("security-group" in "security-group/sg-1") to a
// CloudFormation type. The rest of the resource part, after '/' or ':', is
// the resource's id unless resourceFromARN says otherwise.
var arnKinds = map[string]map[string]string{
	"ec2": {
		"instance": TypeEC2Instance, "security-group": TypeEC2SecurityGroup, "internet-gateway": TypeEC2InternetGateway,
		"vpc": typeEC2VPC, "subnet": typeEC2Subn, "volume": "AWS::EC2::Volume", "snapshot": "AWS::EC2::Snapshot",
		"transit-gateway": "AWS::EC2::TransitGateway", "network-interface": "AWS::EC2::NetworkInterface",
		"network-acl": "AWS::EC2::NetworkAcl", "launch-template": "AWS::EC2::LaunchTemplate",
		"vpc-endpoint": "AWS::EC2::VPCEndpoint", "image": "AWS::EC2::Image",
	},
	"iam":                  {"role": TypeIAMRole, "user": TypeIAMUser, "group": "AWS::IAM::Group", "policy": "AWS::IAM::Policy"},
	"glue":                 {"devEndpoint": TypeGlueDevEndpoint},
	"lambda":               {"function": "AWS::Lambda::Function"},
	"kms":                  {"key": "AWS::KMS::Key", "alias": "AWS::KMS::Alias"},
	"rds":                  {"db": "AWS::RDS::DBInstance", "cluster": "AWS::RDS::DBCluster", "snapshot": "AWS::RDS::DBSnapshot", "cluster-snapshot": "AWS::RDS::DBClusterSnapshot"},
	"redshift":             {"cluster": "AWS::Redshift::Cluster"},
	"elasticache":          {"cluster": "AWS::ElastiCache::CacheCluster", "replicationgroup": "AWS::ElastiCache::ReplicationGroup", "serverlesscache": "AWS::ElastiCache::ServerlessCache"},
	"athena":               {"workgroup": "AWS::Athena::WorkGroup"},
	"cloudfront":           {"distribution": "AWS::CloudFront::Distribution"},
	"cloudtrail":           {"trail": "AWS::CloudTrail::Trail"},
	"codebuild":            {"project": "AWS::CodeBuild::Project"},
	"dynamodb":             {"table": "AWS::DynamoDB::Table"},
	"ecr":                  {"repository": "AWS::ECR::Repository"},
	"ecs":                  {"task-definition": "AWS::ECS::TaskDefinition", "cluster": "AWS::ECS::Cluster", "service": "AWS::ECS::Service"},
	"ssm":                  {"document": "AWS::SSM::Document"},
	"secretsmanager":       {"secret": "AWS::SecretsManager::Secret"},
	"logs":                 {"log-group": "AWS::Logs::LogGroup"},
	"guardduty":            {"detector": "AWS::GuardDuty::Detector"},
	"cloudformation":       {"stack": "AWS::CloudFormation::Stack"},
	"autoscaling":          {"autoScalingGroup": "AWS::AutoScaling::AutoScalingGroup", "launchConfiguration": "AWS::AutoScaling::LaunchConfiguration"},
	"elasticloadbalancing": {"loadbalancer": "AWS::ElasticLoadBalancingV2::LoadBalancer"},
}

// resourceFromARN returns the type and id of the resource an ARN names,
// with the parts of some ARNs that an id alone does not carry:
//
//   - S3: arn:P:s3:::BUCKET is a bucket named BUCKET.
//   - SNS and SQS: the resource part is the topic or queue name.
//   - API Gateway: arn:P:apigateway:R::/restapis/API/stages/STAGE is a REST
//     API stage with id "API/STAGE" and attributes restApiId and stageName
//     (/apis/... is an HTTP or WebSocket API's, with apiId).
//   - Auto Scaling: autoScalingGroup:UUID:autoScalingGroupName/NAME and
//     launchConfiguration:UUID:launchConfigurationName/NAME are named NAME.
//   - CloudFormation: stack/NAME/UUID is the stack NAME (its ARN is kept).
//   - CloudWatch Logs: log-group:NAME or log-group:NAME:* is the group NAME,
//     slashes and all; ECR repositories keep theirs too.
//   - ECS: task-definition/FAMILY:REVISION has id FAMILY:REVISION.
//   - GuardDuty: detector/ID/filter/NAME is the filter NAME of detector ID.
//   - Elastic Load Balancing: loadbalancer/app/NAME/ID (or net/, gwy/) is a
//     load balancer NAME of that kind; loadbalancer/NAME a Classic one.
//   - Lambda: function:NAME:QUALIFIER is the function NAME.
//   - RDS, Redshift, ElastiCache, Secrets Manager: what follows KIND: is
//     the identifier (an automated snapshot's "rds:NAME" included).
//   - IAM: role/PATH/NAME is NAME.
//
// For other ARNs the id is the part after the last '/' of the resource, or
// after its first ':', or the whole resource, and the type is "".
func resourceFromARN(a arn.ARN) arnResource {
	r := a.Resource
	switch a.Service {
	case "s3":
		if r != "" && !strings.ContainsAny(r, "/:") {
			return arnResource{typ: TypeS3Bucket, id: r}
		}
		return arnResource{id: genericID(r)}
	case "sns":
		if r != "" && !strings.Contains(r, ":") {
			return arnResource{typ: "AWS::SNS::Topic", id: r}
		}
	case "sqs":
		if r != "" && !strings.Contains(r, ":") {
			return arnResource{typ: "AWS::SQS::Queue", id: r}
		}
	case "apigateway":
		return apiGatewayResource(r)
	}
	i := strings.IndexAny(r, "/:")
	if i < 0 {
		return arnResource{id: r}
	}
	kind, rest := r[:i], r[i+1:]
	typ := arnKinds[a.Service][kind]
	if typ == "" || rest == "" {
		return arnResource{id: genericID(r)}
	}
	switch {
	case a.Service == "autoscaling":
		// autoScalingGroup:UUID:autoScalingGroupName/NAME
		if _, name, ok := strings.Cut(rest, "Name/"); ok && name != "" {
			return arnResource{typ: typ, id: name}
		}
		return arnResource{id: genericID(r)}
	case a.Service == "cloudformation":
		name, _, _ := strings.Cut(rest, "/")
		return arnResource{typ: typ, id: name}
	case a.Service == "logs":
		return arnResource{typ: typ, id: strings.TrimSuffix(rest, ":*")}
	case a.Service == "ecr", a.Service == "ecs" && kind == "task-definition":
		return arnResource{typ: typ, id: rest}
	case a.Service == "guardduty":
		detector, filter, ok := strings.Cut(rest, "/filter/")
		if ok {
			return arnResource{typ: "AWS::GuardDuty::Filter", id: filter, attrs: map[string]string{"detectorId": detector}}
		}
		return arnResource{typ: typ, id: detector}
	case a.Service == "elasticloadbalancing":
		parts := strings.Split(rest, "/")
		switch {
		case len(parts) == 1:
			return arnResource{typ: "AWS::ElasticLoadBalancing::LoadBalancer", id: parts[0]}
		case len(parts) == 3:
			return arnResource{typ: typ, id: parts[1], attrs: map[string]string{"loadBalancerType": parts[0]}}
		}
		return arnResource{id: genericID(r)}
	case a.Service == "lambda":
		name, _, _ := strings.Cut(rest, ":")
		return arnResource{typ: typ, id: name}
	case r[i] == ':':
		// db:NAME, cluster:NAME, snapshot:rds:NAME: the rest is the
		// identifier, colons included.
		return arnResource{typ: typ, id: rest}
	}
	return arnResource{typ: typ, id: genericID(rest)}
}

// apiGatewayResource parses the resource part of an API Gateway ARN:
// /restapis/API[/stages/STAGE] or /apis/API[/stages/STAGE].
func apiGatewayResource(r string) arnResource {
	parts := strings.Split(strings.TrimPrefix(r, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "restapis" && parts[1] != "":
		return arnResource{typ: "AWS::ApiGateway::RestApi", id: parts[1], attrs: map[string]string{"restApiId": parts[1]}}
	case len(parts) == 4 && parts[0] == "restapis" && parts[2] == "stages" && parts[1] != "" && parts[3] != "":
		return arnResource{typ: "AWS::ApiGateway::Stage", id: parts[1] + "/" + parts[3],
			attrs: map[string]string{"restApiId": parts[1], "stageName": parts[3]}}
	case len(parts) == 2 && parts[0] == "apis" && parts[1] != "":
		return arnResource{typ: "AWS::ApiGatewayV2::Api", id: parts[1], attrs: map[string]string{"apiId": parts[1]}}
	case len(parts) == 4 && parts[0] == "apis" && parts[2] == "stages" && parts[1] != "" && parts[3] != "":
		return arnResource{typ: "AWS::ApiGatewayV2::Stage", id: parts[1] + "/" + parts[3],
			attrs: map[string]string{"apiId": parts[1], "stageName": parts[3]}}
	}
	return arnResource{id: genericID(r)}
}

// genericID returns the part of an ARN's resource after its last '/', or
// after its first ':', or the whole resource.
func genericID(r string) string {
	if i := strings.LastIndexByte(r, '/'); i >= 0 {
		return r[i+1:]
	}
	if i := strings.IndexByte(r, ':'); i >= 0 {
		return r[i+1:]
	}
	return r
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
	res := resourceFromARN(a)
	if typ == "" {
		typ = res.typ
	}
	t, err := tb.make(a.Partition, account, accountField, region, typ, res.id)
	if err != nil {
		return Target{}, err
	}
	t.ARN = s
	if len(res.attrs) > 0 {
		t.Attributes = maps.Clone(res.attrs)
	}
	return t, nil
}

// Targets returns the resources the event is about, one target each:
//
//   - Security Hub: one per finding, for the finding's first resource (the
//     account itself when it lists none, or when the resource is
//     "AWS::::Account:ID"), in the partition, region and account its ARN
//     names (the finding's where the ARN names none), with the parts of the
//     ARN an id does not carry (see resourceFromARN) and the finding's facts
//     in Attributes: controlId (the consolidated control id, see
//     [Finding.ControlID]), complianceStatus (Compliance.Status),
//     recordState, workflowStatus (Workflow.Status), severityLabel
//     (Severity.Label), generatorId, productName, companyName and types
//     (Types joined with ','), each only when the finding has it; and the
//     control's parameters in ControlParams.
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
		t.Attributes = findingAttributes(f, t.Attributes)
		t.ControlParams = f.ControlParams()
		if len(f.Resources) > 0 && len(f.Resources[0].Tags) > 0 {
			t.Tags = f.Resources[0].Tags
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// findingAttributes returns the facts of a Security Hub finding that a
// playbook's condition may test without looking the finding up in the
// event's batch, keyed as documented on [Event.Targets], added to the
// resource's own attributes (from). Empty fields are left out; a finding
// with none of them and no resource attributes gives nil.
func findingAttributes(f *Finding, from map[string]string) map[string]string {
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
	for k, v := range from {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// findingResource returns the target of a finding's resource. An ARN
// gives the partition, region, account, type and id (see
// resourceFromARN), each falling back to the finding's when the ARN has
// none (an S3 bucket's ARN names no region or account); the ASFF type wins
// over the ARN's when rectify knows it. "AWS::::Account:ID" is the account,
// in the partition of the resource (or of the finding's region) and the
// finding's region.
func (tb targetBuilder) findingResource(f *Finding, r *FindingResource, accountField string) (Target, error) {
	typ := CloudFormationType(r.Type)
	region := f.Region
	if region == "" {
		region = r.Region
	}
	if f.AWSAccountID != "" && !IsAccountID(f.AWSAccountID) {
		return Target{}, &Error{Field: accountField, Reason: fmt.Sprintf("%s is not a 12-digit AWS account id", quoteValue(f.AWSAccountID))}
	}
	if acct, ok := strings.CutPrefix(r.ID, TypeAccount+":"); ok || typ == TypeAccount {
		account := f.AWSAccountID
		if ok && acct != "" {
			account, accountField = acct, strings.TrimSuffix(accountField, "AwsAccountId")+"Resources[0].Id"
		}
		return tb.make(r.Partition, account, accountField, region, TypeAccount, "")
	}
	a, err := arn.Parse(r.ID)
	if err != nil {
		id := r.ID
		if strings.HasPrefix(id, "AWS::") {
			// Ids such as "AWS::IAM::AccessKey:AKIA..." name the type, then the id.
			id = id[strings.LastIndexByte(id, ':')+1:]
		}
		return tb.make(r.Partition, f.AWSAccountID, accountField, region, typ, id)
	}
	res := resourceFromARN(a)
	if res.typ != "" && (typ == "Other" || !strings.HasPrefix(typ, "AWS::")) {
		typ = res.typ
	}
	account := f.AWSAccountID
	if a.AccountID != "" {
		account, accountField = a.AccountID, strings.TrimSuffix(accountField, "AwsAccountId")+"Resources[0].Id"
	}
	if a.Region != "" {
		region = a.Region
	}
	t, err := tb.make(a.Partition, account, accountField, region, typ, res.id)
	if err != nil {
		return Target{}, err
	}
	t.ARN = r.ID
	t.Attributes = res.attrs
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
