package dynamodb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/rectify-dev/rectify/internal/store"
)

// PutStep implements store.Store.
func (s *Store) PutStep(ctx context.Context, st store.StepRecord) error {
	const op = "put step"
	if err := store.PrepareStep(&st); err != nil {
		return err
	}
	id := fmt.Sprintf("%s/%d", st.RunID, st.Index)
	it := stepItem(&st)
	if err := checkSize(op, id, it); err != nil {
		return err
	}
	if err := s.put(ctx, it); err != nil {
		return store.Errorf(op, id, err)
	}
	return nil
}

func (s *Store) put(ctx context.Context, it item) error {
	_, err := s.client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(s.table), Item: it})
	return err
}

// Steps implements store.Store.
func (s *Store) Steps(ctx context.Context, runID string) ([]store.StepRecord, error) {
	const op = "steps"
	if err := store.CheckID(op, runID); err != nil {
		return nil, err
	}
	var out []store.StepRecord
	err := s.query(ctx, &query{pk: runPK(runID), prefix: prefixStep}, func(it map[string]types.AttributeValue) error {
		st, err := decodeStep(it)
		if err != nil {
			return err
		}
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, store.Errorf(op, runID, err)
	}
	return out, nil
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, a store.AuditEntry) error {
	const op = "append audit"
	if err := store.PrepareAudit(&a, s.now()); err != nil {
		return err
	}
	it := auditItem(&a, s.seq())
	s.expires(it, a.Time)
	if err := checkSize(op, string(a.Kind), it); err != nil {
		return err
	}
	if err := s.put(ctx, it); err != nil {
		return store.Errorf(op, string(a.Kind), err)
	}
	return nil
}

// Audit implements store.Store. Entries with equal times come back in the
// order they were appended (see the package documentation). With a RunID,
// it reads the run's partition; otherwise the list index's audit
// partition.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	const op = "audit"
	if err := store.CheckFilterTimes(op, f.Since, f.Until); err != nil {
		return nil, err
	}
	q := &query{index: IndexList, pk: listAudit, limit: f.Limit}
	prefix := ""
	if f.RunID != "" {
		q.index, q.pk, prefix = "", runPK(f.RunID), prefixAudit
	}
	q.lo, q.hi = timeBounds(prefix, f.Since, f.Until)
	kinds, filtered := validStrings(f.Kinds, func(k store.AuditKind) bool { return k != "" })
	if filtered && len(kinds) == 0 {
		return nil, nil
	}
	if len(kinds) > 0 {
		q.filter = append(q.filter, oneOf(&q.x, attrStatus, kinds))
	}
	for _, c := range []struct{ attr, val string }{{attrEvent, f.EventID}, {attrPlaybook, f.PlaybookID}} {
		if c.val != "" {
			q.filter = append(q.filter, q.x.name(c.attr)+" = "+q.x.str(c.val))
		}
	}
	var out []store.AuditEntry
	err := s.query(ctx, q, func(it map[string]types.AttributeValue) error {
		a, err := decodeAudit(it)
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, store.Errorf(op, f.RunID, err)
	}
	return out, nil
}

// timeBounds returns the bounds on sort keys of the form
// prefix<time>#<seq> for since <= time < until, zero times meaning
// unbounded. No such key equals either bound.
func timeBounds(prefix string, since, until time.Time) (lo, hi string) {
	lo, hi = prefix, prefix+"~"
	if prefix == "" {
		lo = "0"
	}
	if !since.IsZero() {
		lo = prefix + timeKey(since)
	}
	if !until.IsZero() {
		hi = prefix + timeKey(until)
	}
	return lo, hi
}

// RecordEvent implements store.Store. An event whose other attributes leave
// too little room beside its raw body in one item keeps less of the body
// (see the package documentation).
func (s *Store) RecordEvent(ctx context.Context, e store.EventRecord) error {
	const op = "record event"
	if err := store.PrepareEvent(&e, s.now()); err != nil {
		return err
	}
	it := eventItem(&e, s.seq())
	s.expires(it, e.Received)
	if over := itemSize(it) - (maxItemSize - itemMargin); over > 0 && len(e.Raw) > 0 {
		e.Raw = e.Raw[:max(len(e.Raw)-over, 0)]
		e.Truncated = true
		it.bytes(attrRaw, e.Raw)
		if len(e.Raw) == 0 {
			delete(it, attrRaw)
		}
		it.flag(attrTrunc, true)
	}
	if err := checkSize(op, e.ID, it); err != nil {
		return err
	}
	if err := s.put(ctx, it); err != nil {
		return store.Errorf(op, e.ID, err)
	}
	return nil
}

// ListEvents implements store.Store. With an ID, it reads the partition of
// the events with that ID; otherwise the list index's event partition.
func (s *Store) ListEvents(ctx context.Context, f store.EventFilter) ([]store.EventRecord, error) {
	const op = "list events"
	if err := store.CheckFilterTimes(op, f.Since, f.Until); err != nil {
		return nil, err
	}
	q := &query{index: IndexList, pk: listEvents, backward: true, limit: f.Limit}
	if f.ID != "" {
		q.index, q.pk = "", eventPK(f.ID)
	}
	q.lo, q.hi = timeBounds("", f.Since, f.Until)
	statuses, filtered := validStrings(f.Statuses, store.EventStatus.Valid)
	if filtered && len(statuses) == 0 {
		return nil, nil
	}
	if len(statuses) > 0 {
		q.filter = append(q.filter, oneOf(&q.x, attrStatus, statuses))
	}
	for _, c := range []struct{ attr, val string }{{attrSource, f.Source}, {attrAccount, f.Account}} {
		if c.val != "" {
			q.filter = append(q.filter, q.x.name(c.attr)+" = "+q.x.str(c.val))
		}
	}
	var out []store.EventRecord
	err := s.query(ctx, q, func(it map[string]types.AttributeValue) error {
		e, err := decodeEvent(it)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, store.Errorf(op, f.ID, err)
	}
	return out, nil
}
