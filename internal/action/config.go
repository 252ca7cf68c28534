package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// AWS Config actions.

// ServiceLinkedRole is the role parameter value that asks for an AWS
// service's service-linked role, made when missing.
const ServiceLinkedRole = "service-linked"

// configSLR is the name of AWS Config's service-linked role.
const configSLR = "AWSServiceRoleForConfig"

func configActions() []Spec {
	return []Spec{{
		Name: "config.enable-recording",
		Description: "Make AWS Config record in the region: a configuration recorder (its existing one, or \"default\") that uses " +
			"the service-linked role AWSServiceRoleForConfig (created if missing) and records all supported resource types, a " +
			"delivery channel to bucket (made when \"create\", or given the Config statements its policy lacks), and the recorder " +
			"started. An existing recorder keeps its name, recording mode and global-resource choice; only what falls short changes.",
		Params: []Param{
			{Name: "bucket", Type: String, Default: Create, Description: `the delivery channel's bucket when the region has none, or "create" (rectify-config-ACCOUNT-REGION)`},
			{Name: "role", Type: String, Default: ServiceLinkedRole, Description: `the recorder's role ARN, or "service-linked" (AWSServiceRoleForConfig, which Config.1 checks for)`},
			{Name: "recorder_name", Type: String, Default: "default", Description: "the name of a recorder rectify creates"},
			{Name: "include_global_resources", Type: Bool, Default: true, Description: "whether a recorder rectify creates records global resources (IAM); an existing recorder's choice is kept"},
			{Name: "record_all", Type: Bool, Default: true, Description: "make the recorder record all supported resource types; false leaves its recording group alone"},
		},
		Reads: append([]string{"config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus", "config:DescribeDeliveryChannels",
			"iam:GetRole"}, bucketReads...),
		Writes: append([]string{"config:PutConfigurationRecorder", "config:PutDeliveryChannel", "config:StartConfigurationRecorder",
			"iam:CreateServiceLinkedRole"}, bucketWrites...),
		ExtraPermissions: []string{"iam:PassRole"},
		Describe: func(in Input) string {
			return fmt.Sprintf("make AWS Config record all resources of %s/%s with role %s, delivering to bucket %s", in.Target.Account, in.Target.Region,
				in.String("role"), in.String("bucket"))
		},
		Run:    enableConfigRecording,
		Verify: verifyConfigRecording,
	}}
}

// configRoleARN returns the recorder role to use, making the
// service-linked role when it is asked for and missing.
func configRoleARN(ctx context.Context, in Input, out map[string]any) (arn string, created bool, err error) {
	if r := in.String("role"); r != ServiceLinkedRole {
		return r, false, nil
	}
	cli := iam.NewFromConfig(in.AWS)
	got, err := cli.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(configSLR)})
	switch {
	case err == nil:
		return aws.ToString(got.Role.Arn), false, nil
	case !IsNotFound(err, "NoSuchEntity"):
		return "", false, fmt.Errorf("read role %s: %w", configSLR, err)
	}
	made, err := cli.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("config.amazonaws.com")})
	if err != nil {
		return "", false, fmt.Errorf("create AWS Config's service-linked role: %w", err)
	}
	arn = aws.ToString(made.Role.Arn)
	addCreated(out, arn)
	return arn, true, nil
}

