package action

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 networking controls: a VPC's default security group, interface
// endpoints, subnets' public addresses, transit gateways' auto-accept.

func ec2VPCActions() []Spec {
	return []Spec{
		{
			Name: "ec2.remove-default-security-group-rules",
			Description: "Revoke, by rule ID, every inbound and outbound rule of a VPC's default security group, " +
				"leaving it empty. A group with network interfaces in it (instances, VPC endpoints, Lambda functions) is " +
				"left alone unless even_if_in_use is set, since emptying it cuts their traffic.",
			Params: []Param{
				{Name: "group_id", Type: String, Required: true, Description: "the default security group's ID (sg-...)"},
				{Name: "even_if_in_use", Type: Bool, Default: false, Description: "empty the group even while network interfaces use it"},
			},
			Reads:  []string{"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeNetworkInterfaces"},
			Writes: []string{"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"},
			Describe: func(in Input) string {
				return fmt.Sprintf("revoke every rule of default security group %s in %s/%s%s", in.String("group_id"), in.Target.Account, in.Target.Region,
					map[bool]string{false: ", unless network interfaces use it", true: ", even if network interfaces use it"}[in.Bool("even_if_in_use")])
			},
			Run:    emptyDefaultGroup,
			Verify: verifyGroupEmpty,
		},
		{
			Name: "ec2.create-vpc-endpoint",
			Description: "Create an interface VPC endpoint for an AWS service in a VPC, in one subnet per Availability " +
				"Zone and in a security group of its own that admits HTTPS from the VPC (never the VPC's default group), " +
				"with private DNS when the VPC supports it. A VPC that already has an endpoint for the service is left alone.",
			Params: []Param{
				{Name: "vpc_id", Type: String, Required: true, Description: "the VPC's ID (vpc-...)"},
				{Name: "service", Type: String, Default: "ec2", Description: "the AWS service's short name, as in com.amazonaws.REGION.SERVICE"},
				{Name: "security_group_id", Type: String, Default: Create,
					Description: "the endpoint's security group; \"create\" makes (or reuses) rectify-vpce-SERVICE in the VPC, admitting TCP 443 from the VPC's CIDR blocks"},
				{Name: "subnet_ids", Type: StringList, Default: []string{}, Description: "the subnets to place it in, one per Availability Zone; empty picks the first subnet (by ID) of each zone"},
				{Name: "private_dns", Type: String, Default: "auto", Description: "\"auto\" turns private DNS on when the VPC has DNS support and DNS hostnames, \"on\" or \"off\""},
			},
			Reads: []string{"ec2:DescribeVpcs", "ec2:DescribeVpcEndpoints", "ec2:DescribeSubnets", "ec2:DescribeVpcAttribute",
				"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"},
			Writes:           []string{"ec2:CreateVpcEndpoint", "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress"},
			ExtraPermissions: []string{"ec2:CreateTags"},
			Describe: func(in Input) string {
				return fmt.Sprintf("create an interface endpoint for %s in VPC %s in %s/%s, in security group %s",
					endpointServiceName(in, in.String("service")), in.String("vpc_id"), in.Target.Account, in.Target.Region, in.String("security_group_id"))
			},
			Run:    createVPCEndpoint,
			Verify: verifyVPCEndpoint,
		},
		{
			Name:        "ec2.disable-subnet-public-ip",
			Description: "Stop a subnet from giving new network interfaces a public IPv4 address (MapPublicIpOnLaunch off). Running instances keep theirs.",
			Params:      []Param{{Name: "subnet_id", Type: String, Required: true, Description: "the subnet's ID (subnet-...)"}},
			Reads:       []string{"ec2:DescribeSubnets"},
			Writes:      []string{"ec2:ModifySubnetAttribute"},
			Describe: func(in Input) string {
				return fmt.Sprintf("turn off public IPv4 addresses on launch in subnet %s in %s/%s", in.String("subnet_id"), in.Target.Account, in.Target.Region)
			},
			Run:    disableSubnetPublicIP,
			Verify: verifySubnetPublicIP,
		},
		{
			Name:        "ec2.disable-transit-gateway-auto-accept",
			Description: "Make a transit gateway stop accepting shared attachments automatically. Existing attachments are kept.",
			Params:      []Param{{Name: "transit_gateway_id", Type: String, Required: true, Description: "the transit gateway's ID (tgw-...)"}},
			Reads:       []string{"ec2:DescribeTransitGateways"},
			Writes:      []string{"ec2:ModifyTransitGateway"},
			Describe: func(in Input) string {
				return fmt.Sprintf("turn off automatic acceptance of shared attachments on transit gateway %s in %s/%s", in.String("transit_gateway_id"), in.Target.Account, in.Target.Region)
			},
			Run:    disableTGWAutoAccept,
			Verify: verifyTGWAutoAccept,
		},
	}
}

