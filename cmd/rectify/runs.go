package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/report"
	"github.com/rectify-dev/rectify/internal/store"
)

// runStatuses returns the run statuses the store knows, for help and
// completion.
func runStatuses() []string {
	var out []string
	for _, s := range []string{"pending", "running", "waiting", "awaiting_approval", "succeeded", "failed", "not_found", "skipped", "planned", "cancelled"} {
		if store.RunStatus(s).Valid() {
			out = append(out, s)
		}
	}
	return out
}

func newRunsCmd() *cobra.Command {
	var (
		statuses []string
		pbID     string
		limit    int
		db       string
	)
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List recent runs: id, created, playbook, target, mode and status",
		Long: `runs lists the runs rectify recorded, newest first, from the store the
configuration names (by default rectify.db in the working directory) or
from the SQLite file --db names. It never creates a database: where there
is none yet, it says so. It reads no secret.

The exit status is 0, or 2 when the store cannot be read.`,
		Example: `  rectify runs
  rectify runs --status failed --limit 50
  rectify runs --playbook ta-exposed-access-keys -o json
  rectify runs --db demo.db
  rectify runs show RUN_ID`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := store.RunFilter{PlaybookID: pbID, Limit: limit}
			for _, s := range statuses {
				rs := store.RunStatus(strings.TrimSpace(s))
				if !rs.Valid() {
					return fmt.Errorf("--status %q is not a run status (%s)", s, strings.Join(runStatuses(), ", "))
				}
				f.Statuses = append(f.Statuses, rs)
			}
			if limit < 0 {
				return fmt.Errorf("--limit %d: must not be negative", limit)
			}
			st, err := openStore(cmd, db)
			if noStore(err) {
				if jsonOutput(cmd) {
					return report.JSON(cmd.OutOrStdout(), []any{})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "no runs: %s (rectify creates it when it handles its first event)\n", report.Escape(err.Error()))
				return nil
			}
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.ListRuns(cmd.Context(), f)
			if err != nil {
				return err
			}
			if jsonOutput(cmd) {
				return report.RunsJSON(cmd.OutOrStdout(), runs)
			}
			report.Runs(cmd.OutOrStdout(), runs)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&statuses, "status", nil, "only runs in these statuses ("+strings.Join(runStatuses(), ", ")+")")
	cmd.Flags().StringVar(&pbID, "playbook", "", "only runs of this playbook")
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many runs, newest first; 0 for all")
	cmd.PersistentFlags().StringVar(&db, "db", "", "read the SQLite database FILE instead of the configured store")
	_ = cmd.RegisterFlagCompletionFunc("status", fixedCompletions(runStatuses()...))
	_ = cmd.RegisterFlagCompletionFunc("playbook", completePlaybookFlag)
	_ = cmd.MarkPersistentFlagFilename("db", "db", "sqlite")
	cmd.AddCommand(newRunsShowCmd(&db), newRunsRetryCmd())
	return cmd
}

func newRunsShowCmd(db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "show RUN_ID",
		Short: "Show a run with its steps and audit trail",
		Long: `show prints one run: its playbook, event, target, mode and status, each
step with its outcome, and the run's audit trail.

The exit status is 0, or 2 when there is no such run or the store cannot
be read.`,
		Example: `  rectify runs show 01JD3Z8Q2X5C7M9K1T4V6W8Y0A
  rectify runs show 01JD3Z8Q2X5C7M9K1T4V6W8Y0A -o json --db demo.db`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRunIDs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd, *db)
			if noStore(err) {
				return fmt.Errorf("no run %s: %w", args[0], err)
			}
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
			if jsonOutput(cmd) {
				return report.JSON(cmd.OutOrStdout(), report.NewRunJSON(run, steps, audit))
			}
			report.Run(cmd.OutOrStdout(), run, steps, audit)
			return nil
		},
	}
}
