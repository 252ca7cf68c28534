package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/notify"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

// Execute carries out a run from the step it is at, until it succeeds,
// fails, or must wait. It returns the run as it was left. A run held by
// another executor, or not in a state that executes (pending, running or
// waiting), is returned unchanged.
func (e *Engine) Execute(ctx context.Context, runID string) (*store.Run, error) {
	now := e.now()
	run, err := e.opts.Store.Claim(ctx, runID, e.opts.Owner, now, now.Add(e.opts.Lease))
	if errors.Is(err, store.ErrConflict) {
		return e.opts.Store.GetRun(ctx, runID)
	}
	if err != nil {
		return nil, fmt.Errorf("engine: claim run %s: %w", runID, err)
	}
	defer func() {
		if err := e.opts.Store.Release(context.WithoutCancel(ctx), runID, e.opts.Owner); err != nil {
			e.log.Warn("lease not released", "run", runID, "err", err)
		}
	}()
	if !run.Status.Resumable() {
		return run, nil
	}
	x, err := e.prepare(ctx, run)
	if err != nil {
		return run, e.fail(ctx, run, nil, nil, err.Error())
	}
	return x.run, x.execute(ctx)
}

// execution is one executor's pass over a run.
type execution struct {
	e     *Engine
	run   *store.Run
	book  *book
	in    runInput
	vars  playbook.Vars
	steps []*playbook.Step
	recs  []store.StepRecord
	cfg   *aws.Config
	home  *aws.Config // rectify's own account, once an action asked for it
	// first is the step this execution started at; didChange records a
	// step of this execution that reported Changed.
	first     int
	didChange bool
}

// prepare decodes a run's input and earlier steps' outputs.
func (e *Engine) prepare(ctx context.Context, run *store.Run) (*execution, error) {
	b := e.books[run.PlaybookID]
	if b == nil {
		return nil, fmt.Errorf("playbook %s is not loaded or not enabled", run.PlaybookID)
	}
	x := &execution{e: e, run: run, book: b, steps: allSteps(b.pb)}
	if err := json.Unmarshal(run.Input, &x.in); err != nil {
		return nil, fmt.Errorf("run input: %w", err)
	}
	ev, err := event.Parse(x.in.Event)
	if err != nil {
		return nil, fmt.Errorf("run's event: %w", err)
	}
	evMap, err := ev.Map()
	if err != nil {
		return nil, fmt.Errorf("run's event: %w", err)
	}
	x.vars = playbook.Vars{Event: evMap, Target: targetVars(x.in.Target), Params: x.in.Params, Steps: map[string]map[string]any{}}
	recs, err := e.opts.Store.Steps(ctx, run.ID)
	if err != nil {
		return nil, fmt.Errorf("steps of run %s: %w", run.ID, err)
	}
	x.recs = recs
	for _, r := range recs {
		if (r.Status == store.StepSucceeded || r.Status == store.StepAlreadyDone) && len(r.Output) > 0 {
			var out map[string]any
			if json.Unmarshal(r.Output, &out) == nil {
				x.vars.Steps[r.Name] = out
			}
		}
	}
	return x, nil
}

func (x *execution) record(i int) store.StepRecord {
	for _, r := range x.recs {
		if r.Index == i {
			return r
		}
	}
	return store.StepRecord{RunID: x.run.ID, Index: i}
}

func (x *execution) putStep(ctx context.Context, r store.StepRecord) error {
	if err := x.e.opts.Store.PutStep(ctx, r); err != nil {
		return fmt.Errorf("engine: record step %d of run %s: %w", r.Index, r.RunID, err)
	}
	for i := range x.recs {
		if x.recs[i].Index == r.Index {
			x.recs[i] = r
			return nil
		}
	}
	x.recs = append(x.recs, r)
	return nil
}

func (x *execution) update(ctx context.Context) error {
	x.run.Updated = x.e.now()
	if err := x.e.opts.Store.UpdateRun(ctx, x.run); err != nil {
		return fmt.Errorf("engine: update run %s: %w", x.run.ID, err)
	}
	return nil
}

