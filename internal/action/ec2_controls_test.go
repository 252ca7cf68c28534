package action

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// run checks in's parameters against the named built-in action and runs it
// behind its permission gate, verifying what it changed.
func (w *world) run(name string, in Input) (Result, error) {
	w.t.Helper()
	reg, err := Builtin()
	if err != nil {
		w.t.Fatal(err)
	}
	spec, ok := reg.Lookup(name)
	if !ok {
		w.t.Fatalf("no action %s", name)
	}
	return execute(w.t, spec, checked(w.t, spec, in))
}

func wantPermanent(t *testing.T, err error, contains string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), contains) {
		t.Fatalf("error = %v, want one saying %q", err, contains)
	}
	if retry, _ := Retryable(err); retry {
		t.Errorf("error %v is retryable, want permanent", err)
	}
}

func TestIngressPolicy(t *testing.T) {
	rule := func(proto string, from, to int32, cidr string) ec2types.SecurityGroupRule {
		return ec2types.SecurityGroupRule{IsEgress: aws.Bool(false), IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to), CidrIpv4: aws.String(cidr)}
	}
	web := ingressPolicy{authorized: map[string][]PortRange{"tcp": {{80, 80}, {443, 443}}, "udp": nil}}
	ranges := ingressPolicy{authorized: map[string][]PortRange{"tcp": {{1000, 2000}, {2001, 3000}, {8000, 8000}}}}
	highRisk := ingressPolicy{sensitive: []PortRange{{20, 23}, {3306, 3306}, {3389, 3389}, {5432, 5432}}}
	tests := []struct {
		name   string
		policy ingressPolicy
		rule   ec2types.SecurityGroupRule
		want   bool
	}{
		{"authorized https", web, rule("tcp", 443, 443, "0.0.0.0/0"), false},
		{"authorized http", web, rule("6", 80, 80, "0.0.0.0/0"), false},
		{"range reaching past the authorized ports", web, rule("tcp", 80, 8080, "0.0.0.0/0"), true},
		{"unauthorized tcp port", web, rule("tcp", 8443, 8443, "0.0.0.0/0"), true},
		{"any udp with none authorized", web, rule("udp", 53, 53, "::/0"), true},
		{"every tcp port", web, rule("tcp", -1, -1, "0.0.0.0/0"), true},
		{"all protocols", web, rule("-1", -1, -1, "0.0.0.0/0"), true},
		{"icmp is left alone", web, rule("icmp", 8, -1, "0.0.0.0/0"), false},
		{"unauthorized port from a private range", web, rule("tcp", 22, 22, "10.0.0.0/8"), false},
		{"range covered by adjoining authorized ranges", ranges, rule("tcp", 1500, 2500, "0.0.0.0/0"), false},
		{"range with a gap", ranges, rule("tcp", 2900, 8000, "0.0.0.0/0"), true},
		{"udp while only tcp is listed", ranges, rule("udp", 1500, 1500, "0.0.0.0/0"), true},
		{"high-risk port", highRisk, rule("tcp", 3306, 3306, "0.0.0.0/0"), true},
		{"range over a high-risk port", highRisk, rule("tcp", 0, 65535, "0.0.0.0/0"), true},
		{"https with the high-risk list", highRisk, rule("tcp", 443, 443, "0.0.0.0/0"), false},
		{"udp high-risk port", highRisk, rule("udp", 21, 21, "0.0.0.0/0"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.offends(tt.rule); got != tt.want {
				t.Errorf("%v offends %s = %v, want %v", tt.policy, describeSGRule(tt.rule), got, tt.want)
			}
		})
	}
}

// worldRules opens a group's ingress to the world on the given
// permissions and returns the new rules' IDs by what they are.
func (w *world) worldRules(group string, perms ...ec2types.IpPermission) map[string]string {
	out, err := w.ec2.AuthorizeSecurityGroupIngress(w.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: perms})
	w.must(err)
	ids := map[string]string{}
	for _, r := range out.SecurityGroupRules {
		ids[describeSGRule(r)] = aws.ToString(r.SecurityGroupRuleId)
	}
	return ids
}

func perm(proto string, from, to int32, cidr string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to), IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
}

// ruleIDs returns the IDs of a group's rules.
func (w *world) ruleIDs(group string) []string {
	out, err := w.ec2.DescribeSecurityGroupRules(w.ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{group}}}})
	w.must(err)
	var ids []string
	for _, r := range out.SecurityGroupRules {
		ids = append(ids, aws.ToString(r.SecurityGroupRuleId))
	}
	slices.Sort(ids)
	return ids
}

