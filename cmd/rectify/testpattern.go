package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/report"
)

func newTestPatternCmd() *cobra.Command {
	var pbID string
	cmd := &cobra.Command{
		Use:   "test-pattern {PATTERN_FILE | --playbook ID} EVENT_FILE",
		Short: "Test whether an EventBridge event pattern matches an event",
		Long: `test-pattern compiles an EventBridge event pattern and matches one event
against it, like "aws events test-event-pattern". The pattern is read from
PATTERN_FILE, in JSON or in YAML as a playbook's trigger is written, or is
the trigger of the playbook --playbook names (built-in or from the
configured playbook directories). EVENT_FILE holds one JSON event; "-"
reads it from standard input.

It prints true or false, and warns on standard error about pattern keys
that no EventBridge event has (see "rectify playbooks validate").

The exit status is 0 when the pattern matches, 1 when it does not, and 2
when the pattern or the event is invalid or cannot be read.`,
		Example: `  rectify test-pattern pattern.json event.json
  rectify test-pattern pattern.yaml event.json && echo matches
  rectify test-pattern --playbook ec2-security-group-open-to-world event.json
  rectify test-pattern --playbook ta-exposed-access-keys - < event.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if pbID != "" {
				if len(args) != 1 {
					return fmt.Errorf("with --playbook, give one argument, the event file; got %d", len(args))
				}
				return nil
			}
			if len(args) != 2 {
				return fmt.Errorf("give a pattern file and an event file (or --playbook ID and an event file); got %s", report.Count(len(args), "argument"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var src []byte
			what := ""
			if pbID != "" {
				pb, err := findPlaybook(cmd, pbID)
				if err != nil {
					return err
				}
				src, what = pb.Trigger, "playbook "+pbID+" trigger"
			} else {
				data, err := os.ReadFile(args[0])
				if err != nil {
					return err
				}
				if src, err = playbook.ParseTrigger(data); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				what = args[0]
			}
			eventFile := args[len(args)-1]
			event, err := readInput(cmd, eventFile)
			if err != nil {
				return err
			}
			p, err := pattern.Compile(src)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			for _, n := range app.CheckTrigger(src) {
				fmt.Fprintf(cmd.ErrOrStderr(), "rectify: %s: warning: %s\n", report.Escape(what), report.Escape(n.Msg))
			}
			ok, err := p.Match(event)
			if err != nil {
				return fmt.Errorf("%s: %w", eventFile, err)
			}
			if jsonOutput(cmd) {
				err = report.JSON(cmd.OutOrStdout(), map[string]any{"match": ok, "pattern": what})
			} else {
				_, err = fmt.Fprintln(cmd.OutOrStdout(), ok)
			}
			if err != nil {
				return err
			}
			if !ok {
				return &exitError{code: codeFailed}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pbID, "playbook", "", "test the trigger of this playbook")
	_ = cmd.RegisterFlagCompletionFunc("playbook", completePlaybookFlag)
	return cmd
}

// readInput reads a file, or standard input for "-".
func readInput(cmd *cobra.Command, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(name)
}

// findPlaybook returns the playbook with the id, built-in or configured.
func findPlaybook(cmd *cobra.Command, id string) (*playbook.Playbook, error) {
	rows, _, err := playbookRows(cmd)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rows {
		if r.Playbook.ID == id {
			return r.Playbook, nil
		}
		ids = append(ids, r.Playbook.ID)
	}
	return nil, fmt.Errorf("no playbook %q; there are: %s", id, strings.Join(ids, ", "))
}
