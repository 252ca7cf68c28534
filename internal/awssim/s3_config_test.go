package awssim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func mustBucket(t *testing.T, cli *s3.Client, name string, opt ...func(*s3.CreateBucketInput)) {
	t.Helper()
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	for _, o := range opt {
		o(in)
	}
	if _, err := cli.CreateBucket(context.Background(), in); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

func TestS3ObjectOwnership(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := s3Clients(t, sim, "")["path"]

	_, err := cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acl-on-create"), ACL: s3types.BucketCannedACLPublicRead})
	if apiCode(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Fatalf("CreateBucket with a public ACL and default ownership: %v, want InvalidBucketAclWithObjectOwnership", err)
	}
	mustBucket(t, cli, "legacy", func(in *s3.CreateBucketInput) { in.ObjectOwnership = s3types.ObjectOwnershipObjectWriter })
	own, err := cli.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("legacy")})
	if err != nil || own.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipObjectWriter {
		t.Fatalf("GetBucketOwnershipControls = %+v, %v", own, err)
	}
	if _, err := cli.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("legacy")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("legacy"), ACL: s3types.BucketCannedACLPublicRead}); err != nil {
		t.Fatalf("public ACL with ACLs enabled and no block: %v", err)
	}
	// ACLs cannot be disabled while one grants others access.
	enforce := &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("legacy"), OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}
	if _, err := cli.PutBucketOwnershipControls(ctx, enforce); apiCode(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Fatalf("enforcing ownership over a public ACL: %v", err)
	}
	if _, err := cli.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("legacy"), ACL: s3types.BucketCannedACLPrivate}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.PutBucketOwnershipControls(ctx, enforce); err != nil {
		t.Fatalf("enforcing ownership over a private ACL: %v", err)
	}
	if _, err := cli.DeleteBucketOwnershipControls(ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: aws.String("legacy")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("legacy")}); apiCode(err) != "OwnershipControlsNotFoundError" {
		t.Fatalf("GetBucketOwnershipControls after delete: %v", err)
	}
	// The expected bucket owner is checked.
	_, err = cli.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("legacy"), ExpectedBucketOwner: aws.String("111122223333")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("GetBucketAcl with another expected owner: %v, want AccessDenied", err)
	}
}

func TestS3Lifecycle(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := s3Clients(t, sim, "")["virtual"]
	mustBucket(t, cli, "data")
	b := aws.String("data")
	if _, err := cli.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b}); apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("GetBucketLifecycleConfiguration of a new bucket: %v", err)
	}
	rules := []s3types.LifecycleRule{
		{ID: aws.String("tmp"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(7)}},
		{ID: aws.String("tier"), Status: s3types.ExpirationStatusDisabled,
			Filter: &s3types.LifecycleRuleFilter{And: &s3types.LifecycleRuleAndOperator{Prefix: aws.String("logs/"),
				Tags: []s3types.Tag{{Key: aws.String("class"), Value: aws.String("cold")}}, ObjectSizeGreaterThan: aws.Int64(131072)}},
			Transitions: []s3types.Transition{{Days: aws.Int32(30), StorageClass: s3types.TransitionStorageClassStandardIa},
				{Days: aws.Int32(90), StorageClass: s3types.TransitionStorageClassGlacier}},
			NoncurrentVersionExpiration:    &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(30)},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(3)}},
	}
	if _, err := cli.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}}); err != nil {
		t.Fatalf("PutBucketLifecycleConfiguration: %v", err)
	}
	got, err := cli.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(got.Rules) != 2 {
		t.Fatalf("GetBucketLifecycleConfiguration = %+v, %v", got, err)
	}
	tier := got.Rules[1]
	if aws.ToString(tier.ID) != "tier" || tier.Status != s3types.ExpirationStatusDisabled || tier.Filter == nil || tier.Filter.And == nil ||
		aws.ToString(tier.Filter.And.Prefix) != "logs/" || len(tier.Filter.And.Tags) != 1 || aws.ToInt64(tier.Filter.And.ObjectSizeGreaterThan) != 131072 ||
		len(tier.Transitions) != 2 || tier.Transitions[1].StorageClass != s3types.TransitionStorageClassGlacier ||
		aws.ToInt32(tier.NoncurrentVersionExpiration.NoncurrentDays) != 30 || aws.ToInt32(tier.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 3 {
		t.Errorf("rule read back = %+v", tier)
	}
	if aws.ToInt32(got.Rules[0].Expiration.Days) != 7 || aws.ToString(got.Rules[0].Filter.Prefix) != "tmp/" {
		t.Errorf("rule read back = %+v", got.Rules[0])
	}

	for _, tc := range []struct {
		name  string
		rules []s3types.LifecycleRule
		code  string
	}{
		{"duplicate IDs", []s3types.LifecycleRule{rules[0], rules[0]}, "InvalidArgument"},
		{"STANDARD_IA before 30 days", []s3types.LifecycleRule{{ID: aws.String("ia"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{},
			Transitions: []s3types.Transition{{Days: aws.Int32(10), StorageClass: s3types.TransitionStorageClassStandardIa}}}}, "InvalidArgument"},
		{"expiration before transition", []s3types.LifecycleRule{{ID: aws.String("x"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{},
			Transitions: []s3types.Transition{{Days: aws.Int32(30), StorageClass: s3types.TransitionStorageClassIntelligentTiering}},
			Expiration:  &s3types.LifecycleExpiration{Days: aws.Int32(20)}}}, "InvalidArgument"},
		{"no action", []s3types.LifecycleRule{{ID: aws.String("none"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{}}}, "InvalidRequest"},
	} {
		_, err := cli.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
			LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: tc.rules}})
		if apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := cli.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b}); apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("after DeleteBucketLifecycle: %v", err)
	}
}

