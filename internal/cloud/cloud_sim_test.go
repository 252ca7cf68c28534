package cloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/cloud"
)

const (
	member    = "444455556666"
	roleName  = "rectify-remediation"
	extID     = "org-ext-7"
	simRegion = awssim.DefaultRegion
)

// trust returns a trust policy that lets principal assume a role, with the
// external ID when not empty.
func trust(principal, externalID string) string {
	st := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": principal}, "Action": "sts:AssumeRole"}
	if externalID != "" {
		st["Condition"] = map[string]any{"StringEquals": map[string]any{"sts:ExternalId": externalID}}
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
	return string(b)
}

// setup starts the simulator with the central account (rectify's own) and a
// member account whose role trusts the central account with extID.
func setup(t *testing.T) *awssim.Server {
	t.Helper()
	sim := awssim.Start(t)
	ctx := context.Background()
	_, err := iam.NewFromConfig(sim.Config(member)).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(roleName),
		AssumeRolePolicyDocument: aws.String(trust("arn:aws:iam::"+awssim.DefaultAccount+":root", extID)),
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	_, err = iam.NewFromConfig(sim.Config(member)).PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(roleName), PolicyName: aws.String("list-roles"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatalf("PutRolePolicy: %v", err)
	}
	return sim
}

// assumeCalls returns the AssumeRole calls the central account made.
func assumeCalls(sim *awssim.Server) []awssim.TrailRecord {
	var out []awssim.TrailRecord
	for _, r := range sim.Trail(awssim.DefaultAccount, simRegion) {
		if r.EventName == "AssumeRole" {
			out = append(out, r)
		}
	}
	return out
}

func callerARN(t *testing.T, cfg aws.Config) string {
	t.Helper()
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with the returned config: %v", err)
	}
	return aws.ToString(out.Arn)
}

func TestIdentity(t *testing.T) {
	sim := awssim.Start(t)
	p, err := cloud.New(context.Background(), sim.Config(""), cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ownARN := "arn:aws:iam::" + awssim.DefaultAccount + ":root"
	if p.IsOwnSession(ownARN) {
		t.Errorf("IsOwnSession knows the identity before Identity was called")
	}
	for range 3 {
		id, err := p.Identity(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if id.Account != awssim.DefaultAccount || id.ARN != ownARN || id.Partition != "aws" {
			t.Errorf("Identity = %+v", id)
		}
	}
	n := 0
	for _, r := range sim.Trail(awssim.DefaultAccount, simRegion) {
		if r.EventName == "GetCallerIdentity" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("GetCallerIdentity called %d times, want 1", n)
	}
	if !p.IsOwnSession(ownARN) {
		t.Errorf("IsOwnSession(own identity) = false")
	}
}

func TestConfigAssumesRole(t *testing.T) {
	sim := setup(t)
	ctx := context.Background()
	p, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID})
	if err != nil {
		t.Fatal(err)
	}

	cfg, err := p.Config(ctx, member, "eu-west-1", "run/01")
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("Region = %q, want eu-west-1", cfg.Region)
	}
	wantARN := "arn:aws:sts::" + member + ":assumed-role/" + roleName + "/rectify-run-01"
	if got := callerARN(t, cfg); got != wantARN {
		t.Errorf("caller = %s, want %s", got, wantARN)
	}
	if !p.IsOwnSession(wantARN) {
		t.Errorf("IsOwnSession(%s) = false", wantARN)
	}

	calls := assumeCalls(sim)
	if len(calls) != 1 {
		t.Fatalf("%d AssumeRole calls, want 1", len(calls))
	}
	params, _ := calls[0].RequestParameters.(map[string]any)
	if params["externalId"] != extID || params["roleSessionName"] != "rectify-run-01" ||
		params["roleArn"] != "arn:aws:iam::"+member+":role/"+roleName {
		t.Errorf("AssumeRole parameters = %v", params)
	}

	// The same run reuses the cached credentials, in any region.
	again, err := p.Config(ctx, member, "us-west-2", "run/01")
	if err != nil {
		t.Fatal(err)
	}
	callerARN(t, again)
	if n := len(assumeCalls(sim)); n != 1 {
		t.Errorf("after a second Config for the same run: %d AssumeRole calls, want 1", n)
	}
	if again.Region != "us-west-2" {
		t.Errorf("Region = %q, want us-west-2", again.Region)
	}

	// Another run gets its own session.
	other, err := p.Config(ctx, member, "eu-west-1", "run-02")
	if err != nil {
		t.Fatal(err)
	}
	if got := callerARN(t, other); !strings.HasSuffix(got, "/rectify-run-02") {
		t.Errorf("caller = %s, want session rectify-run-02", got)
	}
	if n := len(assumeCalls(sim)); n != 2 {
		t.Errorf("after another run: %d AssumeRole calls, want 2", n)
	}
}

