// Package cloud gives rectify an aws.Config for each (account, region) it acts
// in.
//
// A Provider starts from the SDK's standard configuration (profiles,
// environment variables, AWS_ENDPOINT_URL and its per-service forms, the
// default region), as loaded by config.LoadDefaultConfig. In rectify's own
// account it uses those credentials as they are; in any other account it
// assumes a configured role with sts:AssumeRole, an optional ExternalId and a
// role session name that starts with the session prefix ("rectify-" by
// default) followed by the run, so CloudTrail attributes every change to
// rectify and the run that made it. Assumed-role credentials are cached per
// role and session until shortly before they expire.
//
// Every returned configuration retries throttling and 5xx answers with the
// SDK's retryer (standard mode unless adaptive is asked for) and more
// attempts than the SDK's default.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Defaults applied by New.
const (
	DefaultSessionPrefix = "rectify"
	DefaultMaxAttempts   = 8
	// expiryWindow is how long before their expiry cached credentials are
	// refreshed.
	expiryWindow = 2 * time.Minute
)

// Options configure a Provider. The zero value is usable: rectify acts only in
// its own account until RoleName is set.
type Options struct {
	// RoleName is the role assumed in another account: a role name such as
	// "rectify-remediation" (optionally with its path, "team/rectify") or a
	// role ARN template such as
	// "arn:{partition}:iam::{account}:role/rectify". The placeholders
	// {account}, {region} and {partition} are replaced with the target's.
	RoleName string
	// ExternalID is passed to sts:AssumeRole when not empty.
	ExternalID string
	// Accounts overrides RoleName and ExternalID for single accounts, keyed
	// by 12-digit account ID.
	Accounts map[string]Account
	// SessionPrefix begins every role session name; DefaultSessionPrefix
	// when empty. It identifies rectify's own calls in CloudTrail.
	SessionPrefix string
	// Duration is the lifetime requested for assumed-role credentials; the
	// SDK's default (15 minutes) when zero.
	Duration time.Duration
	// AlwaysAssumeRole makes the Provider assume the role in its own account
	// too, instead of using its own credentials there.
	AlwaysAssumeRole bool
	// AllowAccounts and AllowRegions, when not empty, list the only accounts
	// and regions rectify may act in. DenyAccounts and DenyRegions list those
	// it must never act in; a deny entry wins over an allow entry. Entries are
	// exact values or globs with '*' and '?' (as in "eu-*").
	AllowAccounts, DenyAccounts []string
	AllowRegions, DenyRegions   []string
	// MaxAttempts bounds the attempts of every API call, retries included.
	// When zero it is the base configuration's RetryMaxAttempts
	// (AWS_MAX_ATTEMPTS) if set, else DefaultMaxAttempts.
	MaxAttempts int
	// MaxBackoff caps the delay between attempts; the SDK's default (20s)
	// when zero.
	MaxBackoff time.Duration
	// RetryMode is aws.RetryModeStandard (exponential backoff with jitter)
	// or aws.RetryModeAdaptive (the same, plus client-side rate limiting
	// that slows a client down after throttling). When empty it is the base
	// configuration's RetryMode (AWS_RETRY_MODE) if set, else standard.
	RetryMode aws.RetryMode
	// Logger receives debug records about role assumption; slog.Default()
	// when nil. Credentials are never logged.
	Logger *slog.Logger
}

// Account holds the settings that override Options for one account.
type Account struct {
	// RoleName replaces Options.RoleName; same forms and placeholders.
	RoleName string
	// ExternalID replaces Options.ExternalID when not empty.
	ExternalID string
}

// Identity is the AWS principal rectify's own credentials belong to.
type Identity struct {
	Account   string
	ARN       string
	Partition string
}

// DeniedError reports that an account or region is outside the configured
// allow list or inside the deny list.
type DeniedError struct {
	Kind  string // "account" or "region"
	Value string // the refused account ID or region
	List  string // "allow" or "deny"
}

