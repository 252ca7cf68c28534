package permission

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Rules say which calls a gated configuration lets through.
type Rules struct {
	// Owner names who the rules are for, such as an action's name, in
	// errors.
	Owner string
	// Reads are the IAM actions that only read; they always pass.
	Reads []string
	// Writes are the IAM actions that change something; they pass only
	// when WritesAllowed.
	Writes []string
	// WritesAllowed lets Writes through.
	WritesAllowed bool
	// Why says why writes are not allowed ("dry run", "verification",
	// "awaiting approval"), in errors.
	Why string
	// Observe, if set, is told of every call the gate lets through, by
	// IAM action.
	Observe func(action string)
}

// DeniedError is the error of a call a gate refused. The call was not sent.
type DeniedError struct {
	// Owner is the gate's owner, such as an action's name.
	Owner string
	// Service and Operation name the SDK call ("IAM", "UpdateAccessKey").
	Service, Operation string
	// Action is the IAM action the call needs, "" if unknown.
	Action string
	// Write reports a declared write refused because writes were not
	// allowed; otherwise the call was not declared at all.
	Write bool
	// Why says why writes were not allowed.
	Why string
}

func (e *DeniedError) Error() string {
	name := e.Action
	if name == "" {
		name = e.Service + " " + e.Operation + " (a service rectify has no IAM mapping for)"
	}
	if e.Write {
		why := e.Why
		if why == "" {
			why = "writes are not allowed"
		}
		return fmt.Sprintf("%s: %s is a write, refused: %s", e.Owner, name, why)
	}
	return fmt.Sprintf("%s: %s is not among the operations it declares; refused", e.Owner, name)
}

// Gate returns a copy of cfg whose clients let through only the calls r
// allows. Calls are checked before they are signed or sent, once per
// operation (retries are not checked again).
func Gate(cfg aws.Config, r Rules) aws.Config {
	reads := normalized(r.Reads)
	writes := normalized(r.Writes)
	out := cfg.Copy()
	out.APIOptions = append(slices.Clone(cfg.APIOptions), func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("rectify.permission.Gate",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				svc, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
				act, known := Action(svc, op)
				key := Normalize(act)
				switch {
				case known && reads[key]:
				case known && writes[key] && r.WritesAllowed:
				case known && writes[key]:
					return middleware.InitializeOutput{}, middleware.Metadata{}, &DeniedError{Owner: r.Owner, Service: svc, Operation: op, Action: act, Write: true, Why: r.Why}
				default:
					return middleware.InitializeOutput{}, middleware.Metadata{}, &DeniedError{Owner: r.Owner, Service: svc, Operation: op, Action: act}
				}
				if r.Observe != nil {
					r.Observe(act)
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
	return out
}

func normalized(actions []string) map[string]bool {
	m := make(map[string]bool, len(actions))
	for _, a := range actions {
		m[Normalize(a)] = true
	}
	return m
}

// Sorted returns actions sorted and without duplicates (comparing their
// normalized forms), keeping the first spelling of each.
func Sorted(actions ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range actions {
		for _, a := range list {
			k := Normalize(a)
			if !seen[k] {
				seen[k] = true
				out = append(out, a)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(Normalize(a), Normalize(b)) })
	return out
}
