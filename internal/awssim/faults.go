package awssim

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"time"
)

// Fault describes failures to inject into a service's operations. Its
// fields are plain values, so a Fault reads and writes as JSON (Latency in
// nanoseconds).
type Fault struct {
	// Latency is added before the call is served.
	Latency time.Duration
	// ThrottleRate is the probability (0..1) that a call is throttled.
	ThrottleRate float64
	// RateLimit, if positive, admits this many calls a second (a token
	// bucket of Burst tokens, at least 1) and throttles the rest.
	RateLimit float64
	Burst     int
	// PerAccountRegion gives each caller account and region its own token
	// bucket, as AWS's API rate limits are applied; otherwise one bucket
	// serves every caller. A global service's (IAM's) buckets are per
	// account.
	PerAccountRegion bool
	// ErrorRate is the probability (0..1) of an error: a 5xx
	// InternalFailure, or the error ErrorCode names.
	ErrorRate float64
	// ErrorCode, if set, is the code of the injected error instead of
	// InternalFailure (such as "AccessDenied"), answered with ErrorStatus
	// (400 when zero).
	ErrorCode   string
	ErrorStatus int
	// IgnoreWrites makes a mutating call (one the activity log does not
	// record as read-only, and S3 object writes) answer exactly as if it
	// had succeeded while changing nothing: the service's state and the
	// Server's credentials are put back as they were before the call.
	// Other services' state that a call changes as a side effect (an SNS
	// publish delivering to an SQS queue) is not put back.
	IgnoreWrites bool
	// Times, if positive, limits the fault to the next Times calls that it
	// throttles, fails or whose writes it ignores; after that it no longer
	// applies. With ThrottleRate or ErrorRate 1 this fails exactly the next
	// Times calls.
	Times int
}

type faultKey struct{ service, op string }

// bucket is a token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

type faultState struct {
	Fault
	shared  bucket
	buckets map[scope]*bucket // PerAccountRegion buckets
	fired   int
}

// SetFault injects f into the calls of service (a simulated service's name,
// e.g. "iam") and op (an operation name, or "" for every operation of the
// service). A later SetFault for the same key replaces it. Faults of the
// service and of the operation both apply: their latencies add up and
// either may throttle or fail the call.
func (s *Server) SetFault(service, op string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &faultState{Fault: f, shared: newBucket(f, time.Now())}
	if f.PerAccountRegion {
		st.buckets = map[scope]*bucket{}
	}
	s.faults[faultKey{service, op}] = st
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[faultKey]*faultState{}
}

func newBucket(f Fault, now time.Time) bucket {
	return bucket{tokens: float64(max(f.Burst, 1)), last: now}
}

// take takes a token from b, refilled at f's rate since it was last used,
// and reports whether there was one.
func (b *bucket) take(f Fault, now time.Time) bool {
	b.tokens = min(float64(max(f.Burst, 1)), b.tokens+now.Sub(b.last).Seconds()*f.RateLimit)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// faultOutcome is what the injected faults do to a call.
type faultOutcome struct {
	// err, if set, is the answer instead of serving the call.
	err *Error
	// ignoreWrites: the call is served, then its changes are undone.
	ignoreWrites bool
}

// applyFaults sleeps for injected latency and returns what the injected
// faults do to call c.
func (s *Server) applyFaults(ctx context.Context, c *call) faultOutcome {
	def := c.def
	s.mu.Lock()
	var states []*faultState
	for _, k := range []faultKey{{def.Name, ""}, {def.Name, c.op}} {
		if st := s.faults[k]; st != nil {
			states = append(states, st)
		}
	}
	var latency time.Duration
	var out faultOutcome
	writes := mutates(def, c.op)
	for _, st := range states {
		latency += st.Latency
		if out.err != nil || (st.Times > 0 && st.fired >= st.Times) {
			continue
		}
		throttled := st.ThrottleRate > 0 && s.rng.Float64() < st.ThrottleRate
		if st.RateLimit > 0 {
			now := time.Now()
			b := &st.shared
			if st.buckets != nil {
				k := scope{c.caller.Account, c.region}
				if def.Global {
					k.region = ""
				}
				if b = st.buckets[k]; b == nil {
					nb := newBucket(st.Fault, now)
					b = &nb
					st.buckets[k] = b
				}
			}
			if !b.take(st.Fault, now) {
				throttled = true
			}
		}
		switch {
		case throttled:
			out.err = def.throttleError()
		case st.ErrorRate > 0 && s.rng.Float64() < st.ErrorRate:
			out.err = def.serverError()
			if st.ErrorCode != "" {
				status := st.ErrorStatus
				if status == 0 {
					status = http.StatusBadRequest
				}
				out.err = errorf(status, st.ErrorCode, "injected fault: %s", st.ErrorCode)
			}
		case st.IgnoreWrites && writes:
			out.ignoreWrites = true
		default:
			continue
		}
		st.fired++
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
	return out
}

// mutates reports whether op of def changes state. S3's object writes are
// recorded as read-only (they are CloudTrail data events, not delivered as
// management events) but change state.
func mutates(def *serviceDef, op string) bool {
	if def.Name == "s3" && (op == "PutObject" || op == "DeleteObject") {
		return true
	}
	return !def.readOnly(op)
}

// holdStateLocked saves def's state and the Server's credentials and
// returns the function that puts them back, for a write to be ignored.
// The state round-trips through JSON as for Snapshot and Restore.
func (s *Server) holdStateLocked(def *serviceDef) (restore func(), err error) {
	creds := maps.Clone(s.creds)
	var saved []byte
	if def.State != nil {
		if saved, err = json.Marshal(def.State); err != nil {
			return nil, err
		}
	}
	return func() {
		s.creds = creds
		if def.State == nil {
			return
		}
		clearState(reflect.ValueOf(def.State).Elem())
		if err := json.Unmarshal(saved, def.State); err != nil {
			s.log.Error("awssim: putting back state after an ignored write", "service", def.Name, "err", err)
		}
		if def.Restored != nil {
			def.Restored()
		}
	}, nil
}

// clearState zeroes what encoding/json would decode into v (a service's
// State), so that decoding saved state yields exactly that state: the
// exported fields of a struct, or the whole of any other value. A
// service's unexported fields (its *Server) are kept.
func clearState(v reflect.Value) {
	if v.Kind() != reflect.Struct {
		v.SetZero()
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
			v.Field(i).SetZero()
		}
	}
}
