package action

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// twoInterfaceInstance makes an instance whose primary interface is in
// groups web and app and whose second interface is in db. It returns the
// instance and each interface's groups.
func twoInterfaceInstance(w *world) (string, map[string][]string) {
	_, subnet, web := w.network()
	vpc := ""
	sn, err := w.ec2.DescribeSubnets(w.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
	w.must(err)
	vpc = aws.ToString(sn.Subnets[0].VpcId)
	group := func(name string) string {
		g, err := w.ec2.CreateSecurityGroup(w.ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpc)})
		w.must(err)
		return aws.ToString(g.GroupId)
	}
	app, db := group("app"), group("db")
	run, err := w.ec2.RunInstances(w.ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(subnet), SecurityGroupIds: []string{web, app}})
	w.must(err)
	id := aws.ToString(run.Instances[0].InstanceId)
	eni, err := w.ec2.CreateNetworkInterface(w.ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), Groups: []string{db}})
	w.must(err)
	_, err = w.ec2.AttachNetworkInterface(w.ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId,
		InstanceId: aws.String(id), DeviceIndex: aws.Int32(1)})
	w.must(err)
	return id, map[string][]string{
		aws.ToString(run.Instances[0].NetworkInterfaces[0].NetworkInterfaceId): {web, app},
		aws.ToString(eni.NetworkInterface.NetworkInterfaceId):                  {db},
	}
}

// interfaceGroupsOf reads each interface's groups through the SDK.
func interfaceGroupsOf(w *world, id string) map[string][]string {
	out, err := w.ec2.DescribeNetworkInterfaces(w.ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("attachment.instance-id"), Values: []string{id}}}})
	w.must(err)
	m := map[string][]string{}
	for _, ni := range out.NetworkInterfaces {
		var gs []string
		for _, g := range ni.Groups {
			gs = append(gs, aws.ToString(g.GroupId))
		}
		m[aws.ToString(ni.NetworkInterfaceId)] = gs
	}
	return m
}

func previousGroups(res Result) map[string][]string {
	return savedGroups(map[string]any{"previous_groups": res.Output["previous_groups"]})
}

func TestQuarantineTwoInterfaces(t *testing.T) {
	w := newWorld(t)
	reg, _ := Builtin()
	spec, _ := reg.Lookup("ec2.quarantine-instance")
	id, before := twoInterfaceInstance(w)

	var saved []map[string]any
	in := checked(t, spec, w.input(map[string]any{"instance_id": id}))
	in.Checkpoint = func(_ context.Context, state map[string]any) error {
		// The checkpoint comes before any change.
		if got := interfaceGroupsOf(w, id); !reflect.DeepEqual(got, before) {
			t.Errorf("groups at the checkpoint = %v, want them unchanged %v", got, before)
		}
		saved = append(saved, state)
		return nil
	}
	res, err := execute(t, spec, in)
	if err != nil || res.Outcome != Changed {
		t.Fatalf("quarantine = %+v, %v", res, err)
	}
	if len(saved) != 1 || !reflect.DeepEqual(savedGroups(saved[0]), interfaceGroups(before)) {
		t.Errorf("checkpoints = %v, want one with %v", saved, before)
	}
	if got := previousGroups(res); !reflect.DeepEqual(got, before) {
		t.Errorf("previous_groups = %v, want %v", got, before)
	}
	q := res.Output["quarantine_group_id"].(string)
	for eni, gs := range interfaceGroupsOf(w, id) {
		if !reflect.DeepEqual(gs, []string{q}) {
			t.Errorf("interface %s is in %v, want only %s", eni, gs, q)
		}
	}
	for _, s := range []string{"sg-", "eni-"} {
		if !strings.Contains(res.Message, s) {
			t.Errorf("message %q does not name the previous groups by interface", res.Message)
		}
	}
}

// TestQuarantineAfterCrash runs the action, then runs it again with what
// the first run saved, as the engine does when a run stopped between the
// change and the step's record: the second run reports the groups the
// instance had before quarantine, not the quarantine group.
func TestQuarantineAfterCrash(t *testing.T) {
	for _, partial := range []bool{false, true} {
		name := "crash after the change"
		if partial {
			name = "crash between the interfaces"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			reg, _ := Builtin()
			spec, _ := reg.Lookup("ec2.quarantine-instance")
			id, before := twoInterfaceInstance(w)
			var store map[string]any
			checkpoint := func(_ context.Context, state map[string]any) error { store = state; return nil }
			in := checked(t, spec, w.input(map[string]any{"instance_id": id}))
			in.Checkpoint = checkpoint
			first, err := execute(t, spec, in)
			if err != nil || first.Outcome != Changed || store == nil {
				t.Fatalf("first run = %+v, %v; saved %v", first, err, store)
			}
			if partial {
				// Put one interface back, as if the first attempt had
				// stopped before changing it.
				for eni, gs := range before {
					if len(gs) == 1 {
						_, err := w.ec2.ModifyNetworkInterfaceAttribute(w.ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Groups: gs})
						w.must(err)
					}
				}
			}
			// The step's record was lost; the next attempt has what was saved.
			in.Saved = store
			again, err := execute(t, spec, in)
			if err != nil || again.Outcome != Changed {
				t.Fatalf("attempt after the crash = %+v, %v; want changed", again, err)
			}
			if got := previousGroups(again); !reflect.DeepEqual(got, before) {
				t.Errorf("previous_groups after the crash = %v, want %v", got, before)
			}
			q := again.Output["quarantine_group_id"].(string)
			for _, gs := range previousGroups(again) {
				for _, g := range gs {
					if g == q {
						t.Errorf("previous groups name the quarantine group %s", q)
					}
				}
			}
			// Without the saved state, a third run finds the instance isolated
			// and knows no previous groups.
			in.Saved = nil
			third, err := execute(t, spec, in)
			if err != nil || third.Outcome != AlreadyDone || len(previousGroups(third)) != 0 {
				t.Errorf("run without saved state = %+v, %v; want already done with no previous groups", third, err)
			}
		})
	}
}

// TestQuarantineSavedStateFromJSON reads a checkpoint as it comes back
// from a JSON store.
func TestQuarantineSavedStateFromJSON(t *testing.T) {
	got := savedGroups(map[string]any{"previous_groups": map[string]any{"eni-1": []any{"sg-1", "sg-2"}, "eni-2": []any{}}})
	want := interfaceGroups{"eni-1": {"sg-1", "sg-2"}, "eni-2": {}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("savedGroups = %v, want %v", got, want)
	}
	if len(savedGroups(nil)) != 0 {
		t.Error("savedGroups(nil) is not empty")
	}
}

func TestModifyInstanceAttributeRefusedForTwoInterfaces(t *testing.T) {
	w := newWorld(t)
	id, before := twoInterfaceInstance(w)
	var group string
	for _, gs := range before {
		group = gs[0]
	}
	_, err := w.ec2.ModifyInstanceAttribute(w.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), Groups: []string{group}})
	if ErrorCode(err) != "InvalidInstanceID" || !strings.Contains(err.Error(), "multiple interfaces") {
		t.Errorf("ModifyInstanceAttribute = %v, want InvalidInstanceID", err)
	}
}
