package awssim

import (
	"net/http"
	"sort"
	"sync"
	"time"
)

// AWS Config: config rules and their evaluations, per account and region,
// and the configuration recorder and delivery channel (config_recorder.go).
//
// Rules do not evaluate resources by themselves: results come from
// PutEvaluations, as a custom rule's function reports them. The
// simulator's ResultToken names the rule the evaluations are for (its name,
// ARN or ID) instead of being an opaque token issued to the function.

type configService struct {
	s *Server
	// Rules are keyed by scopeKey, then by rule name.
	Rules map[string]map[string]*configRule
	// Recorders and Channels are keyed by scopeKey, then by name
	// (config_recorder.go).
	Recorders map[string]map[string]*configRecorder
	Channels  map[string]map[string]*configChannel
}

type configRule struct {
	Name        string
	ARN         string
	ID          string
	Description string
	// Rule holds the ConfigRule members as the caller sent them (Source,
	// Scope, InputParameters, MaximumExecutionFrequency, EvaluationModes).
	Rule  map[string]any
	State string
	// CreatedBy names the service that created a service-linked rule.
	CreatedBy   string
	Evaluations map[string]*configEvaluation // by resource type + "/" + resource ID
	InvokedAt   time.Time
}

type configEvaluation struct {
	ResourceType   string
	ResourceID     string
	ComplianceType string
	Annotation     string
	Ordering       time.Time
	Recorded       time.Time
	ResultToken    string
}

func newConfig(s *Server) *serviceDef {
	svc := &configService{s: s, Rules: map[string]map[string]*configRule{},
		Recorders: map[string]map[string]*configRecorder{}, Channels: map[string]map[string]*configChannel{}}
	def := &serviceDef{
		State: svc, Name: "config", EventSource: "config.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "StarlingDoveService",
		JSON: map[string]jsonHandler{
			"PutConfigRule":                      svc.putConfigRule,
			"DescribeConfigRules":                svc.describeConfigRules,
			"DeleteConfigRule":                   svc.deleteConfigRule,
			"PutEvaluations":                     svc.putEvaluations,
			"GetComplianceDetailsByConfigRule":   svc.getComplianceDetailsByConfigRule,
			"DescribeComplianceByConfigRule":     svc.describeComplianceByConfigRule,
			"StartConfigRulesEvaluation":         svc.startConfigRulesEvaluation,
			"DescribeConfigRuleEvaluationStatus": svc.describeConfigRuleEvaluationStatus,
		},
	}
	svc.addRecorderOps(def)
	return def
}

func configInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterValueException", format, args...)
}

func configNoSuchRule(name string) *Error {
	return errorf(http.StatusBadRequest, "NoSuchConfigRuleException", "The ConfigRule '%s' provided in the request is invalid. Please check the configRule name.", name)
}

func (svc *configService) rules(c *call) map[string]*configRule {
	return scoped(svc.Rules, c)
}

var configRuleNameRE = lazyRegexp(`^[^\s]{1,128}$`)

