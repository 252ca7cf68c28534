package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	m := Message{
		Subject:    "Exposed access key\ndeleted",
		Text:       "The key AKIAEXAMPLE of user alice was deactivated and deleted.\n",
		Severity:   SeverityHigh,
		PlaybookID: "ta-exposed-access-keys",
		RunID:      "run-1",
		Account:    "111122223333",
		Region:     "us-east-1",
		Resource:   "arn:aws:iam::111122223333:user/alice",
		Fields: map[string]string{
			"source_ips": "203.0.113.7\n198.51.100.2",
			"calls":      "12",
		},
	}
	want := `[HIGH] Exposed access key deleted

Account:  111122223333
Region:   us-east-1
Resource: arn:aws:iam::111122223333:user/alice
Playbook: ta-exposed-access-keys
Run:      run-1

The key AKIAEXAMPLE of user alice was deactivated and deleted.

Details:
  calls:       12
  source_ips:  203.0.113.7
               198.51.100.2
`
	if got := m.Render(); got != want {
		t.Errorf("Render() =\n%s\nwant\n%s", got, want)
	}

	tests := []struct {
		m    Message
		want string
	}{
		{Message{}, ""},
		{Message{Subject: "only"}, "only\n\n"},
		{Message{Text: "body"}, "body\n"},
		{Message{Account: "111122223333", Text: "body"}, "Account:  111122223333\n\nbody\n"},
		{Message{Fields: map[string]string{"k": "v"}}, "Details:\n  k:  v\n"},
	}
	for _, tt := range tests {
		if got := tt.m.Render(); got != tt.want {
			t.Errorf("Render(%+v) = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestSNSSubject(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Exposed key deleted", "Exposed key deleted"},
		{"  two\nlines\r\n\tand tabs  ", "two lines and tabs"},
		{"Bucket café ☕ made private", "Bucket caf? ? made private"},
		{"bell\x07 and del\x7f", "bell and del"},
		{"", ""},
		{"\n\n", ""},
		{strings.Repeat("a", 99), strings.Repeat("a", 99)},
		{strings.Repeat("a", 100), strings.Repeat("a", 96) + "..."},
		{strings.Repeat("é", 150), strings.Repeat("?", 96) + "..."},
	}
	for _, tt := range tests {
		got := SNSSubject(tt.in)
		if got != tt.want {
			t.Errorf("SNSSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) >= 100 {
			t.Errorf("SNSSubject(%q) has %d characters", tt.in, len(got))
		}
		for _, c := range []byte(got) {
			if c < 0x20 || c >= 0x7f {
				t.Errorf("SNSSubject(%q) = %q contains byte %#x", tt.in, got, c)
			}
		}
	}
}

func TestTopicRegion(t *testing.T) {
	good := map[string]string{
		"arn:aws:sns:us-east-1:111122223333:security":              "us-east-1",
		"arn:aws-cn:sns:cn-north-1:111122223333:alerts.fifo":       "cn-north-1",
		"arn:aws:sns:eu-west-1:111122223333:team_a-Owners-2":       "eu-west-1",
		"arn:aws-us-gov:sns:us-gov-west-1:111122223333:sec-alerts": "us-gov-west-1",
	}
	for arn, want := range good {
		if got, err := TopicRegion(arn); err != nil || got != want {
			t.Errorf("TopicRegion(%q) = %q, %v; want %q", arn, got, err, want)
		}
	}
	for _, arn := range []string{
		"",
		"security",
		"arn:aws:sqs:us-east-1:111122223333:q",
		"arn:aws:sns::111122223333:security",
		"arn:aws:sns:us-east-1:1111:security",
		"arn:aws:sns:us-east-1:111122223333:",
		"arn:aws:sns:us-east-1:111122223333:bad name",
	} {
		if _, err := TopicRegion(arn); err == nil {
			t.Errorf("TopicRegion(%q) = nil error", arn)
		}
	}
}

// recorder is a Notifier that remembers what it was given.
type recorder struct {
	name string
	err  error
	got  []Message
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) Notify(_ context.Context, m Message) error {
	r.got = append(r.got, m)
	return r.err
}

func TestRouter(t *testing.T) {
	sec := &recorder{name: "sec"}
	teamA := &recorder{name: "team-a"}
	broken := &recorder{name: "broken", err: errors.New("endpoint down")}
	var logs bytes.Buffer
	r, err := NewRouter(RouterOptions{
		Channels: map[string]Notifier{
			"sec-topic": sec,
			"team-a":    teamA,
			"pager":     broken,
		},
		SecurityTeam: "sec-topic",
		Owners: map[string][]string{
			"111122223333": {"team-a"},
			"444455556666": {"team-a", "sec-topic"},
		},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}

	type res struct {
		channel, dest, notifier string
		fallback, failed        bool
	}
	tests := []struct {
		name     string
		account  string
		channels []string
		want     []res
	}{
		{"security team alias", "111122223333", []string{"security-team"},
			[]res{{"security-team", "sec-topic", "sec", false, false}}},
		{"owners of the message's account", "111122223333", []string{"owners:{account}"},
			[]res{{"owners:{account}", "team-a", "team-a", false, false}}},
		{"bare owners", "111122223333", []string{"owners"},
			[]res{{"owners", "team-a", "team-a", false, false}}},
		{"owners of a named account", "999999999999", []string{"owners:111122223333"},
			[]res{{"owners:111122223333", "team-a", "team-a", false, false}}},
		{"same destination once", "444455556666", []string{"security-team", "owners:{account}"},
			[]res{{"security-team", "sec-topic", "sec", false, false}, {"owners:{account}", "team-a", "team-a", false, false}}},
		{"account without owners falls back", "777777777777", []string{"owners:{account}", "security-team"},
			[]res{{"owners:{account}", "", "log", true, false}, {"security-team", "sec-topic", "sec", false, false}}},
		{"unknown channel falls back", "111122223333", []string{"nobody"},
			[]res{{"nobody", "", "log", true, false}}},
		{"failure is reported, others still sent", "111122223333", []string{"pager", "team-a"},
			[]res{{"pager", "pager", "broken", false, true}, {"team-a", "team-a", "team-a", false, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Message{Subject: tt.name, Account: tt.account}
			got := r.Notify(context.Background(), tt.channels, m, nil)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d results %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Channel != w.channel || g.Destination != w.dest || g.Notifier != w.notifier || g.Fallback != w.fallback || (g.Err != nil) != w.failed {
					t.Errorf("result %d = %+v, want %+v", i, g, w)
				}
			}
			if err := Err(got); (err != nil) != slicesAny(tt.want, func(r res) bool { return r.failed }) {
				t.Errorf("Err = %v", err)
			}
		})
	}

	if len(sec.got) != 3 || len(teamA.got) != 5 {
		t.Errorf("deliveries: sec %d, team-a %d; want 3 and 5", len(sec.got), len(teamA.got))
	}
	if n := strings.Count(logs.String(), `"msg":"notification"`); n != 2 {
		t.Errorf("fallback logged %d notifications, want 2:\n%s", n, logs.String())
	}
	if err := Err(r.Notify(context.Background(), []string{"pager"}, Message{}, nil)); err == nil || !strings.Contains(err.Error(), "channel pager: endpoint down") {
		t.Errorf("Err = %v, want it to name the channel and cause", err)
	}
}

func slicesAny[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

func TestNewRouterRejects(t *testing.T) {
	n := &recorder{name: "n"}
	tests := []struct {
		name string
		opts RouterOptions
		want string
	}{
		{"unknown security channel", RouterOptions{Channels: map[string]Notifier{"a": n}, SecurityTeam: "b"}, `security team channel "b"`},
		{"unknown owner channel", RouterOptions{Channels: map[string]Notifier{"a": n}, Owners: map[string][]string{"111122223333": {"c"}}}, `account 111122223333: channel "c"`},
		{"nil notifier", RouterOptions{Channels: map[string]Notifier{"a": nil}}, `channel "a" has no notifier`},
	}
	for _, tt := range tests {
		if _, err := NewRouter(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: NewRouter error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestLog(t *testing.T) {
	var buf bytes.Buffer
	l := NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	m := Message{Subject: "s", PlaybookID: "p", Account: "111122223333", Fields: map[string]string{"b": "2", "a": "1"}}
	if err := l.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log record %q: %v", buf.String(), err)
	}
	if rec["subject"] != "s" || rec["playbook"] != "p" || rec["account"] != "111122223333" {
		t.Errorf("log record = %v", rec)
	}
	if f, _ := rec["fields"].(map[string]any); f["a"] != "1" || f["b"] != "2" {
		t.Errorf("log record fields = %v", rec["fields"])
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Notify(ctx, m); !errors.Is(err, context.Canceled) {
		t.Errorf("Notify with a cancelled context = %v", err)
	}
}
