package engine

import (
	"strings"

	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

// runVars describes a run so far for the CEL variable run: a line
// "step: outcome: message" for each finished step, in order; the messages
// of the steps that changed something; and failure.
//
// A step that succeeded counts as a change when its action writes: the
// engine records a change as succeeded, and a step with nothing to change
// as already done.
func runVars(steps []*playbook.Step, recs []store.StepRecord, failure string) playbook.Run {
	run := playbook.Run{Error: failure}
	var summary strings.Builder
	for i, st := range steps {
		var rec *store.StepRecord
		for j := range recs {
			if recs[j].Index == i {
				rec = &recs[j]
				break
			}
		}
		if rec == nil {
			continue
		}
		switch rec.Status {
		case store.StepSucceeded, store.StepAlreadyDone, store.StepSkipped, store.StepFailed, store.StepNotFound:
		default:
			continue
		}
		if summary.Len() > 0 {
			summary.WriteByte('\n')
		}
		summary.WriteString(st.ID + ": " + string(rec.Status))
		if rec.Message != "" {
			summary.WriteString(": " + rec.Message)
		}
		if rec.Status == store.StepSucceeded && rec.Message != "" {
			if spec := st.Spec(); spec != nil && len(spec.Writes) > 0 {
				run.Changes = append(run.Changes, rec.Message)
			}
		}
	}
	run.Summary = summary.String()
	return run
}
