// Package action defines rectify's remediation actions and the registry
// that holds them.
//
// An action is a named, idempotent unit of work such as
// "iam.delete-access-key". Its [Spec] declares the parameters it accepts
// (checked when a playbook is loaded, long before the action runs), the AWS
// operations it reads and those it writes, which are also the IAM
// permissions it needs, a dry-run description, the Run function itself and
// Verify, which re-reads what Run changed. Run must be repeat-safe: a
// resource that is already fixed is reported as [AlreadyDone] and one that
// does not exist as [NotFound], not as an error, so a redelivered event or a
// resumed run does no harm.
//
// The declarations are enforced, not trusted: the engine gives Run and
// Verify an aws.Config gated by package permission, which refuses any call
// the action did not declare, and every write while writes are not allowed
// (dry runs, plans, runs awaiting approval, and Verify itself).
//
// A [Registry] maps action names to specs. It is constructed, never global:
// each AWS service's actions are registered by the code that wires rectify
// together, and the least-privilege IAM policy for a deployment is derived
// from [Registry.Permissions] of the actions its playbooks use.
package action

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/event"
)

// Spec describes one action.
type Spec struct {
	// Name is the action's unique name, a service prefix and a verb phrase
	// in lower case separated by a dot: "iam.delete-access-key".
	Name string

	// Description says in one sentence what the action does.
	Description string

	// Params declares every parameter the action accepts.
	Params []Param

	// Reads lists the AWS operations the action (Run and Verify) calls that
	// change nothing, in IAM notation ("iam:ListAccessKeys"). Each is also
	// an IAM permission the action needs.
	Reads []string

	// Writes lists the AWS operations Run calls that change something
	// ("iam:UpdateAccessKey"). They are refused whenever the run may not
	// change anything.
	Writes []string

	// ExtraPermissions lists IAM permissions the action needs beyond Reads
	// and Writes, which no call of its own names: "iam:PassRole", or
	// "ec2:CreateTags" for a resource created with tags.
	ExtraPermissions []string

	// Home, if set, reports whether the action, given its parameters,
	// works in rectify's own account (through Input.Home) rather than in
	// the target's; its permissions are then needed there.
	Home func(params map[string]any) bool

	// Describe returns what Run would do with the given input, for dry runs
	// and plans. It must not call AWS. If nil, a description is derived
	// from the name and parameters.
	Describe func(in Input) string

	// Run performs the action. It must be idempotent.
	Run func(ctx context.Context, in Input) (Result, error)

	// Verify re-reads what Run changed and checks that the change held,
	// returning nil when it did and a *VerifyError saying what it found
	// when it did not. It is called after Run reported Changed, with Run's
	// Result, and may only read. It is required when Writes is not empty.
	Verify func(ctx context.Context, in Input, res Result) error
}

// Permissions returns every IAM permission the action needs: its reads,
// writes and extra permissions.
func (s *Spec) Permissions() []string {
	return sortedUnique(append(append(append([]string(nil), s.Reads...), s.Writes...), s.ExtraPermissions...))
}

// InHome reports whether the action, given params, works in rectify's own
// account.
func (s *Spec) InHome(params map[string]any) bool { return s.Home != nil && s.Home(params) }

// Target identifies the resource an action works on, as the event
// package derives it from an event.
type Target = event.Target

