package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rectify-dev/rectify/internal/store"
	"github.com/rectify-dev/rectify/internal/store/storetest"
)

func openT(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openT(t, Memory) })
}

func TestConformanceFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openT(t, filepath.Join(t.TempDir(), "rectify.db"))
	})
}

func TestPersistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	created := time.Date(2026, 11, 24, 4, 30, 0, 5, time.UTC)
	r := &store.Run{Key: "k", PlaybookID: "p", Status: store.RunWaiting, WakeAt: created.Add(time.Minute),
		Input: []byte(`{"a":1}`), Created: created}
	if ok, err := s.CreateRun(ctx, r); err != nil || !ok {
		t.Fatalf("CreateRun = %v, %v", ok, err)
	}
	if err := s.PutStep(ctx, store.StepRecord{RunID: r.ID, Index: 0, Status: store.StepSucceeded, Message: "done"}); err != nil {
		t.Fatalf("PutStep: %v", err)
	}
	if err := s.AppendAudit(ctx, store.AuditEntry{Kind: store.AuditStep, RunID: r.ID, Message: "done"}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if err := s.RecordEvent(ctx, store.EventRecord{ID: "e", Status: store.EventMatched, Raw: []byte("{}")}); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openT(t, path)
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun after reopen: %v", err)
	}
	if got.Key != "k" || got.Status != store.RunWaiting || !got.WakeAt.Equal(r.WakeAt) ||
		!got.Created.Equal(created) || string(got.Input) != `{"a":1}` || got.Version != 1 {
		t.Errorf("run after reopen = %+v, want %+v", got, r)
	}
	due, err := s.DueRuns(ctx, created.Add(time.Hour), 0)
	if err != nil || len(due) != 1 || due[0].ID != r.ID {
		t.Errorf("DueRuns after reopen = %v, %v; want the waiting run", due, err)
	}
	if ok, err := s.CreateRun(ctx, &store.Run{Key: "k", PlaybookID: "p"}); err != nil || ok {
		t.Errorf("CreateRun of the same key after reopen = %v, %v; want a duplicate", ok, err)
	}
	steps, err := s.Steps(ctx, r.ID)
	if err != nil || len(steps) != 1 || steps[0].Message != "done" {
		t.Errorf("Steps after reopen = %v, %v", steps, err)
	}
	audit, err := s.Audit(ctx, store.AuditFilter{RunID: r.ID})
	if err != nil || len(audit) != 1 {
		t.Errorf("Audit after reopen = %v, %v", audit, err)
	}
	events, err := s.ListEvents(ctx, store.EventFilter{})
	if err != nil || len(events) != 1 || events[0].ID != "e" {
		t.Errorf("ListEvents after reopen = %v, %v", events, err)
	}
}

func TestOpenSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "settings.db")
	s := openT(t, path)
	for _, tc := range []struct {
		pragma string
		want   int64
	}{
		{"busy_timeout", BusyTimeout.Milliseconds()},
		{"user_version", int64(SchemaVersion())},
		{"synchronous", 1}, // NORMAL
	} {
		var got int64
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %d, want %d", tc.pragma, got, tc.want)
		}
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no WAL file beside the database: %v", err)
	}
}

func TestOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	for i := range 3 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if err := s.RecordEvent(ctx, store.EventRecord{ID: "e", Status: store.EventUnmatched}); err != nil {
			t.Fatalf("RecordEvent #%d: %v", i+1, err)
		}
		s.Close()
	}
	s := openT(t, path)
	events, err := s.ListEvents(ctx, store.EventFilter{})
	if err != nil || len(events) != 3 {
		t.Errorf("after three opens: %d events, %v; want 3", len(events), err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	newer := SchemaVersion() + 1
	if _, err := db.Exec("PRAGMA user_version = " + itoa(newer)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "schema version "+itoa(newer)) {
		t.Fatalf("Open of a newer schema: error %v, want it to name version %d", err, newer)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path string
		invalid    bool
	}{
		{"empty", "", true},
		{"query", filepath.Join(dir, "a.db?mode=ro"), true},
		{"uri", "file:" + filepath.Join(dir, "a.db"), true},
		{"missing dir", filepath.Join(dir, "no", "such", "dir", "a.db"), false},
		{"directory", dir, false},
	} {
		s, err := Open(ctx, tc.path)
		if err == nil {
			s.Close()
			t.Errorf("%s: Open(%q) succeeded, want an error", tc.name, tc.path)
			continue
		}
		if errors.Is(err, store.ErrInvalid) != tc.invalid {
			t.Errorf("%s: Open(%q) = %v; ErrInvalid %v, want %v", tc.name, tc.path, err, !tc.invalid, tc.invalid)
		}
		if tc.path != "" && !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: error %q does not name the path", tc.name, err)
		}
	}
}

