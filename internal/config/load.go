package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rectify-dev/rectify/internal/spelling"
)

// Error is one problem with the configuration.
type Error struct {
	File  string // the file, when loaded from one
	Line  int    // the line of the field, when known
	Field string // the field's path, such as "aws.accounts.111122223333.role_name"
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a configuration, in file order.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// err returns es as an error, or nil when it is empty.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Load reads the configuration file at path, applies defaults, reads the
// environment variables it names and validates the result. With an empty
// path it reads DefaultFile, and a missing DefaultFile yields the defaults;
// a missing file that was named is an error. Relative paths in a regular
// file (store.path, playbooks.dirs, and the default store.path) are
// relative to the file's directory; in a file that is not a regular file,
// such as /dev/null or a pipe, they are relative to the working directory.
// Every problem is reported at once, as Errors in file order.
func Load(path string) (*Config, error) {
	return load(path, os.LookupEnv, true)
}

// LoadWithoutSecrets reads the configuration as Load does, but reads no
// secret from the environment and does not require the variables that
// external_id_env names to be set: for the commands that only read, such
// as listing playbooks or runs, which must work where the secrets are not
// given. The Config it returns must not be used to act in AWS.
func LoadWithoutSecrets(path string) (*Config, error) {
	return load(path, os.LookupEnv, false)
}

func load(path string, lookup lookupEnv, secrets bool) (*Config, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			c := Default()
			if secrets {
				if errs := c.resolveEnv(lookup); len(errs) > 0 {
					return nil, errs
				}
			}
			return c, nil
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	base := ""
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		base = filepath.Dir(path)
	}
	if !secrets {
		lookup = nil
	}
	return parse(path, data, base, lookup)
}

// Parse reads a configuration from data as if it were the file named file,
// without reading environment variables or rebasing relative paths.
func Parse(file string, data []byte) (*Config, error) {
	return parse(file, data, "", nil)
}

// parse decodes, completes and validates a configuration. Relative paths
// are made relative to base unless it is empty; with a nil lookup no
// environment variable is read.
func parse(file string, data []byte, base string, lookup lookupEnv) (*Config, error) {
	c, lines, errs := decode(file, data)
	if c == nil {
		return nil, errs
	}
	c.applyDefaults()
	if base != "" {
		rebase := func(p string) string {
			if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, ":") || strings.HasPrefix(p, "file:") {
				return p
			}
			return filepath.Join(base, p)
		}
		c.Store.Path = rebase(c.Store.Path)
		for i, d := range c.Playbooks.Dirs {
			c.Playbooks.Dirs[i] = rebase(d)
		}
	}
	// A field whose value could not be decoded keeps its default, which
	// says nothing about the file: its validation is left out.
	for _, e := range c.validate() {
		if !under(e.Field, errs) {
			errs = append(errs, e)
		}
	}
	if lookup != nil {
		for _, e := range c.resolveEnv(lookup) {
			if !under(e.Field, errs) {
				errs = append(errs, e)
			}
		}
	}
	if errs := lines.locate(file, errs); len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool {
			li, lj := errs[i].Line, errs[j].Line
			return li != 0 && (lj == 0 || li < lj)
		})
		return nil, errs
	}
	return c, nil
}

// onLine reports whether one of errs is on line n, such as the "set twice"
// of a key that yaml.v3 reports again as already defined.
func onLine(n int, errs Errors) bool {
	for _, e := range errs {
		if n != 0 && e.Line == n {
			return true
		}
	}
	return false
}

// under reports whether field is one of the fields of errs or inside one.
func under(field string, errs Errors) bool {
	for _, e := range errs {
		if e.Field != "" && (field == e.Field || strings.HasPrefix(field, e.Field+".") || strings.HasPrefix(field, e.Field+"[")) {
			return true
		}
	}
	return false
}

// lineIndex maps field paths to the lines they are on.
type lineIndex map[string]int

// locate fills in the file and line of each error.
func (li lineIndex) locate(file string, errs Errors) Errors {
	for _, e := range errs {
		e.File = file
		if e.Line == 0 {
			// The field's own line, or the nearest enclosing one present.
			for p := e.Field; p != ""; p = parent(p) {
				if l, ok := li[p]; ok {
					e.Line = l
					break
				}
			}
		}
	}
	return errs
}

