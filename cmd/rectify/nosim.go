//go:build lambda

package main

import "github.com/spf13/cobra"

// simulatorCmds returns no command: this build, for a Lambda function,
// leaves the AWS simulator out.
func simulatorCmds() []*cobra.Command { return nil }
