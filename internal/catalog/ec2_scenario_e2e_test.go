package catalog_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rectify-dev/rectify/internal/store"
)

// In these scenarios the simulator produces the trigger itself: a user of
// the member account changes a security group through the SDK with their
// own access key, and the simulator emits the CloudTrail event that
// EventBridge would deliver to rectify.

// feed collects the events the simulator emits.
type feed struct{ ch chan []byte }

func newFeed(h *harness) *feed {
	f := &feed{ch: make(chan []byte, 256)}
	h.sim.Subscribe(func(ev []byte) { f.ch <- ev })
	return f
}

// trailEvent is the part of an emitted event the scenarios look at.
type trailEvent struct {
	ID     string `json:"id"`
	Region string `json:"region"`
	Detail struct {
		EventName    string `json:"eventName"`
		UserIdentity struct {
			ARN string `json:"arn"`
		} `json:"userIdentity"`
	} `json:"detail"`
}

// next returns the next emitted event, waiting at most a few seconds: the
// simulator emits an event after it has answered the call.
func (f *feed) next(t *testing.T) ([]byte, trailEvent) {
	t.Helper()
	select {
	case raw := <-f.ch:
		var ev trailEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("emitted event %s: %v", raw, err)
		}
		return raw, ev
	case <-time.After(5 * time.Second):
		t.Fatal("the simulator emitted no event")
	}
	return nil, trailEvent{}
}

