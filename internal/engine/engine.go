// Package engine turns events into remediation runs and carries the runs out.
//
// What to do with an event is decided by package router, without I/O; the
// engine does what was decided. Handle records the event and the router's
// decision, creates one run per playbook and target under the decision's
// idempotency key (a redelivered event finds its runs: a finished one is a
// duplicate, a failed one is reopened at the step that failed, a waiting one
// is woken), applies the circuit breaker, and executes the runs that may act
// now. Every decision is recorded in the store's audit trail, and every
// event, including the ones that match nothing or cannot be parsed, is
// recorded with its status.
//
// # Execution
//
// Execute takes a lease on a run under a token of its own (so one process
// never executes a run twice at once), renews it while a step runs, and
// carries the run from the step it is at. Each step's action gets an AWS
// configuration gated by package permission: only the operations the action
// declared get through, and writes only when the run may act — never under
// the global dry run, never for a run that only plans or awaits approval,
// never during verification. A step that reports a change is verified by
// re-reading (action.Spec.Verify); a change that did not hold fails the
// step. A retryable failure (throttling, 5xx, timeouts, expired
// credentials) makes the run wait with exponential backoff and jitter;
// a permanent one fails it, and runs the playbook's on_failure steps. A step
// marked critical: false may fail without failing the run. The
// notification is a phase of its own: a failed send is retried with the run,
// and the run is not marked notified until every destination got it.
//
// Progress is persisted after every step, so a run interrupted by a crash
// is resumed by Resume once its lease expires, at the step it was in
// (actions are idempotent); a step that must wait ends the execution with a
// wake-up time instead of holding a goroutine.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/notify"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/router"
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
// implements it. Destinations for which sent reports true are not sent to
// again (they got the message on an earlier attempt).
type Notifier interface {
	Notify(ctx context.Context, channels []string, m notify.Message, sent func(key string) bool) []notify.Result
}

// Setting overrides a playbook's configuration.
type Setting = router.Setting

// Retry bounds how a run retries a step that failed in a way that may
// succeed later.
type Retry struct {
	// Base is the first wait; it doubles after each attempt. Zero means
	// DefaultRetry.Base.
	Base time.Duration
	// Max caps one wait. Zero means DefaultRetry.Max.
	Max time.Duration
	// Attempts bounds the attempts of one step (and of the notification),
	// the first included. Zero means DefaultRetry.Attempts.
	Attempts int
}

// DefaultRetry waits 15s, 30s, 1m, 2m, 4m, 8m, then 15m between attempts
// (each ±20 %), for 10 attempts: a step that keeps failing in a retryable
// way fails after about an hour.
var DefaultRetry = Retry{Base: 15 * time.Second, Max: 15 * time.Minute, Attempts: 10}

// Breaker pauses a playbook that changes more than Max targets within
// Window: its later runs wait for approval, and the security team is told.
type Breaker struct {
	// Max is the number of acting runs a playbook may start within Window;
	// zero means DefaultBreaker.Max, a negative value turns the breaker
	// off.
	Max int
	// Window is the period counted; zero means DefaultBreaker.Window.
	Window time.Duration
}

// DefaultBreaker allows a playbook 25 acting runs an hour.
var DefaultBreaker = Breaker{Max: 25, Window: time.Hour}

