package playbook

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rectify-dev/rectify/internal/control"
	"github.com/rectify-dev/rectify/internal/spelling"
)

// The detail-types of Security Hub's finding events.
const (
	DetailTypeImported     = "Security Hub Findings - Imported"
	DetailTypeCustomAction = "Security Hub Findings - Custom Action"
)

// The parameters rectify declares on every control playbook, unless the
// playbook declares them itself.
const (
	// ParamCustomActions lists the Security Hub custom action names that
	// ask for remediation.
	ParamCustomActions = "custom_actions"
	// ParamFindingAccount says whose Security Hub the finding is updated
	// in: "target" or "central" (see securityhub.update-finding's
	// in_account).
	ParamFindingAccount = "finding_account"
)

// The ids of the steps rectify adds to control playbooks.
const (
	// ReportStep resolves the finding after the playbook's steps.
	ReportStep = "resolve_finding"
	// FailureStep reports a failed run on the finding.
	FailureStep = "report_failure"
)

// DefaultCustomAction is the custom action that asks for remediation when
// configuration names none.
const DefaultCustomAction = "Remediate"

// ControlOptions configure what rectify supplies to control playbooks.
type ControlOptions struct {
	// CustomActions are the default of the custom_actions parameter; nil
	// means [DefaultCustomAction].
	CustomActions []string
	// FindingAccount is the default of the finding_account parameter,
	// "target" or "central"; "" means "target".
	FindingAccount string
}

// reportStep is the step rectify appends to a control playbook: it sets
// the finding RESOLVED with a note naming what the run changed, appended
// to the note the finding has. A planned run, which has run no step yet,
// says what the note will hold.
const reportStep = `id: ` + ReportStep + `
action: securityhub.update-finding
not_found: continue
with:
  workflow_status: RESOLVED
  in_account: ${params.finding_account}
  note: >-
    ${size(run.changes) > 0
    ? "rectify remediated Security Hub control " + target.attributes.controlId + " on " + target.type + " " + target.id + ": " + run.changes.join("; ")
    : run.summary != ""
    ? "rectify found nothing to change for Security Hub control " + target.attributes.controlId + " on " + target.type + " " + target.id + ": " + run.summary
    : "rectify remediates Security Hub control " + target.attributes.controlId + " on " + target.type + " " + target.id + " (the note will name what changed)"}
`

// failureStep is the step rectify runs when a control playbook's run
// fails: the finding is set NOTIFIED, so that later imports of it do not
// start the failing fix again (a custom action still does), with a note
// saying why.
const failureStep = `id: ` + FailureStep + `
action: securityhub.update-finding
not_found: continue
with:
  workflow_status: NOTIFIED
  in_account: ${params.finding_account}
  note: >-
    ${"rectify could not fix Security Hub control " + target.attributes.controlId + " on " + target.type + " " + target.id + ": " + run.error}
`

// controls decodes the controls field: a list of consolidated control ids,
// or a mapping of ids to the parameter values the playbook gives each.
func (d *decoder) controls(pb *Playbook, p pair) {
	n := resolve(p.v)
	type entry struct {
		id   string
		node *yaml.Node
		vals *yaml.Node
	}
	var entries []entry
	switch n.Kind {
	case yaml.SequenceNode:
		for i, e := range n.Content {
			if s, ok := d.str(e, fmt.Sprintf("controls[%d]", i)); ok {
				entries = append(entries, entry{id: s, node: resolve(e)})
			}
		}
	case yaml.MappingNode:
		pairs, _ := d.mapping(n, "controls", nil)
		for _, q := range pairs {
			entries = append(entries, entry{id: q.key, node: q.k, vals: q.v})
		}
	default:
		d.errorf(n, "controls", "want a list of Security Hub control ids, or a mapping of ids to parameter values, got %s", kindName(n))
		return
	}
	if len(entries) == 0 {
		d.errorf(n, "controls", "must name at least one Security Hub control")
		return
	}
	seen := map[string]bool{}
	for _, e := range entries {
		field := "controls." + e.id
		c, ok := control.Lookup(e.id)
		if !ok {
			d.errorf(e.node, field, "unknown Security Hub control %q%s", e.id, controlHint(e.id))
			continue
		}
		if seen[c.ID] {
			d.errorf(e.node, field, "control %s is listed twice", c.ID)
			continue
		}
		seen[c.ID] = true
		pb.Controls = append(pb.Controls, c.ID)
		if e.vals == nil || resolve(e.vals).ShortTag() == "!!null" {
			continue
		}
		vals, ok := d.mapping(e.vals, field, nil)
		if !ok {
			continue
		}
		for _, q := range vals {
			def, declared := pb.Defaults[q.key]
			if !declared {
				d.errorf(q.k, q.field, "unknown parameter %q%s", q.key, paramsHint(q.key, pb))
				continue
			}
			v, ok := d.value(q.v, q.field)
			if !ok {
				continue
			}
			if dk, vk := valueKind(def), valueKind(v); def != nil && dk != vk {
				d.errorf(q.v, q.field, "want a %s like the default %s, got %s", dk, jsonText(def), vk)
				continue
			}
			if pb.ControlDefaults == nil {
				pb.ControlDefaults = map[string]map[string]any{}
			}
			if pb.ControlDefaults[c.ID] == nil {
				pb.ControlDefaults[c.ID] = map[string]any{}
			}
			pb.ControlDefaults[c.ID][q.key] = v
		}
	}
	slices.SortFunc(pb.Controls, control.Compare)
}