// execute runs the remaining steps, then notifies.
func (x *execution) execute(ctx context.Context) error {
	e, run := x.e, x.run
	if run.Status == store.RunPending {
		run.Status = store.RunRunning
		run.Attempts++
		if err := x.update(ctx); err != nil {
			return err
		}
		steps := "steps"
		if len(x.steps) == 1 {
			steps = "step"
		}
		e.audit(ctx, store.AuditEntry{Kind: store.AuditStarted, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
			Message: fmt.Sprintf("executing %d %s on %s", len(x.steps), steps, describeTarget(x.in.Target))})
	} else if run.Status == store.RunWaiting {
		run.Status = store.RunRunning
		if err := x.update(ctx); err != nil {
			return err
		}
	}
	x.first = run.NextStep
	for i := run.NextStep; i < len(x.steps); i++ {
		done, err := x.step(ctx, i)
		if err != nil || !done {
			return err
		}
		if run.Status == store.RunFailed {
			return nil
		}
	}
	return x.finish(ctx)
}

// step executes step i. done is false when the run must wait or failed.
func (x *execution) step(ctx context.Context, i int) (done bool, err error) {
	e, run, st := x.e, x.run, x.steps[i]
	rec := x.record(i)
	rec.Name, rec.Action = st.ID, st.Action
	if rec.Started.IsZero() {
		rec.Started = e.now()
	}
	if ok, err := st.ShouldRun(x.vars); err != nil {
		return false, x.failStep(ctx, rec, "step condition: "+err.Error())
	} else if !ok {
		rec.Status, rec.Message, rec.Finished = store.StepSkipped, "step condition (if) is false", e.now()
		if err := x.putStep(ctx, rec); err != nil {
			return false, err
		}
		return true, x.advance(ctx, i)
	}
	x.vars.Run = runVars(x.steps, x.recs, "")
	params, err := st.Render(x.vars)
	if err != nil {
		return false, x.failStep(ctx, rec, err.Error())
	}
	spec := st.Spec()
	if spec == nil {
		return false, x.failStep(ctx, rec, "action "+st.Action+" is not registered")
	}
	if x.cfg == nil {
		cfg, err := e.opts.Cloud.Config(ctx, x.in.Target.Account, x.in.Target.Region, run.ID)
		if err != nil {
			return false, x.failStep(ctx, rec, "credentials for "+x.in.Target.Account+"/"+x.in.Target.Region+": "+err.Error())
		}
		x.cfg = &cfg
	}
	in := actionInput(x.in.Target, params, run.ID, e.now(), false, x.vars.Steps)
	in.AWS = *x.cfg
	if _, ok := e.opts.Cloud.(HomeCloud); ok {
		in.Home = x.homeConfig
	}

	res, attempts, err := x.callWithRetry(ctx, st, spec, in)
	rec.Attempts += attempts
	if err != nil && ctx.Err() != nil {
		// Shutting down, not failing: the run stays at this step and
		// Resume continues it (the action is idempotent).
		return false, fmt.Errorf("engine: run %s interrupted at step %s: %w", run.ID, st.ID, ctx.Err())
	}
	if err != nil {
		return false, x.failStep(ctx, rec, err.Error())
	}
	rec.Message = res.Message
	if res.Output != nil {
		out, merr := json.Marshal(res.Output)
		if merr != nil {
			return false, x.failStep(ctx, rec, "step output: "+merr.Error())
		}
		rec.Output = out
		x.vars.Steps[st.ID] = res.Output
	}
	switch res.Outcome {
	case action.Pending:
		limit := st.Timeout
		if limit == 0 {
			limit = e.opts.MaxWait
		}
		if e.now().Sub(rec.Started) >= limit {
			return false, x.failStep(ctx, rec, fmt.Sprintf("still not done after %s: %s", limit, res.Message))
		}
		wait := res.RecheckAfter
		if wait <= 0 {
			wait = 10 * time.Second
		}
		rec.Status = store.StepPending
		if err := x.putStep(ctx, rec); err != nil {
			return false, err
		}
		run.Status, run.NextStep, run.WakeAt = store.RunWaiting, i, e.now().Add(wait)
		if err := x.update(ctx); err != nil {
			return false, err
		}
		e.audit(ctx, store.AuditEntry{Kind: store.AuditWaiting, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
			Message: fmt.Sprintf("step %s waits; next check at %s: %s", st.ID, run.WakeAt.Format(time.RFC3339), res.Message)})
		return false, nil
	case action.AlreadyDone:
		rec.Status = store.StepAlreadyDone
	case action.Changed:
		rec.Status = store.StepSucceeded
		x.didChange = true
	default:
		rec.Status = store.StepSucceeded
	}
	rec.Finished = e.now()
	if err := x.putStep(ctx, rec); err != nil {
		return false, err
	}
	e.audit(ctx, store.AuditEntry{Kind: store.AuditStep, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
		Message: fmt.Sprintf("step %s (%s): %s: %s", st.ID, st.Action, res.Outcome, res.Message)})
	return true, x.advance(ctx, i)
}

