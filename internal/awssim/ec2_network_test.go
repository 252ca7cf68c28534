package awssim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func ec2Subnet(t *testing.T, cli *ec2.Client, vpc, cidr, az string) string {
	t.Helper()
	out, err := cli.CreateSubnet(context.Background(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az)})
	if err != nil {
		t.Fatalf("CreateSubnet %s: %v", cidr, err)
	}
	return aws.ToString(out.Subnet.SubnetId)
}

func TestEC2SubnetAndVPCAttributes(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.2.0.0/16")
	sn := ec2Subnet(t, cli, vpc, "10.2.1.0/24", "us-east-1a")

	if _, err := cli.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(sn), MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	out, err := cli.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{sn}})
	if err != nil || !aws.ToBool(out.Subnets[0].MapPublicIpOnLaunch) {
		t.Fatalf("MapPublicIpOnLaunch after setting it = %+v, %v", out, err)
	}
	_, err = cli.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String("subnet-0000000000000000f"), MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}})
	wantCode(t, "ModifySubnetAttribute of a missing subnet", err, "InvalidSubnetID.NotFound")

	attr := func(a ec2types.VpcAttributeName) bool {
		t.Helper()
		out, err := cli.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpc), Attribute: a})
		if err != nil {
			t.Fatal(err)
		}
		if a == ec2types.VpcAttributeNameEnableDnsSupport {
			return aws.ToBool(out.EnableDnsSupport.Value)
		}
		return aws.ToBool(out.EnableDnsHostnames.Value)
	}
	if !attr(ec2types.VpcAttributeNameEnableDnsSupport) || attr(ec2types.VpcAttributeNameEnableDnsHostnames) {
		t.Fatal("a new VPC has DNS support on and DNS hostnames off")
	}
	if _, err := cli.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if !attr(ec2types.VpcAttributeNameEnableDnsHostnames) {
		t.Fatal("DNS hostnames not on after ModifyVpcAttribute")
	}
	_, err = cli.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}})
	wantCode(t, "turning DNS support off under DNS hostnames", err, "InvalidParameterValue")
}