// ec2ARN returns the ARN of an EC2 resource of the target's account and
// region.
func ec2ARN(in Input, resource string) string {
	return "arn:" + partitionOf(in) + ":ec2:" + in.Target.Region + ":" + in.Target.Account + ":" + resource
}

// --- default security group ---

func groupRules(ctx context.Context, cli *ec2.Client, groupID string) ([]ec2types.SecurityGroupRule, error) {
	var out []ec2types.SecurityGroupRule
	p := ec2.NewDescribeSecurityGroupRulesPaginator(cli, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{groupID}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the rules of security group %s: %w", groupID, err)
		}
		for _, r := range page.SecurityGroupRules {
			if aws.ToString(r.GroupId) == groupID {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// describeRule renders any rule for people, whatever its peer.
func describeAnyRule(r ec2types.SecurityGroupRule) string {
	s := describeSGRule(r)
	if ref := r.ReferencedGroupInfo; ref != nil && aws.ToString(r.CidrIpv4) == "" && aws.ToString(r.CidrIpv6) == "" {
		s = strings.Replace(s, "from ", "from "+aws.ToString(ref.GroupId), 1)
	}
	if pl := aws.ToString(r.PrefixListId); pl != "" {
		s = strings.Replace(s, "from ", "from "+pl, 1)
	}
	if aws.ToBool(r.IsEgress) {
		s = strings.Replace(s, " from ", " to ", 1)
	}
	return s
}

func emptyDefaultGroup(ctx context.Context, in Input) (Result, error) {
	id := in.String("group_id")
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"group_id": id, "revoked_rules": []any{}}
	gone := Result{Outcome: NotFound, Message: fmt.Sprintf("security group %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}
	groups, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if IsNotFound(err, "InvalidGroup.NotFound") || (err == nil && len(groups.SecurityGroups) == 0) {
		return gone, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("describe security group %s: %w", id, err)
	}
	g := groups.SecurityGroups[0]
	if name := aws.ToString(g.GroupName); name != "default" {
		return Result{}, Permanent(fmt.Errorf("security group %s is %q, not a VPC's default group: this action empties default groups only", id, name))
	}
	rules, err := groupRules(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if len(rules) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("default security group %s of VPC %s has no rules", id, aws.ToString(g.VpcId)), Output: out}, nil
	}
	if !in.Bool("even_if_in_use") {
		enis, err := cli.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{id}}}})
		if err != nil {
			return Result{}, fmt.Errorf("describe the network interfaces in security group %s: %w", id, err)
		}
		if n := len(enis.NetworkInterfaces); n > 0 {
			var users []string
			for _, e := range enis.NetworkInterfaces {
				u := aws.ToString(e.NetworkInterfaceId) + " (" + string(e.InterfaceType)
				if a := e.Attachment; a != nil && aws.ToString(a.InstanceId) != "" {
					u += " of " + aws.ToString(a.InstanceId)
				} else if d := aws.ToString(e.Description); d != "" {
					u += ": " + d
				}
				users = append(users, u+")")
			}
			return Result{}, Permanent(fmt.Errorf("default security group %s is used by %d network interface(s): %s; emptying it would cut their traffic: move them to groups of their own, or set even_if_in_use to empty it anyway",
				id, n, strings.Join(users, ", ")))
		}
	}
	// Save the rules before they go, so that the run can say what they were.
	var saved []any
	var ingress, egress []string
	var lines []string
	for _, r := range rules {
		rid := aws.ToString(r.SecurityGroupRuleId)
		saved = append(saved, map[string]any{"id": rid, "egress": aws.ToBool(r.IsEgress), "text": describeAnyRule(r)})
		lines = append(lines, rid+": "+describeAnyRule(r))
		if aws.ToBool(r.IsEgress) {
			egress = append(egress, rid)
		} else {
			ingress = append(ingress, rid)
		}
	}
	out["revoked_rules"] = saved
	if in.Checkpoint != nil {
		if err := in.Checkpoint(ctx, map[string]any{"rules": saved}); err != nil {
			return Result{}, err
		}
	}
	if len(ingress) > 0 {
		if _, err := cli.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(id), SecurityGroupRuleIds: ingress}); err != nil {
			return Result{}, fmt.Errorf("revoke inbound rules %s of security group %s: %w", strings.Join(ingress, ", "), id, err)
		}
	}
	if len(egress) > 0 {
		if _, err := cli.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(id), SecurityGroupRuleIds: egress}); err != nil {
			return Result{}, fmt.Errorf("revoke outbound rules %s of security group %s: %w", strings.Join(egress, ", "), id, err)
		}
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("revoked %d inbound and %d outbound rule(s) of default security group %s of VPC %s: %s",
		len(ingress), len(egress), id, aws.ToString(g.VpcId), strings.Join(lines, "; ")), Output: out}, nil
}

