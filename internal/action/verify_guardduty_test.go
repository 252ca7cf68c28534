package action

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/macie2"
	macietypes "github.com/aws/aws-sdk-go-v2/service/macie2/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// guarddutyScenarios are the scenarios of the GuardDuty and Macie actions.
var guarddutyScenarios = map[string]scenario{
	"guardduty.enable-detector": {
		setup: func(w *world) Input { return w.input(nil) },
		undo: func(w *world, _ Input, res Result) {
			_, err := guardduty.NewFromConfig(w.cfg).UpdateDetector(w.ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(res.Output["detector_id"].(string)), Enable: aws.Bool(false)})
			w.must(err)
		},
	},
	"guardduty.tag-resource": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"resource_arn": w.detectorARN(w.detector()), "tags": map[string]any{"owner": "security"}})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := guardduty.NewFromConfig(w.cfg).UntagResource(w.ctx, &guardduty.UntagResourceInput{ResourceArn: aws.String(in.String("resource_arn")), TagKeys: []string{"owner"}})
			w.must(err)
		},
	},
	"macie.enable": {
		setup: func(w *world) Input { return w.input(nil) },
		undo: func(w *world, _ Input, _ Result) {
			_, err := macie2.NewFromConfig(w.cfg).UpdateMacieSession(w.ctx, &macie2.UpdateMacieSessionInput{Status: macietypes.MacieStatusPaused})
			w.must(err)
		},
	},
}

func (w *world) detector(features ...gdtypes.DetectorFeatureConfiguration) string {
	w.t.Helper()
	out, err := guardduty.NewFromConfig(w.cfg).CreateDetector(w.ctx, &guardduty.CreateDetectorInput{Enable: aws.Bool(true), Features: features})
	w.must(err)
	return aws.ToString(out.DetectorId)
}

func (w *world) detectorARN(id string) string {
	return "arn:aws:guardduty:" + awssim.DefaultRegion + ":" + awssim.DefaultAccount + ":detector/" + id
}

func TestEnableDetector(t *testing.T) {
	t.Run("a suspended detector is resumed with its plans", func(t *testing.T) {
		w := newWorld(t)
		cli := guardduty.NewFromConfig(w.cfg)
		id := w.detector(gdtypes.DetectorFeatureConfiguration{Name: gdtypes.DetectorFeatureEksAuditLogs, Status: gdtypes.FeatureStatusEnabled})
		_, err := cli.UpdateDetector(w.ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(id), Enable: aws.Bool(false)})
		w.must(err)
		res, err := w.exec("guardduty.enable-detector", map[string]any{"features": []any{"S3_DATA_EVENTS"}})
		if err != nil || res.Outcome != Changed || res.Output["created"] != nil {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		d, err := cli.GetDetector(w.ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(id)})
		w.must(err)
		status := map[gdtypes.DetectorFeatureResult]gdtypes.FeatureStatus{}
		for _, f := range d.Features {
			status[f.Name] = f.Status
		}
		if d.Status != gdtypes.DetectorStatusEnabled || status[gdtypes.DetectorFeatureResultEksAuditLogs] != gdtypes.FeatureStatusEnabled ||
			status[gdtypes.DetectorFeatureResultS3DataEvents] != gdtypes.FeatureStatusDisabled {
			t.Errorf("detector = %s %v", d.Status, status)
		}
	})
	t.Run("a new detector with the requested plans, tagged", func(t *testing.T) {
		w := newWorld(t)
		res, err := w.exec("guardduty.enable-detector", map[string]any{"features": []any{"S3_DATA_EVENTS"}})
		if err != nil || res.Outcome != Changed || len(outputStrings(res.Output["created"])) != 1 {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		d, err := guardduty.NewFromConfig(w.cfg).GetDetector(w.ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(res.Output["detector_id"].(string))})
		w.must(err)
		if d.Tags[ManagedTag] != "true" || d.DataSources.S3Logs.Status != gdtypes.DataSourceStatusEnabled {
			t.Errorf("detector = %+v", d)
		}
		res, err = w.exec("guardduty.enable-detector", nil)
		if err != nil || res.Outcome != AlreadyDone {
			t.Errorf("again = %+v, %v", res, err)
		}
	})
	t.Run("an unknown plan", func(t *testing.T) {
		w := newWorld(t)
		if _, err := w.exec("guardduty.enable-detector", map[string]any{"features": []any{"S3_LOGS"}}); !errors.As(err, new(*ParamError)) {
			t.Errorf("Run: %v, want a *ParamError", err)
		}
	})
}

