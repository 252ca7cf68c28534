package catalog

import (
	"io/fs"
	"os"
	"path"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/playbook"
)

// testRegistry returns the registry of rectify's real actions, so the
// playbooks are checked against the parameters the actions declare.
func testRegistry(t *testing.T) *action.Registry {
	t.Helper()
	r, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type expectations struct {
	Events map[string]struct {
		Fires bool                      `yaml:"fires"`
		Steps map[string]map[string]any `yaml:"steps"`
		// Outputs stands in for the outputs of earlier steps, which
		// step conditions and templates may read.
		Outputs map[string]map[string]any `yaml:"outputs"`
		// Run stands in for the run so far (the CEL variable run).
		Run struct {
			Summary string   `yaml:"summary"`
			Changes []string `yaml:"changes"`
		} `yaml:"run"`
		// Skip is why the playbook does not act on the event's first
		// finding (or target), when it fires but skips it.
		Skip string `yaml:"skip"`
	} `yaml:"events"`
}

func loadCatalog(t *testing.T) []*playbook.Playbook {
	t.Helper()
	pbs, err := Load(testRegistry(t), playbook.Options{})
	if err != nil {
		t.Fatalf("built-in playbooks do not load:\n%v", err)
	}
	return pbs
}

// TestLayout checks that every playbook is in <id>.yaml and has fixtures,
// and that every fixture directory belongs to a playbook.
func TestLayout(t *testing.T) {
	pbs := loadCatalog(t)
	if len(pbs) == 0 {
		t.Fatal("no built-in playbooks")
	}
	ids := map[string]bool{}
	for _, pb := range pbs {
		ids[pb.ID] = true
		if pb.Pos.File != pb.ID+".yaml" {
			t.Errorf("playbook %s is in %s, want %s.yaml", pb.ID, pb.Pos.File, pb.ID)
		}
		if _, err := os.Stat(path.Join("testdata", pb.ID, "expect.yaml")); err != nil {
			t.Errorf("playbook %s has no fixtures: %v", pb.ID, err)
		}
	}
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !ids[d.Name()] {
			t.Errorf("testdata/%s belongs to no playbook", d.Name())
		}
	}
}

