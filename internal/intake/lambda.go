package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Lambda handles the invocations of an AWS Lambda function that brings
// events into rectify. Its Invoke takes the invocation's payload, which is
// one of:
//
//   - An EventBridge event, delivered directly by a rule whose target is the
//     function (or an SNS notification carrying one). Invoke returns an
//     error when the event must be retried, so that Lambda's asynchronous
//     invocation retries it and finally sends it to the function's
//     on-failure destination or dead-letter queue; a rejected event is
//     recorded and not retried.
//   - An SQS event source batch (events.SQSEvent). Invoke returns an
//     *events.SQSEventResponse naming the messages that must be retried
//     (the event source mapping must report batch item failures, or Lambda
//     retries the whole batch); the others, handled or rejected, are
//     deleted by Lambda.
type Lambda struct {
	// Func handles each event.
	Func Func
	// Logger receives a line per failed event; nil means slog.Default.
	Logger *slog.Logger
}

// NewLambda returns the Lambda handler passing events to fn.
func NewLambda(fn Func, log *slog.Logger) *Lambda {
	return &Lambda{Func: fn, Logger: log}
}

// ErrUnsupportedPayload is returned by Lambda.Invoke for a payload that is
// neither an EventBridge event nor an SQS batch.
var ErrUnsupportedPayload = errors.New("unsupported Lambda payload")

// Invoke handles one invocation's payload. Its result is nil for a direct
// event and an *events.SQSEventResponse for an SQS batch.
func (l *Lambda) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	if l.Func == nil {
		return nil, errors.New("lambda intake: no handler")
	}
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
			// SNS records spell it EventSource.
			SNSEventSource string `json:"EventSource"`
		} `json:"Records"`
	}
	trimmed := trimSpace(payload)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &probe) == nil && probe.Records != nil {
		for i, r := range probe.Records {
			if r.EventSource != "aws:sqs" {
				src := r.EventSource
				if src == "" {
					src = r.SNSEventSource
				}
				return nil, fmt.Errorf("lambda intake: record %d: event source %q: %w (only aws:sqs records are)", i, src, ErrUnsupportedPayload)
			}
		}
		var batch events.SQSEvent
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return nil, fmt.Errorf("lambda intake: SQS event: %w", err)
		}
		return l.sqsBatch(ctx, batch, log), nil
	}

	m := Meta{Source: "lambda", Origin: "lambda"}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		m.Origin = "lambda/" + lc.AwsRequestID
	}
	retry, err := deliver(ctx, m, payload, l.Func)
	if retry {
		log.Error("lambda intake: event not handled; the invocation fails so that it is retried", "origin", m.Origin, "err", err)
		return nil, fmt.Errorf("lambda intake: %w", err)
	}
	if err != nil {
		log.Info("lambda intake: event rejected", "origin", m.Origin, "err", err)
	}
	return nil, nil
}

// sqsBatch handles the messages of an SQS batch, one after the other, and
// names those to retry.
func (l *Lambda) sqsBatch(ctx context.Context, batch events.SQSEvent, log *slog.Logger) *events.SQSEventResponse {
	resp := &events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, r := range batch.Records {
		m := Meta{Source: "lambda", Origin: queueName(r.EventSourceARN) + "/" + r.MessageId, Queue: r.EventSourceARN, MessageID: r.MessageId}
		m.ReceiveCount, _ = strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
		retry, err := deliver(ctx, m, []byte(r.Body), l.Func)
		switch {
		case retry:
			log.Warn("lambda intake: message left for redelivery", "origin", m.Origin, "receive_count", m.ReceiveCount, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		case err != nil:
			log.Info("lambda intake: message rejected", "origin", m.Origin, "err", err)
		}
	}
	return resp
}
