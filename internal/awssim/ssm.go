package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Systems Manager: documents (create, describe, list, delete) and their
// sharing permissions, the account's service settings (the public
// sharing block of documents among them), managed instances, and Parameter
// Store parameters (ssm_parameters.go). State is per account and region.
//
// An EC2 instance is a managed instance, as DescribeInstanceInformation
// lists it, when it is running and the role of its instance profile has
// the AWS managed policy AmazonSSMManagedInstanceCore (or the older
// AmazonEC2RoleforSSM) attached: the SSM Agent is taken to be installed
// and able to reach Systems Manager.
//
// While the service setting /ssm/documents/console/public-sharing-permission
// is Disable, sharing a document with "all" is refused.

type ssmService struct {
	s *Server
	// Documents are keyed by scopeKey, then by name.
	Documents map[string]map[string]*ssmDocument
	// Settings hold customized service settings, keyed by scopeKey, then
	// by setting ID.
	Settings map[string]map[string]*ssmSetting
	// Parameters are keyed by scopeKey, then by name (ssm_parameters.go);
	// use parameters().
	Parameters map[string]map[string]*ssmParameter `json:",omitempty"`
}

type ssmDocument struct {
	Name, Content, Format, Type, TargetType string
	Hash                                    string
	Created                                 time.Time
	Tags                                    map[string]string
	// SharedWith lists the accounts the document is shared with; "all"
	// means public.
	SharedWith []string
}

type ssmSetting struct {
	Value, User string
	Modified    time.Time
}

// ssmPublicSharing is the setting that blocks public sharing of documents.
const ssmPublicSharing = "/ssm/documents/console/public-sharing-permission"

// ssmSettingDefault is a service setting's default value and, where it is
// constrained, its allowed values.
type ssmSettingDefault struct {
	def     string
	allowed []string
}

// ssmSettingDefaults are the service settings the simulator knows, with
// their default values and, where they are constrained, their allowed
// values.
var ssmSettingDefaults = sync.OnceValue(func() map[string]ssmSettingDefault {
	return map[string]ssmSettingDefault{
		ssmPublicSharing: {"Enable", []string{"Enable", "Disable"}},
		"/ssm/parameter-store/high-throughput-enabled":               {"false", []string{"true", "false"}},
		"/ssm/parameter-store/default-parameter-tier":                {"Standard", []string{"Standard", "Advanced", "Intelligent-Tiering"}},
		"/ssm/managed-instance/activation-tier":                      {"standard", []string{"standard", "advanced"}},
		"/ssm/managed-instance/default-ec2-instance-management-role": {"", nil},
		"/ssm/opsinsights/opscenter":                                 {"Disabled", []string{"Enabled", "Disabled"}},
		"/ssm/automation/customer-script-log-destination":            {"None", []string{"CloudWatch", "None"}},
		"/ssm/automation/customer-script-log-group-name":             {"", nil},
	}
})

func newSSM(s *Server) *serviceDef {
	svc := &ssmService{s: s, Documents: map[string]map[string]*ssmDocument{}, Settings: map[string]map[string]*ssmSetting{},
		Parameters: map[string]map[string]*ssmParameter{}}
	def := &serviceDef{
		Name: "ssm", EventSource: "ssm.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "AmazonSSM",
		State: svc, Resources: svc.resources,
		JSON: map[string]jsonHandler{
			"CreateDocument":              svc.createDocument,
			"DescribeDocument":            svc.describeDocument,
			"ListDocuments":               svc.listDocuments,
			"DeleteDocument":              svc.deleteDocument,
			"DescribeDocumentPermission":  svc.describeDocumentPermission,
			"ModifyDocumentPermission":    svc.modifyDocumentPermission,
			"GetServiceSetting":           svc.getServiceSetting,
			"UpdateServiceSetting":        svc.updateServiceSetting,
			"ResetServiceSetting":         svc.resetServiceSetting,
			"DescribeInstanceInformation": svc.describeInstanceInformation,
		},
	}
	for op, h := range svc.parameterOps() {
		def.JSON[op] = h
	}
	return def
}

