// Package sqlite is the embedded store.Store backend: one SQLite database
// file, through modernc.org/sqlite (pure Go, no cgo).
//
// A file database runs in WAL mode with synchronous=NORMAL, so readers do not
// block the writer and a committed write survives a process crash; a busy
// timeout makes concurrent writers, including other processes, wait for each
// other instead of failing.
//
// Every write goes through one connection. The writes that concurrent
// callers queue while a commit is in progress are committed together, in
// one transaction, by the first of them (group commit): Apply is atomic,
// and a batch that fails leaves no write and gets its own error while the
// others commit. A caller returns once the commit holding its writes is
// done.
// The write-ahead log is kept bounded: it is copied into the database in
// the background as it grows, and past 32 MiB it is checkpointed and
// restarted, the Store's readers held off for that moment. Reads use a
// pool of other connections.
//
// Identifiers are stored once, in a table of names, and rows refer to them
// by number (see the schema). The schema is versioned by PRAGMA user_version
// and migrated forward by Open; a database written by a newer rectify is
// refused.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rectify-dev/rectify/internal/store"
)

// Memory is the path that opens a private in-memory database, which
// disappears on Close. It is meant for tests and dry runs.
const Memory = ":memory:"

// BusyTimeout is how long a write waits for another connection or process
// holding the database's write lock before it fails.
const BusyTimeout = 5 * time.Second

// maxConns bounds the connections that read a file database.
const maxConns = 8

// Store is a store.Store kept in a SQLite database. It is safe for
// concurrent use.
type Store struct {
	path string
	db   *sql.DB // reads
	w    *writer // writes
	now  func() time.Time
	// gate is held by every read, and taken by the writer while it
	// restarts the write-ahead log.
	gate sync.RWMutex
	// reads are the prepared statements of the frequent reads, indexed by
	// the read* constants.
	reads [numReads]*sql.Stmt
	// kick asks the background checkpointer of a file database to run;
	// checkpointed is closed when it has stopped.
	kick         chan struct{}
	checkpointed chan struct{}
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Atomic = (*Store)(nil)
)

// memSeq numbers the in-memory databases of the process.
var memSeq atomic.Int64

// Open opens the SQLite database at path, creating the file if needed, and
// migrates its schema to the current version. The path Memory (":memory:")
// opens a private in-memory database.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, checkpointAt)
}

func open(ctx context.Context, path string, walLimit int64) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("store/sqlite: open: empty path: %w", store.ErrInvalid)
	}
	if strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("store/sqlite: open %q: want a file path without '?' or a file: URI prefix: %w", path, store.ErrInvalid)
	}
	memory := path == Memory
	// Every connection of an in-memory database shares it through the
	// memdb VFS, under a name of its own.
	name := path
	if memory {
		name = fmt.Sprintf("file:/rectify-memory-%d-%d?vfs=memdb", memSeq.Add(1), time.Now().UnixNano())
	}
	opt := func(kv ...string) string {
		sep := "?"
		if strings.Contains(name, "?") {
			sep = "&"
		}
		return name + sep + strings.Join(kv, "&")
	}
	common := []string{"_busy_timeout=" + fmt.Sprint(BusyTimeout.Milliseconds())}
	if !memory {
		common = append(common, "_journal_mode=WAL", "_synchronous=NORMAL")
	}
	writerDSN := opt(append(common,
		"_pragma=wal_autocheckpoint(0)",
		fmt.Sprintf("_pragma=journal_size_limit(%d)", journalSizeLimit),
		"_pragma=temp_store(memory)",
		"_pragma=cache_size(-16384)")...)
	conn, err := new(sqlite.Driver).Open(writerDSN)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: open %q: %w", path, err)
	}
	s := &Store{path: path, now: time.Now}
	if err := s.init(ctx, conn, path, memory, walLimit, opt(common...)); err != nil {
		if s.w == nil {
			conn.Close()
		}
		s.Close()
		return nil, fmt.Errorf("store/sqlite: open %q: %w", path, err)
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, conn driver.Conn, path string, memory bool, walLimit int64, readerDSN string) error {
	if !memory {
		mode, err := queryString(ctx, conn, "PRAGMA journal_mode")
		if err != nil {
			return err
		}
		if !strings.EqualFold(mode, "wal") {
			return fmt.Errorf("journal mode is %q, not wal (is the file on a filesystem without shared memory?)", mode)
		}
	}
	if err := migrate(ctx, conn); err != nil {
		return err
	}
	w, err := newWriter(conn, &s.gate, slog.Default())
	if err != nil {
		return err
	}
	s.w = w

	db, err := sql.Open("sqlite", readerDSN)
	if err != nil {
		return err
	}
	s.db = db
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(0)
	for i, q := range readSQL {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare read %d: %w", i, err)
		}
		s.reads[i] = st
	}
	if !memory {
		pageSize, err := queryInt(ctx, conn, "PRAGMA page_size")
		if err != nil {
			return err
		}
		var size int64
		if fi, err := os.Stat(path + "-wal"); err == nil {
			size = fi.Size()
		}
		s.kick = make(chan struct{}, 1)
		s.checkpointed = make(chan struct{})
		go s.checkpointer()
		w.bound(pageSize, walLimit, size, func() {
			select {
			case s.kick <- struct{}{}:
			default:
			}
		})
	}
	return nil
}

