package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestDescribeBuild(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	tests := []struct {
		name, version string
		info          *debug.BuildInfo
		ok            bool
		want          string
	}{
		{"set at build time", "v1.2.0", info, true, "v1.2.0 (commit 0123456789ab, modified, 2026-12-01T10:00:00Z, go"},
		{"module version", "", info, true, "v0.3.1 (commit 0123456789ab, modified, 2026-12-01T10:00:00Z, go"},
		{"a checkout without VCS stamping", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "(devel) (go"},
		{"no build information", "", nil, false, "(devel) (go"},
	}
	for _, tt := range tests {
		if got := describeBuild(tt.version, tt.info, tt.ok); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %q, want it to begin %q", tt.name, got, tt.want)
		}
	}
	c := newCLI(t)
	if out, code := c.rectify("--version"); code != 0 || !strings.HasPrefix(out, "rectify version (devel) (go") {
		t.Errorf("--version = %d %q", code, out)
	}
}

// commands returns every command of the tree but cobra's own (help,
// completion).
func commands() []*cobra.Command {
	var out []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			out = append(out, sub)
			walk(sub)
		}
	}
	walk(newRootCmd())
	return out
}

func TestEveryCommandHasExamplesAndExitStatus(t *testing.T) {
	root := newRootCmd()
	if !strings.Contains(root.Long, "Exit status:") || root.Example == "" {
		t.Errorf("rectify --help lacks the exit statuses or examples")
	}
	for _, c := range commands() {
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
		if !strings.Contains(strings.ToLower(c.Long), "exit status") {
			t.Errorf("%s --help does not give its exit status", c.CommandPath())
		}
		for _, l := range strings.Split(c.Example, "\n") {
			if !strings.HasPrefix(l, "  ") {
				t.Errorf("%s: example line %q is not indented", c.CommandPath(), l)
			}
		}
	}
}

// TestBadGlobalFlagsRefusedByEveryCommand checks that every command refuses
// a bad --log-level or --output, naming the flag and what it takes, with
// exit status 2.
func TestBadGlobalFlagsRefusedByEveryCommand(t *testing.T) {
	c := newCLI(t)
	for _, cmd := range commands() {
		path := strings.Fields(cmd.CommandPath())[1:]
		for _, bad := range [][]string{{"--log-level", "bogus"}, {"-o", "yaml"}} {
			out, code := c.rectify(append(slices.Clone(path), bad...)...)
			if code != 2 || !strings.Contains(out, `invalid argument "`+bad[1]+`"`) || !strings.Contains(out, "want ") {
				t.Errorf("rectify %s %s = %d:\n%s", strings.Join(path, " "), strings.Join(bad, " "), code, out)
			}
		}
	}
	if out, code := c.rectify("serve", "-o", "json"); code != 2 || !strings.Contains(out, "rectify serve writes text only") {
		t.Errorf("serve -o json = %d %q", code, out)
	}
	if out, code := c.rectify("--log-level", "DEBUG", "playbooks"); code != 0 {
		t.Errorf("--log-level DEBUG = %d %q", code, out)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"no-such-command"}, {"runs", "--no-such-flag"}, {"plan"}, {"runs", "show"}, {"runs", "--limit", "-1"}} {
		if out, code := c.rectify(args...); code != 2 {
			t.Errorf("rectify %s = %d, want 2:\n%s", strings.Join(args, " "), code, out)
		}
	}
}

func TestConfigErrorsAllAtOnce(t *testing.T) {
	c := newCLI(t)
	c.write("rectify.yaml", "aws:\n  external_id_env: RECTIFY_TEST_UNSET_XID\n  rol_name: x\nstore:\n  driver: sqlit\nserve:\n  addr: nope\n")
	out, code := c.rectify("run", c.write("e.json", other("e1")))
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	contains(t, "config errors", out, ":2: aws.external_id_env: environment variable RECTIFY_TEST_UNSET_XID is not set",
		`:3: aws.rol_name: unknown field (did you mean "role_name"?)`, `:5: store.driver: unknown driver "sqlit"`, `:7: serve.addr: "nope"`)
}

