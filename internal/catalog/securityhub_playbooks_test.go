package catalog_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/playbook"
)

func loadEC213(t *testing.T) (*playbook.Playbook, *action.Registry) {
	t.Helper()
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pbs, err := catalog.Load(reg, playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pb := range pbs {
		if pb.ID == ec213Playbook {
			return pb, reg
		}
	}
	t.Fatalf("playbook %s is not built in", ec213Playbook)
	return nil, nil
}

// TestSecurityHubEC213LeastPrivilege pins the playbook's mode, channels and
// the permissions derived from its actions.
func TestSecurityHubEC213LeastPrivilege(t *testing.T) {
	pb, reg := loadEC213(t)
	if pb.Mode != playbook.Auto || !pb.Enabled || !reflect.DeepEqual(pb.Notify.Channels, []string{"security-team", "owners"}) {
		t.Errorf("mode %v, enabled %v, notify %v", pb.Mode, pb.Enabled, pb.Notify.Channels)
	}
	want := []string{"ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress", "securityhub:BatchUpdateFindings", "securityhub:GetFindings"}
	if got, err := reg.Permissions(pb.Actions()...); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("permissions = %v, %v; want %v", got, err, want)
	}
}

// ec213Batch returns the fixture event with n findings on n groups, parsed,
// with its targets and map. Of every ten findings, the sixth is PASSED, the
// eighth ARCHIVED and the tenth in workflow status NOTIFIED; the others are
// failed, active and new.
func ec213Batch(tb testing.TB, n int) ([]byte, []event.Target, map[string]any) {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", ec213Playbook, "event.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		tb.Fatal(err)
	}
	detail := ev["detail"].(map[string]any)
	tmpl, _ := json.Marshal(detail["findings"].([]any)[0])
	var findings []any
	for i := range n {
		var f map[string]any
		if err := json.Unmarshal(tmpl, &f); err != nil {
			tb.Fatal(err)
		}
		f["Id"] = fmt.Sprintf("%s-%03d", f["Id"], i)
		f["Resources"].([]any)[0].(map[string]any)["Id"] = fmt.Sprintf("arn:aws:ec2:us-east-1:444455556666:security-group/sg-%017x", i)
		switch i % 10 {
		case 5:
			f["Compliance"].(map[string]any)["Status"] = "PASSED"
		case 7:
			f["RecordState"] = "ARCHIVED"
		case 9:
			f["Workflow"] = map[string]any{"Status": "NOTIFIED"}
		}
		findings = append(findings, f)
	}
	detail["findings"] = findings
	raw, _ = json.Marshal(ev)
	e, err := event.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	targets, err := e.Targets()
	if err != nil || len(targets) != n {
		tb.Fatalf("targets = %d, %v; want %d", len(targets), err, n)
	}
	m, err := e.Map()
	if err != nil {
		tb.Fatal(err)
	}
	return raw, targets, m
}

// TestSecurityHubEC213FullBatch checks a batch of 100 findings, the most
// one event carries: each finding is judged on its own.
func TestSecurityHubEC213FullBatch(t *testing.T) {
	pb, _ := loadEC213(t)
	_, targets, m := ec213Batch(t, 100)
	params, err := pb.Params(nil)
	if err != nil {
		t.Fatal(err)
	}
	fired := 0
	for i, tg := range targets {
		skip, err := pb.Check(playbook.Vars{Event: m, Target: playbook.TargetVars(tg), Params: params})
		if err != nil {
			t.Fatalf("finding %d: %v", i, err)
		}
		ok := skip == ""
		if want := i%10 != 5 && i%10 != 7 && i%10 != 9; ok != want {
			t.Errorf("finding %d (%s) fires = %v", i, tg.ID, ok)
		}
		if ok {
			fired++
		}
	}
	if fired != 70 {
		t.Errorf("fired for %d findings, want 70", fired)
	}
}

// BenchmarkSecurityHubEC213Route measures what routing a batch costs this
// playbook: the trigger once, the check per finding. The check reads its
// finding's facts from the target, so a batch costs in proportion to its
// size.
func BenchmarkSecurityHubEC213Route(b *testing.B) {
	reg, err := action.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	pbs, err := catalog.Load(reg, playbook.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var pb *playbook.Playbook
	for _, p := range pbs {
		if p.ID == ec213Playbook {
			pb = p
		}
	}
	trigger, err := pattern.Compile(pb.Trigger)
	if err != nil {
		b.Fatal(err)
	}
	params, err := pb.Params(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("findings=%d", n), func(b *testing.B) {
			raw, targets, m := ec213Batch(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := trigger.Match(raw); err != nil || !ok {
					b.Fatalf("trigger = %v, %v", ok, err)
				}
				for _, tg := range targets {
					if _, err := pb.Check(playbook.Vars{Event: m, Target: playbook.TargetVars(tg), Params: params}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
