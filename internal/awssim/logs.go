package awssim

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// CloudWatch Logs: log groups (create, describe, delete), their retention
// and KMS key, metric filters, and tags, per account and region. No log
// events are stored: a trail's CloudWatch Logs delivery and the metrics a
// filter would emit are not simulated.

type logsService struct {
	s *Server
	// Groups are keyed by scopeKey, then by log group name.
	Groups map[string]map[string]*logGroup
}

type logGroup struct {
	Name          string
	Created       time.Time
	RetentionDays int // 0: never expire
	KMSKeyID      string
	Class         string
	Tags          map[string]string
	Filters       map[string]*metricFilter
}

type metricFilter struct {
	Name            string
	Pattern         string
	Transformations []logsTransformation
	Created         time.Time
}

type logsTransformation struct {
	MetricName      string            `json:"metricName"`
	MetricNamespace string            `json:"metricNamespace"`
	MetricValue     string            `json:"metricValue"`
	DefaultValue    *float64          `json:"defaultValue,omitempty"`
	Dimensions      map[string]string `json:"dimensions,omitempty"`
	Unit            string            `json:"unit,omitempty"`
}

// logsRetentionDays are the retention periods CloudWatch Logs accepts.
var logsRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// LogRetentionDays returns the retention periods, in days, that CloudWatch
// Logs accepts, in increasing order.
func LogRetentionDays() []int { return append([]int(nil), logsRetentionDays...) }

func newLogs(s *Server) *serviceDef {
	svc := &logsService{s: s, Groups: map[string]map[string]*logGroup{}}
	return &serviceDef{
		Name: "logs", EventSource: "logs.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "Logs_20140328",
		State: svc, Resources: svc.resources,
		JSON: map[string]jsonHandler{
			"CreateLogGroup":        svc.createLogGroup,
			"DescribeLogGroups":     svc.describeLogGroups,
			"DeleteLogGroup":        svc.deleteLogGroup,
			"PutRetentionPolicy":    svc.putRetentionPolicy,
			"DeleteRetentionPolicy": svc.deleteRetentionPolicy,
			"AssociateKmsKey":       svc.associateKmsKey,
			"DisassociateKmsKey":    svc.disassociateKmsKey,
			"PutMetricFilter":       svc.putMetricFilter,
			"DescribeMetricFilters": svc.describeMetricFilters,
			"DeleteMetricFilter":    svc.deleteMetricFilter,
			"TagResource":           svc.tagResource,
			"UntagResource":         svc.untagResource,
			"ListTagsForResource":   svc.listTagsForResource,
		},
	}
}

func logsInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

func logsNoGroup() *Error {
	return errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
}

func (svc *logsService) groups(c *call) map[string]*logGroup { return scoped(svc.Groups, c) }

// logGroupARN returns a log group's ARN without the ":*" that
// DescribeLogGroups' arn member ends with.
func logGroupARN(c *call, name string) string { return c.arn("logs", "log-group:"+name) }

// resources names the log groups a call acts on.
func (svc *logsService) resources(c *call) ([]string, bool) {
	if name := c.param("logGroupName"); name != "" {
		return []string{logGroupARN(c, name) + ":*"}, true
	}
	if arn := c.param("resourceArn"); arn != "" {
		return []string{arn}, true
	}
	return noResource()
}

var logGroupNameRE = lazyRegexp(`^[.\-_/#A-Za-z0-9]{1,512}$`)

// group returns the caller's log group name.
func (svc *logsService) group(c *call, name string) (*logGroup, error) {
	if name == "" {
		return nil, logsInvalid("1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null")
	}
	g := svc.groups(c)[name]
	if g == nil {
		return nil, logsNoGroup()
	}
	return g, nil
}

