package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
	"github.com/rectify-dev/rectify/internal/store"
)

func fixture(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "lambda", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLambdaSQSBatch(t *testing.T) {
	e := newEnv(t)
	var metas []intake.Meta
	fn := intake.HandleFunc(e.eng, func(m intake.Meta, _ *engine.Result, _ error) { metas = append(metas, m) })
	out, err := intake.NewLambda(fn, discard()).Invoke(context.Background(), fixture(t, "sqs-batch.json"))
	if err != nil {
		t.Fatalf("Invoke = %v", err)
	}
	resp, ok := out.(*events.SQSEventResponse)
	if !ok {
		t.Fatalf("Invoke = %T, want *events.SQSEventResponse", out)
	}
	want := []events.SQSBatchItemFailure{{ItemIdentifier: "m-fail"}}
	if !slices.Equal(resp.BatchItemFailures, want) {
		t.Errorf("batch item failures = %+v, want %+v", resp.BatchItemFailures, want)
	}
	if e.count("a") != 1 || e.count("c") != 1 {
		t.Errorf("touched a %d, c %d times (c is in an SNS notification); want once each", e.count("a"), e.count("c"))
	}
	if n := e.events(t, store.EventRejected); n != 1 {
		t.Errorf("%d rejected events recorded, want 1", n)
	}
	if len(metas) != 4 {
		t.Fatalf("%d events handled, want 4", len(metas))
	}
	m := metas[1]
	if m.Source != "lambda" || m.MessageID != "m-fail" || m.ReceiveCount != 3 ||
		m.Queue != "arn:aws:sqs:us-east-1:123456789012:rectify-events" || m.Origin != "rectify-events/m-fail" {
		t.Errorf("meta = %+v", m)
	}

	// The response is what the Lambda runtime sends back.
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"batchItemFailures":[{"itemIdentifier":"m-fail"}]}` {
		t.Errorf("response = %s", b)
	}
}

func TestLambdaDirectEvent(t *testing.T) {
	tests := []struct {
		name      string
		payload   json.RawMessage
		wantErr   error
		wantRetry bool
		touched   string
		rejected  int
	}{
		{name: "handled", payload: fixture(t, "direct.json"), touched: "d"},
		{name: "remediation failed", payload: fixture(t, "direct-failing.json"), wantErr: intake.ErrRemediationFailed},
		{name: "rejected", payload: json.RawMessage(`{"detail-type": 7}`), rejected: 1},
		{name: "empty", payload: json.RawMessage(` `), rejected: 1},
		{name: "sns records", payload: fixture(t, "sns-records.json"), wantErr: intake.ErrUnsupportedPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var origin string
			fn := intake.HandleFunc(e.eng, func(m intake.Meta, _ *engine.Result, _ error) { origin = m.Origin })
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
			out, err := intake.NewLambda(fn, discard()).Invoke(ctx, tt.payload)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Invoke error = %v, want %v", err, tt.wantErr)
			}
			if out != nil {
				t.Errorf("Invoke = %v, want nil", out)
			}
			if tt.touched != "" && e.count(tt.touched) != 1 {
				t.Errorf("touched %q %d times, want once", tt.touched, e.count(tt.touched))
			}
			if n := e.events(t, store.EventRejected); n != tt.rejected {
				t.Errorf("%d rejected events recorded, want %d", n, tt.rejected)
			}
			if tt.wantErr != intake.ErrUnsupportedPayload && origin != "lambda/req-1" {
				t.Errorf("origin = %q, want lambda/req-1", origin)
			}
		})
	}
}
