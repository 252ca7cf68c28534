//go:build !lambda

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func newSandboxCmd() *cobra.Command {
	var (
		addr, state, seed, eventsFile, envFile string
		forward                                []string
		accounts, faults                       []string
		awsLimits, glueDelay                   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the local AWS simulator and print the environment that points the AWS SDKs at it",
		Long: `sandbox serves rectify's AWS simulator until interrupted (SIGINT or SIGTERM).
Once it listens it prints, on standard output, the shell lines that point any
AWS SDK or CLI at it as the administrator of the default account
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
AWS_DEFAULT_REGION) and RECTIFY_SANDBOX_PID; when standard output is not a
terminal it then closes it, so that a shell can read the lines and go on:

  eval "$(rectify sandbox --addr 127.0.0.1:0 &)"   # serves in the background
  aws sts get-caller-identity
  kill $RECTIFY_SANDBOX_PID                         # stops it (and saves --state)

--env-file FILE writes the same lines to FILE (". FILE" reads them into a
shell). The default address, 127.0.0.1:4566, is also LocalStack's: where it
is taken, --addr 127.0.0.1:0 picks a free port, printed in AWS_ENDPOINT_URL.

Accounts. The default account is 123456789012. Every account's
administrator (its root user) has the access key AKIA<ACCOUNT>ADMN and the
secret key simulated/<ACCOUNT>/administrator; an account exists once it is
named by --account or by a fixture. To act as
another account, use its administrator's keys:

  AWS_ACCESS_KEY_ID=AKIA444455556666ADMN \
  AWS_SECRET_ACCESS_KEY=simulated/444455556666/administrator aws iam list-users

or create IAM users and roles there and use their keys or assume a role, as
in AWS: the simulator enforces identity policies and role trust policies.

Seeding. --seed FILE applies a fixture, JSON or YAML: API calls made in
order as an account's administrator, and past activity for CloudTrail's
event history:

  calls:
    - {account: "444455556666", service: iam, action: CreateUser, params: {UserName: alice}}
    - {account: "444455556666", service: iam, action: AttachUserPolicy,
       params: {UserName: alice, PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}}
    - {account: "444455556666", region: us-east-1, service: glue, action: CreateDevEndpoint,
       input: {EndpointName: dev1, RoleArn: "arn:aws:iam::444455556666:role/glue"}}
    - {account: "444455556666", service: s3, method: PUT, path: /my-bucket}
  activity:
    - account: "444455556666"
      region: us-east-1
      records: [{eventName: ListBuckets, eventSource: s3.amazonaws.com, eventTime: "2026-01-02T03:04:05Z"}]

A call names its service (iam, sts, ec2, s3, s3control, sqs, sns,
cloudtrail, rds, lambda, dynamodb, kms, glue, securityhub, config,
access-analyzer, tagging) and, for query services (IAM, EC2, SNS, RDS),
action and params in the protocol's flattened form ("Tags.member.1.Key");
for JSON services (Glue, KMS, SQS, DynamoDB, CloudTrail, Config), action
and input, the request body; for REST services (S3, Security Hub, Lambda,
Access Analyzer), method, path, headers and body. account and region
default to the default account and region. Seeding calls emit no events.

Events for rectify. Every mutating call is recorded as CloudTrail would
record it, and turned into the "AWS API Call via CloudTrail" event
EventBridge delivers. --forward URL POSTs each to a rectify serve /events
URL (with the shared secret from RECTIFY_SHARED_SECRET, or the variable
serve.secret_env names), and --events FILE appends each to a JSON Lines
file (for rectify replay). So a user can act with the AWS CLI and watch
rectify react:

  export RECTIFY_SHARED_SECRET=change-me
  eval "$(rectify sandbox --addr 127.0.0.1:0 --forward http://127.0.0.1:8080/events &)"
  rectify serve &
  aws ec2 authorize-security-group-ingress --group-id sg-... --protocol tcp --port 22 --cidr 0.0.0.0/0
  rectify runs

Faults. --fault injects failures, as
` + indentLines(awssim.FaultSpecHelp, "  ") + `
and --aws-limits LATENCY installs a profile of AWS's API rate limits with
that latency on every call. A running sandbox's faults are switched at
` + awssim.FaultsPath + `: GET lists them, POST adds a JSON array of
{"service", "op", "fault": {"Latency", "ErrorRate", "ThrottleRate",
"RateLimit", "Burst", "PerAccountRegion", "IgnoreWrites", "Times"}},
DELETE removes them (?service=NAME&op=OP for one):

  curl -X POST $AWS_ENDPOINT_URL` + awssim.FaultsPath + ` \
    -d '[{"service":"iam","op":"DeleteAccessKey","fault":{"ErrorRate":1,"Times":2}}]'
  curl -X DELETE $AWS_ENDPOINT_URL` + awssim.FaultsPath + `

State. With --state FILE the simulator's state is loaded from FILE at start
(if it exists) and saved there on shutdown.

The exit status is 0 after a clean stop, and 2 when the sandbox cannot
start: the address is taken, a file cannot be read, a flag is wrong.`,
		Example: `  rectify sandbox
  eval "$(rectify sandbox --addr 127.0.0.1:0 --state sim.json &)"
  rectify sandbox --seed fixture.yaml --account 444455556666 --env-file sandbox.env
  rectify sandbox --forward http://127.0.0.1:8080/events --events trail.jsonl
  rectify sandbox --fault iam:DeleteAccessKey=error=1,times=2 --fault ec2=latency=200ms`,
		Annotations: map[string]string{textOnly: "yes"},
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			log, err := newLogger(cmd, slog.LevelInfo)
			if err != nil {
				return err
			}
			var rules []awssim.FaultRule
			for _, f := range faults {
				r, err := awssim.ParseFaultRule(f)
				if err != nil {
					return fmt.Errorf("--fault: %w", err)
				}
				rules = append(rules, r)
			}
			for _, a := range accounts {
				if len(a) != 12 || strings.Trim(a, "0123456789") != "" {
					return fmt.Errorf("--account %q: want a 12-digit account ID", a)
				}
			}
			for _, u := range forward {
				if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					return fmt.Errorf("--forward %q: want the URL of rectify serve's events, such as http://127.0.0.1:8080/events", u)
				}
			}
			var fixture *awssim.Fixture
			if seed != "" {
				if fixture, err = awssim.LoadFixture(seed); err != nil {
					return err
				}
			}

			sim := awssim.New(awssim.Options{GlueReadyDelay: glueDelay, Logger: log})
			if state != "" {
				if err := sim.LoadState(state); err != nil {
					return err
				}
			}
			if err := sim.Listen(addr); err != nil {
				return listenError(addr, err)
			}
			if fixture != nil {
				if err := sim.Seed(ctx, fixture); err != nil {
					sim.Close()
					return err
				}
			}
			for _, a := range accounts {
				sim.AddAccount(a)
			}
			if awsLimits > 0 {
				sim.SetAWSLikeLimits(awsLimits)
			}
			if err := sim.CheckFaults(rules); err != nil {
				sim.Close()
				return fmt.Errorf("--fault: %w", err)
			}
			sim.SetFaults(rules)

			var dests []awssim.Destination
			if len(forward) > 0 {
				secret, err := sandboxSecret(cmd)
				if err != nil {
					sim.Close()
					return err
				}
				for _, u := range forward {
					dests = append(dests, &awssim.HTTPDestination{URL: u, Secret: secret})
				}
			}
			var file *awssim.FileDestination
			if eventsFile != "" {
				file = &awssim.FileDestination{Path: eventsFile}
				dests = append(dests, file)
			}
			stopForward := func() {}
			if len(dests) > 0 {
				stopForward = sim.Forward(ctx, log, dests...)
			}

			env := sandboxEnv(sim, accounts)
			if envFile != "" {
				if err := writeFileAtomic(envFile, []byte(env)); err != nil {
					sim.Close()
					return err
				}
			}
			out := cmd.OutOrStdout()
			fmt.Fprint(out, env)
			if f, ok := out.(*os.File); ok && !term.IsTerminal(int(f.Fd())) {
				// The reader of a pipe ($(...)) sees its end.
				_ = f.Close()
			}
			attrs := []any{"url", sim.URL, "account", sim.Account(), "region", sim.Region()}
			if n := len(sim.Faults()); n > 0 {
				attrs = append(attrs, "faults", n)
			}
			if len(forward) > 0 {
				attrs = append(attrs, "forward", forward)
			}
			if eventsFile != "" {
				attrs = append(attrs, "events", eventsFile)
			}
			log.Info("AWS simulator serving", attrs...)

			err = sim.Wait(ctx)
			stopForward()
			if file != nil {
				if cerr := file.Close(); cerr != nil && err == nil {
					err = cerr
				}
			}
			if err != nil {
				return err
			}
			if state != "" {
				if err := sim.SaveState(state); err != nil {
					return err
				}
				log.Info("simulator state saved", "file", state)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:4566", "listen address; 127.0.0.1:0 picks a free port")
	f.StringVar(&state, "state", "", "load state from FILE at start and save it there on shutdown")
	f.StringVar(&seed, "seed", "", "apply the JSON or YAML fixture FILE at start")
	f.StringArrayVar(&accounts, "account", nil, "create this account at start (repeatable)")
	f.StringArrayVar(&forward, "forward", nil, "POST every event to this rectify serve URL, such as http://127.0.0.1:8080/events (repeatable)")
	f.StringVar(&eventsFile, "events", "", "append every event to FILE as JSON Lines")
	f.StringVar(&envFile, "env-file", "", "also write the export lines to FILE")
	f.StringArrayVar(&faults, "fault", nil, "inject a fault: SERVICE[:OPERATION]=SETTING[,SETTING...] (repeatable)")
	f.DurationVar(&awsLimits, "aws-limits", 0, "install AWS's API rate limits, with this latency on every call (such as 20ms)")
	f.DurationVar(&glueDelay, "glue-ready-delay", 2*time.Minute, "how long new Glue dev endpoints stay PROVISIONING")
	_ = cmd.MarkFlagFilename("state", "json")
	_ = cmd.MarkFlagFilename("seed", "json", "yaml", "yml")
	_ = cmd.MarkFlagFilename("events", "jsonl")
	return cmd
}

// listenError explains a failure to listen, pointing at --addr.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w; another program holds %s (LocalStack uses port 4566): choose another address with --addr HOST:PORT, or --addr 127.0.0.1:0 for a free port", err, addr)
	}
	return fmt.Errorf("%w; choose another address with --addr HOST:PORT, or --addr 127.0.0.1:0 for a free port", err)
}

// sandboxSecret returns the shared secret rectify serve requires, from the
// variable the configuration names (RECTIFY_SHARED_SECRET by default).
func sandboxSecret(cmd *cobra.Command) (string, error) {
	cfg, err := loadConfigToRead(cmd)
	if err != nil {
		return "", err
	}
	return os.Getenv(cfg.Serve.SecretEnv), nil
}

// sandboxEnv returns the export lines for the default account, the
// sandbox's process ID, and a comment with the keys of each other account.
func sandboxEnv(sim *awssim.Server, accounts []string) string {
	var b strings.Builder
	b.WriteString(sim.ShellEnv())
	b.WriteString("export RECTIFY_SANDBOX_PID=" + strconv.Itoa(os.Getpid()) + "\n")
	for _, a := range accounts {
		if a == sim.Account() {
			continue
		}
		id, secret := sim.AdminKeys(a)
		fmt.Fprintf(&b, "# account %s: AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n", a, id, secret)
	}
	return b.String()
}

// writeFileAtomic writes data to a new file beside path and renames it
// into place, so that a reader sees all of it or nothing.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// indentLines puts prefix before every line of s.
func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
