package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
)

// bootstrapName is the name under which the provided.al2023 runtime starts
// a function's executable.
const bootstrapName = "bootstrap"

// commandArgs returns the arguments of the root command for argv, the
// process's command line with the program first: "lambda" for a program
// named bootstrap started without arguments, as the Lambda runtime starts
// it, and the arguments after the program for any other.
func commandArgs(argv []string) []string {
	if len(argv) == 0 {
		return []string{}
	}
	if len(argv) == 1 && filepath.Base(argv[0]) == bootstrapName {
		return []string{"lambda"}
	}
	return argv[1:]
}

// lambdaRuntimeEnv is the variable the Lambda runtime sets to the address
// of its Runtime API.
const lambdaRuntimeEnv = "AWS_LAMBDA_RUNTIME_API"

func newLambdaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lambda",
		Short: "Handle the invocations of an AWS Lambda function: EventBridge events, SQS batches and schedules",
		Long: `lambda is the handler of an AWS Lambda function, for the provided.al2023
runtime or a container image whose command is "rectify lambda". The
provided.al2023 runtime starts an executable named bootstrap without
arguments; rectify installed under that name acts as "rectify lambda". It
only runs when started by the Lambda runtime, which sets ` + lambdaRuntimeEnv + `.

An invocation is either an EventBridge event, delivered directly by a rule
whose target is the function, or a batch from an SQS event source mapping.
A direct event whose handling fails (other than by being rejected) fails
the invocation, so that Lambda retries it and then sends it to the
function's on-failure destination. For an SQS batch the function answers
with the messages to retry; the event source mapping must have
ReportBatchItemFailures among its FunctionResponseTypes, or Lambda retries
the whole batch. Message bodies may be SNS notifications carrying the event.

Runs that wait (for a Glue development endpoint, say) and runs left
unfinished by an ended invocation are carried on by scheduled invocations:
give the function an EventBridge Scheduler schedule, every minute for
instance, whose input is {"rectify": "resume"} (the events of a scheduled
EventBridge rule, detail-type "Scheduled Event", do as well). Such an
invocation executes the due runs and answers {"resumed": N}.

The configuration is read as by the other commands: --config in the
image's command (or in a bootstrap script that runs rectify lambda), or
rectify.yaml in the working directory; a function whose invocations run side
by side wants the dynamodb store.

The exit status is 2 when it is not started by the Lambda runtime or
rectify could not start; under the runtime it does not exit.`,
		Example: `  # the provided.al2023 runtime: the binary, built with -tags lambda, as bootstrap
  GOOS=linux GOARCH=arm64 go build -tags lambda -trimpath -ldflags '-s -w' -o bootstrap ./cmd/rectify
  # a container image
  CMD ["rectify", "--config", "/etc/rectify/rectify.yaml", "lambda"]`,
		Annotations: map[string]string{textOnly: "yes"},
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv(lambdaRuntimeEnv) == "" {
				return errors.New("rectify lambda handles the invocations of an AWS Lambda function and runs only when the Lambda runtime starts it (" +
					lambdaRuntimeEnv + " is not set); to handle events here, use rectify run FILE or rectify serve")
			}
			a, err := openApp(cmd, slog.LevelInfo, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			log := a.Logger
			fn := intake.HandleFunc(a.Engine, func(m intake.Meta, res *engine.Result, err error) {
				o := intake.Summarize(m, res, err)
				log.Info("intake: event", "origin", m.Origin, "receive_count", m.ReceiveCount, "id", o.ID, "status", o.Status)
			})
			h := intake.NewLambda(fn, log)
			h.Resume = a.Engine.Resume
			// Start returns only by ending the process.
			lambda.StartWithOptions(h.Invoke, lambda.WithContext(cmd.Context()))
			return nil
		},
	}
}
