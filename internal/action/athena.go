package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// Athena actions.

func athenaActions() []Spec {
	return []Spec{
		{
			Name:        "athena.enable-workgroup-metrics",
			Description: "Make an Athena workgroup publish its query metrics to CloudWatch. The workgroup's other settings are kept.",
			Params: []Param{
				{Name: "workgroup", Type: String, Required: true, Description: "the workgroup's name or ARN"},
			},
			Reads:  []string{"athena:GetWorkGroup"},
			Writes: []string{"athena:UpdateWorkGroup"},
			Describe: func(in Input) string {
				return fmt.Sprintf("make Athena workgroup %s in %s/%s publish CloudWatch metrics", workgroupName(in.String("workgroup")), in.Target.Account, in.Target.Region)
			},
			Run:    enableWorkgroupMetrics,
			Verify: verifyWorkgroupMetrics,
		},
	}
}

func workgroupName(ref string) string {
	if i := strings.Index(ref, ":workgroup/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		return ref[i+len(":workgroup/"):]
	}
	return ref
}

func getWorkgroup(ctx context.Context, cli *athena.Client, name string) (*athenatypes.WorkGroup, error) {
	out, err := cli.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String(name)})
	if HasCode(err, "InvalidRequestException") && strings.Contains(err.Error(), "not found") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get Athena workgroup %s: %w", name, err)
	}
	return out.WorkGroup, nil
}

func publishesMetrics(g *athenatypes.WorkGroup) bool {
	return g.Configuration != nil && aws.ToBool(g.Configuration.PublishCloudWatchMetricsEnabled)
}

func enableWorkgroupMetrics(ctx context.Context, in Input) (Result, error) {
	name := workgroupName(in.String("workgroup"))
	cli := athena.NewFromConfig(in.AWS)
	out := map[string]any{"workgroup": name}
	g, err := getWorkgroup(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if g == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("Athena workgroup %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if publishesMetrics(g) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("Athena workgroup %s already publishes CloudWatch metrics", name), Output: out}, nil
	}
	_, err = cli.UpdateWorkGroup(ctx, &athena.UpdateWorkGroupInput{WorkGroup: aws.String(name),
		ConfigurationUpdates: &athenatypes.WorkGroupConfigurationUpdates{PublishCloudWatchMetricsEnabled: aws.Bool(true)}})
	if err != nil {
		return Result{}, fmt.Errorf("turn on CloudWatch metrics of Athena workgroup %s: %w", name, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("Athena workgroup %s now publishes CloudWatch metrics (PublishCloudWatchMetricsEnabled false → true)", name), Output: out}, nil
}

func verifyWorkgroupMetrics(ctx context.Context, in Input, _ Result) error {
	name := workgroupName(in.String("workgroup"))
	g, err := getWorkgroup(ctx, athena.NewFromConfig(in.AWS), name)
	if err != nil || g == nil {
		return err
	}
	if !publishesMetrics(g) {
		return Mismatch("Athena workgroup %s does not publish CloudWatch metrics", name)
	}
	return nil
}