func (svc *configService) putConfigRule(c *call, body []byte) (any, error) {
	var in struct {
		ConfigRule map[string]any
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.ConfigRule == nil {
		return nil, configInvalid("ConfigRule is required")
	}
	name, _ := in.ConfigRule["ConfigRuleName"].(string)
	arn, _ := in.ConfigRule["ConfigRuleArn"].(string)
	id, _ := in.ConfigRule["ConfigRuleId"].(string)
	rules := svc.rules(c)
	var existing *configRule
	switch {
	case name != "":
		existing = rules[name]
	case arn != "" || id != "":
		for _, r := range rules {
			if r.ARN == arn || r.ID == id {
				existing = r
			}
		}
		if existing == nil {
			return nil, configNoSuchRule(arn + id)
		}
		name = existing.Name
	default:
		return nil, configInvalid("ConfigRule.ConfigRuleName is required")
	}
	if !configRuleNameRE().MatchString(name) {
		return nil, configInvalid("ConfigRuleName %q must be 1 to 128 characters without spaces", name)
	}
	src, _ := in.ConfigRule["Source"].(map[string]any)
	owner, _ := src["Owner"].(string)
	switch owner {
	case "AWS", "CUSTOM_LAMBDA":
		if ident, _ := src["SourceIdentifier"].(string); ident == "" {
			return nil, configInvalid("Source.SourceIdentifier is required for owner %s", owner)
		}
	case "CUSTOM_POLICY":
	default:
		return nil, configInvalid("Source.Owner %q is not AWS, CUSTOM_LAMBDA or CUSTOM_POLICY", owner)
	}
	if existing != nil && existing.State == "DELETING" {
		return nil, errorf(http.StatusBadRequest, "ResourceInUseException", "The rule %s is being deleted.", name)
	}
	if existing == nil && len(rules) >= 1000 {
		return nil, errorf(http.StatusBadRequest, "MaxNumberOfConfigRulesExceededException", "Failed to put rule %s: the maximum number of config rules is 1000.", name)
	}
	rule := map[string]any{}
	for k, v := range in.ConfigRule {
		switch k {
		case "ConfigRuleName", "ConfigRuleArn", "ConfigRuleId", "ConfigRuleState", "CreatedBy":
		default:
			rule[k] = v
		}
	}
	if existing == nil {
		rid := "config-rule-" + c.newID("", 6)
		existing = &configRule{
			Name: name, ID: rid, State: "ACTIVE", Evaluations: map[string]*configEvaluation{},
			ARN: "arn:" + c.partition() + ":config:" + c.region + ":" + c.Account() + ":config-rule/" + rid,
		}
		rules[name] = existing
	}
	existing.Rule = rule
	if d, ok := rule["Description"].(string); ok {
		existing.Description = d
	}
	c.trailResources = []TrailResource{{ARN: existing.ARN, AccountID: c.Account(), Type: "AWS::Config::ConfigRule", Name: name}}
	return nil, nil
}

func (r *configRule) json() map[string]any {
	out := map[string]any{}
	for k, v := range r.Rule {
		out[k] = v
	}
	out["ConfigRuleName"], out["ConfigRuleArn"], out["ConfigRuleId"], out["ConfigRuleState"] = r.Name, r.ARN, r.ID, r.State
	if r.CreatedBy != "" {
		out["CreatedBy"] = r.CreatedBy
	}
	if _, ok := out["EvaluationModes"]; !ok {
		out["EvaluationModes"] = []any{map[string]any{"Mode": "DETECTIVE"}}
	}
	return out
}

func (svc *configService) rule(c *call, name string) (*configRule, error) {
	if name == "" {
		return nil, configInvalid("ConfigRuleName is required")
	}
	r := svc.rules(c)[name]
	if r == nil {
		return nil, configNoSuchRule(name)
	}
	return r, nil
}

// selectRules returns the named rules, or all of them sorted by name.
func (svc *configService) selectRules(c *call, names []string) ([]*configRule, error) {
	var out []*configRule
	if len(names) > 0 {
		for _, n := range names {
			r, err := svc.rule(c, n)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	for _, n := range sortedKeys(svc.rules(c)) {
		out = append(out, svc.rules(c)[n])
	}
	return out, nil
}

// page returns the rules after the token's position, at most limit, and
// the next token.
func configPage(rules []*configRule, token string, limit int) ([]*configRule, string, error) {
	start := 0
	if token != "" {
		after, ok := pagePosition(token)
		if !ok {
			return nil, "", errorf(http.StatusBadRequest, "InvalidNextTokenException", "The nextToken provided is invalid")
		}
		start = len(rules)
		for i, r := range rules {
			if r.Name > after {
				start = i
				break
			}
		}
	}
	end := min(start+limit, len(rules))
	next := ""
	if end < len(rules) {
		next = pageToken(rules[end-1].Name)
	}
	return rules[start:end], next, nil
}

func (svc *configService) describeConfigRules(c *call, body []byte) (any, error) {
	var in struct {
		ConfigRuleNames []string
		NextToken       string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	rules, err := svc.selectRules(c, in.ConfigRuleNames)
	if err != nil {
		return nil, err
	}
	page, next, err := configPage(rules, in.NextToken, 25)
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, r := range page {
		list = append(list, r.json())
	}
	out := map[string]any{"ConfigRules": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (svc *configService) deleteConfigRule(c *call, body []byte) (any, error) {
	var in struct{ ConfigRuleName string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	r, err := svc.rule(c, in.ConfigRuleName)
	if err != nil {
		return nil, err
	}
	delete(svc.rules(c), r.Name)
	c.trailResources = []TrailResource{{ARN: r.ARN, AccountID: c.Account(), Type: "AWS::Config::ConfigRule", Name: r.Name}}
	return nil, nil
}

var configComplianceTypes = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"COMPLIANT": true, "NON_COMPLIANT": true, "NOT_APPLICABLE": true, "INSUFFICIENT_DATA": true}
})

func (svc *configService) putEvaluations(c *call, body []byte) (any, error) {
	var in struct {
		Evaluations []struct {
			ComplianceResourceType string
			ComplianceResourceID   string `json:"ComplianceResourceId"`
			ComplianceType         string
			Annotation             string
			OrderingTimestamp      *epochSec
		}
		ResultToken string
		TestMode    bool
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	var rule *configRule
	for _, r := range svc.rules(c) {
		if in.ResultToken != "" && (r.Name == in.ResultToken || r.ARN == in.ResultToken || r.ID == in.ResultToken) {
			rule = r
		}
	}
	if rule == nil {
		return nil, errorf(http.StatusBadRequest, "InvalidResultTokenException", "The resultToken provided is invalid")
	}
	if len(in.Evaluations) > 100 {
		return nil, configInvalid("Evaluations must hold at most 100 evaluations, not %d", len(in.Evaluations))
	}
	for i, e := range in.Evaluations {
		switch {
		case e.ComplianceResourceType == "" || e.ComplianceResourceID == "" || e.OrderingTimestamp == nil:
			return nil, configInvalid("Evaluations[%d] needs ComplianceResourceType, ComplianceResourceId and OrderingTimestamp", i)
		case !configComplianceTypes()[e.ComplianceType] || e.ComplianceType == "INSUFFICIENT_DATA":
			return nil, configInvalid("Evaluations[%d].ComplianceType %q must be COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE", i, e.ComplianceType)
		case len(e.Annotation) > 256:
			return nil, configInvalid("Evaluations[%d].Annotation is longer than 256 characters", i)
		}
	}
	if !in.TestMode {
		for _, e := range in.Evaluations {
			k := e.ComplianceResourceType + "/" + e.ComplianceResourceID
			ordering := time.Time(*e.OrderingTimestamp)
			// An evaluation older than the one recorded does not replace it.
			if old := rule.Evaluations[k]; old != nil && ordering.Before(old.Ordering) {
				continue
			}
			rule.Evaluations[k] = &configEvaluation{
				ResourceType: e.ComplianceResourceType, ResourceID: e.ComplianceResourceID, ComplianceType: e.ComplianceType,
				Annotation: e.Annotation, Ordering: ordering, Recorded: c.now, ResultToken: in.ResultToken,
			}
		}
		if rule.InvokedAt.IsZero() {
			rule.InvokedAt = c.now
		}
	}
	return map[string]any{"FailedEvaluations": []any{}}, nil
}

func (svc *configService) getComplianceDetailsByConfigRule(c *call, body []byte) (any, error) {
	var in struct {
		ConfigRuleName  string
		ComplianceTypes []string
		Limit           *int
		NextToken       string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	r, err := svc.rule(c, in.ConfigRuleName)
	if err != nil {
		return nil, err
	}
	limit := 10
	if in.Limit != nil {
		if *in.Limit < 0 || *in.Limit > 100 {
			return nil, errorf(http.StatusBadRequest, "InvalidLimitException", "Limit must be between 0 and 100, not %d", *in.Limit)
		}
		if *in.Limit > 0 {
			limit = *in.Limit
		}
	}
	want := map[string]bool{}
	for _, t := range in.ComplianceTypes {
		if !configComplianceTypes()[t] {
			return nil, configInvalid("ComplianceTypes: %q is not a compliance type", t)
		}
		want[t] = true
	}
	keys := sortedKeys(r.Evaluations)
	start := 0
	if in.NextToken != "" {
		after, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "InvalidNextTokenException", "The nextToken provided is invalid")
		}
		start = sort.SearchStrings(keys, after)
		if start < len(keys) && keys[start] == after {
			start++
		}
	}
	type qualifier struct {
		ConfigRuleName string `json:"ConfigRuleName"`
		ResourceType   string `json:"ResourceType"`
		ResourceID     string `json:"ResourceId"`
		EvaluationMode string `json:"EvaluationMode"`
	}
	type identifier struct {
		EvaluationResultQualifier qualifier `json:"EvaluationResultQualifier"`
		OrderingTimestamp         epochSec  `json:"OrderingTimestamp"`
	}
	type result struct {
		EvaluationResultIdentifier identifier `json:"EvaluationResultIdentifier"`
		ComplianceType             string     `json:"ComplianceType"`
		ResultRecordedTime         epochSec   `json:"ResultRecordedTime"`
		ConfigRuleInvokedTime      epochSec   `json:"ConfigRuleInvokedTime"`
		Annotation                 string     `json:"Annotation,omitempty"`
		ResultToken                string     `json:"ResultToken,omitempty"`
	}
	list := []result{}
	out := map[string]any{}
	for i := start; i < len(keys); i++ {
		e := r.Evaluations[keys[i]]
		if len(want) > 0 && !want[e.ComplianceType] {
			continue
		}
		if len(list) == limit {
			out["NextToken"] = pageToken(keys[i-1])
			break
		}
		list = append(list, result{
			EvaluationResultIdentifier: identifier{qualifier{r.Name, e.ResourceType, e.ResourceID, "DETECTIVE"}, epochSec(e.Ordering)},
			ComplianceType:             e.ComplianceType, ResultRecordedTime: epochSec(e.Recorded), ConfigRuleInvokedTime: epochSec(e.Recorded),
			Annotation: e.Annotation, ResultToken: e.ResultToken,
		})
	}
	out["EvaluationResults"] = list
	return out, nil
}

// compliance summarizes a rule's results: NON_COMPLIANT if any resource is,
// COMPLIANT if some are and none is not, INSUFFICIENT_DATA otherwise.
func (r *configRule) compliance() (string, int) {
	nonCompliant, compliant := 0, 0
	for _, e := range r.Evaluations {
		switch e.ComplianceType {
		case "NON_COMPLIANT":
			nonCompliant++
		case "COMPLIANT":
			compliant++
		}
	}
	switch {
	case nonCompliant > 0:
		return "NON_COMPLIANT", nonCompliant
	case compliant > 0:
		return "COMPLIANT", 0
	default:
		return "INSUFFICIENT_DATA", 0
	}
}

func (svc *configService) describeComplianceByConfigRule(c *call, body []byte) (any, error) {
	var in struct {
		ConfigRuleNames []string
		ComplianceTypes []string
		NextToken       string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range in.ComplianceTypes {
		if !configComplianceTypes()[t] || t == "NOT_APPLICABLE" {
			return nil, configInvalid("ComplianceTypes: %q is not COMPLIANT, NON_COMPLIANT or INSUFFICIENT_DATA", t)
		}
		want[t] = true
	}
	rules, err := svc.selectRules(c, in.ConfigRuleNames)
	if err != nil {
		return nil, err
	}
	var selected []*configRule
	for _, r := range rules {
		if t, _ := r.compliance(); len(want) == 0 || want[t] {
			selected = append(selected, r)
		}
	}
	page, next, err := configPage(selected, in.NextToken, 25)
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, r := range page {
		t, n := r.compliance()
		comp := map[string]any{"ComplianceType": t}
		if t == "NON_COMPLIANT" {
			comp["ComplianceContributorCount"] = map[string]any{"CappedCount": min(n, 100), "CapExceeded": n > 100}
		}
		list = append(list, map[string]any{"ConfigRuleName": r.Name, "Compliance": comp})
	}
	out := map[string]any{"ComplianceByConfigRules": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (svc *configService) startConfigRulesEvaluation(c *call, body []byte) (any, error) {
	var in struct{ ConfigRuleNames []string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.ConfigRuleNames) == 0 || len(in.ConfigRuleNames) > 25 {
		return nil, errorf(http.StatusBadRequest, "LimitExceededException", "ConfigRuleNames must hold 1 to 25 rules, not %d", len(in.ConfigRuleNames))
	}
	rules, err := svc.selectRules(c, in.ConfigRuleNames)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		r.InvokedAt = c.now
	}
	return map[string]any{}, nil
}

func (svc *configService) describeConfigRuleEvaluationStatus(c *call, body []byte) (any, error) {
	var in struct{ ConfigRuleNames []string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	rules, err := svc.selectRules(c, in.ConfigRuleNames)
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, r := range rules {
		st := map[string]any{"ConfigRuleName": r.Name, "ConfigRuleArn": r.ARN, "ConfigRuleId": r.ID, "FirstEvaluationStarted": !r.InvokedAt.IsZero()}
		if !r.InvokedAt.IsZero() {
			st["LastSuccessfulInvocationTime"] = epochSec(r.InvokedAt)
			st["FirstActivatedTime"] = epochSec(r.InvokedAt)
		}
		list = append(list, st)
	}
	return map[string]any{"ConfigRulesEvaluationStatus": list}, nil
}
