package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/report"
)

func newActionsCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "actions",
		Short: "List the actions playbook steps can use",
		Long: `actions lists the built-in actions: their names, whether they change
anything, and what they do. "actions show NAME" shows one in detail: its
parameters, the AWS operations it reads and writes, the permissions it
needs, and an example step.`,
		Example: `  rectify actions
  rectify actions show ec2.revoke-open-ingress
  rectify actions -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := actionRegistry(output)
			if err != nil {
				return err
			}
			if output == "json" {
				return report.ActionsJSON(cmd.OutOrStdout(), reg.All())
			}
			report.Actions(cmd.OutOrStdout(), reg.All())
			return nil
		},
	}
	cmd.PersistentFlags().StringVarP(&output, "output", "o", "text", `output format: "text" or "json"`)
	cmd.AddCommand(&cobra.Command{
		Use:     "show NAME",
		Short:   "Show an action: parameters, reads and writes, permissions and an example step",
		Example: "  rectify actions show securityhub.update-finding\n  rectify actions show iam.delete-access-key -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := actionRegistry(output)
			if err != nil {
				return err
			}
			spec, ok := reg.Lookup(args[0])
			if !ok {
				return fmt.Errorf("no action %q; there are: %s", args[0], strings.Join(reg.Names(), ", "))
			}
			if output == "json" {
				return report.ActionJSON(cmd.OutOrStdout(), spec)
			}
			report.Action(cmd.OutOrStdout(), spec)
			return nil
		},
	})
	return cmd
}

// actionRegistry checks the output format and returns the built-in
// actions.
func actionRegistry(output string) (*action.Registry, error) {
	if output != "text" && output != "json" {
		return nil, fmt.Errorf("--output %q: want \"text\" or \"json\"", output)
	}
	return action.Builtin()
}
