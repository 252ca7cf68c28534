package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/report"
)

func newActionsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "actions",
		Short: "List the actions playbook steps can use",
		Long: `actions lists the built-in actions: their names, whether they change
anything, and what they do. "actions show NAME" shows one in detail: its
parameters, the AWS operations it reads and writes, the permissions it
needs, and an example step.

The exit status is 0, or 2 when there is no such action.`,
		Example: `  rectify actions
  rectify actions show ec2.revoke-open-ingress
  rectify actions -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := action.Builtin()
			if err != nil {
				return err
			}
			if jsonOutput(cmd) {
				return report.ActionsJSON(cmd.OutOrStdout(), reg.All())
			}
			report.Actions(cmd.OutOrStdout(), reg.All())
			return nil
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Show an action: parameters, reads and writes, permissions and an example step",
		Long: `show prints one action: its parameters (name, type, whether required, default),
the AWS operations it reads and writes, the IAM permissions it needs, and an
example step.

The exit status is 0, or 2 when there is no such action.`,
		Example: "  rectify actions show securityhub.update-finding\n  rectify actions show iam.delete-access-key -o json",
		Args:    cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			reg, err := action.Builtin()
			if err != nil || len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return reg.Names(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := action.Builtin()
			if err != nil {
				return err
			}
			spec, ok := reg.Lookup(args[0])
			if !ok {
				return fmt.Errorf("no action %q; there are: %s", args[0], strings.Join(reg.Names(), ", "))
			}
			if jsonOutput(cmd) {
				return report.ActionJSON(cmd.OutOrStdout(), spec)
			}
			report.Action(cmd.OutOrStdout(), spec)
			return nil
		},
	})
	return cmd
}
