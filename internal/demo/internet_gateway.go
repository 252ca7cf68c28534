package demo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// internetGatewayScenario: a user of the member account attaches an
// internet gateway to a VPC that is not allowed one.
func internetGatewayScenario() Scenario {
	var vpc, igw string
	return Scenario{
		Name: "CloudTrail: an internet gateway attached to a private VPC",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			admin := ec2.NewFromConfig(o.Sim.Config(Member))
			v, err := admin.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.30.0.0/16")})
			if err != nil {
				return nil, "", err
			}
			vpc = aws.ToString(v.Vpc.VpcId)
			cfg, err := o.user(ctx, "alice")
			if err != nil {
				return nil, "", err
			}
			cli := ec2.NewFromConfig(cfg)
			g, err := cli.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
			if err != nil {
				return nil, "", err
			}
			igw = aws.ToString(g.InternetGateway.InternetGatewayId)
			if _, err := cli.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc)}); err != nil {
				return nil, "", err
			}
			ev, err := o.trailEvent("AttachInternetGateway", ":user/alice")
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("IAM user alice attached internet gateway %s to VPC %s, which has no rectify:allow-internet-gateway tag.", igw, vpc), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) {
			out, err := ec2.NewFromConfig(o.Sim.Config(Member)).DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igw}})
			if err != nil {
				return "", err
			}
			if len(out.InternetGateways) == 0 {
				return fmt.Sprintf("internet gateway %s no longer exists.", igw), nil
			}
			if a := out.InternetGateways[0].Attachments; len(a) > 0 {
				return fmt.Sprintf("internet gateway %s is still attached to %s.", igw, aws.ToString(a[0].VpcId)), nil
			}
			return fmt.Sprintf("internet gateway %s is detached from VPC %s and kept for later use.", igw, vpc), nil
		},
	}
}