func verifyGroupEmpty(ctx context.Context, in Input, _ Result) error {
	id := in.String("group_id")
	rules, err := groupRules(ctx, ec2.NewFromConfig(in.AWS), id)
	if err != nil {
		return err
	}
	if len(rules) > 0 {
		var found []string
		for _, r := range rules {
			found = append(found, aws.ToString(r.SecurityGroupRuleId)+": "+describeAnyRule(r))
		}
		return Mismatch("default security group %s still has rules: %s", id, strings.Join(found, "; "))
	}
	return nil
}

// --- VPC endpoints ---

// endpointServiceName returns the name of service's endpoint service in
// region: com.amazonaws.REGION.SERVICE, with a "cn." prefix in China.
func endpointServiceName(in Input, service string) string {
	name := "com.amazonaws." + in.Target.Region + "." + service
	if partitionOf(in) == "aws-cn" {
		name = "cn." + name
	}
	return name
}

// liveEndpoint returns the VPC's endpoint for the service that is not
// being deleted or failed, or nil.
func liveEndpoint(ctx context.Context, cli *ec2.Client, vpc, service string) (*ec2types.VpcEndpoint, error) {
	out, err := cli.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("service-name"), Values: []string{service}}}})
	if err != nil {
		return nil, fmt.Errorf("describe the endpoints of VPC %s: %w", vpc, err)
	}
	for i, e := range out.VpcEndpoints {
		switch strings.ToLower(string(e.State)) {
		case "deleting", "deleted", "failed", "rejected", "expired":
			continue
		}
		return &out.VpcEndpoints[i], nil
	}
	return nil, nil
}

