package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/router"
	"github.com/rectify-dev/rectify/internal/store"
)

// ErrRejected is wrapped by the error Handle returns for input that is not
// a valid event. The input is recorded all the same.
var ErrRejected = router.ErrRejected

// Result is what Handle did with one event.
type Result struct {
	EventID string
	Status  store.EventStatus
	// Reason explains a rejected or ignored event, or an unmatched one.
	Reason string
	Runs   []RunResult
}

// RunResult is one playbook's decision for one target of an event.
type RunResult struct {
	PlaybookID string
	Target     event.Target
	// RunID is empty when no run was created (Skipped).
	RunID  string
	Mode   playbook.Mode
	Status store.RunStatus
	// Duplicate is true when the run already existed: the event was
	// delivered before.
	Duplicate bool
	// Reopened is true when the event's earlier delivery had left the run
	// failed or waiting, and this delivery set it going again.
	Reopened bool
	// Skipped explains why no run was created, e.g. the playbook's
	// condition did not hold, the account is not allowed, or an exemption
	// applies.
	Skipped string
	// Error is the failure of a run that failed.
	Error string
}

// Failed reports whether any run of the event failed.
func (r *Result) Failed() bool {
	for _, rr := range r.Runs {
		if rr.Status == store.RunFailed {
			return true
		}
	}
	return false
}

// runInput is what a run needs to execute or resume, stored with it.
type runInput struct {
	// Event is the event's body when the run's event record does not
	// hold all of it (see Run.EventKey); usually empty.
	Event  json.RawMessage `json:"event,omitempty"`
	Target event.Target    `json:"target"`
	Params map[string]any  `json:"params"`
	// LookupTags: read the target's tags for tag exemptions before acting.
	LookupTags bool `json:"lookup_tags,omitempty"`
}

// Handle takes one event through routing, guards, deduplication and
// execution. The returned error is non-nil for rejected input (wrapping
// ErrRejected) and for store failures; failed remediations are reported in
// the Result, not as an error.
//
// What the event decides is written with two commits: the event's record
// with the runs it starts (a run refers to the record for its event's
// body), then what follows from which runs were new (their plans, the
// duplicates' audit, reopened runs).
func (e *Engine) Handle(ctx context.Context, raw []byte) (*Result, error) {
	d, rerr := e.router.Route(raw)
	res := &Result{Status: eventStatus(d.Verdict), Reason: d.Reason}
	if d.Event != nil {
		res.EventID = d.Event.ID
	}
	if d.Verdict != router.Matched {
		var w writes
		e.recordEvent(&w, d, raw, res, nil)
		if err := e.flush(ctx, &w); err != nil {
			e.log.Error("event not recorded", "event", res.EventID, "err", err)
			if rerr == nil {
				return res, err
			}
		}
		return res, rerr
	}
	ev := d.Event
	now := e.now()
	var playbooks []string
	for i := range d.Candidates {
		playbooks = appendUnique(playbooks, d.Candidates[i].Book.Playbook.ID)
	}

	// First commit: the event and the runs it starts.
	var first writes
	rec := e.recordEvent(&first, d, raw, res, playbooks)
	type created struct {
		cand   *router.Candidate
		rr     int // index in res.Runs
		paused string
	}
	var runs []*store.Run
	var made []created
	breakers := map[string]string{} // playbook → why it is paused, "" when not
	for i := range d.Candidates {
		c := &d.Candidates[i]
		id := c.Book.Playbook.ID
		rr := RunResult{PlaybookID: id, Target: c.Target, Mode: c.Mode}
		if c.Skip != "" {
			rr.Skipped = c.Skip
			first.addAudit(store.AuditEntry{Kind: store.AuditSkipped, EventID: ev.ID, PlaybookID: id,
				Message: describeTarget(c.Target) + ": " + c.Skip})
			res.Runs = append(res.Runs, rr)
			continue
		}
		paused := ""
		if c.Mode == playbook.Auto {
			why, ok := breakers[id]
			if !ok {
				var err error
				if why, err = e.breakerOpen(ctx, id); err != nil {
					return res, err
				}
				breakers[id] = why
			}
			paused = why
		}
		run, err := e.newRun(ev, rec, c, paused, now)
		if err != nil {
			return res, err
		}
		runs = append(runs, run)
		made = append(made, created{cand: c, rr: len(res.Runs), paused: paused})
		res.Runs = append(res.Runs, rr)
	}
	b := store.Batch{Events: first.events, Create: runs, Audit: first.audit}
	for i := range b.Audit {
		b.Audit[i].Time = now
	}
	if err := e.opts.Store.Apply(ctx, &b); err != nil {
		res.Reason = "not handled: " + err.Error()
		return res, fmt.Errorf("engine: record event %s and its runs: %w", ev.ID, err)
	}

	// Second commit: what follows from which runs were new.
	var w writes
	var toRun []*store.Run
	fresh := 0
	for i, run := range runs {
		m := made[i]
		rr := &res.Runs[m.rr]
		rr.RunID, rr.Status, rr.Duplicate = run.ID, run.Status, !b.Created[i]
		switch {
		case b.Created[i]:
			fresh++
			e.auditCreated(&w, run, m.cand, m.paused)
			if run.Status == store.RunPending {
				toRun = append(toRun, run)
			} else if err := e.recordPlan(ctx, &w, run, m.cand, m.paused); err != nil {
				return res, err
			}
		case e.reopen(&w, run):
			rr.Reopened, rr.Status = true, run.Status
			toRun = append(toRun, run)
		default:
			w.addAudit(store.AuditEntry{Kind: store.AuditDuplicate, EventID: ev.ID, RunID: run.ID, PlaybookID: run.PlaybookID,
				Message: "run already exists for this playbook, target and event (" + string(run.Status) + "); nothing to do"})
		}
	}
	if fresh == 0 && len(res.Runs) > 0 && allDuplicates(res.Runs) {
		res.Status, res.Reason = store.EventDuplicate, "every run this event starts already exists"
		// The record replaces the one of the first commit.
		rec.Status, rec.Reason = res.Status, res.Reason
		w.events = append(w.events, rec)
	}
	if err := e.flush(ctx, &w); err != nil {
		return res, err
	}
	for _, run := range toRun {
		final, err := e.Execute(ctx, run.ID)
		if err != nil {
			return res, err
		}
		for i := range res.Runs {
			if res.Runs[i].RunID == run.ID {
				res.Runs[i].Status = final.Status
				res.Runs[i].Error = final.Error
			}
		}
	}
	return res, nil
}

