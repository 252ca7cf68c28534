package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rectify-dev/rectify/internal/store"
)

// blockOp is a request that holds the lead until released, so that the
// requests queued meanwhile form one group.
type blockOp struct{ started, release chan struct{} }

func (o *blockOp) apply(*writer) error { close(o.started); <-o.release; return nil }
func (o *blockOp) undo()               {}

// holdWriter makes s's writer busy with a blocking request and returns the
// function that waits until n other requests are queued and then releases
// it.
func holdWriter(t *testing.T, s *Store) (queued func(n int), release func()) {
	t.Helper()
	o := &blockOp{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- s.w.do(context.Background(), o) }()
	<-o.started
	queued = func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			s.w.mu.Lock()
			k := len(s.w.pending)
			s.w.mu.Unlock()
			if k >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d requests queued, want %d", k, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	release = func() {
		t.Helper()
		close(o.release)
		if err := <-done; err != nil {
			t.Fatalf("blocking request: %v", err)
		}
	}
	return queued, release
}

// TestGroupCommit checks that requests queued while a commit is in progress
// are committed together, and that those that fail (a stale update, a
// taken run ID) leave no write and get their own error while the others
// commit.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{Memory, filepath.Join(t.TempDir(), "group.db")} {
		s := openT(t, path)
		base := time.Date(2026, 11, 24, 4, 0, 0, 0, time.UTC)
		existing := &store.Run{ID: "taken", Key: "existing", PlaybookID: "pb", Created: base}
		if _, err := s.CreateRun(ctx, existing); err != nil {
			t.Fatalf("CreateRun: %v", err)
		}
		commits0, requests0 := s.w.commits.Load(), s.w.requests.Load()

		queued, release := holdWriter(t, s)
		const n = 12
		errs := make([]error, n)
		batches := make([]*store.Batch, n)
		var wg sync.WaitGroup
		for i := range n {
			r := &store.Run{ID: fmt.Sprintf("run-%d", i), Key: fmt.Sprintf("key-%d", i), PlaybookID: "pb", Created: base}
			b := &store.Batch{
				Events: []store.EventRecord{{Key: fmt.Sprintf("event-%d", i), ID: "e", Status: store.EventMatched}},
				Create: []*store.Run{r},
				Steps:  []store.StepRecord{{RunID: r.ID, Status: store.StepPlanned}},
				Audit:  []store.AuditEntry{{Kind: store.AuditMatched, EventID: "e", RunID: r.ID, Message: fmt.Sprint(i)}},
			}
			switch i % 4 {
			case 1: // a stale update of the existing run
				stale := *existing
				stale.Version = 7
				b.Update = []*store.Run{&stale}
			case 2: // a run ID that another key has
				r.ID = "taken"
				b.Steps[0].RunID, b.Audit[0].RunID = "taken", "taken"
			}
			batches[i] = b
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Apply(ctx, b)
			}()
		}
		queued(n)
		release()
		wg.Wait()

		if c, r := s.w.commits.Load()-commits0, s.w.requests.Load()-requests0; c != 2 || r != n+1 {
			t.Errorf("%s: %d commits of %d requests, want 2 of %d: the queued requests in one group", path, c, r, n+1)
		}
		for i, err := range errs {
			b := batches[i]
			_, evErr := s.GetEvent(ctx, fmt.Sprintf("event-%d", i))
			switch i % 4 {
			case 1, 2:
				if !errors.Is(err, store.ErrConflict) {
					t.Errorf("%s: batch %d: %v, want ErrConflict", path, i, err)
				}
				if !errors.Is(evErr, store.ErrNotFound) {
					t.Errorf("%s: batch %d failed, but its event was written (%v)", path, i, evErr)
				}
				if slices.Contains(b.Created, true) {
					t.Errorf("%s: batch %d failed, but Created = %v", path, i, b.Created)
				}
			default:
				if err != nil {
					t.Errorf("%s: batch %d: %v", path, i, err)
					continue
				}
				if evErr != nil || !slices.Equal(b.Created, []bool{true}) {
					t.Errorf("%s: batch %d: event %v, Created %v", path, i, evErr, b.Created)
				}
				if steps, err := s.Steps(ctx, b.Create[0].ID); err != nil || len(steps) != 1 {
					t.Errorf("%s: batch %d: steps %v, %v", path, i, steps, err)
				}
			}
		}
		// Only the entries of the committed batches are in the audit trail.
		audit, err := s.Audit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatalf("Audit: %v", err)
		}
		var msgs []string
		for _, a := range audit {
			msgs = append(msgs, a.Message)
		}
		slices.Sort(msgs)
		if want := []string{"0", "11", "3", "4", "7", "8"}; !slices.Equal(msgs, want) {
			t.Errorf("%s: audit trail %v, want %v", path, msgs, want)
		}
		if got, err := s.GetRun(ctx, "taken"); err != nil || got.Key != "existing" || got.Version != 1 {
			t.Errorf("%s: existing run = %+v, %v; want it unchanged", path, got, err)
		}
	}
}

