package catalog_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/control"
	"github.com/rectify-dev/rectify/internal/playbook"
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

// How a test finding names its control (see control.Resolve).
const (
	// formConsolidated: Compliance.SecurityControlId and the generator id
	// security-control/ID, as with consolidated control findings on.
	formConsolidated = "consolidated"
	// formGenerator: only the generator id security-control/ID.
	formGenerator = "generator"
	// The standard-specific forms, as with consolidated control findings
	// off (and always in the AWS GovCloud (US) and China Regions): the
	// standard's generator id, product fields naming the standard and the
	// standard's own control id (RuleId for CIS v1.2.0, ControlId for the
	// others).
	formAFSBP  = "afsbp"
	formCIS120 = "cis-1.2.0"
	formCIS140 = "cis-1.4.0"
	formCIS300 = "cis-3.0.0"
	formPCI    = "pci-dss-3.2.1"
	formNIST   = "nist-800-53-r5"
)

// shFinding describes a Security Hub control finding for a test. The zero
// value of each field has a default.
type shFinding struct {
	// Control is the consolidated control id, such as "EC2.13".
	Control string
	// Form is how the finding names the control; default formConsolidated.
	Form string
	// Resource is the ARN of the finding's resource, of ASFF type
	// ResourceType; "" means the account (AWS::::Account:ID, AwsAccount).
	Resource, ResourceType string
	// Account and Region are the finding's; default member, us-east-1.
	Account, Region string
	// Compliance, Record and Workflow are the finding's states; default
	// FAILED, ACTIVE and NEW.
	Compliance, Record, Workflow string
	// Params are the control's parameters as Security Hub evaluated it
	// (Compliance.SecurityControlParameters).
	Params map[string][]string
	// ID is the finding's id; default one derived from the control,
	// account, region, resource and form.
	ID string
}

// partitionOf returns the partition of a region.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// asff returns the finding in the AWS Security Finding Format, with its
// defaults filled in.
func (f shFinding) asff(t *testing.T) map[string]any {
	t.Helper()
	c, ok := control.Lookup(f.Control)
	if !ok {
		t.Fatalf("control %s is not in the table", f.Control)
	}
	if f.Form == "" {
		f.Form = formConsolidated
	}
	if f.Account == "" {
		f.Account = member
	}
	if f.Region == "" {
		f.Region = "us-east-1"
	}
	for _, def := range []struct {
		v *string
		d string
	}{{&f.Compliance, "FAILED"}, {&f.Record, "ACTIVE"}, {&f.Workflow, "NEW"}} {
		if *def.v == "" {
			*def.v = def.d
		}
	}
	partition := partitionOf(f.Region)
	hub := "arn:" + partition + ":securityhub:" + f.Region + ":" + f.Account
	compliance := map[string]any{"Status": f.Compliance}
	pf := map[string]any{"aws/securityhub/ProductName": "Security Hub", "aws/securityhub/CompanyName": "AWS"}
	var generator, idPart string
	switch f.Form {
	case formConsolidated, formGenerator:
		generator, idPart = "security-control/"+c.ID, "security-control/"+c.ID
		if f.Form == formConsolidated {
			compliance["SecurityControlId"] = c.ID
		}
	default:
		var ref *control.Ref
		for i := range c.Refs {
			if c.Refs[i].Standard.Key() == f.Form {
				ref = &c.Refs[i]
			}
		}
		if ref == nil {
			t.Fatalf("control %s is not in the standard %s", c.ID, f.Form)
		}
		sid, path := c.StandardID(*ref), ref.Standard.Path()
		idPart = "subscription/" + path + "/" + sid
		if ref.Standard == control.CIS120 {
			generator = "arn:" + partition + ":securityhub:::ruleset/" + path + "/rule/" + sid
			pf["RuleId"] = sid
			pf["StandardsGuideArn"] = "arn:" + partition + ":securityhub:::ruleset/" + path
			pf["StandardsGuideSubscriptionArn"] = hub + ":subscription/" + path
		} else {
			generator = path + "/" + sid
			pf["ControlId"] = sid
			pf["StandardsArn"] = "arn:" + partition + ":securityhub:::standards/" + path
			pf["StandardsSubscriptionArn"] = hub + ":subscription/" + path
			pf["StandardsControlArn"] = hub + ":control/" + path + "/" + sid
		}
	}
	if len(f.Params) > 0 {
		var ps []any
		for _, name := range slices.Sorted(maps.Keys(f.Params)) {
			ps = append(ps, map[string]any{"Name": name, "Value": f.Params[name]})
		}
		compliance["SecurityControlParameters"] = ps
	}
	resource := map[string]any{"Type": f.ResourceType, "Id": f.Resource, "Partition": partition, "Region": f.Region}
	if f.Resource == "" {
		resource["Type"], resource["Id"] = "AwsAccount", "AWS::::Account:"+f.Account
	}
	if f.ID == "" {
		sum := sha256.Sum256([]byte(strings.Join([]string{c.ID, f.Account, f.Region, fmt.Sprint(resource["Id"]), f.Form}, "|")))
		u := hex.EncodeToString(sum[:16])
		f.ID = hub + ":" + idPart + "/finding/" + u[:8] + "-" + u[8:12] + "-4" + u[13:16] + "-8" + u[17:20] + "-" + u[20:32]
	}
	pf["aws/securityhub/FindingId"] = f.ID
	const when = "2026-11-20T08:00:00.000Z"
	return map[string]any{
		"SchemaVersion": "2018-10-08", "Id": f.ID, "ProductArn": "arn:" + partition + ":securityhub:" + f.Region + "::product/aws/securityhub",
		"ProductName": "Security Hub", "CompanyName": "AWS", "Region": f.Region, "GeneratorId": generator, "AwsAccountId": f.Account,
		"Types":     []any{"Software and Configuration Checks/Industry and Regulatory Standards"},
		"CreatedAt": when, "UpdatedAt": when, "FirstObservedAt": when, "LastObservedAt": when,
		"Severity": map[string]any{"Label": "HIGH", "Original": "HIGH"}, "Title": c.Title, "Description": c.Title + ".",
		"ProductFields": pf, "Resources": []any{resource}, "Compliance": compliance,
		"Workflow": map[string]any{"Status": f.Workflow}, "WorkflowState": "NEW", "RecordState": f.Record,
	}
}

