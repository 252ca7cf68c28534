package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/config"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

// The global flags, read by each command from its own flag set.
const (
	flagConfig   = "config"
	flagLogLevel = "log-level"
	flagDryRun   = "dry-run"
)

// addGlobalFlags defines the flags every command accepts.
func addGlobalFlags(fs *pflag.FlagSet) {
	fs.String(flagConfig, "", "configuration file (default "+config.DefaultFile+" if it exists)")
	fs.String(flagLogLevel, "", "log level: debug, info, warn or error (default info for serve, warn otherwise)")
	fs.Bool(flagDryRun, false, "change nothing: every playbook runs as dry-run")
}

// loadConfig loads the configuration the --config flag names.
func loadConfig(cmd *cobra.Command) (*config.Config, error) {
	path, _ := cmd.Flags().GetString(flagConfig)
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// newLogger returns a logger on stderr at the --log-level, or def.
func newLogger(cmd *cobra.Command, def slog.Level) (*slog.Logger, error) {
	level := def
	if s, _ := cmd.Flags().GetString(flagLogLevel); s != "" {
		if err := level.UnmarshalText([]byte(s)); err != nil {
			return nil, fmt.Errorf("--%s %q: want debug, info, warn or error", flagLogLevel, s)
		}
	}
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level})), nil
}

func dryRun(cmd *cobra.Command) bool {
	v, _ := cmd.Flags().GetBool(flagDryRun)
	return v
}

// openApp assembles rectify from the configuration; adjust, if not nil,
// changes the configuration first.
func openApp(cmd *cobra.Command, level slog.Level, adjust func(*config.Config)) (*app.App, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	log, err := newLogger(cmd, level)
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(cfg)
	}
	return app.New(cmd.Context(), cfg, app.Options{Builtin: catalog.FS(), DryRun: dryRun(cmd), Logger: log})
}

// openStore opens the store the configuration names, and nothing else.
func openStore(cmd *cobra.Command) (store.Store, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	return app.OpenStore(cmd.Context(), cfg, nil)
}

// runSteps returns the recorded steps of the runs in res.
func runSteps(ctx context.Context, st store.Store, res *engine.Result) map[string][]store.StepRecord {
	out := map[string][]store.StepRecord{}
	if res == nil {
		return out
	}
	for _, r := range res.Runs {
		if r.RunID == "" {
			continue
		}
		if steps, err := st.Steps(ctx, r.RunID); err == nil {
			out[r.RunID] = steps
		}
	}
	return out
}

// effectiveMode returns a playbook's mode and whether it is enabled, after
// configuration and the global dry run.
func effectiveMode(pb *playbook.Playbook, s engine.Setting, dry bool) (playbook.Mode, bool) {
	mode, enabled := pb.Mode, pb.Enabled
	if s.Mode != 0 {
		mode = s.Mode
	}
	if s.Enabled != nil {
		enabled = *s.Enabled
	}
	if dry {
		mode = playbook.DryRun
	}
	return mode, enabled
}
