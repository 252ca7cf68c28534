package control

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// catalogIDs are the control ids of the remediation catalog rectify
// covers (the fact sheets of the Security Hub control catalog).
var catalogIDs = strings.Fields(`
APIGateway.1 APIGateway.5 Athena.4 AutoScaling.1 AutoScaling.3 Autoscaling.5 CloudFormation.1
CloudFront.1 CloudFront.12 CloudTrail.1 CloudTrail.2 CloudTrail.3 CloudTrail.4 CloudTrail.5
CloudTrail.6 CloudTrail.7 CloudWatch.1 CloudWatch.2 CloudWatch.3 CloudWatch.4 CloudWatch.5
CloudWatch.6 CloudWatch.7 CloudWatch.8 CloudWatch.9 CloudWatch.10 CloudWatch.11 CloudWatch.12
CloudWatch.13 CloudWatch.14 CloudWatch.16 CodeBuild.2 CodeBuild.5 Config.1 DynamoDB.1 DynamoDB.5
DynamoDB.6 EC2.1 EC2.2 EC2.4 EC2.6 EC2.7 EC2.8 EC2.10 EC2.13 EC2.14 EC2.15 EC2.18 EC2.19 EC2.23
ECR.1 ECS.5 ELB.1 ElastiCache.1 ElastiCache.2 ElastiCache.3 GuardDuty.1 GuardDuty.2 GuardDuty.4
IAM.3 IAM.7 IAM.8 IAM.11 IAM.12 IAM.13 IAM.14 IAM.15 IAM.16 IAM.17 IAM.18 IAM.22 KMS.4 Lambda.1
Macie.1 RDS.1 RDS.2 RDS.4 RDS.5 RDS.6 RDS.7 RDS.8 RDS.13 RDS.16 Redshift.1 Redshift.3 Redshift.4
Redshift.6 S3.1 S3.2 S3.3 S3.4 S3.5 S3.6 S3.8 S3.9 S3.11 S3.13 SNS.1 SNS.2 SQS.1 SSM.1 SSM.4
SSM.7 SecretsManager.1 SecretsManager.3 SecretsManager.4`)

var idRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*\.[1-9][0-9]*$`)

func TestTableCoversCatalog(t *testing.T) {
	if len(catalogIDs) != 106 {
		t.Fatalf("catalog list has %d ids, want 106", len(catalogIDs))
	}
	for _, id := range catalogIDs {
		if _, ok := Lookup(id); !ok {
			t.Errorf("control %s of the catalog is not in the table", id)
		}
	}
	if got := len(All()); got != len(catalogIDs) {
		t.Errorf("table has %d controls, want %d", got, len(catalogIDs))
	}
}

// TestTableMatchesFactSheets checks the table against the fact sheets of
// the shared catalog, when a checkout has them beside the repository.
func TestTableMatchesFactSheets(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "catalog", "controls-part*.yaml"))
	if len(files) == 0 {
		t.Skip("no shared catalog beside the repository")
	}
	re := regexp.MustCompile(`(?m)^- id: (\S+)\s*$`)
	var ids []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			ids = append(ids, m[1])
		}
	}
	slices.SortFunc(ids, Compare)
	want := slices.Clone(catalogIDs)
	slices.SortFunc(want, Compare)
	if !slices.Equal(ids, want) {
		t.Errorf("fact sheets list %v\nthe test lists %v", ids, want)
	}
}

func TestTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	owner := map[Standard]map[string]string{}
	for _, c := range All() {
		if !idRE.MatchString(c.ID) {
			t.Errorf("control id %q is not of the form Service.N", c.ID)
		}
		if seen[strings.ToLower(c.ID)] {
			t.Errorf("control %s is listed twice", c.ID)
		}
		seen[strings.ToLower(c.ID)] = true
		if strings.TrimSpace(c.Title) == "" || strings.Contains(c.Title, "AWS Configuration") {
			t.Errorf("control %s has title %q", c.ID, c.Title)
		}
		if len(c.Refs) == 0 {
			t.Errorf("control %s is in no standard", c.ID)
		}
		for _, r := range c.Refs {
			if r.Standard.String() == "" {
				t.Errorf("control %s: unknown standard %d", c.ID, r.Standard)
			}
			if r.Standard.info().consolidated != (r.ID == "" || r.Standard == AFSBP) {
				t.Errorf("control %s: standard %s with id %q", c.ID, r.Standard, r.ID)
			}
			sid := c.StandardID(r)
			if owner[r.Standard] == nil {
				owner[r.Standard] = map[string]string{}
			}
			if prev, dup := owner[r.Standard][sid]; dup && prev != c.ID {
				t.Errorf("%s id %s names both %s and %s", r.Standard, sid, prev, c.ID)
			}
			owner[r.Standard][sid] = c.ID
		}
	}
}

func TestStandards(t *testing.T) {
	keys := map[string]bool{}
	for _, s := range Standards() {
		if s.String() == "" || s.Key() == "" || !strings.Contains(s.Path(), "/v/") || keys[s.Key()] {
			t.Errorf("standard %d: %q %q %q", s, s, s.Key(), s.Path())
		}
		keys[s.Key()] = true
	}
	c, _ := Lookup("EC2.2")
	if got := c.Standards(); !slices.Equal(got, []Standard{AFSBP, CIS120, CIS140, CIS300, PCI321, NIST80053}) {
		t.Errorf("EC2.2 standards = %v", got)
	}
}

func TestCompare(t *testing.T) {
	ids := []string{"ECR.1", "EC2.13", "ec2.10", "EC2.2", "CloudWatch.16", "CloudWatch.2", "Autoscaling.5", "AutoScaling.3"}
	slices.SortFunc(ids, Compare)
	want := []string{"AutoScaling.3", "Autoscaling.5", "CloudWatch.2", "CloudWatch.16", "EC2.2", "ec2.10", "EC2.13", "ECR.1"}
	if !slices.Equal(ids, want) {
		t.Errorf("sorted = %v, want %v", ids, want)
	}
}

// TestEveryFormResolves resolves every control of the table from every
// generator id it may be found under, and from each standard's product
// fields alone.
func TestEveryFormResolves(t *testing.T) {
	for _, c := range All() {
		if id, ok := Resolve(Finding{SecurityControlID: c.ID}); !ok || id != c.ID {
			t.Errorf("%s from SecurityControlId = %q, %v", c.ID, id, ok)
		}
		for _, g := range c.GeneratorIDs() {
			if id, ok := Resolve(Finding{GeneratorID: g}); !ok || id != c.ID {
				t.Errorf("%s from GeneratorId %s = %q, %v", c.ID, g, id, ok)
			}
		}
		for _, r := range c.Refs {
			sid := c.StandardID(r)
			pf := map[string]string{"ControlId": sid, "StandardsArn": "arn:aws:securityhub:::standards/" + r.Standard.Path()}
			if r.Standard == CIS120 {
				pf = map[string]string{"RuleId": sid, "StandardsGuideArn": "arn:aws:securityhub:::ruleset/" + r.Standard.Path()}
			}
			if id, ok := Resolve(Finding{ProductFields: pf}); !ok || id != c.ID {
				t.Errorf("%s from %s product fields %v = %q, %v", c.ID, r.Standard, pf, id, ok)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Finding
		want string
	}{
		{"consolidated", Finding{SecurityControlID: "IAM.7", GeneratorID: "security-control/IAM.7"}, "IAM.7"},
		{"consolidated id wins", Finding{SecurityControlID: "EC2.13", ProductFields: map[string]string{"ControlId": "4.1"}}, "EC2.13"},
		{"consolidated, not in the table", Finding{SecurityControlID: "IAM.1"}, "IAM.1"},
		{"generator security-control", Finding{GeneratorID: "security-control/S3.1"}, "S3.1"},
		{"afsbp", Finding{GeneratorID: "aws-foundational-security-best-practices/v/1.0.0/RDS.5", ProductFields: map[string]string{"ControlId": "RDS.5"}}, "RDS.5"},
		{"afsbp ELBv2.1 is ELB.1", Finding{GeneratorID: "aws-foundational-security-best-practices/v/1.0.0/ELBv2.1"}, "ELB.1"},
		{"afsbp control not in the table", Finding{GeneratorID: "aws-foundational-security-best-practices/v/1.0.0/IAM.1"}, "IAM.1"},
		{"cis 1.2 ruleset arn", Finding{GeneratorID: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.5"}, "IAM.11"},
		{"cis 1.2 ruleset arn aws-us-gov", Finding{GeneratorID: "arn:aws-us-gov:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1"}, "EC2.13"},
		{"cis 1.2 ruleset arn aws-cn", Finding{GeneratorID: "arn:aws-cn:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.2"}, "EC2.14"},
		{"cis 1.2 rule id with guide", Finding{ProductFields: map[string]string{"RuleId": "1.9", "StandardsGuideArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"}}, "IAM.15"},
		{"cis 1.2 rule id alone", Finding{ProductFields: map[string]string{"RuleId": "1.8"}}, "IAM.14"},
		{"cis 1.4", Finding{GeneratorID: "cis-aws-foundations-benchmark/v/1.4.0/1.8", ProductFields: map[string]string{"ControlId": "1.8"}}, "IAM.15"},
		{"cis 1.4 split requirement", Finding{GeneratorID: "cis-aws-foundations-benchmark/v/1.4.0/2.1.5.2"}, "S3.8"},
		{"cis 1.4 by standards arn", Finding{ProductFields: map[string]string{"ControlId": "3.6", "StandardsArn": "arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0"}}, "CloudTrail.7"},
		{"cis 3.0", Finding{GeneratorID: "cis-aws-foundations-benchmark/v/3.0.0/5.4"}, "EC2.2"},
		{"cis 3.0 by control arn", Finding{ProductFields: map[string]string{"ControlId": "1.12", "StandardsControlArn": "arn:aws:securityhub:us-east-1:111122223333:control/cis-aws-foundations-benchmark/v/3.0.0/1.12"}}, "IAM.22"},
		{"pci", Finding{GeneratorID: "pci-dss/v/3.2.1/PCI.IAM.7", ProductFields: map[string]string{"ControlId": "PCI.IAM.7"}}, "IAM.8"},
		{"pci control id alone", Finding{ProductFields: map[string]string{"ControlId": "PCI.EC2.5"}}, "EC2.13"},
		{"nist", Finding{GeneratorID: "nist-800-53/v/5.0.0/EC2.13"}, "EC2.13"},
		{"tagging", Finding{GeneratorID: "aws-resource-tagging-standard/v/1.0.0/DynamoDB.5"}, "DynamoDB.5"},
		{"unknown standard, consolidated id", Finding{GeneratorID: "nist-800-171/v/2.0.0/IAM.7"}, "IAM.7"},
		{"control tower", Finding{GeneratorID: "service-managed-aws-control-tower/v/1.0.0/EC2.13", ProductFields: map[string]string{"ControlId": "CT.EC2.13"}}, "EC2.13"},
		{"bare control id that is consolidated", Finding{ProductFields: map[string]string{"ControlId": "EC2.13"}}, "EC2.13"},
		{"bare cis id is ambiguous", Finding{ProductFields: map[string]string{"ControlId": "1.8"}}, ""},
		{"cis id not in the table", Finding{GeneratorID: "cis-aws-foundations-benchmark/v/1.4.0/1.16"}, ""},
		{"cis id of another version", Finding{GeneratorID: "cis-aws-foundations-benchmark/v/5.0.0/1.8"}, ""},
		{"pci id not in the table", Finding{GeneratorID: "pci-dss/v/3.2.1/PCI.IAM.1"}, ""},
		{"not a control", Finding{GeneratorID: "arn:aws:guardduty:us-east-1:111122223333:detector/abc"}, ""},
		{"inspector", Finding{GeneratorID: "AWSInspector", ProductFields: map[string]string{"aws/inspector/ProductVersion": "2"}}, ""},
		{"empty", Finding{}, ""},
		{"generator without id", Finding{GeneratorID: "cis-aws-foundations-benchmark/v/1.4.0/"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Resolve(tc.f)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("Resolve = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // control id, or control id@standard key
	}{
		{"IAM.7", []string{"IAM.7"}},
		{"iam.7", []string{"IAM.7"}},
		{"security-control/EC2.13", []string{"EC2.13"}},
		{"cis-aws-foundations-benchmark/v/1.2.0/1.5", []string{"IAM.11@cis-1.2.0"}},
		{"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1", []string{"EC2.13@cis-1.2.0"}},
		{"pci-dss/v/3.2.1/PCI.IAM.7", []string{"IAM.8@pci-dss-3.2.1"}},
		{"PCI.IAM.7", []string{"IAM.8@pci-dss-3.2.1"}},
		{"ELBv2.1", []string{"ELB.1@afsbp"}},
		{"1.8", []string{"IAM.14@cis-1.2.0", "IAM.15@cis-1.4.0", "IAM.15@cis-3.0.0"}},
		{"nist-800-53/v/5.0.0/KMS.4", []string{"KMS.4@nist-800-53-r5"}},
		{"IAM.1", nil},
		{"cis-aws-foundations-benchmark/v/1.2.0/9.9", nil},
		{"", nil},
	} {
		var got []string
		for _, m := range Find(tc.in) {
			s := m.Control.ID
			if m.Ref.Standard != 0 {
				s += "@" + m.Ref.Standard.Key()
			}
			got = append(got, s)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Find(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestGeneratorIDs(t *testing.T) {
	c, _ := Lookup("EC2.13")
	want := []string{
		"security-control/EC2.13",
		"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1",
		"arn:aws-cn:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1",
		"arn:aws-us-gov:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1",
		"pci-dss/v/3.2.1/PCI.EC2.5",
		"nist-800-53/v/5.0.0/EC2.13",
	}
	if got := c.GeneratorIDs(); !slices.Equal(got, want) {
		t.Errorf("GeneratorIDs = %v\nwant %v", got, want)
	}
}

func BenchmarkResolve(b *testing.B) {
	fs := []Finding{
		{SecurityControlID: "EC2.13"},
		{GeneratorID: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1", ProductFields: map[string]string{"RuleId": "4.1"}},
		{GeneratorID: "pci-dss/v/3.2.1/PCI.EC2.5", ProductFields: map[string]string{"ControlId": "PCI.EC2.5"}},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range fs {
			if _, ok := Resolve(f); !ok {
				b.Fatal("not resolved")
			}
		}
	}
}