// TestWriteCancelled checks that a write whose context ends while it waits
// for the writer is never made, and that one whose context has ended is
// refused.
func TestWriteCancelled(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "cancel.db"))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.RecordEvent(done, store.EventRecord{Key: "k0", ID: "e", Status: store.EventUnmatched}); !errors.Is(err, context.Canceled) {
		t.Errorf("RecordEvent with a done context: %v, want context.Canceled", err)
	}

	queued, release := holdWriter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- s.RecordEvent(ctx, store.EventRecord{Key: "k1", ID: "e", Status: store.EventUnmatched})
	}()
	queued(1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("RecordEvent cancelled while queued: %v, want context.Canceled", err)
	}
	// A request queued behind the cancelled one still goes through.
	errc2 := make(chan error, 1)
	go func() {
		errc2 <- s.RecordEvent(context.Background(), store.EventRecord{Key: "k2", ID: "e", Status: store.EventUnmatched})
	}()
	queued(2)
	release()
	if err := <-errc2; err != nil {
		t.Fatalf("RecordEvent after a cancelled one: %v", err)
	}
	for key, want := range map[string]error{"k0": store.ErrNotFound, "k1": store.ErrNotFound, "k2": nil} {
		if _, err := s.GetEvent(context.Background(), key); !errors.Is(err, want) && (want != nil || err != nil) {
			t.Errorf("GetEvent(%s) = %v, want %v", key, err, want)
		}
	}
}

// TestClose checks that Close waits for the writes in progress and that
// writes after it fail.
func TestClose(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "close.db"))
	if err != nil {
		t.Fatal(err)
	}
	queued, release := holdWriter(t, s)
	errc := make(chan error, 1)
	go func() { errc <- s.RecordEvent(ctx, store.EventRecord{Key: "k", ID: "e", Status: store.EventUnmatched}) }()
	queued(1)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a write was in progress", err)
	case <-time.After(20 * time.Millisecond):
	}
	release()
	if err := <-errc; err != nil {
		t.Errorf("write queued before Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.RecordEvent(ctx, store.EventRecord{ID: "e", Status: store.EventUnmatched}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("RecordEvent after Close: %v, want an error saying the store is closed", err)
	}
}

// TestWALBounded checks that the write-ahead log's file stays near the size
// at which the log restarts while 8 clients write, and that readers do not
// keep it from restarting.
func TestWALBounded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	const limit = 256 << 10
	s, err := open(ctx, path, limit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const clients, each = 8, 100
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		maxWAL int64
		errs   []error
	)
	stop := make(chan struct{})
	// Readers read all along.
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.ListEvents(ctx, store.EventFilter{Limit: 5}); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for c := range clients {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range each {
				r := &store.Run{ID: store.NewID(time.Now()), Key: fmt.Sprintf("%d-%d", c, i), PlaybookID: "pb"}
				b := &store.Batch{
					Events: []store.EventRecord{{ID: fmt.Sprintf("e-%d-%d", c, i), Status: store.EventMatched, Raw: make([]byte, 1024)}},
					Create: []*store.Run{r},
					Steps:  []store.StepRecord{{RunID: r.ID, Status: store.StepPlanned}, {RunID: r.ID, Index: 1, Status: store.StepPlanned}},
					Audit:  []store.AuditEntry{{Kind: store.AuditMatched, RunID: r.ID}, {Kind: store.AuditPlanned, RunID: r.ID}},
				}
				err := s.Apply(ctx, b)
				fi, serr := os.Stat(path + "-wal")
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				if serr == nil {
					maxWAL = max(maxWAL, fi.Size())
				}
				mu.Unlock()
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d errors, first: %v", len(errs), errs[0])
	}
	// The log passes the limit by at most the commit that crossed it: one
	// group of at most 8 batches of at most 20 pages.
	slack := int64(clients * 20 * (4096 + 24))
	t.Logf("write-ahead log at most %d bytes, restarted past %d", maxWAL, limit)
	if maxWAL > limit+slack {
		t.Errorf("write-ahead log reached %d bytes, want at most %d + %d", maxWAL, limit, slack)
	}
	if s.w.commits.Load() < 2 {
		t.Errorf("%d commits", s.w.commits.Load())
	}
	// Without checkpoints the log would hold every page written.
	if written := s.w.requests.Load() * 10 * 4096; written < 4*limit {
		t.Errorf("the test wrote only about %d bytes, too little to show the bound", written)
	}
}

