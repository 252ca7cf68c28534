package awssim

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EC2: VPCs, subnets, security groups and their rules, internet gateways,
// tags, EBS default encryption, volumes, snapshots and their
// create-volume permission, instances and their network interfaces
// (ec2_eni.go); flow logs, transit gateways, VPC endpoints, network ACLs
// and VPC and subnet attributes (ec2_network.go); launch templates,
// instance metadata options and termination protection (ec2_launch.go).
// State is kept per account and region.

const ec2XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"

type ec2Service struct {
	s *Server
	// Regions holds the state of each account and region, keyed
	// "account/region".
	Regions map[string]*ec2Region
}

// ec2Region is one account's EC2 state in one region.
type ec2Region struct {
	Account, Region string
	VPCs            map[string]*ec2VPC
	Subnets         map[string]*ec2Subnet
	Groups          map[string]*ec2Group
	IGWs            map[string]*ec2IGW
	Volumes         map[string]*ec2Volume
	Snapshots       map[string]*ec2Snapshot
	Instances       map[string]*ec2Instance
	// ENIs are the network interfaces; use enis(), which makes the map
	// for state saved before they were simulated.
	ENIs map[string]*ec2ENI `json:",omitempty"`
	// Net holds flow logs, transit gateways, VPC endpoints and network
	// ACLs; use net(), which makes it for state saved before they were
	// simulated.
	Net *ec2Net `json:",omitempty"`
	// LaunchTemplates are keyed by ID; use launchTemplates().
	LaunchTemplates map[string]*ec2LaunchTemplate `json:",omitempty"`
	// Tags maps a resource ID to its tags.
	Tags map[string]map[string]string
	// EBSEncryptionByDefault is the account's EBS default encryption in
	// the region.
	EBSEncryptionByDefault bool
	// Seq orders resources by creation for Describe calls.
	Seq int
}

type ec2VPC struct {
	ID, CIDR, DHCPOptionsID string
	IsDefault               bool
	Seq                     int
	// DNSSupportOff and DNSHostnames are the enableDnsSupport (on unless
	// turned off) and enableDnsHostnames attributes.
	DNSSupportOff bool `json:",omitempty"`
	DNSHostnames  bool `json:",omitempty"`
}

type ec2Subnet struct {
	ID, VPCID, CIDR, AZ string
	DefaultForAZ        bool
	MapPublicIP         bool
	Seq                 int
	// NextHost is the next private address handed to an instance, as an
	// offset into the block.
	NextHost int
}

type ec2Group struct {
	ID, Name, Description, VPCID string
	Rules                        []*ec2Rule
	Seq                          int
}

// ec2Rule is one security group rule: a protocol, a port range and one
// peer (an IPv4 or IPv6 block, a prefix list or a security group).
type ec2Rule struct {
	ID           string
	Egress       bool
	Protocol     string
	FromPort     int
	ToPort       int
	CidrIPv4     string `json:",omitempty"`
	CidrIPv6     string `json:",omitempty"`
	PrefixListID string `json:",omitempty"`
	RefGroupID   string `json:",omitempty"`
	RefUserID    string `json:",omitempty"`
	Description  string `json:",omitempty"`
}

type ec2IGW struct {
	ID    string
	VPCID string `json:",omitempty"`
	Seq   int
}

type ec2Volume struct {
	ID, AZ, Type, SnapshotID, KMSKeyID string
	Size                               int
	Encrypted                          bool
	Created                            time.Time
	Deleted                            bool `json:",omitempty"`
	Attachment                         *ec2VolumeAttachment
	Seq                                int
}

type ec2VolumeAttachment struct {
	InstanceID, Device  string
	AttachTime          time.Time
	DeleteOnTermination bool
}

type ec2Snapshot struct {
	ID, VolumeID, Description, KMSKeyID string
	Size                                int
	Encrypted                           bool
	Started                             time.Time
	// Public is createVolumePermission for the group "all"; Users are the
	// accounts it is shared with.
	Public bool
	Users  []string
	Seq    int
}

type ec2Instance struct {
	ID, ReservationID, ImageID, Type string
	SubnetID, VPCID, AZ, PrivateIP   string
	// LegacyGroups are the security groups of an instance saved before
	// network interfaces were simulated; restoring moves them to its
	// primary interface.
	LegacyGroups          []string `json:"Groups,omitempty"`
	RootVolumeID          string
	ProfileARN, ProfileID string
	State                 string
	Launched              time.Time
	Seq                   int

	// ProfileAssociation is the ID of the instance profile's association
	// (ec2_profiles.go).
	ProfileAssociation string `json:",omitempty"`
	// StateChanged is when the instance last changed state by a call.
	StateChanged time.Time `json:",omitempty"`
	// Metadata is the instance metadata service's options; nil means
	// EC2's defaults.
	Metadata *ec2MetadataOptions `json:",omitempty"`
	// NoTerminate is the disableApiTermination attribute.
	NoTerminate bool `json:",omitempty"`
}

func newEC2(s *Server) *serviceDef {
	svc := &ec2Service{s: s, Regions: map[string]*ec2Region{}}
	ops := map[string]queryHandler{
		"CreateVpc":                     svc.createVpc,
		"CreateDefaultVpc":              svc.createDefaultVpc,
		"DescribeVpcs":                  svc.describeVpcs,
		"DeleteVpc":                     svc.deleteVpc,
		"CreateSubnet":                  svc.createSubnet,
		"DescribeSubnets":               svc.describeSubnets,
		"DeleteSubnet":                  svc.deleteSubnet,
		"CreateSecurityGroup":           svc.createSecurityGroup,
		"DescribeSecurityGroups":        svc.describeSecurityGroups,
		"DeleteSecurityGroup":           svc.deleteSecurityGroup,
		"AuthorizeSecurityGroupIngress": svc.authorize(false),
		"AuthorizeSecurityGroupEgress":  svc.authorize(true),
		"RevokeSecurityGroupIngress":    svc.revoke(false),
		"RevokeSecurityGroupEgress":     svc.revoke(true),
		"DescribeSecurityGroupRules":    svc.describeSecurityGroupRules,
		"ModifySecurityGroupRules":      svc.modifySecurityGroupRules,
		"CreateInternetGateway":         svc.createInternetGateway,
		"AttachInternetGateway":         svc.attachInternetGateway,
		"DetachInternetGateway":         svc.detachInternetGateway,
		"DescribeInternetGateways":      svc.describeInternetGateways,
		"DeleteInternetGateway":         svc.deleteInternetGateway,
		"CreateTags":                    svc.createTags,
		"DeleteTags":                    svc.deleteTags,
		"DescribeTags":                  svc.describeTags,
		"GetEbsEncryptionByDefault":     svc.getEbsEncryptionByDefault,
		"EnableEbsEncryptionByDefault":  svc.setEbsEncryptionByDefault(true),
		"DisableEbsEncryptionByDefault": svc.setEbsEncryptionByDefault(false),
		"CreateVolume":                  svc.createVolume,
		"DescribeVolumes":               svc.describeVolumes,
		"DeleteVolume":                  svc.deleteVolume,
		"CreateSnapshot":                svc.createSnapshot,
		"DescribeSnapshots":             svc.describeSnapshots,
		"DescribeSnapshotAttribute":     svc.describeSnapshotAttribute,
		"ModifySnapshotAttribute":       svc.modifySnapshotAttribute,
		"DeleteSnapshot":                svc.deleteSnapshot,
		"RunInstances":                  svc.runInstances,
		"DescribeInstances":             svc.describeInstances,
		"ModifyInstanceAttribute":       svc.modifyInstanceAttribute,
		"TerminateInstances":            svc.changeInstanceState("terminated"),
		"StopInstances":                 svc.changeInstanceState("stopped"),
		"StartInstances":                svc.changeInstanceState("running"),
	}
	for op, h := range svc.eniOps() {
		ops[op] = h
	}
	for op, h := range svc.profileOps() {
		ops[op] = h
	}
	for op, h := range svc.networkOps() {
		ops[op] = h
	}
	for op, h := range svc.launchOps() {
		ops[op] = h
	}
	for op, h := range ops {
		ops[op] = dryRunnable(h)
	}
	return &serviceDef{
		Name: "ec2", EventSource: "ec2.amazonaws.com", Protocol: protoEC2, XMLNS: ec2XMLNS,
		Query: ops, State: svc, Restored: svc.restored,
	}
}

