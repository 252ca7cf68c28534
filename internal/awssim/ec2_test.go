package awssim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

var sgrRE = regexp.MustCompile(`^sgr-[0-9a-f]{17}$`)

func ec2Tags(kv ...string) []ec2types.Tag {
	var out []ec2types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ec2types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func tagSpec(rt ec2types.ResourceType, kv ...string) []ec2types.TagSpecification {
	return []ec2types.TagSpecification{{ResourceType: rt, Tags: ec2Tags(kv...)}}
}

func tagValue(tags []ec2types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want %s", what, err, got, code)
	}
}

// ec2VPC creates a VPC and returns its ID.
func ec2VPC(t *testing.T, cli *ec2.Client, cidr string) string {
	t.Helper()
	out, err := cli.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatalf("CreateVpc %s: %v", cidr, err)
	}
	return aws.ToString(out.Vpc.VpcId)
}

func ec2Group(t *testing.T, cli *ec2.Client, vpc, name string) string {
	t.Helper()
	out, err := cli.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(name), Description: aws.String(name + " group"), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatalf("CreateSecurityGroup %s: %v", name, err)
	}
	return aws.ToString(out.GroupId)
}

func TestEC2VPCAndSubnetRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))

	vpc, err := cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16"),
		TagSpecifications: tagSpec(ec2types.ResourceTypeVpc, "Name", "prod")})
	if err != nil {
		t.Fatalf("CreateVpc: %v", err)
	}
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	if !regexp.MustCompile(`^vpc-[0-9a-f]{17}$`).MatchString(vpcID) || aws.ToBool(vpc.Vpc.IsDefault) {
		t.Fatalf("CreateVpc = %s default %v", vpcID, aws.ToBool(vpc.Vpc.IsDefault))
	}
	ec2VPC(t, cli, "10.2.0.0/16")

	for _, tc := range []struct {
		name string
		in   *ec2.DescribeVpcsInput
		want int
	}{
		{"all", &ec2.DescribeVpcsInput{}, 2},
		{"by id", &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}}, 1},
		{"by vpc-id filter", &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}}, 1},
		{"by tag", &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:Name"), Values: []string{"prod"}}}}, 1},
		{"by tag wildcard", &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:Name"), Values: []string{"pr*"}}}}, 1},
		{"no tag match", &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:Name"), Values: []string{"dev"}}}}, 0},
	} {
		out, err := cli.DescribeVpcs(ctx, tc.in)
		if err != nil {
			t.Fatalf("DescribeVpcs %s: %v", tc.name, err)
		}
		if len(out.Vpcs) != tc.want {
			t.Errorf("DescribeVpcs %s: %d VPCs, want %d", tc.name, len(out.Vpcs), tc.want)
		}
	}
	got, _ := cli.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	if v := got.Vpcs[0]; aws.ToString(v.CidrBlock) != "10.1.0.0/16" || tagValue(v.Tags, "Name") != "prod" || v.State != ec2types.VpcStateAvailable {
		t.Errorf("described VPC = %+v", v)
	}

	sn, err := cli.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.1.1.0/24")})
	if err != nil {
		t.Fatalf("CreateSubnet: %v", err)
	}
	if aws.ToInt32(sn.Subnet.AvailableIpAddressCount) != 251 || aws.ToString(sn.Subnet.AvailabilityZone) != "us-east-1a" {
		t.Errorf("subnet = %+v", sn.Subnet)
	}
	_, err = cli.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.1.1.128/25")})
	wantCode(t, "overlapping subnet", err, "InvalidSubnet.Conflict")
	_, err = cli.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.9.0.0/24")})
	wantCode(t, "subnet outside the VPC", err, "InvalidSubnet.Range")
	subs, err := cli.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
	if err != nil || len(subs.Subnets) != 1 || aws.ToString(subs.Subnets[0].SubnetId) != aws.ToString(sn.Subnet.SubnetId) {
		t.Fatalf("DescribeSubnets by vpc-id = %+v, %v", subs, err)
	}

	_, err = cli.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)})
	wantCode(t, "DeleteVpc with a subnet", err, "DependencyViolation")
	if _, err := cli.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.Subnet.SubnetId}); err != nil {
		t.Fatalf("DeleteSubnet: %v", err)
	}
	if _, err := cli.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)}); err != nil {
		t.Fatalf("DeleteVpc: %v", err)
	}
	_, err = cli.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	wantCode(t, "DescribeVpcs of a deleted VPC", err, "InvalidVpcID.NotFound")
	_, err = cli.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)})
	wantCode(t, "second DeleteVpc", err, "InvalidVpcID.NotFound")
	_, err = cli.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	wantCode(t, "unknown filter", err, "InvalidParameterValue")
	_, err = cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/8")})
	wantCode(t, "CreateVpc /8", err, "InvalidVpc.Range")
	_, err = cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.3.0.0/16"), DryRun: aws.Bool(true)})
	wantCode(t, "DryRun", err, "DryRunOperation")
}

