package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rectify-dev/rectify/internal/store"
)

// isAtomic reports whether s documents its Apply as atomic.
func isAtomic(s store.Store) bool {
	a, ok := s.(store.Atomic)
	return ok && a.Atomic()
}

func checkEvent(t *testing.T, what string, got *store.EventRecord, want store.EventRecord) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got no event, want %+v", what, want)
	}
	if got.Received.Location() != time.UTC {
		t.Errorf("%s: Received location %v, want UTC", what, got.Received.Location())
	}
	if want.Size < len(want.Raw) {
		want.Size = len(want.Raw)
	}
	if got.Key != want.Key || got.ID != want.ID || !got.Received.Equal(want.Received) || got.Source != want.Source ||
		got.DetailType != want.DetailType || got.Account != want.Account || got.Region != want.Region ||
		got.Status != want.Status || got.Reason != want.Reason || !slices.Equal(got.Playbooks, want.Playbooks) ||
		!bytes.Equal(got.Raw, want.Raw) || got.Size != want.Size || got.Truncated != want.Truncated {
		t.Errorf("%s: event differs\n got %+v\nwant %+v", what, *got, want)
	}
}

func testGetEvent(t *testing.T, s store.Store) {
	ctx := context.Background()
	want := store.EventRecord{Key: "key-1", ID: "e1", Received: base, Source: "aws.guardduty",
		DetailType: "GuardDuty Finding", Account: "111122223333", Region: "eu-west-1",
		Status: store.EventMatched, Playbooks: []string{"p1", "p2"}, Raw: []byte(`{"id":"e1"}`)}
	if err := s.RecordEvent(ctx, want); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	got, err := s.GetEvent(ctx, "key-1")
	if err != nil {
		t.Fatalf("GetEvent: %v", err)
	}
	checkEvent(t, "GetEvent", got, want)

	_, err = s.GetEvent(ctx, "no-such-key")
	wantErr(t, "GetEvent of an unknown key", err, store.ErrNotFound)
	if err != nil && !strings.Contains(err.Error(), "no-such-key") {
		t.Errorf("GetEvent error %q does not name the key", err)
	}
	_, err = s.GetEvent(ctx, "")
	wantErr(t, "GetEvent of an empty key", err, store.ErrInvalid)
	_, err = s.GetEvent(ctx, "k\xff")
	wantErr(t, "GetEvent of a key that is not UTF-8", err, store.ErrInvalid)
}

func testEventKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	// Keys are filled in, unique among records of one event ID.
	const n = 20
	for i := range n {
		if err := s.RecordEvent(ctx, store.EventRecord{ID: "redelivered", Received: base, Status: store.EventDuplicate,
			Reason: fmt.Sprint(i)}); err != nil {
			t.Fatalf("RecordEvent: %v", err)
		}
	}
	recs, err := s.ListEvents(ctx, store.EventFilter{ID: "redelivered"})
	if err != nil || len(recs) != n {
		t.Fatalf("ListEvents = %d records, %v; want %d", len(recs), err, n)
	}
	keys := map[string]bool{}
	for _, e := range recs {
		if e.Key == "" {
			t.Fatalf("record %+v has no key", e)
		}
		keys[e.Key] = true
		got, err := s.GetEvent(ctx, e.Key)
		if err != nil {
			t.Fatalf("GetEvent(%s): %v", e.Key, err)
		}
		if got.Reason != e.Reason {
			t.Errorf("GetEvent(%s) = reason %q, want %q", e.Key, got.Reason, e.Reason)
		}
	}
	if len(keys) != n {
		t.Errorf("%d records have %d distinct keys", n, len(keys))
	}

	// A caller's key is kept; recording it again replaces the record.
	first := store.EventRecord{Key: "mine", ID: "a", Received: base, Status: store.EventMatched, Raw: []byte("1")}
	if err := s.RecordEvent(ctx, first); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	second := store.EventRecord{Key: "mine", ID: "b", Received: base.Add(time.Second), Status: store.EventRejected,
		Reason: "second", Raw: []byte("2")}
	if err := s.RecordEvent(ctx, second); err != nil {
		t.Fatalf("RecordEvent of a recorded key: %v", err)
	}
	got, err := s.GetEvent(ctx, "mine")
	if err != nil {
		t.Fatalf("GetEvent: %v", err)
	}
	checkEvent(t, "event recorded twice under one key", got, second)
	if recs, err := s.ListEvents(ctx, store.EventFilter{ID: "a"}); err != nil || len(recs) != 0 {
		t.Errorf("ListEvents(a) = %+v, %v; want none: its record was replaced", recs, err)
	}
	if recs, err := s.ListEvents(ctx, store.EventFilter{ID: "b"}); err != nil || len(recs) != 1 || recs[0].Key != "mine" {
		t.Errorf("ListEvents(b) = %+v, %v; want the record under key mine", recs, err)
	}
	all, err := s.ListEvents(ctx, store.EventFilter{})
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	if len(all) != n+1 {
		t.Errorf("ListEvents = %d records, want %d", len(all), n+1)
	}
}

