package awssim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GuardDuty: detectors (one per account and region) with their protection
// plans, both as Features and as the older DataSources, findings filters,
// and tags on both. No findings are produced.
//
// The foundational data sources (CloudTrail management events, VPC flow
// logs, DNS logs) are always on. The other features are off unless the
// request that creates or updates the detector turns them on.

type guardDutyService struct {
	s *Server
	// Detectors are keyed by scopeKey, then by detector ID.
	Detectors map[string]map[string]*gdDetector
}

type gdDetector struct {
	ID        string
	Enabled   bool
	Frequency string
	Created   time.Time
	Updated   time.Time
	Features  map[string]*gdFeature
	Tags      map[string]string
	Filters   map[string]*gdFilter
}

type gdFeature struct {
	Status     string
	Updated    time.Time
	Additional map[string]string `json:",omitempty"`
}

type gdFilter struct {
	Name, Description, Action string
	Rank                      int
	Criteria                  json.RawMessage
	Created, Updated          time.Time
	Version                   int
	Tags                      map[string]string
}

// gdFoundational are the data sources every detector has.
var gdFoundational = []string{"CLOUD_TRAIL", "DNS_LOGS", "FLOW_LOGS"}

// gdFeatures are the protection plans a request can turn on or off.
var gdFeatures = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"S3_DATA_EVENTS": true, "EKS_AUDIT_LOGS": true, "EBS_MALWARE_PROTECTION": true, "RDS_LOGIN_EVENTS": true,
		"LAMBDA_NETWORK_LOGS": true, "EKS_RUNTIME_MONITORING": true, "RUNTIME_MONITORING": true, "AI_PROTECTION": true,
	}
})

func newGuardDuty(s *Server) *serviceDef {
	svc := &guardDutyService{s: s, Detectors: map[string]map[string]*gdDetector{}}
	return &serviceDef{
		Name: "guardduty", EventSource: "guardduty.amazonaws.com", Protocol: protoRESTJSON,
		State: svc, Resources: svc.resources,
		REST: []restRoute{
			{Method: http.MethodPost, Path: "/detector", Op: "CreateDetector", Handler: svc.createDetector},
			{Method: http.MethodGet, Path: "/detector", Op: "ListDetectors", Handler: svc.listDetectors},
			{Method: http.MethodGet, Path: "/detector/{DetectorId}", Op: "GetDetector", Handler: svc.getDetector},
			{Method: http.MethodPost, Path: "/detector/{DetectorId}", Op: "UpdateDetector", Handler: svc.updateDetector},
			{Method: http.MethodDelete, Path: "/detector/{DetectorId}", Op: "DeleteDetector", Handler: svc.deleteDetector},
			{Method: http.MethodPost, Path: "/detector/{DetectorId}/filter", Op: "CreateFilter", Handler: svc.createFilter},
			{Method: http.MethodGet, Path: "/detector/{DetectorId}/filter", Op: "ListFilters", Handler: svc.listFilters},
			{Method: http.MethodGet, Path: "/detector/{DetectorId}/filter/{FilterName}", Op: "GetFilter", Handler: svc.getFilter},
			{Method: http.MethodDelete, Path: "/detector/{DetectorId}/filter/{FilterName}", Op: "DeleteFilter", Handler: svc.deleteFilter},
			{Method: http.MethodPost, Path: "/tags/{ResourceArn}", Op: "TagResource", Handler: svc.tagResource},
			{Method: http.MethodDelete, Path: "/tags/{ResourceArn}", Op: "UntagResource", Handler: svc.untagResource},
			{Method: http.MethodGet, Path: "/tags/{ResourceArn}", Op: "ListTagsForResource", Handler: svc.listTagsForResource},
		},
	}
}

func gdBadRequest(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "BadRequestException", format, args...)
}

func (svc *guardDutyService) detectors(c *call) map[string]*gdDetector {
	return scoped(svc.Detectors, c)
}

func gdDetectorARN(c *call, id string) string { return c.arn("guardduty", "detector/"+id) }

