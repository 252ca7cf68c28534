package awssim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// API Gateway: REST APIs (v1) with their deployments, stages and stage
// method settings, changed by patch operations, and the account's
// CloudWatch Logs role; WebSocket and HTTP APIs (v2) with their routes and
// stages, whose default route settings and per-route settings UpdateStage
// replaces. Execution logging (a log level other than OFF, or data
// tracing) needs the account's CloudWatch Logs role, which must trust
// apigateway.amazonaws.com; HTTP APIs have no execution logging. IAM
// actions are the management API's HTTP methods (apigateway:GET,
// apigateway:PATCH, ...) on the resource path
// (arn:aws:apigateway:REGION::/restapis/ID/stages/NAME). State is per
// account and region; the account settings are shared by v1 and v2.

type apigatewayService struct {
	s *Server
	// RestAPIs and APIs are keyed by scopeKey, then by API ID.
	RestAPIs map[string]map[string]*agRestAPI
	APIs     map[string]map[string]*agAPI
	// Accounts holds the CloudWatch Logs role ARN by scopeKey.
	Accounts map[string]string
}

type agRestAPI struct {
	ID, Name    string
	Created     time.Time
	Deployments map[string]time.Time
	Stages      map[string]*agStage
}

type agStage struct {
	Name, DeploymentID, Description string
	CacheClusterEnabled             bool
	CacheClusterSize                string `json:",omitempty"`
	TracingEnabled                  bool
	Variables                       map[string]string
	MethodSettings                  map[string]*agMethodSetting
	Tags                            map[string]string
	Created, Updated                time.Time
}

type agMethodSetting struct {
	MetricsEnabled     bool    `json:"metricsEnabled"`
	LoggingLevel       string  `json:"loggingLevel"`
	DataTraceEnabled   bool    `json:"dataTraceEnabled"`
	BurstLimit         int     `json:"throttlingBurstLimit"`
	RateLimit          float64 `json:"throttlingRateLimit"`
	CachingEnabled     bool    `json:"cachingEnabled"`
	CacheTTL           int     `json:"cacheTtlInSeconds"`
	CacheDataEncrypted bool    `json:"cacheDataEncrypted"`
	RequireAuthCache   bool    `json:"requireAuthorizationForCacheControl"`
	UnauthorizedCache  string  `json:"unauthorizedCacheControlHeaderStrategy"`
}

type agAPI struct {
	ID, Name, Protocol string
	Created            time.Time
	Routes             map[string]string // route key → route ID
	Stages             map[string]*agV2Stage
}

type agV2Stage struct {
	Name, Description string
	AutoDeploy        bool
	DefaultRoute      map[string]any
	RouteSettings     map[string]map[string]any
	Variables         map[string]string
	Tags              map[string]string
	Created, Updated  time.Time
}

// apigatewayVerb gives the IAM action of an API Gateway operation: the
// HTTP method of the management API it calls.
func apigatewayVerb(op string) string {
	for _, v := range []struct{ prefix, verb string }{{"Get", "GET"}, {"Create", "POST"}, {"Update", "PATCH"}, {"Delete", "DELETE"}, {"Put", "PUT"}, {"Import", "PUT"}} {
		if strings.HasPrefix(op, v.prefix) {
			return "apigateway:" + v.verb
		}
	}
	return "apigateway:POST"
}

// apigatewayResource names the resource path a call acts on.
func apigatewayResource(c *call) ([]string, bool) {
	path := strings.TrimPrefix(c.r.URL.EscapedPath(), "/v2")
	return []string{"arn:" + c.partition() + ":apigateway:" + c.region + "::" + path}, true
}

