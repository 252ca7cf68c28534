package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestUnroutedChannelWarnsOnce(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := NewRouter(RouterOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	m := Message{Subject: "s", PlaybookID: "p", Account: "111122223333"}
	for range 3 {
		res := r.Notify(context.Background(), []string{"security-team", "owners"}, m, nil)
		if len(res) != 2 || !res[0].Fallback || !res[1].Fallback {
			t.Fatalf("results = %+v", res)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 2 {
		t.Errorf("%d warnings, want one per channel:\n%s", n, out)
	}
	for _, want := range []string{"channel=security-team", "channel=owners", "has no destination"} {
		if !strings.Contains(out, want) {
			t.Errorf("warnings lack %q:\n%s", want, out)
		}
	}
}
