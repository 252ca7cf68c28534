package awssim

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// CloudFormation: stacks, their template, parameters, capabilities,
// notification topics and tags. No resources are made. A stack is
// CREATE_IN_PROGRESS or UPDATE_IN_PROGRESS for stackOperationTime of
// simulated time, then CREATE_COMPLETE or UPDATE_COMPLETE, and cannot be
// updated meanwhile. The template (JSON or YAML) is read for its
// parameters, with their defaults, and for IAM resources, which need
// CAPABILITY_IAM or CAPABILITY_NAMED_IAM. In UpdateStack a declared
// parameter takes its given value, its previous value (UsePreviousValue) or
// its default, and an update that changes nothing is refused, as in
// CloudFormation. NotificationARNs, when given, replace the stack's topics
// (an empty list removes them); omitted, they are kept. State is per
// account and region.

const cloudformationXMLNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// stackOperationTime is how long a stack creation or update takes.
const stackOperationTime = 30 * time.Second

type cloudformationService struct {
	s *Server
	// Stacks is keyed by scopeKey, then by stack name.
	Stacks map[string]map[string]*cfnStack
}

type cfnStack struct {
	Name, ID         string
	Template         string
	Parameters       map[string]string
	Capabilities     []string
	NotificationARNs []string
	Tags             []cfnTag
	Operation        string // CREATE or UPDATE
	Started          time.Time
	Created          time.Time
	Updated          time.Time `json:",omitempty"`
	Protected        bool
}

type cfnTag struct{ Key, Value string }

func newCloudFormation(s *Server) *serviceDef {
	svc := &cloudformationService{s: s, Stacks: map[string]map[string]*cfnStack{}}
	return &serviceDef{
		Name: "cloudformation", EventSource: "cloudformation.amazonaws.com", Protocol: protoQuery, XMLNS: cloudformationXMLNS,
		State: svc,
		Query: map[string]queryHandler{
			"CreateStack":    svc.createStack,
			"DescribeStacks": svc.describeStacks,
			"UpdateStack":    svc.updateStack,
			"DeleteStack":    svc.deleteStack,
			"GetTemplate":    svc.getTemplate,
		},
		Resources: func(c *call) ([]string, bool) {
			ref := c.param("StackName")
			if ref == "" {
				return noResource()
			}
			if st := svc.stack(c, ref); st != nil {
				return []string{st.ID}, true
			}
			if strings.HasPrefix(ref, "arn:") {
				return []string{ref}, true
			}
			return []string{c.arn("cloudformation", "stack/"+ref+"/*")}, true
		},
	}
}

func cfnValidation(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ValidationError", format, args...)
}

func (svc *cloudformationService) stacks(c *call) map[string]*cfnStack { return scoped(svc.Stacks, c) }

// stack finds a stack by name or stack ID.
func (svc *cloudformationService) stack(c *call, ref string) *cfnStack {
	if strings.HasPrefix(ref, "arn:") {
		for _, st := range svc.stacks(c) {
			if st.ID == ref {
				return st
			}
		}
		return nil
	}
	return svc.stacks(c)[ref]
}

// status is the stack's status at now.
func (st *cfnStack) status(now time.Time) string {
	if now.Before(st.Started.Add(stackOperationTime)) {
		return st.Operation + "_IN_PROGRESS"
	}
	return st.Operation + "_COMPLETE"
}

// cfnTemplate is what the simulator reads from a template.
type cfnTemplate struct {
	Parameters map[string]*string // name → default, nil when it has none
	NeedsIAM   bool
	NamedIAM   bool
}

