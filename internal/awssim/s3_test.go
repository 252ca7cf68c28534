package awssim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// s3Clients returns a path-style client and a virtual-hosted-style client
// (bucket.localhost:port, dialled through the simulator's HTTP client).
func s3Clients(t *testing.T, sim *awssim.Server, account string) map[string]*s3.Client {
	t.Helper()
	cfg := sim.Config(account)
	path := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	vhost := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = false
		o.BaseEndpoint = aws.String(strings.Replace(sim.URL, "127.0.0.1", "localhost", 1))
		o.HTTPClient = sim.HTTPClient()
	})
	// With a BaseEndpoint of an IP address and default options the SDK
	// addresses buckets path-style by itself.
	plain := s3.NewFromConfig(cfg)
	return map[string]*s3.Client{"path": path, "virtual": vhost, "default": plain}
}

const publicPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"},
 {"Sid":"AllowAnalytics","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/Analytics"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::%s"}]}`

func TestS3BucketRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	for style, cli := range s3Clients(t, sim, "") {
		t.Run(style, func(t *testing.T) {
			bucket := "exports-" + style
			if _, err := cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}
			if _, err := cli.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("HeadBucket: %v", err)
			}
			loc, err := cli.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
			if err != nil || loc.LocationConstraint != "" {
				t.Fatalf("GetBucketLocation = %q, %v; want empty (us-east-1)", loc.LocationConstraint, err)
			}

			// New buckets block public access; the block must go before a
			// public policy is accepted.
			pab, err := cli.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
			if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) {
				t.Fatalf("GetPublicAccessBlock on a new bucket = %+v, %v; want all blocked", pab, err)
			}
			policy := strings.ReplaceAll(publicPolicy, "%s", bucket)
			_, err = cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)})
			if apiCode(err) != "AccessDenied" {
				t.Fatalf("public PutBucketPolicy under BlockPublicPolicy: got %v, want AccessDenied", err)
			}
			if _, err := cli.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("DeletePublicAccessBlock: %v", err)
			}
			_, err = cli.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
			if apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
				t.Fatalf("GetPublicAccessBlock after delete: got %v", err)
			}

			_, err = cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
			if apiCode(err) != "NoSuchBucketPolicy" {
				t.Fatalf("GetBucketPolicy before put: got %v, want NoSuchBucketPolicy", err)
			}
			if _, err := cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
				t.Fatalf("PutBucketPolicy: %v", err)
			}
			got, err := cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
			if err != nil || aws.ToString(got.Policy) != policy {
				t.Fatalf("GetBucketPolicy = %q, %v; want the policy put", aws.ToString(got.Policy), err)
			}
			st, err := cli.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(bucket)})
			if err != nil || !aws.ToBool(st.PolicyStatus.IsPublic) {
				t.Fatalf("GetBucketPolicyStatus = %+v, %v; want public", st, err)
			}
			_, err = cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String("not json")})
			if apiCode(err) != "MalformedPolicy" {
				t.Fatalf("PutBucketPolicy(not json): got %v, want MalformedPolicy", err)
			}
			if _, err := cli.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("DeleteBucketPolicy: %v", err)
			}
			_, err = cli.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(bucket)})
			if apiCode(err) != "NoSuchBucketPolicy" {
				t.Fatalf("GetBucketPolicyStatus after delete: got %v", err)
			}

			// Encryption: SSE-S3 by default, then KMS, then back.
			enc, err := cli.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
			if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 {
				t.Fatalf("GetBucketEncryption default = %+v, %v", enc, err)
			}
			_, err = cli.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
				Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/data")}, BucketKeyEnabled: aws.Bool(true)}},
			}})
			if err != nil {
				t.Fatalf("PutBucketEncryption: %v", err)
			}
			enc, err = cli.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
			if err != nil {
				t.Fatalf("GetBucketEncryption: %v", err)
			}
			if r := enc.ServerSideEncryptionConfiguration.Rules[0]; r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAwsKms ||
				aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != "alias/data" || !aws.ToBool(r.BucketKeyEnabled) {
				t.Errorf("encryption rule = %+v", r)
			}

			// Versioning.
			v, err := cli.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
			if err != nil || v.Status != "" {
				t.Fatalf("GetBucketVersioning new = %q, %v", v.Status, err)
			}
			if _, err := cli.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
				t.Fatalf("PutBucketVersioning: %v", err)
			}
			v, err = cli.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
			if err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
				t.Fatalf("GetBucketVersioning = %q, %v; want Enabled", v.Status, err)
			}

			// Tagging.
			_, err = cli.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
			if apiCode(err) != "NoSuchTagSet" {
				t.Fatalf("GetBucketTagging new: got %v, want NoSuchTagSet", err)
			}
			if _, err := cli.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(bucket), Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("owner"), Value: aws.String("data-team")}}}}); err != nil {
				t.Fatalf("PutBucketTagging: %v", err)
			}
			tags, err := cli.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
			if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Value) != "data-team" {
				t.Fatalf("GetBucketTagging = %+v, %v", tags, err)
			}
			if _, err := cli.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("DeleteBucketTagging: %v", err)
			}

			// Objects.
			body := []byte("id,amount\n1,10\n")
			if _, err := cli.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("2026/11/export.csv"), Body: bytes.NewReader(body), ContentType: aws.String("text/csv")}); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			obj, err := cli.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("2026/11/export.csv")})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			data, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			if !bytes.Equal(data, body) || aws.ToString(obj.ContentType) != "text/csv" {
				t.Errorf("GetObject = %q (%s), want %q", data, aws.ToString(obj.ContentType), body)
			}
			list, err := cli.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("2026/")})
			if err != nil || len(list.Contents) != 1 || aws.ToInt64(list.Contents[0].Size) != int64(len(body)) {
				t.Fatalf("ListObjectsV2 = %+v, %v", list, err)
			}
			_, err = cli.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
			if apiCode(err) != "BucketNotEmpty" {
				t.Fatalf("DeleteBucket non-empty: got %v, want BucketNotEmpty", err)
			}
			if _, err := cli.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("2026/11/export.csv")}); err != nil {
				t.Fatalf("DeleteObject: %v", err)
			}
			_, err = cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("2026/11/export.csv")})
			if apiCode(err) != "NotFound" {
				t.Fatalf("HeadObject after delete: got %v, want NotFound", err)
			}
			if _, err := cli.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("DeleteBucket: %v", err)
			}
			_, err = cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
			var nsb *s3types.NoSuchBucket
			if apiCode(err) != "NoSuchBucket" && !errors.As(err, &nsb) {
				t.Fatalf("after DeleteBucket: got %v, want NoSuchBucket", err)
			}
		})
	}
}

