package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/notify"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/router"
	"github.com/rectify-dev/rectify/internal/store"
)

// Outcome is how a run ended, or where it stands, as its notification
// tells it.
type Outcome int

// The outcomes.
const (
	// OutcomeRemediated: the run changed the resource and every change
	// verified.
	OutcomeRemediated Outcome = iota + 1
	// OutcomeCompliant: nothing needed changing.
	OutcomeCompliant
	// OutcomeNotFound: the resource does not exist.
	OutcomeNotFound
	// OutcomeFailed: the run failed.
	OutcomeFailed
	// OutcomePlanned: a dry run or a notify-only playbook; nothing ran.
	OutcomePlanned
	// OutcomeAwaitingApproval: the run waits for `rectify approve`.
	OutcomeAwaitingApproval
	// OutcomePaused: the circuit breaker holds the run for approval.
	OutcomePaused
)

var outcomeNames = [...]string{OutcomeRemediated: "remediated", OutcomeCompliant: "compliant", OutcomeNotFound: "not-found",
	OutcomeFailed: "failed", OutcomePlanned: "planned", OutcomeAwaitingApproval: "awaiting-approval", OutcomePaused: "paused"}

func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

func parseOutcome(s string) Outcome {
	for o, name := range outcomeNames {
		if name != "" && name == s {
			return Outcome(o)
		}
	}
	return OutcomeFailed
}

// headline is the word a notification's subject starts with.
func (o Outcome) headline() string {
	switch o {
	case OutcomeRemediated:
		return "fixed"
	case OutcomeCompliant:
		return "already compliant"
	case OutcomeNotFound:
		return "not found"
	case OutcomeFailed:
		return "FAILED"
	case OutcomeAwaitingApproval:
		return "approval needed"
	case OutcomePaused:
		return "PAUSED"
	}
	return "finding"
}

// status is the final status of a run that ended with o.
func (o Outcome) status() store.RunStatus {
	switch o {
	case OutcomeFailed:
		return store.RunFailed
	case OutcomeNotFound:
		return store.RunNotFound
	}
	return store.RunSucceeded
}

// notifyStep names the step record of a run's notification phase, kept
// after the playbook's steps.
const notifyStep = "notify"

// phase is what the notification phase's step record keeps: how the run
// ended, and the destinations that already have the message.
type phase struct {
	Outcome string   `json:"outcome"`
	Error   string   `json:"error,omitempty"`
	Sent    []string `json:"sent,omitempty"`
	// Cleaned records that the on_failure steps of a failed run ran.
	Cleaned bool `json:"cleaned,omitempty"`
}

// stepLine is a step as a notification lists it.
type stepLine struct {
	ID, Action, Text string
}

