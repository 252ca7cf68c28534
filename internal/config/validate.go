package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/rectify-dev/rectify/internal/cloud"
	"github.com/rectify-dev/rectify/internal/notify"
)

// Validate reports every setting that is not usable, as Errors naming the
// field. Load validates what it loads; Validate is for configurations built
// or changed in code.
func (c *Config) Validate() error {
	return c.validate().err()
}

func (c *Config) validate() Errors {
	var errs Errors
	add := func(field, format string, args ...any) {
		errs = append(errs, &Error{Field: field, Msg: fmt.Sprintf(format, args...)})
	}

	if c.Version != 0 && c.Version != 1 {
		add("version", "unsupported version %d (this rectify reads version 1)", c.Version)
	}

	switch c.Store.Driver {
	case StoreSQLite:
		if c.Store.Path == "" {
			add("store.path", "empty path")
		}
	case StoreDynamoDB:
		if c.Store.Table == "" {
			add("store.table", "the dynamodb driver needs a table name")
		}
	default:
		add("store.driver", "unknown driver %q (available: sqlite, dynamodb)", c.Store.Driver)
	}

	for i, r := range c.Exemptions.Rules {
		f := "exemptions.rules[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(r.Reason) == "" {
			add(f+".reason", "every exemption needs a reason")
		}
		if len(r.Accounts) == 0 && len(r.Regions) == 0 && len(r.Resources) == 0 {
			add(f, "name accounts, regions or resources (to exempt a playbook everywhere, disable it)")
		}
		for j, a := range r.Accounts {
			if !validAccountGlob(a) {
				add(f+".accounts["+strconv.Itoa(j)+"]", "%q is neither a 12-digit account ID nor a glob of one", a)
			}
		}
	}
	if c.Breaker.Window < 0 {
		add("breaker.window", "negative duration %s", c.Breaker.Window)
	}
	if c.Engine.Lease != 0 && c.Engine.Lease < time.Second {
		add("engine.lease", "%s is shorter than a second", c.Engine.Lease)
	}
	if r := c.Engine.Retry; r.Base < 0 || r.Max < 0 || r.Attempts < 0 || (r.Base > 0 && r.Max > 0 && r.Max < r.Base) {
		add("engine.retry", "want 0 < base <= max and attempts >= 1 (or leave them out for the defaults)")
	}

	for i, d := range c.Playbooks.Dirs {
		if d == "" {
			add("playbooks.dirs["+strconv.Itoa(i)+"]", "empty directory")
		}
	}
	for _, id := range sortedKeys(c.Playbooks.Overrides) {
		o := c.Playbooks.Overrides[id]
		f := "playbooks.overrides." + id
		if id == "" {
			add(f, "empty playbook ID")
		}
		if o.Mode != "" && !ValidMode(o.Mode) {
			add(f+".mode", "unknown mode %q (want auto, approve, notify or dry-run)", o.Mode)
		}
		for _, k := range sortedKeys(o.Params) {
			if k == "" {
				add(f+".params", "empty parameter name")
			}
		}
	}

	errs = append(errs, c.AWS.validate()...)
	errs = append(errs, c.Notify.validate()...)

	if _, port, err := net.SplitHostPort(c.Serve.Addr); err != nil {
		add("serve.addr", "%q is not a host:port address: %v", c.Serve.Addr, err)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		add("serve.addr", "%q: port %q is not a number from 0 to 65535", c.Serve.Addr, port)
	}
	if c.Serve.MaxBody <= 0 {
		add("serve.max_body", "must be positive, got %d", c.Serve.MaxBody)
	}
	if !validEnvName(c.Serve.SecretEnv) {
		add("serve.secret_env", "%q is not an environment variable name", c.Serve.SecretEnv)
	}

	if c.Audit.Retention < 0 {
		add("audit.retention", "must not be negative, got %s", c.Audit.Retention)
	}

	for i, a := range c.SecurityHub.CustomActions {
		// Security Hub custom action names are 1 to 20 characters.
		if a == "" || len([]rune(a)) > 20 {
			add("securityhub.custom_actions["+strconv.Itoa(i)+"]", "%q is not a custom action name (1 to 20 characters)", a)
		}
	}
	switch c.SecurityHub.FindingAccount {
	case "target", "central":
	default:
		add("securityhub.finding_account", "unknown value %q (want target or central)", c.SecurityHub.FindingAccount)
	}
	return errs
}

