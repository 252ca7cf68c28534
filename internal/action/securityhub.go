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

// noteSeparator separates rectify's note from the text a finding's note
// already has.
const noteSeparator = "\n\n"

// noteCut marks a note that was cut to fit.
const noteCut = "..."

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
			Description: "Set the workflow status of the run's Security Hub finding (RESOLVED by default) and append a note " +
				"to the finding's note, in the Security Hub of the target's account or of rectify's own (administrator) account.",
			Params: []Param{
				{Name: "workflow_status", Type: String, Default: "RESOLVED", Description: "the new workflow status: NEW, NOTIFIED, RESOLVED or SUPPRESSED"},
				{Name: "note", Type: String, Default: "", Description: "text appended to the finding's note after a blank line; the note's existing text " +
					"is kept whole and this text is cut, ending in \"...\", to keep the note within 512 bytes; empty leaves the note as it is"},
				{Name: "updated_by", Type: String, Default: "rectify", Description: "who the note is from"},
				{Name: "in_account", Type: String, Default: InTargetAccount,
					Description: "whose Security Hub holds the finding: \"target\" (the finding's account, through the assumed role) or \"central\" (rectify's own account, the organization's Security Hub administrator)"},
			},
			Reads: []string{"securityhub:GetFindings"}, Writes: []string{"securityhub:BatchUpdateFindings"},
			Home: func(params map[string]any) bool { return params["in_account"] == InCentralAccount },
			Describe: func(in Input) string {
				where := in.Target.Account + "/" + in.Target.Region
				if in.String("in_account") == InCentralAccount {
					where = "rectify's own account (" + in.Target.Region + ")"
				}
				s := fmt.Sprintf("set Security Hub finding %s in %s to workflow status %s", in.Target.FindingID, where, in.String("workflow_status"))
				if note := in.String("note"); note != "" {
					s += fmt.Sprintf(" and append %q to its note", truncateNote(note))
				}
				return s
			},
			Run:    updateFinding,
			Verify: verifyFindingUpdated,
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

// appendNote returns the finding's note with note appended, and the part
// of note that fits. Security Hub keeps one note per finding, of at most
// 512 characters; the text already there, usually an analyst's, is kept
// whole, and note is what is cut (ending in "...") to fit after it. When
// the existing text leaves no room for more than the cut marker, note is
// not added and fitted is "".
func appendNote(existing, note string) (text, fitted string) {
	if existing == "" {
		fitted = truncateNote(note)
		return fitted, fitted
	}
	room := MaxFindingNoteLen - len(existing) - len(noteSeparator)
	if len(note) <= room {
		return existing + noteSeparator + note, note
	}
	cut := room - len(noteCut)
	for cut > 0 && !utf8.RuneStart(note[cut]) {
		cut--
	}
	if cut <= 0 {
		return existing, ""
	}
	fitted = note[:cut] + noteCut
	return existing + noteSeparator + fitted, fitted
}

