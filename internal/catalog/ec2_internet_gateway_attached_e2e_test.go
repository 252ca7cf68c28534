package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/store"
)

const igwPlaybook = "ec2-internet-gateway-attached"

// attachedIGW creates an internet gateway attached to n's VPC.
func (n *ec2Net) attachedIGW(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	g, err := n.cli.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(g.InternetGateway.InternetGatewayId)
	if _, err := n.cli.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(n.vpc)}); err != nil {
		t.Fatal(err)
	}
	return id
}

// igwVPCs returns the VPCs the gateway is attached to.
func (n *ec2Net) igwVPCs(t *testing.T, id string) []string {
	t.Helper()
	out, err := n.cli.DescribeInternetGateways(context.Background(), &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	var vpcs []string
	for _, a := range out.InternetGateways[0].Attachments {
		vpcs = append(vpcs, aws.ToString(a.VpcId))
	}
	return vpcs
}

func TestInternetGatewayAttachedWorkflow(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n := newEC2Net(t, h, "us-east-1")
	igw := n.attachedIGW(t)
	// A second VPC that is allowed an internet gateway by its tag.
	allowed := newEC2Net(t, h, "us-east-1")
	if _, err := allowed.cli.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{allowed.vpc},
		Tags: []ec2types.Tag{{Key: aws.String("rectify:allow-internet-gateway"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	allowedIGW := allowed.attachedIGW(t)

	a := h.rectify(t, "")
	event := fixture(t, igwPlaybook, "event.json", "igw-0123456789abcdef0", igw, "vpc-0a1b2c3d4e5f67890", n.vpc)
	mark := len(h.sim.Trail(member, "us-east-1"))
	res, err := a.Engine.Handle(ctx, event)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, %v; want one succeeded run", res, err)
	}
	if vpcs := n.igwVPCs(t, igw); len(vpcs) != 0 {
		t.Errorf("gateway still attached to %v", vpcs)
	}
	muts := ec2Mutations(h, member, "us-east-1", mark)
	if len(muts) != 1 || muts[0].EventName != "DetachInternetGateway" || !strings.Contains(muts[0].UserIdentity.ARN, ":assumed-role/rectify-remediation/rectify-") {
		t.Fatalf("mutating calls = %v, want one DetachInternetGateway by rectify", ec2EventNames(muts))
	}
	steps := ec2Steps(t, a, res.Runs[0].RunID)
	if out := ec2StepOutput(t, steps["check"]); out["allowed"] != false {
		t.Errorf("check output = %v", out)
	}
	if steps["detach"].Status != store.StepSucceeded {
		t.Errorf("detach step = %s (%s)", steps["detach"].Status, steps["detach"].Message)
	}
	msgs := h.sim.SNSMessages(h.topic)
	if len(msgs) != 1 {
		t.Fatalf("messages = %d, want 1", len(msgs))
	}
	if miss := ec2Missing(msgs[0].Subject+"\n"+msgs[0].Message, igw, n.vpc, "neither in the allowed list nor tagged", "was detached"); miss != "" {
		t.Errorf("notification lacks %q:\n%s\n%s", miss, msgs[0].Subject, msgs[0].Message)
	}

	// The compliant variant: the tagged VPC keeps its gateway.
	mark = len(h.sim.Trail(member, "us-east-1"))
	res, err = a.Engine.Handle(ctx, fixture(t, igwPlaybook, "event-allowed-vpc.json", "igw-0fedcba9876543210", allowedIGW, "vpc-0f0e0d0c0b0a09080", allowed.vpc))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("allowed VPC = %+v, %v", res, err)
	}
	steps = ec2Steps(t, a, res.Runs[0].RunID)
	if out := ec2StepOutput(t, steps["check"]); out["allowed"] != true {
		t.Errorf("check output for the tagged VPC = %v", out)
	}
	if steps["detach"].Status != store.StepSkipped {
		t.Errorf("detach step for the tagged VPC = %s, want skipped", steps["detach"].Status)
	}
	if vpcs := allowed.igwVPCs(t, allowedIGW); len(vpcs) != 1 || vpcs[0] != allowed.vpc {
		t.Errorf("allowed gateway attached to %v, want [%s]", vpcs, allowed.vpc)
	}

	// Redelivered, the first event changes nothing more.
	res, err = a.Engine.Handle(ctx, event)
	if err != nil || res.Status != store.EventDuplicate {
		t.Errorf("redelivery = %+v, %v; want duplicate", res, err)
	}
	if m := ec2Mutations(h, member, "us-east-1", mark); len(m) != 0 {
		t.Errorf("later events made calls %v", ec2EventNames(m))
	}
}

func TestInternetGatewayAllowedList(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	n := newEC2Net(t, h, "us-east-1")
	igw := n.attachedIGW(t)
	a := h.rectify(t, `
playbooks:
  overrides:
    ec2-internet-gateway-attached: {params: {allowed_vpcs: [`+n.vpc+`]}}
`)
	event := fixture(t, igwPlaybook, "event.json", "igw-0123456789abcdef0", igw, "vpc-0a1b2c3d4e5f67890", n.vpc)
	res, err := a.Engine.Handle(ctx, event)
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("result = %+v, %v", res, err)
	}
	if vpcs := n.igwVPCs(t, igw); len(vpcs) != 1 {
		t.Errorf("listed VPC lost its gateway: attachments %v", vpcs)
	}

	// Detached by someone else before rectify gets to it: already done.
	other := newEC2Net(t, h, "us-east-1")
	igw2 := other.attachedIGW(t)
	if _, err := other.cli.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw2), VpcId: aws.String(other.vpc)}); err != nil {
		t.Fatal(err)
	}
	res, err = a.Engine.Handle(ctx, fixture(t, igwPlaybook, "event.json", "igw-0123456789abcdef0", igw2, "vpc-0a1b2c3d4e5f67890", other.vpc,
		"11111111-2222-4333-8444-555555555501", "11111111-2222-4333-8444-5555555555f1"))
	if err != nil || len(res.Runs) != 1 || res.Runs[0].Status != store.RunSucceeded {
		t.Fatalf("detached gateway = %+v, %v", res, err)
	}
	if s := ec2Steps(t, a, res.Runs[0].RunID)["detach"]; s.Status != store.StepAlreadyDone {
		t.Errorf("detach of a detached gateway = %s (%s), want already done", s.Status, s.Message)
	}
	// Neither run changed anything: both are recorded, neither notified.
	if msgs := h.sim.SNSMessages(h.topic); len(msgs) != 0 {
		t.Errorf("messages = %+v, want none", msgs)
	}
}
