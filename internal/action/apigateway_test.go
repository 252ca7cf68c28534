package action

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agv2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestExecutionLoggingREST(t *testing.T) {
	w := newWorld(t)
	api := w.restStage(true)
	stage := "arn:aws:apigateway:us-east-1::/restapis/" + api + "/stages/prod"
	res, err := w.run("apigateway.enable-execution-logging", w.input(map[string]any{"stage": stage}))
	if err != nil || res.Outcome != Changed || len(res.Output["created"].([]string)) != 1 || !strings.Contains(res.Message, "CloudWatch Logs role") {
		t.Fatalf("first run = %+v, %v", res, err)
	}
	role, err := w.iam.GetRole(w.ctx, &iam.GetRoleInput{RoleName: aws.String(APIGatewayLogsRole)})
	w.must(err)
	if !iamHasTag(role.Role.Tags, ManagedTag, "true") {
		t.Errorf("the role made is not tagged: %+v", role.Role.Tags)
	}
	pols, err := w.iam.ListAttachedRolePolicies(w.ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(APIGatewayLogsRole)})
	w.must(err)
	if len(pols.AttachedPolicies) != 1 || !strings.HasSuffix(aws.ToString(pols.AttachedPolicies[0].PolicyArn), "AmazonAPIGatewayPushToCloudWatchLogs") {
		t.Errorf("role policies = %+v", pols.AttachedPolicies)
	}

	// A method override at OFF is fixed; one at INFO is accepted and kept;
	// the account's role is not set again.
	w.patchStage(stage, "/~1orders/POST/logging/loglevel", "INFO")
	w.patchStage(stage, "/~1orders/GET/caching/enabled", "true") // a new override, logging OFF
	res, err = w.run("apigateway.enable-execution-logging", w.input(map[string]any{"stage": stage}))
	if err != nil || res.Outcome != Changed || strings.Contains(res.Message, "role") || len(res.Output["changed"].([]string)) != 1 {
		t.Fatalf("second run = %+v, %v", res, err)
	}
	st, err := apigateway.NewFromConfig(w.cfg).GetStage(w.ctx, &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
	w.must(err)
	if l := aws.ToString(st.MethodSettings["~1orders/GET"].LoggingLevel); l != "ERROR" {
		t.Errorf("~1orders/GET logs at %s", l)
	}
	if l := aws.ToString(st.MethodSettings["~1orders/POST"].LoggingLevel); l != "INFO" {
		t.Errorf("~1orders/POST logs at %s, want INFO kept", l)
	}
	if !st.MethodSettings["~1orders/GET"].CachingEnabled {
		t.Error("the caching setting of ~1orders/GET was lost")
	}
}

func TestExecutionLoggingRoleNotRectifys(t *testing.T) {
	w := newWorld(t)
	api := w.restStage(false)
	_, err := w.iam.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String(APIGatewayLogsRole),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		Tags:                     []iamtypes.Tag{{Key: aws.String("owner"), Value: aws.String("platform")}}})
	w.must(err)
	mark := w.mark("us-east-1")
	_, err = w.run("apigateway.enable-execution-logging", w.input(map[string]any{"stage": "/restapis/" + api + "/stages/prod"}))
	wantPermanent(t, err, "set cloudwatch_role")
	if writes := w.writesSince("us-east-1", mark); len(writes) != 0 {
		t.Errorf("writes: %v", writes)
	}
}

