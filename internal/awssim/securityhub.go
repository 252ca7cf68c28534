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

// Security Hub: findings in the AWS Security Finding Format (ASFF) per
// account and region: BatchImportFindings, GetFindings with string
// filters, BatchUpdateFindings, and the hub itself.
//
// Every account's hub is enabled in every region unless DisableSecurityHub
// turned it off; calls to a disabled hub fail with InvalidAccessException,
// as calls to a hub never enabled do in AWS. Findings may be imported with
// any product ARN: the simulator stands in for the AWS integrations that
// produce them.

type securityHubService struct {
	s *Server
	// Findings are keyed by scopeKey, then by product ARN and finding ID.
	Findings map[string]map[string]map[string]any
	// Disabled marks hubs (by scopeKey) that DisableSecurityHub turned off.
	Disabled map[string]bool
	// Subscribed is when a hub was (re-)enabled, by scopeKey.
	Subscribed map[string]time.Time
}

func newSecurityHub(s *Server) *serviceDef {
	svc := &securityHubService{s: s, Findings: map[string]map[string]map[string]any{}, Disabled: map[string]bool{}, Subscribed: map[string]time.Time{}}
	return &serviceDef{
		State: svc, Name: "securityhub", EventSource: "securityhub.amazonaws.com", Protocol: protoRESTJSON,
		REST: []restRoute{
			{Method: http.MethodPost, Path: "/findings/import", Op: "BatchImportFindings", Handler: svc.batchImportFindings},
			{Method: http.MethodPatch, Path: "/findings/batchupdate", Op: "BatchUpdateFindings", Handler: svc.batchUpdateFindings},
			{Method: http.MethodPost, Path: "/findings", Op: "GetFindings", Handler: svc.getFindings},
			{Method: http.MethodPost, Path: "/accounts", Op: "EnableSecurityHub", Handler: svc.enableSecurityHub},
			{Method: http.MethodGet, Path: "/accounts", Op: "DescribeHub", Handler: svc.describeHub},
			{Method: http.MethodDelete, Path: "/accounts", Op: "DisableSecurityHub", Handler: svc.disableSecurityHub},
		},
	}
}

func shInvalidInput(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidInputException", format, args...)
}

// hub checks that the caller's hub is enabled and returns its findings.
func (svc *securityHubService) hub(c *call) (map[string]map[string]any, error) {
	k := scopeKey(c)
	if svc.Disabled[k] {
		return nil, errorf(http.StatusUnauthorized, "InvalidAccessException", "Account %s is not subscribed to AWS Security Hub", c.Account())
	}
	m := svc.Findings[k]
	if m == nil {
		m = map[string]map[string]any{}
		svc.Findings[k] = m
	}
	return m, nil
}

func shKey(productARN, id string) string { return productARN + "|" + id }

func shString(f map[string]any, path ...string) string {
	var v any = f
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func shMap(f map[string]any, name string) map[string]any {
	m, _ := f[name].(map[string]any)
	if m == nil {
		m = map[string]any{}
		f[name] = m
	}
	return m
}

// shTime formats a time as ASFF timestamps are written.
func shTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// validateFinding returns why f does not adhere to ASFF, or "".
func validateFinding(f map[string]any) string {
	for _, k := range []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt", "Title", "Description"} {
		if shString(f, k) == "" {
			return "data should have required property '" + k + "'"
		}
	}
	if shString(f, "SchemaVersion") != "2018-10-08" {
		return "data.SchemaVersion should be equal to one of the allowed values: 2018-10-08"
	}
	for _, k := range []string{"CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"} {
		if v := shString(f, k); v != "" {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return "data." + k + " should match format \"date-time\""
			}
		}
	}
	if acct := shString(f, "AwsAccountId"); len(acct) != 12 || strings.Trim(acct, "0123456789") != "" {
		return "data.AwsAccountId should match pattern \"^[0-9]{12}$\""
	}
	res, _ := f["Resources"].([]any)
	if len(res) == 0 {
		return "data.Resources should NOT have fewer than 1 items"
	}
	for i, r := range res {
		m, _ := r.(map[string]any)
		if shString(m, "Type") == "" || shString(m, "Id") == "" {
			return "data.Resources[" + strconv.Itoa(i) + "] should have required properties 'Type' and 'Id'"
		}
	}
	sev, hasSev := f["Severity"].(map[string]any)
	if !hasSev {
		if fp, ok := f["FindingProviderFields"].(map[string]any); ok {
			sev, hasSev = fp["Severity"].(map[string]any)
		}
	}
	if !hasSev {
		return "data should have required property 'Severity'"
	}
	if l := shString(sev, "Label"); l != "" && shSeverity()[l] == 0 && l != "INFORMATIONAL" {
		return "data.Severity.Label should be equal to one of the allowed values"
	}
	if ws := shString(f, "Workflow", "Status"); ws != "" && !shWorkflowStatuses()[ws] {
		return "data.Workflow.Status should be equal to one of the allowed values"
	}
	if rs := shString(f, "RecordState"); rs != "" && rs != "ACTIVE" && rs != "ARCHIVED" {
		return "data.RecordState should be equal to one of the allowed values"
	}
	return ""
}

