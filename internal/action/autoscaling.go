package action

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Auto Scaling actions: ELB health checks, and the launch settings of a
// group or a launch configuration (IMDSv2, no public addresses), whether
// the group launches from a launch configuration or a launch template.

func autoscalingActions() []Spec {
	return []Spec{
		{
			Name: "autoscaling.use-elb-health-check",
			Description: "Make an Auto Scaling group behind a load balancer replace instances its load balancer finds " +
				"unhealthy (health check type ELB). A grace period already set is kept; one of 0 becomes grace_period.",
			Params: []Param{
				{Name: "group_name", Type: String, Required: true, Description: "the Auto Scaling group's name"},
				{Name: "grace_period", Type: Int, Default: 300, Description: "the health check grace period, in seconds, for a group that has none"},
			},
			Reads:  []string{"autoscaling:DescribeAutoScalingGroups"},
			Writes: []string{"autoscaling:UpdateAutoScalingGroup"},
			Describe: func(in Input) string {
				return fmt.Sprintf("set the health check type of Auto Scaling group %s in %s/%s to ELB (grace period %d s if it has none)",
					in.String("group_name"), in.Target.Account, in.Target.Region, in.Int("grace_period"))
			},
			Run:    useELBHealthCheck,
			Verify: verifyELBHealthCheck,
		},
		{
			Name: "autoscaling.secure-launch-settings",
			Description: "Make the instances an Auto Scaling group or a launch configuration launches require IMDSv2 " +
				"and/or get no public IPv4 address. A launch configuration, which cannot change, is copied with the fix, " +
				"the groups that use it are moved to the copy and the old one is deleted; a group that launches from a " +
				"launch template gets a new template version made from the one it uses, with only the failed setting " +
				"changed, and is moved to it unless it follows $Latest. Every other launch setting is kept.",
			Params: []Param{
				{Name: "group_name", Type: String, Description: "the Auto Scaling group whose launch settings to fix (this or launch_configuration_name)"},
				{Name: "launch_configuration_name", Type: String, Description: "the launch configuration to fix; every group in the region that uses it is moved to the fixed copy"},
				{Name: "require_imdsv2", Type: Bool, Default: false, Description: "require IMDSv2 session tokens (HttpTokens required); the hop limit and endpoint setting are kept"},
				{Name: "no_public_ip", Type: Bool, Default: false, Description: "give launched instances no public IPv4 address"},
				{Name: "delete_old_launch_configuration", Type: Bool, Default: true, Description: "delete the launch configuration that was copied once no group uses it"},
			},
			Reads: []string{"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeLaunchConfigurations", "ec2:DescribeLaunchTemplateVersions"},
			Writes: []string{"autoscaling:CreateLaunchConfiguration", "autoscaling:UpdateAutoScalingGroup", "autoscaling:DeleteLaunchConfiguration",
				"ec2:CreateLaunchTemplateVersion"},
			// A launch configuration or template with an instance profile
			// passes its role; a group moved to a launch template needs
			// permission to launch from it.
			ExtraPermissions: []string{"iam:PassRole", "ec2:RunInstances"},
			Describe: func(in Input) string {
				what := "Auto Scaling group " + in.String("group_name")
				if lc := in.String("launch_configuration_name"); lc != "" {
					what = "launch configuration " + lc + " (copied, its groups moved to the copy)"
				}
				return fmt.Sprintf("make %s in %s/%s launch instances that %s", what, in.Target.Account, in.Target.Region, launchFixes(in))
			},
			Run:    secureLaunchSettings,
			Verify: verifyLaunchSettings,
		},
	}
}

// launchFixes says what secure-launch-settings changes.
func launchFixes(in Input) string {
	var parts []string
	if in.Bool("require_imdsv2") {
		parts = append(parts, "require IMDSv2")
	}
	if in.Bool("no_public_ip") {
		parts = append(parts, "get no public IPv4 address")
	}
	return strings.Join(parts, " and ")
}

