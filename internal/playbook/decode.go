package playbook

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rectify-dev/rectify/internal/action"
)

var (
	idRE      = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	stepIDRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	paramRE   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	channelRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

const (
	maxIDLen = 64
	// maxNodes bounds the YAML nodes one document may expand to, aliases
	// included.
	maxNodes = 100_000
	// maxRetryAttempts bounds a step's retry attempts.
	maxRetryAttempts = 20
)

// celReserved are CEL's reserved words, which cannot follow a dot.
var celReserved = map[string]bool{
	"as": true, "break": true, "const": true, "continue": true, "else": true, "false": true,
	"for": true, "function": true, "if": true, "import": true, "in": true, "let": true,
	"loop": true, "package": true, "namespace": true, "null": true, "return": true,
	"true": true, "var": true, "void": true, "while": true,
}

// decoder decodes the playbooks of one file.
type decoder struct {
	file  string
	opts  *Options
	c     *compiler
	errs  Errors
	nodes int
}

func (d *decoder) pos(n *yaml.Node) Position {
	return Position{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	d.errs.add(d.pos(n), field, format, args...)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return "a bool"
		case "!!int", "!!float":
			return "a number"
		case "!!str":
			return "a string"
		}
		return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

type pair struct {
	key   string
	k, v  *yaml.Node
	field string
}

// mapping returns the pairs of a mapping node, reporting non-string and
// duplicate keys, and keys not in known (if known is non-nil).
func (d *decoder) mapping(n *yaml.Node, field string, known []string) ([]pair, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, field, "want a mapping, got %s", kindName(n))
		return nil, false
	}
	if !d.spend(n, field, len(n.Content)/2) {
		return nil, false
	}
	var out []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			d.errorf(k, field, "merge keys (<<) are not supported")
			continue
		}
		if k.Kind != yaml.ScalarNode || (k.ShortTag() != "!!str" && k.ShortTag() != "!!int" && k.ShortTag() != "!!bool") {
			d.errorf(k, field, "want a string key, got %s", kindName(k))
			continue
		}
		f := join(field, k.Value)
		if seen[k.Value] {
			d.errorf(k, f, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		if known != nil && !contains(known, k.Value) {
			if hint := didYouMean(k.Value, known); hint != "" {
				d.errorf(k, f, "unknown field %q%s", k.Value, hint)
			} else {
				d.errorf(k, f, "unknown field %q (want one of %s)", k.Value, strings.Join(known, ", "))
			}
			continue
		}
		out = append(out, pair{key: k.Value, k: k, v: v, field: f})
	}
	return out, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func (d *decoder) str(n *yaml.Node, field string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.errorf(n, field, "want a string, got %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) boolean(n *yaml.Node, field string) (bool, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.errorf(n, field, "want true or false, got %s", kindName(n))
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		d.errorf(n, field, "%v", err)
		return false, false
	}
	return b, true
}

func (d *decoder) integer(n *yaml.Node, field string) (int, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.errorf(n, field, "want a whole number, got %s", kindName(n))
		return 0, false
	}
	var i int
	if err := n.Decode(&i); err != nil {
		d.errorf(n, field, "invalid number %q", n.Value)
		return 0, false
	}
	return i, true
}

func (d *decoder) duration(n *yaml.Node, field string) (time.Duration, bool) {
	s, ok := d.str(n, field)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		d.errorf(n, field, "invalid duration %q: want a positive duration such as \"30s\" or \"20m\"", s)
		return 0, false
	}
	return v, true
}

func (d *decoder) strings(n *yaml.Node, field string, re *regexp.Regexp, what string) ([]string, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, field, "want a list of strings, got %s", kindName(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, e := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		s, good := d.str(e, f)
		if !good {
			ok = false
			continue
		}
		if re != nil && !re.MatchString(s) {
			d.errorf(e, f, "invalid %s %q", what, s)
			ok = false
			continue
		}
		out = append(out, s)
	}
	return out, ok
}

// spend counts k more nodes against the document's budget, which bounds
// the work aliases can cause. It reports false, once with an error, when
// the budget is exhausted.
func (d *decoder) spend(n *yaml.Node, field string, k int) bool {
	before := d.nodes
	d.nodes += k
	if d.nodes <= maxNodes {
		return true
	}
	if before <= maxNodes {
		d.errorf(n, field, "document expands to more than %d nodes", maxNodes)
	}
	return false
}

