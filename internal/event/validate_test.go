package event

import (
	"encoding/json"
	"strings"
	"testing"
)

var validCases = []struct {
	in   string
	want bool
}{
	{`{}`, true},
	{` {"a" : [1, -2.5e+3, 0, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]} `, true},
	{`"\ud800"`, true},
	{"\"\xff\xfe\"", true}, // invalid UTF-8 is accepted, as by encoding/json
	{`[]`, true},
	{`0`, true},
	{`-0.0E-0`, true},
	{``, false},
	{`{`, false},
	{`{"a"}`, false},
	{`{"a":}`, false},
	{`{"a":1,}`, false},
	{`[1,]`, false},
	{`[1 2]`, false},
	{`01`, false},
	{`1.`, false},
	{`.5`, false},
	{`1e`, false},
	{`-`, false},
	{`+1`, false},
	{`tru`, false},
	{`nul`, false},
	{`"abc`, false},
	{`"\x"`, false},
	{`"\u12g4"`, false},
	{`"\u12"`, false},
	{"\"a\tb\"", false},
	{`{} {}`, false},
	{`{1:2}`, false},
	{strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth), true},
	{strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), false},
}

func TestValidJSON(t *testing.T) {
	for _, c := range validCases {
		name := c.in
		if len(name) > 40 {
			name = name[:40]
		}
		if got := validJSON([]byte(c.in)); got != c.want {
			t.Errorf("validJSON(%q) = %v, want %v", name, got, c.want)
		}
		if std := json.Valid([]byte(c.in)); std != c.want {
			t.Errorf("json.Valid(%q) = %v: the table disagrees with encoding/json", name, std)
		}
	}
}
