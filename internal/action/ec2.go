package action

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 actions.

// DefaultAllowIGWTag is the VPC tag that, set to "true", allows an
// internet gateway to stay attached to the VPC.
const DefaultAllowIGWTag = "rectify:allow-internet-gateway"

// revokeAttempts bounds how many times ec2.revoke-open-ingress re-reads the
// group's rules when a rule it meant to revoke vanished in between.
const revokeAttempts = 3

func ec2Actions() []Spec {
	return []Spec{
		{
			Name: "ec2.revoke-open-ingress",
			Description: "Revoke, by security group rule ID, the ingress rules of a security group that admit the whole " +
				"internet (0.0.0.0/0 or ::/0) to a sensitive port, to a port outside the authorized ones, or to every " +
				"protocol, leaving every other rule as it is.",
			Params: []Param{
				{Name: "group_id", Type: String, Required: true, Description: "the security group's ID (sg-...)"},
				{Name: "ports", Type: PortList, Default: []any{22, 3389},
					Description: "the sensitive ports: port numbers from 0 to 65535 and ranges such as \"8000-8100\"; a TCP or UDP rule whose port range covers one of them is revoked, as is any all-protocols rule; an empty list leaves only the authorized lists to decide"},
				{Name: "authorized_tcp_ports", Type: PortList,
					Description: "when this or authorized_udp_ports is set, the only ports that may be open to the world: a TCP rule whose port range reaches beyond them is revoked, whatever ports says"},
				{Name: "authorized_udp_ports", Type: PortList,
					Description: "the UDP ports that may be open to the world, as authorized_tcp_ports for UDP; unset while authorized_tcp_ports is set, no UDP port is authorized"},
			},
			Reads:  []string{"ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups"},
			Writes: []string{"ec2:RevokeSecurityGroupIngress"},
			Describe: func(in Input) string {
				return fmt.Sprintf("revoke the ingress rules of security group %s in %s/%s that admit 0.0.0.0/0 or ::/0 to %s",
					in.String("group_id"), in.Target.Account, in.Target.Region, ingressPolicyOf(in))
			},
			Run:    revokeOpenIngress,
			Verify: verifyNoOpenIngress,
		},
		{
			Name: "ec2.check-vpc-allowed",
			Description: "Read a VPC and report whether it may have an internet gateway: it is in the allowed list " +
				"or carries the allow tag with the value \"true\".",
			Params: []Param{
				{Name: "vpc_id", Type: String, Required: true, Description: "the VPC's ID (vpc-...)"},
				{Name: "allow_tag", Type: String, Default: DefaultAllowIGWTag, Description: "the tag key that allows the VPC when its value is \"true\"; empty disables the tag"},
				{Name: "allowed_vpcs", Type: StringList, Default: []string{}, Description: "VPC IDs that are always allowed"},
			},
			Reads: []string{"ec2:DescribeVpcs"},
			Describe: func(in Input) string {
				return fmt.Sprintf("check whether VPC %s in %s/%s is allowed an internet gateway (tag %s=true or one of %v)",
					in.String("vpc_id"), in.Target.Account, in.Target.Region, in.String("allow_tag"), in.StringList("allowed_vpcs"))
			},
			Run: checkVPCAllowed,
		},
		{
			Name:        "ec2.detach-internet-gateway",
			Description: "Detach an internet gateway from a VPC.",
			Params: []Param{
				{Name: "internet_gateway_id", Type: String, Required: true, Description: "the internet gateway's ID (igw-...)"},
				{Name: "vpc_id", Type: String, Required: true, Description: "the VPC to detach it from"},
			},
			Reads: []string{"ec2:DescribeInternetGateways"}, Writes: []string{"ec2:DetachInternetGateway"},
			Describe: func(in Input) string {
				return fmt.Sprintf("detach internet gateway %s from VPC %s in %s/%s",
					in.String("internet_gateway_id"), in.String("vpc_id"), in.Target.Account, in.Target.Region)
			},
			Run:    detachInternetGateway,
			Verify: verifyGatewayDetached,
		},
	}
}

// worldCIDR reports whether cidr admits every address of its family, such
// as 0.0.0.0/0 or ::/0.
func worldCIDR(cidr string) bool {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	return err == nil && p.Bits() == 0
}

// openToWorld reports whether rule is an ingress rule that admits the whole
// internet to all protocols, or over TCP or UDP to a port range that
// covers one of ports.
func openToWorld(rule ec2types.SecurityGroupRule, ports []PortRange) bool {
	return ingressPolicy{sensitive: ports}.offends(rule)
}