// TestRevokeUnauthorizedAndHighRiskPorts runs ec2.revoke-open-ingress as
// EC2.18 (authorized ports) and EC2.19 (high-risk ports) would: only the
// offending rules go, by their rule IDs, and every other rule keeps its ID.
func TestRevokeUnauthorizedAndHighRiskPorts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		params  map[string]any
		revoked []string
	}{
		{"EC2.18", map[string]any{"ports": []any{}, "authorized_tcp_ports": []any{80, 443}},
			[]string{"tcp 80-8080 from 0.0.0.0/0", "udp 53 from 0.0.0.0/0", "all traffic from 0.0.0.0/0", "tcp 22 from 0.0.0.0/0", "tcp 3306 from 0.0.0.0/0"}},
		{"EC2.19", map[string]any{"ports": []any{20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300}},
			[]string{"tcp 80-8080 from 0.0.0.0/0", "all traffic from 0.0.0.0/0", "tcp 22 from 0.0.0.0/0", "tcp 3306 from 0.0.0.0/0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			_, _, group := w.network() // with tcp 22 open to the world
			ids := w.worldRules(group, perm("tcp", 443, 443, "0.0.0.0/0"), perm("tcp", 80, 8080, "0.0.0.0/0"), perm("udp", 53, 53, "0.0.0.0/0"),
				perm("-1", -1, -1, "0.0.0.0/0"), perm("tcp", 3306, 3306, "0.0.0.0/0"), perm("tcp", 5432, 5432, "10.0.0.0/8"), perm("icmp", 8, -1, "0.0.0.0/0"))
			before := w.ruleIDs(group)
			params := map[string]any{"group_id": group}
			for k, v := range tc.params {
				params[k] = v
			}
			res, err := w.run("ec2.revoke-open-ingress", w.input(params))
			if err != nil || res.Outcome != Changed {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			var revoked []string
			for _, r := range res.Output["revoked_rules"].([]any) {
				revoked = append(revoked, r.(map[string]any)["text"].(string))
			}
			slices.Sort(revoked)
			want := slices.Clone(tc.revoked)
			slices.Sort(want)
			if !slices.Equal(revoked, want) {
				t.Errorf("revoked %v, want %v", revoked, want)
			}
			// Every other rule is still there under its own ID.
			after := w.ruleIDs(group)
			gone := map[string]bool{}
			for _, id := range res.Output["revoked_rule_ids"].([]any) {
				gone[id.(string)] = true
			}
			for _, id := range before {
				if !gone[id] && !slices.Contains(after, id) {
					t.Errorf("rule %s was not to be revoked but is gone", id)
				}
			}
			if len(after) != len(before)-len(gone) {
				t.Errorf("%d rules left of %d, %d revoked", len(after), len(before), len(gone))
			}
			for _, keep := range []string{"tcp 443 from 0.0.0.0/0", "tcp 5432 from 10.0.0.0/8"} {
				if id := ids[keep]; id == "" || !slices.Contains(after, id) {
					t.Errorf("rule %q (%s) is gone", keep, id)
				}
			}
			mark := w.mark("us-east-1")
			again, err := w.run("ec2.revoke-open-ingress", w.input(params))
			if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
				t.Errorf("second run = %+v, %v, writes %v", again, err, w.writesSince("us-east-1", mark))
			}
		})
	}
}

// TestMakeSnapshotPrivateIsNarrow checks that EC2.1 changes only the
// finding's snapshot, keeps its shares with accounts, and leaves every
// other public snapshot public.
func TestMakeSnapshotPrivateIsNarrow(t *testing.T) {
	w := newWorld(t)
	target, other := w.publicSnapshot(), w.publicSnapshot()
	arn := "arn:aws:ec2:us-east-1::snapshot/" + target
	res, err := w.run("ec2.make-snapshot-private", w.input(map[string]any{"snapshot_id": arn}))
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "111122223333") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	perms := func(id string) (bool, []string) {
		out, err := w.ec2.DescribeSnapshotAttribute(w.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(id), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
		w.must(err)
		return sharedWith(out.CreateVolumePermissions)
	}
	if public, accounts := perms(target); public || !slices.Equal(accounts, []string{"111122223333"}) {
		t.Errorf("the finding's snapshot: public %v, shared with %v", public, accounts)
	}
	if public, _ := perms(other); !public {
		t.Error("another public snapshot was made private")
	}
	mark := w.mark("us-east-1")
	again, err := w.run("ec2.make-snapshot-private", w.input(map[string]any{"snapshot_id": target}))
	if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("second run = %+v, %v, writes %v", again, err, w.writesSince("us-east-1", mark))
	}
	missing, err := w.run("ec2.make-snapshot-private", w.input(map[string]any{"snapshot_id": "snap-0000000000000000f"}))
	if err != nil || missing.Outcome != NotFound {
		t.Errorf("a missing snapshot = %+v, %v", missing, err)
	}
}

