package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func newSandboxCmd() *cobra.Command {
	var addr, state, seed string
	var glueDelay time.Duration
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the local AWS simulator and print the environment that points the AWS SDKs at it",
		Long: `sandbox serves rectify's AWS simulator until interrupted. It prints, on stdout,
the shell lines that point any AWS SDK or CLI at it as the administrator of the
default account:

  eval "$(rectify sandbox &)"    # or copy the lines into another shell

With --state the simulator's state is loaded from FILE at start (if it exists)
and saved there on shutdown; with --seed a JSON or YAML fixture is applied.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			sim := awssim.New(awssim.Options{GlueReadyDelay: glueDelay, Logger: slog.Default()})
			if state != "" {
				if err := sim.LoadState(state); err != nil {
					return err
				}
			}
			if err := sim.Listen(addr); err != nil {
				return err
			}
			if seed != "" {
				f, err := awssim.LoadFixture(seed)
				if err != nil {
					return err
				}
				if err := sim.Seed(ctx, f); err != nil {
					return err
				}
			}
			fmt.Fprint(cmd.OutOrStdout(), sim.ShellEnv())
			slog.Info("AWS simulator serving", "url", sim.URL, "account", sim.Account(), "region", sim.Region())
			if err := sim.Wait(ctx); err != nil {
				return err
			}
			if state != "" {
				if err := sim.SaveState(state); err != nil {
					return err
				}
				slog.Info("simulator state saved", "file", state)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:4566", "listen address")
	cmd.Flags().StringVar(&state, "state", "", "load state from FILE at start and save it there on shutdown")
	cmd.Flags().StringVar(&seed, "seed", "", "apply a JSON or YAML fixture FILE at start")
	cmd.Flags().DurationVar(&glueDelay, "glue-ready-delay", 2*time.Minute, "how long new Glue dev endpoints stay PROVISIONING")
	return cmd
}
