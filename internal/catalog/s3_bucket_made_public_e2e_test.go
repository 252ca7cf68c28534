package catalog_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/store"
)

const madePublic = "s3-bucket-made-public"

// allPrivate is the view of a public test bucket once rectify is done:
// Block Public Access on, the cross-account statement kept, the owner's
// grant alone in the ACL.
var allPrivate = s3View{
	Block:  []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"},
	Sids:   []string{"AllowAnalytics"},
	Grants: []string{"CanonicalUser:owner:FULL_CONTROL"},
}

func TestS3BucketMadePublicWorkflow(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	pub := newS3Bucket(t, h, "customer-exports-prod", true)
	shared := newS3Bucket(t, h, "customer-exports-shared", false)
	before := pub.view(t)
	if before.Block != nil || !reflect.DeepEqual(before.Sids, []string{"PublicRead", "AllowAnalytics"}) || !before.Public ||
		!reflect.DeepEqual(before.Grants, []string{"CanonicalUser:owner:FULL_CONTROL", "Group:" + s3AllUsers + ":READ"}) {
		t.Fatalf("public bucket before = %+v", before)
	}
	sharedBefore := shared.view(t)
	if sharedBefore.Public || len(sharedBefore.Block) != 4 {
		t.Fatalf("compliant bucket before = %+v", sharedBefore)
	}
	events := collectS3Events(h)
	a := h.rectify(t, "")

	// The public policy: every exposure of the bucket is closed, the
	// cross-account statement stays.
	mark := len(h.sim.Trail(member, "us-east-1"))
	event := fixture(t, madePublic, "event.json")
	res, err := a.Engine.Handle(ctx, event)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, %v; want one succeeded run", res, err)
	}
	run := res.Runs[0].RunID
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
	if out := s3StepOutput(t, a, run, "policy"); !reflect.DeepEqual(out["removed_sids"], []any{"PublicRead"}) || out["policy_deleted"] != false {
		t.Errorf("policy step output = %v", out)
	}
	if out := s3StepOutput(t, a, run, "acl"); !reflect.DeepEqual(out["removed_grants"], []any{"AllUsers:READ"}) {
		t.Errorf("acl step output = %v", out)
	}
	msgs := h.sim.SNSMessages(h.topic)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "customer-exports-prod") || !strings.Contains(msgs[0].Subject, "PutBucketPolicy") ||
		!strings.Contains(msgs[0].Message, "PublicRead") {
		t.Errorf("notifications = %+v", msgs)
	}

	// The compliant variant: a policy that grants another account. The
	// playbook runs and finds nothing to do.
	mark = len(h.sim.Trail(member, "us-east-1"))
	res, err = a.Engine.Handle(ctx, fixture(t, madePublic, "event-policy-cross-account.json", "customer-exports-prod", shared.name))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("compliant variant = %+v, %v", res, err)
	}
	want := map[string]store.StepStatus{"block_public_access": store.StepAlreadyDone, "policy": store.StepAlreadyDone, "acl": store.StepAlreadyDone}
	if got := s3StepStatuses(t, a, res.Runs[0].RunID); !reflect.DeepEqual(got, want) {
		t.Errorf("compliant variant's steps = %v", got)
	}
	if got := shared.view(t); !reflect.DeepEqual(got, sharedBefore) {
		t.Errorf("compliant bucket changed: %+v, was %+v", got, sharedBefore)
	}
	// Another call on the bucket rectify fixed, and the first event again.
	if res, err := a.Engine.Handle(ctx, fixture(t, madePublic, "event-put-bucket-acl.json")); err != nil || len(res.Runs) != 1 ||
		res.Runs[0].Status != store.RunSucceeded || !reflect.DeepEqual(s3StepStatuses(t, a, res.Runs[0].RunID), want) {
		t.Errorf("PutBucketAcl on the fixed bucket = %+v, %v", res, err)
	}
	if res, err := a.Engine.Handle(ctx, event); err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	if muts := s3Mutations(h, mark); len(muts) != 0 {
		t.Errorf("mutating calls after the first run: %v", s3EventNames(muts))
	}

	// rectify's own calls, delivered back as events, are ignored.
	own, names := events.byCaller(t, ":assumed-role/rectify-remediation/rectify-")
	if !reflect.DeepEqual(names, []string{"PutBucketPublicAccessBlock", "PutBucketPolicy", "PutBucketAcl"}) {
		t.Fatalf("rectify's own events = %v", names)
	}
	for i, ev := range own {
		res, err := a.Engine.Handle(ctx, ev)
		if err != nil || res.Status != store.EventIgnored || !strings.Contains(res.Reason, "loop guard") {
			t.Errorf("own %s event = %+v, %v; want ignored by the loop guard", names[i], res, err)
		}
	}
	if muts := s3Mutations(h, mark); len(muts) != 0 {
		t.Errorf("mutating calls after rectify's own events: %v", s3EventNames(muts))
	}
	// The two runs that changed nothing are recorded but not notified.
	if n := len(h.sim.SNSMessages(h.topic)); n != 1 {
		t.Errorf("notifications = %d, want 1 (runs that changed nothing are not notified)", n)
	}
}