// checkKMSKeyARN checks a kmsKeyId parameter: CloudWatch Logs takes keys by
// ARN only.
func checkKMSKeyARN(id string) error {
	f := strings.SplitN(id, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "kms" || !strings.HasPrefix(f[5], "key/") {
		return logsInvalid("Specified KMS key %q is not a valid key ARN; CloudWatch Logs accepts KMS keys by key ARN only.", id)
	}
	return nil
}

func (svc *logsService) createLogGroup(c *call, body []byte) (any, error) {
	var in struct {
		LogGroupName  string            `json:"logGroupName"`
		KMSKeyID      string            `json:"kmsKeyId"`
		Tags          map[string]string `json:"tags"`
		LogGroupClass string            `json:"logGroupClass"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if !logGroupNameRE().MatchString(in.LogGroupName) {
		return nil, logsInvalid("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", in.LogGroupName)
	}
	if in.KMSKeyID != "" {
		if err := checkKMSKeyARN(in.KMSKeyID); err != nil {
			return nil, err
		}
	}
	switch in.LogGroupClass {
	case "":
		in.LogGroupClass = "STANDARD"
	case "STANDARD", "INFREQUENT_ACCESS", "DELIVERY":
	default:
		return nil, logsInvalid("1 validation error detected: Value '%s' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]", in.LogGroupClass)
	}
	if len(in.Tags) > 50 {
		return nil, logsInvalid("A log group can have at most 50 tags")
	}
	groups := svc.groups(c)
	if groups[in.LogGroupName] != nil {
		return nil, errorf(http.StatusBadRequest, "ResourceAlreadyExistsException", "The specified log group already exists")
	}
	g := &logGroup{Name: in.LogGroupName, Created: c.now, KMSKeyID: in.KMSKeyID, Class: in.LogGroupClass, Tags: map[string]string{}, Filters: map[string]*metricFilter{}}
	for k, v := range in.Tags {
		g.Tags[k] = v
	}
	groups[g.Name] = g
	c.trailResources = []TrailResource{{ARN: logGroupARN(c, g.Name), AccountID: c.Account(), Type: "AWS::Logs::LogGroup", Name: g.Name}}
	return nil, nil
}

type logGroupJSON struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	RetentionInDays   *int   `json:"retentionInDays,omitempty"`
	MetricFilterCount int    `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	LogGroupArn       string `json:"logGroupArn"`
	StoredBytes       int64  `json:"storedBytes"`
	KMSKeyID          string `json:"kmsKeyId,omitempty"`
	LogGroupClass     string `json:"logGroupClass"`
}

func (g *logGroup) json(c *call) logGroupJSON {
	out := logGroupJSON{LogGroupName: g.Name, CreationTime: g.Created.UnixMilli(), MetricFilterCount: len(g.Filters),
		Arn: logGroupARN(c, g.Name) + ":*", LogGroupArn: logGroupARN(c, g.Name), KMSKeyID: g.KMSKeyID, LogGroupClass: g.Class}
	if g.RetentionDays > 0 {
		d := g.RetentionDays
		out.RetentionInDays = &d
	}
	return out
}

// logsLimit reads a limit parameter (1 to 50, default 50).
func logsLimit(limit *int) (int, error) {
	if limit == nil {
		return 50, nil
	}
	if *limit < 1 || *limit > 50 {
		return 0, logsInvalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50", *limit)
	}
	return *limit, nil
}

// logsPage returns the names of a page of sorted names and the next
// token.
func logsPage(names []string, token string, limit int) ([]string, string, error) {
	start := 0
	if token != "" {
		pos, ok := pagePosition(token)
		if !ok {
			return nil, "", logsInvalid("The specified nextToken is invalid.")
		}
		start = sort.SearchStrings(names, pos)
	}
	end := min(start+limit, len(names))
	next := ""
	if end < len(names) {
		next = pageToken(names[end])
	}
	return names[start:end], next, nil
}

func (svc *logsService) describeLogGroups(c *call, body []byte) (any, error) {
	var in struct {
		LogGroupNamePrefix  string   `json:"logGroupNamePrefix"`
		LogGroupNamePattern string   `json:"logGroupNamePattern"`
		LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
		LogGroupClass       string   `json:"logGroupClass"`
		NextToken           string   `json:"nextToken"`
		Limit               *int     `json:"limit"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	n := 0
	for _, set := range []bool{in.LogGroupNamePrefix != "", in.LogGroupNamePattern != "", len(in.LogGroupIdentifiers) > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, logsInvalid("LogGroupNamePrefix, LogGroupNamePattern and LogGroupIdentifiers are mutually exclusive")
	}
	limit, err := logsLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	groups := svc.groups(c)
	var names []string
	for _, name := range sortedKeys(groups) {
		g := groups[name]
		switch {
		case in.LogGroupNamePrefix != "" && !strings.HasPrefix(name, in.LogGroupNamePrefix):
		case in.LogGroupNamePattern != "" && !strings.Contains(strings.ToLower(name), strings.ToLower(in.LogGroupNamePattern)):
		case len(in.LogGroupIdentifiers) > 0 && !contains(in.LogGroupIdentifiers, name) && !contains(in.LogGroupIdentifiers, logGroupARN(c, name)):
		case in.LogGroupClass != "" && g.Class != in.LogGroupClass:
		default:
			names = append(names, name)
		}
	}
	page, next, err := logsPage(names, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		LogGroups []logGroupJSON `json:"logGroups"`
		NextToken string         `json:"nextToken,omitempty"`
	}{LogGroups: []logGroupJSON{}, NextToken: next}
	for _, name := range page {
		out.LogGroups = append(out.LogGroups, groups[name].json(c))
	}
	return out, nil
}

type logGroupNameInput struct {
	LogGroupName string `json:"logGroupName"`
}

func (svc *logsService) namedGroup(c *call, body []byte) (*logGroup, error) {
	var in logGroupNameInput
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.group(c, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	c.trailResources = []TrailResource{{ARN: logGroupARN(c, g.Name), AccountID: c.Account(), Type: "AWS::Logs::LogGroup", Name: g.Name}}
	return g, nil
}

func (svc *logsService) deleteLogGroup(c *call, body []byte) (any, error) {
	g, err := svc.namedGroup(c, body)
	if err != nil {
		return nil, err
	}
	delete(svc.groups(c), g.Name)
	return nil, nil
}

func (svc *logsService) putRetentionPolicy(c *call, body []byte) (any, error) {
	var in struct {
		RetentionInDays *int `json:"retentionInDays"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.namedGroup(c, body)
	if err != nil {
		return nil, err
	}
	if in.RetentionInDays == nil {
		return nil, logsInvalid("1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
	}
	if !containsInt(logsRetentionDays, *in.RetentionInDays) {
		return nil, logsInvalid("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", *in.RetentionInDays)
	}
	g.RetentionDays = *in.RetentionInDays
	return nil, nil
}

func containsInt(list []int, n int) bool {
	for _, e := range list {
		if e == n {
			return true
		}
	}
	return false
}

func (svc *logsService) deleteRetentionPolicy(c *call, body []byte) (any, error) {
	g, err := svc.namedGroup(c, body)
	if err != nil {
		return nil, err
	}
	g.RetentionDays = 0
	return nil, nil
}

func (svc *logsService) associateKmsKey(c *call, body []byte) (any, error) {
	var in struct {
		KMSKeyID string `json:"kmsKeyId"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.namedGroup(c, body)
	if err != nil {
		return nil, err
	}
	if err := checkKMSKeyARN(in.KMSKeyID); err != nil {
		return nil, err
	}
	g.KMSKeyID = in.KMSKeyID
	return nil, nil
}

func (svc *logsService) disassociateKmsKey(c *call, body []byte) (any, error) {
	g, err := svc.namedGroup(c, body)
	if err != nil {
		return nil, err
	}
	g.KMSKeyID = ""
	return nil, nil
}

// checkFilterPattern refuses a filter pattern CloudWatch Logs could not
// parse: unbalanced quotes, parentheses, brackets or braces, or a JSON
// pattern ({ ... }) without a selector.
func checkFilterPattern(p string) error {
	var stack []rune
	inQuote := false
	for _, r := range p {
		if inQuote {
			if r == '"' {
				inQuote = false
			}
			continue
		}
		switch r {
		case '"':
			inQuote = true
		case '(', '[', '{':
			stack = append(stack, r)
		case ')', ']', '}':
			open := map[rune]rune{')': '(', ']': '[', '}': '{'}[r]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return logsInvalid("Invalid metric filter pattern")
			}
			stack = stack[:len(stack)-1]
		}
	}
	if inQuote || len(stack) > 0 {
		return logsInvalid("Invalid metric filter pattern")
	}
	if t := strings.TrimSpace(p); strings.HasPrefix(t, "{") && !strings.Contains(t, "$.") && !strings.Contains(t, "%") {
		return logsInvalid("Invalid metric filter pattern")
	}
	return nil
}

var metricFilterNameRE = lazyRegexp(`^[^:*]{1,512}$`)

func (svc *logsService) putMetricFilter(c *call, body []byte) (any, error) {
	var in struct {
		LogGroupName          string               `json:"logGroupName"`
		FilterName            string               `json:"filterName"`
		FilterPattern         *string              `json:"filterPattern"`
		MetricTransformations []logsTransformation `json:"metricTransformations"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if !metricFilterNameRE().MatchString(in.FilterName) {
		return nil, logsInvalid("1 validation error detected: Value '%s' at 'filterName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", in.FilterName)
	}
	if in.FilterPattern == nil {
		return nil, logsInvalid("1 validation error detected: Value null at 'filterPattern' failed to satisfy constraint: Member must not be null")
	}
	if len(in.MetricTransformations) != 1 {
		return nil, logsInvalid("1 validation error detected: Value at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1 and greater than or equal to 1")
	}
	t := in.MetricTransformations[0]
	if t.MetricName == "" || t.MetricNamespace == "" || t.MetricValue == "" {
		return nil, logsInvalid("metricTransformations must name metricName, metricNamespace and metricValue")
	}
	if t.DefaultValue != nil && len(t.Dimensions) > 0 {
		return nil, logsInvalid("A metric transformation cannot have both a default value and dimensions")
	}
	if err := checkFilterPattern(*in.FilterPattern); err != nil {
		return nil, err
	}
	g, err := svc.group(c, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	f := g.Filters[in.FilterName]
	if f == nil {
		if len(g.Filters) >= 100 {
			return nil, errorf(http.StatusBadRequest, "LimitExceededException", "Resource limit exceeded: a log group can have at most 100 metric filters.")
		}
		f = &metricFilter{Name: in.FilterName, Created: c.now}
		g.Filters[f.Name] = f
	}
	f.Pattern, f.Transformations = *in.FilterPattern, in.MetricTransformations
	c.trailResources = []TrailResource{{ARN: logGroupARN(c, g.Name), AccountID: c.Account(), Type: "AWS::Logs::LogGroup", Name: g.Name}}
	return nil, nil
}

type metricFilterJSON struct {
	FilterName            string               `json:"filterName"`
	FilterPattern         string               `json:"filterPattern"`
	MetricTransformations []logsTransformation `json:"metricTransformations"`
	CreationTime          int64                `json:"creationTime"`
	LogGroupName          string               `json:"logGroupName"`
}

func (svc *logsService) describeMetricFilters(c *call, body []byte) (any, error) {
	var in struct {
		LogGroupName     string `json:"logGroupName"`
		FilterNamePrefix string `json:"filterNamePrefix"`
		MetricName       string `json:"metricName"`
		MetricNamespace  string `json:"metricNamespace"`
		NextToken        string `json:"nextToken"`
		Limit            *int   `json:"limit"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.FilterNamePrefix != "" && in.LogGroupName == "" {
		return nil, logsInvalid("filterNamePrefix requires logGroupName")
	}
	if (in.MetricName == "") != (in.MetricNamespace == "") {
		return nil, logsInvalid("metricName and metricNamespace must be specified together")
	}
	limit, err := logsLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	groups := svc.groups(c)
	var scope []string
	if in.LogGroupName != "" {
		if groups[in.LogGroupName] == nil {
			return nil, logsNoGroup()
		}
		scope = []string{in.LogGroupName}
	} else {
		scope = sortedKeys(groups)
	}
	type key = string
	var keys []key
	byKey := map[key]metricFilterJSON{}
	for _, gname := range scope {
		g := groups[gname]
		for _, fname := range sortedKeys(g.Filters) {
			f := g.Filters[fname]
			if in.FilterNamePrefix != "" && !strings.HasPrefix(fname, in.FilterNamePrefix) {
				continue
			}
			if in.MetricName != "" && (f.Transformations[0].MetricName != in.MetricName || f.Transformations[0].MetricNamespace != in.MetricNamespace) {
				continue
			}
			k := gname + "\x00" + fname
			keys = append(keys, k)
			byKey[k] = metricFilterJSON{FilterName: f.Name, FilterPattern: f.Pattern, MetricTransformations: f.Transformations,
				CreationTime: f.Created.UnixMilli(), LogGroupName: gname}
		}
	}
	sort.Strings(keys)
	page, next, err := logsPage(keys, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		MetricFilters []metricFilterJSON `json:"metricFilters"`
		NextToken     string             `json:"nextToken,omitempty"`
	}{MetricFilters: []metricFilterJSON{}, NextToken: next}
	for _, k := range page {
		out.MetricFilters = append(out.MetricFilters, byKey[k])
	}
	return out, nil
}

func (svc *logsService) deleteMetricFilter(c *call, body []byte) (any, error) {
	var in struct {
		FilterName string `json:"filterName"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.namedGroup(c, body)
	if err != nil {
		return nil, err
	}
	if g.Filters[in.FilterName] == nil {
		return nil, errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified metric filter does not exist.")
	}
	delete(g.Filters, in.FilterName)
	return nil, nil
}

// taggedGroup returns the log group a resourceArn names.
func (svc *logsService) taggedGroup(c *call, arn string) (*logGroup, error) {
	name, ok := strings.CutPrefix(strings.TrimSuffix(arn, ":*"), logGroupARN(c, ""))
	if !ok {
		if !strings.HasPrefix(arn, "arn:") {
			return nil, logsInvalid("Invalid resourceArn %q", arn)
		}
		return nil, errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified resource does not exist.")
	}
	g := svc.groups(c)[name]
	if g == nil {
		return nil, errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified resource does not exist.")
	}
	return g, nil
}

func (svc *logsService) tagResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceArn string            `json:"resourceArn"`
		Tags        map[string]string `json:"tags"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.taggedGroup(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for k, v := range in.Tags {
		g.Tags[k] = v
	}
	if len(g.Tags) > 50 {
		return nil, errorf(http.StatusBadRequest, "TooManyTagsException", "A resource can have at most 50 tags")
	}
	return nil, nil
}

func (svc *logsService) untagResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.taggedGroup(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(g.Tags, k)
	}
	return nil, nil
}

func (svc *logsService) listTagsForResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.taggedGroup(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": g.Tags}, nil
}

// logGroupExists reports whether the log group a CloudWatch Logs ARN
// (arn:...:logs:REGION:ACCOUNT:log-group:NAME[:*]) names exists.
func (svc *logsService) logGroupExists(arn string) bool {
	f := strings.SplitN(strings.TrimSuffix(arn, ":*"), ":", 7)
	if len(f) != 7 || f[2] != "logs" || f[5] != "log-group" {
		return false
	}
	return svc.Groups[f[4]+"/"+f[3]][f[6]] != nil
}
