package pattern

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
)

// loadEvents reads a JSON array of events from testdata.
func loadEvents(tb testing.TB, name string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	out := make([][]byte, len(raw))
	for i, r := range raw {
		out[i] = []byte(r)
	}
	return out
}

type namedPattern struct {
	id  ID
	src []byte
}

// loadPatterns reads a JSON object of patterns by ID from testdata, in file
// order.
func loadPatterns(tb testing.TB, name string) []namedPattern {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	out := make([]namedPattern, 0, len(m))
	for id, src := range m {
		out = append(out, namedPattern{id, []byte(src)})
	}
	slices.SortFunc(out, func(a, b namedPattern) int {
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	return out
}

func newTestSet(tb testing.TB, ps []namedPattern) *Set {
	tb.Helper()
	s := NewSet()
	for _, p := range ps {
		if err := s.Add(p.id, p.src); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// TestTestdataAgreesWithReference checks the realistic benchmark patterns
// against every benchmark event with the reference evaluator, and that they
// do match some events.
func TestTestdataAgreesWithReference(t *testing.T) {
	events := append(loadEvents(t, "cloudtrail-events.json"), loadEvents(t, "securityhub-batches.json")...)
	for _, file := range []string{"playbook-patterns.json", "scale-patterns.json"} {
		ps := loadPatterns(t, file)
		s := newTestSet(t, ps)
		total := 0
		for _, ev := range events {
			got, err := s.Match(ev)
			if err != nil {
				t.Fatal(err)
			}
			var want []ID
			for _, p := range ps {
				ok, err := refMatch(p.src, ev)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					want = append(want, p.id)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: event %.80s: Set.Match = %v, reference = %v", file, ev, got, want)
			}
			total += len(got)
		}
		if total == 0 {
			t.Errorf("%s: no pattern matches any event", file)
		}
		t.Logf("%s: %d patterns, %d events, %d matches", file, len(ps), len(events), total)
	}
}

func benchMatch(b *testing.B, s *Set, events [][]byte) {
	var size int64
	for _, e := range events {
		size += int64(len(e))
	}
	b.SetBytes(size / int64(len(events)))
	b.ReportAllocs()
	var dst []ID
	matched := 0
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; b.Loop(); i++ {
		var err error
		dst, err = s.MatchAppend(dst[:0], events[i%len(events)])
		if err != nil {
			b.Fatal(err)
		}
		matched += len(dst)
	}
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if cpu > 0 {
		// On a shared machine wall-clock time includes time spent waiting
		// for a core; CPU time is what matching costs one core.
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/event")
		b.ReportMetric(float64(b.N)/(float64(cpu)/1e9), "events/cpu-s")
	}
	b.ReportMetric(float64(matched)/float64(b.N), "matches/event")
}

// BenchmarkCloudTrail matches 1 KB CloudTrail events against 200 realistic
// playbook patterns.
func BenchmarkCloudTrail(b *testing.B) {
	s := newTestSet(b, loadPatterns(b, "playbook-patterns.json"))
	benchMatch(b, s, loadEvents(b, "cloudtrail-events.json"))
}

// BenchmarkSecurityHubBatch matches Security Hub events carrying 10 ASFF
// findings each against the same 200 playbook patterns.
func BenchmarkSecurityHubBatch(b *testing.B) {
	s := newTestSet(b, loadPatterns(b, "playbook-patterns.json"))
	benchMatch(b, s, loadEvents(b, "securityhub-batches.json"))
}

// BenchmarkScale matches the same CloudTrail events against 1, 10, 100 and
// 1000 patterns.
func BenchmarkScale(b *testing.B) {
	ps := loadPatterns(b, "scale-patterns.json")
	events := loadEvents(b, "cloudtrail-events.json")
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("patterns=%d", n), func(b *testing.B) {
			benchMatch(b, newTestSet(b, ps[:n]), events)
		})
	}
}

// BenchmarkValidJSON is a yardstick: encoding/json validating the same
// CloudTrail events, on the same machine and at the same moment.
func BenchmarkValidJSON(b *testing.B) {
	events := loadEvents(b, "cloudtrail-events.json")
	b.SetBytes(int64(len(events[0])))
	for i := 0; b.Loop(); i++ {
		if !json.Valid(events[i%len(events)]) {
			b.Fatal("invalid event")
		}
	}
}

// BenchmarkMatch measures Set.Match, which allocates the returned slice.
func BenchmarkMatch(b *testing.B) {
	s := newTestSet(b, loadPatterns(b, "playbook-patterns.json"))
	events := loadEvents(b, "cloudtrail-events.json")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Match(events[i%len(events)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile measures compiling one realistic pattern.
func BenchmarkCompile(b *testing.B) {
	ps := loadPatterns(b, "playbook-patterns.json")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Compile(ps[i%len(ps)].src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetRebuild measures the first Match after a change to a set of
// 1000 patterns, which rebuilds the matcher.
func BenchmarkSetRebuild(b *testing.B) {
	ps := loadPatterns(b, "scale-patterns.json")
	s := newTestSet(b, ps)
	ev := loadEvents(b, "cloudtrail-events.json")[0]
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Add(ps[0].id, ps[0].src); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Match(ev); err != nil {
			b.Fatal(err)
		}
	}
}
