package action

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAM credential actions: old or unused access keys and console passwords
// of one user.

// Bases on which an access key is judged stale.
const (
	// StaleByCreation judges a key by its age: rotation (IAM.3).
	StaleByCreation = "created"
	// StaleByLastUse judges a key by when it was last used, or created if
	// it never was: unused credentials (IAM.8, IAM.22).
	StaleByLastUse = "last-used"
)

func iamCredentialActions() []Spec {
	return []Spec{{
		Name: "iam.deactivate-stale-access-keys",
		Description: "Deactivate (not delete) each active access key of an IAM user that is stale: created more than max_age_days ago " +
			"(basis created), or not used for max_age_days, never-used keys judged by their creation (basis last-used). " +
			"Keys used or created within the period are kept.",
		Params: []Param{
			{Name: "user_name", Type: String, Required: true, Description: "the IAM user whose keys to judge"},
			{Name: "max_age_days", Type: Int, Default: 90, Description: "the longest a key may go (since creation or last use)"},
			{Name: "basis", Type: String, Default: StaleByLastUse, Description: `what a key is judged by: "created" (its age) or "last-used" (its last use)`},
		},
		Reads:  []string{"iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"},
		Writes: []string{"iam:UpdateAccessKey"},
		Describe: func(in Input) string {
			return fmt.Sprintf("deactivate the access keys of IAM user %s in account %s %s", in.String("user_name"), in.Target.Account, staleWords(in))
		},
		Run:    deactivateStaleKeys,
		Verify: verifyStaleKeysInactive,
	}, {
		Name: "iam.delete-unused-console-password",
		Description: "Delete an IAM user's console password (login profile) when it has not been used for max_age_days: its last " +
			"sign-in, or when it was set if later or if it was never used. A password used within the period is kept; access keys are not touched.",
		Params: []Param{
			{Name: "user_name", Type: String, Required: true, Description: "the IAM user whose console password to judge"},
			{Name: "max_age_days", Type: Int, Default: 90, Description: "the longest the password may go unused"},
		},
		Reads:  []string{"iam:GetLoginProfile", "iam:GetUser"},
		Writes: []string{"iam:DeleteLoginProfile"},
		Describe: func(in Input) string {
			return fmt.Sprintf("delete the console password of IAM user %s in account %s if unused for %d days", in.String("user_name"), in.Target.Account, in.Int("max_age_days"))
		},
		Run:    deleteUnusedConsolePassword,
		Verify: verifyLoginProfileDeleted,
	}}
}

func staleWords(in Input) string {
	if in.String("basis") == StaleByCreation {
		return fmt.Sprintf("created more than %d days ago", in.Int("max_age_days"))
	}
	return fmt.Sprintf("unused for %d days", in.Int("max_age_days"))
}

// now returns the run's clock.
func now(in Input) time.Time {
	if in.Now.IsZero() {
		return time.Now()
	}
	return in.Now
}

// days returns d in whole days.
func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// staleKey is an active key and why it is stale or kept.
type staleKey struct {
	ID     string
	Stale  bool
	Reason string
}

// judgeKeys returns the active keys of user, judged by basis against
// maxAge; found is false when the user does not exist.
func judgeKeys(ctx context.Context, in Input, cli *iam.Client, user, basis string, maxAge int) (keys []staleKey, found bool, err error) {
	limit := time.Duration(maxAge) * 24 * time.Hour
	t := now(in)
	p := iam.NewListAccessKeysPaginator(cli, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if IsNotFound(err, "NoSuchEntity") {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("list access keys of %s: %w", user, err)
		}
		for _, k := range page.AccessKeyMetadata {
			if k.Status != iamtypes.StatusTypeActive {
				continue
			}
			id, created := aws.ToString(k.AccessKeyId), aws.ToTime(k.CreateDate)
			ref, what := created, "created"
			if basis == StaleByLastUse {
				lu, err := cli.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
				if err != nil {
					return nil, true, fmt.Errorf("read when access key %s was last used: %w", id, err)
				}
				if lu.AccessKeyLastUsed != nil && lu.AccessKeyLastUsed.LastUsedDate != nil {
					ref, what = *lu.AccessKeyLastUsed.LastUsedDate, "last used"
				} else {
					what = "never used, created"
				}
			}
			age := t.Sub(ref)
			keys = append(keys, staleKey{ID: id, Stale: age > limit,
				Reason: fmt.Sprintf("%s %s (%d days ago)", what, ref.UTC().Format(time.DateOnly), days(age))})
		}
	}
	return keys, true, nil
}

