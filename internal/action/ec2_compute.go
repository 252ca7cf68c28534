package action

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 instance hardening: require IMDSv2, terminate an instance stopped
// for too long.

func ec2ComputeActions() []Spec {
	return []Spec{
		{
			Name: "ec2.require-imdsv2",
			Description: "Make an EC2 instance's metadata service require session tokens (IMDSv2). Its hop limit, " +
				"and an endpoint that was turned off, are left as they are.",
			Params: []Param{instanceParam},
			Reads:  []string{"ec2:DescribeInstances"},
			Writes: []string{"ec2:ModifyInstanceMetadataOptions"},
			Describe: func(in Input) string {
				return fmt.Sprintf("require IMDSv2 session tokens on instance %s in %s/%s", in.String("instance_id"), in.Target.Account, in.Target.Region)
			},
			Run:    requireIMDSv2,
			Verify: verifyIMDSv2,
		},
		{
			Name: "ec2.terminate-stopped-instance",
			Description: "Terminate an EC2 instance that has been stopped for at least min_stopped_days. A running " +
				"instance, one stopped more recently, and one with termination protection are left alone; EBS volumes " +
				"marked DeleteOnTermination are deleted with the instance, and the message names them.",
			Params: []Param{
				instanceParam,
				{Name: "min_stopped_days", Type: Int, Default: 30, Description: "how many days the instance must have been stopped (the control's allowedDays); 0 terminates any stopped instance"},
			},
			Reads:  []string{"ec2:DescribeInstances", "ec2:DescribeInstanceAttribute"},
			Writes: []string{"ec2:TerminateInstances"},
			Describe: func(in Input) string {
				return fmt.Sprintf("terminate instance %s in %s/%s if it has been stopped for %d days or more and has no termination protection",
					in.String("instance_id"), in.Target.Account, in.Target.Region, in.Int("min_stopped_days"))
			},
			Run:    terminateStoppedInstance,
			Verify: verifyInstanceTerminated,
		},
	}
}

func requireIMDSv2(ctx context.Context, in Input) (Result, error) {
	id := in.String("instance_id")
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"instance_id": id}
	inst, err := describeInstance(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if inst == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("instance %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	m := inst.MetadataOptions
	if m != nil && m.HttpTokens == ec2types.HttpTokensStateRequired {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s already requires IMDSv2 session tokens", id), Output: out}, nil
	}
	_, err = cli.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(id), HttpTokens: ec2types.HttpTokensStateRequired})
	if IsNotFound(err, "InvalidInstanceID.NotFound") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("instance %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("require IMDSv2 on instance %s: %w", id, err)
	}
	msg := fmt.Sprintf("instance %s now requires IMDSv2 session tokens (HttpTokens optional → required)", id)
	if m != nil && m.HttpEndpoint == ec2types.InstanceMetadataEndpointStateDisabled {
		msg += "; its metadata endpoint stays turned off"
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyIMDSv2(ctx context.Context, in Input, _ Result) error {
	id := in.String("instance_id")
	inst, err := describeInstance(ctx, ec2.NewFromConfig(in.AWS), id)
	if err != nil || inst == nil {
		return err
	}
	if m := inst.MetadataOptions; m == nil || m.HttpTokens != ec2types.HttpTokensStateRequired {
		found := "unset"
		if m != nil {
			found = string(m.HttpTokens)
		}
		return Mismatch("instance %s has HttpTokens %s", id, found)
	}
	return nil
}

// stoppedAtRE reads the time from a stateTransitionReason such as "User
// initiated (2024-01-02 10:00:00 GMT)".
var stoppedAtRE = regexp.MustCompile(`\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)`)

// stoppedSince returns when a stopped instance stopped, from its state
// transition reason.
func stoppedSince(inst *ec2types.Instance) (time.Time, bool) {
	m := stoppedAtRE.FindStringSubmatch(aws.ToString(inst.StateTransitionReason))
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02 15:04:05", m[1])
	return t.UTC(), err == nil
}

func terminateStoppedInstance(ctx context.Context, in Input) (Result, error) {
	id := in.String("instance_id")
	minDays := in.Int("min_stopped_days")
	cli := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"instance_id": id}
	inst, err := describeInstance(ctx, cli, id)
	if err != nil {
		return Result{}, err
	}
	if inst == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("instance %s does not exist (or is already terminated) in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	state := ec2types.InstanceStateNameStopped
	if inst.State != nil {
		state = inst.State.Name
	}
	switch state {
	case ec2types.InstanceStateNameShuttingDown:
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s is already being terminated", id), Output: out}, nil
	case ec2types.InstanceStateNameStopped:
	default:
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s is %s, not stopped: left as it is", id, state), Output: out}, nil
	}
	if minDays > 0 {
		since, ok := stoppedSince(inst)
		if !ok {
			return Result{}, Permanent(fmt.Errorf("cannot tell how long instance %s has been stopped (state reason %q); set min_stopped_days to 0 to terminate it anyway",
				id, aws.ToString(inst.StateTransitionReason)))
		}
		days := int(in.Now.Sub(since).Hours() / 24)
		out["stopped_since"] = since.Format(time.RFC3339)
		if days < minDays {
			return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("instance %s has been stopped for %d day(s) since %s, fewer than %d: left as it is",
				id, days, since.Format("2006-01-02"), minDays), Output: out}, nil
		}
	}
	attr, err := cli.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: ec2types.InstanceAttributeNameDisableApiTermination})
	if err != nil {
		return Result{}, fmt.Errorf("read the termination protection of instance %s: %w", id, err)
	}
	if attr.DisableApiTermination != nil && aws.ToBool(attr.DisableApiTermination.Value) {
		return Result{}, Permanent(fmt.Errorf("instance %s has termination protection (disableApiTermination); rectify does not turn it off: turn it off first if the instance is to go", id))
	}
	var deleted, kept []string
	for _, bd := range inst.BlockDeviceMappings {
		if bd.Ebs == nil {
			continue
		}
		v := aws.ToString(bd.Ebs.VolumeId)
		if aws.ToBool(bd.Ebs.DeleteOnTermination) {
			deleted = append(deleted, v)
		} else {
			kept = append(kept, v)
		}
	}
	_, err = cli.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if IsNotFound(err, "InvalidInstanceID.NotFound") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("instance %s does not exist in %s/%s", id, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("terminate instance %s: %w", id, err)
	}
	out["deleted_volumes"], out["kept_volumes"] = deleted, kept
	msg := fmt.Sprintf("terminated stopped instance %s", id)
	if s, ok := out["stopped_since"].(string); ok {
		msg += " (stopped since " + s[:10] + ")"
	}
	if len(deleted) > 0 {
		msg += "; EBS volumes deleted with it: " + strings.Join(deleted, ", ")
	}
	if len(kept) > 0 {
		msg += "; EBS volumes kept: " + strings.Join(kept, ", ")
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyInstanceTerminated(ctx context.Context, in Input, _ Result) error {
	id := in.String("instance_id")
	out, err := ec2.NewFromConfig(in.AWS).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if IsNotFound(err, "InvalidInstanceID.NotFound") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe instance %s: %w", id, err)
	}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if s := i.State; s != nil && s.Name != ec2types.InstanceStateNameTerminated && s.Name != ec2types.InstanceStateNameShuttingDown {
				return Mismatch("instance %s is %s", id, s.Name)
			}
		}
	}
	return nil
}
