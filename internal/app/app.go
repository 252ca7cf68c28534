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
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/cloud"
	"github.com/rectify-dev/rectify/internal/config"
	"github.com/rectify-dev/rectify/internal/engine"
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

// New assembles an App from cfg.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	a := &App{Config: cfg, Logger: log}
	if opts.AWS != nil {
		a.AWS = *opts.AWS
	} else {
		awsCfg, err := cfg.LoadAWS(ctx)
		if err != nil {
			return nil, fmt.Errorf("AWS configuration: %w", err)
		}
		a.AWS = awsCfg
	}
	reg, err := action.Builtin()
	if err != nil {
		return nil, err
	}
	a.Registry = reg
	pbs, err := LoadPlaybooks(reg, opts.Builtin, cfg.Playbooks.Dirs, ControlOptions(cfg))
	if err != nil {
		return nil, err
	}
	a.Playbooks = pbs
	prov, err := cloud.New(ctx, a.AWS, cfg.CloudOptions(log))
	if err != nil {
		return nil, fmt.Errorf("AWS access: %w", err)
	}
	a.Cloud = prov
	// Notifications go out with the same retry settings as every other
	// AWS call (aws.max_attempts, aws.retry_mode).
	router, err := cfg.Router(prov.BaseConfig(), log)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	a.Router = router
	settings, err := Settings(cfg)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg, &a.AWS)
	if err != nil {
		return nil, err
	}
	a.Store = st
	eng, err := engine.New(engine.Options{
		Store: st, Playbooks: pbs, Settings: settings, Cloud: prov, Notifier: router,
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
		path := cfg.Store.Path
		if path == "" {
			path = "rectify.db"
		}
		if cfg.File != "" && !filepath.IsAbs(path) && path != sqlite.Memory {
			path = filepath.Join(filepath.Dir(cfg.File), path)
		}
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

// LoadPlaybooks loads the built-in playbooks from builtin (nil for none)
// and those in dirs, validating triggers and actions, with ctl supplied
// to control playbooks. Errors name file, line and field.
func LoadPlaybooks(reg *action.Registry, builtin fs.FS, dirs []string, ctl playbook.ControlOptions) ([]*playbook.Playbook, error) {
	opts := playbook.Options{Registry: reg, ValidateTrigger: ValidateTrigger, Controls: ctl}
	var pbs []*playbook.Playbook
	if builtin != nil {
		var err error
		pbs, err = playbook.Load(builtin, opts)
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
