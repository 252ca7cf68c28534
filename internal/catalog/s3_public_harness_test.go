package catalog_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/store"
)

// Helpers of the end-to-end tests of the public bucket playbooks
// (s3-bucket-made-public, config-s3-public-read-write).

const (
	s3AllUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
	// s3CrossAccount grants another account's role a listing: not public.
	s3CrossAccount = `{"Sid":"AllowAnalytics","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/Analytics"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::BUCKET"}`
	s3PublicRead   = `{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"}`
)

// s3Policy returns a policy of the given statements for bucket.
func s3Policy(bucket string, statements ...string) string {
	return strings.ReplaceAll(`{"Version":"2012-10-17","Statement":[`+strings.Join(statements, ",")+`]}`, "BUCKET", bucket)
}

// s3Bucket is a bucket in the member account, reached as its administrator.
type s3Bucket struct {
	cli  *s3.Client
	name string
}

// newS3Bucket creates a bucket in the member account. With public, its
// owner turns Block Public Access off, puts a policy that lets everyone
// read its objects and another account list it, and makes its ACL
// public-read; otherwise the bucket keeps Block Public Access and its
// policy only grants the other account.
func newS3Bucket(t *testing.T, h *harness, name string, public bool) *s3Bucket {
	t.Helper()
	ctx := context.Background()
	b := &s3Bucket{cli: s3.NewFromConfig(h.sim.Config(member)), name: name}
	bn := aws.String(name)
	// A public bucket keeps its ACLs enabled, as one made before April
	// 2023 does.
	in := &s3.CreateBucketInput{Bucket: bn}
	if public {
		in.ObjectOwnership = s3types.ObjectOwnershipObjectWriter
	}
	if _, err := b.cli.CreateBucket(ctx, in); err != nil {
		t.Fatal(err)
	}
	policy := s3Policy(name, s3CrossAccount)
	if public {
		if _, err := b.cli.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: bn}); err != nil {
			t.Fatal(err)
		}
		policy = s3Policy(name, s3PublicRead, s3CrossAccount)
	}
	if _, err := b.cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bn, Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if public {
		if _, err := b.cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: bn, ACL: s3types.BucketCannedACLPublicRead}); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// s3View is what the tests read of a bucket's public exposure.
type s3View struct {
	Block  []string // the Block Public Access settings that are on
	Sids   []string // the policy's statements, by Sid
	Public bool     // the policy status
	Grants []string // the ACL's grants, "Type:grantee:PERMISSION"
}

func (b *s3Bucket) view(t *testing.T) s3View {
	t.Helper()
	ctx := context.Background()
	bn := aws.String(b.name)
	var v s3View
	pab, err := b.cli.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bn})
	switch {
	case err == nil:
		c := pab.PublicAccessBlockConfiguration
		for _, s := range []struct {
			name string
			on   *bool
		}{{"BlockPublicAcls", c.BlockPublicAcls}, {"IgnorePublicAcls", c.IgnorePublicAcls}, {"BlockPublicPolicy", c.BlockPublicPolicy}, {"RestrictPublicBuckets", c.RestrictPublicBuckets}} {
			if aws.ToBool(s.on) {
				v.Block = append(v.Block, s.name)
			}
		}
	case !strings.Contains(err.Error(), "NoSuchPublicAccessBlockConfiguration"):
		t.Fatal(err)
	}
	pol, err := b.cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bn})
	switch {
	case err == nil:
		var doc struct{ Statement []struct{ Sid string } }
		if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
			t.Fatalf("policy of %s: %v", b.name, err)
		}
		for _, s := range doc.Statement {
			v.Sids = append(v.Sids, s.Sid)
		}
		st, err := b.cli.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: bn})
		if err != nil {
			t.Fatal(err)
		}
		v.Public = aws.ToBool(st.PolicyStatus.IsPublic)
	case !strings.Contains(err.Error(), "NoSuchBucketPolicy"):
		t.Fatal(err)
	}
	acl, err := b.cli.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: bn})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range acl.Grants {
		who := aws.ToString(g.Grantee.URI)
		if aws.ToString(g.Grantee.ID) == aws.ToString(acl.Owner.ID) {
			who = "owner"
		}
		v.Grants = append(v.Grants, string(g.Grantee.Type)+":"+who+":"+string(g.Permission))
	}
	sort.Strings(v.Grants)
	return v
}

// s3Mutations returns the successful mutating S3 calls in the member
// account's activity log after the first skip records.
func s3Mutations(h *harness, skip int) []awssim.TrailRecord {
	var out []awssim.TrailRecord
	for i, r := range h.sim.Trail(member, "us-east-1") {
		if i >= skip && !r.ReadOnly && r.ErrorCode == "" && r.EventSource == "s3.amazonaws.com" {
			out = append(out, r)
		}
	}
	return out
}

func s3EventNames(recs []awssim.TrailRecord) []string {
	var names []string
	for _, r := range recs {
		names = append(names, r.EventName)
	}
	return names
}

// s3StepStatuses returns the status of each step of a run by step id.
func s3StepStatuses(t *testing.T, a *app.App, runID string) map[string]store.StepStatus {
	t.Helper()
	recs, err := a.Store.Steps(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]store.StepStatus, len(recs))
	for _, r := range recs {
		out[r.Name] = r.Status
	}
	return out
}

// s3StepOutput decodes the output of a run's step.
func s3StepOutput(t *testing.T, a *app.App, runID, step string) map[string]any {
	t.Helper()
	recs, err := a.Store.Steps(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Name == step {
			var m map[string]any
			if err := json.Unmarshal(r.Output, &m); err != nil {
				t.Fatalf("step %s output %s: %v", step, r.Output, err)
			}
			return m
		}
	}
	t.Fatalf("run %s has no step %s", runID, step)
	return nil
}

// s3Events collects the "AWS API Call via CloudTrail" events the
// simulator emits for mutating S3 calls.
type s3Events struct {
	mu     sync.Mutex
	events [][]byte
}

func collectS3Events(h *harness) *s3Events {
	c := &s3Events{}
	h.sim.Subscribe(func(ev []byte) {
		if !strings.Contains(string(ev), `"source":"aws.s3"`) {
			return
		}
		c.mu.Lock()
		c.events = append(c.events, ev)
		c.mu.Unlock()
	})
	return c
}

// byCaller returns the collected events whose caller's ARN contains s,
// with their event names.
func (c *s3Events) byCaller(t *testing.T, s string) ([][]byte, []string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var evs [][]byte
	var names []string
	for _, raw := range c.events {
		var ev struct {
			Detail struct {
				EventName    string `json:"eventName"`
				UserIdentity struct {
					ARN string `json:"arn"`
				} `json:"userIdentity"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(ev.Detail.UserIdentity.ARN, s) {
			evs = append(evs, raw)
			names = append(names, ev.Detail.EventName)
		}
	}
	return evs, names
}
