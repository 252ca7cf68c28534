package event

import (
	"errors"
	"strings"
	"testing"
)

func TestCloudTrailView(t *testing.T) {
	tests := []struct {
		file                     string
		name, source, ip         string
		identityType             string
		role, session            string
		paramsContain, respStart string
	}{
		{"cloudtrail-ec2-attach-internet-gateway.json", "AttachInternetGateway", "ec2.amazonaws.com", "203.0.113.10", "IAMUser", "", "", `"internetGatewayId"`, "{"},
		{"cloudtrail-ec2-authorize-sg-ingress-world-ssh.json", "AuthorizeSecurityGroupIngress", "ec2.amazonaws.com", "203.0.113.10", "IAMUser", "", "", `"0.0.0.0/0"`, "{"},
		{"cloudtrail-glue-create-dev-endpoint-compliant.json", "CreateDevEndpoint", "glue.amazonaws.com", "198.51.100.23", "AssumedRole", "DataScience", "data-scientist", `"securityConfiguration"`, "{"},
		{"cloudtrail-glue-create-dev-endpoint-insecure.json", "CreateDevEndpoint", "glue.amazonaws.com", "198.51.100.23", "AssumedRole", "DataScience", "data-scientist", `"publicKeys": []`, "{"},
		{"cloudtrail-s3-put-bucket-policy-public.json", "PutBucketPolicy", "s3.amazonaws.com", "203.0.113.10", "IAMUser", "", "", `"bucketPolicy"`, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := mustParse(t, readSample(t, tt.file)).CloudTrail()
			if err != nil {
				t.Fatal(err)
			}
			if c.EventName != tt.name || c.EventSource != tt.source || c.SourceIPAddress != tt.ip {
				t.Errorf("call = %q %q %q", c.EventName, c.EventSource, c.SourceIPAddress)
			}
			if c.AWSRegion != "us-east-1" || c.RecipientAccountID != "444455556666" || c.ErrorCode != "" || c.UserAgent == "" {
				t.Errorf("region %q recipient %q error %q agent %q", c.AWSRegion, c.RecipientAccountID, c.ErrorCode, c.UserAgent)
			}
			u := c.UserIdentity
			if u.Type != tt.identityType || u.AccountID != "444455556666" || u.PrincipalID == "" || u.ARN == "" {
				t.Errorf("identity = %+v", u)
			}
			if c.RoleName() != tt.role || c.SessionName() != tt.session {
				t.Errorf("role/session = %q/%q, want %q/%q", c.RoleName(), c.SessionName(), tt.role, tt.session)
			}
			if tt.identityType == "AssumedRole" {
				if u.SessionContext == nil || u.SessionContext.SessionIssuer.ARN != "arn:aws:iam::444455556666:role/DataScience" || u.SessionContext.Attributes.MFAAuthenticated != "false" {
					t.Errorf("session context = %+v", u.SessionContext)
				}
			}
			if !strings.Contains(string(c.RequestParameters), tt.paramsContain) {
				t.Errorf("requestParameters lack %s: %s", tt.paramsContain, c.RequestParameters)
			}
			if !strings.HasPrefix(string(c.ResponseElements), tt.respStart) {
				t.Errorf("responseElements = %s", c.ResponseElements)
			}
		})
	}
}

func TestCloudTrailTrailResources(t *testing.T) {
	c, err := mustParse(t, readSample(t, "cloudtrail-s3-put-bucket-policy-public.json")).CloudTrail()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Resources) != 1 || c.Resources[0].ARN != "arn:aws:s3:::customer-exports-prod" || c.Resources[0].Type != TypeS3Bucket {
		t.Errorf("resources = %+v", c.Resources)
	}
}

