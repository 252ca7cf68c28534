package awssim

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// EC2 launch templates and their versions, instance metadata options and
// termination protection.
//
// A launch template's data holds the fields the simulator knows (image,
// instance type, key, user data, instance profile, security groups,
// metadata options, network interfaces, block devices, tag specifications,
// monitoring, termination protection); others are ignored. A version made
// with SourceVersion starts from that version's data, and each top-level
// field the request gives replaces the source's, as in EC2.

// ec2MetadataOptions are an instance's or a launch template's metadata
// options; empty fields are unset.
type ec2MetadataOptions struct {
	HTTPTokens   string `json:",omitempty"`
	HopLimit     int    `json:",omitempty"`
	HTTPEndpoint string `json:",omitempty"`
	HTTPIPv6     string `json:",omitempty"`
	Tags         string `json:",omitempty"`
}

// metadata returns the instance's options with EC2's defaults filled in.
func (in *ec2Instance) metadata() ec2MetadataOptions {
	m := ec2MetadataOptions{HTTPTokens: "optional", HopLimit: 1, HTTPEndpoint: "enabled", HTTPIPv6: "disabled", Tags: "disabled"}
	if o := in.Metadata; o != nil {
		m = m.with(*o)
	}
	return m
}

// with returns m with the fields o sets replaced.
func (m ec2MetadataOptions) with(o ec2MetadataOptions) ec2MetadataOptions {
	if o.HTTPTokens != "" {
		m.HTTPTokens = o.HTTPTokens
	}
	if o.HopLimit != 0 {
		m.HopLimit = o.HopLimit
	}
	if o.HTTPEndpoint != "" {
		m.HTTPEndpoint = o.HTTPEndpoint
	}
	if o.HTTPIPv6 != "" {
		m.HTTPIPv6 = o.HTTPIPv6
	}
	if o.Tags != "" {
		m.Tags = o.Tags
	}
	return m
}

// stateReason is the instance's stateTransitionReason.
func (in *ec2Instance) stateReason() string {
	switch {
	case in.StateChanged.IsZero():
		return ""
	case in.State == "stopped" || in.State == "terminated":
		return "User initiated (" + in.StateChanged.UTC().Format("2006-01-02 15:04:05 GMT") + ")"
	}
	return ""
}

type xMetadataOptions struct {
	State        string `xml:"state"`
	HTTPTokens   string `xml:"httpTokens,omitempty"`
	HopLimit     int    `xml:"httpPutResponseHopLimit,omitempty"`
	HTTPEndpoint string `xml:"httpEndpoint,omitempty"`
	HTTPIPv6     string `xml:"httpProtocolIpv6,omitempty"`
	Tags         string `xml:"instanceMetadataTags,omitempty"`
}

func (m ec2MetadataOptions) xml() xMetadataOptions {
	return xMetadataOptions{State: "applied", HTTPTokens: m.HTTPTokens, HopLimit: m.HopLimit, HTTPEndpoint: m.HTTPEndpoint, HTTPIPv6: m.HTTPIPv6, Tags: m.Tags}
}

// parseMetadataOptions reads metadata options under prefix ("MetadataOptions."
// or ""), checking their values.
func parseMetadataOptions(in url.Values, prefix string) (*ec2MetadataOptions, error) {
	m := &ec2MetadataOptions{HTTPTokens: in.Get(prefix + "HttpTokens"), HTTPEndpoint: in.Get(prefix + "HttpEndpoint"),
		HTTPIPv6: in.Get(prefix + "HttpProtocolIpv6"), Tags: in.Get(prefix + "InstanceMetadataTags")}
	for _, f := range []struct{ name, v, a, b string }{
		{"HttpTokens", m.HTTPTokens, "optional", "required"}, {"HttpEndpoint", m.HTTPEndpoint, "enabled", "disabled"},
		{"HttpProtocolIpv6", m.HTTPIPv6, "enabled", "disabled"}, {"InstanceMetadataTags", m.Tags, "enabled", "disabled"},
	} {
		if f.v != "" && f.v != f.a && f.v != f.b {
			return nil, errEC2Value("Value (%s) for parameter %s is invalid. Valid values are %s and %s.", f.v, lowerCamel(f.name), f.a, f.b)
		}
	}
	if v := in.Get(prefix + "HttpPutResponseHopLimit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return nil, errEC2Value("Value (%s) for parameter httpPutResponseHopLimit is invalid. Valid values are 1 to 64.", v)
		}
		m.HopLimit = n
	}
	if *m == (ec2MetadataOptions{}) {
		return nil, nil
	}
	return m, nil
}

