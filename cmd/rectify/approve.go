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
approved it, and executes it. The exit status is 1 if the run fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if by == "" {
				by = os.Getenv("USER")
			}
			if by == "" {
				by = "cli"
			}
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
			report.Run(cmd.OutOrStdout(), run, steps, audit)
			if run.Status == store.RunFailed {
				return &exitError{code: 1, err: fmt.Errorf("run %s failed: %s", run.ID, run.Error)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who approves, for the audit trail (default $USER)")
	return cmd
}
