package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/rectify-dev/rectify/internal/awssim"
)

const member = "444455556666"

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestIAMUserAndAccessKeyRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := iam.NewFromConfig(sim.Config(""))

	if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci-deployer")}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	_, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci-deployer")})
	var exists *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("second CreateUser: got %v, want EntityAlreadyExists", err)
	}
	got, err := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ci-deployer")})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if want := "arn:aws:iam::" + awssim.DefaultAccount + ":user/ci-deployer"; aws.ToString(got.User.Arn) != want {
		t.Errorf("user ARN = %s, want %s", aws.ToString(got.User.Arn), want)
	}

	key, err := cli.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci-deployer")})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(secret) != 40 {
		t.Fatalf("access key %q / secret of %d chars: not AWS-shaped", id, len(secret))
	}

	// The new key works, and its use is recorded as last used.
	userSTS := sts.NewFromConfig(sim.ConfigFor(id, secret, ""))
	who, err := userSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity as the user: %v", err)
	}
	if aws.ToString(who.Arn) != aws.ToString(got.User.Arn) {
		t.Errorf("caller = %s, want %s", aws.ToString(who.Arn), aws.ToString(got.User.Arn))
	}
	lu, err := cli.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetAccessKeyLastUsed: %v", err)
	}
	if lu.AccessKeyLastUsed.LastUsedDate == nil || aws.ToString(lu.AccessKeyLastUsed.ServiceName) != "sts" {
		t.Errorf("last used = %+v, want a date and service sts", lu.AccessKeyLastUsed)
	}

	// Deactivated, the key is refused; deleted, it is gone.
	if _, err := cli.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci-deployer"), AccessKeyId: aws.String(id), Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatalf("UpdateAccessKey: %v", err)
	}
	if _, err := userSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("inactive key: got %v, want InvalidClientTokenId", err)
	}
	list, err := cli.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci-deployer")})
	if err != nil || len(list.AccessKeyMetadata) != 1 || list.AccessKeyMetadata[0].Status != iamtypes.StatusTypeInactive {
		t.Fatalf("ListAccessKeys = %+v, %v; want one Inactive key", list, err)
	}
	if _, err := cli.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci-deployer"), AccessKeyId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteAccessKey: %v", err)
	}
	_, err = cli.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci-deployer"), AccessKeyId: aws.String(id)})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("second DeleteAccessKey: got %v, want NoSuchEntity", err)
	}
}