// TestQueryPlans checks that the frequent reads use the indexes meant for
// them, rather than reading whole tables.
func TestQueryPlans(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "plans.db"))
	for _, tc := range []struct {
		name, query string
		args        []any
		want        string
	}{
		{"due runs", readSQL[readDue], []any{int64(1), -1}, "runs_due"},
		{"run", readSQL[readRun], []any{"id"}, "INTEGER PRIMARY KEY"},
		{"event", readSQL[readEvent], []any{"key"}, "sqlite_autoindex_events_1"},
		{"steps", readSQL[readSteps], []any{"id"}, "PRIMARY KEY"},
		{"run by key", stmtSQL[stmtRunByKey], []any{"key"}, "sqlite_autoindex_runs_1"},
		{"audit of a run", `SELECT * FROM audit a WHERE a.run = ` + nameNumber + ` ORDER BY a.time, a.seq`, []any{"r"}, "audit_run"},
		{"audit of an event", `SELECT * FROM audit a WHERE (a.event = ` + nameNumber + ` OR a.event IS NULL AND a.run IN (SELECT id FROM runs WHERE event = ` + nameNumber + `))`, []any{"e", "e"}, "audit_event"},
		{"runs of an event", `SELECT * FROM runs r WHERE r.event = ` + nameNumber, []any{"e"}, "runs_event"},
		{"newest events", `SELECT * FROM events e ORDER BY e.received DESC, e.seq DESC LIMIT 10`, nil, "events_received"},
		{"newest runs", `SELECT * FROM runs r ORDER BY r.created DESC, r.id DESC LIMIT 10`, nil, "runs_created"},
	} {
		rows, err := s.db.Query("EXPLAIN QUERY PLAN "+tc.query, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if !strings.Contains(joined, tc.want) {
			t.Errorf("%s: plan %q does not use %s", tc.name, joined, tc.want)
		}
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "USING") && !strings.Contains(step, "CONSTANT") {
				t.Errorf("%s: plan %q reads a whole table", tc.name, joined)
			}
		}
	}
}

