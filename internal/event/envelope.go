package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on the envelope's fields. Where EventBridge documents a limit (the
// PutEvents entry: DetailType at most 128 characters, each resource at most
// 2048; EventBridge Scheduler's Source at most 256), it is the limit here.
// EventBridge ids are UUIDs (36 bytes) and regions are short names; the other
// bounds are rectify's own, far above what AWS sends, to keep a hostile event
// from growing the database or the terminal.
const (
	// MaxIDLen is the longest id, in bytes. An id is printable ASCII
	// without spaces (0x21-0x7E).
	MaxIDLen = 128
	// MaxSourceLen is the longest source, in characters.
	MaxSourceLen = 256
	// MaxDetailTypeLen is the longest detail-type, in characters.
	MaxDetailTypeLen = 128
	// MaxVersionLen is the longest version, in characters.
	MaxVersionLen = 32
	// MaxResources is the most entries resources may hold.
	MaxResources = 1000
	// MaxResourceLen is the longest entry of resources, in characters.
	MaxResourceLen = 2048
	// MaxRegionLen is the longest region name, in bytes.
	MaxRegionLen = 32
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
// syntax of the whole body, and that no object in it repeats a key, in the
// same pass that finds the top-level fields, keeping each value's bytes as a
// slice of Raw: Detail shares Raw's memory and is never decoded here.
func (e *Event) parseEnvelope() error {
	b := e.Raw
	v := validator{b: b, dups: true, dupAt: -1}
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
		if v.dupAt >= 0 {
			return duplicateError(b, v.dupAt)
		}
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
			e.Version, err = textField(key, val, MaxVersionLen)
		case fID:
			e.ID, err = idField(key, val)
		case fDetailType:
			e.DetailType, err = textField(key, val, MaxDetailTypeLen)
		case fSource:
			e.Source, err = textField(key, val, MaxSourceLen)
		case fAccount:
			e.Account, err = stringField(key, val)
		case fRegion:
			e.Region, err = regionField(key, val)
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
		if n == MaxResources {
			return nil, &Error{Field: key, Reason: fmt.Sprintf("more than %d entries", MaxResources)}
		}
		end := skipValue(v, i)
		if end <= i || end > len(v) {
			return nil, &Error{Field: key, Reason: "unexpected end of JSON"}
		}
		s, err := textField(fmt.Sprintf("%s[%d]", key, n), v[i:end], MaxResourceLen)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		i = skipSpace(v, end)
	}
	return out, nil
}

// idField reads an event id: 1 to MaxIDLen bytes of printable ASCII without
// spaces.
func idField(key string, v []byte) (string, error) {
	s, err := stringField(key, v)
	if err != nil || s == "" {
		return s, err
	}
	if len(s) > MaxIDLen {
		return "", &Error{Field: key, Reason: fmt.Sprintf("%s is %d bytes long; the limit is %d", quoteValue(s), len(s), MaxIDLen)}
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return "", &Error{Field: key, Reason: fmt.Sprintf("%s has byte %#02x at offset %d; an id is printable ASCII without spaces", quoteValue(s), c, i)}
		}
	}
	return s, nil
}

// textField reads a string of at most max characters of printable text:
// valid UTF-8 without control characters (C0, DEL, C1), format characters
// (such as bidirectional overrides and zero-width characters), line or
// paragraph separators, private-use or unassigned code points.
func textField(key string, v []byte, max int) (string, error) {
	s, err := stringField(key, v)
	if err != nil || s == "" {
		return s, err
	}
	if !utf8.Valid(v) {
		return "", &Error{Field: key, Reason: fmt.Sprintf("%s is not valid UTF-8", quoteValue(string(v)))}
	}
	n := 0
	for i := 0; i < len(s); n++ {
		if c := s[i]; c >= ' ' && c <= '~' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsGraphic(r) {
			return "", &Error{Field: key, Reason: fmt.Sprintf("%s has the non-printing character %U at offset %d", quoteValue(s), r, i)}
		}
		i += size
	}
	if n > max {
		return "", &Error{Field: key, Reason: fmt.Sprintf("%s is %d characters long; the limit is %d", quoteValue(s), n, max)}
	}
	return s, nil
}

