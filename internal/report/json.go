package report

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

// The JSON renderings (rectify -o json) are for programs. Their keys are
// snake_case; a key whose value is empty is left out; times are RFC 3339.
// Text in them is not escaped for a terminal: a JSON encoder escapes
// control characters itself.

// TargetJSON is a run's target.
type TargetJSON struct {
	Account    string            `json:"account,omitempty"`
	Region     string            `json:"region,omitempty"`
	Type       string            `json:"type,omitempty"`
	ID         string            `json:"id,omitempty"`
	ARN        string            `json:"arn,omitempty"`
	FindingID  string            `json:"finding_id,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

func eventTarget(t event.Target) TargetJSON {
	return TargetJSON{Account: t.Account, Region: t.Region, Type: t.Type, ID: t.ID, ARN: t.ARN, FindingID: t.FindingID, Attributes: t.Attributes}
}

func storeTarget(t store.Target) TargetJSON {
	return TargetJSON{Account: t.Account, Region: t.Region, Type: t.ResourceType, ID: t.ResourceID, ARN: t.ARN, FindingID: t.FindingID}
}

// StepJSON is a recorded step.
type StepJSON struct {
	Index    int             `json:"index"`
	Name     string          `json:"name"`
	Action   string          `json:"action"`
	Status   string          `json:"status"`
	Message  string          `json:"message,omitempty"`
	Output   json.RawMessage `json:"output,omitempty"`
	Attempts int             `json:"attempts,omitempty"`
	Started  *time.Time      `json:"started,omitempty"`
	Finished *time.Time      `json:"finished,omitempty"`
}

func stepsJSON(steps []store.StepRecord) []StepJSON {
	out := make([]StepJSON, 0, len(steps))
	for _, s := range steps {
		j := StepJSON{Index: s.Index, Name: s.Name, Action: s.Action, Status: string(s.Status), Message: s.Message,
			Attempts: s.Attempts, Started: timePtr(s.Started), Finished: timePtr(s.Finished)}
		if json.Valid(s.Output) {
			j.Output = s.Output
		}
		out = append(out, j)
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// EventRunJSON is one playbook's decision for one target of an event.
type EventRunJSON struct {
	Playbook  string     `json:"playbook"`
	Target    TargetJSON `json:"target"`
	Mode      string     `json:"mode"`
	RunID     string     `json:"run_id,omitempty"`
	Status    string     `json:"status,omitempty"`
	Duplicate bool       `json:"duplicate,omitempty"`
	Skipped   string     `json:"skipped,omitempty"`
	Error     string     `json:"error,omitempty"`
	Steps     []StepJSON `json:"steps,omitempty"`
}

// EventJSON is what became of one event.
type EventJSON struct {
	// Origin says where the event came from: FILE, FILE:LINE or
	// FILE[INDEX].
	Origin string         `json:"origin,omitempty"`
	ID     string         `json:"id,omitempty"`
	Status string         `json:"status"`
	Reason string         `json:"reason,omitempty"`
	Error  string         `json:"error,omitempty"`
	Runs   []EventRunJSON `json:"runs,omitempty"`
}

// NewEventJSON returns what became of an event, as Event writes it.
func NewEventJSON(origin string, res *engine.Result, err error, steps map[string][]store.StepRecord) EventJSON {
	j := EventJSON{Origin: origin, Status: "error"}
	if err != nil {
		j.Error = err.Error()
	}
	if res == nil {
		return j
	}
	j.ID, j.Status, j.Reason = res.EventID, string(res.Status), res.Reason
	if err != nil && !errors.Is(err, engine.ErrRejected) {
		j.Status = "error"
	}
	for _, r := range res.Runs {
		rj := EventRunJSON{Playbook: r.PlaybookID, Target: eventTarget(r.Target), Mode: r.Mode.String(), RunID: r.RunID,
			Status: string(r.Status), Duplicate: r.Duplicate, Skipped: r.Skipped, Error: r.Error}
		if s, ok := steps[r.RunID]; ok && r.RunID != "" {
			rj.Steps = stepsJSON(s)
		}
		j.Runs = append(j.Runs, rj)
	}
	return j
}

// PlanStepJSON is one step of a plan.
type PlanStepJSON struct {
	ID          string         `json:"id"`
	Action      string         `json:"action"`
	Description string         `json:"description,omitempty"`
	Params      map[string]any `json:"params,omitempty"`
	// Plan is planned, conditional or skipped; Note says why.
	Plan        string   `json:"plan"`
	Note        string   `json:"note,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
	// Home marks a step that works in rectify's own account; OnFailure
	// one that runs only if the run fails.
	Home      bool `json:"home,omitempty"`
	OnFailure bool `json:"on_failure,omitempty"`
}

