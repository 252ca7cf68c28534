package action

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 actions.
//
// Every call names the target's account as the expected bucket owner, so
// a bucket that belongs to another account is never changed on the
// strength of an event from this one.

// The ACL grantee groups that make a bucket public.
const (
	s3AllUsersURI           = "http://acs.amazonaws.com/groups/global/AllUsers"
	s3AuthenticatedUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

// S3 error codes the actions treat as "nothing to do".
const (
	codeNoSuchBucket       = "NoSuchBucket"
	codeNoSuchBucketPolicy = "NoSuchBucketPolicy"
	codeNoSuchPAB          = "NoSuchPublicAccessBlockConfiguration"
	// codeACLNotSupported is returned for ACL calls on a bucket whose
	// object ownership is BucketOwnerEnforced: ACLs are disabled and grant
	// nothing.
	codeACLNotSupported = "AccessControlListNotSupported"
)

var bucketParam = Param{Name: "bucket", Type: String, Required: true, Description: "the bucket's name"}

func s3Actions() []Spec {
	return []Spec{
		{
			Name: "s3.remove-public-policy-statements",
			Description: "Remove from a bucket policy the Allow statements that grant access to everyone " +
				"(Principal \"*\" or {\"AWS\": \"*\"}, or NotPrincipal) without a condition that restricts the caller " +
				"to fixed networks, VPC endpoints, accounts, organizations or sources; delete the policy if nothing else is left.",
			Params: []Param{bucketParam},
			Reads:  []string{"s3:GetBucketPolicy"}, Writes: []string{"s3:PutBucketPolicy", "s3:DeleteBucketPolicy"},
			Describe: func(in Input) string {
				return fmt.Sprintf("remove the statements of bucket %s's policy in account %s that grant access to everyone without a restricting condition, deleting the policy if nothing else is left",
					in.String("bucket"), in.Target.Account)
			},
			Run:    removePublicPolicyStatements,
			Verify: verifyNoPublicStatements,
		},
		{
			Name: "s3.make-acl-private",
			Description: "Remove the grants of a bucket's ACL to the AllUsers and AuthenticatedUsers groups, " +
				"keeping every other grant; a bucket whose ACLs are disabled (BucketOwnerEnforced) has nothing to remove.",
			Params: []Param{bucketParam},
			Reads:  []string{"s3:GetBucketAcl"}, Writes: []string{"s3:PutBucketAcl"},
			Describe: func(in Input) string {
				return fmt.Sprintf("remove the AllUsers and AuthenticatedUsers grants from the ACL of bucket %s in account %s",
					in.String("bucket"), in.Target.Account)
			},
			Run:    makeACLPrivate,
			Verify: verifyACLPrivate,
		},
		{
			Name: "s3.block-public-access",
			Description: "Turn on a bucket's Block Public Access settings (all four by default). Settings " +
				"already on stay on; a setting given as false is left as it is, never turned off.",
			Params: []Param{
				bucketParam,
				{Name: "block_public_acls", Type: Bool, Default: true, Description: "turn on BlockPublicAcls"},
				{Name: "ignore_public_acls", Type: Bool, Default: true, Description: "turn on IgnorePublicAcls"},
				{Name: "block_public_policy", Type: Bool, Default: true, Description: "turn on BlockPublicPolicy"},
				{Name: "restrict_public_buckets", Type: Bool, Default: true, Description: "turn on RestrictPublicBuckets"},
			},
			// The API operations are GetPublicAccessBlock and
			// PutPublicAccessBlock; IAM and CloudTrail name them as below.
			Reads: []string{"s3:GetBucketPublicAccessBlock"}, Writes: []string{"s3:PutBucketPublicAccessBlock"},
			Describe: func(in Input) string {
				want := wantedBlock(in)
				return fmt.Sprintf("turn on %s of bucket %s in account %s", joinOr(want.on(), ", ", "no Block Public Access setting"), in.String("bucket"), in.Target.Account)
			},
			Run:    blockPublicAccess,
			Verify: verifyPublicAccessBlocked,
		},
		{
			Name: "s3.enable-versioning",
			Description: "Turn on versioning of a bucket, so that overwritten and deleted objects can be recovered. " +
				"A bucket whose versioning is suspended has it enabled again.",
			Params: []Param{bucketParam},
			Reads:  []string{"s3:GetBucketVersioning"}, Writes: []string{"s3:PutBucketVersioning"},
			Describe: func(in Input) string {
				return fmt.Sprintf("enable versioning of bucket %s in account %s", in.String("bucket"), in.Target.Account)
			},
			Run:    enableVersioning,
			Verify: verifyVersioningEnabled,
		},
	}
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

// expectedOwner returns the target's account for ExpectedBucketOwner, or
// nil when the target does not name a valid account.
func expectedOwner(in Input) *string {
	if accountIDRE.MatchString(in.Target.Account) {
		return aws.String(in.Target.Account)
	}
	return nil
}

func joinOr(s []string, sep, empty string) string {
	if len(s) == 0 {
		return empty
	}
	return strings.Join(s, sep)
}

// Bucket policy.

func removePublicPolicyStatements(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	owner := expectedOwner(in)
	none := func(msg string) Result {
		return Result{Outcome: AlreadyDone, Message: msg, Output: map[string]any{"removed_sids": []string{}, "kept": 0, "policy_deleted": false}}
	}
	gone := none(bucketMissing(bucket))
	gone.Outcome = NotFound
	got, err := cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner})
	switch {
	case HasCode(err, codeNoSuchBucketPolicy):
		return none(fmt.Sprintf("bucket %s has no policy", bucket)), nil
	case HasCode(err, codeNoSuchBucket):
		return gone, nil
	case err != nil:
		return Result{}, fmt.Errorf("get policy of bucket %s: %w", bucket, err)
	}
	plan, err := planPolicy([]byte(aws.ToString(got.Policy)))
	if err != nil {
		return Result{}, fmt.Errorf("policy of bucket %s: %w", bucket, err)
	}
	if len(plan.Removed) == 0 {
		r := none(fmt.Sprintf("no statement of bucket %s's policy grants access to everyone", bucket))
		r.Output["kept"] = plan.Kept
		return r, nil
	}
	out := map[string]any{"removed_sids": plan.Removed, "kept": plan.Kept, "policy_deleted": plan.Policy == nil}
	if plan.Policy == nil {
		_, err = cli.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner})
	} else {
		_, err = cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(string(plan.Policy)), ExpectedBucketOwner: owner})
	}
	if HasCode(err, codeNoSuchBucket) {
		return gone, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("update policy of bucket %s: %w", bucket, err)
	}
	msg := fmt.Sprintf("removed public statement(s) %s from bucket %s's policy; %d statement(s) kept", strings.Join(plan.Removed, ", "), bucket, plan.Kept)
	if plan.Policy == nil {
		msg = fmt.Sprintf("deleted bucket %s's policy: its only statement(s) %s granted access to everyone", bucket, strings.Join(plan.Removed, ", "))
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

// policyPlan is what removing a policy's public statements comes to.
type policyPlan struct {
	// Removed names the public statements: each one's Sid, or
	// "statement[i]" (its index) for a statement without one.
	Removed []string
	// Kept is the number of statements left.
	Kept int
	// Policy is the policy without the public statements, with every other
	// element as it was; nil when no statement is left. It equals the input
	// when nothing is removed.
	Policy []byte
}

// policyMember is one top-level element of a policy document, in order.
type policyMember struct {
	Key   string
	Value json.RawMessage
}

// planPolicy works out which statements of a bucket policy grant access to
// everyone (see [PublicStatement]) and the policy left without them.
func planPolicy(doc []byte) (policyPlan, error) {
	members, err := decodeObject(doc)
	if err != nil {
		return policyPlan{}, err
	}
	idx := -1
	for i, m := range members {
		if m.Key == "Statement" {
			idx = i
		}
	}
	if idx < 0 {
		return policyPlan{}, fmt.Errorf("policy has no Statement")
	}
	var stmts []json.RawMessage
	raw := bytes.TrimSpace(members[idx].Value)
	if len(raw) > 0 && raw[0] == '{' {
		stmts = []json.RawMessage{raw}
	} else if err := json.Unmarshal(raw, &stmts); err != nil {
		return policyPlan{}, fmt.Errorf("Statement: want an object or a list of objects: %w", err)
	}
	var plan policyPlan
	var kept []json.RawMessage
	for i, s := range stmts {
		public, sid, err := PublicStatement(s)
		if err != nil {
			return policyPlan{}, fmt.Errorf("Statement[%d]: %w", i, err)
		}
		if !public {
			kept = append(kept, s)
			continue
		}
		if sid == "" {
			sid = "statement[" + strconv.Itoa(i) + "]"
		}
		plan.Removed = append(plan.Removed, sid)
	}
	plan.Kept = len(kept)
	switch {
	case len(plan.Removed) == 0:
		plan.Policy = doc
		return plan, nil
	case len(kept) == 0:
		return plan, nil
	}
	list, err := json.Marshal(kept)
	if err != nil {
		return policyPlan{}, fmt.Errorf("Statement: %w", err)
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
	var compact bytes.Buffer
	if err := json.Compact(&compact, b.Bytes()); err != nil {
		return policyPlan{}, fmt.Errorf("rebuilding the policy: %w", err)
	}
	plan.Policy = compact.Bytes()
	return plan, nil
}

// decodeObject decodes a JSON object into its members, in order.
func decodeObject(doc []byte) ([]policyMember, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("policy is not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("policy is not a JSON object")
	}
	var members []policyMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("policy is not JSON: %w", err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("policy element %q: %w", key, err)
		}
		members = append(members, policyMember{Key: key, Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("policy is not JSON: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("policy has data after its closing brace")
	}
	return members, nil
}

// policyStatement is the part of a policy statement that decides whether
// it is public.
type policyStatement struct {
	Sid          string                                `json:"Sid"`
	Effect       string                                `json:"Effect"`
	Principal    json.RawMessage                       `json:"Principal"`
	NotPrincipal json.RawMessage                       `json:"NotPrincipal"`
	Condition    map[string]map[string]json.RawMessage `json:"Condition"`
}

// restrictingKeys are the condition keys (in lower case) that, compared
// with fixed values, keep S3 from counting an Allow statement for
// everyone as public. They are the keys AWS documents (the S3 API
// reference, PublicAccessBlockConfiguration, and the S3 User Guide, "The
// meaning of public"), no more.
var restrictingKeys = map[string]bool{
	"aws:sourceip": true, "aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceowner": true, "aws:sourceaccount": true, "s3:x-amz-server-side-encryption-aws-kms-key-id": true,
	"aws:userid": true, "aws:principalorgid": true, "s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true,
}

// restrictingOperators are the condition operators (in lower case) that
// admit only requests whose key matches one of the values.
var restrictingOperators = map[string]bool{
	"stringequals": true, "stringequalsignorecase": true, "stringlike": true,
	"arnequals": true, "arnlike": true, "ipaddress": true,
}

// PublicStatement reports whether a bucket policy statement grants access
// to everyone, as S3 decides it, and returns its Sid. A statement is
// public when its Effect is Allow, it names everyone (Principal "*", or
// "*" among the Principal's AWS principals, or any NotPrincipal), and none
// of its conditions restricts it.
//
// A condition restricts a statement when its key is one AWS documents as
// making a policy non-public: aws:SourceIp (a set of CIDR blocks, none of
// them /0), aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
// aws:SourceOwner, aws:SourceAccount,
// s3:x-amz-server-side-encryption-aws-kms-key-id, aws:userid (outside the
// pattern "AROLEID:*"), aws:PrincipalOrgID, s3:DataAccessPointArn (whose
// access point name alone may be a wildcard) and
// s3:DataAccessPointAccount; its operator is StringEquals,
// StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike or, for
// aws:SourceIp only, IpAddress, possibly with ForAnyValue: in front, but
// not ForAllValues: and not ...IfExists, both of which admit a request
// without the key; and every value is fixed: not empty, without the
// wildcards * and ? and without a policy variable. Negated operators
// (StringNotEquals, NotIpAddress, ...) never restrict: they admit
// everyone else. Other keys, such as aws:PrincipalAccount, do not make a
// statement non-public. A statement that names other accounts, roles or
// services as principals is not public.
func PublicStatement(raw []byte) (public bool, sid string, err error) {
	var st policyStatement
	if err := json.Unmarshal(raw, &st); err != nil {
		return false, "", fmt.Errorf("not a policy statement: %w", err)
	}
	if !strings.EqualFold(st.Effect, "Allow") {
		return false, st.Sid, nil
	}
	everyone := len(bytes.TrimSpace(st.NotPrincipal)) > 0 && string(bytes.TrimSpace(st.NotPrincipal)) != "null"
	if !everyone {
		if everyone, err = principalIsEveryone(st.Principal); err != nil {
			return false, st.Sid, err
		}
	}
	if !everyone {
		return false, st.Sid, nil
	}
	for op, kv := range st.Condition {
		for key, v := range kv {
			vals, err := conditionValues(v)
			if err != nil {
				return false, st.Sid, fmt.Errorf("Condition.%s.%s: %w", op, key, err)
			}
			if conditionRestricts(op, key, vals) {
				return false, st.Sid, nil
			}
		}
	}
	return true, st.Sid, nil
}

// principalIsEveryone reports whether a Principal element is "*" or lists
// "*" among its AWS principals.
func principalIsEveryone(raw json.RawMessage) (bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return false, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return false, fmt.Errorf("Principal: %w", err)
		}
		return strings.TrimSpace(s) == "*", nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, fmt.Errorf("Principal: want \"*\" or an object: %w", err)
	}
	ids, err := conditionValues(m["AWS"])
	if err != nil {
		return false, fmt.Errorf("Principal.AWS: %w", err)
	}
	for _, id := range ids {
		if strings.TrimSpace(id) == "*" {
			return true, nil
		}
	}
	return false, nil
}

// conditionValues reads a string, number or bool, or a list of them, as
// strings.
func conditionValues(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []any
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
	} else {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		switch x := it.(type) {
		case string:
			out = append(out, x)
		case float64:
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		case bool:
			out = append(out, strconv.FormatBool(x))
		default:
			return nil, fmt.Errorf("value %d: want a string, number or bool, not %s", i, describeValue(it))
		}
	}
	return out, nil
}

// conditionRestricts reports whether one condition (operator, key, values)
// limits an Allow statement to fixed parties; see [PublicStatement].
func conditionRestricts(op, key string, vals []string) bool {
	op = strings.ToLower(op)
	if strings.HasPrefix(op, "forallvalues:") || strings.HasSuffix(op, "ifexists") {
		return false
	}
	op = strings.TrimPrefix(op, "foranyvalue:")
	key = strings.ToLower(key)
	if !restrictingOperators[op] || !restrictingKeys[key] || len(vals) == 0 {
		return false
	}
	if (key == "aws:sourceip") != (op == "ipaddress") {
		return false
	}
	for _, v := range vals {
		if !fixedValue(key, strings.TrimSpace(v)) {
			return false
		}
	}
	return true
}

// fixedValue reports whether v is a fixed value of the condition key key
// (in lower case).
func fixedValue(key, v string) bool {
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
		// arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME; NAME alone may
		// hold wildcards.
		f := strings.SplitN(v, ":", 6)
		if len(f) != 6 || !strings.HasPrefix(f[5], "accesspoint/") || strings.ContainsAny(strings.Join(f[:5], ":"), "*?") {
			return false
		}
		return accountIDRE.MatchString(f[4])
	}
	return !strings.ContainsAny(v, "*?")
}