func parseTemplate(body string) (*cfnTemplate, error) {
	if strings.TrimSpace(body) == "" {
		return nil, cfnValidation("Template format error: template body is empty")
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(body), &root); err != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, cfnValidation("Template format error: JSON not well-formed or YAML not well-formed")
	}
	t := &cfnTemplate{Parameters: map[string]*string{}}
	top := root.Content[0]
	hasResources := false
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i].Value, top.Content[i+1]
		switch key {
		case "Parameters":
			for j := 0; j+1 < len(val.Content); j += 2 {
				name, def := val.Content[j].Value, val.Content[j+1]
				var dflt *string
				for k := 0; k+1 < len(def.Content); k += 2 {
					if def.Content[k].Value == "Default" {
						v := def.Content[k+1].Value
						dflt = &v
					}
				}
				t.Parameters[name] = dflt
			}
		case "Resources":
			hasResources = len(val.Content) > 0
			for j := 0; j+1 < len(val.Content); j += 2 {
				res := val.Content[j+1]
				for k := 0; k+1 < len(res.Content); k += 2 {
					if res.Content[k].Value != "Type" {
						continue
					}
					typ := res.Content[k+1].Value
					if strings.HasPrefix(typ, "AWS::IAM::") {
						t.NeedsIAM = true
						props := map[string]bool{}
						for p := 0; p+1 < len(res.Content); p += 2 {
							if res.Content[p].Value == "Properties" {
								for q := 0; q+1 < len(res.Content[p+1].Content); q += 2 {
									props[res.Content[p+1].Content[q].Value] = true
								}
							}
						}
						if props["RoleName"] || props["UserName"] || props["GroupName"] || props["ManagedPolicyName"] || props["InstanceProfileName"] {
							t.NamedIAM = true
						}
					}
				}
			}
		}
	}
	if !hasResources {
		return nil, cfnValidation("Template format error: At least one Resources member must be defined.")
	}
	return t, nil
}

// checkCapabilities refuses a template whose IAM resources the capabilities
// do not acknowledge.
func (t *cfnTemplate) checkCapabilities(caps []string) error {
	has := func(c string) bool { return contains(caps, c) }
	switch {
	case t.NamedIAM && !has("CAPABILITY_NAMED_IAM"):
		return errorf(http.StatusBadRequest, "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]")
	case t.NeedsIAM && !has("CAPABILITY_IAM") && !has("CAPABILITY_NAMED_IAM"):
		return errorf(http.StatusBadRequest, "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]")
	}
	return nil
}

