package awssim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestIAMLoginProfile(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := iam.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("alice")}); apiCode(err) != "NoSuchEntity" || !strings.Contains(err.Error(), "Login Profile for User alice") {
		t.Errorf("GetLoginProfile before: %v", err)
	}
	if _, err := cli.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("short")}); apiCode(err) != "PasswordPolicyViolation" {
		t.Errorf("short password: %v", err)
	}
	const password = "correct-horse-battery"
	created, err := cli.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String(password), PasswordResetRequired: true})
	if err != nil || aws.ToString(created.LoginProfile.UserName) != "alice" || !created.LoginProfile.PasswordResetRequired {
		t.Fatalf("CreateLoginProfile = %+v, %v", created, err)
	}
	if _, err := cli.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String(password)}); apiCode(err) != "EntityAlreadyExists" {
		t.Errorf("second CreateLoginProfile: %v", err)
	}
	got, err := cli.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("alice")})
	if err != nil || aws.ToString(got.LoginProfile.UserName) != "alice" || aws.ToTime(got.LoginProfile.CreateDate).IsZero() {
		t.Errorf("GetLoginProfile = %+v, %v", got, err)
	}
	if _, err := cli.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("alice"), PasswordResetRequired: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if got, err := cli.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("alice")}); err != nil || got.LoginProfile.PasswordResetRequired {
		t.Errorf("after UpdateLoginProfile: %+v, %v", got, err)
	}
	if _, err := cli.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}); apiCode(err) != "DeleteConflict" || !strings.Contains(err.Error(), "login profile") {
		t.Errorf("DeleteUser with a login profile: %v", err)
	}
	if _, err := cli.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("alice")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("second DeleteLoginProfile: %v", err)
	}
	if _, err := cli.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("bob")}); apiCode(err) != "NoSuchEntity" || !strings.Contains(err.Error(), "user with name bob") {
		t.Errorf("GetLoginProfile of a missing user: %v", err)
	}
	if _, err := cli.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}); err != nil {
		t.Errorf("DeleteUser without a login profile: %v", err)
	}
	// The activity log never holds the password.
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if strings.Contains(string(sim.EventFor(r)), password) {
			t.Errorf("%s's record holds the password", r.EventName)
		}
	}
}
