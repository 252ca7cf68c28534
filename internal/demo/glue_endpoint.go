package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/engine"
)

// glueEndpointScenario: a user of the member account creates a Glue
// development endpoint with no security configuration, security groups,
// subnet or SSH key. rectify's run waits, holding nothing, until the
// endpoint is READY, then deletes it.
func glueEndpointScenario() Scenario {
	const name = "analytics-notebook"
	return Scenario{
		Name: "CloudTrail: a Glue development endpoint created without safeguards",
		Stage: func(ctx context.Context, o *Org) ([]byte, string, error) {
			cfg, err := o.user(ctx, "carol")
			if err != nil {
				return nil, "", err
			}
			if _, err := glue.NewFromConfig(cfg).CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String(name),
				RoleArn: aws.String("arn:aws:iam::" + Member + ":role/glue-notebooks"), NumberOfNodes: 5}); err != nil {
				return nil, "", err
			}
			ev, err := o.trailEvent("CreateDevEndpoint", ":user/carol")
			if err != nil {
				return nil, "", err
			}
			st, err := endpointStatus(ctx, o, name)
			if err != nil {
				return nil, "", err
			}
			return ev, fmt.Sprintf("IAM user carol created Glue dev endpoint %s with no security configuration, no security groups, no subnet (public) and no SSH key; it is %s.", name, st), nil
		},
		Then: func(ctx context.Context, o *Org, a *app.App, _ *engine.Result) (string, error) {
			// Endpoints take minutes to provision; the simulated clock
			// moves on instead of the demo waiting.
			o.Sim.Advance(3 * time.Minute)
			st, err := endpointStatus(ctx, o, name)
			if err != nil {
				return "", err
			}
			n, err := a.Engine.Resume(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("3 minutes pass (simulated); endpoint %s is %s. rectify resumes the runs that are due (as serve does on its timer, even after a restart): %d resumed.", name, st, n), nil
		},
		After: func(ctx context.Context, o *Org) (string, error) {
			st, err := endpointStatus(ctx, o, name)
			if err != nil {
				return "", err
			}
			if st == "" {
				return fmt.Sprintf("Glue dev endpoint %s no longer exists.", name), nil
			}
			return fmt.Sprintf("Glue dev endpoint %s still exists (%s).", name, st), nil
		},
	}
}

// endpointStatus returns the status of a Glue dev endpoint of the member
// account, or "" if there is none.
func endpointStatus(ctx context.Context, o *Org, name string) (string, error) {
	out, err := glue.NewFromConfig(o.Sim.Config(Member)).GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String(name)})
	if action.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("dev endpoint %s: %w", name, err)
	}
	return aws.ToString(out.DevEndpoint.Status), nil
}
