package awssim

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// DynamoDB expressions: a tokenizer and a recursive-descent parser for
// condition, key condition, filter, projection and update expressions, and
// their evaluation against items.
//
//	condition  = or
//	or         = and { OR and }
//	and        = not { AND not }
//	not        = NOT not | primary
//	primary    = "(" condition ")" | function | operand comparison
//	comparison = cmpop operand | BETWEEN operand AND operand | IN "(" operand { "," operand } ")"
//	function   = attribute_exists(path) | attribute_not_exists(path) | attribute_type(path, :v)
//	           | begins_with(path, operand) | contains(path, operand)
//	operand    = path | :value | size(path)
//	path       = name { "." name | "[" digits "]" }
//	update     = { (SET action {, action} | REMOVE path {, path} | ADD path :v {, ...} | DELETE path :v {, ...}) }
//	action     = path "=" value ; value = term [ ("+"|"-") term ]
//	term       = operand | if_not_exists(path, value) | list_append(value, value)

// exprMaxLen bounds an expression's length, as DynamoDB does (4 KB).
const exprMaxLen = 4096

type tokKind int

const (
	tokEOF tokKind = iota
	tokName
	tokNameRef  // #name
	tokValueRef // :value
	tokNumber   // list index
	tokOp       // = <> < <= > >= ( ) , . [ ] + -
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func isNameStart(r byte) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

func isNameChar(r byte) bool { return isNameStart(r) || (r >= '0' && r <= '9') }

// tokenize splits an expression into tokens.
func tokenize(s string) ([]token, error) {
	if len(s) > exprMaxLen {
		return nil, fmt.Errorf("expression is %d bytes, longer than %d", len(s), exprMaxLen)
	}
	var out []token
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '#' || ch == ':':
			j := i + 1
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("Invalid token: %q near char %d", s[i:j], i)
			}
			k := tokNameRef
			if ch == ':' {
				k = tokValueRef
			}
			out = append(out, token{k, s[i:j], i})
			i = j
		case isNameStart(ch):
			j := i
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			out = append(out, token{tokName, s[i:j], i})
			i = j
		case ch >= '0' && ch <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			out = append(out, token{tokNumber, s[i:j], i})
			i = j
		case ch == '<' || ch == '>':
			if i+1 < len(s) && (s[i+1] == '=' || (ch == '<' && s[i+1] == '>')) {
				out = append(out, token{tokOp, s[i : i+2], i})
				i += 2
			} else {
				out = append(out, token{tokOp, s[i : i+1], i})
				i++
			}
		case strings.IndexByte("=(),.[]+-", ch) >= 0:
			out = append(out, token{tokOp, s[i : i+1], i})
			i++
		default:
			return nil, fmt.Errorf("Invalid character %q at position %d", ch, i)
		}
	}
	return append(out, token{kind: tokEOF, pos: len(s)}), nil
}

// pathElem is one step of a document path: a map key or a list index.
type pathElem struct {
	Name  string
	Index int
	IsIdx bool
}

type docPath []pathElem

func (p docPath) String() string {
	var b strings.Builder
	for i, e := range p {
		if e.IsIdx {
			fmt.Fprintf(&b, "[%d]", e.Index)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.Name)
	}
	return b.String()
}

// operand kinds.
const (
	opndPath = iota
	opndValue
	opndSize
	opndIfNotExists
	opndListAppend
	opndPlus
	opndMinus
)

type operand struct {
	kind  int
	path  docPath
	value ddbValue
	ref   string
	args  []*operand
}

// cond is a condition expression node.
type cond struct {
	op   string // "AND", "OR", "NOT", "=", "<>", "<", "<=", ">", ">=", "BETWEEN", "IN", or a function name
	kids []*cond
	args []*operand
}

// exprParser parses one expression, resolving placeholders and recording
// which it used.
type exprParser struct {
	toks   []token
	i      int
	names  map[string]string
	values map[string]ddbValue
	used   *exprUse
	depth  int
}

// exprUse records the placeholders the expressions of a request used, for
// DynamoDB's check that none is left unused.
type exprUse struct {
	names  map[string]bool
	values map[string]bool
}

func newExprUse() *exprUse { return &exprUse{names: map[string]bool{}, values: map[string]bool{}} }

func (p *exprParser) peek() token { return p.toks[p.i] }

func (p *exprParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *exprParser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tokOp && t.text == s
}