func eventStatus(v router.Verdict) store.EventStatus {
	switch v {
	case router.Matched:
		return store.EventMatched
	case router.Unmatched:
		return store.EventUnmatched
	case router.Ignored:
		return store.EventIgnored
	}
	return store.EventRejected
}

func allDuplicates(rs []RunResult) bool {
	n := 0
	for _, r := range rs {
		if r.Skipped != "" {
			continue
		}
		if !r.Duplicate || r.Reopened {
			return false
		}
		n++
	}
	return n > 0
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// recordEvent adds the event's record, under a key of its own, and its
// audit entry to w, and returns the record.
func (e *Engine) recordEvent(w *writes, d *router.Decision, raw []byte, res *Result, playbooks []string) store.EventRecord {
	now := e.now()
	rec := store.EventRecord{Key: store.NewID(now), Received: now, Status: res.Status, Reason: strings.TrimSpace(res.Reason), Playbooks: playbooks, Raw: raw}
	if ev := d.Event; ev != nil {
		rec.ID, rec.Source, rec.DetailType, rec.Account, rec.Region = ev.ID, ev.Source, ev.DetailType, ev.Account, ev.Region
	} else {
		sum := sha256.Sum256(raw)
		rec.ID = "rejected-" + hex.EncodeToString(sum[:8])
		res.EventID = rec.ID
	}
	w.events = append(w.events, rec)
	kind := map[store.EventStatus]store.AuditKind{
		store.EventMatched: store.AuditMatched, store.EventUnmatched: store.AuditUnmatched,
		store.EventRejected: store.AuditRejected, store.EventDuplicate: store.AuditDuplicate,
		store.EventIgnored: store.AuditSkipped,
	}[res.Status]
	msg := rec.Reason
	if res.Status == store.EventMatched {
		msg = "matched playbooks: " + strings.Join(playbooks, ", ")
	}
	w.addAudit(store.AuditEntry{Kind: kind, EventID: rec.ID, Message: msg})
	level := e.log.Info
	if res.Status == store.EventRejected {
		level = e.log.Warn
	}
	level("event", "id", rec.ID, "source", rec.Source, "detail_type", rec.DetailType, "status", res.Status, "reason", rec.Reason)
	return rec
}

// newRun returns the run a candidate starts, to be created with the
// event's record rec. paused, when not empty, is why the circuit breaker
// holds the run for approval. The run reads its event's body from rec
// when it executes; it carries the body itself only when rec could not
// keep all of it.
func (e *Engine) newRun(ev *event.Event, rec store.EventRecord, c *router.Candidate, paused string, now time.Time) (*store.Run, error) {
	in := runInput{Target: c.Target, Params: c.Vars.Params, LookupTags: c.LookupTags}
	if len(ev.Raw) > store.MaxRawEvent {
		in.Event = ev.Raw
	}
	input, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("engine: encode run input: %w", err)
	}
	run := &store.Run{
		ID: store.NewID(now), Key: c.Key, PlaybookID: c.Book.Playbook.ID, EventID: ev.ID, EventKey: rec.Key,
		Target: storeTarget(c.Target), Mode: storeMode(c.Mode), Status: store.RunPending, Input: input,
	}
	switch {
	case c.Mode == playbook.Approve || paused != "":
		run.Status = store.RunAwaitingApproval
	case !router.Acts(c.Mode):
		run.Status = store.RunPlanned
	}
	return run, nil
}

func (e *Engine) auditCreated(w *writes, run *store.Run, c *router.Candidate, paused string) {
	msg := fmt.Sprintf("run created for %s (mode %s)", describeTarget(c.Target), c.Mode)
	if paused != "" {
		msg += "; held for approval: " + paused
	}
	w.addAudit(store.AuditEntry{Kind: store.AuditMatched, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID, Message: msg})
}

