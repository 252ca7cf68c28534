package pattern

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// maxEventDepth is the deepest nesting EventBridge processes in an event
// (PutEvents: "nested JSON up to 1100 levels deep").
const maxEventDepth = 1100

func (st *state) errorf(reason string) error {
	return &EventError{Offset: st.pos, Reason: reason}
}

func (st *state) skipWS() {
	for st.pos < len(st.data) {
		switch st.data[st.pos] {
		case ' ', '\t', '\n', '\r':
			st.pos++
		default:
			return
		}
	}
}

// object scans an event object whose path is t, recording its interesting
// members under the entry obj. st.pos is at '{'.
func (st *state) object(t *tnode, obj int32, depth int) error {
	st.pos++
	st.skipWS()
	if st.pos < len(st.data) && st.data[st.pos] == '}' {
		st.pos++
		return nil
	}
	for {
		if st.pos >= len(st.data) || st.data[st.pos] != '"' {
			return st.errorf("expected a field name")
		}
		key, err := st.readString()
		if err != nil {
			return err
		}
		st.skipWS()
		if st.pos >= len(st.data) || st.data[st.pos] != ':' {
			return st.errorf("expected ':' after a field name")
		}
		st.pos++
		st.skipWS()
		child := t.child(key)
		if child == nil {
			err = st.skip(depth)
		} else {
			err = st.value(child, obj, depth)
		}
		if err != nil {
			return err
		}
		st.skipWS()
		if st.pos >= len(st.data) {
			return st.errorf("unterminated object")
		}
		c := st.data[st.pos]
		st.pos++
		switch c {
		case ',':
			st.skipWS()
		case '}':
			return nil
		default:
			st.pos--
			return st.errorf("expected ',' or '}' in an object")
		}
	}
}

// value scans one value at path t inside the event object obj. Arrays are
// transparent: their elements are values at the same path.
func (st *state) value(t *tnode, obj int32, depth int) error {
	if st.pos >= len(st.data) {
		return st.errorf("unexpected end of event")
	}
	switch c := st.data[st.pos]; c {
	case '{':
		if depth >= maxEventDepth {
			return st.errorf("event nesting is deeper than 1100 levels")
		}
		if len(t.children) == 0 {
			return st.skip(depth)
		}
		return st.object(t, st.newEntry(t.id, obj, true), depth+1)
	case '[':
		if depth >= maxEventDepth {
			return st.errorf("event nesting is deeper than 1100 levels")
		}
		st.pos++
		st.skipWS()
		if st.pos < len(st.data) && st.data[st.pos] == ']' {
			st.pos++
			return nil
		}
		for {
			if err := st.value(t, obj, depth+1); err != nil {
				return err
			}
			st.skipWS()
			if st.pos >= len(st.data) {
				return st.errorf("unterminated array")
			}
			c := st.data[st.pos]
			st.pos++
			switch c {
			case ',':
				st.skipWS()
			case ']':
				return nil
			default:
				st.pos--
				return st.errorf("expected ',' or ']' in an array")
			}
		}
	case '"':
		if t.leaf == nil {
			return st.skipString()
		}
		s, err := st.readString()
		if err != nil {
			return err
		}
		v := value{kind: vString, str: s}
		st.leafValue(t, obj, &v)
		return nil
	case 't', 'f', 'n':
		k, err := st.literal()
		if err != nil {
			return err
		}
		if t.leaf != nil {
			v := value{kind: k}
			st.leafValue(t, obj, &v)
		}
		return nil
	default:
		start := st.pos
		if err := st.number(); err != nil {
			return err
		}
		if t.leaf != nil {
			v := value{kind: vNumber, str: st.data[start:st.pos]}
			v.parseNumber()
			st.leafValue(t, obj, &v)
		}
		return nil
	}
}

func (st *state) newEntry(path, parent int32, obj bool) int32 {
	if st.pathStamp[path] != st.gen {
		st.pathStamp[path] = st.gen
		st.objCount[path], st.leafCount[path] = 0, 0
	}
	if obj {
		st.objCount[path]++
	} else {
		st.leafCount[path]++
	}
	idx := int32(len(st.entries))
	st.entries = append(st.entries, evEntry{path: path, first: -1, next: st.entries[parent].first, obj: obj})
	st.entries[parent].first = idx
	return idx
}

// leafValue evaluates every condition at path t on one leaf value and
// records the value with the conditions that hold.
func (st *state) leafValue(t *tnode, obj int32, v *value) {
	li := t.leaf
	lo := int32(len(st.hits))
	if v.kind == vString && li.exactLen&(1<<(len(v.str)%64)) != 0 {
		for _, id := range li.exact[string(v.str)] {
			st.hit(id)
		}
	}
	for i := range li.others {
		if li.others[i].m.match(v) {
			st.hit(li.others[i].id)
		}
	}
	idx := st.newEntry(t.id, obj, false)
	st.entries[idx].lo, st.entries[idx].hi = lo, int32(len(st.hits))
}

func (st *state) hit(id int32) {
	st.hits = append(st.hits, id)
	if st.predStamp[id] != st.gen {
		st.predStamp[id] = st.gen
		st.fired = append(st.fired, id)
	}
}

