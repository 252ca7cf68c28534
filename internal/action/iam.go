package action

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAM actions.

var accessKeyParams = []Param{
	{Name: "user_name", Type: String, Required: true, Description: "the IAM user that owns the key"},
	{Name: "access_key_id", Type: String, Required: true, Description: "the access key ID"},
}

func iamActions() []Spec {
	return []Spec{
		{
			Name:        "iam.deactivate-access-key",
			Description: "Set an IAM user's access key to Inactive, so it can no longer sign requests.",
			Params:      accessKeyParams,
			Reads:       []string{"iam:ListAccessKeys"},
			Writes:      []string{"iam:UpdateAccessKey"},
			Describe: func(in Input) string {
				return fmt.Sprintf("deactivate access key %s of IAM user %s in account %s", in.String("access_key_id"), in.String("user_name"), in.Target.Account)
			},
			Run:    deactivateAccessKey,
			Verify: verifyKeyInactive,
		},
		{
			Name:        "iam.delete-access-key",
			Description: "Delete an IAM user's access key.",
			Params:      accessKeyParams,
			Reads:       []string{"iam:ListAccessKeys"},
			Writes:      []string{"iam:DeleteAccessKey"},
			Describe: func(in Input) string {
				return fmt.Sprintf("delete access key %s of IAM user %s in account %s", in.String("access_key_id"), in.String("user_name"), in.Target.Account)
			},
			Run:    deleteAccessKey,
			Verify: verifyKeyDeleted,
		},
		{
			Name: "iam.delete-login-profile",
			Description: "Disable an IAM user's sign-in to the AWS Management Console by deleting the user's login profile " +
				"(its console password). Access keys are not affected.",
			Params: []Param{{Name: "user_name", Type: String, Required: true, Description: "the IAM user whose console password to delete"}},
			Reads:  []string{"iam:GetLoginProfile", "iam:GetUser"},
			Writes: []string{"iam:DeleteLoginProfile"},
			Describe: func(in Input) string {
				return fmt.Sprintf("delete the console password (login profile) of IAM user %s in account %s", in.String("user_name"), in.Target.Account)
			},
			Run:    deleteLoginProfile,
			Verify: verifyLoginProfileDeleted,
		},
	}
}

// findAccessKey returns the key's metadata. The key is nil if the user or
// the key does not exist; userFound reports which.
func findAccessKey(ctx context.Context, cli *iam.Client, user, keyID string) (key *iamtypes.AccessKeyMetadata, userFound bool, err error) {
	p := iam.NewListAccessKeysPaginator(cli, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if IsNotFound(err, "NoSuchEntity") {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("list access keys of %s: %w", user, err)
		}
		for i, k := range page.AccessKeyMetadata {
			if aws.ToString(k.AccessKeyId) == keyID {
				return &page.AccessKeyMetadata[i], true, nil
			}
		}
	}
	return nil, true, nil
}

// keyNotFound is the result for an access key that does not exist.
func keyNotFound(user, id string, userFound bool) Result {
	if !userFound {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("IAM user %s does not exist, so neither does its access key %s", user, id)}
	}
	return Result{Outcome: NotFound, Message: fmt.Sprintf("IAM user %s has no access key %s", user, id)}
}

func deactivateAccessKey(ctx context.Context, in Input) (Result, error) {
	user, id := in.String("user_name"), in.String("access_key_id")
	cli := iam.NewFromConfig(in.AWS)
	k, userFound, err := findAccessKey(ctx, cli, user, id)
	if err != nil {
		return Result{}, err
	}
	if k == nil {
		return keyNotFound(user, id, userFound), nil
	}
	if k.Status == iamtypes.StatusTypeInactive {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("access key %s of %s is already inactive", id, user)}, nil
	}
	_, err = cli.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(id), Status: iamtypes.StatusTypeInactive})
	if IsNotFound(err, "NoSuchEntity") {
		return keyNotFound(user, id, true), nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("deactivate access key %s of %s: %w", id, user, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("access key %s of %s deactivated", id, user)}, nil
}

