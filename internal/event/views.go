package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/rectify-dev/rectify/internal/control"
)

// decodeDetail checks that e is of one of the kinds and decodes its detail
// into v.
func (e *Event) decodeDetail(v any, view string, kinds ...Kind) error {
	k := e.Kind()
	ok := false
	for _, want := range kinds {
		ok = ok || k == want
	}
	if !ok {
		return &Error{
			Field:  "detail-type",
			Reason: fmt.Sprintf("%s: %s from %s is not a %s event", view, quoteValue(e.DetailType), quoteValue(e.Source), kinds[0]),
			Err:    ErrKind,
		}
	}
	if err := json.Unmarshal(e.Detail, v); err != nil {
		return detailError(err)
	}
	if f := checkFolds(e.Detail, reflect.TypeOf(v)); f != nil {
		return f.asError("detail")
	}
	return nil
}

// detailError turns an encoding/json error from decoding the detail into an
// *Error naming the field.
func detailError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := "detail"
		if te.Field != "" {
			field += "." + te.Field
		}
		return &Error{Field: field, Reason: fmt.Sprintf("must be %s, got %s", typeName(te.Type), te.Value), Err: err}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &Error{Field: "detail", Reason: fmt.Sprintf("malformed JSON at offset %d: %v", se.Offset, err), Err: err}
	}
	return &Error{Field: "detail", Reason: err.Error(), Err: err}
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

// StringMap is a JSON object of strings. It decodes leniently: null becomes
// "" and any other non-string value is kept as its JSON text, because AWS
// documents these maps as strings but producers do not always comply.
type StringMap map[string]string

// UnmarshalJSON implements json.Unmarshaler.
func (m *StringMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*m = nil
		return nil
	}
	out := make(StringMap, len(raw))
	for k, v := range raw {
		switch {
		case len(v) == 0 || v[0] == 'n':
			out[k] = ""
		case v[0] == '"':
			s, err := unquote(v)
			if err != nil {
				return err
			}
			out[k] = s
		default:
			out[k] = string(v)
		}
	}
	*m = out
	return nil
}

// ---- CloudTrail ------------------------------------------------------------

// APICall is the detail of an "AWS API Call via CloudTrail" event: one
// CloudTrail record.
type APICall struct {
	EventVersion       string          `json:"eventVersion"`
	EventTime          string          `json:"eventTime"`
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AWSRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	UserAgent          string          `json:"userAgent"`
	ErrorCode          string          `json:"errorCode"`
	ErrorMessage       string          `json:"errorMessage"`
	RequestID          string          `json:"requestID"`
	EventID            string          `json:"eventID"`
	EventType          string          `json:"eventType"`
	EventCategory      string          `json:"eventCategory"`
	ReadOnly           bool            `json:"readOnly"`
	ManagementEvent    bool            `json:"managementEvent"`
	RecipientAccountID string          `json:"recipientAccountId"`
	UserIdentity       UserIdentity    `json:"userIdentity"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	Resources          []TrailResource `json:"resources"`
}

// UserIdentity is the caller of a CloudTrail-recorded API call.
type UserIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId"`
	UserName       string          `json:"userName"`
	InvokedBy      string          `json:"invokedBy"`
	SessionContext *SessionContext `json:"sessionContext"`
}

// SessionContext describes the temporary credentials of a caller.
type SessionContext struct {
	SessionIssuer  SessionIssuer     `json:"sessionIssuer"`
	SourceIdentity string            `json:"sourceIdentity"`
	Attributes     SessionAttributes `json:"attributes"`
}

// SessionIssuer is the entity (usually a role) that issued a caller's
// temporary credentials.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// SessionAttributes are the attributes of a caller's session. CloudTrail
// records mfaAuthenticated as the string "true" or "false".
type SessionAttributes struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// TrailResource is an entry of a CloudTrail record's resources list.
type TrailResource struct {
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
	ARN       string `json:"ARN"`
}