func TestUnknownKeyAndBadSignatureAreRefused(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	_, err := sts.NewFromConfig(sim.ConfigFor("AKIAUNKNOWNUNKNOWN00", "x", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("unknown key: got %v, want InvalidClientTokenId", err)
	}
	id, _ := sim.AdminKeys(awssim.DefaultAccount)
	_, err = sts.NewFromConfig(sim.ConfigFor(id, "wrong-secret", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: got %v, want SignatureDoesNotMatch", err)
	}
}

func trustPolicy(principal, externalID string) string {
	st := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": principal}, "Action": "sts:AssumeRole"}
	if externalID != "" {
		st["Condition"] = map[string]any{"StringEquals": map[string]any{"sts:ExternalId": externalID}}
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
	return string(b)
}

func TestAssumeRoleAcrossAccounts(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	memberIAM := iam.NewFromConfig(sim.Config(member))
	central := "arn:aws:iam::" + awssim.DefaultAccount + ":root"
	if _, err := memberIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("rectify-remediation"),
		AssumeRolePolicyDocument: aws.String(trustPolicy(central, "s3cr3t-ext"))}); err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	roleARN := "arn:aws:iam::" + member + ":role/rectify-remediation"
	if _, err := memberIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("rectify-remediation"), PolicyName: aws.String("read-self"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"` + roleARN + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	role, err := memberIAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("rectify-remediation")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	if !strings.Contains(doc, "s3cr3t-ext") {
		t.Errorf("trust policy not returned URL-encoded as IAM does: %s", aws.ToString(role.Role.AssumeRolePolicyDocument))
	}
	centralSTS := sts.NewFromConfig(sim.Config(""))

	tests := []struct {
		name, roleARN, externalID, wantCode string
	}{
		{"right external id", roleARN, "s3cr3t-ext", ""},
		{"wrong external id", roleARN, "guess", "AccessDenied"},
		{"no external id", roleARN, "", "AccessDenied"},
		{"missing role", "arn:aws:iam::" + member + ":role/nope", "s3cr3t-ext", "AccessDenied"},
		{"role in another account", "arn:aws:iam::999999999999:role/rectify-remediation", "s3cr3t-ext", "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(tt.roleARN), RoleSessionName: aws.String("rectify-run1")}
			if tt.externalID != "" {
				in.ExternalId = aws.String(tt.externalID)
			}
			out, err := centralSTS.AssumeRole(ctx, in)
			if tt.wantCode != "" {
				if apiCode(err) != tt.wantCode {
					t.Fatalf("got %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			cr := out.Credentials
			assumed := sim.ConfigFor(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
			who, err := sts.NewFromConfig(assumed).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("GetCallerIdentity with role credentials: %v", err)
			}
			if want := "arn:aws:sts::" + member + ":assumed-role/rectify-remediation/rectify-run1"; aws.ToString(who.Arn) != want || aws.ToString(who.Account) != member {
				t.Errorf("identity = %s in %s, want %s", aws.ToString(who.Arn), aws.ToString(who.Account), want)
			}
			// The role's credentials act in the member account only.
			if _, err := iam.NewFromConfig(assumed).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("rectify-remediation")}); err != nil {
				t.Errorf("GetRole in the member account with role credentials: %v", err)
			}
			// Without the session token, the key is refused.
			_, err = sts.NewFromConfig(sim.ConfigFor(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if apiCode(err) != "InvalidClientTokenId" {
				t.Errorf("no session token: got %v, want InvalidClientTokenId", err)
			}
		})
	}
}

func TestAccountsAreIsolated(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	if _, err := iam.NewFromConfig(sim.Config(member)).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	_, err := iam.NewFromConfig(sim.Config("")).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("user of another account visible: got %v, want NoSuchEntity", err)
	}
}

func TestExpiredSessionAndRevokedSessions(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	adm := iam.NewFromConfig(sim.Config(""))
	if _, err := adm.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"),
		AssumeRolePolicyDocument: aws.String(trustPolicy(awssim.DefaultAccount, ""))}); err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(sim.Config("")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + awssim.DefaultAccount + ":role/app"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adm.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("list-users"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	roleIAM := iam.NewFromConfig(sim.ConfigFor(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)))
	if _, err := roleIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("role session before revocation: %v", err)
	}

	// Revoke sessions issued before now, as the IAM console's "Revoke
	// active sessions" does.
	sim.Advance(time.Second)
	revoke := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` +
		sim.Now().Format(time.RFC3339) + `"}}}]}`
	if _, err := adm.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("AWSRevokeOlderSessions"), PolicyDocument: aws.String(revoke)}); err != nil {
		t.Fatal(err)
	}
	if _, err := roleIAM.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("revoked session: got %v, want AccessDenied", err)
	}

	sim.Advance(16 * time.Minute)
	if _, err := roleIAM.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "ExpiredToken" {
		t.Errorf("expired session: got %v, want ExpiredToken", err)
	}
}

func TestThrottlingIsRetriedBySDK(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	sim.SetFault("iam", "ListUsers", awssim.Fault{ThrottleRate: 1, Times: 2})
	cfg := sim.Config("")
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = time.Millisecond })
	}
	if _, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("ListUsers with two throttles and the standard retryer: %v", err)
	}
	sim.SetFault("iam", "ListUsers", awssim.Fault{ThrottleRate: 1})
	_, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
	if apiCode(err) != "Throttling" {
		t.Fatalf("persistent throttling: got %v, want Throttling", err)
	}
	if !(retry.ThrottleErrorCode{Codes: retry.DefaultThrottleErrorCodes}).IsErrorThrottle(err).Bool() {
		t.Errorf("the SDK does not classify %v as throttling", err)
	}
	sim.SetFault("iam", "", awssim.Fault{ErrorRate: 1, Times: 1})
	if _, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatalf("one 5xx then success: %v", err)
	}
}

func TestMutatingCallsAreRecordedAndEmitted(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	var mu sync.Mutex
	var events [][]byte
	sim.Subscribe(func(ev []byte) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	})
	cli := iam.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	recs := sim.Trail(awssim.DefaultAccount, "us-east-1")
	if len(recs) != 2 || recs[0].EventName != "CreateUser" || recs[1].EventName != "ListUsers" || !recs[1].ReadOnly {
		t.Fatalf("trail = %+v, want CreateUser then read-only ListUsers", recs)
	}
	if p, _ := recs[0].RequestParameters.(map[string]any); p["userName"] != "carol" {
		t.Errorf("requestParameters = %v, want userName carol", recs[0].RequestParameters)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 1 {
		t.Fatalf("got %d EventBridge events, want 1 (only the mutating call)", len(events))
	}
	var ev struct {
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
		Account    string `json:"account"`
		Detail     struct {
			EventName    string `json:"eventName"`
			UserIdentity struct {
				Type string `json:"type"`
			} `json:"userIdentity"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(events[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != "AWS API Call via CloudTrail" || ev.Source != "aws.iam" || ev.Account != awssim.DefaultAccount || ev.Detail.EventName != "CreateUser" || ev.Detail.UserIdentity.Type != "Root" {
		t.Errorf("event = %+v", ev)
	}
}
