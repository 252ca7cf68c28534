package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Systems Manager actions: public sharing of documents, and the
// permissions an EC2 instance needs to be managed.

const (
	// PublicSharingSetting is the service setting that blocks public
	// sharing of SSM documents when Disable.
	PublicSharingSetting = "/ssm/documents/console/public-sharing-permission"
	// ManagedInstanceProfile is the instance profile (and its role)
	// ssm.enable-instance-management makes for an instance without one.
	ManagedInstanceProfile = "rectify-ssm-managed-instance"
	// ssmCorePolicy is the AWS managed policy an instance's role needs.
	ssmCorePolicy = "AmazonSSMManagedInstanceCore"
)

func ssmActions() []Spec {
	return []Spec{{
		Name: "ssm.remove-public-document-share",
		Description: "Stop sharing an SSM document publicly (with \"all\"); the accounts it is shared with by ID keep their access, " +
			"and the document is not changed.",
		Params: []Param{{Name: "document", Type: String, Required: true, Description: "the document's name or ARN"}},
		Reads:  []string{"ssm:DescribeDocumentPermission"},
		Writes: []string{"ssm:ModifyDocumentPermission"},
		Describe: func(in Input) string {
			return fmt.Sprintf("stop sharing SSM document %s of %s/%s publicly", in.String("document"), in.Target.Account, in.Target.Region)
		},
		Run:    removePublicDocumentShare,
		Verify: verifyNoPublicDocumentShare,
	}, {
		Name: "ssm.block-public-document-sharing",
		Description: "Turn on Systems Manager's block of public document sharing in the region (the service setting " +
			PublicSharingSetting + " set to Disable). Documents already shared are not changed.",
		Reads:  []string{"ssm:GetServiceSetting"},
		Writes: []string{"ssm:UpdateServiceSetting"},
		Describe: func(in Input) string {
			return fmt.Sprintf("block public sharing of SSM documents in %s/%s", in.Target.Account, in.Target.Region)
		},
		Run:    blockPublicDocumentSharing,
		Verify: verifyPublicDocumentSharingBlocked,
	}, {
		Name: "ssm.enable-instance-management",
		Description: "Give an EC2 instance the permissions Systems Manager needs to manage it: attach AmazonSSMManagedInstanceCore (of the " +
			"instance's partition) to the role of its instance profile (every instance with that profile gains it); an instance profile " +
			"without a role gets rectify's role; an instance without a profile is associated with instance_profile (rectify's, made " +
			"when \"create\"). The SSM Agent and its network path to Systems Manager are not checked.",
		Params: []Param{
			{Name: "instance_id", Type: String, Required: true, Description: "the instance's ID or ARN"},
			{Name: "instance_profile", Type: String, Default: Create, Description: `the instance profile (name) for an instance that has none, or "create" (` + ManagedInstanceProfile + `)`},
			{Name: "policy_arn", Type: String, Description: "the policy to attach; default arn:PARTITION:iam::aws:policy/AmazonSSMManagedInstanceCore in the instance's partition"},
		},
		Reads: []string{"ec2:DescribeInstances", "ec2:DescribeIamInstanceProfileAssociations", "iam:GetInstanceProfile",
			"iam:ListAttachedRolePolicies", "iam:GetRole"},
		Writes: []string{"iam:AttachRolePolicy", "iam:CreateRole", "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile",
			"ec2:AssociateIamInstanceProfile"},
		ExtraPermissions: []string{"iam:PassRole", "iam:TagRole", "iam:TagInstanceProfile"},
		Describe: func(in Input) string {
			return fmt.Sprintf("give EC2 instance %s of %s the Systems Manager permissions (%s)", in.String("instance_id"), in.Target.Account, ssmCorePolicy)
		},
		Run:    enableInstanceManagement,
		Verify: verifyInstanceManagement,
	}}
}

// Public sharing.

// documentRef returns the document's name and a client of its region.
func documentRef(in Input) (*ssm.Client, string) {
	doc := in.String("document")
	if a, ok := parseARN(doc); ok && a.Service == "ssm" {
		return ssm.NewFromConfig(inRegion(in.AWS, a.Region)), strings.TrimPrefix(a.Resource, "document/")
	}
	return ssm.NewFromConfig(in.AWS), doc
}

// documentSharing returns who a document is shared with; found is false
// when it does not exist.
func documentSharing(ctx context.Context, cli *ssm.Client, name string) (ids []string, found bool, err error) {
	var token *string
	for {
		out, err := cli.DescribeDocumentPermission(ctx, &ssm.DescribeDocumentPermissionInput{Name: aws.String(name),
			PermissionType: ssmtypes.DocumentPermissionTypeShare, NextToken: token})
		if HasCode(err, "InvalidDocument") {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read the sharing of SSM document %s: %w", name, err)
		}
		ids = append(ids, out.AccountIds...)
		if token = out.NextToken; token == nil {
			return ids, true, nil
		}
	}
}

