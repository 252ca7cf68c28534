package awssim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func putAlarm(name, metric string, actions ...string) *cloudwatch.PutMetricAlarmInput {
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), MetricName: aws.String(metric), Namespace: aws.String("CISBenchmark"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(300), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, TreatMissingData: aws.String("notBreaching"),
		AlarmActions: actions,
	}
}

// TestCloudWatchAlarmsOverCBOR runs CloudWatch's alarm operations through
// the SDK, which speaks Smithy RPC v2 CBOR to it.
func TestCloudWatchAlarmsOverCBOR(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sim := awssim.Start(t, fixedClock(now))
	cli := cloudwatch.NewFromConfig(sim.Config(member))
	topic := "arn:aws:sns:us-east-1:" + member + ":alarms"

	in := putAlarm("root-usage", "RootAccountUsage", topic)
	in.Tags = []cwtypes.Tag{{Key: aws.String("rectify:managed"), Value: aws.String("true")}}
	if _, err := cli.PutMetricAlarm(ctx, in); err != nil {
		t.Fatalf("PutMetricAlarm: %v", err)
	}
	for i, name := range []string{"a1", "a2", "a3"} {
		if _, err := cli.PutMetricAlarm(ctx, putAlarm(name, "Other"+name)); err != nil {
			t.Fatalf("PutMetricAlarm %d: %v", i, err)
		}
	}
	got, err := cli.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"root-usage"}})
	if err != nil || len(got.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms = %+v, %v", got, err)
	}
	a := got.MetricAlarms[0]
	if aws.ToString(a.AlarmArn) != "arn:aws:cloudwatch:us-east-1:"+member+":alarm:root-usage" || aws.ToFloat64(a.Threshold) != 1 ||
		aws.ToInt32(a.Period) != 300 || a.StateValue != cwtypes.StateValueInsufficientData || len(a.AlarmActions) != 1 || a.AlarmActions[0] != topic ||
		!aws.ToTime(a.AlarmConfigurationUpdatedTimestamp).Equal(now) || a.ComparisonOperator != cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold {
		t.Errorf("alarm = %+v", a)
	}

	// Pages of two.
	var names []string
	p := cloudwatch.NewDescribeAlarmsPaginator(cli, &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.MetricAlarms {
			names = append(names, aws.ToString(a.AlarmName))
		}
	}
	if len(names) != 4 || names[0] != "a1" || names[3] != "root-usage" {
		t.Errorf("paged alarm names = %v", names)
	}

	forMetric, err := cli.DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{MetricName: aws.String("RootAccountUsage"), Namespace: aws.String("CISBenchmark")})
	if err != nil || len(forMetric.MetricAlarms) != 1 || aws.ToString(forMetric.MetricAlarms[0].AlarmName) != "root-usage" {
		t.Errorf("DescribeAlarmsForMetric = %+v, %v", forMetric, err)
	}
	tags, err := cli.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: a.AlarmArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "rectify:managed" {
		t.Errorf("ListTagsForResource = %+v, %v", tags, err)
	}

	// An update keeps the tags and changes the rest.
	up := putAlarm("root-usage", "RootAccountUsage")
	up.Tags = []cwtypes.Tag{{Key: aws.String("ignored"), Value: aws.String("x")}}
	if _, err := cli.PutMetricAlarm(ctx, up); err != nil {
		t.Fatal(err)
	}
	got, _ = cli.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"root-usage"}})
	tags, _ = cli.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: a.AlarmArn})
	if len(got.MetricAlarms[0].AlarmActions) != 0 || len(tags.Tags) != 1 {
		t.Errorf("after update: actions %v, tags %+v", got.MetricAlarms[0].AlarmActions, tags.Tags)
	}

	// Errors carry CloudWatch's query codes.
	bad := putAlarm("bad", "M")
	bad.Period = aws.Int32(45)
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"period", func() error { _, err := cli.PutMetricAlarm(ctx, bad); return err }, "InvalidParameterValue"},
		{"missing threshold", func() error {
			in := putAlarm("bad", "M")
			in.Threshold = nil
			_, err := cli.PutMetricAlarm(ctx, in)
			return err
		}, "MissingParameter"},
		{"action", func() error { _, err := cli.PutMetricAlarm(ctx, putAlarm("bad", "M", "not-an-arn")); return err }, "InvalidParameterValue"},
		{"delete missing", func() error {
			_, err := cli.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"a1", "nope"}})
			return err
		}, "ResourceNotFound"},
		{"tags of a missing alarm", func() error {
			_, err := cli.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:cloudwatch:us-east-1:" + member + ":alarm:nope")})
			return err
		}, "ResourceNotFoundException"},
	} {
		if got := apiCode(tc.call()); got != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, got, tc.code)
		}
	}
	// A refused DeleteAlarms deleted nothing.
	if d, _ := cli.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"a1"}}); len(d.MetricAlarms) != 1 {
		t.Error("DeleteAlarms with a missing name deleted a1")
	}
	if _, err := cli.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"a1", "a2"}}); err != nil {
		t.Fatal(err)
	}
	if d, _ := cli.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); len(d.MetricAlarms) != 2 {
		t.Errorf("after DeleteAlarms: %d alarms, want 2", len(d.MetricAlarms))
	}

	// The calls are in the activity log, with their parameters.
	var put *awssim.TrailRecord
	for _, r := range sim.Trail(member, "us-east-1") {
		if r.EventName == "PutMetricAlarm" && r.ErrorCode == "" {
			put = &r
			break
		}
	}
	if put == nil {
		t.Fatal("no PutMetricAlarm record")
	}
	params, _ := put.RequestParameters.(map[string]any)
	if put.EventSource != "monitoring.amazonaws.com" || params["alarmName"] != "root-usage" || put.ReadOnly {
		t.Errorf("PutMetricAlarm record = %+v", put)
	}
}