func TestS3BucketNamesAreGlobal(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	mine := s3Clients(t, sim, "")["path"]
	theirs := s3Clients(t, sim, member)["path"]
	euCfg := sim.Config("")
	euCfg.Region = "eu-west-1"
	eu := s3.NewFromConfig(euCfg, func(o *s3.Options) { o.UsePathStyle = true })

	if _, err := eu.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatalf("CreateBucket eu-west-1: %v", err)
	}
	_, err := eu.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}})
	var owned *s3types.BucketAlreadyOwnedByYou
	if !errors.As(err, &owned) {
		t.Fatalf("CreateBucket again: got %v, want BucketAlreadyOwnedByYou", err)
	}
	_, err = theirs.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name")})
	var exists *s3types.BucketAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("CreateBucket by another account: got %v, want BucketAlreadyExists", err)
	}
	_, err = theirs.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("shared-name")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("GetBucketAcl of another account's bucket: got %v, want AccessDenied", err)
	}
	loc, err := mine.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("shared-name")})
	if err != nil || loc.LocationConstraint != s3types.BucketLocationConstraintEuWest1 {
		t.Fatalf("GetBucketLocation = %q, %v; want eu-west-1", loc.LocationConstraint, err)
	}
	_, err = mine.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("shared-name")})
	if apiCode(err) != "PermanentRedirect" {
		t.Fatalf("GetBucketPolicy from us-east-1 of an eu-west-1 bucket: got %v, want PermanentRedirect", err)
	}
	_, err = mine.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("no-such-bucket-here")})
	var nsb *s3types.NoSuchBucket
	if apiCode(err) != "NoSuchBucket" && !errors.As(err, &nsb) {
		t.Fatalf("GetBucketPolicy of a missing bucket: got %v, want NoSuchBucket", err)
	}
	_, err = mine.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")})
	if apiCode(err) != "InvalidBucketName" {
		t.Fatalf("CreateBucket(Bad_Name): got %v, want InvalidBucketName", err)
	}
	lb, err := theirs.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 0 {
		t.Fatalf("ListBuckets of the other account = %+v, %v; want none", lb.Buckets, err)
	}
	lb, err = mine.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].BucketRegion) != "eu-west-1" {
		t.Fatalf("ListBuckets = %+v, %v; want shared-name in eu-west-1", lb.Buckets, err)
	}
}

