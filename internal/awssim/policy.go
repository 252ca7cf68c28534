package awssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// policyDoc is an IAM policy document: an identity policy, a role's trust
// policy or a resource policy.
type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal *principalSpec `json:"Principal"`
	// NotPrincipal is kept for resource policies; identity policies and
	// trust policies refuse it.
	NotPrincipal *principalSpec                   `json:"NotPrincipal"`
	Action       stringList                       `json:"Action"`
	NotAction    stringList                       `json:"NotAction"`
	Resource     stringList                       `json:"Resource"`
	NotResource  stringList                       `json:"NotResource"`
	Condition    map[string]map[string]stringList `json:"Condition"`
}

// stringList is a JSON string or array of strings. Booleans and numbers,
// which condition values may be, are kept in their JSON spelling.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var many []json.RawMessage
		if err := json.Unmarshal(b, &many); err != nil {
			return fmt.Errorf("expected a string or a list of strings")
		}
		out := make(stringList, 0, len(many))
		for _, m := range many {
			s, err := scalarString(m)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		*l = out
		return nil
	}
	s, err := scalarString(b)
	if err != nil {
		return err
	}
	*l = stringList{s}
	return nil
}

// scalarString returns a JSON string's value, or the spelling of a JSON
// boolean or number.
func scalarString(b []byte) (string, error) {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return s, nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err == nil {
		switch v.(type) {
		case bool, float64:
			return string(bytes.TrimSpace(b)), nil
		}
	}
	return "", fmt.Errorf("expected a string or a list of strings")
}

// principalSpec is "*" or a map of principal type to identifiers.
type principalSpec struct {
	Any bool
	IDs map[string]stringList
}

func (p *principalSpec) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		if one != "*" {
			return fmt.Errorf("principal %q must be \"*\" or an object", one)
		}
		p.Any = true
		return nil
	}
	return json.Unmarshal(b, &p.IDs)
}

// parsePolicy decodes a policy document, accepting a single statement
// object as well as a list.
func parsePolicy(doc string) (*policyDoc, error) {
	var raw struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, fmt.Errorf("policy is not valid JSON: %w", err)
	}
	p := &policyDoc{Version: raw.Version}
	st := strings.TrimSpace(string(raw.Statement))
	switch {
	case st == "":
		return nil, fmt.Errorf("policy has no Statement")
	case st[0] == '{':
		var one statement
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, fmt.Errorf("policy statement: %w", err)
		}
		p.Statement = []statement{one}
	default:
		if err := json.Unmarshal(raw.Statement, &p.Statement); err != nil {
			return nil, fmt.Errorf("policy statements: %w", err)
		}
	}
	for i, s := range p.Statement {
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return nil, fmt.Errorf("statement %d: Effect %q must be Allow or Deny", i, s.Effect)
		}
	}
	return p, nil
}

// checkIdentityPolicy reports what makes doc unacceptable as an identity
// policy (inline or managed), as IAM refuses it: a statement without
// actions or resources, with both Action and NotAction (or Resource and
// NotResource), or with a Principal.
func checkIdentityPolicy(doc *policyDoc) error {
	for i, s := range doc.Statement {
		switch {
		case s.Principal != nil:
			return fmt.Errorf("Policy document should not specify a principal (statement %d).", i)
		case len(s.Action) > 0 && len(s.NotAction) > 0:
			return fmt.Errorf("Statement %d has both Action and NotAction.", i)
		case len(s.Action) == 0 && len(s.NotAction) == 0:
			return fmt.Errorf("Policy statement must contain actions (statement %d).", i)
		case len(s.Resource) > 0 && len(s.NotResource) > 0:
			return fmt.Errorf("Statement %d has both Resource and NotResource.", i)
		case len(s.Resource) == 0 && len(s.NotResource) == 0:
			return fmt.Errorf("Policy statement must contain resources (statement %d).", i)
		}
	}
	return nil
}

