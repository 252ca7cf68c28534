package store

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewID(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 4, 0, 0, 0, time.UTC)
	var got []string
	seen := map[string]bool{}
	for i := range 200 {
		id := NewID(t0.Add(time.Duration(i) * time.Millisecond))
		if len(id) != 26 {
			t.Fatalf("NewID = %q, %d characters, want 26", id, len(id))
		}
		if strings.Trim(id, crockford) != "" {
			t.Fatalf("NewID = %q has characters outside %q", id, crockford)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
		got = append(got, id)
	}
	if !slices.IsSorted(got) {
		t.Errorf("IDs made at increasing milliseconds do not sort in order: %v", got[:5])
	}
	// Same millisecond: distinct, same 10-character time prefix.
	a, b := NewID(t0), NewID(t0)
	if a == b || a[:10] != b[:10] {
		t.Errorf("NewID twice at one time = %q, %q; want distinct with one time prefix", a, b)
	}
	if NewID(t0)[:10] == NewID(t0.Add(time.Millisecond))[:10] {
		t.Error("time prefix does not change with the millisecond")
	}
	if id := NewID(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)); !strings.HasPrefix(id, "0000000000") {
		t.Errorf("NewID before 1970 = %q, want a zero time prefix", id)
	}
}

func TestCapRaw(t *testing.T) {
	for _, tc := range []struct {
		n, want int
		cut     bool
	}{
		{0, 0, false},
		{10, 10, false},
		{MaxRawEvent, MaxRawEvent, false},
		{MaxRawEvent + 1, MaxRawEvent, true},
		{3 * MaxRawEvent, MaxRawEvent, true},
	} {
		raw := bytes.Repeat([]byte{'x'}, tc.n)
		got, cut := CapRaw(raw)
		if len(got) != tc.want || cut != tc.cut {
			t.Errorf("CapRaw(%d bytes) = %d bytes, %v; want %d, %v", tc.n, len(got), cut, tc.want, tc.cut)
		}
	}
}

func TestCheckTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"zero", time.Time{}, true},
		{"epoch", time.Unix(0, 0), true},
		{"now", time.Now(), true},
		{"max", time.Unix(0, math.MaxInt64), true},
		{"min", time.Unix(0, math.MinInt64), true},
		{"after max", time.Unix(0, math.MaxInt64).Add(time.Nanosecond), false},
		{"before min", time.Unix(0, math.MinInt64).Add(-time.Nanosecond), false},
		{"year 1", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), false},
	} {
		err := CheckTime("WakeAt", tc.t)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckTime = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "WakeAt")) {
			t.Errorf("%s: error %q should wrap ErrInvalid and name the field", tc.name, err)
		}
	}
}

func TestPrepareEvent(t *testing.T) {
	now := time.Date(2026, 11, 24, 4, 0, 0, 0, time.FixedZone("X", 3600))
	e := EventRecord{ID: "e", Status: EventRejected, Raw: make([]byte, MaxRawEvent+7)}
	if err := PrepareEvent(&e, now); err != nil {
		t.Fatalf("PrepareEvent: %v", err)
	}
	if !e.Received.Equal(now) || e.Received.Location() != time.UTC {
		t.Errorf("Received = %v, want %v in UTC", e.Received, now)
	}
	if len(e.Raw) != MaxRawEvent || e.Size != MaxRawEvent+7 || !e.Truncated {
		t.Errorf("Raw %d bytes, Size %d, Truncated %v; want %d, %d, true", len(e.Raw), e.Size, e.Truncated, MaxRawEvent, MaxRawEvent+7)
	}
	// A caller that already cut the body keeps its Size and flag.
	e = EventRecord{ID: "e", Status: EventRejected, Raw: []byte("abc"), Size: 1 << 20, Truncated: true}
	if err := PrepareEvent(&e, now); err != nil {
		t.Fatalf("PrepareEvent: %v", err)
	}
	if e.Size != 1<<20 || !e.Truncated {
		t.Errorf("pre-cut body: Size %d Truncated %v, want %d true", e.Size, e.Truncated, 1<<20)
	}
}

func TestPrepareNewRunDefaults(t *testing.T) {
	now := time.Date(2026, 11, 24, 4, 0, 0, 1, time.UTC)
	r := &Run{Key: "k", PlaybookID: "p", Version: 9}
	if err := PrepareNewRun(r, now); err != nil {
		t.Fatalf("PrepareNewRun: %v", err)
	}
	if r.Status != RunPending || !r.Created.Equal(now) || !r.Updated.Equal(now) || r.Version != 1 || len(r.ID) != 26 {
		t.Errorf("defaults = status %q created %v updated %v version %d id %q", r.Status, r.Created, r.Updated, r.Version, r.ID)
	}
}

