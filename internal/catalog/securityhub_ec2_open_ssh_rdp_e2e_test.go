package catalog_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/store"
)

const (
	ec213Playbook = "securityhub-ec2-open-ssh-rdp"
	// The findings and groups of the fixtures.
	ec213Finding  = "arn:aws:securityhub:us-east-1:444455556666:security-control/EC2.13/finding/0f1e2d3c-4b5a-4697-8877-638874327197"
	ec213Finding2 = "arn:aws:securityhub:us-east-1:444455556666:security-control/EC2.13/finding/7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a"
	ec213Legacy   = "arn:aws:securityhub:us-east-1:444455556666:subscription/pci-dss/v/3.2.1/PCI.EC2.5/finding/5a6b7c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d"
	ec213Group    = "sg-0123456789abcdef0"
	ec213Group2   = "sg-0fedcba9876543210"
)

// ec213Runs checks that res holds want runs of the playbook, each
// succeeded, and returns them by group ID.
func ec213Runs(t *testing.T, res *engine.Result, want int) map[string]engine.RunResult {
	t.Helper()
	out := map[string]engine.RunResult{}
	for _, r := range res.Runs {
		if r.PlaybookID != ec213Playbook || r.RunID == "" {
			continue
		}
		if r.Status != store.RunSucceeded {
			t.Errorf("run on %s = %s (%s)", r.Target.ID, r.Status, r.Error)
		}
		out[r.Target.ID] = r
	}
	if len(out) != want {
		t.Fatalf("runs = %+v, want %d of %s", res.Runs, want, ec213Playbook)
	}
	return out
}

