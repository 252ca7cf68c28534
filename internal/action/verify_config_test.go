package action

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// configScenarios are the scenarios of the AWS Config actions.
var configScenarios = map[string]scenario{
	"config.enable-recording": {
		setup: func(w *world) Input { return w.input(nil) },
		undo: func(w *world, _ Input, res Result) {
			_, err := configservice.NewFromConfig(w.cfg).StopConfigurationRecorder(w.ctx, &configservice.StopConfigurationRecorderInput{
				ConfigurationRecorderName: aws.String(res.Output["recorder"].(string))})
			w.must(err)
		},
	},
}

func (w *world) recorder() (*cfgtypes.ConfigurationRecorder, bool) {
	w.t.Helper()
	cli := configservice.NewFromConfig(w.cfg)
	recs, err := cli.DescribeConfigurationRecorders(w.ctx, &configservice.DescribeConfigurationRecordersInput{})
	w.must(err)
	if len(recs.ConfigurationRecorders) == 0 {
		return nil, false
	}
	st, err := cli.DescribeConfigurationRecorderStatus(w.ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	w.must(err)
	return &recs.ConfigurationRecorders[0], st.ConfigurationRecordersStatus[0].Recording
}

// TestConfigRecording covers Config.1: the service-linked role is created
// when missing (the peer never creates it), an existing recorder keeps its
// name and choices and gains only what falls short, a given bucket's
// policy keeps its statements, and a recording account is not written.
func TestConfigRecording(t *testing.T) {
	t.Run("from nothing: the role, a recorder, a bucket, a channel", func(t *testing.T) {
		w := newWorld(t)
		res, err := w.exec("config.enable-recording", nil)
		if err != nil || res.Outcome != Changed {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		created := outputStrings(res.Output["created"])
		slr := "arn:aws:iam::" + awssim.DefaultAccount + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
		bucket := "rectify-config-" + awssim.DefaultAccount + "-us-east-1"
		if len(created) != 2 || created[0] != slr || created[1] != "arn:aws:s3:::"+bucket {
			t.Errorf("created %v", created)
		}
		rec, recording := w.recorder()
		if aws.ToString(rec.RoleARN) != slr || !rec.RecordingGroup.AllSupported || !rec.RecordingGroup.IncludeGlobalResourceTypes || !recording {
			t.Errorf("recorder = %+v, recording %v", rec, recording)
		}
		mark := w.mark(awssim.DefaultRegion)
		iamMark := w.mark("us-east-1")
		res, err = w.exec("config.enable-recording", nil)
		if err != nil || res.Outcome != AlreadyDone || len(w.writesSince(awssim.DefaultRegion, mark)) > 0 || len(w.iamWritesSince(iamMark)) > 0 {
			t.Errorf("second Run = %+v, %v", res, err)
		}
	})
	t.Run("an existing recorder gains only what falls short", func(t *testing.T) {
		w := newWorld(t)
		role := w.role("config-recorder", "config.amazonaws.com", "")
		cli := configservice.NewFromConfig(w.cfg)
		_, err := cli.PutConfigurationRecorder(w.ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &cfgtypes.ConfigurationRecorder{
			Name: aws.String("audit"), RoleARN: aws.String(role), RecordingGroup: &cfgtypes.RecordingGroup{ResourceTypes: []cfgtypes.ResourceType{cfgtypes.ResourceTypeBucket}}}})
		w.must(err)
		// The SLR exists already: it is used, not created again.
		_, err = w.iam.CreateServiceLinkedRole(w.ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("config.amazonaws.com")})
		w.must(err)
		// A bucket of the account's own whose policy has other statements.
		_, err = w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("audit-config")})
		w.must(err)
		_, err = w.s3.PutBucketPolicy(w.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("audit-config"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
{"Sid":"Auditors","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awssim.DefaultAccount + `:role/auditors"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::audit-config/*"}]}`)})
		w.must(err)
		res, err := w.exec("config.enable-recording", map[string]any{"bucket": "audit-config"})
		if err != nil || res.Outcome != Changed || res.Output["created"] != nil {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		for _, want := range []string{"recorder audit: role", "recorder audit: records all supported resource types", "delivery channel default to bucket audit-config", "started recorder audit"} {
			if !strings.Contains(res.Message, want) {
				t.Errorf("message %q lacks %q", res.Message, want)
			}
		}
		rec, recording := w.recorder()
		if aws.ToString(rec.Name) != "audit" || !isConfigSLR(aws.ToString(rec.RoleARN)) || !rec.RecordingGroup.AllSupported || rec.RecordingGroup.IncludeGlobalResourceTypes || !recording {
			t.Errorf("recorder = %+v, recording %v", rec, recording)
		}
		if got := strings.Join(sids(t, w.bucketPolicy("audit-config")), ","); got != "Auditors,RectifyConfigAclCheck,RectifyConfigWrite,RectifyDenyInsecureTransport" {
			t.Errorf("bucket policy statements = %s", got)
		}
	})
	t.Run("a custom role, and the recording group left alone", func(t *testing.T) {
		w := newWorld(t)
		role := w.role("config-recorder", "config.amazonaws.com", "")
		res, err := w.exec("config.enable-recording", map[string]any{"role": role, "record_all": false})
		if err != nil || res.Outcome != Changed {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		if rec, _ := w.recorder(); aws.ToString(rec.RoleARN) != role {
			t.Errorf("recorder role %s", aws.ToString(rec.RoleARN))
		}
		if _, err := w.iam.GetRole(w.ctx, &iam.GetRoleInput{RoleName: aws.String(configSLR)}); !IsNotFound(err, "NoSuchEntity") {
			t.Errorf("the service-linked role was made though a role was given: %v", err)
		}
		bad := w.role("not-for-config", "ec2.amazonaws.com", "")
		_, err = w.exec("config.enable-recording", map[string]any{"role": bad})
		if err == nil || !strings.Contains(err.Error(), "set role") {
			t.Errorf("a role Config cannot assume: %v", err)
		}
	})
}
