package awssim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// policy returns an identity policy document of the given statements.
func policy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// newUser creates an IAM user in account with the given inline policies
// and returns the configuration of its access key.
func newUser(t *testing.T, sim *awssim.Server, account, name string, policies ...string) aws.Config {
	t.Helper()
	ctx := context.Background()
	adm := iam.NewFromConfig(sim.Config(account))
	if _, err := adm.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	for i, p := range policies {
		if _, err := adm.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name),
			PolicyName: aws.String("p" + itoa(int32(i))), PolicyDocument: aws.String(p)}); err != nil {
			t.Fatalf("PutUserPolicy %s: %v", p, err)
		}
	}
	key, err := adm.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return sim.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
}

// inRegion returns cfg for another region.
func inRegion(cfg aws.Config, region string) aws.Config {
	cfg = cfg.Copy()
	cfg.Region = region
	return cfg
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// checkDenied fails unless err is the refusal code with status, whose
// message contains every one of want.
func checkDenied(t *testing.T, err error, code string, status int, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("allowed; want %s", code)
	}
	if apiCode(err) != code || httpStatus(err) != status {
		t.Fatalf("got %v (HTTP %d), want %s (HTTP %d)", err, httpStatus(err), code, status)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err.Error(), w)
		}
	}
}

func TestIdentityPolicies(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	acct := awssim.DefaultAccount
	adm := iam.NewFromConfig(sim.Config(""))
	for _, u := range []string{"alice", "bob"} {
		if _, err := adm.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	userARN := func(name string) string { return "arn:aws:iam::" + acct + ":user/" + name }
	getUser := func(name string) func(aws.Config) error {
		return func(cfg aws.Config) error {
			_, err := iam.NewFromConfig(cfg).GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
			return err
		}
	}
	listUsers := func(cfg aws.Config) error {
		_, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
		return err
	}
	listRoles := func(cfg aws.Config) error {
		_, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
		return err
	}
	listBuckets := func(cfg aws.Config) error {
		_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
		return err
	}
	describeVpcs := func(region string) func(aws.Config) error {
		return func(cfg aws.Config) error {
			_, err := ec2.NewFromConfig(inRegion(cfg, region)).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
			return err
		}
	}
	callerIdentity := func(cfg aws.Config) error {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	allowAll := `{"Effect":"Allow","Action":"*","Resource":"*"}`

	tests := []struct {
		name     string
		policies []string
		call     func(aws.Config) error
		wantCode string // "" when the call is allowed
		wantMsg  []string
	}{
		{"no policy: denied", nil, listUsers, "AccessDenied",
			[]string{"is not authorized to perform: iam:ListUsers because no identity-based policy allows the iam:ListUsers action"}},
		{"no policy: GetCallerIdentity needs no permission", nil, callerIdentity, "", nil},
		{"allowed by action", []string{policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}`)}, listUsers, "", nil},
		{"another action is not allowed", []string{policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}`)}, listRoles, "AccessDenied",
			[]string{"iam:ListRoles"}},
		{"action names ignore case", []string{policy(`{"Effect":"Allow","Action":"IAM:listusers","Resource":"*"}`)}, listUsers, "", nil},
		{"allowed by wildcard action", []string{policy(`{"Effect":"Allow","Action":"iam:List*","Resource":"*"}`)}, listRoles, "", nil},
		{"? matches one character", []string{policy(`{"Effect":"Allow","Action":"iam:ListRole?","Resource":"*"}`)}, listRoles, "", nil},
		{"wildcard action does not reach further", []string{policy(`{"Effect":"Allow","Action":"iam:List*","Resource":"*"}`)}, getUser("bob"), "AccessDenied", nil},
		{"allowed on the resource's ARN", []string{policy(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"` + userARN("alice") + `"}`)}, getUser("alice"), "", nil},
		{"denied on another resource", []string{policy(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"` + userARN("alice") + `"}`)}, getUser("bob"), "AccessDenied",
			[]string{"iam:GetUser on resource: " + userARN("bob") + " because no identity-based policy allows the iam:GetUser action"}},
		{"resource wildcards", []string{policy(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/b?b*"}`)}, getUser("bob"), "", nil},
		{"an action without resources needs Resource *", []string{policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"arn:aws:iam::*:user/*"}`)}, listUsers, "AccessDenied", nil},
		{"NotAction allows the rest", []string{policy(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}, listBuckets, "", nil},
		{"NotAction leaves out what it names", []string{policy(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}, listUsers, "AccessDenied", nil},
		{"NotResource allows other resources", []string{policy(`{"Effect":"Allow","Action":"iam:GetUser","NotResource":"` + userARN("bob") + `"}`)}, getUser("alice"), "", nil},
		{"NotResource leaves out what it names", []string{policy(`{"Effect":"Allow","Action":"iam:GetUser","NotResource":"` + userARN("bob") + `"}`)}, getUser("bob"), "AccessDenied", nil},
		{"explicit deny wins over allow", []string{policy(allowAll, `{"Effect":"Deny","Action":"iam:GetUser","Resource":"`+userARN("bob")+`"}`)}, getUser("bob"), "AccessDenied",
			[]string{"with an explicit deny in an identity-based policy"}},
		{"a deny of another resource does not apply", []string{policy(allowAll, `{"Effect":"Deny","Action":"iam:GetUser","Resource":"`+userARN("bob")+`"}`)}, getUser("alice"), "", nil},
		{"deny in one policy, allow in another", []string{policy(allowAll), policy(`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`)}, listBuckets, "AccessDenied",
			[]string{"explicit deny"}},
		{"condition holds", []string{policy(`{"Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}`)},
			describeVpcs("eu-west-1"), "", nil},
		{"condition does not hold", []string{policy(`{"Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}`)},
			describeVpcs("us-east-1"), "UnauthorizedOperation", []string{"You are not authorized to perform this operation.", "ec2:DescribeVpcs"}},
		{"StringLike on the user name", []string{policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringLike":{"aws:username":"cand*"}}}`)}, listUsers, "", nil},
		{"an absent key fails a condition", []string{policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2100-01-01T00:00:00Z"}}}`)}, listUsers, "AccessDenied", nil},
		{"IfExists holds for an absent key", []string{policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"DateLessThanIfExists":{"aws:TokenIssueTime":"2000-01-01T00:00:00Z"}}}`)}, listUsers, "", nil},
		{"Null tells an absent key", []string{policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"true"}}}`)}, listUsers, "", nil},
		{"a deny on a date in the future", []string{policy(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2999-01-01T00:00:00Z"}}}`)}, listUsers, "AccessDenied",
			[]string{"explicit deny"}},
		{"an unknown condition key fails closed", []string{policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}`)}, listUsers, "AccessDenied",
			[]string{`condition key "aws:SourceVpc" is not simulated`}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newUser(t, sim, acct, "cand"+itoa(int32(i)), tt.policies...)
			err := tt.call(cfg)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			checkDenied(t, err, tt.wantCode, 403, tt.wantMsg...)
		})
	}
}

func TestIdentityPolicyValidation(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	adm := iam.NewFromConfig(sim.Config(""))
	if _, err := adm.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, doc, want string }{
		{"no resource", policy(`{"Effect":"Allow","Action":"s3:*"}`), "must contain resources"},
		{"no action", policy(`{"Effect":"Allow","Resource":"*"}`), "must contain actions"},
		{"a principal", policy(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), "should not specify a principal"},
		{"Action and NotAction", policy(`{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}`), "both Action and NotAction"},
		{"bad effect", policy(`{"Effect":"Maybe","Action":"s3:*","Resource":"*"}`), "Effect"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := adm.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("p"), PolicyDocument: aws.String(tt.doc)})
			if apiCode(err) != "MalformedPolicyDocument" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want MalformedPolicyDocument saying %q", err, tt.want)
			}
		})
	}
	// Condition values may be booleans and numbers.
	ok := policy(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}`)
	if _, err := adm.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("p"), PolicyDocument: aws.String(ok)}); err != nil {
		t.Errorf("policy with boolean and number condition values: %v", err)
	}
}

func TestManagedPoliciesGroupsAndRoot(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	adm := iam.NewFromConfig(sim.Config(""))
	cfg := newUser(t, sim, awssim.DefaultAccount, "dana")
	user := iam.NewFromConfig(cfg)
	listUsers := func() error {
		_, err := user.ListUsers(ctx, &iam.ListUsersInput{})
		return err
	}
	deleteRole := func() error {
		_, err := user.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("nope")})
		return err
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	created, err := adm.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("list-users"),
		PolicyDocument: aws.String(policy(`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}`))})
	if err != nil {
		t.Fatal(err)
	}
	customer := aws.ToString(created.Policy.Arn)
	const readOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	const admin = "arn:aws:iam::aws:policy/AdministratorAccess"

	steps := []struct {
		name         string
		change       func()
		call         func() error
		wantAllowed  bool
		wantNotFound bool // allowed, and the role does not exist
	}{
		{"nothing attached", func() {}, listUsers, false, false},
		{"customer managed policy attached", func() {
			must(adm.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("dana"), PolicyArn: aws.String(customer)}))
		}, listUsers, true, false},
		{"customer managed policy detached", func() {
			must(adm.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("dana"), PolicyArn: aws.String(customer)}))
		}, listUsers, false, false},
		{"ReadOnlyAccess allows a read", func() {
			must(adm.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("dana"), PolicyArn: aws.String(readOnly)}))
		}, listUsers, true, false},
		{"ReadOnlyAccess refuses a write", func() {}, deleteRole, false, false},
		{"AdministratorAccess allows a write", func() {
			must(adm.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("dana"), PolicyArn: aws.String(admin)}))
		}, deleteRole, true, true},
		{"managed policies detached", func() {
			must(adm.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("dana"), PolicyArn: aws.String(readOnly)}))
			must(adm.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("dana"), PolicyArn: aws.String(admin)}))
		}, listUsers, false, false},
		{"a group's inline policy", func() {
			must(adm.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")}))
			must(adm.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("ops"), PolicyName: aws.String("list"),
				PolicyDocument: aws.String(policy(`{"Effect":"Allow","Action":"iam:List*","Resource":"*"}`))}))
		}, listUsers, false, false},
		{"the user joins the group", func() {
			must(adm.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ops"), UserName: aws.String("dana")}))
		}, listUsers, true, false},
		{"a group's managed policy", func() {
			must(adm.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("ops"), PolicyArn: aws.String(admin)}))
		}, deleteRole, true, true},
		{"a group's explicit deny", func() {
			must(adm.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("ops"), PolicyName: aws.String("no-delete"),
				PolicyDocument: aws.String(policy(`{"Effect":"Deny","Action":"iam:Delete*","Resource":"*"}`))}))
		}, deleteRole, false, false},
		{"the user leaves the group", func() {
			must(adm.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("ops"), UserName: aws.String("dana")}))
		}, listUsers, false, false},
	}
	for _, st := range steps {
		st.change()
		err := st.call()
		switch {
		case st.wantNotFound && apiCode(err) == "NoSuchEntity":
		case st.wantAllowed && !st.wantNotFound && err == nil:
		case !st.wantAllowed && apiCode(err) == "AccessDenied":
		default:
			t.Fatalf("%s: got %v, want allowed %v", st.name, err, st.wantAllowed)
		}
	}

	groups, err := adm.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("dana")})
	if err != nil || len(groups.Groups) != 0 {
		t.Errorf("ListGroupsForUser after leaving = %+v, %v", groups, err)
	}
	got, err := adm.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("ops")})
	if err != nil || aws.ToString(got.Group.Arn) != "arn:aws:iam::"+awssim.DefaultAccount+":group/ops" || len(got.Users) != 0 {
		t.Errorf("GetGroup = %+v, %v", got, err)
	}
	if _, err := adm.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("ops")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("DeleteGroup with policies: %v, want DeleteConflict", err)
	}

	// The account's root credentials need no policy.
	if _, err := adm.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("nope")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("root DeleteRole: %v, want NoSuchEntity (allowed)", err)
	}
}

