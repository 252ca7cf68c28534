package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// foldError is an object key that names the same struct field as an earlier
// key of its object, with the path to it collected, innermost first, as the
// error travels up.
type foldError struct {
	path         []pathStep
	first, later string
	field        string
}

func (f *foldError) asError(root string) *Error {
	var p strings.Builder
	p.WriteString(root)
	for i := len(f.path) - 1; i >= 0; i-- {
		if s := f.path[i]; s.index >= 0 {
			p.WriteString("[" + fmt.Sprint(s.index) + "]")
		} else {
			appendKey(&p, s.key)
		}
	}
	return &Error{Field: p.String(), Reason: fmt.Sprintf(
		"keys %s and %s differ only in letter case: both would be read as %s, which is ambiguous",
		quoteValue(f.first), quoteValue(f.later), quoteValue(f.field))}
}

// checkFolds looks for an object in the JSON value b, to be decoded into a
// value of type t, in which two different keys name one struct field.
// encoding/json matches keys to struct fields ignoring letter case, the
// last such key winning, while event patterns and Map tell the keys apart:
// {"status":"WARN","Status":"OK"} matches a pattern on status WARN but reads
// as OK. b must be valid JSON. Values read by an UnmarshalJSON method (such
// as StringMap and json.RawMessage) are not looked into.
func checkFolds(b []byte, t reflect.Type) *foldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	i := skipSpace(b, 0)
	if i >= len(b) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if b[i] == '{' {
			return structFolds(b[i:], t)
		}
	case reflect.Slice, reflect.Array:
		if b[i] != '[' {
			return nil
		}
		i = skipSpace(b, i+1)
		for n := 0; i < len(b) && b[i] != ']'; n++ {
			end := skipValue(b, i)
			if f := checkFolds(b[i:end], t.Elem()); f != nil {
				f.path = append(f.path, pathStep{index: n})
				return f
			}
			i = skipSpace(b, end)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
			}
		}
	case reflect.Map:
		if b[i] != '{' {
			return nil
		}
		var f *foldError
		members(b[i:], func(key, v []byte) bool {
			if f = checkFolds(v, t.Elem()); f != nil {
				f.path = append(f.path, pathStep{key: string(key), index: -1})
			}
			return f == nil
		})
		return f
	}
	return nil
}

// structFolds is checkFolds for the object b read into the struct type t.
func structFolds(b []byte, t reflect.Type) *foldError {
	type field struct {
		name string
		typ  reflect.Type
	}
	var buf [32]field
	fields := buf[:0]
	for j := 0; j < t.NumField(); j++ {
		sf := t.Field(j)
		if !sf.IsExported() {
			continue
		}
		name := sf.Name
		if tag, ok := sf.Tag.Lookup("json"); ok {
			tag, _, _ = strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		fields = append(fields, field{name, sf.Type})
	}
	var claimedBuf [32][]byte
	claimed := claimedBuf[:0]
	if len(fields) > len(claimedBuf) {
		claimed = make([][]byte, 0, len(fields))
	}
	claimed = claimed[:len(fields)]
	var f *foldError
	members(b, func(key, v []byte) bool {
		j := -1
		for k := range fields {
			if fields[k].name == string(key) {
				j = k
				break
			}
		}
		for k := 0; j < 0 && k < len(fields); k++ {
			if mayFold(fields[k].name, key) && bytes.EqualFold([]byte(fields[k].name), key) {
				j = k
			}
		}
		if j < 0 {
			return true
		}
		if claimed[j] != nil && string(claimed[j]) != string(key) {
			f = &foldError{first: string(claimed[j]), later: string(key), field: fields[j].name}
			f.path = append(f.path, pathStep{key: string(key), index: -1})
			return false
		}
		claimed[j] = key
		if f = checkFolds(v, fields[j].typ); f != nil {
			f.path = append(f.path, pathStep{key: string(key), index: -1})
			return false
		}
		return true
	})
	return f
}

// mayFold reports whether the ASCII name could equal key ignoring case: an
// ASCII key of another length cannot.
func mayFold(name string, key []byte) bool {
	if len(name) == len(key) {
		return true
	}
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// members calls fn with each key, decoded, and raw value of the object b,
// which must be valid JSON, until fn returns false. A key is a slice of b
// unless it has escapes or bytes that are not valid UTF-8.
func members(b []byte, fn func(key, v []byte) bool) {
	i := skipSpace(b, 1)
	for i < len(b) && b[i] == '"' {
		kEnd := skipString(b, i)
		key := b[i+1 : kEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			s, err := unquote(b[i:kEnd])
			if err != nil {
				return
			}
			key = []byte(s)
		}
		i = skipSpace(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return
		}
		i = skipSpace(b, i+1)
		end := skipValue(b, i)
		if !fn(key, b[i:end]) {
			return
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}
