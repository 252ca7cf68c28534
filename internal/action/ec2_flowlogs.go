package action

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// VPC flow logs.

// Names of what ec2.enable-flow-logs creates when asked to.
const (
	FlowLogsGroup      = "rectify-vpc-flow-logs"
	FlowLogsRole       = "rectify-vpc-flow-logs"
	flowLogsRolePolicy = "rectify-vpc-flow-logs-delivery"
)

func ec2FlowLogActions() []Spec {
	return []Spec{
		{
			Name: "ec2.enable-flow-logs",
			Description: "Give a VPC a flow log, to CloudWatch Logs (a log group and a delivery role VPC Flow Logs " +
				"assumes) or to an S3 bucket. A VPC that already has an active flow log of the traffic type, or of all " +
				"traffic, needs nothing.",
			Params: []Param{
				{Name: "vpc_id", Type: String, Required: true, Description: "the VPC's ID (vpc-...)"},
				{Name: "traffic_type", Type: String, Default: "REJECT", Description: "the traffic to log: REJECT, ACCEPT or ALL"},
				{Name: "destination_type", Type: String, Default: "cloud-watch-logs", Description: "cloud-watch-logs or s3"},
				{Name: "log_group", Type: String, Default: Create,
					Description: "for cloud-watch-logs, the log group's name; \"create\" makes (or reuses) " + FlowLogsGroup + ", with log_retention_days"},
				{Name: "log_retention_days", Type: Int, Default: 365, Description: "the retention of a log group rectify creates, in days (0 keeps logs forever)"},
				{Name: "deliver_role_arn", Type: String, Default: Create,
					Description: "for cloud-watch-logs, the role VPC Flow Logs delivers with; \"create\" makes (or reuses) " + FlowLogsRole + ", trusted by vpc-flow-logs.amazonaws.com for this account only and allowed to write to the log group"},
				{Name: "s3_bucket_arn", Type: String, Default: "", Description: "for s3, the bucket's ARN (with an optional /prefix); its policy must let delivery.logs.amazonaws.com write"},
			},
			Reads:  []string{"ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "logs:DescribeLogGroups", "logs:ListTagsForResource", "iam:GetRole", "iam:GetRolePolicy"},
			Writes: []string{"ec2:CreateFlowLogs", "logs:CreateLogGroup", "logs:PutRetentionPolicy", "iam:CreateRole", "iam:PutRolePolicy"},
			// The flow log is delivered with the role it is given; what is
			// created is tagged.
			ExtraPermissions: []string{"iam:PassRole", "ec2:CreateTags", "logs:TagResource", "iam:TagRole"},
			Describe: func(in Input) string {
				dest := "CloudWatch Logs log group " + in.String("log_group")
				if in.String("destination_type") == "s3" {
					dest = "S3 bucket " + in.String("s3_bucket_arn")
				}
				return fmt.Sprintf("log the %s traffic of VPC %s in %s/%s to %s", in.String("traffic_type"), in.String("vpc_id"), in.Target.Account, in.Target.Region, dest)
			},
			Run:    enableFlowLogs,
			Verify: verifyFlowLogs,
		},
	}
}

// vpcFlowLogs returns the VPC's flow logs.
func vpcFlowLogs(ctx context.Context, cli *ec2.Client, vpc string) ([]ec2types.FlowLog, error) {
	var out []ec2types.FlowLog
	p := ec2.NewDescribeFlowLogsPaginator(cli, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{vpc}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the flow logs of VPC %s: %w", vpc, err)
		}
		out = append(out, page.FlowLogs...)
	}
	return out, nil
}

// coveringFlowLog returns an active flow log of the VPC that logs the
// traffic type (or all traffic), or nil.
func coveringFlowLog(logs []ec2types.FlowLog, traffic string) *ec2types.FlowLog {
	for i, f := range logs {
		if aws.ToString(f.FlowLogStatus) == "ACTIVE" && (f.TrafficType == ec2types.TrafficTypeAll || string(f.TrafficType) == traffic) {
			return &logs[i]
		}
	}
	return nil
}

