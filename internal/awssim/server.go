package awssim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Defaults for a Server's own account, region and administrator.
const (
	DefaultAccount = "123456789012"
	DefaultRegion  = "us-east-1"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Seed makes generated identifiers deterministic. Zero means 1.
	Seed uint64
	// Clock returns the simulated time. Nil means the wall clock.
	Clock func() time.Time
	// Account is the default account, whose administrator keys Config and
	// Env return. Empty means DefaultAccount.
	Account string
	// Region is the default region. Empty means DefaultRegion.
	Region string
	// GlueReadyDelay is how long a new Glue dev endpoint stays PROVISIONING
	// before it is READY. Zero means 2 minutes of simulated time.
	GlueReadyDelay time.Duration
	// RDSCopyDelay is how long an RDS snapshot made by a copy stays
	// creating before it is available. Zero means available at once.
	RDSCopyDelay time.Duration
	// SkipSignatureCheck accepts requests whose SigV4 signature does not
	// match; the access key must still be known.
	SkipSignatureCheck bool
	// MaxBodyBytes caps a request body. Zero means 32 MiB.
	MaxBodyBytes int64
	// Logger receives one debug line per request. Nil discards.
	Logger *slog.Logger
}

// Server is a running AWS simulator. Its methods are safe for concurrent
// use.
type Server struct {
	opts Options
	log  *slog.Logger

	// mu guards everything below and every service's state.
	mu       sync.Mutex
	rng      *rand.Rand
	clock    func() time.Time
	offset   time.Duration
	creds    map[string]*credential // access key ID → credential
	accounts map[string]bool
	services map[string]*serviceDef // by SigV4 signing name
	faults   map[faultKey]*faultState
	trail    *trail
	subs     []func([]byte)
	authz    func(*call) error
	// accessAnalyzer is the Access Analyzer state, for AddAccessAnalyzerFinding.
	accessAnalyzer *accessAnalyzerService
	// iam is IAM's state, which other services consult (roles they are
	// given, instance profiles, the policies of roles they assume).
	iam *iamService

	srv        *http.Server
	listener   net.Listener
	httpClient *http.Client // guarded by mu
	// URL is the endpoint clients use, e.g. http://127.0.0.1:4566.
	URL string
}

// credential is what an access key ID stands for.
type credential struct {
	Secret       string
	SessionToken string
	Principal    Principal
	// Inactive keys are refused as if unknown.
	Inactive bool
	// Used, if set, is told of every authenticated call made with the key
	// (IAM's access key last used).
	Used func(service, region string, at time.Time) `json:"-"`
}

// Principal is an authenticated caller.
type Principal struct {
	// Type is Root, IAMUser or AssumedRole, as in CloudTrail's userIdentity.
	Type        string
	Account     string
	ARN         string
	PrincipalID string
	AccessKeyID string
	// UserName is set for IAMUser.
	UserName string
	// RoleName, RoleID and SessionName are set for AssumedRole.
	RoleName    string
	RoleID      string
	SessionName string
	// Issued and Expires bound temporary credentials.
	Issued  time.Time
	Expires time.Time
}

// New returns a Server that is not yet listening; use Start or Listen.
func New(opts Options) *Server {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.GlueReadyDelay == 0 {
		opts.GlueReadyDelay = 2 * time.Minute
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 32 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: log}
	s.clock = opts.Clock
	if s.clock == nil {
		s.clock = time.Now
	}
	s.resetLocked()
	return s
}

// resetLocked (re)creates all state. The caller holds s.mu or owns s.
func (s *Server) resetLocked() {
	s.rng = rand.New(rand.NewPCG(s.opts.Seed, s.opts.Seed^0x9e3779b97f4a7c15))
	s.creds = map[string]*credential{}
	s.accounts = map[string]bool{}
	s.faults = map[faultKey]*faultState{}
	s.trail = newTrail()
	s.services = map[string]*serviceDef{}
	for _, def := range newServices(s) {
		if _, dup := s.services[def.Name]; dup {
			panic("awssim: service registered twice: " + def.Name)
		}
		s.services[def.Name] = def
	}
	s.addAccountLocked(s.opts.Account)
}

// Reset discards all state, faults and subscribers' pending work, and
// starts again from the Options the Server was made with.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = 0
	s.resetLocked()
}

// Now returns the simulated time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time { return s.clock().Add(s.offset).UTC() }

// Advance moves the simulated clock forward by d, e.g. to let a Glue dev
// endpoint become READY without waiting.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// Account returns the default account ID.
func (s *Server) Account() string { return s.opts.Account }

// Region returns the default region.
func (s *Server) Region() string { return s.opts.Region }

// AdminKeys returns the access key ID and secret of an account's
// administrator (its root identity), creating the account if needed.
func (s *Server) AdminKeys(account string) (id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addAccountLocked(account)
}

// AddAccount creates an account (if new) and returns its administrator's
// access key ID and secret.
func (s *Server) AddAccount(account string) (id, secret string) { return s.AdminKeys(account) }

