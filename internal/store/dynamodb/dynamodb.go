// Package dynamodb is the store.Store backend for Amazon DynamoDB, for
// deployments where many processes or Lambda invocations share one state.
// It talks to DynamoDB through the aws-sdk-go-v2 client.
//
// # Table
//
// Everything lives in one table with a string partition key "pk" and a
// string sort key "sk", and two global secondary indexes, both projecting
// all attributes:
//
//	index "list": partition "lpk", sort "lsk"   time-ordered listings
//	index "due":  partition "dpk", sort "dsk"   runs that can be resumed
//
// The items, by the "t" attribute that names their kind:
//
//	kind   pk                    sk                     lpk / lsk                 dpk / dsk
//	run    RUN#<id>              RUN                    RUNS / <created>#<id>     DUE / <wake>#<id>, only while resumable
//	key    KEY#<sha256(key)>     KEY                    -                         -
//	step   RUN#<run id>          STEP#<index, 20 digits> -                        -
//	audit  RUN#<run id>          AUDIT#<time>#<seq>     AUDIT / <time>#<seq>      -
//	audit  AUDIT#<time>#<seq>    AUDIT  (no run ID)     AUDIT / <time>#<seq>      -
//	event  EVK#<event key>       EVENT                  EVENTS / <received>#<seq> -
//	evid   EVENT#<event id>      <received>#<event key> -                         -
//
// An event is kept under its Key, so that GetEvent reads it with one
// GetItem and recording the same key again replaces it. The evid item finds
// it by its ID: ListEvents with an ID queries the partition of that ID, then
// reads the events the evid items name (BatchGetItem), passing over an evid
// item whose key has since been recorded again with another ID or time. An
// evid item repeats the status, source and account of its event, so that
// ListEvents filters on them while paging. Events recorded before events
// had keys are event items in the partition EVENT#<event id>, sorted by
// <received>#<seq>; they are listed as they are, with no Key, and GetEvent
// does not find them.
//
// An identifier or key longer than 512 bytes appears in keys as "~sha256:"
// and its SHA-256 in hex, to stay within DynamoDB's key size limits;
// listings order such runs among those of the same time by that hash.
//
// A time in a key is its Unix nanoseconds with the sign bit flipped, as 16
// hex digits, so that keys sort as the times do; a zero wake time is
// 16 zeros, before every other. seq breaks ties between entries of the same
// time: the writing process's clock in nanoseconds, made strictly
// increasing within the process, followed by random bits. Entries of equal
// time therefore come back in the order they were written, up to the
// clock skew between processes.
//
// # Operations
//
// CreateRun writes the key item and the run item in one TransactWriteItems
// call, each on the condition that it does not exist yet. If the key item
// exists, the stored run is read and returned: concurrent creates of one
// key make exactly one run. If only the run item exists, its ID is taken
// by another key (ErrConflict).
//
// UpdateRun, Claim and Release are single UpdateItem calls conditioned on
// the stored version or lease; a failed condition returns the stored item
// (ReturnValuesOnConditionCheckFailure), which tells ErrNotFound from
// ErrConflict without another read. UpdateRun adds a run to the due index
// while its status is pending, running or waiting, and removes it
// otherwise, so the index holds only runs that may need work.
//
// Apply is not atomic (see Store.Apply): it writes the events (two items
// each), then creates and updates the runs one by one, then writes the steps
// and audit entries, stopping at the first error. Events, steps and audit
// entries are written with BatchWriteItem, 25 items a call; the items
// DynamoDB leaves unprocessed are written again, after a backoff that
// starts at 25 ms and doubles, up to 8 attempts. RecordEvent is one
// BatchWriteItem call of the event's two items.
//
// GetRun, GetEvent, Steps and the audit of one run read the base table with
// strongly consistent reads. ListRuns, DueRuns, ListEvents and the audit trail across
// runs query the indexes, which DynamoDB keeps eventually consistent: a
// write may take a moment to show there. DueRuns is therefore only a hint
// of what to resume: Claim works on the run item itself, and the run it
// returns is current, so its caller checks that the run still needs work.
//
// # Costs and limits
//
// Filters other than the time bounds (statuses, playbook, account, event,
// kinds, source) are applied by DynamoDB after it reads each item of the
// listing's time range, page by page, until Limit matches are found: the
// read capacity consumed is that of every item examined, including those
// the filter drops. The indexes project every attribute, so each write of
// a run, event or audit entry is written again to an index, at the same
// size; an event's evid item is small (one write unit) and not indexed.
// CreateRun's transaction costs twice the write capacity of plain writes.
// Each listing is one partition key of its index, which bounds its
// sustained write rate to what DynamoDB gives one partition (about 1,000
// write units a second); beyond that, writes are throttled and retried by
// the SDK.
//
// An item is at most 400 KB. An event keeps the first store.MaxRawEvent
// bytes of its body (256 KiB), which leaves room for the other attributes;
// if they are so large that the body does not fit beside them, the body is
// cut further to fit and Truncated is set, with Size still the length
// received. A run, step or audit entry over the limit, which only an
// enormous Input, Output, Data or message can cause, is refused with
// store.ErrInvalid.
//
// # Retention
//
// With Options.TTL set, events (both items) and audit entries carry the
// attribute "exp", their expiry in Unix seconds, and CreateTable enables time to live on it.
// DynamoDB deletes expired items in the background, typically within days;
// until then they are still listed. Runs, their keys and steps never
// expire.
package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/rectify-dev/rectify/internal/store"
)

