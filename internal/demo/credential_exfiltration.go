package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/action"
)

// credentialExfiltrationScenario: GuardDuty sees an instance role's
// session used from an address outside AWS.
func credentialExfiltrationScenario() Scenario {
	const role = "WebServerRole"
	var stolen aws.Config
	var keyID string
	return Scenario{
		Name: "GuardDuty: an instance role's credentials used outside AWS",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + Member + `:root"},"Action":"sts:AssumeRole"}]}`
			if _, err := iam.NewFromConfig(o.Sim.Config(Member)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role),
				AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
				return nil, "", err
			}
			// The instance's role may list the account's buckets.
			policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
			if _, err := iam.NewFromConfig(o.Sim.Config(Member)).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role),
				PolicyName: aws.String("list-buckets"), PolicyDocument: aws.String(policy)}); err != nil {
				return nil, "", err
			}
			// The instance's session, copied off the instance.
			out, err := sts.NewFromConfig(o.Sim.Config(Member)).AssumeRole(ctx, &sts.AssumeRoleInput{
				RoleArn: aws.String("arn:aws:iam::" + Member + ":role/" + role), RoleSessionName: aws.String("i-0a1b2c3d4e5f60718")})
			if err != nil {
				return nil, "", err
			}
			c := out.Credentials
			keyID = aws.ToString(c.AccessKeyId)
			stolen = o.Sim.ConfigFor(keyID, aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
			first := o.Sim.Now()
			o.Sim.Advance(10 * time.Minute)
			if _, err := s3.NewFromConfig(stolen).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
				return nil, "", fmt.Errorf("the stolen session does not work: %w", err)
			}
			now := o.Sim.Now()
			ev, err := event("guardduty-instance-credential-exfiltration.json", "ASIAEXAMPLEKEYID0042", keyID,
				`"time": "2026-11-20T12:30:00Z"`, `"time": "`+now.Format(time.RFC3339)+`"`,
				"2026-11-20T12:20:00.000Z", first.Format("2006-01-02T15:04:05.000Z"),
				"2026-11-20T12:29:00.000Z", now.Add(-time.Minute).Format("2006-01-02T15:04:05.000Z"),
				"2026-11-20T12:29:30.000Z", now.Add(-30*time.Second).Format("2006-01-02T15:04:05.000Z"))
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("a session of role %s (access key %s) issued to instance i-0a1b2c3d4e5f60718 is being used from 192.0.2.77: ListBuckets succeeds with it.", role, keyID), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) {
			_, err := s3.NewFromConfig(stolen).ListBuckets(ctx, &s3.ListBucketsInput{})
			switch {
			case err == nil:
				return fmt.Sprintf("the stolen session %s still works.", keyID), nil
			case action.HasCode(err, "AccessDenied"):
			default:
				return "", err
			}
			if _, err := iam.NewFromConfig(o.Sim.Config(Member)).GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role),
				PolicyName: aws.String("AWSRevokeOlderSessions")}); err != nil {
				return "", err
			}
			return fmt.Sprintf("the stolen session %s is refused (AccessDenied): role %s's inline policy AWSRevokeOlderSessions denies every session issued before the revocation.", keyID, role), nil
		},
	}
}
