package action

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// KMS keys, IAM service roles, log buckets and SNS topics that a fix needs
// and rectify makes when a parameter says "create" (see provision.go for
// the convention): each is found again by its "rectify-" name and
// rectify's tag, or made with that tag and listed in
// Result.Output["created"].

// regionOf returns the region the action works in.
func regionOf(in Input) string {
	if in.AWS.Region != "" {
		return in.AWS.Region
	}
	return in.Target.Region
}

// ownedTagList returns rectify's tags for purpose as keys and values, in
// order.
func ownedTagList(purpose string) [][2]string {
	tags := managedTags(purpose)
	var out [][2]string
	for _, k := range sortedTagKeys(tags) {
		out = append(out, [2]string{k, tags[k]})
	}
	return out
}

// createdList returns out["created"], which may have come back from JSON.
func createdList(out map[string]any) []string {
	return outputStrings(out["created"])
}

// KMS keys.

// keySpec describes the key a fix needs when it makes one.
type keySpec struct {
	// Param names the parameter the key comes from, for messages.
	Param string
	// Purpose names the key (alias/rectify-PURPOSE) and is its purpose tag.
	Purpose string
	// Services are the service principals (sns.amazonaws.com, ...) the key
	// policy lets encrypt and decrypt for the account, beside the
	// account's own IAM policies.
	Services []string
}

// keyPermissions are what ownedKey may call.
var (
	keyReads  = []string{"kms:DescribeKey", "kms:ListResourceTags"}
	keyWrites = []string{"kms:CreateKey", "kms:CreateAlias", "kms:EnableKeyRotation"}
	// A key made with tags needs kms:TagResource too.
	keyExtra = []string{"kms:TagResource"}
)

// ownedKey returns the ARN of the KMS key value names (a key ID or ARN, an
// alias name or ARN), which must be an enabled symmetric encryption key,
// or, for "create", rectify's key for spec, made if need be. It says in
// note which key it is.
func ownedKey(ctx context.Context, in Input, value string, spec keySpec, out map[string]any) (arn, note string, err error) {
	cli := kms.NewFromConfig(in.AWS)
	if value != Create {
		d, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(value)})
		if IsNotFound(err, "NotFoundException") {
			return "", "", Permanent(fmt.Errorf("%s: KMS key %s does not exist in %s: set %s to a key of this account and region, or to %q", spec.Param, value, regionOf(in), spec.Param, Create))
		}
		if err != nil {
			return "", "", fmt.Errorf("describe KMS key %s: %w", value, err)
		}
		md := d.KeyMetadata
		if md.KeyState != kmstypes.KeyStateEnabled || md.KeySpec != kmstypes.KeySpecSymmetricDefault || md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt {
			return "", "", Permanent(fmt.Errorf("%s: KMS key %s is %s, %s, %s: want an enabled symmetric encryption key", spec.Param, value, md.KeyState, md.KeySpec, md.KeyUsage))
		}
		return aws.ToString(md.Arn), fmt.Sprintf("KMS key %s (%s)", value, aws.ToString(md.Arn)), nil
	}
	alias := "alias/rectify-" + spec.Purpose
	d, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	switch {
	case err == nil:
		tags, err := cli.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: d.KeyMetadata.KeyId})
		if err != nil {
			return "", "", fmt.Errorf("read tags of KMS key %s: %w", alias, err)
		}
		ours := false
		for _, t := range tags.Tags {
			ours = ours || (aws.ToString(t.TagKey) == ManagedTag && aws.ToString(t.TagValue) == "true")
		}
		if !ours {
			return "", "", notOurs("KMS key", alias, spec.Param)
		}
		if d.KeyMetadata.KeyState != kmstypes.KeyStateEnabled {
			return "", "", Permanent(fmt.Errorf("%s: rectify's KMS key %s is %s: enable it, or set %s to another key", spec.Param, alias, d.KeyMetadata.KeyState, spec.Param))
		}
		return aws.ToString(d.KeyMetadata.Arn), fmt.Sprintf("rectify's KMS key %s (%s)", alias, aws.ToString(d.KeyMetadata.Arn)), nil
	case !IsNotFound(err, "NotFoundException"):
		return "", "", fmt.Errorf("describe KMS key %s: %w", alias, err)
	}
	var tags []kmstypes.Tag
	for _, t := range ownedTagList(spec.Purpose) {
		tags = append(tags, kmstypes.Tag{TagKey: aws.String(t[0]), TagValue: aws.String(t[1])})
	}
	created, err := cli.CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("rectify: " + spec.Purpose + " encryption"),
		Policy:      aws.String(keyPolicy(partitionOf(in), in.Target.Account, spec.Services)),
		Tags:        tags,
	})
	if err != nil {
		return "", "", fmt.Errorf("create KMS key %s: %w", alias, err)
	}
	arn, id := aws.ToString(created.KeyMetadata.Arn), created.KeyMetadata.KeyId
	addCreated(out, arn)
	if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id}); err != nil {
		return "", "", fmt.Errorf("enable rotation of the new KMS key %s: %w", arn, err)
	}
	if _, err := cli.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: id}); err != nil {
		return "", "", fmt.Errorf("name the new KMS key %s %s: %w", arn, alias, err)
	}
	return arn, fmt.Sprintf("rectify's new KMS key %s (%s)", alias, arn), nil
}

