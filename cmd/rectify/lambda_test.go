package main

import (
	"slices"
	"testing"
)

func TestCommandArgs(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want []string
	}{
		{name: "bootstrap", argv: []string{"bootstrap"}, want: []string{"lambda"}},
		{name: "bootstrap by path", argv: []string{"/var/task/bootstrap"}, want: []string{"lambda"}},
		{name: "bootstrap with arguments", argv: []string{"/var/task/bootstrap", "lambda", "--config", "/var/task/rectify.yaml"},
			want: []string{"lambda", "--config", "/var/task/rectify.yaml"}},
		{name: "bootstrap asked for help", argv: []string{"./bootstrap", "--help"}, want: []string{"--help"}},
		{name: "rectify", argv: []string{"/usr/local/bin/rectify"}, want: []string{}},
		{name: "rectify command", argv: []string{"rectify", "serve", "--addr", ":8080"}, want: []string{"serve", "--addr", ":8080"}},
		{name: "directory named bootstrap", argv: []string{"/opt/bootstrap/rectify"}, want: []string{}},
		{name: "similar name", argv: []string{"bootstrap.sh"}, want: []string{}},
		{name: "no program", argv: nil, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := commandArgs(tt.argv)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("commandArgs(%q) = %#v, want %q", tt.argv, got, tt.want)
			}
		})
	}
}