// value converts a node to plain Go values: string, int, float64, bool,
// nil, []any and map[string]any.
func (d *decoder) value(n *yaml.Node, field string) (any, bool) {
	if !d.spend(n, field, 1) {
		return nil, false
	}
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return n.Value, true
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				d.errorf(n, field, "%v", err)
				return nil, false
			}
			return b, true
		case "!!int":
			var i int
			if err := n.Decode(&i); err == nil {
				return i, true
			}
			d.errorf(n, field, "number %s is out of range", n.Value)
			return nil, false
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				d.errorf(n, field, "invalid number %s", n.Value)
				return nil, false
			}
			return f, true
		}
		d.errorf(n, field, "unsupported value of type %s", n.ShortTag())
		return nil, false
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		ok := true
		for i, e := range n.Content {
			v, good := d.value(e, fmt.Sprintf("%s[%d]", field, i))
			ok = ok && good
			out = append(out, v)
		}
		return out, ok
	case yaml.MappingNode:
		pairs, ok := d.mapping(n, field, nil)
		out := make(map[string]any, len(pairs))
		for _, p := range pairs {
			v, good := d.value(p.v, p.field)
			ok = ok && good
			out[p.key] = v
		}
		return out, ok
	}
	d.errorf(n, field, "unsupported YAML node")
	return nil, false
}

var playbookFields = []string{"id", "title", "description", "trigger", "controls", "control_params", "when", "mode", "params", "steps", "verify", "on_failure", "notify", "enabled", "tags"}

// playbook decodes one document's root node.
func (d *decoder) playbook(root *yaml.Node) *Playbook {
	before := len(d.errs)
	pb := &Playbook{Pos: d.pos(root), Mode: Auto, Enabled: true, Defaults: map[string]any{}}
	pairs, ok := d.mapping(root, "", playbookFields)
	if !ok {
		return nil
	}
	fields := map[string]pair{}
	for _, p := range pairs {
		fields[p.key] = p
	}
	// The fields are decoded in dependency order: params before the
	// expressions that refer to them.
	if p, ok := fields["id"]; ok {
		if s, ok := d.str(p.v, "id"); ok {
			if len(s) > maxIDLen || !idRE.MatchString(s) {
				d.errorf(p.v, "id", "invalid id %q: want lower-case letters, digits and single hyphens, at most %d characters", s, maxIDLen)
			} else {
				pb.ID, pb.idPos = s, d.pos(resolve(p.v))
			}
		}
	} else {
		d.errorf(root, "id", "missing required field")
	}
	if p, ok := fields["title"]; ok {
		if s, ok := d.str(p.v, "title"); ok {
			if strings.TrimSpace(s) == "" {
				d.errorf(p.v, "title", "must not be empty")
			}
			pb.Title = s
		}
	} else {
		d.errorf(root, "title", "missing required field")
	}
	if p, ok := fields["description"]; ok {
		pb.Description, _ = d.str(p.v, "description")
	}
	if p, ok := fields["mode"]; ok {
		if s, ok := d.str(p.v, "mode"); ok {
			m, err := ParseMode(s)
			if err != nil {
				d.errorf(p.v, "mode", "%v", err)
			}
			pb.Mode = m
		}
	}
	if p, ok := fields["enabled"]; ok {
		if b, ok := d.boolean(p.v, "enabled"); ok {
			pb.Enabled = b
		}
	}
	if p, ok := fields["tags"]; ok {
		pb.Tags, _ = d.strings(p.v, "tags", nil, "")
	}
	if p, ok := fields["params"]; ok {
		d.params(pb, p)
	}
	cp, isControl := fields["controls"]
	if isControl {
		d.controlDefaults(pb, resolve(cp.k))
		d.controls(pb, cp)
		if p, ok := fields["trigger"]; ok {
			d.errorf(p.k, "trigger", "a control playbook's trigger is made from its controls; remove trigger")
		}
	} else if p, ok := fields["trigger"]; ok {
		d.trigger(pb, p)
	} else {
		d.errorf(root, "trigger", "missing required field")
	}
	if p, ok := fields["control_params"]; ok {
		if !isControl {
			d.errorf(p.k, "control_params", "only a control playbook (one with controls) has control parameters")
		} else {
			d.controlParams(pb, p)
		}
	}
	if p, ok := fields["when"]; ok {
		if s, ok := d.str(p.v, "when"); ok {
			pb.Condition = s
			if c := d.expr(p.v, "when", s, pb, false, true, nil); c != nil {
				pb.when = c.prg
			}
		}
	}
	ids := map[string]bool{}
	if p, ok := fields["steps"]; ok {
		pb.Steps = d.steps(pb, p, ids)
	}
	if p, ok := fields["verify"]; ok {
		pb.Verify = d.steps(pb, p, ids)
	}
	if p, ok := fields["on_failure"]; ok {
		pb.OnFailure = d.steps(pb, p, ids)
	}
	if isControl && len(d.errs) == before {
		d.finishControls(pb, resolve(cp.k), ids)
	}
	if p, ok := fields["notify"]; ok {
		d.notify(pb, p, ids)
	}
	if !isControl && len(pb.Steps) == 0 && len(pb.Notify.Channels) == 0 && fields["steps"].v == nil && fields["notify"].v == nil {
		d.errorf(root, "steps", "a playbook needs steps, a notify, or both")
	}
	if len(d.errs) > before {
		return nil
	}
	return pb
}

