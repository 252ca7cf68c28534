// Package intake brings events into rectify from where they arrive.
//
// A source reads raw event bytes from somewhere and hands each event, one at
// a time, to a [Func]; what the function does with it (normally
// [engine.Engine.Handle]) is no concern of the source. The source attaches a
// [Meta] to the context of each call, saying where the event came from, and
// decides from the function's error what to tell its producer: a file source
// reports the event's line, a queue source leaves a failed message for
// redelivery, a Lambda handler reports a batch item failure.
//
// Sources accept the same shapes of input everywhere: one JSON event, a JSON
// array of events, or JSON Lines (one event per line, blank lines ignored),
// with or without a content type or file name that says so (see [Auto]).
// Each event is judged, handled and reported on its own; a malformed event
// does not stop the ones after it. A part of the input that is not valid
// JSON, up to the next line that holds a whole JSON object, is passed on as
// one event, so that the engine rejects it and records why.
//
// [NewHTTP] serves the HTTP intake (POST /events) and answers each request
// with an [Outcome] per event. [File] and [Walk] read events from files, for
// rectify run and rectify replay. [SQS] long-polls a queue and deletes each
// message once its events are handled; [Lambda] handles the invocations of
// an AWS Lambda function, EventBridge events delivered directly or SQS
// batches, and resumes due runs when a schedule invokes it. Both take a message body that is an SNS notification to carry
// the event in its Message.
package intake

import (
	"context"
	"errors"
	"fmt"

	"github.com/rectify-dev/rectify/internal/engine"
)

// Func handles one event's raw bytes. The context carries the event's
// [Meta]. A source treats a non-nil error as the event's failure: it reports
// it and, where its producer can redeliver, does not acknowledge the event.
type Func func(ctx context.Context, raw []byte) error

// Source delivers events to a Func.
type Source interface {
	// Run passes each event to fn, in order, until the input is exhausted
	// or ctx ends. An event whose fn fails does not stop the ones after
	// it; Run's error joins every event's failure, each an *EventError,
	// and any failure to read the input.
	Run(ctx context.Context, fn Func) error
}

// Handler takes an event through rectify and reports what became of it.
// *engine.Engine implements it.
type Handler interface {
	Handle(ctx context.Context, raw []byte) (*engine.Result, error)
}

// Meta says where an event came from.
type Meta struct {
	// Source is the kind of source: "http", "file", "sqs", "lambda".
	Source string
	// Origin locates the event for people: "events.jsonl:12",
	// "request[3]".
	Origin string
	// File is the file the event was read from, if any.
	File string
	// Line is the line on which the event begins, counting from 1; 0 when
	// the source has no lines.
	Line int
	// Index is the event's position in its file or request, counting
	// from 0.
	Index int
	// Offset is how many bytes of the file or body had been read once the
	// event was; with the input's size it measures progress.
	Offset int64
	// Queue is the SQS queue the event's message came from: its URL for
	// the SQS source, its ARN for a Lambda SQS event.
	Queue string
	// MessageID is the id of the event's SQS message.
	MessageID string
	// ReceiveCount is how many times the message has been received,
	// this time included (SQS's ApproximateReceiveCount); 0 when unknown.
	ReceiveCount int
}

type metaKey struct{}

// WithMeta returns a context carrying m.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the Meta a source attached to ctx.
func MetaFrom(ctx context.Context) (Meta, bool) {
	m, ok := ctx.Value(metaKey{}).(Meta)
	return m, ok
}

// EventError is the failure of one event of a source.
type EventError struct {
	Meta Meta
	Err  error
}

func (e *EventError) Error() string {
	if e.Meta.Origin == "" {
		return e.Err.Error()
	}
	return e.Meta.Origin + ": " + e.Err.Error()
}

// Unwrap returns the event's failure.
func (e *EventError) Unwrap() error { return e.Err }

// ErrNoEvents is reported for input that holds no event at all.
var ErrNoEvents = errors.New("no events")

// ErrRemediationFailed is returned by HandleFunc for an event that was
// handled but at least one of whose runs failed.
var ErrRemediationFailed = errors.New("remediation failed")

// HandleFunc returns a Func that passes each event to h and calls report,
// if not nil, with the event's Meta and what h made of it. The Func's error
// is h's error (wrapping engine.ErrRejected for rejected input), or
// ErrRemediationFailed when a run failed.
func HandleFunc(h Handler, report func(m Meta, res *engine.Result, err error)) Func {
	return func(ctx context.Context, raw []byte) error {
		m, _ := MetaFrom(ctx)
		res, err := h.Handle(ctx, raw)
		if report != nil {
			report(m, res, err)
		}
		if err != nil {
			return err
		}
		if res != nil && res.Failed() {
			return fmt.Errorf("event %s: %w", res.EventID, ErrRemediationFailed)
		}
		return nil
	}
}