// flowLogsGroup returns the log group to deliver to, made with its
// retention if it is rectify's and missing.
func flowLogsGroup(ctx context.Context, in Input, out map[string]any) (name, arn string, err error) {
	name = in.String("log_group")
	cli := cloudwatchlogs.NewFromConfig(in.AWS)
	ours := name == Create
	if ours {
		name = FlowLogsGroup
	}
	arn = "arn:" + partitionOf(in) + ":logs:" + in.Target.Region + ":" + in.Target.Account + ":log-group:" + name
	found, err := findLogGroup(ctx, cli, name)
	if err != nil {
		return "", "", err
	}
	switch {
	case found != "" && ours:
		tags, err := cli.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			return "", "", fmt.Errorf("read the tags of log group %s: %w", name, err)
		}
		if tags.Tags[ManagedTag] != "true" {
			return "", "", notOurs("log group", name, "log_group")
		}
	case found != "":
	case !ours:
		return "", "", Permanent(fmt.Errorf("log group %s (parameter log_group) does not exist in %s/%s: create it, or set log_group to \"create\"", name, in.Target.Account, in.Target.Region))
	default:
		_, err := cli.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: managedTags("vpc-flow-logs")})
		if err != nil && !HasCode(err, "ResourceAlreadyExistsException") {
			return "", "", fmt.Errorf("create log group %s: %w", name, err)
		}
		if days := in.Int("log_retention_days"); days > 0 {
			if _, err := cli.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(int32(days))}); err != nil {
				return "", "", fmt.Errorf("set the retention of log group %s to %d days: %w", name, days, err)
			}
		}
		addCreated(out, arn)
	}
	return name, arn, nil
}

// flowLogsDeliveryPolicy lets the delivery role write to groups.
func flowLogsDeliveryPolicy(groups []string) string {
	var resources []string
	for _, g := range groups {
		resources = append(resources, g, g+":*")
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Sid": "RectifyVPCFlowLogsDelivery", "Effect": "Allow",
		"Action":   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
		"Resource": resources,
	}}})
	return string(b)
}

