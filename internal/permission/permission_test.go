package permission_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/permission"
)

func TestAction(t *testing.T) {
	for _, tc := range []struct{ svc, op, want string }{
		{iam.ServiceID, "UpdateAccessKey", "iam:UpdateAccessKey"},
		{ec2.ServiceID, "RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"},
		{s3.ServiceID, "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
		{s3.ServiceID, "GetBucketPolicy", "s3:GetBucketPolicy"},
		{s3.ServiceID, "ListObjectsV2", "s3:ListBucket"},
		{s3.ServiceID, "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"},
		{s3control.ServiceID, "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"},
		{securityhub.ServiceID, "BatchUpdateFindings", "securityhub:BatchUpdateFindings"},
		{"CloudWatch Logs", "PutMetricFilter", "logs:PutMetricFilter"},
		{"Config Service", "PutConfigurationRecorder", "config:PutConfigurationRecorder"},
		{"API Gateway", "UpdateStage", "apigateway:PATCH"},
		{"ApiGatewayV2", "GetStage", "apigateway:GET"},
		{"AccessAnalyzer", "UpdateFindings", "access-analyzer:UpdateFindings"},
		{"Resource Groups Tagging API", "GetResources", "tag:GetResources"},
	} {
		got, ok := permission.Action(tc.svc, tc.op)
		if !ok || got != tc.want {
			t.Errorf("Action(%q, %q) = %q, %v; want %q", tc.svc, tc.op, got, ok, tc.want)
		}
	}
	if _, ok := permission.Action("Nonesuch", "Op"); ok {
		t.Error("Action knows a service that does not exist")
	}
}

// mutations counts the simulator's records of calls that changed
// something.
func mutations(sim *awssim.Server) int {
	n := 0
	for _, r := range sim.Trail(sim.Account(), "us-east-1") {
		if !r.ReadOnly {
			n++
		}
	}
	return n
}

func TestGate(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	admin := iam.NewFromConfig(sim.Config(""))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	keyID := key.AccessKey.AccessKeyId

	rules := permission.Rules{Owner: "iam.deactivate-access-key",
		Reads: []string{"iam:ListAccessKeys"}, Writes: []string{"iam:UpdateAccessKey"}, Why: "dry run"}
	var seen []string
	rules.Observe = func(a string) { seen = append(seen, a) }
	before := mutations(sim)

	readOnly := iam.NewFromConfig(permission.Gate(sim.Config(""), rules))
	if _, err := readOnly.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")}); err != nil {
		t.Fatalf("declared read refused: %v", err)
	}
	_, err = readOnly.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: keyID, Status: "Inactive"})
	var denied *permission.DeniedError
	if !errors.As(err, &denied) || !denied.Write || denied.Action != "iam:UpdateAccessKey" || denied.Why != "dry run" {
		t.Fatalf("write under a read-only gate: err = %v, want a DeniedError for the write", err)
	}
	_, err = readOnly.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: keyID})
	if !errors.As(err, &denied) || denied.Write || denied.Action != "iam:DeleteAccessKey" {
		t.Fatalf("undeclared call: err = %v, want a DeniedError for an undeclared operation", err)
	}
	if got := mutations(sim); got != before {
		t.Fatalf("refused calls reached the simulator: %d mutating records, want %d", got, before)
	}

	rules.WritesAllowed = true
	writer := iam.NewFromConfig(permission.Gate(sim.Config(""), rules))
	if _, err := writer.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: keyID, Status: "Inactive"}); err != nil {
		t.Fatalf("declared write with writes allowed: %v", err)
	}
	if _, err := writer.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: keyID}); !errors.As(err, &denied) {
		t.Fatalf("undeclared call with writes allowed: err = %v, want refused", err)
	}
	if got := mutations(sim); got != before+1 {
		t.Fatalf("%d mutating records, want %d", got, before+1)
	}
	want := []string{"iam:ListAccessKeys", "iam:UpdateAccessKey"}
	if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("observed %v, want %v", seen, want)
	}
}

func TestDocument(t *testing.T) {
	p, err := permission.Document([]string{"iam:UpdateAccessKey", "ec2:DescribeSecurityGroupRules", "iam:ListAccessKeys", "iam:UpdateAccessKey", "access-analyzer:GetFinding"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Sid":"AccessAnalyzer","Effect":"Allow","Action":["access-analyzer:GetFinding"],"Resource":["*"]},` +
		`{"Sid":"Ec2","Effect":"Allow","Action":["ec2:DescribeSecurityGroupRules"],"Resource":["*"]},` +
		`{"Sid":"Iam","Effect":"Allow","Action":["iam:ListAccessKeys","iam:UpdateAccessKey"],"Resource":["*"]}]}`
	if got := p.JSON(); got != want {
		t.Errorf("Document:\n got %s\nwant %s", got, want)
	}
	less := p.Without("iam:ListAccessKeys").Without("access-analyzer:GetFinding")
	if got := less.Actions(); len(got) != 2 || got[0] != "ec2:DescribeSecurityGroupRules" || got[1] != "iam:UpdateAccessKey" {
		t.Errorf("Without: actions %v", got)
	}
	if _, err := permission.Document(nil); err == nil {
		t.Error("Document(nil) gave a policy without statements")
	}
	if _, err := permission.Document([]string{"UpdateAccessKey"}); err == nil {
		t.Error("Document accepted an action without a service")
	}
}
