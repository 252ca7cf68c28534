package notify

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// capture is an SNSPublisher that keeps the inputs it is given.
type capture struct{ inputs []*sns.PublishInput }

func (c *capture) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	c.inputs = append(c.inputs, in)
	return &sns.PublishOutput{MessageId: aws.String("m")}, nil
}

func TestSNSFIFO(t *testing.T) {
	pub := &capture{}
	n, err := NewSNS(pub, "arn:aws:sns:us-east-1:111122223333:alerts.fifo")
	if err != nil {
		t.Fatal(err)
	}
	m := Message{Subject: "s", Text: "t", PlaybookID: "pb", RunID: "r1"}
	for _, msg := range []Message{m, m, {Subject: "s", Text: "t", RunID: "r2"}} {
		if err := n.Notify(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := pub.inputs[0], pub.inputs[1], pub.inputs[2]
	if aws.ToString(a.MessageGroupId) != "pb" || aws.ToString(c.MessageGroupId) != "rectify" {
		t.Errorf("message groups %q, %q; want pb and rectify", aws.ToString(a.MessageGroupId), aws.ToString(c.MessageGroupId))
	}
	if len(aws.ToString(a.MessageDeduplicationId)) != 64 {
		t.Errorf("deduplication ID %q", aws.ToString(a.MessageDeduplicationId))
	}
	if aws.ToString(a.MessageDeduplicationId) != aws.ToString(b.MessageDeduplicationId) {
		t.Errorf("the same message got different deduplication IDs")
	}
	if aws.ToString(a.MessageDeduplicationId) == aws.ToString(c.MessageDeduplicationId) {
		t.Errorf("different runs got the same deduplication ID")
	}

	std, err := NewSNS(pub, "arn:aws:sns:us-east-1:111122223333:alerts")
	if err != nil {
		t.Fatal(err)
	}
	if err := std.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if last := pub.inputs[len(pub.inputs)-1]; last.MessageGroupId != nil || last.MessageDeduplicationId != nil {
		t.Errorf("a standard topic got FIFO parameters")
	}
}

func TestSNSMessageShape(t *testing.T) {
	pub := &capture{}
	n, err := NewSNS(pub, "arn:aws:sns:us-east-1:111122223333:alerts")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		m       Message
		subject string // "" for none
		body    string // a substring, or the whole body when exact
		exact   bool
	}{
		{Message{}, "", "(empty notification)", true},
		{Message{Text: "bad \xff byte"}, "", "bad \uFFFD byte\n", true},
		{Message{Subject: "\n\n", Text: "x"}, "", "x\n", true},
		{Message{Subject: "ok", Severity: "LOW"}, "[LOW] ok", "[LOW] ok", false},
		{Message{Text: strings.Repeat("é", 200000)}, "", "[message truncated]\n", false},
	}
	for _, tt := range tests {
		if err := n.Notify(context.Background(), tt.m); err != nil {
			t.Fatal(err)
		}
		in := pub.inputs[len(pub.inputs)-1]
		if got := aws.ToString(in.Subject); got != tt.subject || (tt.subject == "" && in.Subject != nil) {
			t.Errorf("%+.40v: subject %q, want %q", tt.m, got, tt.subject)
		}
		body := aws.ToString(in.Message)
		if tt.exact && body != tt.body || !tt.exact && !strings.Contains(body, tt.body) {
			t.Errorf("%+.40v: body %.80q, want %q", tt.m, body, tt.body)
		}
		if len(body) > 256*1024 || !utf8.ValidString(body) {
			t.Errorf("body of %d bytes, valid UTF-8 %v", len(body), utf8.ValidString(body))
		}
	}
}

func TestNewSNSRejects(t *testing.T) {
	if _, err := NewSNS(nil, "arn:aws:sns:us-east-1:111122223333:t"); err == nil {
		t.Errorf("NewSNS accepted a nil client")
	}
	if _, err := NewSNS(&capture{}, "arn:aws:sqs:us-east-1:111122223333:q"); err == nil {
		t.Errorf("NewSNS accepted an SQS ARN")
	}
	if _, err := NewSNSFromConfig(aws.Config{}, "topic"); err == nil {
		t.Errorf("NewSNSFromConfig accepted a bare name")
	}
}