// The names of the table's global secondary indexes.
const (
	IndexList = "list"
	IndexDue  = "due"
)

// Options configure a Store.
type Options struct {
	// Create creates the table if it does not exist (see CreateTable).
	Create bool
	// TTL, if positive, is how long events and audit entries are kept
	// before DynamoDB may delete them.
	TTL time.Duration
	// ClientOptions are applied to the DynamoDB client.
	ClientOptions []func(*ddb.Options)
}

// Store is a store.Store kept in a DynamoDB table. It is safe for
// concurrent use, and any number of processes may share one table.
type Store struct {
	client *ddb.Client
	table  string
	ttl    time.Duration
	now    func() time.Time
	// lastSeq is the last tie-breaking sequence number handed out.
	lastSeq atomic.Int64
	// pageSize, if positive, limits the items DynamoDB examines per page of
	// a filtered query; tests set it to make listings span many pages.
	pageSize int32
	// backoffBase, if positive, replaces the first wait before a batch
	// call is made again for the items DynamoDB left unprocessed; tests
	// shorten it.
	backoffBase time.Duration
}

var _ store.Store = (*Store)(nil)

// Open returns a Store on the DynamoDB table named table, reached with
// cfg. It checks that the table exists with the key schema and indexes the
// package describes, creating it first if opts.Create is set and it is
// missing.
func Open(ctx context.Context, cfg aws.Config, table string, opts Options) (*Store, error) {
	if table == "" {
		return nil, fmt.Errorf("store/dynamodb: open: empty table name: %w", store.ErrInvalid)
	}
	if opts.TTL < 0 {
		return nil, fmt.Errorf("store/dynamodb: open %s: negative TTL %v: %w", table, opts.TTL, store.ErrInvalid)
	}
	s := &Store{
		client: ddb.NewFromConfig(cfg, opts.ClientOptions...),
		table:  table,
		ttl:    opts.TTL,
		now:    time.Now,
	}
	out, err := s.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(table)})
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf) && opts.Create:
		if err := s.CreateTable(ctx); err != nil {
			return nil, err
		}
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("store/dynamodb: open %s: %w", table, err)
	}
	if err := checkTable(out.Table); err != nil {
		return nil, fmt.Errorf("store/dynamodb: open %s: %w", table, err)
	}
	return s, nil
}

// checkTable reports how a table's key schema or indexes differ from what
// the Store needs.
func checkTable(d *types.TableDescription) error {
	if d == nil {
		return errors.New("DescribeTable returned no table")
	}
	if err := checkKeys("table", d.KeySchema, attrPK, attrSK); err != nil {
		return err
	}
	want := map[string][2]string{IndexList: {attrListPK, attrListSK}, IndexDue: {attrDuePK, attrDueSK}}
	for _, g := range d.GlobalSecondaryIndexes {
		name := aws.ToString(g.IndexName)
		if w, ok := want[name]; ok {
			if err := checkKeys("index "+name, g.KeySchema, w[0], w[1]); err != nil {
				return err
			}
			if g.Projection == nil || g.Projection.ProjectionType != types.ProjectionTypeAll {
				return fmt.Errorf("index %s does not project all attributes", name)
			}
			delete(want, name)
		}
	}
	for name := range want {
		return fmt.Errorf("table has no global secondary index %q", name)
	}
	return nil
}

