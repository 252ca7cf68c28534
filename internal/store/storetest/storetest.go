// Package storetest is the conformance suite for store.Store backends. Every
// backend runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
//
// The open function returns a new, empty store and arranges for it to be
// closed when t ends (t.Cleanup). Behaviour that needs more than one store,
// such as persistence across a reopen, is the backend's own test.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rectify-dev/rectify/internal/store"
)

// base is the suite's reference time: sub-second, in UTC.
var base = time.Date(2026, 11, 24, 4, 0, 0, 123456789, time.UTC)

// Run runs the conformance suite against the stores that open returns.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"CreateRun", testCreateRun},
		{"CreateRunDuplicateKey", testCreateRunDuplicate},
		{"CreateRunConcurrent", testCreateRunConcurrent},
		{"CreateRunTakenID", testCreateRunTakenID},
		{"UpdateRun", testUpdateRun},
		{"UpdateRunStale", testUpdateRunStale},
		{"Lease", testLease},
		{"LeaseConcurrent", testLeaseConcurrent},
		{"DueRuns", testDueRuns},
		{"ListRuns", testListRuns},
		{"Steps", testSteps},
		{"Audit", testAudit},
		{"AuditOfRuns", testAuditOfRuns},
		{"Events", testEvents},
		{"EventTruncation", testEventTruncation},
		{"TimesUTC", testTimesUTC},
		{"FreeText", testFreeText},
		{"NotFound", testNotFound},
		{"InvalidInput", testInvalid},
		{"GetEvent", testGetEvent},
		{"EventKeys", testEventKeys},
		{"RunEventKey", testRunEventKey},
		{"LeaseOwners", testLeaseOwners},
		{"Apply", testApply},
		{"ApplyStale", testApplyStale},
		{"ApplyAgain", testApplyAgain},
		{"ApplyEmpty", testApplyEmpty},
		{"ApplyInvalid", testApplyInvalid},
		{"ApplyConcurrent", testApplyConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// newRun returns a run with every field set, so that round trips are
// checked for each of them.
func newRun(key string, created time.Time) *store.Run {
	return &store.Run{
		Key:        key,
		PlaybookID: "pb-" + key,
		EventID:    "ev-" + key,
		EventKey:   "evk-" + key,
		Target: store.Target{
			Account:      "111122223333",
			Region:       "eu-west-1",
			ResourceType: "AwsIamAccessKey",
			ResourceID:   "AKIA" + key,
			ARN:          "arn:aws:iam::111122223333:user/" + key,
			FindingID:    "finding-" + key,
			ProductARN:   "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
		},
		Mode:    store.ModeAuto,
		Status:  store.RunPending,
		Input:   []byte(`{"event":{"id":"` + key + `"}}`),
		Created: created,
		Updated: created,
	}
}

// checkRun fails t unless got and want are the same run and every time in
// got is in UTC.
func checkRun(t *testing.T, what string, got, want *store.Run) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil run, want %+v", what, want)
	}
	for name, tm := range map[string]time.Time{"WakeAt": got.WakeAt, "Created": got.Created,
		"Updated": got.Updated, "LeaseUntil": got.LeaseUntil} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s: %s location is %v, want UTC", what, name, tm.Location())
		}
	}
	g, w := normRun(got), normRun(want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: run differs\n got %+v\nwant %+v", what, g, w)
	}
}

func normRun(r *store.Run) store.Run {
	c := *r
	c.WakeAt, c.Created, c.Updated, c.LeaseUntil = c.WakeAt.UTC(), c.Created.UTC(), c.Updated.UTC(), c.LeaseUntil.UTC()
	if len(c.Input) == 0 {
		c.Input = nil
	}
	return c
}

