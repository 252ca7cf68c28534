package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rectify-dev/rectify/internal/store"
)

// The writer's prepared statements.
const (
	stmtBegin = iota
	stmtCommit
	stmtRollback
	stmtCheckpoint
	stmtAuditSeq
	stmtNameID
	stmtNameInsert
	stmtNameDelete
	stmtEventUpsert
	stmtRunInsert
	stmtRunByKey
	stmtRunByID
	stmtRunUpdate
	stmtRunLease
	stmtClaim
	stmtReleaseLease
	numStmts
)

var stmtSQL = [numStmts]string{
	stmtBegin:      `BEGIN IMMEDIATE`,
	stmtCommit:     `COMMIT`,
	stmtRollback:   `ROLLBACK`,
	stmtCheckpoint: `PRAGMA wal_checkpoint(RESTART)`,
	stmtAuditSeq:   `SELECT coalesce(max(seq), 0) FROM audit WHERE time = ?`,
	stmtNameID:     `SELECT id FROM names WHERE name = ?`,
	stmtNameInsert: `INSERT INTO names (name) VALUES (?) ON CONFLICT (name) DO NOTHING`,
	stmtNameDelete: `DELETE FROM names WHERE id = ?`,
	stmtEventUpsert: `INSERT INTO events
		(key, id, received, source, detail_type, account, region, status, reason, playbooks, size, truncated, raw)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
		id = excluded.id, received = excluded.received, source = excluded.source,
		detail_type = excluded.detail_type, account = excluded.account, region = excluded.region,
		status = excluded.status, reason = excluded.reason, playbooks = excluded.playbooks,
		size = excluded.size, truncated = excluded.truncated, raw = excluded.raw`,
	stmtRunInsert: `INSERT INTO runs
		(id, key, playbook, event, event_key, account, region, resource_type, resource_id, arn,
		finding_id, product_arn, mode, status, next_step, wake_at, attempts, error, input, notified,
		created, updated, lease_owner, lease_until, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO NOTHING`,
	stmtRunByKey: `SELECT ` + runCols + ` FROM runs r WHERE r.key = ?`,
	stmtRunByID:  `SELECT ` + runCols + ` FROM runs r WHERE r.id = ?`,
	stmtRunUpdate: `UPDATE runs SET
		playbook = ?, event = ?, event_key = ?, account = ?, region = ?, resource_type = ?,
		resource_id = ?, arn = ?, finding_id = ?, product_arn = ?, mode = ?, status = ?,
		next_step = ?, wake_at = ?, attempts = ?, error = ?, input = ?, notified = ?, updated = ?,
		lease_owner = ?, lease_until = ?, version = version + 1
		WHERE id = ? AND version = ?
		RETURNING key, created, version`,
	stmtRunLease: `SELECT version, lease_owner, lease_until FROM runs WHERE id = ?`,
	stmtClaim: `UPDATE runs
		SET lease_owner = ?, lease_until = ?, version = version + 1
		WHERE id = ? AND (lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)`,
	stmtReleaseLease: `UPDATE runs
		SET lease_owner = '', lease_until = NULL, version = version + 1
		WHERE id = ? AND lease_owner = ?`,
}

// maxCachedNames bounds the names the writer remembers; past it, it starts
// over.
const maxCachedNames = 1 << 14

// names is the writer's memory of the names table: the numbers of names
// committed, and of those added by the transaction in progress, which
// count only once it commits.
type names struct {
	cache map[string]int64
	tx    map[string]int64
	added []string // names added by the transaction, in order
}

func (n *names) init() {
	n.cache = make(map[string]int64)
	n.tx = make(map[string]int64)
}

func (n *names) lookup(s string) (int64, bool) {
	if id, ok := n.cache[s]; ok {
		return id, true
	}
	id, ok := n.tx[s]
	return id, ok
}

// committed remembers a name read from the database.
func (n *names) committed(s string, id int64) {
	if len(n.cache) >= maxCachedNames {
		clear(n.cache)
	}
	n.cache[s] = id
}

func (n *names) add(s string, id int64) {
	n.tx[s] = id
	n.added = append(n.added, s)
}

func (n *names) forget(s string) { delete(n.tx, s) }

func (n *names) commit() {
	for _, s := range n.added {
		if id, ok := n.tx[s]; ok {
			n.committed(s, id)
		}
	}
	n.abort()
}

func (n *names) abort() {
	clear(n.tx)
	n.added = n.added[:0]
}