// controlHint suggests the control meant by an unknown id: the control a
// standard-specific id names, or the closest consolidated id.
func controlHint(id string) string {
	if ms := control.Find(id); len(ms) > 0 {
		var names []string
		for _, m := range ms {
			s := m.Control.ID
			if m.Ref.Standard != 0 {
				s += " (" + m.Ref.Standard.String() + " " + m.Control.StandardID(m.Ref) + ")"
			}
			names = append(names, s)
		}
		return "; controls are named by their consolidated ids: " + strings.Join(names, " or ")
	}
	if m := spelling.Closest(id, control.IDs()); m != "" {
		return " (did you mean " + m + "?)"
	}
	return " (rectify controls lists the known ones)"
}

func paramsHint(name string, pb *Playbook) string {
	if hint := didYouMean(name, sortedKeys(pb.Defaults)); hint != "" {
		return hint
	}
	return " (declare it under params)"
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// controlParams decodes control_params: Security Hub control parameter
// names mapped to the playbook parameters they set.
func (d *decoder) controlParams(pb *Playbook, p pair) {
	pairs, _ := d.mapping(p.v, "control_params", nil)
	targets := map[string]string{}
	for _, q := range pairs {
		if strings.TrimSpace(q.key) == "" {
			d.errorf(q.k, q.field, "empty Security Hub parameter name")
			continue
		}
		name, ok := d.str(q.v, q.field)
		if !ok {
			continue
		}
		if _, declared := pb.Defaults[name]; !declared {
			d.errorf(q.v, q.field, "unknown parameter %q%s", name, paramsHint(name, pb))
			continue
		}
		if prev, dup := targets[name]; dup {
			d.errorf(q.v, q.field, "parameter %s is already set by control parameter %s", name, prev)
			continue
		}
		targets[name] = q.key
		if pb.ControlParams == nil {
			pb.ControlParams = map[string]string{}
		}
		pb.ControlParams[q.key] = name
	}
}

// controlDefaults declares custom_actions and finding_account on a control
// playbook that does not declare them, and checks them when it does.
func (d *decoder) controlDefaults(pb *Playbook, at *yaml.Node) {
	actions := d.opts.Controls.CustomActions
	if actions == nil {
		actions = []string{DefaultCustomAction}
	}
	if v, ok := pb.Defaults[ParamCustomActions]; !ok {
		list := make([]any, len(actions))
		for i, a := range actions {
			list[i] = a
		}
		pb.Defaults[ParamCustomActions] = list
	} else if _, err := stringList(v); err != nil {
		d.errorf(at, "params."+ParamCustomActions, "%v", err)
	}
	account := d.opts.Controls.FindingAccount
	if account == "" {
		account = "target"
	}
	if v, ok := pb.Defaults[ParamFindingAccount]; !ok {
		pb.Defaults[ParamFindingAccount] = account
	} else if s, isStr := v.(string); !isStr || (s != "target" && s != "central") {
		d.errorf(at, "params."+ParamFindingAccount, "want \"target\" or \"central\", got %s", jsonText(v))
	}
}

// controlTrigger returns the EventBridge pattern of a control playbook:
// Security Hub's Imported events with a failed, active finding, and its
// Custom Action events, in both cases with a finding that names one of
// the controls in any of its forms. A pattern matches a batch if any
// finding fits; Check judges each finding.
func controlTrigger(ids []string) ([]byte, error) {
	var gens []string
	for _, id := range ids {
		c, _ := control.Lookup(id)
		gens = append(gens, c.GeneratorIDs()...)
	}
	names := []any{
		map[string]any{"Compliance": map[string]any{"SecurityControlId": ids}},
		map[string]any{"GeneratorId": gens},
	}
	p := map[string]any{
		"source": []string{"aws.securityhub"},
		"$or": []any{
			map[string]any{
				"detail-type": []string{DetailTypeImported},
				"detail": map[string]any{"findings": map[string]any{
					"Compliance":  map[string]any{"Status": []string{"FAILED"}},
					"RecordState": []string{"ACTIVE"},
					"$or":         names,
				}},
			},
			map[string]any{
				"detail-type": []string{DetailTypeCustomAction},
				"detail":      map[string]any{"findings": map[string]any{"$or": names}},
			},
		},
	}
	return json.Marshal(p)
}

// generatedStep decodes one of the steps rectify adds, placing its nodes
// (and so any error) at the position of at.
func (d *decoder) generatedStep(pb *Playbook, src, field string, at *yaml.Node, ids map[string]bool) *Step {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil || len(doc.Content) == 0 {
		d.errorf(at, field, "generated step: %v", err)
		return nil
	}
	var place func(n *yaml.Node)
	place = func(n *yaml.Node) {
		n.Line, n.Column = at.Line, at.Column
		for _, c := range n.Content {
			place(c)
		}
	}
	place(doc.Content[0])
	st := d.step(pb, doc.Content[0], field, ids)
	if st != nil {
		st.Generated = true
	}
	return st
}

// finishControls completes a control playbook once its own fields are
// decoded: the trigger, the report step after its steps and the failure
// step after its own on_failure steps.
func (d *decoder) finishControls(pb *Playbook, at *yaml.Node, ids map[string]bool) {
	for _, id := range [...]string{ReportStep, FailureStep} {
		if ids[id] {
			d.errorf(at, "steps", "step id %s is taken by the step rectify adds to control playbooks; rename the playbook's step", id)
			return
		}
	}
	if len(pb.Steps) == 0 {
		d.errorf(at, "steps", "a control playbook needs steps: rectify resolves the finding after them")
		return
	}
	trigger, err := controlTrigger(pb.Controls)
	if err == nil && d.opts.ValidateTrigger != nil {
		err = d.opts.ValidateTrigger(trigger)
	}
	if err != nil {
		d.errorf(at, "controls", "generated trigger: %v", err)
		return
	}
	pb.Trigger = trigger
	if st := d.generatedStep(pb, reportStep, "controls (step "+ReportStep+")", at, ids); st != nil {
		if len(pb.Verify) > 0 {
			pb.Verify = append(pb.Verify, st)
		} else {
			pb.Steps = append(pb.Steps, st)
		}
	}
	if st := d.generatedStep(pb, failureStep, "controls (step "+FailureStep+")", at, ids); st != nil {
		pb.OnFailure = append(pb.OnFailure, st)
	}
}

// stringList returns v as a list of strings.
func stringList(v any) ([]string, error) {
	switch v := v.(type) {
	case []string:
		return v, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a list of strings, got %s in it", jsonText(e))
			}
			out = append(out, s)
		}
		return out, nil
	case string:
		return []string{v}, nil
	}
	return nil, fmt.Errorf("want a list of strings, got %s", jsonText(v))
}

