// Package demo shows rectify at work with no AWS account and no setup: it
// starts the AWS simulator in-process, builds a small organization (a
// central security account running rectify and a member account with
// problems), delivers the events AWS would send, and reports what rectify
// did, as the simulator's state shows it.
//
// Each scenario stages its "before" state through the AWS SDK, produces its
// event, optionally goes on with a second phase (simulated time passing
// while a run waits, a person approving a plan), and describes the "after"
// state, so the demo grows with the built-in playbooks. The report closes
// with a table of every scenario's playbook, mode, outcome and time.
package demo

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/config"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/permission"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

//go:embed events/*.json
var events embed.FS

// event returns an embedded sample event with replacements (old, new, ...)
// and a new event ID, so that rectify, which ignores an event ID it has
// seen, handles it even when the demo keeps its state in a file used
// before.
func event(name string, replace ...string) ([]byte, error) {
	b, err := events.ReadFile("events/" + name)
	if err != nil {
		return nil, err
	}
	var ev map[string]json.RawMessage
	if err := json.Unmarshal([]byte(strings.NewReplacer(replace...).Replace(string(b))), &ev); err != nil {
		return nil, fmt.Errorf("event %s: %w", name, err)
	}
	var u [16]byte
	rand.Read(u[:])
	u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80
	ev["id"], _ = json.Marshal(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]))
	return json.Marshal(ev)
}

// Member is the member account the demo's problems are in.
const Member = "444455556666"

// Org is the simulated organization a scenario works in.
type Org struct {
	Sim *awssim.Server
	// Topic is the security team's SNS topic in the central account.
	Topic string
	// users holds the SDK configurations of the member account's IAM
	// users, by name.
	users map[string]aws.Config
}

// Scenario is one thing going wrong in the member account and rectify
// fixing it.
type Scenario struct {
	// Name is a short title.
	Name string
	// Stage creates the "before" state and returns the event AWS would
	// deliver, and a description of the state before.
	Stage func(ctx context.Context, org *Org) (event []byte, before string, err error)
	// Then, if set, is a second phase once the event is handled, such as
	// time passing while a run waits or a person approving a plan. It acts
	// on the runs the event started and says what happened.
	Then func(ctx context.Context, org *Org, a *app.App, res *engine.Result) (string, error)
	// After describes the state after rectify handled the event.
	After func(ctx context.Context, org *Org) (string, error)
}

// outcome is one line of the closing summary.
type outcome struct {
	scenario, playbook, mode, result string
	elapsed                          time.Duration
	// brief is the scenario's line in the short report.
	brief string
}

// Options configure a demo run.
type Options struct {
	// DB is the SQLite file; empty means a new one in a temporary
	// directory, removed at the end.
	DB string
	// Logger receives rectify's log; nil discards it.
	Logger *slog.Logger
	// Verbose reports everything: each scenario's state before and
	// after, its runs with their steps and audit trails, and the
	// notifications sent. Otherwise the report has one line per scenario
	// and the summary.
	Verbose bool
	// DryRun runs rectify with the global dry run: every playbook plans
	// and nothing is changed.
	DryRun bool
	// Sim, if set, is the simulator to use, listening; the caller owns
	// it. Nil means a new one, closed at the end.
	Sim *awssim.Server
}

// Scenarios returns the demo's scenarios in the order they run.
func Scenarios() []Scenario {
	return []Scenario{
		exposedKeyScenario(),
		securityGroupScenario(),
		internetGatewayScenario(),
		bucketPolicyScenario(),
		configBucketScenario(),
		glueEndpointScenario(),
		credentialExfiltrationScenario(),
		compromisedInstanceScenario(),
		externalAccessScenario(),
		securityHubSSHScenario(),
	}
}

