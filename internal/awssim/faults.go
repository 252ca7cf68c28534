package awssim

import (
	"context"
	"time"
)

// Fault describes failures to inject into a service's operations.
type Fault struct {
	// Latency is added before the call is served.
	Latency time.Duration
	// ThrottleRate is the probability (0..1) that a call is throttled.
	ThrottleRate float64
	// RateLimit, if positive, admits this many calls a second (a token
	// bucket of Burst tokens) and throttles the rest.
	RateLimit float64
	Burst     int
	// ErrorRate is the probability (0..1) of a 5xx error.
	ErrorRate float64
	// Times, if positive, limits the fault to the next Times calls that it
	// throttles or fails; after that it no longer applies. With ThrottleRate
	// or ErrorRate 1 this fails exactly the next Times calls.
	Times int
}

type faultKey struct{ service, op string }

type faultState struct {
	Fault
	tokens float64
	last   time.Time
	fired  int
}

// SetFault injects f into the calls of service (a simulated service's name,
// e.g. "iam") and op (an operation name, or "" for every operation of the
// service). A later SetFault for the same key replaces it.
func (s *Server) SetFault(service, op string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &faultState{Fault: f, tokens: float64(f.Burst), last: time.Now()}
	if st.tokens == 0 && f.RateLimit > 0 {
		st.tokens = 1
	}
	s.faults[faultKey{service, op}] = st
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[faultKey]*faultState{}
}

// applyFaults sleeps for injected latency and returns the injected error, if
// any, for a call of service and op.
func (s *Server) applyFaults(ctx context.Context, service, op string) *Error {
	s.mu.Lock()
	var states []*faultState
	for _, k := range []faultKey{{service, ""}, {service, op}} {
		if st := s.faults[k]; st != nil {
			states = append(states, st)
		}
	}
	var latency time.Duration
	var fail *Error
	def := s.services[service]
	for _, st := range states {
		latency += st.Latency
		if fail != nil || (st.Times > 0 && st.fired >= st.Times) {
			continue
		}
		throttled := st.ThrottleRate > 0 && s.rng.Float64() < st.ThrottleRate
		if st.RateLimit > 0 {
			now := time.Now()
			max := float64(st.Burst)
			if max < 1 {
				max = 1
			}
			st.tokens = min(max, st.tokens+now.Sub(st.last).Seconds()*st.RateLimit)
			st.last = now
			if st.tokens >= 1 {
				st.tokens--
			} else {
				throttled = true
			}
		}
		switch {
		case throttled:
			fail = def.throttleError()
		case st.ErrorRate > 0 && s.rng.Float64() < st.ErrorRate:
			fail = def.serverError()
		}
		if fail != nil {
			st.fired++
		}
	}
	s.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return fail
}
