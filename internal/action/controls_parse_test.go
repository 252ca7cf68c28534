package action

import (
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestControlResourceNames checks how the network, compute and service
// actions read the resources findings name, in every partition.
func TestControlResourceNames(t *testing.T) {
	in := func(partition, region string) Input {
		return Input{Target: Target{Partition: partition, Region: region, Account: "123456789012"}}
	}
	for _, tt := range []struct{ got, want string }{
		{endpointServiceName(in("", "us-east-1"), "ec2"), "com.amazonaws.us-east-1.ec2"},
		{endpointServiceName(in("aws-cn", "cn-north-1"), "ec2"), "cn.com.amazonaws.cn-north-1.ec2"},
		{endpointServiceName(in("", "cn-northwest-1"), "ssm"), "cn.com.amazonaws.cn-northwest-1.ssm"},
		{endpointServiceName(in("aws-us-gov", "us-gov-west-1"), "ec2"), "com.amazonaws.us-gov-west-1.ec2"},
		{ec2ARN(in("aws-us-gov", "us-gov-west-1"), "vpc-endpoint/vpce-1"), "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:vpc-endpoint/vpce-1"},
		{snapshotID("arn:aws-cn:ec2:cn-north-1::snapshot/snap-0abc"), "snap-0abc"},
		{snapshotID("snap-0abc"), "snap-0abc"},
		{repositoryName("arn:aws:ecr:us-east-1:123456789012:repository/team/api"), "team/api"},
		{functionName("arn:aws-us-gov:lambda:us-gov-east-1:123456789012:function:resize:prod"), "resize"},
		{projectName("arn:aws:codebuild:us-east-1:123456789012:project/build"), "build"},
		{workgroupName("arn:aws:athena:us-east-1:123456789012:workgroup/analysts"), "analysts"},
		{distributionID("arn:aws:cloudfront::123456789012:distribution/E2ABC"), "E2ABC"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for ref, want := range map[string]string{
		"arn:aws:ecs:us-east-1:123456789012:task-definition/api:12":      "api/12",
		"arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/a_b:100": "a_b/100",
		"web:9": "web/9",
	} {
		family, rev, err := taskFamilyRevision(ref)
		if err != nil || family+"/"+strconv.Itoa(rev) != want {
			t.Errorf("taskFamilyRevision(%q) = %s, %d, %v; want %s", ref, family, rev, err, want)
		}
	}
	for _, bad := range []string{"api", "api:0", "api:x", ""} {
		if _, _, err := taskFamilyRevision(bad); err == nil {
			t.Errorf("taskFamilyRevision(%q) accepted", bad)
		}
	}
	for ref, want := range map[string]apiStage{
		"arn:aws:apigateway:us-east-1::/restapis/a1b2/stages/prod":   {api: "a1b2", stage: "prod"},
		"arn:aws-cn:apigateway:cn-north-1::/apis/x9/stages/$default": {websocket: true, api: "x9", stage: "$default"},
		"/restapis/a1b2/stages/dev":                                  {api: "a1b2", stage: "dev"},
	} {
		if got, err := parseStage("t", ref); err != nil || got != want {
			t.Errorf("parseStage(%q) = %+v, %v", ref, got, err)
		}
	}
	for domain, want := range map[string]string{
		"assets.s3.amazonaws.com":                      "assets",
		"assets.s3.eu-west-1.amazonaws.com":            "assets",
		"my.bucket.s3-website-us-east-1.amazonaws.com": "my.bucket",
		"assets.s3.cn-north-1.amazonaws.com.cn":        "assets",
		"app.example.com":                              "",
		"assets.s3.amazonaws.com.evil.example":         "",
	} {
		got, _ := s3OriginBucket(cftypes.Origin{DomainName: aws.String(domain)})
		if got != want {
			t.Errorf("s3OriginBucket(%s) = %q, want %q", domain, got, want)
		}
	}
}