func TestErrorf(t *testing.T) {
	err := Errorf("get run", "r1", ErrNotFound)
	if err.Error() != `store: get run "r1": not found` || !errors.Is(err, ErrNotFound) {
		t.Errorf("Errorf = %q", err)
	}
	if err := Errorf("audit", "", ErrInvalid); err.Error() != "store: audit: invalid argument" {
		t.Errorf("Errorf without id = %q", err)
	}
}

func TestStatuses(t *testing.T) {
	for _, s := range []RunStatus{RunPending, RunRunning, RunWaiting} {
		if !s.Valid() || !s.Resumable() || s.Terminal() {
			t.Errorf("%s: valid %v resumable %v terminal %v", s, s.Valid(), s.Resumable(), s.Terminal())
		}
	}
	for _, s := range []RunStatus{RunSucceeded, RunFailed, RunSkipped, RunPlanned, RunCancelled} {
		if !s.Valid() || s.Resumable() || !s.Terminal() {
			t.Errorf("%s: valid %v resumable %v terminal %v", s, s.Valid(), s.Resumable(), s.Terminal())
		}
	}
	if s := RunAwaitingApproval; !s.Valid() || s.Resumable() || s.Terminal() {
		t.Errorf("%s: valid %v resumable %v terminal %v", s, s.Valid(), s.Resumable(), s.Terminal())
	}
	for _, bad := range []string{"", "done", "Pending"} {
		if RunStatus(bad).Valid() || EventStatus(bad).Valid() || StepStatus(bad).Valid() {
			t.Errorf("status %q is valid", bad)
		}
	}
}

func TestPrepareBatch(t *testing.T) {
	now := time.Date(2026, 11, 24, 4, 0, 0, 0, time.UTC)
	b := &Batch{
		Events: []EventRecord{{ID: "e", Status: EventMatched}, {Key: "mine", ID: "e", Status: EventMatched}},
		Create: []*Run{{Key: "k", PlaybookID: "p"}},
		Audit:  []AuditEntry{{Kind: AuditMatched}},
	}
	if err := PrepareBatch(b, now); err != nil {
		t.Fatalf("PrepareBatch: %v", err)
	}
	if len(b.Events[0].Key) != 26 || b.Events[1].Key != "mine" || !b.Events[0].Received.Equal(now) {
		t.Errorf("events after PrepareBatch: %+v", b.Events)
	}
	if r := b.Create[0]; r.ID == "" || r.Version != 1 || r.Status != RunPending {
		t.Errorf("run after PrepareBatch: %+v", r)
	}
	if !b.Audit[0].Time.Equal(now) {
		t.Errorf("audit time %v, want %v", b.Audit[0].Time, now)
	}

	for _, tc := range []struct {
		name  string
		b     *Batch
		where string
	}{
		{"nil", nil, "nil batch"},
		{"event", &Batch{Events: []EventRecord{{ID: "e", Status: EventMatched}, {ID: "e", Status: "lost"}}}, "Events[1]"},
		{"event key", &Batch{Events: []EventRecord{{Key: "\xff", ID: "e", Status: EventMatched}}}, "Events[0]"},
		{"create", &Batch{Create: []*Run{{Key: "k", PlaybookID: "p"}, nil}}, "Create[1]"},
		{"update", &Batch{Update: []*Run{{Key: "k", PlaybookID: "p", Status: RunPending}}}, "Update[0]"},
		{"event key of a run", &Batch{Create: []*Run{{Key: "k", PlaybookID: "p", EventKey: "\xff"}}}, "EventKey"},
		{"step", &Batch{Steps: []StepRecord{{RunID: "r", Status: StepPlanned}, {RunID: "r", Index: -1, Status: StepPlanned}}}, "Steps[1]"},
		{"audit", &Batch{Audit: []AuditEntry{{}}}, "Audit[0]"},
	} {
		err := PrepareBatch(tc.b, now)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.where) {
			t.Errorf("%s: PrepareBatch = %v, want ErrInvalid naming %s", tc.name, err, tc.where)
		}
	}
	if !(*Batch)(nil).Empty() || !(&Batch{}).Empty() || (&Batch{Audit: []AuditEntry{{}}}).Empty() {
		t.Error("Empty is wrong")
	}
}