// runMetadataOptions reads RunInstances' MetadataOptions.
func runMetadataOptions(in url.Values) (*ec2MetadataOptions, error) {
	return parseMetadataOptions(in, "MetadataOptions.")
}

func (svc *ec2Service) launchOps() map[string]queryHandler {
	return map[string]queryHandler{
		"ModifyInstanceMetadataOptions":  svc.modifyInstanceMetadataOptions,
		"DescribeInstanceAttribute":      svc.describeInstanceAttribute,
		"CreateLaunchTemplate":           svc.createLaunchTemplate,
		"CreateLaunchTemplateVersion":    svc.createLaunchTemplateVersion,
		"DescribeLaunchTemplates":        svc.describeLaunchTemplates,
		"DescribeLaunchTemplateVersions": svc.describeLaunchTemplateVersions,
		"ModifyLaunchTemplate":           svc.modifyLaunchTemplate,
		"DeleteLaunchTemplate":           svc.deleteLaunchTemplate,
	}
}

func (svc *ec2Service) modifyInstanceMetadataOptions(c *call, in url.Values) (any, error) {
	id, err := required(in, "InstanceId")
	if err != nil {
		return nil, err
	}
	_, inst, err := svc.instance(c, id)
	if err != nil {
		return nil, err
	}
	if inst.State == "terminated" || inst.State == "shutting-down" {
		return nil, ec2Err("IncorrectInstanceState", "The instance '%s' is not in a state from which its metadata options can be modified.", id)
	}
	m, err := parseMetadataOptions(in, "")
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, ec2Err("InvalidParameterCombination", "At least one metadata option must be given.")
	}
	cur := inst.metadata().with(*m)
	inst.Metadata = &cur
	x := cur.xml()
	x.State = "pending"
	return struct {
		InstanceID string           `xml:"instanceId"`
		Options    xMetadataOptions `xml:"instanceMetadataOptions"`
	}{id, x}, nil
}

// setTerminationProtection serves ModifyInstanceAttribute's
// DisableApiTermination.
func (svc *ec2Service) setTerminationProtection(c *call, inst *ec2Instance, v []string) (any, error) {
	if len(v) == 0 || (v[0] != "true" && v[0] != "false") {
		return nil, errEC2Value("Value for parameter disableApiTermination is invalid. Expected a boolean.")
	}
	if inst.State == "terminated" {
		return nil, ec2Err("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be modified.", inst.ID)
	}
	inst.NoTerminate = v[0] == "true"
	c.trailParams = map[string]any{"instanceId": inst.ID, "disableApiTermination": map[string]any{"value": inst.NoTerminate}}
	c.trailResponse = map[string]any{"requestId": c.requestID, "_return": true}
	return xReturn{true}, nil
}

func (svc *ec2Service) describeInstanceAttribute(c *call, in url.Values) (any, error) {
	id, err := required(in, "InstanceId")
	if err != nil {
		return nil, err
	}
	r, inst, err := svc.instance(c, id)
	if err != nil {
		return nil, err
	}
	attr, err := required(in, "Attribute")
	if err != nil {
		return nil, err
	}
	type out struct {
		InstanceID  string             `xml:"instanceId"`
		NoTerminate *xBoolValue        `xml:"disableApiTermination,omitempty"`
		Type        *xStringValue      `xml:"instanceType,omitempty"`
		Groups      []xGroupIdentifier `xml:"groupSet>item,omitempty"`
	}
	switch attr {
	case "disableApiTermination":
		return out{InstanceID: id, NoTerminate: &xBoolValue{inst.NoTerminate}}, nil
	case "instanceType":
		return out{InstanceID: id, Type: &xStringValue{inst.Type}}, nil
	case "groupSet":
		return out{InstanceID: id, Groups: r.xInstance(inst).Groups}, nil
	}
	return nil, errEC2Value("Value (%s) for parameter attribute is invalid. The simulated DescribeInstanceAttribute supports disableApiTermination, instanceType and groupSet.", attr)
}

type xStringValue struct {
	Value string `xml:"value"`
}

// Launch templates.

type ec2LaunchTemplate struct {
	ID, Name       string
	Created        time.Time
	CreatedBy      string
	DefaultVersion int
	Versions       []*ec2LaunchTemplateVersion
	Seq            int
}