// ACLs.

// publicGrant reports whether a grant gives access to all users or to all
// authenticated AWS users, and names it ("AllUsers:READ").
func publicGrant(g s3types.Grant) (string, bool) {
	if g.Grantee == nil || g.Grantee.Type != s3types.TypeGroup {
		return "", false
	}
	uri := strings.TrimSpace(aws.ToString(g.Grantee.URI))
	for _, u := range []string{s3AllUsersURI, s3AuthenticatedUsersURI} {
		if strings.EqualFold(uri, u) {
			return u[strings.LastIndexByte(u, '/')+1:] + ":" + string(g.Permission), true
		}
	}
	return "", false
}

func makeACLPrivate(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	owner := expectedOwner(in)
	done := func(msg string) Result {
		return Result{Outcome: AlreadyDone, Message: msg, Output: map[string]any{"removed_grants": []string{}}}
	}
	gone := done(bucketMissing(bucket))
	gone.Outcome = NotFound
	acl, err := cli.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner})
	switch {
	case HasCode(err, codeNoSuchBucket):
		return gone, nil
	case HasCode(err, codeACLNotSupported):
		return done(fmt.Sprintf("bucket %s has ACLs disabled (BucketOwnerEnforced)", bucket)), nil
	case err != nil:
		return Result{}, fmt.Errorf("get ACL of bucket %s: %w", bucket, err)
	}
	var kept []s3types.Grant
	var removed []string
	for _, g := range acl.Grants {
		if name, ok := publicGrant(g); ok {
			removed = append(removed, name)
			continue
		}
		kept = append(kept, g)
	}
	if len(removed) == 0 {
		return done(fmt.Sprintf("the ACL of bucket %s grants nothing to AllUsers or AuthenticatedUsers", bucket)), nil
	}
	put := &s3.PutBucketAclInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner}
	if len(kept) == 0 || acl.Owner == nil {
		put.ACL = s3types.BucketCannedACLPrivate
	} else {
		put.AccessControlPolicy = &s3types.AccessControlPolicy{Owner: acl.Owner, Grants: kept}
	}
	_, err = cli.PutBucketAcl(ctx, put)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return gone, nil
	case HasCode(err, codeACLNotSupported):
		return done(fmt.Sprintf("bucket %s has ACLs disabled (BucketOwnerEnforced)", bucket)), nil
	case err != nil:
		return Result{}, fmt.Errorf("put ACL of bucket %s: %w", bucket, err)
	}
	return Result{Outcome: Changed,
		Message: fmt.Sprintf("removed grant(s) %s from bucket %s's ACL; %d grant(s) kept", strings.Join(removed, ", "), bucket, len(kept)),
		Output:  map[string]any{"removed_grants": removed}}, nil
}

