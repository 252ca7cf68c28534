package main

import (
	"bytes"
	"encoding/json"
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
	yamlPat := write("pattern.yaml", "source: [aws.ec2]\ndetail:\n  eventName: [{prefix: Authorize}]\n")
	typo := write("typo.yaml", "source: [aws.ec2]\ndetail_type: [AWS API Call via CloudTrail]\n")
	badPat := write("bad.json", `{"source":[{"prefix":1}]}`)
	notPat := write("list.yaml", "- a\n")
	match := write("match.json", `{"source":"aws.ec2","detail":{"eventName":"AuthorizeSecurityGroupIngress"}}`)
	noMatch := write("nomatch.json", `{"source":"aws.s3","detail":{"eventName":"PutBucketPolicy"}}`)
	badEvent := write("badevent.json", `{"source":`)
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	sg := abs("../../internal/catalog/testdata/ec2-security-group-open-to-world/event.json")
	ta := abs("../../internal/catalog/testdata/ta-exposed-access-keys/event.json")

	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		out   string // standard output, exactly; or a part of the error
		warn  string
	}{
		{"JSON match", []string{pat, match}, "", 0, "true\n", ""},
		{"JSON no match", []string{pat, noMatch}, "", 1, "false\n", ""},
		{"YAML match", []string{yamlPat, match}, "", 0, "true\n", ""},
		{"event from standard input", []string{yamlPat, "-"}, `{"source":"aws.ec2","detail":{"eventName":"AuthorizeSecurityGroupEgress"}}`, 0, "true\n", ""},
		{"a misspelt key warns and never matches", []string{typo, match}, "", 1, "false\n", `"detail_type" (did you mean "detail-type"?)`},
		{"playbook trigger matches its event", []string{"--playbook", "ec2-security-group-open-to-world", sg}, "", 0, "true\n", ""},
		{"playbook trigger, another event", []string{"--playbook", "ec2-security-group-open-to-world", ta}, "", 1, "false\n", ""},
		{"JSON output", []string{"-o", "json", "--playbook", "ta-exposed-access-keys", ta}, "", 0, `{"match":true,"pattern":"playbook ta-exposed-access-keys trigger"}`, ""},
		{"invalid pattern", []string{badPat, match}, "", 2, "source[0].prefix", ""},
		{"not a pattern", []string{notPat, match}, "", 2, "want a mapping", ""},
		{"invalid event", []string{pat, badEvent}, "", 2, "badevent.json", ""},
		{"missing event", []string{pat, filepath.Join(dir, "missing.json")}, "", 2, "missing.json", ""},
		{"unknown playbook", []string{"--playbook", "nope", match}, "", 2, `no playbook "nope"`, ""},
		{"one argument", []string{pat}, "", 2, "give a pattern file and an event file", ""},
		{"playbook and two files", []string{"--playbook", "ta-exposed-access-keys", pat, match}, "", 2, "with --playbook, give one argument", ""},
	}
	t.Chdir(dir) // no rectify.yaml
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := newRootCmd()
			var out, errOut bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SetIn(strings.NewReader(tc.stdin))
			cmd.SetArgs(append([]string{"test-pattern"}, tc.args...))
			err := cmd.Execute()
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d (err %v, out %q)", code, tc.code, err, out.String())
			}
			switch {
			case tc.code == 2:
				if err == nil || !strings.Contains(err.Error(), tc.out) {
					t.Errorf("error = %v, want one containing %q", err, tc.out)
				}
			case strings.HasPrefix(tc.out, "{"):
				var got, want any
				if json.Unmarshal(out.Bytes(), &got) != nil || json.Unmarshal([]byte(tc.out), &want) != nil || !jsonEqual(got, want) {
					t.Errorf("output %q, want %s", out.String(), tc.out)
				}
			default:
				if out.String() != tc.out {
					t.Errorf("output %q, want %q", out.String(), tc.out)
				}
				if err != nil && !silent(err) {
					t.Errorf("a non-match says %v; want only the exit status", err)
				}
			}
			if tc.warn != "" && !strings.Contains(errOut.String(), tc.warn) {
				t.Errorf("standard error %q lacks the warning %q", errOut.String(), tc.warn)
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
