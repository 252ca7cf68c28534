package awssim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ECS: task definitions, every revision of every family, with their tags.
// A task definition keeps every field RegisterTaskDefinition was given,
// as given, and answers them back with the fields ECS adds (ARN, revision,
// status, compatibilities, registration time and registrant).
// Deregistering a revision makes it INACTIVE; DescribeTaskDefinition of a
// family alone finds its latest ACTIVE revision. State is per account and
// region.

type ecsService struct {
	s *Server
	// Families is keyed by scopeKey, then by family name.
	Families map[string]map[string]*ecsFamily
}

type ecsFamily struct {
	Name      string
	Revisions []*ecsTaskDef
}

type ecsTaskDef struct {
	Revision     int
	Definition   map[string]any
	Status       string
	Registered   time.Time
	Deregistered time.Time `json:",omitempty"`
	RegisteredBy string
	Tags         []map[string]string `json:",omitempty"`
}

func newECS(s *Server) *serviceDef {
	svc := &ecsService{s: s, Families: map[string]map[string]*ecsFamily{}}
	return &serviceDef{
		Name: "ecs", EventSource: "ecs.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "AmazonEC2ContainerServiceV20141113",
		State: svc,
		JSON: map[string]jsonHandler{
			"RegisterTaskDefinition":   svc.register,
			"DescribeTaskDefinition":   svc.describe,
			"DeregisterTaskDefinition": svc.deregister,
			"ListTaskDefinitions":      svc.list,
		},
		// ECS's task definition actions name no resource.
		Resources: func(*call) ([]string, bool) { return noResource() },
	}
}

func ecsClient(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ClientException", format, args...)
}

func ecsInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

func (svc *ecsService) families(c *call) map[string]*ecsFamily { return scoped(svc.Families, c) }

func (svc *ecsService) arn(c *call, family string, rev int) string {
	return c.arn("ecs", "task-definition/"+family+":"+strconv.Itoa(rev))
}

// json renders a revision as TaskDefinition.
func (svc *ecsService) json(c *call, family string, td *ecsTaskDef) map[string]any {
	out := map[string]any{}
	for k, v := range td.Definition {
		out[k] = v
	}
	out["family"] = family
	out["taskDefinitionArn"] = svc.arn(c, family, td.Revision)
	out["revision"] = td.Revision
	out["status"] = td.Status
	out["registeredAt"] = epochSec(td.Registered)
	out["registeredBy"] = td.RegisteredBy
	if !td.Deregistered.IsZero() {
		out["deregisteredAt"] = epochSec(td.Deregistered)
	}
	compat := []string{"EC2"}
	if nm, _ := td.Definition["networkMode"].(string); nm == "awsvpc" {
		compat = append(compat, "FARGATE")
	}
	out["compatibilities"] = compat
	if _, ok := out["volumes"]; !ok {
		out["volumes"] = []any{}
	}
	if _, ok := out["placementConstraints"]; !ok {
		out["placementConstraints"] = []any{}
	}
	return out
}

func (svc *ecsService) register(c *call, body []byte) (any, error) {
	var in map[string]any
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	family, _ := in["family"].(string)
	if family == "" || len(family) > 255 || strings.Trim(family, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		return nil, ecsClient("Family contains invalid characters or is empty: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.")
	}
	containers, _ := in["containerDefinitions"].([]any)
	if len(containers) == 0 {
		return nil, ecsClient("Container list cannot be empty.")
	}
	names := map[string]bool{}
	for _, raw := range containers {
		cd, _ := raw.(map[string]any)
		name, _ := cd["name"].(string)
		if name == "" {
			return nil, ecsClient("Container.name should not be null or empty.")
		}
		if img, _ := cd["image"].(string); img == "" {
			return nil, ecsClient("Container.image should not be null or empty.")
		}
		if names[name] {
			return nil, ecsClient("Duplicate container name found: %s.", name)
		}
		names[name] = true
		if v, ok := cd["readonlyRootFilesystem"]; ok {
			if _, isBool := v.(bool); !isBool {
				return nil, errorf(http.StatusBadRequest, "SerializationException", "readonlyRootFilesystem must be a boolean")
			}
		}
	}
	for _, key := range []string{"taskRoleArn", "executionRoleArn"} {
		if v, _ := in[key].(string); v != "" && (!strings.HasPrefix(v, "arn:") || !strings.Contains(v, ":role/")) {
			return nil, ecsClient("Role is not valid: %s", v)
		}
	}
	var tags []map[string]string
	if raw, ok := in["tags"]; ok {
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &tags); err != nil {
			return nil, ecsInvalid("tags must be a list of key and value pairs")
		}
		for _, t := range tags {
			if t["key"] == "" {
				return nil, ecsInvalid("Tag keys must not be empty")
			}
		}
	}
	def := map[string]any{}
	for k, v := range in {
		if k != "family" && k != "tags" {
			def[k] = v
		}
	}
	f := svc.families(c)[family]
	if f == nil {
		f = &ecsFamily{Name: family}
		svc.families(c)[family] = f
	}
	const maxRevisions = 1_000_000
	if len(f.Revisions) >= maxRevisions {
		return nil, ecsClient("Too many revisions of task definition family %s.", family)
	}
	td := &ecsTaskDef{Revision: len(f.Revisions) + 1, Definition: def, Status: "ACTIVE", Registered: c.now, RegisteredBy: c.caller.ARN, Tags: tags}
	f.Revisions = append(f.Revisions, td)
	c.trailResources = []TrailResource{{ARN: svc.arn(c, family, td.Revision), AccountID: c.Account(), Type: "AWS::ECS::TaskDefinition"}}
	out := map[string]any{"taskDefinition": svc.json(c, family, td)}
	if len(tags) > 0 {
		out["tags"] = tags
	}
	return out, nil
}