// TestMigrateFromV1 checks that a database written with the first schema
// is migrated with every record intact.
func TestMigrateFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 24, 4, 0, 0, 0, time.UTC).UnixNano()
	for _, q := range []string{
		migrations[0],
		`PRAGMA user_version = 1`,
		fmt.Sprintf(`INSERT INTO events (id, received, source, detail_type, account, region, status, reason, playbooks, raw, size, truncated)
			VALUES ('e1', %d, 'aws.iam', 'AWS API Call via CloudTrail', '111122223333', 'us-east-1', 'matched', '', '["p1"]', x'7b7d', 2, 0),
			('e2', %d, '', '', '', '', 'rejected', 'bad json', '', NULL, 0, 0)`, at, at+1),
		fmt.Sprintf(`INSERT INTO runs VALUES ('r1', 'k1', 'p1', 'e1', '111122223333', 'us-east-1', 'AwsIamAccessKey', 'AKIA1',
			'arn:aws:iam::111122223333:user/a', '', '', 'auto', 'waiting', 1, %d, 2, 'throttled', x'7b7d', 0, %d, %d, 'w', %d, 5)`,
			at+10, at, at+2, at+20),
		`INSERT INTO steps VALUES ('r1', 0, 'deactivate', 'iam.update-access-key', 'succeeded', 'done', NULL, 1, NULL, NULL)`,
		fmt.Sprintf(`INSERT INTO audit (time, kind, event_id, run_id, playbook_id, message, data) VALUES
			(%d, 'matched', 'e1', '', '', 'matched p1', NULL),
			(%d, 'started', 'e1', 'r1', 'p1', 'started', NULL),
			(%d, 'step', 'e9', 'r1', 'p1', 'other event', x'01'),
			(%d, 'step', '', 'r1', 'p1', 'no event', NULL)`, at, at+1, at+1, at+2),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s := openT(t, path)
	r, err := s.GetRun(ctx, "r1")
	if err != nil {
		t.Fatalf("GetRun after migration: %v", err)
	}
	want := store.Run{ID: "r1", Key: "k1", PlaybookID: "p1", EventID: "e1",
		Target: store.Target{Account: "111122223333", Region: "us-east-1", ResourceType: "AwsIamAccessKey", ResourceID: "AKIA1",
			ARN: "arn:aws:iam::111122223333:user/a"},
		Mode: store.ModeAuto, Status: store.RunWaiting, NextStep: 1, WakeAt: time.Unix(0, at+10).UTC(), Attempts: 2,
		Error: "throttled", Input: []byte("{}"), Created: time.Unix(0, at).UTC(), Updated: time.Unix(0, at+2).UTC(),
		LeaseOwner: "w", LeaseUntil: time.Unix(0, at+20).UTC(), Version: 5}
	if fmt.Sprint(*r) != fmt.Sprint(want) {
		t.Errorf("migrated run\n got %+v\nwant %+v", *r, want)
	}
	if due, err := s.DueRuns(ctx, time.Unix(0, at+30), 0); err != nil || len(due) != 1 || due[0].ID != "r1" {
		t.Errorf("DueRuns after migration = %v, %v", due, err)
	}
	evs, err := s.ListEvents(ctx, store.EventFilter{})
	if err != nil || len(evs) != 2 {
		t.Fatalf("ListEvents after migration = %+v, %v", evs, err)
	}
	if e := evs[1]; e.Key != "v1-1" || e.ID != "e1" || e.Source != "aws.iam" || e.Status != store.EventMatched ||
		!slices.Equal(e.Playbooks, []string{"p1"}) || string(e.Raw) != "{}" || e.Size != 2 {
		t.Errorf("migrated event %+v", e)
	}
	if e, err := s.GetEvent(ctx, "v1-2"); err != nil || e.ID != "e2" || e.Reason != "bad json" || e.Status != store.EventRejected {
		t.Errorf("GetEvent(v1-2) = %+v, %v", e, err)
	}
	if steps, err := s.Steps(ctx, "r1"); err != nil || len(steps) != 1 || steps[0].Name != "deactivate" || steps[0].Status != store.StepSucceeded {
		t.Errorf("migrated steps %+v, %v", steps, err)
	}
	audit, err := s.Audit(ctx, store.AuditFilter{})
	if err != nil || len(audit) != 4 {
		t.Fatalf("migrated audit %+v, %v", audit, err)
	}
	for i, w := range [][2]string{{"e1", ""}, {"e1", "r1"}, {"e9", "r1"}, {"", "r1"}} {
		if audit[i].EventID != w[0] || audit[i].RunID != w[1] {
			t.Errorf("audit entry %d: event %q run %q, want %q %q", i, audit[i].EventID, audit[i].RunID, w[0], w[1])
		}
	}
	if byEvent, err := s.Audit(ctx, store.AuditFilter{EventID: "e1"}); err != nil || len(byEvent) != 2 {
		t.Errorf("Audit(e1) after migration = %d entries, %v; want 2", len(byEvent), err)
	}
	if dup := (&store.Run{Key: "k1", PlaybookID: "p1"}); true {
		if created, err := s.CreateRun(ctx, dup); err != nil || created || dup.ID != "r1" {
			t.Errorf("CreateRun of a migrated key = %v, %v, %q; want the migrated run", created, err, dup.ID)
		}
	}
}
