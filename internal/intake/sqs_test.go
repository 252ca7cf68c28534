package intake_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
	"github.com/rectify-dev/rectify/internal/store"
)

// queue is a simulated SQS queue.
type queue struct {
	sim    *awssim.Server
	client *sqs.Client
	url    string
}

func newQueue(t *testing.T, sim *awssim.Server, name string, attrs map[string]string) *queue {
	t.Helper()
	client := sqs.NewFromConfig(sim.Config(""))
	out, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return &queue{sim: sim, client: client, url: aws.ToString(out.QueueUrl)}
}

func (q *queue) arn(t *testing.T) string {
	t.Helper()
	out, err := q.client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(q.url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["QueueArn"]
}

func (q *queue) send(t *testing.T, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if _, err := q.client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(b)}); err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
	}
}

// messages returns the messages left in the queue, in flight or not.
func (q *queue) messages() []awssim.SQSMessage { return q.sim.SQSMessages(q.sim.Region(), q.url) }

// running is an SQS source running in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

func start(src *intake.SQS, fn intake.Func) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- src.Run(ctx, fn) }()
	return r
}

// stop cancels the source and returns Run's error.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case r.err = <-r.done:
		case <-time.After(20 * time.Second):
			r.err = errors.New("Run did not return after its context ended")
		}
	})
	return r.err
}

// eventually waits for cond, failing the test after a while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder is a Func that records the events it is given and answers
// with answer.
type recorder struct {
	mu     sync.Mutex
	metas  []intake.Meta
	raws   []string
	answer func(raw []byte) error
}

func (r *recorder) fn(ctx context.Context, raw []byte) error {
	m, _ := intake.MetaFrom(ctx)
	r.mu.Lock()
	r.metas = append(r.metas, m)
	r.raws = append(r.raws, string(raw))
	r.mu.Unlock()
	if r.answer != nil {
		return r.answer(raw)
	}
	return nil
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.metas)
}

func TestSQSHandlesAndDeletes(t *testing.T) {
	e := newEnv(t)
	sim := awssim.Start(t)
	q := newQueue(t, sim, "events", nil)
	q.send(t,
		thing("s1", "a"),
		"["+thing("s2", "b")+","+other("s3")+"]",
		`{"id": "broken"`,
	)
	var mu sync.Mutex
	var metas []intake.Meta
	var statuses []string
	fn := intake.HandleFunc(e.eng, func(m intake.Meta, res *engine.Result, err error) {
		mu.Lock()
		defer mu.Unlock()
		metas = append(metas, m)
		statuses = append(statuses, intake.Summarize(m, res, err).Status)
	})
	r := start(&intake.SQS{Client: q.client, QueueURL: q.url, Logger: discard()}, fn)
	eventually(t, "four events", func() bool { mu.Lock(); defer mu.Unlock(); return len(metas) == 4 })
	eventually(t, "the queue to empty", func() bool { return len(q.messages()) == 0 })
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}

	slices.Sort(statuses)
	if want := []string{"matched", "matched", "rejected", "unmatched"}; !slices.Equal(statuses, want) {
		t.Errorf("statuses = %q, want %q", statuses, want)
	}
	if e.count("a") != 1 || e.count("b") != 1 {
		t.Errorf("touched a %d, b %d times; want once each", e.count("a"), e.count("b"))
	}
	if n := e.events(t, store.EventRejected); n != 1 {
		t.Errorf("%d rejected events recorded, want 1", n)
	}
	for _, m := range metas {
		if m.Source != "sqs" || m.Queue != q.url || m.MessageID == "" || m.ReceiveCount != 1 {
			t.Errorf("meta = %+v; want source sqs, queue %s, a message id and receive count 1", m, q.url)
		}
	}
}

