package action

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Secrets Manager actions of the Security Hub controls: automatic rotation
// (SecretsManager.1), unused secrets (SecretsManager.3) and rotation
// within a number of days (SecretsManager.4).
//
// Rotation runs a Lambda function that knows how to change the secret's
// credential where it is used. rectify never writes one: a secret without
// a function (and not managed by the service that owns it, such as RDS)
// makes the action fail and name the parameter to set.

var secretParam = Param{Name: "secret", Type: String, Required: true, Description: "the secret, by name or ARN"}

func secretActions() []Spec {
	return []Spec{
		{
			Name: "secretsmanager.enable-rotation",
			Description: "Turn on automatic rotation of a secret at least every max_days days, with the rotation function " +
				"it has or the one given; a secret rotated on a longer schedule gets the shorter one. The secret's value then " +
				"changes on schedule, and clients that cache it must fetch it again.",
			Params: []Param{
				secretParam,
				{Name: "rotation_lambda", Type: String, Default: "", Description: "the ARN of the Lambda function that rotates the secret; needed when the secret has none and no service manages it"},
				{Name: "max_days", Type: Int, Default: 90, Description: "the most days between rotations (1 to 1000)"},
				{Name: "rotate_immediately", Type: Bool, Default: false, Description: "rotate once now too"},
			},
			Reads: []string{"secretsmanager:DescribeSecret"}, Writes: []string{"secretsmanager:RotateSecret"},
			// Turning rotation on through a function needs the right to
			// invoke it.
			ExtraPermissions: []string{"lambda:InvokeFunction"},
			Describe: func(in Input) string {
				now := ""
				if in.Bool("rotate_immediately") {
					now = ", and rotate it NOW"
				}
				return fmt.Sprintf("turn on rotation of secret %s in account %s at least every %d days%s with %s; its value then changes on schedule",
					in.String("secret"), in.Target.Account, in.Int("max_days"), now, orWord(in.String("rotation_lambda"), "its rotation function"))
			},
			Run:    enableSecretRotation,
			Verify: verifySecretRotation,
		},
		{
			Name: "secretsmanager.rotate-secret",
			Description: "Rotate a secret now if it was not rotated in the last max_days days, and keep its schedule at " +
				"most max_days days. It needs rotation set up (a function, or a service that manages the secret). Clients " +
				"holding the old value fail until they fetch the new one.",
			Params: []Param{secretParam, {Name: "max_days", Type: Int, Default: 90, Description: "the most days since the last rotation (1 to 1000)"}},
			Reads:  []string{"secretsmanager:DescribeSecret"}, Writes: []string{"secretsmanager:RotateSecret"},
			ExtraPermissions: []string{"lambda:InvokeFunction"},
			Describe: func(in Input) string {
				return fmt.Sprintf("rotate secret %s in account %s NOW unless it was rotated in the last %d days; clients holding the old value fail until they fetch the new one",
					in.String("secret"), in.Target.Account, in.Int("max_days"))
			},
			Run:    rotateStaleSecret,
			Verify: verifySecretRotated,
		},
		{
			Name: "secretsmanager.delete-unused-secret",
			Description: "Schedule a secret that has not been read for unused_days days (or, never read, was made that long " +
				"ago) for deletion after a recovery window, during which RestoreSecret brings it back. A secret read more " +
				"recently is left alone.",
			Params: []Param{
				secretParam,
				{Name: "unused_days", Type: Int, Default: 90, Description: "the days without a read that make a secret unused"},
				{Name: "recovery_days", Type: Int, Default: 30, Description: "the days during which the deletion can be undone (7 to 30)"},
			},
			Reads: []string{"secretsmanager:DescribeSecret"}, Writes: []string{"secretsmanager:DeleteSecret"},
			Describe: func(in Input) string {
				return fmt.Sprintf("DELETE secret %s in account %s after a %d-day recovery window if it has not been read in %d days; anything still using it fails",
					in.String("secret"), in.Target.Account, in.Int("recovery_days"), in.Int("unused_days"))
			},
			Run:    deleteUnusedSecret,
			Verify: verifySecretScheduledForDeletion,
		},
	}
}

