package action

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
)

// GuardDuty actions.

// guardDutyFeatures are the protection plans a detector can turn on.
var guardDutyFeatures = map[string]bool{
	"S3_DATA_EVENTS": true, "EKS_AUDIT_LOGS": true, "EBS_MALWARE_PROTECTION": true, "RDS_LOGIN_EVENTS": true,
	"LAMBDA_NETWORK_LOGS": true, "EKS_RUNTIME_MONITORING": true, "RUNTIME_MONITORING": true,
}

func guardDutyActions() []Spec {
	return []Spec{{
		Name: "guardduty.enable-detector",
		Description: "Make sure GuardDuty is on in the region: create a detector when there is none (with features, if given), or " +
			"re-enable a suspended one with its protection plans as they were. GuardDuty bills from then on.",
		Params: []Param{
			{Name: "features", Type: StringList, Description: "protection plans to turn on in a detector rectify creates (S3_DATA_EVENTS, EKS_AUDIT_LOGS, ...); an existing detector's are kept"},
		},
		Reads:            []string{"guardduty:ListDetectors", "guardduty:GetDetector"},
		Writes:           []string{"guardduty:CreateDetector", "guardduty:UpdateDetector"},
		ExtraPermissions: []string{"guardduty:TagResource", "iam:CreateServiceLinkedRole"},
		Describe: func(in Input) string {
			return fmt.Sprintf("turn GuardDuty on in %s/%s", in.Target.Account, in.Target.Region)
		},
		Run:    enableDetector,
		Verify: verifyDetector,
	}, {
		Name: "guardduty.tag-resource",
		Description: "Give a GuardDuty detector or filter each tag key of tags and required_keys that it does not have yet, with its " +
			"value from tags. A key it has keeps its value; other tags are not touched. A required key missing from the resource " +
			"and from tags fails the run, naming it: rectify does not invent tag values.",
		Params: []Param{
			{Name: "resource_arn", Type: String, Required: true, Description: "the detector's or filter's ARN (arn:PARTITION:guardduty:REGION:ACCOUNT:detector/ID[/filter/NAME])"},
			{Name: "tags", Type: Map, Description: "the tags to add where their key is missing, key to value (strings)"},
			{Name: "required_keys", Type: StringList, Description: "tag keys the resource must have (the control's requiredTagKeys); their values come from tags"},
		},
		Reads:  []string{"guardduty:ListDetectors", "guardduty:ListFilters", "guardduty:ListTagsForResource"},
		Writes: []string{"guardduty:TagResource"},
		Describe: func(in Input) string {
			keys := append(sortedKeys(in.Map("tags")), in.StringList("required_keys")...)
			return fmt.Sprintf("give GuardDuty resource %s the tag keys %s it lacks", in.String("resource_arn"), strings.Join(keys, ", "))
		},
		Run:    tagGuardDutyResource,
		Verify: verifyGuardDutyTags,
	}}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// detectorIDs lists the region's detectors.
func detectorIDs(ctx context.Context, cli *guardduty.Client) ([]string, error) {
	var ids []string
	p := guardduty.NewListDetectorsPaginator(cli, &guardduty.ListDetectorsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list GuardDuty detectors: %w", err)
		}
		ids = append(ids, page.DetectorIds...)
	}
	return ids, nil
}

