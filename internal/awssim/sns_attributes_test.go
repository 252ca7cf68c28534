package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestSNSEncryptionAndDeliveryStatusLogging(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := sns.NewFromConfig(cfg)
	topic, err := cli.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil {
		t.Fatal(err)
	}
	set := func(name, value string) error {
		_, err := cli.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn, AttributeName: aws.String(name), AttributeValue: aws.String(value)})
		return err
	}
	attrs := func() map[string]string {
		out, err := cli.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes
	}
	if err := set("KmsMasterKeyId", "alias/aws/sns"); err != nil {
		t.Fatalf("KmsMasterKeyId: %v", err)
	}
	if got := attrs()["KmsMasterKeyId"]; got != "alias/aws/sns" {
		t.Errorf("KmsMasterKeyId = %q", got)
	}
	role := "arn:aws:iam::" + awssim.DefaultAccount + ":role/sns-delivery"
	if err := set("SQSFailureFeedbackRoleArn", role); apiCode(err) != "InvalidParameter" {
		t.Fatalf("a role that does not exist: %v", err)
	}
	if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sns-delivery"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"SQSFailureFeedbackRoleArn", "SQSSuccessFeedbackRoleArn"} {
		if err := set(a, role); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if err := set("SQSSuccessFeedbackSampleRate", "101"); apiCode(err) != "InvalidParameter" {
		t.Errorf("a sample rate of 101: %v", err)
	}
	if err := set("SQSSuccessFeedbackSampleRate", "0"); err != nil {
		t.Fatal(err)
	}
	got := attrs()
	if got["SQSFailureFeedbackRoleArn"] != role || got["SQSSuccessFeedbackSampleRate"] != "0" {
		t.Errorf("attributes = %v", got)
	}
	if err := set("SQSFailureFeedbackRoleArn", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := attrs()["SQSFailureFeedbackRoleArn"]; ok {
		t.Errorf("an emptied attribute is still there")
	}
	if err := set("NoSuchFeedbackRoleArn", role); apiCode(err) != "InvalidParameter" {
		t.Errorf("an unknown attribute: %v", err)
	}
}

func TestSQSServerSideEncryption(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := sqs.NewFromConfig(sim.Config(""))
	q, err := cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs")})
	if err != nil {
		t.Fatal(err)
	}
	get := func() map[string]string {
		out, err := cli.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes
	}
	if a := get(); a["SqsManagedSseEnabled"] != "true" {
		t.Fatalf("a new queue = %v, want SSE-SQS on", a)
	}
	set := func(attrs map[string]string) error {
		_, err := cli.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q.QueueUrl, Attributes: attrs})
		return err
	}
	if err := set(map[string]string{"KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": "true"}); apiCode(err) != "InvalidAttributeValue" {
		t.Fatalf("both kinds of SSE at once: %v", err)
	}
	if err := set(map[string]string{"KmsMasterKeyId": "alias/aws/sqs"}); err != nil {
		t.Fatal(err)
	}
	if a := get(); a["KmsMasterKeyId"] != "alias/aws/sqs" || a["SqsManagedSseEnabled"] != "false" {
		t.Errorf("after setting a KMS key = %v", a)
	}
	if err := set(map[string]string{"SqsManagedSseEnabled": "true"}); err != nil {
		t.Fatal(err)
	}
	if a := get(); a["KmsMasterKeyId"] != "" || a["SqsManagedSseEnabled"] != "true" {
		t.Errorf("after turning SSE-SQS on = %v", a)
	}
	if err := set(map[string]string{"SqsManagedSseEnabled": "false"}); err != nil {
		t.Fatal(err)
	}
	if a := get(); a["SqsManagedSseEnabled"] != "false" || a["KmsMasterKeyId"] != "" {
		t.Errorf("unencrypted = %v", a)
	}
}

func TestSNSTopicTags(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := sns.NewFromConfig(sim.Config(""))
	topic, err := cli.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("tagged"), Tags: []snstypes.Tag{{Key: aws.String("rectify:managed"), Value: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.TagResource(ctx, &sns.TagResourceInput{ResourceArn: topic.TopicArn, Tags: []snstypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	tags, err := cli.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: topic.TopicArn})
	if err != nil || len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].Key) != "rectify:managed" {
		t.Fatalf("ListTagsForResource = %+v, %v", tags, err)
	}
	if _, err := cli.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: topic.TopicArn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:sns:us-east-1:" + awssim.DefaultAccount + ":none")}); apiCode(err) != "ResourceNotFound" {
		t.Errorf("tags of a missing topic: %v", err)
	}
}
