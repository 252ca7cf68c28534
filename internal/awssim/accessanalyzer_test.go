package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestAccessAnalyzerFindingsRoundTrip(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 13, 59, 0, 0, time.UTC)
	sim := awssim.Start(t, fixedClock(now))
	cli := accessanalyzer.NewFromConfig(sim.Config(member))

	created, err := cli.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("org-analyzer"), Type: aatypes.TypeAccount})
	if err != nil {
		t.Fatalf("CreateAnalyzer: %v", err)
	}
	arn := "arn:aws:access-analyzer:us-east-1:" + member + ":analyzer/org-analyzer"
	if aws.ToString(created.Arn) != arn {
		t.Errorf("CreateAnalyzer ARN = %s, want %s", aws.ToString(created.Arn), arn)
	}
	var conflict *aatypes.ConflictException
	if _, err := cli.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("org-analyzer"), Type: aatypes.TypeAccount}); !errors.As(err, &conflict) {
		t.Errorf("second CreateAnalyzer: got %v, want ConflictException", err)
	}
	list, err := cli.ListAnalyzers(ctx, &accessanalyzer.ListAnalyzersInput{Type: aatypes.TypeAccount})
	if err != nil || len(list.Analyzers) != 1 || aws.ToString(list.Analyzers[0].Arn) != arn || list.Analyzers[0].Status != aatypes.AnalyzerStatusActive {
		t.Fatalf("ListAnalyzers = %+v, %v", list, err)
	}
	if _, err := sim.AddAccessAnalyzerFinding(member, "us-east-1", "missing", awssim.AccessAnalyzerFinding{Resource: "r", ResourceType: "AWS::IAM::Role"}); err == nil {
		t.Error("AddAccessAnalyzerFinding to a missing analyzer succeeded")
	}

	// The finding of the sample event, and one on a bucket.
	role, err := sim.AddAccessAnalyzerFinding(member, "us-east-1", "org-analyzer", awssim.AccessAnalyzerFinding{
		ID: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", Resource: "arn:aws:iam::" + member + ":role/LegacyVendorAccess", ResourceType: "AWS::IAM::Role",
		Principal: map[string]string{"AWS": "arn:aws:iam::210987654321:root"}, Action: []string{"sts:AssumeRole"},
	})
	if err != nil {
		t.Fatalf("AddAccessAnalyzerFinding: %v", err)
	}
	bucket, err := sim.AddAccessAnalyzerFinding(member, "us-east-1", "org-analyzer", awssim.AccessAnalyzerFinding{
		Resource: "arn:aws:s3:::public-assets", ResourceType: "AWS::S3::Bucket", IsPublic: true,
		Principal: map[string]string{"AWS": "*"}, Action: []string{"s3:GetObject"},
	})
	if err != nil {
		t.Fatalf("AddAccessAnalyzerFinding: %v", err)
	}
	if bucket.ID == "" || bucket.Status != "ACTIVE" || bucket.ResourceOwnerAccount != member || !bucket.CreatedAt.Equal(now) {
		t.Errorf("seeded finding defaults = %+v", bucket)
	}

	// The EventBridge event for the seeded finding has the sample's shape.
	raw, err := os.ReadFile("testdata/events/access-analyzer-external-role-trust.json")
	if err != nil {
		t.Fatal(err)
	}
	{
		var want, got map[string]any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(sim.AccessAnalyzerFindingEvent(member, "us-east-1", "org-analyzer", role), &got); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"detail-type", "source", "account", "region", "resources", "detail"} {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("event %s = %v, want %v as in the sample", k, got[k], want[k])
			}
		}
	}

	got, err := cli.GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: aws.String(arn), Id: aws.String(role.ID)})
	if err != nil {
		t.Fatalf("GetFinding: %v", err)
	}
	f := got.Finding
	if aws.ToString(f.Resource) != role.Resource || f.ResourceType != aatypes.ResourceTypeAwsIamRole || f.Status != aatypes.FindingStatusActive ||
		f.Principal["AWS"] != "arn:aws:iam::210987654321:root" || !reflect.DeepEqual(f.Action, []string{"sts:AssumeRole"}) ||
		aws.ToBool(f.IsPublic) || !aws.ToTime(f.AnalyzedAt).Equal(now) || aws.ToString(f.ResourceOwnerAccount) != member {
		t.Errorf("GetFinding = %+v", f)
	}

	active := func() []string {
		t.Helper()
		out, err := cli.ListFindings(ctx, &accessanalyzer.ListFindingsInput{
			AnalyzerArn: aws.String(arn), Filter: map[string]aatypes.Criterion{"status": {Eq: []string{"ACTIVE"}}},
		})
		if err != nil {
			t.Fatalf("ListFindings: %v", err)
		}
		var ids []string
		for _, f := range out.Findings {
			ids = append(ids, aws.ToString(f.Id))
		}
		return ids
	}
	if ids := active(); len(ids) != 2 {
		t.Fatalf("active findings = %v, want 2", ids)
	}
	pub, err := cli.ListFindings(ctx, &accessanalyzer.ListFindingsInput{
		AnalyzerArn: aws.String(arn), Filter: map[string]aatypes.Criterion{"isPublic": {Eq: []string{"true"}}, "resourceType": {Eq: []string{"AWS::S3::Bucket"}}},
	})
	if err != nil || len(pub.Findings) != 1 || aws.ToString(pub.Findings[0].Id) != bucket.ID {
		t.Errorf("public bucket findings = %+v, %v", pub, err)
	}

	sim.Advance(time.Hour)
	if _, err := cli.UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: aws.String(arn), Ids: []string{role.ID}, Status: aatypes.FindingStatusUpdateArchived}); err != nil {
		t.Fatalf("UpdateFindings: %v", err)
	}
	if ids := active(); len(ids) != 1 || ids[0] != bucket.ID {
		t.Errorf("active findings after archiving the role's = %v, want [%s]", ids, bucket.ID)
	}
	got, err = cli.GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: aws.String(arn), Id: aws.String(role.ID)})
	if err != nil || got.Finding.Status != aatypes.FindingStatusArchived || !aws.ToTime(got.Finding.UpdatedAt).Equal(now.Add(time.Hour)) {
		t.Errorf("archived finding = %+v, %v", got, err)
	}
	v2, err := cli.ListFindingsV2(ctx, &accessanalyzer.ListFindingsV2Input{
		AnalyzerArn: aws.String(arn), Filter: map[string]aatypes.Criterion{"status": {Eq: []string{"ARCHIVED"}}},
	})
	if err != nil || len(v2.Findings) != 1 || aws.ToString(v2.Findings[0].Id) != role.ID || v2.Findings[0].FindingType != aatypes.FindingTypeExternalAccess {
		t.Errorf("ListFindingsV2 ARCHIVED = %+v, %v", v2, err)
	}
	// Reactivate by resource ARN.
	if _, err := cli.UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: aws.String(arn), ResourceArn: aws.String(role.Resource), Status: aatypes.FindingStatusUpdateActive}); err != nil {
		t.Fatalf("UpdateFindings by resource: %v", err)
	}
	if ids := active(); len(ids) != 2 {
		t.Errorf("active findings after reactivating = %v, want 2", ids)
	}

	var nf *aatypes.ResourceNotFoundException
	if _, err := cli.GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: aws.String(arn), Id: aws.String("no-such-finding")}); !errors.As(err, &nf) {
		t.Errorf("GetFinding of an unknown id: got %v, want ResourceNotFoundException", err)
	}
	if _, err := cli.UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: aws.String(arn), Ids: []string{"no-such-finding"}, Status: aatypes.FindingStatusUpdateArchived}); !errors.As(err, &nf) {
		t.Errorf("UpdateFindings of an unknown id: got %v, want ResourceNotFoundException", err)
	}
	var invalid *aatypes.ValidationException
	if _, err := cli.UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: aws.String(arn), Ids: []string{role.ID}, Status: "RESOLVED"}); !errors.As(err, &invalid) {
		t.Errorf("UpdateFindings to RESOLVED: got %v, want ValidationException", err)
	}
	if _, err := cli.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: aws.String(arn), Filter: map[string]aatypes.Criterion{"colour": {Eq: []string{"red"}}}}); !errors.As(err, &invalid) {
		t.Errorf("ListFindings with an unknown filter key: got %v, want ValidationException", err)
	}

	// Another region has no such analyzer.
	west := accessanalyzer.NewFromConfig(sim.Config(member), func(o *accessanalyzer.Options) { o.Region = "us-west-2" })
	if _, err := west.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("org-analyzer")}); !errors.As(err, &nf) {
		t.Errorf("GetAnalyzer in us-west-2: got %v, want ResourceNotFoundException", err)
	}
	ga, err := cli.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("org-analyzer")})
	if err != nil || aws.ToString(ga.Analyzer.Name) != "org-analyzer" || ga.Analyzer.Type != aatypes.TypeAccount || ga.Analyzer.LastResourceAnalyzed == nil {
		t.Errorf("GetAnalyzer = %+v, %v", ga, err)
	}
	if _, err := cli.DeleteAnalyzer(ctx, &accessanalyzer.DeleteAnalyzerInput{AnalyzerName: aws.String("org-analyzer")}); err != nil {
		t.Fatalf("DeleteAnalyzer: %v", err)
	}
	if _, err := cli.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("org-analyzer")}); !errors.As(err, &nf) {
		t.Errorf("GetAnalyzer after delete: got %v, want ResourceNotFoundException", err)
	}
}

