package event

import "encoding/binary"

// maxDepth is the deepest nesting of arrays and objects accepted, the same
// limit encoding/json applies.
const maxDepth = 10000

// linearKeys is how many keys of one object are compared one by one when
// looking for a duplicate; an object with more moves them to a map.
const linearKeys = 32

// validator checks JSON syntax (RFC 8259, with encoding/json's leniency
// about invalid UTF-8 inside strings) in one forward pass. When dups is set
// it also finds an object key that repeats an earlier key of its object,
// comparing keys as encoding/json decodes them. It allocates only for
// objects of more than linearKeys keys, for keys with escapes or non-ASCII
// bytes, and for objects nested deep among many keys.
type validator struct {
	b     []byte
	i     int
	depth int

	dups bool
	// dupAt is the offset of the first duplicate key found, or -1.
	dupAt int
	// keys[:nkeys] holds the keys of the objects being read, outermost
	// first; each object's keys start at nkeys as it was when the object
	// began. It is an array, not a slice, so that a validator and its keys
	// stay on the stack.
	keys  [2 * linearKeys]keyRef
	nkeys int
	// plain is set by str; see there.
	plain bool
}

// keyRef is an object key, the bytes b[off:off+n] of the validator's input;
// fp is a fingerprint of them that tells most different keys apart without
// reading them.
type keyRef struct {
	fp  uint64
	off int32
	n   int32
}

// validJSON reports whether b is one valid JSON value; it agrees with
// json.Valid.
func validJSON(b []byte) bool {
	v := validator{b: b}
	v.ws()
	if !v.value() {
		return false
	}
	v.ws()
	return v.i == len(b)
}

// topObject validates the whole body, which starts with an object at v.i,
// and records the raw value of each envelope field in vals.
func (v *validator) topObject(vals *[numFields][]byte) bool {
	b := v.b
	var seen map[string]struct{}
	v.i++ // '{'
	v.ws()
	if v.i < len(b) && b[v.i] == '}' {
		v.i++
	} else {
		for {
			if v.i >= len(b) || b[v.i] != '"' {
				return false
			}
			kStart := v.i
			if !v.str() {
				return false
			}
			kEnd := v.i
			key := b[kStart+1 : kEnd-1]
			if v.dups && v.repeated(0, &seen, kStart) {
				return false
			}
			v.ws()
			if v.i >= len(b) || b[v.i] != ':' {
				return false
			}
			v.i++
			v.ws()
			vStart := v.i
			if !v.value() {
				return false
			}
			f := fieldIndex(key)
			if f < 0 && hasEscape(key) {
				if k, err := unquote(b[kStart:kEnd]); err == nil {
					f = fieldIndex([]byte(k))
				}
			}
			if f >= 0 {
				vals[f] = b[vStart:v.i:v.i]
			}
			v.ws()
			if v.i >= len(b) {
				return false
			}
			if b[v.i] == '}' {
				v.i++
				break
			}
			if b[v.i] != ',' {
				return false
			}
			v.i++
			v.ws()
		}
	}
	v.ws()
	return v.i == len(b)
}

