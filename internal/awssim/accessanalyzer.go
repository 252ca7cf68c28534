package awssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// IAM Access Analyzer: analyzers and their external-access findings, per
// account and region. Findings are produced by AWS's analysis, not by API
// calls, so tests seed them with AddAccessAnalyzerFinding.

type accessAnalyzerService struct {
	s *Server
	// Analyzers are keyed by scopeKey, then by analyzer name.
	Analyzers map[string]map[string]*aaAnalyzer
}

type aaAnalyzer struct {
	Name     string
	ARN      string
	Type     string
	Created  time.Time
	Tags     map[string]string
	Findings map[string]*AccessAnalyzerFinding // by ID
}

// AccessAnalyzerFinding is an IAM Access Analyzer finding: a resource that
// a principal outside the zone of trust can access.
type AccessAnalyzerFinding struct {
	// ID is generated when empty.
	ID string
	// Resource is the resource's ARN; ResourceType its type, e.g.
	// "AWS::IAM::Role" or "AWS::S3::Bucket".
	Resource     string
	ResourceType string
	// ResourceOwnerAccount defaults to the analyzer's account.
	ResourceOwnerAccount string
	// Principal is the external principal, e.g. {"AWS": "arn:aws:iam::210987654321:root"}.
	Principal map[string]string
	Action    []string
	Condition map[string]string
	IsPublic  bool
	// Status is ACTIVE (the default), ARCHIVED or RESOLVED.
	Status string
	// FindingType is ExternalAccess (the default) or an unused-access type.
	FindingType string
	Error       string
	// CreatedAt, AnalyzedAt and UpdatedAt default to the simulated now.
	CreatedAt  time.Time
	AnalyzedAt time.Time
	UpdatedAt  time.Time
}

func newAccessAnalyzer(s *Server) *serviceDef {
	svc := &accessAnalyzerService{s: s, Analyzers: map[string]map[string]*aaAnalyzer{}}
	s.accessAnalyzer = svc
	return &serviceDef{
		State: svc, Name: "access-analyzer", Prefix: "access-analyzer", EventSource: "access-analyzer.amazonaws.com", Protocol: protoRESTJSON,
		REST: []restRoute{
			{Method: http.MethodPut, Path: "/analyzer", Op: "CreateAnalyzer", Handler: svc.createAnalyzer},
			{Method: http.MethodGet, Path: "/analyzer", Op: "ListAnalyzers", Handler: svc.listAnalyzers},
			{Method: http.MethodGet, Path: "/analyzer/{analyzerName}", Op: "GetAnalyzer", Handler: svc.getAnalyzer},
			{Method: http.MethodDelete, Path: "/analyzer/{analyzerName}", Op: "DeleteAnalyzer", Handler: svc.deleteAnalyzer},
			{Method: http.MethodPost, Path: "/finding", Op: "ListFindings", Handler: svc.listFindings},
			{Method: http.MethodPost, Path: "/findingv2", Op: "ListFindingsV2", Handler: svc.listFindingsV2},
			{Method: http.MethodGet, Path: "/finding/{id}", Op: "GetFinding", Handler: svc.getFinding},
			{Method: http.MethodPut, Path: "/finding", Op: "UpdateFindings", Handler: svc.updateFindings},
		},
	}
}

func aaValidation(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

func aaNotFound(kind, id string) *Error {
	return errorf(http.StatusNotFound, "ResourceNotFoundException", "%s %s not found", kind, id)
}

func (svc *accessAnalyzerService) analyzersIn(account, region string) map[string]*aaAnalyzer {
	k := account + "/" + region
	m := svc.Analyzers[k]
	if m == nil {
		m = map[string]*aaAnalyzer{}
		svc.Analyzers[k] = m
	}
	return m
}

var aaNameRE = lazyRegexp(`^[A-Za-z][A-Za-z0-9_.-]{0,254}$`)

var aaTypes = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"ACCOUNT": true, "ORGANIZATION": true, "ACCOUNT_UNUSED_ACCESS": true, "ORGANIZATION_UNUSED_ACCESS": true, "ACCOUNT_INTERNAL_ACCESS": true, "ORGANIZATION_INTERNAL_ACCESS": true}
})