// keyPolicy is the policy of a key rectify makes: the account's IAM
// policies govern its use, and the given service principals may encrypt
// and decrypt with it for the account's resources.
func keyPolicy(partition, account string, services []string) string {
	st := []map[string]any{{
		"Sid": "EnableIAMPolicies", "Effect": "Allow",
		"Principal": map[string]any{"AWS": "arn:" + partition + ":iam::" + account + ":root"},
		"Action":    "kms:*", "Resource": "*",
	}}
	if len(services) > 0 {
		st = append(st, map[string]any{
			"Sid": "AllowServicesOfThisAccount", "Effect": "Allow",
			"Principal": map[string]any{"Service": services},
			"Action":    []string{"kms:GenerateDataKey*", "kms:Decrypt"}, "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
		})
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": st})
	return string(b)
}

// IAM roles.

// roleSpec describes a service role a fix needs when it makes one.
type roleSpec struct {
	// Param names the parameter the role comes from, for messages.
	Param string
	// Name is the role's name, "rectify-...".
	Name, Purpose string
	// Service is the service principal that assumes the role.
	Service string
	// ManagedPolicy is the path of an AWS managed policy to attach
	// ("service-role/AmazonRDSEnhancedMonitoringRole"), or "".
	ManagedPolicy string
	// InlinePolicy is a policy document to put as the inline policy
	// "rectify", or "".
	InlinePolicy string
}

// rolePermissions are what ownedRole may call.
var (
	roleReads  = []string{"iam:GetRole"}
	roleWrites = []string{"iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"}
	// A role made with tags needs iam:TagRole; a service is handed it with
	// iam:PassRole.
	roleExtra = []string{"iam:TagRole", "iam:PassRole"}
)

// ownedRole returns the ARN of the IAM role value names (a role ARN or
// name) or, for "create", of rectify's role for spec, made if need be,
// with a note saying which.
func ownedRole(ctx context.Context, in Input, value string, spec roleSpec, out map[string]any) (arn, note string, err error) {
	cli := iam.NewFromConfig(in.AWS)
	name := value
	if value == Create {
		name = spec.Name
	} else if p, ok := parseARN(value); ok {
		name = p.Resource[strings.LastIndexByte(p.Resource, '/')+1:]
	}
	got, err := cli.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	switch {
	case err == nil && value != Create:
		return aws.ToString(got.Role.Arn), "IAM role " + aws.ToString(got.Role.Arn), nil
	case err == nil:
		for _, t := range got.Role.Tags {
			if aws.ToString(t.Key) == ManagedTag && aws.ToString(t.Value) == "true" {
				return aws.ToString(got.Role.Arn), "rectify's IAM role " + aws.ToString(got.Role.Arn), nil
			}
		}
		return "", "", notOurs("IAM role", name, spec.Param)
	case !IsNotFound(err, "NoSuchEntity"):
		return "", "", fmt.Errorf("get IAM role %s: %w", name, err)
	case value != Create:
		return "", "", Permanent(fmt.Errorf("%s: IAM role %s does not exist: set %s to a role %s may assume, or to %q", spec.Param, value, spec.Param, spec.Service, Create))
	}
	trust, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{
		"Effect": "Allow", "Principal": map[string]any{"Service": spec.Service}, "Action": "sts:AssumeRole",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": in.Target.Account}},
	}}})
	var tags []iamtypes.Tag
	for _, t := range ownedTagList(spec.Purpose) {
		tags = append(tags, iamtypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
	}
	created, err := cli.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(string(trust)),
		Description: aws.String("rectify: " + spec.Purpose), Tags: tags})
	if err != nil {
		return "", "", fmt.Errorf("create IAM role %s: %w", name, err)
	}
	arn = aws.ToString(created.Role.Arn)
	addCreated(out, arn)
	if spec.ManagedPolicy != "" {
		policy := "arn:" + partitionOf(in) + ":iam::aws:policy/" + spec.ManagedPolicy
		if _, err := cli.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(policy)}); err != nil {
			return "", "", fmt.Errorf("attach %s to the new IAM role %s: %w", policy, name, err)
		}
	}
	if spec.InlinePolicy != "" {
		if _, err := cli.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("rectify"),
			PolicyDocument: aws.String(spec.InlinePolicy)}); err != nil {
			return "", "", fmt.Errorf("put the policy of the new IAM role %s: %w", name, err)
		}
	}
	return arn, "rectify's new IAM role " + arn, nil
}

