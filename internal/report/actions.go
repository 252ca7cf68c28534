package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rectify-dev/rectify/internal/action"
)

// ActionInfo describes an action for people and programs: what
// `rectify actions show` prints, and its JSON form.
type ActionInfo struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Params      []ParamInfo `json:"params"`
	// Reads and Writes are the AWS operations it calls, in IAM notation.
	Reads  []string `json:"reads"`
	Writes []string `json:"writes"`
	// ExtraPermissions are the permissions it needs beyond its calls.
	ExtraPermissions []string `json:"extra_permissions"`
	// Permissions are all the IAM permissions it needs.
	Permissions []string `json:"permissions"`
	// Home reports that, given some parameters, it works in rectify's own
	// account rather than the target's.
	Home bool `json:"home"`
	// Verified reports that what it changes is re-read and checked.
	Verified bool `json:"verified"`
	// Example is a step using it, in playbook YAML.
	Example string `json:"example"`
}

// ParamInfo describes one parameter of an action.
type ParamInfo struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description"`
}

// ActionInfoOf describes spec.
func ActionInfoOf(spec *action.Spec) ActionInfo {
	info := ActionInfo{Name: spec.Name, Description: spec.Description, Params: []ParamInfo{},
		Reads: nonNil(spec.Reads), Writes: nonNil(spec.Writes), ExtraPermissions: nonNil(spec.ExtraPermissions),
		Permissions: nonNil(spec.Permissions()), Home: spec.Home != nil, Verified: spec.Verify != nil, Example: ExampleStep(spec)}
	for _, p := range spec.Params {
		info.Params = append(info.Params, ParamInfo{Name: p.Name, Type: p.Type.String(), Required: p.Required, Default: p.Default, Description: p.Description})
	}
	return info
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return append([]string(nil), s...)
}

// Actions writes the action list: name, whether it changes anything, and
// what it does.
func Actions(w io.Writer, specs []*action.Spec) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCHANGES\tDESCRIPTION")
	for _, s := range specs {
		changes := "no"
		if len(s.Writes) > 0 {
			changes = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, changes, firstSentence(s.Description))
	}
	tw.Flush()
}

// firstSentence returns s up to and including its first full stop that
// ends a sentence.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// Action writes one action in detail: its parameters, the operations it
// reads and writes, extra permissions, whether it can work in rectify's
// own account, and an example step.
func Action(w io.Writer, spec *action.Spec) {
	info := ActionInfoOf(spec)
	fmt.Fprintf(w, "name: %s\n", info.Name)
	fmt.Fprintf(w, "description: %s\n", info.Description)
	if len(info.Params) == 0 {
		fmt.Fprintln(w, "parameters: none")
	} else {
		fmt.Fprintln(w, "parameters:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  NAME\tTYPE\tREQUIRED\tDEFAULT\tDESCRIPTION")
		for _, p := range info.Params {
			req, def := "no", "-"
			if p.Required {
				req = "yes"
			}
			if p.Default != nil {
				def = yamlValue(p.Default)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, p.Type, req, def, p.Description)
		}
		tw.Flush()
	}
	list := func(title string, items []string) {
		if len(items) == 0 {
			fmt.Fprintf(w, "%s: none\n", title)
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, it := range items {
			fmt.Fprintf(w, "  - %s\n", it)
		}
	}
	list("reads", info.Reads)
	list("writes", info.Writes)
	list("extra permissions", info.ExtraPermissions)
	switch {
	case len(info.Writes) == 0:
		fmt.Fprintln(w, "verified: nothing to verify: it changes nothing")
	case info.Verified:
		fmt.Fprintln(w, "verified: yes: what it changes is re-read with its reads and checked")
	}
	if info.Home {
		fmt.Fprintln(w, "works in rectify's own account: yes, when its parameters say so; it then needs its permissions there")
	} else {
		fmt.Fprintln(w, "works in rectify's own account: no; it works in the target's account")
	}
	fmt.Fprintln(w, "example step:")
	for _, l := range strings.Split(strings.TrimRight(info.Example, "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// ActionsJSON writes the actions as a JSON array of [ActionInfo].
func ActionsJSON(w io.Writer, specs []*action.Spec) error {
	out := make([]ActionInfo, 0, len(specs))
	for _, s := range specs {
		out = append(out, ActionInfoOf(s))
	}
	return writeJSON(w, out)
}

// ActionJSON writes one action as a JSON [ActionInfo].
func ActionJSON(w io.Writer, spec *action.Spec) error { return writeJSON(w, ActionInfoOf(spec)) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ExampleStep returns a playbook step that uses spec, in YAML: required
// parameters have a placeholder of their type ("<group_id>" for a
// string), optional ones their default, or a placeholder when they have
// none, each with a comment.
func ExampleStep(spec *action.Spec) string {
	var b strings.Builder
	_, verb, _ := strings.Cut(spec.Name, ".")
	fmt.Fprintf(&b, "- id: %s\n", strings.ReplaceAll(verb, "-", "_"))
	fmt.Fprintf(&b, "  action: %s\n", spec.Name)
	if len(spec.Params) == 0 {
		return b.String()
	}
	b.WriteString("  with:\n")
	width := 0
	lines := make([]string, len(spec.Params))
	for i, p := range spec.Params {
		v := placeholder(p)
		if p.Default != nil {
			v = yamlValue(p.Default)
		}
		lines[i] = fmt.Sprintf("    %s: %s", p.Name, v)
		width = max(width, len(lines[i]))
	}
	for i, p := range spec.Params {
		note := "required"
		switch {
		case p.Default != nil:
			note = "optional; this is the default"
		case !p.Required:
			note = "optional"
		}
		fmt.Fprintf(&b, "%-*s  # %s, %s\n", width, lines[i], p.Type, note)
	}
	return b.String()
}

// placeholder is an example value of p's type.
func placeholder(p action.Param) string {
	switch p.Type {
	case action.Int:
		return "1"
	case action.Bool:
		return "true"
	case action.Duration:
		return "10m"
	case action.StringList:
		return "[<" + p.Name + ">]"
	case action.Map:
		return "{key: value}"
	case action.PortList:
		return "[22, 3389, 8000-8100]"
	}
	return "<" + p.Name + ">"
}

// yamlValue renders a default value in YAML flow style: JSON, which YAML
// reads as the same value, with strings quoted only when YAML would not
// read them back as strings.
func yamlValue(v any) string {
	if s, ok := v.(string); ok && s != "" && plainString(s) {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.ReplaceAll(string(b), ",", ", ")
}

// plainString reports whether YAML reads s, unquoted, as the string s.
func plainString(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n":
		return false
	}
	if strings.ContainsAny(s[:1], "0123456789-+.[]{}!&*#?|>'\"%@`,:<") || strings.ContainsAny(s, ":#") {
		return false
	}
	return true
}