// resources names the detector or filter a call acts on.
func (svc *guardDutyService) resources(c *call) ([]string, bool) {
	switch c.op {
	case "CreateDetector", "ListDetectors":
		return noResource()
	case "TagResource", "UntagResource", "ListTagsForResource":
		return named(c.Var("ResourceArn"))
	}
	det := gdDetectorARN(c, c.Var("DetectorId"))
	if f := c.Var("FilterName"); f != "" {
		return []string{det + "/filter/" + f}, true
	}
	if c.op == "CreateFilter" {
		if name := c.param("name"); name != "" {
			return []string{det + "/filter/" + name}, true
		}
	}
	return []string{det}, true
}

// detector returns the caller's detector the path names.
func (svc *guardDutyService) detector(c *call) (*gdDetector, error) {
	id := c.Var("DetectorId")
	d := svc.detectors(c)[id]
	if d == nil {
		return nil, gdBadRequest("The request is rejected because the input detectorId is not owned by the current account.")
	}
	c.trailResources = []TrailResource{{ARN: gdDetectorARN(c, id), AccountID: c.Account(), Type: "AWS::GuardDuty::Detector", Name: id}}
	return d, nil
}

type gdFeatureConfig struct {
	Name                    string `json:"name"`
	Status                  string `json:"status"`
	AdditionalConfiguration []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"additionalConfiguration"`
}

type gdDataSources struct {
	S3Logs *struct {
		Enable bool `json:"enable"`
	} `json:"s3Logs"`
	Kubernetes *struct {
		AuditLogs struct {
			Enable bool `json:"enable"`
		} `json:"auditLogs"`
	} `json:"kubernetes"`
	MalwareProtection *struct {
		ScanEc2InstanceWithFindings struct {
			EbsVolumes bool `json:"ebsVolumes"`
		} `json:"scanEc2InstanceWithFindings"`
	} `json:"malwareProtection"`
}

type gdDetectorInput struct {
	Enable                     *bool             `json:"enable"`
	FindingPublishingFrequency string            `json:"findingPublishingFrequency"`
	DataSources                *gdDataSources    `json:"dataSources"`
	Features                   []gdFeatureConfig `json:"features"`
	Tags                       map[string]string `json:"tags"`
}

func checkFrequency(f string) error {
	switch f {
	case "", "FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS":
		return nil
	}
	return gdBadRequest("The request is rejected because an invalid or out-of-range value is specified as an input parameter: findingPublishingFrequency %s.", f)
}

func onOff(b bool) string {
	if b {
		return "ENABLED"
	}
	return "DISABLED"
}

// apply sets the features a request names on d.
func (in *gdDetectorInput) apply(c *call, d *gdDetector) error {
	if in.DataSources != nil && len(in.Features) > 0 {
		return gdBadRequest("The request is rejected because dataSources and features cannot be specified together.")
	}
	set := func(name, status string) {
		f := d.Features[name]
		if f == nil {
			f = &gdFeature{Status: "DISABLED", Updated: c.now}
			d.Features[name] = f
		}
		if f.Status != status {
			f.Status, f.Updated = status, c.now
		}
	}
	for _, f := range in.Features {
		if !gdFeatures()[f.Name] {
			return gdBadRequest("The request is rejected because an invalid or out-of-range value is specified as an input parameter: feature %s.", f.Name)
		}
		if f.Status != "ENABLED" && f.Status != "DISABLED" {
			return gdBadRequest("The request is rejected because an invalid or out-of-range value is specified as an input parameter: status %s.", f.Status)
		}
		set(f.Name, f.Status)
		for _, a := range f.AdditionalConfiguration {
			if d.Features[f.Name].Additional == nil {
				d.Features[f.Name].Additional = map[string]string{}
			}
			d.Features[f.Name].Additional[a.Name] = a.Status
		}
	}
	if ds := in.DataSources; ds != nil {
		if ds.S3Logs != nil {
			set("S3_DATA_EVENTS", onOff(ds.S3Logs.Enable))
		}
		if ds.Kubernetes != nil {
			set("EKS_AUDIT_LOGS", onOff(ds.Kubernetes.AuditLogs.Enable))
		}
		if ds.MalwareProtection != nil {
			set("EBS_MALWARE_PROTECTION", onOff(ds.MalwareProtection.ScanEc2InstanceWithFindings.EbsVolumes))
		}
	}
	return nil
}

func (svc *guardDutyService) createDetector(c *call) (int, any, error) {
	var in gdDetectorInput
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.Enable == nil {
		return 0, nil, gdBadRequest("The request is rejected because a required parameter is missing: enable.")
	}
	if err := checkFrequency(in.FindingPublishingFrequency); err != nil {
		return 0, nil, err
	}
	dets := svc.detectors(c)
	if len(dets) > 0 {
		return 0, nil, gdBadRequest("The request is rejected because a detector already exists for the current account.")
	}
	freq := in.FindingPublishingFrequency
	if freq == "" {
		freq = "SIX_HOURS"
	}
	d := &gdDetector{ID: c.newID("", 32), Enabled: *in.Enable, Frequency: freq, Created: c.now, Updated: c.now,
		Features: map[string]*gdFeature{}, Tags: map[string]string{}, Filters: map[string]*gdFilter{}}
	for _, name := range gdFoundational {
		d.Features[name] = &gdFeature{Status: "ENABLED", Updated: c.now}
	}
	for name := range gdFeatures() {
		d.Features[name] = &gdFeature{Status: "DISABLED", Updated: c.now}
	}
	if err := in.apply(c, d); err != nil {
		return 0, nil, err
	}
	for k, v := range in.Tags {
		d.Tags[k] = v
	}
	dets[d.ID] = d
	c.trailResources = []TrailResource{{ARN: gdDetectorARN(c, d.ID), AccountID: c.Account(), Type: "AWS::GuardDuty::Detector", Name: d.ID}}
	return 0, map[string]any{"detectorId": d.ID}, nil
}

// gdPage pages sorted names by maxResults (1 to 50) and nextToken.
func gdPage(c *call, names []string) ([]string, string, error) {
	q := c.r.URL.Query()
	limit := 50
	if m := q.Get("maxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 50 {
			return nil, "", gdBadRequest("The request is rejected because an invalid or out-of-range value is specified as an input parameter: maxResults %s.", m)
		}
		limit = n
	}
	start := 0
	if tok := q.Get("nextToken"); tok != "" {
		pos, ok := pagePosition(tok)
		if !ok {
			return nil, "", gdBadRequest("The request is rejected because the nextToken is not valid.")
		}
		start = sort.SearchStrings(names, pos)
	}
	end := min(start+limit, len(names))
	next := ""
	if end < len(names) {
		next = pageToken(names[end])
	}
	return names[start:end], next, nil
}

func (svc *guardDutyService) listDetectors(c *call) (int, any, error) {
	page, next, err := gdPage(c, sortedKeys(svc.detectors(c)))
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"detectorIds": page}
	if next != "" {
		out["nextToken"] = next
	}
	return 0, out, nil
}

func (svc *guardDutyService) serviceRole(c *call) string {
	arn, _ := ServiceLinkedRoleARN(c.partition(), c.Account(), "guardduty.amazonaws.com")
	return arn
}

func (svc *guardDutyService) getDetector(c *call) (int, any, error) {
	d, err := svc.detector(c)
	if err != nil {
		return 0, nil, err
	}
	status := func(name string) map[string]string {
		if f := d.Features[name]; f != nil {
			return map[string]string{"status": f.Status}
		}
		return map[string]string{"status": "DISABLED"}
	}
	features := []map[string]any{}
	for _, name := range sortedKeys(d.Features) {
		f := d.Features[name]
		m := map[string]any{"name": name, "status": f.Status, "updatedAt": epochSec(f.Updated)}
		if len(f.Additional) > 0 {
			var add []map[string]any
			for _, k := range sortedKeys(f.Additional) {
				add = append(add, map[string]any{"name": k, "status": f.Additional[k], "updatedAt": epochSec(f.Updated)})
			}
			m["additionalConfiguration"] = add
		}
		features = append(features, m)
	}
	out := map[string]any{
		"createdAt": isoMillis(d.Created), "updatedAt": isoMillis(d.Updated), "findingPublishingFrequency": d.Frequency,
		"serviceRole": svc.serviceRole(c), "status": onOff(d.Enabled), "features": features,
		"dataSources": map[string]any{
			"cloudTrail": status("CLOUD_TRAIL"), "dnsLogs": status("DNS_LOGS"), "flowLogs": status("FLOW_LOGS"), "s3Logs": status("S3_DATA_EVENTS"),
			"kubernetes":        map[string]any{"auditLogs": status("EKS_AUDIT_LOGS")},
			"malwareProtection": map[string]any{"scanEc2InstanceWithFindings": map[string]any{"ebsVolumes": status("EBS_MALWARE_PROTECTION")}},
		},
	}
	if len(d.Tags) > 0 {
		out["tags"] = d.Tags
	}
	return 0, out, nil
}

func (svc *guardDutyService) updateDetector(c *call) (int, any, error) {
	var in gdDetectorInput
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	d, err := svc.detector(c)
	if err != nil {
		return 0, nil, err
	}
	if err := checkFrequency(in.FindingPublishingFrequency); err != nil {
		return 0, nil, err
	}
	updated := *d
	updated.Features = map[string]*gdFeature{}
	for k, f := range d.Features {
		cp := *f
		updated.Features[k] = &cp
	}
	if err := in.apply(c, &updated); err != nil {
		return 0, nil, err
	}
	if in.Enable != nil {
		updated.Enabled = *in.Enable
	}
	if in.FindingPublishingFrequency != "" {
		updated.Frequency = in.FindingPublishingFrequency
	}
	updated.Updated = c.now
	*d = updated
	return 0, map[string]any{}, nil
}

func (svc *guardDutyService) deleteDetector(c *call) (int, any, error) {
	d, err := svc.detector(c)
	if err != nil {
		return 0, nil, err
	}
	delete(svc.detectors(c), d.ID)
	return 0, map[string]any{}, nil
}

var gdFilterNameRE = lazyRegexp(`^[A-Za-z0-9_.-]{3,64}$`)

func (svc *guardDutyService) createFilter(c *call) (int, any, error) {
	var in struct {
		Name            string            `json:"name"`
		Description     string            `json:"description"`
		Action          string            `json:"action"`
		Rank            int               `json:"rank"`
		FindingCriteria json.RawMessage   `json:"findingCriteria"`
		Tags            map[string]string `json:"tags"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	d, err := svc.detector(c)
	if err != nil {
		return 0, nil, err
	}
	if !gdFilterNameRE().MatchString(in.Name) {
		return 0, nil, gdBadRequest("The request is rejected because the filter name %q must be 3 to 64 letters, digits, periods, hyphens and underscores.", in.Name)
	}
	if len(in.FindingCriteria) == 0 {
		return 0, nil, gdBadRequest("The request is rejected because a required parameter is missing: findingCriteria.")
	}
	switch in.Action {
	case "":
		in.Action = "NOOP"
	case "NOOP", "ARCHIVE":
	default:
		return 0, nil, gdBadRequest("The request is rejected because an invalid or out-of-range value is specified as an input parameter: action %s.", in.Action)
	}
	if d.Filters[in.Name] != nil {
		return 0, nil, gdBadRequest("The request is rejected because a filter with the name %s already exists.", in.Name)
	}
	if in.Rank == 0 {
		in.Rank = len(d.Filters) + 1
	}
	f := &gdFilter{Name: in.Name, Description: in.Description, Action: in.Action, Rank: in.Rank, Criteria: in.FindingCriteria,
		Created: c.now, Updated: c.now, Version: 1, Tags: map[string]string{}}
	for k, v := range in.Tags {
		f.Tags[k] = v
	}
	d.Filters[f.Name] = f
	return 0, map[string]any{"name": f.Name}, nil
}

