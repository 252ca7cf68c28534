package action

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func (w *world) distributionConfig(id string) *cftypes.DistributionConfig {
	out, err := cloudfront.NewFromConfig(w.cfg).GetDistributionConfig(w.ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	w.must(err)
	return out.DistributionConfig
}

// TestReplaceMissingS3OriginsIsNarrow checks that only origins whose
// buckets are gone change, whichever position they hold.
func TestReplaceMissingS3OriginsIsNarrow(t *testing.T) {
	w := newWorld(t)
	_, err := w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("live-assets")})
	w.must(err)
	live := w.distribution("ref-live", "live-assets")
	mark := w.mark("us-east-1")
	res, err := w.run("cloudfront.replace-missing-s3-origins", w.input(map[string]any{"distribution_id": live}))
	if err != nil || res.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("a distribution whose bucket exists = %+v, %v", res, err)
	}

	// The dangling origin second: the peer rewrites the first origin only.
	id := w.distribution("ref-gone", "gone-assets")
	w.editDistribution(id, func(c *cftypes.DistributionConfig) {
		c.Origins.Items[0], c.Origins.Items[1] = c.Origins.Items[1], c.Origins.Items[0]
	})
	res, err = w.run("cloudfront.replace-missing-s3-origins", w.input(map[string]any{"distribution_id": id}))
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "bucket gone-assets is gone") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	cfg := w.distributionConfig(id)
	app, assets := cfg.Origins.Items[0], cfg.Origins.Items[1]
	if aws.ToString(app.DomainName) != "app.example.com" || aws.ToString(assets.DomainName) != DefaultOriginPlaceholder || assets.S3OriginConfig != nil ||
		assets.CustomOriginConfig == nil || !aws.ToBool(cfg.Enabled) || aws.ToString(cfg.DefaultCacheBehavior.CachePolicyId) != "658327ea-f89d-4fab-a63d-7e88639e58f6" {
		t.Errorf("config after the fix = %+v / %+v", app, assets)
	}
	dis, err := w.run("cloudfront.replace-missing-s3-origins", w.input(map[string]any{"distribution_id": id, "disable": true}))
	if err != nil || dis.Outcome != Changed || aws.ToBool(w.distributionConfig(id).Enabled) {
		t.Errorf("disable = %+v, %v", dis, err)
	}
}

func TestSetDefaultRootObject(t *testing.T) {
	w := newWorld(t)
	id := w.distribution("ref", "site")
	w.editDistribution(id, func(c *cftypes.DistributionConfig) { c.DefaultRootObject = aws.String("home.html") })
	mark := w.mark("us-east-1")
	res, err := w.run("cloudfront.set-default-root-object", w.input(map[string]any{"distribution_id": id}))
	if err != nil || res.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 || aws.ToString(w.distributionConfig(id).DefaultRootObject) != "home.html" {
		t.Errorf("a distribution with a root object = %+v, %v", res, err)
	}
	_, err = w.run("cloudfront.set-default-root-object", w.input(map[string]any{"distribution_id": id, "default_root_object": "/index.html"}))
	wantPermanent(t, err, "leading slash")
	missing, err := w.run("cloudfront.set-default-root-object", w.input(map[string]any{"distribution_id": "EMISSING"}))
	if err != nil || missing.Outcome != NotFound {
		t.Errorf("a missing distribution = %+v, %v", missing, err)
	}
}
