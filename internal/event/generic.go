package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Map returns the whole event, including top-level fields Event has no field
// for, as generic JSON values: map[string]any, []any, string, bool, nil and
// numbers. A number written as an integer that fits in 64 bits is an int64;
// every other number is a float64. These are the types CEL knows as int and
// double, and an int64 prints as written (an epoch in milliseconds does not
// turn into 1.7e+12 in a template).
//
// The result is computed once and shared by every caller: it must not be
// modified.
func (e *Event) Map() (map[string]any, error) {
	e.mapOnce.Do(func() { e.m, e.mErr = decodeGeneric(e.Raw) })
	return e.m, e.mErr
}

func decodeGeneric(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, &Error{Reason: "malformed JSON: " + err.Error(), Err: err}
	}
	if m == nil {
		return nil, &Error{Reason: "must be a JSON object"}
	}
	if _, err := numbers(m); err != nil {
		return nil, err.asError()
	}
	return m, nil
}

// numberError is a number numbers cannot convert, with the path to it
// collected, innermost first, as the error travels up.
type numberError struct {
	path []pathStep
	text string
	err  error
}

// pathStep is an object key, or an array index when index >= 0.
type pathStep struct {
	key   string
	index int
}

func (n *numberError) asError() *Error {
	var field strings.Builder
	for i := len(n.path) - 1; i >= 0; i-- {
		if s := n.path[i]; s.index >= 0 {
			field.WriteString("[" + strconv.Itoa(s.index) + "]")
		} else {
			appendKey(&field, s.key)
		}
	}
	return &Error{Field: field.String(), Reason: fmt.Sprintf("number %s is out of range", quoteValue(n.text)), Err: n.err}
}

// numbers replaces every json.Number in v, in place where it can.
func numbers(v any) (any, *numberError) {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, &numberError{text: string(v), err: err}
		}
		return f, nil
	case map[string]any:
		for k, x := range v {
			nx, err := numbers(x)
			if err != nil {
				err.path = append(err.path, pathStep{key: k, index: -1})
				return nil, err
			}
			v[k] = nx
		}
	case []any:
		for i, x := range v {
			nx, err := numbers(x)
			if err != nil {
				err.path = append(err.path, pathStep{index: i})
				return nil, err
			}
			v[i] = nx
		}
	}
	return v, nil
}
