package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/store"
)

// compromisedInstanceScenario: GuardDuty reports an instance querying a
// command and control domain. The playbook's mode is approve: rectify
// records the plan and waits for a person, who approves it.
func compromisedInstanceScenario() Scenario {
	const finding = "0ec5f1e2d3c4b5a6978877665544b00d"
	var instance, group, volume string
	return Scenario{
		Name: "GuardDuty: a compromised instance, isolated once a person approves",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			cli := ec2.NewFromConfig(o.Sim.Config(Member))
			vpc, err := cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.40.0.0/16")})
			if err != nil {
				return nil, "", err
			}
			sn, err := cli.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.40.1.0/24")})
			if err != nil {
				return nil, "", err
			}
			sg, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: vpc.Vpc.VpcId})
			if err != nil {
				return nil, "", err
			}
			group = aws.ToString(sg.GroupId)
			run, err := cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0abcdef1234567890"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
				SubnetId: sn.Subnet.SubnetId, SecurityGroupIds: []string{group}})
			if err != nil {
				return nil, "", err
			}
			instance = aws.ToString(run.Instances[0].InstanceId)
			s, err := readInstance(ctx, o, instance)
			if err != nil {
				return nil, "", err
			}
			volume = s.volume
			now := o.Sim.Now()
			ev, err := event("guardduty-instance-compromised.json", "i-0b1c2d3e4f5a60719", instance,
				"vpc-0a1b2c3d4e5f60718", aws.ToString(vpc.Vpc.VpcId), "subnet-0fedcba9876543210", aws.ToString(sn.Subnet.SubnetId),
				"sg-0a1b2c3d4e5f60718", group,
				`"time": "2026-11-20T13:00:00Z"`, `"time": "`+now.Format(time.RFC3339)+`"`)
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("instance %s runs in security group %s (web) with volume %s; GuardDuty finding %s (Backdoor:EC2/C&CActivity.B!DNS) says it queries a command and control domain.",
				instance, group, volume, finding), nil
		},
		Then: func(ctx context.Context, o *Org, a *app.App, res *engine.Result) (string, error) {
			var approved []string
			for _, r := range res.Runs {
				if r.Status != store.RunAwaitingApproval {
					continue
				}
				run, err := a.Engine.Approve(ctx, r.RunID, "demo")
				if err != nil {
					return "", err
				}
				approved = append(approved, fmt.Sprintf("run %s %s", run.ID, run.Status))
			}
			if len(approved) == 0 {
				return "no run awaited approval.", nil
			}
			return fmt.Sprintf("a person reviews the plan and approves it (rectify approve RUN_ID): %s.", strings.Join(approved, ", ")), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) {
			s, err := readInstance(ctx, o, instance)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("instance %s is in security groups %s (was %s); snapshots of %s: %d; tag rectify:quarantined=%q.",
				instance, strings.Join(s.groups, ", "), group, volume, s.snapshots, s.tags["rectify:quarantined"]), nil
		},
	}
}

// instanceView is what the demo shows of an instance.
type instanceView struct {
	groups    []string // "sg-... (name)"
	tags      map[string]string
	volume    string
	snapshots int
}

func readInstance(ctx context.Context, o *Org, id string) (instanceView, error) {
	cli := ec2.NewFromConfig(o.Sim.Config(Member))
	out, err := cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return instanceView{}, err
	}
	if len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
		return instanceView{}, fmt.Errorf("instance %s not found", id)
	}
	inst := out.Reservations[0].Instances[0]
	v := instanceView{tags: map[string]string{}}
	for _, g := range inst.SecurityGroups {
		v.groups = append(v.groups, aws.ToString(g.GroupId)+" ("+aws.ToString(g.GroupName)+")")
	}
	for _, t := range inst.Tags {
		v.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	for _, m := range inst.BlockDeviceMappings {
		if m.Ebs != nil {
			v.volume = aws.ToString(m.Ebs.VolumeId)
		}
	}
	if v.volume == "" {
		return v, nil
	}
	snaps, err := cli.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("volume-id"), Values: []string{v.volume}}}})
	if err != nil {
		return v, err
	}
	v.snapshots = len(snaps.Snapshots)
	return v, nil
}