// shSeverity maps severity labels to their normalized scores.
var shSeverity = sync.OnceValue(func() map[string]float64 {
	return map[string]float64{"INFORMATIONAL": 0, "LOW": 1, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}
})

var shWorkflowStatuses = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"NEW": true, "NOTIFIED": true, "RESOLVED": true, "SUPPRESSED": true}
})

// customerFields are the finding fields owned by BatchUpdateFindings, which
// a re-import does not overwrite.
var customerFields = []string{"Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState", "Confidence", "Criticality", "RelatedFindings"}

func (svc *securityHubService) batchImportFindings(c *call) (int, any, error) {
	var in struct {
		Findings []json.RawMessage
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if len(in.Findings) == 0 || len(in.Findings) > 100 {
		return 0, nil, shInvalidInput("Findings must hold 1 to 100 findings, not %d", len(in.Findings))
	}
	hub, err := svc.hub(c)
	if err != nil {
		return 0, nil, err
	}
	type failed struct {
		ID           string `json:"Id"`
		ErrorCode    string `json:"ErrorCode"`
		ErrorMessage string `json:"ErrorMessage"`
	}
	out := struct {
		FailedCount    int      `json:"FailedCount"`
		SuccessCount   int      `json:"SuccessCount"`
		FailedFindings []failed `json:"FailedFindings"`
	}{FailedFindings: []failed{}}
	for _, raw := range in.Findings {
		var f map[string]any
		if err := json.Unmarshal(raw, &f); err != nil {
			out.FailedCount++
			out.FailedFindings = append(out.FailedFindings, failed{"", "InvalidInput", "Finding is not a JSON object"})
			continue
		}
		if why := validateFinding(f); why != "" {
			out.FailedCount++
			out.FailedFindings = append(out.FailedFindings, failed{shString(f, "Id"), "InvalidInput", "Finding does not adhere to Amazon Finding Format. " + why})
			continue
		}
		if len(raw) > 240*1024 {
			out.FailedCount++
			out.FailedFindings = append(out.FailedFindings, failed{shString(f, "Id"), "FindingSizeExceeded", "Finding size exceeded 240 KB."})
			continue
		}
		key := shKey(shString(f, "ProductArn"), shString(f, "Id"))
		if _, ok := f["Severity"]; !ok {
			f["Severity"] = f["FindingProviderFields"].(map[string]any)["Severity"]
		}
		if sev, ok := f["Severity"].(map[string]any); ok {
			if _, ok := sev["Normalized"]; !ok {
				sev["Normalized"] = shSeverity()[shString(sev, "Label")]
			}
		}
		if old := hub[key]; old != nil {
			for _, k := range customerFields {
				if v, ok := old[k]; ok {
					f[k] = v
				} else {
					delete(f, k)
				}
			}
			// A resolved finding that comes back (archived → active, or
			// passed → failed) is new again.
			if shString(f, "Workflow", "Status") == "RESOLVED" &&
				((shString(old, "RecordState") == "ARCHIVED" && shString(f, "RecordState") != "ARCHIVED") ||
					(shString(old, "Compliance", "Status") == "PASSED" && shString(f, "Compliance", "Status") == "FAILED")) {
				shMap(f, "Workflow")["Status"] = "NEW"
				f["WorkflowState"] = "NEW"
			}
		}
		if shString(f, "Workflow", "Status") == "" {
			shMap(f, "Workflow")["Status"] = "NEW"
		}
		if shString(f, "WorkflowState") == "" {
			f["WorkflowState"] = "NEW"
		}
		if shString(f, "RecordState") == "" {
			f["RecordState"] = "ACTIVE"
		}
		f["ProcessedAt"] = shTime(c.now)
		hub[key] = f
		out.SuccessCount++
	}
	// The activity log keeps the number of findings rather than copies of
	// up to 100 findings of up to 240 KB each.
	c.trailParams = map[string]any{"findings": map[string]any{"count": len(in.Findings)}}
	return 0, out, nil
}

// --- GetFindings ---

type shStringFilter struct {
	Value      string
	Comparison string
}

// shFilterFields are the string filters GetFindings evaluates, with the
// values of a finding each one compares.
var shFilterFields = sync.OnceValue(func() map[string]func(f map[string]any) []string {
	return map[string]func(f map[string]any) []string{
		"Id":                          func(f map[string]any) []string { return []string{shString(f, "Id")} },
		"ProductArn":                  func(f map[string]any) []string { return []string{shString(f, "ProductArn")} },
		"AwsAccountId":                func(f map[string]any) []string { return []string{shString(f, "AwsAccountId")} },
		"Region":                      func(f map[string]any) []string { return []string{shString(f, "Region")} },
		"GeneratorId":                 func(f map[string]any) []string { return []string{shString(f, "GeneratorId")} },
		"Title":                       func(f map[string]any) []string { return []string{shString(f, "Title")} },
		"ProductName":                 func(f map[string]any) []string { return []string{shString(f, "ProductName")} },
		"CompanyName":                 func(f map[string]any) []string { return []string{shString(f, "CompanyName")} },
		"RecordState":                 func(f map[string]any) []string { return []string{shString(f, "RecordState")} },
		"WorkflowStatus":              func(f map[string]any) []string { return []string{shString(f, "Workflow", "Status")} },
		"WorkflowState":               func(f map[string]any) []string { return []string{shString(f, "WorkflowState")} },
		"ComplianceStatus":            func(f map[string]any) []string { return []string{shString(f, "Compliance", "Status")} },
		"ComplianceSecurityControlId": func(f map[string]any) []string { return []string{shString(f, "Compliance", "SecurityControlId")} },
		"SeverityLabel":               func(f map[string]any) []string { return []string{shString(f, "Severity", "Label")} },
		"Type": func(f map[string]any) []string {
			var out []string
			ts, _ := f["Types"].([]any)
			for _, t := range ts {
				if s, ok := t.(string); ok {
					out = append(out, s)
				}
			}
			return out
		},
		"ResourceId":        shResourceField("Id"),
		"ResourceType":      shResourceField("Type"),
		"ResourceRegion":    shResourceField("Region"),
		"ResourcePartition": shResourceField("Partition"),
	}
})

func shResourceField(name string) func(f map[string]any) []string {
	return func(f map[string]any) []string {
		var out []string
		rs, _ := f["Resources"].([]any)
		for _, r := range rs {
			if m, ok := r.(map[string]any); ok {
				out = append(out, shString(m, name))
			}
		}
		return out
	}
}

// shMatch applies one field's filters: the positive comparisons (EQUALS,
// PREFIX, CONTAINS) are alternatives; the negative ones (NOT_EQUALS,
// PREFIX_NOT_EQUALS, NOT_CONTAINS) must all hold.
func shMatch(values []string, filters []shStringFilter) bool {
	anyPositive, positive := false, false
	for _, flt := range filters {
		switch flt.Comparison {
		case "EQUALS", "PREFIX", "CONTAINS":
			anyPositive = true
			for _, v := range values {
				if (flt.Comparison == "EQUALS" && v == flt.Value) || (flt.Comparison == "PREFIX" && strings.HasPrefix(v, flt.Value)) ||
					(flt.Comparison == "CONTAINS" && strings.Contains(v, flt.Value)) {
					positive = true
				}
			}
		default:
			for _, v := range values {
				if (flt.Comparison == "NOT_EQUALS" && v == flt.Value) || (flt.Comparison == "PREFIX_NOT_EQUALS" && strings.HasPrefix(v, flt.Value)) ||
					(flt.Comparison == "NOT_CONTAINS" && strings.Contains(v, flt.Value)) {
					return false
				}
			}
		}
	}
	return !anyPositive || positive
}

func (svc *securityHubService) getFindings(c *call) (int, any, error) {
	var in struct {
		Filters    map[string]json.RawMessage
		MaxResults *int
		NextToken  string
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	hub, err := svc.hub(c)
	if err != nil {
		return 0, nil, err
	}
	filters := map[string][]shStringFilter{}
	for name, raw := range in.Filters {
		if shFilterFields()[name] == nil {
			return 0, nil, shInvalidInput("Filters.%s is not a string filter the simulated Security Hub supports", name)
		}
		var fs []shStringFilter
		if err := json.Unmarshal(raw, &fs); err != nil {
			return 0, nil, shInvalidInput("Filters.%s: %v", name, err)
		}
		for i, f := range fs {
			switch f.Comparison {
			case "EQUALS", "PREFIX", "NOT_EQUALS", "PREFIX_NOT_EQUALS", "CONTAINS", "NOT_CONTAINS":
			default:
				return 0, nil, shInvalidInput("Filters.%s[%d].Comparison %q is not a valid comparison", name, i, f.Comparison)
			}
		}
		filters[name] = fs
	}
	limit := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			return 0, nil, shInvalidInput("MaxResults must be between 1 and 100, not %d", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	offset := 0
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		n, err := strconv.Atoi(pos)
		if !ok || err != nil || n < 0 {
			return 0, nil, shInvalidInput("Invalid NextToken")
		}
		offset = n
	}
	var matched []map[string]any
	for _, f := range hub {
		ok := true
		for name, fs := range filters {
			if !shMatch(shFilterFields()[name](f), fs) {
				ok = false
				break
			}
		}
		if ok {
			matched = append(matched, f)
		}
	}
	// Newest update first, then by ID, so pages are stable.
	sort.Slice(matched, func(i, j int) bool {
		a, b := shString(matched[i], "UpdatedAt"), shString(matched[j], "UpdatedAt")
		if a != b {
			return a > b
		}
		return shKey(shString(matched[i], "ProductArn"), shString(matched[i], "Id")) < shKey(shString(matched[j], "ProductArn"), shString(matched[j], "Id"))
	})
	out := map[string]any{}
	if offset > len(matched) {
		offset = len(matched)
	}
	end := min(offset+limit, len(matched))
	page := matched[offset:end]
	if page == nil {
		page = []map[string]any{}
	}
	out["Findings"] = page
	if end < len(matched) {
		out["NextToken"] = pageToken(strconv.Itoa(end))
	}
	return 0, out, nil
}

// --- BatchUpdateFindings ---

type shFindingIdentifier struct {
	ID         string `json:"Id"`
	ProductArn string `json:"ProductArn"`
}

func (svc *securityHubService) batchUpdateFindings(c *call) (int, any, error) {
	var in struct {
		FindingIdentifiers []shFindingIdentifier
		Workflow           *struct{ Status string }
		Note               *struct{ Text, UpdatedBy string }
		Severity           *struct {
			Label      string
			Normalized *float64
			Product    *float64
		}
		VerificationState string
		Confidence        *int
		Criticality       *int
		Types             []string
		UserDefinedFields map[string]string
	}
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if len(in.FindingIdentifiers) == 0 || len(in.FindingIdentifiers) > 100 {
		return 0, nil, shInvalidInput("FindingIdentifiers must hold 1 to 100 identifiers, not %d", len(in.FindingIdentifiers))
	}
	if in.Workflow == nil && in.Note == nil && in.Severity == nil && in.VerificationState == "" && in.Confidence == nil &&
		in.Criticality == nil && in.Types == nil && in.UserDefinedFields == nil {
		return 0, nil, shInvalidInput("At least one field to update must be given")
	}
	if in.Workflow != nil && !shWorkflowStatuses()[in.Workflow.Status] {
		return 0, nil, shInvalidInput("Workflow.Status %q is not NEW, NOTIFIED, RESOLVED or SUPPRESSED", in.Workflow.Status)
	}
	if in.Note != nil && (in.Note.Text == "" || in.Note.UpdatedBy == "" || len(in.Note.Text) > 512) {
		return 0, nil, shInvalidInput("Note needs a Text of 1 to 512 characters and an UpdatedBy")
	}
	if in.Severity != nil && in.Severity.Label != "" {
		if _, ok := shSeverity()[in.Severity.Label]; !ok {
			return 0, nil, shInvalidInput("Severity.Label %q is not INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL", in.Severity.Label)
		}
	}
	switch in.VerificationState {
	case "", "UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE":
	default:
		return 0, nil, shInvalidInput("VerificationState %q is not valid", in.VerificationState)
	}
	hub, err := svc.hub(c)
	if err != nil {
		return 0, nil, err
	}
	type unprocessed struct {
		FindingIdentifier shFindingIdentifier `json:"FindingIdentifier"`
		ErrorCode         string              `json:"ErrorCode"`
		ErrorMessage      string              `json:"ErrorMessage"`
	}
	out := struct {
		ProcessedFindings   []shFindingIdentifier `json:"ProcessedFindings"`
		UnprocessedFindings []unprocessed         `json:"UnprocessedFindings"`
	}{ProcessedFindings: []shFindingIdentifier{}, UnprocessedFindings: []unprocessed{}}
	for _, id := range in.FindingIdentifiers {
		f := hub[shKey(id.ProductArn, id.ID)]
		if f == nil {
			out.UnprocessedFindings = append(out.UnprocessedFindings, unprocessed{id, "FindingNotFound", "Finding Not Found"})
			continue
		}
		if in.Workflow != nil {
			shMap(f, "Workflow")["Status"] = in.Workflow.Status
			f["WorkflowState"] = map[string]string{"NEW": "NEW", "NOTIFIED": "ASSIGNED", "RESOLVED": "RESOLVED", "SUPPRESSED": "DEFERRED"}[in.Workflow.Status]
		}
		if in.Note != nil {
			f["Note"] = map[string]any{"Text": in.Note.Text, "UpdatedBy": in.Note.UpdatedBy, "UpdatedAt": shTime(c.now)}
		}
		if in.Severity != nil {
			sev := shMap(f, "Severity")
			if in.Severity.Label != "" {
				sev["Label"] = in.Severity.Label
				sev["Normalized"] = shSeverity()[in.Severity.Label]
			}
			if in.Severity.Normalized != nil {
				sev["Normalized"] = *in.Severity.Normalized
			}
			if in.Severity.Product != nil {
				sev["Product"] = *in.Severity.Product
			}
		}
		if in.VerificationState != "" {
			f["VerificationState"] = in.VerificationState
		}
		if in.Confidence != nil {
			f["Confidence"] = *in.Confidence
		}
		if in.Criticality != nil {
			f["Criticality"] = *in.Criticality
		}
		if in.Types != nil {
			f["Types"] = in.Types
		}
		if in.UserDefinedFields != nil {
			udf := shMap(f, "UserDefinedFields")
			for k, v := range in.UserDefinedFields {
				udf[k] = v
			}
		}
		f["UpdatedAt"] = shTime(c.now)
		out.ProcessedFindings = append(out.ProcessedFindings, id)
	}
	return 0, out, nil
}

// --- the hub ---

func (svc *securityHubService) enableSecurityHub(c *call) (int, any, error) {
	k := scopeKey(c)
	if !svc.Disabled[k] {
		return 0, nil, errorf(http.StatusConflict, "ResourceConflictException", "Account %s is already subscribed to Security Hub", c.Account())
	}
	delete(svc.Disabled, k)
	svc.Subscribed[k] = c.now
	return 0, map[string]any{}, nil
}

func (svc *securityHubService) disableSecurityHub(c *call) (int, any, error) {
	if _, err := svc.hub(c); err != nil {
		return 0, nil, err
	}
	k := scopeKey(c)
	svc.Disabled[k] = true
	delete(svc.Findings, k)
	return 0, map[string]any{}, nil
}

func (svc *securityHubService) describeHub(c *call) (int, any, error) {
	if _, err := svc.hub(c); err != nil {
		return 0, nil, err
	}
	sub := svc.Subscribed[scopeKey(c)]
	out := map[string]any{
		"HubArn":                  "arn:" + c.partition() + ":securityhub:" + c.region + ":" + c.Account() + ":hub/default",
		"AutoEnableControls":      true,
		"ControlFindingGenerator": "SECURITY_CONTROL",
	}
	if !sub.IsZero() {
		out["SubscribedAt"] = shTime(sub)
	}
	return 0, out, nil
}