// ruleIDs returns the IDs of a group's rules by direction and peer.
func ruleIDs(t *testing.T, cli *ec2.Client, group string) map[string]string {
	t.Helper()
	out, err := cli.DescribeSecurityGroupRules(context.Background(), &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{group}}}})
	if err != nil {
		t.Fatalf("DescribeSecurityGroupRules: %v", err)
	}
	m := map[string]string{}
	for _, r := range out.SecurityGroupRules {
		if aws.ToString(r.GroupId) != group {
			t.Errorf("rule %s of group %s listed for %s", aws.ToString(r.SecurityGroupRuleId), aws.ToString(r.GroupId), group)
		}
		peer := aws.ToString(r.CidrIpv4) + aws.ToString(r.CidrIpv6) + aws.ToString(r.PrefixListId)
		if r.ReferencedGroupInfo != nil {
			peer = aws.ToString(r.ReferencedGroupInfo.GroupId)
		}
		dir := "in"
		if aws.ToBool(r.IsEgress) {
			dir = "out"
		}
		key := dir + " " + aws.ToString(r.IpProtocol) + " " + itoa(aws.ToInt32(r.FromPort)) + "-" + itoa(aws.ToInt32(r.ToPort)) + " " + peer
		m[key] = aws.ToString(r.SecurityGroupRuleId)
	}
	return m
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestEC2SecurityGroupRules(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.0.0.0/16")
	web := ec2Group(t, cli, vpc, "web")
	lb := ec2Group(t, cli, vpc, "lb")

	_, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("again"), VpcId: aws.String(vpc)})
	wantCode(t, "duplicate group name", err, "InvalidGroup.Duplicate")
	_, err = cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x")})
	wantCode(t, "group without VPC and no default VPC", err, "VPCIdNotSpecified")
	_, err = cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web"}})
	wantCode(t, "GroupNames outside the default VPC", err, "InvalidGroup.NotFound")

	// A new group allows all egress, like AWS.
	if got := keysOf(ruleIDs(t, cli, web)); strings.Join(got, ",") != "out -1 -1--1 0.0.0.0/0" {
		t.Fatalf("new group's rules = %v, want the default egress rule", got)
	}

	auth, err := cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(web),
		IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
				IpRanges:   []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("temp ssh")}},
				Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
				IpRanges:         []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}},
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(lb)}},
				PrefixListIds:    []ec2types.PrefixListId{{PrefixListId: aws.String("pl-12345678")}}},
			{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("192.168.0.0/16")}}},
		},
	})
	if err != nil {
		t.Fatalf("AuthorizeSecurityGroupIngress: %v", err)
	}
	if !aws.ToBool(auth.Return) || len(auth.SecurityGroupRules) != 6 {
		t.Fatalf("Authorize returned %v with %d rules, want true and 6", aws.ToBool(auth.Return), len(auth.SecurityGroupRules))
	}
	for _, r := range auth.SecurityGroupRules {
		if !sgrRE.MatchString(aws.ToString(r.SecurityGroupRuleId)) || aws.ToBool(r.IsEgress) || aws.ToString(r.GroupId) != web {
			t.Errorf("authorized rule %+v: want an sgr- id, ingress, group %s", r, web)
		}
	}
	ids := ruleIDs(t, cli, web)
	sshID := ids["in tcp 22-22 0.0.0.0/0"]
	for _, k := range []string{"in tcp 22-22 0.0.0.0/0", "in tcp 22-22 ::/0", "in tcp 443-443 10.0.0.0/8", "in tcp 443-443 " + lb,
		"in tcp 443-443 pl-12345678", "in -1 -1--1 192.168.0.0/16", "out -1 -1--1 0.0.0.0/0"} {
		if ids[k] == "" {
			t.Errorf("rule %q missing from DescribeSecurityGroupRules: have %v", k, keysOf(ids))
		}
	}
	if auth.SecurityGroupRules[0].SecurityGroupRuleId == nil || aws.ToString(auth.SecurityGroupRules[0].SecurityGroupRuleId) != sshID {
		t.Errorf("rule id from Authorize %s differs from DescribeSecurityGroupRules %s", aws.ToString(auth.SecurityGroupRules[0].SecurityGroupRuleId), sshID)
	}

	// DescribeSecurityGroups folds the rules into IpPermissions.
	sgs, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{web}})
	if err != nil {
		t.Fatalf("DescribeSecurityGroups: %v", err)
	}
	g := sgs.SecurityGroups[0]
	if len(g.IpPermissions) != 3 || len(g.IpPermissionsEgress) != 1 || aws.ToString(g.VpcId) != vpc || aws.ToString(g.GroupName) != "web" {
		t.Fatalf("described group = %+v", g)
	}
	ssh := g.IpPermissions[0]
	if aws.ToInt32(ssh.FromPort) != 22 || len(ssh.IpRanges) != 1 || aws.ToString(ssh.IpRanges[0].Description) != "temp ssh" || len(ssh.Ipv6Ranges) != 1 {
		t.Errorf("ssh permission = %+v", ssh)
	}
	if p := g.IpPermissions[1]; len(p.UserIdGroupPairs) != 1 || aws.ToString(p.UserIdGroupPairs[0].GroupId) != lb || len(p.PrefixListIds) != 1 {
		t.Errorf("443 permission = %+v", p)
	}

	for _, tc := range []struct {
		name string
		in   *ec2.DescribeSecurityGroupsInput
		want []string
	}{
		{"group-name", &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"lb"}}}}, []string{lb}},
		{"vpc-id", &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{"web", "lb"}}}}, []string{web, lb}},
		{"group-id", &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{web}}}}, []string{web}},
		{"ingress cidr", &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("ip-permission.cidr"), Values: []string{"0.0.0.0/0"}}}}, []string{web}},
	} {
		out, err := cli.DescribeSecurityGroups(ctx, tc.in)
		if err != nil {
			t.Fatalf("DescribeSecurityGroups %s: %v", tc.name, err)
		}
		var got []string
		for _, g := range out.SecurityGroups {
			got = append(got, aws.ToString(g.GroupId))
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("DescribeSecurityGroups %s = %v, want %v", tc.name, got, tc.want)
		}
	}

	// The same rule again is refused, and nothing of the request is added.
	_, err = cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web),
		IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
		}})
	wantCode(t, "duplicate rule", err, "InvalidPermission.Duplicate")
	if _, ok := ruleIDs(t, cli, web)["in tcp 80-80 0.0.0.0/0"]; ok {
		t.Error("a refused Authorize added a rule")
	}
	for _, tc := range []struct {
		name string
		perm ec2types.IpPermission
		code string
	}{
		{"tcp without ports", ec2types.IpPermission{IpProtocol: aws.String("tcp"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("1.2.3.4/32")}}}, "InvalidParameterValue"},
		{"bad cidr", ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(2), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("1.2.3.4/33")}}}, "InvalidParameterValue"},
		{"unknown protocol", ec2types.IpPermission{IpProtocol: aws.String("bogus"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("1.2.3.4/32")}}}, "InvalidParameterValue"},
		{"unknown source group", ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(2), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-00000000000000000")}}}, "InvalidGroup.NotFound"},
	} {
		_, err := cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{tc.perm}})
		wantCode(t, tc.name, err, tc.code)
	}
	_, err = cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String("sg-00000000000000000"),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("1.2.3.4/32")}}}}})
	wantCode(t, "unknown group", err, "InvalidGroup.NotFound")

	// Revoke by rule ID removes exactly that rule; the others keep their IDs.
	rev, err := cli.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), SecurityGroupRuleIds: []string{sshID}})
	if err != nil {
		t.Fatalf("RevokeSecurityGroupIngress by id: %v", err)
	}
	if !aws.ToBool(rev.Return) || len(rev.RevokedSecurityGroupRules) != 1 || aws.ToString(rev.RevokedSecurityGroupRules[0].SecurityGroupRuleId) != sshID {
		t.Errorf("revoke by id = %+v", rev)
	}
	after := ruleIDs(t, cli, web)
	if _, ok := after["in tcp 22-22 0.0.0.0/0"]; ok || len(after) != len(ids)-1 {
		t.Errorf("after revoke: %v", keysOf(after))
	}
	for k, id := range after {
		if ids[k] != id {
			t.Errorf("rule %q changed id %s → %s", k, ids[k], id)
		}
	}
	var revRec awssim.TrailRecord
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.EventName == "RevokeSecurityGroupIngress" {
			revRec = r
		}
	}
	if b, _ := json.Marshal(revRec.RequestParameters); string(b) != `{"groupId":"`+web+`","securityGroupRuleIds":{"items":[{"securityGroupRuleId":"`+sshID+`"}]}}` {
		t.Errorf("RevokeSecurityGroupIngress requestParameters = %s", b)
	}
	if b, _ := json.Marshal(revRec.ResponseElements); !strings.Contains(string(b), `"revokedSecurityGroupRuleSet":{"items":[{`) || !strings.Contains(string(b), `"_return":true`) {
		t.Errorf("RevokeSecurityGroupIngress responseElements = %s", b)
	}
	_, err = cli.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), SecurityGroupRuleIds: []string{sshID}})
	wantCode(t, "revoke of a revoked rule id", err, "InvalidSecurityGroupRuleId.NotFound")
	_, err = cli.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(web), SecurityGroupRuleIds: []string{ids["in tcp 22-22 ::/0"]}})
	wantCode(t, "egress revoke of an ingress rule id", err, "InvalidSecurityGroupRuleId.NotFound")

	// Revoke by IpPermissions: a rule that is not there is an error in a
	// non-default VPC, and nothing is revoked.
	_, err = cli.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}},
			Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}}})
	wantCode(t, "revoke of a missing rule in a non-default VPC", err, "InvalidPermission.NotFound")
	if _, ok := ruleIDs(t, cli, web)["in tcp 22-22 ::/0"]; !ok {
		t.Error("a failed revoke removed a rule")
	}
	rev, err = cli.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}},
		{IpProtocol: aws.String("all"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("192.168.0.0/16")}}}}})
	if err != nil || len(rev.RevokedSecurityGroupRules) != 2 || len(rev.UnknownIpPermissions) != 0 {
		t.Fatalf("revoke by permissions = %+v, %v", rev, err)
	}

	// Egress.
	if _, err := cli.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.2/32")}}}}}); err != nil {
		t.Fatalf("AuthorizeSecurityGroupEgress: %v", err)
	}
	if _, err := cli.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatalf("RevokeSecurityGroupEgress: %v", err)
	}
	if got := ruleIDs(t, cli, web); got["out udp 53-53 10.0.0.2/32"] == "" || got["out -1 -1--1 0.0.0.0/0"] != "" {
		t.Errorf("egress rules after change: %v", keysOf(got))
	}

	// ModifySecurityGroupRules keeps the rule's ID.
	id443 := ids["in tcp 443-443 10.0.0.0/8"]
	if _, err := cli.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(web), SecurityGroupRules: []ec2types.SecurityGroupRuleUpdate{
		{SecurityGroupRuleId: aws.String(id443), SecurityGroupRule: &ec2types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"),
			FromPort: aws.Int32(8443), ToPort: aws.Int32(8443), CidrIpv4: aws.String("10.0.0.0/8")}}}}); err != nil {
		t.Fatalf("ModifySecurityGroupRules: %v", err)
	}
	if got := ruleIDs(t, cli, web)["in tcp 8443-8443 10.0.0.0/8"]; got != id443 {
		t.Errorf("modified rule id = %q, want %s", got, id443)
	}

	// A group referenced by another group's rule cannot be deleted.
	_, err = cli.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(lb)})
	wantCode(t, "delete of a referenced group", err, "DependencyViolation")
	if _, err := cli.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(web)}); err != nil {
		t.Fatalf("DeleteSecurityGroup: %v", err)
	}
	_, err = cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{web}})
	wantCode(t, "describe of a deleted group", err, "InvalidGroup.NotFound")
	_, err = cli.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(web)})
	wantCode(t, "second delete", err, "InvalidGroup.NotFound")
}