// CloudTrail returns the detail of a CloudTrail API call event.
func (e *Event) CloudTrail() (*APICall, error) {
	c := new(APICall)
	if err := e.decodeDetail(c, "CloudTrail", KindCloudTrail); err != nil {
		return nil, err
	}
	return c, nil
}

// SessionName returns the role-session name of the caller, or "" when the
// caller is not an assumed role.
func (c *APICall) SessionName() string { return c.UserIdentity.SessionName() }

// RoleName returns the name of the role the caller assumed, or "" when the
// caller is not an assumed role.
func (c *APICall) RoleName() string { return c.UserIdentity.RoleName() }

// SessionName returns the role-session name of an assumed-role caller, taken
// from its ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), or else from
// the part of its principal id after the colon. It returns "" for other
// callers.
func (u *UserIdentity) SessionName() string {
	if _, session, ok := SplitAssumedRoleARN(u.ARN); ok {
		return session
	}
	if u.Type == "AssumedRole" {
		if _, session, ok := strings.Cut(u.PrincipalID, ":"); ok {
			return session
		}
	}
	return ""
}

// RoleName returns the name of the role an assumed-role caller assumed, from
// its ARN or else from its session issuer. It returns "" for other callers.
func (u *UserIdentity) RoleName() string {
	if role, _, ok := SplitAssumedRoleARN(u.ARN); ok {
		return role
	}
	if u.Type == "AssumedRole" && u.SessionContext != nil && u.SessionContext.SessionIssuer.Type == "Role" {
		return u.SessionContext.SessionIssuer.UserName
	}
	return ""
}

// SplitAssumedRoleARN splits an STS assumed-role ARN,
// arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION, into the role name
// and the session name. ok is false for any other string.
func SplitAssumedRoleARN(s string) (role, session string, ok bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "sts" {
		return "", "", false
	}
	rest, found := strings.CutPrefix(a.Resource, "assumed-role/")
	if !found {
		return "", "", false
	}
	role, session, found = strings.Cut(rest, "/")
	if !found || role == "" || session == "" || strings.Contains(session, "/") {
		return "", "", false
	}
	return role, session, true
}

// ---- Security Hub ----------------------------------------------------------

// Finding is a Security Hub finding in the AWS Security Finding Format
// (ASFF), with the fields rectify uses.
type Finding struct {
	SchemaVersion   string            `json:"SchemaVersion"`
	ID              string            `json:"Id"`
	ProductARN      string            `json:"ProductArn"`
	ProductName     string            `json:"ProductName"`
	CompanyName     string            `json:"CompanyName"`
	GeneratorID     string            `json:"GeneratorId"`
	AWSAccountID    string            `json:"AwsAccountId"`
	Region          string            `json:"Region"`
	Types           []string          `json:"Types"`
	Title           string            `json:"Title"`
	Description     string            `json:"Description"`
	Severity        Severity          `json:"Severity"`
	Compliance      Compliance        `json:"Compliance"`
	ProductFields   StringMap         `json:"ProductFields"`
	Workflow        Workflow          `json:"Workflow"`
	WorkflowState   string            `json:"WorkflowState"`
	RecordState     string            `json:"RecordState"`
	FirstObservedAt string            `json:"FirstObservedAt"`
	LastObservedAt  string            `json:"LastObservedAt"`
	CreatedAt       string            `json:"CreatedAt"`
	UpdatedAt       string            `json:"UpdatedAt"`
	Resources       []FindingResource `json:"Resources"`
}

// Severity is the severity of a finding.
type Severity struct {
	Label    string `json:"Label"`
	Original string `json:"Original"`
}

// Compliance is the compliance result of a control-based finding.
type Compliance struct {
	Status              string   `json:"Status"`
	SecurityControlID   string   `json:"SecurityControlId"`
	RelatedRequirements []string `json:"RelatedRequirements"`
	// SecurityControlParameters are the control's parameters as Security
	// Hub evaluated it (consolidated control findings only).
	SecurityControlParameters []ControlParameter `json:"SecurityControlParameters"`
	// AssociatedStandards are the standards the control is enabled in.
	AssociatedStandards []AssociatedStandard `json:"AssociatedStandards"`
}

