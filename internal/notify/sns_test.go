package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// publishLog is an HTTP endpoint that answers SNS Publish in the AWS query
// protocol and keeps each decoded request.
type publishLog struct {
	mu       sync.Mutex
	requests []url.Values
	auths    []string
	status   int // when not zero, answer every request with this error status
}

func (p *publishLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.requests = append(p.requests, r.PostForm)
	p.auths = append(p.auths, r.Header.Get("Authorization"))
	status := p.status
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprint(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`)
		return
	}
	fmt.Fprint(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>`)
}

func (p *publishLog) last(t *testing.T) url.Values {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		t.Fatal("no request reached the endpoint")
	}
	return p.requests[len(p.requests)-1]
}

func testConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// attrs decodes the MessageAttributes.entry.N.* parameters of a Publish.
func attrs(v url.Values) map[string]string {
	out := make(map[string]string)
	for i := 1; ; i++ {
		p := fmt.Sprintf("MessageAttributes.entry.%d.", i)
		name := v.Get(p + "Name")
		if name == "" {
			return out
		}
		if v.Get(p+"Value.DataType") != "String" {
			out[name] = "!type=" + v.Get(p+"Value.DataType")
			continue
		}
		out[name] = v.Get(p + "Value.StringValue")
	}
}

func TestSNSPublish(t *testing.T) {
	endpoint := &publishLog{}
	srv := httptest.NewServer(endpoint)
	defer srv.Close()

	const topic = "arn:aws:sns:eu-west-1:111122223333:security"
	n, err := NewSNSFromConfig(testConfig(srv.URL), topic)
	if err != nil {
		t.Fatal(err)
	}
	if n.Name() != "sns:"+topic {
		t.Errorf("Name() = %q", n.Name())
	}
	m := Message{
		Subject:    "Exposed access key deleted for user ålice\nnow",
		Severity:   SeverityHigh,
		Text:       "Key AKIAEXAMPLE deleted.",
		PlaybookID: "ta-exposed-access-keys",
		RunID:      "run-7",
		Account:    "444455556666",
		Region:     "us-east-2",
	}
	if err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	req := endpoint.last(t)
	if req.Get("Action") != "Publish" || req.Get("TopicArn") != topic {
		t.Errorf("request = %v", req)
	}
	if got, want := req.Get("Subject"), "[HIGH] Exposed access key deleted for user ?lice now"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got := req.Get("Message"); got != m.Render() {
		t.Errorf("Message = %q, want the rendered message %q", got, m.Render())
	}
	wantAttrs := map[string]string{
		AttrPlaybook: "ta-exposed-access-keys",
		AttrAccount:  "444455556666",
		AttrRegion:   "us-east-2",
		AttrSeverity: "HIGH",
		AttrRun:      "run-7",
	}
	got := attrs(req)
	if len(got) != len(wantAttrs) {
		t.Errorf("attributes = %v, want %v", got, wantAttrs)
	}
	for k, v := range wantAttrs {
		if got[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, got[k], v)
		}
	}
	if req.Has("MessageGroupId") || req.Has("MessageDeduplicationId") {
		t.Errorf("standard topic got FIFO parameters: %v", req)
	}
	// The client signs for the topic's region, not the configuration's.
	if auth := endpoint.auths[len(endpoint.auths)-1]; !strings.Contains(auth, "/eu-west-1/sns/") {
		t.Errorf("Authorization %q is not scoped to eu-west-1/sns", auth)
	}

	// Empty attributes are left out; a message without a subject has none.
	if err := n.Notify(context.Background(), Message{Text: "plain"}); err != nil {
		t.Fatal(err)
	}
	req = endpoint.last(t)
	if req.Has("Subject") || len(attrs(req)) != 0 || req.Get("Message") != "plain\n" {
		t.Errorf("plain message request = %v", req)
	}
}

func TestSNSPublishFIFOAndLimits(t *testing.T) {
	endpoint := &publishLog{}
	srv := httptest.NewServer(endpoint)
	defer srv.Close()
	n, err := NewSNSFromConfig(testConfig(srv.URL), "arn:aws:sns:us-east-1:111122223333:alerts.fifo")
	if err != nil {
		t.Fatal(err)
	}
	m := Message{Subject: strings.Repeat("x", 300), Text: strings.Repeat("line of text\n", 30000), PlaybookID: "pb", RunID: "r"}
	if err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	req := endpoint.last(t)
	if s := req.Get("Subject"); len(s) != 99 || !strings.HasSuffix(s, "...") {
		t.Errorf("Subject has %d characters: %q", len(s), s)
	}
	body := req.Get("Message")
	if len(body) > 256*1024 || !strings.HasSuffix(body, "[message truncated]\n") {
		t.Errorf("Message has %d bytes and ends %q", len(body), body[max(0, len(body)-40):])
	}
	if req.Get("MessageGroupId") != "pb" || len(req.Get("MessageDeduplicationId")) != 64 {
		t.Errorf("FIFO parameters: group %q, dedup %q", req.Get("MessageGroupId"), req.Get("MessageDeduplicationId"))
	}
	first := req.Get("MessageDeduplicationId")
	if err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if endpoint.last(t).Get("MessageDeduplicationId") != first {
		t.Errorf("the same message got a different deduplication ID")
	}
}

func TestSNSPublishError(t *testing.T) {
	endpoint := &publishLog{status: http.StatusNotFound}
	srv := httptest.NewServer(endpoint)
	defer srv.Close()
	const topic = "arn:aws:sns:us-east-1:111122223333:gone"
	n, err := NewSNSFromConfig(testConfig(srv.URL), topic)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Notify(context.Background(), Message{Subject: "s", Text: "t"})
	if err == nil || !strings.Contains(err.Error(), topic) || !strings.Contains(err.Error(), "NotFound") {
		t.Errorf("Notify error = %v, want it to name the topic and the SNS error code", err)
	}
	if _, err := NewSNSFromConfig(testConfig(srv.URL), "arn:aws:sqs:us-east-1:111122223333:q"); err == nil {
		t.Errorf("NewSNSFromConfig accepted an SQS ARN")
	}
	if _, err := NewSNS(nil, "arn:aws:sns:us-east-1:111122223333:t"); err == nil {
		t.Errorf("NewSNS accepted a nil client")
	}
}
