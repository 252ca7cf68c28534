package awssim

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TrailRecord is a CloudTrail record of one API call, in CloudTrail's JSON
// shape (as in LookupEvents' CloudTrailEvent and in EventBridge's "AWS API
// Call via CloudTrail" detail).
type TrailRecord struct {
	EventVersion       string          `json:"eventVersion"`
	UserIdentity       UserIdentity    `json:"userIdentity"`
	EventTime          string          `json:"eventTime"`
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AWSRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	UserAgent          string          `json:"userAgent"`
	ErrorCode          string          `json:"errorCode,omitempty"`
	ErrorMessage       string          `json:"errorMessage,omitempty"`
	RequestParameters  any             `json:"requestParameters"`
	ResponseElements   any             `json:"responseElements"`
	RequestID          string          `json:"requestID"`
	EventID            string          `json:"eventID"`
	ReadOnly           bool            `json:"readOnly"`
	Resources          []TrailResource `json:"resources,omitempty"`
	EventType          string          `json:"eventType"`
	ManagementEvent    bool            `json:"managementEvent"`
	RecipientAccountID string          `json:"recipientAccountId"`
	EventCategory      string          `json:"eventCategory"`
}

// TrailResource is a resource a CloudTrail record names.
type TrailResource struct {
	ARN       string `json:"ARN,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"`
	// Name is what LookupEvents reports as ResourceName.
	Name string `json:"-"`
}

// UserIdentity is CloudTrail's userIdentity element.
type UserIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
}

// SessionContext describes the role session of an assumed-role caller.
type SessionContext struct {
	SessionIssuer struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
		ARN         string `json:"arn"`
		AccountID   string `json:"accountId"`
		UserName    string `json:"userName"`
	} `json:"sessionIssuer"`
	Attributes struct {
		CreationDate     string `json:"creationDate"`
		MFAAuthenticated string `json:"mfaAuthenticated"`
	} `json:"attributes"`
}

// Time parses the record's eventTime.
func (r TrailRecord) Time() time.Time {
	t, _ := time.Parse(time.RFC3339, r.EventTime)
	return t
}

// Username is what LookupEvents reports as the record's Username.
func (r TrailRecord) Username() string {
	switch r.UserIdentity.Type {
	case "IAMUser":
		return r.UserIdentity.UserName
	case "AssumedRole":
		if i := strings.LastIndexByte(r.UserIdentity.ARN, '/'); i >= 0 {
			return r.UserIdentity.ARN[i+1:]
		}
	case "Root":
		return "root"
	}
	return r.UserIdentity.PrincipalID
}

// maxTrailRecords bounds the records kept per account and region.
const maxTrailRecords = 100_000

type scope struct{ account, region string }

type trail struct {
	records map[scope][]TrailRecord
}

func newTrail() *trail { return &trail{records: map[scope][]TrailRecord{}} }

func (t *trail) add(account, region string, rec TrailRecord) {
	k := scope{account, region}
	rs := append(t.records[k], rec)
	if len(rs) > maxTrailRecords {
		rs = append(rs[:0:0], rs[len(rs)-maxTrailRecords:]...)
	}
	t.records[k] = rs
}

// userIdentity returns the CloudTrail userIdentity of p.
func userIdentity(p Principal) UserIdentity {
	u := UserIdentity{Type: p.Type, PrincipalID: p.PrincipalID, ARN: p.ARN, AccountID: p.Account, AccessKeyID: p.AccessKeyID, UserName: p.UserName}
	if p.Type == "AssumedRole" {
		sc := &SessionContext{}
		sc.SessionIssuer.Type = "Role"
		sc.SessionIssuer.PrincipalID = p.RoleID
		sc.SessionIssuer.ARN = "arn:" + arnPartition(p.ARN) + ":iam::" + p.Account + ":role/" + p.RoleName
		sc.SessionIssuer.AccountID = p.Account
		sc.SessionIssuer.UserName = p.RoleName
		sc.Attributes.CreationDate = p.Issued.UTC().Format(time.RFC3339)
		sc.Attributes.MFAAuthenticated = "false"
		u.SessionContext = sc
	}
	return u
}

// arnPartition returns the partition field of an ARN ("aws" if malformed).
func arnPartition(arn string) string {
	f := strings.SplitN(arn, ":", 3)
	if len(f) < 3 || f[1] == "" {
		return "aws"
	}
	return f[1]
}

