// Package playbook defines rectify's playbooks and loads them from YAML.
//
// A playbook says which events it handles and what to do about them: a
// trigger (an EventBridge event pattern, exactly as in an EventBridge
// rule), an optional CEL condition for what a pattern cannot express, a
// mode, ordered steps that each run a named action with parameters
// templated from the event, verification steps, steps to run when the run
// fails, and the channels to notify. docs/playbooks.md describes the format
// for users.
//
// A control playbook names Security Hub controls (controls) instead of a
// trigger; the loader supplies the rest the same way for every control:
// the trigger, the per-finding check ([Playbook.Check]), the parameters
// custom_actions and finding_account, a last step that resolves the
// finding with a note naming what changed, and a failure step that leaves
// it unresolved with a note saying why.
//
// Loading is strict and complete: unknown fields, wrong types, unknown
// actions, parameters an action does not declare or cannot accept, CEL
// compile errors, malformed templates and duplicate ids are all reported,
// each as "file:line:col: field: message", in one [Errors] value rather
// than one at a time. CEL conditions and templates are compiled once, at
// load time; evaluating them is cheap and bounded by a cost limit.
//
// # Expressions
//
// The condition (when), step conditions (if) and templates are CEL
// expressions over these variables:
//
//	event   the whole event as a map (envelope and detail)
//	detail  event.detail
//	target  the resource the run is about: partition, account, region,
//	        type, id, arn, finding_id, product_arn, attributes, tags
//	params  the playbook's parameters after configuration overrides
//	steps   outputs of earlier steps by step id (steps, verify,
//	        on_failure and notify only): steps.<id>.<output>
//	run     the run so far (steps, verify, on_failure and notify only):
//	        run.summary (one line per finished step, "step: outcome:
//	        message"), run.changes (the messages of the steps that
//	        changed something) and run.error (the failure, or "")
//
// Besides CEL's standard functions, list.join(separator) joins a list's
// elements as text.
//
// In a string parameter, ${expr} is replaced by the expression's value. A
// string that is exactly one ${expr} takes the expression's value with its
// type (a number stays a number, a list a list); otherwise each ${expr} is
// formatted as text. $${ stands for a literal ${.
package playbook

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/google/cel-go/cel"

	"github.com/rectify-dev/rectify/internal/action"
)

// Mode says how far a playbook may go on its own.
type Mode int

// The modes.
const (
	// Auto runs the steps as soon as the playbook matches.
	Auto Mode = iota + 1
	// Approve plans the run and waits for a person to approve it.
	Approve
	// Notify only notifies; no step runs.
	Notify
	// DryRun describes each step instead of running it.
	DryRun
)

var modeNames = [...]string{Auto: "auto", Approve: "approve", Notify: "notify", DryRun: "dry-run"}