func TestS3BucketACL(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := s3Clients(t, sim, "")["virtual"]
	if _, err := cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	// New buckets have ACLs disabled (BucketOwnerEnforced): an ACL that
	// grants anyone but the owner is refused, a private one accepted.
	_, err := cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("site"), ACL: s3types.BucketCannedACLPublicRead})
	if apiCode(err) != "AccessControlListNotSupported" {
		t.Fatalf("public-read with ACLs disabled: got %v, want AccessControlListNotSupported", err)
	}
	if _, err := cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("site"), ACL: s3types.BucketCannedACLPrivate}); err != nil {
		t.Fatalf("private ACL with ACLs disabled: %v", err)
	}
	own, err := cli.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("site")})
	if err != nil || len(own.OwnershipControls.Rules) != 1 || own.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("GetBucketOwnershipControls of a new bucket = %+v, %v; want BucketOwnerEnforced", own, err)
	}
	if _, err := cli.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("site"), OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatalf("PutBucketOwnershipControls: %v", err)
	}
	_, err = cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("site"), ACL: s3types.BucketCannedACLPublicRead})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("public-read under BlockPublicAcls: got %v, want AccessDenied", err)
	}
	if _, err := cli.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("site"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		t.Fatalf("PutPublicAccessBlock: %v", err)
	}

	groups := func() map[string][]string {
		t.Helper()
		acl, err := cli.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("site")})
		if err != nil {
			t.Fatalf("GetBucketAcl: %v", err)
		}
		if aws.ToString(acl.Owner.ID) == "" {
			t.Errorf("ACL owner has no ID")
		}
		out := map[string][]string{}
		for _, g := range acl.Grants {
			who := aws.ToString(g.Grantee.URI)
			if who == "" {
				who = "id:" + aws.ToString(g.Grantee.ID)
			}
			out[who] = append(out[who], string(g.Permission))
		}
		return out
	}
	const allUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
	const authUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"

	for _, tc := range []struct {
		acl  s3types.BucketCannedACL
		want map[string]int
	}{
		{s3types.BucketCannedACLPublicRead, map[string]int{allUsers: 1}},
		{s3types.BucketCannedACLPublicReadWrite, map[string]int{allUsers: 2}},
		{s3types.BucketCannedACLAuthenticatedRead, map[string]int{authUsers: 1}},
		{s3types.BucketCannedACLPrivate, map[string]int{}},
	} {
		if _, err := cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("site"), ACL: tc.acl}); err != nil {
			t.Fatalf("PutBucketAcl(%s): %v", tc.acl, err)
		}
		g := groups()
		if len(g[allUsers]) != tc.want[allUsers] || len(g[authUsers]) != tc.want[authUsers] || len(g) != 1+len(tc.want) {
			t.Errorf("after %s: grants %v, want group grants %v plus the owner", tc.acl, g, tc.want)
		}
	}

	acl, err := cli.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("site")})
	if err != nil {
		t.Fatalf("GetBucketAcl: %v", err)
	}
	_, err = cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("site"), AccessControlPolicy: &s3types.AccessControlPolicy{
		Owner: acl.Owner,
		Grants: []s3types.Grant{
			{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: acl.Owner.ID}, Permission: s3types.PermissionFullControl},
			{Grantee: &s3types.Grantee{Type: s3types.TypeGroup, URI: aws.String(authUsers)}, Permission: s3types.PermissionWrite},
		},
	}})
	if err != nil {
		t.Fatalf("PutBucketAcl(AccessControlPolicy): %v", err)
	}
	if g := groups(); len(g[authUsers]) != 1 || g[authUsers][0] != "WRITE" {
		t.Errorf("after AccessControlPolicy: grants %v, want AuthenticatedUsers WRITE", g)
	}

	// The CloudTrail record of the last PutBucketAcl names the grants.
	var rec awssim.TrailRecord
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.EventName == "PutBucketAcl" && r.ErrorCode == "" {
			rec = r
		}
	}
	params, _ := json.Marshal(rec.RequestParameters)
	if !strings.Contains(string(params), `"AccessControlPolicy"`) || !strings.Contains(string(params), authUsers) || !strings.Contains(string(params), `"bucketName":"site"`) {
		t.Errorf("PutBucketAcl requestParameters = %s", params)
	}
}

