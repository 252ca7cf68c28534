package action

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func (w *world) describeStack(name string) *cfntypes.Stack {
	st, err := describeStack(w.ctx, cloudformation.NewFromConfig(w.cfg), name)
	w.must(err)
	return st
}

// TestStackNotificationTopic checks that the update keeps the template,
// every parameter value (not their defaults) and the capabilities, and
// that the wait that follows it waits.
func TestStackNotificationTopic(t *testing.T) {
	w := newWorld(t)
	id := w.stack("app")
	res, err := w.run("cloudformation.add-stack-notification-topic", w.input(map[string]any{"stack": id}))
	if err != nil || res.Outcome != Changed || len(res.Output["created"].([]string)) != 1 || res.Output["update_started_at"] == "" {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	st := w.describeStack("app")
	if len(st.NotificationARNs) != 1 || !strings.HasSuffix(st.NotificationARNs[0], ":"+StackNotificationsTopic) {
		t.Errorf("notification topics = %v", st.NotificationARNs)
	}
	for _, p := range st.Parameters {
		if aws.ToString(p.ParameterKey) == "Size" && aws.ToString(p.ParameterValue) != "large" {
			t.Errorf("Size = %s after the update, want its previous value large", aws.ToString(p.ParameterValue))
		}
	}
	wait := map[string]any{"stack": "app", "started_at": res.Output["update_started_at"]}
	pending, err := w.run("cloudformation.wait-for-stack", w.input(wait))
	if err != nil || pending.Outcome != Pending || pending.RecheckAfter != 30*time.Second {
		t.Fatalf("wait during the update = %+v, %v", pending, err)
	}
	w.sim.Advance(time.Minute)
	done, err := w.run("cloudformation.wait-for-stack", w.input(wait))
	if err != nil || done.Outcome != NoOp || done.Output["status"] != "UPDATE_COMPLETE" {
		t.Fatalf("wait after the update = %+v, %v", done, err)
	}
	mark := w.mark("us-east-1")
	again, err := w.run("cloudformation.add-stack-notification-topic", w.input(map[string]any{"stack": "app"}))
	if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("second run = %+v, %v", again, err)
	}
}

func TestStackNotificationTopicRefusals(t *testing.T) {
	w := newWorld(t)
	_, err := sns.NewFromConfig(w.cfg).CreateTopic(w.ctx, &sns.CreateTopicInput{Name: aws.String(StackNotificationsTopic)})
	w.must(err)
	w.stack("app")
	mark := w.mark("us-east-1")
	_, err = w.run("cloudformation.add-stack-notification-topic", w.input(map[string]any{"stack": "app"}))
	wantPermanent(t, err, "set topic_arn")
	if writes := w.writesSince("us-east-1", mark); len(writes) != 0 {
		t.Errorf("writes: %v", writes)
	}
	// A named topic is used as is.
	res, err := w.run("cloudformation.add-stack-notification-topic", w.input(map[string]any{"stack": "app", "topic_arn": "arn:aws:sns:us-east-1:123456789012:ops"}))
	if err != nil || res.Outcome != Changed || len(res.Output["created"].([]string)) != 0 {
		t.Fatalf("with a topic = %+v, %v", res, err)
	}

	// A stack being created is tried again later.
	_, err = cloudformation.NewFromConfig(w.cfg).CreateStack(w.ctx, &cloudformation.CreateStackInput{StackName: aws.String("fresh"), TemplateBody: aws.String(appTemplate),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}, Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Env"), ParameterValue: aws.String("dev")}}})
	w.must(err)
	_, err = w.run("cloudformation.add-stack-notification-topic", w.input(map[string]any{"stack": "fresh", "topic_arn": "arn:aws:sns:us-east-1:123456789012:ops"}))
	if retry, _ := Retryable(err); err == nil || !retry {
		t.Errorf("a stack being created = %v, want a retryable error", err)
	}
	missing, err := w.run("cloudformation.add-stack-notification-topic", w.input(map[string]any{"stack": "nope"}))
	if err != nil || missing.Outcome != NotFound {
		t.Errorf("a missing stack = %+v, %v", missing, err)
	}
}
