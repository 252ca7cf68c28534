package action

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestPublicStatement(t *testing.T) {
	tests := []struct {
		name, stmt string
		want       bool
	}{
		{"principal star", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}`, true},
		{"AWS star", `{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*"}`, true},
		{"AWS star in a list", `{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","*"]}}`, true},
		{"NotPrincipal allow", `{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"}}`, true},
		{"deny to everyone", `{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`, false},
		{"another account", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/Analytics"}}`, false},
		{"a service", `{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"}}`, false},
		{"source VPC endpoint", `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`, false},
		{"source IP range", `{"Effect":"Allow","Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.7"]}}}`, false},
		{"organization", `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}`, false},
		{"source account, any case", `{"Effect":"Allow","Principal":"*","Condition":{"stringequals":{"AWS:SOURCEACCOUNT":"111122223333"}}}`, false},
		{"source ARN like", `{"Effect":"Allow","Principal":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}}`, false},
		{"for any value", `{"Effect":"Allow","Principal":"*","Condition":{"ForAnyValue:StringEquals":{"aws:SourceAccount":"111122223333"}}}`, false},
		{"organization paths, not a documented key", `{"Effect":"Allow","Principal":"*","Condition":{"ForAnyValue:StringEquals":{"aws:PrincipalOrgPaths":"o-a/r-b/ou-c/"}}}`, true},
		{"unrelated condition", `{"Effect":"Allow","Principal":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`, true},
		{"the whole internet", `{"Effect":"Allow","Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}`, true},
		{"the whole IPv6 internet", `{"Effect":"Allow","Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":["::/0"]}}}`, true},
		{"negated condition", `{"Effect":"Allow","Principal":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`, true},
		{"if exists", `{"Effect":"Allow","Principal":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123"}}}`, true},
		{"for all values", `{"Effect":"Allow","Principal":"*","Condition":{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}`, true},
		{"wildcard value", `{"Effect":"Allow","Principal":"*","Condition":{"StringLike":{"aws:SourceAccount":"*"}}}`, true},
		{"user id role pattern", `{"Effect":"Allow","Principal":"*","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLE:*"}}}`, true},
		{"empty value list", `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:SourceVpce":[]}}}`, true},
		{"restricting beside unrelated", `{"Effect":"Allow","Principal":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceVpc":"vpc-1"}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := PublicStatement([]byte(tt.stmt))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PublicStatement(%s) = %v, want %v", tt.stmt, got, tt.want)
			}
		})
	}
	for _, bad := range []string{`[]`, `{"Effect":"Allow","Principal":7}`, `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:SourceVpce":{"a":1}}}}`} {
		if _, _, err := PublicStatement([]byte(bad)); err == nil {
			t.Errorf("PublicStatement(%s) succeeded, want an error", bad)
		}
	}
}

func TestPlanPolicy(t *testing.T) {
	tests := []struct {
		name, policy string
		removed      []string
		kept         int
		want         string // the new policy; "" when it is deleted
	}{
		{"public and cross-account",
			`{"Version":"2012-10-17","Id":"p1","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
			  {"Sid":"AllowAnalytics","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/Analytics"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]}`,
			[]string{"PublicRead"}, 1,
			`{"Version":"2012-10-17","Id":"p1","Statement":[{"Sid":"AllowAnalytics","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/Analytics"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]}`},
		{"only public statements",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"},{"Sid":"W","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:PutObject"}]}`,
			[]string{"statement[0]", "W"}, 0, ""},
		{"one statement as an object",
			`{"Statement":{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"s3:GetObject"},"Version":"2012-10-17"}`,
			[]string{"Open"}, 0, ""},
		{"nothing public",
			`{"Version":"2012-10-17","Statement":[{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			nil, 1,
			`{"Version":"2012-10-17","Statement":[{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`},
		{"deny kept beside a removed allow",
			`{"Version":"2012-10-17","Statement":[{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},{"Sid":"Pub","Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`,
			[]string{"Pub"}, 1,
			`{"Version":"2012-10-17","Statement":[{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := planPolicy([]byte(tt.policy))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plan.Removed, tt.removed) || plan.Kept != tt.kept {
				t.Errorf("removed %q, kept %d; want %q, %d", plan.Removed, plan.Kept, tt.removed, tt.kept)
			}
			if tt.want == "" {
				if plan.Policy != nil {
					t.Errorf("policy = %s, want it deleted", plan.Policy)
				}
				return
			}
			if len(tt.removed) == 0 {
				if string(plan.Policy) != tt.policy {
					t.Errorf("unchanged policy rewritten: %s", plan.Policy)
				}
				return
			}
			if string(plan.Policy) != tt.want {
				t.Errorf("policy =\n%s\nwant\n%s", plan.Policy, tt.want)
			}
		})
	}
	for _, bad := range []struct{ policy, err string }{
		{`not json`, "policy is not JSON"},
		{`["Statement"]`, "policy is not a JSON object"},
		{`{"Version":"2012-10-17"}`, "policy has no Statement"},
		{`{"Statement":"x"}`, "Statement: want an object or a list of objects"},
		{`{"Statement":[{"Effect":"Allow","Principal":true}]}`, "Statement[0]: Principal"},
		{`{"Statement":[]} {}`, "data after its closing brace"},
	} {
		if _, err := planPolicy([]byte(bad.policy)); err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("planPolicy(%s) = %v, want an error containing %q", bad.policy, err, bad.err)
		}
	}
}

func TestConditionRestricts(t *testing.T) {
	tests := []struct {
		op, key string
		vals    []string
		want    bool
	}{
		{"StringEquals", "aws:SourceVpce", []string{"vpce-1"}, true},
		{"IpAddress", "aws:SourceIp", []string{"10.0.0.0/8"}, true},
		{"IpAddress", "aws:SourceIp", []string{"10.0.0.0/8", "0.0.0.0/0"}, false},
		{"NotIpAddress", "aws:SourceIp", []string{"10.0.0.0/8"}, false},
		{"StringEquals", "aws:SecureTransport", []string{"true"}, false},
		{"StringEquals", "aws:SourceVpce", nil, false},
		{"StringEquals", "aws:SourceVpce", []string{" "}, false},
		{"StringLike", "aws:SourceArn", []string{"arn:aws:sns:us-east-1:111122223333:t?"}, false},
		{"ArnEquals", "aws:PrincipalArn", []string{"arn:aws:iam::111122223333:role/r"}, false},
		{"StringEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id", []string{"arn:aws:kms:us-east-1:111122223333:key/k"}, true},
		{"StringEqualsIfExists", "aws:SourceVpce", []string{"vpce-1"}, false},
		{"StringNotEquals", "aws:SourceVpce", []string{"vpce-1"}, false},
		{"StringEquals", "aws:SourceIp", []string{"10.0.0.1"}, false},
	}
	for _, tt := range tests {
		if got := conditionRestricts(tt.op, tt.key, tt.vals); got != tt.want {
			t.Errorf("conditionRestricts(%s, %s, %q) = %v, want %v", tt.op, tt.key, tt.vals, got, tt.want)
		}
	}
}

// TestPublicStatementAgreesWithTheSimulator runs the table of statements
// the simulator's S3 judges (PolicyIsPublic) through PublicStatement: both
// follow AWS's documented rule, and a policy rectify leaves behind must
// not be one S3 still counts as public.
func TestPublicStatementAgreesWithTheSimulator(t *testing.T) {
	raw, err := os.ReadFile("../awssim/testdata/s3-public-statements.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name      string          `json:"name"`
		Public    bool            `json:"public"`
		Statement json.RawMessage `json:"statement"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 30 {
		t.Fatalf("%d cases, want the whole table", len(cases))
	}
	for _, tc := range cases {
		got, _, err := PublicStatement(tc.Statement)
		if err != nil || got != tc.Public {
			t.Errorf("%s: PublicStatement = %v, %v; want %v", tc.Name, got, err, tc.Public)
		}
		policy := `{"Version":"2012-10-17","Statement":[` + string(tc.Statement) + `]}`
		if sim := awssim.PolicyIsPublic(policy); sim != tc.Public {
			t.Errorf("%s: the simulator's PolicyIsPublic = %v, want %v", tc.Name, sim, tc.Public)
		}
	}
}

// s3World is a bucket in the simulator, made public by its owner.
type s3World struct {
	sim    *awssim.Server
	cli    *s3.Client
	bucket string
}

const (
	publicPolicy = `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::exports/*"},` +
		`{"Sid":"AllowAnalytics","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/Analytics"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::exports"}]}`
	logDeliveryURI = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

func newS3World(t *testing.T) *s3World {
	t.Helper()
	ctx := context.Background()
	sim := awssim.Start(t)
	w := &s3World{sim: sim, cli: s3.NewFromConfig(sim.Config("")), bucket: "exports"}
	b := aws.String(w.bucket)
	if _, err := w.cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.cli.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	// ACLs are disabled on new buckets; this one's owner enables them.
	if _, err := w.cli.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(publicPolicy)}); err != nil {
		t.Fatal(err)
	}
	acl, err := w.cli.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	group := func(uri string, perm s3types.Permission) s3types.Grant {
		return s3types.Grant{Grantee: &s3types.Grantee{Type: s3types.TypeGroup, URI: aws.String(uri)}, Permission: perm}
	}
	grants := append(acl.Grants, group(s3AllUsersURI, s3types.PermissionRead), group(s3AuthenticatedUsersURI, s3types.PermissionWrite),
		group(logDeliveryURI, s3types.PermissionWrite))
	if _, err := w.cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, AccessControlPolicy: &s3types.AccessControlPolicy{Owner: acl.Owner, Grants: grants}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *s3World) input(params map[string]any) Input {
	return Input{Params: params, AWS: w.sim.Config(""), Target: Target{Account: awssim.DefaultAccount, Region: awssim.DefaultRegion, Type: "AWS::S3::Bucket", ID: w.bucket}}
}

// run checks params against the action's spec and runs it through its
// permission gate, verifying what it changed.
func run(t *testing.T, name string, in Input) Result {
	t.Helper()
	var spec *Spec
	for _, s := range s3Actions() {
		if s.Name == name {
			spec = &s
		}
	}
	if spec == nil {
		t.Fatalf("no action %s", name)
	}
	params, err := spec.Check(in.Params)
	if err != nil {
		t.Fatal(err)
	}
	in.Params = params
	res, err := execute(t, spec, in)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// mutations counts the mutating calls made on the bucket since the world
// was built.
func (w *s3World) mutations() int {
	n := 0
	for _, r := range w.sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion) {
		if !r.ReadOnly && r.ErrorCode == "" && r.EventSource == "s3.amazonaws.com" {
			n++
		}
	}
	return n
}

func TestS3MakeBucketPrivate(t *testing.T) {
	ctx := context.Background()
	w := newS3World(t)
	b := aws.String(w.bucket)
	in := w.input(map[string]any{"bucket": w.bucket})

	res := run(t, "s3.block-public-access", in)
	if res.Outcome != Changed || !reflect.DeepEqual(res.Output["enabled"], []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"}) {
		t.Errorf("block-public-access = %+v", res)
	}
	pab, err := w.cli.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	if c := pab.PublicAccessBlockConfiguration; !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || !aws.ToBool(c.RestrictPublicBuckets) {
		t.Errorf("Block Public Access after = %+v", c)
	}

	res = run(t, "s3.remove-public-policy-statements", in)
	if res.Outcome != Changed || !reflect.DeepEqual(res.Output["removed_sids"], []string{"PublicRead"}) || res.Output["kept"] != 1 || res.Output["policy_deleted"] != false {
		t.Errorf("remove-public-policy-statements = %+v", res)
	}
	pol, err := w.cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []struct{ Sid string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != 1 || doc.Statement[0].Sid != "AllowAnalytics" {
		t.Errorf("policy after = %s", aws.ToString(pol.Policy))
	}
	st, err := w.cli.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: b})
	if err != nil || aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Errorf("policy status after = %+v, %v", st, err)
	}

	res = run(t, "s3.make-acl-private", in)
	if res.Outcome != Changed || !reflect.DeepEqual(res.Output["removed_grants"], []string{"AllUsers:READ", "AuthenticatedUsers:WRITE"}) {
		t.Errorf("make-acl-private = %+v", res)
	}
	acl, err := w.cli.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, g := range acl.Grants {
		left = append(left, string(g.Grantee.Type)+" "+aws.ToString(g.Grantee.URI)+aws.ToString(g.Grantee.ID)+" "+string(g.Permission))
	}
	want := []string{"CanonicalUser " + aws.ToString(acl.Owner.ID) + " FULL_CONTROL", "Group " + logDeliveryURI + " WRITE"}
	if !reflect.DeepEqual(left, want) {
		t.Errorf("ACL after = %q, want %q", left, want)
	}

	// Every action is now done: running them again changes nothing.
	before := w.mutations()
	for _, name := range []string{"s3.block-public-access", "s3.remove-public-policy-statements", "s3.make-acl-private"} {
		if res := run(t, name, in); res.Outcome != AlreadyDone {
			t.Errorf("%s again = %+v, want already done", name, res)
		}
	}
	if n := w.mutations(); n != before {
		t.Errorf("mutating calls on the second run: %d", n-before)
	}
}

func TestS3RemovePolicyDeletesWhenNothingIsLeft(t *testing.T) {
	ctx := context.Background()
	w := newS3World(t)
	b := aws.String(w.bucket)
	only := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::exports/*"}]}`
	if _, err := w.cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(only)}); err != nil {
		t.Fatal(err)
	}
	res := run(t, "s3.remove-public-policy-statements", w.input(map[string]any{"bucket": w.bucket}))
	if res.Outcome != Changed || res.Output["policy_deleted"] != true || !reflect.DeepEqual(res.Output["removed_sids"], []string{"statement[0]"}) {
		t.Errorf("result = %+v", res)
	}
	if _, err := w.cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b}); !HasCode(err, "NoSuchBucketPolicy") {
		t.Errorf("policy after = %v, want none", err)
	}
	if res := run(t, "s3.remove-public-policy-statements", w.input(map[string]any{"bucket": w.bucket})); res.Outcome != AlreadyDone {
		t.Errorf("without a policy = %+v", res)
	}
}

func TestS3CrossAccountPolicyIsLeftAlone(t *testing.T) {
	ctx := context.Background()
	w := newS3World(t)
	cross := `{"Version":"2012-10-17","Statement":[{"Sid":"AllowAnalytics","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/Analytics"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::exports"},` +
		`{"Sid":"ViaEndpoint","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::exports/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`
	if _, err := w.cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(w.bucket), Policy: aws.String(cross)}); err != nil {
		t.Fatal(err)
	}
	before := w.mutations()
	res := run(t, "s3.remove-public-policy-statements", w.input(map[string]any{"bucket": w.bucket}))
	if res.Outcome != AlreadyDone || res.Output["kept"] != 2 {
		t.Errorf("result = %+v", res)
	}
	if w.mutations() != before {
		t.Error("a policy without public statements was rewritten")
	}
}

func TestS3BlockPublicAccessNeverLoosens(t *testing.T) {
	ctx := context.Background()
	w := newS3World(t)
	b := aws.String(w.bucket)
	res := run(t, "s3.block-public-access", w.input(map[string]any{"bucket": w.bucket, "block_public_policy": false, "restrict_public_buckets": "false"}))
	if res.Outcome != Changed || !reflect.DeepEqual(res.Output["settings"], []string{"BlockPublicAcls", "IgnorePublicAcls"}) {
		t.Errorf("result = %+v", res)
	}
	pab, err := w.cli.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	if c := pab.PublicAccessBlockConfiguration; !aws.ToBool(c.BlockPublicAcls) || aws.ToBool(c.BlockPublicPolicy) {
		t.Errorf("settings = %+v", c)
	}
	// All four on; asking for fewer turns none off.
	on := &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}
	if _, err := w.cli.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: on}); err != nil {
		t.Fatal(err)
	}
	res = run(t, "s3.block-public-access", w.input(map[string]any{"bucket": w.bucket, "block_public_acls": false}))
	if res.Outcome != AlreadyDone {
		t.Errorf("with every setting on = %+v", res)
	}
}

func TestS3MissingBucket(t *testing.T) {
	w := newS3World(t)
	in := w.input(map[string]any{"bucket": "no-such-bucket"})
	for _, name := range []string{"s3.block-public-access", "s3.remove-public-policy-statements", "s3.make-acl-private", "s3.enable-versioning"} {
		if res := run(t, name, in); res.Outcome != NotFound || res.Message != "bucket no-such-bucket does not exist" {
			t.Errorf("%s on a missing bucket = %+v", name, res)
		}
	}
}

// TestS3VirtualHosted runs the actions with virtual-hosted-style addressing,
// as against AWS.
func TestS3VirtualHosted(t *testing.T) {
	w := newS3World(t)
	cfg := w.sim.Config("")
	cfg.BaseEndpoint = aws.String(strings.Replace(w.sim.URL, "127.0.0.1", "localhost", 1))
	cfg.HTTPClient = w.sim.HTTPClient()
	in := w.input(map[string]any{"bucket": w.bucket})
	in.AWS = cfg
	for _, name := range []string{"s3.block-public-access", "s3.remove-public-policy-statements", "s3.make-acl-private"} {
		if res := run(t, name, in); res.Outcome != Changed {
			t.Errorf("%s = %+v", name, res)
		}
	}
	var hosts []string
	for _, r := range w.sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion) {
		if r.EventName == "PutBucketAcl" {
			p, _ := r.RequestParameters.(map[string]any)
			h, _ := p["Host"].(string)
			hosts = append(hosts, h)
		}
	}
	if len(hosts) != 2 || !strings.HasPrefix(hosts[1], w.bucket+".localhost") {
		t.Errorf("Host of the PutBucketAcl calls = %q, want the second virtual-hosted", hosts)
	}
}

// FuzzPlanPolicy checks that any policy text gets a plan or an error, never
// a panic, and that a plan's policy is valid JSON without public
// statements.
func FuzzPlanPolicy(f *testing.F) {
	f.Add(publicPolicy)
	f.Add(`{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"x"}}}`)
	f.Add(`{"Statement":[{"Effect":"Allow","Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":["::/0",1,true]}}}]}`)
	f.Fuzz(func(t *testing.T, policy string) {
		plan, err := planPolicy([]byte(policy))
		if err != nil || plan.Policy == nil {
			return
		}
		again, err := planPolicy(plan.Policy)
		if err != nil {
			t.Fatalf("planned policy %s does not parse: %v", plan.Policy, err)
		}
		if len(again.Removed) != 0 || again.Kept != plan.Kept {
			t.Fatalf("planned policy %s still has public statements %q", plan.Policy, again.Removed)
		}
	})
}

// TestS3ACLsDisabled checks that a bucket whose ACLs are disabled
// (BucketOwnerEnforced object ownership, which the simulator does not
// model) counts as done, against a server that answers as S3 does.
func TestS3ACLsDisabled(t *testing.T) {
	const publicACL = `<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>abc</ID></Owner><AccessControlList>
<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>
<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>
</AccessControlList></AccessControlPolicy>`
	const notSupported = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessControlListNotSupported</Code><Message>The bucket does not allow ACLs</Message><RequestId>1</RequestId></Error>`
	for _, failGet := range []bool{true, false} {
		var calls []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls = append(calls, r.Method+" "+r.Header.Get("X-Amz-Expected-Bucket-Owner"))
			if r.Method == http.MethodGet && !failGet {
				w.Header().Set("Content-Type", "application/xml")
				_, _ = w.Write([]byte(publicACL))
				return
			}
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(notSupported))
		}))
		cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} },
			Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
		in := Input{Params: map[string]any{"bucket": "owned"}, AWS: cfg, Target: Target{Account: "444455556666", Region: "us-east-1"}}
		res := run(t, "s3.make-acl-private", in)
		srv.Close()
		if res.Outcome != AlreadyDone || !strings.Contains(res.Message, "ACLs disabled") {
			t.Errorf("failGet %v: result = %+v", failGet, res)
		}
		want := []string{"GET 444455556666"}
		if !failGet {
			want = append(want, "PUT 444455556666")
		}
		if !reflect.DeepEqual(calls, want) {
			t.Errorf("failGet %v: calls (method, expected owner) = %q, want %q", failGet, calls, want)
		}
	}
}
