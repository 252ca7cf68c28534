package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/rectify-dev/rectify/internal/control"
	"github.com/rectify-dev/rectify/internal/playbook"
)

// ControlRow is one Security Hub control as `rectify controls` shows it:
// the control and the playbooks that remediate it (none when it is not
// supported yet).
type ControlRow struct {
	Control   *control.Control
	Playbooks []ControlPlaybook
}

// ControlPlaybook is a playbook that remediates a control, with what it
// does for that control after configuration.
type ControlPlaybook struct {
	PlaybookRow
	// Params are the playbook's parameters for the control: its
	// defaults, its values for the control, then configuration.
	Params map[string]any
}

// ControlPlaybookOf describes the playbook of row for the control id, with
// the configuration's parameter overrides.
func ControlPlaybookOf(row PlaybookRow, id string, overrides map[string]any) (ControlPlaybook, error) {
	params, err := row.Playbook.Params(overrides)
	if err != nil {
		return ControlPlaybook{}, err
	}
	params, err = row.Playbook.ParamsFor(params, overrides, id, nil)
	if err != nil {
		return ControlPlaybook{}, err
	}
	return ControlPlaybook{PlaybookRow: row, Params: params}, nil
}

// steps returns every step of the playbook: its steps, verification and
// failure steps.
func (p ControlPlaybook) steps() []*playbook.Step {
	pb := p.Playbook
	return append(append(append([]*playbook.Step(nil), pb.Steps...), pb.Verify...), pb.OnFailure...)
}

// Changes returns the AWS operations the playbook's steps may call that
// change something, sorted.
func (p ControlPlaybook) Changes() []string {
	var out []string
	for _, st := range p.steps() {
		if spec := st.Spec(); spec != nil {
			out = append(out, spec.Writes...)
		}
	}
	return sortedSet(out)
}

// Permissions returns the IAM permissions the playbook needs in the
// finding's (member) account, and those it needs in rectify's own account
// (a finding updated in the central account's Security Hub).
func (p ControlPlaybook) Permissions() (member, home []string) {
	return p.Playbook.Permissions(p.Params)
}

func sortedSet(s []string) []string {
	sort.Strings(s)
	return slices.Compact(s)
}

// Controls writes the control list: id, title, standards, playbook, mode,
// what it changes and the permissions it needs in the finding's account.
// A control with several playbooks has a line for each.
func Controls(w io.Writer, rows []ControlRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTROL\tTITLE\tSTANDARDS\tPLAYBOOK\tMODE\tCHANGES\tPERMISSIONS")
	for _, r := range rows {
		var stds []string
		for _, s := range r.Control.Standards() {
			stds = append(stds, s.Key())
		}
		if len(r.Playbooks) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\tnot supported yet\t-\t-\t-\n", r.Control.ID, r.Control.Title, strings.Join(stds, ","))
			continue
		}
		for _, p := range r.Playbooks {
			member, _ := p.Permissions()
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Control.ID, r.Control.Title, strings.Join(stds, ","),
				p.Playbook.ID, modeWord(p.PlaybookRow), strings.Join(p.Changes(), ","), strings.Join(member, ","))
		}
	}
	tw.Flush()
}

func modeWord(r PlaybookRow) string {
	if !r.Enabled {
		return "disabled"
	}
	return r.Mode.String()
}

// Control writes one control in detail: the standards that contain it
// with the id each gives it and the generator ids its findings may carry,
// and each playbook that remediates it with its mode, parameters, steps,
// what it changes and the permissions it needs. match, when it has a
// standard, says which standard-specific id named the control.
func Control(w io.Writer, r ControlRow, match control.Match) {
	c := r.Control
	if match.Ref.Standard != 0 && match.Ref.ID != "" && match.Ref.ID != c.ID {
		fmt.Fprintf(w, "%s %s is Security Hub control %s.\n\n", match.Ref.Standard, match.Ref.ID, c.ID)
	}
	fmt.Fprintf(w, "control: %s\n", c.ID)
	fmt.Fprintf(w, "title: %s\n", c.Title)
	fmt.Fprintln(w, "standards:")
	for _, ref := range c.Refs {
		fmt.Fprintf(w, "  - %s: %s\n", ref.Standard, c.StandardID(ref))
	}
	fmt.Fprintln(w, "generator ids:")
	for _, g := range c.GeneratorIDs() {
		fmt.Fprintf(w, "  - %s\n", g)
	}
	if len(r.Playbooks) == 0 {
		fmt.Fprintln(w, "playbook: none (not supported yet)")
		return
	}
	for _, p := range r.Playbooks {
		member, home := p.Permissions()
		fmt.Fprintf(w, "\nplaybook: %s\n", p.Playbook.ID)
		fmt.Fprintf(w, "  title: %s\n", p.Playbook.Title)
		fmt.Fprintf(w, "  mode: %s\n", modeWord(p.PlaybookRow))
		if p.Playbook.Description != "" {
			fmt.Fprintf(w, "  what it does: %s\n", oneLine(p.Playbook.Description))
		}
		if len(p.Params) > 0 {
			fmt.Fprintln(w, "  params:")
			writeMap(w, "    ", p.Params)
		}
		if len(p.Playbook.ControlParams) > 0 {
			fmt.Fprintln(w, "  from the finding's control parameters:")
			for _, name := range sortedKeys(p.Playbook.ControlParams) {
				fmt.Fprintf(w, "    %s: params.%s\n", name, p.Playbook.ControlParams[name])
			}
		}
		fmt.Fprintln(w, "  steps:")
		for _, st := range p.Playbook.Steps {
			fmt.Fprintf(w, "    - %s (%s)%s\n", st.ID, st.Action, generatedNote(st))
		}
		for _, st := range p.Playbook.Verify {
			fmt.Fprintf(w, "    - %s (%s, verify)%s\n", st.ID, st.Action, generatedNote(st))
		}
		for _, st := range p.Playbook.OnFailure {
			fmt.Fprintf(w, "    - %s (%s, on failure)%s\n", st.ID, st.Action, generatedNote(st))
		}
		fmt.Fprintf(w, "  changes: %s\n", orNone(strings.Join(p.Changes(), ", ")))
		fmt.Fprintln(w, "  permissions in the finding's account:")
		for _, perm := range member {
			fmt.Fprintf(w, "    - %s\n", perm)
		}
		if len(home) > 0 {
			fmt.Fprintln(w, "  permissions in rectify's own account:")
			for _, perm := range home {
				fmt.Fprintf(w, "    - %s\n", perm)
			}
		}
	}
}

