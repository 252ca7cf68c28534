package engine

import (
	"context"
	"fmt"

	"github.com/rectify-dev/rectify/internal/store"
)

// writes collects what one event, or one step of a run, produced, so that
// it is written with one call to the store.
type writes struct {
	events []store.EventRecord
	update []*store.Run
	steps  []store.StepRecord
	audit  []store.AuditEntry
}

func (w *writes) addAudit(a store.AuditEntry) { w.audit = append(w.audit, a) }

func (w *writes) addStep(s store.StepRecord) { w.steps = append(w.steps, s) }

// addUpdate adds a run update; a run is written once per batch, with its
// latest state.
func (w *writes) addUpdate(r *store.Run) {
	for _, u := range w.update {
		if u == r {
			return
		}
	}
	w.update = append(w.update, r)
}

// flush writes what w holds with one Apply and empties it. Audit entries
// without a time get now.
func (e *Engine) flush(ctx context.Context, w *writes) error {
	now := e.now()
	for i := range w.audit {
		if w.audit[i].Time.IsZero() {
			w.audit[i].Time = now
		}
	}
	for _, r := range w.update {
		r.Updated = now
	}
	b := store.Batch{Events: w.events, Update: w.update, Steps: w.steps, Audit: w.audit}
	*w = writes{}
	if b.Empty() {
		return nil
	}
	if err := e.opts.Store.Apply(ctx, &b); err != nil {
		return fmt.Errorf("engine: write: %w", err)
	}
	return nil
}
