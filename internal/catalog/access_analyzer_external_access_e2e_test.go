package catalog_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/store"
)

const vendorFinding = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"

// vendorAccess gives the member account a role that another account may
// assume, and the Access Analyzer finding about it.
func vendorAccess(t *testing.T, h *harness) (analyzerARN string) {
	t.Helper()
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := iam.NewFromConfig(h.sim.Config(member)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("LegacyVendorAccess"),
		AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	out, err := accessanalyzer.NewFromConfig(h.sim.Config(member)).CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{
		AnalyzerName: aws.String("org-analyzer"), Type: aatypes.TypeAccount})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.AddAccessAnalyzerFinding(member, "us-east-1", "org-analyzer", awssim.AccessAnalyzerFinding{ID: vendorFinding,
		Resource: "arn:aws:iam::" + member + ":role/LegacyVendorAccess", ResourceType: "AWS::IAM::Role",
		Principal: map[string]string{"AWS": "arn:aws:iam::210987654321:root"}, Action: []string{"sts:AssumeRole"}}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Arn)
}

func findingStatus(t *testing.T, h *harness, analyzerARN string) aatypes.FindingStatus {
	t.Helper()
	out, err := accessanalyzer.NewFromConfig(h.sim.Config(member)).GetFinding(context.Background(), &accessanalyzer.GetFindingInput{
		AnalyzerArn: aws.String(analyzerARN), Id: aws.String(vendorFinding)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Finding.Status
}

func TestAccessAnalyzerExternalAccessNotifies(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	analyzer := vendorAccess(t, h)
	a := h.rectify(t, "")
	before := mutatingCalls(h, member)

	res, err := a.Engine.Handle(ctx, fixture(t, "access-analyzer-external-access", "event.json"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Skipped != "" {
		t.Fatalf("result = %+v, %v; want one run", res, err)
	}
	msgs := h.sim.SNSMessages(h.topic)
	if len(msgs) != 1 {
		t.Fatalf("notifications = %d, want 1", len(msgs))
	}
	if want := "External access to IAM role LegacyVendorAccess in account " + member; !strings.HasSuffix(msgs[0].Subject, want) {
		t.Errorf("subject = %q, want %q", msgs[0].Subject, want)
	}
	for _, want := range []string{vendorFinding, "arn:aws:iam::210987654321:root", "sts:AssumeRole", "Public: false", "role's trust policy"} {
		if !strings.Contains(msgs[0].Message, want) {
			t.Errorf("notification lacks %q:\n%s", want, msgs[0].Message)
		}
	}
	if st := findingStatus(t, h, analyzer); st != aatypes.FindingStatusActive {
		t.Errorf("finding is %s, want ACTIVE (notify only)", st)
	}
	if n := mutatingCalls(h, member); n != before {
		t.Errorf("%d calls changed the member account in notify mode", n-before)
	}

	// An archived finding is not reported; a redelivery sends nothing more.
	if res, err := a.Engine.Handle(ctx, fixture(t, "access-analyzer-external-access", "event-archived.json")); err != nil || res.Status != store.EventUnmatched {
		t.Errorf("archived finding = %+v, %v; want unmatched", res, err)
	}
	if res, err := a.Engine.Handle(ctx, fixture(t, "access-analyzer-external-access", "event.json")); err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	if n := len(h.sim.SNSMessages(h.topic)); n != 1 {
		t.Errorf("notifications = %d, want 1", n)
	}

	// A bucket open to everyone.
	if _, err := a.Engine.Handle(ctx, fixture(t, "access-analyzer-external-access", "event-bucket-public.json")); err != nil {
		t.Fatal(err)
	}
	msgs = h.sim.SNSMessages(h.topic)
	if len(msgs) != 2 || !strings.HasSuffix(msgs[1].Subject, "Public access to S3 bucket shared-reports in account "+member) ||
		!strings.Contains(msgs[1].Message, "bucket's policy or ACL") {
		t.Errorf("notifications = %+v, want a second one about the public bucket", msgs)
	}
}

func TestAccessAnalyzerExternalAccessRemediates(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	analyzer := vendorAccess(t, h)
	a := h.start(t, filepath.Join(t.TempDir(), "rectify.db"), h.standardConfig(`
playbooks:
  overrides:
    access-analyzer-external-access: {mode: auto, params: {remediate: true}}
`))
	res, err := a.Engine.Handle(ctx, fixture(t, "access-analyzer-external-access", "event.json"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, %v; want one succeeded run", res, err)
	}
	if st := findingStatus(t, h, analyzer); st != aatypes.FindingStatusArchived {
		t.Fatalf("finding is %s, want ARCHIVED", st)
	}
	// The finding reported again in a new event is already archived.
	updates := countCalls(h, member, "UpdateFindings")
	again := fixture(t, "access-analyzer-external-access", "event.json", "66666666-7777-4888-8999-000000000001", "66666666-7777-4888-8999-0000000000aa")
	res, err = a.Engine.Handle(ctx, again)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("second event = %+v, %v", res, err)
	}
	steps, _ := playbookSteps(a.Store.Steps(ctx, res.Runs[0].RunID))
	if len(steps) != 1 || steps[0].Status != store.StepAlreadyDone {
		t.Errorf("steps = %+v, want the archive already done", steps)
	}
	if n := countCalls(h, member, "UpdateFindings"); n != updates || n != 1 {
		t.Errorf("UpdateFindings calls = %d, want 1", n)
	}
}
