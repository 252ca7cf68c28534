package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/rectify-dev/rectify/internal/store"
)

// createAttempts bounds how often CreateRun retries a transaction that
// DynamoDB cancelled because another transaction on the same items was in
// progress.
const createAttempts = 5

// CreateRun implements store.Store.
func (s *Store) CreateRun(ctx context.Context, r *store.Run) (bool, error) {
	if err := store.PrepareNewRun(r, s.now()); err != nil {
		return false, err
	}
	return s.createRun(ctx, r)
}

// createRun creates the prepared run r, as CreateRun does.
func (s *Store) createRun(ctx context.Context, r *store.Run) (bool, error) {
	const op = "create run"
	run := runItem(r)
	if err := checkSize(op, r.Key, run); err != nil {
		return false, err
	}
	keyItem := item{}
	keyItem.str(attrPK, keyPK(r.Key))
	keyItem.str(attrSK, skKey)
	keyItem.str(attrKind, kindKey)
	keyItem.str(attrKey, r.Key)
	keyItem.str(attrRunID, r.ID)
	var x expr
	absent := "attribute_not_exists(" + x.name(attrPK) + ")"
	in := &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(s.table), Item: keyItem,
			ConditionExpression: aws.String(absent), ExpressionAttributeNames: x.names,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		{Put: &types.Put{
			TableName: aws.String(s.table), Item: run,
			ConditionExpression: aws.String(absent), ExpressionAttributeNames: x.names,
		}},
	}}
	for attempt := 1; ; attempt++ {
		// Each attempt is a new transaction: the SDK fills in a new
		// idempotency token, which covers its own retries of the attempt.
		in.ClientRequestToken = nil
		_, err := s.client.TransactWriteItems(ctx, in)
		if err == nil {
			return true, nil
		}
		var tc *types.TransactionCanceledException
		if !errors.As(err, &tc) || len(tc.CancellationReasons) != 2 {
			return false, store.Errorf(op, r.Key, err)
		}
		keyReason, runReason := tc.CancellationReasons[0], tc.CancellationReasons[1]
		switch {
		case aws.ToString(keyReason.Code) == "ConditionalCheckFailed":
			existing, err := s.runOfKey(ctx, r.Key, keyReason.Item)
			if err != nil {
				return false, store.Errorf(op, r.Key, fmt.Errorf("read existing run: %w", err))
			}
			*r = *existing
			return false, nil
		case aws.ToString(runReason.Code) == "ConditionalCheckFailed":
			return false, store.Errorf(op, r.Key, fmt.Errorf("run ID %q is taken by another key: %w", r.ID, store.ErrConflict))
		case isTransactionConflict(tc) && attempt < createAttempts:
			if err := sleep(ctx, time.Duration(attempt)*20*time.Millisecond); err != nil {
				return false, store.Errorf(op, r.Key, err)
			}
		default:
			return false, store.Errorf(op, r.Key, err)
		}
	}
}

