package action

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestTruncateNote(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string // "" means the input itself
	}{
		{name: "short", in: "revoked sgr-1"},
		{name: "exactly the limit", in: strings.Repeat("a", MaxFindingNoteLen)},
		{name: "one byte over", in: strings.Repeat("a", MaxFindingNoteLen+1), want: strings.Repeat("a", MaxFindingNoteLen-3) + "..."},
		// A three-byte character straddling the cut is dropped whole.
		{name: "multi-byte at the cut", in: strings.Repeat("a", MaxFindingNoteLen-4) + strings.Repeat("€", 10), want: strings.Repeat("a", MaxFindingNoteLen-4) + "..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == "" {
				want = tc.in
			}
			got := truncateNote(tc.in)
			if got != want {
				t.Errorf("truncateNote = %q (%d bytes), want %q", got, len(got), want)
			}
			if len(got) > MaxFindingNoteLen || !utf8.ValidString(got) {
				t.Errorf("truncateNote gave %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
			}
		})
	}
}

const (
	testFindingID = "arn:aws:securityhub:us-east-1:444455556666:security-control/EC2.13/finding/0f1e2d3c"
	testProduct   = "arn:aws:securityhub:us-east-1::product/aws/securityhub"
)

// importTestFinding imports a NEW EC2.13 finding about account member into
// account's Security Hub in us-east-1.
func importTestFinding(t *testing.T, sim *awssim.Server, account, member string) {
	t.Helper()
	f := shtypes.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"), Id: aws.String(testFindingID), ProductArn: aws.String(testProduct),
		GeneratorId: aws.String("security-control/EC2.13"), AwsAccountId: aws.String(member),
		CreatedAt: aws.String("2026-11-19T08:00:00.000Z"), UpdatedAt: aws.String("2026-11-20T08:00:00.000Z"),
		Title: aws.String("Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22"), Description: aws.String("EC2.13"),
		Severity:  &shtypes.Severity{Label: shtypes.SeverityLabelHigh},
		Resources: []shtypes.Resource{{Type: aws.String("AwsEc2SecurityGroup"), Id: aws.String("arn:aws:ec2:us-east-1:" + member + ":security-group/sg-1")}},
		Workflow:  &shtypes.Workflow{Status: shtypes.WorkflowStatusNew},
	}
	out, err := securityhub.NewFromConfig(sim.Config(account)).BatchImportFindings(context.Background(),
		&securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{f}})
	if err != nil || aws.ToInt32(out.FailedCount) != 0 {
		t.Fatalf("import finding: %+v, %v", out, err)
	}
}

// readTestFinding returns the finding's workflow status and note text in
// account's Security Hub.
func readTestFinding(t *testing.T, sim *awssim.Server, account string) (status, note string) {
	t.Helper()
	out, err := securityhub.NewFromConfig(sim.Config(account)).GetFindings(context.Background(), &securityhub.GetFindingsInput{
		Filters: &shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(testFindingID)}}}})
	if err != nil || len(out.Findings) != 1 {
		t.Fatalf("get finding in %s: %d findings, %v", account, len(out.Findings), err)
	}
	f := out.Findings[0]
	if f.Note != nil {
		note = aws.ToString(f.Note.Text)
	}
	return string(f.Workflow.Status), note
}

// runUpdateFinding runs securityhub.update-finding on the test finding
// with cfg as the target's configuration and home as rectify's own.
func runUpdateFinding(t *testing.T, cfg aws.Config, home func(context.Context) (aws.Config, error), params map[string]any) (Result, error) {
	t.Helper()
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := reg.Lookup("securityhub.update-finding")
	p, err := spec.Check(params)
	if err != nil {
		t.Fatal(err)
	}
	return spec.Run(context.Background(), Input{Params: p, AWS: cfg, Home: home,
		Target: Target{Account: "444455556666", Region: "us-east-1", Type: "AWS::EC2::SecurityGroup", ID: "sg-1", FindingID: testFindingID, ProductARN: testProduct}})
}

func TestUpdateFindingInTargetAccount(t *testing.T) {
	const member = "444455556666"
	sim := awssim.Start(t)
	importTestFinding(t, sim, member, member)
	cfg := sim.Config(member)
	steps := []struct {
		params     map[string]any
		want       Outcome
		wantStatus string
		wantNote   string
	}{
		{map[string]any{"note": "revoked sgr-1: tcp 22 from 0.0.0.0/0"}, Changed, "RESOLVED", "revoked sgr-1: tcp 22 from 0.0.0.0/0"},
		// The same request again: nothing to do.
		{map[string]any{"note": "revoked sgr-1: tcp 22 from 0.0.0.0/0"}, AlreadyDone, "RESOLVED", "revoked sgr-1: tcp 22 from 0.0.0.0/0"},
		// No note: the status alone decides, and the note stays.
		{map[string]any{}, AlreadyDone, "RESOLVED", "revoked sgr-1: tcp 22 from 0.0.0.0/0"},
		// Another note is a change even in the same status.
		{map[string]any{"note": "nothing was open"}, Changed, "RESOLVED", "nothing was open"},
		{map[string]any{"workflow_status": "NOTIFIED", "note": strings.Repeat("x", 600)}, Changed, "NOTIFIED", strings.Repeat("x", 509) + "..."},
	}
	for i, s := range steps {
		res, err := runUpdateFinding(t, cfg, nil, s.params)
		if err != nil || res.Outcome != s.want {
			t.Fatalf("update %d = %+v, %v; want %v", i, res, err, s.want)
		}
		if status, note := readTestFinding(t, sim, member); status != s.wantStatus || note != s.wantNote {
			t.Fatalf("after update %d the finding is %s with note %q, want %s with %q", i, status, note, s.wantStatus, s.wantNote)
		}
		if res.Output["finding_id"] != testFindingID || res.Output["workflow_status"] != s.wantStatus {
			t.Errorf("update %d output = %v", i, res.Output)
		}
	}

	// A finding the hub does not hold is an error that names it.
	other := awssim.DefaultAccount
	if _, err := runUpdateFinding(t, sim.Config(other), nil, map[string]any{}); err == nil || !strings.Contains(err.Error(), testFindingID) {
		t.Errorf("update of a finding missing from %s: err = %v, want one naming the finding", other, err)
	}
	if _, err := runUpdateFinding(t, cfg, nil, map[string]any{"workflow_status": "DONE"}); err == nil || !strings.Contains(err.Error(), "DONE") {
		t.Errorf("workflow_status DONE: err = %v", err)
	}
}

