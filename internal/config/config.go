// Package config loads rectify's configuration: the rectify.yaml file and
// the environment variables that carry secrets.
//
// Every setting has a default, so rectify runs with no file at all: it acts
// in the account of its own AWS credentials, keeps its state in rectify.db in
// the working directory, and logs notifications that have no destination.
// Loading is strict: an unknown field, a value of the wrong type or a value
// that fails validation is an error naming the file, line and field.
// Secrets are never read from the file; the file names the environment
// variables that hold them.
package config

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// DefaultFile is the file Load reads when no path is given.
const DefaultFile = "rectify.yaml"

// Defaults.
const (
	DefaultStoreDriver = "sqlite"
	DefaultStorePath   = "rectify.db"
	DefaultServeAddr   = "127.0.0.1:8080"
	DefaultMaxBody     = 1 * MiB
	DefaultSecretEnv   = "RECTIFY_SHARED_SECRET"
)

// Playbook modes.
const (
	ModeAuto    = "auto"
	ModeApprove = "approve"
	ModeNotify  = "notify"
	ModeDryRun  = "dry-run"
)

// ValidMode reports whether mode is a playbook mode.
func ValidMode(mode string) bool {
	switch mode {
	case ModeAuto, ModeApprove, ModeNotify, ModeDryRun:
		return true
	}
	return false
}

// Notification channel types.
const (
	ChannelSNS = "sns"
	ChannelLog = "log"
)

// Config is rectify's configuration.
type Config struct {
	// Version is the configuration format; 1, or 0 when omitted.
	Version int `yaml:"version"`
	// Store selects where runs, steps, audit entries and dedupe keys live.
	Store Store `yaml:"store"`
	// DryRun turns every playbook into a dry run, whatever its mode.
	DryRun bool `yaml:"dry_run"`
	// Playbooks adds playbook directories and overrides playbook settings.
	Playbooks Playbooks `yaml:"playbooks"`
	// AWS configures credentials, role assumption and account and region
	// lists.
	AWS AWS `yaml:"aws"`
	// Notify configures notification channels.
	Notify Notify `yaml:"notify"`
	// Serve configures the HTTP intake.
	Serve Serve `yaml:"serve"`
	// Audit configures the audit trail.
	Audit Audit `yaml:"audit"`
	// SecurityHub configures what rectify supplies to Security Hub control
	// playbooks.
	SecurityHub SecurityHub `yaml:"securityhub"`
	// Exemptions name the resources rectify leaves alone.
	Exemptions Exemptions `yaml:"exemptions"`
	// Breaker pauses a playbook that changes too much too fast.
	Breaker Breaker `yaml:"breaker"`
	// Engine tunes how runs execute: leases and retries.
	Engine Engine `yaml:"engine"`

	// File is the file the configuration was loaded from; empty when
	// there was none.
	File string `yaml:"-"`
}

// Store selects the state backend.
type Store struct {
	// Driver is the backend: "sqlite" (embedded) or "dynamodb".
	Driver string `yaml:"driver"`
	// Path is the SQLite database file.
	Path string `yaml:"path"`
	// Table is the DynamoDB table of the dynamodb driver.
	Table string `yaml:"table"`
	// CreateTable makes the dynamodb driver create its table if missing.
	CreateTable bool `yaml:"create_table"`
}

// Store drivers.
const (
	StoreSQLite   = "sqlite"
	StoreDynamoDB = "dynamodb"
)

// Playbooks configures which playbooks are loaded and how they run.
type Playbooks struct {
	// Dirs are directories of user playbooks (*.yaml), loaded after the
	// built-in ones.
	Dirs []string `yaml:"dirs"`
	// Overrides change the settings of single playbooks, keyed by playbook
	// ID.
	Overrides map[string]PlaybookOverride `yaml:"overrides"`
}

// PlaybookOverride changes a playbook's settings. Unset fields keep the
// playbook's own.
type PlaybookOverride struct {
	// Enabled turns the playbook on or off.
	Enabled *bool `yaml:"enabled"`
	// Mode replaces the playbook's mode: auto, approve, notify or dry-run.
	Mode string `yaml:"mode"`
	// Params set the playbook's parameters.
	Params map[string]any `yaml:"params"`
}

