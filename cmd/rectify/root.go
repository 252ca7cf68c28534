package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	// codeFailed: the command did its work and something failed: a
	// remediation failed, an input was rejected, a file has problems, a
	// pattern did not match.
	codeFailed = 1
	// codeError: the command could not do its work: a usage error, an
	// invalid configuration, something named that does not exist, AWS or
	// the store out of reach.
	codeError = 2
)

// exitStatusHelp is the root command's account of the exit statuses; each
// command's help says what 1 means for it.
const exitStatusHelp = `Exit status:
  0  success
  1  the command did its work and something failed: a remediation failed,
     an input was rejected, a playbook file has problems, a pattern did not
     match (test-pattern), a run failed (approve)
  2  the command could not do its work: a usage error, an invalid
     configuration, a file, playbook or run that does not exist, AWS or
     the store out of reach`

// exitError carries a process exit status through cobra. A nil err makes
// the command exit with code without a message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitCode returns the exit status for an error that a command returned:
// its own for an *exitError, codeError for any other.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return codeError
}

// silent reports whether err is an exit status without a message.
func silent(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.err == nil
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "rectify",
		Short: "Automated remediation of AWS security findings and risky API calls",
		Long: `rectify receives the events AWS sends through EventBridge (Security Hub,
GuardDuty, Config, Access Analyzer and Trusted Advisor findings, CloudTrail
API calls), matches them with the playbooks' EventBridge patterns and runs
the playbooks that fix the affected resources, in the right account and
region, keeping an audit trail of every decision.

Every command reads rectify.yaml from the working directory if it exists
(--config names another) and reaches AWS through the SDK's standard
configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).

` + exitStatusHelp,
		Example: `  rectify demo                      # rectify at work in a simulated organization
  rectify playbooks                 # the playbooks and their modes
  rectify plan event.json           # what would happen, changing nothing
  rectify run event.json            # handle the events in a file
  rectify serve                     # the HTTP intake
  rectify runs                      # recent runs`,
		Version:           versionString(),
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: checkGlobalFlags,
	}
	addGlobalFlags(root)
	root.AddCommand(
		// One constructor per command, each in its own file.
		newTestPatternCmd(),
		newRunCmd(), newReplayCmd(), newPlanCmd(), newServeCmd(), newPlaybooksCmd(), newRunsCmd(), newApproveCmd(),
		newActionsCmd(), newControlsCmd(),
		newLambdaCmd(),
	)
	// sandbox and demo, which the Lambda build leaves out.
	root.AddCommand(simulatorCmds()...)
	return root
}