func TestUpdateFindingInCentralAccount(t *testing.T) {
	const member = "444455556666"
	central := awssim.DefaultAccount
	sim := awssim.Start(t)
	// The finding lives in the administrator account only.
	importTestFinding(t, sim, central, member)
	home := func(context.Context) (aws.Config, error) { return sim.Config(central), nil }
	params := map[string]any{"in_account": "central", "note": "resolved by rectify"}
	for _, want := range []Outcome{Changed, AlreadyDone} {
		res, err := runUpdateFinding(t, sim.Config(member), home, params)
		if err != nil || res.Outcome != want {
			t.Fatalf("central update = %+v, %v; want %v", res, err, want)
		}
	}
	if status, note := readTestFinding(t, sim, central); status != "RESOLVED" || note != "resolved by rectify" {
		t.Errorf("central finding is %s with note %q", status, note)
	}
	// The same update in the target account fails: the finding is not there.
	delete(params, "in_account")
	if _, err := runUpdateFinding(t, sim.Config(member), home, params); err == nil || !strings.Contains(err.Error(), member) {
		t.Errorf("target update of a central finding: err = %v, want one naming account %s", err, member)
	}
	params["in_account"] = "central"
	if _, err := runUpdateFinding(t, sim.Config(member), nil, params); err == nil || !strings.Contains(err.Error(), "own account") {
		t.Errorf("central update without rectify's own account: err = %v", err)
	}
	boom := errors.New("no credentials")
	if _, err := runUpdateFinding(t, sim.Config(member), func(context.Context) (aws.Config, error) { return aws.Config{}, boom }, params); !errors.Is(err, boom) {
		t.Errorf("central update with failing credentials: err = %v, want %v", err, boom)
	}
	params["in_account"] = "mine"
	if _, err := runUpdateFinding(t, sim.Config(member), home, params); err == nil || !strings.Contains(err.Error(), "in_account") {
		t.Errorf("in_account mine: err = %v", err)
	}
}

// TestUpdateFindingUnprocessed checks that a finding Security Hub lists but
// then does not update (it was deleted in between, or updated concurrently)
// is an error naming the finding and the reason.
func TestUpdateFindingUnprocessed(t *testing.T) {
	var updates int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/findings":
			w.Write([]byte(`{"Findings":[{"Id":"` + testFindingID + `","ProductArn":"` + testProduct + `","Workflow":{"Status":"NEW"}}]}`))
		case r.Method == http.MethodPatch && r.URL.Path == "/findings/batchupdate":
			updates++
			w.Write([]byte(`{"ProcessedFindings":[],"UnprocessedFindings":[{"FindingIdentifier":{"Id":"` + testFindingID +
				`","ProductArn":"` + testProduct + `"},"ErrorCode":"FindingNotFound","ErrorMessage":"Finding Not Found"}]}`))
		default:
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}
	_, err := runUpdateFinding(t, cfg, nil, map[string]any{"note": "x"})
	if err == nil || !strings.Contains(err.Error(), "FindingNotFound") || !strings.Contains(err.Error(), testFindingID) {
		t.Errorf("err = %v, want FindingNotFound naming the finding", err)
	}
	if updates != 1 {
		t.Errorf("BatchUpdateFindings calls = %d, want 1", updates)
	}
}

func TestUpdateFindingDescribe(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := reg.Lookup("securityhub.update-finding")
	for _, tc := range []struct {
		params map[string]any
		want   []string
	}{
		{map[string]any{}, []string{testFindingID, "444455556666/us-east-1", "RESOLVED"}},
		{map[string]any{"in_account": "central", "workflow_status": "NOTIFIED", "note": strings.Repeat("n", 700)},
			[]string{testFindingID, "rectify's own account (us-east-1)", "NOTIFIED", strings.Repeat("n", 509) + "...\""}},
	} {
		p, err := spec.Check(tc.params)
		if err != nil {
			t.Fatal(err)
		}
		got := spec.Explain(Input{Params: p, Target: Target{Account: "444455556666", Region: "us-east-1", FindingID: testFindingID, ProductARN: testProduct}})
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Explain(%v) = %q, lacks %q", tc.params, got, w)
			}
		}
	}
}
