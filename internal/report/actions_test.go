package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/report"
)

// TestExampleStepsLoad puts every built-in action's example step in a
// playbook and loads it: the examples are valid playbook YAML whose
// parameters have the right types.
func TestExampleStepsLoad(t *testing.T) {
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range reg.All() {
		t.Run(spec.Name, func(t *testing.T) {
			example := report.ExampleStep(spec)
			var b strings.Builder
			b.WriteString("id: example\ntitle: Example\ntrigger: {source: [aws.ec2]}\nsteps:\n")
			for _, l := range strings.Split(strings.TrimRight(example, "\n"), "\n") {
				b.WriteString("  " + l + "\n")
			}
			pbs, err := playbook.Parse("example.yaml", []byte(b.String()), playbook.Options{Registry: reg})
			if err != nil {
				t.Fatalf("example step does not load: %v\n%s", err, b.String())
			}
			if got := pbs[0].Steps[0].Action; got != spec.Name {
				t.Errorf("example step's action = %s", got)
			}
			for _, p := range spec.Params {
				if !strings.Contains(example, "    "+p.Name+": ") || !strings.Contains(example, "# "+p.Type.String()) {
					t.Errorf("example lacks parameter %s of type %s:\n%s", p.Name, p.Type, example)
				}
			}
		})
	}
}

func TestActionShow(t *testing.T) {
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := reg.Lookup("ec2.quarantine-instance")
	var out bytes.Buffer
	report.Action(&out, spec)
	for _, want := range []string{
		"name: ec2.quarantine-instance\n",
		"group_name   string  no        rectify-quarantine  the quarantine security group's name\n",
		"reads:\n  - ec2:DescribeInstances\n  - ec2:DescribeSecurityGroups\n  - ec2:DescribeNetworkInterfaces\n",
		"writes:\n  - ec2:CreateSecurityGroup\n",
		"extra permissions:\n  - ec2:CreateTags\n",
		"works in rectify's own account: no",
		"example step:\n  - id: quarantine_instance\n    action: ec2.quarantine-instance\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := report.ActionsJSON(&out, reg.All()); err != nil {
		t.Fatal(err)
	}
	var infos []report.ActionInfo
	if err := json.Unmarshal(out.Bytes(), &infos); err != nil || len(infos) != reg.Len() {
		t.Fatalf("JSON list: %d actions, %v", len(infos), err)
	}
	for _, info := range infos {
		if info.Name == "securityhub.update-finding" && !info.Home {
			t.Error("securityhub.update-finding does not say it can work in rectify's own account")
		}
		if len(info.Writes) > 0 && !info.Verified {
			t.Errorf("%s writes but is not verified", info.Name)
		}
	}
}
