package action

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// Outcomes of the generic actions other than a change: nothing to do, and
// nothing there.
func TestGenericActionOutcomes(t *testing.T) {
	w := newWorld(t)
	user, _ := w.user()
	id, _ := w.instance()
	_, err := w.ec2.StopInstances(w.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	w.must(err)
	missingInstance := "arn:aws:ec2:" + awssim.DefaultRegion + ":" + awssim.DefaultAccount + ":instance/i-0000000000000dead"
	for _, tc := range []struct {
		action  string
		params  map[string]any
		want    Outcome
		message string
	}{
		{"iam.delete-login-profile", map[string]any{"user_name": user}, AlreadyDone, "IAM user ci-deployer has no console password"},
		{"iam.delete-login-profile", map[string]any{"user_name": "nobody"}, NotFound, "IAM user nobody does not exist"},
		{"iam.delete-access-key", map[string]any{"user_name": "nobody", "access_key_id": "AKIAEXAMPLE"}, NotFound, "IAM user nobody does not exist"},
		{"iam.deactivate-access-key", map[string]any{"user_name": user, "access_key_id": "AKIAEXAMPLE"}, NotFound, "IAM user ci-deployer has no access key AKIAEXAMPLE"},
		{"cloudtrail.start-logging", map[string]any{"trail": "no-trail"}, NotFound, "CloudTrail trail no-trail does not exist"},
		{"ec2.stop-instance", map[string]any{"instance_id": id}, AlreadyDone, "is already stopped"},
		{"tag.tag-resource", map[string]any{"resource_arn": missingInstance, "tags": map[string]any{"k": "v"}}, NotFound, missingInstance + " does not exist"},
		{"tag.tag-resource", map[string]any{"resource_arn": "arn:aws:s3:::no-such-bucket", "tags": map[string]any{"k": "v"}}, NotFound, "does not exist"},
	} {
		res, err := runAction(t, w.sim, tc.action, tc.params)
		if err != nil || res.Outcome != tc.want || !strings.Contains(res.Message, tc.message) {
			t.Errorf("%s %v = %+v, %v; want %v with %q", tc.action, tc.params, res, err, tc.want, tc.message)
		}
	}
	_, err = runAction(t, w.sim, "tag.tag-resource", map[string]any{"resource_arn": "i-0abc", "tags": map[string]any{"k": "v"}})
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Param != "resource_arn" {
		t.Errorf("tag.tag-resource of a bare ID: %v, want a parameter error", err)
	}
	// Tagging keeps the resource's other tags.
	arn := "arn:aws:ec2:" + awssim.DefaultRegion + ":" + awssim.DefaultAccount + ":instance/" + id
	for _, tags := range []map[string]any{{"a": "1"}, {"b": "2"}} {
		if res, err := runAction(t, w.sim, "tag.tag-resource", map[string]any{"resource_arn": arn, "tags": tags}); err != nil || res.Outcome != Changed {
			t.Fatalf("tag %v = %+v, %v", tags, res, err)
		}
	}
	d, err := w.ec2.DescribeInstances(w.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	w.must(err)
	var keys []string
	for _, tg := range d.Reservations[0].Instances[0].Tags {
		keys = append(keys, aws.ToString(tg.Key))
	}
	if strings.Join(keys, ",") != "a,b" {
		t.Errorf("instance tags = %v, want a and b", keys)
	}
}
