// Package sqlite is the embedded store.Store backend: one SQLite database
// file, through modernc.org/sqlite (pure Go, no cgo).
//
// A file database runs in WAL mode with synchronous=NORMAL, so readers do not
// block the writer and a committed write survives a process crash; a busy
// timeout makes concurrent writers, including other processes, wait for each
// other instead of failing. Transactions take the write lock when they begin.
// The schema is versioned by PRAGMA user_version and migrated forward by
// Open; a database written by a newer rectify is refused.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// maxConns bounds the connections to a file database. SQLite has one writer
// at a time; a few connections let reads proceed beside it.
const maxConns = 8

// Store is a store.Store kept in a SQLite database. It is safe for
// concurrent use.
type Store struct {
	db  *sql.DB
	now func() time.Time
	// Prepared statements of the frequent writes and reads, indexed by
	// the constants below.
	stmts [numStmts]*sql.Stmt
}

// The prepared statements.
const (
	stmtRecordEvent = iota
	stmtInsertRun
	stmtRunByKey
	stmtRunByID
	stmtUpdateRun
	stmtClaim
	stmtRelease
	stmtPutStep
	stmtAppendAudit
	numStmts
)

var stmtSQL = [numStmts]string{
	stmtRecordEvent: `INSERT INTO events
		(id, received, source, detail_type, account, region, status, reason, playbooks, raw, size, truncated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stmtInsertRun: `INSERT INTO runs (` + runCols + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO NOTHING`,
	stmtRunByKey: `SELECT ` + runCols + ` FROM runs WHERE key = ?`,
	stmtRunByID:  `SELECT ` + runCols + ` FROM runs WHERE id = ?`,
	stmtUpdateRun: `UPDATE runs SET
		playbook_id = ?, event_id = ?, account = ?, region = ?, resource_type = ?, resource_id = ?,
		arn = ?, finding_id = ?, product_arn = ?, mode = ?, status = ?, next_step = ?, wake_at = ?,
		attempts = ?, error = ?, input = ?, notified = ?, updated = ?, lease_owner = ?,
		lease_until = ?, version = version + 1
		WHERE id = ? AND version = ?
		RETURNING key, created, version`,
	stmtClaim: `UPDATE runs
		SET lease_owner = ?, lease_until = ?, version = version + 1
		WHERE id = ? AND (lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)
		RETURNING ` + runCols,
	stmtRelease: `UPDATE runs
		SET lease_owner = '', lease_until = NULL, version = version + 1
		WHERE id = ? AND lease_owner = ?`,
	stmtPutStep: `INSERT INTO steps
		(run_id, idx, name, action, status, message, output, attempts, started, finished)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, idx) DO UPDATE SET
		name = excluded.name, action = excluded.action, status = excluded.status,
		message = excluded.message, output = excluded.output, attempts = excluded.attempts,
		started = excluded.started, finished = excluded.finished`,
	stmtAppendAudit: `INSERT INTO audit
		(time, kind, event_id, run_id, playbook_id, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
}

var _ store.Store = (*Store)(nil)

// Open opens the SQLite database at path, creating the file if needed, and
// migrates its schema to the current version. The path Memory (":memory:")
// opens a private in-memory database.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("store/sqlite: open: empty path: %w", store.ErrInvalid)
	}
	if strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("store/sqlite: open %q: want a file path without '?' or a file: URI prefix: %w", path, store.ErrInvalid)
	}
	memory := path == Memory
	dsn := path + "?_txlock=immediate&_busy_timeout=" + fmt.Sprint(BusyTimeout.Milliseconds())
	if !memory {
		dsn += "&_journal_mode=WAL&_synchronous=NORMAL"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: open %q: %w", path, err)
	}
	if memory {
		// Each connection to :memory: is a database of its own.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(maxConns)
	}
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, now: time.Now}
	if err := s.init(ctx, memory); err != nil {
		s.Close()
		return nil, fmt.Errorf("store/sqlite: open %q: %w", path, err)
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, memory bool) error {
	if !memory {
		var mode string
		if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return err
		}
		if !strings.EqualFold(mode, "wal") {
			return fmt.Errorf("journal mode is %q, not wal (is the file on a filesystem without shared memory?)", mode)
		}
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	for i, q := range stmtSQL {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare statement %d: %w", i, err)
		}
		s.stmts[i] = st
	}
	return nil
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int { return len(migrations) }

func (s *Store) migrate(ctx context.Context) error {
	for {
		done, err := s.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, if any, in its own transaction, and
// reports whether the schema is current.
func (s *Store) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, fmt.Errorf("migrate: read user_version: %w", err)
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("schema version %d is newer than this program's %d", v, len(migrations))
	case v == len(migrations):
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	return false, nil
}

// Close closes the database.
func (s *Store) Close() error {
	for _, st := range s.stmts {
		if st != nil {
			st.Close()
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store/sqlite: close: %w", err)
	}
	return nil
}

// timeArg converts t to its column value: Unix nanoseconds, NULL when zero.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func timeCol(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

func blobArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func blobCol(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func boolArg(b bool) int {
	if b {
		return 1
	}
	return 0
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

func whereIn[T ~string](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = "?"
		w.args = append(w.args, string(v))
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(ph, ",")+")")
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

// RecordEvent implements store.Store.
func (s *Store) RecordEvent(ctx context.Context, e store.EventRecord) error {
	if err := store.PrepareEvent(&e, s.now()); err != nil {
		return err
	}
	var playbooks []byte
	if len(e.Playbooks) > 0 {
		var err error
		if playbooks, err = json.Marshal(e.Playbooks); err != nil {
			return store.Errorf("record event", e.ID, err)
		}
	}
	_, err := s.stmts[stmtRecordEvent].ExecContext(ctx,
		e.ID, e.Received.UnixNano(), e.Source, e.DetailType, e.Account, e.Region, string(e.Status),
		e.Reason, string(playbooks), blobArg(e.Raw), e.Size, boolArg(e.Truncated))
	if err != nil {
		return store.Errorf("record event", e.ID, err)
	}
	return nil
}

// ListEvents implements store.Store.
func (s *Store) ListEvents(ctx context.Context, f store.EventFilter) ([]store.EventRecord, error) {
	const op = "list events"
	if err := store.CheckFilterTimes(op, f.Since, f.Until); err != nil {
		return nil, err
	}
	var w where
	if f.ID != "" {
		w.add("id = ?", f.ID)
	}
	whereIn(&w, "status", f.Statuses)
	if f.Source != "" {
		w.add("source = ?", f.Source)
	}
	if f.Account != "" {
		w.add("account = ?", f.Account)
	}
	if !f.Since.IsZero() {
		w.add("received >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		w.add("received < ?", f.Until.UnixNano())
	}
	q := `SELECT id, received, source, detail_type, account, region, status, reason, playbooks, raw, size, truncated
		FROM events` + w.String() + " ORDER BY received DESC, seq DESC" + limitClause(&w, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, store.Errorf(op, "", err)
	}
	defer rows.Close()
	var out []store.EventRecord
	for rows.Next() {
		var (
			e         store.EventRecord
			received  int64
			status    string
			playbooks string
			truncated int
		)
		if err := rows.Scan(&e.ID, &received, &e.Source, &e.DetailType, &e.Account, &e.Region, &status,
			&e.Reason, &playbooks, &e.Raw, &e.Size, &truncated); err != nil {
			return nil, store.Errorf(op, "", err)
		}
		e.Received = time.Unix(0, received).UTC()
		e.Status = store.EventStatus(status)
		e.Raw = blobCol(e.Raw)
		e.Truncated = truncated != 0
		if playbooks != "" {
			if err := json.Unmarshal([]byte(playbooks), &e.Playbooks); err != nil {
				return nil, store.Errorf(op, e.ID, fmt.Errorf("playbooks column: %w", err))
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, store.Errorf(op, "", err)
	}
	return out, nil
}

const runCols = `id, key, playbook_id, event_id, account, region, resource_type, resource_id, arn,
	finding_id, product_arn, mode, status, next_step, wake_at, attempts, error, input, notified,
	created, updated, lease_owner, lease_until, version`

type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (*store.Run, error) {
	var (
		r                store.Run
		mode, status     string
		wake, lease      sql.NullInt64
		created, updated int64
		notified         int
		t                = &r.Target
		input            []byte
	)
	if err := sc.Scan(&r.ID, &r.Key, &r.PlaybookID, &r.EventID, &t.Account, &t.Region, &t.ResourceType,
		&t.ResourceID, &t.ARN, &t.FindingID, &t.ProductARN, &mode, &status, &r.NextStep, &wake,
		&r.Attempts, &r.Error, &input, &notified, &created, &updated, &r.LeaseOwner, &lease,
		&r.Version); err != nil {
		return nil, err
	}
	r.Mode = store.Mode(mode)
	r.Status = store.RunStatus(status)
	r.WakeAt = timeCol(wake)
	r.LeaseUntil = timeCol(lease)
	r.Created = time.Unix(0, created).UTC()
	r.Updated = time.Unix(0, updated).UTC()
	r.Notified = notified != 0
	r.Input = blobCol(input)
	return &r, nil
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// CreateRun implements store.Store.
func (s *Store) CreateRun(ctx context.Context, r *store.Run) (bool, error) {
	const op = "create run"
	if err := store.PrepareNewRun(r, s.now()); err != nil {
		return false, err
	}
	t := &r.Target
	res, err := s.stmts[stmtInsertRun].ExecContext(ctx,
		r.ID, r.Key, r.PlaybookID, r.EventID, t.Account, t.Region, t.ResourceType, t.ResourceID, t.ARN,
		t.FindingID, t.ProductARN, string(r.Mode), string(r.Status), r.NextStep, timeArg(r.WakeAt),
		r.Attempts, r.Error, blobArg(r.Input), boolArg(r.Notified), r.Created.UnixNano(),
		r.Updated.UnixNano(), r.LeaseOwner, timeArg(r.LeaseUntil), r.Version)
	if err != nil {
		if isConstraint(err) {
			return false, store.Errorf(op, r.Key, fmt.Errorf("run ID %q is taken by another key: %w", r.ID, store.ErrConflict))
		}
		return false, store.Errorf(op, r.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, store.Errorf(op, r.Key, err)
	}
	if n == 1 {
		return true, nil
	}
	existing, err := scanRun(s.stmts[stmtRunByKey].QueryRowContext(ctx, r.Key))
	if err != nil {
		return false, store.Errorf(op, r.Key, fmt.Errorf("read existing run: %w", err))
	}
	*r = *existing
	return false, nil
}

// GetRun implements store.Store.
func (s *Store) GetRun(ctx context.Context, id string) (*store.Run, error) {
	const op = "get run"
	if err := store.CheckID(op, id); err != nil {
		return nil, err
	}
	r, err := scanRun(s.stmts[stmtRunByID].QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.Errorf(op, id, store.ErrNotFound)
	}
	if err != nil {
		return nil, store.Errorf(op, id, err)
	}
	return r, nil
}

// UpdateRun implements store.Store.
func (s *Store) UpdateRun(ctx context.Context, r *store.Run) error {
	const op = "update run"
	if err := store.PrepareRunUpdate(r, s.now()); err != nil {
		return err
	}
	t := &r.Target
	var (
		key     string
		created int64
		version int64
	)
	err := s.stmts[stmtUpdateRun].QueryRowContext(ctx,
		r.PlaybookID, r.EventID, t.Account, t.Region, t.ResourceType, t.ResourceID, t.ARN,
		t.FindingID, t.ProductARN, string(r.Mode), string(r.Status), r.NextStep, timeArg(r.WakeAt),
		r.Attempts, r.Error, blobArg(r.Input), boolArg(r.Notified), r.Updated.UnixNano(),
		r.LeaseOwner, timeArg(r.LeaseUntil), r.ID, r.Version).Scan(&key, &created, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return s.missOrConflict(ctx, op, r.ID, func(cur *store.Run) string {
			return fmt.Sprintf("version %d is stale, stored version is %d", r.Version, cur.Version)
		})
	}
	if err != nil {
		return store.Errorf(op, r.ID, err)
	}
	r.Key, r.Created, r.Version = key, time.Unix(0, created).UTC(), version
	return nil
}

// missOrConflict explains why a conditional write to run id changed nothing:
// ErrNotFound if the run does not exist, else ErrConflict with why(run).
func (s *Store) missOrConflict(ctx context.Context, op, id string, why func(*store.Run) string) error {
	cur, err := s.GetRun(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Errorf(op, id, store.ErrNotFound)
		}
		return store.Errorf(op, id, err)
	}
	return store.Errorf(op, id, fmt.Errorf("%s: %w", why(cur), store.ErrConflict))
}

// ListRuns implements store.Store.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]*store.Run, error) {
	const op = "list runs"
	if err := store.CheckFilterTimes(op, f.After, f.Before); err != nil {
		return nil, err
	}
	var w where
	whereIn(&w, "status", f.Statuses)
	if f.PlaybookID != "" {
		w.add("playbook_id = ?", f.PlaybookID)
	}
	if f.Account != "" {
		w.add("account = ?", f.Account)
	}
	if f.EventID != "" {
		w.add("event_id = ?", f.EventID)
	}
	if !f.Before.IsZero() {
		w.add("created < ?", f.Before.UnixNano())
	}
	if !f.After.IsZero() {
		w.add("created > ?", f.After.UnixNano())
	}
	q := `SELECT ` + runCols + ` FROM runs` + w.String() + ` ORDER BY created DESC, id DESC` + limitClause(&w, f.Limit)
	return s.queryRuns(ctx, op, q, w.args...)
}

func (s *Store) queryRuns(ctx context.Context, op, q string, args ...any) ([]*store.Run, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, store.Errorf(op, "", err)
	}
	defer rows.Close()
	var out []*store.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, store.Errorf(op, "", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, store.Errorf(op, "", err)
	}
	return out, nil
}

// Claim implements store.Store.
func (s *Store) Claim(ctx context.Context, id, owner string, now, until time.Time) (*store.Run, error) {
	const op = "claim run"
	if err := store.CheckLease(id, owner, now, until); err != nil {
		return nil, err
	}
	r, err := scanRun(s.stmts[stmtClaim].QueryRowContext(ctx,
		owner, until.UnixNano(), id, owner, now.UnixNano()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.missOrConflict(ctx, op, id, func(cur *store.Run) string {
			return fmt.Sprintf("leased by %q until %s", cur.LeaseOwner, cur.LeaseUntil.Format(time.RFC3339Nano))
		})
	}
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
	res, err := s.stmts[stmtRelease].ExecContext(ctx, id, owner)
	if err != nil {
		return store.Errorf(op, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return store.Errorf(op, id, err)
	}
	if n == 0 {
		return s.missOrConflict(ctx, op, id, func(cur *store.Run) string {
			if cur.LeaseOwner == "" {
				return fmt.Sprintf("%q holds no lease on it", owner)
			}
			return fmt.Sprintf("leased by %q, not %q", cur.LeaseOwner, owner)
		})
	}
	return nil
}

// DueRuns implements store.Store.
func (s *Store) DueRuns(ctx context.Context, now time.Time, limit int) ([]*store.Run, error) {
	const op = "due runs"
	if err := store.CheckDue(now); err != nil {
		return nil, err
	}
	n := now.UnixNano()
	w := where{args: []any{string(store.RunPending), string(store.RunRunning), string(store.RunWaiting), n, n}}
	q := `SELECT ` + runCols + ` FROM runs
		WHERE status IN (?, ?, ?)
		AND (wake_at IS NULL OR wake_at <= ?)
		AND (lease_owner = '' OR lease_until IS NULL OR lease_until <= ?)
		ORDER BY wake_at ASC NULLS FIRST, id ASC` + limitClause(&w, limit)
	return s.queryRuns(ctx, op, q, w.args...)
}

// PutStep implements store.Store.
func (s *Store) PutStep(ctx context.Context, st store.StepRecord) error {
	if err := store.PrepareStep(&st); err != nil {
		return err
	}
	_, err := s.stmts[stmtPutStep].ExecContext(ctx,
		st.RunID, st.Index, st.Name, st.Action, string(st.Status), st.Message, blobArg(st.Output),
		st.Attempts, timeArg(st.Started), timeArg(st.Finished))
	if err != nil {
		return store.Errorf("put step", fmt.Sprintf("%s/%d", st.RunID, st.Index), err)
	}
	return nil
}

// Steps implements store.Store.
func (s *Store) Steps(ctx context.Context, runID string) ([]store.StepRecord, error) {
	const op = "steps"
	if err := store.CheckID(op, runID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, idx, name, action, status, message, output,
		attempts, started, finished FROM steps WHERE run_id = ? ORDER BY idx`, runID)
	if err != nil {
		return nil, store.Errorf(op, runID, err)
	}
	defer rows.Close()
	var out []store.StepRecord
	for rows.Next() {
		var (
			st                store.StepRecord
			status            string
			started, finished sql.NullInt64
		)
		if err := rows.Scan(&st.RunID, &st.Index, &st.Name, &st.Action, &status, &st.Message,
			&st.Output, &st.Attempts, &started, &finished); err != nil {
			return nil, store.Errorf(op, runID, err)
		}
		st.Status = store.StepStatus(status)
		st.Output = blobCol(st.Output)
		st.Started, st.Finished = timeCol(started), timeCol(finished)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, store.Errorf(op, runID, err)
	}
	return out, nil
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, a store.AuditEntry) error {
	if err := store.PrepareAudit(&a, s.now()); err != nil {
		return err
	}
	_, err := s.stmts[stmtAppendAudit].ExecContext(ctx,
		a.Time.UnixNano(), string(a.Kind), a.EventID, a.RunID, a.PlaybookID, a.Message, blobArg(a.Data))
	if err != nil {
		return store.Errorf("append audit", string(a.Kind), err)
	}
	return nil
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
		w.add("run_id = ?", f.RunID)
	}
	if f.EventID != "" {
		w.add("event_id = ?", f.EventID)
	}
	if f.PlaybookID != "" {
		w.add("playbook_id = ?", f.PlaybookID)
	}
	whereIn(&w, "kind", f.Kinds)
	if !f.Since.IsZero() {
		w.add("time >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		w.add("time < ?", f.Until.UnixNano())
	}
	q := `SELECT time, kind, event_id, run_id, playbook_id, message, data FROM audit` + w.String() +
		` ORDER BY time, seq` + limitClause(&w, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, store.Errorf(op, "", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var (
			a    store.AuditEntry
			t    int64
			kind string
		)
		if err := rows.Scan(&t, &kind, &a.EventID, &a.RunID, &a.PlaybookID, &a.Message, &a.Data); err != nil {
			return nil, store.Errorf(op, "", err)
		}
		a.Time = time.Unix(0, t).UTC()
		a.Kind = store.AuditKind(kind)
		a.Data = blobCol(a.Data)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, store.Errorf(op, "", err)
	}
	return out, nil
}