func ids(runs []*store.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func mustCreate(t *testing.T, s store.Store, r *store.Run) *store.Run {
	t.Helper()
	created, err := s.CreateRun(context.Background(), r)
	if err != nil {
		t.Fatalf("CreateRun(%q): %v", r.Key, err)
	}
	if !created {
		t.Fatalf("CreateRun(%q) = false, want a new run", r.Key)
	}
	return r
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

func testCreateRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun("k1", base)
	r.WakeAt = base.Add(time.Minute)
	r.NextStep = 2
	r.Attempts = 3
	r.Error = "previous attempt failed"
	r.Notified = true
	r.Status = store.RunWaiting
	want := *r
	mustCreate(t, s, r)
	if r.ID == "" {
		t.Fatal("CreateRun left ID empty")
	}
	if r.Version != 1 {
		t.Errorf("Version after create = %d, want 1", r.Version)
	}
	want.ID, want.Version = r.ID, 1
	checkRun(t, "CreateRun result", r, &want)
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	checkRun(t, "GetRun", got, &want)

	// Defaults: status, ID, times.
	before := time.Now()
	d := &store.Run{Key: "k2", PlaybookID: "pb"}
	mustCreate(t, s, d)
	if d.Status != store.RunPending {
		t.Errorf("default Status = %q, want %q", d.Status, store.RunPending)
	}
	if d.Created.Before(before.Add(-time.Second)) || d.Created.After(time.Now().Add(time.Second)) {
		t.Errorf("default Created = %v, want about now", d.Created)
	}
	if !d.Updated.Equal(d.Created) {
		t.Errorf("default Updated = %v, want Created %v", d.Updated, d.Created)
	}
	if d.ID == r.ID {
		t.Errorf("two runs share ID %q", d.ID)
	}
	got, err = s.GetRun(ctx, d.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	checkRun(t, "GetRun of defaulted run", got, d)

	// A caller-chosen ID is kept.
	e := newRun("k3", base)
	e.ID = "chosen-id"
	mustCreate(t, s, e)
	if got, err := s.GetRun(ctx, "chosen-id"); err != nil || got.Key != "k3" {
		t.Errorf("GetRun(chosen-id) = %v, %v; want the run with key k3", got, err)
	}
}

func testCreateRunDuplicate(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := mustCreate(t, s, newRun("dup", base))
	// Move the first run on so that the duplicate must return the stored
	// state, not what the caller passed.
	first.Status = store.RunRunning
	first.NextStep = 1
	if err := s.UpdateRun(ctx, first); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	second := newRun("dup", base.Add(time.Hour))
	second.PlaybookID = "other"
	created, err := s.CreateRun(ctx, second)
	if err != nil {
		t.Fatalf("CreateRun of a duplicate key: %v", err)
	}
	if created {
		t.Fatal("CreateRun of a duplicate key = true, want false")
	}
	checkRun(t, "duplicate CreateRun", second, first)
	runs, err := s.ListRuns(ctx, store.RunFilter{})
	if err != nil {
		t.Fatalf("ListRuns: %v", err)
	}
	if len(runs) != 1 {
		t.Errorf("ListRuns after a duplicate = %d runs, want 1", len(runs))
	}
}

func testCreateRunConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 32
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		runIDs  = map[string]bool{}
		errs    []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newRun("same", base.Add(time.Duration(i)*time.Millisecond))
			ok, err := s.CreateRun(ctx, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if ok {
				created++
			}
			runIDs[r.ID] = true
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent CreateRun: %d errors, first: %v", len(errs), errs[0])
	}
	if created != 1 {
		t.Errorf("concurrent CreateRun of one key created %d runs, want 1", created)
	}
	if len(runIDs) != 1 {
		t.Errorf("concurrent CreateRun returned %d distinct run IDs, want 1", len(runIDs))
	}
}

func testCreateRunTakenID(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newRun("a", base)
	a.ID = "run-1"
	mustCreate(t, s, a)
	b := newRun("b", base)
	b.ID = "run-1"
	created, err := s.CreateRun(ctx, b)
	wantErr(t, "CreateRun with a taken ID", err, store.ErrConflict)
	if created {
		t.Error("CreateRun with a taken ID reported created")
	}
	got, err := s.GetRun(ctx, "run-1")
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	if got.Key != "a" {
		t.Errorf("run-1 key = %q after a conflicting create, want a", got.Key)
	}
}

func testUpdateRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, newRun("u", base))
	r.Status = store.RunWaiting
	r.NextStep = 3
	r.WakeAt = base.Add(90 * time.Second)
	r.Attempts = 2
	r.Error = "throttled"
	r.Input = []byte(`{"resumed":true}`)
	r.Notified = true
	r.Mode = store.ModeApprove
	r.Target.ResourceID = "changed"
	r.Updated = base.Add(time.Second)
	r.Key = "attempted-change"
	r.Created = base.Add(time.Hour)
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	if r.Version != 2 {
		t.Errorf("Version after update = %d, want 2", r.Version)
	}
	if r.Key != "u" || !r.Created.Equal(base) {
		t.Errorf("UpdateRun left Key %q Created %v in the run, want the stored u and %v", r.Key, r.Created, base)
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	checkRun(t, "GetRun after UpdateRun", got, r)

	// A zero Updated is set to now.
	r.Updated = time.Time{}
	before := time.Now()
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	if r.Updated.Before(before.Add(-time.Second)) {
		t.Errorf("Updated = %v, want about now", r.Updated)
	}
	// Clearing fields is stored too.
	r.WakeAt, r.Input, r.Error, r.Notified = time.Time{}, nil, "", false
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	got, err = s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	checkRun(t, "GetRun after clearing fields", got, r)
	if got.Version != 4 {
		t.Errorf("Version after three updates = %d, want 4", got.Version)
	}
}

func testUpdateRunStale(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, newRun("stale", base))
	stale := *r
	r.Status = store.RunRunning
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	stale.Status = store.RunFailed
	err := s.UpdateRun(ctx, &stale)
	wantErr(t, "UpdateRun with a stale version", err, store.ErrConflict)
	if stale.Version != 1 {
		t.Errorf("failed UpdateRun changed Version to %d", stale.Version)
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	if got.Status != store.RunRunning || got.Version != 2 {
		t.Errorf("after a stale update: status %q version %d, want running 2", got.Status, got.Version)
	}
}

