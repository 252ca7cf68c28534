package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("..", "..", "examples", "rectify.yaml")); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"", "~", "- a", "store: [a]", "aws: {accounts: {'111122223333': {role_name: x}}}",
		"notify: {channels: {a: {type: sns, topic_arn: 'arn:aws:sns:us-east-1:111122223333:t'}}, owners: {'111122223333': [a]}}",
		"serve: {max_body: 1.5MiB}", "a: &x {b: *x}", "dry_run: true\n---\n", "playbooks: {overrides: {p: {params: {k: [1, {a: b}]}}}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			var errs Errors
			if errors.As(err, &errs) && len(errs) == 0 {
				t.Fatalf("empty Errors returned as an error")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a configuration that Validate refuses: %v", err)
		}
	})
}
