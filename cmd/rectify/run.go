package main

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
	"github.com/rectify-dev/rectify/internal/report"
)

func newRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run EVENT.json",
		Short: "Handle the events in a file and print what became of each",
		Long: `run takes each event in EVENT.json (one JSON event, a JSON array of events,
or JSON Lines; "-" reads standard input) through rectify: it matches the
playbooks, remediates and records every decision, then prints per run the
playbook, target, status and steps. With -o json it prints a JSON array,
one object per event, with its runs and their steps.

The exit status is 0 when every event was handled: acted on, skipped for a
reason, a duplicate of an earlier delivery, or matched by no playbook. It is
1 when a remediation failed or an input was rejected or could not be read,
and 2 when rectify could not start (configuration, playbooks, store).`,
		Example: `  rectify run event.json
  rectify --dry-run run events.jsonl
  rectify run event.json -o json | jq '.[].runs[].status'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd, slog.LevelWarn, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			ctx, out, asJSON := cmd.Context(), cmd.OutOrStdout(), jsonOutput(cmd)
			var tally report.Tally
			var events []report.EventJSON
			seen := map[string]bool{}
			src := intake.File(args[0])
			src.In = cmd.InOrStdin()
			err = src.Run(ctx, intake.HandleFunc(a.Engine, func(m intake.Meta, res *engine.Result, err error) {
				seen[m.Origin] = true
				if asJSON {
					events = append(events, report.NewEventJSON(m.Origin, res, err, runSteps(ctx, a.Store, res)))
				} else {
					report.Event(out, m.Origin, res, err, runSteps(ctx, a.Store, res))
				}
				tally.Add(m.Origin, res, err)
			}))
			unreported(cmd, err, seen, &tally)
			if asJSON {
				if events == nil {
					events = []report.EventJSON{}
				}
				if err := report.JSON(out, events); err != nil {
					return err
				}
			}
			if !tally.OK() {
				return &exitError{code: codeFailed, err: fmt.Errorf("failed or rejected: %d of %s", len(tally.Failures), report.Count(tally.Total(), "input"))}
			}
			return nil
		},
	}
}

// unreported prints and counts the failures in a Source's error that were
// not events already reported, such as unreadable files.
func unreported(cmd *cobra.Command, err error, seen map[string]bool, tally *report.Tally) {
	for _, e := range intake.Errors(err) {
		if ee, ok := e.(*intake.EventError); ok && seen[ee.Meta.Origin] {
			continue
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "rectify:", report.Escape(e.Error()))
		tally.Fail(e)
	}
}