func testLease(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, newRun("lease", base))
	now := base.Add(time.Minute)
	until := now.Add(30 * time.Second)

	a, err := s.Claim(ctx, r.ID, "worker-a", now, until)
	if err != nil {
		t.Fatalf("Claim of a free run: %v", err)
	}
	if a.LeaseOwner != "worker-a" || !a.LeaseUntil.Equal(until) || a.Version != 2 {
		t.Errorf("Claim = owner %q until %v version %d, want worker-a %v 2", a.LeaseOwner, a.LeaseUntil, a.Version, until)
	}
	// A writer that read the run before the claim has lost it.
	wantErr(t, "UpdateRun with the version from before Claim", s.UpdateRun(ctx, r), store.ErrConflict)

	_, err = s.Claim(ctx, r.ID, "worker-b", now.Add(time.Second), now.Add(time.Minute))
	wantErr(t, "Claim of a run leased by another owner", err, store.ErrConflict)
	// Up to and excluding the lease end, the lease holds.
	_, err = s.Claim(ctx, r.ID, "worker-b", until.Add(-time.Nanosecond), until.Add(time.Minute))
	wantErr(t, "Claim just before the lease ends", err, store.ErrConflict)

	// The owner can renew.
	renewed := until.Add(time.Minute)
	a, err = s.Claim(ctx, r.ID, "worker-a", now.Add(time.Second), renewed)
	if err != nil {
		t.Fatalf("renewing Claim by the owner: %v", err)
	}
	if !a.LeaseUntil.Equal(renewed) || a.Version != 3 {
		t.Errorf("renewed lease until %v version %d, want %v 3", a.LeaseUntil, a.Version, renewed)
	}
	// The lease holder's UpdateRun keeps the lease.
	a.Status = store.RunRunning
	if err := s.UpdateRun(ctx, a); err != nil {
		t.Fatalf("UpdateRun by the lease holder: %v", err)
	}
	if got, err := s.GetRun(ctx, r.ID); err != nil || got.LeaseOwner != "worker-a" {
		t.Fatalf("GetRun after holder's update = %+v, %v; want lease kept by worker-a", got, err)
	}

	// Once expired, another owner takes it.
	b, err := s.Claim(ctx, r.ID, "worker-b", renewed, renewed.Add(time.Minute))
	if err != nil {
		t.Fatalf("Claim of an expired lease: %v", err)
	}
	if b.LeaseOwner != "worker-b" || b.Status != store.RunRunning {
		t.Errorf("Claim of expired lease = owner %q status %q, want worker-b running", b.LeaseOwner, b.Status)
	}
	// The former owner has lost it: update and release conflict.
	wantErr(t, "UpdateRun by the former owner", s.UpdateRun(ctx, a), store.ErrConflict)
	wantErr(t, "Release by the former owner", s.Release(ctx, r.ID, "worker-a"), store.ErrConflict)

	if err := s.Release(ctx, r.ID, "worker-b"); err != nil {
		t.Fatalf("Release by the owner: %v", err)
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	if got.LeaseOwner != "" || !got.LeaseUntil.IsZero() {
		t.Errorf("after Release: owner %q until %v, want none", got.LeaseOwner, got.LeaseUntil)
	}
	if got.Version != b.Version+1 {
		t.Errorf("Release: version %d, want %d", got.Version, b.Version+1)
	}
	wantErr(t, "second Release", s.Release(ctx, r.ID, "worker-b"), store.ErrConflict)
	// A released run is free for anyone, before any expiry.
	if _, err := s.Claim(ctx, r.ID, "worker-c", now, until); err != nil {
		t.Fatalf("Claim after Release: %v", err)
	}
}

func testLeaseConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, newRun("race", base))
	const n = 16
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		won    []string
		others []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", i)
			_, err := s.Claim(ctx, r.ID, owner, base, base.Add(time.Minute))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, owner)
			case !errors.Is(err, store.ErrConflict):
				others = append(others, err)
			}
		}()
	}
	wg.Wait()
	if len(others) > 0 {
		t.Fatalf("concurrent Claim: unexpected error %v", others[0])
	}
	if len(won) != 1 {
		t.Fatalf("concurrent Claim: %d winners %v, want 1", len(won), won)
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	if got.LeaseOwner != won[0] {
		t.Errorf("lease owner %q, want the winner %q", got.LeaseOwner, won[0])
	}
}

func testDueRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := base.Add(time.Hour)
	type spec struct {
		id     string
		status store.RunStatus
		wake   time.Time
		lease  string
		until  time.Time
	}
	specs := []spec{
		{"late", store.RunWaiting, now.Add(-time.Minute), "", time.Time{}},
		{"exact", store.RunRunning, now, "", time.Time{}},
		{"nowake", store.RunPending, time.Time{}, "", time.Time{}},
		{"early", store.RunPending, now.Add(-time.Hour), "", time.Time{}},
		{"expired", store.RunRunning, now.Add(-30 * time.Minute), "crashed", now},
		{"future", store.RunWaiting, now.Add(time.Nanosecond), "", time.Time{}},
		{"leased", store.RunRunning, now.Add(-time.Minute), "alive", now.Add(time.Second)},
		{"done", store.RunSucceeded, now.Add(-time.Hour), "", time.Time{}},
		{"failed", store.RunFailed, time.Time{}, "", time.Time{}},
		{"approval", store.RunAwaitingApproval, time.Time{}, "", time.Time{}},
		{"planned", store.RunPlanned, time.Time{}, "", time.Time{}},
		{"skipped", store.RunSkipped, time.Time{}, "", time.Time{}},
		{"cancelled", store.RunCancelled, time.Time{}, "", time.Time{}},
	}
	for _, sp := range specs {
		r := newRun(sp.id, base)
		r.ID = sp.id
		r.Status = sp.status
		r.WakeAt = sp.wake
		mustCreate(t, s, r)
		if sp.lease != "" {
			if _, err := s.Claim(ctx, sp.id, sp.lease, base, sp.until); err != nil {
				t.Fatalf("Claim(%s): %v", sp.id, err)
			}
		}
	}
	got, err := s.DueRuns(ctx, now, 0)
	if err != nil {
		t.Fatalf("DueRuns: %v", err)
	}
	want := []string{"nowake", "early", "expired", "late", "exact"}
	if g := ids(got); !slices.Equal(g, want) {
		t.Errorf("DueRuns = %v, want %v", g, want)
	}
	got, err = s.DueRuns(ctx, now, 2)
	if err != nil {
		t.Fatalf("DueRuns with limit: %v", err)
	}
	if g := ids(got); !slices.Equal(g, want[:2]) {
		t.Errorf("DueRuns limit 2 = %v, want %v", g, want[:2])
	}
	// Later, the future run and the expired lease become due as well.
	got, err = s.DueRuns(ctx, now.Add(time.Second), 0)
	if err != nil {
		t.Fatalf("DueRuns: %v", err)
	}
	want = []string{"nowake", "early", "expired", "late", "leased", "exact", "future"}
	if g := ids(got); !slices.Equal(g, want) {
		t.Errorf("DueRuns a second later = %v, want %v", g, want)
	}
	for _, r := range got {
		if r.Key == "" || r.PlaybookID == "" || r.Version == 0 {
			t.Errorf("DueRuns returned an incomplete run %+v", r)
		}
	}
}

func testListRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i, sp := range []struct {
		status   store.RunStatus
		playbook string
		account  string
	}{
		{store.RunSucceeded, "pb-a", "111111111111"},
		{store.RunFailed, "pb-a", "222222222222"},
		{store.RunPending, "pb-b", "111111111111"},
		{store.RunSucceeded, "pb-b", "222222222222"},
		{store.RunWaiting, "pb-a", "111111111111"},
	} {
		r := newRun(fmt.Sprintf("r%d", i), base.Add(time.Duration(i)*time.Second))
		r.ID = fmt.Sprintf("r%d", i)
		r.Status, r.PlaybookID, r.Target.Account = sp.status, sp.playbook, sp.account
		r.EventID = "ev-" + sp.playbook
		mustCreate(t, s, r)
	}
	tests := []struct {
		name string
		f    store.RunFilter
		want []string
	}{
		{"all newest first", store.RunFilter{}, []string{"r4", "r3", "r2", "r1", "r0"}},
		{"limit", store.RunFilter{Limit: 2}, []string{"r4", "r3"}},
		{"status", store.RunFilter{Statuses: []store.RunStatus{store.RunSucceeded}}, []string{"r3", "r0"}},
		{"statuses", store.RunFilter{Statuses: []store.RunStatus{store.RunFailed, store.RunPending}}, []string{"r2", "r1"}},
		{"playbook", store.RunFilter{PlaybookID: "pb-b"}, []string{"r3", "r2"}},
		{"account", store.RunFilter{Account: "222222222222"}, []string{"r3", "r1"}},
		{"event", store.RunFilter{EventID: "ev-pb-a"}, []string{"r4", "r1", "r0"}},
		{"before", store.RunFilter{Before: base.Add(2 * time.Second)}, []string{"r1", "r0"}},
		{"after", store.RunFilter{After: base.Add(2 * time.Second)}, []string{"r4", "r3"}},
		{"page", store.RunFilter{Before: base.Add(4 * time.Second), Limit: 2}, []string{"r3", "r2"}},
		{"combined", store.RunFilter{PlaybookID: "pb-a", Account: "111111111111", Statuses: []store.RunStatus{store.RunWaiting, store.RunSucceeded}}, []string{"r4", "r0"}},
		{"none", store.RunFilter{PlaybookID: "missing"}, nil},
	}
	for _, tc := range tests {
		got, err := s.ListRuns(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: ListRuns: %v", tc.name, err)
		}
		if g := ids(got); !slices.Equal(g, tc.want) {
			t.Errorf("%s: ListRuns = %v, want %v", tc.name, g, tc.want)
		}
	}
}