// wildcardMatch reports whether s matches pattern, in which * stands for
// any run of characters (colons and slashes included) and ? for exactly
// one; every other character matches itself, ignoring ASCII case when fold
// is set. This is how IAM matches actions, resources and the Like
// condition operators.
func wildcardMatch(pattern, s string, fold bool) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch c := pattern[p]; {
			case c == '*':
				star, mark = p, i
				p++
				continue
			case c == '?' || c == s[i] || fold && lowerASCII(c) == lowerASCII(s[i]):
				p++
				i++
				continue
			}
		}
		if star < 0 {
			return false
		}
		p = star + 1
		mark++
		i = mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// actionMatches reports whether an IAM action pattern ("s3:Get*", "*")
// matches action, case-insensitively.
func actionMatches(pattern, action string) bool {
	return wildcardMatch(pattern, action, true)
}

func (s *statement) coversAction(action string) bool {
	if len(s.NotAction) > 0 {
		for _, a := range s.NotAction {
			if actionMatches(a, action) {
				return false
			}
		}
		return true
	}
	for _, a := range s.Action {
		if actionMatches(a, action) {
			return true
		}
	}
	return false
}

// Resources of a request, as evaluated against Resource and NotResource.
const (
	// anyResource is the resource of an action that names none: only
	// statements whose Resource is "*" cover it.
	anyResource = "*"
	// unnamedResource stands for a resource the simulator cannot name.
	// Statements are judged so that the answer is never more permissive
	// than AWS's: an Allow covers it only with Resource "*", a Deny
	// whenever it names any resource at all.
	unnamedResource = ""
)

// coversResource reports whether the statement's Resource or NotResource
// covers resource: an ARN, anyResource or unnamedResource.
func (s *statement) coversResource(resource string) bool {
	if len(s.NotResource) > 0 {
		if resource == unnamedResource {
			return s.Effect == "Deny"
		}
		for _, r := range s.NotResource {
			if wildcardMatch(r, resource, false) {
				return false
			}
		}
		return true
	}
	if len(s.Resource) == 0 {
		// Trust policies have no Resource: the role is the resource.
		return true
	}
	for _, r := range s.Resource {
		switch {
		case r == "*":
			return true
		case resource == unnamedResource:
			if s.Effect == "Deny" {
				return true
			}
		case wildcardMatch(r, resource, false):
			return true
		}
	}
	return false
}

// condContext holds the values of the condition keys the simulator knows.
type condContext struct {
	ExternalID      string
	PrincipalARN    string
	PrincipalAcct   string
	PrincipalType   string // aws:PrincipalType: Account, User or AssumedRole
	Username        string // aws:username, IAM users only
	UserID          string // aws:userid
	RequestedRegion string
	TokenIssueTime  time.Time
	Now             time.Time
	// Extra holds service-specific keys, lower-cased (ec2:createaction).
	Extra map[string]string
}

// newCondContext returns the condition context of a request made by p at
// now in region.
func newCondContext(p Principal, region string, now time.Time) condContext {
	cc := condContext{PrincipalARN: p.ARN, PrincipalAcct: p.Account, UserID: p.PrincipalID,
		RequestedRegion: region, TokenIssueTime: p.Issued, Now: now}
	switch p.Type {
	case "Root":
		cc.PrincipalType = "Account"
	case "IAMUser":
		cc.PrincipalType, cc.Username = "User", p.UserName
	case "AssumedRole":
		cc.PrincipalType = "AssumedRole"
		cc.PrincipalARN = "arn:" + arnPartition(p.ARN) + ":iam::" + p.Account + ":role/" + p.RoleName
	}
	return cc
}

// conditionsHold evaluates a statement's conditions. Operators or keys the
// simulator does not know make the statement not apply (fail closed for
// Allow, open for Deny) and are reported.
func (s *statement) conditionsHold(cc *condContext) (bool, error) {
	for op, kv := range s.Condition {
		for key, want := range kv {
			ok, err := evalCondition(op, key, want, cc)
			if err != nil || !ok {
				return false, err
			}
		}
	}
	return true, nil
}

