package store

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// The functions in this file validate arguments and fill in defaults the same
// way for every backend. Backends call them before writing.

var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// crockford is Crockford's base32 alphabet, which sorts in byte order.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns a new 26-character identifier that sorts by t at millisecond
// resolution: 48 bits of Unix milliseconds followed by 80 random bits, in
// Crockford's base32. Identifiers made in the same millisecond sort in random
// order.
func NewID(t time.Time) string {
	var b [16]byte
	ms := t.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16)
	rand.Read(b[6:]) // never returns an error
	// 128 bits in 26 base32 digits: the first digit carries 3 bits.
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// CapRaw returns the part of an event body that a store keeps: its first
// MaxRawEvent bytes, and whether anything was cut.
func CapRaw(raw []byte) (kept []byte, truncated bool) {
	if len(raw) > MaxRawEvent {
		return raw[:MaxRawEvent], true
	}
	return raw, false
}

// checkIdents rejects identifiers that are not valid UTF-8; fields holds
// name, value pairs.
func checkIdents(op, id string, fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if !utf8.ValidString(fields[i+1]) {
			return invalid(op, id, "%s %q is not valid UTF-8", fields[i], fields[i+1])
		}
	}
	return nil
}

// cleanText replaces the invalid UTF-8 in free text with U+FFFD, so that
// every backend stores the same string.
func cleanText(ps ...*string) {
	for _, p := range ps {
		if !utf8.ValidString(*p) {
			*p = strings.ToValidUTF8(*p, "\uFFFD")
		}
	}
}

func invalid(op, id, format string, args ...any) error {
	return Errorf(op, id, fmt.Errorf(format+": %w", append(args, ErrInvalid)...))
}

// CheckTime reports whether t can be stored: zero, or within the range of
// int64 Unix nanoseconds.
func CheckTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return fmt.Errorf("%s %s is outside the storable range %s to %s: %w",
			field, t.Format(time.RFC3339), minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339), ErrInvalid)
	}
	return nil
}

func checkTimes(op, id string, fields ...any) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if err := CheckTime(fields[i].(string), fields[i+1].(time.Time)); err != nil {
			return Errorf(op, id, err)
		}
	}
	return nil
}

// PrepareEvent validates e for RecordEvent, sets a zero Received to now and
// an empty Key to a new one (NewID of Received), caps Raw (see CapRaw), sets
// Size if it is zero and converts times to UTC.
func PrepareEvent(e *EventRecord, now time.Time) error {
	const op = "record event"
	if e.ID == "" {
		return invalid(op, "", "empty ID")
	}
	if err := checkIdents(op, "", "ID", e.ID, "Key", e.Key); err != nil {
		return err
	}
	if !e.Status.Valid() {
		return invalid(op, e.ID, "unknown Status %q", e.Status)
	}
	for i, p := range e.Playbooks {
		if err := checkIdents(op, e.ID, fmt.Sprintf("Playbooks[%d]", i), p); err != nil {
			return err
		}
	}
	cleanText(&e.Source, &e.DetailType, &e.Account, &e.Region, &e.Reason)
	if e.Received.IsZero() {
		e.Received = now
	}
	if err := checkTimes(op, e.ID, "Received", e.Received); err != nil {
		return err
	}
	e.Received = e.Received.UTC()
	if e.Key == "" {
		e.Key = NewID(e.Received)
	}
	if e.Size < len(e.Raw) {
		e.Size = len(e.Raw)
	}
	var cut bool
	e.Raw, cut = CapRaw(e.Raw)
	e.Truncated = e.Truncated || cut
	return nil
}

// PrepareNewRun validates r for CreateRun and fills in its defaults: an ID
// from NewID, Status pending, Created and Updated now, Version 1.
func PrepareNewRun(r *Run, now time.Time) error {
	const op = "create run"
	if r == nil {
		return invalid(op, "", "nil run")
	}
	if r.Key == "" {
		return invalid(op, r.ID, "empty Key")
	}
	if r.PlaybookID == "" {
		return invalid(op, r.Key, "empty PlaybookID")
	}
	if r.Status == "" {
		r.Status = RunPending
	}
	if r.Created.IsZero() {
		r.Created = now
	}
	if r.Updated.IsZero() {
		r.Updated = r.Created
	}
	if err := checkRun(op, r.Key, r); err != nil {
		return err
	}
	if r.ID == "" {
		r.ID = NewID(r.Created)
	}
	r.Version = 1
	return nil
}

// PrepareRunUpdate validates r for UpdateRun and sets a zero Updated to now.
func PrepareRunUpdate(r *Run, now time.Time) error {
	const op = "update run"
	if r == nil {
		return invalid(op, "", "nil run")
	}
	if r.ID == "" {
		return invalid(op, "", "empty ID")
	}
	if r.Updated.IsZero() {
		r.Updated = now
	}
	return checkRun(op, r.ID, r)
}

