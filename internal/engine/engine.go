// Package engine turns events into remediation runs and carries the runs out.
//
// Handle takes one event's raw bytes through rectify's loop: parse, match
// every enabled playbook's trigger at once, evaluate each playbook's
// condition, derive the targets, apply the guards (mode, global dry run,
// account and region lists, the loop guard that ignores rectify's own API
// calls), create one run per playbook and target under an idempotency key
// (so a redelivered event is a no-op), and execute the run's steps in order.
// Every decision is recorded in the store's audit trail, and every event,
// including the ones that match nothing or cannot be parsed, is recorded with
// its status.
//
// A run's progress is persisted after every step, so a run interrupted by a
// crash resumes at the step it was in (actions are idempotent, so repeating
// that step is harmless), and a step that must wait, such as for a Glue dev
// endpoint to become ready, ends the execution with a wake-up time instead of
// holding a goroutine: Resume picks up due runs.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/notify"
	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

// Cloud gives the engine AWS configurations and the guards that depend on
// identity. *cloud.Provider implements it.
type Cloud interface {
	// Config returns the configuration for calls in account and region on
	// behalf of session (a run ID).
	Config(ctx context.Context, account, region, session string) (aws.Config, error)
	// Allowed reports whether rectify may act in account and region.
	Allowed(account, region string) error
	// IsOwnSession reports whether a principal ARN is rectify itself.
	IsOwnSession(arn string) bool
}

// HomeCloud is a Cloud that also gives configurations for rectify's own
// account, which actions reach through action.Input.Home (to update a
// finding in the organization's Security Hub administrator account, for
// example). *cloud.Provider implements it. With a Cloud that does not,
// Input.Home is nil.
type HomeCloud interface {
	Cloud
	// HomeConfig returns the configuration for calls in rectify's own
	// account and region on behalf of session (a run ID).
	HomeConfig(ctx context.Context, region, session string) (aws.Config, error)
}

// Notifier delivers notifications to named channels. *notify.Router
// implements it.
type Notifier interface {
	Notify(ctx context.Context, channels []string, m notify.Message) []notify.Result
}

// Setting overrides a playbook's configuration.
type Setting struct {
	// Enabled, if set, enables or disables the playbook.
	Enabled *bool
	// Mode, if non-zero, replaces the playbook's mode.
	Mode playbook.Mode
	// Params override the playbook's parameter defaults.
	Params map[string]any
}

// Options configure an Engine.
type Options struct {
	Store     store.Store
	Playbooks []*playbook.Playbook
	Settings  map[string]Setting
	Cloud     Cloud
	Notifier  Notifier
	// DryRun makes every playbook a dry run, whatever its mode.
	DryRun bool
	// Owner names this process in run leases; empty means host and PID.
	Owner string
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Logger receives the engine's log; nil means slog.Default.
	Logger *slog.Logger
	// Lease is how long a run is held by one executor; zero means 5m.
	Lease time.Duration
	// StepTimeout bounds one call of an action; zero means 2m.
	StepTimeout time.Duration
	// MaxWait bounds how long a step may keep answering Pending when it
	// declares no timeout; zero means 1h.
	MaxWait time.Duration
	// Sleep waits between a step's retries; nil means a timer that ends
	// with ctx.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Engine routes events to playbooks and executes runs. It is safe for
// concurrent use.
type Engine struct {
	opts  Options
	log   *slog.Logger
	set   *pattern.Set
	books map[string]*book
	ids   []string
}

// book is a loaded playbook with its configuration applied.
type book struct {
	pb     *playbook.Playbook
	mode   playbook.Mode
	params map[string]any
}

// New returns an Engine for the enabled playbooks in opts.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("engine: no store")
	}
	if opts.Cloud == nil {
		return nil, errors.New("engine: no cloud provider")
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Owner == "" {
		host, _ := os.Hostname()
		opts.Owner = host + ":" + strconv.Itoa(os.Getpid())
	}
	if opts.Lease == 0 {
		opts.Lease = 5 * time.Minute
	}
	if opts.StepTimeout == 0 {
		opts.StepTimeout = 2 * time.Minute
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = time.Hour
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	e := &Engine{opts: opts, log: opts.Logger, set: pattern.NewSet(), books: map[string]*book{}}
	for id := range opts.Settings {
		if !hasPlaybook(opts.Playbooks, id) {
			return nil, fmt.Errorf("engine: configuration names playbook %q, which is not loaded", id)
		}
	}
	for _, pb := range opts.Playbooks {
		s := opts.Settings[pb.ID]
		enabled := pb.Enabled
		if s.Enabled != nil {
			enabled = *s.Enabled
		}
		if !enabled {
			continue
		}
		params, err := pb.Params(s.Params)
		if err != nil {
			return nil, fmt.Errorf("engine: playbook %s: %w", pb.ID, err)
		}
		mode := pb.Mode
		if s.Mode != 0 {
			mode = s.Mode
		}
		if err := e.set.Add(pb.ID, pb.Trigger); err != nil {
			return nil, fmt.Errorf("engine: playbook %s (%s): trigger: %w", pb.ID, pb.Pos, err)
		}
		e.books[pb.ID] = &book{pb: pb, mode: mode, params: params}
		e.ids = append(e.ids, pb.ID)
	}
	sort.Strings(e.ids)
	return e, nil
}

func hasPlaybook(pbs []*playbook.Playbook, id string) bool {
	for _, pb := range pbs {
		if pb.ID == id {
			return true
		}
	}
	return false
}

// Playbooks returns the IDs of the enabled playbooks, sorted.
func (e *Engine) Playbooks() []string { return append([]string(nil), e.ids...) }

// Mode returns the effective mode of an enabled playbook.
func (e *Engine) Mode(id string) (playbook.Mode, bool) {
	b, ok := e.books[id]
	if !ok {
		return 0, false
	}
	if e.opts.DryRun {
		return playbook.DryRun, true
	}
	return b.mode, true
}

func (e *Engine) now() time.Time { return e.opts.Clock().UTC() }

// audit appends an audit entry, logging (not failing) if the store refuses.
func (e *Engine) audit(ctx context.Context, a store.AuditEntry) {
	if a.Time.IsZero() {
		a.Time = e.now()
	}
	if err := e.opts.Store.AppendAudit(ctx, a); err != nil {
		e.log.Error("audit entry not recorded", "kind", a.Kind, "run", a.RunID, "event", a.EventID, "err", err)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
