package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rectify-dev/rectify/internal/intake"
)

func TestServe(t *testing.T) {
	c := newCLI(t)
	t.Setenv("RECTIFY_SHARED_SECRET", "s3cret")
	ev, key := c.exposedKey("served")
	body := mustRead(t, ev)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		cmd := newRootCmd()
		var out strings.Builder
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs([]string{"--config", c.cfg, "--log-level", "error", "serve", "--addr", addr, "--resume-interval", "50ms"})
		done <- cmd.ExecuteContext(ctx)
	}()

	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + intake.HealthPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not come up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	post := func(secret string) (int, intake.Response) {
		req, _ := http.NewRequest("POST", base+intake.EventsPath, strings.NewReader(string(body)))
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r intake.Response
		_ = json.NewDecoder(resp.Body).Decode(&r)
		return resp.StatusCode, r
	}
	if code, _ := post(""); code != 401 {
		t.Errorf("POST without the secret = %d, want 401", code)
	}
	code, r := post("s3cret")
	if code != 200 || len(r.Events) != 1 || len(r.Events[0].Runs) != 1 || r.Events[0].Runs[0].Status != "succeeded" {
		t.Errorf("POST = %d %+v, want one succeeded run", code, r)
	}
	if s := c.keyStatus(key); s != "gone" {
		t.Errorf("after serve the key is %s, want gone", s)
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

func TestResumeLoop(t *testing.T) {
	stop, cancel := context.WithCancel(context.Background())
	calls := 0
	resumeLoop(stop, context.Background(), func(context.Context) (int, error) {
		calls++
		if calls == 3 {
			cancel()
		}
		return 1, nil
	}, time.Millisecond, discardLogger())
	if calls != 3 {
		t.Errorf("resume called %d times, want 3 (at once, then each tick until stopped)", calls)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