func TestEC2RevokeUnknownRuleInDefaultVPC(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	dv, err := cli.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})
	if err != nil {
		t.Fatalf("CreateDefaultVpc: %v", err)
	}
	_, err = cli.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})
	wantCode(t, "second CreateDefaultVpc", err, "DefaultVpcAlreadyExists")
	sg, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app")})
	if err != nil {
		t.Fatalf("CreateSecurityGroup in the default VPC: %v", err)
	}
	got, _ := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"app"}})
	if len(got.SecurityGroups) != 1 || aws.ToString(got.SecurityGroups[0].VpcId) != aws.ToString(dv.Vpc.VpcId) {
		t.Fatalf("DescribeSecurityGroups by name = %+v", got.SecurityGroups)
	}
	rev, err := cli.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(3389), ToPort: aws.Int32(3389), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	if err != nil {
		t.Fatalf("revoke of a missing rule in the default VPC: %v", err)
	}
	if !aws.ToBool(rev.Return) || len(rev.UnknownIpPermissions) != 1 || aws.ToInt32(rev.UnknownIpPermissions[0].FromPort) != 3389 ||
		len(rev.UnknownIpPermissions[0].IpRanges) != 1 || len(rev.RevokedSecurityGroupRules) != 0 {
		t.Errorf("revoke = %+v, want return true and the rule as unknown", rev)
	}
}

