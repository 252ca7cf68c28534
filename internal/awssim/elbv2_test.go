package awssim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestELBv2LoadBalancersListenersAndRules(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	ec := ec2.NewFromConfig(cfg)
	cli := elb.NewFromConfig(cfg)
	vpc := ec2VPC(t, ec, "10.7.0.0/16")
	a := ec2Subnet(t, ec, vpc, "10.7.1.0/24", "us-east-1a")
	b := ec2Subnet(t, ec, vpc, "10.7.2.0/24", "us-east-1b")

	_, err := cli.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{a}})
	wantCode(t, "an application load balancer in one subnet", err, "ValidationError")
	lbOut, err := cli.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	lb := lbOut.LoadBalancers[0]
	lbARN := aws.ToString(lb.LoadBalancerArn)
	if !strings.Contains(lbARN, ":loadbalancer/app/web/") || aws.ToString(lb.VpcId) != vpc || lb.State.Code != elbtypes.LoadBalancerStateEnumActive {
		t.Fatalf("CreateLoadBalancer = %+v", lb)
	}
	tg, err := cli.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	tgARN := tg.TargetGroups[0].TargetGroupArn
	forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}
	_, err = cli.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN), Protocol: elbtypes.ProtocolEnumHttps, Port: aws.Int32(443), DefaultActions: forward})
	wantCode(t, "an HTTPS listener without a certificate", err, "ValidationError")
	if _, err := cli.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN), Protocol: elbtypes.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates: []elbtypes.Certificate{{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/1")}}, DefaultActions: forward}); err != nil {
		t.Fatal(err)
	}
	httpL, err := cli.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: forward})
	if err != nil {
		t.Fatal(err)
	}
	httpARN := httpL.Listeners[0].ListenerArn
	_, err = cli.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: forward})
	wantCode(t, "a second listener on port 80", err, "DuplicateListener")

	rule, err := cli.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: httpARN, Priority: aws.Int32(10), Actions: forward,
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/api/*"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	redirect := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{
		Protocol: aws.String("HTTPS"), Port: aws.String("443"), Host: aws.String("#{host}"), Path: aws.String("/#{path}"), Query: aws.String("#{query}"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}}}
	if _, err := cli.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: httpARN, DefaultActions: redirect}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: rule.Rules[0].RuleArn, Actions: redirect}); err != nil {
		t.Fatal(err)
	}
	ls, err := cli.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)})
	if err != nil || len(ls.Listeners) != 2 {
		t.Fatalf("DescribeListeners = %+v, %v", ls, err)
	}
	var http elbtypes.Listener
	for _, l := range ls.Listeners {
		if l.Protocol == elbtypes.ProtocolEnumHttp {
			http = l
		}
	}
	if act := http.DefaultActions[0]; act.Type != elbtypes.ActionTypeEnumRedirect || aws.ToString(act.RedirectConfig.Protocol) != "HTTPS" ||
		act.RedirectConfig.StatusCode != elbtypes.RedirectActionStatusCodeEnumHttp301 || aws.ToString(act.RedirectConfig.Path) != "/#{path}" {
		t.Errorf("HTTP listener's default action = %+v", act)
	}
	rules, err := cli.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: httpARN})
	if err != nil || len(rules.Rules) != 2 || !aws.ToBool(rules.Rules[1].IsDefault) || rules.Rules[0].Actions[0].Type != elbtypes.ActionTypeEnumRedirect ||
		rules.Rules[0].Conditions[0].PathPatternConfig.Values[0] != "/api/*" {
		t.Fatalf("DescribeRules = %+v, %v", rules, err)
	}
	_, err = cli.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: rules.Rules[1].RuleArn, Actions: forward})
	wantCode(t, "modifying the default rule", err, "OperationNotPermitted")

	attrs, err := cli.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lbARN)})
	if err != nil || len(attrs.Attributes) < 10 {
		t.Fatalf("DescribeLoadBalancerAttributes = %+v, %v", attrs, err)
	}
	if _, err := cli.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lbARN),
		Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	_, err = cli.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN)})
	wantCode(t, "deleting a protected load balancer", err, "OperationNotPermitted")
	_, err = cli.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN + "0")})
	wantCode(t, "listeners of a missing load balancer", err, "LoadBalancerNotFound")
}