func (e *DeniedError) Error() string {
	if e.List == "allow" {
		return fmt.Sprintf("%s %s is not on the %ss allow list", e.Kind, e.Value, e.Kind)
	}
	return fmt.Sprintf("%s %s is on the %ss deny list", e.Kind, e.Value, e.Kind)
}

// Provider hands out an aws.Config per (account, region). It is safe for
// concurrent use.
type Provider struct {
	base        aws.Config
	opts        Options
	log         *slog.Logger
	maxAttempts int
	retryMode   aws.RetryMode

	idMu     sync.Mutex
	identity *Identity // set once GetCallerIdentity succeeded

	credMu sync.Mutex
	creds  map[credKey]*credEntry
}

type credKey struct {
	roleARN, externalID, session string
}

type credEntry struct {
	cache   *aws.CredentialsCache
	created time.Time
}

// New returns a Provider over base, which normally comes from
// config.LoadDefaultConfig. It checks opts but makes no AWS call.
func New(ctx context.Context, base aws.Config, opts Options) (*Provider, error) {
	if opts.SessionPrefix == "" {
		opts.SessionPrefix = DefaultSessionPrefix
	}
	if err := CheckSessionPrefix(opts.SessionPrefix); err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	if err := CheckRoleTemplate(opts.RoleName); err != nil {
		return nil, fmt.Errorf("cloud: role name: %w", err)
	}
	for acct, a := range opts.Accounts {
		if !ValidAccount(acct) {
			return nil, fmt.Errorf("cloud: accounts: %q is not a 12-digit account ID", acct)
		}
		if err := CheckRoleTemplate(a.RoleName); err != nil {
			return nil, fmt.Errorf("cloud: accounts[%s]: role name: %w", acct, err)
		}
	}
	if opts.Duration < 0 {
		return nil, fmt.Errorf("cloud: duration %s is negative", opts.Duration)
	}
	if opts.Duration > 0 && (opts.Duration < 15*time.Minute || opts.Duration > 12*time.Hour) {
		return nil, fmt.Errorf("cloud: duration %s is outside the 15m to 12h range STS accepts", opts.Duration)
	}
	switch opts.RetryMode {
	case "", aws.RetryModeStandard, aws.RetryModeAdaptive:
	default:
		return nil, fmt.Errorf("cloud: retry mode %q is neither standard nor adaptive", opts.RetryMode)
	}
	if opts.MaxBackoff < 0 {
		return nil, fmt.Errorf("cloud: max backoff %s is negative", opts.MaxBackoff)
	}
	if opts.MaxAttempts < 0 {
		return nil, fmt.Errorf("cloud: max attempts %d is negative", opts.MaxAttempts)
	}
	for _, l := range []struct {
		name string
		list []string
	}{
		{"allow accounts", opts.AllowAccounts}, {"deny accounts", opts.DenyAccounts},
		{"allow regions", opts.AllowRegions}, {"deny regions", opts.DenyRegions},
	} {
		if err := checkList(l.name, l.list); err != nil {
			return nil, fmt.Errorf("cloud: %w", err)
		}
	}
	// The Provider keeps its own copies of the caller's lists and maps.
	opts.Accounts = maps.Clone(opts.Accounts)
	opts.AllowAccounts, opts.DenyAccounts = slices.Clone(opts.AllowAccounts), slices.Clone(opts.DenyAccounts)
	opts.AllowRegions, opts.DenyRegions = slices.Clone(opts.AllowRegions), slices.Clone(opts.DenyRegions)
	p := &Provider{
		base:  base.Copy(),
		opts:  opts,
		log:   opts.Logger,
		creds: make(map[credKey]*credEntry),
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.maxAttempts = opts.MaxAttempts
	if p.maxAttempts == 0 {
		p.maxAttempts = base.RetryMaxAttempts
	}
	if p.maxAttempts == 0 {
		p.maxAttempts = DefaultMaxAttempts
	}
	p.retryMode = opts.RetryMode
	if p.retryMode == "" {
		p.retryMode = base.RetryMode
	}
	if p.retryMode == "" {
		p.retryMode = aws.RetryModeStandard
	}
	p.base.Retryer = p.newRetryer
	// The retryer above already applies the attempt bound.
	p.base.RetryMaxAttempts = 0
	return p, nil
}

// newRetryer returns the SDK's retryer in the configured mode, bounded to
// p.maxAttempts attempts.
func (p *Provider) newRetryer() aws.Retryer {
	standard := func(so *retry.StandardOptions) {
		so.MaxAttempts = p.maxAttempts
		if p.opts.MaxBackoff > 0 {
			so.MaxBackoff = p.opts.MaxBackoff
		}
	}
	if p.retryMode == aws.RetryModeAdaptive {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, standard)
		})
	}
	return retry.NewStandard(standard)
}