// fieldNames returns the JSON object member paths of v, with list items
// merged ("a.items[].b").
func fieldNames(prefix string, v any, out map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			out[prefix+k] = true
			fieldNames(prefix+k+".", e, out)
		}
	case []any:
		for _, e := range t {
			fieldNames(strings.TrimSuffix(prefix, ".")+"[].", e, out)
		}
	}
}

// The requestParameters and responseElements of the CloudTrail records AWS
// writes for these calls (shared/events/cloudtrail-ec2-*.json).
const (
	sampleAuthorizeIngress = `{
 "requestParameters": {
  "groupId": "sg-0123456789abcdef0",
  "ipPermissions": {
   "items": [
    {
     "ipProtocol": "tcp",
     "fromPort": 22,
     "toPort": 22,
     "groups": {},
     "ipRanges": {
      "items": [
       {
        "cidrIp": "0.0.0.0/0",
        "description": "temp ssh"
       }
      ]
     },
     "ipv6Ranges": {},
     "prefixListIds": {}
    },
    {
     "ipProtocol": "tcp",
     "fromPort": 443,
     "toPort": 443,
     "groups": {},
     "ipRanges": {
      "items": [
       {
        "cidrIp": "10.0.0.0/8"
       }
      ]
     },
     "ipv6Ranges": {},
     "prefixListIds": {}
    }
   ]
  }
 },
 "responseElements": {
  "requestId": "6e2f3a4b-5c6d-4e7f-9a0b-1c2d3e4f5a6b",
  "_return": true,
  "securityGroupRuleSet": {
   "items": [
    {
     "groupOwnerId": "444455556666",
     "groupId": "sg-0123456789abcdef0",
     "securityGroupRuleId": "sgr-0aaaaaaaaaaaaaaa1",
     "isEgress": false,
     "ipProtocol": "tcp",
     "fromPort": 22,
     "toPort": 22,
     "cidrIpv4": "0.0.0.0/0",
     "description": "temp ssh"
    },
    {
     "groupOwnerId": "444455556666",
     "groupId": "sg-0123456789abcdef0",
     "securityGroupRuleId": "sgr-0aaaaaaaaaaaaaaa2",
     "isEgress": false,
     "ipProtocol": "tcp",
     "fromPort": 443,
     "toPort": 443,
     "cidrIpv4": "10.0.0.0/8"
    }
   ]
  }
 }
}`
	sampleAttachInternetGateway = `{
 "requestParameters": {
  "internetGatewayId": "igw-0123456789abcdef0",
  "vpcId": "vpc-0a1b2c3d4e5f67890"
 },
 "responseElements": {
  "requestId": "5d1e2f3a-4b5c-4d6e-8f9a-0b1c2d3e4f5a",
  "_return": true
 }
}`
)

func sampleDetail(t *testing.T, sample string) map[string]any {
	t.Helper()
	var detail map[string]any
	if err := json.Unmarshal([]byte(sample), &detail); err != nil {
		t.Fatalf("sample: %v", err)
	}
	return detail
}

func sameFields(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := map[string]bool{}, map[string]bool{}
	fieldNames("", got, g)
	fieldNames("", want, w)
	for k := range w {
		if !g[k] {
			t.Errorf("%s: field %s of the CloudTrail sample is missing", what, k)
		}
	}
	for k := range g {
		if !w[k] {
			t.Errorf("%s: field %s is not in the CloudTrail sample", what, k)
		}
	}
}

func TestEC2CloudTrailAuthorizeIngressMatchesSample(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	var events [][]byte
	sim.Subscribe(func(e []byte) { events = append(events, e) })
	cli := ec2.NewFromConfig(sim.Config(member))
	vpc := ec2VPC(t, cli, "10.0.0.0/16")
	sg := ec2Group(t, cli, vpc, "web")
	if _, err := cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("temp ssh")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
	}}); err != nil {
		t.Fatalf("AuthorizeSecurityGroupIngress: %v", err)
	}
	want := sampleDetail(t, sampleAuthorizeIngress)
	var rec map[string]any
	for _, r := range sim.Trail(member, "us-east-1") {
		if r.EventName == "AuthorizeSecurityGroupIngress" {
			b, _ := json.Marshal(r)
			json.Unmarshal(b, &rec)
		}
	}
	if rec == nil {
		t.Fatal("no AuthorizeSecurityGroupIngress record in the trail")
	}
	sameFields(t, "requestParameters", rec["requestParameters"], want["requestParameters"])
	sameFields(t, "responseElements", rec["responseElements"], want["responseElements"])
	if rec["eventSource"] != "ec2.amazonaws.com" || rec["readOnly"] != false || rec["recipientAccountId"] != member {
		t.Errorf("record header = %v %v %v", rec["eventSource"], rec["readOnly"], rec["recipientAccountId"])
	}
	params := rec["requestParameters"].(map[string]any)
	first := params["ipPermissions"].(map[string]any)["items"].([]any)[0].(map[string]any)
	if params["groupId"] != sg || first["fromPort"] != float64(22) || first["ipRanges"].(map[string]any)["items"].([]any)[0].(map[string]any)["cidrIp"] != "0.0.0.0/0" {
		t.Errorf("requestParameters = %v", params)
	}
	rules := rec["responseElements"].(map[string]any)["securityGroupRuleSet"].(map[string]any)["items"].([]any)
	if id, _ := rules[0].(map[string]any)["securityGroupRuleId"].(string); !sgrRE.MatchString(id) {
		t.Errorf("responseElements rule id %q", id)
	}

	// The EventBridge event carries the same detail.
	var found bool
	for _, e := range events {
		var ev struct {
			DetailType string         `json:"detail-type"`
			Source     string         `json:"source"`
			Account    string         `json:"account"`
			Detail     map[string]any `json:"detail"`
		}
		if json.Unmarshal(e, &ev) == nil && ev.Detail["eventName"] == "AuthorizeSecurityGroupIngress" {
			found = ev.DetailType == "AWS API Call via CloudTrail" && ev.Source == "aws.ec2" && ev.Account == member
			sameFields(t, "event requestParameters", ev.Detail["requestParameters"], want["requestParameters"])
		}
	}
	if !found {
		t.Error("no EventBridge event for AuthorizeSecurityGroupIngress")
	}
}

