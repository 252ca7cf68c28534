package awssim

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Elastic Load Balancing v2: load balancers with their attributes, target
// groups, listeners and their rules. Listener and rule actions may forward
// to target groups, redirect or answer with a fixed response; every
// listener has a default rule that mirrors its default actions and that
// ModifyRule refuses to change. A load balancer is active at once. State is
// per account and region.

const elbv2XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

type elbv2Service struct {
	s   *Server
	ec2 *ec2Service
	// LoadBalancers, TargetGroups, Listeners and Rules are keyed by
	// scopeKey, then by ARN.
	LoadBalancers map[string]map[string]*elbLoadBalancer
	TargetGroups  map[string]map[string]*elbTargetGroup
	Listeners     map[string]map[string]*elbListener
	Rules         map[string]map[string]*elbRule
}

type elbLoadBalancer struct {
	ARN, Name, Type, Scheme string
	VPCID                   string
	Subnets                 []string
	AZs                     []string
	SecurityGroups          []string
	Attributes              map[string]string
	Tags                    map[string]string
	Created                 time.Time
}

type elbTargetGroup struct {
	ARN, Name, Protocol, VPCID, TargetType string
	Port                                   int
}

type elbListener struct {
	ARN, LoadBalancerARN string
	Port                 int
	Protocol             string
	SslPolicy            string `json:",omitempty"`
	Certificates         []string
	DefaultActions       []elbAction
	Seq                  int
}

type elbRule struct {
	ARN, ListenerARN string
	Priority         int
	Conditions       []elbCondition
	Actions          []elbAction
}

type elbCondition struct {
	Field  string
	Values []string
}

// elbAction is a listener or rule action.
type elbAction struct {
	Type           string
	Order          int               `json:",omitempty"`
	TargetGroupARN string            `json:",omitempty"`
	Redirect       map[string]string `json:",omitempty"`
	Fixed          map[string]string `json:",omitempty"`
	Forward        []elbWeighted     `json:",omitempty"`
}

type elbWeighted struct {
	TargetGroupARN string
	Weight         *int `json:",omitempty"`
}

func newELBv2(s *Server, ec2 *ec2Service) *serviceDef {
	svc := &elbv2Service{s: s, ec2: ec2, LoadBalancers: map[string]map[string]*elbLoadBalancer{}, TargetGroups: map[string]map[string]*elbTargetGroup{},
		Listeners: map[string]map[string]*elbListener{}, Rules: map[string]map[string]*elbRule{}}
	return &serviceDef{
		Name: "elasticloadbalancing", EventSource: "elasticloadbalancing.amazonaws.com", Protocol: protoQuery, XMLNS: elbv2XMLNS,
		State: svc,
		Query: map[string]queryHandler{
			"CreateLoadBalancer":             svc.createLoadBalancer,
			"DescribeLoadBalancers":          svc.describeLoadBalancers,
			"DeleteLoadBalancer":             svc.deleteLoadBalancer,
			"DescribeLoadBalancerAttributes": svc.describeAttributes,
			"ModifyLoadBalancerAttributes":   svc.modifyAttributes,
			"CreateTargetGroup":              svc.createTargetGroup,
			"DescribeTargetGroups":           svc.describeTargetGroups,
			"CreateListener":                 svc.createListener,
			"DescribeListeners":              svc.describeListeners,
			"ModifyListener":                 svc.modifyListener,
			"DeleteListener":                 svc.deleteListener,
			"CreateRule":                     svc.createRule,
			"DescribeRules":                  svc.describeRules,
			"ModifyRule":                     svc.modifyRule,
			"DeleteRule":                     svc.deleteRule,
		},
		Resources: func(c *call) ([]string, bool) {
			if readsAll(c.op) {
				return noResource()
			}
			for _, p := range []string{"RuleArn", "ListenerArn", "LoadBalancerArn", "TargetGroupArn"} {
				if arn := c.param(p); arn != "" {
					return []string{arn}, true
				}
			}
			switch c.op {
			case "CreateLoadBalancer":
				return named(c.arn("elasticloadbalancing", "loadbalancer/app/"+c.param("Name")+"/*"))
			case "CreateTargetGroup":
				return named(c.arn("elasticloadbalancing", "targetgroup/"+c.param("Name")+"/*"))
			}
			return nil, false
		},
	}
}