// TestFixtures runs every playbook's fixture events through its trigger,
// condition, step conditions and templates.
func TestFixtures(t *testing.T) {
	reg := testRegistry(t)
	for _, pb := range loadCatalog(t) {
		t.Run(pb.ID, func(t *testing.T) {
			dir := path.Join("testdata", pb.ID)
			var exp expectations
			data, err := os.ReadFile(path.Join(dir, "expect.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			dec := yaml.NewDecoder(strings.NewReader(string(data)))
			dec.KnownFields(true)
			if err := dec.Decode(&exp); err != nil {
				t.Fatalf("expect.yaml: %v", err)
			}
			files, _ := fs.Glob(os.DirFS(dir), "*.json")
			for _, f := range files {
				if _, ok := exp.Events[f]; !ok {
					t.Errorf("%s/%s has no expectation in expect.yaml", dir, f)
				}
			}
			trigger, err := pattern.Compile(pb.Trigger)
			if err != nil {
				t.Fatal(err)
			}
			params, err := pb.Params(nil)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range exp.Events {
				t.Run(name, func(t *testing.T) {
					raw, err := os.ReadFile(path.Join(dir, name))
					if err != nil {
						t.Fatal(err)
					}
					ev, err := event.Parse(raw)
					if err != nil {
						t.Fatal(err)
					}
					vars, target := eventVars(t, ev, params)
					matched, err := trigger.Match(raw)
					if err != nil {
						t.Fatal(err)
					}
					skip := ""
					if matched {
						if skip, err = pb.Check(vars); err != nil {
							t.Fatal(err)
						}
					}
					if fires := matched && skip == ""; fires != want.Fires || (want.Skip != "" && skip != want.Skip) {
						t.Fatalf("matched = %v, skipped %q; want fires = %v, skipped %q", matched, skip, want.Fires, want.Skip)
					}
					if want.Steps == nil {
						return
					}
					if vars.Params, err = pb.ParamsFor(params, nil, target.Attributes["controlId"], target.ControlParams); err != nil {
						t.Fatal(err)
					}
					vars.Steps = want.Outputs
					vars.Run = playbook.Run{Summary: want.Run.Summary, Changes: want.Run.Changes}
					checkSteps(t, reg, pb, vars, want.Steps)
				})
			}
		})
	}
}

// eventVars returns the variables of a run on the event's first target,
// and that target.
func eventVars(t *testing.T, ev *event.Event, params map[string]any) (playbook.Vars, event.Target) {
	t.Helper()
	m, err := ev.Map()
	if err != nil {
		t.Fatal(err)
	}
	targets, err := ev.Targets()
	if err != nil {
		t.Fatal(err)
	}
	vars := playbook.Vars{Event: m, Params: params}
	if len(targets) == 0 {
		return vars, event.Target{}
	}
	vars.Target = playbook.TargetVars(targets[0])
	return vars, targets[0]
}

func checkSteps(t *testing.T, reg *action.Registry, pb *playbook.Playbook, vars playbook.Vars, want map[string]map[string]any) {
	t.Helper()
	for _, s := range pb.Steps {
		w, listed := want[s.ID]
		if !listed {
			t.Errorf("step %s is not in expect.yaml", s.ID)
			continue
		}
		run, err := s.ShouldRun(vars)
		if err != nil {
			t.Fatal(err)
		}
		if run != (w != nil) {
			t.Errorf("step %s runs = %v, want %v", s.ID, run, w != nil)
			continue
		}
		if !run {
			continue
		}
		got, err := s.Render(vars)
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := reg.Lookup(s.Action)
		wantParams, err := spec.Check(w)
		if err != nil {
			t.Fatalf("expect.yaml: step %s: %v", s.ID, err)
		}
		if !reflect.DeepEqual(got, wantParams) {
			t.Errorf("step %s renders to %#v, want %#v", s.ID, got, wantParams)
		}
	}
}

func TestExposedAccessKeys(t *testing.T) {
	var pb *playbook.Playbook
	for _, p := range loadCatalog(t) {
		if p.ID == "ta-exposed-access-keys" {
			pb = p
		}
	}
	if pb == nil {
		t.Fatal("ta-exposed-access-keys is not built in")
	}
	if pb.Mode != playbook.Auto || !pb.Enabled || !reflect.DeepEqual(pb.Notify.Channels, []string{"security-team"}) {
		t.Fatalf("mode %v, enabled %v, notify %v", pb.Mode, pb.Enabled, pb.Notify.Channels)
	}
	raw, err := os.ReadFile("testdata/ta-exposed-access-keys/event.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := event.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}

	// With delete_key false the key is only deactivated.
	params, err := pb.Params(map[string]any{"delete_key": false, "activity_window": "2h"})
	if err != nil {
		t.Fatal(err)
	}
	vars, _ := eventVars(t, ev, params)
	if vars.Target["id"] != "AKIAIOSFODNN7EXAMPLE" || vars.Target["attributes"].(map[string]any)["userName"] != "ci-deployer" {
		t.Fatalf("target = %v", vars.Target)
	}
	var ran []string
	for _, s := range pb.Steps {
		ok, err := s.ShouldRun(vars)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			ran = append(ran, s.ID)
		}
	}
	if !reflect.DeepEqual(ran, []string{"deactivate", "activity"}) {
		t.Fatalf("steps run with delete_key false: %v", ran)
	}
	got, err := pb.Steps[2].Render(vars)
	if err != nil {
		t.Fatal(err)
	}
	if got["window"] != 2*time.Hour {
		t.Fatalf("window = %v, want 2h", got["window"])
	}

	vars.Steps = map[string]map[string]any{"activity": {"summary": "12 calls from 2 IPs"}}
	subject, message, err := pb.RenderNotification(vars)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Exposed access key AKIAIOSFODNN7EXAMPLE of ci-deployer in account 444455556666" {
		t.Errorf("subject = %q", subject)
	}
	for _, want := range []string{
		"access key AKIAIOSFODNN7EXAMPLE of IAM user ci-deployer exposed at https://github.com/example/leaky/blob/main/deploy.sh",
		"The key was deactivated.\n",
		"in the last 2h:\n12 calls from 2 IPs",
	} {
		if !strings.Contains(message, want) {
			t.Errorf("message does not contain %q:\n%s", want, message)
		}
	}
	vars.Params, _ = pb.Params(nil)
	if _, message, _ = pb.RenderNotification(vars); !strings.Contains(message, "deactivated and deleted.") {
		t.Errorf("message with delete_key true:\n%s", message)
	}

	perms, err := testRegistry(t).Permissions(pb.Actions()...)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cloudtrail:LookupEvents", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"}; !reflect.DeepEqual(perms, want) {
		t.Errorf("permissions = %v, want %v", perms, want)
	}
}

func TestLoadNeedsActions(t *testing.T) {
	_, err := Load(action.NewRegistry(), playbook.Options{})
	if err == nil || !strings.Contains(err.Error(), `ta-exposed-access-keys.yaml:21:13: steps[0].action: unknown action "iam.deactivate-access-key"`) {
		t.Fatalf("Load with an empty registry = %v", err)
	}
}
