package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// sampleFindings returns the ASFF findings of the sample Security Hub
// events for account and region, decoded as the SDK's type.
func sampleFindings(t *testing.T, account, region string) []shtypes.AwsSecurityFinding {
	t.Helper()
	files, _ := filepath.Glob("testdata/events/securityhub-*.json")
	if len(files) == 0 {
		t.Fatal("no Security Hub sample events in testdata/events")
	}
	seen := map[string]bool{}
	var out []shtypes.AwsSecurityFinding
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Detail struct {
				Findings []json.RawMessage `json:"findings"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, fr := range ev.Detail.Findings {
			var f shtypes.AwsSecurityFinding
			if err := json.Unmarshal(fr, &f); err != nil {
				t.Fatalf("%s: finding: %v", file, err)
			}
			if f.Id == nil || seen[*f.Id] || aws.ToString(f.AwsAccountId) != account || aws.ToString(f.Region) != region {
				continue
			}
			seen[*f.Id] = true
			out = append(out, f)
		}
	}
	return out
}

func strFilter(v string, cmp shtypes.StringFilterComparison) []shtypes.StringFilter {
	return []shtypes.StringFilter{{Value: aws.String(v), Comparison: cmp}}
}

func findingIDs(fs []shtypes.AwsSecurityFinding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, aws.ToString(f.GeneratorId))
	}
	sort.Strings(ids)
	return ids
}

func TestSecurityHubImportFilterAndUpdateSamples(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := securityhub.NewFromConfig(sim.Config(member))
	findings := sampleFindings(t, member, "us-east-1")
	if len(findings) < 5 {
		t.Fatalf("only %d distinct sample findings", len(findings))
	}

	imp, err := cli.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: findings})
	if err != nil {
		t.Fatalf("BatchImportFindings: %v", err)
	}
	if aws.ToInt32(imp.SuccessCount) != int32(len(findings)) || aws.ToInt32(imp.FailedCount) != 0 {
		t.Fatalf("BatchImportFindings = %d ok, %d failed %+v; want %d ok", aws.ToInt32(imp.SuccessCount), aws.ToInt32(imp.FailedCount), imp.FailedFindings, len(findings))
	}

	all, err := cli.GetFindings(ctx, &securityhub.GetFindingsInput{})
	if err != nil || len(all.Findings) != len(findings) {
		t.Fatalf("GetFindings = %d findings, %v; want %d", len(all.Findings), err, len(findings))
	}
	for _, f := range all.Findings {
		if f.Workflow == nil || f.Workflow.Status != shtypes.WorkflowStatusNew || f.RecordState != shtypes.RecordStateActive || f.ProcessedAt == nil {
			t.Errorf("finding %s: workflow %+v record state %s", aws.ToString(f.Id), f.Workflow, f.RecordState)
		}
		if len(f.Resources) == 0 || f.Severity == nil || f.Severity.Label == "" {
			t.Errorf("finding %s lost its resources or severity: %+v", aws.ToString(f.Id), f)
		}
	}

	// The EC2.13 finding, by several filters.
	var sg shtypes.AwsSecurityFinding
	for _, f := range findings {
		if aws.ToString(f.GeneratorId) == "security-control/EC2.13" {
			sg = f
		}
	}
	if sg.Id == nil {
		t.Fatal("no EC2.13 sample finding")
	}
	for _, tc := range []struct {
		name    string
		filters *shtypes.AwsSecurityFindingFilters
		want    int
	}{
		{"control id", &shtypes.AwsSecurityFindingFilters{ComplianceSecurityControlId: strFilter("EC2.13", shtypes.StringFilterComparisonEquals)}, 1},
		{"resource id", &shtypes.AwsSecurityFindingFilters{ResourceId: strFilter(aws.ToString(sg.Resources[0].Id), shtypes.StringFilterComparisonEquals)}, 1},
		{"generator prefix", &shtypes.AwsSecurityFindingFilters{GeneratorId: strFilter("security-control/EC2.", shtypes.StringFilterComparisonPrefix)}, countPrefix(findings, "security-control/EC2.")},
		{"not EC2", &shtypes.AwsSecurityFindingFilters{ResourceType: strFilter("AwsEc2SecurityGroup", shtypes.StringFilterComparisonNotEquals)}, len(findings) - countResourceType(findings, "AwsEc2SecurityGroup")},
		{"account and region", &shtypes.AwsSecurityFindingFilters{
			AwsAccountId: strFilter(member, shtypes.StringFilterComparisonEquals), Region: strFilter("us-east-1", shtypes.StringFilterComparisonEquals),
		}, len(findings)},
		{"other account", &shtypes.AwsSecurityFindingFilters{AwsAccountId: strFilter("999999999999", shtypes.StringFilterComparisonEquals)}, 0},
		{"failed and high", &shtypes.AwsSecurityFindingFilters{
			ComplianceStatus: strFilter("FAILED", shtypes.StringFilterComparisonEquals), SeverityLabel: strFilter("HIGH", shtypes.StringFilterComparisonEquals),
		}, countFailedHigh(findings)},
		{"by id and product", &shtypes.AwsSecurityFindingFilters{
			Id: strFilter(aws.ToString(sg.Id), shtypes.StringFilterComparisonEquals), ProductArn: strFilter(aws.ToString(sg.ProductArn), shtypes.StringFilterComparisonEquals),
		}, 1},
	} {
		got, err := cli.GetFindings(ctx, &securityhub.GetFindingsInput{Filters: tc.filters})
		if err != nil || len(got.Findings) != tc.want {
			t.Errorf("GetFindings %s = %v, %v; want %d findings", tc.name, findingIDs(got.Findings), err, tc.want)
		}
	}

	// Pages of two.
	n, pages := 0, 0
	p := securityhub.NewGetFindingsPaginator(cli, &securityhub.GetFindingsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("GetFindings page: %v", err)
		}
		n += len(page.Findings)
		pages++
	}
	if n != len(findings) || pages != (len(findings)+1)/2 {
		t.Errorf("paged GetFindings = %d findings in %d pages, want %d", n, pages, len(findings))
	}

	// Resolve the EC2.13 finding with a note; a finding that does not exist
	// is unprocessed.
	missing := shtypes.AwsSecurityFindingIdentifier{Id: aws.String("arn:aws:securityhub:us-east-1:" + member + ":finding/none"), ProductArn: sg.ProductArn}
	up, err := cli.BatchUpdateFindings(ctx, &securityhub.BatchUpdateFindingsInput{
		FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: sg.Id, ProductArn: sg.ProductArn}, missing},
		Workflow:           &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatusResolved},
		Note:               &shtypes.NoteUpdate{Text: aws.String("rule revoked by rectify"), UpdatedBy: aws.String("rectify")},
		Severity:           &shtypes.SeverityUpdate{Label: shtypes.SeverityLabelLow},
	})
	if err != nil {
		t.Fatalf("BatchUpdateFindings: %v", err)
	}
	if len(up.ProcessedFindings) != 1 || aws.ToString(up.ProcessedFindings[0].Id) != aws.ToString(sg.Id) {
		t.Errorf("ProcessedFindings = %+v", up.ProcessedFindings)
	}
	if len(up.UnprocessedFindings) != 1 || aws.ToString(up.UnprocessedFindings[0].ErrorCode) != "FindingNotFound" ||
		aws.ToString(up.UnprocessedFindings[0].FindingIdentifier.Id) != aws.ToString(missing.Id) {
		t.Errorf("UnprocessedFindings = %+v", up.UnprocessedFindings)
	}
	resolved, err := cli.GetFindings(ctx, &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{
		WorkflowStatus: strFilter("RESOLVED", shtypes.StringFilterComparisonEquals),
	}})
	if err != nil || len(resolved.Findings) != 1 {
		t.Fatalf("GetFindings RESOLVED = %d, %v; want 1", len(resolved.Findings), err)
	}
	f := resolved.Findings[0]
	if f.Note == nil || aws.ToString(f.Note.Text) != "rule revoked by rectify" || aws.ToString(f.Note.UpdatedBy) != "rectify" ||
		f.Severity.Label != shtypes.SeverityLabelLow || aws.ToInt32(f.Severity.Normalized) != 1 || aws.ToString(f.UpdatedAt) == aws.ToString(sg.UpdatedAt) {
		t.Errorf("resolved finding: note %+v severity %+v updated %s", f.Note, f.Severity, aws.ToString(f.UpdatedAt))
	}

	// A re-import by the product keeps the workflow the customer set; a
	// finding that fails again after passing is NEW again.
	if _, err := cli.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{sg}}); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	got, _ := cli.GetFindings(ctx, &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{Id: strFilter(aws.ToString(sg.Id), shtypes.StringFilterComparisonEquals)}})
	if len(got.Findings) != 1 || got.Findings[0].Workflow.Status != shtypes.WorkflowStatusResolved {
		t.Errorf("after re-import: %+v; want workflow still RESOLVED", got.Findings)
	}
	passed := sg
	passed.Compliance = &shtypes.Compliance{Status: shtypes.ComplianceStatusPassed, SecurityControlId: aws.String("EC2.13")}
	failedAgain := sg
	if _, err := cli.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{passed}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{failedAgain}}); err != nil {
		t.Fatal(err)
	}
	got, _ = cli.GetFindings(ctx, &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{Id: strFilter(aws.ToString(sg.Id), shtypes.StringFilterComparisonEquals)}})
	if len(got.Findings) != 1 || got.Findings[0].Workflow.Status != shtypes.WorkflowStatusNew {
		t.Errorf("after PASSED then FAILED: workflow %+v, want NEW", got.Findings[0].Workflow)
	}

	// Findings are per account and region: the custom action sample
	// belongs to another account's eu-west-1 hub.
	const centralAccount = "777788889999"
	eu := securityhub.NewFromConfig(sim.Config(centralAccount), func(o *securityhub.Options) { o.Region = "eu-west-1" })
	euFindings := sampleFindings(t, centralAccount, "eu-west-1")
	if len(euFindings) == 0 {
		t.Fatal("no eu-west-1 sample finding")
	}
	if _, err := eu.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: euFindings}); err != nil {
		t.Fatalf("BatchImportFindings in eu-west-1: %v", err)
	}
	for _, c := range []struct {
		name string
		cli  *securityhub.Client
		want int
	}{
		{"eu-west-1 hub", eu, len(euFindings)},
		{"member's eu-west-1 hub", securityhub.NewFromConfig(sim.Config(member), func(o *securityhub.Options) { o.Region = "eu-west-1" }), 0},
		{"default account's hub", securityhub.NewFromConfig(sim.Config("")), 0},
		{"member's us-east-1 hub", cli, len(findings)},
	} {
		if o, err := c.cli.GetFindings(ctx, &securityhub.GetFindingsInput{}); err != nil || len(o.Findings) != c.want {
			t.Errorf("%s: %d findings, %v; want %d", c.name, len(o.Findings), err, c.want)
		}
	}
}

func countPrefix(fs []shtypes.AwsSecurityFinding, prefix string) int {
	n := 0
	for _, f := range fs {
		if len(aws.ToString(f.GeneratorId)) >= len(prefix) && aws.ToString(f.GeneratorId)[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}

func countResourceType(fs []shtypes.AwsSecurityFinding, typ string) int {
	n := 0
	for _, f := range fs {
		for _, r := range f.Resources {
			if aws.ToString(r.Type) == typ {
				n++
				break
			}
		}
	}
	return n
}

func countFailedHigh(fs []shtypes.AwsSecurityFinding) int {
	n := 0
	for _, f := range fs {
		if f.Compliance != nil && f.Compliance.Status == shtypes.ComplianceStatusFailed && f.Severity != nil && f.Severity.Label == shtypes.SeverityLabelHigh {
			n++
		}
	}
	return n
}

func TestSecurityHubErrors(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := securityhub.NewFromConfig(sim.Config(member))
	findings := sampleFindings(t, member, "us-east-1")

	bad := findings[0]
	bad.SchemaVersion = aws.String("2020-01-01")
	badAcct := findings[1]
	badAcct.AwsAccountId = aws.String("not-an-account")
	imp, err := cli.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{bad, badAcct, findings[2]}})
	if err != nil {
		t.Fatalf("BatchImportFindings: %v", err)
	}
	if aws.ToInt32(imp.FailedCount) != 2 || aws.ToInt32(imp.SuccessCount) != 1 || len(imp.FailedFindings) != 2 ||
		aws.ToString(imp.FailedFindings[0].Id) != aws.ToString(bad.Id) || aws.ToString(imp.FailedFindings[0].ErrorCode) != "InvalidInput" {
		t.Errorf("BatchImportFindings with invalid findings = %d ok %d failed %+v", aws.ToInt32(imp.SuccessCount), aws.ToInt32(imp.FailedCount), imp.FailedFindings)
	}

	var invalid *shtypes.InvalidInputException
	_, err = cli.BatchUpdateFindings(ctx, &securityhub.BatchUpdateFindingsInput{
		FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: findings[2].Id, ProductArn: findings[2].ProductArn}},
		Workflow:           &shtypes.WorkflowUpdate{Status: "DONE"},
	})
	if !errors.As(err, &invalid) {
		t.Errorf("BatchUpdateFindings with status DONE: got %v, want InvalidInputException", err)
	}
	if _, err := cli.GetFindings(ctx, &securityhub.GetFindingsInput{MaxResults: aws.Int32(101)}); !errors.As(err, &invalid) {
		t.Errorf("GetFindings MaxResults 101: got %v, want InvalidInputException", err)
	}

	// A disabled hub refuses calls until enabled again.
	if _, err := cli.DescribeHub(ctx, &securityhub.DescribeHubInput{}); err != nil {
		t.Fatalf("DescribeHub: %v", err)
	}
	var conflict *shtypes.ResourceConflictException
	if _, err := cli.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); !errors.As(err, &conflict) {
		t.Errorf("EnableSecurityHub when enabled: got %v, want ResourceConflictException", err)
	}
	if _, err := cli.DisableSecurityHub(ctx, &securityhub.DisableSecurityHubInput{}); err != nil {
		t.Fatalf("DisableSecurityHub: %v", err)
	}
	var access *shtypes.InvalidAccessException
	if _, err := cli.GetFindings(ctx, &securityhub.GetFindingsInput{}); !errors.As(err, &access) {
		t.Errorf("GetFindings on a disabled hub: got %v, want InvalidAccessException", err)
	}
	if _, err := cli.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
		t.Fatalf("EnableSecurityHub: %v", err)
	}
	hub, err := cli.DescribeHub(ctx, &securityhub.DescribeHubInput{})
	if err != nil || aws.ToString(hub.HubArn) != "arn:aws:securityhub:us-east-1:"+member+":hub/default" || hub.SubscribedAt == nil {
		t.Errorf("DescribeHub = %+v, %v", hub, err)
	}
	if got, err := cli.GetFindings(ctx, &securityhub.GetFindingsInput{}); err != nil || len(got.Findings) != 0 {
		t.Errorf("GetFindings after re-enabling = %d findings, %v; want none", len(got.Findings), err)
	}
}
