package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ECR actions.

func ecrActions() []Spec {
	return []Spec{
		{
			Name:        "ecr.enable-scan-on-push",
			Description: "Make a private ECR repository scan every image pushed to it. Its other settings are not changed.",
			Params: []Param{
				{Name: "repository", Type: String, Required: true, Description: "the repository's name or ARN"},
			},
			Reads:  []string{"ecr:DescribeRepositories"},
			Writes: []string{"ecr:PutImageScanningConfiguration"},
			Describe: func(in Input) string {
				return fmt.Sprintf("turn on scan on push for ECR repository %s in %s/%s", repositoryName(in.String("repository")), in.Target.Account, in.Target.Region)
			},
			Run:    enableScanOnPush,
			Verify: verifyScanOnPush,
		},
	}
}

// repositoryName returns the name of a repository named by name or ARN
// (arn:aws:ecr:REGION:ACCOUNT:repository/NAME, where NAME may hold slashes).
func repositoryName(ref string) string {
	if i := strings.Index(ref, ":repository/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		return ref[i+len(":repository/"):]
	}
	return ref
}

func describeRepository(ctx context.Context, cli *ecr.Client, name string) (*ecrtypes.Repository, error) {
	out, err := cli.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	if IsNotFound(err, "RepositoryNotFoundException") || (err == nil && len(out.Repositories) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe ECR repository %s: %w", name, err)
	}
	return &out.Repositories[0], nil
}

func scansOnPush(r *ecrtypes.Repository) bool {
	return r.ImageScanningConfiguration != nil && r.ImageScanningConfiguration.ScanOnPush
}

func enableScanOnPush(ctx context.Context, in Input) (Result, error) {
	name := repositoryName(in.String("repository"))
	cli := ecr.NewFromConfig(in.AWS)
	out := map[string]any{"repository": name}
	r, err := describeRepository(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if r == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("ECR repository %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if scansOnPush(r) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("ECR repository %s already scans images on push", name), Output: out}, nil
	}
	_, err = cli.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{RepositoryName: aws.String(name),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true}})
	if IsNotFound(err, "RepositoryNotFoundException") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("ECR repository %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("turn on scan on push for ECR repository %s: %w", name, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("ECR repository %s now scans images on push (scanOnPush false → true)", name), Output: out}, nil
}

func verifyScanOnPush(ctx context.Context, in Input, _ Result) error {
	name := repositoryName(in.String("repository"))
	r, err := describeRepository(ctx, ecr.NewFromConfig(in.AWS), name)
	if err != nil || r == nil {
		return err
	}
	if !scansOnPush(r) {
		return Mismatch("ECR repository %s does not scan images on push", name)
	}
	return nil
}
