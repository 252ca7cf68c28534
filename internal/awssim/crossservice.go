package awssim

import (
	"strings"
	"time"
)

// Checks one service makes of another's state, as AWS's services do: a
// trail's bucket policy, key policy and log delivery role; a Config
// recorder's role and delivery bucket; an instance profile's role. Handlers
// run with the Server's lock held, so they read the other service's state
// directly.

// serviceState returns the state of the Server's service whose State is a T.
func serviceState[T any](s *Server) (T, bool) {
	for _, def := range s.services {
		if st, ok := def.State.(T); ok {
			return st, true
		}
	}
	var zero T
	return zero, false
}

// roleByARN returns the IAM role arn names, or nil if there is none.
func (s *Server) roleByARN(arn string) *iamRole {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[2] != "iam" || !strings.HasPrefix(f[5], "role/") || s.iam == nil {
		return nil
	}
	acct := s.iam.accounts[f[4]]
	if acct == nil {
		return nil
	}
	r := acct.Roles[f[5][strings.LastIndexByte(f[5], '/')+1:]]
	if r == nil || r.ARN != arn {
		return nil
	}
	return r
}

// trustsService reports whether a role's trust policy lets the AWS service
// principal service ("cloudtrail.amazonaws.com") assume it.
func trustsService(trust, service string) bool {
	doc, err := parsePolicy(trust)
	if err != nil {
		return false
	}
	allowed := false
	for i := range doc.Statement {
		st := &doc.Statement[i]
		if !st.coversAction("sts:AssumeRole") || !st.namesService(service) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

// namesService reports whether a statement's Principal is everyone or
// includes the service principal service.
func (s *statement) namesService(service string) bool {
	if s.Principal == nil {
		return false
	}
	if s.Principal.Any {
		return true
	}
	for _, id := range s.Principal.IDs["Service"] {
		if strings.EqualFold(id, service) {
			return true
		}
	}
	for _, id := range s.Principal.IDs["AWS"] {
		if id == "*" {
			return true
		}
	}
	return false
}

// roleAllows reports whether the identity policies of role r, in account,
// allow action on resource: what a service that assumes the role may do.
func (s *Server) roleAllows(account string, r *iamRole, action, resource string, now time.Time) bool {
	if s.iam == nil || r == nil {
		return false
	}
	p := Principal{Type: "AssumedRole", Account: account, RoleName: r.Name, RoleID: r.ID,
		ARN: "arn:" + arnPartition(r.ARN) + ":sts::" + account + ":assumed-role/" + r.Name + "/service"}
	docs, gone := s.iam.identityPolicies(p)
	if gone != "" {
		return false
	}
	cc := newCondContext(p, "", now)
	d, _ := evaluate(docs, action, resource, &cc)
	return d == allowed
}

// resourcePolicyAllowsService reports whether a resource policy (a bucket
// or key policy) has a statement that allows the service principal
// service every one of actions on resource, and none that denies it.
// Conditions are not evaluated: a service's own requests are assumed to
// meet them (aws:SourceArn, aws:SourceAccount and the like).
func resourcePolicyAllowsService(policy, service, resource string, actions ...string) bool {
	if policy == "" {
		return false
	}
	doc, err := parsePolicy(policy)
	if err != nil {
		return false
	}
	for _, action := range actions {
		ok := false
		for i := range doc.Statement {
			st := &doc.Statement[i]
			if !st.namesService(service) || !st.coversAction(action) || !st.coversResource(resource) {
				continue
			}
			if st.Effect == "Deny" && len(st.Condition) == 0 {
				return false
			}
			if st.Effect == "Allow" {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// kmsKeyFor resolves a KeyId parameter of another service's call (a key ID
// or ARN, an alias name or ARN) in the call's account and region, as that
// service would: an AWS managed key (alias/aws/rds, ...) is made on its
// first use, as KMS makes it for the service.
func (s *Server) kmsKeyFor(c *call, id string) (*kmsKey, error) {
	svc, ok := serviceState[*kmsService](s)
	if !ok {
		return nil, kmsNotFound("Key '%s' does not exist", id)
	}
	if strings.HasPrefix(id, "alias/aws/") && len(id) > len("alias/aws/") && svc.aliases(c)[id] == nil {
		svc.awsManagedKey(c, id)
	}
	return svc.resolve(c, id)
}

// lambdaFunctionFor returns the function an ARN or name names in the call's
// account and region, or nil.
func (s *Server) lambdaFunctionFor(c *call, ref string) *lambdaFunction {
	svc, ok := serviceState[*lambdaService](s)
	if !ok {
		return nil
	}
	trail := c.trailResources
	f, err := svc.function(c, ref)
	c.trailResources = trail
	if err != nil {
		return nil
	}
	return f
}
