package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/spf13/cobra"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
)

func newServeCmd() *cobra.Command {
	var (
		addr     string
		interval time.Duration
		grace    time.Duration
		queues   []string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP intake (POST /events) and carry on unfinished runs",
		Long: `serve listens on serve.addr from the configuration (or --addr) for events:
POST /events takes one JSON event, a JSON array or JSON Lines and answers
with what became of each; GET /healthz answers when rectify is up. Requests
must present the shared secret from the environment variable named by
serve.secret_env (as "Authorization: Bearer SECRET" or X-Rectify-Secret)
when it is set, and bodies are limited to serve.max_body.

Each --sqs QUEUE_URL also long-polls that SQS queue (the target of an
EventBridge rule, or subscribed to an SNS topic) and deletes each message
once its events are handled or rejected; a message whose handling failed
stays in the queue, to be delivered again and, after the queue's
maxReceiveCount, moved to its dead-letter queue.

Every few seconds serve also resumes due runs: runs whose durable wait has
elapsed and runs left unfinished by a stopped process. SIGINT or SIGTERM
stops it gracefully: requests and messages in flight are completed first.

The exit status is 0 after a graceful stop, and 2 when rectify could not
start (configuration, playbooks, store, the address in use) or an SQS
queue could not be read.`,
		Example: `  RECTIFY_SHARED_SECRET=change-me rectify serve
  rectify serve --addr 0.0.0.0:8080 --sqs https://sqs.us-east-1.amazonaws.com/111122223333/rectify-events
  rectify --log-level debug serve --resume-interval 1s`,
		Annotations: map[string]string{textOnly: "yes"},
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd, slog.LevelInfo, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			cfg, log := a.Config, a.Logger
			if !cmd.Flags().Changed("addr") {
				addr = cfg.Serve.Addr
			}
			if interval <= 0 {
				return fmt.Errorf("--resume-interval %s: must be positive", interval)
			}
			for _, q := range queues {
				if !strings.HasPrefix(q, "https://") && !strings.HasPrefix(q, "http://") {
					return fmt.Errorf("--sqs %q: want a queue URL, such as https://sqs.us-east-1.amazonaws.com/123456789012/events", q)
				}
			}
			secret := cfg.Serve.Secret.Reveal()
			handler := intake.NewHTTP(a.Engine, intake.HTTPOptions{MaxBody: int64(cfg.Serve.MaxBody), Secret: secret, Logger: log})
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
				ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

			var books []string
			for _, id := range a.Engine.Playbooks() {
				mode, _ := a.Engine.Mode(id)
				books = append(books, id+"="+mode.String())
			}
			log.Info("rectify serving", "addr", "http://"+ln.Addr().String(), "events", intake.EventsPath, "sqs", queues,
				"playbooks", books, "secret_required", secret != "", "max_body", cfg.Serve.MaxBody.String(), "resume_every", interval)
			if secret == "" {
				log.Warn("no shared secret is set: anyone who can reach the address can submit events", "secret_env", cfg.Serve.SecretEnv)
			}

			ctx, stop := context.WithCancel(cmd.Context())
			defer stop()
			// Resumed runs may outlive the signal by the grace period.
			runCtx, stopRuns := context.WithCancel(context.WithoutCancel(ctx))
			defer stopRuns()
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				resumeLoop(ctx, runCtx, a.Engine.Resume, interval, log)
			}()

			sourceErr := make(chan error, len(queues))
			if len(queues) > 0 {
				client := sqs.NewFromConfig(a.AWS)
				fn := intake.HandleFunc(a.Engine, func(m intake.Meta, res *engine.Result, err error) {
					o := intake.Summarize(m, res, err)
					log.Info("intake: message", "origin", m.Origin, "receive_count", m.ReceiveCount, "id", o.ID, "status", o.Status)
				})
				for _, q := range queues {
					src := &intake.SQS{Client: client, QueueURL: q, Grace: grace, Logger: log}
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := src.Run(ctx, fn); err != nil {
							sourceErr <- err
						}
					}()
				}
			}

			serveErr := make(chan error, 1)
			go func() { serveErr <- srv.Serve(ln) }()
			select {
			case err = <-serveErr:
				stop()
			case err = <-sourceErr:
				stop()
				_ = srv.Close()
			case <-ctx.Done():
				log.Info("shutting down", "grace", grace)
				timer := time.AfterFunc(grace, stopRuns)
				defer timer.Stop()
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
				defer cancel()
				err = srv.Shutdown(sctx)
			}
			wg.Wait()
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve: %w", err)
			}
			log.Info("stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address, overriding serve.addr")
	cmd.Flags().DurationVar(&interval, "resume-interval", 5*time.Second, "how often due runs are resumed")
	cmd.Flags().DurationVar(&grace, "grace", 30*time.Second, "how long requests, messages and runs in flight may take to finish on shutdown")
	cmd.Flags().StringArrayVar(&queues, "sqs", nil, "also receive events from the SQS queue at this URL (repeatable)")
	return cmd
}

// resumeLoop calls resume at once and then every interval until stop ends;
// each call runs with runCtx.
func resumeLoop(stop, runCtx context.Context, resume func(context.Context) (int, error), interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := resume(runCtx)
		switch {
		case err != nil && runCtx.Err() == nil:
			log.Error("resuming runs", "err", err)
		case n > 0:
			log.Info("resumed runs", "count", n)
		}
		if stop.Err() != nil {
			return
		}
		select {
		case <-stop.Done():
			return
		case <-t.C:
		}
	}
}
