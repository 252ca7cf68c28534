package action

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func (w *world) sm() *secretsmanager.Client { return secretsmanager.NewFromConfig(w.cfg) }

// secret makes the secret "prod/db" and returns its ARN.
func (w *world) secret() string {
	out, err := w.sm().CreateSecret(w.ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String("v1")})
	w.must(err)
	return aws.ToString(out.ARN)
}

// rotator makes a Lambda function Secrets Manager may invoke.
func (w *world) rotator() string {
	lc := lambda.NewFromConfig(w.cfg)
	fn, err := lc.CreateFunction(w.ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("rotate-db"), Runtime: lambdatypes.RuntimePython312,
		Role: aws.String("arn:aws:iam::" + awssim.DefaultAccount + ":role/rotator"), Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("PK")}})
	w.must(err)
	_, err = lc.AddPermission(w.ctx, &lambda.AddPermissionInput{FunctionName: aws.String("rotate-db"), StatementId: aws.String("sm"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("secretsmanager.amazonaws.com")})
	w.must(err)
	return aws.ToString(fn.FunctionArn)
}

// rotating makes the secret rotate every days days with the rotator,
// rotated now.
func (w *world) rotating(arn string, days int64) {
	_, err := w.sm().RotateSecret(w.ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String(w.rotator()),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(days)}})
	w.must(err)
}

func (w *world) topic(name string) string {
	out, err := sns.NewFromConfig(w.cfg).CreateTopic(w.ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	w.must(err)
	return aws.ToString(out.TopicArn)
}

func (w *world) topicAttrs(arn string) map[string]string {
	out, err := sns.NewFromConfig(w.cfg).GetTopicAttributes(w.ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	w.must(err)
	return out.Attributes
}

func (w *world) setTopic(arn, name, value string) {
	_, err := sns.NewFromConfig(w.cfg).SetTopicAttributes(w.ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String(name), AttributeValue: aws.String(value)})
	w.must(err)
}

// plainQueue makes a queue "jobs" without server-side encryption.
func (w *world) plainQueue() string {
	out, err := sqs.NewFromConfig(w.cfg).CreateQueue(w.ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs"), Attributes: map[string]string{"SqsManagedSseEnabled": "false"}})
	w.must(err)
	return aws.ToString(out.QueueUrl)
}

// messagingScenarios are the scenarios of the Secrets Manager, SNS and
// SQS actions.
var messagingScenarios = map[string]scenario{
	"secretsmanager.enable-rotation": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"secret": w.secret(), "rotation_lambda": w.rotator()})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.sm().CancelRotateSecret(w.ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(in.String("secret"))})
			w.must(err)
		},
	},
	"secretsmanager.rotate-secret": {
		// A rotation cannot be undone: no undo.
		setup: func(w *world) Input {
			arn := w.secret()
			w.rotating(arn, 30)
			w.sim.Advance(100 * 24 * time.Hour)
			return w.input(map[string]any{"secret": arn})
		},
	},
	"secretsmanager.delete-unused-secret": {
		setup: func(w *world) Input {
			arn := w.secret()
			w.sim.Advance(120 * 24 * time.Hour)
			return w.input(map[string]any{"secret": arn})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.sm().RestoreSecret(w.ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String(in.String("secret"))})
			w.must(err)
		},
	},
	"sns.enable-encryption": {
		setup: func(w *world) Input { return w.input(map[string]any{"topic_arn": w.topic("alerts")}) },
		undo:  func(w *world, in Input, _ Result) { w.setTopic(in.String("topic_arn"), "KmsMasterKeyId", "") },
	},
	"sns.enable-delivery-status-logging": {
		setup: func(w *world) Input { return w.input(map[string]any{"topic_arn": w.topic("alerts")}) },
		undo: func(w *world, in Input, _ Result) {
			w.setTopic(in.String("topic_arn"), "SQSFailureFeedbackRoleArn", "")
		},
	},
	"sqs.enable-encryption": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"queue": "arn:aws:sqs:us-east-1:" + awssim.DefaultAccount + ":" + pathBase(w.plainQueue())})
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := sqs.NewFromConfig(w.cfg).SetQueueAttributes(w.ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(w.sim.URL + "/" + awssim.DefaultAccount + "/jobs"),
				Attributes: map[string]string{"SqsManagedSseEnabled": "false"}})
			w.must(err)
		},
	},
}

