package action

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SNS and SQS actions of the Security Hub controls: topic encryption
// (SNS.1), topic delivery status logging (SNS.2) and queue encryption
// (SQS.1).

var topicParam = Param{Name: "topic_arn", Type: String, Required: true, Description: "the topic's ARN"}

// snsKeyServices are the service principals that publish to topics for an
// account, which the key rectify makes for topics lets encrypt.
var snsKeyServices = []string{"sns.amazonaws.com", "events.amazonaws.com", "cloudwatch.amazonaws.com", "s3.amazonaws.com",
	"budgets.amazonaws.com", "codestar-notifications.amazonaws.com", "config.amazonaws.com"}

// snsProtocols are the protocols whose delivery status SNS logs, as they
// prefix the topic attributes.
var snsProtocols = []string{"Application", "HTTP", "Lambda", "SQS", "Firehose"}

func topicActions() []Spec {
	return []Spec{
		{
			Name: "sns.enable-encryption",
			Description: "Encrypt a topic at rest with a KMS key. Publishers then need to be allowed to use the key: " +
				`with kms_key "create", rectify's key alias/rectify-sns lets the account's IAM policies and the AWS services that ` +
				"publish for the account (EventBridge, CloudWatch alarms, S3 and others) use it. A topic encrypted already is left as it is.",
			Params: []Param{topicParam,
				{Name: "kms_key", Type: String, Default: Create, Description: `the KMS key (key ID or ARN, alias name or ARN), or "create" for rectify's own (alias/rectify-sns); AWS services cannot publish to a topic under the AWS managed key alias/aws/sns`}},
			Reads:  append([]string{"sns:GetTopicAttributes"}, keyReads...),
			Writes: append([]string{"sns:SetTopicAttributes"}, keyWrites...), ExtraPermissions: keyExtra,
			Describe: func(in Input) string {
				return fmt.Sprintf("encrypt SNS topic %s with %s; publishers not allowed to use the key start failing", in.String("topic_arn"), keyWords(in.String("kms_key"), "sns"))
			},
			Run:    enableTopicEncryption,
			Verify: verifyTopicEncryption,
		},
		{
			Name: "sns.enable-delivery-status-logging",
			Description: "Log a topic's delivery status to CloudWatch Logs for the given protocols: success and failure " +
				`feedback roles, and a success sample rate, where they are unset (set ones are kept). role "create" makes ` +
				"rectify's role rectify-sns-delivery-status-logging, which SNS assumes to write the logs.",
			Params: []Param{topicParam,
				{Name: "role", Type: String, Default: Create, Description: `the IAM role (name or ARN) SNS assumes to write the logs, or "create" for rectify's rectify-sns-delivery-status-logging`},
				{Name: "protocols", Type: StringList, Default: snsProtocols, Description: "the protocols to log: Application, HTTP, Lambda, SQS, Firehose"},
				{Name: "success_sample_rate", Type: Int, Default: 0, Description: "the percentage of successful deliveries to log (failures are always logged)"}},
			Reads:  append([]string{"sns:GetTopicAttributes"}, roleReads...),
			Writes: append([]string{"sns:SetTopicAttributes"}, roleWrites...), ExtraPermissions: roleExtra,
			Describe: func(in Input) string {
				return fmt.Sprintf("log the delivery status of SNS topic %s for %s with %s, where unset", in.String("topic_arn"),
					strings.Join(in.StringList("protocols"), ", "), targetWords(in.String("role"), "rectify's IAM role rectify-sns-delivery-status-logging (made if missing)"))
			},
			Run:    enableDeliveryStatusLogging,
			Verify: verifyDeliveryStatusLogging,
		},
		{
			Name: "sqs.enable-encryption",
			Description: "Encrypt a queue at rest: with SSE-SQS (keys SQS manages, nothing for producers to change) unless " +
				"a KMS key is given, in which case producers and consumers must be allowed to use that key. A queue encrypted " +
				"either way is left as it is.",
			Params: []Param{
				{Name: "queue", Type: String, Required: true, Description: "the queue, by URL, ARN or name"},
				{Name: "kms_key", Type: String, Default: "", Description: `the KMS key for SSE-KMS (key ID or ARN, alias name or ARN), "create" for rectify's own (alias/rectify-sqs), or "" for SSE-SQS`},
			},
			Reads:  append([]string{"sqs:GetQueueUrl", "sqs:GetQueueAttributes"}, keyReads...),
			Writes: append([]string{"sqs:SetQueueAttributes"}, keyWrites...), ExtraPermissions: keyExtra,
			Describe: func(in Input) string {
				how := "SSE-SQS"
				if k := in.String("kms_key"); k != "" {
					how = "SSE-KMS with " + keyWords(k, "sqs") + "; producers and consumers not allowed to use the key start failing"
				}
				return fmt.Sprintf("encrypt SQS queue %s in account %s with %s", in.String("queue"), in.Target.Account, how)
			},
			Run:    enableQueueEncryption,
			Verify: verifyQueueEncryption,
		},
	}
}