func (p *exprParser) isKeyword(s string) bool {
	t := p.peek()
	return t.kind == tokName && strings.EqualFold(t.text, s)
}

func (p *exprParser) expectOp(s string) error {
	t := p.next()
	if t.kind != tokOp || t.text != s {
		return p.syntax(t, fmt.Sprintf("expected %q", s))
	}
	return nil
}

func (p *exprParser) syntax(t token, what string) error {
	if t.kind == tokEOF {
		return fmt.Errorf("Syntax error; token: \"<EOF>\", near: end of expression (%s)", what)
	}
	return fmt.Errorf("Syntax error; token: %q, near char %d (%s)", t.text, t.pos, what)
}

// reserved words DynamoDB refuses as bare attribute names in expressions
// (a subset of its full list: the words of the grammar and common ones).
var ddbReserved = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true, "SET": true, "REMOVE": true, "ADD": true,
		"DELETE": true, "SIZE": true, "NAME": true, "STATUS": true, "DATA": true, "TIMESTAMP": true, "DATE": true,
		"TIME": true, "TTL": true, "VALUE": true, "VALUES": true, "KEY": true, "KEYS": true, "TYPE": true, "USER": true,
		"COUNT": true, "COMMENT": true, "TABLE": true, "INDEX": true, "ORDER": true, "SELECT": true, "WHERE": true,
		"FROM": true, "GROUP": true, "LIMIT": true, "LEVEL": true, "PATH": true, "STATE": true, "ZONE": true,
		"YEAR": true, "MONTH": true, "DAY": true, "HOUR": true, "MINUTE": true, "SECOND": true, "TOKEN": true,
		"OWNER": true, "ROLE": true, "SOURCE": true, "TARGET": true, "ACTION": true, "REGION": true, "RESULT": true,
		"UPDATE": true, "CREATE": true, "DROP": true, "NULL": true, "TRUE": true, "FALSE": true, "BY": true,
	}
})

func (p *exprParser) parsePath() (docPath, error) {
	var path docPath
	for {
		t := p.next()
		switch t.kind {
		case tokName:
			if ddbReserved()[strings.ToUpper(t.text)] {
				return nil, fmt.Errorf("Attribute name is a reserved keyword; reserved keyword: %s", t.text)
			}
			path = append(path, pathElem{Name: t.text})
		case tokNameRef:
			n, ok := p.names[t.text]
			if !ok {
				return nil, fmt.Errorf("An expression attribute name used in the document path is not defined; attribute name: %s", t.text)
			}
			p.used.names[t.text] = true
			path = append(path, pathElem{Name: n})
		default:
			return nil, p.syntax(t, "expected an attribute name")
		}
		for p.isOp("[") {
			p.next()
			n := p.next()
			if n.kind != tokNumber {
				return nil, p.syntax(n, "expected a list index")
			}
			idx, err := strconv.Atoi(n.text)
			if err != nil || idx > 1<<20 {
				return nil, fmt.Errorf("list index %s is out of range", n.text)
			}
			if err := p.expectOp("]"); err != nil {
				return nil, err
			}
			path = append(path, pathElem{Index: idx, IsIdx: true})
		}
		if !p.isOp(".") {
			return path, nil
		}
		p.next()
	}
}

func (p *exprParser) valueRef(t token) (*operand, error) {
	v, ok := p.values[t.text]
	if !ok {
		return nil, fmt.Errorf("An expression attribute value used in expression is not defined; attribute value: %s", t.text)
	}
	p.used.values[t.text] = true
	return &operand{kind: opndValue, value: v, ref: t.text}, nil
}

// parseOperand parses path, :value or size(path).
func (p *exprParser) parseOperand() (*operand, error) {
	t := p.peek()
	switch t.kind {
	case tokValueRef:
		p.next()
		return p.valueRef(t)
	case tokName:
		if p.toks[p.i+1].kind == tokOp && p.toks[p.i+1].text == "(" {
			if t.text != "size" {
				return nil, fmt.Errorf("Invalid function name; function: %s", t.text)
			}
			p.next()
			p.next()
			path, err := p.parsePath()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return &operand{kind: opndSize, path: path}, nil
		}
	}
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	return &operand{kind: opndPath, path: path}, nil
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > 100 {
		return fmt.Errorf("expression is nested too deeply")
	}
	return nil
}

func (p *exprParser) parseOr() (*cond, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.parseJoined("OR", p.parseAnd)
}

func (p *exprParser) parseAnd() (*cond, error) {
	return p.parseJoined("AND", p.parseNot)
}

