package awssim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// AdminPrefix begins the paths at which a Server answers about itself
// rather than as an AWS API. No AWS request has such a path: a bucket
// name cannot begin with an underscore.
const AdminPrefix = "/_rectify/"

// FaultsPath is the fault switch of a running Server, for programs other
// than the one that started it (rectify sandbox's users, a load test):
//
//   - GET lists the installed faults as a JSON array of FaultRule;
//   - POST installs faults: a JSON array of FaultRule, or one, each as
//     SetFault does ({"service": "iam", "op": "UpdateAccessKey", "fault":
//     {"ErrorRate": 1, "Times": 2}}; "op" empty or left out for every
//     operation of the service; Latency a number of nanoseconds or a
//     duration such as "200ms"), and answers with the faults installed;
//   - DELETE removes every fault, or with ?service=NAME (and &op=OP) the
//     fault of that service (and operation).
//
// A fault naming a service or operation the simulator does not serve, or
// with values out of range, is refused with 400 and changes nothing.
const FaultsPath = AdminPrefix + "faults"

// serveAdmin answers a request under AdminPrefix.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.URL.Path != FaultsPath {
		adminError(w, http.StatusNotFound, "no such path: "+r.URL.Path+" (there is "+FaultsPath+")")
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost, http.MethodPut:
		rules, err := parseFaultRules(body)
		if err == nil {
			err = s.checkFaultRules(rules)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.SetFaults(rules)
	case http.MethodDelete:
		q := r.URL.Query()
		if q.Has("service") {
			s.ClearFault(q.Get("service"), q.Get("op"))
		} else {
			s.ClearFaults()
		}
	default:
		w.Header().Set("Allow", "GET, POST, PUT, DELETE")
		adminError(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed on "+FaultsPath)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Faults())
}

func adminError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// parseFaultRules reads a JSON array of FaultRule, or one FaultRule.
func parseFaultRules(body []byte) ([]FaultRule, error) {
	var rules []FaultRule
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "{") {
		var one FaultRule
		if err := strictJSON(body, &one); err != nil {
			return nil, fmt.Errorf("fault rule: %w", err)
		}
		return []FaultRule{one}, nil
	}
	if err := strictJSON(body, &rules); err != nil {
		return nil, fmt.Errorf("fault rules: want a JSON array of {\"service\", \"op\", \"fault\"}: %w", err)
	}
	return rules, nil
}

func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value")
	}
	return nil
}

// CheckFaults reports a rule that names a service or an operation the
// simulator does not serve, or whose values are out of range: a fault
// that could never apply.
func (s *Server) CheckFaults(rules []FaultRule) error { return s.checkFaultRules(rules) }

// checkFaultRules reports a rule that names a service or an operation the
// simulator does not serve, or has values out of range.
func (s *Server) checkFaultRules(rules []FaultRule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range rules {
		def := s.services[r.Service]
		if def == nil {
			names := make([]string, 0, len(s.services))
			for n := range s.services {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("rule %d: the simulator serves no service %q (it serves %s)", i, r.Service, strings.Join(names, ", "))
		}
		if r.Op != "" && !slices.Contains(def.operations(), r.Op) {
			return fmt.Errorf("rule %d: the simulated %s serves no operation %q", i, r.Service, r.Op)
		}
		if err := r.Fault.check(); err != nil {
			return fmt.Errorf("rule %d (%s): %w", i, r.Service, err)
		}
	}
	return nil
}

// check reports values out of range.
func (f Fault) check() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"ThrottleRate", f.ThrottleRate}, {"ErrorRate", f.ErrorRate}} {
		if p.v < 0 || p.v > 1 || math.IsNaN(p.v) {
			return fmt.Errorf("%s %v is not a probability from 0 to 1", p.name, p.v)
		}
	}
	switch {
	case f.Latency < 0:
		return fmt.Errorf("Latency %s is negative", f.Latency)
	case f.Latency > time.Hour:
		return fmt.Errorf("Latency %s is over an hour", f.Latency)
	case f.RateLimit < 0 || math.IsNaN(f.RateLimit) || math.IsInf(f.RateLimit, 0):
		return fmt.Errorf("RateLimit %v must be a positive rate a second, or 0 for none", f.RateLimit)
	case f.Burst < 0:
		return fmt.Errorf("Burst %d is negative", f.Burst)
	case f.Times < 0:
		return fmt.Errorf("Times %d is negative", f.Times)
	}
	return nil
}

// operations returns the names of the operations def serves.
func (def *serviceDef) operations() []string {
	var out []string
	for op := range def.Query {
		out = append(out, op)
	}
	for op := range def.JSON {
		out = append(out, op)
	}
	for _, rt := range def.REST {
		out = append(out, rt.Op)
	}
	out = append(out, def.Ops...)
	return out
}

// Faults returns the installed faults, sorted by service and operation.
func (s *Server) Faults() []FaultRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FaultRule, 0, len(s.faults))
	for k, st := range s.faults {
		out = append(out, FaultRule{Service: k.service, Op: k.op, Fault: st.Fault})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Op < out[j].Op
	})
	return out
}

// ClearFault removes the fault of service and op ("" for the one that
// applies to every operation of the service).
func (s *Server) ClearFault(service, op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, faultKey{service, op})
}

// UnmarshalJSON reads a Fault whose Latency is a number of nanoseconds or
// a duration string such as "200ms".
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var aux struct {
		plain
		Latency json.RawMessage
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	*f = Fault(aux.plain)
	f.Latency = 0
	if len(aux.Latency) == 0 || string(aux.Latency) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(aux.Latency, &s) == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("Latency %q: %w", s, err)
		}
		f.Latency = d
		return nil
	}
	var n int64
	if err := json.Unmarshal(aux.Latency, &n); err != nil {
		return fmt.Errorf("Latency %s: want nanoseconds or a duration such as \"200ms\"", aux.Latency)
	}
	f.Latency = time.Duration(n)
	return nil
}
