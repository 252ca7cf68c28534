package action

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestOpenToWorld(t *testing.T) {
	rule := func(proto string, from, to int32, v4, v6 string) ec2types.SecurityGroupRule {
		r := ec2types.SecurityGroupRule{IsEgress: aws.Bool(false), IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
		if v4 != "" {
			r.CidrIpv4 = aws.String(v4)
		}
		if v6 != "" {
			r.CidrIpv6 = aws.String(v6)
		}
		return r
	}
	egress := rule("-1", -1, -1, "0.0.0.0/0", "")
	egress.IsEgress = aws.Bool(true)
	ports := []PortRange{{22, 22}, {3389, 3389}, {8000, 8100}}
	tests := []struct {
		name string
		rule ec2types.SecurityGroupRule
		want bool
	}{
		{"ssh from the world", rule("tcp", 22, 22, "0.0.0.0/0", ""), true},
		{"rdp from the IPv6 world", rule("tcp", 3389, 3389, "", "::/0"), true},
		{"rdp over udp", rule("udp", 3389, 3389, "0.0.0.0/0", ""), true},
		{"tcp by number", rule("6", 22, 22, "0.0.0.0/0", ""), true},
		{"range covering ssh", rule("tcp", 0, 1024, "0.0.0.0/0", ""), true},
		{"every tcp port", rule("tcp", 0, 65535, "0.0.0.0/0", ""), true},
		{"all protocols", rule("-1", -1, -1, "0.0.0.0/0", ""), true},
		{"all protocols from ::/0", rule("-1", -1, -1, "", "::/0"), true},
		{"non-canonical /0", rule("tcp", 22, 22, "10.1.2.3/0", ""), true},
		{"https from the world", rule("tcp", 443, 443, "0.0.0.0/0", ""), false},
		{"range beside ssh", rule("tcp", 23, 3388, "0.0.0.0/0", ""), false},
		{"overlapping a sensitive range", rule("tcp", 8080, 8080, "0.0.0.0/0", ""), true},
		{"range covering a sensitive range", rule("udp", 7000, 9000, "0.0.0.0/0", ""), true},
		{"beside a sensitive range", rule("tcp", 8101, 8200, "0.0.0.0/0", ""), false},
		{"ssh from a private range", rule("tcp", 22, 22, "10.0.0.0/8", ""), false},
		{"ssh from half the internet", rule("tcp", 22, 22, "0.0.0.0/1", ""), false},
		{"all protocols from a /32", rule("-1", -1, -1, "203.0.113.5/32", ""), false},
		{"icmp from the world", rule("icmp", 8, 0, "0.0.0.0/0", ""), false},
		{"icmp type 22", rule("icmp", 22, -1, "0.0.0.0/0", ""), false},
		{"egress to the world", egress, false},
		{"from a security group", ec2types.SecurityGroupRule{IsEgress: aws.Bool(false), IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			ReferencedGroupInfo: &ec2types.ReferencedSecurityGroup{GroupId: aws.String("sg-1")}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := openToWorld(tt.rule, ports); got != tt.want {
				t.Errorf("openToWorld(%s) = %v, want %v", describeSGRule(tt.rule), got, tt.want)
			}
		})
	}
}

func TestCoercePorts(t *testing.T) {
	tests := []struct {
		in      any
		want    []PortRange
		wantErr string
	}{
		{[]any{22, 3389}, []PortRange{{22, 22}, {3389, 3389}}, ""},
		{[]any{22.0, "5432", int64(1433), "8000-8100", " 10 - 20 "}, []PortRange{{22, 22}, {5432, 5432}, {1433, 1433}, {8000, 8100}, {10, 20}}, ""},
		{[]int{80}, []PortRange{{80, 80}}, ""},
		{[]string{"80"}, []PortRange{{80, 80}}, ""},
		{8080, []PortRange{{8080, 8080}}, ""},
		{"0-65535", []PortRange{{0, 65535}}, ""},
		{[]PortRange{{1, 2}}, []PortRange{{1, 2}}, ""},
		{[]any{}, []PortRange{}, ""},
		{[]any{22, "ssh"}, nil, `want port list: element 1: "ssh" is not a port number or a range`},
		{[]any{70000}, nil, "element 0: 70000 is out of range 0 to 65535"},
		{[]any{-1}, nil, "-1 is out of range"},
		{"100-10", nil, `range "100-10" ends before it starts`},
		{"1-70000", nil, "70000 is out of range"},
		{[]any{22.5}, nil, "element 0: 22.5 of type float64 is not a port number"},
		{[]any{true}, nil, "element 0: true of type bool is not a port number"},
		{true, nil, "want port list, got bool"},
		{map[string]any{}, nil, "want port list, got map"},
		{nil, nil, "want port list, got null"},
	}
	for _, tt := range tests {
		got, err := Param{Name: "ports", Type: PortList}.Coerce(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrParamType) {
				t.Errorf("Coerce(%#v) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Coerce(%#v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// A port list written as JSON reads back as the same list.
	b, err := json.Marshal([]PortRange{{22, 22}, {8000, 8100}})
	if err != nil || string(b) != `["22","8000-8100"]` {
		t.Fatalf("JSON of a port list = %s, %v", b, err)
	}
	var back []any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got, err := (Param{Name: "ports", Type: PortList}).Coerce(back); err != nil || !reflect.DeepEqual(got, []PortRange{{22, 22}, {8000, 8100}}) {
		t.Errorf("port list read back from JSON = %v, %v", got, err)
	}
	if got := FormatPorts([]PortRange{{22, 22}, {8000, 8100}}); got != "22, 8000-8100" {
		t.Errorf("FormatPorts = %q", got)
	}
}

func TestVPCAllowed(t *testing.T) {
	vpc := func(tags ...string) ec2types.Vpc {
		v := ec2types.Vpc{VpcId: aws.String("vpc-1")}
		for i := 0; i+1 < len(tags); i += 2 {
			v.Tags = append(v.Tags, ec2types.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
		}
		return v
	}
	tests := []struct {
		name    string
		vpc     ec2types.Vpc
		tag     string
		allowed []string
		want    bool
		reason  string
	}{
		{"tagged true", vpc(DefaultAllowIGWTag, "true"), DefaultAllowIGWTag, nil, true, "tagged rectify:allow-internet-gateway=true"},
		{"tagged TRUE", vpc(DefaultAllowIGWTag, " TRUE "), DefaultAllowIGWTag, nil, true, "tagged"},
		{"tagged false", vpc(DefaultAllowIGWTag, "false"), DefaultAllowIGWTag, nil, false, `="false", not "true"`},
		{"other tag", vpc("Name", "web"), DefaultAllowIGWTag, nil, false, "neither in the allowed list nor tagged"},
		{"listed", vpc(), DefaultAllowIGWTag, []string{"vpc-0", "vpc-1"}, true, "in the allowed list"},
		{"tag disabled", vpc(DefaultAllowIGWTag, "true"), "", nil, false, "not in the allowed list"},
		{"custom tag", vpc("public", "true"), "public", nil, true, "tagged public=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := vpcAllowed(tt.vpc, tt.tag, tt.allowed)
			if got != tt.want || !strings.Contains(reason, tt.reason) {
				t.Errorf("vpcAllowed = %v, %q; want %v, %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}

// ec2World is a simulated account with a VPC and a security group.
type ec2World struct {
	sim   *awssim.Server
	cli   *ec2.Client
	vpc   string
	group string
}

func newEC2World(t *testing.T) *ec2World {
	t.Helper()
	ctx := context.Background()
	sim := awssim.Start(t)
	w := &ec2World{sim: sim, cli: ec2.NewFromConfig(sim.Config(""))}
	v, err := w.cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	w.vpc = aws.ToString(v.Vpc.VpcId)
	g, err := w.cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: v.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	w.group = aws.ToString(g.GroupId)
	return w
}

func (w *ec2World) input(params map[string]any) Input {
	return Input{Params: params, AWS: w.sim.Config(""), Target: Target{Account: awssim.DefaultAccount, Region: awssim.DefaultRegion}}
}

// ingress returns the group's ingress rules as "proto from-to peer".
func (w *ec2World) ingress(t *testing.T) []string {
	t.Helper()
	out, err := w.cli.DescribeSecurityGroupRules(context.Background(), &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{w.group}}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.SecurityGroupRules {
		if !aws.ToBool(r.IsEgress) {
			got = append(got, describeSGRule(r))
		}
	}
	slices.Sort(got)
	return got
}

func TestRevokeOpenIngress(t *testing.T) {
	ctx := context.Background()
	w := newEC2World(t)
	perm := func(proto string, from, to int32, v4, v6, desc string) ec2types.IpPermission {
		p := ec2types.IpPermission{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
		if v4 != "" {
			p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(v4), Description: aws.String(desc)}}
		}
		if v6 != "" {
			p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(v6)}}
		}
		return p
	}
	_, err := w.cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(w.group), IpPermissions: []ec2types.IpPermission{
		perm("tcp", 22, 22, "0.0.0.0/0", "", "temp ssh"),
		perm("tcp", 22, 22, "10.0.0.0/8", "", "bastion"),
		perm("tcp", 443, 443, "0.0.0.0/0", "::/0", "web"),
		perm("tcp", 3389, 3389, "", "::/0", ""),
		perm("tcp", 1000, 2000, "0.0.0.0/0", "", "app"),
		perm("-1", -1, -1, "0.0.0.0/0", "", "everything"),
		perm("icmp", -1, -1, "0.0.0.0/0", "", "ping"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	spec := ec2Actions()[0]
	params, err := spec.Check(map[string]any{"group_id": w.group})
	if err != nil {
		t.Fatal(err)
	}
	res, err := execute(t, &spec, w.input(params))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Changed {
		t.Fatalf("outcome = %v (%s), want changed", res.Outcome, res.Message)
	}
	want := []string{
		`icmp all ports from 0.0.0.0/0 ("ping")`,
		`tcp 1000-2000 from 0.0.0.0/0 ("app")`,
		`tcp 22 from 10.0.0.0/8 ("bastion")`,
		`tcp 443 from 0.0.0.0/0 ("web")`,
		`tcp 443 from ::/0`,
	}
	if got := w.ingress(t); !reflect.DeepEqual(got, want) {
		t.Errorf("rules left:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ids, _ := res.Output["revoked_rule_ids"].([]any)
	if len(ids) != 3 {
		t.Errorf("revoked_rule_ids = %v, want 3", res.Output["revoked_rule_ids"])
	}
	for _, s := range []string{`tcp 22 from 0.0.0.0/0 ("temp ssh")`, "tcp 3389 from ::/0", `all traffic from 0.0.0.0/0 ("everything")`} {
		if !strings.Contains(res.Output["summary"].(string), s) {
			t.Errorf("summary lacks %q:\n%s", s, res.Output["summary"])
		}
	}
	rules, _ := res.Output["revoked_rules"].([]any)
	if len(rules) != 3 || rules[0].(map[string]any)["description"] != "temp ssh" || rules[0].(map[string]any)["id"] != ids[0] {
		t.Errorf("revoked_rules = %v", rules)
	}
	// The egress rule the group was created with is untouched.
	out, _ := w.cli.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{w.group}}}})
	if n := len(out.SecurityGroupRules); n != 6 {
		t.Errorf("rules of the group = %d, want 5 ingress and 1 egress", n)
	}

	// Again: nothing left to revoke, and no mutating call.
	calls := len(w.sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion))
	res, err = execute(t, &spec, w.input(params))
	if err != nil || res.Outcome != AlreadyDone {
		t.Fatalf("second run = %+v, %v; want already done", res, err)
	}
	for _, r := range w.sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion)[calls:] {
		if !r.ReadOnly {
			t.Errorf("second run made mutating call %s", r.EventName)
		}
	}

	// With 443 configured as sensitive, the web rules go too.
	params, _ = spec.Check(map[string]any{"group_id": w.group, "ports": []any{443}})
	if res, err = execute(t, &spec, w.input(params)); err != nil || res.Outcome != Changed {
		t.Fatalf("run with ports [443] = %+v, %v", res, err)
	}
	want = []string{`icmp all ports from 0.0.0.0/0 ("ping")`, `tcp 1000-2000 from 0.0.0.0/0 ("app")`, `tcp 22 from 10.0.0.0/8 ("bastion")`}
	if got := w.ingress(t); !reflect.DeepEqual(got, want) {
		t.Errorf("rules left: %q, want %q", got, want)
	}
}

func TestRevokeOpenIngressMissingGroupAndBadPorts(t *testing.T) {
	w := newEC2World(t)
	spec := ec2Actions()[0]
	params, err := spec.Check(map[string]any{"group_id": "sg-00000000000000000", "ports": []any{22}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := execute(t, &spec, w.input(params))
	if err != nil || res.Outcome != NotFound || res.Message != "security group sg-00000000000000000 does not exist" {
		t.Errorf("missing group = %+v, %v; want not found", res, err)
	}
	_, err = spec.Check(map[string]any{"group_id": w.group, "ports": []any{"ssh"}})
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Param != "ports" || !strings.Contains(err.Error(), `"ssh" is not a port number`) {
		t.Errorf("bad ports: %v", err)
	}
	// Unchecked parameters reach Run only by mistake; it refuses them.
	if _, err := spec.Run(context.Background(), w.input(map[string]any{"group_id": w.group, "ports": []any{22}})); !errors.As(err, &pe) {
		t.Errorf("unchecked ports: %v", err)
	}
}

func TestDetachInternetGatewayAndCheckVPC(t *testing.T) {
	ctx := context.Background()
	w := newEC2World(t)
	g, err := w.cli.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	igw := aws.ToString(g.InternetGateway.InternetGatewayId)
	if _, err := w.cli.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(w.vpc)}); err != nil {
		t.Fatal(err)
	}
	specs := ec2Actions()
	check, detach := specs[1], specs[2]

	run := func(spec Spec, params map[string]any) Result {
		t.Helper()
		p, err := spec.Check(params)
		if err != nil {
			t.Fatal(err)
		}
		res, err := execute(t, &spec, w.input(p))
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		return res
	}
	if res := run(check, map[string]any{"vpc_id": w.vpc}); res.Output["allowed"] != false || res.Outcome != NoOp {
		t.Errorf("untagged VPC: %+v", res)
	}
	if res := run(check, map[string]any{"vpc_id": w.vpc, "allowed_vpcs": []any{w.vpc}}); res.Output["allowed"] != true {
		t.Errorf("listed VPC: %+v", res)
	}
	if _, err := w.cli.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{w.vpc}, Tags: []ec2types.Tag{{Key: aws.String(DefaultAllowIGWTag), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	if res := run(check, map[string]any{"vpc_id": w.vpc}); res.Output["allowed"] != true {
		t.Errorf("tagged VPC: %+v", res)
	}
	if res := run(check, map[string]any{"vpc_id": "vpc-00000000000000000"}); res.Output["allowed"] != false || res.Output["exists"] != false {
		t.Errorf("missing VPC: %+v", res)
	}

	params := map[string]any{"internet_gateway_id": igw, "vpc_id": w.vpc}
	if res := run(detach, params); res.Outcome != Changed || res.Output["detached"] != true {
		t.Fatalf("detach: %+v", res)
	}
	d, err := w.cli.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igw}})
	if err != nil || len(d.InternetGateways[0].Attachments) != 0 {
		t.Fatalf("gateway after detach: %+v, %v", d, err)
	}
	if res := run(detach, params); res.Outcome != AlreadyDone {
		t.Errorf("second detach: %+v", res)
	}
	if res := run(detach, map[string]any{"internet_gateway_id": "igw-00000000000000000", "vpc_id": w.vpc}); res.Outcome != NotFound || res.Message != "internet gateway igw-00000000000000000 does not exist" {
		t.Errorf("missing gateway: %+v", res)
	}
}
