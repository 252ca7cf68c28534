package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/report"
	"github.com/rectify-dev/rectify/internal/store"
)

func newApproveCmd() *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "approve RUN_ID",
		Short: "Approve a run that awaits approval, and carry it out",
		Long: `approve lets a run of a playbook in approve mode proceed, records who
approved it, and executes it, then prints the run with its steps and audit
trail.

The exit status is 0 when the run succeeded (or waits), 1 when it failed,
and 2 when there is no such run awaiting approval or rectify could not
start.`,
		Example: `  rectify runs --status awaiting_approval
  rectify approve 01JD3Z8Q2X5C7M9K1T4V6W8Y0A --by alice
  rectify approve 01JD3Z8Q2X5C7M9K1T4V6W8Y0A -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRunIDs(store.RunAwaitingApproval),
		RunE: func(cmd *cobra.Command, args []string) error {
			by = actor(by)
			a, err := openApp(cmd, slog.LevelWarn, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			run, err := a.Engine.Approve(ctx, args[0], by)
			if err != nil {
				return err
			}
			steps, err := a.Store.Steps(ctx, run.ID)
			if err != nil {
				return err
			}
			audit, err := a.Store.Audit(ctx, store.AuditFilter{RunID: run.ID})
			if err != nil {
				return err
			}
			if jsonOutput(cmd) {
				if err := report.JSON(cmd.OutOrStdout(), report.NewRunJSON(run, steps, audit)); err != nil {
					return err
				}
			} else {
				report.Run(cmd.OutOrStdout(), run, steps, audit)
			}
			if run.Status == store.RunFailed {
				return &exitError{code: codeFailed, err: fmt.Errorf("run %s failed: %s", run.ID, run.Error)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who approves, for the audit trail (default $USER)")
	return cmd
}

// actor is the name recorded for a person's decision: --by, else $USER,
// else "cli".
func actor(by string) string {
	if by == "" {
		by = os.Getenv("USER")
	}
	if by == "" {
		by = "cli"
	}
	return by
}
