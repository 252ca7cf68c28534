package catalog

import (
	"io/fs"
	"os"
	"path"
	"reflect"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/pattern"
	"github.com/rectify-dev/rectify/internal/playbook"
)

// TestIncidentPlaybooks pins the modes, channels and IAM permissions of
// the real-time guard and incident response playbooks: a change to any of
// them changes what rectify may do in a member account unasked.
func TestIncidentPlaybooks(t *testing.T) {
	byID := map[string]*playbook.Playbook{}
	for _, pb := range loadCatalog(t) {
		byID[pb.ID] = pb
	}
	tests := []struct {
		id    string
		mode  playbook.Mode
		perms []string
	}{
		{"glue-dev-endpoint-insecure", playbook.Auto, []string{"glue:DeleteDevEndpoint", "glue:GetDevEndpoint"}},
		{"guardduty-instance-credential-exfiltration", playbook.Auto, []string{"iam:GetRolePolicy", "iam:PutRolePolicy"}},
		{"guardduty-instance-compromised", playbook.Approve, []string{
			"ec2:CreateSecurityGroup", "ec2:CreateSnapshot", "ec2:CreateTags", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSnapshots", "ec2:DescribeVolumes", "ec2:ModifyNetworkInterfaceAttribute",
			"ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"}},
		{"access-analyzer-external-access", playbook.Notify, []string{"access-analyzer:GetFinding", "access-analyzer:UpdateFindings"}},
	}
	reg := testRegistry(t)
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			pb := byID[tt.id]
			if pb == nil {
				t.Fatal("not built in")
			}
			if pb.Mode != tt.mode || !pb.Enabled {
				t.Errorf("mode %v, enabled %v; want %v, enabled", pb.Mode, pb.Enabled, tt.mode)
			}
			if want := []string{"security-team", "owners"}; !reflect.DeepEqual(pb.Notify.Channels, want) {
				t.Errorf("notify %v, want %v", pb.Notify.Channels, want)
			}
			perms, err := reg.Permissions(pb.Actions()...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(perms, tt.perms) {
				t.Errorf("permissions = %v, want %v", perms, tt.perms)
			}
		})
	}
}

// TestIncidentNotifications renders the notification of every fixture
// event that sets the playbook off, so that a template reading a field
// some findings lack fails here rather than in production.
func TestIncidentNotifications(t *testing.T) {
	outputs := map[string]map[string]map[string]any{
		"glue-dev-endpoint-insecure":                 {"wait_ready": {"status": "READY"}},
		"guardduty-instance-credential-exfiltration": {"revoke": {"role_name": "WebServerRole", "revoked_before": "2026-11-20T12:31:00Z"}},
		"guardduty-instance-compromised":             {"isolate": {"previous_group_ids": []any{"sg-1"}}},
		"access-analyzer-external-access":            {},
	}
	for _, pb := range loadCatalog(t) {
		out, ok := outputs[pb.ID]
		if !ok {
			continue
		}
		t.Run(pb.ID, func(t *testing.T) {
			params, err := pb.Params(nil)
			if err != nil {
				t.Fatal(err)
			}
			files, _ := fs.Glob(os.DirFS(path.Join("testdata", pb.ID)), "*.json")
			fired := 0
			for _, f := range files {
				raw, err := os.ReadFile(path.Join("testdata", pb.ID, f))
				if err != nil {
					t.Fatal(err)
				}
				ev, err := event.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				vars, _ := eventVars(t, ev, params)
				trigger, err := pattern.Compile(pb.Trigger)
				if err != nil {
					t.Fatal(err)
				}
				if ok, _ := trigger.Match(raw); !ok {
					continue
				}
				if ok, err := pb.When(vars); err != nil || !ok {
					continue
				}
				fired++
				vars.Steps = out
				subject, message, err := pb.RenderNotification(vars)
				if err != nil {
					t.Errorf("%s: %v", f, err)
					continue
				}
				if subject == "" || message == "" || strings.Contains(subject+message, "<nil>") {
					t.Errorf("%s: subject %q, message %q", f, subject, message)
				}
			}
			if fired == 0 {
				t.Error("no fixture sets the playbook off")
			}
		})
	}
}
