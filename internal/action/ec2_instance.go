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
				"instance's VPC, or reused) the only group of every network interface of the instance. The previous " +
				"groups of each interface are saved before anything changes and reported as previous_groups.",
			Params: []Param{
				instanceParam,
				{Name: "group_name", Type: String, Default: DefaultQuarantineGroup, Description: "the quarantine security group's name"},
			},
			Reads: []string{"ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces"},
			Writes: []string{"ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
				"ec2:ModifyNetworkInterfaceAttribute"},
			// The quarantine group is created with a tag.
			ExtraPermissions: []string{"ec2:CreateTags"},
			Describe: func(in Input) string {
				return fmt.Sprintf("replace the security groups of every network interface of instance %s in %s/%s with the quarantine group %s (no inbound or outbound rules)",
					in.String("instance_id"), in.Target.Account, in.Target.Region, in.String("group_name"))
			},
			Run:    quarantineInstance,
			Verify: verifyQuarantined,
		},
		{
			Name:        "ec2.snapshot-instance-volumes",
			Description: "Snapshot every EBS volume attached to an EC2 instance, for forensics, tagging the snapshots with the finding.",
			Params: []Param{
				instanceParam,
				{Name: "finding_id", Type: String, Required: true, Description: "the finding the snapshots are evidence for; a volume that already has a snapshot tagged with it is not snapshotted again"},
			},
			Reads:            []string{"ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeSnapshots"},
			Writes:           []string{"ec2:CreateSnapshot"},
			ExtraPermissions: []string{"ec2:CreateTags"},
			Describe: func(in Input) string {
				return fmt.Sprintf("snapshot the EBS volumes of instance %s in %s/%s, tagged %s=%s",
					in.String("instance_id"), in.Target.Account, in.Target.Region, FindingTag, in.String("finding_id"))
			},
			Run:    snapshotInstanceVolumes,
			Verify: verifySnapshots,
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
			Run:    tagInstance,
			Verify: verifyInstanceTags,
		},
		{
			Name: "ec2.stop-instance",
			Description: "Stop a running EC2 instance (its EBS volumes and private addresses are kept; it can be started " +
				"again). An instance that is stopped or stopping is left as it is.",
			Params: []Param{
				instanceParam,
				{Name: "hibernate", Type: Bool, Default: false, Description: "hibernate the instance instead of a plain stop (it must have been launched with hibernation enabled)"},
			},
			Reads: []string{"ec2:DescribeInstances"}, Writes: []string{"ec2:StopInstances"},
			Describe: func(in Input) string {
				verb := "stop"
				if in.Bool("hibernate") {
					verb = "hibernate"
				}
				return fmt.Sprintf("%s instance %s in %s/%s", verb, in.String("instance_id"), in.Target.Account, in.Target.Region)
			},
			Run:    stopInstance,
			Verify: verifyInstanceStopped,
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
	if IsNotFound(err, "InvalidInstanceID.NotFound") {
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

// instanceNotFound is the result for an instance that does not exist.
func instanceNotFound(id string, out map[string]any) Result {
	return Result{Outcome: NotFound, Message: fmt.Sprintf("instance %s does not exist or is terminated", id), Output: out}
}

// findQuarantineGroup returns the security group named name in vpc, or nil.
func findQuarantineGroup(ctx context.Context, cli *ec2.Client, vpc, name string) (*ec2types.SecurityGroup, error) {
	out, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("group-name"), Values: []string{name}},
	}})
	if err != nil {
		return nil, fmt.Errorf("find security group %s in %s: %w", name, vpc, err)
	}
	if len(out.SecurityGroups) == 0 {
		return nil, nil
	}
	return &out.SecurityGroups[0], nil
}

// ensureQuarantineGroup makes g, the quarantine group named name in vpc as
// findQuarantineGroup found it (nil if it does not exist), exist without
// rules, and returns its ID. changed reports whether anything was created
// or revoked.
func ensureQuarantineGroup(ctx context.Context, cli *ec2.Client, vpc, name string, g *ec2types.SecurityGroup) (id string, changed bool, err error) {
	if g == nil {
		created, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), VpcId: aws.String(vpc),
			Description: aws.String("rectify quarantine: no inbound or outbound traffic"),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup,
				Tags: []ec2types.Tag{{Key: aws.String("rectify:purpose"), Value: aws.String("quarantine")}}}}})
		if err != nil {
			return "", false, fmt.Errorf("create security group %s in %s: %w", name, vpc, err)
		}
		changed = true
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

