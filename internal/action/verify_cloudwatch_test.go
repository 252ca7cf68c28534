package action

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// cisMetricFilters are the CIS AWS Foundations metric filter patterns of
// the Security Hub controls CloudWatch.1 to CloudWatch.14, as the
// controls' documentation gives them, by control.
var cisMetricFilters = []struct{ control, name, pattern string }{
	{"CloudWatch.1", "RootAccountUsage", `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`},
	{"CloudWatch.2", "UnauthorizedAPICalls", `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`},
	{"CloudWatch.3", "ConsoleSigninWithoutMFA", `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }`},
	{"CloudWatch.4", "IAMPolicyChanges", `{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}`},
	{"CloudWatch.5", "CloudTrailChanges", `{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`},
	{"CloudWatch.6", "ConsoleAuthenticationFailure", `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`},
	{"CloudWatch.7", "DisableOrDeleteCMK", `{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }`},
	{"CloudWatch.8", "S3BucketPolicyChanges", `{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }`},
	{"CloudWatch.9", "AWSConfigChanges", `{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }`},
	{"CloudWatch.10", "SecurityGroupChanges", `{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }`},
	{"CloudWatch.11", "NetworkACLChanges", `{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }`},
	{"CloudWatch.12", "NetworkGatewayChanges", `{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }`},
	{"CloudWatch.13", "RouteTableChanges", `{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }`},
	{"CloudWatch.14", "VPCChanges", `{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }`},
}

// cloudwatchScenarios are the scenarios of the CloudWatch and CloudWatch
// Logs actions.
var cloudwatchScenarios = map[string]scenario{
	"cloudwatch.ensure-metric-filter-alarm": {
		setup: func(w *world) Input {
			w.loggedTrail("main", "trail/main")
			return w.input(map[string]any{"name": cisMetricFilters[0].name, "pattern": cisMetricFilters[0].pattern})
		},
		undo: func(w *world, _ Input, res Result) {
			_, err := cloudwatch.NewFromConfig(w.cfg).DeleteAlarms(w.ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{res.Output["alarm"].(string)}})
			w.must(err)
		},
	},
	"logs.extend-retention": {
		setup: func(w *world) Input {
			w.logGroup("app/web", 30)
			return w.input(map[string]any{"log_group": "app/web"})
		},
		undo: func(w *world, in Input, _ Result) { w.retention(in.String("log_group"), 30) },
	},
}

func (w *world) logGroup(name string, retention int32) {
	w.t.Helper()
	_, err := cloudwatchlogs.NewFromConfig(w.cfg).CreateLogGroup(w.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)})
	w.must(err)
	if retention > 0 {
		w.retention(name, retention)
	}
}

func (w *world) retention(name string, days int32) {
	w.t.Helper()
	_, err := cloudwatchlogs.NewFromConfig(w.cfg).PutRetentionPolicy(w.ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(days)})
	w.must(err)
}

// TestMetricFilterAlarmsOfTheCISControls runs the action for each of
// CloudWatch.1 to CloudWatch.14 on the log group of the account's
// multi-Region trail: each pattern is accepted, one topic serves every
// alarm, and a second pass changes nothing.
func TestMetricFilterAlarmsOfTheCISControls(t *testing.T) {
	w := newWorld(t)
	w.loggedTrail("main", "trail/main")
	var created []string
	for _, f := range cisMetricFilters {
		res, err := w.exec("cloudwatch.ensure-metric-filter-alarm", map[string]any{"name": f.name, "pattern": f.pattern, "subscribe": []any{"soc@example.com"}})
		if err != nil || res.Outcome != Changed || res.Output["log_group"] != "trail/main" {
			t.Fatalf("%s: %+v, %v", f.control, res, err)
		}
		created = append(created, outputStrings(res.Output["created"])...)
	}
	topic := "arn:aws:sns:us-east-1:" + awssim.DefaultAccount + ":" + AlarmTopic
	if len(created) != 1 || created[0] != topic {
		t.Errorf("created %v, want the topic once", created)
	}
	filters, err := cloudwatchlogs.NewFromConfig(w.cfg).DescribeMetricFilters(w.ctx, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String("trail/main")})
	w.must(err)
	alarms, err := cloudwatch.NewFromConfig(w.cfg).DescribeAlarms(w.ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("rectify-")})
	w.must(err)
	if len(filters.MetricFilters) != len(cisMetricFilters) || len(alarms.MetricAlarms) != len(cisMetricFilters) {
		t.Errorf("%d filters, %d alarms; want %d each", len(filters.MetricFilters), len(alarms.MetricAlarms), len(cisMetricFilters))
	}
	for _, a := range alarms.MetricAlarms {
		if len(a.AlarmActions) != 1 || a.AlarmActions[0] != topic || aws.ToFloat64(a.Threshold) != 1 || a.Statistic != cwtypes.StatisticSum || aws.ToInt32(a.Period) != 300 {
			t.Errorf("alarm %+v", a)
		}
	}
	subs, err := sns.NewFromConfig(w.cfg).ListSubscriptionsByTopic(w.ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)})
	w.must(err)
	if len(subs.Subscriptions) != 1 {
		t.Errorf("%d subscriptions, want one", len(subs.Subscriptions))
	}
	mark := w.mark(awssim.DefaultRegion)
	for _, f := range cisMetricFilters {
		res, err := w.exec("cloudwatch.ensure-metric-filter-alarm", map[string]any{"name": f.name, "pattern": f.pattern, "subscribe": []any{"soc@example.com"}})
		if err != nil || res.Outcome != AlreadyDone {
			t.Errorf("%s again: %+v, %v", f.control, res, err)
		}
	}
	if writes := w.writesSince(awssim.DefaultRegion, mark); len(writes) > 0 {
		t.Errorf("writes on the second pass: %v", writes)
	}
}