func enableDetector(ctx context.Context, in Input) (Result, error) {
	var features []gdtypes.DetectorFeatureConfiguration
	for _, f := range in.StringList("features") {
		if !guardDutyFeatures[f] {
			return Result{}, Permanent(&ParamError{Action: "guardduty.enable-detector", Param: "features", Value: f, Err: fmt.Errorf("%w: not a GuardDuty protection plan (want one of %s)", ErrParamType, strings.Join(sortedKeysBool(guardDutyFeatures), ", "))})
		}
		features = append(features, gdtypes.DetectorFeatureConfiguration{Name: gdtypes.DetectorFeature(f), Status: gdtypes.FeatureStatusEnabled})
	}
	cli := guardduty.NewFromConfig(in.AWS)
	ids, err := detectorIDs(ctx, cli)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{}
	if len(ids) == 0 {
		made, err := cli.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: aws.Bool(true), Features: features, Tags: managedTags("threat-detection")})
		if err != nil {
			return Result{}, fmt.Errorf("create a GuardDuty detector: %w", err)
		}
		id := aws.ToString(made.DetectorId)
		out["detector_id"] = id
		addCreated(out, "arn:"+partitionOf(in)+":guardduty:"+in.Target.Region+":"+in.Target.Account+":detector/"+id)
		msg := fmt.Sprintf("created GuardDuty detector %s in %s", id, in.Target.Region)
		if len(features) > 0 {
			msg += " with " + strings.Join(in.StringList("features"), ", ")
		}
		return Result{Outcome: Changed, Output: out, Message: msg}, nil
	}
	id := ids[0]
	out["detector_id"] = id
	d, err := cli.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(id)})
	if err != nil {
		return Result{}, fmt.Errorf("read GuardDuty detector %s: %w", id, err)
	}
	if d.Status == gdtypes.DetectorStatusEnabled {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("GuardDuty detector %s is already enabled in %s", id, in.Target.Region)}, nil
	}
	if _, err := cli.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: aws.String(id), Enable: aws.Bool(true)}); err != nil {
		return Result{}, fmt.Errorf("enable GuardDuty detector %s: %w", id, err)
	}
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("re-enabled GuardDuty detector %s in %s, its protection plans as they were", id, in.Target.Region)}, nil
}

