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
//   - A scheduled invocation: an event of an EventBridge schedule (source
//     aws.events or aws.scheduler, detail-type "Scheduled Event") or the
//     payload {"rectify": "resume"}, as an EventBridge Scheduler schedule
//     sends it. Invoke calls Resume, which carries on the runs that are due
//     (durable waits that have elapsed, runs left unfinished by an ended
//     invocation), and returns a *ResumeSummary.
type Lambda struct {
	// Func handles each event.
	Func Func
	// Resume executes the runs that are due and says how many it executed;
	// normally engine.Engine.Resume. Nil makes scheduled invocations fail.
	Resume func(ctx context.Context) (int, error)
	// Logger receives a line per failed event; nil means slog.Default.
	Logger *slog.Logger
}

// NewLambda returns the Lambda handler passing events to fn.
func NewLambda(fn Func, log *slog.Logger) *Lambda {
	return &Lambda{Func: fn, Logger: log}
}

// ErrUnsupportedPayload is returned by Lambda.Invoke for a payload that is
// neither an EventBridge event, an SQS batch nor a scheduled invocation.
var ErrUnsupportedPayload = errors.New("unsupported Lambda payload")

// ResumeSummary is the result of a scheduled invocation.
type ResumeSummary struct {
	// Resumed is how many due runs were executed.
	Resumed int `json:"resumed"`
}

// ResumeCommand is the value of the "rectify" member of a payload that asks
// for due runs to be resumed: {"rectify": "resume"}.
const ResumeCommand = "resume"

// scheduledDetailType is the detail-type of the events of EventBridge
// schedules.
const scheduledDetailType = "Scheduled Event"

// Invoke handles one invocation's payload. Its result is nil for a direct
// event, an *events.SQSEventResponse for an SQS batch and a *ResumeSummary
// for a scheduled invocation.
func (l *Lambda) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	if l.Func == nil {
		return nil, errors.New("lambda intake: no handler")
	}
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	var probe struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Rectify    json.RawMessage `json:"rectify"`
		Records    []struct {
			EventSource string `json:"eventSource"`
			// SNS records spell it EventSource.
			SNSEventSource string `json:"EventSource"`
		} `json:"Records"`
	}
	trimmed := trimSpace(payload)
	isObject := len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &probe) == nil
	if isObject && probe.Rectify != nil {
		var cmd string
		if err := json.Unmarshal(probe.Rectify, &cmd); err != nil || cmd != ResumeCommand {
			return nil, fmt.Errorf("lambda intake: \"rectify\": %s: %w (the only command is %q)", probe.Rectify, ErrUnsupportedPayload, ResumeCommand)
		}
		return l.resume(ctx, "rectify command", log)
	}
	if isObject && probe.DetailType == scheduledDetailType && (probe.Source == "aws.events" || probe.Source == "aws.scheduler") {
		return l.resume(ctx, probe.Source+" schedule", log)
	}
	if isObject && probe.Records != nil {
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

// resume executes the due runs for a scheduled invocation. The runs do not
// end with the invocation's deadline: a step cut short by it would fail its
// run, whereas a run left unfinished when Lambda ends the invocation is
// resumed by a later one once its lease has expired.
func (l *Lambda) resume(ctx context.Context, trigger string, log *slog.Logger) (any, error) {
	if l.Resume == nil {
		return nil, fmt.Errorf("lambda intake: %s: runs cannot be resumed: no Resume function", trigger)
	}
	n, err := l.Resume(context.WithoutCancel(ctx))
	if err != nil {
		log.Error("lambda intake: resuming runs", "trigger", trigger, "resumed", n, "err", err)
		return nil, fmt.Errorf("lambda intake: resume runs (%d resumed): %w", n, err)
	}
	log.Info("lambda intake: resumed runs", "trigger", trigger, "resumed", n)
	return &ResumeSummary{Resumed: n}, nil
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
