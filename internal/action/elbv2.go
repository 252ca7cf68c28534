package action

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Elastic Load Balancing v2 actions.

func elbv2Actions() []Spec {
	return []Spec{
		{
			Name: "elbv2.redirect-http-to-https",
			Description: "Make every HTTP listener of an application load balancer answer with a permanent redirect to " +
				"HTTPS (same host, path and query), in its default action and in its rules that forward. A load " +
				"balancer without an HTTPS listener on https_port is left alone, since the redirect would break it; one " +
				"without an HTTP listener needs nothing, and none is created.",
			Params: []Param{
				{Name: "load_balancer_arn", Type: String, Required: true, Description: "the application load balancer's ARN"},
				{Name: "https_port", Type: Int, Default: 443, Description: "the HTTPS port to redirect to"},
				{Name: "require_https_listener", Type: Bool, Default: true, Description: "refuse unless the load balancer has an HTTPS listener on https_port"},
				{Name: "include_rules", Type: Bool, Default: true, Description: "also redirect the HTTP listeners' rules that forward to target groups"},
			},
			Reads:  []string{"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules"},
			Writes: []string{"elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"},
			Describe: func(in Input) string {
				return fmt.Sprintf("redirect the HTTP listeners of load balancer %s to HTTPS port %d", in.String("load_balancer_arn"), in.Int("https_port"))
			},
			Run:    redirectHTTPToHTTPS,
			Verify: verifyHTTPRedirect,
		},
	}
}

// redirectsToHTTPS reports whether actions end in a redirect to HTTPS.
func redirectsToHTTPS(actions []elbtypes.Action) bool {
	for _, a := range actions {
		if a.Type == elbtypes.ActionTypeEnumRedirect && a.RedirectConfig != nil && aws.ToString(a.RedirectConfig.Protocol) == "HTTPS" {
			return true
		}
	}
	return false
}

func forwards(actions []elbtypes.Action) bool {
	for _, a := range actions {
		if a.Type == elbtypes.ActionTypeEnumForward {
			return true
		}
	}
	return false
}

func describeActions(actions []elbtypes.Action) string {
	var parts []string
	for _, a := range actions {
		parts = append(parts, string(a.Type))
	}
	return strings.Join(parts, "+")
}

// albListeners returns the load balancer and its listeners, or nil when
// it does not exist.
func albListeners(ctx context.Context, cli *elb.Client, arn string) (*elbtypes.LoadBalancer, []elbtypes.Listener, error) {
	lbs, err := cli.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if IsNotFound(err, "LoadBalancerNotFound") || (err == nil && len(lbs.LoadBalancers) == 0) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("describe load balancer %s: %w", arn, err)
	}
	var ls []elbtypes.Listener
	p := elb.NewDescribeListenersPaginator(cli, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(arn)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("describe the listeners of load balancer %s: %w", arn, err)
		}
		ls = append(ls, page.Listeners...)
	}
	return &lbs.LoadBalancers[0], ls, nil
}

// listenerRules returns a listener's rules other than its default rule.
func listenerRules(ctx context.Context, cli *elb.Client, listener string) ([]elbtypes.Rule, error) {
	var out []elbtypes.Rule
	var marker *string
	for {
		page, err := cli.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(listener), Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("describe the rules of listener %s: %w", listener, err)
		}
		for _, r := range page.Rules {
			if !aws.ToBool(r.IsDefault) {
				out = append(out, r)
			}
		}
		if aws.ToString(page.NextMarker) == "" {
			return out, nil
		}
		marker = page.NextMarker
	}
}