// Options configure an Engine.
type Options struct {
	Store     store.Store
	Playbooks []*playbook.Playbook
	Settings  map[string]Setting
	Cloud     Cloud
	Notifier  Notifier
	// SecurityChannel is the notification channel of the security team,
	// told when the circuit breaker pauses a playbook.
	SecurityChannel string
	// DryRun makes every playbook a dry run, whatever its mode, and stops
	// every path that would change something: Execute, Resume, Approve and
	// Retry change nothing while it is set.
	DryRun bool
	// Exemptions exempt resources from remediation.
	Exemptions router.Exemptions
	// Breaker is the per-playbook circuit breaker.
	Breaker Breaker
	// Retry bounds the retries of steps that fail in a way that may
	// succeed later.
	Retry Retry
	// Owner names this process in run leases; empty means host and PID.
	// Each execution adds a token of its own.
	Owner string
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Logger receives the engine's log; nil means slog.Default.
	Logger *slog.Logger
	// Lease is how long a run is held by one execution without renewal;
	// it is renewed every third of it while the execution lasts. Zero
	// means 30s: a crashed process's runs resume within about that.
	Lease time.Duration
	// StepTimeout bounds one call of an action; zero means 2m.
	StepTimeout time.Duration
	// MaxWait bounds how long a step may keep answering Pending when it
	// declares no timeout; zero means 1h.
	MaxWait time.Duration
	// VerifyAttempts bounds the re-reads of a change that has not shown
	// yet (eventual consistency); zero means 4. VerifyBackoff is the first
	// wait between them, doubling; zero means 1s.
	VerifyAttempts int
	VerifyBackoff  time.Duration
	// Sleep waits between a step's immediate retries and verification
	// re-reads; nil means a timer that ends with ctx.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Engine routes events to playbooks and executes runs. It is safe for
// concurrent use.
type Engine struct {
	opts   Options
	log    *slog.Logger
	router *router.Router
}

// ErrDryRun is returned by the operations that would change something
// (Approve, Retry) while the global dry run is on.
var ErrDryRun = errors.New("the global dry run is on: nothing is changed")

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
		opts.Lease = 30 * time.Second
	}
	if opts.Lease < time.Second {
		return nil, fmt.Errorf("engine: lease %s is shorter than a second", opts.Lease)
	}
	if opts.StepTimeout == 0 {
		opts.StepTimeout = 2 * time.Minute
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = time.Hour
	}
	if opts.VerifyAttempts == 0 {
		opts.VerifyAttempts = 4
	}
	if opts.VerifyBackoff == 0 {
		opts.VerifyBackoff = time.Second
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Retry.Base == 0 {
		opts.Retry.Base = DefaultRetry.Base
	}
	if opts.Retry.Max == 0 {
		opts.Retry.Max = DefaultRetry.Max
	}
	if opts.Retry.Attempts == 0 {
		opts.Retry.Attempts = DefaultRetry.Attempts
	}
	if opts.Retry.Base < 0 || opts.Retry.Max < opts.Retry.Base || opts.Retry.Attempts < 1 {
		return nil, fmt.Errorf("engine: retry %+v: want 0 < base <= max and attempts >= 1", opts.Retry)
	}
	if opts.Breaker.Max == 0 {
		opts.Breaker.Max = DefaultBreaker.Max
	}
	if opts.Breaker.Window == 0 {
		opts.Breaker.Window = DefaultBreaker.Window
	}
	r, err := router.New(router.Options{Playbooks: opts.Playbooks, Settings: opts.Settings, DryRun: opts.DryRun,
		Allowed: opts.Cloud.Allowed, OwnSession: opts.Cloud.IsOwnSession, Exemptions: opts.Exemptions, Clock: opts.Clock})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return &Engine{opts: opts, log: opts.Logger, router: r}, nil
}

// Router returns the engine's router, for decisions without execution.
func (e *Engine) Router() *router.Router { return e.router }

// Playbooks returns the IDs of the enabled playbooks, sorted.
func (e *Engine) Playbooks() []string { return e.router.Playbooks() }

// Mode returns the effective mode of an enabled playbook.
func (e *Engine) Mode(id string) (playbook.Mode, bool) { return e.router.Mode(id) }

// DryRun reports whether the global dry run is on.
func (e *Engine) DryRun() bool { return e.opts.DryRun }

func (e *Engine) now() time.Time { return e.opts.Clock().UTC() }

// token returns a lease owner unique to one execution.
func (e *Engine) token() string {
	var b [6]byte
	rand.Read(b[:])
	return e.opts.Owner + ":" + hex.EncodeToString(b[:])
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