// conditionValue returns the value of a condition key (lower-cased) in the
// request: a string or a time.Time, whether the request has it, and
// whether the simulator knows the key at all.
func conditionValue(key string, cc *condContext) (v any, present, known bool) {
	str := func(s string) (any, bool, bool) { return s, s != "", true }
	switch key {
	case "sts:externalid":
		return str(cc.ExternalID)
	case "aws:principalarn":
		return str(cc.PrincipalARN)
	case "aws:principalaccount":
		return str(cc.PrincipalAcct)
	case "aws:principaltype":
		return str(cc.PrincipalType)
	case "aws:username":
		return str(cc.Username)
	case "aws:userid":
		return str(cc.UserID)
	case "aws:requestedregion":
		return str(cc.RequestedRegion)
	case "aws:tokenissuetime":
		return cc.TokenIssueTime, !cc.TokenIssueTime.IsZero(), true
	case "aws:currenttime":
		return cc.Now, true, true
	case "aws:epochtime":
		return str(strconv.FormatInt(cc.Now.Unix(), 10))
	}
	if v, ok := cc.Extra[key]; ok {
		return str(v)
	}
	return nil, false, false
}

// evalCondition evaluates one condition operator (with its optional
// ForAnyValue:/ForAllValues: prefix and IfExists suffix) on one key. Every
// key the simulator knows is single-valued, so the set operators reduce to
// the plain operator on a present key.
func evalCondition(op, key string, want stringList, cc *condContext) (bool, error) {
	base := op
	set := ""
	if q, rest, ok := strings.Cut(base, ":"); ok {
		if q != "ForAnyValue" && q != "ForAllValues" {
			return false, fmt.Errorf("condition operator %q is not simulated", op)
		}
		set, base = q, rest
	}
	ifExists := false
	if b, ok := strings.CutSuffix(base, "IfExists"); ok && b != "" {
		base, ifExists = b, true
	}
	got, present, known := conditionValue(strings.ToLower(key), cc)
	if !known {
		return false, fmt.Errorf("condition key %q is not simulated", key)
	}
	if base == "Null" {
		if len(want) != 1 || (want[0] != "true" && want[0] != "false") {
			return false, fmt.Errorf("condition Null on %s: value must be true or false", key)
		}
		return (want[0] == "true") == !present, nil
	}
	negated := strings.Contains(base, "Not")
	if !present {
		switch {
		case ifExists || set == "ForAllValues":
			return true, nil
		case set == "ForAnyValue":
			return false, nil
		}
		// A negated operator holds when the key is absent.
		if _, ok := condOperator(base); !ok {
			return false, fmt.Errorf("condition operator %q is not simulated", op)
		}
		return negated, nil
	}
	match, ok := condOperator(base)
	if !ok {
		return false, fmt.Errorf("condition operator %q is not simulated", op)
	}
	matched := false
	for _, w := range want {
		m, err := match(got, w)
		if err != nil {
			return false, fmt.Errorf("condition %s on %s: %w", op, key, err)
		}
		if m {
			matched = true
			break
		}
	}
	if negated {
		return !matched, nil
	}
	return matched, nil
}

// condOperator returns the test of one request value against one policy
// value for a simulated condition operator. A negated operator ("Not" in
// its name) holds when its test fails for every value.
func condOperator(name string) (func(got any, want string) (bool, error), bool) {
	like := func(g, w string) bool { return wildcardMatch(w, g, false) }
	switch name {
	case "StringEquals", "StringNotEquals":
		return stringTest(func(g, w string) bool { return g == w }), true
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return stringTest(strings.EqualFold), true
	case "StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		return stringTest(like), true
	case "DateEquals", "DateNotEquals":
		return dateTest(time.Time.Equal), true
	case "DateLessThan":
		return dateTest(time.Time.Before), true
	case "DateLessThanEquals":
		return dateTest(func(g, w time.Time) bool { return !g.After(w) }), true
	case "DateGreaterThan":
		return dateTest(time.Time.After), true
	case "DateGreaterThanEquals":
		return dateTest(func(g, w time.Time) bool { return !g.Before(w) }), true
	}
	return nil, false
}

func stringTest(f func(got, want string) bool) func(any, string) (bool, error) {
	return func(got any, want string) (bool, error) {
		g, ok := got.(string)
		if !ok {
			return false, fmt.Errorf("the key is not a string")
		}
		return f(g, want), nil
	}
}