// parseJoined parses operands that operand parses joined by the keyword
// op, grouping from the left.
func (p *exprParser) parseJoined(op string, operand func() (*cond, error)) (*cond, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.isKeyword(op) {
		p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &cond{op: op, kids: []*cond{l, r}}
	}
	return l, nil
}

func (p *exprParser) parseNot() (*cond, error) {
	if p.isKeyword("NOT") {
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		k, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &cond{op: "NOT", kids: []*cond{k}}, nil
	}
	return p.parsePrimary()
}

var condFuncs = sync.OnceValue(func() map[string]int {
	return map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2}
})

func (p *exprParser) parsePrimary() (*cond, error) {
	if p.isOp("(") {
		p.next()
		c, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	t := p.peek()
	if t.kind == tokName && p.toks[p.i+1].kind == tokOp && p.toks[p.i+1].text == "(" && t.text != "size" {
		n, ok := condFuncs()[t.text]
		if !ok {
			return nil, fmt.Errorf("Invalid function name; function: %s", t.text)
		}
		p.next()
		p.next()
		c := &cond{op: t.text}
		for i := 0; i < n; i++ {
			if i > 0 {
				if err := p.expectOp(","); err != nil {
					return nil, err
				}
			}
			a, err := p.parseOperand()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		if c.args[0].kind != opndPath {
			return nil, fmt.Errorf("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: %s, operand type: %s", t.text, operandType(c.args[0]))
		}
		if t.text == "attribute_type" && c.args[1].kind != opndValue {
			return nil, fmt.Errorf("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: %s", operandType(c.args[1]))
		}
		return c, nil
	}
	l, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	op := p.next()
	switch {
	case op.kind == tokOp && (op.text == "=" || op.text == "<>" || op.text == "<" || op.text == "<=" || op.text == ">" || op.text == ">="):
		r, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return &cond{op: op.text, args: []*operand{l, r}}, nil
	case op.kind == tokName && strings.EqualFold(op.text, "BETWEEN"):
		lo, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		if !p.isKeyword("AND") {
			return nil, p.syntax(p.peek(), "expected AND in BETWEEN")
		}
		p.next()
		hi, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return &cond{op: "BETWEEN", args: []*operand{l, lo, hi}}, nil
	case op.kind == tokName && strings.EqualFold(op.text, "IN"):
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		c := &cond{op: "IN", args: []*operand{l}}
		for {
			a, err := p.parseOperand()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			if p.isOp(")") {
				p.next()
				break
			}
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		if len(c.args) > 101 {
			return nil, fmt.Errorf("Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: %d", len(c.args)-1)
		}
		return c, nil
	}
	return nil, p.syntax(op, "expected a comparison")
}

func operandType(o *operand) string {
	switch o.kind {
	case opndValue:
		return o.value.kind
	case opndSize:
		return "N"
	}
	return "PATH"
}

func newExprParser(expr string, names map[string]string, values map[string]ddbValue, used *exprUse) (*exprParser, error) {
	toks, err := tokenize(expr)
	if err != nil {
		return nil, err
	}
	return &exprParser{toks: toks, names: names, values: values, used: used}, nil
}

// parseCondition parses a condition, key condition or filter expression.
// newNonEmptyParser is newExprParser for an expression that may not be
// blank; label begins the error for a blank one.
func newNonEmptyParser(label, expr string, names map[string]string, values map[string]ddbValue, used *exprUse) (*exprParser, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("%s: The expression can not be empty", label)
	}
	return newExprParser(expr, names, values, used)
}

func parseCondition(expr string, names map[string]string, values map[string]ddbValue, used *exprUse) (*cond, error) {
	p, err := newNonEmptyParser("Invalid expression", expr, names, values, used)
	if err != nil {
		return nil, err
	}
	c, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.syntax(t, "unexpected token after the expression")
	}
	return c, nil
}

// parseProjection parses a projection expression: paths separated by
// commas.
func parseProjection(expr string, names map[string]string, used *exprUse) ([]docPath, error) {
	p, err := newNonEmptyParser("Invalid ProjectionExpression", expr, names, nil, used)
	if err != nil {
		return nil, err
	}
	var out []docPath
	for {
		path, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		out = append(out, path)
		if p.peek().kind == tokEOF {
			return out, nil
		}
		if err := p.expectOp(","); err != nil {
			return nil, err
		}
	}
}

// updateAction is one action of an update expression.
type updateAction struct {
	clause string // SET, REMOVE, ADD, DELETE
	path   docPath
	value  *operand
}

// parseUpdate parses an update expression.
func parseUpdate(expr string, names map[string]string, values map[string]ddbValue, used *exprUse) ([]updateAction, error) {
	p, err := newNonEmptyParser("Invalid UpdateExpression", expr, names, values, used)
	if err != nil {
		return nil, err
	}
	var out []updateAction
	seen := map[string]bool{}
	for p.peek().kind != tokEOF {
		t := p.next()
		clause := strings.ToUpper(t.text)
		if t.kind != tokName || (clause != "SET" && clause != "REMOVE" && clause != "ADD" && clause != "DELETE") {
			return nil, p.syntax(t, "expected SET, REMOVE, ADD or DELETE")
		}
		if seen[clause] {
			return nil, fmt.Errorf("Invalid UpdateExpression: The \"%s\" section can only be used once in an update expression", clause)
		}
		seen[clause] = true
		for {
			path, err := p.parsePath()
			if err != nil {
				return nil, err
			}
			a := updateAction{clause: clause, path: path}
			switch clause {
			case "SET":
				if err := p.expectOp("="); err != nil {
					return nil, err
				}
				if a.value, err = p.parseSetValue(); err != nil {
					return nil, err
				}
			case "ADD", "DELETE":
				vt := p.next()
				if vt.kind != tokValueRef {
					return nil, p.syntax(vt, "expected an expression attribute value")
				}
				if a.value, err = p.valueRef(vt); err != nil {
					return nil, err
				}
				if len(path) != 1 && clause == "ADD" {
					return nil, fmt.Errorf("Invalid UpdateExpression: ADD supports top-level attributes only; path: %s", path)
				}
			}
			out = append(out, a)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
	}
	// Two actions may not touch overlapping paths.
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if pathsOverlap(out[i].path, out[j].path) {
				return nil, fmt.Errorf("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [%s], path two: [%s]", out[i].path, out[j].path)
			}
		}
	}
	return out, nil
}

