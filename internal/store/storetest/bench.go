package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rectify-dev/rectify/internal/store"
)

// Benchmark measures the writes of one step of a run, the engine's common
// path: CreateRun, PutStep and UpdateRun, each op on a new run. It reports
// ops/s, one op being the three writes.
func Benchmark(b *testing.B, open func(b *testing.B) store.Store) {
	ctx := context.Background()
	s := open(b)
	now := time.Now()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := newRun(fmt.Sprintf("bench-%d", i), now)
		created, err := s.CreateRun(ctx, r)
		if err != nil || !created {
			b.Fatalf("CreateRun = %v, %v", created, err)
		}
		if err := s.PutStep(ctx, store.StepRecord{
			RunID: r.ID, Index: 0, Name: "deactivate", Action: "iam.update-access-key",
			Status: store.StepSucceeded, Output: []byte(`{"changed":true}`), Attempts: 1,
			Started: now, Finished: now,
		}); err != nil {
			b.Fatalf("PutStep: %v", err)
		}
		r.Status, r.NextStep = store.RunRunning, 1
		if err := s.UpdateRun(ctx, r); err != nil {
			b.Fatalf("UpdateRun: %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// Bench is a backend for Writes.
type Bench struct {
	// Open returns a new, empty store and arranges for it to be closed
	// when b ends.
	Open func(b *testing.B) store.Store
	// Size, if set, returns the bytes s occupies once its writes are
	// settled (for SQLite, the database file after a checkpoint); Writes
	// then reports the bytes stored per event besides its raw body.
	Size func(s store.Store) (int64, error)
	// Report, if set, is called at the end of each benchmark to report
	// metrics of the backend's own.
	Report func(b *testing.B, s store.Store)
}

// Writes benchmarks what the engine writes for one received event:
//
//   - matched: the event record, a run, 3 steps and 5 audit entries (an
//     event that starts one planned run, as in a dry run);
//   - unmatched: the event record.
//
// Each is written as one Apply ("apply") and, as the baseline in the same
// run, the way the engine wrote them before Apply existed ("separate"): one
// call per record, an audit entry for an unmatched event, and the raw event
// copied into the run's Input instead of referred to by EventKey. Each runs
// with one client and with 8 concurrent clients. Every event carries a 1 KB
// raw body.
//
// Besides ns/op (wall time over the events, so with 8 clients the inverse
// of the throughput) it reports the process's CPU time per event
// (cpu-µs/op), the latency of one event's writes at the 50th and 99th
// percentiles (p50-µs, p99-µs) and, with Bench.Size, the bytes stored per
// event besides the raw body (B/event).
func Writes(b *testing.B, bench Bench) {
	for _, kind := range []string{"matched", "unmatched"} {
		for _, way := range []string{"apply", "separate"} {
			for _, clients := range []int{1, 8} {
				b.Run(fmt.Sprintf("%s/%s/clients=%d", kind, way, clients), func(b *testing.B) {
					runWrites(b, bench, writeSpec{matched: kind == "matched", apply: way == "apply", clients: clients})
				})
			}
		}
	}
}

type writeSpec struct {
	matched, apply bool
	clients        int
}

func runWrites(b *testing.B, bench Bench, spec writeSpec) {
	ctx := context.Background()
	s := bench.Open(b)
	var size0 int64
	if bench.Size != nil {
		var err error
		if size0, err = bench.Size(s); err != nil {
			b.Fatalf("size: %v", err)
		}
	}
	lat := make([]time.Duration, b.N)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		werr error
	)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for range spec.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				err := writeEvent(ctx, s, i, spec)
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					werr = err
					mu.Unlock()
					next.Store(int64(b.N))
					return
				}
			}
		}()
	}
	wg.Wait()
	cpu := processCPU() - cpu0
	b.StopTimer()
	if werr != nil {
		b.Fatal(werr)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	if cpu > 0 {
		b.ReportMetric(float64(cpu)/1e3/float64(b.N), "cpu-µs/op")
	}
	if bench.Size != nil {
		size, err := bench.Size(s)
		if err != nil {
			b.Fatalf("size: %v", err)
		}
		b.ReportMetric(float64(size-size0-int64(b.N*len(benchRaw)))/float64(b.N), "B/event")
	}
	if bench.Report != nil {
		bench.Report(b, s)
	}
}