// resolveParameters gives every declared parameter its value: given,
// previous (UsePreviousValue) or default.
func resolveParameters(in url.Values, t *cfnTemplate, previous map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range queryStructs(in, "Parameters") {
		key := p.Get("ParameterKey")
		if _, declared := t.Parameters[key]; !declared {
			return nil, cfnValidation("Parameters: [%s] do not exist in the template", key)
		}
		if p.Get("UsePreviousValue") == "true" {
			if _, given := p["ParameterValue"]; given {
				return nil, cfnValidation("Invalid input for parameter key %s. Cannot specify usePreviousValue as true and non empty value for a parameter", key)
			}
			v, ok := previous[key]
			if !ok {
				return nil, cfnValidation("Invalid input for parameter key %s. Cannot specify usePreviousValue as true for a parameter key not in the previous template", key)
			}
			out[key] = v
			continue
		}
		out[key] = p.Get("ParameterValue")
	}
	var missing []string
	for key, dflt := range t.Parameters {
		if _, ok := out[key]; ok {
			continue
		}
		if dflt == nil {
			missing = append(missing, key)
			continue
		}
		out[key] = *dflt
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, cfnValidation("Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	return out, nil
}

// notificationARNs reads NotificationARNs: nil when absent, empty when
// given as an empty list.
func notificationARNs(in url.Values) ([]string, error) {
	list := queryList(in, "NotificationARNs")
	if len(list) == 0 {
		if _, empty := in["NotificationARNs"]; empty {
			return []string{}, nil
		}
		return nil, nil
	}
	if len(list) > 5 {
		return nil, cfnValidation("1 validation error detected: Value at 'notificationARNs' failed to satisfy constraint: Member must have length less than or equal to 5")
	}
	for _, a := range list {
		if !strings.HasPrefix(a, "arn:") || !strings.Contains(a, ":sns:") {
			return nil, cfnValidation("Notification ARN %s is not a valid SNS topic ARN", a)
		}
	}
	return list, nil
}

func (svc *cloudformationService) createStack(c *call, in url.Values) (any, error) {
	name, err := required(in, "StackName")
	if err != nil {
		return nil, err
	}
	if len(name) > 128 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" || !strings.ContainsAny(name[:1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return nil, cfnValidation("1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name)
	}
	if svc.stacks(c)[name] != nil {
		return nil, errorf(http.StatusBadRequest, "AlreadyExistsException", "Stack [%s] already exists", name)
	}
	if in.Get("TemplateURL") != "" {
		return nil, cfnValidation("The simulated CreateStack takes TemplateBody, not TemplateURL")
	}
	t, err := parseTemplate(in.Get("TemplateBody"))
	if err != nil {
		return nil, err
	}
	caps := queryList(in, "Capabilities")
	if err := t.checkCapabilities(caps); err != nil {
		return nil, err
	}
	params, err := resolveParameters(in, t, nil)
	if err != nil {
		return nil, err
	}
	topics, err := notificationARNs(in)
	if err != nil {
		return nil, err
	}
	st := &cfnStack{Name: name, ID: c.arn("cloudformation", "stack/"+name+"/"+c.s.newUUIDLocked()), Template: in.Get("TemplateBody"),
		Parameters: params, Capabilities: caps, NotificationARNs: topics, Operation: "CREATE", Started: c.now, Created: c.now,
		Protected: in.Get("EnableTerminationProtection") == "true"}
	for _, tg := range queryStructs(in, "Tags") {
		st.Tags = append(st.Tags, cfnTag{tg.Get("Key"), tg.Get("Value")})
	}
	svc.stacks(c)[name] = st
	c.trailResources = []TrailResource{{ARN: st.ID, AccountID: c.Account(), Type: "AWS::CloudFormation::Stack", Name: name}}
	return struct {
		StackID string `xml:"StackId"`
	}{st.ID}, nil
}

type xCFNParameter struct {
	Key   string `xml:"ParameterKey"`
	Value string `xml:"ParameterValue"`
}

type xCFNStack struct {
	ID               string          `xml:"StackId"`
	Name             string          `xml:"StackName"`
	Parameters       []xCFNParameter `xml:"Parameters>member"`
	Created          string          `xml:"CreationTime"`
	Updated          string          `xml:"LastUpdatedTime,omitempty"`
	Status           string          `xml:"StackStatus"`
	DisableRollback  bool            `xml:"DisableRollback"`
	NotificationARNs []string        `xml:"NotificationARNs>member"`
	Capabilities     []string        `xml:"Capabilities>member"`
	Tags             []cfnTag        `xml:"Tags>member"`
	Protected        bool            `xml:"EnableTerminationProtection"`
	Drift            string          `xml:"DriftInformation>StackDriftStatus"`
}

func (st *cfnStack) xml(now time.Time) xCFNStack {
	x := xCFNStack{ID: st.ID, Name: st.Name, Created: isoTime(st.Created), Updated: isoTime(st.Updated), Status: st.status(now),
		NotificationARNs: st.NotificationARNs, Capabilities: st.Capabilities, Tags: st.Tags, Protected: st.Protected, Drift: "NOT_CHECKED"}
	for _, k := range sortedKeys(st.Parameters) {
		x.Parameters = append(x.Parameters, xCFNParameter{k, st.Parameters[k]})
	}
	return x
}

