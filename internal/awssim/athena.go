package awssim

import (
	"net/http"
	"sort"
	"time"
)

// Athena: workgroups and their configuration. Every account has the
// workgroup "primary" in every region. UpdateWorkGroup applies the
// configuration updates it is given and keeps every other setting. State
// is per account and region.

type athenaService struct {
	s *Server
	// WorkGroups is keyed by scopeKey, then by name.
	WorkGroups map[string]map[string]*athenaWorkGroup
}

type athenaWorkGroup struct {
	Name, Description, State string
	Config                   map[string]any
	Tags                     map[string]string
	Created                  time.Time
}

func newAthena(s *Server) *serviceDef {
	svc := &athenaService{s: s, WorkGroups: map[string]map[string]*athenaWorkGroup{}}
	return &serviceDef{
		Name: "athena", EventSource: "athena.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "AmazonAthena",
		State: svc,
		JSON: map[string]jsonHandler{
			"CreateWorkGroup": svc.create,
			"GetWorkGroup":    svc.get,
			"UpdateWorkGroup": svc.update,
			"ListWorkGroups":  svc.list,
			"DeleteWorkGroup": svc.delete,
		},
		Resources: func(c *call) ([]string, bool) {
			if c.op == "ListWorkGroups" {
				return noResource()
			}
			name := c.param("Name")
			if name == "" {
				name = c.param("WorkGroup")
			}
			return named(nameARN(c, "athena", "workgroup/", name))
		},
	}
}

func athenaInvalid(format string, args ...any) *Error {
	e := errorf(http.StatusBadRequest, "InvalidRequestException", format, args...)
	e.Extra = map[string]any{"AthenaErrorCode": "INVALID_INPUT"}
	return e
}