func TestConfigConcurrentRunsShareOneAssumeRole(t *testing.T) {
	sim := setup(t)
	ctx := context.Background()
	p, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			if _, err := p.Config(ctx, member, "eu-west-1", "run-c"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(assumeCalls(sim)); n != 1 {
		t.Errorf("%d AssumeRole calls for one run from 16 goroutines, want 1", n)
	}
}

func TestConfigOwnAccount(t *testing.T) {
	sim := setup(t)
	ctx := context.Background()
	p, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config(ctx, awssim.DefaultAccount, "ap-southeast-2", "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "ap-southeast-2" {
		t.Errorf("Region = %q", cfg.Region)
	}
	if got, want := callerARN(t, cfg), "arn:aws:iam::"+awssim.DefaultAccount+":root"; got != want {
		t.Errorf("caller in own account = %s, want %s", got, want)
	}
	if n := len(assumeCalls(sim)); n != 0 {
		t.Errorf("%d AssumeRole calls in rectify's own account, want 0", n)
	}
}

func TestConfigAlwaysAssumeRole(t *testing.T) {
	sim := awssim.Start(t)
	ctx := context.Background()
	own := awssim.DefaultAccount
	_, err := iam.NewFromConfig(sim.Config(own)).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("fixer"),
		AssumeRolePolicyDocument: aws.String(trust("arn:aws:iam::"+own+":root", "")),
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := cloud.New(ctx, sim.Config(""), cloud.Options{
		RoleName: "arn:{partition}:iam::{account}:role/fixer", AlwaysAssumeRole: true, SessionPrefix: "sec-bot",
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config(ctx, own, simRegion, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := callerARN(t, cfg), "arn:aws:sts::"+own+":assumed-role/fixer/sec-bot-r1"; got != want {
		t.Errorf("caller = %s, want %s", got, want)
	}
}

func TestConfigRefusals(t *testing.T) {
	sim := setup(t)
	ctx := context.Background()

	wrongExt, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: "guess"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrongExt.Config(ctx, member, "eu-west-1", "run-1")
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(err.Error(), "arn:aws:iam::"+member+":role/"+roleName) {
		t.Errorf("wrong external ID: Config error = %v, want AccessDenied naming the role", err)
	}

	overridden, err := cloud.New(ctx, sim.Config(""), cloud.Options{
		RoleName: roleName, ExternalID: "guess",
		Accounts: map[string]cloud.Account{member: {ExternalID: extID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := overridden.Config(ctx, member, "eu-west-1", "run-1"); err != nil {
		t.Errorf("per-account external ID: %v", err)
	}

	noRole, err := cloud.New(ctx, sim.Config(""), cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noRole.Config(ctx, member, "eu-west-1", "run-1"); err == nil || !strings.Contains(err.Error(), "no role is configured") {
		t.Errorf("without a role: Config error = %v", err)
	}

	before := len(assumeCalls(sim))
	listed, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID, DenyRegions: []string{"eu-*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := listed.Config(ctx, member, "eu-west-1", "run-1"); !cloud.IsDenied(err) {
		t.Errorf("denied region: Config error = %v, want a DeniedError", err)
	}
	if n := len(assumeCalls(sim)); n != before {
		t.Errorf("a denied region still assumed the role")
	}

	for _, tt := range []struct{ account, region string }{
		{"4444", "eu-west-1"}, {member, ""}, {member, "EU WEST"},
	} {
		if _, err := listed.Config(ctx, tt.account, tt.region, "r"); err == nil {
			t.Errorf("Config(%q, %q) = nil error", tt.account, tt.region)
		}
	}
}

func TestConfigRetriesThrottling(t *testing.T) {
	sim := setup(t)
	ctx := context.Background()
	p, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sim.SetFault("sts", "AssumeRole", awssim.Fault{ThrottleRate: 1, Times: 2})
	cfg, err := p.Config(ctx, member, "eu-west-1", "run-t")
	if err != nil {
		t.Fatalf("Config with 2 throttled AssumeRole calls: %v", err)
	}
	sim.SetFault("iam", "ListRoles", awssim.Fault{ThrottleRate: 1, Times: 2})
	if _, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Errorf("ListRoles with 2 throttled calls: %v", err)
	}

	// Past the attempt bound, the throttling error comes through.
	few, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID, MaxAttempts: 2, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sim.SetFault("sts", "AssumeRole", awssim.Fault{ThrottleRate: 1, Times: 2})
	_, err = few.Config(ctx, member, "eu-west-1", "run-u")
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.ErrorCode(), "Throttl") {
		t.Errorf("Config with 2 attempts against 2 throttles: error %v, want the throttling error", err)
	}
}

// BenchmarkConfigCached measures Config for a run whose role credentials are
// already cached: the per-call overhead in front of every action.
func BenchmarkConfigCached(b *testing.B) {
	sim := awssim.Start(b)
	ctx := context.Background()
	_, err := iam.NewFromConfig(sim.Config(member)).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(roleName),
		AssumeRolePolicyDocument: aws.String(trust("arn:aws:iam::"+awssim.DefaultAccount+":root", extID)),
	})
	if err != nil {
		b.Fatal(err)
	}
	p, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Config(ctx, member, "eu-west-1", "bench"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Config(ctx, member, "eu-west-1", "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