func TestS3PutBucketPolicyTrailAndEvent(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	var mu sync.Mutex
	var events []map[string]any
	sim.Subscribe(func(b []byte) {
		var ev map[string]any
		if err := json.Unmarshal(b, &ev); err == nil {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}
	})
	cli := s3Clients(t, sim, member)["virtual"]
	bucket := "customer-exports-prod"
	if _, err := cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := cli.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("DeletePublicAccessBlock: %v", err)
	}
	policy := strings.ReplaceAll(publicPolicy, "%s", bucket)
	if _, err := cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
	if _, err := cli.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		t.Fatalf("PutPublicAccessBlock: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	byName := map[string]map[string]any{}
	for _, ev := range events {
		if ev["source"] != "aws.s3" || ev["detail-type"] != "AWS API Call via CloudTrail" {
			t.Errorf("event source %v / %v, want aws.s3 API call", ev["source"], ev["detail-type"])
		}
		d := ev["detail"].(map[string]any)
		byName[d["eventName"].(string)] = d
	}
	put := byName["PutBucketPolicy"]
	if put == nil {
		t.Fatalf("no PutBucketPolicy event among %d", len(events))
	}
	rp := put["requestParameters"].(map[string]any)
	if rp["bucketName"] != bucket || rp["policy"] != "" || !strings.HasPrefix(rp["Host"].(string), bucket+".localhost:") {
		t.Errorf("PutBucketPolicy requestParameters = %v", rp)
	}
	bp, ok := rp["bucketPolicy"].(map[string]any)
	if !ok || len(bp["Statement"].([]any)) != 2 {
		t.Errorf("bucketPolicy = %v, want the policy as an object with 2 statements", rp["bucketPolicy"])
	}
	if put["eventSource"] != "s3.amazonaws.com" || put["recipientAccountId"] != member {
		t.Errorf("event source/account = %v/%v", put["eventSource"], put["recipientAccountId"])
	}
	res, _ := json.Marshal(put["resources"])
	if !strings.Contains(string(res), `"ARN":"arn:aws:s3:::customer-exports-prod"`) || !strings.Contains(string(res), `"type":"AWS::S3::Bucket"`) {
		t.Errorf("resources = %s", res)
	}
	del := byName["DeleteBucketPublicAccessBlock"]
	if del == nil || del["requestParameters"].(map[string]any)["publicAccessBlock"] != "" {
		t.Errorf("DeleteBucketPublicAccessBlock event = %v", del)
	}
	pput := byName["PutBucketPublicAccessBlock"]
	if pput == nil {
		t.Fatalf("no PutBucketPublicAccessBlock event")
	}
	cfg := pput["requestParameters"].(map[string]any)["PublicAccessBlockConfiguration"].(map[string]any)
	if cfg["BlockPublicPolicy"] != true || cfg["RestrictPublicBuckets"] != true {
		t.Errorf("PublicAccessBlockConfiguration = %v", cfg)
	}
	for _, n := range []string{"GetBucketPolicy", "HeadBucket"} {
		if byName[n] != nil {
			t.Errorf("read-only %s was emitted", n)
		}
	}
}

