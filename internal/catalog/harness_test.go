package catalog_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/config"
	"github.com/rectify-dev/rectify/internal/permission"
	"github.com/rectify-dev/rectify/internal/store"
)

// The end-to-end tests of the built-in playbooks run rectify as a user
// deploys it: in a central account (the simulator's default account), with
// a remediation role in each member account that trusts the central
// account, and a security team SNS topic.

const member = "444455556666"

// harness is a simulated organization with rectify in its central account.
type harness struct {
	sim   *awssim.Server
	topic string // the security team's SNS topic in the central account
	// policy is the identity policy of the remediation roles memberRole
	// creates.
	policy permission.Policy
}

// newHarness starts a simulated organization whose remediation role in the
// member account may do what every built-in action needs (builtinPolicy).
func newHarness(t *testing.T, opts ...func(*awssim.Options)) *harness {
	t.Helper()
	return newHarnessWithPolicy(t, builtinPolicy(t), opts...)
}

// newHarnessWithPolicy starts a simulated organization whose remediation
// roles have policy as their only identity policy.
func newHarnessWithPolicy(t *testing.T, policy permission.Policy, opts ...func(*awssim.Options)) *harness {
	t.Helper()
	ctx := context.Background()
	sim := awssim.Start(t, opts...)
	h := &harness{sim: sim, policy: policy}
	h.memberRole(t, member)
	out, err := sns.NewFromConfig(sim.Config("")).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("security")})
	if err != nil {
		t.Fatal(err)
	}
	h.topic = aws.ToString(out.TopicArn)
	return h
}

// builtinPolicy is the policy derived from the permissions of every
// built-in action.
func builtinPolicy(t *testing.T) permission.Policy {
	t.Helper()
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	perms, err := reg.Permissions()
	if err != nil {
		t.Fatal(err)
	}
	p, err := permission.Document(perms)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// memberRole creates rectify's remediation role in account, trusting the
// central account with the external ID org-ext-id, with the harness's
// policy.
func (h *harness) memberRole(t *testing.T, account string) {
	t.Helper()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
		awssim.DefaultAccount + `:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"org-ext-id"}}}]}`
	_, err := iam.NewFromConfig(h.sim.Config(account)).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String("rectify-remediation"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	h.allow(t, account, "rectify-remediation", h.policy)
}

// allow sets policy as the inline policy "rectify" of role in account.
func (h *harness) allow(t *testing.T, account, role string, policy permission.Policy) {
	t.Helper()
	_, err := iam.NewFromConfig(h.sim.Config(account)).PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{
		RoleName: aws.String(role), PolicyName: aws.String("rectify"), PolicyDocument: aws.String(policy.JSON())})
	if err != nil {
		t.Fatal(err)
	}
}

// rectify assembles rectify from the standard configuration with extra YAML
// appended (e.g. playbook overrides), keeping its state in a temporary
// directory.
func (h *harness) rectify(t *testing.T, extra string) *app.App {
	t.Helper()
	return h.start(t, filepath.Join(t.TempDir(), "rectify.db"), h.standardConfig(extra)).App
}

// instance is one rectify process of a test: its app and a way to stop it
// before the test ends, as a restart does.
type instance struct {
	*app.App
	stop func()
}

// start assembles rectify from the configuration yml, keeping its state in
// db so that a later start on the same path continues where this one
// stopped.
func (h *harness) start(t *testing.T, db, yml string) *instance {
	t.Helper()
	yml = fmt.Sprintf("store: {path: %q}\n%s", db, yml)
	cfg, err := config.Parse("rectify.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	awsCfg := h.sim.Config("")
	a, err := app.New(context.Background(), cfg, app.Options{AWS: &awsCfg, Builtin: catalog.FS(), Clock: h.sim.Now})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := a.Close(); err != nil {
				t.Errorf("close rectify: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &instance{App: a, stop: stop}
}

// standardConfig is the configuration of harness.rectify, without the
// store, followed by extra.
func (h *harness) standardConfig(extra string) string { return h.configWith("", extra) }

// configWith is the standard configuration with awsExtra lines added to
// its aws section and extra YAML appended.
func (h *harness) configWith(awsExtra, extra string) string {
	return fmt.Sprintf(`
aws:
  role_name: rectify-remediation
  external_id: org-ext-id
  max_attempts: 5
%s
notify:
  channels:
    security: {type: sns, topic_arn: %q}
  security_team: security
%s`, awsExtra, h.topic, extra)
}

// fixture reads testdata/<playbook>/<file>, replacing each old string of
// replace with its new one (old1, new1, old2, new2, ...).
func fixture(t *testing.T, playbook, file string, replace ...string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", playbook, file))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer(replace...).Replace(string(raw)))
}

// playbookSteps returns the records of a run's playbook steps, leaving out
// the record of its notification phase.
func playbookSteps(steps []store.StepRecord, err error) ([]store.StepRecord, error) {
	out := steps[:0:0]
	for _, s := range steps {
		if s.Action != "notify" {
			out = append(out, s)
		}
	}
	return out, err
}