// TestReadOnlyCommandsNeedNoSecrets names an unset ExternalId variable in
// the configuration: the commands that only read work, run says what is
// missing.
func TestReadOnlyCommandsNeedNoSecrets(t *testing.T) {
	c := newCLI(t)
	ev, _ := c.exposedKey("ro")
	if _, code := c.rectify("run", ev); code != 0 {
		t.Fatal("run failed")
	}
	c.write("rectify.yaml", "version: 1\nstore:\n  path: state/rectify.db\naws:\n  role_name: rectify-remediation\n  external_id_env: RECTIFY_TEST_UNSET_XID\n")
	for _, args := range [][]string{
		{"playbooks"}, {"playbooks", "show", "ta-exposed-access-keys"}, {"runs"}, {"plan", ev}, {"actions"},
		{"test-pattern", "--playbook", "ta-exposed-access-keys", ev},
	} {
		if out, code := c.rectify(args...); code != 0 || strings.Contains(out, "RECTIFY_TEST_UNSET_XID") {
			t.Errorf("rectify %s = %d:\n%s", strings.Join(args, " "), code, out)
		}
	}
	if out, code := c.rectify("run", ev); code != 2 || !strings.Contains(out, "environment variable RECTIFY_TEST_UNSET_XID is not set") {
		t.Errorf("run without the ExternalId = %d:\n%s", code, out)
	}
}

// TestRunsWithoutADatabase checks that reading runs creates no database,
// whatever the configuration file, and that --db reads a given one.
func TestRunsWithoutADatabase(t *testing.T) {
	c := newCLI(t)
	ev, _ := c.exposedKey("db")
	dir := t.TempDir()
	t.Chdir(dir)
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(context.Background())
		if err != nil {
			out.WriteString("rectify: " + err.Error())
			return out.String(), exitCode(err)
		}
		return out.String(), 0
	}
	for _, args := range [][]string{{"runs"}, {"--config", os.DevNull, "runs"}, {"runs", "-o", "json"}} {
		out, code := run(args...)
		if code != 0 {
			t.Errorf("rectify %s = %d:\n%s", strings.Join(args, " "), code, out)
		}
		if args[len(args)-1] == "json" {
			if strings.TrimSpace(out) != "[]" {
				t.Errorf("runs -o json without a database = %q, want []", out)
			}
		} else if !strings.Contains(out, "no runs: there is no database at rectify.db yet") {
			t.Errorf("rectify %s:\n%s", strings.Join(args, " "), out)
		}
	}
	if out, code := run("runs", "show", "01ABC"); code != 2 || !strings.Contains(out, "no run 01ABC: there is no database at rectify.db yet") {
		t.Errorf("runs show without a database = %d:\n%s", code, out)
	}
	for _, p := range []string{filepath.Join(dir, "rectify.db"), filepath.Join(filepath.Dir(os.DevNull), "rectify.db")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was created: %v", p, err)
		}
	}

	// --db reads the database a run wrote, whatever the configuration.
	if out, code := c.rectify("run", ev); code != 0 {
		t.Fatalf("run = %d:\n%s", code, out)
	}
	db := filepath.Join(c.dir, "state", "rectify.db")
	out, code := run("--config", os.DevNull, "runs", "--db", db)
	if code != 0 || !strings.Contains(out, "ta-exposed-access-keys") {
		t.Errorf("runs --db = %d:\n%s", code, out)
	}
	id := regexp.MustCompile(`(?m)^(\S{26})\s`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no run id in:\n%s", out)
	}
	if out, code := run("runs", "--db", db, "show", id[1]); code != 0 || !strings.Contains(out, "status:   succeeded") {
		t.Errorf("runs show --db = %d:\n%s", code, out)
	}
}

