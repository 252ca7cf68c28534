package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rectify-dev/rectify/internal/action"
)

// securityHubSSHScenario: Security Hub's control EC2.13 fails for a
// security group open to SSH from anywhere; rectify revokes the rule and
// resolves the finding.
func securityHubSSHScenario() Scenario {
	var group, findingID, productARN string
	return Scenario{
		Name: "Security Hub: control EC2.13 finds SSH open to the world",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			cli := ec2.NewFromConfig(o.Sim.Config(Member))
			vpc, err := cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.50.0.0/16")})
			if err != nil {
				return nil, "", err
			}
			g, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web-debug"),
				Description: aws.String("debugging"), VpcId: vpc.Vpc.VpcId})
			if err != nil {
				return nil, "", err
			}
			group = aws.ToString(g.GroupId)
			if _, err := cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group),
				IpPermissions: []ec2types.IpPermission{tcpFrom(22, "0.0.0.0/0"), tcpFrom(443, "10.0.0.0/8")}}); err != nil {
				return nil, "", err
			}
			ev, err := event("securityhub-ec2-open-ssh-rdp.json", "sg-0123456789abcdef0", group,
				"vpc-0a1b2c3d4e5f67890", aws.ToString(vpc.Vpc.VpcId), `"account": "111122223333"`, `"account": "`+o.Sim.Account()+`"`,
				`"time": "2026-11-20T08:00:06Z"`, `"time": "`+o.Sim.Now().Format(time.RFC3339)+`"`)
			if err != nil {
				return nil, "", err
			}
			// The finding is in the member account's Security Hub, as
			// Security Hub's own check left it.
			var e struct {
				Detail struct{ Findings []json.RawMessage }
			}
			if err := json.Unmarshal(ev, &e); err != nil || len(e.Detail.Findings) != 1 {
				return nil, "", fmt.Errorf("event securityhub-ec2-open-ssh-rdp.json: want one finding: %v", err)
			}
			var f shtypes.AwsSecurityFinding
			if err := json.Unmarshal(e.Detail.Findings[0], &f); err != nil {
				return nil, "", fmt.Errorf("event securityhub-ec2-open-ssh-rdp.json: finding: %w", err)
			}
			findingID, productARN = aws.ToString(f.Id), aws.ToString(f.ProductArn)
			hub := securityhub.NewFromConfig(o.Sim.Config(Member))
			if _, err := hub.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil && !action.HasCode(err, "ResourceConflictException") {
				return nil, "", err
			}
			imp, err := hub.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{f}})
			if err != nil {
				return nil, "", err
			}
			if n := aws.ToInt32(imp.FailedCount); n != 0 {
				return nil, "", fmt.Errorf("import of finding %s: %s", findingID, aws.ToString(imp.FailedFindings[0].ErrorMessage))
			}
			rules, err := ingress(ctx, cli, group)
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("security group %s (web-debug) has %s; Security Hub finding for EC2.13 is FAILED, workflow NEW.", group, strings.Join(rules, "; ")), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) {
			rules, err := ingress(ctx, ec2.NewFromConfig(o.Sim.Config(Member)), group)
			if err != nil {
				return "", err
			}
			out, err := securityhub.NewFromConfig(o.Sim.Config(Member)).GetFindings(ctx, &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{
				Id:         []shtypes.StringFilter{{Value: aws.String(findingID), Comparison: shtypes.StringFilterComparisonEquals}},
				ProductArn: []shtypes.StringFilter{{Value: aws.String(productARN), Comparison: shtypes.StringFilterComparisonEquals}}}})
			if err != nil {
				return "", err
			}
			if len(out.Findings) != 1 {
				return "", fmt.Errorf("finding %s: %d found", findingID, len(out.Findings))
			}
			status := "none"
			if w := out.Findings[0].Workflow; w != nil {
				status = string(w.Status)
			}
			open := "admits nothing from the internet"
			for _, r := range rules {
				if strings.Contains(r, "/0") {
					open = "is still open to the internet"
				}
			}
			return fmt.Sprintf("security group %s %s (%s); the finding's workflow status is %s.", group, open, strings.Join(rules, "; "), status), nil
		},
	}
}