func describeGroup(ctx context.Context, cli *autoscaling.Client, name string) (*astypes.AutoScalingGroup, error) {
	out, err := cli.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("describe Auto Scaling group %s: %w", name, err)
	}
	for i, g := range out.AutoScalingGroups {
		if aws.ToString(g.AutoScalingGroupName) == name {
			return &out.AutoScalingGroups[i], nil
		}
	}
	return nil, nil
}

// --- ELB health checks ---

func hasELBCheck(g *astypes.AutoScalingGroup) bool {
	for _, t := range strings.Split(aws.ToString(g.HealthCheckType), ",") {
		if strings.TrimSpace(t) == "ELB" {
			return true
		}
	}
	return false
}

func useELBHealthCheck(ctx context.Context, in Input) (Result, error) {
	name := in.String("group_name")
	cli := autoscaling.NewFromConfig(in.AWS)
	out := map[string]any{"group_name": name}
	g, err := describeGroup(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if g == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("Auto Scaling group %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if hasELBCheck(g) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("Auto Scaling group %s already uses ELB health checks", name), Output: out}, nil
	}
	if len(g.LoadBalancerNames) == 0 && len(g.TargetGroupARNs) == 0 && len(g.TrafficSources) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("Auto Scaling group %s is behind no load balancer or target group: left with %s health checks", name, aws.ToString(g.HealthCheckType)), Output: out}, nil
	}
	upd := &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(name), HealthCheckType: aws.String("ELB")}
	grace := fmt.Sprintf("grace period kept at %d s", aws.ToInt32(g.HealthCheckGracePeriod))
	if aws.ToInt32(g.HealthCheckGracePeriod) == 0 {
		upd.HealthCheckGracePeriod = aws.Int32(int32(in.Int("grace_period")))
		grace = fmt.Sprintf("grace period 0 → %d s", in.Int("grace_period"))
	}
	if _, err := cli.UpdateAutoScalingGroup(ctx, upd); err != nil {
		if HasCode(err, "ValidationError") && strings.Contains(err.Error(), "not found") {
			return Result{Outcome: NotFound, Message: fmt.Sprintf("Auto Scaling group %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
		}
		return Result{}, fmt.Errorf("set the health check type of Auto Scaling group %s: %w", name, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("Auto Scaling group %s: health check type %s → ELB; %s", name, aws.ToString(g.HealthCheckType), grace), Output: out}, nil
}

func verifyELBHealthCheck(ctx context.Context, in Input, _ Result) error {
	name := in.String("group_name")
	g, err := describeGroup(ctx, autoscaling.NewFromConfig(in.AWS), name)
	if err != nil || g == nil {
		return err
	}
	if !hasELBCheck(g) {
		return Mismatch("Auto Scaling group %s has health check type %s", name, aws.ToString(g.HealthCheckType))
	}
	return nil
}

// --- launch settings ---

// launchWants is what secure-launch-settings requires.
type launchWants struct{ imdsv2, noPublicIP bool }

func (w launchWants) lcOK(lc *astypes.LaunchConfiguration) bool {
	if w.imdsv2 && (lc.MetadataOptions == nil || lc.MetadataOptions.HttpTokens != astypes.InstanceMetadataHttpTokensStateRequired) {
		return false
	}
	if w.noPublicIP && aws.ToBool(lc.AssociatePublicIpAddress) {
		return false
	}
	return true
}

func (w launchWants) ltOK(d *ec2types.ResponseLaunchTemplateData) bool {
	if w.imdsv2 && (d.MetadataOptions == nil || d.MetadataOptions.HttpTokens != ec2types.LaunchTemplateHttpTokensStateRequired) {
		return false
	}
	if w.noPublicIP {
		for _, ni := range d.NetworkInterfaces {
			if aws.ToBool(ni.AssociatePublicIpAddress) {
				return false
			}
		}
	}
	return true
}

// suffix is the name suffix of a launch configuration copied with the fix.
func (w launchWants) suffix() string {
	s := ""
	if w.imdsv2 {
		s += "-imdsv2"
	}
	if w.noPublicIP {
		s += "-no-public-ip"
	}
	return s
}

// copyName is the deterministic name of the fixed copy of a launch
// configuration, within Auto Scaling's 255 characters.
func (w launchWants) copyName(name string) string {
	s := w.suffix()
	if strings.HasSuffix(name, s) {
		s = "-r"
	}
	if len(name)+len(s) > 255 {
		name = name[:255-len(s)]
	}
	return name + s
}

func describeLaunchConfig(ctx context.Context, cli *autoscaling.Client, name string) (*astypes.LaunchConfiguration, error) {
	out, err := cli.DescribeLaunchConfigurations(ctx, &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("describe launch configuration %s: %w", name, err)
	}
	for i, lc := range out.LaunchConfigurations {
		if aws.ToString(lc.LaunchConfigurationName) == name {
			return &out.LaunchConfigurations[i], nil
		}
	}
	return nil, nil
}

// fixedCopy returns the input that creates the copy of lc named name
// with the fixes: every setting is carried over, and only the metadata
// tokens and the public address change.
func (w launchWants) fixedCopy(lc *astypes.LaunchConfiguration, name string) *autoscaling.CreateLaunchConfigurationInput {
	in := &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String(name), ImageId: lc.ImageId, KeyName: nonEmpty(lc.KeyName), SecurityGroups: lc.SecurityGroups,
		ClassicLinkVPCId: nonEmpty(lc.ClassicLinkVPCId), ClassicLinkVPCSecurityGroups: lc.ClassicLinkVPCSecurityGroups,
		UserData: nonEmpty(lc.UserData), InstanceType: lc.InstanceType, KernelId: nonEmpty(lc.KernelId), RamdiskId: nonEmpty(lc.RamdiskId),
		BlockDeviceMappings: lc.BlockDeviceMappings, InstanceMonitoring: lc.InstanceMonitoring, SpotPrice: nonEmpty(lc.SpotPrice),
		IamInstanceProfile: nonEmpty(lc.IamInstanceProfile), EbsOptimized: lc.EbsOptimized, AssociatePublicIpAddress: lc.AssociatePublicIpAddress,
		PlacementTenancy: nonEmpty(lc.PlacementTenancy),
	}
	if m := lc.MetadataOptions; m != nil {
		in.MetadataOptions = &astypes.InstanceMetadataOptions{HttpTokens: m.HttpTokens, HttpPutResponseHopLimit: m.HttpPutResponseHopLimit, HttpEndpoint: m.HttpEndpoint}
	}
	if w.imdsv2 {
		if in.MetadataOptions == nil {
			in.MetadataOptions = &astypes.InstanceMetadataOptions{}
		}
		in.MetadataOptions.HttpTokens = astypes.InstanceMetadataHttpTokensStateRequired
	}
	if w.noPublicIP {
		in.AssociatePublicIpAddress = aws.Bool(false)
	}
	return in
}

func nonEmpty(s *string) *string {
	if aws.ToString(s) == "" {
		return nil
	}
	return s
}

// groupsUsing returns the names of the region's groups that launch from
// the launch configuration.
func groupsUsing(ctx context.Context, cli *autoscaling.Client, lc string) ([]string, error) {
	var out []string
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(cli, &autoscaling.DescribeAutoScalingGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list Auto Scaling groups: %w", err)
		}
		for _, g := range page.AutoScalingGroups {
			if aws.ToString(g.LaunchConfigurationName) == lc {
				out = append(out, aws.ToString(g.AutoScalingGroupName))
			}
		}
	}
	return out, nil
}