// intern returns the number of name s, adding it to the names table if it
// is not there, and whether this call added it. The empty string has no
// number: its column value is NULL.
func (w *writer) intern(s string) (v any, added bool, err error) {
	if s == "" {
		return nil, false, nil
	}
	if id, ok := w.names.lookup(s); ok {
		return id, false, nil
	}
	res, err := w.exec(stmtNameInsert, s)
	if err != nil {
		return nil, false, fmt.Errorf("add name: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		id, err := res.LastInsertId()
		if err != nil {
			return nil, false, fmt.Errorf("add name: %w", err)
		}
		w.names.add(s, id)
		return id, true, nil
	}
	id, ok, err := w.nameID(s)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, fmt.Errorf("add name %q: neither added nor found", s)
	}
	return id, false, nil
}

// internAll interns each of names into the matching element of out.
func (w *writer) internAll(out []any, names ...string) error {
	for i, s := range names {
		v, _, err := w.intern(s)
		if err != nil {
			return err
		}
		out[i] = v
	}
	return nil
}

// nameID returns the number of name s without adding it.
func (w *writer) nameID(s string) (int64, bool, error) {
	if id, ok := w.names.lookup(s); ok {
		return id, true, nil
	}
	dest := []driver.Value{nil}
	found, err := w.queryRow(stmtNameID, dest, s)
	if err != nil {
		return 0, false, fmt.Errorf("find name: %w", err)
	}
	if !found {
		return 0, false, nil
	}
	id := dest[0].(int64)
	w.names.committed(s, id)
	return id, true, nil
}

// runByNumber reads the run whose ID has number rid.
func (w *writer) runByNumber(rid int64) (*store.Run, bool, error) {
	return w.runRow(stmtRunByID, rid)
}

func (w *writer) runRow(stmt int, arg any) (*store.Run, bool, error) {
	dest := make([]driver.Value, numRunCols)
	found, err := w.queryRow(stmt, dest, arg)
	if err != nil || !found {
		return nil, false, err
	}
	vals := make([]any, len(dest))
	for i, v := range dest {
		vals[i] = v
	}
	return decodeRun(vals), true, nil
}

// recordEvent records e, whose playbooks are encoded as JSON in pbs.
func (w *writer) recordEvent(e *store.EventRecord, pbs string) error {
	var n [5]any
	if err := w.internAll(n[:], e.Source, e.DetailType, e.Account, e.Region, string(e.Status)); err != nil {
		return err
	}
	_, err := w.exec(stmtEventUpsert, e.Key, e.ID, e.Received.UnixNano(), n[0], n[1], n[2], n[3],
		n[4], e.Reason, pbs, e.Size, e.Truncated, e.Raw)
	return err
}

// createRun stores r unless its key exists, as CreateRun does; r is
// prepared.
func (w *writer) createRun(r *store.Run) (bool, error) {
	const op = "create run"
	rid, added, err := w.intern(r.ID)
	if err != nil {
		return false, store.Errorf(op, r.Key, err)
	}
	var n [8]any
	t := &r.Target
	if err := w.internAll(n[:], r.PlaybookID, r.EventID, t.Account, t.Region, t.ResourceType, t.ProductARN,
		string(r.Mode), string(r.Status)); err != nil {
		return false, store.Errorf(op, r.Key, err)
	}
	res, err := w.exec(stmtRunInsert, rid, r.Key, n[0], n[1], r.EventKey, n[2], n[3], n[4],
		t.ResourceID, t.ARN, t.FindingID, n[5], n[6], n[7], r.NextStep, r.WakeAt,
		r.Attempts, r.Error, r.Input, r.Notified, r.Created.UnixNano(), r.Updated.UnixNano(),
		r.LeaseOwner, r.LeaseUntil, r.Version)
	if err != nil && !isConstraint(err) {
		return false, store.Errorf(op, r.Key, err)
	}
	if err == nil {
		if n, _ := res.RowsAffected(); n == 1 {
			return true, nil
		}
	}
	// The key exists, or the ID is taken: both fail the insert, and the
	// key decides.
	existing, found, qerr := w.runRow(stmtRunByKey, r.Key)
	if qerr != nil {
		return false, store.Errorf(op, r.Key, fmt.Errorf("read existing run: %w", qerr))
	}
	if !found {
		return false, store.Errorf(op, r.Key, fmt.Errorf("run ID %q is taken by another key: %w", r.ID, store.ErrConflict))
	}
	if added {
		// The new run's ID was added for nothing.
		if _, err := w.exec(stmtNameDelete, rid); err != nil {
			return false, store.Errorf(op, r.Key, fmt.Errorf("remove unused name: %w", err))
		}
		w.names.forget(r.ID)
	}
	*r = *existing
	return false, nil
}