// endpointGroup returns the endpoint's security group: the one named, or
// rectify's own for the service in the VPC, made and given its HTTPS rule
// if need be. created names what was made.
func endpointGroup(ctx context.Context, cli *ec2.Client, in Input, vpc *ec2types.Vpc, service string) (id string, created []string, err error) {
	vpcID := aws.ToString(vpc.VpcId)
	if want := in.String("security_group_id"); want != Create {
		out, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{want}})
		if IsNotFound(err, "InvalidGroup.NotFound") || (err == nil && len(out.SecurityGroups) == 0) {
			return "", nil, Permanent(fmt.Errorf("security group %s (parameter security_group_id) does not exist", want))
		}
		if err != nil {
			return "", nil, fmt.Errorf("describe security group %s: %w", want, err)
		}
		g := out.SecurityGroups[0]
		if aws.ToString(g.VpcId) != vpcID {
			return "", nil, Permanent(fmt.Errorf("security group %s (parameter security_group_id) is in VPC %s, not %s", want, aws.ToString(g.VpcId), vpcID))
		}
		if aws.ToString(g.GroupName) == "default" {
			return "", nil, Permanent(fmt.Errorf("security group %s (parameter security_group_id) is VPC %s's default group, which the EC2.2 control requires empty: give the endpoint a group of its own", want, vpcID))
		}
		return want, nil, nil
	}
	name := "rectify-vpce-" + service
	out, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}}, {Name: aws.String("group-name"), Values: []string{name}}}})
	if err != nil {
		return "", nil, fmt.Errorf("look for security group %s in VPC %s: %w", name, vpcID, err)
	}
	if len(out.SecurityGroups) > 0 {
		g := out.SecurityGroups[0]
		if !hasTag(g.Tags, ManagedTag, "true") {
			return "", nil, Permanent(fmt.Errorf("VPC %s has a security group named %s that rectify did not make: set security_group_id to the group the endpoint should use", vpcID, name))
		}
		id = aws.ToString(g.GroupId)
	} else {
		made, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), VpcId: aws.String(vpcID),
			Description: aws.String("HTTPS from the VPC to the " + service + " interface endpoint (rectify)"),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup,
				Tags: []ec2types.Tag{{Key: aws.String(ManagedTag), Value: aws.String("true")}, {Key: aws.String(PurposeTag), Value: aws.String("vpc-endpoint-" + service)}}}}})
		if err != nil {
			return "", nil, fmt.Errorf("create security group %s in VPC %s: %w", name, vpcID, err)
		}
		id = aws.ToString(made.GroupId)
		created = append(created, ec2ARN(in, "security-group/"+id))
	}
	// Admit HTTPS from each of the VPC's blocks that is not admitted yet.
	rules, err := groupRules(ctx, cli, id)
	if err != nil {
		return "", nil, err
	}
	var missing []ec2types.IpRange
	for _, a := range vpc.CidrBlockAssociationSet {
		cidr := aws.ToString(a.CidrBlock)
		have := slices.ContainsFunc(rules, func(r ec2types.SecurityGroupRule) bool {
			return !aws.ToBool(r.IsEgress) && aws.ToString(r.CidrIpv4) == cidr && aws.ToString(r.IpProtocol) == "tcp" &&
				aws.ToInt32(r.FromPort) <= 443 && aws.ToInt32(r.ToPort) >= 443
		})
		if !have {
			missing = append(missing, ec2types.IpRange{CidrIp: aws.String(cidr), Description: aws.String("HTTPS to the " + service + " endpoint")})
		}
	}
	if len(missing) > 0 {
		_, err := cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(id),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: missing}}})
		if err != nil && !HasCode(err, "InvalidPermission.Duplicate") {
			return "", nil, fmt.Errorf("admit HTTPS from VPC %s to security group %s: %w", vpcID, id, err)
		}
	}
	return id, created, nil
}

func hasTag(tags []ec2types.Tag, key, value string) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == key && aws.ToString(t.Value) == value {
			return true
		}
	}
	return false
}

// endpointSubnets returns the subnets to place an endpoint in: the ones
// named, or the first of each Availability Zone of the VPC.
func endpointSubnets(ctx context.Context, cli *ec2.Client, in Input, vpcID string) ([]string, error) {
	if named := in.StringList("subnet_ids"); len(named) > 0 {
		return named, nil
	}
	var subnets []ec2types.Subnet
	p := ec2.NewDescribeSubnetsPaginator(cli, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the subnets of VPC %s: %w", vpcID, err)
		}
		subnets = append(subnets, page.Subnets...)
	}
	sort.Slice(subnets, func(i, j int) bool { return aws.ToString(subnets[i].SubnetId) < aws.ToString(subnets[j].SubnetId) })
	seen := map[string]bool{}
	var out []string
	for _, sn := range subnets {
		az := aws.ToString(sn.AvailabilityZone)
		if !seen[az] {
			seen[az] = true
			out = append(out, aws.ToString(sn.SubnetId))
		}
	}
	if len(out) == 0 {
		return nil, Permanent(fmt.Errorf("VPC %s has no subnets to place an interface endpoint in: create one, or set subnet_ids", vpcID))
	}
	return out, nil
}

