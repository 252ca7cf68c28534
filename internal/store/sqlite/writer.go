package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"

	"github.com/rectify-dev/rectify/internal/store"
)

// The writer makes every write of a Store, on one connection. Writes are
// committed in groups (group commit): a caller queues its request and, if no
// other caller is committing, becomes the leader, which takes every request
// queued so far and applies them in one transaction (BEGIN IMMEDIATE ...
// COMMIT). A request that fails gets its own error and leaves no write: the
// transaction is rolled back and the group's other requests are applied
// again without it (see commit). A request's caller is answered once the
// commit that holds its writes is done. The requests queued meanwhile form the next
// group, led by the first of their callers, so that every caller waits for
// at most its own group and the one before it, and the time a write waits
// for the disk is shared by the group.
//
// The leader also keeps the write-ahead log bounded. The connection's
// automatic checkpoints are off; instead, every checkpointStep of log
// written, the leader asks a background checkpointer, on a connection of
// its own, to copy the log into the database (PRAGMA
// wal_checkpoint(PASSIVE)), so that no commit waits for that. Past
// checkpointAt the leader checkpoints what is left itself and restarts the
// log (PRAGMA wal_checkpoint(RESTART)): the next commit writes it from its
// beginning again, over the frames already copied, so the log's file stops
// growing at about checkpointAt, and writing over a file's blocks is
// cheaper than adding blocks to it. Restarting needs every reader to have
// moved past the log's end, so the Store's readers are held off for that
// moment and cannot starve it; readers of other processes can, and then
// the leader tries again after another checkpointStep of log.

// checkpointAt is the size of the write-ahead log past which a commit's
// leader restarts it.
const checkpointAt = 32 << 20

// journalSizeLimit bounds the write-ahead log's file when the log restarts
// (PRAGMA journal_size_limit): should it have grown past this, because a
// restart could not be made, it is cut back to it.
const journalSizeLimit = 64 << 20

// maxGroup bounds the requests committed together.
const maxGroup = 256

// errClosed is returned by the writes of a closed Store.
var errClosed = errors.New("store is closed")

// op is the work of one request, run by the leader inside the transaction.
// apply makes the writes. undo puts back whatever apply changed in the
// caller's values; it is called when the request's writes are rolled back,
// after apply failed or when the commit fails.
type op interface {
	apply(w *writer) error
	undo()
}

// request is one op waiting to be committed.
type request struct {
	op  op
	err error
	// done is closed when the request is answered; lead when its caller
	// is to lead the next group.
	done, lead chan struct{}
	// taken, cancelled and leader are guarded by writer.mu.
	taken, cancelled, leader bool
}

// writer is the Store's connection for writes.
type writer struct {
	conn  driver.Conn
	stmts [numStmts]driver.Stmt
	multi map[[2]int]driver.Stmt // multi-row INSERTs by kind and rows
	ctx   context.Context        // for statements: never done, so no per-statement watcher
	log   *slog.Logger

	// File databases only: the log's size since it last restarted, as
	// far as this connection wrote it; the size of one frame; the sizes at
	// which the next background checkpoint and the next restart are made;
	// the background checkpointer's trigger.
	wal            bool
	walBytes       int64
	frameSize      int64
	checkpointAt   int64
	checkpointStep int64
	nextPassive    int64
	nextRestart    int64
	kick           func()
	// gate is held by the Store's readers, and taken by the leader to
	// restart the log.
	gate *sync.RWMutex
	// ckpt is held by whoever checkpoints: only one connection can at a
	// time.
	ckpt sync.Mutex

	names names
	args  []driver.NamedValue

	// commits and requests count the transactions committed and the
	// requests they held.
	commits, requests atomic.Int64

	mu      sync.Mutex
	closed  bool
	leading bool // a leader is committing; pending is empty otherwise
	pending []*request
	spare   []*request
	// lastGroup is the size of the last group, read and written by the
	// leader.
	lastGroup int
	idle      sync.Cond // signalled when leading turns false
}

func newWriter(conn driver.Conn, gate *sync.RWMutex, log *slog.Logger) (*writer, error) {
	w := &writer{
		conn:  conn,
		multi: make(map[[2]int]driver.Stmt),
		ctx:   context.Background(),
		log:   log,
		gate:  gate,
	}
	w.idle.L = &w.mu
	w.names.init()
	pc, ok := conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver connection %T cannot prepare statements", conn)
	}
	for i, q := range stmtSQL {
		st, err := pc.PrepareContext(w.ctx, q)
		if err != nil {
			w.closeStmts()
			return nil, fmt.Errorf("prepare statement %d: %w", i, err)
		}
		w.stmts[i] = st
	}
	return w, nil
}