// BaseConfig returns rectify's own configuration with the Provider's
// retry settings (mode, attempts, backoff), for clients of rectify's own
// account such as the notifiers.
func (p *Provider) BaseConfig() aws.Config { return p.base.Copy() }

// SessionPrefix returns the prefix of rectify's role session names.
func (p *Provider) SessionPrefix() string { return p.opts.SessionPrefix }

// Allowed reports whether rectify may act in account and region. The error,
// a *DeniedError, names the list that refused.
func (p *Provider) Allowed(account, region string) error {
	if matchList(p.opts.DenyAccounts, account) {
		return &DeniedError{Kind: "account", Value: account, List: "deny"}
	}
	if len(p.opts.AllowAccounts) > 0 && !matchList(p.opts.AllowAccounts, account) {
		return &DeniedError{Kind: "account", Value: account, List: "allow"}
	}
	if matchList(p.opts.DenyRegions, region) {
		return &DeniedError{Kind: "region", Value: region, List: "deny"}
	}
	if len(p.opts.AllowRegions) > 0 && !matchList(p.opts.AllowRegions, region) {
		return &DeniedError{Kind: "region", Value: region, List: "allow"}
	}
	return nil
}

// Identity returns the principal of the base credentials, calling
// sts:GetCallerIdentity the first time and remembering a successful answer.
func (p *Provider) Identity(ctx context.Context) (Identity, error) {
	p.idMu.Lock()
	defer p.idMu.Unlock()
	if p.identity != nil {
		return *p.identity, nil
	}
	cfg := p.base.Copy()
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, fmt.Errorf("cloud: sts:GetCallerIdentity: %w", err)
	}
	id := Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}
	if parts := strings.SplitN(id.ARN, ":", 3); len(parts) == 3 && parts[0] == "arn" {
		id.Partition = parts[1]
	} else {
		return Identity{}, fmt.Errorf("cloud: sts:GetCallerIdentity returned ARN %q, which is not an ARN", id.ARN)
	}
	if !ValidAccount(id.Account) {
		return Identity{}, fmt.Errorf("cloud: sts:GetCallerIdentity returned account %q, which is not a 12-digit account ID", id.Account)
	}
	p.identity = &id
	return id, nil
}

// IsOwnSession reports whether a principal ARN, such as a CloudTrail event's
// userIdentity.arn, is rectify itself: an assumed-role session whose name
// starts with the session prefix and a hyphen, or rectify's own identity
// (known once Identity has succeeded).
func (p *Provider) IsOwnSession(arn string) bool {
	if arn == "" {
		return false
	}
	if s, ok := sessionFromARN(arn); ok && strings.HasPrefix(s, p.opts.SessionPrefix+"-") {
		return true
	}
	p.idMu.Lock()
	id := p.identity
	p.idMu.Unlock()
	return id != nil && id.ARN == arn
}

// RoleFor returns the role ARN and external ID rectify assumes in account
// and region, or an error when no role is configured for it.
func (p *Provider) RoleFor(partition, account, region string) (roleARN, externalID string, err error) {
	tmpl, ext := p.opts.RoleName, p.opts.ExternalID
	if a, ok := p.opts.Accounts[account]; ok {
		if a.RoleName != "" {
			tmpl = a.RoleName
		}
		if a.ExternalID != "" {
			ext = a.ExternalID
		}
	}
	if tmpl == "" {
		return "", "", fmt.Errorf("cloud: no role is configured to act in account %s", account)
	}
	return RoleARN(tmpl, partition, account, region), ext, nil
}