// privateDNS decides whether the endpoint gets private DNS.
func privateDNS(ctx context.Context, cli *ec2.Client, in Input, vpcID string) (bool, error) {
	switch mode := in.String("private_dns"); mode {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "auto":
	default:
		return false, Permanent(&ParamError{Action: "ec2.create-vpc-endpoint", Param: "private_dns", Value: mode, Err: fmt.Errorf("%w: want auto, on or off", ErrParamType)})
	}
	for _, attr := range []ec2types.VpcAttributeName{ec2types.VpcAttributeNameEnableDnsSupport, ec2types.VpcAttributeNameEnableDnsHostnames} {
		out, err := cli.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpcID), Attribute: attr})
		if err != nil {
			return false, fmt.Errorf("read %s of VPC %s: %w", attr, vpcID, err)
		}
		v := out.EnableDnsSupport
		if attr == ec2types.VpcAttributeNameEnableDnsHostnames {
			v = out.EnableDnsHostnames
		}
		if v == nil || !aws.ToBool(v.Value) {
			return false, nil
		}
	}
	return true, nil
}

func createVPCEndpoint(ctx context.Context, in Input) (Result, error) {
	vpcID, service := in.String("vpc_id"), in.String("service")
	name := endpointServiceName(in, service)
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"vpc_id": vpcID, "service_name": name, "created": []string{}}
	vpcs, err := cli.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	if IsNotFound(err, "InvalidVpcID.NotFound") || (err == nil && len(vpcs.Vpcs) == 0) {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("VPC %s does not exist in %s/%s", vpcID, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("describe VPC %s: %w", vpcID, err)
	}
	if ep, err := liveEndpoint(ctx, cli, vpcID, name); err != nil {
		return Result{}, err
	} else if ep != nil {
		out["endpoint_id"] = aws.ToString(ep.VpcEndpointId)
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("VPC %s already has endpoint %s for %s (%s)", vpcID, aws.ToString(ep.VpcEndpointId), name, strings.ToLower(string(ep.State))), Output: out}, nil
	}
	subnets, err := endpointSubnets(ctx, cli, in, vpcID)
	if err != nil {
		return Result{}, err
	}
	dns, err := privateDNS(ctx, cli, in, vpcID)
	if err != nil {
		return Result{}, err
	}
	group, created, err := endpointGroup(ctx, cli, in, &vpcs.Vpcs[0], service)
	if err != nil {
		return Result{}, err
	}
	ep, err := cli.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpcID), ServiceName: aws.String(name),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: subnets, SecurityGroupIds: []string{group}, PrivateDnsEnabled: aws.Bool(dns),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint,
			Tags: []ec2types.Tag{{Key: aws.String(ManagedTag), Value: aws.String("true")}, {Key: aws.String(PurposeTag), Value: aws.String("vpc-endpoint-" + service)}}}}})
	if err != nil {
		return Result{}, fmt.Errorf("create the %s endpoint in VPC %s: %w", name, vpcID, err)
	}
	id := aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	created = append(created, ec2ARN(in, "vpc-endpoint/"+id))
	out["endpoint_id"], out["security_group_id"], out["created"] = id, group, created
	return Result{Outcome: Changed, Message: fmt.Sprintf("created interface endpoint %s for %s in VPC %s: subnets %s, security group %s, private DNS %s",
		id, name, vpcID, strings.Join(subnets, ", "), group, map[bool]string{true: "on", false: "off"}[dns]), Output: out}, nil
}

func verifyVPCEndpoint(ctx context.Context, in Input, _ Result) error {
	vpcID := in.String("vpc_id")
	name := endpointServiceName(in, in.String("service"))
	cli := ec2.NewFromConfig(in.AWS)
	ep, err := liveEndpoint(ctx, cli, vpcID, name)
	if err != nil {
		return err
	}
	if ep == nil {
		return Mismatch("VPC %s has no endpoint for %s", vpcID, name)
	}
	for _, g := range ep.Groups {
		if aws.ToString(g.GroupName) == "default" {
			return Mismatch("endpoint %s is in VPC %s's default security group %s", aws.ToString(ep.VpcEndpointId), vpcID, aws.ToString(g.GroupId))
		}
	}
	return nil
}