// groups returns the call's workgroups, with "primary" made on first use.
func (svc *athenaService) groups(c *call) map[string]*athenaWorkGroup {
	m := scoped(svc.WorkGroups, c)
	if m["primary"] == nil {
		m["primary"] = &athenaWorkGroup{Name: "primary", State: "ENABLED", Created: c.now, Tags: map[string]string{},
			Config: map[string]any{"EnforceWorkGroupConfiguration": false, "PublishCloudWatchMetricsEnabled": false, "RequesterPaysEnabled": false,
				"EngineVersion": map[string]any{"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}}}
	}
	return m
}

func (g *athenaWorkGroup) json() map[string]any {
	out := map[string]any{"Name": g.Name, "State": g.State, "Configuration": g.Config, "CreationTime": epochSec(g.Created)}
	if g.Description != "" {
		out["Description"] = g.Description
	}
	return out
}

func (svc *athenaService) create(c *call, body []byte) (any, error) {
	var in struct {
		Name          string
		Description   string
		Configuration map[string]any
		Tags          []struct{ Key, Value string }
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.Name == "" || len(in.Name) > 128 {
		return nil, athenaInvalid("WorkGroup name must be 1 to 128 characters")
	}
	if svc.groups(c)[in.Name] != nil {
		return nil, athenaInvalid("WorkGroup is already created")
	}
	cfg := map[string]any{"EnforceWorkGroupConfiguration": true, "PublishCloudWatchMetricsEnabled": false, "RequesterPaysEnabled": false,
		"EngineVersion": map[string]any{"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}}
	for k, v := range in.Configuration {
		cfg[k] = v
	}
	g := &athenaWorkGroup{Name: in.Name, Description: in.Description, State: "ENABLED", Config: cfg, Tags: map[string]string{}, Created: c.now}
	for _, t := range in.Tags {
		g.Tags[t.Key] = t.Value
	}
	svc.groups(c)[in.Name] = g
	return map[string]any{}, nil
}

func (svc *athenaService) group(c *call, name string) (*athenaWorkGroup, error) {
	g := svc.groups(c)[name]
	if g == nil {
		return nil, athenaInvalid("WorkGroup %s is not found.", name)
	}
	c.trailResources = []TrailResource{{ARN: c.arn("athena", "workgroup/"+name), AccountID: c.Account(), Type: "AWS::Athena::WorkGroup", Name: name}}
	return g, nil
}

func (svc *athenaService) get(c *call, body []byte) (any, error) {
	var in struct{ WorkGroup string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.group(c, in.WorkGroup)
	if err != nil {
		return nil, err
	}
	return map[string]any{"WorkGroup": g.json()}, nil
}

func (svc *athenaService) update(c *call, body []byte) (any, error) {
	var in struct {
		WorkGroup            string
		Description          *string
		State                string
		ConfigurationUpdates map[string]any
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	g, err := svc.group(c, in.WorkGroup)
	if err != nil {
		return nil, err
	}
	if in.State != "" && in.State != "ENABLED" && in.State != "DISABLED" {
		return nil, athenaInvalid("State must be ENABLED or DISABLED")
	}
	cfg := map[string]any{}
	for k, v := range g.Config {
		cfg[k] = v
	}
	for k, v := range in.ConfigurationUpdates {
		switch k {
		case "EnforceWorkGroupConfiguration", "PublishCloudWatchMetricsEnabled", "RequesterPaysEnabled", "EnableMinimumEncryptionConfiguration":
			if _, ok := v.(bool); !ok {
				return nil, errorf(http.StatusBadRequest, "SerializationException", "%s must be a boolean", k)
			}
			cfg[k] = v
		case "BytesScannedCutoffPerQuery", "EngineVersion", "AdditionalConfiguration", "ExecutionRole", "CustomerContentEncryptionConfiguration":
			cfg[k] = v
		case "RemoveBytesScannedCutoffPerQuery":
			if v == true {
				delete(cfg, "BytesScannedCutoffPerQuery")
			}
		case "ResultConfigurationUpdates":
			rc, _ := cfg["ResultConfiguration"].(map[string]any)
			merged := map[string]any{}
			for rk, rv := range rc {
				merged[rk] = rv
			}
			upd, _ := v.(map[string]any)
			for uk, uv := range upd {
				switch uk {
				case "RemoveOutputLocation":
					if uv == true {
						delete(merged, "OutputLocation")
					}
				case "RemoveEncryptionConfiguration":
					if uv == true {
						delete(merged, "EncryptionConfiguration")
					}
				case "RemoveExpectedBucketOwner":
					if uv == true {
						delete(merged, "ExpectedBucketOwner")
					}
				case "RemoveAclConfiguration":
					if uv == true {
						delete(merged, "AclConfiguration")
					}
				default:
					merged[uk] = uv
				}
			}
			cfg["ResultConfiguration"] = merged
		default:
			return nil, athenaInvalid("The simulated UpdateWorkGroup does not support %s", k)
		}
	}
	g.Config = cfg
	if in.Description != nil {
		g.Description = *in.Description
	}
	if in.State != "" {
		g.State = in.State
	}
	return map[string]any{}, nil
}

func (svc *athenaService) list(c *call, body []byte) (any, error) {
	var in struct {
		NextToken  string
		MaxResults *int
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	names := sortedKeys(svc.groups(c))
	max := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, athenaInvalid("MaxResults must be between 1 and 50")
		}
		max = *in.MaxResults
	}
	start := 0
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, athenaInvalid("Invalid NextToken")
		}
		start = sort.SearchStrings(names, pos)
	}
	out := map[string]any{}
	items := []any{}
	for i := start; i < len(names); i++ {
		if len(items) == max {
			out["NextToken"] = pageToken(names[i])
			break
		}
		g := svc.groups(c)[names[i]]
		items = append(items, map[string]any{"Name": g.Name, "State": g.State, "Description": g.Description, "CreationTime": epochSec(g.Created)})
	}
	out["WorkGroups"] = items
	return out, nil
}

func (svc *athenaService) delete(c *call, body []byte) (any, error) {
	var in struct{ WorkGroup string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.WorkGroup == "primary" {
		return nil, athenaInvalid("Cannot delete the primary workgroup")
	}
	g, err := svc.group(c, in.WorkGroup)
	if err != nil {
		return nil, err
	}
	delete(svc.groups(c), g.Name)
	return map[string]any{}, nil
}