func TestExecutionLoggingWebSocket(t *testing.T) {
	w := newWorld(t)
	v2 := apigatewayv2.NewFromConfig(w.cfg)
	api, err := v2.CreateApi(w.ctx, &apigatewayv2.CreateApiInput{Name: aws.String("chat"), ProtocolType: agv2types.ProtocolTypeWebsocket, RouteSelectionExpression: aws.String("$request.body.action")})
	w.must(err)
	for _, route := range []string{"$connect", "send"} {
		_, err := v2.CreateRoute(w.ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String(route)})
		w.must(err)
	}
	_, err = v2.CreateStage(w.ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"),
		DefaultRouteSettings: &agv2types.RouteSettings{DetailedMetricsEnabled: aws.Bool(true), ThrottlingBurstLimit: aws.Int32(50)},
		RouteSettings: map[string]agv2types.RouteSettings{"$connect": {LoggingLevel: agv2types.LoggingLevelOff, ThrottlingBurstLimit: aws.Int32(5)},
			"send": {ThrottlingRateLimit: aws.Float64(2)}}})
	w.must(err)
	stage := "arn:aws:apigateway:us-east-1::/apis/" + aws.ToString(api.ApiId) + "/stages/prod"
	res, err := w.run("apigateway.enable-execution-logging", w.input(map[string]any{"stage": stage, "logging_level": "INFO"}))
	if err != nil || res.Outcome != Changed || len(res.Output["changed"].([]string)) != 2 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	st, err := v2.GetStage(w.ctx, &apigatewayv2.GetStageInput{ApiId: api.ApiId, StageName: aws.String("prod")})
	w.must(err)
	d, c, s := st.DefaultRouteSettings, st.RouteSettings["$connect"], st.RouteSettings["send"]
	if d.LoggingLevel != agv2types.LoggingLevelInfo || !aws.ToBool(d.DetailedMetricsEnabled) || aws.ToInt32(d.ThrottlingBurstLimit) != 50 {
		t.Errorf("default route settings = %+v", d)
	}
	if c.LoggingLevel != agv2types.LoggingLevelInfo || aws.ToInt32(c.ThrottlingBurstLimit) != 5 {
		t.Errorf("$connect = %+v", c)
	}
	if s.LoggingLevel != "" || aws.ToFloat64(s.ThrottlingRateLimit) != 2 {
		t.Errorf("send, which inherits the default, was changed: %+v", s)
	}

	httpAPI, err := v2.CreateApi(w.ctx, &apigatewayv2.CreateApiInput{Name: aws.String("web"), ProtocolType: agv2types.ProtocolTypeHttp})
	w.must(err)
	_, err = v2.CreateStage(w.ctx, &apigatewayv2.CreateStageInput{ApiId: httpAPI.ApiId, StageName: aws.String("$default")})
	w.must(err)
	_, err = w.run("apigateway.enable-execution-logging", w.input(map[string]any{"stage": "/apis/" + aws.ToString(httpAPI.ApiId) + "/stages/$default"}))
	wantPermanent(t, err, "no execution logging")
	missing, err := w.run("apigateway.enable-execution-logging", w.input(map[string]any{"stage": "/apis/nope/stages/prod"}))
	if err != nil || missing.Outcome != NotFound {
		t.Errorf("a missing API = %+v, %v", missing, err)
	}
	_, err = w.run("apigateway.enable-execution-logging", w.input(map[string]any{"stage": "prod"}))
	wantPermanent(t, err, "param stage")
}

func TestEncryptCacheDataPerMethod(t *testing.T) {
	w := newWorld(t)
	api := w.restStage(true)
	stage := "/restapis/" + api + "/stages/prod"
	w.patchStage(stage, "/~1items/GET/caching/enabled", "true")
	w.patchStage(stage, "/~1items/GET/caching/ttlInSeconds", "60")
	res, err := w.run("apigateway.encrypt-cache-data", w.input(map[string]any{"stage": stage}))
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "*/*, ~1items/GET") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	st, err := apigateway.NewFromConfig(w.cfg).GetStage(w.ctx, &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
	w.must(err)
	if m := st.MethodSettings["~1items/GET"]; !m.CacheDataEncrypted || m.CacheTtlInSeconds != 60 || !m.CachingEnabled {
		t.Errorf("~1items/GET = %+v", m)
	}
	_, err = w.run("apigateway.encrypt-cache-data", w.input(map[string]any{"stage": "/apis/abc/stages/prod"}))
	wantPermanent(t, err, "WebSocket")
}
