package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rectify-dev/rectify/internal/engine"
)

// SQSClient is the part of the SQS API the SQS source calls; *sqs.Client
// implements it.
type SQSClient interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Defaults of the SQS source.
const (
	// DefaultSQSMaxInFlight is how many messages are handled at once when
	// SQS.MaxInFlight is zero.
	DefaultSQSMaxInFlight = 10
	// DefaultSQSVisibility is the visibility timeout asked for when the
	// queue's own cannot be read.
	DefaultSQSVisibility = 30 * time.Second

	sqsMaxBatch      = 10
	sqsMaxWait       = 20 * time.Second
	sqsMinBackoff    = time.Second
	sqsMaxBackoff    = time.Minute
	sqsDeleteTimeout = 30 * time.Second
)

// SQS is a Source that long-polls an SQS queue, such as the target of an
// EventBridge rule. A message's body is an event, a JSON array of events or
// JSON Lines, or an SNS notification whose Message is one of those.
//
// Messages are handled concurrently, up to MaxInFlight at a time. While a
// message is being handled its visibility timeout is extended, each time
// half of it has passed, so that no other consumer receives it. A message
// is deleted once each of its events was handled or rejected (rejected input
// is recorded by the engine, and handling it again could not change that).
// Any other failure, such as a store failure or a failed remediation,
// leaves the message in the queue: SQS delivers it again when its
// visibility timeout ends and, after the redrive policy's maxReceiveCount,
// moves it to the dead-letter queue.
type SQS struct {
	// Client calls SQS.
	Client SQSClient
	// QueueURL is the queue's URL.
	QueueURL string
	// MaxInFlight bounds the messages handled at once; 0 means
	// DefaultSQSMaxInFlight.
	MaxInFlight int
	// VisibilityTimeout is asked for on each receive, in whole seconds; 0
	// means the queue's VisibilityTimeout attribute (DefaultSQSVisibility
	// when it cannot be read).
	VisibilityTimeout time.Duration
	// WaitTime is the long poll's wait, at most 20 seconds; 0 means 20
	// seconds.
	WaitTime time.Duration
	// Grace is how long messages in flight may still be handled once Run's
	// context ends; their context is then cancelled. 0 means no limit.
	Grace time.Duration
	// Logger receives a line per failed message and per receive error; nil
	// means slog.Default.
	Logger *slog.Logger
}

// NewSQS returns the SQS source of the queue at queueURL.
func NewSQS(client SQSClient, queueURL string) *SQS {
	return &SQS{Client: client, QueueURL: queueURL}
}