// Block Public Access.

// blockSettings are a bucket's four Block Public Access settings.
type blockSettings struct {
	BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
}

// on lists the settings that are on, by their API names.
func (b blockSettings) on() []string {
	var out []string
	for _, s := range []struct {
		name string
		on   bool
	}{
		{"BlockPublicAcls", b.BlockPublicAcls}, {"IgnorePublicAcls", b.IgnorePublicAcls},
		{"BlockPublicPolicy", b.BlockPublicPolicy}, {"RestrictPublicBuckets", b.RestrictPublicBuckets},
	} {
		if s.on {
			out = append(out, s.name)
		}
	}
	return out
}

// or returns the settings on in b or in c.
func (b blockSettings) or(c blockSettings) blockSettings {
	return blockSettings{
		BlockPublicAcls: b.BlockPublicAcls || c.BlockPublicAcls, IgnorePublicAcls: b.IgnorePublicAcls || c.IgnorePublicAcls,
		BlockPublicPolicy: b.BlockPublicPolicy || c.BlockPublicPolicy, RestrictPublicBuckets: b.RestrictPublicBuckets || c.RestrictPublicBuckets,
	}
}

func wantedBlock(in Input) blockSettings {
	return blockSettings{
		BlockPublicAcls: in.Bool("block_public_acls"), IgnorePublicAcls: in.Bool("ignore_public_acls"),
		BlockPublicPolicy: in.Bool("block_public_policy"), RestrictPublicBuckets: in.Bool("restrict_public_buckets"),
	}
}

