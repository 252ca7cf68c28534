package awssim_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestCodeBuildProjects(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := codebuild.NewFromConfig(sim.Config(""))
	env := &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"),
		ComputeType: cbtypes.ComputeTypeBuildGeneral1Small, PrivilegedMode: aws.Bool(true),
		EnvironmentVariables: []cbtypes.EnvironmentVariable{
			{Name: aws.String("AWS_SECRET_ACCESS_KEY"), Value: aws.String("s3cr3t-value"), Type: cbtypes.EnvironmentVariableTypePlaintext},
			{Name: aws.String("STAGE"), Value: aws.String("prod")}}}
	_, err := cli.CreateProject(ctx, &codebuild.CreateProjectInput{Name: aws.String("build"), Source: &cbtypes.ProjectSource{Type: cbtypes.SourceTypeGithub, Location: aws.String("https://github.com/o/r")},
		Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeNoArtifacts}, Environment: env, ServiceRole: aws.String("arn:aws:iam::123456789012:role/cb"),
		Tags: []cbtypes.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cli.CreateProject(ctx, &codebuild.CreateProjectInput{Name: aws.String("build"), Source: &cbtypes.ProjectSource{Type: cbtypes.SourceTypeNoSource},
		Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeNoArtifacts}, Environment: env, ServiceRole: aws.String("r")})
	wantCode(t, "a second project named build", err, "ResourceAlreadyExistsException")

	// UpdateProject replaces the environment as a whole.
	upd := *env
	upd.PrivilegedMode = aws.Bool(false)
	if _, err := cli.UpdateProject(ctx, &codebuild.UpdateProjectInput{Name: aws.String("build"), Environment: &upd}); err != nil {
		t.Fatal(err)
	}
	bad := upd
	bad.EnvironmentVariables = []cbtypes.EnvironmentVariable{{Name: aws.String("X"), Value: aws.String("y"), Type: "VAULT"}}
	_, err = cli.UpdateProject(ctx, &codebuild.UpdateProjectInput{Name: aws.String("build"), Environment: &bad})
	wantCode(t, "a variable of an unknown type", err, "InvalidInputException")
	_, err = cli.UpdateProject(ctx, &codebuild.UpdateProjectInput{Name: aws.String("nope"), Description: aws.String("x")})
	wantCode(t, "updating a missing project", err, "ResourceNotFoundException")

	out, err := cli.BatchGetProjects(ctx, &codebuild.BatchGetProjectsInput{Names: []string{"build", "missing"}})
	if err != nil || len(out.Projects) != 1 || len(out.ProjectsNotFound) != 1 {
		t.Fatalf("BatchGetProjects = %+v, %v", out, err)
	}
	p := out.Projects[0]
	if aws.ToBool(p.Environment.PrivilegedMode) || len(p.Environment.EnvironmentVariables) != 2 || aws.ToString(p.Source.Location) != "https://github.com/o/r" ||
		aws.ToInt32(p.TimeoutInMinutes) != 60 || aws.ToString(p.Arn) != "arn:aws:codebuild:us-east-1:"+awssim.DefaultAccount+":project/build" || aws.ToString(p.Tags[0].Value) != "ci" {
		t.Errorf("project = %+v", p)
	}
	// The activity log does not keep the variables' values.
	b, _ := json.Marshal(sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion))
	if strings.Contains(string(b), "s3cr3t-value") {
		t.Error("the activity log holds an environment variable's value")
	}
}

const stackTemplate = `
Parameters:
  Env: {Type: String}
  Size: {Type: String, Default: small}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Env}-queue"
`

func TestCloudFormationStacks(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := cloudformation.NewFromConfig(sim.Config(""))
	_, err := cli.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("app"), TemplateBody: aws.String(stackTemplate),
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Env"), ParameterValue: aws.String("prod")}}})
	wantCode(t, "a stack with IAM resources and no capability", err, "InsufficientCapabilitiesException")
	_, err = cli.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("app"), TemplateBody: aws.String(stackTemplate), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	wantCode(t, "a stack without a required parameter", err, "ValidationError")
	created, err := cli.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("app"), TemplateBody: aws.String(stackTemplate),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}, Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Env"), ParameterValue: aws.String("prod")},
			{ParameterKey: aws.String("Size"), ParameterValue: aws.String("large")}},
		NotificationARNs: []string{"arn:aws:sns:us-east-1:123456789012:ops"}})
	if err != nil {
		t.Fatal(err)
	}
	stack := func() cfntypes.Stack {
		t.Helper()
		out, err := cli.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: created.StackId})
		if err != nil {
			t.Fatal(err)
		}
		return out.Stacks[0]
	}
	if s := stack().StackStatus; s != cfntypes.StackStatusCreateInProgress {
		t.Fatalf("a new stack is %s", s)
	}
	_, err = cli.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("app"), UsePreviousTemplate: aws.Bool(true)})
	wantCode(t, "updating a stack being created", err, "ValidationError")
	sim.Advance(time.Minute)
	if s := stack().StackStatus; s != cfntypes.StackStatusCreateComplete {
		t.Fatalf("after a minute the stack is %s", s)
	}

	// An update that gives no parameters loses them: Size falls back to its
	// default and Env has none.
	_, err = cli.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("app"), UsePreviousTemplate: aws.Bool(true), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	if err == nil || !strings.Contains(err.Error(), "[Env] must have values") {
		t.Fatalf("an update without the previous values = %v", err)
	}
	prev := []cfntypes.Parameter{{ParameterKey: aws.String("Env"), UsePreviousValue: aws.Bool(true)}, {ParameterKey: aws.String("Size"), UsePreviousValue: aws.Bool(true)}}
	_, err = cli.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("app"), UsePreviousTemplate: aws.Bool(true), Parameters: prev})
	wantCode(t, "an update without the capabilities", err, "InsufficientCapabilitiesException")
	_, err = cli.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("app"), UsePreviousTemplate: aws.Bool(true), Parameters: prev, Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	wantCode(t, "an update that changes nothing", err, "ValidationError")
	if _, err := cli.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("app"), UsePreviousTemplate: aws.Bool(true), Parameters: prev,
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}, NotificationARNs: []string{"arn:aws:sns:us-east-1:123456789012:ops", "arn:aws:sns:us-east-1:123456789012:sec"}}); err != nil {
		t.Fatal(err)
	}
	s := stack()
	if s.StackStatus != cfntypes.StackStatusUpdateInProgress || len(s.NotificationARNs) != 2 || len(s.Parameters) != 2 || s.LastUpdatedTime == nil {
		t.Fatalf("after the update = %+v", s)
	}
	for _, p := range s.Parameters {
		if aws.ToString(p.ParameterKey) == "Size" && aws.ToString(p.ParameterValue) != "large" {
			t.Errorf("Size = %s, want the previous value large", aws.ToString(p.ParameterValue))
		}
	}
	sim.Advance(time.Minute)
	if st := stack().StackStatus; st != cfntypes.StackStatusUpdateComplete {
		t.Errorf("after a minute the update is %s", st)
	}
	_, err = cli.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("nope")})
	wantCode(t, "describing a missing stack", err, "ValidationError")
}