// TestS3PolicyIsPublic checks PolicyIsPublic against the table of
// statements in testdata (shared with the action package's tests) and a
// few whole policies.
func TestS3PolicyIsPublic(t *testing.T) {
	raw, err := os.ReadFile("testdata/s3-public-statements.json")
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
	for _, tc := range cases {
		policy := `{"Version":"2012-10-17","Statement":[` + string(tc.Statement) + `]}`
		if got := awssim.PolicyIsPublic(policy); got != tc.Public {
			t.Errorf("%s: PolicyIsPublic = %v, want %v", tc.Name, got, tc.Public)
		}
	}
	for _, tc := range []struct {
		name, policy string
		want         bool
	}{
		{"single statement object", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:*","Resource":"*"}}`, true},
		{"a public statement after a private one", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:root"},"Action":"s3:*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`, true},
		{"malformed", `{`, false},
	} {
		if got := awssim.PolicyIsPublic(tc.policy); got != tc.want {
			t.Errorf("%s: PolicyIsPublic = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// fixedEndpoint resolves every S3 Control request to one URL, leaving the
// host without the account prefix.
type fixedEndpoint struct{ u url.URL }

func (f fixedEndpoint) ResolveEndpoint(context.Context, s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	return smithyendpoints.Endpoint{URI: f.u}, nil
}

func TestS3ControlWithFixedEndpointResolver(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	u, err := url.Parse(sim.URL)
	if err != nil {
		t.Fatal(err)
	}
	cli := s3control.NewFromConfig(sim.Config(""), func(o *s3control.Options) { o.EndpointResolverV2 = fixedEndpoint{*u} })
	_, err = cli.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(awssim.DefaultAccount),
		PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{RestrictPublicBuckets: aws.Bool(true)}})
	if err != nil {
		t.Fatalf("PutPublicAccessBlock: %v", err)
	}
	got, err := cli.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(awssim.DefaultAccount)})
	if err != nil || !aws.ToBool(got.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Fatalf("GetPublicAccessBlock = %+v, %v", got, err)
	}
}

func TestS3ControlAccountPublicAccessBlock(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := s3control.NewFromConfig(sim.Config(""), func(o *s3control.Options) { o.HTTPClient = sim.HTTPClient() })
	acct := aws.String(awssim.DefaultAccount)

	_, err := cli.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: acct})
	var none *s3ctypes.NoSuchPublicAccessBlockConfiguration
	if !errors.As(err, &none) {
		t.Fatalf("GetPublicAccessBlock before put: got %v, want NoSuchPublicAccessBlockConfiguration", err)
	}
	if _, err := cli.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: acct,
		PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true)}}); err != nil {
		t.Fatalf("PutPublicAccessBlock: %v", err)
	}
	got, err := cli.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: acct})
	if err != nil {
		t.Fatalf("GetPublicAccessBlock: %v", err)
	}
	if c := got.PublicAccessBlockConfiguration; !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || aws.ToBool(c.IgnorePublicAcls) {
		t.Errorf("configuration = %+v", c)
	}
	_, err = cli.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(member)})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("GetPublicAccessBlock of another account: got %v, want AccessDenied", err)
	}

	// The account block applies to buckets without their own block.
	s3c := s3Clients(t, sim, "")["path"]
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acct-blocked")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := s3c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("acct-blocked")}); err != nil {
		t.Fatalf("DeletePublicAccessBlock: %v", err)
	}
	_, err = s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("acct-blocked"), Policy: aws.String(strings.ReplaceAll(publicPolicy, "%s", "acct-blocked"))})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("public policy under the account's BlockPublicPolicy: got %v, want AccessDenied", err)
	}

	if _, err := cli.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: acct}); err != nil {
		t.Fatalf("DeletePublicAccessBlock: %v", err)
	}
	_, err = cli.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: acct})
	if !errors.As(err, &none) {
		t.Fatalf("GetPublicAccessBlock after delete: got %v, want NoSuchPublicAccessBlockConfiguration", err)
	}
	var put *awssim.TrailRecord
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.EventName == "PutAccountPublicAccessBlock" {
			put = &r
		}
	}
	if put == nil || put.ReadOnly {
		t.Fatalf("no mutating PutAccountPublicAccessBlock record")
	}
	if !sim.Serves("s3:PutAccountPublicAccessBlock") || !sim.Serves("s3:PutBucketPolicy") {
		t.Errorf("Operations lacks the S3 and S3 Control operations")
	}
}

// rawRequest sends an unsigned-but-well-formed request as the default
// account's administrator to a Server that skips signature checks.
func rawRequest(t testing.TB, sim *awssim.Server, method, service, path string, header map[string]string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, sim.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	id, _ := sim.AdminKeys(awssim.DefaultAccount)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+id+"/20261120/us-east-1/"+service+"/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	req.Header.Set("X-Amz-Date", "20261120T000000Z")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func FuzzS3Requests(f *testing.F) {
	sim := awssim.Start(f, func(o *awssim.Options) { o.SkipSignatureCheck = true })
	if resp, b := rawRequest(f, sim, http.MethodPut, "s3", "/fuzz", nil, nil); resp.StatusCode != 200 {
		f.Fatalf("CreateBucket: %d %s", resp.StatusCode, b)
	}
	for _, seed := range []struct {
		method uint8
		path   string
		acl    string
		body   string
	}{
		{1, "/fuzz?acl", "public-read", ""},
		{1, "/fuzz?acl", "", `<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`},
		{1, "/fuzz?publicAccessBlock", "", `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>`},
		{1, "/fuzz?policy", "", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`},
		{1, "/fuzz?tagging", "", `<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`},
		{1, "/fuzz?encryption", "", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`},
		{1, "/fuzz?versioning", "", `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`},
		{1, "/fuzz/a/b.txt", "", "data"},
		{0, "/fuzz?list-type=2&max-keys=1&continuation-token=!!", "", ""},
		{2, "/fuzz/a/b.txt", "", ""},
		{3, "/fuzz", "", ""},
		{0, "/", "", ""},
	} {
		f.Add(seed.method, seed.path, seed.acl, seed.body)
	}
	methods := []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPost}
	f.Fuzz(func(t *testing.T, method uint8, path, acl, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " #\x00\r\n") {
			return
		}
		if _, err := url.ParseRequestURI(path); err != nil {
			return
		}
		h := map[string]string{}
		if acl != "" && !strings.ContainsFunc(acl, func(r rune) bool { return r < 0x20 || r >= 0x7f }) {
			h["X-Amz-Acl"] = acl
		}
		resp, b := rawRequest(t, sim, methods[int(method)%len(methods)], "s3", path, h, []byte(body))
		if resp.StatusCode >= 500 {
			t.Fatalf("%s: status %d: %s", path, resp.StatusCode, b)
		}
	})
}