func blockPublicAccess(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	owner := expectedOwner(in)
	gone := Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: map[string]any{"enabled": []string{}, "settings": []string{}}}
	cur, err := publicAccessBlock(ctx, cli, bucket, owner)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return gone, nil
	case err != nil:
		return Result{}, err
	}
	next := cur.or(wantedBlock(in))
	if next == cur {
		return Result{Outcome: AlreadyDone,
			Message: fmt.Sprintf("bucket %s already has %s on", bucket, joinOr(cur.on(), ", ", "every requested setting")),
			Output:  map[string]any{"enabled": []string{}, "settings": cur.on()}}, nil
	}
	_, err = cli.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket: aws.String(bucket), ExpectedBucketOwner: owner,
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(next.BlockPublicAcls), IgnorePublicAcls: aws.Bool(next.IgnorePublicAcls),
			BlockPublicPolicy: aws.Bool(next.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(next.RestrictPublicBuckets),
		},
	})
	if HasCode(err, codeNoSuchBucket) {
		return gone, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("put Block Public Access of bucket %s: %w", bucket, err)
	}
	var enabled []string
	was := map[string]bool{}
	for _, s := range cur.on() {
		was[s] = true
	}
	for _, s := range next.on() {
		if !was[s] {
			enabled = append(enabled, s)
		}
	}
	return Result{Outcome: Changed,
		Message: fmt.Sprintf("turned on %s of bucket %s", strings.Join(enabled, ", "), bucket),
		Output:  map[string]any{"enabled": enabled, "settings": next.on()}}, nil
}