func TestRoleSessionsAndAssumeRole(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	central := iam.NewFromConfig(sim.Config(""))
	memberIAM := iam.NewFromConfig(sim.Config(member))
	centralRole := "arn:aws:iam::" + awssim.DefaultAccount + ":role/central"
	memberRole := "arn:aws:iam::" + member + ":role/target"
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(central.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("central"), AssumeRolePolicyDocument: aws.String(trustPolicy(awssim.DefaultAccount, ""))}))
	must(memberIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("target"), AssumeRolePolicyDocument: aws.String(trustPolicy(centralRole, ""))}))
	must(central.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("named"), AssumeRolePolicyDocument: aws.String(trustPolicy(centralRole, ""))}))

	out, err := sts.NewFromConfig(sim.Config("")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(centralRole), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	session := sts.NewFromConfig(sim.ConfigFor(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)))
	assume := func(arn string) error {
		_, err := session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("next")})
		return err
	}

	// Across accounts the trust policy is not enough: the session's
	// identity policy must allow sts:AssumeRole on the role.
	checkDenied(t, assume(memberRole), "AccessDenied", 403, "sts:AssumeRole on resource: "+memberRole)
	// In its own account, a trust policy naming the role is enough.
	if err := assume("arn:aws:iam::" + awssim.DefaultAccount + ":role/named"); err != nil {
		t.Errorf("same-account role whose trust names the caller: %v", err)
	}
	must(central.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("central"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(policy(`{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/target"}`))}))
	if err := assume(memberRole); err != nil {
		t.Errorf("cross-account with the identity policy allowing it: %v", err)
	}

	// A session of a deleted role can do nothing.
	must(central.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("central"), PolicyName: aws.String("assume")}))
	must(central.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("central")}))
	checkDenied(t, assume(memberRole), "AccessDenied", 403, "the role central no longer exists")
}

