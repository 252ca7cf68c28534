package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/action"
)

// bucketPolicyScenario: a user of the member account turns Block Public
// Access off and puts a policy that lets everyone read a bucket.
func bucketPolicyScenario() Scenario {
	const bucket = "team-share-reports"
	return Scenario{
		Name: "CloudTrail: a bucket policy that lets everyone read a bucket",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			if _, err := s3.NewFromConfig(o.Sim.Config(Member)).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				return nil, "", err
			}
			cfg, err := o.user(ctx, "bob")
			if err != nil {
				return nil, "", err
			}
			cli := s3.NewFromConfig(cfg)
			if _, err := cli.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)}); err != nil {
				return nil, "", err
			}
			if _, err := cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket),
				Policy: aws.String(bucketPolicy(bucket, publicRead, crossAccount))}); err != nil {
				return nil, "", err
			}
			ev, err := o.trailEvent("PutBucketPolicy", ":user/bob")
			if err != nil {
				return nil, "", err
			}
			v, err := viewBucket(ctx, o, bucket)
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("IAM user bob deleted the Block Public Access settings of bucket %s and put a policy. %s", bucket, v), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) { return viewBucket(ctx, o, bucket) },
	}
}

// Statements of the demo's bucket policies: one grants everyone, one
// another account's role (not public).
const (
	publicRead   = `{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"}`
	crossAccount = `{"Sid":"AllowAnalytics","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:role/Analytics"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::BUCKET"}`
)

// bucketPolicy returns a policy of statements for bucket.
func bucketPolicy(bucket string, statements ...string) string {
	return strings.ReplaceAll(`{"Version":"2012-10-17","Statement":[`+strings.Join(statements, ",")+`]}`, "BUCKET", bucket)
}

// viewBucket describes how public a bucket of the member account is: its
// Block Public Access settings, its policy's statements and its ACL.
func viewBucket(ctx context.Context, o *Org, bucket string) (string, error) {
	cli := s3.NewFromConfig(o.Sim.Config(Member))
	b := aws.String(bucket)
	var parts []string
	on := 0
	pab, err := cli.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	switch {
	case err == nil:
		c := pab.PublicAccessBlockConfiguration
		for _, v := range []*bool{c.BlockPublicAcls, c.IgnorePublicAcls, c.BlockPublicPolicy, c.RestrictPublicBuckets} {
			if aws.ToBool(v) {
				on++
			}
		}
	case !action.HasCode(err, "NoSuchPublicAccessBlockConfiguration"):
		return "", fmt.Errorf("public access block of %s: %w", bucket, err)
	}
	parts = append(parts, fmt.Sprintf("Block Public Access: %d of 4 settings on", on))

	pol, err := cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	switch {
	case err == nil:
		var doc struct {
			Statement []struct {
				Sid       string
				Principal any
			}
		}
		if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
			return "", fmt.Errorf("policy of %s: %w", bucket, err)
		}
		var sids []string
		for _, s := range doc.Statement {
			p, _ := json.Marshal(s.Principal)
			sids = append(sids, s.Sid+" (principal "+string(p)+")")
		}
		parts = append(parts, "policy statements: "+strings.Join(sids, ", "))
	case action.HasCode(err, "NoSuchBucketPolicy"):
		parts = append(parts, "no bucket policy")
	default:
		return "", fmt.Errorf("policy of %s: %w", bucket, err)
	}

	acl, err := cli.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil {
		return "", fmt.Errorf("ACL of %s: %w", bucket, err)
	}
	var grants []string
	for _, g := range acl.Grants {
		who := "owner"
		if uri := aws.ToString(g.Grantee.URI); uri != "" {
			who = uri[strings.LastIndex(uri, "/")+1:]
		} else if aws.ToString(g.Grantee.ID) != aws.ToString(acl.Owner.ID) {
			who = aws.ToString(g.Grantee.ID)
		}
		grants = append(grants, who+" "+string(g.Permission))
	}
	parts = append(parts, "ACL grants: "+strings.Join(grants, ", "))
	return fmt.Sprintf("Bucket %s: %s.", bucket, strings.Join(parts, "; ")), nil
}