// String returns the mode's name as written in YAML.
func (m Mode) String() string {
	if m > 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode returns the mode named s: "auto", "approve", "notify" or
// "dry-run".
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if name != "" && name == s {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q: want auto, approve, notify or dry-run", s)
}

// MarshalText implements [encoding.TextMarshaler].
func (m Mode) MarshalText() ([]byte, error) {
	if m <= 0 || int(m) >= len(modeNames) {
		return nil, fmt.Errorf("invalid mode %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler].
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Position is a place in a playbook file.
type Position struct {
	File      string
	Line, Col int
}

func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Playbook is a loaded, validated playbook. Its fields must not be
// modified; use [Playbook.Params] to apply configuration overrides. A
// Playbook and its Steps are safe for concurrent use.
type Playbook struct {
	ID          string
	Title       string
	Description string
	Pos         Position // where the playbook is defined

	// Trigger is the EventBridge pattern as canonical JSON (keys sorted).
	Trigger []byte

	// Condition is the source of the CEL condition (the YAML field
	// "when"), "" if there is none.
	Condition string

	Mode     Mode
	Defaults map[string]any // declared parameters and their default values
	Steps    []*Step
	Verify   []*Step
	// OnFailure are the steps run, best effort, when the run fails: each
	// is tried even if one before it failed, and none changes the run's
	// outcome. run.error holds the failure.
	OnFailure []*Step
	Notify    Notification
	Enabled   bool
	Tags      []string

	// Controls are the consolidated ids of the Security Hub controls a
	// control playbook remediates, sorted; nil for other playbooks. See
	// [Playbook.Check] and docs/playbooks.md, "Control playbooks".
	Controls []string
	// ControlDefaults are the parameter values a control playbook gives
	// each control (controls: {EC2.14: {ports: [3389]}}), by control id.
	ControlDefaults map[string]map[string]any
	// ControlParams map the names of Security Hub control parameters
	// (Compliance.SecurityControlParameters) to the playbook parameters
	// their values set (control_params).
	ControlParams map[string]string

	// Warnings are mistakes that do not stop the playbook from loading,
	// such as a trigger key no event has (see Options.CheckTrigger).
	Warnings []*Error

	when  cel.Program
	idPos Position
}

// Notification says who is told about a run and, optionally, what.
type Notification struct {
	// Channels are the names of configured notification channels.
	Channels []string
	// Subject and Message are the sources of optional templates; empty
	// means the engine's standard report.
	Subject, Message string
	// Always makes the engine notify after a run that changed nothing
	// (every step already done, skipped or read-only); by default such a
	// run is recorded but not notified.
	Always bool

	subject, message *template
}

// Retry is a step's retry policy for errors an action reports as
// retryable, beyond the SDK's own retries of throttling and server errors.
type Retry struct {
	Attempts int           // total attempts, at least 1
	Backoff  time.Duration // the first wait; it doubles after each attempt
}

// NotFound says what a step's "not found" outcome means for its run.
type NotFound int

// The not-found policies.
const (
	// NotFoundStop ends the run as not found, and notifies: nobody fixed
	// a resource that does not exist. It is the default.
	NotFoundStop NotFound = iota + 1
	// NotFoundContinue counts the step as done and goes on: a resource
	// that is gone is as good as fixed.
	NotFoundContinue
	// NotFoundFail fails the run.
	NotFoundFail
)

var notFoundNames = [...]string{NotFoundStop: "stop", NotFoundContinue: "continue", NotFoundFail: "fail"}

func (n NotFound) String() string {
	if n > 0 && int(n) < len(notFoundNames) {
		return notFoundNames[n]
	}
	return fmt.Sprintf("NotFound(%d)", int(n))
}

// ParseNotFound returns the policy named s: "stop", "continue" or "fail".
func ParseNotFound(s string) (NotFound, error) {
	for n, name := range notFoundNames {
		if name != "" && name == s {
			return NotFound(n), nil
		}
	}
	return 0, fmt.Errorf("unknown not_found policy %q: want stop, continue or fail", s)
}

// Step is one step of a playbook.
type Step struct {
	ID      string
	Action  string
	With    map[string]any // the parameters as written, templates unexpanded
	If      string         // the condition's source, "" if there is none
	Retry   Retry
	Timeout time.Duration // 0 means the engine's default
	// Critical is false for a step whose failure must not fail the run,
	// such as gathering information for the notification; its failure is
	// reported instead. Steps are critical unless they say otherwise.
	Critical bool
	// NotFound says what the action's "not found" outcome means.
	NotFound NotFound
	Pos      Position
	// Generated marks a step rectify added to a control playbook (the
	// finding's report and its failure report).
	Generated bool

	playbook string
	spec     *action.Spec
	with     map[string]any // With with templates compiled to *template
	cond     cel.Program
	// condSteps records that the condition refers to earlier steps'
	// outputs.
	condSteps bool
}

// ConditionUsesSteps reports whether the step's condition (if) refers to
// the outputs of earlier steps, so that it can only be decided when the
// run reaches the step.
func (s *Step) ConditionUsesSteps() bool { return s.condSteps }

// RenderKnown expands the templates of the parameters that do not refer
// to earlier steps' outputs, for plans made before anything runs. The
// names of the parameters that do are returned in deferred, sorted; their
// values are left out of known. Known values are not checked against the
// action's declaration (a plan describes, Render checks).
func (s *Step) RenderKnown(vars Vars) (known map[string]any, deferred []string, err error) {
	act := vars.activation()
	known = make(map[string]any, len(s.with))
	for name, v := range s.with {
		if usesSteps(v) {
			deferred = append(deferred, name)
			continue
		}
		r, err := render(v, act)
		if err != nil {
			return nil, nil, fmt.Errorf("playbook %s: step %s: param %s: %w", s.playbook, s.ID, name, err)
		}
		known[name] = r
	}
	sort.Strings(deferred)
	return known, deferred, nil
}

// Spec returns the action the step runs, or nil if the playbook was
// loaded without a registry.
func (s *Step) Spec() *action.Spec { return s.spec }

// Vars are the values CEL expressions see.
type Vars struct {
	Event  map[string]any            // the event, as event.Event.Map returns it
	Target map[string]any            // the run's target
	Params map[string]any            // the playbook's parameters (see Playbook.Params)
	Steps  map[string]map[string]any // earlier steps' outputs by step id
	Run    Run                       // the run so far
}

// Run is what the CEL variable run holds: the run so far, as the engine
// records it. Routing and planning see an empty one.
type Run struct {
	// Summary has one line per finished step: "step: outcome: message".
	Summary string
	// Changes are the messages of the steps that changed something, in
	// order.
	Changes []string
	// Error is the failure of a failed run, "" otherwise.
	Error string
}

func (r Run) value() map[string]any {
	changes := make([]any, len(r.Changes))
	for i, c := range r.Changes {
		changes[i] = c
	}
	return map[string]any{"summary": r.Summary, "changes": changes, "error": r.Error}
}

func (v Vars) activation() map[string]any {
	ev := v.Event
	if ev == nil {
		ev = map[string]any{}
	}
	detail, ok := ev["detail"]
	if !ok || detail == nil {
		detail = map[string]any{}
	}
	orEmpty := func(m map[string]any) map[string]any {
		if m == nil {
			return map[string]any{}
		}
		return m
	}
	steps := make(map[string]any, len(v.Steps))
	for k, out := range v.Steps {
		steps[k] = orEmpty(out)
	}
	return map[string]any{
		"event":  ev,
		"detail": detail,
		"target": orEmpty(v.Target),
		"params": orEmpty(v.Params),
		"steps":  steps,
		"run":    v.Run.value(),
	}
}

// TargetVars returns t as the target variable of CEL expressions, with
// the keys partition, account, region, type, id, arn, finding_id,
// product_arn, attributes and tags.
func TargetVars(t action.Target) map[string]any {
	attrs := make(map[string]any, len(t.Attributes))
	for k, v := range t.Attributes {
		attrs[k] = v
	}
	tags := make(map[string]any, len(t.Tags))
	for k, v := range t.Tags {
		tags[k] = v
	}
	return map[string]any{
		"partition":   t.Partition,
		"account":     t.Account,
		"region":      t.Region,
		"type":        t.Type,
		"id":          t.ID,
		"arn":         t.ARN,
		"finding_id":  t.FindingID,
		"product_arn": t.ProductARN,
		"attributes":  attrs,
		"tags":        tags,
	}
}

// When reports whether the playbook's condition holds for vars; a
// playbook without a condition always holds.
func (p *Playbook) When(vars Vars) (bool, error) {
	if p.when == nil {
		return true, nil
	}
	ok, err := evalBool(p.when, vars.activation())
	if err != nil {
		return false, fmt.Errorf("playbook %s: when: %w", p.ID, err)
	}
	return ok, nil
}

// ShouldRun reports whether the step's condition holds for vars; a step
// without a condition always runs.
func (s *Step) ShouldRun(vars Vars) (bool, error) {
	if s.cond == nil {
		return true, nil
	}
	ok, err := evalBool(s.cond, vars.activation())
	if err != nil {
		return false, fmt.Errorf("playbook %s: step %s: if: %w", s.playbook, s.ID, err)
	}
	return ok, nil
}

// Render expands the step's templates with vars and, if the playbook was
// loaded with a registry, checks the result against the action's
// parameters, coercing values to their declared types and filling in
// defaults. Errors name the playbook, the step and the parameter.
func (s *Step) Render(vars Vars) (map[string]any, error) {
	act := vars.activation()
	out := make(map[string]any, len(s.with))
	for name, v := range s.with {
		r, err := render(v, act)
		if err != nil {
			return nil, fmt.Errorf("playbook %s: step %s: param %s: %w", s.playbook, s.ID, name, err)
		}
		out[name] = r
	}
	if s.spec == nil {
		return out, nil
	}
	checked, err := s.spec.Check(out)
	if err != nil {
		return nil, fmt.Errorf("playbook %s: step %s: %w", s.playbook, s.ID, err)
	}
	return checked, nil
}

// RenderNotification expands the notification's subject and message
// templates with vars. Empty results mean the engine's standard report.
func (p *Playbook) RenderNotification(vars Vars) (subject, message string, err error) {
	act := vars.activation()
	if p.Notify.subject != nil {
		if subject, err = p.Notify.subject.text(act); err != nil {
			return "", "", fmt.Errorf("playbook %s: notify.subject: %w", p.ID, err)
		}
	}
	if p.Notify.message != nil {
		if message, err = p.Notify.message.text(act); err != nil {
			return "", "", fmt.Errorf("playbook %s: notify.message: %w", p.ID, err)
		}
	}
	return subject, message, nil
}

// Params returns the playbook's parameters: its defaults with overrides
// (typically from configuration) applied. An override must name a
// declared parameter and have the same kind of value as its default
// (string, number, bool, list or map).
func (p *Playbook) Params(overrides map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(p.Defaults))
	for k, v := range p.Defaults {
		out[k] = v
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		def, ok := p.Defaults[k]
		if !ok {
			return nil, fmt.Errorf("playbook %s: params: unknown parameter %q (declared: %s)", p.ID, k, strings.Join(sortedKeys(p.Defaults), ", "))
		}
		v := overrides[k]
		if dk, vk := valueKind(def), valueKind(v); def != nil && dk != vk {
			return nil, fmt.Errorf("playbook %s: params: %s: want a %s like the default %v, got %s %v", p.ID, k, dk, def, vk, v)
		}
		out[k] = v
	}
	return out, nil
}

// Permissions returns the IAM permissions the playbook's steps (its
// verification and on_failure steps included) need with params (the
// playbook's parameters after configuration), split into those needed in
// the target's (member) account and those needed in rectify's own account,
// where a step's action works there for the step's parameters as far as
// they are known before the run (literals, and templates over params
// alone). Each list is sorted, without duplicates.
func (p *Playbook) Permissions(params map[string]any) (member, home []string) {
	act := Vars{Params: params}.activation()
	for _, st := range append(append(append([]*Step(nil), p.Steps...), p.Verify...), p.OnFailure...) {
		spec := st.spec
		if spec == nil {
			continue
		}
		known := make(map[string]any, len(st.with))
		for name, v := range st.with {
			if r, err := render(v, act); err == nil {
				known[name] = r
			}
		}
		if spec.InHome(known) {
			home = append(home, spec.Permissions()...)
		} else {
			member = append(member, spec.Permissions()...)
		}
	}
	return sortedSet(member), sortedSet(home)
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// Actions returns the names of the actions the playbook's steps,
// verification and failure steps use, sorted and without duplicates.
func (p *Playbook) Actions() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append(append([]*Step(nil), p.Steps...), p.Verify...), p.OnFailure...) {
		if !seen[s.Action] {
			seen[s.Action] = true
			out = append(out, s.Action)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func valueKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case []any, []string:
		return "list"
	case map[string]any:
		return "map"
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}