// dryRunnable answers DryRun requests as EC2 does for an authorized caller.
func dryRunnable(h queryHandler) queryHandler {
	return func(c *call, in url.Values) (any, error) {
		if in.Get("DryRun") == "true" {
			return nil, errorf(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
		}
		return h(c, in)
	}
}

// region returns the caller's state in the call's region.
func (svc *ec2Service) region(c *call) *ec2Region {
	return svc.regionOf(c.Account(), c.region)
}

func (svc *ec2Service) regionOf(account, region string) *ec2Region {
	k := account + "/" + region
	r := svc.Regions[k]
	if r == nil {
		r = &ec2Region{
			Account: account, Region: region,
			VPCs: map[string]*ec2VPC{}, Subnets: map[string]*ec2Subnet{}, Groups: map[string]*ec2Group{},
			IGWs: map[string]*ec2IGW{}, Volumes: map[string]*ec2Volume{}, Snapshots: map[string]*ec2Snapshot{},
			Instances: map[string]*ec2Instance{}, ENIs: map[string]*ec2ENI{}, Tags: map[string]map[string]string{},
		}
		svc.Regions[k] = r
	}
	return r
}

func (r *ec2Region) next() int {
	r.Seq++
	return r.Seq
}

// Errors.

func ec2Err(code, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func errEC2NotFound(kind, id string) *Error {
	switch kind {
	case "vpc":
		return ec2Err("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
	case "subnet":
		return ec2Err("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
	case "security-group":
		return ec2Err("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
	case "internet-gateway":
		return ec2Err("InvalidInternetGatewayID.NotFound", "The internetGateway ID '%s' does not exist", id)
	case "volume":
		return ec2Err("InvalidVolume.NotFound", "The volume '%s' does not exist.", id)
	case "snapshot":
		return ec2Err("InvalidSnapshot.NotFound", "The snapshot '%s' does not exist.", id)
	case "instance":
		return ec2Err("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
	case "security-group-rule":
		return ec2Err("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
	case "network-interface":
		return ec2Err("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
	case "vpc-flow-log":
		return ec2Err("InvalidFlowLogId.NotFound", "These flow log ids in the input list are not found: [TotalCount: 1] %s", id)
	case "transit-gateway":
		return ec2Err("InvalidTransitGatewayID.NotFound", "Transit Gateway %s was deleted or does not exist.", id)
	case "vpc-endpoint":
		return ec2Err("InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '%s' does not exist", id)
	case "network-acl":
		return ec2Err("InvalidNetworkAclID.NotFound", "The networkAcl ID '%s' does not exist", id)
	case "launch-template":
		return ec2Err("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
	}
	return ec2Err("InvalidID", "The ID '%s' is not valid", id)
}

func errEC2Value(format string, args ...any) *Error {
	return ec2Err("InvalidParameterValue", format, args...)
}

// XML shapes.

type xTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func (r *ec2Region) tagSet(id string) []xTag {
	tags := r.Tags[id]
	out := make([]xTag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, xTag{k, tags[k]})
	}
	return out
}

type xVPC struct {
	VPCID           string     `xml:"vpcId"`
	OwnerID         string     `xml:"ownerId"`
	State           string     `xml:"state"`
	CIDRBlock       string     `xml:"cidrBlock"`
	CIDRAssociation []xCIDRSet `xml:"cidrBlockAssociationSet>item"`
	DHCPOptionsID   string     `xml:"dhcpOptionsId"`
	InstanceTenancy string     `xml:"instanceTenancy"`
	IsDefault       bool       `xml:"isDefault"`
	Tags            []xTag     `xml:"tagSet>item"`
}

type xCIDRSet struct {
	AssociationID string `xml:"associationId"`
	CIDRBlock     string `xml:"cidrBlock"`
	State         string `xml:"cidrBlockState>state"`
}

func (r *ec2Region) xVPC(v *ec2VPC) xVPC {
	return xVPC{
		VPCID: v.ID, OwnerID: r.Account, State: "available", CIDRBlock: v.CIDR,
		CIDRAssociation: []xCIDRSet{{"vpc-cidr-assoc-" + strings.TrimPrefix(v.ID, "vpc-"), v.CIDR, "associated"}},
		DHCPOptionsID:   v.DHCPOptionsID, InstanceTenancy: "default", IsDefault: v.IsDefault, Tags: r.tagSet(v.ID),
	}
}

type xSubnet struct {
	SubnetID         string `xml:"subnetId"`
	SubnetARN        string `xml:"subnetArn"`
	VPCID            string `xml:"vpcId"`
	OwnerID          string `xml:"ownerId"`
	State            string `xml:"state"`
	CIDRBlock        string `xml:"cidrBlock"`
	AvailableIPCount int    `xml:"availableIpAddressCount"`
	AZ               string `xml:"availabilityZone"`
	DefaultForAZ     bool   `xml:"defaultForAz"`
	MapPublicIP      bool   `xml:"mapPublicIpOnLaunch"`
	Tags             []xTag `xml:"tagSet>item"`
}

func (r *ec2Region) xSubnet(c *call, sn *ec2Subnet) xSubnet {
	p, _ := netip.ParsePrefix(sn.CIDR)
	return xSubnet{
		SubnetID: sn.ID, SubnetARN: r.arn(c, "subnet/"+sn.ID), VPCID: sn.VPCID, OwnerID: r.Account, State: "available",
		CIDRBlock: sn.CIDR, AvailableIPCount: (1 << (32 - p.Bits())) - 5 - r.usedAddresses(sn.ID), AZ: sn.AZ,
		DefaultForAZ: sn.DefaultForAZ, MapPublicIP: sn.MapPublicIP, Tags: r.tagSet(sn.ID),
	}
}

func (r *ec2Region) usedAddresses(subnetID string) int {
	n := 0
	for _, e := range r.enis() {
		if e.SubnetID == subnetID {
			n++
		}
	}
	return n
}

func (r *ec2Region) arn(c *call, resource string) string {
	return "arn:" + partitionOf(r.Region) + ":ec2:" + r.Region + ":" + r.Account + ":" + resource
}

type xIPPermission struct {
	IPProtocol    string        `xml:"ipProtocol"`
	FromPort      *int          `xml:"fromPort,omitempty"`
	ToPort        *int          `xml:"toPort,omitempty"`
	Groups        []xGroupPair  `xml:"groups>item"`
	IPRanges      []xIPRange    `xml:"ipRanges>item"`
	IPv6Ranges    []xIPv6Range  `xml:"ipv6Ranges>item"`
	PrefixListIDs []xPrefixList `xml:"prefixListIds>item"`
}

type xGroupPair struct {
	UserID      string `xml:"userId,omitempty"`
	GroupID     string `xml:"groupId,omitempty"`
	GroupName   string `xml:"groupName,omitempty"`
	Description string `xml:"description,omitempty"`
}

type xIPRange struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type xIPv6Range struct {
	CidrIPv6    string `xml:"cidrIpv6"`
	Description string `xml:"description,omitempty"`
}

type xPrefixList struct {
	PrefixListID string `xml:"prefixListId"`
	Description  string `xml:"description,omitempty"`
}

type ec2PermKey struct {
	proto    string
	from, to int
}

type xSecurityGroup struct {
	OwnerID     string          `xml:"ownerId"`
	GroupID     string          `xml:"groupId"`
	GroupName   string          `xml:"groupName"`
	Description string          `xml:"groupDescription"`
	VPCID       string          `xml:"vpcId,omitempty"`
	ARN         string          `xml:"securityGroupArn"`
	Ingress     []xIPPermission `xml:"ipPermissions>item"`
	Egress      []xIPPermission `xml:"ipPermissionsEgress>item"`
	Tags        []xTag          `xml:"tagSet>item"`
}

// permissions folds rules into IpPermissions, one per protocol and port
// range, in the order the rules were added.
func permissions(rules []*ec2Rule, egress bool) []xIPPermission {
	var out []xIPPermission
	idx := map[ec2PermKey]int{}
	for _, rl := range rules {
		if rl.Egress != egress {
			continue
		}
		k := ec2PermKey{rl.Protocol, rl.FromPort, rl.ToPort}
		i, ok := idx[k]
		if !ok {
			p := xIPPermission{IPProtocol: rl.Protocol}
			if rl.Protocol != "-1" {
				from, to := rl.FromPort, rl.ToPort
				p.FromPort, p.ToPort = &from, &to
			}
			out = append(out, p)
			i = len(out) - 1
			idx[k] = i
		}
		p := &out[i]
		switch {
		case rl.CidrIPv4 != "":
			p.IPRanges = append(p.IPRanges, xIPRange{rl.CidrIPv4, rl.Description})
		case rl.CidrIPv6 != "":
			p.IPv6Ranges = append(p.IPv6Ranges, xIPv6Range{rl.CidrIPv6, rl.Description})
		case rl.PrefixListID != "":
			p.PrefixListIDs = append(p.PrefixListIDs, xPrefixList{rl.PrefixListID, rl.Description})
		case rl.RefGroupID != "":
			p.Groups = append(p.Groups, xGroupPair{UserID: rl.RefUserID, GroupID: rl.RefGroupID, Description: rl.Description})
		}
	}
	return out
}

func (r *ec2Region) xGroup(c *call, g *ec2Group) xSecurityGroup {
	return xSecurityGroup{
		OwnerID: r.Account, GroupID: g.ID, GroupName: g.Name, Description: g.Description, VPCID: g.VPCID,
		ARN: r.arn(c, "security-group/"+g.ID), Ingress: permissions(g.Rules, false), Egress: permissions(g.Rules, true),
		Tags: r.tagSet(g.ID),
	}
}

type xRule struct {
	ID           string         `xml:"securityGroupRuleId"`
	GroupID      string         `xml:"groupId"`
	GroupOwnerID string         `xml:"groupOwnerId"`
	IsEgress     bool           `xml:"isEgress"`
	IPProtocol   string         `xml:"ipProtocol"`
	FromPort     int            `xml:"fromPort"`
	ToPort       int            `xml:"toPort"`
	CidrIPv4     string         `xml:"cidrIpv4,omitempty"`
	CidrIPv6     string         `xml:"cidrIpv6,omitempty"`
	PrefixListID string         `xml:"prefixListId,omitempty"`
	Referenced   *xReferencedSG `xml:"referencedGroupInfo,omitempty"`
	Description  string         `xml:"description,omitempty"`
	Tags         []xTag         `xml:"tagSet>item"`
	ARN          string         `xml:"securityGroupRuleArn"`
}

type xReferencedSG struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

func (r *ec2Region) xRule(c *call, g *ec2Group, rl *ec2Rule) xRule {
	x := xRule{
		ID: rl.ID, GroupID: g.ID, GroupOwnerID: r.Account, IsEgress: rl.Egress, IPProtocol: rl.Protocol,
		FromPort: rl.FromPort, ToPort: rl.ToPort, CidrIPv4: rl.CidrIPv4, CidrIPv6: rl.CidrIPv6, PrefixListID: rl.PrefixListID,
		Description: rl.Description, Tags: r.tagSet(rl.ID), ARN: r.arn(c, "security-group-rule/"+rl.ID),
	}
	if rl.RefGroupID != "" {
		x.Referenced = &xReferencedSG{rl.RefGroupID, rl.RefUserID}
	}
	return x
}

// trailRule is a rule as CloudTrail writes it in securityGroupRuleSet.
func (r *ec2Region) trailRule(g *ec2Group, rl *ec2Rule) map[string]any {
	m := map[string]any{
		"groupOwnerId": r.Account, "groupId": g.ID, "securityGroupRuleId": rl.ID, "isEgress": rl.Egress,
		"ipProtocol": rl.Protocol, "fromPort": rl.FromPort, "toPort": rl.ToPort,
	}
	switch {
	case rl.CidrIPv4 != "":
		m["cidrIpv4"] = rl.CidrIPv4
	case rl.CidrIPv6 != "":
		m["cidrIpv6"] = rl.CidrIPv6
	case rl.PrefixListID != "":
		m["prefixListId"] = rl.PrefixListID
	case rl.RefGroupID != "":
		m["referencedGroupInfo"] = map[string]any{"groupId": rl.RefGroupID, "userId": rl.RefUserID}
	}
	if rl.Description != "" {
		m["description"] = rl.Description
	}
	return m
}

// Filters.

type ec2Filter struct {
	Name   string
	Values []string
}

func ec2Filters(in url.Values, allowed ...string) ([]ec2Filter, error) {
	var out []ec2Filter
	for _, f := range queryStructs(in, "Filter") {
		name := f.Get("Name")
		if name == "" {
			return nil, errMissingParameter("Filter.Name")
		}
		ok := strings.HasPrefix(name, "tag:") || name == "tag-key" || name == "tag-value"
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return nil, errEC2Value("The filter '%s' is invalid", name)
		}
		out = append(out, ec2Filter{name, queryList(f, "Value")})
	}
	return out, nil
}

// matchFilters reports whether a resource whose filterable values attr
// returns matches every filter (any of a filter's values; * and ? are
// wildcards). Tag filters are answered from the resource's tags.
func (r *ec2Region) matchFilters(id string, filters []ec2Filter, attr func(name string) []string) bool {
	for _, f := range filters {
		var have []string
		switch {
		case strings.HasPrefix(f.Name, "tag:"):
			if v, ok := r.Tags[id][strings.TrimPrefix(f.Name, "tag:")]; ok {
				have = []string{v}
			}
		case f.Name == "tag-key":
			have = sortedKeys(r.Tags[id])
		case f.Name == "tag-value":
			for _, v := range r.Tags[id] {
				have = append(have, v)
			}
		default:
			have = attr(f.Name)
		}
		if !anyGlob(f.Values, have) {
			return false
		}
	}
	return true
}

func anyGlob(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if glob(p, v) {
				return true
			}
		}
	}
	return false
}

// glob matches s against a pattern where * is any run of characters and ?
// any one character.
func glob(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if glob(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			p, s = p[1:], s[1:]
		default:
			if s == "" || p[0] != s[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}

func boolStr(b bool) string { return strconv.FormatBool(b) }

// idSet returns the IDs of a list parameter as a set, or nil if none.
func idSet(ids []string) map[string]bool {
	if len(ids) == 0 {
		return nil
	}
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// selectIDs returns the keys of m in creation order restricted to ids (all
// if ids is empty), or the not-found error for the first missing ID.
func selectIDs[V any](m map[string]V, ids []string, seq func(V) int, kind string) ([]V, error) {
	var out []V
	if len(ids) > 0 {
		seen := map[string]bool{}
		for _, id := range ids {
			v, ok := m[id]
			if !ok {
				return nil, errEC2NotFound(kind, id)
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, v)
			}
		}
	} else {
		for _, v := range m {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return seq(out[i]) < seq(out[j]) })
	return out, nil
}

// ec2Kind says how a Describe call selects resources of one kind.
type ec2Kind[V any] struct {
	idParam string   // the list parameter that names resources, as "VpcId"
	kind    string   // the resource kind of the not-found error
	filters []string // the filter names it takes beyond the tag filters
	id      func(V) string
	seq     func(V) int
	attr    func(v V, filter string) []string // v's values for a filter
	// narrow, if set, further restricts the resources the ID parameter
	// selects before the filters apply.
	narrow func(vs []V) ([]V, error)
}

// describe returns, in creation order, the resources of m that the kind's
// ID parameter names (all if none) and that match the request's filters.
func (k ec2Kind[V]) describe(r *ec2Region, in url.Values, m map[string]V) ([]V, error) {
	filters, err := ec2Filters(in, k.filters...)
	if err != nil {
		return nil, err
	}
	vs, err := selectIDs(m, queryList(in, k.idParam), k.seq, k.kind)
	if err != nil {
		return nil, err
	}
	if k.narrow != nil {
		if vs, err = k.narrow(vs); err != nil {
			return nil, err
		}
	}
	var out []V
	for _, v := range vs {
		if r.matchFilters(k.id(v), filters, func(name string) []string { return k.attr(v, name) }) {
			out = append(out, v)
		}
	}
	return out, nil
}

// mapAll returns f of each of vs, or nil if vs is empty.
func mapAll[V, X any](vs []V, f func(V) X) []X {
	var out []X
	for _, v := range vs {
		out = append(out, f(v))
	}
	return out
}

// lookupParam returns the resource of m that the required parameter param
// names, or the not-found error for kind.
func lookupParam[V comparable](in url.Values, param string, m map[string]V, kind string) (V, error) {
	var zero V
	id, err := required(in, param)
	if err != nil {
		return zero, err
	}
	v := m[id]
	if v == zero {
		return zero, errEC2NotFound(kind, id)
	}
	return v, nil
}

// Tags.

// tagSpecs returns the tags of TagSpecification.N for resourceType.
func tagSpecs(in url.Values, resourceType string) (map[string]string, error) {
	out := map[string]string{}
	for _, spec := range queryStructs(in, "TagSpecification") {
		if spec.Get("ResourceType") != resourceType {
			continue
		}
		for _, t := range queryStructs(spec, "Tag") {
			k := t.Get("Key")
			if err := checkTagKey(k); err != nil {
				return nil, err
			}
			out[k] = t.Get("Value")
		}
	}
	return out, nil
}

// checkTagSpecTypes refuses tag specifications for resource types the
// operation does not create.
func checkTagSpecTypes(in url.Values, allowed ...string) error {
	for _, spec := range queryStructs(in, "TagSpecification") {
		rt := spec.Get("ResourceType")
		ok := false
		for _, a := range allowed {
			ok = ok || a == rt
		}
		if !ok {
			return errEC2Value("'%s' is not a valid taggable resource type for this operation.", rt)
		}
	}
	return nil
}

func checkTagKey(k string) error {
	if k == "" {
		return errEC2Value("Tag key must not be empty")
	}
	if len(k) > 128 {
		return errEC2Value("Tag key exceeds the maximum length of 128 characters")
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return ec2Err("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
	}
	return nil
}

func (r *ec2Region) setTags(id string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	cur := r.Tags[id]
	if cur == nil {
		cur = map[string]string{}
	}
	n := len(cur)
	for k := range tags {
		if _, ok := cur[k]; !ok {
			n++
		}
	}
	if n > 50 {
		return ec2Err("TagLimitExceeded", "The maximum number of Tags for resource '%s' has been reached.", id)
	}
	for k, v := range tags {
		cur[k] = v
	}
	r.Tags[id] = cur
	return nil
}

// resourceType returns the kind of a resource ID and whether it exists.
func (r *ec2Region) resourceType(id string) (string, bool) {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "vpc":
		return "vpc", r.VPCs[id] != nil
	case "subnet":
		return "subnet", r.Subnets[id] != nil
	case "sg":
		return "security-group", r.Groups[id] != nil
	case "sgr":
		_, rl := r.findRule(id)
		return "security-group-rule", rl != nil
	case "igw":
		return "internet-gateway", r.IGWs[id] != nil
	case "vol":
		v := r.Volumes[id]
		return "volume", v != nil && !v.Deleted
	case "snap":
		return "snapshot", r.Snapshots[id] != nil
	case "i":
		return "instance", r.Instances[id] != nil
	case "eni":
		return "network-interface", r.enis()[id] != nil
	case "fl":
		return "vpc-flow-log", r.net().FlowLogs[id] != nil
	case "tgw":
		return "transit-gateway", r.net().TGWs[id] != nil
	case "vpce":
		return "vpc-endpoint", r.net().Endpoints[id] != nil
	case "acl":
		return "network-acl", r.net().ACLs[id] != nil
	case "lt":
		return "launch-template", r.launchTemplates()[id] != nil
	}
	return "", false
}

func (svc *ec2Service) createTags(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	ids := queryList(in, "ResourceId")
	if len(ids) == 0 {
		return nil, errMissingParameter("ResourceId")
	}
	tags := map[string]string{}
	var trailTags []any
	for _, t := range queryStructs(in, "Tag") {
		k := t.Get("Key")
		if err := checkTagKey(k); err != nil {
			return nil, err
		}
		tags[k] = t.Get("Value")
		trailTags = append(trailTags, map[string]any{"key": k, "value": t.Get("Value")})
	}
	if len(tags) == 0 {
		return nil, errMissingParameter("Tag")
	}
	for _, id := range ids {
		kind, ok := r.resourceType(id)
		if !ok {
			return nil, errEC2NotFound(kind, id)
		}
	}
	for _, id := range ids {
		if err := r.setTags(id, tags); err != nil {
			return nil, err
		}
	}
	var res []any
	for _, id := range ids {
		res = append(res, map[string]any{"resourceId": id})
	}
	c.trailParams = map[string]any{"resourcesSet": map[string]any{"items": res}, "tagSet": map[string]any{"items": trailTags}}
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true}
	return xReturn{true}, nil
}

type xReturn struct {
	Return bool `xml:"return"`
}

func (svc *ec2Service) deleteTags(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	ids := queryList(in, "ResourceId")
	if len(ids) == 0 {
		return nil, errMissingParameter("ResourceId")
	}
	specs := queryStructs(in, "Tag")
	for _, id := range ids {
		if kind, ok := r.resourceType(id); !ok {
			return nil, errEC2NotFound(kind, id)
		}
	}
	for _, id := range ids {
		cur := r.Tags[id]
		if len(specs) == 0 {
			delete(r.Tags, id)
			continue
		}
		for _, t := range specs {
			k := t.Get("Key")
			if v, ok := cur[k]; ok {
				if _, hasValue := t["Value"]; !hasValue || v == t.Get("Value") {
					delete(cur, k)
				}
			}
		}
		if len(cur) == 0 {
			delete(r.Tags, id)
		}
	}
	return xReturn{true}, nil
}

func (svc *ec2Service) describeTags(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	filters, err := ec2Filters(in, "resource-id", "resource-type", "key", "value")
	if err != nil {
		return nil, err
	}
	type item struct {
		ResourceID   string `xml:"resourceId"`
		ResourceType string `xml:"resourceType"`
		Key          string `xml:"key"`
		Value        string `xml:"value"`
	}
	var items []item
	for _, id := range sortedKeys(r.Tags) {
		kind, _ := r.resourceType(id)
		for _, k := range sortedKeys(r.Tags[id]) {
			it := item{id, kind, k, r.Tags[id][k]}
			ok := true
			for _, f := range filters {
				var have string
				switch f.Name {
				case "resource-id":
					have = id
				case "resource-type":
					have = kind
				case "key", "tag-key":
					have = k
				case "value", "tag-value":
					have = it.Value
				default:
					ok = ok && r.matchFilters(id, []ec2Filter{f}, nil)
					continue
				}
				ok = ok && anyGlob(f.Values, []string{have})
			}
			if ok {
				items = append(items, it)
			}
		}
	}
	return struct {
		Items []item `xml:"tagSet>item"`
	}{items}, nil
}

// VPCs and subnets.

func parseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, errEC2Value("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", s)
	}
	return p.Masked(), nil
}

func overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

func (svc *ec2Service) createVpc(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	cidr, err := required(in, "CidrBlock")
	if err != nil {
		return nil, err
	}
	p, err := parseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	if p.Bits() < 16 || p.Bits() > 28 {
		return nil, ec2Err("InvalidVpc.Range", "The CIDR '%s' is invalid.", cidr)
	}
	if err := checkTagSpecTypes(in, "vpc"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "vpc")
	if err != nil {
		return nil, err
	}
	v := r.newVPC(c, p.String(), false)
	if err := r.setTags(v.ID, tags); err != nil {
		return nil, err
	}
	return struct {
		VPC xVPC `xml:"vpc"`
	}{r.xVPC(v)}, nil
}

// newVPC creates a VPC and its default security group.
func (r *ec2Region) newVPC(c *call, cidr string, isDefault bool) *ec2VPC {
	v := &ec2VPC{ID: c.newID("vpc-", 17), CIDR: cidr, DHCPOptionsID: "dopt-" + strings.Repeat("0", 9) + "1", IsDefault: isDefault, Seq: r.next()}
	r.VPCs[v.ID] = v
	g := &ec2Group{ID: c.newID("sg-", 17), Name: "default", Description: "default VPC security group", VPCID: v.ID, Seq: r.next()}
	g.Rules = []*ec2Rule{
		{ID: c.newID("sgr-", 17), Protocol: "-1", FromPort: -1, ToPort: -1, RefGroupID: g.ID, RefUserID: r.Account},
		{ID: c.newID("sgr-", 17), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"},
	}
	r.Groups[g.ID] = g
	r.newNetworkACL(c, v.ID, true)
	return v
}

func (svc *ec2Service) createDefaultVpc(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	if r.defaultVPC() != nil {
		return nil, ec2Err("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")
	}
	v := r.newVPC(c, "172.31.0.0/16", true)
	v.DNSHostnames = true
	for i, az := range []string{"a", "b", "c"} {
		sn := &ec2Subnet{ID: c.newID("subnet-", 17), VPCID: v.ID, CIDR: fmt.Sprintf("172.31.%d.0/20", i*16), AZ: c.region + az,
			DefaultForAZ: true, MapPublicIP: true, Seq: r.next()}
		r.Subnets[sn.ID] = sn
	}
	igw := &ec2IGW{ID: c.newID("igw-", 17), VPCID: v.ID, Seq: r.next()}
	r.IGWs[igw.ID] = igw
	return struct {
		VPC xVPC `xml:"vpc"`
	}{r.xVPC(v)}, nil
}

func (r *ec2Region) defaultVPC() *ec2VPC {
	for _, v := range r.VPCs {
		if v.IsDefault {
			return v
		}
	}
	return nil
}

func (svc *ec2Service) describeVpcs(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	vpcs, err := ec2Kind[*ec2VPC]{
		idParam: "VpcId", kind: "vpc",
		filters: []string{"vpc-id", "cidr", "cidr-block-association.cidr-block", "is-default", "state", "owner-id", "dhcp-options-id"},
		id:      func(v *ec2VPC) string { return v.ID },
		seq:     func(v *ec2VPC) int { return v.Seq },
		attr: func(v *ec2VPC, name string) []string {
			switch name {
			case "vpc-id":
				return []string{v.ID}
			case "cidr", "cidr-block-association.cidr-block":
				return []string{v.CIDR}
			case "is-default":
				return []string{boolStr(v.IsDefault)}
			case "state":
				return []string{"available"}
			case "owner-id":
				return []string{r.Account}
			case "dhcp-options-id":
				return []string{v.DHCPOptionsID}
			}
			return nil
		},
	}.describe(r, in, r.VPCs)
	if err != nil {
		return nil, err
	}
	return struct {
		VPCs []xVPC `xml:"vpcSet>item"`
	}{mapAll(vpcs, r.xVPC)}, nil
}

func (svc *ec2Service) deleteVpc(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	v, err := lookupParam(in, "VpcId", r.VPCs, "vpc")
	if err != nil {
		return nil, err
	}
	id := v.ID
	dep := ec2Err("DependencyViolation", "The vpc '%s' has dependencies and cannot be deleted.", id)
	for _, sn := range r.Subnets {
		if sn.VPCID == id {
			return nil, dep
		}
	}
	for _, g := range r.IGWs {
		if g.VPCID == id {
			return nil, dep
		}
	}
	for _, in := range r.Instances {
		if in.VPCID == id && in.State != "terminated" {
			return nil, dep
		}
	}
	for _, g := range r.Groups {
		if g.VPCID == id && g.Name != "default" {
			return nil, dep
		}
	}
	if r.vpcHasNetworkDependencies(id) {
		return nil, dep
	}
	for gid, g := range r.Groups {
		if g.VPCID == id {
			delete(r.Groups, gid)
			r.dropTags(gid)
		}
	}
	r.dropVPCNetwork(id)
	delete(r.VPCs, id)
	r.dropTags(id)
	return xReturn{true}, nil
}

func (r *ec2Region) dropTags(id string) { delete(r.Tags, id) }

func (svc *ec2Service) createSubnet(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	vpcID, err := required(in, "VpcId")
	if err != nil {
		return nil, err
	}
	cidr, err := required(in, "CidrBlock")
	if err != nil {
		return nil, err
	}
	v := r.VPCs[vpcID]
	if v == nil {
		return nil, errEC2NotFound("vpc", vpcID)
	}
	p, err := parseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	vp, _ := netip.ParsePrefix(v.CIDR)
	if p.Bits() < vp.Bits() || p.Bits() > 28 || !vp.Contains(p.Addr()) {
		return nil, ec2Err("InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	}
	for _, sn := range r.Subnets {
		if sn.VPCID != vpcID {
			continue
		}
		if sp, _ := netip.ParsePrefix(sn.CIDR); overlaps(sp, p) {
			return nil, ec2Err("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	az := in.Get("AvailabilityZone")
	if az == "" {
		az = c.region + "a"
	}
	if !strings.HasPrefix(az, c.region) || len(az) != len(c.region)+1 {
		return nil, errEC2Value("Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %sa, %sb, %sc.", az, c.region, c.region, c.region)
	}
	if err := checkTagSpecTypes(in, "subnet"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "subnet")
	if err != nil {
		return nil, err
	}
	sn := &ec2Subnet{ID: c.newID("subnet-", 17), VPCID: vpcID, CIDR: p.String(), AZ: az, Seq: r.next()}
	r.Subnets[sn.ID] = sn
	if err := r.setTags(sn.ID, tags); err != nil {
		return nil, err
	}
	return struct {
		Subnet xSubnet `xml:"subnet"`
	}{r.xSubnet(c, sn)}, nil
}

func (svc *ec2Service) describeSubnets(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	subnets, err := ec2Kind[*ec2Subnet]{
		idParam: "SubnetId", kind: "subnet",
		filters: []string{"subnet-id", "vpc-id", "availability-zone", "cidr-block", "cidr", "default-for-az", "state", "owner-id", "map-public-ip-on-launch"},
		id:      func(sn *ec2Subnet) string { return sn.ID },
		seq:     func(sn *ec2Subnet) int { return sn.Seq },
		attr: func(sn *ec2Subnet, name string) []string {
			switch name {
			case "subnet-id":
				return []string{sn.ID}
			case "vpc-id":
				return []string{sn.VPCID}
			case "availability-zone":
				return []string{sn.AZ}
			case "cidr-block", "cidr":
				return []string{sn.CIDR}
			case "default-for-az":
				return []string{boolStr(sn.DefaultForAZ)}
			case "map-public-ip-on-launch":
				return []string{boolStr(sn.MapPublicIP)}
			case "state":
				return []string{"available"}
			case "owner-id":
				return []string{r.Account}
			}
			return nil
		},
	}.describe(r, in, r.Subnets)
	if err != nil {
		return nil, err
	}
	return struct {
		Subnets []xSubnet `xml:"subnetSet>item"`
	}{mapAll(subnets, func(sn *ec2Subnet) xSubnet { return r.xSubnet(c, sn) })}, nil
}

func (svc *ec2Service) deleteSubnet(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	sn, err := lookupParam(in, "SubnetId", r.Subnets, "subnet")
	if err != nil {
		return nil, err
	}
	id := sn.ID
	for _, inst := range r.Instances {
		if inst.SubnetID == id && inst.State != "terminated" {
			return nil, ec2Err("DependencyViolation", "The subnet '%s' has dependencies and cannot be deleted.", id)
		}
	}
	for _, e := range r.enis() {
		if e.SubnetID == id {
			return nil, ec2Err("DependencyViolation", "The subnet '%s' has dependencies and cannot be deleted.", id)
		}
	}
	delete(r.Subnets, id)
	r.dropTags(id)
	return xReturn{true}, nil
}

// Security groups.

func (svc *ec2Service) createSecurityGroup(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	name, err := required(in, "GroupName")
	if err != nil {
		return nil, err
	}
	desc, err := required(in, "GroupDescription")
	if err != nil {
		return nil, err
	}
	if len(name) > 255 || strings.HasPrefix(strings.ToLower(name), "sg-") {
		return nil, errEC2Value("Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	}
	if len(desc) > 255 {
		return nil, errEC2Value("Value for parameter GroupDescription is invalid: it exceeds 255 characters.")
	}
	vpcID := in.Get("VpcId")
	if vpcID == "" {
		dv := r.defaultVPC()
		if dv == nil {
			return nil, ec2Err("VPCIdNotSpecified", "No default VPC for this user")
		}
		vpcID = dv.ID
	}
	if r.VPCs[vpcID] == nil {
		return nil, errEC2NotFound("vpc", vpcID)
	}
	for _, g := range r.Groups {
		if g.VPCID == vpcID && g.Name == name {
			return nil, ec2Err("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vpcID)
		}
	}
	if err := checkTagSpecTypes(in, "security-group"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "security-group")
	if err != nil {
		return nil, err
	}
	g := &ec2Group{ID: c.newID("sg-", 17), Name: name, Description: desc, VPCID: vpcID, Seq: r.next()}
	g.Rules = []*ec2Rule{{ID: c.newID("sgr-", 17), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}}
	r.Groups[g.ID] = g
	if err := r.setTags(g.ID, tags); err != nil {
		return nil, err
	}
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true, "groupId": g.ID}
	return struct {
		Return  bool   `xml:"return"`
		GroupID string `xml:"groupId"`
		ARN     string `xml:"securityGroupArn"`
		Tags    []xTag `xml:"tagSet>item"`
	}{true, g.ID, r.arn(c, "security-group/"+g.ID), r.tagSet(g.ID)}, nil
}

func (svc *ec2Service) describeSecurityGroups(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	groups, err := ec2Kind[*ec2Group]{
		idParam: "GroupId", kind: "security-group",
		filters: []string{"group-id", "group-name", "vpc-id", "description", "owner-id",
			"ip-permission.cidr", "ip-permission.from-port", "ip-permission.to-port", "ip-permission.protocol",
			"ip-permission.ipv6-cidr", "ip-permission.group-id", "egress.ip-permission.cidr"},
		id:  func(g *ec2Group) string { return g.ID },
		seq: func(g *ec2Group) int { return g.Seq },
		// GroupName names groups of the default VPC only; groups of other
		// VPCs are found by the group-name filter.
		narrow: func(groups []*ec2Group) ([]*ec2Group, error) {
			names := queryList(in, "GroupName")
			if len(names) == 0 {
				return groups, nil
			}
			var byName []*ec2Group
			dv := r.defaultVPC()
			for _, n := range names {
				found := false
				for _, g := range groups {
					if g.Name == n && dv != nil && g.VPCID == dv.ID {
						byName = append(byName, g)
						found = true
					}
				}
				if !found {
					return nil, errEC2NotFound("security-group", n)
				}
			}
			return byName, nil
		},
		attr: func(g *ec2Group, name string) []string {
			var vals []string
			ruleVals := func(egress bool, f func(*ec2Rule) string) []string {
				for _, rl := range g.Rules {
					if rl.Egress == egress {
						if v := f(rl); v != "" {
							vals = append(vals, v)
						}
					}
				}
				return vals
			}
			switch name {
			case "group-id":
				return []string{g.ID}
			case "group-name":
				return []string{g.Name}
			case "vpc-id":
				return []string{g.VPCID}
			case "description":
				return []string{g.Description}
			case "owner-id":
				return []string{r.Account}
			case "ip-permission.cidr":
				return ruleVals(false, func(rl *ec2Rule) string { return rl.CidrIPv4 })
			case "egress.ip-permission.cidr":
				return ruleVals(true, func(rl *ec2Rule) string { return rl.CidrIPv4 })
			case "ip-permission.ipv6-cidr":
				return ruleVals(false, func(rl *ec2Rule) string { return rl.CidrIPv6 })
			case "ip-permission.group-id":
				return ruleVals(false, func(rl *ec2Rule) string { return rl.RefGroupID })
			case "ip-permission.protocol":
				return ruleVals(false, func(rl *ec2Rule) string { return rl.Protocol })
			case "ip-permission.from-port":
				return ruleVals(false, func(rl *ec2Rule) string { return strconv.Itoa(rl.FromPort) })
			case "ip-permission.to-port":
				return ruleVals(false, func(rl *ec2Rule) string { return strconv.Itoa(rl.ToPort) })
			}
			return nil
		},
	}.describe(r, in, r.Groups)
	if err != nil {
		return nil, err
	}
	return struct {
		Groups []xSecurityGroup `xml:"securityGroupInfo>item"`
	}{mapAll(groups, func(g *ec2Group) xSecurityGroup { return r.xGroup(c, g) })}, nil
}

// group returns the group named by GroupId, or by GroupName in the default
// VPC.
func (r *ec2Region) group(in url.Values) (*ec2Group, error) {
	if id := in.Get("GroupId"); id != "" {
		g := r.Groups[id]
		if g == nil {
			return nil, errEC2NotFound("security-group", id)
		}
		return g, nil
	}
	name := in.Get("GroupName")
	if name == "" {
		return nil, errMissingParameter("GroupId")
	}
	dv := r.defaultVPC()
	for _, g := range r.Groups {
		if g.Name == name && dv != nil && g.VPCID == dv.ID {
			return g, nil
		}
	}
	return nil, errEC2NotFound("security-group", name)
}

func (svc *ec2Service) deleteSecurityGroup(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	g, err := r.group(in)
	if err != nil {
		return nil, err
	}
	if g.Name == "default" {
		return nil, ec2Err("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.ID)
	}
	for _, e := range r.enis() {
		for _, gid := range e.Groups {
			if gid == g.ID {
				return nil, ec2Err("DependencyViolation", "resource %s has a dependent object", g.ID)
			}
		}
	}
	for _, other := range r.Groups {
		if other.ID == g.ID {
			continue
		}
		for _, rl := range other.Rules {
			if rl.RefGroupID == g.ID {
				return nil, ec2Err("DependencyViolation", "resource %s has a dependent object", g.ID)
			}
		}
	}
	for _, rl := range g.Rules {
		r.dropTags(rl.ID)
	}
	delete(r.Groups, g.ID)
	r.dropTags(g.ID)
	c.trailParams = map[string]any{"groupId": g.ID}
	return struct {
		Return  bool   `xml:"return"`
		GroupID string `xml:"groupId"`
	}{true, g.ID}, nil
}

// ec2Permission is one IpPermissions entry of a request, expanded into
// rules, with the CloudTrail form of it.
type ec2Permission struct {
	rules []*ec2Rule
	trail map[string]any
	x     xIPPermission
}

// normalizeProtocol returns EC2's name for an IP protocol.
func normalizeProtocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "-1", "all":
		return "-1", nil
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "icmpv6", "58":
		return "icmpv6", nil
	case "":
		return "", errMissingParameter("IpPermissions.IpProtocol")
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 {
		return "", errEC2Value("Invalid value '%s' for IP protocol. Unknown protocol.", p)
	}
	return strconv.Itoa(n), nil
}

// ports returns the port range a rule stores for proto.
func ports(proto, from, to string) (int, int, error) {
	parse := func(s string) (int, bool, error) {
		if s == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, true, errEC2Value("Invalid value '%s' for port.", s)
		}
		return n, true, nil
	}
	f, hasF, err := parse(from)
	if err != nil {
		return 0, 0, err
	}
	t, hasT, err := parse(to)
	if err != nil {
		return 0, 0, err
	}
	switch proto {
	case "tcp", "udp":
		if !hasF || !hasT {
			return 0, 0, errEC2Value("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange")
		}
		if f < 0 || t > 65535 || f > t {
			return 0, 0, ec2Err("InvalidParameterValue", "Invalid port range %d-%d", f, t)
		}
		return f, t, nil
	case "icmp", "icmpv6":
		if !hasF {
			f = -1
		}
		if !hasT {
			t = -1
		}
		if f < -1 || f > 255 || t < -1 || t > 255 {
			return 0, 0, errEC2Value("Invalid value for ICMP type %d / code %d", f, t)
		}
		return f, t, nil
	default:
		return -1, -1, nil
	}
}

// parsePermissions reads IpPermissions.N of a request (or the legacy
// top-level CidrIp/IpProtocol/FromPort/ToPort) into rules of group g.
func (r *ec2Region) parsePermissions(in url.Values, g *ec2Group, egress bool) ([]ec2Permission, error) {
	perms := queryStructs(in, "IpPermissions")
	if len(perms) == 0 && in.Get("IpProtocol") != "" {
		p := url.Values{}
		for _, k := range []string{"IpProtocol", "FromPort", "ToPort"} {
			if v, ok := in[k]; ok {
				p[k] = v
			}
		}
		if cidr := in.Get("CidrIp"); cidr != "" {
			p.Set("IpRanges.1.CidrIp", cidr)
		}
		if src := in.Get("SourceSecurityGroupName"); src != "" {
			p.Set("Groups.1.GroupName", src)
			p.Set("Groups.1.UserId", in.Get("SourceSecurityGroupOwnerId"))
		}
		perms = []url.Values{p}
	}
	var out []ec2Permission
	for _, p := range perms {
		proto, err := normalizeProtocol(p.Get("IpProtocol"))
		if err != nil {
			return nil, err
		}
		from, to, err := ports(proto, p.Get("FromPort"), p.Get("ToPort"))
		if err != nil {
			return nil, err
		}
		ep := ec2Permission{x: xIPPermission{IPProtocol: p.Get("IpProtocol")}}
		tr := map[string]any{"ipProtocol": p.Get("IpProtocol")}
		if v := p.Get("FromPort"); v != "" {
			n, _ := strconv.Atoi(v)
			tr["fromPort"] = n
			ep.x.FromPort = &n
		}
		if v := p.Get("ToPort"); v != "" {
			n, _ := strconv.Atoi(v)
			tr["toPort"] = n
			ep.x.ToPort = &n
		}
		newRule := func() *ec2Rule {
			return &ec2Rule{Egress: egress, Protocol: proto, FromPort: from, ToPort: to}
		}
		var trGroups, tr4, tr6, trPL []any
		for _, ipr := range queryStructs(p, "IpRanges") {
			cidr := ipr.Get("CidrIp")
			pfx, err := netip.ParsePrefix(cidr)
			if err != nil || !pfx.Addr().Is4() {
				return nil, errEC2Value("CIDR block %s is malformed", cidr)
			}
			rl := newRule()
			rl.CidrIPv4, rl.Description = pfx.Masked().String(), ipr.Get("Description")
			ep.rules = append(ep.rules, rl)
			ep.x.IPRanges = append(ep.x.IPRanges, xIPRange{cidr, rl.Description})
			tr4 = append(tr4, withDescription(map[string]any{"cidrIp": cidr}, rl.Description))
		}
		for _, ipr := range queryStructs(p, "Ipv6Ranges") {
			cidr := ipr.Get("CidrIpv6")
			pfx, err := netip.ParsePrefix(cidr)
			if err != nil || !pfx.Addr().Is6() {
				return nil, errEC2Value("CIDR block %s is malformed", cidr)
			}
			rl := newRule()
			rl.CidrIPv6, rl.Description = pfx.Masked().String(), ipr.Get("Description")
			ep.rules = append(ep.rules, rl)
			ep.x.IPv6Ranges = append(ep.x.IPv6Ranges, xIPv6Range{cidr, rl.Description})
			tr6 = append(tr6, withDescription(map[string]any{"cidrIpv6": cidr}, rl.Description))
		}
		for _, pl := range queryStructs(p, "PrefixListIds") {
			id := pl.Get("PrefixListId")
			if !strings.HasPrefix(id, "pl-") {
				return nil, ec2Err("InvalidPrefixListId.Malformed", "The prefix list ID '%s' is malformed", id)
			}
			rl := newRule()
			rl.PrefixListID, rl.Description = id, pl.Get("Description")
			ep.rules = append(ep.rules, rl)
			ep.x.PrefixListIDs = append(ep.x.PrefixListIDs, xPrefixList{id, rl.Description})
			trPL = append(trPL, withDescription(map[string]any{"prefixListId": id}, rl.Description))
		}
		for _, pair := range queryStructs(p, "Groups") {
			ref := r.Groups[pair.Get("GroupId")]
			if pair.Get("GroupId") == "" && pair.Get("GroupName") != "" {
				for _, cand := range r.Groups {
					if cand.Name == pair.Get("GroupName") && cand.VPCID == g.VPCID {
						ref = cand
					}
				}
			}
			if ref == nil {
				id := pair.Get("GroupId")
				if id == "" {
					id = pair.Get("GroupName")
				}
				return nil, errEC2NotFound("security-group", id)
			}
			user := pair.Get("UserId")
			if user == "" {
				user = r.Account
			}
			rl := newRule()
			rl.RefGroupID, rl.RefUserID, rl.Description = ref.ID, user, pair.Get("Description")
			ep.rules = append(ep.rules, rl)
			ep.x.Groups = append(ep.x.Groups, xGroupPair{UserID: pair.Get("UserId"), GroupID: pair.Get("GroupId"), GroupName: pair.Get("GroupName"), Description: rl.Description})
			trGroups = append(trGroups, withDescription(map[string]any{"groupId": ref.ID, "userId": user}, rl.Description))
		}
		if len(ep.rules) == 0 {
			return nil, ec2Err("MissingParameter", "Either 'ipRanges', 'ipv6Ranges', 'prefixListIds' or 'groups' must be specified for each IpPermission.")
		}
		tr["groups"] = trailItems(trGroups)
		tr["ipRanges"] = trailItems(tr4)
		tr["ipv6Ranges"] = trailItems(tr6)
		tr["prefixListIds"] = trailItems(trPL)
		ep.trail = tr
		out = append(out, ep)
	}
	if len(out) == 0 {
		return nil, errMissingParameter("IpPermissions")
	}
	return out, nil
}

func withDescription(m map[string]any, d string) map[string]any {
	if d != "" {
		m["description"] = d
	}
	return m
}

// trailItems is CloudTrail's form of a list: {"items": [...]}, or {} when
// empty.
func trailItems(items []any) map[string]any {
	if len(items) == 0 {
		return map[string]any{}
	}
	return map[string]any{"items": items}
}

// sameRule reports whether a and b are the same rule: direction,
// protocol, ports and peer.
func sameRule(a, b *ec2Rule) bool {
	return a.Egress == b.Egress && a.Protocol == b.Protocol && a.FromPort == b.FromPort && a.ToPort == b.ToPort &&
		a.CidrIPv4 == b.CidrIPv4 && a.CidrIPv6 == b.CidrIPv6 && a.PrefixListID == b.PrefixListID && a.RefGroupID == b.RefGroupID
}

func describeRule(rl *ec2Rule) string {
	peer := rl.CidrIPv4 + rl.CidrIPv6 + rl.PrefixListID + rl.RefGroupID
	proto := strings.ToUpper(rl.Protocol)
	if rl.Protocol == "-1" {
		proto = "ALL"
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", peer, proto, rl.FromPort, rl.ToPort)
}

func (svc *ec2Service) authorize(egress bool) queryHandler {
	return func(c *call, in url.Values) (any, error) {
		r := svc.region(c)
		g, err := r.group(in)
		if err != nil {
			return nil, err
		}
		if egress && in.Get("GroupId") == "" {
			return nil, errMissingParameter("GroupId")
		}
		perms, err := r.parsePermissions(in, g, egress)
		if err != nil {
			return nil, err
		}
		var added []*ec2Rule
		for _, p := range perms {
			for _, rl := range p.rules {
				for _, have := range append(g.Rules, added...) {
					if sameRule(have, rl) {
						return nil, ec2Err("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", describeRule(rl))
					}
				}
				added = append(added, rl)
			}
		}
		if len(g.Rules)+len(added) > 120 {
			return nil, ec2Err("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
		}
		tags, err := tagSpecs(in, "security-group-rule")
		if err != nil {
			return nil, err
		}
		var xs []xRule
		var trailRules, trailPerms []any
		for _, rl := range added {
			rl.ID = c.newID("sgr-", 17)
			g.Rules = append(g.Rules, rl)
			if err := r.setTags(rl.ID, tags); err != nil {
				return nil, err
			}
			xs = append(xs, r.xRule(c, g, rl))
			trailRules = append(trailRules, r.trailRule(g, rl))
		}
		for _, p := range perms {
			trailPerms = append(trailPerms, p.trail)
		}
		c.trailParams = map[string]any{"groupId": g.ID, "ipPermissions": map[string]any{"items": trailPerms}}
		c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true, "securityGroupRuleSet": map[string]any{"items": trailRules}}
		return struct {
			Return bool    `xml:"return"`
			Rules  []xRule `xml:"securityGroupRuleSet>item"`
		}{true, xs}, nil
	}
}

type xRevokedRule struct {
	ID           string `xml:"securityGroupRuleId"`
	GroupID      string `xml:"groupId"`
	IsEgress     bool   `xml:"isEgress"`
	IPProtocol   string `xml:"ipProtocol"`
	FromPort     int    `xml:"fromPort"`
	ToPort       int    `xml:"toPort"`
	CidrIPv4     string `xml:"cidrIpv4,omitempty"`
	CidrIPv6     string `xml:"cidrIpv6,omitempty"`
	PrefixListID string `xml:"prefixListId,omitempty"`
	RefGroupID   string `xml:"referencedGroupId,omitempty"`
	Description  string `xml:"description,omitempty"`
}

func (svc *ec2Service) revoke(egress bool) queryHandler {
	return func(c *call, in url.Values) (any, error) {
		r := svc.region(c)
		g, err := r.group(in)
		if err != nil {
			return nil, err
		}
		var remove []*ec2Rule
		var unknown []xIPPermission
		params := map[string]any{"groupId": g.ID}
		if ids := queryList(in, "SecurityGroupRuleId"); len(ids) > 0 {
			if len(queryStructs(in, "IpPermissions")) > 0 {
				return nil, ec2Err("InvalidParameterCombination", "You may specify either security group rule IDs or IP permissions, but not both.")
			}
			var items []any
			for _, id := range ids {
				var found *ec2Rule
				for _, rl := range g.Rules {
					if rl.ID == id && rl.Egress == egress {
						found = rl
					}
				}
				if found == nil {
					return nil, errEC2NotFound("security-group-rule", id)
				}
				remove = append(remove, found)
				items = append(items, map[string]any{"securityGroupRuleId": id})
			}
			params["securityGroupRuleIds"] = map[string]any{"items": items}
		} else {
			perms, err := r.parsePermissions(in, g, egress)
			if err != nil {
				return nil, err
			}
			var trailPerms []any
			for _, p := range perms {
				trailPerms = append(trailPerms, p.trail)
				var missing []*ec2Rule
				for _, want := range p.rules {
					var found *ec2Rule
					for _, rl := range g.Rules {
						if sameRule(rl, want) {
							found = rl
						}
					}
					if found == nil {
						missing = append(missing, want)
					} else {
						remove = append(remove, found)
					}
				}
				if len(missing) > 0 {
					unknown = append(unknown, permissions(missing, egress)...)
				}
			}
			params["ipPermissions"] = map[string]any{"items": trailPerms}
			if len(unknown) > 0 {
				if v := r.VPCs[g.VPCID]; v == nil || !v.IsDefault {
					return nil, ec2Err("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
				}
			}
		}
		gone := map[string]bool{}
		var revoked []xRevokedRule
		var trailRevoked []any
		for _, rl := range remove {
			if gone[rl.ID] {
				continue
			}
			gone[rl.ID] = true
			revoked = append(revoked, xRevokedRule{ID: rl.ID, GroupID: g.ID, IsEgress: rl.Egress, IPProtocol: rl.Protocol,
				FromPort: rl.FromPort, ToPort: rl.ToPort, CidrIPv4: rl.CidrIPv4, CidrIPv6: rl.CidrIPv6,
				PrefixListID: rl.PrefixListID, RefGroupID: rl.RefGroupID, Description: rl.Description})
			trailRevoked = append(trailRevoked, r.trailRule(g, rl))
			r.dropTags(rl.ID)
		}
		kept := g.Rules[:0]
		for _, rl := range g.Rules {
			if !gone[rl.ID] {
				kept = append(kept, rl)
			}
		}
		g.Rules = kept
		c.trailParams = params
		resp := map[string]any{"requestId": c.requestID, "_return": true}
		if len(trailRevoked) > 0 {
			resp["revokedSecurityGroupRuleSet"] = map[string]any{"items": trailRevoked}
		}
		if len(unknown) > 0 {
			var items []any
			for _, u := range unknown {
				items = append(items, map[string]any{"ipProtocol": u.IPProtocol})
			}
			resp["unknownIpPermissionSet"] = map[string]any{"items": items}
		}
		c.trailResponse = resp
		return struct {
			Return  bool            `xml:"return"`
			Revoked []xRevokedRule  `xml:"revokedSecurityGroupRuleSet>item"`
			Unknown []xIPPermission `xml:"unknownIpPermissionSet>item"`
		}{true, revoked, unknown}, nil
	}
}

// findRule returns the rule with id and its group.
func (r *ec2Region) findRule(id string) (*ec2Group, *ec2Rule) {
	for _, g := range r.Groups {
		for _, rl := range g.Rules {
			if rl.ID == id {
				return g, rl
			}
		}
	}
	return nil, nil
}

func (svc *ec2Service) describeSecurityGroupRules(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	filters, err := ec2Filters(in, "group-id", "security-group-rule-id")
	if err != nil {
		return nil, err
	}
	type found struct {
		g  *ec2Group
		rl *ec2Rule
	}
	var rules []found
	if ids := queryList(in, "SecurityGroupRuleId"); len(ids) > 0 {
		for _, id := range ids {
			g, rl := r.findRule(id)
			if rl == nil {
				return nil, errEC2NotFound("security-group-rule", id)
			}
			rules = append(rules, found{g, rl})
		}
	} else {
		groups, _ := selectIDs(r.Groups, nil, func(g *ec2Group) int { return g.Seq }, "security-group")
		for _, g := range groups {
			for _, rl := range g.Rules {
				rules = append(rules, found{g, rl})
			}
		}
	}
	var out []xRule
	for _, f := range rules {
		if r.matchFilters(f.rl.ID, filters, func(name string) []string {
			switch name {
			case "group-id":
				return []string{f.g.ID}
			case "security-group-rule-id":
				return []string{f.rl.ID}
			}
			return nil
		}) {
			out = append(out, r.xRule(c, f.g, f.rl))
		}
	}
	return struct {
		Rules []xRule `xml:"securityGroupRuleSet>item"`
	}{out}, nil
}

func (svc *ec2Service) modifySecurityGroupRules(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	g, err := lookupParam(in, "GroupId", r.Groups, "security-group")
	if err != nil {
		return nil, err
	}
	updates := queryStructs(in, "SecurityGroupRule")
	if len(updates) == 0 {
		return nil, errMissingParameter("SecurityGroupRule")
	}
	type change struct {
		old  *ec2Rule
		next ec2Rule
	}
	var changes []change
	for _, u := range updates {
		id := u.Get("SecurityGroupRuleId")
		var old *ec2Rule
		for _, rl := range g.Rules {
			if rl.ID == id {
				old = rl
			}
		}
		if old == nil {
			return nil, errEC2NotFound("security-group-rule", id)
		}
		spec := queryStructsPrefix(u, "SecurityGroupRule")
		proto, err := normalizeProtocol(spec.Get("IpProtocol"))
		if err != nil {
			return nil, err
		}
		from, to, err := ports(proto, spec.Get("FromPort"), spec.Get("ToPort"))
		if err != nil {
			return nil, err
		}
		next := ec2Rule{ID: id, Egress: old.Egress, Protocol: proto, FromPort: from, ToPort: to, Description: spec.Get("Description")}
		switch {
		case spec.Get("CidrIpv4") != "":
			p, err := netip.ParsePrefix(spec.Get("CidrIpv4"))
			if err != nil || !p.Addr().Is4() {
				return nil, errEC2Value("CIDR block %s is malformed", spec.Get("CidrIpv4"))
			}
			next.CidrIPv4 = p.Masked().String()
		case spec.Get("CidrIpv6") != "":
			p, err := netip.ParsePrefix(spec.Get("CidrIpv6"))
			if err != nil || !p.Addr().Is6() {
				return nil, errEC2Value("CIDR block %s is malformed", spec.Get("CidrIpv6"))
			}
			next.CidrIPv6 = p.Masked().String()
		case spec.Get("PrefixListId") != "":
			next.PrefixListID = spec.Get("PrefixListId")
		case spec.Get("ReferencedGroupId") != "":
			if r.Groups[spec.Get("ReferencedGroupId")] == nil {
				return nil, errEC2NotFound("security-group", spec.Get("ReferencedGroupId"))
			}
			next.RefGroupID, next.RefUserID = spec.Get("ReferencedGroupId"), r.Account
		default:
			return nil, errMissingParameter("SecurityGroupRule.CidrIpv4")
		}
		for _, rl := range g.Rules {
			if rl.ID != id && sameRule(rl, &next) {
				return nil, ec2Err("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", describeRule(&next))
			}
		}
		changes = append(changes, change{old, next})
	}
	for _, ch := range changes {
		*ch.old = ch.next
	}
	return xReturn{true}, nil
}

// queryStructsPrefix returns the keys of in under prefix+".", with the
// prefix removed.
func queryStructsPrefix(in url.Values, prefix string) url.Values {
	out := url.Values{}
	for k, v := range in {
		if rest, ok := strings.CutPrefix(k, prefix+"."); ok {
			out[rest] = v
		}
	}
	return out
}

// Internet gateways.

type xIGW struct {
	ID          string       `xml:"internetGatewayId"`
	OwnerID     string       `xml:"ownerId"`
	Attachments []xIGWAttach `xml:"attachmentSet>item"`
	Tags        []xTag       `xml:"tagSet>item"`
}

type xIGWAttach struct {
	VPCID string `xml:"vpcId"`
	State string `xml:"state"`
}

func (r *ec2Region) xIGW(g *ec2IGW) xIGW {
	x := xIGW{ID: g.ID, OwnerID: r.Account, Tags: r.tagSet(g.ID)}
	if g.VPCID != "" {
		x.Attachments = []xIGWAttach{{g.VPCID, "available"}}
	}
	return x
}

func (svc *ec2Service) createInternetGateway(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	if err := checkTagSpecTypes(in, "internet-gateway"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "internet-gateway")
	if err != nil {
		return nil, err
	}
	g := &ec2IGW{ID: c.newID("igw-", 17), Seq: r.next()}
	r.IGWs[g.ID] = g
	if err := r.setTags(g.ID, tags); err != nil {
		return nil, err
	}
	return struct {
		IGW xIGW `xml:"internetGateway"`
	}{r.xIGW(g)}, nil
}

func (r *ec2Region) igwAndVPC(in url.Values) (*ec2IGW, string, error) {
	id, err := required(in, "InternetGatewayId")
	if err != nil {
		return nil, "", err
	}
	vpcID, err := required(in, "VpcId")
	if err != nil {
		return nil, "", err
	}
	g := r.IGWs[id]
	if g == nil {
		return nil, "", errEC2NotFound("internet-gateway", id)
	}
	if r.VPCs[vpcID] == nil {
		return nil, "", errEC2NotFound("vpc", vpcID)
	}
	return g, vpcID, nil
}

func (svc *ec2Service) attachInternetGateway(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	g, vpcID, err := r.igwAndVPC(in)
	if err != nil {
		return nil, err
	}
	if g.VPCID != "" {
		return nil, ec2Err("Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.ID, g.VPCID)
	}
	for _, other := range r.IGWs {
		if other.VPCID == vpcID {
			return nil, ec2Err("Resource.AlreadyAssociated", "Network %s already has an internet gateway attached", vpcID)
		}
	}
	g.VPCID = vpcID
	c.trailParams = map[string]any{"internetGatewayId": g.ID, "vpcId": vpcID}
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true}
	return xReturn{true}, nil
}

func (svc *ec2Service) detachInternetGateway(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	g, vpcID, err := r.igwAndVPC(in)
	if err != nil {
		return nil, err
	}
	if g.VPCID != vpcID {
		return nil, ec2Err("Gateway.NotAttached", "resource %s is not attached to network %s", g.ID, vpcID)
	}
	g.VPCID = ""
	c.trailParams = map[string]any{"internetGatewayId": g.ID, "vpcId": vpcID}
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true}
	return xReturn{true}, nil
}

func (svc *ec2Service) describeInternetGateways(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	igws, err := ec2Kind[*ec2IGW]{
		idParam: "InternetGatewayId", kind: "internet-gateway",
		filters: []string{"internet-gateway-id", "attachment.vpc-id", "attachment.state", "owner-id"},
		id:      func(g *ec2IGW) string { return g.ID },
		seq:     func(g *ec2IGW) int { return g.Seq },
		attr: func(g *ec2IGW, name string) []string {
			switch name {
			case "internet-gateway-id":
				return []string{g.ID}
			case "attachment.vpc-id":
				if g.VPCID != "" {
					return []string{g.VPCID}
				}
			case "attachment.state":
				if g.VPCID != "" {
					return []string{"available"}
				}
			case "owner-id":
				return []string{r.Account}
			}
			return nil
		},
	}.describe(r, in, r.IGWs)
	if err != nil {
		return nil, err
	}
	return struct {
		IGWs []xIGW `xml:"internetGatewaySet>item"`
	}{mapAll(igws, r.xIGW)}, nil
}

func (svc *ec2Service) deleteInternetGateway(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	g, err := lookupParam(in, "InternetGatewayId", r.IGWs, "internet-gateway")
	if err != nil {
		return nil, err
	}
	id := g.ID
	if g.VPCID != "" {
		return nil, ec2Err("DependencyViolation", "The internetGateway '%s' has dependencies and cannot be deleted.", id)
	}
	delete(r.IGWs, id)
	r.dropTags(id)
	return xReturn{true}, nil
}

// EBS.

func (svc *ec2Service) getEbsEncryptionByDefault(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	return struct {
		Enabled bool   `xml:"ebsEncryptionByDefault"`
		SSEType string `xml:"sseType"`
	}{r.EBSEncryptionByDefault, "sse-ebs"}, nil
}

func (svc *ec2Service) setEbsEncryptionByDefault(on bool) queryHandler {
	return func(c *call, in url.Values) (any, error) {
		r := svc.region(c)
		r.EBSEncryptionByDefault = on
		c.trailResponse = map[string]any{"requestId": c.requestID, "ebsEncryptionByDefault": on}
		return struct {
			Enabled bool `xml:"ebsEncryptionByDefault"`
		}{on}, nil
	}
}

type xVolume struct {
	ID          string          `xml:"volumeId"`
	Size        int             `xml:"size"`
	SnapshotID  string          `xml:"snapshotId"`
	AZ          string          `xml:"availabilityZone"`
	Status      string          `xml:"status"`
	CreateTime  string          `xml:"createTime"`
	Attachments []xVolumeAttach `xml:"attachmentSet>item"`
	VolumeType  string          `xml:"volumeType"`
	Iops        int             `xml:"iops,omitempty"`
	Encrypted   bool            `xml:"encrypted"`
	KMSKeyID    string          `xml:"kmsKeyId,omitempty"`
	MultiAttach bool            `xml:"multiAttachEnabled"`
	Tags        []xTag          `xml:"tagSet>item"`
}

type xVolumeAttach struct {
	VolumeID            string `xml:"volumeId"`
	InstanceID          string `xml:"instanceId"`
	Device              string `xml:"device"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

func (r *ec2Region) xVolume(v *ec2Volume) xVolume {
	x := xVolume{ID: v.ID, Size: v.Size, SnapshotID: v.SnapshotID, AZ: v.AZ, Status: "available", CreateTime: isoTime(v.Created),
		VolumeType: v.Type, Encrypted: v.Encrypted, KMSKeyID: v.KMSKeyID, Tags: r.tagSet(v.ID)}
	if v.Type == "gp2" {
		x.Iops = max(100, 3*v.Size)
	} else if v.Type == "gp3" {
		x.Iops = 3000
	}
	if a := v.Attachment; a != nil {
		x.Status = "in-use"
		x.Attachments = []xVolumeAttach{{v.ID, a.InstanceID, a.Device, "attached", isoTime(a.AttachTime), a.DeleteOnTermination}}
	}
	return x
}

// defaultKMSKey is the ARN of the account's AWS managed EBS key.
func (r *ec2Region) defaultKMSKey() string {
	return "arn:" + partitionOf(r.Region) + ":kms:" + r.Region + ":" + r.Account + ":alias/aws/ebs"
}

func (svc *ec2Service) createVolume(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	az, err := required(in, "AvailabilityZone")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(az, c.region) || len(az) != len(c.region)+1 {
		return nil, errEC2Value("Invalid availability zone: [%s]", az)
	}
	size, err := atoi(in.Get("Size"), 0)
	if err != nil {
		return nil, err
	}
	snapID := in.Get("SnapshotId")
	encrypted := r.EBSEncryptionByDefault || in.Get("Encrypted") == "true"
	if snapID != "" {
		snap := r.Snapshots[snapID]
		if snap == nil {
			return nil, errEC2NotFound("snapshot", snapID)
		}
		if size == 0 {
			size = snap.Size
		}
		encrypted = encrypted || snap.Encrypted
	}
	if size < 1 || size > 16384 {
		return nil, ec2Err("InvalidParameterValue", "The parameter 'size' must be between 1 and 16384 GiB; got %d", size)
	}
	typ := in.Get("VolumeType")
	if typ == "" {
		typ = "gp2"
	}
	switch typ {
	case "gp2", "gp3", "io1", "io2", "st1", "sc1", "standard":
	default:
		return nil, errEC2Value("Value (%s) for parameter volumeType is invalid.", typ)
	}
	if err := checkTagSpecTypes(in, "volume"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "volume")
	if err != nil {
		return nil, err
	}
	v := &ec2Volume{ID: c.newID("vol-", 17), AZ: az, Type: typ, SnapshotID: snapID, Size: size, Encrypted: encrypted, Created: c.now, Seq: r.next()}
	if encrypted {
		v.KMSKeyID = in.Get("KmsKeyId")
		if v.KMSKeyID == "" {
			v.KMSKeyID = r.defaultKMSKey()
		}
	}
	r.Volumes[v.ID] = v
	if err := r.setTags(v.ID, tags); err != nil {
		return nil, err
	}
	x := r.xVolume(v)
	x.Status = "creating"
	return x, nil
}

func (svc *ec2Service) describeVolumes(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	live := map[string]*ec2Volume{}
	for id, v := range r.Volumes {
		if !v.Deleted {
			live[id] = v
		}
	}
	vols, err := ec2Kind[*ec2Volume]{
		idParam: "VolumeId", kind: "volume",
		filters: []string{"volume-id", "status", "availability-zone", "encrypted", "volume-type", "snapshot-id",
			"attachment.instance-id", "attachment.device", "attachment.status", "size"},
		id:  func(v *ec2Volume) string { return v.ID },
		seq: func(v *ec2Volume) int { return v.Seq },
		attr: func(v *ec2Volume, name string) []string {
			switch name {
			case "volume-id":
				return []string{v.ID}
			case "status":
				return []string{r.xVolume(v).Status}
			case "availability-zone":
				return []string{v.AZ}
			case "encrypted":
				return []string{boolStr(v.Encrypted)}
			case "volume-type":
				return []string{v.Type}
			case "snapshot-id":
				return []string{v.SnapshotID}
			case "size":
				return []string{strconv.Itoa(v.Size)}
			case "attachment.instance-id", "attachment.device", "attachment.status":
				if v.Attachment == nil {
					return nil
				}
				return []string{map[string]string{"attachment.instance-id": v.Attachment.InstanceID,
					"attachment.device": v.Attachment.Device, "attachment.status": "attached"}[name]}
			}
			return nil
		},
	}.describe(r, in, live)
	if err != nil {
		return nil, err
	}
	return struct {
		Volumes []xVolume `xml:"volumeSet>item"`
	}{mapAll(vols, r.xVolume)}, nil
}

// volumeParam returns the volume that VolumeId names, unless it is deleted.
func (r *ec2Region) volumeParam(in url.Values) (*ec2Volume, error) {
	id, err := required(in, "VolumeId")
	if err != nil {
		return nil, err
	}
	v := r.Volumes[id]
	if v == nil || v.Deleted {
		return nil, errEC2NotFound("volume", id)
	}
	return v, nil
}

func (svc *ec2Service) deleteVolume(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	v, err := r.volumeParam(in)
	if err != nil {
		return nil, err
	}
	if v.Attachment != nil {
		return nil, ec2Err("VolumeInUse", "Volume %s is currently attached to %s", v.ID, v.Attachment.InstanceID)
	}
	r.deleteVolume(v)
	return xReturn{true}, nil
}

// deleteVolume removes a volume; it is kept as deleted while snapshots
// name it.
func (r *ec2Region) deleteVolume(v *ec2Volume) {
	r.dropTags(v.ID)
	delete(r.Volumes, v.ID)
}

type xSnapshot struct {
	ID          string `xml:"snapshotId"`
	VolumeID    string `xml:"volumeId"`
	Status      string `xml:"status"`
	StartTime   string `xml:"startTime"`
	Progress    string `xml:"progress"`
	OwnerID     string `xml:"ownerId"`
	VolumeSize  int    `xml:"volumeSize"`
	Description string `xml:"description"`
	Encrypted   bool   `xml:"encrypted"`
	KMSKeyID    string `xml:"kmsKeyId,omitempty"`
	StorageTier string `xml:"storageTier"`
	Tags        []xTag `xml:"tagSet>item"`
}

func (r *ec2Region) xSnapshot(sn *ec2Snapshot) xSnapshot {
	return xSnapshot{ID: sn.ID, VolumeID: sn.VolumeID, Status: "completed", StartTime: isoTime(sn.Started), Progress: "100%",
		OwnerID: r.Account, VolumeSize: sn.Size, Description: sn.Description, Encrypted: sn.Encrypted, KMSKeyID: sn.KMSKeyID,
		StorageTier: "standard", Tags: r.tagSet(sn.ID)}
}

func (svc *ec2Service) createSnapshot(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	v, err := r.volumeParam(in)
	if err != nil {
		return nil, err
	}
	if err := checkTagSpecTypes(in, "snapshot"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "snapshot")
	if err != nil {
		return nil, err
	}
	desc := in.Get("Description")
	if len(desc) > 255 {
		return nil, errEC2Value("Value for parameter description is invalid: it exceeds 255 characters.")
	}
	sn := &ec2Snapshot{ID: c.newID("snap-", 17), VolumeID: v.ID, Description: desc, KMSKeyID: v.KMSKeyID, Size: v.Size,
		Encrypted: v.Encrypted, Started: c.now, Seq: r.next()}
	r.Snapshots[sn.ID] = sn
	if err := r.setTags(sn.ID, tags); err != nil {
		return nil, err
	}
	// A new snapshot is reported pending by CreateSnapshot and completed
	// by every later describe.
	x := r.xSnapshot(sn)
	x.Status, x.Progress = "pending", ""
	c.trailParams = map[string]any{"volumeId": v.ID}
	if desc != "" {
		c.trailParams.(map[string]any)["description"] = desc
	}
	c.trailResponse = map[string]any{"requestId": c.requestID, "snapshotId": sn.ID, "volumeId": v.ID, "status": "pending",
		"startTime": c.now.UnixMilli(), "progress": "", "ownerId": r.Account, "volumeSize": v.Size, "encrypted": v.Encrypted,
		"description": desc}
	return x, nil
}

// visibleSnapshots returns the snapshots the caller may use in its region:
// its own, and other accounts' that are public or shared with it.
func (svc *ec2Service) visibleSnapshots(c *call) []*ec2Snapshot {
	var out []*ec2Snapshot
	for _, k := range sortedKeys(svc.Regions) {
		r := svc.Regions[k]
		if r.Region != c.region {
			continue
		}
		snaps, _ := selectIDs(r.Snapshots, nil, func(s *ec2Snapshot) int { return s.Seq }, "snapshot")
		for _, sn := range snaps {
			if r.Account == c.Account() || sn.Public || contains(sn.Users, c.Account()) {
				out = append(out, sn)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// snapshotOwner returns the state that holds a snapshot.
func (svc *ec2Service) snapshotOwner(c *call, id string) (*ec2Region, *ec2Snapshot) {
	for _, r := range svc.Regions {
		if r.Region == c.region {
			if sn := r.Snapshots[id]; sn != nil {
				return r, sn
			}
		}
	}
	return nil, nil
}

func (svc *ec2Service) describeSnapshots(c *call, in url.Values) (any, error) {
	filters, err := ec2Filters(in, "snapshot-id", "volume-id", "status", "owner-id", "encrypted", "description", "volume-size")
	if err != nil {
		return nil, err
	}
	owners := queryList(in, "Owner")
	for i, o := range owners {
		if o == "self" {
			owners[i] = c.Account()
		}
	}
	restorable := queryList(in, "RestorableBy")
	ids := idSet(queryList(in, "SnapshotId"))
	var out []xSnapshot
	seen := map[string]bool{}
	for _, sn := range svc.visibleSnapshots(c) {
		r, _ := svc.snapshotOwner(c, sn.ID)
		if ids != nil && !ids[sn.ID] {
			continue
		}
		if len(owners) > 0 && !contains(owners, r.Account) {
			continue
		}
		if len(restorable) > 0 {
			ok := false
			for _, who := range restorable {
				if who == "self" {
					who = c.Account()
				}
				ok = ok || (who == "all" && sn.Public) || (who != "all" && (r.Account == who || sn.Public || contains(sn.Users, who)))
			}
			if !ok {
				continue
			}
		}
		seen[sn.ID] = true
		if !r.matchFilters(sn.ID, filters, func(name string) []string {
			switch name {
			case "snapshot-id":
				return []string{sn.ID}
			case "volume-id":
				return []string{sn.VolumeID}
			case "status":
				return []string{"completed"}
			case "owner-id":
				return []string{r.Account}
			case "encrypted":
				return []string{boolStr(sn.Encrypted)}
			case "description":
				return []string{sn.Description}
			case "volume-size":
				return []string{strconv.Itoa(sn.Size)}
			}
			return nil
		}) {
			continue
		}
		out = append(out, r.xSnapshot(sn))
	}
	for _, id := range queryList(in, "SnapshotId") {
		if !seen[id] {
			return nil, errEC2NotFound("snapshot", id)
		}
	}
	return struct {
		Snapshots []xSnapshot `xml:"snapshotSet>item"`
	}{out}, nil
}

// ownSnapshot returns a snapshot of the caller's account named by
// SnapshotId.
func (svc *ec2Service) ownSnapshot(c *call, in url.Values) (*ec2Region, *ec2Snapshot, error) {
	id, err := required(in, "SnapshotId")
	if err != nil {
		return nil, nil, err
	}
	r := svc.region(c)
	sn := r.Snapshots[id]
	if sn == nil {
		return nil, nil, errEC2NotFound("snapshot", id)
	}
	return r, sn, nil
}

type xVolumePermission struct {
	Group  string `xml:"group,omitempty"`
	UserID string `xml:"userId,omitempty"`
}

func (sn *ec2Snapshot) permissions() []xVolumePermission {
	var out []xVolumePermission
	if sn.Public {
		out = append(out, xVolumePermission{Group: "all"})
	}
	for _, u := range sn.Users {
		out = append(out, xVolumePermission{UserID: u})
	}
	return out
}

func (svc *ec2Service) describeSnapshotAttribute(c *call, in url.Values) (any, error) {
	_, sn, err := svc.ownSnapshot(c, in)
	if err != nil {
		return nil, err
	}
	attr, err := required(in, "Attribute")
	if err != nil {
		return nil, err
	}
	switch attr {
	case "createVolumePermission":
		return struct {
			SnapshotID  string              `xml:"snapshotId"`
			Permissions []xVolumePermission `xml:"createVolumePermission>item"`
		}{sn.ID, sn.permissions()}, nil
	case "productCodes":
		return struct {
			SnapshotID string `xml:"snapshotId"`
		}{sn.ID}, nil
	}
	return nil, errEC2Value("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
}

func (svc *ec2Service) modifySnapshotAttribute(c *call, in url.Values) (any, error) {
	_, sn, err := svc.ownSnapshot(c, in)
	if err != nil {
		return nil, err
	}
	attr := in.Get("Attribute")
	if attr == "" {
		attr = "createVolumePermission"
	}
	if attr != "createVolumePermission" {
		return nil, errEC2Value("Value (%s) for parameter attribute is invalid. Only createVolumePermission can be modified.", attr)
	}
	type perm struct{ group, user string }
	read := func(list string) []perm {
		var out []perm
		for _, p := range queryStructs(in, "CreateVolumePermission."+list) {
			out = append(out, perm{p.Get("Group"), p.Get("UserId")})
		}
		return out
	}
	add, remove := read("Add"), read("Remove")
	if op := in.Get("OperationType"); op != "" {
		var ps []perm
		for _, g := range queryList(in, "UserGroup") {
			ps = append(ps, perm{group: g})
		}
		for _, u := range queryList(in, "UserId") {
			ps = append(ps, perm{user: u})
		}
		switch op {
		case "add":
			add = append(add, ps...)
		case "remove":
			remove = append(remove, ps...)
		default:
			return nil, errEC2Value("Value (%s) for parameter operationType is invalid.", op)
		}
	}
	if len(add)+len(remove) == 0 {
		return nil, errMissingParameter("CreateVolumePermission")
	}
	check := func(ps []perm) error {
		for _, p := range ps {
			switch {
			case p.group != "" && p.group != "all":
				return errEC2Value("Value (%s) for parameter group is invalid. Only 'all' is supported.", p.group)
			case p.group == "" && (len(p.user) != 12 || strings.Trim(p.user, "0123456789") != ""):
				return errEC2Value("Value (%s) for parameter userId is invalid.", p.user)
			}
		}
		return nil
	}
	if err := check(add); err != nil {
		return nil, err
	}
	if err := check(remove); err != nil {
		return nil, err
	}
	for _, p := range add {
		if p.group == "all" && sn.Encrypted {
			return nil, ec2Err("InvalidParameter", "Encrypted snapshots cannot be made public.")
		}
	}
	trailList := func(ps []perm) map[string]any {
		var items []any
		for _, p := range ps {
			if p.group != "" {
				items = append(items, map[string]any{"group": p.group})
			} else {
				items = append(items, map[string]any{"userId": p.user})
			}
		}
		return map[string]any{"items": items}
	}
	cvp := map[string]any{}
	for _, p := range add {
		if p.group == "all" {
			sn.Public = true
		} else if !contains(sn.Users, p.user) {
			sn.Users = append(sn.Users, p.user)
		}
	}
	if len(add) > 0 {
		cvp["add"] = trailList(add)
	}
	for _, p := range remove {
		if p.group == "all" {
			sn.Public = false
			continue
		}
		kept := sn.Users[:0]
		for _, u := range sn.Users {
			if u != p.user {
				kept = append(kept, u)
			}
		}
		sn.Users = kept
	}
	if len(remove) > 0 {
		cvp["remove"] = trailList(remove)
	}
	c.trailParams = map[string]any{"snapshotId": sn.ID, "createVolumePermission": cvp, "attributeType": "CREATE_VOLUME_PERMISSION"}
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true}
	return xReturn{true}, nil
}

func (svc *ec2Service) deleteSnapshot(c *call, in url.Values) (any, error) {
	r, sn, err := svc.ownSnapshot(c, in)
	if err != nil {
		return nil, err
	}
	delete(r.Snapshots, sn.ID)
	r.dropTags(sn.ID)
	return xReturn{true}, nil
}

// Instances.

var instanceStateCodes = sync.OnceValue(func() map[string]int {
	return map[string]int{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
})

type xInstanceState struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

func stateOf(name string) xInstanceState { return xInstanceState{instanceStateCodes()[name], name} }

type xGroupIdentifier struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type xInstance struct {
	ID             string             `xml:"instanceId"`
	ImageID        string             `xml:"imageId"`
	State          xInstanceState     `xml:"instanceState"`
	PrivateDNS     string             `xml:"privateDnsName"`
	InstanceType   string             `xml:"instanceType"`
	LaunchTime     string             `xml:"launchTime"`
	AZ             string             `xml:"placement>availabilityZone"`
	Tenancy        string             `xml:"placement>tenancy"`
	SubnetID       string             `xml:"subnetId,omitempty"`
	VPCID          string             `xml:"vpcId,omitempty"`
	PrivateIP      string             `xml:"privateIpAddress,omitempty"`
	Groups         []xGroupIdentifier `xml:"groupSet>item"`
	Architecture   string             `xml:"architecture"`
	RootDeviceType string             `xml:"rootDeviceType"`
	RootDeviceName string             `xml:"rootDeviceName"`
	BlockDevices   []xBlockDevice     `xml:"blockDeviceMapping>item"`
	Profile        *xProfile          `xml:"iamInstanceProfile,omitempty"`
	ENIs           []xENI             `xml:"networkInterfaceSet>item"`
	Tags           []xTag             `xml:"tagSet>item"`
	Reason         string             `xml:"reason"`
	Metadata       xMetadataOptions   `xml:"metadataOptions"`
}

type xBlockDevice struct {
	DeviceName          string `xml:"deviceName"`
	VolumeID            string `xml:"ebs>volumeId"`
	Status              string `xml:"ebs>status"`
	AttachTime          string `xml:"ebs>attachTime"`
	DeleteOnTermination bool   `xml:"ebs>deleteOnTermination"`
}

type xProfile struct {
	ARN string `xml:"arn"`
	ID  string `xml:"id"`
}

func (r *ec2Region) xInstance(in *ec2Instance) xInstance {
	x := xInstance{
		ID: in.ID, ImageID: in.ImageID, State: stateOf(in.State), InstanceType: in.Type, LaunchTime: isoTime(in.Launched),
		AZ: in.AZ, Tenancy: "default", Architecture: "x86_64", RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
		Tags: r.tagSet(in.ID), Reason: in.stateReason(), Metadata: in.metadata().xml(),
	}
	if in.State != "terminated" {
		x.SubnetID, x.VPCID, x.PrivateIP = in.SubnetID, in.VPCID, in.PrivateIP
		x.PrivateDNS = "ip-" + strings.ReplaceAll(in.PrivateIP, ".", "-") + "." + r.Region + ".compute.internal"
		for _, gid := range r.instanceGroups(in) {
			name := ""
			if g := r.Groups[gid]; g != nil {
				name = g.Name
			}
			x.Groups = append(x.Groups, xGroupIdentifier{gid, name})
		}
		for _, e := range r.instanceENIs(in) {
			x.ENIs = append(x.ENIs, r.xENI(e, false))
		}
		for _, v := range r.Volumes {
			if a := v.Attachment; a != nil && a.InstanceID == in.ID {
				x.BlockDevices = append(x.BlockDevices, xBlockDevice{a.Device, v.ID, "attached", isoTime(a.AttachTime), a.DeleteOnTermination})
			}
		}
		sort.Slice(x.BlockDevices, func(i, j int) bool { return x.BlockDevices[i].DeviceName < x.BlockDevices[j].DeviceName })
	}
	if in.ProfileARN != "" {
		x.Profile = &xProfile{in.ProfileARN, in.ProfileID}
	}
	return x
}

type xReservation struct {
	ID        string      `xml:"reservationId"`
	OwnerID   string      `xml:"ownerId"`
	Instances []xInstance `xml:"instancesSet>item"`
}

func (svc *ec2Service) runInstances(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	image, err := required(in, "ImageId")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(image, "ami-") {
		return nil, ec2Err("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", image)
	}
	minCount, err := atoi(in.Get("MinCount"), 0)
	if err != nil {
		return nil, err
	}
	maxCount, err := atoi(in.Get("MaxCount"), 0)
	if err != nil {
		return nil, err
	}
	if minCount < 1 || maxCount < minCount {
		return nil, errEC2Value("MinCount (%d) and MaxCount (%d) must be at least 1 and MinCount must not exceed MaxCount", minCount, maxCount)
	}
	const instanceQuota = 20
	if minCount > instanceQuota {
		return nil, ec2Err("InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of %d allows.", minCount, instanceQuota)
	}
	maxCount = min(maxCount, instanceQuota)
	typ := in.Get("InstanceType")
	if typ == "" {
		typ = "m1.small"
	}
	var sn *ec2Subnet
	if id := in.Get("SubnetId"); id != "" {
		if sn = r.Subnets[id]; sn == nil {
			return nil, errEC2NotFound("subnet", id)
		}
	} else if dv := r.defaultVPC(); dv != nil {
		subnets, _ := selectIDs(r.Subnets, nil, func(s *ec2Subnet) int { return s.Seq }, "subnet")
		for _, cand := range subnets {
			if cand.VPCID == dv.ID && cand.DefaultForAZ {
				sn = cand
				break
			}
		}
	}
	if sn == nil {
		return nil, ec2Err("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
	}
	groups := queryList(in, "SecurityGroupId")
	for _, name := range queryList(in, "SecurityGroup") {
		found := false
		for _, g := range r.Groups {
			if g.Name == name && g.VPCID == sn.VPCID {
				groups, found = append(groups, g.ID), true
			}
		}
		if !found {
			return nil, errEC2NotFound("security-group", name)
		}
	}
	for _, gid := range groups {
		g := r.Groups[gid]
		if g == nil {
			return nil, errEC2NotFound("security-group", gid)
		}
		if g.VPCID != sn.VPCID {
			return nil, ec2Err("InvalidParameter", "Security group %s and subnet %s belong to different networks.", gid, sn.ID)
		}
	}
	if len(groups) == 0 {
		for _, g := range r.Groups {
			if g.VPCID == sn.VPCID && g.Name == "default" {
				groups = []string{g.ID}
			}
		}
	}
	if err := checkTagSpecTypes(in, "instance", "volume"); err != nil {
		return nil, err
	}
	instTags, err := tagSpecs(in, "instance")
	if err != nil {
		return nil, err
	}
	volTags, err := tagSpecs(in, "volume")
	if err != nil {
		return nil, err
	}
	var profileARN, profileID string
	if arn := in.Get("IamInstanceProfile.Arn"); arn != "" {
		profileARN = arn
	} else if name := in.Get("IamInstanceProfile.Name"); name != "" {
		profileARN = "arn:" + partitionOf(c.region) + ":iam::" + c.Account() + ":instance-profile/" + name
	}
	if profileARN != "" {
		if !strings.HasPrefix(profileARN, "arn:") || !strings.Contains(profileARN, ":instance-profile/") {
			return nil, errEC2Value("Value (%s) for parameter iamInstanceProfile.arn is invalid.", profileARN)
		}
		profileID = c.s.newKeyLocked("AIPA", 17)
	}
	metadata, err := runMetadataOptions(in)
	if err != nil {
		return nil, err
	}
	noTerminate := in.Get("DisableApiTermination") == "true"
	rootSize := 8
	for _, bdm := range queryStructs(in, "BlockDeviceMapping") {
		if bdm.Get("DeviceName") == "/dev/xvda" {
			if n, err := atoi(bdm.Get("Ebs.VolumeSize"), 8); err == nil && n > 0 {
				rootSize = n
			}
		}
	}
	res := xReservation{ID: c.newID("r-", 17), OwnerID: r.Account}
	for range maxCount {
		inst := &ec2Instance{ID: c.newID("i-", 17), ReservationID: res.ID, ImageID: image, Type: typ, SubnetID: sn.ID, VPCID: sn.VPCID,
			AZ: sn.AZ, ProfileARN: profileARN, ProfileID: profileID,
			State: "running", Launched: c.now, Seq: r.next(), Metadata: metadata, NoTerminate: noTerminate}
		if profileARN != "" {
			inst.ProfileAssociation = c.newID("iip-assoc-", 17)
		}
		eni := r.newENI(c, sn, groups, "")
		eni.InstanceID, eni.AttachmentID, eni.AttachTime, eni.DeleteOnTermination = inst.ID, c.newID("eni-attach-", 17), c.now, true
		inst.PrivateIP = eni.PrivateIP
		vol := &ec2Volume{ID: c.newID("vol-", 17), AZ: sn.AZ, Type: "gp3", SnapshotID: c.newID("snap-", 17), Size: rootSize,
			Encrypted: r.EBSEncryptionByDefault, Created: c.now, Seq: r.next(),
			Attachment: &ec2VolumeAttachment{InstanceID: inst.ID, Device: "/dev/xvda", AttachTime: c.now, DeleteOnTermination: true}}
		if vol.Encrypted {
			vol.KMSKeyID = r.defaultKMSKey()
		}
		inst.RootVolumeID = vol.ID
		r.Volumes[vol.ID] = vol
		r.Instances[inst.ID] = inst
		if err := r.setTags(inst.ID, instTags); err != nil {
			return nil, err
		}
		if err := r.setTags(vol.ID, volTags); err != nil {
			return nil, err
		}
		x := r.xInstance(inst)
		x.State = stateOf("pending")
		res.Instances = append(res.Instances, x)
	}
	return struct {
		xReservation
		Groups []xGroupIdentifier `xml:"groupSet>item"`
	}{res, nil}, nil
}

func (svc *ec2Service) describeInstances(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	insts, err := ec2Kind[*ec2Instance]{
		idParam: "InstanceId", kind: "instance",
		filters: []string{"instance-id", "instance-state-name", "instance-state-code", "instance-type", "vpc-id",
			"subnet-id", "image-id", "instance.group-id", "instance.group-name", "group-id", "iam-instance-profile.arn",
			"availability-zone", "private-ip-address", "reservation-id", "block-device-mapping.volume-id"},
		id:  func(i *ec2Instance) string { return i.ID },
		seq: func(i *ec2Instance) int { return i.Seq },
		attr: func(inst *ec2Instance, name string) []string {
			x := r.xInstance(inst)
			switch name {
			case "instance-id":
				return []string{inst.ID}
			case "instance-state-name":
				return []string{inst.State}
			case "instance-state-code":
				return []string{strconv.Itoa(instanceStateCodes()[inst.State])}
			case "instance-type":
				return []string{inst.Type}
			case "vpc-id":
				return []string{x.VPCID}
			case "subnet-id":
				return []string{x.SubnetID}
			case "image-id":
				return []string{inst.ImageID}
			case "availability-zone":
				return []string{inst.AZ}
			case "private-ip-address":
				return []string{x.PrivateIP}
			case "reservation-id":
				return []string{inst.ReservationID}
			case "iam-instance-profile.arn":
				return []string{inst.ProfileARN}
			case "instance.group-id", "group-id":
				var ids []string
				for _, g := range x.Groups {
					ids = append(ids, g.GroupID)
				}
				return ids
			case "instance.group-name":
				var names []string
				for _, g := range x.Groups {
					names = append(names, g.GroupName)
				}
				return names
			case "block-device-mapping.volume-id":
				var ids []string
				for _, b := range x.BlockDevices {
					ids = append(ids, b.VolumeID)
				}
				return ids
			}
			return nil
		},
	}.describe(r, in, r.Instances)
	if err != nil {
		return nil, err
	}
	var out []xReservation
	idx := map[string]int{}
	for _, inst := range insts {
		x := r.xInstance(inst)
		i, ok := idx[inst.ReservationID]
		if !ok {
			out = append(out, xReservation{ID: inst.ReservationID, OwnerID: r.Account})
			i = len(out) - 1
			idx[inst.ReservationID] = i
		}
		out[i].Instances = append(out[i].Instances, x)
	}
	return struct {
		Reservations []xReservation `xml:"reservationSet>item"`
	}{out}, nil
}

func (svc *ec2Service) instance(c *call, id string) (*ec2Region, *ec2Instance, error) {
	r := svc.region(c)
	inst := r.Instances[id]
	if inst == nil {
		return nil, nil, errEC2NotFound("instance", id)
	}
	return r, inst, nil
}

func (svc *ec2Service) modifyInstanceAttribute(c *call, in url.Values) (any, error) {
	id, err := required(in, "InstanceId")
	if err != nil {
		return nil, err
	}
	r, inst, err := svc.instance(c, id)
	if err != nil {
		return nil, err
	}
	if v, ok := in["DisableApiTermination.Value"]; ok {
		return svc.setTerminationProtection(c, inst, v)
	}
	groups := queryList(in, "GroupId")
	if len(groups) == 0 {
		return nil, ec2Err("InvalidParameterCombination", "The simulated ModifyInstanceAttribute supports only the GroupId and DisableApiTermination parameters.")
	}
	if inst.State == "terminated" {
		return nil, ec2Err("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be modified.", id)
	}
	enis := r.instanceENIs(inst)
	if len(enis) > 1 {
		return nil, ec2Err("InvalidInstanceID", "There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", id)
	}
	if err := r.checkGroups(groups, inst.VPCID); err != nil {
		return nil, err
	}
	var items []any
	for _, gid := range groups {
		items = append(items, map[string]any{"groupId": gid})
	}
	if len(enis) == 1 {
		enis[0].Groups = append([]string(nil), groups...)
	}
	c.trailParams = map[string]any{"instanceId": id, "groupSet": map[string]any{"items": items}}
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true}
	return xReturn{true}, nil
}

// changeInstanceState serves TerminateInstances, StopInstances and
// StartInstances: the response reports the transitional state, and the
// instance is in the target state for every later call.
func (svc *ec2Service) changeInstanceState(target string) queryHandler {
	transitional := map[string]string{"terminated": "shutting-down", "stopped": "stopping", "running": "pending"}[target]
	return func(c *call, in url.Values) (any, error) {
		r := svc.region(c)
		ids := queryList(in, "InstanceId")
		if len(ids) == 0 {
			return nil, errMissingParameter("InstanceId")
		}
		for _, id := range ids {
			inst := r.Instances[id]
			if inst == nil {
				return nil, errEC2NotFound("instance", id)
			}
			if target != "terminated" && inst.State == "terminated" {
				return nil, ec2Err("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s.", id, map[string]string{"stopped": "stopped", "running": "started"}[target])
			}
			if target == "terminated" && inst.NoTerminate && inst.State != "terminated" {
				return nil, ec2Err("OperationNotPermitted", "The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", id)
			}
		}
		type change struct {
			ID       string         `xml:"instanceId"`
			Current  xInstanceState `xml:"currentState"`
			Previous xInstanceState `xml:"previousState"`
		}
		var out []change
		var items []any
		for _, id := range ids {
			inst := r.Instances[id]
			prev := inst.State
			cur := transitional
			if prev == target {
				cur = target
			}
			if prev != target {
				inst.StateChanged = c.now
			}
			inst.State = target
			if target == "terminated" && prev != "terminated" {
				for _, e := range r.instanceENIs(inst) {
					if e.DeleteOnTermination {
						delete(r.ENIs, e.ID)
						r.dropTags(e.ID)
						continue
					}
					e.InstanceID, e.AttachmentID, e.DeviceIndex = "", "", 0
				}
				for _, v := range r.Volumes {
					if a := v.Attachment; a != nil && a.InstanceID == id {
						v.Attachment = nil
						if a.DeleteOnTermination {
							r.deleteVolume(v)
						}
					}
				}
			}
			out = append(out, change{id, stateOf(cur), stateOf(prev)})
			items = append(items, map[string]any{"instanceId": id})
		}
		c.trailParams = map[string]any{"instancesSet": map[string]any{"items": items}}
		return struct {
			Changes []change `xml:"instancesSet>item"`
		}{out}, nil
	}
}