// launchWantsOf reads what secure-launch-settings is to fix, checking that
// its parameters name one thing to fix and one resource.
func launchWantsOf(in Input) (launchWants, error) {
	w := launchWants{imdsv2: in.Bool("require_imdsv2"), noPublicIP: in.Bool("no_public_ip")}
	if !w.imdsv2 && !w.noPublicIP {
		return w, Permanent(&ParamError{Action: "autoscaling.secure-launch-settings", Param: "require_imdsv2", Err: errors.New("set require_imdsv2 or no_public_ip (or both): nothing to fix")})
	}
	group, lc := in.String("group_name"), in.String("launch_configuration_name")
	if (group == "") == (lc == "") {
		return w, Permanent(&ParamError{Action: "autoscaling.secure-launch-settings", Param: "group_name", Err: errors.New("set exactly one of group_name and launch_configuration_name")})
	}
	return w, nil
}

func secureLaunchSettings(ctx context.Context, in Input) (Result, error) {
	wants, err := launchWantsOf(in)
	if err != nil {
		return Result{}, err
	}
	cli := autoscaling.NewFromConfig(in.AWS)
	if lc := in.String("launch_configuration_name"); lc != "" {
		return fixLaunchConfig(ctx, in, cli, wants, lc, "")
	}
	name := in.String("group_name")
	g, err := describeGroup(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if g == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("Auto Scaling group %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region),
			Output: map[string]any{"group_name": name}}, nil
	}
	switch {
	case aws.ToString(g.LaunchConfigurationName) != "":
		return fixLaunchConfig(ctx, in, cli, wants, aws.ToString(g.LaunchConfigurationName), name)
	case g.LaunchTemplate != nil:
		return fixGroupTemplate(ctx, in, cli, wants, g, g.LaunchTemplate, false)
	case g.MixedInstancesPolicy != nil && g.MixedInstancesPolicy.LaunchTemplate != nil && g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification != nil:
		return fixGroupTemplate(ctx, in, cli, wants, g, g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification, true)
	}
	return Result{}, Permanent(fmt.Errorf("the Auto Scaling group %s launches from neither a launch configuration nor a launch template", name))
}