// Input is what an action runs with.
type Input struct {
	// Params holds the step's parameters, already rendered, coerced to
	// their declared types and completed with defaults by [Spec.Check].
	Params map[string]any

	// AWS is the SDK configuration for the target's account and region.
	AWS aws.Config

	// Home returns the SDK configuration for rectify's own account in the
	// target's region, for actions that work there rather than in the
	// target's account (such as updating a finding in the organization's
	// Security Hub administrator account). It is nil when the run has no
	// such configuration.
	Home func(ctx context.Context) (aws.Config, error)

	// Target is the resource the run is about.
	Target Target

	// RunID identifies the run; it is part of the session name of the
	// assumed role and appears in audit entries.
	RunID string

	// Now is the run's clock; actions use it instead of time.Now.
	Now time.Time

	// DryRun reports that nothing may be changed. The AWS configuration
	// refuses writes then in any case.
	DryRun bool

	// Outputs holds the outputs of the run's earlier steps by step id.
	Outputs map[string]map[string]any

	// Saved holds what an earlier, interrupted attempt of this step saved
	// with Checkpoint, or nil.
	Saved map[string]any

	// Checkpoint durably records state an action must not lose if it is
	// interrupted after it starts changing things (such as the security
	// groups an instance had before quarantine), before it changes them.
	// A later attempt of the same step finds it in Saved. It is nil where
	// nothing can be saved (plans).
	Checkpoint func(ctx context.Context, state map[string]any) error
}

// String returns the string parameter name, or "" if it is absent.
func (in Input) String(name string) string {
	s, _ := in.Params[name].(string)
	return s
}

// Int returns the integer parameter name, or 0 if it is absent.
func (in Input) Int(name string) int {
	n, _ := in.Params[name].(int)
	return n
}

// Bool returns the boolean parameter name, or false if it is absent.
func (in Input) Bool(name string) bool {
	b, _ := in.Params[name].(bool)
	return b
}

// Duration returns the duration parameter name, or 0 if it is absent.
func (in Input) Duration(name string) time.Duration {
	d, _ := in.Params[name].(time.Duration)
	return d
}

// StringList returns the string list parameter name, or nil if it is absent.
func (in Input) StringList(name string) []string {
	l, _ := in.Params[name].([]string)
	return l
}

// Ports returns the port list parameter name, or nil if it is absent.
func (in Input) Ports(name string) []PortRange {
	l, _ := in.Params[name].([]PortRange)
	return l
}

// Map returns the map parameter name, or nil if it is absent.
func (in Input) Map(name string) map[string]any {
	m, _ := in.Params[name].(map[string]any)
	return m
}

// Outcome is how an action ended.
type Outcome int

// The outcomes of an action.
const (
	// Changed means the action changed the resource.
	Changed Outcome = iota + 1
	// AlreadyDone means the resource was already in the desired state,
	// or already gone.
	AlreadyDone
	// Pending means the action cannot finish yet; the engine calls Run
	// again after Result.RecheckAfter without holding a goroutine.
	Pending
	// NoOp means the action had nothing to do, such as a read-only
	// action or a condition that did not apply.
	NoOp
	// NotFound means the resource the action works on does not exist.
	// It is not the same as AlreadyDone: a key that never existed was not
	// fixed by anyone, and the playbook says what that means.
	NotFound
)

var outcomeNames = [...]string{Changed: "changed", AlreadyDone: "already-done", Pending: "pending", NoOp: "no-op", NotFound: "not-found"}

// String returns the outcome's name: "changed", "already-done", "pending",
// "no-op" or "not-found".
func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// ParseOutcome returns the outcome named s, as returned by [Outcome.String].
func ParseOutcome(s string) (Outcome, error) {
	for o, name := range outcomeNames {
		if name != "" && name == s {
			return Outcome(o), nil
		}
	}
	return 0, fmt.Errorf("action: unknown outcome %q", s)
}