func TestEC2InternetGateway(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.0.0.0/16")
	other := ec2VPC(t, cli, "10.1.0.0/16")
	igw, err := cli.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: tagSpec(ec2types.ResourceTypeInternetGateway, "team", "net")})
	if err != nil {
		t.Fatalf("CreateInternetGateway: %v", err)
	}
	id := aws.ToString(igw.InternetGateway.InternetGatewayId)
	if !strings.HasPrefix(id, "igw-") || len(igw.InternetGateway.Attachments) != 0 || tagValue(igw.InternetGateway.Tags, "team") != "net" {
		t.Fatalf("CreateInternetGateway = %+v", igw.InternetGateway)
	}
	_, err = cli.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpc)})
	wantCode(t, "detach of a detached gateway", err, "Gateway.NotAttached")
	if _, err := cli.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpc)}); err != nil {
		t.Fatalf("AttachInternetGateway: %v", err)
	}
	_, err = cli.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(other)})
	wantCode(t, "attach to a second VPC", err, "Resource.AlreadyAssociated")
	igw2, _ := cli.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	_, err = cli.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw2.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)})
	wantCode(t, "second gateway on a VPC", err, "Resource.AlreadyAssociated")
	_, err = cli.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String("igw-00000000000000000"), VpcId: aws.String(vpc)})
	wantCode(t, "unknown gateway", err, "InvalidInternetGatewayID.NotFound")

	desc, err := cli.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{vpc}}}})
	if err != nil || len(desc.InternetGateways) != 1 {
		t.Fatalf("DescribeInternetGateways by attachment.vpc-id = %+v, %v", desc, err)
	}
	if a := desc.InternetGateways[0].Attachments; len(a) != 1 || aws.ToString(a[0].VpcId) != vpc || a[0].State != ec2types.AttachmentStatus("available") {
		t.Errorf("attachments = %+v", a)
	}
	desc, _ = cli.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{{Name: aws.String("internet-gateway-id"), Values: []string{id}}}})
	if len(desc.InternetGateways) != 1 {
		t.Errorf("DescribeInternetGateways by internet-gateway-id: %d", len(desc.InternetGateways))
	}
	_, err = cli.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(id)})
	wantCode(t, "delete of an attached gateway", err, "DependencyViolation")
	_, err = cli.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
	wantCode(t, "delete of a VPC with a gateway", err, "DependencyViolation")
	if _, err := cli.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpc)}); err != nil {
		t.Fatalf("DetachInternetGateway: %v", err)
	}
	_, err = cli.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpc)})
	wantCode(t, "second detach", err, "Gateway.NotAttached")
	if _, err := cli.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteInternetGateway: %v", err)
	}
	_, err = cli.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
	wantCode(t, "describe of a deleted gateway", err, "InvalidInternetGatewayID.NotFound")

	want := sampleDetail(t, sampleAttachInternetGateway)
	var attach, detach map[string]any
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.ErrorCode != "" {
			continue
		}
		b, _ := json.Marshal(r)
		switch r.EventName {
		case "AttachInternetGateway":
			json.Unmarshal(b, &attach)
		case "DetachInternetGateway":
			json.Unmarshal(b, &detach)
		}
	}
	if attach == nil || detach == nil {
		t.Fatal("attach or detach missing from the trail")
	}
	sameFields(t, "attach requestParameters", attach["requestParameters"], want["requestParameters"])
	sameFields(t, "attach responseElements", attach["responseElements"], want["responseElements"])
	sameFields(t, "detach requestParameters", detach["requestParameters"], want["requestParameters"])
	if p := attach["requestParameters"].(map[string]any); p["internetGatewayId"] != id || p["vpcId"] != vpc {
		t.Errorf("attach requestParameters = %v", p)
	}
}

func TestEC2Tags(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.0.0.0/16")
	sg := ec2Group(t, cli, vpc, "web")
	if _, err := cli.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{sg, vpc}, Tags: ec2Tags("env", "prod", "owner", "alice")}); err != nil {
		t.Fatalf("CreateTags: %v", err)
	}
	got, _ := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:env"), Values: []string{"prod"}}}})
	if len(got.SecurityGroups) != 1 || tagValue(got.SecurityGroups[0].Tags, "owner") != "alice" {
		t.Fatalf("groups tagged env=prod = %+v", got.SecurityGroups)
	}
	tags, err := cli.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{sg}}}})
	if err != nil || len(tags.Tags) != 2 || tags.Tags[0].ResourceType != ec2types.ResourceTypeSecurityGroup {
		t.Fatalf("DescribeTags = %+v, %v", tags, err)
	}
	// DeleteTags with a value deletes only when the value matches.
	if _, err := cli.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{sg}, Tags: []ec2types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("owner")}}}); err != nil {
		t.Fatalf("DeleteTags: %v", err)
	}
	tags, _ = cli.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{sg}}}})
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Errorf("tags after DeleteTags = %+v", tags.Tags)
	}
	tags, _ = cli.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{{Name: aws.String("resource-type"), Values: []string{"vpc"}}}})
	if len(tags.Tags) != 2 {
		t.Errorf("vpc tags = %+v", tags.Tags)
	}
	_, err = cli.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"sg-00000000000000000"}, Tags: ec2Tags("a", "b")})
	wantCode(t, "CreateTags on a missing group", err, "InvalidGroup.NotFound")
	_, err = cli.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{sg}, Tags: ec2Tags("aws:reserved", "b")})
	wantCode(t, "reserved tag key", err, "InvalidParameterValue")

	var rec awssim.TrailRecord
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.EventName == "CreateTags" && r.ErrorCode == "" {
			rec = r
		}
	}
	b, _ := json.Marshal(rec.RequestParameters)
	if !strings.Contains(string(b), `"resourcesSet":{"items":[{"resourceId":"`+sg+`"}`) || !strings.Contains(string(b), `"tagSet":{"items":[{"key":"env","value":"prod"}`) {
		t.Errorf("CreateTags requestParameters = %s", b)
	}
}

