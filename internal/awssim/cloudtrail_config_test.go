package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// trailBucketPolicy lets CloudTrail deliver account's logs to bucket.
func trailBucketPolicy(bucket, account string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::%[1]s"},
{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::%[1]s/AWSLogs/%[2]s/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}`, bucket, account)
}

// trailBucket makes a bucket in cfg's account whose policy lets CloudTrail
// deliver to it.
func trailBucket(t *testing.T, cfg aws.Config, account, name string) {
	t.Helper()
	ctx := context.Background()
	cli := s3.NewFromConfig(cfg)
	if _, err := cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(trailBucketPolicy(name, account))}); err != nil {
		t.Fatal(err)
	}
}

// trailKeyPolicy is a key policy that lets the account administer the key
// and CloudTrail encrypt logs with it.
func trailKeyPolicy(account string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%[1]s:root"},"Action":"kms:*","Resource":"*"},
{"Sid":"CloudTrail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}`, account)
}

// trailKey makes a KMS key CloudTrail may use, named by alias.
func trailKey(t *testing.T, cfg aws.Config, account, alias string) string {
	t.Helper()
	ctx := context.Background()
	cli := kms.NewFromConfig(cfg)
	k, err := cli.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(trailKeyPolicy(account))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(k.KeyMetadata.Arn)
}

// TestCloudTrailChecksWhereItDelivers covers the checks CreateTrail and
// UpdateTrail make of the trail's bucket, key and CloudWatch Logs group
// and role, each with the error CloudTrail answers.
func TestCloudTrailChecksWhereItDelivers(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config(member)
	ct := cloudtrail.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg)

	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("no-policy")}); err != nil {
		t.Fatal(err)
	}
	trailBucket(t, cfg, member, "trail-logs")
	keyARN := trailKey(t, cfg, member, "alias/trail")
	plain, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("trail/main")}); err != nil {
		t.Fatal(err)
	}
	group := "arn:aws:logs:us-east-1:" + member + ":log-group:trail/main:*"
	iamc := iam.NewFromConfig(cfg)
	mkRole := func(name, service, actions string) string {
		r, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if actions != "" {
			_, err = iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("logs"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":` + actions + `,"Resource":"arn:aws:logs:us-east-1:` + member + `:log-group:trail/main:log-stream:*"}]}`)})
			if err != nil {
				t.Fatal(err)
			}
		}
		return aws.ToString(r.Role.Arn)
	}
	good := mkRole("ct-logs", "cloudtrail.amazonaws.com", `["logs:CreateLogStream","logs:PutLogEvents"]`)
	wrongTrust := mkRole("ec2-logs", "ec2.amazonaws.com", `["logs:CreateLogStream","logs:PutLogEvents"]`)
	noPerms := mkRole("ct-nothing", "cloudtrail.amazonaws.com", "")

	for _, tc := range []struct {
		name string
		in   cloudtrail.CreateTrailInput
		want string // error code; "" for success
	}{
		{"missing bucket", cloudtrail.CreateTrailInput{S3BucketName: aws.String("nowhere")}, "S3BucketDoesNotExistException"},
		{"bucket without policy", cloudtrail.CreateTrailInput{S3BucketName: aws.String("no-policy")}, "InsufficientS3BucketPolicyException"},
		{"prefix outside the policy", cloudtrail.CreateTrailInput{S3BucketName: aws.String("trail-logs"), S3KeyPrefix: aws.String("elsewhere")}, "InsufficientS3BucketPolicyException"},
		{"missing key", cloudtrail.CreateTrailInput{S3BucketName: aws.String("trail-logs"), KmsKeyId: aws.String("alias/none")}, "KmsKeyNotFoundException"},
		{"key policy without CloudTrail", cloudtrail.CreateTrailInput{S3BucketName: aws.String("trail-logs"), KmsKeyId: plain.KeyMetadata.Arn}, "InsufficientEncryptionPolicyException"},
		{"group without role", cloudtrail.CreateTrailInput{S3BucketName: aws.String("trail-logs"), CloudWatchLogsLogGroupArn: aws.String(group)}, "InvalidCloudWatchLogsRoleArnException"},
		{"missing group", cloudtrail.CreateTrailInput{S3BucketName: aws.String("trail-logs"), CloudWatchLogsRoleArn: aws.String(good),
			CloudWatchLogsLogGroupArn: aws.String("arn:aws:logs:us-east-1:" + member + ":log-group:none:*")}, "InvalidCloudWatchLogsLogGroupArnException"},
		{"role CloudTrail cannot assume", cloudtrail.CreateTrailInput{S3BucketName: aws.String("trail-logs"), CloudWatchLogsRoleArn: aws.String(wrongTrust),
			CloudWatchLogsLogGroupArn: aws.String(group)}, "InvalidCloudWatchLogsRoleArnException"},
		{"role without log permissions", cloudtrail.CreateTrailInput{S3BucketName: aws.String("trail-logs"), CloudWatchLogsRoleArn: aws.String(noPerms),
			CloudWatchLogsLogGroupArn: aws.String(group)}, "InvalidCloudWatchLogsRoleArnException"},
		{"all good", cloudtrail.CreateTrailInput{S3BucketName: aws.String("trail-logs"), KmsKeyId: aws.String("alias/trail"),
			CloudWatchLogsRoleArn: aws.String(good), CloudWatchLogsLogGroupArn: aws.String(group), IsMultiRegionTrail: aws.Bool(true),
			TagsList: []cttypes.Tag{{Key: aws.String("team"), Value: aws.String("sec")}}}, ""},
	} {
		in := tc.in
		in.Name = aws.String(strings.ReplaceAll(tc.name, " ", "-"))
		_, err := ct.CreateTrail(ctx, &in)
		if got := apiCode(err); got != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	got, err := ct.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("all-good")})
	if err != nil {
		t.Fatal(err)
	}
	if tr := got.Trail; aws.ToString(tr.KmsKeyId) != "arn:aws:kms:us-east-1:"+member+":alias/trail" || aws.ToString(tr.CloudWatchLogsLogGroupArn) != group ||
		aws.ToString(tr.CloudWatchLogsRoleArn) != good {
		t.Errorf("trail = %+v", tr)
	}
	tags, err := ct.ListTags(ctx, &cloudtrail.ListTagsInput{ResourceIdList: []string{aws.ToString(got.Trail.TrailARN)}})
	if err != nil || len(tags.ResourceTagList) != 1 || len(tags.ResourceTagList[0].TagsList) != 1 || aws.ToString(tags.ResourceTagList[0].TagsList[0].Key) != "team" {
		t.Errorf("ListTags = %+v, %v", tags, err)
	}
	// UpdateTrail checks what it changes: a key that now lacks the
	// CloudTrail statement is refused, and the trail keeps its old key.
	if _, err := ct.UpdateTrail(ctx, &cloudtrail.UpdateTrailInput{Name: aws.String("all-good"), KmsKeyId: plain.KeyMetadata.KeyId}); !errors.As(err, new(*cttypes.InsufficientEncryptionPolicyException)) {
		t.Errorf("UpdateTrail to a key without CloudTrail: %v", err)
	}
	if _, err := kms.NewFromConfig(cfg).DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.UpdateTrail(ctx, &cloudtrail.UpdateTrailInput{Name: aws.String("all-good"), KmsKeyId: aws.String(keyARN)}); !errors.As(err, new(*cttypes.KmsKeyDisabledException)) {
		t.Errorf("UpdateTrail to a disabled key: %v", err)
	}
	if _, err := ct.UpdateTrail(ctx, &cloudtrail.UpdateTrailInput{Name: aws.String("all-good"), EnableLogFileValidation: aws.Bool(true)}); err != nil {
		t.Errorf("UpdateTrail of validation only, which checks no destination: %v", err)
	}
}