func pathBase(u string) string { return u[strings.LastIndexByte(u, '/')+1:] }

// SecretsManager.1: without a rotation function the action fails, names
// the parameter and changes nothing; a secret a service manages needs
// none; a longer schedule is shortened.
func TestEnableRotationNeedsAFunction(t *testing.T) {
	w := newWorld(t)
	arn := w.secret()
	mark := w.markAll()
	_, err := w.do("secretsmanager.enable-rotation", map[string]any{"secret": arn})
	w.expectPermanent(err, "rotation_lambda", "no rotation function", "does not write one")
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes = %v", w.writesAll(mark))
	}
	w.rotating(arn, 365)
	res := w.mustDo("secretsmanager.enable-rotation", map[string]any{"secret": "prod/db"})
	if res.Outcome != Changed || !strings.Contains(res.Message, "every 90 days") || !strings.Contains(res.Message, "was every 365 days") {
		t.Fatalf("Run = %+v", res)
	}
	res, err = w.do("secretsmanager.enable-rotation", map[string]any{"secret": "prod/db", "max_days": 120})
	w.expectOutcome("90 within 120", res, err, AlreadyDone)

	managed, err := w.sim.AddManagedSecret(awssim.DefaultAccount, awssim.DefaultRegion, "rds!db-1", "rds")
	w.must(err)
	_, err = w.sm().CancelRotateSecret(w.ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(managed)})
	w.must(err)
	res = w.mustDo("secretsmanager.enable-rotation", map[string]any{"secret": managed})
	if !strings.Contains(res.Message, "managed by rds") {
		t.Errorf("managed secret: %+v", res)
	}
	res, err = w.do("secretsmanager.enable-rotation", map[string]any{"secret": "missing"})
	w.expectOutcome("missing", res, err, NotFound)
}

// SecretsManager.3: a secret never read is judged by its age (not refused);
// one read recently is left alone.
func TestDeleteUnusedSecret(t *testing.T) {
	w := newWorld(t)
	w.secret()
	w.sim.Advance(10 * 24 * time.Hour)
	_, err := w.sm().GetSecretValue(w.ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
	w.must(err)
	w.sim.Advance(10 * 24 * time.Hour)
	mark := w.markAll()
	res, err := w.do("secretsmanager.delete-unused-secret", map[string]any{"secret": "prod/db"})
	w.expectOutcome("read 10 days ago", res, err, NoOp)
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes = %v", w.writesAll(mark))
	}
	w2 := newWorld(t)
	w2.secret()
	w2.sim.Advance(91 * 24 * time.Hour)
	res = w2.mustDo("secretsmanager.delete-unused-secret", map[string]any{"secret": "prod/db", "recovery_days": 7})
	if res.Outcome != Changed || !strings.Contains(res.Message, "never read") || !strings.Contains(res.Message, "RestoreSecret") {
		t.Fatalf("Run = %+v", res)
	}
	res, err = w2.do("secretsmanager.delete-unused-secret", map[string]any{"secret": "prod/db"})
	w2.expectOutcome("scheduled already", res, err, AlreadyDone)
	_, err = w2.do("secretsmanager.delete-unused-secret", map[string]any{"secret": "prod/db", "recovery_days": 3})
	w2.expectPermanent(err, "recovery_days")
}

// SecretsManager.4: a recent rotation needs nothing; rotation needs to be
// set up.
func TestRotateStaleSecret(t *testing.T) {
	w := newWorld(t)
	arn := w.secret()
	w.rotating(arn, 30)
	res, err := w.do("secretsmanager.rotate-secret", map[string]any{"secret": arn})
	w.expectOutcome("just rotated", res, err, AlreadyDone)
	w2 := newWorld(t)
	w2.secret()
	w2.sim.Advance(200 * 24 * time.Hour)
	_, err = w2.do("secretsmanager.rotate-secret", map[string]any{"secret": "prod/db"})
	w2.expectPermanent(err, "no rotation function", "rotation_lambda")
}

