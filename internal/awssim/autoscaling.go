package awssim

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Auto Scaling: groups (their launch configuration, launch template or
// mixed instances policy's launch template, sizes, health checks, load
// balancers and tags; no instances are launched) and launch
// configurations. A group's launch template must exist in EC2, with the
// version it names. State is per account and region.

const autoscalingXMLNS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"

type autoscalingService struct {
	s   *Server
	ec2 *ec2Service
	// Groups and LaunchConfigs are keyed by scopeKey, then by name.
	Groups        map[string]map[string]*asGroup
	LaunchConfigs map[string]map[string]*asLaunchConfig
}

// asLaunchTemplateSpec names a launch template and its version as a group
// gave it.
type asLaunchTemplateSpec struct {
	ID, Name, Version string
}

type asGroup struct {
	Name, ARN           string
	LaunchConfig        string                `json:",omitempty"`
	LaunchTemplate      *asLaunchTemplateSpec `json:",omitempty"`
	MixedTemplate       *asLaunchTemplateSpec `json:",omitempty"`
	Min, Max, Desired   int
	DefaultCooldown     int
	AZs                 []string
	VPCZoneIdentifier   string `json:",omitempty"`
	LoadBalancerNames   []string
	TargetGroupARNs     []string
	HealthCheckType     string
	HealthCheckGrace    int
	TerminationPolicies []string
	Tags                []asTag
	Created             time.Time
}

type asTag struct {
	Key, Value string
	Propagate  bool
}

type asLaunchConfig struct {
	Name, ARN            string
	ImageID, KeyName     string
	SecurityGroups       []string
	UserData             string `json:",omitempty"`
	InstanceType         string
	KernelID, RamdiskID  string `json:",omitempty"`
	BlockDevices         []asBlockDevice
	Monitoring           *bool  `json:",omitempty"`
	SpotPrice            string `json:",omitempty"`
	InstanceProfile      string `json:",omitempty"`
	EbsOptimized         bool
	AssociatePublicIP    *bool `json:",omitempty"`
	PlacementTenancy     string
	MetadataHTTPTokens   string `json:",omitempty"`
	MetadataHopLimit     int    `json:",omitempty"`
	MetadataHTTPEndpoint string `json:",omitempty"`
	Created              time.Time
}

type asBlockDevice struct {
	DeviceName, VirtualName string
	NoDevice                bool
	HasEBS                  bool
	SnapshotID, VolumeType  string
	VolumeSize, IOPS        *int
	Throughput              *int
	DeleteOnTermination     *bool
	Encrypted               *bool
}

func newAutoScaling(s *Server, ec2 *ec2Service) *serviceDef {
	svc := &autoscalingService{s: s, ec2: ec2, Groups: map[string]map[string]*asGroup{}, LaunchConfigs: map[string]map[string]*asLaunchConfig{}}
	def := &serviceDef{
		Name: "autoscaling", EventSource: "autoscaling.amazonaws.com", Protocol: protoQuery, XMLNS: autoscalingXMLNS,
		State: svc,
		Query: map[string]queryHandler{
			"CreateAutoScalingGroup":       svc.createGroup,
			"DescribeAutoScalingGroups":    svc.describeGroups,
			"UpdateAutoScalingGroup":       svc.updateGroup,
			"DeleteAutoScalingGroup":       svc.deleteGroup,
			"CreateLaunchConfiguration":    svc.createLaunchConfig,
			"DescribeLaunchConfigurations": svc.describeLaunchConfigs,
			"DeleteLaunchConfiguration":    svc.deleteLaunchConfig,
		},
	}
	def.Resources = svc.resources
	return def
}

func asValidation(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ValidationError", format, args...)
}

func (svc *autoscalingService) groups(c *call) map[string]*asGroup { return scoped(svc.Groups, c) }
func (svc *autoscalingService) configs(c *call) map[string]*asLaunchConfig {
	return scoped(svc.LaunchConfigs, c)
}

// resources names the group or launch configuration a call acts on.
func (svc *autoscalingService) resources(c *call) ([]string, bool) {
	if readsAll(c.op) {
		return noResource()
	}
	if name := c.param("AutoScalingGroupName"); name != "" {
		if g := svc.groups(c)[name]; g != nil {
			return []string{g.ARN}, true
		}
		return []string{c.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/"+name)}, true
	}
	if name := c.param("LaunchConfigurationName"); name != "" {
		if lc := svc.configs(c)[name]; lc != nil {
			return []string{lc.ARN}, true
		}
		return []string{c.arn("autoscaling", "launchConfiguration:*:launchConfigurationName/"+name)}, true
	}
	return nil, false
}

// Launch templates.

func asTemplateSpec(in url.Values, prefix string) *asLaunchTemplateSpec {
	spec := &asLaunchTemplateSpec{ID: in.Get(prefix + "LaunchTemplateId"), Name: in.Get(prefix + "LaunchTemplateName"), Version: in.Get(prefix + "Version")}
	if *spec == (asLaunchTemplateSpec{}) {
		return nil
	}
	return spec
}

// resolveTemplate checks that the template and version a spec names exist
// and fills in the template's ID and name.
func (svc *autoscalingService) resolveTemplate(c *call, spec *asLaunchTemplateSpec) error {
	if spec.ID != "" && spec.Name != "" {
		return asValidation("Valid requests must contain either launchTemplateId or launchTemplateName, not both.")
	}
	if spec.ID == "" && spec.Name == "" {
		return asValidation("Valid requests must contain either launchTemplateId or launchTemplateName.")
	}
	t, _, err := svc.ec2.launchTemplateVersion(c.Account(), c.region, spec.ID, spec.Name, spec.Version)
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*Error); ok {
			msg = e.Message
		}
		return asValidation("You must use a valid fully-formed launch template. %s", msg)
	}
	spec.ID, spec.Name = t.ID, t.Name
	if spec.Version == "" {
		spec.Version = "$Default"
	}
	return nil
}