// updateRun writes r if its Version is current, as UpdateRun does; r is
// prepared.
func (w *writer) updateRun(r *store.Run) error {
	const op = "update run"
	rid, found, err := w.nameID(r.ID)
	if err != nil {
		return store.Errorf(op, r.ID, err)
	}
	if !found {
		return store.Errorf(op, r.ID, store.ErrNotFound)
	}
	var n [8]any
	t := &r.Target
	if err := w.internAll(n[:], r.PlaybookID, r.EventID, t.Account, t.Region, t.ResourceType, t.ProductARN,
		string(r.Mode), string(r.Status)); err != nil {
		return store.Errorf(op, r.ID, err)
	}
	dest := make([]driver.Value, 3)
	ok, err := w.queryRow(stmtRunUpdate, dest, n[0], n[1], r.EventKey, n[2], n[3], n[4], t.ResourceID,
		t.ARN, t.FindingID, n[5], n[6], n[7], r.NextStep, r.WakeAt, r.Attempts,
		r.Error, r.Input, r.Notified, r.Updated.UnixNano(), r.LeaseOwner, r.LeaseUntil, rid, r.Version)
	if err != nil {
		return store.Errorf(op, r.ID, err)
	}
	if !ok {
		return w.missOrConflict(op, r.ID, rid, func(version int64, _ string, _ time.Time) string {
			return fmt.Sprintf("version %d is stale, stored version is %d", r.Version, version)
		})
	}
	r.Key, r.Created, r.Version = colStr(dest[0]), colTime(dest[1]), colInt(dest[2])
	return nil
}

// missOrConflict explains why a conditional write to the run numbered rid
// changed nothing: ErrNotFound if it does not exist, else ErrConflict with
// why(its version, lease owner and lease end).
func (w *writer) missOrConflict(op, id string, rid int64, why func(version int64, owner string, until time.Time) string) error {
	dest := make([]driver.Value, 3)
	found, err := w.queryRow(stmtRunLease, dest, rid)
	if err != nil {
		return store.Errorf(op, id, err)
	}
	if !found {
		return store.Errorf(op, id, store.ErrNotFound)
	}
	return store.Errorf(op, id, fmt.Errorf("%s: %w", why(colInt(dest[0]), colStr(dest[1]), colTime(dest[2])), store.ErrConflict))
}

// maxRowsPerInsert is the most rows one INSERT of steps or audit entries
// writes; more are written by several.
const maxRowsPerInsert = 16

// auditWidth is the number of parameters of one row of the audit INSERT.
const auditWidth = 10

// Kinds of multi-row INSERT statements.
const (
	multiSteps = iota
	multiAudit
)

