package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/report"
	"github.com/rectify-dev/rectify/internal/store"
)

func newRunsRetryCmd() *cobra.Command {
	var (
		by       string
		statuses []string
		pbID     string
		since    time.Duration
		limit    int
	)
	cmd := &cobra.Command{
		Use:   "retry [RUN_ID...]",
		Short: "Set failed runs going again from the step that failed, and carry them out",
		Long: `retry sets each named run going again from the step where it failed (or
wakes a run waiting to try again) and executes it. Without run IDs it takes the
runs the filters select: by default the failed runs of the last 24 hours.

The exit status is 0 when every retried run succeeded, waits again, or found its
resource gone; 1 when one failed again; 2 on a usage error. Under --dry-run
nothing is retried.`,
		Example: `  rectify runs retry 01JD3Z8Q2X5C7M9K1T4V6W8Y0A
  rectify runs retry --status failed --since 1h
  rectify runs retry --playbook ta-exposed-access-keys --since 30m`,
		RunE: func(cmd *cobra.Command, args []string) error {
			by = actor(by)
			a, err := openApp(cmd, slog.LevelWarn, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			ids := args
			if len(ids) == 0 {
				f := store.RunFilter{PlaybookID: pbID, Limit: limit, After: time.Now().Add(-since)}
				for _, s := range statuses {
					rs := store.RunStatus(strings.TrimSpace(s))
					if rs != store.RunFailed && rs != store.RunWaiting {
						return &exitError{code: 2, err: fmt.Errorf("--status %q: only failed and waiting runs are retried", s)}
					}
					f.Statuses = append(f.Statuses, rs)
				}
				runs, err := a.Store.ListRuns(ctx, f)
				if err != nil {
					return err
				}
				for _, r := range runs {
					ids = append(ids, r.ID)
				}
				if len(ids) == 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "no runs to retry")
					return nil
				}
			}
			failed := 0
			for _, id := range ids {
				run, err := a.Engine.Retry(ctx, id, by)
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
					failed++
				}
			}
			if failed > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d of %d retried runs failed again", failed, len(ids))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who asks, for the audit trail (default $USER)")
	cmd.Flags().StringSliceVar(&statuses, "status", []string{string(store.RunFailed)}, "without run IDs: runs in these statuses (failed, waiting)")
	cmd.Flags().StringVar(&pbID, "playbook", "", "without run IDs: only runs of this playbook")
	cmd.Flags().DurationVar(&since, "since", 24*time.Hour, "without run IDs: only runs created within this long")
	cmd.Flags().IntVar(&limit, "limit", 100, "without run IDs: at most this many runs")
	return cmd
}
