package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/control"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/store"
)

// The end-to-end tests of the control playbook form: what rectify supplies
// to every control playbook (matching each form of a control id, the
// per-finding check, the target from the finding's resource, control
// parameters and the finding's report), exercised through the EC2.13 and
// EC2.14 playbook and test playbooks.

// openAdminPorts returns a new security group in the member account with
// SSH and RDP open to the world, and the ids of those two rules.
func openAdminPorts(t *testing.T, h *harness, region string) (n *ec2Net, ssh, rdp string) {
	t.Helper()
	n = newEC2Net(t, h, region)
	ids := n.authorize(t, ec2TCPFrom(22, "0.0.0.0/0", "ssh"), ec2TCPFrom(3389, "0.0.0.0/0", "rdp"))
	return n, ids[0], ids[1]
}

func (n *ec2Net) arn(account string) string {
	return "arn:" + partitionOf(n.region) + ":ec2:" + n.region + ":" + account + ":security-group/" + n.group
}

// runsOf returns the runs of playbook id in res, by finding id, and the
// skip reasons of the findings it did not act on.
func runsOf(res *engine.Result, id string) (runs map[string]engine.RunResult, skipped map[string]string) {
	runs, skipped = map[string]engine.RunResult{}, map[string]string{}
	for _, r := range res.Runs {
		if r.PlaybookID != id {
			continue
		}
		if r.Skipped != "" {
			skipped[r.Target.FindingID] = r.Skipped
		} else {
			runs[r.Target.FindingID] = r
		}
	}
	return runs, skipped
}