// flowLogsRole returns the delivery role: the one named, or rectify's own,
// made if missing and allowed to write to the group.
func flowLogsRole(ctx context.Context, in Input, groupARN string, out map[string]any) (string, error) {
	if arn := in.String("deliver_role_arn"); arn != Create {
		return arn, nil
	}
	cli := iam.NewFromConfig(in.AWS)
	got, err := cli.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(FlowLogsRole)})
	var arn string
	switch {
	case IsNotFound(err, "NoSuchEntity"):
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"%s"}}}]}`, in.Target.Account)
		r, err := cli.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(FlowLogsRole), AssumeRolePolicyDocument: aws.String(trust),
			Description: aws.String("Lets VPC Flow Logs write to CloudWatch Logs (made by rectify)"), Tags: iamTags(managedTags("vpc-flow-logs"))})
		if err != nil {
			return "", fmt.Errorf("create role %s: %w", FlowLogsRole, err)
		}
		arn = aws.ToString(r.Role.Arn)
		addCreated(out, arn)
	case err != nil:
		return "", fmt.Errorf("read role %s: %w", FlowLogsRole, err)
	case !roleIsOurs(got.Role):
		return "", notOurs("role", FlowLogsRole, "deliver_role_arn")
	default:
		arn = aws.ToString(got.Role.Arn)
	}
	// The policy names every group the role writes to; this one is added.
	groups := []string{groupARN}
	pol, err := cli.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(FlowLogsRole), PolicyName: aws.String(flowLogsRolePolicy)})
	switch {
	case IsNotFound(err, "NoSuchEntity"):
	case err != nil:
		return "", fmt.Errorf("read the policy of role %s: %w", FlowLogsRole, err)
	default:
		doc, err := decodePolicyDocument(aws.ToString(pol.PolicyDocument))
		if err != nil {
			return "", err
		}
		stmts, _, err := policyStatements(doc)
		if err != nil {
			return "", Permanent(fmt.Errorf("the policy %s of role %s cannot be read: %w", flowLogsRolePolicy, FlowLogsRole, err))
		}
		var have []string
		for _, s := range stmts {
			have = append(have, stringsOf(s["Resource"])...)
		}
		if slices.Contains(have, groupARN) {
			return arn, nil
		}
		for _, r := range have {
			if g := strings.TrimSuffix(r, ":*"); !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
	slices.Sort(groups)
	if _, err := cli.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(FlowLogsRole), PolicyName: aws.String(flowLogsRolePolicy),
		PolicyDocument: aws.String(flowLogsDeliveryPolicy(groups))}); err != nil {
		return "", fmt.Errorf("let role %s write to log group %s: %w", FlowLogsRole, groupARN, err)
	}
	return arn, nil
}

func enableFlowLogs(ctx context.Context, in Input) (Result, error) {
	vpc, traffic, destType := in.String("vpc_id"), in.String("traffic_type"), in.String("destination_type")
	if traffic != "REJECT" && traffic != "ACCEPT" && traffic != "ALL" {
		return Result{}, Permanent(&ParamError{Action: "ec2.enable-flow-logs", Param: "traffic_type", Value: traffic, Err: fmt.Errorf("%w: want REJECT, ACCEPT or ALL", ErrParamType)})
	}
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"vpc_id": vpc, "created": []string{}}
	vpcs, err := cli.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	if IsNotFound(err, "InvalidVpcID.NotFound") || (err == nil && len(vpcs.Vpcs) == 0) {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("VPC %s does not exist in %s/%s", vpc, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("describe VPC %s: %w", vpc, err)
	}
	existing, err := vpcFlowLogs(ctx, cli, vpc)
	if err != nil {
		return Result{}, err
	}
	if f := coveringFlowLog(existing, traffic); f != nil {
		out["flow_log_id"] = aws.ToString(f.FlowLogId)
		msg := fmt.Sprintf("VPC %s already has flow log %s of %s traffic to %s", vpc, aws.ToString(f.FlowLogId), f.TrafficType, aws.ToString(f.LogDestination))
		if s := aws.ToString(f.DeliverLogsStatus); s == "FAILED" {
			msg += fmt.Sprintf(", whose delivery fails: %s", aws.ToString(f.DeliverLogsErrorMessage))
		}
		return Result{Outcome: AlreadyDone, Message: msg, Output: out}, nil
	}
	req := &ec2.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ec2types.FlowLogsResourceTypeVpc, TrafficType: ec2types.TrafficType(traffic),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcFlowLog, Tags: []ec2types.Tag{
			{Key: aws.String(ManagedTag), Value: aws.String("true")}, {Key: aws.String(PurposeTag), Value: aws.String("vpc-flow-logs")}}}}}
	var dest string
	switch destType {
	case "cloud-watch-logs":
		group, groupARN, err := flowLogsGroup(ctx, in, out)
		if err != nil {
			return Result{}, err
		}
		role, err := flowLogsRole(ctx, in, groupARN, out)
		if err != nil {
			return Result{}, err
		}
		req.LogDestinationType, req.LogGroupName, req.DeliverLogsPermissionArn = ec2types.LogDestinationTypeCloudWatchLogs, aws.String(group), aws.String(role)
		dest = "CloudWatch Logs log group " + group + " (delivered with role " + role + ")"
	case "s3":
		bucket := in.String("s3_bucket_arn")
		if !strings.HasPrefix(bucket, "arn:") || !strings.Contains(bucket, ":s3:::") {
			return Result{}, Permanent(&ParamError{Action: "ec2.enable-flow-logs", Param: "s3_bucket_arn", Value: bucket, Err: fmt.Errorf("%w: an S3 destination needs the bucket's ARN (arn:aws:s3:::BUCKET)", ErrParamType)})
		}
		req.LogDestinationType, req.LogDestination = ec2types.LogDestinationTypeS3, aws.String(bucket)
		dest = "S3 " + bucket
	default:
		return Result{}, Permanent(&ParamError{Action: "ec2.enable-flow-logs", Param: "destination_type", Value: destType, Err: fmt.Errorf("%w: want cloud-watch-logs or s3", ErrParamType)})
	}
	made, err := cli.CreateFlowLogs(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("create a flow log for VPC %s: %w", vpc, err)
	}
	if len(made.Unsuccessful) > 0 {
		u := made.Unsuccessful[0]
		if u.Error != nil && aws.ToString(u.Error.Code) == "FlowLogAlreadyExists" {
			return Result{}, RetryLater(fmt.Errorf("a flow log of VPC %s to %s appeared meanwhile", vpc, dest), 0)
		}
		msg := ""
		if u.Error != nil {
			msg = aws.ToString(u.Error.Code) + ": " + aws.ToString(u.Error.Message)
		}
		return Result{}, fmt.Errorf("create a flow log for VPC %s: %s", vpc, msg)
	}
	id := made.FlowLogIds[0]
	out["flow_log_id"] = id
	addCreated(out, ec2ARN(in, "vpc-flow-log/"+id))
	return Result{Outcome: Changed, Message: fmt.Sprintf("VPC %s now logs its %s traffic to %s (flow log %s)", vpc, traffic, dest, id), Output: out}, nil
}

func verifyFlowLogs(ctx context.Context, in Input, res Result) error {
	vpc := in.String("vpc_id")
	logs, err := vpcFlowLogs(ctx, ec2.NewFromConfig(in.AWS), vpc)
	if err != nil {
		return err
	}
	f := coveringFlowLog(logs, in.String("traffic_type"))
	if f == nil {
		return Mismatch("VPC %s has no active flow log of %s traffic", vpc, in.String("traffic_type"))
	}
	if aws.ToString(f.DeliverLogsStatus) == "FAILED" {
		return Mismatch("flow log %s of VPC %s cannot deliver: %s", aws.ToString(f.FlowLogId), vpc, aws.ToString(f.DeliverLogsErrorMessage))
	}
	return nil
}
