package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

const ssmDoc = `{"schemaVersion":"2.2","description":"hello","mainSteps":[{"action":"aws:runShellScript","name":"hi","inputs":{"runCommand":["echo hi"]}}]}`

func TestSSMDocumentSharingAndPublicSharingBlock(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ssm.NewFromConfig(sim.Config(member))
	if _, err := cli.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("hello"), Content: aws.String(ssmDoc)}); err != nil {
		t.Fatalf("CreateDocument: %v", err)
	}
	for _, tc := range []struct {
		name, content, code string
	}{{"hello", ssmDoc, "DocumentAlreadyExists"}, {"AWS-Mine", ssmDoc, "ValidationException"}, {"broken", "{", "InvalidDocumentContent"}} {
		if _, err := cli.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String(tc.name), Content: aws.String(tc.content)}); apiCode(err) != tc.code {
			t.Errorf("CreateDocument %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	share := func(add, remove []string) error {
		_, err := cli.ModifyDocumentPermission(ctx, &ssm.ModifyDocumentPermissionInput{Name: aws.String("hello"), PermissionType: ssmtypes.DocumentPermissionTypeShare,
			AccountIdsToAdd: add, AccountIdsToRemove: remove})
		return err
	}
	shared := func() []string {
		t.Helper()
		p, err := cli.DescribeDocumentPermission(ctx, &ssm.DescribeDocumentPermissionInput{Name: aws.String("hello"), PermissionType: ssmtypes.DocumentPermissionTypeShare})
		if err != nil {
			t.Fatal(err)
		}
		return p.AccountIds
	}
	if err := share([]string{"All", "111122223333"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := shared(); len(got) != 2 || got[0] != "111122223333" || got[1] != "all" {
		t.Errorf("shared with %v", got)
	}
	if err := share([]string{"not-an-account"}, nil); apiCode(err) != "ValidationException" {
		t.Errorf("share with a bad account: %v", err)
	}
	if _, err := cli.DescribeDocumentPermission(ctx, &ssm.DescribeDocumentPermissionInput{Name: aws.String("nope"), PermissionType: ssmtypes.DocumentPermissionTypeShare}); apiCode(err) != "InvalidDocument" {
		t.Errorf("DescribeDocumentPermission of a missing document: %v", err)
	}
	if err := share(nil, []string{"all"}); err != nil {
		t.Fatal(err)
	}
	if got := shared(); len(got) != 1 || got[0] != "111122223333" {
		t.Errorf("after removing all: shared with %v", got)
	}

	// The block: default Enable (sharing allowed), Disable refuses public sharing.
	setting := "/ssm/documents/console/public-sharing-permission"
	s, err := cli.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String(setting)})
	if err != nil || aws.ToString(s.ServiceSetting.SettingValue) != "Enable" || aws.ToString(s.ServiceSetting.Status) != "Default" {
		t.Fatalf("GetServiceSetting = %+v, %v", s, err)
	}
	if _, err := cli.UpdateServiceSetting(ctx, &ssm.UpdateServiceSettingInput{SettingId: aws.String(setting), SettingValue: aws.String("Off")}); apiCode(err) != "ValidationException" {
		t.Errorf("UpdateServiceSetting Off: %v", err)
	}
	arn := "arn:aws:ssm:us-east-1:" + member + ":servicesetting" + setting
	if _, err := cli.UpdateServiceSetting(ctx, &ssm.UpdateServiceSettingInput{SettingId: aws.String(arn), SettingValue: aws.String("Disable")}); err != nil {
		t.Fatal(err)
	}
	s, err = cli.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String(setting)})
	if err != nil || aws.ToString(s.ServiceSetting.SettingValue) != "Disable" || aws.ToString(s.ServiceSetting.Status) != "Customized" || aws.ToString(s.ServiceSetting.ARN) != arn {
		t.Errorf("after update = %+v, %v", s.ServiceSetting, err)
	}
	if err := share([]string{"all"}, nil); apiCode(err) != "InvalidPermissionType" {
		t.Errorf("public share while blocked: %v", err)
	}
	if _, err := cli.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String("/ssm/nope")}); apiCode(err) != "ServiceSettingNotFound" {
		t.Errorf("unknown setting: %v", err)
	}
	// Another region has its own setting.
	west := ssm.NewFromConfig(sim.Config(member), func(o *ssm.Options) { o.Region = "us-west-2" })
	if s, _ := west.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String(setting)}); aws.ToString(s.ServiceSetting.SettingValue) != "Enable" {
		t.Errorf("us-west-2 setting = %+v", s.ServiceSetting)
	}
}

// TestSSMManagedInstances lists an instance as managed once its instance
// profile's role has AmazonSSMManagedInstanceCore.
func TestSSMManagedInstances(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config(member)
	ec := ec2.NewFromConfig(cfg)
	ic := iam.NewFromConfig(cfg)
	cli := ssm.NewFromConfig(cfg)
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(trustPolicy("ec2.amazonaws.com", ""))}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	vpc := ec2VPC(t, ec, "10.1.0.0/16")
	sn, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.1.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	run, err := ec.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: sn.Subnet.SubnetId, IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("web")}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	list := func() []ssmtypes.InstanceInformation {
		t.Helper()
		out, err := cli.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{
			Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("InstanceIds"), Values: []string{id}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.InstanceInformationList
	}
	if got := list(); len(got) != 0 {
		t.Errorf("managed before the policy: %+v", got)
	}
	if _, err := ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")}); err != nil {
		t.Fatal(err)
	}
	got := list()
	if len(got) != 1 || aws.ToString(got[0].InstanceId) != id || got[0].PingStatus != ssmtypes.PingStatusOnline || aws.ToString(got[0].IamRole) != "web" {
		t.Errorf("managed after the policy: %+v", got)
	}
	if _, err := ec.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 0 {
		t.Errorf("a stopped instance is managed: %+v", got)
	}
}