// ingressPolicy says which world-open ingress rules must go: those that
// admit every protocol, those whose TCP or UDP ports cover a sensitive
// port, and, when authorized lists are set, those whose ports reach
// beyond the authorized ports of their protocol.
type ingressPolicy struct {
	sensitive []PortRange
	// authorized holds the authorized ports of "tcp" and "udp"; nil when
	// no authorized list is set.
	authorized map[string][]PortRange
}

// ingressPolicyOf reads the policy from ec2.revoke-open-ingress's
// parameters.
func ingressPolicyOf(in Input) ingressPolicy {
	p := ingressPolicy{sensitive: in.Ports("ports")}
	_, tcp := in.Params["authorized_tcp_ports"]
	_, udp := in.Params["authorized_udp_ports"]
	if tcp || udp {
		p.authorized = map[string][]PortRange{"tcp": in.Ports("authorized_tcp_ports"), "udp": in.Ports("authorized_udp_ports")}
	}
	return p
}

// String says what the policy revokes, for descriptions and messages.
func (p ingressPolicy) String() string {
	parts := []string{"all protocols"}
	if len(p.sensitive) > 0 {
		parts = append(parts, "port "+FormatPorts(p.sensitive))
	}
	if p.authorized != nil {
		for _, proto := range []string{"tcp", "udp"} {
			if len(p.authorized[proto]) == 0 {
				parts = append(parts, "any "+strings.ToUpper(proto)+" port")
			} else {
				parts = append(parts, strings.ToUpper(proto)+" ports other than "+FormatPorts(p.authorized[proto]))
			}
		}
	}
	return strings.Join(parts, " or ")
}

// offends reports whether rule is a world-open ingress rule the policy
// revokes. ICMP and other protocols are left alone.
func (p ingressPolicy) offends(rule ec2types.SecurityGroupRule) bool {
	if aws.ToBool(rule.IsEgress) {
		return false
	}
	if !worldCIDR(aws.ToString(rule.CidrIpv4)) && !worldCIDR(aws.ToString(rule.CidrIpv6)) {
		return false
	}
	var proto string
	switch strings.ToLower(aws.ToString(rule.IpProtocol)) {
	case "-1", "all":
		return true
	case "tcp", "6":
		proto = "tcp"
	case "udp", "17":
		proto = "udp"
	default:
		return false
	}
	from, to := aws.ToInt32(rule.FromPort), aws.ToInt32(rule.ToPort)
	r := PortRange{int(from), int(to)}
	if from == -1 && to == -1 {
		r = PortRange{0, 65535} // every port
	}
	for _, s := range p.sensitive {
		if s.Overlaps(r) {
			return true
		}
	}
	return p.authorized != nil && !covered(r, p.authorized[proto])
}

// covered reports whether every port of r is in one of ranges.
func covered(r PortRange, ranges []PortRange) bool {
	sorted := slices.Clone(ranges)
	slices.SortFunc(sorted, func(a, b PortRange) int { return a.From - b.From })
	next := r.From // the first port of r not yet known to be covered
	for _, a := range sorted {
		if a.From > next {
			break
		}
		if a.To >= next {
			next = a.To + 1
		}
		if next > r.To {
			return true
		}
	}
	return next > r.To
}

// describeSGRule renders a rule for people: "tcp 22 from 0.0.0.0/0".
func describeSGRule(r ec2types.SecurityGroupRule) string {
	proto := strings.ToLower(aws.ToString(r.IpProtocol))
	var what string
	switch from, to := aws.ToInt32(r.FromPort), aws.ToInt32(r.ToPort); {
	case proto == "-1" || proto == "all":
		what = "all traffic"
	case from == -1 && to == -1:
		what = proto + " all ports"
	case from == to:
		what = fmt.Sprintf("%s %d", proto, from)
	default:
		what = fmt.Sprintf("%s %d-%d", proto, from, to)
	}
	peer := aws.ToString(r.CidrIpv4)
	if peer == "" {
		peer = aws.ToString(r.CidrIpv6)
	}
	s := what + " from " + peer
	if d := aws.ToString(r.Description); d != "" {
		s += fmt.Sprintf(" (%q)", d)
	}
	return s
}