func testRunEventKey(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun("event-key", base)
	r.EventKey = "01JEVENTKEY0000000000000001"
	mustCreate(t, s, r)
	for name, get := range map[string]func() (*store.Run, error){
		"GetRun": func() (*store.Run, error) { return s.GetRun(ctx, r.ID) },
		"ListRuns": func() (*store.Run, error) {
			runs, err := s.ListRuns(ctx, store.RunFilter{})
			if err != nil || len(runs) != 1 {
				return nil, fmt.Errorf("%d runs, %v", len(runs), err)
			}
			return runs[0], nil
		},
		"DueRuns": func() (*store.Run, error) {
			runs, err := s.DueRuns(ctx, base.Add(time.Hour), 0)
			if err != nil || len(runs) != 1 {
				return nil, fmt.Errorf("%d runs, %v", len(runs), err)
			}
			return runs[0], nil
		},
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.EventKey != r.EventKey {
			t.Errorf("%s: EventKey %q, want %q", name, got.EventKey, r.EventKey)
		}
	}
	claimed, err := s.Claim(ctx, r.ID, "w", base, base.Add(time.Minute))
	if err != nil || claimed.EventKey != r.EventKey {
		t.Fatalf("Claim = %+v, %v; want EventKey %q", claimed, err, r.EventKey)
	}
	claimed.EventKey = ""
	if err := s.UpdateRun(ctx, claimed); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	if got, err := s.GetRun(ctx, r.ID); err != nil || got.EventKey != "" {
		t.Errorf("after clearing EventKey: %+v, %v", got, err)
	}
	bad := newRun("bad-event-key", base)
	bad.EventKey = "\xff"
	_, err = s.CreateRun(ctx, bad)
	wantErr(t, "CreateRun with an EventKey that is not UTF-8", err, store.ErrInvalid)
}

// testLeaseOwners checks that a lease belongs to an owner string, not to a
// process: executions of one process with owners of their own exclude each
// other.
func testLeaseOwners(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, newRun("owners", base))
	now := base.Add(time.Minute)
	until := now.Add(time.Minute)
	a, err := s.Claim(ctx, r.ID, "host:1:exec-1", now, until)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	_, err = s.Claim(ctx, r.ID, "host:1:exec-2", now, until)
	wantErr(t, "Claim by a second execution while the lease is held", err, store.ErrConflict)
	wantErr(t, "Release by an execution that does not hold the lease", s.Release(ctx, r.ID, "host:1:exec-2"), store.ErrConflict)
	if got, err := s.GetRun(ctx, r.ID); err != nil || got.LeaseOwner != "host:1:exec-1" || !got.LeaseUntil.Equal(until) {
		t.Fatalf("after refused claim and release: %+v, %v; want the lease of exec-1 until %v", got, err, until)
	}

	// The holder renews by UpdateRun with a later LeaseUntil.
	renewed := until.Add(time.Minute)
	a.LeaseUntil = renewed
	a.Status = store.RunRunning
	if err := s.UpdateRun(ctx, a); err != nil {
		t.Fatalf("UpdateRun renewing the lease: %v", err)
	}
	after := until.Add(time.Second) // past the first lease, within the renewed one
	_, err = s.Claim(ctx, r.ID, "host:1:exec-2", after, after.Add(time.Minute))
	wantErr(t, "Claim after the first lease end, within the renewal", err, store.ErrConflict)
	due, err := s.DueRuns(ctx, after, 0)
	if err != nil {
		t.Fatalf("DueRuns: %v", err)
	}
	if len(due) != 0 {
		t.Errorf("DueRuns within a renewed lease = %v, want none", ids(due))
	}
	// The same owner claims again (a renewal by Claim).
	if _, err := s.Claim(ctx, r.ID, "host:1:exec-1", after, renewed.Add(time.Minute)); err != nil {
		t.Fatalf("Claim by the holder: %v", err)
	}
	if err := s.Release(ctx, r.ID, "host:1:exec-1"); err != nil {
		t.Fatalf("Release by the holder: %v", err)
	}
	if _, err := s.Claim(ctx, r.ID, "host:1:exec-2", after, after.Add(time.Minute)); err != nil {
		t.Fatalf("Claim after Release: %v", err)
	}
}

