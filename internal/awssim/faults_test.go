package awssim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestFaultLatencyAndRateLimit(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := sts.NewFromConfig(sim.Config(""))

	sim.SetFault("sts", "GetCallerIdentity", awssim.Fault{Latency: 50 * time.Millisecond})
	start := time.Now()
	if _, err := cli.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("call took %s, want at least the injected 50ms", d)
	}

	// A bucket of 3 tokens refilled at 0.001/s: three calls pass, the rest
	// are throttled with STS's code.
	sim.SetFault("sts", "", awssim.Fault{RateLimit: 0.001, Burst: 3})
	var ok, throttled int
	for range 6 {
		_, err := cli.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		switch {
		case err == nil:
			ok++
		case apiCode(err) == "Throttling":
			throttled++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 3 || throttled != 3 {
		t.Errorf("ok %d, throttled %d; want 3 and 3", ok, throttled)
	}
	sim.ClearFaults()
	if _, err := cli.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}

func TestResetAndDeterministicIDs(t *testing.T) {
	ctx := context.Background()
	create := func(sim *awssim.Server) string {
		out, err := iam.NewFromConfig(sim.Config("")).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("erin")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.User.UserId)
	}
	a, b := awssim.Start(t), awssim.Start(t)
	idA, idB := create(a), create(b)
	if idA != idB {
		t.Errorf("same seed, different ids: %s, %s", idA, idB)
	}
	c := awssim.Start(t, func(o *awssim.Options) { o.Seed = 42 })
	if create(c) == idA {
		t.Errorf("another seed gave the same id %s", idA)
	}

	a.Reset()
	if got := create(a); got != idA {
		t.Errorf("after Reset the ids start again: got %s, want %s", got, idA)
	}
	b.Reset()
	if _, err := iam.NewFromConfig(b.Config("")).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("erin")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("after Reset: %v, want NoSuchEntity", err)
	}
}

func TestFaultIgnoreWrites(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	adm := iam.NewFromConfig(sim.Config(""))
	if _, err := adm.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("frank")}); err != nil {
		t.Fatal(err)
	}
	key, err := adm.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("frank")})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	keyStatus := func() iamtypes.StatusType {
		t.Helper()
		out, err := adm.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("frank")})
		if err != nil || len(out.AccessKeyMetadata) != 1 {
			t.Fatalf("ListAccessKeys = %+v, %v", out, err)
		}
		return out.AccessKeyMetadata[0].Status
	}
	deactivate := func() error {
		_, err := adm.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("frank"), AccessKeyId: aws.String(id), Status: iamtypes.StatusTypeInactive})
		return err
	}

	sim.SetFault("iam", "", awssim.Fault{IgnoreWrites: true, Times: 2})
	if err := deactivate(); err != nil {
		t.Fatalf("UpdateAccessKey under IgnoreWrites: %v, want success", err)
	}
	if got := keyStatus(); got != iamtypes.StatusTypeActive {
		t.Errorf("key %s after an ignored deactivation, want Active", got)
	}
	if _, err := sts.NewFromConfig(sim.ConfigFor(id, secret, "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("the key no longer works after an ignored deactivation: %v", err)
	}
	// Reads are not counted; the second write is ignored too, the third
	// (past Times) is not.
	if _, err := adm.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ghost")}); err != nil {
		t.Fatalf("CreateUser under IgnoreWrites: %v", err)
	}
	if _, err := adm.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ghost")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("GetUser of a user whose creation was ignored: %v, want NoSuchEntity", err)
	}
	if err := deactivate(); err != nil {
		t.Fatal(err)
	}
	if got := keyStatus(); got != iamtypes.StatusTypeInactive {
		t.Errorf("key %s once the fault is spent, want Inactive", got)
	}
	// The ignored calls are in the activity log as successes.
	var updates int
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.EventName == "UpdateAccessKey" && r.ErrorCode == "" {
			updates++
		}
	}
	if updates != 2 {
		t.Errorf("%d successful UpdateAccessKey records, want 2", updates)
	}
}

