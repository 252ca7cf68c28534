package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/control"
	"github.com/rectify-dev/rectify/internal/report"
	"github.com/rectify-dev/rectify/internal/spelling"
)

func newControlsCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "controls",
		Short: "List the Security Hub controls rectify remediates",
		Long: `controls lists the Security Hub controls that a playbook (built in, or in
a configured playbook directory) remediates: each control's id, title and
standards, the playbook, its mode after configuration, the AWS operations
it may call that change something, and the IAM permissions it needs in the
finding's account. --all also lists the controls rectify knows but has no
playbook for yet.

"controls show ID" shows one control in detail. ID is a consolidated
control id (IAM.7), or an id a standard gives it: "PCI.IAM.7",
"cis-aws-foundations-benchmark/v/1.2.0/1.5", a generator id such as
"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.5",
or a bare CIS id such as "1.8", which may name a control in each CIS
version. It reads no secret: the variables the configuration names need not
be set.

The exit status is 0, or 2 when there is no such control or the
configuration or the playbooks cannot be loaded.`,
		Example: `  rectify controls
  rectify controls --all -o json
  rectify controls show EC2.13
  rectify controls show PCI.EC2.5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, err := controlRows(cmd)
			if err != nil {
				return err
			}
			if !all {
				supported := rows[:0]
				for _, r := range rows {
					if len(r.Playbooks) > 0 {
						supported = append(supported, r)
					}
				}
				rows = supported
			}
			if jsonOutput(cmd) {
				return report.ControlsJSON(cmd.OutOrStdout(), rows)
			}
			report.Controls(cmd.OutOrStdout(), rows)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list the controls no playbook remediates yet")
	cmd.AddCommand(&cobra.Command{
		Use:   "show ID",
		Short: "Show a control: its standards and ids, and the playbook that remediates it",
		Long: `show prints one Security Hub control: its title, the standards that
include it and the ids they give it, the playbook that remediates it with
its mode, and the operations and permissions it needs. An id that names a
control in several standards shows each.

The exit status is 0, or 2 when there is no such control.`,
		Example: `  rectify controls show IAM.7
  rectify controls show cis-aws-foundations-benchmark/v/1.2.0/1.5 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			matches := control.Find(args[0])
			if len(matches) == 0 {
				hint := ""
				if m := spelling.Closest(args[0], control.IDs()); m != "" {
					hint = " (did you mean " + m + "?)"
				}
				return fmt.Errorf("no Security Hub control %q%s; rectify controls --all lists the known ones", args[0], hint)
			}
			rows, err := controlRows(cmd)
			if err != nil {
				return err
			}
			byID := map[string]report.ControlRow{}
			for _, r := range rows {
				byID[r.Control.ID] = r
			}
			shown := make([]report.ControlRow, len(matches))
			for i, m := range matches {
				shown[i] = byID[m.Control.ID]
			}
			if jsonOutput(cmd) {
				return report.ControlJSON(cmd.OutOrStdout(), shown, matches)
			}
			w := cmd.OutOrStdout()
			if len(matches) > 1 {
				var names []string
				for _, m := range matches {
					names = append(names, fmt.Sprintf("%s (%s)", m.Control.ID, m.Ref.Standard))
				}
				fmt.Fprintf(w, "%s names %d controls: %s.\n\n", args[0], len(matches), strings.Join(names, ", "))
			}
			for i, m := range matches {
				if i > 0 {
					fmt.Fprintln(w)
				}
				report.Control(w, shown[i], m)
			}
			return nil
		},
	})
	return cmd
}

// controlRows returns every control of the table with the enabled or
// disabled playbooks that list it, after configuration.
func controlRows(cmd *cobra.Command) ([]report.ControlRow, error) {
	cfg, err := loadConfigToRead(cmd)
	if err != nil {
		return nil, err
	}
	reg, err := action.Builtin()
	if err != nil {
		return nil, err
	}
	pbs, err := app.LoadPlaybooks(reg, catalog.FS(), cfg.Playbooks.Dirs, app.ControlOptions(cfg))
	if err != nil {
		return nil, err
	}
	settings, err := app.Settings(cfg)
	if err != nil {
		return nil, err
	}
	sort.Slice(pbs, func(i, j int) bool { return pbs[i].ID < pbs[j].ID })
	dry := cfg.DryRun || dryRun(cmd)
	var rows []report.ControlRow
	for _, c := range control.All() {
		row := report.ControlRow{Control: c}
		for _, pb := range pbs {
			if !containsString(pb.Controls, c.ID) {
				continue
			}
			mode, enabled := effectiveMode(pb, settings[pb.ID], dry)
			p, err := report.ControlPlaybookOf(report.PlaybookRow{Playbook: pb, Mode: mode, Enabled: enabled}, c.ID, settings[pb.ID].Params)
			if err != nil {
				return nil, fmt.Errorf("playbook %s: %w", pb.ID, err)
			}
			row.Playbooks = append(row.Playbooks, p)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
