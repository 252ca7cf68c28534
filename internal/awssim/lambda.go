package awssim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Lambda: functions (their configuration only; no code runs) and their
// resource-based policies, which AddPermission and RemovePermission edit.
// State is per account and region.

type lambdaService struct {
	s *Server
	// Functions is keyed by scopeKey, then by function name.
	Functions map[string]map[string]*lambdaFunction
}

type lambdaFunction struct {
	Name         string
	ARN          string
	Runtime      string
	Role         string
	Handler      string
	Description  string
	Timeout      int32
	MemorySize   int32
	PackageType  string
	ImageURI     string
	CodeSize     int64
	CodeSha256   string
	Architecture string
	Environment  map[string]string
	Modified     time.Time
	RevisionID   string
	Tags         map[string]string
	// Statements is the resource policy's statements, in order.
	Statements []map[string]any
	PolicyRev  string
}

func newLambda(s *Server) *serviceDef {
	svc := &lambdaService{s: s, Functions: map[string]map[string]*lambdaFunction{}}
	const fn = "/2015-03-31/functions"
	return &serviceDef{
		Name: "lambda", EventSource: "lambda.amazonaws.com", Protocol: protoRESTJSON,
		State: svc,
		REST: []restRoute{
			{http.MethodPost, fn, "CreateFunction", lambdaEvent("CreateFunction20150331", svc.createFunction)},
			{http.MethodGet, fn, "ListFunctions", lambdaEvent("ListFunctions20150331", svc.listFunctions)},
			{http.MethodGet, fn + "/{FunctionName}", "GetFunction", lambdaEvent("GetFunction20150331v2", svc.getFunction)},
			{http.MethodDelete, fn + "/{FunctionName}", "DeleteFunction", lambdaEvent("DeleteFunction20150331", svc.deleteFunction)},
			{http.MethodPost, fn + "/{FunctionName}/policy", "AddPermission", lambdaEvent("AddPermission20150331v2", svc.addPermission)},
			{http.MethodGet, fn + "/{FunctionName}/policy", "GetPolicy", lambdaEvent("GetPolicy20150331v2", svc.getPolicy)},
			{http.MethodDelete, fn + "/{FunctionName}/policy/{StatementId}", "RemovePermission", lambdaEvent("RemovePermission20150331v2", svc.removePermission)},
		},
	}
}

// lambdaEvent records h's calls under CloudTrail's versioned event name
// for the operation.
func lambdaEvent(name string, h restHandler) restHandler {
	return func(c *call) (int, any, error) {
		c.trailEventName = name
		return h(c)
	}
}

func lambdaNotFound(format string, args ...any) *Error {
	return errorf(http.StatusNotFound, "ResourceNotFoundException", format, args...)
}

func lambdaInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterValueException", format, args...)
}

func (svc *lambdaService) functions(c *call) map[string]*lambdaFunction {
	return scoped(svc.Functions, c)
}

// function finds a function by name, full ARN or partial ARN
// (account:function:name).
func (svc *lambdaService) function(c *call, ref string) (*lambdaFunction, error) {
	name := ref
	if i := strings.Index(ref, ":function:"); i >= 0 {
		prefix := ref[:i]
		name = ref[i+len(":function:"):]
		if j := strings.IndexByte(name, ':'); j >= 0 {
			name = name[:j] // a qualifier: only $LATEST is simulated
		}
		parts := strings.Split(prefix, ":")
		acct := parts[len(parts)-1]
		if acct != c.Account() || (len(parts) >= 4 && parts[3] != c.region) {
			return nil, lambdaNotFound("Function not found: %s", ref)
		}
	}
	f := svc.functions(c)[name]
	if f == nil {
		return nil, lambdaNotFound("Function not found: %s", svc.arn(c, name))
	}
	c.trailResources = []TrailResource{{ARN: f.ARN, AccountID: c.Account(), Type: "AWS::Lambda::Function", Name: f.Name}}
	return f, nil
}

