package action

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 instance incident response: isolate an instance behind a quarantine
// security group, snapshot its volumes for forensics, tag it.

// DefaultQuarantineGroup is the name of the security group that isolates
// instances.
const DefaultQuarantineGroup = "rectify-quarantine"

// FindingTag is the tag key rectify's forensic snapshots carry, whose
// value is the finding that caused them.
const FindingTag = "rectify:finding"

var instanceParam = Param{Name: "instance_id", Type: String, Required: true, Description: "the EC2 instance's ID (i-...)"}

func ec2InstanceActions() []Spec {
	return []Spec{
		{
			Name: "ec2.quarantine-instance",
			Description: "Isolate an EC2 instance: make a security group without inbound or outbound rules (created in the " +
				"instance's VPC, or reused) the instance's only group.",
			Params: []Param{
				instanceParam,
				{Name: "group_name", Type: String, Default: DefaultQuarantineGroup, Description: "the quarantine security group's name"},
			},
			Reads:  []string{"ec2:DescribeInstances", "ec2:DescribeSecurityGroups"},
			Writes: []string{"ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:ModifyInstanceAttribute"},
			Describe: func(in Input) string {
				return fmt.Sprintf("replace the security groups of instance %s in %s/%s with the quarantine group %s (no inbound or outbound rules)",
					in.String("instance_id"), in.Target.Account, in.Target.Region, in.String("group_name"))
			},
			Run: quarantineInstance,
		},
		{
			Name:        "ec2.snapshot-instance-volumes",
			Description: "Snapshot every EBS volume attached to an EC2 instance, for forensics, tagging the snapshots with the finding.",
			Params: []Param{
				instanceParam,
				{Name: "finding_id", Type: String, Required: true, Description: "the finding the snapshots are evidence for; a volume that already has a snapshot tagged with it is not snapshotted again"},
			},
			Reads:            []string{"ec2:DescribeVolumes", "ec2:DescribeSnapshots"},
			Writes:           []string{"ec2:CreateSnapshot"},
			ExtraPermissions: []string{"ec2:CreateTags"},
			Describe: func(in Input) string {
				return fmt.Sprintf("snapshot the EBS volumes of instance %s in %s/%s, tagged %s=%s",
					in.String("instance_id"), in.Target.Account, in.Target.Region, FindingTag, in.String("finding_id"))
			},
			Run: snapshotInstanceVolumes,
		},
		{
			Name:        "ec2.tag-instance",
			Description: "Set tags on an EC2 instance.",
			Params: []Param{
				instanceParam,
				{Name: "tags", Type: Map, Required: true, Description: "the tags to set, key to string value"},
			},
			Reads: []string{"ec2:DescribeInstances"}, Writes: []string{"ec2:CreateTags"},
			Describe: func(in Input) string {
				return fmt.Sprintf("tag instance %s in %s/%s with %s", in.String("instance_id"), in.Target.Account, in.Target.Region, formatTags(in.Map("tags")))
			},
			Run: tagInstance,
		},
	}
}

func formatTags(m map[string]any) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// describeInstance returns the instance, or nil if it does not exist or is
// terminated.
func describeInstance(ctx context.Context, cli *ec2.Client, id string) (*ec2types.Instance, error) {
	out, err := cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe instance %s: %w", id, err)
	}
	for _, r := range out.Reservations {
		for i, inst := range r.Instances {
			if aws.ToString(inst.InstanceId) != id {
				continue
			}
			if inst.State != nil && inst.State.Name == ec2types.InstanceStateNameTerminated {
				return nil, nil
			}
			return &r.Instances[i], nil
		}
	}
	return nil, nil
}

// quarantineGroup returns the ID of the quarantine group named name in
// vpc, creating it if needed, and makes sure it has no rules. changed
// reports whether anything was created or revoked.
func quarantineGroup(ctx context.Context, cli *ec2.Client, vpc, name string) (id string, changed bool, err error) {
	out, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("group-name"), Values: []string{name}},
	}})
	if err != nil {
		return "", false, fmt.Errorf("find security group %s in %s: %w", name, vpc, err)
	}
	var g *ec2types.SecurityGroup
	if len(out.SecurityGroups) > 0 {
		g = &out.SecurityGroups[0]
	} else {
		created, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), VpcId: aws.String(vpc),
			Description: aws.String("rectify quarantine: no inbound or outbound traffic"),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup,
				Tags: []ec2types.Tag{{Key: aws.String("rectify:purpose"), Value: aws.String("quarantine")}}}}})
		if err != nil {
			return "", false, fmt.Errorf("create security group %s in %s: %w", name, vpc, err)
		}
		id, changed = aws.ToString(created.GroupId), true
		// A new group allows all outbound traffic.
		g = &ec2types.SecurityGroup{GroupId: created.GroupId, IpPermissionsEgress: []ec2types.IpPermission{{IpProtocol: aws.String("-1"),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}
	}
	id = aws.ToString(g.GroupId)
	if len(g.IpPermissions) > 0 {
		if _, err := cli.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: g.IpPermissions}); err != nil && !IsNotFound(err) {
			return "", false, fmt.Errorf("revoke inbound rules of quarantine group %s: %w", id, err)
		}
		changed = true
	}
	if len(g.IpPermissionsEgress) > 0 {
		if _, err := cli.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: g.GroupId, IpPermissions: g.IpPermissionsEgress}); err != nil && !IsNotFound(err) {
			return "", false, fmt.Errorf("revoke outbound rules of quarantine group %s: %w", id, err)
		}
		changed = true
	}
	return id, changed, nil
}

