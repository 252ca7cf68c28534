package awssim

import (
	"net/http"
	"strings"
	"time"
)

// Glue: development endpoints, whose status moves from PROVISIONING to
// READY Options.GlueReadyDelay of simulated time after creation, and
// security configurations. State is per account and region.
//
// Deleting an endpoint that is still PROVISIONING is refused with
// InvalidInputException: callers wait for READY (or FAILED) first. A
// deleted endpoint is gone at once rather than passing through DELETING.

type glueService struct {
	s *Server
	// Endpoints and SecurityConfigs are keyed by scopeKey, then by name.
	Endpoints       map[string]map[string]*glueDevEndpoint
	SecurityConfigs map[string]map[string]*glueSecurityConfig
}

type glueDevEndpoint struct {
	EndpointName          string
	RoleArn               string
	SecurityGroupIDs      []string
	SubnetID              string
	PublicKey             string
	PublicKeys            []string
	NumberOfNodes         int32
	WorkerType            string
	GlueVersion           string
	NumberOfWorkers       *int32
	ExtraPythonLibsS3Path string
	ExtraJarsS3Path       string
	SecurityConfiguration string
	Arguments             map[string]string
	Tags                  map[string]string
	Address               string
	AvailabilityZone      string
	Created               time.Time
	ReadyAt               time.Time
	LastModified          time.Time
	LastUpdateStatus      string
}

type glueSecurityConfig struct {
	Name                    string
	Created                 time.Time
	EncryptionConfiguration map[string]any
}

func newGlue(s *Server) *serviceDef {
	svc := &glueService{s: s, Endpoints: map[string]map[string]*glueDevEndpoint{}, SecurityConfigs: map[string]map[string]*glueSecurityConfig{}}
	return &serviceDef{
		State: svc, Name: "glue", EventSource: "glue.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "AWSGlue",
		JSON: map[string]jsonHandler{
			"CreateDevEndpoint":           svc.createDevEndpoint,
			"GetDevEndpoint":              svc.getDevEndpoint,
			"GetDevEndpoints":             svc.getDevEndpoints,
			"UpdateDevEndpoint":           svc.updateDevEndpoint,
			"DeleteDevEndpoint":           svc.deleteDevEndpoint,
			"CreateSecurityConfiguration": svc.createSecurityConfiguration,
			"GetSecurityConfiguration":    svc.getSecurityConfiguration,
			"GetSecurityConfigurations":   svc.getSecurityConfigurations,
			"DeleteSecurityConfiguration": svc.deleteSecurityConfiguration,
		},
	}
}

func glueInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidInputException", format, args...)
}

func glueNotFound(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "EntityNotFoundException", format, args...)
}

func (svc *glueService) endpoints(c *call) map[string]*glueDevEndpoint {
	return scoped(svc.Endpoints, c)
}

func (svc *glueService) securityConfigs(c *call) map[string]*glueSecurityConfig {
	return scoped(svc.SecurityConfigs, c)
}

// status is the endpoint's status at now.
func (e *glueDevEndpoint) status(now time.Time) string {
	if now.Before(e.ReadyAt) {
		return "PROVISIONING"
	}
	return "READY"
}

type glueDevEndpointJSON struct {
	EndpointName                       string            `json:"EndpointName"`
	RoleArn                            string            `json:"RoleArn"`
	SecurityGroupIDs                   []string          `json:"SecurityGroupIds,omitempty"`
	SubnetID                           string            `json:"SubnetId,omitempty"`
	YarnEndpointAddress                string            `json:"YarnEndpointAddress,omitempty"`
	PrivateAddress                     string            `json:"PrivateAddress,omitempty"`
	PublicAddress                      string            `json:"PublicAddress,omitempty"`
	ZeppelinRemoteSparkInterpreterPort int32             `json:"ZeppelinRemoteSparkInterpreterPort,omitempty"`
	Status                             string            `json:"Status"`
	WorkerType                         string            `json:"WorkerType,omitempty"`
	GlueVersion                        string            `json:"GlueVersion,omitempty"`
	NumberOfWorkers                    *int32            `json:"NumberOfWorkers,omitempty"`
	NumberOfNodes                      int32             `json:"NumberOfNodes,omitempty"`
	AvailabilityZone                   string            `json:"AvailabilityZone,omitempty"`
	ExtraPythonLibsS3Path              string            `json:"ExtraPythonLibsS3Path,omitempty"`
	ExtraJarsS3Path                    string            `json:"ExtraJarsS3Path,omitempty"`
	CreatedTimestamp                   epochSec          `json:"CreatedTimestamp"`
	LastModifiedTimestamp              *epochSec         `json:"LastModifiedTimestamp,omitempty"`
	LastUpdateStatus                   string            `json:"LastUpdateStatus,omitempty"`
	PublicKey                          string            `json:"PublicKey,omitempty"`
	PublicKeys                         []string          `json:"PublicKeys,omitempty"`
	SecurityConfiguration              string            `json:"SecurityConfiguration,omitempty"`
	Arguments                          map[string]string `json:"Arguments,omitempty"`
}

