package action

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// CloudWatch Logs actions.

// logRetentionDays are the retention periods CloudWatch Logs accepts, in
// increasing order.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func logsActions() []Spec {
	return []Spec{{
		Name: "logs.extend-retention",
		Description: "Make a CloudWatch Logs log group keep its events for at least min_days: a shorter retention is raised to the " +
			"shortest period CloudWatch Logs accepts that is at least min_days; a longer one, or none (never expire), is kept.",
		Params: []Param{
			{Name: "log_group", Type: String, Required: true, Description: "the log group's name or ARN"},
			{Name: "min_days", Type: Int, Default: 365, Description: "the least retention, in days"},
		},
		Reads:  []string{"logs:DescribeLogGroups"},
		Writes: []string{"logs:PutRetentionPolicy"},
		Describe: func(in Input) string {
			return fmt.Sprintf("make log group %s of account %s keep events for at least %d days", in.String("log_group"), in.Target.Account, in.Int("min_days"))
		},
		Run:    extendRetention,
		Verify: verifyRetention,
	}}
}

// retentionFor returns the shortest retention CloudWatch Logs accepts that
// is at least days, false if there is none.
func retentionFor(days int) (int, bool) {
	for _, d := range logRetentionDays {
		if d >= days {
			return d, true
		}
	}
	return 0, false
}

// logGroupRetention returns a log group's retention in days (0: never
// expire); found is false when it does not exist.
func logGroupRetention(ctx context.Context, cli *cloudwatchlogs.Client, name string) (days int, found bool, err error) {
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(cli, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, false, fmt.Errorf("look for log group %s: %w", name, err)
		}
		for _, g := range page.LogGroups {
			if aws.ToString(g.LogGroupName) == name {
				return int(aws.ToInt32(g.RetentionInDays)), true, nil
			}
		}
	}
	return 0, false, nil
}

func logsClient(in Input) (*cloudwatchlogs.Client, string) {
	name, region := logGroupName(in.String("log_group"))
	return cloudwatchlogs.NewFromConfig(inRegion(in.AWS, region)), name
}

func extendRetention(ctx context.Context, in Input) (Result, error) {
	minDays := in.Int("min_days")
	want, ok := retentionFor(minDays)
	if minDays < 1 || !ok {
		return Result{}, Permanent(&ParamError{Action: "logs.extend-retention", Param: "min_days", Value: minDays, Err: fmt.Errorf("%w: CloudWatch Logs keeps events 1 to 3653 days", ErrParamType)})
	}
	cli, name := logsClient(in)
	have, found, err := logGroupRetention(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{"log_group": name, "retention_days": have}
	switch {
	case !found:
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("log group %s does not exist", name)}, nil
	case have == 0:
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("log group %s keeps its events forever", name)}, nil
	case have >= minDays:
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("log group %s already keeps its events %d days", name, have)}, nil
	}
	_, err = cli.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(int32(want))})
	if IsNotFound(err, "ResourceNotFoundException") {
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("log group %s does not exist", name)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("set the retention of log group %s: %w", name, err)
	}
	out["retention_days"] = want
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("set the retention of log group %s from %d to %d days", name, have, want)}, nil
}

func verifyRetention(ctx context.Context, in Input, _ Result) error {
	cli, name := logsClient(in)
	have, found, err := logGroupRetention(ctx, cli, name)
	switch {
	case err != nil:
		return err
	case !found:
		return Mismatch("log group %s no longer exists", name)
	case have != 0 && have < in.Int("min_days"):
		return Mismatch("log group %s keeps its events %d days, fewer than %d", name, have, in.Int("min_days"))
	}
	return nil
}