type ec2LaunchTemplateVersion struct {
	Number      int
	Description string `json:",omitempty"`
	Created     time.Time
	Data        ec2LaunchTemplateData
}

// ec2LaunchTemplateData is the part of a launch template's data that the
// simulator keeps.
type ec2LaunchTemplateData struct {
	ImageID               string              `json:",omitempty"`
	InstanceType          string              `json:",omitempty"`
	KeyName               string              `json:",omitempty"`
	UserData              string              `json:",omitempty"`
	ProfileARN            string              `json:",omitempty"`
	ProfileName           string              `json:",omitempty"`
	EbsOptimized          *bool               `json:",omitempty"`
	DisableAPITermination *bool               `json:",omitempty"`
	Monitoring            *bool               `json:",omitempty"`
	SecurityGroupIDs      []string            `json:",omitempty"`
	SecurityGroups        []string            `json:",omitempty"`
	Metadata              *ec2MetadataOptions `json:",omitempty"`
	NetworkInterfaces     []ec2LTInterface    `json:",omitempty"`
	BlockDevices          []ec2LTBlockDevice  `json:",omitempty"`
	TagSpecs              []ec2LTTagSpec      `json:",omitempty"`
	// Set names the top-level fields given.
	Set map[string]bool `json:",omitempty"`
}

type ec2LTInterface struct {
	DeviceIndex         *int     `json:",omitempty"`
	AssociatePublicIP   *bool    `json:",omitempty"`
	DeleteOnTermination *bool    `json:",omitempty"`
	Description         string   `json:",omitempty"`
	SubnetID            string   `json:",omitempty"`
	InterfaceID         string   `json:",omitempty"`
	PrivateIP           string   `json:",omitempty"`
	Groups              []string `json:",omitempty"`
}

type ec2LTBlockDevice struct {
	DeviceName          string
	NoDevice            string `json:",omitempty"`
	VirtualName         string `json:",omitempty"`
	HasEBS              bool   `json:",omitempty"`
	Encrypted           *bool  `json:",omitempty"`
	DeleteOnTermination *bool  `json:",omitempty"`
	KMSKeyID            string `json:",omitempty"`
	SnapshotID          string `json:",omitempty"`
	VolumeSize          *int   `json:",omitempty"`
	VolumeType          string `json:",omitempty"`
	IOPS                *int   `json:",omitempty"`
	Throughput          *int   `json:",omitempty"`
}

type ec2LTTagSpec struct {
	ResourceType string
	Tags         map[string]string
}

// launchTemplates returns the region's launch templates, making the map for
// state saved before they were simulated.
func (r *ec2Region) launchTemplates() map[string]*ec2LaunchTemplate {
	if r.LaunchTemplates == nil {
		r.LaunchTemplates = map[string]*ec2LaunchTemplate{}
	}
	return r.LaunchTemplates
}

func optBool(in url.Values, name string) (*bool, error) {
	v := in.Get(name)
	switch v {
	case "":
		return nil, nil
	case "true", "false":
		b := v == "true"
		return &b, nil
	}
	return nil, errEC2Value("Value (%s) for parameter %s is invalid. Expected a boolean.", v, lowerCamel(name))
}

func optInt(in url.Values, name string) (*int, error) {
	v := in.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, errEC2Value("Value (%s) for parameter %s is invalid. Expected an integer.", v, lowerCamel(name))
	}
	return &n, nil
}