// benchRaw is the raw body of every benchmark event: a 1 KB CloudTrail
// event.
var benchRaw = []byte(`{"version":"0","id":"6f4c2b8e-1111-4222-8333-444455556666","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2",
"account":"444455556666","time":"2026-11-20T11:02:33Z","region":"us-east-1","resources":[],
"detail":{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEUSERID001",
"arn":"arn:aws:iam::444455556666:user/alice","accountId":"444455556666","accessKeyId":"AKIAEXAMPLEACCESS001","userName":"alice"},
"eventTime":"2026-11-20T11:02:33Z","eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","awsRegion":"us-east-1",
"sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
"requestParameters":{"groupId":"sg-0123456789abcdef0","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,
"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0","description":"temp ssh"}]}}]}},"responseElements":{"_return":true},
"requestID":"c0ffee00-1111-4222-8333-444455556666","eventID":"e1111111-2222-4333-8444-555555555502","readOnly":false,
"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"444455556666","eventCategory":"Management"}}`)

const (
	benchPlaybook = "ec2-security-group-open-ssh"
	benchTarget   = "AwsEc2SecurityGroup sg-0123456789abcdef0 in 444455556666/us-east-1"
	benchARN      = "arn:aws:ec2:us-east-1:444455556666:security-group/sg-0123456789abcdef0"
)

// benchParams is a run's Input without the event: its target and
// parameters.
var benchParams = []byte(`{"target":{"account":"444455556666","region":"us-east-1","type":"AwsEc2SecurityGroup",` +
	`"id":"sg-0123456789abcdef0","arn":"` + benchARN + `"},` +
	`"params":{"group_id":"sg-0123456789abcdef0","protocol":"tcp","port":22,"cidr":"0.0.0.0/0"}}`)

var benchSteps = [3][2]string{
	{"describe-group", "ec2.describe-security-group"},
	{"revoke-ingress", "ec2.revoke-security-group-ingress"},
	{"tag-group", "ec2.tag-resource"},
}

// mix scrambles i (SplitMix64), for identifiers that are as random as
// EventBridge's event IDs and the engine's run keys (hashes), and so land
// anywhere in their indexes.
func mix(i uint64) uint64 {
	i += 0x9e3779b97f4a7c15
	i = (i ^ i>>30) * 0xbf58476d1ce4e5b9
	i = (i ^ i>>27) * 0x94d049bb133111eb
	return i ^ i>>31
}

// MatchedBatch returns the batch that Writes applies for matched event i
// received at now: the event record (with a 1 KB raw body), a planned run
// that refers to it by EventKey, 3 planned steps and 5 audit entries. Event
// IDs and run keys are as random as real ones.
func MatchedBatch(i int, now time.Time) *store.Batch {
	ev := benchEvent(i, now)
	now, h := ev.Received, mix(uint64(i))
	ev.Status, ev.Playbooks = store.EventMatched, []string{benchPlaybook}
	run := &store.Run{
		ID: store.NewID(now), Key: fmt.Sprintf("%s:%016x%016x", benchPlaybook, mix(h), mix(h+1)), PlaybookID: benchPlaybook,
		EventID: ev.ID, EventKey: ev.Key, Mode: store.ModeDryRun, Status: store.RunPlanned, Input: benchParams,
		Target: store.Target{Account: "444455556666", Region: "us-east-1", ResourceType: "AwsEc2SecurityGroup",
			ResourceID: "sg-0123456789abcdef0", ARN: benchARN},
		Created: now,
	}
	steps := make([]store.StepRecord, len(benchSteps))
	for j, st := range benchSteps {
		steps[j] = store.StepRecord{RunID: run.ID, Index: j, Name: st[0], Action: st[1], Status: store.StepPlanned,
			Message: "would run " + st[1] + " on sg-0123456789abcdef0"}
	}
	audit := []store.AuditEntry{
		{Time: now, Kind: store.AuditMatched, EventID: ev.ID, Message: "matched playbooks: " + benchPlaybook},
		{Time: now, Kind: store.AuditMatched, EventID: ev.ID, RunID: run.ID, PlaybookID: benchPlaybook,
			Message: "run created for " + benchTarget + " (mode dry-run)"},
		{Time: now, Kind: store.AuditPlanned, EventID: ev.ID, RunID: run.ID, PlaybookID: benchPlaybook,
			Message: "planned only (mode dry-run)"},
		{Time: now, Kind: store.AuditStep, EventID: ev.ID, RunID: run.ID, PlaybookID: benchPlaybook,
			Message: "step revoke-ingress (ec2.revoke-security-group-ingress): planned"},
		{Time: now, Kind: store.AuditNotified, EventID: ev.ID, RunID: run.ID, PlaybookID: benchPlaybook,
			Message: "not notified: the run changed nothing (notify.always is off)"},
	}
	return &store.Batch{Events: []store.EventRecord{ev}, Create: []*store.Run{run}, Steps: steps, Audit: audit}
}