// describeSecret returns a secret, nil if it does not exist.
func describeSecret(ctx context.Context, cli *secretsmanager.Client, id string) (*secretsmanager.DescribeSecretOutput, error) {
	got, err := cli.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	switch {
	case IsNotFound(err, "ResourceNotFoundException"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe secret %s: %w", id, err)
	}
	return got, nil
}

func secretMissing(id string) string { return fmt.Sprintf("secret %s does not exist", id) }

var rateDays = regexp.MustCompile(`^rate\((\d+) days?\)$`)

// rotationInterval returns the days between a secret's rotations, 0 when
// its schedule is not a number of days (a cron expression) or unset.
func rotationInterval(s *secretsmanager.DescribeSecretOutput) int {
	if s.RotationRules == nil {
		return 0
	}
	if d := aws.ToInt64(s.RotationRules.AutomaticallyAfterDays); d > 0 {
		return int(d)
	}
	if m := rateDays.FindStringSubmatch(aws.ToString(s.RotationRules.ScheduleExpression)); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// rotationSetUp reports whether a secret can rotate: it has a function,
// or a service manages it.
func rotationSetUp(s *secretsmanager.DescribeSecretOutput) bool {
	return aws.ToString(s.RotationLambdaARN) != "" || aws.ToString(s.OwningService) != ""
}

func checkDays(action, param string, n, lo, hi int) error {
	if n < lo || n > hi {
		return errParam(action, param, n, "want %d to %d days", lo, hi)
	}
	return nil
}

// scheduleMet reports whether a secret rotates at least every days days.
// A cron schedule counts as met: the action does not second-guess it.
func scheduleMet(s *secretsmanager.DescribeSecretOutput, days int) bool {
	if !aws.ToBool(s.RotationEnabled) {
		return false
	}
	n := rotationInterval(s)
	return (n > 0 && n <= days) || (n == 0 && s.RotationRules != nil && aws.ToString(s.RotationRules.ScheduleExpression) != "")
}

func enableSecretRotation(ctx context.Context, in Input) (Result, error) {
	id, days := in.String("secret"), in.Int("max_days")
	cli := secretsmanager.NewFromConfig(in.AWS)
	out := map[string]any{"secret": id, "rotation_lambda": ""}
	if err := checkDays("secretsmanager.enable-rotation", "max_days", days, 1, 1000); err != nil {
		return Result{}, err
	}
	s, err := describeSecret(ctx, cli, id)
	switch {
	case err != nil:
		return Result{}, err
	case s == nil:
		return Result{Outcome: NotFound, Message: secretMissing(id), Output: out}, nil
	case s.DeletedDate != nil:
		return Result{Outcome: NotFound, Message: fmt.Sprintf("secret %s is scheduled for deletion", id), Output: out}, nil
	}
	out["rotation_lambda"] = aws.ToString(s.RotationLambdaARN)
	if scheduleMet(s, days) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("secret %s already rotates every %s", id, scheduleWords(s)), Output: out}, nil
	}
	fn := in.String("rotation_lambda")
	if fn == "" && !rotationSetUp(s) {
		return Result{Output: out}, errParam("secretsmanager.enable-rotation", "rotation_lambda", "",
			"secret %s has no rotation function and no service manages it: set rotation_lambda to the ARN of a Lambda function that rotates it (rectify does not write one)", id)
	}
	rotate := &secretsmanager.RotateSecretInput{SecretId: s.ARN, RotateImmediately: aws.Bool(in.Bool("rotate_immediately")),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(int64(days))}}
	if fn != "" {
		rotate.RotationLambdaARN = aws.String(fn)
	}
	if _, err := cli.RotateSecret(ctx, rotate); err != nil {
		if HasCode(err, "AccessDeniedException", "InvalidRequestException", "InvalidParameterException") {
			return Result{Output: out}, Permanent(fmt.Errorf("turn on rotation of secret %s: %w", id, err))
		}
		return Result{Output: out}, fmt.Errorf("turn on rotation of secret %s: %w", id, err)
	}
	with := "its rotation function"
	if fn != "" {
		with, out["rotation_lambda"] = "function "+fn, fn
	} else if aws.ToString(s.RotationLambdaARN) == "" {
		with = "rotation managed by " + aws.ToString(s.OwningService)
	}
	was := "off"
	if aws.ToBool(s.RotationEnabled) {
		was = "every " + scheduleWords(s)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("turned on rotation of secret %s every %d days with %s (was %s)", id, days, with, was), Output: out}, nil
}

