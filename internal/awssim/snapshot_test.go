package awssim_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/awssim"
)

const fixtureYAML = `
calls:
  - {account: "444455556666", service: iam, action: CreateUser, params: {UserName: alice}}
  - {account: "444455556666", service: iam, action: CreateRole, params: {RoleName: ops, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}'}}
activity:
  - account: "444455556666"
    region: us-east-1
    records:
      - {eventName: ListBuckets, eventSource: s3.amazonaws.com, eventTime: "2026-11-20T10:00:00Z", readOnly: true,
         userIdentity: {type: IAMUser, userName: alice, arn: "arn:aws:iam::444455556666:user/alice", accountId: "444455556666", principalId: AIDAX}}
`

func TestFixtureSeedsState(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	f, err := awssim.ParseFixture([]byte(fixtureYAML), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Seed(ctx, f); err != nil {
		t.Fatal(err)
	}
	if recs := sim.Trail(member, "us-east-1"); len(recs) != 3 || recs[0].EventName != "ListBuckets" {
		t.Errorf("trail = %+v, want the seeded record first, then the two calls", recs)
	}
	cli := iam.NewFromConfig(sim.Config(member))
	if _, err := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}); err != nil {
		t.Errorf("seeded user: %v", err)
	}
	if _, err := cli.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ops")}); err != nil {
		t.Errorf("seeded role: %v", err)
	}

	bad := []string{
		"calls: [{service: nope, action: X}]",
		"calls: [{service: iam, action: GetUser, params: {UserName: ghost}}]",
		"calls: [{service: iam, acton: CreateUser}]",
	}
	for _, b := range bad {
		f, err := awssim.ParseFixture([]byte(b), true)
		if err == nil {
			err = sim.Seed(ctx, f)
		}
		if err == nil {
			t.Errorf("fixture %q: no error", b)
		}
	}
}

func TestSnapshotRestoresState(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := iam.NewFromConfig(sim.Config(member))
	if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	k, err := cli.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	if err := sim.SaveState(path); err != nil {
		t.Fatal(err)
	}

	sim2 := awssim.Start(t)
	if err := sim2.LoadState(path); err != nil {
		t.Fatal(err)
	}
	if len(sim2.Trail(member, "us-east-1")) != len(sim.Trail(member, "us-east-1")) {
		t.Errorf("activity log not restored")
	}
	if _, err := iam.NewFromConfig(sim2.Config(member)).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); err != nil {
		t.Errorf("restored user: %v", err)
	}
	who, err := sts.NewFromConfig(sim2.ConfigFor(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || !strings.HasSuffix(aws.ToString(who.Arn), ":user/bob") {
		t.Errorf("restored access key: %v, %v", who, err)
	}
	if err := sim2.LoadState(filepath.Join(t.TempDir(), "missing.json")); err != nil {
		t.Errorf("missing state file: %v, want no error", err)
	}
}