func testApply(t *testing.T, s store.Store) {
	ctx := context.Background()
	old := mustCreate(t, s, newRun("apply-old", base))
	dup := mustCreate(t, s, newRun("apply-dup", base))

	fresh := newRun("apply-new", base.Add(time.Second))
	fresh.ID = store.NewID(base)
	fresh.EventKey = "apply-event"
	again := newRun("apply-dup", base.Add(time.Hour))
	again.PlaybookID = "other"
	// An update of the run the batch creates finds it at Version 1.
	progress := *fresh
	progress.Version, progress.Status, progress.NextStep = 1, store.RunRunning, 1
	old.Status, old.Error = store.RunFailed, "gave up"

	events := []store.EventRecord{
		{Key: "apply-event", ID: "ev-apply", Received: base, Source: "aws.iam", Status: store.EventMatched,
			Playbooks: []string{fresh.PlaybookID}, Raw: []byte(`{"id":"ev-apply"}`)},
		{ID: "ev-plain", Received: base, Status: store.EventUnmatched, Reason: "no playbook"},
	}
	b := &store.Batch{
		Events: slices.Clone(events),
		Create: []*store.Run{fresh, again},
		Update: []*store.Run{old, &progress},
		Steps: []store.StepRecord{
			{RunID: fresh.ID, Index: 0, Name: "plan", Status: store.StepSucceeded, Message: "done", Started: base},
			{RunID: fresh.ID, Index: 1, Name: "act", Status: store.StepPending, Message: "waiting"},
		},
		Audit: []store.AuditEntry{
			{Time: base, Kind: store.AuditMatched, EventID: "ev-apply", RunID: fresh.ID, PlaybookID: fresh.PlaybookID, Message: "created"},
			{Time: base, Kind: store.AuditStep, EventID: "ev-apply", RunID: fresh.ID, PlaybookID: fresh.PlaybookID, Message: "planned"},
		},
	}
	if err := s.Apply(ctx, b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !slices.Equal(b.Created, []bool{true, false}) {
		t.Errorf("Created = %v, want [true false]", b.Created)
	}
	if fresh.Version != 1 || fresh.Status != store.RunPending {
		t.Errorf("created run: version %d status %s, want 1 pending", fresh.Version, fresh.Status)
	}
	checkRun(t, "duplicate in a batch", again, dup)
	if old.Version != 2 || progress.Version != 2 {
		t.Errorf("updated versions %d and %d, want 2 and 2", old.Version, progress.Version)
	}
	if b.Events[0].Key != "apply-event" || b.Events[1].Key == "" {
		t.Errorf("event keys %q, %q; want apply-event and a filled-in key", b.Events[0].Key, b.Events[1].Key)
	}

	for i, e := range b.Events {
		got, err := s.GetEvent(ctx, e.Key)
		if err != nil {
			t.Fatalf("GetEvent(%s): %v", e.Key, err)
		}
		want := events[i]
		want.Key = e.Key
		checkEvent(t, "event "+e.ID, got, want)
	}
	got, err := s.GetRun(ctx, fresh.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	checkRun(t, "run created and updated in one batch", got, &progress)
	if got, err := s.GetRun(ctx, old.ID); err != nil || got.Status != store.RunFailed || got.Error != "gave up" {
		t.Errorf("updated run = %+v, %v", got, err)
	}
	steps, err := s.Steps(ctx, fresh.ID)
	if err != nil || len(steps) != 2 || steps[0].Name != "plan" || steps[1].Status != store.StepPending {
		t.Errorf("Steps = %+v, %v", steps, err)
	}
	audit, err := s.Audit(ctx, store.AuditFilter{RunID: fresh.ID})
	if err != nil || len(audit) != 2 || audit[0].Message != "created" || audit[1].Message != "planned" {
		t.Errorf("Audit = %+v, %v; want created then planned", audit, err)
	}
	runs, err := s.ListRuns(ctx, store.RunFilter{})
	if err != nil || len(runs) != 3 {
		t.Errorf("ListRuns = %d runs, %v; want 3", len(runs), err)
	}
}

func testApplyStale(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, newRun("stale-apply", base))
	stale := *r
	r.Status = store.RunRunning
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	ok := mustCreate(t, s, newRun("stale-ok", base))
	okBefore := *ok
	ok.Status = store.RunWaiting
	nr := newRun("stale-new", base)
	nr.ID = store.NewID(base)
	stale.Status = store.RunFailed
	b := &store.Batch{
		Events: []store.EventRecord{{Key: "stale-event", ID: "ev-stale", Received: base, Status: store.EventMatched}},
		Create: []*store.Run{nr},
		Update: []*store.Run{ok, &stale},
		Steps:  []store.StepRecord{{RunID: nr.ID, Index: 0, Status: store.StepSucceeded}},
		Audit:  []store.AuditEntry{{Time: base, Kind: store.AuditStep, RunID: nr.ID, Message: "after"}},
	}
	err := s.Apply(ctx, b)
	wantErr(t, "Apply with a stale update", err, store.ErrConflict)
	if stale.Version != 1 {
		t.Errorf("stale run's Version changed to %d", stale.Version)
	}
	if got, err := s.GetRun(ctx, r.ID); err != nil || got.Status != store.RunRunning || got.Version != 2 {
		t.Errorf("run after a stale update in a batch = %+v, %v; want running at version 2", got, err)
	}
	// The writes after the failed one are never made.
	if steps, err := s.Steps(ctx, nr.ID); err != nil || len(steps) != 0 {
		t.Errorf("Steps after a failed batch = %+v, %v; want none", steps, err)
	}
	if audit, err := s.Audit(ctx, store.AuditFilter{RunID: nr.ID}); err != nil || len(audit) != 0 {
		t.Errorf("Audit after a failed batch = %+v, %v; want none", audit, err)
	}
	_, evErr := s.GetEvent(ctx, "stale-event")
	_, runErr := s.GetRun(ctx, nr.ID)
	gotOK, err := s.GetRun(ctx, ok.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	if isAtomic(s) {
		// Nothing of the batch is written, in the store or in its runs.
		wantErr(t, "event of a failed atomic batch", evErr, store.ErrNotFound)
		wantErr(t, "run created by a failed atomic batch", runErr, store.ErrNotFound)
		checkRun(t, "run updated by a failed atomic batch", gotOK, &okBefore)
		if ok.Version != 1 {
			t.Errorf("run updated by a failed atomic batch: Version %d in memory, want 1", ok.Version)
		}
		if slices.Contains(b.Created, true) {
			t.Errorf("Created = %v after a failed atomic batch", b.Created)
		}
		return
	}
	// Without atomicity the writes before the failed one stay.
	if evErr != nil || runErr != nil {
		t.Errorf("writes before the failed one: GetEvent %v, GetRun %v; want both written", evErr, runErr)
	}
	if gotOK.Status != store.RunWaiting || ok.Version != 2 {
		t.Errorf("update before the failed one: status %s version %d, want waiting 2", gotOK.Status, ok.Version)
	}
}

func testApplyAgain(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun("again", base)
	r.ID = store.NewID(base)
	b := &store.Batch{
		Events: []store.EventRecord{{Key: "again-event", ID: "ev-again", Received: base, Status: store.EventMatched, Raw: []byte("{}")}},
		Create: []*store.Run{r},
		Steps:  []store.StepRecord{{RunID: r.ID, Index: 0, Status: store.StepPlanned, Message: "plan"}},
	}
	if err := s.Apply(ctx, b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !slices.Equal(b.Created, []bool{true}) {
		t.Fatalf("Created = %v, want [true]", b.Created)
	}
	first := *r
	if err := s.Apply(ctx, b); err != nil {
		t.Fatalf("Apply again: %v", err)
	}
	if !slices.Equal(b.Created, []bool{false}) {
		t.Errorf("Created on the second Apply = %v, want [false]", b.Created)
	}
	checkRun(t, "run after the second Apply", r, &first)
	if recs, err := s.ListEvents(ctx, store.EventFilter{ID: "ev-again"}); err != nil || len(recs) != 1 {
		t.Errorf("ListEvents = %d records, %v; want 1", len(recs), err)
	}
	if runs, err := s.ListRuns(ctx, store.RunFilter{}); err != nil || len(runs) != 1 {
		t.Errorf("ListRuns = %d runs, %v; want 1", len(runs), err)
	}
	if steps, err := s.Steps(ctx, r.ID); err != nil || len(steps) != 1 {
		t.Errorf("Steps = %d, %v; want 1", len(steps), err)
	}

	// A batch that failed on a stale update is applied again once the
	// caller has the current version: every write lands once.
	cur := mustCreate(t, s, newRun("again-stale", base))
	stale := *cur
	stale.Version = 7
	nr := newRun("again-new", base)
	nr.ID = store.NewID(base)
	b = &store.Batch{
		Events: []store.EventRecord{{Key: "again-event-2", ID: "ev-again-2", Received: base, Status: store.EventMatched}},
		Create: []*store.Run{nr},
		Update: []*store.Run{&stale},
		Steps:  []store.StepRecord{{RunID: nr.ID, Index: 0, Status: store.StepSucceeded}},
	}
	wantErr(t, "Apply with a stale update", s.Apply(ctx, b), store.ErrConflict)
	stale.Version = cur.Version
	if err := s.Apply(ctx, b); err != nil {
		t.Fatalf("Apply after the conflict: %v", err)
	}
	if recs, err := s.ListEvents(ctx, store.EventFilter{ID: "ev-again-2"}); err != nil || len(recs) != 1 {
		t.Errorf("ListEvents after a retried batch = %d records, %v; want 1", len(recs), err)
	}
	if runs, err := s.ListRuns(ctx, store.RunFilter{PlaybookID: nr.PlaybookID}); err != nil || len(runs) != 1 || runs[0].ID != nr.ID {
		t.Errorf("ListRuns after a retried batch = %v, %v; want the one run %s", runs, err, nr.ID)
	}
	if steps, err := s.Steps(ctx, nr.ID); err != nil || len(steps) != 1 {
		t.Errorf("Steps after a retried batch = %d, %v; want 1", len(steps), err)
	}
}

func testApplyEmpty(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := &store.Batch{Created: []bool{true}}
	if err := s.Apply(ctx, b); err != nil {
		t.Fatalf("Apply of an empty batch: %v", err)
	}
	if len(b.Created) != 0 {
		t.Errorf("Created = %v after an empty batch, want none", b.Created)
	}
	wantErr(t, "Apply(nil)", s.Apply(ctx, nil), store.ErrInvalid)
	if runs, err := s.ListRuns(ctx, store.RunFilter{}); err != nil || len(runs) != 0 {
		t.Errorf("ListRuns = %d, %v; want none", len(runs), err)
	}
}

func testApplyInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun("invalid-batch", base)
	for _, tc := range []struct {
		name  string
		b     *store.Batch
		where string // the place the error must name
	}{
		{"step", &store.Batch{
			Events: []store.EventRecord{{Key: "invalid-event", ID: "e", Status: store.EventMatched}},
			Create: []*store.Run{r},
			Steps:  []store.StepRecord{{RunID: "r", Status: store.StepSucceeded}, {RunID: "r", Index: -1, Status: store.StepSucceeded}},
		}, "Steps[1]"},
		{"event", &store.Batch{Events: []store.EventRecord{{ID: "e", Status: store.EventMatched}, {ID: "", Status: store.EventMatched}}}, "Events[1]"},
		{"nil run", &store.Batch{Create: []*store.Run{nil}}, "Create[0]"},
		{"update", &store.Batch{Create: []*store.Run{r}, Update: []*store.Run{{Key: "k", PlaybookID: "p", Status: store.RunPending}}}, "Update[0]"},
		{"audit", &store.Batch{Create: []*store.Run{r}, Audit: []store.AuditEntry{{Message: "no kind"}}}, "Audit[0]"},
	} {
		err := s.Apply(ctx, tc.b)
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tc.where) {
			t.Errorf("%s: Apply = %v, want ErrInvalid naming %s", tc.name, err, tc.where)
		}
	}
	if _, err := s.GetEvent(ctx, "invalid-event"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetEvent after invalid batches: %v, want ErrNotFound", err)
	}
	if runs, err := s.ListRuns(ctx, store.RunFilter{}); err != nil || len(runs) != 0 {
		t.Errorf("ListRuns after invalid batches = %d, %v; want none", len(runs), err)
	}
	if evs, err := s.ListEvents(ctx, store.EventFilter{}); err != nil || len(evs) != 0 {
		t.Errorf("ListEvents after invalid batches = %d, %v; want none", len(evs), err)
	}
}

func testApplyConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const clients, each = 16, 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		runs = map[string]bool{}
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("c%d-%d", c, i)
				r := newRun(name, base.Add(time.Duration(c*each+i)*time.Millisecond))
				r.ID = store.NewID(base)
				b := &store.Batch{
					Events: []store.EventRecord{{ID: "ev-" + name, Received: base, Status: store.EventMatched}},
					Create: []*store.Run{r},
					Steps:  []store.StepRecord{{RunID: r.ID, Index: 0, Status: store.StepPlanned}},
					Audit:  []store.AuditEntry{{Time: base, Kind: store.AuditMatched, RunID: r.ID, Message: name}},
				}
				err := s.Apply(ctx, b)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, err)
				case !slices.Equal(b.Created, []bool{true}):
					errs = append(errs, fmt.Errorf("%s: Created = %v", name, b.Created))
				default:
					runs[r.ID] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent Apply: %d errors, first: %v", len(errs), errs[0])
	}
	const n = clients * each
	if len(runs) != n {
		t.Fatalf("%d distinct runs created, want %d", len(runs), n)
	}
	listed, err := s.ListRuns(ctx, store.RunFilter{})
	if err != nil || len(listed) != n {
		t.Errorf("ListRuns = %d, %v; want %d", len(listed), err, n)
	}
	evs, err := s.ListEvents(ctx, store.EventFilter{})
	if err != nil || len(evs) != n {
		t.Errorf("ListEvents = %d, %v; want %d", len(evs), err, n)
	}
	audit, err := s.Audit(ctx, store.AuditFilter{})
	if err != nil || len(audit) != n {
		t.Errorf("Audit = %d, %v; want %d", len(audit), err, n)
	}
	for id := range runs {
		if steps, err := s.Steps(ctx, id); err != nil || len(steps) != 1 {
			t.Errorf("Steps(%s) = %d, %v; want 1", id, len(steps), err)
		}
	}
}

