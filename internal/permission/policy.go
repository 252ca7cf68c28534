package permission

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Statement is one statement of an IAM policy document.
type Statement struct {
	Sid      string   `json:"Sid,omitempty"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// Policy is an IAM policy document.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// MaxManagedPolicySize is the largest managed policy document IAM accepts,
// in characters without white space.
const MaxManagedPolicySize = 6144

// Document returns the least-privilege policy allowing actions on every
// resource, one statement per service so it reads well and stays small.
// An empty list gives an error: IAM refuses a policy without statements.
func Document(actions []string) (Policy, error) {
	acts := Sorted(actions)
	if len(acts) == 0 {
		return Policy{}, fmt.Errorf("permission: no actions to allow")
	}
	p := Policy{Version: "2012-10-17"}
	for _, a := range acts {
		svc, _, ok := strings.Cut(a, ":")
		if !ok || svc == "" {
			return Policy{}, fmt.Errorf("permission: %q is not an IAM action (service:Action)", a)
		}
		sid := sidFor(svc)
		if n := len(p.Statement); n > 0 && p.Statement[n-1].Sid == sid {
			p.Statement[n-1].Action = append(p.Statement[n-1].Action, a)
			continue
		}
		p.Statement = append(p.Statement, Statement{Sid: sid, Effect: "Allow", Action: []string{a}, Resource: []string{"*"}})
	}
	return p, nil
}

// JSON returns the policy as compact JSON.
func (p Policy) JSON() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// Actions returns every action the policy allows, sorted.
func (p Policy) Actions() []string {
	var all []string
	for _, s := range p.Statement {
		if s.Effect == "Allow" {
			all = append(all, s.Action...)
		}
	}
	return Sorted(all)
}

// Without returns a copy of p that no longer allows action; a statement
// left with no action is dropped.
func (p Policy) Without(action string) Policy {
	out := Policy{Version: p.Version}
	for _, s := range p.Statement {
		s.Action = slices.DeleteFunc(slices.Clone(s.Action), func(a string) bool { return Normalize(a) == Normalize(action) })
		if len(s.Action) > 0 {
			out.Statement = append(out.Statement, s)
		}
	}
	return out
}

func sidFor(service string) string {
	var b strings.Builder
	up := true
	for _, r := range service {
		switch {
		case r == '-' || r == '_':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