// interfaceGroups maps network interface IDs to security group IDs.
type interfaceGroups map[string][]string

// toOutput returns the map in the generic form of step outputs.
func (g interfaceGroups) toOutput() map[string]any {
	out := make(map[string]any, len(g))
	for eni, groups := range g {
		out[eni] = append([]string{}, groups...)
	}
	return out
}

// savedGroups reads the previous_groups a checkpoint saved, in the form
// it was saved in or as it reads back from JSON.
func savedGroups(saved map[string]any) interfaceGroups {
	out := interfaceGroups{}
	switch m := saved["previous_groups"].(type) {
	case map[string][]string:
		for eni, groups := range m {
			out[eni] = append([]string{}, groups...)
		}
	case map[string]any:
		for eni, v := range m {
			switch l := v.(type) {
			case []string:
				out[eni] = append([]string{}, l...)
			case []any:
				groups := []string{}
				for _, g := range l {
					if s, ok := g.(string); ok {
						groups = append(groups, s)
					}
				}
				out[eni] = groups
			}
		}
	}
	return out
}

// onlyGroup reports whether groups is exactly [id].
func onlyGroup(groups []string, id string) bool { return len(groups) == 1 && groups[0] == id }

func quarantineInstance(ctx context.Context, in Input) (Result, error) {
	id, name := in.String("instance_id"), in.String("group_name")
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"instance_id": id, "previous_groups": map[string]any{}, "previous_group_ids": []string{}}
	inst, err := describeInstance(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if inst == nil {
		return instanceNotFound(id, out), nil
	}
	vpc := aws.ToString(inst.VpcId)
	if vpc == "" {
		return Result{}, Permanent(fmt.Errorf("instance %s is not in a VPC; it cannot be isolated with a security group", id))
	}
	if len(inst.NetworkInterfaces) == 0 {
		return Result{}, Permanent(fmt.Errorf("instance %s has no network interfaces to isolate", id))
	}
	out["vpc_id"] = vpc
	current := interfaceGroups{}
	var enis []string
	for _, ni := range inst.NetworkInterfaces {
		eni := aws.ToString(ni.NetworkInterfaceId)
		enis = append(enis, eni)
		groups := []string{}
		for _, g := range ni.Groups {
			groups = append(groups, aws.ToString(g.GroupId))
		}
		current[eni] = groups
	}
	slices.Sort(enis)

	q, err := findQuarantineGroup(ctx, cli, vpc, name)
	if err != nil {
		return Result{}, err
	}
	qid := ""
	if q != nil {
		qid = aws.ToString(q.GroupId)
	}

	// What each interface had before quarantine: what an earlier,
	// interrupted attempt saved, else what it has now. An interface
	// already in the quarantine group alone with nothing saved was
	// isolated by an earlier run; its previous groups are not known here.
	saved := savedGroups(in.Saved)
	previous := interfaceGroups{}
	for _, eni := range enis {
		if g, ok := saved[eni]; ok {
			previous[eni] = g
		} else if !onlyGroup(current[eni], qid) {
			previous[eni] = current[eni]
		}
	}
	// Save them before anything changes, unless they are saved already.
	if in.Checkpoint != nil && len(previous) > 0 && !maps.EqualFunc(previous, saved, slices.Equal) {
		if err := in.Checkpoint(ctx, map[string]any{"previous_groups": previous.toOutput()}); err != nil {
			return Result{}, fmt.Errorf("save the security groups of instance %s before quarantine: %w", id, err)
		}
	}
	groupID, groupChanged, err := ensureQuarantineGroup(ctx, cli, vpc, name, q)
	if err != nil {
		return Result{}, err
	}
	out["quarantine_group_id"] = groupID
	out["previous_groups"] = previous.toOutput()
	out["previous_group_ids"] = previous.union()

	var changed []string
	for _, eni := range enis {
		if onlyGroup(current[eni], groupID) {
			continue
		}
		_, err := cli.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{
			NetworkInterfaceId: aws.String(eni), Groups: []string{groupID}})
		if IsNotFound(err, "InvalidNetworkInterfaceID.NotFound") {
			// Detached and deleted since the instance was read.
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("set the security groups of network interface %s of instance %s to %s: %w", eni, id, groupID, err)
		}
		changed = append(changed, eni)
	}
	// An earlier attempt that saved groups other than the quarantine
	// group changed them, even if this one had nothing left to do.
	earlier := false
	for eni, g := range saved {
		if _, attached := current[eni]; attached && !onlyGroup(g, groupID) {
			earlier = true
		}
	}
	switch {
	case len(changed) > 0 || earlier:
		return Result{Outcome: Changed, Output: out,
			Message: fmt.Sprintf("instance %s isolated in quarantine group %s; previous groups: %s", id, groupID, previous.String())}, nil
	case groupChanged:
		return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("instance %s is isolated in %s, whose rules were removed", id, groupID)}, nil
	}
	return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("instance %s is already isolated in %s", id, groupID)}, nil
}

