package spelling

import "testing"

func TestClosest(t *testing.T) {
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
		if got := Closest(tt.in, opts); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"kitten", "sitting", -1, 3},
		{"", "abc", -1, 3},
		{"same", "same", -1, 0},
		{"kitten", "sitting", 2, 3}, // within reach of the limit: exact
		{"a", "abcdef", 2, 3},       // lengths alone exceed it
		{"region", "regoin", -1, 2},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}