// Run implements Source. It polls until ctx ends, then stops polling,
// finishes the messages in flight (with a context that ctx's cancellation
// does not reach, bounded by Grace) and returns nil. Errors of a receive
// are logged and retried with an exponential backoff. The failures of
// events are logged, not returned: the queue redelivers their messages.
// Run fails at once only for a source that cannot work at all.
func (s *SQS) Run(ctx context.Context, fn Func) error {
	if s.Client == nil {
		return errors.New("sqs intake: no client")
	}
	if s.QueueURL == "" {
		return errors.New("sqs intake: no queue URL")
	}
	if s.WaitTime < 0 || s.WaitTime > sqsMaxWait {
		return fmt.Errorf("sqs intake %s: wait time %s: must be between 0 and 20s", s.QueueURL, s.WaitTime)
	}
	if s.VisibilityTimeout < 0 || s.VisibilityTimeout > 12*time.Hour {
		return fmt.Errorf("sqs intake %s: visibility timeout %s: must be between 0 and 12h", s.QueueURL, s.VisibilityTimeout)
	}
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("queue", s.QueueURL)
	maxInFlight := s.MaxInFlight
	if maxInFlight <= 0 {
		maxInFlight = DefaultSQSMaxInFlight
	}
	wait := s.WaitTime
	if wait == 0 {
		wait = sqsMaxWait
	}
	visibility := s.VisibilityTimeout
	if visibility == 0 {
		visibility = s.queueVisibility(ctx, log)
	}
	visibility = visibility.Truncate(time.Second)

	hctx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()
	stopGrace := context.AfterFunc(ctx, func() {
		if s.Grace > 0 {
			time.AfterFunc(s.Grace, cancelHandlers)
		}
	})
	defer stopGrace()

	d := &sqsDeleter{client: s.Client, queueURL: s.QueueURL, log: log, acks: make(chan types.Message, maxInFlight)}
	deleted := make(chan struct{})
	go func() {
		defer close(deleted)
		d.run(context.WithoutCancel(ctx))
	}()

	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	backoff := time.Duration(0)
poll:
	for {
		// Take at least one free slot, then as many more as are free, up
		// to a receive's maximum.
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break poll
		}
		free := 1
	more:
		for free < min(maxInFlight, sqsMaxBatch) {
			select {
			case sem <- struct{}{}:
				free++
			default:
				break more
			}
		}
		out, err := s.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(s.QueueURL),
			MaxNumberOfMessages:         int32(free),
			WaitTimeSeconds:             int32(wait / time.Second),
			VisibilityTimeout:           int32(visibility / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		})
		var msgs []types.Message
		if err == nil {
			msgs = out.Messages
		}
		for range free - len(msgs) {
			<-sem
		}
		if err != nil {
			if ctx.Err() != nil {
				break poll
			}
			backoff = min(max(2*backoff, sqsMinBackoff), sqsMaxBackoff)
			// Between half and all of the backoff, so that consumers that
			// failed together do not retry together.
			pause := backoff/2 + rand.N(backoff/2+1)
			log.Error("sqs intake: receive failed", "err", err, "retry_in", pause)
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				break poll
			}
			continue
		}
		backoff = 0
		for _, msg := range msgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if s.process(hctx, msg, visibility, fn, log) {
					d.acks <- msg
				}
			}()
		}
	}
	wg.Wait()
	close(d.acks)
	<-deleted
	return nil
}

// queueVisibility reads the queue's VisibilityTimeout attribute.
func (s *SQS) queueVisibility(ctx context.Context, log *slog.Logger) time.Duration {
	out, err := s.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(s.QueueURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameVisibilityTimeout},
	})
	if err == nil {
		v := out.Attributes[string(types.QueueAttributeNameVisibilityTimeout)]
		if n, perr := strconv.Atoi(v); perr == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		err = fmt.Errorf("attribute VisibilityTimeout %q is not a number of seconds", v)
	}
	if ctx.Err() == nil {
		log.Warn("sqs intake: cannot read the queue's visibility timeout; asking for the default", "err", err, "visibility", DefaultSQSVisibility)
	}
	return DefaultSQSVisibility
}

// process handles one message, keeping it invisible meanwhile, and
// reports whether it may be deleted.
func (s *SQS) process(ctx context.Context, msg types.Message, visibility time.Duration, fn Func, log *slog.Logger) bool {
	id := aws.ToString(msg.MessageId)
	m := Meta{Source: "sqs", Origin: queueName(s.QueueURL) + "/" + id, Queue: s.QueueURL, MessageID: id}
	m.ReceiveCount, _ = strconv.Atoi(msg.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])

	stop := s.keepInvisible(ctx, msg, visibility, log)
	retry, err := deliver(ctx, m, []byte(aws.ToString(msg.Body)), fn)
	stop()
	switch {
	case retry:
		log.Warn("sqs intake: message left for redelivery", "message_id", id, "receive_count", m.ReceiveCount, "err", err)
	case err != nil:
		log.Info("sqs intake: message rejected and deleted", "message_id", id, "err", err)
	}
	return !retry
}

// keepInvisible extends msg's visibility timeout each time half of it has
// passed, until the returned function is called.
func (s *SQS) keepInvisible(ctx context.Context, msg types.Message, visibility time.Duration, log *slog.Logger) (stop func()) {
	if visibility < time.Second {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(visibility / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			_, err := s.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
				QueueUrl:          aws.String(s.QueueURL),
				ReceiptHandle:     msg.ReceiptHandle,
				VisibilityTimeout: int32(visibility / time.Second),
			})
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("sqs intake: cannot extend the visibility timeout; the message may be delivered again meanwhile",
						"message_id", aws.ToString(msg.MessageId), "err", err)
				}
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// sqsDeleter deletes handled messages in batches of what is ready.
type sqsDeleter struct {
	client   SQSClient
	queueURL string
	log      *slog.Logger
	acks     chan types.Message
}

