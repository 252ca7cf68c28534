package dynamodb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/store"
	"github.com/rectify-dev/rectify/internal/store/storetest"
)

// sim is a simulator on which each test opens stores on tables of its own.
type sim struct {
	srv *awssim.Server
	n   atomic.Int64
}

func startSim(tb testing.TB) *sim { return &sim{srv: awssim.Start(tb)} }

// table returns a new table name.
func (s *sim) table() string { return fmt.Sprintf("rectify-%d", s.n.Add(1)) }

// open opens a Store on a new table, created by Open.
func (s *sim) open(tb testing.TB, opts Options) *Store {
	tb.Helper()
	opts.Create = true
	st, err := Open(context.Background(), s.srv.Config(""), s.table(), opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	sim := startSim(t)
	storetest.Run(t, func(t *testing.T) store.Store { return sim.open(t, Options{}) })
}

// TestConformancePaged runs the suite with filtered queries examining one
// item a page, so that every filtered listing pages through the index.
func TestConformancePaged(t *testing.T) {
	sim := startSim(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s := sim.open(t, Options{})
		s.pageSize = 1
		return s
	})
}

func BenchmarkRunStep(b *testing.B) {
	sim := startSim(b)
	storetest.Benchmark(b, func(b *testing.B) store.Store { return sim.open(b, Options{}) })
}

func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, -2),
		time.Unix(0, -1),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2026, 11, 24, 4, 0, 0, 123456789, time.UTC),
		time.Date(2026, 11, 24, 4, 0, 0, 123456790, time.UTC),
		time.Date(2261, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		a, b := timeKey(times[i-1]), timeKey(times[i])
		if len(a) != 16 || len(b) != 16 {
			t.Fatalf("timeKey lengths %d, %d; want 16", len(a), len(b))
		}
		if a >= b {
			t.Errorf("timeKey(%v) = %s is not before timeKey(%v) = %s", times[i-1], a, times[i], b)
		}
		if zeroTimeKey >= a {
			t.Errorf("zeroTimeKey %s is not before timeKey(%v) = %s", zeroTimeKey, times[i-1], a)
		}
	}
}