// Groups.

type xASLaunchTemplate struct {
	ID      string `xml:"LaunchTemplateId,omitempty"`
	Name    string `xml:"LaunchTemplateName,omitempty"`
	Version string `xml:"Version,omitempty"`
}

type xASTag struct {
	ResourceID        string `xml:"ResourceId"`
	ResourceType      string `xml:"ResourceType"`
	Key               string `xml:"Key"`
	Value             string `xml:"Value"`
	PropagateAtLaunch bool   `xml:"PropagateAtLaunch"`
}

type xASGroup struct {
	Name              string             `xml:"AutoScalingGroupName"`
	ARN               string             `xml:"AutoScalingGroupARN"`
	LaunchConfig      string             `xml:"LaunchConfigurationName,omitempty"`
	LaunchTemplate    *xASLaunchTemplate `xml:"LaunchTemplate,omitempty"`
	MixedTemplate     *xASLaunchTemplate `xml:"MixedInstancesPolicy>LaunchTemplate>LaunchTemplateSpecification,omitempty"`
	Min               int                `xml:"MinSize"`
	Max               int                `xml:"MaxSize"`
	Desired           int                `xml:"DesiredCapacity"`
	DefaultCooldown   int                `xml:"DefaultCooldown"`
	AZs               []string           `xml:"AvailabilityZones>member"`
	LoadBalancerNames []string           `xml:"LoadBalancerNames>member"`
	TargetGroupARNs   []string           `xml:"TargetGroupARNs>member"`
	HealthCheckType   string             `xml:"HealthCheckType"`
	HealthCheckGrace  int                `xml:"HealthCheckGracePeriod"`
	Instances         []string           `xml:"Instances>member"`
	Created           string             `xml:"CreatedTime"`
	VPCZoneIdentifier string             `xml:"VPCZoneIdentifier,omitempty"`
	Tags              []xASTag           `xml:"Tags>member"`
	TermPolicies      []string           `xml:"TerminationPolicies>member"`
	ProtectScaleIn    bool               `xml:"NewInstancesProtectedFromScaleIn"`
}

