package router

import (
	"fmt"
	"strings"
	"time"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/playbook"
)

// StepPlan says what a plan expects of a step.
type StepPlan int

// The step plans.
const (
	// Planned: the step runs when the run gets to it.
	Planned StepPlan = iota + 1
	// Conditional: whether the step runs depends on earlier steps'
	// outputs; it is decided when the run gets to it.
	Conditional
	// SkippedStep: the step's condition is false for this event.
	SkippedStep
)

var stepPlanNames = [...]string{Planned: "planned", Conditional: "conditional", SkippedStep: "skipped"}

func (p StepPlan) String() string {
	if p > 0 && int(p) < len(stepPlanNames) {
		return stepPlanNames[p]
	}
	return fmt.Sprintf("StepPlan(%d)", int(p))
}

// PlannedRun is what a playbook would do for one target.
type PlannedRun struct {
	PlaybookID string
	Title      string
	Target     event.Target
	Mode       playbook.Mode
	// Skipped says why no run would start.
	Skipped string
	Steps   []PlannedStep
}

// PlannedStep is one step of a plan.
type PlannedStep struct {
	ID     string
	Action string
	Plan   StepPlan
	// Description says what the step would do, in words.
	Description string
	// Note explains a conditional or skipped step, or parameters that are
	// known only when the run gets to the step.
	Note string
	// Params are the step's parameters as far as they are known.
	Params map[string]any
	// Permissions are the IAM permissions the step needs where it acts:
	// in the target's account, or in rectify's own account when Home.
	Permissions []string
	// Home reports that the step works in rectify's own account.
	Home bool
	// OnFailure reports a step that runs only if the run fails.
	OnFailure bool
}

// Plans returns the plan of every candidate of a decision.
func (r *Router) Plans(d *Decision, now time.Time) []PlannedRun {
	var out []PlannedRun
	for i := range d.Candidates {
		c := &d.Candidates[i]
		pr := PlannedRun{PlaybookID: c.Book.Playbook.ID, Title: c.Book.Playbook.Title, Target: c.Target, Mode: c.Mode, Skipped: c.Skip}
		if c.Skip == "" {
			pr.Steps = Plan(c, now)
		}
		out = append(out, pr)
	}
	return out
}

// Plan describes a candidate's steps without running them.
func Plan(c *Candidate, now time.Time) []PlannedStep {
	pb := c.Book.Playbook
	var out []PlannedStep
	for _, st := range append(append([]*playbook.Step(nil), pb.Steps...), pb.Verify...) {
		out = append(out, planStep(c, st, now))
	}
	for _, st := range pb.OnFailure {
		ps := planStep(c, st, now)
		ps.OnFailure = true
		ps.Plan = Conditional
		ps.Note = joinNote("runs only if the run fails", ps.Note)
		out = append(out, ps)
	}
	return out
}

func planStep(c *Candidate, st *playbook.Step, now time.Time) PlannedStep {
	ps := PlannedStep{ID: st.ID, Action: st.Action, Plan: Planned}
	spec := st.Spec()
	if st.ConditionUsesSteps() {
		ps.Plan, ps.Note = Conditional, "runs if its condition holds once the earlier steps are done: "+oneLine(st.If)
	} else if ok, err := st.ShouldRun(c.Vars); err != nil {
		ps.Plan, ps.Note = SkippedStep, "its condition cannot be evaluated: "+oneLine(err.Error())
	} else if !ok {
		ps.Plan, ps.Note = SkippedStep, "its condition is false: "+oneLine(st.If)
	}
	known, deferred, err := st.RenderKnown(c.Vars)
	if err != nil {
		ps.Description = st.Action
		ps.Note = joinNote(ps.Note, oneLine(err.Error()))
		return withPermissions(ps, spec, nil)
	}
	ps.Params = known
	if spec == nil {
		ps.Description = st.Action
		return ps
	}
	if len(deferred) > 0 {
		ps.Note = joinNote(ps.Note, "known when the run gets here: "+strings.Join(deferred, ", ")+" (from earlier steps' outputs)")
		ps.Description = st.Action + " — " + spec.Description
		return withPermissions(ps, spec, known)
	}
	checked, err := spec.Check(known)
	if err != nil {
		ps.Description = st.Action
		ps.Note = joinNote(ps.Note, oneLine(err.Error()))
		return withPermissions(ps, spec, known)
	}
	ps.Params = checked
	ps.Description = spec.Explain(action.Input{Params: checked, Target: c.Target, Now: now, DryRun: true})
	return withPermissions(ps, spec, checked)
}

func withPermissions(ps PlannedStep, spec *action.Spec, params map[string]any) PlannedStep {
	if spec == nil {
		return ps
	}
	ps.Permissions = spec.Permissions()
	ps.Home = spec.InHome(params)
	return ps
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// oneLine folds white space so that an expression prints on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
