package awssim

import (
	"strings"
	"testing"
)

func TestNormalizeNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0"}, {"-0", "0"}, {"1.50", "1.5"}, {"007", "7"}, {"1e2", "100"}, {"1.5E-3", "0.0015"},
		{"-12.340", "-12.34"}, {".5", "0.5"}, {"5.", "5"}, {"+3", "3"}, {"123e-2", "1.23"},
	} {
		got, err := normalizeNumber(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("normalizeNumber(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "abc", "1e", "1.2.3", "--1", "1e1000000", "12345678901234567890123456789012345678901", "."} {
		if got, err := normalizeNumber(bad); err == nil {
			t.Errorf("normalizeNumber(%q) = %q, want an error", bad, got)
		}
	}
}

func TestParseConditionErrorsNameTheProblem(t *testing.T) {
	vals := map[string]ddbValue{":v": {kind: "S", s: "x"}}
	for _, tc := range []struct{ expr, want string }{
		{"a = :w", "attribute value: :w"},
		{"#x = :v", "attribute name: #x"},
		{"a = :v AND", "<EOF>"},
		{"a ! :v", "Invalid character"},
		{"foo(a)", "function: foo"},
		{"status = :v", "reserved keyword: status"},
	} {
		_, err := parseCondition(tc.expr, nil, vals, newExprUse())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseCondition(%q) error = %v, want it to mention %q", tc.expr, err, tc.want)
		}
	}
}

// FuzzDynamoExpression checks that parsing and evaluating arbitrary
// expressions never panics.
func FuzzDynamoExpression(f *testing.F) {
	for _, s := range []string{
		"attribute_exists(a) AND NOT (b.c[1] <> :v OR size(d) >= :n)",
		"a BETWEEN :n AND :v", "a IN (:v, :n)", "begins_with(#a, :v)", "contains(l, :v)",
		"SET a = a + :n, b = list_append(if_not_exists(b, :l), :l) REMOVE c[0] ADD s :s DELETE s :s",
		"a, b.c, l[3]", "((((", "a[", ":", "#", "SET a.b[2].c = :v",
	} {
		f.Add(s)
	}
	names := map[string]string{"#a": "a", "#b": "b"}
	vals := map[string]ddbValue{
		":v": {kind: "S", s: "x"}, ":n": {kind: "N", s: "1"},
		":l": {kind: "L", l: []ddbValue{{kind: "N", s: "2"}}}, ":s": {kind: "SS", set: []string{"p"}},
	}
	item := ddbItem{
		"a": {kind: "N", s: "3"}, "b": {kind: "M", m: map[string]ddbValue{"c": {kind: "L", l: []ddbValue{{kind: "S", s: "q"}, {kind: "NULL", b: true}}}}},
		"l": {kind: "L", l: []ddbValue{{kind: "S", s: "x"}}}, "s": {kind: "SS", set: []string{"p", "q"}}, "d": {kind: "S", s: "xyz"},
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if c, err := parseCondition(expr, names, vals, newExprUse()); err == nil {
			evalCond(item, c)
			evalCond(nil, c)
		}
		if acts, err := parseUpdate(expr, names, vals, newExprUse()); err == nil {
			before := item.clone()
			_, _, _ = applyUpdate(item, acts)
			_, _, _ = applyUpdate(nil, acts)
			if !(ddbValue{kind: "M", m: before}).equal(ddbValue{kind: "M", m: item}) {
				t.Fatalf("applyUpdate(%q) changed its input", expr)
			}
		}
		if paths, err := parseProjection(expr, names, newExprUse()); err == nil {
			project(item, paths)
		}
		if n, err := normalizeNumber(expr); err == nil {
			if n2, err := normalizeNumber(n); err != nil || n2 != n {
				t.Fatalf("normalizeNumber(%q) = %q, not a fixed point (%q, %v)", expr, n, n2, err)
			}
		}
	})
}
