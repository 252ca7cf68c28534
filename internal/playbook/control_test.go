package playbook

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/control"
	"github.com/rectify-dev/rectify/internal/pattern"
)

func builtinRegistry(t testing.TB) *action.Registry {
	t.Helper()
	r, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const controlPlaybook = `id: open-admin-ports
title: Revoke world-open SSH and RDP
controls:
  EC2.14: {ports: [3389]}
  EC2.13:
params:
  ports: [22]
  min_length: 14
  strict: false
control_params:
  minimumLength: min_length
  strict: strict
  extraPorts: ports
when: target.id != "sg-exempt"
steps:
  - id: revoke
    action: ec2.revoke-open-ingress
    with: {group_id: "${target.id}", ports: "${params.ports}"}
notify: [security-team]
`

func loadOne(t *testing.T, src string, opts Options) *Playbook {
	t.Helper()
	if opts.Registry == nil {
		opts.Registry = builtinRegistry(t)
	}
	pbs, err := Parse("pb.yaml", []byte(src), opts)
	if err != nil {
		t.Fatalf("load:\n%v", err)
	}
	return pbs[0]
}

func TestControlPlaybookLoads(t *testing.T) {
	pb := loadOne(t, controlPlaybook, Options{})
	if !reflect.DeepEqual(pb.Controls, []string{"EC2.13", "EC2.14"}) {
		t.Errorf("controls = %v", pb.Controls)
	}
	if !reflect.DeepEqual(pb.ControlDefaults, map[string]map[string]any{"EC2.14": {"ports": []any{3389}}}) {
		t.Errorf("control defaults = %v", pb.ControlDefaults)
	}
	if !reflect.DeepEqual(pb.ControlParams, map[string]string{"minimumLength": "min_length", "strict": "strict", "extraPorts": "ports"}) {
		t.Errorf("control params = %v", pb.ControlParams)
	}
	if got := pb.Defaults[ParamCustomActions]; !reflect.DeepEqual(got, []any{"Remediate"}) {
		t.Errorf("custom_actions = %v", got)
	}
	if got := pb.Defaults[ParamFindingAccount]; got != "target" {
		t.Errorf("finding_account = %v", got)
	}
	if n := len(pb.Steps); n != 2 || pb.Steps[0].Generated || !pb.Steps[1].Generated || pb.Steps[1].ID != ReportStep || pb.Steps[1].Action != "securityhub.update-finding" {
		t.Fatalf("steps = %+v", pb.Steps)
	}
	if len(pb.OnFailure) != 1 || pb.OnFailure[0].ID != FailureStep || !pb.OnFailure[0].Generated {
		t.Fatalf("on_failure = %+v", pb.OnFailure)
	}
	if pb.Steps[1].Pos != (Position{File: "pb.yaml", Line: 3, Col: 1}) {
		t.Errorf("generated step is placed at %s, want the controls field", pb.Steps[1].Pos)
	}
	if got := pb.Actions(); !reflect.DeepEqual(got, []string{"ec2.revoke-open-ingress", "securityhub.update-finding"}) {
		t.Errorf("actions = %v", got)
	}
}

// TestControlPlaybookOptions checks that configuration supplies the
// defaults of custom_actions and finding_account, and that a playbook's
// own values win.
func TestControlPlaybookOptions(t *testing.T) {
	opts := Options{Controls: ControlOptions{CustomActions: []string{"Fix", "Fix now"}, FindingAccount: "central"}}
	pb := loadOne(t, controlPlaybook, opts)
	if got := pb.Defaults[ParamCustomActions]; !reflect.DeepEqual(got, []any{"Fix", "Fix now"}) {
		t.Errorf("custom_actions = %v", got)
	}
	if got := pb.Defaults[ParamFindingAccount]; got != "central" {
		t.Errorf("finding_account = %v", got)
	}
	own := strings.Replace(controlPlaybook, "params:\n", "params:\n  custom_actions: [Mine]\n  finding_account: target\n", 1)
	pb = loadOne(t, own, opts)
	if got := pb.Defaults[ParamCustomActions]; !reflect.DeepEqual(got, []any{"Mine"}) {
		t.Errorf("custom_actions = %v", got)
	}
	if got := pb.Defaults[ParamFindingAccount]; got != "target" {
		t.Errorf("finding_account = %v", got)
	}
}

func TestControlPlaybookErrors(t *testing.T) {
	base := `id: p
title: T
steps:
  - action: ec2.revoke-open-ingress
    with: {group_id: "${target.id}"}
`
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown control", base + "controls: [EC2.133]\n", []string{"pb.yaml:6:12: controls.EC2.133: unknown Security Hub control \"EC2.133\" (did you mean EC2.13?)"}},
		{"standard-specific id", base + "controls: [PCI.EC2.5]\n", []string{
			`pb.yaml:6:12: controls.PCI.EC2.5: unknown Security Hub control "PCI.EC2.5"; controls are named by their consolidated ids: EC2.13 (PCI DSS v3.2.1 PCI.EC2.5)`}},
		{"wrong case", base + "controls: [ec2.13]\n", []string{
			`pb.yaml:6:12: controls.ec2.13: unknown Security Hub control "ec2.13"; controls are named by their consolidated ids: EC2.13`}},
		{"twice", base + "controls: [EC2.13, EC2.13]\n", []string{"pb.yaml:6:20: controls.EC2.13: control EC2.13 is listed twice"}},
		{"empty", base + "controls: []\n", []string{"pb.yaml:6:11: controls: must name at least one Security Hub control"}},
		{"not a list", base + "controls: EC2.13\n", []string{"pb.yaml:6:11: controls: want a list of Security Hub control ids, or a mapping of ids to parameter values, got a string"}},
		{"trigger too", base + "controls: [EC2.13]\ntrigger: {source: [aws.ec2]}\n", []string{"pb.yaml:7:1: trigger: a control playbook's trigger is made from its controls; remove trigger"}},
		{"control_params without controls", base + "trigger: {source: [aws.ec2]}\ncontrol_params: {x: y}\n", []string{
			"pb.yaml:7:1: control_params: only a control playbook (one with controls) has control parameters"}},
		{"control_params of an undeclared param", base + "controls: [EC2.13]\ncontrol_params: {blockedPorts: portz}\nparams: {ports: [22]}\n", []string{
			`pb.yaml:7:32: control_params.blockedPorts: unknown parameter "portz" (did you mean ports?)`}},
		{"control value of an undeclared param", base + "controls: {EC2.13: {portz: [22]}}\nparams: {ports: [22]}\n", []string{
			`pb.yaml:6:21: controls.EC2.13.portz: unknown parameter "portz" (did you mean ports?)`}},
		{"control value of the wrong kind", base + "controls: {EC2.13: {ports: 22}}\nparams: {ports: [22]}\n", []string{
			`pb.yaml:6:28: controls.EC2.13.ports: want a list like the default [22], got number`}},
		{"no steps", "id: p\ntitle: T\ncontrols: [EC2.13]\nnotify: [security]\n", []string{
			"pb.yaml:3:1: steps: a control playbook needs steps: rectify resolves the finding after them"}},
		{"reserved step id", strings.Replace(base, "  - action:", "  - id: resolve_finding\n    action:", 1) + "controls: [EC2.13]\n", []string{
			"pb.yaml:7:1: steps: step id resolve_finding is taken by the step rectify adds to control playbooks; rename the playbook's step"}},
		{"bad finding_account", base + "controls: [EC2.13]\nparams: {finding_account: elsewhere}\n", []string{
			`pb.yaml:6:1: params.finding_account: want "target" or "central", got "elsewhere"`}},
		{"bad custom_actions", base + "controls: [EC2.13]\nparams: {custom_actions: [1]}\n", []string{
			`pb.yaml:6:1: params.custom_actions: want a list of strings, got 1 in it`}},
		{"run in when", base + "controls: [EC2.13]\nwhen: run.error == \"\"\n", []string{"pb.yaml:7:7: when: CEL: undeclared reference to 'run' (in container '') (column 1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("pb.yaml", []byte(tt.src), Options{Registry: builtinRegistry(t)})
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestOnFailureSteps(t *testing.T) {
	src := `id: p
title: T
trigger: {source: [aws.ec2]}
steps:
  - id: revoke
    action: ec2.revoke-open-ingress
    with: {group_id: "${target.id}"}
on_failure:
  - id: tell
    action: securityhub.update-finding
    with:
      workflow_status: NOTIFIED
      note: "failed: ${run.error} after ${run.summary}; ${has(steps.revoke) ? 'revoke ran' : 'revoke did not run'}"
`
	pb := loadOne(t, src, Options{})
	if len(pb.OnFailure) != 1 || pb.OnFailure[0].Generated {
		t.Fatalf("on_failure = %+v", pb.OnFailure)
	}
	got, err := pb.OnFailure[0].Render(Vars{Run: Run{Summary: "revoke: failed: denied", Error: "step revoke: denied"}})
	if err != nil {
		t.Fatal(err)
	}
	if got["note"] != "failed: step revoke: denied after revoke: failed: denied; revoke did not run" {
		t.Errorf("note = %q", got["note"])
	}
	// on_failure is not for the trigger's own fields.
	if _, err := Parse("pb.yaml", []byte(strings.Replace(src, "on_failure:", "on_failure: {}\nx:", 1)), Options{Registry: builtinRegistry(t)}); err == nil {
		t.Error("a mapping is accepted as on_failure")
	}
}

// TestControlTrigger checks the generated pattern against events that
// name a control in each form, and against events it must not match.
func TestControlTrigger(t *testing.T) {
	pb := loadOne(t, controlPlaybook, Options{})
	p, err := pattern.Compile(pb.Trigger)
	if err != nil {
		t.Fatal(err)
	}
	finding := func(mod func(f map[string]any)) map[string]any {
		f := map[string]any{"Compliance": map[string]any{"Status": "FAILED"}, "RecordState": "ACTIVE", "GeneratorId": "x"}
		mod(f)
		return f
	}
	ev := func(detailType string, fs ...map[string]any) []byte {
		list := make([]any, len(fs))
		for i, f := range fs {
			list[i] = f
		}
		b, _ := json.Marshal(map[string]any{"source": "aws.securityhub", "detail-type": detailType, "detail": map[string]any{"findings": list, "actionName": "Remediate"}})
		return b
	}
	consolidated := finding(func(f map[string]any) { f["Compliance"].(map[string]any)["SecurityControlId"] = "EC2.13" })
	c13, _ := control.Lookup("EC2.13")
	c14, _ := control.Lookup("EC2.14")
	var forms []map[string]any
	for _, g := range append(c13.GeneratorIDs(), c14.GeneratorIDs()...) {
		forms = append(forms, finding(func(f map[string]any) { f["GeneratorId"] = g }))
	}
	passed := finding(func(f map[string]any) {
		f["Compliance"] = map[string]any{"Status": "PASSED", "SecurityControlId": "EC2.13"}
	})
	archived := finding(func(f map[string]any) {
		f["Compliance"].(map[string]any)["SecurityControlId"] = "EC2.13"
		f["RecordState"] = "ARCHIVED"
	})
	other := finding(func(f map[string]any) { f["Compliance"].(map[string]any)["SecurityControlId"] = "EC2.2" })
	cases := []struct {
		name  string
		event []byte
		want  bool
	}{
		{"consolidated", ev(DetailTypeImported, consolidated), true},
		{"custom action", ev(DetailTypeCustomAction, consolidated), true},
		{"custom action, passed: left to Check", ev(DetailTypeCustomAction, passed), true},
		{"imported passed", ev(DetailTypeImported, passed), false},
		{"imported archived", ev(DetailTypeImported, archived), false},
		{"other control", ev(DetailTypeImported, other), false},
		{"batch with one of ours", ev(DetailTypeImported, other, consolidated), true},
		{"other detail-type", ev("Security Hub Insight Results", consolidated), false},
	}
	for i, f := range forms {
		cases = append(cases, struct {
			name  string
			event []byte
			want  bool
		}{"form " + f["GeneratorId"].(string), ev(DetailTypeImported, forms[i]), true})
	}
	for _, tc := range cases {
		ok, err := p.Match(tc.event)
		if err != nil || ok != tc.want {
			t.Errorf("%s: match = %v, %v; want %v", tc.name, ok, err, tc.want)
		}
	}
}

// checkVars are the variables of a run on a finding with the given
// attributes, from an event of detailType.
func checkVars(detailType, action string, attrs map[string]any, params map[string]any) Vars {
	detail := map[string]any{"findings": []any{}}
	if action != "" {
		detail["actionName"] = action
	}
	return Vars{
		Event:  map[string]any{"detail-type": detailType, "detail": detail},
		Target: map[string]any{"id": "sg-1", "attributes": attrs},
		Params: params,
	}
}

func TestCheck(t *testing.T) {
	pb := loadOne(t, controlPlaybook, Options{})
	params, err := pb.Params(nil)
	if err != nil {
		t.Fatal(err)
	}
	attrs := func(kv ...string) map[string]any {
		m := map[string]any{"controlId": "EC2.13", "complianceStatus": "FAILED", "recordState": "ACTIVE", "workflowStatus": "NEW"}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	tests := []struct {
		name       string
		detailType string
		action     string
		attrs      map[string]any
		params     map[string]any
		want       string
	}{
		{"applies", DetailTypeImported, "", attrs(), params, ""},
		{"other listed control", DetailTypeImported, "", attrs("controlId", "EC2.14"), params, ""},
		{"no workflow counts as new", DetailTypeImported, "", attrs("workflowStatus", ""), params, ""},
		{"custom action", DetailTypeCustomAction, "Remediate", attrs("workflowStatus", "NOTIFIED"), params, ""},
		{"not a finding event", "AWS API Call via CloudTrail", "", attrs(), params, `not a Security Hub finding event (detail-type "AWS API Call via CloudTrail")`},
		{"no control", DetailTypeImported, "", attrs("controlId", ""), params, "the finding names no Security Hub control rectify knows"},
		{"control not listed", DetailTypeImported, "", attrs("controlId", "EC2.2"), params, "control EC2.2 is not one of this playbook's (EC2.13, EC2.14)"},
		{"passed", DetailTypeImported, "", attrs("complianceStatus", "PASSED"), params, "compliance status is PASSED, not FAILED"},
		{"no compliance", DetailTypeCustomAction, "Remediate", attrs("complianceStatus", ""), params, "the finding has no compliance status; only FAILED findings are remediated"},
		{"archived", DetailTypeImported, "", attrs("recordState", "ARCHIVED"), params, "the finding is archived (record state ARCHIVED)"},
		{"suppressed", DetailTypeImported, "", attrs("workflowStatus", "SUPPRESSED"), params, "workflow status is SUPPRESSED: suppressed findings are never remediated"},
		{"suppressed, from a custom action", DetailTypeCustomAction, "Remediate", attrs("workflowStatus", "SUPPRESSED"), params, "workflow status is SUPPRESSED: suppressed findings are never remediated"},
		{"notified", DetailTypeImported, "", attrs("workflowStatus", "NOTIFIED"), params,
			"workflow status is NOTIFIED, not NEW: imported findings are remediated only while new (send the finding to a custom action to remediate it now)"},
		{"resolved", DetailTypeImported, "", attrs("workflowStatus", "RESOLVED"), params,
			"workflow status is RESOLVED, not NEW: imported findings are remediated only while new (send the finding to a custom action to remediate it now)"},
		{"other custom action", DetailTypeCustomAction, "Investigate", attrs(), params, `custom action "Investigate" is not one of the configured ones (Remediate)`},
		{"configured custom action", DetailTypeCustomAction, "Fix", attrs(), map[string]any{ParamCustomActions: []any{"Fix", "Remediate"}}, ""},
		{"condition", DetailTypeImported, "", attrs(), params, "condition (when) is false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := checkVars(tt.detailType, tt.action, tt.attrs, tt.params)
			if tt.name == "condition" {
				vars.Target["id"] = "sg-exempt"
			}
			got, err := pb.Check(vars)
			if err != nil || got != tt.want {
				t.Errorf("Check = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	// A playbook that is not a control playbook only has its condition.
	plain := loadOne(t, "id: p\ntitle: T\ntrigger: {source: [x]}\nwhen: target.id == 'a'\nnotify: [s]\n", Options{})
	if got, err := plain.Check(Vars{Target: map[string]any{"id": "a"}}); got != "" || err != nil {
		t.Errorf("plain Check = %q, %v", got, err)
	}
	if got, err := plain.Check(Vars{Target: map[string]any{"id": "b"}}); got != "condition (when) is false" || err != nil {
		t.Errorf("plain Check = %q, %v", got, err)
	}
	if _, err := plain.Check(Vars{Target: map[string]any{}}); err == nil {
		t.Error("a condition that fails to evaluate is no error")
	}
}

// TestParamsFor checks the order of a control playbook's parameters: the
// default, the value for the control, the finding's control parameter,
// then configuration.
func TestParamsFor(t *testing.T) {
	pb := loadOne(t, controlPlaybook, Options{})
	defaults, _ := pb.Params(nil)
	tests := []struct {
		name      string
		overrides map[string]any
		control   string
		found     map[string][]string
		want      map[string]any // the parameters that differ from the defaults
		wantErr   string
	}{
		{"defaults", nil, "EC2.13", nil, map[string]any{}, ""},
		{"value for the control", nil, "EC2.14", nil, map[string]any{"ports": []any{3389}}, ""},
		{"finding over control", nil, "EC2.14", map[string][]string{"extraPorts": {"2222", "8000-8100"}}, map[string]any{"ports": []any{2222, "8000-8100"}}, ""},
		{"comma-separated numbers", nil, "EC2.13", map[string][]string{"extraPorts": {"80,443"}}, map[string]any{"ports": []any{80, 443}}, ""},
		{"number and bool", nil, "EC2.13", map[string][]string{"minimumLength": {"16"}, "strict": {"true"}, "unrelated": {"x"}},
			map[string]any{"min_length": 16, "strict": true}, ""},
		{"configuration over finding and control", map[string]any{"ports": []any{22, 3389}, "min_length": 20}, "EC2.14",
			map[string][]string{"extraPorts": {"2222"}, "minimumLength": {"16"}}, map[string]any{"ports": []any{22, 3389}, "min_length": 20}, ""},
		{"configuration equal to the default still wins", map[string]any{"min_length": 14}, "EC2.13", map[string][]string{"minimumLength": {"16"}}, map[string]any{}, ""},
		{"not a number", nil, "EC2.13", map[string][]string{"minimumLength": {"long"}}, nil, `control parameter minimumLength (params.min_length) ["long"]: "long" is not a number`},
		{"two values for one", nil, "EC2.13", map[string][]string{"strict": {"true", "false"}}, nil, `control parameter strict (params.strict) ["true","false"]: want one value, got 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params, err := pb.Params(tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pb.ParamsFor(params, tt.overrides, tt.control, tt.found)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			diff := map[string]any{}
			for k, v := range got {
				if !reflect.DeepEqual(v, defaults[k]) {
					diff[k] = v
				}
			}
			if !reflect.DeepEqual(diff, tt.want) {
				t.Errorf("params differ from the defaults in %v, want %v", diff, tt.want)
			}
		})
	}
	// Nothing applies: the same map, not a copy.
	got, err := pb.ParamsFor(defaults, nil, "EC2.13", nil)
	if err != nil || reflect.ValueOf(got).Pointer() != reflect.ValueOf(defaults).Pointer() {
		t.Errorf("ParamsFor made a copy when nothing applies (%v)", err)
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = pb.ParamsFor(defaults, nil, "EC2.13", nil) }); allocs != 0 {
		t.Errorf("ParamsFor allocates %v times when nothing applies", allocs)
	}
}

// TestControlReportSteps renders the steps rectify adds with a run that
// changed something, one that changed nothing and one that failed.
func TestControlReportSteps(t *testing.T) {
	pb := loadOne(t, controlPlaybook, Options{})
	params, _ := pb.Params(map[string]any{ParamFindingAccount: "central"})
	vars := Vars{
		Target: map[string]any{"type": "AWS::EC2::SecurityGroup", "id": "sg-1", "attributes": map[string]any{"controlId": "EC2.13"}},
		Params: params,
		Run: Run{Summary: "revoke: succeeded: revoked sgr-1: tcp 22 from 0.0.0.0/0",
			Changes: []string{"revoked sgr-1: tcp 22 from 0.0.0.0/0", "tagged sg-1"}},
	}
	report := pb.Steps[len(pb.Steps)-1]
	got, err := report.Render(vars)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"workflow_status": "RESOLVED", "in_account": "central", "updated_by": "rectify",
		"note": "rectify remediated Security Hub control EC2.13 on AWS::EC2::SecurityGroup sg-1: revoked sgr-1: tcp 22 from 0.0.0.0/0; tagged sg-1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report renders to %v\nwant %v", got, want)
	}
	vars.Run = Run{Summary: "revoke: already_done: no rule open"}
	got, _ = report.Render(vars)
	if n := got["note"]; n != "rectify found nothing to change for Security Hub control EC2.13 on AWS::EC2::SecurityGroup sg-1: revoke: already_done: no rule open" {
		t.Errorf("note = %q", n)
	}
	vars.Run = Run{}
	got, _ = report.Render(vars)
	if n := got["note"]; n != "rectify remediates Security Hub control EC2.13 on AWS::EC2::SecurityGroup sg-1 (the note will name what changed)" {
		t.Errorf("planned note = %q", n)
	}
	vars.Run = Run{Error: "step revoke: access denied"}
	got, err = pb.OnFailure[0].Render(vars)
	if err != nil {
		t.Fatal(err)
	}
	if got["workflow_status"] != "NOTIFIED" || got["note"] != "rectify could not fix Security Hub control EC2.13 on AWS::EC2::SecurityGroup sg-1: step revoke: access denied" {
		t.Errorf("failure step renders to %v", got)
	}
}

func TestJoin(t *testing.T) {
	pb := loadOne(t, "id: p\ntitle: T\ntrigger: {source: [x]}\nsteps:\n  - action: securityhub.update-finding\n    with: {note: \"${run.changes.join(', ')}|${[1, 'a', true].join('')}|${[].join('-')}\"}\n", Options{})
	got, err := pb.Steps[0].Render(Vars{Run: Run{Changes: []string{"a", "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got["note"] != "a, b|1atrue|" {
		t.Errorf("note = %q", got["note"])
	}
}