func TestSessionNames(t *testing.T) {
	tests := []struct {
		name          string
		id            UserIdentity
		role, session string
	}{
		{"assumed role", UserIdentity{Type: "AssumedRole", ARN: "arn:aws:sts::444455556666:assumed-role/DataScience/data-scientist"}, "DataScience", "data-scientist"},
		{"rectify's own session", UserIdentity{Type: "AssumedRole", ARN: "arn:aws:sts::444455556666:assumed-role/RectifyRemediation/rectify-run-42"}, "RectifyRemediation", "rectify-run-42"},
		{"session with allowed punctuation", UserIdentity{Type: "AssumedRole", ARN: "arn:aws:sts::444455556666:assumed-role/Admin/jane.doe@example.com"}, "Admin", "jane.doe@example.com"},
		{"china partition", UserIdentity{Type: "AssumedRole", ARN: "arn:aws-cn:sts::444455556666:assumed-role/R/s1"}, "R", "s1"},
		{"gov partition", UserIdentity{Type: "AssumedRole", ARN: "arn:aws-us-gov:sts::444455556666:assumed-role/R/s2"}, "R", "s2"},
		{"instance credentials", UserIdentity{Type: "AssumedRole", ARN: "arn:aws:sts::444455556666:assumed-role/WebServerRole/i-0a1b2c3d4e5f60718"}, "WebServerRole", "i-0a1b2c3d4e5f60718"},
		{"no ARN, principal and issuer", UserIdentity{Type: "AssumedRole", PrincipalID: "AROAEXAMPLE:sess", SessionContext: &SessionContext{SessionIssuer: SessionIssuer{Type: "Role", UserName: "R"}}}, "R", "sess"},
		{"IAM user", UserIdentity{Type: "IAMUser", ARN: "arn:aws:iam::444455556666:user/alice", PrincipalID: "AIDAEXAMPLE"}, "", ""},
		{"root", UserIdentity{Type: "Root", ARN: "arn:aws:iam::444455556666:root"}, "", ""},
		{"role ARN, not a session", UserIdentity{ARN: "arn:aws:iam::444455556666:role/DataScience"}, "", ""},
		{"assumed role without session", UserIdentity{ARN: "arn:aws:sts::444455556666:assumed-role/R"}, "", ""},
		{"federated user", UserIdentity{Type: "FederatedUser", ARN: "arn:aws:sts::444455556666:federated-user/bob"}, "", ""},
		{"empty", UserIdentity{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.RoleName(); got != tt.role {
				t.Errorf("RoleName = %q, want %q", got, tt.role)
			}
			if got := tt.id.SessionName(); got != tt.session {
				t.Errorf("SessionName = %q, want %q", got, tt.session)
			}
		})
	}
}

func TestFindingsView(t *testing.T) {
	tests := []struct {
		file       string
		control    string
		account    string
		region     string
		severity   string
		asffType   string
		resourceID string
		hasDetails bool
	}{
		{"securityhub-custom-action-ec2.13.json", "EC2.13", "777788889999", "eu-west-1", "HIGH", "AwsEc2SecurityGroup", "arn:aws:ec2:eu-west-1:777788889999:security-group/sg-0abcabcabcabcabc0", false},
		{"securityhub-imported-ec2.13.json", "EC2.13", "444455556666", "us-east-1", "HIGH", "AwsEc2SecurityGroup", "arn:aws:ec2:us-east-1:444455556666:security-group/sg-0123456789abcdef0", true},
		{"securityhub-imported-ec2.2.json", "EC2.2", "444455556666", "us-east-1", "HIGH", "AwsEc2SecurityGroup", "arn:aws:ec2:us-east-1:444455556666:security-group/sg-0fedcba9876543210", true},
		{"securityhub-imported-ec2.7.json", "EC2.7", "444455556666", "us-east-1", "MEDIUM", "AwsAccount", "AWS::::Account:444455556666", false},
		{"securityhub-imported-iam.14.json", "IAM.14", "444455556666", "us-east-1", "MEDIUM", "AwsAccount", "AWS::::Account:444455556666", false},
		{"securityhub-imported-rds.5.json", "RDS.5", "444455556666", "us-east-1", "MEDIUM", "AwsRdsDbInstance", "arn:aws:rds:us-east-1:444455556666:db:orders-db", true},
		{"securityhub-imported-s3.1.json", "S3.1", "444455556666", "us-east-1", "MEDIUM", "AwsAccount", "AWS::::Account:444455556666", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fs, err := mustParse(t, readSample(t, tt.file)).Findings()
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 {
				t.Fatalf("%d findings", len(fs))
			}
			f := fs[0]
			if f.ControlID() != tt.control || f.AWSAccountID != tt.account || f.Region != tt.region || f.Severity.Label != tt.severity {
				t.Errorf("finding = control %q account %q region %q severity %q", f.ControlID(), f.AWSAccountID, f.Region, f.Severity.Label)
			}
			if f.Compliance.Status != "FAILED" || f.Workflow.Status != "NEW" || f.RecordState != "ACTIVE" || f.GeneratorID != "security-control/"+tt.control {
				t.Errorf("state = %q %q %q %q", f.Compliance.Status, f.Workflow.Status, f.RecordState, f.GeneratorID)
			}
			if !strings.HasPrefix(f.ID, "arn:aws:securityhub:") || !strings.HasSuffix(f.ProductARN, "product/aws/securityhub") || f.Title == "" || f.Description == "" || len(f.Types) != 1 {
				t.Errorf("identity = %q %q %q %q", f.ID, f.ProductARN, f.Title, f.Types)
			}
			if f.ProductFields["aws/securityhub/FindingId"] != f.ID {
				t.Errorf("ProductFields = %v", f.ProductFields)
			}
			r := f.Resources[0]
			if r.Type != tt.asffType || r.ID != tt.resourceID || r.Partition != "aws" || (len(r.Details) > 0) != tt.hasDetails {
				t.Errorf("resource = %+v", r)
			}
		})
	}
}

