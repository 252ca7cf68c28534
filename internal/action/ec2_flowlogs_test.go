package action

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestEnableFlowLogs(t *testing.T) {
	w := newWorld(t)
	logs := cloudwatchlogs.NewFromConfig(w.cfg)
	vpc, _, _ := w.network()
	res, err := w.run("ec2.enable-flow-logs", w.input(map[string]any{"vpc_id": vpc}))
	if err != nil || res.Outcome != Changed || len(res.Output["created"].([]string)) != 3 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	groups, err := logs.DescribeLogGroups(w.ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(FlowLogsGroup)})
	w.must(err)
	if len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 365 {
		t.Errorf("log group = %+v", groups.LogGroups)
	}
	role, err := w.iam.GetRole(w.ctx, &iam.GetRoleInput{RoleName: aws.String(FlowLogsRole)})
	w.must(err)
	if trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument)); !strings.Contains(trust, "vpc-flow-logs.amazonaws.com") || !strings.Contains(trust, "aws:SourceAccount") {
		t.Errorf("the role's trust = %s", trust)
	}
	fls, err := w.ec2.DescribeFlowLogs(w.ctx, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{vpc}}}})
	w.must(err)
	if len(fls.FlowLogs) != 1 || fls.FlowLogs[0].TrafficType != ec2types.TrafficTypeReject || aws.ToString(fls.FlowLogs[0].DeliverLogsStatus) != "SUCCESS" {
		t.Errorf("flow logs = %+v", fls.FlowLogs)
	}

	// A second VPC reuses the group and the role.
	v2, err := w.ec2.CreateVpc(w.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.50.0.0/16")})
	w.must(err)
	res, err = w.run("ec2.enable-flow-logs", w.input(map[string]any{"vpc_id": aws.ToString(v2.Vpc.VpcId), "traffic_type": "ALL"}))
	if err != nil || res.Outcome != Changed || len(res.Output["created"].([]string)) != 1 {
		t.Fatalf("second VPC = %+v, %v", res, err)
	}
	// A VPC logging all traffic needs nothing more for rejected traffic.
	mark := w.mark("us-east-1")
	again, err := w.run("ec2.enable-flow-logs", w.input(map[string]any{"vpc_id": aws.ToString(v2.Vpc.VpcId)}))
	if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("a VPC logging all traffic = %+v, %v", again, err)
	}

	// To S3: the bucket is a parameter, not made.
	v3, err := w.ec2.CreateVpc(w.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.51.0.0/16")})
	w.must(err)
	var perr *ParamError
	_, err = w.run("ec2.enable-flow-logs", w.input(map[string]any{"vpc_id": aws.ToString(v3.Vpc.VpcId), "destination_type": "s3"}))
	if !errors.As(err, &perr) || perr.Param != "s3_bucket_arn" {
		t.Errorf("s3 without a bucket = %v, want a parameter error naming s3_bucket_arn", err)
	}
	_, err = w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("flow-logs")})
	w.must(err)
	res, err = w.run("ec2.enable-flow-logs", w.input(map[string]any{"vpc_id": aws.ToString(v3.Vpc.VpcId), "destination_type": "s3", "s3_bucket_arn": "arn:aws:s3:::flow-logs"}))
	if err != nil || res.Outcome != Changed {
		t.Errorf("to S3 = %+v, %v", res, err)
	}
	missing, err := w.run("ec2.enable-flow-logs", w.input(map[string]any{"vpc_id": "vpc-0000000000000000f"}))
	if err != nil || missing.Outcome != NotFound {
		t.Errorf("a missing VPC = %+v, %v", missing, err)
	}
}

func TestEnableFlowLogsRefusesWhatIsNotRectifys(t *testing.T) {
	w := newWorld(t)
	vpc, _, _ := w.network()
	_, err := cloudwatchlogs.NewFromConfig(w.cfg).CreateLogGroup(w.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(FlowLogsGroup)})
	w.must(err)
	mark := w.mark("us-east-1")
	_, err = w.run("ec2.enable-flow-logs", w.input(map[string]any{"vpc_id": vpc}))
	wantPermanent(t, err, "log_group")
	if writes := w.writesSince("us-east-1", mark); len(writes) != 0 {
		t.Errorf("writes: %v", writes)
	}
	// A delivery role VPC Flow Logs cannot use: the flow log is made, and
	// verification says delivery fails.
	reg, err := Builtin()
	w.must(err)
	spec, _ := reg.Lookup("ec2.enable-flow-logs")
	in := checked(t, spec, w.input(map[string]any{"vpc_id": vpc, "log_group": FlowLogsGroup, "deliver_role_arn": "arn:aws:iam::123456789012:role/nobody"}))
	res, err := spec.Run(context.Background(), gated(spec, in, true, ""))
	if err != nil || res.Outcome != Changed {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	var verr *VerifyError
	if err := spec.Verify(context.Background(), gated(spec, in, false, "verification"), res); !errors.As(err, &verr) || !strings.Contains(verr.Found, "cannot deliver") {
		t.Errorf("Verify = %v, want a mismatch saying delivery fails", err)
	}
}