// bound makes the writer keep the write-ahead log of a file database
// bounded, as the type's documentation describes: restarting it past limit
// bytes and calling kick every quarter of that. size is the log's size now.
func (w *writer) bound(pageSize, limit, size int64, kick func()) {
	w.wal = true
	w.frameSize = pageSize + 24
	w.checkpointAt, w.checkpointStep = limit, max(limit/4, 1)
	w.nextPassive, w.nextRestart = w.checkpointStep, limit
	w.kick = kick
	w.written() // counted in size
	w.walBytes = size
}

// do applies o in the next group commit and returns its outcome. If ctx
// ends before o is taken into a group, do returns ctx's error and o is
// never applied; once taken, o's outcome is awaited.
func (w *writer) do(ctx context.Context, o op) error {
	if err := ctx.Err(); err != nil {
		return store.Errorf("write", "", err)
	}
	r := &request{op: o, done: make(chan struct{}), lead: make(chan struct{})}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return store.Errorf("write", "", errClosed)
	}
	w.pending = append(w.pending, r)
	if !w.leading {
		w.leading = true
		r.leader = true
		w.mu.Unlock()
		w.lead()
		return r.err
	}
	w.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-r.lead:
		w.lead()
		return r.err
	case <-ctx.Done():
	}
	w.mu.Lock()
	switch {
	case r.leader:
		w.mu.Unlock()
		w.lead()
		return r.err
	case !r.taken:
		r.cancelled = true
		w.mu.Unlock()
		return store.Errorf("write", "", ctx.Err())
	}
	w.mu.Unlock()
	<-r.done
	return r.err
}

// lead commits the pending requests, one group, and hands the lead to the
// first caller still waiting, if any.
func (w *writer) lead() {
	// Let the callers that are about to write queue their requests, so
	// that they share this commit: as many as the last group had, if they
	// come while the leader yields a few times.
	for range 4 {
		runtime.Gosched()
		w.mu.Lock()
		n := len(w.pending)
		w.mu.Unlock()
		if n >= w.lastGroup {
			break
		}
	}
	w.mu.Lock()
	group := w.pending
	if len(group) > maxGroup {
		group = group[:maxGroup]
	}
	live := w.spare[:0]
	for _, r := range group {
		if !r.cancelled {
			r.taken = true
			live = append(live, r)
		}
	}
	rest := w.pending[len(group):]
	w.pending = append(w.pending[:0:0], rest...)
	w.mu.Unlock()

	w.lastGroup = len(live)
	w.commit(live)
	for i, r := range live {
		close(r.done)
		live[i] = nil
	}
	// The callers are answered; a checkpoint delays only the next group.
	w.maybeCheckpoint()

	w.mu.Lock()
	w.spare = live[:0]
	for len(w.pending) > 0 && w.pending[0].cancelled {
		w.pending = w.pending[1:]
	}
	if len(w.pending) == 0 {
		w.leading = false
		w.idle.Broadcast()
	} else {
		next := w.pending[0]
		next.leader = true
		close(next.lead)
	}
	w.mu.Unlock()
}

// close waits for the commit in progress and closes the connection. Writes
// after close fail.
func (w *writer) close() error {
	w.mu.Lock()
	w.closed = true
	for w.leading {
		w.idle.Wait()
	}
	w.mu.Unlock()
	w.closeStmts()
	return w.conn.Close()
}

func (w *writer) closeStmts() {
	for i, st := range w.stmts {
		if st != nil {
			st.Close()
			w.stmts[i] = nil
		}
	}
	for k, st := range w.multi {
		st.Close()
		delete(w.multi, k)
	}
}

// commit applies the requests of live in one transaction and sets their
// errors. The requests are applied one after the other; if one fails, the
// transaction is rolled back and the others are applied again, in a new
// one, without it. Failures are rare (a stale version, a lost lease), so a
// group normally commits at the first attempt, and no request needs a
// savepoint of its own.
func (w *writer) commit(live []*request) {
	for {
		failed, err := w.attempt(live)
		if err != nil {
			err = store.Errorf("write", "", err)
			for _, r := range live {
				if r.err == nil {
					r.err = err
				}
			}
			return
		}
		if failed < 0 {
			w.commits.Add(1)
			w.requests.Add(int64(len(live)))
			return
		}
		// Replay without the failed request, whose error is set.
	}
}

