package action

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agv2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// API Gateway actions, for REST API stages (v1) and WebSocket API stages
// (v2).

// APIGatewayLogsRole is the name of the role rectify creates for API
// Gateway to write execution logs to CloudWatch Logs, when the account has
// none.
const APIGatewayLogsRole = "rectify-apigateway-cloudwatch-logs"

func apigatewayActions() []Spec {
	return []Spec{
		{
			Name: "apigateway.enable-execution-logging",
			Description: "Turn on execution logging for every method of a REST API stage, or every route of a WebSocket " +
				"API stage: each setting whose log level is not accepted is set to logging_level, the others are kept. " +
				"Execution logging needs the account's API Gateway CloudWatch Logs role; an account without one gets " +
				"cloudwatch_role.",
			Params: []Param{
				{Name: "stage", Type: String, Required: true, Description: "the stage's ARN (arn:aws:apigateway:REGION::/restapis/ID/stages/NAME or ::/apis/ID/stages/NAME)"},
				{Name: "logging_level", Type: String, Default: "ERROR", Description: "the level to set where the level is not accepted: ERROR or INFO"},
				{Name: "accepted_levels", Type: StringList, Default: []string{"ERROR", "INFO"}, Description: "the levels that are left as they are (the control's loggingLevel)"},
				{Name: "cloudwatch_role", Type: String, Default: Create,
					Description: "the role API Gateway writes logs with, set only when the account has none: a role ARN, or \"create\" to make (or reuse) " + APIGatewayLogsRole + " with the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs"},
			},
			Reads:            []string{"apigateway:GET", "iam:GetRole"},
			Writes:           []string{"apigateway:PATCH", "iam:CreateRole", "iam:AttachRolePolicy"},
			ExtraPermissions: []string{"iam:PassRole", "iam:TagRole"},
			Describe: func(in Input) string {
				return fmt.Sprintf("set the execution log level of API Gateway stage %s to %s where it is not one of %s", in.String("stage"), in.String("logging_level"), strings.Join(in.StringList("accepted_levels"), ", "))
			},
			Run:    enableExecutionLogging,
			Verify: verifyExecutionLogging,
		},
		{
			Name: "apigateway.encrypt-cache-data",
			Description: "Encrypt the cache data of every method of a REST API stage: the stage-wide setting and each " +
				"method setting that does not encrypt. Nothing else changes.",
			Params: []Param{
				{Name: "stage", Type: String, Required: true, Description: "the REST API stage's ARN (arn:aws:apigateway:REGION::/restapis/ID/stages/NAME)"},
			},
			Reads:  []string{"apigateway:GET"},
			Writes: []string{"apigateway:PATCH"},
			Describe: func(in Input) string {
				return fmt.Sprintf("encrypt the cache data of every method of API Gateway stage %s", in.String("stage"))
			},
			Run:    encryptCacheData,
			Verify: verifyCacheDataEncrypted,
		},
	}
}

// apiStage is a stage named by its ARN or resource path.
type apiStage struct {
	websocket  bool // an API Gateway v2 API
	api, stage string
}

func (s apiStage) String() string {
	if s.websocket {
		return "/apis/" + s.api + "/stages/" + s.stage
	}
	return "/restapis/" + s.api + "/stages/" + s.stage
}

