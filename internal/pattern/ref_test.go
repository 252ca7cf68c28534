package pattern

import (
	"bytes"
	"encoding/json"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is a deliberately simple evaluator of event patterns over
// encoding/json values, written straight from the documented rules, against
// which the compiled matcher is checked. It assumes the pattern is valid.

func refDecode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// refMatch reports whether event matches pattern.
func refMatch(pattern, event []byte) (bool, error) {
	p, err := refDecode(pattern)
	if err != nil {
		return false, err
	}
	e, err := refDecode(event)
	if err != nil {
		return false, err
	}
	em, ok := e.(map[string]any)
	if !ok {
		return false, nil
	}
	return refObject(p.(map[string]any), em), nil
}

func refIsOr(v any) bool {
	arr, ok := v.([]any)
	if !ok || len(arr) < 2 {
		return false
	}
	for _, a := range arr {
		m, ok := a.(map[string]any)
		if !ok {
			return false
		}
		for k := range m {
			if isOperator(k) {
				return false
			}
		}
	}
	return true
}

func refObject(pat, ev map[string]any) bool {
	for k, pv := range pat {
		if k == "$or" && refIsOr(pv) {
			hit := false
			for _, alt := range pv.([]any) {
				if refObject(alt.(map[string]any), ev) {
					hit = true
				}
			}
			if !hit {
				return false
			}
			continue
		}
		ev, present := ev[k]
		switch p := pv.(type) {
		case map[string]any:
			// Field paths are matched flattened: where there is no object,
			// the nested pattern sees no fields at all.
			objs := refObjects(ev, nil)
			if !present || len(objs) == 0 {
				objs = []map[string]any{{}}
			}
			ok := false
			for _, o := range objs {
				if refObject(p, o) {
					ok = true
				}
			}
			if !ok {
				return false
			}
		case []any:
			var leaves []any
			if present {
				leaves = refLeaves(ev, nil)
			}
			ok := false
			for _, cond := range p {
				if m, isMap := cond.(map[string]any); isMap && m["exists"] == false {
					if len(leaves) == 0 {
						ok = true
					}
					continue
				}
				for _, l := range leaves {
					if refCond(cond, l) {
						ok = true
					}
				}
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// refObjects lists the objects a value stands for: itself, or the objects in
// it if it is an array, at any depth.
func refObjects(v any, out []map[string]any) []map[string]any {
	switch t := v.(type) {
	case map[string]any:
		out = append(out, t)
	case []any:
		for _, e := range t {
			out = refObjects(e, out)
		}
	}
	return out
}

// refLeaves lists the leaf values a value stands for.
func refLeaves(v any, out []any) []any {
	switch t := v.(type) {
	case map[string]any:
	case []any:
		for _, e := range t {
			out = refLeaves(e, out)
		}
	default:
		out = append(out, t)
	}
	return out
}

func refNum(n json.Number) (int64, bool) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < -5e9 || f > 5e9 {
		return 0, false
	}
	return int64(math.Round(f * 1e6)), true
}

// refNumEq compares numbers by value inside the numeric matching range and
// by their text outside it.
func refNumEq(pattern, event json.Number) bool {
	qa, oka := refNum(pattern)
	qb, okb := refNum(event)
	if oka && okb {
		return qa == qb
	}
	return pattern == event
}

func refFoldPrefix(s, p string) bool {
	n := utf8.RuneCountInString(p)
	rs := []rune(s)
	if len(rs) < n {
		return false
	}
	return strings.EqualFold(string(rs[:n]), p)
}

func refFoldSuffix(s, p string) bool {
	n := utf8.RuneCountInString(p)
	rs := []rune(s)
	if len(rs) < n {
		return false
	}
	return strings.EqualFold(string(rs[len(rs)-n:]), p)
}

func refWildcard(p, s string) bool {
	var re strings.Builder
	re.WriteString(`(?s)^`)
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			re.WriteString(regexp.QuoteMeta(p[i+1 : i+2]))
			i++
		case '*':
			re.WriteString(`.*`)
		default:
			re.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	re.WriteString(`$`)
	return regexp.MustCompile(re.String()).MatchString(s)
}

func refStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

func refCond(cond, leaf any) bool {
	s, isStr := leaf.(string)
	switch c := cond.(type) {
	case string:
		return isStr && s == c
	case json.Number:
		n, ok := leaf.(json.Number)
		return ok && refNumEq(c, n)
	case bool:
		b, ok := leaf.(bool)
		return ok && b == c
	case nil:
		return leaf == nil
	case map[string]any:
		for op, arg := range c {
			switch op {
			case "prefix":
				if m, ok := arg.(map[string]any); ok {
					return isStr && refFoldPrefix(s, m["equals-ignore-case"].(string))
				}
				return isStr && strings.HasPrefix(s, arg.(string))
			case "suffix":
				if m, ok := arg.(map[string]any); ok {
					return isStr && refFoldSuffix(s, m["equals-ignore-case"].(string))
				}
				return isStr && strings.HasSuffix(s, arg.(string))
			case "equals-ignore-case":
				return isStr && strings.EqualFold(s, arg.(string))
			case "wildcard":
				return isStr && refWildcard(arg.(string), s)
			case "exists":
				return arg == true
			case "cidr":
				_, ipnet, err := net.ParseCIDR(arg.(string))
				if err != nil || !isStr {
					return false
				}
				ip := net.ParseIP(s)
				if ip == nil || strings.Contains(s, "%") {
					return false
				}
				if (ipnet.IP.To4() != nil) != (ip.To4() != nil && !strings.Contains(s, ":")) {
					return false
				}
				return ipnet.Contains(ip)
			case "numeric":
				n, ok := leaf.(json.Number)
				if !ok {
					return false
				}
				q, ok := refNum(n)
				if !ok {
					return false
				}
				terms := arg.([]any)
				for i := 0; i < len(terms); i += 2 {
					b, _ := refNum(terms[i+1].(json.Number))
					var holds bool
					switch terms[i].(string) {
					case "=":
						holds = q == b
					case "<":
						holds = q < b
					case "<=":
						holds = q <= b
					case ">":
						holds = q > b
					case ">=":
						holds = q >= b
					}
					if !holds {
						return false
					}
				}
				return true
			case "anything-but":
				switch a := arg.(type) {
				case string, json.Number:
					return !refCond(a, leaf)
				case []any:
					for _, v := range a {
						if refCond(v, leaf) {
							return false
						}
					}
					return true
				case map[string]any:
					for inner, v := range a {
						for _, x := range refStrings(v) {
							if !isStr {
								continue
							}
							var hit bool
							switch inner {
							case "prefix":
								hit = strings.HasPrefix(s, x)
							case "suffix":
								hit = strings.HasSuffix(s, x)
							case "equals-ignore-case":
								hit = strings.EqualFold(s, x)
							case "wildcard":
								hit = refWildcard(x, s)
							}
							if hit {
								return false
							}
						}
					}
					return true
				}
			}
		}
	}
	return false
}
