package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTestPatternCmd(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pat := write("pattern.json", `{"source":["aws.ec2"],"detail":{"eventName":[{"prefix":"Authorize"}]}}`)
	badPat := write("bad.json", `{"source":[{"prefix":1}]}`)
	match := write("match.json", `{"source":"aws.ec2","detail":{"eventName":"AuthorizeSecurityGroupIngress"}}`)
	noMatch := write("nomatch.json", `{"source":"aws.s3","detail":{"eventName":"PutBucketPolicy"}}`)
	badEvent := write("badevent.json", `{"source":`)

	tests := []struct {
		args    []string
		out     string
		errPart string
	}{
		{[]string{pat, match}, "true\n", ""},
		{[]string{pat, noMatch}, "false\n", ""},
		{[]string{badPat, match}, "", "source[0].prefix"},
		{[]string{pat, badEvent}, "", "badevent.json"},
		{[]string{pat, filepath.Join(dir, "missing.json")}, "", "missing.json"},
		{[]string{pat}, "", "accepts 2 arg"},
	}
	for _, tc := range tests {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(append([]string{"test-pattern"}, tc.args...))
		err := cmd.Execute()
		if tc.errPart == "" {
			if err != nil || out.String() != tc.out {
				t.Errorf("test-pattern %v = %q, %v; want %q", tc.args, out.String(), err, tc.out)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.errPart) || exitCode(err) == 0 {
			t.Errorf("test-pattern %v error = %v, want one containing %q", tc.args, err, tc.errPart)
		}
	}
}
