package action

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// Helpers shared by the tests of the Security Hub control actions.

// do runs the built-in action name with params in the world's account,
// through its gate, verifying what it changed.
func (w *world) do(name string, params map[string]any) (Result, error) {
	w.t.Helper()
	reg, err := Builtin()
	if err != nil {
		w.t.Fatal(err)
	}
	spec, ok := reg.Lookup(name)
	if !ok {
		w.t.Fatalf("no action %s", name)
	}
	p, err := spec.Check(params)
	if err != nil {
		w.t.Fatal(err)
	}
	return execute(w.t, spec, w.input(p))
}

// mustDo is do that fails the test on an error.
func (w *world) mustDo(name string, params map[string]any) Result {
	w.t.Helper()
	res, err := w.do(name, params)
	if err != nil {
		w.t.Fatalf("%s: %v", name, err)
	}
	return res
}

// markAll returns the position in the activity log of the world's
// account in the regions the tests use, for writesAll.
func (w *world) markAll() int { return len(w.allTrail()) }

func (w *world) allTrail() []awssim.TrailRecord {
	var out []awssim.TrailRecord
	for _, region := range []string{awssim.DefaultRegion, "us-west-2"} {
		out = append(out, w.sim.Trail(awssim.DefaultAccount, region)...)
	}
	return out
}

// writesAll returns the mutating calls that succeeded since mark.
func (w *world) writesAll(mark int) []string {
	var out []string
	for _, r := range w.allTrail()[mark:] {
		if !r.ReadOnly && r.ErrorCode == "" {
			out = append(out, r.EventName)
		}
	}
	return out
}

// expectOutcome fails the test unless res has outcome o and err is nil.
func (w *world) expectOutcome(name string, res Result, err error, o Outcome) {
	w.t.Helper()
	if err != nil || res.Outcome != o {
		w.t.Fatalf("%s = %+v, %v; want %s", name, res, err, o)
	}
}

// expectPermanent fails the test unless err is a permanent failure whose
// text holds every one of words.
func (w *world) expectPermanent(err error, words ...string) {
	w.t.Helper()
	if err == nil {
		w.t.Fatalf("no error, want a permanent failure mentioning %q", words)
	}
	if retry, _ := Retryable(err); retry {
		w.t.Errorf("error %v is retryable, want permanent", err)
	}
	for _, word := range words {
		if !strings.Contains(err.Error(), word) {
			w.t.Errorf("error %q does not mention %q", err, word)
		}
	}
}

// policyOf returns a bucket's policy decoded, nil when it has none.
func (w *world) policyOf(bucket string) map[string]any {
	got, err := w.s3.GetBucketPolicy(w.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if err != nil {
		return nil
	}
	var doc map[string]any
	w.must(json.Unmarshal([]byte(aws.ToString(got.Policy)), &doc))
	return doc
}

// sidsOf returns the Sids of a decoded policy's statements, in order.
func sidsOf(doc map[string]any) []string {
	list, _ := doc["Statement"].([]any)
	var out []string
	for _, s := range list {
		m, _ := s.(map[string]any)
		sid, _ := m["Sid"].(string)
		out = append(out, sid)
	}
	return out
}

func (w *world) putPolicy(bucket, policy string) {
	_, err := w.s3.PutBucketPolicy(w.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)})
	w.must(err)
}

func (w *world) newBucket(name string) string {
	_, err := w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	w.must(err)
	return name
}