// configBucketStatements are the bucket policy statements that let Config
// deliver account's snapshots and history, and refuse requests without TLS.
func configBucketStatements(partition, bucket, account string) []map[string]any {
	b := "arn:" + partition + ":s3:::" + bucket
	return []map[string]any{{
		"Sid": "RectifyConfigAclCheck", "Effect": "Allow", "Principal": map[string]any{"Service": "config.amazonaws.com"},
		"Action": []any{"s3:GetBucketAcl", "s3:ListBucket"}, "Resource": b,
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
	}, {
		"Sid": "RectifyConfigWrite", "Effect": "Allow", "Principal": map[string]any{"Service": "config.amazonaws.com"},
		"Action": "s3:PutObject", "Resource": b + "/AWSLogs/" + account + "/Config/*",
		"Condition": map[string]any{"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account}},
	}, {
		"Sid": "RectifyDenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": []any{b, b + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}}
}

// configState is what a region's Config recording is.
type configState struct {
	Recorder  *cfgtypes.ConfigurationRecorder
	Recording bool
	Channels  int
}

func readConfigState(ctx context.Context, cli *configservice.Client) (configState, error) {
	var st configState
	recs, err := cli.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return st, fmt.Errorf("list the configuration recorders: %w", err)
	}
	if len(recs.ConfigurationRecorders) > 0 {
		st.Recorder = &recs.ConfigurationRecorders[0]
		status, err := cli.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{
			ConfigurationRecorderNames: []string{aws.ToString(st.Recorder.Name)}})
		if err != nil {
			return st, fmt.Errorf("read the status of recorder %s: %w", aws.ToString(st.Recorder.Name), err)
		}
		for _, s := range status.ConfigurationRecordersStatus {
			st.Recording = st.Recording || s.Recording
		}
	}
	ch, err := cli.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return st, fmt.Errorf("list the delivery channels: %w", err)
	}
	st.Channels = len(ch.DeliveryChannels)
	return st, nil
}

// recordsAll reports whether a recording group records every supported
// resource type.
func recordsAll(g *cfgtypes.RecordingGroup) bool {
	if g == nil {
		return true
	}
	if g.RecordingStrategy != nil && g.RecordingStrategy.UseOnly != "" && g.RecordingStrategy.UseOnly != cfgtypes.RecordingStrategyTypeAllSupportedResourceTypes {
		return false
	}
	return g.AllSupported
}

// isConfigSLR reports whether arn is AWS Config's service-linked role.
func isConfigSLR(arn string) bool {
	return strings.HasSuffix(arn, ":role/aws-service-role/config.amazonaws.com/"+configSLR)
}

func enableConfigRecording(ctx context.Context, in Input) (Result, error) {
	cli := configservice.NewFromConfig(in.AWS)
	st, err := readConfigState(ctx, cli)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{}
	var changes []string
	serviceLinked := in.String("role") == ServiceLinkedRole
	rec := st.Recorder
	roleOK := rec != nil && (serviceLinked && isConfigSLR(aws.ToString(rec.RoleARN)) || !serviceLinked && aws.ToString(rec.RoleARN) == in.String("role"))
	groupOK := rec != nil && (!in.Bool("record_all") || recordsAll(rec.RecordingGroup))
	if rec == nil || !roleOK || !groupOK {
		role, created, err := configRoleARN(ctx, in, out)
		if err != nil {
			return Result{}, err
		}
		if created {
			changes = append(changes, "created the service-linked role "+configSLR)
		}
		next := cfgtypes.ConfigurationRecorder{Name: aws.String(in.String("recorder_name")), RoleARN: aws.String(role),
			RecordingGroup: &cfgtypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: in.Bool("include_global_resources")}}
		if rec != nil {
			next = *rec
			next.Arn = nil
			if !roleOK {
				changes = append(changes, fmt.Sprintf("recorder %s: role %s → %s", aws.ToString(rec.Name), aws.ToString(rec.RoleARN), role))
				next.RoleARN = aws.String(role)
			}
			if !groupOK {
				global := rec.RecordingGroup != nil && rec.RecordingGroup.IncludeGlobalResourceTypes
				next.RecordingGroup = &cfgtypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: global}
				changes = append(changes, fmt.Sprintf("recorder %s: records all supported resource types", aws.ToString(rec.Name)))
			}
		} else {
			changes = append(changes, fmt.Sprintf("created recorder %s recording all supported resource types with role %s", in.String("recorder_name"), role))
		}
		_, err = cli.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &next})
		if HasCode(err, "InvalidRoleException") {
			if created {
				return Result{}, RetryLater(fmt.Errorf("AWS Config cannot yet use the role %s rectify just made: %w", role, err), iamPropagationRetry)
			}
			return Result{}, Permanent(fmt.Errorf("AWS Config cannot use role %s: set role to a role Config can assume, or to %q: %w", role, ServiceLinkedRole, err))
		}
		if err != nil {
			return Result{}, fmt.Errorf("put the configuration recorder: %w", err)
		}
		rec = &next
	}
	out["recorder"] = aws.ToString(rec.Name)
	if st.Channels == 0 {
		note, err := putConfigChannel(ctx, in, cli, out)
		if err != nil {
			return Result{}, err
		}
		changes = append(changes, note)
	}
	if !st.Recording {
		if _, err := cli.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: rec.Name}); err != nil {
			return Result{}, fmt.Errorf("start recorder %s: %w", aws.ToString(rec.Name), err)
		}
		changes = append(changes, "started recorder "+aws.ToString(rec.Name))
	}
	if len(changes) == 0 {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("AWS Config already records all resources of %s/%s with recorder %s",
			in.Target.Account, in.Target.Region, aws.ToString(rec.Name))}, nil
	}
	return Result{Outcome: Changed, Output: out, Message: "AWS Config in " + in.Target.Region + ": " + strings.Join(changes, "; ")}, nil
}