func (svc *accessAnalyzerService) createAnalyzer(c *call) (int, any, error) {
	var in struct {
		AnalyzerName string            `json:"analyzerName"`
		Type         string            `json:"type"`
		Tags         map[string]string `json:"tags"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if !aaNameRE().MatchString(in.AnalyzerName) {
		return 0, nil, aaValidation("analyzerName %q must start with a letter and hold up to 255 letters, digits, periods, hyphens and underscores", in.AnalyzerName)
	}
	if !aaTypes()[in.Type] {
		return 0, nil, aaValidation("type %q is not a valid analyzer type", in.Type)
	}
	if strings.HasPrefix(in.Type, "ORGANIZATION") {
		return 0, nil, aaValidation("The account %s is not the management or delegated administrator account of an organization", c.Account())
	}
	as := svc.analyzersIn(c.Account(), c.region)
	if as[in.AnalyzerName] != nil {
		return 0, nil, errorf(http.StatusConflict, "ConflictException", "Analyzer %s already exists", in.AnalyzerName)
	}
	for _, a := range as {
		if a.Type == in.Type {
			return 0, nil, errorf(http.StatusPaymentRequired, "ServiceQuotaExceededException", "An account can have one analyzer of type %s per region; %s exists", in.Type, a.Name)
		}
	}
	a := &aaAnalyzer{
		Name: in.AnalyzerName, Type: in.Type, Created: c.now, Tags: in.Tags, Findings: map[string]*AccessAnalyzerFinding{},
		ARN: "arn:" + c.partition() + ":access-analyzer:" + c.region + ":" + c.Account() + ":analyzer/" + in.AnalyzerName,
	}
	as[a.Name] = a
	c.trailResources = []TrailResource{{ARN: a.ARN, AccountID: c.Account(), Type: "AWS::AccessAnalyzer::Analyzer", Name: a.Name}}
	return 0, map[string]any{"arn": a.ARN}, nil
}

// isoMillis formats a time as restJson1 date-time values.
func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (a *aaAnalyzer) summary() map[string]any {
	out := map[string]any{"arn": a.ARN, "name": a.Name, "type": a.Type, "createdAt": isoMillis(a.Created), "status": "ACTIVE"}
	if a.Tags != nil {
		out["tags"] = a.Tags
	}
	var last *AccessAnalyzerFinding
	for _, f := range a.Findings {
		if last == nil || f.AnalyzedAt.After(last.AnalyzedAt) {
			last = f
		}
	}
	if last != nil {
		out["lastResourceAnalyzed"] = last.Resource
		out["lastResourceAnalyzedAt"] = isoMillis(last.AnalyzedAt)
	}
	return out
}

func (svc *accessAnalyzerService) listAnalyzers(c *call) (int, any, error) {
	q := c.r.URL.Query()
	typ := q.Get("type")
	if typ != "" && !aaTypes()[typ] {
		return 0, nil, aaValidation("type %q is not a valid analyzer type", typ)
	}
	as := svc.analyzersIn(c.Account(), c.region)
	var names []string
	for _, n := range sortedKeys(as) {
		if typ == "" || as[n].Type == typ {
			names = append(names, n)
		}
	}
	page, next, err := aaPage(names, q.Get("nextToken"), q.Get("maxResults"))
	if err != nil {
		return 0, nil, err
	}
	list := []map[string]any{}
	for _, n := range page {
		list = append(list, as[n].summary())
	}
	out := map[string]any{"analyzers": list}
	if next != "" {
		out["nextToken"] = next
	}
	return 0, out, nil
}

// aaPage pages sorted keys: the token names the last key of the previous
// page.
func aaPage(keys []string, token, maxResults string) ([]string, string, error) {
	limit := 100
	if maxResults != "" {
		n, err := strconv.Atoi(maxResults)
		if err != nil || n < 1 {
			return nil, "", aaValidation("maxResults %q must be a positive integer", maxResults)
		}
		limit = n
	}
	start := 0
	if token != "" {
		after, ok := pagePosition(token)
		if !ok {
			return nil, "", aaValidation("Invalid nextToken")
		}
		start = sort.SearchStrings(keys, after)
		if start < len(keys) && keys[start] == after {
			start++
		}
	}
	end := min(start+limit, len(keys))
	next := ""
	if end < len(keys) {
		next = pageToken(keys[end-1])
	}
	return keys[start:end], next, nil
}

func (svc *accessAnalyzerService) analyzer(c *call, name string) (*aaAnalyzer, error) {
	a := svc.analyzersIn(c.Account(), c.region)[name]
	if a == nil {
		return nil, aaNotFound("Analyzer", name)
	}
	return a, nil
}

// byARN resolves an analyzer ARN, which must be in the caller's account and
// region.
func (svc *accessAnalyzerService) byARN(c *call, arn string) (*aaAnalyzer, error) {
	if arn == "" {
		return nil, aaValidation("analyzerArn is required")
	}
	for _, a := range svc.analyzersIn(c.Account(), c.region) {
		if a.ARN == arn {
			return a, nil
		}
	}
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":analyzer/") {
		return nil, aaValidation("analyzerArn %q is not an analyzer ARN", arn)
	}
	return nil, aaNotFound("Analyzer", arn)
}

func (svc *accessAnalyzerService) getAnalyzer(c *call) (int, any, error) {
	a, err := svc.analyzer(c, c.Var("analyzerName"))
	if err != nil {
		return 0, nil, err
	}
	return 0, map[string]any{"analyzer": a.summary()}, nil
}

func (svc *accessAnalyzerService) deleteAnalyzer(c *call) (int, any, error) {
	a, err := svc.analyzer(c, c.Var("analyzerName"))
	if err != nil {
		return 0, nil, err
	}
	delete(svc.analyzersIn(c.Account(), c.region), a.Name)
	c.trailResources = []TrailResource{{ARN: a.ARN, AccountID: c.Account(), Type: "AWS::AccessAnalyzer::Analyzer", Name: a.Name}}
	return 0, nil, nil
}

// --- findings ---

func (f *AccessAnalyzerFinding) json(v2 bool) map[string]any {
	out := map[string]any{
		"id": f.ID, "resource": f.Resource, "resourceType": f.ResourceType, "resourceOwnerAccount": f.ResourceOwnerAccount,
		"status": f.Status, "createdAt": isoMillis(f.CreatedAt), "analyzedAt": isoMillis(f.AnalyzedAt), "updatedAt": isoMillis(f.UpdatedAt),
	}
	if f.Error != "" {
		out["error"] = f.Error
	}
	if v2 {
		out["findingType"] = f.FindingType
		return out
	}
	out["isPublic"] = f.IsPublic
	out["principal"] = f.Principal
	out["action"] = f.Action
	out["condition"] = f.Condition
	if f.Principal == nil {
		out["principal"] = map[string]string{}
	}
	if f.Action == nil {
		out["action"] = []string{}
	}
	if f.Condition == nil {
		out["condition"] = map[string]string{}
	}
	return out
}

type aaCriterion struct {
	Eq       []string `json:"eq"`
	Neq      []string `json:"neq"`
	Contains []string `json:"contains"`
	Exists   *bool    `json:"exists"`
}

// field returns the values of a filter key for f, and whether the key is
// one ListFindings filters by.
func (f *AccessAnalyzerFinding) field(key string) ([]string, bool) {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	switch key {
	case "id":
		return one(f.ID), true
	case "status":
		return one(f.Status), true
	case "resource":
		return one(f.Resource), true
	case "resourceType":
		return one(f.ResourceType), true
	case "resourceOwnerAccount":
		return one(f.ResourceOwnerAccount), true
	case "isPublic":
		return []string{strconv.FormatBool(f.IsPublic)}, true
	case "findingType":
		return one(f.FindingType), true
	case "error":
		return one(f.Error), true
	case "action":
		return f.Action, true
	}
	if k, ok := strings.CutPrefix(key, "principal."); ok {
		return one(f.Principal[k]), true
	}
	if k, ok := strings.CutPrefix(key, "condition."); ok {
		return one(f.Condition[k]), true
	}
	return nil, false
}

func aaMatch(values []string, cr aaCriterion) bool {
	has := func(list []string, pred func(v, want string) bool) bool {
		for _, want := range list {
			for _, v := range values {
				if pred(v, want) {
					return true
				}
			}
		}
		return false
	}
	eq := func(v, w string) bool { return v == w }
	if len(cr.Eq) > 0 && !has(cr.Eq, eq) {
		return false
	}
	if len(cr.Neq) > 0 && has(cr.Neq, eq) {
		return false
	}
	if len(cr.Contains) > 0 && !has(cr.Contains, strings.Contains) {
		return false
	}
	if cr.Exists != nil && *cr.Exists != (len(values) > 0) {
		return false
	}
	return true
}

func (svc *accessAnalyzerService) findings(c *call, v2 bool) (int, any, error) {
	var in struct {
		AnalyzerArn string                 `json:"analyzerArn"`
		Filter      map[string]aaCriterion `json:"filter"`
		MaxResults  *int                   `json:"maxResults"`
		NextToken   string                 `json:"nextToken"`
		Sort        *struct {
			AttributeName string `json:"attributeName"`
			OrderBy       string `json:"orderBy"`
		} `json:"sort"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	a, err := svc.byARN(c, in.AnalyzerArn)
	if err != nil {
		return 0, nil, err
	}
	var probe AccessAnalyzerFinding
	for k, cr := range in.Filter {
		if _, ok := probe.field(k); !ok {
			return 0, nil, aaValidation("filter key %q is not supported", k)
		}
		if len(cr.Eq) == 0 && len(cr.Neq) == 0 && len(cr.Contains) == 0 && cr.Exists == nil {
			return 0, nil, aaValidation("filter %q needs eq, neq, contains or exists", k)
		}
	}
	var ids []string
	for _, id := range sortedKeys(a.Findings) {
		f := a.Findings[id]
		ok := true
		for k, cr := range in.Filter {
			vals, _ := f.field(k)
			if !aaMatch(vals, cr) {
				ok = false
				break
			}
		}
		if ok {
			ids = append(ids, id)
		}
	}
	maxResults := ""
	if in.MaxResults != nil {
		maxResults = strconv.Itoa(*in.MaxResults)
	}
	page, next, err := aaPage(ids, in.NextToken, maxResults)
	if err != nil {
		return 0, nil, err
	}
	list := []map[string]any{}
	for _, id := range page {
		list = append(list, a.Findings[id].json(v2))
	}
	if in.Sort != nil && in.Sort.AttributeName != "" {
		attr, desc := in.Sort.AttributeName, in.Sort.OrderBy == "DESC"
		sort.SliceStable(list, func(i, j int) bool {
			x, y := fmt.Sprint(list[i][attr]), fmt.Sprint(list[j][attr])
			if desc {
				return x > y
			}
			return x < y
		})
	}
	out := map[string]any{"findings": list}
	if next != "" {
		out["nextToken"] = next
	}
	return 0, out, nil
}

func (svc *accessAnalyzerService) listFindings(c *call) (int, any, error) {
	return svc.findings(c, false)
}

func (svc *accessAnalyzerService) listFindingsV2(c *call) (int, any, error) {
	return svc.findings(c, true)
}

func (svc *accessAnalyzerService) getFinding(c *call) (int, any, error) {
	a, err := svc.byARN(c, c.r.URL.Query().Get("analyzerArn"))
	if err != nil {
		return 0, nil, err
	}
	id := c.Var("id")
	f := a.Findings[id]
	if f == nil {
		return 0, nil, aaNotFound("Finding", id)
	}
	return 0, map[string]any{"finding": f.json(false)}, nil
}

func (svc *accessAnalyzerService) updateFindings(c *call) (int, any, error) {
	var in struct {
		AnalyzerArn string   `json:"analyzerArn"`
		Status      string   `json:"status"`
		IDs         []string `json:"ids"`
		ResourceArn string   `json:"resourceArn"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.Status != "ACTIVE" && in.Status != "ARCHIVED" {
		return 0, nil, aaValidation("status %q must be ACTIVE or ARCHIVED", in.Status)
	}
	if len(in.IDs) == 0 && in.ResourceArn == "" {
		return 0, nil, aaValidation("ids or resourceArn is required")
	}
	a, err := svc.byARN(c, in.AnalyzerArn)
	if err != nil {
		return 0, nil, err
	}
	var targets []*AccessAnalyzerFinding
	for _, id := range in.IDs {
		f := a.Findings[id]
		if f == nil {
			return 0, nil, aaNotFound("Finding", id)
		}
		targets = append(targets, f)
	}
	if in.ResourceArn != "" {
		for _, id := range sortedKeys(a.Findings) {
			if f := a.Findings[id]; f.Resource == in.ResourceArn {
				targets = append(targets, f)
			}
		}
	}
	for _, f := range targets {
		// A resolved finding no longer applies; archiving or reactivating
		// it changes nothing.
		if f.Status == "RESOLVED" || f.Status == in.Status {
			continue
		}
		f.Status = in.Status
		f.UpdatedAt = c.now
	}
	return 0, nil, nil
}

// AddAccessAnalyzerFinding records a finding of the named analyzer in
// account and region, as Access Analyzer's own analysis would, and returns
// it with its defaults filled in (ID, status, owner, times).
func (s *Server) AddAccessAnalyzerFinding(account, region, analyzerName string, f AccessAnalyzerFinding) (AccessAnalyzerFinding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc := s.accessAnalyzer
	if svc == nil {
		return f, fmt.Errorf("awssim: Access Analyzer is not simulated")
	}
	a := svc.analyzersIn(account, region)[analyzerName]
	if a == nil {
		return f, fmt.Errorf("awssim: no analyzer %q in account %s, region %s", analyzerName, account, region)
	}
	if f.Resource == "" || f.ResourceType == "" {
		return f, fmt.Errorf("awssim: access analyzer finding needs Resource and ResourceType, got %q and %q", f.Resource, f.ResourceType)
	}
	now := s.nowLocked()
	if f.ID == "" {
		f.ID = s.newUUIDLocked()
	}
	if f.Status == "" {
		f.Status = "ACTIVE"
	}
	if f.FindingType == "" {
		f.FindingType = "ExternalAccess"
	}
	if f.ResourceOwnerAccount == "" {
		f.ResourceOwnerAccount = account
	}
	for _, t := range []*time.Time{&f.CreatedAt, &f.AnalyzedAt, &f.UpdatedAt} {
		if t.IsZero() {
			*t = now
		}
	}
	stored := f
	stored.Principal = cloneStringMap(f.Principal)
	stored.Condition = cloneStringMap(f.Condition)
	stored.Action = append([]string(nil), f.Action...)
	a.Findings[f.ID] = &stored
	return f, nil
}

// AccessAnalyzerFindingEvent returns the EventBridge "Access Analyzer
// Finding" event AWS sends for a finding of analyzerName.
func (s *Server) AccessAnalyzerFindingEvent(account, region, analyzerName string, f AccessAnalyzerFinding) []byte {
	s.mu.Lock()
	id := s.newUUIDLocked()
	s.mu.Unlock()
	detail := map[string]any{
		"version": "1.0", "id": f.ID, "status": f.Status, "resourceType": f.ResourceType, "resource": f.Resource,
		"createdAt": f.CreatedAt.UTC().Format(time.RFC3339), "analyzedAt": f.AnalyzedAt.UTC().Format(time.RFC3339),
		"updatedAt": f.UpdatedAt.UTC().Format(time.RFC3339), "accountId": f.ResourceOwnerAccount, "region": region,
		"principal": nonNilMap(f.Principal), "action": nonNilSlice(f.Action), "condition": nonNilMap(f.Condition),
		"isDeleted": false, "isPublic": f.IsPublic,
	}
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": id, "detail-type": "Access Analyzer Finding", "source": "aws.access-analyzer",
		"account": account, "time": f.UpdatedAt.UTC().Format(time.RFC3339), "region": region,
		"resources": []string{"arn:" + partitionOf(region) + ":access-analyzer:" + region + ":" + account + ":analyzer/" + analyzerName},
		"detail":    detail,
	})
	return b
}

func cloneStringMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
