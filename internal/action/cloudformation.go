package action

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// CloudFormation actions.

// StackNotificationsTopic is the name of the SNS topic rectify creates for
// stack notifications when no topic is given.
const StackNotificationsTopic = "rectify-cloudformation-notifications"

func cloudformationActions() []Spec {
	return []Spec{
		{
			Name: "cloudformation.add-stack-notification-topic",
			Description: "Start an update of a CloudFormation stack that adds an SNS topic to its notification topics, " +
				"with its previous template, parameter values and capabilities, so that nothing else changes. A stack " +
				"that already notifies a topic needs nothing. Follow it with cloudformation.wait-for-stack.",
			Params: []Param{
				{Name: "stack", Type: String, Required: true, Description: "the stack's name or ID (ARN)"},
				{Name: "topic_arn", Type: String, Default: Create, Description: "the SNS topic; \"create\" makes (or reuses) " + StackNotificationsTopic + " in the stack's region"},
			},
			Reads:  []string{"cloudformation:DescribeStacks"},
			Writes: []string{"cloudformation:UpdateStack", "sns:CreateTopic"},
			// A topic is created with tags; an update runs as the stack's
			// service role, if it has one.
			ExtraPermissions: []string{"sns:TagResource", "iam:PassRole"},
			Describe: func(in Input) string {
				return fmt.Sprintf("update CloudFormation stack %s in %s/%s, with its previous template and parameters, to notify SNS topic %s",
					in.String("stack"), in.Target.Account, in.Target.Region, in.String("topic_arn"))
			},
			Run:    addStackNotificationTopic,
			Verify: verifyStackNotificationTopic,
		},
		{
			Name: "cloudformation.wait-for-stack",
			Description: "Wait, without holding a goroutine, until a CloudFormation stack's operation is over; fail if " +
				"it failed, or if the update started at started_at rolled back.",
			Params: []Param{
				{Name: "stack", Type: String, Required: true, Description: "the stack's name or ID (ARN)"},
				{Name: "started_at", Type: String, Default: "", Description: "when the update to wait for started (RFC 3339, such as the update_started_at output of cloudformation.add-stack-notification-topic); empty when no update was started, so that an earlier rollback is not taken for this one's"},
				{Name: "recheck_after", Type: Duration, Default: "30s", Description: "how long to wait between checks of the stack's status"},
			},
			Reads: []string{"cloudformation:DescribeStacks"},
			Describe: func(in Input) string {
				return fmt.Sprintf("wait until CloudFormation stack %s in %s/%s has finished its operation, checking every %s",
					in.String("stack"), in.Target.Account, in.Target.Region, in.Duration("recheck_after"))
			},
			Run: waitForStack,
		},
	}
}

func describeStack(ctx context.Context, cli *cloudformation.Client, ref string) (*cfntypes.Stack, error) {
	out, err := cli.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(ref)})
	if HasCode(err, "ValidationError") && strings.Contains(err.Error(), "does not exist") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe CloudFormation stack %s: %w", ref, err)
	}
	if len(out.Stacks) == 0 || out.Stacks[0].StackStatus == cfntypes.StackStatusDeleteComplete {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

// updatable reports whether a stack in status s may be updated now, and
// whether it may later.
func updatable(s cfntypes.StackStatus) (now, later bool) {
	switch s {
	case cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete, cfntypes.StackStatusUpdateRollbackComplete,
		cfntypes.StackStatusImportComplete, cfntypes.StackStatusImportRollbackComplete:
		return true, true
	}
	return false, strings.HasSuffix(string(s), "_IN_PROGRESS")
}

// stackTopic returns the topic to add: the one named, or rectify's own,
// made if need be.
func stackTopic(ctx context.Context, in Input) (arn string, created []string, err error) {
	if t := in.String("topic_arn"); t != Create {
		if !strings.HasPrefix(t, "arn:") || !strings.Contains(t, ":sns:") {
			return "", nil, Permanent(&ParamError{Action: "cloudformation.add-stack-notification-topic", Param: "topic_arn", Value: t, Err: fmt.Errorf("%w: want an SNS topic ARN or \"create\"", ErrParamType)})
		}
		return t, nil, nil
	}
	out, err := sns.NewFromConfig(in.AWS).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(StackNotificationsTopic),
		Tags: []snstypes.Tag{{Key: aws.String(ManagedTag), Value: aws.String("true")}, {Key: aws.String(PurposeTag), Value: aws.String("cloudformation-notifications")}}})
	if HasCode(err, "InvalidParameter") && strings.Contains(err.Error(), "different tags") {
		return "", nil, Permanent(fmt.Errorf("an SNS topic named %s exists that rectify did not make: set topic_arn to the topic stacks should notify", StackNotificationsTopic))
	}
	if err != nil {
		return "", nil, fmt.Errorf("create SNS topic %s: %w", StackNotificationsTopic, err)
	}
	// CreateTopic answers an existing topic's ARN too; it is reported as
	// rectify's in any case.
	return aws.ToString(out.TopicArn), []string{aws.ToString(out.TopicArn)}, nil
}