func checkKeys(what string, ks []types.KeySchemaElement, hash, rng string) error {
	var h, r string
	for _, k := range ks {
		switch k.KeyType {
		case types.KeyTypeHash:
			h = aws.ToString(k.AttributeName)
		case types.KeyTypeRange:
			r = aws.ToString(k.AttributeName)
		}
	}
	if h != hash || r != rng {
		return fmt.Errorf("%s key is (%q, %q), want (%q, %q)", what, h, r, hash, rng)
	}
	return nil
}

// CreateTable creates the Store's table with on-demand capacity, waits until
// it is active and, if the Store has a TTL, enables time to live. If the
// table exists already, as when another process created it first,
// CreateTable waits for it to be active and checks its key schema and
// indexes instead.
func (s *Store) CreateTable(ctx context.Context) error {
	str := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	keys := func(hash, rng string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange},
		}
	}
	all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
	_, err := s.client.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:   aws.String(s.table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			str(attrPK), str(attrSK), str(attrListPK), str(attrListSK), str(attrDuePK), str(attrDueSK),
		},
		KeySchema: keys(attrPK, attrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String(IndexList), KeySchema: keys(attrListPK, attrListSK), Projection: all},
			{IndexName: aws.String(IndexDue), KeySchema: keys(attrDuePK, attrDueSK), Projection: all},
		},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("store/dynamodb: create table %s: %w", s.table, err)
	}
	d, err := s.waitActive(ctx)
	if err != nil {
		return fmt.Errorf("store/dynamodb: create table %s: %w", s.table, err)
	}
	if inUse != nil {
		if err := checkTable(d); err != nil {
			return fmt.Errorf("store/dynamodb: create table %s: the table exists: %w", s.table, err)
		}
	}
	if s.ttl > 0 {
		cur, err := s.client.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String(s.table)})
		if err != nil {
			return fmt.Errorf("store/dynamodb: enable time to live on %s: %w", s.table, err)
		}
		if t := cur.TimeToLiveDescription; t != nil && aws.ToString(t.AttributeName) == attrExpires &&
			(t.TimeToLiveStatus == types.TimeToLiveStatusEnabled || t.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
			return nil
		}
		_, err = s.client.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{
			TableName: aws.String(s.table),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{
				AttributeName: aws.String(attrExpires), Enabled: aws.Bool(true),
			},
		})
		if err != nil {
			return fmt.Errorf("store/dynamodb: enable time to live on %s: %w", s.table, err)
		}
	}
	return nil
}

// waitActive polls until the table and its indexes are active, and returns
// the table's description.
func (s *Store) waitActive(ctx context.Context) (*types.TableDescription, error) {
	delay := 50 * time.Millisecond
	for {
		out, err := s.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(s.table)})
		if err != nil {
			return nil, err
		}
		active := out.Table != nil && out.Table.TableStatus == types.TableStatusActive
		if active {
			for _, g := range out.Table.GlobalSecondaryIndexes {
				if g.IndexStatus != "" && g.IndexStatus != types.IndexStatusActive {
					active = false
				}
			}
		}
		if active {
			return out.Table, nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for the table to become active: %w", ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// Close implements store.Store. The Store holds no resources of its own.
func (s *Store) Close() error { return nil }

// seq returns a tie-breaker for entries written at the same time: a
// number greater than any this Store returned before and not less than the
// clock's Unix nanoseconds, followed by random bits that keep the keys of
// different processes apart.
func (s *Store) seq() string {
	now := s.now().UnixNano()
	for {
		last := s.lastSeq.Load()
		next := max(now, last+1)
		if s.lastSeq.CompareAndSwap(last, next) {
			return fmt.Sprintf("%016x%08x", uint64(next)^(1<<63), rand.Uint32())
		}
	}
}

// expires sets the TTL attribute of an event or audit item.
func (s *Store) expires(it item, from time.Time) {
	if s.ttl > 0 {
		it.num(attrExpires, from.Add(s.ttl).Unix())
	}
}

// expr accumulates the attribute names and values of an expression.
type expr struct {
	names  map[string]string
	values map[string]types.AttributeValue
}

// name returns the placeholder for attribute a.
func (x *expr) name(a string) string {
	if x.names == nil {
		x.names = map[string]string{}
	}
	p := "#" + a
	x.names[p] = a
	return p
}

// value returns a new placeholder for v.
func (x *expr) value(v types.AttributeValue) string {
	if x.values == nil {
		x.values = map[string]types.AttributeValue{}
	}
	p := ":v" + strconv.Itoa(len(x.values))
	x.values[p] = v
	return p
}

func (x *expr) str(s string) string { return x.value(&types.AttributeValueMemberS{Value: s}) }

func (x *expr) num(n int64) string {
	return x.value(&types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)})
}

