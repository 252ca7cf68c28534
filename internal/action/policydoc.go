package action

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

// Resource and role policy documents that actions add statements to:
// a trail bucket's policy, a key policy, a role's inline policy. Statements
// are added, never replaced wholesale: every other statement, and every
// other element of the document, is kept as it was.

// policyStatements returns the statements of a policy document as generic
// values, and its other top-level members in order.
func policyStatements(doc string) ([]map[string]any, []policyMember, error) {
	members, err := decodeObject([]byte(doc))
	if err != nil {
		return nil, nil, err
	}
	var stmts []map[string]any
	for _, m := range members {
		if m.Key != "Statement" {
			continue
		}
		raw := bytes.TrimSpace(m.Value)
		if len(raw) > 0 && raw[0] == '{' {
			var one map[string]any
			if err := json.Unmarshal(raw, &one); err != nil {
				return nil, nil, fmt.Errorf("Statement: %w", err)
			}
			stmts = []map[string]any{one}
		} else if err := json.Unmarshal(raw, &stmts); err != nil {
			return nil, nil, fmt.Errorf("Statement: want an object or a list of objects: %w", err)
		}
	}
	return stmts, members, nil
}

// addStatements adds statements to a policy document: a statement whose
// Sid the document already has, with the same content, is left as it is;
// one with the same Sid and other content is updated (rectify's
// statements have Sids of their own); the others are appended. An empty
// doc becomes a new document. It returns the document and the Sids it
// added or updated (none when it is unchanged).
func addStatements(doc string, add []map[string]any) (string, []string, error) {
	if strings.TrimSpace(doc) == "" {
		b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": add})
		if err != nil {
			return "", nil, err
		}
		var sids []string
		for _, s := range add {
			sid, _ := s["Sid"].(string)
			sids = append(sids, sid)
		}
		return string(b), sids, nil
	}
	stmts, members, err := policyStatements(doc)
	if err != nil {
		return "", nil, err
	}
	var changed []string
	for _, s := range add {
		sid, _ := s["Sid"].(string)
		found := false
		for i, have := range stmts {
			if hs, _ := have["Sid"].(string); sid != "" && hs == sid {
				found = true
				if !sameJSON(have, s) {
					stmts[i] = s
					changed = append(changed, sid)
				}
			}
		}
		if !found {
			stmts = append(stmts, s)
			changed = append(changed, sid)
		}
	}
	if len(changed) == 0 {
		return doc, nil, nil
	}
	list, err := json.Marshal(stmts)
	if err != nil {
		return "", nil, err
	}
	var b bytes.Buffer
	b.WriteByte('{')
	wrote := false
	for _, m := range members {
		if wrote {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		if m.Key == "Statement" {
			b.Write(list)
		} else {
			b.Write(m.Value)
		}
		wrote = true
	}
	b.WriteByte('}')
	return b.String(), changed, nil
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}

// stringsOf returns a policy element that is a string or a list of
// strings as a list.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// wildcard reports whether s matches pattern, in which * is any run of
// characters and ? any one; fold compares without case.
func wildcard(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if wildcard(pattern[1:], s[i:], false) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || pattern[0] != s[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}

// grantsService reports whether a resource policy lets the AWS service
// principal service perform action on resource: an Allow statement that
// names the service (or everyone) and covers both, and no unconditional
// Deny that does. Conditions of Allow statements are taken to hold for
// the service's own requests.
func grantsService(doc, service, action, resource string) bool {
	if strings.TrimSpace(doc) == "" {
		return false
	}
	stmts, _, err := policyStatements(doc)
	if err != nil {
		return false
	}
	allowed := false
	for _, s := range stmts {
		if !namesService(s["Principal"], service) || !coversAny(s["Action"], action, true) || !coversAny(s["Resource"], resource, false) {
			continue
		}
		switch s["Effect"] {
		case "Deny":
			if s["Condition"] == nil {
				return false
			}
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

func namesService(principal any, service string) bool {
	if p, ok := principal.(string); ok {
		return p == "*"
	}
	m, _ := principal.(map[string]any)
	for _, id := range stringsOf(m["Service"]) {
		if strings.EqualFold(id, service) {
			return true
		}
	}
	for _, id := range stringsOf(m["AWS"]) {
		if id == "*" {
			return true
		}
	}
	return false
}

func coversAny(patterns any, s string, fold bool) bool {
	for _, p := range stringsOf(patterns) {
		if wildcard(p, s, fold) {
			return true
		}
	}
	return false
}

// decodePolicyDocument returns an IAM policy document as IAM's API returns
// it, URL-encoded, as JSON.
func decodePolicyDocument(doc string) (string, error) {
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return doc, nil
	}
	d, err := url.QueryUnescape(doc)
	if err != nil {
		return "", fmt.Errorf("policy document is neither JSON nor URL-encoded JSON: %w", err)
	}
	return d, nil
}