func TestSeqIncreases(t *testing.T) {
	s := &Store{now: func() time.Time { return time.Unix(100, 0) }}
	prev := s.seq()
	for range 1000 {
		next := s.seq()
		if next[:16] <= prev[:16] || len(next) != 24 {
			t.Fatalf("seq %s after %s; want a greater 24-digit sequence", next, prev)
		}
		prev = next
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	sim := startSim(t)
	cfg := sim.srv.Config("")
	if _, err := Open(ctx, cfg, "", Options{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open with no table name: %v, want ErrInvalid", err)
	}
	if _, err := Open(ctx, cfg, "t-neg", Options{TTL: -time.Hour}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open with a negative TTL: %v, want ErrInvalid", err)
	}
	var nf *types.ResourceNotFoundException
	if _, err := Open(ctx, cfg, "missing", Options{}); !errors.As(err, &nf) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Open of a missing table: %v, want ResourceNotFoundException naming the table", err)
	}

	// A table without the indexes is refused, naming what is missing.
	cli := ddb.NewFromConfig(cfg)
	_, err := cli.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:   aws.String("bare"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(attrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(attrSK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(attrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(attrSK), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	_, err = Open(ctx, cfg, "bare", Options{Create: true})
	if err == nil || !strings.Contains(err.Error(), "index") || !strings.Contains(err.Error(), "bare") {
		t.Errorf("Open of a table without indexes: %v, want an error naming the table and the index", err)
	}
	_, err = cli.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:   aws.String("other-keys"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	if _, err = Open(ctx, cfg, "other-keys", Options{}); err == nil || !strings.Contains(err.Error(), `"id"`) {
		t.Errorf("Open of a table with other keys: %v, want an error naming its key", err)
	}
}

// TestReopen checks that a second Store on the same table, as in another
// process, sees the first one's runs and competes for the same keys and
// leases.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	sim := startSim(t)
	a := sim.open(t, Options{})
	b, err := Open(ctx, sim.srv.Config(""), a.table, Options{})
	if err != nil {
		t.Fatalf("Open of an existing table: %v", err)
	}
	r := &store.Run{Key: "shared", PlaybookID: "pb"}
	if created, err := a.CreateRun(ctx, r); err != nil || !created {
		t.Fatalf("CreateRun = %v, %v", created, err)
	}
	dup := &store.Run{Key: "shared", PlaybookID: "other"}
	if created, err := b.CreateRun(ctx, dup); err != nil || created || dup.ID != r.ID || dup.PlaybookID != "pb" {
		t.Fatalf("CreateRun of the key through the second store = %v, %v, %+v; want the first run", created, err, dup)
	}
	now := time.Now()
	if _, err := a.Claim(ctx, r.ID, "a", now, now.Add(time.Minute)); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if _, err := b.Claim(ctx, r.ID, "b", now, now.Add(time.Minute)); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("Claim of a leased run through the second store: %v, want ErrConflict naming owner a", err)
	}
}

// rawItem reads an item directly.
func rawItem(t *testing.T, s *Store, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := s.client.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String(s.table), Key: keyOf(pk, sk)})
	if err != nil {
		t.Fatalf("GetItem(%s, %s): %v", pk, sk, err)
	}
	return out.Item
}

// TestDueIndexMembership checks that a run is in the due index exactly
// while its status is resumable.
func TestDueIndexMembership(t *testing.T) {
	ctx := context.Background()
	s := startSim(t).open(t, Options{})
	r := &store.Run{Key: "due", PlaybookID: "pb"}
	if _, err := s.CreateRun(ctx, r); err != nil {
		t.Fatalf("CreateRun: %v", err)
	}
	for _, tc := range []struct {
		status store.RunStatus
		in     bool
	}{
		{store.RunRunning, true},
		{store.RunAwaitingApproval, false},
		{store.RunWaiting, true},
		{store.RunSucceeded, false},
	} {
		r.Status = tc.status
		r.WakeAt = time.Unix(0, 5)
		if err := s.UpdateRun(ctx, r); err != nil {
			t.Fatalf("UpdateRun(%s): %v", tc.status, err)
		}
		it := rawItem(t, s, runPK(r.ID), skRun)
		_, hasPK := it[attrDuePK]
		_, hasSK := it[attrDueSK]
		if hasPK != tc.in || hasSK != tc.in {
			t.Errorf("status %s: due keys present %v/%v, want %v", tc.status, hasPK, hasSK, tc.in)
		}
		due, err := s.DueRuns(ctx, time.Unix(1, 0), 0)
		if err != nil {
			t.Fatalf("DueRuns: %v", err)
		}
		if got := len(due) == 1; got != tc.in {
			t.Errorf("status %s: DueRuns = %d runs, want due %v", tc.status, len(due), tc.in)
		}
	}
}

// TestEventTooLargeForItem checks that an event whose reason leaves too
// little room for the whole raw body keeps a prefix of the body, marked
// truncated, with the size received.
func TestEventTooLargeForItem(t *testing.T) {
	ctx := context.Background()
	s := startSim(t).open(t, Options{})
	raw := bytes.Repeat([]byte("r"), store.MaxRawEvent)
	reason := strings.Repeat("x", 200<<10)
	if err := s.RecordEvent(ctx, store.EventRecord{ID: "huge", Status: store.EventRejected, Reason: reason, Raw: raw}); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	got, err := s.ListEvents(ctx, store.EventFilter{ID: "huge"})
	if err != nil || len(got) != 1 {
		t.Fatalf("ListEvents = %d events, %v; want 1", len(got), err)
	}
	e := got[0]
	if !e.Truncated || e.Size != len(raw) || e.Reason != reason {
		t.Errorf("event truncated %v size %d reason %d bytes; want true, %d, %d", e.Truncated, e.Size, len(e.Reason), len(raw), len(reason))
	}
	if len(e.Raw) == 0 || len(e.Raw) >= len(raw) || !bytes.Equal(e.Raw, raw[:len(e.Raw)]) {
		t.Errorf("kept %d bytes of the %d-byte body, want a non-empty proper prefix", len(e.Raw), len(raw))
	}
	if n := len(e.Raw) + len(e.Reason); n > maxItemSize {
		t.Errorf("raw and reason together are %d bytes, over the item limit", n)
	}

	// A reason that fills an item by itself cannot be stored.
	err = s.RecordEvent(ctx, store.EventRecord{ID: "huger", Status: store.EventRejected, Reason: strings.Repeat("x", maxItemSize)})
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "Reason") {
		t.Errorf("RecordEvent with a 400 KB reason: %v, want ErrInvalid naming Reason", err)
	}
}

func TestItemTooLarge(t *testing.T) {
	ctx := context.Background()
	s := startSim(t).open(t, Options{})
	big := bytes.Repeat([]byte("i"), maxItemSize)
	_, err := s.CreateRun(ctx, &store.Run{Key: "big", PlaybookID: "pb", Input: big})
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "Input") {
		t.Errorf("CreateRun with a 400 KB Input: %v, want ErrInvalid naming Input", err)
	}
	err = s.PutStep(ctx, store.StepRecord{RunID: "r", Status: store.StepSucceeded, Output: big})
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "Output") {
		t.Errorf("PutStep with a 400 KB Output: %v, want ErrInvalid naming Output", err)
	}
	err = s.AppendAudit(ctx, store.AuditEntry{Kind: store.AuditStep, Data: big})
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "Data") {
		t.Errorf("AppendAudit with 400 KB of Data: %v, want ErrInvalid naming Data", err)
	}
	if runs, err := s.ListRuns(ctx, store.RunFilter{}); err != nil || len(runs) != 0 {
		t.Errorf("ListRuns after refused writes = %d runs, %v; want none", len(runs), err)
	}
}

