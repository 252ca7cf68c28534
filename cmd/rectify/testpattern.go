package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/pattern"
)

func newTestPatternCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "test-pattern PATTERN_FILE EVENT_FILE",
		Short: "Test whether an EventBridge event pattern matches an event",
		Long: `test-pattern compiles the EventBridge event pattern in PATTERN_FILE and
matches the event in EVENT_FILE against it, like "aws events
test-event-pattern". It prints true or false; an invalid pattern or event is
an error.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			event, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			p, err := pattern.Compile(src)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			ok, err := p.Match(event)
			if err != nil {
				return fmt.Errorf("%s: %w", args[1], err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), ok)
			return err
		},
	}
}