// hasNote reports whether the finding's note text already ends with note,
// whole or cut as appendNote cuts it.
func hasNote(text, note string) bool {
	if text == note || strings.HasSuffix(text, noteSeparator+note) {
		return true
	}
	tail := text
	if i := strings.LastIndex(text, noteSeparator); i >= 0 {
		tail = text[i+len(noteSeparator):]
	}
	if !strings.HasSuffix(tail, noteCut) {
		return false
	}
	kept := strings.TrimSuffix(tail, noteCut)
	return kept != "" && strings.HasPrefix(note, kept)
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
		return Result{}, Permanent(fmt.Errorf("target %s %s has no Security Hub finding: the run's event is not a Security Hub finding", in.Target.Type, in.Target.ID))
	}
	status := shtypes.WorkflowStatus(in.String("workflow_status"))
	if !isWorkflowStatus(status) {
		return Result{}, &ParamError{Action: "securityhub.update-finding", Param: "workflow_status", Value: string(status),
			Err: fmt.Errorf("%w: want NEW, NOTIFIED, RESOLVED or SUPPRESSED", ErrParamType)}
	}
	note, by := in.String("note"), in.String("updated_by")
	if note != "" && by == "" {
		return Result{}, &ParamError{Action: "securityhub.update-finding", Param: "updated_by", Value: by, Err: fmt.Errorf("%w: a note needs an author", ErrParamType)}
	}
	cfg, err := findingConfig(ctx, in)
	if err != nil {
		return Result{}, err
	}
	cli := securityhub.NewFromConfig(cfg)
	output := map[string]any{"finding_id": id, "product_arn": product, "workflow_status": string(status), "note": "",
		"in_account": in.String("in_account"), "previous_status": "", "previous_note": ""}

	f, err := getFinding(ctx, cli, id, product)
	if err != nil {
		return Result{}, err
	}
	if f == nil {
		return Result{Outcome: NotFound, Output: output,
			Message: fmt.Sprintf("finding %s (product %s) does not exist in the Security Hub of the %s account in %s", id, product, accountWord(in), cfg.Region)}, nil
	}
	current, currentNote := findingState(f)
	output["previous_status"], output["previous_note"] = string(current), currentNote
	noteDone := note == "" || hasNote(currentNote, note)
	if current == status && noteDone {
		msg := fmt.Sprintf("Security Hub finding %s is already %s", id, status)
		if note != "" {
			msg += " with the note"
			output["note"] = note
		}
		return Result{Outcome: AlreadyDone, Output: output, Message: msg}, nil
	}

	upd := &securityhub.BatchUpdateFindingsInput{
		FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: aws.String(id), ProductArn: aws.String(product)}},
		Workflow:           &shtypes.WorkflowUpdate{Status: status},
	}
	added := ""
	if !noteDone {
		text, fitted := appendNote(currentNote, note)
		if fitted != "" {
			upd.Note = &shtypes.NoteUpdate{Text: aws.String(text), UpdatedBy: aws.String(by)}
			added = fitted
		}
	}
	if current == status && upd.Note == nil {
		return Result{Outcome: AlreadyDone, Output: output,
			Message: fmt.Sprintf("Security Hub finding %s is already %s; its note leaves no room for more", id, status)}, nil
	}
	output["note"] = added
	res, err := cli.BatchUpdateFindings(ctx, upd)
	if err != nil {
		return Result{}, fmt.Errorf("update Security Hub finding %s: %w", id, err)
	}
	if len(res.UnprocessedFindings) > 0 {
		u := res.UnprocessedFindings[0]
		if aws.ToString(u.ErrorCode) == "FindingNotFound" {
			return Result{Outcome: NotFound, Output: output,
				Message: fmt.Sprintf("finding %s (product %s) does not exist in the Security Hub of the %s account in %s: %s", id, product, accountWord(in), cfg.Region, aws.ToString(u.ErrorMessage))}, nil
		}
		return Result{}, fmt.Errorf("update Security Hub finding %s (product %s): %s: %s", id, product, aws.ToString(u.ErrorCode), aws.ToString(u.ErrorMessage))
	}
	msg := fmt.Sprintf("set Security Hub finding %s from %s to %s", id, orNone(string(current)), status)
	switch {
	case current == status:
		msg = fmt.Sprintf("added to the note of Security Hub finding %s, which stays %s", id, status)
	case added != "":
		msg += " and added to its note"
	}
	if note != "" && added == "" {
		msg += "; the finding's note leaves no room for rectify's"
	} else if added != "" && added != note {
		msg += " (cut to fit after the note's existing text)"
	}
	return Result{Outcome: Changed, Message: msg, Output: output}, nil
}

// getFinding returns the finding, or nil if the hub does not hold it.
func getFinding(ctx context.Context, cli *securityhub.Client, id, product string) (*shtypes.AwsSecurityFinding, error) {
	out, err := cli.GetFindings(ctx, &securityhub.GetFindingsInput{
		Filters: &shtypes.AwsSecurityFindingFilters{
			Id:         []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(id)}},
			ProductArn: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(product)}},
		},
		MaxResults: aws.Int32(1),
	})
	if err != nil {
		return nil, fmt.Errorf("read Security Hub finding %s: %w", id, err)
	}
	if len(out.Findings) == 0 {
		return nil, nil
	}
	return &out.Findings[0], nil
}

// findingState returns a finding's workflow status and note text.
func findingState(f *shtypes.AwsSecurityFinding) (shtypes.WorkflowStatus, string) {
	var status shtypes.WorkflowStatus
	if f.Workflow != nil {
		status = f.Workflow.Status
	}
	note := ""
	if f.Note != nil {
		note = aws.ToString(f.Note.Text)
	}
	return status, note
}

// verifyFindingUpdated checks that the finding has the workflow status and
// ends with the note Run added.
func verifyFindingUpdated(ctx context.Context, in Input, res Result) error {
	id, product := in.Target.FindingID, in.Target.ProductARN
	cfg, err := findingConfig(ctx, in)
	if err != nil {
		return err
	}
	f, err := getFinding(ctx, securityhub.NewFromConfig(cfg), id, product)
	if err != nil {
		return err
	}
	if f == nil {
		return Mismatch("finding %s is no longer in the Security Hub of the %s account", id, accountWord(in))
	}
	status, note := findingState(f)
	if want := shtypes.WorkflowStatus(in.String("workflow_status")); status != want {
		return Mismatch("finding %s is %s, not %s", id, orNone(string(status)), want)
	}
	if added, _ := res.Output["note"].(string); added != "" && !hasNote(note, added) {
		return Mismatch("the note of finding %s does not end with rectify's: it is %q", id, truncateNote(note))
	}
	return nil
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
