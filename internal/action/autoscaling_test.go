package action

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// template makes a launch template whose version 1 has user data, hop
// limit 3, optional tokens and a public first interface, and returns its ID.
func (w *world) template(name string) string {
	out, err := w.ec2.CreateLaunchTemplate(w.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-12345678"), InstanceType: ec2types.InstanceTypeT3Small,
			UserData:        aws.String("IyEvYmluL3NoCg=="),
			MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateOptional, HttpPutResponseHopLimit: aws.Int32(3)},
			NetworkInterfaces: []ec2types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{
				{DeviceIndex: aws.Int32(0), AssociatePublicIpAddress: aws.Bool(true), Groups: []string{"sg-0aaaaaaaaaaaaaaaa"}, DeleteOnTermination: aws.Bool(true)}}}})
	w.must(err)
	return aws.ToString(out.LaunchTemplate.LaunchTemplateId)
}

func (w *world) templateGroup(name string, spec *astypes.LaunchTemplateSpecification, mixed bool) {
	in := &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(name), MinSize: aws.Int32(0), MaxSize: aws.Int32(2), AvailabilityZones: []string{"us-east-1a"}}
	if mixed {
		in.MixedInstancesPolicy = &astypes.MixedInstancesPolicy{LaunchTemplate: &astypes.LaunchTemplate{LaunchTemplateSpecification: spec}}
	} else {
		in.LaunchTemplate = spec
	}
	_, err := autoscaling.NewFromConfig(w.cfg).CreateAutoScalingGroup(w.ctx, in)
	w.must(err)
}

func (w *world) describeGroup(name string) *astypes.AutoScalingGroup {
	g, err := describeGroup(w.ctx, autoscaling.NewFromConfig(w.cfg), name)
	w.must(err)
	return g
}

func (w *world) templateData(id, version string) *ec2types.ResponseLaunchTemplateData {
	out, err := w.ec2.DescribeLaunchTemplateVersions(w.ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Versions: []string{version}})
	w.must(err)
	return out.LaunchTemplateVersions[0].LaunchTemplateData
}

// TestSecureLaunchSettingsWithTemplates covers groups that launch from
// launch templates, which the peer's copy-and-swap of launch
// configurations breaks on: a new version made from the one the group
// uses, with only the failed setting changed, and the group moved to it.
func TestSecureLaunchSettingsWithTemplates(t *testing.T) {
	for _, tc := range []struct {
		name, version, wantGroupVersion string
		params                          map[string]any
	}{
		{"IMDSv2, group pinned to version 1", "1", "2", map[string]any{"require_imdsv2": true}},
		{"IMDSv2, group following $Latest", "$Latest", "$Latest", map[string]any{"require_imdsv2": true}},
		{"IMDSv2, group on $Default", "$Default", "2", map[string]any{"require_imdsv2": true}},
		{"no public IP, group pinned to version 1", "1", "2", map[string]any{"no_public_ip": true}},
		{"both fixes", "1", "2", map[string]any{"no_public_ip": true, "require_imdsv2": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			lt := w.template("api")
			w.templateGroup("api", &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(lt), Version: aws.String(tc.version)}, false)
			params := map[string]any{"group_name": "api"}
			for k, v := range tc.params {
				params[k] = v
			}
			res, err := w.run("autoscaling.secure-launch-settings", w.input(params))
			if err != nil || res.Outcome != Changed {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			if got := aws.ToString(w.describeGroup("api").LaunchTemplate.Version); got != tc.wantGroupVersion {
				t.Errorf("the group uses version %s, want %s", got, tc.wantGroupVersion)
			}
			d := w.templateData(lt, "2")
			if aws.ToString(d.UserData) != "IyEvYmluL3NoCg==" || aws.ToString(d.ImageId) != "ami-12345678" || aws.ToInt32(d.MetadataOptions.HttpPutResponseHopLimit) != 3 ||
				len(d.NetworkInterfaces) != 1 || len(d.NetworkInterfaces[0].Groups) != 1 || !aws.ToBool(d.NetworkInterfaces[0].DeleteOnTermination) {
				t.Errorf("version 2 lost settings of version 1: %+v", d)
			}
			wantTokens := ec2types.LaunchTemplateHttpTokensStateOptional
			if tc.params["require_imdsv2"] == true {
				wantTokens = ec2types.LaunchTemplateHttpTokensStateRequired
			}
			if d.MetadataOptions.HttpTokens != wantTokens {
				t.Errorf("version 2 HttpTokens = %s, want %s", d.MetadataOptions.HttpTokens, wantTokens)
			}
			if public := aws.ToBool(d.NetworkInterfaces[0].AssociatePublicIpAddress); public == (tc.params["no_public_ip"] == true) {
				t.Errorf("version 2 AssociatePublicIpAddress = %v", public)
			}
			// Version 1 is left as it was.
			if v1 := w.templateData(lt, "1"); v1.MetadataOptions.HttpTokens != ec2types.LaunchTemplateHttpTokensStateOptional || !aws.ToBool(v1.NetworkInterfaces[0].AssociatePublicIpAddress) {
				t.Errorf("version 1 changed: %+v", v1)
			}
			mark := w.mark("us-east-1")
			again, err := w.run("autoscaling.secure-launch-settings", w.input(params))
			if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
				t.Errorf("second run = %+v, %v, writes %v", again, err, w.writesSince("us-east-1", mark))
			}
		})
	}
}

