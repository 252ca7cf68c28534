package action

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMS actions: automatic key rotation; and the keys other actions use
// (a trail's), made by rectify or given, whose policy gains what a service
// needs.

func kmsActions() []Spec {
	return []Spec{{
		Name: "kms.enable-key-rotation",
		Description: "Turn on automatic rotation of a customer managed symmetric encryption KMS key whose key material KMS generated. " +
			"AWS managed keys already rotate yearly (nothing to do). Asymmetric and HMAC keys, keys with imported material or in a " +
			"custom key store, and disabled keys cannot rotate automatically: the run fails saying so, and changes nothing; a key " +
			"pending deletion is reported as not found.",
		Params: []Param{
			{Name: "key_id", Type: String, Required: true, Description: "the key's ID or ARN"},
			{Name: "rotation_period_days", Type: Int, Description: "days between rotations (90 to 2560); KMS's default (365) when absent"},
		},
		Reads:  []string{"kms:DescribeKey", "kms:GetKeyRotationStatus"},
		Writes: []string{"kms:EnableKeyRotation"},
		Describe: func(in Input) string {
			return fmt.Sprintf("turn on automatic rotation of KMS key %s in %s/%s", in.String("key_id"), in.Target.Account, in.Target.Region)
		},
		Run:    enableKeyRotation,
		Verify: verifyKeyRotation,
	}}
}

// keyConfig returns in's configuration in the region of the key an ARN
// names.
func keyConfig(in Input, key string) aws.Config {
	if a, ok := parseARN(key); ok && a.Region != "" {
		return inRegion(in.AWS, a.Region)
	}
	return in.AWS
}

// rotationBlocker says why automatic rotation cannot apply to a key, ""
// when it can.
func rotationBlocker(md *kmstypes.KeyMetadata) string {
	id := aws.ToString(md.Arn)
	switch {
	case md.KeySpec != kmstypes.KeySpecSymmetricDefault:
		return fmt.Sprintf("KMS key %s is a %s key: automatic rotation applies only to symmetric encryption keys; rotate it by moving its users to a new key", id, md.KeySpec)
	case md.Origin == kmstypes.OriginTypeExternal:
		return fmt.Sprintf("KMS key %s has imported key material, which KMS cannot rotate: rotate it by importing new material into a new key", id)
	case md.Origin == kmstypes.OriginTypeAwsCloudhsm || md.Origin == kmstypes.OriginTypeExternalKeyStore:
		return fmt.Sprintf("KMS key %s is in a custom key store, whose keys KMS cannot rotate automatically", id)
	case md.KeyState == kmstypes.KeyStateDisabled:
		return fmt.Sprintf("KMS key %s is disabled: rotation can be turned on only for an enabled key; enable it first, or suppress the finding if it is disabled on purpose", id)
	case md.KeyState == kmstypes.KeyStatePendingImport || md.KeyState == kmstypes.KeyStateUnavailable || md.KeyState == kmstypes.KeyStateCreating:
		return fmt.Sprintf("KMS key %s is %s and cannot rotate", id, md.KeyState)
	}
	return ""
}

func enableKeyRotation(ctx context.Context, in Input) (Result, error) {
	key := in.String("key_id")
	period := in.Int("rotation_period_days")
	if period != 0 && (period < 90 || period > 2560) {
		return Result{}, Permanent(&ParamError{Action: "kms.enable-key-rotation", Param: "rotation_period_days", Value: period, Err: fmt.Errorf("%w: KMS accepts 90 to 2560", ErrParamType)})
	}
	cli := kms.NewFromConfig(keyConfig(in, key))
	out := map[string]any{"key_id": key}
	d, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(key)})
	if IsNotFound(err, "NotFoundException") {
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("KMS key %s does not exist", key)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("describe KMS key %s: %w", key, err)
	}
	md := d.KeyMetadata
	arn := aws.ToString(md.Arn)
	out["key_arn"] = arn
	switch {
	case md.KeyManager == kmstypes.KeyManagerTypeAws:
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("KMS key %s is an AWS managed key, which AWS rotates every year", arn)}, nil
	case md.KeyState == kmstypes.KeyStatePendingDeletion || md.KeyState == kmstypes.KeyStatePendingReplicaDeletion:
		when := ""
		if md.DeletionDate != nil {
			when = " on " + md.DeletionDate.UTC().Format(time.DateOnly)
		}
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("KMS key %s is scheduled for deletion%s; its rotation is left alone", arn, when)}, nil
	}
	if why := rotationBlocker(md); why != "" {
		return Result{}, Permanent(fmt.Errorf("nothing changed: %s", why))
	}
	st, err := cli.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(arn)})
	if err != nil {
		return Result{}, fmt.Errorf("read the rotation status of KMS key %s: %w", arn, err)
	}
	if st.KeyRotationEnabled {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("KMS key %s already rotates every %d days", arn, aws.ToInt32(st.RotationPeriodInDays))}, nil
	}
	req := &kms.EnableKeyRotationInput{KeyId: aws.String(arn)}
	if period > 0 {
		req.RotationPeriodInDays = aws.Int32(int32(period))
	}
	if _, err := cli.EnableKeyRotation(ctx, req); err != nil {
		if HasCode(err, "DisabledException", "KMSInvalidStateException", "UnsupportedOperationException") {
			return Result{}, Permanent(fmt.Errorf("turn on rotation of KMS key %s: %w", arn, err))
		}
		return Result{}, fmt.Errorf("turn on rotation of KMS key %s: %w", arn, err)
	}
	every := "KMS's default period"
	if period > 0 {
		every = fmt.Sprintf("every %d days", period)
	}
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("turned on automatic rotation of KMS key %s (%s)", arn, every)}, nil
}

