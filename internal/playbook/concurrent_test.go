package playbook

import (
	"sync"
	"testing"
)

func TestConcurrentUse(t *testing.T) {
	pb := mustParse(t, validPlaybook)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				vars := testVars()
				if ok, err := pb.When(vars); !ok || err != nil {
					t.Error(ok, err)
					return
				}
				for _, s := range pb.Steps {
					if _, err := s.Render(vars); err != nil {
						t.Error(err)
						return
					}
				}
				if _, _, err := pb.RenderNotification(vars); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