func TestTwoHandlesOneFile(t *testing.T) {
	// Two processes sharing a database are modelled by two Stores on one
	// file: each sees the other's writes, and a key is created once.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, b := openT(t, path), openT(t, path)
	r := &store.Run{Key: "shared", PlaybookID: "p"}
	if ok, err := a.CreateRun(ctx, r); err != nil || !ok {
		t.Fatalf("CreateRun via a = %v, %v", ok, err)
	}
	dup := &store.Run{Key: "shared", PlaybookID: "p"}
	if ok, err := b.CreateRun(ctx, dup); err != nil || ok || dup.ID != r.ID {
		t.Fatalf("CreateRun via b = %v, %v, id %q; want the duplicate of %q", ok, err, dup.ID, r.ID)
	}
	now := time.Now()
	if _, err := a.Claim(ctx, r.ID, "a", now, now.Add(time.Minute)); err != nil {
		t.Fatalf("Claim via a: %v", err)
	}
	if _, err := b.Claim(ctx, r.ID, "b", now, now.Add(time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Claim via b: %v, want ErrConflict", err)
	}
}

func BenchmarkRunStep(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Store {
		return openT(b, filepath.Join(b.TempDir(), "bench.db"))
	})
}

// BenchmarkWrites runs storetest.Writes on a file database, reporting the
// bytes per event from the database file's size after a checkpoint, and
// the requests committed together (req/commit).
func BenchmarkWrites(b *testing.B) {
	storetest.Writes(b, storetest.Bench{
		Open:   func(b *testing.B) store.Store { return openT(b, filepath.Join(b.TempDir(), "bench.db")) },
		Size:   fileSize,
		Report: reportGroups,
	})
}

// reportGroups reports how many requests a commit of s held on average.
func reportGroups(b *testing.B, st store.Store) {
	s := st.(*Store)
	if c := s.w.commits.Load(); c > 0 {
		b.ReportMetric(float64(s.w.requests.Load())/float64(c), "req/commit")
	}
}

// fileSize checkpoints the write-ahead log of a file Store into its
// database and returns the database file's size.
func fileSize(st store.Store) (int64, error) {
	s := st.(*Store)
	for {
		var busy, log, done int
		if err := s.db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
			return 0, err
		}
		if busy == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func BenchmarkRunStepMemory(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Store { return openT(b, Memory) })
}

// BenchmarkWAL writes b.N matched events (storetest.MatchedBatch) from 8
// clients, each event as one Apply, into a file database, and reports the
// largest the write-ahead log grew (wal-max-MB, sampled after every
// event), the database's bytes per event besides the raw body (B/event)
// and the process's peak resident memory (peak-RSS-MB). It fails if the
// log passed 64 MB. Run it for the 100,000 events of the WAL bound:
//
//	go test -run XXX -bench BenchmarkWAL -benchtime 100000x ./internal/store/sqlite/
func BenchmarkWAL(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "wal.db")
	s := openT(b, path)
	size0, err := fileSize(s)
	if err != nil {
		b.Fatal(err)
	}
	const clients = 8
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		maxWAL int64
		werr   error
	)
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var most int64
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					break
				}
				if err := s.Apply(ctx, storetest.MatchedBatch(i, time.Now())); err != nil {
					mu.Lock()
					werr = err
					mu.Unlock()
					break
				}
				if fi, err := os.Stat(path + "-wal"); err == nil {
					most = max(most, fi.Size())
				}
			}
			mu.Lock()
			maxWAL = max(maxWAL, most)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	if werr != nil {
		b.Fatal(werr)
	}
	size, err := fileSize(s)
	if err != nil {
		b.Fatal(err)
	}
	raw := len(storetest.MatchedBatch(0, time.Now()).Events[0].Raw)
	b.ReportMetric(float64(maxWAL)/1e6, "wal-max-MB")
	b.ReportMetric(float64(size-size0-int64(b.N*raw))/float64(b.N), "B/event")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
	}
	if maxWAL > 64<<20 {
		b.Errorf("the write-ahead log grew to %d bytes, past 64 MiB", maxWAL)
	}
}
