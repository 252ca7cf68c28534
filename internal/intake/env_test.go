package intake_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
	"github.com/rectify-dev/rectify/internal/store/sqlite"
)

// touchPlaybook runs the test.touch action on the thing an event names.
const touchPlaybook = `
id: touch
title: Touch the named thing
trigger:
  source: [test.app]
  detail-type: [Thing]
steps:
  - id: touch
    action: test.touch
    with:
      name: ${detail.name}
`

// nowhere is an engine.Cloud for actions that call no AWS API.
type nowhere struct{}

func (nowhere) Config(context.Context, string, string, string) (aws.Config, error) {
	return aws.Config{}, nil
}
func (nowhere) Allowed(string, string) error { return nil }
func (nowhere) IsOwnSession(string) bool     { return false }

// env is an engine over an in-memory store with the touch playbook.
type env struct {
	eng   *engine.Engine
	store store.Store
	mu    sync.Mutex
	// touched counts the test.touch calls by name. The names "fail" and
	// "panic" make the action fail and panic.
	touched map[string]int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{touched: map[string]int{}}
	reg := action.NewRegistry()
	err := reg.Register(action.Spec{
		Name:        "test.touch",
		Description: "Touch a thing.",
		Params:      []action.Param{{Name: "name", Type: action.String, Required: true}},
		Writes:      []string{"test:Touch"},
		Verify:      func(context.Context, action.Input, action.Result) error { return nil },
		Run: func(_ context.Context, in action.Input) (action.Result, error) {
			name := in.String("name")
			switch name {
			case "fail":
				return action.Result{}, errors.New("the thing resists")
			case "panic":
				panic("the thing exploded")
			}
			e.mu.Lock()
			e.touched[name]++
			e.mu.Unlock()
			return action.Result{Outcome: action.Changed, Message: "touched " + name}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	pbs, err := playbook.Parse("touch.yaml", []byte(touchPlaybook), playbook.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	e.eng, err = engine.New(engine.Options{Store: st, Playbooks: pbs, Cloud: nowhere{}, Logger: discard(),
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) count(name string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.touched[name]
}

// events returns how many events the store recorded with status s.
func (e *env) events(t testing.TB, s store.EventStatus) int {
	t.Helper()
	evs, err := e.store.ListEvents(context.Background(), store.EventFilter{Statuses: []store.EventStatus{s}})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// thing returns an event of the touch playbook's trigger naming name.
func thing(id, name string) string {
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":"Thing","source":"test.app","account":"123456789012",`+
		`"time":"2026-11-20T19:38:24Z","region":"us-east-1","resources":[],"detail":{"name":%q}}`, id, name)
}

// other returns an event no playbook matches.
func other(id string) string {
	return strings.Replace(thing(id, "x"), `"test.app"`, `"test.other"`, 1)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