// parseLaunchTemplateData reads LaunchTemplateData.*; Set names the
// top-level fields the request gives.
func parseLaunchTemplateData(in url.Values) (ec2LaunchTemplateData, error) {
	d := url.Values{}
	for k, v := range in {
		if rest, ok := strings.CutPrefix(k, "LaunchTemplateData."); ok {
			d[rest] = v
		}
	}
	var out ec2LaunchTemplateData
	out.Set = map[string]bool{}
	for k := range d {
		top, _, _ := strings.Cut(k, ".")
		out.Set[top] = true
	}
	var err error
	out.ImageID, out.InstanceType, out.KeyName, out.UserData = d.Get("ImageId"), d.Get("InstanceType"), d.Get("KeyName"), d.Get("UserData")
	out.ProfileARN, out.ProfileName = d.Get("IamInstanceProfile.Arn"), d.Get("IamInstanceProfile.Name")
	if out.EbsOptimized, err = optBool(d, "EbsOptimized"); err != nil {
		return out, err
	}
	if out.DisableAPITermination, err = optBool(d, "DisableApiTermination"); err != nil {
		return out, err
	}
	if out.Monitoring, err = optBool(d, "Monitoring.Enabled"); err != nil {
		return out, err
	}
	out.SecurityGroupIDs, out.SecurityGroups = queryList(d, "SecurityGroupId"), queryList(d, "SecurityGroup")
	if out.Metadata, err = parseMetadataOptions(d, "MetadataOptions."); err != nil {
		return out, err
	}
	for _, ni := range queryStructs(d, "NetworkInterface") {
		var x ec2LTInterface
		if x.DeviceIndex, err = optInt(ni, "DeviceIndex"); err != nil {
			return out, err
		}
		if x.AssociatePublicIP, err = optBool(ni, "AssociatePublicIpAddress"); err != nil {
			return out, err
		}
		if x.DeleteOnTermination, err = optBool(ni, "DeleteOnTermination"); err != nil {
			return out, err
		}
		x.Description, x.SubnetID, x.InterfaceID, x.PrivateIP = ni.Get("Description"), ni.Get("SubnetId"), ni.Get("NetworkInterfaceId"), ni.Get("PrivateIpAddress")
		x.Groups = queryList(ni, "SecurityGroupId")
		out.NetworkInterfaces = append(out.NetworkInterfaces, x)
	}
	for _, bd := range queryStructs(d, "BlockDeviceMapping") {
		x := ec2LTBlockDevice{DeviceName: bd.Get("DeviceName"), NoDevice: bd.Get("NoDevice"), VirtualName: bd.Get("VirtualName")}
		for k := range bd {
			x.HasEBS = x.HasEBS || strings.HasPrefix(k, "Ebs.")
		}
		if x.Encrypted, err = optBool(bd, "Ebs.Encrypted"); err != nil {
			return out, err
		}
		if x.DeleteOnTermination, err = optBool(bd, "Ebs.DeleteOnTermination"); err != nil {
			return out, err
		}
		x.KMSKeyID, x.SnapshotID, x.VolumeType = bd.Get("Ebs.KmsKeyId"), bd.Get("Ebs.SnapshotId"), bd.Get("Ebs.VolumeType")
		if x.VolumeSize, err = optInt(bd, "Ebs.VolumeSize"); err != nil {
			return out, err
		}
		if x.IOPS, err = optInt(bd, "Ebs.Iops"); err != nil {
			return out, err
		}
		if x.Throughput, err = optInt(bd, "Ebs.Throughput"); err != nil {
			return out, err
		}
		out.BlockDevices = append(out.BlockDevices, x)
	}
	for _, ts := range queryStructs(d, "TagSpecification") {
		spec := ec2LTTagSpec{ResourceType: ts.Get("ResourceType"), Tags: map[string]string{}}
		for _, t := range queryStructs(ts, "Tag") {
			if err := checkTagKey(t.Get("Key")); err != nil {
				return out, err
			}
			spec.Tags[t.Get("Key")] = t.Get("Value")
		}
		out.TagSpecs = append(out.TagSpecs, spec)
	}
	if out.UserData != "" && len(out.UserData) > 16*1024*4/3+4 {
		return out, errEC2Value("User data is limited to 16384 bytes")
	}
	return out, nil
}

// overlay returns the data of a version made from src with the fields d
// sets replacing src's.
func (d ec2LaunchTemplateData) overlay(src ec2LaunchTemplateData) ec2LaunchTemplateData {
	out := src
	out.Set = map[string]bool{}
	for k := range src.Set {
		out.Set[k] = true
	}
	for k := range d.Set {
		out.Set[k] = true
		switch k {
		case "ImageId":
			out.ImageID = d.ImageID
		case "InstanceType":
			out.InstanceType = d.InstanceType
		case "KeyName":
			out.KeyName = d.KeyName
		case "UserData":
			out.UserData = d.UserData
		case "IamInstanceProfile":
			out.ProfileARN, out.ProfileName = d.ProfileARN, d.ProfileName
		case "EbsOptimized":
			out.EbsOptimized = d.EbsOptimized
		case "DisableApiTermination":
			out.DisableAPITermination = d.DisableAPITermination
		case "Monitoring":
			out.Monitoring = d.Monitoring
		case "SecurityGroupId":
			out.SecurityGroupIDs = d.SecurityGroupIDs
		case "SecurityGroup":
			out.SecurityGroups = d.SecurityGroups
		case "MetadataOptions":
			out.Metadata = d.Metadata
		case "NetworkInterface":
			out.NetworkInterfaces = d.NetworkInterfaces
		case "BlockDeviceMapping":
			out.BlockDevices = d.BlockDevices
		case "TagSpecification":
			out.TagSpecs = d.TagSpecs
		}
	}
	return out
}

