package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/notify"
)

// createTopic creates a topic in the simulator's default account and region.
func createTopic(t *testing.T, sim *awssim.Server, region, name string) string {
	t.Helper()
	cfg := sim.Config("")
	cfg.Region = region
	in := &sns.CreateTopicInput{Name: aws.String(name)}
	if strings.HasSuffix(name, ".fifo") {
		in.Attributes = map[string]string{"FifoTopic": "true"}
	}
	out, err := sns.NewFromConfig(cfg).CreateTopic(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateTopic %s: %v", name, err)
	}
	return aws.ToString(out.TopicArn)
}

func TestSNSPublishToSimulator(t *testing.T) {
	sim := awssim.Start(t)
	ctx := context.Background()
	// The topic is in another region than the configuration's: the
	// notifier publishes in the topic's region.
	topic := createTopic(t, sim, "eu-west-1", "rectify-security")
	n, err := notify.NewSNSFromConfig(sim.Config(""), topic)
	if err != nil {
		t.Fatal(err)
	}
	if n.Name() != "sns:"+topic {
		t.Errorf("Name() = %q", n.Name())
	}

	m := notify.Message{
		Subject:    "Exposed access key deleted for user ålice\nafter exposure",
		Severity:   notify.SeverityHigh,
		Text:       "Key AKIAEXAMPLE of user alice was deactivated and deleted.",
		PlaybookID: "ta-exposed-access-keys",
		RunID:      "run-7",
		Account:    "444455556666",
		Region:     "us-east-2",
		Resource:   "arn:aws:iam::444455556666:user/alice",
		Fields:     map[string]string{"calls": "12", "source_ips": "203.0.113.7"},
	}
	if err := n.Notify(ctx, m); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	got := sim.SNSMessages(topic)
	if len(got) != 1 {
		t.Fatalf("%d messages on the topic, want 1", len(got))
	}
	if want := "[HIGH] Exposed access key deleted for user ?lice after exposure"; got[0].Subject != want {
		t.Errorf("Subject = %q, want %q", got[0].Subject, want)
	}
	if got[0].Message != m.Render() {
		t.Errorf("Message = %q, want the rendered message %q", got[0].Message, m.Render())
	}
	wantAttrs := map[string]string{
		notify.AttrPlaybook: "ta-exposed-access-keys",
		notify.AttrAccount:  "444455556666",
		notify.AttrRegion:   "us-east-2",
		notify.AttrSeverity: "HIGH",
		notify.AttrRun:      "run-7",
	}
	if len(got[0].Attributes) != len(wantAttrs) {
		t.Errorf("attributes = %v, want %v", got[0].Attributes, wantAttrs)
	}
	for k, v := range wantAttrs {
		if a := got[0].Attributes[k]; a.DataType != "String" || a.StringValue != v {
			t.Errorf("attribute %s = %+v, want String %q", k, a, v)
		}
	}

	// A message with nothing but text: no subject, no attributes.
	if err := n.Notify(ctx, notify.Message{Text: "plain"}); err != nil {
		t.Fatalf("Notify plain: %v", err)
	}
	got = sim.SNSMessages(topic)
	if len(got) != 2 || got[1].Subject != "" || len(got[1].Attributes) != 0 || got[1].Message != "plain\n" {
		t.Errorf("plain message = %+v", got[len(got)-1])
	}

	// SNS's own limits hold for an oversized subject and body.
	big := notify.Message{Subject: strings.Repeat("x", 300), Text: strings.Repeat("line of text\n", 30000)}
	if err := n.Notify(ctx, big); err != nil {
		t.Fatalf("Notify of an oversized message: %v", err)
	}
	got = sim.SNSMessages(topic)
	last := got[len(got)-1]
	if len(last.Subject) != 99 || !strings.HasSuffix(last.Subject, "...") {
		t.Errorf("subject of %d characters: %q", len(last.Subject), last.Subject)
	}
	if !strings.HasSuffix(last.Message, "[message truncated]\n") {
		t.Errorf("oversized body not marked as truncated (%d bytes)", len(last.Message))
	}
}

func TestSNSPublishErrors(t *testing.T) {
	sim := awssim.Start(t)
	ctx := context.Background()
	missing := "arn:aws:sns:us-east-1:" + awssim.DefaultAccount + ":gone"
	n, err := notify.NewSNSFromConfig(sim.Config(""), missing)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Notify(ctx, notify.Message{Subject: "s", Text: "t"})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NotFound" || !strings.Contains(err.Error(), missing) {
		t.Errorf("publish to a missing topic: %v, want NotFound naming the topic", err)
	}

	// Throttled publishes are retried by the SDK's retryer.
	topic := createTopic(t, sim, "us-east-1", "alerts")
	cfg := sim.Config("")
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 10 * time.Millisecond })
	}
	n, err = notify.NewSNSFromConfig(cfg, topic)
	if err != nil {
		t.Fatal(err)
	}
	sim.SetFault("sns", "Publish", awssim.Fault{ErrorRate: 1, Times: 1})
	if err := n.Notify(ctx, notify.Message{Text: "after a 5xx"}); err != nil {
		t.Errorf("Notify after one 5xx: %v", err)
	}
	if len(sim.SNSMessages(topic)) != 1 {
		t.Errorf("messages = %d, want 1", len(sim.SNSMessages(topic)))
	}
}

func TestRouterWithSNS(t *testing.T) {
	sim := awssim.Start(t)
	ctx := context.Background()
	secTopic := createTopic(t, sim, "us-east-1", "security")
	ownerTopic := createTopic(t, sim, "us-east-1", "team-a")
	sec, err := notify.NewSNSFromConfig(sim.Config(""), secTopic)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := notify.NewSNSFromConfig(sim.Config(""), ownerTopic)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	r, err := notify.NewRouter(notify.RouterOptions{
		Channels:     map[string]notify.Notifier{"security": sec, "team-a": owner},
		SecurityTeam: "security",
		Owners:       map[string][]string{"111122223333": {"team-a"}},
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, acct := range []string{"111122223333", "999999999999"} {
		res := r.Notify(ctx, []string{"security-team", "owners:{account}"}, notify.Message{Subject: "Rule revoked", Account: acct}, nil)
		if err := notify.Err(res); err != nil {
			t.Errorf("account %s: %v", acct, err)
		}
	}
	if n := len(sim.SNSMessages(secTopic)); n != 2 {
		t.Errorf("security topic has %d messages, want 2", n)
	}
	if n := len(sim.SNSMessages(ownerTopic)); n != 1 {
		t.Errorf("owner topic has %d messages, want 1 (account 999999999999 has no owners)", n)
	}
	if !strings.Contains(logs.String(), "account=999999999999") {
		t.Errorf("the notification without owners was not logged:\n%s", logs.String())
	}
}