func newAPIGateway(s *Server) (*serviceDef, *serviceDef) {
	svc := &apigatewayService{s: s, RestAPIs: map[string]map[string]*agRestAPI{}, APIs: map[string]map[string]*agAPI{}, Accounts: map[string]string{}}
	const ra = "/restapis"
	v1 := &serviceDef{
		Name: "apigateway", EventSource: "apigateway.amazonaws.com", Protocol: protoRESTJSON, State: svc,
		IAMAction: apigatewayVerb, Resources: apigatewayResource,
		REST: []restRoute{
			{http.MethodGet, "/account", "GetAccount", svc.getAccount},
			{http.MethodPatch, "/account", "UpdateAccount", svc.updateAccount},
			{http.MethodPost, ra, "CreateRestApi", svc.createRestAPI},
			{http.MethodGet, ra, "GetRestApis", svc.getRestAPIs},
			{http.MethodGet, ra + "/{restapi_id}", "GetRestApi", svc.getRestAPI},
			{http.MethodDelete, ra + "/{restapi_id}", "DeleteRestApi", svc.deleteRestAPI},
			{http.MethodPost, ra + "/{restapi_id}/deployments", "CreateDeployment", svc.createDeployment},
			{http.MethodPost, ra + "/{restapi_id}/stages", "CreateStage", svc.createStage},
			{http.MethodGet, ra + "/{restapi_id}/stages", "GetStages", svc.getStages},
			{http.MethodGet, ra + "/{restapi_id}/stages/{stage_name}", "GetStage", svc.getStage},
			{http.MethodPatch, ra + "/{restapi_id}/stages/{stage_name}", "UpdateStage", svc.updateStage},
			{http.MethodDelete, ra + "/{restapi_id}/stages/{stage_name}", "DeleteStage", svc.deleteStage},
		},
	}
	const apis = "/v2/apis"
	v2 := &serviceDef{
		Name: "apigatewayv2", SigningName: "apigateway", Prefix: "apigateway", PathPrefix: "/v2/", EventSource: "apigateway.amazonaws.com",
		Protocol: protoRESTJSON, IAMAction: apigatewayVerb, Resources: apigatewayResource,
		REST: []restRoute{
			{http.MethodPost, apis, "CreateApi", svc.createAPI},
			{http.MethodGet, apis + "/{apiId}", "GetApi", svc.getAPI},
			{http.MethodPost, apis + "/{apiId}/routes", "CreateRoute", svc.createRoute},
			{http.MethodPost, apis + "/{apiId}/stages", "CreateStage", svc.createV2Stage},
			{http.MethodGet, apis + "/{apiId}/stages", "GetStages", svc.getV2Stages},
			{http.MethodGet, apis + "/{apiId}/stages/{stageName}", "GetStage", svc.getV2Stage},
			{http.MethodPatch, apis + "/{apiId}/stages/{stageName}", "UpdateStage", svc.updateV2Stage},
			{http.MethodDelete, apis + "/{apiId}/stages/{stageName}", "DeleteStage", svc.deleteV2Stage},
		},
	}
	return v1, v2
}

func agNotFound(format string, args ...any) *Error {
	return errorf(http.StatusNotFound, "NotFoundException", format, args...)
}

func agBadRequest(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "BadRequestException", format, args...)
}

func (svc *apigatewayService) restAPIs(c *call) map[string]*agRestAPI { return scoped(svc.RestAPIs, c) }
func (svc *apigatewayService) apis(c *call) map[string]*agAPI         { return scoped(svc.APIs, c) }

// Account.

func (svc *apigatewayService) accountJSON(c *call) map[string]any {
	out := map[string]any{"throttleSettings": map[string]any{"burstLimit": 5000, "rateLimit": 10000.0}, "features": []string{"UsagePlans"}, "apiKeyVersion": "4"}
	if arn := svc.Accounts[scopeKey(c)]; arn != "" {
		out["cloudwatchRoleArn"] = arn
	}
	return out
}

func (svc *apigatewayService) getAccount(c *call) (int, any, error) {
	return 0, svc.accountJSON(c), nil
}

// patchOp is one JSON Patch operation of the management API.
type patchOp struct {
	Op    string  `json:"op"`
	Path  string  `json:"path"`
	Value *string `json:"value"`
	From  string  `json:"from"`
}