// bucketMissing says that bucket does not exist.
func bucketMissing(bucket string) string { return fmt.Sprintf("bucket %s does not exist", bucket) }

// publicAccessBlock returns the bucket's Block Public Access settings; a
// bucket without a configuration has every setting off.
func publicAccessBlock(ctx context.Context, cli *s3.Client, bucket string, owner *string) (blockSettings, error) {
	got, err := cli.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner})
	switch {
	case HasCode(err, codeNoSuchPAB):
		return blockSettings{}, nil
	case err != nil:
		return blockSettings{}, fmt.Errorf("get Block Public Access of bucket %s: %w", bucket, err)
	case got.PublicAccessBlockConfiguration == nil:
		return blockSettings{}, nil
	}
	c := got.PublicAccessBlockConfiguration
	return blockSettings{
		BlockPublicAcls: aws.ToBool(c.BlockPublicAcls), IgnorePublicAcls: aws.ToBool(c.IgnorePublicAcls),
		BlockPublicPolicy: aws.ToBool(c.BlockPublicPolicy), RestrictPublicBuckets: aws.ToBool(c.RestrictPublicBuckets),
	}, nil
}

// Verification.

func verifyNoPublicStatements(ctx context.Context, in Input, _ Result) error {
	bucket := in.String("bucket")
	got, err := s3.NewFromConfig(in.AWS).GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in)})
	switch {
	case HasCode(err, codeNoSuchBucketPolicy):
		return nil
	case HasCode(err, codeNoSuchBucket):
		return Mismatch("%s", bucketMissing(bucket))
	case err != nil:
		return fmt.Errorf("get policy of bucket %s: %w", bucket, err)
	}
	plan, err := planPolicy([]byte(aws.ToString(got.Policy)))
	if err != nil {
		return fmt.Errorf("policy of bucket %s: %w", bucket, err)
	}
	if len(plan.Removed) > 0 {
		return Mismatch("the policy of bucket %s grants access to everyone in statement(s) %s", bucket, strings.Join(plan.Removed, ", "))
	}
	return nil
}

