package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/report"
)

func newPlaybooksCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "playbooks",
		Short: "List the playbooks: id, mode, title and trigger sources",
		Long: `playbooks lists the built-in playbooks and those in the configured
playbook directories, with the mode each runs in after configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, _, err := playbookRows(cmd)
			if err != nil {
				return err
			}
			report.Playbooks(cmd.OutOrStdout(), rows)
			return nil
		},
	}
	cmd.AddCommand(newPlaybooksShowCmd(), newPlaybooksValidateCmd())
	return cmd
}

func newPlaybooksShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a playbook in detail, with the IAM permissions its actions need",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, _, err := playbookRows(cmd)
			if err != nil {
				return err
			}
			var ids []string
			for _, r := range rows {
				if r.Playbook.ID != args[0] {
					ids = append(ids, r.Playbook.ID)
					continue
				}
				cfg, err := loadConfig(cmd)
				if err != nil {
					return err
				}
				params, err := r.Playbook.Params(cfg.Playbooks.Overrides[r.Playbook.ID].Params)
				if err != nil {
					return err
				}
				member, home := app.Exemptions(cfg).Permissions(r.Playbook, params)
				report.Playbook(cmd.OutOrStdout(), r, member, home)
				return nil
			}
			return fmt.Errorf("no playbook %q; there are: %s", args[0], strings.Join(ids, ", "))
		},
	}
}

func newPlaybooksValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE|DIR...",
		Short: "Check playbook files, printing every error as file:line:col: field: message",
		Long: `validate loads each playbook file (a directory stands for its *.yaml and
*.yml files) with the built-in actions, and prints every problem as
file:line:col: field: message. A playbook id that repeats one in another
file or a built-in playbook is an error too. The exit status is 1 if there
is any problem.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := action.Builtin()
			if err != nil {
				return err
			}
			builtin, err := app.LoadPlaybooks(reg, catalog.FS(), nil, playbook.ControlOptions{})
			if err != nil {
				return err
			}
			seen := map[string]string{}
			for _, pb := range builtin {
				seen[pb.ID] = "built-in playbook " + pb.Pos.String()
			}
			files, err := playbookFiles(args)
			if err != nil {
				return err
			}
			out, problems := cmd.OutOrStdout(), 0
			opts := playbook.Options{Registry: reg, ValidateTrigger: app.ValidateTrigger}
			for _, f := range files {
				pbs, err := playbook.LoadFile(f, opts)
				var perrs playbook.Errors
				switch {
				case errors.As(err, &perrs):
					for _, e := range perrs {
						fmt.Fprintln(out, e.Error())
					}
					problems += len(perrs)
					continue
				case err != nil:
					fmt.Fprintf(out, "%s: %v\n", f, err)
					problems++
					continue
				}
				var ids []string
				for _, pb := range pbs {
					if at, dup := seen[pb.ID]; dup {
						fmt.Fprintf(out, "%s: id: playbook id %q is already defined by %s\n", pb.Pos, pb.ID, at)
						problems++
						continue
					}
					seen[pb.ID] = pb.Pos.String()
					ids = append(ids, pb.ID)
				}
				if len(ids) > 0 {
					fmt.Fprintf(out, "%s: ok: %s\n", f, strings.Join(ids, ", "))
				}
			}
			if problems > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d problems in %d files", problems, len(files))}
			}
			return nil
		},
	}
}

// playbookFiles expands directories among paths to their YAML files.
func playbookFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, err := filepath.Glob(filepath.Join(p, pat))
			if err != nil {
				return nil, err
			}
			found = append(found, m...)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no *.yaml or *.yml files", p)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// playbookRows loads the built-in and configured playbooks with their
// effective modes.
func playbookRows(cmd *cobra.Command) ([]report.PlaybookRow, *action.Registry, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, nil, err
	}
	reg, err := action.Builtin()
	if err != nil {
		return nil, nil, err
	}
	pbs, err := app.LoadPlaybooks(reg, catalog.FS(), cfg.Playbooks.Dirs, app.ControlOptions(cfg))
	if err != nil {
		return nil, nil, err
	}
	settings, err := app.Settings(cfg)
	if err != nil {
		return nil, nil, err
	}
	dry := cfg.DryRun || dryRun(cmd)
	rows := make([]report.PlaybookRow, 0, len(pbs))
	for _, pb := range pbs {
		mode, enabled := effectiveMode(pb, settings[pb.ID], dry)
		rows = append(rows, report.PlaybookRow{Playbook: pb, Mode: mode, Enabled: enabled})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Playbook.ID < rows[j].Playbook.ID })
	return rows, reg, nil
}
