package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

// choices turns fuzz input into a sequence of bounded choices; once the input
// is used up every choice is 0.
type choices struct {
	data []byte
	i    int
}

func (c *choices) pick(n int) int {
	if c.i >= len(c.data) {
		return 0
	}
	b := c.data[c.i]
	c.i++
	return int(b) % n
}

var (
	fuzzKeys    = []string{"a", "b", "c"}
	fuzzStrings = []string{"", "x", "X", "xy", "xY", "ab*", `a\b`, "é", "É", "straße", "10.0.0.1", "10.0.1.5", "2001:db8::1", "300", "init-x", "x.png", "<x&y>", "\u00c9t\u00e9"}
	fuzzNumbers = []json.Number{"0", "1", "-1", "1.5", "300", "3e2", "300.0000001", "6e9", "-2.5e3"}
)

func (c *choices) leaf() any {
	switch c.pick(4) {
	case 0:
		return fuzzStrings[c.pick(len(fuzzStrings))]
	case 1:
		return fuzzNumbers[c.pick(len(fuzzNumbers))]
	case 2:
		return []any{true, false, nil}[c.pick(3)]
	}
	return fuzzStrings[c.pick(len(fuzzStrings))]
}

func (c *choices) eventValue(depth int) any {
	switch c.pick(6) {
	case 0, 1, 2:
		return c.leaf()
	case 3:
		n := c.pick(4)
		arr := make([]any, 0, n)
		for range n {
			arr = append(arr, c.eventValue(depth+1))
		}
		return arr
	}
	if depth > 3 {
		return c.leaf()
	}
	return c.eventObject(depth + 1)
}

func (c *choices) eventObject(depth int) map[string]any {
	m := map[string]any{}
	for range c.pick(4) {
		m[fuzzKeys[c.pick(len(fuzzKeys))]] = c.eventValue(depth)
	}
	return m
}

func (c *choices) strs() any {
	if c.pick(2) == 0 {
		return fuzzStrings[c.pick(len(fuzzStrings))]
	}
	return []any{fuzzStrings[c.pick(len(fuzzStrings))], fuzzStrings[c.pick(len(fuzzStrings))]}
}

var fuzzWildcards = []string{"x*", "*y", "*Y", "a*b*", "*", `ab\*`, "X*Y", "*.png", `a\\b`, "*0*1"}

func (c *choices) condition() any {
	s := fuzzStrings[c.pick(len(fuzzStrings))]
	n := fuzzNumbers[c.pick(7)] // in the numeric range
	switch c.pick(16) {
	case 0:
		return c.leaf()
	case 1:
		return map[string]any{"prefix": s}
	case 2:
		return map[string]any{"prefix": map[string]any{"equals-ignore-case": s}}
	case 3:
		return map[string]any{"suffix": s}
	case 4:
		return map[string]any{"suffix": map[string]any{"equals-ignore-case": s}}
	case 5:
		return map[string]any{"equals-ignore-case": s}
	case 6:
		return map[string]any{"wildcard": fuzzWildcards[c.pick(len(fuzzWildcards))]}
	case 7:
		switch c.pick(3) {
		case 0:
			return map[string]any{"anything-but": s}
		case 1:
			return map[string]any{"anything-but": n}
		}
		return map[string]any{"anything-but": []any{s, fuzzStrings[c.pick(len(fuzzStrings))]}}
	case 8:
		op := []string{"prefix", "suffix", "equals-ignore-case"}[c.pick(3)]
		return map[string]any{"anything-but": map[string]any{op: c.strs()}}
	case 9:
		return map[string]any{"anything-but": map[string]any{"wildcard": fuzzWildcards[c.pick(len(fuzzWildcards))]}}
	case 10:
		op := []string{"=", "<", "<=", ">", ">="}[c.pick(5)]
		return map[string]any{"numeric": []any{op, n}}
	case 11:
		return map[string]any{"numeric": []any{">", json.Number("-1"), "<=", json.Number("300")}}
	case 12:
		return map[string]any{"cidr": []string{"10.0.0.0/24", "10.0.0.0/8", "2001:db8::/32", "0.0.0.0/0"}[c.pick(4)]}
	case 13:
		return map[string]any{"exists": c.pick(2) == 0}
	case 14:
		return fuzzNumbers[c.pick(len(fuzzNumbers))]
	}
	return s
}