func isPublic(ids []string) bool {
	for _, id := range ids {
		if strings.EqualFold(id, "all") {
			return true
		}
	}
	return false
}

func removePublicDocumentShare(ctx context.Context, in Input) (Result, error) {
	cli, name := documentRef(in)
	ids, found, err := documentSharing(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{"document": name}
	if !found {
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("SSM document %s does not exist", name)}, nil
	}
	var accounts []string
	for _, id := range ids {
		if !strings.EqualFold(id, "all") {
			accounts = append(accounts, id)
		}
	}
	out["shared_with"] = accounts
	if !isPublic(ids) {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("SSM document %s is not shared publicly", name)}, nil
	}
	_, err = cli.ModifyDocumentPermission(ctx, &ssm.ModifyDocumentPermissionInput{Name: aws.String(name),
		PermissionType: ssmtypes.DocumentPermissionTypeShare, AccountIdsToRemove: []string{"all"}})
	if HasCode(err, "InvalidDocument") {
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("SSM document %s does not exist", name)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("stop sharing SSM document %s publicly: %w", name, err)
	}
	msg := fmt.Sprintf("stopped sharing SSM document %s publicly", name)
	if len(accounts) > 0 {
		msg += "; still shared with " + strings.Join(accounts, ", ")
	}
	return Result{Outcome: Changed, Output: out, Message: msg}, nil
}

func verifyNoPublicDocumentShare(ctx context.Context, in Input, _ Result) error {
	cli, name := documentRef(in)
	ids, found, err := documentSharing(ctx, cli, name)
	switch {
	case err != nil:
		return err
	case !found:
		return Mismatch("SSM document %s no longer exists", name)
	case isPublic(ids):
		return Mismatch("SSM document %s is shared publicly", name)
	}
	return nil
}

// Public sharing block.

func publicSharingSetting(ctx context.Context, cli *ssm.Client) (string, error) {
	out, err := cli.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String(PublicSharingSetting)})
	if err != nil {
		return "", fmt.Errorf("read the service setting %s: %w", PublicSharingSetting, err)
	}
	return aws.ToString(out.ServiceSetting.SettingValue), nil
}

func blockPublicDocumentSharing(ctx context.Context, in Input) (Result, error) {
	cli := ssm.NewFromConfig(in.AWS)
	v, err := publicSharingSetting(ctx, cli)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{"previous_value": v}
	if v == "Disable" {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("public sharing of SSM documents is already blocked in %s", in.Target.Region)}, nil
	}
	if _, err := cli.UpdateServiceSetting(ctx, &ssm.UpdateServiceSettingInput{SettingId: aws.String(PublicSharingSetting), SettingValue: aws.String("Disable")}); err != nil {
		return Result{}, fmt.Errorf("block public sharing of SSM documents: %w", err)
	}
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("blocked public sharing of SSM documents in %s (%s %s → Disable)", in.Target.Region, PublicSharingSetting, v)}, nil
}

func verifyPublicDocumentSharingBlocked(ctx context.Context, in Input, _ Result) error {
	v, err := publicSharingSetting(ctx, ssm.NewFromConfig(in.AWS))
	if err != nil {
		return err
	}
	if v != "Disable" {
		return Mismatch("%s is %s in %s", PublicSharingSetting, v, in.Target.Region)
	}
	return nil
}

// Instance management.

// instanceRef is an instance an instance_id parameter names.
type instanceRef struct {
	ID, Partition string
	cfg           aws.Config
}

func instanceOf(in Input) instanceRef {
	id, partition, cfg := in.String("instance_id"), partitionOf(in), in.AWS
	if a, ok := parseARN(id); ok && a.Service == "ec2" {
		id, partition = strings.TrimPrefix(a.Resource, "instance/"), a.Partition
		cfg = inRegion(cfg, a.Region)
	}
	return instanceRef{ID: id, Partition: partition, cfg: cfg}
}

// corePolicy returns the ARN of the policy to attach.
func (r instanceRef) corePolicy(in Input) string {
	if p := in.String("policy_arn"); p != "" {
		return p
	}
	return "arn:" + r.Partition + ":iam::aws:policy/" + ssmCorePolicy
}

