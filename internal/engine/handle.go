package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

// ErrRejected is wrapped by the error Handle returns for input that is not
// a valid event. The input is recorded all the same.
var ErrRejected = errors.New("event rejected")

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
	// Skipped explains why no run was created, e.g. the playbook's
	// condition did not hold or the account is not allowed.
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

// candidate is a run Handle or Plan would create.
type candidate struct {
	book   *book
	target event.Target
	mode   playbook.Mode
	vars   playbook.Vars
	skip   string
}

// route parses raw, matches it and works out the candidate runs. It writes
// nothing.
func (e *Engine) route(raw []byte) (*event.Event, []candidate, *Result, error) {
	ev, err := event.Parse(raw)
	if err != nil {
		return nil, nil, &Result{Status: store.EventRejected, Reason: err.Error()}, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	res := &Result{EventID: ev.ID}
	if why := e.loopGuard(ev); why != "" {
		res.Status, res.Reason = store.EventIgnored, why
		return ev, nil, res, nil
	}
	ids, err := e.set.Match(raw)
	if err != nil {
		res.Status, res.Reason = store.EventRejected, "matching: "+err.Error()
		return ev, nil, res, fmt.Errorf("%w: matching: %w", ErrRejected, err)
	}
	if len(ids) == 0 {
		res.Status, res.Reason = store.EventUnmatched, "no enabled playbook's trigger matches"
		return ev, nil, res, nil
	}
	evMap, err := ev.Map()
	if err != nil {
		res.Status, res.Reason = store.EventRejected, err.Error()
		return ev, nil, res, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	targets, err := ev.Targets()
	if err != nil {
		res.Status, res.Reason = store.EventRejected, "targets: "+err.Error()
		return ev, nil, res, fmt.Errorf("%w: targets: %w", ErrRejected, err)
	}
	// The event's map and each target's variables are built once and
	// shared, read only, by every playbook the event matched.
	tvars := make([]map[string]any, len(targets))
	for i, t := range targets {
		tvars[i] = targetVars(t)
	}
	var cands []candidate
	for _, id := range ids {
		b := e.books[id]
		if b == nil {
			continue
		}
		mode, _ := e.Mode(id)
		for i, t := range targets {
			c := candidate{book: b, target: t, mode: mode,
				vars: playbook.Vars{Event: evMap, Target: tvars[i], Params: b.params}}
			if skip, err := b.pb.Check(c.vars); err != nil {
				c.skip = "condition error: " + err.Error()
			} else if skip != "" {
				c.skip = skip
			} else if err := e.opts.Cloud.Allowed(t.Account, t.Region); err != nil {
				c.skip = err.Error()
			} else if len(b.pb.Controls) > 0 {
				// A control playbook's parameters may differ per finding.
				params, err := b.pb.ParamsFor(b.params, e.opts.Settings[id].Params, t.Attributes["controlId"], t.ControlParams)
				if err != nil {
					c.skip = err.Error()
				} else {
					c.vars.Params = params
				}
			}
			cands = append(cands, c)
		}
	}
	res.Status = store.EventMatched
	return ev, cands, res, nil
}

// loopGuard returns why an event must be ignored because rectify itself
// caused it, or "".
func (e *Engine) loopGuard(ev *event.Event) string {
	if ev.Kind() != event.KindCloudTrail {
		return ""
	}
	call, err := ev.CloudTrail()
	if err != nil {
		return ""
	}
	if arn := call.UserIdentity.ARN; arn != "" && e.opts.Cloud.IsOwnSession(arn) {
		return "loop guard: the call was made by rectify's own session " + arn
	}
	return ""
}

// Handle takes one event through routing, guards, deduplication and
// execution. The returned error is non-nil for rejected input (wrapping
// ErrRejected) and for store failures; failed remediations are reported in
// the Result, not as an error.
func (e *Engine) Handle(ctx context.Context, raw []byte) (*Result, error) {
	ev, cands, res, rerr := e.route(raw)
	if rerr != nil || ev == nil {
		e.recordEvent(ctx, ev, raw, res)
		return res, rerr
	}
	if res.Status != store.EventMatched {
		e.recordEvent(ctx, ev, raw, res)
		return res, nil
	}

	var toRun []*store.Run
	var playbooks []string
	created := 0
	for _, c := range cands {
		rr := RunResult{PlaybookID: c.book.pb.ID, Target: c.target, Mode: c.mode}
		playbooks = appendUnique(playbooks, c.book.pb.ID)
		if c.skip != "" {
			rr.Skipped = c.skip
			e.audit(ctx, store.AuditEntry{Kind: store.AuditSkipped, EventID: ev.ID, PlaybookID: rr.PlaybookID,
				Message: describeTarget(c.target) + ": " + c.skip})
			res.Runs = append(res.Runs, rr)
			continue
		}
		run, isNew, err := e.createRun(ctx, ev, c)
		if err != nil {
			e.recordEvent(ctx, ev, raw, res)
			return res, err
		}
		rr.RunID, rr.Status, rr.Duplicate = run.ID, run.Status, !isNew
		if isNew {
			created++
			if run.Status == store.RunPending {
				toRun = append(toRun, run)
			}
		} else {
			e.audit(ctx, store.AuditEntry{Kind: store.AuditDuplicate, EventID: ev.ID, RunID: run.ID, PlaybookID: rr.PlaybookID,
				Message: "run already exists for this playbook, target and event; nothing to do"})
		}
		res.Runs = append(res.Runs, rr)
	}
	if created == 0 && len(res.Runs) > 0 && allDuplicates(res.Runs) {
		res.Status, res.Reason = store.EventDuplicate, "every run this event starts already exists"
	}
	res.Reason = strings.TrimSpace(res.Reason)
	e.recordEventPlaybooks(ctx, ev, raw, res, playbooks)

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

func allDuplicates(rs []RunResult) bool {
	n := 0
	for _, r := range rs {
		if r.Skipped != "" {
			continue
		}
		if !r.Duplicate {
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

func (e *Engine) recordEvent(ctx context.Context, ev *event.Event, raw []byte, res *Result) {
	e.recordEventPlaybooks(ctx, ev, raw, res, nil)
}

// recordEventPlaybooks records the event and its audit entry.
func (e *Engine) recordEventPlaybooks(ctx context.Context, ev *event.Event, raw []byte, res *Result, playbooks []string) {
	rec := store.EventRecord{Received: e.now(), Status: res.Status, Reason: res.Reason, Playbooks: playbooks, Raw: raw}
	if ev != nil {
		rec.ID, rec.Source, rec.DetailType, rec.Account, rec.Region = ev.ID, ev.Source, ev.DetailType, ev.Account, ev.Region
	} else {
		sum := sha256.Sum256(raw)
		rec.ID = "rejected-" + hex.EncodeToString(sum[:8])
		res.EventID = rec.ID
	}
	if err := e.opts.Store.RecordEvent(ctx, rec); err != nil {
		e.log.Error("event not recorded", "event", rec.ID, "err", err)
	}
	kind := map[store.EventStatus]store.AuditKind{
		store.EventMatched: store.AuditMatched, store.EventUnmatched: store.AuditUnmatched,
		store.EventRejected: store.AuditRejected, store.EventDuplicate: store.AuditDuplicate,
		store.EventIgnored: store.AuditSkipped,
	}[res.Status]
	msg := res.Reason
	if res.Status == store.EventMatched {
		msg = "matched playbooks: " + strings.Join(playbooks, ", ")
	}
	e.audit(ctx, store.AuditEntry{Kind: kind, EventID: rec.ID, Message: msg})
	level := e.log.Info
	if res.Status == store.EventRejected {
		level = e.log.Warn
	}
	level("event", "id", rec.ID, "source", rec.Source, "detail_type", rec.DetailType, "status", res.Status, "reason", res.Reason)
}

// runInput is what a run needs to execute or resume, stored with it.
type runInput struct {
	Event  json.RawMessage `json:"event"`
	Target event.Target    `json:"target"`
	Params map[string]any  `json:"params"`
}

// runKey is the idempotency key of a run: playbook, target and trigger
// event.
func runKey(playbookID string, t event.Target, eventID string) string {
	sum := sha256.Sum256([]byte(playbookID + "\x00" + t.Key() + "\x00" + eventID))
	return playbookID + ":" + hex.EncodeToString(sum[:16])
}

// createRun creates the run of a candidate, or returns the existing one.
func (e *Engine) createRun(ctx context.Context, ev *event.Event, c candidate) (*store.Run, bool, error) {
	input, err := json.Marshal(runInput{Event: ev.Raw, Target: c.target, Params: c.vars.Params})
	if err != nil {
		return nil, false, fmt.Errorf("engine: encode run input: %w", err)
	}
	run := &store.Run{
		Key: runKey(c.book.pb.ID, c.target, ev.ID), PlaybookID: c.book.pb.ID, EventID: ev.ID,
		Target: storeTarget(c.target), Mode: storeMode(c.mode), Status: store.RunPending, Input: input,
	}
	switch c.mode {
	case playbook.Approve:
		run.Status = store.RunAwaitingApproval
	case playbook.Notify, playbook.DryRun:
		run.Status = store.RunPlanned
	}
	isNew, err := e.opts.Store.CreateRun(ctx, run)
	if err != nil {
		return nil, false, fmt.Errorf("engine: create run for %s: %w", c.book.pb.ID, err)
	}
	if !isNew {
		return run, false, nil
	}
	e.audit(ctx, store.AuditEntry{Kind: store.AuditMatched, EventID: ev.ID, RunID: run.ID, PlaybookID: run.PlaybookID,
		Message: fmt.Sprintf("run created for %s (mode %s)", describeTarget(c.target), c.mode)})
	if run.Status != store.RunPending {
		if err := e.recordPlan(ctx, run, c); err != nil {
			return nil, false, err
		}
	}
	return run, true, nil
}

// recordPlan records the planned steps of a run that will not execute now
// (dry-run, notify, approve) and sends the notification those modes call
// for.
func (e *Engine) recordPlan(ctx context.Context, run *store.Run, c candidate) error {
	steps := e.plan(c)
	for i, ps := range steps {
		status := store.StepPlanned
		if ps.Skipped != "" {
			status = store.StepSkipped
		}
		msg := ps.Description
		if ps.Skipped != "" {
			msg = ps.Skipped
		}
		if err := e.opts.Store.PutStep(ctx, store.StepRecord{RunID: run.ID, Index: i, Name: ps.ID, Action: ps.Action, Status: status, Message: msg}); err != nil {
			return fmt.Errorf("engine: record plan of run %s: %w", run.ID, err)
		}
	}
	kind, note := store.AuditPlanned, "planned only (mode "+c.mode.String()+")"
	if c.mode == playbook.Approve {
		note = "awaiting approval: rectify approve " + run.ID
	}
	e.audit(ctx, store.AuditEntry{Kind: kind, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID, Message: note})
	if c.mode == playbook.Notify || c.mode == playbook.Approve {
		e.notifyRun(ctx, run, c.book, c.vars, steps, note)
	}
	return nil
}

// PlannedRun is what Plan says a playbook would do for one target.
type PlannedRun struct {
	PlaybookID string
	Title      string
	Target     event.Target
	Mode       playbook.Mode
	Skipped    string
	Steps      []PlannedStep
}

// PlannedStep is one step of a plan.
type PlannedStep struct {
	ID          string
	Action      string
	Description string
	Params      map[string]any
	// Skipped explains a step whose condition is false or whose
	// parameters depend on earlier steps' outputs.
	Skipped string
	// Permissions are the IAM permissions the step needs.
	Permissions []string
}

// Plan reports what Handle would do with raw, changing nothing: no AWS call,
// no store write.
func (e *Engine) Plan(ctx context.Context, raw []byte) (*Result, []PlannedRun, error) {
	_, cands, res, err := e.route(raw)
	if err != nil {
		return res, nil, err
	}
	var out []PlannedRun
	for _, c := range cands {
		pr := PlannedRun{PlaybookID: c.book.pb.ID, Title: c.book.pb.Title, Target: c.target, Mode: c.mode, Skipped: c.skip}
		if c.skip == "" {
			pr.Steps = e.plan(c)
		}
		out = append(out, pr)
	}
	return res, out, nil
}

// plan describes a candidate's steps without running them.
func (e *Engine) plan(c candidate) []PlannedStep {
	var out []PlannedStep
	for _, st := range allSteps(c.book.pb) {
		ps := PlannedStep{ID: st.ID, Action: st.Action}
		spec := st.Spec()
		if spec != nil {
			ps.Permissions = spec.Permissions()
		}
		if ok, err := st.ShouldRun(c.vars); err != nil {
			ps.Skipped = "condition cannot be decided before earlier steps run: " + err.Error()
		} else if !ok {
			ps.Skipped = "step condition (if) is false"
		}
		params, err := st.Render(c.vars)
		switch {
		case err != nil && ps.Skipped == "":
			ps.Description = st.Action + " (parameters depend on earlier steps: " + err.Error() + ")"
		case spec != nil && err == nil:
			ps.Params = params
			ps.Description = spec.Explain(actionInput(c.target, params, "", e.now(), true, nil))
		default:
			ps.Params = params
			ps.Description = st.Action
		}
		out = append(out, ps)
	}
	return out
}

func allSteps(pb *playbook.Playbook) []*playbook.Step {
	return append(append([]*playbook.Step(nil), pb.Steps...), pb.Verify...)
}
