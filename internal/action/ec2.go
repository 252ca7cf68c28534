package action

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
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
				"internet (0.0.0.0/0 or ::/0) to a sensitive port or to every protocol, leaving every other rule as it is.",
			Params: []Param{
				{Name: "group_id", Type: String, Required: true, Description: "the security group's ID (sg-...)"},
				{Name: "ports", Type: Any, Default: []any{22, 3389},
					Description: "the sensitive ports, a list of numbers from 0 to 65535; a TCP or UDP rule whose port range covers one of them is revoked, as is any all-protocols rule"},
			},
			Reads: []string{"ec2:DescribeSecurityGroupRules"}, Writes: []string{"ec2:RevokeSecurityGroupIngress"},
			Describe: func(in Input) string {
				ports, err := parsePorts(in.Params["ports"])
				if err != nil {
					return fmt.Sprintf("revoke the ingress rules of security group %s open to the world (invalid ports: %v)", in.String("group_id"), err)
				}
				return fmt.Sprintf("revoke the ingress rules of security group %s in %s/%s that admit 0.0.0.0/0 or ::/0 to all protocols or to port %s",
					in.String("group_id"), in.Target.Account, in.Target.Region, joinInts(ports, ", "))
			},
			Run: revokeOpenIngress,
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
			Run: detachInternetGateway,
		},
	}
}

// parsePorts reads the ports parameter: a list of whole numbers (or
// decimal strings) from 0 to 65535, or a single one.
func parsePorts(v any) ([]int, error) {
	var items []any
	switch l := v.(type) {
	case nil:
		return []int{22, 3389}, nil
	case []any:
		items = l
	case []int:
		for _, n := range l {
			items = append(items, n)
		}
	case []string:
		for _, s := range l {
			items = append(items, s)
		}
	default:
		items = []any{v}
	}
	out := make([]int, 0, len(items))
	for i, e := range items {
		var n int
		switch x := e.(type) {
		case string:
			p, err := strconv.Atoi(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("ports[%d]: %q is not a port number", i, x)
			}
			n = p
		default:
			p, ok, err := wholeNumber(e)
			if !ok || err != nil {
				return nil, fmt.Errorf("ports[%d]: %s is not a port number", i, describeValue(e))
			}
			n = p
		}
		if n < 0 || n > 65535 {
			return nil, fmt.Errorf("ports[%d]: %d is out of range 0 to 65535", i, n)
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(ns []int, sep string) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
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
func openToWorld(rule ec2types.SecurityGroupRule, ports []int) bool {
	if aws.ToBool(rule.IsEgress) {
		return false
	}
	if !worldCIDR(aws.ToString(rule.CidrIpv4)) && !worldCIDR(aws.ToString(rule.CidrIpv6)) {
		return false
	}
	switch strings.ToLower(aws.ToString(rule.IpProtocol)) {
	case "-1", "all":
		return true
	case "tcp", "6", "udp", "17":
		from, to := aws.ToInt32(rule.FromPort), aws.ToInt32(rule.ToPort)
		if from == -1 && to == -1 {
			return true // every port
		}
		for _, p := range ports {
			if int(from) <= p && p <= int(to) {
				return true
			}
		}
	}
	return false
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

// openIngressRules returns the group's rules that openToWorld selects.
func openIngressRules(ctx context.Context, cli *ec2.Client, groupID string, ports []int) ([]ec2types.SecurityGroupRule, error) {
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
			if aws.ToString(r.GroupId) == groupID && openToWorld(r, ports) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func revokeOpenIngress(ctx context.Context, in Input) (Result, error) {
	groupID := in.String("group_id")
	ports, err := parsePorts(in.Params["ports"])
	if err != nil {
		return Result{}, &ParamError{Action: "ec2.revoke-open-ingress", Param: "ports", Value: in.Params["ports"], Err: fmt.Errorf("%w: %v", ErrParamType, err)}
	}
	cli := ec2.NewFromConfig(in.AWS)
	for attempt := 1; ; attempt++ {
		rules, err := openIngressRules(ctx, cli, groupID, ports)
		if err != nil {
			return Result{}, err
		}
		if len(rules) == 0 {
			return Result{Outcome: AlreadyDone,
				Message: fmt.Sprintf("security group %s has no ingress rule open to the world on port %s or all protocols", groupID, joinInts(ports, ", ")),
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
			return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("security group %s no longer exists", groupID),
				Output: map[string]any{"group_id": groupID, "revoked_rule_ids": []any{}, "revoked_rules": []any{}, "summary": "the group is gone"}}, nil
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
	out, err := cli.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igwID}})
	if IsNotFound(err) || (err == nil && len(out.InternetGateways) == 0) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("internet gateway %s no longer exists", igwID), Output: output}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("describe internet gateway %s: %w", igwID, err)
	}
	attached := false
	for _, a := range out.InternetGateways[0].Attachments {
		if aws.ToString(a.VpcId) == vpcID && a.State != ec2types.AttachmentStatusDetached && a.State != ec2types.AttachmentStatusDetaching {
			attached = true
		}
	}
	if !attached {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("internet gateway %s is not attached to VPC %s", igwID, vpcID), Output: output}, nil
	}
	_, err = cli.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)})
	if IsNotFound(err, "Gateway.NotAttached", "InvalidInternetGatewayID.NotFound", "InvalidVpcID.NotFound") {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("internet gateway %s is not attached to VPC %s", igwID, vpcID), Output: output}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("detach internet gateway %s from VPC %s: %w", igwID, vpcID, err)
	}
	output["detached"] = true
	return Result{Outcome: Changed, Message: fmt.Sprintf("internet gateway %s detached from VPC %s", igwID, vpcID), Output: output}, nil
}