// instanceProfileOf returns the ARN of the instance's associated profile,
// "" if none; found is false when the instance does not exist.
func instanceProfileOf(ctx context.Context, cli *ec2.Client, id string) (profile string, found bool, err error) {
	d, err := cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if IsNotFound(err, "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed") {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("describe instance %s: %w", id, err)
	}
	if len(d.Reservations) == 0 || len(d.Reservations[0].Instances) == 0 {
		return "", false, nil
	}
	if st := d.Reservations[0].Instances[0].State; st != nil && st.Name == ec2types.InstanceStateNameTerminated {
		return "", false, nil
	}
	a, err := cli.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{id}}, {Name: aws.String("state"), Values: []string{"associated", "associating"}}}})
	if err != nil {
		return "", true, fmt.Errorf("read the instance profile of instance %s: %w", id, err)
	}
	for _, as := range a.IamInstanceProfileAssociations {
		if as.IamInstanceProfile != nil {
			return aws.ToString(as.IamInstanceProfile.Arn), true, nil
		}
	}
	return "", true, nil
}

// profileName returns the name of an instance profile from its ARN.
func profileName(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

// hasPolicy reports whether role has the managed policy attached.
func hasPolicy(ctx context.Context, cli *iam.Client, role, policy string) (bool, error) {
	p := iam.NewListAttachedRolePoliciesPaginator(cli, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("list the policies of role %s: %w", role, err)
		}
		for _, a := range page.AttachedPolicies {
			if aws.ToString(a.PolicyArn) == policy {
				return true, nil
			}
		}
	}
	return false, nil
}

// ensureManagedInstanceRole returns rectify's role for managed instances,
// made with the policy when missing.
func ensureManagedInstanceRole(ctx context.Context, cli *iam.Client, policy string, out map[string]any) (created bool, err error) {
	got, err := cli.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(ManagedInstanceProfile)})
	switch {
	case IsNotFound(err, "NoSuchEntity"):
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		r, err := cli.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(ManagedInstanceProfile), AssumeRolePolicyDocument: aws.String(trust),
			Description: aws.String("Lets Systems Manager manage EC2 instances (made by rectify)"), Tags: iamTags(managedTags("ssm-managed-instance"))})
		if err != nil {
			return false, fmt.Errorf("create role %s: %w", ManagedInstanceProfile, err)
		}
		addCreated(out, aws.ToString(r.Role.Arn))
		created = true
	case err != nil:
		return false, fmt.Errorf("read role %s: %w", ManagedInstanceProfile, err)
	case !roleIsOurs(got.Role):
		return false, notOurs("role", ManagedInstanceProfile, "instance_profile")
	}
	if ok, err := hasPolicy(ctx, cli, ManagedInstanceProfile, policy); err != nil {
		return created, err
	} else if !ok {
		if _, err := cli.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(ManagedInstanceProfile), PolicyArn: aws.String(policy)}); err != nil {
			return created, fmt.Errorf("attach %s to role %s: %w", policy, ManagedInstanceProfile, err)
		}
	}
	return created, nil
}

// ensureManagedInstanceProfile returns the ARN of rectify's instance
// profile, made with its role when missing.
func ensureManagedInstanceProfile(ctx context.Context, cli *iam.Client, policy string, out map[string]any) (arn string, created bool, err error) {
	roleCreated, err := ensureManagedInstanceRole(ctx, cli, policy, out)
	if err != nil {
		return "", false, err
	}
	got, err := cli.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(ManagedInstanceProfile)})
	switch {
	case IsNotFound(err, "NoSuchEntity"):
		p, err := cli.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(ManagedInstanceProfile),
			Tags: iamTags(managedTags("ssm-managed-instance"))})
		if err != nil {
			return "", false, fmt.Errorf("create instance profile %s: %w", ManagedInstanceProfile, err)
		}
		arn, created = aws.ToString(p.InstanceProfile.Arn), true
		addCreated(out, arn)
	case err != nil:
		return "", false, fmt.Errorf("read instance profile %s: %w", ManagedInstanceProfile, err)
	default:
		arn = aws.ToString(got.InstanceProfile.Arn)
		for _, r := range got.InstanceProfile.Roles {
			if aws.ToString(r.RoleName) == ManagedInstanceProfile {
				return arn, roleCreated, nil
			}
		}
		if len(got.InstanceProfile.Roles) > 0 {
			return "", false, notOurs("instance profile", ManagedInstanceProfile, "instance_profile")
		}
	}
	if _, err := cli.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(ManagedInstanceProfile),
		RoleName: aws.String(ManagedInstanceProfile)}); err != nil {
		return "", false, fmt.Errorf("add role %s to instance profile %s: %w", ManagedInstanceProfile, ManagedInstanceProfile, err)
	}
	return arn, true, nil
}

