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
	return execute(t, spec, Input{Params: p, AWS: cfg, Home: home,
		Target: Target{Account: "444455556666", Region: "us-east-1", Type: "AWS::EC2::SecurityGroup", ID: "sg-1", FindingID: testFindingID, ProductARN: testProduct}})
}

func TestUpdateFindingInTargetAccount(t *testing.T) {
	const member = "444455556666"
	sim := awssim.Start(t)
	importTestFinding(t, sim, member, member)
	cfg := sim.Config(member)
	first := "revoked sgr-1: tcp 22 from 0.0.0.0/0"
	steps := []struct {
		params     map[string]any
		want       Outcome
		wantStatus string
		wantNote   string
	}{
		{map[string]any{"note": first}, Changed, "RESOLVED", first},
		// The same request again: nothing to do.
		{map[string]any{"note": first}, AlreadyDone, "RESOLVED", first},
		// No note: the status alone decides, and the note stays.
		{map[string]any{}, AlreadyDone, "RESOLVED", first},
		// Another note is appended, even in the same status.
		{map[string]any{"note": "nothing was open"}, Changed, "RESOLVED", first + "\n\nnothing was open"},
		// A note too long for what is left is cut, and the text before it kept.
		{map[string]any{"workflow_status": "NOTIFIED", "note": strings.Repeat("x", 600)}, Changed, "NOTIFIED",
			first + "\n\nnothing was open\n\n" + strings.Repeat("x", MaxFindingNoteLen-len(first)-len("nothing was open")-2*len(noteSeparator)-len(noteCut)) + noteCut},
		// The cut note counts as there.
		{map[string]any{"workflow_status": "NOTIFIED", "note": strings.Repeat("x", 600)}, AlreadyDone, "NOTIFIED", ""},
		// A full note leaves no room: the status changes, the note stays.
		{map[string]any{"note": "more"}, Changed, "RESOLVED", ""},
	}
	prevNote := ""
	for i, s := range steps {
		res, err := runUpdateFinding(t, cfg, nil, s.params)
		if err != nil || res.Outcome != s.want {
			t.Fatalf("update %d = %+v, %v; want %v", i, res, err, s.want)
		}
		wantNote := s.wantNote
		if wantNote == "" {
			wantNote = prevNote
		}
		status, note := readTestFinding(t, sim, member)
		if status != s.wantStatus || note != wantNote {
			t.Fatalf("after update %d the finding is %s with note %q, want %s with %q", i, status, note, s.wantStatus, wantNote)
		}
		if len(note) > MaxFindingNoteLen {
			t.Errorf("after update %d the note has %d bytes", i, len(note))
		}
		prevNote = note
		if res.Output["finding_id"] != testFindingID || res.Output["workflow_status"] != s.wantStatus {
			t.Errorf("update %d output = %v", i, res.Output)
		}
	}

	// A finding the hub does not hold is not found, and the message names it.
	other := awssim.DefaultAccount
	if res, err := runUpdateFinding(t, sim.Config(other), nil, map[string]any{}); err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, testFindingID) {
		t.Errorf("update of a finding missing from %s: %+v, %v; want not found naming the finding", other, res, err)
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
	// The same update in the target account finds nothing: the finding is not there.
	delete(params, "in_account")
	if res, err := runUpdateFinding(t, sim.Config(member), home, params); err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, member) {
		t.Errorf("target update of a central finding: %+v, %v; want not found naming account %s", res, err, member)
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
// then does not update is not found when it was deleted in between, and an
// error naming the finding and the reason otherwise.
func TestUpdateFindingUnprocessed(t *testing.T) {
	for _, tc := range []struct {
		code    string
		outcome Outcome
	}{{"FindingNotFound", NotFound}, {"ConcurrentUpdateError", 0}} {
		t.Run(tc.code, func(t *testing.T) { testUpdateFindingUnprocessed(t, tc.code, tc.outcome) })
	}
}

func testUpdateFindingUnprocessed(t *testing.T, code string, want Outcome) {
	var updates int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/findings":
			w.Write([]byte(`{"Findings":[{"Id":"` + testFindingID + `","ProductArn":"` + testProduct + `","Workflow":{"Status":"NEW"}}]}`))
		case r.Method == http.MethodPatch && r.URL.Path == "/findings/batchupdate":
			updates++
			w.Write([]byte(`{"ProcessedFindings":[],"UnprocessedFindings":[{"FindingIdentifier":{"Id":"` + testFindingID +
				`","ProductArn":"` + testProduct + `"},"ErrorCode":"` + code + `","ErrorMessage":"the finding could not be updated"}]}`))
		default:
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}
	res, err := runUpdateFinding(t, cfg, nil, map[string]any{"note": "x"})
	switch {
	case want == NotFound && (err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, testFindingID)):
		t.Errorf("%s: %+v, %v; want not found naming the finding", code, res, err)
	case want == 0 && (err == nil || !strings.Contains(err.Error(), code) || !strings.Contains(err.Error(), testFindingID)):
		t.Errorf("%s: err = %v, want one naming the code and the finding", code, err)
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
			[]string{testFindingID, "rectify's own account (us-east-1)", "NOTIFIED", "append \"" + strings.Repeat("n", 509) + "...\""}},
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