// recordLocked records c in the activity log and returns the EventBridge
// event for it if the call was mutating, else nil.
func (s *Server) recordLocked(c *call, values url.Values, herr error) []byte {
	if c.op == "" {
		return nil
	}
	region := c.region
	if c.def.Global {
		region = "us-east-1"
	}
	if c.trailRegion != "" {
		region = c.trailRegion
	}
	rec := TrailRecord{
		EventVersion:       "1.08",
		UserIdentity:       userIdentity(c.caller),
		EventTime:          c.now.Format(time.RFC3339),
		EventSource:        c.def.EventSource,
		EventName:          c.op,
		AWSRegion:          region,
		SourceIPAddress:    sourceIP(c.r),
		UserAgent:          c.r.UserAgent(),
		RequestID:          c.requestID,
		EventID:            s.newUUIDLocked(),
		ReadOnly:           c.def.readOnly(c.op),
		Resources:          c.trailResources,
		EventType:          "AwsApiCall",
		ManagementEvent:    true,
		RecipientAccountID: c.caller.Account,
		EventCategory:      "Management",
	}
	if c.trailEventName != "" {
		rec.EventName = c.trailEventName
	}
	if herr != nil {
		if e, ok := herr.(*Error); ok {
			rec.ErrorCode, rec.ErrorMessage = e.Code, e.Message
		} else {
			rec.ErrorCode, rec.ErrorMessage = "InternalFailure", herr.Error()
		}
	}
	rec.RequestParameters = c.trailParams
	if rec.RequestParameters == nil {
		rec.RequestParameters = defaultTrailParams(c, values)
	}
	if herr == nil {
		rec.ResponseElements = c.trailResponse
	}
	s.trail.add(c.caller.Account, region, rec)
	if rec.ReadOnly {
		return nil
	}
	return eventBridgeEvent(s.newUUIDLocked(), rec)
}

// eventBridgeEvent wraps a record as the "AWS API Call via CloudTrail"
// event EventBridge delivers.
func eventBridgeEvent(id string, rec TrailRecord) []byte {
	source := "aws." + strings.TrimSuffix(rec.EventSource, ".amazonaws.com")
	b, _ := json.Marshal(struct {
		Version    string      `json:"version"`
		ID         string      `json:"id"`
		DetailType string      `json:"detail-type"`
		Source     string      `json:"source"`
		Account    string      `json:"account"`
		Time       string      `json:"time"`
		Region     string      `json:"region"`
		Resources  []string    `json:"resources"`
		Detail     TrailRecord `json:"detail"`
	}{"0", id, "AWS API Call via CloudTrail", source, rec.RecipientAccountID, rec.EventTime, rec.AWSRegion, []string{}, rec})
	return b
}

// defaultTrailParams derives requestParameters from the request when the
// handler did not set them: the query parameters or the JSON body, with
// member names in lower camel case as CloudTrail writes them.
func defaultTrailParams(c *call, values url.Values) any {
	switch c.def.Protocol {
	case protoQuery, protoEC2:
		m := map[string]any{}
		for k, v := range values {
			if k == "Action" || k == "Version" || len(v) == 0 {
				continue
			}
			m[lowerCamel(k)] = v[0]
		}
		if len(m) == 0 {
			return nil
		}
		return m
	default:
		m := map[string]any{}
		if len(c.body) > 0 {
			var v any
			if json.Unmarshal(c.body, &v) == nil {
				if obj, ok := lowerCamelKeys(v).(map[string]any); ok {
					m = obj
				}
			}
		}
		for k, v := range c.vars {
			m[lowerCamel(k)] = v
		}
		if len(m) == 0 {
			return nil
		}
		return m
	}
}

func lowerCamelKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[lowerCamel(k)] = lowerCamelKeys(e)
		}
		return out
	case []any:
		for i := range t {
			t[i] = lowerCamelKeys(t[i])
		}
		return t
	default:
		return v
	}
}

// lowerCamel lower-cases the first letter of s ("UserName" → "userName").
func lowerCamel(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// Trail returns the activity recorded for account in region, oldest first.
func (s *Server) Trail(account, region string) []TrailRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TrailRecord(nil), s.trail.records[scope{account, region}]...)
}

// RecordActivity adds a record to account's activity log in region as if
// the call had been made, e.g. to seed a day of history. Records are kept
// in eventTime order. It is not delivered to subscribers.
func (s *Server) RecordActivity(account, region string, rec TrailRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.EventVersion == "" {
		rec.EventVersion = "1.08"
	}
	if rec.EventID == "" {
		rec.EventID = s.newUUIDLocked()
	}
	if rec.RequestID == "" {
		rec.RequestID = s.newUUIDLocked()
	}
	if rec.EventType == "" {
		rec.EventType = "AwsApiCall"
	}
	if rec.EventCategory == "" {
		rec.EventCategory = "Management"
	}
	if rec.AWSRegion == "" {
		rec.AWSRegion = region
	}
	if rec.RecipientAccountID == "" {
		rec.RecipientAccountID = account
	}
	rec.ManagementEvent = true
	k := scope{account, region}
	rs := append(s.trail.records[k], rec)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Time().Before(rs[j].Time()) })
	s.trail.records[k] = rs
}

// EventFor returns the EventBridge "AWS API Call via CloudTrail" event for a
// record.
func (s *Server) EventFor(rec TrailRecord) []byte {
	s.mu.Lock()
	id := s.newUUIDLocked()
	s.mu.Unlock()
	return eventBridgeEvent(id, rec)
}