// TestMetricFilterAlarmUsesWhatIsThere leaves a filter and alarm the
// account made itself (same pattern, other spacing and names) alone.
func TestMetricFilterAlarmUsesWhatIsThere(t *testing.T) {
	w := newWorld(t)
	w.loggedTrail("main", "trail/main")
	f := cisMetricFilters[4]
	_, err := cloudwatchlogs.NewFromConfig(w.cfg).PutMetricFilter(w.ctx, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String("trail/main"),
		FilterName: aws.String("trail-changes"), FilterPattern: aws.String(strings.ReplaceAll(f.pattern, " ", "")),
		MetricTransformations: []logtypes.MetricTransformation{{MetricName: aws.String("TrailChanges"), MetricNamespace: aws.String("Security"), MetricValue: aws.String("1")}}})
	w.must(err)
	_, err = cloudwatch.NewFromConfig(w.cfg).PutMetricAlarm(w.ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("trail-changes"), MetricName: aws.String("TrailChanges"),
		Namespace: aws.String("Security"), Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, AlarmActions: []string{"arn:aws:sns:us-east-1:" + awssim.DefaultAccount + ":oncall"}})
	w.must(err)
	mark := w.mark(awssim.DefaultRegion)
	res, err := w.exec("cloudwatch.ensure-metric-filter-alarm", map[string]any{"name": f.name, "pattern": f.pattern})
	if err != nil || res.Outcome != AlreadyDone || res.Output["alarm"] != "trail-changes" || res.Output["filter"] != "trail-changes" {
		t.Errorf("Run = %+v, %v", res, err)
	}
	if writes := w.writesSince(awssim.DefaultRegion, mark); len(writes) > 0 {
		t.Errorf("writes: %v", writes)
	}
}

// TestMetricFilterAlarmNeedsATrailLogGroup fails with the parameter to
// set when no multi-Region trail delivers to CloudWatch Logs, and works in
// the log group's region when one is named.
func TestMetricFilterAlarmNeedsATrailLogGroup(t *testing.T) {
	w := newWorld(t)
	w.trail("no-logs", true)
	f := cisMetricFilters[0]
	_, err := w.exec("cloudwatch.ensure-metric-filter-alarm", map[string]any{"name": f.name, "pattern": f.pattern})
	if err == nil || !strings.Contains(err.Error(), "set log_group") || !strings.Contains(err.Error(), "CloudTrail.5") {
		t.Errorf("no trail log group: %v", err)
	} else if ok, _ := Retryable(err); ok {
		t.Errorf("retryable: %v", err)
	}
	_, err = w.exec("cloudwatch.ensure-metric-filter-alarm", map[string]any{"name": f.name, "pattern": f.pattern, "log_group": "nowhere"})
	if err == nil || !strings.Contains(err.Error(), "log group nowhere does not exist") {
		t.Errorf("missing log group: %v", err)
	}
	west := cloudwatchlogs.NewFromConfig(w.cfg, func(o *cloudwatchlogs.Options) { o.Region = "eu-west-1" })
	_, err = west.CreateLogGroup(w.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("central")})
	w.must(err)
	res, err := w.exec("cloudwatch.ensure-metric-filter-alarm", map[string]any{"name": f.name, "pattern": f.pattern,
		"log_group": "arn:aws:logs:eu-west-1:" + awssim.DefaultAccount + ":log-group:central:*"})
	if err != nil || res.Outcome != Changed || res.Output["region"] != "eu-west-1" || res.Output["topic"] != "arn:aws:sns:eu-west-1:"+awssim.DefaultAccount+":"+AlarmTopic {
		t.Errorf("log group in eu-west-1: %+v, %v", res, err)
	}
	_, err = w.exec("cloudwatch.ensure-metric-filter-alarm", map[string]any{"name": "Broken", "pattern": `{ $.eventName = "x" `, "log_group": "arn:aws:logs:eu-west-1:" + awssim.DefaultAccount + ":log-group:central"})
	if err == nil || !strings.Contains(err.Error(), "refuses the filter pattern") {
		t.Errorf("bad pattern: %v", err)
	}
}

func TestExtendRetention(t *testing.T) {
	w := newWorld(t)
	w.logGroup("forever", 0)
	w.logGroup("long", 400)
	w.logGroup("short", 30)
	for _, tc := range []struct {
		group string
		min   int
		want  Outcome
		days  int32
	}{
		{"forever", 365, AlreadyDone, 0},
		{"long", 365, AlreadyDone, 400},
		{"short", 366, Changed, 400},
		{"nope", 365, NotFound, 0},
		{"arn:aws:logs:us-east-1:" + awssim.DefaultAccount + ":log-group:long:*", 401, Changed, 545},
	} {
		res, err := w.exec("logs.extend-retention", map[string]any{"log_group": tc.group, "min_days": tc.min})
		if err != nil || res.Outcome != tc.want {
			t.Errorf("%s (%d days): %+v, %v; want %v", tc.group, tc.min, res, err, tc.want)
			continue
		}
		if tc.want == NotFound {
			continue
		}
		name, _ := logGroupName(tc.group)
		d, err := cloudwatchlogs.NewFromConfig(w.cfg).DescribeLogGroups(w.ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
		w.must(err)
		if got := aws.ToInt32(d.LogGroups[0].RetentionInDays); got != tc.days {
			t.Errorf("%s: retention %d, want %d", tc.group, got, tc.days)
		}
	}
	if _, err := w.exec("logs.extend-retention", map[string]any{"log_group": "short", "min_days": 4000}); err == nil {
		t.Error("min_days 4000: no error")
	}
}