func parseStage(action, ref string) (apiStage, error) {
	path := ref
	if i := strings.Index(ref, "::/"); i >= 0 {
		path = ref[i+2:]
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 4 && parts[2] == "stages" && parts[1] != "" && parts[3] != "" && (parts[0] == "restapis" || parts[0] == "apis") {
		return apiStage{websocket: parts[0] == "apis", api: parts[1], stage: parts[3]}, nil
	}
	return apiStage{}, Permanent(&ParamError{Action: action, Param: "stage", Value: ref,
		Err: fmt.Errorf("%w: want arn:aws:apigateway:REGION::/restapis/ID/stages/NAME or ::/apis/ID/stages/NAME", ErrParamType)})
}

// ensureAPIGatewayLogsRole gives the account an API Gateway CloudWatch Logs role if
// it has none, and says what it did ("" when nothing was needed).
func ensureAPIGatewayLogsRole(ctx context.Context, in Input) (what string, created []string, err error) {
	cli := apigateway.NewFromConfig(in.AWS)
	acct, err := cli.GetAccount(ctx, &apigateway.GetAccountInput{})
	if err != nil {
		return "", nil, fmt.Errorf("read the API Gateway account settings: %w", err)
	}
	if aws.ToString(acct.CloudwatchRoleArn) != "" {
		return "", nil, nil
	}
	arn := in.String("cloudwatch_role")
	if arn == Create {
		iamc := iam.NewFromConfig(in.AWS)
		role, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(APIGatewayLogsRole)})
		switch {
		case err == nil:
			if !iamHasTag(role.Role.Tags, ManagedTag, "true") {
				return "", nil, Permanent(fmt.Errorf("a role named %s exists that rectify did not make: set cloudwatch_role to the role API Gateway should write logs with", APIGatewayLogsRole))
			}
			arn = aws.ToString(role.Role.Arn)
		case IsNotFound(err, "NoSuchEntity"):
			trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
			made, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(APIGatewayLogsRole), AssumeRolePolicyDocument: aws.String(trust),
				Description: aws.String("Lets API Gateway write execution logs to CloudWatch Logs (rectify)"),
				Tags:        []iamtypes.Tag{{Key: aws.String(ManagedTag), Value: aws.String("true")}, {Key: aws.String(PurposeTag), Value: aws.String("apigateway-cloudwatch-logs")}}})
			if err != nil {
				return "", nil, fmt.Errorf("create role %s: %w", APIGatewayLogsRole, err)
			}
			arn = aws.ToString(made.Role.Arn)
			created = append(created, arn)
			policy := "arn:" + partitionOf(in) + ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
			if _, err := iamc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(APIGatewayLogsRole), PolicyArn: aws.String(policy)}); err != nil {
				return "", nil, fmt.Errorf("attach %s to role %s: %w", policy, APIGatewayLogsRole, err)
			}
		default:
			return "", nil, fmt.Errorf("look for role %s: %w", APIGatewayLogsRole, err)
		}
	}
	_, err = cli.UpdateAccount(ctx, &apigateway.UpdateAccountInput{PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/cloudwatchRoleArn"), Value: aws.String(arn)}}})
	if HasCode(err, "BadRequestException") && len(created) > 0 {
		// A new role takes a while to be usable everywhere.
		return "", created, RetryLater(fmt.Errorf("set the API Gateway CloudWatch Logs role to the new role %s: %w", arn, err), 15*time.Second)
	}
	if err != nil {
		return "", created, fmt.Errorf("set the API Gateway CloudWatch Logs role to %s: %w", arn, err)
	}
	return "set the account's API Gateway CloudWatch Logs role to " + arn, created, nil
}

func iamHasTag(tags []iamtypes.Tag, key, value string) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == key && aws.ToString(t.Value) == value {
			return true
		}
	}
	return false
}

// logLevels checks the levels parameters.
func logLevels(in Input) (string, []string, error) {
	level, accepted := in.String("logging_level"), in.StringList("accepted_levels")
	for _, l := range append([]string{level}, accepted...) {
		if l != "ERROR" && l != "INFO" {
			return "", nil, Permanent(&ParamError{Action: "apigateway.enable-execution-logging", Param: "logging_level", Value: l, Err: fmt.Errorf("%w: levels are ERROR or INFO", ErrParamType)})
		}
	}
	if !slices.Contains(accepted, level) {
		accepted = append(accepted, level)
	}
	return level, accepted, nil
}

// restLoggingGaps returns the method setting keys of a REST stage whose
// log level is not accepted, "*/*" first.
func restLoggingGaps(st *apigateway.GetStageOutput, accepted []string) []string {
	var gaps []string
	if m, ok := st.MethodSettings["*/*"]; !ok || !slices.Contains(accepted, aws.ToString(m.LoggingLevel)) {
		gaps = append(gaps, "*/*")
	}
	keys := make([]string, 0, len(st.MethodSettings))
	for k := range st.MethodSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "*/*" && !slices.Contains(accepted, aws.ToString(st.MethodSettings[k].LoggingLevel)) {
			gaps = append(gaps, k)
		}
	}
	return gaps
}

// wsLoggingGaps returns the routes of a WebSocket stage whose log level is
// not accepted, "" standing for the default route settings.
func wsLoggingGaps(st *apigatewayv2.GetStageOutput, accepted []string) []string {
	var gaps []string
	if d := st.DefaultRouteSettings; d == nil || !slices.Contains(accepted, string(d.LoggingLevel)) {
		gaps = append(gaps, "")
	}
	keys := make([]string, 0, len(st.RouteSettings))
	for k := range st.RouteSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if l := string(st.RouteSettings[k].LoggingLevel); l != "" && !slices.Contains(accepted, l) {
			gaps = append(gaps, k)
		}
	}
	return gaps
}