func TestControlID(t *testing.T) {
	tests := []struct {
		name string
		f    Finding
		want string
	}{
		{"security control id", Finding{Compliance: Compliance{SecurityControlID: "EC2.13"}, ProductFields: StringMap{"ControlId": "X.1"}}, "EC2.13"},
		{"standard-specific ControlId", Finding{ProductFields: StringMap{"ControlId": "S3.8", "StandardsArn": "arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0"}}, "S3.8"},
		{"generator id", Finding{GeneratorID: "security-control/IAM.4"}, "IAM.4"},
		{"not a control", Finding{GeneratorID: "arn:aws:guardduty:us-east-1:1:detector/x"}, ""},
		// A CIS id is not a consolidated one: "1.8" is IAM.15 in CIS
		// v1.4.0 and IAM.14 in CIS v1.2.0.
		{"cis 1.4 ControlId", Finding{GeneratorID: "cis-aws-foundations-benchmark/v/1.4.0/1.8", ProductFields: StringMap{"ControlId": "1.8",
			"StandardsArn": "arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0"}}, "IAM.15"},
		{"cis 1.2 RuleId", Finding{GeneratorID: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.8",
			ProductFields: StringMap{"RuleId": "1.8", "StandardsGuideArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"}}, "IAM.14"},
		{"bare cis ControlId", Finding{ProductFields: StringMap{"ControlId": "1.8"}}, ""},
		{"pci ControlId", Finding{GeneratorID: "pci-dss/v/3.2.1/PCI.IAM.7", ProductFields: StringMap{"ControlId": "PCI.IAM.7"}}, "IAM.8"},
	}
	for _, tt := range tests {
		if got := tt.f.ControlID(); got != tt.want {
			t.Errorf("%s: ControlID = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestGuardDutyView(t *testing.T) {
	g, err := mustParse(t, readSample(t, "guardduty-instance-credential-exfiltration.json")).GuardDuty()
	if err != nil {
		t.Fatal(err)
	}
	if g.ID != "9ac5f1e2d3c4b5a6978877665544332a" || g.Type != "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS" || g.Severity != 8 {
		t.Errorf("finding = %q %q %v", g.ID, g.Type, g.Severity)
	}
	if g.AccountID != "444455556666" || g.Region != "us-east-1" || g.Partition != "aws" || g.Resource.ResourceType != "AccessKey" {
		t.Errorf("where = %q %q %q %q", g.AccountID, g.Region, g.Partition, g.Resource.ResourceType)
	}
	k := g.Resource.AccessKeyDetails
	if k == nil || k.AccessKeyID != "ASIAEXAMPLEKEYID0042" || k.UserName != "WebServerRole" || k.PrincipalID != "AROAEXAMPLEROLEID2:i-0a1b2c3d4e5f60718" {
		t.Errorf("access key = %+v", k)
	}
	if g.RoleName() != "WebServerRole" || g.InstanceID() != "i-0a1b2c3d4e5f60718" {
		t.Errorf("role %q instance %q", g.RoleName(), g.InstanceID())
	}
	if !strings.Contains(string(g.Service), `"ListBuckets"`) {
		t.Errorf("service = %s", g.Service)
	}
}

func TestConfigView(t *testing.T) {
	c, err := mustParse(t, readSample(t, "config-compliance-change-s3-public-read.json")).ConfigCompliance()
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigRuleName != "s3-bucket-public-read-prohibited" || c.ResourceType != TypeS3Bucket || c.ResourceID != "customer-exports-prod" {
		t.Errorf("rule/resource = %q %q %q", c.ConfigRuleName, c.ResourceType, c.ResourceID)
	}
	if c.NewEvaluationResult.ComplianceType != "NON_COMPLIANT" || c.OldEvaluationResult == nil || c.OldEvaluationResult.ComplianceType != "COMPLIANT" {
		t.Errorf("evaluations = %+v / %+v", c.NewEvaluationResult, c.OldEvaluationResult)
	}
	if c.AWSAccountID != "444455556666" || c.AWSRegion != "us-east-1" {
		t.Errorf("where = %q %q", c.AWSAccountID, c.AWSRegion)
	}

	// Without top-level resource fields, the qualifier supplies them.
	b := edit(t, readSample(t, "config-compliance-change-s3-public-read.json"), func(m map[string]any) {
		d := m["detail"].(map[string]any)
		delete(d, "resourceType")
		delete(d, "resourceId")
	})
	c, err = mustParse(t, b).ConfigCompliance()
	if err != nil {
		t.Fatal(err)
	}
	if c.ResourceType != TypeS3Bucket || c.ResourceID != "customer-exports-prod" {
		t.Errorf("from qualifier: %q %q", c.ResourceType, c.ResourceID)
	}
}

func TestTrustedAdvisorView(t *testing.T) {
	c, err := mustParse(t, readSample(t, "ta-exposed-access-keys.json")).TrustedAdvisor()
	if err != nil {
		t.Fatal(err)
	}
	if c.CheckName != CheckExposedAccessKeys || c.Status != "ERROR" || c.UUID != "aa12345f-55c7-498e-b7ac-123456781234" || c.ResourceID != "" {
		t.Errorf("check = %+v", c)
	}
	d := c.CheckItemDetail
	if d[TAAccessKeyID] != "AKIAIOSFODNN7EXAMPLE" || d[TAUserName] != "ci-deployer" || d[TAFraudType] != "Exposed" || d[TACaseID] == "" || len(d) != 8 {
		t.Errorf("check-item-detail = %v", d)
	}
}

func TestStringMapLenient(t *testing.T) {
	b := edit(t, readSample(t, "ta-exposed-access-keys.json"), func(m map[string]any) {
		d := m["detail"].(map[string]any)["check-item-detail"].(map[string]any)
		d["Usage (USD per Day)"] = 12.5
		d["Location"] = nil
	})
	c, err := mustParse(t, b).TrustedAdvisor()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CheckItemDetail[TAUsage]; got != "12.5" {
		t.Errorf("number value = %q", got)
	}
	if got, ok := c.CheckItemDetail[TALocation]; !ok || got != "" {
		t.Errorf("null value = %q, %v", got, ok)
	}
}

func TestAccessAnalyzerView(t *testing.T) {
	f, err := mustParse(t, readSample(t, "access-analyzer-external-role-trust.json")).AccessAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111" || f.ResourceType != TypeIAMRole || f.Resource != "arn:aws:iam::444455556666:role/LegacyVendorAccess" {
		t.Errorf("finding = %q %q %q", f.ID, f.ResourceType, f.Resource)
	}
	if f.Principal["AWS"] != "arn:aws:iam::210987654321:root" || f.IsPublic || f.Status != "ACTIVE" || f.AccountID != "444455556666" || len(f.Condition) != 0 {
		t.Errorf("access = %v public %v status %q account %q condition %v", f.Principal, f.IsPublic, f.Status, f.AccountID, f.Condition)
	}
	if len(f.Action) != 1 || f.Action[0] != "sts:AssumeRole" {
		t.Errorf("action = %q", f.Action)
	}
}

func TestViewOnWrongKind(t *testing.T) {
	e := mustParse(t, readSample(t, "guardduty-instance-credential-exfiltration.json"))
	views := map[string]func() error{
		"CloudTrail":       func() error { _, err := e.CloudTrail(); return err },
		"Findings":         func() error { _, err := e.Findings(); return err },
		"ConfigCompliance": func() error { _, err := e.ConfigCompliance(); return err },
		"TrustedAdvisor":   func() error { _, err := e.TrustedAdvisor(); return err },
		"AccessAnalyzer":   func() error { _, err := e.AccessAnalyzer(); return err },
	}
	for name, view := range views {
		err := view()
		var pe *Error
		if !errors.Is(err, ErrKind) || !errors.As(err, &pe) || pe.Field != "detail-type" {
			t.Errorf("%s on a GuardDuty event: %v", name, err)
			continue
		}
		if !strings.Contains(err.Error(), `"GuardDuty Finding"`) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not say what was asked and what the event is", name, err)
		}
	}
	if _, err := e.GuardDuty(); err != nil {
		t.Errorf("GuardDuty: %v", err)
	}
}

func TestViewDetailErrors(t *testing.T) {
	base := `{"id":"x","account":"123456789012",`
	tests := []struct {
		name  string
		in    string
		view  func(*Event) error
		field string
	}{
		{"findings missing", base + `"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{}}`,
			func(e *Event) error { _, err := e.Findings(); return err }, "detail.findings"},
		{"findings not an array", base + `"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":{}}}`,
			func(e *Event) error { _, err := e.Findings(); return err }, "detail.findings"},
		{"finding id a number", base + `"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"Id":5}]}}`,
			func(e *Event) error { _, err := e.Findings(); return err }, "detail.findings.Id"},
		{"eventName a number", base + `"source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","detail":{"eventName":1}}`,
			func(e *Event) error { _, err := e.CloudTrail(); return err }, "detail.eventName"},
		{"severity a string", base + `"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{"severity":"high"}}`,
			func(e *Event) error { _, err := e.GuardDuty(); return err }, "detail.severity"},
		{"isPublic a string", base + `"source":"aws.access-analyzer","detail-type":"Access Analyzer Finding","detail":{"isPublic":"yes"}}`,
			func(e *Event) error { _, err := e.AccessAnalyzer(); return err }, "detail.isPublic"},

		// Keys that differ only in case and so name one field.
		{"status and Status", base + `"source":"aws.trustedadvisor","detail-type":"Trusted Advisor Check Item Refresh Notification","detail":{"status":"WARN","Status":"OK"}}`,
			func(e *Event) error { _, err := e.TrustedAdvisor(); return err }, "detail.Status"},
		{"check-name twice", base + `"source":"aws.trustedadvisor","detail-type":"Trusted Advisor Check Item Refresh Notification","detail":{"check-name":"Exposed Access Keys","CHECK-NAME":"Other"}}`,
			func(e *Event) error { _, err := e.Targets(); return err }, "detail.CHECK-NAME"},
		{"Resources and resources", base + `"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"Id":"f0"},{"Resources":[{"Type":"AwsEc2SecurityGroup","Id":"sg-1"}],"resources":[{"Type":"AwsIamUser","Id":"admin"}]}]}}`,
			func(e *Event) error { _, err := e.Targets(); return err }, "detail.findings[1].resources"},
		{"Id and ID in a resource", base + `"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"Resources":[{"Id":"a","ID":"b"}]}]}}`,
			func(e *Event) error { _, err := e.Findings(); return err }, "detail.findings[0].Resources[0].ID"},
		{"arn and ARN of the caller", base + `"source":"aws.iam","detail-type":"AWS API Call via CloudTrail","detail":{"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/Rectify/rectify-1","ARN":"arn:aws:iam::1:user/x"}}}`,
			func(e *Event) error { _, err := e.CloudTrail(); return err }, "detail.userIdentity.ARN"},
		{"groupId twice in the request", base + `"source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","recipientAccountId":"123456789012","requestParameters":{"groupId":"sg-1","GroupId":"sg-2"}}}`,
			func(e *Event) error { _, err := e.Targets(); return err }, "detail.requestParameters.GroupId"},
		{"key and Kelvin-sign key", base + `"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{"resource":{"instanceDetails":{"tags":[{"key":"a","\u212aey":"b"}]}}}}`,
			func(e *Event) error { _, err := e.GuardDuty(); return err }, "detail.resource.instanceDetails.tags[0][\"\u212aey\"]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.view(mustParse(t, []byte(tt.in)))
			var pe *Error
			if !errors.As(err, &pe) || pe.Field != tt.field {
				t.Fatalf("err = %v, want field %q", err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("%q does not name %q", err, tt.field)
			}
		})
	}
}

func TestViewsKeepKeysThatDifferInCaseInMaps(t *testing.T) {
	// Tags and product fields are maps, whose keys keep their case: Name and
	// name are two tags.
	e := mustParse(t, []byte(`{"id":"x","account":"123456789012","source":"aws.securityhub","detail-type":"Security Hub Findings - Imported",`+
		`"detail":{"findings":[{"ProductFields":{"a":"1","A":"2"},"Resources":[{"Type":"AwsEc2Instance","Id":"i-1","Tags":{"Name":"web","name":"other"}}]}]}}`))
	fs, err := e.Findings()
	if err != nil {
		t.Fatal(err)
	}
	if tags := fs[0].Resources[0].Tags; tags["Name"] != "web" || tags["name"] != "other" || fs[0].ProductFields["A"] != "2" {
		t.Errorf("tags %v, product fields %v", tags, fs[0].ProductFields)
	}
	// A key of another case alone is read as the field, as encoding/json
	// does.
	e = mustParse(t, []byte(`{"id":"x","account":"123456789012","source":"aws.trustedadvisor","detail-type":"Trusted Advisor Check Item Refresh Notification","detail":{"STATUS":"WARN"}}`))
	c, err := e.TrustedAdvisor()
	if err != nil || c.Status != "WARN" {
		t.Errorf("status %q, err %v", c.Status, err)
	}
}
