package action

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2ControlScenarios are the scenarios of the EC2 actions of the Security
// Hub network and compute controls.
var ec2ControlScenarios = map[string]scenario{
	"ec2.make-snapshot-private": {
		setup: func(w *world) Input {
			snap := w.publicSnapshot()
			return w.input(map[string]any{"snapshot_id": snap})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.ec2.ModifySnapshotAttribute(w.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(in.String("snapshot_id")),
				Attribute:              ec2types.SnapshotAttributeNameCreateVolumePermission,
				CreateVolumePermission: &ec2types.CreateVolumePermissionModifications{Add: []ec2types.CreateVolumePermission{{Group: ec2types.PermissionGroupAll}}}})
			w.must(err)
		},
	},
	"ec2.enable-ebs-default-encryption": {
		setup: func(w *world) Input { return w.input(nil) },
		undo: func(w *world, _ Input, _ Result) {
			_, err := w.ec2.DisableEbsEncryptionByDefault(w.ctx, &ec2.DisableEbsEncryptionByDefaultInput{})
			w.must(err)
		},
	},
	"ec2.require-imdsv2": {
		setup: func(w *world) Input {
			id, _ := w.instance()
			return w.input(map[string]any{"instance_id": id})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.ec2.ModifyInstanceMetadataOptions(w.ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(in.String("instance_id")), HttpTokens: ec2types.HttpTokensStateOptional})
			w.must(err)
		},
	},
	"ec2.terminate-stopped-instance": {
		// A terminated instance cannot be brought back: no undo.
		setup: func(w *world) Input {
			id, _ := w.instance()
			_, err := w.ec2.StopInstances(w.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
			w.must(err)
			w.sim.Advance(31 * 24 * time.Hour)
			return w.input(map[string]any{"instance_id": id})
		},
	},
	"ec2.remove-default-security-group-rules": {
		setup: func(w *world) Input {
			vpc, _, _ := w.network()
			return w.input(map[string]any{"group_id": w.defaultGroup(vpc)})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.ec2.AuthorizeSecurityGroupIngress(w.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(in.String("group_id")),
				IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(in.String("group_id"))}}}}})
			w.must(err)
		},
	},
	"ec2.create-vpc-endpoint": {
		setup: func(w *world) Input {
			vpc := w.endpointVPC()
			return w.input(map[string]any{"vpc_id": vpc})
		},
		undo: func(w *world, _ Input, res Result) {
			_, err := w.ec2.DeleteVpcEndpoints(w.ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{res.Output["endpoint_id"].(string)}})
			w.must(err)
		},
	},
	"ec2.disable-subnet-public-ip": {
		setup: func(w *world) Input {
			_, subnet, _ := w.network()
			w.mapPublicIP(subnet, true)
			return w.input(map[string]any{"subnet_id": subnet})
		},
		undo: func(w *world, in Input, _ Result) { w.mapPublicIP(in.String("subnet_id"), true) },
	},
	"ec2.disable-transit-gateway-auto-accept": {
		setup: func(w *world) Input {
			out, err := w.ec2.CreateTransitGateway(w.ctx, &ec2.CreateTransitGatewayInput{
				Options: &ec2types.TransitGatewayRequestOptions{AutoAcceptSharedAttachments: ec2types.AutoAcceptSharedAttachmentsValueEnable}})
			w.must(err)
			return w.input(map[string]any{"transit_gateway_id": aws.ToString(out.TransitGateway.TransitGatewayId)})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.ec2.ModifyTransitGateway(w.ctx, &ec2.ModifyTransitGatewayInput{TransitGatewayId: aws.String(in.String("transit_gateway_id")),
				Options: &ec2types.ModifyTransitGatewayOptions{AutoAcceptSharedAttachments: ec2types.AutoAcceptSharedAttachmentsValueEnable}})
			w.must(err)
		},
	},
}

// publicSnapshot makes a snapshot of a new volume, restorable by anyone
// and shared with one other account, and returns its ID.
func (w *world) publicSnapshot() string {
	v, err := w.ec2.CreateVolume(w.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(8)})
	w.must(err)
	s, err := w.ec2.CreateSnapshot(w.ctx, &ec2.CreateSnapshotInput{VolumeId: v.VolumeId})
	w.must(err)
	_, err = w.ec2.ModifySnapshotAttribute(w.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: s.SnapshotId, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
		CreateVolumePermission: &ec2types.CreateVolumePermissionModifications{Add: []ec2types.CreateVolumePermission{{Group: ec2types.PermissionGroupAll}, {UserId: aws.String("111122223333")}}}})
	w.must(err)
	return aws.ToString(s.SnapshotId)
}

// defaultGroup returns the ID of a VPC's default security group.
func (w *world) defaultGroup(vpc string) string {
	out, err := w.ec2.DescribeSecurityGroups(w.ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{"default"}}}})
	w.must(err)
	return aws.ToString(out.SecurityGroups[0].GroupId)
}

// endpointVPC makes a VPC with DNS hostnames on and subnets in two zones
// (two in the first), and returns its ID.
func (w *world) endpointVPC() string {
	v, err := w.ec2.CreateVpc(w.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})
	w.must(err)
	vpc := aws.ToString(v.Vpc.VpcId)
	_, err = w.ec2.ModifyVpcAttribute(w.ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}})
	w.must(err)
	for i, az := range []string{"us-east-1a", "us-east-1b", "us-east-1a"} {
		_, err := w.ec2.CreateSubnet(w.ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.20." + string(rune('1'+i)) + ".0/24"), AvailabilityZone: aws.String(az)})
		w.must(err)
	}
	return vpc
}

func (w *world) mapPublicIP(subnet string, on bool) {
	_, err := w.ec2.ModifySubnetAttribute(w.ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(subnet), MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(on)}})
	w.must(err)
}

// flowLogScenarios are the scenarios of the flow log action.
var flowLogScenarios = map[string]scenario{
	"ec2.enable-flow-logs": {
		setup: func(w *world) Input {
			vpc, _, _ := w.network()
			return w.input(map[string]any{"vpc_id": vpc})
		},
		undo: func(w *world, _ Input, res Result) {
			_, err := w.ec2.DeleteFlowLogs(w.ctx, &ec2.DeleteFlowLogsInput{FlowLogIds: []string{res.Output["flow_log_id"].(string)}})
			w.must(err)
		},
	},
}