// TestAuditEqualTimes checks that entries of one time come back in the
// order they were appended, across runs and within one.
func TestAuditEqualTimes(t *testing.T) {
	ctx := context.Background()
	s := startSim(t).open(t, Options{})
	at := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	var want, wantRun []string
	for i := range 40 {
		a := store.AuditEntry{Time: at, Kind: store.AuditStep, Message: strconv.Itoa(i)}
		if i%2 == 0 {
			a.RunID = "r1"
			wantRun = append(wantRun, a.Message)
		}
		want = append(want, a.Message)
		if err := s.AppendAudit(ctx, a); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		want []string
	}{
		{"all", store.AuditFilter{}, want},
		{"run", store.AuditFilter{RunID: "r1"}, wantRun},
		{"run bounded", store.AuditFilter{RunID: "r1", Since: at, Until: at.Add(time.Nanosecond), Limit: 3}, wantRun[:3]},
		{"run before", store.AuditFilter{RunID: "r1", Until: at}, nil},
	} {
		got, err := s.Audit(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: Audit: %v", tc.name, err)
		}
		var msgs []string
		for _, a := range got {
			msgs = append(msgs, a.Message)
		}
		if !slices.Equal(msgs, tc.want) {
			t.Errorf("%s: Audit = %v, want %v", tc.name, msgs, tc.want)
		}
	}
}

func TestTTL(t *testing.T) {
	ctx := context.Background()
	const ttl = 90 * 24 * time.Hour
	s := startSim(t).open(t, Options{TTL: ttl})
	d, err := s.client.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String(s.table)})
	if err != nil {
		t.Fatalf("DescribeTimeToLive: %v", err)
	}
	if ds := d.TimeToLiveDescription; ds == nil || aws.ToString(ds.AttributeName) != attrExpires ||
		ds.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Errorf("time to live = %+v, want enabled on %q", ds, attrExpires)
	}
	at := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	if err := s.RecordEvent(ctx, store.EventRecord{ID: "e", Received: at, Status: store.EventUnmatched}); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	if err := s.AppendAudit(ctx, store.AuditEntry{Time: at, Kind: store.AuditReceived, RunID: "r"}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	r := &store.Run{Key: "k", PlaybookID: "pb"}
	if _, err := s.CreateRun(ctx, r); err != nil {
		t.Fatalf("CreateRun: %v", err)
	}
	want := strconv.FormatInt(at.Add(ttl).Unix(), 10)
	out, err := s.client.Scan(ctx, &ddb.ScanInput{TableName: aws.String(s.table)})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	kinds := map[string]string{}
	for _, it := range out.Items {
		d := reader{it: it}
		exp := ""
		if v, ok := it[attrExpires].(*types.AttributeValueMemberN); ok {
			exp = v.Value
		}
		kinds[d.str(attrKind)] = exp
	}
	for kind, wantExp := range map[string]string{kindEvent: want, kindAudit: want, kindRun: "", kindKey: ""} {
		got, ok := kinds[kind]
		if !ok {
			t.Errorf("no %s item in the table", kind)
		} else if got != wantExp {
			t.Errorf("%s item expires %q, want %q", kind, got, wantExp)
		}
	}
}