// json describes the endpoint as GetDevEndpoint does at now: addresses
// appear once it is READY, in the VPC (private) or on the internet (public).
func (e *glueDevEndpoint) json(now time.Time) glueDevEndpointJSON {
	j := glueDevEndpointJSON{
		EndpointName: e.EndpointName, RoleArn: e.RoleArn, SecurityGroupIDs: e.SecurityGroupIDs, SubnetID: e.SubnetID,
		Status: e.status(now), WorkerType: e.WorkerType, GlueVersion: e.GlueVersion, NumberOfWorkers: e.NumberOfWorkers,
		NumberOfNodes: e.NumberOfNodes, ExtraPythonLibsS3Path: e.ExtraPythonLibsS3Path, ExtraJarsS3Path: e.ExtraJarsS3Path,
		CreatedTimestamp: epochSec(e.Created), PublicKey: e.PublicKey, PublicKeys: e.PublicKeys,
		SecurityConfiguration: e.SecurityConfiguration, Arguments: e.Arguments, AvailabilityZone: e.AvailabilityZone,
		LastUpdateStatus: e.LastUpdateStatus,
	}
	if j.Status == "READY" {
		j.ZeppelinRemoteSparkInterpreterPort = 9007
		j.YarnEndpointAddress = e.Address
		if e.SubnetID != "" {
			j.PrivateAddress = e.Address
		} else {
			j.PublicAddress = e.Address
		}
		mod := e.ReadyAt
		if e.LastModified.After(mod) {
			mod = e.LastModified
		}
		j.LastModifiedTimestamp = epochPtr(mod)
	}
	return j
}

func glueName(name, field string) error {
	if name == "" || len(name) > 255 {
		return glueInvalid("%s must be 1 to 255 characters, got %q", field, name)
	}
	return nil
}

