package awssim

import (
	"net/http"
	"strings"
)

// Identity-based authorization, as IAM evaluates it within one account.
//
// Every call by an IAM user or an assumed-role session needs, for its IAM
// action and each resource it acts on (see resources.go), a statement
// that allows it in the caller's identity policies, and none that denies
// it: the inline and managed policies attached to the role, or to the
// user and the user's groups. An explicit Deny wins. An account's root
// credentials (the Server's administrator keys) are allowed everything.
// sts:GetCallerIdentity needs no permission. Within an account, a role's
// trust policy that names the caller itself also lets it call
// sts:AssumeRole, as a resource-based policy does; across accounts the
// caller's identity policy must allow it as well.
//
// Not modeled: permissions boundaries, session policies, service control
// policies, resource-based policies other than trust policies (S3 bucket,
// SNS topic, SQS queue, KMS key and Lambda function policies grant and
// deny nothing), and policy variables such as ${aws:username}.

// maxParsedPolicies bounds the cache of parsed policy documents.
const maxParsedPolicies = 4096

type parsedPolicy struct {
	doc *policyDoc
	err error
}

// parsed returns doc parsed. Documents are cached by their text, so a
// policy is parsed once for as long as it is unchanged.
func (svc *iamService) parsed(doc string) (*policyDoc, error) {
	if p, ok := svc.docs[doc]; ok {
		return p.doc, p.err
	}
	p, err := parsePolicy(doc)
	if len(svc.docs) >= maxParsedPolicies {
		clear(svc.docs)
	}
	svc.docs[doc] = parsedPolicy{p, err}
	return p, err
}

// identityPolicies returns the identity policies of p, or why p has none
// any more (its role or user was deleted).
func (svc *iamService) identityPolicies(p Principal) ([]*policyDoc, string) {
	acct := svc.accounts[p.Account]
	var inline []map[string]string
	var attached [][]string
	switch p.Type {
	case "AssumedRole":
		var r *iamRole
		if acct != nil {
			r = acct.Roles[p.RoleName]
		}
		if r == nil {
			return nil, "the role " + p.RoleName + " no longer exists"
		}
		inline, attached = append(inline, r.Inline), append(attached, r.Attached)
	case "IAMUser":
		var u *iamUser
		if acct != nil {
			u = acct.Users[p.UserName]
		}
		if u == nil {
			return nil, "the user " + p.UserName + " no longer exists"
		}
		inline, attached = append(inline, u.Inline), append(attached, u.Attached)
		for _, name := range sortedKeys(acct.Groups) {
			if g := acct.Groups[name]; g.hasMember(u.Name) {
				inline, attached = append(inline, g.Inline), append(attached, g.Attached)
			}
		}
	}
	var docs []*policyDoc
	add := func(text string) {
		// Stored documents were checked when they were put; one that
		// no longer parses grants nothing.
		if d, err := svc.parsed(text); err == nil {
			docs = append(docs, d)
		}
	}
	for _, m := range inline {
		for _, name := range sortedKeys(m) {
			add(m[name])
		}
	}
	for _, list := range attached {
		for _, arn := range list {
			if pol := acct.Policies[arn]; pol != nil {
				add(pol.Document)
			} else if doc, ok := awsManagedPolicy(arn); ok {
				add(doc)
			}
		}
	}
	return docs, ""
}

// authorize refuses a call that the caller's identity policies do not
// allow, with the error the service answers.
func (svc *iamService) authorize(c *call) error {
	p := c.caller
	if p.Type != "IAMUser" && p.Type != "AssumedRole" {
		return nil
	}
	action := c.def.iamAction(c.op)
	if strings.EqualFold(action, "sts:GetCallerIdentity") {
		return nil
	}
	docs, gone := svc.identityPolicies(p)
	if gone != "" {
		return c.def.accessDenied("User: " + p.ARN + " is not authorized to perform: " + action + " because " + gone)
	}
	cc := newCondContext(p, c.region, c.now)
	if c.op == "AssumeRole" && c.def.Name == "sts" {
		cc.ExternalID = c.param("ExternalId")
	}
	for _, chk := range svc.authzChecks(c) {
		cc.Extra = chk.cond
		resources := chk.resources
		if resources == nil {
			resources = []string{unnamedResource}
		}
		for _, r := range resources {
			d, condErr := evaluate(docs, chk.action, r, &cc)
			if d == allowed || d == implicitDeny && chk.action == "sts:AssumeRole" && svc.trustNames(c, r) {
				continue
			}
			return deniedError(c, chk.action, r, d, condErr)
		}
	}
	return nil
}

// trustNames reports whether the role roleARN, in the caller's own
// account, has a trust policy whose Allow names the caller itself.
func (svc *iamService) trustNames(c *call, roleARN string) bool {
	f := strings.SplitN(roleARN, ":", 6)
	if len(f) != 6 || f[4] != c.caller.Account {
		return false
	}
	acct := svc.accounts[f[4]]
	if acct == nil {
		return false
	}
	r := acct.Roles[f[5][strings.LastIndexByte(f[5], '/')+1:]]
	if r == nil {
		return false
	}
	doc, err := svc.parsed(r.Trust)
	if err != nil {
		return false
	}
	for i := range doc.Statement {
		st := &doc.Statement[i]
		if st.Effect == "Allow" && st.coversAction("sts:AssumeRole") && st.principalNamed(c.caller) {
			return true
		}
	}
	return false
}