// union returns every group of g once, sorted.
func (g interfaceGroups) union() []string {
	var out []string
	for _, groups := range g {
		out = append(out, groups...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// String renders g as "eni-1: sg-a, sg-b; eni-2: sg-c".
func (g interfaceGroups) String() string {
	if len(g) == 0 {
		return "none known"
	}
	parts := make([]string, 0, len(g))
	for _, eni := range slices.Sorted(maps.Keys(g)) {
		parts = append(parts, eni+": "+joinOr(g[eni], ", ", "no groups"))
	}
	return strings.Join(parts, "; ")
}

// verifyQuarantined checks that every network interface of the instance
// has the quarantine group alone, and that the group has no rules.
func verifyQuarantined(ctx context.Context, in Input, res Result) error {
	id := in.String("instance_id")
	groupID, _ := res.Output["quarantine_group_id"].(string)
	cli := ec2.NewFromConfig(in.AWS)
	nis, err := cli.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("attachment.instance-id"), Values: []string{id}}}})
	if err != nil {
		return fmt.Errorf("describe the network interfaces of instance %s: %w", id, err)
	}
	if len(nis.NetworkInterfaces) == 0 {
		return Mismatch("instance %s has no network interfaces", id)
	}
	var wrong []string
	for _, ni := range nis.NetworkInterfaces {
		var groups []string
		for _, g := range ni.Groups {
			groups = append(groups, aws.ToString(g.GroupId))
		}
		if !onlyGroup(groups, groupID) {
			wrong = append(wrong, fmt.Sprintf("%s is in %s", aws.ToString(ni.NetworkInterfaceId), joinOr(groups, ", ", "no group")))
		}
	}
	if len(wrong) > 0 {
		return Mismatch("instance %s is not isolated in %s: %s", id, groupID, strings.Join(wrong, "; "))
	}
	g, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{groupID}})
	if IsNotFound(err, "InvalidGroup.NotFound") {
		return Mismatch("quarantine group %s does not exist", groupID)
	}
	if err != nil {
		return fmt.Errorf("describe quarantine group %s: %w", groupID, err)
	}
	if len(g.SecurityGroups) != 1 {
		return Mismatch("quarantine group %s does not exist", groupID)
	}
	if sg := g.SecurityGroups[0]; len(sg.IpPermissions)+len(sg.IpPermissionsEgress) > 0 {
		return Mismatch("quarantine group %s has %d inbound and %d outbound rule(s)", groupID, len(sg.IpPermissions), len(sg.IpPermissionsEgress))
	}
	return nil
}

func snapshotInstanceVolumes(ctx context.Context, in Input) (Result, error) {
	id, finding := in.String("instance_id"), in.String("finding_id")
	cli := ec2.NewFromConfig(in.AWS)
	inst, err := describeInstance(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if inst == nil {
		return instanceNotFound(id, map[string]any{"snapshot_ids": []string{}}), nil
	}
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
		Message: fmt.Sprintf("snapshotted %d %s of instance %s: %s", len(created), pluralize(len(created), "volume", "volumes"), id, strings.Join(created, ", "))}, nil
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
		return instanceNotFound(id, nil), nil
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
		return instanceNotFound(id, nil), nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("tag instance %s: %w", id, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("instance %s tagged %s", id, formatTags(want))}, nil
}