func checkStaleParams(in Input) error {
	if b := in.String("basis"); b != StaleByCreation && b != StaleByLastUse {
		return Permanent(&ParamError{Action: "iam.deactivate-stale-access-keys", Param: "basis", Value: b, Err: fmt.Errorf("%w: want %q or %q", ErrParamType, StaleByCreation, StaleByLastUse)})
	}
	if n := in.Int("max_age_days"); n < 1 {
		return Permanent(&ParamError{Action: "iam.deactivate-stale-access-keys", Param: "max_age_days", Value: n, Err: fmt.Errorf("%w: want at least 1", ErrParamType)})
	}
	return nil
}

func deactivateStaleKeys(ctx context.Context, in Input) (Result, error) {
	if err := checkStaleParams(in); err != nil {
		return Result{}, err
	}
	user := in.String("user_name")
	cli := iam.NewFromConfig(in.AWS)
	keys, found, err := judgeKeys(ctx, in, cli, user, in.String("basis"), in.Int("max_age_days"))
	if err != nil {
		return Result{}, err
	}
	if !found {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("IAM user %s does not exist", user)}, nil
	}
	deactivated, kept := []string{}, []string{}
	var notes []string
	for _, k := range keys {
		if !k.Stale {
			kept = append(kept, k.ID)
			continue
		}
		_, err := cli.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(k.ID), Status: iamtypes.StatusTypeInactive})
		if IsNotFound(err, "NoSuchEntity") {
			continue // deleted meanwhile: it signs nothing either
		}
		if err != nil {
			return Result{}, fmt.Errorf("deactivate access key %s of %s: %w", k.ID, user, err)
		}
		deactivated = append(deactivated, k.ID)
		notes = append(notes, k.ID+" ("+k.Reason+")")
	}
	out := map[string]any{"user_name": user, "deactivated": deactivated, "kept": kept}
	if len(deactivated) == 0 {
		return Result{Outcome: AlreadyDone, Output: out,
			Message: fmt.Sprintf("IAM user %s has no active access key %s", user, staleWords(in))}, nil
	}
	msg := fmt.Sprintf("deactivated access key %s of IAM user %s", strings.Join(notes, ", "), user)
	if len(kept) > 0 {
		msg += "; kept " + strings.Join(kept, ", ")
	}
	return Result{Outcome: Changed, Output: out, Message: msg}, nil
}

func verifyStaleKeysInactive(ctx context.Context, in Input, res Result) error {
	user := in.String("user_name")
	want := outputStrings(res.Output["deactivated"])
	for _, id := range want {
		k, _, err := findAccessKey(ctx, iam.NewFromConfig(in.AWS), user, id)
		if err != nil {
			return err
		}
		if k != nil && k.Status != iamtypes.StatusTypeInactive {
			return Mismatch("access key %s of %s is %s", id, user, k.Status)
		}
	}
	return nil
}

// Console password.

func deleteUnusedConsolePassword(ctx context.Context, in Input) (Result, error) {
	user, maxAge := in.String("user_name"), in.Int("max_age_days")
	if maxAge < 1 {
		return Result{}, Permanent(&ParamError{Action: "iam.delete-unused-console-password", Param: "max_age_days", Value: maxAge, Err: fmt.Errorf("%w: want at least 1", ErrParamType)})
	}
	cli := iam.NewFromConfig(in.AWS)
	out := map[string]any{"user_name": user, "deleted": false}
	u, err := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(user)})
	if IsNotFound(err, "NoSuchEntity") {
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("IAM user %s does not exist", user)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("get IAM user %s: %w", user, err)
	}
	lp, err := cli.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(user)})
	if IsNotFound(err, "NoSuchEntity") {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("IAM user %s has no console password", user)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("get the login profile of IAM user %s: %w", user, err)
	}
	// The password counts as used when it was last used or, if later, set:
	// a password set after the last sign-in is a new one.
	ref, what := aws.ToTime(lp.LoginProfile.CreateDate), "set"
	if last := aws.ToTime(u.User.PasswordLastUsed); last.After(ref) {
		ref, what = last, "last used"
	} else if last.IsZero() {
		what = "never used, set"
	}
	age := now(in).Sub(ref)
	reason := fmt.Sprintf("%s %s, %d days ago", what, ref.UTC().Format(time.DateOnly), days(age))
	out["reason"] = reason
	if age <= time.Duration(maxAge)*24*time.Hour {
		return Result{Outcome: AlreadyDone, Output: out,
			Message: fmt.Sprintf("the console password of IAM user %s is kept: %s, within %d days", user, reason, maxAge)}, nil
	}
	_, err = cli.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String(user)})
	if IsNotFound(err, "NoSuchEntity") {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("IAM user %s has no console password", user)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("delete the login profile of IAM user %s: %w", user, err)
	}
	out["deleted"] = true
	return Result{Outcome: Changed, Output: out,
		Message: fmt.Sprintf("deleted the console password of IAM user %s (%s); the user can no longer sign in to the console", user, reason)}, nil
}
