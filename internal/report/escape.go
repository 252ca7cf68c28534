package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s fit to print on a terminal: every character that is not
// printable (unicode.IsPrint) and not the ASCII space is written as an
// escape sequence in the manner of Go: \t, \n and \r; \xNN for other C0
// controls, DEL and bytes that are not valid UTF-8; \uNNNN or \UNNNNNNNN for
// C1 controls (such as the one-byte CSI U+009B), format characters (such as
// the bidirectional overrides U+202A-U+202E and isolates U+2066-U+2069 and
// zero-width characters), line and paragraph separators, non-ASCII spaces,
// private-use and unassigned code points. So text from an event (ESC, CSI
// and OSC sequences included) cannot move the cursor, clear the screen, set
// the window title, hide text or reorder it on the operator's terminal.
//
// Backslashes are kept as they are: the result is for people to read and
// cannot always be turned back into s. Printable text is returned
// unchanged.
func Escape(s string) string {
	i := 0
	for i < len(s) && s[i] >= ' ' && s[i] <= '~' {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= ' ' && c <= '~' {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(c))
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			// QuoteRuneToASCII writes such a rune as \u or \U; the
			// quotes around it are dropped.
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
