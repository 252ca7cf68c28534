package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/store"
)

func TestTally(t *testing.T) {
	target := event.Target{Account: "123456789012", Region: "us-east-1", Type: "AWS::IAM::AccessKey", ID: "AKIA1"}
	var tl Tally
	tl.Add("a:1", &engine.Result{EventID: "e1", Status: store.EventMatched, Runs: []engine.RunResult{
		{PlaybookID: "p", Target: target, RunID: "r1", Status: store.RunSucceeded},
		{PlaybookID: "q", Target: target, Skipped: "condition (when) is false"},
	}}, nil)
	tl.Add("a:2", &engine.Result{EventID: "e2", Status: store.EventMatched, Runs: []engine.RunResult{
		{PlaybookID: "p", Target: target, RunID: "r2", Status: store.RunFailed, Error: "access\ndenied"},
	}}, nil)
	tl.Add("a:3", &engine.Result{EventID: "rejected-1", Status: store.EventRejected, Reason: "invalid event: id: missing"},
		fmt.Errorf("%w: bad", engine.ErrRejected))
	tl.Add("a:4", &engine.Result{EventID: "e4", Status: store.EventUnmatched}, nil)
	tl.Add("a:5", nil, errors.New("store: disk full"))
	tl.Fail(errors.New("b.json: permission denied"))

	if tl.Total() != 6 || tl.OK() {
		t.Errorf("Total = %d, OK = %t; want 6, false", tl.Total(), tl.OK())
	}
	wantEvents := map[string]int{"matched": 2, "rejected": 1, "unmatched": 1, "error": 2}
	wantRuns := map[string]int{"succeeded": 1, "failed": 1, "skipped": 1}
	if fmt.Sprint(tl.Events) != fmt.Sprint(wantEvents) || fmt.Sprint(tl.Runs) != fmt.Sprint(wantRuns) {
		t.Errorf("events %v runs %v; want %v %v", tl.Events, tl.Runs, wantEvents, wantRuns)
	}
	wantFailures := []string{
		"a:2: event e2: run r2 of p on AWS::IAM::AccessKey AKIA1 in 123456789012/us-east-1 failed: access denied",
		"a:3: rejected: invalid event: id: missing",
		"a:5: not handled: store: disk full",
		"b.json: permission denied",
	}
	if !slices.Equal(tl.Failures, wantFailures) {
		t.Errorf("failures:\n%q\nwant\n%q", tl.Failures, wantFailures)
	}
	var b strings.Builder
	tl.Write(&b)
	for _, part := range []string{"6 events", "matched    2", "error      2", "failed     1", "4 failures:", "  b.json: permission denied"} {
		if !strings.Contains(b.String(), part) {
			t.Errorf("summary lacks %q:\n%s", part, b.String())
		}
	}
	var empty Tally
	if !empty.OK() || empty.Total() != 0 {
		t.Error("an empty tally is not OK")
	}
}

func TestTriggerSources(t *testing.T) {
	tests := []struct {
		trigger string
		want    []string
	}{
		{`{"source":["aws.iam","aws.s3"]}`, []string{"aws.iam", "aws.s3"}},
		{`{"source":[{"prefix":"aws."}]}`, []string{`{"prefix":"aws."}`}},
		{`{"detail-type":["x"]}`, []string{"*"}},
		{`not json`, []string{"*"}},
	}
	for _, tc := range tests {
		if got := TriggerSources([]byte(tc.trigger)); !slices.Equal(got, tc.want) {
			t.Errorf("TriggerSources(%s) = %q, want %q", tc.trigger, got, tc.want)
		}
	}
}

func TestTarget(t *testing.T) {
	tests := []struct {
		t    event.Target
		want string
	}{
		{event.Target{Account: "1", Region: "r", Type: "AWS::S3::Bucket", ID: "b", ARN: "arn:aws:s3:::b"}, "arn:aws:s3:::b in 1/r"},
		{event.Target{Account: "1", Region: "r", Type: "AWS::IAM::AccessKey", ID: "AKIA"}, "AWS::IAM::AccessKey AKIA in 1/r"},
		{event.Target{}, "(no resource) in -/-"},
	}
	for _, tc := range tests {
		if got := Target(tc.t); got != tc.want {
			t.Errorf("Target(%+v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestEventRejected(t *testing.T) {
	var b strings.Builder
	Event(&b, "f.json:3", &engine.Result{EventID: "rejected-9", Status: store.EventRejected, Reason: "invalid event: malformed JSON"},
		fmt.Errorf("%w: x", engine.ErrRejected), nil)
	if got, want := b.String(), "f.json:3: event rejected-9: rejected (invalid event: malformed JSON)\n"; got != want {
		t.Errorf("Event = %q, want %q", got, want)
	}
}