func TestAccessDeniedShapes(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	admin := sim.Config("")
	if _, err := s3.NewFromConfig(admin, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}
	cfg := newUser(t, sim, awssim.DefaultAccount, "nobody")
	acct := awssim.DefaultAccount
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"IAM", func() error {
			_, err := iam.NewFromConfig(cfg).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("nobody"), AccessKeyId: aws.String("AKIAX")})
			return err
		}, "AccessDenied", 403, "User: arn:aws:iam::" + acct + ":user/nobody is not authorized to perform: iam:DeleteAccessKey on resource: arn:aws:iam::" + acct +
			":user/nobody because no identity-based policy allows the iam:DeleteAccessKey action"},
		{"EC2", func() error {
			_, err := ec2.NewFromConfig(cfg).RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String("sg-0123")})
			return err
		}, "UnauthorizedOperation", 403, "You are not authorized to perform this operation. User: arn:aws:iam::" + acct +
			":user/nobody is not authorized to perform: ec2:RevokeSecurityGroupIngress on resource: arn:aws:ec2:us-east-1:" + acct + ":security-group/sg-0123"},
		{"S3", func() error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("logs")})
			return err
		}, "AccessDenied", 403, `s3:GetBucketPolicy on resource: "arn:aws:s3:::logs" because no identity-based policy allows the s3:GetBucketPolicy action`},
		{"S3 by its IAM action name", func() error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("logs")})
			return err
		}, "AccessDenied", 403, "s3:PutBucketPublicAccessBlock"},
		{"Security Hub", func() error {
			_, err := securityhub.NewFromConfig(cfg).GetFindings(ctx, &securityhub.GetFindingsInput{})
			return err
		}, "AccessDeniedException", 403, "securityhub:GetFindings on resource: arn:aws:securityhub:us-east-1:" + acct + ":hub/default"},
		{"Glue", func() error {
			_, err := glue.NewFromConfig(cfg).DeleteDevEndpoint(ctx, &glue.DeleteDevEndpointInput{EndpointName: aws.String("dev")})
			return err
		}, "AccessDeniedException", 400, "glue:DeleteDevEndpoint on resource: arn:aws:glue:us-east-1:" + acct + ":devEndpoint/dev"},
		{"DynamoDB", func() error {
			_, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("runs")})
			return err
		}, "AccessDeniedException", 400, "dynamodb:DescribeTable on resource: arn:aws:dynamodb:us-east-1:" + acct + ":table/runs"},
		{"SNS", func() error {
			_, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:" + acct + ":t"), Message: aws.String("m")})
			return err
		}, "AuthorizationError", 403, "sns:Publish on resource: arn:aws:sns:us-east-1:" + acct + ":t"},
		{"SQS", func() error {
			_, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		}, "AccessDenied", 403, "sqs:ListQueues"},
		{"unnamed resource", func() error {
			_, err := configservice.NewFromConfig(cfg).DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})
			return err
		}, "AccessDeniedException", 400, `the simulator cannot name the resource of config DescribeConfigRules, so only statements with Resource "*" allow it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDenied(t, tt.call(), tt.code, tt.status, tt.msg)
		})
	}
}

func TestUnnamedResourcesFailClosed(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	describe := func(cfg aws.Config) error {
		_, err := configservice.NewFromConfig(cfg).DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})
		return err
	}
	for i, tt := range []struct {
		name    string
		policy  string
		allowed bool
	}{
		{"Resource * allows", policy(`{"Effect":"Allow","Action":"config:DescribeConfigRules","Resource":"*"}`), true},
		{"specific ARNs do not", policy(`{"Effect":"Allow","Action":"config:DescribeConfigRules","Resource":"arn:aws:config:*:*:config-rule/*"}`), false},
		{"NotResource does not", policy(`{"Effect":"Allow","Action":"config:DescribeConfigRules","NotResource":"arn:aws:config:*:*:config-rule/x"}`), false},
		{"a deny naming any resource applies", policy(`{"Effect":"Allow","Action":"*","Resource":"*"}`,
			`{"Effect":"Deny","Action":"config:*","Resource":"arn:aws:config:*:*:config-rule/x"}`), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := describe(newUser(t, sim, awssim.DefaultAccount, "u"+itoa(int32(i)), tt.policy))
			if tt.allowed != (err == nil) {
				t.Errorf("err = %v, want allowed %v", err, tt.allowed)
			}
		})
	}
}

func TestImpliedCreateTags(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	vpc := ec2VPC(t, ec2.NewFromConfig(sim.Config("")), "10.9.0.0/16")
	acct := awssim.DefaultAccount
	create := func(cfg aws.Config, name string, tagged bool) error {
		in := &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String("d"), VpcId: aws.String(vpc)}
		if tagged {
			in.TagSpecifications = tagSpec(ec2types.ResourceTypeSecurityGroup, "purpose", "quarantine")
		}
		_, err := ec2.NewFromConfig(cfg).CreateSecurityGroup(ctx, in)
		return err
	}
	createGroup := `{"Effect":"Allow","Action":"ec2:CreateSecurityGroup","Resource":["arn:aws:ec2:*:*:security-group/*","arn:aws:ec2:*:*:vpc/` + vpc + `"]}`
	tests := []struct {
		name     string
		policies []string
		tagged   bool
		wantMsg  string // "" when allowed
	}{
		{"untagged create needs only its action", []string{policy(createGroup)}, false, ""},
		{"tagged create also needs ec2:CreateTags", []string{policy(createGroup)}, true,
			"ec2:CreateTags on resource: arn:aws:ec2:us-east-1:" + acct + ":security-group/* because no identity-based policy allows the ec2:CreateTags action"},
		{"ec2:CreateTags allowed on create", []string{policy(createGroup,
			`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":"CreateSecurityGroup"}}}`)}, true, ""},
		{"ec2:CreateTags allowed for another create action", []string{policy(createGroup,
			`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":"RunInstances"}}}`)}, true, "ec2:CreateTags"},
		{"the group's VPC must be allowed", []string{policy(`{"Effect":"Allow","Action":["ec2:CreateSecurityGroup","ec2:CreateTags"],"Resource":"arn:aws:ec2:*:*:security-group/*"}`)}, false,
			"ec2:CreateSecurityGroup on resource: arn:aws:ec2:us-east-1:" + acct + ":vpc/" + vpc},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newUser(t, sim, acct, "ec2u"+itoa(int32(i)), tt.policies...)
			err := create(cfg, "g"+itoa(int32(i)), tt.tagged)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			checkDenied(t, err, "UnauthorizedOperation", 403, tt.wantMsg)
		})
	}
}

