package awssim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// CloudTrail: LookupEvents over the activity log, and trails (create,
// describe, update, start and stop logging, delete, event selectors and
// tags, with the checks of their S3 bucket, KMS key and CloudWatch Logs
// delivery that cloudtrail_config.go describes). Trails belong to an
// account and a home region; multi-region trails are visible from every
// region as shadow trails but are changed only from their home region.

type cloudTrailService struct {
	s *Server
	// Trails holds each account's trails by ARN.
	Trails map[string]map[string]*ctTrail
}

type ctTrail struct {
	Name                       string
	ARN                        string
	HomeRegion                 string
	S3BucketName               string
	S3KeyPrefix                string
	SnsTopicName               string
	KmsKeyID                   string
	CloudWatchLogsLogGroupArn  string
	CloudWatchLogsRoleArn      string
	IncludeGlobalServiceEvents bool
	IsMultiRegionTrail         bool
	LogFileValidationEnabled   bool
	IsOrganizationTrail        bool
	IsLogging                  bool
	StartLoggingTime           time.Time
	StopLoggingTime            time.Time

	// EventSelectors or AdvancedEventSelectors hold what PutEventSelectors
	// set, as JSON; neither means every management event.
	EventSelectors         json.RawMessage   `json:",omitempty"`
	AdvancedEventSelectors json.RawMessage   `json:",omitempty"`
	Tags                   map[string]string `json:",omitempty"`
}

func newCloudTrail(s *Server) *serviceDef {
	svc := &cloudTrailService{s: s, Trails: map[string]map[string]*ctTrail{}}
	def := &serviceDef{
		State: svc, Name: "cloudtrail", EventSource: "cloudtrail.amazonaws.com", Protocol: protoJSON11,
		// aws-sdk-go-v2 sends "CloudTrail_20131101.<Operation>".
		TargetPrefix: "CloudTrail_20131101",
		JSON: map[string]jsonHandler{
			"LookupEvents":   svc.lookupEvents,
			"CreateTrail":    svc.createTrail,
			"DescribeTrails": svc.describeTrails,
			"GetTrail":       svc.getTrail,
			"GetTrailStatus": svc.getTrailStatus,
			"StartLogging":   svc.startLogging,
			"StopLogging":    svc.stopLogging,
			"UpdateTrail":    svc.updateTrail,
			"DeleteTrail":    svc.deleteTrail,
		},
	}
	svc.addTrailConfigOps(def)
	return def
}

func ctError(code, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, code, format, args...)
}

// --- LookupEvents ---

type ctLookupAttribute struct {
	AttributeKey   string
	AttributeValue string
}

type ctEventResource struct {
	ResourceName string `json:"ResourceName,omitempty"`
	ResourceType string `json:"ResourceType,omitempty"`
}

type ctEvent struct {
	EventID         string            `json:"EventId"`
	EventName       string            `json:"EventName"`
	ReadOnly        string            `json:"ReadOnly"`
	AccessKeyID     string            `json:"AccessKeyId,omitempty"`
	EventTime       epochSec          `json:"EventTime"`
	EventSource     string            `json:"EventSource"`
	Username        string            `json:"Username,omitempty"`
	Resources       []ctEventResource `json:"Resources"`
	CloudTrailEvent string            `json:"CloudTrailEvent"`
}

// ctLookupKeys are the attributes LookupEvents filters by.
var ctLookupKeys = sync.OnceValue(func() map[string]func(r TrailRecord, v string) bool {
	return map[string]func(r TrailRecord, v string) bool{
		"EventId":     func(r TrailRecord, v string) bool { return r.EventID == v },
		"EventName":   func(r TrailRecord, v string) bool { return r.EventName == v },
		"ReadOnly":    func(r TrailRecord, v string) bool { return boolString(r.ReadOnly) == v },
		"Username":    func(r TrailRecord, v string) bool { return r.Username() == v },
		"EventSource": func(r TrailRecord, v string) bool { return r.EventSource == v },
		"AccessKeyId": func(r TrailRecord, v string) bool { return r.UserIdentity.AccessKeyID == v },
		"ResourceType": func(r TrailRecord, v string) bool {
			for _, res := range r.Resources {
				if res.Type == v {
					return true
				}
			}
			return false
		},
		"ResourceName": func(r TrailRecord, v string) bool {
			for _, res := range r.Resources {
				if ctResourceName(res) == v {
					return true
				}
			}
			return false
		},
	}
})

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// ctResourceName is the name LookupEvents reports for a resource: its
// name, or its ARN when the record names none.
func ctResourceName(res TrailResource) string {
	if res.Name != "" {
		return res.Name
	}
	return res.ARN
}

