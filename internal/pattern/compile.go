package pattern

import (
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxPatternChars is the longest event pattern EventBridge accepts (the
// EventPattern parameter of PutRule is limited to 4096 characters).
const maxPatternChars = 4096

// Operator names, as in EventBridge content filtering.
const (
	opPrefix           = "prefix"
	opSuffix           = "suffix"
	opAnythingBut      = "anything-but"
	opNumeric          = "numeric"
	opCIDR             = "cidr"
	opExists           = "exists"
	opEqualsIgnoreCase = "equals-ignore-case"
	opWildcard         = "wildcard"
	orKey              = "$or"
)

func isOperator(k string) bool {
	switch k {
	case opPrefix, opSuffix, opAnythingBut, opNumeric, opCIDR, opExists, opEqualsIgnoreCase, opWildcard:
		return true
	}
	return false
}

// pnode is one object level of a compiled pattern: every field must match,
// and for every $or group at least one alternative must match the same event
// object.
type pnode struct {
	fields []*pfield
	ors    [][]*pnode
}

// pfield is one field of a pattern object: either a nested object pattern or
// a list of conditions.
type pfield struct {
	name        string
	sub         *pnode
	conds       []*matcher
	existsFalse bool // {"exists": false} is among the conditions
}

// Pattern is a compiled event pattern. It is safe for concurrent use.
type Pattern struct {
	root *pnode
	snap *snapshot
	pool sync.Pool // of *state
}

// Compile validates an EventBridge event pattern and compiles it. Invalid
// patterns return an *Error naming the JSON path at fault.
func Compile(src []byte) (*Pattern, error) {
	root, err := compileRoot(src)
	if err != nil {
		return nil, err
	}
	p := &Pattern{root: root}
	p.snap = build([]member{{root: root}})
	return p, nil
}

// Match reports whether the event matches the pattern. A malformed event
// returns an *EventError.
func (p *Pattern) Match(event []byte) (bool, error) {
	st := getState(&p.pool)
	err := st.run(p.snap, event)
	ok := len(st.matched) > 0
	p.pool.Put(st)
	return ok && err == nil, err
}

func compileRoot(src []byte) (*pnode, error) {
	if n := utf8.RuneCount(src); n > maxPatternChars {
		return nil, &Error{Reason: "pattern is " + strconv.Itoa(n) + " characters long; the limit is " + strconv.Itoa(maxPatternChars)}
	}
	tree, err := parseTree(src)
	if err != nil {
		return nil, err
	}
	if tree.kind != jObject {
		return nil, &Error{Reason: "pattern must be a JSON object, not " + tree.kind.String()}
	}
	return compileObject(tree, "")
}

// isOrArray implements the rule for "$or": an array of at least two objects,
// none of which uses an operator name as a field. Anything else is an
// ordinary field called "$or".
func isOrArray(v *jval) bool {
	if v.kind != jArray || len(v.vals) < 2 {
		return false
	}
	for _, alt := range v.vals {
		if alt.kind != jObject {
			return false
		}
		for _, k := range alt.keys {
			if isOperator(k) {
				return false
			}
		}
	}
	return true
}

func compileObject(v *jval, path string) (*pnode, error) {
	if len(v.keys) == 0 {
		return nil, &Error{Path: path, Reason: "empty objects are not allowed"}
	}
	n := &pnode{}
	for i, k := range v.keys {
		val := v.vals[i]
		fp := joinPath(path, k)
		if k == orKey && isOrArray(val) {
			alts := make([]*pnode, 0, len(val.vals))
			for j, a := range val.vals {
				an, err := compileObject(a, indexPath(fp, j))
				if err != nil {
					return nil, err
				}
				alts = append(alts, an)
			}
			n.ors = append(n.ors, alts)
			continue
		}
		f := &pfield{name: k}
		switch val.kind {
		case jObject:
			sub, err := compileObject(val, fp)
			if err != nil {
				return nil, err
			}
			f.sub = sub
		case jArray:
			if err := compileConds(f, val, fp); err != nil {
				return nil, err
			}
		default:
			return nil, &Error{Path: fp, Reason: "value must be an object or an array, not " + val.kind.String()}
		}
		n.fields = append(n.fields, f)
	}
	return n, nil
}

func compileConds(f *pfield, arr *jval, path string) error {
	if len(arr.vals) == 0 {
		return &Error{Path: path, Reason: "empty arrays are not allowed"}
	}
	for i, el := range arr.vals {
		ep := indexPath(path, i)
		switch el.kind {
		case jString:
			f.conds = append(f.conds, exactMatcher(el.str))
		case jNumber:
			m, err := numberMatcher(el, ep)
			if err != nil {
				return err
			}
			f.conds = append(f.conds, m)
		case jBool:
			if el.b {
				f.conds = append(f.conds, &matcher{kind: mTrue, key: "true"})
			} else {
				f.conds = append(f.conds, &matcher{kind: mFalse, key: "false"})
			}
		case jNull:
			f.conds = append(f.conds, &matcher{kind: mNull, key: "null"})
		case jArray:
			return &Error{Path: ep, Reason: "nested arrays are not allowed in a list of values"}
		case jObject:
			m, existsFalse, err := compileOperator(el, ep)
			if err != nil {
				return err
			}
			if existsFalse {
				f.existsFalse = true
				continue
			}
			f.conds = append(f.conds, m)
		}
	}
	return nil
}

func exactMatcher(s string) *matcher {
	return &matcher{kind: mExact, key: "=" + strconv.Quote(s), str: s}
}

func numberMatcher(v *jval, path string) (*matcher, error) {
	f, err := parsePatternNumber(v, path)
	if err != nil {
		return nil, err
	}
	q, ok := quantize(f)
	key := "#" + v.str
	if ok {
		key = "#q" + strconv.FormatInt(q, 10)
	}
	return &matcher{kind: mNumber, key: key, str: v.str, q: q, qok: ok}, nil
}

// anythingButNumber compiles a number excluded by anything-but, which AWS
// compares numerically and so limits to the numeric matching range.
func anythingButNumber(v *jval, path string) (*matcher, error) {
	m, err := numberMatcher(v, path)
	if err != nil {
		return nil, err
	}
	if !m.qok {
		return nil, &Error{Path: path, Reason: "number " + v.str + " is outside the numeric matching range -5.0e9 to 5.0e9"}
	}
	return m, nil
}

func parsePatternNumber(v *jval, path string) (float64, error) {
	f, err := strconv.ParseFloat(v.str, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, &Error{Path: path, Reason: "number " + v.str + " is out of range"}
	}
	return f, nil
}

// compileOperator compiles one {"operator": value} condition. For
// {"exists": false} it returns existsFalse instead of a matcher.
func compileOperator(v *jval, path string) (m *matcher, existsFalse bool, err error) {
	if len(v.keys) != 1 {
		return nil, false, &Error{Path: path, Reason: "a condition object must have exactly one operator, has " + strconv.Itoa(len(v.keys))}
	}
	op, arg := v.keys[0], v.vals[0]
	ap := joinPath(path, op)
	switch op {
	case opPrefix, opSuffix:
		m, err = compileAffix(op, arg, ap)
		return m, false, err
	case opEqualsIgnoreCase:
		if arg.kind != jString {
			return nil, false, typeErr(ap, op, "a string", arg)
		}
		return foldMatcher(mEqualsFold, arg.str), false, nil
	case opWildcard:
		if arg.kind != jString {
			return nil, false, typeErr(ap, op, "a string", arg)
		}
		m, err = wildcardMatcher(arg.str, ap)
		return m, false, err
	case opAnythingBut:
		m, err = compileAnythingBut(arg, ap)
		return m, false, err
	case opNumeric:
		m, err = compileNumeric(arg, ap)
		return m, false, err
	case opCIDR:
		if arg.kind != jString {
			return nil, false, typeErr(ap, op, "a string", arg)
		}
		pfx, perr := netip.ParsePrefix(arg.str)
		if perr != nil || pfx.Addr().Zone() != "" {
			return nil, false, &Error{Path: ap, Reason: "malformed CIDR block " + strconv.Quote(arg.str)}
		}
		pfx = pfx.Masked()
		return &matcher{kind: mCIDR, key: "cidr:" + pfx.String(), prefix: pfx}, false, nil
	case opExists:
		if arg.kind != jBool {
			return nil, false, typeErr(ap, op, "true or false", arg)
		}
		if !arg.b {
			return nil, true, nil
		}
		return &matcher{kind: mExists, key: "exists"}, false, nil
	}
	return nil, false, &Error{Path: ap, Reason: "unknown operator " + strconv.Quote(op)}
}

func typeErr(path, op, want string, got *jval) error {
	return &Error{Path: path, Reason: op + " value must be " + want + ", not " + got.kind.String()}
}

// compileAffix compiles prefix and suffix: AWS accepts a string, or an object
// {"equals-ignore-case": string}.
func compileAffix(op string, arg *jval, path string) (*matcher, error) {
	switch arg.kind {
	case jString:
		if op == opPrefix {
			return &matcher{kind: mPrefix, key: "^" + strconv.Quote(arg.str), str: arg.str}, nil
		}
		return &matcher{kind: mSuffix, key: "$" + strconv.Quote(arg.str), str: arg.str}, nil
	case jObject:
		if len(arg.keys) != 1 || arg.keys[0] != opEqualsIgnoreCase {
			return nil, &Error{Path: path, Reason: op + " object must be {\"equals-ignore-case\": string}"}
		}
		s := arg.vals[0]
		if s.kind != jString {
			return nil, typeErr(joinPath(path, opEqualsIgnoreCase), opEqualsIgnoreCase, "a string", s)
		}
		if op == opPrefix {
			return foldMatcher(mPrefixFold, s.str), nil
		}
		return foldMatcher(mSuffixFold, s.str), nil
	}
	return nil, typeErr(path, op, "a string or an equals-ignore-case object", arg)
}

func foldMatcher(kind mkind, s string) *matcher {
	f := foldString(s)
	return &matcher{kind: kind, key: "~" + strconv.Itoa(int(kind)) + strconv.Quote(string(f)), fold: f}
}

func wildcardMatcher(s, path string) (*matcher, error) {
	pieces, reason := parseWildcard(s)
	if reason != "" {
		return nil, &Error{Path: path, Reason: reason + " in " + strconv.Quote(s)}
	}
	if len(pieces) == 1 {
		// No wildcard character: an exact match on the unescaped text.
		return exactMatcher(pieces[0]), nil
	}
	var key strings.Builder
	key.WriteString("*")
	for _, p := range pieces {
		key.WriteString(strconv.Quote(p))
	}
	return &matcher{kind: mWildcard, key: key.String(), glob: pieces}, nil
}

// compileAnythingBut implements the documented forms of anything-but: a
// string, a number, a list of only strings or only numbers, or an object with
// one of prefix, suffix, equals-ignore-case or wildcard whose value is a
// string or a list of strings.
func compileAnythingBut(arg *jval, path string) (*matcher, error) {
	var not []*matcher
	switch arg.kind {
	case jString:
		not = append(not, exactMatcher(arg.str))
	case jNumber:
		m, err := anythingButNumber(arg, path)
		if err != nil {
			return nil, err
		}
		not = append(not, m)
	case jArray:
		if len(arg.vals) == 0 {
			return nil, &Error{Path: path, Reason: "empty arrays are not allowed"}
		}
		first := arg.vals[0].kind
		for i, el := range arg.vals {
			ep := indexPath(path, i)
			if el.kind != jString && el.kind != jNumber {
				return nil, &Error{Path: ep, Reason: "anything-but list values must be strings or numbers, not " + el.kind.String()}
			}
			if el.kind != first {
				return nil, &Error{Path: ep, Reason: "anything-but list must contain only strings or only numbers"}
			}
			if el.kind == jString {
				not = append(not, exactMatcher(el.str))
				continue
			}
			m, err := anythingButNumber(el, ep)
			if err != nil {
				return nil, err
			}
			not = append(not, m)
		}
	case jObject:
		if len(arg.keys) != 1 {
			return nil, &Error{Path: path, Reason: "anything-but object must have exactly one of prefix, suffix, equals-ignore-case or wildcard"}
		}
		op, v := arg.keys[0], arg.vals[0]
		op2 := joinPath(path, op)
		var vals []*jval
		switch v.kind {
		case jString:
			vals = []*jval{v}
		case jArray:
			if len(v.vals) == 0 {
				return nil, &Error{Path: op2, Reason: "empty arrays are not allowed"}
			}
			vals = v.vals
		default:
			return nil, typeErr(op2, "anything-but "+op, "a string or a list of strings", v)
		}
		for i, el := range vals {
			ep := op2
			if v.kind == jArray {
				ep = indexPath(op2, i)
			}
			if el.kind != jString {
				return nil, typeErr(ep, "anything-but "+op, "a string", el)
			}
			var m *matcher
			switch op {
			case opPrefix:
				m = &matcher{kind: mPrefix, key: "^" + strconv.Quote(el.str), str: el.str}
			case opSuffix:
				m = &matcher{kind: mSuffix, key: "$" + strconv.Quote(el.str), str: el.str}
			case opEqualsIgnoreCase:
				m = foldMatcher(mEqualsFold, el.str)
			case opWildcard:
				var err error
				if m, err = wildcardMatcher(el.str, ep); err != nil {
					return nil, err
				}
			default:
				return nil, &Error{Path: op2, Reason: "anything-but does not support " + strconv.Quote(op) + "; use prefix, suffix, equals-ignore-case or wildcard"}
			}
			not = append(not, m)
		}
	default:
		return nil, typeErr(path, opAnythingBut, "a string, a number, a list or an object", arg)
	}
	keys := make([]string, len(not))
	for i, m := range not {
		keys[i] = m.key
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	return &matcher{kind: mAnythingBut, key: "!(" + strings.Join(keys, ",") + ")", not: not}, nil
}

// compileNumeric implements the documented numeric forms: ["=", n], one lower
// bound (">" or ">="), one upper bound ("<" or "<="), or a lower bound
// followed by an upper bound. Bounds must be JSON numbers within the numeric
// range AWS documents, and a range must not be empty.
func compileNumeric(arg *jval, path string) (*matcher, error) {
	if arg.kind != jArray {
		return nil, typeErr(path, opNumeric, "an array", arg)
	}
	el := arg.vals
	if len(el) != 2 && len(el) != 4 {
		return nil, &Error{Path: path, Reason: "numeric must be [operator, number] or [lower operator, number, upper operator, number]"}
	}
	m := &matcher{kind: mNumeric}
	var key strings.Builder
	key.WriteString("n")
	for i := 0; i < len(el); i += 2 {
		opv, nv := el[i], el[i+1]
		op := indexPath(path, i)
		if opv.kind != jString {
			return nil, &Error{Path: op, Reason: "expected a numeric operator (=, <, <=, >, >=), not " + opv.kind.String()}
		}
		np := indexPath(path, i+1)
		if nv.kind != jNumber {
			return nil, &Error{Path: np, Reason: "value of " + strconv.Quote(opv.str) + " must be a number, not " + nv.kind.String()}
		}
		f, err := parsePatternNumber(nv, np)
		if err != nil {
			return nil, err
		}
		q, ok := quantize(f)
		if !ok {
			return nil, &Error{Path: np, Reason: "number " + nv.str + " is outside the numeric matching range -5.0e9 to 5.0e9"}
		}
		switch opv.str {
		case "=":
			if len(el) != 2 {
				return nil, &Error{Path: op, Reason: `"=" cannot be combined with another operator`}
			}
			m.hasLo, m.hasHi, m.loInc, m.hiInc, m.lo, m.hi = true, true, true, true, q, q
		case ">", ">=":
			if i != 0 {
				return nil, &Error{Path: op, Reason: "a lower bound must come first and only once"}
			}
			m.hasLo, m.loInc, m.lo = true, opv.str == ">=", q
		case "<", "<=":
			if m.hasHi {
				return nil, &Error{Path: op, Reason: "only one upper bound is allowed"}
			}
			if i != 0 && !m.hasLo {
				return nil, &Error{Path: op, Reason: "an upper bound may only follow a lower bound"}
			}
			m.hasHi, m.hiInc, m.hi = true, opv.str == "<=", q
		default:
			return nil, &Error{Path: op, Reason: "unknown numeric operator " + strconv.Quote(opv.str)}
		}
		if i == 0 && len(el) == 4 && !m.hasLo {
			return nil, &Error{Path: op, Reason: "a range must start with a lower bound (> or >=)"}
		}
	}
	if m.hasLo && m.hasHi && (m.lo > m.hi || (m.lo == m.hi && !(m.loInc && m.hiInc))) {
		return nil, &Error{Path: path, Reason: "numeric range is empty: the lower bound must be below the upper bound"}
	}
	if m.hasLo {
		key.WriteString(strconv.FormatBool(m.loInc) + strconv.FormatInt(m.lo, 10))
	}
	key.WriteString(":")
	if m.hasHi {
		key.WriteString(strconv.FormatBool(m.hiInc) + strconv.FormatInt(m.hi, 10))
	}
	m.key = key.String()
	return m, nil
}