// TestLongIDs checks that identifiers too long for DynamoDB's keys are kept
// and found through their hashed form.
func TestLongIDs(t *testing.T) {
	ctx := context.Background()
	s := startSim(t).open(t, Options{})
	long := strings.Repeat("i", 3000)
	r := &store.Run{ID: long, Key: strings.Repeat("k", 5000), PlaybookID: "pb"}
	if created, err := s.CreateRun(ctx, r); err != nil || !created {
		t.Fatalf("CreateRun = %v, %v", created, err)
	}
	it := rawItem(t, s, runPK(long), skRun)
	for _, a := range []string{attrPK, attrListSK, attrDueSK} {
		if v, ok := it[a].(*types.AttributeValueMemberS); !ok || len(v.Value) > 1024 {
			t.Errorf("run item attribute %s = %v, want a string of at most 1024 bytes", a, it[a])
		}
	}
	got, err := s.GetRun(ctx, long)
	if err != nil || got.ID != long || got.Key != r.Key {
		t.Fatalf("GetRun of a long ID = %v, %v", got, err)
	}
	if err := s.PutStep(ctx, store.StepRecord{RunID: long, Status: store.StepSucceeded}); err != nil {
		t.Fatalf("PutStep: %v", err)
	}
	if steps, err := s.Steps(ctx, long); err != nil || len(steps) != 1 || steps[0].RunID != long {
		t.Errorf("Steps of a long run ID = %+v, %v", steps, err)
	}
	if err := s.RecordEvent(ctx, store.EventRecord{ID: long, Status: store.EventMatched}); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	if evs, err := s.ListEvents(ctx, store.EventFilter{ID: long}); err != nil || len(evs) != 1 || evs[0].ID != long {
		t.Errorf("ListEvents of a long ID = %d events, %v", len(evs), err)
	}
	if evs, err := s.ListEvents(ctx, store.EventFilter{ID: long[:2999]}); err != nil || len(evs) != 0 {
		t.Errorf("ListEvents of another long ID = %d events, %v; want none", len(evs), err)
	}
}