func testSteps(t *testing.T, s store.Store) {
	ctx := context.Background()
	step := func(run string, i int, status store.StepStatus, msg string) store.StepRecord {
		return store.StepRecord{
			RunID: run, Index: i, Name: fmt.Sprintf("step %d", i), Action: "iam.delete-access-key",
			Status: status, Message: msg, Output: []byte(fmt.Sprintf(`{"i":%d}`, i)), Attempts: 1,
			Started: base.Add(time.Duration(i) * time.Second), Finished: base.Add(time.Duration(i)*time.Second + 500*time.Millisecond),
		}
	}
	for _, st := range []store.StepRecord{
		step("run-1", 2, store.StepPending, "waiting"),
		step("run-1", 0, store.StepSucceeded, "deactivated"),
		step("run-2", 0, store.StepFailed, "other run"),
		step("run-1", 1, store.StepAlreadyDone, "already gone"),
	} {
		if err := s.PutStep(ctx, st); err != nil {
			t.Fatalf("PutStep: %v", err)
		}
	}
	// Replace step 2: upsert by (RunID, Index).
	final := step("run-1", 2, store.StepSucceeded, "ready")
	final.Attempts = 4
	final.Output = nil
	final.Finished = time.Time{}
	if err := s.PutStep(ctx, final); err != nil {
		t.Fatalf("PutStep: %v", err)
	}
	got, err := s.Steps(ctx, "run-1")
	if err != nil {
		t.Fatalf("Steps: %v", err)
	}
	want := []store.StepRecord{
		step("run-1", 0, store.StepSucceeded, "deactivated"),
		step("run-1", 1, store.StepAlreadyDone, "already gone"),
		final,
	}
	if len(got) != len(want) {
		t.Fatalf("Steps = %d records %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Started.Location() != time.UTC {
			t.Errorf("step %d Started location %v, want UTC", i, g.Started.Location())
		}
		if g.RunID != w.RunID || g.Index != w.Index || g.Name != w.Name || g.Action != w.Action ||
			g.Status != w.Status || g.Message != w.Message || !bytes.Equal(g.Output, w.Output) ||
			g.Attempts != w.Attempts || !g.Started.Equal(w.Started) || !g.Finished.Equal(w.Finished) {
			t.Errorf("step %d\n got %+v\nwant %+v", i, g, w)
		}
	}
	if got, err := s.Steps(ctx, "no-such-run"); err != nil || len(got) != 0 {
		t.Errorf("Steps of an unknown run = %v, %v; want none", got, err)
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	entries := []store.AuditEntry{
		{Time: base.Add(3 * time.Second), Kind: store.AuditStep, EventID: "e1", RunID: "r1", PlaybookID: "p1", Message: "deleted key", Data: []byte(`{"key":"AKIA"}`)},
		{Time: base, Kind: store.AuditReceived, EventID: "e1", Message: "received"},
		{Time: base.Add(time.Second), Kind: store.AuditMatched, EventID: "e1", PlaybookID: "p1", Message: "matched p1"},
		{Time: base.Add(2 * time.Second), Kind: store.AuditStarted, EventID: "e1", RunID: "r1", PlaybookID: "p1", Message: "started"},
		{Time: base.Add(1500 * time.Millisecond), Kind: store.AuditRejected, EventID: "e2", Message: "bad json"},
		{Time: base.Add(4 * time.Second), Kind: store.AuditSucceeded, EventID: "e1", RunID: "r1", PlaybookID: "p1", Message: "done"},
	}
	for _, a := range entries {
		if err := s.AppendAudit(ctx, a); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	msgs := func(as []store.AuditEntry) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Message)
		}
		return out
	}
	tests := []struct {
		name string
		f    store.AuditFilter
		want []string
	}{
		{"all in time order", store.AuditFilter{}, []string{"received", "matched p1", "bad json", "started", "deleted key", "done"}},
		{"run", store.AuditFilter{RunID: "r1"}, []string{"started", "deleted key", "done"}},
		{"event", store.AuditFilter{EventID: "e2"}, []string{"bad json"}},
		{"playbook", store.AuditFilter{PlaybookID: "p1"}, []string{"matched p1", "started", "deleted key", "done"}},
		{"kinds", store.AuditFilter{Kinds: []store.AuditKind{store.AuditRejected, store.AuditSucceeded}}, []string{"bad json", "done"}},
		{"limit keeps the oldest", store.AuditFilter{EventID: "e1", Limit: 2}, []string{"received", "matched p1"}},
		{"since until", store.AuditFilter{Since: base.Add(time.Second), Until: base.Add(3 * time.Second)}, []string{"matched p1", "bad json", "started"}},
		{"none", store.AuditFilter{RunID: "missing"}, nil},
	}
	for _, tc := range tests {
		got, err := s.Audit(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: Audit: %v", tc.name, err)
		}
		if g := msgs(got); !slices.Equal(g, tc.want) {
			t.Errorf("%s: Audit = %q, want %q", tc.name, g, tc.want)
		}
	}
	got, err := s.Audit(ctx, store.AuditFilter{Kinds: []store.AuditKind{store.AuditStep}})
	if err != nil || len(got) != 1 {
		t.Fatalf("Audit(step) = %v, %v; want one entry", got, err)
	}
	w := entries[0]
	if g := got[0]; !g.Time.Equal(w.Time) || g.Time.Location() != time.UTC || g.Kind != w.Kind ||
		g.EventID != w.EventID || g.RunID != w.RunID || g.PlaybookID != w.PlaybookID || !bytes.Equal(g.Data, w.Data) {
		t.Errorf("audit round trip\n got %+v\nwant %+v", g, w)
	}
	// A zero time becomes the current time.
	before := time.Now()
	if err := s.AppendAudit(ctx, store.AuditEntry{Kind: store.AuditNotified, RunID: "r9", Message: "now"}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	got, err = s.Audit(ctx, store.AuditFilter{RunID: "r9"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Audit(r9) = %v, %v; want one entry", got, err)
	}
	if got[0].Time.Before(before.Add(-time.Second)) || got[0].Time.After(time.Now().Add(time.Second)) {
		t.Errorf("defaulted audit Time = %v, want about now", got[0].Time)
	}
}

func testEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	recs := []store.EventRecord{
		{ID: "e1", Received: base, Source: "aws.trustedadvisor", DetailType: "Trusted Advisor Check Item Refresh Notification",
			Account: "111122223333", Region: "us-east-1", Status: store.EventMatched, Playbooks: []string{"p1", "p2"}, Raw: []byte(`{"id":"e1"}`)},
		{ID: "e2", Received: base.Add(time.Second), Source: "aws.guardduty", Account: "444455556666", Region: "eu-west-1",
			Status: store.EventUnmatched, Reason: "no playbook matched", Raw: []byte(`{"id":"e2"}`)},
		{ID: "gen-1", Received: base.Add(2 * time.Second), Status: store.EventRejected, Reason: "invalid JSON at offset 1", Raw: []byte(`{`)},
		{ID: "e1", Received: base.Add(3 * time.Second), Source: "aws.trustedadvisor", Account: "111122223333", Status: store.EventDuplicate, Raw: []byte(`{"id":"e1"}`)},
		{ID: "e3", Received: base.Add(4 * time.Second), Source: "aws.iam", Account: "111122223333", Status: store.EventIgnored, Reason: "made by rectify"},
	}
	for _, e := range recs {
		if err := s.RecordEvent(ctx, e); err != nil {
			t.Fatalf("RecordEvent(%s): %v", e.ID, err)
		}
	}
	evIDs := func(es []store.EventRecord) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("%s/%s", e.ID, e.Status))
		}
		return out
	}
	tests := []struct {
		name string
		f    store.EventFilter
		want []string
	}{
		{"all newest first", store.EventFilter{}, []string{"e3/ignored", "e1/duplicate", "gen-1/rejected", "e2/unmatched", "e1/matched"}},
		{"id", store.EventFilter{ID: "e1"}, []string{"e1/duplicate", "e1/matched"}},
		{"statuses", store.EventFilter{Statuses: []store.EventStatus{store.EventRejected, store.EventUnmatched}}, []string{"gen-1/rejected", "e2/unmatched"}},
		{"source", store.EventFilter{Source: "aws.guardduty"}, []string{"e2/unmatched"}},
		{"account", store.EventFilter{Account: "111122223333", Limit: 2}, []string{"e3/ignored", "e1/duplicate"}},
		{"since until", store.EventFilter{Since: base.Add(time.Second), Until: base.Add(3 * time.Second)}, []string{"gen-1/rejected", "e2/unmatched"}},
		{"none", store.EventFilter{ID: "missing"}, nil},
	}
	for _, tc := range tests {
		got, err := s.ListEvents(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: ListEvents: %v", tc.name, err)
		}
		if g := evIDs(got); !slices.Equal(g, tc.want) {
			t.Errorf("%s: ListEvents = %v, want %v", tc.name, g, tc.want)
		}
	}
	got, err := s.ListEvents(ctx, store.EventFilter{ID: "e1", Statuses: []store.EventStatus{store.EventMatched}})
	if err != nil || len(got) != 1 {
		t.Fatalf("ListEvents(e1 matched) = %v, %v; want one record", got, err)
	}
	g, w := got[0], recs[0]
	if !g.Received.Equal(w.Received) || g.Received.Location() != time.UTC || g.Source != w.Source ||
		g.DetailType != w.DetailType || g.Account != w.Account || g.Region != w.Region || g.Reason != w.Reason ||
		!slices.Equal(g.Playbooks, w.Playbooks) || !bytes.Equal(g.Raw, w.Raw) || g.Size != len(w.Raw) || g.Truncated {
		t.Errorf("event round trip\n got %+v\nwant %+v", g, w)
	}
}

