package catalog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/store"
)

// An organization: rectify in the central account; member (the harness's)
// with the standard role; payments, whose remediation role has its own
// name and external ID; and sandbox, which rectify must leave alone.
const (
	payments = "777788889999"
	sandbox  = "111122223333"
)

func createTopic(t *testing.T, h *harness, name string) string {
	t.Helper()
	out, err := sns.NewFromConfig(h.sim.Config("")).CreateTopic(context.Background(), &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TopicArn)
}

func createRole(t *testing.T, h *harness, account, name, trust string) {
	t.Helper()
	if _, err := iam.NewFromConfig(h.sim.Config(account)).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
}

// revoked reports whether role in account has the session revocation
// policy.
func revoked(t *testing.T, h *harness, account, role string) bool {
	t.Helper()
	_, err := iam.NewFromConfig(h.sim.Config(account)).GetRolePolicy(context.Background(), &iam.GetRolePolicyInput{
		RoleName: aws.String(role), PolicyName: aws.String(action.RevokeSessionsPolicy)})
	if action.IsNotFound(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

func TestOrganizationAccountsRolesAndOwners(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	central := awssim.DefaultAccount
	paymentsTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + central +
		`:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"payments-ext-id"}}}]}`
	createRole(t, h, payments, "PaymentsRemediation", paymentsTrust)
	h.allow(t, payments, "PaymentsRemediation", h.policy)
	h.memberRole(t, sandbox)
	instanceTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	for _, acct := range []string{member, payments, sandbox} {
		createRole(t, h, acct, "WebServerRole", instanceTrust)
	}
	memberOwners := createTopic(t, h, "owners-member")
	paymentsOwners := createTopic(t, h, "owners-payments")

	a := h.start(t, filepath.Join(t.TempDir(), "rectify.db"), fmt.Sprintf(`
aws:
  role_name: rectify-remediation
  external_id: org-ext-id
  accounts:
    %q: {role_name: PaymentsRemediation, external_id: payments-ext-id}
  deny_accounts: [%q]
notify:
  channels:
    security: {type: sns, topic_arn: %q}
    member-owners: {type: sns, topic_arn: %q}
    payments-owners: {type: sns, topic_arn: %q}
  security_team: security
  owners:
    %q: [member-owners]
    %q: [payments-owners]
`, payments, sandbox, h.topic, memberOwners, paymentsOwners, member, payments))

	now := h.sim.Now().Format(time.RFC3339)
	eventFor := func(account, region, id string) []byte {
		return fixture(t, "guardduty-instance-credential-exfiltration", "event.json",
			"444455556666", account, "us-east-1", region, "2026-11-20T12:30:00Z", now, "44444444-5555-4666-8777-888888888801", id)
	}

	// The member account, through the standard role.
	res, err := a.Engine.Handle(ctx, eventFor(member, "us-east-1", "44444444-5555-4666-8777-000000000001"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("member: %+v, %v", res, err)
	}
	// The payments account, in another region, through its own role.
	res, err = a.Engine.Handle(ctx, eventFor(payments, "eu-west-1", "44444444-5555-4666-8777-000000000002"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("payments: %+v, %v", res, err)
	}
	if tg := res.Runs[0].Target; tg.Account != payments || tg.Region != "eu-west-1" {
		t.Errorf("payments target = %+v", tg)
	}
	// The sandbox account is denied: skipped, with the reason recorded.
	res, err = a.Engine.Handle(ctx, eventFor(sandbox, "us-east-1", "44444444-5555-4666-8777-000000000003"))
	if err != nil || len(res.Runs) != 1 || !strings.Contains(res.Runs[0].Skipped, "account "+sandbox+" is on the accounts deny list") {
		t.Fatalf("sandbox: %+v, %v; want skipped by the deny list", res, err)
	}
	audit, err := a.Store.Audit(ctx, store.AuditFilter{EventID: "44444444-5555-4666-8777-000000000003", Kinds: []store.AuditKind{store.AuditSkipped}})
	if err != nil || len(audit) != 1 || !strings.Contains(audit[0].Message, "deny list") {
		t.Errorf("audit of the sandbox event = %+v, %v", audit, err)
	}

	if !revoked(t, h, member, "WebServerRole") || !revoked(t, h, payments, "WebServerRole") {
		t.Error("sessions of WebServerRole not revoked in member and payments")
	}
	if revoked(t, h, sandbox, "WebServerRole") {
		t.Error("rectify changed the denied sandbox account")
	}
	// Each change was made by the account's own remediation role, through
	// a rectify session.
	for _, c := range []struct{ account, region, role string }{
		{member, "us-east-1", "rectify-remediation"}, {payments, "eu-west-1", "PaymentsRemediation"},
	} {
		var by []string
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for _, r := range h.sim.Trail(c.account, region) {
				// The account's root set up the roles' own policies.
				if r.EventName == "PutRolePolicy" && r.UserIdentity.Type != "Root" {
					by = append(by, r.UserIdentity.ARN)
				}
			}
		}
		if len(by) != 1 || !strings.Contains(by[0], ":"+c.account+":assumed-role/"+c.role+"/rectify-") {
			t.Errorf("PutRolePolicy in %s made by %v, want one call by %s", c.account, by, c.role)
		}
	}
	for _, r := range h.sim.Trail(sandbox, "us-east-1") {
		if strings.Contains(r.UserIdentity.ARN, ":assumed-role/") {
			t.Errorf("call in the denied sandbox account: %s by %s", r.EventName, r.UserIdentity.ARN)
		}
	}

	// The security team hears of both; each account's owners of their own.
	subjects := func(topic string) []string {
		var s []string
		for _, m := range h.sim.SNSMessages(topic) {
			s = append(s, m.Subject)
		}
		return s
	}
	if s := subjects(h.topic); len(s) != 2 || !strings.Contains(s[0], member) || !strings.Contains(s[1], payments) {
		t.Errorf("security team notifications = %q", s)
	}
	if s := subjects(memberOwners); len(s) != 1 || !strings.Contains(s[0], member) {
		t.Errorf("member owners' notifications = %q", s)
	}
	if s := subjects(paymentsOwners); len(s) != 1 || !strings.Contains(s[0], payments) {
		t.Errorf("payments owners' notifications = %q", s)
	}
}
