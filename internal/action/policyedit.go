package action

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Adding statements to resource policies (bucket, topic and key
// policies) while keeping everything else in them.

// withStatements returns doc (a policy document, or "" for none) with each
// statement of add that no statement of doc covers appended, and the Sids
// of those appended. Every other element and statement of doc is kept as
// it was, in order. An appended statement whose Sid doc already uses gets
// a numbered Sid.
func withStatements(doc string, add []map[string]any) (string, []string, error) {
	var members []policyMember
	if strings.TrimSpace(doc) == "" {
		members = []policyMember{{Key: "Version", Value: json.RawMessage(`"2012-10-17"`)}, {Key: "Statement", Value: json.RawMessage(`[]`)}}
	} else {
		var err error
		if members, err = decodeObject([]byte(doc)); err != nil {
			return "", nil, err
		}
	}
	idx := -1
	for i, m := range members {
		if m.Key == "Statement" {
			idx = i
		}
	}
	if idx < 0 {
		members = append(members, policyMember{Key: "Statement", Value: json.RawMessage(`[]`)})
		idx = len(members) - 1
	}
	var stmts []json.RawMessage
	raw := bytes.TrimSpace(members[idx].Value)
	if len(raw) > 0 && raw[0] == '{' {
		stmts = []json.RawMessage{raw}
	} else if err := json.Unmarshal(raw, &stmts); err != nil {
		return "", nil, fmt.Errorf("Statement: want an object or a list of objects: %w", err)
	}
	var existing []map[string]any
	sids := map[string]bool{}
	for i, s := range stmts {
		var m map[string]any
		if err := json.Unmarshal(s, &m); err != nil {
			return "", nil, fmt.Errorf("Statement[%d]: %w", i, err)
		}
		existing = append(existing, m)
		if sid, _ := m["Sid"].(string); sid != "" {
			sids[sid] = true
		}
	}
	var added []string
	for _, st := range add {
		if slices.ContainsFunc(existing, func(e map[string]any) bool { return statementCovers(e, st) }) {
			continue
		}
		st = cloneStatement(st)
		sid, _ := st["Sid"].(string)
		for n := 2; sid != "" && sids[sid]; n++ {
			base, _ := st["Sid"].(string)
			sid = base + strconv.Itoa(n)
		}
		if sid != "" {
			st["Sid"] = sid
			sids[sid] = true
		}
		b, err := json.Marshal(st)
		if err != nil {
			return "", nil, err
		}
		stmts = append(stmts, b)
		existing = append(existing, st)
		added = append(added, sid)
	}
	if len(added) == 0 {
		return doc, nil, nil
	}
	list, err := json.Marshal(stmts)
	if err != nil {
		return "", nil, err
	}
	members[idx].Value = list
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.Value)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Compact(&out, b.Bytes()); err != nil {
		return "", nil, fmt.Errorf("rebuilding the policy: %w", err)
	}
	return out.String(), added, nil
}

func cloneStatement(st map[string]any) map[string]any {
	b, _ := json.Marshal(st)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// statementCovers reports whether the existing statement e already does
// what st does: the same effect, for at least st's principals, on at
// least st's actions and resources (by IAM wildcard matching), under
// conditions that are among st's (fewer conditions make a statement apply
// more widely).
func statementCovers(e, st map[string]any) bool {
	if !strings.EqualFold(fmt.Sprint(e["Effect"]), fmt.Sprint(st["Effect"])) || e["NotPrincipal"] != nil || e["NotAction"] != nil || e["NotResource"] != nil {
		return false
	}
	if !principalsCover(e["Principal"], st["Principal"]) ||
		!patternsCover(jsonStrings(e["Action"]), jsonStrings(st["Action"])) ||
		!patternsCover(jsonStrings(e["Resource"]), jsonStrings(st["Resource"])) {
		return false
	}
	have, want := conditionSet(e["Condition"]), conditionSet(st["Condition"])
	for k, vals := range have {
		if !slices.Equal(vals, want[k]) {
			return false
		}
	}
	return true
}

// patternsCover reports whether every value of want is matched by one of
// the patterns (IAM wildcards, case-insensitive).
func patternsCover(patterns, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(patterns, func(p string) bool { return iamMatch(p, w) }) {
			return false
		}
	}
	return len(want) > 0 || len(patterns) == 0
}

// iamMatch reports whether s matches the IAM pattern p, in which * stands
// for any run of characters and ? for one, ignoring case.
func iamMatch(p, s string) bool {
	p, s = strings.ToLower(p), strings.ToLower(s)
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// principalsCover reports whether the principal element have names at
// least the principals of want.
func principalsCover(have, want any) bool {
	h, w := principalSet(have), principalSet(want)
	if h["*"] != nil {
		return true
	}
	if w["*"] != nil {
		return false
	}
	for typ, ids := range w {
		for _, id := range ids {
			if !slices.Contains(h[typ], id) {
				return false
			}
		}
	}
	return true
}

// principalSet reads a Principal element as principal type to IDs; "*"
// and {"AWS": "*"} read as {"*": nil} with the key "*".
func principalSet(v any) map[string][]string {
	out := map[string][]string{}
	switch p := v.(type) {
	case string:
		if p == "*" {
			out["*"] = []string{}
		}
	case map[string]any:
		for typ, ids := range p {
			for _, id := range jsonStrings(ids) {
				if typ == "AWS" && id == "*" {
					out["*"] = []string{}
				}
				out[typ] = append(out[typ], id)
			}
		}
	}
	return out
}

// conditionSet reads a Condition element as "operator|key" (lower case)
// to its sorted values (booleans and numbers as their JSON spelling).
func conditionSet(v any) map[string][]string {
	out := map[string][]string{}
	ops, _ := v.(map[string]any)
	for op, kv := range ops {
		keys, _ := kv.(map[string]any)
		for k, vals := range keys {
			list := jsonStrings(vals)
			for i := range list {
				list[i] = strings.ToLower(list[i])
			}
			slices.Sort(list)
			out[strings.ToLower(op)+"|"+strings.ToLower(k)] = list
		}
	}
	return out
}

// jsonStrings reads a string, number or bool, or a list of them, decoded
// from JSON, as strings.
func jsonStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, jsonStrings(e)...)
		}
		return out
	default:
		return []string{fmt.Sprint(x)}
	}
}
