package awssim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// ddbValue is a DynamoDB attribute value. For S and N, s holds the string
// (N normalized); for B, s holds the raw bytes. Sets hold their members the
// same way in set.
type ddbValue struct {
	kind string // S, N, B, BOOL, NULL, L, M, SS, NS, BS
	s    string
	b    bool
	l    []ddbValue
	m    map[string]ddbValue
	set  []string
}

// ddbItem is an item: attribute names to values.
type ddbItem map[string]ddbValue

func numberValue(s string) ddbValue { return ddbValue{kind: "N", s: s} }

// MarshalJSON writes the value in DynamoDB's JSON shape ({"S": "..."}).
func (v ddbValue) MarshalJSON() ([]byte, error) {
	var inner any
	switch v.kind {
	case "S", "N":
		inner = v.s
	case "B":
		inner = base64.StdEncoding.EncodeToString([]byte(v.s))
	case "BOOL", "NULL":
		inner = v.b
	case "L":
		l := v.l
		if l == nil {
			l = []ddbValue{}
		}
		inner = l
	case "M":
		m := v.m
		if m == nil {
			m = map[string]ddbValue{}
		}
		inner = m
	case "SS", "NS":
		inner = v.set
	case "BS":
		enc := make([]string, len(v.set))
		for i, s := range v.set {
			enc[i] = base64.StdEncoding.EncodeToString([]byte(s))
		}
		inner = enc
	default:
		return nil, fmt.Errorf("attribute value of unknown type %q", v.kind)
	}
	return json.Marshal(map[string]any{v.kind: inner})
}

// UnmarshalJSON reads and validates a value in DynamoDB's JSON shape.
func (v *ddbValue) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if len(raw) != 1 {
		return fmt.Errorf("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	for k, r := range raw {
		*v = ddbValue{kind: k}
		switch k {
		case "S":
			return json.Unmarshal(r, &v.s)
		case "N":
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				return err
			}
			n, err := normalizeNumber(s)
			if err != nil {
				return err
			}
			v.s = n
		case "B":
			var b []byte
			if err := json.Unmarshal(r, &b); err != nil {
				return err
			}
			v.s = string(b)
		case "BOOL":
			return json.Unmarshal(r, &v.b)
		case "NULL":
			if err := json.Unmarshal(r, &v.b); err != nil {
				return err
			}
			if !v.b {
				return fmt.Errorf("One or more parameter values were invalid: Null attribute value types must have the value of true")
			}
		case "L":
			v.l = []ddbValue{}
			return json.Unmarshal(r, &v.l)
		case "M":
			v.m = map[string]ddbValue{}
			return json.Unmarshal(r, &v.m)
		case "SS", "NS", "BS":
			var members []string
			if k == "BS" {
				var bs [][]byte
				if err := json.Unmarshal(r, &bs); err != nil {
					return err
				}
				for _, b := range bs {
					members = append(members, string(b))
				}
			} else if err := json.Unmarshal(r, &members); err != nil {
				return err
			}
			if len(members) == 0 {
				return fmt.Errorf("One or more parameter values were invalid: An number set  may not be empty")
			}
			seen := map[string]bool{}
			for i, m := range members {
				if k == "NS" {
					n, err := normalizeNumber(m)
					if err != nil {
						return err
					}
					members[i], m = n, n
				}
				if seen[m] {
					return fmt.Errorf("One or more parameter values were invalid: Input collection %v contains duplicates.", members)
				}
				seen[m] = true
			}
			v.set = members
		default:
			return fmt.Errorf("Supplied AttributeValue has an unknown datatype %q", k)
		}
	}
	return nil
}

// normalizeNumber checks a DynamoDB number and returns its canonical form
// (no leading or trailing zeros, no exponent).
func normalizeNumber(s string) (string, error) {
	bad := fmt.Errorf("The parameter cannot be converted to a numeric value: %s", s)
	t := strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		neg = t[0] == '-'
		t = t[1:]
	}
	mant, expPart, hasExp := strings.Cut(strings.ToLower(t), "e")
	exp := 0
	if hasExp {
		if expPart == "" || len(expPart) > 6 {
			return "", bad
		}
		sign := 1
		if expPart[0] == '-' || expPart[0] == '+' {
			if expPart[0] == '-' {
				sign = -1
			}
			expPart = expPart[1:]
		}
		if expPart == "" {
			return "", bad
		}
		for _, ch := range expPart {
			if ch < '0' || ch > '9' {
				return "", bad
			}
			exp = exp*10 + int(ch-'0')
		}
		exp *= sign
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" {
		return "", bad
	}
	digits := intPart + frac
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return "", bad
		}
	}
	// value = digits × 10^(exp - len(frac))
	point := len(intPart) + exp // position of the decimal point in digits
	lead := len(digits) - len(strings.TrimLeft(digits, "0"))
	digits = digits[lead:]
	point -= lead
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return "0", nil
	}
	if len(digits) > 38 {
		return "", fmt.Errorf("Attempting to store more than 38 significant digits in a Number: %s", s)
	}
	if point > 126 || point < -129 {
		return "", fmt.Errorf("Number overflow. Attempting to store a number with magnitude larger than supported range: %s", s)
	}
	var out string
	switch {
	case point <= 0:
		out = "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		out = digits + strings.Repeat("0", point-len(digits))
	default:
		out = digits[:point] + "." + digits[point:]
	}
	if neg {
		out = "-" + out
	}
	return out, nil
}

func parseRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return new(big.Rat)
	}
	return r
}

