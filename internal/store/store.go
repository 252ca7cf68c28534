// Package store defines rectify's durable state: the record of every event
// received, the remediation runs started from them, the outcome of each step
// of a run, and the audit trail of every decision.
//
// The Store interface is implemented by backends in sub-packages: sqlite, the
// embedded default, and dynamodb, for state shared by many processes. Every
// backend must pass the conformance suite in package storetest.
//
// The interface is shaped so that a key-value store with conditional writes
// can implement it: no operation needs a transaction spanning more than one
// record kind. Apply writes a Batch of records of every kind with one call,
// atomically where the backend has transactions and in order otherwise (see
// Atomic). Runs are protected by optimistic versioning (UpdateRun succeeds
// only if the caller holds the current Version) and by leases (Claim), and the
// idempotency key of a run is unique, which is how a redelivered event is
// recognized as a duplicate.
//
// The store keeps exactly what it is given. It never inspects or redacts
// payloads, so callers must not hand it secrets: no credentials, tokens or
// shared secrets belong in an event's raw bytes, a run's Input, a step's
// Output or an audit entry's Data.
//
// Identifiers (IDs, keys, owners, kinds, playbook IDs) must be valid UTF-8;
// other strings are free text, in which a backend replaces invalid UTF-8 with
// U+FFFD. Byte slices (raw bodies, Input, Output, Data) are kept exactly.
//
// Times are kept in UTC with nanosecond precision and come back in UTC. A
// zero time.Time means "not set" and round-trips as zero. Non-zero times must
// lie between the years 1678 and 2261, the range of int64 Unix nanoseconds.
//
// In every listing a Limit of zero or less means no limit.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Errors returned by every Store. They are wrapped with the operation and the
// identifier at fault; test for them with errors.Is.
var (
	// ErrNotFound reports that the run, or other record, does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports a lost race: a stale Version on UpdateRun, a
	// lease held by another owner on Claim or Release, or a run ID that is
	// already taken by a run with another key.
	ErrConflict = errors.New("conflict")
	// ErrInvalid reports a malformed argument, such as an empty key or ID
	// or an unknown status.
	ErrInvalid = errors.New("invalid argument")
)

// MaxRawEvent is the number of bytes of an event's raw body that RecordEvent
// keeps. It equals the largest event EventBridge delivers (256 KiB), so only
// input that did not come from EventBridge, such as an oversized HTTP body,
// is ever cut. A longer body keeps its first MaxRawEvent bytes, Truncated is
// set and Size reports the original length.
const MaxRawEvent = 256 << 10

