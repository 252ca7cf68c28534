package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// TestKMSAWSManagedKeys checks that DescribeKey of an alias/aws/ alias
// makes the AWS managed key, which rotates and whose rotation no one may
// change, and that asymmetric keys report rotation off.
func TestKMSAWSManagedKeys(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := kms.NewFromConfig(sim.Config(member))
	d, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	if err != nil || d.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeAws {
		t.Fatalf("DescribeKey alias/aws/s3 = %+v, %v", d, err)
	}
	again, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	if err != nil || aws.ToString(again.KeyMetadata.KeyId) != aws.ToString(d.KeyMetadata.KeyId) {
		t.Errorf("second DescribeKey = %+v, %v; want the same key", again, err)
	}
	st, err := cli.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: d.KeyMetadata.KeyId})
	if err != nil || !st.KeyRotationEnabled {
		t.Errorf("rotation of an AWS managed key = %+v, %v", st, err)
	}
	if _, err := cli.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: d.KeyMetadata.KeyId}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("DisableKeyRotation of an AWS managed key: %v", err)
	}
	if _, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/mine")}); apiCode(err) != "NotFoundException" {
		t.Errorf("DescribeKey of a missing customer alias: %v", err)
	}
	rsa, err := cli.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := cli.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: rsa.KeyMetadata.KeyId}); err != nil || st.KeyRotationEnabled {
		t.Errorf("rotation status of an RSA key = %+v, %v", st, err)
	}
	if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: rsa.KeyMetadata.KeyId}); apiCode(err) != "UnsupportedOperationException" {
		t.Errorf("EnableKeyRotation of an RSA key: %v", err)
	}
}
