package router

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/playbook"
)

// Verdict is what became of an event as a whole.
type Verdict int

// The verdicts.
const (
	// Matched: at least one playbook's trigger matched.
	Matched Verdict = iota + 1
	// Unmatched: no enabled playbook's trigger matched.
	Unmatched
	// Rejected: the input is not a valid event.
	Rejected
	// Ignored: deliberately not acted on (the loop guard).
	Ignored
)

var verdictNames = [...]string{Matched: "matched", Unmatched: "unmatched", Rejected: "rejected", Ignored: "ignored"}

func (v Verdict) String() string {
	if v > 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Decision is what the router decided for one event.
type Decision struct {
	// Event is the parsed event; nil when it was rejected before parsing.
	Event   *event.Event
	Verdict Verdict
	// Reason explains a verdict other than Matched.
	Reason string
	// Candidates are the runs the matched playbooks would start, one per
	// playbook and target, in playbook ID order.
	Candidates []Candidate
}

// Candidate is one playbook's decision for one target of an event.
type Candidate struct {
	Book   *Book
	Target event.Target
	// Mode is the effective mode: the playbook's, or dry-run under the
	// global dry run.
	Mode playbook.Mode
	// Vars are the values the playbook's expressions see for this target.
	Vars playbook.Vars
	// Skip says why no run is started ("" when one is): the condition does
	// not hold, the account is not allowed, an exemption applies.
	Skip string
	// Exempt is the exemption that applied, when Skip is because of one.
	Exempt *Applied
	// Key is the run's idempotency key.
	Key string
	// LookupTags says that the run must read the target's tags, for tag
	// exemptions, before it acts (the event does not carry them).
	LookupTags bool
}

// Acts reports whether a run in mode m may change anything once it
// starts: auto and approve (after approval). Dry-run and notify runs only
// plan.
func Acts(m playbook.Mode) bool { return m == playbook.Auto || m == playbook.Approve }

// Key returns the idempotency key of a run of playbook for target and the
// event with eventID, in a mode that acts or not. A run that only plans
// has a key of its own, so that planning an event never uses it up: a
// later delivery of the same event in a mode that acts starts a run.
func Key(playbookID string, t event.Target, eventID string, acts bool) string {
	class := "act"
	if !acts {
		class = "plan"
	}
	sum := sha256.Sum256([]byte(playbookID + "\x00" + t.Key() + "\x00" + eventID + "\x00" + class))
	return playbookID + ":" + hex.EncodeToString(sum[:16])
}

// Route parses raw, matches it and decides the candidate runs. It returns
// a Decision in every case; the error, for input that is not a valid event,
// wraps ErrRejected.
func (r *Router) Route(raw []byte) (*Decision, error) {
	ev, err := event.Parse(raw)
	if err != nil {
		return &Decision{Verdict: Rejected, Reason: err.Error()}, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	d := &Decision{Event: ev}
	if why := r.loopGuard(ev); why != "" {
		d.Verdict, d.Reason = Ignored, why
		return d, nil
	}
	ids, err := r.set.Match(raw)
	if err != nil {
		d.Verdict, d.Reason = Rejected, "matching: "+err.Error()
		return d, fmt.Errorf("%w: matching: %w", ErrRejected, err)
	}
	if len(ids) == 0 {
		d.Verdict, d.Reason = Unmatched, "no enabled playbook's trigger matches"
		return d, nil
	}
	evMap, err := ev.Map()
	if err != nil {
		d.Verdict, d.Reason = Rejected, err.Error()
		return d, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	targets, err := ev.Targets()
	if err != nil {
		d.Verdict, d.Reason = Rejected, "targets: "+err.Error()
		return d, fmt.Errorf("%w: targets: %w", ErrRejected, err)
	}
	// The event's map and each target's variables are built once and
	// shared, read only, by every playbook the event matched.
	tvars := make([]map[string]any, len(targets))
	for i, t := range targets {
		tvars[i] = playbook.TargetVars(t)
	}
	now := r.opts.Clock()
	fromSH := ev.Source == "aws.securityhub"
	for _, id := range ids {
		b := r.books[id]
		if b == nil {
			continue
		}
		mode, _ := r.Mode(id)
		for i, t := range targets {
			c := Candidate{Book: b, Target: t, Mode: mode,
				Vars: playbook.Vars{Event: evMap, Target: tvars[i], Params: b.Params},
				Key:  Key(id, t, ev.ID, Acts(mode))}
			c.Skip, c.Exempt = r.guard(b, &c, now)
			c.LookupTags = c.Skip == "" && r.opts.Exemptions.LookupTags(b.Playbook, fromSH, t)
			d.Candidates = append(d.Candidates, c)
		}
	}
	d.Verdict = Matched
	return d, nil
}

// guard returns why a candidate must not run, and the exemption that
// applied.
func (r *Router) guard(b *Book, c *Candidate, now time.Time) (string, *Applied) {
	if skip, err := b.Playbook.Check(c.Vars); err != nil {
		return "condition error: " + err.Error(), nil
	} else if skip != "" {
		return skip, nil
	}
	if r.opts.Allowed != nil {
		if err := r.opts.Allowed(c.Target.Account, c.Target.Region); err != nil {
			return err.Error(), nil
		}
	}
	if len(b.Playbook.Controls) > 0 {
		// A control playbook's parameters may differ per finding.
		params, err := b.Playbook.ParamsFor(b.Params, r.opts.Settings[b.Playbook.ID].Params, c.Target.Attributes["controlId"], c.Target.ControlParams)
		if err != nil {
			return err.Error(), nil
		}
		c.Vars.Params = params
	}
	if a := r.opts.Exemptions.Match(b.Playbook.ID, c.Target, now); a != nil {
		return a.String(), a
	}
	if a := r.opts.Exemptions.MatchTags(c.Target.Tags); a != nil {
		return a.String(), a
	}
	return "", nil
}

// loopGuard returns why an event must be ignored because rectify itself
// caused it, or "".
func (r *Router) loopGuard(ev *event.Event) string {
	if r.opts.OwnSession == nil || ev.Kind() != event.KindCloudTrail {
		return ""
	}
	call, err := ev.CloudTrail()
	if err != nil {
		return ""
	}
	if arn := call.UserIdentity.ARN; arn != "" && r.opts.OwnSession(arn) {
		return "loop guard: the call was made by rectify's own session " + arn
	}
	return ""
}