// ControlParameter is a parameter of a Security Hub control and the values
// the control was evaluated with.
type ControlParameter struct {
	Name  string   `json:"Name"`
	Value []string `json:"Value"`
}

// AssociatedStandard is a standard a control is enabled in, such as
// "standards/aws-foundational-security-best-practices/v/1.0.0".
type AssociatedStandard struct {
	StandardsID string `json:"StandardsId"`
}

// Workflow is the investigation status of a finding.
type Workflow struct {
	Status string `json:"Status"`
}

// FindingResource is a resource a finding is about. Type is the ASFF type
// (AwsEc2SecurityGroup); ID is usually an ARN.
type FindingResource struct {
	Type      string          `json:"Type"`
	ID        string          `json:"Id"`
	Partition string          `json:"Partition"`
	Region    string          `json:"Region"`
	Tags      StringMap       `json:"Tags"`
	Details   json.RawMessage `json:"Details"`
}

// ControlID returns the consolidated id of the Security Hub control the
// finding comes from, such as "EC2.13", whatever form the finding names it
// in: Compliance.SecurityControlId and the generator id
// "security-control/ID" (consolidated control findings), or a
// standard-specific id (generator id, ProductFields.ControlId or RuleId)
// read with the finding's standard, so that CIS v1.4.0's "1.8" is IAM.15
// (see [control.Resolve]). It returns "" for findings not made by a
// control and for standard-specific ids rectify's control table does not
// hold.
func (f *Finding) ControlID() string {
	id, _ := control.Resolve(control.Finding{
		SecurityControlID: f.Compliance.SecurityControlID,
		GeneratorID:       f.GeneratorID,
		ProductFields:     f.ProductFields,
	})
	return id
}

// ControlParams returns the finding's control parameters by name, or nil
// if it has none.
func (f *Finding) ControlParams() map[string][]string {
	ps := f.Compliance.SecurityControlParameters
	if len(ps) == 0 {
		return nil
	}
	m := make(map[string][]string, len(ps))
	for _, p := range ps {
		if p.Name != "" {
			m[p.Name] = p.Value
		}
	}
	return m
}

type securityHubDetail struct {
	Findings *[]Finding `json:"findings"`
}

// Findings returns the findings of a Security Hub event (Imported or Custom
// Action). One event may carry several findings, in any accounts and
// regions.
func (e *Event) Findings() ([]Finding, error) {
	var d securityHubDetail
	if err := e.decodeDetail(&d, "Findings", KindSecurityHubImported, KindSecurityHubCustomAction); err != nil {
		return nil, err
	}
	if d.Findings == nil {
		return nil, missing("detail.findings")
	}
	return *d.Findings, nil
}

// ---- GuardDuty -------------------------------------------------------------

// GuardDutyFinding is the detail of a "GuardDuty Finding" event.
type GuardDutyFinding struct {
	SchemaVersion string            `json:"schemaVersion"`
	AccountID     string            `json:"accountId"`
	Region        string            `json:"region"`
	Partition     string            `json:"partition"`
	ID            string            `json:"id"`
	ARN           string            `json:"arn"`
	Type          string            `json:"type"`
	Severity      float64           `json:"severity"`
	Title         string            `json:"title"`
	Description   string            `json:"description"`
	CreatedAt     string            `json:"createdAt"`
	UpdatedAt     string            `json:"updatedAt"`
	Resource      GuardDutyResource `json:"resource"`
	Service       json.RawMessage   `json:"service"`
}

// GuardDutyResource is the resource a GuardDuty finding is about.
// ResourceType is GuardDuty's name for it: "Instance", "AccessKey",
// "S3Bucket" and others.
type GuardDutyResource struct {
	ResourceType     string              `json:"resourceType"`
	InstanceDetails  *GuardDutyInstance  `json:"instanceDetails"`
	AccessKeyDetails *GuardDutyAccessKey `json:"accessKeyDetails"`
	S3BucketDetails  []GuardDutyBucket   `json:"s3BucketDetails"`
}

