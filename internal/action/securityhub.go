package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// Security Hub actions.

// MaxFindingNoteLen is the longest note text, in bytes, that
// securityhub.update-finding sends. Security Hub accepts notes of at most
// 512 characters; a byte bound keeps every note within it whatever its
// characters.
const MaxFindingNoteLen = 512

// The values of the in_account parameter of securityhub.update-finding.
const (
	// InTargetAccount updates the finding in the target's own account,
	// with the role rectify assumes there.
	InTargetAccount = "target"
	// InCentralAccount updates the finding in rectify's own account, the
	// Security Hub administrator (aggregator) of an organization, with
	// rectify's own credentials.
	InCentralAccount = "central"
)

func securityHubActions() []Spec {
	return []Spec{
		{
			Name: "securityhub.update-finding",
			Description: "Set the workflow status of the run's Security Hub finding (RESOLVED by default) and add a note, " +
				"in the Security Hub of the target's account or of rectify's own (administrator) account.",
			Params: []Param{
				{Name: "workflow_status", Type: String, Default: "RESOLVED", Description: "the new workflow status: NEW, NOTIFIED, RESOLVED or SUPPRESSED"},
				{Name: "note", Type: String, Default: "", Description: "the note's text; cut to 512 bytes; empty leaves the note as it is"},
				{Name: "updated_by", Type: String, Default: "rectify", Description: "who the note is from"},
				{Name: "in_account", Type: String, Default: InTargetAccount,
					Description: "whose Security Hub holds the finding: \"target\" (the finding's account, through the assumed role) or \"central\" (rectify's own account, the organization's Security Hub administrator)"},
			},
			Reads: []string{"securityhub:GetFindings"}, Writes: []string{"securityhub:BatchUpdateFindings"},
			Describe: func(in Input) string {
				where := in.Target.Account + "/" + in.Target.Region
				if in.String("in_account") == InCentralAccount {
					where = "rectify's own account (" + in.Target.Region + ")"
				}
				s := fmt.Sprintf("set Security Hub finding %s in %s to workflow status %s", in.Target.FindingID, where, in.String("workflow_status"))
				if note := in.String("note"); note != "" {
					s += fmt.Sprintf(" with the note %q", truncateNote(note))
				}
				return s
			},
			Run: updateFinding,
		},
	}
}

// truncateNote cuts s to at most MaxFindingNoteLen bytes on a character
// boundary, ending a cut note with "...".
func truncateNote(s string) string {
	if len(s) <= MaxFindingNoteLen {
		return s
	}
	const ellipsis = "..."
	cut := MaxFindingNoteLen - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// findingConfig returns the SDK configuration for the Security Hub that
// in_account names.
func findingConfig(ctx context.Context, in Input) (aws.Config, error) {
	switch where := in.String("in_account"); where {
	case InTargetAccount, "":
		return in.AWS, nil
	case InCentralAccount:
		if in.Home == nil {
			return aws.Config{}, errors.New("rectify's own account is not available to this run")
		}
		cfg, err := in.Home(ctx)
		if err != nil {
			return aws.Config{}, fmt.Errorf("rectify's own account: %w", err)
		}
		return cfg, nil
	default:
		return aws.Config{}, &ParamError{Action: "securityhub.update-finding", Param: "in_account", Value: where,
			Err: fmt.Errorf("%w: want %q or %q", ErrParamType, InTargetAccount, InCentralAccount)}
	}
}

func updateFinding(ctx context.Context, in Input) (Result, error) {
	id, product := in.Target.FindingID, in.Target.ProductARN
	if id == "" || product == "" {
		return Result{}, fmt.Errorf("target %s %s has no Security Hub finding: the run's event is not a Security Hub finding", in.Target.Type, in.Target.ID)
	}
	status := shtypes.WorkflowStatus(in.String("workflow_status"))
	if !isWorkflowStatus(status) {
		return Result{}, &ParamError{Action: "securityhub.update-finding", Param: "workflow_status", Value: string(status),
			Err: fmt.Errorf("%w: want NEW, NOTIFIED, RESOLVED or SUPPRESSED", ErrParamType)}
	}
	note, by := truncateNote(in.String("note")), in.String("updated_by")
	if note != "" && by == "" {
		return Result{}, &ParamError{Action: "securityhub.update-finding", Param: "updated_by", Value: by, Err: fmt.Errorf("%w: a note needs an author", ErrParamType)}
	}
	cfg, err := findingConfig(ctx, in)
	if err != nil {
		return Result{}, err
	}
	cli := securityhub.NewFromConfig(cfg)
	output := map[string]any{"finding_id": id, "product_arn": product, "workflow_status": string(status), "note": note,
		"in_account": in.String("in_account"), "previous_status": ""}

	out, err := cli.GetFindings(ctx, &securityhub.GetFindingsInput{
		Filters: &shtypes.AwsSecurityFindingFilters{
			Id:         []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(id)}},
			ProductArn: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(product)}},
		},
		MaxResults: aws.Int32(1),
	})
	if err != nil {
		return Result{}, fmt.Errorf("read Security Hub finding %s: %w", id, err)
	}
	if len(out.Findings) == 0 {
		return Result{}, fmt.Errorf("finding %s (product %s) is not in the Security Hub of the %s account in %s", id, product, accountWord(in), cfg.Region)
	}
	f := out.Findings[0]
	var current shtypes.WorkflowStatus
	if f.Workflow != nil {
		current = f.Workflow.Status
	}
	output["previous_status"] = string(current)
	currentNote := ""
	if f.Note != nil {
		currentNote = aws.ToString(f.Note.Text)
	}
	if current == status && (note == "" || note == currentNote) {
		msg := fmt.Sprintf("Security Hub finding %s is already %s", id, status)
		if note != "" {
			msg += " with the same note"
		}
		return Result{Outcome: AlreadyDone, Output: output, Message: msg}, nil
	}

	upd := &securityhub.BatchUpdateFindingsInput{
		FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: aws.String(id), ProductArn: aws.String(product)}},
		Workflow:           &shtypes.WorkflowUpdate{Status: status},
	}
	if note != "" {
		upd.Note = &shtypes.NoteUpdate{Text: aws.String(note), UpdatedBy: aws.String(by)}
	}
	res, err := cli.BatchUpdateFindings(ctx, upd)
	if err != nil {
		return Result{}, fmt.Errorf("update Security Hub finding %s: %w", id, err)
	}
	if len(res.UnprocessedFindings) > 0 {
		u := res.UnprocessedFindings[0]
		return Result{}, fmt.Errorf("update Security Hub finding %s (product %s): %s: %s", id, product, aws.ToString(u.ErrorCode), aws.ToString(u.ErrorMessage))
	}
	msg := fmt.Sprintf("set Security Hub finding %s from %s to %s", id, orNone(string(current)), status)
	if current == status {
		msg = fmt.Sprintf("replaced the note of Security Hub finding %s, which stays %s", id, status)
	} else if note != "" {
		msg += " with a note"
	}
	return Result{Outcome: Changed, Message: msg, Output: output}, nil
}

func isWorkflowStatus(s shtypes.WorkflowStatus) bool {
	switch s {
	case shtypes.WorkflowStatusNew, shtypes.WorkflowStatusNotified, shtypes.WorkflowStatusResolved, shtypes.WorkflowStatusSuppressed:
		return true
	}
	return false
}

// accountWord names the account whose Security Hub an update goes to.
func accountWord(in Input) string {
	if in.String("in_account") == InCentralAccount {
		return "rectify's own"
	}
	return "target's (" + in.Target.Account + ")"
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "no status"
	}
	return s
}