// SNS.1: rectify's key lets the services that publish use it; a topic
// under a key is left alone.
func TestTopicEncryption(t *testing.T) {
	w := newWorld(t)
	topic := w.topic("alerts")
	res := w.mustDo("sns.enable-encryption", map[string]any{"topic_arn": topic})
	if res.Outcome != Changed || len(createdList(res.Output)) != 1 || !strings.Contains(res.Message, "alias/rectify-sns") {
		t.Fatalf("Run = %+v", res)
	}
	pol, err := kms.NewFromConfig(w.cfg).GetKeyPolicy(w.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(createdList(res.Output)[0]), PolicyName: aws.String("default")})
	w.must(err)
	if !strings.Contains(aws.ToString(pol.Policy), "events.amazonaws.com") || !strings.Contains(aws.ToString(pol.Policy), "aws:SourceAccount") {
		t.Errorf("key policy = %s", aws.ToString(pol.Policy))
	}
	other := w.topic("other")
	w.setTopic(other, "KmsMasterKeyId", "alias/team-key")
	res, err = w.do("sns.enable-encryption", map[string]any{"topic_arn": other})
	w.expectOutcome("encrypted already", res, err, AlreadyDone)
	third := w.topic("third")
	res = w.mustDo("sns.enable-encryption", map[string]any{"topic_arn": third, "kms_key": "alias/aws/sns"})
	if len(createdList(res.Output)) != 0 || w.topicAttrs(third)["KmsMasterKeyId"] == "" {
		t.Errorf("with the AWS managed key: %+v", res)
	}
}

// SNS.2: roles already set are kept; only what is missing is set.
func TestDeliveryStatusLoggingKeepsSetRoles(t *testing.T) {
	w := newWorld(t)
	topic := w.topic("alerts")
	_, err := w.iam.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String("team-logging"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	w.must(err)
	own := "arn:aws:iam::" + awssim.DefaultAccount + ":role/team-logging"
	w.setTopic(topic, "HTTPFailureFeedbackRoleArn", own)
	res := w.mustDo("sns.enable-delivery-status-logging", map[string]any{"topic_arn": topic, "protocols": []any{"HTTP", "SQS"}})
	set := outputStrings(res.Output["set"])
	want := []string{"HTTPSuccessFeedbackRoleArn", "HTTPSuccessFeedbackSampleRate", "SQSSuccessFeedbackRoleArn", "SQSFailureFeedbackRoleArn", "SQSSuccessFeedbackSampleRate"}
	if res.Outcome != Changed || !slices.Equal(set, want) {
		t.Fatalf("set %v, want %v (%+v)", set, want, res)
	}
	attrs := w.topicAttrs(topic)
	if attrs["HTTPFailureFeedbackRoleArn"] != own || !strings.HasSuffix(attrs["SQSFailureFeedbackRoleArn"], ":role/rectify-sns-delivery-status-logging") {
		t.Errorf("attributes = %v", attrs)
	}
	res, err = w.do("sns.enable-delivery-status-logging", map[string]any{"topic_arn": topic, "protocols": []any{"HTTP", "SQS"}})
	w.expectOutcome("again", res, err, AlreadyDone)
	_, err = w.do("sns.enable-delivery-status-logging", map[string]any{"topic_arn": topic, "protocols": []any{"SMTP"}})
	w.expectPermanent(err, "protocols")
}

// SQS.1: SSE-SQS by default, needing no key; a queue named by URL or name
// works; a KMS key is used when given.
func TestQueueEncryption(t *testing.T) {
	w := newWorld(t)
	url := w.plainQueue()
	res := w.mustDo("sqs.enable-encryption", map[string]any{"queue": url})
	if res.Outcome != Changed || res.Output["encryption"] != "SSE-SQS" || len(createdList(res.Output)) != 0 {
		t.Fatalf("Run = %+v", res)
	}
	res, err := w.do("sqs.enable-encryption", map[string]any{"queue": "jobs", "kms_key": "create"})
	w.expectOutcome("SSE-SQS already", res, err, AlreadyDone)
	_, err = sqs.NewFromConfig(w.cfg).SetQueueAttributes(w.ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"SqsManagedSseEnabled": "false"}})
	w.must(err)
	res = w.mustDo("sqs.enable-encryption", map[string]any{"queue": "jobs", "kms_key": "create"})
	if len(createdList(res.Output)) != 1 || !strings.Contains(res.Output["encryption"].(string), "alias/rectify-sqs") {
		t.Errorf("with rectify's key: %+v", res)
	}
	res, err = w.do("sqs.enable-encryption", map[string]any{"queue": "missing"})
	w.expectOutcome("missing", res, err, NotFound)
}
