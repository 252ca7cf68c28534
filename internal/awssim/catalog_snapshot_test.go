package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/macie2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// TestSnapshotRestoresMonitoringServices checks that CloudWatch alarms,
// log groups, SSM settings, GuardDuty detectors, Macie sessions, Config
// recorders, instance profiles and trail selectors survive Snapshot and
// Restore.
func TestSnapshotRestoresMonitoringServices(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config(member)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := cloudwatch.NewFromConfig(cfg).PutMetricAlarm(ctx, putAlarm("a", "M"))
	must(err)
	_, err = cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g")})
	must(err)
	_, err = ssm.NewFromConfig(cfg).UpdateServiceSetting(ctx, &ssm.UpdateServiceSettingInput{SettingId: aws.String("/ssm/documents/console/public-sharing-permission"), SettingValue: aws.String("Disable")})
	must(err)
	det, err := guardduty.NewFromConfig(cfg).CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: aws.Bool(true)})
	must(err)
	_, err = macie2.NewFromConfig(cfg).EnableMacie(ctx, &macie2.EnableMacieInput{})
	must(err)
	ic := iam.NewFromConfig(cfg)
	slr, err := ic.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("config.amazonaws.com")})
	must(err)
	_, err = configservice.NewFromConfig(cfg).PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &cfgtypes.ConfigurationRecorder{
		Name: aws.String("default"), RoleARN: slr.Role.Arn}})
	must(err)
	_, err = ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("p")})
	must(err)
	trailBucket(t, cfg, member, "trail-logs")
	ct := cloudtrail.NewFromConfig(cfg)
	_, err = ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("trail-logs")})
	must(err)
	_, err = ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("main"),
		EventSelectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeWriteOnly}}})
	must(err)

	snap, err := sim.Snapshot()
	must(err)
	sim2 := awssim.Start(t)
	must(sim2.Restore(snap))
	cfg2 := sim2.Config(member)
	if a, err := cloudwatch.NewFromConfig(cfg2).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); err != nil || len(a.MetricAlarms) != 1 {
		t.Errorf("alarms = %+v, %v", a, err)
	}
	if g, err := cloudwatchlogs.NewFromConfig(cfg2).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{}); err != nil || len(g.LogGroups) != 1 {
		t.Errorf("log groups = %+v, %v", g, err)
	}
	if s, err := ssm.NewFromConfig(cfg2).GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String("/ssm/documents/console/public-sharing-permission")}); err != nil || aws.ToString(s.ServiceSetting.SettingValue) != "Disable" {
		t.Errorf("setting = %+v, %v", s, err)
	}
	if _, err := guardduty.NewFromConfig(cfg2).GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: det.DetectorId}); err != nil {
		t.Errorf("detector: %v", err)
	}
	if _, err := macie2.NewFromConfig(cfg2).GetMacieSession(ctx, &macie2.GetMacieSessionInput{}); err != nil {
		t.Errorf("Macie session: %v", err)
	}
	if r, err := configservice.NewFromConfig(cfg2).DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}); err != nil || len(r.ConfigurationRecorders) != 1 {
		t.Errorf("recorders = %+v, %v", r, err)
	}
	if _, err := iam.NewFromConfig(cfg2).GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("p")}); err != nil {
		t.Errorf("instance profile: %v", err)
	}
	if s, err := cloudtrail.NewFromConfig(cfg2).GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("main")}); err != nil || len(s.EventSelectors) != 1 || s.EventSelectors[0].ReadWriteType != cttypes.ReadWriteTypeWriteOnly {
		t.Errorf("event selectors = %+v, %v", s, err)
	}
}