func testEventTruncation(t *testing.T, s store.Store) {
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef"), store.MaxRawEvent/16+100)
	exact := big[:store.MaxRawEvent]
	for _, e := range []store.EventRecord{
		{ID: "big", Received: base, Status: store.EventRejected, Reason: "too large", Raw: big},
		{ID: "exact", Received: base, Status: store.EventUnmatched, Raw: exact},
		{ID: "empty", Received: base, Status: store.EventRejected, Reason: "empty body"},
	} {
		if err := s.RecordEvent(ctx, e); err != nil {
			t.Fatalf("RecordEvent(%s): %v", e.ID, err)
		}
	}
	if len(big) <= store.MaxRawEvent {
		t.Fatalf("test body of %d bytes is not over the %d cap", len(big), store.MaxRawEvent)
	}
	for _, tc := range []struct {
		id        string
		raw       []byte
		size      int
		truncated bool
	}{
		{"big", big[:store.MaxRawEvent], len(big), true},
		{"exact", exact, len(exact), false},
		{"empty", nil, 0, false},
	} {
		got, err := s.ListEvents(ctx, store.EventFilter{ID: tc.id})
		if err != nil || len(got) != 1 {
			t.Fatalf("ListEvents(%s) = %d records, %v; want 1", tc.id, len(got), err)
		}
		g := got[0]
		if !bytes.Equal(g.Raw, tc.raw) || g.Size != tc.size || g.Truncated != tc.truncated {
			t.Errorf("%s: raw %d bytes, size %d, truncated %v; want %d, %d, %v",
				tc.id, len(g.Raw), g.Size, g.Truncated, len(tc.raw), tc.size, tc.truncated)
		}
	}
}

