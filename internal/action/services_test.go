package action

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestRedirectHTTPToHTTPS(t *testing.T) {
	t.Run("redirects the default action and forwarding rules", func(t *testing.T) {
		w := newWorld(t)
		lb, httpL := w.loadBalancer(true, true)
		res, err := w.run("elbv2.redirect-http-to-https", w.input(map[string]any{"load_balancer_arn": lb}))
		if err != nil || res.Outcome != Changed || len(res.Output["changed"].([]string)) != 2 {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		cli := elb.NewFromConfig(w.cfg)
		rules, err := cli.DescribeRules(w.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(httpL)})
		w.must(err)
		for _, r := range rules.Rules {
			a := r.Actions[0]
			if a.Type != elbtypes.ActionTypeEnumRedirect || aws.ToString(a.RedirectConfig.Port) != "443" || a.RedirectConfig.StatusCode != elbtypes.RedirectActionStatusCodeEnumHttp301 ||
				aws.ToString(a.RedirectConfig.Host) != "#{host}" || aws.ToString(a.RedirectConfig.Query) != "#{query}" {
				t.Errorf("rule %s: %+v", aws.ToString(r.RuleArn), a)
			}
		}
		// The HTTPS listener still forwards.
		ls, err := cli.DescribeListeners(w.ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lb)})
		w.must(err)
		for _, l := range ls.Listeners {
			if l.Protocol == elbtypes.ProtocolEnumHttps && l.DefaultActions[0].Type != elbtypes.ActionTypeEnumForward {
				t.Error("the HTTPS listener was changed")
			}
		}
	})
	t.Run("refuses without an HTTPS listener", func(t *testing.T) {
		w := newWorld(t)
		lb, _ := w.loadBalancer(false, true)
		mark := w.mark("us-east-1")
		_, err := w.run("elbv2.redirect-http-to-https", w.input(map[string]any{"load_balancer_arn": lb}))
		wantPermanent(t, err, "no HTTPS listener on port 443")
		if writes := w.writesSince("us-east-1", mark); len(writes) != 0 {
			t.Errorf("writes: %v", writes)
		}
	})
	t.Run("creates no listener where there is no HTTP listener", func(t *testing.T) {
		w := newWorld(t)
		lb, _ := w.loadBalancer(true, false)
		mark := w.mark("us-east-1")
		res, err := w.run("elbv2.redirect-http-to-https", w.input(map[string]any{"load_balancer_arn": lb}))
		if err != nil || res.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
			t.Errorf("Run = %+v, %v, writes %v", res, err, w.writesSince("us-east-1", mark))
		}
	})
	t.Run("leaves rules alone when asked", func(t *testing.T) {
		w := newWorld(t)
		lb, httpL := w.loadBalancer(true, true)
		res, err := w.run("elbv2.redirect-http-to-https", w.input(map[string]any{"load_balancer_arn": lb, "include_rules": false}))
		if err != nil || res.Outcome != Changed {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		rules, err := elb.NewFromConfig(w.cfg).DescribeRules(w.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(httpL)})
		w.must(err)
		if rules.Rules[0].Actions[0].Type != elbtypes.ActionTypeEnumForward {
			t.Error("the rule was redirected with include_rules false")
		}
	})
	t.Run("missing", func(t *testing.T) {
		w := newWorld(t)
		res, err := w.run("elbv2.redirect-http-to-https", w.input(map[string]any{"load_balancer_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"}))
		if err != nil || res.Outcome != NotFound {
			t.Errorf("Run = %+v, %v", res, err)
		}
	})
}