func (a *AWS) validate() Errors {
	var errs Errors
	add := func(field, format string, args ...any) {
		errs = append(errs, &Error{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if a.Region != "" && !cloud.ValidRegion(a.Region) {
		add("aws.region", "%q is not a region name", a.Region)
	}
	if err := cloud.CheckRoleTemplate(a.RoleName); err != nil {
		add("aws.role_name", "%v", err)
	}
	if a.ExternalID != "" && a.ExternalIDEnv != "" {
		add("aws.external_id", "set external_id or external_id_env, not both")
	}
	if a.ExternalIDEnv != "" && !validEnvName(a.ExternalIDEnv) {
		add("aws.external_id_env", "%q is not an environment variable name", a.ExternalIDEnv)
	}
	for _, id := range sortedKeys(a.Accounts) {
		acct := a.Accounts[id]
		f := "aws.accounts." + id
		if !cloud.ValidAccount(id) {
			add(f, "%q is not a 12-digit account ID", id)
		}
		if err := cloud.CheckRoleTemplate(acct.RoleName); err != nil {
			add(f+".role_name", "%v", err)
		}
		if acct.ExternalID != "" && acct.ExternalIDEnv != "" {
			add(f+".external_id", "set external_id or external_id_env, not both")
		}
		if acct.ExternalIDEnv != "" && !validEnvName(acct.ExternalIDEnv) {
			add(f+".external_id_env", "%q is not an environment variable name", acct.ExternalIDEnv)
		}
	}
	for _, l := range []struct {
		field string
		list  []string
	}{
		{"aws.allow_accounts", a.AllowAccounts}, {"aws.deny_accounts", a.DenyAccounts},
		{"aws.allow_regions", a.AllowRegions}, {"aws.deny_regions", a.DenyRegions},
	} {
		for i, p := range l.list {
			if err := cloud.CheckPattern(p); err != nil {
				add(l.field+"["+strconv.Itoa(i)+"]", "%v", err)
			}
		}
	}
	if a.SessionPrefix != "" {
		if err := cloud.CheckSessionPrefix(a.SessionPrefix); err != nil {
			add("aws.session_prefix", "%v", err)
		}
	}
	if d := a.SessionDuration; d != 0 && (d < 15*time.Minute || d > 12*time.Hour) {
		add("aws.session_duration", "%s is outside the 15m to 12h range STS accepts", d)
	}
	if a.MaxAttempts < 0 {
		add("aws.max_attempts", "must not be negative, got %d", a.MaxAttempts)
	}
	switch a.RetryMode {
	case "", "standard", "adaptive":
	default:
		add("aws.retry_mode", "unknown retry mode %q (want standard or adaptive)", a.RetryMode)
	}
	return errs
}

func (n *Notify) validate() Errors {
	var errs Errors
	add := func(field, format string, args ...any) {
		errs = append(errs, &Error{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	for _, name := range sortedKeys(n.Channels) {
		ch := n.Channels[name]
		f := "notify.channels." + name
		if name == "" {
			add(f, "empty channel name")
		}
		switch ch.Type {
		case ChannelSNS:
			if ch.TopicARN == "" {
				add(f+".topic_arn", "an sns channel needs a topic_arn")
			} else if _, err := notify.TopicRegion(ch.TopicARN); err != nil {
				add(f+".topic_arn", "%v", err)
			}
		case ChannelLog:
			if ch.TopicARN != "" {
				add(f+".topic_arn", "a log channel has no topic")
			}
		case "":
			add(f+".type", "missing (want sns or log)")
		default:
			add(f+".type", "unknown channel type %q (want sns or log)", ch.Type)
		}
	}
	if n.SecurityTeam != "" {
		if _, ok := n.Channels[n.SecurityTeam]; !ok {
			add("notify.security_team", "channel %q is not defined in notify.channels", n.SecurityTeam)
		}
	}
	for _, id := range sortedKeys(n.Owners) {
		f := "notify.owners." + id
		if !cloud.ValidAccount(id) {
			add(f, "%q is not a 12-digit account ID", id)
		}
		for i, name := range n.Owners[id] {
			if _, ok := n.Channels[name]; !ok {
				add(f+"["+strconv.Itoa(i)+"]", "channel %q is not defined in notify.channels", name)
			}
		}
	}
	return errs
}

// validEnvName reports whether s is a portable environment variable name.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// validAccountGlob reports whether s is a 12-digit account ID, or a glob
// of digits, '*' and '?'.
func validAccountGlob(s string) bool {
	if s == "" || len(s) > 12 {
		return false
	}
	glob := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '*' || r == '?':
			glob = true
		default:
			return false
		}
	}
	return glob || len(s) == 12
}
