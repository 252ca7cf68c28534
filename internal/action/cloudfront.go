package action

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CloudFront actions. CloudFront is global: its calls go to us-east-1
// whatever the target's region (cn-northwest-1 in China).

// DefaultOriginPlaceholder is the domain an origin whose bucket is gone is
// pointed at: under the reserved top-level domain .invalid, which no one
// can register.
const DefaultOriginPlaceholder = "origin-removed.invalid"

func cloudfrontActions() []Spec {
	return []Spec{
		{
			Name:        "cloudfront.set-default-root-object",
			Description: "Give a CloudFront distribution a default root object, served for requests of /. A distribution that has one keeps it.",
			Params: []Param{
				{Name: "distribution_id", Type: String, Required: true, Description: "the distribution's ID or ARN"},
				{Name: "default_root_object", Type: String, Default: "index.html", Description: "the object to serve for /, without a leading slash"},
			},
			Reads:  []string{"cloudfront:GetDistributionConfig"},
			Writes: []string{"cloudfront:UpdateDistribution"},
			Describe: func(in Input) string {
				return fmt.Sprintf("set the default root object of CloudFront distribution %s of account %s to %s", distributionID(in.String("distribution_id")), in.Target.Account, in.String("default_root_object"))
			},
			Run:    setDefaultRootObject,
			Verify: verifyDefaultRootObject,
		},
		{
			Name: "cloudfront.replace-missing-s3-origins",
			Description: "Point each S3 origin of a CloudFront distribution whose bucket no longer exists at a domain no " +
				"one can register, so that no one can claim the bucket name and serve content through the distribution. " +
				"Origins whose buckets exist are left alone; so is every other setting unless disable is set.",
			Params: []Param{
				{Name: "distribution_id", Type: String, Required: true, Description: "the distribution's ID or ARN"},
				{Name: "placeholder_domain", Type: String, Default: DefaultOriginPlaceholder, Description: "the domain a dangling origin is pointed at"},
				{Name: "disable", Type: Bool, Default: false, Description: "also disable the distribution"},
			},
			Reads:  []string{"cloudfront:GetDistributionConfig", "s3:ListBucket"},
			Writes: []string{"cloudfront:UpdateDistribution"},
			Describe: func(in Input) string {
				return fmt.Sprintf("point the S3 origins of CloudFront distribution %s of account %s whose buckets are gone at %s",
					distributionID(in.String("distribution_id")), in.Target.Account, in.String("placeholder_domain"))
			},
			Run:    replaceMissingS3Origins,
			Verify: verifyNoMissingS3Origins,
		},
	}
}

func distributionID(ref string) string {
	if i := strings.LastIndex(ref, ":distribution/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		return ref[i+len(":distribution/"):]
	}
	return ref
}

// cloudfrontClient returns a CloudFront client for the target's partition.
func cloudfrontClient(in Input) *cloudfront.Client {
	cfg := in.AWS.Copy()
	cfg.Region = "us-east-1"
	if partitionOf(in) == "aws-cn" {
		cfg.Region = "cn-northwest-1"
	}
	return cloudfront.NewFromConfig(cfg)
}

// distributionConfig returns a distribution's config and ETag, or nil when
// it does not exist.
func distributionConfig(ctx context.Context, cli *cloudfront.Client, id string) (*cftypes.DistributionConfig, string, error) {
	out, err := cli.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if IsNotFound(err, "NoSuchDistribution") {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("get the config of CloudFront distribution %s: %w", id, err)
	}
	return out.DistributionConfig, aws.ToString(out.ETag), nil
}

// updateDistribution writes a config back under its ETag; a config changed
// meanwhile is tried again later.
func updateDistribution(ctx context.Context, cli *cloudfront.Client, id, etag string, cfg *cftypes.DistributionConfig) error {
	_, err := cli.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: aws.String(etag), DistributionConfig: cfg})
	if HasCode(err, "PreconditionFailed") {
		return RetryLater(fmt.Errorf("CloudFront distribution %s changed while it was being updated: %w", id, err), 0)
	}
	if err != nil {
		return fmt.Errorf("update CloudFront distribution %s: %w", id, err)
	}
	return nil
}

func setDefaultRootObject(ctx context.Context, in Input) (Result, error) {
	id, object := distributionID(in.String("distribution_id")), in.String("default_root_object")
	out := map[string]any{"distribution_id": id}
	if object == "" || strings.HasPrefix(object, "/") {
		return Result{}, Permanent(&ParamError{Action: "cloudfront.set-default-root-object", Param: "default_root_object", Value: object, Err: fmt.Errorf("%w: want an object name without a leading slash", ErrParamType)})
	}
	cli := cloudfrontClient(in)
	cfg, etag, err := distributionConfig(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if cfg == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CloudFront distribution %s does not exist in account %s", id, in.Target.Account), Output: out}, nil
	}
	if cur := aws.ToString(cfg.DefaultRootObject); cur != "" {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("CloudFront distribution %s already has default root object %s", id, cur), Output: out}, nil
	}
	cfg.DefaultRootObject = aws.String(object)
	if err := updateDistribution(ctx, cli, id, etag, cfg); err != nil {
		return Result{}, err
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("CloudFront distribution %s now serves %s for / (it deploys over a few minutes)", id, object), Output: out}, nil
}