// openIngressRules returns the group's rules that the policy revokes.
func openIngressRules(ctx context.Context, cli *ec2.Client, groupID string, policy ingressPolicy) ([]ec2types.SecurityGroupRule, error) {
	var out []ec2types.SecurityGroupRule
	p := ec2.NewDescribeSecurityGroupRulesPaginator(cli, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{groupID}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("describe the rules of security group %s: %w", groupID, err)
		}
		for _, r := range page.SecurityGroupRules {
			if aws.ToString(r.GroupId) == groupID && policy.offends(r) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func revokeOpenIngress(ctx context.Context, in Input) (Result, error) {
	groupID := in.String("group_id")
	if in.Ports("ports") == nil {
		return Result{}, &ParamError{Action: "ec2.revoke-open-ingress", Param: "ports", Value: in.Params["ports"], Err: fmt.Errorf("%w: want a port list", ErrParamType)}
	}
	policy := ingressPolicyOf(in)
	cli := ec2.NewFromConfig(in.AWS)
	gone := Result{Outcome: NotFound, Message: fmt.Sprintf("security group %s does not exist", groupID),
		Output: map[string]any{"group_id": groupID, "revoked_rule_ids": []any{}, "revoked_rules": []any{}, "summary": "the group does not exist"}}
	for attempt := 1; ; attempt++ {
		rules, err := openIngressRules(ctx, cli, groupID, policy)
		if err != nil {
			return Result{}, err
		}
		if len(rules) == 0 {
			// No rule to revoke: say whether the group is there at all.
			_, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{groupID}})
			if IsNotFound(err, "InvalidGroup.NotFound") {
				return gone, nil
			}
			if err != nil {
				return Result{}, fmt.Errorf("describe security group %s: %w", groupID, err)
			}
			return Result{Outcome: AlreadyDone,
				Message: fmt.Sprintf("security group %s has no ingress rule open to the world on %s", groupID, policy),
				Output:  map[string]any{"group_id": groupID, "revoked_rule_ids": []any{}, "revoked_rules": []any{}, "summary": "nothing to revoke"}}, nil
		}
		ids := make([]string, len(rules))
		for i, r := range rules {
			ids[i] = aws.ToString(r.SecurityGroupRuleId)
		}
		_, err = cli.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
			GroupId: aws.String(groupID), SecurityGroupRuleIds: ids,
		})
		if IsNotFound(err, "InvalidGroup.NotFound") {
			return gone, nil
		}
		if IsNotFound(err, "InvalidSecurityGroupRuleId.NotFound", "InvalidPermission.NotFound") && attempt < revokeAttempts {
			// A rule changed between the read and the revoke: read again.
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("revoke rules %s of security group %s: %w", strings.Join(ids, ", "), groupID, err)
		}
		idList := make([]any, len(rules))
		described := make([]any, len(rules))
		lines := make([]string, len(rules))
		for i, r := range rules {
			idList[i] = ids[i]
			lines[i] = ids[i] + ": " + describeSGRule(r)
			described[i] = map[string]any{
				"id": ids[i], "protocol": aws.ToString(r.IpProtocol),
				"from_port": int(aws.ToInt32(r.FromPort)), "to_port": int(aws.ToInt32(r.ToPort)),
				"cidr": aws.ToString(r.CidrIpv4) + aws.ToString(r.CidrIpv6), "description": aws.ToString(r.Description),
				"text": describeSGRule(r),
			}
		}
		summary := strings.Join(lines, "\n")
		return Result{Outcome: Changed,
			Message: fmt.Sprintf("revoked %d ingress rule(s) of security group %s open to the world: %s", len(rules), groupID, strings.Join(lines, "; ")),
			Output:  map[string]any{"group_id": groupID, "revoked_rule_ids": idList, "revoked_rules": described, "summary": summary}}, nil
	}
}

// vpcAllowed decides whether vpc may keep an internet gateway, and why.
func vpcAllowed(vpc ec2types.Vpc, allowTag string, allowed []string) (bool, string) {
	id := aws.ToString(vpc.VpcId)
	if slices.Contains(allowed, id) {
		return true, fmt.Sprintf("VPC %s is in the allowed list", id)
	}
	if allowTag != "" {
		for _, t := range vpc.Tags {
			if aws.ToString(t.Key) == allowTag {
				if strings.EqualFold(strings.TrimSpace(aws.ToString(t.Value)), "true") {
					return true, fmt.Sprintf("VPC %s is tagged %s=true", id, allowTag)
				}
				return false, fmt.Sprintf("VPC %s is tagged %s=%q, not \"true\"", id, allowTag, aws.ToString(t.Value))
			}
		}
		return false, fmt.Sprintf("VPC %s is neither in the allowed list nor tagged %s=true", id, allowTag)
	}
	return false, fmt.Sprintf("VPC %s is not in the allowed list", id)
}