// fixLaunchConfig copies the launch configuration with the fix and moves
// groups to the copy: every group that uses it, or only onlyGroup when it
// is set; the old configuration is deleted once no group uses it.
func fixLaunchConfig(ctx context.Context, in Input, cli *autoscaling.Client, wants launchWants, name, onlyGroup string) (Result, error) {
	copyName := wants.copyName(name)
	out := map[string]any{"launch_configuration_name": name, "new_launch_configuration_name": copyName, "groups_updated": []string{}, "created": []string{}}
	if onlyGroup != "" {
		out["group_name"] = onlyGroup
	}
	lc, err := describeLaunchConfig(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if lc == nil {
		if cp, err := describeLaunchConfig(ctx, cli, copyName); err != nil {
			return Result{}, err
		} else if cp != nil && wants.lcOK(cp) {
			return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("launch configuration %s is gone; its fixed copy %s is in place", name, copyName), Output: out}, nil
		}
		return Result{Outcome: NotFound, Message: fmt.Sprintf("launch configuration %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if wants.lcOK(lc) {
		delete(out, "new_launch_configuration_name")
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("launch configuration %s already launches instances that %s", name, launchFixes(in)), Output: out}, nil
	}
	var created []string
	cp, err := describeLaunchConfig(ctx, cli, copyName)
	if err != nil {
		return Result{}, err
	}
	switch {
	case cp != nil && !wants.lcOK(cp):
		return Result{}, Permanent(fmt.Errorf("launch configuration %s, the name of %s's fixed copy, exists but does not have the fix: delete or rename it", copyName, name))
	case cp == nil:
		if _, err := cli.CreateLaunchConfiguration(ctx, wants.fixedCopy(lc, copyName)); err != nil && !HasCode(err, "AlreadyExists") {
			return Result{}, fmt.Errorf("create launch configuration %s, the fixed copy of %s: %w", copyName, name, err)
		}
		arn := strings.Replace(aws.ToString(lc.LaunchConfigurationARN), ":launchConfigurationName/"+name, ":launchConfigurationName/"+copyName, 1)
		if made, err := describeLaunchConfig(ctx, cli, copyName); err == nil && made != nil {
			arn = aws.ToString(made.LaunchConfigurationARN)
		}
		created = append(created, arn)
	}
	out["created"] = created
	groups := []string{onlyGroup}
	if onlyGroup == "" {
		if groups, err = groupsUsing(ctx, cli, name); err != nil {
			return Result{}, err
		}
	}
	for _, g := range groups {
		if _, err := cli.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(g), LaunchConfigurationName: aws.String(copyName)}); err != nil {
			return Result{}, fmt.Errorf("move Auto Scaling group %s to launch configuration %s: %w", g, copyName, err)
		}
	}
	out["groups_updated"] = groups
	msg := fmt.Sprintf("copied launch configuration %s to %s with %s", name, copyName, launchChanges(wants))
	if len(groups) > 0 {
		msg += "; moved Auto Scaling group(s) " + strings.Join(groups, ", ") + " to it"
	}
	if in.Bool("delete_old_launch_configuration") {
		still, err := groupsUsing(ctx, cli, name)
		if err != nil {
			return Result{}, err
		}
		if len(still) == 0 {
			_, err := cli.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String(name)})
			switch {
			case HasCode(err, "ResourceInUse"):
				return Result{}, RetryLater(fmt.Errorf("delete launch configuration %s: %w", name, err), 0)
			case err != nil && !(HasCode(err, "ValidationError") && strings.Contains(err.Error(), "not found")):
				return Result{}, fmt.Errorf("delete launch configuration %s: %w", name, err)
			}
			out["deleted_launch_configuration"] = name
			msg += "; deleted " + name
		} else {
			msg += fmt.Sprintf("; kept %s, which group(s) %s still use", name, strings.Join(still, ", "))
		}
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

