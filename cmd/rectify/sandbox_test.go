//go:build !lambda

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
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
	for !strings.Contains(out.String(), "RECTIFY_SANDBOX_PID") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("sandbox printed no environment: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	env = map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.HasPrefix(line, "# ") {
			continue
		}
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

// TestSandboxInAShell runs the help's own recipe in bash: eval "$(rectify
// sandbox &)" returns once the simulator listens, the environment it sets
// reaches it (AWS_DEFAULT_REGION included), and kill $RECTIFY_SANDBOX_PID
// stops it, saving its state.
func TestSandboxInAShell(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "sim.json")
	script := `eval "$("$RECTIFY" sandbox --addr 127.0.0.1:0 --log-level error --state "$STATE" &)"
echo "$AWS_ENDPOINT_URL $AWS_DEFAULT_REGION $AWS_ACCESS_KEY_ID $RECTIFY_SANDBOX_PID"
read -r _
kill "$RECTIFY_SANDBOX_PID"
while kill -0 "$RECTIFY_SANDBOX_PID" 2>/dev/null; do sleep 0.05; done
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sh := exec.CommandContext(ctx, bash, "-c", script)
	sh.Env = append(os.Environ(), asMain+"=1", "RECTIFY="+self, "STATE="+state)
	stdin, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	sh.Stderr = &stderr
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the shell printed nothing (eval did not return?): %v\n%s", err, stderr.String())
	}
	f := strings.Fields(line)
	if len(f) != 4 || !strings.HasPrefix(f[0], "http://127.0.0.1:") || f[1] != "us-east-1" || f[2] != "AKIA123456789012ADMN" {
		t.Fatalf("environment after eval: %q", line)
	}
	pid, _ := strconv.Atoi(f[3])
	t.Cleanup(func() {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	})
	cfg := awsconfigFor(t, map[string]string{"AWS_ENDPOINT_URL": f[0], "AWS_DEFAULT_REGION": f[1], "AWS_ACCESS_KEY_ID": f[2],
		"AWS_SECRET_ACCESS_KEY": "simulated/123456789012/administrator"})
	if _, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("from-the-shell")}); err != nil {
		t.Fatalf("the simulator the shell started: %v", err)
	}
	fmt.Fprintln(stdin)
	if err := sh.Wait(); err != nil {
		t.Fatalf("shell: %v\n%s", err, stderr.String())
	}
	if b, err := os.ReadFile(state); err != nil || !strings.Contains(string(b), "from-the-shell") {
		t.Errorf("state not saved on kill: %v", err)
	}
}

// awsconfigFor returns the SDK's standard configuration under the given
// environment variables, with the region from AWS_DEFAULT_REGION alone.
func awsconfigFor(t *testing.T, env map[string]string) aws.Config {
	t.Helper()
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region == "" {
		t.Fatal("no region from AWS_DEFAULT_REGION")
	}
	return cfg
}

func TestSandboxAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"sandbox", "--addr", ln.Addr().String()})
	err = cmd.ExecuteContext(context.Background())
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "address already in use") ||
		!strings.Contains(err.Error(), "--addr 127.0.0.1:0 for a free port") {
		t.Errorf("sandbox on a taken address: %v", err)
	}
}

func TestSandboxFlagsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--fault", "iam=eror=1"}, {"--fault", "iamm=error=1"}, {"--fault", "iam:GetUsr=error=1"},
		{"--account", "1234"}, {"--forward", "127.0.0.1:8080/events"}, {"--seed", "/no/such/fixture.yaml"},
	} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(append([]string{"sandbox", "--addr", "127.0.0.1:0", "--log-level", "error"}, args...))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := cmd.ExecuteContext(ctx)
		cancel()
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) && !strings.Contains(err.Error(), args[1]) {
			t.Errorf("sandbox %s = %v", strings.Join(args, " "), err)
		}
	}
}

// TestSandboxSeedAccountsAndFaults seeds a fixture, creates an account,
// and injects faults by flag and through the fault switch.
func TestSandboxSeedAccountsAndFaults(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join(dir, "fixture.yaml")
	if err := os.WriteFile(fixture, []byte(`calls:
  - {account: "444455556666", service: iam, action: CreateUser, params: {UserName: alice}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(dir, "sandbox.env")
	env, stop := startSandbox(t, "--log-level", "error", "--seed", fixture, "--account", "777788889999", "--env-file", envFile,
		"--fault", "iam:GetUser=error=1,times=1")
	defer stop()
	printed, err := os.ReadFile(envFile)
	if err != nil || !strings.Contains(string(printed), "export AWS_ENDPOINT_URL='"+env["AWS_ENDPOINT_URL"]+"'") ||
		!strings.Contains(string(printed), "# account 777788889999: AWS_ACCESS_KEY_ID=AKIA777788889999ADMN AWS_SECRET_ACCESS_KEY=simulated/777788889999/administrator") {
		t.Errorf("env file: %v\n%s", err, printed)
	}
	ctx := context.Background()
	member := awsconfigFor(t, map[string]string{"AWS_ENDPOINT_URL": env["AWS_ENDPOINT_URL"], "AWS_DEFAULT_REGION": env["AWS_DEFAULT_REGION"],
		"AWS_ACCESS_KEY_ID": "AKIA444455556666ADMN", "AWS_SECRET_ACCESS_KEY": "simulated/444455556666/administrator", "AWS_MAX_ATTEMPTS": "1"})
	cli := iam.NewFromConfig(member)
	if _, err := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}); err == nil {
		t.Error("the --fault flag did not fail the first GetUser")
	}
	if _, err := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}); err != nil {
		t.Errorf("the seeded user in the other account: %v", err)
	}
	other := awsconfigFor(t, map[string]string{"AWS_ACCESS_KEY_ID": "AKIA777788889999ADMN", "AWS_SECRET_ACCESS_KEY": "simulated/777788889999/administrator"})
	who, err := sts.NewFromConfig(other).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != "777788889999" {
		t.Errorf("--account: %v, %v", who, err)
	}

	// The fault switch of the running sandbox.
	url := env["AWS_ENDPOINT_URL"] + "/_rectify/faults"
	resp, err := http.Post(url, "application/json", strings.NewReader(`[{"service":"iam","op":"ListUsers","fault":{"ErrorRate":1}}]`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST %s: %v %v", url, resp, err)
	}
	resp.Body.Close()
	if _, err := cli.ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
		t.Error("ListUsers succeeded under the fault")
	}
	req, _ := http.NewRequest("DELETE", url, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	if _, err := cli.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Errorf("ListUsers after DELETE: %v", err)
	}
}