// TestReadonlyRootFilesystemAnyRevision covers revisions of two digits and
// more, which the peer's parsing refuses, and the narrowness of the copy.
func TestReadonlyRootFilesystemAnyRevision(t *testing.T) {
	w := newWorld(t)
	arn := w.taskDefinitions(12)
	if !strings.HasSuffix(arn, ":12") {
		t.Fatalf("last revision %s", arn)
	}
	// An older revision is not copied over the latest one.
	mark := w.mark("us-east-1")
	_, err := w.run("ecs.readonly-root-filesystem", w.input(map[string]any{"task_definition": "api:5"}))
	wantPermanent(t, err, "not the latest active revision")
	if writes := w.writesSince("us-east-1", mark); len(writes) != 0 {
		t.Errorf("writes: %v", writes)
	}

	res, err := w.run("ecs.readonly-root-filesystem", w.input(map[string]any{"task_definition": arn, "deregister_old": true}))
	if err != nil || res.Outcome != Changed || res.Output["new_task_definition"] != "api:13" || !strings.Contains(res.Message, "container(s) app;") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	cli := ecs.NewFromConfig(w.cfg)
	out, err := cli.DescribeTaskDefinition(w.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api:13"), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	w.must(err)
	td := out.TaskDefinition
	if aws.ToString(td.ContainerDefinitions[0].Image) != "api:12" || aws.ToString(td.ContainerDefinitions[0].Environment[0].Value) != "prod" ||
		aws.ToString(td.TaskRoleArn) != "arn:aws:iam::123456789012:role/api-task" || td.NetworkMode != ecstypes.NetworkModeAwsvpc || aws.ToString(td.Cpu) != "256" ||
		len(out.Tags) != 1 || aws.ToString(out.Tags[0].Value) != "api" {
		t.Errorf("the copy lost settings: %+v, tags %+v", td, out.Tags)
	}
	old, err := cli.DescribeTaskDefinition(w.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api:12")})
	w.must(err)
	if old.TaskDefinition.Status != ecstypes.TaskDefinitionStatusInactive {
		t.Errorf("api:12 is %s after deregister_old", old.TaskDefinition.Status)
	}
	// The finding's revision, superseded by the fix, needs nothing more.
	mark = w.mark("us-east-1")
	again, err := w.run("ecs.readonly-root-filesystem", w.input(map[string]any{"task_definition": "api:12"}))
	if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("second run = %+v, %v", again, err)
	}
	missing, err := w.run("ecs.readonly-root-filesystem", w.input(map[string]any{"task_definition": "api:99"}))
	if err != nil || missing.Outcome != NotFound {
		t.Errorf("a missing revision = %+v, %v", missing, err)
	}
	if _, _, err := taskFamilyRevision("api"); err == nil {
		t.Error("a family without a revision was accepted")
	}
}

func TestLambdaPublicStatement(t *testing.T) {
	st := func(doc string) lambdaStatement {
		var s lambdaStatement
		if err := json.Unmarshal([]byte(doc), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name string
		doc  string
		want bool
	}{
		{"anyone", `{"Effect":"Allow","Principal":"*"}`, true},
		{"AWS *", `{"Effect":"Allow","Principal":{"AWS":"*"}}`, true},
		{"an account", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"}}`, false},
		{"deny", `{"Effect":"Deny","Principal":"*"}`, false},
		{"s3 without a source account", `{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::uploads"}}}`, true},
		{"s3 with a source account", `{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::uploads"}}}`, false},
		{"events with a rule ARN", `{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:events:us-east-1:123456789012:rule/nightly"}}}`, false},
		{"anyone within an organization", `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}`, false},
		{"anyone, wildcard account", `{"Effect":"Allow","Principal":"*","Condition":{"StringLike":{"AWS:SourceAccount":"*"}}}`, true},
		{"anyone, if exists", `{"Effect":"Allow","Principal":"*","Condition":{"StringEqualsIfExists":{"AWS:SourceAccount":"123456789012"}}}`, true},
		{"public function URL", `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}`, true},
		{"IAM function URL", `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"}}}`, false},
		{"anyone, unrelated condition", `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}`, true},
	}
	for _, tt := range tests {
		if got, _ := publicStatement(st(tt.doc)); got != tt.want {
			t.Errorf("%s: public = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRemovePublicLambdaAccessKeepsOtherStatements(t *testing.T) {
	w := newWorld(t)
	w.function("thumbs")
	w.permission("thumbs", "public", "*", "", "")
	w.permission("thumbs", "s3-any", "s3.amazonaws.com", "", "")
	w.permission("thumbs", "s3-own", "s3.amazonaws.com", "123456789012", "")
	w.permission("thumbs", "partner", "210987654321", "", "")
	w.permission("thumbs", "url-iam", "*", "", "AWS_IAM")
	res, err := w.run("lambda.remove-public-access", w.input(map[string]any{"function_name": "thumbs"}))
	if err != nil || res.Outcome != Changed {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	removed := res.Output["removed_statements"].([]string)
	slices.Sort(removed)
	if !slices.Equal(removed, []string{"public", "s3-any"}) {
		t.Errorf("removed %v", removed)
	}
	out, err := lambda.NewFromConfig(w.cfg).GetPolicy(w.ctx, &lambda.GetPolicyInput{FunctionName: aws.String("thumbs")})
	w.must(err)
	for _, sid := range []string{"s3-own", "partner", "url-iam"} {
		if !strings.Contains(aws.ToString(out.Policy), `"Sid":"`+sid+`"`) {
			t.Errorf("statement %s was removed", sid)
		}
	}
	w.function("private")
	mark := w.mark("us-east-1")
	none, err := w.run("lambda.remove-public-access", w.input(map[string]any{"function_name": "private"}))
	if err != nil || none.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("a function without a policy = %+v, %v", none, err)
	}
	missing, err := w.run("lambda.remove-public-access", w.input(map[string]any{"function_name": "nope"}))
	if err != nil || missing.Outcome != NotFound {
		t.Errorf("a missing function = %+v, %v", missing, err)
	}
}

func TestDisablePrivilegedModeKeepsTheEnvironment(t *testing.T) {
	w := newWorld(t)
	w.project("build", true)
	res, err := w.run("codebuild.disable-privileged-mode", w.input(map[string]any{"project": "arn:aws:codebuild:us-east-1:123456789012:project/build"}))
	if err != nil || res.Outcome != Changed || strings.Contains(res.Message, "/ci/token") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	p, err := getProject(w.ctx, codebuild.NewFromConfig(w.cfg), "build")
	w.must(err)
	if aws.ToBool(p.Environment.PrivilegedMode) || len(p.Environment.EnvironmentVariables) != 2 || aws.ToString(p.Environment.Image) != "aws/codebuild/standard:7.0" ||
		p.Environment.EnvironmentVariables[1].Type != "PARAMETER_STORE" {
		t.Errorf("environment = %+v", p.Environment)
	}
	missing, err := w.run("codebuild.disable-privileged-mode", w.input(map[string]any{"project": "nope"}))
	if err != nil || missing.Outcome != NotFound {
		t.Errorf("a missing project = %+v, %v", missing, err)
	}
}

func TestServiceActionsNotFound(t *testing.T) {
	w := newWorld(t)
	for name, params := range map[string]map[string]any{
		"ecr.enable-scan-on-push":         {"repository": "nope"},
		"athena.enable-workgroup-metrics": {"workgroup": "nope"},
	} {
		res, err := w.run(name, w.input(params))
		if err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, "does not exist") {
			t.Errorf("%s of a missing resource = %+v, %v", name, res, err)
		}
	}
}

// TestMoveCredentialsToParameterStore checks that the credentials move
// (names matched without regard to case), the rest of the environment
// stays, the service role may read them, and the secret appears in no
// message, output or activity record.
func TestMoveCredentialsToParameterStore(t *testing.T) {
	w := newWorld(t)
	w.credentialProject("deploy")
	res, err := w.run("codebuild.move-credentials-to-parameter-store", w.input(map[string]any{"project": "deploy"}))
	if err != nil || res.Outcome != Changed || len(res.Output["created"].([]string)) != 2 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	b, _ := json.Marshal(res)
	trail, _ := json.Marshal(w.sim.Trail("123456789012", "us-east-1"))
	if strings.Contains(string(b), credentialSecret) || strings.Contains(string(trail), credentialSecret) {
		t.Error("the secret appears in the result or the activity log")
	}
	p, err := getProject(w.ctx, codebuild.NewFromConfig(w.cfg), "deploy")
	w.must(err)
	vars := p.Environment.EnvironmentVariables
	if len(vars) != 3 || vars[1].Type != "PARAMETER_STORE" || aws.ToString(vars[1].Value) != "/rectify/codebuild/deploy/aws_secret_access_key" ||
		aws.ToString(vars[2].Value) != "prod" || aws.ToString(p.Environment.Image) != "aws/codebuild/standard:7.0" {
		t.Errorf("variables = %+v", vars)
	}
	got, err := ssm.NewFromConfig(w.cfg).GetParameter(w.ctx, &ssm.GetParameterInput{Name: aws.String("/rectify/codebuild/deploy/aws_secret_access_key"), WithDecryption: aws.Bool(true)})
	w.must(err)
	if aws.ToString(got.Parameter.Value) != credentialSecret || got.Parameter.Type != "SecureString" {
		t.Errorf("parameter = %+v", got.Parameter)
	}
	pol, err := w.iam.GetRolePolicy(w.ctx, &iam.GetRolePolicyInput{RoleName: aws.String("deploy-build"), PolicyName: aws.String("rectify-codebuild-parameters-deploy")})
	w.must(err)
	if doc, _ := url.QueryUnescape(aws.ToString(pol.PolicyDocument)); !strings.Contains(doc, "parameter/rectify/codebuild/deploy/*") {
		t.Errorf("role policy = %s", doc)
	}
	mark := w.mark("us-east-1")
	again, err := w.run("codebuild.move-credentials-to-parameter-store", w.input(map[string]any{"project": "deploy"}))
	if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("second run = %+v, %v", again, err)
	}
}

func TestMoveCredentialsRefusesOthersParameters(t *testing.T) {
	w := newWorld(t)
	w.credentialProject("deploy")
	// A parameter of the name that someone else made, with another value.
	_, err := ssm.NewFromConfig(w.cfg).PutParameter(w.ctx, &ssm.PutParameterInput{Name: aws.String("/rectify/codebuild/deploy/AWS_ACCESS_KEY_ID"),
		Value: aws.String("something else"), Type: ssmtypes.ParameterTypeSecureString})
	w.must(err)
	_, err = w.run("codebuild.move-credentials-to-parameter-store", w.input(map[string]any{"project": "deploy"}))
	wantPermanent(t, err, "parameter_prefix")
	p, err := getProject(w.ctx, codebuild.NewFromConfig(w.cfg), "deploy")
	w.must(err)
	if p.Environment.EnvironmentVariables[0].Type == "PARAMETER_STORE" {
		t.Error("the project was changed although a parameter could not be written")
	}
	// Elsewhere, under another prefix, it works.
	res, err := w.run("codebuild.move-credentials-to-parameter-store", w.input(map[string]any{"project": "deploy", "parameter_prefix": "/ci/"}))
	if err != nil || res.Outcome != Changed {
		t.Errorf("another prefix = %+v, %v", res, err)
	}
}
