package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/app"
	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/store"
)

// ec2Net is a VPC with one security group in the member account, created
// by the account's administrator in a region.
type ec2Net struct {
	cli    *ec2.Client
	region string
	vpc    string
	group  string
}

func newEC2Net(t *testing.T, h *harness, region string) *ec2Net {
	t.Helper()
	ctx := context.Background()
	cfg := h.sim.Config(member)
	cfg.Region = region
	n := &ec2Net{cli: ec2.NewFromConfig(cfg), region: region}
	v, err := n.cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	n.vpc = aws.ToString(v.Vpc.VpcId)
	g, err := n.cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("web"), Description: aws.String("web servers"), VpcId: v.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	n.group = aws.ToString(g.GroupId)
	return n
}

// ec2TCPFrom is an IpPermission for one TCP port from one IPv4 range.
func ec2TCPFrom(port int32, cidr, description string) ec2types.IpPermission {
	r := ec2types.IpRange{CidrIp: aws.String(cidr)}
	if description != "" {
		r.Description = aws.String(description)
	}
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: []ec2types.IpRange{r}}
}

// authorize adds ingress rules to the group and returns their rule IDs in
// the order of perms.
func (n *ec2Net) authorize(t *testing.T, perms ...ec2types.IpPermission) []string {
	t.Helper()
	out, err := n.cli.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(n.group), IpPermissions: perms})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(out.SecurityGroupRules))
	for i, r := range out.SecurityGroupRules {
		ids[i] = aws.ToString(r.SecurityGroupRuleId)
	}
	return ids
}

// rules returns the group's rules, sorted, as "in|out proto from-to peer id".
func (n *ec2Net) rules(t *testing.T) []string {
	t.Helper()
	out, err := n.cli.DescribeSecurityGroupRules(context.Background(), &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{n.group}}}})
	if err != nil {
		t.Fatal(err)
	}
	var rs []string
	for _, r := range out.SecurityGroupRules {
		dir := "in"
		if aws.ToBool(r.IsEgress) {
			dir = "out"
		}
		rs = append(rs, fmt.Sprintf("%s %s %d-%d %s%s %s", dir, aws.ToString(r.IpProtocol), aws.ToInt32(r.FromPort), aws.ToInt32(r.ToPort),
			aws.ToString(r.CidrIpv4), aws.ToString(r.CidrIpv6), aws.ToString(r.SecurityGroupRuleId)))
	}
	slices.Sort(rs)
	return rs
}

// ec2Mutations returns the mutating calls recorded in account and region
// after the first skip records.
func ec2Mutations(h *harness, account, region string, skip int) []awssim.TrailRecord {
	var out []awssim.TrailRecord
	for _, r := range h.sim.Trail(account, region)[skip:] {
		if !r.ReadOnly {
			out = append(out, r)
		}
	}
	return out
}

// ec2EventNames lists the event names of records.
func ec2EventNames(recs []awssim.TrailRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.EventName
	}
	return out
}

// ec2RectifyAWS assembles rectify like harness.rectify, with extra YAML lines
// added to the aws section (e.g. allow lists).
func (h *harness) ec2RectifyAWS(t *testing.T, awsExtra string) *app.App {
	t.Helper()
	return h.start(t, filepath.Join(t.TempDir(), "rectify.db"), h.configWith(awsExtra, "")).App
}

// ec2Steps returns the step records of a run by step name.
func ec2Steps(t *testing.T, a *app.App, runID string) map[string]store.StepRecord {
	t.Helper()
	recs, err := a.Store.Steps(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]store.StepRecord, len(recs))
	for _, r := range recs {
		out[r.Name] = r
	}
	return out
}

// ec2StepOutput decodes a step record's output.
func ec2StepOutput(t *testing.T, s store.StepRecord) map[string]any {
	t.Helper()
	var m map[string]any
	if len(s.Output) > 0 {
		if err := json.Unmarshal(s.Output, &m); err != nil {
			t.Fatalf("step %s output %s: %v", s.Name, s.Output, err)
		}
	}
	return m
}

// ec2Strings converts a decoded JSON list to strings.
func ec2Strings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// ec2Missing returns the first of wants that s lacks, or "".
func ec2Missing(s string, wants ...string) string {
	for _, w := range wants {
		if !strings.Contains(s, w) {
			return w
		}
	}
	return ""
}