func (s *Server) addAccountLocked(account string) (string, string) {
	id := adminKeyID(account)
	secret := "simulated/" + account + "/administrator"
	if !s.accounts[account] {
		s.accounts[account] = true
		s.creds[id] = &credential{Secret: secret, Principal: Principal{
			Type: "Root", Account: account, ARN: "arn:aws:iam::" + account + ":root",
			PrincipalID: account, AccessKeyID: id,
		}}
	}
	return id, secret
}

// adminKeyID is the administrator's access key ID for an account.
func adminKeyID(account string) string { return "AKIA" + account + "ADMN" }

// Accounts lists the accounts that exist, sorted.
func (s *Server) Accounts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.accounts))
	for a := range s.accounts {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Config returns an aws.Config for the administrator of account ("" means
// the default account), in the default region, pointed at the Server.
func (s *Server) Config(account string) aws.Config {
	if account == "" {
		account = s.opts.Account
	}
	id, secret := s.AdminKeys(account)
	return s.ConfigFor(id, secret, "")
}

// ConfigFor returns an aws.Config with the given static credentials,
// pointed at the Server.
func (s *Server) ConfigFor(accessKeyID, secret, sessionToken string) aws.Config {
	return aws.Config{
		Region:       s.opts.Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(accessKeyID, secret, sessionToken)),
		HTTPClient:   s.client(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// client returns the HTTP client of the configurations the Server hands
// out. It has a transport of its own, whose idle connections Shutdown and
// Close drop: a connection kept in a shared pool could otherwise be reused
// for a later Server that happens to listen on the same port.
func (s *Server) client() *http.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpClient == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		s.httpClient = &http.Client{Timeout: 30 * time.Second, Transport: t}
	}
	return s.httpClient
}

// dropIdle closes the idle connections of the Server's own client.
func (s *Server) dropIdle() {
	s.mu.Lock()
	c := s.httpClient
	s.mu.Unlock()
	if c != nil {
		c.CloseIdleConnections()
	}
}

// Env returns the environment variables that point the SDK's standard
// configuration at the Server as the default account's administrator:
// AWS_ENDPOINT_URL, the access key, and the region as AWS_REGION and as
// AWS_DEFAULT_REGION, which version 1 of the AWS CLI reads.
func (s *Server) Env() []string {
	id, secret := s.AdminKeys(s.opts.Account)
	return []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=" + id,
		"AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_REGION=" + s.opts.Region,
		"AWS_DEFAULT_REGION=" + s.opts.Region,
	}
}

// TB is the part of testing.TB that Start uses.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Start starts a Server on a loopback port for the duration of a test.
func Start(t TB, opts ...func(*Options)) *Server {
	t.Helper()
	var o Options
	for _, f := range opts {
		f(&o)
	}
	s := New(o)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatalf("awssim: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Listen starts serving on addr (host:port) in the background and sets URL.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("awssim: listen %s: %w", addr, err)
	}
	s.listener = ln
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("awssim: serve", "err", err)
		}
	}()
	return nil
}

// Shutdown stops serving, waiting for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	defer s.dropIdle()
	return s.srv.Shutdown(ctx)
}

// Close stops serving at once.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	defer s.dropIdle()
	return s.srv.Close()
}

// Subscribe registers f to receive, as EventBridge event JSON, every
// mutating call the Server serves ("AWS API Call via CloudTrail"). f is
// called after the response is written, outside the Server's lock, in the
// order calls complete; it must not block for long.
func (s *Server) Subscribe(f func(event []byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs = append(s.subs, f)
}

// newIDLocked returns prefix followed by n random lower-case hex digits.
func (s *Server) newIDLocked(prefix string, n int) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(prefix) + n)
	b.WriteString(prefix)
	for range n {
		b.WriteByte(hex[s.rng.IntN(16)])
	}
	return b.String()
}

// newKeyLocked returns prefix followed by n random characters of the
// alphabet IAM uses in identifiers (upper-case letters and digits 2-7).
func (s *Server) newKeyLocked(prefix string, n int) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		b.WriteByte(alpha[s.rng.IntN(len(alpha))])
	}
	return b.String()
}

// newSecretLocked returns a 40-character secret access key.
func (s *Server) newSecretLocked() string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for range 40 {
		b.WriteByte(alpha[s.rng.IntN(len(alpha))])
	}
	return b.String()
}

// newUUIDLocked returns a random (version 4 shaped) UUID.
func (s *Server) newUUIDLocked() string {
	h := s.newIDLocked("", 32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + "89ab"[s.rng.IntN(4):][:1] + h[17:20] + "-" + h[20:32]
}

// registerCredentialLocked makes an access key usable.
func (s *Server) registerCredentialLocked(c *credential) {
	s.creds[c.Principal.AccessKeyID] = c
}

// revokeCredentialLocked makes an access key unusable.
func (s *Server) revokeCredentialLocked(accessKeyID string) {
	delete(s.creds, accessKeyID)
}

// Wait blocks until ctx ends, then shuts the Server down, giving requests
// in flight up to five seconds.
func (s *Server) Wait(ctx context.Context) error {
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

// ShellEnv returns Env as POSIX shell export lines.
func (s *Server) ShellEnv() string {
	var b strings.Builder
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		b.WriteString("export " + k + "='" + strings.ReplaceAll(v, "'", `'\''`) + "'\n")
	}
	return b.String()
}