func pathsOverlap(a, b docPath) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (p *exprParser) parseSetValue() (*operand, error) {
	l, err := p.parseSetTerm()
	if err != nil {
		return nil, err
	}
	if p.isOp("+") || p.isOp("-") {
		kind := opndPlus
		if p.next().text == "-" {
			kind = opndMinus
		}
		r, err := p.parseSetTerm()
		if err != nil {
			return nil, err
		}
		return &operand{kind: kind, args: []*operand{l, r}}, nil
	}
	return l, nil
}

func (p *exprParser) parseSetTerm() (*operand, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	if t.kind == tokName && p.toks[p.i+1].kind == tokOp && p.toks[p.i+1].text == "(" {
		p.next()
		p.next()
		switch t.text {
		case "if_not_exists":
			path, v, err := parseArgPair(p, p.parsePath, p.parseSetValue)
			if err != nil {
				return nil, err
			}
			return &operand{kind: opndIfNotExists, path: path, args: []*operand{v}}, nil
		case "list_append":
			a, b, err := parseArgPair(p, p.parseSetValue, p.parseSetValue)
			if err != nil {
				return nil, err
			}
			return &operand{kind: opndListAppend, args: []*operand{a, b}}, nil
		default:
			return nil, fmt.Errorf("Invalid UpdateExpression: Invalid function name; function: %s", t.text)
		}
	}
	if t.kind == tokValueRef {
		p.next()
		return p.valueRef(t)
	}
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	return &operand{kind: opndPath, path: path}, nil
}

// Evaluation.

// resolvePath returns the value at path in item.
func resolvePath(item ddbItem, path docPath) (ddbValue, bool) {
	if len(path) == 0 || path[0].IsIdx {
		return ddbValue{}, false
	}
	v, ok := item[path[0].Name]
	if !ok {
		return ddbValue{}, false
	}
	for _, e := range path[1:] {
		if e.IsIdx {
			if v.kind != "L" || e.Index >= len(v.l) {
				return ddbValue{}, false
			}
			v = v.l[e.Index]
			continue
		}
		if v.kind != "M" {
			return ddbValue{}, false
		}
		v, ok = v.m[e.Name]
		if !ok {
			return ddbValue{}, false
		}
	}
	return v, true
}