// skip validates and skips one value.
func (st *state) skip(depth int) error {
	if st.pos >= len(st.data) {
		return st.errorf("unexpected end of event")
	}
	switch st.data[st.pos] {
	case '{':
		if depth >= maxEventDepth {
			return st.errorf("event nesting is deeper than 1100 levels")
		}
		st.pos++
		st.skipWS()
		if st.pos < len(st.data) && st.data[st.pos] == '}' {
			st.pos++
			return nil
		}
		for {
			if st.pos >= len(st.data) || st.data[st.pos] != '"' {
				return st.errorf("expected a field name")
			}
			if err := st.skipString(); err != nil {
				return err
			}
			st.skipWS()
			if st.pos >= len(st.data) || st.data[st.pos] != ':' {
				return st.errorf("expected ':' after a field name")
			}
			st.pos++
			st.skipWS()
			if err := st.skip(depth + 1); err != nil {
				return err
			}
			st.skipWS()
			if st.pos >= len(st.data) {
				return st.errorf("unterminated object")
			}
			c := st.data[st.pos]
			st.pos++
			switch c {
			case ',':
				st.skipWS()
			case '}':
				return nil
			default:
				st.pos--
				return st.errorf("expected ',' or '}' in an object")
			}
		}
	case '[':
		if depth >= maxEventDepth {
			return st.errorf("event nesting is deeper than 1100 levels")
		}
		st.pos++
		st.skipWS()
		if st.pos < len(st.data) && st.data[st.pos] == ']' {
			st.pos++
			return nil
		}
		for {
			if err := st.skip(depth + 1); err != nil {
				return err
			}
			st.skipWS()
			if st.pos >= len(st.data) {
				return st.errorf("unterminated array")
			}
			c := st.data[st.pos]
			st.pos++
			switch c {
			case ',':
				st.skipWS()
			case ']':
				return nil
			default:
				st.pos--
				return st.errorf("expected ',' or ']' in an array")
			}
		}
	case '"':
		return st.skipString()
	case 't', 'f', 'n':
		_, err := st.literal()
		return err
	default:
		return st.number()
	}
}

func (st *state) literal() (vkind, error) {
	rest := st.data[st.pos:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		st.pos += 4
		return vTrue, nil
	case len(rest) >= 5 && string(rest[:5]) == "false":
		st.pos += 5
		return vFalse, nil
	case len(rest) >= 4 && string(rest[:4]) == "null":
		st.pos += 4
		return vNull, nil
	}
	return 0, st.errorf("invalid literal")
}

// number validates a JSON number.
func (st *state) number() error {
	d, i := st.data, st.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return st.errorf("invalid value")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			st.pos = i
			return st.errorf("invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			st.pos = i
			return st.errorf("invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	st.pos = i
	return nil
}

// skipString validates and skips a string. st.pos is at the opening quote.
func (st *state) skipString() error {
	_, err := st.scanString()
	return err
}

// scanString validates a string and moves past it, reporting whether it
// contains escapes. st.pos is at the opening quote.
func (st *state) scanString() (escaped bool, err error) {
	d := st.data
	i := st.pos + 1
	for {
		// Skip eight bytes at a time while none is a quote, a backslash or
		// a control character.
		for i+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[i:])
			if m := hasZeroByte(x^(lsb*'"')) | hasZeroByte(x^(lsb*'\\')) | hasLessByte(x, 0x20); m != 0 {
				// The lowest flagged byte is exact: false positives only
				// occur above a true one.
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i >= len(d) {
			break
		}
		c := d[i]
		switch {
		case c == '"':
			st.pos = i + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				st.pos = i
				return false, st.errorf("unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					st.pos = i
					return false, st.errorf(`invalid \u escape`)
				}
				i += 6
			default:
				st.pos = i
				return false, st.errorf("invalid escape in string")
			}
		case c < 0x20:
			st.pos = i
			return false, st.errorf("control character in string")
		default:
			i++
		}
	}
	st.pos = i
	return false, st.errorf("unterminated string")
}

// readString validates a string, moves past it and returns its unescaped
// content, which is valid until the next call.
func (st *state) readString() ([]byte, error) {
	start := st.pos + 1
	escaped, err := st.scanString()
	if err != nil {
		return nil, err
	}
	raw := st.data[start : st.pos-1]
	if !escaped {
		return raw, nil
	}
	st.buf = unescape(st.buf[:0], raw)
	return st.buf, nil
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasZeroByte is non-zero when some byte of x is zero.
func hasZeroByte(x uint64) uint64 { return (x - lsb) & ^x & msb }

// hasLessByte is non-zero when some byte of x is below n (n <= 128).
func hasLessByte(x uint64, n uint64) uint64 { return (x - lsb*n) & ^x & msb }

func isHex4(b []byte) bool {
	for _, c := range b {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

func hex4(b []byte) rune {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// unescape appends the decoded form of a validated JSON string body to dst.
// Unpaired surrogates become U+FFFD, as encoding/json decodes them.
func unescape(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2 := utf16.DecodeRune(r, hex4(s[i+2:i+6])); r2 != utf8.RuneError {
						dst = utf8.AppendRune(dst, r2)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[i+1])
		}
		i += 2
	}
	return dst
}
