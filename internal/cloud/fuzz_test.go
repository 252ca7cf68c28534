package cloud

import (
	"strings"
	"testing"
)

func FuzzSessionName(f *testing.F) {
	for _, s := range []string{"", "run-1", "run 1/2", "ünïcode", strings.Repeat("x", 100), "\x00\xff"} {
		f.Add("rectify", s)
	}
	f.Fuzz(func(t *testing.T, prefix, session string) {
		if CheckSessionPrefix(prefix) != nil {
			return
		}
		name := SessionName(prefix, session)
		if !stsSessionName.MatchString(name) {
			t.Fatalf("SessionName(%q, %q) = %q, which STS refuses", prefix, session, name)
		}
		if !strings.HasPrefix(name, prefix+"-") {
			t.Fatalf("SessionName(%q, %q) = %q lost its prefix", prefix, session, name)
		}
		arn := "arn:aws:sts::111122223333:assumed-role/r/" + name
		if got, ok := sessionFromARN(arn); !ok || got != name {
			t.Fatalf("sessionFromARN(%q) = %q, %v", arn, got, ok)
		}
	})
}