// S3 buckets.

// ownedBucketReads and ownedBucketWrites are what ownedBucket may call.
var (
	ownedBucketReads  = []string{"s3:GetBucketTagging", "s3:GetBucketPolicy"}
	ownedBucketWrites = []string{"s3:CreateBucket", "s3:PutBucketTagging", "s3:PutBucketPolicy"}
)

// ownedBucket makes sure rectify's bucket name exists in region with
// every statement of statements in its policy, beside one that refuses
// requests without TLS, and reports whether it made it. A bucket made
// now has S3's defaults for new buckets: Block Public Access on, ACLs
// disabled and SSE-S3 encryption.
func ownedBucket(ctx context.Context, cli *s3.Client, in Input, name, region, param, purpose string, statements []map[string]any, out map[string]any) (bool, error) {
	owner := expectedOwner(in)
	tags, err := cli.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(name), ExpectedBucketOwner: owner})
	created := false
	switch {
	case err == nil:
		ours := false
		for _, t := range tags.TagSet {
			ours = ours || (aws.ToString(t.Key) == ManagedTag && aws.ToString(t.Value) == "true")
		}
		if !ours {
			return false, notOurs("S3 bucket", name, param)
		}
	case HasCode(err, "NoSuchTagSet"):
		return false, notOurs("S3 bucket", name, param)
	case HasCode(err, codeNoSuchBucket):
		create := &s3.CreateBucketInput{Bucket: aws.String(name)}
		if region != "us-east-1" {
			create.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
		}
		if _, err := cli.CreateBucket(ctx, create); err != nil {
			if HasCode(err, "BucketAlreadyExists") {
				return false, Permanent(fmt.Errorf("%s: bucket name %s belongs to another account: set %s to a bucket of this account", param, name, param))
			}
			return false, fmt.Errorf("create bucket %s: %w", name, err)
		}
		created = true
		addCreated(out, "arn:"+partitionOf(in)+":s3:::"+name)
		var set []s3types.Tag
		for _, t := range ownedTagList(purpose) {
			set = append(set, s3types.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
		if _, err := cli.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(name), ExpectedBucketOwner: owner,
			Tagging: &s3types.Tagging{TagSet: set}}); err != nil {
			return true, fmt.Errorf("tag the new bucket %s: %w", name, err)
		}
	default:
		return false, fmt.Errorf("read tags of bucket %s: %w", name, err)
	}
	all := append([]map[string]any{secureTransportStatement(partitionOf(in), name)}, statements...)
	if _, err := addBucketStatements(ctx, cli, in, name, all); err != nil {
		return created, err
	}
	return created, nil
}