// deliver is a run's last phase: it sends the notification the run's
// outcome calls for, retrying a failed send with the run, and then marks
// the run finished.
func (x *execution) deliver(ctx context.Context) error {
	e, run := x.e, x.run
	n := len(x.steps)
	rec := x.record(n)
	var ph phase
	if rec.Status != store.StepPending || len(rec.Output) == 0 {
		// The playbook's steps are done: a fresh ending.
		ph.Outcome = OutcomeCompliant.String()
		if x.changed() {
			ph.Outcome = OutcomeRemediated.String()
		}
		rec = store.StepRecord{RunID: run.ID, Index: n, Name: notifyStep, Action: notifyStep, Started: e.now()}
	} else if err := json.Unmarshal(rec.Output, &ph); err != nil {
		ph.Outcome, ph.Error = OutcomeFailed.String(), "the notification phase's record is unreadable: "+err.Error()
	}
	o := parseOutcome(ph.Outcome)
	var w writes
	if o == OutcomeFailed && !ph.Cleaned && len(x.book.Playbook.OnFailure) > 0 {
		x.onFailure(ctx, &w, ph.Error)
		ph.Cleaned = true
		rec.Output, _ = json.Marshal(ph)
		x.keep(&w, rec)
		if err := x.commit(ctx, &w); err != nil {
			return err
		}
	}
	x.vars.Run = runVars(x.steps, x.recs, ph.Error)
	channels := x.book.Playbook.Notify.Channels
	gaps := x.gaps()
	want := o == OutcomeFailed || o == OutcomeNotFound || o == OutcomeRemediated || len(gaps) > 0 || x.book.Playbook.Notify.Always
	if run.Notified || len(channels) == 0 || e.opts.Notifier == nil || !want {
		if len(channels) > 0 && !want && !run.Notified {
			x.audit(&w, store.AuditNotified, "not notified: the run changed nothing (notify.always is off)")
		}
		if rec.Status == store.StepPending {
			// The phase began (a failure) but has nothing to send.
			rec.Status, rec.Message = store.StepSkipped, "nothing to send"
			return x.finish(ctx, &w, &rec, o, ph.Error)
		}
		return x.finish(ctx, &w, nil, o, ph.Error)
	}
	sent := map[string]bool{}
	for _, k := range ph.Sent {
		sent[k] = true
	}
	lines := make([]stepLine, 0, len(x.steps))
	for i, st := range x.steps {
		r := x.record(i)
		text := string(r.Status)
		if r.Message != "" {
			text += ": " + r.Message
		}
		if r.Status == "" {
			text = "not run"
		}
		lines = append(lines, stepLine{ID: st.ID, Action: st.Action, Text: text})
	}
	res := e.notifyRun(ctx, run, x.book, x.vars, lines, o, ph.Error, func(k string) bool { return sent[k] })
	x.audit(&w, store.AuditNotified, res.audit.Message)
	var failed []string
	retry := true
	for _, r := range res.results {
		if r.Err != nil {
			failed = append(failed, r.Channel+": "+r.Err.Error())
			if ok, _ := action.Retryable(r.Err); !ok {
				retry = false
			}
			continue
		}
		sent[r.Key()] = true
	}
	ph.Sent = ph.Sent[:0]
	for k := range sent {
		ph.Sent = append(ph.Sent, k)
	}
	sort.Strings(ph.Sent)
	rec.Output, _ = json.Marshal(ph)
	rec.Attempts++
	if len(failed) == 0 {
		x.mu.Lock()
		run.Notified = true
		x.mu.Unlock()
		rec.Status, rec.Message = store.StepSucceeded, res.audit.Message
		return x.finish(ctx, &w, &rec, o, ph.Error)
	}
	msg := "notification not delivered: " + strings.Join(failed, "; ")
	if retry && rec.Attempts < e.opts.Retry.Attempts {
		rec.Status, rec.Message = store.StepPending, msg
		x.keep(&w, rec)
		x.mu.Lock()
		run.Status, run.WakeAt = store.RunWaiting, e.now().Add(e.backoff(rec.Attempts-1))
		x.mu.Unlock()
		x.audit(&w, AuditRetry, fmt.Sprintf("%s; trying again at %s (attempt %d of %d)", msg, run.WakeAt.Format(time.RFC3339), rec.Attempts, e.opts.Retry.Attempts))
		return x.commit(ctx, &w)
	}
	e.log.Error("notification not delivered; giving up", "run", run.ID, "err", msg)
	rec.Status, rec.Message = store.StepFailed, msg+" (gave up)"
	return x.finish(ctx, &w, &rec, o, ph.Error)
}

// finish records the notification phase (rec, when there is one to
// record) and the run's final status.
func (x *execution) finish(ctx context.Context, w *writes, rec *store.StepRecord, o Outcome, errText string) error {
	e, run := x.e, x.run
	if rec != nil {
		rec.Finished = e.now()
		x.keep(w, *rec)
	}
	x.mu.Lock()
	run.Status, run.WakeAt = o.status(), time.Time{}
	if o == OutcomeFailed {
		run.Error = errText
	} else {
		run.Error = ""
	}
	x.mu.Unlock()
	switch o {
	case OutcomeFailed:
		// The failure itself was audited when it happened.
	case OutcomeNotFound:
		x.audit(w, store.AuditSucceeded, "ended: not found: "+errText)
	default:
		msg := "all steps done on " + describeTarget(x.in.Target)
		if gaps := x.gaps(); len(gaps) > 0 {
			msg += "; steps that failed without failing the run: " + strings.Join(gaps, ", ")
		}
		x.audit(w, store.AuditSucceeded, msg)
	}
	return x.commit(ctx, w)
}

// gaps returns the steps that failed without failing the run.
func (x *execution) gaps() []string {
	var out []string
	for i, st := range x.steps {
		if r := x.record(i); r.Status == store.StepFailed && !st.Critical {
			out = append(out, st.ID)
		}
	}
	return out
}

// changed reports whether the run changed something: a step of this
// execution reported Changed, or, conservatively, a step of an earlier
// execution of the run (before a restart or a wait) succeeded.
func (x *execution) changed() bool {
	if x.didChange {
		return true
	}
	for _, r := range x.recs {
		if r.Index < x.first && r.Index < len(x.steps) && r.Status == store.StepSucceeded {
			return true
		}
	}
	return false
}