// TestSnapshotRestoresSecurityServices checks that the state of CloudTrail,
// Glue, Security Hub, Config and Access Analyzer survives Snapshot and
// Restore.
func TestSnapshotRestoresSecurityServices(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sim := awssim.Start(t, fixedClock(now))
	cfg := sim.Config(member)
	trailBucket(t, cfg, member, "trail-logs")
	if _, err := cloudtrail.NewFromConfig(cfg).CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("trail-logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := glue.NewFromConfig(cfg).CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String("ep"), RoleArn: aws.String("arn:aws:iam::" + member + ":role/glue")}); err != nil {
		t.Fatal(err)
	}
	finding := shtypes.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"), Id: aws.String("f-1"), ProductArn: aws.String("arn:aws:securityhub:us-east-1:" + member + ":product/" + member + "/default"),
		GeneratorId: aws.String("g"), AwsAccountId: aws.String(member), CreatedAt: aws.String("2026-11-20T09:00:00Z"), UpdatedAt: aws.String("2026-11-20T09:00:00Z"),
		Title: aws.String("t"), Description: aws.String("d"), Severity: &shtypes.Severity{Label: shtypes.SeverityLabelHigh},
		Resources: []shtypes.Resource{{Type: aws.String("AwsS3Bucket"), Id: aws.String("arn:aws:s3:::b")}},
	}
	if out, err := securityhub.NewFromConfig(cfg).BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{finding}}); err != nil || aws.ToInt32(out.SuccessCount) != 1 {
		t.Fatalf("BatchImportFindings = %+v, %v", out, err)
	}
	if _, err := configservice.NewFromConfig(cfg).PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &cfgtypes.ConfigRule{
		ConfigRuleName: aws.String("r"), Source: &cfgtypes.Source{Owner: cfgtypes.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_PUBLIC_READ_PROHIBITED")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := accessanalyzer.NewFromConfig(cfg).CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("a"), Type: aatypes.TypeAccount}); err != nil {
		t.Fatal(err)
	}
	f, err := sim.AddAccessAnalyzerFinding(member, "us-east-1", "a", awssim.AccessAnalyzerFinding{Resource: "arn:aws:s3:::b", ResourceType: "AWS::S3::Bucket"})
	if err != nil {
		t.Fatal(err)
	}

	snap, err := sim.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	restored := awssim.Start(t, fixedClock(now))
	if err := restored.Restore(snap); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	rcfg := restored.Config(member)
	if _, err := cloudtrail.NewFromConfig(rcfg).GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("main")}); err != nil {
		t.Errorf("restored trail: %v", err)
	}
	restored.Advance(3 * time.Minute)
	if ep, err := glue.NewFromConfig(rcfg).GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String("ep")}); err != nil || aws.ToString(ep.DevEndpoint.Status) != "READY" {
		t.Errorf("restored dev endpoint = %+v, %v; want READY after the delay", ep, err)
	}
	if out, err := securityhub.NewFromConfig(rcfg).GetFindings(ctx, &securityhub.GetFindingsInput{}); err != nil || len(out.Findings) != 1 {
		t.Errorf("restored findings = %+v, %v", out, err)
	}
	if out, err := configservice.NewFromConfig(rcfg).DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{"r"}}); err != nil || len(out.ConfigRules) != 1 {
		t.Errorf("restored config rule = %+v, %v", out, err)
	}
	if out, err := accessanalyzer.NewFromConfig(rcfg).GetFinding(ctx, &accessanalyzer.GetFindingInput{
		AnalyzerArn: aws.String("arn:aws:access-analyzer:us-east-1:" + member + ":analyzer/a"), Id: aws.String(f.ID),
	}); err != nil || aws.ToString(out.Finding.Resource) != "arn:aws:s3:::b" {
		t.Errorf("restored access analyzer finding = %+v, %v", out, err)
	}
	// The seeding helper works on the restored Server.
	if _, err := restored.AddAccessAnalyzerFinding(member, "us-east-1", "a", awssim.AccessAnalyzerFinding{Resource: "arn:aws:s3:::c", ResourceType: "AWS::S3::Bucket"}); err != nil {
		t.Errorf("AddAccessAnalyzerFinding after Restore: %v", err)
	}
}
