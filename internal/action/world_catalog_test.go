package action

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// Helpers of the world that the catalog's scenarios share.

// trailBucket makes a bucket whose policy lets CloudTrail deliver the
// world's account's logs to it.
func (w *world) trailBucket(name string) {
	w.t.Helper()
	_, err := w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	w.must(err)
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::%[1]s"},
{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::%[1]s/AWSLogs/%[2]s/*"}]}`,
		name, awssim.DefaultAccount)
	_, err = w.s3.PutBucketPolicy(w.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(policy)})
	w.must(err)
}

// trail makes a trail delivering to a new bucket of its own and returns
// its ARN.
func (w *world) trail(name string, multiRegion bool) string {
	w.t.Helper()
	bucket := name + "-logs"
	w.trailBucket(bucket)
	out, err := cloudtrail.NewFromConfig(w.cfg).CreateTrail(w.ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name),
		S3BucketName: aws.String(bucket), IsMultiRegionTrail: aws.Bool(multiRegion)})
	w.must(err)
	return aws.ToString(out.TrailARN)
}