func (c *choices) patternObject(depth int) map[string]any {
	m := map[string]any{}
	for range 1 + c.pick(2) {
		k := fuzzKeys[c.pick(len(fuzzKeys))]
		switch c.pick(5) {
		case 0:
			if depth < 3 {
				m[k] = c.patternObject(depth + 1)
				continue
			}
		case 1:
			if depth < 3 {
				m["$or"] = []any{c.patternObject(depth + 1), c.patternObject(depth + 1)}
				continue
			}
		}
		conds := make([]any, 0, 3)
		for range 1 + c.pick(3) {
			conds = append(conds, c.condition())
		}
		m[k] = conds
	}
	return m
}

// FuzzSetMatchesReference generates patterns and an event and checks that
// Set.Match and Pattern.Match agree with the reference evaluator.
func FuzzSetMatchesReference(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("a fairly long seed that exercises several choices of the generator"))
	f.Add(bytes.Repeat([]byte{5, 1, 4, 0, 2, 3}, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &choices{data: data}
		npat := 1 + c.pick(4)
		srcs := make([][]byte, npat)
		for i := range srcs {
			b, err := json.Marshal(c.patternObject(0))
			if err != nil {
				t.Fatal(err)
			}
			srcs[i] = b
		}
		event, err := json.Marshal(c.eventObject(0))
		if err != nil {
			t.Fatal(err)
		}
		s := NewSet()
		var want []ID
		for i, src := range srcs {
			id := fmt.Sprintf("p%d", i)
			p, err := Compile(src)
			if err != nil {
				t.Fatalf("Compile(%s): %v", src, err)
			}
			if err := s.Add(id, src); err != nil {
				t.Fatal(err)
			}
			ref, err := refMatch(src, event)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Match(event)
			if err != nil {
				t.Fatal(err)
			}
			if got != ref {
				t.Fatalf("pattern %s\nevent %s\nPattern.Match = %v, reference = %v", src, event, got, ref)
			}
			if ref {
				want = append(want, id)
			}
		}
		got, err := s.Match(event)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("patterns %s\nevent %s\nSet.Match = %v, reference = %v", bytes.Join(srcs, []byte("\n")), event, got, want)
		}
	})
}

// FuzzCompileMatch feeds arbitrary bytes to the compiler and the matcher:
// neither may panic, and an event is rejected exactly when it is not a valid
// JSON object.
func FuzzCompileMatch(f *testing.F) {
	f.Add([]byte(`{"a":["x"]}`), []byte(`{"a":"x"}`))
	f.Add([]byte(`{"a":[{"wildcard":"a*b\\*"}],"$or":[{"b":[{"numeric":[">",1,"<",5]}]},{"c":{"d":[{"exists":false}]}}]}`), []byte(`{"a":["ab*"],"b":2,"c":[{"d":{}}]}`))
	f.Add([]byte(`{"ip":[{"cidr":"10.0.0.0/8"}],"s":[{"anything-but":{"prefix":["a","b"]}}]}`), []byte(`{"ip":"10.1.2.3","s":"\u00e9\ud800"}`))
	f.Add([]byte(`{"a":[{"prefix":{"equals-ignore-case":"É"}}]}`), []byte(`{"a":"é", "a": [1e5, -0.5, null, true]}`))
	f.Fuzz(func(t *testing.T, pattern, event []byte) {
		p, err := Compile(pattern)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Compile error %v is not an *Error", err)
			}
			return
		}
		s := NewSet()
		if err := s.Add("p", pattern); err != nil {
			t.Fatalf("Set.Add rejected a pattern Compile accepted: %v", err)
		}
		ok, err := p.Match(event)
		ids, serr := s.Match(event)
		if (err == nil) != (serr == nil) || ok != (len(ids) == 1) {
			t.Fatalf("Pattern.Match = %v, %v; Set.Match = %v, %v", ok, err, ids, serr)
		}
		valid := json.Valid(event) && bytes.HasPrefix(bytes.TrimLeft(event, " \t\r\n"), []byte("{")) && maxDepth(event) <= maxEventDepth
		if valid != (err == nil) {
			t.Fatalf("event %q: valid JSON object %v, Match error %v", event, valid, err)
		}
	})
}

// maxDepth returns the deepest nesting of arrays and objects in valid JSON.
func maxDepth(b []byte) int {
	d, m, inStr := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			d++
			m = max(m, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return m
}
