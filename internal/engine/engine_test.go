package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/cloud"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/notify"
	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/permission"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
	"github.com/rectify-dev/rectify/internal/store/sqlite"
)

const member = "444455556666"

// keyPlaybook deactivates and deletes the exposed key named by a Trusted
// Advisor event; it uses only IAM so the engine is tested on its own.
const keyPlaybook = `
id: test-exposed-key
title: Remove an exposed access key
trigger:
  source: [aws.trustedadvisor]
  detail-type: [Trusted Advisor Check Item Refresh Notification]
  detail:
    check-name: [Exposed Access Keys]
    status: [{anything-but: OK}]
params:
  delete_key: true
steps:
  - id: deactivate
    action: iam.deactivate-access-key
    with:
      user_name: ${target.attributes.userName}
      access_key_id: ${target.id}
  - id: delete
    action: iam.delete-access-key
    if: params.delete_key
    with:
      user_name: ${target.attributes.userName}
      access_key_id: ${target.id}
notify:
  to: [security-team]
`

// recorder is a notify.Notifier keeping what it was sent.
type recorder struct {
	mu   sync.Mutex
	msgs []notify.Message
	// panicFirst makes the next call panic, as a process killed mid-way.
	panicFirst bool
}

func (r *recorder) Name() string { return "recorder" }

