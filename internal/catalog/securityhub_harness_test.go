package catalog_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// importFindings imports the findings of a Security Hub event into the
// Security Hub of account in region, as that account's administrator, so
// the hub holds what the event reports.
func (h *harness) importFindings(t *testing.T, account, region string, event []byte) {
	t.Helper()
	var ev struct {
		Detail struct {
			Findings []shtypes.AwsSecurityFinding `json:"findings"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatalf("findings of the event: %v", err)
	}
	if len(ev.Detail.Findings) == 0 {
		t.Fatal("the event has no findings")
	}
	cfg := h.sim.Config(account)
	cfg.Region = region
	out, err := securityhub.NewFromConfig(cfg).BatchImportFindings(context.Background(),
		&securityhub.BatchImportFindingsInput{Findings: ev.Detail.Findings})
	if err != nil {
		t.Fatal(err)
	}
	if n := aws.ToInt32(out.FailedCount); n != 0 {
		t.Fatalf("import of %d findings: %d failed: %+v", len(ev.Detail.Findings), n, out.FailedFindings)
	}
}

// finding reads a finding from the Security Hub of account in region, as
// that account's administrator.
func (h *harness) finding(t *testing.T, account, region, id string) shtypes.AwsSecurityFinding {
	t.Helper()
	cfg := h.sim.Config(account)
	cfg.Region = region
	out, err := securityhub.NewFromConfig(cfg).GetFindings(context.Background(), &securityhub.GetFindingsInput{
		Filters: &shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(id)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Findings) != 1 {
		t.Fatalf("finding %s in %s/%s: %d findings", id, account, region, len(out.Findings))
	}
	return out.Findings[0]
}

// findingState returns a finding's workflow status and note text.
func findingState(f shtypes.AwsSecurityFinding) (status, note string) {
	if f.Workflow != nil {
		status = string(f.Workflow.Status)
	}
	if f.Note != nil {
		note = aws.ToString(f.Note.Text)
	}
	return status, note
}