func testTimesUTC(t *testing.T, s store.Store) {
	ctx := context.Background()
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	local := time.Date(2026, 11, 24, 9, 30, 0, 987654321, zone)
	withMono := time.Now() // carries a monotonic reading
	r := newRun("times", local)
	r.WakeAt = local.Add(time.Nanosecond)
	r.Updated = withMono
	mustCreate(t, s, r)
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	for name, pair := range map[string][2]time.Time{
		"Created": {got.Created, local},
		"WakeAt":  {got.WakeAt, local.Add(time.Nanosecond)},
		"Updated": {got.Updated, withMono},
	} {
		if !pair[0].Equal(pair[1]) {
			t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
		}
		if pair[0].Location() != time.UTC {
			t.Errorf("%s location = %v, want UTC", name, pair[0].Location())
		}
		if pair[0].Nanosecond() != pair[1].Nanosecond() {
			t.Errorf("%s nanoseconds = %d, want %d", name, pair[0].Nanosecond(), pair[1].Nanosecond())
		}
	}
	// The Unix epoch is a time like any other, not "unset".
	epoch := time.Unix(0, 0)
	r.WakeAt = epoch
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	got, err = s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	if got.WakeAt.IsZero() || !got.WakeAt.Equal(epoch) {
		t.Errorf("WakeAt at the epoch came back as %v (zero %v)", got.WakeAt, got.WakeAt.IsZero())
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	const id = "no-such-run"
	_, err := s.GetRun(ctx, id)
	wantErr(t, "GetRun", err, store.ErrNotFound)
	if err != nil && !strings.Contains(err.Error(), id) {
		t.Errorf("GetRun error %q does not name the run %q", err, id)
	}
	r := newRun("nf", base)
	r.ID, r.Version = id, 1
	wantErr(t, "UpdateRun", s.UpdateRun(ctx, r), store.ErrNotFound)
	_, err = s.Claim(ctx, id, "w", base, base.Add(time.Minute))
	wantErr(t, "Claim", err, store.ErrNotFound)
	wantErr(t, "Release", s.Release(ctx, id, "w"), store.ErrNotFound)
}

func testInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	existing := mustCreate(t, s, newRun("valid", base))
	tooLate := time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	withRun := func(f func(r *store.Run)) *store.Run {
		r := newRun("bad", base)
		f(r)
		return r
	}
	updated := func(f func(r *store.Run)) *store.Run {
		r := *existing
		f(&r)
		return &r
	}
	tests := []struct {
		name string
		call func() error
		want string // a word the error must contain
	}{
		{"CreateRun nil", func() error { _, err := s.CreateRun(ctx, nil); return err }, "nil"},
		{"CreateRun empty key", func() error { _, err := s.CreateRun(ctx, withRun(func(r *store.Run) { r.Key = "" })); return err }, "Key"},
		{"CreateRun empty playbook", func() error {
			_, err := s.CreateRun(ctx, withRun(func(r *store.Run) { r.PlaybookID = "" }))
			return err
		}, "PlaybookID"},
		{"CreateRun bad status", func() error {
			_, err := s.CreateRun(ctx, withRun(func(r *store.Run) { r.Status = "done" }))
			return err
		}, `"done"`},
		{"CreateRun negative step", func() error {
			_, err := s.CreateRun(ctx, withRun(func(r *store.Run) { r.NextStep = -1 }))
			return err
		}, "NextStep"},
		{"CreateRun time out of range", func() error {
			_, err := s.CreateRun(ctx, withRun(func(r *store.Run) { r.WakeAt = tooLate }))
			return err
		}, "WakeAt"},
		{"CreateRun key not UTF-8", func() error {
			_, err := s.CreateRun(ctx, withRun(func(r *store.Run) { r.Key = "k\xff" }))
			return err
		}, "UTF-8"},
		{"CreateRun bad mode", func() error {
			_, err := s.CreateRun(ctx, withRun(func(r *store.Run) { r.Mode = "manual" }))
			return err
		}, `"manual"`},
		{"GetRun empty id", func() error { _, err := s.GetRun(ctx, ""); return err }, "ID"},
		{"UpdateRun nil", func() error { return s.UpdateRun(ctx, nil) }, "nil"},
		{"UpdateRun empty id", func() error { return s.UpdateRun(ctx, updated(func(r *store.Run) { r.ID = "" })) }, "ID"},
		{"UpdateRun bad status", func() error { return s.UpdateRun(ctx, updated(func(r *store.Run) { r.Status = "" })) }, "Status"},
		{"UpdateRun negative attempts", func() error { return s.UpdateRun(ctx, updated(func(r *store.Run) { r.Attempts = -2 })) }, "Attempts"},
		{"Claim empty id", func() error { _, err := s.Claim(ctx, "", "w", base, base.Add(time.Second)); return err }, "ID"},
		{"Claim empty owner", func() error { _, err := s.Claim(ctx, existing.ID, "", base, base.Add(time.Second)); return err }, "owner"},
		{"Claim until not after now", func() error { _, err := s.Claim(ctx, existing.ID, "w", base, base); return err }, "not after"},
		{"Claim zero now", func() error { _, err := s.Claim(ctx, existing.ID, "w", time.Time{}, base); return err }, "zero"},
		{"Release empty id", func() error { return s.Release(ctx, "", "w") }, "ID"},
		{"Release empty owner", func() error { return s.Release(ctx, existing.ID, "") }, "owner"},
		{"DueRuns zero now", func() error { _, err := s.DueRuns(ctx, time.Time{}, 10); return err }, "now"},
		{"PutStep empty run", func() error { return s.PutStep(ctx, store.StepRecord{Status: store.StepSucceeded}) }, "RunID"},
		{"PutStep negative index", func() error {
			return s.PutStep(ctx, store.StepRecord{RunID: "r", Index: -1, Status: store.StepSucceeded})
		}, "Index"},
		{"PutStep bad status", func() error { return s.PutStep(ctx, store.StepRecord{RunID: "r", Status: "ok"}) }, `"ok"`},
		{"Steps empty run", func() error { _, err := s.Steps(ctx, ""); return err }, "ID"},
		{"AppendAudit run ID not UTF-8", func() error {
			return s.AppendAudit(ctx, store.AuditEntry{Kind: store.AuditStep, RunID: "\xc3("})
		}, "RunID"},
		{"RecordEvent playbook not UTF-8", func() error {
			return s.RecordEvent(ctx, store.EventRecord{ID: "e", Status: store.EventMatched, Playbooks: []string{"ok", "\xff"}})
		}, "Playbooks[1]"},
		{"AppendAudit empty kind", func() error { return s.AppendAudit(ctx, store.AuditEntry{Message: "x"}) }, "Kind"},
		{"RecordEvent empty id", func() error { return s.RecordEvent(ctx, store.EventRecord{Status: store.EventRejected}) }, "ID"},
		{"RecordEvent bad status", func() error { return s.RecordEvent(ctx, store.EventRecord{ID: "e", Status: "lost"}) }, `"lost"`},
		{"ListRuns bad bound", func() error { _, err := s.ListRuns(ctx, store.RunFilter{Before: tooLate}); return err }, "range"},
	}
	for _, tc := range tests {
		err := tc.call()
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %s", tc.name, err, tc.want)
		}
	}
	// Nothing invalid was written.
	runs, err := s.ListRuns(ctx, store.RunFilter{})
	if err != nil {
		t.Fatalf("ListRuns: %v", err)
	}
	if len(runs) != 1 {
		t.Errorf("ListRuns after invalid calls = %d runs, want 1", len(runs))
	}
	got, err := s.GetRun(ctx, existing.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	checkRun(t, "run after invalid updates", got, existing)
}