func verifyACLPrivate(ctx context.Context, in Input, _ Result) error {
	bucket := in.String("bucket")
	acl, err := s3.NewFromConfig(in.AWS).GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in)})
	switch {
	case HasCode(err, codeACLNotSupported):
		return nil
	case HasCode(err, codeNoSuchBucket):
		return Mismatch("%s", bucketMissing(bucket))
	case err != nil:
		return fmt.Errorf("get ACL of bucket %s: %w", bucket, err)
	}
	var public []string
	for _, g := range acl.Grants {
		if name, ok := publicGrant(g); ok {
			public = append(public, name)
		}
	}
	if len(public) > 0 {
		return Mismatch("the ACL of bucket %s grants %s", bucket, strings.Join(public, ", "))
	}
	return nil
}

func verifyPublicAccessBlocked(ctx context.Context, in Input, _ Result) error {
	bucket := in.String("bucket")
	cur, err := publicAccessBlock(ctx, s3.NewFromConfig(in.AWS), bucket, expectedOwner(in))
	if HasCode(err, codeNoSuchBucket) {
		return Mismatch("%s", bucketMissing(bucket))
	}
	if err != nil {
		return err
	}
	if want := wantedBlock(in); cur.or(want) != cur {
		var off []string
		on := map[string]bool{}
		for _, s := range cur.on() {
			on[s] = true
		}
		for _, s := range want.on() {
			if !on[s] {
				off = append(off, s)
			}
		}
		return Mismatch("bucket %s has %s off", bucket, strings.Join(off, ", "))
	}
	return nil
}

