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
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/router"
	"github.com/rectify-dev/rectify/internal/store"
)

// userKey creates IAM user name with an access key in the default account
// and returns the Trusted Advisor event (with an id of its own) naming it.
func (e *env) userKey(name string) (event []byte, keyID string) {
	e.t.Helper()
	ctx := context.Background()
	cli := iam.NewFromConfig(e.sim.Config(""))
	if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
	k, err := cli.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	keyID = aws.ToString(k.AccessKey.AccessKeyId)
	return e.keyEvent(name, keyID), keyID
}

// keyEvent is the Trusted Advisor event naming user's key keyID, with an
// event id made from both.
func (e *env) keyEvent(user, keyID string) []byte {
	e.t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "ta-exposed-access-keys.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	s := strings.ReplaceAll(string(raw), "AKIAIOSFODNN7EXAMPLE", keyID)
	s = strings.ReplaceAll(s, `"ci-deployer"`, `"`+user+`"`)
	s = strings.Replace(s, "1234abcd-ab12-123a-123a-1234567890ab", "ev-"+user+"-"+keyID, 1)
	s = strings.ReplaceAll(s, `"444455556666"`, `"`+awssim.DefaultAccount+`"`)
	return []byte(s)
}

// keyStatus returns the status of user's key keyID, or "gone".
func (e *env) keyStatus(user, keyID string) string {
	e.t.Helper()
	out, err := iam.NewFromConfig(e.sim.Config("")).ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(user)})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range out.AccessKeyMetadata {
		if aws.ToString(k.AccessKeyId) == keyID {
			return string(k.Status)
		}
	}
	return "gone"
}

// mutations counts the simulator's records of calls that changed something
// in the default account, made by anyone but the test's own setup calls
// before mark.
func (e *env) mutations() int {
	n := 0
	for _, r := range e.sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if !r.ReadOnly && r.ErrorCode == "" {
			n++
		}
	}
	return n
}

const approvePlaybook = `
id: test-approve-key
title: Remove an exposed access key once approved
trigger:
  source: [aws.trustedadvisor]
  detail-type: [Trusted Advisor Check Item Refresh Notification]
  detail: {check-name: [Exposed Access Keys]}
mode: approve
steps:
  - id: deactivate
    action: iam.deactivate-access-key
    with: {user_name: "${target.attributes.userName}", access_key_id: "${target.id}"}
notify:
  to: [security-team]
`

// TestGlobalDryRunIsAKillSwitch runs every path that can change something
// under the global dry run, on runs a normal process left behind: a run
// awaiting approval, a run waiting to retry, a failed run, and a new event.
// The simulator's activity log is the witness that nothing changed.
func TestGlobalDryRunIsAKillSwitch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	both := approvePlaybook + "---\n" + strings.Replace(keyPlaybook, "test-exposed-key", "test-key", 1)
	normal := e.engine(both, nil)

	// The run awaiting approval comes from a process with only the
	// approval playbook, so that no other run deletes its key.
	evApprove, keyApprove := e.userKey("approve-me")
	res, err := e.engine(approvePlaybook, nil).Handle(ctx, evApprove)
	if err != nil {
		t.Fatal(err)
	}
	var awaiting string
	for _, r := range res.Runs {
		if r.Status == store.RunAwaitingApproval {
			awaiting = r.RunID
		}
	}
	e.sim.SetFault("iam", "UpdateAccessKey", awssim.Fault{ErrorRate: 1})
	evWait, keyWait := e.userKey("retry-me")
	if _, err := normal.Handle(ctx, evWait); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFault("iam", "UpdateAccessKey", awssim.Fault{ErrorRate: 1, ErrorCode: "AccessDenied", ErrorStatus: 403})
	evFail, keyFail := e.userKey("failed-me")
	res, err = normal.Handle(ctx, evFail)
	if err != nil {
		t.Fatal(err)
	}
	var failed string
	for _, r := range res.Runs {
		if r.Status == store.RunFailed {
			failed = r.RunID
		}
	}
	e.sim.ClearFaults()
	if awaiting == "" || failed == "" {
		t.Fatalf("setup: awaiting %q, failed %q", awaiting, failed)
	}

	dry := e.engine(both, func(o *engine.Options) { o.DryRun = true })
	before := e.mutations()
	evNew, keyNew := e.userKey("new-event")
	before++ // the setup calls of userKey: a user and a key
	before++
	if res, err := dry.Handle(ctx, evNew); err != nil || res.Runs[0].Status != store.RunPlanned {
		t.Errorf("Handle under the dry run = %+v, %v; want planned", res, err)
	}
	if _, err := dry.Approve(ctx, awaiting, "alice"); !errors.Is(err, engine.ErrDryRun) {
		t.Errorf("Approve under the dry run: err = %v, want ErrDryRun", err)
	}
	if _, err := dry.Retry(ctx, failed, "alice"); !errors.Is(err, engine.ErrDryRun) {
		t.Errorf("Retry under the dry run: err = %v, want ErrDryRun", err)
	}
	e.sim.Advance(time.Hour)
	if n, err := dry.Resume(ctx); err != nil || n != 0 {
		t.Errorf("Resume under the dry run = %d, %v; want 0", n, err)
	}
	if run, err := dry.Execute(ctx, awaiting); err != nil || run.Status != store.RunAwaitingApproval {
		t.Errorf("Execute under the dry run = %+v, %v", run, err)
	}
	if got := e.mutations(); got != before {
		t.Errorf("%d calls changed the account under the dry run", got-before)
	}
	for _, k := range [][2]string{{"approve-me", keyApprove}, {"retry-me", keyWait}, {"failed-me", keyFail}, {"new-event", keyNew}} {
		if s := e.keyStatus(k[0], k[1]); s != string(iamtypes.StatusTypeActive) {
			t.Errorf("key of %s is %s after the dry run, want Active", k[0], s)
		}
	}

	// The dry run did not use the new event up: a real delivery acts.
	res, err = normal.Handle(ctx, evNew)
	if err != nil {
		t.Fatal(err)
	}
	acted := false
	for _, r := range res.Runs {
		if r.PlaybookID == "test-key" && r.Status == store.RunSucceeded && !r.Duplicate {
			acted = true
		}
	}
	if !acted || e.keyStatus("new-event", keyNew) != "gone" {
		t.Errorf("real delivery after the dry run = %+v; key %s", res.Runs, e.keyStatus("new-event", keyNew))
	}
}

