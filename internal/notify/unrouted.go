package notify

import (
	"log/slog"
	"sync"
)

// unrouted warns, once per channel, that a channel has no destination, so
// that a notification that only reaches the log is seen at the default log
// level.
type unrouted struct {
	log    *slog.Logger // slog.Default() when nil
	warned sync.Map     // channel name → struct{}
}

func (u *unrouted) warn(channel string, m Message) {
	if _, done := u.warned.LoadOrStore(channel, struct{}{}); done {
		return
	}
	log := u.log
	if log == nil {
		log = slog.Default()
	}
	log.Warn("notification channel has no destination: its notifications are only logged (at level info); configure it under notify in rectify.yaml",
		"channel", channel, "playbook", m.PlaybookID, "account", m.Account)
}