// GuardDutyInstance describes an EC2 instance in a GuardDuty finding.
type GuardDutyInstance struct {
	InstanceID         string            `json:"instanceId"`
	InstanceType       string            `json:"instanceType"`
	IAMInstanceProfile *GuardDutyProfile `json:"iamInstanceProfile"`
	Tags               []GuardDutyTag    `json:"tags"`
}

// GuardDutyProfile is an EC2 instance profile.
type GuardDutyProfile struct {
	ARN string `json:"arn"`
	ID  string `json:"id"`
}

// GuardDutyAccessKey describes the credentials used in the activity a
// GuardDuty finding reports. For instance credentials UserType is
// "AssumedRole", UserName the role's name and PrincipalID
// "ROLEID:INSTANCEID".
type GuardDutyAccessKey struct {
	AccessKeyID string `json:"accessKeyId"`
	PrincipalID string `json:"principalId"`
	UserName    string `json:"userName"`
	UserType    string `json:"userType"`
}

// GuardDutyBucket describes an S3 bucket in a GuardDuty finding.
type GuardDutyBucket struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
	Type string `json:"type"`
}

// GuardDutyTag is a resource tag in a GuardDuty finding.
type GuardDutyTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// GuardDuty returns the detail of a GuardDuty finding event.
func (e *Event) GuardDuty() (*GuardDutyFinding, error) {
	g := new(GuardDutyFinding)
	if err := e.decodeDetail(g, "GuardDuty", KindGuardDuty); err != nil {
		return nil, err
	}
	return g, nil
}

// RoleName returns the name of the IAM role whose credentials the finding is
// about (instance credentials are an assumed role), or "".
func (g *GuardDutyFinding) RoleName() string {
	if k := g.Resource.AccessKeyDetails; k != nil && k.UserType == "AssumedRole" {
		return k.UserName
	}
	return ""
}

// InstanceID returns the EC2 instance the finding is about: the one in
// instanceDetails, or the instance whose role credentials were used (the
// session part of the principal id). It returns "" if there is none.
func (g *GuardDutyFinding) InstanceID() string {
	if in := g.Resource.InstanceDetails; in != nil && in.InstanceID != "" {
		return in.InstanceID
	}
	if k := g.Resource.AccessKeyDetails; k != nil && k.UserType == "AssumedRole" {
		if _, session, ok := strings.Cut(k.PrincipalID, ":"); ok && strings.HasPrefix(session, "i-") {
			return session
		}
	}
	return ""
}

// ---- Config ----------------------------------------------------------------

// ComplianceChange is the detail of a "Config Rules Compliance Change" event.
type ComplianceChange struct {
	ConfigRuleName           string            `json:"configRuleName"`
	ConfigRuleARN            string            `json:"configRuleARN"`
	ResourceType             string            `json:"resourceType"`
	ResourceID               string            `json:"resourceId"`
	AWSAccountID             string            `json:"awsAccountId"`
	AWSRegion                string            `json:"awsRegion"`
	MessageType              string            `json:"messageType"`
	RecordVersion            string            `json:"recordVersion"`
	NotificationCreationTime string            `json:"notificationCreationTime"`
	NewEvaluationResult      EvaluationResult  `json:"newEvaluationResult"`
	OldEvaluationResult      *EvaluationResult `json:"oldEvaluationResult"`
}

// EvaluationResult is one evaluation of a Config rule for a resource.
// ComplianceType is COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or
// INSUFFICIENT_DATA.
type EvaluationResult struct {
	EvaluationResultIdentifier struct {
		EvaluationResultQualifier struct {
			ConfigRuleName string `json:"configRuleName"`
			ResourceType   string `json:"resourceType"`
			ResourceID     string `json:"resourceId"`
		} `json:"evaluationResultQualifier"`
		OrderingTimestamp string `json:"orderingTimestamp"`
	} `json:"evaluationResultIdentifier"`
	ComplianceType        string `json:"complianceType"`
	Annotation            string `json:"annotation"`
	ResultRecordedTime    string `json:"resultRecordedTime"`
	ConfigRuleInvokedTime string `json:"configRuleInvokedTime"`
}