// multiStmt returns the prepared INSERT of n rows of kind, preparing it on
// first use.
func (w *writer) multiStmt(kind, n int) (driver.Stmt, error) {
	key := [2]int{kind, n}
	if st, ok := w.multi[key]; ok {
		return st, nil
	}
	var b strings.Builder
	switch kind {
	case multiSteps:
		b.WriteString(`INSERT INTO steps (run, idx, name, action, status, message, output, attempts, started, finished) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		}
		b.WriteString(` ON CONFLICT (run, idx) DO UPDATE SET
			name = excluded.name, action = excluded.action, status = excluded.status,
			message = excluded.message, output = excluded.output, attempts = excluded.attempts,
			started = excluded.started, finished = excluded.finished`)
	case multiAudit:
		// The event is left out when it is the run's (see schemaV2); an
		// empty one is 0. The parameters are time, seq, kind, run, event,
		// event, run, playbook, message, data.
		b.WriteString(`INSERT INTO audit (time, seq, kind, event, run, playbook, message, data) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, CASE WHEN EXISTS (SELECT 1 FROM runs WHERE id = ? AND event IS ?) THEN NULL ELSE coalesce(?, 0) END, ?, ?, ?, ?)`)
		}
	}
	st, err := w.conn.(driver.ConnPrepareContext).PrepareContext(w.ctx, b.String())
	if err != nil {
		return nil, err
	}
	w.multi[key] = st
	return st, nil
}

// execMulti inserts rows of kind, each of width values, maxRowsPerInsert
// at a time.
func (w *writer) execMulti(kind, width int, vals []any) error {
	for len(vals) > 0 {
		n := min(len(vals)/width, maxRowsPerInsert)
		st, err := w.multiStmt(kind, n)
		if err != nil {
			return err
		}
		if _, err := st.(driver.StmtExecContext).ExecContext(w.ctx, w.bind(vals[:n*width])); err != nil {
			return err
		}
		vals = vals[n*width:]
	}
	return nil
}

// putSteps stores steps, as PutStep does; they are prepared.
func (w *writer) putSteps(steps []store.StepRecord) error {
	const op = "put step"
	vals := make([]any, 0, 10*len(steps))
	var n [4]any
	for i := range steps {
		s := &steps[i]
		if err := w.internAll(n[:], s.RunID, s.Name, s.Action, string(s.Status)); err != nil {
			return store.Errorf(op, fmt.Sprintf("%s/%d", s.RunID, s.Index), err)
		}
		vals = append(vals, n[0], s.Index, n[1], n[2], n[3], s.Message, s.Output,
			s.Attempts, s.Started, s.Finished)
	}
	if err := w.execMulti(multiSteps, 10, vals); err != nil {
		return store.Errorf(op, fmt.Sprintf("%s/%d", steps[0].RunID, steps[0].Index), err)
	}
	return nil
}

// appendAudit appends entries, as AppendAudit does; they are prepared. An
// entry's seq follows those of the entries of its time already stored, so
// that entries of one time keep the order they were appended in.
func (w *writer) appendAudit(entries []store.AuditEntry) error {
	const op = "append audit"
	vals := make([]any, 0, auditWidth*len(entries))
	var (
		n    [4]any
		last = map[int64]int64{} // the last seq of each time
		seq  = make([]driver.Value, 1)
	)
	for i := range entries {
		a := &entries[i]
		if err := w.internAll(n[:], string(a.Kind), a.EventID, a.RunID, a.PlaybookID); err != nil {
			return store.Errorf(op, string(a.Kind), err)
		}
		t := a.Time.UnixNano()
		s, ok := last[t]
		if !ok {
			if _, err := w.queryRow(stmtAuditSeq, seq, t); err != nil {
				return store.Errorf(op, string(a.Kind), err)
			}
			s = colInt(seq[0])
		}
		s++
		last[t] = s
		vals = append(vals, t, s, n[0], n[2], n[1], n[1], n[2], n[3], a.Message, a.Data)
	}
	if err := w.execMulti(multiAudit, auditWidth, vals); err != nil {
		return store.Errorf(op, string(entries[0].Kind), err)
	}
	return nil
}

// batchOp applies a prepared store.Batch.
type batchOp struct {
	b         *store.Batch
	playbooks []string // the JSON of each event's playbooks
	created   []bool
	// The runs as they were before apply, for undo.
	creates, updates []store.Run
}

func newBatchOp(b *store.Batch) (*batchOp, error) {
	o := &batchOp{b: b, playbooks: make([]string, len(b.Events)), created: make([]bool, len(b.Create))}
	for i := range b.Events {
		if pbs := b.Events[i].Playbooks; len(pbs) > 0 {
			j, err := json.Marshal(pbs)
			if err != nil {
				return nil, store.Errorf("record event", b.Events[i].ID, err)
			}
			o.playbooks[i] = string(j)
		}
	}
	o.creates = make([]store.Run, len(b.Create))
	for i, r := range b.Create {
		o.creates[i] = *r
	}
	o.updates = make([]store.Run, len(b.Update))
	for i, r := range b.Update {
		o.updates[i] = *r
	}
	return o, nil
}

func (o *batchOp) apply(w *writer) error {
	b := o.b
	for i := range b.Events {
		if err := w.recordEvent(&b.Events[i], o.playbooks[i]); err != nil {
			return store.Errorf("record event", b.Events[i].ID, err)
		}
	}
	for i, r := range b.Create {
		created, err := w.createRun(r)
		if err != nil {
			return err
		}
		o.created[i] = created
	}
	for _, r := range b.Update {
		if err := w.updateRun(r); err != nil {
			return err
		}
	}
	if len(b.Steps) > 0 {
		if err := w.putSteps(b.Steps); err != nil {
			return err
		}
	}
	if len(b.Audit) > 0 {
		if err := w.appendAudit(b.Audit); err != nil {
			return err
		}
	}
	return nil
}

func (o *batchOp) undo() {
	for i, r := range o.b.Update {
		*r = o.updates[i]
	}
	for i, r := range o.b.Create {
		*r = o.creates[i]
	}
	clear(o.created)
}

// claimOp takes a run's lease, as Claim does.
type claimOp struct {
	id, owner  string
	now, until time.Time
	run        *store.Run
}

func (o *claimOp) apply(w *writer) error {
	const op = "claim run"
	rid, found, err := w.nameID(o.id)
	if err != nil {
		return store.Errorf(op, o.id, err)
	}
	if !found {
		return store.Errorf(op, o.id, store.ErrNotFound)
	}
	res, err := w.exec(stmtClaim, o.owner, o.until.UnixNano(), rid, o.owner, o.now.UnixNano())
	if err != nil {
		return store.Errorf(op, o.id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return w.missOrConflict(op, o.id, rid, func(_ int64, owner string, until time.Time) string {
			return fmt.Sprintf("leased by %q until %s", owner, until.Format(time.RFC3339Nano))
		})
	}
	r, found, err := w.runByNumber(rid)
	if err == nil && !found {
		err = errors.New("claimed run vanished")
	}
	if err != nil {
		return store.Errorf(op, o.id, err)
	}
	o.run = r
	return nil
}

func (o *claimOp) undo() { o.run = nil }

// releaseOp gives up a run's lease, as Release does.
type releaseOp struct{ id, owner string }

func (o *releaseOp) apply(w *writer) error {
	const op = "release run"
	rid, found, err := w.nameID(o.id)
	if err != nil {
		return store.Errorf(op, o.id, err)
	}
	if !found {
		return store.Errorf(op, o.id, store.ErrNotFound)
	}
	res, err := w.exec(stmtReleaseLease, rid, o.owner)
	if err != nil {
		return store.Errorf(op, o.id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return w.missOrConflict(op, o.id, rid, func(_ int64, owner string, _ time.Time) string {
			if owner == "" {
				return fmt.Sprintf("%q holds no lease on it", o.owner)
			}
			return fmt.Sprintf("leased by %q, not %q", owner, o.owner)
		})
	}
	return nil
}

func (o *releaseOp) undo() {}

// Apply implements store.Store. The batch is written atomically, in the
// transaction that commits the writes of the callers queued with it (see
// the package documentation); Apply returns once that transaction is
// committed. If ctx ends while the batch waits for its turn, Apply returns
// ctx's error and nothing of the batch is written; once its turn has come,
// Apply waits for the outcome.
func (s *Store) Apply(ctx context.Context, b *store.Batch) error {
	if err := store.PrepareBatch(b, s.now()); err != nil {
		return err
	}
	if b.Empty() {
		b.Created = nil
		return nil
	}
	return s.apply(ctx, b)
}

// apply writes the prepared batch b.
func (s *Store) apply(ctx context.Context, b *store.Batch) error {
	o, err := newBatchOp(b)
	if err != nil {
		return err
	}
	if err := s.w.do(ctx, o); err != nil {
		return err
	}
	b.Created = o.created
	return nil
}

// RecordEvent implements store.Store.
func (s *Store) RecordEvent(ctx context.Context, e store.EventRecord) error {
	if err := store.PrepareEvent(&e, s.now()); err != nil {
		return err
	}
	return s.apply(ctx, &store.Batch{Events: []store.EventRecord{e}})
}

// CreateRun implements store.Store.
func (s *Store) CreateRun(ctx context.Context, r *store.Run) (bool, error) {
	if err := store.PrepareNewRun(r, s.now()); err != nil {
		return false, err
	}
	b := &store.Batch{Create: []*store.Run{r}}
	if err := s.apply(ctx, b); err != nil {
		return false, err
	}
	return b.Created[0], nil
}

// UpdateRun implements store.Store.
func (s *Store) UpdateRun(ctx context.Context, r *store.Run) error {
	if err := store.PrepareRunUpdate(r, s.now()); err != nil {
		return err
	}
	return s.apply(ctx, &store.Batch{Update: []*store.Run{r}})
}

// PutStep implements store.Store.
func (s *Store) PutStep(ctx context.Context, st store.StepRecord) error {
	if err := store.PrepareStep(&st); err != nil {
		return err
	}
	return s.apply(ctx, &store.Batch{Steps: []store.StepRecord{st}})
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, a store.AuditEntry) error {
	if err := store.PrepareAudit(&a, s.now()); err != nil {
		return err
	}
	return s.apply(ctx, &store.Batch{Audit: []store.AuditEntry{a}})
}

// Claim implements store.Store.
func (s *Store) Claim(ctx context.Context, id, owner string, now, until time.Time) (*store.Run, error) {
	if err := store.CheckLease(id, owner, now, until); err != nil {
		return nil, err
	}
	o := &claimOp{id: id, owner: owner, now: now, until: until}
	if err := s.w.do(ctx, o); err != nil {
		return nil, err
	}
	return o.run, nil
}

// Release implements store.Store.
func (s *Store) Release(ctx context.Context, id, owner string) error {
	if err := store.CheckRelease(id, owner); err != nil {
		return err
	}
	return s.w.do(ctx, &releaseOp{id: id, owner: owner})
}
