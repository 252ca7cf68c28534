package awssim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// CloudWatch: metric alarms (create or update, describe, describe for a
// metric, delete) and their tags, per account and region, over the Smithy
// RPC v2 CBOR protocol the SDK speaks to CloudWatch (rpcv2.go), with
// CloudWatch's query error codes in X-Amzn-Query-Error. Alarms are not
// evaluated: a new alarm stays INSUFFICIENT_DATA. Composite alarms and
// metric math alarms are accepted as stored but not checked further.

type cloudWatchService struct {
	s *Server
	// Alarms are keyed by scopeKey, then by alarm name.
	Alarms map[string]map[string]*cwAlarm
}

type cwAlarm struct {
	Name, ARN, Description   string
	ActionsEnabled           bool
	OKActions                []string
	AlarmActions             []string
	InsufficientDataActions  []string
	MetricName, Namespace    string
	Statistic, Extended      string
	Dimensions               []cwDimension
	Period                   int
	Unit                     string
	EvaluationPeriods        int
	DatapointsToAlarm        int
	Threshold                float64
	ComparisonOperator       string
	TreatMissingData         string
	Metrics                  json.RawMessage `json:",omitempty"`
	ThresholdMetricID        string
	State, StateReason       string
	Updated, StateUpdated    time.Time
	Tags                     map[string]string
	EvaluateLowSampleCountPc string
}

type cwDimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

func newCloudWatch(s *Server) *serviceDef {
	svc := &cloudWatchService{s: s, Alarms: map[string]map[string]*cwAlarm{}}
	return &serviceDef{
		Name: "cloudwatch", SigningName: "monitoring", EventSource: "monitoring.amazonaws.com",
		Protocol: protoRPCCBOR, TargetPrefix: "GraniteServiceVersion20100801", State: svc,
		Throttle:  &Error{Code: "ThrottlingException", QueryCode: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest},
		Resources: svc.resources,
		JSON: map[string]jsonHandler{
			"PutMetricAlarm":          svc.putMetricAlarm,
			"DescribeAlarms":          svc.describeAlarms,
			"DescribeAlarmsForMetric": svc.describeAlarmsForMetric,
			"DeleteAlarms":            svc.deleteAlarms,
			"TagResource":             svc.tagResource,
			"UntagResource":           svc.untagResource,
			"ListTagsForResource":     svc.listTagsForResource,
		},
	}
}

// cwError is a CloudWatch error: its shape name and the query code the
// SDK reports.
func cwError(status int, shape, query, format string, args ...any) *Error {
	e := errorf(status, shape, format, args...)
	e.QueryCode = query
	return e
}

func cwInvalid(format string, args ...any) *Error {
	return cwError(http.StatusBadRequest, "InvalidParameterValueException", "InvalidParameterValue", format, args...)
}

func cwMissing(name string) *Error {
	return cwError(http.StatusBadRequest, "MissingRequiredParameterException", "MissingParameter", "The parameter %s is required.", name)
}

func (svc *cloudWatchService) alarms(c *call) map[string]*cwAlarm { return scoped(svc.Alarms, c) }

func cwAlarmARN(c *call, name string) string { return c.arn("cloudwatch", "alarm:"+name) }

// resources names the alarms a call acts on.
func (svc *cloudWatchService) resources(c *call) ([]string, bool) {
	p := c.jsonParams()
	switch c.op {
	case "PutMetricAlarm":
		return named(nameARNOf(c, p["AlarmName"]))
	case "DeleteAlarms":
		names, _ := p["AlarmNames"].([]any)
		var out []string
		for _, n := range names {
			if a := nameARNOf(c, n); a != "" {
				out = append(out, a)
			}
		}
		return out, len(out) > 0
	case "TagResource", "UntagResource", "ListTagsForResource":
		return named(c.param("ResourceARN"))
	}
	return noResource()
}

func nameARNOf(c *call, v any) string {
	name, _ := v.(string)
	if name == "" {
		return ""
	}
	return cwAlarmARN(c, name)
}

var cwComparisons = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"GreaterThanOrEqualToThreshold": true, "GreaterThanThreshold": true, "LessThanThreshold": true, "LessThanOrEqualToThreshold": true,
		"LessThanLowerOrGreaterThanUpperThreshold": true, "LessThanLowerThreshold": true, "GreaterThanUpperThreshold": true,
	}
})

