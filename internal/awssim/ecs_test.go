package awssim_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestECSTaskDefinitionRevisions(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ecs.NewFromConfig(sim.Config(""))
	role := "arn:aws:iam::" + awssim.DefaultAccount + ":role/task"
	for i := 1; i <= 12; i++ {
		out, err := cli.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("api"), TaskRoleArn: aws.String(role),
			NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{
				{Name: aws.String("app"), Image: aws.String(fmt.Sprintf("app:%d", i)), Essential: aws.Bool(true),
					Environment:  []ecstypes.KeyValuePair{{Name: aws.String("MODE"), Value: aws.String("prod")}},
					PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}}},
				{Name: aws.String("sidecar"), Image: aws.String("envoy"), ReadonlyRootFilesystem: aws.Bool(true)}},
			Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("api")}}})
		if err != nil {
			t.Fatal(err)
		}
		if out.TaskDefinition.Revision != int32(i) {
			t.Fatalf("revision %d registered as %d", i, out.TaskDefinition.Revision)
		}
	}
	arn := "arn:aws:ecs:us-east-1:" + awssim.DefaultAccount + ":task-definition/api:12"
	for _, ref := range []string{"api", "api:12", arn} {
		out, err := cli.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
		if err != nil {
			t.Fatalf("DescribeTaskDefinition %s: %v", ref, err)
		}
		td := out.TaskDefinition
		app := td.ContainerDefinitions[0]
		if aws.ToString(td.TaskDefinitionArn) != arn || td.Revision != 12 || aws.ToString(app.Image) != "app:12" || aws.ToString(app.Environment[0].Value) != "prod" ||
			aws.ToInt32(app.PortMappings[0].ContainerPort) != 8080 || aws.ToString(td.TaskRoleArn) != role || td.Status != ecstypes.TaskDefinitionStatusActive ||
			len(td.Compatibilities) != 2 || len(out.Tags) != 1 || !aws.ToBool(td.ContainerDefinitions[1].ReadonlyRootFilesystem) || app.ReadonlyRootFilesystem != nil {
			t.Errorf("DescribeTaskDefinition %s = %+v", ref, td)
		}
	}
	if _, err := cli.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api:12")}); err != nil {
		t.Fatal(err)
	}
	out, err := cli.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api")})
	if err != nil || out.TaskDefinition.Revision != 11 {
		t.Fatalf("the family's latest active revision after deregistering 12 = %+v, %v", out, err)
	}
	_, err = cli.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api:13")})
	wantCode(t, "a missing revision", err, "ClientException")
	_, err = cli.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("api"), ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("x")}}})
	wantCode(t, "a container without an image", err, "ClientException")

	var arns []string
	p := ecs.NewListTaskDefinitionsPaginator(cli, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api"), MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, page.TaskDefinitionArns...)
	}
	if len(arns) != 11 {
		t.Errorf("listed %d active revisions, want 11", len(arns))
	}
}

func TestECRRepositoriesAndScanning(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ecr.NewFromConfig(sim.Config(""))
	for _, name := range []string{"team/api", "team/web", "base"} {
		if _, err := cli.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name), ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := cli.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("base")})
	wantCode(t, "a second repository base", err, "RepositoryAlreadyExistsException")
	if _, err := cli.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{RepositoryName: aws.String("team/api"),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true}}); err != nil {
		t.Fatal(err)
	}
	out, err := cli.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/api", "team/web"}})
	if err != nil || len(out.Repositories) != 2 || !out.Repositories[0].ImageScanningConfiguration.ScanOnPush || out.Repositories[1].ImageScanningConfiguration.ScanOnPush ||
		out.Repositories[0].ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable || aws.ToString(out.Repositories[0].RepositoryArn) != "arn:aws:ecr:us-east-1:"+awssim.DefaultAccount+":repository/team/api" {
		t.Fatalf("DescribeRepositories = %+v, %v", out, err)
	}
	_, err = cli.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{RepositoryName: aws.String("nope"),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true}})
	wantCode(t, "scanning a missing repository", err, "RepositoryNotFoundException")
	n := 0
	p := ecr.NewDescribeRepositoriesPaginator(cli, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Repositories)
	}
	if n != 3 {
		t.Errorf("paged %d repositories, want 3", n)
	}
	reg, err := cli.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil || reg.ScanningConfiguration.ScanType != ecrtypes.ScanTypeBasic {
		t.Fatalf("GetRegistryScanningConfiguration = %+v, %v", reg, err)
	}
}
