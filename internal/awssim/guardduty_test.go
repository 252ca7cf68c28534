package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/macie2"
	macietypes "github.com/aws/aws-sdk-go-v2/service/macie2/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestGuardDutyDetectorsFiltersAndTags(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := guardduty.NewFromConfig(sim.Config(member))

	ids, err := cli.ListDetectors(ctx, &guardduty.ListDetectorsInput{})
	if err != nil || len(ids.DetectorIds) != 0 {
		t.Fatalf("ListDetectors before = %+v, %v", ids, err)
	}
	created, err := cli.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: aws.Bool(true),
		Features: []gdtypes.DetectorFeatureConfiguration{{Name: gdtypes.DetectorFeatureS3DataEvents, Status: gdtypes.FeatureStatusEnabled}},
		Tags:     map[string]string{"rectify:managed": "true"}})
	if err != nil {
		t.Fatalf("CreateDetector: %v", err)
	}
	id := aws.ToString(created.DetectorId)
	if len(id) != 32 {
		t.Errorf("detector ID %q", id)
	}
	if _, err := cli.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: aws.Bool(true)}); apiCode(err) != "BadRequestException" {
		t.Errorf("second CreateDetector: %v", err)
	}
	feature := func(d *guardduty.GetDetectorOutput, name gdtypes.DetectorFeatureResult) gdtypes.FeatureStatus {
		for _, f := range d.Features {
			if f.Name == name {
				return f.Status
			}
		}
		return ""
	}
	d, err := cli.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(id)})
	if err != nil || d.Status != gdtypes.DetectorStatusEnabled || feature(d, gdtypes.DetectorFeatureResultS3DataEvents) != gdtypes.FeatureStatusEnabled ||
		feature(d, gdtypes.DetectorFeatureResultEksAuditLogs) != gdtypes.FeatureStatusDisabled || feature(d, gdtypes.DetectorFeatureResultCloudTrail) != gdtypes.FeatureStatusEnabled ||
		d.DataSources.S3Logs.Status != gdtypes.DataSourceStatusEnabled || d.Tags["rectify:managed"] != "true" ||
		aws.ToString(d.ServiceRole) != "arn:aws:iam::"+member+":role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty" {
		t.Fatalf("GetDetector = %+v, %v", d, err)
	}
	// Suspend, then resume with EKS audit logs through the older DataSources.
	if _, err := cli.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(id), Enable: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(id), Enable: aws.Bool(true),
		DataSources: &gdtypes.DataSourceConfigurations{Kubernetes: &gdtypes.KubernetesConfiguration{AuditLogs: &gdtypes.KubernetesAuditLogsConfiguration{Enable: aws.Bool(true)}}}}); err != nil {
		t.Fatal(err)
	}
	d, _ = cli.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(id)})
	if d.Status != gdtypes.DetectorStatusEnabled || feature(d, gdtypes.DetectorFeatureResultEksAuditLogs) != gdtypes.FeatureStatusEnabled ||
		feature(d, gdtypes.DetectorFeatureResultS3DataEvents) != gdtypes.FeatureStatusEnabled {
		t.Errorf("after updates = %+v", d)
	}
	if _, err := cli.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String("0123456789abcdef0123456789abcdef")}); apiCode(err) != "BadRequestException" {
		t.Errorf("GetDetector of another ID: %v", err)
	}

	// Filters and tags, by ARN (which holds slashes).
	if _, err := cli.CreateFilter(ctx, &guardduty.CreateFilterInput{DetectorId: aws.String(id), Name: aws.String("archive-low"), Action: gdtypes.FilterActionArchive,
		FindingCriteria: &gdtypes.FindingCriteria{Criterion: map[string]gdtypes.Condition{"severity": {Lt: aws.Int32(4)}}}}); err != nil {
		t.Fatalf("CreateFilter: %v", err)
	}
	names, err := cli.ListFilters(ctx, &guardduty.ListFiltersInput{DetectorId: aws.String(id)})
	if err != nil || len(names.FilterNames) != 1 || names.FilterNames[0] != "archive-low" {
		t.Errorf("ListFilters = %+v, %v", names, err)
	}
	filterARN := "arn:aws:guardduty:us-east-1:" + member + ":detector/" + id + "/filter/archive-low"
	if _, err := cli.TagResource(ctx, &guardduty.TagResourceInput{ResourceArn: aws.String(filterARN), Tags: map[string]string{"owner": "sec"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	tags, err := cli.ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(filterARN)})
	if err != nil || tags.Tags["owner"] != "sec" || len(tags.Tags) != 1 {
		t.Errorf("filter tags = %+v, %v", tags, err)
	}
	f, err := cli.GetFilter(ctx, &guardduty.GetFilterInput{DetectorId: aws.String(id), FilterName: aws.String("archive-low")})
	if err != nil || f.Action != gdtypes.FilterActionArchive || f.Tags["owner"] != "sec" || aws.ToInt32(f.FindingCriteria.Criterion["severity"].Lt) != 4 {
		t.Errorf("GetFilter = %+v, %v", f, err)
	}
	if _, err := cli.TagResource(ctx, &guardduty.TagResourceInput{ResourceArn: aws.String(filterARN + "x"), Tags: map[string]string{"a": "b"}}); apiCode(err) != "BadRequestException" {
		t.Errorf("TagResource of a missing filter: %v", err)
	}
	if _, err := cli.UntagResource(ctx, &guardduty.UntagResourceInput{ResourceArn: aws.String(filterARN), TagKeys: []string{"owner"}}); err != nil {
		t.Fatal(err)
	}
	if tags, _ := cli.ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(filterARN)}); len(tags.Tags) != 0 {
		t.Errorf("after untag: %+v", tags.Tags)
	}
	if _, err := cli.DeleteDetector(ctx, &guardduty.DeleteDetectorInput{DetectorId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
}

func TestMacieSession(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := macie2.NewFromConfig(sim.Config(member))
	if _, err := cli.GetMacieSession(ctx, &macie2.GetMacieSessionInput{}); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("GetMacieSession before: %v", err)
	}
	if _, err := cli.UpdateMacieSession(ctx, &macie2.UpdateMacieSessionInput{Status: macietypes.MacieStatusEnabled}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("UpdateMacieSession before: %v", err)
	}
	if _, err := cli.EnableMacie(ctx, &macie2.EnableMacieInput{Status: macietypes.MacieStatusPaused}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.EnableMacie(ctx, &macie2.EnableMacieInput{}); apiCode(err) != "ConflictException" {
		t.Errorf("EnableMacie twice: %v", err)
	}
	s, err := cli.GetMacieSession(ctx, &macie2.GetMacieSessionInput{})
	if err != nil || s.Status != macietypes.MacieStatusPaused || s.FindingPublishingFrequency != macietypes.FindingPublishingFrequencyFifteenMinutes || s.CreatedAt == nil {
		t.Fatalf("GetMacieSession = %+v, %v", s, err)
	}
	if _, err := cli.UpdateMacieSession(ctx, &macie2.UpdateMacieSessionInput{Status: macietypes.MacieStatusEnabled}); err != nil {
		t.Fatal(err)
	}
	if s, _ := cli.GetMacieSession(ctx, &macie2.GetMacieSessionInput{}); s.Status != macietypes.MacieStatusEnabled || s.FindingPublishingFrequency != macietypes.FindingPublishingFrequencyFifteenMinutes {
		t.Errorf("after resume = %+v", s)
	}
	west := macie2.NewFromConfig(sim.Config(member), func(o *macie2.Options) { o.Region = "us-west-2" })
	if _, err := west.GetMacieSession(ctx, &macie2.GetMacieSessionInput{}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("us-west-2 GetMacieSession: %v", err)
	}
	if _, err := cli.DisableMacie(ctx, &macie2.DisableMacieInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.GetMacieSession(ctx, &macie2.GetMacieSessionInput{}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("GetMacieSession after disable: %v", err)
	}
}
