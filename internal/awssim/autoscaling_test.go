package awssim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestAutoScalingLaunchConfigurationsAndGroups(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := autoscaling.NewFromConfig(cfg)

	_, err := cli.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("web-v1"),
		ImageId: aws.String("ami-12345678"), InstanceType: aws.String("t3.micro"), SecurityGroups: []string{"sg-1"}, UserData: aws.String("IyEvYmluL3No"),
		AssociatePublicIpAddress: aws.Bool(true), MetadataOptions: &astypes.InstanceMetadataOptions{HttpPutResponseHopLimit: aws.Int32(2)},
		BlockDeviceMappings: []astypes.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &astypes.Ebs{VolumeSize: aws.Int32(30), Encrypted: aws.Bool(true)}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cli.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("web-v1"),
		ImageId: aws.String("ami-12345678"), InstanceType: aws.String("t3.micro")})
	wantCode(t, "a second launch configuration web-v1", err, "AlreadyExists")

	lcs, err := cli.DescribeLaunchConfigurations(ctx, &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: []string{"web-v1"}})
	if err != nil || len(lcs.LaunchConfigurations) != 1 {
		t.Fatalf("DescribeLaunchConfigurations = %+v, %v", lcs, err)
	}
	lc := lcs.LaunchConfigurations[0]
	if !aws.ToBool(lc.AssociatePublicIpAddress) || aws.ToInt32(lc.MetadataOptions.HttpPutResponseHopLimit) != 2 || lc.MetadataOptions.HttpTokens != "" ||
		aws.ToString(lc.UserData) != "IyEvYmluL3No" || aws.ToInt32(lc.BlockDeviceMappings[0].Ebs.VolumeSize) != 30 ||
		!strings.Contains(aws.ToString(lc.LaunchConfigurationARN), ":launchConfiguration:") {
		t.Errorf("launch configuration = %+v", lc)
	}

	_, err = cli.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		LaunchConfigurationName: aws.String("missing"), MinSize: aws.Int32(1), MaxSize: aws.Int32(2), AvailabilityZones: []string{"us-east-1a"}})
	wantCode(t, "a group with a missing launch configuration", err, "ValidationError")
	if _, err := cli.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		LaunchConfigurationName: aws.String("web-v1"), MinSize: aws.Int32(1), MaxSize: aws.Int32(2), AvailabilityZones: []string{"us-east-1a"},
		TargetGroupARNs: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1"}, Tags: []astypes.Tag{{Key: aws.String("app"), Value: aws.String("web")}}}); err != nil {
		t.Fatal(err)
	}
	_, err = cli.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String("web-v1")})
	wantCode(t, "deleting a launch configuration in use", err, "ResourceInUse")

	if _, err := cli.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		HealthCheckType: aws.String("ELB"), HealthCheckGracePeriod: aws.Int32(120)}); err != nil {
		t.Fatal(err)
	}
	gs, err := cli.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}})
	if err != nil || len(gs.AutoScalingGroups) != 1 {
		t.Fatalf("DescribeAutoScalingGroups = %+v, %v", gs, err)
	}
	g := gs.AutoScalingGroups[0]
	if aws.ToString(g.HealthCheckType) != "ELB" || aws.ToInt32(g.HealthCheckGracePeriod) != 120 || aws.ToString(g.LaunchConfigurationName) != "web-v1" ||
		aws.ToInt32(g.DesiredCapacity) != 1 || len(g.TargetGroupARNs) != 1 || aws.ToString(g.Tags[0].Value) != "web" {
		t.Errorf("group = %+v", g)
	}
	_, err = cli.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("nope"), MinSize: aws.Int32(0)})
	wantCode(t, "updating a missing group", err, "ValidationError")
	none, err := cli.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"nope"}})
	if err != nil || len(none.AutoScalingGroups) != 0 {
		t.Errorf("describing a missing group = %+v, %v; want an empty list", none, err)
	}
}

func TestAutoScalingGroupsWithLaunchTemplatesAndPages(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := autoscaling.NewFromConfig(cfg)
	ec := ec2.NewFromConfig(cfg)
	lt, err := ec.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("api"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-12345678")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cli.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("api-0"),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("api"), Version: aws.String("4")},
		MinSize:        aws.Int32(0), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-east-1a"}})
	wantCode(t, "a group with a missing template version", err, "ValidationError")
	for i := range 5 {
		in := &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(fmt.Sprintf("api-%d", i)),
			MinSize: aws.Int32(0), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-east-1a"}}
		if i%2 == 0 {
			in.LaunchTemplate = &astypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("api"), Version: aws.String("$Latest")}
		} else {
			in.MixedInstancesPolicy = &astypes.MixedInstancesPolicy{LaunchTemplate: &astypes.LaunchTemplate{
				LaunchTemplateSpecification: &astypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId, Version: aws.String("1")}}}
		}
		if _, err := cli.CreateAutoScalingGroup(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	var seen []astypes.AutoScalingGroup
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(cli, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		seen = append(seen, page.AutoScalingGroups...)
	}
	if len(seen) != 5 || pages != 3 {
		t.Fatalf("paged %d groups in %d pages, want 5 in 3", len(seen), pages)
	}
	if s := seen[0].LaunchTemplate; s == nil || aws.ToString(s.LaunchTemplateId) != aws.ToString(lt.LaunchTemplate.LaunchTemplateId) || aws.ToString(s.Version) != "$Latest" {
		t.Errorf("api-0's template = %+v", s)
	}
	if m := seen[1].MixedInstancesPolicy; m == nil || aws.ToString(m.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName) != "api" {
		t.Errorf("api-1's mixed instances policy = %+v", m)
	}
	// Switching a group from a template to a launch configuration drops the template.
	if _, err := cli.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc"),
		ImageId: aws.String("ami-12345678"), InstanceType: aws.String("t3.micro")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("api-0"), LaunchConfigurationName: aws.String("lc")}); err != nil {
		t.Fatal(err)
	}
	gs, err := cli.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"api-0"}})
	if err != nil || gs.AutoScalingGroups[0].LaunchTemplate != nil || aws.ToString(gs.AutoScalingGroups[0].LaunchConfigurationName) != "lc" {
		t.Fatalf("api-0 after switching = %+v, %v", gs, err)
	}
}