type xLTData struct {
	EbsOptimized          *bool               `xml:"ebsOptimized,omitempty"`
	Profile               *xLTProfile         `xml:"iamInstanceProfile,omitempty"`
	BlockDevices          []xLTBlockDevice    `xml:"blockDeviceMappingSet>item,omitempty"`
	NetworkInterfaces     []xLTInterface      `xml:"networkInterfaceSet>item,omitempty"`
	ImageID               string              `xml:"imageId,omitempty"`
	InstanceType          string              `xml:"instanceType,omitempty"`
	KeyName               string              `xml:"keyName,omitempty"`
	Monitoring            *xLTMonitoring      `xml:"monitoring,omitempty"`
	DisableAPITermination *bool               `xml:"disableApiTermination,omitempty"`
	UserData              string              `xml:"userData,omitempty"`
	TagSpecs              []xLTTagSpec        `xml:"tagSpecificationSet>item,omitempty"`
	SecurityGroupIDs      []string            `xml:"securityGroupIdSet>item,omitempty"`
	SecurityGroups        []string            `xml:"securityGroupSet>item,omitempty"`
	Metadata              *xLTMetadataOptions `xml:"metadataOptions,omitempty"`
}

type xLTProfile struct {
	ARN  string `xml:"arn,omitempty"`
	Name string `xml:"name,omitempty"`
}

type xLTMonitoring struct {
	Enabled bool `xml:"enabled"`
}

type xLTMetadataOptions struct {
	State        string `xml:"state"`
	HTTPTokens   string `xml:"httpTokens,omitempty"`
	HopLimit     int    `xml:"httpPutResponseHopLimit,omitempty"`
	HTTPEndpoint string `xml:"httpEndpoint,omitempty"`
	HTTPIPv6     string `xml:"httpProtocolIpv6,omitempty"`
	Tags         string `xml:"instanceMetadataTags,omitempty"`
}

type xLTInterface struct {
	AssociatePublicIP   *bool    `xml:"associatePublicIpAddress,omitempty"`
	DeleteOnTermination *bool    `xml:"deleteOnTermination,omitempty"`
	Description         string   `xml:"description,omitempty"`
	DeviceIndex         *int     `xml:"deviceIndex,omitempty"`
	Groups              []string `xml:"groupSet>groupId,omitempty"`
	InterfaceID         string   `xml:"networkInterfaceId,omitempty"`
	PrivateIP           string   `xml:"privateIpAddress,omitempty"`
	SubnetID            string   `xml:"subnetId,omitempty"`
}

type xLTBlockDevice struct {
	DeviceName  string  `xml:"deviceName,omitempty"`
	VirtualName string  `xml:"virtualName,omitempty"`
	EBS         *xLTEBS `xml:"ebs,omitempty"`
	NoDevice    string  `xml:"noDevice,omitempty"`
}

type xLTEBS struct {
	Encrypted           *bool  `xml:"encrypted,omitempty"`
	DeleteOnTermination *bool  `xml:"deleteOnTermination,omitempty"`
	IOPS                *int   `xml:"iops,omitempty"`
	KMSKeyID            string `xml:"kmsKeyId,omitempty"`
	SnapshotID          string `xml:"snapshotId,omitempty"`
	VolumeSize          *int   `xml:"volumeSize,omitempty"`
	VolumeType          string `xml:"volumeType,omitempty"`
	Throughput          *int   `xml:"throughput,omitempty"`
}

type xLTTagSpec struct {
	ResourceType string `xml:"resourceType"`
	Tags         []xTag `xml:"tagSet>item"`
}

