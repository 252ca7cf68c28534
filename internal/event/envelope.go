package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Indexes of the envelope fields in parseEnvelope's table.
const (
	fVersion = iota
	fID
	fDetailType
	fSource
	fAccount
	fRegion
	fTime
	fResources
	fDetail
	numFields
)

// fieldIndex returns the table index of a top-level key, or -1.
func fieldIndex(key []byte) int {
	switch string(key) {
	case "version":
		return fVersion
	case "id":
		return fID
	case "detail-type":
		return fDetailType
	case "source":
		return fSource
	case "account":
		return fAccount
	case "region":
		return fRegion
	case "time":
		return fTime
	case "resources":
		return fResources
	case "detail":
		return fDetail
	}
	return -1
}

var fieldNames = [numFields]string{"version", "id", "detail-type", "source", "account", "region", "time", "resources", "detail"}

// parseEnvelope validates e.Raw and fills the envelope fields. It checks the
// syntax of the whole body in the same pass that finds the top-level fields,
// keeping each value's bytes as a slice of Raw: Detail shares Raw's memory
// and is never decoded here. As in encoding/json, the last of duplicate keys
// wins.
func (e *Event) parseEnvelope() error {
	b := e.Raw
	v := validator{b: b}
	v.ws()
	if v.i >= len(b) {
		return &Error{Reason: "empty body"}
	}
	if b[v.i] != '{' {
		if !validJSON(b) {
			return syntaxError(b)
		}
		return &Error{Reason: fmt.Sprintf("must be a JSON object, got %s", jsonKind(b[v.i:]))}
	}
	var vals [numFields][]byte
	if !v.topObject(&vals) {
		return syntaxError(b)
	}
	var err error
	for f, val := range vals {
		if val == nil {
			continue
		}
		key := fieldNames[f]
		switch f {
		case fVersion:
			e.Version, err = stringField(key, val)
		case fID:
			e.ID, err = stringField(key, val)
		case fDetailType:
			e.DetailType, err = stringField(key, val)
		case fSource:
			e.Source, err = stringField(key, val)
		case fAccount:
			e.Account, err = stringField(key, val)
		case fRegion:
			e.Region, err = stringField(key, val)
		case fTime:
			e.Time, err = timeField(key, val)
		case fResources:
			e.Resources, err = resourcesField(key, val)
		case fDetail:
			switch val[0] {
			case '{':
				e.Detail = json.RawMessage(val)
			case 'n':
				// null: reported as missing below.
			default:
				err = typeError(key, "a JSON object", val)
			}
		}
		if err != nil {
			return err
		}
	}
	switch {
	case e.ID == "":
		return missing("id")
	case e.Source == "":
		return missing("source")
	case e.DetailType == "":
		return missing("detail-type")
	case e.Account == "":
		return missing("account")
	case e.Detail == nil:
		return missing("detail")
	}
	if !IsAccountID(e.Account) {
		return &Error{Field: "account", Reason: fmt.Sprintf("%s is not a 12-digit AWS account id", quoteValue(e.Account))}
	}
	return nil
}

// IsAccountID reports whether s is a 12-digit AWS account id.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func missing(field string) error {
	return &Error{Field: field, Reason: "required field is missing or empty"}
}

// syntaxError describes why b is not valid JSON.
func syntaxError(b []byte) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return &Error{Reason: "empty body"}
	}
	err := json.Unmarshal(b, new(json.RawMessage))
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &Error{Reason: fmt.Sprintf("malformed JSON at offset %d: %v", se.Offset, err), Err: err}
	}
	if err == nil {
		err = errors.New("invalid JSON")
	}
	return &Error{Reason: "malformed JSON: " + err.Error(), Err: err}
}

func stringField(key string, v []byte) (string, error) {
	if v[0] == 'n' { // null
		return "", nil
	}
	if v[0] != '"' {
		return "", typeError(key, "a string", v)
	}
	s, err := unquote(v)
	if err != nil {
		return "", &Error{Field: key, Reason: fmt.Sprintf("bad string %s: %v", quoteValue(string(v)), err), Err: err}
	}
	return s, nil
}

func timeField(key string, v []byte) (time.Time, error) {
	s, err := stringField(key, v)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &Error{Field: key, Reason: fmt.Sprintf("%s is not an RFC 3339 timestamp", quoteValue(s)), Err: err}
	}
	return t, nil
}

func resourcesField(key string, v []byte) ([]string, error) {
	if v[0] == 'n' {
		return nil, nil
	}
	if v[0] != '[' {
		return nil, typeError(key, "an array of strings", v)
	}
	var out []string
	i := skipSpace(v, 1)
	for n := 0; i < len(v) && v[i] != ']'; n++ {
		if v[i] == ',' {
			i = skipSpace(v, i+1)
		}
		end := skipValue(v, i)
		if end <= i || end > len(v) {
			return nil, &Error{Field: key, Reason: "unexpected end of JSON"}
		}
		s, err := stringField(fmt.Sprintf("%s[%d]", key, n), v[i:end])
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		i = skipSpace(v, end)
	}
	return out, nil
}

func typeError(key, want string, v []byte) error {
	return &Error{Field: key, Reason: fmt.Sprintf("must be %s, got %s %s", want, jsonKind(v), quoteValue(string(v)))}
}

// quoteValue quotes s for an error message, shortened to a readable length.
func quoteValue(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

// jsonKind names the JSON type of the value that starts v.
func jsonKind(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// unquote decodes the JSON string literal v.
func unquote(v []byte) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New("not a JSON string")
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", err
	}
	return s, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue returns the index just past the JSON value that starts at b[i].
// b must be valid JSON; the result never exceeds len(b).
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default:
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// skipString returns the index just past the string literal starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); {
		switch b[i] {
		case '\\':
			i += 2
		case '"':
			return i + 1
		default:
			i++
		}
	}
	return len(b)
}