// homeConfig returns the configuration for rectify's own account in the
// target's region, asking the cloud provider once per execution.
func (x *execution) homeConfig(ctx context.Context) (aws.Config, error) {
	if x.home != nil {
		return *x.home, nil
	}
	hc, ok := x.e.opts.Cloud.(HomeCloud)
	if !ok {
		return aws.Config{}, errors.New("engine: the cloud provider gives no configuration for rectify's own account")
	}
	cfg, err := hc.HomeConfig(ctx, x.in.Target.Region, x.run.ID)
	if err != nil {
		return aws.Config{}, err
	}
	x.home = &cfg
	return cfg, nil
}

// advance persists that step i is behind the run.
func (x *execution) advance(ctx context.Context, i int) error {
	x.run.NextStep = i + 1
	x.run.WakeAt = time.Time{}
	return x.update(ctx)
}

// callWithRetry runs an action, retrying per the step's policy.
func (x *execution) callWithRetry(ctx context.Context, st *playbook.Step, spec *action.Spec, in action.Input) (action.Result, int, error) {
	attempts := max(st.Retry.Attempts, 1)
	backoff := st.Retry.Backoff
	var lastErr error
	for n := 1; n <= attempts; n++ {
		cctx, cancel := context.WithTimeout(ctx, x.e.opts.StepTimeout)
		res, err := spec.Run(cctx, in)
		cancel()
		if err == nil {
			return res, n, nil
		}
		lastErr = err
		if ctx.Err() != nil || n == attempts {
			return action.Result{}, n, fmt.Errorf("step %s (%s): %w", st.ID, st.Action, err)
		}
		x.e.log.Warn("step failed; retrying", "run", x.run.ID, "step", st.ID, "attempt", n, "err", err)
		if err := x.e.opts.Sleep(ctx, backoff); err != nil {
			return action.Result{}, n, err
		}
		backoff *= 2
	}
	return action.Result{}, attempts, lastErr
}

func (x *execution) failStep(ctx context.Context, rec store.StepRecord, msg string) error {
	rec.Status, rec.Message, rec.Finished = store.StepFailed, msg, x.e.now()
	if err := x.putStep(ctx, rec); err != nil {
		return err
	}
	return x.e.fail(ctx, x.run, x, nil, msg)
}

// fail marks a run failed and notifies.
func (e *Engine) fail(ctx context.Context, run *store.Run, x *execution, _ error, msg string) error {
	run.Status, run.Error, run.WakeAt = store.RunFailed, msg, time.Time{}
	run.Updated = e.now()
	if err := e.opts.Store.UpdateRun(ctx, run); err != nil {
		return fmt.Errorf("engine: update run %s: %w", run.ID, err)
	}
	e.audit(ctx, store.AuditEntry{Kind: store.AuditFailed, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID, Message: msg})
	e.log.Error("run failed", "run", run.ID, "playbook", run.PlaybookID, "err", msg)
	if x != nil && !run.Notified {
		x.notify(ctx, "failed: "+msg)
	}
	return nil
}

