// Package report renders rectify's results for people: what became of an
// event and its runs, what a plan would do, the playbooks, the recorded runs
// with their steps and audit trail, and the summary of a replay. The
// renderings are plain text for a terminal; they are not a stable format for
// programs. Text that comes from events, the store or AWS is printed
// through [Escape], so that it cannot drive the terminal.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/router"
	"github.com/rectify-dev/rectify/internal/store"
)

// TimeFormat is how times are shown.
const TimeFormat = "2006-01-02 15:04:05Z07:00"

// Target describes an event's target in one line.
func Target(t event.Target) string {
	return describe(t.Type, t.ID, t.ARN, t.Account, t.Region)
}

// StoreTarget describes a run's target in one line.
func StoreTarget(t store.Target) string {
	return describe(t.ResourceType, t.ResourceID, t.ARN, t.Account, t.Region)
}

func describe(typ, id, arn, account, region string) string {
	what := strings.TrimSpace(typ + " " + id)
	if arn != "" {
		what = arn
	}
	if what == "" {
		what = "(no resource)"
	}
	return Escape(fmt.Sprintf("%s in %s/%s", what, orDash(account), orDash(region)))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Event writes what became of one event: its status and, for each run, the
// playbook, target, mode, status and the steps in steps (by run ID). origin
// says where the event came from; err is Handle's error.
func Event(w io.Writer, origin string, res *engine.Result, err error, steps map[string][]store.StepRecord) {
	head := "event"
	if origin != "" {
		head = origin + ": event"
	}
	switch {
	case res == nil:
		fmt.Fprintf(w, "%s not handled: %s\n", Escape(head), errText(err))
		return
	case res.EventID != "":
		head += " " + res.EventID
	}
	fmt.Fprintf(w, "%s: %s", Escape(head), Escape(string(res.Status)))
	if res.Reason != "" {
		fmt.Fprintf(w, " (%s)", oneLine(res.Reason))
	}
	fmt.Fprintln(w)
	if err != nil && res.Status != store.EventRejected {
		fmt.Fprintf(w, "  error: %s\n", errText(err))
	}
	for _, r := range res.Runs {
		fmt.Fprintf(w, "  playbook %s\n", Escape(r.PlaybookID))
		fmt.Fprintf(w, "    target: %s\n", Target(r.Target))
		fmt.Fprintf(w, "    mode:   %s\n", r.Mode)
		switch {
		case r.Skipped != "":
			fmt.Fprintf(w, "    status: skipped: %s\n", oneLine(r.Skipped))
			continue
		case r.Duplicate:
			fmt.Fprintf(w, "    status: %s (duplicate delivery; nothing done again)\n", Escape(string(r.Status)))
		default:
			fmt.Fprintf(w, "    status: %s\n", Escape(string(r.Status)))
		}
		fmt.Fprintf(w, "    run:    %s\n", Escape(r.RunID))
		if r.Error != "" {
			fmt.Fprintf(w, "    error:  %s\n", oneLine(r.Error))
		}
		if s := steps[r.RunID]; len(s) > 0 {
			fmt.Fprintln(w, "    steps:")
			Steps(w, "      ", s)
		}
	}
}

// Steps writes a run's recorded steps, one per line, each line beginning
// with indent.
func Steps(w io.Writer, indent string, steps []store.StepRecord) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range steps {
		fmt.Fprintf(tw, "%s%d. %s\t%s\t%s\t%s\n", indent, s.Index+1, Escape(s.Name), Escape(s.Action), Escape(string(s.Status)), oneLine(s.Message))
	}
	tw.Flush()
}

// Plan writes what Handle would do with an event.
func Plan(w io.Writer, res *engine.Result, plans []engine.PlannedRun) {
	fmt.Fprintf(w, "event %s: %s", Escape(res.EventID), Escape(string(res.Status)))
	if res.Reason != "" {
		fmt.Fprintf(w, " (%s)", oneLine(res.Reason))
	}
	fmt.Fprintln(w)
	if len(plans) == 0 {
		fmt.Fprintln(w, "nothing would be done")
		return
	}
	for _, p := range plans {
		fmt.Fprintf(w, "\nplaybook %s: %s\n", Escape(p.PlaybookID), oneLine(p.Title))
		fmt.Fprintf(w, "  target: %s\n", Target(p.Target))
		fmt.Fprintf(w, "  mode:   %s (%s)\n", p.Mode, modeMeaning(p.Mode))
		if p.Skipped != "" {
			fmt.Fprintf(w, "  skipped: %s\n", oneLine(p.Skipped))
			continue
		}
		fmt.Fprintln(w, "  steps:")
		for i, s := range p.Steps {
			fmt.Fprintf(w, "    %d. %s (%s)", i+1, Escape(s.ID), Escape(s.Action))
			if s.Plan != router.Planned {
				fmt.Fprintf(w, " [%s]", s.Plan)
			}
			fmt.Fprintln(w)
			fmt.Fprintf(w, "       %s\n", oneLine(s.Description))
			if s.Note != "" {
				fmt.Fprintf(w, "       %s\n", oneLine(s.Note))
			}
			if len(s.Permissions) > 0 {
				where := "IAM"
				if s.Home {
					where = "IAM (rectify's own account)"
				}
				fmt.Fprintf(w, "       %s: %s\n", where, Escape(strings.Join(s.Permissions, ", ")))
			}
		}
	}
}