// addBucketStatements adds to bucket's policy each statement that no
// statement of it already covers (see statementCovers), keeping every
// other element, and returns the Sids it added.
func addBucketStatements(ctx context.Context, cli *s3.Client, in Input, bucket string, statements []map[string]any) ([]string, error) {
	owner := expectedOwner(in)
	doc := ""
	got, err := cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner})
	switch {
	case HasCode(err, codeNoSuchBucketPolicy):
	case err != nil:
		return nil, fmt.Errorf("get policy of bucket %s: %w", bucket, err)
	default:
		doc = aws.ToString(got.Policy)
	}
	next, added, err := withStatements(doc, statements)
	if err != nil {
		return nil, fmt.Errorf("policy of bucket %s: %w", bucket, err)
	}
	if len(added) == 0 {
		return nil, nil
	}
	if _, err := cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(next), ExpectedBucketOwner: owner}); err != nil {
		return nil, fmt.Errorf("put policy of bucket %s: %w", bucket, err)
	}
	return added, nil
}

// secureTransportStatement is the statement that refuses every request to
// bucket made without TLS.
func secureTransportStatement(partition, bucket string) map[string]any {
	arn := "arn:" + partition + ":s3:::" + bucket
	return map[string]any{
		"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
		"Resource":  []string{arn, arn + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}
}

// SNS topics.

// topicPermissions are what ownedTopic may call.
var (
	topicReads  = []string{"sns:GetTopicAttributes", "sns:ListTagsForResource"}
	topicWrites = []string{"sns:CreateTopic"}
	// A topic made with tags needs sns:TagResource too.
	topicExtra = []string{"sns:TagResource"}
)

// ownedTopic returns the ARN of rectify's topic name in the action's
// region, made if need be, and whether it made it.
func ownedTopic(ctx context.Context, in Input, name, param, purpose string, out map[string]any) (string, bool, error) {
	cli := sns.NewFromConfig(in.AWS)
	arn := "arn:" + partitionOf(in) + ":sns:" + regionOf(in) + ":" + in.Target.Account + ":" + name
	_, err := cli.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	switch {
	case err == nil:
		tags, err := cli.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			return "", false, fmt.Errorf("read tags of SNS topic %s: %w", arn, err)
		}
		for _, t := range tags.Tags {
			if aws.ToString(t.Key) == ManagedTag && aws.ToString(t.Value) == "true" {
				return arn, false, nil
			}
		}
		return "", false, notOurs("SNS topic", arn, param)
	case !IsNotFound(err, "NotFound"):
		return "", false, fmt.Errorf("get SNS topic %s: %w", arn, err)
	}
	var tags []snstypes.Tag
	for _, t := range ownedTagList(purpose) {
		tags = append(tags, snstypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
	}
	created, err := cli.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name), Tags: tags})
	if err != nil {
		return "", false, fmt.Errorf("create SNS topic %s: %w", name, err)
	}
	addCreated(out, aws.ToString(created.TopicArn))
	return aws.ToString(created.TopicArn), true, nil
}

// errParam is the error of a parameter value that cannot work.
func errParam(action, param string, value any, format string, args ...any) error {
	return Permanent(&ParamError{Action: action, Param: param, Value: value, Err: fmt.Errorf(format, args...)})
}
