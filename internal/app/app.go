// Package app assembles rectify from its configuration: the store, the AWS
// access, the notification router, the action registry, the built-in and
// user playbooks, and the engine that ties them together. The commands in
// cmd/rectify, the demo and the Lambda handler all start from an App.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/cloud"
	"github.com/rectify-dev/rectify/internal/config"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/eventshape"
	"github.com/rectify-dev/rectify/internal/notify"
	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/router"
	"github.com/rectify-dev/rectify/internal/store"
	dynamostore "github.com/rectify-dev/rectify/internal/store/dynamodb"
	"github.com/rectify-dev/rectify/internal/store/sqlite"
)

// App is an assembled rectify.
type App struct {
	Config    *config.Config
	AWS       aws.Config
	Store     store.Store
	Registry  *action.Registry
	Playbooks []*playbook.Playbook
	Cloud     *cloud.Provider
	Router    *notify.Router
	Engine    *engine.Engine
	Logger    *slog.Logger
}

// Options adjust how an App is assembled.
type Options struct {
	// AWS, if set, is used instead of the SDK's standard configuration.
	AWS *aws.Config
	// Logger; slog.Default when nil.
	Logger *slog.Logger
	// Clock; time.Now when nil.
	Clock func() time.Time
	// DryRun forces a global dry run on top of the configuration.
	DryRun bool
	// Builtin holds the built-in playbooks (catalog.FS()); nil for none.
	Builtin fs.FS
}

// New assembles an App from cfg. The playbooks are compiled while the AWS
// configuration is loaded and the store opened, which shortens a start
// (a Lambda function's cold start) where the two can overlap.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	a := &App{Config: cfg, Logger: log}
	reg, err := action.Builtin()
	if err != nil {
		return nil, err
	}
	a.Registry = reg
	type loaded struct {
		pbs []*playbook.Playbook
		err error
	}
	books := make(chan loaded, 1)
	go func() {
		pbs, err := LoadPlaybooks(reg, opts.Builtin, cfg.Playbooks.Dirs, ControlOptions(cfg))
		books <- loaded{pbs, err}
	}()
	st, err := a.connect(ctx, cfg, opts)
	pb := <-books
	if err == nil {
		err = pb.err
	}
	if err != nil {
		if st != nil {
			st.Close()
		}
		return nil, err
	}
	a.Store, a.Playbooks = st, pb.pbs
	for _, pb := range a.Playbooks {
		for _, w := range pb.Warnings {
			log.Warn("playbook: "+w.Error(), "playbook", pb.ID)
		}
	}
	settings, err := Settings(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	eng, err := engine.New(engine.Options{
		Store: st, Playbooks: a.Playbooks, Settings: settings, Cloud: a.Cloud, Notifier: a.Router,
		SecurityChannel: notify.ChannelSecurityTeam,
		DryRun:          cfg.DryRun || opts.DryRun, Clock: opts.Clock, Logger: log,
		Exemptions: Exemptions(cfg),
		Breaker:    engine.Breaker{Max: cfg.Breaker.Max, Window: cfg.Breaker.Window},
		Retry:      engine.Retry{Base: cfg.Engine.Retry.Base, Max: cfg.Engine.Retry.Max, Attempts: cfg.Engine.Retry.Attempts},
		Lease:      cfg.Engine.Lease,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Engine = eng
	return a, nil
}

// connect sets up a's AWS configuration, AWS access and notification
// router, and opens the store.
func (a *App) connect(ctx context.Context, cfg *config.Config, opts Options) (store.Store, error) {
	if opts.AWS != nil {
		a.AWS = *opts.AWS
	} else {
		awsCfg, err := cfg.LoadAWS(ctx)
		if err != nil {
			return nil, fmt.Errorf("AWS configuration: %w", err)
		}
		a.AWS = awsCfg
	}
	prov, err := cloud.New(ctx, a.AWS, cfg.CloudOptions(a.Logger))
	if err != nil {
		return nil, fmt.Errorf("AWS access: %w", err)
	}
	a.Cloud = prov
	// Notifications go out with the same retry settings as every other
	// AWS call (aws.max_attempts, aws.retry_mode).
	router, err := cfg.Router(prov.BaseConfig(), a.Logger)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	a.Router = router
	return OpenStore(ctx, cfg, &a.AWS)
}

// Exemptions returns the exemptions cfg configures.
func Exemptions(cfg *config.Config) router.Exemptions {
	x := router.Exemptions{Tag: router.DefaultExemptTag}
	if cfg.Exemptions.Tag != nil {
		x.Tag = *cfg.Exemptions.Tag
	}
	for _, r := range cfg.Exemptions.Rules {
		x.List = append(x.List, router.Exemption{Reason: r.Reason, Expires: r.Expires, Playbooks: r.Playbooks,
			Accounts: r.Accounts, Regions: r.Regions, Resources: r.Resources})
	}
	return x
}

// Close releases the App's store.
func (a *App) Close() error {
	if a.Store == nil {
		return nil
	}
	return a.Store.Close()
}

// OpenStore opens the store cfg names. The dynamodb driver reaches DynamoDB
// with awsCfg, or with the SDK's standard configuration when it is nil.
func OpenStore(ctx context.Context, cfg *config.Config, awsCfg *aws.Config) (store.Store, error) {
	switch cfg.Store.Driver {
	case config.StoreDynamoDB:
		if awsCfg == nil {
			c, err := cfg.LoadAWS(ctx)
			if err != nil {
				return nil, fmt.Errorf("store: AWS configuration: %w", err)
			}
			awsCfg = &c
		}
		st, err := dynamostore.Open(ctx, *awsCfg, cfg.Store.Table, dynamostore.Options{Create: cfg.Store.CreateTable})
		if err != nil {
			return nil, fmt.Errorf("store: dynamodb table %s: %w", cfg.Store.Table, err)
		}
		return st, nil
	case "", config.StoreSQLite:
		path := storePath(cfg)
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
		return st, nil
	default:
		return nil, fmt.Errorf("store: driver %q is not available", cfg.Store.Driver)
	}
}

// ControlOptions returns what the configuration's securityhub section
// supplies to control playbooks.
func ControlOptions(cfg *config.Config) playbook.ControlOptions {
	return playbook.ControlOptions{CustomActions: cfg.SecurityHub.CustomActions, FindingAccount: cfg.SecurityHub.FindingAccount}
}

// NoStoreError is the error of OpenExistingStore when the SQLite database
// does not exist.
type NoStoreError struct {
	Path string
}

func (e *NoStoreError) Error() string { return "there is no database at " + e.Path + " yet" }

// OpenExistingStore opens the store cfg names, as OpenStore does, for
// reading what it holds: a SQLite database that does not exist is not
// created, and the error is a *NoStoreError.
func OpenExistingStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if d := cfg.Store.Driver; d == "" || d == config.StoreSQLite {
		if path := storePath(cfg); path != sqlite.Memory {
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return nil, &NoStoreError{Path: path}
			}
		}
	}
	return OpenStore(ctx, cfg, nil)
}