func isTransactionConflict(tc *types.TransactionCanceledException) bool {
	for _, r := range tc.CancellationReasons {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return true
		}
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// runOfKey returns the run that holds key, given the key item if the
// failed write returned it.
func (s *Store) runOfKey(ctx context.Context, key string, keyItem map[string]types.AttributeValue) (*store.Run, error) {
	if keyItem == nil {
		out, err := s.client.GetItem(ctx, &ddb.GetItemInput{
			TableName: aws.String(s.table), Key: keyOf(keyPK(key), skKey), ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return nil, err
		}
		if out.Item == nil {
			return nil, fmt.Errorf("key item vanished: %w", store.ErrNotFound)
		}
		keyItem = out.Item
	}
	d := reader{it: keyItem}
	id := d.str(attrRunID)
	if d.err != nil || id == "" {
		return nil, fmt.Errorf("key item has no run ID: %v", d.err)
	}
	return s.getRun(ctx, id)
}

// GetRun implements store.Store.
func (s *Store) GetRun(ctx context.Context, id string) (*store.Run, error) {
	const op = "get run"
	if err := store.CheckID(op, id); err != nil {
		return nil, err
	}
	r, err := s.getRun(ctx, id)
	if err != nil {
		return nil, store.Errorf(op, id, err)
	}
	return r, nil
}

func (s *Store) getRun(ctx context.Context, id string) (*store.Run, error) {
	out, err := s.client.GetItem(ctx, &ddb.GetItemInput{
		TableName: aws.String(s.table), Key: keyOf(runPK(id), skRun), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, store.ErrNotFound
	}
	return decodeRun(out.Item)
}

// UpdateRun implements store.Store.
func (s *Store) UpdateRun(ctx context.Context, r *store.Run) error {
	if err := store.PrepareRunUpdate(r, s.now()); err != nil {
		return err
	}
	return s.updateRun(ctx, r)
}

// updateRun writes the prepared run r, as UpdateRun does.
func (s *Store) updateRun(ctx context.Context, r *store.Run) error {
	const op = "update run"
	it := runItem(r)
	if err := checkSize(op, r.ID, it); err != nil {
		return err
	}
	var x expr
	ver := x.name(attrVersion)
	set := ver + " = " + ver + " + " + x.num(1)
	remove := ""
	for _, a := range runMutable {
		if v, ok := it[a]; ok {
			set += ", " + x.name(a) + " = " + x.value(v)
		} else {
			if remove != "" {
				remove += ", "
			}
			remove += x.name(a)
		}
	}
	update := "SET " + set
	if remove != "" {
		update += " REMOVE " + remove
	}
	out, err := s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 keyOf(runPK(r.ID), skRun),
		UpdateExpression:                    aws.String(update),
		ConditionExpression:                 aws.String(ver + " = " + x.num(r.Version)),
		ExpressionAttributeNames:            x.names,
		ExpressionAttributeValues:           x.values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return conditionError(op, r.ID, err, func(cur *store.Run) string {
			return fmt.Sprintf("version %d is stale, stored version is %d", r.Version, cur.Version)
		})
	}
	got, err := decodeRun(out.Attributes)
	if err != nil {
		return store.Errorf(op, r.ID, err)
	}
	r.Key, r.Created, r.Version = got.Key, got.Created, got.Version
	return nil
}

// conditionError explains why a conditional write to run id failed: with
// no stored run, ErrNotFound; with one, ErrConflict and why(run). Other
// errors are wrapped as they are.
func conditionError(op, id string, err error, why func(*store.Run) string) error {
	var cf *types.ConditionalCheckFailedException
	if !errors.As(err, &cf) {
		return store.Errorf(op, id, err)
	}
	if len(cf.Item) == 0 {
		return store.Errorf(op, id, store.ErrNotFound)
	}
	cur, derr := decodeRun(cf.Item)
	if derr != nil {
		return store.Errorf(op, id, fmt.Errorf("%w (stored run: %v)", store.ErrConflict, derr))
	}
	return store.Errorf(op, id, fmt.Errorf("%s: %w", why(cur), store.ErrConflict))
}

// Claim implements store.Store.
func (s *Store) Claim(ctx context.Context, id, owner string, now, until time.Time) (*store.Run, error) {
	const op = "claim run"
	if err := store.CheckLease(id, owner, now, until); err != nil {
		return nil, err
	}
	var x expr
	lo, lu, ver := x.name(attrLeaseOwner), x.name(attrLeaseUntil), x.name(attrVersion)
	o := x.str(owner)
	update := "SET " + lo + " = " + o + ", " + lu + " = " + x.num(until.UnixNano()) + ", " + ver + " = " + ver + " + " + x.num(1)
	cond := "attribute_exists(" + x.name(attrPK) + ") AND (attribute_not_exists(" + lo + ") OR " + lo + " = " + o +
		" OR attribute_not_exists(" + lu + ") OR " + lu + " <= " + x.num(now.UnixNano()) + ")"
	out, err := s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 keyOf(runPK(id), skRun),
		UpdateExpression:                    aws.String(update),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            x.names,
		ExpressionAttributeValues:           x.values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return nil, conditionError(op, id, err, func(cur *store.Run) string {
			return fmt.Sprintf("leased by %q until %s", cur.LeaseOwner, cur.LeaseUntil.Format(time.RFC3339Nano))
		})
	}
	r, err := decodeRun(out.Attributes)
	if err != nil {
		return nil, store.Errorf(op, id, err)
	}
	return r, nil
}

// Release implements store.Store.
func (s *Store) Release(ctx context.Context, id, owner string) error {
	const op = "release run"
	if err := store.CheckRelease(id, owner); err != nil {
		return err
	}
	var x expr
	lo, ver := x.name(attrLeaseOwner), x.name(attrVersion)
	update := "SET " + ver + " = " + ver + " + " + x.num(1) + " REMOVE " + lo + ", " + x.name(attrLeaseUntil)
	_, err := s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 keyOf(runPK(id), skRun),
		UpdateExpression:                    aws.String(update),
		ConditionExpression:                 aws.String(lo + " = " + x.str(owner)),
		ExpressionAttributeNames:            x.names,
		ExpressionAttributeValues:           x.values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return conditionError(op, id, err, func(cur *store.Run) string {
			if cur.LeaseOwner == "" {
				return fmt.Sprintf("%q holds no lease on it", owner)
			}
			return fmt.Sprintf("leased by %q, not %q", cur.LeaseOwner, owner)
		})
	}
	return nil
}