// reopen sets going again a run that an earlier delivery of its event left
// failed, or waiting to retry: a redelivered event is a request to try
// again. It reports whether it did.
func (e *Engine) reopen(w *writes, run *store.Run) bool {
	if e.opts.DryRun || (run.Status != store.RunFailed && run.Status != store.RunWaiting) {
		return false
	}
	was := run.Status
	run.Status, run.Error, run.WakeAt, run.Attempts = store.RunPending, "", time.Time{}, 0
	run.Notified = false
	if was == store.RunWaiting {
		run.Status = store.RunWaiting
		run.WakeAt = e.now()
	}
	w.addUpdate(run)
	w.addAudit(store.AuditEntry{Kind: store.AuditStarted, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
		Message: fmt.Sprintf("the event was delivered again: the %s run resumes at step %d", was, run.NextStep+1)})
	return true
}

// recordPlan records the planned steps of a run that does not execute now
// (dry-run, notify, approve, or held by the circuit breaker) and sends the
// notification those call for.
func (e *Engine) recordPlan(ctx context.Context, w *writes, run *store.Run, c *router.Candidate, paused string) error {
	steps := router.Plan(c, e.now())
	for i, ps := range steps {
		if ps.OnFailure {
			continue
		}
		status := store.StepPlanned
		if ps.Plan == router.SkippedStep {
			status = store.StepSkipped
		}
		msg := ps.Description
		if ps.Note != "" {
			msg += " (" + ps.Note + ")"
		}
		w.addStep(store.StepRecord{RunID: run.ID, Index: i, Name: ps.ID, Action: ps.Action, Status: status, Message: msg})
	}
	outcome := OutcomePlanned
	note := "planned only (mode " + c.Mode.String() + ")"
	switch {
	case paused != "":
		outcome, note = OutcomePaused, "paused: "+paused+"; approve with: rectify approve "+run.ID
	case c.Mode == playbook.Approve:
		outcome, note = OutcomeAwaitingApproval, "awaiting approval: rectify approve "+run.ID
	}
	w.addAudit(store.AuditEntry{Kind: store.AuditPlanned, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID, Message: note})
	if c.Mode == playbook.Notify || c.Mode == playbook.Approve || paused != "" {
		descs := make([]stepLine, len(steps))
		for i, ps := range steps {
			descs[i] = stepLine{ID: ps.ID, Action: ps.Action, Text: ps.Description}
		}
		res := e.notifyRun(ctx, run, c.Book, c.Vars, descs, outcome, note, nil)
		w.addAudit(res.audit)
	}
	return nil
}

// PlannedRun and PlannedStep are the router's plans.
type (
	PlannedRun  = router.PlannedRun
	PlannedStep = router.PlannedStep
)

// Plan reports what Handle would do with raw, changing nothing: no AWS call,
// no store write.
func (e *Engine) Plan(_ context.Context, raw []byte) (*Result, []PlannedRun, error) {
	d, err := e.router.Route(raw)
	res := &Result{Status: eventStatus(d.Verdict), Reason: d.Reason}
	if d.Event != nil {
		res.EventID = d.Event.ID
	}
	if err != nil {
		return res, nil, err
	}
	return res, e.router.Plans(d, e.now()), nil
}

// breakerOpen returns why the circuit breaker holds the runs of a playbook
// for approval, or "" when it does not: more than Breaker.Max acting runs
// in the last Breaker.Window. When it opens, the security team is told,
// once per window.
func (e *Engine) breakerOpen(ctx context.Context, playbookID string) (string, error) {
	b := e.opts.Breaker
	if b.Max < 0 {
		return "", nil
	}
	now := e.now()
	since := now.Add(-b.Window)
	runs, err := e.opts.Store.ListRuns(ctx, store.RunFilter{PlaybookID: playbookID, After: since, Limit: b.Max + 50})
	if err != nil {
		return "", fmt.Errorf("engine: circuit breaker of %s: %w", playbookID, err)
	}
	n := 0
	for _, r := range runs {
		if r.Mode == store.ModeAuto && r.Status != store.RunAwaitingApproval && r.Status != store.RunPlanned && r.Status != store.RunSkipped {
			n++
		}
	}
	if n < b.Max {
		return "", nil
	}
	why := fmt.Sprintf("circuit breaker: playbook %s started %d runs that act in the last %s (limit %d)", playbookID, n, b.Window, b.Max)
	told, err := e.opts.Store.Audit(ctx, store.AuditFilter{PlaybookID: playbookID, Kinds: []store.AuditKind{AuditPaused}, Since: since, Limit: 1})
	if err != nil {
		return "", fmt.Errorf("engine: circuit breaker of %s: %w", playbookID, err)
	}
	if len(told) == 0 {
		e.notifyPaused(ctx, playbookID, why)
	}
	return why, nil
}

// AuditPaused is the audit kind of a playbook paused by the circuit
// breaker.
const AuditPaused store.AuditKind = "paused"