func TestEC2FlowLogs(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := ec2.NewFromConfig(cfg)
	vpc := ec2VPC(t, cli, "10.3.0.0/16")
	role := apigatewayRole(t, iam.NewFromConfig(cfg), "vpc-flow-logs.amazonaws.com")
	if _, err := cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("flows")}); err != nil {
		t.Fatal(err)
	}

	out, err := cli.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{vpc, "vpc-0000000000000000f"}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
		TrafficType: ec2types.TrafficTypeReject, LogGroupName: aws.String("flows"), DeliverLogsPermissionArn: aws.String(role),
		TagSpecifications: tagSpec(ec2types.ResourceTypeVpcFlowLog, "team", "net")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FlowLogIds) != 1 || len(out.Unsuccessful) != 1 || aws.ToString(out.Unsuccessful[0].Error.Code) != "InvalidVpcID.NotFound" {
		t.Fatalf("CreateFlowLogs = ids %v, unsuccessful %+v", out.FlowLogIds, out.Unsuccessful)
	}
	again, err := cli.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
		TrafficType: ec2types.TrafficTypeReject, LogGroupName: aws.String("flows"), DeliverLogsPermissionArn: aws.String(role)})
	if err != nil || len(again.Unsuccessful) != 1 || aws.ToString(again.Unsuccessful[0].Error.Code) != "FlowLogAlreadyExists" {
		t.Fatalf("a second identical flow log = %+v, %v", again, err)
	}
	_, err = cli.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
		TrafficType: ec2types.TrafficTypeAll, LogGroupName: aws.String("flows")})
	wantCode(t, "a CloudWatch Logs flow log without a role", err, "InvalidParameter")

	// An S3 flow log to a missing bucket fails to deliver; to an existing one it succeeds.
	s3c := s3.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("flow-bucket")}); err != nil {
		t.Fatal(err)
	}
	for _, bucket := range []string{"flow-bucket", "no-such-bucket"} {
		if _, err := cli.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
			TrafficType: ec2types.TrafficTypeAll, LogDestinationType: ec2types.LogDestinationTypeS3, LogDestination: aws.String("arn:aws:s3:::" + bucket)}); err != nil {
			t.Fatal(err)
		}
	}
	desc, err := cli.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{vpc}}}})
	if err != nil || len(desc.FlowLogs) != 3 {
		t.Fatalf("DescribeFlowLogs = %+v, %v", desc, err)
	}
	byDest := map[string]ec2types.FlowLog{}
	for _, f := range desc.FlowLogs {
		byDest[aws.ToString(f.LogDestination)] = f
	}
	cw := byDest["arn:aws:logs:us-east-1:"+awssim.DefaultAccount+":log-group:flows"]
	if aws.ToString(cw.LogGroupName) != "flows" || cw.TrafficType != ec2types.TrafficTypeReject || aws.ToString(cw.DeliverLogsPermissionArn) != role ||
		aws.ToString(cw.FlowLogStatus) != "ACTIVE" || tagValue(cw.Tags, "team") != "net" || aws.ToString(cw.DeliverLogsStatus) != "SUCCESS" {
		t.Errorf("CloudWatch Logs flow log = %+v", cw)
	}
	// A delivery role VPC Flow Logs cannot assume makes delivery fail.
	other := ec2VPC(t, cli, "10.13.0.0/16")
	if _, err := cli.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{other}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
		TrafficType: ec2types.TrafficTypeReject, LogGroupName: aws.String("flows"), DeliverLogsPermissionArn: aws.String("arn:aws:iam::" + awssim.DefaultAccount + ":role/none")}); err != nil {
		t.Fatal(err)
	}
	bad, err := cli.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{other}}}})
	if err != nil || aws.ToString(bad.FlowLogs[0].DeliverLogsStatus) != "FAILED" {
		t.Errorf("a flow log with a missing role = %+v, %v", bad, err)
	}
	if s := aws.ToString(byDest["arn:aws:s3:::flow-bucket"].DeliverLogsStatus); s != "SUCCESS" {
		t.Errorf("delivery to an existing bucket = %s", s)
	}
	if s := aws.ToString(byDest["arn:aws:s3:::no-such-bucket"].DeliverLogsStatus); s != "FAILED" {
		t.Errorf("delivery to a missing bucket = %s", s)
	}
	del, err := cli.DeleteFlowLogs(ctx, &ec2.DeleteFlowLogsInput{FlowLogIds: []string{aws.ToString(cw.FlowLogId), "fl-0000000000000000f"}})
	if err != nil || len(del.Unsuccessful) != 1 {
		t.Fatalf("DeleteFlowLogs = %+v, %v", del, err)
	}
}