func (svc *cloudformationService) describeStacks(c *call, in url.Values) (any, error) {
	var out []xCFNStack
	if ref := in.Get("StackName"); ref != "" {
		st := svc.stack(c, ref)
		if st == nil {
			return nil, cfnValidation("Stack with id %s does not exist", ref)
		}
		out = append(out, st.xml(c.now))
	} else {
		for _, n := range sortedKeys(svc.stacks(c)) {
			out = append(out, svc.stacks(c)[n].xml(c.now))
		}
	}
	return struct {
		Stacks []xCFNStack `xml:"Stacks>member"`
	}{out}, nil
}

func (svc *cloudformationService) getTemplate(c *call, in url.Values) (any, error) {
	ref, err := required(in, "StackName")
	if err != nil {
		return nil, err
	}
	st := svc.stack(c, ref)
	if st == nil {
		return nil, cfnValidation("Stack with id %s does not exist", ref)
	}
	return struct {
		Body   string   `xml:"TemplateBody"`
		Stages []string `xml:"StagesAvailable>member"`
	}{st.Template, []string{"Original", "Processed"}}, nil
}

func (svc *cloudformationService) updateStack(c *call, in url.Values) (any, error) {
	ref, err := required(in, "StackName")
	if err != nil {
		return nil, err
	}
	st := svc.stack(c, ref)
	if st == nil {
		return nil, cfnValidation("Stack [%s] does not exist", ref)
	}
	c.trailResources = []TrailResource{{ARN: st.ID, AccountID: c.Account(), Type: "AWS::CloudFormation::Stack", Name: st.Name}}
	if status := st.status(c.now); strings.HasSuffix(status, "_IN_PROGRESS") {
		return nil, cfnValidation("Stack:%s is in %s state and can not be updated.", st.ID, status)
	}
	body := in.Get("TemplateBody")
	switch {
	case in.Get("UsePreviousTemplate") == "true" && body != "":
		return nil, cfnValidation("Exactly one of TemplateBody, TemplateURL or UsePreviousTemplate must be given")
	case in.Get("UsePreviousTemplate") == "true":
		body = st.Template
	case body == "":
		return nil, cfnValidation("Either Template URL or Template Body must be specified.")
	}
	t, err := parseTemplate(body)
	if err != nil {
		return nil, err
	}
	caps := queryList(in, "Capabilities")
	if err := t.checkCapabilities(caps); err != nil {
		return nil, err
	}
	params, err := resolveParameters(in, t, st.Parameters)
	if err != nil {
		return nil, err
	}
	topics, err := notificationARNs(in)
	if err != nil {
		return nil, err
	}
	if topics == nil {
		topics = st.NotificationARNs
	}
	tags := st.Tags
	if specs := queryStructs(in, "Tags"); len(specs) > 0 {
		tags = nil
		for _, tg := range specs {
			tags = append(tags, cfnTag{tg.Get("Key"), tg.Get("Value")})
		}
	}
	same := body == st.Template && len(params) == len(st.Parameters) && sameStrings(topics, st.NotificationARNs) && len(tags) == len(st.Tags)
	for k, v := range params {
		same = same && st.Parameters[k] == v
	}
	for i := range tags {
		same = same && i < len(st.Tags) && tags[i] == st.Tags[i]
	}
	if same {
		return nil, cfnValidation("No updates are to be performed.")
	}
	st.Template, st.Parameters, st.Capabilities, st.NotificationARNs, st.Tags = body, params, caps, topics, tags
	st.Operation, st.Started, st.Updated = "UPDATE", c.now, c.now
	return struct {
		StackID string `xml:"StackId"`
	}{st.ID}, nil
}

// sameStrings reports whether a and b hold the same strings in any order.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func (svc *cloudformationService) deleteStack(c *call, in url.Values) (any, error) {
	ref, err := required(in, "StackName")
	if err != nil {
		return nil, err
	}
	st := svc.stack(c, ref)
	if st == nil {
		return nil, nil
	}
	if st.Protected {
		return nil, cfnValidation("Stack [%s] cannot be deleted while TerminationProtection is enabled", st.Name)
	}
	delete(svc.stacks(c), st.Name)
	return nil, nil
}
