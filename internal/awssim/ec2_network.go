package awssim

import (
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EC2 networking beyond VPCs, subnets and security groups: VPC flow logs,
// transit gateways, VPC endpoints (an interface endpoint has a network
// interface in each of its subnets, in the security groups it was given or
// else the VPC's default group, as in EC2), network ACLs (every VPC has a
// default one), and the VPC and subnet attributes that these depend on.
//
// A flow log to CloudWatch Logs needs a delivery role; one whose
// destination (a bucket or a log group) does not exist, or whose role does
// not exist or does not trust vpc-flow-logs.amazonaws.com, reports
// DeliverLogsStatus FAILED. A new transit gateway is
// available at once; ModifyTransitGateway answers "modifying" and the
// change holds for every later call. A new VPC endpoint is "pending" in
// CreateVpcEndpoint's answer and "available" afterwards.

// ec2Net is one account's networking state in one region.
type ec2Net struct {
	FlowLogs  map[string]*ec2FlowLog
	TGWs      map[string]*ec2TGW
	Endpoints map[string]*ec2Endpoint
	ACLs      map[string]*ec2ACL
}

type ec2FlowLog struct {
	ID, ResourceID, TrafficType   string
	DestinationType, Destination  string
	LogGroupName, DeliverRoleARN  string
	LogFormat                     string
	MaxAggregationInterval        int
	Created                       time.Time
	DeliverStatus, DeliverMessage string `json:",omitempty"`
	Seq                           int
}

type ec2TGW struct {
	ID, Description string
	Options         map[string]string
	ASN             int64
	Created         time.Time
	Seq             int
}

type ec2Endpoint struct {
	ID, VPCID, ServiceName, Type string
	SubnetIDs, GroupIDs, ENIs    []string
	RouteTableIDs                []string
	PrivateDNS                   bool
	Policy                       string
	Created                      time.Time
	Seq                          int
}

type ec2ACL struct {
	ID, VPCID string
	IsDefault bool
	Entries   []ec2ACLEntry
	Seq       int
}

type ec2ACLEntry struct {
	RuleNumber int
	Egress     bool
	Protocol   string
	Action     string
	CIDR       string `json:",omitempty"`
	IPv6CIDR   string `json:",omitempty"`
	From, To   int
	HasPorts   bool
}

// net returns the region's networking state, making it for state saved
// before it was simulated.
func (r *ec2Region) net() *ec2Net {
	if r.Net == nil {
		r.Net = &ec2Net{}
	}
	n := r.Net
	if n.FlowLogs == nil {
		n.FlowLogs = map[string]*ec2FlowLog{}
	}
	if n.TGWs == nil {
		n.TGWs = map[string]*ec2TGW{}
	}
	if n.Endpoints == nil {
		n.Endpoints = map[string]*ec2Endpoint{}
	}
	if n.ACLs == nil {
		n.ACLs = map[string]*ec2ACL{}
	}
	return n
}

func (svc *ec2Service) networkOps() map[string]queryHandler {
	return map[string]queryHandler{
		"CreateFlowLogs":          svc.createFlowLogs,
		"DescribeFlowLogs":        svc.describeFlowLogs,
		"DeleteFlowLogs":          svc.deleteFlowLogs,
		"CreateTransitGateway":    svc.createTransitGateway,
		"DescribeTransitGateways": svc.describeTransitGateways,
		"ModifyTransitGateway":    svc.modifyTransitGateway,
		"DeleteTransitGateway":    svc.deleteTransitGateway,
		"CreateVpcEndpoint":       svc.createVpcEndpoint,
		"DescribeVpcEndpoints":    svc.describeVpcEndpoints,
		"DeleteVpcEndpoints":      svc.deleteVpcEndpoints,
		"DescribeVpcAttribute":    svc.describeVpcAttribute,
		"ModifyVpcAttribute":      svc.modifyVpcAttribute,
		"ModifySubnetAttribute":   svc.modifySubnetAttribute,
		"CreateNetworkAcl":        svc.createNetworkAcl,
		"DescribeNetworkAcls":     svc.describeNetworkAcls,
		"DeleteNetworkAcl":        svc.deleteNetworkAcl,
		"CreateNetworkAclEntry":   svc.networkAclEntry("create"),
		"ReplaceNetworkAclEntry":  svc.networkAclEntry("replace"),
		"DeleteNetworkAclEntry":   svc.networkAclEntry("delete"),
	}
}

// vpcHasNetworkDependencies reports whether the VPC has endpoints or
// network ACLs of its own, which DeleteVpc refuses.
func (r *ec2Region) vpcHasNetworkDependencies(vpc string) bool {
	n := r.net()
	for _, e := range n.Endpoints {
		if e.VPCID == vpc {
			return true
		}
	}
	for _, a := range n.ACLs {
		if a.VPCID == vpc && !a.IsDefault {
			return true
		}
	}
	return false
}

// dropVPCNetwork deletes what goes with a deleted VPC: its default network
// ACL and its flow logs.
func (r *ec2Region) dropVPCNetwork(vpc string) {
	n := r.net()
	for id, a := range n.ACLs {
		if a.VPCID == vpc {
			delete(n.ACLs, id)
			r.dropTags(id)
		}
	}
	for id, f := range n.FlowLogs {
		if f.ResourceID == vpc {
			delete(n.FlowLogs, id)
			r.dropTags(id)
		}
	}
}

// queryBoolValue reads an AttributeBooleanValue parameter (Name.Value).
// ok is false when it is absent.
func queryBoolValue(in url.Values, name string) (v, ok bool, err error) {
	s, present := in[name+".Value"]
	if !present || len(s) == 0 {
		return false, false, nil
	}
	switch s[0] {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, errEC2Value("Value (%s) for parameter %s is invalid. Expected a boolean.", s[0], name)
}

type xBoolValue struct {
	Value bool `xml:"value"`
}

// VPC and subnet attributes.

func (svc *ec2Service) describeVpcAttribute(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	v, err := lookupParam(in, "VpcId", r.VPCs, "vpc")
	if err != nil {
		return nil, err
	}
	attr, err := required(in, "Attribute")
	if err != nil {
		return nil, err
	}
	out := struct {
		VPCID        string      `xml:"vpcId"`
		DNSSupport   *xBoolValue `xml:"enableDnsSupport,omitempty"`
		DNSHostnames *xBoolValue `xml:"enableDnsHostnames,omitempty"`
		NAUMetrics   *xBoolValue `xml:"enableNetworkAddressUsageMetrics,omitempty"`
	}{VPCID: v.ID}
	switch attr {
	case "enableDnsSupport":
		out.DNSSupport = &xBoolValue{!v.DNSSupportOff}
	case "enableDnsHostnames":
		out.DNSHostnames = &xBoolValue{v.DNSHostnames}
	case "enableNetworkAddressUsageMetrics":
		out.NAUMetrics = &xBoolValue{false}
	default:
		return nil, errEC2Value("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return out, nil
}

func (svc *ec2Service) modifyVpcAttribute(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	v, err := lookupParam(in, "VpcId", r.VPCs, "vpc")
	if err != nil {
		return nil, err
	}
	support, hasSupport, err := queryBoolValue(in, "EnableDnsSupport")
	if err != nil {
		return nil, err
	}
	hostnames, hasHostnames, err := queryBoolValue(in, "EnableDnsHostnames")
	if err != nil {
		return nil, err
	}
	switch {
	case hasSupport && hasHostnames:
		return nil, ec2Err("InvalidParameterCombination", "Only one attribute can be modified at a time")
	case hasSupport:
		if !support && v.DNSHostnames {
			return nil, ec2Err("InvalidParameterValue", "Cannot disable DNS support while DNS hostnames are enabled on vpc %s", v.ID)
		}
		v.DNSSupportOff = !support
	case hasHostnames:
		if hostnames && v.DNSSupportOff {
			return nil, ec2Err("InvalidParameterValue", "Cannot enable DNS hostnames while DNS support is disabled on vpc %s", v.ID)
		}
		v.DNSHostnames = hostnames
	default:
		return nil, errMissingParameter("EnableDnsSupport")
	}
	return xReturn{true}, nil
}

func (svc *ec2Service) modifySubnetAttribute(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	sn, err := lookupParam(in, "SubnetId", r.Subnets, "subnet")
	if err != nil {
		return nil, err
	}
	v, ok, err := queryBoolValue(in, "MapPublicIpOnLaunch")
	if err != nil {
		return nil, err
	}
	if !ok {
		for _, other := range []string{"AssignIpv6AddressOnCreation", "MapCustomerOwnedIpOnLaunch", "EnableDns64",
			"EnableResourceNameDnsARecordOnLaunch", "EnableResourceNameDnsAAAARecordOnLaunch"} {
			if _, present, _ := queryBoolValue(in, other); present {
				return nil, ec2Err("InvalidParameterCombination", "The simulated ModifySubnetAttribute supports only MapPublicIpOnLaunch, not %s.", other)
			}
		}
		return nil, errMissingParameter("MapPublicIpOnLaunch")
	}
	sn.MapPublicIP = v
	c.trailParams = map[string]any{"subnetId": sn.ID, "mapPublicIpOnLaunch": map[string]any{"value": v}}
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true}
	return xReturn{true}, nil
}

// Flow logs.

type xFlowLog struct {
	Created          string `xml:"creationTime"`
	DeliverError     string `xml:"deliverLogsErrorMessage,omitempty"`
	DeliverRoleARN   string `xml:"deliverLogsPermissionArn,omitempty"`
	DeliverStatus    string `xml:"deliverLogsStatus"`
	ID               string `xml:"flowLogId"`
	Status           string `xml:"flowLogStatus"`
	LogGroupName     string `xml:"logGroupName,omitempty"`
	ResourceID       string `xml:"resourceId"`
	TrafficType      string `xml:"trafficType"`
	DestinationType  string `xml:"logDestinationType"`
	Destination      string `xml:"logDestination,omitempty"`
	LogFormat        string `xml:"logFormat"`
	Tags             []xTag `xml:"tagSet>item"`
	MaxAggregationIv int    `xml:"maxAggregationInterval"`
}

func (r *ec2Region) xFlowLog(f *ec2FlowLog) xFlowLog {
	return xFlowLog{Created: isoTime(f.Created), DeliverError: f.DeliverMessage, DeliverRoleARN: f.DeliverRoleARN,
		DeliverStatus: f.DeliverStatus, ID: f.ID, Status: "ACTIVE", LogGroupName: f.LogGroupName, ResourceID: f.ResourceID,
		TrafficType: f.TrafficType, DestinationType: f.DestinationType, Destination: f.Destination, LogFormat: f.LogFormat,
		Tags: r.tagSet(f.ID), MaxAggregationIv: f.MaxAggregationInterval}
}

const defaultFlowLogFormat = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

type xUnsuccessful struct {
	Code       string `xml:"error>code"`
	Message    string `xml:"error>message"`
	ResourceID string `xml:"resourceId"`
}

func (svc *ec2Service) createFlowLogs(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	ids := queryList(in, "ResourceId")
	if len(ids) == 0 {
		return nil, errMissingParameter("ResourceId")
	}
	rtype, err := required(in, "ResourceType")
	if err != nil {
		return nil, err
	}
	kinds := map[string]string{"VPC": "vpc", "Subnet": "subnet", "NetworkInterface": "network-interface"}
	kind, ok := kinds[rtype]
	if !ok {
		return nil, errEC2Value("Value (%s) for parameter resourceType is invalid. The simulated CreateFlowLogs supports VPC, Subnet and NetworkInterface.", rtype)
	}
	traffic := in.Get("TrafficType")
	switch traffic {
	case "ACCEPT", "REJECT", "ALL":
	case "":
		return nil, errMissingParameter("TrafficType")
	default:
		return nil, errEC2Value("Value (%s) for parameter trafficType is invalid.", traffic)
	}
	destType := in.Get("LogDestinationType")
	if destType == "" {
		destType = "cloud-watch-logs"
	}
	dest, group, role := in.Get("LogDestination"), in.Get("LogGroupName"), in.Get("DeliverLogsPermissionArn")
	switch destType {
	case "cloud-watch-logs":
		if dest != "" && group != "" {
			return nil, ec2Err("InvalidParameter", "Please only provide LogGroupName or only provide LogDestination.")
		}
		if dest == "" && group == "" {
			return nil, ec2Err("InvalidParameter", "LogDestination or LogGroupName is required when LogDestinationType is cloud-watch-logs.")
		}
		if role == "" {
			return nil, ec2Err("InvalidParameter", "DeliverLogsPermissionArn is required when LogDestinationType is cloud-watch-logs.")
		}
		if group == "" {
			i := strings.Index(dest, ":log-group:")
			if !strings.HasPrefix(dest, "arn:") || i < 0 {
				return nil, errEC2Value("Value (%s) for parameter logDestination is invalid. It must be a CloudWatch Logs log group ARN.", dest)
			}
			group = strings.TrimSuffix(dest[i+len(":log-group:"):], ":*")
		}
		dest = "arn:" + partitionOf(c.region) + ":logs:" + c.region + ":" + c.Account() + ":log-group:" + group
	case "s3":
		if role != "" {
			return nil, ec2Err("InvalidParameter", "DeliverLogsPermissionArn is not applicable for s3 delivery.")
		}
		if group != "" {
			return nil, ec2Err("InvalidParameter", "LogGroupName is not applicable for s3 delivery.")
		}
		if !strings.HasPrefix(dest, "arn:") || !strings.Contains(dest, ":s3:::") {
			return nil, errEC2Value("Value (%s) for parameter logDestination is invalid. It must be an S3 bucket ARN.", dest)
		}
	default:
		return nil, errEC2Value("Value (%s) for parameter logDestinationType is invalid. The simulated CreateFlowLogs supports cloud-watch-logs and s3.", destType)
	}
	agg, err := atoi(in.Get("MaxAggregationInterval"), 600)
	if err != nil || (agg != 60 && agg != 600) {
		return nil, errEC2Value("Value (%s) for parameter maxAggregationInterval is invalid. Valid values are 60 and 600.", in.Get("MaxAggregationInterval"))
	}
	if err := checkTagSpecTypes(in, "vpc-flow-log"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "vpc-flow-log")
	if err != nil {
		return nil, err
	}
	format := in.Get("LogFormat")
	if format == "" {
		format = defaultFlowLogFormat
	}
	status, message := svc.deliveryStatus(c, destType, dest, role)
	var made []string
	var failed []xUnsuccessful
	n := r.net()
	for _, id := range ids {
		if k, exists := r.resourceType(id); k != kind || !exists {
			e := errEC2NotFound(kind, id)
			failed = append(failed, xUnsuccessful{e.Code, e.Message, id})
			continue
		}
		dup := false
		for _, f := range n.FlowLogs {
			dup = dup || (f.ResourceID == id && f.DestinationType == destType && f.Destination == dest && f.TrafficType == traffic)
		}
		if dup {
			failed = append(failed, xUnsuccessful{"FlowLogAlreadyExists", "There is an existing Flow Log with the same configuration and log destination.", id})
			continue
		}
		f := &ec2FlowLog{ID: c.newID("fl-", 17), ResourceID: id, TrafficType: traffic, DestinationType: destType, Destination: dest,
			DeliverRoleARN: role, LogFormat: format, MaxAggregationInterval: agg, Created: c.now, DeliverStatus: status,
			DeliverMessage: message, Seq: r.next()}
		if destType == "cloud-watch-logs" {
			f.LogGroupName = group
		}
		n.FlowLogs[f.ID] = f
		if err := r.setTags(f.ID, tags); err != nil {
			return nil, err
		}
		made = append(made, f.ID)
	}
	return struct {
		ClientToken  string          `xml:"clientToken,omitempty"`
		FlowLogIDs   []string        `xml:"flowLogIdSet>item"`
		Unsuccessful []xUnsuccessful `xml:"unsuccessful>item"`
	}{in.Get("ClientToken"), made, failed}, nil
}

// deliveryStatus is the status a flow log to dest reports: FAILED when its
// bucket or log group does not exist, or, for CloudWatch Logs, when its
// delivery role does not exist or does not trust VPC Flow Logs.
func (svc *ec2Service) deliveryStatus(c *call, destType, dest, role string) (string, string) {
	switch destType {
	case "s3":
		bucket := dest[strings.Index(dest, ":s3:::")+len(":s3:::"):]
		bucket, _, _ = strings.Cut(bucket, "/")
		if st, ok := serviceState[*s3State](svc.s); ok && st.Buckets[bucket] == nil {
			return "FAILED", "Access error: the bucket " + bucket + " does not exist"
		}
	case "cloud-watch-logs":
		if logs, ok := serviceState[*logsService](svc.s); ok && !logs.logGroupExists(dest) {
			return "FAILED", "Access error: the log group " + dest + " does not exist"
		}
		if r := svc.s.roleByARN(role); r == nil || !trustsService(r.Trust, "vpc-flow-logs.amazonaws.com") {
			return "FAILED", "Access error: the log destination is inaccessible with the role " + role + ", which VPC Flow Logs cannot assume"
		}
	}
	return "SUCCESS", ""
}

func (svc *ec2Service) describeFlowLogs(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	logs, err := ec2Kind[*ec2FlowLog]{
		idParam: "FlowLogId", kind: "vpc-flow-log",
		filters: []string{"deliver-log-status", "log-destination-type", "flow-log-id", "log-group-name", "resource-id", "traffic-type"},
		id:      func(f *ec2FlowLog) string { return f.ID },
		seq:     func(f *ec2FlowLog) int { return f.Seq },
		attr: func(f *ec2FlowLog, name string) []string {
			switch name {
			case "deliver-log-status":
				return []string{f.DeliverStatus}
			case "log-destination-type":
				return []string{f.DestinationType}
			case "flow-log-id":
				return []string{f.ID}
			case "log-group-name":
				return []string{f.LogGroupName}
			case "resource-id":
				return []string{f.ResourceID}
			case "traffic-type":
				return []string{f.TrafficType}
			}
			return nil
		},
	}.describe(r, in, r.net().FlowLogs)
	if err != nil {
		return nil, err
	}
	return struct {
		FlowLogs []xFlowLog `xml:"flowLogSet>item"`
	}{mapAll(logs, r.xFlowLog)}, nil
}

func (svc *ec2Service) deleteFlowLogs(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	ids := queryList(in, "FlowLogId")
	if len(ids) == 0 {
		return nil, errMissingParameter("FlowLogId")
	}
	var failed []xUnsuccessful
	for _, id := range ids {
		if r.net().FlowLogs[id] == nil {
			e := errEC2NotFound("vpc-flow-log", id)
			failed = append(failed, xUnsuccessful{e.Code, e.Message, id})
			continue
		}
		delete(r.net().FlowLogs, id)
		r.dropTags(id)
	}
	return struct {
		Unsuccessful []xUnsuccessful `xml:"unsuccessful>item"`
	}{failed}, nil
}

// Transit gateways.

// tgwOptions are the options a transit gateway has, with their defaults.
var tgwOptions = map[string]string{
	"AutoAcceptSharedAttachments": "disable", "DefaultRouteTableAssociation": "enable", "DefaultRouteTablePropagation": "enable",
	"VpnEcmpSupport": "enable", "DnsSupport": "enable", "SecurityGroupReferencingSupport": "disable", "MulticastSupport": "disable",
}

type xTGWOptions struct {
	ASN                   int64  `xml:"amazonSideAsn"`
	AutoAccept            string `xml:"autoAcceptSharedAttachments"`
	DefaultAssociation    string `xml:"defaultRouteTableAssociation"`
	DefaultPropagation    string `xml:"defaultRouteTablePropagation"`
	VpnEcmp               string `xml:"vpnEcmpSupport"`
	DNS                   string `xml:"dnsSupport"`
	SecurityGroupRefs     string `xml:"securityGroupReferencingSupport"`
	Multicast             string `xml:"multicastSupport"`
	AssociationRouteTable string `xml:"associationDefaultRouteTableId,omitempty"`
}

type xTGW struct {
	ID          string      `xml:"transitGatewayId"`
	ARN         string      `xml:"transitGatewayArn"`
	State       string      `xml:"state"`
	OwnerID     string      `xml:"ownerId"`
	Description string      `xml:"description,omitempty"`
	Created     string      `xml:"creationTime"`
	Options     xTGWOptions `xml:"options"`
	Tags        []xTag      `xml:"tagSet>item"`
}

func (r *ec2Region) xTGW(c *call, g *ec2TGW) xTGW {
	o := g.Options
	return xTGW{ID: g.ID, ARN: r.arn(c, "transit-gateway/"+g.ID), State: "available", OwnerID: r.Account, Description: g.Description,
		Created: isoTime(g.Created), Tags: r.tagSet(g.ID),
		Options: xTGWOptions{ASN: g.ASN, AutoAccept: o["AutoAcceptSharedAttachments"], DefaultAssociation: o["DefaultRouteTableAssociation"],
			DefaultPropagation: o["DefaultRouteTablePropagation"], VpnEcmp: o["VpnEcmpSupport"], DNS: o["DnsSupport"],
			SecurityGroupRefs: o["SecurityGroupReferencingSupport"], Multicast: o["MulticastSupport"]}}
}

// tgwOptionValues reads Options.X parameters, checking each is enable or
// disable.
func tgwOptionValues(in url.Values, settable map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for name := range settable {
		v := in.Get("Options." + name)
		if v == "" {
			continue
		}
		if v != "enable" && v != "disable" {
			return nil, errEC2Value("Value (%s) for parameter options.%s is invalid. Valid values are enable and disable.", v, lowerCamel(name))
		}
		out[name] = v
	}
	return out, nil
}

func (svc *ec2Service) createTransitGateway(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	set, err := tgwOptionValues(in, tgwOptions)
	if err != nil {
		return nil, err
	}
	asn := int64(64512)
	if v := in.Get("Options.AmazonSideAsn"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !(n >= 64512 && n <= 65534 || n >= 4200000000 && n <= 4294967294) {
			return nil, errEC2Value("Value (%s) for parameter options.amazonSideAsn is invalid.", v)
		}
		asn = n
	}
	if err := checkTagSpecTypes(in, "transit-gateway"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "transit-gateway")
	if err != nil {
		return nil, err
	}
	opts := map[string]string{}
	for k, v := range tgwOptions {
		opts[k] = v
	}
	for k, v := range set {
		opts[k] = v
	}
	g := &ec2TGW{ID: c.newID("tgw-", 17), Description: in.Get("Description"), Options: opts, ASN: asn, Created: c.now, Seq: r.next()}
	r.net().TGWs[g.ID] = g
	if err := r.setTags(g.ID, tags); err != nil {
		return nil, err
	}
	x := r.xTGW(c, g)
	x.State = "pending"
	return struct {
		TGW xTGW `xml:"transitGateway"`
	}{x}, nil
}

func (svc *ec2Service) describeTransitGateways(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	gws, err := ec2Kind[*ec2TGW]{
		idParam: "TransitGatewayIds", kind: "transit-gateway",
		filters: []string{"transit-gateway-id", "state", "owner-id", "options.auto-accept-shared-attachments",
			"options.default-route-table-association", "options.default-route-table-propagation", "options.dns-support",
			"options.vpn-ecmp-support", "options.amazon-side-asn"},
		id:  func(g *ec2TGW) string { return g.ID },
		seq: func(g *ec2TGW) int { return g.Seq },
		attr: func(g *ec2TGW, name string) []string {
			switch name {
			case "transit-gateway-id":
				return []string{g.ID}
			case "state":
				return []string{"available"}
			case "owner-id":
				return []string{r.Account}
			case "options.auto-accept-shared-attachments":
				return []string{g.Options["AutoAcceptSharedAttachments"]}
			case "options.default-route-table-association":
				return []string{g.Options["DefaultRouteTableAssociation"]}
			case "options.default-route-table-propagation":
				return []string{g.Options["DefaultRouteTablePropagation"]}
			case "options.dns-support":
				return []string{g.Options["DnsSupport"]}
			case "options.vpn-ecmp-support":
				return []string{g.Options["VpnEcmpSupport"]}
			case "options.amazon-side-asn":
				return []string{strconv.FormatInt(g.ASN, 10)}
			}
			return nil
		},
	}.describe(r, in, r.net().TGWs)
	if err != nil {
		return nil, err
	}
	return struct {
		TGWs []xTGW `xml:"transitGatewaySet>item"`
	}{mapAll(gws, func(g *ec2TGW) xTGW { return r.xTGW(c, g) })}, nil
}

func (svc *ec2Service) modifyTransitGateway(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	g, err := lookupParam(in, "TransitGatewayId", r.net().TGWs, "transit-gateway")
	if err != nil {
		return nil, err
	}
	settable := map[string]string{}
	for k, v := range tgwOptions {
		if k != "MulticastSupport" {
			settable[k] = v
		}
	}
	if in.Get("Options.MulticastSupport") != "" {
		return nil, errEC2Value("MulticastSupport cannot be modified after the transit gateway is created.")
	}
	set, err := tgwOptionValues(in, settable)
	if err != nil {
		return nil, err
	}
	for k, v := range set {
		g.Options[k] = v
	}
	if d, ok := in["Description"]; ok && len(d) > 0 {
		g.Description = d[0]
	}
	trailOpts := map[string]any{}
	for k, v := range set {
		trailOpts[lowerCamel(k)] = v
	}
	c.trailParams = map[string]any{"ModifyTransitGatewayRequest": map[string]any{"TransitGatewayId": g.ID, "Options": trailOpts}}
	x := r.xTGW(c, g)
	x.State = "modifying"
	return struct {
		TGW xTGW `xml:"transitGateway"`
	}{x}, nil
}

func (svc *ec2Service) deleteTransitGateway(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	g, err := lookupParam(in, "TransitGatewayId", r.net().TGWs, "transit-gateway")
	if err != nil {
		return nil, err
	}
	x := r.xTGW(c, g)
	x.State = "deleting"
	delete(r.net().TGWs, g.ID)
	r.dropTags(g.ID)
	return struct {
		TGW xTGW `xml:"transitGateway"`
	}{x}, nil
}

// VPC endpoints.

// endpointServiceName checks a service name of the call's region:
// com.amazonaws.REGION.SERVICE, or cn.com.amazonaws.REGION.SERVICE in
// China.
func endpointServiceName(c *call, name string) (string, bool) {
	prefix := "com.amazonaws." + c.region + "."
	if partitionOf(c.region) == "aws-cn" {
		prefix = "cn." + prefix
	}
	svcName, ok := strings.CutPrefix(name, prefix)
	if !ok || svcName == "" || strings.ContainsAny(svcName, " /") {
		return "", false
	}
	return svcName, true
}

type xEndpointGroup struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type xDNSEntry struct {
	DNSName      string `xml:"dnsName"`
	HostedZoneID string `xml:"hostedZoneId"`
}

type xEndpoint struct {
	ID            string           `xml:"vpcEndpointId"`
	Type          string           `xml:"vpcEndpointType"`
	VPCID         string           `xml:"vpcId"`
	ServiceName   string           `xml:"serviceName"`
	State         string           `xml:"state"`
	Policy        string           `xml:"policyDocument,omitempty"`
	RouteTableIDs []string         `xml:"routeTableIdSet>item"`
	SubnetIDs     []string         `xml:"subnetIdSet>item"`
	Groups        []xEndpointGroup `xml:"groupSet>item"`
	IPAddressType string           `xml:"ipAddressType"`
	PrivateDNS    bool             `xml:"privateDnsEnabled"`
	Managed       bool             `xml:"requesterManaged"`
	ENIs          []string         `xml:"networkInterfaceIdSet>item"`
	DNSEntries    []xDNSEntry      `xml:"dnsEntrySet>item"`
	Created       string           `xml:"creationTimestamp"`
	Tags          []xTag           `xml:"tagSet>item"`
	OwnerID       string           `xml:"ownerId"`
}

func (r *ec2Region) xEndpoint(e *ec2Endpoint) xEndpoint {
	x := xEndpoint{ID: e.ID, Type: e.Type, VPCID: e.VPCID, ServiceName: e.ServiceName, State: "available", Policy: e.Policy,
		RouteTableIDs: e.RouteTableIDs, SubnetIDs: e.SubnetIDs, IPAddressType: "ipv4", PrivateDNS: e.PrivateDNS, ENIs: e.ENIs,
		Created: isoTime(e.Created), Tags: r.tagSet(e.ID), OwnerID: r.Account}
	for _, gid := range e.GroupIDs {
		name := ""
		if g := r.Groups[gid]; g != nil {
			name = g.Name
		}
		x.Groups = append(x.Groups, xEndpointGroup{gid, name})
	}
	if e.Type == "Interface" {
		svcName := e.ServiceName[strings.LastIndexByte(e.ServiceName, '.')+1:]
		x.DNSEntries = append(x.DNSEntries, xDNSEntry{e.ID + "." + svcName + "." + r.Region + ".vpce.amazonaws.com", "Z7HUB22UULQXV"})
	}
	return x
}

const defaultEndpointPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

func (svc *ec2Service) createVpcEndpoint(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	v, err := lookupParam(in, "VpcId", r.VPCs, "vpc")
	if err != nil {
		return nil, err
	}
	name, err := required(in, "ServiceName")
	if err != nil {
		return nil, err
	}
	svcName, ok := endpointServiceName(c, name)
	if !ok {
		return nil, ec2Err("InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist", name)
	}
	typ := in.Get("VpcEndpointType")
	if typ == "" {
		typ = "Gateway"
	}
	e := &ec2Endpoint{ID: c.newID("vpce-", 17), VPCID: v.ID, ServiceName: name, Type: typ, Created: c.now, Seq: r.next()}
	e.Policy = in.Get("PolicyDocument")
	if e.Policy == "" {
		e.Policy = defaultEndpointPolicy
	}
	subnets := queryList(in, "SubnetId")
	groups := queryList(in, "SecurityGroupId")
	switch typ {
	case "Gateway":
		if svcName != "s3" && svcName != "dynamodb" {
			return nil, ec2Err("InvalidParameter", "The Vpc Endpoint Service '%s' does not support the Gateway endpoint type.", name)
		}
		if len(subnets) > 0 || len(groups) > 0 {
			return nil, ec2Err("InvalidParameter", "Subnets and security groups are not applicable to Gateway endpoints.")
		}
		e.RouteTableIDs = queryList(in, "RouteTableId")
	case "Interface":
		if svcName == "dynamodb" {
			return nil, ec2Err("InvalidParameter", "The Vpc Endpoint Service '%s' does not support the Interface endpoint type.", name)
		}
		if len(queryList(in, "RouteTableId")) > 0 {
			return nil, ec2Err("InvalidParameter", "Route tables are not applicable to Interface endpoints.")
		}
		azs := map[string]string{}
		var sns []*ec2Subnet
		for _, id := range subnets {
			sn := r.Subnets[id]
			if sn == nil {
				return nil, errEC2NotFound("subnet", id)
			}
			if sn.VPCID != v.ID {
				return nil, ec2Err("InvalidParameter", "The subnet %s does not belong to vpc %s", id, v.ID)
			}
			if other, dup := azs[sn.AZ]; dup {
				return nil, ec2Err("DuplicateSubnetsInSameZone", "Found another VPC endpoint subnet in the availability zone of %s: %s", id, other)
			}
			azs[sn.AZ] = id
			sns = append(sns, sn)
		}
		if len(groups) == 0 {
			for _, g := range r.Groups {
				if g.VPCID == v.ID && g.Name == "default" {
					groups = []string{g.ID}
				}
			}
		}
		if err := r.checkGroups(groups, v.ID); err != nil {
			return nil, err
		}
		e.PrivateDNS = in.Get("PrivateDnsEnabled") != "false"
		if e.PrivateDNS {
			if v.DNSSupportOff || !v.DNSHostnames {
				return nil, ec2Err("InvalidParameter", "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for %s", v.ID)
			}
			for _, o := range r.net().Endpoints {
				if o.VPCID == v.ID && o.ServiceName == name && o.PrivateDNS {
					return nil, ec2Err("InvalidParameter", "private-dns-enabled cannot be set because there is already a conflicting DNS domain for %s.%s.amazonaws.com in the VPC %s", svcName, c.region, v.ID)
				}
			}
		}
		e.SubnetIDs, e.GroupIDs = subnets, groups
		for _, sn := range sns {
			eni := r.newENI(c, sn, groups, "VPC Endpoint Interface "+e.ID)
			eni.InterfaceType, eni.RequesterManaged = "vpc_endpoint", true
			e.ENIs = append(e.ENIs, eni.ID)
		}
	default:
		return nil, errEC2Value("Value (%s) for parameter vpcEndpointType is invalid. The simulated CreateVpcEndpoint supports Gateway and Interface.", typ)
	}
	if err := checkTagSpecTypes(in, "vpc-endpoint"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "vpc-endpoint")
	if err != nil {
		return nil, err
	}
	r.net().Endpoints[e.ID] = e
	if err := r.setTags(e.ID, tags); err != nil {
		return nil, err
	}
	x := r.xEndpoint(e)
	x.State = "pending"
	c.trailResponse = map[string]any{"requestId": c.requestID, "vpcEndpoint": map[string]any{"vpcEndpointId": e.ID, "vpcId": v.ID, "serviceName": name, "vpcEndpointType": typ}}
	return struct {
		Endpoint xEndpoint `xml:"vpcEndpoint"`
	}{x}, nil
}

func (svc *ec2Service) describeVpcEndpoints(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	eps, err := ec2Kind[*ec2Endpoint]{
		idParam: "VpcEndpointId", kind: "vpc-endpoint",
		filters: []string{"vpc-id", "service-name", "vpc-endpoint-id", "vpc-endpoint-state", "vpc-endpoint-type", "ip-address-type"},
		id:      func(e *ec2Endpoint) string { return e.ID },
		seq:     func(e *ec2Endpoint) int { return e.Seq },
		attr: func(e *ec2Endpoint, name string) []string {
			switch name {
			case "vpc-id":
				return []string{e.VPCID}
			case "service-name":
				return []string{e.ServiceName}
			case "vpc-endpoint-id":
				return []string{e.ID}
			case "vpc-endpoint-state":
				return []string{"available"}
			case "vpc-endpoint-type":
				return []string{e.Type}
			case "ip-address-type":
				return []string{"ipv4"}
			}
			return nil
		},
	}.describe(r, in, r.net().Endpoints)
	if err != nil {
		return nil, err
	}
	return struct {
		Endpoints []xEndpoint `xml:"vpcEndpointSet>item"`
	}{mapAll(eps, r.xEndpoint)}, nil
}

func (svc *ec2Service) deleteVpcEndpoints(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	ids := queryList(in, "VpcEndpointId")
	if len(ids) == 0 {
		return nil, errMissingParameter("VpcEndpointId")
	}
	var failed []xUnsuccessful
	for _, id := range ids {
		e := r.net().Endpoints[id]
		if e == nil {
			err := errEC2NotFound("vpc-endpoint", id)
			failed = append(failed, xUnsuccessful{err.Code, err.Message, id})
			continue
		}
		for _, eni := range e.ENIs {
			delete(r.enis(), eni)
			r.dropTags(eni)
		}
		delete(r.net().Endpoints, id)
		r.dropTags(id)
	}
	return struct {
		Unsuccessful []xUnsuccessful `xml:"unsuccessful>item"`
	}{failed}, nil
}

// Network ACLs.

// newNetworkACL makes a network ACL for vpc: a default one allows all
// traffic in and out (rule 100) before the final deny (rule 32767); others
// have only the final deny.
func (r *ec2Region) newNetworkACL(c *call, vpc string, isDefault bool) *ec2ACL {
	a := &ec2ACL{ID: c.newID("acl-", 17), VPCID: vpc, IsDefault: isDefault, Seq: r.next()}
	for _, egress := range []bool{false, true} {
		if isDefault {
			a.Entries = append(a.Entries, ec2ACLEntry{RuleNumber: 100, Egress: egress, Protocol: "-1", Action: "allow", CIDR: "0.0.0.0/0"})
		}
		a.Entries = append(a.Entries, ec2ACLEntry{RuleNumber: 32767, Egress: egress, Protocol: "-1", Action: "deny", CIDR: "0.0.0.0/0"})
	}
	r.net().ACLs[a.ID] = a
	return a
}

type xACLEntry struct {
	CIDR       string      `xml:"cidrBlock,omitempty"`
	Egress     bool        `xml:"egress"`
	IPv6CIDR   string      `xml:"ipv6CidrBlock,omitempty"`
	PortRange  *xPortRange `xml:"portRange,omitempty"`
	Protocol   string      `xml:"protocol"`
	RuleAction string      `xml:"ruleAction"`
	RuleNumber int         `xml:"ruleNumber"`
}

type xPortRange struct {
	From int `xml:"from"`
	To   int `xml:"to"`
}

type xACLAssociation struct {
	ID       string `xml:"networkAclAssociationId"`
	ACLID    string `xml:"networkAclId"`
	SubnetID string `xml:"subnetId"`
}

type xACL struct {
	Associations []xACLAssociation `xml:"associationSet>item"`
	Entries      []xACLEntry       `xml:"entrySet>item"`
	IsDefault    bool              `xml:"default"`
	ID           string            `xml:"networkAclId"`
	Tags         []xTag            `xml:"tagSet>item"`
	VPCID        string            `xml:"vpcId"`
	OwnerID      string            `xml:"ownerId"`
}

func (r *ec2Region) xACL(a *ec2ACL) xACL {
	x := xACL{IsDefault: a.IsDefault, ID: a.ID, Tags: r.tagSet(a.ID), VPCID: a.VPCID, OwnerID: r.Account}
	entries := append([]ec2ACLEntry(nil), a.Entries...)
	sort.SliceStable(entries, func(i, j int) bool {
		if entries[i].Egress != entries[j].Egress {
			return entries[i].Egress
		}
		return entries[i].RuleNumber < entries[j].RuleNumber
	})
	for _, e := range entries {
		xe := xACLEntry{CIDR: e.CIDR, Egress: e.Egress, IPv6CIDR: e.IPv6CIDR, Protocol: e.Protocol, RuleAction: e.Action, RuleNumber: e.RuleNumber}
		if e.HasPorts {
			xe.PortRange = &xPortRange{e.From, e.To}
		}
		x.Entries = append(x.Entries, xe)
	}
	if a.IsDefault {
		subnets, _ := selectIDs(r.Subnets, nil, func(s *ec2Subnet) int { return s.Seq }, "subnet")
		for _, sn := range subnets {
			if sn.VPCID == a.VPCID {
				x.Associations = append(x.Associations, xACLAssociation{"aclassoc-" + strings.TrimPrefix(sn.ID, "subnet-"), a.ID, sn.ID})
			}
		}
	}
	return x
}

func (svc *ec2Service) createNetworkAcl(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	v, err := lookupParam(in, "VpcId", r.VPCs, "vpc")
	if err != nil {
		return nil, err
	}
	if err := checkTagSpecTypes(in, "network-acl"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "network-acl")
	if err != nil {
		return nil, err
	}
	a := r.newNetworkACL(c, v.ID, false)
	if err := r.setTags(a.ID, tags); err != nil {
		return nil, err
	}
	return struct {
		ACL xACL `xml:"networkAcl"`
	}{r.xACL(a)}, nil
}

func (svc *ec2Service) describeNetworkAcls(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	acls, err := ec2Kind[*ec2ACL]{
		idParam: "NetworkAclId", kind: "network-acl",
		filters: []string{"network-acl-id", "vpc-id", "default", "owner-id", "association.subnet-id", "entry.rule-number",
			"entry.cidr", "entry.protocol", "entry.rule-action", "entry.egress"},
		id:  func(a *ec2ACL) string { return a.ID },
		seq: func(a *ec2ACL) int { return a.Seq },
		attr: func(a *ec2ACL, name string) []string {
			x := r.xACL(a)
			entries := func(f func(xACLEntry) string) []string { return mapAll(x.Entries, f) }
			switch name {
			case "network-acl-id":
				return []string{a.ID}
			case "vpc-id":
				return []string{a.VPCID}
			case "default":
				return []string{boolStr(a.IsDefault)}
			case "owner-id":
				return []string{r.Account}
			case "association.subnet-id":
				return mapAll(x.Associations, func(as xACLAssociation) string { return as.SubnetID })
			case "entry.rule-number":
				return entries(func(e xACLEntry) string { return strconv.Itoa(e.RuleNumber) })
			case "entry.cidr":
				return entries(func(e xACLEntry) string { return e.CIDR })
			case "entry.protocol":
				return entries(func(e xACLEntry) string { return e.Protocol })
			case "entry.rule-action":
				return entries(func(e xACLEntry) string { return e.RuleAction })
			case "entry.egress":
				return entries(func(e xACLEntry) string { return boolStr(e.Egress) })
			}
			return nil
		},
	}.describe(r, in, r.net().ACLs)
	if err != nil {
		return nil, err
	}
	return struct {
		ACLs []xACL `xml:"networkAclSet>item"`
	}{mapAll(acls, r.xACL)}, nil
}

func (svc *ec2Service) deleteNetworkAcl(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	a, err := lookupParam(in, "NetworkAclId", r.net().ACLs, "network-acl")
	if err != nil {
		return nil, err
	}
	if a.IsDefault {
		return nil, ec2Err("InvalidParameterValue", "cannot delete default network ACL %s", a.ID)
	}
	delete(r.net().ACLs, a.ID)
	r.dropTags(a.ID)
	return xReturn{true}, nil
}

// networkAclEntry serves CreateNetworkAclEntry, ReplaceNetworkAclEntry and
// DeleteNetworkAclEntry.
func (svc *ec2Service) networkAclEntry(op string) queryHandler {
	return func(c *call, in url.Values) (any, error) {
		r := svc.region(c)
		a, err := lookupParam(in, "NetworkAclId", r.net().ACLs, "network-acl")
		if err != nil {
			return nil, err
		}
		if _, err := required(in, "RuleNumber"); err != nil {
			return nil, err
		}
		num, err := atoi(in.Get("RuleNumber"), 0)
		if err != nil || num < 1 || num > 32766 {
			return nil, errEC2Value("Value (%s) for parameter ruleNumber is invalid. Valid values are 1 to 32766.", in.Get("RuleNumber"))
		}
		egress := in.Get("Egress") == "true"
		idx := -1
		for i, e := range a.Entries {
			if e.RuleNumber == num && e.Egress == egress {
				idx = i
			}
		}
		if op == "delete" {
			if idx < 0 {
				return nil, ec2Err("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by %d could not be found.", num)
			}
			a.Entries = append(a.Entries[:idx:idx], a.Entries[idx+1:]...)
			return xReturn{true}, nil
		}
		switch {
		case op == "create" && idx >= 0:
			return nil, ec2Err("NetworkAclEntryAlreadyExists", "The network acl entry identified by %d already exists.", num)
		case op == "replace" && idx < 0:
			return nil, ec2Err("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by %d could not be found.", num)
		}
		proto, err := required(in, "Protocol")
		if err != nil {
			return nil, err
		}
		proto, err = normalizeProtocol(proto)
		if err != nil {
			return nil, err
		}
		if n, ok := map[string]string{"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}[proto]; ok {
			proto = n
		}
		action := in.Get("RuleAction")
		if action != "allow" && action != "deny" {
			return nil, errEC2Value("Value (%s) for parameter ruleAction is invalid. Valid values are allow and deny.", action)
		}
		e := ec2ACLEntry{RuleNumber: num, Egress: egress, Protocol: proto, Action: action, CIDR: in.Get("CidrBlock"), IPv6CIDR: in.Get("Ipv6CidrBlock")}
		if (e.CIDR == "") == (e.IPv6CIDR == "") {
			return nil, ec2Err("InvalidParameterCombination", "Exactly one of CidrBlock and Ipv6CidrBlock must be given.")
		}
		for _, cidr := range []string{e.CIDR, e.IPv6CIDR} {
			if _, err := netip.ParsePrefix(cidr); cidr != "" && err != nil {
				return nil, errEC2Value("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
			}
		}
		if proto == "6" || proto == "17" {
			from, err1 := atoi(in.Get("PortRange.From"), -1)
			to, err2 := atoi(in.Get("PortRange.To"), -1)
			if err1 != nil || err2 != nil || from < 0 || to < from || to > 65535 {
				return nil, ec2Err("InvalidParameterValue", "Invalid port range: PortRange.From and PortRange.To are required for TCP and UDP and must be between 0 and 65535.")
			}
			e.From, e.To, e.HasPorts = from, to, true
		}
		if idx >= 0 {
			a.Entries[idx] = e
		} else {
			a.Entries = append(a.Entries, e)
		}
		return xReturn{true}, nil
	}
}
