package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ParamType is the type of an action parameter.
type ParamType int

// The parameter types.
const (
	String     ParamType = iota + 1 // string
	Int                             // int; accepts whole numbers of any numeric type and decimal strings
	Bool                            // bool; accepts "true" and "false"
	Duration                        // time.Duration; accepts "20m", "1h30m" and whole seconds
	StringList                      // []string; accepts a single string as a list of one
	Map                             // map[string]any
	Any                             // any value, unchanged
	PortList                        // []PortRange; accepts port numbers and "from-to" ranges, alone or in a list
)

// lastType is the highest ParamType.
const lastType = PortList

var typeNames = [...]string{String: "string", Int: "int", Bool: "bool", Duration: "duration", StringList: "string list", Map: "map", Any: "any", PortList: "port list"}

// String returns the type's name as used in error messages and docs.
func (t ParamType) String() string {
	if t > 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("ParamType(%d)", int(t))
}

// Param declares one parameter of an action.
type Param struct {
	Name        string
	Type        ParamType
	Required    bool
	Default     any // used when the parameter is absent; coerced like a given value
	Description string
}

// Errors wrapped by *ParamError.
var (
	ErrUnknownParam = errors.New("unknown parameter")
	ErrMissingParam = errors.New("required parameter is missing")
	ErrParamType    = errors.New("wrong type")
)

// ParamError reports a parameter that is unknown, missing or cannot be
// coerced to its declared type.
type ParamError struct {
	Action string // the action's name, if known
	Param  string
	Value  any // the value at fault, nil for a missing parameter
	Err    error
}

func (e *ParamError) Error() string {
	var b strings.Builder
	if e.Action != "" {
		b.WriteString(e.Action)
		b.WriteString(": ")
	}
	b.WriteString("param ")
	b.WriteString(e.Param)
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Value != nil {
		fmt.Fprintf(&b, " (value %s)", describeValue(e.Value))
	}
	return b.String()
}

func (e *ParamError) Unwrap() error { return e.Err }

func withAction(err error, action string) error {
	var pe *ParamError
	if errors.As(err, &pe) && pe.Action == "" {
		c := *pe
		c.Action = action
		return &c
	}
	return err
}

// describeValue formats v for an error message, bounded in length.
func describeValue(v any) string {
	var s string
	switch v := v.(type) {
	case string:
		s = strconv.Quote(v)
	default:
		s = fmt.Sprintf("%v of type %T", v, v)
	}
	const max = 80
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// Coerce converts v to the parameter's type. Numbers may arrive as any Go
// numeric type (YAML decoding yields int, JSON decoding float64 or
// json.Number, CEL int64); whole numbers convert to Int, and to Duration
// as seconds. Strings convert to Int, Bool and Duration by parsing. The
// error is a *ParamError naming the parameter and the value.
func (p Param) Coerce(v any) (any, error) {
	c, err := coerce(p.Type, v)
	if err != nil {
		return nil, &ParamError{Param: p.Name, Value: v, Err: err}
	}
	return c, nil
}

func typeErr(t ParamType, v any, detail string) error {
	if detail != "" {
		return fmt.Errorf("%w: want %s: %s", ErrParamType, t, detail)
	}
	return fmt.Errorf("%w: want %s, got %s", ErrParamType, t, kindOf(v))
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return "number"
	case time.Duration:
		return "duration"
	case []any, []string, []int, []PortRange:
		return "list"
	case map[string]any:
		return "map"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func coerce(t ParamType, v any) (any, error) {
	if v == nil && t != Any {
		return nil, typeErr(t, v, "")
	}
	switch t {
	case String:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, typeErr(t, v, "")
	case Int:
		if s, ok := v.(string); ok {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return nil, typeErr(t, v, "not a whole number")
			}
			return n, nil
		}
		n, ok, err := wholeNumber(v)
		if !ok {
			return nil, typeErr(t, v, "")
		}
		if err != nil {
			return nil, typeErr(t, v, err.Error())
		}
		return n, nil
	case Bool:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(b)) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
			return nil, typeErr(t, v, `want "true" or "false"`)
		}
		return nil, typeErr(t, v, "")
	case Duration:
		switch d := v.(type) {
		case time.Duration:
			return d, nil
		case string:
			pd, err := time.ParseDuration(strings.TrimSpace(d))
			if err != nil {
				return nil, typeErr(t, v, `not a duration such as "90s", "20m" or "1h30m"`)
			}
			return pd, nil
		}
		n, ok, err := wholeNumber(v)
		if !ok {
			return nil, typeErr(t, v, "")
		}
		if err != nil {
			return nil, typeErr(t, v, err.Error())
		}
		if n > math.MaxInt64/int(time.Second) || n < math.MinInt64/int(time.Second) {
			return nil, typeErr(t, v, "out of range")
		}
		return time.Duration(n) * time.Second, nil
	case StringList:
		switch l := v.(type) {
		case string:
			return []string{l}, nil
		case []string:
			return append([]string(nil), l...), nil
		case []any:
			out := make([]string, len(l))
			for i, e := range l {
				s, ok := e.(string)
				if !ok {
					return nil, typeErr(t, v, fmt.Sprintf("element %d is a %s", i, kindOf(e)))
				}
				out[i] = s
			}
			return out, nil
		}
		return nil, typeErr(t, v, "")
	case Map:
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
		if m, ok := v.(map[string]string); ok {
			out := make(map[string]any, len(m))
			for k, s := range m {
				out[k] = s
			}
			return out, nil
		}
		return nil, typeErr(t, v, "")
	case Any:
		return v, nil
	case PortList:
		return coercePorts(v)
	}
	return nil, fmt.Errorf("invalid parameter type %d", int(t))
}

