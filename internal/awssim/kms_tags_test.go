package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestKMSTagsAndAWSManagedKeys(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := kms.NewFromConfig(sim.Config(""))
	k, err := cli.CreateKey(ctx, &kms.CreateKeyInput{Tags: []kmstypes.Tag{{TagKey: aws.String("rectify:managed"), TagValue: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
	id := k.KeyMetadata.KeyId
	if _, err := cli.TagResource(ctx, &kms.TagResourceInput{KeyId: k.KeyMetadata.Arn, Tags: []kmstypes.Tag{{TagKey: aws.String("team"), TagValue: aws.String("data")}}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	tags, err := cli.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: id})
	if err != nil || len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].TagKey) != "rectify:managed" || aws.ToString(tags.Tags[1].TagValue) != "data" {
		t.Fatalf("ListResourceTags = %+v, %v", tags, err)
	}
	page, err := cli.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: id, Limit: aws.Int32(1)})
	if err != nil || len(page.Tags) != 1 || !page.Truncated || page.NextMarker == nil {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = cli.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: id, Limit: aws.Int32(1), Marker: page.NextMarker})
	if err != nil || len(page.Tags) != 1 || aws.ToString(page.Tags[0].TagKey) != "team" || page.Truncated {
		t.Fatalf("second page = %+v, %v", page, err)
	}
	if _, err := cli.UntagResource(ctx, &kms.UntagResourceInput{KeyId: id, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/data"), TargetKeyId: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String("alias/data")}); apiCode(err) != "InvalidArnException" {
		t.Errorf("ListResourceTags by alias: %v", err)
	}
	if _, err := cli.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab")}); apiCode(err) != "NotFoundException" {
		t.Errorf("ListResourceTags of a missing key: %v", err)
	}

	// An AWS managed key is made when its alias is first used; its tags
	// cannot be changed, and a customer may not make such an alias.
	m, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/sns")})
	if err != nil || m.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeAws || !m.KeyMetadata.Enabled {
		t.Fatalf("DescribeKey(alias/aws/sns) = %+v, %v", m, err)
	}
	again, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/sns")})
	if err != nil || aws.ToString(again.KeyMetadata.KeyId) != aws.ToString(m.KeyMetadata.KeyId) {
		t.Errorf("the second DescribeKey made another key: %+v, %v", again, err)
	}
	if _, err := cli.TagResource(ctx, &kms.TagResourceInput{KeyId: m.KeyMetadata.KeyId, Tags: []kmstypes.Tag{{TagKey: aws.String("a"), TagValue: aws.String("b")}}}); apiCode(err) != "NotAuthorizedException" {
		t.Errorf("tagging an AWS managed key: %v", err)
	}
	if _, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/not-aws")}); apiCode(err) != "NotFoundException" {
		t.Errorf("DescribeKey of a missing customer alias: %v", err)
	}
}