func (svc *lambdaService) arn(c *call, name string) string {
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", c.partition(), c.region, c.Account(), name)
}

// lambdaTime formats times as Lambda does: 2026-01-02T15:04:05.000+0000.
func lambdaTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

func (f *lambdaFunction) configuration() map[string]any {
	cfg := map[string]any{
		"FunctionName": f.Name, "FunctionArn": f.ARN, "Role": f.Role, "CodeSize": f.CodeSize, "CodeSha256": f.CodeSha256,
		"Description": f.Description, "Timeout": f.Timeout, "MemorySize": f.MemorySize, "LastModified": lambdaTime(f.Modified),
		"Version": "$LATEST", "State": "Active", "LastUpdateStatus": "Successful", "PackageType": f.PackageType,
		"Architectures": []string{f.Architecture}, "RevisionId": f.RevisionID, "TracingConfig": map[string]any{"Mode": "PassThrough"},
		"EphemeralStorage": map[string]any{"Size": 512},
	}
	if f.PackageType == "Zip" {
		cfg["Runtime"], cfg["Handler"] = f.Runtime, f.Handler
	}
	if len(f.Environment) > 0 {
		cfg["Environment"] = map[string]any{"Variables": f.Environment}
	}
	return cfg
}

func (svc *lambdaService) createFunction(c *call) (int, any, error) {
	var in struct {
		FunctionName string
		Runtime      string
		Role         string
		Handler      string
		Description  string
		Timeout      *int32
		MemorySize   *int32
		PackageType  string
		Architecture []string `json:"Architectures"`
		Code         struct {
			ZipFile  []byte
			S3Bucket string
			S3Key    string
			ImageURI string `json:"ImageUri"`
		}
		Environment *struct{ Variables map[string]string }
		Tags        map[string]string
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	name := in.FunctionName
	if name == "" || len(name) > 64 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		return 0, nil, lambdaInvalid("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ and have length between 1 and 64", name)
	}
	if !strings.HasPrefix(in.Role, "arn:") || !strings.Contains(in.Role, ":iam::") || !strings.Contains(in.Role, ":role/") {
		return 0, nil, lambdaInvalid("1 validation error detected: Value '%s' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+", in.Role)
	}
	pkg := in.PackageType
	if pkg == "" {
		pkg = "Zip"
	}
	f := &lambdaFunction{
		Name: name, ARN: svc.arn(c, name), Role: in.Role, Description: in.Description, Timeout: 3, MemorySize: 128,
		PackageType: pkg, Architecture: "x86_64", Modified: c.now, RevisionID: c.s.newUUIDLocked(), Tags: in.Tags,
	}
	switch pkg {
	case "Zip":
		if in.Runtime == "" || in.Handler == "" {
			return 0, nil, lambdaInvalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
		}
		var code []byte
		switch {
		case len(in.Code.ZipFile) > 0:
			code = in.Code.ZipFile
		case in.Code.S3Bucket != "" && in.Code.S3Key != "":
			code = []byte("s3://" + in.Code.S3Bucket + "/" + in.Code.S3Key)
		default:
			return 0, nil, lambdaInvalid("Please provide a source for function code.")
		}
		sum := sha256.Sum256(code)
		f.Runtime, f.Handler, f.CodeSize, f.CodeSha256 = in.Runtime, in.Handler, int64(len(code)), base64.StdEncoding.EncodeToString(sum[:])
	case "Image":
		if in.Code.ImageURI == "" {
			return 0, nil, lambdaInvalid("Please provide a source for function code.")
		}
		sum := sha256.Sum256([]byte(in.Code.ImageURI))
		f.ImageURI, f.CodeSha256 = in.Code.ImageURI, fmt.Sprintf("%x", sum)
	default:
		return 0, nil, lambdaInvalid("1 validation error detected: Value '%s' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Image, Zip]", pkg)
	}
	if in.Timeout != nil {
		if *in.Timeout < 1 || *in.Timeout > 900 {
			return 0, nil, lambdaInvalid("1 validation error detected: Value '%d' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900", *in.Timeout)
		}
		f.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		if *in.MemorySize < 128 || *in.MemorySize > 10240 {
			return 0, nil, lambdaInvalid("1 validation error detected: Value '%d' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240", *in.MemorySize)
		}
		f.MemorySize = *in.MemorySize
	}
	if len(in.Architecture) == 1 {
		if in.Architecture[0] != "x86_64" && in.Architecture[0] != "arm64" {
			return 0, nil, lambdaInvalid("1 validation error detected: Value '[%s]' at 'architectures' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]", in.Architecture[0])
		}
		f.Architecture = in.Architecture[0]
	} else if len(in.Architecture) > 1 {
		return 0, nil, lambdaInvalid("1 validation error detected: Value at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1")
	}
	if in.Environment != nil {
		f.Environment = in.Environment.Variables
	}
	if svc.functions(c)[name] != nil {
		return 0, nil, errorf(http.StatusConflict, "ResourceConflictException", "Function already exist: %s", name)
	}
	svc.functions(c)[name] = f
	c.trailResources = []TrailResource{{ARN: f.ARN, AccountID: c.Account(), Type: "AWS::Lambda::Function", Name: f.Name}}
	// CloudTrail omits the code and environment from requestParameters.
	c.trailParams = map[string]any{"functionName": name, "runtime": f.Runtime, "role": f.Role, "handler": f.Handler, "packageType": pkg}
	return http.StatusCreated, f.configuration(), nil
}