func TestS3Notifications(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := s3Clients(t, sim, "")["path"]
	mustBucket(t, cli, "uploads")
	b := aws.String("uploads")
	empty, err := cli.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b})
	if err != nil || len(empty.TopicConfigurations)+len(empty.QueueConfigurations)+len(empty.LambdaFunctionConfigurations) != 0 {
		t.Fatalf("notifications of a new bucket = %+v, %v", empty, err)
	}
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("uploads")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqs.NewFromConfig(cfg).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("uploads")})
	if err != nil {
		t.Fatal(err)
	}
	queueARN := "arn:aws:sqs:us-east-1:" + awssim.DefaultAccount + ":uploads"
	conf := &s3types.NotificationConfiguration{
		TopicConfigurations: []s3types.TopicConfiguration{{Id: aws.String("to-topic"), TopicArn: topic.TopicArn, Events: []s3types.Event{"s3:ObjectCreated:*"}}},
		QueueConfigurations: []s3types.QueueConfiguration{{QueueArn: aws.String(queueARN), Events: []s3types.Event{"s3:ObjectRemoved:*"},
			Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{{Name: s3types.FilterRuleNamePrefix, Value: aws.String("in/")}}}}}},
	}
	// Neither destination lets S3 send to it yet: the topic's default
	// policy lets only its owner's account publish.
	_, err = cli.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: conf})
	if apiCode(err) != "InvalidArgument" || !strings.Contains(err.Error(), "Unable to validate the following destination configurations") {
		t.Fatalf("notification to destinations that refuse S3: %v", err)
	}
	_, err = cli.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: &s3types.NotificationConfiguration{
		TopicConfigurations: conf.TopicConfigurations}})
	if apiCode(err) != "InvalidArgument" {
		t.Fatalf("notification to a topic with its default policy: %v", err)
	}
	if _, err := cli.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: b, SkipDestinationValidation: aws.Bool(true),
		NotificationConfiguration: &s3types.NotificationConfiguration{TopicConfigurations: conf.TopicConfigurations}}); err != nil {
		t.Fatalf("notification with destination validation skipped: %v", err)
	}
	allow := func(action, arn string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"` + action +
			`","Resource":"` + arn + `","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::uploads"}}}]}`
	}
	if _, err := sns.NewFromConfig(cfg).SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn,
		AttributeName: aws.String("Policy"), AttributeValue: aws.String(allow("SNS:Publish", aws.ToString(topic.TopicArn)))}); err != nil {
		t.Fatal(err)
	}
	if _, err := sqs.NewFromConfig(cfg).SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q.QueueUrl,
		Attributes: map[string]string{"Policy": allow("sqs:SendMessage", queueARN)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: conf}); err != nil {
		t.Fatalf("PutBucketNotificationConfiguration: %v", err)
	}
	got, err := cli.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b})
	if err != nil || len(got.TopicConfigurations) != 1 || len(got.QueueConfigurations) != 1 {
		t.Fatalf("GetBucketNotificationConfiguration = %+v, %v", got, err)
	}
	if tc := got.TopicConfigurations[0]; aws.ToString(tc.Id) != "to-topic" || aws.ToString(tc.TopicArn) != aws.ToString(topic.TopicArn) || len(tc.Events) != 1 {
		t.Errorf("topic configuration = %+v", tc)
	}
	qc := got.QueueConfigurations[0]
	if aws.ToString(qc.Id) == "" || qc.Filter == nil || len(qc.Filter.Key.FilterRules) != 1 || aws.ToString(qc.Filter.Key.FilterRules[0].Value) != "in/" {
		t.Errorf("queue configuration = %+v (an Id is assigned, the filter kept)", qc)
	}
	_, err = cli.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: &s3types.NotificationConfiguration{
		TopicConfigurations: []s3types.TopicConfiguration{{TopicArn: topic.TopicArn, Events: []s3types.Event{"s3:NoSuchEvent"}}}}})
	if apiCode(err) != "InvalidArgument" {
		t.Errorf("unknown event: %v", err)
	}
	// An empty configuration removes every notification.
	if _, err := cli.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: &s3types.NotificationConfiguration{}}); err != nil {
		t.Fatal(err)
	}
	got, err = cli.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b})
	if err != nil || len(got.TopicConfigurations)+len(got.QueueConfigurations) != 0 {
		t.Fatalf("after an empty configuration: %+v, %v", got, err)
	}
}