// finish notifies (once) and marks the run succeeded.
func (x *execution) finish(ctx context.Context) error {
	e, run := x.e, x.run
	if !run.Notified {
		if x.book.pb.Notify.Always || x.changed() {
			x.notify(ctx, "")
		} else if len(x.book.pb.Notify.Channels) > 0 {
			e.audit(ctx, store.AuditEntry{Kind: store.AuditNotified, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
				Message: "not notified: the run changed nothing (notify.always is off)"})
		}
		run.Notified = true
		if err := x.update(ctx); err != nil {
			return err
		}
	}
	run.Status = store.RunSucceeded
	if err := x.update(ctx); err != nil {
		return err
	}
	e.audit(ctx, store.AuditEntry{Kind: store.AuditSucceeded, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
		Message: "all steps done on " + describeTarget(x.in.Target)})
	return nil
}

// changed reports whether the run changed something: a step of this
// execution reported Changed, or, conservatively, a step of an earlier
// execution of the run (before a restart or a wait) succeeded.
func (x *execution) changed() bool {
	if x.didChange {
		return true
	}
	for _, r := range x.recs {
		if r.Index < x.first && r.Status == store.StepSucceeded {
			return true
		}
	}
	return false
}

// notify sends the run's report to the playbook's channels.
func (x *execution) notify(ctx context.Context, failure string) {
	var steps []PlannedStep
	for i, st := range x.steps {
		r := x.record(i)
		desc := string(r.Status)
		if r.Message != "" {
			desc += ": " + r.Message
		}
		if r.Status == "" {
			desc = "not run"
		}
		steps = append(steps, PlannedStep{ID: st.ID, Action: st.Action, Description: desc})
	}
	status := "remediated"
	if failure != "" {
		status = failure
	}
	x.vars.Run = runVars(x.steps, x.recs, strings.TrimPrefix(failure, "failed: "))
	x.e.notifyRun(ctx, x.run, x.book, x.vars, steps, status)
}

// notifyRun renders and sends a run's notification, recording the outcome
// in the audit trail. A notification failure does not fail the run.
func (e *Engine) notifyRun(ctx context.Context, run *store.Run, b *book, vars playbook.Vars, steps []PlannedStep, status string) {
	if e.opts.Notifier == nil || len(b.pb.Notify.Channels) == 0 {
		return
	}
	t := run.Target
	resource := t.ARN
	if resource == "" {
		resource = t.ResourceType + " " + t.ResourceID
	}
	m := notify.Message{
		Subject:    fmt.Sprintf("rectify %s: %s (%s)", statusWord(status), b.pb.Title, t.ResourceID),
		Severity:   notify.EventSeverity(vars.Event, vars.Target),
		PlaybookID: run.PlaybookID, RunID: run.ID,
		Account: t.Account, Region: t.Region, Resource: resource,
		Fields: map[string]string{"mode": string(run.Mode), "status": status, "event": run.EventID},
	}
	if strings.HasPrefix(status, "failed") {
		m.Severity = notify.AtLeast(m.Severity, notify.SeverityHigh)
	}
	var report strings.Builder
	fmt.Fprintf(&report, "Outcome: %s\n\nSteps:\n", status)
	for _, s := range steps {
		fmt.Fprintf(&report, "  - %s (%s): %s\n", s.ID, s.Action, s.Description)
	}
	// The playbook's title and description introduce the standard report;
	// a playbook's own message replaces them. That message may use the
	// outputs of steps, so when the run failed or did not execute them, a
	// template that cannot be rendered gives way to the standard report.
	intro := b.pb.Title + "\n\n"
	if d := strings.TrimSpace(b.pb.Description); d != "" {
		intro += d + "\n\n"
	}
	if subj, msg, err := b.pb.RenderNotification(vars); err != nil {
		if status == "remediated" {
			e.log.Warn("notification template", "run", run.ID, "err", err)
			report.WriteString("\n(notification template failed: " + err.Error() + ")\n")
		}
	} else {
		if subj != "" {
			m.Subject = subj
		}
		if msg != "" {
			intro = strings.TrimSpace(msg) + "\n\n"
		}
	}
	m.Text = intro + report.String()
	results := e.opts.Notifier.Notify(ctx, b.pb.Notify.Channels, m)
	var parts []string
	for _, r := range results {
		switch {
		case r.Err != nil:
			parts = append(parts, r.Channel+": failed: "+r.Err.Error())
		case r.Fallback:
			parts = append(parts, r.Channel+": no destination configured (logged)")
		default:
			parts = append(parts, r.Channel+": sent via "+r.Notifier+" to "+r.Destination)
		}
	}
	sort.Strings(parts)
	e.audit(ctx, store.AuditEntry{Kind: store.AuditNotified, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
		Message: strings.Join(parts, "; ")})
}