// evalOperand returns the value of o for item.
func evalOperand(item ddbItem, o *operand) (ddbValue, bool) {
	switch o.kind {
	case opndValue:
		return o.value, true
	case opndPath:
		return resolvePath(item, o.path)
	case opndSize:
		v, ok := resolvePath(item, o.path)
		if !ok {
			return ddbValue{}, false
		}
		n, ok := v.size()
		if !ok {
			return ddbValue{}, false
		}
		return numberValue(strconv.Itoa(n)), true
	}
	return ddbValue{}, false
}

// evalCond reports whether item (nil for none) satisfies c.
func evalCond(item ddbItem, c *cond) bool {
	switch c.op {
	case "AND":
		return evalCond(item, c.kids[0]) && evalCond(item, c.kids[1])
	case "OR":
		return evalCond(item, c.kids[0]) || evalCond(item, c.kids[1])
	case "NOT":
		return !evalCond(item, c.kids[0])
	case "attribute_exists":
		_, ok := resolvePath(item, c.args[0].path)
		return ok
	case "attribute_not_exists":
		_, ok := resolvePath(item, c.args[0].path)
		return !ok
	case "attribute_type":
		v, ok := resolvePath(item, c.args[0].path)
		t := c.args[1].value
		return ok && t.kind == "S" && v.kind == t.s
	case "begins_with":
		a, ok1 := evalOperand(item, c.args[0])
		b, ok2 := evalOperand(item, c.args[1])
		return ok1 && ok2 && a.kind == b.kind && (a.kind == "S" || a.kind == "B") && strings.HasPrefix(a.s, b.s)
	case "contains":
		a, ok1 := evalOperand(item, c.args[0])
		b, ok2 := evalOperand(item, c.args[1])
		if !ok1 || !ok2 {
			return false
		}
		return a.contains(b)
	case "BETWEEN":
		a, ok1 := evalOperand(item, c.args[0])
		lo, ok2 := evalOperand(item, c.args[1])
		hi, ok3 := evalOperand(item, c.args[2])
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		r1, ok1 := compareScalar(a, lo)
		r2, ok2 := compareScalar(a, hi)
		return ok1 && ok2 && r1 >= 0 && r2 <= 0
	case "IN":
		a, ok := evalOperand(item, c.args[0])
		if !ok {
			return false
		}
		for _, o := range c.args[1:] {
			if b, ok := evalOperand(item, o); ok && a.equal(b) {
				return true
			}
		}
		return false
	}
	a, ok1 := evalOperand(item, c.args[0])
	b, ok2 := evalOperand(item, c.args[1])
	if !ok1 || !ok2 {
		return false
	}
	switch c.op {
	case "=":
		return a.equal(b)
	case "<>":
		return !a.equal(b)
	}
	r, ok := compareScalar(a, b)
	if !ok {
		return false
	}
	switch c.op {
	case "<":
		return r < 0
	case "<=":
		return r <= 0
	case ">":
		return r > 0
	case ">=":
		return r >= 0
	}
	return false
}

// evalSetValue computes the value of a SET action's right-hand side.
func evalSetValue(item ddbItem, o *operand) (ddbValue, error) {
	switch o.kind {
	case opndIfNotExists:
		if v, ok := resolvePath(item, o.path); ok {
			return v, nil
		}
		return evalSetValue(item, o.args[0])
	case opndListAppend:
		a, err := evalSetValue(item, o.args[0])
		if err != nil {
			return ddbValue{}, err
		}
		b, err := evalSetValue(item, o.args[1])
		if err != nil {
			return ddbValue{}, err
		}
		if a.kind != "L" || b.kind != "L" {
			return ddbValue{}, fmt.Errorf("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: %s", nonList(a, b))
		}
		l := append(append([]ddbValue{}, a.l...), b.l...)
		return ddbValue{kind: "L", l: l}, nil
	case opndPlus, opndMinus:
		a, err := evalSetValue(item, o.args[0])
		if err != nil {
			return ddbValue{}, err
		}
		b, err := evalSetValue(item, o.args[1])
		if err != nil {
			return ddbValue{}, err
		}
		op := "+"
		if o.kind == opndMinus {
			op = "-"
		}
		if a.kind != "N" || b.kind != "N" {
			t := a.kind
			if t == "N" {
				t = b.kind
			}
			return ddbValue{}, fmt.Errorf("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: %s, operand type: %s", op, t)
		}
		return addNumbers(a.s, b.s, o.kind == opndMinus)
	case opndPath:
		v, ok := resolvePath(item, o.path)
		if !ok {
			return ddbValue{}, fmt.Errorf("The provided expression refers to an attribute that does not exist in the item")
		}
		return v, nil
	default:
		v, _ := evalOperand(item, o)
		return v, nil
	}
}