func checkVPCAllowed(ctx context.Context, in Input) (Result, error) {
	vpcID, allowTag, allowed := in.String("vpc_id"), in.String("allow_tag"), in.StringList("allowed_vpcs")
	out, err := ec2.NewFromConfig(in.AWS).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	if IsNotFound(err) || (err == nil && len(out.Vpcs) == 0) {
		reason := fmt.Sprintf("VPC %s does not exist", vpcID)
		return Result{Outcome: NoOp, Message: reason, Output: map[string]any{"vpc_id": vpcID, "allowed": false, "exists": false, "reason": reason}}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("describe VPC %s: %w", vpcID, err)
	}
	ok, reason := vpcAllowed(out.Vpcs[0], allowTag, allowed)
	return Result{Outcome: NoOp, Message: reason, Output: map[string]any{"vpc_id": vpcID, "allowed": ok, "exists": true, "reason": reason}}, nil
}

func detachInternetGateway(ctx context.Context, in Input) (Result, error) {
	igwID, vpcID := in.String("internet_gateway_id"), in.String("vpc_id")
	cli := ec2.NewFromConfig(in.AWS)
	output := map[string]any{"internet_gateway_id": igwID, "vpc_id": vpcID, "detached": false}
	igw, err := describeGateway(ctx, cli, igwID)
	if err != nil {
		return Result{}, err
	}
	if igw == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("internet gateway %s does not exist", igwID), Output: output}, nil
	}
	if !gatewayAttached(igw, vpcID) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("internet gateway %s is not attached to VPC %s", igwID, vpcID), Output: output}, nil
	}
	_, err = cli.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)})
	if IsNotFound(err, "InvalidInternetGatewayID.NotFound") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("internet gateway %s does not exist", igwID), Output: output}, nil
	}
	if IsNotFound(err, "Gateway.NotAttached", "InvalidVpcID.NotFound") {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("internet gateway %s is not attached to VPC %s", igwID, vpcID), Output: output}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("detach internet gateway %s from VPC %s: %w", igwID, vpcID, err)
	}
	output["detached"] = true
	return Result{Outcome: Changed, Message: fmt.Sprintf("internet gateway %s detached from VPC %s", igwID, vpcID), Output: output}, nil
}

// verifyNoOpenIngress checks that the group has no ingress rule open to
// the world on the sensitive ports left.
func verifyNoOpenIngress(ctx context.Context, in Input, _ Result) error {
	groupID := in.String("group_id")
	rules, err := openIngressRules(ctx, ec2.NewFromConfig(in.AWS), groupID, ingressPolicyOf(in))
	if err != nil {
		return err
	}
	if len(rules) > 0 {
		found := make([]string, len(rules))
		for i, r := range rules {
			found[i] = aws.ToString(r.SecurityGroupRuleId) + ": " + describeSGRule(r)
		}
		return Mismatch("security group %s still admits the world: %s", groupID, strings.Join(found, "; "))
	}
	return nil
}

// describeGateway returns the internet gateway, or nil if it does not
// exist.
func describeGateway(ctx context.Context, cli *ec2.Client, id string) (*ec2types.InternetGateway, error) {
	out, err := cli.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
	if IsNotFound(err, "InvalidInternetGatewayID.NotFound") || (err == nil && len(out.InternetGateways) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe internet gateway %s: %w", id, err)
	}
	return &out.InternetGateways[0], nil
}

// gatewayAttached reports whether igw is attached, or being attached, to
// vpc.
func gatewayAttached(igw *ec2types.InternetGateway, vpc string) bool {
	for _, a := range igw.Attachments {
		if aws.ToString(a.VpcId) == vpc && a.State != ec2types.AttachmentStatusDetached && a.State != ec2types.AttachmentStatusDetaching {
			return true
		}
	}
	return false
}

func verifyGatewayDetached(ctx context.Context, in Input, _ Result) error {
	igwID, vpcID := in.String("internet_gateway_id"), in.String("vpc_id")
	igw, err := describeGateway(ctx, ec2.NewFromConfig(in.AWS), igwID)
	if err != nil {
		return err
	}
	if igw != nil && gatewayAttached(igw, vpcID) {
		return Mismatch("internet gateway %s is attached to VPC %s", igwID, vpcID)
	}
	return nil
}