func hasEscape(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

func (v *validator) ws() {
	for v.i < len(v.b) {
		switch v.b[v.i] {
		case ' ', '\t', '\n', '\r':
			v.i++
		default:
			return
		}
	}
}

func (v *validator) value() bool {
	if v.i >= len(v.b) {
		return false
	}
	switch c := v.b[v.i]; {
	case c == '{':
		return v.object()
	case c == '[':
		return v.array()
	case c == '"':
		return v.str()
	case c == 't':
		return v.lit("true")
	case c == 'f':
		return v.lit("false")
	case c == 'n':
		return v.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return v.num()
	}
	return false
}

func (v *validator) object() bool {
	if v.depth++; v.depth > maxDepth {
		return false
	}
	b := v.b
	v.i++ // '{'
	v.ws()
	if v.i < len(b) && b[v.i] == '}' {
		v.i++
		v.depth--
		return true
	}
	base := v.nkeys
	var seen map[string]struct{}
	for {
		kStart := v.i
		if v.i >= len(b) || b[v.i] != '"' || !v.str() {
			return false
		}
		if v.dups && v.repeated(base, &seen, kStart) {
			return false
		}
		v.ws()
		if v.i >= len(b) || b[v.i] != ':' {
			return false
		}
		v.i++
		v.ws()
		if !v.value() {
			return false
		}
		v.ws()
		if v.i >= len(b) {
			return false
		}
		switch b[v.i] {
		case ',':
			v.i++
			v.ws()
		case '}':
			v.i++
			v.depth--
			v.nkeys = base
			return true
		default:
			return false
		}
	}
}

// repeated records the key whose literal spans b[start:v.i] among the keys
// of its object, which begin at v.keys[base] or, once there are many or one
// needs decoding, are in *seen; it reports whether the object already had
// the key, setting dupAt.
func (v *validator) repeated(base int, seen *map[string]struct{}, start int) bool {
	k := v.b[start+1 : v.i-1]
	plain := v.plain
	if plain && *seen == nil {
		fp := fingerprint(k)
		for _, x := range v.keys[base:v.nkeys] {
			if x.fp == fp && string(v.b[x.off:x.off+x.n]) == string(k) {
				v.dupAt = start
				return true
			}
		}
		if v.nkeys-base < linearKeys && v.nkeys < len(v.keys) {
			v.keys[v.nkeys] = keyRef{fp: fp, off: int32(start + 1), n: int32(len(k))}
			v.nkeys++
			return false
		}
	}
	if *seen == nil {
		m := make(map[string]struct{}, 2*(v.nkeys-base)+8)
		for _, x := range v.keys[base:v.nkeys] {
			m[string(v.b[x.off:x.off+x.n])] = struct{}{}
		}
		v.nkeys = base
		*seen = m
	}
	key := string(k)
	if !plain {
		// Compared as encoding/json decodes it: escapes resolved, invalid
		// UTF-8 replaced.
		s, err := unquote(v.b[start:v.i])
		if err != nil {
			return false
		}
		key = s
	}
	if _, ok := (*seen)[key]; ok {
		v.dupAt = start
		return true
	}
	(*seen)[key] = struct{}{}
	return false
}

// fingerprint mixes the length and the first and last eight bytes of k.
func fingerprint(k []byte) uint64 {
	h := uint64(len(k)) * 0x9e3779b97f4a7c15
	if len(k) >= 8 {
		h ^= binary.LittleEndian.Uint64(k)
		return h ^ binary.LittleEndian.Uint64(k[len(k)-8:])*0xff51afd7ed558ccd
	}
	for _, c := range k {
		h = h<<8 ^ h>>56 ^ uint64(c)
	}
	return h
}

func (v *validator) array() bool {
	if v.depth++; v.depth > maxDepth {
		return false
	}
	b := v.b
	v.i++ // '['
	v.ws()
	if v.i < len(b) && b[v.i] == ']' {
		v.i++
		v.depth--
		return true
	}
	for {
		if !v.value() {
			return false
		}
		v.ws()
		if v.i >= len(b) {
			return false
		}
		switch b[v.i] {
		case ',':
			v.i++
			v.ws()
		case ']':
			v.i++
			v.depth--
			return true
		default:
			return false
		}
	}
}

// strClass sorts the bytes of a string literal: 0 for a byte that stands
// for itself, 1 for '"', 2 for '\\', 3 for a control character (not allowed
// unescaped), 4 for a byte of a non-ASCII character.
const strClass = "" +
	"\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03" +
	"\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04" +
	"\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04" +
	"\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04" +
	"\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04\x04"

// str consumes a string literal starting at the opening quote. It sets
// plain to whether the literal has neither escapes nor non-ASCII bytes, and
// so reads as its bytes.
func (v *validator) str() bool {
	b := v.b
	i := v.i + 1
	v.plain = true
	for i < len(b) {
		switch strClass[b[i]] {
		case 0:
			i++
		case 1:
			v.i = i + 1
			return true
		case 2:
			v.plain = false
			i++
			if i >= len(b) {
				return false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+4 >= len(b) {
					return false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return false
					}
				}
				i += 5
			default:
				return false
			}
		case 3:
			return false
		default:
			v.plain = false
			i++
		}
	}
	return false
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func (v *validator) lit(word string) bool {
	if len(v.b)-v.i < len(word) || string(v.b[v.i:v.i+len(word)]) != word {
		return false
	}
	v.i += len(word)
	return true
}

// num consumes a number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (v *validator) num() bool {
	b := v.b
	i := v.i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	v.i = i
	return true
}