var cwStatistics = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"SampleCount": true, "Average": true, "Sum": true, "Minimum": true, "Maximum": true}
})

var cwTreatMissing = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"breaching": true, "notBreaching": true, "ignore": true, "missing": true}
})

type cwTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type cwPutAlarmInput struct {
	AlarmName                        string
	AlarmDescription                 string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	MetricName                       string
	Namespace                        string
	Statistic                        string
	ExtendedStatistic                string
	Dimensions                       []cwDimension
	Period                           *int
	Unit                             string
	EvaluationPeriods                *int
	DatapointsToAlarm                *int
	Threshold                        *float64
	ComparisonOperator               string
	TreatMissingData                 string
	EvaluateLowSampleCountPercentile string
	Metrics                          json.RawMessage
	ThresholdMetricID                string `json:"ThresholdMetricId"`
	Tags                             []cwTag
}

// checkActions validates an alarm's action ARNs: at most five, each an
// SNS topic, Auto Scaling policy, EC2 action, Systems Manager or Lambda
// ARN.
func checkActions(kind string, arns []string) error {
	if len(arns) > 5 {
		return cwInvalid("The collection %s must not have more than 5 members.", kind)
	}
	for _, a := range arns {
		f := strings.SplitN(a, ":", 6)
		if len(f) != 6 || f[0] != "arn" {
			return cwInvalid("Invalid arn syntax: %s", a)
		}
		switch f[2] {
		case "sns", "autoscaling", "automate", "ssm", "ssm-incidents", "lambda", "swf", "opsinsights":
		default:
			return cwInvalid("Invalid use of EC2 action %s", a)
		}
	}
	return nil
}

