// Command rectify receives AWS security events, matches them to playbooks and
// remediates the affected resources. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rectify-dev/rectify/internal/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	root.SetArgs(commandArgs(os.Args))
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "rectify:", report.Escape(err.Error()))
		os.Exit(exitCode(err))
	}
}