// maxIn is the most values DynamoDB accepts in one IN comparison.
const maxIn = 100

// oneOf returns the condition that attribute a is one of vals, which must not
// be empty.
func oneOf[T ~string](x *expr, a string, vals []T) string {
	out := ""
	for i, v := range vals {
		switch {
		case i == 0:
			out = x.name(a) + " IN ("
		case i%maxIn == 0:
			out += ") OR " + x.name(a) + " IN ("
		default:
			out += ", "
		}
		out += x.str(string(v))
	}
	return out + ")"
}

func and(conds []string) string {
	out := ""
	for i, c := range conds {
		if i > 0 {
			out += " AND "
		}
		out += "(" + c + ")"
	}
	return out
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

// query is one listing: a key condition on a view of the table, an
// optional filter, a direction and a limit on the matches.
type query struct {
	index    string // "" for the table
	pk       string // partition key value
	lo, hi   string // inclusive bounds on the sort key; "" for none
	prefix   string // with no bounds, a prefix of the sort key
	filter   []string
	x        expr
	backward bool
	limit    int
}

// query pages through q and calls f for each matching item, until f has
// been called q.limit times.
func (s *Store) query(ctx context.Context, q *query, f func(map[string]types.AttributeValue) error) error {
	pkName, skName := attrPK, attrSK
	switch q.index {
	case IndexList:
		pkName, skName = attrListPK, attrListSK
	case IndexDue:
		pkName, skName = attrDuePK, attrDueSK
	}
	if q.lo != "" && q.hi != "" && q.lo > q.hi {
		return nil
	}
	kc := q.x.name(pkName) + " = " + q.x.str(q.pk)
	switch {
	case q.lo != "" && q.hi != "":
		kc += " AND " + q.x.name(skName) + " BETWEEN " + q.x.str(q.lo) + " AND " + q.x.str(q.hi)
	case q.lo != "":
		kc += " AND " + q.x.name(skName) + " >= " + q.x.str(q.lo)
	case q.hi != "":
		kc += " AND " + q.x.name(skName) + " <= " + q.x.str(q.hi)
	case q.prefix != "":
		kc += " AND begins_with(" + q.x.name(skName) + ", " + q.x.str(q.prefix) + ")"
	}
	in := &ddb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String(kc),
		ExpressionAttributeNames:  q.x.names,
		ExpressionAttributeValues: q.x.values,
		ScanIndexForward:          aws.Bool(!q.backward),
	}
	if q.index != "" {
		in.IndexName = aws.String(q.index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	switch {
	case len(q.filter) > 0:
		in.FilterExpression = aws.String(and(q.filter))
		if s.pageSize > 0 {
			in.Limit = aws.Int32(s.pageSize)
		}
	case q.limit > 0:
		in.Limit = aws.Int32(int32(min(q.limit, 1<<30)))
	}
	n := 0
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return err
		}
		for _, it := range out.Items {
			if err := f(it); err != nil {
				return err
			}
			n++
			if q.limit > 0 && n >= q.limit {
				return nil
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// validStrings returns the distinct valid values of vals, and whether vals
// asked for anything: a filter of only unknown values matches nothing.
func validStrings[T ~string](vals []T, valid func(T) bool) (out []T, filtered bool) {
	seen := map[T]bool{}
	for _, v := range vals {
		if valid(v) && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, len(vals) > 0
}
