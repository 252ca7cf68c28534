package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/engine"
)

// securityGroupScenario: a user of the member account opens SSH to the
// whole internet; the simulator emits the CloudTrail event.
func securityGroupScenario() Scenario {
	var group string
	return Scenario{
		Name: "CloudTrail: a security group opened to the world on port 22",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			admin := ec2.NewFromConfig(o.Sim.Config(Member))
			vpc, err := admin.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})
			if err != nil {
				return nil, "", err
			}
			g, err := admin.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"),
				Description: aws.String("web servers"), VpcId: vpc.Vpc.VpcId})
			if err != nil {
				return nil, "", err
			}
			group = aws.ToString(g.GroupId)
			cfg, err := o.user(ctx, "alice")
			if err != nil {
				return nil, "", err
			}
			if _, err := ec2.NewFromConfig(cfg).AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(group), IpPermissions: []ec2types.IpPermission{tcpFrom(22, "0.0.0.0/0"), tcpFrom(443, "10.0.0.0/8")}}); err != nil {
				return nil, "", err
			}
			ev, err := o.trailEvent("AuthorizeSecurityGroupIngress", ":user/alice")
			if err != nil {
				return nil, "", err
			}
			rules, err := ingress(ctx, admin, group)
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("IAM user alice added ingress rules to security group %s (web): %s.", group, strings.Join(rules, "; ")), nil
		},
		Then: func(ctx context.Context, o *Org, a *app.App, _ *engine.Result) (string, error) {
			// rectify's own revoke call reaches rectify too, as EventBridge
			// would deliver it.
			ev, err := o.trailEvent("RevokeSecurityGroupIngress", "")
			if err != nil {
				return "rectify made no RevokeSecurityGroupIngress call.", nil
			}
			res, err := a.Engine.Handle(ctx, ev)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("rectify's own RevokeSecurityGroupIngress call, delivered back to it, is %s (%s).", res.Status, res.Reason), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) {
			rules, err := ingress(ctx, ec2.NewFromConfig(o.Sim.Config(Member)), group)
			if err != nil {
				return "", err
			}
			for _, r := range rules {
				if strings.Contains(r, "/0") {
					return fmt.Sprintf("security group %s is still open to the internet: %s.", group, strings.Join(rules, "; ")), nil
				}
			}
			return fmt.Sprintf("security group %s admits nothing from the internet; the other rule stays: %s.", group, strings.Join(rules, "; ")), nil
		},
	}
}

// tcpFrom is an IpPermission for one TCP port from one IPv4 range.
func tcpFrom(port int32, cidr string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
		IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
}

// ingress describes a security group's ingress rules, e.g.
// "tcp 22 from 0.0.0.0/0 (sgr-...)".
func ingress(ctx context.Context, cli *ec2.Client, group string) ([]string, error) {
	out, err := cli.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{group}}}})
	if err != nil {
		return nil, err
	}
	var rules []string
	for _, r := range out.SecurityGroupRules {
		if aws.ToBool(r.IsEgress) {
			continue
		}
		ports := fmt.Sprintf("%d", aws.ToInt32(r.FromPort))
		if aws.ToInt32(r.ToPort) != aws.ToInt32(r.FromPort) {
			ports += fmt.Sprintf("-%d", aws.ToInt32(r.ToPort))
		}
		rules = append(rules, fmt.Sprintf("%s %s from %s%s (%s)", aws.ToString(r.IpProtocol), ports,
			aws.ToString(r.CidrIpv4), aws.ToString(r.CidrIpv6), aws.ToString(r.SecurityGroupRuleId)))
	}
	if len(rules) == 0 {
		rules = []string{"no ingress rules"}
	}
	return rules, nil
}