func statusWord(status string) string {
	switch {
	case strings.HasPrefix(status, "failed"):
		return "FAILED"
	case strings.HasPrefix(status, "awaiting approval"):
		return "approval needed"
	case strings.HasPrefix(status, "planned"):
		return "finding"
	default:
		return "fixed"
	}
}

// Resume executes every run that is due: runs interrupted by a crash and
// runs whose wait has elapsed. It returns how many it executed.
func (e *Engine) Resume(ctx context.Context) (int, error) {
	due, err := e.opts.Store.DueRuns(ctx, e.now(), 100)
	if err != nil {
		return 0, fmt.Errorf("engine: due runs: %w", err)
	}
	n := 0
	for _, r := range due {
		if _, err := e.Execute(ctx, r.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Approve lets a run that awaits approval execute, and executes it.
func (e *Engine) Approve(ctx context.Context, runID, by string) (*store.Run, error) {
	run, err := e.opts.Store.GetRun(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("engine: approve %s: %w", runID, err)
	}
	if run.Status != store.RunAwaitingApproval {
		return run, fmt.Errorf("engine: run %s is %s, not awaiting approval", runID, run.Status)
	}
	run.Status, run.Updated = store.RunPending, e.now()
	if err := e.opts.Store.UpdateRun(ctx, run); err != nil {
		return nil, fmt.Errorf("engine: approve %s: %w", runID, err)
	}
	e.audit(ctx, store.AuditEntry{Kind: store.AuditStarted, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
		Message: "approved by " + by})
	return e.Execute(ctx, runID)
}

// targetVars is a target as CEL sees it.
func targetVars(t event.Target) map[string]any {
	attrs := map[string]any{}
	for k, v := range t.Attributes {
		attrs[k] = v
	}
	return map[string]any{
		"partition": t.Partition, "account": t.Account, "region": t.Region, "type": t.Type, "id": t.ID,
		"arn": t.ARN, "finding_id": t.FindingID, "product_arn": t.ProductARN, "attributes": attrs,
	}
}

func storeTarget(t event.Target) store.Target {
	return store.Target{Account: t.Account, Region: t.Region, ResourceType: t.Type, ResourceID: t.ID, ARN: t.ARN,
		FindingID: t.FindingID, ProductARN: t.ProductARN}
}

func storeMode(m playbook.Mode) store.Mode {
	switch m {
	case playbook.Approve:
		return store.ModeApprove
	case playbook.Notify:
		return store.ModeNotify
	case playbook.DryRun:
		return store.ModeDryRun
	default:
		return store.ModeAuto
	}
}

func actionInput(t event.Target, params map[string]any, runID string, now time.Time, dryRun bool, outputs map[string]map[string]any) action.Input {
	return action.Input{
		Params: params, RunID: runID, Now: now, DryRun: dryRun, Outputs: outputs,
		Target: action.Target{Partition: t.Partition, Account: t.Account, Region: t.Region, Type: t.Type, ID: t.ID,
			ARN: t.ARN, FindingID: t.FindingID, ProductARN: t.ProductARN, Attributes: t.Attributes},
	}
}

// describeTarget names a target for people: type, id, account and region.
func describeTarget(t event.Target) string {
	s := t.Type + " " + t.ID
	if t.FindingID != "" {
		s += " (finding " + t.FindingID + ")"
	}
	return s + " in " + t.Account + "/" + t.Region
}