// TestTagGuardDutyResource covers GuardDuty.2 (filters) and GuardDuty.4
// (detectors): missing keys are added, existing values kept.
func TestTagGuardDutyResource(t *testing.T) {
	w := newWorld(t)
	cli := guardduty.NewFromConfig(w.cfg)
	id := w.detector()
	_, err := cli.CreateFilter(w.ctx, &guardduty.CreateFilterInput{DetectorId: aws.String(id), Name: aws.String("archive-low"),
		FindingCriteria: &gdtypes.FindingCriteria{Criterion: map[string]gdtypes.Condition{"severity": {Lt: aws.Int32(4)}}}, Tags: map[string]string{"owner": "platform"}})
	w.must(err)
	filter := w.detectorARN(id) + "/filter/archive-low"
	res, err := w.exec("guardduty.tag-resource", map[string]any{"resource_arn": filter, "tags": map[string]any{"owner": "security", "cost-center": "42"}})
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "kept the existing values of owner") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	tags, err := cli.ListTagsForResource(w.ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(filter)})
	w.must(err)
	if len(tags.Tags) != 2 || tags.Tags["owner"] != "platform" || tags.Tags["cost-center"] != "42" {
		t.Errorf("tags = %v", tags.Tags)
	}
	res, err = w.exec("guardduty.tag-resource", map[string]any{"resource_arn": filter, "tags": map[string]any{"owner": "x"}})
	if err != nil || res.Outcome != AlreadyDone {
		t.Errorf("again = %+v, %v", res, err)
	}
	for _, arn := range []string{filter + "x", w.detectorARN("0123456789abcdef0123456789abcdef")} {
		res, err := w.exec("guardduty.tag-resource", map[string]any{"resource_arn": arn, "tags": map[string]any{"owner": "x"}})
		if err != nil || res.Outcome != NotFound {
			t.Errorf("%s: %+v, %v; want not found", arn, res, err)
		}
	}
	// The control's required keys: values come from tags; one without a
	// value fails the run and changes nothing.
	res, err = w.exec("guardduty.tag-resource", map[string]any{"resource_arn": w.detectorARN(id), "required_keys": []any{"owner", "cost-center"},
		"tags": map[string]any{"owner": "security", "cost-center": "42", "unrelated": "x"}})
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "cost-center=42, owner=security, unrelated=x") {
		t.Errorf("detector with required keys = %+v, %v", res, err)
	}
	mark := w.mark(awssim.DefaultRegion)
	_, err = w.exec("guardduty.tag-resource", map[string]any{"resource_arn": filter, "required_keys": []any{"data-class"}, "tags": map[string]any{"team": "sec"}})
	if err == nil || !strings.Contains(err.Error(), "set tags.data-class") || len(w.writesSince(awssim.DefaultRegion, mark)) > 0 {
		t.Errorf("required key without a value: %v", err)
	}
	for _, params := range []map[string]any{
		{"resource_arn": "arn:aws:s3:::bucket", "tags": map[string]any{"a": "b"}},
		{"resource_arn": filter, "tags": map[string]any{"a": 1}},
		{"resource_arn": filter},
	} {
		if _, err := w.exec("guardduty.tag-resource", params); !errors.As(err, new(*ParamError)) {
			t.Errorf("%v: %v, want a *ParamError", params, err)
		}
	}
}

func TestEnableMacie(t *testing.T) {
	w := newWorld(t)
	cli := macie2.NewFromConfig(w.cfg)
	_, err := cli.EnableMacie(w.ctx, &macie2.EnableMacieInput{Status: macietypes.MacieStatusPaused, FindingPublishingFrequency: macietypes.FindingPublishingFrequencyOneHour})
	w.must(err)
	res, err := w.exec("macie.enable", nil)
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "resumed") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	s, err := cli.GetMacieSession(w.ctx, &macie2.GetMacieSessionInput{})
	w.must(err)
	if s.Status != macietypes.MacieStatusEnabled || s.FindingPublishingFrequency != macietypes.FindingPublishingFrequencyOneHour {
		t.Errorf("session = %+v", s)
	}
	mark := w.mark(awssim.DefaultRegion)
	res, err = w.exec("macie.enable", nil)
	if err != nil || res.Outcome != AlreadyDone || len(w.writesSince(awssim.DefaultRegion, mark)) > 0 {
		t.Errorf("again = %+v, %v", res, err)
	}
	if _, err := w.exec("macie.enable", map[string]any{"finding_publishing_frequency": "HOURLY"}); !errors.As(err, new(*ParamError)) {
		t.Errorf("bad frequency: %v", err)
	}
}