func TestEC2TransitGateways(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	out, err := cli.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{Description: aws.String("core"),
		Options: &ec2types.TransitGatewayRequestOptions{AutoAcceptSharedAttachments: ec2types.AutoAcceptSharedAttachmentsValueEnable}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.TransitGateway.TransitGatewayId)
	if !strings.HasPrefix(id, "tgw-") || out.TransitGateway.State != ec2types.TransitGatewayStatePending {
		t.Fatalf("CreateTransitGateway = %+v", out.TransitGateway)
	}
	mod, err := cli.ModifyTransitGateway(ctx, &ec2.ModifyTransitGatewayInput{TransitGatewayId: aws.String(id),
		Options: &ec2types.ModifyTransitGatewayOptions{AutoAcceptSharedAttachments: ec2types.AutoAcceptSharedAttachmentsValueDisable}})
	if err != nil || mod.TransitGateway.State != ec2types.TransitGatewayStateModifying {
		t.Fatalf("ModifyTransitGateway = %+v, %v", mod, err)
	}
	desc, err := cli.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{TransitGatewayIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	g := desc.TransitGateways[0]
	if g.State != ec2types.TransitGatewayStateAvailable || g.Options.AutoAcceptSharedAttachments != ec2types.AutoAcceptSharedAttachmentsValueDisable ||
		g.Options.DnsSupport != ec2types.DnsSupportValueEnable || aws.ToInt64(g.Options.AmazonSideAsn) != 64512 || aws.ToString(g.Description) != "core" {
		t.Errorf("after modification = %+v %+v", g, g.Options)
	}
	_, err = cli.ModifyTransitGateway(ctx, &ec2.ModifyTransitGatewayInput{TransitGatewayId: aws.String("tgw-0000000000000000f"),
		Options: &ec2types.ModifyTransitGatewayOptions{AutoAcceptSharedAttachments: ec2types.AutoAcceptSharedAttachmentsValueDisable}})
	wantCode(t, "ModifyTransitGateway of a missing gateway", err, "InvalidTransitGatewayID.NotFound")
}

func TestEC2VPCEndpoints(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.4.0.0/16")
	a := ec2Subnet(t, cli, vpc, "10.4.1.0/24", "us-east-1a")
	b := ec2Subnet(t, cli, vpc, "10.4.2.0/24", "us-east-1b")
	a2 := ec2Subnet(t, cli, vpc, "10.4.3.0/24", "us-east-1a")
	own := ec2Group(t, cli, vpc, "endpoints")
	service := "com.amazonaws.us-east-1.ec2"

	_, err := cli.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String(service),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{a, b}})
	wantCode(t, "private DNS without DNS hostnames", err, "InvalidParameter")
	_, err = cli.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String(service),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{a, a2}, PrivateDnsEnabled: aws.Bool(false)})
	wantCode(t, "two subnets in one zone", err, "DuplicateSubnetsInSameZone")
	_, err = cli.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws.eu-west-1.ec2"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{a}})
	wantCode(t, "another region's service", err, "InvalidServiceName")

	if _, err := cli.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	out, err := cli.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String(service),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{a, b}, SecurityGroupIds: []string{own},
		TagSpecifications: tagSpec(ec2types.ResourceTypeVpcEndpoint, "owner", "net")})
	if err != nil {
		t.Fatal(err)
	}
	ep := out.VpcEndpoint
	// EC2 answers lower-case states, whatever the SDK's enum spells.
	if !strings.EqualFold(string(ep.State), "pending") || len(ep.NetworkInterfaceIds) != 2 || !aws.ToBool(ep.PrivateDnsEnabled) {
		t.Fatalf("CreateVpcEndpoint = state %s, interfaces %v, private DNS %v", ep.State, ep.NetworkInterfaceIds, aws.ToBool(ep.PrivateDnsEnabled))
	}
	_, err = cli.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String(service),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{a}})
	wantCode(t, "a second endpoint with private DNS for the service", err, "InvalidParameter")

	desc, err := cli.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("service-name"), Values: []string{service}}}})
	if err != nil || len(desc.VpcEndpoints) != 1 || desc.VpcEndpoints[0].State != "available" ||
		aws.ToString(desc.VpcEndpoints[0].Groups[0].GroupId) != own || tagValue(desc.VpcEndpoints[0].Tags, "owner") != "net" {
		t.Fatalf("DescribeVpcEndpoints = %+v, %v", desc, err)
	}
	// The endpoint's interfaces are in its group, managed by AWS.
	enis, err := cli.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{own}}}})
	if err != nil || len(enis.NetworkInterfaces) != 2 || enis.NetworkInterfaces[0].InterfaceType != ec2types.NetworkInterfaceTypeVpcEndpoint ||
		!aws.ToBool(enis.NetworkInterfaces[0].RequesterManaged) {
		t.Fatalf("endpoint interfaces = %+v, %v", enis, err)
	}
	_, err = cli.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: enis.NetworkInterfaces[0].NetworkInterfaceId})
	wantCode(t, "deleting an endpoint's interface", err, "OperationNotPermitted")
	_, err = cli.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
	wantCode(t, "deleting a VPC with an endpoint", err, "DependencyViolation")

	// Without groups, an endpoint's interfaces land in the VPC's default group.
	gw, err := cli.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws.us-east-1.ssm"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{a}})
	if err != nil {
		t.Fatal(err)
	}
	if g := gw.VpcEndpoint.Groups; len(g) != 1 || aws.ToString(g[0].GroupName) != "default" {
		t.Errorf("an endpoint made without groups is in %+v, want the default group", g)
	}
	del, err := cli.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{aws.ToString(ep.VpcEndpointId), aws.ToString(gw.VpcEndpoint.VpcEndpointId)}})
	if err != nil || len(del.Unsuccessful) != 0 {
		t.Fatalf("DeleteVpcEndpoints = %+v, %v", del, err)
	}
	enis, err = cli.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}})
	if err != nil || len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("interfaces after the endpoints were deleted = %+v, %v", enis, err)
	}
}

