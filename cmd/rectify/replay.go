package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
	"github.com/rectify-dev/rectify/internal/report"
)

func newReplayCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "replay DIR|FILE.jsonl",
		Short: "Handle many events from a directory or a JSON Lines file, with a summary",
		Long: `replay takes every event in FILE, or in the *.json, *.jsonl and *.ndjson
files under DIR in lexical order, through rectify, as run does. It shows a
progress bar when standard error is a terminal and ends with a summary: the
events by status, the runs by status, and every failure.

With -o json the summary is printed as JSON: the events and runs by status
and the failures.

The exit status is 0 when every event was handled, 1 when a remediation
failed, an input was rejected or a file could not be read, and 2 when
rectify could not start (configuration, playbooks, store) or DIR has no
event files.`,
		Example: `  rectify replay ./events
  rectify replay events.jsonl -v
  rectify --dry-run replay ./archive -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			paths, err := intake.Walk(args[0])
			if err != nil {
				return err
			}
			if len(paths) == 0 {
				return fmt.Errorf("%s: no *.json, *.jsonl or *.ndjson files", args[0])
			}
			a, err := openApp(cmd, slog.LevelWarn, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			src := &intake.Files{Paths: paths, In: cmd.InOrStdin()}
			var bar *progressbar.ProgressBar
			if f, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("replaying"),
					progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100_000_000))
				src.Progress = func(read, total int64) {
					if total > 0 && bar.GetMax64() != total {
						bar.ChangeMax64(total)
					}
					_ = bar.Set64(read)
				}
			}
			var tally report.Tally
			seen := map[string]bool{}
			err = src.Run(ctx, intake.HandleFunc(a.Engine, func(m intake.Meta, res *engine.Result, err error) {
				seen[m.Origin] = true
				tally.Add(m.Origin, res, err)
				if verbose {
					if bar != nil {
						_ = bar.Clear()
					}
					report.Event(out, m.Origin, res, err, runSteps(ctx, a.Store, res))
				}
			}))
			if bar != nil {
				_ = bar.Finish()
			}
			unreported(cmd, err, seen, &tally)
			if jsonOutput(cmd) {
				if err := report.JSON(out, tally.JSON()); err != nil {
					return err
				}
			} else {
				tally.Write(out)
			}
			if !tally.OK() {
				return &exitError{code: codeFailed, err: fmt.Errorf("%s in %s", report.Count(len(tally.Failures), "failure"), report.Count(tally.Total(), "event"))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print what became of each event")
	return cmd
}
