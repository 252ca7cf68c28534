package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/permission"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/router"
	"github.com/rectify-dev/rectify/internal/store"
)

// errLeaseLost ends an execution whose lease another execution took over.
var errLeaseLost = errors.New("the run's lease was lost to another execution")

// Execute carries out a run from the step it is at, until it finishes or
// must wait. It returns the run as it was left. A run held by another
// execution, or not in a state that executes (pending, running or
// waiting), is returned unchanged, and so is every run under the global
// dry run.
func (e *Engine) Execute(ctx context.Context, runID string) (*store.Run, error) {
	if e.opts.DryRun {
		return e.opts.Store.GetRun(ctx, runID)
	}
	token := e.token()
	now := e.now()
	run, err := e.opts.Store.Claim(ctx, runID, token, now, now.Add(e.opts.Lease))
	if errors.Is(err, store.ErrConflict) {
		return e.opts.Store.GetRun(ctx, runID)
	}
	if err != nil {
		return nil, fmt.Errorf("engine: claim run %s: %w", runID, err)
	}
	x := &execution{e: e, run: run, token: token}
	lctx, cancel := context.WithCancelCause(ctx)
	stop := x.keepLease(lctx, cancel)
	defer func() {
		stop()
		cancel(nil)
		if err := e.opts.Store.Release(context.WithoutCancel(ctx), runID, token); err != nil && !errors.Is(err, store.ErrConflict) {
			e.log.Warn("lease not released", "run", runID, "err", err)
		}
	}()
	if !run.Status.Resumable() {
		return run, nil
	}
	if err := x.prepare(lctx); err != nil {
		// Without its playbook or event the run cannot even notify.
		msg := "cannot execute: " + err.Error()
		var w writes
		x.audit(&w, store.AuditFailed, msg)
		e.log.Error("run failed", "run", runID, "playbook", run.PlaybookID, "err", msg)
		x.mu.Lock()
		run.Status, run.Error, run.WakeAt = store.RunFailed, msg, time.Time{}
		x.mu.Unlock()
		return x.snapshot(), x.commit(lctx, &w)
	}
	err = x.execute(lctx)
	if cause := context.Cause(lctx); err != nil && errors.Is(cause, errLeaseLost) {
		return x.snapshot(), fmt.Errorf("engine: run %s: %w", runID, cause)
	}
	return x.snapshot(), err
}

