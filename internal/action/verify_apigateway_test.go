package action

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// apigatewayScenarios are the scenarios of the API Gateway actions.
var apigatewayScenarios = map[string]scenario{
	"apigateway.enable-execution-logging": {
		setup: func(w *world) Input {
			api := w.restStage(false)
			return w.input(map[string]any{"stage": "arn:aws:apigateway:us-east-1::/restapis/" + api + "/stages/prod"})
		},
		undo: func(w *world, in Input, _ Result) { w.patchStage(in.String("stage"), "/*/*/logging/loglevel", "OFF") },
	},
	"apigateway.encrypt-cache-data": {
		setup: func(w *world) Input {
			api := w.restStage(true)
			return w.input(map[string]any{"stage": "arn:aws:apigateway:us-east-1::/restapis/" + api + "/stages/prod"})
		},
		undo: func(w *world, in Input, _ Result) {
			w.patchStage(in.String("stage"), "/*/*/caching/dataEncrypted", "false")
		},
	},
}

// restStage makes a REST API with a stage prod, with a cache cluster if
// asked, and returns the API's ID.
func (w *world) restStage(cache bool) string {
	cli := apigateway.NewFromConfig(w.cfg)
	api, err := cli.CreateRestApi(w.ctx, &apigateway.CreateRestApiInput{Name: aws.String("shop")})
	w.must(err)
	dep, err := cli.CreateDeployment(w.ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id})
	w.must(err)
	_, err = cli.CreateStage(w.ctx, &apigateway.CreateStageInput{RestApiId: api.Id, StageName: aws.String("prod"), DeploymentId: dep.Id, CacheClusterEnabled: cache})
	w.must(err)
	return aws.ToString(api.Id)
}

func (w *world) patchStage(stage, path, value string) {
	s, err := parseStage("test", stage)
	w.must(err)
	_, err = apigateway.NewFromConfig(w.cfg).UpdateStage(w.ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(s.api), StageName: aws.String(s.stage),
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String(path), Value: aws.String(value)}}})
	w.must(err)
}