// verifyKeyInactive checks that the key is inactive, or gone: a deleted
// key signs nothing either.
func verifyKeyInactive(ctx context.Context, in Input, _ Result) error {
	user, id := in.String("user_name"), in.String("access_key_id")
	k, _, err := findAccessKey(ctx, iam.NewFromConfig(in.AWS), user, id)
	if err != nil {
		return err
	}
	if k != nil && k.Status != iamtypes.StatusTypeInactive {
		return Mismatch("access key %s of %s is %s", id, user, k.Status)
	}
	return nil
}

func deleteAccessKey(ctx context.Context, in Input) (Result, error) {
	user, id := in.String("user_name"), in.String("access_key_id")
	cli := iam.NewFromConfig(in.AWS)
	k, userFound, err := findAccessKey(ctx, cli, user, id)
	if err != nil {
		return Result{}, err
	}
	if k == nil {
		return keyNotFound(user, id, userFound), nil
	}
	_, err = cli.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(id)})
	if IsNotFound(err, "NoSuchEntity") {
		return keyNotFound(user, id, true), nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("delete access key %s of %s: %w", id, user, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("access key %s of %s deleted", id, user)}, nil
}

func verifyKeyDeleted(ctx context.Context, in Input, _ Result) error {
	user, id := in.String("user_name"), in.String("access_key_id")
	k, _, err := findAccessKey(ctx, iam.NewFromConfig(in.AWS), user, id)
	if err != nil {
		return err
	}
	if k != nil {
		return Mismatch("access key %s of %s still exists (%s)", id, user, k.Status)
	}
	return nil
}

// Console sign-in.

func deleteLoginProfile(ctx context.Context, in Input) (Result, error) {
	user := in.String("user_name")
	cli := iam.NewFromConfig(in.AWS)
	out := map[string]any{"user_name": user, "deleted": false}
	lp, err := cli.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(user)})
	if IsNotFound(err, "NoSuchEntity") {
		// The user has no console password, or does not exist: ask which.
		if _, uerr := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(user)}); IsNotFound(uerr, "NoSuchEntity") {
			return Result{Outcome: NotFound, Message: fmt.Sprintf("IAM user %s does not exist", user), Output: out}, nil
		} else if uerr != nil {
			return Result{}, fmt.Errorf("get IAM user %s: %w", user, uerr)
		}
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("IAM user %s has no console password", user), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("get the login profile of IAM user %s: %w", user, err)
	}
	created := ""
	if lp.LoginProfile != nil && lp.LoginProfile.CreateDate != nil {
		created = lp.LoginProfile.CreateDate.UTC().Format(time.RFC3339)
	}
	_, err = cli.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String(user)})
	if IsNotFound(err, "NoSuchEntity") {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("IAM user %s has no console password", user), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("delete the login profile of IAM user %s: %w", user, err)
	}
	out["deleted"] = true
	out["password_created"] = created
	set := ""
	if created != "" {
		set = " (set " + created + ")"
	}
	return Result{Outcome: Changed, Output: out,
		Message: fmt.Sprintf("deleted the console password of IAM user %s%s; the user can no longer sign in to the console", user, set)}, nil
}

func verifyLoginProfileDeleted(ctx context.Context, in Input, _ Result) error {
	user := in.String("user_name")
	lp, err := iam.NewFromConfig(in.AWS).GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(user)})
	if IsNotFound(err, "NoSuchEntity") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get the login profile of IAM user %s: %w", user, err)
	}
	at := ""
	if lp.LoginProfile != nil && lp.LoginProfile.CreateDate != nil {
		at = ", set " + lp.LoginProfile.CreateDate.UTC().Format(time.RFC3339)
	}
	return Mismatch("IAM user %s still has a console password%s", user, at)
}