func (svc *lambdaService) getFunction(c *call) (int, any, error) {
	f, err := svc.function(c, c.Var("FunctionName"))
	if err != nil {
		return 0, nil, err
	}
	code := map[string]any{"RepositoryType": "S3", "Location": "https://awslambda-" + c.region + "-tasks.s3." + c.region + ".amazonaws.com/snapshots/" + c.Account() + "/" + f.Name}
	if f.PackageType == "Image" {
		code = map[string]any{"RepositoryType": "ECR", "ImageUri": f.ImageURI, "ResolvedImageUri": f.ImageURI}
	}
	out := map[string]any{"Configuration": f.configuration(), "Code": code}
	if len(f.Tags) > 0 {
		out["Tags"] = f.Tags
	}
	return 0, out, nil
}

func (svc *lambdaService) listFunctions(c *call) (int, any, error) {
	q := c.r.URL.Query()
	maxItems, err := atoi(q.Get("MaxItems"), 50)
	if err != nil || maxItems < 1 || maxItems > 10000 {
		return 0, nil, lambdaInvalid("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000", q.Get("MaxItems"))
	}
	names := sortedKeys(svc.functions(c))
	start := 0
	if m := q.Get("Marker"); m != "" {
		pos, ok := pagePosition(m)
		if !ok {
			return 0, nil, lambdaInvalid("Invalid marker %q", m)
		}
		start = sort.SearchStrings(names, pos)
	}
	fns := []map[string]any{}
	out := map[string]any{}
	for i := start; i < len(names); i++ {
		if len(fns) == maxItems {
			out["NextMarker"] = pageToken(names[i])
			break
		}
		fns = append(fns, svc.functions(c)[names[i]].configuration())
	}
	out["Functions"] = fns
	return 0, out, nil
}

func (svc *lambdaService) deleteFunction(c *call) (int, any, error) {
	f, err := svc.function(c, c.Var("FunctionName"))
	if err != nil {
		return 0, nil, err
	}
	delete(svc.functions(c), f.Name)
	return http.StatusNoContent, nil, nil
}

