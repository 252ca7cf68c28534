package demo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/demo"
)

func TestDemoRemediatesEveryScenario(t *testing.T) {
	var out bytes.Buffer
	if err := demo.Run(context.Background(), &out, demo.Options{}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	report := out.String()
	for _, want := range []string{
		"has no access keys: the exposed key is gone",
		"iam.delete-access-key",
		"Notification to the security team",
		"203.0.113.66",
		"succeeded",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("demo report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "failed") {
		t.Errorf("a run failed:\n%s", report)
	}
}
