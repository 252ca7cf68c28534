package storetest

import (
	"context"
	"fmt"
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
