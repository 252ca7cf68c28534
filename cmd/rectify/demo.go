package main

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/demo"
)

func newDemoCmd() *cobra.Command {
	var db string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show rectify fixing problems in a simulated AWS organization (no AWS account needed)",
		Long: `demo starts rectify's AWS simulator in-process, creates a central security account
running rectify and a member account with problems, delivers the events AWS
would send, and prints what rectify did and the state it left behind.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := demo.Options{DB: db}
			if verbose {
				opts.Logger = slog.Default()
			}
			return demo.Run(cmd.Context(), cmd.OutOrStdout(), opts)
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "keep rectify's state in this SQLite file (default: a temporary one)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show rectify's log")
	return cmd
}