func TestSQSFailureGoesToDeadLetterQueue(t *testing.T) {
	sim := awssim.Start(t)
	dlq := newQueue(t, sim, "events-dlq", nil)
	q := newQueue(t, sim, "events", map[string]string{
		"VisibilityTimeout": "30",
		"RedrivePolicy":     `{"deadLetterTargetArn":"` + dlq.arn(t) + `","maxReceiveCount":"2"}`,
	})
	q.send(t, thing("f1", "x"))
	rec := &recorder{answer: func([]byte) error {
		return fmt.Errorf("event f1: %w", intake.ErrRemediationFailed)
	}}
	r := start(&intake.SQS{Client: q.client, QueueURL: q.url, Logger: discard()}, rec.fn)
	t.Cleanup(func() { r.stop(t) })

	eventually(t, "the first delivery", func() bool { return rec.calls() == 1 })
	time.Sleep(100 * time.Millisecond)
	if msgs := q.messages(); len(msgs) != 1 || msgs[0].ReceiveCount != 1 {
		t.Fatalf("after a failure the queue holds %+v; want the message, received once", msgs)
	}
	sim.Advance(31 * time.Second)
	eventually(t, "the second delivery", func() bool { return rec.calls() == 2 })
	time.Sleep(100 * time.Millisecond)
	sim.Advance(31 * time.Second)
	eventually(t, "the move to the dead-letter queue", func() bool { return len(dlq.messages()) == 1 })
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := len(q.messages()); n != 0 {
		t.Errorf("the queue holds %d messages, want 0", n)
	}
	if got := dlq.messages()[0]; got.ReceiveCount != 2 || got.Body != thing("f1", "x") {
		t.Errorf("dead letter = %+v; want the event, received twice", got)
	}
	if rec.calls() != 2 {
		t.Errorf("handled %d times, want 2", rec.calls())
	}
	if m := rec.metas[1]; m.ReceiveCount != 2 {
		t.Errorf("second delivery's receive count = %d, want 2", m.ReceiveCount)
	}
}

func TestSQSUnwrapsSNS(t *testing.T) {
	sim := awssim.Start(t)
	q := newQueue(t, sim, "events", nil)
	topics := sns.NewFromConfig(sim.Config(""))
	ctx := context.Background()
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("findings")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(q.arn(t))}); err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(thing("n1", "a"))}); err != nil {
		t.Fatal(err)
	}
	if msgs := q.messages(); len(msgs) != 1 || msgs[0].Body == thing("n1", "a") {
		t.Fatalf("queue holds %+v; want one SNS notification", msgs)
	}
	rec := &recorder{}
	r := start(&intake.SQS{Client: q.client, QueueURL: q.url, Logger: discard()}, rec.fn)
	eventually(t, "the event", func() bool { return rec.calls() == 1 })
	eventually(t, "the queue to empty", func() bool { return len(q.messages()) == 0 })
	r.stop(t)
	if rec.raws[0] != thing("n1", "a") {
		t.Errorf("handled %s, want the event the notification carries", rec.raws[0])
	}
}

func TestSQSExtendsVisibility(t *testing.T) {
	sim := awssim.Start(t)
	q := newQueue(t, sim, "events", nil)
	q.send(t, thing("v1", "a"))
	release := make(chan struct{})
	rec := &recorder{answer: func([]byte) error { <-release; return nil }}
	r := start(&intake.SQS{Client: q.client, QueueURL: q.url, VisibilityTimeout: time.Second, Logger: discard()}, rec.fn)
	eventually(t, "the event", func() bool { return rec.calls() == 1 })

	// Three visibility timeouts pass while the handler works; another
	// consumer never sees the message.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		out, err := q.client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.url), VisibilityTimeout: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) > 0 {
			t.Fatal("the message became visible while it was being handled")
		}
	}
	close(release)
	eventually(t, "the queue to empty", func() bool { return len(q.messages()) == 0 })
	r.stop(t)
	if rec.calls() != 1 {
		t.Errorf("handled %d times, want once", rec.calls())
	}
}

func TestSQSStop(t *testing.T) {
	tests := []struct {
		name  string
		grace time.Duration
		// wantDeleted: the handler finished before its context ended.
		wantDeleted bool
	}{
		{name: "in-flight messages finish", grace: 0, wantDeleted: true},
		{name: "grace period ends them", grace: 50 * time.Millisecond, wantDeleted: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := awssim.Start(t)
			q := newQueue(t, sim, "events", nil)
			q.send(t, thing("c1", "a"))
			started, release := make(chan struct{}), make(chan struct{})
			var handlerErr error
			fn := func(ctx context.Context, raw []byte) error {
				close(started)
				select {
				case <-release:
				case <-ctx.Done():
					handlerErr = ctx.Err()
				}
				return handlerErr
			}
			r := start(&intake.SQS{Client: q.client, QueueURL: q.url, Grace: tt.grace, Logger: discard()}, fn)
			<-started
			r.cancel()
			if tt.wantDeleted {
				select {
				case err := <-r.done:
					t.Fatalf("Run returned (%v) before the message in flight was handled", err)
				case <-time.After(200 * time.Millisecond):
				}
				close(release)
			}
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if got := len(q.messages()) == 0; got != tt.wantDeleted {
				t.Errorf("message deleted = %v, want %v (handler error %v)", got, tt.wantDeleted, handlerErr)
			}
		})
	}
}