// MarshalText implements [encoding.TextMarshaler].
func (o Outcome) MarshalText() ([]byte, error) {
	if o <= 0 || int(o) >= len(outcomeNames) {
		return nil, fmt.Errorf("action: invalid outcome %d", int(o))
	}
	return []byte(o.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler].
func (o *Outcome) UnmarshalText(b []byte) error {
	v, err := ParseOutcome(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// Result is what an action reports.
type Result struct {
	Outcome Outcome
	// Message is a one-line human-readable account of what happened.
	Message string
	// Output holds values later steps and notifications may use, as
	// steps.<id>.<key>.
	Output map[string]any
	// RecheckAfter is how long to wait before running a Pending action
	// again.
	RecheckAfter time.Duration
}

var (
	nameRE       = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+$`)
	paramNameRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	operationRE  = regexp.MustCompile(`^[a-z0-9-]+:[A-Z][A-Za-z0-9]*$`)
	permissionRE = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9*]+$`)
)

// ValidName reports whether name is a well-formed action name.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// Validate reports whether the spec is complete and well formed.
func (s *Spec) Validate() error {
	if !ValidName(s.Name) {
		return fmt.Errorf("action %q: invalid name: want lower-case dot-separated words such as \"iam.delete-access-key\"", s.Name)
	}
	if s.Run == nil {
		return fmt.Errorf("action %s: Run is nil", s.Name)
	}
	if len(s.Writes) > 0 && s.Verify == nil {
		return fmt.Errorf("action %s: Verify is nil: an action that writes (%s) must re-read what it changed", s.Name, strings.Join(s.Writes, ", "))
	}
	seen := make(map[string]bool, len(s.Params))
	for i, p := range s.Params {
		if !paramNameRE.MatchString(p.Name) {
			return fmt.Errorf("action %s: param %d: invalid name %q: want lower_snake_case", s.Name, i, p.Name)
		}
		if seen[p.Name] {
			return fmt.Errorf("action %s: param %s declared twice", s.Name, p.Name)
		}
		seen[p.Name] = true
		if p.Type < String || p.Type > lastType {
			return fmt.Errorf("action %s: param %s: invalid type %d", s.Name, p.Name, int(p.Type))
		}
		if p.Default != nil {
			if p.Required {
				return fmt.Errorf("action %s: param %s: required params cannot have a default", s.Name, p.Name)
			}
			if _, err := p.Coerce(p.Default); err != nil {
				return fmt.Errorf("action %s: default: %w", s.Name, err)
			}
		}
	}
	seenOp := map[string]string{}
	for _, list := range []struct {
		kind string
		ops  []string
	}{{"read", s.Reads}, {"write", s.Writes}} {
		for _, op := range list.ops {
			if !operationRE.MatchString(op) {
				return fmt.Errorf("action %s: invalid %s %q: want service:Operation such as \"iam:DeleteAccessKey\"", s.Name, list.kind, op)
			}
			if k, dup := seenOp[op]; dup {
				return fmt.Errorf("action %s: %s is declared twice (as a %s and as a %s)", s.Name, op, k, list.kind)
			}
			seenOp[op] = list.kind
		}
	}
	for _, perm := range s.ExtraPermissions {
		if !permissionRE.MatchString(perm) {
			return fmt.Errorf("action %s: invalid permission %q: want service:Action such as \"iam:PassRole\"", s.Name, perm)
		}
	}
	return nil
}

// Param returns the declared parameter name.
func (s *Spec) Param(name string) (Param, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Check validates params against the spec and returns them coerced to
// their declared types, with defaults filled in for absent optional
// parameters. It rejects unknown and missing required parameters. The
// returned error is a *ParamError.
func (s *Spec) Check(params map[string]any) (map[string]any, error) {
	for name, v := range params {
		if _, ok := s.Param(name); !ok {
			return nil, &ParamError{Action: s.Name, Param: name, Value: v, Err: ErrUnknownParam}
		}
	}
	out := make(map[string]any, len(s.Params))
	for _, p := range s.Params {
		v, ok := params[p.Name]
		if !ok || v == nil {
			if p.Required {
				return nil, &ParamError{Action: s.Name, Param: p.Name, Err: ErrMissingParam}
			}
			if p.Default != nil {
				d, err := p.Coerce(p.Default)
				if err != nil {
					return nil, withAction(err, s.Name)
				}
				out[p.Name] = d
			}
			continue
		}
		c, err := p.Coerce(v)
		if err != nil {
			return nil, withAction(err, s.Name)
		}
		out[p.Name] = c
	}
	return out, nil
}

// Explain returns what the action would do with in: Describe's text, or
// the action's name and parameters if Describe is nil.
func (s *Spec) Explain(in Input) string {
	if s.Describe != nil {
		return s.Describe(in)
	}
	return fmt.Sprintf("%s %v", s.Name, in.Params)
}
