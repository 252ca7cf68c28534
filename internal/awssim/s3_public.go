package awssim

import (
	"net/netip"
	"strings"
	"sync"
)

// When S3 counts a bucket policy as public.
//
// S3 starts from "public" and looks for a reason to think otherwise: a
// policy is not public when every statement that allows access to
// everyone is limited by a condition on one of the keys AWS documents
// (the S3 API reference, PublicAccessBlockConfiguration, and the S3 User
// Guide, "The meaning of public"), compared with fixed values:
//
//   - aws:SourceIp, a set of CIDR blocks (not one that covers every
//     address, 0.0.0.0/0 or ::/0);
//   - aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner,
//     aws:SourceAccount;
//   - s3:x-amz-server-side-encryption-aws-kms-key-id;
//   - aws:userid, outside the pattern "AROLEID:*";
//   - aws:PrincipalOrgID, the example the User Guide gives of a fixed
//     principal;
//   - s3:DataAccessPointArn, whose access point name may be a wildcard as
//     long as the account is fixed, and s3:DataAccessPointAccount.
//
// A fixed value has no wildcard (* or ?) and no policy variable (${...}).
// The condition must admit only requests whose key takes one of the
// values: StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals,
// ArnLike or IpAddress, alone or after ForAnyValue:. Negated operators
// (StringNotEquals, NotIpAddress, ...) admit everyone else, and
// ForAllValues: and ...IfExists admit a request without the key, so none
// of them restricts.

// publicPolicyKeys are the condition keys above, in lower case.
var publicPolicyKeys = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"aws:sourceip": true, "aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
		"aws:sourceowner": true, "aws:sourceaccount": true, "s3:x-amz-server-side-encryption-aws-kms-key-id": true,
		"aws:userid": true, "aws:principalorgid": true, "s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true,
	}
})

// publicPolicyOperators are the operators above, in lower case.
var publicPolicyOperators = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"stringequals": true, "stringequalsignorecase": true, "stringlike": true,
		"arnequals": true, "arnlike": true, "ipaddress": true,
	}
})

// PolicyIsPublic reports whether S3 would count a bucket policy as public:
// whether an Allow statement grants access to everyone (Principal "*", "*"
// among its AWS principals, or a NotPrincipal) without a condition that
// limits it to fixed values of the keys S3 documents (see above). It is
// false for a malformed policy.
func PolicyIsPublic(policy string) bool {
	doc, err := parsePolicy(policy)
	if err != nil {
		return false
	}
	for _, st := range doc.Statement {
		if st.Effect == "Allow" && grantsEveryone(st) && !statementRestricted(st) {
			return true
		}
	}
	return false
}

// grantsEveryone reports whether a statement names everyone as its
// principal.
func grantsEveryone(st statement) bool {
	if st.NotPrincipal != nil {
		return true
	}
	if st.Principal == nil {
		return false
	}
	if st.Principal.Any {
		return true
	}
	for _, id := range st.Principal.IDs["AWS"] {
		if strings.TrimSpace(id) == "*" {
			return true
		}
	}
	return false
}

// statementRestricted reports whether one of a statement's conditions
// limits it to fixed values of a documented key.
func statementRestricted(st statement) bool {
	for op, kv := range st.Condition {
		for key, vals := range kv {
			if conditionMakesNonPublic(op, key, vals) {
				return true
			}
		}
	}
	return false
}

// conditionMakesNonPublic reports whether one condition of an Allow
// statement (its operator, key and values) keeps S3 from counting the
// statement as public; see PolicyIsPublic.
func conditionMakesNonPublic(op, key string, vals []string) bool {
	op = strings.ToLower(op)
	if strings.HasPrefix(op, "forallvalues:") || strings.HasSuffix(op, "ifexists") {
		return false
	}
	op = strings.TrimPrefix(op, "foranyvalue:")
	key = strings.ToLower(key)
	if !publicPolicyOperators()[op] || !publicPolicyKeys()[key] || len(vals) == 0 {
		return false
	}
	if (key == "aws:sourceip") != (op == "ipaddress") {
		return false
	}
	for _, v := range vals {
		if !fixedConditionValue(key, strings.TrimSpace(v)) {
			return false
		}
	}
	return true
}

// fixedConditionValue reports whether v is a fixed value of key.
func fixedConditionValue(key, v string) bool {
	if v == "" || strings.Contains(v, "${") {
		return false
	}
	switch key {
	case "aws:sourceip":
		if p, err := netip.ParsePrefix(v); err == nil {
			return p.Bits() > 0
		}
		_, err := netip.ParseAddr(v)
		return err == nil
	case "s3:dataaccesspointarn":
		// arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME, where NAME
		// alone may hold wildcards.
		f := strings.SplitN(v, ":", 6)
		if len(f) != 6 || !strings.HasPrefix(f[5], "accesspoint/") {
			return false
		}
		for _, part := range f[:5] {
			if strings.ContainsAny(part, "*?") {
				return false
			}
		}
		return len(f[4]) == 12 && strings.Trim(f[4], "0123456789") == ""
	}
	return !strings.ContainsAny(v, "*?")
}
