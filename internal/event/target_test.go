package event

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTargetsSamples(t *testing.T) {
	const acct, region = "444455556666", "us-east-1"
	shFinding := func(control, suffix string) string {
		return "arn:aws:securityhub:us-east-1:444455556666:security-control/" + control + "/finding/0f1e2d3c-4b5a-4697-8877-" + suffix
	}
	const shProduct = "arn:aws:securityhub:us-east-1::product/aws/securityhub"
	// shAttrs is what the samples' failed, active, new control findings say.
	shAttrs := func(control, severity string) map[string]string {
		return map[string]string{
			"controlId": control, "complianceStatus": "FAILED", "recordState": "ACTIVE", "workflowStatus": "NEW",
			"severityLabel": severity, "generatorId": "security-control/" + control,
			"productName": "Security Hub", "companyName": "AWS",
			"types": "Software and Configuration Checks/Industry and Regulatory Standards",
		}
	}
	tests := []struct {
		file string
		want []Target
	}{
		{"access-analyzer-external-role-trust.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeIAMRole, ID: "LegacyVendorAccess",
			ARN:        "arn:aws:iam::444455556666:role/LegacyVendorAccess",
			Attributes: map[string]string{"findingId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", "status": "ACTIVE"},
		}}},
		{"cloudtrail-ec2-attach-internet-gateway.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeEC2InternetGateway, ID: "igw-0123456789abcdef0",
			ARN:        "arn:aws:ec2:us-east-1:444455556666:internet-gateway/igw-0123456789abcdef0",
			Attributes: map[string]string{"vpcId": "vpc-0a1b2c3d4e5f67890", "eventName": "AttachInternetGateway"},
		}}},
		{"cloudtrail-ec2-authorize-sg-ingress-world-ssh.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeEC2SecurityGroup, ID: "sg-0123456789abcdef0",
			ARN:        "arn:aws:ec2:us-east-1:444455556666:security-group/sg-0123456789abcdef0",
			Attributes: map[string]string{"eventName": "AuthorizeSecurityGroupIngress"},
		}}},
		{"cloudtrail-glue-create-dev-endpoint-compliant.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeGlueDevEndpoint, ID: "secure-notebook",
			ARN:        "arn:aws:glue:us-east-1:444455556666:devEndpoint/secure-notebook",
			Attributes: map[string]string{"eventName": "CreateDevEndpoint"},
		}}},
		{"cloudtrail-glue-create-dev-endpoint-insecure.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeGlueDevEndpoint, ID: "test1",
			ARN:        "arn:aws:glue:us-east-1:444455556666:devEndpoint/test1",
			Attributes: map[string]string{"eventName": "CreateDevEndpoint"},
		}}},
		{"cloudtrail-s3-put-bucket-policy-public.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeS3Bucket, ID: "customer-exports-prod",
			ARN:        "arn:aws:s3:::customer-exports-prod",
			Attributes: map[string]string{"eventName": "PutBucketPolicy"},
		}}},
		{"config-compliance-change-s3-public-read.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeS3Bucket, ID: "customer-exports-prod",
			ARN:        "arn:aws:s3:::customer-exports-prod",
			Attributes: map[string]string{"configRuleName": "s3-bucket-public-read-prohibited", "complianceType": "NON_COMPLIANT"},
		}}},
		{"guardduty-instance-credential-exfiltration.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeIAMRole, ID: "WebServerRole",
			ARN: "arn:aws:iam::444455556666:role/WebServerRole",
			Attributes: map[string]string{
				"accessKeyId": "ASIAEXAMPLEKEYID0042", "principalId": "AROAEXAMPLEROLEID2:i-0a1b2c3d4e5f60718",
				"userType": "AssumedRole", "instanceId": "i-0a1b2c3d4e5f60718",
			},
		}}},
		{"securityhub-custom-action-ec2.13.json", []Target{{
			Partition: "aws", Account: "777788889999", Region: "eu-west-1", Type: TypeEC2SecurityGroup, ID: "sg-0abcabcabcabcabc0",
			ARN:        "arn:aws:ec2:eu-west-1:777788889999:security-group/sg-0abcabcabcabcabc0",
			FindingID:  "arn:aws:securityhub:eu-west-1:777788889999:security-control/EC2.13/finding/0f1e2d3c-4b5a-4697-8877-638874327197",
			ProductARN: "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
			Attributes: shAttrs("EC2.13", "HIGH"),
		}}},
		{"securityhub-imported-ec2.13.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeEC2SecurityGroup, ID: "sg-0123456789abcdef0",
			ARN:       "arn:aws:ec2:us-east-1:444455556666:security-group/sg-0123456789abcdef0",
			FindingID: shFinding("EC2.13", "638874327197"), ProductARN: shProduct,
			Attributes: shAttrs("EC2.13", "HIGH"),
		}}},
		{"securityhub-imported-ec2.2.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeEC2SecurityGroup, ID: "sg-0fedcba9876543210",
			ARN:       "arn:aws:ec2:us-east-1:444455556666:security-group/sg-0fedcba9876543210",
			FindingID: shFinding("EC2.2", "433146585616"), ProductARN: shProduct,
			Attributes: shAttrs("EC2.2", "HIGH"),
		}}},
		{"securityhub-imported-ec2.7.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeAccount, ID: acct,
			FindingID: shFinding("EC2.7", "289791641695"), ProductARN: shProduct,
			Attributes: shAttrs("EC2.7", "MEDIUM"),
		}}},
		{"securityhub-imported-iam.14.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeAccount, ID: acct,
			FindingID: shFinding("IAM.14", "146167844350"), ProductARN: shProduct,
			Attributes: shAttrs("IAM.14", "MEDIUM"),
		}}},
		{"securityhub-imported-rds.5.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: "AWS::RDS::DBInstance", ID: "orders-db",
			ARN:       "arn:aws:rds:us-east-1:444455556666:db:orders-db",
			FindingID: shFinding("RDS.5", "235442694032"), ProductARN: shProduct,
			Attributes: shAttrs("RDS.5", "MEDIUM"),
		}}},
		{"securityhub-imported-s3.1.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeAccount, ID: acct,
			FindingID: shFinding("S3.1", "040473020642"), ProductARN: shProduct,
			Attributes: shAttrs("S3.1", "MEDIUM"),
		}}},
		{"ta-exposed-access-keys.json", []Target{{
			Partition: "aws", Account: acct, Region: region, Type: TypeIAMAccessKey, ID: "AKIAIOSFODNN7EXAMPLE",
			Attributes: map[string]string{
				"userName": "ci-deployer", "caseId": "12345678-1234-1234-abcd-1234567890ab", "fraudType": "Exposed",
				"location": "https://github.com/example/leaky/blob/main/deploy.sh", "usagePerDay": "0",
				"deadline": "1763754299248", "timeUpdated": "1763667899248", "status": "ERROR",
			},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := mustParse(t, readSample(t, tt.file)).Targets()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Targets =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestTargetsTrustedAdvisorStatusOK(t *testing.T) {
	b := edit(t, readSample(t, "ta-exposed-access-keys.json"), func(m map[string]any) {
		m["detail"].(map[string]any)["status"] = "OK"
	})
	e := mustParse(t, b)
	c, err := e.TrustedAdvisor()
	if err != nil || c.Status != "OK" {
		t.Fatalf("status %v, %v", c, err)
	}
	ts, err := e.Targets()
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].ID != "AKIAIOSFODNN7EXAMPLE" || ts[0].Attributes["status"] != "OK" {
		t.Errorf("targets = %+v", ts)
	}
}

func TestTargetsTrustedAdvisorOtherChecks(t *testing.T) {
	tests := []struct {
		name       string
		resourceID string
		want       Target
	}{
		{"resource ARN", "arn:aws:s3:::logs-bucket", Target{Partition: "aws", Account: "444455556666", Region: "us-east-1", Type: TypeS3Bucket, ID: "logs-bucket", ARN: "arn:aws:s3:::logs-bucket"}},
		{"no resource", "", Target{Partition: "aws", Account: "444455556666", Region: "us-east-1", Type: TypeAccount, ID: "444455556666"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := edit(t, readSample(t, "ta-exposed-access-keys.json"), func(m map[string]any) {
				d := m["detail"].(map[string]any)
				d["check-name"] = "Amazon S3 Bucket Permissions"
				d["check-item-detail"] = map[string]any{"Bucket Name": "logs-bucket"}
				d["resource_id"] = tt.resourceID
			})
			ts, err := mustParse(t, b).Targets()
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 || !reflect.DeepEqual(ts[0], tt.want) {
				t.Errorf("targets = %+v", ts)
			}
		})
	}
	b := edit(t, readSample(t, "ta-exposed-access-keys.json"), func(m map[string]any) {
		delete(m["detail"].(map[string]any)["check-item-detail"].(map[string]any), TAAccessKeyID)
	})
	_, err := mustParse(t, b).Targets()
	var pe *Error
	if !errors.As(err, &pe) || pe.Field != "detail.check-item-detail.Access Key ID" {
		t.Errorf("exposed key without key id: %v", err)
	}
}

func TestTargetsSecurityHubBatch(t *testing.T) {
	// One event, three findings in three accounts and partitions.
	b := edit(t, readSample(t, "securityhub-imported-ec2.13.json"), func(m map[string]any) {
		d := m["detail"].(map[string]any)
		first := d["findings"].([]any)[0].(map[string]any)
		clone := func(account, region, partition, resType, resID, compliance, record, workflow string) map[string]any {
			f := map[string]any{}
			for k, v := range first {
				f[k] = v
			}
			f["Id"] = "finding-" + account
			f["AwsAccountId"] = account
			f["Region"] = region
			f["Resources"] = []any{map[string]any{"Type": resType, "Id": resID, "Partition": partition, "Region": region}}
			f["Compliance"] = map[string]any{"Status": compliance, "SecurityControlId": "EC2.13"}
			f["RecordState"] = record
			f["Workflow"] = map[string]any{"Status": workflow}
			return f
		}
		d["findings"] = []any{
			clone("111111111111", "eu-central-1", "aws", "AwsEc2SecurityGroup", "arn:aws:ec2:eu-central-1:111111111111:security-group/sg-1", "FAILED", "ACTIVE", "NEW"),
			clone("222222222222", "us-gov-west-1", "aws-us-gov", "AwsS3Bucket", "arn:aws-us-gov:s3:::gov-bucket", "PASSED", "ACTIVE", "RESOLVED"),
			clone("333333333333", "cn-north-1", "aws-cn", "AwsIamAccessKey", "AWS::IAM::AccessKey:AKIAEXAMPLE3", "FAILED", "ARCHIVED", "SUPPRESSED"),
		}
	})
	ts, err := mustParse(t, b).Targets()
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{Partition: "aws", Account: "111111111111", Region: "eu-central-1", Type: TypeEC2SecurityGroup, ID: "sg-1", ARN: "arn:aws:ec2:eu-central-1:111111111111:security-group/sg-1"},
		{Partition: "aws-us-gov", Account: "222222222222", Region: "us-gov-west-1", Type: TypeS3Bucket, ID: "gov-bucket", ARN: "arn:aws-us-gov:s3:::gov-bucket"},
		{Partition: "aws-cn", Account: "333333333333", Region: "cn-north-1", Type: TypeIAMAccessKey, ID: "AKIAEXAMPLE3"},
	}
	if len(ts) != len(want) {
		t.Fatalf("%d targets, want %d: %+v", len(ts), len(want), ts)
	}
	// Each target carries its own finding's compliance, record and workflow
	// states.
	states := [][3]string{{"FAILED", "ACTIVE", "NEW"}, {"PASSED", "ACTIVE", "RESOLVED"}, {"FAILED", "ARCHIVED", "SUPPRESSED"}}
	keys := map[string]bool{}
	for i := range want {
		want[i].FindingID = "finding-" + want[i].Account
		want[i].ProductARN = "arn:aws:securityhub:us-east-1::product/aws/securityhub"
		want[i].Attributes = map[string]string{
			"controlId": "EC2.13", "complianceStatus": states[i][0], "recordState": states[i][1], "workflowStatus": states[i][2],
			"severityLabel": "HIGH", "generatorId": "security-control/EC2.13", "productName": "Security Hub", "companyName": "AWS",
			"types": "Software and Configuration Checks/Industry and Regulatory Standards",
		}
		if !reflect.DeepEqual(ts[i], want[i]) {
			t.Errorf("target %d =\n%+v\nwant\n%+v", i, ts[i], want[i])
		}
		keys[ts[i].Key()] = true
	}
	if len(keys) != 3 {
		t.Errorf("keys are not distinct: %v", keys)
	}
}

func TestTargetsSecurityHubFindingAttributes(t *testing.T) {
	tests := []struct {
		name    string
		finding map[string]any
		want    map[string]string
	}{
		{
			name: "standard-specific control finding",
			finding: map[string]any{
				"GeneratorId":   "aws-foundational-security-best-practices/v/1.0.0/EC2.13",
				"ProductFields": map[string]any{"ControlId": "EC2.13", "StandardsArn": "arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0"},
				"Compliance":    map[string]any{"Status": "WARNING"},
				"Types":         []any{"Software and Configuration Checks/AWS Security Best Practices", "Effects/Data Exposure"},
				"Severity":      map[string]any{"Label": "CRITICAL"},
				"RecordState":   "ACTIVE",
				"Workflow":      map[string]any{"Status": "NOTIFIED"},
			},
			want: map[string]string{
				"controlId": "EC2.13", "complianceStatus": "WARNING", "recordState": "ACTIVE", "workflowStatus": "NOTIFIED",
				"severityLabel": "CRITICAL", "generatorId": "aws-foundational-security-best-practices/v/1.0.0/EC2.13",
				"types": "Software and Configuration Checks/AWS Security Best Practices,Effects/Data Exposure",
			},
		},
		{
			name: "finding of an integrated product, not a control",
			finding: map[string]any{
				"GeneratorId": "arn:aws:guardduty:us-east-1:444455556666:detector/12abc34d567e8fa901bc2d34eexample",
				"ProductName": "GuardDuty", "CompanyName": "Amazon",
				"Types":         []any{"TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS"},
				"Severity":      map[string]any{"Label": "HIGH"},
				"RecordState":   "ACTIVE",
				"WorkflowState": "NEW",
			},
			want: map[string]string{
				"recordState": "ACTIVE", "severityLabel": "HIGH",
				"generatorId": "arn:aws:guardduty:us-east-1:444455556666:detector/12abc34d567e8fa901bc2d34eexample",
				"productName": "GuardDuty", "companyName": "Amazon",
				"types": "TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS",
			},
		},
		{name: "finding without any of the facts", finding: map[string]any{}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := edit(t, readSample(t, "securityhub-imported-ec2.13.json"), func(m map[string]any) {
				f := tt.finding
				for _, k := range []string{"Id", "ProductArn", "AwsAccountId", "Region", "Resources"} {
					f[k] = m["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)[k]
				}
				m["detail"].(map[string]any)["findings"] = []any{f}
			})
			ts, err := mustParse(t, b).Targets()
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 || !reflect.DeepEqual(ts[0].Attributes, tt.want) {
				t.Errorf("targets = %+v; want attributes %v", ts, tt.want)
			}
		})
	}
}

func TestTargetsSecurityHubBadAccount(t *testing.T) {
	b := edit(t, readSample(t, "securityhub-imported-ec2.13.json"), func(m map[string]any) {
		m["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)["AwsAccountId"] = "not-an-account"
	})
	_, err := mustParse(t, b).Targets()
	var pe *Error
	if !errors.As(err, &pe) || pe.Field != "detail.findings[0].AwsAccountId" || !strings.Contains(err.Error(), `"not-an-account"`) {
		t.Errorf("err = %v", err)
	}
}

func TestTargetsGuardDutyResources(t *testing.T) {
	tests := []struct {
		name     string
		resource map[string]any
		want     Target
	}{
		{"instance", map[string]any{"resourceType": "Instance", "instanceDetails": map[string]any{"instanceId": "i-0abc"}},
			Target{Type: TypeEC2Instance, ID: "i-0abc", ARN: "arn:aws-us-gov:ec2:us-gov-west-1:444455556666:instance/i-0abc"}},
		{"IAM user key", map[string]any{"resourceType": "AccessKey", "accessKeyDetails": map[string]any{"accessKeyId": "AKIAUSER", "userName": "bob", "userType": "IAMUser", "principalId": "AIDABOB"}},
			Target{Type: TypeIAMAccessKey, ID: "AKIAUSER", Attributes: map[string]string{"userName": "bob", "userType": "IAMUser", "principalId": "AIDABOB"}}},
		{"bucket", map[string]any{"resourceType": "S3Bucket", "s3BucketDetails": []any{map[string]any{"name": "data", "arn": "arn:aws-us-gov:s3:::data"}}},
			Target{Type: TypeS3Bucket, ID: "data", ARN: "arn:aws-us-gov:s3:::data"}},
		{"other", map[string]any{"resourceType": "EKSCluster"},
			Target{Type: TypeAccount, ID: "444455556666"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := edit(t, readSample(t, "guardduty-instance-credential-exfiltration.json"), func(m map[string]any) {
				d := m["detail"].(map[string]any)
				d["resource"] = tt.resource
				d["region"] = "us-gov-west-1"
				d["partition"] = "aws-us-gov"
			})
			ts, err := mustParse(t, b).Targets()
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Partition, want.Account, want.Region = "aws-us-gov", "444455556666", "us-gov-west-1"
			if len(ts) != 1 || !reflect.DeepEqual(ts[0], want) {
				t.Errorf("targets = %+v\nwant %+v", ts, want)
			}
		})
	}
}

func TestTargetsCloudTrailFallbacks(t *testing.T) {
	sample := readSample(t, "cloudtrail-s3-put-bucket-policy-public.json")
	t.Run("record resources", func(t *testing.T) {
		b := edit(t, sample, func(m map[string]any) {
			d := m["detail"].(map[string]any)
			d["eventSource"], d["eventName"] = "iam.amazonaws.com", "UpdateAssumeRolePolicy"
			d["resources"] = []any{map[string]any{"accountId": "444455556666", "type": "AWS::IAM::Role", "ARN": "arn:aws:iam::444455556666:role/ops/Deployer"}}
		})
		ts, err := mustParse(t, b).Targets()
		if err != nil {
			t.Fatal(err)
		}
		want := Target{Partition: "aws", Account: "444455556666", Region: "us-east-1", Type: TypeIAMRole, ID: "Deployer",
			ARN: "arn:aws:iam::444455556666:role/ops/Deployer", Attributes: map[string]string{"eventName": "UpdateAssumeRolePolicy"}}
		if len(ts) != 1 || !reflect.DeepEqual(ts[0], want) {
			t.Errorf("targets = %+v", ts)
		}
	})
	t.Run("account", func(t *testing.T) {
		b := edit(t, sample, func(m map[string]any) {
			d := m["detail"].(map[string]any)
			d["eventSource"], d["eventName"] = "iam.amazonaws.com", "UpdateAccountPasswordPolicy"
			d["requestParameters"] = map[string]any{"minimumPasswordLength": 6}
			delete(d, "resources")
			d["awsRegion"] = "cn-northwest-1"
			d["recipientAccountId"] = "999988887777"
		})
		ts, err := mustParse(t, b).Targets()
		if err != nil {
			t.Fatal(err)
		}
		want := Target{Partition: "aws-cn", Account: "999988887777", Region: "cn-northwest-1", Type: TypeAccount, ID: "999988887777",
			Attributes: map[string]string{"eventName": "UpdateAccountPasswordPolicy"}}
		if len(ts) != 1 || !reflect.DeepEqual(ts[0], want) {
			t.Errorf("targets = %+v", ts)
		}
	})
	t.Run("bad recipient account", func(t *testing.T) {
		b := edit(t, sample, func(m map[string]any) {
			m["detail"].(map[string]any)["recipientAccountId"] = "4444"
		})
		_, err := mustParse(t, b).Targets()
		var pe *Error
		if !errors.As(err, &pe) || pe.Field != "detail.recipientAccountId" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bucketName of the wrong type", func(t *testing.T) {
		b := edit(t, sample, func(m map[string]any) {
			m["detail"].(map[string]any)["requestParameters"].(map[string]any)["bucketName"] = 7
		})
		_, err := mustParse(t, b).Targets()
		var pe *Error
		if !errors.As(err, &pe) || pe.Field != "detail.requestParameters.bucketName" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("PutBucketAcl and DeleteBucketPublicAccessBlock", func(t *testing.T) {
		for _, name := range []string{"PutBucketAcl", "DeleteBucketPublicAccessBlock"} {
			b := edit(t, sample, func(m map[string]any) {
				d := m["detail"].(map[string]any)
				d["eventName"] = name
				d["requestParameters"] = map[string]any{"bucketName": "b1", "publicAccessBlock": ""}
				delete(d, "resources")
			})
			ts, err := mustParse(t, b).Targets()
			if err != nil || len(ts) != 1 || ts[0].Type != TypeS3Bucket || ts[0].ID != "b1" || ts[0].ARN != "arn:aws:s3:::b1" {
				t.Errorf("%s: %+v, %v", name, ts, err)
			}
		}
	})
}

func TestTargetsConfigIAM(t *testing.T) {
	b := edit(t, readSample(t, "config-compliance-change-s3-public-read.json"), func(m map[string]any) {
		d := m["detail"].(map[string]any)
		d["resourceType"], d["resourceId"] = "AWS::IAM::Role", "AROAEXAMPLEROLEID"
	})
	ts, err := mustParse(t, b).Targets()
	if err != nil {
		t.Fatal(err)
	}
	if ts[0].Type != TypeIAMRole || ts[0].ID != "AROAEXAMPLEROLEID" || ts[0].ARN != "" {
		t.Errorf("target = %+v: an ARN cannot be built from a Config unique id", ts[0])
	}
}

func TestTargetsAccessAnalyzerBucket(t *testing.T) {
	b := edit(t, readSample(t, "access-analyzer-external-role-trust.json"), func(m map[string]any) {
		d := m["detail"].(map[string]any)
		d["resourceType"], d["resource"] = "AWS::S3::Bucket", "arn:aws:s3:::shared-data"
		d["resourceOwnerAccount"] = "123456789012"
		d["isPublic"] = true
	})
	e := mustParse(t, b)
	f, err := e.AccessAnalyzer()
	if err != nil || !f.IsPublic {
		t.Fatalf("%+v %v", f, err)
	}
	ts, err := e.Targets()
	if err != nil {
		t.Fatal(err)
	}
	if ts[0].Type != TypeS3Bucket || ts[0].ID != "shared-data" || ts[0].Account != "123456789012" || ts[0].ARN != "arn:aws:s3:::shared-data" {
		t.Errorf("target = %+v", ts[0])
	}
}

func TestTargetsUnknownEvent(t *testing.T) {
	e := mustParse(t, []byte(`{"id":"x","source":"my.app","detail-type":"Thing","account":"123456789012","region":"eu-west-1","resources":["not-an-arn","arn:aws:ec2:eu-west-1:123456789012:instance/i-9"],"detail":{}}`))
	ts, err := e.Targets()
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{Partition: "aws", Account: "123456789012", Region: "eu-west-1", Type: TypeEC2Instance, ID: "i-9", ARN: "arn:aws:ec2:eu-west-1:123456789012:instance/i-9"}}
	if !reflect.DeepEqual(ts, want) {
		t.Errorf("targets = %+v", ts)
	}
	e = mustParse(t, []byte(`{"id":"x","source":"my.app","detail-type":"Thing","account":"123456789012","region":"eu-west-1","detail":{}}`))
	ts, err = e.Targets()
	if err != nil || len(ts) != 1 || ts[0].Type != TypeAccount || ts[0].ID != "123456789012" {
		t.Errorf("targets = %+v, %v", ts, err)
	}
}

func TestPartition(t *testing.T) {
	tests := map[string]string{
		"us-east-1": "aws", "eu-west-3": "aws", "ap-southeast-7": "aws", "mx-central-1": "aws", "": "aws",
		"cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
		"us-gov-west-1": "aws-us-gov", "us-gov-east-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e", "us-isof-south-1": "aws-iso-f",
		"eusc-de-east-1": "aws-eusc",
	}
	for region, want := range tests {
		if got := Partition(region); got != want {
			t.Errorf("Partition(%q) = %q, want %q", region, got, want)
		}
	}
}

func TestTargetKey(t *testing.T) {
	a := Target{Partition: "aws", Account: "111111111111", Region: "us-east-1", Type: TypeS3Bucket, ID: "b", ARN: "arn:aws:s3:::b", Attributes: map[string]string{"x": "1"}}
	if got, want := a.Key(), "aws|111111111111|us-east-1|AWS::S3::Bucket|b|"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	b := a
	b.Attributes = map[string]string{"x": "2"}
	b.ARN = ""
	if a.Key() != b.Key() {
		t.Error("Key depends on Attributes or ARN")
	}
	c := a
	c.FindingID = "f1"
	if a.Key() == c.Key() {
		t.Error("Key ignores FindingID")
	}
	// A separator inside a part cannot make two targets collide.
	x := Target{Type: "t", ID: "a|b"}
	y := Target{Type: "t|a", ID: "b"}
	if x.Key() == y.Key() {
		t.Errorf("keys collide: %q", x.Key())
	}
	if got := (Target{ID: "50%|"}).Key(); got != "||||50%25%7C|" {
		t.Errorf("escaped Key = %q", got)
	}
}

func TestCloudFormationType(t *testing.T) {
	tests := map[string]string{
		"AwsEc2SecurityGroup": TypeEC2SecurityGroup,
		"AwsIamAccessKey":     TypeIAMAccessKey,
		"AwsS3Bucket":         TypeS3Bucket,
		"AwsEc2Instance":      TypeEC2Instance,
		"AwsIamRole":          TypeIAMRole,
		"AwsAccount":          TypeAccount,
		"AwsRdsDbInstance":    "AWS::RDS::DBInstance",
		"AwsNewThing":         "AwsNewThing",
	}
	for in, want := range tests {
		if got := CloudFormationType(in); got != want {
			t.Errorf("CloudFormationType(%q) = %q, want %q", in, got, want)
		}
	}
}
