package demo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// configBucketScenario: AWS Config's s3-bucket-public-read-prohibited rule
// finds a bucket with a public-read ACL NON_COMPLIANT.
func configBucketScenario() Scenario {
	const bucket = "customer-exports-prod"
	return Scenario{
		Name: "AWS Config: a bucket found NON_COMPLIANT with s3-bucket-public-read-prohibited",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			cli := s3.NewFromConfig(o.Sim.Config(Member))
			b := aws.String(bucket)
			// A bucket from before April 2023 keeps its ACLs enabled.
			if _, err := cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b, ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
				return nil, "", err
			}
			if _, err := cli.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
				return nil, "", err
			}
			if _, err := cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: s3types.BucketCannedACLPublicRead}); err != nil {
				return nil, "", err
			}
			if _, err := cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(bucketPolicy(bucket, crossAccount))}); err != nil {
				return nil, "", err
			}
			ev, err := event("config-s3-public-read-write.json", `"time": "2026-11-20T13:00:00Z"`, `"time": "`+o.Sim.Now().Format(time.RFC3339)+`"`)
			if err != nil {
				return nil, "", err
			}
			v, err := viewBucket(ctx, o, bucket)
			if err != nil {
				return nil, "", err
			}
			return ev, "The bucket's ACL is public-read and Block Public Access is off. " + v, nil
		},
		After: func(ctx context.Context, o *Org) (string, error) { return viewBucket(ctx, o, bucket) },
	}
}