// TestCloudTrailEventSelectors stores a trail's selectors and answers
// all management events for a trail that has none.
func TestCloudTrailEventSelectors(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config(member)
	ct := cloudtrail.NewFromConfig(cfg)
	trailBucket(t, cfg, member, "trail-logs")
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("trail-logs")}); err != nil {
		t.Fatal(err)
	}
	sel, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("main")})
	if err != nil || len(sel.EventSelectors) != 1 || sel.EventSelectors[0].ReadWriteType != cttypes.ReadWriteTypeAll {
		t.Fatalf("default selectors = %+v, %v", sel, err)
	}
	_, err = ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("main"),
		EventSelectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	sel, err = ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("main")})
	if err != nil || len(sel.EventSelectors) != 1 || sel.EventSelectors[0].ReadWriteType != cttypes.ReadWriteTypeWriteOnly {
		t.Fatalf("selectors after Put = %+v, %v", sel, err)
	}
	_, err = ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("main"),
		EventSelectors: []cttypes.EventSelector{{ReadWriteType: "Sometimes"}}})
	if !errors.As(err, new(*cttypes.InvalidEventSelectorsException)) {
		t.Errorf("bad ReadWriteType: %v", err)
	}
	_, err = ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("main"),
		AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{Name: aws.String("mgmt"), FieldSelectors: []cttypes.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Management"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	sel, err = ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("main")})
	if err != nil || len(sel.EventSelectors) != 0 || len(sel.AdvancedEventSelectors) != 1 || aws.ToString(sel.AdvancedEventSelectors[0].Name) != "mgmt" {
		t.Errorf("advanced selectors = %+v, %v", sel, err)
	}
}
