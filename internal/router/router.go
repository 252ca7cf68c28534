// Package router decides what rectify does with an event, without doing it.
//
// A Router holds the enabled playbooks with their configuration applied
// (mode and parameter overrides), one compiled pattern set for all their
// triggers, and the guards that need no I/O: the global dry run, the loop
// guard that ignores rectify's own API calls, the account and region lists
// and the exemptions. Route parses an event, matches it, evaluates each
// matched playbook's condition per target and applies the guards; the
// result is a Decision listing one Candidate run per playbook and target,
// each with its mode, its idempotency key, and why it is skipped if it is.
// Plan describes a candidate's steps.
//
// Nothing here reads or writes state or calls AWS: package engine records
// decisions, creates and executes runs. Keeping the decision pure makes it
// cheap (microseconds per event), safe to call for `rectify plan`, and easy
// to test exhaustively.
package router

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/playbook"
)

// ErrRejected is wrapped by the error Route returns for input that is not a
// valid event.
var ErrRejected = errors.New("event rejected")

// Setting overrides a playbook's configuration.
type Setting struct {
	// Enabled, if set, enables or disables the playbook.
	Enabled *bool
	// Mode, if non-zero, replaces the playbook's mode.
	Mode playbook.Mode
	// Params override the playbook's parameter defaults.
	Params map[string]any
}

// Options configure a Router.
type Options struct {
	Playbooks []*playbook.Playbook
	Settings  map[string]Setting
	// DryRun makes every playbook a dry run, whatever its mode.
	DryRun bool
	// Allowed reports whether rectify may act in account and region; nil
	// allows everything.
	Allowed func(account, region string) error
	// OwnSession reports whether a principal ARN is rectify itself (the
	// loop guard); nil means never.
	OwnSession func(arn string) bool
	// Exemptions exempt resources from remediation.
	Exemptions Exemptions
	// Clock returns the current time, for exemption expiry; nil means
	// time.Now.
	Clock func() time.Time
}

// Router routes events to playbooks. It is safe for concurrent use.
type Router struct {
	opts  Options
	set   *pattern.Set
	books map[string]*Book
	ids   []string
}

// Book is an enabled playbook with its configuration applied.
type Book struct {
	Playbook *playbook.Playbook
	// Mode is the playbook's mode after configuration, before the global
	// dry run.
	Mode playbook.Mode
	// Params are the playbook's parameters after configuration.
	Params map[string]any
}

// New returns a Router for the enabled playbooks in opts.
func New(opts Options) (*Router, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if err := opts.Exemptions.Check(); err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	r := &Router{opts: opts, set: pattern.NewSet(), books: map[string]*Book{}}
	known := map[string]bool{}
	for _, pb := range opts.Playbooks {
		known[pb.ID] = true
	}
	for id := range opts.Settings {
		if !known[id] {
			return nil, fmt.Errorf("router: configuration names playbook %q, which is not loaded", id)
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
			return nil, fmt.Errorf("router: playbook %s: %w", pb.ID, err)
		}
		mode := pb.Mode
		if s.Mode != 0 {
			mode = s.Mode
		}
		if err := r.set.Add(pb.ID, pb.Trigger); err != nil {
			return nil, fmt.Errorf("router: playbook %s (%s): trigger: %w", pb.ID, pb.Pos, err)
		}
		r.books[pb.ID] = &Book{Playbook: pb, Mode: mode, Params: params}
		r.ids = append(r.ids, pb.ID)
	}
	sort.Strings(r.ids)
	return r, nil
}

// Playbooks returns the IDs of the enabled playbooks, sorted.
func (r *Router) Playbooks() []string { return append([]string(nil), r.ids...) }

// Book returns an enabled playbook.
func (r *Router) Book(id string) (*Book, bool) {
	b, ok := r.books[id]
	return b, ok
}

// DryRun reports whether the global dry run is on.
func (r *Router) DryRun() bool { return r.opts.DryRun }

// Mode returns the effective mode of an enabled playbook: its configured
// mode, or dry-run under the global dry run.
func (r *Router) Mode(id string) (playbook.Mode, bool) {
	b, ok := r.books[id]
	if !ok {
		return 0, false
	}
	if r.opts.DryRun {
		return playbook.DryRun, true
	}
	return b.Mode, true
}

// Exemptions returns the exemptions the router applies.
func (r *Router) Exemptions() Exemptions { return r.opts.Exemptions }