// regionField reads a region name; see IsRegion.
func regionField(key string, v []byte) (string, error) {
	s, err := stringField(key, v)
	if err != nil || s == "" {
		return s, err
	}
	if !IsRegion(s) {
		return "", &Error{Field: key, Reason: fmt.Sprintf("%s is not an AWS region name (such as us-east-1)", quoteValue(s))}
	}
	return s, nil
}

// IsRegion reports whether s is shaped like an AWS region name: at most
// MaxRegionLen bytes of lower-case ASCII letters and digits in three or more
// parts joined by single hyphens, the first part letters only (two or
// more), the last digits only, the others letters only, as in us-east-1,
// us-gov-west-1 and eusc-de-east-1.
func IsRegion(s string) bool {
	if len(s) > MaxRegionLen {
		return false
	}
	parts := 0
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '-' {
			continue
		}
		part := s[start:i]
		if part == "" {
			return false
		}
		last := i == len(s)
		for j := 0; j < len(part); j++ {
			c := part[j]
			if last && (c < '0' || c > '9') || !last && (c < 'a' || c > 'z') {
				return false
			}
		}
		if parts == 0 && len(part) < 2 {
			return false
		}
		parts++
		start = i + 1
	}
	return parts >= 3
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

// duplicateError reports the key that begins at offset at of b, which
// repeats a key of its object.
func duplicateError(b []byte, at int) error {
	field, key := keyPath(b, at)
	return &Error{Field: field, Reason: fmt.Sprintf("duplicate key %s: a key may appear only once in an object", quoteValue(key))}
}

// keyPath returns the path, in the form of Error.Field, of the object key
// whose string literal begins at offset at of b, and the key itself. b must
// be valid JSON up to the key.
func keyPath(b []byte, at int) (path, key string) {
	type frame struct {
		obj     bool   // an object, else an array
		wantKey bool   // the next string in an object is a key
		key     string // the object's current key
		index   int    // the array's current index
	}
	var stack []frame
	for i := 0; i < len(b) && i <= at; {
		switch b[i] {
		case '{':
			stack = append(stack, frame{obj: true, wantKey: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].obj {
					stack[n-1].wantKey = true
				} else {
					stack[n-1].index++
				}
			}
		case '"':
			end := skipString(b, i)
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
				k, err := unquote(b[i:end])
				if err != nil {
					k = string(b[i:end])
				}
				stack[n-1].key, stack[n-1].wantKey = k, false
				if i == at {
					var p strings.Builder
					for _, f := range stack {
						if f.obj {
							appendKey(&p, f.key)
						} else {
							p.WriteString("[" + strconv.Itoa(f.index) + "]")
						}
					}
					return p.String(), k
				}
			}
			i = end
			continue
		}
		i++
	}
	return "", ""
}

// appendKey appends an object key to a path in the form of Error.Field: as
// ".key", or as "[\"key\"]" (quoted as in Go, and shortened as by
// quoteValue) when the key is empty, longer than 64 bytes or holds anything
// but printable ASCII other than '.', '[', ']', '"' and '\\'.
func appendKey(p *strings.Builder, key string) {
	plain := key != "" && len(key) <= 64
	for i := 0; i < len(key) && plain; i++ {
		switch c := key[i]; {
		case c <= ' ' || c > '~', c == '.', c == '[', c == ']', c == '"', c == '\\':
			plain = false
		}
	}
	if !plain {
		p.WriteString("[" + quoteValue(key) + "]")
		return
	}
	if p.Len() > 0 {
		p.WriteByte('.')
	}
	p.WriteString(key)
}
