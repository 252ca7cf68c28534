package action

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS actions.

func ecsActions() []Spec {
	return []Spec{
		{
			Name: "ecs.readonly-root-filesystem",
			Description: "Register a new revision of an ECS task definition, a copy of the finding's revision (every " +
				"setting and tag kept) whose containers have read-only root filesystems. It works for a family's latest " +
				"active revision only, so that the copy never rolls a newer revision back. Services keep running the old " +
				"revision until they are deployed.",
			Params: []Param{
				{Name: "task_definition", Type: String, Required: true, Description: "the task definition's ARN or family:revision"},
				{Name: "deregister_old", Type: Bool, Default: false, Description: "deregister the finding's revision once the copy is registered (running tasks are not stopped)"},
			},
			Reads:  []string{"ecs:DescribeTaskDefinition"},
			Writes: []string{"ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"},
			// The copy passes its task and execution roles and carries tags.
			ExtraPermissions: []string{"iam:PassRole", "ecs:TagResource"},
			Describe: func(in Input) string {
				return fmt.Sprintf("register a copy of task definition %s in %s/%s with read-only root filesystems", in.String("task_definition"), in.Target.Account, in.Target.Region)
			},
			Run:    readonlyRootFilesystem,
			Verify: verifyReadonlyRootFilesystem,
		},
	}
}

// taskFamilyRevision splits a task definition reference (ARN or
// family:revision) into its family and revision, which may be any number.
func taskFamilyRevision(ref string) (string, int, error) {
	name := ref
	if i := strings.Index(ref, ":task-definition/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		name = ref[i+len(":task-definition/"):]
	}
	family, rev, ok := strings.Cut(name, ":")
	n, err := strconv.Atoi(rev)
	if !ok || family == "" || err != nil || n < 1 {
		return "", 0, Permanent(&ParamError{Action: "ecs.readonly-root-filesystem", Param: "task_definition", Value: ref,
			Err: fmt.Errorf("%w: want a task definition ARN or family:revision", ErrParamType)})
	}
	return family, n, nil
}

// describeTaskDef returns a task definition and its tags, or nil when it
// does not exist.
func describeTaskDef(ctx context.Context, cli *ecs.Client, ref string) (*ecstypes.TaskDefinition, []ecstypes.Tag, error) {
	out, err := cli.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if HasCode(err, "ClientException") && strings.Contains(err.Error(), "Unable to describe task definition") {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("describe task definition %s: %w", ref, err)
	}
	return out.TaskDefinition, out.Tags, nil
}

// writableContainers returns the containers whose root filesystem is not
// read-only.
func writableContainers(td *ecstypes.TaskDefinition) []string {
	var out []string
	for _, c := range td.ContainerDefinitions {
		if !aws.ToBool(c.ReadonlyRootFilesystem) {
			out = append(out, aws.ToString(c.Name))
		}
	}
	return out
}

func readonlyRootFilesystem(ctx context.Context, in Input) (Result, error) {
	family, rev, err := taskFamilyRevision(in.String("task_definition"))
	if err != nil {
		return Result{}, err
	}
	ref := family + ":" + strconv.Itoa(rev)
	cli := ecs.NewFromConfig(in.AWS)
	out := map[string]any{"task_definition": ref, "created": []string{}}
	td, tags, err := describeTaskDef(ctx, cli, ref)
	if err != nil {
		return Result{}, err
	}
	if td == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("task definition %s does not exist in %s/%s", ref, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	writable := writableContainers(td)
	if len(writable) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("every container of task definition %s has a read-only root filesystem", ref), Output: out}, nil
	}
	latest, _, err := describeTaskDef(ctx, cli, family)
	if err != nil {
		return Result{}, err
	}
	if latest != nil && latest.Revision > int32(rev) {
		latestRef := family + ":" + strconv.Itoa(int(latest.Revision))
		out["latest_revision"] = latestRef
		if len(writableContainers(latest)) == 0 {
			return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("task definition %s has been superseded by %s, whose containers all have read-only root filesystems", ref, latestRef), Output: out}, nil
		}
		return Result{}, Permanent(fmt.Errorf("task definition %s is not the latest active revision of %s (%s is): a copy of it would roll %s back; fix %s instead", ref, family, latestRef, latestRef, latestRef))
	}
	containers := make([]ecstypes.ContainerDefinition, len(td.ContainerDefinitions))
	for i, c := range td.ContainerDefinitions {
		c.ReadonlyRootFilesystem = aws.Bool(true)
		containers[i] = c
	}
	reg, err := cli.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: td.Family, TaskRoleArn: td.TaskRoleArn, ExecutionRoleArn: td.ExecutionRoleArn, NetworkMode: td.NetworkMode,
		ContainerDefinitions: containers, Volumes: td.Volumes, PlacementConstraints: td.PlacementConstraints,
		RequiresCompatibilities: td.RequiresCompatibilities, Cpu: td.Cpu, Memory: td.Memory, PidMode: td.PidMode, IpcMode: td.IpcMode,
		ProxyConfiguration: td.ProxyConfiguration, InferenceAccelerators: td.InferenceAccelerators, EphemeralStorage: td.EphemeralStorage,
		RuntimePlatform: td.RuntimePlatform, EnableFaultInjection: td.EnableFaultInjection, Tags: tags,
	})
	if err != nil {
		return Result{}, fmt.Errorf("register a copy of task definition %s with read-only root filesystems: %w", ref, err)
	}
	newARN := aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	newRef := family + ":" + strconv.Itoa(int(reg.TaskDefinition.Revision))
	out["new_task_definition"], out["new_task_definition_arn"], out["created"] = newRef, newARN, []string{newARN}
	msg := fmt.Sprintf("registered task definition %s, a copy of %s with read-only root filesystems for container(s) %s; services run %s until they are deployed with %s",
		newRef, ref, strings.Join(writable, ", "), ref, newRef)
	if in.Bool("deregister_old") {
		if _, err := cli.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(ref)}); err != nil {
			return Result{}, fmt.Errorf("deregister task definition %s: %w", ref, err)
		}
		msg += "; deregistered " + ref
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyReadonlyRootFilesystem(ctx context.Context, in Input, res Result) error {
	ref, _ := res.Output["new_task_definition"].(string)
	if ref == "" {
		return nil
	}
	cli := ecs.NewFromConfig(in.AWS)
	td, _, err := describeTaskDef(ctx, cli, ref)
	if err != nil {
		return err
	}
	if td == nil {
		return Mismatch("task definition %s does not exist", ref)
	}
	if w := writableContainers(td); len(w) > 0 {
		return Mismatch("container(s) %s of task definition %s have writable root filesystems", strings.Join(w, ", "), ref)
	}
	if td.Status != ecstypes.TaskDefinitionStatusActive {
		return Mismatch("task definition %s is %s", ref, td.Status)
	}
	return nil
}
