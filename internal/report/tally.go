package report

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/store"
)

// Tally counts what became of many events, for the summary of a replay.
// The zero value is ready to use.
type Tally struct {
	// Events counts events by status; "error" counts events that could not
	// be handled.
	Events map[string]int
	// Runs counts runs by status; "skipped" counts playbooks that matched
	// but created no run.
	Runs map[string]int
	// Failures lists the events that were rejected or not handled and the
	// runs that failed, in the order they happened. A failure may hold
	// text from an event: print it through Escape, as Write does.
	Failures []string
}

// Add counts one event; origin says where it came from.
func (t *Tally) Add(origin string, res *engine.Result, err error) {
	if t.Events == nil {
		t.Events, t.Runs = map[string]int{}, map[string]int{}
	}
	if origin == "" {
		origin = "event"
	}
	if res == nil || (err != nil && !errors.Is(err, engine.ErrRejected)) {
		t.Events["error"]++
		t.Failures = append(t.Failures, fmt.Sprintf("%s: not handled: %v", origin, err))
		return
	}
	t.Events[string(res.Status)]++
	if res.Status == store.EventRejected {
		t.Failures = append(t.Failures, fmt.Sprintf("%s: rejected: %s", origin, oneLine(res.Reason)))
	}
	for _, r := range res.Runs {
		if r.Skipped != "" {
			t.Runs["skipped"]++
			continue
		}
		t.Runs[string(r.Status)]++
		if r.Status == store.RunFailed {
			t.Failures = append(t.Failures, fmt.Sprintf("%s: event %s: run %s of %s on %s failed: %s",
				origin, res.EventID, r.RunID, r.PlaybookID, Target(r.Target), oneLine(r.Error)))
		}
	}
}

// Fail records a problem that is not one event's outcome, such as a file
// that cannot be read.
func (t *Tally) Fail(err error) {
	if t.Events == nil {
		t.Events, t.Runs = map[string]int{}, map[string]int{}
	}
	t.Events["error"]++
	t.Failures = append(t.Failures, err.Error())
}

// Total returns the number of events counted.
func (t *Tally) Total() int {
	n := 0
	for _, c := range t.Events {
		n += c
	}
	return n
}

// OK reports whether no event was rejected or left unhandled and no run
// failed.
func (t *Tally) OK() bool { return len(t.Failures) == 0 }

// Write writes the summary: counts by event status and run status, then
// the failures.
func (t *Tally) Write(w io.Writer) {
	fmt.Fprintf(w, "%s\n", Count(t.Total(), "event"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENTS\tCOUNT")
	writeCounts(tw, t.Events)
	fmt.Fprintln(tw, "\t")
	fmt.Fprintln(tw, "RUNS\tCOUNT")
	writeCounts(tw, t.Runs)
	tw.Flush()
	if len(t.Failures) > 0 {
		fmt.Fprintf(w, "\n%s:\n", Count(len(t.Failures), "failure"))
		for _, f := range t.Failures {
			fmt.Fprintf(w, "  %s\n", Escape(f))
		}
	}
}

func writeCounts(w io.Writer, m map[string]int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		fmt.Fprintln(w, "none\t0")
	}
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%d\n", Escape(k), m[k])
	}
}

// TallyJSON is a Tally for programs.
type TallyJSON struct {
	Events   map[string]int `json:"events"`
	Runs     map[string]int `json:"runs"`
	Failures []string       `json:"failures"`
}

// JSON returns the tally for programs.
func (t *Tally) JSON() TallyJSON {
	j := TallyJSON{Events: t.Events, Runs: t.Runs, Failures: t.Failures}
	if j.Events == nil {
		j.Events = map[string]int{}
	}
	if j.Runs == nil {
		j.Runs = map[string]int{}
	}
	if j.Failures == nil {
		j.Failures = []string{}
	}
	return j
}