func TestRefusedAndThrottledCallsAreRecorded(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := newUser(t, sim, awssim.DefaultAccount, "eve")
	events := make(chan []byte, 10)
	sim.Subscribe(func(ev []byte) { events <- ev })
	_, err := iam.NewFromConfig(cfg).DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("eve")})
	checkDenied(t, err, "AccessDenied", 403)

	sim.SetFault("iam", "ListRoles", awssim.Fault{ThrottleRate: 1, Times: 1})
	if _, err := iam.NewFromConfig(sim.Config("")).ListRoles(ctx, &iam.ListRolesInput{}); apiCode(err) != "Throttling" {
		t.Fatalf("throttled ListRoles: %v", err)
	}
	recs := sim.Trail(awssim.DefaultAccount, "us-east-1")
	if len(recs) < 2 {
		t.Fatalf("trail has %d records", len(recs))
	}
	denied, throttled := recs[len(recs)-2], recs[len(recs)-1]
	if denied.EventName != "DeleteUser" || denied.ErrorCode != "AccessDenied" || !strings.Contains(denied.ErrorMessage, "iam:DeleteUser") ||
		denied.UserIdentity.Type != "IAMUser" || denied.UserIdentity.UserName != "eve" {
		t.Errorf("refused call recorded as %+v", denied)
	}
	if p, _ := denied.RequestParameters.(map[string]any); p["userName"] != "eve" {
		t.Errorf("refused call's requestParameters = %v", denied.RequestParameters)
	}
	if throttled.EventName != "ListRoles" || throttled.ErrorCode != "Throttling" || throttled.ErrorMessage != "Rate exceeded" || throttled.UserIdentity.Type != "Root" {
		t.Errorf("throttled call recorded as %+v", throttled)
	}
	// The refused DeleteUser is a mutating call: EventBridge receives it
	// with its errorCode, as from CloudTrail.
	select {
	case ev := <-events:
		if !strings.Contains(string(ev), `"eventName":"DeleteUser"`) || !strings.Contains(string(ev), `"errorCode":"AccessDenied"`) {
			t.Errorf("event %s, want the refused DeleteUser with its errorCode", ev)
		}
	case <-time.After(5 * time.Second):
		t.Error("the refused DeleteUser was not delivered as an event")
	}
}