// notified is what sending one notification did.
type notified struct {
	results []notify.Result
	audit   store.AuditEntry
}

// notifyRun renders and sends a run's notification to the playbook's
// channels, skipping the destinations sent reports as done, and returns
// the results with the audit entry that records them.
func (e *Engine) notifyRun(ctx context.Context, run *store.Run, b *router.Book, vars playbook.Vars, steps []stepLine, o Outcome, detail string, sent func(string) bool) notified {
	if e.opts.Notifier == nil || len(b.Playbook.Notify.Channels) == 0 {
		return notified{audit: store.AuditEntry{Kind: store.AuditNotified, EventID: run.EventID, RunID: run.ID, PlaybookID: run.PlaybookID,
			Message: "no channel to notify"}}
	}
	t := run.Target
	resource := t.ARN
	if resource == "" {
		resource = t.ResourceType + " " + t.ResourceID
	}
	status := o.String()
	if detail != "" {
		status += ": " + detail
	}
	pb := b.Playbook
	m := notify.Message{
		Subject:    fmt.Sprintf("rectify %s: %s (%s)", o.headline(), pb.Title, t.ResourceID),
		Severity:   severity(vars, o),
		PlaybookID: run.PlaybookID, RunID: run.ID,
		Account: t.Account, Region: t.Region, Resource: resource,
		Fields: map[string]string{"mode": string(run.Mode), "outcome": o.String(), "event": run.EventID},
	}
	var report strings.Builder
	fmt.Fprintf(&report, "Outcome: %s\n\nSteps:\n", status)
	for _, s := range steps {
		fmt.Fprintf(&report, "  - %s (%s): %s\n", s.ID, s.Action, s.Text)
	}
	// The playbook's title and description introduce the standard report;
	// a playbook's own message replaces them. That message may use the
	// outputs of steps, so when the run did not get through them, a
	// template that cannot be rendered gives way to the standard report.
	intro := pb.Title + "\n\n"
	if d := strings.TrimSpace(pb.Description); d != "" {
		intro += d + "\n\n"
	}
	if subj, msg, err := pb.RenderNotification(vars); err != nil {
		if o == OutcomeRemediated || o == OutcomeCompliant {
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
	if sent == nil {
		sent = func(string) bool { return false }
	}
	results := e.opts.Notifier.Notify(ctx, pb.Notify.Channels, m, sent)
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
	if len(parts) == 0 {
		parts = []string{"every destination already had it"}
	}
	return notified{results: results, audit: store.AuditEntry{Kind: store.AuditNotified, EventID: run.EventID, RunID: run.ID,
		PlaybookID: run.PlaybookID, Message: strings.Join(parts, "; ")}}
}

// notifyPaused tells the security team that the circuit breaker paused a
// playbook, and records it.
func (e *Engine) notifyPaused(ctx context.Context, playbookID, why string) {
	msg := why + ". Its runs wait for approval (rectify runs --status awaiting_approval --playbook " + playbookID +
		"; rectify approve RUN_ID) until fewer runs fall within the window."
	parts := "no security channel configured"
	if e.opts.Notifier != nil && e.opts.SecurityChannel != "" {
		results := e.opts.Notifier.Notify(ctx, []string{e.opts.SecurityChannel}, notify.Message{
			Subject:    "rectify PAUSED playbook " + playbookID,
			Severity:   notify.SeverityHigh,
			PlaybookID: playbookID,
			Text:       msg,
		}, func(string) bool { return false })
		var ps []string
		for _, r := range results {
			if r.Err != nil {
				ps = append(ps, r.Channel+": failed: "+r.Err.Error())
			} else {
				ps = append(ps, r.Channel+": sent")
			}
		}
		parts = strings.Join(ps, "; ")
	}
	e.log.Warn("playbook paused by the circuit breaker", "playbook", playbookID, "why", why)
	if err := e.opts.Store.AppendAudit(ctx, store.AuditEntry{Time: e.now(), Kind: AuditPaused, PlaybookID: playbookID,
		Message: msg + " Notified: " + parts}); err != nil {
		e.log.Error("audit entry not recorded", "kind", AuditPaused, "err", err)
	}
}

// severity is a notification's severity: the finding's own, at least HIGH
// for a failed or paused run.
func severity(vars playbook.Vars, o Outcome) string {
	s := notify.EventSeverity(vars.Event, vars.Target)
	if o == OutcomeFailed || o == OutcomePaused {
		s = notify.AtLeast(s, notify.SeverityHigh)
	}
	return s
}
