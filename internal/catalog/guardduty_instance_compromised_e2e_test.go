package catalog_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/store"
)

// webInstance is a running instance of the member account in its own VPC,
// behind a security group open to HTTPS.
type webInstance struct {
	id, vpc, group, volume string
}

func newWebInstance(t *testing.T, h *harness) webInstance {
	t.Helper()
	ctx := context.Background()
	cli := ec2.NewFromConfig(h.sim.Config(member))
	vpc, err := cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	w := webInstance{vpc: aws.ToString(vpc.Vpc.VpcId)}
	sn, err := cli.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: vpc.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	w.group = aws.ToString(sg.GroupId)
	if _, err := cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	run, err := cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0abcdef1234567890"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: sn.Subnet.SubnetId, SecurityGroupIds: []string{w.group}})
	if err != nil {
		t.Fatal(err)
	}
	w.id = aws.ToString(run.Instances[0].InstanceId)
	vols, err := cli.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: aws.String("attachment.instance-id"), Values: []string{w.id}}}})
	if err != nil || len(vols.Volumes) != 1 {
		t.Fatalf("volumes of %s = %+v, %v", w.id, vols, err)
	}
	w.volume = aws.ToString(vols.Volumes[0].VolumeId)
	return w
}

// instanceState is what the test checks of an instance: its groups and
// tags, and the snapshots of its volume.
type instanceState struct {
	groups    []string
	tags      map[string]string
	snapshots []ec2types.Snapshot
}

func readInstance(t *testing.T, h *harness, w webInstance) instanceState {
	t.Helper()
	ctx := context.Background()
	cli := ec2.NewFromConfig(h.sim.Config(member))
	out, err := cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{w.id}})
	if err != nil {
		t.Fatal(err)
	}
	inst := out.Reservations[0].Instances[0]
	s := instanceState{tags: map[string]string{}}
	for _, g := range inst.SecurityGroups {
		s.groups = append(s.groups, aws.ToString(g.GroupId))
	}
	for _, tg := range inst.Tags {
		s.tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	snaps, err := cli.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("volume-id"), Values: []string{w.volume}}}})
	if err != nil {
		t.Fatal(err)
	}
	s.snapshots = snaps.Snapshots
	return s
}

// mutatingCalls counts the account's calls that are neither Describe nor
// Get calls.
func mutatingCalls(h *harness, account string) int {
	n := 0
	for _, r := range h.sim.Trail(account, "us-east-1") {
		if !r.ReadOnly {
			n++
		}
	}
	return n
}