// PlanRunJSON is what one playbook would do for one target.
type PlanRunJSON struct {
	Playbook string         `json:"playbook"`
	Title    string         `json:"title,omitempty"`
	Target   TargetJSON     `json:"target"`
	Mode     string         `json:"mode"`
	Skipped  string         `json:"skipped,omitempty"`
	Steps    []PlanStepJSON `json:"steps,omitempty"`
}

// PlanJSON is what rectify would do with one event.
type PlanJSON struct {
	Origin string        `json:"origin,omitempty"`
	ID     string        `json:"id,omitempty"`
	Status string        `json:"status"`
	Reason string        `json:"reason,omitempty"`
	Error  string        `json:"error,omitempty"`
	Plans  []PlanRunJSON `json:"plans"`
}

// NewPlanJSON returns what Plan writes, for programs.
func NewPlanJSON(origin string, res *engine.Result, plans []engine.PlannedRun, err error) PlanJSON {
	j := PlanJSON{Origin: origin, Status: "error", Plans: []PlanRunJSON{}}
	if err != nil {
		j.Error = err.Error()
	}
	if res != nil {
		j.ID, j.Status, j.Reason = res.EventID, string(res.Status), res.Reason
	}
	for _, p := range plans {
		pj := PlanRunJSON{Playbook: p.PlaybookID, Title: p.Title, Target: eventTarget(p.Target), Mode: p.Mode.String(), Skipped: p.Skipped}
		for _, s := range p.Steps {
			pj.Steps = append(pj.Steps, planStepJSON(s))
		}
		j.Plans = append(j.Plans, pj)
	}
	return j
}

func planStepJSON(s engine.PlannedStep) PlanStepJSON {
	return PlanStepJSON{ID: s.ID, Action: s.Action, Description: s.Description, Params: s.Params, Plan: s.Plan.String(), Note: s.Note,
		Permissions: s.Permissions, Home: s.Home, OnFailure: s.OnFailure}
}

// RunJSON is a recorded run; Steps and Audit are set when it is shown on
// its own.
type RunJSON struct {
	ID       string      `json:"id"`
	Playbook string      `json:"playbook"`
	Event    string      `json:"event"`
	Target   TargetJSON  `json:"target"`
	Mode     string      `json:"mode"`
	Status   string      `json:"status"`
	Error    string      `json:"error,omitempty"`
	Attempts int         `json:"attempts"`
	Created  time.Time   `json:"created"`
	Updated  time.Time   `json:"updated"`
	WakeAt   *time.Time  `json:"wake_at,omitempty"`
	Steps    []StepJSON  `json:"steps,omitempty"`
	Audit    []AuditJSON `json:"audit,omitempty"`
}