// memberUser creates an IAM user with an access key in the member account and
// returns an EC2 client that signs with that key in region.
func memberUser(t *testing.T, h *harness, name, region string) *ec2.Client {
	t.Helper()
	ctx := context.Background()
	admin := iam.NewFromConfig(h.sim.Config(member))
	if _, err := admin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)}); err != nil {
		if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`
		if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("network-admin"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.sim.ConfigFor(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
	cfg.Region = region
	return ec2.NewFromConfig(cfg)
}

// openSSH has the user open port 22 to the world, next to https from the
// private network, and returns the new rule IDs (ssh, https).
func openSSH(t *testing.T, cli *ec2.Client, group string) (string, string) {
	t.Helper()
	out, err := cli.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group), IpPermissions: []ec2types.IpPermission{ec2TCPFrom(22, "0.0.0.0/0", "temp ssh"), ec2TCPFrom(443, "10.0.0.0/8", "")}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId), aws.ToString(out.SecurityGroupRules[1].SecurityGroupRuleId)
}

func TestScenarioUserOpensSSHToTheWorld(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n := newEC2Net(t, h, "us-east-1")
	alice := memberUser(t, h, "alice", "us-east-1")
	a := h.rectify(t, "")
	before := n.rules(t)
	mark := len(h.sim.Trail(member, "us-east-1"))
	events := newFeed(h)

	ssh, https := openSSH(t, alice, n.group)
	raw, ev := events.next(t)
	if ev.Detail.EventName != "AuthorizeSecurityGroupIngress" || ev.Detail.UserIdentity.ARN != "arn:aws:iam::"+member+":user/alice" {
		t.Fatalf("emitted %s by %s, want alice's AuthorizeSecurityGroupIngress", ev.Detail.EventName, ev.Detail.UserIdentity.ARN)
	}
	res, err := a.Engine.Handle(ctx, raw)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("alice's event = %+v, %v; want one succeeded run", res, err)
	}
	runID := res.Runs[0].RunID

	// Every event rectify's own work caused goes back to rectify, as
	// EventBridge would deliver it; none may start a run. The revoke is
	// ignored by the loop guard.
	var revokeID string
	for revokeID == "" {
		raw, ev := events.next(t)
		res, err := a.Engine.Handle(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s by %s: %s %s", ev.Detail.EventName, ev.Detail.UserIdentity.ARN, res.Status, res.Reason)
		for _, r := range res.Runs {
			if r.RunID != "" {
				t.Errorf("%s by %s started run %s", ev.Detail.EventName, ev.Detail.UserIdentity.ARN, r.RunID)
			}
		}
		if ev.Detail.EventName == "RevokeSecurityGroupIngress" {
			revokeID = ev.ID
			if res.Status != store.EventIgnored || !strings.HasPrefix(res.Reason, "loop guard:") {
				t.Errorf("rectify's revoke = %s (%s), want ignored by the loop guard", res.Status, res.Reason)
			}
		}
	}

	// The group: ssh from the world is gone, https from 10.0.0.0/8 stays.
	got := n.rules(t)
	if want := slices.Concat(before, []string{"in tcp 443-443 10.0.0.0/8 " + https}); !slices.Equal(got, sortedCopy(want)) {
		t.Errorf("rules after:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(sortedCopy(want), "\n"))
	}
	if strings.Contains(strings.Join(got, "\n"), ssh) {
		t.Errorf("the ssh rule %s survived", ssh)
	}

	// The trail: alice's call, then rectify's revoke of that one rule.
	muts := ec2Mutations(h, member, "us-east-1", mark)
	if len(muts) != 2 || muts[0].EventName != "AuthorizeSecurityGroupIngress" || muts[1].EventName != "RevokeSecurityGroupIngress" {
		t.Fatalf("mutating calls = %v", ec2EventNames(muts))
	}
	if arn := muts[1].UserIdentity.ARN; !strings.HasPrefix(arn, "arn:aws:sts::"+member+":assumed-role/rectify-remediation/rectify-") {
		t.Errorf("revoke made by %s", arn)
	}
	b, _ := json.Marshal(muts[1].RequestParameters)
	if !strings.Contains(string(b), ssh) || strings.Contains(string(b), https) {
		t.Errorf("revoke request %s, want rule %s only", b, ssh)
	}

	// The records: one run, for alice's event, that revoked the rule;
	// rectify's own event recorded as ignored.
	runs, err := a.Store.ListRuns(ctx, store.RunFilter{PlaybookID: sgPlaybook})
	if err != nil || len(runs) != 1 || runs[0].ID != runID || runs[0].EventID != ev.ID || runs[0].Status != store.RunSucceeded {
		t.Fatalf("runs = %+v, %v; want one succeeded run for event %s", runs, err, ev.ID)
	}
	out := ec2StepOutput(t, ec2Steps(t, a, runID)["revoke"])
	if !slices.Equal(ec2Strings(out["revoked_rule_ids"]), []string{ssh}) {
		t.Errorf("revoke output = %v", out)
	}
	recs, err := a.Store.ListEvents(ctx, store.EventFilter{ID: revokeID})
	if err != nil || len(recs) != 1 || recs[0].Status != store.EventIgnored || !strings.Contains(recs[0].Reason, "rectify-remediation") {
		t.Errorf("record of rectify's revoke event = %+v, %v", recs, err)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func TestScenarioOutsideAllowedRegionsAndAccounts(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n := newEC2Net(t, h, "eu-west-1")
	alice := memberUser(t, h, "alice", "eu-west-1")
	events := newFeed(h)
	ssh, _ := openSSH(t, alice, n.group)
	raw, ev := events.next(t)
	if ev.Region != "eu-west-1" || ev.Detail.EventName != "AuthorizeSecurityGroupIngress" {
		t.Fatalf("emitted %s in %s", ev.Detail.EventName, ev.Region)
	}
	before := n.rules(t)

	for _, tt := range []struct{ name, aws, reason string }{
		{"allow_regions", "  allow_regions: [us-east-1, us-west-2]", "region eu-west-1 is not on the regions allow list"},
		{"allow_accounts", "  allow_accounts: [111122223333]", "account 444455556666 is not on the accounts allow list"},
		{"deny_regions", "  deny_regions: [eu-*]", "region eu-west-1 is on the regions deny list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := h.ec2RectifyAWS(t, tt.aws)
			mark := len(h.sim.Trail(member, "eu-west-1"))
			res, err := a.Engine.Handle(ctx, raw)
			if err != nil || len(res.Runs) != 1 || res.Runs[0].RunID != "" || res.Runs[0].Skipped != tt.reason {
				t.Fatalf("result = %+v, %v; want skipped: %s", res, err, tt.reason)
			}
			audit, err := a.Store.Audit(ctx, store.AuditFilter{EventID: ev.ID})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range audit {
				found = found || (e.Kind == store.AuditSkipped && e.PlaybookID == sgPlaybook && strings.Contains(e.Message, tt.reason))
			}
			if !found {
				t.Errorf("no skipped audit entry with %q in %+v", tt.reason, audit)
			}
			if runs, _ := a.Store.ListRuns(ctx, store.RunFilter{}); len(runs) != 0 {
				t.Errorf("runs = %+v, want none", runs)
			}
			if m := ec2Mutations(h, member, "eu-west-1", mark); len(m) != 0 {
				t.Errorf("calls in eu-west-1: %v", ec2EventNames(m))
			}
			if got := n.rules(t); !slices.Equal(got, before) {
				t.Errorf("rules changed: %v", got)
			}
		})
	}

	// Allowed, the same event is acted on in eu-west-1.
	a := h.ec2RectifyAWS(t, "  allow_regions: [us-east-1, eu-west-1]\n  allow_accounts: ['"+member+"']")
	res, err := a.Engine.Handle(ctx, raw)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("allowed: %+v, %v", res, err)
	}
	if strings.Contains(strings.Join(n.rules(t), "\n"), ssh) {
		t.Errorf("allowed: the ssh rule %s survived", ssh)
	}
}
