package demo

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// externalAccessScenario: IAM Access Analyzer finds a role that another
// account may assume. The playbook's mode is notify: the decision is left
// to a person.
func externalAccessScenario() Scenario {
	const (
		role     = "LegacyVendorAccess"
		vendor   = "arn:aws:iam::210987654321:root"
		finding  = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
		analyzer = "org-analyzer"
	)
	var analyzerARN string
	return Scenario{
		Name: "IAM Access Analyzer: a role another account can assume (notify only)",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + vendor + `"},"Action":"sts:AssumeRole"}]}`
			if _, err := iam.NewFromConfig(o.Sim.Config(Member)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role),
				AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
				return nil, "", err
			}
			out, err := accessanalyzer.NewFromConfig(o.Sim.Config(Member)).CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{
				AnalyzerName: aws.String(analyzer), Type: aatypes.TypeAccount})
			if err != nil {
				return nil, "", err
			}
			analyzerARN = aws.ToString(out.Arn)
			if _, err := o.Sim.AddAccessAnalyzerFinding(Member, o.Sim.Region(), analyzer, awssim.AccessAnalyzerFinding{ID: finding,
				Resource: "arn:aws:iam::" + Member + ":role/" + role, ResourceType: "AWS::IAM::Role",
				Principal: map[string]string{"AWS": vendor}, Action: []string{"sts:AssumeRole"}}); err != nil {
				return nil, "", err
			}
			ev, err := event("access-analyzer-external-access.json", `"time": "2026-11-20T14:00:00Z"`, `"time": "`+o.Sim.Now().Format(time.RFC3339)+`"`)
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("role %s trusts %s; Access Analyzer %s reports it in finding %s (ACTIVE).", role, vendor, analyzer, finding), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) {
			f, err := accessanalyzer.NewFromConfig(o.Sim.Config(Member)).GetFinding(ctx, &accessanalyzer.GetFindingInput{
				AnalyzerArn: aws.String(analyzerARN), Id: aws.String(finding)})
			if err != nil {
				return "", err
			}
			r, err := iam.NewFromConfig(o.Sim.Config(Member)).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
			if err != nil {
				return "", err
			}
			doc, err := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument))
			if err != nil {
				return "", err
			}
			trusted := "no longer trusts"
			if strings.Contains(doc, vendor) {
				trusted = "still trusts"
			}
			return fmt.Sprintf("left for a person (notify mode): role %s %s %s and finding %s is %s.", role, trusted, vendor, finding, f.Finding.Status), nil
		},
	}
}