func (d ec2LaunchTemplateData) xml() xLTData {
	x := xLTData{EbsOptimized: d.EbsOptimized, ImageID: d.ImageID, InstanceType: d.InstanceType, KeyName: d.KeyName,
		DisableAPITermination: d.DisableAPITermination, UserData: d.UserData, SecurityGroupIDs: d.SecurityGroupIDs, SecurityGroups: d.SecurityGroups}
	if d.ProfileARN != "" || d.ProfileName != "" {
		x.Profile = &xLTProfile{d.ProfileARN, d.ProfileName}
	}
	if d.Monitoring != nil {
		x.Monitoring = &xLTMonitoring{*d.Monitoring}
	}
	if m := d.Metadata; m != nil {
		x.Metadata = &xLTMetadataOptions{State: "applied", HTTPTokens: m.HTTPTokens, HopLimit: m.HopLimit, HTTPEndpoint: m.HTTPEndpoint, HTTPIPv6: m.HTTPIPv6, Tags: m.Tags}
	}
	for _, ni := range d.NetworkInterfaces {
		x.NetworkInterfaces = append(x.NetworkInterfaces, xLTInterface{AssociatePublicIP: ni.AssociatePublicIP, DeleteOnTermination: ni.DeleteOnTermination,
			Description: ni.Description, DeviceIndex: ni.DeviceIndex, Groups: ni.Groups, InterfaceID: ni.InterfaceID, PrivateIP: ni.PrivateIP, SubnetID: ni.SubnetID})
	}
	for _, bd := range d.BlockDevices {
		xb := xLTBlockDevice{DeviceName: bd.DeviceName, VirtualName: bd.VirtualName, NoDevice: bd.NoDevice}
		if bd.HasEBS {
			xb.EBS = &xLTEBS{Encrypted: bd.Encrypted, DeleteOnTermination: bd.DeleteOnTermination, IOPS: bd.IOPS, KMSKeyID: bd.KMSKeyID,
				SnapshotID: bd.SnapshotID, VolumeSize: bd.VolumeSize, VolumeType: bd.VolumeType, Throughput: bd.Throughput}
		}
		x.BlockDevices = append(x.BlockDevices, xb)
	}
	for _, ts := range d.TagSpecs {
		xt := xLTTagSpec{ResourceType: ts.ResourceType}
		for _, k := range sortedKeys(ts.Tags) {
			xt.Tags = append(xt.Tags, xTag{k, ts.Tags[k]})
		}
		x.TagSpecs = append(x.TagSpecs, xt)
	}
	return x
}

type xLaunchTemplate struct {
	ID             string `xml:"launchTemplateId"`
	Name           string `xml:"launchTemplateName"`
	Created        string `xml:"createTime"`
	CreatedBy      string `xml:"createdBy"`
	DefaultVersion int    `xml:"defaultVersionNumber"`
	LatestVersion  int    `xml:"latestVersionNumber"`
	Tags           []xTag `xml:"tagSet>item"`
}

type xLaunchTemplateVersion struct {
	ID          string  `xml:"launchTemplateId"`
	Name        string  `xml:"launchTemplateName"`
	Number      int     `xml:"versionNumber"`
	Description string  `xml:"versionDescription,omitempty"`
	Created     string  `xml:"createTime"`
	CreatedBy   string  `xml:"createdBy"`
	Default     bool    `xml:"defaultVersion"`
	Data        xLTData `xml:"launchTemplateData"`
}

func (r *ec2Region) xLaunchTemplate(t *ec2LaunchTemplate) xLaunchTemplate {
	return xLaunchTemplate{ID: t.ID, Name: t.Name, Created: isoTime(t.Created), CreatedBy: t.CreatedBy, DefaultVersion: t.DefaultVersion,
		LatestVersion: t.latest().Number, Tags: r.tagSet(t.ID)}
}

func (t *ec2LaunchTemplate) xVersion(v *ec2LaunchTemplateVersion) xLaunchTemplateVersion {
	return xLaunchTemplateVersion{ID: t.ID, Name: t.Name, Number: v.Number, Description: v.Description, Created: isoTime(v.Created),
		CreatedBy: t.CreatedBy, Default: v.Number == t.DefaultVersion, Data: v.Data.xml()}
}

func (t *ec2LaunchTemplate) latest() *ec2LaunchTemplateVersion { return t.Versions[len(t.Versions)-1] }

// version returns the version named by "$Latest", "$Default" or a number.
func (t *ec2LaunchTemplate) version(name string) (*ec2LaunchTemplateVersion, error) {
	switch name {
	case "", "$Default":
		name = strconv.Itoa(t.DefaultVersion)
	case "$Latest":
		return t.latest(), nil
	}
	n, err := strconv.Atoi(name)
	if err != nil {
		return nil, ec2Err("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %s for launch template %s", name, t.ID)
	}
	for _, v := range t.Versions {
		if v.Number == n {
			return v, nil
		}
	}
	return nil, ec2Err("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %d for launch template %s", n, t.ID)
}

