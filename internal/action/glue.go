package action

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
)

// Glue actions.

var devEndpointParam = Param{Name: "endpoint_name", Type: String, Required: true, Description: "the Glue development endpoint's name"}

func glueActions() []Spec {
	return []Spec{
		{
			Name: "glue.wait-dev-endpoint-ready",
			Description: "Wait, without holding a goroutine, until a Glue development endpoint is no longer " +
				"PROVISIONING; fail if it is FAILED.",
			Params: []Param{
				devEndpointParam,
				{Name: "recheck_after", Type: Duration, Default: "30s", Description: "how long to wait between checks of the endpoint's status"},
			},
			Reads: []string{"glue:GetDevEndpoint"},
			Describe: func(in Input) string {
				return fmt.Sprintf("wait until Glue dev endpoint %s in %s/%s is READY, checking every %s",
					in.String("endpoint_name"), in.Target.Account, in.Target.Region, in.Duration("recheck_after"))
			},
			Run: waitDevEndpointReady,
		},
		{
			Name:        "glue.delete-dev-endpoint",
			Description: "Delete a Glue development endpoint.",
			Params:      []Param{devEndpointParam},
			Reads:       []string{"glue:GetDevEndpoint"},
			Writes:      []string{"glue:DeleteDevEndpoint"},
			Describe: func(in Input) string {
				return fmt.Sprintf("delete Glue dev endpoint %s in %s/%s", in.String("endpoint_name"), in.Target.Account, in.Target.Region)
			},
			Run:    deleteDevEndpoint,
			Verify: verifyDevEndpointDeleted,
		},
	}
}

// The statuses of a Glue development endpoint.
const (
	glueProvisioning = "PROVISIONING"
	glueFailed       = "FAILED"
	glueDeleting     = "DELETING"
)

func waitDevEndpointReady(ctx context.Context, in Input) (Result, error) {
	name := in.String("endpoint_name")
	out, err := glue.NewFromConfig(in.AWS).GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String(name)})
	if IsNotFound(err, "EntityNotFoundException") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("Glue dev endpoint %s does not exist", name),
			Output: map[string]any{"status": "DELETED"}}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("get Glue dev endpoint %s: %w", name, err)
	}
	ep := out.DevEndpoint
	status := aws.ToString(ep.Status)
	switch status {
	case glueProvisioning:
		wait := in.Duration("recheck_after")
		if wait <= 0 {
			wait = 30 * time.Second
		}
		return Result{Outcome: Pending, RecheckAfter: wait, Message: fmt.Sprintf("Glue dev endpoint %s is %s", name, status),
			Output: map[string]any{"status": status}}, nil
	case glueFailed:
		return Result{}, fmt.Errorf("Glue dev endpoint %s is FAILED: %s", name, aws.ToString(ep.FailureReason))
	}
	output := map[string]any{
		"status":                 status,
		"role_arn":               aws.ToString(ep.RoleArn),
		"security_configuration": aws.ToString(ep.SecurityConfiguration),
		"subnet_id":              aws.ToString(ep.SubnetId),
		"security_group_ids":     append([]string{}, ep.SecurityGroupIds...),
	}
	if a := aws.ToString(ep.PublicAddress); a != "" {
		output["public_address"] = a
	}
	// READY, or any other status past provisioning (such as UPDATING):
	// the wait is over.
	return Result{Outcome: NoOp, Message: fmt.Sprintf("Glue dev endpoint %s is %s", name, status), Output: output}, nil
}

func deleteDevEndpoint(ctx context.Context, in Input) (Result, error) {
	name := in.String("endpoint_name")
	cli := glue.NewFromConfig(in.AWS)
	gone := Result{Outcome: NotFound, Message: fmt.Sprintf("Glue dev endpoint %s does not exist", name)}
	if _, err := cli.GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String(name)}); IsNotFound(err, "EntityNotFoundException") {
		return gone, nil
	} else if err != nil {
		return Result{}, fmt.Errorf("get Glue dev endpoint %s: %w", name, err)
	}
	_, err := cli.DeleteDevEndpoint(ctx, &glue.DeleteDevEndpointInput{EndpointName: aws.String(name)})
	if IsNotFound(err, "EntityNotFoundException") {
		return gone, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("delete Glue dev endpoint %s: %w", name, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("Glue dev endpoint %s deleted", name)}, nil
}

// verifyDevEndpointDeleted checks that the endpoint is gone or being
// deleted (Glue deletes endpoints in the background).
func verifyDevEndpointDeleted(ctx context.Context, in Input, _ Result) error {
	name := in.String("endpoint_name")
	out, err := glue.NewFromConfig(in.AWS).GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String(name)})
	if IsNotFound(err, "EntityNotFoundException") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get Glue dev endpoint %s: %w", name, err)
	}
	if st := aws.ToString(out.DevEndpoint.Status); st != glueDeleting {
		return Mismatch("Glue dev endpoint %s still exists (%s)", name, st)
	}
	return nil
}