// shImported returns a "Security Hub Findings - Imported" event carrying
// the findings, delivered to the central account in us-east-1.
func shImported(t *testing.T, fs ...shFinding) []byte {
	t.Helper()
	return shEvent(t, playbook.DetailTypeImported, "", fs)
}

// shCustomAction returns the event of an operator sending the findings to
// the custom action named action.
func shCustomAction(t *testing.T, action string, fs ...shFinding) []byte {
	t.Helper()
	return shEvent(t, playbook.DetailTypeCustomAction, action, fs)
}

func shEvent(t *testing.T, detailType, action string, fs []shFinding) []byte {
	t.Helper()
	findings := make([]any, len(fs))
	resources := make([]any, len(fs))
	for i, f := range fs {
		m := f.asff(t)
		findings[i], resources[i] = m, m["Id"]
	}
	detail := map[string]any{"findings": findings}
	if detailType == playbook.DetailTypeCustomAction {
		detail["actionName"] = action
		detail["actionDescription"] = "Send the findings to " + action
		detail["actionArn"] = "arn:aws:securityhub:us-east-1:" + awssim.DefaultAccount + ":action/custom/" + action
	}
	body, _ := json.Marshal(detail)
	sum := sha256.Sum256(append([]byte(detailType), body...))
	u := hex.EncodeToString(sum[:16])
	ev := map[string]any{
		"version": "0", "id": u[:8] + "-" + u[8:12] + "-4" + u[13:16] + "-8" + u[17:20] + "-" + u[20:32],
		"detail-type": detailType, "source": "aws.securityhub", "account": awssim.DefaultAccount,
		"time": "2026-11-20T08:00:06Z", "region": "us-east-1", "resources": resources, "detail": detail,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// findingID returns the id of the finding f describes.
func (f shFinding) findingID(t *testing.T) string {
	t.Helper()
	return f.asff(t)["Id"].(string)
}

// findingStatus reads a finding's workflow status and note from the
// Security Hub of account in region.
func (h *harness) findingStatus(t *testing.T, account, region, id string) (status, note string) {
	t.Helper()
	return findingState(h.finding(t, account, region, id))
}

// rectifyWith assembles rectify from the standard configuration with the
// playbooks of files (name → YAML) in a playbook directory, and extra YAML
// appended, which must not have a playbooks section of its own:
// overrides are the playbooks.overrides section's body.
func (h *harness) rectifyWith(t *testing.T, files map[string]string, overrides, extra string) *app.App {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf("playbooks:\n  dirs: [%q]\n", dir)
	if overrides != "" {
		cfg += "  overrides:\n" + indent(overrides, "    ")
	}
	return h.rectify(t, cfg+extra)
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix + line + "\n")
	}
	return b.String()
}