func elbErr(code, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func (svc *elbv2Service) lbs(c *call) map[string]*elbLoadBalancer {
	return scoped(svc.LoadBalancers, c)
}
func (svc *elbv2Service) tgs(c *call) map[string]*elbTargetGroup { return scoped(svc.TargetGroups, c) }
func (svc *elbv2Service) listeners(c *call) map[string]*elbListener {
	return scoped(svc.Listeners, c)
}
func (svc *elbv2Service) rules(c *call) map[string]*elbRule { return scoped(svc.Rules, c) }

// elbDefaultAttributes are an application load balancer's attributes at
// creation.
var elbDefaultAttributes = map[string]string{
	"deletion_protection.enabled": "false", "access_logs.s3.enabled": "false", "access_logs.s3.bucket": "", "access_logs.s3.prefix": "",
	"idle_timeout.timeout_seconds": "60", "routing.http.drop_invalid_header_fields.enabled": "false", "routing.http2.enabled": "true",
	"routing.http.desync_mitigation_mode": "defensive", "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
	"routing.http.xff_client_port.enabled": "false", "routing.http.xff_header_processing.mode": "append", "waf.fail_open.enabled": "false",
	"routing.http.preserve_host_header.enabled": "false", "connection_logs.s3.enabled": "false", "connection_logs.s3.bucket": "",
	"connection_logs.s3.prefix": "", "client_keep_alive.seconds": "3600",
}

type xELBAZ struct {
	ZoneName string `xml:"ZoneName"`
	SubnetID string `xml:"SubnetId"`
}

type xELB struct {
	ARN            string   `xml:"LoadBalancerArn"`
	DNSName        string   `xml:"DNSName"`
	HostedZoneID   string   `xml:"CanonicalHostedZoneId"`
	Created        string   `xml:"CreatedTime"`
	Name           string   `xml:"LoadBalancerName"`
	Scheme         string   `xml:"Scheme"`
	VPCID          string   `xml:"VpcId"`
	State          string   `xml:"State>Code"`
	Type           string   `xml:"Type"`
	AZs            []xELBAZ `xml:"AvailabilityZones>member"`
	SecurityGroups []string `xml:"SecurityGroups>member"`
	IPAddressType  string   `xml:"IpAddressType"`
}

func (lb *elbLoadBalancer) xml(region string) xELB {
	x := xELB{ARN: lb.ARN, Created: isoTime(lb.Created), Name: lb.Name, Scheme: lb.Scheme, VPCID: lb.VPCID, State: "active",
		Type: lb.Type, SecurityGroups: lb.SecurityGroups, IPAddressType: "ipv4", HostedZoneID: "Z35SXDOTRQ7X7K",
		DNSName: lb.Name + "-" + lb.ARN[strings.LastIndexByte(lb.ARN, '/')+1:][:9] + "." + region + ".elb.amazonaws.com"}
	for i, sn := range lb.Subnets {
		x.AZs = append(x.AZs, xELBAZ{lb.AZs[i], sn})
	}
	return x
}

func (svc *elbv2Service) createLoadBalancer(c *call, in url.Values) (any, error) {
	name, err := required(in, "Name")
	if err != nil {
		return nil, err
	}
	if len(name) > 32 || strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") || strings.HasPrefix(name, "internal-") ||
		strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return nil, elbErr("ValidationError", "The load balancer name '%s' cannot be longer than '32' characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen", name)
	}
	for _, lb := range svc.lbs(c) {
		if lb.Name == name {
			return nil, elbErr("DuplicateLoadBalancerName", "A load balancer with the same name '%s' exists, but with different settings", name)
		}
	}
	typ := in.Get("Type")
	if typ == "" {
		typ = "application"
	}
	if typ != "application" && typ != "network" {
		return nil, elbErr("ValidationError", "The simulated CreateLoadBalancer makes application and network load balancers, not %q", typ)
	}
	scheme := in.Get("Scheme")
	if scheme == "" {
		scheme = "internet-facing"
	}
	subnets := queryList(in, "Subnets")
	if typ == "application" && len(subnets) < 2 {
		return nil, elbErr("ValidationError", "At least two subnets in two different Availability Zones must be specified")
	}
	lb := &elbLoadBalancer{Name: name, Type: typ, Scheme: scheme, Subnets: subnets, SecurityGroups: queryList(in, "SecurityGroups"),
		Attributes: map[string]string{}, Tags: map[string]string{}, Created: c.now}
	r := svc.ec2.regionOf(c.Account(), c.region)
	azs := map[string]bool{}
	for _, id := range subnets {
		sn := r.Subnets[id]
		if sn == nil {
			return nil, elbErr("SubnetNotFound", "The subnet ID '%s' is not valid", id)
		}
		if lb.VPCID != "" && sn.VPCID != lb.VPCID {
			return nil, elbErr("InvalidSubnet", "The subnets must all be in the same VPC")
		}
		if azs[sn.AZ] {
			return nil, elbErr("InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		azs[sn.AZ] = true
		lb.VPCID = sn.VPCID
		lb.AZs = append(lb.AZs, sn.AZ)
	}
	for _, g := range lb.SecurityGroups {
		if sg := r.Groups[g]; sg == nil || sg.VPCID != lb.VPCID {
			return nil, elbErr("InvalidSecurityGroup", "Security group '%s' does not exist", g)
		}
	}
	for k, v := range elbDefaultAttributes {
		lb.Attributes[k] = v
	}
	for _, t := range queryStructs(in, "Tags") {
		lb.Tags[t.Get("Key")] = t.Get("Value")
	}
	kind := "app"
	if typ == "network" {
		kind = "net"
	}
	lb.ARN = c.arn("elasticloadbalancing", "loadbalancer/"+kind+"/"+name+"/"+c.newID("", 16))
	svc.lbs(c)[lb.ARN] = lb
	return struct {
		LBs []xELB `xml:"LoadBalancers>member"`
	}{[]xELB{lb.xml(c.region)}}, nil
}

// elbPage pages items by Marker and PageSize.
func elbPage[T any](in url.Values, items []T) ([]T, string, error) {
	size, err := atoi(in.Get("PageSize"), 400)
	if err != nil || size < 1 || size > 400 {
		return nil, "", elbErr("ValidationError", "Page size must be between 1 and 400")
	}
	start := 0
	if m := in.Get("Marker"); m != "" {
		pos, ok := pagePosition(m)
		n, err := strconv.Atoi(pos)
		if !ok || err != nil || n < 0 || n > len(items) {
			return nil, "", elbErr("ValidationError", "Invalid marker '%s'", m)
		}
		start = n
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = pageToken(strconv.Itoa(end))
	}
	return items[start:end], next, nil
}

func (svc *elbv2Service) describeLoadBalancers(c *call, in url.Values) (any, error) {
	var lbs []*elbLoadBalancer
	arns, names := queryList(in, "LoadBalancerArns"), queryList(in, "Names")
	switch {
	case len(arns) > 0:
		for _, a := range arns {
			lb := svc.lbs(c)[a]
			if lb == nil {
				return nil, elbErr("LoadBalancerNotFound", "Load balancers '[%s]' not found", a)
			}
			lbs = append(lbs, lb)
		}
	case len(names) > 0:
		for _, n := range names {
			var found *elbLoadBalancer
			for _, lb := range svc.lbs(c) {
				if lb.Name == n {
					found = lb
				}
			}
			if found == nil {
				return nil, elbErr("LoadBalancerNotFound", "One or more load balancers not found")
			}
			lbs = append(lbs, found)
		}
	default:
		for _, a := range sortedKeys(svc.lbs(c)) {
			lbs = append(lbs, svc.lbs(c)[a])
		}
	}
	page, next, err := elbPage(in, lbs)
	if err != nil {
		return nil, err
	}
	return struct {
		LBs  []xELB `xml:"LoadBalancers>member"`
		Next string `xml:"NextMarker,omitempty"`
	}{mapAll(page, func(lb *elbLoadBalancer) xELB { return lb.xml(c.region) }), next}, nil
}

func (svc *elbv2Service) lb(c *call, in url.Values) (*elbLoadBalancer, error) {
	arn, err := required(in, "LoadBalancerArn")
	if err != nil {
		return nil, err
	}
	lb := svc.lbs(c)[arn]
	if lb == nil {
		return nil, elbErr("LoadBalancerNotFound", "Load balancer '%s' not found", arn)
	}
	return lb, nil
}

func (svc *elbv2Service) deleteLoadBalancer(c *call, in url.Values) (any, error) {
	arn, err := required(in, "LoadBalancerArn")
	if err != nil {
		return nil, err
	}
	lb := svc.lbs(c)[arn]
	if lb == nil {
		return nil, nil // deleting a missing load balancer succeeds
	}
	if lb.Attributes["deletion_protection.enabled"] == "true" {
		return nil, elbErr("OperationNotPermitted", "Load balancer '%s' cannot be deleted because deletion protection is enabled", arn)
	}
	for la, l := range svc.listeners(c) {
		if l.LoadBalancerARN == arn {
			svc.dropListener(c, la)
		}
	}
	delete(svc.lbs(c), arn)
	return nil, nil
}

type xELBAttribute struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func (lb *elbLoadBalancer) attributes() []xELBAttribute {
	var out []xELBAttribute
	for _, k := range sortedKeys(lb.Attributes) {
		out = append(out, xELBAttribute{k, lb.Attributes[k]})
	}
	return out
}

func (svc *elbv2Service) describeAttributes(c *call, in url.Values) (any, error) {
	lb, err := svc.lb(c, in)
	if err != nil {
		return nil, err
	}
	return struct {
		Attributes []xELBAttribute `xml:"Attributes>member"`
	}{lb.attributes()}, nil
}

func (svc *elbv2Service) modifyAttributes(c *call, in url.Values) (any, error) {
	lb, err := svc.lb(c, in)
	if err != nil {
		return nil, err
	}
	attrs := queryStructs(in, "Attributes")
	if len(attrs) == 0 {
		return nil, errMissingParameter("Attributes")
	}
	set := map[string]string{}
	for _, a := range attrs {
		k, v := a.Get("Key"), a.Get("Value")
		if _, ok := elbDefaultAttributes[k]; !ok {
			return nil, elbErr("ValidationError", "Key %s not valid", k)
		}
		if strings.HasSuffix(k, ".enabled") && v != "true" && v != "false" {
			return nil, elbErr("ValidationError", "%s must be true or false", k)
		}
		set[k] = v
	}
	if set["access_logs.s3.enabled"] == "true" && set["access_logs.s3.bucket"] == "" && lb.Attributes["access_logs.s3.bucket"] == "" {
		return nil, elbErr("InvalidConfigurationRequest", "The value of 'access_logs.s3.bucket' cannot be empty")
	}
	for k, v := range set {
		lb.Attributes[k] = v
	}
	return struct {
		Attributes []xELBAttribute `xml:"Attributes>member"`
	}{lb.attributes()}, nil
}

// Target groups.

type xELBTargetGroup struct {
	ARN        string   `xml:"TargetGroupArn"`
	Name       string   `xml:"TargetGroupName"`
	Protocol   string   `xml:"Protocol,omitempty"`
	Port       int      `xml:"Port,omitempty"`
	VPCID      string   `xml:"VpcId,omitempty"`
	TargetType string   `xml:"TargetType"`
	LBARNs     []string `xml:"LoadBalancerArns>member"`
}

func (svc *elbv2Service) createTargetGroup(c *call, in url.Values) (any, error) {
	name, err := required(in, "Name")
	if err != nil {
		return nil, err
	}
	for _, tg := range svc.tgs(c) {
		if tg.Name == name {
			return nil, elbErr("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", name)
		}
	}
	tg := &elbTargetGroup{Name: name, Protocol: in.Get("Protocol"), VPCID: in.Get("VpcId"), TargetType: in.Get("TargetType")}
	if tg.TargetType == "" {
		tg.TargetType = "instance"
	}
	if tg.Port, err = atoi(in.Get("Port"), 0); err != nil {
		return nil, err
	}
	if tg.TargetType != "lambda" && (tg.Protocol == "" || tg.Port == 0 || tg.VPCID == "") {
		return nil, elbErr("ValidationError", "A protocol, a port and a VPC ID must be specified for target groups of type %s", tg.TargetType)
	}
	tg.ARN = c.arn("elasticloadbalancing", "targetgroup/"+name+"/"+c.newID("", 16))
	svc.tgs(c)[tg.ARN] = tg
	return struct {
		TGs []xELBTargetGroup `xml:"TargetGroups>member"`
	}{[]xELBTargetGroup{svc.xELBTargetGroup(c, tg)}}, nil
}

func (svc *elbv2Service) xELBTargetGroup(c *call, tg *elbTargetGroup) xELBTargetGroup {
	x := xELBTargetGroup{ARN: tg.ARN, Name: tg.Name, Protocol: tg.Protocol, Port: tg.Port, VPCID: tg.VPCID, TargetType: tg.TargetType}
	seen := map[string]bool{}
	for _, l := range svc.listeners(c) {
		for _, a := range l.DefaultActions {
			if a.targets(tg.ARN) && !seen[l.LoadBalancerARN] {
				seen[l.LoadBalancerARN] = true
				x.LBARNs = append(x.LBARNs, l.LoadBalancerARN)
			}
		}
	}
	sort.Strings(x.LBARNs)
	return x
}

func (svc *elbv2Service) describeTargetGroups(c *call, in url.Values) (any, error) {
	var tgs []*elbTargetGroup
	if arns := queryList(in, "TargetGroupArns"); len(arns) > 0 {
		for _, a := range arns {
			tg := svc.tgs(c)[a]
			if tg == nil {
				return nil, elbErr("TargetGroupNotFound", "Target groups '[%s]' not found", a)
			}
			tgs = append(tgs, tg)
		}
	} else {
		for _, a := range sortedKeys(svc.tgs(c)) {
			tgs = append(tgs, svc.tgs(c)[a])
		}
	}
	page, next, err := elbPage(in, tgs)
	if err != nil {
		return nil, err
	}
	return struct {
		TGs  []xELBTargetGroup `xml:"TargetGroups>member"`
		Next string            `xml:"NextMarker,omitempty"`
	}{mapAll(page, func(tg *elbTargetGroup) xELBTargetGroup { return svc.xELBTargetGroup(c, tg) }), next}, nil
}

// Actions.

func (a elbAction) targets(tg string) bool {
	if a.TargetGroupARN == tg {
		return true
	}
	for _, w := range a.Forward {
		if w.TargetGroupARN == tg {
			return true
		}
	}
	return false
}

// parseActions reads a list of actions (DefaultActions or Actions).
func (svc *elbv2Service) parseActions(c *call, in url.Values, name string) ([]elbAction, error) {
	var out []elbAction
	for _, a := range queryStructs(in, name) {
		act := elbAction{Type: a.Get("Type"), TargetGroupARN: a.Get("TargetGroupArn")}
		if o := a.Get("Order"); o != "" {
			n, err := atoi(o, 0)
			if err != nil || n < 1 || n > 50000 {
				return nil, elbErr("ValidationError", "Action order must be between 1 and 50000")
			}
			act.Order = n
		}
		sub := func(prefix string) map[string]string {
			m := map[string]string{}
			for k, v := range a {
				if f, ok := strings.CutPrefix(k, prefix+"."); ok && len(v) > 0 {
					m[f] = v[0]
				}
			}
			return m
		}
		switch act.Type {
		case "forward":
			for _, tg := range queryStructs(a, "ForwardConfig.TargetGroups") {
				w := elbWeighted{TargetGroupARN: tg.Get("TargetGroupArn")}
				if v := tg.Get("Weight"); v != "" {
					n, err := atoi(v, 0)
					if err != nil {
						return nil, err
					}
					w.Weight = &n
				}
				act.Forward = append(act.Forward, w)
			}
			if act.TargetGroupARN == "" && len(act.Forward) == 0 {
				return nil, elbErr("ValidationError", "A target group ARN must be specified for forward actions")
			}
			for _, tg := range append([]elbWeighted{{TargetGroupARN: act.TargetGroupARN}}, act.Forward...) {
				if tg.TargetGroupARN != "" && svc.tgs(c)[tg.TargetGroupARN] == nil {
					return nil, elbErr("TargetGroupNotFound", "Target group '%s' not found", tg.TargetGroupARN)
				}
			}
		case "redirect":
			act.Redirect = sub("RedirectConfig")
			if act.Redirect["StatusCode"] != "HTTP_301" && act.Redirect["StatusCode"] != "HTTP_302" {
				return nil, elbErr("ValidationError", "A redirect action's status code must be HTTP_301 or HTTP_302")
			}
			if p := act.Redirect["Protocol"]; p != "" && p != "HTTP" && p != "HTTPS" && p != "#{protocol}" {
				return nil, elbErr("ValidationError", "Redirect protocol must be HTTP, HTTPS or #{protocol}")
			}
		case "fixed-response":
			act.Fixed = sub("FixedResponseConfig")
			if act.Fixed["StatusCode"] == "" {
				return nil, elbErr("ValidationError", "A fixed-response action must have a status code")
			}
		case "":
			return nil, errMissingParameter(name + ".member.N.Type")
		default:
			return nil, elbErr("ValidationError", "The simulated load balancer supports forward, redirect and fixed-response actions, not %q", act.Type)
		}
		out = append(out, act)
	}
	if len(out) == 0 {
		return nil, errMissingParameter(name)
	}
	return out, nil
}

type xELBForwardTarget struct {
	ARN    string `xml:"TargetGroupArn"`
	Weight *int   `xml:"Weight,omitempty"`
}

type xELBRedirect struct {
	Protocol   string `xml:"Protocol,omitempty"`
	Port       string `xml:"Port,omitempty"`
	Host       string `xml:"Host,omitempty"`
	Path       string `xml:"Path,omitempty"`
	Query      string `xml:"Query,omitempty"`
	StatusCode string `xml:"StatusCode"`
}

type xELBFixed struct {
	MessageBody string `xml:"MessageBody,omitempty"`
	StatusCode  string `xml:"StatusCode"`
	ContentType string `xml:"ContentType,omitempty"`
}

type xELBAction struct {
	Type           string              `xml:"Type"`
	TargetGroupARN string              `xml:"TargetGroupArn,omitempty"`
	Order          int                 `xml:"Order,omitempty"`
	Redirect       *xELBRedirect       `xml:"RedirectConfig,omitempty"`
	Fixed          *xELBFixed          `xml:"FixedResponseConfig,omitempty"`
	Forward        []xELBForwardTarget `xml:"ForwardConfig>TargetGroups>member,omitempty"`
}

func xELBActions(as []elbAction) []xELBAction {
	var out []xELBAction
	for _, a := range as {
		x := xELBAction{Type: a.Type, TargetGroupARN: a.TargetGroupARN, Order: a.Order}
		if r := a.Redirect; r != nil {
			x.Redirect = &xELBRedirect{r["Protocol"], r["Port"], r["Host"], r["Path"], r["Query"], r["StatusCode"]}
		}
		if f := a.Fixed; f != nil {
			x.Fixed = &xELBFixed{f["MessageBody"], f["StatusCode"], f["ContentType"]}
		}
		for _, w := range a.Forward {
			x.Forward = append(x.Forward, xELBForwardTarget{w.TargetGroupARN, w.Weight})
		}
		if a.Type == "forward" && len(x.Forward) == 0 && a.TargetGroupARN != "" {
			x.Forward = []xELBForwardTarget{{ARN: a.TargetGroupARN}}
		}
		out = append(out, x)
	}
	return out
}

// Listeners.

type xELBCertificate struct {
	ARN string `xml:"CertificateArn"`
}

type xELBListener struct {
	ARN             string            `xml:"ListenerArn"`
	LoadBalancerARN string            `xml:"LoadBalancerArn"`
	Port            int               `xml:"Port"`
	Protocol        string            `xml:"Protocol"`
	Certificates    []xELBCertificate `xml:"Certificates>member,omitempty"`
	SslPolicy       string            `xml:"SslPolicy,omitempty"`
	DefaultActions  []xELBAction      `xml:"DefaultActions>member"`
}

func (l *elbListener) xml() xELBListener {
	x := xELBListener{ARN: l.ARN, LoadBalancerARN: l.LoadBalancerARN, Port: l.Port, Protocol: l.Protocol, SslPolicy: l.SslPolicy, DefaultActions: xELBActions(l.DefaultActions)}
	for _, cert := range l.Certificates {
		x.Certificates = append(x.Certificates, xELBCertificate{cert})
	}
	return x
}

// listenerSettings reads what CreateListener and ModifyListener share into
// l, checking it against the load balancer.
func (svc *elbv2Service) listenerSettings(c *call, in url.Values, l *elbListener, lb *elbLoadBalancer) error {
	if p := in.Get("Protocol"); p != "" {
		l.Protocol = p
	}
	if p := in.Get("Port"); p != "" {
		n, err := atoi(p, 0)
		if err != nil || n < 1 || n > 65535 {
			return elbErr("ValidationError", "Port must be between 1 and 65535")
		}
		l.Port = n
	}
	if certs := queryStructs(in, "Certificates"); len(certs) > 0 {
		l.Certificates = nil
		for _, cert := range certs {
			l.Certificates = append(l.Certificates, cert.Get("CertificateArn"))
		}
	}
	if p := in.Get("SslPolicy"); p != "" {
		l.SslPolicy = p
	}
	if len(queryStructs(in, "DefaultActions")) > 0 {
		acts, err := svc.parseActions(c, in, "DefaultActions")
		if err != nil {
			return err
		}
		l.DefaultActions = acts
	}
	switch {
	case lb.Type == "application" && l.Protocol != "HTTP" && l.Protocol != "HTTPS":
		return elbErr("UnsupportedProtocol", "Protocol '%s' is not supported for application load balancers", l.Protocol)
	case lb.Type == "network" && (l.Protocol == "HTTP" || l.Protocol == "HTTPS"):
		return elbErr("UnsupportedProtocol", "Protocol '%s' is not supported for network load balancers", l.Protocol)
	case (l.Protocol == "HTTPS" || l.Protocol == "TLS") && len(l.Certificates) == 0:
		return elbErr("ValidationError", "A certificate must be specified for %s listeners", l.Protocol)
	case l.Protocol == "HTTP":
		l.Certificates, l.SslPolicy = nil, ""
	case (l.Protocol == "HTTPS" || l.Protocol == "TLS") && l.SslPolicy == "":
		l.SslPolicy = "ELBSecurityPolicy-2016-08"
	}
	for _, o := range svc.listeners(c) {
		if o.ARN != l.ARN && o.LoadBalancerARN == l.LoadBalancerARN && o.Port == l.Port {
			return elbErr("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", lb.ARN)
		}
	}
	return nil
}

func (svc *elbv2Service) createListener(c *call, in url.Values) (any, error) {
	lb, err := svc.lb(c, in)
	if err != nil {
		return nil, err
	}
	if in.Get("Protocol") == "" || in.Get("Port") == "" {
		return nil, elbErr("ValidationError", "A listener's protocol and port must be specified")
	}
	if len(queryStructs(in, "DefaultActions")) == 0 {
		return nil, errMissingParameter("DefaultActions")
	}
	lid := c.newID("", 16)
	l := &elbListener{LoadBalancerARN: lb.ARN, ARN: strings.Replace(lb.ARN, ":loadbalancer/", ":listener/", 1) + "/" + lid}
	if err := svc.listenerSettings(c, in, l, lb); err != nil {
		return nil, err
	}
	n := 0
	for _, o := range svc.listeners(c) {
		n = max(n, o.Seq)
	}
	l.Seq = n + 1
	svc.listeners(c)[l.ARN] = l
	return struct {
		Listeners []xELBListener `xml:"Listeners>member"`
	}{[]xELBListener{l.xml()}}, nil
}

func (svc *elbv2Service) listener(c *call, arn string) (*elbListener, error) {
	if arn == "" {
		return nil, errMissingParameter("ListenerArn")
	}
	l := svc.listeners(c)[arn]
	if l == nil {
		return nil, elbErr("ListenerNotFound", "Listener '%s' not found", arn)
	}
	return l, nil
}

func (svc *elbv2Service) describeListeners(c *call, in url.Values) (any, error) {
	var ls []*elbListener
	if arns := queryList(in, "ListenerArns"); len(arns) > 0 {
		for _, a := range arns {
			l, err := svc.listener(c, a)
			if err != nil {
				return nil, err
			}
			ls = append(ls, l)
		}
	} else {
		lb, err := svc.lb(c, in)
		if err != nil {
			return nil, err
		}
		for _, l := range svc.listeners(c) {
			if l.LoadBalancerARN == lb.ARN {
				ls = append(ls, l)
			}
		}
		sort.Slice(ls, func(i, j int) bool { return ls[i].Seq < ls[j].Seq })
	}
	page, next, err := elbPage(in, ls)
	if err != nil {
		return nil, err
	}
	return struct {
		Listeners []xELBListener `xml:"Listeners>member"`
		Next      string         `xml:"NextMarker,omitempty"`
	}{mapAll(page, (*elbListener).xml), next}, nil
}

func (svc *elbv2Service) modifyListener(c *call, in url.Values) (any, error) {
	l, err := svc.listener(c, in.Get("ListenerArn"))
	if err != nil {
		return nil, err
	}
	updated := *l
	if err := svc.listenerSettings(c, in, &updated, svc.lbs(c)[l.LoadBalancerARN]); err != nil {
		return nil, err
	}
	*l = updated
	return struct {
		Listeners []xELBListener `xml:"Listeners>member"`
	}{[]xELBListener{l.xml()}}, nil
}

func (svc *elbv2Service) dropListener(c *call, arn string) {
	for ra, r := range svc.rules(c) {
		if r.ListenerARN == arn {
			delete(svc.rules(c), ra)
		}
	}
	delete(svc.listeners(c), arn)
}

func (svc *elbv2Service) deleteListener(c *call, in url.Values) (any, error) {
	l, err := svc.listener(c, in.Get("ListenerArn"))
	if err != nil {
		return nil, err
	}
	svc.dropListener(c, l.ARN)
	return nil, nil
}

// Rules.

type xELBCondition struct {
	Field       string   `xml:"Field"`
	Values      []string `xml:"Values>member"`
	PathPattern []string `xml:"PathPatternConfig>Values>member,omitempty"`
	HostHeader  []string `xml:"HostHeaderConfig>Values>member,omitempty"`
}

type xELBRule struct {
	ARN        string          `xml:"RuleArn"`
	Priority   string          `xml:"Priority"`
	Conditions []xELBCondition `xml:"Conditions>member"`
	Actions    []xELBAction    `xml:"Actions>member"`
	IsDefault  bool            `xml:"IsDefault"`
}

func (r *elbRule) xml() xELBRule {
	x := xELBRule{ARN: r.ARN, Priority: strconv.Itoa(r.Priority), Actions: xELBActions(r.Actions)}
	x.Conditions = []xELBCondition{}
	for _, cond := range r.Conditions {
		xc := xELBCondition{Field: cond.Field, Values: cond.Values}
		switch cond.Field {
		case "path-pattern":
			xc.PathPattern = cond.Values
		case "host-header":
			xc.HostHeader = cond.Values
		}
		x.Conditions = append(x.Conditions, xc)
	}
	return x
}

// defaultRule is a listener's default rule, which mirrors its default
// actions.
func (l *elbListener) defaultRule() xELBRule {
	return xELBRule{ARN: strings.Replace(l.ARN, ":listener/", ":listener-rule/", 1) + "/default", Priority: "default",
		Conditions: []xELBCondition{}, Actions: xELBActions(l.DefaultActions), IsDefault: true}
}

func parseConditions(in url.Values) ([]elbCondition, error) {
	var out []elbCondition
	for _, cond := range queryStructs(in, "Conditions") {
		c := elbCondition{Field: cond.Get("Field"), Values: queryList(cond, "Values")}
		for _, cfg := range []string{"PathPatternConfig", "HostHeaderConfig", "HttpRequestMethodConfig", "SourceIpConfig", "QueryStringConfig"} {
			if vs := queryList(cond, cfg+".Values"); len(vs) > 0 {
				c.Values = append(c.Values, vs...)
			}
		}
		if c.Field == "" || len(c.Values) == 0 {
			return nil, elbErr("ValidationError", "A condition must have a field and at least one value")
		}
		out = append(out, c)
	}
	return out, nil
}

func (svc *elbv2Service) createRule(c *call, in url.Values) (any, error) {
	l, err := svc.listener(c, in.Get("ListenerArn"))
	if err != nil {
		return nil, err
	}
	prio, err := atoi(in.Get("Priority"), 0)
	if err != nil || prio < 1 || prio > 50000 {
		return nil, elbErr("ValidationError", "Priority must be between 1 and 50000")
	}
	for _, r := range svc.rules(c) {
		if r.ListenerARN == l.ARN && r.Priority == prio {
			return nil, elbErr("PriorityInUse", "Priority '%d' is currently in use", prio)
		}
	}
	conds, err := parseConditions(in)
	if err != nil {
		return nil, err
	}
	if len(conds) == 0 {
		return nil, errMissingParameter("Conditions")
	}
	acts, err := svc.parseActions(c, in, "Actions")
	if err != nil {
		return nil, err
	}
	r := &elbRule{ARN: strings.Replace(l.ARN, ":listener/", ":listener-rule/", 1) + "/" + c.newID("", 16), ListenerARN: l.ARN,
		Priority: prio, Conditions: conds, Actions: acts}
	svc.rules(c)[r.ARN] = r
	return struct {
		Rules []xELBRule `xml:"Rules>member"`
	}{[]xELBRule{r.xml()}}, nil
}

func (svc *elbv2Service) describeRules(c *call, in url.Values) (any, error) {
	var out []xELBRule
	if arns := queryList(in, "RuleArns"); len(arns) > 0 {
		for _, a := range arns {
			if r := svc.rules(c)[a]; r != nil {
				out = append(out, r.xml())
				continue
			}
			found := false
			for _, l := range svc.listeners(c) {
				if d := l.defaultRule(); d.ARN == a {
					out, found = append(out, d), true
				}
			}
			if !found {
				return nil, elbErr("RuleNotFound", "One or more rules not found")
			}
		}
	} else {
		l, err := svc.listener(c, in.Get("ListenerArn"))
		if err != nil {
			return nil, err
		}
		var rs []*elbRule
		for _, r := range svc.rules(c) {
			if r.ListenerARN == l.ARN {
				rs = append(rs, r)
			}
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Priority < rs[j].Priority })
		for _, r := range rs {
			out = append(out, r.xml())
		}
		out = append(out, l.defaultRule())
	}
	page, next, err := elbPage(in, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Rules []xELBRule `xml:"Rules>member"`
		Next  string     `xml:"NextMarker,omitempty"`
	}{page, next}, nil
}

func (svc *elbv2Service) rule(c *call, in url.Values) (*elbRule, error) {
	arn, err := required(in, "RuleArn")
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(arn, "/default") {
		return nil, elbErr("OperationNotPermitted", "Default rule '%s' cannot be modified or deleted: change the listener's default actions", arn)
	}
	r := svc.rules(c)[arn]
	if r == nil {
		return nil, elbErr("RuleNotFound", "One or more rules not found")
	}
	return r, nil
}

func (svc *elbv2Service) modifyRule(c *call, in url.Values) (any, error) {
	r, err := svc.rule(c, in)
	if err != nil {
		return nil, err
	}
	updated := *r
	if len(queryStructs(in, "Conditions")) > 0 {
		if updated.Conditions, err = parseConditions(in); err != nil {
			return nil, err
		}
	}
	if len(queryStructs(in, "Actions")) > 0 {
		if updated.Actions, err = svc.parseActions(c, in, "Actions"); err != nil {
			return nil, err
		}
	}
	*r = updated
	return struct {
		Rules []xELBRule `xml:"Rules>member"`
	}{[]xELBRule{r.xml()}}, nil
}

func (svc *elbv2Service) deleteRule(c *call, in url.Values) (any, error) {
	r, err := svc.rule(c, in)
	if err != nil {
		return nil, err
	}
	delete(svc.rules(c), r.ARN)
	return nil, nil
}
