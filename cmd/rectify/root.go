package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "rectify",
		Short:         "Automated remediation of AWS security findings and risky API calls",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	addGlobalFlags(root.PersistentFlags())
	root.AddCommand(
		// One constructor per command, each in its own file.
		newTestPatternCmd(),
		newRunCmd(), newReplayCmd(), newPlanCmd(), newServeCmd(), newPlaybooksCmd(), newRunsCmd(), newApproveCmd(),
		newSandboxCmd(), newDemoCmd(), newActionsCmd(), newControlsCmd(),
		newLambdaCmd(),
	)
	return root
}