// topicAttributes returns a topic's attributes, nil if it does not exist.
func topicAttributes(ctx context.Context, cli *sns.Client, arn string) (map[string]string, error) {
	got, err := cli.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	switch {
	case IsNotFound(err, "NotFound"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get attributes of SNS topic %s: %w", arn, err)
	}
	return got.Attributes, nil
}

func topicMissing(arn string) string { return fmt.Sprintf("SNS topic %s does not exist", arn) }

func enableTopicEncryption(ctx context.Context, in Input) (Result, error) {
	arn := in.String("topic_arn")
	cli := sns.NewFromConfig(in.AWS)
	out := map[string]any{"topic_arn": arn, "kms_key": ""}
	attrs, err := topicAttributes(ctx, cli, arn)
	switch {
	case err != nil:
		return Result{}, err
	case attrs == nil:
		return Result{Outcome: NotFound, Message: topicMissing(arn), Output: out}, nil
	case attrs["KmsMasterKeyId"] != "":
		out["kms_key"] = attrs["KmsMasterKeyId"]
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("SNS topic %s is already encrypted with %s", arn, attrs["KmsMasterKeyId"]), Output: out}, nil
	}
	key, note, err := ownedKey(ctx, in, in.String("kms_key"), keySpec{Param: "kms_key", Purpose: "sns", Services: snsKeyServices}, out)
	if err != nil {
		return Result{Output: out}, err
	}
	if _, err := cli.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("KmsMasterKeyId"), AttributeValue: aws.String(key)}); err != nil {
		return Result{Output: out}, fmt.Errorf("encrypt SNS topic %s: %w", arn, err)
	}
	out["kms_key"] = key
	return Result{Outcome: Changed, Message: fmt.Sprintf("encrypted SNS topic %s with %s", arn, note), Output: out}, nil
}

func verifyTopicEncryption(ctx context.Context, in Input, _ Result) error {
	arn := in.String("topic_arn")
	attrs, err := topicAttributes(ctx, sns.NewFromConfig(in.AWS), arn)
	switch {
	case err != nil:
		return err
	case attrs == nil:
		return Mismatch("%s", topicMissing(arn))
	case attrs["KmsMasterKeyId"] == "":
		return Mismatch("SNS topic %s is not encrypted", arn)
	}
	return nil
}

// deliveryLoggingPolicy lets SNS write delivery status logs.
var deliveryLoggingPolicy = func() string {
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{
		"Effect": "Allow", "Resource": "*",
		"Action": []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:PutMetricFilter", "logs:PutRetentionPolicy"},
	}}})
	return string(b)
}()

// missingFeedback returns the delivery status attributes of protocols a
// topic lacks, in order.
func missingFeedback(attrs map[string]string, protocols []string) []string {
	var out []string
	for _, p := range protocols {
		for _, a := range []string{p + "SuccessFeedbackRoleArn", p + "FailureFeedbackRoleArn", p + "SuccessFeedbackSampleRate"} {
			if attrs[a] == "" {
				out = append(out, a)
			}
		}
	}
	return out
}

func enableDeliveryStatusLogging(ctx context.Context, in Input) (Result, error) {
	arn := in.String("topic_arn")
	cli := sns.NewFromConfig(in.AWS)
	out := map[string]any{"topic_arn": arn, "set": []string{}}
	protocols := in.StringList("protocols")
	for _, p := range protocols {
		if !slices.Contains(snsProtocols, p) {
			return Result{}, errParam("sns.enable-delivery-status-logging", "protocols", p, "want some of %s", strings.Join(snsProtocols, ", "))
		}
	}
	if r := in.Int("success_sample_rate"); r < 0 || r > 100 {
		return Result{}, errParam("sns.enable-delivery-status-logging", "success_sample_rate", r, "want a percentage from 0 to 100")
	}
	attrs, err := topicAttributes(ctx, cli, arn)
	switch {
	case err != nil:
		return Result{}, err
	case attrs == nil:
		return Result{Outcome: NotFound, Message: topicMissing(arn), Output: out}, nil
	}
	missing := missingFeedback(attrs, protocols)
	if len(missing) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("SNS topic %s already logs the delivery status of %s", arn, strings.Join(protocols, ", ")), Output: out}, nil
	}
	role, note, err := ownedRole(ctx, in, in.String("role"), roleSpec{Param: "role", Name: "rectify-sns-delivery-status-logging",
		Purpose: "sns-delivery-status-logging", Service: "sns.amazonaws.com", InlinePolicy: deliveryLoggingPolicy}, out)
	if err != nil {
		return Result{Output: out}, err
	}
	var set []string
	for _, a := range missing {
		v := role
		if strings.HasSuffix(a, "SampleRate") {
			v = fmt.Sprint(in.Int("success_sample_rate"))
		}
		if _, err := cli.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String(a), AttributeValue: aws.String(v)}); err != nil {
			return Result{Output: out}, fmt.Errorf("set %s of SNS topic %s (after setting %s): %w", a, arn, strings.Join(set, ", "), err)
		}
		set = append(set, a)
		out["set"] = set
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("turned on delivery status logging of SNS topic %s for %s with %s (%d attributes set, those already set kept)",
		arn, strings.Join(protocols, ", "), note, len(set)), Output: out}, nil
}

