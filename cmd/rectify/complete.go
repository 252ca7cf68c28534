package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/report"
	"github.com/rectify-dev/rectify/internal/store"
)

// A completion function answers the shell's "what comes next" for an
// argument or a flag value. It must not fail: a completion that cannot be
// computed (no configuration, no database) offers nothing.

// fixedCompletions completes one of values.
func fixedCompletions(values ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// completePlaybookIDs completes the ids of the built-in and configured
// playbooks, with their titles, as the first argument.
func completePlaybookIDs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return playbookIDCompletions(cmd, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completePlaybookFlag completes a flag whose value is a playbook id.
func completePlaybookFlag(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return playbookIDCompletions(cmd, toComplete), cobra.ShellCompDirectiveNoFileComp
}

func playbookIDCompletions(cmd *cobra.Command, prefix string) []cobra.Completion {
	rows, _, err := playbookRows(cmd)
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, r := range rows {
		if strings.HasPrefix(r.Playbook.ID, prefix) {
			out = append(out, cobra.CompletionWithDesc(r.Playbook.ID, report.Escape(r.Playbook.Title)))
		}
	}
	return out
}

// completeRunIDs returns a completion function for a run id as the first
// argument: the most recent runs, in the given statuses (all when none),
// described by playbook and status.
func completeRunIDs(statuses ...store.RunStatus) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		db, _ := cmd.Flags().GetString("db")
		st, err := openStore(cmd, db)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer st.Close()
		runs, err := st.ListRuns(cmd.Context(), store.RunFilter{Statuses: statuses, Limit: 100})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, r := range runs {
			if strings.HasPrefix(r.ID, toComplete) {
				out = append(out, cobra.CompletionWithDesc(r.ID, report.Escape(r.PlaybookID+" "+string(r.Status))))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}