// TestSecureLaunchSettingsWithLaunchConfigurations covers the copy and swap
// of launch configurations: every group on the finding's configuration
// moves to a copy that keeps every other setting, and nothing else moves.
func TestSecureLaunchSettingsWithLaunchConfigurations(t *testing.T) {
	w := newWorld(t)
	as := autoscaling.NewFromConfig(w.cfg)
	w.launchConfig("web-v1", false, true)
	w.launchConfig("batch-v1", false, true)
	w.group("web-a", "web-v1", "")
	w.group("web-b", "web-v1", "")
	w.group("batch", "batch-v1", "")

	res, err := w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"launch_configuration_name": "web-v1", "require_imdsv2": true, "no_public_ip": true}))
	if err != nil || res.Outcome != Changed {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	const copyName = "web-v1-imdsv2-no-public-ip"
	for _, g := range []string{"web-a", "web-b"} {
		if lc := aws.ToString(w.describeGroup(g).LaunchConfigurationName); lc != copyName {
			t.Errorf("group %s launches from %s, want %s", g, lc, copyName)
		}
	}
	if lc := aws.ToString(w.describeGroup("batch").LaunchConfigurationName); lc != "batch-v1" {
		t.Errorf("an unrelated group was moved to %s", lc)
	}
	cp, err := describeLaunchConfig(w.ctx, as, copyName)
	w.must(err)
	if cp.MetadataOptions.HttpTokens != astypes.InstanceMetadataHttpTokensStateRequired || aws.ToInt32(cp.MetadataOptions.HttpPutResponseHopLimit) != 2 ||
		aws.ToBool(cp.AssociatePublicIpAddress) || aws.ToString(cp.UserData) != "IyEvYmluL3NoCmVjaG8gaGk=" || aws.ToString(cp.IamInstanceProfile) != "web-profile" ||
		aws.ToInt32(cp.BlockDeviceMappings[0].Ebs.VolumeSize) != 40 || len(cp.SecurityGroups) != 1 {
		t.Errorf("the copy = %+v", cp)
	}
	if old, err := describeLaunchConfig(w.ctx, as, "web-v1"); err != nil || old != nil {
		t.Errorf("the old configuration is still there: %+v, %v", old, err)
	}
	if len(res.Output["created"].([]string)) != 1 || !strings.Contains(res.Message, "deleted web-v1") {
		t.Errorf("result = %+v", res)
	}
	mark := w.mark("us-east-1")
	again, err := w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"launch_configuration_name": "web-v1", "require_imdsv2": true, "no_public_ip": true}))
	if err != nil || again.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("second run = %+v, %v, writes %v", again, err, w.writesSince("us-east-1", mark))
	}

	// By group: only the finding's group moves, and the configuration
	// another group still uses is kept.
	w.group("batch-2", "batch-v1", "")
	res, err = w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"group_name": "batch", "no_public_ip": true}))
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "kept batch-v1") {
		t.Fatalf("by group = %+v, %v", res, err)
	}
	if lc := aws.ToString(w.describeGroup("batch-2").LaunchConfigurationName); lc != "batch-v1" {
		t.Errorf("another group on the configuration was moved to %s", lc)
	}
}