// lambdaPrincipal is the policy principal AddPermission writes for its
// Principal parameter.
func lambdaPrincipal(c *call, p string) any {
	switch {
	case p == "*":
		return "*"
	case len(p) == 12 && strings.Trim(p, "0123456789") == "":
		return map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", c.partition(), p)}
	case strings.HasPrefix(p, "arn:"):
		return map[string]any{"AWS": p}
	default:
		return map[string]any{"Service": p}
	}
}

func (svc *lambdaService) addPermission(c *call) (int, any, error) {
	var in struct {
		StatementID         string `json:"StatementId"`
		Action              string
		Principal           string
		SourceArn           string
		SourceAccount       string
		PrincipalOrgID      string
		FunctionURLAuthType string `json:"FunctionUrlAuthType"`
		RevisionID          string `json:"RevisionId"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	f, err := svc.function(c, c.Var("FunctionName"))
	if err != nil {
		return 0, nil, err
	}
	if in.StatementID == "" || in.Action == "" || in.Principal == "" {
		return 0, nil, lambdaInvalid("StatementId, Action and Principal are required")
	}
	if !strings.HasPrefix(in.Action, "lambda:") {
		return 0, nil, lambdaInvalid("1 validation error detected: Value '%s' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])", in.Action)
	}
	if in.RevisionID != "" && in.RevisionID != f.PolicyRev {
		return 0, nil, errorf(http.StatusPreconditionFailed, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
	}
	for _, st := range f.Statements {
		if st["Sid"] == in.StatementID {
			return 0, nil, errorf(http.StatusConflict, "ResourceConflictException", "The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementID)
		}
	}
	st := map[string]any{"Sid": in.StatementID, "Effect": "Allow", "Principal": lambdaPrincipal(c, in.Principal), "Action": in.Action, "Resource": f.ARN}
	cond := map[string]map[string]string{}
	add := func(op, key, v string) {
		if v == "" {
			return
		}
		if cond[op] == nil {
			cond[op] = map[string]string{}
		}
		cond[op][key] = v
	}
	add("StringEquals", "AWS:SourceAccount", in.SourceAccount)
	add("ArnLike", "AWS:SourceArn", in.SourceArn)
	add("StringEquals", "aws:PrincipalOrgID", in.PrincipalOrgID)
	add("StringEquals", "lambda:FunctionUrlAuthType", in.FunctionURLAuthType)
	if len(cond) > 0 {
		st["Condition"] = cond
	}
	f.Statements = append(f.Statements, st)
	f.PolicyRev = c.s.newUUIDLocked()
	b, _ := json.Marshal(st)
	c.trailResponse = map[string]any{"statement": string(b)}
	return http.StatusCreated, map[string]any{"Statement": string(b)}, nil
}

func (f *lambdaFunction) policy() string {
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": f.Statements})
	return string(b)
}

func (svc *lambdaService) getPolicy(c *call) (int, any, error) {
	f, err := svc.function(c, c.Var("FunctionName"))
	if err != nil {
		return 0, nil, err
	}
	if len(f.Statements) == 0 {
		return 0, nil, lambdaNotFound("The resource you requested does not exist.")
	}
	return 0, map[string]any{"Policy": f.policy(), "RevisionId": f.PolicyRev}, nil
}

func (svc *lambdaService) removePermission(c *call) (int, any, error) {
	f, err := svc.function(c, c.Var("FunctionName"))
	if err != nil {
		return 0, nil, err
	}
	if rev := c.r.URL.Query().Get("RevisionId"); rev != "" && rev != f.PolicyRev {
		return 0, nil, errorf(http.StatusPreconditionFailed, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
	}
	sid := c.Var("StatementId")
	for i, st := range f.Statements {
		if st["Sid"] == sid {
			f.Statements = append(f.Statements[:i:i], f.Statements[i+1:]...)
			f.PolicyRev = c.s.newUUIDLocked()
			c.trailParams = map[string]any{"functionName": f.Name, "statementId": sid}
			return http.StatusNoContent, nil, nil
		}
	}
	return 0, nil, lambdaNotFound("Statement %s is not found in resource policy.", sid)
}
