package report

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/store"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text: 0-9 ~!@#$%^&*()", "plain text: 0-9 ~!@#$%^&*()"},
		{"café, 東京, emoji 🙂", "café, 東京, emoji 🙂"},
		{"\x1b[2J", `\x1b[2J`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", `\x1b]8;;http://x\x1b\link\x1b]8;;\x1b\`},
		{"a\tb\nc\rd", `a\tb\nc\rd`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"\u009b2J", `\u009b2J`},                 // C1 CSI
		{"\u0085next line", `\u0085next line`},   // C1 NEL
		{"admin\u202enimda", `admin\u202enimda`}, // right-to-left override
		{"\u2066iso\u2069", `\u2066iso\u2069`},   // isolates
		{"zero\u200bwidth\ufeff", `zero\u200bwidth\ufeff`},
		{"line\u2028sep", `line\u2028sep`},
		{"no\u00a0break", `no\u00a0break`},
		{"private\ue000", `private\ue000`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`},
		{"replacement \ufffd kept", "replacement \ufffd kept"},
		{`back\slash \x1b kept`, `back\slash \x1b kept`},
	}
	for _, tc := range tests {
		got := Escape(tc.in)
		if got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := Escape(got); again != got {
			t.Errorf("Escape is not idempotent on %q: %q", got, again)
		}
		assertPrintable(t, "Escape("+tc.in+")", got)
	}
}

// assertPrintable fails when out holds a character other than the ASCII
// space and newline that is not printable.
func assertPrintable(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		if r != ' ' && r != '\n' && !unicode.IsPrint(r) {
			t.Errorf("%s: %U at offset %d in %q", what, r, i, out)
			return
		}
	}
}

// hostile is an identifier that clears the screen and reverses the text
// after it.
const hostile = "i-\x1b[2J\u202e0123"

func TestEventOutputIsEscaped(t *testing.T) {
	target := event.Target{Account: "123456789012", Region: "us-east-1", Type: "AWS::EC2::Instance", ID: hostile}
	res := &engine.Result{EventID: "ev\x1b[2J", Status: store.EventMatched, Reason: "why \u202e not", Runs: []engine.RunResult{
		{PlaybookID: "p", Target: target, RunID: "r1", Status: store.RunFailed, Error: "no such instance " + hostile},
		{PlaybookID: "q", Target: target, Skipped: "condition error: " + hostile},
	}}
	steps := map[string][]store.StepRecord{"r1": {{RunID: "r1", Name: "stop", Action: "ec2.stop", Status: store.StepFailed, Message: "stopping " + hostile}}}
	var b strings.Builder
	Event(&b, "file\x1b[31m.json:1", res, nil, steps)
	Event(&b, "x:2", nil, errors.New("store: "+hostile), nil)
	out := b.String()
	assertPrintable(t, "Event", out)
	for _, part := range []string{`file\x1b[31m.json:1: event ev\x1b[2J: matched (why \u202e not)`, `i-\x1b[2J\u202e0123 in 123456789012/us-east-1`,
		`error:  no such instance i-\x1b[2J\u202e0123`, `skipped: condition error: i-\x1b[2J\u202e0123`, `stopping i-\x1b[2J\u202e0123`,
		`x:2: event not handled: store: i-\x1b[2J\u202e0123`} {
		if !strings.Contains(out, part) {
			t.Errorf("Event output lacks %q:\n%s", part, out)
		}
	}

	b.Reset()
	Plan(&b, res, []engine.PlannedRun{{PlaybookID: "p", Title: "Stop", Target: target, Skipped: "skipped " + hostile}})
	assertPrintable(t, "Plan", b.String())
}

func TestRunOutputIsEscaped(t *testing.T) {
	run := &store.Run{ID: "r1", PlaybookID: "p", EventID: "ev\x1b[2J", Status: store.RunFailed, Error: "failed on " + hostile,
		Target:  store.Target{Account: "123456789012", Region: "us-east-1", ResourceType: "AWS::EC2::Instance", ResourceID: hostile, FindingID: "f\u202e1"},
		Created: time.Unix(0, 0), Updated: time.Unix(0, 0)}
	audit := []store.AuditEntry{{Time: time.Unix(0, 0), Kind: store.AuditSkipped, Message: "skipped " + hostile}}
	var b strings.Builder
	Run(&b, run, nil, audit)
	Runs(&b, []*store.Run{run})
	out := b.String()
	assertPrintable(t, "Run", out)
	for _, part := range []string{`event:    ev\x1b[2J`, `finding:  f\u202e1`, `error:    failed on i-\x1b[2J\u202e0123`, `skipped i-\x1b[2J\u202e0123`} {
		if !strings.Contains(out, part) {
			t.Errorf("Run output lacks %q:\n%s", part, out)
		}
	}
}

func TestTallyOutputIsEscaped(t *testing.T) {
	var tl Tally
	tl.Add("f\x1b[2J.json:1", &engine.Result{EventID: "rejected-1", Status: store.EventRejected, Reason: "bad " + hostile}, engine.ErrRejected)
	tl.Fail(errors.New("g\u202e.json: permission denied"))
	var b strings.Builder
	tl.Write(&b)
	out := b.String()
	assertPrintable(t, "Tally", out)
	for _, part := range []string{`f\x1b[2J.json:1: rejected: bad i-\x1b[2J\u202e0123`, `g\u202e.json: permission denied`} {
		if !strings.Contains(out, part) {
			t.Errorf("summary lacks %q:\n%s", part, out)
		}
	}
}