// Store is rectify's durable state. Implementations are safe for concurrent
// use by multiple goroutines and, where the backend allows it, by several
// processes sharing the same database.
type Store interface {
	// RecordEvent records one received event, whatever became of it:
	// matched, unmatched, rejected, duplicate or ignored. A raw body longer
	// than MaxRawEvent is truncated. A zero Received time is set to the
	// current time. Recording the same event ID again adds another record.
	RecordEvent(ctx context.Context, e EventRecord) error
	// ListEvents returns the recorded events that pass f, newest first.
	ListEvents(ctx context.Context, f EventFilter) ([]EventRecord, error)
	// GetEvent returns the event recorded under key (EventRecord.Key), or
	// ErrNotFound.
	GetEvent(ctx context.Context, key string) (*EventRecord, error)

	// CreateRun stores r unless a run with the same Key exists. If it is
	// new, CreateRun fills in the defaults (ID, Status pending, Created and
	// Updated, Version 1) in r and returns true. If the key exists,
	// CreateRun overwrites *r with the stored run and returns false: a
	// duplicate delivery is a no-op. Concurrent calls with one key create
	// exactly one run.
	CreateRun(ctx context.Context, r *Run) (created bool, err error)
	// GetRun returns the run with the given ID, or ErrNotFound.
	GetRun(ctx context.Context, id string) (*Run, error)
	// UpdateRun writes every mutable field of r if r.Version equals the
	// stored version, and then increments r.Version; otherwise it returns
	// ErrConflict and changes nothing. ID, Key and Created never change. A
	// zero Updated time is set to the current time.
	UpdateRun(ctx context.Context, r *Run) error
	// ListRuns returns the runs that pass f, newest (by Created) first.
	ListRuns(ctx context.Context, f RunFilter) ([]*Run, error)
	// Claim takes the lease on a run for owner until the given time, if
	// the lease is free, expired at now, or already held by owner. It
	// increments the run's Version and returns the updated run. A lease
	// held by another owner gives ErrConflict. Callers make owner unique
	// per execution (not per process), so that one process never runs a
	// run twice at once; a lease is renewed by UpdateRun with a later
	// LeaseUntil.
	Claim(ctx context.Context, id, owner string, now, until time.Time) (*Run, error)
	// Release gives up owner's lease on a run and increments its Version.
	// It returns ErrConflict if owner does not hold the lease.
	Release(ctx context.Context, id, owner string) error
	// DueRuns returns up to limit runs that are pending, running or
	// waiting, whose WakeAt is not after now and whose lease is free or
	// expired at now, earliest WakeAt first. It is how unfinished runs are
	// resumed after a restart and how durable waits wake up.
	DueRuns(ctx context.Context, now time.Time, limit int) ([]*Run, error)

	// PutStep stores the outcome of one step, replacing any earlier
	// record with the same RunID and Index. It does not check that the run
	// exists.
	PutStep(ctx context.Context, s StepRecord) error
	// Steps returns the steps recorded for a run in Index order; a run
	// without steps, or an unknown run, gives none.
	Steps(ctx context.Context, runID string) ([]StepRecord, error)

	// AppendAudit appends one audit entry. A zero Time is set to the
	// current time.
	AppendAudit(ctx context.Context, a AuditEntry) error
	// Audit returns the entries that pass f in time order, oldest first;
	// with a Limit, the oldest Limit entries.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// Apply makes every write of b, in the order Batch documents, and
	// reports the outcome of each creation in b.Created. It is how the
	// engine writes what one event or one step produced with one commit.
	// A backend that has transactions applies a batch atomically: on error
	// nothing of it is written. One without them applies the writes in
	// order and stops at the first error, leaving the earlier ones written;
	// every write is idempotent or conditional, so applying the batch
	// again is safe (its audit entries are appended again). The errors are
	// those of the single operations (ErrConflict for a stale run Version,
	// ErrInvalid, ...); a batch with an invalid record is refused with
	// ErrInvalid before anything is written, by every backend. An empty
	// batch writes nothing; a nil one is invalid. Whether a Store is atomic
	// is reported by its Atomic method, when it has one (see Atomic).
	Apply(ctx context.Context, b *Batch) error

	io.Closer
}

// EventStatus says what became of a received event.
type EventStatus string

// The event statuses.
const (
	EventMatched   EventStatus = "matched"   // at least one playbook matched
	EventUnmatched EventStatus = "unmatched" // no playbook matched
	EventRejected  EventStatus = "rejected"  // the input could not be parsed or failed validation
	EventDuplicate EventStatus = "duplicate" // every run it would start already exists
	EventIgnored   EventStatus = "ignored"   // deliberately not acted on, e.g. by the loop guard
)

// Valid reports whether s is one of the defined event statuses.
func (s EventStatus) Valid() bool {
	switch s {
	case EventMatched, EventUnmatched, EventRejected, EventDuplicate, EventIgnored:
		return true
	}
	return false
}

// Atomic is implemented by a Store that documents whether its Apply is
// atomic: Atomic reports whether a batch is written entirely or not at all.
type Atomic interface {
	Atomic() bool
}

// Batch is a group of writes for Store.Apply, applied in this order:
// events, run creations, run updates, steps, audit entries. Each write sees
// the ones before it: an update of a run created in the same batch finds
// it, at Version 1. Steps and audit entries of a run created in the batch
// name it by ID, so the caller sets that ID itself (see NewID).
type Batch struct {
	// Events are recorded as by RecordEvent. Apply fills in their
	// defaults in place, an empty Key among them, so the caller learns
	// each record's key.
	Events []EventRecord
	// Create are created as by CreateRun: a new run is completed in
	// place, an existing key overwrites the run with the stored one.
	Create []*Run
	// Created is set by Apply: Created[i] reports whether Create[i] was
	// new.
	Created []bool
	// Update are updated as by UpdateRun (optimistically, each Version
	// incremented in place).
	Update []*Run
	// Steps are stored as by PutStep.
	Steps []StepRecord
	// Audit entries are appended as by AppendAudit (a zero Time set to
	// the current time in place).
	Audit []AuditEntry
}