func (d *decoder) params(pb *Playbook, p pair) {
	pairs, _ := d.mapping(p.v, "params", nil)
	for _, q := range pairs {
		if !paramRE.MatchString(q.key) {
			d.errorf(q.k, q.field, "invalid parameter name %q: want lower_snake_case", q.key)
			continue
		}
		if v, ok := d.value(q.v, q.field); ok {
			pb.Defaults[q.key] = v
		}
	}
}

func (d *decoder) trigger(pb *Playbook, p pair) {
	v, ok := d.value(p.v, "trigger")
	if !ok {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		d.errorf(p.v, "trigger", "want an EventBridge event pattern as a mapping, got %s", kindName(resolve(p.v)))
		return
	}
	if len(m) == 0 {
		d.errorf(p.v, "trigger", "empty pattern would match every event")
		return
	}
	b, err := json.Marshal(m)
	if err != nil {
		d.errorf(p.v, "trigger", "cannot encode pattern: %v", err)
		return
	}
	if d.opts.ValidateTrigger != nil {
		if err := d.opts.ValidateTrigger(b); err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "invalid event pattern") {
				msg = "invalid event pattern: " + msg
			}
			d.errorf(p.v, "trigger", "%s", msg)
			return
		}
	}
	pb.Trigger = b
	if d.opts.CheckTrigger != nil {
		for _, n := range d.opts.CheckTrigger(b) {
			node, at, field := p.v, p.k, "trigger"
			for _, k := range n.Path {
				at, node = child(node, k)
				if i, err := strconv.Atoi(k); err == nil && i >= 0 {
					field += "[" + k + "]"
				} else {
					field += "." + k
				}
			}
			pb.Warnings = append(pb.Warnings, &Error{Pos: d.pos(at), Field: field, Msg: n.Msg})
		}
	}
}

