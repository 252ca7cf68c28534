package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestSNSTopicRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := sns.NewFromConfig(sim.Config(""))

	created, err := cli.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("security-alerts"), Attributes: map[string]string{"DisplayName": "Security"}})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	arn := aws.ToString(created.TopicArn)
	if want := "arn:aws:sns:us-east-1:" + awssim.DefaultAccount + ":security-alerts"; arn != want {
		t.Errorf("TopicArn = %s, want %s", arn, want)
	}
	again, err := cli.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("security-alerts")})
	if err != nil || aws.ToString(again.TopicArn) != arn {
		t.Fatalf("CreateTopic again = %v, %v; want the same ARN", again, err)
	}
	list, err := cli.ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil || len(list.Topics) != 1 || aws.ToString(list.Topics[0].TopicArn) != arn {
		t.Fatalf("ListTopics = %+v, %v", list, err)
	}
	attrs, err := cli.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if err != nil || attrs.Attributes["DisplayName"] != "Security" || attrs.Attributes["Owner"] != awssim.DefaultAccount || attrs.Attributes["Policy"] == "" {
		t.Fatalf("GetTopicAttributes = %v, %v", attrs, err)
	}
	if _, err := cli.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("SecOps")}); err != nil {
		t.Fatalf("SetTopicAttributes: %v", err)
	}
	attrs, _ = cli.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if attrs.Attributes["DisplayName"] != "SecOps" {
		t.Errorf("DisplayName = %q after set", attrs.Attributes["DisplayName"])
	}
	_, err = cli.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("Bogus"), AttributeValue: aws.String("x")})
	var invalid *snstypes.InvalidParameterException
	if !errors.As(err, &invalid) {
		t.Fatalf("SetTopicAttributes(Bogus): got %v, want InvalidParameter", err)
	}

	sub, err := cli.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("email"), Endpoint: aws.String("secops@example.com")})
	if err != nil || aws.ToString(sub.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("Subscribe(email) = %v, %v; want pending confirmation", sub, err)
	}
	hsub, err := cli.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("https"), Endpoint: aws.String("https://hooks.example.com/rectify"), ReturnSubscriptionArn: true})
	if err != nil || !strings.HasPrefix(aws.ToString(hsub.SubscriptionArn), arn+":") {
		t.Fatalf("Subscribe(https) = %v, %v", hsub, err)
	}
	subs, err := cli.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if err != nil || len(subs.Subscriptions) != 2 {
		t.Fatalf("ListSubscriptionsByTopic = %+v, %v", subs, err)
	}
	if _, err := cli.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: hsub.SubscriptionArn}); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	subs, _ = cli.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(subs.Subscriptions) != 1 || aws.ToString(subs.Subscriptions[0].Protocol) != "email" {
		t.Errorf("subscriptions after unsubscribe = %+v", subs.Subscriptions)
	}

	if _, err := cli.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteTopic: %v", err)
	}
	_, err = cli.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	var nf *snstypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("GetTopicAttributes after delete: got %v, want NotFound", err)
	}
	_, err = cli.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("x")})
	if !errors.As(err, &nf) {
		t.Fatalf("Publish to a deleted topic: got %v, want NotFound", err)
	}
}