func enableInstanceManagement(ctx context.Context, in Input) (Result, error) {
	ref := instanceOf(in)
	policy := ref.corePolicy(in)
	ec, iamc := ec2.NewFromConfig(ref.cfg), iam.NewFromConfig(ref.cfg)
	out := map[string]any{"instance_id": ref.ID, "policy_arn": policy}
	profile, found, err := instanceProfileOf(ctx, ec, ref.ID)
	if err != nil {
		return Result{}, err
	}
	if !found {
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("EC2 instance %s does not exist", ref.ID)}, nil
	}
	if profile == "" {
		arn, created := "", false
		if p := in.String("instance_profile"); p != Create {
			got, err := iamc.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(p)})
			if IsNotFound(err, "NoSuchEntity") {
				return Result{}, Permanent(fmt.Errorf("instance profile %s does not exist: set instance_profile to an existing profile, or to %q", p, Create))
			}
			if err != nil {
				return Result{}, fmt.Errorf("read instance profile %s: %w", p, err)
			}
			arn = aws.ToString(got.InstanceProfile.Arn)
		} else if arn, created, err = ensureManagedInstanceProfile(ctx, iamc, policy, out); err != nil {
			return Result{}, err
		}
		_, err := ec.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(ref.ID),
			IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Arn: aws.String(arn)}})
		switch {
		case HasCode(err, "InvalidParameterValue") && created:
			// A new profile takes a few seconds to reach EC2.
			return Result{}, RetryLater(fmt.Errorf("EC2 does not know the new instance profile %s yet: %w", arn, err), iamPropagationRetry)
		case HasCode(err, "IncorrectState"):
			return Result{}, RetryLater(fmt.Errorf("instance %s was given a profile meanwhile: %w", ref.ID, err), 0)
		case err != nil:
			return Result{}, fmt.Errorf("associate instance profile %s with instance %s: %w", arn, ref.ID, err)
		}
		out["instance_profile"] = arn
		return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("associated instance profile %s%s, whose role has %s, with EC2 instance %s",
			arn, createdNote(created), ssmCorePolicy, ref.ID)}, nil
	}
	out["instance_profile"] = profile
	got, err := iamc.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(profileName(profile))})
	if err != nil {
		return Result{}, fmt.Errorf("read instance profile %s of instance %s: %w", profile, ref.ID, err)
	}
	if len(got.InstanceProfile.Roles) == 0 {
		created, err := ensureManagedInstanceRole(ctx, iamc, policy, out)
		if err != nil {
			return Result{}, err
		}
		if _, err := iamc.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(profileName(profile)),
			RoleName: aws.String(ManagedInstanceProfile)}); err != nil {
			return Result{}, fmt.Errorf("add role %s to instance profile %s: %w", ManagedInstanceProfile, profile, err)
		}
		out["role"] = ManagedInstanceProfile
		return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("instance profile %s of EC2 instance %s had no role: added role %s%s, which has %s",
			profile, ref.ID, ManagedInstanceProfile, createdNote(created), ssmCorePolicy)}, nil
	}
	role := aws.ToString(got.InstanceProfile.Roles[0].RoleName)
	out["role"] = role
	if ok, err := hasPolicy(ctx, iamc, role, policy); err != nil {
		return Result{}, err
	} else if ok {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("role %s of EC2 instance %s already has %s (if Systems Manager still does not manage the instance, check its SSM Agent and its network path to Systems Manager)",
			role, ref.ID, ssmCorePolicy)}, nil
	}
	if _, err := iamc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policy)}); err != nil {
		return Result{}, fmt.Errorf("attach %s to role %s: %w", policy, role, err)
	}
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("attached %s to role %s of instance profile %s of EC2 instance %s (every instance with this profile gains it)",
		policy, role, profileName(profile), ref.ID)}, nil
}

func verifyInstanceManagement(ctx context.Context, in Input, _ Result) error {
	ref := instanceOf(in)
	iamc := iam.NewFromConfig(ref.cfg)
	profile, found, err := instanceProfileOf(ctx, ec2.NewFromConfig(ref.cfg), ref.ID)
	switch {
	case err != nil:
		return err
	case !found:
		return Mismatch("EC2 instance %s no longer exists", ref.ID)
	case profile == "":
		return Mismatch("EC2 instance %s has no instance profile", ref.ID)
	}
	got, err := iamc.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(profileName(profile))})
	if err != nil {
		return fmt.Errorf("read instance profile %s: %w", profile, err)
	}
	if len(got.InstanceProfile.Roles) == 0 {
		return Mismatch("instance profile %s of EC2 instance %s has no role", profile, ref.ID)
	}
	role := aws.ToString(got.InstanceProfile.Roles[0].RoleName)
	policy := ref.corePolicy(in)
	if ok, err := hasPolicy(ctx, iamc, role, policy); err != nil {
		return err
	} else if !ok {
		return Mismatch("role %s of EC2 instance %s does not have %s", role, ref.ID, policy)
	}
	return nil
}
