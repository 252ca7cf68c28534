package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestKMSKeyRotationRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	sim.AddAccount(member)
	cli := kms.NewFromConfig(sim.Config(member))

	created, err := cli.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("orders")})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	md := created.KeyMetadata
	if md.KeySpec != kmstypes.KeySpecSymmetricDefault || md.KeyManager != kmstypes.KeyManagerTypeCustomer ||
		md.KeyState != kmstypes.KeyStateEnabled || !md.Enabled || aws.ToString(md.AWSAccountId) != member {
		t.Fatalf("CreateKey metadata = %+v", md)
	}
	if !strings.HasPrefix(aws.ToString(md.Arn), "arn:aws:kms:us-east-1:"+member+":key/") {
		t.Errorf("Arn = %q", aws.ToString(md.Arn))
	}
	id := md.KeyId

	st, err := cli.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id})
	if err != nil || st.KeyRotationEnabled {
		t.Fatalf("GetKeyRotationStatus before = %+v, %v", st, err)
	}
	if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id, RotationPeriodInDays: aws.Int32(180)}); err != nil {
		t.Fatalf("EnableKeyRotation: %v", err)
	}
	st, err = cli.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: md.Arn})
	if err != nil || !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 180 || st.NextRotationDate == nil {
		t.Fatalf("GetKeyRotationStatus after enable = %+v, %v", st, err)
	}
	if _, err := cli.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: id}); err != nil {
		t.Fatalf("DisableKeyRotation: %v", err)
	}
	st, err = cli.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id})
	if err != nil || st.KeyRotationEnabled {
		t.Fatalf("GetKeyRotationStatus after disable = %+v, %v", st, err)
	}
	if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id, RotationPeriodInDays: aws.Int32(30)}); apiCode(err) != "ValidationException" {
		t.Errorf("EnableKeyRotation(30 days) error = %v, want ValidationException", err)
	}

	// The activity log records the call with the key as its resource.
	var found bool
	for _, rec := range sim.Trail(member, "us-east-1") {
		if rec.EventName == "EnableKeyRotation" && rec.ErrorCode == "" {
			found = true
			b, _ := json.Marshal(rec.RequestParameters)
			if !strings.Contains(string(b), `"keyId":"`+aws.ToString(id)+`"`) {
				t.Errorf("EnableKeyRotation requestParameters = %s", b)
			}
			if len(rec.Resources) != 1 || rec.Resources[0].ARN != aws.ToString(md.Arn) {
				t.Errorf("EnableKeyRotation resources = %+v", rec.Resources)
			}
		}
	}
	if !found {
		t.Error("no EnableKeyRotation record in the activity log")
	}
}

func TestKMSRotationUnsupportedForAsymmetricKeys(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := kms.NewFromConfig(sim.Config(""))
	for _, tc := range []struct {
		spec  kmstypes.KeySpec
		usage kmstypes.KeyUsageType
	}{
		{kmstypes.KeySpecRsa2048, kmstypes.KeyUsageTypeEncryptDecrypt},
		{kmstypes.KeySpecEccNistP256, kmstypes.KeyUsageTypeSignVerify},
		{kmstypes.KeySpecHmac256, kmstypes.KeyUsageTypeGenerateVerifyMac},
	} {
		out, err := cli.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: tc.spec, KeyUsage: tc.usage})
		if err != nil {
			t.Fatalf("CreateKey(%s): %v", tc.spec, err)
		}
		if out.KeyMetadata.KeySpec != tc.spec || out.KeyMetadata.KeyUsage != tc.usage {
			t.Errorf("CreateKey(%s) metadata = %+v", tc.spec, out.KeyMetadata)
		}
		_, err = cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: out.KeyMetadata.KeyId})
		var uoe *kmstypes.UnsupportedOperationException
		if !errors.As(err, &uoe) {
			t.Errorf("EnableKeyRotation(%s) error = %v, want UnsupportedOperationException", tc.spec, err)
		}
	}
	if _, err := cli.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: "AES_9"}); apiCode(err) != "ValidationException" {
		t.Errorf("CreateKey(bad spec) error = %v", err)
	}
}