func TestEC2EBSEncryptionVolumesAndSnapshots(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	sim.AddAccount(member)
	cli := ec2.NewFromConfig(sim.Config(""))
	peer := ec2.NewFromConfig(sim.Config(member))

	enc, err := cli.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil || aws.ToBool(enc.EbsEncryptionByDefault) {
		t.Fatalf("GetEbsEncryptionByDefault = %+v, %v; want false", enc, err)
	}
	vol, err := cli.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(10),
		TagSpecifications: tagSpec(ec2types.ResourceTypeVolume, "Name", "data")})
	if err != nil {
		t.Fatalf("CreateVolume: %v", err)
	}
	if aws.ToBool(vol.Encrypted) || aws.ToInt32(vol.Size) != 10 {
		t.Errorf("CreateVolume = %+v", vol)
	}
	on, err := cli.EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{})
	if err != nil || !aws.ToBool(on.EbsEncryptionByDefault) {
		t.Fatalf("EnableEbsEncryptionByDefault = %+v, %v", on, err)
	}
	enc, _ = cli.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if !aws.ToBool(enc.EbsEncryptionByDefault) {
		t.Error("encryption by default not enabled")
	}
	encVol, err := cli.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1b"), Size: aws.Int32(5)})
	if err != nil || !aws.ToBool(encVol.Encrypted) {
		t.Fatalf("volume under default encryption = %+v, %v", encVol, err)
	}
	if other, _ := ec2.NewFromConfig(sim.Config(""), func(o *ec2.Options) { o.Region = "eu-west-1" }).GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{}); aws.ToBool(other.EbsEncryptionByDefault) {
		t.Error("default encryption leaked into eu-west-1")
	}
	vols, err := cli.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: aws.String("encrypted"), Values: []string{"true"}}}})
	if err != nil || len(vols.Volumes) != 1 || aws.ToString(vols.Volumes[0].VolumeId) != aws.ToString(encVol.VolumeId) {
		t.Fatalf("encrypted volumes = %+v, %v", vols, err)
	}

	snap, err := cli.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId, Description: aws.String("forensics"),
		TagSpecifications: tagSpec(ec2types.ResourceTypeSnapshot, "case", "42")})
	if err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	snapID := aws.ToString(snap.SnapshotId)
	if !regexp.MustCompile(`^snap-[0-9a-f]{17}$`).MatchString(snapID) || snap.State != ec2types.SnapshotStatePending {
		t.Errorf("CreateSnapshot = %s %s", snapID, snap.State)
	}
	snaps, err := cli.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	if err != nil || len(snaps.Snapshots) != 1 {
		t.Fatalf("DescribeSnapshots self = %+v, %v", snaps, err)
	}
	if s := snaps.Snapshots[0]; s.State != ec2types.SnapshotStateCompleted || aws.ToString(s.VolumeId) != aws.ToString(vol.VolumeId) ||
		tagValue(s.Tags, "case") != "42" || aws.ToString(s.OwnerId) != awssim.DefaultAccount {
		t.Errorf("described snapshot = %+v", s)
	}
	if err := ec2.NewSnapshotCompletedWaiter(cli).Wait(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snapID}}, 10e9); err != nil {
		t.Errorf("snapshot completed waiter: %v", err)
	}

	// Public through createVolumePermission "all", then private again.
	if _, err := cli.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snapID), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
		CreateVolumePermission: &ec2types.CreateVolumePermissionModifications{Add: []ec2types.CreateVolumePermission{{Group: ec2types.PermissionGroupAll}, {UserId: aws.String("111122223333")}}}}); err != nil {
		t.Fatalf("ModifySnapshotAttribute add: %v", err)
	}
	attr, err := cli.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(snapID), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
	if err != nil || len(attr.CreateVolumePermissions) != 2 || attr.CreateVolumePermissions[0].Group != ec2types.PermissionGroupAll ||
		aws.ToString(attr.CreateVolumePermissions[1].UserId) != "111122223333" {
		t.Fatalf("DescribeSnapshotAttribute = %+v, %v", attr, err)
	}
	seen, err := peer.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"all"}})
	if err != nil || len(seen.Snapshots) != 1 {
		t.Fatalf("another account's view of public snapshots = %+v, %v", seen, err)
	}
	if own, _ := peer.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}}); len(own.Snapshots) != 0 {
		t.Errorf("another account owns %d snapshots, want 0", len(own.Snapshots))
	}
	if _, err := cli.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snapID), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
		OperationType: ec2types.OperationTypeRemove, GroupNames: []string{"all"}}); err != nil {
		t.Fatalf("ModifySnapshotAttribute remove: %v", err)
	}
	attr, _ = cli.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(snapID), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
	if len(attr.CreateVolumePermissions) != 1 || attr.CreateVolumePermissions[0].Group != "" {
		t.Errorf("permissions after remove = %+v", attr.CreateVolumePermissions)
	}
	if seen, _ := peer.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"all"}}); len(seen.Snapshots) != 0 {
		t.Errorf("private snapshot still public: %+v", seen.Snapshots)
	}
	_, err = cli.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snapID), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
		OperationType: ec2types.OperationTypeAdd, GroupNames: []string{"everyone"}})
	wantCode(t, "unknown group", err, "InvalidParameterValue")

	var modify awssim.TrailRecord
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.EventName == "ModifySnapshotAttribute" && r.ErrorCode == "" && modify.EventName == "" {
			modify = r
		}
	}
	b, _ := json.Marshal(modify.RequestParameters)
	if !strings.Contains(string(b), `"createVolumePermission":{"add":{"items":[{"group":"all"},{"userId":"111122223333"}]}}`) {
		t.Errorf("ModifySnapshotAttribute requestParameters = %s", b)
	}

	if _, err := cli.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snapID)}); err != nil {
		t.Fatalf("DeleteSnapshot: %v", err)
	}
	_, err = cli.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snapID}})
	wantCode(t, "describe of a deleted snapshot", err, "InvalidSnapshot.NotFound")
	_, err = cli.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snapID)})
	wantCode(t, "second DeleteSnapshot", err, "InvalidSnapshot.NotFound")
	_, err = cli.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String("vol-00000000000000000")})
	wantCode(t, "snapshot of a missing volume", err, "InvalidVolume.NotFound")
}