func verifyDeliveryStatusLogging(ctx context.Context, in Input, _ Result) error {
	arn := in.String("topic_arn")
	attrs, err := topicAttributes(ctx, sns.NewFromConfig(in.AWS), arn)
	switch {
	case err != nil:
		return err
	case attrs == nil:
		return Mismatch("%s", topicMissing(arn))
	}
	if missing := missingFeedback(attrs, in.StringList("protocols")); len(missing) > 0 {
		return Mismatch("SNS topic %s has no %s", arn, strings.Join(missing, ", "))
	}
	return nil
}

// Queues (SQS.1).

// queueURL returns the URL of a queue named by URL, ARN or name, "" if it
// does not exist.
func queueURL(ctx context.Context, cli *sqs.Client, ref string) (string, error) {
	if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
		return ref, nil
	}
	name, owner := ref, ""
	if a, ok := parseARN(ref); ok {
		if a.Service != "sqs" {
			return "", errParam("sqs.enable-encryption", "queue", ref, "an ARN of %s, not of an SQS queue", a.Service)
		}
		name, owner = a.Resource, a.Account
	}
	q := &sqs.GetQueueUrlInput{QueueName: aws.String(name)}
	if owner != "" {
		q.QueueOwnerAWSAccountId = aws.String(owner)
	}
	got, err := cli.GetQueueUrl(ctx, q)
	switch {
	case IsNotFound(err, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("get URL of SQS queue %s: %w", ref, err)
	}
	return aws.ToString(got.QueueUrl), nil
}

// queueEncryption returns a queue's SSE-SQS setting and KMS key, and
// whether the queue exists.
func queueEncryption(ctx context.Context, cli *sqs.Client, url string) (sqsManaged bool, key string, ok bool, err error) {
	got, err := cli.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{"SqsManagedSseEnabled", "KmsMasterKeyId"}})
	switch {
	case IsNotFound(err, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
		return false, "", false, nil
	case err != nil:
		return false, "", false, fmt.Errorf("get attributes of SQS queue %s: %w", url, err)
	}
	return got.Attributes["SqsManagedSseEnabled"] == "true", got.Attributes["KmsMasterKeyId"], true, nil
}

func enableQueueEncryption(ctx context.Context, in Input) (Result, error) {
	ref := in.String("queue")
	cli := sqs.NewFromConfig(in.AWS)
	out := map[string]any{"queue": ref, "encryption": ""}
	url, err := queueURL(ctx, cli, ref)
	if err != nil {
		return Result{}, err
	}
	managed, key, ok := false, "", url != ""
	if ok {
		if managed, key, ok, err = queueEncryption(ctx, cli, url); err != nil {
			return Result{}, err
		}
	}
	switch {
	case !ok:
		return Result{Outcome: NotFound, Message: fmt.Sprintf("SQS queue %s does not exist", ref), Output: out}, nil
	case managed:
		out["encryption"] = "SSE-SQS"
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("SQS queue %s is already encrypted with SSE-SQS", ref), Output: out}, nil
	case key != "":
		out["encryption"] = "SSE-KMS " + key
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("SQS queue %s is already encrypted with KMS key %s", ref, key), Output: out}, nil
	}
	attrs, how := map[string]string{"SqsManagedSseEnabled": "true"}, "SSE-SQS"
	if k := in.String("kms_key"); k != "" {
		arn, note, err := ownedKey(ctx, in, k, keySpec{Param: "kms_key", Purpose: "sqs", Services: []string{"sns.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com"}}, out)
		if err != nil {
			return Result{Output: out}, err
		}
		attrs, how = map[string]string{"KmsMasterKeyId": arn}, "SSE-KMS with "+note
	}
	if _, err := cli.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs}); err != nil {
		return Result{Output: out}, fmt.Errorf("encrypt SQS queue %s: %w", ref, err)
	}
	out["encryption"] = how
	return Result{Outcome: Changed, Message: fmt.Sprintf("encrypted SQS queue %s with %s", ref, how), Output: out}, nil
}

func verifyQueueEncryption(ctx context.Context, in Input, _ Result) error {
	ref := in.String("queue")
	cli := sqs.NewFromConfig(in.AWS)
	url, err := queueURL(ctx, cli, ref)
	if err != nil {
		return err
	}
	managed, key, ok := false, "", false
	if url != "" {
		if managed, key, ok, err = queueEncryption(ctx, cli, url); err != nil {
			return err
		}
	}
	switch {
	case !ok:
		return Mismatch("SQS queue %s does not exist", ref)
	case !managed && key == "":
		return Mismatch("SQS queue %s is not encrypted", ref)
	}
	return nil
}