func TestS3Logging(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := s3Clients(t, sim, "")["path"]
	mustBucket(t, cli, "app")
	mustBucket(t, cli, "logs")
	b := aws.String("app")
	off, err := cli.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b})
	if err != nil || off.LoggingEnabled != nil {
		t.Fatalf("logging of a new bucket = %+v, %v", off, err)
	}
	enable := func(target string) error {
		_, err := cli.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &s3types.BucketLoggingStatus{
			LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String(target), TargetPrefix: aws.String("app/")}}})
		return err
	}
	if err := enable("no-such-bucket"); apiCode(err) != "InvalidTargetBucketForLogging" {
		t.Fatalf("logging to a missing bucket: %v", err)
	}
	if err := enable("logs"); apiCode(err) != "InvalidTargetBucketForLogging" {
		t.Fatalf("logging to a bucket that does not let the logging service write: %v", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"S3ServerAccessLogs","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},` +
		`"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/app/*","Condition":{"StringEquals":{"aws:SourceAccount":"` + awssim.DefaultAccount + `"}}}]}`
	if _, err := cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("logs"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if err := enable("logs"); err != nil {
		t.Fatalf("PutBucketLogging: %v", err)
	}
	on, err := cli.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b})
	if err != nil || on.LoggingEnabled == nil || aws.ToString(on.LoggingEnabled.TargetBucket) != "logs" || aws.ToString(on.LoggingEnabled.TargetPrefix) != "app/" {
		t.Fatalf("GetBucketLogging = %+v, %v", on, err)
	}
	// Target grants need ACLs.
	_, err = cli.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &s3types.BucketLoggingStatus{
		LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String("logs"), TargetPrefix: aws.String("app/"),
			TargetGrants: []s3types.TargetGrant{{Grantee: &s3types.Grantee{Type: s3types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AllUsers")}, Permission: s3types.BucketLogsPermissionRead}}}}})
	if apiCode(err) != "InvalidTargetBucketForLogging" {
		t.Errorf("target grants to a bucket with ACLs disabled: %v", err)
	}
	// A bucket in another region cannot be the target.
	west := s3.NewFromConfig(sim.Config(""), func(o *s3.Options) { o.Region = "us-west-2"; o.UsePathStyle = true })
	if _, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("west-logs"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintUsWest2}}); err != nil {
		t.Fatal(err)
	}
	if err := enable("west-logs"); apiCode(err) != "CrossLocationLoggingProhibitted" {
		t.Errorf("logging across regions: %v", err)
	}
	if _, err := cli.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &s3types.BucketLoggingStatus{}}); err != nil {
		t.Fatal(err)
	}
	if off, err := cli.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b}); err != nil || off.LoggingEnabled != nil {
		t.Fatalf("after disabling: %+v, %v", off, err)
	}
}