func TestEC2InstancesIsolate(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.0.0.0/16")
	sn, err := cli.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1b")})
	if err != nil {
		t.Fatalf("CreateSubnet: %v", err)
	}
	web := ec2Group(t, cli, vpc, "web")
	quarantine := ec2Group(t, cli, vpc, "quarantine")
	profile := "arn:aws:iam::" + awssim.DefaultAccount + ":instance-profile/app"

	run, err := cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0abcdef1234567890"), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: sn.Subnet.SubnetId, SecurityGroupIds: []string{web},
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Arn: aws.String(profile)},
		TagSpecifications:  tagSpec(ec2types.ResourceTypeInstance, "Name", "bastion")})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	if len(run.Instances) != 1 {
		t.Fatalf("RunInstances started %d instances", len(run.Instances))
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	if !regexp.MustCompile(`^i-[0-9a-f]{17}$`).MatchString(id) {
		t.Errorf("instance id %q", id)
	}
	_, err = cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-1"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: sn.Subnet.SubnetId, SecurityGroupIds: []string{"sg-00000000000000000"}})
	wantCode(t, "RunInstances with a missing group", err, "InvalidGroup.NotFound")
	_, err = cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-1"), MinCount: aws.Int32(1000000), MaxCount: aws.Int32(1000000), SubnetId: sn.Subnet.SubnetId})
	wantCode(t, "RunInstances over the quota", err, "InstanceLimitExceeded")
	_, err = cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("img-1"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: sn.Subnet.SubnetId})
	wantCode(t, "RunInstances with a malformed image id", err, "InvalidAMIID.Malformed")

	for _, tc := range []struct {
		name    string
		filters []ec2types.Filter
		want    int
	}{
		{"instance-id", []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{id}}}, 1},
		{"tag", []ec2types.Filter{{Name: aws.String("tag:Name"), Values: []string{"bastion"}}}, 1},
		{"running", []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running"}}}, 1},
		{"stopped", []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"stopped"}}}, 0},
	} {
		out, err := cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: tc.filters})
		if err != nil {
			t.Fatalf("DescribeInstances %s: %v", tc.name, err)
		}
		n := 0
		for _, r := range out.Reservations {
			n += len(r.Instances)
		}
		if n != tc.want {
			t.Errorf("DescribeInstances %s: %d instances, want %d", tc.name, n, tc.want)
		}
	}
	out, err := cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	inst := out.Reservations[0].Instances[0]
	if inst.State.Name != ec2types.InstanceStateNameRunning || len(inst.SecurityGroups) != 1 || aws.ToString(inst.SecurityGroups[0].GroupId) != web ||
		aws.ToString(inst.SecurityGroups[0].GroupName) != "web" || inst.IamInstanceProfile == nil || aws.ToString(inst.IamInstanceProfile.Arn) != profile ||
		aws.ToString(inst.VpcId) != vpc || aws.ToString(inst.Placement.AvailabilityZone) != "us-east-1b" || !strings.HasPrefix(aws.ToString(inst.PrivateIpAddress), "10.0.1.") {
		t.Fatalf("described instance = %+v", inst)
	}
	if len(inst.BlockDeviceMappings) != 1 || inst.BlockDeviceMappings[0].Ebs == nil {
		t.Fatalf("block devices = %+v", inst.BlockDeviceMappings)
	}
	root := aws.ToString(inst.BlockDeviceMappings[0].Ebs.VolumeId)
	vols, err := cli.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: aws.String("attachment.instance-id"), Values: []string{id}}}})
	if err != nil || len(vols.Volumes) != 1 || aws.ToString(vols.Volumes[0].VolumeId) != root || vols.Volumes[0].State != ec2types.VolumeStateInUse {
		t.Fatalf("volumes of the instance = %+v, %v", vols, err)
	}

	// Isolation: replace the instance's groups with the quarantine group.
	if _, err := cli.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), Groups: []string{quarantine}}); err != nil {
		t.Fatalf("ModifyInstanceAttribute: %v", err)
	}
	out, _ = cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if g := out.Reservations[0].Instances[0].SecurityGroups; len(g) != 1 || aws.ToString(g[0].GroupId) != quarantine {
		t.Errorf("groups after isolation = %+v", g)
	}
	_, err = cli.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String("i-00000000000000000"), Groups: []string{quarantine}})
	wantCode(t, "modify of a missing instance", err, "InvalidInstanceID.NotFound")
	_, err = cli.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), Groups: []string{"sg-00000000000000000"}})
	wantCode(t, "modify with a missing group", err, "InvalidGroup.NotFound")
	var rec awssim.TrailRecord
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.EventName == "ModifyInstanceAttribute" && r.ErrorCode == "" {
			rec = r
		}
	}
	if b, _ := json.Marshal(rec.RequestParameters); string(b) != `{"groupSet":{"items":[{"groupId":"`+quarantine+`"}]},"instanceId":"`+id+`"}` {
		t.Errorf("ModifyInstanceAttribute requestParameters = %s", b)
	}
	_, err = cli.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(quarantine)})
	wantCode(t, "delete of a group in use", err, "DependencyViolation")
	if _, err := cli.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(web)}); err != nil {
		t.Errorf("delete of a group no longer in use: %v", err)
	}

	stop, err := cli.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	if err != nil || stop.StoppingInstances[0].CurrentState.Name != ec2types.InstanceStateNameStopping {
		t.Fatalf("StopInstances = %+v, %v", stop, err)
	}
	term, err := cli.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil || term.TerminatingInstances[0].CurrentState.Name != ec2types.InstanceStateNameShuttingDown ||
		term.TerminatingInstances[0].PreviousState.Name != ec2types.InstanceStateNameStopped {
		t.Fatalf("TerminateInstances = %+v, %v", term, err)
	}
	out, _ = cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if s := out.Reservations[0].Instances[0].State.Name; s != ec2types.InstanceStateNameTerminated {
		t.Errorf("state after terminate = %s", s)
	}
	_, err = cli.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{root}})
	wantCode(t, "root volume after terminate", err, "InvalidVolume.NotFound")
	_, err = cli.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-00000000000000000"}})
	wantCode(t, "describe of a missing instance", err, "InvalidInstanceID.NotFound")
}

