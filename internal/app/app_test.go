package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/config"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

const unmatched = `{"version":"0","id":"ev-1","detail-type":"Something Else","source":"aws.health","account":"123456789012",
"time":"2026-11-20T11:02:33Z","region":"us-east-1","resources":[],"detail":{}}`

func TestStoreDrivers(t *testing.T) {
	tests := []struct {
		name string
		yaml func(dir string) string
	}{
		{"sqlite", func(dir string) string { return "store: {path: " + filepath.Join(dir, "r.db") + "}\n" }},
		{"dynamodb", func(string) string { return "store: {driver: dynamodb, table: rectify-state, create_table: true}\n" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			sim := awssim.Start(t)
			cfg, err := config.Parse("rectify.yaml", []byte(tt.yaml(t.TempDir())))
			if err != nil {
				t.Fatal(err)
			}
			awsCfg := sim.Config("")
			a, err := app.New(ctx, cfg, app.Options{AWS: &awsCfg, Builtin: catalog.FS()})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if len(a.Engine.Playbooks()) == 0 {
				t.Error("no built-in playbook enabled")
			}
			res, err := a.Engine.Handle(ctx, []byte(unmatched))
			if err != nil || res.Status != store.EventUnmatched {
				t.Fatalf("Handle = %+v, %v", res, err)
			}
			recs, err := a.Store.ListEvents(ctx, store.EventFilter{ID: "ev-1"})
			if err != nil || len(recs) != 1 || recs[0].Status != store.EventUnmatched {
				t.Errorf("recorded = %+v, %v", recs, err)
			}
		})
	}
}

func TestUnknownOverrideIsAnError(t *testing.T) {
	sim := awssim.Start(t)
	cfg, err := config.Parse("rectify.yaml", []byte("store: {path: "+filepath.Join(t.TempDir(), "r.db")+"}\nplaybooks: {overrides: {no-such-playbook: {mode: auto}}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	awsCfg := sim.Config("")
	if a, err := app.New(context.Background(), cfg, app.Options{AWS: &awsCfg, Builtin: catalog.FS()}); err == nil {
		a.Close()
		t.Fatal("an override of a playbook that does not exist was accepted")
	}
}

// TestExampleConfiguration keeps examples/rectify.yaml and the example
// playbooks loadable: every override names a real playbook and parameter.
func TestExampleConfiguration(t *testing.T) {
	t.Setenv("RECTIFY_EXTERNAL_ID", "example")
	cfg, err := config.Load(filepath.Join("..", "..", "examples", "rectify.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store.Path = filepath.Join(t.TempDir(), "r.db")
	sim := awssim.Start(t)
	awsCfg := sim.Config("")
	a, err := app.New(context.Background(), cfg, app.Options{AWS: &awsCfg, Builtin: catalog.FS()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	found := false
	for _, id := range a.Engine.Playbooks() {
		found = found || id == "cloudtrail-logging-stopped"
	}
	if !found {
		t.Errorf("the example playbook is not enabled: %v", a.Engine.Playbooks())
	}
}

// TestTriggersNameKeysEventsHave keeps the built-in and example playbooks
// free of trigger keys that no event has, and checks that the playbooks of
// a configured directory are checked.
func TestTriggersNameKeysEventsHave(t *testing.T) {
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := playbook.Load(catalog.FS(), app.PlaybookOptions(reg))
	if err != nil {
		t.Fatal(err)
	}
	examples, err := playbook.Load(os.DirFS(filepath.Join("..", "..", "examples", "playbooks")), app.PlaybookOptions(reg))
	if err != nil {
		t.Fatal(err)
	}
	for _, pb := range append(builtin, examples...) {
		for _, w := range pb.Warnings {
			t.Errorf("playbook %s: %v", pb.ID, w)
		}
	}

	dir := t.TempDir()
	typo := `id: typo
title: A misspelt key
trigger:
  source: [aws.ec2]
  detail_type: [AWS API Call via CloudTrail]
steps:
  - action: ec2.revoke-open-ingress
    with: {group_id: sg-1}
`
	if err := os.WriteFile(filepath.Join(dir, "typo.yaml"), []byte(typo), 0o600); err != nil {
		t.Fatal(err)
	}
	pbs, err := app.LoadPlaybooks(reg, catalog.FS(), []string{dir}, playbook.ControlOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	for _, pb := range pbs {
		for _, w := range pb.Warnings {
			warned = append(warned, w.Error())
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], `typo.yaml:5:3: trigger.detail_type: EventBridge events have no key "detail_type" (did you mean "detail-type"?)`) {
		t.Errorf("warnings = %q", warned)
	}
}
