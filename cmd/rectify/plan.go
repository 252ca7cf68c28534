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
call and writes no state: not even the database is opened. It reads no
secret: the variables the configuration names need not be set.

The exit status is 0, 1 when an input is not a valid event or cannot be
read, and 2 when the configuration or the playbooks cannot be loaded.`,
		Example: `  rectify plan event.json
  rectify plan events.jsonl -o json
  aws events ... | rectify plan -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openAppToRead(cmd, slog.LevelWarn, func(c *config.Config) {
				c.Store = config.Store{Driver: config.DefaultStoreDriver, Path: sqlite.Memory}
			})
			if err != nil {
				return err
			}
			defer a.Close()
			out, asJSON := cmd.OutOrStdout(), jsonOutput(cmd)
			src := intake.File(args[0])
			src.In = cmd.InOrStdin()
			var tally report.Tally
			var plans []report.PlanJSON
			seen := map[string]bool{}
			err = src.Run(cmd.Context(), func(ctx context.Context, raw []byte) error {
				m, _ := intake.MetaFrom(ctx)
				res, planned, err := a.Engine.Plan(ctx, raw)
				tally.Add(m.Origin, res, err)
				if asJSON {
					seen[m.Origin] = true
					plans = append(plans, report.NewPlanJSON(m.Origin, res, planned, err))
					return err
				}
				if len(seen) > 0 {
					fmt.Fprintln(out)
				}
				seen[m.Origin] = true
				fmt.Fprintf(out, "%s\n", report.Escape(m.Origin))
				if err != nil {
					fmt.Fprintf(out, "not a valid event: %s\n", report.Escape(err.Error()))
					return err
				}
				report.Plan(out, res, planned)
				return nil
			})
			unreported(cmd, err, seen, &tally)
			if asJSON {
				if plans == nil {
					plans = []report.PlanJSON{}
				}
				if err := report.JSON(out, plans); err != nil {
					return err
				}
			}
			if !tally.OK() {
				return &exitError{code: codeFailed, err: fmt.Errorf("not valid events or not readable: %d of %s", len(tally.Failures), report.Count(tally.Total(), "input"))}
			}
			return nil
		},
	}
}