func TestSecureLaunchSettingsRefusals(t *testing.T) {
	w := newWorld(t)
	lt := w.template("jobs")
	w.templateGroup("jobs", &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(lt), Version: aws.String("1")}, true)
	_, err := w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"group_name": "jobs", "require_imdsv2": true}))
	wantPermanent(t, err, "mixed instances policy")

	var perr *ParamError
	_, err = w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"group_name": "jobs"}))
	if !errors.As(err, &perr) || perr.Param != "require_imdsv2" {
		t.Errorf("nothing to fix = %v, want a parameter error", err)
	}
	_, err = w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"group_name": "jobs", "launch_configuration_name": "x", "no_public_ip": true}))
	if !errors.As(err, &perr) || perr.Param != "group_name" {
		t.Errorf("two resources = %v, want a parameter error", err)
	}
	res, err := w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"launch_configuration_name": "nope", "no_public_ip": true}))
	if err != nil || res.Outcome != NotFound {
		t.Errorf("a missing launch configuration = %+v, %v", res, err)
	}
	res, err = w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"group_name": "nope", "no_public_ip": true}))
	if err != nil || res.Outcome != NotFound {
		t.Errorf("a missing group = %+v, %v", res, err)
	}
	// A mixed instances group that follows $Latest gets the fix through
	// the new version.
	w.templateGroup("jobs-latest", &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(lt), Version: aws.String("$Latest")}, true)
	res, err = w.run("autoscaling.secure-launch-settings", w.input(map[string]any{"group_name": "jobs-latest", "require_imdsv2": true}))
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, "follows $Latest") {
		t.Errorf("mixed instances on $Latest = %+v, %v", res, err)
	}
}

func TestUseELBHealthCheck(t *testing.T) {
	w := newWorld(t)
	as := autoscaling.NewFromConfig(w.cfg)
	w.launchConfig("lc", true, false)
	w.group("internal", "lc", "")
	w.group("web", "lc", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1")
	w.group("api", "lc", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/1")
	_, err := as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("api"), HealthCheckGracePeriod: aws.Int32(90)})
	w.must(err)

	mark := w.mark("us-east-1")
	res, err := w.run("autoscaling.use-elb-health-check", w.input(map[string]any{"group_name": "internal"}))
	if err != nil || res.Outcome != AlreadyDone || len(w.writesSince("us-east-1", mark)) != 0 {
		t.Errorf("a group behind no load balancer = %+v, %v", res, err)
	}
	res, err = w.run("autoscaling.use-elb-health-check", w.input(map[string]any{"group_name": "web"}))
	if err != nil || res.Outcome != Changed || aws.ToInt32(w.describeGroup("web").HealthCheckGracePeriod) != 300 {
		t.Errorf("web = %+v, %v", res, err)
	}
	res, err = w.run("autoscaling.use-elb-health-check", w.input(map[string]any{"group_name": "api"}))
	if err != nil || res.Outcome != Changed || aws.ToInt32(w.describeGroup("api").HealthCheckGracePeriod) != 90 || !strings.Contains(res.Message, "kept at 90") {
		t.Errorf("api's grace period was not kept: %+v, %v", res, err)
	}
	res, err = w.run("autoscaling.use-elb-health-check", w.input(map[string]any{"group_name": "nope"}))
	if err != nil || res.Outcome != NotFound {
		t.Errorf("a missing group = %+v, %v", res, err)
	}
}
