package catalog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/store"
)

// glueEndpointStatus returns the status of a dev endpoint of the member
// account, or "" if it does not exist.
func glueEndpointStatus(t *testing.T, h *harness, name string) string {
	t.Helper()
	out, err := glue.NewFromConfig(h.sim.Config(member)).GetDevEndpoint(context.Background(), &glue.GetDevEndpointInput{EndpointName: aws.String(name)})
	if action.IsNotFound(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.DevEndpoint.Status)
}

// countCalls counts the member account's calls named name in the trail.
func countCalls(h *harness, account, name string) int {
	n := 0
	for _, r := range h.sim.Trail(account, "us-east-1") {
		if r.EventName == name {
			n++
		}
	}
	return n
}

func TestGlueDevEndpointInsecureWaitsAcrossRestart(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, func(o *awssim.Options) { o.GlueReadyDelay = 2 * time.Minute })
	mglue := glue.NewFromConfig(h.sim.Config(member))
	role := "arn:aws:iam::" + member + ":role/glue-ml-test"
	// Before: an insecure endpoint, and a compliant one.
	if _, err := mglue.CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String("test1"), RoleArn: aws.String(role),
		NumberOfNodes: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := mglue.CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String("secure-notebook"), RoleArn: aws.String(role),
		SecurityConfiguration: aws.String("test-secure"), SecurityGroupIds: []string{"sg-0a1b2c3d4e5f60718"},
		SubnetId: aws.String("subnet-0fedcba9876543210"), PublicKeys: []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample analyst@example.com"}}); err != nil {
		t.Fatal(err)
	}

	db := filepath.Join(t.TempDir(), "rectify.db")
	first := h.start(t, db, h.standardConfig(""))
	res, err := first.Engine.Handle(ctx, fixture(t, "glue-dev-endpoint-insecure", "event.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || res.Runs[0].Status != store.RunWaiting {
		t.Fatalf("result = %+v, want one waiting run", res)
	}
	runID := res.Runs[0].RunID
	run, err := first.Store.GetRun(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if want := h.sim.Now().Add(30 * time.Second); run.WakeAt.Before(want.Add(-5*time.Second)) || run.WakeAt.After(want) {
		t.Errorf("wake at %v, want about %v (recheck_after 30s)", run.WakeAt, want)
	}
	if st := glueEndpointStatus(t, h, "test1"); st != "PROVISIONING" {
		t.Fatalf("test1 is %q while the run waits, want PROVISIONING", st)
	}

	// Not due yet: nothing runs.
	if n, err := first.Engine.Resume(ctx); err != nil || n != 0 {
		t.Fatalf("Resume before the wake-up = %d, %v; want 0", n, err)
	}
	// Due but still PROVISIONING: the run keeps waiting.
	h.sim.Advance(31 * time.Second)
	if n, err := first.Engine.Resume(ctx); err != nil || n != 1 {
		t.Fatalf("Resume = %d, %v; want 1", n, err)
	}
	if run, _ = first.Store.GetRun(ctx, runID); run.Status != store.RunWaiting {
		t.Fatalf("run is %s while the endpoint provisions, want waiting", run.Status)
	}
	if st := glueEndpointStatus(t, h, "test1"); st != "PROVISIONING" {
		t.Fatalf("test1 is %q, want PROVISIONING", st)
	}

	// rectify stops; the endpoint becomes READY; a new rectify on the same
	// store resumes the run and deletes it.
	first.stop()
	h.sim.Advance(2 * time.Minute)
	second := h.start(t, db, h.standardConfig(""))
	if n, err := second.Engine.Resume(ctx); err != nil || n != 1 {
		t.Fatalf("Resume after restart = %d, %v; want 1", n, err)
	}
	run, err = second.Store.GetRun(ctx, runID)
	if err != nil || run.Status != store.RunSucceeded {
		t.Fatalf("run after restart = %+v, %v; want succeeded", run, err)
	}
	if st := glueEndpointStatus(t, h, "test1"); st != "" {
		t.Fatalf("test1 is %q after the run, want deleted", st)
	}
	steps, err := playbookSteps(second.Store.Steps(ctx, runID))
	if err != nil || len(steps) != 2 || steps[0].Status != store.StepSucceeded || steps[1].Status != store.StepSucceeded {
		t.Fatalf("steps = %+v, %v", steps, err)
	}
	if !strings.Contains(string(steps[0].Output), `"READY"`) {
		t.Errorf("wait output = %s, want the READY status", steps[0].Output)
	}
	for _, r := range h.sim.Trail(member, "us-east-1") {
		if r.EventName == "DeleteDevEndpoint" && !strings.Contains(r.UserIdentity.ARN, ":assumed-role/rectify-remediation/rectify-") {
			t.Errorf("DeleteDevEndpoint made by %s, not by rectify's role session", r.UserIdentity.ARN)
		}
	}
	msgs := h.sim.SNSMessages(h.topic)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "test1") || !strings.Contains(msgs[0].Message, "Subnet: none") {
		t.Fatalf("notifications = %+v, want one about test1", msgs)
	}

	// The compliant endpoint is left alone.
	res, err = second.Engine.Handle(ctx, fixture(t, "glue-dev-endpoint-insecure", "event-compliant.json"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Skipped == "" {
		t.Fatalf("compliant event = %+v, %v; want skipped by the condition", res, err)
	}
	h.sim.Advance(time.Hour)
	if n, err := second.Engine.Resume(ctx); err != nil || n != 0 {
		t.Fatalf("Resume after the compliant event = %d, %v; want 0", n, err)
	}
	if st := glueEndpointStatus(t, h, "secure-notebook"); st != "READY" {
		t.Fatalf("secure-notebook is %q, want READY and kept", st)
	}

	// Redelivered, the first event changes nothing more.
	res, err = second.Engine.Handle(ctx, fixture(t, "glue-dev-endpoint-insecure", "event.json"))
	if err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	if n := countCalls(h, member, "DeleteDevEndpoint"); n != 1 {
		t.Errorf("DeleteDevEndpoint calls = %d, want 1", n)
	}
	if n := len(h.sim.SNSMessages(h.topic)); n != 1 {
		t.Errorf("notifications after redelivery = %d, want 1", n)
	}
}

// A wait that outlasts the step's timeout fails the run instead of
// waiting for ever.
func TestGlueDevEndpointInsecureWaitTimesOut(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, func(o *awssim.Options) { o.GlueReadyDelay = 24 * time.Hour })
	if _, err := glue.NewFromConfig(h.sim.Config(member)).CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String("test1"),
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/glue-ml-test")}); err != nil {
		t.Fatal(err)
	}
	// The simulated clock runs ahead of the wall clock by more than the
	// default session lifetime, which the credential cache measures on the
	// wall clock: sessions last an hour here.
	a := h.start(t, filepath.Join(t.TempDir(), "rectify.db"), fmt.Sprintf(`
aws:
  role_name: rectify-remediation
  external_id: org-ext-id
  session_duration: 1h
notify:
  channels:
    security: {type: sns, topic_arn: %q}
  security_team: security
playbooks:
  overrides:
    glue-dev-endpoint-insecure: {params: {recheck_after: 10m}}
`, h.topic))
	res, err := a.Engine.Handle(ctx, fixture(t, "glue-dev-endpoint-insecure", "event.json"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunWaiting {
		t.Fatalf("result = %+v, %v", res, err)
	}
	for range 4 {
		h.sim.Advance(10 * time.Minute)
		if _, err := a.Engine.Resume(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run, err := a.Store.GetRun(ctx, res.Runs[0].RunID)
	if err != nil || run.Status != store.RunFailed || !strings.Contains(run.Error, "30m") {
		t.Fatalf("run = %+v, %v; want failed after the 30m timeout", run, err)
	}
	if st := glueEndpointStatus(t, h, "test1"); st != "PROVISIONING" {
		t.Errorf("test1 is %q, want untouched", st)
	}
}
