package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Channel names with a meaning of their own.
const (
	// ChannelSecurityTeam stands for the channel configured as the security
	// team's (RouterOptions.SecurityTeam).
	ChannelSecurityTeam = "security-team"
	// ChannelOwners stands for the channels of the owners of the message's
	// account; "owners:ACCOUNT" names those of one account.
	ChannelOwners = "owners"
)

// RouterOptions configure a Router.
type RouterOptions struct {
	// Channels maps channel names to their destinations.
	Channels map[string]Notifier
	// SecurityTeam names the channel that "security-team" stands for. When
	// empty, "security-team" is an ordinary channel name.
	SecurityTeam string
	// Owners maps account IDs to the channels of the account's owners.
	Owners map[string][]string
	// Fallback receives messages for channels without a destination;
	// NewLog(Logger) when nil.
	Fallback Notifier
	// Logger is used by the default Fallback; slog.Default() when nil.
	Logger *slog.Logger
}

// Result is the outcome of a notification on one channel.
type Result struct {
	// Channel is the channel as requested, such as "owners:{account}".
	Channel string
	// Destination is the configured channel it resolved to; empty when
	// it had none.
	Destination string
	// Notifier is the Name of the notifier that handled it.
	Notifier string
	// Fallback is true when the channel had no destination and the message
	// went to the fallback notifier instead; that is not a failure.
	Fallback bool
	// Err is the delivery error, or nil.
	Err error
}

// Router delivers a message to named channels. It is safe for concurrent
// use.
type Router struct {
	channels map[string]Notifier
	security string
	owners   map[string][]string
	fallback Notifier
	unrouted unrouted
}

// NewRouter returns a Router, or an error when the security team or an
// owner refers to a channel that is not configured.
func NewRouter(opts RouterOptions) (*Router, error) {
	r := &Router{
		channels: make(map[string]Notifier, len(opts.Channels)),
		security: opts.SecurityTeam,
		owners:   make(map[string][]string, len(opts.Owners)),
		fallback: opts.Fallback,
	}
	for name, n := range opts.Channels {
		if name == "" {
			return nil, errors.New("notify: a channel has an empty name")
		}
		if n == nil {
			return nil, fmt.Errorf("notify: channel %q has no notifier", name)
		}
		r.channels[name] = n
	}
	if r.security != "" {
		if _, ok := r.channels[r.security]; !ok {
			return nil, fmt.Errorf("notify: security team channel %q is not configured", r.security)
		}
	}
	for acct, names := range opts.Owners {
		for _, name := range names {
			if _, ok := r.channels[name]; !ok {
				return nil, fmt.Errorf("notify: owners of account %s: channel %q is not configured", acct, name)
			}
		}
		r.owners[acct] = append([]string(nil), names...)
	}
	if r.fallback == nil {
		r.fallback = NewLog(opts.Logger)
	}
	r.unrouted.log = opts.Logger
	return r, nil
}

// Resolve returns the configured channels a requested channel stands for
// when notifying m. The placeholders {account}, {region} and {playbook} are
// replaced with m's. An empty result means the channel has no destination.
func (r *Router) Resolve(channel string, m Message) []string {
	name := strings.NewReplacer("{account}", m.Account, "{region}", m.Region, "{playbook}", m.PlaybookID).Replace(channel)
	if _, ok := r.channels[name]; ok {
		return []string{name}
	}
	if name == ChannelSecurityTeam && r.security != "" {
		return []string{r.security}
	}
	if name == ChannelOwners {
		name = ChannelOwners + ":" + m.Account
	}
	if acct, ok := strings.CutPrefix(name, ChannelOwners+":"); ok {
		return r.owners[acct]
	}
	return nil
}

// Notify delivers m to each requested channel and returns one Result per
// delivery, in order. A destination reached through several requested
// channels receives m once. A channel without a destination goes to the
// fallback notifier. Notify tries every channel even when one fails; see
// Err. Destinations for which sent reports true (by Result.Key, from an
// earlier attempt of the same message) are left out; sent may be nil.
func (r *Router) Notify(ctx context.Context, channels []string, m Message, sent func(key string) bool) []Result {
	var results []Result
	done := make(map[string]bool)
	if sent == nil {
		sent = func(string) bool { return false }
	}
	for _, ch := range channels {
		dests := r.Resolve(ch, m)
		if len(dests) == 0 {
			key := "log:" + ch
			if done[key] || sent(key) {
				continue
			}
			done[key] = true
			r.unrouted.warn(ch, m)
			results = append(results, Result{
				Channel:  ch,
				Notifier: r.fallback.Name(),
				Fallback: true,
				Err:      r.fallback.Notify(ctx, m),
			})
			continue
		}
		for _, d := range dests {
			if done[d] || sent(d) {
				continue
			}
			done[d] = true
			n := r.channels[d]
			results = append(results, Result{
				Channel:     ch,
				Destination: d,
				Notifier:    n.Name(),
				Err:         n.Notify(ctx, m),
			})
		}
	}
	return results
}

// Key identifies the result's destination for a later attempt's sent
// function: the configured channel it went to, or "log:CHANNEL" for a
// channel without a destination.
func (r Result) Key() string {
	if r.Destination == "" {
		return "log:" + r.Channel
	}
	return r.Destination
}

// Err returns the delivery failures in results joined into one error, or
// nil when every delivery succeeded.
func Err(results []Result) error {
	var errs []error
	for _, res := range results {
		if res.Err != nil {
			errs = append(errs, fmt.Errorf("channel %s: %w", res.Channel, res.Err))
		}
	}
	return errors.Join(errs...)
}
