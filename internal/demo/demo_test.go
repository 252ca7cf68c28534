package demo_test

import (
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/demo"
)

// runDemo runs the demo once and returns its report.
func runDemo(t *testing.T, opts demo.Options) string {
	t.Helper()
	var out bytes.Buffer
	if err := demo.Run(context.Background(), &out, opts); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	return out.String()
}

// sections splits the report into its numbered scenario sections, the
// summary last.
func sections(report string) []string {
	parts := regexp.MustCompile(`(?m)^\d+\. `).Split(report, -1)
	return parts[1:]
}

// line returns the first line of section that starts with prefix, without
// the prefix.
func line(section, prefix string) string {
	for _, l := range strings.Split(section, "\n") {
		if s, ok := strings.CutPrefix(l, prefix); ok {
			return s
		}
	}
	return ""
}

func TestDemoShowsEveryScenario(t *testing.T) {
	report := runDemo(t, demo.Options{Verbose: true})
	secs := sections(report)
	tests := []struct {
		name string
		// after are substrings of the scenario's After line.
		after []string
		// report are substrings of the scenario's section.
		report []string
	}{
		{"Trusted Advisor", []string{"has no access keys: the exposed key is gone"},
			[]string{"iam.delete-access-key", "203.0.113.66", "Notification to the security team"}},
		{"security group", []string{"admits nothing from the internet", "tcp 443 from 10.0.0.0/8"},
			[]string{"IAM user alice added ingress rules", "tcp 22 from 0.0.0.0/0", "is ignored (loop guard:", "Notification to the security team"}},
		{"internet gateway", []string{"is detached from VPC"},
			[]string{"IAM user alice attached internet gateway", "ec2.detach-internet-gateway"}},
		{"bucket policy", []string{"Block Public Access: 4 of 4 settings on", "AllowAnalytics", "ACL grants: owner FULL_CONTROL."},
			[]string{"PublicRead (principal \"*\")", "removed public statement(s) PublicRead"}},
		{"AWS Config", []string{"Block Public Access: 4 of 4 settings on", "ACL grants: owner FULL_CONTROL."},
			[]string{"AllUsers READ", "removed grant(s) AllUsers:READ"}},
		{"Glue", []string{"no longer exists"},
			[]string{"it is PROVISIONING", "(mode auto): waiting", "is READY", "1 resumed", "Glue dev endpoint analytics-notebook deleted"}},
		{"credentials used outside AWS", []string{"is refused (AccessDenied)", "AWSRevokeOlderSessions"},
			[]string{"ListBuckets succeeds with it", "iam.revoke-role-sessions"}},
		{"compromised instance", []string{"(rectify-quarantine)", "snapshots of vol-", ": 1;", `rectify:quarantined="0ec5f1e2d3c4b5a6978877665544b00d"`},
			[]string{"(mode approve): awaiting_approval", "planned", "approved by demo"}},
		{"Access Analyzer", []string{"left for a person (notify mode)", "still trusts arn:aws:iam::210987654321:root", "is ACTIVE"},
			[]string{"(mode notify): planned", "External access to IAM role LegacyVendorAccess"}},
		{"Security Hub", []string{"admits nothing from the internet", "tcp 443 from 10.0.0.0/8", "workflow status is RESOLVED"},
			[]string{"tcp 22 from 0.0.0.0/0", "workflow NEW", "from NEW to RESOLVED and added to its note"}},
	}
	scenarios := demo.Scenarios()
	if len(scenarios) != len(tests) || len(secs) != len(tests) {
		t.Fatalf("%d scenarios, %d sections in the report, %d expected:\n%s", len(scenarios), len(secs), len(tests), report)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec := secs[i]
			if !strings.Contains(line(sec, ""), tt.name) {
				t.Fatalf("section %d is %q, want the %s scenario", i+1, line(sec, ""), tt.name)
			}
			after := line(sec, "After: ")
			for _, want := range tt.after {
				if !strings.Contains(after, want) {
					t.Errorf("After: %s\nlacks %q", after, want)
				}
			}
			for _, want := range tt.report {
				if !strings.Contains(sec, want) {
					t.Errorf("section lacks %q:\n%s", want, sec)
				}
			}
			for _, l := range strings.Split(sec, "\n") {
				run, step := strings.HasPrefix(l, "  playbook "), strings.HasPrefix(l, "    step ")
				if (run && strings.HasSuffix(l, ": failed")) || (step && slices.Contains(strings.Fields(l), "failed")) {
					t.Errorf("a run or step failed: %s", l)
				}
			}
		})
	}
}