func verifyDefaultRootObject(ctx context.Context, in Input, _ Result) error {
	id := distributionID(in.String("distribution_id"))
	cfg, _, err := distributionConfig(ctx, cloudfrontClient(in), id)
	if err != nil || cfg == nil {
		return err
	}
	if aws.ToString(cfg.DefaultRootObject) == "" {
		return Mismatch("CloudFront distribution %s has no default root object", id)
	}
	return nil
}

// s3OriginBucket returns the bucket an origin's domain names:
// BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com,
// BUCKET.s3-REGION.amazonaws.com or a website endpoint.
var s3OriginRE = regexp.MustCompile(`^(.+)\.s3(?:[.-](?:website[.-])?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$`)

func s3OriginBucket(o cftypes.Origin) (string, bool) {
	m := s3OriginRE.FindStringSubmatch(strings.ToLower(aws.ToString(o.DomainName)))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// bucketGone reports whether the bucket does not exist in any account: S3
// answers 404 only then (403 and redirects mean someone has it).
func bucketGone(ctx context.Context, cli *s3.Client, bucket string) (bool, error) {
	_, err := cli.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return false, nil
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return true, nil
		case http.StatusForbidden, http.StatusMovedPermanently, http.StatusBadRequest:
			return false, nil
		}
	}
	return false, fmt.Errorf("look for S3 bucket %s: %w", bucket, err)
}

// danglingOrigins returns the indexes of the S3 origins whose buckets are
// gone, with a line about each.
func danglingOrigins(ctx context.Context, in Input, cfg *cftypes.DistributionConfig) ([]int, []string, error) {
	if cfg.Origins == nil {
		return nil, nil, nil
	}
	cli := s3.NewFromConfig(in.AWS)
	var idx []int
	var lines []string
	for i, o := range cfg.Origins.Items {
		bucket, ok := s3OriginBucket(o)
		if !ok {
			continue
		}
		gone, err := bucketGone(ctx, cli, bucket)
		if err != nil {
			return nil, nil, err
		}
		if gone {
			idx = append(idx, i)
			lines = append(lines, fmt.Sprintf("origin %s (%s, bucket %s is gone)", aws.ToString(o.Id), aws.ToString(o.DomainName), bucket))
		}
	}
	return idx, lines, nil
}

func replaceMissingS3Origins(ctx context.Context, in Input) (Result, error) {
	id, placeholder := distributionID(in.String("distribution_id")), in.String("placeholder_domain")
	out := map[string]any{"distribution_id": id, "replaced_origins": []string{}}
	cli := cloudfrontClient(in)
	cfg, etag, err := distributionConfig(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if cfg == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CloudFront distribution %s does not exist in account %s", id, in.Target.Account), Output: out}, nil
	}
	idx, lines, err := danglingOrigins(ctx, in, cfg)
	if err != nil {
		return Result{}, err
	}
	disable := in.Bool("disable") && aws.ToBool(cfg.Enabled)
	if len(idx) == 0 && !disable {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("every S3 origin of CloudFront distribution %s has its bucket", id), Output: out}, nil
	}
	var replaced []string
	for _, i := range idx {
		o := &cfg.Origins.Items[i]
		o.DomainName = aws.String(placeholder)
		o.S3OriginConfig = nil
		o.OriginAccessControlId = aws.String("")
		o.CustomOriginConfig = &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly,
			OriginSslProtocols: &cftypes.OriginSslProtocols{Quantity: aws.Int32(1), Items: []cftypes.SslProtocol{cftypes.SslProtocolTLSv12}}}
		replaced = append(replaced, aws.ToString(o.Id))
	}
	if disable {
		cfg.Enabled = aws.Bool(false)
	}
	if err := updateDistribution(ctx, cli, id, etag, cfg); err != nil {
		return Result{}, err
	}
	out["replaced_origins"] = replaced
	msg := fmt.Sprintf("CloudFront distribution %s: pointed %s at %s", id, strings.Join(lines, "; "), placeholder)
	if len(lines) == 0 {
		msg = fmt.Sprintf("CloudFront distribution %s: every S3 origin has its bucket", id)
	}
	if disable {
		msg += "; disabled the distribution"
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyNoMissingS3Origins(ctx context.Context, in Input, _ Result) error {
	id := distributionID(in.String("distribution_id"))
	cfg, _, err := distributionConfig(ctx, cloudfrontClient(in), id)
	if err != nil || cfg == nil {
		return err
	}
	_, lines, err := danglingOrigins(ctx, in, cfg)
	if err != nil {
		return err
	}
	if len(lines) > 0 {
		return Mismatch("CloudFront distribution %s still has %s", id, strings.Join(lines, "; "))
	}
	if in.Bool("disable") && aws.ToBool(cfg.Enabled) {
		return Mismatch("CloudFront distribution %s is enabled", id)
	}
	return nil
}
