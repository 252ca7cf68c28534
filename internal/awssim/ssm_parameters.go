package awssim

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Systems Manager Parameter Store: String, StringList and SecureString
// parameters with their versions' values and tags. A SecureString is
// answered encrypted (an opaque blob) unless WithDecryption is set, and is
// encrypted with alias/aws/ssm unless KeyId names another key. The
// activity log never holds a parameter's value.

type ssmParameter struct {
	Name, Type, KeyID, Description string
	Value                          string
	Version                        int64
	Modified                       time.Time
	Tags                           map[string]string
}

// parameterOps returns the Parameter Store operations.
func (svc *ssmService) parameterOps() map[string]jsonHandler {
	return map[string]jsonHandler{
		"PutParameter":        svc.putParameter,
		"GetParameter":        svc.getParameter,
		"GetParameters":       svc.getParameters,
		"DeleteParameter":     svc.deleteParameter,
		"AddTagsToResource":   svc.addTagsToResource,
		"ListTagsForResource": svc.listTagsForResource,
	}
}

func (svc *ssmService) parameters(c *call) map[string]*ssmParameter {
	if svc.Parameters == nil {
		svc.Parameters = map[string]map[string]*ssmParameter{}
	}
	return scoped(svc.Parameters, c)
}

// ssmParameterARN returns a parameter's ARN: names of a hierarchy begin
// with "/", others get one.
func ssmParameterARN(c *call, name string) string {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	return c.arn("ssm", "parameter"+name)
}

var ssmParameterNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.\-/]+$`)

// parameterName reads a parameter name or ARN.
func parameterName(c *call, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		if i := strings.Index(ref, ":parameter/"); i >= 0 {
			name := ref[i+len(":parameter"):]
			if strings.Count(name, "/") == 1 {
				name = name[1:]
			}
			return name
		}
	}
	return ref
}

func (p *ssmParameter) json(c *call, decrypt bool) map[string]any {
	v := p.Value
	if p.Type == "SecureString" && !decrypt {
		sum := sha256.Sum256([]byte(p.KeyID + "\x00" + p.Value))
		v = "AQICAH" + base64.StdEncoding.EncodeToString(sum[:])
	}
	return map[string]any{"Name": p.Name, "Type": p.Type, "Value": v, "Version": p.Version, "LastModifiedDate": epochSec(p.Modified),
		"ARN": ssmParameterARN(c, p.Name), "DataType": "text"}
}

func (svc *ssmService) putParameter(c *call, body []byte) (any, error) {
	var in struct {
		Name, Description, Value, Type, KeyId, Tier string
		Overwrite                                   bool
		Tags                                        []struct{ Key, Value string }
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	name := parameterName(c, in.Name)
	trail := map[string]any{"name": name, "type": in.Type, "overwrite": in.Overwrite, "value": "HIDDEN_DUE_TO_SECURITY_REASONS"}
	if in.KeyId != "" {
		trail["keyId"] = in.KeyId
	}
	c.trailParams = trail
	if !ssmParameterNameRE.MatchString(name) || len(name) > 1011 || strings.HasPrefix(strings.ToLower(strings.TrimPrefix(name, "/")), "aws") || strings.HasPrefix(strings.ToLower(strings.TrimPrefix(name, "/")), "ssm") {
		return nil, ssmError("ValidationException", "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive), and must be 1 to 1011 letters, digits and _.-/")
	}
	if strings.Count(name, "/") > 15 {
		return nil, ssmError("HierarchyLevelLimitExceededException", "A hierarchy can have a maximum of 15 levels.")
	}
	if in.Value == "" || len(in.Value) > 4096 {
		return nil, ssmError("ValidationException", "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length between 1 and 4096")
	}
	if in.Overwrite && len(in.Tags) > 0 {
		return nil, ssmError("ValidationException", "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	p := svc.parameters(c)[name]
	if p != nil && !in.Overwrite {
		return nil, ssmError("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	}
	typ := in.Type
	switch {
	case typ == "" && p != nil:
		typ = p.Type
	case typ == "":
		return nil, ssmError("ValidationException", "A parameter type is required when you create a parameter.")
	case typ != "String" && typ != "StringList" && typ != "SecureString":
		return nil, ssmError("UnsupportedParameterType", "The parameter type %s is not supported.", typ)
	}
	if p != nil && typ != p.Type {
		return nil, ssmError("HierarchyTypeMismatchException", "The parameter type can't be changed from %s to %s.", p.Type, typ)
	}
	key := ""
	if typ == "SecureString" {
		key = in.KeyId
		if key == "" {
			key = "alias/aws/ssm"
		}
		if !strings.HasPrefix(key, "alias/") && !strings.HasPrefix(key, "arn:") && len(key) != 36 {
			return nil, ssmError("InvalidKeyId", "The key ID %s is not valid.", key)
		}
	} else if in.KeyId != "" {
		return nil, ssmError("ValidationException", "KeyId is only valid for SecureString parameters.")
	}
	if p == nil {
		p = &ssmParameter{Name: name, Tags: map[string]string{}}
		for _, t := range in.Tags {
			p.Tags[t.Key] = t.Value
		}
		svc.parameters(c)[name] = p
	}
	p.Type, p.KeyID, p.Value, p.Modified = typ, key, in.Value, c.now
	if in.Description != "" {
		p.Description = in.Description
	}
	p.Version++
	c.trailResources = []TrailResource{{ARN: ssmParameterARN(c, name), AccountID: c.Account(), Type: "AWS::SSM::Parameter", Name: name}}
	return map[string]any{"Version": p.Version, "Tier": "Standard"}, nil
}

func (svc *ssmService) getParameter(c *call, body []byte) (any, error) {
	var in struct {
		Name           string
		WithDecryption bool
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	name := parameterName(c, in.Name)
	p := svc.parameters(c)[name]
	if p == nil {
		return nil, ssmError("ParameterNotFound", "Parameter %s not found.", name)
	}
	c.trailResponse = nil
	return map[string]any{"Parameter": p.json(c, in.WithDecryption)}, nil
}

func (svc *ssmService) getParameters(c *call, body []byte) (any, error) {
	var in struct {
		Names          []string
		WithDecryption bool
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.Names) == 0 || len(in.Names) > 10 {
		return nil, ssmError("ValidationException", "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	params, invalid := []any{}, []string{}
	for _, n := range in.Names {
		if p := svc.parameters(c)[parameterName(c, n)]; p != nil {
			params = append(params, p.json(c, in.WithDecryption))
		} else {
			invalid = append(invalid, n)
		}
	}
	return map[string]any{"Parameters": params, "InvalidParameters": invalid}, nil
}

func (svc *ssmService) deleteParameter(c *call, body []byte) (any, error) {
	var in struct{ Name string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	name := parameterName(c, in.Name)
	if svc.parameters(c)[name] == nil {
		return nil, ssmError("ParameterNotFound", "Parameter %s not found.", name)
	}
	delete(svc.parameters(c), name)
	return map[string]any{}, nil
}

// taggable returns the tags of the parameter or document a tagging call
// names.
func (svc *ssmService) taggable(c *call, typ, id string) (map[string]string, error) {
	switch typ {
	case "Parameter":
		if p := svc.parameters(c)[parameterName(c, id)]; p != nil {
			return p.Tags, nil
		}
	case "Document":
		if d := svc.documents(c)[id]; d != nil {
			if d.Tags == nil {
				d.Tags = map[string]string{}
			}
			return d.Tags, nil
		}
	default:
		return nil, errorf(http.StatusBadRequest, "InvalidResourceType", "The resource type %s is not supported by the simulated SSM.", typ)
	}
	return nil, errorf(http.StatusBadRequest, "InvalidResourceId", "The resource ID \"%s\" is not valid. Verify the ID and try again.", id)
}

func (svc *ssmService) addTagsToResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceType, ResourceId string
		Tags                     []struct{ Key, Value string }
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	tags, err := svc.taggable(c, in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, ssmError("ValidationException", "Tags must not be empty.")
	}
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	if len(tags) > 50 {
		return nil, ssmError("TooManyTagsError", "The Targets parameter includes too many tags. Remove one or more tags and try the command again.")
	}
	return map[string]any{}, nil
}

func (svc *ssmService) listTagsForResource(c *call, body []byte) (any, error) {
	var in struct{ ResourceType, ResourceId string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	tags, err := svc.taggable(c, in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, k := range sortedKeys(tags) {
		list = append(list, map[string]string{"Key": k, "Value": tags[k]})
	}
	return map[string]any{"TagList": list}, nil
}
