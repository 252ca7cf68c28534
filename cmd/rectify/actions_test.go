package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestActionsCmd(t *testing.T) {
	c := newCLI(t)
	out, code := c.rectify("actions")
	if code != 0 {
		t.Fatalf("actions exit %d:\n%s", code, out)
	}
	contains(t, "actions", out, "NAME", "CHANGES", "iam.delete-access-key", "cloudtrail.summarize-activity", "s3.enable-versioning", "tag.tag-resource")
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "cloudtrail.summarize-activity" && f[1] != "no" {
			t.Errorf("a read-only action is listed as changing things: %s", l)
		}
	}

	out, code = c.rectify("actions", "show", "securityhub.update-finding")
	if code != 0 {
		t.Fatalf("show exit %d:\n%s", code, out)
	}
	contains(t, "show", out, "name: securityhub.update-finding", "in_account", "RESOLVED",
		"reads:\n  - securityhub:GetFindings\n", "writes:\n  - securityhub:BatchUpdateFindings\n",
		"works in rectify's own account: yes", "example step:\n  - id: update_finding\n    action: securityhub.update-finding\n")

	out, code = c.rectify("actions", "show", "ec2.revoke-open-ingress", "-o", "json")
	if code != 0 {
		t.Fatalf("show -o json exit %d:\n%s", code, out)
	}
	var one struct {
		Name   string
		Reads  []string
		Writes []string
		Params []struct {
			Name, Type string
			Required   bool
			Default    any
		}
	}
	if err := json.Unmarshal([]byte(out), &one); err != nil {
		t.Fatalf("show -o json is not JSON: %v\n%s", err, out)
	}
	if one.Name != "ec2.revoke-open-ingress" || len(one.Params) != 4 || one.Params[1].Type != "port list" || one.Params[2].Name != "authorized_tcp_ports" || one.Params[0].Required != true ||
		strings.Join(one.Writes, ",") != "ec2:RevokeSecurityGroupIngress" {
		t.Errorf("show -o json = %+v", one)
	}

	out, code = c.rectify("actions", "-o", "json")
	var all []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) < 20 {
		t.Errorf("actions -o json: exit %d, %d actions:\n%s", code, len(all), out)
	}

	if out, code := c.rectify("actions", "show", "iam.delete-acess-key"); code == 0 || !strings.Contains(out, `no action "iam.delete-acess-key"`) || !strings.Contains(out, "iam.delete-access-key") {
		t.Errorf("show of an unknown action = %d:\n%s", code, out)
	}
	if out, code := c.rectify("actions", "-o", "yaml"); code == 0 || !strings.Contains(out, `invalid argument "yaml" for "-o, --output" flag: want text or json`) {
		t.Errorf("actions -o yaml = %d:\n%s", code, out)
	}
}
