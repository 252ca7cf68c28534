package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// jkind is the type of a decoded pattern JSON value.
type jkind uint8

const (
	jString jkind = iota
	jNumber
	jBool
	jNull
	jObject
	jArray
)

func (k jkind) String() string {
	switch k {
	case jString:
		return "a string"
	case jNumber:
		return "a number"
	case jBool:
		return "a boolean"
	case jNull:
		return "null"
	case jObject:
		return "an object"
	default:
		return "an array"
	}
}

// jval is a decoded pattern JSON value that keeps the order of object keys.
type jval struct {
	kind jkind
	str  string // jString; the literal text for jNumber
	b    bool
	keys []string // jObject
	vals []*jval  // jObject values, parallel to keys; jArray elements
}

// maxPatternDepth bounds the nesting of a pattern document. A pattern of at
// most maxPatternChars characters cannot legitimately come close to it.
const maxPatternDepth = 256

// parseTree decodes one JSON document. Duplicate keys are reported with their
// path.
func parseTree(src []byte) (*jval, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	v, err := decodeValue(dec, "", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Reason: "unexpected data after the pattern object"}
	}
	return v, nil
}

func jsonErr(path string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &Error{Path: path, Reason: "malformed JSON at byte " + strconv.FormatInt(se.Offset, 10) + ": " + se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Path: path, Reason: "malformed JSON: unexpected end of input"}
	}
	return &Error{Path: path, Reason: "malformed JSON: " + err.Error()}
}

func decodeValue(dec *json.Decoder, path string, depth int) (*jval, error) {
	if depth > maxPatternDepth {
		return nil, &Error{Path: path, Reason: "nesting is too deep"}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonErr(path, err)
	}
	switch t := tok.(type) {
	case string:
		return &jval{kind: jString, str: t}, nil
	case json.Number:
		return &jval{kind: jNumber, str: string(t)}, nil
	case bool:
		return &jval{kind: jBool, b: t}, nil
	case nil:
		return &jval{kind: jNull}, nil
	case json.Delim:
		switch t {
		case '{':
			v := &jval{kind: jObject}
			seen := make(map[string]bool)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, jsonErr(path, err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, &Error{Path: path, Reason: "malformed JSON: object key is not a string"}
				}
				cp := joinPath(path, k)
				if seen[k] {
					return nil, &Error{Path: cp, Reason: "duplicate field"}
				}
				seen[k] = true
				c, err := decodeValue(dec, cp, depth+1)
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, k)
				v.vals = append(v.vals, c)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonErr(path, err)
			}
			return v, nil
		case '[':
			v := &jval{kind: jArray}
			for dec.More() {
				c, err := decodeValue(dec, indexPath(path, len(v.vals)), depth+1)
				if err != nil {
					return nil, err
				}
				v.vals = append(v.vals, c)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonErr(path, err)
			}
			return v, nil
		}
	}
	return nil, &Error{Path: path, Reason: "malformed JSON"}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