// TestDefaultGroupAndEndpoints checks EC2.2 and EC2.10 together: an
// endpoint rectify creates has a security group of its own, so the default
// group can be emptied after it without cutting it off; an endpoint in the
// default group keeps EC2.2 from emptying it unless asked.
func TestDefaultGroupAndEndpoints(t *testing.T) {
	w := newWorld(t)
	vpc := w.endpointVPC()
	def := w.defaultGroup(vpc)
	res, err := w.run("ec2.create-vpc-endpoint", w.input(map[string]any{"vpc_id": vpc}))
	if err != nil || res.Outcome != Changed {
		t.Fatalf("create-vpc-endpoint = %+v, %v", res, err)
	}
	group := res.Output["security_group_id"].(string)
	if group == def || len(res.Output["created"].([]string)) != 2 || !strings.Contains(res.Message, "private DNS on") {
		t.Fatalf("endpoint made in group %s (default %s): %+v", group, def, res)
	}
	// The endpoint's interfaces: one per zone, in rectify's group.
	eps, err := w.ec2.DescribeVpcEndpoints(w.ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{res.Output["endpoint_id"].(string)}})
	w.must(err)
	if len(eps.VpcEndpoints[0].SubnetIds) != 2 {
		t.Errorf("endpoint subnets = %v, want one per zone", eps.VpcEndpoints[0].SubnetIds)
	}
	sg, err := w.ec2.DescribeSecurityGroups(w.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{group}})
	w.must(err)
	if !hasTag(sg.SecurityGroups[0].Tags, ManagedTag, "true") || aws.ToString(sg.SecurityGroups[0].GroupName) != "rectify-vpce-ec2" ||
		len(sg.SecurityGroups[0].IpPermissions) != 1 || aws.ToInt32(sg.SecurityGroups[0].IpPermissions[0].FromPort) != 443 ||
		aws.ToString(sg.SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp) != "10.20.0.0/16" {
		t.Errorf("the endpoint's group = %+v", sg.SecurityGroups[0])
	}

	empty, err := w.run("ec2.remove-default-security-group-rules", w.input(map[string]any{"group_id": def}))
	if err != nil || empty.Outcome != Changed {
		t.Fatalf("emptying the default group after the endpoint = %+v, %v", empty, err)
	}
	sg, err = w.ec2.DescribeSecurityGroups(w.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{group}})
	w.must(err)
	if len(sg.SecurityGroups[0].IpPermissions) != 1 {
		t.Error("emptying the default group touched the endpoint's group")
	}

	// A second endpoint for another service reuses nothing of the first
	// and a repeated run finds the endpoint there.
	mark := w.mark("us-east-1")
	again, err := w.run("ec2.create-vpc-endpoint", w.input(map[string]any{"vpc_id": vpc}))
	if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("second create-vpc-endpoint = %+v, %v, writes %v", again, err, w.writesSince("us-east-1", mark))
	}
	_, err = w.run("ec2.create-vpc-endpoint", w.input(map[string]any{"vpc_id": vpc, "service": "ssm", "security_group_id": def}))
	wantPermanent(t, err, "default group")

	// In a VPC whose default group an endpoint uses, EC2.2 stops and says which interfaces.
	vpc2 := w.endpointVPC2()
	def2 := w.defaultGroup(vpc2)
	var sn string
	subnets, err := w.ec2.DescribeSubnets(w.ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc2}}}})
	w.must(err)
	sn = aws.ToString(subnets.Subnets[0].SubnetId)
	_, err = w.ec2.CreateVpcEndpoint(w.ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc2), ServiceName: aws.String("com.amazonaws.us-east-1.ec2"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{sn}, PrivateDnsEnabled: aws.Bool(false)})
	w.must(err)
	mark = w.mark("us-east-1")
	_, err = w.run("ec2.remove-default-security-group-rules", w.input(map[string]any{"group_id": def2}))
	wantPermanent(t, err, "vpc_endpoint")
	if !strings.Contains(err.Error(), "even_if_in_use") || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("refusal %v, writes %v", err, w.writesSince("us-east-1", mark))
	}
	forced, err := w.run("ec2.remove-default-security-group-rules", w.input(map[string]any{"group_id": def2, "even_if_in_use": true}))
	if err != nil || forced.Outcome != Changed || !strings.Contains(forced.Message, "1 inbound and 1 outbound") {
		t.Errorf("forced = %+v, %v", forced, err)
	}

	_, err = w.run("ec2.remove-default-security-group-rules", w.input(map[string]any{"group_id": group}))
	wantPermanent(t, err, "not a VPC's default group")
	gone, err := w.run("ec2.remove-default-security-group-rules", w.input(map[string]any{"group_id": "sg-0000000000000000f"}))
	if err != nil || gone.Outcome != NotFound {
		t.Errorf("a missing group = %+v, %v", gone, err)
	}
}

