package action

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Buckets that an AWS service delivers to (CloudTrail logs, Config
// snapshots): made by rectify when asked, and given the policy statements
// the service needs, added to whatever policy the bucket has.

// deliveryBucket says what a service's delivery bucket needs.
type deliveryBucket struct {
	// Name is the bucket; Create reports that rectify makes it (under a
	// name of its own) when it does not exist.
	Name   string
	Create bool
	// Param names the action's parameter that names the bucket, for
	// messages.
	Param string
	// Purpose is the rectify:purpose tag of a bucket rectify makes.
	Purpose string
	// Statements are the policy statements the service needs, each with a
	// Sid of rectify's; Granted reports whether a policy already lets the
	// service deliver, in which case none is added.
	Statements []map[string]any
	Granted    func(policy string) bool
}

// bucketReads and bucketWrites are the operations ensureDeliveryBucket
// calls.
var (
	bucketReads  = []string{"s3:ListBucket", "s3:GetBucketPolicy", "s3:GetBucketTagging"}
	bucketWrites = []string{"s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutBucketTagging"}
)

// ensureDeliveryBucket finds or makes the bucket b describes and adds the
// statements its policy lacks. It reports whether it made the bucket and
// the Sids of the statements it added.
func ensureDeliveryBucket(ctx context.Context, cli *s3.Client, region string, b deliveryBucket) (created bool, added []string, err error) {
	_, err = cli.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.Name)})
	switch {
	case IsNotFound(err, "NotFound", "NoSuchBucket") && b.Create:
		in := &s3.CreateBucketInput{Bucket: aws.String(b.Name)}
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
		}
		if _, err := cli.CreateBucket(ctx, in); err != nil {
			if HasCode(err, "BucketAlreadyExists") {
				return false, nil, Permanent(fmt.Errorf("bucket name %s is taken by another AWS account: set the parameter %s to a bucket to use", b.Name, b.Param))
			}
			return false, nil, fmt.Errorf("create bucket %s: %w", b.Name, err)
		}
		created = true
		var tags []s3types.Tag
		for _, k := range sortedTagKeys(managedTags(b.Purpose)) {
			tags = append(tags, s3types.Tag{Key: aws.String(k), Value: aws.String(managedTags(b.Purpose)[k])})
		}
		if _, err := cli.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(b.Name), Tagging: &s3types.Tagging{TagSet: tags}}); err != nil {
			return created, nil, fmt.Errorf("tag bucket %s: %w", b.Name, err)
		}
	case IsNotFound(err, "NotFound", "NoSuchBucket"):
		return false, nil, Permanent(fmt.Errorf("bucket %s does not exist: set the parameter %s to an existing bucket, or to %q", b.Name, b.Param, Create))
	case HasCode(err, "Forbidden", "AccessDenied", "403"):
		if b.Create {
			return false, nil, Permanent(fmt.Errorf("bucket name %s is taken by another AWS account: set the parameter %s to a bucket to use", b.Name, b.Param))
		}
		// Another account's bucket: its owner grants the service; the
		// service's own check says whether they did.
		return false, nil, nil
	case err != nil:
		return false, nil, fmt.Errorf("read bucket %s: %w", b.Name, err)
	case b.Create:
		if err := checkBucketOurs(ctx, cli, b); err != nil {
			return false, nil, err
		}
	}
	policy := ""
	out, err := cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b.Name)})
	switch {
	case IsNotFound(err, "NoSuchBucketPolicy"):
	case err != nil:
		return created, nil, fmt.Errorf("read the policy of bucket %s: %w", b.Name, err)
	default:
		policy = aws.ToString(out.Policy)
	}
	if b.Granted(policy) {
		return created, nil, nil
	}
	doc, added, err := addStatements(policy, b.Statements)
	if err != nil {
		return created, nil, Permanent(fmt.Errorf("the policy of bucket %s cannot be read as a policy document: %w", b.Name, err))
	}
	if len(added) == 0 {
		return created, nil, nil
	}
	if _, err := cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(b.Name), Policy: aws.String(doc)}); err != nil {
		return created, nil, fmt.Errorf("add %v to the policy of bucket %s: %w", added, b.Name, err)
	}
	return created, added, nil
}

// checkBucketOurs refuses a bucket found under rectify's name that does not
// carry rectify's tag.
func checkBucketOurs(ctx context.Context, cli *s3.Client, b deliveryBucket) error {
	tags, err := cli.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b.Name)})
	if err != nil && !HasCode(err, "NoSuchTagSet") {
		return fmt.Errorf("read the tags of bucket %s: %w", b.Name, err)
	}
	if tags != nil {
		for _, t := range tags.TagSet {
			if aws.ToString(t.Key) == ManagedTag && aws.ToString(t.Value) == "true" {
				return nil
			}
		}
	}
	return notOurs("bucket", b.Name, b.Param)
}