// TestControlFormsRoute delivers EC2.13 and EC2.14 findings in every form
// a finding names them: each routes to the playbook, which revokes only
// the control's own port and resolves the finding with a note naming the
// control and the rule.
func TestControlFormsRoute(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	a := h.rectify(t, "")
	for _, tc := range []struct{ control, form string }{
		{"EC2.13", formConsolidated}, {"EC2.13", formGenerator}, {"EC2.13", formCIS120}, {"EC2.13", formPCI}, {"EC2.13", formNIST},
		{"EC2.14", formConsolidated}, {"EC2.14", formGenerator}, {"EC2.14", formCIS120},
	} {
		t.Run(tc.control+" "+tc.form, func(t *testing.T) {
			n, ssh, rdp := openAdminPorts(t, h, "us-east-1")
			f := shFinding{Control: tc.control, Form: tc.form, Resource: n.arn(member), ResourceType: "AwsEc2SecurityGroup"}
			ev := shImported(t, f)
			h.importFindings(t, member, "us-east-1", ev)
			res, err := a.Engine.Handle(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			runs, skipped := runsOf(res, ec213Playbook)
			run, ok := runs[f.findingID(t)]
			if !ok || len(skipped) != 0 || run.Status != store.RunSucceeded {
				t.Fatalf("runs = %+v, skipped %v", res.Runs, skipped)
			}
			if got := run.Target.Attributes["controlId"]; got != tc.control {
				t.Errorf("target controlId = %q", got)
			}
			revoked, kept := ssh, rdp
			if tc.control == "EC2.14" {
				revoked, kept = rdp, ssh
			}
			rules := strings.Join(n.rules(t), "\n")
			if strings.Contains(rules, revoked) || !strings.Contains(rules, kept) {
				t.Errorf("rules:\n%s\nwant %s revoked and %s kept", rules, revoked, kept)
			}
			status, note := h.findingStatus(t, member, "us-east-1", f.findingID(t))
			if status != "RESOLVED" || ec2Missing(note, "rectify remediated Security Hub control "+tc.control, n.group, revoked) != "" || strings.Contains(note, kept) {
				t.Errorf("finding is %s with note %q", status, note)
			}
		})
	}
}

// TestControlSkipReasons delivers findings the playbook must not act on:
// each is skipped with a precise reason, recorded in the audit trail, and
// nothing in the account changes.
func TestControlSkipReasons(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	a := h.rectify(t, "")
	n, _, _ := openAdminPorts(t, h, "us-east-1")
	before := n.rules(t)
	g := func(ctl string, mod func(*shFinding)) shFinding {
		f := shFinding{Control: ctl, Resource: n.arn(member), ResourceType: "AwsEc2SecurityGroup"}
		if mod != nil {
			mod(&f)
		}
		return f
	}
	other := g("EC2.2", nil)
	suppressed := g("EC2.13", func(f *shFinding) { f.Workflow = "SUPPRESSED" })
	notified := g("EC2.13", func(f *shFinding) { f.Workflow = "NOTIFIED" })
	passed := g("EC2.14", func(f *shFinding) { f.Compliance = "PASSED" })
	archived := g("EC2.14", func(f *shFinding) { f.Record = "ARCHIVED" })
	fresh := g("EC2.13", func(f *shFinding) { f.Form = formPCI })
	cases := []struct {
		name  string
		event []byte
		want  map[string]string // finding id → skip reason
	}{
		{"imported batch", shImported(t, other, suppressed, notified), map[string]string{
			other.findingID(t):      "control EC2.2 is not one of this playbook's (EC2.13, EC2.14)",
			suppressed.findingID(t): "workflow status is SUPPRESSED: suppressed findings are never remediated",
			notified.findingID(t):   "workflow status is NOTIFIED, not NEW: imported findings are remediated only while new (send the finding to a custom action to remediate it now)",
		}},
		{"custom action", shCustomAction(t, "Remediate", passed, archived, suppressed), map[string]string{
			passed.findingID(t):     "compliance status is PASSED, not FAILED",
			archived.findingID(t):   "the finding is archived (record state ARCHIVED)",
			suppressed.findingID(t): "workflow status is SUPPRESSED: suppressed findings are never remediated",
		}},
		{"other custom action", shCustomAction(t, "Investigate", fresh), map[string]string{
			fresh.findingID(t): `custom action "Investigate" is not one of the configured ones (Remediate)`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mark := len(h.sim.Trail(member, "us-east-1"))
			res, err := a.Engine.Handle(ctx, tc.event)
			if err != nil {
				t.Fatal(err)
			}
			runs, skipped := runsOf(res, ec213Playbook)
			if len(runs) != 0 {
				t.Errorf("runs = %+v", runs)
			}
			for id, want := range tc.want {
				if skipped[id] != want {
					t.Errorf("finding %s skipped %q, want %q", id, skipped[id], want)
				}
			}
			if len(skipped) != len(tc.want) {
				t.Errorf("skipped = %v", skipped)
			}
			if m := ec2Mutations(h, member, "us-east-1", mark); len(m) != 0 {
				t.Errorf("calls %v", ec2EventNames(m))
			}
			audit, err := a.Store.Audit(ctx, store.AuditFilter{EventID: res.EventID, Kinds: []store.AuditKind{store.AuditSkipped}})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				found := false
				for _, e := range audit {
					found = found || strings.HasSuffix(e.Message, ": "+want)
				}
				if !found {
					t.Errorf("no audit entry says %q", want)
				}
			}
		})
	}
	if got := n.rules(t); strings.Join(got, "\n") != strings.Join(before, "\n") {
		t.Errorf("rules changed:\n%s", strings.Join(got, "\n"))
	}
	// A configured custom action name is accepted, and from a custom action
	// a NOTIFIED finding is remediated.
	a2 := h.rectify(t, "securityhub:\n  custom_actions: [Investigate]\n")
	h.importFindings(t, member, "us-east-1", shImported(t, notified))
	res, err := a2.Engine.Handle(ctx, shCustomAction(t, "Investigate", notified))
	if err != nil {
		t.Fatal(err)
	}
	if runs, skipped := runsOf(res, ec213Playbook); len(runs) != 1 || len(skipped) != 0 {
		t.Errorf("configured custom action: runs %v, skipped %v", runs, skipped)
	}
}

