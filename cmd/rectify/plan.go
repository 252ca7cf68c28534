package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/config"
	"github.com/rectify-dev/rectify/internal/intake"
	"github.com/rectify-dev/rectify/internal/report"
	"github.com/rectify-dev/rectify/internal/store/sqlite"
)

func newPlanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "plan EVENT.json",
		Short: "Show what rectify would do with the events in a file, changing nothing",
		Long: `plan matches each event in EVENT.json (one JSON event, a JSON array or JSON
Lines; "-" reads standard input) against the playbooks and prints, per
matched playbook and target, the mode, each step's description and the IAM
permissions it needs, and why anything would be skipped. It makes no AWS
call and writes no state: not even the database is opened.

The exit status is 1 when an input is not a valid event.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd, slog.LevelWarn, func(c *config.Config) {
				c.Store = config.Store{Driver: config.DefaultStoreDriver, Path: sqlite.Memory}
			})
			if err != nil {
				return err
			}
			defer a.Close()
			out := cmd.OutOrStdout()
			src := intake.File(args[0])
			src.In = cmd.InOrStdin()
			var tally report.Tally
			seen := map[string]bool{}
			err = src.Run(cmd.Context(), func(ctx context.Context, raw []byte) error {
				m, _ := intake.MetaFrom(ctx)
				if len(seen) > 0 {
					fmt.Fprintln(out)
				}
				seen[m.Origin] = true
				fmt.Fprintf(out, "%s\n", report.Escape(m.Origin))
				res, plans, err := a.Engine.Plan(ctx, raw)
				tally.Add(m.Origin, res, err)
				if err != nil {
					fmt.Fprintf(out, "not a valid event: %s\n", report.Escape(err.Error()))
					return err
				}
				report.Plan(out, res, plans)
				return nil
			})
			unreported(cmd, err, seen, &tally)
			if !tally.OK() {
				return &exitError{code: 1, err: fmt.Errorf("%d of %d inputs are not valid events or could not be read", len(tally.Failures), tally.Total())}
			}
			return nil
		},
	}
}
