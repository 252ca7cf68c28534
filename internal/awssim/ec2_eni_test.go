package awssim_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// groupsOf returns the group IDs of a list of group identifiers.
func groupsOf(gs []ec2types.GroupIdentifier) []string {
	var out []string
	for _, g := range gs {
		out = append(out, aws.ToString(g.GroupId))
	}
	return out
}

func TestEC2NetworkInterfaces(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc, err := cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := cli.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.2.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	group := func(name string) string {
		g, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: vpc.Vpc.VpcId})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(g.GroupId)
	}
	web, db, q := group("web"), group("db"), group("quarantine")
	run, err := cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: sn.Subnet.SubnetId, SecurityGroupIds: []string{web}})
	if err != nil {
		t.Fatal(err)
	}
	inst := run.Instances[0]
	id := aws.ToString(inst.InstanceId)
	if len(inst.NetworkInterfaces) != 1 || inst.NetworkInterfaces[0].Attachment == nil || aws.ToInt32(inst.NetworkInterfaces[0].Attachment.DeviceIndex) != 0 {
		t.Fatalf("new instance's interfaces = %+v, want a primary one", inst.NetworkInterfaces)
	}
	primary := aws.ToString(inst.NetworkInterfaces[0].NetworkInterfaceId)

	// With one interface, ModifyInstanceAttribute changes its groups.
	if _, err := cli.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), Groups: []string{web, db}}); err != nil {
		t.Fatal(err)
	}
	eni, err := cli.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.Subnet.SubnetId, Groups: []string{db},
		Description: aws.String("replication"), TagSpecifications: tagSpec(ec2types.ResourceTypeNetworkInterface, "role", "replication")})
	if err != nil {
		t.Fatal(err)
	}
	second := aws.ToString(eni.NetworkInterface.NetworkInterfaceId)
	if eni.NetworkInterface.Status != ec2types.NetworkInterfaceStatusAvailable || tagValue(eni.NetworkInterface.TagSet, "role") != "replication" {
		t.Errorf("new interface = %+v", eni.NetworkInterface)
	}
	_, err = cli.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: aws.String(second), InstanceId: aws.String(id), DeviceIndex: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: aws.String(second), InstanceId: aws.String(id), DeviceIndex: aws.Int32(2)}); apiCode(err) != "InvalidNetworkInterface.InUse" {
		t.Errorf("attach an attached interface: %v", err)
	}

	// DescribeInstances reports both interfaces, and the instance's groups
	// are theirs.
	d, err := cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	got := d.Reservations[0].Instances[0]
	if len(got.NetworkInterfaces) != 2 {
		t.Fatalf("interfaces = %+v", got.NetworkInterfaces)
	}
	byID := map[string][]string{}
	for _, ni := range got.NetworkInterfaces {
		byID[aws.ToString(ni.NetworkInterfaceId)] = groupsOf(ni.Groups)
	}
	if !slices.Equal(byID[primary], []string{web, db}) || !slices.Equal(byID[second], []string{db}) {
		t.Errorf("interface groups = %v", byID)
	}
	var instGroups []string
	for _, g := range got.SecurityGroups {
		instGroups = append(instGroups, aws.ToString(g.GroupId))
	}
	if !slices.Equal(instGroups, []string{web, db}) {
		t.Errorf("instance groups = %v, want the union of its interfaces'", instGroups)
	}

	// Now ModifyInstanceAttribute is refused, as EC2 refuses it.
	_, err = cli.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), Groups: []string{q}})
	if apiCode(err) != "InvalidInstanceID" {
		t.Fatalf("ModifyInstanceAttribute on two interfaces: %v, want InvalidInstanceID", err)
	}
	for _, eniID := range []string{primary, second} {
		if _, err := cli.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eniID), Groups: []string{q}}); err != nil {
			t.Fatal(err)
		}
	}
	nis, err := cli.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("attachment.instance-id"), Values: []string{id}}}})
	if err != nil || len(nis.NetworkInterfaces) != 2 {
		t.Fatalf("interfaces of the instance: %+v, %v", nis, err)
	}
	for _, ni := range nis.NetworkInterfaces {
		if !slices.Equal(groupsOf(ni.Groups), []string{q}) || ni.Status != ec2types.NetworkInterfaceStatusInUse || aws.ToString(ni.Attachment.InstanceId) != id {
			t.Errorf("interface after quarantine = %+v", ni)
		}
	}
	for _, tc := range []struct {
		name string
		in   *ec2.ModifyNetworkInterfaceAttributeInput
		code string
	}{
		{"unknown interface", &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String("eni-00000000000000000"), Groups: []string{q}}, "InvalidNetworkInterfaceID.NotFound"},
		{"unknown group", &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(second), Groups: []string{"sg-00000000000000000"}}, "InvalidGroup.NotFound"},
		{"too many groups", &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(second), Groups: []string{q, q, q, q, q, q}}, "SecurityGroupsPerInterfaceLimitExceeded"},
		{"nothing to change", &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(second)}, "MissingParameter"},
	} {
		if _, err := cli.ModifyNetworkInterfaceAttribute(ctx, tc.in); apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := cli.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(second)}); apiCode(err) != "InvalidNetworkInterface.InUse" {
		t.Errorf("delete an attached interface: %v", err)
	}
	if _, err := cli.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(q)}); apiCode(err) != "DependencyViolation" {
		t.Errorf("delete a group an interface uses: %v", err)
	}
	primaryAttachment := aws.ToString(nis.NetworkInterfaces[0].Attachment.AttachmentId)
	for _, ni := range nis.NetworkInterfaces {
		if aws.ToInt32(ni.Attachment.DeviceIndex) == 0 {
			primaryAttachment = aws.ToString(ni.Attachment.AttachmentId)
		}
	}
	if _, err := cli.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(primaryAttachment)}); apiCode(err) != "OperationNotPermitted" {
		t.Errorf("detach the primary interface: %v", err)
	}

	// Terminating the instance deletes its primary interface and leaves
	// the other detached.
	if _, err := cli.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	left, err := cli.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("subnet-id"), Values: []string{aws.ToString(sn.Subnet.SubnetId)}}}})
	if err != nil || len(left.NetworkInterfaces) != 1 || aws.ToString(left.NetworkInterfaces[0].NetworkInterfaceId) != second ||
		left.NetworkInterfaces[0].Attachment != nil || left.NetworkInterfaces[0].Status != ec2types.NetworkInterfaceStatusAvailable {
		t.Fatalf("interfaces after termination: %+v, %v", left, err)
	}
	if _, err := cli.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(second)}); err != nil {
		t.Errorf("delete a detached interface: %v", err)
	}
	if _, err := cli.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{second}}); apiCode(err) != "InvalidNetworkInterfaceID.NotFound" {
		t.Errorf("describe a deleted interface: %v", err)
	}
}