// child returns the key and value nodes of key in mapping n, or the
// element at index key of sequence n (twice); n itself twice when there is
// none.
func child(n *yaml.Node, key string) (at, value *yaml.Node) {
	r := resolve(n)
	switch r.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(r.Content); i += 2 {
			if r.Content[i].Value == key {
				return r.Content[i], r.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(r.Content) {
			return r.Content[i], r.Content[i]
		}
	}
	return n, n
}

// expr compiles a CEL expression and checks its references to params and
// steps. stepIDs, if not nil, are the step ids it may refer to.
func (d *decoder) expr(n *yaml.Node, field, src string, pb *Playbook, withSteps, wantBool bool, stepIDs map[string]bool) *compiled {
	c, err := d.c.compile(src, withSteps, wantBool)
	if err != nil {
		d.errorf(n, field, "%v", err)
		return nil
	}
	return d.checkRefs(n, field, c, pb, stepIDs)
}

func (d *decoder) checkRefs(n *yaml.Node, field string, c *compiled, pb *Playbook, stepIDs map[string]bool) *compiled {
	ok := true
	for _, name := range c.params {
		if _, declared := pb.Defaults[name]; !declared {
			if hint := didYouMean(name, sortedKeys(pb.Defaults)); hint != "" {
				d.errorf(n, field, "unknown parameter params.%s%s", name, hint)
			} else {
				d.errorf(n, field, "unknown parameter params.%s (declare it under params)", name)
			}
			ok = false
		}
	}
	for _, id := range c.steps {
		if !stepIDs[id] {
			d.errorf(n, field, "steps.%s does not name an earlier step", id)
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return c
}

var stepFields = []string{"id", "action", "with", "if", "retry", "timeout", "critical", "not_found"}

func (d *decoder) steps(pb *Playbook, p pair, ids map[string]bool) []*Step {
	n := resolve(p.v)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, p.key, "want a list of steps, got %s", kindName(n))
		return nil
	}
	var out []*Step
	for i, sn := range n.Content {
		field := fmt.Sprintf("%s[%d]", p.key, i)
		if s := d.step(pb, sn, field, ids); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) step(pb *Playbook, n *yaml.Node, field string, ids map[string]bool) *Step {
	n = resolve(n)
	pairs, ok := d.mapping(n, field, stepFields)
	if !ok {
		return nil
	}
	st := &Step{Pos: d.pos(n), playbook: pb.ID, Retry: Retry{Attempts: 1}, Critical: true, NotFound: NotFoundStop}
	fields := map[string]pair{}
	for _, p := range pairs {
		fields[p.key] = p
	}
	good := true
	if p, ok := fields["action"]; ok {
		if s, ok := d.str(p.v, p.field); ok {
			st.Action = s
			if d.opts.Registry != nil {
				spec, found := d.opts.Registry.Lookup(s)
				if !found {
					d.errorf(p.v, p.field, "unknown action %q%s", s, didYouMean(s, d.opts.Registry.Names()))
					good = false
				}
				st.spec = spec
			} else if !action.ValidName(s) {
				d.errorf(p.v, p.field, "invalid action name %q", s)
				good = false
			}
		} else {
			good = false
		}
	} else {
		d.errorf(n, field+".action", "missing required field")
		good = false
	}
	if p, ok := fields["id"]; ok {
		if s, ok := d.str(p.v, p.field); ok {
			if !stepIDRE.MatchString(s) || celReserved[s] {
				d.errorf(p.v, p.field, "invalid step id %q: want a lower_snake_case identifier", s)
				good = false
			} else if ids[s] {
				d.errorf(p.v, p.field, "duplicate step id %q", s)
				good = false
			}
			st.ID = s
		}
	} else if st.Action != "" {
		st.ID = deriveStepID(st.Action, ids)
	}
	if p, ok := fields["if"]; ok {
		if s, ok := d.str(p.v, p.field); ok {
			st.If = s
			if c := d.expr(p.v, p.field, s, pb, true, true, ids); c != nil {
				st.cond = c.prg
				st.condSteps = len(c.steps) > 0
			} else {
				good = false
			}
		}
	}
	if p, ok := fields["retry"]; ok {
		st.Retry, _ = d.retry(p)
	}
	if p, ok := fields["timeout"]; ok {
		st.Timeout, _ = d.duration(p.v, p.field)
	}
	if p, ok := fields["critical"]; ok {
		if b, ok := d.boolean(p.v, p.field); ok {
			st.Critical = b
		} else {
			good = false
		}
	}
	if p, ok := fields["not_found"]; ok {
		if s, ok := d.str(p.v, p.field); ok {
			v, err := ParseNotFound(s)
			if err != nil {
				d.errorf(p.v, p.field, "%v", err)
				good = false
			}
			st.NotFound = v
		} else {
			good = false
		}
	}
	wp, hasWith := fields["with"]
	st.With = map[string]any{}
	st.with = map[string]any{}
	if hasWith {
		pairs, _ := d.mapping(wp.v, wp.field, nil)
		for _, q := range pairs {
			v, ok := d.value(q.v, q.field)
			if !ok {
				good = false
				continue
			}
			st.With[q.key] = v
			var param action.Param
			if st.spec != nil {
				var declared bool
				if param, declared = st.spec.Param(q.key); !declared {
					d.errorf(q.k, q.field, "action %s has no parameter %q%s", st.Action, q.key, paramHint(q.key, st.spec))
					good = false
					continue
				}
			}
			cv, static, ok := d.compileValue(q.v, q.field, v, pb, ids)
			if !ok {
				good = false
				continue
			}
			if static && st.spec != nil && v != nil {
				if _, err := param.Coerce(v); err != nil {
					d.errorf(q.v, q.field, "%v", err)
					good = false
					continue
				}
			}
			st.with[q.key] = cv
		}
	}
	if st.spec != nil {
		for _, prm := range st.spec.Params {
			if v, ok := st.With[prm.Name]; prm.Required && (!ok || v == nil) {
				at, f := n, field
				if hasWith {
					at, f = resolve(wp.v), wp.field
				}
				d.errorf(at, f, "action %s needs parameter %q", st.Action, prm.Name)
				good = false
			}
		}
	}
	if st.ID != "" {
		ids[st.ID] = true
	}
	if !good {
		return nil
	}
	return st
}

// paramHint suggests the parameter name meant, or lists the parameters.
func paramHint(name string, s *action.Spec) string {
	if len(s.Params) == 0 {
		return " (it takes none)"
	}
	names := make([]string, len(s.Params))
	for i, p := range s.Params {
		names[i] = p.Name
	}
	if hint := didYouMean(name, names); hint != "" {
		return hint
	}
	return " (it takes " + strings.Join(names, ", ") + ")"
}

// deriveStepID names a step after its action's verb phrase.
func deriveStepID(actionName string, ids map[string]bool) string {
	base := actionName[strings.LastIndexByte(actionName, '.')+1:]
	base = strings.ReplaceAll(base, "-", "_")
	if !stepIDRE.MatchString(base) || celReserved[base] {
		base = "step"
	}
	id := base
	for i := 2; ids[id]; i++ {
		id = base + "_" + strconv.Itoa(i)
	}
	return id
}

// compileValue compiles the templates inside v, which was decoded from n.
// static reports that v has no templates.
func (d *decoder) compileValue(n *yaml.Node, field string, v any, pb *Playbook, ids map[string]bool) (out any, static, ok bool) {
	switch v := v.(type) {
	case string:
		if !hasTemplate(v) {
			return v, true, true
		}
		t, lit, err := d.c.compileTemplate(v)
		if err != nil {
			d.errorf(n, field, "template: %v", err)
			return nil, false, false
		}
		if t == nil {
			return lit, true, true
		}
		for _, part := range t.parts {
			if part.expr != nil && d.checkRefs(n, field, part.expr, pb, ids) == nil {
				return nil, false, false
			}
		}
		return t, false, true
	case []any:
		out := make([]any, len(v))
		static, ok := true, true
		for i, e := range v {
			var s, g bool
			out[i], s, g = d.compileValue(n, fmt.Sprintf("%s[%d]", field, i), e, pb, ids)
			static, ok = static && s, ok && g
		}
		return out, static, ok
	case map[string]any:
		out := make(map[string]any, len(v))
		static, ok := true, true
		for _, k := range sortedKeys(v) {
			var s, g bool
			out[k], s, g = d.compileValue(n, field+"."+k, v[k], pb, ids)
			static, ok = static && s, ok && g
		}
		return out, static, ok
	}
	return v, true, true
}

func (d *decoder) retry(p pair) (Retry, bool) {
	r := Retry{Attempts: 1}
	n := resolve(p.v)
	if n.Kind == yaml.ScalarNode {
		a, ok := d.integer(n, p.field)
		if !ok {
			return r, false
		}
		r.Attempts = a
	} else {
		pairs, ok := d.mapping(n, p.field, []string{"attempts", "backoff"})
		if !ok {
			return r, false
		}
		for _, q := range pairs {
			switch q.key {
			case "attempts":
				if r.Attempts, ok = d.integer(q.v, q.field); !ok {
					return r, false
				}
			case "backoff":
				if r.Backoff, ok = d.duration(q.v, q.field); !ok {
					return r, false
				}
			}
		}
	}
	if r.Attempts < 1 || r.Attempts > maxRetryAttempts {
		d.errorf(n, p.field, "attempts must be between 1 and %d, got %d", maxRetryAttempts, r.Attempts)
		return Retry{Attempts: 1}, false
	}
	return r, true
}

func (d *decoder) notify(pb *Playbook, p pair, ids map[string]bool) {
	n := resolve(p.v)
	if n.Kind == yaml.SequenceNode {
		pb.Notify.Channels, _ = d.strings(n, "notify", channelRE, "channel name")
		return
	}
	pairs, ok := d.mapping(n, "notify", []string{"to", "subject", "message", "always"})
	if !ok {
		return
	}
	hasTo := false
	for _, q := range pairs {
		switch q.key {
		case "to":
			hasTo = true
			pb.Notify.Channels, _ = d.strings(q.v, q.field, channelRE, "channel name")
		case "always":
			pb.Notify.Always, _ = d.boolean(q.v, q.field)
		case "subject", "message":
			s, ok := d.str(q.v, q.field)
			if !ok {
				continue
			}
			t, lit, err := d.c.compileTemplate(s)
			if err != nil {
				d.errorf(q.v, q.field, "template: %v", err)
				continue
			}
			if t != nil {
				for _, part := range t.parts {
					if part.expr != nil && d.checkRefs(q.v, q.field, part.expr, pb, ids) == nil {
						t = nil
						break
					}
				}
			} else {
				t = &template{src: s, parts: []tmplPart{{lit: lit}}}
			}
			if q.key == "subject" {
				pb.Notify.Subject, pb.Notify.subject = s, t
			} else {
				pb.Notify.Message, pb.Notify.message = s, t
			}
		}
	}
	if !hasTo {
		d.errorf(n, "notify.to", "missing required field")
	}
}