func generatedNote(st *playbook.Step) string {
	if st.Generated {
		return ", added by rectify"
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ControlInfo is the JSON form of a control.
type ControlInfo struct {
	ID        string         `json:"id"`
	Title     string         `json:"title"`
	Standards []StandardInfo `json:"standards"`
	// GeneratorIDs are the generator ids a finding of the control may
	// carry.
	GeneratorIDs []string `json:"generator_ids"`
	Supported    bool     `json:"supported"`
	// Playbooks remediate the control; empty when it is not supported.
	Playbooks []ControlPlaybookInfo `json:"playbooks"`
	// MatchedBy is the standard-specific id that named the control, when
	// one did.
	MatchedBy *StandardInfo `json:"matched_by,omitempty"`
}

// StandardInfo is a standard that contains a control, with the id it
// gives it.
type StandardInfo struct {
	Key       string `json:"key"`
	Name      string `json:"name"`
	ControlID string `json:"control_id"`
}

// ControlPlaybookInfo is the JSON form of a ControlPlaybook.
type ControlPlaybookInfo struct {
	ID                 string            `json:"id"`
	Title              string            `json:"title"`
	Mode               string            `json:"mode"`
	Enabled            bool              `json:"enabled"`
	Params             map[string]any    `json:"params"`
	ControlParams      map[string]string `json:"control_params,omitempty"`
	Changes            []string          `json:"changes"`
	Permissions        []string          `json:"permissions"`
	CentralPermissions []string          `json:"central_permissions"`
}

// ControlInfoOf describes r for JSON.
func ControlInfoOf(r ControlRow, match control.Match) ControlInfo {
	c := r.Control
	info := ControlInfo{ID: c.ID, Title: c.Title, Standards: []StandardInfo{}, GeneratorIDs: c.GeneratorIDs(),
		Supported: len(r.Playbooks) > 0, Playbooks: []ControlPlaybookInfo{}}
	for _, ref := range c.Refs {
		info.Standards = append(info.Standards, StandardInfo{Key: ref.Standard.Key(), Name: ref.Standard.String(), ControlID: c.StandardID(ref)})
	}
	if match.Ref.Standard != 0 {
		info.MatchedBy = &StandardInfo{Key: match.Ref.Standard.Key(), Name: match.Ref.Standard.String(), ControlID: c.StandardID(match.Ref)}
	}
	for _, p := range r.Playbooks {
		member, home := p.Permissions()
		info.Playbooks = append(info.Playbooks, ControlPlaybookInfo{ID: p.Playbook.ID, Title: p.Playbook.Title, Mode: p.Mode.String(),
			Enabled: p.Enabled, Params: p.Params, ControlParams: p.Playbook.ControlParams, Changes: nonNil(p.Changes()),
			Permissions: nonNil(member), CentralPermissions: nonNil(home)})
	}
	return info
}

// ControlsJSON writes rows as a JSON array.
func ControlsJSON(w io.Writer, rows []ControlRow) error {
	out := make([]ControlInfo, len(rows))
	for i, r := range rows {
		out[i] = ControlInfoOf(r, control.Match{})
	}
	return writeJSON(w, out)
}

// ControlJSON writes the matches of `rectify controls show`, a JSON array
// of controls (one, unless a bare standard-specific id names several).
func ControlJSON(w io.Writer, rows []ControlRow, matches []control.Match) error {
	out := make([]ControlInfo, len(rows))
	for i, r := range rows {
		out[i] = ControlInfoOf(r, matches[i])
	}
	return writeJSON(w, out)
}