func (r *recorder) Notify(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.panicFirst {
		r.panicFirst = false
		panic("killed")
	}
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

type env struct {
	t     *testing.T
	sim   *awssim.Server
	store store.Store
	path  string
	rec   *recorder
	opts  func(*engine.Options)
	cloud cloud.Options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := awssim.Start(t)
	path := filepath.Join(t.TempDir(), "rectify.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The SDK retries with backoff of a millisecond, so that tests of
	// throttling do not sleep.
	return &env{t: t, sim: sim, store: st, path: path, rec: &recorder{}, cloud: cloud.Options{MaxBackoff: time.Millisecond}}
}

func (e *env) engine(pbYAML string, mod func(*engine.Options)) *engine.Engine {
	e.t.Helper()
	reg, err := action.Builtin()
	if err != nil {
		e.t.Fatal(err)
	}
	return e.engineWith(reg, pbYAML, mod)
}

// engineWith is engine with the actions of reg.
func (e *env) engineWith(reg *action.Registry, pbYAML string, mod func(*engine.Options)) *engine.Engine {
	e.t.Helper()
	ctx := context.Background()
	pbs, err := playbook.Parse("test.yaml", []byte(pbYAML), playbook.Options{Registry: reg, ValidateTrigger: func(p []byte) error {
		_, err := pattern.Compile(p)
		return err
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	prov, err := cloud.New(ctx, e.sim.Config(""), e.cloud)
	if err != nil {
		e.t.Fatal(err)
	}
	router, err := notify.NewRouter(notify.RouterOptions{Channels: map[string]notify.Notifier{"security-team": e.rec}})
	if err != nil {
		e.t.Fatal(err)
	}
	opts := engine.Options{Store: e.store, Playbooks: pbs, Cloud: prov, Notifier: router, Clock: e.sim.Now,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	if mod != nil {
		mod(&opts)
	}
	eng, err := engine.New(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return eng
}

// exposedKey creates user ci-deployer with a key in account and returns the
// Trusted Advisor event naming that key.
func (e *env) exposedKey(account string) (event []byte, keyID string) {
	e.t.Helper()
	ctx := context.Background()
	cli := iam.NewFromConfig(e.sim.Config(account))
	if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci-deployer")}); err != nil {
		e.t.Fatal(err)
	}
	k, err := cli.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci-deployer")})
	if err != nil {
		e.t.Fatal(err)
	}
	keyID = aws.ToString(k.AccessKey.AccessKeyId)
	raw, err := os.ReadFile(filepath.Join("testdata", "ta-exposed-access-keys.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	s := strings.ReplaceAll(string(raw), "AKIAIOSFODNN7EXAMPLE", keyID)
	s = strings.ReplaceAll(s, `"444455556666"`, `"`+account+`"`)
	return []byte(s), keyID
}

func (e *env) keys(account string) []iamtypes.AccessKeyMetadata {
	e.t.Helper()
	out, err := iam.NewFromConfig(e.sim.Config(account)).ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String("ci-deployer")})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.AccessKeyMetadata
}

func (e *env) countCalls(account, op string) int {
	n := 0
	for _, r := range e.sim.Trail(account, "us-east-1") {
		if r.EventName == op {
			n++
		}
	}
	return n
}

func TestExposedKeyInOwnAccount(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(keyPlaybook, nil)
	ev, _ := e.exposedKey(awssim.DefaultAccount)

	res, err := eng.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != store.EventMatched || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, want one succeeded run", res)
	}
	if ks := e.keys(awssim.DefaultAccount); len(ks) != 0 {
		t.Errorf("keys after remediation = %+v, want none", ks)
	}
	steps, err := e.store.Steps(ctx, res.Runs[0].RunID)
	if err != nil || len(steps) != 3 || steps[0].Status != store.StepSucceeded || steps[1].Status != store.StepSucceeded ||
		steps[2].Name != "notify" || steps[2].Status != store.StepSucceeded {
		t.Errorf("steps = %+v, %v; want deactivate, delete and notify succeeded", steps, err)
	}
	if e.rec.count() != 1 {
		t.Errorf("notifications = %d, want 1", e.rec.count())
	}

	// A redelivery of the same event changes nothing and notifies no one.
	res2, err := eng.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Status != store.EventDuplicate || !res2.Runs[0].Duplicate || res2.Runs[0].RunID != res.Runs[0].RunID {
		t.Errorf("redelivery result = %+v, want duplicate of run %s", res2, res.Runs[0].RunID)
	}
	if e.rec.count() != 1 || e.countCalls(awssim.DefaultAccount, "DeleteAccessKey") != 1 {
		t.Errorf("redelivery acted again: %d notifications, %d deletes", e.rec.count(), e.countCalls(awssim.DefaultAccount, "DeleteAccessKey"))
	}
	audit, err := e.store.Audit(ctx, store.AuditFilter{RunID: res.Runs[0].RunID})
	if err != nil || len(audit) < 4 {
		t.Errorf("audit of the run = %+v, %v; want matched, started, steps, notified, succeeded", audit, err)
	}
}

func TestExposedKeyInMemberAccountAssumesRole(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awssim.DefaultAccount +
		`:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}]}`
	memberIAM := iam.NewFromConfig(e.sim.Config(member))
	if _, err := memberIAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("rectify-remediation"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	// The role may do exactly what the playbook's actions declare.
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	perms, err := reg.Permissions("iam.deactivate-access-key", "iam.delete-access-key")
	if err != nil {
		t.Fatal(err)
	}
	policy, err := permission.Document(perms)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := memberIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("rectify-remediation"),
		PolicyName: aws.String("rectify"), PolicyDocument: aws.String(policy.JSON())}); err != nil {
		t.Fatal(err)
	}
	e.cloud = cloud.Options{RoleName: "rectify-remediation", ExternalID: "ext-123", MaxBackoff: time.Millisecond}
	eng := e.engine(keyPlaybook, nil)
	ev, _ := e.exposedKey(member)
	res, err := eng.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("run = %+v", res.Runs[0])
	}
	if ks := e.keys(member); len(ks) != 0 {
		t.Errorf("member keys = %+v, want none", ks)
	}
	for _, r := range e.sim.Trail(member, "us-east-1") {
		if r.EventName == "DeleteAccessKey" {
			if r.UserIdentity.Type != "AssumedRole" || !strings.Contains(r.UserIdentity.ARN, "assumed-role/rectify-remediation/rectify-") {
				t.Errorf("delete made by %s, want rectify's assumed-role session", r.UserIdentity.ARN)
			}
			return
		}
	}
	t.Error("no DeleteAccessKey in the member account's trail")
}

func TestDryRunAndPlanChangeNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ev, _ := e.exposedKey(awssim.DefaultAccount)

	eng := e.engine(keyPlaybook, nil)
	before, _ := e.store.ListEvents(ctx, store.EventFilter{})
	res, plans, err := eng.Plan(ctx, ev)
	if err != nil || res.Status != store.EventMatched || len(plans) != 1 || len(plans[0].Steps) != 2 {
		t.Fatalf("plan = %+v %+v %v", res, plans, err)
	}
	if !strings.Contains(plans[0].Steps[1].Description, "delete access key") {
		t.Errorf("plan step = %+v", plans[0].Steps[1])
	}
	after, _ := e.store.ListEvents(ctx, store.EventFilter{})
	if len(after) != len(before) {
		t.Errorf("plan recorded an event")
	}

	dry := e.engine(keyPlaybook, func(o *engine.Options) { o.DryRun = true })
	res, err = dry.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs[0].Status != store.RunPlanned {
		t.Errorf("dry-run status = %s, want planned", res.Runs[0].Status)
	}
	if ks := e.keys(awssim.DefaultAccount); len(ks) != 1 || ks[0].Status != iamtypes.StatusTypeActive {
		t.Errorf("dry-run changed the key: %+v", ks)
	}
	steps, _ := e.store.Steps(ctx, res.Runs[0].RunID)
	if len(steps) != 2 || steps[0].Status != store.StepPlanned {
		t.Errorf("dry-run steps = %+v, want planned", steps)
	}
}

func TestMalformedEventIsRejectedAndRecorded(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(keyPlaybook, nil)
	for _, raw := range []string{`{"version":"0",`, `{"id":"x"}`, `[]`} {
		res, err := eng.Handle(ctx, []byte(raw))
		if !errors.Is(err, engine.ErrRejected) || res.Status != store.EventRejected {
			t.Errorf("Handle(%s) = %+v, %v; want rejected", raw, res, err)
		}
	}
	recs, err := e.store.ListEvents(ctx, store.EventFilter{Statuses: []store.EventStatus{store.EventRejected}})
	if err != nil || len(recs) != 3 {
		t.Fatalf("rejected events recorded = %d, %v; want 3", len(recs), err)
	}
	for _, r := range recs {
		if r.Reason == "" || len(r.Raw) == 0 {
			t.Errorf("rejected record lacks reason or bytes: %+v", r)
		}
	}
}

func TestThrottledIAMIsRetried(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.cloud = cloud.Options{MaxBackoff: time.Millisecond}
	eng := e.engine(keyPlaybook, nil)
	ev, _ := e.exposedKey(awssim.DefaultAccount)
	e.sim.SetFault("iam", "DeleteAccessKey", awssim.Fault{ThrottleRate: 1, Times: 3})
	res, err := eng.Handle(ctx, ev)
	if err != nil || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("run under throttling = %+v, %v", res, err)
	}
	if ks := e.keys(awssim.DefaultAccount); len(ks) != 0 {
		t.Errorf("keys = %+v, want none", ks)
	}
}

func TestCrashBeforeNotificationResumesAndNotifiesOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ev, _ := e.exposedKey(awssim.DefaultAccount)
	e.rec.panicFirst = true
	first := e.engine(keyPlaybook, func(o *engine.Options) { o.Owner = "first" })
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the first process was not killed")
			}
		}()
		eng := first
		eng.Handle(ctx, ev)
	}()
	if ks := e.keys(awssim.DefaultAccount); len(ks) != 0 {
		t.Fatalf("the key was not deleted before the crash: %+v", ks)
	}
	if e.rec.count() != 0 {
		t.Fatalf("notified before the crash")
	}

	// A new process on the same database, after the lease has expired.
	st2, err := sqlite.Open(ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	e.store = st2
	e.sim.Advance(10 * time.Minute)
	second := e.engine(keyPlaybook, func(o *engine.Options) { o.Owner = "second" })
	n, err := second.Resume(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Resume = %d, %v; want 1 run resumed", n, err)
	}
	if e.rec.count() != 1 {
		t.Errorf("notifications after resume = %d, want 1", e.rec.count())
	}
	if n, _ := second.Resume(ctx); n != 0 || e.rec.count() != 1 {
		t.Errorf("second Resume executed %d runs, %d notifications; want 0 and 1", n, e.rec.count())
	}
	if got := e.countCalls(awssim.DefaultAccount, "DeleteAccessKey"); got != 1 {
		t.Errorf("DeleteAccessKey called %d times, want 1", got)
	}
	runs, _ := st2.ListRuns(ctx, store.RunFilter{})
	if len(runs) != 1 || runs[0].Status != store.RunSucceeded || !runs[0].Notified {
		t.Errorf("runs = %+v", runs)
	}
}

