package intake

import (
	"errors"

	"github.com/rectify-dev/rectify/internal/engine"
)

// Outcome summarizes what became of one event, as the HTTP intake reports
// it.
type Outcome struct {
	// Index is the event's position in the request, counting from 0.
	Index int `json:"index"`
	// Line is the line on which the event begins, counting from 1.
	Line int `json:"line,omitempty"`
	// ID is the event's id; for rejected input, the id it was recorded
	// under.
	ID string `json:"id,omitempty"`
	// Status is the event's status (matched, unmatched, rejected,
	// duplicate, ignored), or "error" when it could not be handled.
	Status string `json:"status"`
	// Reason explains a rejected, ignored or unmatched event.
	Reason string `json:"reason,omitempty"`
	// Error is why the event could not be handled.
	Error string `json:"error,omitempty"`
	// Runs are the playbooks' decisions, one per playbook and target.
	Runs []RunOutcome `json:"runs,omitempty"`
}

// RunOutcome is one playbook's decision for one target of an event.
type RunOutcome struct {
	Playbook string     `json:"playbook"`
	Target   TargetInfo `json:"target"`
	Mode     string     `json:"mode,omitempty"`
	// RunID is empty when no run was created.
	RunID  string `json:"run_id,omitempty"`
	Status string `json:"status,omitempty"`
	// Duplicate is true when the run already existed.
	Duplicate bool `json:"duplicate,omitempty"`
	// Skipped says why no run was created.
	Skipped string `json:"skipped,omitempty"`
	// Error is the failure of a failed run.
	Error string `json:"error,omitempty"`
}

// TargetInfo identifies the resource a run is about.
type TargetInfo struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Type    string `json:"type"`
	ID      string `json:"id"`
	ARN     string `json:"arn,omitempty"`
	// FindingID is the Security Hub finding the target comes from.
	FindingID string `json:"finding_id,omitempty"`
}

// StatusError is the Outcome status of an event that could not be handled
// for a reason other than its content, such as a store failure.
const StatusError = "error"

// Summarize returns the Outcome of an event from what Handle returned.
func Summarize(m Meta, res *engine.Result, err error) Outcome {
	o := Outcome{Index: m.Index, Line: m.Line}
	if res != nil {
		o.ID, o.Status, o.Reason = res.EventID, string(res.Status), res.Reason
		for _, r := range res.Runs {
			o.Runs = append(o.Runs, RunOutcome{
				Playbook: r.PlaybookID, Mode: r.Mode.String(), RunID: r.RunID,
				Status: string(r.Status), Duplicate: r.Duplicate, Skipped: r.Skipped, Error: r.Error,
				Target: TargetInfo{Account: r.Target.Account, Region: r.Target.Region, Type: r.Target.Type,
					ID: r.Target.ID, ARN: r.Target.ARN, FindingID: r.Target.FindingID},
			})
		}
	}
	if err != nil {
		o.Error = err.Error()
		if !errors.Is(err, engine.ErrRejected) {
			o.Status = StatusError
		}
	}
	if o.Status == "" {
		o.Status = StatusError
	}
	return o
}
