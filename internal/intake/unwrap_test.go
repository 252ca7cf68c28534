package intake

import "testing"

func TestUnwrapSNS(t *testing.T) {
	const event = `{"id":"e1","detail-type":"Thing","source":"test.app","detail":{"Type":"Notification"}}`
	tests := []struct {
		name, body, want string
	}{
		{"notification", `{"Type":"Notification","MessageId":"m1","TopicArn":"arn:aws:sns:us-east-1:123456789012:t","Message":"{\"id\":\"e1\"}"}`, `{"id":"e1"}`},
		{"notification with white space", " \n{\"Type\": \"Notification\", \"TopicArn\": \"arn:aws:sns:us-east-1:123456789012:t\", \"Message\": \"[1]\"}\n", `[1]`},
		{"event", event, event},
		{"no topic", `{"Type":"Notification","Message":"x"}`, `{"Type":"Notification","Message":"x"}`},
		{"no message", `{"Type":"Notification","TopicArn":"arn:aws:sns:us-east-1:123456789012:t"}`, `{"Type":"Notification","TopicArn":"arn:aws:sns:us-east-1:123456789012:t"}`},
		{"subscription confirmation", `{"Type":"SubscriptionConfirmation","TopicArn":"a","Message":"x"}`, `{"Type":"SubscriptionConfirmation","TopicArn":"a","Message":"x"}`},
		{"malformed", `{"Type":"Notification",`, `{"Type":"Notification",`},
		{"empty", ``, ``},
	}
	for _, tt := range tests {
		if got := string(unwrapSNS([]byte(tt.body))); got != tt.want {
			t.Errorf("%s: unwrapSNS = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestQueueName(t *testing.T) {
	for in, want := range map[string]string{
		"https://sqs.us-east-1.amazonaws.com/123456789012/events": "events",
		"arn:aws:sqs:us-east-1:123456789012:events":               "events",
		"events": "events",
		"":       "",
	} {
		if got := queueName(in); got != want {
			t.Errorf("queueName(%q) = %q, want %q", in, got, want)
		}
	}
}