// TestSandboxFeedsServe clicks around as a user would: with the sandbox
// forwarding its events to rectify serve and writing them to a file, a
// security group opened to the world is closed again by rectify.
func TestSandboxFeedsServe(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("RECTIFY_SHARED_SECRET", "s3cret")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveAddr := ln.Addr().String()
	ln.Close()
	events := filepath.Join(dir, "trail.jsonl")
	env, stopSandbox := startSandbox(t, "--log-level", "error", "--forward", "http://"+serveAddr+"/events", "--events", events)
	cfg := awsconfigFor(t, map[string]string{"AWS_ENDPOINT_URL": env["AWS_ENDPOINT_URL"], "AWS_DEFAULT_REGION": env["AWS_DEFAULT_REGION"],
		"AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": env["AWS_SECRET_ACCESS_KEY"]})

	// rectify serve, with no configuration: it acts in the account of its
	// credentials, the sandbox's default account.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		cmd := newRootCmd()
		var out syncBuffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs([]string{"--log-level", "error", "serve", "--addr", serveAddr, "--resume-interval", "100ms"})
		served <- cmd.ExecuteContext(ctx)
	}()
	waitHealthy(t, "http://"+serveAddr)

	client := ec2.NewFromConfig(cfg)
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: vpc.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId,
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIp: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{
			Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{aws.ToString(sg.GroupId)}}}})
		if err != nil {
			t.Fatal(err)
		}
		open := false
		for _, r := range out.SecurityGroupRules {
			open = open || (!aws.ToBool(r.IsEgress) && aws.ToString(r.CidrIpv4) == "0.0.0.0/0")
		}
		if !open {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("rectify did not close the group: the forwarded event was not handled")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if err := stopSandbox(); err != nil {
		t.Errorf("sandbox: %v", err)
	}
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev struct {
			Detail struct {
				EventName string `json:"eventName"`
			} `json:"detail"`
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("%s: line %q: %v", events, l, err)
		}
		names = append(names, ev.Detail.EventName)
	}
	want := []string{"CreateVpc", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"}
	if !slices.Equal(names, want) {
		t.Errorf("%s holds %q, want %q (rectify's own revocation last)", events, names, want)
	}
}

// waitHealthy waits for rectify serve's health check at base.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not come up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