func TestSNSPublishValidationAndInspection(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := sns.NewFromConfig(sim.Config(""))
	created, err := cli.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	arn := created.TopicArn

	for _, tc := range []struct {
		name, subject, message string
		ok                     bool
	}{
		{"plain", "Bucket made public", "customer-exports-prod is public", true},
		{"99 chars", strings.Repeat("s", 99), "m", true},
		{"100 chars", strings.Repeat("s", 100), "m", false},
		{"newline", "line one\nline two", "m", false},
		{"non-ascii", "Sécurité", "m", false},
		{"empty message", "ok", "", false},
	} {
		_, err := cli.Publish(ctx, &sns.PublishInput{TopicArn: arn, Subject: aws.String(tc.subject), Message: aws.String(tc.message)})
		var invalid *snstypes.InvalidParameterException
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: Publish: %v", tc.name, err)
		case !tc.ok && !errors.As(err, &invalid):
			t.Errorf("%s: Publish: got %v, want InvalidParameter", tc.name, err)
		}
	}

	out, err := cli.Publish(ctx, &sns.PublishInput{TopicArn: arn, Subject: aws.String("Remediated"), Message: aws.String("done"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"severity": {DataType: aws.String("String"), StringValue: aws.String("HIGH")}}})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	msgs := sim.SNSMessages(aws.ToString(arn))
	if len(msgs) != 3 {
		t.Fatalf("SNSMessages = %d, want 3 (the accepted publishes)", len(msgs))
	}
	last := msgs[2]
	if last.MessageID != aws.ToString(out.MessageId) || last.Subject != "Remediated" || last.Message != "done" ||
		last.Attributes["severity"].StringValue != "HIGH" || last.Time.IsZero() || last.Time.After(sim.Now()) {
		t.Errorf("last message = %+v", last)
	}
	if msgs[0].Subject != "Bucket made public" {
		t.Errorf("first message subject = %q", msgs[0].Subject)
	}
	if sim.SNSMessages("arn:aws:sns:us-east-1:"+awssim.DefaultAccount+":missing") != nil {
		t.Errorf("SNSMessages of a missing topic is not nil")
	}

	// Another account's topic is not reachable.
	other := sns.NewFromConfig(sim.Config(member))
	if _, err := other.Publish(ctx, &sns.PublishInput{TopicArn: arn, Message: aws.String("x")}); apiCode(err) != "AuthorizationError" {
		t.Errorf("Publish to another account's topic: got %v, want AuthorizationError", err)
	}
}

func TestSNSDeliversToSQS(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	snsc := sns.NewFromConfig(sim.Config(""))
	sqsc := sqs.NewFromConfig(sim.Config(""))

	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("findings")})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	var urls [2]string
	for i, name := range []string{"envelope", "raw"} {
		q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatalf("CreateQueue: %v", err)
		}
		urls[i] = aws.ToString(q.QueueUrl)
		in := &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:" + awssim.DefaultAccount + ":" + name)}
		if name == "raw" {
			in.Attributes = map[string]string{"RawMessageDelivery": "true"}
		}
		sub, err := snsc.Subscribe(ctx, in)
		if err != nil || !strings.HasPrefix(aws.ToString(sub.SubscriptionArn), aws.ToString(topic.TopicArn)+":") {
			t.Fatalf("Subscribe(sqs) = %v, %v; want a confirmed subscription", sub, err)
		}
	}
	pub, err := snsc.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Subject: aws.String("New finding"), Message: aws.String(`{"id":"f-1"}`),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"account": {DataType: aws.String("String"), StringValue: aws.String(member)}}})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}

	got, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(urls[0])})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("ReceiveMessage(envelope) = %+v, %v", got, err)
	}
	var env struct {
		Type, MessageId, TopicArn, Subject, Message, Timestamp string
		MessageAttributes                                      map[string]struct{ Type, Value string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(got.Messages[0].Body)), &env); err != nil {
		t.Fatalf("envelope is not JSON: %v", err)
	}
	if env.Type != "Notification" || env.MessageId != aws.ToString(pub.MessageId) || env.TopicArn != aws.ToString(topic.TopicArn) ||
		env.Subject != "New finding" || env.Message != `{"id":"f-1"}` || env.Timestamp == "" || env.MessageAttributes["account"].Value != member {
		t.Errorf("envelope = %+v", env)
	}

	raw, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(urls[1]), MessageAttributeNames: []string{"All"}})
	if err != nil || len(raw.Messages) != 1 {
		t.Fatalf("ReceiveMessage(raw) = %+v, %v", raw, err)
	}
	if aws.ToString(raw.Messages[0].Body) != `{"id":"f-1"}` || aws.ToString(raw.Messages[0].MessageAttributes["account"].StringValue) != member {
		t.Errorf("raw delivery = %q %+v", aws.ToString(raw.Messages[0].Body), raw.Messages[0].MessageAttributes)
	}
}
