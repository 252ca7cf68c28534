package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Limits SNS places on Publish.
const (
	// maxSubject: SNS wants a subject shorter than 100 characters.
	maxSubject = 99
	// maxMessage is the limit on the message and its attributes together
	// (256 KiB); the body keeps room for the attributes.
	maxMessage = 256*1024 - 4*1024
)

// Message attribute names the SNS notifier sets, so subscriptions can
// filter on them.
const (
	AttrPlaybook = "rectify.playbook"
	AttrAccount  = "rectify.account"
	AttrRegion   = "rectify.region"
	AttrSeverity = "rectify.severity"
	AttrRun      = "rectify.run"
)

// SNSPublisher is the part of *sns.Client the SNS notifier uses.
type SNSPublisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SNS publishes messages to an Amazon SNS topic.
type SNS struct {
	client   SNSPublisher
	topicARN string
	fifo     bool
}

// NewSNS returns a notifier that publishes to topicARN through client.
func NewSNS(client SNSPublisher, topicARN string) (*SNS, error) {
	if client == nil {
		return nil, fmt.Errorf("notify: sns %s: no client", topicARN)
	}
	if _, err := TopicRegion(topicARN); err != nil {
		return nil, err
	}
	return &SNS{client: client, topicARN: topicARN, fifo: strings.HasSuffix(topicARN, ".fifo")}, nil
}

// NewSNSFromConfig returns a notifier that publishes to topicARN with a
// client made from cfg, in the topic's region.
func NewSNSFromConfig(cfg aws.Config, topicARN string, optFns ...func(*sns.Options)) (*SNS, error) {
	region, err := TopicRegion(topicARN)
	if err != nil {
		return nil, err
	}
	cfg = cfg.Copy()
	cfg.Region = region
	return NewSNS(sns.NewFromConfig(cfg, optFns...), topicARN)
}

// TopicRegion returns the region of an SNS topic ARN
// (arn:PARTITION:sns:REGION:ACCOUNT:NAME), or an error naming what is wrong
// with it.
func TopicRegion(topicARN string) (string, error) {
	parts := strings.SplitN(topicARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sns" {
		return "", fmt.Errorf("notify: topic ARN %q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", topicARN)
	}
	if parts[3] == "" {
		return "", fmt.Errorf("notify: topic ARN %q has no region", topicARN)
	}
	if len(parts[4]) != 12 || strings.Trim(parts[4], "0123456789") != "" {
		return "", fmt.Errorf("notify: topic ARN %q: account %q is not a 12-digit account ID", topicARN, parts[4])
	}
	name := parts[5]
	if name == "" || len(name) > 256 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
		return "", fmt.Errorf("notify: topic ARN %q: topic name %q is not valid", topicARN, name)
	}
	return parts[3], nil
}

// Name returns "sns:" followed by the topic ARN.
func (s *SNS) Name() string { return "sns:" + s.topicARN }

// Notify publishes m.Render() with m's subject made acceptable to SNS and
// the playbook, account, region, severity and run as message attributes.
func (s *SNS) Notify(ctx context.Context, m Message) error {
	body := strings.ToValidUTF8(m.Render(), "\uFFFD")
	if len(body) > maxMessage {
		const marker = "\n[message truncated]\n"
		body = truncateUTF8(body, maxMessage-len(marker)) + marker
	}
	if strings.TrimSpace(body) == "" {
		body = "(empty notification)"
	}
	in := &sns.PublishInput{
		TopicArn:          aws.String(s.topicARN),
		Message:           aws.String(body),
		MessageAttributes: attributes(m),
	}
	subject := m.Subject
	if m.Severity != "" && subject != "" {
		subject = "[" + m.Severity + "] " + subject
	}
	if subj := SNSSubject(subject); subj != "" {
		in.Subject = aws.String(subj)
	}
	if s.fifo {
		group := m.PlaybookID
		if group == "" {
			group = "rectify"
		}
		sum := sha256.Sum256([]byte(m.RunID + "\x00" + body))
		in.MessageGroupId = aws.String(truncateUTF8(group, 128))
		in.MessageDeduplicationId = aws.String(hex.EncodeToString(sum[:]))
	}
	if _, err := s.client.Publish(ctx, in); err != nil {
		return fmt.Errorf("notify: sns:Publish to %s: %w", s.topicARN, err)
	}
	return nil
}

func attributes(m Message) map[string]types.MessageAttributeValue {
	attrs := make(map[string]types.MessageAttributeValue, 5)
	for name, v := range map[string]string{
		AttrPlaybook: m.PlaybookID,
		AttrAccount:  m.Account,
		AttrRegion:   m.Region,
		AttrSeverity: m.Severity,
		AttrRun:      m.RunID,
	} {
		v = strings.TrimSpace(strings.ToValidUTF8(v, "\uFFFD"))
		if v == "" {
			// SNS refuses an empty String attribute.
			continue
		}
		attrs[name] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(truncateUTF8(v, 1024))}
	}
	if len(attrs) == 0 {
		return nil
	}
	return attrs
}

// SNSSubject returns s as an SNS Publish subject: printable ASCII only
// (other characters become '?', line breaks and tabs become spaces), no
// leading or repeated spaces, fewer than 100 characters (a longer subject
// is cut and ends in "...").
func SNSSubject(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), maxSubject))
	space := true // drop leading spaces
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		case r < 0x20 || r == 0x7f:
			continue
		case r >= 0x80:
			r = '?'
		}
		b.WriteRune(r)
		space = false
	}
	out := strings.TrimRight(b.String(), " ")
	if len(out) > maxSubject {
		out = strings.TrimRight(out[:maxSubject-3], " ") + "..."
	}
	return out
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