func ssmError(code, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func (svc *ssmService) documents(c *call) map[string]*ssmDocument { return scoped(svc.Documents, c) }

func ssmDocumentARN(c *call, name string) string { return c.arn("ssm", "document/"+name) }

func ssmSettingARN(c *call, id string) string { return c.arn("ssm", "servicesetting"+id) }

// resources names the documents and service settings a call acts on.
func (svc *ssmService) resources(c *call) ([]string, bool) {
	switch c.op {
	case "ListDocuments", "DescribeInstanceInformation":
		return noResource()
	case "PutParameter", "GetParameter", "DeleteParameter":
		if name := c.param("Name"); name != "" {
			return []string{ssmParameterARN(c, parameterName(c, name))}, true
		}
		return nil, false
	case "GetParameters":
		names, _ := c.jsonParams()["Names"].([]any)
		var out []string
		for _, n := range names {
			if s, ok := n.(string); ok {
				out = append(out, ssmParameterARN(c, parameterName(c, s)))
			}
		}
		return out, len(out) > 0
	case "AddTagsToResource", "ListTagsForResource":
		id := c.param("ResourceId")
		if c.param("ResourceType") == "Parameter" && id != "" {
			return []string{ssmParameterARN(c, parameterName(c, id))}, true
		}
		if c.param("ResourceType") == "Document" && id != "" {
			return []string{ssmDocumentARN(c, id)}, true
		}
		return nil, false
	case "GetServiceSetting", "UpdateServiceSetting", "ResetServiceSetting":
		id := c.param("SettingId")
		if strings.HasPrefix(id, "arn:") {
			return []string{id}, true
		}
		if id == "" {
			return nil, false
		}
		return []string{ssmSettingARN(c, id)}, true
	}
	name := c.param("Name")
	if name == "" {
		return nil, false
	}
	if strings.HasPrefix(name, "arn:") {
		return []string{name}, true
	}
	return []string{ssmDocumentARN(c, name)}, true
}

var ssmDocNameRE = lazyRegexp(`^[a-zA-Z0-9_\-.]{3,128}$`)

// document returns the caller's document a Name parameter names (a name
// or an ARN).
func (svc *ssmService) document(c *call, name string) (*ssmDocument, error) {
	if strings.HasPrefix(name, "arn:") {
		n, ok := strings.CutPrefix(name, ssmDocumentARN(c, ""))
		if !ok {
			return nil, ssmError("InvalidDocument", "Document with name %s does not exist.", name)
		}
		name = n
	}
	d := svc.documents(c)[name]
	if d == nil {
		return nil, ssmError("InvalidDocument", "Document with name %s does not exist.", name)
	}
	c.trailResources = []TrailResource{{ARN: ssmDocumentARN(c, d.Name), AccountID: c.Account(), Type: "AWS::SSM::Document", Name: d.Name}}
	return d, nil
}

var ssmDocTypes = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"Command": true, "Policy": true, "Automation": true, "Session": true, "Package": true, "ApplicationConfiguration": true,
		"ApplicationConfigurationSchema": true, "DeploymentStrategy": true, "ChangeCalendar": true, "Automation.ChangeTemplate": true,
		"ProblemAnalysis": true, "ProblemAnalysisTemplate": true, "CloudFormation": true, "ConformancePackTemplate": true,
		"QuickSetup": true, "ManualApprovalPolicy": true, "AutoApprovalPolicy": true,
	}
})

type ssmTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func (svc *ssmService) createDocument(c *call, body []byte) (any, error) {
	var in struct {
		Name, Content, DocumentType, DocumentFormat, TargetType string
		Tags                                                    []ssmTag
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if !ssmDocNameRE().MatchString(in.Name) {
		return nil, ssmError("ValidationException", "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$", in.Name)
	}
	lower := strings.ToLower(in.Name)
	for _, reserved := range []string{"aws", "amazon", "amzn"} {
		if strings.HasPrefix(lower, reserved) {
			return nil, ssmError("ValidationException", "Document name %s must not begin with the reserved prefix %s.", in.Name, reserved)
		}
	}
	if in.DocumentType == "" {
		in.DocumentType = "Command"
	}
	if !ssmDocTypes()[in.DocumentType] {
		return nil, ssmError("ValidationException", "1 validation error detected: Value '%s' at 'documentType' failed to satisfy constraint: Member must satisfy enum value set", in.DocumentType)
	}
	if in.DocumentFormat == "" {
		in.DocumentFormat = "JSON"
	}
	var parsed any
	switch in.DocumentFormat {
	case "JSON":
		if json.Unmarshal([]byte(in.Content), &parsed) != nil {
			return nil, ssmError("InvalidDocumentContent", "The content for the document is not valid JSON.")
		}
	case "YAML":
		if yaml.Unmarshal([]byte(in.Content), &parsed) != nil {
			return nil, ssmError("InvalidDocumentContent", "The content for the document is not valid YAML.")
		}
	case "TEXT":
	default:
		return nil, ssmError("ValidationException", "1 validation error detected: Value '%s' at 'documentFormat' failed to satisfy constraint: Member must satisfy enum value set: [YAML, JSON, TEXT]", in.DocumentFormat)
	}
	if m, ok := parsed.(map[string]any); in.DocumentFormat != "TEXT" && (!ok || m["schemaVersion"] == nil) {
		return nil, ssmError("InvalidDocumentContent", "The content for the document must have a schemaVersion.")
	}
	docs := svc.documents(c)
	if docs[in.Name] != nil {
		return nil, ssmError("DocumentAlreadyExists", "Document with same name %s already exists", in.Name)
	}
	if len(docs) >= 500 {
		return nil, ssmError("DocumentLimitExceeded", "You can have at most 500 active SSM documents.")
	}
	sum := sha256.Sum256([]byte(in.Content))
	d := &ssmDocument{Name: in.Name, Content: in.Content, Format: in.DocumentFormat, Type: in.DocumentType, TargetType: in.TargetType,
		Hash: hex.EncodeToString(sum[:]), Created: c.now, Tags: map[string]string{}}
	for _, t := range in.Tags {
		d.Tags[t.Key] = t.Value
	}
	docs[d.Name] = d
	c.trailResources = []TrailResource{{ARN: ssmDocumentARN(c, d.Name), AccountID: c.Account(), Type: "AWS::SSM::Document", Name: d.Name}}
	return map[string]any{"DocumentDescription": d.description(c)}, nil
}

func (d *ssmDocument) description(c *call) map[string]any {
	tags := []ssmTag{}
	for _, k := range sortedKeys(d.Tags) {
		tags = append(tags, ssmTag{k, d.Tags[k]})
	}
	out := map[string]any{
		"Name": d.Name, "Owner": c.Account(), "CreatedDate": epochSec(d.Created), "Status": "Active", "DocumentVersion": "1",
		"LatestVersion": "1", "DefaultVersion": "1", "DocumentType": d.Type, "DocumentFormat": d.Format,
		"Hash": d.Hash, "HashType": "Sha256", "SchemaVersion": "2.2", "PlatformTypes": []string{"Linux", "MacOS", "Windows"}, "Tags": tags,
	}
	if d.TargetType != "" {
		out["TargetType"] = d.TargetType
	}
	return out
}

func (svc *ssmService) describeDocument(c *call, body []byte) (any, error) {
	var in struct{ Name string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	d, err := svc.document(c, in.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Document": d.description(c)}, nil
}

func (svc *ssmService) listDocuments(c *call, body []byte) (any, error) {
	var in struct {
		MaxResults *int
		NextToken  string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, ssmError("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	docs := svc.documents(c)
	names := sortedKeys(docs)
	start := 0
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, ssmError("InvalidNextToken", "The specified token is not valid.")
		}
		start = sort.SearchStrings(names, pos)
	}
	list := []map[string]any{}
	out := map[string]any{}
	for i := start; i < len(names); i++ {
		if len(list) == limit {
			out["NextToken"] = pageToken(names[i])
			break
		}
		d := docs[names[i]]
		list = append(list, map[string]any{"Name": d.Name, "Owner": c.Account(), "DocumentType": d.Type, "DocumentFormat": d.Format,
			"DocumentVersion": "1", "CreatedDate": epochSec(d.Created), "SchemaVersion": "2.2"})
	}
	out["DocumentIdentifiers"] = list
	return out, nil
}

func (svc *ssmService) deleteDocument(c *call, body []byte) (any, error) {
	var in struct{ Name string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	d, err := svc.document(c, in.Name)
	if err != nil {
		return nil, err
	}
	if len(d.SharedWith) > 0 {
		return nil, ssmError("InvalidDocumentOperation", "You can't delete a document that is shared. Stop sharing it first.")
	}
	delete(svc.documents(c), d.Name)
	return nil, nil
}

func (svc *ssmService) describeDocumentPermission(c *call, body []byte) (any, error) {
	var in struct {
		Name, PermissionType string
		MaxResults           *int
		NextToken            string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.PermissionType != "Share" {
		return nil, ssmError("InvalidPermissionType", "The permission type %q is not supported. Share is the only supported permission type.", in.PermissionType)
	}
	d, err := svc.document(c, in.Name)
	if err != nil {
		return nil, err
	}
	ids := append([]string{}, d.SharedWith...)
	info := []map[string]any{}
	for _, id := range ids {
		info = append(info, map[string]any{"AccountId": id, "SharedDocumentVersion": "$DEFAULT"})
	}
	return map[string]any{"AccountIds": ids, "AccountSharingInfoList": info}, nil
}

var ssmAccountIDRE = lazyRegexp(`^\d{12}$`)

func (svc *ssmService) modifyDocumentPermission(c *call, body []byte) (any, error) {
	var in struct {
		Name, PermissionType                string
		AccountIdsToAdd, AccountIdsToRemove []string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.PermissionType != "Share" {
		return nil, ssmError("InvalidPermissionType", "The permission type %q is not supported. Share is the only supported permission type.", in.PermissionType)
	}
	if len(in.AccountIdsToAdd) > 20 || len(in.AccountIdsToRemove) > 20 {
		return nil, ssmError("DocumentPermissionLimit", "You can specify a maximum of 20 accounts per API operation.")
	}
	norm := func(ids []string) ([]string, error) {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			switch {
			case strings.EqualFold(id, "all"):
				out = append(out, "all")
			case ssmAccountIDRE().MatchString(id):
				out = append(out, id)
			default:
				return nil, ssmError("ValidationException", "Account ID %q is not valid: it must be 12 digits or All.", id)
			}
		}
		return out, nil
	}
	add, err := norm(in.AccountIdsToAdd)
	if err != nil {
		return nil, err
	}
	remove, err := norm(in.AccountIdsToRemove)
	if err != nil {
		return nil, err
	}
	d, err := svc.document(c, in.Name)
	if err != nil {
		return nil, err
	}
	if contains(add, "all") && svc.settingValue(c, ssmPublicSharing) == "Disable" {
		return nil, ssmError("InvalidPermissionType", "Public sharing of documents is blocked in this account and Region: the service setting %s is Disable.", ssmPublicSharing)
	}
	shared := map[string]bool{}
	for _, id := range d.SharedWith {
		shared[id] = true
	}
	for _, id := range add {
		shared[id] = true
	}
	for _, id := range remove {
		delete(shared, id)
	}
	d.SharedWith = sortedKeys(shared)
	return nil, nil
}

// settingID resolves a SettingId parameter (an ID or an ARN) to a known
// setting's ID.
func (svc *ssmService) settingID(c *call, id string) (string, error) {
	if strings.HasPrefix(id, "arn:") {
		rest, ok := strings.CutPrefix(id, ssmSettingARN(c, ""))
		if !ok {
			return "", ssmError("ServiceSettingNotFound", "The service setting %s was not found.", id)
		}
		id = rest
	}
	if _, ok := ssmSettingDefaults()[id]; !ok {
		return "", ssmError("ServiceSettingNotFound", "The service setting %s was not found.", id)
	}
	return id, nil
}

// settingValue returns the value of a known setting in the call's account
// and region.
func (svc *ssmService) settingValue(c *call, id string) string {
	if st := scoped(svc.Settings, c)[id]; st != nil {
		return st.Value
	}
	return ssmSettingDefaults()[id].def
}

func (svc *ssmService) settingJSON(c *call, id string) map[string]any {
	out := map[string]any{"SettingId": id, "ARN": ssmSettingARN(c, id), "SettingValue": svc.settingValue(c, id), "Status": "Default"}
	if st := scoped(svc.Settings, c)[id]; st != nil {
		out["Status"] = "Customized"
		out["LastModifiedDate"] = epochSec(st.Modified)
		out["LastModifiedUser"] = st.User
	}
	return out
}

func (svc *ssmService) getServiceSetting(c *call, body []byte) (any, error) {
	var in struct{ SettingId string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	id, err := svc.settingID(c, in.SettingId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ServiceSetting": svc.settingJSON(c, id)}, nil
}

func (svc *ssmService) updateServiceSetting(c *call, body []byte) (any, error) {
	var in struct{ SettingId, SettingValue string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	id, err := svc.settingID(c, in.SettingId)
	if err != nil {
		return nil, err
	}
	if in.SettingValue == "" {
		return nil, ssmError("ValidationException", "1 validation error detected: Value null at 'settingValue' failed to satisfy constraint: Member must not be null")
	}
	if allowed := ssmSettingDefaults()[id].allowed; allowed != nil && !contains(allowed, in.SettingValue) {
		return nil, ssmError("ValidationException", "The value %q is not valid for the service setting %s; valid values are %s.", in.SettingValue, id, strings.Join(allowed, ", "))
	}
	scoped(svc.Settings, c)[id] = &ssmSetting{Value: in.SettingValue, User: c.caller.ARN, Modified: c.now}
	return nil, nil
}

func (svc *ssmService) resetServiceSetting(c *call, body []byte) (any, error) {
	var in struct{ SettingId string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	id, err := svc.settingID(c, in.SettingId)
	if err != nil {
		return nil, err
	}
	delete(scoped(svc.Settings, c), id)
	return map[string]any{"ServiceSetting": svc.settingJSON(c, id)}, nil
}

// ssmCorePolicies are the AWS managed policies that let an instance's SSM
// Agent register with Systems Manager.
var ssmCorePolicies = []string{"AmazonSSMManagedInstanceCore", "AmazonEC2RoleforSSM"}

// managedInstances returns the caller's managed EC2 instances in the
// call's region, with the name of each one's role, by instance ID.
func (svc *ssmService) managedInstances(c *call) map[string]string {
	out := map[string]string{}
	ec2, ok := serviceState[*ec2Service](svc.s)
	if !ok || svc.s.iam == nil {
		return out
	}
	r := ec2.Regions[scopeKey(c)]
	acct := svc.s.iam.accounts[c.Account()]
	if r == nil || acct == nil {
		return out
	}
	for id, inst := range r.Instances {
		if inst.State != "running" || inst.ProfileARN == "" {
			continue
		}
		p := acct.profileByARN(inst.ProfileARN)
		if p == nil {
			continue
		}
		for _, roleName := range p.Roles {
			role := acct.Roles[roleName]
			if role == nil {
				continue
			}
			for _, arn := range role.Attached {
				name := arn[strings.LastIndexByte(arn, '/')+1:]
				if strings.Contains(arn, ":iam::aws:policy/") && contains(ssmCorePolicies, name) {
					out[id] = roleName
				}
			}
		}
	}
	return out
}

func (svc *ssmService) describeInstanceInformation(c *call, body []byte) (any, error) {
	var in struct {
		InstanceInformationFilterList []struct {
			Key      string   `json:"key"`
			ValueSet []string `json:"valueSet"`
		}
		Filters []struct {
			Key    string
			Values []string
		}
		MaxResults *int
		NextToken  string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 5 || *in.MaxResults > 50 {
			return nil, ssmError("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	var wantIDs []string
	for _, f := range in.InstanceInformationFilterList {
		if f.Key != "InstanceIds" {
			return nil, ssmError("InvalidInstanceInformationFilterValue", "The simulator filters instance information by InstanceIds only, not %s.", f.Key)
		}
		wantIDs = append(wantIDs, f.ValueSet...)
	}
	for _, f := range in.Filters {
		if f.Key != "InstanceIds" {
			return nil, ssmError("InvalidFilterKey", "The simulator filters instance information by InstanceIds only, not %s.", f.Key)
		}
		wantIDs = append(wantIDs, f.Values...)
	}
	managed := svc.managedInstances(c)
	ids := sortedKeys(managed)
	start := 0
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, ssmError("InvalidNextToken", "The specified token is not valid.")
		}
		start = sort.SearchStrings(ids, pos)
	}
	list := []map[string]any{}
	out := map[string]any{}
	for i := start; i < len(ids); i++ {
		id := ids[i]
		if len(wantIDs) > 0 && !contains(wantIDs, id) {
			continue
		}
		if len(list) == limit {
			out["NextToken"] = pageToken(id)
			break
		}
		list = append(list, map[string]any{"InstanceId": id, "PingStatus": "Online", "LastPingDateTime": epochSec(c.now),
			"AgentVersion": "3.3.1611.0", "IsLatestVersion": true, "PlatformType": "Linux", "PlatformName": "Amazon Linux",
			"ResourceType": "EC2Instance", "IamRole": managed[id], "SourceId": id, "SourceType": "AWS::EC2::Instance"})
	}
	out["InstanceInformationList"] = list
	return out, nil
}