func readPatch(body []byte) ([]patchOp, error) {
	var in struct {
		PatchOperations []patchOp `json:"patchOperations"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	for _, p := range in.PatchOperations {
		switch p.Op {
		case "add", "remove", "replace", "move", "copy", "test":
		default:
			return nil, agBadRequest("Invalid patch operation specified. Must be one of: [add, remove, replace, move, copy, test]")
		}
	}
	return in.PatchOperations, nil
}

func (svc *apigatewayService) updateAccount(c *call) (int, any, error) {
	ops, err := readPatch(c.body)
	if err != nil {
		return 0, nil, err
	}
	for _, p := range ops {
		if p.Path != "/cloudwatchRoleArn" || p.Op != "replace" {
			return 0, nil, agBadRequest("Invalid patch path %s", p.Path)
		}
		arn := ""
		if p.Value != nil {
			arn = *p.Value
		}
		if r := c.s.roleByARN(arn); arn != "" && (r == nil || !trustsService(r.Trust, "apigateway.amazonaws.com")) {
			return 0, nil, agBadRequest("The role ARN does not have required permissions set to API Gateway")
		}
		svc.Accounts[scopeKey(c)] = arn
	}
	return 0, svc.accountJSON(c), nil
}

// REST APIs.

func (svc *apigatewayService) newAPIID(c *call) string { return strings.ToLower(c.newID("", 10)) }

func (a *agRestAPI) json() map[string]any {
	return map[string]any{"id": a.ID, "name": a.Name, "createdDate": epochSec(a.Created), "apiKeySource": "HEADER",
		"endpointConfiguration": map[string]any{"types": []string{"EDGE"}}, "disableExecuteApiEndpoint": false}
}

func (svc *apigatewayService) createRestAPI(c *call) (int, any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.Name == "" {
		return 0, nil, agBadRequest("Invalid REST API name specified")
	}
	a := &agRestAPI{ID: svc.newAPIID(c), Name: in.Name, Created: c.now, Deployments: map[string]time.Time{}, Stages: map[string]*agStage{}}
	svc.restAPIs(c)[a.ID] = a
	return http.StatusCreated, a.json(), nil
}

func (svc *apigatewayService) getRestAPIs(c *call) (int, any, error) {
	items := []any{}
	for _, id := range sortedKeys(svc.restAPIs(c)) {
		items = append(items, svc.restAPIs(c)[id].json())
	}
	return 0, map[string]any{"item": items}, nil
}

func (svc *apigatewayService) restAPI(c *call) (*agRestAPI, error) {
	a := svc.restAPIs(c)[c.Var("restapi_id")]
	if a == nil {
		return nil, agNotFound("Invalid API identifier specified %s:%s", c.Account(), c.Var("restapi_id"))
	}
	return a, nil
}

func (svc *apigatewayService) getRestAPI(c *call) (int, any, error) {
	a, err := svc.restAPI(c)
	if err != nil {
		return 0, nil, err
	}
	return 0, a.json(), nil
}

func (svc *apigatewayService) deleteRestAPI(c *call) (int, any, error) {
	a, err := svc.restAPI(c)
	if err != nil {
		return 0, nil, err
	}
	delete(svc.restAPIs(c), a.ID)
	return http.StatusAccepted, nil, nil
}

func (svc *apigatewayService) createDeployment(c *call) (int, any, error) {
	a, err := svc.restAPI(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		StageName string `json:"stageName"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	id := strings.ToLower(c.newID("", 6))
	a.Deployments[id] = c.now
	if in.StageName != "" {
		if st := a.Stages[in.StageName]; st != nil {
			st.DeploymentID, st.Updated = id, c.now
		} else {
			a.Stages[in.StageName] = &agStage{Name: in.StageName, DeploymentID: id, Variables: map[string]string{}, MethodSettings: map[string]*agMethodSetting{},
				Tags: map[string]string{}, Created: c.now, Updated: c.now}
		}
	}
	return http.StatusCreated, map[string]any{"id": id, "createdDate": epochSec(c.now)}, nil
}

func (st *agStage) json() map[string]any {
	settings := map[string]any{}
	for k, v := range st.MethodSettings {
		settings[k] = v
	}
	out := map[string]any{"stageName": st.Name, "deploymentId": st.DeploymentID, "cacheClusterEnabled": st.CacheClusterEnabled,
		"cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": settings, "tracingEnabled": st.TracingEnabled,
		"createdDate": epochSec(st.Created), "lastUpdatedDate": epochSec(st.Updated)}
	if st.CacheClusterEnabled {
		out["cacheClusterStatus"], out["cacheClusterSize"] = "AVAILABLE", st.CacheClusterSize
	}
	if st.Description != "" {
		out["description"] = st.Description
	}
	if len(st.Variables) > 0 {
		out["variables"] = st.Variables
	}
	if len(st.Tags) > 0 {
		out["tags"] = st.Tags
	}
	return out
}

func (svc *apigatewayService) createStage(c *call) (int, any, error) {
	a, err := svc.restAPI(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		StageName           string            `json:"stageName"`
		DeploymentID        string            `json:"deploymentId"`
		Description         string            `json:"description"`
		CacheClusterEnabled bool              `json:"cacheClusterEnabled"`
		CacheClusterSize    string            `json:"cacheClusterSize"`
		TracingEnabled      bool              `json:"tracingEnabled"`
		Variables           map[string]string `json:"variables"`
		Tags                map[string]string `json:"tags"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.StageName == "" || in.DeploymentID == "" {
		return 0, nil, agBadRequest("Stage name and deployment ID are required")
	}
	if _, ok := a.Deployments[in.DeploymentID]; !ok {
		return 0, nil, agBadRequest("Invalid deployment identifier specified")
	}
	if a.Stages[in.StageName] != nil {
		return 0, nil, errorf(http.StatusConflict, "ConflictException", "Stage already exists")
	}
	st := &agStage{Name: in.StageName, DeploymentID: in.DeploymentID, Description: in.Description, CacheClusterEnabled: in.CacheClusterEnabled,
		CacheClusterSize: in.CacheClusterSize, TracingEnabled: in.TracingEnabled, Variables: in.Variables, Tags: in.Tags,
		MethodSettings: map[string]*agMethodSetting{}, Created: c.now, Updated: c.now}
	if st.CacheClusterEnabled && st.CacheClusterSize == "" {
		st.CacheClusterSize = "0.5"
	}
	if st.Variables == nil {
		st.Variables = map[string]string{}
	}
	if st.Tags == nil {
		st.Tags = map[string]string{}
	}
	a.Stages[st.Name] = st
	return http.StatusCreated, st.json(), nil
}

func (svc *apigatewayService) stage(c *call) (*agRestAPI, *agStage, error) {
	a, err := svc.restAPI(c)
	if err != nil {
		return nil, nil, err
	}
	st := a.Stages[c.Var("stage_name")]
	if st == nil {
		return nil, nil, agNotFound("Invalid Stage identifier specified")
	}
	return a, st, nil
}

func (svc *apigatewayService) getStage(c *call) (int, any, error) {
	_, st, err := svc.stage(c)
	if err != nil {
		return 0, nil, err
	}
	return 0, st.json(), nil
}

func (svc *apigatewayService) getStages(c *call) (int, any, error) {
	a, err := svc.restAPI(c)
	if err != nil {
		return 0, nil, err
	}
	items := []any{}
	for _, n := range sortedKeys(a.Stages) {
		items = append(items, a.Stages[n].json())
	}
	return 0, map[string]any{"item": items}, nil
}

func (svc *apigatewayService) deleteStage(c *call) (int, any, error) {
	a, st, err := svc.stage(c)
	if err != nil {
		return 0, nil, err
	}
	delete(a.Stages, st.Name)
	return http.StatusAccepted, nil, nil
}

// agLogLevel checks a log level.
func agLogLevel(v string) error {
	switch v {
	case "OFF", "ERROR", "INFO":
		return nil
	}
	return agBadRequest("Invalid logging level: %s. Must be one of OFF, ERROR, INFO", v)
}

// applyMethodSetting applies a patch to a method setting: setting is the
// path after the method key ("logging/loglevel").
func applyMethodSetting(m *agMethodSetting, setting, value string) error {
	boolVal := func(dst *bool) error {
		b, err := strconv.ParseBool(value)
		if err != nil {
			return agBadRequest("Invalid value for %s: %s", setting, value)
		}
		*dst = b
		return nil
	}
	intVal := func(dst *int) error {
		n, err := strconv.Atoi(value)
		if err != nil {
			return agBadRequest("Invalid value for %s: %s", setting, value)
		}
		*dst = n
		return nil
	}
	switch setting {
	case "logging/loglevel":
		if err := agLogLevel(value); err != nil {
			return err
		}
		m.LoggingLevel = value
		return nil
	case "logging/dataTrace":
		return boolVal(&m.DataTraceEnabled)
	case "metrics/enabled":
		return boolVal(&m.MetricsEnabled)
	case "caching/enabled":
		return boolVal(&m.CachingEnabled)
	case "caching/dataEncrypted":
		return boolVal(&m.CacheDataEncrypted)
	case "caching/ttlInSeconds":
		return intVal(&m.CacheTTL)
	case "caching/requireAuthorizationForCacheControl":
		return boolVal(&m.RequireAuthCache)
	case "caching/unauthorizedCacheControlHeaderStrategy":
		m.UnauthorizedCache = value
		return nil
	case "throttling/burstLimit":
		return intVal(&m.BurstLimit)
	case "throttling/rateLimit":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return agBadRequest("Invalid value for %s: %s", setting, value)
		}
		m.RateLimit = f
		return nil
	}
	return agBadRequest("Invalid method setting path: %s", setting)
}

// methodSettingPrefixes begin the settings a method setting patch path
// names after its method key ("/*/*/logging/loglevel").
var methodSettingPrefixes = []string{"logging/", "metrics/", "caching/", "throttling/"}

func (svc *apigatewayService) updateStage(c *call) (int, any, error) {
	_, st, err := svc.stage(c)
	if err != nil {
		return 0, nil, err
	}
	ops, err := readPatch(c.body)
	if err != nil {
		return 0, nil, err
	}
	upd := *st
	upd.MethodSettings = map[string]*agMethodSetting{}
	for k, v := range st.MethodSettings {
		cp := *v
		upd.MethodSettings[k] = &cp
	}
	upd.Variables = map[string]string{}
	for k, v := range st.Variables {
		upd.Variables[k] = v
	}
	for _, p := range ops {
		value := ""
		if p.Value != nil {
			value = *p.Value
		}
		path := p.Path
		switch {
		case path == "/description" && p.Op == "replace":
			upd.Description = value
		case path == "/deploymentId" && p.Op == "replace":
			upd.DeploymentID = value
		case path == "/cacheClusterEnabled" && p.Op == "replace":
			upd.CacheClusterEnabled = value == "true"
			if upd.CacheClusterEnabled && upd.CacheClusterSize == "" {
				upd.CacheClusterSize = "0.5"
			}
		case path == "/cacheClusterSize" && p.Op == "replace":
			upd.CacheClusterSize = value
		case path == "/tracingEnabled" && p.Op == "replace":
			upd.TracingEnabled = value == "true"
		case strings.HasPrefix(path, "/variables/"):
			name := strings.TrimPrefix(path, "/variables/")
			if p.Op == "remove" {
				delete(upd.Variables, name)
			} else {
				upd.Variables[name] = value
			}
		default:
			key, setting, ok := "", "", false
			for _, pre := range methodSettingPrefixes {
				if i := strings.Index(path, "/"+pre); i > 0 {
					key, setting, ok = strings.TrimPrefix(path[:i], "/"), path[i+1:], true
					break
				}
			}
			if !ok || strings.Count(key, "/") != 1 {
				return 0, nil, agBadRequest("Invalid patch path %s", path)
			}
			if p.Op != "replace" {
				return 0, nil, agBadRequest("Invalid patch operation specified. Must be replace for %s", path)
			}
			m := upd.MethodSettings[key]
			if m == nil {
				m = &agMethodSetting{LoggingLevel: "OFF", CacheTTL: 300, BurstLimit: 5000, RateLimit: 10000, UnauthorizedCache: "SUCCEED_WITH_RESPONSE_HEADER"}
				upd.MethodSettings[key] = m
			}
			if err := applyMethodSetting(m, setting, value); err != nil {
				return 0, nil, err
			}
		}
	}
	for _, m := range upd.MethodSettings {
		if (m.LoggingLevel != "OFF" && m.LoggingLevel != "") || m.DataTraceEnabled {
			if svc.Accounts[scopeKey(c)] == "" {
				return 0, nil, agBadRequest("CloudWatch Logs role ARN must be set in account settings to enable logging")
			}
		}
	}
	upd.Updated = c.now
	*st = upd
	return 0, st.json(), nil
}

// WebSocket and HTTP APIs (v2).

func (a *agAPI) json(c *call) map[string]any {
	// API Gateway v2 writes its timestamps in ISO 8601.
	out := map[string]any{"apiId": a.ID, "name": a.Name, "protocolType": a.Protocol, "createdDate": isoTime(a.Created),
		"apiEndpoint": "wss://" + a.ID + ".execute-api." + c.region + ".amazonaws.com"}
	if a.Protocol == "WEBSOCKET" {
		out["routeSelectionExpression"] = "$request.body.action"
	} else {
		out["apiEndpoint"] = "https://" + a.ID + ".execute-api." + c.region + ".amazonaws.com"
	}
	return out
}

func (svc *apigatewayService) createAPI(c *call) (int, any, error) {
	var in struct {
		Name         string `json:"name"`
		ProtocolType string `json:"protocolType"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.Name == "" || (in.ProtocolType != "WEBSOCKET" && in.ProtocolType != "HTTP") {
		return 0, nil, agBadRequest("An API needs a name and a protocolType of WEBSOCKET or HTTP")
	}
	a := &agAPI{ID: svc.newAPIID(c), Name: in.Name, Protocol: in.ProtocolType, Created: c.now, Routes: map[string]string{}, Stages: map[string]*agV2Stage{}}
	svc.apis(c)[a.ID] = a
	return http.StatusCreated, a.json(c), nil
}

func (svc *apigatewayService) api(c *call) (*agAPI, error) {
	a := svc.apis(c)[c.Var("apiId")]
	if a == nil {
		return nil, agNotFound("Invalid API identifier specified %s", c.Var("apiId"))
	}
	return a, nil
}

func (svc *apigatewayService) getAPI(c *call) (int, any, error) {
	a, err := svc.api(c)
	if err != nil {
		return 0, nil, err
	}
	return 0, a.json(c), nil
}

func (svc *apigatewayService) createRoute(c *call) (int, any, error) {
	a, err := svc.api(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		RouteKey string `json:"routeKey"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.RouteKey == "" {
		return 0, nil, agBadRequest("Route key is required")
	}
	if _, dup := a.Routes[in.RouteKey]; dup {
		return 0, nil, errorf(http.StatusConflict, "ConflictException", "Route with key %s already exists for this API", in.RouteKey)
	}
	id := strings.ToLower(c.newID("", 7))
	a.Routes[in.RouteKey] = id
	return http.StatusCreated, map[string]any{"routeId": id, "routeKey": in.RouteKey}, nil
}

func (st *agV2Stage) json() map[string]any {
	routes := map[string]any{}
	for k, v := range st.RouteSettings {
		routes[k] = v
	}
	out := map[string]any{"stageName": st.Name, "autoDeploy": st.AutoDeploy, "defaultRouteSettings": st.DefaultRoute, "routeSettings": routes,
		"createdDate": isoTime(st.Created), "lastUpdatedDate": isoTime(st.Updated)}
	if st.Description != "" {
		out["description"] = st.Description
	}
	if len(st.Variables) > 0 {
		out["stageVariables"] = st.Variables
	}
	if len(st.Tags) > 0 {
		out["tags"] = st.Tags
	}
	return out
}

type agV2StageInput struct {
	StageName            string                    `json:"stageName"`
	Description          *string                   `json:"description"`
	AutoDeploy           *bool                     `json:"autoDeploy"`
	DefaultRouteSettings map[string]any            `json:"defaultRouteSettings"`
	RouteSettings        map[string]map[string]any `json:"routeSettings"`
	StageVariables       map[string]string         `json:"stageVariables"`
	Tags                 map[string]string         `json:"tags"`
}

// checkRouteSettings checks route settings against the API: routes that
// exist, log levels known, and execution logging where it is possible.
func (svc *apigatewayService) checkRouteSettings(c *call, a *agAPI, def map[string]any, routes map[string]map[string]any) error {
	all := map[string]map[string]any{"": def}
	for k, v := range routes {
		if _, ok := a.Routes[k]; !ok {
			return agNotFound("Unable to find Route by key %s within the provided RouteSettings", k)
		}
		all[k] = v
	}
	for _, s := range all {
		lvl, _ := s["loggingLevel"].(string)
		trace, _ := s["dataTraceEnabled"].(bool)
		if lvl != "" {
			if err := agLogLevel(lvl); err != nil {
				return err
			}
		}
		if (lvl != "" && lvl != "OFF") || trace {
			if a.Protocol == "HTTP" {
				return agBadRequest("Execution logs are not supported on protocolType HTTP")
			}
			if svc.Accounts[scopeKey(c)] == "" {
				return agBadRequest("CloudWatch Logs role ARN must be set in account settings to enable logging")
			}
		}
	}
	return nil
}

func (svc *apigatewayService) createV2Stage(c *call) (int, any, error) {
	a, err := svc.api(c)
	if err != nil {
		return 0, nil, err
	}
	var in agV2StageInput
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.StageName == "" {
		return 0, nil, agBadRequest("Stage name is required")
	}
	if a.Stages[in.StageName] != nil {
		return 0, nil, errorf(http.StatusConflict, "ConflictException", "Stage %s already exists", in.StageName)
	}
	if err := svc.checkRouteSettings(c, a, in.DefaultRouteSettings, in.RouteSettings); err != nil {
		return 0, nil, err
	}
	st := &agV2Stage{Name: in.StageName, DefaultRoute: in.DefaultRouteSettings, RouteSettings: in.RouteSettings, Variables: in.StageVariables,
		Tags: in.Tags, Created: c.now, Updated: c.now}
	if in.Description != nil {
		st.Description = *in.Description
	}
	if in.AutoDeploy != nil {
		st.AutoDeploy = *in.AutoDeploy
	}
	if st.DefaultRoute == nil {
		st.DefaultRoute = map[string]any{"dataTraceEnabled": false, "detailedMetricsEnabled": false}
	}
	if st.RouteSettings == nil {
		st.RouteSettings = map[string]map[string]any{}
	}
	a.Stages[st.Name] = st
	return http.StatusCreated, st.json(), nil
}

func (svc *apigatewayService) v2Stage(c *call) (*agAPI, *agV2Stage, error) {
	a, err := svc.api(c)
	if err != nil {
		return nil, nil, err
	}
	st := a.Stages[c.Var("stageName")]
	if st == nil {
		return nil, nil, agNotFound("Invalid stage identifier specified")
	}
	return a, st, nil
}

func (svc *apigatewayService) getV2Stage(c *call) (int, any, error) {
	_, st, err := svc.v2Stage(c)
	if err != nil {
		return 0, nil, err
	}
	return 0, st.json(), nil
}

func (svc *apigatewayService) getV2Stages(c *call) (int, any, error) {
	a, err := svc.api(c)
	if err != nil {
		return 0, nil, err
	}
	items := []any{}
	names := sortedKeys(a.Stages)
	sort.Strings(names)
	for _, n := range names {
		items = append(items, a.Stages[n].json())
	}
	return 0, map[string]any{"items": items}, nil
}

func (svc *apigatewayService) updateV2Stage(c *call) (int, any, error) {
	a, st, err := svc.v2Stage(c)
	if err != nil {
		return 0, nil, err
	}
	var in agV2StageInput
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	def := st.DefaultRoute
	if in.DefaultRouteSettings != nil {
		def = in.DefaultRouteSettings
	}
	routes := map[string]map[string]any{}
	for k, v := range st.RouteSettings {
		routes[k] = v
	}
	for k, v := range in.RouteSettings {
		routes[k] = v
	}
	if err := svc.checkRouteSettings(c, a, def, routes); err != nil {
		return 0, nil, err
	}
	st.DefaultRoute, st.RouteSettings = def, routes
	if in.Description != nil {
		st.Description = *in.Description
	}
	if in.AutoDeploy != nil {
		st.AutoDeploy = *in.AutoDeploy
	}
	if in.StageVariables != nil {
		st.Variables = in.StageVariables
	}
	st.Updated = c.now
	return 0, st.json(), nil
}

func (svc *apigatewayService) deleteV2Stage(c *call) (int, any, error) {
	a, st, err := svc.v2Stage(c)
	if err != nil {
		return 0, nil, err
	}
	delete(a.Stages, st.Name)
	return http.StatusNoContent, nil, nil
}
