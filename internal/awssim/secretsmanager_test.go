package awssim_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestSecretsManagerRotation(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := secretsmanager.NewFromConfig(cfg)
	out, err := cli.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String(`{"password":"hunter2"}`),
		Tags: []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	if !strings.Contains(aws.ToString(out.ARN), ":secret:prod/db-") || aws.ToString(out.VersionId) == "" {
		t.Errorf("CreateSecret = %+v", out)
	}
	if _, err := cli.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db")}); apiCode(err) != "ResourceExistsException" {
		t.Errorf("a second secret of the same name: %v", err)
	}
	// No rotation function yet.
	_, err = cli.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("prod/db"), RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}})
	if apiCode(err) != "InvalidRequestException" {
		t.Fatalf("rotation without a function: %v", err)
	}
	lc := lambda.NewFromConfig(cfg)
	fn, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("rotate-db"), Runtime: lambdatypes.RuntimePython312,
		Role: aws.String("arn:aws:iam::" + awssim.DefaultAccount + ":role/rotator"), Handler: aws.String("index.handler"),
		Code: &lambdatypes.FunctionCode{ZipFile: []byte("PK")}})
	if err != nil {
		t.Fatal(err)
	}
	rotate := &secretsmanager.RotateSecretInput{SecretId: out.ARN, RotationLambdaARN: fn.FunctionArn,
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}, RotateImmediately: aws.Bool(false)}
	if _, err := cli.RotateSecret(ctx, rotate); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("a function whose policy does not let Secrets Manager invoke it: %v", err)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("rotate-db"), StatementId: aws.String("sm"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("secretsmanager.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	r, err := cli.RotateSecret(ctx, rotate)
	if err != nil || r.VersionId != nil {
		t.Fatalf("RotateSecret(not immediately) = %+v, %v", r, err)
	}
	d, err := cli.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	if err != nil || !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != aws.ToString(fn.FunctionArn) ||
		aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) != 30 || d.LastRotatedDate != nil || d.NextRotationDate == nil {
		t.Fatalf("DescribeSecret after scheduling rotation = %+v, %v", d, err)
	}
	sim.Advance(24 * time.Hour)
	r, err = cli.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("prod/db")})
	if err != nil || r.VersionId == nil {
		t.Fatalf("RotateSecret(now) = %+v, %v", r, err)
	}
	d, _ = cli.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	if d.LastRotatedDate == nil || len(d.VersionIdsToStages) != 2 || strings.Join(d.VersionIdsToStages[aws.ToString(r.VersionId)], ",") != "AWSCURRENT" {
		t.Fatalf("after rotating = %+v", d)
	}
	if _, err := cli.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("prod/db")}); err != nil {
		t.Fatal(err)
	}
	d, _ = cli.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	if aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) == "" {
		t.Errorf("after CancelRotateSecret = %+v (rotation off, the function kept)", d)
	}
	_, err = cli.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("prod/db"),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30), ScheduleExpression: aws.String("rate(10 days)")}})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("days and a schedule together: %v", err)
	}

	// A secret another service manages rotates without a function.
	arn, err := sim.AddManagedSecret(awssim.DefaultAccount, awssim.DefaultRegion, "rds!db-1", "rds")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Errorf("rotating a managed secret: %v", err)
	}

	// The activity log never holds a secret value.
	for _, rec := range sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion) {
		b, _ := json.Marshal(rec)
		if strings.Contains(string(b), "hunter2") {
			t.Errorf("%s record holds the secret value: %s", rec.EventName, b)
		}
	}
}

func TestSecretsManagerAccessAndDeletion(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := secretsmanager.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("old"), SecretString: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	d, _ := cli.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("old")})
	if d.LastAccessedDate != nil {
		t.Fatalf("a secret never read has LastAccessedDate %v", d.LastAccessedDate)
	}
	v, err := cli.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("old")})
	if err != nil || aws.ToString(v.SecretString) != "v1" {
		t.Fatalf("GetSecretValue = %+v, %v", v, err)
	}
	d, _ = cli.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("old")})
	if d.LastAccessedDate == nil || !d.LastAccessedDate.Equal(sim.Now().UTC().Truncate(24*time.Hour)) {
		t.Fatalf("LastAccessedDate = %v, want the day of access", d.LastAccessedDate)
	}
	if _, err := cli.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("old"), RecoveryWindowInDays: aws.Int64(3)}); apiCode(err) != "InvalidParameterException" {
		t.Fatalf("a recovery window of 3 days: %v", err)
	}
	del, err := cli.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("old"), RecoveryWindowInDays: aws.Int64(30)})
	if err != nil || del.DeletionDate == nil || del.DeletionDate.Sub(sim.Now()) < 29*24*time.Hour {
		t.Fatalf("DeleteSecret = %+v, %v", del, err)
	}
	if _, err := cli.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("old")}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("reading a secret scheduled for deletion: %v", err)
	}
	if _, err := cli.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("old")}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("deleting it again: %v", err)
	}
	d, err = cli.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("old")})
	if err != nil || d.DeletedDate == nil {
		t.Fatalf("DescribeSecret of a deleted secret = %+v, %v", d, err)
	}
	list, err := cli.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 0 {
		t.Errorf("ListSecrets without planned deletions = %+v, %v", list, err)
	}
	list, err = cli.ListSecrets(ctx, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
	if err != nil || len(list.SecretList) != 1 {
		t.Errorf("ListSecrets with planned deletions = %+v, %v", list, err)
	}
	if _, err := cli.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("old")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("old")}); err != nil {
		t.Errorf("reading a restored secret: %v", err)
	}
	if _, err := cli.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("missing")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("a missing secret: %v", err)
	}
}
