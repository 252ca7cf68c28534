package awssim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestIAMInstanceProfilesAndAssociations(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config(member)
	ic := iam.NewFromConfig(cfg)
	ec := ec2.NewFromConfig(cfg)
	for _, name := range []string{"web", "batch"} {
		if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustPolicy("ec2.amazonaws.com", ""))}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web"), Path: aws.String("/apps/")})
	if err != nil {
		t.Fatal(err)
	}
	profileARN := "arn:aws:iam::" + member + ":instance-profile/apps/web"
	if aws.ToString(p.InstanceProfile.Arn) != profileARN {
		t.Errorf("profile ARN %s", aws.ToString(p.InstanceProfile.Arn))
	}
	if _, err := ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("batch")}); apiCode(err) != "LimitExceeded" {
		t.Errorf("second role in a profile: %v", err)
	}
	got, err := ic.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if err != nil || len(got.InstanceProfile.Roles) != 1 || aws.ToString(got.InstanceProfile.Roles[0].RoleName) != "web" {
		t.Fatalf("GetInstanceProfile = %+v, %v", got, err)
	}
	if _, err := ic.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("DeleteRole of a role in a profile: %v", err)
	}
	forRole, err := ic.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("web")})
	if err != nil || len(forRole.InstanceProfiles) != 1 {
		t.Errorf("ListInstanceProfilesForRole = %+v, %v", forRole, err)
	}

	vpc := ec2VPC(t, ec, "10.2.0.0/16")
	sn, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.2.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	run, err := ec.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(2), MaxCount: aws.Int32(2), SubnetId: sn.Subnet.SubnetId})
	if err != nil {
		t.Fatal(err)
	}
	a, b := aws.ToString(run.Instances[0].InstanceId), aws.ToString(run.Instances[1].InstanceId)
	if _, err := ec.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(a),
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("nope")}}); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("associate a missing profile: %v", err)
	}
	assoc, err := ec.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(a),
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Arn: aws.String(profileARN)}})
	if err != nil || assoc.IamInstanceProfileAssociation.State != ec2types.IamInstanceProfileAssociationStateAssociating ||
		aws.ToString(assoc.IamInstanceProfileAssociation.IamInstanceProfile.Arn) != profileARN {
		t.Fatalf("AssociateIamInstanceProfile = %+v, %v", assoc, err)
	}
	if _, err := ec.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(a),
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Arn: aws.String(profileARN)}}); apiCode(err) != "IncorrectState" {
		t.Errorf("second association: %v", err)
	}
	list := func(instance string) []ec2types.IamInstanceProfileAssociation {
		t.Helper()
		out, err := ec.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{
			Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{instance}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.IamInstanceProfileAssociations
	}
	if l := list(a); len(l) != 1 || l[0].State != ec2types.IamInstanceProfileAssociationStateAssociated || aws.ToString(l[0].AssociationId) != aws.ToString(assoc.IamInstanceProfileAssociation.AssociationId) {
		t.Errorf("associations of %s = %+v", a, l)
	}
	if l := list(b); len(l) != 0 {
		t.Errorf("associations of %s = %+v", b, l)
	}
	d, err := ec.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{a}})
	if err != nil || aws.ToString(d.Reservations[0].Instances[0].IamInstanceProfile.Arn) != profileARN {
		t.Errorf("instance's profile = %+v, %v", d.Reservations[0].Instances[0].IamInstanceProfile, err)
	}
	if _, err := ec.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: assoc.IamInstanceProfileAssociation.AssociationId}); err != nil {
		t.Fatal(err)
	}
	if l := list(a); len(l) != 0 {
		t.Errorf("after disassociation = %+v", l)
	}
	if _, err := ec.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: assoc.IamInstanceProfileAssociation.AssociationId}); apiCode(err) != "InvalidAssociationID.NotFound" {
		t.Errorf("disassociate twice: %v", err)
	}
}

