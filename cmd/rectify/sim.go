//go:build !lambda

package main

import "github.com/spf13/cobra"

// simulatorCmds returns the commands that run rectify's AWS simulator. A
// build with the lambda tag, for a Lambda function, leaves them and the
// simulator out.
func simulatorCmds() []*cobra.Command {
	return []*cobra.Command{newSandboxCmd(), newDemoCmd()}
}