func (d *sqsDeleter) run(ctx context.Context) {
	for msg := range d.acks {
		batch := []types.Message{msg}
	gather:
		for len(batch) < sqsMaxBatch {
			select {
			case m, ok := <-d.acks:
				if !ok {
					break gather
				}
				batch = append(batch, m)
			default:
				break gather
			}
		}
		d.delete(ctx, batch)
	}
}

func (d *sqsDeleter) delete(ctx context.Context, batch []types.Message) {
	entries := make([]types.DeleteMessageBatchRequestEntry, len(batch))
	for i, m := range batch {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	ctx, cancel := context.WithTimeout(ctx, sqsDeleteTimeout)
	defer cancel()
	out, err := d.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(d.queueURL), Entries: entries})
	if err != nil {
		d.log.Error("sqs intake: cannot delete handled messages; they will be delivered again", "messages", len(batch), "err", err)
		return
	}
	for _, f := range out.Failed {
		i, _ := strconv.Atoi(aws.ToString(f.Id))
		id := ""
		if i >= 0 && i < len(batch) {
			id = aws.ToString(batch[i].MessageId)
		}
		d.log.Error("sqs intake: cannot delete a handled message; it will be delivered again", "message_id", id,
			"code", aws.ToString(f.Code), "err", aws.ToString(f.Message))
	}
}

// deliver passes the events of a message body to fn and reports whether
// the message must be delivered again: whether an event failed for a reason
// other than its content. err joins the events' failures, each an
// *EventError.
func deliver(ctx context.Context, m Meta, body []byte, fn Func) (retry bool, err error) {
	body = unwrapSNS(body)
	var errs []error
	n := 0
	splitBytes(body, func(it item) bool {
		em := m
		em.Line, em.Index, em.Offset = it.line, it.index, it.end
		if it.index > 0 {
			em.Origin += "[" + strconv.Itoa(it.index) + "]"
		}
		n++
		err := it.err
		if err == nil {
			err = call(fn, WithMeta(ctx, em), it.raw)
			if err != nil && !errors.Is(err, engine.ErrRejected) {
				retry = true
			}
		}
		if err != nil {
			errs = append(errs, &EventError{Meta: em, Err: err})
		}
		return true
	})
	if n == 0 {
		// Nothing but white space: the engine rejects it, and records why.
		if err := call(fn, WithMeta(ctx, m), body); err != nil {
			retry = !errors.Is(err, engine.ErrRejected)
			errs = append(errs, &EventError{Meta: m, Err: err})
		}
	}
	return retry, errors.Join(errs...)
}

// errPanic is the failure of a Func that panicked.
var errPanic = errors.New("handler panicked")

// call calls fn, turning a panic into an error.
func call(fn Func, ctx context.Context, raw []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errPanic, p)
		}
	}()
	return fn(ctx, raw)
}

// unwrapSNS returns the Message of an SNS notification, as SNS delivers it
// to an SQS queue or a Lambda function without raw message delivery, or
// body itself when it is not one.
func unwrapSNS(body []byte) []byte {
	trimmed := trimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !bytes.Contains(trimmed, []byte(`"Notification"`)) {
		return body
	}
	var n struct {
		Type     string  `json:"Type"`
		TopicArn string  `json:"TopicArn"`
		Message  *string `json:"Message"`
	}
	if json.Unmarshal(trimmed, &n) != nil || n.Type != "Notification" || n.TopicArn == "" || n.Message == nil {
		return body
	}
	return []byte(*n.Message)
}

// queueName returns a queue's name, the last element of its URL or ARN.
func queueName(queue string) string {
	return queue[strings.LastIndexAny(queue, "/:")+1:]
}