// PortRange is a range of TCP or UDP ports, From to To inclusive; a single
// port has From == To.
type PortRange struct {
	From, To int
}

// String returns "22" for a single port and "8000-8100" for a range.
func (r PortRange) String() string {
	if r.From == r.To {
		return strconv.Itoa(r.From)
	}
	return strconv.Itoa(r.From) + "-" + strconv.Itoa(r.To)
}

// MarshalText implements [encoding.TextMarshaler], so that a port list
// stored as JSON reads back as the same list.
func (r PortRange) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Overlaps reports whether the ranges r and o share a port.
func (r PortRange) Overlaps(o PortRange) bool { return r.From <= o.To && o.From <= r.To }

// FormatPorts renders a port list as "22, 3389, 8000-8100".
func FormatPorts(ports []PortRange) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// coercePorts reads a port list: a port number, a decimal string, a
// "from-to" range, or a list of them.
func coercePorts(v any) ([]PortRange, error) {
	var items []any
	switch l := v.(type) {
	case []PortRange:
		return append([]PortRange{}, l...), nil
	case []any:
		items = l
	case []string:
		for _, s := range l {
			items = append(items, s)
		}
	case []int:
		for _, n := range l {
			items = append(items, n)
		}
	case map[string]any, map[string]string, bool:
		return nil, typeErr(PortList, v, "")
	default:
		items = []any{v}
	}
	out := make([]PortRange, 0, len(items))
	for i, e := range items {
		r, err := portRange(e)
		if err != nil {
			if len(items) == 1 && !isList(v) {
				return nil, typeErr(PortList, v, err.Error())
			}
			return nil, typeErr(PortList, v, fmt.Sprintf("element %d: %v", i, err))
		}
		out = append(out, r)
	}
	return out, nil
}

func isList(v any) bool {
	switch v.(type) {
	case []any, []string, []int:
		return true
	}
	return false
}

// portRange reads one element of a port list.
func portRange(e any) (PortRange, error) {
	port := func(n int) error {
		if n < 0 || n > 65535 {
			return fmt.Errorf("%d is out of range 0 to 65535", n)
		}
		return nil
	}
	if s, ok := e.(string); ok {
		from, to, isRange := strings.Cut(strings.TrimSpace(s), "-")
		a, errA := strconv.Atoi(strings.TrimSpace(from))
		b, errB := a, error(nil)
		if isRange {
			b, errB = strconv.Atoi(strings.TrimSpace(to))
		}
		if errA != nil || errB != nil {
			return PortRange{}, fmt.Errorf("%q is not a port number or a range such as \"8000-8100\"", s)
		}
		if err := port(a); err != nil {
			return PortRange{}, err
		}
		if err := port(b); err != nil {
			return PortRange{}, err
		}
		if a > b {
			return PortRange{}, fmt.Errorf("range %q ends before it starts", s)
		}
		return PortRange{a, b}, nil
	}
	if r, ok := e.(PortRange); ok {
		return r, nil
	}
	n, ok, err := wholeNumber(e)
	if !ok || err != nil {
		return PortRange{}, fmt.Errorf("%s is not a port number", describeValue(e))
	}
	if err := port(n); err != nil {
		return PortRange{}, err
	}
	return PortRange{n, n}, nil
}

// wholeNumber converts a numeric v to int. ok is false if v is not a
// number; err is set if it is a number that is not a whole int.
func wholeNumber(v any) (n int, ok bool, err error) {
	switch x := v.(type) {
	case int:
		return x, true, nil
	case int8:
		return int(x), true, nil
	case int16:
		return int(x), true, nil
	case int32:
		return int(x), true, nil
	case int64:
		return int(x), true, nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, true, errors.New("out of range")
		}
		return int(x), true, nil
	case uint8:
		return int(x), true, nil
	case uint16:
		return int(x), true, nil
	case uint32:
		return int(x), true, nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, true, errors.New("out of range")
		}
		return int(x), true, nil
	case float32:
		return wholeFloat(float64(x))
	case float64:
		return wholeFloat(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i), true, nil
		}
		f, err := x.Float64()
		if err != nil {
			return 0, true, errors.New("not a number")
		}
		return wholeFloat(f)
	}
	return 0, false, nil
}

func wholeFloat(f float64) (int, bool, error) {
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, true, errors.New("not a whole number")
	}
	if f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, true, errors.New("out of range")
	}
	return int(f), true, nil
}

// sortedUnique sorts s and removes duplicates in place.
func sortedUnique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
