package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestControlsCmd(t *testing.T) {
	c := newCLI(t)
	out, code := c.rectify("controls")
	if code != 0 {
		t.Fatalf("controls exit %d:\n%s", code, out)
	}
	contains(t, "controls", out, "CONTROL", "PLAYBOOK", "PERMISSIONS", "EC2.13", "EC2.14", "securityhub-ec2-open-ssh-rdp", "ec2:RevokeSecurityGroupIngress", "cis-1.2.0")
	if strings.Contains(out, "not supported yet") || strings.Contains(out, "IAM.7 ") {
		t.Errorf("controls lists unsupported controls:\n%s", out)
	}

	out, code = c.rectify("controls", "--all")
	if code != 0 || strings.Count(out, "not supported yet") < 100 {
		t.Errorf("controls --all exit %d:\n%s", code, out)
	}
	contains(t, "controls --all", out, "IAM.7 ", "Autoscaling.5", "CloudWatch.16")

	// A standard-specific id names its control.
	out, code = c.rectify("controls", "show", "PCI.EC2.5")
	if code != 0 {
		t.Fatalf("show exit %d:\n%s", code, out)
	}
	contains(t, "show PCI.EC2.5", out, "PCI DSS v3.2.1 PCI.EC2.5 is Security Hub control EC2.13.", "control: EC2.13",
		"  - CIS AWS Foundations Benchmark v1.2.0: 4.1\n", "arn:aws-us-gov:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1",
		"playbook: securityhub-ec2-open-ssh-rdp", "    ports: [22]\n", "resolve_finding (securityhub.update-finding), added by rectify",
		"permissions in the finding's account:\n    - ec2:DescribeSecurityGroupRules\n")

	// EC2.14's own port; a central finding account moves the finding's
	// permissions to rectify's own account.
	c.write("rectify.yaml", "version: 1\nstore:\n  path: state/rectify.db\nsecurityhub:\n  finding_account: central\n")
	out, code = c.rectify("controls", "show", "cis-aws-foundations-benchmark/v/1.2.0/4.2")
	if code != 0 {
		t.Fatalf("show exit %d:\n%s", code, out)
	}
	contains(t, "show 4.2", out, "CIS AWS Foundations Benchmark v1.2.0 4.2 is Security Hub control EC2.14.", "    ports: [3389]\n",
		"    finding_account: central\n", "permissions in rectify's own account:\n    - securityhub:BatchUpdateFindings\n    - securityhub:GetFindings\n")
	if i := strings.Index(out, "permissions in the finding's account:"); i < 0 || strings.Contains(out[i:strings.Index(out, "permissions in rectify's own")], "securityhub:") {
		t.Errorf("securityhub permissions are asked of the member account:\n%s", out)
	}

	// A bare CIS id names a control in each version that has it.
	out, code = c.rectify("controls", "show", "1.8")
	if code != 0 {
		t.Fatalf("show 1.8 exit %d:\n%s", code, out)
	}
	contains(t, "show 1.8", out, "1.8 names 3 controls: IAM.14 (CIS AWS Foundations Benchmark v1.2.0), IAM.15 (CIS AWS Foundations Benchmark v1.4.0), IAM.15 (CIS AWS Foundations Benchmark v3.0.0).",
		"control: IAM.14", "control: IAM.15", "playbook: none (not supported yet)")

	out, code = c.rectify("controls", "show", "EC2.13", "-o", "json")
	var shown []struct {
		ID        string
		Standards []struct {
			Key       string
			ControlID string `json:"control_id"`
		}
		Supported bool
		Playbooks []struct {
			ID          string
			Mode        string
			Params      map[string]any
			Changes     []string
			Permissions []string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || len(shown) != 1 {
		t.Fatalf("show -o json exit %d:\n%s", code, out)
	}
	if s := shown[0]; s.ID != "EC2.13" || !s.Supported || len(s.Standards) != 3 || s.Standards[1].ControlID != "PCI.EC2.5" ||
		len(s.Playbooks) != 1 || s.Playbooks[0].Mode != "auto" || len(s.Playbooks[0].Permissions) != 3 {
		t.Errorf("show -o json = %+v", s)
	}

	out, code = c.rectify("controls", "--all", "-o", "json")
	var all []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) != 106 {
		t.Errorf("controls --all -o json: exit %d, %d controls", code, len(all))
	}

	if out, code := c.rectify("controls", "show", "EC2.133"); code == 0 || !strings.Contains(out, `no Security Hub control "EC2.133" (did you mean EC2.13?)`) {
		t.Errorf("show of an unknown control = %d:\n%s", code, out)
	}
}