func (g *asGroup) xml() xASGroup {
	x := xASGroup{Name: g.Name, ARN: g.ARN, LaunchConfig: g.LaunchConfig, Min: g.Min, Max: g.Max, Desired: g.Desired,
		DefaultCooldown: g.DefaultCooldown, AZs: g.AZs, LoadBalancerNames: g.LoadBalancerNames, TargetGroupARNs: g.TargetGroupARNs,
		HealthCheckType: g.HealthCheckType, HealthCheckGrace: g.HealthCheckGrace, Created: isoTime(g.Created), VPCZoneIdentifier: g.VPCZoneIdentifier,
		TermPolicies: g.TerminationPolicies}
	if t := g.LaunchTemplate; t != nil {
		x.LaunchTemplate = &xASLaunchTemplate{t.ID, t.Name, t.Version}
	}
	if t := g.MixedTemplate; t != nil {
		x.MixedTemplate = &xASLaunchTemplate{t.ID, t.Name, t.Version}
	}
	for _, t := range g.Tags {
		x.Tags = append(x.Tags, xASTag{g.Name, "auto-scaling-group", t.Key, t.Value, t.Propagate})
	}
	return x
}

// applyGroupSettings sets what CreateAutoScalingGroup and
// UpdateAutoScalingGroup share.
func (svc *autoscalingService) applyGroupSettings(c *call, in url.Values, g *asGroup) error {
	lc, lt, mixed := in.Get("LaunchConfigurationName"), asTemplateSpec(in, "LaunchTemplate."), asTemplateSpec(in, "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.")
	n := 0
	for _, set := range []bool{lc != "", lt != nil, mixed != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return asValidation("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
	}
	switch {
	case lc != "":
		if svc.configs(c)[lc] == nil {
			return asValidation("Launch configuration name not found - Launch configuration %s not found", lc)
		}
		g.LaunchConfig, g.LaunchTemplate, g.MixedTemplate = lc, nil, nil
	case lt != nil:
		if err := svc.resolveTemplate(c, lt); err != nil {
			return err
		}
		g.LaunchConfig, g.LaunchTemplate, g.MixedTemplate = "", lt, nil
	case mixed != nil:
		if err := svc.resolveTemplate(c, mixed); err != nil {
			return err
		}
		g.LaunchConfig, g.LaunchTemplate, g.MixedTemplate = "", nil, mixed
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"MinSize", &g.Min}, {"MaxSize", &g.Max}, {"DesiredCapacity", &g.Desired}, {"DefaultCooldown", &g.DefaultCooldown}, {"HealthCheckGracePeriod", &g.HealthCheckGrace}} {
		if v := in.Get(f.name); v != "" {
			n, err := atoi(v, 0)
			if err != nil || n < 0 {
				return asValidation("Value %s for %s is invalid", v, f.name)
			}
			*f.dst = n
		}
	}
	if in.Get("DesiredCapacity") == "" && g.Desired < g.Min {
		g.Desired = g.Min
	}
	if in.Get("DesiredCapacity") == "" && g.Desired > g.Max {
		g.Desired = g.Max
	}
	if g.Min > g.Max {
		return asValidation("Max bound, %d, must be greater than or equal to min bound, %d", g.Max, g.Min)
	}
	if g.Desired < g.Min || g.Desired > g.Max {
		return asValidation("Desired capacity:%d must be between the specified min size:%d and max size:%d", g.Desired, g.Min, g.Max)
	}
	if t := in.Get("HealthCheckType"); t != "" {
		if t != "EC2" && t != "ELB" && t != "VPC_LATTICE" && t != "EBS" {
			return asValidation("Value %s for HealthCheckType is invalid: must be EC2, ELB, VPC_LATTICE or EBS", t)
		}
		g.HealthCheckType = t
	}
	if azs := queryList(in, "AvailabilityZones"); len(azs) > 0 {
		g.AZs = azs
	}
	if v, ok := in["VPCZoneIdentifier"]; ok && len(v) > 0 {
		g.VPCZoneIdentifier = v[0]
	}
	if tp := queryList(in, "TerminationPolicies"); len(tp) > 0 {
		g.TerminationPolicies = tp
	}
	return nil
}