func TestEC2NetworkACLs(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.5.0.0/16")
	sn := ec2Subnet(t, cli, vpc, "10.5.1.0/24", "us-east-1a")
	out, err := cli.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("default"), Values: []string{"true"}}}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("default ACL = %+v, %v", out, err)
	}
	def := out.NetworkAcls[0]
	if len(def.Entries) != 4 || len(def.Associations) != 1 || aws.ToString(def.Associations[0].SubnetId) != sn {
		t.Fatalf("default ACL = %+v", def)
	}
	id := def.NetworkAclId
	if _, err := cli.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(90), Protocol: aws.String("tcp"),
		RuleAction: ec2types.RuleActionDeny, Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0"), PortRange: &ec2types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}}); err != nil {
		t.Fatal(err)
	}
	_, err = cli.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(90), Protocol: aws.String("-1"),
		RuleAction: ec2types.RuleActionAllow, Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0")})
	wantCode(t, "a second entry 90", err, "NetworkAclEntryAlreadyExists")
	out, err = cli.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{aws.ToString(id)}})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range out.NetworkAcls[0].Entries {
		if aws.ToInt32(e.RuleNumber) == 90 {
			found = e.RuleAction == ec2types.RuleActionDeny && aws.ToString(e.Protocol) == "6" && aws.ToInt32(e.PortRange.From) == 22
		}
	}
	if !found {
		t.Errorf("entry 90 not found as created: %+v", out.NetworkAcls[0].Entries)
	}
	if _, err := cli.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(90), Egress: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = cli.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: id})
	wantCode(t, "deleting the default ACL", err, "InvalidParameterValue")
}

func TestEC2InstanceMetadataAndTerminationProtection(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.6.0.0/16")
	sn := ec2Subnet(t, cli, vpc, "10.6.1.0/24", "us-east-1a")
	run, err := cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(sn), MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpPutResponseHopLimit: aws.Int32(2)}, DisableApiTermination: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	inst := func() ec2types.Instance {
		t.Helper()
		out, err := cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Reservations[0].Instances[0]
	}
	m := inst().MetadataOptions
	if m.HttpTokens != ec2types.HttpTokensStateOptional || aws.ToInt32(m.HttpPutResponseHopLimit) != 2 || m.HttpEndpoint != ec2types.InstanceMetadataEndpointStateEnabled {
		t.Fatalf("metadata options at launch = %+v", m)
	}
	mod, err := cli.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(id), HttpTokens: ec2types.HttpTokensStateRequired})
	if err != nil || mod.InstanceMetadataOptions.State != ec2types.InstanceMetadataOptionsStatePending {
		t.Fatalf("ModifyInstanceMetadataOptions = %+v, %v", mod, err)
	}
	m = inst().MetadataOptions
	if m.HttpTokens != ec2types.HttpTokensStateRequired || aws.ToInt32(m.HttpPutResponseHopLimit) != 2 || m.State != ec2types.InstanceMetadataOptionsStateApplied {
		t.Errorf("metadata options after requiring tokens = %+v (the hop limit must be kept)", m)
	}

	sim.Advance(time.Hour)
	if _, err := cli.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	want := "User initiated (" + sim.Now().Format("2006-01-02 15:04:05") + " GMT)"
	if got := aws.ToString(inst().StateTransitionReason); got != want {
		t.Errorf("stateTransitionReason = %q, want %q", got, want)
	}
	_, err = cli.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	wantCode(t, "terminating a protected instance", err, "OperationNotPermitted")
	attr, err := cli.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: ec2types.InstanceAttributeNameDisableApiTermination})
	if err != nil || !aws.ToBool(attr.DisableApiTermination.Value) {
		t.Fatalf("disableApiTermination = %+v, %v", attr, err)
	}
	if _, err := cli.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), DisableApiTermination: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if s := inst().State.Name; s != ec2types.InstanceStateNameTerminated {
		t.Errorf("state = %s", s)
	}
}