// Check reports whether the playbook applies to the run vars describe,
// and if not, why: skip is "" when it applies. It tests the condition
// (when) and, for a control playbook, the run's own finding first, in this
// order (the reasons as Check words them):
//
//   - the event is a Security Hub Imported or Custom Action event;
//   - the finding names one of the playbook's controls (target attribute
//     controlId, the consolidated id whatever form the finding used);
//   - its compliance status is FAILED;
//   - its record state is not ARCHIVED;
//   - its workflow status is not SUPPRESSED (whatever the event);
//   - an imported finding's workflow status is NEW (or absent, which
//     Security Hub treats as NEW): a finding rectify or a person already
//     handled (NOTIFIED, RESOLVED) is not acted on again until Security
//     Hub reopens it as NEW, or someone sends it to a custom action;
//   - a custom action's name is one of params.custom_actions.
//
// err is non-nil when the condition cannot be evaluated.
func (p *Playbook) Check(vars Vars) (skip string, err error) {
	if len(p.Controls) > 0 {
		if why := p.checkFinding(vars); why != "" {
			return why, nil
		}
	}
	ok, err := p.When(vars)
	if err != nil {
		return "", err
	}
	if !ok {
		return "condition (when) is false", nil
	}
	return "", nil
}

func (p *Playbook) checkFinding(vars Vars) string {
	kind, _ := vars.Event["detail-type"].(string)
	if kind != DetailTypeImported && kind != DetailTypeCustomAction {
		return fmt.Sprintf("not a Security Hub finding event (detail-type %q)", kind)
	}
	attrs, _ := vars.Target["attributes"].(map[string]any)
	attr := func(k string) string { s, _ := attrs[k].(string); return s }
	id := attr("controlId")
	switch {
	case id == "":
		return "the finding names no Security Hub control rectify knows"
	case !slices.Contains(p.Controls, id):
		return fmt.Sprintf("control %s is not one of this playbook's (%s)", id, strings.Join(p.Controls, ", "))
	}
	if s := attr("complianceStatus"); s != "FAILED" {
		if s == "" {
			return "the finding has no compliance status; only FAILED findings are remediated"
		}
		return fmt.Sprintf("compliance status is %s, not FAILED", s)
	}
	if s := attr("recordState"); s == "ARCHIVED" {
		return "the finding is archived (record state ARCHIVED)"
	}
	workflow := attr("workflowStatus")
	if workflow == "SUPPRESSED" {
		return "workflow status is SUPPRESSED: suppressed findings are never remediated"
	}
	if kind == DetailTypeImported {
		if workflow != "" && workflow != "NEW" {
			return fmt.Sprintf("workflow status is %s, not NEW: imported findings are remediated only while new (send the finding to a custom action to remediate it now)", workflow)
		}
		return ""
	}
	detail, _ := vars.Event["detail"].(map[string]any)
	name, _ := detail["actionName"].(string)
	allowed, err := stringList(vars.Params[ParamCustomActions])
	if err != nil {
		return "params." + ParamCustomActions + ": " + err.Error()
	}
	if !slices.Contains(allowed, name) {
		return fmt.Sprintf("custom action %q is not one of the configured ones (%s)", name, strings.Join(allowed, ", "))
	}
	return ""
}