// testAuditOfRuns checks that an audit entry keeps the event ID it was
// appended with, whatever the run it names says, before and after the run
// changes.
func testAuditOfRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun("audit-of-runs", base)
	r.EventID = "e1"
	mustCreate(t, s, r)
	for i, a := range []store.AuditEntry{
		{EventID: "e1", RunID: r.ID, Message: "same event"},
		{EventID: "e2", RunID: r.ID, Message: "other event"},
		{RunID: r.ID, Message: "no event"},
		{EventID: "e1", RunID: "no-such-run", Message: "unknown run"},
		{EventID: "e1", Message: "no run"},
	} {
		a.Time, a.Kind = base.Add(time.Duration(i)*time.Second), store.AuditStep
		if err := s.AppendAudit(ctx, a); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	check := func(when string) {
		t.Helper()
		for _, tc := range []struct {
			f    store.AuditFilter
			want []string
		}{
			{store.AuditFilter{EventID: "e1"}, []string{"same event", "unknown run", "no run"}},
			{store.AuditFilter{EventID: "e2"}, []string{"other event"}},
			{store.AuditFilter{EventID: "e3"}, nil},
			{store.AuditFilter{RunID: r.ID}, []string{"same event", "other event", "no event"}},
			{store.AuditFilter{RunID: r.ID, EventID: "e1"}, []string{"same event"}},
		} {
			got, err := s.Audit(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: Audit(%+v): %v", when, tc.f, err)
			}
			var msgs []string
			for _, a := range got {
				msgs = append(msgs, a.Message)
				want := map[string]string{"same event": "e1", "other event": "e2", "no event": "", "unknown run": "e1", "no run": "e1"}[a.Message]
				if a.EventID != want {
					t.Errorf("%s: entry %q has EventID %q, want %q", when, a.Message, a.EventID, want)
				}
			}
			if !slices.Equal(msgs, tc.want) {
				t.Errorf("%s: Audit(%+v) = %q, want %q", when, tc.f, msgs, tc.want)
			}
		}
	}
	check("before the run changes")
	r.EventID = "e3"
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	check("after the run's event changed")
	// An entry appended now names the run's new event.
	if err := s.AppendAudit(ctx, store.AuditEntry{Time: base.Add(time.Minute), Kind: store.AuditStep, EventID: "e3", RunID: r.ID, Message: "later"}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if got, err := s.Audit(ctx, store.AuditFilter{EventID: "e3"}); err != nil || len(got) != 1 || got[0].Message != "later" {
		t.Errorf("Audit(e3) = %+v, %v; want the later entry", got, err)
	}
}