// execution is one executor's pass over a run.
type execution struct {
	e     *Engine
	token string
	// mu guards run, which the lease keeper renews while a step runs.
	mu    sync.Mutex
	run   *store.Run
	book  *router.Book
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

// keepLease renews the run's lease every third of its length until the
// returned function is called. A renewal that finds the lease taken over
// cancels ctx with errLeaseLost.
func (x *execution) keepLease(ctx context.Context, cancel context.CancelCauseFunc) (stop func()) {
	every := x.e.opts.Lease / 3
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			x.mu.Lock()
			x.run.LeaseUntil = x.e.now().Add(x.e.opts.Lease)
			x.run.Updated = x.e.now()
			err := x.e.opts.Store.UpdateRun(ctx, x.run)
			x.mu.Unlock()
			if errors.Is(err, store.ErrConflict) {
				cancel(errLeaseLost)
				return
			}
			if err != nil {
				x.e.log.Warn("lease not renewed", "run", x.run.ID, "err", err)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// snapshot returns a copy of the run as it stands.
func (x *execution) snapshot() *store.Run {
	x.mu.Lock()
	defer x.mu.Unlock()
	r := *x.run
	return &r
}

// commit writes w with the run's latest state, renewing the lease.
func (x *execution) commit(ctx context.Context, w *writes) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.run.LeaseUntil = x.e.now().Add(x.e.opts.Lease)
	w.addUpdate(x.run)
	return x.e.flush(context.WithoutCancel(ctx), w)
}

// prepare decodes a run's input and earlier steps' outputs.
func (x *execution) prepare(ctx context.Context) error {
	e, run := x.e, x.run
	b, ok := e.router.Book(run.PlaybookID)
	if !ok {
		return fmt.Errorf("playbook %s is not loaded or not enabled", run.PlaybookID)
	}
	x.book = b
	x.steps = allSteps(b.Playbook)
	if err := json.Unmarshal(run.Input, &x.in); err != nil {
		return fmt.Errorf("run input: %w", err)
	}
	body := []byte(x.in.Event)
	if len(body) == 0 {
		rec, err := e.opts.Store.GetEvent(ctx, run.EventKey)
		if err != nil {
			return fmt.Errorf("run's event %s: %w", run.EventID, err)
		}
		body = rec.Raw
	}
	ev, err := event.Parse(body)
	if err != nil {
		return fmt.Errorf("run's event: %w", err)
	}
	evMap, err := ev.Map()
	if err != nil {
		return fmt.Errorf("run's event: %w", err)
	}
	x.vars = playbook.Vars{Event: evMap, Target: playbook.TargetVars(x.in.Target), Params: x.in.Params, Steps: map[string]map[string]any{}}
	recs, err := e.opts.Store.Steps(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("steps of run %s: %w", run.ID, err)
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
	return nil
}

func allSteps(pb *playbook.Playbook) []*playbook.Step {
	return append(append([]*playbook.Step(nil), pb.Steps...), pb.Verify...)
}

// record returns the stored record of step i, or a new one.
func (x *execution) record(i int) store.StepRecord {
	for _, r := range x.recs {
		if r.Index == i {
			return r
		}
	}
	return store.StepRecord{RunID: x.run.ID, Index: i}
}

// keep remembers r as the record of its step and adds it to w.
func (x *execution) keep(w *writes, r store.StepRecord) {
	w.addStep(r)
	for i := range x.recs {
		if x.recs[i].Index == r.Index {
			x.recs[i] = r
			return
		}
	}
	x.recs = append(x.recs, r)
}

func (x *execution) audit(w *writes, kind store.AuditKind, msg string) {
	w.addAudit(store.AuditEntry{Kind: kind, EventID: x.run.EventID, RunID: x.run.ID, PlaybookID: x.run.PlaybookID, Message: msg})
}

// execute runs the remaining steps, then the notification phase.
func (x *execution) execute(ctx context.Context) error {
	run := x.run
	var w writes
	if run.Status == store.RunPending && run.NextStep == 0 {
		steps := "steps"
		if len(x.steps) == 1 {
			steps = "step"
		}
		x.audit(&w, store.AuditStarted, fmt.Sprintf("executing %d %s on %s", len(x.steps), steps, describeTarget(x.in.Target)))
	}
	x.mu.Lock()
	run.Status = store.RunRunning
	x.mu.Unlock()
	if err := x.commit(ctx, &w); err != nil {
		return err
	}
	x.first = run.NextStep
	if x.in.LookupTags && run.NextStep == 0 && len(x.recs) == 0 {
		if done, err := x.checkTags(ctx); done || err != nil {
			return err
		}
	}
	if x.record(len(x.steps)).Status == store.StepPending {
		// The run ended before and waits to deliver its notification.
		return x.deliver(ctx)
	}
	for i := run.NextStep; i < len(x.steps); i++ {
		next, err := x.step(ctx, i)
		if err != nil || next == stepWait {
			return err
		}
		if next == stepEnded {
			return x.deliver(ctx)
		}
	}
	return x.deliver(ctx)
}

// stepEnd says how a run goes on after a step.
type stepEnd int

const (
	stepNext  stepEnd = iota + 1 // on to the next step
	stepWait                     // the run waits (a pending action or a retry)
	stepEnded                    // the run is over (failed or not found); notification follows
)

// step executes step i.
func (x *execution) step(ctx context.Context, i int) (stepEnd, error) {
	e, st := x.e, x.steps[i]
	rec := x.record(i)
	rec.Name, rec.Action = st.ID, st.Action
	if rec.Started.IsZero() || rec.Status == store.StepFailed {
		rec.Started = e.now()
	}
	var w writes
	if ok, err := st.ShouldRun(x.vars); err != nil {
		return x.stepFailed(ctx, &w, st, rec, action.Permanent(fmt.Errorf("step condition: %w", err)))
	} else if !ok {
		rec.Status, rec.Message, rec.Finished = store.StepSkipped, "step condition (if) is false", e.now()
		x.keep(&w, rec)
		return x.advance(ctx, &w, i)
	}
	x.vars.Run = runVars(x.steps, x.recs, "")
	params, err := st.Render(x.vars)
	if err != nil {
		return x.stepFailed(ctx, &w, st, rec, action.Permanent(err))
	}
	spec := st.Spec()
	if spec == nil {
		return x.stepFailed(ctx, &w, st, rec, action.Permanent(fmt.Errorf("action %s is not registered", st.Action)))
	}
	in, err := x.input(ctx, spec, params, &rec)
	if err != nil {
		return x.stepFailed(ctx, &w, st, rec, fmt.Errorf("credentials for %s/%s: %w", x.in.Target.Account, x.in.Target.Region, err))
	}
	// An earlier attempt of this step, cut short or failed, may have made
	// the change already.
	attemptedBefore := rec.Attempts > 0 || rec.Status == store.StepRunning
	// The step is durably under way before the action changes anything.
	rec.Status = store.StepRunning
	rec.Attempts++
	x.keep(&w, rec)
	if err := x.commit(ctx, &w); err != nil {
		return 0, err
	}

	res, calls, err := x.call(ctx, st, spec, in)
	rec = x.record(i) // a checkpoint may have updated it
	rec.Attempts += calls - 1
	if err == nil && res.Outcome == action.Changed {
		err = x.verify(ctx, spec, in, res)
	}
	if err != nil && ctx.Err() != nil {
		// Shutting down or lease lost, not failing: the run stays at
		// this step and Resume continues it (the action is idempotent).
		return 0, fmt.Errorf("engine: run %s interrupted at step %s: %w", x.run.ID, st.ID, context.Cause(ctx))
	}
	if err != nil {
		return x.stepFailed(ctx, &w, st, rec, err)
	}
	rec.Message = res.Message
	if res.Output != nil {
		out, merr := json.Marshal(res.Output)
		if merr != nil {
			return x.stepFailed(ctx, &w, st, rec, action.Permanent(fmt.Errorf("step output: %w", merr)))
		}
		rec.Output = out
		x.vars.Steps[st.ID] = res.Output
	}
	switch res.Outcome {
	case action.Pending:
		return x.pending(ctx, &w, i, st, rec, res)
	case action.NotFound:
		if attemptedBefore {
			// An earlier attempt of this very step may have removed it.
			rec.Status = store.StepAlreadyDone
			rec.Message = res.Message + " (gone after an earlier attempt of this step)"
			break
		}
		switch st.NotFound {
		case playbook.NotFoundContinue:
			rec.Status = store.StepNotFound
		case playbook.NotFoundFail:
			return x.stepFailed(ctx, &w, st, rec, action.Permanent(errors.New(res.Message)))
		default:
			rec.Status, rec.Finished = store.StepNotFound, e.now()
			x.keep(&w, rec)
			x.audit(&w, store.AuditStep, fmt.Sprintf("step %s (%s): not found: %s", st.ID, st.Action, res.Message))
			x.end(&w, OutcomeNotFound, res.Message)
			return stepEnded, x.commit(ctx, &w)
		}
	case action.AlreadyDone:
		rec.Status = store.StepAlreadyDone
	case action.Changed:
		rec.Status = store.StepSucceeded
		x.didChange = true
	default:
		rec.Status = store.StepSucceeded
	}
	rec.Finished = e.now()
	x.keep(&w, rec)
	x.audit(&w, store.AuditStep, fmt.Sprintf("step %s (%s): %s: %s", st.ID, st.Action, res.Outcome, res.Message))
	return x.advance(ctx, &w, i)
}

// checkTags reads the target's tags for tag exemptions before the run
// acts. done is true when the run ends or waits here: exempt, or the tags
// could not be read (retried when that may pass; a run that cannot check
// its exemptions does not act).
func (x *execution) checkTags(ctx context.Context) (done bool, err error) {
	e := x.e
	var w writes
	if x.cfg == nil {
		cfg, err := e.opts.Cloud.Config(ctx, x.in.Target.Account, x.in.Target.Region, x.run.ID)
		if err != nil {
			return true, x.guardFailed(ctx, &w, fmt.Errorf("credentials for %s/%s: %w", x.in.Target.Account, x.in.Target.Region, err))
		}
		x.cfg = &cfg
	}
	cfg := permission.Gate(*x.cfg, permission.Rules{Owner: "exemption tag lookup", Reads: []string{router.TagLookupAction}})
	cctx, cancel := context.WithTimeout(ctx, e.opts.StepTimeout)
	out, err := tagging.NewFromConfig(cfg).GetResources(cctx, &tagging.GetResourcesInput{ResourceARNList: []string{x.in.Target.ARN}})
	cancel()
	if err != nil {
		return true, x.guardFailed(ctx, &w, fmt.Errorf("reading the tags of %s to check exemptions: %w", x.in.Target.ARN, err))
	}
	tags := map[string]string{}
	for _, m := range out.ResourceTagMappingList {
		for _, t := range m.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	a := e.opts.Exemptions.MatchTags(tags)
	if a == nil {
		return false, nil
	}
	x.audit(&w, store.AuditSkipped, describeTarget(x.in.Target)+": "+a.String())
	x.mu.Lock()
	x.run.Status, x.run.Error = store.RunSkipped, a.String()
	x.mu.Unlock()
	return true, x.commit(ctx, &w)
}

// guardFailed handles a failure before the first step: retried like a
// step's when it may pass, otherwise the run fails.
func (x *execution) guardFailed(ctx context.Context, w *writes, err error) error {
	e, run := x.e, x.run
	msg := err.Error()
	if retry, after := action.Retryable(err); retry && run.Attempts+1 < e.opts.Retry.Attempts {
		x.mu.Lock()
		run.Attempts++
		run.Status, run.WakeAt, run.Error = store.RunWaiting, e.now().Add(max(e.backoff(run.Attempts-1), after)), msg
		x.mu.Unlock()
		x.audit(w, AuditRetry, fmt.Sprintf("%s; trying again at %s", msg, run.WakeAt.Format(time.RFC3339)))
		return x.commit(ctx, w)
	}
	x.failRun(w, msg)
	if err := x.commit(ctx, w); err != nil {
		return err
	}
	return x.deliver(ctx)
}

// input builds the input of a step's action, with AWS configurations gated
// by the action's declarations.
func (x *execution) input(ctx context.Context, spec *action.Spec, params map[string]any, rec *store.StepRecord) (action.Input, error) {
	e := x.e
	if x.cfg == nil {
		cfg, err := e.opts.Cloud.Config(ctx, x.in.Target.Account, x.in.Target.Region, x.run.ID)
		if err != nil {
			return action.Input{}, err
		}
		x.cfg = &cfg
	}
	in := actionInput(x.in.Target, params, x.run.ID, e.now(), false, x.vars.Steps)
	canWrite, why := x.writesAllowed()
	in.DryRun = !canWrite
	in.AWS = gate(*x.cfg, spec, canWrite, why)
	if _, ok := e.opts.Cloud.(HomeCloud); ok {
		in.Home = func(ctx context.Context) (aws.Config, error) {
			cfg, err := x.homeConfig(ctx)
			if err != nil {
				return aws.Config{}, err
			}
			return gate(cfg, spec, canWrite, why), nil
		}
	}
	if rec.Status == store.StepRunning && len(rec.Output) > 0 {
		var saved map[string]any
		if json.Unmarshal(rec.Output, &saved) == nil {
			in.Saved = saved
		}
	}
	idx := rec.Index
	in.Checkpoint = func(ctx context.Context, state map[string]any) error {
		b, err := json.Marshal(state)
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		r := x.record(idx)
		r.Status, r.Output = store.StepRunning, b
		var w writes
		x.keep(&w, r)
		return x.commit(ctx, &w)
	}
	return in, nil
}

// writesAllowed reports whether the run may change anything now, and why
// not. The engine checks this before executing at all; the gate on every
// AWS client enforces it again where the calls are made.
func (x *execution) writesAllowed() (bool, string) {
	switch {
	case x.e.opts.DryRun:
		return false, "the global dry run is on"
	case x.run.Mode == store.ModeDryRun:
		return false, "the playbook is in dry-run mode"
	case x.run.Mode == store.ModeNotify:
		return false, "the playbook is in notify mode"
	case x.run.Status == store.RunAwaitingApproval:
		return false, "the run awaits approval"
	}
	return true, ""
}

// gate returns cfg letting through only the operations spec declares, and
// its writes only when writes is set.
func gate(cfg aws.Config, spec *action.Spec, writes bool, why string) aws.Config {
	return permission.Gate(cfg, permission.Rules{Owner: spec.Name, Reads: spec.Reads, Writes: spec.Writes, WritesAllowed: writes, Why: why})
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

// call runs an action, retrying at once per the step's retry policy.
func (x *execution) call(ctx context.Context, st *playbook.Step, spec *action.Spec, in action.Input) (action.Result, int, error) {
	attempts := max(st.Retry.Attempts, 1)
	backoff := st.Retry.Backoff
	for n := 1; ; n++ {
		cctx, cancel := context.WithTimeout(ctx, x.e.opts.StepTimeout)
		res, err := spec.Run(cctx, in)
		cancel()
		if err == nil {
			return res, n, nil
		}
		if ctx.Err() != nil || n == attempts {
			return action.Result{}, n, fmt.Errorf("step %s (%s): %w", st.ID, st.Action, err)
		}
		x.e.log.Warn("step failed; retrying", "run", x.run.ID, "step", st.ID, "attempt", n, "err", err)
		if err := x.e.opts.Sleep(ctx, backoff); err != nil {
			return action.Result{}, n, err
		}
		backoff *= 2
	}
}

// verify re-reads what a step changed, through a configuration that lets
// only the action's reads through. A change that has not shown yet is read
// again a few times (AWS is eventually consistent); one that does not hold
// fails with the *action.VerifyError.
func (x *execution) verify(ctx context.Context, spec *action.Spec, in action.Input, res action.Result) error {
	if spec.Verify == nil {
		return nil
	}
	vin := in
	vin.AWS = gate(*x.cfg, spec, false, "verification only reads")
	if in.Home != nil {
		vin.Home = func(ctx context.Context) (aws.Config, error) {
			cfg, err := x.homeConfig(ctx)
			if err != nil {
				return aws.Config{}, err
			}
			return gate(cfg, spec, false, "verification only reads"), nil
		}
	}
	vin.Checkpoint = nil
	backoff := x.e.opts.VerifyBackoff
	for n := 1; ; n++ {
		cctx, cancel := context.WithTimeout(ctx, x.e.opts.StepTimeout)
		err := spec.Verify(cctx, vin, res)
		cancel()
		var mismatch *action.VerifyError
		if err == nil || !errors.As(err, &mismatch) || n >= x.e.opts.VerifyAttempts {
			if err != nil {
				return fmt.Errorf("%s: %w", spec.Name, err)
			}
			return nil
		}
		if err := x.e.opts.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff *= 2
	}
}

// onFailure runs a failed run's on_failure steps, once each and best
// effort: a step that fails is recorded and the next one runs; none
// changes the run's outcome. Their records follow the notification
// phase's.
func (x *execution) onFailure(ctx context.Context, w *writes, failure string) {
	e := x.e
	x.vars.Run = runVars(x.steps, x.recs, failure)
	for i, st := range x.book.Playbook.OnFailure {
		rec := x.record(len(x.steps) + 1 + i)
		rec.Name, rec.Action, rec.Started = st.ID, st.Action, e.now()
		outcome, msg := x.bestEffort(ctx, st, &rec)
		rec.Status, rec.Message, rec.Finished = outcome, msg, e.now()
		x.keep(w, rec)
		x.audit(w, store.AuditStep, fmt.Sprintf("on_failure step %s (%s): %s: %s", st.ID, st.Action, outcome, msg))
	}
}

// bestEffort runs one on_failure step once and says how it went.
func (x *execution) bestEffort(ctx context.Context, st *playbook.Step, rec *store.StepRecord) (store.StepStatus, string) {
	if ok, err := st.ShouldRun(x.vars); err != nil {
		return store.StepFailed, "step condition: " + err.Error()
	} else if !ok {
		return store.StepSkipped, "step condition (if) is false"
	}
	params, err := st.Render(x.vars)
	if err != nil {
		return store.StepFailed, err.Error()
	}
	spec := st.Spec()
	if spec == nil {
		return store.StepFailed, "action " + st.Action + " is not registered"
	}
	in, err := x.input(ctx, spec, params, rec)
	if err != nil {
		return store.StepFailed, "credentials: " + err.Error()
	}
	in.Checkpoint = nil
	res, calls, err := x.call(ctx, st, spec, in)
	rec.Attempts += calls
	if err == nil && res.Outcome == action.Changed {
		err = x.verify(ctx, spec, in, res)
	}
	switch {
	case err != nil:
		return store.StepFailed, err.Error()
	case res.Outcome == action.AlreadyDone:
		return store.StepAlreadyDone, res.Message
	case res.Outcome == action.NotFound:
		return store.StepNotFound, res.Message
	}
	return store.StepSucceeded, res.Message
}

// pending persists that step i waits, and when it is next due.
func (x *execution) pending(ctx context.Context, w *writes, i int, st *playbook.Step, rec store.StepRecord, res action.Result) (stepEnd, error) {
	e, run := x.e, x.run
	limit := st.Timeout
	if limit == 0 {
		limit = e.opts.MaxWait
	}
	if e.now().Sub(rec.Started) >= limit {
		return x.stepFailed(ctx, w, st, rec, action.Permanent(fmt.Errorf("still not done after %s: %s", limit, res.Message)))
	}
	wait := res.RecheckAfter
	if wait <= 0 {
		wait = 10 * time.Second
	}
	rec.Status = store.StepPending
	x.keep(w, rec)
	x.mu.Lock()
	run.Status, run.NextStep, run.WakeAt = store.RunWaiting, i, e.now().Add(wait)
	x.mu.Unlock()
	x.audit(w, store.AuditWaiting, fmt.Sprintf("step %s waits; next check at %s: %s", st.ID, run.WakeAt.Format(time.RFC3339), res.Message))
	return stepWait, x.commit(ctx, w)
}

// advance persists that step i is behind the run.
func (x *execution) advance(ctx context.Context, w *writes, i int) (stepEnd, error) {
	x.mu.Lock()
	x.run.NextStep, x.run.WakeAt, x.run.Attempts = i+1, time.Time{}, 0
	x.mu.Unlock()
	return stepNext, x.commit(ctx, w)
}

// stepFailed decides what a failed step means: a step that is not
// critical is reported and passed; a failure that may succeed later makes
// the run wait to try again, within the retry budget; anything else fails
// the run.
func (x *execution) stepFailed(ctx context.Context, w *writes, st *playbook.Step, rec store.StepRecord, err error) (stepEnd, error) {
	e, run := x.e, x.run
	msg := err.Error()
	rec.Message, rec.Finished = msg, e.now()
	if !st.Critical {
		rec.Status = store.StepFailed
		x.keep(w, rec)
		x.audit(w, store.AuditStep, fmt.Sprintf("step %s (%s) failed; it is not critical, the run goes on: %s", st.ID, st.Action, msg))
		return x.advance(ctx, w, rec.Index)
	}
	retry, after := action.Retryable(err)
	if retry && run.Attempts+1 < e.opts.Retry.Attempts {
		wait := max(e.backoff(run.Attempts), after)
		rec.Status = store.StepPending
		rec.Message = "failed, will try again: " + msg
		x.keep(w, rec)
		x.mu.Lock()
		run.Attempts++
		run.Status, run.NextStep, run.WakeAt, run.Error = store.RunWaiting, rec.Index, e.now().Add(wait), msg
		x.mu.Unlock()
		x.audit(w, AuditRetry, fmt.Sprintf("step %s (%s) failed (attempt %d of %d), may succeed later; trying again at %s: %s",
			st.ID, st.Action, run.Attempts, e.opts.Retry.Attempts, run.WakeAt.Format(time.RFC3339), msg))
		return stepWait, x.commit(ctx, w)
	}
	if retry {
		msg = fmt.Sprintf("%s (gave up after %d attempts)", msg, run.Attempts+1)
	}
	rec.Status, rec.Message = store.StepFailed, msg
	x.keep(w, rec)
	x.failRun(w, msg)
	return stepEnded, x.commit(ctx, w)
}

// AuditRetry is the audit kind of a failed attempt that will be retried.
const AuditRetry store.AuditKind = "retry"

// backoff returns the wait before retry n+1 (n = 0 for the first retry):
// Retry.Base doubled n times, capped at Retry.Max, ±20 %.
func (e *Engine) backoff(n int) time.Duration {
	d := e.opts.Retry.Base
	for range n {
		d *= 2
		if d >= e.opts.Retry.Max {
			d = e.opts.Retry.Max
			break
		}
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// failRun ends the run as failed: it moves to the notification phase with
// the failure recorded.
func (x *execution) failRun(w *writes, msg string) {
	x.audit(w, store.AuditFailed, msg)
	x.e.log.Error("run failed", "run", x.run.ID, "playbook", x.run.PlaybookID, "err", msg)
	x.end(w, OutcomeFailed, msg)
}

// end moves the run to its notification phase, with how it ended. The run
// stays at the step where it ended, which a retry starts again from.
func (x *execution) end(w *writes, o Outcome, msg string) {
	rec := x.record(len(x.steps))
	rec.Name, rec.Action, rec.Status, rec.Message = notifyStep, notifyStep, store.StepPending, ""
	rec.Started, rec.Attempts = x.e.now(), 0
	rec.Output, _ = json.Marshal(phase{Outcome: o.String(), Error: msg})
	x.keep(w, rec)
	x.mu.Lock()
	x.run.Attempts, x.run.WakeAt = 0, time.Time{}
	if o == OutcomeFailed {
		x.run.Error = msg
	}
	x.mu.Unlock()
}

// Resume executes every run that is due: runs interrupted by a crash, runs
// whose wait has elapsed and runs waiting to try again. It returns how many
// it executed. Under the global dry run it executes none.
func (e *Engine) Resume(ctx context.Context) (int, error) {
	if e.opts.DryRun {
		return 0, nil
	}
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
	if e.opts.DryRun {
		return nil, fmt.Errorf("engine: approve %s: %w", runID, ErrDryRun)
	}
	run, err := e.opts.Store.GetRun(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("engine: approve %s: %w", runID, err)
	}
	if run.Status != store.RunAwaitingApproval {
		return run, fmt.Errorf("engine: run %s is %s, not awaiting approval", runID, run.Status)
	}
	run.Status, run.Updated = store.RunPending, e.now()
	var w writes
	w.addUpdate(run)
	w.addAudit(store.AuditEntry{Kind: store.AuditStarted, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
		Message: "approved by " + by})
	if err := e.flush(ctx, &w); err != nil {
		return nil, fmt.Errorf("engine: approve %s: %w", runID, err)
	}
	return e.Execute(ctx, runID)
}

// Retry sets a failed run going again from the step that failed (or wakes
// a run waiting to try again) and executes it.
func (e *Engine) Retry(ctx context.Context, runID, by string) (*store.Run, error) {
	if e.opts.DryRun {
		return nil, fmt.Errorf("engine: retry %s: %w", runID, ErrDryRun)
	}
	run, err := e.opts.Store.GetRun(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("engine: retry %s: %w", runID, err)
	}
	var w writes
	if !e.reopen(&w, run) {
		return run, fmt.Errorf("engine: run %s is %s; only failed and waiting runs are retried", runID, run.Status)
	}
	w.addAudit(store.AuditEntry{Kind: store.AuditStarted, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
		Message: "retry asked by " + by})
	if err := e.flush(ctx, &w); err != nil {
		return nil, fmt.Errorf("engine: retry %s: %w", runID, err)
	}
	return e.Execute(ctx, runID)
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
	return action.Input{Params: params, RunID: runID, Now: now, DryRun: dryRun, Outputs: outputs, Target: t}
}

// describeTarget names a target for people: type, id, account and region.
func describeTarget(t event.Target) string {
	s := t.Type + " " + t.ID
	if t.FindingID != "" {
		s += " (finding " + t.FindingID + ")"
	}
	return s + " in " + t.Account + "/" + t.Region
}