func (svc *cloudWatchService) putMetricAlarm(c *call, body []byte) (any, error) {
	var in cwPutAlarmInput
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.AlarmName == "":
		return nil, cwMissing("AlarmName")
	case len(in.AlarmName) > 255:
		return nil, cwInvalid("AlarmName must be at most 255 characters")
	case in.EvaluationPeriods == nil:
		return nil, cwMissing("EvaluationPeriods")
	case *in.EvaluationPeriods < 1:
		return nil, cwInvalid("EvaluationPeriods must be at least 1")
	case in.ComparisonOperator == "":
		return nil, cwMissing("ComparisonOperator")
	case !cwComparisons()[in.ComparisonOperator]:
		return nil, cwInvalid("Invalid value %s for ComparisonOperator", in.ComparisonOperator)
	case in.TreatMissingData != "" && !cwTreatMissing()[in.TreatMissingData]:
		return nil, cwInvalid("Invalid value %s for TreatMissingData", in.TreatMissingData)
	case in.DatapointsToAlarm != nil && (*in.DatapointsToAlarm < 1 || *in.DatapointsToAlarm > *in.EvaluationPeriods):
		return nil, cwInvalid("DatapointsToAlarm must be between 1 and EvaluationPeriods (%d)", *in.EvaluationPeriods)
	}
	if len(in.Metrics) > 0 {
		if in.MetricName != "" || in.Namespace != "" || in.Statistic != "" || in.Period != nil {
			return nil, cwError(http.StatusBadRequest, "InvalidParameterCombinationException", "InvalidParameterCombination",
				"Metrics cannot be combined with MetricName, Namespace, Statistic or Period")
		}
	} else {
		switch {
		case in.MetricName == "":
			return nil, cwMissing("MetricName")
		case in.Namespace == "":
			return nil, cwMissing("Namespace")
		case in.Statistic == "" && in.ExtendedStatistic == "":
			return nil, cwError(http.StatusBadRequest, "InvalidParameterCombinationException", "InvalidParameterCombination",
				"Exactly one of Statistic or ExtendedStatistic must be specified")
		case in.Statistic != "" && in.ExtendedStatistic != "":
			return nil, cwError(http.StatusBadRequest, "InvalidParameterCombinationException", "InvalidParameterCombination",
				"Exactly one of Statistic or ExtendedStatistic must be specified")
		case in.Statistic != "" && !cwStatistics()[in.Statistic]:
			return nil, cwInvalid("Invalid value %s for Statistic", in.Statistic)
		case in.Period == nil:
			return nil, cwMissing("Period")
		case *in.Period != 10 && *in.Period != 20 && *in.Period != 30 && (*in.Period < 60 || *in.Period%60 != 0):
			return nil, cwInvalid("The parameter Period must be 10, 20, 30 or a multiple of 60.")
		}
	}
	if in.Threshold == nil && in.ThresholdMetricID == "" {
		return nil, cwMissing("Threshold")
	}
	for kind, arns := range map[string][]string{"OKActions": in.OKActions, "AlarmActions": in.AlarmActions, "InsufficientDataActions": in.InsufficientDataActions} {
		if err := checkActions(kind, arns); err != nil {
			return nil, err
		}
	}
	alarms := svc.alarms(c)
	a := alarms[in.AlarmName]
	if a == nil {
		if len(alarms) >= 10000 {
			return nil, cwError(http.StatusBadRequest, "LimitExceededFault", "LimitExceeded", "The maximum number of alarms for this account has been reached.")
		}
		a = &cwAlarm{Name: in.AlarmName, ARN: cwAlarmARN(c, in.AlarmName), State: "INSUFFICIENT_DATA",
			StateReason: "Unchecked: Initial alarm creation", StateUpdated: c.now, Tags: map[string]string{}}
		// Tags apply only when the alarm is created.
		for _, t := range in.Tags {
			a.Tags[t.Key] = t.Value
		}
		alarms[in.AlarmName] = a
	}
	a.Description = in.AlarmDescription
	a.ActionsEnabled = in.ActionsEnabled == nil || *in.ActionsEnabled
	a.OKActions, a.AlarmActions, a.InsufficientDataActions = in.OKActions, in.AlarmActions, in.InsufficientDataActions
	a.MetricName, a.Namespace, a.Statistic, a.Extended = in.MetricName, in.Namespace, in.Statistic, in.ExtendedStatistic
	a.Dimensions, a.Unit, a.EvaluationPeriods = in.Dimensions, in.Unit, *in.EvaluationPeriods
	a.Period, a.DatapointsToAlarm, a.Threshold = 0, 0, 0
	if in.Period != nil {
		a.Period = *in.Period
	}
	if in.DatapointsToAlarm != nil {
		a.DatapointsToAlarm = *in.DatapointsToAlarm
	}
	if in.Threshold != nil {
		a.Threshold = *in.Threshold
	}
	a.ComparisonOperator, a.TreatMissingData, a.EvaluateLowSampleCountPc = in.ComparisonOperator, in.TreatMissingData, in.EvaluateLowSampleCountPercentile
	a.Metrics, a.ThresholdMetricID = in.Metrics, in.ThresholdMetricID
	a.Updated = c.now
	c.trailResources = []TrailResource{{ARN: a.ARN, AccountID: c.Account(), Type: "AWS::CloudWatch::Alarm", Name: a.Name}}
	return nil, nil
}