// AWS configures how rectify reaches AWS.
type AWS struct {
	// Profile is the shared-configuration profile to use instead of
	// AWS_PROFILE.
	Profile string `yaml:"profile"`
	// Region is the default region, used for rectify's own calls (STS,
	// notifications); each remediation uses its event's region.
	Region string `yaml:"region"`
	// RoleName is the role assumed in other accounts: a name (optionally
	// with a path) or an ARN template, with {account}, {region} and
	// {partition} placeholders.
	RoleName string `yaml:"role_name"`
	// ExternalID is passed to sts:AssumeRole.
	ExternalID string `yaml:"external_id"`
	// ExternalIDEnv names the environment variable holding the external ID,
	// as an alternative to ExternalID.
	ExternalIDEnv string `yaml:"external_id_env"`
	// Accounts override RoleName and the external ID for single accounts,
	// keyed by account ID.
	Accounts map[string]AWSAccount `yaml:"accounts"`
	// AllowAccounts and AllowRegions, when not empty, are the only accounts
	// and regions rectify acts in; DenyAccounts and DenyRegions are never
	// acted in. Entries are values or globs ("eu-*").
	AllowAccounts []string `yaml:"allow_accounts"`
	DenyAccounts  []string `yaml:"deny_accounts"`
	AllowRegions  []string `yaml:"allow_regions"`
	DenyRegions   []string `yaml:"deny_regions"`
	// SessionPrefix begins every role session name rectify uses; "rectify"
	// when empty.
	SessionPrefix string `yaml:"session_prefix"`
	// SessionDuration is the lifetime of assumed-role credentials (15m to
	// 12h); the SDK's default when zero.
	SessionDuration time.Duration `yaml:"session_duration"`
	// AlwaysAssumeRole assumes the role in rectify's own account too.
	AlwaysAssumeRole bool `yaml:"always_assume_role"`
	// MaxAttempts bounds the attempts of each AWS call, retries included.
	MaxAttempts int `yaml:"max_attempts"`
	// RetryMode is "standard" or "adaptive"; AWS_RETRY_MODE, else
	// standard, when empty.
	RetryMode string `yaml:"retry_mode"`
}

// AWSAccount overrides the role settings for one account.
type AWSAccount struct {
	RoleName      string `yaml:"role_name"`
	ExternalID    string `yaml:"external_id"`
	ExternalIDEnv string `yaml:"external_id_env"`
}

// Notify configures notification channels.
type Notify struct {
	// Channels maps channel names to destinations.
	Channels map[string]Channel `yaml:"channels"`
	// SecurityTeam names the channel that a playbook's "security-team"
	// stands for.
	SecurityTeam string `yaml:"security_team"`
	// Owners maps account IDs to the channels of the account's owners,
	// reached by a playbook's "owners".
	Owners map[string][]string `yaml:"owners"`
}

// Channel is one notification destination.
type Channel struct {
	// Type is "sns" or "log".
	Type string `yaml:"type"`
	// TopicARN is the SNS topic of an sns channel.
	TopicARN string `yaml:"topic_arn"`
}

// Serve configures the HTTP intake.
type Serve struct {
	// Addr is the listen address.
	Addr string `yaml:"addr"`
	// MaxBody is the largest accepted request body.
	MaxBody ByteSize `yaml:"max_body"`
	// SecretEnv names the environment variable holding the shared secret
	// that requests must present.
	SecretEnv string `yaml:"secret_env"`

	// Secret is the shared secret read from SecretEnv; empty when the
	// variable is unset.
	Secret Secret `yaml:"-"`
}

// Exemptions name the resources rectify leaves alone.
type Exemptions struct {
	// Tag is the tag key that exempts the resource carrying it (its value
	// is the reason); DefaultExemptTag when absent, off when "".
	Tag *string `yaml:"tag"`
	// Rules exempt resources by account, region, ARN or ID.
	Rules []ExemptionRule `yaml:"rules"`
}

// ExemptionRule exempts the resources every set field matches.
type ExemptionRule struct {
	// Reason says why; required.
	Reason string `yaml:"reason"`
	// Expires ends the exemption (a date or an RFC 3339 time).
	Expires time.Time `yaml:"expires"`
	// Playbooks limits it to these playbook IDs or globs.
	Playbooks []string `yaml:"playbooks"`
	// Accounts, Regions and Resources (ARNs or IDs) are values or globs
	// with '*' and '?'.
	Accounts  []string `yaml:"accounts"`
	Regions   []string `yaml:"regions"`
	Resources []string `yaml:"resources"`
}

// DefaultExemptTag is the exemption tag key when none is configured.
const DefaultExemptTag = "rectify:exempt"

// Breaker pauses a playbook that starts more than Max runs that act within
// Window: later runs wait for approval and the security team is told.
type Breaker struct {
	// Max is the limit; 25 when zero, off when negative.
	Max int `yaml:"max"`
	// Window is the period counted; 1h when zero.
	Window time.Duration `yaml:"window"`
}

// Engine tunes how runs execute.
type Engine struct {
	// Lease is how long a run is held by one execution between renewals;
	// a crashed process's runs resume about this long after it died. 30s
	// when zero.
	Lease time.Duration `yaml:"lease"`
	// Retry bounds the retries of a step that failed in a way that may
	// succeed later (throttling, 5xx, timeouts, expired credentials).
	Retry Retry `yaml:"retry"`
}

