package catalog_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/store"
)

// world is a central account running rectify and a member account with an
// exposed key, in the simulator.
type world struct {
	*harness
	key   string
	event []byte
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{harness: newHarness(t)}
	sim := w.sim
	miam := iam.NewFromConfig(sim.Config(member))
	if _, err := miam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci-deployer")}); err != nil {
		t.Fatal(err)
	}
	k, err := miam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci-deployer")})
	if err != nil {
		t.Fatal(err)
	}
	w.key = aws.ToString(k.AccessKey.AccessKeyId)

	// A day of the user's activity, and one call from before the window.
	now := sim.Now()
	ident := awssim.UserIdentity{Type: "IAMUser", PrincipalID: "AIDACIDEPLOYER", ARN: "arn:aws:iam::" + member + ":user/ci-deployer",
		AccountID: member, AccessKeyID: w.key, UserName: "ci-deployer"}
	calls := []struct {
		ago           time.Duration
		source, name  string
		ip, errorCode string
	}{
		{30 * time.Hour, "s3.amazonaws.com", "ListBuckets", "198.51.100.7", ""},
		{20 * time.Hour, "s3.amazonaws.com", "ListBuckets", "203.0.113.66", ""},
		{19 * time.Hour, "s3.amazonaws.com", "GetObject", "203.0.113.66", ""},
		{18 * time.Hour, "iam.amazonaws.com", "CreateUser", "203.0.113.66", "AccessDenied"},
		{2 * time.Hour, "ec2.amazonaws.com", "RunInstances", "203.0.113.66", ""},
	}
	for _, c := range calls {
		sim.RecordActivity(member, "us-east-1", awssim.TrailRecord{UserIdentity: ident, EventTime: now.Add(-c.ago).Format(time.RFC3339),
			EventSource: c.source, EventName: c.name, AWSRegion: "us-east-1", SourceIPAddress: c.ip, ErrorCode: c.errorCode})
	}

	w.event = fixture(t, "ta-exposed-access-keys", "event.json", "AKIAIOSFODNN7EXAMPLE", w.key)
	return w
}

func TestExposedAccessKeyWorkflow(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	a := w.rectify(t, "")

	res, err := a.Engine.Handle(ctx, w.event)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, want one succeeded run", res)
	}

	keys, err := iam.NewFromConfig(w.sim.Config(member)).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci-deployer")})
	if err != nil || len(keys.AccessKeyMetadata) != 0 {
		t.Fatalf("keys of ci-deployer = %+v, %v; want none", keys, err)
	}
	// The key was deactivated before it was deleted.
	var ops []string
	for _, r := range w.sim.Trail(member, "us-east-1") {
		if r.EventName == "UpdateAccessKey" || r.EventName == "DeleteAccessKey" {
			ops = append(ops, r.EventName)
			if !strings.Contains(r.UserIdentity.ARN, ":assumed-role/rectify-remediation/rectify-") {
				t.Errorf("%s made by %s, not by rectify's role session", r.EventName, r.UserIdentity.ARN)
			}
		}
	}
	if strings.Join(ops, ",") != "UpdateAccessKey,DeleteAccessKey" {
		t.Errorf("IAM calls = %v, want deactivate then delete", ops)
	}

	msgs := w.sim.SNSMessages(w.topic)
	if len(msgs) != 1 {
		t.Fatalf("messages on the security topic = %d, want 1", len(msgs))
	}
	m := msgs[0].Message
	for _, want := range []string{
		w.key, "ci-deployer", "deactivated and deleted",
		"4 calls",        // the 30-hour-old call is outside the window
		"203.0.113.66",   // source IPs
		"AccessDenied",   // errors
		"s3:ListBuckets", // calls by name
		"ec2",            // calls by service
	} {
		if !strings.Contains(m, want) {
			t.Errorf("notification lacks %q:\n%s", want, m)
		}
	}
	if !strings.Contains(msgs[0].Subject, w.key) {
		t.Errorf("subject = %q", msgs[0].Subject)
	}

	// Redelivered, the event changes nothing and sends nothing.
	res, err = a.Engine.Handle(ctx, w.event)
	if err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	if n := len(w.sim.SNSMessages(w.topic)); n != 1 {
		t.Errorf("messages after redelivery = %d, want 1", n)
	}
}

func TestExposedAccessKeyDeactivateOnly(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	a := w.rectify(t, `
playbooks:
  overrides:
    ta-exposed-access-keys: {params: {delete_key: false}}
`)
	if _, err := a.Engine.Handle(ctx, w.event); err != nil {
		t.Fatal(err)
	}
	keys, err := iam.NewFromConfig(w.sim.Config(member)).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci-deployer")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].Status != "Inactive" {
		t.Fatalf("keys = %+v, %v; want the key kept, inactive", keys, err)
	}
	if m := w.sim.SNSMessages(w.topic); len(m) != 1 || strings.Contains(m[0].Message, "and deleted") {
		t.Errorf("notification = %+v", m)
	}
}

func TestExposedAccessKeyOtherEventsDoNotFire(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	a := w.rectify(t, "")
	for _, f := range []string{"event-status-ok.json", "event-other-check.json"} {
		res, err := a.Engine.Handle(ctx, fixture(t, "ta-exposed-access-keys", f, "AKIAIOSFODNN7EXAMPLE", w.key))
		if err != nil || res.Status != store.EventUnmatched {
			t.Errorf("%s: %+v, %v; want unmatched", f, res, err)
		}
	}
	keys, _ := iam.NewFromConfig(w.sim.Config(member)).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci-deployer")})
	if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].Status != "Active" {
		t.Errorf("keys changed: %+v", keys.AccessKeyMetadata)
	}
}