// TestCreateTableExisting checks that creating a table that exists, as a
// second process would, checks it instead.
func TestCreateTableExisting(t *testing.T) {
	ctx := context.Background()
	sim := startSim(t)
	s := sim.open(t, Options{TTL: time.Hour})
	if err := s.CreateTable(ctx); err != nil {
		t.Errorf("CreateTable of an existing table: %v", err)
	}
	cli := ddb.NewFromConfig(sim.srv.Config(""))
	_, err := cli.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:   aws.String("plain"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(attrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(attrSK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(attrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(attrSK), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	plain := &Store{client: cli, table: "plain", now: time.Now}
	if err := plain.CreateTable(ctx); err == nil || !strings.Contains(err.Error(), "index") {
		t.Errorf("CreateTable over a table without indexes: %v, want an error naming the index", err)
	}
}

// TestFaults checks that throttling is retried by the SDK's standard
// retryer, and that a failed call is reported as itself, not as a conflict
// or a missing run, and changes nothing.
func TestFaults(t *testing.T) {
	ctx := context.Background()
	sim := startSim(t)
	table := sim.table()
	cfg := sim.srv.Config("")
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		})
	}
	retrying, err := Open(ctx, cfg, table, Options{Create: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	sim.srv.SetFault("dynamodb", "TransactWriteItems", awssim.Fault{ThrottleRate: 1, Times: 2})
	r := &store.Run{Key: "throttled", PlaybookID: "pb"}
	if created, err := retrying.CreateRun(ctx, r); err != nil || !created {
		t.Fatalf("CreateRun through two throttled calls = %v, %v; want created", created, err)
	}

	plain, err := Open(ctx, sim.srv.Config(""), table, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	for _, op := range []string{"UpdateItem", "TransactWriteItems", "Query"} {
		sim.srv.SetFault("dynamodb", op, awssim.Fault{ErrorRate: 1, Times: 1})
	}
	r.Status = store.RunRunning
	err = plain.UpdateRun(ctx, r)
	if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) ||
		!strings.Contains(err.Error(), fmt.Sprintf("update run %q", r.ID)) {
		t.Errorf("UpdateRun through a 5xx = %v, want a plain error naming the operation and run", err)
	}
	if r.Version != 1 {
		t.Errorf("failed UpdateRun changed Version to %d", r.Version)
	}
	_, err = plain.CreateRun(ctx, &store.Run{Key: "other", PlaybookID: "pb"})
	if err == nil || errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), `create run "other"`) {
		t.Errorf("CreateRun through a 5xx = %v, want a plain error naming the operation and key", err)
	}
	if _, err := plain.ListRuns(ctx, store.RunFilter{}); err == nil || !strings.Contains(err.Error(), "list runs") {
		t.Errorf("ListRuns through a 5xx = %v, want an error naming the operation", err)
	}
	// The faults are spent: the update goes through with the version it had.
	if err := plain.UpdateRun(ctx, r); err != nil || r.Version != 2 {
		t.Errorf("UpdateRun after the fault = %v, version %d; want success, 2", err, r.Version)
	}
	if runs, err := plain.ListRuns(ctx, store.RunFilter{}); err != nil || len(runs) != 1 {
		t.Errorf("ListRuns = %d runs, %v; want only the first", len(runs), err)
	}
}

// TestApplyUnprocessed checks that Apply writes again what BatchWriteItem
// leaves unprocessed, across calls of 25 items, and that ListEvents by ID
// reads again what BatchGetItem leaves unread.
func TestApplyUnprocessed(t *testing.T) {
	ctx := context.Background()
	sim := startSim(t)
	s := sim.open(t, Options{})
	s.backoffBase = time.Millisecond
	r := &store.Run{ID: store.NewID(time.Now()), Key: "k", PlaybookID: "pb"}
	b := &store.Batch{Create: []*store.Run{r}}
	for i := range 20 {
		b.Events = append(b.Events, store.EventRecord{ID: "same", Status: store.EventDuplicate, Reason: strconv.Itoa(i)})
		b.Steps = append(b.Steps, store.StepRecord{RunID: r.ID, Index: i, Status: store.StepPlanned})
		b.Audit = append(b.Audit, store.AuditEntry{Kind: store.AuditStep, RunID: r.ID, Message: strconv.Itoa(i)})
	}
	// 40 event items and 40 step and audit items: two calls each, the
	// first writes of each left over once.
	sim.srv.LeaveUnprocessed(30)
	if err := s.Apply(ctx, b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	sim.srv.LeaveUnprocessed(70)
	evs, err := s.ListEvents(ctx, store.EventFilter{ID: "same"})
	if err != nil || len(evs) != 20 {
		t.Fatalf("ListEvents = %d events, %v; want 20", len(evs), err)
	}
	sim.srv.LeaveUnprocessed(0)
	if steps, err := s.Steps(ctx, r.ID); err != nil || len(steps) != 20 {
		t.Errorf("Steps = %d, %v; want 20", len(steps), err)
	}
	if audit, err := s.Audit(ctx, store.AuditFilter{RunID: r.ID}); err != nil || len(audit) != 20 {
		t.Errorf("Audit = %d, %v; want 20", len(audit), err)
	}

	// DynamoDB that never gets to the items fails the batch, naming what
	// was left; the run created before the steps stays (Apply is not
	// atomic).
	sim.srv.LeaveUnprocessed(1 << 20)
	r2 := &store.Run{ID: store.NewID(time.Now()), Key: "k2", PlaybookID: "pb"}
	b = &store.Batch{Create: []*store.Run{r2}, Steps: []store.StepRecord{{RunID: r2.ID, Status: store.StepPlanned}}}
	err = s.Apply(ctx, b)
	if err == nil || !strings.Contains(err.Error(), "unprocessed") {
		t.Fatalf("Apply while every item is left unprocessed: %v, want an error saying so", err)
	}
	if !slices.Equal(b.Created, []bool{true}) {
		t.Errorf("Created = %v, want [true]: the run was created before the steps failed", b.Created)
	}
	sim.srv.LeaveUnprocessed(0)
}

// TestEventsBeforeKeys checks that events recorded before events had keys,
// each one item in the partition of its ID, are still listed.
func TestEventsBeforeKeys(t *testing.T) {
	ctx := context.Background()
	s := startSim(t).open(t, Options{})
	at := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	order := timeKey(at) + sortSep + s.seq()
	old := item{}
	old.str(attrPK, eventPK("old"))
	old.str(attrSK, order)
	old.str(attrKind, kindEvent)
	old.str(attrListPK, listEvents)
	old.str(attrListSK, order)
	old.str(attrID, "old")
	old.time(attrReceived, at)
	old.str(attrStatus, string(store.EventMatched))
	old.bytes(attrRaw, []byte(`{"id":"old"}`))
	old.num(attrSize, 12)
	if err := s.put(ctx, old); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	if err := s.RecordEvent(ctx, store.EventRecord{ID: "old", Received: at.Add(time.Second), Status: store.EventDuplicate}); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	evs, err := s.ListEvents(ctx, store.EventFilter{ID: "old"})
	if err != nil || len(evs) != 2 {
		t.Fatalf("ListEvents(old) = %+v, %v; want 2 events", evs, err)
	}
	if evs[0].Status != store.EventDuplicate || evs[0].Key == "" || evs[1].Status != store.EventMatched || evs[1].Key != "" ||
		string(evs[1].Raw) != `{"id":"old"}` {
		t.Errorf("ListEvents(old) = %+v; want the new event, then the old one without a key", evs)
	}
	if evs, err := s.ListEvents(ctx, store.EventFilter{ID: "old", Statuses: []store.EventStatus{store.EventMatched}}); err != nil || len(evs) != 1 {
		t.Errorf("ListEvents(old, matched) = %d events, %v; want the old one", len(evs), err)
	}
	if evs, err := s.ListEvents(ctx, store.EventFilter{}); err != nil || len(evs) != 2 {
		t.Errorf("ListEvents() = %d events, %v; want 2", len(evs), err)
	}
}

// TestLongEventKey checks that a key too long for DynamoDB's keys is kept
// and found through its hashed form.
func TestLongEventKey(t *testing.T) {
	ctx := context.Background()
	s := startSim(t).open(t, Options{})
	key := strings.Repeat("k", 3000)
	if err := s.RecordEvent(ctx, store.EventRecord{Key: key, ID: strings.Repeat("i", 3000), Status: store.EventMatched}); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	got, err := s.GetEvent(ctx, key)
	if err != nil || got.Key != key {
		t.Fatalf("GetEvent of a long key = %v, %v", got, err)
	}
	if _, err := s.GetEvent(ctx, key[:2999]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetEvent of another long key: %v, want ErrNotFound", err)
	}
	if evs, err := s.ListEvents(ctx, store.EventFilter{ID: strings.Repeat("i", 3000)}); err != nil || len(evs) != 1 || evs[0].Key != key {
		t.Errorf("ListEvents of a long ID = %d events, %v", len(evs), err)
	}
}

// BenchmarkWrites runs storetest.Writes against the simulator, reporting
// the DynamoDB calls made per event (calls/event) and the items they wrote
// (items/event). Times and CPU include the simulator's own work, done in
// the same process.
func BenchmarkWrites(b *testing.B) {
	sim := startSim(b)
	var calls, items atomic.Int64
	count := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			calls.Add(1)
			switch p := in.Parameters.(type) {
			case *ddb.BatchWriteItemInput:
				for _, reqs := range p.RequestItems {
					items.Add(int64(len(reqs)))
				}
			case *ddb.TransactWriteItemsInput:
				items.Add(int64(len(p.TransactItems)))
			case *ddb.PutItemInput, *ddb.UpdateItemInput:
				items.Add(1)
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
	storetest.Writes(b, storetest.Bench{
		Open: func(b *testing.B) store.Store {
			s := sim.open(b, Options{ClientOptions: []func(*ddb.Options){func(o *ddb.Options) {
				o.APIOptions = append(o.APIOptions, count)
			}}})
			calls.Store(0)
			items.Store(0)
			return s
		},
		Report: func(b *testing.B, _ store.Store) {
			b.ReportMetric(float64(calls.Load())/float64(b.N), "calls/event")
			b.ReportMetric(float64(items.Load())/float64(b.N), "items/event")
		},
	})
}