// ParamsFor returns the parameters of one run of a control playbook:
// params (its defaults with overrides applied, as [Playbook.Params]
// returns them) with, for each parameter that overrides does not set, the
// value the playbook gives the run's control (controls: {ID: {...}}),
// replaced in turn by the value of the control parameter the finding
// carries (control_params). So the order, lowest first, is: the
// playbook's default, its value for the control, the finding's control
// parameter, and configuration. A finding's value is converted to the kind
// of the default: a number, a bool, a string (one value), or a list (each
// value; where the default's elements are numbers, "80,443" is two
// numbers and a range such as "8000-8100" stays text). It
// returns params itself when nothing applies.
func (p *Playbook) ParamsFor(params, overrides map[string]any, controlID string, found map[string][]string) (map[string]any, error) {
	var out map[string]any
	set := func(k string, v any) {
		if _, fixed := overrides[k]; fixed {
			return
		}
		if out == nil {
			out = make(map[string]any, len(params))
			for k, v := range params {
				out[k] = v
			}
		}
		out[k] = v
	}
	for k, v := range p.ControlDefaults[controlID] {
		set(k, v)
	}
	if len(found) == 0 || len(p.ControlParams) == 0 {
		if out == nil {
			return params, nil
		}
		return out, nil
	}
	for _, name := range sortedKeys(p.ControlParams) {
		vals, ok := found[name]
		if !ok {
			continue
		}
		param := p.ControlParams[name]
		v, err := convertParam(p.Defaults[param], vals)
		if err != nil {
			return nil, fmt.Errorf("control parameter %s (params.%s) %s: %w", name, param, jsonText(vals), err)
		}
		set(param, v)
	}
	if out == nil {
		return params, nil
	}
	return out, nil
}

// convertParam converts a Security Hub control parameter's values to the
// kind of def.
func convertParam(def any, vals []string) (any, error) {
	one := func() (string, error) {
		if len(vals) != 1 {
			return "", fmt.Errorf("want one value, got %d", len(vals))
		}
		return strings.TrimSpace(vals[0]), nil
	}
	switch valueKind(def) {
	case "string":
		return one()
	case "bool":
		s, err := one()
		if err != nil {
			return nil, err
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("want true or false")
		}
		return b, nil
	case "number":
		s, err := one()
		if err != nil {
			return nil, err
		}
		return number(s)
	case "list":
		numeric := false
		if rv := reflect.ValueOf(def); rv.Len() > 0 {
			numeric = valueKind(rv.Index(0).Interface()) == "number"
		}
		out := make([]any, 0, len(vals))
		for _, v := range vals {
			if !numeric {
				out = append(out, v)
				continue
			}
			for _, part := range strings.Split(v, ",") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if n, err := number(part); err == nil {
					out = append(out, n)
				} else {
					// A port range such as "8000-8100" stays text for the
					// action to read.
					out = append(out, part)
				}
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %s parameter cannot take a control parameter's value", valueKind(def))
}

func number(s string) (any, error) {
	if i, err := strconv.Atoi(s); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}
