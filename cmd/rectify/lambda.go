package main

import (
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
)

// lambdaRuntimeEnv is the variable the Lambda runtime sets to the address
// of its Runtime API.
const lambdaRuntimeEnv = "AWS_LAMBDA_RUNTIME_API"

func newLambdaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lambda",
		Short: "Handle the invocations of an AWS Lambda function: EventBridge events and SQS batches",
		Long: `lambda is the handler of an AWS Lambda function, for the provided.al2023
runtime (a bootstrap that runs "rectify lambda") or a container image whose
command is "rectify lambda". It only runs when started by the Lambda
runtime, which sets ` + lambdaRuntimeEnv + `.

An invocation is either an EventBridge event, delivered directly by a rule
whose target is the function, or a batch from an SQS event source mapping.
A direct event whose handling fails (other than by being rejected) fails
the invocation, so that Lambda retries it and then sends it to the
function's on-failure destination. For an SQS batch the function answers
with the messages to retry; the event source mapping must have
ReportBatchItemFailures among its FunctionResponseTypes, or Lambda retries
the whole batch. Message bodies may be SNS notifications carrying the event.

The configuration is read as by the other commands (--config, in the
bootstrap or the image's command); a function whose invocations run side by
side wants the dynamodb store.`,
		Args: cobra.NoArgs,
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
			// Start returns only by ending the process.
			lambda.StartWithOptions(intake.NewLambda(fn, log).Invoke, lambda.WithContext(cmd.Context()))
			return nil
		},
	}
}
