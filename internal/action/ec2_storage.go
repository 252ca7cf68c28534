package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 storage: a snapshot's public create-volume permission, EBS
// encryption by default.

func ec2StorageActions() []Spec {
	return []Spec{
		{
			Name: "ec2.make-snapshot-private",
			Description: "Remove the public (group \"all\") create-volume permission of one EBS snapshot, keeping its " +
				"shares with named accounts. Other snapshots are not looked at.",
			Params: []Param{
				{Name: "snapshot_id", Type: String, Required: true, Description: "the snapshot's ID (snap-...) or ARN"},
			},
			Reads:  []string{"ec2:DescribeSnapshotAttribute"},
			Writes: []string{"ec2:ModifySnapshotAttribute"},
			Describe: func(in Input) string {
				return fmt.Sprintf("remove the public create-volume permission of EBS snapshot %s in %s/%s, keeping its shares with named accounts",
					snapshotID(in.String("snapshot_id")), in.Target.Account, in.Target.Region)
			},
			Run:    makeEBSSnapshotPrivate,
			Verify: verifyEBSSnapshotPrivate,
		},
		{
			Name:        "ec2.enable-ebs-default-encryption",
			Description: "Turn on EBS encryption by default for the account in the region, with the account's current default EBS key. Existing volumes are not changed.",
			Reads:       []string{"ec2:GetEbsEncryptionByDefault"},
			Writes:      []string{"ec2:EnableEbsEncryptionByDefault"},
			Describe: func(in Input) string {
				return fmt.Sprintf("turn on EBS encryption by default in %s/%s", in.Target.Account, in.Target.Region)
			},
			Run:    enableEBSDefaultEncryption,
			Verify: verifyEBSDefaultEncryption,
		},
	}
}

// snapshotID returns the snapshot ID of an ID or an ARN
// (arn:aws:ec2:REGION::snapshot/snap-...).
func snapshotID(ref string) string {
	if i := strings.LastIndex(ref, ":snapshot/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		return ref[i+len(":snapshot/"):]
	}
	return ref
}

// snapshotPermissions returns the snapshot's create-volume permissions, or
// nil and false when it does not exist.
func snapshotPermissions(ctx context.Context, cli *ec2.Client, id string) ([]ec2types.CreateVolumePermission, bool, error) {
	out, err := cli.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(id), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
	if IsNotFound(err, "InvalidSnapshot.NotFound") {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("describe the create-volume permission of snapshot %s: %w", id, err)
	}
	return out.CreateVolumePermissions, true, nil
}

// sharedWith splits create-volume permissions into whether the public may
// use the snapshot and the accounts it is shared with.
func sharedWith(perms []ec2types.CreateVolumePermission) (public bool, accounts []string) {
	for _, p := range perms {
		if p.Group == ec2types.PermissionGroupAll {
			public = true
		}
		if u := aws.ToString(p.UserId); u != "" {
			accounts = append(accounts, u)
		}
	}
	return public, accounts
}

func makeEBSSnapshotPrivate(ctx context.Context, in Input) (Result, error) {
	id := snapshotID(in.String("snapshot_id"))
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"snapshot_id": id}
	perms, exists, err := snapshotPermissions(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if !exists {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("EBS snapshot %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	public, accounts := sharedWith(perms)
	out["shared_with_accounts"] = accounts
	kept := ""
	if len(accounts) > 0 {
		kept = fmt.Sprintf("; kept its shares with account(s) %s", strings.Join(accounts, ", "))
	}
	if !public {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("EBS snapshot %s is not public%s", id, kept), Output: out}, nil
	}
	_, err = cli.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(id), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
		CreateVolumePermission: &ec2types.CreateVolumePermissionModifications{Remove: []ec2types.CreateVolumePermission{{Group: ec2types.PermissionGroupAll}}}})
	if IsNotFound(err, "InvalidSnapshot.NotFound") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("EBS snapshot %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("remove the public create-volume permission of snapshot %s: %w", id, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("removed the public create-volume permission of EBS snapshot %s%s", id, kept), Output: out}, nil
}

func verifyEBSSnapshotPrivate(ctx context.Context, in Input, _ Result) error {
	id := snapshotID(in.String("snapshot_id"))
	perms, exists, err := snapshotPermissions(ctx, ec2.NewFromConfig(in.AWS), id)
	if err != nil {
		return err
	}
	if public, _ := sharedWith(perms); exists && public {
		return Mismatch("EBS snapshot %s can still be restored by anyone (group all)", id)
	}
	return nil
}

func ebsDefaultEncryption(ctx context.Context, cli *ec2.Client, in Input) (bool, error) {
	out, err := cli.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		return false, fmt.Errorf("read EBS encryption by default in %s/%s: %w", in.Target.Account, in.Target.Region, err)
	}
	return aws.ToBool(out.EbsEncryptionByDefault), nil
}

func enableEBSDefaultEncryption(ctx context.Context, in Input) (Result, error) {
	cli := ec2.NewFromConfig(in.AWS)
	on, err := ebsDefaultEncryption(ctx, cli, in)
	if err != nil {
		return Result{}, err
	}
	where := in.Target.Account + "/" + in.Target.Region
	if on {
		return Result{Outcome: AlreadyDone, Message: "EBS encryption by default is already on in " + where}, nil
	}
	if _, err := cli.EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{}); err != nil {
		return Result{}, fmt.Errorf("turn on EBS encryption by default in %s: %w", where, err)
	}
	return Result{Outcome: Changed, Message: "turned on EBS encryption by default in " + where + " (new volumes only)"}, nil
}

func verifyEBSDefaultEncryption(ctx context.Context, in Input, _ Result) error {
	on, err := ebsDefaultEncryption(ctx, ec2.NewFromConfig(in.AWS), in)
	if err != nil {
		return err
	}
	if !on {
		return Mismatch("EBS encryption by default is off in %s/%s", in.Target.Account, in.Target.Region)
	}
	return nil
}
