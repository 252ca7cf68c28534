package awssim_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func configBucketPolicy(bucket, account string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":["s3:GetBucketAcl","s3:ListBucket"],"Resource":"arn:aws:s3:::%[1]s"},
{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::%[1]s/AWSLogs/%[2]s/Config/*"}]}`, bucket, account)
}

func TestConfigRecorderAndDeliveryChannel(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config(member)
	cli := configservice.NewFromConfig(cfg)
	ic := iam.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg)

	slr, err := ic.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("config.amazonaws.com")})
	if err != nil {
		t.Fatalf("CreateServiceLinkedRole: %v", err)
	}
	role := aws.ToString(slr.Role.Arn)
	if role != "arn:aws:iam::"+member+":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig" {
		t.Errorf("service-linked role ARN %s", role)
	}
	if _, err := ic.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("config.amazonaws.com")}); apiCode(err) != "InvalidInput" {
		t.Errorf("second CreateServiceLinkedRole: %v", err)
	}

	put := func(name, role string, group *cfgtypes.RecordingGroup) error {
		_, err := cli.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &cfgtypes.ConfigurationRecorder{
			Name: aws.String(name), RoleARN: aws.String(role), RecordingGroup: group}})
		return err
	}
	if err := put("default", "arn:aws:iam::"+member+":role/nope", nil); apiCode(err) != "InvalidRoleException" {
		t.Errorf("recorder with a missing role: %v", err)
	}
	if err := put("default", role, &cfgtypes.RecordingGroup{AllSupported: true, ResourceTypes: []cfgtypes.ResourceType{cfgtypes.ResourceTypeBucket}}); apiCode(err) != "InvalidRecordingGroupException" {
		t.Errorf("recorder with allSupported and types: %v", err)
	}
	if err := put("default", role, &cfgtypes.RecordingGroup{ResourceTypes: []cfgtypes.ResourceType{cfgtypes.ResourceTypeBucket}}); err != nil {
		t.Fatal(err)
	}
	if err := put("second", role, nil); apiCode(err) != "MaxNumberOfConfigurationRecordersExceededException" {
		t.Errorf("second recorder: %v", err)
	}
	if _, err := cli.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}); apiCode(err) != "NoAvailableDeliveryChannelException" {
		t.Errorf("start without a channel: %v", err)
	}

	channel := func(bucket string) error {
		_, err := cli.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: &cfgtypes.DeliveryChannel{
			Name: aws.String("default"), S3BucketName: aws.String(bucket)}})
		return err
	}
	if err := channel("no-bucket"); apiCode(err) != "NoSuchBucketException" {
		t.Errorf("channel to a missing bucket: %v", err)
	}
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("config-logs")}); err != nil {
		t.Fatal(err)
	}
	if err := channel("config-logs"); apiCode(err) != "InsufficientDeliveryPolicyException" {
		t.Errorf("channel to a bucket without Config's statements: %v", err)
	}
	if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("config-logs"), Policy: aws.String(configBucketPolicy("config-logs", member))}); err != nil {
		t.Fatal(err)
	}
	if err := channel("config-logs"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}); err != nil {
		t.Fatal(err)
	}
	recs, err := cli.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil || len(recs.ConfigurationRecorders) != 1 || aws.ToString(recs.ConfigurationRecorders[0].RoleARN) != role ||
		recs.ConfigurationRecorders[0].RecordingGroup.AllSupported || len(recs.ConfigurationRecorders[0].RecordingGroup.ResourceTypes) != 1 {
		t.Fatalf("DescribeConfigurationRecorders = %+v, %v", recs, err)
	}
	st, err := cli.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil || len(st.ConfigurationRecordersStatus) != 1 || !st.ConfigurationRecordersStatus[0].Recording || st.ConfigurationRecordersStatus[0].LastStartTime == nil {
		t.Errorf("DescribeConfigurationRecorderStatus = %+v, %v", st, err)
	}
	if _, err := cli.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{ConfigurationRecorderNames: []string{"x"}}); apiCode(err) != "NoSuchConfigurationRecorderException" {
		t.Errorf("describe a missing recorder: %v", err)
	}
	if _, err := cli.DeleteDeliveryChannel(ctx, &configservice.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String("default")}); apiCode(err) != "LastDeliveryChannelDeleteFailedException" {
		t.Errorf("delete the channel of a running recorder: %v", err)
	}
	ch, err := cli.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil || len(ch.DeliveryChannels) != 1 || aws.ToString(ch.DeliveryChannels[0].S3BucketName) != "config-logs" {
		t.Errorf("DescribeDeliveryChannels = %+v, %v", ch, err)
	}
}
