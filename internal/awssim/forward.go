package awssim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"
)

// Destination receives the EventBridge events a Server emits.
type Destination interface {
	// Deliver hands over one event. An error is logged; the event is not
	// delivered again.
	Deliver(ctx context.Context, event []byte) error
	// String names the destination in logs.
	String() string
}

// HTTPDestination POSTs each event to URL, as an EventBridge API
// destination does: to rectify serve's /events, for one.
type HTTPDestination struct {
	URL string
	// Secret, if not empty, is sent as "Authorization: Bearer SECRET".
	Secret string
	// Client; a client with a 30-second timeout when nil.
	Client *http.Client
	// Attempts bounds the tries of one event, with a short backoff
	// between them; 0 means 5. A 4xx answer is not tried again.
	Attempts int
}

func (d *HTTPDestination) String() string { return d.URL }

// Deliver posts event and reads the answer, trying again after network
// errors and 5xx answers.
func (d *HTTPDestination) Deliver(ctx context.Context, event []byte) error {
	client := d.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	attempts := d.Attempts
	if attempts <= 0 {
		attempts = 5
	}
	var last error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(100<<i) * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(event))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if d.Secret != "" {
			req.Header.Set("Authorization", "Bearer "+d.Secret)
		}
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode < 500:
			return fmt.Errorf("%s answered %s: %s", d.URL, resp.Status, bytes.TrimSpace(body))
		}
		last = fmt.Errorf("%s answered %s: %s", d.URL, resp.Status, bytes.TrimSpace(body))
	}
	return last
}

// FileDestination appends each event to a file as one line of JSON Lines,
// creating the file if needed.
type FileDestination struct {
	Path string

	mu sync.Mutex
	f  *os.File
}

func (d *FileDestination) String() string { return d.Path }

// Deliver appends event and a newline.
func (d *FileDestination) Deliver(_ context.Context, event []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		f, err := os.OpenFile(d.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		d.f = f
	}
	line := append(bytes.Clone(bytes.TrimSpace(event)), '\n')
	_, err := d.f.Write(line)
	return err
}

// Close closes the file.
func (d *FileDestination) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return nil
	}
	err := d.f.Close()
	d.f = nil
	return err
}

// Forward delivers every EventBridge event the Server emits from now on
// (the "AWS API Call via CloudTrail" events of mutating calls) to each
// destination, in the order the calls were served. Delivery happens in the
// background: a call is answered without waiting for it. Forward returns
// at once; stop ends the delivery once the events already emitted are
// delivered, or when ctx ends.
func (s *Server) Forward(ctx context.Context, log *slog.Logger, dests ...Destination) (stop func()) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &eventQueue{wake: make(chan struct{}, 1)}
	s.Subscribe(q.push)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ev, ok := q.pop(ctx)
			if !ok {
				return
			}
			for _, d := range dests {
				if err := d.Deliver(ctx, ev); err != nil {
					log.Warn("awssim: event not delivered", "to", d.String(), "err", err)
				} else {
					log.Debug("awssim: event delivered", "to", d.String())
				}
			}
		}
	}()
	return func() {
		q.close()
		<-done
	}
}

// eventQueue is an unbounded FIFO of events, so that the Server never
// waits for a destination.
type eventQueue struct {
	mu     sync.Mutex
	events [][]byte
	closed bool
	wake   chan struct{}
}

func (q *eventQueue) push(ev []byte) {
	q.mu.Lock()
	if !q.closed {
		q.events = append(q.events, bytes.Clone(ev))
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop returns the next event, waiting for one; false once the queue is
// closed and empty, or ctx ends.
func (q *eventQueue) pop(ctx context.Context) ([]byte, bool) {
	for {
		q.mu.Lock()
		if len(q.events) > 0 {
			ev := q.events[0]
			q.events[0] = nil
			q.events = q.events[1:]
			q.mu.Unlock()
			return ev, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false
		}
		select {
		case <-q.wake:
		case <-ctx.Done():
			return nil, false
		}
	}
}
