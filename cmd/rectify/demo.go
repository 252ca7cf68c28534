//go:build !lambda

package main

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/demo"
)

func newDemoCmd() *cobra.Command {
	var db string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show rectify fixing problems in a simulated AWS organization (no AWS account needed)",
		Long: `demo starts rectify's AWS simulator in-process, creates a central security
account running rectify and a member account with problems, one for each
built-in playbook, delivers the events AWS would send, and reports what
rectify did: one line per scenario with the state rectify left behind, then
a table of every scenario's playbook, mode, outcome and time. -v reports
each scenario in full: the state before, the runs with their steps and
audit trails, and the notifications the security team received.

With --dry-run every playbook only plans: the report shows what would be
done, and nothing in the simulated accounts changes. --log-level shows
rectify's log on standard error. The state is kept in a temporary database
unless --db names one; rectify runs --db FILE reads it afterwards.

The exit status is 0, or 2 when a scenario could not be played.`,
		Example: `  rectify demo
  rectify demo -v
  rectify demo --dry-run
  rectify demo --db demo.db && rectify runs --db demo.db`,
		Annotations: map[string]string{textOnly: "yes"},
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := demo.Options{DB: db, Verbose: verbose, DryRun: dryRun(cmd)}
			if logLevelSet(cmd) {
				log, err := newLogger(cmd, slog.LevelWarn)
				if err != nil {
					return err
				}
				opts.Logger = log
			}
			return demo.Run(cmd.Context(), cmd.OutOrStdout(), opts)
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "keep rectify's state in this SQLite file (default: a temporary one)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "report each scenario in full")
	return cmd
}