func (svc *cloudTrailService) lookupEvents(c *call, body []byte) (any, error) {
	var in struct {
		LookupAttributes []ctLookupAttribute
		StartTime        *epochSec
		EndTime          *epochSec
		EventCategory    string
		MaxResults       *int
		NextToken        string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.LookupAttributes) > 1 {
		return nil, ctError("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	var match func(TrailRecord) bool
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		f := ctLookupKeys()[a.AttributeKey]
		if f == nil {
			return nil, ctError("InvalidLookupAttributesException", "Unsupported lookup attribute key %q.", a.AttributeKey)
		}
		if a.AttributeValue == "" {
			return nil, ctError("InvalidLookupAttributesException", "The lookup attribute value for %s must not be empty.", a.AttributeKey)
		}
		match = func(r TrailRecord) bool { return f(r, a.AttributeValue) }
	}
	if in.EventCategory != "" && in.EventCategory != "insight" {
		return nil, ctError("InvalidEventCategoryException", "Unsupported event category %q.", in.EventCategory)
	}
	var start, end time.Time
	if in.StartTime != nil {
		start = time.Time(*in.StartTime)
	}
	if in.EndTime != nil {
		end = time.Time(*in.EndTime)
	}
	if !start.IsZero() && !end.IsZero() && start.After(end) {
		return nil, ctError("InvalidTimeRangeException", "Start time (%s) must be before end time (%s).", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	maxResults := 50
	if in.MaxResults != nil {
		maxResults = *in.MaxResults
		if maxResults < 1 || maxResults > 50 {
			return nil, ctError("InvalidMaxResultsException", "MaxResults must be between 1 and 50, not %d.", maxResults)
		}
	}

	recs := c.s.trail.records[scope{c.Account(), c.region}]
	// Records are kept oldest first; walk them newest first. A token names
	// the event ID the next page starts at.
	i := len(recs) - 1
	if in.NextToken != "" {
		id, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, ctError("InvalidNextTokenException", "Invalid NextToken.")
		}
		i = -1
		for j := len(recs) - 1; j >= 0; j-- {
			if recs[j].EventID == id {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, ctError("InvalidNextTokenException", "Invalid NextToken.")
		}
	}
	type output struct {
		Events    []ctEvent `json:"Events"`
		NextToken string    `json:"NextToken,omitempty"`
	}
	out := output{Events: []ctEvent{}}
	if in.EventCategory == "insight" {
		return out, nil
	}
	// Event history covers the last 90 days.
	if horizon := c.now.Add(-90 * 24 * time.Hour); start.Before(horizon) {
		start = horizon
	}
	for ; i >= 0; i-- {
		r := recs[i]
		t := r.Time()
		if !end.IsZero() && t.After(end) {
			continue
		}
		if t.Before(start) {
			break
		}
		if match != nil && !match(r) {
			continue
		}
		if len(out.Events) == maxResults {
			out.NextToken = pageToken(r.EventID)
			break
		}
		out.Events = append(out.Events, ctEventOf(r))
	}
	return out, nil
}

func ctEventOf(r TrailRecord) ctEvent {
	raw, _ := json.Marshal(r)
	ev := ctEvent{
		EventID: r.EventID, EventName: r.EventName, ReadOnly: boolString(r.ReadOnly),
		AccessKeyID: r.UserIdentity.AccessKeyID, EventTime: epochSec(r.Time()), EventSource: r.EventSource,
		Username: r.Username(), Resources: []ctEventResource{}, CloudTrailEvent: string(raw),
	}
	for _, res := range r.Resources {
		ev.Resources = append(ev.Resources, ctEventResource{ResourceName: ctResourceName(res), ResourceType: res.Type})
	}
	return ev
}

// --- trails ---

var ctTrailNameRE = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$`)

type ctTrailJSON struct {
	Name                       string `json:"Name"`
	S3BucketName               string `json:"S3BucketName,omitempty"`
	S3KeyPrefix                string `json:"S3KeyPrefix,omitempty"`
	SnsTopicName               string `json:"SnsTopicName,omitempty"`
	SnsTopicARN                string `json:"SnsTopicARN,omitempty"`
	IncludeGlobalServiceEvents bool   `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         bool   `json:"IsMultiRegionTrail"`
	HomeRegion                 string `json:"HomeRegion,omitempty"`
	TrailARN                   string `json:"TrailARN"`
	LogFileValidationEnabled   bool   `json:"LogFileValidationEnabled"`
	CloudWatchLogsLogGroupArn  string `json:"CloudWatchLogsLogGroupArn,omitempty"`
	CloudWatchLogsRoleArn      string `json:"CloudWatchLogsRoleArn,omitempty"`
	KmsKeyID                   string `json:"KmsKeyId,omitempty"`
	HasCustomEventSelectors    bool   `json:"HasCustomEventSelectors"`
	HasInsightSelectors        bool   `json:"HasInsightSelectors"`
	IsOrganizationTrail        bool   `json:"IsOrganizationTrail"`
}

func (t *ctTrail) json(withHome bool) ctTrailJSON {
	j := ctTrailJSON{
		Name: t.Name, S3BucketName: t.S3BucketName, S3KeyPrefix: t.S3KeyPrefix, SnsTopicName: t.SnsTopicName,
		IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents, IsMultiRegionTrail: t.IsMultiRegionTrail,
		TrailARN: t.ARN, LogFileValidationEnabled: t.LogFileValidationEnabled,
		CloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: t.CloudWatchLogsRoleArn,
		KmsKeyID: t.KmsKeyID, IsOrganizationTrail: t.IsOrganizationTrail,
	}
	if t.SnsTopicName != "" {
		j.SnsTopicARN = "arn:" + arnPartition(t.ARN) + ":sns:" + t.HomeRegion + ":" + ctARNAccount(t.ARN) + ":" + t.SnsTopicName
	}
	if withHome {
		j.HomeRegion = t.HomeRegion
	}
	return j
}

func ctARNAccount(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 5 {
		return ""
	}
	return f[4]
}

// trailsOf returns the caller's trails by ARN.
func (svc *cloudTrailService) trailsOf(c *call) map[string]*ctTrail {
	m := svc.Trails[c.Account()]
	if m == nil {
		m = map[string]*ctTrail{}
		svc.Trails[c.Account()] = m
	}
	return m
}

// visible reports whether a trail can be seen from region: it lives there or
// is a multi-region trail.
func (t *ctTrail) visible(region string) bool {
	return t.HomeRegion == region || t.IsMultiRegionTrail
}

// find resolves a trail name or ARN as seen from the caller's region.
func (svc *cloudTrailService) find(c *call, nameOrARN string) (*ctTrail, error) {
	if nameOrARN == "" {
		return nil, ctError("InvalidTrailNameException", "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	}
	for _, t := range svc.trailsOf(c) {
		if !t.visible(c.region) {
			continue
		}
		if t.ARN == nameOrARN || t.Name == nameOrARN {
			return t, nil
		}
	}
	if !strings.HasPrefix(nameOrARN, "arn:") && !ctTrailNameRE().MatchString(nameOrARN) {
		return nil, ctError("InvalidTrailNameException", "Trail name %q is not valid.", nameOrARN)
	}
	arn := nameOrARN
	if !strings.HasPrefix(arn, "arn:") {
		arn = "arn:" + c.partition() + ":cloudtrail:" + c.region + ":" + c.Account() + ":trail/" + nameOrARN
	}
	return nil, ctError("TrailNotFoundException", "Unknown trail: %s for the user: %s", arn, c.Account())
}

// home resolves a trail that is to be changed, which only its home region
// may do.
func (svc *cloudTrailService) home(c *call, nameOrARN string) (*ctTrail, error) {
	t, err := svc.find(c, nameOrARN)
	if err != nil {
		return nil, err
	}
	if t.HomeRegion != c.region {
		return nil, ctError("InvalidHomeRegionException", "This operation must be called from the trail's home region, %s.", t.HomeRegion)
	}
	return t, nil
}

type ctTrailSettings struct {
	Name                       string
	TagsList                   []ctTag
	S3BucketName               *string
	S3KeyPrefix                *string
	SnsTopicName               *string
	IncludeGlobalServiceEvents *bool
	IsMultiRegionTrail         *bool
	EnableLogFileValidation    *bool
	CloudWatchLogsLogGroupArn  *string
	CloudWatchLogsRoleArn      *string
	KmsKeyID                   *string `json:"KmsKeyId"`
	IsOrganizationTrail        *bool
}

func (in ctTrailSettings) apply(t *ctTrail) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&t.S3BucketName, in.S3BucketName)
	set(&t.S3KeyPrefix, in.S3KeyPrefix)
	set(&t.SnsTopicName, in.SnsTopicName)
	set(&t.CloudWatchLogsLogGroupArn, in.CloudWatchLogsLogGroupArn)
	set(&t.CloudWatchLogsRoleArn, in.CloudWatchLogsRoleArn)
	if in.KmsKeyID != nil {
		t.KmsKeyID = *in.KmsKeyID
		if t.KmsKeyID != "" && !strings.HasPrefix(t.KmsKeyID, "arn:") {
			// CloudTrail reports the key by ARN; aliases and key IDs are
			// resolved in the trail's region and account.
			kind := "key/"
			if strings.HasPrefix(t.KmsKeyID, "alias/") {
				kind = ""
			}
			t.KmsKeyID = "arn:" + arnPartition(t.ARN) + ":kms:" + t.HomeRegion + ":" + ctARNAccount(t.ARN) + ":" + kind + t.KmsKeyID
		}
	}
	if in.IncludeGlobalServiceEvents != nil {
		t.IncludeGlobalServiceEvents = *in.IncludeGlobalServiceEvents
	}
	if in.IsMultiRegionTrail != nil {
		t.IsMultiRegionTrail = *in.IsMultiRegionTrail
	}
	if in.EnableLogFileValidation != nil {
		t.LogFileValidationEnabled = *in.EnableLogFileValidation
	}
	if in.IsOrganizationTrail != nil {
		t.IsOrganizationTrail = *in.IsOrganizationTrail
	}
	if t.S3BucketName == "" {
		return ctError("InvalidS3BucketNameException", "S3 bucket name must not be empty.")
	}
	if t.IsMultiRegionTrail && !t.IncludeGlobalServiceEvents {
		return ctError("InvalidParameterCombinationException", "Multi-Region trail must include global service events.")
	}
	return nil
}

func (svc *cloudTrailService) createTrail(c *call, body []byte) (any, error) {
	var in ctTrailSettings
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if !ctTrailNameRE().MatchString(in.Name) || strings.Contains(in.Name, "..") {
		return nil, ctError("InvalidTrailNameException", "Trail name %q must be 3 to 128 letters, numbers, periods, hyphens and underscores, starting and ending with a letter or number.", in.Name)
	}
	if in.S3BucketName == nil {
		return nil, ctError("InvalidS3BucketNameException", "S3 bucket name must not be empty.")
	}
	trails := svc.trailsOf(c)
	for _, t := range trails {
		if t.Name == in.Name && t.HomeRegion == c.region {
			return nil, ctError("TrailAlreadyExistsException", "Trail %s already exists for customer: %s", in.Name, c.Account())
		}
	}
	t := &ctTrail{
		Name: in.Name, HomeRegion: c.region, IncludeGlobalServiceEvents: true,
		ARN: "arn:" + c.partition() + ":cloudtrail:" + c.region + ":" + c.Account() + ":trail/" + in.Name,
	}
	if err := in.apply(t); err != nil {
		return nil, err
	}
	if err := svc.checkDelivery(c, t, in, true); err != nil {
		return nil, err
	}
	if len(in.TagsList) > 0 {
		t.Tags = map[string]string{}
		for _, tag := range in.TagsList {
			t.Tags[tag.Key] = tag.Value
		}
	}
	trails[t.ARN] = t
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::CloudTrail::Trail", Name: t.ARN}}
	return t.json(false), nil
}

func (svc *cloudTrailService) updateTrail(c *call, body []byte) (any, error) {
	var in ctTrailSettings
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.home(c, in.Name)
	if err != nil {
		return nil, err
	}
	updated := *t
	if err := in.apply(&updated); err != nil {
		return nil, err
	}
	if err := svc.checkDelivery(c, &updated, in, false); err != nil {
		return nil, err
	}
	*t = updated
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::CloudTrail::Trail", Name: t.ARN}}
	return t.json(false), nil
}

func (svc *cloudTrailService) describeTrails(c *call, body []byte) (any, error) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	var list []ctTrailJSON
	if len(in.TrailNameList) > 0 {
		for _, n := range in.TrailNameList {
			if t, err := svc.find(c, n); err == nil && (shadows || t.HomeRegion == c.region) {
				list = append(list, t.json(true))
			}
		}
	} else {
		for _, t := range svc.trailsOf(c) {
			if t.HomeRegion == c.region || (shadows && t.IsMultiRegionTrail) {
				list = append(list, t.json(true))
			}
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].TrailARN < list[j].TrailARN })
	if list == nil {
		list = []ctTrailJSON{}
	}
	return map[string]any{"trailList": list}, nil
}