func TestSecurityHubEC213Workflow(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n := newEC2Net(t, h, "us-east-1")
	// ssh from anywhere, https from anywhere (not a sensitive port) and ssh
	// from the private network.
	ids := n.authorize(t, ec2TCPFrom(22, "0.0.0.0/0", "temp ssh"), ec2TCPFrom(443, "0.0.0.0/0", "web"), ec2TCPFrom(22, "10.0.0.0/8", "bastion"))
	ssh := ids[0]
	before := n.rules(t)
	event := fixture(t, ec213Playbook, "event.json", ec213Group, n.group)
	h.importFindings(t, member, "us-east-1", event)

	a := h.rectify(t, "")
	mark := len(h.sim.Trail(member, "us-east-1"))
	res, err := a.Engine.Handle(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	run := ec213Runs(t, res, 1)[n.group]

	// Exactly the world-open ssh rule is gone.
	var want []string
	for _, r := range before {
		if !strings.HasSuffix(r, " "+ssh) {
			want = append(want, r)
		}
	}
	if got := n.rules(t); len(want) != len(before)-1 || !reflect.DeepEqual(got, want) {
		t.Fatalf("rules after:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// One revoke, then one finding update, both by rectify's role session.
	muts := ec2Mutations(h, member, "us-east-1", mark)
	if got := ec2EventNames(muts); !reflect.DeepEqual(got, []string{"RevokeSecurityGroupIngress", "BatchUpdateFindings"}) {
		t.Fatalf("mutating calls = %v, want the revoke, then the finding update", got)
	}
	for _, m := range muts {
		if arn := m.UserIdentity.ARN; !strings.Contains(arn, ":assumed-role/rectify-remediation/rectify-") {
			t.Errorf("%s made by %s", m.EventName, arn)
		}
	}
	f := h.finding(t, member, "us-east-1", ec213Finding)
	status, note := findingState(f)
	if status != "RESOLVED" || ec2Missing(note, n.group, ssh, "tcp 22 from 0.0.0.0/0") != "" || strings.Contains(note, ids[1]) || strings.Contains(note, ids[2]) {
		t.Errorf("finding is %s with note %q; want RESOLVED, naming only the revoked rule %s", status, note, ssh)
	}
	if by := f.Note; by == nil || *by.UpdatedBy != "rectify" {
		t.Errorf("note = %+v, want one by rectify", f.Note)
	}
	steps := ec2Steps(t, a, run.RunID)
	if steps["revoke"].Status != store.StepSucceeded || steps["resolve_finding"].Status != store.StepSucceeded {
		t.Errorf("steps: revoke %s (%s), resolve %s (%s)", steps["revoke"].Status, steps["revoke"].Message, steps["resolve_finding"].Status, steps["resolve_finding"].Message)
	}
	msgs := h.sim.SNSMessages(h.topic)
	if len(msgs) != 1 {
		t.Fatalf("messages on the security topic = %d, want 1", len(msgs))
	}
	if miss := ec2Missing(msgs[0].Subject+"\n"+msgs[0].Message, "EC2.13", n.group, member, ec213Finding, ssh, "RESOLVED"); miss != "" {
		t.Errorf("notification lacks %q:\n%s\n%s", miss, msgs[0].Subject, msgs[0].Message)
	}
	after := n.rules(t)

	// The control passed: nothing fires.
	mark = len(h.sim.Trail(member, "us-east-1"))
	res, err = a.Engine.Handle(ctx, fixture(t, ec213Playbook, "event-passed.json", ec213Group, n.group))
	if err != nil || len(res.Runs) != 0 {
		t.Errorf("passed finding = %+v, %v; want no run", res, err)
	}
	// rectify's own update, imported again as RESOLVED: nothing fires.
	res, err = a.Engine.Handle(ctx, fixture(t, ec213Playbook, "event-resolved.json", ec213Group, n.group))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].RunID != "" || res.Runs[0].Skipped == "" {
		t.Errorf("resolved finding = %+v, %v; want skipped by the condition", res, err)
	}

	// Redelivered, the first event changes nothing more.
	res, err = a.Engine.Handle(ctx, event)
	if err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	if m := ec2Mutations(h, member, "us-east-1", mark); len(m) != 0 {
		t.Errorf("later events made calls %v", ec2EventNames(m))
	}
	if got := n.rules(t); !reflect.DeepEqual(got, after) {
		t.Errorf("rules changed after the first run:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(after, "\n"))
	}
	if s, nt := findingState(h.finding(t, member, "us-east-1", ec213Finding)); s != status || nt != note {
		t.Errorf("finding changed after the first run: %s %q", s, nt)
	}

	// A standard-specific finding about the same group, which has nothing
	// open any more: nothing is revoked, and the finding is still resolved,
	// saying so.
	legacy := fixture(t, ec213Playbook, "event-legacy.json", ec213Group, n.group)
	h.importFindings(t, member, "us-east-1", legacy)
	mark = len(h.sim.Trail(member, "us-east-1"))
	res, err = a.Engine.Handle(ctx, legacy)
	if err != nil {
		t.Fatal(err)
	}
	run = ec213Runs(t, res, 1)[n.group]
	steps = ec2Steps(t, a, run.RunID)
	if steps["revoke"].Status != store.StepAlreadyDone || steps["resolve_finding"].Status != store.StepSucceeded {
		t.Errorf("steps: revoke %s (%s), resolve %s (%s); want already done, then succeeded", steps["revoke"].Status, steps["revoke"].Message, steps["resolve_finding"].Status, steps["resolve_finding"].Message)
	}
	if s, nt := findingState(h.finding(t, member, "us-east-1", ec213Legacy)); s != "RESOLVED" || !strings.Contains(nt, "nothing to change") {
		t.Errorf("legacy finding is %s with note %q; want RESOLVED saying nothing was revoked", s, nt)
	}
	if m := ec2Mutations(h, member, "us-east-1", mark); len(m) != 1 || m[0].EventName != "BatchUpdateFindings" {
		t.Errorf("legacy finding made calls %v, want one BatchUpdateFindings", ec2EventNames(m))
	}
	if got := n.rules(t); !reflect.DeepEqual(got, after) {
		t.Errorf("rules changed by the legacy finding:\n%s", strings.Join(got, "\n"))
	}
}

// TestSecurityHubEC213Batch delivers findings about two groups in one
// event: one run per finding, each resolving its own finding. A batch whose
// first finding passed runs only for the second.
func TestSecurityHubEC213Batch(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n1, n2 := newEC2Net(t, h, "us-east-1"), newEC2Net(t, h, "us-east-1")
	ssh1 := n1.authorize(t, ec2TCPFrom(22, "0.0.0.0/0", "debug"), ec2TCPFrom(8080, "10.0.0.0/8", "app"))
	ssh2 := n2.authorize(t, ec2TCPFrom(22, "0.0.0.0/0", "debug"), ec2TCPFrom(443, "0.0.0.0/0", "web"))
	replace := []string{ec213Group, n1.group, ec213Group2, n2.group}
	batch := fixture(t, ec213Playbook, "event-batch.json", replace...)
	h.importFindings(t, member, "us-east-1", batch)
	a := h.rectify(t, "")

	// The first finding passed, the second failed: one run, for the second group.
	res, err := a.Engine.Handle(ctx, fixture(t, ec213Playbook, "event-batch-mixed.json", replace...))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ec213Runs(t, res, 1)[n2.group]; !ok {
		t.Fatalf("mixed batch ran on %+v, want %s", res.Runs, n2.group)
	}
	if got := strings.Join(n1.rules(t), "\n"); !strings.Contains(got, ssh1[0]) {
		t.Errorf("the passed finding's group lost its rule %s:\n%s", ssh1[0], got)
	}
	if s, _ := findingState(h.finding(t, member, "us-east-1", ec213Finding)); s != "NEW" {
		t.Errorf("the passed finding is %s, want NEW", s)
	}
	if s, nt := findingState(h.finding(t, member, "us-east-1", ec213Finding2)); s != "RESOLVED" || !strings.Contains(nt, ssh2[0]) {
		t.Errorf("the failed finding is %s with note %q", s, nt)
	}

	// Both failed: two runs, both findings resolved.
	res, err = a.Engine.Handle(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	runs := ec213Runs(t, res, 2)
	for _, c := range []struct {
		n       *ec2Net
		rules   []string
		finding string
		outcome store.StepStatus
		note    string
	}{
		{n1, ssh1, ec213Finding, store.StepSucceeded, ssh1[0]},
		// The second group was fixed by the run before.
		{n2, ssh2, ec213Finding2, store.StepAlreadyDone, "rectify found nothing to change for Security Hub control EC2.13"},
	} {
		got := strings.Join(c.n.rules(t), "\n")
		if strings.Contains(got, c.rules[0]) || !strings.Contains(got, c.rules[1]) {
			t.Errorf("group %s rules:\n%s\nwant %s revoked and %s kept", c.n.group, got, c.rules[0], c.rules[1])
		}
		if s, nt := findingState(h.finding(t, member, "us-east-1", c.finding)); s != "RESOLVED" || !strings.Contains(nt, c.note) {
			t.Errorf("finding %s is %s with note %q; want RESOLVED with %q", c.finding, s, nt, c.note)
		}
		if st := ec2Steps(t, a, runs[c.n.group].RunID)["revoke"]; st.Status != c.outcome {
			t.Errorf("revoke on %s = %s (%s), want %s", c.n.group, st.Status, st.Message, c.outcome)
		}
	}
	mark := len(h.sim.Trail(member, "us-east-1"))
	if res, err := a.Engine.Handle(ctx, batch); err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	if m := ec2Mutations(h, member, "us-east-1", mark); len(m) != 0 {
		t.Errorf("redelivery made calls %v", ec2EventNames(m))
	}
}

// TestSecurityHubEC213CustomActionCentral sends a finding to the Remediate
// custom action in an organization whose findings are managed in the
// central account: the group is fixed in the member account and the finding
// resolved in the central account's Security Hub.
func TestSecurityHubEC213CustomActionCentral(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n := newEC2Net(t, h, "eu-west-1")
	world6 := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
		Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}
	ids := n.authorize(t, world6, ec2TCPFrom(22, "192.0.2.0/24", "office"))
	// The fixture's finding is about account 777788889999; here it is the member.
	replace := []string{"sg-0abcabcabcabcabc0", n.group, "777788889999", member}
	event := fixture(t, ec213Playbook, "event-custom-action.json", replace...)
	findingID := "arn:aws:securityhub:eu-west-1:" + member + ":security-control/EC2.13/finding/0f1e2d3c-4b5a-4697-8877-638874327197"
	h.importFindings(t, awssim.DefaultAccount, "eu-west-1", event)

	a := h.rectify(t, `
playbooks:
  overrides:
    securityhub-ec2-open-ssh-rdp: {params: {finding_account: central}}
`)
	// Another custom action does nothing.
	res, err := a.Engine.Handle(ctx, fixture(t, ec213Playbook, "event-custom-action-other.json", replace...))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].RunID != "" {
		t.Errorf("other custom action = %+v, %v; want skipped", res, err)
	}
	res, err = a.Engine.Handle(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	ec213Runs(t, res, 1)
	got := strings.Join(n.rules(t), "\n")
	if strings.Contains(got, ids[0]) || !strings.Contains(got, ids[1]) {
		t.Errorf("rules:\n%s\nwant %s revoked and %s kept", got, ids[0], ids[1])
	}
	f := h.finding(t, awssim.DefaultAccount, "eu-west-1", findingID)
	if s, nt := findingState(f); s != "RESOLVED" || !strings.Contains(nt, ids[0]) || !strings.Contains(nt, "tcp 22 from ::/0") {
		t.Errorf("central finding is %s with note %q", s, nt)
	}
	// The update is the central account's own call; the member's hub was not asked.
	var updates []string
	for _, r := range h.sim.Trail(awssim.DefaultAccount, "eu-west-1") {
		if r.EventName == "BatchUpdateFindings" {
			updates = append(updates, r.UserIdentity.ARN)
		}
	}
	if len(updates) != 1 || strings.Contains(updates[0], "assumed-role") {
		t.Errorf("central BatchUpdateFindings callers = %v, want one by rectify's own identity", updates)
	}
	for _, r := range h.sim.Trail(member, "eu-west-1") {
		if strings.HasPrefix(r.EventSource, "securityhub") {
			t.Errorf("member Security Hub call %s", r.EventName)
		}
	}
}