// putConfigChannel makes the delivery channel, and its bucket when asked.
func putConfigChannel(ctx context.Context, in Input, cli *configservice.Client, out map[string]any) (string, error) {
	bucket, partition := in.String("bucket"), partitionOf(in)
	create := bucket == Create
	if create {
		bucket = rectifyBucketName("config", in)
	}
	created, added, err := ensureDeliveryBucket(ctx, s3.NewFromConfig(in.AWS), in.Target.Region, deliveryBucket{
		Name: bucket, Create: create, Param: "bucket", Purpose: "config-delivery",
		Statements: configBucketStatements(partition, bucket, in.Target.Account),
		Granted: func(policy string) bool {
			b := "arn:" + partition + ":s3:::" + bucket
			return grantsService(policy, "config.amazonaws.com", "s3:GetBucketAcl", b) &&
				grantsService(policy, "config.amazonaws.com", "s3:PutObject", b+"/AWSLogs/"+in.Target.Account+"/Config/x")
		},
	})
	if err != nil {
		return "", err
	}
	if created {
		addCreated(out, "arn:"+partition+":s3:::"+bucket)
	}
	_, err = cli.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: &cfgtypes.DeliveryChannel{
		Name: aws.String("default"), S3BucketName: aws.String(bucket)}})
	if HasCode(err, "InsufficientDeliveryPolicyException", "NoSuchBucketException") {
		return "", Permanent(fmt.Errorf("AWS Config cannot deliver to bucket %s (its owner must let config.amazonaws.com write to it), or set bucket to %q: %w", bucket, Create, err))
	}
	if err != nil {
		return "", fmt.Errorf("put the delivery channel: %w", err)
	}
	out["bucket"] = bucket
	note := fmt.Sprintf("created delivery channel default to bucket %s%s", bucket, createdNote(created))
	if len(added) > 0 && !created {
		note += fmt.Sprintf(" (added %s to its policy)", strings.Join(added, ", "))
	}
	return note, nil
}

func verifyConfigRecording(ctx context.Context, in Input, _ Result) error {
	st, err := readConfigState(ctx, configservice.NewFromConfig(in.AWS))
	if err != nil {
		return err
	}
	switch rec := st.Recorder; {
	case rec == nil:
		return Mismatch("%s/%s has no configuration recorder", in.Target.Account, in.Target.Region)
	case in.String("role") == ServiceLinkedRole && !isConfigSLR(aws.ToString(rec.RoleARN)):
		return Mismatch("recorder %s uses role %s, not the service-linked role", aws.ToString(rec.Name), aws.ToString(rec.RoleARN))
	case in.Bool("record_all") && !recordsAll(rec.RecordingGroup):
		return Mismatch("recorder %s does not record all supported resource types", aws.ToString(rec.Name))
	case st.Channels == 0:
		return Mismatch("%s/%s has no delivery channel", in.Target.Account, in.Target.Region)
	case !st.Recording:
		return Mismatch("recorder %s is not recording", aws.ToString(rec.Name))
	}
	return nil
}