func dateTest(f func(got, want time.Time) bool) func(any, string) (bool, error) {
	return func(got any, want string) (bool, error) {
		g, ok := got.(time.Time)
		if !ok {
			return false, fmt.Errorf("the key is not a date")
		}
		t, err := time.Parse(time.RFC3339, want)
		if err != nil {
			return false, fmt.Errorf("%q is not an ISO 8601 date: %w", want, err)
		}
		return f(g, t), nil
	}
}

// principalMatches reports whether a statement's Principal names p.
func (s *statement) principalMatches(p Principal) bool {
	if s.Principal == nil {
		return false
	}
	if s.Principal.Any {
		return true
	}
	for _, id := range s.Principal.IDs["AWS"] {
		switch {
		case id == "*":
			return true
		case id == p.Account, id == "arn:"+arnPartition(p.ARN)+":iam::"+p.Account+":root":
			return true
		case p.Type == "AssumedRole" && roleARNMatches(id, p):
			return true
		case id == p.ARN:
			return true
		}
	}
	return false
}

// principalNamed reports whether a statement's Principal names p itself
// (its user ARN, its role's ARN or its session's ARN) rather than its
// whole account or everyone.
func (s *statement) principalNamed(p Principal) bool {
	if s.Principal == nil {
		return false
	}
	for _, id := range s.Principal.IDs["AWS"] {
		if id == p.ARN || p.Type == "AssumedRole" && roleARNMatches(id, p) {
			return true
		}
	}
	return false
}

// roleARNMatches matches a role ARN, with or without a path
// ("role/path/Name"), against an assumed-role principal.
func roleARNMatches(id string, p Principal) bool {
	rest, ok := strings.CutPrefix(id, "arn:"+arnPartition(p.ARN)+":iam::"+p.Account+":role/")
	if !ok {
		return false
	}
	return rest == p.RoleName || strings.HasSuffix(rest, "/"+p.RoleName)
}

// trustAllows evaluates a role's trust policy for an AssumeRole call by p
// with externalID.
func trustAllows(trust string, p Principal, externalID string, now time.Time) (bool, string) {
	doc, err := parsePolicy(trust)
	if err != nil {
		return false, "the role's trust policy is invalid: " + err.Error()
	}
	cc := newCondContext(p, "", now)
	cc.ExternalID = externalID
	allowed := false
	why := "no statement of the role's trust policy allows " + p.ARN + " to call sts:AssumeRole"
	for i := range doc.Statement {
		st := &doc.Statement[i]
		if !st.coversAction("sts:AssumeRole") || !st.principalMatches(p) {
			continue
		}
		ok, err := st.conditionsHold(&cc)
		if err != nil {
			why = err.Error()
		}
		if !ok {
			if st.Effect == "Allow" && err == nil {
				why = "the trust policy's conditions do not hold (sts:ExternalId or another key)"
			}
			continue
		}
		if st.Effect == "Deny" {
			return false, "the role's trust policy explicitly denies " + p.ARN
		}
		allowed = true
	}
	return allowed, why
}

// decision is the outcome of evaluating identity policies for one action
// on one resource.
type decision int

const (
	implicitDeny decision = iota // no statement allows
	allowed
	explicitDeny
)

// evaluate decides action on resource under docs, as IAM does for
// identity-based policies: an explicit Deny wins, otherwise an Allow is
// needed. It also returns the first conditions error met (an unknown key
// or operator), which made its statement not apply.
func evaluate(docs []*policyDoc, action, resource string, cc *condContext) (decision, error) {
	out := implicitDeny
	var condErr error
	for _, doc := range docs {
		for i := range doc.Statement {
			st := &doc.Statement[i]
			if !st.coversAction(action) || !st.coversResource(resource) {
				continue
			}
			ok, err := st.conditionsHold(cc)
			if err != nil && condErr == nil {
				condErr = err
			}
			if !ok {
				continue
			}
			if st.Effect == "Deny" {
				return explicitDeny, condErr
			}
			out = allowed
		}
	}
	return out, condErr
}
