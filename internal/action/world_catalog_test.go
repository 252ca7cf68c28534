package action

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// Helpers of the world that the catalog's scenarios share.

// trailBucket makes a bucket whose policy lets CloudTrail deliver the
// world's account's logs to it.
func (w *world) trailBucket(name string) {
	w.t.Helper()
	_, err := w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	w.must(err)
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::%[1]s"},
{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::%[1]s/AWSLogs/%[2]s/*"}]}`,
		name, awssim.DefaultAccount)
	_, err = w.s3.PutBucketPolicy(w.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(policy)})
	w.must(err)
}

// trail makes a trail delivering to a new bucket of its own and returns
// its ARN.
func (w *world) trail(name string, multiRegion bool) string {
	w.t.Helper()
	bucket := name + "-logs"
	w.trailBucket(bucket)
	out, err := cloudtrail.NewFromConfig(w.cfg).CreateTrail(w.ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name),
		S3BucketName: aws.String(bucket), IsMultiRegionTrail: aws.Bool(multiRegion)})
	w.must(err)
	return aws.ToString(out.TrailARN)
}

// exec checks params against the named action and runs it in the world's
// account as the engine does (gated Run, then a read-only Verify when it
// changed something, which must hold). mod, if given, changes the input
// first (its target's region, say).
func (w *world) exec(name string, params map[string]any, mod ...func(*Input)) (Result, error) {
	w.t.Helper()
	reg, err := Builtin()
	if err != nil {
		w.t.Fatal(err)
	}
	spec, ok := reg.Lookup(name)
	if !ok {
		w.t.Fatalf("no action %s", name)
	}
	in := checked(w.t, spec, w.input(params))
	in.Now = w.sim.Now()
	for _, m := range mod {
		m(&in)
	}
	return execute(w.t, spec, in)
}

// mark returns a position in the activity log of the world's account in
// region, for writesSince.
func (w *world) mark(region string) int {
	return len(w.sim.Trail(awssim.DefaultAccount, region))
}

// writesSince returns the mutating calls that succeeded in region since
// mark, as "source:Name".
func (w *world) writesSince(region string, mark int) []string {
	var out []string
	for _, r := range w.sim.Trail(awssim.DefaultAccount, region)[mark:] {
		if !r.ReadOnly && r.ErrorCode == "" {
			out = append(out, strings.TrimSuffix(r.EventSource, ".amazonaws.com")+":"+r.EventName)
		}
	}
	return out
}

// iamWritesSince returns the mutating IAM calls since mark (IAM records in
// us-east-1).
func (w *world) iamWritesSince(mark int) []string {
	var out []string
	for _, s := range w.writesSince("us-east-1", mark) {
		if strings.HasPrefix(s, "iam:") {
			out = append(out, s)
		}
	}
	return out
}

// role makes an IAM role trusted by service, with inline policy doc when
// it is not empty, and returns its ARN.
func (w *world) role(name, service, doc string) string {
	w.t.Helper()
	r, err := w.iam.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`)})
	w.must(err)
	if doc != "" {
		_, err = w.iam.PutRolePolicy(w.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("inline"), PolicyDocument: aws.String(doc)})
		w.must(err)
	}
	return aws.ToString(r.Role.Arn)
}

// loggedTrail makes a logging multi-Region trail that delivers to the log
// group group (created) and returns the group's ARN with ":*".
func (w *world) loggedTrail(name, group string) string {
	w.t.Helper()
	arn := w.trail(name, true)
	_, err := cloudwatchlogs.NewFromConfig(w.cfg).CreateLogGroup(w.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	w.must(err)
	groupARN := "arn:aws:logs:" + awssim.DefaultRegion + ":" + awssim.DefaultAccount + ":log-group:" + group
	role := w.role(name+"-to-logs", "cloudtrail.amazonaws.com", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"`+groupARN+`:log-stream:*"}]}`)
	ct := cloudtrail.NewFromConfig(w.cfg)
	_, err = ct.UpdateTrail(w.ctx, &cloudtrail.UpdateTrailInput{Name: aws.String(arn), CloudWatchLogsLogGroupArn: aws.String(groupARN + ":*"), CloudWatchLogsRoleArn: aws.String(role)})
	w.must(err)
	_, err = ct.StartLogging(w.ctx, &cloudtrail.StartLoggingInput{Name: aws.String(arn)})
	w.must(err)
	return groupARN + ":*"
}

// bucketPolicy returns a bucket's policy, "" if it has none.
func (w *world) bucketPolicy(bucket string) string {
	w.t.Helper()
	out, err := w.s3.GetBucketPolicy(w.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if IsNotFound(err, "NoSuchBucketPolicy") {
		return ""
	}
	w.must(err)
	return aws.ToString(out.Policy)
}

// sids returns the Sids of a policy's statements.
func sids(t *testing.T, doc string) []string {
	t.Helper()
	stmts, _, err := policyStatements(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range stmts {
		sid, _ := s["Sid"].(string)
		out = append(out, sid)
	}
	return out
}