func verifyKeyRotation(ctx context.Context, in Input, res Result) error {
	key, _ := res.Output["key_arn"].(string)
	if key == "" {
		key = in.String("key_id")
	}
	st, err := kms.NewFromConfig(keyConfig(in, key)).GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(key)})
	if err != nil {
		return fmt.Errorf("read the rotation status of KMS key %s: %w", key, err)
	}
	if !st.KeyRotationEnabled {
		return Mismatch("automatic rotation of KMS key %s is off", key)
	}
	if p := in.Int("rotation_period_days"); p > 0 && int(aws.ToInt32(st.RotationPeriodInDays)) != p {
		return Mismatch("KMS key %s rotates every %d days, not %d", key, aws.ToInt32(st.RotationPeriodInDays), p)
	}
	return nil
}

// serviceKey says what a KMS key an AWS service encrypts with needs.
type serviceKey struct {
	// Param and Value are the action's key parameter and its value: a
	// key ID, ARN or alias, or Create.
	Param, Value string
	// Alias, Purpose and Description name and describe a key rectify makes.
	Alias, Purpose, Description string
	// Statements are the key policy statements the service needs; Granted
	// reports whether a key policy already lets the service use the key.
	Statements []map[string]any
	Granted    func(policy string) bool
}

// ensureServiceKey returns the ARN of the key k describes, made (with
// rotation on) when asked, its policy given the statements it lacks. It
// records what it makes in out and returns a note for the message.
func ensureServiceKey(ctx context.Context, in Input, cfg aws.Config, k serviceKey, out map[string]any) (arn, note string, err error) {
	cli := kms.NewFromConfig(cfg)
	id := k.Value
	if id == Create {
		id = k.Alias
	}
	d, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	switch {
	case IsNotFound(err, "NotFoundException") && k.Value == Create:
		policy, _, err := addStatements(defaultKeyPolicy(partitionOf(in), in.Target.Account), k.Statements)
		if err != nil {
			return "", "", err
		}
		var tags []kmstypes.Tag
		for _, key := range sortedTagKeys(managedTags(k.Purpose)) {
			tags = append(tags, kmstypes.Tag{TagKey: aws.String(key), TagValue: aws.String(managedTags(k.Purpose)[key])})
		}
		made, err := cli.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(k.Description), Policy: aws.String(policy), Tags: tags})
		if err != nil {
			return "", "", fmt.Errorf("create a KMS key for %s: %w", k.Purpose, err)
		}
		arn = aws.ToString(made.KeyMetadata.Arn)
		addCreated(out, arn)
		if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(arn)}); err != nil {
			return "", "", fmt.Errorf("turn on rotation of the new KMS key %s: %w", arn, err)
		}
		if _, err := cli.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(k.Alias), TargetKeyId: aws.String(arn)}); err != nil {
			return "", "", fmt.Errorf("name the new KMS key %s %s: %w", arn, k.Alias, err)
		}
		return arn, " (created, alias " + k.Alias + ", rotation on)", nil
	case IsNotFound(err, "NotFoundException"):
		return "", "", Permanent(fmt.Errorf("KMS key %s does not exist in %s: set %s to a key there, or to %q", k.Value, cfg.Region, k.Param, Create))
	case err != nil:
		return "", "", fmt.Errorf("describe KMS key %s: %w", id, err)
	}
	md := d.KeyMetadata
	arn = aws.ToString(md.Arn)
	if md.KeyState != kmstypes.KeyStateEnabled || md.KeySpec != kmstypes.KeySpecSymmetricDefault {
		return "", "", Permanent(fmt.Errorf("KMS key %s is %s %s: set %s to an enabled symmetric encryption key, or to %q", arn, md.KeyState, md.KeySpec, k.Param, Create))
	}
	if md.KeyManager == kmstypes.KeyManagerTypeAws {
		return "", "", Permanent(fmt.Errorf("KMS key %s is AWS managed, and its policy cannot let another service use it: set %s to a customer managed key, or to %q", arn, k.Param, Create))
	}
	pol, err := cli.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(arn), PolicyName: aws.String("default")})
	if err != nil {
		return "", "", fmt.Errorf("read the policy of KMS key %s: %w", arn, err)
	}
	if k.Granted(aws.ToString(pol.Policy)) {
		return arn, "", nil
	}
	merged, added, err := addStatements(aws.ToString(pol.Policy), k.Statements)
	if err != nil {
		return "", "", Permanent(fmt.Errorf("the policy of KMS key %s cannot be read as a policy document: %w", arn, err))
	}
	if _, err := cli.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(arn), PolicyName: aws.String("default"), Policy: aws.String(merged)}); err != nil {
		return "", "", fmt.Errorf("add %s to the policy of KMS key %s: %w", strings.Join(added, ", "), arn, err)
	}
	return arn, fmt.Sprintf(" (added %s to its key policy)", strings.Join(added, ", ")), nil
}

// defaultKeyPolicy is the policy KMS gives a key created without one: the
// account's IAM policies govern it.
func defaultKeyPolicy(partition, account string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":"kms:*","Resource":"*"}]}`,
		partition, account)
}
