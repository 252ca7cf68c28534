package catalog_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/store"
)

const configPublic = "config-s3-public-read-write"

func TestConfigS3PublicReadWriteWorkflow(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	pub := newS3Bucket(t, h, "customer-exports-prod", true)
	shared := newS3Bucket(t, h, "customer-exports-shared", false)
	sharedBefore := shared.view(t)
	a := h.rectify(t, "")

	// NON_COMPLIANT for s3-bucket-public-read-prohibited.
	mark := len(h.sim.Trail(member, "us-east-1"))
	event := fixture(t, configPublic, "event.json")
	res, err := a.Engine.Handle(ctx, event)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, %v; want one succeeded run", res, err)
	}
	if got := pub.view(t); !reflect.DeepEqual(got, allPrivate) {
		t.Errorf("bucket after = %+v\nwant %+v", got, allPrivate)
	}
	muts := s3Mutations(h, mark)
	if names := s3EventNames(muts); !reflect.DeepEqual(names, []string{"PutBucketPublicAccessBlock", "PutBucketPolicy", "PutBucketAcl"}) {
		t.Errorf("mutating calls = %v", names)
	}
	for _, m := range muts {
		if !strings.Contains(m.UserIdentity.ARN, ":assumed-role/rectify-remediation/rectify-") {
			t.Errorf("%s made by %s, not by rectify's role session", m.EventName, m.UserIdentity.ARN)
		}
	}
	msgs := h.sim.SNSMessages(h.topic)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Message, "Public bucket customer-exports-prod in 444455556666: s3-bucket-public-read-prohibited") ||
		!strings.Contains(msgs[0].Message, "PublicRead") {
		t.Errorf("notifications = %+v", msgs)
	}

	// The compliant variant: the bucket back to COMPLIANT does not match.
	mark = len(h.sim.Trail(member, "us-east-1"))
	if res, err := a.Engine.Handle(ctx, fixture(t, configPublic, "event-compliant.json")); err != nil || res.Status != store.EventUnmatched {
		t.Errorf("compliant event = %+v, %v; want unmatched", res, err)
	}
	// A Security Hub copy of the rule on a bucket that only grants another
	// account: the playbook runs and finds nothing to do.
	res, err = a.Engine.Handle(ctx, fixture(t, configPublic, "event-securityhub-rule.json", "customer-exports-prod", shared.name))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("Security Hub rule on the compliant bucket = %+v, %v", res, err)
	}
	done := map[string]store.StepStatus{"block_public_access": store.StepAlreadyDone, "policy": store.StepAlreadyDone, "acl": store.StepAlreadyDone}
	if got := s3StepStatuses(t, a, res.Runs[0].RunID); !reflect.DeepEqual(got, done) {
		t.Errorf("compliant bucket's steps = %v", got)
	}
	if got := shared.view(t); !reflect.DeepEqual(got, sharedBefore) {
		t.Errorf("compliant bucket changed: %+v, was %+v", got, sharedBefore)
	}
	// The write rule on the bucket already fixed, then the first event again.
	res, err = a.Engine.Handle(ctx, fixture(t, configPublic, "event-public-write.json"))
	if err != nil || len(res.Runs) != 1 || !reflect.DeepEqual(s3StepStatuses(t, a, res.Runs[0].RunID), done) {
		t.Errorf("public-write event on the fixed bucket = %+v, %v", res, err)
	}
	if res, err := a.Engine.Handle(ctx, event); err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	if muts := s3Mutations(h, mark); len(muts) != 0 {
		t.Errorf("mutating calls after the first run: %v", s3EventNames(muts))
	}
	if got := pub.view(t); !reflect.DeepEqual(got, allPrivate) {
		t.Errorf("bucket at the end = %+v", got)
	}
}

// TestConfigS3PublicReadWritePolicyOnly covers a bucket made public by its
// policy alone, with Block Public Access off: the policy goes, since
// nothing else is left in it, and the private ACL is not touched.
func TestConfigS3PublicReadWritePolicyOnly(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	b := newS3Bucket(t, h, "customer-exports-prod", false)
	if _, err := b.cli.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(b.name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(b.name), Policy: aws.String(s3Policy(b.name, s3PublicRead))}); err != nil {
		t.Fatal(err)
	}
	a := h.rectify(t, "")
	mark := len(h.sim.Trail(member, "us-east-1"))
	res, err := a.Engine.Handle(ctx, fixture(t, configPublic, "event-conformance-pack-rule.json"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, %v", res, err)
	}
	if names := s3EventNames(s3Mutations(h, mark)); !reflect.DeepEqual(names, []string{"PutBucketPublicAccessBlock", "DeleteBucketPolicy"}) {
		t.Errorf("mutating calls = %v", names)
	}
	if out := s3StepOutput(t, a, res.Runs[0].RunID, "policy"); out["policy_deleted"] != true || !reflect.DeepEqual(out["removed_sids"], []any{"PublicRead"}) {
		t.Errorf("policy step output = %v", out)
	}
	if got := b.view(t); got.Sids != nil || len(got.Block) != 4 || !reflect.DeepEqual(got.Grants, []string{"CanonicalUser:owner:FULL_CONTROL"}) {
		t.Errorf("bucket after = %+v", got)
	}
}
