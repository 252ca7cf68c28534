package action

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// kmsScenarios are the scenarios of the KMS actions.
var kmsScenarios = map[string]scenario{
	"kms.enable-key-rotation": {
		setup: func(w *world) Input { return w.input(map[string]any{"key_id": w.key(&kms.CreateKeyInput{})}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := kms.NewFromConfig(w.cfg).DisableKeyRotation(w.ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(in.String("key_id"))})
			w.must(err)
		},
	},
}

func (w *world) key(in *kms.CreateKeyInput) string {
	w.t.Helper()
	out, err := kms.NewFromConfig(w.cfg).CreateKey(w.ctx, in)
	w.must(err)
	return aws.ToString(out.KeyMetadata.Arn)
}

// TestKeyRotationByKind covers KMS.4 for every kind of key: only an
// enabled customer managed symmetric key with KMS's own material is
// changed; each of the others says what it is and changes nothing.
func TestKeyRotationByKind(t *testing.T) {
	w := newWorld(t)
	cli := kms.NewFromConfig(w.cfg)
	rotating := w.key(&kms.CreateKeyInput{})
	_, err := cli.EnableKeyRotation(w.ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(rotating)})
	w.must(err)
	disabled := w.key(&kms.CreateKeyInput{})
	_, err = cli.DisableKey(w.ctx, &kms.DisableKeyInput{KeyId: aws.String(disabled)})
	w.must(err)
	deleting := w.key(&kms.CreateKeyInput{})
	_, err = cli.ScheduleKeyDeletion(w.ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(deleting)})
	w.must(err)
	managed, err := cli.DescribeKey(w.ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	w.must(err)
	for _, tc := range []struct {
		name, key string
		want      Outcome // 0: a permanent error
		message   string
	}{
		{"already rotating", rotating, AlreadyDone, "already rotates every 365 days"},
		{"AWS managed", aws.ToString(managed.KeyMetadata.Arn), AlreadyDone, "AWS managed key, which AWS rotates every year"},
		{"asymmetric", w.key(&kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeSignVerify}), 0, "RSA_2048 key: automatic rotation applies only to symmetric"},
		{"HMAC", w.key(&kms.CreateKeyInput{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac}), 0, "HMAC_256 key"},
		{"imported material", w.key(&kms.CreateKeyInput{Origin: kmstypes.OriginTypeExternal}), 0, "imported key material"},
		{"disabled", disabled, 0, "is disabled"},
		{"pending deletion", deleting, NotFound, "scheduled for deletion on"},
		{"missing", "arn:aws:kms:us-east-1:" + awssim.DefaultAccount + ":key/00000000-0000-4000-8000-000000000000", NotFound, "does not exist"},
	} {
		mark := w.mark(awssim.DefaultRegion)
		res, err := w.exec("kms.enable-key-rotation", map[string]any{"key_id": tc.key})
		switch {
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), tc.message) || !strings.Contains(err.Error(), "nothing changed")):
			t.Errorf("%s: %+v, %v; want an error with %q", tc.name, res, err, tc.message)
		case tc.want == 0:
			if ok, _ := Retryable(err); ok {
				t.Errorf("%s: retryable: %v", tc.name, err)
			}
		case err != nil || res.Outcome != tc.want || !strings.Contains(res.Message, tc.message):
			t.Errorf("%s: %+v, %v; want %v with %q", tc.name, res, err, tc.want, tc.message)
		}
		if writes := w.writesSince(awssim.DefaultRegion, mark); len(writes) > 0 {
			t.Errorf("%s: writes %v", tc.name, writes)
		}
	}
	// A key named by ID with a rotation period.
	id := w.key(&kms.CreateKeyInput{})
	res, err := w.exec("kms.enable-key-rotation", map[string]any{"key_id": id[strings.LastIndexByte(id, '/')+1:], "rotation_period_days": 180})
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "every 180 days") {
		t.Errorf("by ID, 180 days: %+v, %v", res, err)
	}
}