func nonList(a, b ddbValue) string {
	if a.kind != "L" {
		return a.kind
	}
	return b.kind
}

// setPath sets path in item to v. Intermediate maps and lists must exist.
func setPath(item ddbItem, path docPath, v ddbValue) error {
	if len(path) == 1 {
		item[path[0].Name] = v
		return nil
	}
	parent, ok := resolvePath(item, path[:len(path)-1])
	if !ok {
		return fmt.Errorf("The document path provided in the update expression is invalid for update")
	}
	last := path[len(path)-1]
	switch {
	case last.IsIdx && parent.kind == "L":
		if last.Index >= len(parent.l) {
			parent.l = append(parent.l, v)
		} else {
			parent.l[last.Index] = v
		}
	case !last.IsIdx && parent.kind == "M":
		parent.m[last.Name] = v
	default:
		return fmt.Errorf("The document path provided in the update expression is invalid for update")
	}
	return setPath(item, path[:len(path)-1], parent)
}

// removePath removes path from item; a missing path is not an error.
func removePath(item ddbItem, path docPath) {
	if len(path) == 1 {
		delete(item, path[0].Name)
		return
	}
	parent, ok := resolvePath(item, path[:len(path)-1])
	if !ok {
		return
	}
	last := path[len(path)-1]
	switch {
	case last.IsIdx && parent.kind == "L":
		if last.Index < len(parent.l) {
			parent.l = append(append([]ddbValue{}, parent.l[:last.Index]...), parent.l[last.Index+1:]...)
		}
	case !last.IsIdx && parent.kind == "M":
		delete(parent.m, last.Name)
	default:
		return
	}
	_ = setPath(item, path[:len(path)-1], parent)
}

// applyUpdate applies actions to a copy of item and returns it with the
// top-level attributes they touched.
func applyUpdate(item ddbItem, actions []updateAction) (ddbItem, []string, error) {
	out := item.clone()
	var touched []string
	for _, a := range actions {
		touched = append(touched, a.path[0].Name)
		switch a.clause {
		case "SET":
			v, err := evalSetValue(item, a.value)
			if err != nil {
				return nil, nil, err
			}
			if err := setPath(out, a.path, v); err != nil {
				return nil, nil, err
			}
		case "REMOVE":
			removePath(out, a.path)
		case "ADD":
			cur, ok := resolvePath(out, a.path)
			v := a.value.value
			switch {
			case v.kind == "N":
				if !ok {
					cur = numberValue("0")
				} else if cur.kind != "N" {
					return nil, nil, fmt.Errorf("An operand in the update expression has an incorrect data type")
				}
				sum, err := addNumbers(cur.s, v.s, false)
				if err != nil {
					return nil, nil, err
				}
				out[a.path[0].Name] = sum
			case v.isSet():
				if !ok {
					out[a.path[0].Name] = v.clone()
				} else if cur.kind != v.kind {
					return nil, nil, fmt.Errorf("An operand in the update expression has an incorrect data type")
				} else {
					out[a.path[0].Name] = cur.setUnion(v)
				}
			default:
				return nil, nil, fmt.Errorf("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: %s", v.kind)
			}
		case "DELETE":
			v := a.value.value
			if !v.isSet() {
				return nil, nil, fmt.Errorf("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: %s", v.kind)
			}
			cur, ok := resolvePath(out, a.path)
			if !ok {
				continue
			}
			if cur.kind != v.kind {
				return nil, nil, fmt.Errorf("An operand in the update expression has an incorrect data type")
			}
			rest := cur.setMinus(v)
			if len(rest.set) == 0 {
				removePath(out, a.path)
			} else if err := setPath(out, a.path, rest); err != nil {
				return nil, nil, err
			}
		}
	}
	return out, touched, nil
}

// parseArgPair parses the two arguments of a function after its opening
// parenthesis: first, a comma, second and the closing parenthesis.
func parseArgPair[A, B any](p *exprParser, first func() (A, error), second func() (B, error)) (A, B, error) {
	var b B
	a, err := first()
	if err != nil {
		return a, b, err
	}
	if err := p.expectOp(","); err != nil {
		return a, b, err
	}
	if b, err = second(); err != nil {
		return a, b, err
	}
	if err := p.expectOp(")"); err != nil {
		return a, b, err
	}
	return a, b, nil
}