// Empty reports whether the batch has nothing to write. A nil batch is
// empty.
func (b *Batch) Empty() bool {
	return b == nil || len(b.Events) == 0 && len(b.Create) == 0 && len(b.Update) == 0 && len(b.Steps) == 0 && len(b.Audit) == 0
}

// EventRecord is one received event.
type EventRecord struct {
	// Key identifies this record: unique, unlike ID. RecordEvent and Apply
	// fill in a time-ordered key (see NewID) when it is empty; a caller
	// that needs to refer to the record in the same batch (Run.EventKey)
	// sets it itself. Recording a Key that is already recorded replaces
	// that record, so a batch applied twice records its events once.
	Key string
	// ID is the event's id, or a generated one (see NewID) for input that
	// has none. It need not be unique: a redelivered event has the ID of
	// the first delivery.
	ID         string
	Received   time.Time
	Source     string
	DetailType string
	Account    string
	Region     string
	Status     EventStatus
	// Reason says why the event was rejected, ignored or not matched.
	Reason string
	// Playbooks are the IDs of the playbooks that matched.
	Playbooks []string
	// Raw holds the first MaxRawEvent bytes of the body as received.
	Raw []byte
	// Size is the length of the body as received.
	Size int
	// Truncated reports whether Raw is shorter than the body received.
	Truncated bool
}

// EventFilter selects events for ListEvents. Zero fields select everything.
type EventFilter struct {
	ID       string
	Statuses []EventStatus
	Source   string
	Account  string
	// Since and Until bound Received: Since <= Received < Until.
	Since, Until time.Time
	Limit        int
}

// Mode is how a playbook acts on its targets.
type Mode string

// The modes.
const (
	ModeAuto    Mode = "auto"    // act without asking
	ModeApprove Mode = "approve" // wait for a person's approval, then act
	ModeNotify  Mode = "notify"  // only notify
	ModeDryRun  Mode = "dry-run" // plan and record, change nothing
)

// Valid reports whether m is one of the defined modes.
func (m Mode) Valid() bool {
	switch m {
	case ModeAuto, ModeApprove, ModeNotify, ModeDryRun:
		return true
	}
	return false
}

// RunStatus is the state of a run.
type RunStatus string

// The run statuses.
const (
	RunPending          RunStatus = "pending"
	RunRunning          RunStatus = "running"
	RunWaiting          RunStatus = "waiting"
	RunAwaitingApproval RunStatus = "awaiting_approval"
	RunSucceeded        RunStatus = "succeeded"
	RunFailed           RunStatus = "failed"
	RunSkipped          RunStatus = "skipped"
	RunPlanned          RunStatus = "planned"
	RunCancelled        RunStatus = "cancelled"
	// RunNotFound: the resource the run was about does not exist.
	RunNotFound RunStatus = "not_found"
)

// Valid reports whether s is one of the defined run statuses.
func (s RunStatus) Valid() bool {
	switch s {
	case RunPending, RunRunning, RunWaiting, RunAwaitingApproval, RunSucceeded,
		RunFailed, RunSkipped, RunPlanned, RunCancelled, RunNotFound:
		return true
	}
	return false
}

// Resumable reports whether a run in status s is due for execution when its
// WakeAt has passed: pending, running or waiting.
func (s RunStatus) Resumable() bool {
	return s == RunPending || s == RunRunning || s == RunWaiting
}

// Terminal reports whether a run in status s is finished.
func (s RunStatus) Terminal() bool {
	switch s {
	case RunSucceeded, RunFailed, RunSkipped, RunPlanned, RunCancelled, RunNotFound:
		return true
	}
	return false
}

// Target is the resource a run acts on.
type Target struct {
	Account      string
	Region       string
	ResourceType string
	ResourceID   string
	ARN          string
	// FindingID and ProductARN identify the Security Hub finding the
	// target came from, if any.
	FindingID  string
	ProductARN string
}

