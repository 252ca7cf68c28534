package catalog_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/config"
)

// instance is one rectify process of a test: its app and a way to stop it
// before the test ends, as a restart does.
type instance struct {
	*app.App
	stop func()
}

// start assembles rectify from the configuration yml, in which %DB% stands
// for the store's path, keeping its state in db so that a later start on
// the same path continues where this one stopped.
func (h *harness) start(t *testing.T, db, yml string) *instance {
	t.Helper()
	yml = fmt.Sprintf("store: {path: %q}\n%s", db, yml)
	cfg, err := config.Parse("rectify.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	awsCfg := h.sim.Config("")
	a, err := app.New(context.Background(), cfg, app.Options{AWS: &awsCfg, Builtin: catalog.FS(), Clock: h.sim.Now})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := a.Close(); err != nil {
				t.Errorf("close rectify: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &instance{App: a, stop: stop}
}

// standardConfig is the configuration of harness.rectify, without the
// store, followed by extra.
func (h *harness) standardConfig(extra string) string {
	return fmt.Sprintf(`
aws:
  role_name: rectify-remediation
  external_id: org-ext-id
  max_attempts: 5
notify:
  channels:
    security: {type: sns, topic_arn: %q}
  security_team: security
%s`, h.topic, extra)
}
