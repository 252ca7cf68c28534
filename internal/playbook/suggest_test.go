package playbook

import "testing"

func TestSuggest(t *testing.T) {
	opts := []string{"trigger", "title", "steps", "notify", "iam.delete-access-key"}
	tests := []struct{ in, want string }{
		{"tigger", "trigger"},
		{"titel", "title"},
		{"step", "steps"},
		{"notfy", "notify"},
		{"iam.delete-acess-key", "iam.delete-access-key"},
		{"owner", ""},
		{"x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, opts); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
