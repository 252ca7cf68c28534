package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func TestServeSQS(t *testing.T) {
	c := newCLI(t)
	ev, key := c.exposedKey("queued")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := sqs.NewFromConfig(c.sim.Config(""))
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("rectify-events")})
	if err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(q.QueueUrl)
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(string(mustRead(t, ev)))}); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		cmd := newRootCmd()
		var out strings.Builder
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs([]string{"--config", c.cfg, "--log-level", "error", "serve", "--addr", "127.0.0.1:0", "--sqs", url})
		done <- cmd.ExecuteContext(ctx)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for c.keyStatus(key) != "gone" || len(c.sim.SQSMessages(c.sim.Region(), url)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the queued event was not handled: key %s, %d messages left", c.keyStatus(key), len(c.sim.SQSMessages(c.sim.Region(), url)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
}

func TestServeSQSRejectsAQueueName(t *testing.T) {
	c := newCLI(t)
	out, code := c.rectify("serve", "--addr", "127.0.0.1:0", "--sqs", "rectify-events")
	if code == 0 || !strings.Contains(out, `--sqs "rectify-events": want a queue URL`) {
		t.Errorf("serve --sqs NAME = %d %q; want an error asking for a URL", code, out)
	}
}

func TestLambdaOutsideTheRuntime(t *testing.T) {
	c := newCLI(t)
	t.Setenv(lambdaRuntimeEnv, "")
	out, code := c.rectify("lambda")
	if code == 0 || !strings.Contains(out, lambdaRuntimeEnv+" is not set") {
		t.Errorf("lambda outside the runtime = %d %q; want an error naming %s", code, out, lambdaRuntimeEnv)
	}
}