type ctNameInput struct {
	Name      string
	TrailName string
}

func (in ctNameInput) name() string {
	if in.Name != "" {
		return in.Name
	}
	return in.TrailName
}

// namedTrail decodes a request that names a trail by Name or TrailName
// and returns the trail lookup finds by that name.
func (svc *cloudTrailService) namedTrail(c *call, body []byte, lookup func(c *call, nameOrARN string) (*ctTrail, error)) (*ctTrail, error) {
	var in ctNameInput
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	return lookup(c, in.name())
}

func (svc *cloudTrailService) getTrail(c *call, body []byte) (any, error) {
	t, err := svc.namedTrail(c, body, svc.find)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Trail": t.json(true)}, nil
}

func (svc *cloudTrailService) getTrailStatus(c *call, body []byte) (any, error) {
	t, err := svc.namedTrail(c, body, svc.find)
	if err != nil {
		return nil, err
	}
	out := struct {
		IsLogging          bool      `json:"IsLogging"`
		StartLoggingTime   *epochSec `json:"StartLoggingTime,omitempty"`
		StopLoggingTime    *epochSec `json:"StopLoggingTime,omitempty"`
		TimeLoggingStarted string    `json:"TimeLoggingStarted,omitempty"`
		TimeLoggingStopped string    `json:"TimeLoggingStopped,omitempty"`
	}{IsLogging: t.IsLogging, StartLoggingTime: epochPtr(t.StartLoggingTime), StopLoggingTime: epochPtr(t.StopLoggingTime)}
	if !t.StartLoggingTime.IsZero() {
		out.TimeLoggingStarted = t.StartLoggingTime.Format("2006-01-02T15:04:05Z")
	}
	if !t.StopLoggingTime.IsZero() {
		out.TimeLoggingStopped = t.StopLoggingTime.Format("2006-01-02T15:04:05Z")
	}
	return out, nil
}

func (svc *cloudTrailService) setLogging(c *call, body []byte, on bool) (any, error) {
	t, err := svc.namedTrail(c, body, svc.home)
	if err != nil {
		return nil, err
	}
	if t.IsLogging != on {
		t.IsLogging = on
		if on {
			t.StartLoggingTime = c.now
		} else {
			t.StopLoggingTime = c.now
		}
	}
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::CloudTrail::Trail", Name: t.ARN}}
	return nil, nil
}

func (svc *cloudTrailService) startLogging(c *call, body []byte) (any, error) {
	return svc.setLogging(c, body, true)
}

func (svc *cloudTrailService) stopLogging(c *call, body []byte) (any, error) {
	return svc.setLogging(c, body, false)
}

func (svc *cloudTrailService) deleteTrail(c *call, body []byte) (any, error) {
	t, err := svc.namedTrail(c, body, svc.home)
	if err != nil {
		return nil, err
	}
	delete(svc.trailsOf(c), t.ARN)
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::CloudTrail::Trail", Name: t.ARN}}
	return nil, nil
}