// ConfigCompliance returns the detail of a Config rules compliance change
// event. ResourceType and ResourceID fall back to the new evaluation's
// qualifier when the detail lacks them.
func (e *Event) ConfigCompliance() (*ComplianceChange, error) {
	c := new(ComplianceChange)
	if err := e.decodeDetail(c, "ConfigCompliance", KindConfigCompliance); err != nil {
		return nil, err
	}
	q := c.NewEvaluationResult.EvaluationResultIdentifier.EvaluationResultQualifier
	if c.ResourceType == "" {
		c.ResourceType = q.ResourceType
	}
	if c.ResourceID == "" {
		c.ResourceID = q.ResourceID
	}
	if c.ConfigRuleName == "" {
		c.ConfigRuleName = q.ConfigRuleName
	}
	return c, nil
}

// ---- Trusted Advisor -------------------------------------------------------

// CheckExposedAccessKeys is the name of the Trusted Advisor check that
// reports IAM access keys found in public places.
const CheckExposedAccessKeys = "Exposed Access Keys"

// Keys of the check-item-detail of the Exposed Access Keys check.
const (
	TAAccessKeyID = "Access Key ID"
	TAUserName    = "User Name (IAM or Root)"
	TACaseID      = "Case ID"
	TAFraudType   = "Fraud Type"
	TALocation    = "Location"
	TAUsage       = "Usage (USD per Day)"
	TADeadline    = "Deadline"
	TATimeUpdated = "Time Updated"
)

// TACheck is the detail of a "Trusted Advisor Check Item Refresh
// Notification" event. Status is OK, WARN or ERROR.
type TACheck struct {
	CheckName       string    `json:"check-name"`
	CheckItemDetail StringMap `json:"check-item-detail"`
	Status          string    `json:"status"`
	ResourceID      string    `json:"resource_id"`
	UUID            string    `json:"uuid"`
}

// TrustedAdvisor returns the detail of a Trusted Advisor check item refresh
// event.
func (e *Event) TrustedAdvisor() (*TACheck, error) {
	c := new(TACheck)
	if err := e.decodeDetail(c, "TrustedAdvisor", KindTrustedAdvisor); err != nil {
		return nil, err
	}
	return c, nil
}

// ---- IAM Access Analyzer ---------------------------------------------------

// AccessAnalyzerFinding is the detail of an "Access Analyzer Finding" event:
// a resource shared outside the zone of trust.
type AccessAnalyzerFinding struct {
	Version              string    `json:"version"`
	ID                   string    `json:"id"`
	Status               string    `json:"status"`
	ResourceType         string    `json:"resourceType"`
	Resource             string    `json:"resource"`
	ResourceOwnerAccount string    `json:"resourceOwnerAccount"`
	AccountID            string    `json:"accountId"`
	Region               string    `json:"region"`
	Principal            StringMap `json:"principal"`
	Action               []string  `json:"action"`
	Condition            StringMap `json:"condition"`
	IsPublic             bool      `json:"isPublic"`
	IsDeleted            bool      `json:"isDeleted"`
	Error                string    `json:"error"`
	CreatedAt            string    `json:"createdAt"`
	AnalyzedAt           string    `json:"analyzedAt"`
	UpdatedAt            string    `json:"updatedAt"`
}

// AccessAnalyzer returns the detail of an IAM Access Analyzer finding event.
func (e *Event) AccessAnalyzer() (*AccessAnalyzerFinding, error) {
	f := new(AccessAnalyzerFinding)
	if err := e.decodeDetail(f, "AccessAnalyzer", KindAccessAnalyzer); err != nil {
		return nil, err
	}
	return f, nil
}
