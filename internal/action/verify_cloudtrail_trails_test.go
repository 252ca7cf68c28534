package action

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// cloudtrailTrailScenarios are the scenarios of the trail actions.
var cloudtrailTrailScenarios = map[string]scenario{
	"cloudtrail.enable-log-file-validation": {
		setup: func(w *world) Input { return w.input(map[string]any{"trail": w.trail("main", false)}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := cloudtrail.NewFromConfig(w.cfg).UpdateTrail(w.ctx, &cloudtrail.UpdateTrailInput{Name: aws.String(in.String("trail")), EnableLogFileValidation: aws.Bool(false)})
			w.must(err)
		},
	},
	"cloudtrail.enable-kms-encryption": {
		setup: func(w *world) Input { return w.input(map[string]any{"trail": w.trail("main", false)}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := cloudtrail.NewFromConfig(w.cfg).UpdateTrail(w.ctx, &cloudtrail.UpdateTrailInput{Name: aws.String(in.String("trail")), KmsKeyId: aws.String("")})
			w.must(err)
		},
	},
	"cloudtrail.enable-cloudwatch-logs": {
		setup: func(w *world) Input { return w.input(map[string]any{"trail": w.trail("main", true)}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := cloudtrail.NewFromConfig(w.cfg).UpdateTrail(w.ctx, &cloudtrail.UpdateTrailInput{Name: aws.String(in.String("trail")),
				CloudWatchLogsLogGroupArn: aws.String(""), CloudWatchLogsRoleArn: aws.String("")})
			w.must(err)
		},
	},
	"cloudtrail.ensure-multi-region-trail": {
		setup: func(w *world) Input { return w.input(nil) },
		undo: func(w *world, _ Input, res Result) {
			_, err := cloudtrail.NewFromConfig(w.cfg).StopLogging(w.ctx, &cloudtrail.StopLoggingInput{Name: aws.String(res.Output["trail"].(string))})
			w.must(err)
		},
	},
}

func (w *world) getTrail(name string) *cttypes.Trail {
	w.t.Helper()
	out, err := cloudtrail.NewFromConfig(w.cfg).GetTrail(w.ctx, &cloudtrail.GetTrailInput{Name: aws.String(name)})
	w.must(err)
	return out.Trail
}

// TestTrailActionsWorkFromAnyRegion changes a multi-Region trail from a
// finding in another region: the change is made in its home region.
func TestTrailActionsWorkFromAnyRegion(t *testing.T) {
	w := newWorld(t)
	arn := w.trail("main", true)
	west := func(in *Input) { in.Target.Region, in.AWS = "us-west-2", inRegion(in.AWS, "us-west-2") }
	res, err := w.exec("cloudtrail.enable-log-file-validation", map[string]any{"trail": "main"}, west)
	if err != nil || res.Outcome != Changed || !aws.ToBool(w.getTrail(arn).LogFileValidationEnabled) {
		t.Errorf("Run from us-west-2 = %+v, %v", res, err)
	}
	res, err = w.exec("cloudtrail.enable-log-file-validation", map[string]any{"trail": arn})
	if err != nil || res.Outcome != AlreadyDone {
		t.Errorf("second Run = %+v, %v", res, err)
	}
	res, err = w.exec("cloudtrail.enable-log-file-validation", map[string]any{"trail": "nope"})
	if err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, "does not exist") {
		t.Errorf("missing trail = %+v, %v", res, err)
	}
}

// TestTrailEncryptionKeys covers CloudTrail.2's keys: rectify's own, made
// once and reused; a given key whose policy gains CloudTrail's statements
// and keeps the rest; and keys CloudTrail cannot use.
func TestTrailEncryptionKeys(t *testing.T) {
	w := newWorld(t)
	kc := kms.NewFromConfig(w.cfg)
	res, err := w.exec("cloudtrail.enable-kms-encryption", map[string]any{"trail": w.trail("one", false)})
	if err != nil || res.Outcome != Changed || len(outputStrings(res.Output["created"])) != 1 {
		t.Fatalf("first trail: %+v, %v", res, err)
	}
	key := outputStrings(res.Output["created"])[0]
	if st, err := kc.GetKeyRotationStatus(w.ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(key)}); err != nil || !st.KeyRotationEnabled {
		t.Errorf("rectify's trail key does not rotate: %+v, %v", st, err)
	}
	res, err = w.exec("cloudtrail.enable-kms-encryption", map[string]any{"trail": w.trail("two", false)})
	if err != nil || res.Outcome != Changed || res.Output["created"] != nil || res.Output["kms_key"] != key {
		t.Errorf("second trail: %+v, %v; want rectify's key reused", res, err)
	}

	// A key of the account's own, with a statement of its own.
	own, err := kc.CreateKey(w.ctx, &kms.CreateKeyInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[
{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awssim.DefaultAccount + `:root"},"Action":"kms:*","Resource":"*"},
{"Sid":"Analytics","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awssim.DefaultAccount + `:role/analytics"},"Action":"kms:Decrypt","Resource":"*"}]}`)})
	w.must(err)
	res, err = w.exec("cloudtrail.enable-kms-encryption", map[string]any{"trail": w.trail("three", false), "kms_key": aws.ToString(own.KeyMetadata.KeyId)})
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "RectifyCloudTrailEncrypt") {
		t.Fatalf("own key: %+v, %v", res, err)
	}
	pol, err := kc.GetKeyPolicy(w.ctx, &kms.GetKeyPolicyInput{KeyId: own.KeyMetadata.KeyId, PolicyName: aws.String("default")})
	w.must(err)
	if got := strings.Join(sids(t, aws.ToString(pol.Policy)), ","); got != "Admins,Analytics,RectifyCloudTrailEncrypt,RectifyCloudTrailDescribe" {
		t.Errorf("key policy statements = %s", got)
	}

	// Keys CloudTrail cannot use: nothing changes.
	trail := w.trail("four", false)
	for _, key := range []string{"alias/aws/s3", "alias/none"} {
		mark := w.mark(awssim.DefaultRegion)
		_, err := w.exec("cloudtrail.enable-kms-encryption", map[string]any{"trail": trail, "kms_key": key})
		if err == nil || !strings.Contains(err.Error(), "kms_key") {
			t.Errorf("key %s: %v, want an error naming kms_key", key, err)
		}
		if writes := w.writesSince(awssim.DefaultRegion, mark); len(writes) > 0 {
			t.Errorf("key %s: writes %v", key, writes)
		}
	}
	if k := aws.ToString(w.getTrail(trail).KmsKeyId); k != "" {
		t.Errorf("trail four is encrypted with %s", k)
	}
}

// TestTrailToCloudWatchLogsKeepsTheBucketPolicy checks CloudTrail.5: the
// trail bucket's policy is left exactly as it was (the peer rewrites it),
// rectify's role lists every trail's group, and a role CloudTrail cannot
// use fails the run with what to set.
func TestTrailToCloudWatchLogsKeepsTheBucketPolicy(t *testing.T) {
	w := newWorld(t)
	one, two := w.trail("one", true), w.trail("two", false)
	before := w.bucketPolicy("one-logs")
	res, err := w.exec("cloudtrail.enable-cloudwatch-logs", map[string]any{"trail": one})
	if err != nil || res.Outcome != Changed || len(outputStrings(res.Output["created"])) != 2 {
		t.Fatalf("first trail: %+v, %v", res, err)
	}
	if after := w.bucketPolicy("one-logs"); after != before {
		t.Errorf("bucket policy changed:\n%s\n%s", before, after)
	}
	res, err = w.exec("cloudtrail.enable-cloudwatch-logs", map[string]any{"trail": two})
	if err != nil || res.Outcome != Changed || len(outputStrings(res.Output["created"])) != 1 {
		t.Fatalf("second trail (group created, role reused): %+v, %v", res, err)
	}
	pol, err := w.iam.GetRolePolicy(w.ctx, &iam.GetRolePolicyInput{RoleName: aws.String(TrailLogsRole), PolicyName: aws.String(trailLogsPolicy)})
	w.must(err)
	doc, _ := decodePolicyDocument(aws.ToString(pol.PolicyDocument))
	for _, g := range []string{"rectify-cloudtrail/one", "rectify-cloudtrail/two"} {
		if !strings.Contains(doc, "log-group:"+g+":log-stream:*") {
			t.Errorf("role policy lacks %s: %s", g, doc)
		}
	}
	if tr := w.getTrail(one); !strings.HasSuffix(aws.ToString(tr.CloudWatchLogsLogGroupArn), ":log-group:rectify-cloudtrail/one:*") {
		t.Errorf("trail one = %+v", tr)
	}

	// A role CloudTrail cannot assume: a precise, permanent failure.
	three := w.trail("three", false)
	bad := w.role("not-for-cloudtrail", "ec2.amazonaws.com", "")
	_, err = w.exec("cloudtrail.enable-cloudwatch-logs", map[string]any{"trail": three, "role_arn": bad})
	if err == nil || !strings.Contains(err.Error(), "role_arn") {
		t.Errorf("unusable role: %v", err)
	} else if ok, _ := Retryable(err); ok {
		t.Errorf("unusable role is retryable: %v", err)
	}
	// A log group of rectify's name that is not rectify's.
	w.role("x", "ec2.amazonaws.com", "")
	_, err = w.exec("cloudtrail.enable-cloudwatch-logs", map[string]any{"trail": three, "log_group": "nowhere"})
	if err == nil || !strings.Contains(err.Error(), "log_group") {
		t.Errorf("missing log group: %v", err)
	}
}

// TestMultiRegionTrail covers CloudTrail.1 and CloudTrail.3.
func TestMultiRegionTrail(t *testing.T) {
	t.Run("an existing trail of all management events is enough", func(t *testing.T) {
		w := newWorld(t)
		arn := w.trail("org", true)
		_, err := cloudtrail.NewFromConfig(w.cfg).StartLogging(w.ctx, &cloudtrail.StartLoggingInput{Name: aws.String(arn)})
		w.must(err)
		mark := w.mark(awssim.DefaultRegion)
		res, err := w.exec("cloudtrail.ensure-multi-region-trail", nil)
		if err != nil || res.Outcome != AlreadyDone || len(w.writesSince(awssim.DefaultRegion, mark)) > 0 {
			t.Errorf("Run = %+v, %v; writes %v", res, err, w.writesSince(awssim.DefaultRegion, mark))
		}
	})
	t.Run("a write-only trail is left alone; rectify's trail is added", func(t *testing.T) {
		w := newWorld(t)
		ct := cloudtrail.NewFromConfig(w.cfg)
		arn := w.trail("writes", true)
		_, err := ct.PutEventSelectors(w.ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(arn),
			EventSelectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true)}}})
		w.must(err)
		_, err = ct.StartLogging(w.ctx, &cloudtrail.StartLoggingInput{Name: aws.String(arn)})
		w.must(err)
		res, err := w.exec("cloudtrail.ensure-multi-region-trail", nil)
		if err != nil || res.Outcome != Changed || len(outputStrings(res.Output["created"])) != 2 {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		sel, err := ct.GetEventSelectors(w.ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(arn)})
		w.must(err)
		if sel.EventSelectors[0].ReadWriteType != cttypes.ReadWriteTypeWriteOnly {
			t.Errorf("the team's trail was changed: %+v", sel.EventSelectors)
		}
		tr := w.getTrail(DefaultTrailName)
		if !aws.ToBool(tr.IsMultiRegionTrail) || !aws.ToBool(tr.LogFileValidationEnabled) || !aws.ToBool(tr.IncludeGlobalServiceEvents) {
			t.Errorf("rectify's trail = %+v", tr)
		}
		policy := w.bucketPolicy(aws.ToString(tr.S3BucketName))
		if !strings.Contains(policy, `"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:`+awssim.DefaultAccount+`:trail/`+DefaultTrailName+`"`) {
			t.Errorf("bucket policy does not limit CloudTrail to the trail: %s", policy)
		}
	})
	t.Run("a given bucket's policy gains the statements and keeps the rest", func(t *testing.T) {
		w := newWorld(t)
		_, err := w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("central-logs")})
		w.must(err)
		_, err = w.s3.PutBucketPolicy(w.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("central-logs"), Policy: aws.String(`{"Version":"2012-10-17","Id":"keep-me","Statement":[
{"Sid":"Readers","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awssim.DefaultAccount + `:role/readers"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::central-logs/*"}]}`)})
		w.must(err)
		res, err := w.exec("cloudtrail.ensure-multi-region-trail", map[string]any{"bucket": "central-logs"})
		if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "added RectifyCloudTrailAclCheck") {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		policy := w.bucketPolicy("central-logs")
		if got := strings.Join(sids(t, policy), ","); got != "Readers,RectifyCloudTrailAclCheck,RectifyCloudTrailWrite,RectifyDenyInsecureTransport" || !strings.Contains(policy, `"Id":"keep-me"`) {
			t.Errorf("bucket policy = %s", policy)
		}
	})
	t.Run("rectify's stopped trail is started again, without a new one", func(t *testing.T) {
		w := newWorld(t)
		res, err := w.exec("cloudtrail.ensure-multi-region-trail", nil)
		if err != nil || res.Outcome != Changed {
			t.Fatal(res, err)
		}
		ct := cloudtrail.NewFromConfig(w.cfg)
		_, err = ct.StopLogging(w.ctx, &cloudtrail.StopLoggingInput{Name: aws.String(DefaultTrailName)})
		w.must(err)
		res, err = w.exec("cloudtrail.ensure-multi-region-trail", nil)
		if err != nil || res.Outcome != Changed || res.Output["created"] != nil || !strings.Contains(res.Message, "started logging") {
			t.Errorf("Run = %+v, %v", res, err)
		}
	})
	t.Run("a trail of rectify's name that is not rectify's", func(t *testing.T) {
		w := newWorld(t)
		w.trail(DefaultTrailName, false)
		_, err := w.exec("cloudtrail.ensure-multi-region-trail", nil)
		if err == nil || !strings.Contains(err.Error(), "trail_name") {
			t.Errorf("Run: %v", err)
		}
		if tr := w.getTrail(DefaultTrailName); aws.ToBool(tr.IsMultiRegionTrail) {
			t.Error("the trail was changed")
		}
	})
	t.Run("a named trail of the account is made multi-Region", func(t *testing.T) {
		w := newWorld(t)
		w.trail("audit", false)
		res, err := w.exec("cloudtrail.ensure-multi-region-trail", map[string]any{"trail_name": "audit"})
		if err != nil || res.Outcome != Changed || !aws.ToBool(w.getTrail("audit").IsMultiRegionTrail) {
			t.Errorf("Run = %+v, %v", res, err)
		}
	})
	t.Run("another account's bucket that refuses CloudTrail", func(t *testing.T) {
		w := newWorld(t)
		other := s3.NewFromConfig(w.sim.Config("210987654321"))
		_, err := other.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("their-logs")})
		w.must(err)
		_, err = w.exec("cloudtrail.ensure-multi-region-trail", map[string]any{"bucket": "their-logs"})
		if err == nil || !strings.Contains(err.Error(), "bucket") {
			t.Errorf("Run: %v", err)
		}
		var ve *VerifyError
		if errors.As(err, &ve) {
			t.Errorf("a verification error: %v", err)
		}
	})
}
