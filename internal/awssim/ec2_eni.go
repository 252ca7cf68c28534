package awssim

import (
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EC2 network interfaces. Every instance has a primary interface (device
// index 0) made with it; CreateNetworkInterface and AttachNetworkInterface
// give it more. An instance's security groups are its interfaces' groups:
// ModifyNetworkInterfaceAttribute changes those of one interface, and
// ModifyInstanceAttribute refuses to change them for an instance with
// more than one interface, as EC2 does.

// ec2ENI is a network interface.
type ec2ENI struct {
	ID, SubnetID, VPCID, AZ, PrivateIP, MAC string
	Description                             string `json:",omitempty"`
	Groups                                  []string
	SourceDestCheck                         bool
	// The attachment, if InstanceID is set.
	InstanceID          string `json:",omitempty"`
	AttachmentID        string `json:",omitempty"`
	DeviceIndex         int
	AttachTime          time.Time
	DeleteOnTermination bool
	Seq                 int
	// InterfaceType is "interface" when empty; VPC endpoints' interfaces
	// are "vpc_endpoint" and managed by AWS.
	InterfaceType    string `json:",omitempty"`
	RequesterManaged bool   `json:",omitempty"`
}

// maxGroupsPerInterface is EC2's default quota of security groups per
// network interface.
const maxGroupsPerInterface = 5

// enis returns the region's interfaces, making the map for state restored
// from before interfaces were simulated.
func (r *ec2Region) enis() map[string]*ec2ENI {
	if r.ENIs == nil {
		r.ENIs = map[string]*ec2ENI{}
	}
	return r.ENIs
}

// instanceENIs returns the interfaces attached to inst, by device index.
func (r *ec2Region) instanceENIs(inst *ec2Instance) []*ec2ENI {
	var out []*ec2ENI
	for _, e := range r.enis() {
		if e.InstanceID == inst.ID {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DeviceIndex < out[j].DeviceIndex })
	return out
}

// instanceGroups returns the security groups of inst's interfaces, each
// once, in the order of the interfaces.
func (r *ec2Region) instanceGroups(inst *ec2Instance) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range r.instanceENIs(inst) {
		for _, g := range e.Groups {
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// newENI makes an interface in subnet sn with groups, at the subnet's next
// free address.
func (r *ec2Region) newENI(c *call, sn *ec2Subnet, groups []string, description string) *ec2ENI {
	sn.NextHost++
	p, _ := netip.ParsePrefix(sn.CIDR)
	addr := p.Addr().As4()
	host := sn.NextHost + 3
	addr[2] += byte(host >> 8)
	addr[3] += byte(host)
	e := &ec2ENI{ID: c.newID("eni-", 17), SubnetID: sn.ID, VPCID: sn.VPCID, AZ: sn.AZ, PrivateIP: netip.AddrFrom4(addr).String(),
		Description: description, Groups: append([]string(nil), groups...), SourceDestCheck: true, Seq: r.next()}
	mac := c.newID("", 12)
	e.MAC = fmt.Sprintf("02:%s:%s:%s:%s:%s", mac[2:4], mac[4:6], mac[6:8], mac[8:10], mac[10:12])
	r.enis()[e.ID] = e
	return e
}

// restored gives instances restored from state saved before interfaces
// were simulated their primary interface.
func (svc *ec2Service) restored() {
	for _, r := range svc.Regions {
		r.enis()
		for _, inst := range r.Instances {
			if inst.State == "terminated" || len(r.instanceENIs(inst)) > 0 {
				continue
			}
			e := &ec2ENI{ID: svc.s.newIDLocked("eni-", 17), SubnetID: inst.SubnetID, VPCID: inst.VPCID, AZ: inst.AZ, PrivateIP: inst.PrivateIP,
				Groups: inst.LegacyGroups, SourceDestCheck: true, InstanceID: inst.ID, AttachmentID: svc.s.newIDLocked("eni-attach-", 17),
				AttachTime: inst.Launched, DeleteOnTermination: true, Seq: inst.Seq}
			r.ENIs[e.ID] = e
			inst.LegacyGroups = nil
		}
	}
}

// checkGroups checks that groups exist in vpc and are not too many.
func (r *ec2Region) checkGroups(groups []string, vpc string) error {
	for _, gid := range groups {
		g := r.Groups[gid]
		if g == nil {
			return errEC2NotFound("security-group", gid)
		}
		if g.VPCID != vpc {
			return ec2Err("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", gid, vpc)
		}
	}
	if len(groups) > maxGroupsPerInterface {
		return ec2Err("SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.")
	}
	return nil
}

// XML shapes.

type xENIAttachment struct {
	AttachmentID        string `xml:"attachmentId"`
	InstanceID          string `xml:"instanceId,omitempty"`
	InstanceOwnerID     string `xml:"instanceOwnerId,omitempty"`
	DeviceIndex         int    `xml:"deviceIndex"`
	NetworkCardIndex    int    `xml:"networkCardIndex"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

type xPrivateIP struct {
	PrivateIP  string `xml:"privateIpAddress"`
	PrivateDNS string `xml:"privateDnsName"`
	Primary    bool   `xml:"primary"`
}

// xENI is a NetworkInterface (DescribeNetworkInterfaces) or, without the
// fields that shape lacks, an InstanceNetworkInterface (DescribeInstances).
type xENI struct {
	ID               string             `xml:"networkInterfaceId"`
	SubnetID         string             `xml:"subnetId"`
	VPCID            string             `xml:"vpcId"`
	AZ               string             `xml:"availabilityZone,omitempty"`
	Description      string             `xml:"description"`
	OwnerID          string             `xml:"ownerId"`
	RequesterManaged *bool              `xml:"requesterManaged,omitempty"`
	Status           string             `xml:"status"`
	MAC              string             `xml:"macAddress"`
	PrivateIP        string             `xml:"privateIpAddress"`
	PrivateDNS       string             `xml:"privateDnsName"`
	SourceDestCheck  bool               `xml:"sourceDestCheck"`
	Groups           []xGroupIdentifier `xml:"groupSet>item"`
	Attachment       *xENIAttachment    `xml:"attachment,omitempty"`
	PrivateIPs       []xPrivateIP       `xml:"privateIpAddressesSet>item"`
	InterfaceType    string             `xml:"interfaceType"`
	Tags             []xTag             `xml:"tagSet>item,omitempty"`
}

// xENI renders e; full adds the fields of NetworkInterface that
// InstanceNetworkInterface lacks.
func (r *ec2Region) xENI(e *ec2ENI, full bool) xENI {
	dns := "ip-" + strings.ReplaceAll(e.PrivateIP, ".", "-") + "." + r.Region + ".compute.internal"
	x := xENI{ID: e.ID, SubnetID: e.SubnetID, VPCID: e.VPCID, Description: e.Description, OwnerID: r.Account, Status: "available",
		MAC: e.MAC, PrivateIP: e.PrivateIP, PrivateDNS: dns, SourceDestCheck: e.SourceDestCheck, InterfaceType: "interface",
		PrivateIPs: []xPrivateIP{{e.PrivateIP, dns, true}}}
	if e.InterfaceType != "" {
		x.InterfaceType = e.InterfaceType
	}
	for _, gid := range e.Groups {
		name := ""
		if g := r.Groups[gid]; g != nil {
			name = g.Name
		}
		x.Groups = append(x.Groups, xGroupIdentifier{gid, name})
	}
	if e.InstanceID != "" {
		x.Status = "in-use"
		x.Attachment = &xENIAttachment{AttachmentID: e.AttachmentID, DeviceIndex: e.DeviceIndex, Status: "attached",
			AttachTime: isoTime(e.AttachTime), DeleteOnTermination: e.DeleteOnTermination}
	}
	if full {
		x.AZ = e.AZ
		x.RequesterManaged = new(bool)
		*x.RequesterManaged = e.RequesterManaged
		x.Tags = r.tagSet(e.ID)
		if x.Attachment != nil {
			x.Attachment.InstanceID, x.Attachment.InstanceOwnerID = e.InstanceID, r.Account
		}
	}
	return x
}

// Operations.

func (svc *ec2Service) eniOps() map[string]queryHandler {
	return map[string]queryHandler{
		"CreateNetworkInterface":          svc.createNetworkInterface,
		"DescribeNetworkInterfaces":       svc.describeNetworkInterfaces,
		"AttachNetworkInterface":          svc.attachNetworkInterface,
		"DetachNetworkInterface":          svc.detachNetworkInterface,
		"DeleteNetworkInterface":          svc.deleteNetworkInterface,
		"ModifyNetworkInterfaceAttribute": svc.modifyNetworkInterfaceAttribute,
	}
}

func (svc *ec2Service) createNetworkInterface(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	sn, err := lookupParam(in, "SubnetId", r.Subnets, "subnet")
	if err != nil {
		return nil, err
	}
	groups := queryList(in, "SecurityGroupId")
	if len(groups) == 0 {
		for _, g := range r.Groups {
			if g.VPCID == sn.VPCID && g.Name == "default" {
				groups = []string{g.ID}
			}
		}
	}
	if err := r.checkGroups(groups, sn.VPCID); err != nil {
		return nil, err
	}
	if err := checkTagSpecTypes(in, "network-interface"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "network-interface")
	if err != nil {
		return nil, err
	}
	e := r.newENI(c, sn, groups, in.Get("Description"))
	if err := r.setTags(e.ID, tags); err != nil {
		return nil, err
	}
	c.trailResponse = map[string]any{"requestId": c.requestID, "networkInterface": map[string]any{"networkInterfaceId": e.ID, "subnetId": e.SubnetID, "vpcId": e.VPCID}}
	return struct {
		ENI xENI `xml:"networkInterface"`
	}{r.xENI(e, true)}, nil
}

func (svc *ec2Service) describeNetworkInterfaces(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	enis, err := ec2Kind[*ec2ENI]{
		idParam: "NetworkInterfaceId", kind: "network-interface",
		filters: []string{"network-interface-id", "attachment.instance-id", "attachment.attachment-id", "attachment.device-index",
			"attachment.status", "subnet-id", "vpc-id", "availability-zone", "group-id", "group-name", "status", "description",
			"private-ip-address", "mac-address", "owner-id", "interface-type", "requester-managed"},
		id:  func(e *ec2ENI) string { return e.ID },
		seq: func(e *ec2ENI) int { return e.Seq },
		attr: func(e *ec2ENI, name string) []string {
			x := r.xENI(e, true)
			switch name {
			case "network-interface-id":
				return []string{e.ID}
			case "attachment.instance-id":
				return []string{e.InstanceID}
			case "attachment.attachment-id":
				return []string{e.AttachmentID}
			case "attachment.device-index":
				if e.InstanceID == "" {
					return nil
				}
				return []string{strconv.Itoa(e.DeviceIndex)}
			case "attachment.status":
				if x.Attachment == nil {
					return nil
				}
				return []string{x.Attachment.Status}
			case "subnet-id":
				return []string{e.SubnetID}
			case "vpc-id":
				return []string{e.VPCID}
			case "availability-zone":
				return []string{e.AZ}
			case "group-id":
				return e.Groups
			case "group-name":
				return mapAll(x.Groups, func(g xGroupIdentifier) string { return g.GroupName })
			case "status":
				return []string{x.Status}
			case "description":
				return []string{e.Description}
			case "private-ip-address":
				return []string{e.PrivateIP}
			case "mac-address":
				return []string{e.MAC}
			case "owner-id":
				return []string{r.Account}
			case "interface-type":
				return []string{x.InterfaceType}
			case "requester-managed":
				return []string{boolStr(e.RequesterManaged)}
			}
			return nil
		},
	}.describe(r, in, r.enis())
	if err != nil {
		return nil, err
	}
	return struct {
		ENIs []xENI `xml:"networkInterfaceSet>item"`
	}{mapAll(enis, func(e *ec2ENI) xENI { return r.xENI(e, true) })}, nil
}

func (svc *ec2Service) attachNetworkInterface(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	e, err := lookupParam(in, "NetworkInterfaceId", r.enis(), "network-interface")
	if err != nil {
		return nil, err
	}
	inst, err := lookupParam(in, "InstanceId", r.Instances, "instance")
	if err != nil {
		return nil, err
	}
	if _, err := required(in, "DeviceIndex"); err != nil {
		return nil, err
	}
	idx, err := atoi(in.Get("DeviceIndex"), 0)
	if err != nil || idx < 0 {
		return nil, errEC2Value("Invalid value '%s' for deviceIndex.", in.Get("DeviceIndex"))
	}
	if inst.State == "terminated" || inst.State == "shutting-down" {
		return nil, ec2Err("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be modified.", inst.ID)
	}
	if e.InstanceID != "" {
		return nil, ec2Err("InvalidNetworkInterface.InUse", "Interface: [%s] in use.", e.ID)
	}
	if e.AZ != inst.AZ {
		return nil, ec2Err("InvalidParameterCombination", "You may not attach a network interface to an instance if they are not in the same availability zone")
	}
	for _, other := range r.instanceENIs(inst) {
		if other.DeviceIndex == idx {
			return nil, errEC2Value("Instance '%s' already has an interface attached at device index '%d'.", inst.ID, idx)
		}
	}
	e.InstanceID, e.AttachmentID, e.DeviceIndex, e.AttachTime, e.DeleteOnTermination = inst.ID, c.newID("eni-attach-", 17), idx, c.now, false
	c.trailResponse = map[string]any{"requestId": c.requestID, "attachmentId": e.AttachmentID, "networkCardIndex": 0}
	return struct {
		AttachmentID     string `xml:"attachmentId"`
		NetworkCardIndex int    `xml:"networkCardIndex"`
	}{e.AttachmentID, 0}, nil
}

func (svc *ec2Service) detachNetworkInterface(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	id, err := required(in, "AttachmentId")
	if err != nil {
		return nil, err
	}
	for _, e := range r.enis() {
		if e.InstanceID == "" || e.AttachmentID != id {
			continue
		}
		if e.DeviceIndex == 0 {
			return nil, ec2Err("OperationNotPermitted", "The network interface at device index 0 cannot be detached.")
		}
		e.InstanceID, e.AttachmentID, e.DeviceIndex, e.DeleteOnTermination = "", "", 0, false
		return xReturn{true}, nil
	}
	return nil, ec2Err("InvalidAttachmentID.NotFound", "The attachment ID '%s' does not exist", id)
}

func (svc *ec2Service) deleteNetworkInterface(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	e, err := lookupParam(in, "NetworkInterfaceId", r.enis(), "network-interface")
	if err != nil {
		return nil, err
	}
	if e.InstanceID != "" {
		return nil, ec2Err("InvalidNetworkInterface.InUse", "The network interface '%s' is currently in use.", e.ID)
	}
	if e.RequesterManaged {
		return nil, ec2Err("OperationNotPermitted", "The network interface '%s' is managed by AWS and cannot be deleted: delete the resource that owns it.", e.ID)
	}
	delete(r.ENIs, e.ID)
	r.dropTags(e.ID)
	return xReturn{true}, nil
}

func (svc *ec2Service) modifyNetworkInterfaceAttribute(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	e, err := lookupParam(in, "NetworkInterfaceId", r.enis(), "network-interface")
	if err != nil {
		return nil, err
	}
	groups := queryList(in, "SecurityGroupId")
	desc, hasDesc := in["Description.Value"]
	check, hasCheck := in["SourceDestCheck.Value"]
	set := 0
	for _, has := range []bool{len(groups) > 0, hasDesc, hasCheck} {
		if has {
			set++
		}
	}
	switch {
	case set == 0:
		return nil, ec2Err("MissingParameter", "Either one of the following parameters must be specified: groupSet, description, sourceDestCheck")
	case set > 1:
		return nil, ec2Err("InvalidParameterCombination", "Only one attribute may be modified at a time.")
	}
	params := map[string]any{"networkInterfaceId": e.ID}
	switch {
	case len(groups) > 0:
		if err := r.checkGroups(groups, e.VPCID); err != nil {
			return nil, err
		}
		e.Groups = append([]string(nil), groups...)
		params["groupSet"] = map[string]any{"items": mapAll(groups, func(g string) any { return map[string]any{"groupId": g} })}
	case hasDesc:
		e.Description = desc[0]
		params["description"] = map[string]any{"value": desc[0]}
	case hasCheck:
		v, err := strconv.ParseBool(check[0])
		if err != nil {
			return nil, errEC2Value("Invalid value '%s' for sourceDestCheck.", check[0])
		}
		e.SourceDestCheck = v
		params["sourceDestCheck"] = map[string]any{"value": v}
	}
	c.trailParams = params
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true}
	return xReturn{true}, nil
}
