package action

import (
	"context"
	"fmt"

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
			Run: deactivateAccessKey,
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
			Run: deleteAccessKey,
		},
	}
}

// findAccessKey returns the key's metadata, or nil if the user or the key
// does not exist.
func findAccessKey(ctx context.Context, cli *iam.Client, user, keyID string) (*iamtypes.AccessKeyMetadata, error) {
	p := iam.NewListAccessKeysPaginator(cli, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list access keys of %s: %w", user, err)
		}
		for i, k := range page.AccessKeyMetadata {
			if aws.ToString(k.AccessKeyId) == keyID {
				return &page.AccessKeyMetadata[i], nil
			}
		}
	}
	return nil, nil
}

func deactivateAccessKey(ctx context.Context, in Input) (Result, error) {
	user, id := in.String("user_name"), in.String("access_key_id")
	cli := iam.NewFromConfig(in.AWS)
	k, err := findAccessKey(ctx, cli, user, id)
	if err != nil {
		return Result{}, err
	}
	if k == nil {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("access key %s of %s no longer exists", id, user)}, nil
	}
	if k.Status == iamtypes.StatusTypeInactive {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("access key %s of %s is already inactive", id, user)}, nil
	}
	_, err = cli.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(id), Status: iamtypes.StatusTypeInactive})
	if IsNotFound(err) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("access key %s of %s no longer exists", id, user)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("deactivate access key %s of %s: %w", id, user, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("access key %s of %s deactivated", id, user)}, nil
}

func deleteAccessKey(ctx context.Context, in Input) (Result, error) {
	user, id := in.String("user_name"), in.String("access_key_id")
	cli := iam.NewFromConfig(in.AWS)
	k, err := findAccessKey(ctx, cli, user, id)
	if err != nil {
		return Result{}, err
	}
	if k == nil {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("access key %s of %s is already gone", id, user)}, nil
	}
	_, err = cli.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(id)})
	if IsNotFound(err) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("access key %s of %s is already gone", id, user)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("delete access key %s of %s: %w", id, user, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("access key %s of %s deleted", id, user)}, nil
}
