package intake

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	big := `{"a":"` + strings.Repeat("x", MaxLine) + `"}`
	tests := []struct {
		name   string
		in     string
		format Format
		// want holds each item as "line:raw", or "line:!" for an error.
		want []string
	}{
		{"empty", "", Auto, nil},
		{"blank", " \n\t\n", Auto, nil},
		{"one object", `{"id":"a"}`, Auto, []string{`1:{"id":"a"}`}},
		{"one object, newline", "{\"id\":\"a\"}\n", Auto, []string{`1:{"id":"a"}`}},
		{"pretty object", "\n{\n  \"id\": \"a\"\n}\n", Auto, []string{"2:{\n  \"id\": \"a\"\n}"}},
		{"bom", "\xef\xbb\xbf{\"id\":\"a\"}", Auto, []string{`1:{"id":"a"}`}},
		{"array", "[\n {\"id\":\"a\"},\n {\"id\":\"b\"}\n]", Auto, []string{`2:{"id":"a"}`, `3:{"id":"b"}`}},
		{"array of non-objects", `[1, "x", null]`, Auto, []string{`1:1`, `1:"x"`, `1:null`}},
		{"empty array", `[]`, Auto, nil},
		{"malformed array", "[{\"id\":\"a\"},\n{\"id\":", Auto, []string{`1:{"id":"a"}`, `2:{"id":`}},
		{"array, bad element in the middle", "[\n{\"id\":\"a\"},\n{\"id\":,\n{\"id\":\"c\"}\n]", Auto,
			[]string{`2:{"id":"a"}`, `3:{"id":,`, `4:{"id":"c"}`}},
		{"array, bad element before the last", "[{\"id\":\"a\"},\n{bad},\n{\"id\":\"c\"}]", Auto,
			[]string{`1:{"id":"a"}`, `2:{bad},`, `3:{"id":"c"}`}},
		{"array, bad element, no line after", "[{\"id\":\"a\"},{bad},{\"id\":\"c\"}]", Auto,
			[]string{`1:{"id":"a"}`, `1:{bad},{"id":"c"}]`}},
		{"array not closed", `[{"id":"a"},{"id":"b"}`, Auto, []string{`1:{"id":"a"}`, `1:{"id":"b"}`, `1:!`}},
		{"array not closed after a comma", "[{\"id\":\"a\"},\n", Auto, []string{`1:{"id":"a"}`, `2:!`}},
		{"array, then garbage", `[{"id":"a"}] x`, Auto, []string{`1:{"id":"a"}`, `1:x`}},
		{"array, then another value", "[{\"id\":\"a\"}]\n{\"id\":\"b\"}", Auto, []string{`1:{"id":"a"}`, `2:{"id":"b"}`}},
		{"array without commas", `[{"a":1} {"b":2}]`, Auto, []string{`1:{"a":1} {"b":2}]`}},
		{"json lines", "{\"id\":\"a\"}\n\n{\"id\":\"b\"}\r\n{\"id\":\"c\"}", Auto,
			[]string{`1:{"id":"a"}`, `3:{"id":"b"}`, `4:{"id":"c"}`}},
		{"json lines with a bad line", "{\"id\":\"a\"}\n{\"id\":\n{\"id\":\"c\"}\n", Auto,
			[]string{`1:{"id":"a"}`, `2:{"id":`, `3:{"id":"c"}`}},
		{"lines format, bad first line", "nope\n{\"id\":\"b\"}\n", Lines, []string{`1:nope`, `2:{"id":"b"}`}},
		{"auto, bad first line", "nope\n{\"id\":\"b\"}\n", Auto, []string{`1:nope`, `2:{"id":"b"}`}},
		{"auto, bad first line, CRLF", "nope\r\n{\"id\":\"b\"}\r\n{\"id\":\"c\"}", Auto, []string{`1:nope`, `2:{"id":"b"}`, `3:{"id":"c"}`}},
		{"auto, bad lines between good", "{\"id\":\"a\"}\n{\"x\":[\n{\"id\":\"c\"}\n[\n{\"id\":\"e\"}\n", Auto,
			[]string{`1:{"id":"a"}`, `2:{"x":[`, `3:{"id":"c"}`, `4:[`, `5:{"id":"e"}`}},
		{"auto, bad last line", "{\"id\":\"a\"}\n{oops", Auto, []string{`1:{"id":"a"}`, `2:{oops`}},
		{"auto, bad line of a whole object", "{\"id\":\"a\"}\n{\"id\":\"b\"}}\n{\"id\":\"c\"}", Auto,
			[]string{`1:{"id":"a"}`, `2:{"id":"b"}`, `2:}`, `3:{"id":"c"}`}},
		{"pretty, bad one between good", "{\n\"id\":\"a\"\n}\n{\n\"id\":\n}\n{\"id\":\"c\"}", Auto,
			[]string{"1:{\n\"id\":\"a\"\n}", "4:{\n\"id\":\n}", `7:{"id":"c"}`}},
		{"malformed pretty object", "{\n  \"id\": \n", Auto, []string{"1:{\n  \"id\":"}},
		{"concatenated pretty", "{\n\"id\":\"a\"\n}\n{\n\"id\":\"b\"\n}", Auto, []string{"1:{\n\"id\":\"a\"\n}", "4:{\n\"id\":\"b\"\n}"}},
		{"trailing garbage", "{\"id\":\"a\"} xyz", Auto, []string{`1:{"id":"a"}`, `1:xyz`}},
		{"malformed", `{"id":`, Auto, []string{`1:{"id":`}},
		{"not json", `hello`, Auto, []string{`1:hello`}},
		{"long line", "{}\n" + big + "\n{\"id\":\"c\"}", Lines, []string{`1:{}`, `2:!`, `3:{"id":"c"}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var ends []int64
			err := split(strings.NewReader(tc.in), tc.format, func(it item) bool {
				s := strconv.Itoa(it.line) + ":"
				if it.err != nil {
					s += "!"
				} else {
					s += string(it.raw)
				}
				if len(got) != it.index {
					t.Errorf("item %d has index %d", len(got), it.index)
				}
				got = append(got, s)
				ends = append(ends, it.end)
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("split(%.40q) =\n%q\nwant\n%q", tc.in, got, tc.want)
			}
			for i := 1; i < len(ends); i++ {
				if ends[i] < ends[i-1] || ends[i] > int64(len(tc.in)) {
					t.Errorf("item ends %v are not increasing within the input", ends)
				}
			}
		})
	}
}

func TestSplitStops(t *testing.T) {
	for _, in := range []string{"[1,2,3]", "1\n2\n3\n", "{} {} {}"} {
		n := 0
		split(strings.NewReader(in), Auto, func(item) bool { n++; return n < 2 })
		if n != 2 {
			t.Errorf("split(%q) went on after yield returned false: %d items", in, n)
		}
	}
}

func TestLines(t *testing.T) {
	data := []byte("a\nb\n\nc")
	l := newLines(data)
	for _, tc := range []struct{ off, line int }{{0, 1}, {2, 2}, {4, 3}, {5, 4}, {1, 1}, {100, 4}} {
		if got := l.at(tc.off); got != tc.line {
			t.Errorf("at(%d) = %d, want %d", tc.off, got, tc.line)
		}
	}
	if got := lineAt(bytes.Repeat([]byte("\n"), 3), 3); got != 4 {
		t.Errorf("lineAt = %d, want 4", got)
	}
}

// FuzzSplit checks the invariants of splitting: no panic, every event is
// non-empty, lines and offsets only grow and stay within the input, and
// indexes count up from 0. In the Auto format nothing is lost: the events
// appear in the input in order, and every byte outside them is white space,
// a byte order mark, or the '[', ',' and ']' of an array; and JSON Lines
// whose lines are each one JSON object split as in the Lines format.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "[1,2]", "{}\n{}\n", "{\n}\n{", "\xef\xbb\xbf[{}]", "x\n\n{}", `[{"a":[1,{}]}, "x"]`,
		"nope\n{\"a\":1}\n{\"b\":2}", "[\n{\"a\":1},\n{bad,\n{\"c\":3}\n]", "[{},{}", "{\"a\":[\n{}\n", "[1 2]\n{}", "{}]\n{},"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, lines bool) {
		format := Auto
		if lines {
			format = Lines
		}
		lastLine, lastEnd, next := 0, int64(0), 0
		var raws [][]byte
		err := split(bytes.NewReader(data), format, func(it item) bool {
			if it.err == nil && len(trimSpace(it.raw)) == 0 {
				t.Fatalf("empty event in %q", data)
			}
			if it.line < max(lastLine, 1) || it.end < lastEnd || it.end > int64(len(data)) {
				t.Fatalf("item %+v after line %d, end %d in %d bytes", it, lastLine, lastEnd, len(data))
			}
			if it.index != next {
				t.Fatalf("index %d, want %d", it.index, next)
			}
			lastLine, lastEnd, next = it.line, it.end, next+1
			if it.err == nil {
				raws = append(raws, it.raw)
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if lines {
			return
		}
		checkCovered(t, data, raws)
		if len(data) <= MaxLine && oneObjectPerLine(data) {
			var want [][]byte
			_ = split(bytes.NewReader(data), Lines, func(it item) bool {
				want = append(want, it.raw)
				return true
			})
			if len(want) != len(raws) {
				t.Fatalf("JSON Lines %q: Auto gives %d events, Lines %d", data, len(raws), len(want))
			}
			for i := range want {
				if !bytes.Equal(want[i], raws[i]) {
					t.Fatalf("JSON Lines %q: event %d is %q in Auto, %q in Lines", data, i, raws[i], want[i])
				}
			}
		}
	})
}

// checkCovered fails unless the events raws appear in data in order and
// every byte of data outside them is white space, the byte order mark or,
// when data is an array, '[', ',' or ']'.
func checkCovered(t *testing.T, data []byte, raws [][]byte) {
	t.Helper()
	body := bytes.TrimPrefix(data, bom)
	covered := make([]bool, len(body))
	at := 0
	for _, r := range raws {
		i := bytes.Index(body[at:], r)
		if i < 0 {
			t.Fatalf("event %q is not in the input %q after offset %d", r, body, at)
		}
		for j := at + i; j < at+i+len(r); j++ {
			covered[j] = true
		}
		at += i + len(r)
	}
	array := len(trimSpace(body)) > 0 && trimSpace(body)[0] == '['
	for i, c := range body {
		if covered[i] || leadingSpace(body[i:i+1]) == 1 {
			continue
		}
		if array && (c == '[' || c == ',' || c == ']') {
			continue
		}
		t.Fatalf("byte %d (%q) of %q is in no event", i, c, body)
	}
}

// oneObjectPerLine reports whether every line of data that is not blank
// holds one JSON object, and there is at least one.
func oneObjectPerLine(data []byte) bool {
	n := 0
	for _, line := range bytes.Split(bytes.TrimPrefix(data, bom), []byte("\n")) {
		line = trimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' || !json.Valid(line) {
			return false
		}
		n++
	}
	return n > 0
}