// TestVerificationCatchesAChangeThatDidNotHold makes the simulator answer
// the deactivation as done without doing it.
func TestVerificationCatchesAChangeThatDidNotHold(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(keyPlaybook, nil)
	ev, key := e.userKey("stubborn")
	e.sim.SetFault("iam", "UpdateAccessKey", awssim.Fault{IgnoreWrites: true})
	res, err := eng.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Runs[0]
	if r.Status != store.RunFailed || !strings.Contains(r.Error, "verification failed") || !strings.Contains(r.Error, "Active") {
		t.Errorf("run = %+v; want failed verification saying the key is still active", r)
	}
	if s := e.keyStatus("stubborn", key); s != string(iamtypes.StatusTypeActive) {
		t.Errorf("key is %s", s)
	}
	if e.countCalls(awssim.DefaultAccount, "DeleteAccessKey") != 0 {
		t.Error("the run went on to delete the key after a failed verification")
	}
	if e.rec.count() != 1 || !strings.Contains(e.rec.msgs[0].Subject, "FAILED") {
		t.Errorf("notifications = %+v, want one FAILED", e.rec.msgs)
	}
}

// TestNotFoundIsItsOwnOutcome: an exposed key of a user that does not exist
// is not "already fixed": the run ends not found and the security team is
// told.
func TestNotFoundIsItsOwnOutcome(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(keyPlaybook, nil)
	res, err := eng.Handle(ctx, e.keyEvent("nobody", "AKIANOSUCHKEY0000001"))
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Runs[0]; r.Status != store.RunNotFound {
		t.Errorf("run = %+v, want not_found", r)
	}
	if e.rec.count() != 1 || !strings.Contains(e.rec.msgs[0].Subject, "not found") || !strings.Contains(e.rec.msgs[0].Text, "nobody") {
		t.Errorf("notifications = %+v, want one saying the key was not found", e.rec.msgs)
	}
}

const sneakyAction = "test.sneaky-delete"

