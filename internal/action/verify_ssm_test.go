package action

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// ssmScenarios are the scenarios of the Systems Manager actions.
var ssmScenarios = map[string]scenario{
	"ssm.remove-public-document-share": {
		setup: func(w *world) Input {
			w.document("runbook", "all", "210987654321")
			return w.input(map[string]any{"document": "runbook"})
		},
		undo: func(w *world, _ Input, _ Result) { w.share("runbook", "all") },
	},
	"ssm.block-public-document-sharing": {
		setup: func(w *world) Input { return w.input(nil) },
		undo: func(w *world, _ Input, _ Result) {
			_, err := ssm.NewFromConfig(w.cfg).UpdateServiceSetting(w.ctx, &ssm.UpdateServiceSettingInput{SettingId: aws.String(PublicSharingSetting), SettingValue: aws.String("Enable")})
			w.must(err)
		},
	},
	"ssm.enable-instance-management": {
		setup: func(w *world) Input {
			id := w.instanceWithRole("web")
			return w.input(map[string]any{"instance_id": id})
		},
		undo: func(w *world, _ Input, res Result) {
			_, err := w.iam.DetachRolePolicy(w.ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(res.Output["role"].(string)), PolicyArn: aws.String(res.Output["policy_arn"].(string))})
			w.must(err)
		},
	},
}

const ssmTestDoc = `{"schemaVersion":"2.2","description":"d","mainSteps":[{"action":"aws:runShellScript","name":"s","inputs":{"runCommand":["true"]}}]}`

func (w *world) document(name string, shareWith ...string) {
	w.t.Helper()
	_, err := ssm.NewFromConfig(w.cfg).CreateDocument(w.ctx, &ssm.CreateDocumentInput{Name: aws.String(name), Content: aws.String(ssmTestDoc)})
	w.must(err)
	if len(shareWith) > 0 {
		w.share(name, shareWith...)
	}
}

func (w *world) share(name string, with ...string) {
	w.t.Helper()
	_, err := ssm.NewFromConfig(w.cfg).ModifyDocumentPermission(w.ctx, &ssm.ModifyDocumentPermissionInput{Name: aws.String(name),
		PermissionType: ssmtypes.DocumentPermissionTypeShare, AccountIdsToAdd: with})
	w.must(err)
}

// instanceWithRole runs an instance whose profile holds a role without
// SSM permissions, both named name.
func (w *world) instanceWithRole(name string) string {
	w.t.Helper()
	w.role(name, "ec2.amazonaws.com", "")
	_, err := w.iam.CreateInstanceProfile(w.ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)})
	w.must(err)
	_, err = w.iam.AddRoleToInstanceProfile(w.ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(name)})
	w.must(err)
	id, _ := w.instance()
	_, err = w.ec2.AssociateIamInstanceProfile(w.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(id),
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String(name)}})
	w.must(err)
	return id
}

func TestPublicDocumentSharing(t *testing.T) {
	w := newWorld(t)
	w.document("shared", "all", "210987654321", "111122223333")
	w.document("private", "210987654321")
	res, err := w.exec("ssm.remove-public-document-share", map[string]any{"document": "arn:aws:ssm:us-east-1:" + awssim.DefaultAccount + ":document/shared"})
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "still shared with 111122223333, 210987654321") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	p, err := ssm.NewFromConfig(w.cfg).DescribeDocumentPermission(w.ctx, &ssm.DescribeDocumentPermissionInput{Name: aws.String("shared"), PermissionType: ssmtypes.DocumentPermissionTypeShare})
	w.must(err)
	if strings.Join(p.AccountIds, ",") != "111122223333,210987654321" {
		t.Errorf("shared with %v", p.AccountIds)
	}
	for _, tc := range []struct {
		doc  string
		want Outcome
	}{{"private", AlreadyDone}, {"nope", NotFound}} {
		mark := w.mark(awssim.DefaultRegion)
		res, err := w.exec("ssm.remove-public-document-share", map[string]any{"document": tc.doc})
		if err != nil || res.Outcome != tc.want || len(w.writesSince(awssim.DefaultRegion, mark)) > 0 {
			t.Errorf("%s: %+v, %v; want %v and no write", tc.doc, res, err, tc.want)
		}
	}
	// SSM.7: the block, then public sharing is refused.
	res, err = w.exec("ssm.block-public-document-sharing", nil)
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "Enable → Disable") {
		t.Fatalf("block = %+v, %v", res, err)
	}
	if _, err := ssm.NewFromConfig(w.cfg).ModifyDocumentPermission(w.ctx, &ssm.ModifyDocumentPermissionInput{Name: aws.String("private"),
		PermissionType: ssmtypes.DocumentPermissionTypeShare, AccountIdsToAdd: []string{"all"}}); err == nil {
		t.Error("public sharing allowed while blocked")
	}
	if res, err := w.exec("ssm.block-public-document-sharing", nil); err != nil || res.Outcome != AlreadyDone {
		t.Errorf("block again = %+v, %v", res, err)
	}
}

