package playbook

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rectify-dev/rectify/internal/action"
)

func noop(context.Context, action.Input) (action.Result, error) {
	return action.Result{Outcome: action.NoOp}, nil
}

func verified(context.Context, action.Input, action.Result) error { return nil }

func testRegistry(t testing.TB) *action.Registry {
	t.Helper()
	r := action.NewRegistry()
	for _, s := range []action.Spec{
		{Name: "iam.delete-access-key", Writes: []string{"iam:DeleteAccessKey"}, Run: noop, Verify: verified, Params: []action.Param{
			{Name: "user_name", Type: action.String, Required: true},
			{Name: "access_key_id", Type: action.String, Required: true},
		}},
		{Name: "test.echo", Run: noop, Params: []action.Param{
			{Name: "s", Type: action.String},
			{Name: "n", Type: action.Int},
			{Name: "d", Type: action.Duration, Default: "1m"},
			{Name: "b", Type: action.Bool},
			{Name: "l", Type: action.StringList},
			{Name: "m", Type: action.Map},
			{Name: "a", Type: action.Any},
		}},
	} {
		if err := r.Register(s); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

const validPlaybook = `id: test-playbook
title: Test
description: A test playbook.
trigger:
  source: [aws.trustedadvisor]
  detail:
    status: [{anything-but: [OK]}]
when: detail.status == "ERROR"
mode: approve
params:
  delete_key: true
  window: 24h
steps:
  - id: del
    action: iam.delete-access-key
    if: params.delete_key
    with:
      user_name: ${detail.user}
      access_key_id: ${detail.key}
  - action: test.echo
    with:
      s: "user ${detail.user} has ${size(detail.keys)} keys"
      n: ${size(detail.keys)}
      d: ${params.window}
      l: ${detail.keys}
      m: {k: "${detail.user}", fixed: 1}
      a: [1, "${steps.del.result}"]
    retry: {attempts: 3, backoff: 2s}
    timeout: 5m
verify:
  - action: test.echo
    with: {s: "${steps.echo.s}"}
notify:
  to: [security-team]
  subject: "Key ${detail.key} of ${detail.user}"
  message: ${steps.del.result}
tags: [iam]
`

func testVars() Vars {
	return Vars{
		Event: map[string]any{
			"source": "aws.trustedadvisor",
			"detail": map[string]any{"status": "ERROR", "user": "ci", "key": "AKIA1", "keys": []any{"a", "b"}, "count": 3.0},
		},
		Target: map[string]any{"account": "111122223333"},
		Params: map[string]any{"delete_key": true, "window": "24h"},
		Steps:  map[string]map[string]any{"del": {"result": "deleted"}, "echo": {"s": "hi"}},
	}
}

func mustParse(t *testing.T, src string) *Playbook {
	t.Helper()
	pbs, err := Parse("pb.yaml", []byte(src), Options{Registry: testRegistry(t)})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(pbs) != 1 {
		t.Fatalf("Parse returned %d playbooks, want 1", len(pbs))
	}
	return pbs[0]
}

func TestParseValid(t *testing.T) {
	pb := mustParse(t, validPlaybook)
	if pb.ID != "test-playbook" || pb.Title != "Test" || pb.Mode != Approve || !pb.Enabled {
		t.Fatalf("unexpected playbook header: %+v", pb)
	}
	if want := `{"detail":{"status":[{"anything-but":["OK"]}]},"source":["aws.trustedadvisor"]}`; string(pb.Trigger) != want {
		t.Fatalf("Trigger = %s, want %s", pb.Trigger, want)
	}
	if got := []string{pb.Steps[0].ID, pb.Steps[1].ID, pb.Verify[0].ID}; !reflect.DeepEqual(got, []string{"del", "echo", "echo_2"}) {
		t.Fatalf("step ids = %v", got)
	}
	if pb.Steps[1].Retry != (Retry{Attempts: 3, Backoff: 2 * time.Second}) || pb.Steps[1].Timeout != 5*time.Minute {
		t.Fatalf("retry/timeout = %+v %v", pb.Steps[1].Retry, pb.Steps[1].Timeout)
	}
	if pb.Steps[0].Retry.Attempts != 1 {
		t.Fatalf("default retry attempts = %d, want 1", pb.Steps[0].Retry.Attempts)
	}
	if !reflect.DeepEqual(pb.Notify.Channels, []string{"security-team"}) || !reflect.DeepEqual(pb.Tags, []string{"iam"}) {
		t.Fatalf("notify/tags = %v %v", pb.Notify.Channels, pb.Tags)
	}
	if !reflect.DeepEqual(pb.Defaults, map[string]any{"delete_key": true, "window": "24h"}) {
		t.Fatalf("Defaults = %#v", pb.Defaults)
	}
	if got := pb.Actions(); !reflect.DeepEqual(got, []string{"iam.delete-access-key", "test.echo"}) {
		t.Fatalf("Actions = %v", got)
	}
	if pb.Pos.Line != 1 || pb.Steps[1].Pos.Line != 20 {
		t.Fatalf("positions: playbook %v, step %v", pb.Pos, pb.Steps[1].Pos)
	}
}

func TestRender(t *testing.T) {
	pb := mustParse(t, validPlaybook)
	vars := testVars()
	got, err := pb.Steps[1].Render(vars)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"s": "user ci has 2 keys",
		"n": 2,
		"d": 24 * time.Hour,
		"l": []string{"a", "b"},
		"m": map[string]any{"k": "ci", "fixed": 1},
		"a": []any{1, "deleted"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Render =\n%#v\nwant\n%#v", got, want)
	}
	got, err = pb.Steps[0].Render(vars)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, map[string]any{"user_name": "ci", "access_key_id": "AKIA1"}) {
		t.Fatalf("Render = %#v", got)
	}
	// The parsed With is left as written.
	if pb.Steps[0].With["user_name"] != "${detail.user}" {
		t.Fatalf("With = %#v", pb.Steps[0].With)
	}
	subject, message, err := pb.RenderNotification(vars)
	if err != nil || subject != "Key AKIA1 of ci" || message != "deleted" {
		t.Fatalf("RenderNotification = %q, %q, %v", subject, message, err)
	}
}

func TestRenderErrors(t *testing.T) {
	pb := mustParse(t, validPlaybook)
	tests := []struct {
		name string
		mod  func(*Vars)
		step int
		want []string
	}{
		{"missing key", func(v *Vars) { delete(v.Event["detail"].(map[string]any), "user") }, 0,
			[]string{"playbook test-playbook", "step del", "param user_name", "no such key"}},
		{"wrong type", func(v *Vars) { v.Event["detail"].(map[string]any)["user"] = 7.0 }, 0,
			[]string{"step del", "param user_name", "want string"}},
		{"bad duration", func(v *Vars) { v.Params["window"] = "later" }, 1,
			[]string{"step echo", "param d", `"later"`}},
		{"missing step output", func(v *Vars) { v.Steps = nil }, 1,
			[]string{"step echo", "param a", "[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := testVars()
			tt.mod(&vars)
			_, err := pb.Steps[tt.step].Render(vars)
			if err == nil {
				t.Fatal("Render succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestWhen(t *testing.T) {
	tests := []struct {
		when    string
		want    bool
		wantErr string
	}{
		{`detail.status == "ERROR"`, true, ""},
		{`detail.status == "OK"`, false, ""},
		{`event.source.startsWith("aws.") && size(detail.keys) == 2`, true, ""},
		{`detail.count > 2`, true, ""}, // a JSON double compared with a CEL int
		{`has(detail.missing)`, false, ""},
		{`target.account == "111122223333" && params.delete_key`, true, ""},
		{`detail.missing == "x"`, false, "no such key"},
		{`detail.status > 1`, false, "no such overload"},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			src := strings.Replace(validPlaybook, `when: detail.status == "ERROR"`, "when: '"+tt.when+"'", 1)
			pb := mustParse(t, src)
			got, err := pb.When(testVars())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "playbook test-playbook: when") {
					t.Fatalf("When = %v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("When = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestWhenAbsentHolds(t *testing.T) {
	pb := mustParse(t, strings.Replace(validPlaybook, "when: detail.status == \"ERROR\"\n", "", 1))
	if ok, err := pb.When(Vars{}); !ok || err != nil {
		t.Fatalf("When without a condition = %v, %v", ok, err)
	}
}

func TestShouldRun(t *testing.T) {
	pb := mustParse(t, validPlaybook)
	vars := testVars()
	if ok, err := pb.Steps[0].ShouldRun(vars); !ok || err != nil {
		t.Fatalf("ShouldRun = %v, %v", ok, err)
	}
	vars.Params = map[string]any{"delete_key": false}
	if ok, err := pb.Steps[0].ShouldRun(vars); ok || err != nil {
		t.Fatalf("ShouldRun = %v, %v", ok, err)
	}
	vars.Params = map[string]any{"delete_key": "no"}
	if _, err := pb.Steps[0].ShouldRun(vars); err == nil || !strings.Contains(err.Error(), "step del: if") {
		t.Fatalf("ShouldRun error = %v", err)
	}
	if ok, err := pb.Steps[1].ShouldRun(vars); !ok || err != nil {
		t.Fatalf("ShouldRun without a condition = %v, %v", ok, err)
	}
}

func TestCostLimit(t *testing.T) {
	src := strings.Replace(validPlaybook, `when: detail.status == "ERROR"`,
		`when: 'detail.keys.all(a, detail.keys.all(b, detail.keys.all(c, detail.keys.all(d, a != "z"))))'`, 1)
	pbs, err := Parse("pb.yaml", []byte(src), Options{Registry: testRegistry(t), CostLimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	vars := testVars()
	if ok, err := pbs[0].When(vars); err != nil || !ok {
		t.Fatalf("small input: %v, %v", ok, err)
	}
	keys := make([]any, 50)
	for i := range keys {
		keys[i] = "k"
	}
	vars.Event["detail"].(map[string]any)["keys"] = keys
	if _, err := pbs[0].When(vars); err == nil || !strings.Contains(err.Error(), "cost") {
		t.Fatalf("runaway expression: err = %v, want a cost limit error", err)
	}
}

func TestTemplates(t *testing.T) {
	c, err := newCompiler(0)
	if err != nil {
		t.Fatal(err)
	}
	act := testVars().activation()
	tests := []struct {
		src     string
		want    any
		wantErr string
	}{
		{"${detail.user}", "ci", ""},
		{"${size(detail.keys)}", 2, ""},
		{"${detail.count}", 3.0, ""},
		{"${detail.keys}", []any{"a", "b"}, ""},
		{"${{'a': 1}}", map[string]any{"a": 1}, ""},
		{"${duration('90s')}", 90 * time.Second, ""},
		{"${null}", nil, ""},
		{"${1 == 1}", true, ""},
		{"n=${size(detail.keys)} ok=${1 == 1}", "n=2 ok=true", ""},
		{"keys ${detail.keys}", `keys ["a","b"]`, ""},
		{"${'}'}", "}", ""},
		{`${"a\"}"}`, `a"}`, ""},
		{"$${literal} ${detail.user}", "${literal} ci", ""},
		{"x ${detail.user} y", "x ci y", ""},
		{"${ detail.user }", "ci", ""},
		{"${", nil, "missing closing }"},
		{"${'abc}", nil, "unterminated string literal"},
		{"${}", nil, "empty ${}"},
		{"${detail.}", nil, "CEL:"},
		{"${nope}", nil, "undeclared reference to 'nope'"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tm, lit, err := c.compileTemplate(tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("compileTemplate(%q) error = %v, want %q", tt.src, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tm == nil {
				t.Fatalf("no template, literal %q", lit)
			}
			got, err := tm.value(act)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("value = %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
	tm, lit, err := c.compileTemplate("cost $$5 and $${x}")
	if err != nil || tm != nil || lit != "cost $$5 and ${x}" {
		t.Fatalf("literal: %v %q %v", tm, lit, err)
	}
}

func TestParams(t *testing.T) {
	pb := mustParse(t, validPlaybook)
	got, err := pb.Params(map[string]any{"delete_key": false})
	if err != nil || !reflect.DeepEqual(got, map[string]any{"delete_key": false, "window": "24h"}) {
		t.Fatalf("Params = %v, %v", got, err)
	}
	if pb.Defaults["delete_key"] != true {
		t.Fatal("Params modified the defaults")
	}
	if _, err := pb.Params(map[string]any{"delete": false}); err == nil || !strings.Contains(err.Error(), `unknown parameter "delete"`) {
		t.Fatalf("unknown override: %v", err)
	}
	if _, err := pb.Params(map[string]any{"delete_key": "no"}); err == nil || !strings.Contains(err.Error(), "want a bool") {
		t.Fatalf("mistyped override: %v", err)
	}
}

func TestMode(t *testing.T) {
	for _, m := range []Mode{Auto, Approve, Notify, DryRun} {
		b, err := m.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Mode
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Fatalf("round trip %v: %v %v", m, back, err)
		}
	}
	if DryRun.String() != "dry-run" {
		t.Fatalf("DryRun = %q", DryRun)
	}
	if _, err := ParseMode("manual"); err == nil {
		t.Fatal("ParseMode accepted manual")
	}
}

func TestMultiDocumentAndDefaults(t *testing.T) {
	src := "id: a\ntitle: A\ntrigger: {source: [x]}\nnotify: [team]\n---\n---\nid: b\ntitle: B\ntrigger: {source: [y]}\nmode: dry-run\nenabled: false\nsteps:\n  - action: test.echo\n"
	pbs, err := Parse("multi.yaml", []byte(src), Options{Registry: testRegistry(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(pbs) != 2 || pbs[0].ID != "a" || pbs[1].ID != "b" {
		t.Fatalf("got %d playbooks", len(pbs))
	}
	if pbs[0].Mode != Auto || !pbs[0].Enabled || pbs[1].Mode != DryRun || pbs[1].Enabled {
		t.Fatal("mode/enabled defaults wrong")
	}
	if pbs[1].Steps[0].ID != "echo" || pbs[1].Pos.Line != 7 {
		t.Fatalf("step id %q, pos %v", pbs[1].Steps[0].ID, pbs[1].Pos)
	}
	got, err := pbs[1].Steps[0].Render(Vars{})
	if err != nil || !reflect.DeepEqual(got, map[string]any{"d": time.Minute}) {
		t.Fatalf("Render with defaults = %#v, %v", got, err)
	}
}

func TestWithoutRegistry(t *testing.T) {
	pbs, err := Parse("pb.yaml", []byte(validPlaybook), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := pbs[0].Steps[1].Render(testVars())
	if err != nil {
		t.Fatal(err)
	}
	if got["d"] != "24h" || got["n"] != 2 {
		t.Fatalf("Render without a registry = %#v", got)
	}
	if pbs[0].Steps[0].Spec() != nil {
		t.Fatal("Spec without a registry")
	}
}

func TestValidateTrigger(t *testing.T) {
	calls := 0
	opts := Options{Registry: testRegistry(t), ValidateTrigger: func(b []byte) error {
		calls++
		if strings.Contains(string(b), "bad") {
			return errors.New("unsupported operator")
		}
		return nil
	}}
	if _, err := Parse("pb.yaml", []byte(validPlaybook), opts); err != nil || calls != 1 {
		t.Fatalf("Parse = %v, validator called %d times", err, calls)
	}
	src := strings.Replace(validPlaybook, "[aws.trustedadvisor]", "[{bad: 1}]", 1)
	_, err := Parse("pb.yaml", []byte(src), opts)
	if err == nil || !strings.Contains(err.Error(), "pb.yaml:5:3: trigger: invalid event pattern: unsupported operator") {
		t.Fatalf("Parse = %v", err)
	}
}

func TestLoad(t *testing.T) {
	body := func(id string) string {
		return "id: " + id + "\ntitle: T\ntrigger: {source: [x]}\nnotify: [team]\n"
	}
	fsys := fstest.MapFS{
		"a.yaml":              {Data: []byte(body("one"))},
		"sub/b.yml":           {Data: []byte(body("two"))},
		"sub/c.yaml":          {Data: []byte(body("one"))},
		"notes.txt":           {Data: []byte("not yaml: [")},
		"testdata/x.yaml":     {Data: []byte("broken: [")},
		".hidden/x.yaml":      {Data: []byte("broken: [")},
		"_drafts/draft.yaml":  {Data: []byte("broken: [")},
		"sub/broken.yaml":     {Data: []byte("id: Bad\n")},
		"sub/syntax.yaml":     {Data: []byte("id: x\ntitle: [\n")},
		"sub/ok-and-bad.yaml": {Data: []byte(body("three") + "---\nid: four\n")},
	}
	_, err := Load(fsys, Options{Registry: testRegistry(t)})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load error %v is not Errors", err)
	}
	var lines []string
	for _, e := range errs {
		lines = append(lines, e.Error())
	}
	want := []string{
		`sub/broken.yaml:1:1: steps: a playbook needs steps, a notify, or both`,
		`sub/broken.yaml:1:1: title: missing required field`,
		`sub/broken.yaml:1:1: trigger: missing required field`,
		`sub/broken.yaml:1:5: id: invalid id "Bad": want lower-case letters, digits and single hyphens, at most 64 characters`,
		`sub/c.yaml:1:5: id: duplicate playbook id "one", first defined at a.yaml:1:1`,
		`sub/ok-and-bad.yaml:6:1: steps: a playbook needs steps, a notify, or both`,
		`sub/ok-and-bad.yaml:6:1: title: missing required field`,
		`sub/ok-and-bad.yaml:6:1: trigger: missing required field`,
		`sub/syntax.yaml:3: invalid YAML: did not find expected node content`,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("Load errors:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	delete(fsys, "sub/broken.yaml")
	delete(fsys, "sub/syntax.yaml")
	delete(fsys, "sub/c.yaml")
	fsys["sub/ok-and-bad.yaml"] = &fstest.MapFile{Data: []byte(body("three"))}
	pbs, err := Load(fsys, Options{Registry: testRegistry(t)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, pb := range pbs {
		ids = append(ids, pb.ID+"@"+pb.Pos.File)
	}
	if !reflect.DeepEqual(ids, []string{"one@a.yaml", "two@sub/b.yml", "three@sub/ok-and-bad.yaml"}) {
		t.Fatalf("loaded %v", ids)
	}
}

func TestDefaultTriggerValidation(t *testing.T) {
	src := strings.Replace(validPlaybook, "[aws.trustedadvisor]", "[{prefix: 1}]", 1)
	_, err := Parse("pb.yaml", []byte(src), Options{Registry: testRegistry(t)})
	if err == nil || !strings.Contains(err.Error(), "pb.yaml:5:3: trigger: invalid event pattern") ||
		!strings.Contains(err.Error(), "source[0].prefix") || strings.Count(err.Error(), "invalid event pattern") != 1 {
		t.Fatalf("Parse = %v, want the pattern compiler's error at the trigger", err)
	}
}

func TestTargetVars(t *testing.T) {
	src := strings.Replace(validPlaybook, `when: detail.status == "ERROR"`,
		`when: target.type == "AWS::IAM::AccessKey" && target.attributes.userName == "ci" && target.finding_id == ""`, 1)
	pb := mustParse(t, src)
	vars := testVars()
	vars.Target = TargetVars(action.Target{Type: "AWS::IAM::AccessKey", ID: "AKIA1", Attributes: map[string]string{"userName": "ci"}})
	if ok, err := pb.When(vars); !ok || err != nil {
		t.Fatalf("When = %v, %v", ok, err)
	}
	vars.Target = TargetVars(action.Target{Type: "AWS::IAM::User"})
	if ok, err := pb.When(vars); ok || err != nil {
		t.Fatalf("When = %v, %v", ok, err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/pb.yaml"
	if err := os.WriteFile(p, []byte(validPlaybook), 0o600); err != nil {
		t.Fatal(err)
	}
	pbs, err := LoadFile(p, Options{Registry: testRegistry(t)})
	if err != nil || len(pbs) != 1 || pbs[0].Pos.File != p {
		t.Fatalf("LoadFile = %v, %v", pbs, err)
	}
	if _, err := LoadFile(dir+"/missing.yaml", Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadFile of a missing file = %v", err)
	}
	big := append([]byte(validPlaybook+"\n# "), bytes.Repeat([]byte("x"), maxFileSize)...)
	if err := os.WriteFile(p, big, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(p, Options{}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("LoadFile of a huge file = %v", err)
	}
}

func TestRenderDoesNotShareValues(t *testing.T) {
	pb := mustParse(t, validPlaybook)
	first, err := pb.Steps[1].Render(testVars())
	if err != nil {
		t.Fatal(err)
	}
	first["m"].(map[string]any)["fixed"] = 99
	first["a"].([]any)[0] = 99
	second, err := pb.Steps[1].Render(testVars())
	if err != nil {
		t.Fatal(err)
	}
	if second["m"].(map[string]any)["fixed"] != 1 || second["a"].([]any)[0] != 1 {
		t.Fatalf("a rendered value was shared between renders: %v", second)
	}
}