// TestUndeclaredOperationIsRefused runs an action that calls an operation
// it did not declare.
func TestUndeclaredOperationIsRefused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(action.Spec{
		Name:   sneakyAction,
		Params: []action.Param{{Name: "user_name", Type: action.String, Required: true}, {Name: "access_key_id", Type: action.String, Required: true}},
		Reads:  []string{"iam:ListAccessKeys"},
		Run: func(ctx context.Context, in action.Input) (action.Result, error) {
			_, err := iam.NewFromConfig(in.AWS).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{
				UserName: aws.String(in.String("user_name")), AccessKeyId: aws.String(in.String("access_key_id"))})
			if err != nil {
				return action.Result{}, err
			}
			return action.Result{Outcome: action.NoOp}, nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	pb := strings.Replace(keyPlaybook, "action: iam.deactivate-access-key", "action: "+sneakyAction, 1)
	eng := e.engineWith(reg, pb, nil)
	ev, key := e.userKey("victim")
	res, err := eng.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Runs[0]; r.Status != store.RunFailed || !strings.Contains(r.Error, "iam:DeleteAccessKey is not among the operations it declares") {
		t.Errorf("run = %+v; want failed by the permission gate", r)
	}
	if s := e.keyStatus("victim", key); s != string(iamtypes.StatusTypeActive) {
		t.Errorf("the undeclared call went through: key is %s", s)
	}
}

// TestThrottlingStormThenRecovery: every IAM write is throttled while ten
// events arrive; once the storm passes every key ends deleted, some by a
// redelivery, some by an explicit retry, the rest by backoff on its own.
func TestThrottlingStormThenRecovery(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(keyPlaybook, func(o *engine.Options) {
		o.Retry = engine.Retry{Base: 10 * time.Second, Max: time.Minute, Attempts: 10}
	})
	e.sim.SetFault("iam", "UpdateAccessKey", awssim.Fault{ThrottleRate: 1})
	type key struct {
		user, id, run string
		ev            []byte
	}
	var keys []key
	for i := range 10 {
		user := fmt.Sprintf("storm-%d", i)
		ev, id := e.userKey(user)
		res, err := eng.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Runs[0]; r.Status != store.RunWaiting || !strings.Contains(r.Error, "Throttling") {
			t.Fatalf("run under throttling = %+v; want waiting", r)
		}
		keys = append(keys, key{user, id, res.Runs[0].RunID, ev})
	}
	e.sim.ClearFaults()

	// Three are delivered again.
	for _, k := range keys[:3] {
		res, err := eng.Handle(ctx, k.ev)
		if err != nil || res.Runs[0].Status != store.RunSucceeded || !res.Runs[0].Reopened {
			t.Errorf("redelivery = %+v, %v; want the run reopened and succeeded", res, err)
		}
	}
	// Three are retried by hand.
	for _, k := range keys[3:6] {
		if run, err := eng.Retry(ctx, k.run, "alice"); err != nil || run.Status != store.RunSucceeded {
			t.Errorf("Retry = %+v, %v", run, err)
		}
	}
	// The rest wake up on their own.
	if n, _ := eng.Resume(ctx); n != 0 {
		t.Errorf("Resume before the backoff elapsed executed %d runs", n)
	}
	e.sim.Advance(time.Minute)
	if n, err := eng.Resume(ctx); err != nil || n != 4 {
		t.Errorf("Resume after the backoff = %d, %v; want 4", n, err)
	}
	for _, k := range keys {
		if s := e.keyStatus(k.user, k.id); s != "gone" {
			t.Errorf("key of %s is %s, want deleted", k.user, s)
		}
	}
	if n := e.countCalls(awssim.DefaultAccount, "DeleteAccessKey"); n != 10 {
		t.Errorf("DeleteAccessKey called %d times, want 10", n)
	}
	if e.rec.count() != 10 {
		t.Errorf("%d notifications, want 10", e.rec.count())
	}
}

// TestPermanentFailureFailsAtOnce: AccessDenied is not retried.
func TestPermanentFailureFailsAtOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(keyPlaybook, nil)
	e.sim.SetFault("iam", "UpdateAccessKey", awssim.Fault{ErrorRate: 1, ErrorCode: "AccessDenied", ErrorStatus: 403})
	ev, _ := e.userKey("denied")
	res, err := eng.Handle(ctx, ev)
	if err != nil || res.Runs[0].Status != store.RunFailed || !strings.Contains(res.Runs[0].Error, "AccessDenied") {
		t.Fatalf("run = %+v, %v; want failed with AccessDenied", res, err)
	}
	if n := e.countCalls(awssim.DefaultAccount, "UpdateAccessKey"); n != 1 {
		t.Errorf("UpdateAccessKey tried %d times, want 1", n)
	}
}

const infoPlaybook = `
id: test-key-with-activity
title: Remove an exposed access key and summarize its activity
trigger:
  source: [aws.trustedadvisor]
  detail-type: [Trusted Advisor Check Item Refresh Notification]
  detail: {check-name: [Exposed Access Keys]}
steps:
  - id: deactivate
    action: iam.deactivate-access-key
    with: {user_name: "${target.attributes.userName}", access_key_id: "${target.id}"}
  - id: activity
    action: cloudtrail.summarize-activity
    critical: false
    with: {user_name: "${target.attributes.userName}", access_key_id: "${target.id}"}
notify:
  to: [security-team]
`

// TestFailingInformationStepLeavesTheRunRemediated: the activity summary
// is not critical.
func TestFailingInformationStepLeavesTheRunRemediated(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(infoPlaybook, nil)
	e.sim.SetFault("cloudtrail", "LookupEvents", awssim.Fault{ErrorRate: 1, ErrorCode: "AccessDeniedException", ErrorStatus: 400})
	ev, key := e.userKey("leaky")
	res, err := eng.Handle(ctx, ev)
	if err != nil || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("run = %+v, %v; want succeeded", res, err)
	}
	if s := e.keyStatus("leaky", key); s != string(iamtypes.StatusTypeInactive) {
		t.Errorf("key is %s, want Inactive", s)
	}
	steps, _ := e.store.Steps(ctx, res.Runs[0].RunID)
	if len(steps) < 2 || steps[1].Status != store.StepFailed {
		t.Errorf("steps = %+v; want the activity step failed", steps)
	}
	if e.rec.count() != 1 || !strings.Contains(e.rec.msgs[0].Text, "activity (cloudtrail.summarize-activity): failed") {
		t.Errorf("notification = %+v; want the gap reported", e.rec.msgs)
	}
}