// verifySnapshots checks that the snapshots Run reported exist and have
// not failed.
func verifySnapshots(ctx context.Context, in Input, res Result) error {
	ids := outputStrings(res.Output["snapshot_ids"])
	if len(ids) == 0 {
		return nil
	}
	out, err := ec2.NewFromConfig(in.AWS).DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("snapshot-id"), Values: ids}}})
	if err != nil {
		return fmt.Errorf("describe snapshots %s: %w", strings.Join(ids, ", "), err)
	}
	found := map[string]ec2types.SnapshotState{}
	for _, sn := range out.Snapshots {
		found[aws.ToString(sn.SnapshotId)] = sn.State
	}
	var wrong []string
	for _, id := range ids {
		st, ok := found[id]
		switch {
		case !ok:
			wrong = append(wrong, id+" does not exist")
		case st == ec2types.SnapshotStateError:
			wrong = append(wrong, id+" failed")
		}
	}
	if len(wrong) > 0 {
		return Mismatch("snapshots of instance %s: %s", in.String("instance_id"), strings.Join(wrong, "; "))
	}
	return nil
}

// outputStrings reads a list of strings from a step output, as Run made
// it or as it reads back from JSON.
func outputStrings(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// verifyInstanceTags checks that the instance carries the tags.
func verifyInstanceTags(ctx context.Context, in Input, _ Result) error {
	id := in.String("instance_id")
	inst, err := describeInstance(ctx, ec2.NewFromConfig(in.AWS), id)
	if err != nil {
		return err
	}
	if inst == nil {
		return Mismatch("instance %s does not exist or is terminated", id)
	}
	have := map[string]string{}
	for _, t := range inst.Tags {
		have[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var wrong []string
	want := in.Map("tags")
	for _, k := range slices.Sorted(maps.Keys(want)) {
		v := fmt.Sprint(want[k])
		if cur, ok := have[k]; !ok {
			wrong = append(wrong, k+" is not set")
		} else if cur != v {
			wrong = append(wrong, fmt.Sprintf("%s is %q", k, cur))
		}
	}
	if len(wrong) > 0 {
		return Mismatch("tags of instance %s: %s", id, strings.Join(wrong, "; "))
	}
	return nil
}

// Stopping.

func stopInstance(ctx context.Context, in Input) (Result, error) {
	id := in.String("instance_id")
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"instance_id": id, "previous_state": ""}
	inst, err := describeInstance(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if inst == nil {
		return instanceNotFound(id, out), nil
	}
	state := instanceState(inst)
	out["previous_state"] = string(state)
	switch state {
	case ec2types.InstanceStateNameStopped, ec2types.InstanceStateNameStopping:
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s is already %s", id, state), Output: out}, nil
	case ec2types.InstanceStateNameShuttingDown:
		return instanceNotFound(id, out), nil
	}
	stop := &ec2.StopInstancesInput{InstanceIds: []string{id}}
	if in.Bool("hibernate") {
		stop.Hibernate = aws.Bool(true)
	}
	_, err = cli.StopInstances(ctx, stop)
	if IsNotFound(err, "InvalidInstanceID.NotFound") {
		return instanceNotFound(id, out), nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("stop instance %s: %w", id, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("instance %s stopped (was %s)", id, state), Output: out}, nil
}

func instanceState(inst *ec2types.Instance) ec2types.InstanceStateName {
	if inst.State == nil {
		return ""
	}
	return inst.State.Name
}

// verifyInstanceStopped checks that the instance is stopping or stopped.
func verifyInstanceStopped(ctx context.Context, in Input, _ Result) error {
	id := in.String("instance_id")
	inst, err := describeInstance(ctx, ec2.NewFromConfig(in.AWS), id)
	if err != nil {
		return err
	}
	if inst == nil {
		// Terminated since: it runs no more than a stopped one.
		return nil
	}
	if st := instanceState(inst); st != ec2types.InstanceStateNameStopped && st != ec2types.InstanceStateNameStopping {
		return Mismatch("instance %s is %s", id, st)
	}
	return nil
}

// pluralize returns one for a count of 1 and many otherwise.
func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