// Run runs every scenario and writes the report to w.
func Run(ctx context.Context, w io.Writer, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sim := opts.Sim
	if sim == nil {
		// A new seed each time: the simulator's identifiers, and so the
		// IDs of the events it emits, differ from those of an earlier
		// demo whose state is kept in opts.DB.
		sim = awssim.New(awssim.Options{Logger: log, Seed: uint64(time.Now().UnixNano())})
		if err := sim.Listen("127.0.0.1:0"); err != nil {
			return err
		}
		defer sim.Close()
	}
	org := &Org{Sim: sim, users: map[string]aws.Config{}}

	db := opts.DB
	if db == "" {
		dir, err := os.MkdirTemp("", "rectify-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer os.RemoveAll(dir)
		db = filepath.Join(dir, "rectify.db")
	}
	if err := org.setup(ctx); err != nil {
		return fmt.Errorf("demo: set up the organization: %w", err)
	}
	a, err := org.rectify(ctx, db, opts.DryRun, log)
	if err != nil {
		return fmt.Errorf("demo: start rectify: %w", err)
	}
	defer a.Close()

	// detail receives what only the verbose report shows.
	detail := io.Discard
	if opts.Verbose {
		detail = w
	}
	fmt.Fprintf(w, "rectify demo\n============\n\n")
	fmt.Fprintf(w, "AWS simulator at %s: central security account %s runs rectify;\n", sim.URL, sim.Account())
	fmt.Fprintf(w, "member account %s trusts it through the role rectify-remediation (ExternalId), whose policy\n", Member)
	fmt.Fprintf(w, "allows the permissions the built-in actions declare, and nothing else.\n")
	if opts.DryRun {
		fmt.Fprintf(w, "Dry run: every playbook plans what it would do, and nothing is changed.\n")
	}
	if opts.DB != "" {
		fmt.Fprintf(detail, "State: %s. ", db)
	}
	fmt.Fprintf(detail, "Playbooks enabled: %s.\n", strings.Join(a.Engine.Playbooks(), ", "))
	if !opts.Verbose {
		fmt.Fprintln(w)
	}

	var summary []outcome
	for i, sc := range Scenarios() {
		fmt.Fprintf(detail, "\n%d. %s\n%s\n", i+1, sc.Name, strings.Repeat("-", len(sc.Name)+3))
		out, err := org.play(ctx, detail, a, sc)
		if err != nil {
			return fmt.Errorf("demo: %s: %w", sc.Name, err)
		}
		out.scenario = fmt.Sprintf("%d", i+1)
		if !opts.Verbose {
			fmt.Fprintf(w, "%2d. %s: %s\n", i+1, sc.Name, out.brief)
		}
		summary = append(summary, out)
	}
	writeSummary(w, summary)
	fmt.Fprintln(w)
	if opts.DB != "" {
		fmt.Fprintf(w, "Every decision is in the audit trail: rectify runs --db %s, then rectify runs show RUN_ID --db %s.\n", db, db)
	} else {
		fmt.Fprintf(w, "rectify's state was in a temporary database, now removed: rectify demo --db demo.db keeps it,\n")
		fmt.Fprintf(w, "for rectify runs --db demo.db and rectify runs show RUN_ID --db demo.db to read.\n")
	}
	if !opts.Verbose {
		fmt.Fprintf(w, "rectify demo -v shows each scenario in full: its runs, steps, notifications and audit trail.\n")
	}
	return nil
}

// setup creates the organization's common parts.
func (o *Org) setup(ctx context.Context) error {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
		o.Sim.Account() + `:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"demo-external-id"}}}]}`
	memberIAM := iam.NewFromConfig(o.Sim.Config(Member))
	if _, err := memberIAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("rectify-remediation"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		return err
	}
	policy, err := remediationPolicy()
	if err != nil {
		return err
	}
	if _, err := memberIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("rectify-remediation"),
		PolicyName: aws.String("rectify"), PolicyDocument: aws.String(policy.JSON())}); err != nil {
		return fmt.Errorf("policy of the remediation role: %w", err)
	}
	out, err := sns.NewFromConfig(o.Sim.Config("")).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("security-team")})
	if err != nil {
		return err
	}
	o.Topic = aws.ToString(out.TopicArn)
	return nil
}

// remediationPolicy is the identity policy of the member account's
// remediation role: every permission the built-in actions declare, as
// rectify derives it.
func remediationPolicy() (permission.Policy, error) {
	reg, err := action.Builtin()
	if err != nil {
		return permission.Policy{}, err
	}
	perms, err := reg.Permissions()
	if err != nil {
		return permission.Policy{}, err
	}
	return permission.Document(perms)
}

