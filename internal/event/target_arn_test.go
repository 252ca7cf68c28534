package event

import (
	"encoding/json"
	"reflect"
	"testing"
)

// findingEvent returns a Security Hub Imported event with one finding in
// account and region about a resource of ASFF type resType named resID.
func findingEvent(t *testing.T, account, region, partition, resType, resID string) []byte {
	t.Helper()
	ev := map[string]any{
		"version": "0", "id": "11111111-2222-4333-8444-555555555555", "detail-type": "Security Hub Findings - Imported",
		"source": "aws.securityhub", "account": "111122223333", "time": "2026-11-20T08:00:06Z", "region": "us-east-1", "resources": []any{},
		"detail": map[string]any{"findings": []any{map[string]any{
			"Id": "finding-1", "ProductArn": "arn:" + partition + ":securityhub:" + region + "::product/aws/securityhub",
			"AwsAccountId": account, "Region": region, "GeneratorId": "security-control/X.1",
			"Resources":  []any{map[string]any{"Type": resType, "Id": resID, "Partition": partition, "Region": region}},
			"Compliance": map[string]any{"Status": "FAILED", "SecurityControlId": "X.1"},
		}}},
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTargetsFindingResources parses the resource ids of the catalog's
// resource types, in the aws, aws-cn and aws-us-gov partitions: partition,
// region and account come from the ARN, and from the finding where the ARN
// has none.
func TestTargetsFindingResources(t *testing.T) {
	const acct = "444455556666"
	tests := []struct {
		name      string
		partition string
		region    string // the finding's
		resType   string
		resID     string
		want      Target // without FindingID, ProductARN and the finding's attributes
		attrs     map[string]string
	}{
		{"security group", "aws", "us-east-1", "AwsEc2SecurityGroup", "arn:aws:ec2:us-east-1:444455556666:security-group/sg-0123456789abcdef0",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: TypeEC2SecurityGroup, ID: "sg-0123456789abcdef0"}, nil},
		{"security group aws-cn", "aws-cn", "cn-north-1", "AwsEc2SecurityGroup", "arn:aws-cn:ec2:cn-north-1:444455556666:security-group/sg-0123456789abcdef0",
			Target{Partition: "aws-cn", Account: acct, Region: "cn-north-1", Type: TypeEC2SecurityGroup, ID: "sg-0123456789abcdef0"}, nil},
		{"security group aws-us-gov", "aws-us-gov", "us-gov-west-1", "AwsEc2SecurityGroup", "arn:aws-us-gov:ec2:us-gov-west-1:444455556666:security-group/sg-1",
			Target{Partition: "aws-us-gov", Account: acct, Region: "us-gov-west-1", Type: TypeEC2SecurityGroup, ID: "sg-1"}, nil},
		{"bucket: no region or account in the ARN", "aws", "eu-west-1", "AwsS3Bucket", "arn:aws:s3:::logs-bucket",
			Target{Partition: "aws", Account: acct, Region: "eu-west-1", Type: TypeS3Bucket, ID: "logs-bucket"}, nil},
		{"bucket aws-us-gov", "aws-us-gov", "us-gov-east-1", "AwsS3Bucket", "arn:aws-us-gov:s3:::gov-bucket",
			Target{Partition: "aws-us-gov", Account: acct, Region: "us-gov-east-1", Type: TypeS3Bucket, ID: "gov-bucket"}, nil},
		{"bucket aws-cn", "aws-cn", "cn-northwest-1", "AwsS3Bucket", "arn:aws-cn:s3:::cn-bucket",
			Target{Partition: "aws-cn", Account: acct, Region: "cn-northwest-1", Type: TypeS3Bucket, ID: "cn-bucket"}, nil},
		{"api gateway stage", "aws", "us-east-1", "AwsApiGatewayStage", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::ApiGateway::Stage", ID: "a1b2c3d4e5/prod"},
			map[string]string{"restApiId": "a1b2c3d4e5", "stageName": "prod"}},
		{"websocket stage aws-us-gov", "aws-us-gov", "us-gov-west-1", "AwsApiGatewayV2Stage", "arn:aws-us-gov:apigateway:us-gov-west-1::/apis/abc123/stages/live",
			Target{Partition: "aws-us-gov", Account: acct, Region: "us-gov-west-1", Type: "AWS::ApiGatewayV2::Stage", ID: "abc123/live"},
			map[string]string{"apiId": "abc123", "stageName": "live"}},
		{"auto scaling group", "aws", "us-west-2", "AwsAutoScalingAutoScalingGroup",
			"arn:aws:autoscaling:us-west-2:444455556666:autoScalingGroup:0f1e2d3c-4b5a-4697-8877-638874327197:autoScalingGroupName/web-asg",
			Target{Partition: "aws", Account: acct, Region: "us-west-2", Type: "AWS::AutoScaling::AutoScalingGroup", ID: "web-asg"}, nil},
		{"launch configuration aws-cn", "aws-cn", "cn-north-1", "AwsAutoScalingLaunchConfiguration",
			"arn:aws-cn:autoscaling:cn-north-1:444455556666:launchConfiguration:0f1e2d3c-4b5a-4697-8877-638874327197:launchConfigurationName/web-lc",
			Target{Partition: "aws-cn", Account: acct, Region: "cn-north-1", Type: "AWS::AutoScaling::LaunchConfiguration", ID: "web-lc"}, nil},
		{"athena workgroup", "aws", "us-east-1", "AwsAthenaWorkGroup", "arn:aws:athena:us-east-1:444455556666:workgroup/primary",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::Athena::WorkGroup", ID: "primary"}, nil},
		{"cloudformation stack", "aws", "us-east-1", "AwsCloudFormationStack",
			"arn:aws:cloudformation:us-east-1:444455556666:stack/app-stack/0f1e2d3c-4b5a-4697-8877-638874327197",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::CloudFormation::Stack", ID: "app-stack"}, nil},
		{"cloudfront distribution: global, region from the finding", "aws", "us-east-1", "AwsCloudFrontDistribution",
			"arn:aws:cloudfront::444455556666:distribution/E2EXAMPLE12345",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::CloudFront::Distribution", ID: "E2EXAMPLE12345"}, nil},
		{"trail", "aws-us-gov", "us-gov-west-1", "AwsCloudTrailTrail", "arn:aws-us-gov:cloudtrail:us-gov-west-1:444455556666:trail/org-trail",
			Target{Partition: "aws-us-gov", Account: acct, Region: "us-gov-west-1", Type: "AWS::CloudTrail::Trail", ID: "org-trail"}, nil},
		{"log group with slashes", "aws", "us-east-1", "AwsLogsLogGroup", "arn:aws:logs:us-east-1:444455556666:log-group:/aws/lambda/fn:*",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::Logs::LogGroup", ID: "/aws/lambda/fn"}, nil},
		{"codebuild project", "aws", "us-east-1", "AwsCodeBuildProject", "arn:aws:codebuild:us-east-1:444455556666:project/build",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::CodeBuild::Project", ID: "build"}, nil},
		{"dynamodb table", "aws-cn", "cn-north-1", "AwsDynamoDbTable", "arn:aws-cn:dynamodb:cn-north-1:444455556666:table/orders",
			Target{Partition: "aws-cn", Account: acct, Region: "cn-north-1", Type: "AWS::DynamoDB::Table", ID: "orders"}, nil},
		{"instance", "aws", "us-east-1", "AwsEc2Instance", "arn:aws:ec2:us-east-1:444455556666:instance/i-0123456789abcdef0",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: TypeEC2Instance, ID: "i-0123456789abcdef0"}, nil},
		{"vpc", "aws", "us-east-1", "AwsEc2Vpc", "arn:aws:ec2:us-east-1:444455556666:vpc/vpc-0a1b2c3d",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: typeEC2VPC, ID: "vpc-0a1b2c3d"}, nil},
		{"subnet", "aws", "us-east-1", "AwsEc2Subnet", "arn:aws:ec2:us-east-1:444455556666:subnet/subnet-0a1b2c3d",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: typeEC2Subn, ID: "subnet-0a1b2c3d"}, nil},
		{"transit gateway", "aws", "us-east-1", "AwsEc2TransitGateway", "arn:aws:ec2:us-east-1:444455556666:transit-gateway/tgw-0a1b2c3d",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::EC2::TransitGateway", ID: "tgw-0a1b2c3d"}, nil},
		{"ecr repository with slashes", "aws", "us-east-1", "AwsEcrRepository", "arn:aws:ecr:us-east-1:444455556666:repository/team/app",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::ECR::Repository", ID: "team/app"}, nil},
		{"ecs task definition", "aws", "us-east-1", "AwsEcsTaskDefinition", "arn:aws:ecs:us-east-1:444455556666:task-definition/web:12",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::ECS::TaskDefinition", ID: "web:12"}, nil},
		{"application load balancer", "aws", "us-east-1", "AwsElbv2LoadBalancer",
			"arn:aws:elasticloadbalancing:us-east-1:444455556666:loadbalancer/app/web-alb/50dc6c495c0c9188",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", ID: "web-alb"},
			map[string]string{"loadBalancerType": "app"}},
		{"elasticache cluster", "aws", "us-east-1", "AwsElastiCacheCacheCluster", "arn:aws:elasticache:us-east-1:444455556666:cluster:redis-1",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::ElastiCache::CacheCluster", ID: "redis-1"}, nil},
		{"elasticache replication group", "aws", "us-east-1", "AwsElastiCacheReplicationGroup", "arn:aws:elasticache:us-east-1:444455556666:replicationgroup:rg-1",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::ElastiCache::ReplicationGroup", ID: "rg-1"}, nil},
		{"guardduty detector", "aws", "us-east-1", "AwsGuardDutyDetector", "arn:aws:guardduty:us-east-1:444455556666:detector/12abc34d567e8fa901bc2d34e56789f0",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::GuardDuty::Detector", ID: "12abc34d567e8fa901bc2d34e56789f0"}, nil},
		{"guardduty filter, type from the ARN", "aws", "us-east-1", "Other", "arn:aws:guardduty:us-east-1:444455556666:detector/12abc/filter/archive-low",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::GuardDuty::Filter", ID: "archive-low"},
			map[string]string{"detectorId": "12abc"}},
		{"iam user with a path", "aws", "us-east-1", "AwsIamUser", "arn:aws:iam::444455556666:user/ops/alice",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: TypeIAMUser, ID: "alice"}, nil},
		{"kms key aws-us-gov", "aws-us-gov", "us-gov-west-1", "AwsKmsKey", "arn:aws-us-gov:kms:us-gov-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			Target{Partition: "aws-us-gov", Account: acct, Region: "us-gov-west-1", Type: "AWS::KMS::Key", ID: "1234abcd-12ab-34cd-56ef-1234567890ab"}, nil},
		{"lambda function with a qualifier", "aws", "us-east-1", "AwsLambdaFunction", "arn:aws:lambda:us-east-1:444455556666:function:handler:live",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::Lambda::Function", ID: "handler"}, nil},
		{"rds instance", "aws", "us-east-1", "AwsRdsDbInstance", "arn:aws:rds:us-east-1:444455556666:db:orders-db",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::RDS::DBInstance", ID: "orders-db"}, nil},
		{"rds cluster", "aws", "us-east-1", "AwsRdsDbCluster", "arn:aws:rds:us-east-1:444455556666:cluster:orders",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::RDS::DBCluster", ID: "orders"}, nil},
		{"rds snapshot", "aws", "us-east-1", "AwsRdsDbSnapshot", "arn:aws:rds:us-east-1:444455556666:snapshot:rds:orders-2026-11-20",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::RDS::DBSnapshot", ID: "rds:orders-2026-11-20"}, nil},
		{"rds cluster snapshot", "aws", "us-east-1", "AwsRdsDbClusterSnapshot", "arn:aws:rds:us-east-1:444455556666:cluster-snapshot:nightly",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::RDS::DBClusterSnapshot", ID: "nightly"}, nil},
		{"redshift cluster aws-cn", "aws-cn", "cn-north-1", "AwsRedshiftCluster", "arn:aws-cn:redshift:cn-north-1:444455556666:cluster:dw",
			Target{Partition: "aws-cn", Account: acct, Region: "cn-north-1", Type: "AWS::Redshift::Cluster", ID: "dw"}, nil},
		{"sns topic", "aws", "us-east-1", "AwsSnsTopic", "arn:aws:sns:us-east-1:444455556666:alerts",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::SNS::Topic", ID: "alerts"}, nil},
		{"sqs queue", "aws", "us-east-1", "AwsSqsQueue", "arn:aws:sqs:us-east-1:444455556666:jobs.fifo",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::SQS::Queue", ID: "jobs.fifo"}, nil},
		{"ssm document", "aws", "us-east-1", "AwsSsmDocument", "arn:aws:ssm:us-east-1:444455556666:document/deploy",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::SSM::Document", ID: "deploy"}, nil},
		{"secret", "aws", "us-east-1", "AwsSecretsManagerSecret", "arn:aws:secretsmanager:us-east-1:444455556666:secret:db-pass-AbCdEf",
			Target{Partition: "aws", Account: acct, Region: "us-east-1", Type: "AWS::SecretsManager::Secret", ID: "db-pass-AbCdEf"}, nil},
		{"region of the ARN wins over the finding's", "aws", "us-east-1", "AwsEc2Instance", "arn:aws:ec2:eu-west-1:444455556666:instance/i-1",
			Target{Partition: "aws", Account: acct, Region: "eu-west-1", Type: TypeEC2Instance, ID: "i-1"}, nil},
		{"account of the ARN wins over the finding's", "aws", "us-east-1", "AwsEc2Instance", "arn:aws:ec2:us-east-1:777788889999:instance/i-1",
			Target{Partition: "aws", Account: "777788889999", Region: "us-east-1", Type: TypeEC2Instance, ID: "i-1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := mustParse(t, findingEvent(t, acct, tt.region, tt.partition, tt.resType, tt.resID)).Targets()
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 {
				t.Fatalf("%d targets", len(ts))
			}
			got := ts[0]
			want := tt.want
			want.ARN = tt.resID
			if got.Partition != want.Partition || got.Account != want.Account || got.Region != want.Region || got.Type != want.Type || got.ID != want.ID || got.ARN != want.ARN {
				t.Errorf("target = %s %s %s %s %s %s\nwant     %s %s %s %s %s %s", got.Partition, got.Account, got.Region, got.Type, got.ID, got.ARN,
					want.Partition, want.Account, want.Region, want.Type, want.ID, want.ARN)
			}
			for k, v := range tt.attrs {
				if got.Attributes[k] != v {
					t.Errorf("attribute %s = %q, want %q", k, got.Attributes[k], v)
				}
			}
			if got.Attributes["controlId"] != "X.1" {
				t.Errorf("the finding's attributes are lost: %v", got.Attributes)
			}
		})
	}
}

// TestTargetsFindingAccount checks account-level findings in each
// partition: the account of AWS::::Account:ID, the partition of the
// resource and the region of the finding.
func TestTargetsFindingAccount(t *testing.T) {
	for _, tt := range []struct{ partition, region string }{{"aws", "us-east-1"}, {"aws-cn", "cn-north-1"}, {"aws-us-gov", "us-gov-west-1"}} {
		ts, err := mustParse(t, findingEvent(t, "444455556666", tt.region, tt.partition, "AwsAccount", "AWS::::Account:444455556666")).Targets()
		if err != nil {
			t.Fatal(err)
		}
		want := Target{Partition: tt.partition, Account: "444455556666", Region: tt.region, Type: TypeAccount, ID: "444455556666"}
		got := ts[0]
		if got.Partition != want.Partition || got.Account != want.Account || got.Region != want.Region || got.Type != want.Type || got.ID != want.ID || got.ARN != "" {
			t.Errorf("%s: target = %+v", tt.partition, got)
		}
	}
	// The account in the resource id is the one acted on.
	b := findingEvent(t, "444455556666", "us-east-1", "aws", "AwsAccount", "AWS::::Account:777788889999")
	ts, err := mustParse(t, b).Targets()
	if err != nil || ts[0].Account != "777788889999" {
		t.Errorf("targets = %+v, %v", ts, err)
	}
	b = findingEvent(t, "444455556666", "us-east-1", "aws", "AwsAccount", "AWS::::Account:nope")
	if _, err := mustParse(t, b).Targets(); err == nil {
		t.Error("a malformed account id is accepted")
	}
}

func TestTargetsControlParams(t *testing.T) {
	b := edit(t, findingEvent(t, "444455556666", "us-east-1", "aws", "AwsAccount", "AWS::::Account:444455556666"), func(m map[string]any) {
		f := m["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
		f["Compliance"].(map[string]any)["SecurityControlParameters"] = []any{
			map[string]any{"Name": "MinimumPasswordLength", "Value": []any{"16"}},
			map[string]any{"Name": "RequireSymbols", "Value": []any{"true"}},
		}
	})
	ts, err := mustParse(t, b).Targets()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"MinimumPasswordLength": {"16"}, "RequireSymbols": {"true"}}
	if !reflect.DeepEqual(ts[0].ControlParams, want) {
		t.Errorf("control params = %v, want %v", ts[0].ControlParams, want)
	}
	ts, _ = mustParse(t, findingEvent(t, "444455556666", "us-east-1", "aws", "AwsAccount", "AWS::::Account:444455556666")).Targets()
	if ts[0].ControlParams != nil {
		t.Errorf("control params of a finding without = %v", ts[0].ControlParams)
	}
}