// TestInstanceManagement covers SSM.1: the instance's own role gains the
// policy; an instance without a profile gets rectify's; an empty profile
// gets rectify's role; and the policy is the instance's partition's (the
// peer hard-codes aws).
func TestInstanceManagement(t *testing.T) {
	t.Run("no profile: rectify's is made and associated", func(t *testing.T) {
		w := newWorld(t)
		id, _ := w.instance()
		res, err := w.exec("ssm.enable-instance-management", map[string]any{"instance_id": "arn:aws:ec2:us-east-1:" + awssim.DefaultAccount + ":instance/" + id})
		if err != nil || res.Outcome != Changed || len(outputStrings(res.Output["created"])) != 2 {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		info, err := ssm.NewFromConfig(w.cfg).DescribeInstanceInformation(w.ctx, &ssm.DescribeInstanceInformationInput{})
		w.must(err)
		if len(info.InstanceInformationList) != 1 || aws.ToString(info.InstanceInformationList[0].InstanceId) != id {
			t.Errorf("managed instances = %+v", info.InstanceInformationList)
		}
		// A second instance reuses the profile.
		other, _ := w.instance()
		res, err = w.exec("ssm.enable-instance-management", map[string]any{"instance_id": other})
		if err != nil || res.Outcome != Changed || res.Output["created"] != nil {
			t.Errorf("second instance = %+v, %v", res, err)
		}
	})
	t.Run("an empty profile gets rectify's role", func(t *testing.T) {
		w := newWorld(t)
		_, err := w.iam.CreateInstanceProfile(w.ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("bare")})
		w.must(err)
		id, _ := w.instance()
		_, err = w.ec2.AssociateIamInstanceProfile(w.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(id),
			IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("bare")}})
		w.must(err)
		res, err := w.exec("ssm.enable-instance-management", map[string]any{"instance_id": id})
		if err != nil || res.Outcome != Changed || res.Output["role"] != ManagedInstanceProfile {
			t.Errorf("Run = %+v, %v", res, err)
		}
	})
	t.Run("the role already has the policy", func(t *testing.T) {
		w := newWorld(t)
		id := w.instanceWithRole("web")
		_, err := w.iam.AttachRolePolicy(w.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")})
		w.must(err)
		mark := w.mark("us-east-1")
		res, err := w.exec("ssm.enable-instance-management", map[string]any{"instance_id": id})
		if err != nil || res.Outcome != AlreadyDone || !strings.Contains(res.Message, "SSM Agent") || len(w.iamWritesSince(mark)) > 0 {
			t.Errorf("Run = %+v, %v", res, err)
		}
	})
	t.Run("aws-cn: the policy of the instance's partition", func(t *testing.T) {
		w := newWorld(t)
		cn := inRegion(w.cfg, "cn-north-1")
		ec := ec2.NewFromConfig(cn)
		v, err := ec.CreateVpc(w.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.8.0.0/16")})
		w.must(err)
		sn, err := ec.CreateSubnet(w.ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.8.1.0/24")})
		w.must(err)
		ic := iam.NewFromConfig(cn)
		_, err = ic.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String("app"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com.cn"},"Action":"sts:AssumeRole"}]}`)})
		w.must(err)
		p, err := ic.CreateInstanceProfile(w.ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("app")})
		w.must(err)
		_, err = ic.AddRoleToInstanceProfile(w.ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("app"), RoleName: aws.String("app")})
		w.must(err)
		run, err := ec.RunInstances(w.ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			SubnetId: sn.Subnet.SubnetId, IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Arn: p.InstanceProfile.Arn}})
		w.must(err)
		arn := "arn:aws-cn:ec2:cn-north-1:" + awssim.DefaultAccount + ":instance/" + aws.ToString(run.Instances[0].InstanceId)
		res, err := w.exec("ssm.enable-instance-management", map[string]any{"instance_id": arn})
		if err != nil || res.Outcome != Changed || res.Output["policy_arn"] != "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore" {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		att, err := ic.ListAttachedRolePolicies(w.ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("app")})
		w.must(err)
		if len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyArn) != "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore" {
			t.Errorf("attached = %+v", att.AttachedPolicies)
		}
	})
	t.Run("missing instance, and a role of rectify's name that is not rectify's", func(t *testing.T) {
		w := newWorld(t)
		res, err := w.exec("ssm.enable-instance-management", map[string]any{"instance_id": "i-0000000000000dead"})
		if err != nil || res.Outcome != NotFound {
			t.Errorf("missing instance = %+v, %v", res, err)
		}
		w.role(ManagedInstanceProfile, "ec2.amazonaws.com", "")
		id, _ := w.instance()
		mark := w.mark("us-east-1")
		_, err = w.exec("ssm.enable-instance-management", map[string]any{"instance_id": id})
		if err == nil || !strings.Contains(err.Error(), "instance_profile") || len(w.iamWritesSince(mark)) > 0 {
			t.Errorf("not rectify's role: %v; writes %v", err, w.iamWritesSince(mark))
		}
	})
}