func modeMeaning(m playbook.Mode) string {
	switch m {
	case playbook.Auto:
		return "the steps would run"
	case playbook.Approve:
		return "the run would wait for approval"
	case playbook.Notify:
		return "only a notification would be sent"
	case playbook.DryRun:
		return "the steps would only be recorded"
	}
	return "unknown"
}

// PlaybookRow is one playbook as the playbook list shows it.
type PlaybookRow struct {
	Playbook *playbook.Playbook
	// Mode is the effective mode, after configuration.
	Mode    playbook.Mode
	Enabled bool
	// Params are the parameters in effect after configuration; nil
	// stands for the playbook's defaults.
	Params map[string]any
	// Overridden names the parameters the configuration sets.
	Overridden []string
}

// effectiveParams returns the parameters in effect and those the
// configuration sets.
func (r PlaybookRow) effectiveParams() (map[string]any, []string) {
	if r.Params == nil {
		return r.Playbook.Defaults, nil
	}
	return r.Params, r.Overridden
}

// Playbooks writes the playbook list: id, mode, title and the event
// sources of the trigger.
func Playbooks(w io.Writer, rows []PlaybookRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMODE\tTITLE\tSOURCES")
	for _, r := range rows {
		mode := r.Mode.String()
		if !r.Enabled {
			mode = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Playbook.ID, mode, r.Playbook.Title, strings.Join(TriggerSources(r.Playbook.Trigger), ", "))
	}
	tw.Flush()
}

// TriggerSources returns the event sources a trigger pattern names: the
// values of its "source" field, with content filters shown as JSON.
func TriggerSources(trigger []byte) []string {
	var p struct {
		Source []json.RawMessage `json:"source"`
	}
	if json.Unmarshal(trigger, &p) != nil || len(p.Source) == 0 {
		return []string{"*"}
	}
	var out []string
	for _, s := range p.Source {
		var str string
		if json.Unmarshal(s, &str) == nil {
			out = append(out, str)
		} else {
			out = append(out, string(s))
		}
	}
	return out
}

// Playbook writes one playbook in detail: its settings, trigger, condition,
// parameters, steps with their parameters, verification, notification and
// the IAM permissions it needs in member accounts and in rectify's own.
func Playbook(w io.Writer, r PlaybookRow, member, home []string) {
	pb := r.Playbook
	fmt.Fprintf(w, "id: %s\n", pb.ID)
	fmt.Fprintf(w, "title: %s\n", pb.Title)
	if pb.Description != "" {
		fmt.Fprintf(w, "description: %s\n", oneLine(pb.Description))
	}
	fmt.Fprintf(w, "defined at: %s\n", pb.Pos)
	fmt.Fprintf(w, "mode: %s\n", r.Mode)
	fmt.Fprintf(w, "enabled: %t\n", r.Enabled)
	if len(pb.Controls) > 0 {
		fmt.Fprintf(w, "controls: %s\n", strings.Join(pb.Controls, ", "))
		for _, id := range pb.Controls {
			if vals := pb.ControlDefaults[id]; len(vals) > 0 {
				fmt.Fprintf(w, "  %s:\n", id)
				writeMap(w, "    ", vals)
			}
		}
		if len(pb.ControlParams) > 0 {
			fmt.Fprintln(w, "control_params:")
			for _, name := range sortedKeys(pb.ControlParams) {
				fmt.Fprintf(w, "  %s: %s\n", name, pb.ControlParams[name])
			}
		}
		fmt.Fprintln(w, "trigger (made from the controls):")
		fmt.Fprintf(w, "  %s\n", pb.Trigger)
	} else {
		fmt.Fprintf(w, "trigger: %s\n", pb.Trigger)
	}
	if pb.Condition != "" {
		fmt.Fprintf(w, "when: %s\n", oneLine(pb.Condition))
	}
	if params, overridden := r.effectiveParams(); len(params) > 0 {
		fmt.Fprintln(w, "params:")
		writeParams(w, "  ", params, overridden)
	}
	writeSteps(w, "steps", pb.Steps)
	writeSteps(w, "verify", pb.Verify)
	writeSteps(w, "on_failure", pb.OnFailure)
	if len(pb.Notify.Channels) > 0 {
		fmt.Fprintf(w, "notify: %s\n", strings.Join(pb.Notify.Channels, ", "))
	}
	if len(pb.Tags) > 0 {
		fmt.Fprintf(w, "tags: %s\n", strings.Join(pb.Tags, ", "))
	}
	fmt.Fprintln(w, "iam permissions in the target's (member) account:")
	for _, p := range member {
		fmt.Fprintf(w, "  - %s\n", p)
	}
	if len(home) > 0 {
		fmt.Fprintln(w, "iam permissions in rectify's own account:")
		for _, p := range home {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
}

func writeSteps(w io.Writer, name string, steps []*playbook.Step) {
	if len(steps) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", name)
	for _, s := range steps {
		fmt.Fprintf(w, "  - id: %s\n", s.ID)
		fmt.Fprintf(w, "    action: %s\n", s.Action)
		if s.Generated {
			fmt.Fprintln(w, "    added by rectify: true")
		}
		if s.If != "" {
			fmt.Fprintf(w, "    if: %s\n", oneLine(s.If))
		}
		if len(s.With) > 0 {
			fmt.Fprintln(w, "    with:")
			writeMap(w, "      ", s.With)
		}
		if s.Timeout > 0 {
			fmt.Fprintf(w, "    timeout: %s\n", s.Timeout)
		}
		if s.Retry.Attempts > 1 {
			fmt.Fprintf(w, "    retry: %d attempts, backoff %s\n", s.Retry.Attempts, s.Retry.Backoff)
		}
		if spec := s.Spec(); spec != nil {
			fmt.Fprintf(w, "    permissions: %s\n", strings.Join(spec.Permissions(), ", "))
		}
	}
}

func writeMap(w io.Writer, indent string, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s: %s\n", indent, k, value(m[k]))
	}
}

// writeParams writes parameters as writeMap does, marking those the
// configuration sets.
func writeParams(w io.Writer, indent string, m map[string]any, overridden []string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		note := ""
		if slices.Contains(overridden, k) {
			note = "  (set by the configuration)"
		}
		fmt.Fprintf(w, "%s%s: %s%s\n", indent, Escape(k), value(m[k]), note)
	}
}