const userPlaybook = `
id: test-new-user
title: Look at new IAM users
trigger:
  source: [aws.iam]
  detail-type: [AWS API Call via CloudTrail]
  detail: {eventName: [CreateUser]}
mode: dry-run
steps:
  - action: iam.delete-access-key
    with: {user_name: "${detail.requestParameters.userName}", access_key_id: AKIAEXAMPLE}
`

func TestOwnSessionsDoNotTrigger(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(userPlaybook, nil)
	event := func(id, arn string) []byte {
		return []byte(`{"version":"0","id":"` + id + `","detail-type":"AWS API Call via CloudTrail","source":"aws.iam",
"account":"444455556666","time":"2026-11-20T11:02:33Z","region":"us-east-1","resources":[],
"detail":{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"` + arn + `","accountId":"444455556666"},
"eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","requestParameters":{"userName":"mallory"},
"recipientAccountId":"444455556666"}}`)
	}
	tests := []struct {
		arn  string
		want store.EventStatus
	}{
		{"arn:aws:sts::444455556666:assumed-role/rectify-remediation/rectify-01JABCDEF", store.EventIgnored},
		{"arn:aws:sts::444455556666:assumed-role/Admin/alice", store.EventMatched},
		{"arn:aws:sts::444455556666:assumed-role/rectify-remediation/rectifyish", store.EventMatched},
	}
	for i, tt := range tests {
		res, err := eng.Handle(ctx, event(fmt.Sprintf("ev-%d", i), tt.arn))
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != tt.want {
			t.Errorf("caller %s: status %s, want %s", tt.arn, res.Status, tt.want)
		}
		recs, _ := e.store.ListEvents(ctx, store.EventFilter{ID: fmt.Sprintf("ev-%d", i)})
		if len(recs) != 1 || recs[0].Status != tt.want || (tt.want == store.EventIgnored && !strings.Contains(recs[0].Reason, "loop guard")) {
			t.Errorf("caller %s: recorded %+v", tt.arn, recs)
		}
	}
}