func scheduleWords(s *secretsmanager.DescribeSecretOutput) string {
	if n := rotationInterval(s); n > 0 {
		return fmt.Sprintf("%d days", n)
	}
	if s.RotationRules != nil {
		return aws.ToString(s.RotationRules.ScheduleExpression)
	}
	return "(no schedule)"
}

func verifySecretRotation(ctx context.Context, in Input, _ Result) error {
	id := in.String("secret")
	s, err := describeSecret(ctx, secretsmanager.NewFromConfig(in.AWS), id)
	switch {
	case err != nil:
		return err
	case s == nil:
		return Mismatch("%s", secretMissing(id))
	case !scheduleMet(s, in.Int("max_days")):
		return Mismatch("secret %s rotation is %v, every %s", id, aws.ToBool(s.RotationEnabled), scheduleWords(s))
	}
	return nil
}

// lastRotated returns when a secret was last rotated, or made if never.
func lastRotated(s *secretsmanager.DescribeSecretOutput) time.Time {
	if s.LastRotatedDate != nil {
		return *s.LastRotatedDate
	}
	return aws.ToTime(s.CreatedDate)
}

func rotateStaleSecret(ctx context.Context, in Input) (Result, error) {
	id, days := in.String("secret"), in.Int("max_days")
	cli := secretsmanager.NewFromConfig(in.AWS)
	out := map[string]any{"secret": id, "rotated_at": ""}
	if err := checkDays("secretsmanager.rotate-secret", "max_days", days, 1, 1000); err != nil {
		return Result{}, err
	}
	s, err := describeSecret(ctx, cli, id)
	switch {
	case err != nil:
		return Result{}, err
	case s == nil:
		return Result{Outcome: NotFound, Message: secretMissing(id), Output: out}, nil
	case s.DeletedDate != nil:
		return Result{Outcome: NotFound, Message: fmt.Sprintf("secret %s is scheduled for deletion", id), Output: out}, nil
	}
	last := lastRotated(s)
	age := in.Now.Sub(last)
	fresh := age < time.Duration(days)*24*time.Hour
	if fresh && scheduleMet(s, days) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("secret %s was rotated %d day(s) ago and rotates every %s", id, int(age.Hours()/24), scheduleWords(s)), Output: out}, nil
	}
	if !rotationSetUp(s) {
		return Result{Output: out}, Permanent(fmt.Errorf("secret %s has no rotation function and no service manages it: turn rotation on first (secretsmanager.enable-rotation with rotation_lambda)", id))
	}
	rotate := &secretsmanager.RotateSecretInput{SecretId: s.ARN, RotateImmediately: aws.Bool(!fresh)}
	if !scheduleMet(s, days) {
		rotate.RotationRules = &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(int64(days))}
	}
	if _, err := cli.RotateSecret(ctx, rotate); err != nil {
		if HasCode(err, "AccessDeniedException", "InvalidParameterException") {
			return Result{Output: out}, Permanent(fmt.Errorf("rotate secret %s: %w", id, err))
		}
		if HasCode(err, "InvalidRequestException") {
			// A rotation already under way.
			return Result{Output: out}, RetryLater(fmt.Errorf("rotate secret %s: %w", id, err), 10*time.Minute)
		}
		return Result{Output: out}, fmt.Errorf("rotate secret %s: %w", id, err)
	}
	msg := fmt.Sprintf("set secret %s to rotate every %d days", id, days)
	if !fresh {
		out["rotated_at"] = in.Now.UTC().Format(time.RFC3339)
		msg = fmt.Sprintf("rotated secret %s, last rotated %d day(s) ago", id, int(age.Hours()/24))
		if rotate.RotationRules != nil {
			msg += fmt.Sprintf(", and set it to rotate every %d days", days)
		}
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifySecretRotated(ctx context.Context, in Input, _ Result) error {
	id, days := in.String("secret"), in.Int("max_days")
	s, err := describeSecret(ctx, secretsmanager.NewFromConfig(in.AWS), id)
	switch {
	case err != nil:
		return err
	case s == nil:
		return Mismatch("%s", secretMissing(id))
	case in.Now.Sub(lastRotated(s)) >= time.Duration(days)*24*time.Hour:
		return Mismatch("secret %s was last rotated %s", id, lastRotated(s).UTC().Format(time.DateOnly))
	case !scheduleMet(s, days):
		return Mismatch("secret %s rotates every %s", id, scheduleWords(s))
	}
	return nil
}

func deleteUnusedSecret(ctx context.Context, in Input) (Result, error) {
	id, days, window := in.String("secret"), in.Int("unused_days"), in.Int("recovery_days")
	cli := secretsmanager.NewFromConfig(in.AWS)
	out := map[string]any{"secret": id, "deletion_date": ""}
	if err := checkDays("secretsmanager.delete-unused-secret", "recovery_days", window, 7, 30); err != nil {
		return Result{}, err
	}
	if err := checkDays("secretsmanager.delete-unused-secret", "unused_days", days, 1, 100000); err != nil {
		return Result{}, err
	}
	s, err := describeSecret(ctx, cli, id)
	switch {
	case err != nil:
		return Result{}, err
	case s == nil:
		return Result{Outcome: NotFound, Message: secretMissing(id), Output: out}, nil
	case s.DeletedDate != nil:
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("secret %s is already scheduled for deletion", id), Output: out}, nil
	}
	since, what := aws.ToTime(s.CreatedDate), "made, never read,"
	if s.LastAccessedDate != nil {
		since, what = *s.LastAccessedDate, "last read"
	}
	age := in.Now.Sub(since)
	if age < time.Duration(days)*24*time.Hour {
		return Result{Outcome: NoOp, Message: fmt.Sprintf("secret %s was %s %d day(s) ago, within %d days: not deleted", id, what, int(age.Hours()/24), days), Output: out}, nil
	}
	got, err := cli.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: s.ARN, RecoveryWindowInDays: aws.Int64(int64(window))})
	if err != nil {
		return Result{Output: out}, fmt.Errorf("schedule deletion of secret %s: %w", id, err)
	}
	when := aws.ToTime(got.DeletionDate).UTC().Format(time.DateOnly)
	out["deletion_date"] = when
	return Result{Outcome: Changed, Message: fmt.Sprintf("scheduled secret %s, %s %d days ago, for deletion on %s; RestoreSecret undoes it until then",
		id, what, int(age.Hours()/24), when), Output: out}, nil
}

func verifySecretScheduledForDeletion(ctx context.Context, in Input, _ Result) error {
	id := in.String("secret")
	s, err := describeSecret(ctx, secretsmanager.NewFromConfig(in.AWS), id)
	switch {
	case err != nil:
		return err
	case s == nil:
		return nil // deleted already
	case s.DeletedDate == nil:
		return Mismatch("secret %s is not scheduled for deletion", id)
	}
	return nil
}