func checkRun(op, id string, r *Run) error {
	if err := checkIdents(op, id, "ID", r.ID, "Key", r.Key, "PlaybookID", r.PlaybookID,
		"EventID", r.EventID, "EventKey", r.EventKey, "LeaseOwner", r.LeaseOwner); err != nil {
		return err
	}
	if r.Mode != "" && !r.Mode.Valid() {
		return invalid(op, id, "unknown Mode %q", r.Mode)
	}
	if !r.Status.Valid() {
		return invalid(op, id, "unknown Status %q", r.Status)
	}
	if r.NextStep < 0 {
		return invalid(op, id, "negative NextStep %d", r.NextStep)
	}
	if r.Attempts < 0 {
		return invalid(op, id, "negative Attempts %d", r.Attempts)
	}
	if err := checkTimes(op, id, "WakeAt", r.WakeAt, "Created", r.Created,
		"Updated", r.Updated, "LeaseUntil", r.LeaseUntil); err != nil {
		return err
	}
	t := &r.Target
	cleanText(&t.Account, &t.Region, &t.ResourceType, &t.ResourceID, &t.ARN, &t.FindingID, &t.ProductARN, &r.Error)
	r.WakeAt, r.Created, r.Updated, r.LeaseUntil = r.WakeAt.UTC(), r.Created.UTC(), r.Updated.UTC(), r.LeaseUntil.UTC()
	return nil
}

// CheckID validates a run ID argument of operation op.
func CheckID(op, id string) error {
	if id == "" {
		return invalid(op, "", "empty run ID")
	}
	return checkIdents(op, "", "run ID", id)
}

// CheckEventKey validates the key argument of GetEvent.
func CheckEventKey(key string) error {
	const op = "get event"
	if key == "" {
		return invalid(op, "", "empty event key")
	}
	return checkIdents(op, "", "event key", key)
}

// CheckLease validates the arguments of Claim.
func CheckLease(id, owner string, now, until time.Time) error {
	const op = "claim run"
	if err := CheckID(op, id); err != nil {
		return err
	}
	if owner == "" {
		return invalid(op, id, "empty owner")
	}
	if err := checkIdents(op, id, "owner", owner); err != nil {
		return err
	}
	if now.IsZero() || until.IsZero() {
		return invalid(op, id, "zero lease time")
	}
	if !until.After(now) {
		return invalid(op, id, "lease end %s is not after now %s",
			until.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	return checkTimes(op, id, "now", now, "until", until)
}

// CheckRelease validates the arguments of Release.
func CheckRelease(id, owner string) error {
	const op = "release run"
	if err := CheckID(op, id); err != nil {
		return err
	}
	if owner == "" {
		return invalid(op, id, "empty owner")
	}
	return checkIdents(op, id, "owner", owner)
}

// CheckDue validates the arguments of DueRuns.
func CheckDue(now time.Time) error {
	const op = "due runs"
	if now.IsZero() {
		return invalid(op, "", "zero now")
	}
	return checkTimes(op, "", "now", now)
}

// PrepareStep validates s for PutStep and converts its times to UTC.
func PrepareStep(s *StepRecord) error {
	const op = "put step"
	if s.RunID == "" {
		return invalid(op, "", "empty RunID")
	}
	if err := checkIdents(op, "", "RunID", s.RunID); err != nil {
		return err
	}
	id := fmt.Sprintf("%s/%d", s.RunID, s.Index)
	if s.Index < 0 {
		return invalid(op, id, "negative Index")
	}
	if !s.Status.Valid() {
		return invalid(op, id, "unknown Status %q", s.Status)
	}
	if s.Attempts < 0 {
		return invalid(op, id, "negative Attempts %d", s.Attempts)
	}
	if err := checkTimes(op, id, "Started", s.Started, "Finished", s.Finished); err != nil {
		return err
	}
	cleanText(&s.Name, &s.Action, &s.Message)
	s.Started, s.Finished = s.Started.UTC(), s.Finished.UTC()
	return nil
}

// PrepareAudit validates a for AppendAudit, sets a zero Time to now and
// converts it to UTC.
func PrepareAudit(a *AuditEntry, now time.Time) error {
	const op = "append audit"
	if a.Kind == "" {
		return invalid(op, "", "empty Kind")
	}
	if err := checkIdents(op, "", "Kind", string(a.Kind), "EventID", a.EventID, "RunID", a.RunID,
		"PlaybookID", a.PlaybookID); err != nil {
		return err
	}
	cleanText(&a.Message)
	if a.Time.IsZero() {
		a.Time = now
	}
	if err := checkTimes(op, string(a.Kind), "Time", a.Time); err != nil {
		return err
	}
	a.Time = a.Time.UTC()
	return nil
}

// CheckFilterTimes validates the time bounds of a filter for operation op.
func CheckFilterTimes(op string, a, b time.Time) error {
	return checkTimes(op, "", "filter start", a, "filter end", b)
}

// PrepareBatch validates every record of b for Apply and fills in its
// defaults, as the single operations do: PrepareEvent, PrepareNewRun,
// PrepareRunUpdate, PrepareStep and PrepareAudit. The error of an invalid
// record names its place in the batch, such as Steps[2].
func PrepareBatch(b *Batch, now time.Time) error {
	if b == nil {
		return invalid("apply", "", "nil batch")
	}
	at := func(field string, i int, err error) error {
		return fmt.Errorf("%w (batch %s[%d])", err, field, i)
	}
	for i := range b.Events {
		if err := PrepareEvent(&b.Events[i], now); err != nil {
			return at("Events", i, err)
		}
	}
	for i, r := range b.Create {
		if err := PrepareNewRun(r, now); err != nil {
			return at("Create", i, err)
		}
	}
	for i, r := range b.Update {
		if err := PrepareRunUpdate(r, now); err != nil {
			return at("Update", i, err)
		}
	}
	for i := range b.Steps {
		if err := PrepareStep(&b.Steps[i]); err != nil {
			return at("Steps", i, err)
		}
	}
	for i := range b.Audit {
		if err := PrepareAudit(&b.Audit[i], now); err != nil {
			return at("Audit", i, err)
		}
	}
	return nil
}
