package engine_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
	"github.com/rectify-dev/rectify/internal/store/sqlite"
)

// benchPlaybooks returns n playbooks, each triggered by a different
// CloudTrail call, with a condition and two templated steps.
func benchPlaybooks(b *testing.B, n int) []*playbook.Playbook {
	b.Helper()
	reg, err := action.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	sources := []string{"ec2", "s3", "iam", "glue", "rds", "kms", "lambda", "sns"}
	var y strings.Builder
	for i := range n {
		fmt.Fprintf(&y, `---
id: bench-%03d
title: Benchmark playbook %d
trigger:
  source: [aws.%s]
  detail-type: [AWS API Call via CloudTrail]
  detail:
    eventName: [Call%03d]
    errorCode: [{exists: false}]
    userIdentity: {type: [IAMUser, AssumedRole]}
when: detail.awsRegion.startsWith("us-")
steps:
  - id: deactivate
    action: iam.deactivate-access-key
    with: {user_name: "${detail.userIdentity.userName}", access_key_id: "${detail.userIdentity.accessKeyId}"}
  - id: delete
    action: iam.delete-access-key
    with: {user_name: "${detail.userIdentity.userName}", access_key_id: "${detail.userIdentity.accessKeyId}"}
`, i, i, sources[i%len(sources)], i)
	}
	pbs, err := playbook.Parse("bench.yaml", []byte(y.String()), playbook.Options{Registry: reg,
		ValidateTrigger: func(p []byte) error { _, err := pattern.Compile(p); return err }})
	if err != nil {
		b.Fatal(err)
	}
	return pbs
}

// benchEvent is a 1 KB CloudTrail event; call i matches playbook i.
func benchEvent(id, call int, source string) []byte {
	return []byte(fmt.Sprintf(`{"version":"0","id":"bench-%08d","detail-type":"AWS API Call via CloudTrail","source":"aws.%s",
"account":"444455556666","time":"2026-11-20T11:02:33Z","region":"us-east-1","resources":[],
"detail":{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEUSERID001",
"arn":"arn:aws:iam::444455556666:user/alice","accountId":"444455556666","accessKeyId":"AKIAEXAMPLEACCESS001","userName":"alice"},
"eventTime":"2026-11-20T11:02:33Z","eventSource":"%s.amazonaws.com","eventName":"Call%03d","awsRegion":"us-east-1",
"sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
"requestParameters":{"groupId":"sg-0123456789abcdef0","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,
"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0","description":"temp ssh"}]}}]}},"responseElements":{"_return":true},
"requestID":"c0ffee00-1111-4222-8333-444455556666","eventID":"e1111111-2222-4333-8444-555555555502","readOnly":false,
"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"444455556666","eventCategory":"Management"}}`,
		id, source, source, call))
}

// BenchmarkHandleOverhead measures the engine's own work per event with 100
// playbooks loaded — parse, route (one pattern set), condition, targets,
// plan and persist (dry-run mode, so no AWS call) — into an in-memory and
// a file SQLite store. Half the events match a playbook; half match none.
// It reports p50 and p99 latency and events per second.
func BenchmarkHandleOverhead(b *testing.B) {
	for _, db := range []string{"memory", "file"} {
		b.Run(db, func(b *testing.B) {
			ctx := context.Background()
			path := sqlite.Memory
			if db == "file" {
				path = filepath.Join(b.TempDir(), "bench.db")
			}
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			pbs := benchPlaybooks(b, 100)
			eng, err := engine.New(engine.Options{Store: st, Playbooks: pbs, Cloud: benchCloud{}, DryRun: true,
				Logger: discardLogger()})
			if err != nil {
				b.Fatal(err)
			}
			sources := []string{"ec2", "s3", "iam", "glue", "rds", "kms", "lambda", "sns"}
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := range b.N {
				call := i % 200 // 100..199 match nothing
				ev := benchEvent(i, call, sources[call%len(sources)])
				t0 := time.Now()
				res, err := eng.Handle(ctx, ev)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if want := call < 100; (res.Status == store.EventMatched) != want {
					b.Fatalf("event %d: status %s", i, res.Status)
				}
			}
			cpu := cpuTime() - cpu0
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			var total time.Duration
			for _, d := range lat {
				total += d
			}
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(len(lat))/total.Seconds(), "events/s")
			// CPU time is what the engine costs; wall-clock percentiles on a
			// shared machine also measure the wait for a core.
			b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-µs/event")
		})
	}
}

// benchCloud allows everything and is never asked for credentials in a
// dry run.
type benchCloud struct{}

func (benchCloud) Config(context.Context, string, string, string) (aws.Config, error) {
	return aws.Config{}, fmt.Errorf("a dry run asked for AWS credentials")
}
func (benchCloud) Allowed(string, string) error { return nil }
func (benchCloud) IsOwnSession(arn string) bool { return strings.Contains(arn, "/rectify-") }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// cpuTime returns the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