// crossAccountPolicy lets account 111122223333 read bucket b.
func crossAccountPolicy(b string) string {
	return `{"Version":"2012-10-17","Id":"kept","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + b + `/*"}]}`
}

// s3ControlScenarios are the scenarios of the S3 actions of the Security
// Hub controls.
var s3ControlScenarios = map[string]scenario{
	"s3.block-account-public-access": {
		setup: func(w *world) Input { return w.input(map[string]any{}) },
		undo: func(w *world, _ Input, _ Result) {
			_, err := s3ControlClient(w.cfg).DeletePublicAccessBlock(w.ctx, &s3control.DeletePublicAccessBlockInput{AccountId: aws.String(awssim.DefaultAccount)})
			w.must(err)
		},
	},
	"s3.enable-default-encryption": {
		setup: func(w *world) Input { return w.input(map[string]any{"bucket": w.bucket(), "kms_key": "create"}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := w.s3.PutBucketEncryption(w.ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(in.String("bucket")),
				ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{
					{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}})
			w.must(err)
		},
	},
	"s3.require-secure-transport": {
		setup: func(w *world) Input {
			b := w.bucket()
			w.putPolicy(b, crossAccountPolicy(b))
			return w.input(map[string]any{"bucket": b})
		},
		undo: func(w *world, in Input, _ Result) {
			w.putPolicy(in.String("bucket"), crossAccountPolicy(in.String("bucket")))
		},
	},
	"s3.deny-external-sensitive-actions": {
		setup: func(w *world) Input {
			b := w.bucket()
			w.putPolicy(b, externalWriterPolicy(b))
			return w.input(map[string]any{"bucket": b})
		},
		undo: func(w *world, in Input, _ Result) {
			w.putPolicy(in.String("bucket"), externalWriterPolicy(in.String("bucket")))
		},
	},
	"s3.enable-access-logging": {
		setup: func(w *world) Input { return w.input(map[string]any{"bucket": w.bucket()}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := w.s3.PutBucketLogging(w.ctx, &s3.PutBucketLoggingInput{Bucket: aws.String(in.String("bucket")), BucketLoggingStatus: &s3types.BucketLoggingStatus{}})
			w.must(err)
		},
	},
	"s3.add-event-notification": {
		setup: func(w *world) Input { return w.input(map[string]any{"bucket": w.bucket()}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := w.s3.PutBucketNotificationConfiguration(w.ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(in.String("bucket")),
				NotificationConfiguration: &s3types.NotificationConfiguration{}})
			w.must(err)
		},
	},
	"s3.add-lifecycle-rule": {
		setup: func(w *world) Input { return w.input(map[string]any{"bucket": w.bucket()}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := w.s3.DeleteBucketLifecycle(w.ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String(in.String("bucket"))})
			w.must(err)
		},
	},
}

// externalWriterPolicy lets account 111122223333 (by ARN) and account
// 444455556666 (by bare ID) change bucket b's ACL, and the owner's own
// role everything.
func externalWriterPolicy(b string) string {
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"PartnerAcl","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/sync","444455556666"]},"Action":["s3:GetObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::` + b + `/*"},` +
		`{"Sid":"Own","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awssim.DefaultAccount + `:role/admin"},"Action":"s3:*","Resource":"arn:aws:s3:::` + b + `"},` +
		`{"Sid":"Logs","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + b + `/*"}]}`
}

// S3.1: only the settings that are off are turned on, at the account
// level; buckets are not touched.
func TestBlockAccountPublicAccessTurnsOnOnlyWhatIsOff(t *testing.T) {
	w := newWorld(t)
	ctl := s3ControlClient(w.cfg)
	_, err := ctl.PutPublicAccessBlock(w.ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(awssim.DefaultAccount),
		PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true),
			BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}})
	w.must(err)
	b := w.bucket()
	mark := w.markAll()
	res := w.mustDo("s3.block-account-public-access", nil)
	if res.Outcome != Changed || res.Message != "turned on BlockPublicPolicy, RestrictPublicBuckets of account "+awssim.DefaultAccount+"'s Block Public Access" {
		t.Fatalf("Run = %+v", res)
	}
	if got := w.writesAll(mark); !slices.Equal(got, []string{"PutAccountPublicAccessBlock"}) {
		t.Errorf("writes = %v, want the account setting alone", got)
	}
	if _, err := w.s3.GetPublicAccessBlock(w.ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b)}); !HasCode(err, codeNoSuchPAB) {
		t.Errorf("the bucket's own Block Public Access was touched: %v", err)
	}
	mark = w.markAll()
	res = w.mustDo("s3.block-account-public-access", nil)
	if res.Outcome != AlreadyDone || len(w.writesAll(mark)) != 0 {
		t.Errorf("second Run = %+v, writes %v", res, w.writesAll(mark))
	}
	// A setting asked as false is never turned off.
	res = w.mustDo("s3.block-account-public-access", map[string]any{"block_public_acls": false})
	if res.Outcome != AlreadyDone {
		t.Errorf("Run with block_public_acls false = %+v", res)
	}
}

// S3.4: SSE-S3 by default; a bucket encrypting by default is left alone;
// a KMS key is found by alias, made once with "create", and a missing one
// is refused naming the parameter.
func TestEnableDefaultEncryption(t *testing.T) {
	w := newWorld(t)
	b := w.bucket()
	mark := w.markAll()
	res, err := w.do("s3.enable-default-encryption", map[string]any{"bucket": b})
	w.expectOutcome("default bucket", res, err, AlreadyDone)
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes on a bucket already encrypted: %v", w.writesAll(mark))
	}
	_, err = w.do("s3.enable-default-encryption", map[string]any{"bucket": b, "kms_key": "alias/missing"})
	w.expectPermanent(err, "kms_key", "alias/missing")

	first, err := w.do("s3.enable-default-encryption", map[string]any{"bucket": b, "kms_key": "create"})
	w.expectOutcome("create", first, err, Changed)
	created := createdList(first.Output)
	if len(created) != 1 || !strings.Contains(first.Message, "alias/rectify-s3") {
		t.Fatalf("created %v, message %q; want one key, named", created, first.Message)
	}
	tags, err := kms.NewFromConfig(w.cfg).ListResourceTags(w.ctx, &kms.ListResourceTagsInput{KeyId: aws.String(created[0])})
	w.must(err)
	var keys []string
	for _, tg := range tags.Tags {
		keys = append(keys, aws.ToString(tg.TagKey)+"="+aws.ToString(tg.TagValue))
	}
	if !slices.Contains(keys, "rectify:managed=true") || !slices.Contains(keys, "rectify:purpose=s3") {
		t.Errorf("key tags = %v", keys)
	}
	// A second bucket reuses rectify's key.
	b2 := w.newBucket("second")
	again, err := w.do("s3.enable-default-encryption", map[string]any{"bucket": b2, "kms_key": "create"})
	w.expectOutcome("create again", again, err, Changed)
	if len(createdList(again.Output)) != 0 || again.Output["kms_key"] != created[0] {
		t.Errorf("second bucket made %v and used %v, want rectify's key %s again", createdList(again.Output), again.Output["kms_key"], created[0])
	}
	// A key of someone else's under rectify's alias is not adopted.
	w2 := newWorld(t)
	kc := kms.NewFromConfig(w2.cfg)
	k, err := kc.CreateKey(w2.ctx, &kms.CreateKeyInput{})
	w2.must(err)
	_, err = kc.CreateAlias(w2.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/rectify-s3"), TargetKeyId: k.KeyMetadata.KeyId})
	w2.must(err)
	_, err = w2.do("s3.enable-default-encryption", map[string]any{"bucket": w2.bucket(), "kms_key": "create"})
	w2.expectPermanent(err, "not rectify's", "kms_key")
}

// S3.5: the deny statement is added beside every other statement and
// element; an equivalent statement under another Sid counts as done.
func TestRequireSecureTransportKeepsThePolicy(t *testing.T) {
	w := newWorld(t)
	b := w.bucket()
	w.putPolicy(b, crossAccountPolicy(b))
	res := w.mustDo("s3.require-secure-transport", map[string]any{"bucket": b})
	doc := w.policyOf(b)
	if res.Outcome != Changed || !slices.Equal(sidsOf(doc), []string{"Partner", "DenyInsecureTransport"}) || doc["Id"] != "kept" {
		t.Fatalf("Run = %+v; policy %v", res, doc)
	}
	// A bucket without a policy gets the statement alone.
	b2 := w.newBucket("no-policy")
	w.mustDo("s3.require-secure-transport", map[string]any{"bucket": b2})
	if got := sidsOf(w.policyOf(b2)); !slices.Equal(got, []string{"DenyInsecureTransport"}) {
		t.Errorf("new policy statements = %v", got)
	}
	// The administrator's own equivalent statement is recognized.
	b3 := w.newBucket("own-deny")
	w.putPolicy(b3, `{"Version":"2012-10-17","Statement":[{"Sid":"TLSOnly","Effect":"Deny","Principal":{"AWS":"*"},"Action":"*","Resource":["arn:aws:s3:::own-deny","arn:aws:s3:::own-deny/*"],"Condition":{"Bool":{"aws:SecureTransport":false}}}]}`)
	mark := w.markAll()
	res, err := w.do("s3.require-secure-transport", map[string]any{"bucket": b3})
	w.expectOutcome("equivalent statement", res, err, AlreadyDone)
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes = %v", w.writesAll(mark))
	}
	res, err = w.do("s3.require-secure-transport", map[string]any{"bucket": "missing-bucket"})
	w.expectOutcome("missing bucket", res, err, NotFound)
}

// S3.6: principals of other accounts, named by ARN or bare ID, are denied
// the sensitive actions; the owner's and services' grants are not.
func TestDenyExternalSensitiveActions(t *testing.T) {
	w := newWorld(t)
	b := w.bucket()
	w.putPolicy(b, externalWriterPolicy(b))
	res := w.mustDo("s3.deny-external-sensitive-actions", map[string]any{"bucket": b})
	got := outputStrings(res.Output["denied_principals"])
	want := []string{"arn:aws:iam::111122223333:role/sync", "arn:aws:iam::444455556666:root"}
	if res.Outcome != Changed || !slices.Equal(got, want) {
		t.Fatalf("Run = %+v; denied %v, want %v", res, got, want)
	}
	if s := sidsOf(w.policyOf(b)); !slices.Equal(s, []string{"PartnerAcl", "Own", "Logs", "DenyOtherAccountsSensitiveActions"}) {
		t.Errorf("statements = %v", s)
	}
	// A policy that grants other accounts only reads needs nothing.
	b2 := w.newBucket("read-only-partner")
	w.putPolicy(b2, crossAccountPolicy(b2))
	res, err := w.do("s3.deny-external-sensitive-actions", map[string]any{"bucket": b2})
	w.expectOutcome("reads only", res, err, AlreadyDone)
}

// S3.9: rectify's log bucket is made once, tagged, in the bucket's region;
// a given log bucket keeps its policy statements and ACL and gains only
// the logging service's statement; self-logging is refused.
func TestEnableAccessLogging(t *testing.T) {
	w := newWorld(t)
	b := w.bucket()
	res := w.mustDo("s3.enable-access-logging", map[string]any{"bucket": b})
	logBucket := "rectify-access-logs-" + awssim.DefaultAccount + "-us-east-1"
	if res.Outcome != Changed || res.Output["target_bucket"] != logBucket || !slices.Equal(createdList(res.Output), []string{"arn:aws:s3:::" + logBucket}) {
		t.Fatalf("Run = %+v", res)
	}
	if s := sidsOf(w.policyOf(logBucket)); !slices.Equal(s, []string{"DenyInsecureTransport", "S3ServerAccessLogs"}) {
		t.Errorf("log bucket policy = %v", s)
	}
	b2 := w.newBucket("second-app")
	res = w.mustDo("s3.enable-access-logging", map[string]any{"bucket": b2})
	if len(createdList(res.Output)) != 0 || res.Output["target_prefix"] != "second-app/" {
		t.Errorf("second bucket: %+v", res)
	}
	if s := sidsOf(w.policyOf(logBucket)); !slices.Equal(s, []string{"DenyInsecureTransport", "S3ServerAccessLogs", "S3ServerAccessLogs2"}) {
		t.Errorf("log bucket policy after a second bucket = %v", s)
	}

	// A log bucket of the user's, with ACLs and a policy of its own.
	w2 := newWorld(t)
	src := w2.bucket()
	target := w2.newBucket("central-logs")
	_, err := w2.s3.PutBucketOwnershipControls(w2.ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(target), OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}})
	w2.must(err)
	_, err = w2.s3.PutBucketAcl(w2.ctx, &s3.PutBucketAclInput{Bucket: aws.String(target), GrantFullControl: aws.String("id=" + ownerCanonicalID(w2)),
		GrantReadACP: aws.String(`uri="http://acs.amazonaws.com/groups/s3/LogDelivery"`)})
	w2.must(err)
	w2.putPolicy(target, crossAccountPolicy(target))
	aclBefore, err := w2.s3.GetBucketAcl(w2.ctx, &s3.GetBucketAclInput{Bucket: aws.String(target)})
	w2.must(err)
	mark := w2.markAll()
	res = w2.mustDo("s3.enable-access-logging", map[string]any{"bucket": src, "target_bucket": target, "target_prefix": "exports/"})
	if res.Outcome != Changed || len(createdList(res.Output)) != 0 {
		t.Fatalf("Run with a target = %+v", res)
	}
	if s := sidsOf(w2.policyOf(target)); !slices.Equal(s, []string{"Partner", "S3ServerAccessLogs"}) {
		t.Errorf("target policy = %v, want its statement kept and the logging statement added", s)
	}
	aclAfter, err := w2.s3.GetBucketAcl(w2.ctx, &s3.GetBucketAclInput{Bucket: aws.String(target)})
	w2.must(err)
	if len(aclAfter.Grants) != len(aclBefore.Grants) {
		t.Errorf("target ACL changed: %d grants, was %d", len(aclAfter.Grants), len(aclBefore.Grants))
	}
	if got := w2.writesAll(mark); !slices.Equal(got, []string{"PutBucketPolicy", "PutBucketLogging"}) {
		t.Errorf("writes = %v", got)
	}
	_, err = w2.do("s3.enable-access-logging", map[string]any{"bucket": target, "target_bucket": target})
	w2.expectPermanent(err, "target_bucket", "log into itself")
	_, err = w2.do("s3.enable-access-logging", map[string]any{"bucket": target, "target_bucket": "no-such-logs"})
	w2.expectPermanent(err, "target_bucket", "does not exist")

	// A bucket with rectify's name that is not rectify's is not used.
	w3 := newWorld(t)
	w3.newBucket("rectify-access-logs-" + awssim.DefaultAccount + "-us-east-1")
	_, err = w3.do("s3.enable-access-logging", map[string]any{"bucket": w3.bucket()})
	w3.expectPermanent(err, "not rectify's", "target_bucket")
}

func ownerCanonicalID(w *world) string {
	acl, err := w.s3.GetBucketAcl(w.ctx, &s3.GetBucketAclInput{Bucket: aws.String("exports")})
	w.must(err)
	return aws.ToString(acl.Owner.ID)
}

// S3.11: the bucket's existing notifications are kept; only the event
// types they do not cover are added; rectify's topic is made once and
// lets S3 publish.
func TestAddEventNotificationKeepsExistingOnes(t *testing.T) {
	w := newWorld(t)
	b := w.bucket()
	q, err := sqs.NewFromConfig(w.cfg).CreateQueue(w.ctx, &sqs.CreateQueueInput{QueueName: aws.String("uploads"),
		Attributes: map[string]string{"Policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}`}})
	w.must(err)
	_ = q
	queueARN := "arn:aws:sqs:us-east-1:" + awssim.DefaultAccount + ":uploads"
	_, err = w.s3.PutBucketNotificationConfiguration(w.ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(b), NotificationConfiguration: &s3types.NotificationConfiguration{
		QueueConfigurations: []s3types.QueueConfiguration{{Id: aws.String("existing"), QueueArn: aws.String(queueARN), Events: []s3types.Event{"s3:ObjectCreated:Put"}}}}})
	w.must(err)
	res := w.mustDo("s3.add-event-notification", map[string]any{"bucket": b, "events": []any{"s3:ObjectCreated:Put", "s3:ObjectRemoved:*"}})
	if res.Outcome != Changed || len(createdList(res.Output)) != 1 {
		t.Fatalf("Run = %+v", res)
	}
	got, err := w.s3.GetBucketNotificationConfiguration(w.ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(b)})
	w.must(err)
	if len(got.QueueConfigurations) != 1 || aws.ToString(got.QueueConfigurations[0].Id) != "existing" || len(got.TopicConfigurations) != 1 ||
		!slices.Equal(eventStrings(got.TopicConfigurations[0].Events), []string{"s3:ObjectRemoved:*"}) {
		t.Errorf("notifications = %+v", got)
	}
	topic := res.Output["topic_arn"].(string)
	attrs, err := sns.NewFromConfig(w.cfg).GetTopicAttributes(w.ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	w.must(err)
	if !strings.Contains(attrs.Attributes["Policy"], "AllowS3EventNotifications") || !strings.Contains(attrs.Attributes["Policy"], "__default_statement_ID") {
		t.Errorf("topic policy = %s, want the default statement kept and S3's added", attrs.Attributes["Policy"])
	}
	// Covered now: nothing more to do. A second bucket reuses the topic.
	mark := w.markAll()
	res, err = w.do("s3.add-event-notification", map[string]any{"bucket": b, "events": []any{"s3:ObjectRemoved:Delete"}})
	w.expectOutcome("covered", res, err, AlreadyDone)
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes = %v", w.writesAll(mark))
	}
	res = w.mustDo("s3.add-event-notification", map[string]any{"bucket": w.newBucket("other")})
	if len(createdList(res.Output)) != 0 || res.Output["topic_arn"] != topic {
		t.Errorf("second bucket = %+v", res)
	}
}

// S3.13: a rule is added beside the existing (disabled) rules; a bucket
// with an enabled rule is left alone.
func TestAddLifecycleRuleKeepsExistingRules(t *testing.T) {
	w := newWorld(t)
	b := w.bucket()
	_, err := w.s3.PutBucketLifecycleConfiguration(w.ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(b), LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
		Rules: []s3types.LifecycleRule{{ID: aws.String("old-tmp"), Status: s3types.ExpirationStatusDisabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(3)}}}}})
	w.must(err)
	res := w.mustDo("s3.add-lifecycle-rule", map[string]any{"bucket": b})
	if res.Outcome != Changed {
		t.Fatalf("Run = %+v", res)
	}
	got, err := w.s3.GetBucketLifecycleConfiguration(w.ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(b)})
	w.must(err)
	if len(got.Rules) != 2 || aws.ToString(got.Rules[0].ID) != "old-tmp" || aws.ToInt32(got.Rules[0].Expiration.Days) != 3 ||
		aws.ToString(got.Rules[1].ID) != "rectify-lifecycle" || got.Rules[1].Expiration != nil ||
		got.Rules[1].Transitions[0].StorageClass != s3types.TransitionStorageClassIntelligentTiering || aws.ToInt64(got.Rules[1].Filter.ObjectSizeGreaterThan) != 131072 {
		t.Errorf("rules = %+v", got.Rules)
	}
	b2 := w.newBucket("has-rule")
	_, err = w.s3.PutBucketLifecycleConfiguration(w.ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(b2), LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
		Rules: []s3types.LifecycleRule{{ID: aws.String("own"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(7)}}}}})
	w.must(err)
	mark := w.markAll()
	res, err = w.do("s3.add-lifecycle-rule", map[string]any{"bucket": b2})
	w.expectOutcome("enabled rule", res, err, AlreadyDone)
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes = %v", w.writesAll(mark))
	}
	_, err = w.do("s3.add-lifecycle-rule", map[string]any{"bucket": w.newBucket("too-soon"), "storage_class": "STANDARD_IA", "transition_days": 10})
	var verr *VerifyError
	if err == nil || errors.As(err, &verr) {
		t.Errorf("a transition S3 refuses: %v, want S3's error", err)
	}
}

// An S3 control action in another partition names that partition in the
// statements it writes.
func TestSecureTransportStatementInGovCloud(t *testing.T) {
	w := newWorld(t)
	b := w.bucket()
	in := w.input(map[string]any{"bucket": b})
	in.Target.Partition = "aws-us-gov"
	reg, _ := Builtin()
	spec, _ := reg.Lookup("s3.require-secure-transport")
	if _, err := execute(t, spec, checked(t, spec, in)); err != nil {
		t.Fatal(err)
	}
	doc := w.policyOf(b)
	raw, _ := json.Marshal(doc)
	if !strings.Contains(string(raw), "arn:aws-us-gov:s3:::exports") || strings.Contains(string(raw), "arn:aws:s3") {
		t.Errorf("policy = %s", raw)
	}
}
