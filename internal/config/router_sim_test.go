package config

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/notify"
)

func TestRouterPublishesToConfiguredTopics(t *testing.T) {
	sim := awssim.Start(t)
	ctx := context.Background()
	client := sns.NewFromConfig(sim.Config(""))
	topics := map[string]string{}
	for _, name := range []string{"security", "owners-a"} {
		out, err := client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		topics[name] = aws.ToString(out.TopicArn)
	}
	yaml := `
notify:
  channels:
    sec: {type: sns, topic_arn: "` + topics["security"] + `"}
    team-a: {type: sns, topic_arn: "` + topics["owners-a"] + `"}
    console: {type: log}
  security_team: sec
  owners:
    "111122223333": [team-a, console]
`
	c, err := Parse("rectify.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	r, err := c.Router(sim.Config(""), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	res := r.Notify(ctx, []string{"security-team", "owners"}, notify.Message{Subject: "Port 22 closed", Account: "111122223333"}, nil)
	if err := notify.Err(res); err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Errorf("results = %+v, want 3 deliveries", res)
	}
	for _, name := range []string{"security", "owners-a"} {
		if got := sim.SNSMessages(topics[name]); len(got) != 1 || got[0].Subject != "Port 22 closed" {
			t.Errorf("topic %s got %+v", name, got)
		}
	}
	if !strings.Contains(logs.String(), "channel=console") || !strings.Contains(logs.String(), "Port 22 closed") {
		t.Errorf("log channel output:\n%s", logs.String())
	}
}