// cwMetricAlarm is a MetricAlarm as DescribeAlarms returns it.
type cwMetricAlarm struct {
	AlarmName                          string          `json:"AlarmName"`
	AlarmArn                           string          `json:"AlarmArn"`
	AlarmDescription                   string          `json:"AlarmDescription,omitempty"`
	AlarmConfigurationUpdatedTimestamp time.Time       `json:"AlarmConfigurationUpdatedTimestamp"`
	ActionsEnabled                     bool            `json:"ActionsEnabled"`
	OKActions                          []string        `json:"OKActions"`
	AlarmActions                       []string        `json:"AlarmActions"`
	InsufficientDataActions            []string        `json:"InsufficientDataActions"`
	StateValue                         string          `json:"StateValue"`
	StateReason                        string          `json:"StateReason"`
	StateUpdatedTimestamp              time.Time       `json:"StateUpdatedTimestamp"`
	StateTransitionedTimestamp         time.Time       `json:"StateTransitionedTimestamp"`
	MetricName                         string          `json:"MetricName,omitempty"`
	Namespace                          string          `json:"Namespace,omitempty"`
	Statistic                          string          `json:"Statistic,omitempty"`
	ExtendedStatistic                  string          `json:"ExtendedStatistic,omitempty"`
	Dimensions                         []cwDimension   `json:"Dimensions"`
	Period                             int             `json:"Period,omitempty"`
	Unit                               string          `json:"Unit,omitempty"`
	EvaluationPeriods                  int             `json:"EvaluationPeriods"`
	DatapointsToAlarm                  int             `json:"DatapointsToAlarm,omitempty"`
	Threshold                          float64         `json:"Threshold"`
	ComparisonOperator                 string          `json:"ComparisonOperator"`
	TreatMissingData                   string          `json:"TreatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile   string          `json:"EvaluateLowSampleCountPercentile,omitempty"`
	Metrics                            json.RawMessage `json:"-"`
	ThresholdMetricID                  string          `json:"ThresholdMetricId,omitempty"`
}

func (a *cwAlarm) out() cwMetricAlarm {
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	dims := a.Dimensions
	if dims == nil {
		dims = []cwDimension{}
	}
	return cwMetricAlarm{
		AlarmName: a.Name, AlarmArn: a.ARN, AlarmDescription: a.Description, AlarmConfigurationUpdatedTimestamp: a.Updated,
		ActionsEnabled: a.ActionsEnabled, OKActions: list(a.OKActions), AlarmActions: list(a.AlarmActions),
		InsufficientDataActions: list(a.InsufficientDataActions), StateValue: a.State, StateReason: a.StateReason,
		StateUpdatedTimestamp: a.StateUpdated, StateTransitionedTimestamp: a.StateUpdated,
		MetricName: a.MetricName, Namespace: a.Namespace, Statistic: a.Statistic, ExtendedStatistic: a.Extended,
		Dimensions: dims, Period: a.Period, Unit: a.Unit, EvaluationPeriods: a.EvaluationPeriods, DatapointsToAlarm: a.DatapointsToAlarm,
		Threshold: a.Threshold, ComparisonOperator: a.ComparisonOperator, TreatMissingData: a.TreatMissingData,
		EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPc, ThresholdMetricID: a.ThresholdMetricID,
	}
}

func (svc *cloudWatchService) describeAlarms(c *call, body []byte) (any, error) {
	var in struct {
		AlarmNames      []string
		AlarmNamePrefix string
		AlarmTypes      []string
		StateValue      string
		ActionPrefix    string
		MaxRecords      *int
		NextToken       string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "" {
		return nil, cwError(http.StatusBadRequest, "InvalidParameterCombinationException", "InvalidParameterCombination",
			"AlarmNames and AlarmNamePrefix cannot be specified together")
	}
	limit := 50
	if in.MaxRecords != nil {
		if *in.MaxRecords < 1 || *in.MaxRecords > 100 {
			return nil, cwInvalid("MaxRecords must be between 1 and 100")
		}
		limit = *in.MaxRecords
	}
	metric := len(in.AlarmTypes) == 0
	for _, t := range in.AlarmTypes {
		switch t {
		case "MetricAlarm":
			metric = true
		case "CompositeAlarm":
		default:
			return nil, cwInvalid("Invalid value %s for AlarmTypes", t)
		}
	}
	if in.StateValue != "" && in.StateValue != "OK" && in.StateValue != "ALARM" && in.StateValue != "INSUFFICIENT_DATA" {
		return nil, cwInvalid("Invalid value %s for StateValue", in.StateValue)
	}
	alarms := svc.alarms(c)
	var names []string
	if metric {
		for _, n := range sortedKeys(alarms) {
			a := alarms[n]
			switch {
			case len(in.AlarmNames) > 0 && !contains(in.AlarmNames, n):
			case in.AlarmNamePrefix != "" && !strings.HasPrefix(n, in.AlarmNamePrefix):
			case in.StateValue != "" && a.State != in.StateValue:
			case in.ActionPrefix != "" && !hasPrefixed(a.AlarmActions, in.ActionPrefix):
			default:
				names = append(names, n)
			}
		}
	}
	start := 0
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, cwError(http.StatusBadRequest, "InvalidNextToken", "InvalidNextToken", "The service cannot decode the next token.")
		}
		start = sort.SearchStrings(names, pos)
	}
	out := struct {
		MetricAlarms    []cwMetricAlarm `json:"MetricAlarms"`
		CompositeAlarms []any           `json:"CompositeAlarms"`
		NextToken       string          `json:"NextToken,omitempty"`
	}{MetricAlarms: []cwMetricAlarm{}, CompositeAlarms: []any{}}
	for i := start; i < len(names); i++ {
		if len(out.MetricAlarms) == limit {
			out.NextToken = pageToken(names[i])
			break
		}
		out.MetricAlarms = append(out.MetricAlarms, alarms[names[i]].out())
	}
	return out, nil
}

func hasPrefixed(list []string, prefix string) bool {
	for _, e := range list {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

func (svc *cloudWatchService) describeAlarmsForMetric(c *call, body []byte) (any, error) {
	var in struct {
		MetricName, Namespace, Statistic, ExtendedStatistic, Unit string
		Dimensions                                                []cwDimension
		Period                                                    int
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.MetricName == "" {
		return nil, cwMissing("MetricName")
	}
	if in.Namespace == "" {
		return nil, cwMissing("Namespace")
	}
	alarms := svc.alarms(c)
	out := []cwMetricAlarm{}
	for _, n := range sortedKeys(alarms) {
		a := alarms[n]
		switch {
		case a.MetricName != in.MetricName || a.Namespace != in.Namespace:
		case in.Statistic != "" && a.Statistic != in.Statistic:
		case in.ExtendedStatistic != "" && a.Extended != in.ExtendedStatistic:
		case in.Period != 0 && a.Period != in.Period:
		case in.Unit != "" && a.Unit != in.Unit:
		case len(in.Dimensions) > 0 && !sameDimensions(a.Dimensions, in.Dimensions):
		default:
			out = append(out, a.out())
		}
	}
	return map[string]any{"MetricAlarms": out}, nil
}

func sameDimensions(a, b []cwDimension) bool {
	if len(a) != len(b) {
		return false
	}
	for _, d := range b {
		found := false
		for _, e := range a {
			if e == d {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (svc *cloudWatchService) deleteAlarms(c *call, body []byte) (any, error) {
	var in struct{ AlarmNames []string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.AlarmNames) == 0 {
		return nil, cwMissing("AlarmNames")
	}
	if len(in.AlarmNames) > 100 {
		return nil, cwInvalid("The collection AlarmNames must not have more than 100 members.")
	}
	alarms := svc.alarms(c)
	for _, n := range in.AlarmNames {
		if alarms[n] == nil {
			return nil, cwError(http.StatusNotFound, "ResourceNotFound", "ResourceNotFound", "Alarm %s not found", n)
		}
	}
	for _, n := range in.AlarmNames {
		delete(alarms, n)
	}
	return nil, nil
}

// alarmByARN returns the caller's alarm arn names.
func (svc *cloudWatchService) alarmByARN(c *call, arn string) (*cwAlarm, error) {
	if arn == "" {
		return nil, cwMissing("ResourceARN")
	}
	prefix := cwAlarmARN(c, "")
	name, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		if !strings.HasPrefix(arn, "arn:") {
			return nil, cwInvalid("Invalid arn syntax: %s", arn)
		}
		return nil, cwError(http.StatusNotFound, "ResourceNotFoundException", "ResourceNotFoundException", "Resource %s not found", arn)
	}
	a := svc.alarms(c)[name]
	if a == nil {
		return nil, cwError(http.StatusNotFound, "ResourceNotFoundException", "ResourceNotFoundException", "Resource %s not found", arn)
	}
	return a, nil
}

func (svc *cloudWatchService) tagResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceARN string
		Tags        []cwTag
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	a, err := svc.alarmByARN(c, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if len(a.Tags)+len(in.Tags) > 50 {
		return nil, cwInvalid("A resource can have at most 50 tags")
	}
	for _, t := range in.Tags {
		a.Tags[t.Key] = t.Value
	}
	return nil, nil
}

func (svc *cloudWatchService) untagResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceARN string
		TagKeys     []string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	a, err := svc.alarmByARN(c, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(a.Tags, k)
	}
	return nil, nil
}

func (svc *cloudWatchService) listTagsForResource(c *call, body []byte) (any, error) {
	var in struct{ ResourceARN string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	a, err := svc.alarmByARN(c, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	tags := []cwTag{}
	for _, k := range sortedKeys(a.Tags) {
		tags = append(tags, cwTag{k, a.Tags[k]})
	}
	return map[string]any{"Tags": tags}, nil
}