// TestJSONOutput checks -o json of every command that has it.
func TestJSONOutput(t *testing.T) {
	c := newCLI(t)
	ev, key := c.exposedKey("js")
	decode := func(args ...string) any {
		t.Helper()
		out, errOut, code := c.rectify3(append([]string{"-o", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("rectify -o json %s = %d:\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("rectify -o json %s is not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
		return v
	}
	field := func(v any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m, _ := v.(map[string]any)
				v = m[k]
			case int:
				a, _ := v.([]any)
				if k >= len(a) {
					return nil
				}
				v = a[k]
			}
		}
		return v
	}

	plan := decode("plan", ev)
	if field(plan, 0, "plans", 0, "playbook") != "ta-exposed-access-keys" || field(plan, 0, "plans", 0, "steps", 1, "action") != "iam.delete-access-key" ||
		field(plan, 0, "plans", 0, "target", "id") != key {
		t.Errorf("plan -o json = %v", plan)
	}
	run := decode("run", ev)
	runID, _ := field(run, 0, "runs", 0, "run_id").(string)
	if field(run, 0, "status") != "matched" || field(run, 0, "runs", 0, "status") != "succeeded" || runID == "" ||
		field(run, 0, "runs", 0, "steps", 1, "name") != "delete" {
		t.Errorf("run -o json = %v", run)
	}
	runs := decode("runs")
	if field(runs, 0, "id") != runID || field(runs, 0, "playbook") != "ta-exposed-access-keys" || field(runs, 0, "status") != "succeeded" {
		t.Errorf("runs -o json = %v", runs)
	}
	one := decode("runs", "show", runID)
	if field(one, "id") != runID || field(one, "steps", 0, "status") == nil || field(one, "audit", 0, "kind") == nil {
		t.Errorf("runs show -o json = %v", one)
	}
	books := decode("playbooks")
	if a, _ := books.([]any); len(a) < 10 || field(books, 0, "id") == nil || field(books, 0, "trigger", "source") == nil {
		t.Errorf("playbooks -o json = %v", books)
	}
	show := decode("playbooks", "show", "ta-exposed-access-keys")
	if field(show, "id") != "ta-exposed-access-keys" || field(show, "params") == nil || field(show, "permissions", 0) == nil {
		t.Errorf("playbooks show -o json = %v", show)
	}
	if a, _ := decode("actions").([]any); len(a) < 20 {
		t.Errorf("actions -o json: %d actions", len(a))
	}
}

// TestPlaybooksShowEffectiveParams overrides a parameter in rectify.yaml:
// show prints the value in effect and marks it.
func TestPlaybooksShowEffectiveParams(t *testing.T) {
	c := newCLI(t)
	c.write("rectify.yaml", "version: 1\nplaybooks:\n  overrides:\n    ta-exposed-access-keys: {mode: approve, params: {delete_key: false}}\n")
	out, code := c.rectify("playbooks", "show", "ta-exposed-access-keys")
	if code != 0 {
		t.Fatalf("show = %d:\n%s", code, out)
	}
	contains(t, "show", out, "mode: approve", "delete_key: false  (set by the configuration)")
	out, _ = c.rectify("-o", "json", "playbooks", "show", "ta-exposed-access-keys")
	var pb struct {
		Mode       string
		Params     map[string]any
		Overridden []string
	}
	if err := json.Unmarshal([]byte(out), &pb); err != nil || pb.Mode != "approve" || pb.Params["delete_key"] != false || !slices.Equal(pb.Overridden, []string{"delete_key"}) {
		t.Errorf("show -o json = %+v, %v:\n%s", pb, err, out)
	}
	c.write("rectify.yaml", "version: 1\nplaybooks:\n  overrides:\n    ta-exposed-access-keys: {params: {delete_kye: false}}\n")
	if out, code := c.rectify("playbooks", "show", "ta-exposed-access-keys"); code != 2 || !strings.Contains(out, `unknown parameter "delete_kye"`) {
		t.Errorf("an unknown parameter = %d:\n%s", code, out)
	}
}

func TestPlaybooksValidateWarnsAndCounts(t *testing.T) {
	c := newCLI(t)
	typo := c.write("typo.yaml", `id: typo
title: A misspelt trigger key
trigger:
  source: [aws.ec2]
  detail_type: [AWS API Call via CloudTrail]
  detail:
    eventname: [AuthorizeSecurityGroupIngress]
steps:
  - action: ec2.revoke-open-ingress
    with: {group_id: sg-1}
`)
	out, code := c.rectify("playbooks", "validate", typo)
	if code != 0 {
		t.Errorf("warnings only: exit %d:\n%s", code, out)
	}
	contains(t, "warnings", out, `typo.yaml:5:3: trigger.detail_type: warning: EventBridge events have no key "detail_type" (did you mean "detail-type"?)`,
		`typo.yaml:7:5: trigger.detail.eventname: warning: no sample event of aws.ec2 (AWS API Call via CloudTrail) has detail.eventname (did you mean "eventName"?)`,
		"typo.yaml: ok: typo")

	bad := c.write("bad.yaml", "id: bad\ntitle: x\ntrigger: {source: [aws.ec2]}\nmode: sometimes\nsteps: []\n")
	out, code = c.rectify("playbooks", "validate", bad)
	if code != 1 || !regexp.MustCompile(`\d+ problems? in 1 file\b`).MatchString(out) || strings.Contains(out, "1 files") {
		t.Errorf("one bad file = %d:\n%s", code, out)
	}
	out, _ = c.rectify("playbooks", "validate", c.write("bad1.yaml", "id: bad1\ntitle: x\ntrigger: {source: [aws.ec2]}\nsteps:\n  - action: ec2.revoke-open-ingress\n    with: {group_id: sg-1}\nmode: sometimes\n"))
	if !strings.Contains(out, "1 problem in 1 file") {
		t.Errorf("one problem:\n%s", out)
	}

	// The warning is also printed when the playbook is loaded from a
	// configured directory.
	if err := os.Mkdir(filepath.Join(c.dir, "mine"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(typo, filepath.Join(c.dir, "mine", "typo.yaml")); err != nil {
		t.Fatal(err)
	}
	c.write("rectify.yaml", "version: 1\nplaybooks: {dirs: [mine]}\n")
	out, code = c.rectify("playbooks")
	if code != 0 || !strings.Contains(out, `trigger.detail_type: warning: EventBridge events have no key "detail_type"`) {
		t.Errorf("playbooks with a misspelt trigger in a directory = %d:\n%s", code, out)
	}
}

func TestCompletion(t *testing.T) {
	c := newCLI(t)
	c.write("rectify.yaml", "version: 1\nstore:\n  path: state/rectify.db\nplaybooks:\n  overrides:\n    ta-exposed-access-keys: {mode: approve}\n")
	ev, _ := c.exposedKey("comp")
	if _, code := c.rectify("run", ev); code != 0 {
		t.Fatal("run failed")
	}
	out, _ := c.rectify("runs")
	id := regexp.MustCompile(`(?m)^(\S{26})\s`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no run:\n%s", out)
	}
	tests := []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"playbooks", "show", "ta-"}, []string{"ta-exposed-access-keys\t"}, []string{"ec2-"}},
		{[]string{"test-pattern", "--playbook", "ec2-s"}, []string{"ec2-security-group-open-to-world"}, []string{"ta-exposed"}},
		{[]string{"runs", "show", ""}, []string{id[1] + "\tta-exposed-access-keys awaiting_approval"}, nil},
		{[]string{"approve", ""}, []string{id[1]}, nil},
		{[]string{"runs", "--status", "awa"}, []string{"awaiting_approval"}, nil},
		{[]string{"--log-level", ""}, []string{"debug", "warn"}, nil},
		{[]string{"actions", "show", "iam.del"}, []string{"iam.delete-access-key"}, nil},
	}
	for _, tt := range tests {
		out, code := c.rectify(append([]string{cobra.ShellCompRequestCmd}, tt.args...)...)
		if code != 0 {
			t.Errorf("complete %q = %d:\n%s", tt.args, code, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("complete %q lacks %q:\n%s", tt.args, w, out)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(out, n) {
				t.Errorf("complete %q offers %q:\n%s", tt.args, n, out)
			}
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if out, code := c.rectify("completion", shell); code != 0 || !strings.Contains(out, "rectify") {
			t.Errorf("completion %s = %d", shell, code)
		}
	}
}