func TestDemoSummarizesEveryBuiltinPlaybook(t *testing.T) {
	report := runDemo(t, demo.Options{})
	checkSummary(t, report)
}

// TestDemoAgainOnItsState runs the demo twice on one state file: the
// second demo's events are new to rectify, so every scenario is handled
// again rather than recognized as a redelivery.
func TestDemoAgainOnItsState(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rectify.db")
	runDemo(t, demo.Options{DB: db})
	report := runDemo(t, demo.Options{DB: db, Verbose: true})
	if strings.Contains(report, ": duplicate") {
		t.Errorf("the second demo's events were taken for redeliveries:\n%s", report)
	}
	checkSummary(t, report)
}

// checkSummary checks that the report's summary has a row for every
// built-in playbook with its mode and the expected outcome.
func checkSummary(t *testing.T, report string) {
	t.Helper()
	_, summary, ok := strings.Cut(report, "\nSummary\n=======\n")
	if !ok {
		t.Fatalf("no summary:\n%s", report)
	}
	rows := map[string][]string{}
	for _, l := range strings.Split(summary, "\n") {
		if f := strings.Fields(l); len(f) == 5 {
			rows[f[1]] = f[2:]
		}
	}
	names, err := fs.Glob(catalog.FS(), "*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("built-in playbooks: %v, %v", names, err)
	}
	want := map[string][2]string{
		"guardduty-instance-compromised":  {"approve", "succeeded"},
		"access-analyzer-external-access": {"notify", "planned"},
	}
	for _, n := range names {
		id := strings.TrimSuffix(n, ".yaml")
		row, ok := rows[id]
		if !ok {
			t.Errorf("the demo has no scenario for playbook %s:\n%s", id, summary)
			continue
		}
		mode, outcome := "auto", "succeeded"
		if w, ok := want[id]; ok {
			mode, outcome = w[0], w[1]
		}
		if row[0] != mode || row[1] != outcome {
			t.Errorf("summary of %s = mode %s, outcome %s; want %s, %s", id, row[0], row[1], mode, outcome)
		}
	}
}

// TestDemoBrief checks the short report: one line per scenario with the
// state rectify left, the summary, and a closing hint that names no
// database that no longer exists.
func TestDemoBrief(t *testing.T) {
	report := runDemo(t, demo.Options{})
	lines := regexp.MustCompile(`(?m)^ ?\d+\. .*$`).FindAllString(report, -1)
	if len(lines) != len(demo.Scenarios()) {
		t.Fatalf("%d scenario lines, want %d:\n%s", len(lines), len(demo.Scenarios()), report)
	}
	if !strings.Contains(lines[0], "the exposed key is gone") {
		t.Errorf("first line = %q, want the state rectify left", lines[0])
	}
	for _, no := range []string{"audit trail of run", "Notification to the security team", "Before: ", "/rectify.db"} {
		if strings.Contains(report, no) {
			t.Errorf("the short report shows %q:\n%s", no, report)
		}
	}
	if !strings.Contains(report, "rectify demo --db demo.db keeps it") || !strings.Contains(report, "rectify demo -v") {
		t.Errorf("closing hint:\n%s", report)
	}
	checkSummary(t, report)
	if n := strings.Count(report, "\n"); n > 40 {
		t.Errorf("the short report has %d lines", n)
	}

	db := filepath.Join(t.TempDir(), "kept.db")
	report = runDemo(t, demo.Options{DB: db})
	if !strings.Contains(report, "rectify runs --db "+db) {
		t.Errorf("the hint does not name the kept database %s:\n%s", db, report)
	}
}