// find resolves a task definition reference: family, family:revision or
// an ARN. A family alone means its latest ACTIVE revision when latest is
// set, and is refused otherwise.
func (svc *ecsService) find(c *call, ref string, latest bool) (*ecsFamily, *ecsTaskDef, error) {
	if ref == "" {
		return nil, nil, ecsClient("TaskDefinition can not be blank.")
	}
	name := ref
	if strings.HasPrefix(ref, "arn:") {
		i := strings.Index(ref, ":task-definition/")
		if i < 0 {
			return nil, nil, ecsClient("The specified task definition identifier is invalid. Specify a valid name or ARN.")
		}
		prefix := strings.Split(ref[:i], ":")
		if len(prefix) != 5 || prefix[3] != c.region || prefix[4] != c.Account() {
			return nil, nil, ecsClient("Unable to describe task definition.")
		}
		name = ref[i+len(":task-definition/"):]
	}
	family, revText, hasRev := strings.Cut(name, ":")
	f := svc.families(c)[family]
	if !hasRev {
		if !latest {
			return nil, nil, ecsClient("The specified task definition identifier is invalid. Specify a valid name or ARN.")
		}
		if f != nil {
			for i := len(f.Revisions) - 1; i >= 0; i-- {
				if f.Revisions[i].Status == "ACTIVE" {
					return f, f.Revisions[i], nil
				}
			}
		}
		return nil, nil, ecsClient("Unable to describe task definition.")
	}
	rev, err := strconv.Atoi(revText)
	if err != nil || rev < 1 {
		return nil, nil, ecsClient("The specified task definition identifier is invalid. Specify a valid name or ARN.")
	}
	if f == nil || rev > len(f.Revisions) {
		return nil, nil, ecsClient("Unable to describe task definition.")
	}
	return f, f.Revisions[rev-1], nil
}

func (svc *ecsService) describe(c *call, body []byte) (any, error) {
	var in struct {
		TaskDefinition string   `json:"taskDefinition"`
		Include        []string `json:"include"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	f, td, err := svc.find(c, in.TaskDefinition, true)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"taskDefinition": svc.json(c, f.Name, td)}
	for _, inc := range in.Include {
		if inc != "TAGS" {
			return nil, ecsInvalid("include should be one of [TAGS]")
		}
		tags := td.Tags
		if tags == nil {
			tags = []map[string]string{}
		}
		out["tags"] = tags
	}
	return out, nil
}

func (svc *ecsService) deregister(c *call, body []byte) (any, error) {
	var in struct {
		TaskDefinition string `json:"taskDefinition"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	f, td, err := svc.find(c, in.TaskDefinition, false)
	if err != nil {
		return nil, err
	}
	if td.Status == "ACTIVE" {
		td.Status, td.Deregistered = "INACTIVE", c.now
	}
	return map[string]any{"taskDefinition": svc.json(c, f.Name, td)}, nil
}

func (svc *ecsService) list(c *call, body []byte) (any, error) {
	var in struct {
		FamilyPrefix string `json:"familyPrefix"`
		Status       string `json:"status"`
		Sort         string `json:"sort"`
		NextToken    string `json:"nextToken"`
		MaxResults   *int   `json:"maxResults"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	status := in.Status
	if status == "" {
		status = "ACTIVE"
	}
	if status != "ACTIVE" && status != "INACTIVE" && status != "DELETE_IN_PROGRESS" {
		return nil, ecsInvalid("status must be one of [ACTIVE, INACTIVE, DELETE_IN_PROGRESS]")
	}
	max := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			return nil, ecsInvalid("maxResults must be between 1 and 100")
		}
		max = *in.MaxResults
	}
	var arns []string
	for _, name := range sortedKeys(svc.families(c)) {
		if in.FamilyPrefix != "" && name != in.FamilyPrefix {
			continue
		}
		for _, td := range svc.families(c)[name].Revisions {
			if td.Status == status {
				arns = append(arns, svc.arn(c, name, td.Revision))
			}
		}
	}
	if in.Sort == "DESC" {
		for i, j := 0, len(arns)-1; i < j; i, j = i+1, j-1 {
			arns[i], arns[j] = arns[j], arns[i]
		}
	}
	start := 0
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		n, err := strconv.Atoi(pos)
		if !ok || err != nil || n < 0 || n > len(arns) {
			return nil, ecsInvalid("Invalid token %s", in.NextToken)
		}
		start = n
	}
	end := min(start+max, len(arns))
	out := map[string]any{"taskDefinitionArns": append([]string{}, arns[start:end]...)}
	if end < len(arns) {
		out["nextToken"] = pageToken(strconv.Itoa(end))
	}
	return out, nil
}