// endpointVPC2 makes a second VPC with one subnet.
func (w *world) endpointVPC2() string {
	v, err := w.ec2.CreateVpc(w.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.30.0.0/16")})
	w.must(err)
	_, err = w.ec2.CreateSubnet(w.ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.30.1.0/24")})
	w.must(err)
	return aws.ToString(v.Vpc.VpcId)
}

func TestTerminateStoppedInstance(t *testing.T) {
	w := newWorld(t)
	running, _ := w.instance()
	protected, _ := w.instance()
	recent, _ := w.instance()
	old, _ := w.instance()
	_, err := w.ec2.ModifyInstanceAttribute(w.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(protected), DisableApiTermination: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}})
	w.must(err)
	_, err = w.ec2.StopInstances(w.ctx, &ec2.StopInstancesInput{InstanceIds: []string{protected, old}})
	w.must(err)
	w.sim.Advance(40 * 24 * time.Hour)
	_, err = w.ec2.StopInstances(w.ctx, &ec2.StopInstancesInput{InstanceIds: []string{recent}})
	w.must(err)
	w.sim.Advance(3 * 24 * time.Hour)

	mark := w.mark("us-east-1")
	for _, id := range []string{running, recent} {
		res, err := w.run("ec2.terminate-stopped-instance", w.input(map[string]any{"instance_id": id}))
		if err != nil || res.Outcome != AlreadyDone {
			t.Errorf("%s = %+v, %v; want already done", id, res, err)
		}
	}
	if !strings.Contains(must1(w.run("ec2.terminate-stopped-instance", w.input(map[string]any{"instance_id": recent}))).Message, "stopped for 3 day(s)") {
		t.Error("the recently stopped instance's message does not say how long it was stopped")
	}
	_, err = w.run("ec2.terminate-stopped-instance", w.input(map[string]any{"instance_id": protected}))
	wantPermanent(t, err, "termination protection")
	if writes := w.writesSince("us-east-1", mark); len(writes) != 0 {
		t.Errorf("writes before the old instance: %v", writes)
	}
	res, err := w.run("ec2.terminate-stopped-instance", w.input(map[string]any{"instance_id": old}))
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "EBS volumes deleted with it: vol-") {
		t.Fatalf("the old instance = %+v, %v", res, err)
	}
	// A recently stopped instance goes with min_stopped_days 0.
	res, err = w.run("ec2.terminate-stopped-instance", w.input(map[string]any{"instance_id": recent, "min_stopped_days": 0}))
	if err != nil || res.Outcome != Changed {
		t.Errorf("min_stopped_days 0 = %+v, %v", res, err)
	}
	res, err = w.run("ec2.terminate-stopped-instance", w.input(map[string]any{"instance_id": "i-0000000000000000f"}))
	if err != nil || res.Outcome != NotFound {
		t.Errorf("a missing instance = %+v, %v", res, err)
	}
}

func must1(res Result, err error) Result {
	if err != nil {
		panic(err)
	}
	return res
}

// TestRequireIMDSv2KeepsOtherOptions checks that only HttpTokens changes:
// the hop limit stays, and an endpoint turned off stays off.
func TestRequireIMDSv2KeepsOtherOptions(t *testing.T) {
	w := newWorld(t)
	id, _ := w.instance()
	_, err := w.ec2.ModifyInstanceMetadataOptions(w.ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(id),
		HttpPutResponseHopLimit: aws.Int32(3), HttpEndpoint: ec2types.InstanceMetadataEndpointStateDisabled})
	w.must(err)
	res, err := w.run("ec2.require-imdsv2", w.input(map[string]any{"instance_id": id}))
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "stays turned off") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	inst, err := describeInstance(w.ctx, w.ec2, id)
	w.must(err)
	m := inst.MetadataOptions
	if m.HttpTokens != ec2types.HttpTokensStateRequired || aws.ToInt32(m.HttpPutResponseHopLimit) != 3 || m.HttpEndpoint != ec2types.InstanceMetadataEndpointStateDisabled {
		t.Errorf("metadata options = %+v", m)
	}
}

func TestEC2ControlsNotFound(t *testing.T) {
	w := newWorld(t)
	for name, params := range map[string]map[string]any{
		"ec2.require-imdsv2":                      {"instance_id": "i-0000000000000000f"},
		"ec2.disable-subnet-public-ip":            {"subnet_id": "subnet-0000000000000000f"},
		"ec2.disable-transit-gateway-auto-accept": {"transit_gateway_id": "tgw-0000000000000000f"},
		"ec2.create-vpc-endpoint":                 {"vpc_id": "vpc-0000000000000000f"},
	} {
		res, err := w.run(name, w.input(params))
		var perr *ParamError
		if errors.As(err, &perr) || err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, "does not exist") {
			t.Errorf("%s of a missing resource = %+v, %v", name, res, err)
		}
	}
}