func testFreeText(t *testing.T, s store.Store) {
	ctx := context.Background()
	const bad, clean = "access denied \xff\xfe for 'x'; --", "access denied \uFFFD for 'x'; --"
	raw := []byte("\x00\xff{")
	r := newRun("text", base)
	r.Error = bad
	r.Input = raw
	mustCreate(t, s, r)
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	if got.Error != clean || !bytes.Equal(got.Input, raw) {
		t.Errorf("run Error %q Input %q, want %q %q", got.Error, got.Input, clean, raw)
	}
	if err := s.AppendAudit(ctx, store.AuditEntry{Kind: store.AuditFailed, RunID: r.ID, Message: bad, Data: raw}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	audit, err := s.Audit(ctx, store.AuditFilter{RunID: r.ID})
	if err != nil || len(audit) != 1 || audit[0].Message != clean || !bytes.Equal(audit[0].Data, raw) {
		t.Errorf("Audit = %+v, %v; want message %q data %q", audit, err, clean, raw)
	}
	if err := s.RecordEvent(ctx, store.EventRecord{ID: "bad", Status: store.EventRejected, Reason: bad, Raw: raw}); err != nil {
		t.Fatalf("RecordEvent: %v", err)
	}
	events, err := s.ListEvents(ctx, store.EventFilter{ID: "bad"})
	if err != nil || len(events) != 1 || events[0].Reason != clean || !bytes.Equal(events[0].Raw, raw) {
		t.Errorf("ListEvents = %+v, %v; want reason %q raw %q", events, err, clean, raw)
	}
}
