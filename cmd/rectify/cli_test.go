package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// cli runs rectify commands against the AWS simulator, configured as a user
// would: through the SDK's environment variables and a rectify.yaml in a
// temporary directory.
type cli struct {
	t   *testing.T
	sim *awssim.Server
	dir string
	cfg string
}

func newCLI(t *testing.T) *cli {
	sim := awssim.Start(t)
	for _, kv := range sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-aws-credentials"))
	c := &cli{t: t, sim: sim, dir: dir, cfg: filepath.Join(dir, "rectify.yaml")}
	c.write("rectify.yaml", "version: 1\nstore:\n  path: state/rectify.db\naws:\n  max_attempts: 1\n")
	if err := os.Mkdir(filepath.Join(dir, "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cli) write(name, content string) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// rectify runs one command and returns its standard output and error
// together, and its exit code.
func (c *cli) rectify(args ...string) (string, int) {
	c.t.Helper()
	out, errOut, code := c.rectify3(args...)
	return out + errOut, code
}

// rectify3 runs one command and returns its standard output, its standard
// error and its exit code.
func (c *cli) rectify3(args ...string) (string, string, int) {
	c.t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetArgs(append([]string{"--config", c.cfg}, args...))
	err := cmd.ExecuteContext(context.Background())
	code := 0
	if err != nil {
		code = exitCode(err)
		if !silent(err) {
			errOut.WriteString("rectify: " + err.Error() + "\n")
		}
	}
	if testing.Verbose() {
		c.t.Logf("rectify %s -> %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return out.String(), errOut.String(), code
}

// exposedKey creates a key for ci-deployer and writes the Trusted Advisor
// event that reports it exposed.
func (c *cli) exposedKey(name string) (path, keyID string) {
	c.t.Helper()
	ctx := context.Background()
	cli := iam.NewFromConfig(c.sim.Config(""))
	if _, err := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ci-deployer")}); err != nil {
		if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci-deployer")}); err != nil {
			c.t.Fatal(err)
		}
	}
	k, err := cli.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci-deployer")})
	if err != nil {
		c.t.Fatal(err)
	}
	keyID = aws.ToString(k.AccessKey.AccessKeyId)
	raw, err := os.ReadFile("../../internal/catalog/testdata/ta-exposed-access-keys/event.json")
	if err != nil {
		c.t.Fatal(err)
	}
	s := regexp.MustCompile(`"Access Key ID": *"[^"]*"`).ReplaceAllString(string(raw), `"Access Key ID": "`+keyID+`"`)
	s = regexp.MustCompile(`"account": *"\d{12}"`).ReplaceAllString(s, `"account": "`+c.sim.Account()+`"`)
	s = regexp.MustCompile(`"id": *"[^"]*"`).ReplaceAllString(s, `"id": "ev-`+name+`"`)
	return c.write(name+".json", s), keyID
}

// keyStatus returns the status of ci-deployer's key, or "gone".
func (c *cli) keyStatus(keyID string) string {
	c.t.Helper()
	out, err := iam.NewFromConfig(c.sim.Config("")).ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String("ci-deployer")})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, k := range out.AccessKeyMetadata {
		if aws.ToString(k.AccessKeyId) == keyID {
			return string(k.Status)
		}
	}
	return "gone"
}

func contains(t *testing.T, what, out string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(out, p) {
			t.Errorf("%s: output lacks %q:\n%s", what, p, out)
		}
	}
}

