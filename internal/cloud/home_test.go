package cloud_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/cloud"
	"github.com/rectify-dev/rectify/internal/engine"
)

var _ engine.HomeCloud = (*cloud.Provider)(nil)

func TestHomeConfig(t *testing.T) {
	ctx := context.Background()
	sim := setup(t)
	central := awssim.DefaultAccount
	// The lists bound remediation, not rectify's own account.
	p, err := cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID,
		AllowAccounts: []string{member}, DenyRegions: []string{"eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.HomeConfig(ctx, "eu-west-1", "run-1")
	if err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != central || cfg.Region != "eu-west-1" {
		t.Errorf("home identity = %+v, %v in %s; want account %s in eu-west-1", id, err, cfg.Region, central)
	}
	if n := len(assumeCalls(sim)); n != 0 {
		t.Errorf("AssumeRole calls = %d, want 0 with rectify's own credentials", n)
	}
	if _, err := p.HomeConfig(ctx, "us east 1", "run-1"); err == nil || !strings.Contains(err.Error(), "us east 1") {
		t.Errorf("region \"us east 1\": err = %v", err)
	}

	// With AlwaysAssumeRole rectify uses its role in its own account too.
	_, err = iam.NewFromConfig(sim.Config(central)).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(roleName), AssumeRolePolicyDocument: aws.String(trust("arn:aws:iam::"+central+":root", extID))})
	if err != nil {
		t.Fatal(err)
	}
	p, err = cloud.New(ctx, sim.Config(""), cloud.Options{RoleName: roleName, ExternalID: extID, AlwaysAssumeRole: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = p.HomeConfig(ctx, simRegion, "run-2"); err != nil {
		t.Fatal(err)
	}
	id, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || !strings.Contains(aws.ToString(id.Arn), ":assumed-role/"+roleName+"/rectify-run-2") {
		t.Errorf("home identity with AlwaysAssumeRole = %v, %v", aws.ToString(id.Arn), err)
	}
}