func (svc *autoscalingService) createGroup(c *call, in url.Values) (any, error) {
	name, err := required(in, "AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	if svc.groups(c)[name] != nil {
		return nil, errorf(http.StatusBadRequest, "AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name %s already exists", name)
	}
	for _, p := range []string{"MinSize", "MaxSize"} {
		if _, err := required(in, p); err != nil {
			return nil, err
		}
	}
	g := &asGroup{Name: name, ARN: c.arn("autoscaling", "autoScalingGroup:"+c.s.newUUIDLocked()+":autoScalingGroupName/"+name),
		DefaultCooldown: 300, HealthCheckType: "EC2", TerminationPolicies: []string{"Default"}, Created: c.now,
		LoadBalancerNames: queryList(in, "LoadBalancerNames"), TargetGroupARNs: queryList(in, "TargetGroupARNs")}
	if err := svc.applyGroupSettings(c, in, g); err != nil {
		return nil, err
	}
	if g.LaunchConfig == "" && g.LaunchTemplate == nil && g.MixedTemplate == nil {
		return nil, asValidation("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
	}
	if len(g.AZs) == 0 && g.VPCZoneIdentifier == "" {
		return nil, asValidation("At least one Availability Zone or VPC Subnet is required.")
	}
	if len(g.AZs) == 0 {
		for _, sn := range strings.Split(g.VPCZoneIdentifier, ",") {
			if s := svc.ec2.regionOf(c.Account(), c.region).Subnets[strings.TrimSpace(sn)]; s != nil && !contains(g.AZs, s.AZ) {
				g.AZs = append(g.AZs, s.AZ)
			}
		}
		if len(g.AZs) == 0 {
			return nil, asValidation("The subnet ID '%s' does not exist", g.VPCZoneIdentifier)
		}
	}
	for _, t := range queryStructs(in, "Tags") {
		g.Tags = append(g.Tags, asTag{t.Get("Key"), t.Get("Value"), t.Get("PropagateAtLaunch") == "true"})
	}
	sort.Slice(g.Tags, func(i, j int) bool { return g.Tags[i].Key < g.Tags[j].Key })
	svc.groups(c)[name] = g
	c.trailResources = []TrailResource{{ARN: g.ARN, AccountID: c.Account(), Type: "AWS::AutoScaling::AutoScalingGroup", Name: name}}
	return nil, nil
}

// asPage returns the page of names a query-protocol NextToken/MaxRecords
// request asks for, and the token of the next page.
func asPage(in url.Values, names []string, maxAllowed int) ([]string, string, error) {
	max, err := atoi(in.Get("MaxRecords"), 50)
	if err != nil || max < 1 || max > maxAllowed {
		return nil, "", asValidation("MaxRecords must be between 1 and %d", maxAllowed)
	}
	start := 0
	if tok := in.Get("NextToken"); tok != "" {
		pos, ok := pagePosition(tok)
		if !ok {
			return nil, "", errorf(http.StatusBadRequest, "InvalidNextToken", "The token '%s' is invalid.", tok)
		}
		start = sort.SearchStrings(names, pos)
	}
	end := min(start+max, len(names))
	next := ""
	if end < len(names) {
		next = pageToken(names[end])
	}
	return names[start:end], next, nil
}

func (svc *autoscalingService) describeGroups(c *call, in url.Values) (any, error) {
	var names []string
	if want := queryList(in, "AutoScalingGroupNames"); len(want) > 0 {
		for _, n := range want {
			if svc.groups(c)[n] != nil {
				names = append(names, n)
			}
		}
		sort.Strings(names)
	} else {
		names = sortedKeys(svc.groups(c))
	}
	var filtered []string
	for _, n := range names {
		if svc.groups(c)[n].matches(queryStructs(in, "Filters")) {
			filtered = append(filtered, n)
		}
	}
	page, next, err := asPage(in, filtered, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		Groups    []xASGroup `xml:"AutoScalingGroups>member"`
		NextToken string     `xml:"NextToken,omitempty"`
	}{NextToken: next}
	out.Groups = []xASGroup{}
	for _, n := range page {
		out.Groups = append(out.Groups, svc.groups(c)[n].xml())
	}
	return out, nil
}

// matches reports whether the group passes the tag filters.
func (g *asGroup) matches(filters []url.Values) bool {
	for _, f := range filters {
		name, values := f.Get("Name"), queryList(f, "Values")
		ok := false
		for _, t := range g.Tags {
			switch {
			case strings.HasPrefix(name, "tag:"):
				ok = ok || (t.Key == strings.TrimPrefix(name, "tag:") && contains(values, t.Value))
			case name == "tag-key":
				ok = ok || contains(values, t.Key)
			case name == "tag-value":
				ok = ok || contains(values, t.Value)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (svc *autoscalingService) group(c *call, in url.Values) (*asGroup, error) {
	name, err := required(in, "AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	g := svc.groups(c)[name]
	if g == nil {
		return nil, asValidation("AutoScalingGroup name not found - AutoScalingGroup %s not found", name)
	}
	c.trailResources = []TrailResource{{ARN: g.ARN, AccountID: c.Account(), Type: "AWS::AutoScaling::AutoScalingGroup", Name: name}}
	return g, nil
}

func (svc *autoscalingService) updateGroup(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in)
	if err != nil {
		return nil, err
	}
	updated := *g
	if err := svc.applyGroupSettings(c, in, &updated); err != nil {
		return nil, err
	}
	*g = updated
	return nil, nil
}

func (svc *autoscalingService) deleteGroup(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in)
	if err != nil {
		return nil, err
	}
	if g.Desired > 0 && in.Get("ForceDelete") != "true" {
		return nil, errorf(http.StatusBadRequest, "ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.")
	}
	delete(svc.groups(c), g.Name)
	return nil, nil
}

// Launch configurations.

type xASBlockDevice struct {
	VirtualName string  `xml:"VirtualName,omitempty"`
	DeviceName  string  `xml:"DeviceName"`
	EBS         *xASEBS `xml:"Ebs,omitempty"`
	NoDevice    *bool   `xml:"NoDevice,omitempty"`
}

type xASEBS struct {
	SnapshotID          string `xml:"SnapshotId,omitempty"`
	VolumeSize          *int   `xml:"VolumeSize,omitempty"`
	VolumeType          string `xml:"VolumeType,omitempty"`
	DeleteOnTermination *bool  `xml:"DeleteOnTermination,omitempty"`
	IOPS                *int   `xml:"Iops,omitempty"`
	Encrypted           *bool  `xml:"Encrypted,omitempty"`
	Throughput          *int   `xml:"Throughput,omitempty"`
}

type xASMetadata struct {
	HTTPTokens   string `xml:"HttpTokens,omitempty"`
	HopLimit     int    `xml:"HttpPutResponseHopLimit,omitempty"`
	HTTPEndpoint string `xml:"HttpEndpoint,omitempty"`
}

type xASLaunchConfig struct {
	Name              string           `xml:"LaunchConfigurationName"`
	ARN               string           `xml:"LaunchConfigurationARN"`
	ImageID           string           `xml:"ImageId"`
	KeyName           string           `xml:"KeyName"`
	SecurityGroups    []string         `xml:"SecurityGroups>member"`
	ClassicLinkGroups []string         `xml:"ClassicLinkVPCSecurityGroups>member"`
	UserData          string           `xml:"UserData"`
	InstanceType      string           `xml:"InstanceType"`
	KernelID          string           `xml:"KernelId"`
	RamdiskID         string           `xml:"RamdiskId"`
	BlockDevices      []xASBlockDevice `xml:"BlockDeviceMappings>member"`
	Monitoring        *xLTMonitoringAS `xml:"InstanceMonitoring,omitempty"`
	SpotPrice         string           `xml:"SpotPrice,omitempty"`
	InstanceProfile   string           `xml:"IamInstanceProfile,omitempty"`
	Created           string           `xml:"CreatedTime"`
	EbsOptimized      bool             `xml:"EbsOptimized"`
	AssociatePublicIP *bool            `xml:"AssociatePublicIpAddress,omitempty"`
	PlacementTenancy  string           `xml:"PlacementTenancy,omitempty"`
	Metadata          *xASMetadata     `xml:"MetadataOptions,omitempty"`
}

type xLTMonitoringAS struct {
	Enabled bool `xml:"Enabled"`
}

func (lc *asLaunchConfig) xml() xASLaunchConfig {
	x := xASLaunchConfig{Name: lc.Name, ARN: lc.ARN, ImageID: lc.ImageID, KeyName: lc.KeyName, SecurityGroups: lc.SecurityGroups,
		UserData: lc.UserData, InstanceType: lc.InstanceType, KernelID: lc.KernelID, RamdiskID: lc.RamdiskID, SpotPrice: lc.SpotPrice,
		InstanceProfile: lc.InstanceProfile, Created: isoTime(lc.Created), EbsOptimized: lc.EbsOptimized, AssociatePublicIP: lc.AssociatePublicIP,
		PlacementTenancy: lc.PlacementTenancy}
	if x.SecurityGroups == nil {
		x.SecurityGroups = []string{}
	}
	if lc.Monitoring != nil {
		x.Monitoring = &xLTMonitoringAS{*lc.Monitoring}
	}
	if lc.MetadataHTTPTokens != "" || lc.MetadataHopLimit != 0 || lc.MetadataHTTPEndpoint != "" {
		x.Metadata = &xASMetadata{lc.MetadataHTTPTokens, lc.MetadataHopLimit, lc.MetadataHTTPEndpoint}
	}
	for _, bd := range lc.BlockDevices {
		xb := xASBlockDevice{VirtualName: bd.VirtualName, DeviceName: bd.DeviceName}
		if bd.NoDevice {
			t := true
			xb.NoDevice = &t
		}
		if bd.HasEBS {
			xb.EBS = &xASEBS{SnapshotID: bd.SnapshotID, VolumeSize: bd.VolumeSize, VolumeType: bd.VolumeType,
				DeleteOnTermination: bd.DeleteOnTermination, IOPS: bd.IOPS, Encrypted: bd.Encrypted, Throughput: bd.Throughput}
		}
		x.BlockDevices = append(x.BlockDevices, xb)
	}
	return x
}

func (svc *autoscalingService) createLaunchConfig(c *call, in url.Values) (any, error) {
	name, err := required(in, "LaunchConfigurationName")
	if err != nil {
		return nil, err
	}
	if len(name) > 255 {
		return nil, asValidation("1 validation error detected: Value '%s' at 'launchConfigurationName' failed to satisfy constraint: Member must have length less than or equal to 255", name)
	}
	if svc.configs(c)[name] != nil {
		return nil, errorf(http.StatusBadRequest, "AlreadyExists", "Launch Configuration by this name already exists - A launch configuration already exists with the name %s", name)
	}
	if in.Get("InstanceId") != "" {
		return nil, asValidation("The simulated CreateLaunchConfiguration does not copy instances (InstanceId).")
	}
	lc := &asLaunchConfig{Name: name, ARN: c.arn("autoscaling", "launchConfiguration:"+c.s.newUUIDLocked()+":launchConfigurationName/"+name),
		ImageID: in.Get("ImageId"), KeyName: in.Get("KeyName"), SecurityGroups: queryList(in, "SecurityGroups"), UserData: in.Get("UserData"),
		InstanceType: in.Get("InstanceType"), KernelID: in.Get("KernelId"), RamdiskID: in.Get("RamdiskId"), SpotPrice: in.Get("SpotPrice"),
		InstanceProfile: in.Get("IamInstanceProfile"), EbsOptimized: in.Get("EbsOptimized") == "true", PlacementTenancy: in.Get("PlacementTenancy"),
		MetadataHTTPTokens: in.Get("MetadataOptions.HttpTokens"), MetadataHTTPEndpoint: in.Get("MetadataOptions.HttpEndpoint"), Created: c.now}
	if lc.ImageID == "" || lc.InstanceType == "" {
		return nil, asValidation("ImageId and InstanceType are required when no InstanceId is given.")
	}
	if lc.UserData != "" && len(lc.UserData) > 21847 {
		return nil, asValidation("User data is limited to 16384 bytes")
	}
	if t := lc.MetadataHTTPTokens; t != "" && t != "optional" && t != "required" {
		return nil, asValidation("1 validation error detected: Value '%s' at 'metadataOptions.httpTokens' failed to satisfy constraint: Member must satisfy enum value set: [optional, required]", t)
	}
	if e := lc.MetadataHTTPEndpoint; e != "" && e != "enabled" && e != "disabled" {
		return nil, asValidation("1 validation error detected: Value '%s' at 'metadataOptions.httpEndpoint' failed to satisfy constraint: Member must satisfy enum value set: [disabled, enabled]", e)
	}
	if v := in.Get("MetadataOptions.HttpPutResponseHopLimit"); v != "" {
		n, err := atoi(v, 0)
		if err != nil || n < 1 || n > 64 {
			return nil, asValidation("1 validation error detected: Value '%s' at 'metadataOptions.httpPutResponseHopLimit' failed to satisfy constraint: Member must have value between 1 and 64", v)
		}
		lc.MetadataHopLimit = n
	}
	if v := in.Get("AssociatePublicIpAddress"); v != "" {
		b := v == "true"
		lc.AssociatePublicIP = &b
	}
	if v := in.Get("InstanceMonitoring.Enabled"); v != "" {
		b := v == "true"
		lc.Monitoring = &b
	}
	for _, bd := range queryStructs(in, "BlockDeviceMappings") {
		x := asBlockDevice{DeviceName: bd.Get("DeviceName"), VirtualName: bd.Get("VirtualName"), NoDevice: bd.Get("NoDevice") == "true",
			SnapshotID: bd.Get("Ebs.SnapshotId"), VolumeType: bd.Get("Ebs.VolumeType")}
		if x.DeviceName == "" {
			return nil, errMissingParameter("BlockDeviceMappings.member.N.DeviceName")
		}
		for k := range bd {
			x.HasEBS = x.HasEBS || strings.HasPrefix(k, "Ebs.")
		}
		for _, f := range []struct {
			name string
			dst  **int
		}{{"Ebs.VolumeSize", &x.VolumeSize}, {"Ebs.Iops", &x.IOPS}, {"Ebs.Throughput", &x.Throughput}} {
			if v := bd.Get(f.name); v != "" {
				n, err := atoi(v, 0)
				if err != nil {
					return nil, err
				}
				*f.dst = &n
			}
		}
		for _, f := range []struct {
			name string
			dst  **bool
		}{{"Ebs.DeleteOnTermination", &x.DeleteOnTermination}, {"Ebs.Encrypted", &x.Encrypted}} {
			if v := bd.Get(f.name); v != "" {
				b := v == "true"
				*f.dst = &b
			}
		}
		lc.BlockDevices = append(lc.BlockDevices, x)
	}
	svc.configs(c)[name] = lc
	c.trailResources = []TrailResource{{ARN: lc.ARN, AccountID: c.Account(), Type: "AWS::AutoScaling::LaunchConfiguration", Name: name}}
	// CloudTrail omits the user data.
	params := defaultTrailParams(c, in).(map[string]any)
	delete(params, "userData")
	c.trailParams = params
	return nil, nil
}

func (svc *autoscalingService) describeLaunchConfigs(c *call, in url.Values) (any, error) {
	var names []string
	if want := queryList(in, "LaunchConfigurationNames"); len(want) > 0 {
		for _, n := range want {
			if svc.configs(c)[n] != nil {
				names = append(names, n)
			}
		}
		sort.Strings(names)
	} else {
		names = sortedKeys(svc.configs(c))
	}
	page, next, err := asPage(in, names, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		Configs   []xASLaunchConfig `xml:"LaunchConfigurations>member"`
		NextToken string            `xml:"NextToken,omitempty"`
	}{NextToken: next}
	out.Configs = []xASLaunchConfig{}
	for _, n := range page {
		out.Configs = append(out.Configs, svc.configs(c)[n].xml())
	}
	return out, nil
}

func (svc *autoscalingService) deleteLaunchConfig(c *call, in url.Values) (any, error) {
	name, err := required(in, "LaunchConfigurationName")
	if err != nil {
		return nil, err
	}
	lc := svc.configs(c)[name]
	if lc == nil {
		return nil, asValidation("Launch configuration name not found - Launch configuration %s not found", name)
	}
	for _, g := range svc.groups(c) {
		if g.LaunchConfig == name {
			return nil, errorf(http.StatusBadRequest, "ResourceInUse", "Cannot delete launch configuration %s because it is attached to AutoScalingGroup %s", name, g.Name)
		}
	}
	delete(svc.configs(c), name)
	c.trailResources = []TrailResource{{ARN: lc.ARN, AccountID: c.Account(), Type: "AWS::AutoScaling::LaunchConfiguration", Name: name}}
	return nil, nil
}