func (svc *guardDutyService) filter(c *call) (*gdDetector, *gdFilter, error) {
	d, err := svc.detector(c)
	if err != nil {
		return nil, nil, err
	}
	f := d.Filters[c.Var("FilterName")]
	if f == nil {
		return nil, nil, gdBadRequest("The request is rejected because the input filterName %s is not found.", c.Var("FilterName"))
	}
	return d, f, nil
}

func (svc *guardDutyService) getFilter(c *call) (int, any, error) {
	_, f, err := svc.filter(c)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"name": f.Name, "action": f.Action, "rank": f.Rank, "findingCriteria": f.Criteria,
		"createdAt": epochSec(f.Created), "updatedAt": epochSec(f.Updated), "version": f.Version}
	if f.Description != "" {
		out["description"] = f.Description
	}
	if len(f.Tags) > 0 {
		out["tags"] = f.Tags
	}
	return 0, out, nil
}

func (svc *guardDutyService) listFilters(c *call) (int, any, error) {
	d, err := svc.detector(c)
	if err != nil {
		return 0, nil, err
	}
	page, next, err := gdPage(c, sortedKeys(d.Filters))
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"filterNames": page}
	if next != "" {
		out["nextToken"] = next
	}
	return 0, out, nil
}

func (svc *guardDutyService) deleteFilter(c *call) (int, any, error) {
	d, f, err := svc.filter(c)
	if err != nil {
		return 0, nil, err
	}
	delete(d.Filters, f.Name)
	return 0, map[string]any{}, nil
}