// storePath returns the SQLite database file of cfg. Relative paths were
// resolved when the configuration was loaded.
func storePath(cfg *config.Config) string {
	if cfg.Store.Path == "" {
		return config.DefaultStorePath
	}
	return cfg.Store.Path
}

// LoadPlaybooks loads the built-in playbooks from builtin (nil for none)
// and those in dirs, validating triggers and actions, with ctl supplied
// to control playbooks. Errors name file, line and field. The triggers of
// the playbooks in dirs are also checked for keys no event has
// (CheckTrigger), which become their Warnings.
func LoadPlaybooks(reg *action.Registry, builtin fs.FS, dirs []string, ctl playbook.ControlOptions) ([]*playbook.Playbook, error) {
	opts := PlaybookOptions(reg)
	opts.Controls = ctl
	var pbs []*playbook.Playbook
	if builtin != nil {
		var err error
		builtinOpts := opts
		builtinOpts.CheckTrigger = nil
		pbs, err = playbook.Load(builtin, builtinOpts)
		if err != nil {
			return nil, fmt.Errorf("built-in playbooks: %w", err)
		}
	}
	seen := map[string]string{}
	for _, pb := range pbs {
		seen[pb.ID] = pb.Pos.String()
	}
	var errs []error
	for _, dir := range dirs {
		if _, err := os.Stat(dir); err != nil {
			errs = append(errs, fmt.Errorf("playbook directory: %w", err))
			continue
		}
		user, err := playbook.Load(os.DirFS(dir), opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("playbooks in %s: %w", dir, err))
			continue
		}
		for _, pb := range user {
			if at, dup := seen[pb.ID]; dup {
				errs = append(errs, fmt.Errorf("%s/%s: playbook id %q is already defined at %s", dir, pb.Pos, pb.ID, at))
				continue
			}
			seen[pb.ID] = pb.Pos.String()
			pbs = append(pbs, pb)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return pbs, nil
}

// PlaybookOptions returns the options rectify loads playbooks with: the
// actions of reg, triggers compiled as EventBridge patterns and checked
// with CheckTrigger.
func PlaybookOptions(reg *action.Registry) playbook.Options {
	return playbook.Options{Registry: reg, ValidateTrigger: ValidateTrigger, CheckTrigger: CheckTrigger}
}

// CheckTrigger returns the keys of a trigger that no EventBridge event
// has (see package eventshape).
func CheckTrigger(p []byte) []playbook.TriggerNote {
	var out []playbook.TriggerNote
	for _, n := range eventshape.Check(p) {
		out = append(out, playbook.TriggerNote{Path: n.Path, Msg: n.Msg})
	}
	return out
}

// ValidateTrigger checks an EventBridge pattern.
func ValidateTrigger(p []byte) error {
	_, err := pattern.Compile(p)
	return err
}

// Settings converts the configuration's playbook overrides.
func Settings(cfg *config.Config) (map[string]engine.Setting, error) {
	out := map[string]engine.Setting{}
	for id, o := range cfg.Playbooks.Overrides {
		s := engine.Setting{Enabled: o.Enabled, Params: o.Params}
		if o.Mode != "" {
			m, err := playbook.ParseMode(o.Mode)
			if err != nil {
				return nil, fmt.Errorf("playbooks.overrides.%s.mode: %w", id, err)
			}
			s.Mode = m
		}
		out[id] = s
	}
	return out, nil
}