// addNumbers returns a+b (or a−b).
func addNumbers(a, b string, minus bool) (ddbValue, error) {
	x, y := parseRat(a), parseRat(b)
	if minus {
		x.Sub(x, y)
	} else {
		x.Add(x, y)
	}
	s := x.RatString()
	if !x.IsInt() {
		// Sums of terminating decimals terminate: 40 places is enough for
		// 38 significant digits.
		s = x.FloatString(130)
	}
	n, err := normalizeNumber(s)
	if err != nil {
		return ddbValue{}, err
	}
	return numberValue(n), nil
}

// compareScalar compares two values of the same scalar type (S, N, B).
func compareScalar(a, b ddbValue) (int, bool) {
	if a.kind != b.kind {
		return 0, false
	}
	switch a.kind {
	case "S", "B":
		return strings.Compare(a.s, b.s), true
	case "N":
		return parseRat(a.s).Cmp(parseRat(b.s)), true
	}
	return 0, false
}

func (v ddbValue) isSet() bool { return v.kind == "SS" || v.kind == "NS" || v.kind == "BS" }

// equal reports deep equality; sets compare regardless of order.
func (v ddbValue) equal(w ddbValue) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case "N":
		return parseRat(v.s).Cmp(parseRat(w.s)) == 0
	case "S", "B":
		return v.s == w.s
	case "BOOL", "NULL":
		return v.b == w.b
	case "L":
		if len(v.l) != len(w.l) {
			return false
		}
		for i := range v.l {
			if !v.l[i].equal(w.l[i]) {
				return false
			}
		}
		return true
	case "M":
		if len(v.m) != len(w.m) {
			return false
		}
		for k, x := range v.m {
			y, ok := w.m[k]
			if !ok || !x.equal(y) {
				return false
			}
		}
		return true
	default:
		if len(v.set) != len(w.set) {
			return false
		}
		for _, m := range v.set {
			if !w.hasMember(m) {
				return false
			}
		}
		return true
	}
}

func (v ddbValue) hasMember(m string) bool {
	for _, x := range v.set {
		if x == m || (v.kind == "NS" && parseRat(x).Cmp(parseRat(m)) == 0) {
			return true
		}
	}
	return false
}

// contains implements the contains function: a substring of a string, a
// member of a set or an element of a list.
func (v ddbValue) contains(w ddbValue) bool {
	switch v.kind {
	case "S":
		return w.kind == "S" && strings.Contains(v.s, w.s)
	case "B":
		return w.kind == "B" && bytes.Contains([]byte(v.s), []byte(w.s))
	case "SS":
		return w.kind == "S" && v.hasMember(w.s)
	case "NS":
		return w.kind == "N" && v.hasMember(w.s)
	case "BS":
		return w.kind == "B" && v.hasMember(w.s)
	case "L":
		for _, e := range v.l {
			if e.equal(w) {
				return true
			}
		}
	}
	return false
}

// size implements the size function.
func (v ddbValue) size() (int, bool) {
	switch v.kind {
	case "S", "B":
		return len(v.s), true
	case "L":
		return len(v.l), true
	case "M":
		return len(v.m), true
	case "SS", "NS", "BS":
		return len(v.set), true
	}
	return 0, false
}

func (v ddbValue) setUnion(w ddbValue) ddbValue {
	out := v.clone()
	for _, m := range w.set {
		if !out.hasMember(m) {
			out.set = append(out.set, m)
		}
	}
	return out
}

func (v ddbValue) setMinus(w ddbValue) ddbValue {
	out := ddbValue{kind: v.kind}
	for _, m := range v.set {
		if !w.hasMember(m) {
			out.set = append(out.set, m)
		}
	}
	return out
}

func (v ddbValue) clone() ddbValue {
	out := v
	if v.l != nil {
		out.l = make([]ddbValue, len(v.l))
		for i, e := range v.l {
			out.l[i] = e.clone()
		}
	}
	if v.m != nil {
		out.m = make(map[string]ddbValue, len(v.m))
		for k, e := range v.m {
			out.m[k] = e.clone()
		}
	}
	if v.set != nil {
		out.set = append([]string(nil), v.set...)
	}
	return out
}

func (it ddbItem) clone() ddbItem {
	if it == nil {
		return nil
	}
	out := make(ddbItem, len(it))
	for k, v := range it {
		out[k] = v.clone()
	}
	return out
}

// project returns the attributes of item named by paths (nested paths
// keep their enclosing maps and lists).
func project(item ddbItem, paths []docPath) ddbItem {
	if paths == nil {
		return item
	}
	out := ddbItem{}
	for _, p := range paths {
		v, ok := resolvePath(item, p)
		if !ok {
			continue
		}
		if len(p) == 1 {
			out[p[0].Name] = v
			continue
		}
		// Rebuild the enclosing containers down to the value.
		cur := out[p[0].Name]
		out[p[0].Name] = projectInto(cur, item[p[0].Name], p[1:], v)
	}
	return out
}

func projectInto(cur, src ddbValue, rest docPath, v ddbValue) ddbValue {
	if len(rest) == 0 {
		return v
	}
	e := rest[0]
	if e.IsIdx {
		if cur.kind != "L" {
			cur = ddbValue{kind: "L", l: []ddbValue{}}
		}
		// Projected list elements keep their relative order.
		child := projectInto(ddbValue{}, src.l[e.Index], rest[1:], v)
		cur.l = append(cur.l, child)
		return cur
	}
	if cur.kind != "M" {
		cur = ddbValue{kind: "M", m: map[string]ddbValue{}}
	}
	cur.m[e.Name] = projectInto(cur.m[e.Name], src.m[e.Name], rest[1:], v)
	return cur
}

// sortStrings returns s sorted.
func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
