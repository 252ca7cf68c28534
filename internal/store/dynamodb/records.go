package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
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
	it, ref, err := s.eventItems(&e)
	if err != nil {
		return err
	}
	if err := s.batchWrite(ctx, []item{it, ref}); err != nil {
		return store.Errorf(op, e.ID, err)
	}
	return nil
}

// eventItems returns the items of the prepared event e: its own, and the
// one that finds it by its ID. A body too large for the item beside the
// other attributes is cut in e.
func (s *Store) eventItems(e *store.EventRecord) (it, ref item, err error) {
	const op = "record event"
	it = eventItem(e, s.seq())
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
		return nil, nil, err
	}
	ref = eventIDItem(e)
	s.expires(ref, e.Received)
	if err := checkSize(op, e.ID, ref); err != nil {
		return nil, nil, err
	}
	return it, ref, nil
}

// GetEvent implements store.Store. It reads the event's item with a
// strongly consistent read.
func (s *Store) GetEvent(ctx context.Context, key string) (*store.EventRecord, error) {
	const op = "get event"
	if err := store.CheckEventKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.GetItem(ctx, &ddb.GetItemInput{
		TableName: aws.String(s.table), Key: keyOf(eventKeyPK(key), skEvent), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, store.Errorf(op, key, err)
	}
	if out.Item == nil {
		return nil, store.Errorf(op, key, store.ErrNotFound)
	}
	e, err := decodeEvent(out.Item)
	if err != nil {
		return nil, store.Errorf(op, key, err)
	}
	if e.Key != key {
		// Another key of the same hash (see idKey).
		return nil, store.Errorf(op, key, store.ErrNotFound)
	}
	return &e, nil
}

// ListEvents implements store.Store. With an ID, it reads the partition of
// the entries that find events by that ID, and then the events; otherwise
// the list index's event partition.
func (s *Store) ListEvents(ctx context.Context, f store.EventFilter) ([]store.EventRecord, error) {
	const op = "list events"
	if err := store.CheckFilterTimes(op, f.Since, f.Until); err != nil {
		return nil, err
	}
	q := &query{index: IndexList, pk: listEvents, backward: true, limit: f.Limit}
	if f.ID != "" {
		q.index, q.pk, q.limit = "", eventPK(f.ID), 0
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
	var (
		out []store.EventRecord
		err error
	)
	if f.ID != "" {
		out, err = s.eventsByID(ctx, q, f, statuses)
	} else {
		err = s.query(ctx, q, func(it map[string]types.AttributeValue) error {
			e, err := decodeEvent(it)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	}
	if err != nil {
		return nil, store.Errorf(op, f.ID, err)
	}
	return out, nil
}

// errEnough stops a query that has found what it was looking for.
var errEnough = errors.New("enough")

// eventsByID runs q, a query of the partition of f.ID's entries, and reads
// the events they name, newest first. An entry whose event has since been
// recorded again under its key with another ID or time no longer names it,
// and is passed over. An item of the partition that is itself an event was
// recorded before events had keys; it is returned as it is, with no Key.
func (s *Store) eventsByID(ctx context.Context, q *query, f store.EventFilter, statuses []store.EventStatus) ([]store.EventRecord, error) {
	var (
		out  []store.EventRecord
		refs []map[string]types.AttributeValue
	)
	done := func() bool { return f.Limit > 0 && len(out) >= f.Limit }
	keep := func(e store.EventRecord) bool {
		return (len(statuses) == 0 || slices.Contains(statuses, e.Status)) &&
			(f.Source == "" || e.Source == f.Source) && (f.Account == "" || e.Account == f.Account)
	}
	flush := func() error {
		if len(refs) == 0 {
			return nil
		}
		keys := make([]map[string]types.AttributeValue, len(refs))
		for i, ref := range refs {
			keys[i] = keyOf(eventKeyPK((&reader{it: ref}).str(attrKey)), skEvent)
		}
		found, err := s.batchGet(ctx, keys)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			d := reader{it: ref}
			key, received := d.str(attrKey), d.time(attrReceived)
			it := found[eventKeyPK(key)]
			if it == nil || done() {
				continue
			}
			e, err := decodeEvent(it)
			if err != nil {
				return err
			}
			if e.Key == key && e.ID == f.ID && e.Received.Equal(received) && keep(e) {
				out = append(out, e)
			}
		}
		refs = refs[:0]
		if done() {
			return errEnough
		}
		return nil
	}
	err := s.query(ctx, q, func(it map[string]types.AttributeValue) error {
		if (&reader{it: it}).str(attrKind) == kindEventID {
			refs = append(refs, it)
			if len(refs) == maxBatchGet {
				return flush()
			}
			return nil
		}
		if err := flush(); err != nil {
			return err
		}
		e, err := decodeEvent(it)
		if err != nil {
			return err
		}
		out = append(out, e)
		if done() {
			return errEnough
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return out, nil
}

// maxBatchGet is the most keys one BatchGetItem call reads.
const maxBatchGet = 100

// batchGet reads the items of keys, at most maxBatchGet, with strongly
// consistent reads, and returns them by partition key.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error) {
	out := make(map[string]map[string]types.AttributeValue, len(keys))
	// Keys are distinct: two entries of one partition name one event.
	seen := map[string]bool{}
	uniq := keys[:0:0]
	for _, k := range keys {
		pk := (&reader{it: k}).str(attrPK)
		if !seen[pk] {
			seen[pk] = true
			uniq = append(uniq, k)
		}
	}
	req := map[string]types.KeysAndAttributes{s.table: {Keys: uniq, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; ; attempt++ {
		res, err := s.client.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, err
		}
		for _, it := range res.Responses[s.table] {
			out[(&reader{it: it}).str(attrPK)] = it
		}
		left := res.UnprocessedKeys[s.table]
		if len(left.Keys) == 0 {
			return out, nil
		}
		if attempt+1 >= batchAttempts {
			return nil, fmt.Errorf("%d keys left unread after %d attempts", len(left.Keys), attempt+1)
		}
		req = res.UnprocessedKeys
		if err := sleep(ctx, s.backoff(attempt)); err != nil {
			return nil, err
		}
	}
}

// maxBatchWrite is the most writes one BatchWriteItem call makes.
const maxBatchWrite = 25

// batchAttempts bounds the calls that write the items of one BatchWriteItem
// call, or read those of one BatchGetItem call, which DynamoDB may leave
// unprocessed when throttled.
const batchAttempts = 8

// backoff is the wait before the next attempt after attempt: 25 ms
// doubling up to 2 s, less up to half at random.
func (s *Store) backoff(attempt int) time.Duration {
	base := 25 * time.Millisecond
	if s.backoffBase > 0 {
		base = s.backoffBase
	}
	d := min(base<<min(attempt, 10), 2*time.Second)
	return d - time.Duration(rand.Int64N(int64(d/2)+1))
}

// batchWrite puts items with BatchWriteItem calls of at most maxBatchWrite
// items, writing again what DynamoDB leaves unprocessed. Of two items with
// the same key, the later is written. It stops at the first error.
func (s *Store) batchWrite(ctx context.Context, items []item) error {
	pos := make(map[[2]string]int, len(items))
	var uniq []item
	for _, it := range items {
		k := [2]string{(&reader{it: it}).str(attrPK), (&reader{it: it}).str(attrSK)}
		if i, ok := pos[k]; ok {
			uniq[i] = it
			continue
		}
		pos[k] = len(uniq)
		uniq = append(uniq, it)
	}
	for len(uniq) > 0 {
		n := min(len(uniq), maxBatchWrite)
		reqs := make([]types.WriteRequest, n)
		for i, it := range uniq[:n] {
			reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
		}
		uniq = uniq[n:]
		req := map[string][]types.WriteRequest{s.table: reqs}
		for attempt := 0; ; attempt++ {
			out, err := s.client.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				return err
			}
			left := out.UnprocessedItems[s.table]
			if len(left) == 0 {
				break
			}
			if attempt+1 >= batchAttempts {
				return fmt.Errorf("%d items left unprocessed after %d attempts", len(left), attempt+1)
			}
			req = out.UnprocessedItems
			if err := sleep(ctx, s.backoff(attempt)); err != nil {
				return err
			}
		}
	}
	return nil
}