// Config returns the configuration for calls in account and region on behalf
// of session (normally a run ID, which becomes part of the role session
// name). In rectify's own account it carries the base credentials, unless
// AlwaysAssumeRole is set; elsewhere it carries cached credentials of the
// configured role. The returned Region is region.
func (p *Provider) Config(ctx context.Context, account, region, session string) (aws.Config, error) {
	if !ValidAccount(account) {
		return aws.Config{}, fmt.Errorf("cloud: account %q is not a 12-digit account ID", account)
	}
	if !ValidRegion(region) {
		return aws.Config{}, fmt.Errorf("cloud: region %q is not a region name", region)
	}
	if err := p.Allowed(account, region); err != nil {
		return aws.Config{}, fmt.Errorf("cloud: %w", err)
	}
	id, err := p.Identity(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	cfg := p.base.Copy()
	cfg.Region = region
	if account == id.Account && !p.opts.AlwaysAssumeRole {
		return cfg, nil
	}
	roleARN, ext, err := p.RoleFor(id.Partition, account, region)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.Credentials = p.credentials(roleARN, ext, SessionName(p.opts.SessionPrefix, session), region)
	// Fail here, with the role named, rather than in the first action.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("cloud: assume role %s in account %s: %w", roleARN, account, err)
	}
	return cfg, nil
}

// HomeConfig returns the configuration for calls in rectify's own account in
// region on behalf of session, such as updating findings in the Security Hub
// of an organization's administrator account. It carries the base
// credentials, or the configured role's when AlwaysAssumeRole is set. The
// account and region lists do not apply: they bound where rectify
// remediates, not where it reports.
func (p *Provider) HomeConfig(ctx context.Context, region, session string) (aws.Config, error) {
	if !ValidRegion(region) {
		return aws.Config{}, fmt.Errorf("cloud: region %q is not a region name", region)
	}
	cfg := p.base.Copy()
	cfg.Region = region
	if !p.opts.AlwaysAssumeRole {
		return cfg, nil
	}
	id, err := p.Identity(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	roleARN, ext, err := p.RoleFor(id.Partition, id.Account, region)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.Credentials = p.credentials(roleARN, ext, SessionName(p.opts.SessionPrefix, session), region)
	return cfg, nil
}

// credentials returns the cached credentials provider for a role session,
// creating it on first use. Entries older than the credentials' lifetime are
// dropped, so a long-running process does not keep one per finished run.
func (p *Provider) credentials(roleARN, externalID, sessionName, region string) *aws.CredentialsCache {
	key := credKey{roleARN: roleARN, externalID: externalID, session: sessionName}
	now := time.Now()
	p.credMu.Lock()
	defer p.credMu.Unlock()
	if e, ok := p.creds[key]; ok {
		return e.cache
	}
	lifetime := p.opts.Duration
	if lifetime == 0 {
		lifetime = stscreds.DefaultDuration
	}
	for k, e := range p.creds {
		if now.Sub(e.created) > lifetime {
			delete(p.creds, k)
		}
	}
	stsCfg := p.base.Copy()
	if stsCfg.Region == "" {
		stsCfg.Region = region
	}
	client := sts.NewFromConfig(stsCfg)
	provider := stscreds.NewAssumeRoleProvider(client, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = sessionName
		if externalID != "" {
			o.ExternalID = aws.String(externalID)
		}
		if p.opts.Duration > 0 {
			o.Duration = p.opts.Duration
		}
	})
	log := p.log
	cache := aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		log.DebugContext(ctx, "assuming role", "role", roleARN, "session", sessionName)
		c, err := provider.Retrieve(ctx)
		if err != nil {
			return aws.Credentials{}, err
		}
		return c, nil
	}), func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = expiryWindow
	})
	p.creds[key] = &credEntry{cache: cache, created: now}
	return cache
}

// IsDenied reports whether err says an account or region is outside the
// configured lists.
func IsDenied(err error) bool {
	var d *DeniedError
	return errors.As(err, &d)
}
