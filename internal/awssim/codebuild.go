package awssim

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// CodeBuild: build projects. A project keeps every field CreateProject and
// UpdateProject gave it, as given; UpdateProject replaces each top-level
// field it names (an environment replaces the whole environment, which must
// then name its type, image and compute type). No builds run. The activity
// log hides the values of environment variables, which may be secrets.
// State is per account and region.

type codebuildService struct {
	s *Server
	// Projects is keyed by scopeKey, then by project name.
	Projects map[string]map[string]*cbProject
}

type cbProject struct {
	Name, ARN string
	Fields    map[string]any
	Created   time.Time
	Modified  time.Time
}

func newCodeBuild(s *Server) *serviceDef {
	svc := &codebuildService{s: s, Projects: map[string]map[string]*cbProject{}}
	return &serviceDef{
		Name: "codebuild", EventSource: "codebuild.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "CodeBuild_20161006",
		State: svc,
		JSON: map[string]jsonHandler{
			"CreateProject":    svc.createProject,
			"BatchGetProjects": svc.batchGetProjects,
			"UpdateProject":    svc.updateProject,
			"DeleteProject":    svc.deleteProject,
			"ListProjects":     svc.listProjects,
		},
		Resources: func(c *call) ([]string, bool) {
			switch c.op {
			case "ListProjects":
				return noResource()
			case "BatchGetProjects":
				names, _ := c.jsonParams()["names"].([]any)
				var out []string
				for _, n := range names {
					if s, ok := n.(string); ok {
						out = append(out, nameARN(c, "codebuild", "project/", s))
					}
				}
				return out, len(out) > 0
			}
			return named(nameARN(c, "codebuild", "project/", c.param("name")))
		},
	}
}

func cbInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidInputException", format, args...)
}

func (svc *codebuildService) projects(c *call) map[string]*cbProject { return scoped(svc.Projects, c) }

// project finds a project by name or ARN.
func (svc *codebuildService) project(c *call, ref string) *cbProject {
	name := ref
	if strings.HasPrefix(ref, "arn:") {
		i := strings.Index(ref, ":project/")
		if i < 0 || ref != c.arn("codebuild", ref[i+1:]) {
			return nil
		}
		name = ref[i+len(":project/"):]
	}
	return svc.projects(c)[name]
}

func (p *cbProject) json() map[string]any {
	out := map[string]any{}
	for k, v := range p.Fields {
		out[k] = v
	}
	out["name"], out["arn"] = p.Name, p.ARN
	out["created"], out["lastModified"] = epochSec(p.Created), epochSec(p.Modified)
	out["badge"] = map[string]any{"badgeEnabled": false}
	out["projectVisibility"] = "PRIVATE"
	return out
}

// checkProjectFields checks the fields a request sets.
func checkProjectFields(in map[string]any) error {
	if env, ok := in["environment"]; ok {
		e, _ := env.(map[string]any)
		for _, req := range []string{"type", "image", "computeType"} {
			if s, _ := e[req].(string); s == "" {
				return cbInvalid("Invalid environment: %s must not be empty", req)
			}
		}
		if pm, ok := e["privilegedMode"]; ok {
			if _, isBool := pm.(bool); !isBool {
				return errorf(http.StatusBadRequest, "SerializationException", "privilegedMode must be a boolean")
			}
		}
		vars, _ := e["environmentVariables"].([]any)
		seen := map[string]bool{}
		for _, v := range vars {
			ev, _ := v.(map[string]any)
			name, _ := ev["name"].(string)
			if name == "" {
				return cbInvalid("Invalid environment variable: name must not be empty")
			}
			if _, ok := ev["value"].(string); !ok {
				return cbInvalid("Invalid environment variable %s: value must be a string", name)
			}
			if t, _ := ev["type"].(string); t != "" && t != "PLAINTEXT" && t != "PARAMETER_STORE" && t != "SECRETS_MANAGER" {
				return cbInvalid("Invalid environment variable %s: type must be PLAINTEXT, PARAMETER_STORE or SECRETS_MANAGER", name)
			}
			if seen[name] {
				return cbInvalid("Invalid environment: duplicate environment variable %s", name)
			}
			seen[name] = true
		}
	}
	if src, ok := in["source"]; ok {
		if s, _ := src.(map[string]any)["type"].(string); s == "" {
			return cbInvalid("Invalid source: type must not be empty")
		}
	}
	if art, ok := in["artifacts"]; ok {
		if s, _ := art.(map[string]any)["type"].(string); s == "" {
			return cbInvalid("Invalid artifacts: type must not be empty")
		}
	}
	if role, ok := in["serviceRole"]; ok {
		if s, _ := role.(string); s == "" {
			return cbInvalid("Invalid service role: must not be empty")
		}
	}
	return nil
}

