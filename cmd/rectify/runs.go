package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/report"
	"github.com/rectify-dev/rectify/internal/store"
)

func newRunsCmd() *cobra.Command {
	var (
		statuses []string
		pbID     string
		limit    int
	)
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List recent runs: id, created, playbook, target, mode and status",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := store.RunFilter{PlaybookID: pbID, Limit: limit}
			for _, s := range statuses {
				rs := store.RunStatus(strings.TrimSpace(s))
				if !rs.Valid() {
					return fmt.Errorf("--status %q is not a run status", s)
				}
				f.Statuses = append(f.Statuses, rs)
			}
			st, err := openStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.ListRuns(cmd.Context(), f)
			if err != nil {
				return err
			}
			report.Runs(cmd.OutOrStdout(), runs)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&statuses, "status", nil, "only runs in these statuses (pending, running, waiting, awaiting_approval, succeeded, failed, not_found, skipped, planned, cancelled)")
	cmd.Flags().StringVar(&pbID, "playbook", "", "only runs of this playbook")
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many runs, newest first; 0 for all")
	cmd.AddCommand(newRunsShowCmd(), newRunsRetryCmd())
	return cmd
}

func newRunsShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show RUN_ID",
		Short: "Show a run with its steps and audit trail",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx := cmd.Context()
			run, err := st.GetRun(ctx, args[0])
			if err != nil {
				return err
			}
			steps, err := st.Steps(ctx, run.ID)
			if err != nil {
				return err
			}
			audit, err := st.Audit(ctx, store.AuditFilter{RunID: run.ID})
			if err != nil {
				return err
			}
			report.Run(cmd.OutOrStdout(), run, steps, audit)
			return nil
		},
	}
}