// launchChanges says what a fix sets.
func launchChanges(w launchWants) string {
	var parts []string
	if w.imdsv2 {
		parts = append(parts, "HttpTokens required")
	}
	if w.noPublicIP {
		parts = append(parts, "AssociatePublicIpAddress false")
	}
	return strings.Join(parts, " and ")
}

// templateVersion returns the version of a launch template that a group's
// spec names, resolving $Latest and $Default.
func templateVersion(ctx context.Context, cli *ec2.Client, spec *astypes.LaunchTemplateSpecification) (*ec2types.LaunchTemplateVersion, error) {
	version := aws.ToString(spec.Version)
	if version == "" {
		version = "$Default"
	}
	in := &ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{version}}
	if id := aws.ToString(spec.LaunchTemplateId); id != "" {
		in.LaunchTemplateId = aws.String(id)
	} else {
		in.LaunchTemplateName = spec.LaunchTemplateName
	}
	out, err := cli.DescribeLaunchTemplateVersions(ctx, in)
	if IsNotFound(err, "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.VersionNotFound") || (err == nil && len(out.LaunchTemplateVersions) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe version %s of launch template %s: %w", version, templateRef(spec), err)
	}
	return &out.LaunchTemplateVersions[0], nil
}

func templateRef(spec *astypes.LaunchTemplateSpecification) string {
	if id := aws.ToString(spec.LaunchTemplateId); id != "" {
		return id
	}
	return aws.ToString(spec.LaunchTemplateName)
}