// scopedCall is a call by an account ("" for the default) in a region, and
// whether it is to be throttled.
type scopedCall struct {
	account, region string
	throttled       bool
}

func TestFaultPerAccountRegion(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	const other = "210987654321"
	call := func(service, account, region string) error {
		cfg := sim.Config(account)
		cfg.Region = region
		var err error
		switch service {
		case "sts":
			_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		case "iam":
			_, err = iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
		}
		return err
	}
	tests := []struct {
		name    string
		service string
		perArea bool
		calls   []scopedCall // made in order
	}{
		{"one bucket for every caller", "sts", false, []scopedCall{{"", "us-east-1", false}, {"", "us-east-1", false}, {other, "us-east-1", true}, {"", "eu-west-1", true}}},
		{"a bucket per account and region", "sts", true, []scopedCall{{"", "us-east-1", false}, {"", "us-east-1", false}, {"", "us-east-1", true},
			{other, "us-east-1", false}, {other, "us-east-1", false}, {other, "us-east-1", true},
			{"", "eu-west-1", false}, {"", "eu-west-1", false}, {"", "eu-west-1", true}}},
		{"a global service's bucket is per account", "iam", true, []scopedCall{{"", "us-east-1", false}, {"", "us-east-1", false}, {"", "eu-west-1", true},
			{other, "eu-west-1", false}, {other, "us-east-1", false}, {other, "us-east-1", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim.ClearFaults()
			// Two tokens, refilled at one every 1000 seconds.
			sim.SetFault(tt.service, "", awssim.Fault{RateLimit: 0.001, Burst: 2, PerAccountRegion: tt.perArea})
			for i, c := range tt.calls {
				err := call(tt.service, c.account, c.region)
				if throttled := err != nil && (apiCode(err) == "Throttling"); throttled != c.throttled || (err != nil && !throttled) {
					t.Fatalf("call %d (account %q, %s): err = %v, want throttled %v", i, c.account, c.region, err, c.throttled)
				}
			}
		})
	}
}

func TestAWSLikeLimits(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	const other = "210987654321"
	rules := sim.AWSLikeLimits(5 * time.Millisecond)
	find := func(service, op string) awssim.Fault {
		for _, r := range rules {
			if r.Service == service && r.Op == op {
				return r.Fault
			}
		}
		t.Fatalf("no rule for %s %q", service, op)
		return awssim.Fault{}
	}
	for _, tt := range []struct {
		service, op string
		rate        float64
		burst       int
	}{
		{"ec2", "RevokeSecurityGroupIngress", 5, 50},
		{"ec2", "DescribeSecurityGroupRules", 20, 100},
		{"iam", "", 10, 20},
		{"securityhub", "BatchUpdateFindings", 10, 30},
		{"securityhub", "GetFindings", 3, 6},
		{"cloudtrail", "LookupEvents", 2, 2},
	} {
		if f := find(tt.service, tt.op); f.RateLimit != tt.rate || f.Burst != tt.burst || !f.PerAccountRegion {
			t.Errorf("%s %q: %+v, want %v/s burst %d per account and region", tt.service, tt.op, f, tt.rate, tt.burst)
		}
	}
	if f := find("s3", ""); f.Latency != 5*time.Millisecond || f.RateLimit != 0 {
		t.Errorf("s3: %+v, want latency only", f)
	}

	// LookupEvents admits two calls at once per account and region.
	sim.SetAWSLikeLimits(0)
	lookup := func(account string) error {
		_, err := cloudtrail.NewFromConfig(sim.Config(account)).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
		return err
	}
	for i, want := range []string{"", "", "ThrottlingException"} {
		if err := lookup(""); apiCode(err) != want && !(want == "" && err == nil) {
			t.Fatalf("LookupEvents %d: %v, want %q", i, err, want)
		}
	}
	if err := lookup(other); err != nil {
		t.Errorf("another account's first LookupEvents: %v", err)
	}
}
