package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

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
	flagOutput   = "output"
)

// Output formats.
const (
	outputText = "text"
	outputJSON = "json"
)

// textOnly is the annotation of a command that has no JSON output.
const textOnly = "rectify/text-only"

// logLevels are the values of --log-level.
var logLevels = []string{"debug", "info", "warn", "error"}

// addGlobalFlags defines the flags every command accepts.
func addGlobalFlags(root *cobra.Command) {
	fs := root.PersistentFlags()
	fs.String(flagConfig, "", "configuration file (default "+config.DefaultFile+" if it exists)")
	fs.Var(&choice{allowed: logLevels}, flagLogLevel, "log level: debug, info, warn or error (default info for serve, sandbox and lambda, warn otherwise)")
	fs.Bool(flagDryRun, false, "change nothing: every playbook runs as dry-run")
	fs.VarP(&choice{allowed: []string{outputText, outputJSON}, value: outputText}, flagOutput, "o", `output format: "text" or "json"`)
	_ = root.RegisterFlagCompletionFunc(flagLogLevel, fixedCompletions(logLevels...))
	_ = root.RegisterFlagCompletionFunc(flagOutput, fixedCompletions(outputText, outputJSON))
	_ = root.MarkPersistentFlagFilename(flagConfig, "yaml", "yml")
}

// choice is the value of a flag that takes one of a few words; any other
// is refused as the command line is parsed, whatever the command.
type choice struct {
	allowed []string
	value   string
}

func (c *choice) String() string { return c.value }
func (c *choice) Type() string   { return "string" }

func (c *choice) Set(s string) error {
	for _, a := range c.allowed {
		if strings.EqualFold(s, a) {
			c.value = a
			return nil
		}
	}
	return fmt.Errorf("want %s", orList(c.allowed))
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// checkGlobalFlags refuses global flags that the command cannot honour,
// before it runs.
func checkGlobalFlags(cmd *cobra.Command, _ []string) error {
	if jsonOutput(cmd) && cmd.Annotations[textOnly] != "" {
		return fmt.Errorf("--%s %s: rectify %s writes text only", flagOutput, outputJSON, cmd.CommandPath()[len("rectify "):])
	}
	return nil
}

// jsonOutput reports whether the command is to write JSON.
func jsonOutput(cmd *cobra.Command) bool {
	f := cmd.Flags().Lookup(flagOutput)
	return f != nil && f.Value.String() == outputJSON
}

// loadConfig loads the configuration the --config flag names, reading the
// secrets it names from the environment.
func loadConfig(cmd *cobra.Command) (*config.Config, error) {
	path, _ := cmd.Flags().GetString(flagConfig)
	return config.Load(path)
}

// loadConfigToRead loads the configuration for a command that only reads:
// the secrets the file names need not be set.
func loadConfigToRead(cmd *cobra.Command) (*config.Config, error) {
	path, _ := cmd.Flags().GetString(flagConfig)
	return config.LoadWithoutSecrets(path)
}

// logLevel returns the --log-level, or def when it is not given.
func logLevel(cmd *cobra.Command, def slog.Level) (slog.Level, error) {
	level := def
	if f := cmd.Flags().Lookup(flagLogLevel); f != nil && f.Value.String() != "" {
		if err := level.UnmarshalText([]byte(f.Value.String())); err != nil {
			return 0, fmt.Errorf("--%s %q: want %s", flagLogLevel, f.Value.String(), orList(logLevels))
		}
	}
	return level, nil
}

// logLevelSet reports whether --log-level was given.
func logLevelSet(cmd *cobra.Command) bool {
	f := cmd.Flags().Lookup(flagLogLevel)
	return f != nil && f.Changed
}

// newLogger returns a logger on stderr at the --log-level, or def.
func newLogger(cmd *cobra.Command, def slog.Level) (*slog.Logger, error) {
	level, err := logLevel(cmd, def)
	if err != nil {
		return nil, err
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
	return assemble(cmd, cfg, level, adjust)
}

// openAppToRead assembles rectify for a command that changes nothing,
// from a configuration loaded without its secrets.
func openAppToRead(cmd *cobra.Command, level slog.Level, adjust func(*config.Config)) (*app.App, error) {
	cfg, err := loadConfigToRead(cmd)
	if err != nil {
		return nil, err
	}
	return assemble(cmd, cfg, level, adjust)
}

func assemble(cmd *cobra.Command, cfg *config.Config, level slog.Level, adjust func(*config.Config)) (*app.App, error) {
	log, err := newLogger(cmd, level)
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(cfg)
	}
	return app.New(cmd.Context(), cfg, app.Options{Builtin: catalog.FS(), DryRun: dryRun(cmd), Logger: log})
}

// openStore opens the store that holds what rectify recorded, and nothing
// else: the store the configuration names, or the SQLite file db names
// when it is not empty. A database that does not exist is not created:
// the error is an *app.NoStoreError.
func openStore(cmd *cobra.Command, db string) (store.Store, error) {
	cfg, err := loadConfigToRead(cmd)
	if err != nil {
		return nil, err
	}
	if db != "" {
		cfg.Store = config.Store{Driver: config.StoreSQLite, Path: db}
	}
	return app.OpenExistingStore(cmd.Context(), cfg)
}

// noStore reports whether err says that there is no database yet.
func noStore(err error) bool {
	var ns *app.NoStoreError
	return errors.As(err, &ns)
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