// AuditJSON is an audit entry.
type AuditJSON struct {
	Time     time.Time       `json:"time"`
	Kind     string          `json:"kind"`
	Event    string          `json:"event,omitempty"`
	Run      string          `json:"run,omitempty"`
	Playbook string          `json:"playbook,omitempty"`
	Message  string          `json:"message"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// NewRunJSON returns a run with its steps and audit trail (either may be
// nil).
func NewRunJSON(r *store.Run, steps []store.StepRecord, audit []store.AuditEntry) RunJSON {
	j := RunJSON{ID: r.ID, Playbook: r.PlaybookID, Event: r.EventID, Target: storeTarget(r.Target), Mode: string(r.Mode),
		Status: string(r.Status), Error: r.Error, Attempts: r.Attempts, Created: r.Created.UTC(), Updated: r.Updated.UTC()}
	if r.Status == store.RunWaiting {
		j.WakeAt = timePtr(r.WakeAt)
	}
	if steps != nil {
		j.Steps = stepsJSON(steps)
	}
	for _, a := range audit {
		aj := AuditJSON{Time: a.Time.UTC(), Kind: string(a.Kind), Event: a.EventID, Run: a.RunID, Playbook: a.PlaybookID, Message: a.Message}
		if json.Valid(a.Data) {
			aj.Data = a.Data
		}
		j.Audit = append(j.Audit, aj)
	}
	return j
}

// RunsJSON writes a list of runs as a JSON array.
func RunsJSON(w io.Writer, runs []*store.Run) error {
	out := make([]RunJSON, 0, len(runs))
	for _, r := range runs {
		out = append(out, NewRunJSON(r, nil, nil))
	}
	return JSON(w, out)
}

// PlaybookJSON is a playbook with its settings after configuration.
type PlaybookJSON struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	DefinedAt   string          `json:"defined_at"`
	Mode        string          `json:"mode"`
	Enabled     bool            `json:"enabled"`
	Sources     []string        `json:"sources"`
	Trigger     json.RawMessage `json:"trigger"`
	When        string          `json:"when,omitempty"`
	// Params are the parameters in effect: the playbook's defaults with
	// the configuration's overrides, listed in Overridden.
	Params     map[string]any `json:"params,omitempty"`
	Overridden []string       `json:"overridden,omitempty"`
	Steps      []StepDefJSON  `json:"steps,omitempty"`
	Verify     []StepDefJSON  `json:"verify,omitempty"`
	Notify     []string       `json:"notify,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
	// Permissions are what the remediation role in a member account
	// needs; HomePermissions what rectify's own role needs in the account
	// it runs in (reporting to a central Security Hub).
	Permissions     []string `json:"permissions,omitempty"`
	HomePermissions []string `json:"home_permissions,omitempty"`
}

// StepDefJSON is a step as a playbook defines it.
type StepDefJSON struct {
	ID          string         `json:"id"`
	Action      string         `json:"action"`
	If          string         `json:"if,omitempty"`
	With        map[string]any `json:"with,omitempty"`
	Timeout     string         `json:"timeout,omitempty"`
	Permissions []string       `json:"permissions,omitempty"`
}

// NewPlaybookJSON returns a playbook row; with detail, its steps and
// the permissions of the member and home accounts are included.
func NewPlaybookJSON(r PlaybookRow, detail bool, member, home []string) PlaybookJSON {
	pb := r.Playbook
	trigger := json.RawMessage(pb.Trigger)
	if !json.Valid(trigger) {
		trigger = json.RawMessage("null")
	}
	j := PlaybookJSON{ID: pb.ID, Title: pb.Title, DefinedAt: pb.Pos.String(), Mode: r.Mode.String(), Enabled: r.Enabled,
		Sources: TriggerSources(pb.Trigger), Trigger: trigger}
	if !detail {
		return j
	}
	j.Description, j.When, j.Notify, j.Tags = pb.Description, pb.Condition, pb.Notify.Channels, pb.Tags
	j.Permissions, j.HomePermissions = member, home
	j.Params, j.Overridden = r.effectiveParams()
	for _, s := range pb.Steps {
		j.Steps = append(j.Steps, stepDefJSON(s))
	}
	for _, s := range pb.Verify {
		j.Verify = append(j.Verify, stepDefJSON(s))
	}
	return j
}

// JSON writes v as indented JSON followed by a newline.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func stepDefJSON(s *playbook.Step) StepDefJSON {
	j := StepDefJSON{ID: s.ID, Action: s.Action, If: s.If, With: s.With}
	if s.Timeout > 0 {
		j.Timeout = s.Timeout.String()
	}
	if spec := s.Spec(); spec != nil {
		j.Permissions = spec.Permissions()
	}
	return j
}