func TestGuardDutyInstanceCompromised(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	w := newWebInstance(t, h)
	const finding = "0ec5f1e2d3c4b5a6978877665544b00d"
	event := fixture(t, "guardduty-instance-compromised", "event.json", "i-0b1c2d3e4f5a60719", w.id)
	a := h.rectify(t, "")

	// Approve mode: the plan is recorded and announced, nothing changes.
	before := mutatingCalls(h, member)
	res, err := a.Engine.Handle(ctx, event)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunAwaitingApproval {
		t.Fatalf("result = %+v, %v; want one run awaiting approval", res, err)
	}
	runID := res.Runs[0].RunID
	if n := mutatingCalls(h, member); n != before {
		t.Fatalf("%d calls changed the member account before approval", n-before)
	}
	if s := readInstance(t, h, w); !slices.Equal(s.groups, []string{w.group}) || len(s.snapshots) != 0 || s.tags["rectify:quarantined"] != "" {
		t.Fatalf("instance before approval = %+v", s)
	}
	plan, err := playbookSteps(a.Store.Steps(ctx, runID))
	if err != nil || len(plan) != 3 {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
	for i, name := range []string{"isolate", "snapshot", "tag"} {
		if plan[i].Name != name || plan[i].Status != store.StepPlanned || plan[i].Message == "" {
			t.Errorf("plan step %d = %+v, want %s planned with a description", i, plan[i], name)
		}
	}
	if msgs := h.sim.SNSMessages(h.topic); len(msgs) != 1 {
		t.Fatalf("notifications before approval = %d, want 1 (the plan)", len(msgs))
	}

	// Approved, the instance is isolated, snapshotted and tagged.
	run, err := a.Engine.Approve(ctx, runID, "alice")
	if err != nil || run.Status != store.RunSucceeded {
		t.Fatalf("approve = %+v, %v; want succeeded", run, err)
	}
	after := readInstance(t, h, w)
	if len(after.groups) != 1 || after.groups[0] == w.group {
		t.Fatalf("groups after approval = %v, want only the quarantine group", after.groups)
	}
	cli := ec2.NewFromConfig(h.sim.Config(member))
	q, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: after.groups})
	if err != nil {
		t.Fatal(err)
	}
	qg := q.SecurityGroups[0]
	if aws.ToString(qg.GroupName) != "rectify-quarantine" || aws.ToString(qg.VpcId) != w.vpc || len(qg.IpPermissions) != 0 || len(qg.IpPermissionsEgress) != 0 {
		t.Errorf("quarantine group = %s in %s, %d inbound and %d outbound rules; want rectify-quarantine in %s without rules",
			aws.ToString(qg.GroupName), aws.ToString(qg.VpcId), len(qg.IpPermissions), len(qg.IpPermissionsEgress), w.vpc)
	}
	if after.tags["rectify:quarantined"] != finding {
		t.Errorf("tags = %v", after.tags)
	}
	if len(after.snapshots) != 1 {
		t.Fatalf("snapshots of %s = %d, want 1", w.volume, len(after.snapshots))
	}
	var snapTag string
	for _, tg := range after.snapshots[0].Tags {
		if aws.ToString(tg.Key) == "rectify:finding" {
			snapTag = aws.ToString(tg.Value)
		}
	}
	if snapTag != finding {
		t.Errorf("snapshot tags = %+v, want rectify:finding=%s", after.snapshots[0].Tags, finding)
	}
	steps, _ := playbookSteps(a.Store.Steps(ctx, runID))
	if len(steps) != 3 || !strings.Contains(string(steps[0].Output), w.group) {
		t.Errorf("isolate step = %+v, want the previous group %s in its output", steps, w.group)
	}
	// The web group itself is untouched.
	g, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{w.group}})
	if err != nil || len(g.SecurityGroups[0].IpPermissions) != 1 {
		t.Errorf("web group = %+v, %v", g, err)
	}

	// A second approval, a redelivery, and the same finding in a new event
	// change nothing more.
	done := mutatingCalls(h, member)
	if _, err := a.Engine.Approve(ctx, runID, "alice"); err == nil {
		t.Error("second approval succeeded")
	}
	if res, err := a.Engine.Handle(ctx, event); err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	repeat := fixture(t, "guardduty-instance-compromised", "event-trojan.json", "i-0b1c2d3e4f5a60719", w.id)
	res, err = a.Engine.Handle(ctx, repeat)
	if err != nil || len(res.Runs) != 1 {
		t.Fatalf("repeated finding = %+v, %v", res, err)
	}
	if run, err = a.Engine.Approve(ctx, res.Runs[0].RunID, "alice"); err != nil || run.Status != store.RunSucceeded {
		t.Fatalf("approve repeated finding = %+v, %v", run, err)
	}
	steps, _ = playbookSteps(a.Store.Steps(ctx, run.ID))
	for _, s := range steps {
		if s.Status != store.StepAlreadyDone {
			t.Errorf("step %s of the repeated finding is %s, want already done", s.Name, s.Status)
		}
	}
	if n := mutatingCalls(h, member); n != done {
		t.Errorf("%d more calls changed the member account", n-done)
	}

	// A finding type outside finding_types does not fire.
	if res, err := a.Engine.Handle(ctx, fixture(t, "guardduty-instance-compromised", "event-recon.json", "i-0b1c2d3e4f5a60719", w.id)); err != nil ||
		len(res.Runs) != 1 || res.Runs[0].Skipped == "" {
		t.Errorf("recon finding = %+v, %v; want skipped", res, err)
	}
}