func TestRunPlanRuns(t *testing.T) {
	c := newCLI(t)
	ev, key := c.exposedKey("one")

	// plan changes nothing: the key stays, and no run is recorded.
	out, code := c.rectify("plan", ev)
	if code != 0 {
		t.Fatalf("plan exit %d:\n%s", code, out)
	}
	contains(t, "plan", out, "playbook ta-exposed-access-keys", "mode:   auto", "deactivate access key "+key,
		"delete access key "+key, "IAM: iam:DeleteAccessKey, iam:ListAccessKeys", "cloudtrail:LookupEvents")
	if s := c.keyStatus(key); s != string(iamtypes.StatusTypeActive) {
		t.Errorf("after plan the key is %s, want Active", s)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "state", "rectify.db")); !os.IsNotExist(err) {
		t.Errorf("plan created the database: %v", err)
	}

	// run remediates.
	out, code = c.rectify("run", ev)
	if code != 0 {
		t.Fatalf("run exit %d:\n%s", code, out)
	}
	contains(t, "run", out, "event ev-one: matched", "playbook ta-exposed-access-keys", "status: succeeded",
		"AWS::IAM::AccessKey "+key, "1. deactivate", "2. delete", "3. activity")
	if s := c.keyStatus(key); s != "gone" {
		t.Errorf("after run the key is %s, want gone", s)
	}
	runID := regexp.MustCompile(`run:\s+(\S+)`).FindStringSubmatch(out)
	if runID == nil {
		t.Fatalf("run printed no run id:\n%s", out)
	}

	// A redelivery is handled: a duplicate, exit 0.
	out, code = c.rectify("run", ev)
	if code != 0 {
		t.Fatalf("second run exit %d:\n%s", code, out)
	}
	contains(t, "second run", out, "event ev-one: duplicate", "duplicate delivery")

	// runs lists it, with filters; runs show prints steps and audit.
	out, code = c.rectify("runs")
	if code != 0 {
		t.Fatalf("runs exit %d:\n%s", code, out)
	}
	contains(t, "runs", out, "ID", "CREATED", runID[1], "ta-exposed-access-keys", "auto", "succeeded")
	if out, _ := c.rectify("runs", "--status", "failed"); !strings.Contains(out, "no runs") {
		t.Errorf("runs --status failed:\n%s", out)
	}
	if out, _ := c.rectify("runs", "--playbook", "other"); !strings.Contains(out, "no runs") {
		t.Errorf("runs --playbook other:\n%s", out)
	}
	if out, code := c.rectify("runs", "--status", "bogus"); code == 0 || !strings.Contains(out, "bogus") {
		t.Errorf("runs --status bogus = %d:\n%s", code, out)
	}
	out, code = c.rectify("runs", "show", runID[1])
	if code != 0 {
		t.Fatalf("runs show exit %d:\n%s", code, out)
	}
	contains(t, "runs show", out, "run:      "+runID[1], "status:   succeeded", "steps:", "deactivate", "audit:",
		"started", "succeeded", "notified")
	if _, code := c.rectify("runs", "show", "no-such-run"); code == 0 {
		t.Error("runs show of an unknown run succeeded")
	}
}

func TestRunExitCodes(t *testing.T) {
	c := newCLI(t)
	status := func(s string) string {
		return strings.Replace(string(mustRead(t, "../../internal/catalog/testdata/ta-exposed-access-keys/event.json")),
			`"status": "ERROR"`, `"status": "`+s+`"`, 1)
	}
	tests := []struct {
		name  string
		body  string
		code  int
		parts []string
	}{
		{"unmatched", status("OK"), 0, []string{"unmatched"}},
		{"malformed", `{"id":`, 1, []string{"rejected"}},
		{"not an event", `{"id":"x","source":"aws.s3"}`, 1, []string{"rejected"}},
		{"one bad line among good", other("l1") + "\n{bad\n" + other("l2") + "\n", 1, []string{":1: event l1: unmatched", ":2: event", "rejected", ":3: event l2: unmatched"}},
		{"empty", "\n", 1, []string{"no events"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := c.rectify("run", c.write(strings.ReplaceAll(tc.name, " ", "-")+".json", tc.body))
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, out)
			}
			contains(t, tc.name, out, tc.parts...)
		})
	}
	if out, code := c.rectify("run", filepath.Join(c.dir, "missing.json")); code == 0 || !strings.Contains(out, "missing.json") {
		t.Errorf("run of a missing file = %d:\n%s", code, out)
	}

	// A remediation refused for good exits 1.
	ev, key := c.exposedKey("fails")
	c.sim.SetFault("iam", "UpdateAccessKey", awssim.Fault{ErrorRate: 1, ErrorCode: "AccessDenied", ErrorStatus: 403})
	out, code := c.rectify("run", ev)
	if code != 1 {
		t.Errorf("run with IAM refusing: exit %d, want 1:\n%s", code, out)
	}
	contains(t, "failed run", out, "status: failed", "error:", "AccessDenied")
	c.sim.ClearFaults()
	if s := c.keyStatus(key); s != string(iamtypes.StatusTypeActive) {
		t.Errorf("key is %s after a failed run, want Active", s)
	}
	out, _ = c.rectify("runs", "--status", "failed")
	if !strings.Contains(out, "failed") || strings.Contains(out, "no runs") {
		t.Errorf("runs --status failed does not list the failed run:\n%s", out)
	}
	// Once the cause is mended, runs retry remediates.
	out, code = c.rectify("runs", "retry")
	if code != 0 || !strings.Contains(out, "succeeded") {
		t.Errorf("runs retry: exit %d:\n%s", code, out)
	}
	if s := c.keyStatus(key); s != "gone" {
		t.Errorf("key is %q after runs retry, want deleted", s)
	}

	// A remediation failing in a way that may pass waits to try again.
	ev, key = c.exposedKey("flaky")
	c.sim.SetFault("iam", "UpdateAccessKey", awssim.Fault{ErrorRate: 1})
	out, code = c.rectify("run", ev)
	if code != 0 {
		t.Errorf("run with IAM failing with 500s: exit %d, want 0:\n%s", code, out)
	}
	contains(t, "waiting run", out, "status: waiting", "will try again")
	c.sim.ClearFaults()
	if out, code = c.rectify("runs", "retry", "--status", "waiting"); code != 0 || !strings.Contains(out, "succeeded") {
		t.Errorf("runs retry --status waiting: exit %d:\n%s", code, out)
	}
	if s := c.keyStatus(key); s != "gone" {
		t.Errorf("key is %q after the retry, want deleted", s)
	}

	// --dry-run records a plan and changes nothing.
	ev, key = c.exposedKey("dry")
	out, code = c.rectify("--dry-run", "run", ev)
	if code != 0 {
		t.Errorf("dry run exit %d:\n%s", code, out)
	}
	contains(t, "dry run", out, "mode:   dry-run", "status: planned")
	if s := c.keyStatus(key); s != string(iamtypes.StatusTypeActive) {
		t.Errorf("key is %s after a dry run, want Active", s)
	}
}

