package dynamodb

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/store"
	"github.com/rectify-dev/rectify/internal/store/storetest"
)

// opener returns a function that opens a Store on a new table of one
// simulator for each test.
func opener(tb testing.TB) func(testing.TB) *Store {
	sim := awssim.Start(tb)
	var n atomic.Int64
	return func(tb testing.TB) *Store {
		tb.Helper()
		table := fmt.Sprintf("rectify-%d", n.Add(1))
		s, err := Open(context.Background(), sim.Config(""), table, Options{Create: true})
		if err != nil {
			tb.Fatalf("Open: %v", err)
		}
		tb.Cleanup(func() { s.Close() })
		return s
	}
}

func TestConformance(t *testing.T) {
	open := opener(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

func BenchmarkRunStep(b *testing.B) {
	open := opener(b)
	storetest.Benchmark(b, func(b *testing.B) store.Store { return open(b) })
}
