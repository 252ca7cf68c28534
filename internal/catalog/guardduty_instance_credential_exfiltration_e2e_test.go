package catalog_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/permission"
	"github.com/rectify-dev/rectify/internal/store"
)

// assumeRole returns an SDK configuration with a new session of role in
// the member account, assumed by the account's admin.
func assumeRole(t *testing.T, h *harness, role string) aws.Config {
	t.Helper()
	out, err := sts.NewFromConfig(h.sim.Config(member)).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/" + role), RoleSessionName: aws.String("i-0a1b2c3d4e5f60718")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	return h.sim.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func TestGuardDutyInstanceCredentialExfiltration(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	miam := iam.NewFromConfig(h.sim.Config(member))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + member + `:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := miam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("WebServerRole"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	listBuckets, err := permission.Document([]string{"s3:ListAllMyBuckets"})
	if err != nil {
		t.Fatal(err)
	}
	h.allow(t, member, "WebServerRole", listBuckets)
	// The instance's session, which was stolen; it works before rectify acts.
	stolen := assumeRole(t, h, "WebServerRole")
	if _, err := s3.NewFromConfig(stolen).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("the stolen session does not work to begin with: %v", err)
	}
	h.sim.Advance(10 * time.Minute)
	if _, err := s3.NewFromConfig(stolen).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("the stolen session stopped working before rectify acted: %v", err)
	}
	at := h.sim.Now().Format(time.RFC3339)
	event := fixture(t, "guardduty-instance-credential-exfiltration", "event.json", "2026-11-20T12:30:00Z", at)

	a := h.rectify(t, "")
	res, err := a.Engine.Handle(ctx, event)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, %v; want one succeeded run", res, err)
	}

	// The stolen session is refused; a new session of the role works.
	_, err = s3.NewFromConfig(stolen).ListBuckets(ctx, &s3.ListBucketsInput{})
	if !action.HasCode(err, "AccessDenied") {
		t.Fatalf("the stolen session after the revocation: %v; want AccessDenied", err)
	}
	h.sim.Advance(time.Minute)
	if _, err := s3.NewFromConfig(assumeRole(t, h, "WebServerRole")).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("a new session after the revocation: %v", err)
	}
	pol, err := miam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("WebServerRole"), PolicyName: aws.String("AWSRevokeOlderSessions")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(pol.PolicyDocument))
	if !strings.Contains(doc, `"aws:TokenIssueTime"`) || !strings.Contains(doc, `"Deny"`) {
		t.Errorf("policy = %s", doc)
	}

	msgs := h.sim.SNSMessages(h.topic)
	if len(msgs) != 1 {
		t.Fatalf("notifications = %d, want 1", len(msgs))
	}
	for _, want := range []string{"WebServerRole", "ASIAEXAMPLEKEYID0042", "i-0a1b2c3d4e5f60718", "192.0.2.77", "s3.amazonaws.com ListBuckets", "issued before"} {
		if !strings.Contains(msgs[0].Message, want) {
			t.Errorf("notification lacks %q:\n%s", want, msgs[0].Message)
		}
	}

	// A compliant event (another finding type) changes nothing.
	puts := countCalls(h, member, "PutRolePolicy")
	res, err = a.Engine.Handle(ctx, fixture(t, "guardduty-instance-credential-exfiltration", "event-other-type.json", "2026-11-20T12:30:00Z", at))
	if err != nil || res.Status != store.EventUnmatched {
		t.Errorf("other finding type = %+v, %v; want unmatched", res, err)
	}
	// Redelivered, the event changes nothing; the same finding in a new
	// event (GuardDuty repeats findings) finds the sessions already revoked.
	if res, err = a.Engine.Handle(ctx, event); err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	again := fixture(t, "guardduty-instance-credential-exfiltration", "event-inside-aws.json", "2026-11-20T12:30:00Z", at)
	res, err = a.Engine.Handle(ctx, again)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("repeated finding = %+v, %v", res, err)
	}
	steps, _ := playbookSteps(a.Store.Steps(ctx, res.Runs[0].RunID))
	if len(steps) != 1 || steps[0].Status != store.StepAlreadyDone {
		t.Errorf("steps of the repeated finding = %+v, want already done", steps)
	}
	if n := countCalls(h, member, "PutRolePolicy"); n != puts {
		t.Errorf("PutRolePolicy calls = %d, want %d", n, puts)
	}
}