// Retry is an exponential backoff: Base doubling up to Max, for Attempts
// attempts in all.
type Retry struct {
	Base     time.Duration `yaml:"base"`
	Max      time.Duration `yaml:"max"`
	Attempts int           `yaml:"attempts"`
}

// Audit configures the audit trail.
type Audit struct {
	// Retention is how long finished runs and their audit entries are
	// kept; zero keeps them forever.
	Retention time.Duration `yaml:"retention"`
}

// Default returns the configuration used when there is no file. Secrets
// are not read; Load reads them.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

func (c *Config) applyDefaults() {
	if c.Store.Driver == "" {
		c.Store.Driver = DefaultStoreDriver
	}
	if c.Store.Path == "" {
		c.Store.Path = DefaultStorePath
	}
	if c.Serve.Addr == "" {
		c.Serve.Addr = DefaultServeAddr
	}
	if c.Serve.MaxBody == 0 {
		c.Serve.MaxBody = DefaultMaxBody
	}
	if c.Serve.SecretEnv == "" {
		c.Serve.SecretEnv = DefaultSecretEnv
	}
	if c.SecurityHub.CustomActions == nil {
		c.SecurityHub.CustomActions = []string{DefaultCustomAction}
	}
	if c.SecurityHub.FindingAccount == "" {
		c.SecurityHub.FindingAccount = DefaultFindingAccount
	}
}

// SecurityHub configures how control playbooks treat Security Hub
// findings. Each setting is the default of a parameter every control
// playbook has, which the playbook's own params and
// playbooks.overrides.<id>.params may change.
type SecurityHub struct {
	// CustomActions are the names of the Security Hub custom actions that
	// ask rectify to remediate the findings sent to them (the
	// custom_actions parameter); default [Remediate].
	CustomActions []string `yaml:"custom_actions"`
	// FindingAccount is whose Security Hub rectify updates a finding in
	// (the finding_account parameter): "target", the finding's own
	// account, through the role rectify assumes there, or "central",
	// rectify's own account when it is the organization's Security Hub
	// administrator; default "target".
	FindingAccount string `yaml:"finding_account"`
}

// Defaults of the securityhub section.
const (
	DefaultCustomAction   = "Remediate"
	DefaultFindingAccount = "target"
)

// Secret is a string that is never printed, logged or marshaled.
type Secret string

const redacted = "[redacted]"

// String returns a placeholder, not the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns a placeholder, not the secret.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue returns a placeholder, not the secret.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText returns a placeholder, not the secret.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// ByteSize is a size in bytes, written in the file as a number of bytes or
// with a unit: 512KiB, 1MiB, 1.5MB.
type ByteSize int64

// Byte size units.
const (
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
)

// ParseByteSize parses a size such as 262144, 256KiB or 1.5MB.
func ParseByteSize(s string) (ByteSize, error) {
	units := [...]struct {
		suffix string
		n      float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
		{"B", 1},
	}
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range units {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(num), u.n
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || f*mult > float64(1<<62) {
		return 0, fmt.Errorf("invalid size %q (want bytes, or a number with KiB, MiB, GiB, KB, MB, GB or B)", s)
	}
	return ByteSize(f * mult), nil
}

// String formats the size with the largest binary unit that divides it.
func (b ByteSize) String() string {
	switch {
	case b != 0 && b%GiB == 0:
		return strconv.FormatInt(int64(b/GiB), 10) + "GiB"
	case b != 0 && b%MiB == 0:
		return strconv.FormatInt(int64(b/MiB), 10) + "MiB"
	case b != 0 && b%KiB == 0:
		return strconv.FormatInt(int64(b/KiB), 10) + "KiB"
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// lookupEnv reads an environment variable.
type lookupEnv func(string) (string, bool)

// resolveEnv reads the secrets and IDs the file names environment variables
// for. A variable named by external_id_env must be set.
func (c *Config) resolveEnv(lookup lookupEnv) Errors {
	var errs Errors
	if name := c.AWS.ExternalIDEnv; name != "" {
		v, ok := lookup(name)
		if !ok || v == "" {
			errs = append(errs, &Error{Field: "aws.external_id_env", Msg: fmt.Sprintf("environment variable %s is not set", name)})
		}
		c.AWS.ExternalID = v
	}
	for _, id := range sortedKeys(c.AWS.Accounts) {
		a := c.AWS.Accounts[id]
		if a.ExternalIDEnv == "" {
			continue
		}
		v, ok := lookup(a.ExternalIDEnv)
		if !ok || v == "" {
			errs = append(errs, &Error{Field: "aws.accounts." + id + ".external_id_env", Msg: fmt.Sprintf("environment variable %s is not set", a.ExternalIDEnv)})
		}
		a.ExternalID = v
		c.AWS.Accounts[id] = a
	}
	if v, ok := lookup(c.Serve.SecretEnv); ok {
		c.Serve.Secret = Secret(v)
	}
	return errs
}