func (svc *glueService) createDevEndpoint(c *call, body []byte) (any, error) {
	var in struct {
		EndpointName          string
		RoleArn               string
		SecurityGroupIDs      []string `json:"SecurityGroupIds"`
		SubnetID              string   `json:"SubnetId"`
		PublicKey             string
		PublicKeys            []string
		NumberOfNodes         *int32
		WorkerType            string
		GlueVersion           string
		NumberOfWorkers       *int32
		ExtraPythonLibsS3Path string
		ExtraJarsS3Path       string
		SecurityConfiguration string
		Tags                  map[string]string
		Arguments             map[string]string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if err := glueName(in.EndpointName, "EndpointName"); err != nil {
		return nil, err
	}
	if f := strings.SplitN(in.RoleArn, ":", 6); len(f) != 6 || f[0] != "arn" || f[2] != "iam" || !strings.HasPrefix(f[5], "role/") {
		return nil, glueInvalid("RoleArn %q is not an IAM role ARN", in.RoleArn)
	}
	if in.SubnetID != "" && len(in.SecurityGroupIDs) == 0 {
		return nil, glueInvalid("SecurityGroupIds are required when SubnetId is given")
	}
	if in.PublicKey != "" && len(in.PublicKeys) > 0 {
		return nil, glueInvalid("PublicKey and PublicKeys cannot both be given")
	}
	switch in.WorkerType {
	case "", "Standard", "G.1X", "G.2X":
	default:
		return nil, glueInvalid("WorkerType %q is not Standard, G.1X or G.2X", in.WorkerType)
	}
	if (in.WorkerType == "") != (in.NumberOfWorkers == nil) {
		return nil, glueInvalid("WorkerType and NumberOfWorkers must be given together")
	}
	eps := svc.endpoints(c)
	if eps[in.EndpointName] != nil {
		return nil, errorf(http.StatusBadRequest, "AlreadyExistsException", "Dev endpoint %s already exists.", in.EndpointName)
	}
	e := &glueDevEndpoint{
		EndpointName: in.EndpointName, RoleArn: in.RoleArn, SecurityGroupIDs: in.SecurityGroupIDs, SubnetID: in.SubnetID,
		PublicKey: in.PublicKey, PublicKeys: in.PublicKeys, WorkerType: in.WorkerType, GlueVersion: in.GlueVersion,
		NumberOfWorkers: in.NumberOfWorkers, ExtraPythonLibsS3Path: in.ExtraPythonLibsS3Path, ExtraJarsS3Path: in.ExtraJarsS3Path,
		SecurityConfiguration: in.SecurityConfiguration, Tags: in.Tags, Arguments: in.Arguments,
		Created: c.now, ReadyAt: c.now.Add(c.s.opts.GlueReadyDelay), AvailabilityZone: c.region + "a",
	}
	if e.GlueVersion == "" {
		e.GlueVersion = "0.9"
	}
	if in.NumberOfNodes != nil {
		e.NumberOfNodes = *in.NumberOfNodes
	} else if e.WorkerType == "" {
		e.NumberOfNodes = 5
	}
	if e.SubnetID != "" {
		e.Address = "ip-10-0-" + c.newID("", 2) + "-" + c.newID("", 2) + ".ec2.internal"
	} else {
		e.Address = "ec2-" + c.newID("", 8) + ".compute-1.amazonaws.com"
	}
	eps[e.EndpointName] = e

	// CloudTrail records the request's members as sent, and the name and
	// status in its responseElements.
	params := map[string]any{"endpointName": in.EndpointName, "roleArn": in.RoleArn}
	if in.SecurityGroupIDs != nil {
		params["securityGroupIds"] = in.SecurityGroupIDs
	}
	if in.SubnetID != "" {
		params["subnetId"] = in.SubnetID
	}
	if in.PublicKey != "" {
		params["publicKey"] = in.PublicKey
	}
	if in.PublicKeys != nil {
		params["publicKeys"] = in.PublicKeys
	}
	if in.NumberOfNodes != nil {
		params["numberOfNodes"] = *in.NumberOfNodes
	}
	if in.WorkerType != "" {
		params["workerType"] = in.WorkerType
	}
	if in.GlueVersion != "" {
		params["glueVersion"] = in.GlueVersion
	}
	if in.NumberOfWorkers != nil {
		params["numberOfWorkers"] = *in.NumberOfWorkers
	}
	if in.ExtraPythonLibsS3Path != "" {
		params["extraPythonLibsS3Path"] = in.ExtraPythonLibsS3Path
	}
	if in.ExtraJarsS3Path != "" {
		params["extraJarsS3Path"] = in.ExtraJarsS3Path
	}
	if in.SecurityConfiguration != "" {
		params["securityConfiguration"] = in.SecurityConfiguration
	}
	if in.Tags != nil {
		params["tags"] = in.Tags
	}
	if in.Arguments != nil {
		params["arguments"] = in.Arguments
	}
	c.trailParams = params
	c.trailResponse = map[string]any{"endpointName": e.EndpointName, "status": "PROVISIONING"}
	c.trailResources = []TrailResource{{
		ARN:  "arn:" + c.partition() + ":glue:" + c.region + ":" + c.Account() + ":devEndpoint/" + e.EndpointName,
		Type: "AWS::Glue::DevEndpoint", AccountID: c.Account(), Name: e.EndpointName,
	}}

	j := e.json(c.now)
	return struct {
		EndpointName          string            `json:"EndpointName"`
		Status                string            `json:"Status"`
		SecurityGroupIDs      []string          `json:"SecurityGroupIds,omitempty"`
		SubnetID              string            `json:"SubnetId,omitempty"`
		RoleArn               string            `json:"RoleArn"`
		NumberOfNodes         int32             `json:"NumberOfNodes,omitempty"`
		WorkerType            string            `json:"WorkerType,omitempty"`
		GlueVersion           string            `json:"GlueVersion"`
		NumberOfWorkers       *int32            `json:"NumberOfWorkers,omitempty"`
		AvailabilityZone      string            `json:"AvailabilityZone,omitempty"`
		ExtraPythonLibsS3Path string            `json:"ExtraPythonLibsS3Path,omitempty"`
		ExtraJarsS3Path       string            `json:"ExtraJarsS3Path,omitempty"`
		SecurityConfiguration string            `json:"SecurityConfiguration,omitempty"`
		CreatedTimestamp      epochSec          `json:"CreatedTimestamp"`
		Arguments             map[string]string `json:"Arguments,omitempty"`
	}{j.EndpointName, j.Status, j.SecurityGroupIDs, j.SubnetID, j.RoleArn, j.NumberOfNodes, j.WorkerType, j.GlueVersion,
		j.NumberOfWorkers, j.AvailabilityZone, j.ExtraPythonLibsS3Path, j.ExtraJarsS3Path, j.SecurityConfiguration,
		j.CreatedTimestamp, j.Arguments}, nil
}

func (svc *glueService) endpoint(c *call, name string) (*glueDevEndpoint, error) {
	if err := glueName(name, "EndpointName"); err != nil {
		return nil, err
	}
	e := svc.endpoints(c)[name]
	if e == nil {
		return nil, glueNotFound("Dev endpoint %s not found", name)
	}
	return e, nil
}

func (svc *glueService) getDevEndpoint(c *call, body []byte) (any, error) {
	var in struct{ EndpointName string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	e, err := svc.endpoint(c, in.EndpointName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"DevEndpoint": e.json(c.now)}, nil
}

// glueLimit returns a List call's MaxResults (1 to 1000), or 1000 if nil.
func glueLimit(maxResults *int) (int, error) {
	if maxResults == nil {
		return 1000, nil
	}
	if *maxResults < 1 || *maxResults > 1000 {
		return 0, glueInvalid("MaxResults must be between 1 and 1000, not %d", *maxResults)
	}
	return *maxResults, nil
}

// gluePosition returns the name a NextToken says a page starts after, or
// "" for the first page.
func gluePosition(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	after, ok := pagePosition(token)
	if !ok {
		return "", glueInvalid("Invalid NextToken")
	}
	return after, nil
}

// gluePage returns up to limit of the sorted names that come after after
// ("" for the first page), and the NextToken of the page that follows, or
// "" if there is none.
func gluePage(names []string, after string, limit int) ([]string, string) {
	var page []string
	for _, n := range names {
		if after != "" && n <= after {
			continue
		}
		if len(page) == limit {
			return page, pageToken(page[len(page)-1])
		}
		page = append(page, n)
	}
	return page, ""
}

func (svc *glueService) getDevEndpoints(c *call, body []byte) (any, error) {
	var in struct {
		MaxResults *int
		NextToken  string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	limit, err := glueLimit(in.MaxResults)
	if err != nil {
		return nil, err
	}
	names := sortedKeys(svc.endpoints(c))
	after, err := gluePosition(in.NextToken)
	if err != nil {
		return nil, err
	}
	page, next := gluePage(names, after, limit)
	list := []glueDevEndpointJSON{}
	for _, n := range page {
		list = append(list, svc.endpoints(c)[n].json(c.now))
	}
	out := map[string]any{"DevEndpoints": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (svc *glueService) updateDevEndpoint(c *call, body []byte) (any, error) {
	var in struct {
		EndpointName     string
		PublicKey        *string
		AddPublicKeys    []string
		DeletePublicKeys []string
		AddArguments     map[string]string
		DeleteArguments  []string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	e, err := svc.endpoint(c, in.EndpointName)
	if err != nil {
		return nil, err
	}
	if e.status(c.now) != "READY" {
		return nil, glueInvalid("Dev endpoint %s is %s; it can be updated only when READY", e.EndpointName, e.status(c.now))
	}
	if in.PublicKey != nil {
		e.PublicKey = *in.PublicKey
	}
	keys := e.PublicKeys
	for _, k := range in.AddPublicKeys {
		if !containsString(keys, k) {
			keys = append(keys, k)
		}
	}
	var kept []string
	for _, k := range keys {
		if !containsString(in.DeletePublicKeys, k) {
			kept = append(kept, k)
		}
	}
	e.PublicKeys = kept
	if len(in.AddArguments) > 0 && e.Arguments == nil {
		e.Arguments = map[string]string{}
	}
	for k, v := range in.AddArguments {
		e.Arguments[k] = v
	}
	for _, k := range in.DeleteArguments {
		delete(e.Arguments, k)
	}
	e.LastModified = c.now
	e.LastUpdateStatus = "COMPLETED"
	c.trailResources = []TrailResource{{
		ARN:  "arn:" + c.partition() + ":glue:" + c.region + ":" + c.Account() + ":devEndpoint/" + e.EndpointName,
		Type: "AWS::Glue::DevEndpoint", AccountID: c.Account(), Name: e.EndpointName,
	}}
	return nil, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (svc *glueService) deleteDevEndpoint(c *call, body []byte) (any, error) {
	var in struct{ EndpointName string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	e, err := svc.endpoint(c, in.EndpointName)
	if err != nil {
		return nil, err
	}
	if st := e.status(c.now); st == "PROVISIONING" {
		return nil, glueInvalid("Dev endpoint %s is %s and cannot be deleted until it is READY or FAILED", e.EndpointName, st)
	}
	delete(svc.endpoints(c), e.EndpointName)
	c.trailResources = []TrailResource{{
		ARN:  "arn:" + c.partition() + ":glue:" + c.region + ":" + c.Account() + ":devEndpoint/" + e.EndpointName,
		Type: "AWS::Glue::DevEndpoint", AccountID: c.Account(), Name: e.EndpointName,
	}}
	return nil, nil
}

// --- security configurations ---

func (svc *glueService) createSecurityConfiguration(c *call, body []byte) (any, error) {
	var in struct {
		Name                    string
		EncryptionConfiguration map[string]any
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if err := glueName(in.Name, "Name"); err != nil {
		return nil, err
	}
	if in.EncryptionConfiguration == nil {
		return nil, glueInvalid("EncryptionConfiguration is required")
	}
	cfgs := svc.securityConfigs(c)
	if cfgs[in.Name] != nil {
		return nil, errorf(http.StatusBadRequest, "AlreadyExistsException", "Security configuration %s already exists.", in.Name)
	}
	cfgs[in.Name] = &glueSecurityConfig{Name: in.Name, Created: c.now, EncryptionConfiguration: in.EncryptionConfiguration}
	return map[string]any{"Name": in.Name, "CreatedTimestamp": epochSec(c.now)}, nil
}

func (sc *glueSecurityConfig) json() map[string]any {
	return map[string]any{"Name": sc.Name, "CreatedTimeStamp": epochSec(sc.Created), "EncryptionConfiguration": sc.EncryptionConfiguration}
}

func (svc *glueService) getSecurityConfiguration(c *call, body []byte) (any, error) {
	var in struct{ Name string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if err := glueName(in.Name, "Name"); err != nil {
		return nil, err
	}
	sc := svc.securityConfigs(c)[in.Name]
	if sc == nil {
		return nil, glueNotFound("Security configuration %s not found", in.Name)
	}
	return map[string]any{"SecurityConfiguration": sc.json()}, nil
}

func (svc *glueService) getSecurityConfigurations(c *call, body []byte) (any, error) {
	var in struct {
		MaxResults *int
		NextToken  string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	limit, err := glueLimit(in.MaxResults)
	if err != nil {
		return nil, err
	}
	after, err := gluePosition(in.NextToken)
	if err != nil {
		return nil, err
	}
	cfgs := svc.securityConfigs(c)
	page, next := gluePage(sortedKeys(cfgs), after, limit)
	list := []map[string]any{}
	for _, n := range page {
		list = append(list, cfgs[n].json())
	}
	out := map[string]any{"SecurityConfigurations": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (svc *glueService) deleteSecurityConfiguration(c *call, body []byte) (any, error) {
	var in struct{ Name string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if err := glueName(in.Name, "Name"); err != nil {
		return nil, err
	}
	cfgs := svc.securityConfigs(c)
	if cfgs[in.Name] == nil {
		return nil, glueNotFound("Security configuration %s not found", in.Name)
	}
	delete(cfgs, in.Name)
	return nil, nil
}