// redactVariables returns the request with environment variable values
// hidden, for the activity log.
func redactVariables(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
	}
	env, ok := in["environment"].(map[string]any)
	if !ok {
		return out
	}
	e := map[string]any{}
	for k, v := range env {
		e[k] = v
	}
	if vars, ok := env["environmentVariables"].([]any); ok {
		var hidden []any
		for _, v := range vars {
			ev, _ := v.(map[string]any)
			hidden = append(hidden, map[string]any{"name": ev["name"], "type": ev["type"], "value": "HIDDEN_DUE_TO_SECURITY_REASONS"})
		}
		e["environmentVariables"] = hidden
	}
	out["environment"] = e
	return out
}

func (svc *codebuildService) createProject(c *call, body []byte) (any, error) {
	var in map[string]any
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	c.trailParams = redactVariables(in)
	name, _ := in["name"].(string)
	if len(name) < 2 || len(name) > 255 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		return nil, cbInvalid("Invalid project name: %q; it must be 2 to 255 letters, digits, hyphens and underscores", name)
	}
	for _, req := range []string{"source", "artifacts", "environment", "serviceRole"} {
		if _, ok := in[req]; !ok {
			return nil, cbInvalid("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", req)
		}
	}
	if err := checkProjectFields(in); err != nil {
		return nil, err
	}
	if svc.projects(c)[name] != nil {
		return nil, errorf(http.StatusBadRequest, "ResourceAlreadyExistsException", "Project already exists: %s", name)
	}
	fields := map[string]any{}
	for k, v := range in {
		if k != "name" {
			fields[k] = v
		}
	}
	if _, ok := fields["timeoutInMinutes"]; !ok {
		fields["timeoutInMinutes"] = 60
	}
	if _, ok := fields["queuedTimeoutInMinutes"]; !ok {
		fields["queuedTimeoutInMinutes"] = 480
	}
	if _, ok := fields["encryptionKey"]; !ok {
		fields["encryptionKey"] = "arn:" + c.partition() + ":kms:" + c.region + ":" + c.Account() + ":alias/aws/s3"
	}
	p := &cbProject{Name: name, ARN: c.arn("codebuild", "project/"+name), Fields: fields, Created: c.now, Modified: c.now}
	svc.projects(c)[name] = p
	c.trailResources = []TrailResource{{ARN: p.ARN, AccountID: c.Account(), Type: "AWS::CodeBuild::Project", Name: name}}
	return map[string]any{"project": p.json()}, nil
}

func (svc *codebuildService) batchGetProjects(c *call, body []byte) (any, error) {
	var in struct {
		Names []string `json:"names"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.Names) == 0 || len(in.Names) > 100 {
		return nil, cbInvalid("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	projects, missing := []any{}, []string{}
	for _, n := range in.Names {
		if p := svc.project(c, n); p != nil {
			projects = append(projects, p.json())
		} else {
			missing = append(missing, n)
		}
	}
	return map[string]any{"projects": projects, "projectsNotFound": missing}, nil
}

func (svc *codebuildService) updateProject(c *call, body []byte) (any, error) {
	var in map[string]any
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	c.trailParams = redactVariables(in)
	name, _ := in["name"].(string)
	p := svc.project(c, name)
	if p == nil {
		return nil, errorf(http.StatusBadRequest, "ResourceNotFoundException", "Failed to call UpdateProject, reason: Project cannot be found: %s", c.arn("codebuild", "project/"+name))
	}
	if err := checkProjectFields(in); err != nil {
		return nil, err
	}
	for k, v := range in {
		if k != "name" {
			p.Fields[k] = v
		}
	}
	p.Modified = c.now
	c.trailResources = []TrailResource{{ARN: p.ARN, AccountID: c.Account(), Type: "AWS::CodeBuild::Project", Name: p.Name}}
	return map[string]any{"project": p.json()}, nil
}

func (svc *codebuildService) deleteProject(c *call, body []byte) (any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if p := svc.project(c, in.Name); p != nil {
		delete(svc.projects(c), p.Name)
	}
	return map[string]any{}, nil
}

func (svc *codebuildService) listProjects(c *call, body []byte) (any, error) {
	var in struct {
		NextToken string `json:"nextToken"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	names := sortedKeys(svc.projects(c))
	start := 0
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, cbInvalid("Invalid next token")
		}
		start = sort.SearchStrings(names, pos)
	}
	const page = 100
	out := map[string]any{}
	end := min(start+page, len(names))
	out["projects"] = append([]string{}, names[start:end]...)
	if end < len(names) {
		out["nextToken"] = pageToken(names[end])
	}
	return out, nil
}
