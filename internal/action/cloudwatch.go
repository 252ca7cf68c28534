package action

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// CloudWatch actions: a metric filter on the log group a multi-Region trail
// delivers to, and an alarm on its metric that notifies an SNS topic (the
// CIS monitoring controls, CloudWatch.1 to CloudWatch.14).

// AlarmTopic is the SNS topic cloudwatch.ensure-metric-filter-alarm makes
// for its alarms.
const AlarmTopic = "rectify-security-alarms"

func cloudwatchActions() []Spec {
	return []Spec{{
		Name: "cloudwatch.ensure-metric-filter-alarm",
		Description: "Make sure a metric filter with pattern counts matching CloudTrail events in the log group of the account's " +
			"multi-Region trail (or log_group), and that an alarm on its metric notifies an SNS topic. A filter with the same pattern " +
			"and an alarm with an action on its metric, whoever made them, are enough; otherwise rectify adds rectify-<name> filter " +
			"and alarm, and the topic when topic is \"create\". Other filters and alarms are not touched.",
		Params: []Param{
			{Name: "name", Type: String, Required: true, Description: "the metric's name (RootAccountUsage); the filter and alarm rectify makes are rectify-<name>"},
			{Name: "pattern", Type: String, Required: true, Description: "the CloudWatch Logs filter pattern"},
			{Name: "log_group", Type: String, Description: "the log group (name or ARN); default the one a logging multi-Region trail of all management events delivers to"},
			{Name: "topic", Type: String, Default: Create, Description: `the SNS topic ARN the alarm notifies, or "create" (rectify-security-alarms in the log group's region)`},
			{Name: "subscribe", Type: StringList, Description: "email addresses to subscribe to the topic, when not subscribed yet"},
			{Name: "metric_namespace", Type: String, Default: "CISBenchmark", Description: "the namespace of the filter's metric"},
			{Name: "threshold", Type: Int, Default: 1, Description: "the alarm goes off when the metric's sum over a period reaches this"},
			{Name: "period", Type: Duration, Default: "5m", Description: "the alarm's period (a multiple of a minute)"},
		},
		Reads: []string{"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "logs:DescribeLogGroups",
			"logs:DescribeMetricFilters", "cloudwatch:DescribeAlarmsForMetric", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"},
		Writes:           []string{"logs:PutMetricFilter", "cloudwatch:PutMetricAlarm", "sns:CreateTopic", "sns:Subscribe"},
		ExtraPermissions: []string{"cloudwatch:TagResource", "sns:TagResource"},
		Describe: func(in Input) string {
			group := in.String("log_group")
			if group == "" {
				group = "the log group of the account's multi-Region trail"
			}
			return fmt.Sprintf("make sure %s of account %s has a metric filter %s with an alarm notifying %s", group, in.Target.Account, in.String("name"), in.String("topic"))
		},
		Run:    ensureMetricFilterAlarm,
		Verify: verifyMetricFilterAlarm,
	}}
}

// normalizePattern removes the spaces a filter pattern may have or not
// without changing its meaning, outside quoted strings, to compare two.
func normalizePattern(p string) string {
	var b strings.Builder
	quoted := false
	for _, r := range strings.TrimSpace(p) {
		if r == '"' {
			quoted = !quoted
		}
		if !quoted && (r == ' ' || r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// trailLogGroup returns the ARN (with ":*") of the log group a logging
// multi-Region trail of all management events delivers to, preferring one
// whose home is the target's region.
func trailLogGroup(ctx context.Context, in Input) (string, error) {
	trails, err := multiRegionTrails(ctx, in)
	if err != nil {
		return "", err
	}
	best := ""
	for _, t := range trails {
		if !t.Logging || t.LogGroup == "" {
			continue
		}
		if best == "" || t.HomeRegion == in.Target.Region {
			best = t.LogGroup
		}
	}
	if best == "" {
		return "", Permanent(fmt.Errorf("no logging multi-Region trail of account %s that records every management event delivers to CloudWatch Logs (CloudTrail.1 and CloudTrail.5 set that up), so there is no log group to watch: set log_group", in.Target.Account))
	}
	return best, nil
}

// metricWatch is where a run found or put the filter, metric and alarm.
type metricWatch struct {
	LogGroup, Region, Filter, Metric, Namespace, Alarm, Topic string
}

func (w metricWatch) output() map[string]any {
	return map[string]any{"log_group": w.LogGroup, "region": w.Region, "filter": w.Filter, "metric": w.Metric, "metric_namespace": w.Namespace,
		"alarm": w.Alarm, "topic": w.Topic}
}

// findFilter returns the filter of group whose pattern is pattern, nil if
// none.
func findFilter(ctx context.Context, cli *cloudwatchlogs.Client, group, pattern string) (*logtypes.MetricFilter, error) {
	want := normalizePattern(pattern)
	p := cloudwatchlogs.NewDescribeMetricFiltersPaginator(cli, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the metric filters of log group %s: %w", group, err)
		}
		for i, f := range page.MetricFilters {
			if normalizePattern(aws.ToString(f.FilterPattern)) == want && len(f.MetricTransformations) > 0 {
				return &page.MetricFilters[i], nil
			}
		}
	}
	return nil, nil
}

// alarmOn returns an alarm on the metric that notifies someone, nil if
// none.
func alarmOn(ctx context.Context, cli *cloudwatch.Client, metric, namespace string) (*cwtypes.MetricAlarm, error) {
	out, err := cli.DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{MetricName: aws.String(metric), Namespace: aws.String(namespace)})
	if err != nil {
		return nil, fmt.Errorf("list the alarms on metric %s/%s: %w", namespace, metric, err)
	}
	for i, a := range out.MetricAlarms {
		if aws.ToBool(a.ActionsEnabled) && len(a.AlarmActions) > 0 {
			return &out.MetricAlarms[i], nil
		}
	}
	return nil, nil
}

// ensureTopic returns the ARN of the alarm topic, made when asked.
func ensureTopic(ctx context.Context, in Input, cli *sns.Client, region string, out map[string]any) (arn string, created bool, err error) {
	param := in.String("topic")
	arn = param
	if param == Create {
		arn = "arn:" + partitionOf(in) + ":sns:" + region + ":" + in.Target.Account + ":" + AlarmTopic
	}
	_, err = cli.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	switch {
	case err == nil:
		return arn, false, nil
	case !IsNotFound(err, "NotFound", "NotFoundException"):
		return "", false, fmt.Errorf("read SNS topic %s: %w", arn, err)
	case param != Create:
		return "", false, Permanent(fmt.Errorf("SNS topic %s does not exist: set topic to an existing topic in %s, or to %q", arn, region, Create))
	}
	var tags []snstypes.Tag
	for _, k := range sortedTagKeys(managedTags("security-alarms")) {
		tags = append(tags, snstypes.Tag{Key: aws.String(k), Value: aws.String(managedTags("security-alarms")[k])})
	}
	made, err := cli.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(AlarmTopic), Tags: tags})
	if err != nil {
		return "", false, fmt.Errorf("create SNS topic %s: %w", AlarmTopic, err)
	}
	arn = aws.ToString(made.TopicArn)
	addCreated(out, arn)
	return arn, true, nil
}