// fixedTemplateData returns the data of a new version made from data with
// the fix: only the top-level fields the fix touches, each a copy of the
// source's with the one setting changed.
func (w launchWants) fixedTemplateData(d *ec2types.ResponseLaunchTemplateData) *ec2types.RequestLaunchTemplateData {
	out := &ec2types.RequestLaunchTemplateData{}
	if w.imdsv2 && (d.MetadataOptions == nil || d.MetadataOptions.HttpTokens != ec2types.LaunchTemplateHttpTokensStateRequired) {
		m := &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired}
		if o := d.MetadataOptions; o != nil {
			m.HttpPutResponseHopLimit, m.HttpEndpoint, m.HttpProtocolIpv6, m.InstanceMetadataTags = o.HttpPutResponseHopLimit, o.HttpEndpoint, o.HttpProtocolIpv6, o.InstanceMetadataTags
		}
		out.MetadataOptions = m
	}
	if w.noPublicIP && !(launchWants{noPublicIP: true}).ltOK(d) {
		for _, ni := range d.NetworkInterfaces {
			r := ec2types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{
				AssociateCarrierIpAddress: ni.AssociateCarrierIpAddress, AssociatePublicIpAddress: ni.AssociatePublicIpAddress,
				DeleteOnTermination: ni.DeleteOnTermination, Description: ni.Description, DeviceIndex: ni.DeviceIndex, Groups: ni.Groups,
				InterfaceType: ni.InterfaceType, Ipv6AddressCount: ni.Ipv6AddressCount, NetworkInterfaceId: ni.NetworkInterfaceId,
				PrivateIpAddress: ni.PrivateIpAddress, SecondaryPrivateIpAddressCount: ni.SecondaryPrivateIpAddressCount, SubnetId: ni.SubnetId,
				NetworkCardIndex: ni.NetworkCardIndex, Ipv4PrefixCount: ni.Ipv4PrefixCount, Ipv6PrefixCount: ni.Ipv6PrefixCount, PrimaryIpv6: ni.PrimaryIpv6,
				EnaQueueCount: ni.EnaQueueCount,
			}
			for _, a := range ni.Ipv6Addresses {
				r.Ipv6Addresses = append(r.Ipv6Addresses, ec2types.InstanceIpv6AddressRequest{Ipv6Address: a.Ipv6Address})
			}
			r.PrivateIpAddresses = ni.PrivateIpAddresses
			for _, p := range ni.Ipv4Prefixes {
				r.Ipv4Prefixes = append(r.Ipv4Prefixes, ec2types.Ipv4PrefixSpecificationRequest{Ipv4Prefix: p.Ipv4Prefix})
			}
			for _, p := range ni.Ipv6Prefixes {
				r.Ipv6Prefixes = append(r.Ipv6Prefixes, ec2types.Ipv6PrefixSpecificationRequest{Ipv6Prefix: p.Ipv6Prefix})
			}
			if aws.ToBool(r.AssociatePublicIpAddress) {
				r.AssociatePublicIpAddress = aws.Bool(false)
			}
			out.NetworkInterfaces = append(out.NetworkInterfaces, r)
		}
	}
	return out
}

