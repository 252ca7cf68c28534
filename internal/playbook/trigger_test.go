package playbook

import (
	"strings"
	"testing"
)

func TestParseTrigger(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"JSON kept as written", `{"source": ["aws.ec2"], "detail": {"port": [22]}}`, `{"source": ["aws.ec2"], "detail": {"port": [22]}}`, ""},
		{"YAML", "source: [aws.ec2]\ndetail:\n  eventName: [AuthorizeSecurityGroupIngress]\n  port: [{numeric: ['>', 1024]}]\n",
			`{"detail":{"eventName":["AuthorizeSecurityGroupIngress"],"port":[{"numeric":[">",1024]}]},"source":["aws.ec2"]}`, ""},
		{"a list", "- a\n", "", "want a mapping"},
		{"a syntax error", "source: [aws.ec2\n", "", "neither JSON nor YAML"},
		{"empty", "  \n", "", "empty pattern"},
		{"two documents", "source: [a]\n---\nsource: [b]\n", "", "more than one YAML document"},
	}
	for _, tt := range tests {
		got, err := ParseTrigger([]byte(tt.in))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: ParseTrigger = %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}
