package action

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/rectify-dev/rectify/internal/permission"
)

func TestRetryable(t *testing.T) {
	api := func(code string) error {
		return fmt.Errorf("operation error IAM: UpdateAccessKey: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
	}
	for _, tc := range []struct {
		name  string
		err   error
		retry bool
		after time.Duration
	}{
		{"nil", nil, false, 0},
		{"throttling", api("Throttling"), true, 0},
		{"ec2 throttling", api("RequestLimitExceeded"), true, 0},
		{"dynamodb throughput", api("ProvisionedThroughputExceededException"), true, 0},
		{"service unavailable", api("ServiceUnavailable"), true, 0},
		{"expired token", api("ExpiredToken"), true, 0},
		{"step timeout", fmt.Errorf("call: %w", context.DeadlineExceeded), true, 0},
		{"access denied", api("AccessDenied"), false, 0},
		{"access denied exception", api("AccessDeniedException"), false, 0},
		{"validation", api("ValidationError"), false, 0},
		{"unknown code", api("SomethingOdd"), false, 0},
		{"plain error", errors.New("bucket policy is not JSON"), false, 0},
		{"gate", &permission.DeniedError{Owner: "x", Action: "iam:DeleteUser"}, false, 0},
		{"verification", Mismatch("still active"), false, 0},
		{"marked retryable", RetryLater(errors.New("key pending"), time.Minute), true, time.Minute},
		{"marked permanent", Permanent(api("Throttling")), false, 0},
	} {
		retry, after := Retryable(tc.err)
		if retry != tc.retry || after != tc.after {
			t.Errorf("%s: Retryable(%v) = %v, %v; want %v, %v", tc.name, tc.err, retry, after, tc.retry, tc.after)
		}
	}
}