func redirectHTTPToHTTPS(ctx context.Context, in Input) (Result, error) {
	arn, port := in.String("load_balancer_arn"), in.Int("https_port")
	cli := elb.NewFromConfig(in.AWS)
	out := map[string]any{"load_balancer_arn": arn, "changed": []string{}}
	lb, listeners, err := albListeners(ctx, cli, arn)
	if err != nil {
		return Result{}, err
	}
	if lb == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("load balancer %s does not exist", arn), Output: out}, nil
	}
	if lb.Type != elbtypes.LoadBalancerTypeEnumApplication {
		return Result{}, Permanent(fmt.Errorf("load balancer %s is a %s load balancer: HTTP to HTTPS redirects are for application load balancers", arn, lb.Type))
	}
	var httpListeners []elbtypes.Listener
	hasHTTPS := false
	for _, l := range listeners {
		switch l.Protocol {
		case elbtypes.ProtocolEnumHttp:
			httpListeners = append(httpListeners, l)
		case elbtypes.ProtocolEnumHttps:
			hasHTTPS = hasHTTPS || int(aws.ToInt32(l.Port)) == port
		}
	}
	if len(httpListeners) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("load balancer %s has no HTTP listener", aws.ToString(lb.LoadBalancerName)), Output: out}, nil
	}
	redirect := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{
		Protocol: aws.String("HTTPS"), Port: aws.String(strconv.Itoa(port)), Host: aws.String("#{host}"), Path: aws.String("/#{path}"),
		Query: aws.String("#{query}"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}}}
	type change struct {
		what     string
		listener string
		rule     string
	}
	var todo []change
	for _, l := range httpListeners {
		name := fmt.Sprintf("HTTP:%d", aws.ToInt32(l.Port))
		if !redirectsToHTTPS(l.DefaultActions) {
			todo = append(todo, change{what: name + " default action " + describeActions(l.DefaultActions), listener: aws.ToString(l.ListenerArn)})
		}
		if in.Bool("include_rules") {
			rules, err := listenerRules(ctx, cli, aws.ToString(l.ListenerArn))
			if err != nil {
				return Result{}, err
			}
			for _, r := range rules {
				if forwards(r.Actions) && !redirectsToHTTPS(r.Actions) {
					todo = append(todo, change{what: fmt.Sprintf("%s rule %s (priority %s) %s", name, aws.ToString(r.RuleArn)[strings.LastIndexByte(aws.ToString(r.RuleArn), '/')+1:],
						aws.ToString(r.Priority), describeActions(r.Actions)), rule: aws.ToString(r.RuleArn)})
				}
			}
		}
	}
	if len(todo) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("every HTTP listener of load balancer %s already redirects to HTTPS", aws.ToString(lb.LoadBalancerName)), Output: out}, nil
	}
	if !hasHTTPS && in.Bool("require_https_listener") {
		return Result{}, Permanent(fmt.Errorf("load balancer %s has no HTTPS listener on port %d, so a redirect would break its HTTP clients: add one (with a certificate) first, or set https_port or require_https_listener",
			aws.ToString(lb.LoadBalancerName), port))
	}
	var done []string
	for _, c := range todo {
		var err error
		if c.rule != "" {
			_, err = cli.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: aws.String(c.rule), Actions: redirect})
		} else {
			_, err = cli.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(c.listener), DefaultActions: redirect})
		}
		if err != nil {
			return Result{}, fmt.Errorf("redirect %s of load balancer %s to HTTPS: %w", c.what, arn, err)
		}
		done = append(done, c.what+" → redirect to HTTPS:"+strconv.Itoa(port))
	}
	out["changed"] = done
	return Result{Outcome: Changed, Message: fmt.Sprintf("load balancer %s: %s", aws.ToString(lb.LoadBalancerName), strings.Join(done, "; ")), Output: out}, nil
}

func verifyHTTPRedirect(ctx context.Context, in Input, _ Result) error {
	arn := in.String("load_balancer_arn")
	cli := elb.NewFromConfig(in.AWS)
	lb, listeners, err := albListeners(ctx, cli, arn)
	if err != nil || lb == nil {
		return err
	}
	for _, l := range listeners {
		if l.Protocol != elbtypes.ProtocolEnumHttp {
			continue
		}
		if !redirectsToHTTPS(l.DefaultActions) {
			return Mismatch("HTTP:%d listener of load balancer %s has default action %s", aws.ToInt32(l.Port), aws.ToString(lb.LoadBalancerName), describeActions(l.DefaultActions))
		}
		if in.Bool("include_rules") {
			rules, err := listenerRules(ctx, cli, aws.ToString(l.ListenerArn))
			if err != nil {
				return err
			}
			for _, r := range rules {
				if forwards(r.Actions) && !redirectsToHTTPS(r.Actions) {
					return Mismatch("HTTP:%d listener of load balancer %s has rule %s forwarding", aws.ToInt32(l.Port), aws.ToString(lb.LoadBalancerName), aws.ToString(r.RuleArn))
				}
			}
		}
	}
	return nil
}
