package dynamodb

import (
	"context"

	"github.com/rectify-dev/rectify/internal/store"
)

// Apply implements store.Store. DynamoDB has no transaction that could hold
// a batch (TransactWriteItems takes 100 items of at most 4 MB together, and
// costs twice the write capacity), so Apply is not atomic: it makes the
// writes in order and stops at the first error. Every record is checked,
// and its item built, before anything is written, so a batch with an
// invalid or oversized record writes nothing. The events, and then the
// steps and audit entries, are written with BatchWriteItem, 25 items a
// call (in the same calls, when the batch has no runs to create or
// update); the runs are created and updated one by one, as by CreateRun
// and UpdateRun. b.Created reports the creations made, also when a later
// write failed.
func (s *Store) Apply(ctx context.Context, b *store.Batch) error {
	if err := store.PrepareBatch(b, s.now()); err != nil {
		return err
	}
	events := make([]item, 0, 2*len(b.Events))
	for i := range b.Events {
		it, ref, err := s.eventItems(&b.Events[i])
		if err != nil {
			return err
		}
		events = append(events, it, ref)
	}
	for _, r := range b.Create {
		if err := checkSize("create run", r.Key, runItem(r)); err != nil {
			return err
		}
	}
	for _, r := range b.Update {
		if err := checkSize("update run", r.ID, runItem(r)); err != nil {
			return err
		}
	}
	rest := make([]item, 0, len(b.Steps)+len(b.Audit))
	for i := range b.Steps {
		st := &b.Steps[i]
		it := stepItem(st)
		if err := checkSize("put step", st.RunID, it); err != nil {
			return err
		}
		rest = append(rest, it)
	}
	for i := range b.Audit {
		a := &b.Audit[i]
		it := auditItem(a, s.seq())
		s.expires(it, a.Time)
		if err := checkSize("append audit", string(a.Kind), it); err != nil {
			return err
		}
		rest = append(rest, it)
	}

	created := make([]bool, len(b.Create))
	b.Created = created
	if len(b.Create) == 0 && len(b.Update) == 0 {
		// Nothing between the events and the rest: one stream of calls.
		if err := s.batchWrite(ctx, append(events, rest...)); err != nil {
			return store.Errorf("record events, steps and audit", "", err)
		}
		return nil
	}
	if err := s.batchWrite(ctx, events); err != nil {
		return store.Errorf("record events", "", err)
	}
	for i, r := range b.Create {
		c, err := s.createRun(ctx, r)
		if err != nil {
			return err
		}
		created[i] = c
	}
	for _, r := range b.Update {
		if err := s.updateRun(ctx, r); err != nil {
			return err
		}
	}
	if err := s.batchWrite(ctx, rest); err != nil {
		return store.Errorf("put steps and audit", "", err)
	}
	return nil
}

// Atomic implements store.Atomic: Apply is not atomic.
func (s *Store) Atomic() bool { return false }

var _ store.Atomic = (*Store)(nil)
