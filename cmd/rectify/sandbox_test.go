package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSandbox runs `rectify sandbox` until the returned stop is called and
// returns the environment it printed.
func startSandbox(t *testing.T, args ...string) (env map[string]string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	cmd := newRootCmd()
	cmd.SetOut(out)
	cmd.SetArgs(append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...))
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "AWS_REGION") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("sandbox printed no environment: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	env = map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			t.Fatalf("sandbox printed %q, not an export line", line)
		}
		k, v, _ := strings.Cut(kv, "=")
		env[k] = strings.Trim(v, "'")
	}
	return env, func() error { cancel(); return <-done }
}

func TestSandboxServesTheSDKsStandardConfiguration(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	env, stop := startSandbox(t, "--state", state)
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} {
		if env[k] == "" {
			t.Fatalf("sandbox did not print %s: %v", k, env)
		}
		t.Setenv(k, env[k])
	}
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity through AWS_ENDPOINT_URL: %v", err)
	}
	if !strings.HasSuffix(aws.ToString(who.Arn), ":root") {
		t.Errorf("default credentials are %s, want the account's administrator", aws.ToString(who.Arn))
	}
	if _, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dave")}); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("sandbox did not shut down cleanly: %v", err)
	}

	// The state saved on shutdown is there at the next start.
	env, stop = startSandbox(t, "--state", state)
	t.Setenv("AWS_ENDPOINT_URL", env["AWS_ENDPOINT_URL"])
	cfg, err = awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(cfg).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dave")}); err != nil {
		t.Errorf("user created before the restart: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
