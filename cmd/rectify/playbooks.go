package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
playbook directories, with the mode each runs in after configuration
(rectify.yaml's overrides and --dry-run). It reads no secret: the variables
the configuration names need not be set.

The exit status is 0, or 2 when the configuration or a playbook cannot be
loaded.`,
		Example: `  rectify playbooks
  rectify playbooks -o json
  rectify playbooks show ta-exposed-access-keys
  rectify playbooks validate ./playbooks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, _, err := playbookRows(cmd)
			if err != nil {
				return err
			}
			warnPlaybooks(cmd, rows)
			if jsonOutput(cmd) {
				out := make([]report.PlaybookJSON, 0, len(rows))
				for _, r := range rows {
					out = append(out, report.NewPlaybookJSON(r, false, nil, nil))
				}
				return report.JSON(cmd.OutOrStdout(), out)
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
		Long: `show prints one playbook as it runs here: its mode and whether it is
enabled after configuration, its trigger and condition, the parameters in
effect (the playbook's defaults with rectify.yaml's overrides, which are
marked), its steps and the IAM permissions its actions need.

The exit status is 0, or 2 when there is no such playbook or the
configuration cannot be loaded.`,
		Example: `  rectify playbooks show ta-exposed-access-keys
  rectify playbooks show ec2-security-group-open-to-world -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completePlaybookIDs,
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
				warnPlaybooks(cmd, []report.PlaybookRow{r})
				cfg, err := loadConfigToRead(cmd)
				if err != nil {
					return err
				}
				params, err := r.Playbook.Params(cfg.Playbooks.Overrides[r.Playbook.ID].Params)
				if err != nil {
					return err
				}
				member, home := app.Exemptions(cfg).Permissions(r.Playbook, params)
				if jsonOutput(cmd) {
					return report.JSON(cmd.OutOrStdout(), report.NewPlaybookJSON(r, true, member, home))
				}
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
		Short: "Check playbook files, printing every problem as file:line:col: field: message",
		Long: `validate loads each playbook file (a directory stands for its *.yaml and
*.yml files) with the built-in actions, and prints every problem as
file:line:col: field: message. A playbook id that repeats one in another
file or a built-in playbook is an error too.

It also warns, without failing, about trigger keys that no EventBridge
event has: a top-level key that is not part of the envelope (detail_type
for detail-type), and a detail key that no sample event of the trigger's
source or detail-type has (detail.eventname for detail.eventName). Such a
trigger is valid but never matches.

The exit status is 1 if there is any problem (warnings are not problems),
2 if a file cannot be read.`,
		Example: `  rectify playbooks validate my-playbook.yaml
  rectify playbooks validate ./playbooks ./more-playbooks`,
		Annotations: map[string]string{textOnly: "yes"},
		Args:        cobra.MinimumNArgs(1),
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
			out, problems, bad := cmd.OutOrStdout(), 0, map[string]bool{}
			opts := app.PlaybookOptions(reg)
			for _, f := range files {
				pbs, err := playbook.LoadFile(f, opts)
				var perrs playbook.Errors
				switch {
				case errors.As(err, &perrs):
					for _, e := range perrs {
						fmt.Fprintln(out, report.Escape(e.Error()))
					}
					problems += len(perrs)
					bad[f] = true
					continue
				case err != nil:
					fmt.Fprintln(out, report.Escape(fmt.Sprintf("%s: %v", f, err)))
					problems++
					bad[f] = true
					continue
				}
				var ids []string
				for _, pb := range pbs {
					for _, w := range pb.Warnings {
						fmt.Fprintln(out, report.Escape(warning(w)))
					}
					if at, dup := seen[pb.ID]; dup {
						fmt.Fprintln(out, report.Escape(fmt.Sprintf("%s: id: playbook id %q is already defined by %s", pb.Pos, pb.ID, at)))
						problems++
						bad[f] = true
						continue
					}
					seen[pb.ID] = pb.Pos.String()
					ids = append(ids, pb.ID)
				}
				if len(ids) > 0 {
					fmt.Fprintln(out, report.Escape(fmt.Sprintf("%s: ok: %s", f, strings.Join(ids, ", "))))
				}
			}
			if problems > 0 {
				return &exitError{code: codeFailed, err: fmt.Errorf("%s in %s", report.Count(problems, "problem"), report.Count(len(bad), "file"))}
			}
			return nil
		},
	}
}

// warning formats a playbook's warning as file:line:col: field: warning: message.
func warning(w *playbook.Error) string {
	field := ""
	if w.Field != "" {
		field = w.Field + ": "
	}
	return w.Pos.String() + ": " + field + "warning: " + w.Msg
}

// warnPlaybooks prints the warnings of the playbooks of rows to standard
// error.
func warnPlaybooks(cmd *cobra.Command, rows []report.PlaybookRow) {
	for _, r := range rows {
		for _, w := range r.Playbook.Warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), "rectify:", report.Escape(warning(w)))
		}
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
// effective modes and parameters, from a configuration read without its
// secrets.
func playbookRows(cmd *cobra.Command) ([]report.PlaybookRow, *action.Registry, error) {
	cfg, err := loadConfigToRead(cmd)
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
		s := settings[pb.ID]
		mode, enabled := effectiveMode(pb, s, dry)
		params, err := pb.Params(s.Params)
		if err != nil {
			return nil, nil, fmt.Errorf("playbooks.overrides.%s: %w", pb.ID, err)
		}
		overridden := make([]string, 0, len(s.Params))
		for k := range s.Params {
			overridden = append(overridden, k)
		}
		slices.Sort(overridden)
		rows = append(rows, report.PlaybookRow{Playbook: pb, Mode: mode, Enabled: enabled, Params: params, Overridden: overridden})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Playbook.ID < rows[j].Playbook.ID })
	return rows, reg, nil
}
