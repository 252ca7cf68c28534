package catalog_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/store"
)

const sgPlaybook = "ec2-security-group-open-to-world"

func TestSecurityGroupOpenToWorldWorkflow(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n := newEC2Net(t, h, "us-east-1")
	// The state the sample event describes: ssh from anywhere and https
	// from the private network, plus an older private ssh rule.
	bastion := n.authorize(t, ec2TCPFrom(22, "10.0.0.0/8", "bastion"))[0]
	ids := n.authorize(t, ec2TCPFrom(22, "0.0.0.0/0", "temp ssh"), ec2TCPFrom(443, "10.0.0.0/8", ""))
	ssh, https := ids[0], ids[1]
	before := n.rules(t)
	event := fixture(t, sgPlaybook, "event.json", "sg-0123456789abcdef0", n.group,
		"sgr-0aaaaaaaaaaaaaaa1", ssh, "sgr-0aaaaaaaaaaaaaaa2", https)

	a := h.rectify(t, "")
	mark := len(h.sim.Trail(member, "us-east-1"))
	res, err := a.Engine.Handle(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, want one succeeded run", res)
	}

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
	// By rule ID, in one call, by rectify's role session.
	muts := ec2Mutations(h, member, "us-east-1", mark)
	if len(muts) != 1 || muts[0].EventName != "RevokeSecurityGroupIngress" {
		t.Fatalf("mutating calls = %v, want one RevokeSecurityGroupIngress", ec2EventNames(muts))
	}
	if arn := muts[0].UserIdentity.ARN; !strings.Contains(arn, ":assumed-role/rectify-remediation/rectify-") {
		t.Errorf("revoke made by %s", arn)
	}
	params, _ := muts[0].RequestParameters.(map[string]any)
	if got := ec2Strings(params["securityGroupRuleIds"].(map[string]any)["items"]); len(got) != 1 || !strings.Contains(got[0], ssh) {
		t.Errorf("revoked rule IDs = %v, want [%s]", got, ssh)
	}
	steps := ec2Steps(t, a, res.Runs[0].RunID)
	out := ec2StepOutput(t, steps["revoke"])
	if steps["revoke"].Status != store.StepSucceeded || !slices.Equal(ec2Strings(out["revoked_rule_ids"]), []string{ssh}) {
		t.Errorf("revoke step = %s, output %v", steps["revoke"].Status, out)
	}
	msgs := h.sim.SNSMessages(h.topic)
	if len(msgs) != 1 {
		t.Fatalf("messages on the security topic = %d, want 1", len(msgs))
	}
	if miss := ec2Missing(msgs[0].Subject+"\n"+msgs[0].Message, n.group, member, ssh, `tcp 22 from 0.0.0.0/0 ("temp ssh")`,
		"arn:aws:iam::444455556666:user/alice", "203.0.113.10"); miss != "" {
		t.Errorf("notification lacks %q:\n%s\n%s", miss, msgs[0].Subject, msgs[0].Message)
	}
	if strings.Contains(msgs[0].Message, https) || strings.Contains(msgs[0].Message, bastion) {
		t.Errorf("notification names a rule that was kept:\n%s", msgs[0].Message)
	}
	after := n.rules(t)

	// The compliant variant: the request opened nothing to the world.
	mark = len(h.sim.Trail(member, "us-east-1"))
	res, err = a.Engine.Handle(ctx, fixture(t, sgPlaybook, "event-private-ranges.json", "sg-0123456789abcdef0", n.group,
		"sgr-0aaaaaaaaaaaaaaa1", bastion, "sgr-0aaaaaaaaaaaaaaa2", https))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].RunID != "" || res.Runs[0].Skipped != "condition (when) is false" {
		t.Errorf("private ranges = %+v, %v; want skipped by the condition", res, err)
	}
	if m := ec2Mutations(h, member, "us-east-1", mark); len(m) != 0 {
		t.Errorf("private ranges made calls %v", ec2EventNames(m))
	}

	// An event whose rule is already gone: the run reads the group, finds
	// nothing to revoke and changes nothing.
	res, err = a.Engine.Handle(ctx, fixture(t, sgPlaybook, "event-ipv6-rdp.json", "sg-0123456789abcdef0", n.group))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("rdp event = %+v, %v", res, err)
	}
	if s := ec2Steps(t, a, res.Runs[0].RunID)["revoke"]; s.Status != store.StepAlreadyDone {
		t.Errorf("revoke of a rule that is not there = %s (%s), want already done", s.Status, s.Message)
	}
	// A run that changed nothing is recorded, not notified.
	if msgs := h.sim.SNSMessages(h.topic); len(msgs) != 1 {
		t.Errorf("messages = %+v, want only the first run's", msgs)
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
}

func TestSecurityGroupOpenToWorldSensitivePortsOverride(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n := newEC2Net(t, h, "us-east-1")
	ids := n.authorize(t, ec2TCPFrom(22, "0.0.0.0/0", "temp ssh"), ec2TCPFrom(5432, "0.0.0.0/0", "postgres"), ec2TCPFrom(443, "0.0.0.0/0", "web"))
	a := h.rectify(t, `
playbooks:
  overrides:
    ec2-security-group-open-to-world: {params: {sensitive_ports: [5432]}}
`)
	res, err := a.Engine.Handle(ctx, fixture(t, sgPlaybook, "event.json", "sg-0123456789abcdef0", n.group))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, %v", res, err)
	}
	got := strings.Join(n.rules(t), "\n")
	if !strings.Contains(got, ids[0]) || strings.Contains(got, ids[1]) || !strings.Contains(got, ids[2]) {
		t.Errorf("with sensitive_ports [5432] only the postgres rule %s goes; rules:\n%s", ids[1], got)
	}
}
