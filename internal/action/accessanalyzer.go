package action

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
)

// IAM Access Analyzer actions.

func accessAnalyzerActions() []Spec {
	return []Spec{{
		Name:        "accessanalyzer.archive-finding",
		Description: "Archive an IAM Access Analyzer finding, marking the access it reports as intended.",
		Params: []Param{
			{Name: "analyzer_arn", Type: String, Required: true, Description: "the ARN of the analyzer that reported the finding"},
			{Name: "finding_id", Type: String, Required: true, Description: "the finding's ID"},
		},
		Reads: []string{"access-analyzer:GetFinding"}, Writes: []string{"access-analyzer:UpdateFindings"},
		Describe: func(in Input) string {
			return fmt.Sprintf("archive Access Analyzer finding %s of analyzer %s", in.String("finding_id"), in.String("analyzer_arn"))
		},
		Run:    archiveFinding,
		Verify: verifyFindingArchived,
	}}
}

func archiveFinding(ctx context.Context, in Input) (Result, error) {
	analyzer, id := in.String("analyzer_arn"), in.String("finding_id")
	cli := accessanalyzer.NewFromConfig(in.AWS)
	f, err := cli.GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: aws.String(analyzer), Id: aws.String(id)})
	if IsNotFound(err, "ResourceNotFoundException") {
		return findingNotFound(analyzer, id), nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("get finding %s of %s: %w", id, analyzer, err)
	}
	if st := f.Finding.Status; st != aatypes.FindingStatusActive {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("finding %s is already %s", id, st),
			Output: map[string]any{"status": string(st)}}, nil
	}
	_, err = cli.UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: aws.String(analyzer), Ids: []string{id},
		Status: aatypes.FindingStatusUpdateArchived})
	if IsNotFound(err, "ResourceNotFoundException") {
		return findingNotFound(analyzer, id), nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("archive finding %s of %s: %w", id, analyzer, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("finding %s archived", id), Output: map[string]any{"status": "ARCHIVED"}}, nil
}

func findingNotFound(analyzer, id string) Result {
	return Result{Outcome: NotFound, Message: fmt.Sprintf("Access Analyzer finding %s does not exist in analyzer %s", id, analyzer)}
}

func verifyFindingArchived(ctx context.Context, in Input, _ Result) error {
	analyzer, id := in.String("analyzer_arn"), in.String("finding_id")
	f, err := accessanalyzer.NewFromConfig(in.AWS).GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: aws.String(analyzer), Id: aws.String(id)})
	if IsNotFound(err, "ResourceNotFoundException") {
		return Mismatch("Access Analyzer finding %s no longer exists in analyzer %s", id, analyzer)
	}
	if err != nil {
		return fmt.Errorf("get finding %s of %s: %w", id, analyzer, err)
	}
	// A finding whose access was removed since is RESOLVED: that holds too.
	if st := f.Finding.Status; st != aatypes.FindingStatusArchived && st != aatypes.FindingStatusResolved {
		return Mismatch("Access Analyzer finding %s is %s, not ARCHIVED", id, st)
	}
	return nil
}