// TestS3BucketMadePublicFromTheSimulator feeds rectify the events the
// simulator emits for the owner's own calls that make a bucket public.
func TestS3BucketMadePublicFromTheSimulator(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	events := collectS3Events(h)
	pub := newS3Bucket(t, h, "team-share", true)
	a := h.rectify(t, "")
	user, names := events.byCaller(t, ":root")
	if !reflect.DeepEqual(names, []string{"CreateBucket", "DeleteBucketPublicAccessBlock", "PutBucketPolicy", "PutBucketAcl"}) {
		t.Fatalf("the owner's events = %v", names)
	}
	var statuses [][]store.StepStatus
	for i, ev := range user {
		res, err := a.Engine.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if names[i] == "CreateBucket" {
			if res.Status != store.EventUnmatched {
				t.Errorf("CreateBucket = %+v, want unmatched", res)
			}
			continue
		}
		if len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
			t.Fatalf("%s = %+v; want one succeeded run", names[i], res)
		}
		st := s3StepStatuses(t, a, res.Runs[0].RunID)
		statuses = append(statuses, []store.StepStatus{st["block_public_access"], st["policy"], st["acl"]})
	}
	// The first event's run fixes everything; the others find it done.
	done := []store.StepStatus{store.StepAlreadyDone, store.StepAlreadyDone, store.StepAlreadyDone}
	if want := [][]store.StepStatus{{store.StepSucceeded, store.StepSucceeded, store.StepSucceeded}, done, done}; !reflect.DeepEqual(statuses, want) {
		t.Errorf("step statuses per event = %v, want %v", statuses, want)
	}
	if got := pub.view(t); !reflect.DeepEqual(got, allPrivate) {
		t.Errorf("bucket after = %+v\nwant %+v", got, allPrivate)
	}
	own, _ := events.byCaller(t, ":assumed-role/rectify-remediation/rectify-")
	for _, ev := range own {
		if res, err := a.Engine.Handle(ctx, ev); err != nil || res.Status != store.EventIgnored {
			t.Errorf("own event = %+v, %v; want ignored", res, err)
		}
	}
}

func TestS3BucketMadePublicAllowedBucket(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	pub := newS3Bucket(t, h, "customer-exports-prod", true)
	before := pub.view(t)
	a := h.rectify(t, `
playbooks:
  overrides:
    s3-bucket-made-public: {params: {allowed_buckets: [customer-exports-prod]}}
`)
	mark := len(h.sim.Trail(member, "us-east-1"))
	res, err := a.Engine.Handle(ctx, fixture(t, madePublic, "event.json"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].RunID != "" || res.Runs[0].Skipped == "" {
		t.Fatalf("result = %+v, %v; want the run skipped", res, err)
	}
	if got := pub.view(t); !reflect.DeepEqual(got, before) {
		t.Errorf("allowed bucket changed: %+v, was %+v", got, before)
	}
	if muts := s3Mutations(h, mark); len(muts) != 0 {
		t.Errorf("mutating calls: %v", s3EventNames(muts))
	}
}