// Versioning.

// bucketVersioning returns the bucket's versioning status: "Enabled",
// "Suspended", or "" for a bucket whose versioning was never enabled.
func bucketVersioning(ctx context.Context, cli *s3.Client, bucket string, owner *string) (string, error) {
	got, err := cli.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner})
	if err != nil {
		return "", fmt.Errorf("get versioning of bucket %s: %w", bucket, err)
	}
	return string(got.Status), nil
}

func enableVersioning(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	owner := expectedOwner(in)
	out := map[string]any{"bucket": bucket, "previous_status": ""}
	cur, err := bucketVersioning(ctx, cli, bucket, owner)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case err != nil:
		return Result{}, err
	}
	out["previous_status"] = cur
	if cur == string(s3types.BucketVersioningStatusEnabled) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("bucket %s already has versioning enabled", bucket), Output: out}, nil
	}
	_, err = cli.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case err != nil:
		return Result{}, fmt.Errorf("enable versioning of bucket %s: %w", bucket, err)
	}
	was := "never enabled"
	if cur != "" {
		was = "was " + cur
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("enabled versioning of bucket %s (%s)", bucket, was), Output: out}, nil
}

func verifyVersioningEnabled(ctx context.Context, in Input, _ Result) error {
	bucket := in.String("bucket")
	cur, err := bucketVersioning(ctx, s3.NewFromConfig(in.AWS), bucket, expectedOwner(in))
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Mismatch("%s", bucketMissing(bucket))
	case err != nil:
		return err
	case cur != string(s3types.BucketVersioningStatusEnabled):
		return Mismatch("bucket %s has versioning %s", bucket, orWord(cur, "never enabled"))
	}
	return nil
}

// orWord returns s, or word if s is blank.
func orWord(s, word string) string {
	if strings.TrimSpace(s) == "" {
		return word
	}
	return s
}