// TestControlPartitions remediates a finding in the AWS GovCloud (US) and
// China partitions, named as those partitions' findings name controls (no
// consolidated control findings there): the target's partition, region
// and account come from the group's ARN.
func TestControlPartitions(t *testing.T) {
	ctx := context.Background()
	for _, region := range []string{"us-gov-west-1", "cn-north-1"} {
		t.Run(region, func(t *testing.T) {
			h := newHarness(t)
			a := h.rectify(t, "")
			n, ssh, rdp := openAdminPorts(t, h, region)
			f := shFinding{Control: "EC2.13", Form: formCIS120, Region: region, Resource: n.arn(member), ResourceType: "AwsEc2SecurityGroup"}
			ev := shImported(t, f)
			res, plans, err := a.Engine.Plan(ctx, ev)
			if err != nil || res.Status != store.EventMatched || len(plans) != 1 {
				t.Fatalf("plan = %+v, %+v, %v", res, plans, err)
			}
			tg := plans[0].Target
			if tg.Partition != partitionOf(region) || tg.Region != region || tg.Account != member || tg.ID != n.group || tg.ARN != n.arn(member) || plans[0].Skipped != "" {
				t.Fatalf("target = %+v, skipped %q", tg, plans[0].Skipped)
			}
			h.importFindings(t, member, region, ev)
			res, err = a.Engine.Handle(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			runs, _ := runsOf(res, ec213Playbook)
			if r := runs[f.findingID(t)]; r.Status != store.RunSucceeded {
				t.Fatalf("runs = %+v", res.Runs)
			}
			rules := strings.Join(n.rules(t), "\n")
			if strings.Contains(rules, ssh) || !strings.Contains(rules, rdp) {
				t.Errorf("rules:\n%s", rules)
			}
			if status, _ := h.findingStatus(t, member, region, f.findingID(t)); status != "RESOLVED" {
				t.Errorf("finding is %s", status)
			}
		})
	}
}

// sshPortsPlaybook is a control playbook whose ports come from a control
// parameter of the finding.
const sshPortsPlaybook = `id: test-ssh-ports
title: Revoke world-open SSH on the ports the control checks
controls: [EC2.13]
control_params: {sshPorts: ports}
params:
  ports: [22]
steps:
  - id: revoke
    action: ec2.revoke-open-ingress
    with: {group_id: "${target.id}", ports: "${params.ports}"}
`

// TestControlParamsPrecedence checks where a control playbook's
// parameters come from: the playbook's default, replaced by the control
// parameter in the finding, replaced by rectify.yaml.
func TestControlParamsPrecedence(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	files := map[string]string{"ssh.yaml": sshPortsPlaybook}
	const disableBuiltin = ec213Playbook + ": {enabled: false}\n"
	a := h.rectifyWith(t, files, disableBuiltin, "")
	overridden := h.rectifyWith(t, files, disableBuiltin+"test-ssh-ports: {params: {ports: [22]}}\n", "")
	for _, tc := range []struct {
		name    string
		app     func() *engine.Engine
		params  map[string][]string
		revoked int32
	}{
		{"the playbook's default", func() *engine.Engine { return a.Engine }, nil, 22},
		{"the finding's control parameter", func() *engine.Engine { return a.Engine }, map[string][]string{"sshPorts": {"2222"}}, 2222},
		{"rectify.yaml over the finding", func() *engine.Engine { return overridden.Engine }, map[string][]string{"sshPorts": {"2222"}}, 22},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newEC2Net(t, h, "us-east-1")
			ids := n.authorize(t, ec2TCPFrom(22, "0.0.0.0/0", ""), ec2TCPFrom(2222, "0.0.0.0/0", ""))
			f := shFinding{Control: "EC2.13", Resource: n.arn(member), ResourceType: "AwsEc2SecurityGroup", Params: tc.params}
			ev := shImported(t, f)
			h.importFindings(t, member, "us-east-1", ev)
			res, err := tc.app().Handle(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			runs, skipped := runsOf(res, "test-ssh-ports")
			if r := runs[f.findingID(t)]; r.Status != store.RunSucceeded || len(skipped) != 0 {
				t.Fatalf("runs = %+v", res.Runs)
			}
			gone, kept := ids[0], ids[1]
			if tc.revoked == 2222 {
				gone, kept = ids[1], ids[0]
			}
			rules := strings.Join(n.rules(t), "\n")
			if strings.Contains(rules, gone) || !strings.Contains(rules, kept) {
				t.Errorf("rules:\n%s\nwant the rule of port %d revoked", rules, tc.revoked)
			}
		})
	}
}