// attempt applies the requests of live that have not failed, in one
// transaction. It returns -1 once they are committed, or the index of the
// request that failed, after rolling the transaction back. An error is one
// of the transaction itself (it could not begin or commit), which every
// request shares; the transaction is then rolled back. Whenever the
// transaction is rolled back, every request's changes to its caller's
// values are undone.
func (w *writer) attempt(live []*request) (failed int, err error) {
	undoAll := func() {
		w.rollback()
		for _, r := range live {
			r.op.undo()
		}
	}
	if _, err := w.exec(stmtBegin); err != nil {
		w.names.abort()
		return 0, fmt.Errorf("begin transaction: %w", err)
	}
	applied := 0
	for i, r := range live {
		if r.err != nil {
			continue
		}
		if r.err = r.op.apply(w); r.err != nil {
			undoAll()
			return i, nil
		}
		applied++
	}
	if applied == 0 {
		undoAll()
		return -1, nil
	}
	if _, err := w.exec(stmtCommit); err != nil {
		undoAll()
		return 0, fmt.Errorf("commit: %w", err)
	}
	w.names.commit()
	return -1, nil
}

// rollback ends the transaction, if one is open, without its writes.
func (w *writer) rollback() {
	w.names.abort()
	// The error is that no transaction is open, when a failure ended it.
	w.exec(stmtRollback)
}

// written returns the pages the connection has written to the log since
// it was last asked.
func (w *writer) written() int64 {
	st, ok := w.conn.(sqlite.DBStatus)
	if !ok {
		return 0
	}
	n, _, err := st.Status(sqlite.DBStatusCacheWrite, true)
	if err != nil {
		return 0
	}
	return int64(n)
}

// maybeCheckpoint keeps the write-ahead log bounded, as the type's
// documentation describes. A restart that cannot complete, because another
// process is reading or writing, is tried again after the log has grown by
// another checkpointStep.
func (w *writer) maybeCheckpoint() {
	if !w.wal {
		return
	}
	w.walBytes += w.written() * w.frameSize
	if w.walBytes < w.nextRestart {
		if w.walBytes >= w.nextPassive {
			w.nextPassive = w.walBytes + w.checkpointStep
			w.kick()
		}
		return
	}
	busy, err := w.checkpoint()
	switch {
	case err != nil:
		w.log.Warn("write-ahead log checkpoint failed", "bytes", w.walBytes, "err", err)
	case busy:
		w.log.Debug("write-ahead log checkpoint blocked by another connection", "bytes", w.walBytes)
	default:
		w.walBytes = 0
		w.nextPassive, w.nextRestart = w.checkpointStep, w.checkpointAt
		return
	}
	w.nextRestart = w.walBytes + w.checkpointStep
}

// checkpoint copies the write-ahead log into the database and restarts it,
// holding off the Store's readers meanwhile. It reports whether another
// connection kept it from completing.
func (w *writer) checkpoint() (busy bool, err error) {
	// The background checkpointer's PASSIVE checkpoint would make this
	// one fail at once: wait for it instead.
	w.ckpt.Lock()
	defer w.ckpt.Unlock()
	w.gate.Lock()
	defer w.gate.Unlock()
	vals := make([]driver.Value, 3)
	found, err := w.queryRow(stmtCheckpoint, vals)
	if err != nil {
		return false, err
	}
	if !found {
		return false, errors.New("wal_checkpoint returned no row")
	}
	b, _ := vals[0].(int64)
	return b != 0, nil
}

// exec runs statement i with args.
func (w *writer) exec(i int, args ...any) (driver.Result, error) {
	st := w.stmts[i].(driver.StmtExecContext)
	return st.ExecContext(w.ctx, w.bind(args))
}

// queryRow runs statement i with args and stores the columns of its first
// row in dest. It reports whether there was a row.
func (w *writer) queryRow(i int, dest []driver.Value, args ...any) (bool, error) {
	st := w.stmts[i].(driver.StmtQueryContext)
	rows, err := st.QueryContext(w.ctx, w.bind(args))
	if err != nil {
		return false, err
	}
	err = rows.Next(dest)
	cerr := rows.Close()
	switch {
	case err == io.EOF:
		return false, cerr
	case err != nil:
		return false, err
	}
	// A blob is only valid until the next call on the statement.
	for i, v := range dest {
		if b, ok := v.([]byte); ok {
			dest[i] = append([]byte(nil), b...)
		}
	}
	return true, cerr
}

// bind converts args to the driver's values: int to int64, bool to 0 or 1,
// time.Time to Unix nanoseconds or NULL when zero, an empty []byte to NULL.
func (w *writer) bind(args []any) []driver.NamedValue {
	nv := w.args[:0]
	for i, a := range args {
		switch v := a.(type) {
		case int:
			a = int64(v)
		case bool:
			if v {
				a = int64(1)
			} else {
				a = int64(0)
			}
		case time.Time:
			a = timeArg(v)
		case []byte:
			if len(v) == 0 {
				a = nil
			}
		}
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: a})
	}
	w.args = nv
	return nv
}