// subscribeEmails subscribes each address not yet subscribed to topic.
func subscribeEmails(ctx context.Context, cli *sns.Client, topic string, emails []string) ([]string, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	have := map[string]bool{}
	p := sns.NewListSubscriptionsByTopicPaginator(cli, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the subscriptions of SNS topic %s: %w", topic, err)
		}
		for _, s := range page.Subscriptions {
			if aws.ToString(s.Protocol) == "email" {
				have[strings.ToLower(aws.ToString(s.Endpoint))] = true
			}
		}
	}
	var added []string
	for _, e := range emails {
		if have[strings.ToLower(e)] {
			continue
		}
		if _, err := cli.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("email"), Endpoint: aws.String(e)}); err != nil {
			return added, fmt.Errorf("subscribe %s to SNS topic %s: %w", e, topic, err)
		}
		added = append(added, e)
	}
	return added, nil
}

func ensureMetricFilterAlarm(ctx context.Context, in Input) (Result, error) {
	name, pattern := in.String("name"), in.String("pattern")
	period := in.Duration("period")
	if period < time.Minute || period%time.Minute != 0 {
		return Result{}, Permanent(&ParamError{Action: "cloudwatch.ensure-metric-filter-alarm", Param: "period", Value: period.String(), Err: fmt.Errorf("%w: want a whole number of minutes", ErrParamType)})
	}
	group := in.String("log_group")
	if group == "" {
		var err error
		if group, err = trailLogGroup(ctx, in); err != nil {
			return Result{}, err
		}
	}
	groupName, region := logGroupName(group)
	if region == "" {
		region = in.Target.Region
	}
	cfg := inRegion(in.AWS, region)
	logs, cw, topics := cloudwatchlogs.NewFromConfig(cfg), cloudwatch.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	if arn, err := findLogGroup(ctx, logs, groupName); err != nil {
		return Result{}, err
	} else if arn == "" {
		return Result{}, Permanent(fmt.Errorf("log group %s does not exist in %s/%s: set log_group to the group the multi-Region trail delivers to", groupName, in.Target.Account, region))
	}
	w := metricWatch{LogGroup: groupName, Region: region, Namespace: in.String("metric_namespace")}
	out := map[string]any{}
	var changes []string

	f, err := findFilter(ctx, logs, groupName, pattern)
	if err != nil {
		return Result{}, err
	}
	if f != nil {
		w.Filter, w.Metric, w.Namespace = aws.ToString(f.FilterName), aws.ToString(f.MetricTransformations[0].MetricName), aws.ToString(f.MetricTransformations[0].MetricNamespace)
	} else {
		w.Filter, w.Metric = "rectify-"+name, name
		_, err := logs.PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String(groupName), FilterName: aws.String(w.Filter),
			FilterPattern: aws.String(pattern), MetricTransformations: []logtypes.MetricTransformation{{
				MetricName: aws.String(w.Metric), MetricNamespace: aws.String(w.Namespace), MetricValue: aws.String("1"), DefaultValue: aws.Float64(0)}}})
		if HasCode(err, "InvalidParameterException") {
			return Result{}, Permanent(fmt.Errorf("CloudWatch Logs refuses the filter pattern %q: %w", pattern, err))
		}
		if err != nil {
			return Result{}, fmt.Errorf("put metric filter %s on log group %s: %w", w.Filter, groupName, err)
		}
		changes = append(changes, fmt.Sprintf("added metric filter %s on log group %s counting %s/%s", w.Filter, groupName, w.Namespace, w.Metric))
	}

	alarm, err := alarmOn(ctx, cw, w.Metric, w.Namespace)
	if err != nil {
		return Result{}, err
	}
	if alarm != nil {
		w.Alarm = aws.ToString(alarm.AlarmName)
		w.Topic = alarm.AlarmActions[0]
	} else {
		topic, created, err := ensureTopic(ctx, in, topics, region, out)
		if err != nil {
			return Result{}, err
		}
		w.Topic, w.Alarm = topic, "rectify-"+name
		var tags []cwtypes.Tag
		for _, k := range sortedTagKeys(managedTags("security-alarm")) {
			tags = append(tags, cwtypes.Tag{Key: aws.String(k), Value: aws.String(managedTags("security-alarm")[k])})
		}
		_, err = cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(w.Alarm),
			AlarmDescription: aws.String(fmt.Sprintf("CloudTrail events matching %s in %s (made by rectify)", name, groupName)),
			MetricName:       aws.String(w.Metric), Namespace: aws.String(w.Namespace), Statistic: cwtypes.StatisticSum,
			Period: aws.Int32(int32(period / time.Second)), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(float64(in.Int("threshold"))),
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, TreatMissingData: aws.String("notBreaching"),
			AlarmActions: []string{topic}, Tags: tags})
		if err != nil {
			return Result{}, fmt.Errorf("put alarm %s: %w", w.Alarm, err)
		}
		changes = append(changes, fmt.Sprintf("added alarm %s notifying SNS topic %s%s", w.Alarm, topic, createdNote(created)))
	}
	subscribed, err := subscribeEmails(ctx, topics, w.Topic, in.StringList("subscribe"))
	if err != nil {
		return Result{}, err
	}
	if len(subscribed) > 0 {
		changes = append(changes, "subscribed "+strings.Join(subscribed, ", ")+" (pending their confirmation)")
	}
	for k, v := range w.output() {
		out[k] = v
	}
	if len(changes) == 0 {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("metric filter %s on log group %s already counts %s, and alarm %s notifies %s",
			w.Filter, groupName, w.Metric, w.Alarm, w.Topic)}, nil
	}
	return Result{Outcome: Changed, Output: out, Message: strings.Join(changes, "; ")}, nil
}

func verifyMetricFilterAlarm(ctx context.Context, in Input, res Result) error {
	group, _ := res.Output["log_group"].(string)
	region, _ := res.Output["region"].(string)
	if group == "" || region == "" {
		return Mismatch("the run did not say which log group it watched")
	}
	cfg := inRegion(in.AWS, region)
	f, err := findFilter(ctx, cloudwatchlogs.NewFromConfig(cfg), group, in.String("pattern"))
	if IsNotFound(err, "ResourceNotFoundException") {
		return Mismatch("log group %s no longer exists", group)
	}
	if err != nil {
		return err
	}
	if f == nil {
		return Mismatch("log group %s has no metric filter with the pattern of %s", group, in.String("name"))
	}
	metric, ns := aws.ToString(f.MetricTransformations[0].MetricName), aws.ToString(f.MetricTransformations[0].MetricNamespace)
	a, err := alarmOn(ctx, cloudwatch.NewFromConfig(cfg), metric, ns)
	if err != nil {
		return err
	}
	if a == nil {
		return Mismatch("no alarm with an action watches metric %s/%s", ns, metric)
	}
	return nil
}