func TestReplay(t *testing.T) {
	c := newCLI(t)
	ev, key := c.exposedKey("r1")
	dir := filepath.Join(c.dir, "replay")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(ev, filepath.Join(dir, "a.json")); err != nil {
		t.Fatal(err)
	}
	lines := other("u1") + "\n" + other("u2") + "\nnot json\n"
	if err := os.WriteFile(filepath.Join(dir, "sub", "b.jsonl"), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := c.rectify("replay", dir)
	if code != 1 {
		t.Errorf("replay exit %d, want 1 for the rejected line:\n%s", code, out)
	}
	contains(t, "replay", out, "4 events", "EVENTS", "matched", "unmatched  2", "rejected   1", "RUNS", "succeeded  1",
		"1 failure:", "b.jsonl:3: rejected")
	if s := c.keyStatus(key); s != "gone" {
		t.Errorf("after replay the key is %s, want gone", s)
	}
}

func TestPlaybooksCmd(t *testing.T) {
	c := newCLI(t)
	good := strings.Replace(string(mustRead(t, "../../internal/catalog/playbooks/ta-exposed-access-keys.yaml")),
		"id: ta-exposed-access-keys", "id: my-exposed-keys", 1)
	goodPath := c.write("good.yaml", good)
	dupPath := c.write("dup.yaml", string(mustRead(t, "../../internal/catalog/playbooks/ta-exposed-access-keys.yaml")))
	badPath := c.write("bad.yaml", `id: bad
title: Bad
trigger:
  source: [aws.iam]
mode: sometimes
steps:
  - id: one
    action: iam.no-such-action
    with: {x: 1}
`)

	out, code := c.rectify("playbooks", "validate", goodPath)
	if code != 0 {
		t.Errorf("validate good: exit %d:\n%s", code, out)
	}
	contains(t, "validate good", out, "good.yaml: ok: my-exposed-keys")

	out, code = c.rectify("playbooks", "validate", goodPath, badPath, dupPath)
	if code != 1 {
		t.Errorf("validate bad: exit %d, want 1:\n%s", code, out)
	}
	contains(t, "validate bad", out, "bad.yaml:5:7: mode:", "bad.yaml:8:13: steps[0].action:", "dup.yaml:1:1: id:", "already defined by built-in")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "rectify:") || strings.Contains(line, ": ok: ") {
			continue
		}
		if !regexp.MustCompile(`^\S+\.yaml:\d+:\d+: \S+: .+`).MatchString(line) {
			t.Errorf("validate line %q is not file:line:col: field: message", line)
		}
	}

	out, code = c.rectify("playbooks")
	if code != 0 {
		t.Fatalf("playbooks exit %d:\n%s", code, out)
	}
	contains(t, "playbooks", out, "ID", "MODE", "ta-exposed-access-keys", "auto", "aws.trustedadvisor")

	// Overrides and user directories show in the list.
	if err := os.Mkdir(filepath.Join(c.dir, "mine"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(goodPath, filepath.Join(c.dir, "mine", "good.yaml")); err != nil {
		t.Fatal(err)
	}
	c.write("rectify.yaml", "version: 1\nplaybooks:\n  dirs: [mine]\n  overrides:\n    ta-exposed-access-keys: {mode: approve}\n")
	out, _ = c.rectify("playbooks")
	if !regexp.MustCompile(`ta-exposed-access-keys\s+approve`).MatchString(out) || !strings.Contains(out, "my-exposed-keys") {
		t.Errorf("playbooks with configuration:\n%s", out)
	}

	out, code = c.rectify("playbooks", "show", "ta-exposed-access-keys")
	if code != 0 {
		t.Fatalf("show exit %d:\n%s", code, out)
	}
	contains(t, "show", out, "id: ta-exposed-access-keys", "mode: approve", "steps:", "action: iam.delete-access-key",
		"iam permissions in the target's (member) account:\n  - cloudtrail:LookupEvents\n  - iam:DeleteAccessKey\n  - iam:ListAccessKeys\n  - iam:UpdateAccessKey\n  - tag:GetResources\n")
	if out, code := c.rectify("playbooks", "show", "nope"); code == 0 || !strings.Contains(out, "ta-exposed-access-keys") {
		t.Errorf("show nope = %d:\n%s", code, out)
	}
}

// other returns an event that no built-in playbook matches.
func other(id string) string {
	return `{"version":"0","id":"` + id + `","detail-type":"Thing","source":"test.app","account":"123456789012",` +
		`"time":"2026-11-20T19:38:24Z","region":"us-east-1","resources":[],"detail":{}}`
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestApprove(t *testing.T) {
	c := newCLI(t)
	c.write("rectify.yaml", "version: 1\nstore:\n  path: state/rectify.db\nplaybooks:\n  overrides:\n    ta-exposed-access-keys: {mode: approve}\n")
	ev, key := c.exposedKey("appr")
	out, code := c.rectify("run", ev)
	if code != 0 {
		t.Fatalf("run exit %d:\n%s", code, out)
	}
	contains(t, "run", out, "mode:   approve", "status: awaiting_approval")
	if s := c.keyStatus(key); s != string(iamtypes.StatusTypeActive) {
		t.Errorf("before approval the key is %s, want Active", s)
	}
	out, _ = c.rectify("runs", "--status", "awaiting_approval")
	runID := regexp.MustCompile(`(?m)^(\S{26})\s`).FindStringSubmatch(out)
	if runID == nil {
		t.Fatalf("runs lists no run awaiting approval:\n%s", out)
	}
	out, code = c.rectify("approve", runID[1], "--by", "alice")
	if code != 0 {
		t.Fatalf("approve exit %d:\n%s", code, out)
	}
	contains(t, "approve", out, "status:   succeeded", "approved by alice")
	if s := c.keyStatus(key); s != "gone" {
		t.Errorf("after approval the key is %s, want gone", s)
	}
	if out, code := c.rectify("approve", runID[1]); code == 0 || !strings.Contains(out, "not awaiting approval") {
		t.Errorf("second approve = %d:\n%s", code, out)
	}
}

// TestEventTextIsEscaped feeds an event whose access key id holds a
// clear-screen sequence, an OSC title sequence and a bidirectional
// override, from a file whose name holds an escape too: every command that
// prints it shows the escapes, never the raw characters.
func TestEventTextIsEscaped(t *testing.T) {
	c := newCLI(t)
	raw := string(mustRead(t, "../../internal/catalog/testdata/ta-exposed-access-keys/event.json"))
	const hostile = `AKIA\u001b[2J\u001b]0;owned\u0007\u202eX`
	raw = regexp.MustCompile(`"Access Key ID": *"[^"]*"`).ReplaceAllString(raw, `"Access Key ID": "`+hostile+`"`)
	raw = regexp.MustCompile(`"account": *"\d{12}"`).ReplaceAllString(raw, `"account": "`+c.sim.Account()+`"`)
	ev := c.write("ev\x1b[31m.json", raw)
	clean := func(what, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\x07\u202e\u009b") {
			t.Errorf("%s: output holds raw control characters:\n%q", what, out)
		}
	}
	out, _ := c.rectify("plan", ev)
	clean("plan", out)
	contains(t, "plan", out, `ev\x1b[31m.json`, `AKIA\x1b[2J\x1b]0;owned\x07\u202eX`)
	out, _ = c.rectify("run", ev)
	clean("run", out)
	contains(t, "run", out, `ev\x1b[31m.json:1: event`, `AKIA\x1b[2J\x1b]0;owned\x07\u202eX`)
	out, _ = c.rectify("runs")
	clean("runs", out)
	contains(t, "runs", out, `AKIA\x1b[2J`)
	id := regexp.MustCompile(`(?m)^(\S+)\s.*ta-exposed-access-keys`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("runs lists no run:\n%s", out)
	}
	out, _ = c.rectify("runs", "show", id[1])
	clean("runs show", out)
	contains(t, "runs show", out, `AKIA\x1b[2J\x1b]0;owned\x07\u202eX`)
	out, _ = c.rectify("replay", "-v", ev)
	clean("replay", out)

	// An id with an escape sequence is refused; the reason quotes it.
	bad := c.write("bad.json", strings.Replace(raw, `"1234abcd-ab12-123a-123a-1234567890ab"`, `"\u001b[2J\u202e"`, 1))
	out, code := c.rectify("run", bad)
	clean("run of a bad id", out)
	if code != 1 {
		t.Errorf("run of an event with a bad id: exit %d, want 1", code)
	}
	contains(t, "run of a bad id", out, `rejected (invalid event: id: "\x1b[2J\u202e" has byte 0x1b`)
}
