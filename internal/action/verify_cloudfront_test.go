package action

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// cloudfrontScenarios are the scenarios of the CloudFront actions.
var cloudfrontScenarios = map[string]scenario{
	"cloudfront.set-default-root-object": {
		setup: func(w *world) Input {
			id := w.distribution("ref-1", "site-assets")
			return w.input(map[string]any{"distribution_id": "arn:aws:cloudfront::123456789012:distribution/" + id})
		},
		undo: func(w *world, in Input, _ Result) {
			w.editDistribution(distributionID(in.String("distribution_id")), func(c *cftypes.DistributionConfig) { c.DefaultRootObject = aws.String("") })
		},
	},
	"cloudfront.replace-missing-s3-origins": {
		setup: func(w *world) Input {
			id := w.distribution("ref-2", "deleted-assets")
			return w.input(map[string]any{"distribution_id": id})
		},
		undo: func(w *world, in Input, _ Result) {
			w.editDistribution(in.String("distribution_id"), func(c *cftypes.DistributionConfig) {
				o := &c.Origins.Items[0]
				o.DomainName, o.CustomOriginConfig = aws.String("deleted-assets.s3.amazonaws.com"), nil
				o.S3OriginConfig = &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}
			})
		},
	},
}

// distribution makes a distribution with a custom origin and an S3 origin
// for the bucket, the S3 one the default, and returns its ID.
func (w *world) distribution(ref, bucket string) string {
	cfg := &cftypes.DistributionConfig{CallerReference: aws.String(ref), Comment: aws.String("site"), Enabled: aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(2), Items: []cftypes.Origin{
			{Id: aws.String("assets"), DomainName: aws.String(bucket + ".s3.amazonaws.com"), S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}},
			{Id: aws.String("app"), DomainName: aws.String("app.example.com"), CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
				OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly}}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("assets"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")},
		PriceClass: cftypes.PriceClassPriceClass100}
	out, err := cloudfront.NewFromConfig(w.cfg).CreateDistribution(w.ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	w.must(err)
	return aws.ToString(out.Distribution.Id)
}

func (w *world) editDistribution(id string, edit func(*cftypes.DistributionConfig)) {
	cli := cloudfront.NewFromConfig(w.cfg)
	got, err := cli.GetDistributionConfig(w.ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	w.must(err)
	edit(got.DistributionConfig)
	_, err = cli.UpdateDistribution(w.ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: got.ETag, DistributionConfig: got.DistributionConfig})
	w.must(err)
}