func TestAppendNote(t *testing.T) {
	analyst := "Investigating with the app team; do not close. -- Dana"
	for _, tc := range []struct {
		name, existing, note string
		want, fitted         string
	}{
		{"empty note", "", "revoked", "revoked", "revoked"},
		{"appended", analyst, "revoked", analyst + "\n\nrevoked", "revoked"},
		{"cut to fit", strings.Repeat("a", 500), "revoked sgr-1", strings.Repeat("a", 500) + "\n\nrevoked...", "revoked..."},
		{"no room", strings.Repeat("a", 506), "revoked", strings.Repeat("a", 506) + "\n\nr...", "r..."},
		{"no room at all", strings.Repeat("a", 508), "revoked", strings.Repeat("a", 508), ""},
		{"alone and too long", "", strings.Repeat("b", 600), strings.Repeat("b", 509) + "...", strings.Repeat("b", 509) + "..."},
		{"cut on a character", strings.Repeat("a", 500), "€€€€€", strings.Repeat("a", 500) + "\n\n€€...", "€€..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, fitted := appendNote(tc.existing, tc.note)
			if text != tc.want || fitted != tc.fitted {
				t.Errorf("appendNote = %q, %q; want %q, %q", text, fitted, tc.want, tc.fitted)
			}
			if len(text) > MaxFindingNoteLen || !utf8.ValidString(text) {
				t.Errorf("note of %d bytes, valid UTF-8 %v", len(text), utf8.ValidString(text))
			}
			if fitted != "" && !hasNote(text, tc.note) {
				t.Errorf("hasNote(%q, %q) = false after appending it", text, tc.note)
			}
		})
	}
	for _, tc := range []struct {
		text, note string
		want       bool
	}{
		{"", "x", false},
		{analyst, "revoked", false},
		{"revoked", "revoked", true},
		{analyst + "\n\nrevo...", "revoked", true},
		{analyst + "\n\nrevo...", "removed", false},
		{analyst + "\n\nrevoked\n\nlater text", "revoked", false},
	} {
		if got := hasNote(tc.text, tc.note); got != tc.want {
			t.Errorf("hasNote(%q, %q) = %v, want %v", tc.text, tc.note, got, tc.want)
		}
	}
}

func TestUpdateFindingHome(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := reg.Lookup("securityhub.update-finding")
	for in, want := range map[string]bool{"central": true, "target": false, "": false} {
		p, err := spec.Check(map[string]any{"in_account": in})
		if in == "" {
			p, err = spec.Check(map[string]any{})
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := spec.InHome(p); got != want {
			t.Errorf("InHome(in_account %q) = %v, want %v", in, got, want)
		}
	}
	for _, s := range reg.All() {
		if s.Name != spec.Name && s.InHome(map[string]any{"in_account": "central"}) {
			t.Errorf("%s works in rectify's own account", s.Name)
		}
	}
}
