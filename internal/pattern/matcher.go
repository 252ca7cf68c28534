package pattern

import (
	"bytes"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// numericLimit is the magnitude limit AWS documents for numeric matching
// ("between -5.0e9 and +5.0e9 inclusive").
const numericLimit = 5.0e9

// numericScale is the resolution AWS documents for numeric matching ("six
// digits to the right of the decimal point").
const numericScale = 1e6

// quantize returns v at the documented numeric resolution, and whether v is
// inside the documented numeric range.
func quantize(v float64) (int64, bool) {
	if math.IsNaN(v) || v < -numericLimit || v > numericLimit {
		return 0, false
	}
	return int64(math.Round(v * numericScale)), true
}

// vkind is the JSON type of an event leaf value.
type vkind uint8

const (
	vString vkind = iota
	vNumber
	vTrue
	vFalse
	vNull
)

// value is one leaf value of an event, as the matchers see it.
type value struct {
	kind vkind
	str  []byte // the unescaped string, or the literal text of a number
	q    int64  // a number at numeric resolution, when qok
	qok  bool   // the number is inside the numeric matching range
}

// mkind is the kind of a single condition.
type mkind uint8

const (
	mExact       mkind = iota // string equality
	mNumber                   // numeric equality of an exact number
	mTrue                     // the literal true
	mFalse                    // the literal false
	mNull                     // the literal null
	mPrefix                   // string prefix
	mPrefixFold               // string prefix ignoring case
	mSuffix                   // string suffix
	mSuffixFold               // string suffix ignoring case
	mEqualsFold               // string equality ignoring case
	mWildcard                 // wildcard over strings
	mNumeric                  // numeric range
	mCIDR                     // IP address in a prefix
	mExists                   // any leaf value
	mAnythingBut              // none of not
)

// matcher is one compiled condition. It is immutable after compilation.
type matcher struct {
	kind mkind
	key  string // canonical form; equal keys denote equal conditions
	str  string // mExact, mPrefix, mSuffix
	fold []rune // folded text of the *Fold kinds

	q   int64 // mNumber value at numeric resolution, when qok; str is its text
	qok bool

	lo, hi       int64 // mNumeric bounds at numeric resolution
	hasLo, hasHi bool
	loInc, hiInc bool

	glob []string // mWildcard literal pieces around the wildcards

	prefix netip.Prefix // mCIDR

	not []*matcher // mAnythingBut
}

// match reports whether the condition holds for one leaf value.
func (m *matcher) match(v *value) bool {
	switch m.kind {
	case mExact:
		return v.kind == vString && string(v.str) == m.str
	case mNumber:
		// Numbers in the numeric range compare by value at the numeric
		// resolution; others, such as account numbers, by their text.
		if v.kind != vNumber {
			return false
		}
		if m.qok && v.qok {
			return m.q == v.q
		}
		return string(v.str) == m.str
	case mTrue:
		return v.kind == vTrue
	case mFalse:
		return v.kind == vFalse
	case mNull:
		return v.kind == vNull
	case mPrefix:
		return v.kind == vString && bytes.HasPrefix(v.str, []byte(m.str))
	case mSuffix:
		return v.kind == vString && bytes.HasSuffix(v.str, []byte(m.str))
	case mPrefixFold:
		return v.kind == vString && foldPrefix(v.str, m.fold)
	case mSuffixFold:
		return v.kind == vString && foldSuffix(v.str, m.fold)
	case mEqualsFold:
		return v.kind == vString && foldEqual(v.str, m.fold)
	case mWildcard:
		return v.kind == vString && m.globMatch(v.str)
	case mNumeric:
		if v.kind != vNumber || !v.qok {
			return false
		}
		if m.hasLo && (v.q < m.lo || (v.q == m.lo && !m.loInc)) {
			return false
		}
		if m.hasHi && (v.q > m.hi || (v.q == m.hi && !m.hiInc)) {
			return false
		}
		return true
	case mCIDR:
		if v.kind != vString {
			return false
		}
		a, err := netip.ParseAddr(string(v.str))
		if err != nil || a.Zone() != "" {
			return false
		}
		return a.Is4() == m.prefix.Addr().Is4() && m.prefix.Contains(a)
	case mExists:
		return true
	case mAnythingBut:
		for _, n := range m.not {
			if n.match(v) {
				return false
			}
		}
		return true
	}
	return false
}

// globMatch matches s against the wildcard's literal pieces: the first must
// be a prefix, the last a suffix, and the ones between must occur in order.
// Leftmost placement of each middle piece is optimal, so one pass suffices.
func (m *matcher) globMatch(s []byte) bool {
	g := m.glob
	if len(g) == 1 {
		return string(s) == g[0]
	}
	first, last := g[0], g[len(g)-1]
	if len(s) < len(first)+len(last) || !bytes.HasPrefix(s, []byte(first)) || !bytes.HasSuffix(s, []byte(last)) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, seg := range g[1 : len(g)-1] {
		i := bytes.Index(s, []byte(seg))
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}

// parseWildcard splits a wildcard pattern at its unescaped wildcard
// characters into literal pieces (one more than there are wildcards). It
// implements the AWS rules: "*" matches any run of characters, "\*" and "\\"
// are a literal asterisk and backslash, a backslash before any other
// character is invalid, and consecutive wildcard characters are not allowed.
func parseWildcard(p string) (pieces []string, reason string) {
	var cur strings.Builder
	prevStar := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 >= len(p) || (p[i+1] != '*' && p[i+1] != '\\') {
				return nil, `a backslash may only escape "*" or "\"`
			}
			cur.WriteByte(p[i+1])
			i++
			prevStar = false
		case '*':
			if prevStar {
				return nil, "consecutive wildcard characters are not allowed"
			}
			pieces = append(pieces, cur.String())
			cur.Reset()
			prevStar = true
		default:
			cur.WriteByte(c)
			prevStar = false
		}
	}
	return append(pieces, cur.String()), ""
}

// foldRune maps r to a canonical member of its Unicode simple case folding
// orbit, so that two runes are equal ignoring case exactly when their
// canonical forms are equal.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		// The smallest member of an orbit with an ASCII letter is the
		// upper-case ASCII letter.
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	return m
}

// foldString returns s with every rune in canonical folded form.
func foldString(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, foldRune(r))
	}
	return out
}

func foldPrefix(s []byte, p []rune) bool {
	for _, pr := range p {
		if len(s) == 0 {
			return false
		}
		r, n := utf8.DecodeRune(s)
		if foldRune(r) != pr {
			return false
		}
		s = s[n:]
	}
	return true
}

func foldSuffix(s []byte, p []rune) bool {
	for i := len(p) - 1; i >= 0; i-- {
		if len(s) == 0 {
			return false
		}
		r, n := utf8.DecodeLastRune(s)
		if foldRune(r) != p[i] {
			return false
		}
		s = s[:len(s)-n]
	}
	return true
}

func foldEqual(s []byte, p []rune) bool {
	for _, pr := range p {
		if len(s) == 0 {
			return false
		}
		r, n := utf8.DecodeRune(s)
		if foldRune(r) != pr {
			return false
		}
		s = s[n:]
	}
	return len(s) == 0
}

// parseNumber sets the numeric value of a number from its text.
func (v *value) parseNumber() {
	f, err := strconv.ParseFloat(string(v.str), 64)
	if err != nil {
		// Out of float64 range, and so of the numeric matching range.
		v.qok = false
		return
	}
	v.q, v.qok = quantize(f)
}
