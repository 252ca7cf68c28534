package awssim

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"
)

// policyDoc is an IAM policy document. Only what the simulator evaluates is
// decoded: trust policies (who may assume a role) and explicit denies.
type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string                           `json:"Sid"`
	Effect    string                           `json:"Effect"`
	Principal *principalSpec                   `json:"Principal"`
	Action    stringList                       `json:"Action"`
	NotAction stringList                       `json:"NotAction"`
	Resource  stringList                       `json:"Resource"`
	Condition map[string]map[string]stringList `json:"Condition"`
}

// stringList is a JSON string or array of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("expected a string or a list of strings")
	}
	*l = many
	return nil
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

// actionMatches reports whether an IAM action pattern ("s3:Get*", "*")
// matches action, case-insensitively.
func actionMatches(pattern, action string) bool {
	ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return ok
}

func (s statement) coversAction(action string) bool {
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

// condContext holds the values of the condition keys the simulator knows.
type condContext struct {
	ExternalID     string
	PrincipalARN   string
	PrincipalAcct  string
	TokenIssueTime time.Time
	Now            time.Time
}

// conditionsHold evaluates a statement's conditions. Operators or keys the
// simulator does not know make the statement not apply (fail closed for
// Allow, open for Deny) and are reported.
func (s statement) conditionsHold(cc condContext) (bool, error) {
	for op, kv := range s.Condition {
		for key, want := range kv {
			got, known := conditionValue(strings.ToLower(key), cc)
			if !known {
				return false, fmt.Errorf("condition key %q is not simulated", key)
			}
			ok, err := evalCondition(op, got, want)
			if err != nil {
				return false, err
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, nil
}

func conditionValue(key string, cc condContext) (any, bool) {
	switch key {
	case "sts:externalid":
		return cc.ExternalID, true
	case "aws:principalarn":
		return cc.PrincipalARN, true
	case "aws:principalaccount":
		return cc.PrincipalAcct, true
	case "aws:tokenissuetime":
		return cc.TokenIssueTime, true
	case "aws:currenttime":
		return cc.Now, true
	}
	return nil, false
}

func evalCondition(op string, got any, want stringList) (bool, error) {
	switch op {
	case "StringEquals", "StringLike", "StringNotEquals", "StringNotLike":
		g, _ := got.(string)
		match := false
		for _, w := range want {
			if strings.HasSuffix(op, "Like") {
				if ok, _ := path.Match(w, g); ok {
					match = true
				}
			} else if w == g {
				match = true
			}
		}
		if strings.Contains(op, "Not") {
			return !match, nil
		}
		return match, nil
	case "DateLessThan", "DateGreaterThan", "DateLessThanEquals", "DateGreaterThanEquals":
		g, ok := got.(time.Time)
		if !ok || g.IsZero() {
			return false, nil
		}
		for _, w := range want {
			t, err := time.Parse(time.RFC3339, w)
			if err != nil {
				return false, fmt.Errorf("condition %s: %q is not an ISO 8601 date: %w", op, w, err)
			}
			switch op {
			case "DateLessThan":
				if g.Before(t) {
					return true, nil
				}
			case "DateGreaterThan":
				if g.After(t) {
					return true, nil
				}
			case "DateLessThanEquals":
				if !g.After(t) {
					return true, nil
				}
			case "DateGreaterThanEquals":
				if !g.Before(t) {
					return true, nil
				}
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("condition operator %q is not simulated", op)
}

// principalMatches reports whether a statement's Principal names p.
func (s statement) principalMatches(p Principal) bool {
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
		case p.Type == "AssumedRole" && strings.HasSuffix(id, ":role/"+p.RoleName) && strings.Contains(id, "::"+p.Account+":"):
			return true
		case p.Type == "AssumedRole" && roleARNMatches(id, p):
			return true
		case id == p.ARN:
			return true
		}
	}
	return false
}

// roleARNMatches matches a role ARN with a path ("role/path/Name") against
// an assumed-role principal.
func roleARNMatches(id string, p Principal) bool {
	if !strings.Contains(id, "::"+p.Account+":role/") {
		return false
	}
	return path.Base(id) == p.RoleName
}

// trustAllows evaluates a role's trust policy for an AssumeRole call by p
// with externalID.
func trustAllows(trust string, p Principal, externalID string, now time.Time) (bool, string) {
	doc, err := parsePolicy(trust)
	if err != nil {
		return false, "the role's trust policy is invalid: " + err.Error()
	}
	cc := condContext{ExternalID: externalID, PrincipalARN: p.ARN, PrincipalAcct: p.Account, TokenIssueTime: p.Issued, Now: now}
	if p.Type == "AssumedRole" {
		cc.PrincipalARN = "arn:" + arnPartition(p.ARN) + ":iam::" + p.Account + ":role/" + p.RoleName
	}
	allowed := false
	why := "no statement of the role's trust policy allows " + p.ARN + " to call sts:AssumeRole"
	for _, st := range doc.Statement {
		if !st.coversAction("sts:AssumeRole") || !st.principalMatches(p) {
			continue
		}
		ok, err := st.conditionsHold(cc)
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

// explicitDeny reports whether any of the policy documents explicitly
// denies action to p, and the statement's description.
func explicitDeny(docs []string, action string, p Principal, now time.Time) (bool, string) {
	cc := condContext{PrincipalARN: p.ARN, PrincipalAcct: p.Account, TokenIssueTime: p.Issued, Now: now}
	for _, d := range docs {
		doc, err := parsePolicy(d)
		if err != nil {
			continue
		}
		for _, st := range doc.Statement {
			if st.Effect != "Deny" || !st.coversAction(action) {
				continue
			}
			if ok, _ := st.conditionsHold(cc); ok {
				return true, st.Sid
			}
		}
	}
	return false, ""
}
