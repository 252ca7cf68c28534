package awssim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tagtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// mappings renders GetResources' answer as "arn k=v,k=v" lines.
func mappings(list []tagtypes.ResourceTagMapping) []string {
	var out []string
	for _, m := range list {
		var kv []string
		for _, t := range m.Tags {
			kv = append(kv, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
		}
		out = append(out, aws.ToString(m.ResourceARN)+" "+strings.Join(kv, ","))
	}
	return out
}

func TestTaggingAPI(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	e := ec2.NewFromConfig(cfg)
	tg := tagging.NewFromConfig(cfg)
	acct := awssim.DefaultAccount

	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.3.0.0/16"), TagSpecifications: tagSpec(ec2types.ResourceTypeVpc, "rectify:exempt", "lab")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.3.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: sn.Subnet.SubnetId})
	if err != nil {
		t.Fatal(err)
	}
	inst := aws.ToString(run.Instances[0].InstanceId)
	instARN := "arn:aws:ec2:us-east-1:" + acct + ":instance/" + inst
	vpcARN := "arn:aws:ec2:us-east-1:" + acct + ":vpc/" + aws.ToString(vpc.Vpc.VpcId)
	s3c := s3.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("logs"), Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("sec")}}}}); err != nil {
		t.Fatal(err)
	}
	q, err := sqs.NewFromConfig(cfg).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs")})
	if err != nil {
		t.Fatal(err)
	}
	qa, err := sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	queueARN := qa.Attributes["QueueArn"]

	// Only tagged resources are listed.
	got, err := tg.GetResources(ctx, &tagging.GetResourcesInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"arn:aws:ec2:us-east-1:" + acct + ":vpc/" + aws.ToString(vpc.Vpc.VpcId) + " rectify:exempt=lab", "arn:aws:s3:::logs team=sec"}
	if m := mappings(got.ResourceTagMappingList); strings.Join(m, "\n") != strings.Join(want, "\n") {
		t.Errorf("GetResources =\n%s\nwant\n%s", strings.Join(m, "\n"), strings.Join(want, "\n"))
	}

	// TagResources tags an EC2 instance, a bucket and a queue in one call,
	// and reports an ARN that names nothing as failed.
	missing := "arn:aws:ec2:us-east-1:" + acct + ":instance/i-0000000000000dead"
	tr, err := tg.TagResources(ctx, &tagging.TagResourcesInput{ResourceARNList: []string{instARN, "arn:aws:s3:::logs", queueARN, missing},
		Tags: map[string]string{"rectify:exempt": "until-2027"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.FailedResourcesMap) != 1 || tr.FailedResourcesMap[missing].ErrorCode != tagtypes.ErrorCodeInvalidParameterException {
		t.Errorf("failed = %+v, want only %s", tr.FailedResourcesMap, missing)
	}
	d, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{inst}})
	if err != nil || tagValue(d.Reservations[0].Instances[0].Tags, "rectify:exempt") != "until-2027" {
		t.Errorf("instance tags after TagResources: %+v, %v", d, err)
	}
	bt, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("logs")})
	if err != nil || len(bt.TagSet) != 2 {
		t.Errorf("bucket tags after TagResources: %+v, %v", bt, err)
	}

	// Filters: by tag key and value, by resource type; an ARN list.
	for _, tc := range []struct {
		name string
		in   *tagging.GetResourcesInput
		want []string
	}{
		{"key and value", &tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{{Key: aws.String("rectify:exempt"), Values: []string{"until-2027"}}}},
			[]string{instARN, "arn:aws:s3:::logs", queueARN}},
		{"key alone", &tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{{Key: aws.String("rectify:exempt")}}},
			[]string{instARN, vpcARN, "arn:aws:s3:::logs", queueARN}},
		{"two filters", &tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{{Key: aws.String("rectify:exempt")}, {Key: aws.String("team")}}},
			[]string{"arn:aws:s3:::logs"}},
		{"type", &tagging.GetResourcesInput{ResourceTypeFilters: []string{"ec2:instance"}}, []string{instARN}},
		{"service", &tagging.GetResourcesInput{ResourceTypeFilters: []string{"ec2"}}, []string{instARN, vpcARN}},
		{"ARN list", &tagging.GetResourcesInput{ResourceARNList: []string{queueARN, missing}}, []string{queueARN}},
	} {
		got, err := tg.GetResources(ctx, tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var arns []string
		for _, m := range got.ResourceTagMappingList {
			arns = append(arns, aws.ToString(m.ResourceARN))
		}
		if strings.Join(arns, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: %v, want %v", tc.name, arns, tc.want)
		}
	}

	// Pages.
	p := tagging.NewGetResourcesPaginator(tg, &tagging.GetResourcesInput{ResourcesPerPage: aws.Int32(1)})
	pages, n := 0, 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(page.ResourceTagMappingList)
	}
	if n != 4 || pages != 4 {
		t.Errorf("paged GetResources: %d resources in %d pages, want 4 in 4", n, pages)
	}

	// UntagResources removes the key; a resource left without tags is no
	// longer listed.
	if _, err := tg.UntagResources(ctx, &tagging.UntagResourcesInput{ResourceARNList: []string{instARN}, TagKeys: []string{"rectify:exempt"}}); err != nil {
		t.Fatal(err)
	}
	got, err = tg.GetResources(ctx, &tagging.GetResourcesInput{ResourceARNList: []string{instARN}})
	if err != nil || len(got.ResourceTagMappingList) != 0 {
		t.Errorf("untagged instance: %+v, %v", got, err)
	}
	// Another account sees none of it.
	other, err := tagging.NewFromConfig(sim.Config(member)).GetResources(ctx, &tagging.GetResourcesInput{})
	if err != nil || len(other.ResourceTagMappingList) != 0 {
		t.Errorf("another account's GetResources: %+v, %v", other, err)
	}
	if _, err := tg.TagResources(ctx, &tagging.TagResourcesInput{ResourceARNList: []string{instARN}, Tags: map[string]string{"aws:x": "y"}}); apiCode(err) != "InvalidParameterException" {
		t.Errorf("reserved tag key: %v", err)
	}
}