func stageNotFound(s apiStage, in Input) Result {
	return Result{Outcome: NotFound, Message: fmt.Sprintf("API Gateway stage %s does not exist in %s/%s", s, in.Target.Account, in.Target.Region), Output: map[string]any{"stage": s.String()}}
}

func enableExecutionLogging(ctx context.Context, in Input) (Result, error) {
	s, err := parseStage("apigateway.enable-execution-logging", in.String("stage"))
	if err != nil {
		return Result{}, err
	}
	level, accepted, err := logLevels(in)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{"stage": s.String(), "created": []string{}}
	var gaps []string
	var rest *apigateway.GetStageOutput
	var ws *apigatewayv2.GetStageOutput
	if s.websocket {
		v2 := apigatewayv2.NewFromConfig(in.AWS)
		api, err := v2.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(s.api)})
		if IsNotFound(err, "NotFoundException") {
			return stageNotFound(s, in), nil
		}
		if err != nil {
			return Result{}, fmt.Errorf("get API %s: %w", s.api, err)
		}
		if api.ProtocolType != agv2types.ProtocolTypeWebsocket {
			return Result{}, Permanent(fmt.Errorf("API %s is an %s API, which has no execution logging (only REST and WebSocket APIs do)", s.api, api.ProtocolType))
		}
		ws, err = v2.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: aws.String(s.api), StageName: aws.String(s.stage)})
		if IsNotFound(err, "NotFoundException") {
			return stageNotFound(s, in), nil
		}
		if err != nil {
			return Result{}, fmt.Errorf("get stage %s: %w", s, err)
		}
		gaps = wsLoggingGaps(ws, accepted)
	} else {
		rest, err = apigateway.NewFromConfig(in.AWS).GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(s.api), StageName: aws.String(s.stage)})
		if IsNotFound(err, "NotFoundException") {
			return stageNotFound(s, in), nil
		}
		if err != nil {
			return Result{}, fmt.Errorf("get stage %s: %w", s, err)
		}
		gaps = restLoggingGaps(rest, accepted)
	}
	if len(gaps) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("every method and route of API Gateway stage %s logs at %s", s, strings.Join(accepted, " or ")), Output: out}, nil
	}
	roleDone, created, err := ensureAPIGatewayLogsRole(ctx, in)
	out["created"] = created
	if err != nil {
		return Result{}, err
	}
	var changed []string
	if s.websocket {
		upd := &apigatewayv2.UpdateStageInput{ApiId: aws.String(s.api), StageName: aws.String(s.stage)}
		for _, route := range gaps {
			if route == "" {
				d := agv2types.RouteSettings{}
				if ws.DefaultRouteSettings != nil {
					d = *ws.DefaultRouteSettings
				}
				changed = append(changed, fmt.Sprintf("default route settings %s → %s", levelName(string(d.LoggingLevel)), level))
				d.LoggingLevel = agv2types.LoggingLevel(level)
				upd.DefaultRouteSettings = &d
				continue
			}
			if upd.RouteSettings == nil {
				upd.RouteSettings = map[string]agv2types.RouteSettings{}
			}
			r := ws.RouteSettings[route]
			changed = append(changed, fmt.Sprintf("route %s %s → %s", route, levelName(string(r.LoggingLevel)), level))
			r.LoggingLevel = agv2types.LoggingLevel(level)
			upd.RouteSettings[route] = r
		}
		if _, err := apigatewayv2.NewFromConfig(in.AWS).UpdateStage(ctx, upd); err != nil {
			return Result{}, fmt.Errorf("set the log level of stage %s: %w", s, err)
		}
	} else {
		var ops []agtypes.PatchOperation
		for _, key := range gaps {
			cur := ""
			if m, ok := rest.MethodSettings[key]; ok {
				cur = aws.ToString(m.LoggingLevel)
			}
			ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpReplace, Path: aws.String("/" + key + "/logging/loglevel"), Value: aws.String(level)})
			changed = append(changed, fmt.Sprintf("methods %s %s → %s", key, levelName(cur), level))
		}
		if _, err := apigateway.NewFromConfig(in.AWS).UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(s.api), StageName: aws.String(s.stage), PatchOperations: ops}); err != nil {
			return Result{}, fmt.Errorf("set the log level of stage %s: %w", s, err)
		}
	}
	out["changed"] = changed
	msg := fmt.Sprintf("API Gateway stage %s: execution log level of %s", s, strings.Join(changed, "; "))
	if roleDone != "" {
		msg += "; " + roleDone
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func levelName(l string) string {
	if l == "" {
		return "unset"
	}
	return l
}

func verifyExecutionLogging(ctx context.Context, in Input, _ Result) error {
	s, err := parseStage("apigateway.enable-execution-logging", in.String("stage"))
	if err != nil {
		return err
	}
	_, accepted, err := logLevels(in)
	if err != nil {
		return err
	}
	var gaps []string
	if s.websocket {
		st, err := apigatewayv2.NewFromConfig(in.AWS).GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: aws.String(s.api), StageName: aws.String(s.stage)})
		if IsNotFound(err, "NotFoundException") {
			return nil
		}
		if err != nil {
			return fmt.Errorf("get stage %s: %w", s, err)
		}
		for _, g := range wsLoggingGaps(st, accepted) {
			if g == "" {
				g = "the default route settings"
			}
			gaps = append(gaps, g)
		}
	} else {
		st, err := apigateway.NewFromConfig(in.AWS).GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(s.api), StageName: aws.String(s.stage)})
		if IsNotFound(err, "NotFoundException") {
			return nil
		}
		if err != nil {
			return fmt.Errorf("get stage %s: %w", s, err)
		}
		gaps = restLoggingGaps(st, accepted)
	}
	if len(gaps) > 0 {
		return Mismatch("API Gateway stage %s does not log at %s for %s", s, strings.Join(accepted, " or "), strings.Join(gaps, ", "))
	}
	return nil
}