// TestConcurrentDeliveriesExecuteOnce delivers every event several times
// from 16 goroutines while a resume loop runs every 20ms.
func TestConcurrentDeliveriesExecuteOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(keyPlaybook, func(o *engine.Options) { o.Lease = 2 * time.Second })
	const n = 24
	var events [][]byte
	for i := range n {
		ev, _ := e.userKey(fmt.Sprintf("busy-%d", i))
		events = append(events, ev)
	}
	stop := make(chan struct{})
	var resumes sync.WaitGroup
	resumes.Add(1)
	go func() {
		defer resumes.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := eng.Resume(ctx); err != nil {
					t.Errorf("Resume: %v", err)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 16*n)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if _, err := eng.Handle(ctx, events[(i+g)%n]); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	resumes.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Handle: %v", err)
	}
	if got := e.countCalls(awssim.DefaultAccount, "DeleteAccessKey"); got != n {
		t.Errorf("DeleteAccessKey called %d times, want %d", got, n)
	}
	if got := e.countCalls(awssim.DefaultAccount, "UpdateAccessKey"); got != n {
		t.Errorf("UpdateAccessKey called %d times, want %d", got, n)
	}
	if e.rec.count() != n {
		t.Errorf("%d notifications, want %d", e.rec.count(), n)
	}
}

// TestCircuitBreakerPausesAPlaybook: with a limit of 2 acting runs an
// hour, the third and fourth wait for approval and the security team is
// told once.
func TestCircuitBreakerPausesAPlaybook(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	eng := e.engine(keyPlaybook, func(o *engine.Options) {
		o.Breaker = engine.Breaker{Max: 2, Window: time.Hour}
		o.SecurityChannel = "security-team"
	})
	var statuses []store.RunStatus
	var keys []string
	for i := range 4 {
		ev, key := e.userKey(fmt.Sprintf("burst-%d", i))
		keys = append(keys, key)
		res, err := eng.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, res.Runs[0].Status)
	}
	want := []store.RunStatus{store.RunSucceeded, store.RunSucceeded, store.RunAwaitingApproval, store.RunAwaitingApproval}
	if fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
	for i := 2; i < 4; i++ {
		if s := e.keyStatus(fmt.Sprintf("burst-%d", i), keys[i]); s != string(iamtypes.StatusTypeActive) {
			t.Errorf("paused run changed key %d: %s", i, s)
		}
	}
	paused := 0
	for _, m := range e.rec.msgs {
		if strings.Contains(m.Subject, "PAUSED playbook test-exposed-key") {
			paused++
		}
	}
	if paused != 1 {
		t.Errorf("%d pause notices, want 1: %+v", paused, e.rec.msgs)
	}
	audit, _ := e.store.Audit(ctx, store.AuditFilter{Kinds: []store.AuditKind{engine.AuditPaused}})
	if len(audit) != 1 {
		t.Errorf("pause audit = %+v", audit)
	}
}

// TestExemptions: an account exemption and an expired resource exemption.
func TestExemptions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	expired := e.sim.Now().Add(-time.Hour)
	eng := e.engine(keyPlaybook, func(o *engine.Options) {
		o.Exemptions = router.Exemptions{List: []router.Exemption{
			{Reason: "break-glass user", Resources: []string{"AKIAEXEMPT*"}, Expires: expired},
			{Reason: "sandbox account", Accounts: []string{awssim.DefaultAccount}, Playbooks: []string{"test-exposed-*"}},
		}}
	})
	ev, key := e.userKey("sandboxed")
	res, err := eng.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Runs[0]
	if r.RunID != "" || !strings.Contains(r.Skipped, "exempt by exemptions[1]: sandbox account") {
		t.Errorf("run = %+v; want skipped by exemptions[1]", r)
	}
	if s := e.keyStatus("sandboxed", key); s != string(iamtypes.StatusTypeActive) {
		t.Errorf("exempt key is %s", s)
	}
	audit, _ := e.store.Audit(ctx, store.AuditFilter{EventID: res.EventID, Kinds: []store.AuditKind{store.AuditSkipped}})
	if len(audit) != 1 || !strings.Contains(audit[0].Message, "sandbox account") {
		t.Errorf("audit = %+v; want the exemption recorded", audit)
	}
}

var _ = playbook.Auto