// launchTemplate finds the template named by LaunchTemplateId or
// LaunchTemplateName.
func (r *ec2Region) launchTemplate(id, name string) (*ec2LaunchTemplate, error) {
	switch {
	case id != "" && name != "":
		return nil, ec2Err("InvalidParameterCombination", "Specify either the launch template ID or the launch template name, but not both.")
	case id != "":
		t := r.launchTemplates()[id]
		if t == nil {
			if !strings.HasPrefix(id, "lt-") {
				return nil, ec2Err("InvalidLaunchTemplateId.Malformed", "The specified ID for the launch template (%s) is not valid.", id)
			}
			return nil, errEC2NotFound("launch-template", id)
		}
		return t, nil
	case name != "":
		for _, t := range r.launchTemplates() {
			if t.Name == name {
				return t, nil
			}
		}
		return nil, ec2Err("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", name)
	}
	return nil, errMissingParameter("LaunchTemplateId")
}

// launchTemplateVersion returns a launch template's version as the
// simulator keeps it, for other simulated services (Auto Scaling).
func (svc *ec2Service) launchTemplateVersion(account, region, id, name, version string) (*ec2LaunchTemplate, *ec2LaunchTemplateVersion, error) {
	r := svc.regionOf(account, region)
	t, err := r.launchTemplate(id, name)
	if err != nil {
		return nil, nil, err
	}
	v, err := t.version(version)
	if err != nil {
		return nil, nil, err
	}
	return t, v, nil
}

func (svc *ec2Service) createLaunchTemplate(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	name, err := required(in, "LaunchTemplateName")
	if err != nil {
		return nil, err
	}
	if len(name) < 3 || len(name) > 128 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789()./_-") != "" {
		return nil, errEC2Value("Value (%s) for parameter launchTemplateName is invalid. It must be 3 to 128 characters of letters, digits and ()./_-.", name)
	}
	for _, t := range r.launchTemplates() {
		if t.Name == name {
			return nil, ec2Err("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
		}
	}
	data, err := parseLaunchTemplateData(in)
	if err != nil {
		return nil, err
	}
	if err := checkTagSpecTypes(in, "launch-template"); err != nil {
		return nil, err
	}
	tags, err := tagSpecs(in, "launch-template")
	if err != nil {
		return nil, err
	}
	t := &ec2LaunchTemplate{ID: c.newID("lt-", 17), Name: name, Created: c.now, CreatedBy: c.caller.ARN, DefaultVersion: 1, Seq: r.next(),
		Versions: []*ec2LaunchTemplateVersion{{Number: 1, Description: in.Get("VersionDescription"), Created: c.now, Data: data}}}
	r.launchTemplates()[t.ID] = t
	if err := r.setTags(t.ID, tags); err != nil {
		return nil, err
	}
	c.trailResponse = map[string]any{"requestId": c.requestID, "launchTemplate": map[string]any{"launchTemplateId": t.ID, "launchTemplateName": name, "latestVersionNumber": 1}}
	return struct {
		LT xLaunchTemplate `xml:"launchTemplate"`
	}{r.xLaunchTemplate(t)}, nil
}

func (svc *ec2Service) createLaunchTemplateVersion(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	t, err := r.launchTemplate(in.Get("LaunchTemplateId"), in.Get("LaunchTemplateName"))
	if err != nil {
		return nil, err
	}
	data, err := parseLaunchTemplateData(in)
	if err != nil {
		return nil, err
	}
	if src := in.Get("SourceVersion"); src != "" {
		sv, err := t.version(src)
		if err != nil {
			return nil, err
		}
		data = data.overlay(sv.Data)
	}
	const maxVersions = 10000
	if len(t.Versions) >= maxVersions {
		return nil, ec2Err("LaunchTemplateVersionLimitExceeded", "You have reached the maximum number of launch template versions (%d).", maxVersions)
	}
	v := &ec2LaunchTemplateVersion{Number: t.latest().Number + 1, Description: in.Get("VersionDescription"), Created: c.now, Data: data}
	t.Versions = append(t.Versions, v)
	c.trailResponse = map[string]any{"requestId": c.requestID, "launchTemplateVersion": map[string]any{"launchTemplateId": t.ID, "versionNumber": v.Number}}
	return struct {
		Version xLaunchTemplateVersion `xml:"launchTemplateVersion"`
	}{t.xVersion(v)}, nil
}

