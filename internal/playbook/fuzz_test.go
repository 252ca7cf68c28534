package playbook

import (
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(validPlaybook))
	f.Add([]byte("id: a\ntitle: A\ntrigger: {source: [x]}\nnotify: [team]\n---\nid: b\n"))
	f.Add([]byte("id: p\ntitle: T\ntrigger: {source: [x]}\nsteps:\n  - action: test.echo\n    with: {s: 'a ${detail.x} $${y}', m: {k: [1, '${1}']}}\n    retry: {attempts: 2, backoff: 1s}\n"))
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\n<<: {c: 1}\n"))
	f.Add([]byte("when: '${'\n"))
	reg := testRegistry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		pbs, err := Parse("f.yaml", data, Options{Registry: reg, CostLimit: 10_000})
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v is not a non-empty Errors", err)
			}
			for _, e := range errs {
				if e.Pos.File != "f.yaml" || e.Msg == "" {
					t.Fatalf("error without a place or message: %#v", e)
				}
			}
			if pbs != nil {
				t.Fatal("playbooks returned with an error")
			}
			return
		}
		vars := testVars()
		for _, pb := range pbs {
			if pb.ID == "" || len(pb.Trigger) == 0 || pb.Mode == 0 {
				t.Fatalf("incomplete playbook %+v", pb)
			}
			// Evaluation may fail on these variables but must not panic.
			_, _ = pb.When(vars)
			for _, s := range append(pb.Steps, pb.Verify...) {
				_, _ = s.ShouldRun(vars)
				_, _ = s.Render(vars)
			}
			_, _, _ = pb.RenderNotification(vars)
		}
	})
}