func TestSQSBoundsMessagesInFlight(t *testing.T) {
	sim := awssim.Start(t)
	q := newQueue(t, sim, "events", nil)
	for i := range 7 {
		q.send(t, thing(fmt.Sprint("b", i), fmt.Sprint("n", i)))
	}
	var mu sync.Mutex
	inFlight, most, total := 0, 0, 0
	release := make(chan struct{})
	fn := func(ctx context.Context, raw []byte) error {
		mu.Lock()
		inFlight++
		total++
		most = max(most, inFlight)
		mu.Unlock()
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	}
	r := start(&intake.SQS{Client: q.client, QueueURL: q.url, MaxInFlight: 3, Logger: discard()}, fn)
	eventually(t, "three messages in flight", func() bool { mu.Lock(); defer mu.Unlock(); return inFlight == 3 })
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	if most != 3 {
		t.Errorf("%d messages in flight at once, want 3", most)
	}
	mu.Unlock()
	close(release)
	eventually(t, "the queue to empty", func() bool { return len(q.messages()) == 0 })
	r.stop(t)
	if most != 3 || total != 7 {
		t.Errorf("handled %d messages, at most %d at once; want 7, at most 3", total, most)
	}
}

// flaky fails its first receives.
type flaky struct {
	*sqs.Client
	mu       sync.Mutex
	failures int
	receives int
}

func (f *flaky) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	f.mu.Lock()
	f.receives++
	fail := f.receives <= f.failures
	f.mu.Unlock()
	if fail {
		return nil, errors.New("connection reset")
	}
	return f.Client.ReceiveMessage(ctx, in, opts...)
}

func TestSQSBacksOffAfterReceiveErrors(t *testing.T) {
	sim := awssim.Start(t)
	q := newQueue(t, sim, "events", nil)
	q.send(t, thing("r1", "a"))
	client := &flaky{Client: q.client, failures: 2}
	rec := &recorder{}
	began := time.Now()
	r := start(&intake.SQS{Client: client, QueueURL: q.url, Logger: discard()}, rec.fn)
	eventually(t, "the event", func() bool { return rec.calls() == 1 })
	r.stop(t)
	// Backoffs of 1s and 2s, each at least halved.
	if took := time.Since(began); took < 1500*time.Millisecond {
		t.Errorf("handled %s after two failed receives; want a backoff of at least 1.5s", took)
	}
	if client.receives < 3 {
		t.Errorf("%d receives, want at least 3", client.receives)
	}
}

func TestSQSRejectsBadSettings(t *testing.T) {
	sim := awssim.Start(t)
	q := newQueue(t, sim, "events", nil)
	tests := []*intake.SQS{
		{QueueURL: q.url},
		{Client: q.client},
		{Client: q.client, QueueURL: q.url, WaitTime: 21 * time.Second},
		{Client: q.client, QueueURL: q.url, VisibilityTimeout: -time.Second},
	}
	for i, src := range tests {
		if err := src.Run(context.Background(), (&recorder{}).fn); err == nil {
			t.Errorf("%d: Run(%+v) = nil, want an error", i, src)
		}
	}
}

func TestSQSHandlerPanic(t *testing.T) {
	sim := awssim.Start(t)
	q := newQueue(t, sim, "events", nil)
	q.send(t, thing("p1", "a"))
	rec := &recorder{answer: func([]byte) error { panic("the handler exploded") }}
	r := start(&intake.SQS{Client: q.client, QueueURL: q.url, Logger: discard()}, rec.fn)
	eventually(t, "the event", func() bool { return rec.calls() == 1 })
	q.send(t, thing("p2", "b"))
	eventually(t, "the next event", func() bool { return rec.calls() == 2 })
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if msgs := q.messages(); len(msgs) != 2 {
		t.Errorf("the queue holds %d messages, want both, left for redelivery", len(msgs))
	}
}
