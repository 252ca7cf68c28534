package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
)

// CodeBuild actions.

func codebuildActions() []Spec {
	return []Spec{
		{
			Name:        "codebuild.disable-privileged-mode",
			Description: "Turn off privileged mode (the Docker daemon) in a CodeBuild project's build environment, keeping every other setting of the environment.",
			Params: []Param{
				{Name: "project", Type: String, Required: true, Description: "the project's name or ARN"},
			},
			Reads:  []string{"codebuild:BatchGetProjects"},
			Writes: []string{"codebuild:UpdateProject"},
			Describe: func(in Input) string {
				return fmt.Sprintf("turn off privileged mode in CodeBuild project %s in %s/%s", projectName(in.String("project")), in.Target.Account, in.Target.Region)
			},
			Run:    disablePrivilegedMode,
			Verify: verifyPrivilegedMode,
		},
	}
}

func projectName(ref string) string {
	if i := strings.Index(ref, ":project/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		return ref[i+len(":project/"):]
	}
	return ref
}

func getProject(ctx context.Context, cli *codebuild.Client, name string) (*cbtypes.Project, error) {
	out, err := cli.BatchGetProjects(ctx, &codebuild.BatchGetProjectsInput{Names: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("get CodeBuild project %s: %w", name, err)
	}
	for i, p := range out.Projects {
		if aws.ToString(p.Name) == name {
			return &out.Projects[i], nil
		}
	}
	return nil, nil
}

func disablePrivilegedMode(ctx context.Context, in Input) (Result, error) {
	name := projectName(in.String("project"))
	cli := codebuild.NewFromConfig(in.AWS)
	out := map[string]any{"project": name}
	p, err := getProject(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if p == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CodeBuild project %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if p.Environment == nil || !aws.ToBool(p.Environment.PrivilegedMode) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("CodeBuild project %s does not run in privileged mode", name), Output: out}, nil
	}
	env := *p.Environment
	env.PrivilegedMode = aws.Bool(false)
	_, err = cli.UpdateProject(ctx, &codebuild.UpdateProjectInput{Name: aws.String(name), Environment: &env})
	if IsNotFound(err, "ResourceNotFoundException") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CodeBuild project %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("turn off privileged mode in CodeBuild project %s: %w", name, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("CodeBuild project %s no longer runs in privileged mode (privilegedMode true → false); builds that need a Docker daemon will fail", name), Output: out}, nil
}

func verifyPrivilegedMode(ctx context.Context, in Input, _ Result) error {
	name := projectName(in.String("project"))
	p, err := getProject(ctx, codebuild.NewFromConfig(in.AWS), name)
	if err != nil || p == nil {
		return err
	}
	if p.Environment != nil && aws.ToBool(p.Environment.PrivilegedMode) {
		return Mismatch("CodeBuild project %s runs in privileged mode", name)
	}
	return nil
}