func sortedKeysBool(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func verifyDetector(ctx context.Context, in Input, res Result) error {
	cli := guardduty.NewFromConfig(in.AWS)
	id, _ := res.Output["detector_id"].(string)
	ids, err := detectorIDs(ctx, cli)
	if err != nil {
		return err
	}
	if id == "" || !containsString(ids, id) {
		return Mismatch("GuardDuty detector %s no longer exists in %s", id, in.Target.Region)
	}
	d, err := cli.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(id)})
	if err != nil {
		return fmt.Errorf("read GuardDuty detector %s: %w", id, err)
	}
	if d.Status != gdtypes.DetectorStatusEnabled {
		return Mismatch("GuardDuty detector %s is %s", id, d.Status)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// guardDutyResource is a detector or filter an ARN names.
type guardDutyResource struct {
	ARN, Region, Detector, Filter string
}

func parseGuardDutyARN(s string) (guardDutyResource, bool) {
	a, ok := parseARN(s)
	if !ok || a.Service != "guardduty" {
		return guardDutyResource{}, false
	}
	rest, ok := strings.CutPrefix(a.Resource, "detector/")
	if !ok || rest == "" {
		return guardDutyResource{}, false
	}
	det, filter, isFilter := strings.Cut(rest, "/filter/")
	if isFilter && filter == "" || strings.Contains(det, "/") {
		return guardDutyResource{}, false
	}
	return guardDutyResource{ARN: s, Region: a.Region, Detector: det, Filter: filter}, true
}

func (r guardDutyResource) kind() string {
	if r.Filter != "" {
		return "filter " + r.Filter + " of GuardDuty detector " + r.Detector
	}
	return "GuardDuty detector " + r.Detector
}

// exists reports whether the detector, and the filter, exist.
func (r guardDutyResource) exists(ctx context.Context, cli *guardduty.Client) (bool, error) {
	ids, err := detectorIDs(ctx, cli)
	if err != nil || !containsString(ids, r.Detector) {
		return false, err
	}
	if r.Filter == "" {
		return true, nil
	}
	p := guardduty.NewListFiltersPaginator(cli, &guardduty.ListFiltersInput{DetectorId: aws.String(r.Detector)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("list the filters of GuardDuty detector %s: %w", r.Detector, err)
		}
		if containsString(page.FilterNames, r.Filter) {
			return true, nil
		}
	}
	return false, nil
}

// stringTags returns the tags parameter as strings.
func stringTags(in Input, action string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range in.Map("tags") {
		s, ok := v.(string)
		if !ok {
			return nil, Permanent(&ParamError{Action: action, Param: "tags", Value: v, Err: fmt.Errorf("%w: the value of tag %q must be a string", ErrParamType, k)})
		}
		out[k] = s
	}
	if len(out) == 0 && len(in.StringList("required_keys")) == 0 {
		return nil, Permanent(&ParamError{Action: action, Param: "tags", Err: fmt.Errorf("%w: neither tags nor required_keys is given", ErrMissingParam)})
	}
	return out, nil
}

func tagGuardDutyResource(ctx context.Context, in Input) (Result, error) {
	r, ok := parseGuardDutyARN(in.String("resource_arn"))
	if !ok {
		return Result{}, Permanent(&ParamError{Action: "guardduty.tag-resource", Param: "resource_arn", Value: in.String("resource_arn"), Err: fmt.Errorf("%w: not a GuardDuty detector or filter ARN", ErrParamType)})
	}
	want, err := stringTags(in, "guardduty.tag-resource")
	if err != nil {
		return Result{}, err
	}
	cli := guardduty.NewFromConfig(inRegion(in.AWS, r.Region))
	out := map[string]any{"resource_arn": r.ARN}
	if found, err := r.exists(ctx, cli); err != nil {
		return Result{}, err
	} else if !found {
		return Result{Outcome: NotFound, Output: out, Message: r.kind() + " does not exist"}, nil
	}
	have, err := cli.ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(r.ARN)})
	if err != nil {
		return Result{}, fmt.Errorf("read the tags of %s: %w", r.kind(), err)
	}
	add := map[string]string{}
	var kept, unvalued []string
	for _, k := range sortedTagKeys(want) {
		if v, ok := have.Tags[k]; ok {
			if v != want[k] {
				kept = append(kept, k)
			}
			continue
		}
		add[k] = want[k]
	}
	for _, k := range in.StringList("required_keys") {
		if _, ok := have.Tags[k]; !ok {
			if _, ok := want[k]; !ok {
				unvalued = append(unvalued, k)
			}
		}
	}
	if len(unvalued) > 0 {
		return Result{}, Permanent(fmt.Errorf("%s lacks the required tag keys %s, and tags gives no value for them: set tags.%s (rectify does not invent tag values); nothing changed",
			r.kind(), strings.Join(unvalued, ", "), unvalued[0]))
	}
	out["added"] = sortedTagKeys(add)
	if len(add) == 0 {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("%s already has the tag keys %s", r.kind(), strings.Join(sortedTagKeys(want), ", "))}, nil
	}
	if _, err := cli.TagResource(ctx, &guardduty.TagResourceInput{ResourceArn: aws.String(r.ARN), Tags: add}); err != nil {
		return Result{}, fmt.Errorf("tag %s: %w", r.kind(), err)
	}
	msg := fmt.Sprintf("tagged %s with %s", r.kind(), formatStringTags(add))
	if len(kept) > 0 {
		msg += "; kept the existing values of " + strings.Join(kept, ", ")
	}
	return Result{Outcome: Changed, Output: out, Message: msg}, nil
}

func formatStringTags(tags map[string]string) string {
	var parts []string
	for _, k := range sortedTagKeys(tags) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}

func verifyGuardDutyTags(ctx context.Context, in Input, _ Result) error {
	r, _ := parseGuardDutyARN(in.String("resource_arn"))
	have, err := guardduty.NewFromConfig(inRegion(in.AWS, r.Region)).ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(r.ARN)})
	if err != nil {
		return fmt.Errorf("read the tags of %s: %w", r.kind(), err)
	}
	var missing []string
	for _, k := range append(sortedKeys(in.Map("tags")), in.StringList("required_keys")...) {
		if _, ok := have.Tags[k]; !ok && !containsString(missing, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return Mismatch("%s lacks the tag keys %s", r.kind(), strings.Join(missing, ", "))
	}
	return nil
}