func TestS3ReplicationAndObjectLock(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := s3Clients(t, sim, "")["path"]
	mustBucket(t, cli, "src")
	b := aws.String("src")
	repl := &s3.PutBucketReplicationInput{Bucket: b, ReplicationConfiguration: &s3types.ReplicationConfiguration{
		Role: aws.String("arn:aws:iam::" + awssim.DefaultAccount + ":role/replication"),
		Rules: []s3types.ReplicationRule{{ID: aws.String("all"), Priority: aws.Int32(1), Status: s3types.ReplicationRuleStatusEnabled,
			Filter:                  &s3types.ReplicationRuleFilter{Prefix: aws.String("")},
			DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &s3types.Destination{Bucket: aws.String("arn:aws:s3:::dst"), StorageClass: s3types.StorageClassStandardIa}}},
	}}
	if _, err := cli.PutBucketReplication(ctx, repl); apiCode(err) != "InvalidRequest" {
		t.Fatalf("replication without versioning: %v", err)
	}
	if _, err := cli.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: b}); apiCode(err) != "ReplicationConfigurationNotFoundError" {
		t.Fatalf("GetBucketReplication of a new bucket: %v", err)
	}
	if _, err := cli.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.PutBucketReplication(ctx, repl); err != nil {
		t.Fatalf("PutBucketReplication: %v", err)
	}
	got, err := cli.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: b})
	if err != nil || len(got.ReplicationConfiguration.Rules) != 1 || aws.ToString(got.ReplicationConfiguration.Rules[0].Destination.Bucket) != "arn:aws:s3:::dst" ||
		got.ReplicationConfiguration.Rules[0].Destination.StorageClass != s3types.StorageClassStandardIa || aws.ToString(got.ReplicationConfiguration.Role) == "" {
		t.Fatalf("GetBucketReplication = %+v, %v", got, err)
	}
	if _, err := cli.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); apiCode(err) != "InvalidBucketState" {
		t.Errorf("suspending versioning under replication: %v", err)
	}
	if _, err := cli.DeleteBucketReplication(ctx, &s3.DeleteBucketReplicationInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}

	// Object Lock: at creation, or later on a versioned bucket.
	mustBucket(t, cli, "vault", func(in *s3.CreateBucketInput) { in.ObjectLockEnabledForBucket = aws.Bool(true) })
	lock, err := cli.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("vault")})
	if err != nil || lock.ObjectLockConfiguration.ObjectLockEnabled != s3types.ObjectLockEnabledEnabled {
		t.Fatalf("GetObjectLockConfiguration of a bucket created with Object Lock = %+v, %v", lock, err)
	}
	v, err := cli.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vault")})
	if err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning of an Object Lock bucket = %+v, %v", v, err)
	}
	mustBucket(t, cli, "plain")
	if _, err := cli.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("plain")}); apiCode(err) != "ObjectLockConfigurationNotFoundError" {
		t.Fatalf("GetObjectLockConfiguration of a plain bucket: %v", err)
	}
	conf := &s3.PutObjectLockConfigurationInput{Bucket: aws.String("plain"), ObjectLockConfiguration: &s3types.ObjectLockConfiguration{
		ObjectLockEnabled: s3types.ObjectLockEnabledEnabled,
		Rule:              &s3types.ObjectLockRule{DefaultRetention: &s3types.DefaultRetention{Mode: s3types.ObjectLockRetentionModeGovernance, Days: aws.Int32(30)}}}}
	if _, err := cli.PutObjectLockConfiguration(ctx, conf); apiCode(err) != "InvalidBucketState" {
		t.Fatalf("Object Lock without versioning: %v", err)
	}
	if _, err := cli.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("plain"), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.PutObjectLockConfiguration(ctx, conf); err != nil {
		t.Fatalf("PutObjectLockConfiguration: %v", err)
	}
	lock, err = cli.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("plain")})
	if err != nil || lock.ObjectLockConfiguration.Rule == nil || aws.ToInt32(lock.ObjectLockConfiguration.Rule.DefaultRetention.Days) != 30 ||
		lock.ObjectLockConfiguration.Rule.DefaultRetention.Mode != s3types.ObjectLockRetentionModeGovernance {
		t.Fatalf("GetObjectLockConfiguration = %+v, %v", lock, err)
	}
	if _, err := cli.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("plain"), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); apiCode(err) != "InvalidBucketState" {
		t.Errorf("suspending versioning under Object Lock: %v", err)
	}
}