// fixGroupTemplate makes a version of the group's launch template with the
// fix and moves the group to it, unless the group follows $Latest.
func fixGroupTemplate(ctx context.Context, in Input, cli *autoscaling.Client, wants launchWants, g *astypes.AutoScalingGroup, spec *astypes.LaunchTemplateSpecification, mixed bool) (Result, error) {
	name := aws.ToString(g.AutoScalingGroupName)
	ec := ec2.NewFromConfig(in.AWS)
	out := map[string]any{"group_name": name, "launch_template_id": aws.ToString(spec.LaunchTemplateId), "created": []string{}}
	v, err := templateVersion(ctx, ec, spec)
	if err != nil {
		return Result{}, err
	}
	if v == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("the launch template %s (version %s) of Auto Scaling group %s does not exist", templateRef(spec), aws.ToString(spec.Version), name), Output: out}, nil
	}
	ltID, number := aws.ToString(v.LaunchTemplateId), aws.ToInt64(v.VersionNumber)
	out["launch_template_id"], out["launch_template_version"] = ltID, strconv.FormatInt(number, 10)
	if wants.ltOK(v.LaunchTemplateData) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("version %d of launch template %s, which Auto Scaling group %s uses, already launches instances that %s", number, ltID, name, launchFixes(in)), Output: out}, nil
	}
	follows := aws.ToString(spec.Version) == "$Latest"
	if mixed && !follows {
		return Result{}, Permanent(fmt.Errorf("the Auto Scaling group %s launches from version %s of launch template %s through a mixed instances policy, which rectify does not rewrite: point the policy at $Latest or a fixed version by hand", name, aws.ToString(spec.Version), ltID))
	}
	made, err := ec.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(ltID), SourceVersion: aws.String(strconv.FormatInt(number, 10)),
		VersionDescription: aws.String(fmt.Sprintf("version %d with %s (rectify)", number, launchChanges(wants))), LaunchTemplateData: wants.fixedTemplateData(v.LaunchTemplateData)})
	if err != nil {
		return Result{}, fmt.Errorf("create a version of launch template %s from version %d: %w", ltID, number, err)
	}
	newVersion := strconv.FormatInt(aws.ToInt64(made.LaunchTemplateVersion.VersionNumber), 10)
	out["new_launch_template_version"] = newVersion
	msg := fmt.Sprintf("made version %s of launch template %s from version %d with %s", newVersion, ltID, number, launchChanges(wants))
	if follows {
		msg += fmt.Sprintf("; Auto Scaling group %s follows $Latest and launches from it", name)
	} else {
		_, err := cli.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(name),
			LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ltID), Version: aws.String(newVersion)}})
		if err != nil {
			return Result{}, fmt.Errorf("move Auto Scaling group %s to version %s of launch template %s: %w", name, newVersion, ltID, err)
		}
		msg += fmt.Sprintf("; moved Auto Scaling group %s from version %s to it", name, aws.ToString(spec.Version))
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyLaunchSettings(ctx context.Context, in Input, res Result) error {
	wants, err := launchWantsOf(in)
	if err != nil {
		return err
	}
	cli := autoscaling.NewFromConfig(in.AWS)
	if name := in.String("group_name"); name != "" {
		g, err := describeGroup(ctx, cli, name)
		if err != nil || g == nil {
			return err
		}
		switch {
		case aws.ToString(g.LaunchConfigurationName) != "":
			lc, err := describeLaunchConfig(ctx, cli, aws.ToString(g.LaunchConfigurationName))
			if err != nil {
				return err
			}
			if lc == nil || !wants.lcOK(lc) {
				return Mismatch("Auto Scaling group %s launches from launch configuration %s, which does not %s", name, aws.ToString(g.LaunchConfigurationName), launchFixes(in))
			}
			return nil
		default:
			spec := g.LaunchTemplate
			if spec == nil && g.MixedInstancesPolicy != nil && g.MixedInstancesPolicy.LaunchTemplate != nil {
				spec = g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification
			}
			if spec == nil {
				return Mismatch("Auto Scaling group %s has no launch configuration or template", name)
			}
			v, err := templateVersion(ctx, ec2.NewFromConfig(in.AWS), spec)
			if err != nil {
				return err
			}
			if v == nil || !wants.ltOK(v.LaunchTemplateData) {
				return Mismatch("Auto Scaling group %s launches from version %s of launch template %s, which does not %s", name, aws.ToString(spec.Version), templateRef(spec), launchFixes(in))
			}
			return nil
		}
	}
	name := in.String("launch_configuration_name")
	copyName, _ := res.Output["new_launch_configuration_name"].(string)
	if copyName == "" {
		copyName = wants.copyName(name)
	}
	cp, err := describeLaunchConfig(ctx, cli, copyName)
	if err != nil {
		return err
	}
	if cp == nil || !wants.lcOK(cp) {
		return Mismatch("launch configuration %s, the fixed copy of %s, is missing or does not %s", copyName, name, launchFixes(in))
	}
	still, err := groupsUsing(ctx, cli, name)
	if err != nil {
		return err
	}
	if len(still) > 0 {
		return Mismatch("Auto Scaling group(s) %s still launch from launch configuration %s", strings.Join(still, ", "), name)
	}
	return nil
}
