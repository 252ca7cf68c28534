package awssim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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