func TestEC2LaunchTemplates(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	out, err := cli.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-12345678"), InstanceType: ec2types.InstanceTypeT3Micro,
			UserData:            aws.String("IyEvYmluL3NoCg=="),
			MetadataOptions:     &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateOptional, HttpPutResponseHopLimit: aws.Int32(3)},
			NetworkInterfaces:   []ec2types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{DeviceIndex: aws.Int32(0), AssociatePublicIpAddress: aws.Bool(true), Groups: []string{"sg-1", "sg-2"}}},
			BlockDeviceMappings: []ec2types.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(20), Encrypted: aws.Bool(true)}}},
			TagSpecifications:   []ec2types.LaunchTemplateTagSpecificationRequest{{ResourceType: ec2types.ResourceTypeInstance, Tags: ec2Tags("app", "web")}}},
		TagSpecifications: tagSpec(ec2types.ResourceTypeLaunchTemplate, "team", "web")})
	if err != nil {
		t.Fatal(err)
	}
	lt := out.LaunchTemplate
	if !strings.HasPrefix(aws.ToString(lt.LaunchTemplateId), "lt-") || aws.ToInt64(lt.LatestVersionNumber) != 1 || aws.ToInt64(lt.DefaultVersionNumber) != 1 {
		t.Fatalf("CreateLaunchTemplate = %+v", lt)
	}
	_, err = cli.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
	wantCode(t, "a second template named web", err, "InvalidLaunchTemplateName.AlreadyExistsException")

	// A version made from version 1 that gives only metadata options keeps the rest.
	v2, err := cli.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: lt.LaunchTemplateId, SourceVersion: aws.String("1"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(3)}}})
	if err != nil || aws.ToInt64(v2.LaunchTemplateVersion.VersionNumber) != 2 {
		t.Fatalf("CreateLaunchTemplateVersion = %+v, %v", v2, err)
	}
	vs, err := cli.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("web"), Versions: []string{"$Latest"}})
	if err != nil || len(vs.LaunchTemplateVersions) != 1 {
		t.Fatalf("DescribeLaunchTemplateVersions = %+v, %v", vs, err)
	}
	d := vs.LaunchTemplateVersions[0].LaunchTemplateData
	if d.MetadataOptions.HttpTokens != ec2types.LaunchTemplateHttpTokensStateRequired || aws.ToInt32(d.MetadataOptions.HttpPutResponseHopLimit) != 3 ||
		aws.ToString(d.ImageId) != "ami-12345678" || d.InstanceType != ec2types.InstanceTypeT3Micro || aws.ToString(d.UserData) != "IyEvYmluL3NoCg==" ||
		len(d.NetworkInterfaces) != 1 || !aws.ToBool(d.NetworkInterfaces[0].AssociatePublicIpAddress) || len(d.NetworkInterfaces[0].Groups) != 2 ||
		aws.ToInt32(d.BlockDeviceMappings[0].Ebs.VolumeSize) != 20 || tagValue(d.TagSpecifications[0].Tags, "app") != "web" ||
		aws.ToBool(vs.LaunchTemplateVersions[0].DefaultVersion) {
		t.Errorf("version 2 = %+v", d)
	}
	if _, err := cli.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: lt.LaunchTemplateId, DefaultVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	all, err := cli.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"web"}})
	if err != nil || aws.ToInt64(all.LaunchTemplates[0].DefaultVersionNumber) != 2 || tagValue(all.LaunchTemplates[0].Tags, "team") != "web" {
		t.Fatalf("DescribeLaunchTemplates = %+v, %v", all, err)
	}
	_, err = cli.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: lt.LaunchTemplateId, Versions: []string{"7"}})
	wantCode(t, "a missing version", err, "InvalidLaunchTemplateId.VersionNotFound")
	_, err = cli.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nope"}})
	wantCode(t, "a missing template", err, "InvalidLaunchTemplateName.NotFoundException")
	if _, err := cli.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
}