func TestRunsThatChangeNothingAreNotNotified(t *testing.T) {
	ctx := context.Background()
	for _, always := range []bool{false, true} {
		e := newEnv(t)
		pb := keyPlaybook
		if always {
			pb = strings.Replace(pb, "  to: [security-team]", "  to: [security-team]\n  always: true", 1)
		}
		eng := e.engine(pb, func(o *engine.Options) {
			o.Settings = map[string]engine.Setting{"test-exposed-key": {Params: map[string]any{"delete_key": false}}}
		})
		ev, key := e.exposedKey(awssim.DefaultAccount)
		// The key is already inactive and is not to be deleted: nothing
		// needs changing.
		if _, err := iam.NewFromConfig(e.sim.Config("")).UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{
			UserName: aws.String("ci-deployer"), AccessKeyId: aws.String(key), Status: iamtypes.StatusTypeInactive}); err != nil {
			t.Fatal(err)
		}
		res, err := eng.Handle(ctx, ev)
		if err != nil || res.Runs[0].Status != store.RunSucceeded {
			t.Fatalf("always=%v: %+v, %v", always, res, err)
		}
		want := 0
		if always {
			want = 1
		}
		if got := e.rec.count(); got != want {
			t.Errorf("always=%v: %d notifications, want %d", always, got, want)
		}
		audit, _ := e.store.Audit(ctx, store.AuditFilter{RunID: res.Runs[0].RunID, Kinds: []store.AuditKind{store.AuditNotified}})
		if len(audit) != 1 {
			t.Errorf("always=%v: notification decisions in the audit = %+v, want one", always, audit)
		}
	}
}

func TestShutdownDuringAStepLeavesTheRunToResume(t *testing.T) {
	e := newEnv(t)
	eng := e.engine(keyPlaybook, nil)
	ev, _ := e.exposedKey(awssim.DefaultAccount)
	e.sim.SetFault("iam", "DeleteAccessKey", awssim.Fault{Latency: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := eng.Handle(ctx, ev); err == nil {
		t.Fatal("Handle returned no error although it was interrupted")
	}
	runs, err := e.store.ListRuns(context.Background(), store.RunFilter{})
	if err != nil || len(runs) != 1 || runs[0].Status != store.RunRunning || runs[0].NextStep != 1 {
		t.Fatalf("after the interruption runs = %+v, %v; want one running at step 1", runs, err)
	}
	e.sim.ClearFaults()
	n, err := eng.Resume(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Resume = %d, %v", n, err)
	}
	run, _ := e.store.GetRun(context.Background(), runs[0].ID)
	if run.Status != store.RunSucceeded || len(e.keys(awssim.DefaultAccount)) != 0 {
		t.Errorf("resumed run = %s, keys %v", run.Status, e.keys(awssim.DefaultAccount))
	}
}