// UnmatchedBatch returns the batch that Writes applies for unmatched event
// i received at now: the event record, with a 1 KB raw body.
func UnmatchedBatch(i int, now time.Time) *store.Batch {
	ev := benchEvent(i, now)
	ev.Status, ev.Reason = store.EventUnmatched, "no playbook matched"
	return &store.Batch{Events: []store.EventRecord{ev}}
}

// benchEvent returns the record of event i received at now, without its
// status.
func benchEvent(i int, now time.Time) store.EventRecord {
	now = now.UTC()
	h := mix(uint64(i))
	return store.EventRecord{
		Key: store.NewID(now), Received: now,
		ID:     fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(h>>32), uint16(h>>16), h&0xfff, (h>>12)&0xfff, mix(h)&0xffffffffffff),
		Source: "aws.ec2", DetailType: "AWS API Call via CloudTrail", Account: "444455556666", Region: "us-east-1",
		Raw: benchRaw,
	}
}

// writeEvent writes what the engine writes for event i.
func writeEvent(ctx context.Context, s store.Store, i int, spec writeSpec) error {
	now := time.Now()
	if !spec.matched {
		b := UnmatchedBatch(i, now)
		if spec.apply {
			return s.Apply(ctx, b)
		}
		ev := b.Events[0]
		if err := s.RecordEvent(ctx, ev); err != nil {
			return err
		}
		return s.AppendAudit(ctx, store.AuditEntry{Time: now, Kind: store.AuditUnmatched, EventID: ev.ID, Message: ev.Reason})
	}
	mb := MatchedBatch(i, now)
	ev, run, steps, audit := mb.Events[0], mb.Create[0], mb.Steps, mb.Audit
	if spec.apply {
		if err := s.Apply(ctx, mb); err != nil {
			return err
		}
		if !mb.Created[0] {
			return fmt.Errorf("event %d: run not created", i)
		}
		return nil
	}
	// The engine before Apply: one call per record, the raw event in the
	// run's Input.
	ev.Key = ""
	input, err := json.Marshal(struct {
		Event  json.RawMessage `json:"event"`
		Params json.RawMessage `json:"params"`
	}{benchRaw, benchParams})
	if err != nil {
		return err
	}
	run.Input, run.EventKey = input, ""
	if err := s.RecordEvent(ctx, ev); err != nil {
		return err
	}
	if created, err := s.CreateRun(ctx, run); err != nil || !created {
		return fmt.Errorf("event %d: CreateRun = %v, %v", i, created, err)
	}
	for _, st := range steps {
		if err := s.PutStep(ctx, st); err != nil {
			return err
		}
	}
	for _, a := range audit {
		if err := s.AppendAudit(ctx, a); err != nil {
			return err
		}
	}
	return nil
}