// cacheGaps returns the method setting keys of a stage that do not
// encrypt cache data, "*/*" first.
func cacheGaps(st *apigateway.GetStageOutput) []string {
	var gaps []string
	if m, ok := st.MethodSettings["*/*"]; !ok || !m.CacheDataEncrypted {
		gaps = append(gaps, "*/*")
	}
	keys := make([]string, 0, len(st.MethodSettings))
	for k := range st.MethodSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "*/*" && !st.MethodSettings[k].CacheDataEncrypted {
			gaps = append(gaps, k)
		}
	}
	return gaps
}

func restStage(ctx context.Context, in Input) (apiStage, *apigateway.GetStageOutput, error) {
	s, err := parseStage("apigateway.encrypt-cache-data", in.String("stage"))
	if err != nil {
		return s, nil, err
	}
	if s.websocket {
		return s, nil, Permanent(errors.New("stage " + s.String() + " belongs to a WebSocket API, which has no stage cache"))
	}
	st, err := apigateway.NewFromConfig(in.AWS).GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(s.api), StageName: aws.String(s.stage)})
	if IsNotFound(err, "NotFoundException") {
		return s, nil, nil
	}
	if err != nil {
		return s, nil, fmt.Errorf("get stage %s: %w", s, err)
	}
	return s, st, nil
}

func encryptCacheData(ctx context.Context, in Input) (Result, error) {
	s, st, err := restStage(ctx, in)
	if err != nil {
		return Result{}, err
	}
	if st == nil {
		return stageNotFound(s, in), nil
	}
	out := map[string]any{"stage": s.String()}
	gaps := cacheGaps(st)
	if len(gaps) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("every method of API Gateway stage %s encrypts its cache data", s), Output: out}, nil
	}
	var ops []agtypes.PatchOperation
	for _, key := range gaps {
		ops = append(ops, agtypes.PatchOperation{Op: agtypes.OpReplace, Path: aws.String("/" + key + "/caching/dataEncrypted"), Value: aws.String("true")})
	}
	if _, err := apigateway.NewFromConfig(in.AWS).UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(s.api), StageName: aws.String(s.stage), PatchOperations: ops}); err != nil {
		return Result{}, fmt.Errorf("encrypt the cache data of stage %s: %w", s, err)
	}
	out["changed"] = gaps
	return Result{Outcome: Changed, Message: fmt.Sprintf("API Gateway stage %s now encrypts the cache data of methods %s", s, strings.Join(gaps, ", ")), Output: out}, nil
}

func verifyCacheDataEncrypted(ctx context.Context, in Input, _ Result) error {
	s, st, err := restStage(ctx, in)
	if err != nil || st == nil {
		return err
	}
	if gaps := cacheGaps(st); len(gaps) > 0 {
		return Mismatch("API Gateway stage %s does not encrypt the cache data of methods %s", s, strings.Join(gaps, ", "))
	}
	return nil
}