// tagsOf returns the tags of the detector or filter arn names.
func (svc *guardDutyService) tagsOf(c *call) (map[string]string, error) {
	arn := c.Var("ResourceArn")
	rest, ok := strings.CutPrefix(arn, gdDetectorARN(c, ""))
	if !ok {
		return nil, gdBadRequest("The request is rejected because an invalid or out-of-range value is specified as an input parameter: resourceArn %s.", arn)
	}
	id, filter, isFilter := strings.Cut(rest, "/filter/")
	d := svc.detectors(c)[id]
	if d == nil {
		return nil, gdBadRequest("The request is rejected because the input detectorId is not owned by the current account.")
	}
	if !isFilter {
		return d.Tags, nil
	}
	f := d.Filters[filter]
	if f == nil {
		return nil, gdBadRequest("The request is rejected because the input filterName %s is not found.", filter)
	}
	return f.Tags, nil
}

func (svc *guardDutyService) tagResource(c *call) (int, any, error) {
	var in struct {
		Tags map[string]string `json:"tags"`
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	tags, err := svc.tagsOf(c)
	if err != nil {
		return 0, nil, err
	}
	if len(in.Tags) == 0 {
		return 0, nil, gdBadRequest("The request is rejected because a required parameter is missing: tags.")
	}
	for k, v := range in.Tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return 0, nil, gdBadRequest("The request is rejected because the tag key %s uses the reserved prefix aws:.", k)
		}
		tags[k] = v
	}
	if len(tags) > 50 {
		return 0, nil, gdBadRequest("The request is rejected because a resource can have at most 50 tags.")
	}
	return http.StatusNoContent, nil, nil
}

func (svc *guardDutyService) untagResource(c *call) (int, any, error) {
	tags, err := svc.tagsOf(c)
	if err != nil {
		return 0, nil, err
	}
	for _, k := range c.r.URL.Query()["tagKeys"] {
		delete(tags, k)
	}
	return http.StatusNoContent, nil, nil
}

func (svc *guardDutyService) listTagsForResource(c *call) (int, any, error) {
	tags, err := svc.tagsOf(c)
	if err != nil {
		return 0, nil, err
	}
	return 0, map[string]any{"tags": tags}, nil
}