// deniedError is the refusal of action on resource, in AWS's words.
func deniedError(c *call, action, resource string, d decision, condErr error) *Error {
	var b strings.Builder
	b.WriteString("User: " + c.caller.ARN + " is not authorized to perform: " + action)
	if resource != anyResource && resource != unnamedResource {
		if c.def.Protocol == protoRESTXML {
			b.WriteString(` on resource: "` + resource + `"`)
		} else {
			b.WriteString(" on resource: " + resource)
		}
	}
	if d == explicitDeny {
		b.WriteString(" with an explicit deny in an identity-based policy")
	} else {
		b.WriteString(" because no identity-based policy allows the " + action + " action")
	}
	if resource == unnamedResource {
		b.WriteString(` (the simulator cannot name the resource of ` + c.def.Name + " " + c.op +
			`, so only statements with Resource "*" allow it)`)
	}
	if condErr != nil && d != explicitDeny {
		b.WriteString(" (a statement did not apply: " + condErr.Error() + ")")
	}
	return c.def.accessDenied(b.String())
}

// accessDenied returns the error def answers for a call its caller is not
// authorized to make.
func (def *serviceDef) accessDenied(msg string) *Error {
	switch {
	case def.Protocol == protoEC2:
		return errorf(http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation. %s", msg)
	case def.Name == "sns":
		return errorf(http.StatusForbidden, "AuthorizationError", "%s", msg)
	case def.Protocol == protoQuery, def.Protocol == protoRESTXML:
		return errorf(http.StatusForbidden, "AccessDenied", "%s", msg)
	case def.Protocol == protoRESTJSON:
		return errorf(http.StatusForbidden, "AccessDeniedException", "%s", msg)
	case def.Name == "sqs":
		// SQS speaks JSON but keeps its query error codes
		// (awsQueryCompatible).
		e := errorf(http.StatusForbidden, "com.amazon.coral.service#AccessDeniedException", "%s", msg)
		e.QueryCode = "AccessDenied"
		return e
	}
	return errorf(http.StatusBadRequest, "AccessDeniedException", "%s", msg)
}

// awsManagedPolicy returns the document the simulator evaluates for an
// AWS managed policy it knows, by ARN. The documents approximate AWS's:
//
//   - AdministratorAccess allows everything.
//   - PowerUserAccess allows everything but IAM, Organizations and
//     Account, plus the few IAM and Organizations reads AWS's includes.
//   - ReadOnlyAccess allows every action named Get*, List*, Describe*,
//     BatchGet*, Lookup* or Search* of every service, DynamoDB Query and
//     Scan and SQS Receive* (AWS's enumerates its read actions service by
//     service, and leaves out some data reads).
//   - IAMFullAccess allows iam:* and Organizations' reads;
//     IAMReadOnlyAccess iam:Get*, List*, Generate* and Simulate*.
//   - AmazonS3FullAccess allows s3:* and s3-object-lambda:*;
//     AmazonS3ReadOnlyAccess their Get*, List* and Describe*.
//   - AmazonEC2ReadOnlyAccess allows ec2:Describe* and ec2:Get* and the
//     Describe* of Elastic Load Balancing and Auto Scaling.
//
// Other AWS managed policies can be attached but allow nothing.
func awsManagedPolicy(arn string) (string, bool) {
	_, name, ok := strings.Cut(arn, ":iam::aws:policy/")
	if !ok {
		return "", false
	}
	name = name[strings.LastIndexByte(name, '/')+1:]
	allow := func(actions ...string) string {
		return `{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}`
	}
	var statements []string
	switch name {
	case "AdministratorAccess":
		statements = []string{allow("*")}
	case "PowerUserAccess":
		statements = []string{
			`{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}`,
			allow("iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
				"organizations:DescribeOrganization", "account:ListRegions", "account:GetAccountInformation"),
		}
	case "ReadOnlyAccess":
		statements = []string{allow("*:Get*", "*:List*", "*:Describe*", "*:BatchGet*", "*:Lookup*", "*:Search*",
			"dynamodb:Query", "dynamodb:Scan", "sqs:Receive*")}
	case "IAMFullAccess":
		statements = []string{allow("iam:*", "organizations:Describe*", "organizations:List*")}
	case "IAMReadOnlyAccess":
		statements = []string{allow("iam:Get*", "iam:List*", "iam:Generate*", "iam:Simulate*")}
	case "AmazonS3FullAccess":
		statements = []string{allow("s3:*", "s3-object-lambda:*")}
	case "AmazonS3ReadOnlyAccess":
		statements = []string{allow("s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*")}
	case "AmazonEC2ReadOnlyAccess":
		statements = []string{allow("ec2:Describe*", "ec2:Get*", "elasticloadbalancing:Describe*", "autoscaling:Describe*")}
	default:
		return "", false
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`, true
}