// Run is one execution of one playbook against one target for one trigger.
type Run struct {
	// ID identifies the run. CreateRun fills in a time-ordered ID (see
	// NewID) when it is empty.
	ID string
	// Key is the idempotency key, unique across runs: the same playbook,
	// target and trigger always give the same key.
	Key        string
	PlaybookID string
	EventID    string
	// EventKey is the Key of the recorded event the run was started
	// from, whose raw body the run reads when it executes; "" when the
	// run's Input carries what it needs.
	EventKey string
	Target   Target
	Mode     Mode
	Status   RunStatus
	// NextStep is the index of the first step not yet finished.
	NextStep int
	// WakeAt is when the run is next due; zero means now.
	WakeAt time.Time
	// Attempts counts the failed attempts of the step the run is at that
	// may succeed later; it starts again at zero for the next step.
	Attempts int
	Error    string
	// Input is what the engine needs to resume the run (typically the
	// event and the resolved parameters, as JSON).
	Input []byte
	// Notified records that the run's notification was sent, so that it
	// is sent exactly once.
	Notified   bool
	Created    time.Time
	Updated    time.Time
	LeaseOwner string
	LeaseUntil time.Time
	// Version is the optimistic concurrency token; see UpdateRun.
	Version int64
}

// RunFilter selects runs for ListRuns. Zero fields select everything.
type RunFilter struct {
	Statuses   []RunStatus
	PlaybookID string
	Account    string
	EventID    string
	// Before and After bound Created: After < Created < Before.
	Before, After time.Time
	Limit         int
}

// StepStatus is the outcome of one step.
type StepStatus string

// The step statuses.
const (
	StepSucceeded   StepStatus = "succeeded"
	StepAlreadyDone StepStatus = "already_done"
	StepPending     StepStatus = "pending"
	StepFailed      StepStatus = "failed"
	StepSkipped     StepStatus = "skipped"
	StepPlanned     StepStatus = "planned"
	// StepRunning: the step has started and not finished; its Output may
	// hold what the action saved with a checkpoint.
	StepRunning StepStatus = "running"
	// StepNotFound: the resource the step acts on does not exist.
	StepNotFound StepStatus = "not_found"
)

// Valid reports whether s is one of the defined step statuses.
func (s StepStatus) Valid() bool {
	switch s {
	case StepSucceeded, StepAlreadyDone, StepPending, StepFailed, StepSkipped, StepPlanned, StepRunning, StepNotFound:
		return true
	}
	return false
}

// StepRecord is the outcome of one step of a run.
type StepRecord struct {
	RunID    string
	Index    int
	Name     string
	Action   string
	Status   StepStatus
	Message  string
	Output   []byte
	Attempts int
	Started  time.Time
	Finished time.Time
}

// AuditKind classifies an audit entry.
type AuditKind string

// The audit kinds rectify writes. The store accepts any non-empty kind.
const (
	AuditReceived  AuditKind = "received"
	AuditRejected  AuditKind = "rejected"
	AuditMatched   AuditKind = "matched"
	AuditUnmatched AuditKind = "unmatched"
	AuditDuplicate AuditKind = "duplicate"
	AuditSkipped   AuditKind = "skipped"
	AuditPlanned   AuditKind = "planned"
	AuditStarted   AuditKind = "started"
	AuditStep      AuditKind = "step"
	AuditWaiting   AuditKind = "waiting"
	AuditSucceeded AuditKind = "succeeded"
	AuditFailed    AuditKind = "failed"
	AuditNotified  AuditKind = "notified"
)

// AuditEntry is one decision or action, in the audit trail.
type AuditEntry struct {
	Time       time.Time
	Kind       AuditKind
	EventID    string
	RunID      string
	PlaybookID string
	Message    string
	// Data is optional structured detail, as JSON.
	Data []byte
}

// AuditFilter selects audit entries. Zero fields select everything.
type AuditFilter struct {
	RunID      string
	EventID    string
	PlaybookID string
	Kinds      []AuditKind
	// Since and Until bound Time: Since <= Time < Until.
	Since, Until time.Time
	Limit        int
}

// Errorf returns an error for operation op on the record named id that wraps
// err, in the form every backend uses: "store: op id: err".
func Errorf(op, id string, err error) error {
	if id == "" {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return fmt.Errorf("store: %s %q: %w", op, id, err)
}