// ListRuns implements store.Store. It reads the list index's run partition
// from Before back to After, filtering as it goes.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]*store.Run, error) {
	const op = "list runs"
	if err := store.CheckFilterTimes(op, f.After, f.Before); err != nil {
		return nil, err
	}
	q := &query{index: IndexList, pk: listRuns, backward: true, limit: f.Limit}
	if !f.After.IsZero() {
		q.lo = timeKey(f.After) + sortAfterSep
	}
	if !f.Before.IsZero() {
		q.hi = timeKey(f.Before)
	}
	statuses, filtered := validStrings(f.Statuses, store.RunStatus.Valid)
	if filtered && len(statuses) == 0 {
		return nil, nil
	}
	if len(statuses) > 0 {
		q.filter = append(q.filter, oneOf(&q.x, attrStatus, statuses))
	}
	for _, c := range []struct{ attr, val string }{
		{attrPlaybook, f.PlaybookID}, {attrAccount, f.Account}, {attrEvent, f.EventID},
	} {
		if c.val != "" {
			q.filter = append(q.filter, q.x.name(c.attr)+" = "+q.x.str(c.val))
		}
	}
	var out []*store.Run
	err := s.query(ctx, q, func(it map[string]types.AttributeValue) error {
		r, err := decodeRun(it)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, store.Errorf(op, "", err)
	}
	return out, nil
}

// DueRuns implements store.Store. It reads the due index up to now and
// drops runs whose lease is still held.
func (s *Store) DueRuns(ctx context.Context, now time.Time, limit int) ([]*store.Run, error) {
	const op = "due runs"
	if err := store.CheckDue(now); err != nil {
		return nil, err
	}
	q := &query{index: IndexDue, pk: dueRuns, lo: zeroTimeKey, hi: timeKey(now) + sortAfterSep, limit: limit}
	lo, lu := q.x.name(attrLeaseOwner), q.x.name(attrLeaseUntil)
	q.filter = []string{"attribute_not_exists(" + lo + ") OR attribute_not_exists(" + lu + ") OR " + lu + " <= " + q.x.num(now.UnixNano())}
	var out []*store.Run
	err := s.query(ctx, q, func(it map[string]types.AttributeValue) error {
		r, err := decodeRun(it)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, store.Errorf(op, "", err)
	}
	return out, nil
}