// rectify assembles rectify for the organization.
func (o *Org) rectify(ctx context.Context, db string, dryRun bool, log *slog.Logger) (*app.App, error) {
	yml := fmt.Sprintf(`
store: {path: %q}
aws:
  role_name: rectify-remediation
  external_id: demo-external-id
notify:
  channels:
    security: {type: sns, topic_arn: %q}
  security_team: security
`, db, o.Topic)
	cfg, err := config.Parse("demo.yaml", []byte(yml))
	if err != nil {
		return nil, err
	}
	awsCfg := o.Sim.Config("")
	return app.New(ctx, cfg, app.Options{AWS: &awsCfg, Builtin: catalog.FS(), Clock: o.Sim.Now, Logger: log, DryRun: dryRun})
}

// play runs one scenario, writes its full report to w and returns its
// line of the summary.
func (o *Org) play(ctx context.Context, w io.Writer, a *app.App, sc Scenario) (outcome, error) {
	var out outcome
	event, before, err := sc.Stage(ctx, o)
	if err != nil {
		return out, fmt.Errorf("stage: %w", err)
	}
	fmt.Fprintf(w, "Before: %s\n", before)
	sent := len(o.Sim.SNSMessages(o.Topic))
	start := time.Now()
	res, err := a.Engine.Handle(ctx, event)
	if err != nil {
		return out, err
	}
	out.elapsed = time.Since(start)
	fmt.Fprintf(w, "Event %s: %s\n", res.EventID, res.Status)
	for _, r := range res.Runs {
		if err := o.printRun(ctx, w, a, r, sc.Then == nil); err != nil {
			return out, err
		}
	}
	if sc.Then != nil {
		start := time.Now()
		then, err := sc.Then(ctx, o, a, res)
		if err != nil {
			return out, fmt.Errorf("then: %w", err)
		}
		out.elapsed += time.Since(start)
		fmt.Fprintf(w, "Then: %s\n", then)
		// A run the second phase moved on is shown again; the audit
		// trail of every run comes last.
		for _, r := range res.Runs {
			changed := false
			if r.RunID != "" {
				run, err := a.Store.GetRun(ctx, r.RunID)
				if err != nil {
					return out, err
				}
				changed = run.Status != r.Status
				r.Status = run.Status
			}
			if changed {
				if err := o.printRun(ctx, w, a, r, true); err != nil {
					return out, err
				}
			} else if err := o.printAudit(ctx, w, a, r); err != nil {
				return out, err
			}
		}
	}
	fmt.Fprintf(w, "Handled in %s (AWS calls included).\n", out.elapsed.Round(time.Millisecond))
	after, err := sc.After(ctx, o)
	if err != nil {
		return out, fmt.Errorf("after: %w", err)
	}
	fmt.Fprintf(w, "After: %s\n", after)
	for _, m := range o.Sim.SNSMessages(o.Topic)[sent:] {
		fmt.Fprintf(w, "\nNotification to the security team (SNS %s):\n  Subject: %s\n%s\n", o.Topic, m.Subject, indent(m.Message, "  | "))
	}
	if err := o.summarize(ctx, a, res, &out); err != nil {
		return out, err
	}
	out.brief = after
	if plans := o.plans(ctx, a, res); plans != "" {
		out.brief = "planned, nothing changed: " + plans
	}
	return out, nil
}

// plans describes the steps the dry-run runs of an event planned, or "".
func (o *Org) plans(ctx context.Context, a *app.App, res *engine.Result) string {
	var parts []string
	for _, r := range res.Runs {
		if r.RunID == "" || r.Mode != playbook.DryRun {
			continue
		}
		steps, err := a.Store.Steps(ctx, r.RunID)
		if err != nil {
			continue
		}
		for _, s := range steps {
			if s.Message != "" {
				parts = append(parts, s.Message)
			}
		}
	}
	return strings.Join(parts, "; ")
}

