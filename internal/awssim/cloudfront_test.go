package awssim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// s3Distribution is a distribution config with one S3 origin.
func s3Distribution(ref, bucket string) *cftypes.DistributionConfig {
	return &cftypes.DistributionConfig{CallerReference: aws.String(ref), Comment: aws.String("site"), Enabled: aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{Id: aws.String("s3"), DomainName: aws.String(bucket + ".s3.amazonaws.com"),
			S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("s3"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")},
		Logging:    &cftypes.LoggingConfig{Enabled: aws.Bool(false), Bucket: aws.String(""), Prefix: aws.String(""), IncludeCookies: aws.Bool(false)},
		PriceClass: cftypes.PriceClassPriceClass100}
}

func TestCloudFrontDistributions(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := cloudfront.NewFromConfig(sim.Config(""))
	created, err := cli.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: s3Distribution("ref-1", "site-assets")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Distribution.Id
	if aws.ToString(created.Distribution.ARN) != "arn:aws:cloudfront::"+awssim.DefaultAccount+":distribution/"+aws.ToString(id) || aws.ToString(created.ETag) == "" ||
		aws.ToString(created.Distribution.Status) != "InProgress" {
		t.Fatalf("CreateDistribution = %+v", created.Distribution)
	}
	_, err = cli.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: s3Distribution("ref-1", "other")})
	wantCode(t, "a second distribution with the caller reference", err, "DistributionAlreadyExists")

	got, err := cli.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	cfg := got.DistributionConfig
	if aws.ToString(cfg.Origins.Items[0].DomainName) != "site-assets.s3.amazonaws.com" || cfg.PriceClass != cftypes.PriceClassPriceClass100 ||
		aws.ToString(cfg.DefaultCacheBehavior.CachePolicyId) != "658327ea-f89d-4fab-a63d-7e88639e58f6" || aws.ToString(cfg.DefaultRootObject) != "" {
		t.Fatalf("config read back = %+v", cfg)
	}
	cfg.DefaultRootObject = aws.String("index.html")
	_, err = cli.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: id, DistributionConfig: cfg})
	wantCode(t, "an update without If-Match", err, "InvalidIfMatchVersion")
	_, err = cli.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: id, DistributionConfig: cfg, IfMatch: aws.String("ESTALE")})
	wantCode(t, "an update with a stale ETag", err, "PreconditionFailed")
	upd, err := cli.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: id, DistributionConfig: cfg, IfMatch: got.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(upd.ETag) == aws.ToString(got.ETag) {
		t.Error("an update kept the ETag")
	}
	again, err := cli.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: id})
	if err != nil || aws.ToString(again.DistributionConfig.DefaultRootObject) != "index.html" || aws.ToString(again.ETag) != aws.ToString(upd.ETag) {
		t.Fatalf("after the update = %+v, %v", again, err)
	}
	sim.Advance(5 * time.Minute)
	d, err := cli.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: id})
	if err != nil || aws.ToString(d.Distribution.Status) != "Deployed" {
		t.Fatalf("GetDistribution = %+v, %v", d, err)
	}
	list, err := cli.ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
	if err != nil || aws.ToInt32(list.DistributionList.Quantity) != 1 || aws.ToString(list.DistributionList.Items[0].Origins.Items[0].Id) != "s3" {
		t.Fatalf("ListDistributions = %+v, %v", list, err)
	}
	_, err = cli.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String("EMISSING")})
	wantCode(t, "a missing distribution", err, "NoSuchDistribution")
}
