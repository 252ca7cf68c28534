package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
	"github.com/rectify-dev/rectify/internal/store/sqlite"
)

// awaitPlaybook runs the test.await action on the thing an event names.
const awaitPlaybook = `
id: await
title: Wait for the named thing
trigger:
  source: [test.app]
  detail-type: [Thing]
steps:
  - id: await
    action: test.await
    with:
      name: ${detail.name}
`

// awaitEnv is an engine over an in-memory store, with a clock the test
// moves, whose playbook waits a minute for each thing before it is done.
type awaitEnv struct {
	eng   *engine.Engine
	store store.Store
	mu    sync.Mutex
	now   time.Time
	calls map[string]int
	// resumes counts the calls of resume.
	resumes int
}

func newAwaitEnv(t *testing.T) *awaitEnv {
	t.Helper()
	ctx := context.Background()
	e := &awaitEnv{now: time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC), calls: map[string]int{}}
	reg := action.NewRegistry()
	err := reg.Register(action.Spec{
		Name:        "test.await",
		Description: "Wait for a thing.",
		Params:      []action.Param{{Name: "name", Type: action.String, Required: true}},
		Reads:       []string{"test:Await"},
		Run: func(_ context.Context, in action.Input) (action.Result, error) {
			name := in.String("name")
			e.mu.Lock()
			e.calls[name]++
			n := e.calls[name]
			e.mu.Unlock()
			if n == 1 {
				return action.Result{Outcome: action.Pending, RecheckAfter: time.Minute, Message: name + " is not ready"}, nil
			}
			return action.Result{Outcome: action.Changed, Message: name + " is ready"}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	pbs, err := playbook.Parse("await.yaml", []byte(awaitPlaybook), playbook.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	e.eng, err = engine.New(engine.Options{Store: st, Playbooks: pbs, Cloud: nowhere{}, Logger: discard(), Clock: e.clock,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *awaitEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *awaitEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func (e *awaitEnv) count(name string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[name]
}

// resume is the engine's Resume, counted.
func (e *awaitEnv) resume(ctx context.Context) (int, error) {
	e.mu.Lock()
	e.resumes++
	e.mu.Unlock()
	return e.eng.Resume(ctx)
}

// lambda returns the Lambda handler passing events to the engine and
// resuming its runs.
func (e *awaitEnv) lambda() *intake.Lambda {
	l := intake.NewLambda(intake.HandleFunc(e.eng, nil), discard())
	l.Resume = e.resume
	return l
}

// runs returns the statuses of the store's runs.
func (e *awaitEnv) runs(t *testing.T) []store.RunStatus {
	t.Helper()
	runs, err := e.store.ListRuns(context.Background(), store.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.RunStatus
	for _, r := range runs {
		out = append(out, r.Status)
	}
	return out
}

func TestLambdaScheduledResume(t *testing.T) {
	tests := []struct {
		name    string
		payload json.RawMessage
	}{
		{name: "scheduled rule", payload: fixture(t, "scheduled.json")},
		{name: "scheduler event", payload: json.RawMessage(`{"source":"aws.scheduler","detail-type":"Scheduled Event","detail":{}}`)},
		{name: "rectify command", payload: json.RawMessage(` {"rectify": "resume"}` + "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAwaitEnv(t)
			l := e.lambda()
			ctx := context.Background()
			if out, err := l.Invoke(ctx, json.RawMessage(thing("ev-1", "endpoint"))); err != nil || out != nil {
				t.Fatalf("Invoke(event) = %v, %v; want nil, nil", out, err)
			}
			if got := e.runs(t); len(got) != 1 || got[0] != store.RunWaiting {
				t.Fatalf("after the event, runs = %v, want one waiting", got)
			}

			// Before the wake-up time nothing is due.
			out, err := l.Invoke(ctx, tt.payload)
			if err != nil {
				t.Fatalf("Invoke(schedule) = %v", err)
			}
			if s, ok := out.(*intake.ResumeSummary); !ok || s.Resumed != 0 {
				t.Fatalf("Invoke(schedule) before the wake-up time = %#v, want a summary of 0 runs", out)
			}
			if e.count("endpoint") != 1 {
				t.Fatalf("action called %d times before the wake-up time, want once", e.count("endpoint"))
			}

			e.advance(2 * time.Minute)
			out, err = l.Invoke(ctx, tt.payload)
			if err != nil {
				t.Fatalf("Invoke(schedule) = %v", err)
			}
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != `{"resumed":1}` {
				t.Errorf("Invoke(schedule) answers %s, want {\"resumed\":1}", b)
			}
			if e.count("endpoint") != 2 {
				t.Errorf("action called %d times, want twice", e.count("endpoint"))
			}
			if got := e.runs(t); len(got) != 1 || got[0] != store.RunSucceeded {
				t.Errorf("after the schedule, runs = %v, want one succeeded", got)
			}
			evs, err := e.store.ListEvents(ctx, store.EventFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 {
				t.Errorf("%d events recorded, want 1: the schedule is no event", len(evs))
			}
		})
	}
}

func TestLambdaEventIsNotAResume(t *testing.T) {
	e := newAwaitEnv(t)
	l := e.lambda()
	// A security event from a schedule-like source with another
	// detail-type, and one with the detail-type from another source, are
	// events like any other: no playbook matches them.
	payloads := []string{
		thing("ev-1", "endpoint"),
		`{"version":"0","id":"ev-2","detail-type":"Other","source":"aws.events","account":"123456789012","time":"2026-11-24T06:00:00Z","region":"us-east-1","resources":[],"detail":{}}`,
		`{"version":"0","id":"ev-3","detail-type":"Scheduled Event","source":"test.app","account":"123456789012","time":"2026-11-24T06:00:00Z","region":"us-east-1","resources":[],"detail":{}}`,
	}
	for _, p := range payloads {
		if out, err := l.Invoke(context.Background(), json.RawMessage(p)); err != nil || out != nil {
			t.Fatalf("Invoke(%s) = %v, %v; want nil, nil", p, out, err)
		}
	}
	if e.resumes != 0 {
		t.Errorf("Resume called %d times, want never", e.resumes)
	}
	if e.count("endpoint") != 1 {
		t.Errorf("action called %d times, want once", e.count("endpoint"))
	}
	evs, err := e.store.ListEvents(context.Background(), store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Errorf("%d events recorded, want 3", len(evs))
	}
}

func TestLambdaResumeFailures(t *testing.T) {
	errStore := errors.New("store unavailable")
	tests := []struct {
		name    string
		payload string
		resume  func(context.Context) (int, error)
		wantErr error
	}{
		{name: "unknown command", payload: `{"rectify": "reboot"}`, resume: func(context.Context) (int, error) { return 0, nil },
			wantErr: intake.ErrUnsupportedPayload},
		{name: "command not a string", payload: `{"rectify": 1}`, resume: func(context.Context) (int, error) { return 0, nil },
			wantErr: intake.ErrUnsupportedPayload},
		{name: "no resume", payload: `{"rectify": "resume"}`},
		{name: "resume fails", payload: `{"rectify": "resume"}`, resume: func(context.Context) (int, error) { return 2, errStore },
			wantErr: errStore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			l := intake.NewLambda(intake.HandleFunc(e.eng, nil), discard())
			l.Resume = tt.resume
			out, err := l.Invoke(context.Background(), json.RawMessage(tt.payload))
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Invoke = %v, %v; want error %v", out, err, tt.wantErr)
			}
			if out != nil {
				t.Errorf("Invoke = %#v, want nil", out)
			}
			evs, err := e.store.ListEvents(context.Background(), store.EventFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 0 {
				t.Errorf("%d events recorded, want none", len(evs))
			}
		})
	}
}

// TestLambdaResumeOutlivesDeadline checks that the runs resumed by a
// scheduled invocation are not cut short by the invocation's deadline.
func TestLambdaResumeOutlivesDeadline(t *testing.T) {
	e := newEnv(t)
	l := intake.NewLambda(intake.HandleFunc(e.eng, nil), discard())
	var runErr error
	l.Resume = func(ctx context.Context) (int, error) {
		runErr = ctx.Err()
		return 0, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Invoke(ctx, json.RawMessage(`{"rectify":"resume"}`)); err != nil {
		t.Fatalf("Invoke = %v", err)
	}
	if runErr != nil {
		t.Errorf("Resume's context ended: %v", runErr)
	}
}