// summarize fills in the playbooks, modes and final run statuses of an
// event's result.
func (o *Org) summarize(ctx context.Context, a *app.App, res *engine.Result, out *outcome) error {
	var pbs, modes, results []string
	for _, r := range res.Runs {
		pbs = append(pbs, r.PlaybookID)
		if r.RunID == "" {
			modes = append(modes, "-")
			results = append(results, "skipped")
			continue
		}
		run, err := a.Store.GetRun(ctx, r.RunID)
		if err != nil {
			return err
		}
		modes = append(modes, r.Mode.String())
		results = append(results, string(run.Status))
	}
	if len(pbs) == 0 {
		pbs, modes, results = []string{"-"}, []string{"-"}, []string{string(res.Status)}
	}
	out.playbook, out.mode, out.result = strings.Join(pbs, ", "), strings.Join(modes, ", "), strings.Join(results, ", ")
	return nil
}

// writeSummary writes the closing table of the scenarios.
func writeSummary(w io.Writer, rows []outcome) {
	fmt.Fprintf(w, "\nSummary\n=======\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "#\tplaybook\tmode\toutcome\ttime\n")
	var total time.Duration
	for _, r := range rows {
		total += r.elapsed
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.scenario, r.playbook, r.mode, r.result, r.elapsed.Round(time.Millisecond))
	}
	fmt.Fprintf(tw, "\t\t\t\t%s\n", total.Round(time.Millisecond))
	tw.Flush()
}

// user returns an SDK configuration of the member account's IAM user
// name, with an access key of its own, creating the user (allowed every
// action) the first time.
func (o *Org) user(ctx context.Context, name string) (aws.Config, error) {
	if cfg, ok := o.users[name]; ok {
		return cfg, nil
	}
	cli := iam.NewFromConfig(o.Sim.Config(Member))
	if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		return aws.Config{}, fmt.Errorf("create user %s: %w", name, err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	if _, err := cli.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("administrator"),
		PolicyDocument: aws.String(policy)}); err != nil {
		return aws.Config{}, fmt.Errorf("policy of user %s: %w", name, err)
	}
	k, err := cli.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return aws.Config{}, fmt.Errorf("access key of user %s: %w", name, err)
	}
	cfg := o.Sim.ConfigFor(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
	o.users[name] = cfg
	return cfg, nil
}

// trailEvent returns the "AWS API Call via CloudTrail" event EventBridge
// delivers for the latest call named eventName in the member account's
// activity log in the default region whose caller's ARN ends with
// caller, such as "user/alice".
func (o *Org) trailEvent(eventName, caller string) ([]byte, error) {
	recs := o.Sim.Trail(Member, o.Sim.Region())
	for i := len(recs) - 1; i >= 0; i-- {
		if r := recs[i]; r.EventName == eventName && strings.HasSuffix(r.UserIdentity.ARN, caller) {
			return o.Sim.EventFor(r), nil
		}
	}
	return nil, fmt.Errorf("no %s call by %s in the activity log of %s", eventName, caller, Member)
}

// printRun writes a run's steps and, with audit, its audit trail.
func (o *Org) printRun(ctx context.Context, w io.Writer, a *app.App, r engine.RunResult, audit bool) error {
	if r.RunID == "" {
		fmt.Fprintf(w, "  playbook %s: skipped: %s\n", r.PlaybookID, r.Skipped)
		return nil
	}
	fmt.Fprintf(w, "  playbook %s, run %s (mode %s): %s\n", r.PlaybookID, r.RunID, r.Mode, r.Status)
	steps, err := a.Store.Steps(ctx, r.RunID)
	if err != nil {
		return err
	}
	for _, s := range steps {
		fmt.Fprintf(w, "    step %-20s %-34s %-12s %s\n", s.Name, s.Action, s.Status, s.Message)
	}
	if !audit {
		return nil
	}
	return o.printAudit(ctx, w, a, r)
}

// printAudit writes a run's audit trail.
func (o *Org) printAudit(ctx context.Context, w io.Writer, a *app.App, r engine.RunResult) error {
	if r.RunID == "" {
		return nil
	}
	entries, err := a.Store.Audit(ctx, store.AuditFilter{RunID: r.RunID})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  audit trail of run %s:\n", r.RunID)
	for _, e := range entries {
		fmt.Fprintf(w, "    %s  %-10s %s\n", e.Time.Format("15:04:05.000"), e.Kind, e.Message)
	}
	return nil
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