func quarantineInstance(ctx context.Context, in Input) (Result, error) {
	id, name := in.String("instance_id"), in.String("group_name")
	cli := ec2.NewFromConfig(in.AWS)
	inst, err := describeInstance(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if inst == nil {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s no longer exists", id)}, nil
	}
	vpc := aws.ToString(inst.VpcId)
	if vpc == "" {
		return Result{}, fmt.Errorf("instance %s is not in a VPC; it cannot be isolated with a security group", id)
	}
	var previous []string
	for _, g := range inst.SecurityGroups {
		previous = append(previous, aws.ToString(g.GroupId))
	}
	groupID, groupChanged, err := quarantineGroup(ctx, cli, vpc, name)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{"instance_id": id, "quarantine_group_id": groupID, "vpc_id": vpc}
	if len(previous) == 1 && previous[0] == groupID {
		out["previous_group_ids"] = []string{}
		res := Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s is already isolated in %s", id, groupID), Output: out}
		if groupChanged {
			res.Outcome, res.Message = Changed, fmt.Sprintf("instance %s is isolated in %s, whose rules were removed", id, groupID)
		}
		return res, nil
	}
	_, err = cli.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), Groups: []string{groupID}})
	if IsNotFound(err, "InvalidInstanceID.NotFound") {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s no longer exists", id)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("set the security groups of instance %s to %s: %w", id, groupID, err)
	}
	out["previous_group_ids"] = previous
	return Result{Outcome: Changed, Output: out,
		Message: fmt.Sprintf("instance %s isolated in quarantine group %s (was in %s)", id, groupID, strings.Join(previous, ", "))}, nil
}

func snapshotInstanceVolumes(ctx context.Context, in Input) (Result, error) {
	id, finding := in.String("instance_id"), in.String("finding_id")
	cli := ec2.NewFromConfig(in.AWS)
	vols, err := cli.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{
		{Name: aws.String("attachment.instance-id"), Values: []string{id}}}})
	if err != nil {
		return Result{}, fmt.Errorf("describe volumes of instance %s: %w", id, err)
	}
	if len(vols.Volumes) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s has no attached EBS volumes", id),
			Output: map[string]any{"snapshot_ids": []string{}}}, nil
	}
	var ids, created []string
	for _, v := range vols.Volumes {
		vol := aws.ToString(v.VolumeId)
		have, err := cli.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []ec2types.Filter{
			{Name: aws.String("volume-id"), Values: []string{vol}},
			{Name: aws.String("tag:" + FindingTag), Values: []string{finding}},
		}})
		if err != nil {
			return Result{}, fmt.Errorf("find snapshots of volume %s: %w", vol, err)
		}
		if len(have.Snapshots) > 0 {
			ids = append(ids, aws.ToString(have.Snapshots[0].SnapshotId))
			continue
		}
		snap, err := cli.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(vol),
			Description: aws.String(fmt.Sprintf("rectify forensics: %s of %s, finding %s", vol, id, finding)),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSnapshot, Tags: []ec2types.Tag{
				{Key: aws.String(FindingTag), Value: aws.String(finding)},
				{Key: aws.String("rectify:instance"), Value: aws.String(id)},
			}}}})
		if IsNotFound(err, "InvalidVolume.NotFound") {
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("snapshot volume %s of instance %s: %w", vol, id, err)
		}
		ids = append(ids, aws.ToString(snap.SnapshotId))
		created = append(created, aws.ToString(snap.SnapshotId))
	}
	out := map[string]any{"snapshot_ids": ids}
	if len(created) == 0 {
		return Result{Outcome: AlreadyDone, Output: out,
			Message: fmt.Sprintf("the volumes of instance %s already have snapshots for finding %s: %s", id, finding, strings.Join(ids, ", "))}, nil
	}
	return Result{Outcome: Changed, Output: out,
		Message: fmt.Sprintf("snapshotted %d volumes of instance %s: %s", len(created), id, strings.Join(created, ", "))}, nil
}

func tagInstance(ctx context.Context, in Input) (Result, error) {
	id := in.String("instance_id")
	want := in.Map("tags")
	cli := ec2.NewFromConfig(in.AWS)
	inst, err := describeInstance(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if inst == nil {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s no longer exists", id)}, nil
	}
	have := map[string]string{}
	for _, t := range inst.Tags {
		have[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var tags []ec2types.Tag
	for _, k := range slices.Sorted(maps.Keys(want)) {
		v := fmt.Sprint(want[k])
		if cur, ok := have[k]; ok && cur == v {
			continue
		}
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if len(tags) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s already has tags %s", id, formatTags(want))}, nil
	}
	_, err = cli.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: tags})
	if IsNotFound(err, "InvalidInstanceID.NotFound") {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s no longer exists", id)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("tag instance %s: %w", id, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("instance %s tagged %s", id, formatTags(want))}, nil
}