func TestKMSKeyDeletionAndState(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := kms.NewFromConfig(sim.Config(""))
	out, err := cli.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := out.KeyMetadata.KeyId
	sch, err := cli.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)})
	if err != nil {
		t.Fatalf("ScheduleKeyDeletion: %v", err)
	}
	if sch.KeyState != kmstypes.KeyStatePendingDeletion || aws.ToInt32(sch.PendingWindowInDays) != 7 ||
		sch.DeletionDate.Sub(sim.Now().Add(7*24*time.Hour)).Abs() > time.Minute {
		t.Errorf("ScheduleKeyDeletion = %+v (deletion %v)", sch, sch.DeletionDate)
	}
	d, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id})
	if err != nil || d.KeyMetadata.KeyState != kmstypes.KeyStatePendingDeletion || d.KeyMetadata.Enabled || d.KeyMetadata.DeletionDate == nil {
		t.Fatalf("DescribeKey pending = %+v, %v", d, err)
	}
	var ise *kmstypes.KMSInvalidStateException
	if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id}); !errors.As(err, &ise) {
		t.Errorf("EnableKeyRotation pending deletion error = %v, want KMSInvalidStateException", err)
	}
	if _, err := cli.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id}); !errors.As(err, &ise) {
		t.Errorf("GetKeyRotationStatus pending deletion error = %v, want KMSInvalidStateException", err)
	}
	if _, err := cli.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: id}); !errors.As(err, &ise) {
		t.Errorf("second ScheduleKeyDeletion error = %v", err)
	}
	if _, err := cli.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: id}); err != nil {
		t.Fatalf("CancelKeyDeletion: %v", err)
	}
	d, _ = cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id})
	if d.KeyMetadata.KeyState != kmstypes.KeyStateDisabled || d.KeyMetadata.DeletionDate != nil {
		t.Errorf("after CancelKeyDeletion = %+v", d.KeyMetadata)
	}
	var dis *kmstypes.DisabledException
	if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id}); !errors.As(err, &dis) {
		t.Errorf("EnableKeyRotation on disabled key error = %v, want DisabledException", err)
	}
	if _, err := cli.EnableKey(ctx, &kms.EnableKeyInput{KeyId: id}); err != nil {
		t.Fatalf("EnableKey: %v", err)
	}
	if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id}); err != nil {
		t.Errorf("EnableKeyRotation after EnableKey: %v", err)
	}

	var nf *kmstypes.NotFoundException
	if _, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab")}); !errors.As(err, &nf) {
		t.Errorf("DescribeKey(missing) error = %v, want NotFoundException", err)
	}
	// Another account's key is not found.
	sim.AddAccount(member)
	other := kms.NewFromConfig(sim.Config(member))
	if _, err := other.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id}); !errors.As(err, &nf) {
		t.Errorf("DescribeKey from another account error = %v, want NotFoundException", err)
	}
}

func TestKMSAliasesListsAndPolicy(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := kms.NewFromConfig(sim.Config(""))
	var ids []string
	for range 3 {
		out, err := cli.CreateKey(ctx, &kms.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.KeyMetadata.KeyId))
	}
	if _, err := cli.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: &ids[1]}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	if _, err := cli.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: &ids[0]}); apiCode(err) != "AlreadyExistsException" {
		t.Errorf("duplicate CreateAlias error = %v", err)
	}
	if _, err := cli.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("orders"), TargetKeyId: &ids[0]}); apiCode(err) != "InvalidAliasNameException" {
		t.Errorf("CreateAlias(no prefix) error = %v", err)
	}
	d, err := cli.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/orders")})
	if err != nil || aws.ToString(d.KeyMetadata.KeyId) != ids[1] {
		t.Fatalf("DescribeKey(alias) = %+v, %v", d, err)
	}
	al, err := cli.ListAliases(ctx, &kms.ListAliasesInput{KeyId: &ids[1]})
	if err != nil || len(al.Aliases) != 1 || aws.ToString(al.Aliases[0].AliasName) != "alias/orders" || aws.ToString(al.Aliases[0].TargetKeyId) != ids[1] {
		t.Fatalf("ListAliases = %+v, %v", al, err)
	}

	// ListKeys pages through every key.
	var seen []string
	p := kms.NewListKeysPaginator(cli, &kms.ListKeysInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListKeys: %v", err)
		}
		for _, k := range page.Keys {
			seen = append(seen, aws.ToString(k.KeyId))
		}
	}
	if len(seen) != 3 {
		t.Errorf("ListKeys saw %v, want the 3 keys %v", seen, ids)
	}

	pol, err := cli.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &ids[0]})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), `"arn:aws:iam::`+sim.Account()+`:root"`) {
		t.Fatalf("GetKeyPolicy default = %v, %v", aws.ToString(pol.Policy), err)
	}
	newPol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + sim.Account() + `:role/admin"},"Action":"kms:*","Resource":"*"}]}`
	if _, err := cli.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &ids[0], Policy: &newPol}); err != nil {
		t.Fatalf("PutKeyPolicy: %v", err)
	}
	pol, err = cli.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &ids[0], PolicyName: aws.String("default")})
	if err != nil || aws.ToString(pol.Policy) != newPol {
		t.Errorf("GetKeyPolicy after put = %v, %v", aws.ToString(pol.Policy), err)
	}
	if _, err := cli.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &ids[0], Policy: aws.String("{not json")}); apiCode(err) != "MalformedPolicyDocumentException" {
		t.Errorf("PutKeyPolicy(bad) error = %v", err)
	}
}

func TestKMSStateSurvivesSnapshot(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := kms.NewFromConfig(sim.Config(""))
	out, err := cli.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: out.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	snap, err := sim.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Restore(snap); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	st, err := cli.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: out.KeyMetadata.KeyId})
	if err != nil || !st.KeyRotationEnabled {
		t.Errorf("GetKeyRotationStatus after Restore = %+v, %v", st, err)
	}
}