// --- subnets ---

func describeSubnet(ctx context.Context, cli *ec2.Client, id string) (*ec2types.Subnet, error) {
	out, err := cli.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
	if IsNotFound(err, "InvalidSubnetID.NotFound") || (err == nil && len(out.Subnets) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe subnet %s: %w", id, err)
	}
	return &out.Subnets[0], nil
}

func disableSubnetPublicIP(ctx context.Context, in Input) (Result, error) {
	id := in.String("subnet_id")
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"subnet_id": id}
	sn, err := describeSubnet(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if sn == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("subnet %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if !aws.ToBool(sn.MapPublicIpOnLaunch) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("subnet %s does not give public IPv4 addresses on launch", id), Output: out}, nil
	}
	_, err = cli.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(id), MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}})
	if IsNotFound(err, "InvalidSubnetID.NotFound") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("subnet %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("turn off MapPublicIpOnLaunch of subnet %s: %w", id, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("subnet %s of VPC %s no longer gives public IPv4 addresses on launch (MapPublicIpOnLaunch true → false)", id, aws.ToString(sn.VpcId)), Output: out}, nil
}

func verifySubnetPublicIP(ctx context.Context, in Input, _ Result) error {
	id := in.String("subnet_id")
	sn, err := describeSubnet(ctx, ec2.NewFromConfig(in.AWS), id)
	if err != nil || sn == nil {
		return err
	}
	if aws.ToBool(sn.MapPublicIpOnLaunch) {
		return Mismatch("subnet %s still gives public IPv4 addresses on launch", id)
	}
	return nil
}

// --- transit gateways ---

func describeTGW(ctx context.Context, cli *ec2.Client, id string) (*ec2types.TransitGateway, error) {
	out, err := cli.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{TransitGatewayIds: []string{id}})
	if IsNotFound(err, "InvalidTransitGatewayID.NotFound") || (err == nil && len(out.TransitGateways) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe transit gateway %s: %w", id, err)
	}
	g := &out.TransitGateways[0]
	if g.State == ec2types.TransitGatewayStateDeleted || g.State == ec2types.TransitGatewayStateDeleting {
		return nil, nil
	}
	return g, nil
}

func autoAccepts(g *ec2types.TransitGateway) bool {
	return g.Options != nil && g.Options.AutoAcceptSharedAttachments == ec2types.AutoAcceptSharedAttachmentsValueEnable
}

func disableTGWAutoAccept(ctx context.Context, in Input) (Result, error) {
	id := in.String("transit_gateway_id")
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"transit_gateway_id": id}
	g, err := describeTGW(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if g == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("transit gateway %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if !autoAccepts(g) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("transit gateway %s does not accept shared attachments automatically", id), Output: out}, nil
	}
	if g.State == ec2types.TransitGatewayStateModifying || g.State == ec2types.TransitGatewayStatePending {
		return Result{}, RetryLater(fmt.Errorf("transit gateway %s is %s", id, g.State), 0)
	}
	_, err = cli.ModifyTransitGateway(ctx, &ec2.ModifyTransitGatewayInput{TransitGatewayId: aws.String(id),
		Options: &ec2types.ModifyTransitGatewayOptions{AutoAcceptSharedAttachments: ec2types.AutoAcceptSharedAttachmentsValueDisable}})
	if IsNotFound(err, "InvalidTransitGatewayID.NotFound") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("transit gateway %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("turn off auto-accept on transit gateway %s: %w", id, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("transit gateway %s no longer accepts shared attachments automatically (AutoAcceptSharedAttachments enable → disable)", id), Output: out}, nil
}

func verifyTGWAutoAccept(ctx context.Context, in Input, _ Result) error {
	id := in.String("transit_gateway_id")
	g, err := describeTGW(ctx, ec2.NewFromConfig(in.AWS), id)
	if err != nil || g == nil {
		return err
	}
	if autoAccepts(g) {
		return Mismatch("transit gateway %s still accepts shared attachments automatically", id)
	}
	return nil
}
