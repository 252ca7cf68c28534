package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agv2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func replace(path, value string) agtypes.PatchOperation {
	return agtypes.PatchOperation{Op: agtypes.OpReplace, Path: aws.String(path), Value: aws.String(value)}
}

// apigatewayRole makes a role API Gateway may assume and returns its ARN.
func apigatewayRole(t *testing.T, cli *iam.Client, service string) string {
	t.Helper()
	out, err := cli.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("apigw-logs-" + service[:3]),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Role.Arn)
}

func TestAPIGatewayRESTStages(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := apigateway.NewFromConfig(cfg)
	api, err := cli.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	dep, err := cli.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CreateStage(ctx, &apigateway.CreateStageInput{RestApiId: api.Id, StageName: aws.String("prod"), DeploymentId: dep.Id, CacheClusterEnabled: true}); err != nil {
		t.Fatal(err)
	}
	_, err = cli.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("prod"),
		PatchOperations: []agtypes.PatchOperation{replace("/*/*/logging/loglevel", "INFO")}})
	wantCode(t, "execution logging without the account's role", err, "BadRequestException")

	wrong := apigatewayRole(t, iam.NewFromConfig(cfg), "ec2.amazonaws.com")
	_, err = cli.UpdateAccount(ctx, &apigateway.UpdateAccountInput{PatchOperations: []agtypes.PatchOperation{replace("/cloudwatchRoleArn", wrong)}})
	wantCode(t, "a role API Gateway cannot assume", err, "BadRequestException")
	role := apigatewayRole(t, iam.NewFromConfig(cfg), "apigateway.amazonaws.com")
	if _, err := cli.UpdateAccount(ctx, &apigateway.UpdateAccountInput{PatchOperations: []agtypes.PatchOperation{replace("/cloudwatchRoleArn", role)}}); err != nil {
		t.Fatal(err)
	}
	acct, err := cli.GetAccount(ctx, &apigateway.GetAccountInput{})
	if err != nil || aws.ToString(acct.CloudwatchRoleArn) != role {
		t.Fatalf("GetAccount = %+v, %v", acct, err)
	}
	if _, err := cli.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("prod"), PatchOperations: []agtypes.PatchOperation{
		replace("/*/*/logging/loglevel", "ERROR"), replace("/~1pets/GET/caching/enabled", "true"), replace("/~1pets/GET/caching/dataEncrypted", "false")}}); err != nil {
		t.Fatal(err)
	}
	st, err := cli.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api.Id, StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	all, pets := st.MethodSettings["*/*"], st.MethodSettings["~1pets/GET"]
	if aws.ToString(all.LoggingLevel) != "ERROR" || !pets.CachingEnabled || pets.CacheDataEncrypted || aws.ToString(pets.LoggingLevel) != "OFF" || !st.CacheClusterEnabled {
		t.Errorf("method settings = %+v / %+v", all, pets)
	}
	_, err = cli.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("prod"), PatchOperations: []agtypes.PatchOperation{replace("/*/*/logging/loglevel", "DEBUG")}})
	wantCode(t, "an unknown log level", err, "BadRequestException")
	_, err = cli.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api.Id, StageName: aws.String("dev")})
	wantCode(t, "a missing stage", err, "NotFoundException")
}

func TestAPIGatewayV2StagesAndAthenaWorkGroups(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	v2 := apigatewayv2.NewFromConfig(cfg)
	ws, err := v2.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("chat"), ProtocolType: agv2types.ProtocolTypeWebsocket, RouteSelectionExpression: aws.String("$request.body.action")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v2.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: ws.ApiId, RouteKey: aws.String("$connect")}); err != nil {
		t.Fatal(err)
	}
	if _, err := v2.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: ws.ApiId, StageName: aws.String("prod"),
		DefaultRouteSettings: &agv2types.RouteSettings{DetailedMetricsEnabled: aws.Bool(true)},
		RouteSettings:        map[string]agv2types.RouteSettings{"$connect": {ThrottlingBurstLimit: aws.Int32(10)}}}); err != nil {
		t.Fatal(err)
	}
	_, err = v2.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: ws.ApiId, StageName: aws.String("prod"),
		DefaultRouteSettings: &agv2types.RouteSettings{LoggingLevel: agv2types.LoggingLevelInfo, DetailedMetricsEnabled: aws.Bool(true)}})
	wantCode(t, "WebSocket execution logging without the account's role", err, "BadRequestException")
	role := apigatewayRole(t, iam.NewFromConfig(cfg), "apigateway.amazonaws.com")
	if _, err := apigateway.NewFromConfig(cfg).UpdateAccount(ctx, &apigateway.UpdateAccountInput{PatchOperations: []agtypes.PatchOperation{replace("/cloudwatchRoleArn", role)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v2.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: ws.ApiId, StageName: aws.String("prod"),
		DefaultRouteSettings: &agv2types.RouteSettings{LoggingLevel: agv2types.LoggingLevelInfo, DetailedMetricsEnabled: aws.Bool(true)},
		RouteSettings:        map[string]agv2types.RouteSettings{"$connect": {ThrottlingBurstLimit: aws.Int32(10), LoggingLevel: agv2types.LoggingLevelError}}}); err != nil {
		t.Fatal(err)
	}
	st, err := v2.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: ws.ApiId, StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if st.DefaultRouteSettings.LoggingLevel != agv2types.LoggingLevelInfo || !aws.ToBool(st.DefaultRouteSettings.DetailedMetricsEnabled) ||
		st.RouteSettings["$connect"].LoggingLevel != agv2types.LoggingLevelError || aws.ToInt32(st.RouteSettings["$connect"].ThrottlingBurstLimit) != 10 {
		t.Errorf("v2 stage = %+v %+v", st.DefaultRouteSettings, st.RouteSettings)
	}
	_, err = v2.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: ws.ApiId, StageName: aws.String("prod"),
		RouteSettings: map[string]agv2types.RouteSettings{"$missing": {LoggingLevel: agv2types.LoggingLevelError}}})
	wantCode(t, "settings of a missing route", err, "NotFoundException")

	ath := athena.NewFromConfig(cfg)
	if _, err := ath.CreateWorkGroup(ctx, &athena.CreateWorkGroupInput{Name: aws.String("analysts"), Configuration: &athenatypes.WorkGroupConfiguration{
		ResultConfiguration: &athenatypes.ResultConfiguration{OutputLocation: aws.String("s3://results/")}, BytesScannedCutoffPerQuery: aws.Int64(10_000_000)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ath.UpdateWorkGroup(ctx, &athena.UpdateWorkGroupInput{WorkGroup: aws.String("analysts"),
		ConfigurationUpdates: &athenatypes.WorkGroupConfigurationUpdates{PublishCloudWatchMetricsEnabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	wg, err := ath.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String("analysts")})
	if err != nil {
		t.Fatal(err)
	}
	c := wg.WorkGroup.Configuration
	if !aws.ToBool(c.PublishCloudWatchMetricsEnabled) || aws.ToString(c.ResultConfiguration.OutputLocation) != "s3://results/" || aws.ToInt64(c.BytesScannedCutoffPerQuery) != 10_000_000 {
		t.Errorf("workgroup configuration after the update = %+v", c)
	}
	if _, err := ath.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String("primary")}); err != nil {
		t.Errorf("the primary workgroup: %v", err)
	}
	_, err = ath.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String("nope")})
	wantCode(t, "a missing workgroup", err, "InvalidRequestException")
}