// checkpointer copies the write-ahead log into the database whenever the
// writer asks, on a connection of the read pool, until s.kick is closed.
func (s *Store) checkpointer() {
	defer close(s.checkpointed)
	for range s.kick {
		s.w.ckpt.Lock()
		_, err := s.db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		s.w.ckpt.Unlock()
		if err != nil {
			s.w.log.Warn("write-ahead log checkpoint failed", "err", err)
		}
	}
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int { return len(migrations) }

// migrate applies the migrations the database lacks, each in a transaction
// of its own.
func migrate(ctx context.Context, conn driver.Conn) error {
	ex := conn.(driver.ExecerContext)
	for {
		if _, err := ex.ExecContext(ctx, "BEGIN IMMEDIATE", nil); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		done, err := migrateOne(ctx, conn)
		if err != nil || done {
			ex.ExecContext(ctx, "ROLLBACK", nil)
			return err
		}
		if _, err := ex.ExecContext(ctx, "COMMIT", nil); err != nil {
			ex.ExecContext(ctx, "ROLLBACK", nil)
			return fmt.Errorf("migrate: %w", err)
		}
	}
}

// migrateOne applies the next migration, if any, in the open transaction,
// and reports whether the schema was current.
func migrateOne(ctx context.Context, conn driver.Conn) (done bool, err error) {
	v, err := queryInt(ctx, conn, "PRAGMA user_version")
	if err != nil {
		return false, fmt.Errorf("migrate: read user_version: %w", err)
	}
	switch {
	case v > int64(len(migrations)):
		return false, fmt.Errorf("schema version %d is newer than this program's %d", v, len(migrations))
	case v == int64(len(migrations)):
		return true, nil
	}
	ex := conn.(driver.ExecerContext)
	if _, err := ex.ExecContext(ctx, migrations[v], nil); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	if _, err := ex.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1), nil); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	return false, nil
}

func queryString(ctx context.Context, conn driver.Conn, q string) (string, error) {
	v, err := queryValue(ctx, conn, q)
	if err != nil {
		return "", err
	}
	s, _ := v.(string)
	return s, nil
}

func queryInt(ctx context.Context, conn driver.Conn, q string) (int64, error) {
	v, err := queryValue(ctx, conn, q)
	if err != nil {
		return 0, err
	}
	n, _ := v.(int64)
	return n, nil
}

// queryValue returns the first column of the first row of q.
func queryValue(ctx context.Context, conn driver.Conn, q string) (driver.Value, error) {
	rows, err := conn.(driver.QueryerContext).QueryContext(ctx, q, nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%s returned no row", q)
		}
		return nil, err
	}
	return dest[0], nil
}

// Close finishes the writes in progress and closes the database.
func (s *Store) Close() error {
	var errs []error
	if s.w != nil {
		errs = append(errs, s.w.close())
	}
	if s.kick != nil {
		close(s.kick)
		<-s.checkpointed
	}
	for _, st := range s.reads {
		if st != nil {
			st.Close()
		}
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store/sqlite: close: %w", err)
	}
	return nil
}

// Atomic implements store.Atomic: Apply writes a batch in one transaction.
func (s *Store) Atomic() bool { return true }

// timeArg converts t to its column value: Unix nanoseconds, NULL when zero.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// Column values, as the driver returns them: int64, string, []byte or nil.

func colStr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

func colInt(v any) int64 {
	n, _ := v.(int64)
	return n
}