func TestEC2RegionAndAccountIsolation(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	sim.AddAccount(member)
	east := ec2.NewFromConfig(sim.Config(""))
	west := ec2.NewFromConfig(sim.Config(""), func(o *ec2.Options) { o.Region = "eu-west-1" })
	other := ec2.NewFromConfig(sim.Config(member))
	vpc := ec2VPC(t, east, "10.0.0.0/16")
	sg := ec2Group(t, east, vpc, "web")

	for name, cli := range map[string]*ec2.Client{"eu-west-1": west, "another account": other} {
		_, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})
		wantCode(t, name+" DescribeSecurityGroups", err, "InvalidGroup.NotFound")
		all, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
		if err != nil || len(all.SecurityGroups) != 0 {
			t.Errorf("%s sees %d groups, %v", name, len(all.SecurityGroups), err)
		}
		_, err = cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
		wantCode(t, name+" Authorize", err, "InvalidGroup.NotFound")
	}
	wvpc := ec2VPC(t, west, "10.0.0.0/16")
	ec2Group(t, west, wvpc, "web")
	got, err := east.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"web"}}}})
	if err != nil || len(got.SecurityGroups) != 1 || aws.ToString(got.SecurityGroups[0].GroupId) != sg {
		t.Errorf("us-east-1 groups named web = %+v, %v", got, err)
	}
	if recs := sim.Trail(awssim.DefaultAccount, "eu-west-1"); len(recs) == 0 || recs[0].AWSRegion != "eu-west-1" {
		t.Errorf("eu-west-1 trail = %d records", len(recs))
	}
}

func TestEC2DeterministicIDs(t *testing.T) {
	ids := func() []string {
		sim := awssim.Start(t, func(o *awssim.Options) { o.Seed = 7 })
		cli := ec2.NewFromConfig(sim.Config(""))
		vpc := ec2VPC(t, cli, "10.0.0.0/16")
		sg := ec2Group(t, cli, vpc, "web")
		out, err := cli.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
		if err != nil {
			t.Fatalf("Authorize: %v", err)
		}
		return []string{vpc, sg, aws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId)}
	}
	a, b := ids(), ids()
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("same seed gave %v and %v", a, b)
	}
}

func TestEC2StateSurvivesSnapshotRestore(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc := ec2VPC(t, cli, "10.0.0.0/16")
	sg := ec2Group(t, cli, vpc, "web")
	if _, err := cli.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{sg}, Tags: ec2Tags("env", "prod")}); err != nil {
		t.Fatalf("CreateTags: %v", err)
	}
	before := ruleIDs(t, cli, sg)
	state, err := sim.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	sim.Reset()
	if _, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}}); apiCode(err) != "InvalidGroup.NotFound" {
		t.Fatalf("after Reset: %v, want InvalidGroup.NotFound", err)
	}
	if err := sim.Restore(state); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	got, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})
	if err != nil || tagValue(got.SecurityGroups[0].Tags, "env") != "prod" {
		t.Fatalf("restored group = %+v, %v", got, err)
	}
	after := ruleIDs(t, cli, sg)
	if strings.Join(keysOf(after), ",") != strings.Join(keysOf(before), ",") || after["out -1 -1--1 0.0.0.0/0"] != before["out -1 -1--1 0.0.0.0/0"] {
		t.Errorf("rules after restore %v, before %v", after, before)
	}
}

// FuzzEC2Query sends arbitrary EC2 query parameters: every request gets an
// answer in EC2's shape, never a server fault.
func FuzzEC2Query(f *testing.F) {
	for _, seed := range []string{
		"Action=CreateVpc&CidrBlock=10.0.0.0/16",
		"Action=CreateSecurityGroup&GroupName=a&GroupDescription=b&VpcId=vpc-1",
		"Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0",
		"Action=RevokeSecurityGroupIngress&GroupId=sg-1&SecurityGroupRuleId.1=sgr-1",
		"Action=ModifySnapshotAttribute&SnapshotId=snap-1&CreateVolumePermission.Add.1.Group=all",
		"Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=99999999",
		"Action=DescribeInstances&Filter.1.Name=tag:Name&Filter.1.Value.1=*a?",
		"Action=CreateTags&ResourceId.1=sg-1&Tag.1.Key=k",
	} {
		f.Add(seed)
	}
	sim := awssim.New(awssim.Options{SkipSignatureCheck: true})
	key, _ := sim.AdminKeys(awssim.DefaultAccount)
	auth := "AWS4-HMAC-SHA256 Credential=" + key + "/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
	// Some state for the fuzzed calls to find.
	for _, body := range []string{"Action=CreateDefaultVpc", "Action=CreateSecurityGroup&GroupName=a&GroupDescription=b"} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			f.Fatalf("%s: status %d: %s", body, rec.Code, rec.Body)
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: status %d: %s", body, rec.Code, rec.Body)
		}
	})
}
