package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

const rootUsagePattern = `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`

func TestLogGroupsAndMetricFilters(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := cloudwatchlogs.NewFromConfig(sim.Config(member))

	for _, name := range []string{"aws/cloudtrail/main", "app/web", "app/worker"} {
		if _, err := cli.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name),
			Tags: map[string]string{"team": "sec"}}); err != nil {
			t.Fatalf("CreateLogGroup %s: %v", name, err)
		}
	}
	if _, err := cli.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("app/web")}); apiCode(err) != "ResourceAlreadyExistsException" {
		t.Errorf("CreateLogGroup twice: %v", err)
	}
	if _, err := cli.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("bad name")}); apiCode(err) != "InvalidParameterException" {
		t.Errorf("CreateLogGroup with a space: %v", err)
	}

	// Retention: only CloudWatch Logs' periods; deleting it means never expire.
	if _, err := cli.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("app/web"), RetentionInDays: aws.Int32(364)}); apiCode(err) != "InvalidParameterException" {
		t.Errorf("PutRetentionPolicy 364: %v", err)
	}
	if _, err := cli.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("app/web"), RetentionInDays: aws.Int32(365)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("nope"), RetentionInDays: aws.Int32(365)}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("PutRetentionPolicy of a missing group: %v", err)
	}
	key := "arn:aws:kms:us-east-1:" + member + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, err := cli.AssociateKmsKey(ctx, &cloudwatchlogs.AssociateKmsKeyInput{LogGroupName: aws.String("app/web"), KmsKeyId: aws.String("alias/x")}); apiCode(err) != "InvalidParameterException" {
		t.Errorf("AssociateKmsKey by alias: %v", err)
	}
	if _, err := cli.AssociateKmsKey(ctx, &cloudwatchlogs.AssociateKmsKeyInput{LogGroupName: aws.String("app/web"), KmsKeyId: aws.String(key)}); err != nil {
		t.Fatal(err)
	}

	d, err := cli.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("app/")})
	if err != nil || len(d.LogGroups) != 2 {
		t.Fatalf("DescribeLogGroups app/ = %+v, %v", d, err)
	}
	web := d.LogGroups[0]
	if aws.ToString(web.LogGroupName) != "app/web" || aws.ToInt32(web.RetentionInDays) != 365 || aws.ToString(web.KmsKeyId) != key ||
		aws.ToString(web.Arn) != "arn:aws:logs:us-east-1:"+member+":log-group:app/web:*" || d.LogGroups[1].RetentionInDays != nil {
		t.Errorf("log groups = %+v", d.LogGroups)
	}
	// Pages.
	var n int
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(cli, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.LogGroups)
	}
	if n != 3 {
		t.Errorf("paged log groups: %d, want 3", n)
	}

	// Metric filters.
	mf := &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String("aws/cloudtrail/main"), FilterName: aws.String("root-usage"),
		FilterPattern: aws.String(rootUsagePattern), MetricTransformations: []logtypes.MetricTransformation{
			{MetricName: aws.String("RootAccountUsage"), MetricNamespace: aws.String("CISBenchmark"), MetricValue: aws.String("1")}}}
	if _, err := cli.PutMetricFilter(ctx, mf); err != nil {
		t.Fatalf("PutMetricFilter: %v", err)
	}
	bad := *mf
	bad.FilterPattern = aws.String(`{ $.userIdentity.type = "Root" `)
	if _, err := cli.PutMetricFilter(ctx, &bad); apiCode(err) != "InvalidParameterException" {
		t.Errorf("PutMetricFilter with an unbalanced pattern: %v", err)
	}
	bad = *mf
	bad.LogGroupName = aws.String("nope")
	if _, err := cli.PutMetricFilter(ctx, &bad); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("PutMetricFilter on a missing group: %v", err)
	}
	f, err := cli.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{MetricName: aws.String("RootAccountUsage"), MetricNamespace: aws.String("CISBenchmark")})
	if err != nil || len(f.MetricFilters) != 1 || aws.ToString(f.MetricFilters[0].FilterPattern) != rootUsagePattern ||
		aws.ToString(f.MetricFilters[0].LogGroupName) != "aws/cloudtrail/main" {
		t.Errorf("DescribeMetricFilters by metric = %+v, %v", f, err)
	}
	if _, err := cli.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{FilterNamePrefix: aws.String("root")}); apiCode(err) != "InvalidParameterException" {
		t.Errorf("DescribeMetricFilters with a prefix but no group: %v", err)
	}
	d, _ = cli.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("aws/")})
	if aws.ToInt32(d.LogGroups[0].MetricFilterCount) != 1 {
		t.Errorf("metric filter count = %d", aws.ToInt32(d.LogGroups[0].MetricFilterCount))
	}
	if _, err := cli.DeleteMetricFilter(ctx, &cloudwatchlogs.DeleteMetricFilterInput{LogGroupName: aws.String("aws/cloudtrail/main"), FilterName: aws.String("root-usage")}); err != nil {
		t.Fatal(err)
	}

	// Tags by the group's ARN.
	arn := "arn:aws:logs:us-east-1:" + member + ":log-group:app/web"
	if _, err := cli.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"rectify:managed": "true"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := cli.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 2 || tags.Tags["rectify:managed"] != "true" {
		t.Errorf("ListTagsForResource = %+v, %v", tags, err)
	}
	if _, err := cli.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("app/web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("app/web")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("DeleteLogGroup twice: %v", err)
	}
}