// TestDemoVerboseShowsEachRunOnce checks that a run is shown once with its
// steps, and again only when a second phase changed it.
func TestDemoVerboseShowsEachRunOnce(t *testing.T) {
	secs := sections(runDemo(t, demo.Options{Verbose: true}))
	for _, sec := range secs {
		seen := map[string]int{}
		for _, l := range strings.Split(sec, "\n") {
			if strings.HasPrefix(l, "  playbook ") {
				seen[l]++
			}
		}
		for l, n := range seen {
			if n > 1 {
				t.Errorf("run line shown %d times: %s\n%s", n, l, sec)
			}
		}
	}
	// The Glue run is shown waiting, then done; the security group run,
	// which the second phase leaves alone, once.
	glue, sg := secs[5], secs[1]
	if !strings.Contains(glue, "(mode auto): waiting") || !strings.Contains(glue, "(mode auto): succeeded") {
		t.Errorf("the Glue run is not shown before and after the wait:\n%s", glue)
	}
	if strings.Count(sg, "  playbook ec2-security-group-open-to-world") != 1 || !strings.Contains(sg, "audit trail of run") {
		t.Errorf("security group scenario:\n%s", sg)
	}
}

// TestDemoNotificationSeverity checks that a notification's subject
// carries the finding's severity: HIGH for GuardDuty's severity 8.
func TestDemoNotificationSeverity(t *testing.T) {
	secs := sections(runDemo(t, demo.Options{Verbose: true}))
	for i, want := range map[int]string{0: "[HIGH]", 6: "[HIGH]", 7: "[HIGH]"} {
		subject := line(secs[i], "  Subject: ")
		if !strings.HasPrefix(subject, want) {
			t.Errorf("scenario %d: subject %q, want %s", i+1, subject, want)
		}
	}
}

// TestDemoDryRunChangesNothing runs the demo under the global dry run and
// checks the simulator's activity log: rectify made no mutating call in any
// account. The same count over a demo that acts finds rectify's calls.
func TestDemoDryRunChangesNothing(t *testing.T) {
	sim := awssim.Start(t)
	report := runDemo(t, demo.Options{DryRun: true, Sim: sim})
	if !strings.Contains(report, "Dry run: every playbook plans") || !strings.Contains(report, "planned, nothing changed: deactivate access key") {
		t.Errorf("report:\n%s", report)
	}
	if strings.Contains(report, "the exposed key is gone") {
		t.Errorf("a dry run removed the key:\n%s", report)
	}
	if writes := rectifyWrites(sim); len(writes) > 0 {
		t.Errorf("under --dry-run rectify called: %s", strings.Join(writes, ", "))
	}

	acting := awssim.Start(t)
	runDemo(t, demo.Options{Sim: acting})
	if writes := rectifyWrites(acting); len(writes) < 10 {
		t.Errorf("the demo that acts made %d mutating calls as rectify, want one or more per scenario: %v", len(writes), writes)
	}
}

// rectifyWrites returns the mutating calls that rectify's sessions in the
// member account's remediation role made, in every account.
func rectifyWrites(sim *awssim.Server) []string {
	var out []string
	for _, acct := range sim.Accounts() {
		for _, r := range sim.Trail(acct, sim.Region()) {
			if strings.Contains(r.UserIdentity.ARN, ":assumed-role/rectify-remediation/rectify-") && !r.ReadOnly {
				out = append(out, acct+" "+r.EventSource+" "+r.EventName)
			}
		}
	}
	return out
}
