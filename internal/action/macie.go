package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/macie2"
	macietypes "github.com/aws/aws-sdk-go-v2/service/macie2/types"
)

// Macie actions.

func macieActions() []Spec {
	return []Spec{{
		Name: "macie.enable",
		Description: "Make sure Amazon Macie is enabled in the region: enable it when it is not (with finding_publishing_frequency), " +
			"or resume a paused session as it was configured. Macie bills from then on.",
		Params: []Param{
			{Name: "finding_publishing_frequency", Type: String, Default: "FIFTEEN_MINUTES", Description: "how often Macie publishes updates of policy findings, when rectify enables it: FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS"},
		},
		Reads:            []string{"macie2:GetMacieSession"},
		Writes:           []string{"macie2:EnableMacie", "macie2:UpdateMacieSession"},
		ExtraPermissions: []string{"iam:CreateServiceLinkedRole"},
		Describe: func(in Input) string {
			return fmt.Sprintf("enable Amazon Macie in %s/%s", in.Target.Account, in.Target.Region)
		},
		Run:    enableMacie,
		Verify: verifyMacie,
	}}
}

// macieStatus returns the status of the region's Macie session, "" when
// Macie is not enabled.
func macieStatus(ctx context.Context, cli *macie2.Client) (macietypes.MacieStatus, error) {
	s, err := cli.GetMacieSession(ctx, &macie2.GetMacieSessionInput{})
	if HasCode(err, "AccessDeniedException") && strings.Contains(err.Error(), "Macie is not enabled") {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the Macie session: %w", err)
	}
	return s.Status, nil
}

func enableMacie(ctx context.Context, in Input) (Result, error) {
	freq := macietypes.FindingPublishingFrequency(in.String("finding_publishing_frequency"))
	switch freq {
	case macietypes.FindingPublishingFrequencyFifteenMinutes, macietypes.FindingPublishingFrequencyOneHour, macietypes.FindingPublishingFrequencySixHours:
	default:
		return Result{}, Permanent(&ParamError{Action: "macie.enable", Param: "finding_publishing_frequency", Value: string(freq), Err: fmt.Errorf("%w: want FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS", ErrParamType)})
	}
	cli := macie2.NewFromConfig(in.AWS)
	status, err := macieStatus(ctx, cli)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{"previous_status": string(status)}
	switch status {
	case macietypes.MacieStatusEnabled:
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("Macie is already enabled in %s", in.Target.Region)}, nil
	case macietypes.MacieStatusPaused:
		if _, err := cli.UpdateMacieSession(ctx, &macie2.UpdateMacieSessionInput{Status: macietypes.MacieStatusEnabled}); err != nil {
			return Result{}, fmt.Errorf("resume Macie: %w", err)
		}
		return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("resumed the paused Macie session in %s", in.Target.Region)}, nil
	}
	_, err = cli.EnableMacie(ctx, &macie2.EnableMacieInput{Status: macietypes.MacieStatusEnabled, FindingPublishingFrequency: freq})
	if HasCode(err, "ConflictException") {
		return Result{}, RetryLater(fmt.Errorf("Macie was enabled meanwhile: %w", err), 0)
	}
	if err != nil {
		return Result{}, fmt.Errorf("enable Macie: %w", err)
	}
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("enabled Macie in %s (findings published every %s)", in.Target.Region, strings.ToLower(strings.ReplaceAll(string(freq), "_", " ")))}, nil
}

func verifyMacie(ctx context.Context, in Input, _ Result) error {
	status, err := macieStatus(ctx, macie2.NewFromConfig(in.AWS))
	if err != nil {
		return err
	}
	if status != macietypes.MacieStatusEnabled {
		if status == "" {
			status = "not enabled"
		}
		return Mismatch("Macie is %s in %s", strings.ToLower(string(status)), in.Target.Region)
	}
	return nil
}
