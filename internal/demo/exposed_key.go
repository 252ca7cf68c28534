package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// exposedKeyScenario: Trusted Advisor finds an IAM user's access key in a
// public repository.
func exposedKeyScenario() Scenario {
	const user = "ci-deployer"
	return Scenario{
		Name: "Trusted Advisor: an access key exposed in a public repository",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			cli := iam.NewFromConfig(o.Sim.Config(Member))
			if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
				return nil, "", err
			}
			k, err := cli.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
			if err != nil {
				return nil, "", err
			}
			id, secret := aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
			// The key is in use: a call made with it now, and a day of
			// history, some of it from an address nobody knows.
			if _, err := sts.NewFromConfig(o.Sim.ConfigFor(id, secret, "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				return nil, "", err
			}
			seedActivity(o.Sim, user, id)
			ev, err := event("ta-exposed-access-keys.json", "AKIAIOSFODNN7EXAMPLE", id)
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("IAM user %s in %s has active access key %s, used within the last day.", user, Member, id), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) {
			keys, err := iam.NewFromConfig(o.Sim.Config(Member)).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(user)})
			if err != nil {
				return "", err
			}
			if len(keys.AccessKeyMetadata) == 0 {
				return fmt.Sprintf("IAM user %s has no access keys: the exposed key is gone.", user), nil
			}
			var s []string
			for _, k := range keys.AccessKeyMetadata {
				s = append(s, aws.ToString(k.AccessKeyId)+" "+string(k.Status))
			}
			return fmt.Sprintf("IAM user %s still has keys: %s", user, strings.Join(s, ", ")), nil
		},
	}
}

// seedActivity records a day of CloudTrail history for user.
func seedActivity(sim *awssim.Server, user, keyID string) {
	now := sim.Now()
	ident := awssim.UserIdentity{Type: "IAMUser", PrincipalID: "AIDADEMOCIDEPLOYER01", ARN: "arn:aws:iam::" + Member + ":user/" + user,
		AccountID: Member, AccessKeyID: keyID, UserName: user}
	history := []struct {
		ago           time.Duration
		source, name  string
		ip, errorCode string
	}{
		{23 * time.Hour, "s3.amazonaws.com", "ListBuckets", "192.0.2.10", ""},
		{22 * time.Hour, "s3.amazonaws.com", "PutObject", "192.0.2.10", ""},
		{6 * time.Hour, "sts.amazonaws.com", "GetCallerIdentity", "203.0.113.66", ""},
		{5 * time.Hour, "iam.amazonaws.com", "ListUsers", "203.0.113.66", ""},
		{5 * time.Hour, "iam.amazonaws.com", "CreateUser", "203.0.113.66", "AccessDenied"},
		{4 * time.Hour, "ec2.amazonaws.com", "DescribeRegions", "203.0.113.66", ""},
		{4 * time.Hour, "ec2.amazonaws.com", "RunInstances", "203.0.113.66", "UnauthorizedOperation"},
		{3 * time.Hour, "s3.amazonaws.com", "ListBuckets", "203.0.113.66", ""},
	}
	for _, h := range history {
		sim.RecordActivity(Member, "us-east-1", awssim.TrailRecord{UserIdentity: ident, EventTime: now.Add(-h.ago).Format(time.RFC3339),
			EventSource: h.source, EventName: h.name, AWSRegion: "us-east-1", SourceIPAddress: h.ip, ErrorCode: h.errorCode,
			ReadOnly: strings.HasPrefix(h.name, "List") || strings.HasPrefix(h.name, "Get") || strings.HasPrefix(h.name, "Describe")})
	}
}