func colTime(v any) time.Time {
	n, ok := v.(int64)
	if !ok {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func colBlob(v any) []byte {
	switch v := v.(type) {
	case []byte:
		if len(v) > 0 {
			return v
		}
	case string:
		if v != "" {
			return []byte(v)
		}
	}
	return nil
}

// nameOf is the SQL expression for the name numbered by column col, "" for
// NULL.
func nameOf(col string) string {
	return "coalesce((SELECT name FROM names WHERE id = " + col + "), '')"
}

// nameNumber is the SQL expression for the number of the name bound to
// the next parameter: NULL, which matches nothing, for an unknown name.
const nameNumber = "(SELECT id FROM names WHERE name = ?)"

// runCols are the columns of a run, in the order decodeRun reads them.
var runCols = strings.Join([]string{
	nameOf("r.id"), "r.key", nameOf("r.playbook"), nameOf("r.event"), "r.event_key",
	nameOf("r.account"), nameOf("r.region"), nameOf("r.resource_type"), "r.resource_id", "r.arn",
	"r.finding_id", nameOf("r.product_arn"), nameOf("r.mode"), nameOf("r.status"), "r.next_step", "r.wake_at",
	"r.attempts", "r.error", "r.input", "r.notified", "r.created", "r.updated", "r.lease_owner",
	"r.lease_until", "r.version",
}, ", ")

const numRunCols = 25

func decodeRun(v []any) *store.Run {
	return &store.Run{
		ID:         colStr(v[0]),
		Key:        colStr(v[1]),
		PlaybookID: colStr(v[2]),
		EventID:    colStr(v[3]),
		EventKey:   colStr(v[4]),
		Target: store.Target{
			Account:      colStr(v[5]),
			Region:       colStr(v[6]),
			ResourceType: colStr(v[7]),
			ResourceID:   colStr(v[8]),
			ARN:          colStr(v[9]),
			FindingID:    colStr(v[10]),
			ProductARN:   colStr(v[11]),
		},
		Mode:       store.Mode(colStr(v[12])),
		Status:     store.RunStatus(colStr(v[13])),
		NextStep:   int(colInt(v[14])),
		WakeAt:     colTime(v[15]),
		Attempts:   int(colInt(v[16])),
		Error:      colStr(v[17]),
		Input:      colBlob(v[18]),
		Notified:   colInt(v[19]) != 0,
		Created:    colTime(v[20]),
		Updated:    colTime(v[21]),
		LeaseOwner: colStr(v[22]),
		LeaseUntil: colTime(v[23]),
		Version:    colInt(v[24]),
	}
}

// eventCols are the columns of an event, in the order decodeEvent reads
// them.
var eventCols = strings.Join([]string{
	"e.key", "e.id", "e.received", nameOf("e.source"), nameOf("e.detail_type"),
	nameOf("e.account"), nameOf("e.region"), nameOf("e.status"), "e.reason", "e.playbooks", "e.raw",
	"e.size", "e.truncated",
}, ", ")

const numEventCols = 13

func decodeEvent(v []any) (store.EventRecord, error) {
	e := store.EventRecord{
		Key:        colStr(v[0]),
		ID:         colStr(v[1]),
		Received:   colTime(v[2]),
		Source:     colStr(v[3]),
		DetailType: colStr(v[4]),
		Account:    colStr(v[5]),
		Region:     colStr(v[6]),
		Status:     store.EventStatus(colStr(v[7])),
		Reason:     colStr(v[8]),
		Raw:        colBlob(v[10]),
		Size:       int(colInt(v[11])),
		Truncated:  colInt(v[12]) != 0,
	}
	if p := colStr(v[9]); p != "" {
		if err := json.Unmarshal([]byte(p), &e.Playbooks); err != nil {
			return e, fmt.Errorf("event %q: playbooks column: %w", e.Key, err)
		}
	}
	return e, nil
}

// stepCols are the columns of a step, in the order decodeStep reads them.
var stepCols = strings.Join([]string{
	nameOf("s.run"), "s.idx", nameOf("s.name"), nameOf("s.action"), nameOf("s.status"), "s.message",
	"s.output", "s.attempts", "s.started", "s.finished",
}, ", ")

const numStepCols = 10

func decodeStep(v []any) store.StepRecord {
	return store.StepRecord{
		RunID:    colStr(v[0]),
		Index:    int(colInt(v[1])),
		Name:     colStr(v[2]),
		Action:   colStr(v[3]),
		Status:   store.StepStatus(colStr(v[4])),
		Message:  colStr(v[5]),
		Output:   colBlob(v[6]),
		Attempts: int(colInt(v[7])),
		Started:  colTime(v[8]),
		Finished: colTime(v[9]),
	}
}

// auditCols are the columns of an audit entry, in the order decodeAudit
// reads them.
var auditCols = strings.Join([]string{
	"a.time", nameOf("a.kind"),
	// An entry of a run's event does not store it (see schemaV2).
	"CASE WHEN a.event IS NULL THEN (SELECT " + nameOf("r.event") + " FROM runs r WHERE r.id = a.run) ELSE " +
		nameOf("a.event") + " END",
	nameOf("a.run"), nameOf("a.playbook"), "a.message", "a.data",
}, ", ")

const numAuditCols = 7

func decodeAudit(v []any) store.AuditEntry {
	return store.AuditEntry{
		Time:       colTime(v[0]),
		Kind:       store.AuditKind(colStr(v[1])),
		EventID:    colStr(v[2]),
		RunID:      colStr(v[3]),
		PlaybookID: colStr(v[4]),
		Message:    colStr(v[5]),
		Data:       colBlob(v[6]),
	}
}

// The prepared reads.
const (
	readRun = iota
	readEvent
	readSteps
	readDue
	numReads
)

var readSQL = [numReads]string{
	readRun:   `SELECT ` + runCols + ` FROM runs r WHERE r.id = ` + nameNumber,
	readEvent: `SELECT ` + eventCols + ` FROM events e WHERE e.key = ?`,
	readSteps: `SELECT ` + stepCols + ` FROM steps s WHERE s.run = ` + nameNumber + ` ORDER BY s.idx`,
	// The numbers of the statuses pending, running and waiting (see
	// schemaV2) are written out for the planner to use the partial index
	// runs_due.
	readDue: `SELECT ` + runCols + ` FROM runs r
		WHERE r.status IN (1, 2, 3)
		AND (r.wake_at IS NULL OR r.wake_at <= ?1)
		AND (r.lease_owner = '' OR r.lease_until IS NULL OR r.lease_until <= ?1)
		ORDER BY r.wake_at, r.id LIMIT ?2`,
}

// query runs a read and calls fn with the columns of each row.
func (s *Store) query(ctx context.Context, st *sql.Stmt, q string, ncols int, fn func([]any) error, args ...any) error {
	s.gate.RLock()
	defer s.gate.RUnlock()
	var (
		rows *sql.Rows
		err  error
	)
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = s.db.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, ncols)
	ptrs := make([]any, ncols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// where accumulates the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// addName adds the condition that the name column col is name.
func (w *where) addName(col, name string) {
	w.add(col+" = "+nameNumber, name)
}

// whereNames adds the condition that the name column col is one of vals.
func whereNames[T ~string](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = "?"
		w.args = append(w.args, string(v))
	}
	w.conds = append(w.conds, col+" IN (SELECT id FROM names WHERE name IN ("+strings.Join(ph, ",")+"))")
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func limitClause(w *where, n int) string {
	if n <= 0 {
		return ""
	}
	w.args = append(w.args, n)
	return " LIMIT ?"
}

// ListEvents implements store.Store.
func (s *Store) ListEvents(ctx context.Context, f store.EventFilter) ([]store.EventRecord, error) {
	const op = "list events"
	if err := store.CheckFilterTimes(op, f.Since, f.Until); err != nil {
		return nil, err
	}
	var w where
	if f.ID != "" {
		w.add("e.id = ?", f.ID)
	}
	whereNames(&w, "e.status", f.Statuses)
	if f.Source != "" {
		w.addName("e.source", f.Source)
	}
	if f.Account != "" {
		w.addName("e.account", f.Account)
	}
	if !f.Since.IsZero() {
		w.add("e.received >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		w.add("e.received < ?", f.Until.UnixNano())
	}
	q := `SELECT ` + eventCols + ` FROM events e` + w.String() + ` ORDER BY e.received DESC, e.seq DESC` + limitClause(&w, f.Limit)
	var out []store.EventRecord
	err := s.query(ctx, nil, q, numEventCols, func(v []any) error {
		e, err := decodeEvent(v)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}, w.args...)
	if err != nil {
		return nil, store.Errorf(op, "", err)
	}
	return out, nil
}

// GetEvent implements store.Store.
func (s *Store) GetEvent(ctx context.Context, key string) (*store.EventRecord, error) {
	const op = "get event"
	if err := store.CheckEventKey(key); err != nil {
		return nil, err
	}
	var out *store.EventRecord
	err := s.query(ctx, s.reads[readEvent], "", numEventCols, func(v []any) error {
		e, err := decodeEvent(v)
		out = &e
		return err
	}, key)
	if err != nil {
		return nil, store.Errorf(op, key, err)
	}
	if out == nil {
		return nil, store.Errorf(op, key, store.ErrNotFound)
	}
	return out, nil
}

// GetRun implements store.Store.
func (s *Store) GetRun(ctx context.Context, id string) (*store.Run, error) {
	const op = "get run"
	if err := store.CheckID(op, id); err != nil {
		return nil, err
	}
	var out *store.Run
	err := s.query(ctx, s.reads[readRun], "", numRunCols, func(v []any) error {
		out = decodeRun(v)
		return nil
	}, id)
	if err != nil {
		return nil, store.Errorf(op, id, err)
	}
	if out == nil {
		return nil, store.Errorf(op, id, store.ErrNotFound)
	}
	return out, nil
}

// ListRuns implements store.Store.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]*store.Run, error) {
	const op = "list runs"
	if err := store.CheckFilterTimes(op, f.After, f.Before); err != nil {
		return nil, err
	}
	var w where
	whereNames(&w, "r.status", f.Statuses)
	if f.PlaybookID != "" {
		w.addName("r.playbook", f.PlaybookID)
	}
	if f.Account != "" {
		w.addName("r.account", f.Account)
	}
	if f.EventID != "" {
		w.addName("r.event", f.EventID)
	}
	if !f.Before.IsZero() {
		w.add("r.created < ?", f.Before.UnixNano())
	}
	if !f.After.IsZero() {
		w.add("r.created > ?", f.After.UnixNano())
	}
	q := `SELECT ` + runCols + ` FROM runs r` + w.String() + ` ORDER BY r.created DESC, r.id DESC` + limitClause(&w, f.Limit)
	return s.queryRuns(ctx, op, nil, q, w.args...)
}

func (s *Store) queryRuns(ctx context.Context, op string, st *sql.Stmt, q string, args ...any) ([]*store.Run, error) {
	var out []*store.Run
	err := s.query(ctx, st, q, numRunCols, func(v []any) error {
		out = append(out, decodeRun(v))
		return nil
	}, args...)
	if err != nil {
		return nil, store.Errorf(op, "", err)
	}
	return out, nil
}

// DueRuns implements store.Store.
func (s *Store) DueRuns(ctx context.Context, now time.Time, limit int) ([]*store.Run, error) {
	const op = "due runs"
	if err := store.CheckDue(now); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1
	}
	return s.queryRuns(ctx, op, s.reads[readDue], "", now.UnixNano(), limit)
}

// Steps implements store.Store.
func (s *Store) Steps(ctx context.Context, runID string) ([]store.StepRecord, error) {
	const op = "steps"
	if err := store.CheckID(op, runID); err != nil {
		return nil, err
	}
	var out []store.StepRecord
	err := s.query(ctx, s.reads[readSteps], "", numStepCols, func(v []any) error {
		out = append(out, decodeStep(v))
		return nil
	}, runID)
	if err != nil {
		return nil, store.Errorf(op, runID, err)
	}
	return out, nil
}

// Audit implements store.Store. Entries with equal times come back in the
// order they were appended.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	const op = "audit"
	if err := store.CheckFilterTimes(op, f.Since, f.Until); err != nil {
		return nil, err
	}
	var w where
	if f.RunID != "" {
		w.addName("a.run", f.RunID)
	}
	if f.EventID != "" {
		// The entries that name the event, and those of its runs that
		// leave it to the run (see schemaV2).
		w.add("(a.event = "+nameNumber+" OR a.event IS NULL AND a.run IN (SELECT id FROM runs WHERE event = "+nameNumber+"))",
			f.EventID, f.EventID)
	}
	if f.PlaybookID != "" {
		w.addName("a.playbook", f.PlaybookID)
	}
	whereNames(&w, "a.kind", f.Kinds)
	if !f.Since.IsZero() {
		w.add("a.time >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		w.add("a.time < ?", f.Until.UnixNano())
	}
	q := `SELECT ` + auditCols + ` FROM audit a` + w.String() + ` ORDER BY a.time, a.seq` + limitClause(&w, f.Limit)
	var out []store.AuditEntry
	err := s.query(ctx, nil, q, numAuditCols, func(v []any) error {
		out = append(out, decodeAudit(v))
		return nil
	}, w.args...)
	if err != nil {
		return nil, store.Errorf(op, "", err)
	}
	return out, nil
}