func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// decode parses data strictly into a Config without defaults. It returns
// a nil Config when data is not a YAML mapping; otherwise the Config holds
// every field that could be decoded, and the Errors the unknown fields and
// the values of the wrong type.
func decode(file string, data []byte) (*Config, lineIndex, Errors) {
	c := &Config{File: file}
	lines := lineIndex{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, lines, nil
		}
		return nil, nil, Errors{syntaxError(file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, nil, Errors{{File: file, Line: extra.Line, Msg: "more than one YAML document; the configuration is one document"}}
	} else if !errors.Is(err, io.EOF) {
		return nil, nil, Errors{syntaxError(file, err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return c, lines, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, Errors{{File: file, Line: root.Line, Msg: "the configuration must be a mapping of settings"}}
	}
	var errs Errors
	checkFields(root, reflect.TypeFor[Config](), "", lines, &errs)
	for _, e := range errs {
		e.File = file
	}
	// Decode sets every field it can and reports the others, so that the
	// rest of the file is still validated.
	if err := root.Decode(c); err != nil {
		for _, e := range typeErrors(file, err, lines) {
			if !onLine(e.Line, errs) {
				errs = append(errs, e)
			}
		}
	}
	c.File = file
	return c, lines, errs
}

var (
	lineMsg = regexp.MustCompile(`^line (\d+): (.*)$`)
	// goMapping matches Go struct and map type names in yaml.v3 messages.
	goMapping = regexp.MustCompile(`\bmap\[[^\]]*\][\w.*\[\]]*|\bconfig\.[A-Z]\w*`)
)

// syntaxError turns a YAML parse error into an *Error.
func syntaxError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := lineMsg.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: n, Msg: m[2]}
	}
	return &Error{File: file, Msg: msg}
}

// goScalarNames are the Go scalar type names yaml.v3 puts in its messages,
// in the words the documentation uses.
var goScalarNames = strings.NewReplacer(
	"time.Duration", "duration (such as 90s, 15m, 1h)",
	"config.ByteSize", "size",
	"config.Secret", "string",
)

// goTypeNames are the YAML tags and remaining Go type names in yaml.v3's
// messages, in the documentation's words.
var goTypeNames = strings.NewReplacer(
	"[]string", "list of strings",
	"map[string]string", "mapping",
	"*bool", "bool",
	"!!str", "string",
	"!!int", "integer",
	"!!bool", "bool",
	"!!float", "number",
	"!!seq", "list",
	"!!map", "mapping",
)

// typeErrors turns the errors of yaml.v3's Decode into Errors with the
// field at fault.
func typeErrors(file string, err error, lines lineIndex) Errors {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return Errors{{File: file, Msg: err.Error()}}
	}
	byLine := make(map[int]string, len(lines))
	for path, l := range lines {
		if cur, ok := byLine[l]; !ok || len(path) > len(cur) {
			byLine[l] = path
		}
	}
	var errs Errors
	for _, s := range te.Errors {
		e := &Error{File: file, Msg: s}
		if m := lineMsg.FindStringSubmatch(s); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
			e.Field = byLine[e.Line]
		}
		e.Msg = goTypeNames.Replace(goMapping.ReplaceAllString(goScalarNames.Replace(e.Msg), "mapping"))
		errs = append(errs, e)
	}
	return errs
}

// checkFields reports the keys of n that t does not have, recording the line
// of every field it meets in lines.
func checkFields(n *yaml.Node, t reflect.Type, path string, lines lineIndex, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // a type error, reported by Decode
		}
		fields := yamlFields(t)
		seen := make(map[string]int)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if first, dup := seen[k.Value]; dup {
				*errs = append(*errs, &Error{Line: k.Line, Field: p, Msg: fmt.Sprintf("set twice (first on line %d)", first)})
				continue
			}
			seen[k.Value] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{Line: k.Line, Field: p, Msg: "unknown field" + suggest(k.Value, fields)})
				continue
			}
			lines[p] = k.Line
			checkFields(v, ft, p, lines, errs)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			lines[p] = k.Line
			checkFields(v, t.Elem(), p, lines, errs)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, v := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			lines[p] = v.Line
			checkFields(v, t.Elem(), p, lines, errs)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps a struct's YAML keys to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields
}

// suggest names the known fields, the closest first when one is close.
func suggest(key string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	best, bestD := "", max(1, len(key)/3)+1
	for _, n := range names {
		d := spelling.Distance(strings.ToLower(key), n, -1)
		if len(key) >= 3 && (strings.HasPrefix(n, key) || strings.HasPrefix(key, n)) {
			d = 1
		}
		if d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (known fields: " + strings.Join(names, ", ") + ")"
}

// UnmarshalYAML reads a size written as a number of bytes or with a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a size such as 256KiB, got a %s", n.Line, kindName(n.Kind))}}
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*b = v
	return nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
