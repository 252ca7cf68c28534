package catalog_test

import (
	"reflect"
	"testing"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/catalog"
	"github.com/rectify-dev/rectify/internal/playbook"
)

// TestEC2PlaybooksLeastPrivilege pins what the EC2 playbooks may do in a
// member account: the permissions derived from their actions.
func TestEC2PlaybooksLeastPrivilege(t *testing.T) {
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pbs, err := catalog.Load(reg, playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"ec2-security-group-open-to-world": {"ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress"},
		"ec2-internet-gateway-attached":    {"ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DetachInternetGateway"},
	}
	for _, pb := range pbs {
		perms, ok := want[pb.ID]
		if !ok {
			continue
		}
		delete(want, pb.ID)
		if pb.Mode != playbook.Auto || !pb.Enabled || !reflect.DeepEqual(pb.Notify.Channels, []string{"security-team", "owners"}) {
			t.Errorf("%s: mode %v, enabled %v, notify %v", pb.ID, pb.Mode, pb.Enabled, pb.Notify.Channels)
		}
		got, err := reg.Permissions(pb.Actions()...)
		if err != nil || !reflect.DeepEqual(got, perms) {
			t.Errorf("%s: permissions = %v, %v; want %v", pb.ID, got, err, perms)
		}
	}
	for id := range want {
		t.Errorf("playbook %s is not built in", id)
	}
}