func value(v any) string {
	switch v := v.(type) {
	case string:
		return oneLine(v)
	case time.Duration:
		return v.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Runs writes a table of runs: id, created, playbook, target, mode and
// status.
func Runs(w io.Writer, runs []*store.Run) {
	if len(runs) == 0 {
		fmt.Fprintln(w, "no runs")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tPLAYBOOK\tTARGET\tMODE\tSTATUS")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", Escape(r.ID), r.Created.Format(TimeFormat), Escape(r.PlaybookID), StoreTarget(r.Target),
			Escape(string(r.Mode)), Escape(string(r.Status)))
	}
	tw.Flush()
}

// Run writes one run with its steps and audit trail.
func Run(w io.Writer, r *store.Run, steps []store.StepRecord, audit []store.AuditEntry) {
	fmt.Fprintf(w, "run:      %s\n", Escape(r.ID))
	fmt.Fprintf(w, "playbook: %s\n", Escape(r.PlaybookID))
	fmt.Fprintf(w, "event:    %s\n", Escape(r.EventID))
	fmt.Fprintf(w, "target:   %s\n", StoreTarget(r.Target))
	if r.Target.FindingID != "" {
		fmt.Fprintf(w, "finding:  %s\n", Escape(r.Target.FindingID))
	}
	fmt.Fprintf(w, "mode:     %s\n", Escape(string(r.Mode)))
	fmt.Fprintf(w, "status:   %s\n", Escape(string(r.Status)))
	if r.Error != "" {
		fmt.Fprintf(w, "error:    %s\n", oneLine(r.Error))
	}
	fmt.Fprintf(w, "created:  %s\n", r.Created.Format(TimeFormat))
	fmt.Fprintf(w, "updated:  %s\n", r.Updated.Format(TimeFormat))
	if !r.WakeAt.IsZero() && r.Status == store.RunWaiting {
		fmt.Fprintf(w, "wakes at: %s\n", r.WakeAt.Format(TimeFormat))
	}
	fmt.Fprintf(w, "attempts: %d\n", r.Attempts)
	fmt.Fprintln(w, "\nsteps:")
	if len(steps) == 0 {
		fmt.Fprintln(w, "  none recorded")
	}
	Steps(w, "  ", steps)
	fmt.Fprintln(w, "\naudit:")
	if len(audit) == 0 {
		fmt.Fprintln(w, "  none recorded")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range audit {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.Time.Format(TimeFormat), Escape(string(a.Kind)), oneLine(a.Message))
	}
	tw.Flush()
}

// oneLine folds a text onto one line and escapes it (see Escape).
func oneLine(s string) string {
	return Escape(strings.Join(strings.Fields(s), " "))
}

// errText is an error's message, on one line and escaped.
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return oneLine(err.Error())
}
