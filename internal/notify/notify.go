// Package notify delivers rectify's notifications: what happened, to which
// resource, in which account, and why.
//
// A Notifier sends one Message to one destination (an SNS topic, a log).
// A Router maps the channel names playbooks use (such as "security-team" or
// "owners:{account}") to Notifiers; a channel without a destination is
// recorded in the log instead, which is not a failure.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// Severity levels, in increasing order. A Message may carry any other
// string; these are the ones rectify uses.
const (
	SeverityInfo     = "INFO"
	SeverityLow      = "LOW"
	SeverityMedium   = "MEDIUM"
	SeverityHigh     = "HIGH"
	SeverityCritical = "CRITICAL"
)

// Message is one notification.
type Message struct {
	// Subject is a one-line summary.
	Subject string
	// Text is the body: what was found and what was done.
	Text string
	// Severity is one of the Severity constants, or empty.
	Severity string
	// PlaybookID and RunID name the playbook and the run that sent it.
	PlaybookID, RunID string
	// Account, Region and Resource name the target.
	Account, Region, Resource string
	// Fields carries further details, rendered sorted by key.
	Fields map[string]string
}

// Render returns the message as readable plain text: the subject, the
// target and run, the text, and the fields sorted by key.
func (m Message) Render() string {
	var b strings.Builder
	subject := oneLine(m.Subject)
	if m.Severity != "" {
		subject = "[" + oneLine(m.Severity) + "] " + subject
	}
	if subject != "" {
		b.WriteString(subject)
		b.WriteString("\n\n")
	}
	head := [][2]string{
		{"Account", m.Account},
		{"Region", m.Region},
		{"Resource", m.Resource},
		{"Playbook", m.PlaybookID},
		{"Run", m.RunID},
	}
	wrote := false
	for _, h := range head {
		if h[1] == "" {
			continue
		}
		fmt.Fprintf(&b, "%-9s %s\n", h[0]+":", oneLine(h[1]))
		wrote = true
	}
	if text := strings.TrimSpace(m.Text); text != "" {
		if wrote {
			b.WriteByte('\n')
		}
		b.WriteString(text)
		b.WriteByte('\n')
		wrote = true
	}
	if len(m.Fields) > 0 {
		if wrote {
			b.WriteByte('\n')
		}
		b.WriteString("Details:\n")
		keys := make([]string, 0, len(m.Fields))
		width := 0
		for k := range m.Fields {
			keys = append(keys, k)
			width = max(width, len(k))
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := m.Fields[k]
			lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
			fmt.Fprintf(&b, "  %-*s  %s\n", width+1, oneLine(k)+":", lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(&b, "  %-*s  %s\n", width+1, "", l)
			}
		}
	}
	return b.String()
}

// oneLine folds line breaks and other control characters into spaces.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s))
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 }

// A Notifier delivers messages to one destination. Implementations are safe
// for concurrent use.
type Notifier interface {
	// Name identifies the destination in logs and results, such as
	// "sns:arn:aws:sns:us-east-1:111122223333:security" or "log".
	Name() string
	// Notify delivers m, or says why it could not.
	Notify(ctx context.Context, m Message) error
}

// Log is a Notifier that records messages through slog at level Info. It is
// the destination of channels that have no other.
type Log struct {
	logger *slog.Logger
}

// NewLog returns a Log notifier writing to logger, or to slog.Default() when
// logger is nil.
func NewLog(logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger}
}

// Name returns "log".
func (*Log) Name() string { return "log" }

// Notify records m. It fails only when ctx is done.
func (l *Log) Notify(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	attrs := []slog.Attr{
		slog.String("subject", m.Subject),
		slog.String("severity", m.Severity),
		slog.String("playbook", m.PlaybookID),
		slog.String("run", m.RunID),
		slog.String("account", m.Account),
		slog.String("region", m.Region),
		slog.String("resource", m.Resource),
		slog.String("text", m.Text),
	}
	if len(m.Fields) > 0 {
		keys := make([]string, 0, len(m.Fields))
		for k := range m.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fields := make([]any, 0, len(keys))
		for _, k := range keys {
			fields = append(fields, slog.String(k, m.Fields[k]))
		}
		attrs = append(attrs, slog.Group("fields", fields...))
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, "notification", attrs...)
	return nil
}