func (svc *ec2Service) describeLaunchTemplates(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	ts, err := ec2Kind[*ec2LaunchTemplate]{
		idParam: "LaunchTemplateId", kind: "launch-template",
		filters: []string{"launch-template-name", "create-time"},
		id:      func(t *ec2LaunchTemplate) string { return t.ID },
		seq:     func(t *ec2LaunchTemplate) int { return t.Seq },
		narrow: func(ts []*ec2LaunchTemplate) ([]*ec2LaunchTemplate, error) {
			names := queryList(in, "LaunchTemplateName")
			if len(names) == 0 {
				return ts, nil
			}
			var out []*ec2LaunchTemplate
			for _, n := range names {
				t, err := r.launchTemplate("", n)
				if err != nil {
					return nil, err
				}
				out = append(out, t)
			}
			return out, nil
		},
		attr: func(t *ec2LaunchTemplate, name string) []string {
			switch name {
			case "launch-template-name":
				return []string{t.Name}
			case "create-time":
				return []string{isoTime(t.Created)}
			}
			return nil
		},
	}.describe(r, in, r.launchTemplates())
	if err != nil {
		return nil, err
	}
	return struct {
		LTs []xLaunchTemplate `xml:"launchTemplates>item"`
	}{mapAll(ts, r.xLaunchTemplate)}, nil
}

func (svc *ec2Service) describeLaunchTemplateVersions(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	id, name := in.Get("LaunchTemplateId"), in.Get("LaunchTemplateName")
	var templates []*ec2LaunchTemplate
	if id != "" || name != "" {
		t, err := r.launchTemplate(id, name)
		if err != nil {
			return nil, err
		}
		templates = []*ec2LaunchTemplate{t}
	} else {
		if len(queryList(in, "LaunchTemplateVersion")) > 0 {
			return nil, ec2Err("InvalidParameterCombination", "Versions can be given only with a launch template ID or name.")
		}
		templates, _ = selectIDs(r.launchTemplates(), nil, func(t *ec2LaunchTemplate) int { return t.Seq }, "launch-template")
	}
	min, err := atoi(in.Get("MinVersion"), 0)
	if err != nil {
		return nil, err
	}
	max, err := atoi(in.Get("MaxVersion"), 0)
	if err != nil {
		return nil, err
	}
	var out []xLaunchTemplateVersion
	for _, t := range templates {
		var vs []*ec2LaunchTemplateVersion
		if names := queryList(in, "LaunchTemplateVersion"); len(names) > 0 {
			for _, n := range names {
				v, err := t.version(n)
				if err != nil {
					return nil, err
				}
				vs = append(vs, v)
			}
		} else {
			vs = t.Versions
		}
		for _, v := range vs {
			if (min > 0 && v.Number < min) || (max > 0 && v.Number > max) {
				continue
			}
			out = append(out, t.xVersion(v))
		}
	}
	return struct {
		Versions []xLaunchTemplateVersion `xml:"launchTemplateVersionSet>item"`
	}{out}, nil
}

func (svc *ec2Service) modifyLaunchTemplate(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	t, err := r.launchTemplate(in.Get("LaunchTemplateId"), in.Get("LaunchTemplateName"))
	if err != nil {
		return nil, err
	}
	if d := in.Get("SetDefaultVersion"); d != "" {
		v, err := t.version(d)
		if err != nil {
			return nil, err
		}
		t.DefaultVersion = v.Number
	}
	return struct {
		LT xLaunchTemplate `xml:"launchTemplate"`
	}{r.xLaunchTemplate(t)}, nil
}

func (svc *ec2Service) deleteLaunchTemplate(c *call, in url.Values) (any, error) {
	r := svc.region(c)
	t, err := r.launchTemplate(in.Get("LaunchTemplateId"), in.Get("LaunchTemplateName"))
	if err != nil {
		return nil, err
	}
	x := r.xLaunchTemplate(t)
	delete(r.launchTemplates(), t.ID)
	r.dropTags(t.ID)
	return struct {
		LT xLaunchTemplate `xml:"launchTemplate"`
	}{x}, nil
}