// TestControlBatch delivers one event with findings of several controls,
// in several forms and states: one run per failed finding of a listed
// control, the others skipped.
func TestControlBatch(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	a := h.rectify(t, "")
	n1, ssh1, _ := openAdminPorts(t, h, "us-east-1")
	n2, _, rdp2 := openAdminPorts(t, h, "us-east-1")
	n3, ssh3, _ := openAdminPorts(t, h, "us-east-1")
	n4, ssh4, _ := openAdminPorts(t, h, "us-east-1")
	sg := func(n *ec2Net, ctl, form, compliance string) shFinding {
		return shFinding{Control: ctl, Form: form, Compliance: compliance, Resource: n.arn(member), ResourceType: "AwsEc2SecurityGroup"}
	}
	fs := []shFinding{
		sg(n1, "EC2.13", formConsolidated, ""),
		sg(n2, "EC2.14", formCIS120, ""),
		sg(n3, "EC2.13", formPCI, ""),
		sg(n4, "EC2.13", formConsolidated, "PASSED"),
		sg(n4, "EC2.2", formConsolidated, ""),
		{Control: "S3.1"},
		{Control: "IAM.7", Form: formAFSBP},
	}
	ev := shImported(t, fs...)
	h.importFindings(t, member, "us-east-1", ev)
	res, err := a.Engine.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	runs, skipped := runsOf(res, ec213Playbook)
	if len(runs) != 3 {
		t.Fatalf("runs = %+v", runs)
	}
	for _, f := range fs[:3] {
		if r := runs[f.findingID(t)]; r.Status != store.RunSucceeded {
			t.Errorf("finding %s: run %+v", f.findingID(t), r)
		}
		if status, _ := h.findingStatus(t, member, "us-east-1", f.findingID(t)); status != "RESOLVED" {
			t.Errorf("finding %s is %s", f.findingID(t), status)
		}
	}
	want := map[string]string{
		fs[3].findingID(t): "compliance status is PASSED, not FAILED",
		fs[4].findingID(t): "control EC2.2 is not one of this playbook's (EC2.13, EC2.14)",
		fs[5].findingID(t): "control S3.1 is not one of this playbook's (EC2.13, EC2.14)",
		fs[6].findingID(t): "control IAM.7 is not one of this playbook's (EC2.13, EC2.14)",
	}
	for id, w := range want {
		if skipped[id] != w {
			t.Errorf("finding %s skipped %q, want %q", id, skipped[id], w)
		}
	}
	for _, c := range []struct {
		n    *ec2Net
		gone string
	}{{n1, ssh1}, {n2, rdp2}, {n3, ssh3}} {
		if rules := strings.Join(c.n.rules(t), "\n"); strings.Contains(rules, c.gone) {
			t.Errorf("group %s still has %s:\n%s", c.n.group, c.gone, rules)
		}
	}
	if rules := strings.Join(n4.rules(t), "\n"); !strings.Contains(rules, ssh4) {
		t.Errorf("the passed finding's group lost %s", ssh4)
	}
	if status, _ := h.findingStatus(t, member, "us-east-1", fs[3].findingID(t)); status != "NEW" {
		t.Errorf("the passed finding is %s", status)
	}
}

// TestSampleControlEventsRoute checks the sample Security Hub events of
// controls without a built-in playbook yet (S3.1, IAM.14, RDS.5, EC2.2,
// EC2.7): each finding resolves to its control, and a control playbook
// listing the controls plans a run for each.
func TestSampleControlEventsRoute(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	a := h.rectifyWith(t, map[string]string{"samples.yaml": `id: test-samples
title: Note the sample controls' findings
controls: [S3.1, IAM.14, RDS.5, EC2.2, EC2.7]
mode: dry-run
steps:
  - action: securityhub.update-finding
    with: {workflow_status: NOTIFIED, note: "seen by rectify"}
`}, "", "")
	for file, want := range map[string]string{
		"securityhub-imported-s3.1.json":   "S3.1",
		"securityhub-imported-iam.14.json": "IAM.14",
		"securityhub-imported-rds.5.json":  "RDS.5",
		"securityhub-imported-ec2.2.json":  "EC2.2",
		"securityhub-imported-ec2.7.json":  "EC2.7",
	} {
		raw, err := os.ReadFile(filepath.Join("..", "event", "testdata", "events", file))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := event.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		fs, _ := ev.Findings()
		if len(fs) != 1 || fs[0].ControlID() != want {
			t.Errorf("%s: control = %q, want %s", file, fs[0].ControlID(), want)
		}
		if _, ok := control.Lookup(want); !ok {
			t.Errorf("%s: control %s is not in the table", file, want)
		}
		res, plans, err := a.Engine.Plan(ctx, raw)
		if err != nil || res.Status != store.EventMatched || len(plans) != 1 || plans[0].PlaybookID != "test-samples" || plans[0].Skipped != "" {
			t.Errorf("%s: plan = %+v, %+v, %v", file, res, plans, err)
		}
	}
}