func addStackNotificationTopic(ctx context.Context, in Input) (Result, error) {
	ref := in.String("stack")
	cli := cloudformation.NewFromConfig(in.AWS)
	out := map[string]any{"stack": ref, "created": []string{}, "update_started_at": ""}
	st, err := describeStack(ctx, cli, ref)
	if err != nil {
		return Result{}, err
	}
	if st == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CloudFormation stack %s does not exist in %s/%s", ref, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	name := aws.ToString(st.StackName)
	out["stack_id"] = aws.ToString(st.StackId)
	if len(st.NotificationARNs) > 0 {
		out["topic_arn"] = st.NotificationARNs[0]
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("CloudFormation stack %s already notifies %s", name, strings.Join(st.NotificationARNs, ", ")), Output: out}, nil
	}
	switch now, later := updatable(st.StackStatus); {
	case !now && later:
		return Result{}, RetryLater(fmt.Errorf("CloudFormation stack %s is %s", name, st.StackStatus), time.Minute)
	case !now:
		return Result{}, Permanent(fmt.Errorf("CloudFormation stack %s is %s and cannot be updated", name, st.StackStatus))
	}
	topic, created, err := stackTopic(ctx, in)
	if err != nil {
		return Result{}, err
	}
	out["topic_arn"], out["created"] = topic, created
	params := make([]cfntypes.Parameter, len(st.Parameters))
	for i, p := range st.Parameters {
		params[i] = cfntypes.Parameter{ParameterKey: p.ParameterKey, UsePreviousValue: aws.Bool(true)}
	}
	_, err = cli.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: st.StackId, UsePreviousTemplate: aws.Bool(true), Parameters: params,
		Capabilities: st.Capabilities, NotificationARNs: []string{topic}})
	switch {
	case HasCode(err, "ValidationError") && strings.Contains(err.Error(), "IN_PROGRESS"):
		return Result{}, RetryLater(fmt.Errorf("update CloudFormation stack %s: %w", name, err), time.Minute)
	case HasCode(err, "InsufficientCapabilitiesException"):
		return Result{}, Permanent(fmt.Errorf("update CloudFormation stack %s with its own capabilities: %w", name, err))
	case err != nil:
		return Result{}, fmt.Errorf("update CloudFormation stack %s: %w", name, err)
	}
	out["update_started_at"] = in.Now.UTC().Format(time.RFC3339)
	return Result{Outcome: Changed, Message: fmt.Sprintf("started an update of CloudFormation stack %s that adds notification topic %s, with its previous template, parameter values and capabilities", name, topic), Output: out}, nil
}

func verifyStackNotificationTopic(ctx context.Context, in Input, res Result) error {
	ref := in.String("stack")
	st, err := describeStack(ctx, cloudformation.NewFromConfig(in.AWS), ref)
	if err != nil || st == nil {
		return err
	}
	topic, _ := res.Output["topic_arn"].(string)
	if len(st.NotificationARNs) == 0 || (topic != "" && !slices.Contains(st.NotificationARNs, topic)) {
		return Mismatch("CloudFormation stack %s notifies %v", aws.ToString(st.StackName), st.NotificationARNs)
	}
	if s := string(st.StackStatus); strings.Contains(s, "ROLLBACK") || strings.HasSuffix(s, "_FAILED") {
		return Mismatch("CloudFormation stack %s is %s", aws.ToString(st.StackName), s)
	}
	return nil
}

func waitForStack(ctx context.Context, in Input) (Result, error) {
	ref := in.String("stack")
	st, err := describeStack(ctx, cloudformation.NewFromConfig(in.AWS), ref)
	if err != nil {
		return Result{}, err
	}
	if st == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CloudFormation stack %s does not exist in %s/%s", ref, in.Target.Account, in.Target.Region)}, nil
	}
	name, status := aws.ToString(st.StackName), string(st.StackStatus)
	out := map[string]any{"status": status}
	switch {
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		wait := in.Duration("recheck_after")
		if wait <= 0 {
			wait = 30 * time.Second
		}
		return Result{Outcome: Pending, RecheckAfter: wait, Message: fmt.Sprintf("CloudFormation stack %s is %s", name, status), Output: out}, nil
	case strings.HasSuffix(status, "_FAILED") || status == string(cfntypes.StackStatusRollbackComplete):
		return Result{}, Permanent(fmt.Errorf("CloudFormation stack %s is %s: %s", name, status, aws.ToString(st.StackStatusReason)))
	case status == string(cfntypes.StackStatusUpdateRollbackComplete):
		if started := in.String("started_at"); started != "" {
			at, err := time.Parse(time.RFC3339, started)
			if err != nil {
				return Result{}, Permanent(&ParamError{Action: "cloudformation.wait-for-stack", Param: "started_at", Value: started, Err: fmt.Errorf("%w: want an RFC 3339 time", ErrParamType)})
			}
			if st.LastUpdatedTime != nil && !st.LastUpdatedTime.Before(at.Add(-time.Minute)) {
				return Result{}, Permanent(fmt.Errorf("the update of CloudFormation stack %s rolled back (%s): %s", name, status, aws.ToString(st.StackStatusReason)))
			}
		}
	}
	return Result{Outcome: NoOp, Message: fmt.Sprintf("CloudFormation stack %s is %s", name, status), Output: out}, nil
}