func TestIAMEntitiesForPolicyAndPasswordLastUsed(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sim := awssim.Start(t, fixedClock(now))
	ic := iam.NewFromConfig(sim.Config(member))
	support := "arn:aws:iam::aws:policy/AWSSupportAccess"
	list := func() *iam.ListEntitiesForPolicyOutput {
		t.Helper()
		out, err := ic.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(support)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if l := list(); len(l.PolicyRoles)+len(l.PolicyUsers)+len(l.PolicyGroups) != 0 {
		t.Errorf("entities before = %+v", l)
	}
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("support"), AssumeRolePolicyDocument: aws.String(trustPolicy("arn:aws:iam::"+member+":root", ""))}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("support"), PolicyArn: aws.String(support)}); err != nil {
		t.Fatal(err)
	}
	if l := list(); len(l.PolicyRoles) != 1 || aws.ToString(l.PolicyRoles[0].RoleName) != "support" {
		t.Errorf("entities after = %+v", l)
	}
	if out, err := ic.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(support), EntityFilter: iamtypes.EntityTypeUser}); err != nil || len(out.PolicyRoles) != 0 {
		t.Errorf("users only = %+v, %v", out, err)
	}
	if _, err := ic.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + member + ":policy/nope")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("entities of a missing policy: %v", err)
	}
	if _, err := ic.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("support"), Tags: []iamtypes.Tag{{Key: aws.String("rectify:managed"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	if tags, err := ic.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("support")}); err != nil || len(tags.Tags) != 1 {
		t.Errorf("ListRoleTags = %+v, %v", tags, err)
	}

	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	u, _ := ic.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	if u.User.PasswordLastUsed != nil {
		t.Errorf("PasswordLastUsed of a user who never signed in = %v", u.User.PasswordLastUsed)
	}
	signedIn := now.Add(-50 * 24 * time.Hour)
	if err := sim.SetPasswordLastUsed(member, "alice", signedIn); err != nil {
		t.Fatal(err)
	}
	u, _ = ic.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	if !aws.ToTime(u.User.PasswordLastUsed).Equal(signedIn) {
		t.Errorf("PasswordLastUsed = %v, want %v", u.User.PasswordLastUsed, signedIn)
	}
	if err := sim.SetPasswordLastUsed(member, "nobody", signedIn); err == nil {
		t.Error("SetPasswordLastUsed of a missing user: no error")
	}
}

// TestIAMPasswordPolicyDefaults checks that UpdateAccountPasswordPolicy
// resets what a request leaves out, as IAM does, and refuses values
// outside IAM's ranges.
func TestIAMPasswordPolicyDefaults(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	ic := iam.NewFromConfig(sim.Config(member))
	if _, err := ic.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(20), RequireSymbols: true,
		MaxPasswordAge: aws.Int32(30), PasswordReusePrevention: aws.Int32(5), HardExpiry: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{RequireNumbers: true}); err != nil {
		t.Fatal(err)
	}
	pp, err := ic.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if err != nil {
		t.Fatal(err)
	}
	p := pp.PasswordPolicy
	if aws.ToInt32(p.MinimumPasswordLength) != 6 || p.RequireSymbols || !p.RequireNumbers || p.ExpirePasswords || p.MaxPasswordAge != nil ||
		p.PasswordReusePrevention != nil || aws.ToBool(p.HardExpiry) {
		t.Errorf("policy after an update naming only RequireNumbers = %+v", p)
	}
	for _, in := range []*iam.UpdateAccountPasswordPolicyInput{
		{MinimumPasswordLength: aws.Int32(5)}, {MaxPasswordAge: aws.Int32(1096)}, {PasswordReusePrevention: aws.Int32(25)},
	} {
		if _, err := ic.UpdateAccountPasswordPolicy(ctx, in); apiCode(err) != "ValidationError" {
			t.Errorf("UpdateAccountPasswordPolicy %+v: %v", in, err)
		}
	}
}
