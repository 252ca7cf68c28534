package action

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
)

// Tagging any resource by ARN, through the Resource Groups Tagging API.
//
// One API tags resources of every service by ARN, and the same API's
// GetResources reads the tags back, which is how the action verifies its
// change. AWS also checks the resource's own service's tagging permission
// for each call, so the action declares those of the resource types it is
// documented for as extra permissions.

// taggingPermissions are the service permissions tag:TagResources needs
// beside its own, for the resource types tag.tag-resource supports.
var taggingPermissions = []string{
	"ec2:CreateTags", "s3:GetBucketTagging", "s3:PutBucketTagging", "sqs:TagQueue", "sns:TagResource",
	"lambda:TagResource", "dynamodb:TagResource", "kms:TagResource", "rds:AddTagsToResource",
}

func taggingActions() []Spec {
	return []Spec{{
		Name: "tag.tag-resource",
		Description: "Set tags on any resource by its ARN, through the Resource Groups Tagging API: EC2 resources, S3 " +
			"buckets, SQS queues, SNS topics, Lambda functions, DynamoDB tables, KMS keys and RDS DB instances. " +
			"Tags the resource already has with other keys are kept.",
		Params: []Param{
			{Name: "resource_arn", Type: String, Required: true, Description: "the resource's ARN, in the target's account and region (S3 bucket ARNs name no region)"},
			{Name: "tags", Type: Map, Required: true, Description: "the tags to set, key to string value"},
		},
		Reads: []string{"tag:GetResources"}, Writes: []string{"tag:TagResources"},
		ExtraPermissions: taggingPermissions,
		Describe: func(in Input) string {
			return fmt.Sprintf("tag %s with %s", in.String("resource_arn"), formatTags(in.Map("tags")))
		},
		Run:    tagResource,
		Verify: verifyResourceTags,
	}}
}

// checkARN refuses a resource_arn that is not an ARN.
func checkARN(arn string) error {
	if parts := strings.SplitN(arn, ":", 6); len(parts) < 6 || parts[0] != "arn" || parts[2] == "" || parts[5] == "" {
		return &ParamError{Action: "tag.tag-resource", Param: "resource_arn", Value: arn, Err: fmt.Errorf("%w: want an ARN such as arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", ErrParamType)}
	}
	return nil
}

// resourceTags returns the tags of the resource arn, and false if the
// Tagging API does not list it (it has no tags, or does not exist).
func resourceTags(ctx context.Context, cli *tagging.Client, arn string) (map[string]string, bool, error) {
	out, err := cli.GetResources(ctx, &tagging.GetResourcesInput{ResourceARNList: []string{arn}})
	if err != nil {
		return nil, false, fmt.Errorf("get the tags of %s: %w", arn, err)
	}
	for _, m := range out.ResourceTagMappingList {
		if aws.ToString(m.ResourceARN) != arn {
			continue
		}
		tags := map[string]string{}
		for _, t := range m.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return tags, true, nil
	}
	return map[string]string{}, false, nil
}

// wantedTags returns the tags parameter with string values.
func wantedTags(in Input) map[string]string {
	out := map[string]string{}
	for k, v := range in.Map("tags") {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// tagsMissing lists the keys of want that have has not, or not with the
// same value.
func tagsMissing(has, want map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if v, ok := has[k]; !ok || v != want[k] {
			out = append(out, k)
		}
	}
	return out
}

func tagResource(ctx context.Context, in Input) (Result, error) {
	arn := in.String("resource_arn")
	if err := checkARN(arn); err != nil {
		return Result{}, err
	}
	want := wantedTags(in)
	cli := tagging.NewFromConfig(in.AWS)
	out := map[string]any{"resource_arn": arn, "tagged": []string{}}
	has, _, err := resourceTags(ctx, cli, arn)
	if err != nil {
		return Result{}, err
	}
	missing := tagsMissing(has, want)
	if len(missing) == 0 {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("%s already has tags %s", arn, formatTags(in.Map("tags")))}, nil
	}
	set := map[string]string{}
	for _, k := range missing {
		set[k] = want[k]
	}
	res, err := cli.TagResources(ctx, &tagging.TagResourcesInput{ResourceARNList: []string{arn}, Tags: set})
	if err != nil {
		return Result{}, fmt.Errorf("tag %s: %w", arn, err)
	}
	if f, failed := res.FailedResourcesMap[arn]; failed {
		msg := aws.ToString(f.ErrorMessage)
		if f.StatusCode == 404 || mentionsMissing(msg) {
			return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("%s does not exist: %s", arn, msg)}, nil
		}
		return Result{}, fmt.Errorf("tag %s: %s: %s", arn, f.ErrorCode, msg)
	}
	out["tagged"] = missing
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("tagged %s with %s", arn, formatTags(in.Map("tags")))}, nil
}

// mentionsMissing reports whether a Tagging API failure message relays
// its service's answer that the resource does not exist.
func mentionsMissing(msg string) bool {
	m := strings.ToLower(msg)
	for _, s := range []string{"does not exist", "not found", "notfound", "nosuch"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

func verifyResourceTags(ctx context.Context, in Input, _ Result) error {
	arn := in.String("resource_arn")
	has, listed, err := resourceTags(ctx, tagging.NewFromConfig(in.AWS), arn)
	if err != nil {
		return err
	}
	if !listed {
		return Mismatch("%s has no tags", arn)
	}
	want := wantedTags(in)
	if missing := tagsMissing(has, want); len(missing) > 0 {
		var found []string
		for _, k := range missing {
			if v, ok := has[k]; ok {
				found = append(found, fmt.Sprintf("%s is %q", k, v))
			} else {
				found = append(found, k+" is not set")
			}
		}
		return Mismatch("tags of %s: %s", arn, strings.Join(found, "; "))
	}
	return nil
}
