package action

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// autoscalingScenarios are the scenarios of the Auto Scaling actions.
var autoscalingScenarios = map[string]scenario{
	"autoscaling.use-elb-health-check": {
		setup: func(w *world) Input {
			w.launchConfig("web-v1", false, true)
			w.group("web", "web-v1", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1")
			return w.input(map[string]any{"group_name": "web"})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := autoscaling.NewFromConfig(w.cfg).UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(in.String("group_name")), HealthCheckType: aws.String("EC2")})
			w.must(err)
		},
	},
	"autoscaling.secure-launch-settings": {
		setup: func(w *world) Input {
			w.launchConfig("web-v1", false, true)
			w.group("web", "web-v1", "")
			return w.input(map[string]any{"launch_configuration_name": "web-v1", "require_imdsv2": true})
		},
		undo: func(w *world, _ Input, _ Result) {
			// An administrator brings the old configuration back.
			w.launchConfig("web-v1", false, true)
			_, err := autoscaling.NewFromConfig(w.cfg).UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("web-v1")})
			w.must(err)
		},
	},
}

// launchConfig makes a launch configuration with user data, a block
// device, hop limit 2 and the given metadata tokens and public address.
func (w *world) launchConfig(name string, imdsv2, public bool) {
	in := &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String(name), ImageId: aws.String("ami-12345678"),
		InstanceType: aws.String("t3.micro"), SecurityGroups: []string{"sg-0aaaaaaaaaaaaaaaa"}, UserData: aws.String("IyEvYmluL3NoCmVjaG8gaGk="),
		IamInstanceProfile: aws.String("web-profile"), AssociatePublicIpAddress: aws.Bool(public),
		MetadataOptions:     &astypes.InstanceMetadataOptions{HttpPutResponseHopLimit: aws.Int32(2), HttpTokens: astypes.InstanceMetadataHttpTokensStateOptional},
		BlockDeviceMappings: []astypes.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &astypes.Ebs{VolumeSize: aws.Int32(40), Encrypted: aws.Bool(true), VolumeType: aws.String("gp3")}}}}
	if imdsv2 {
		in.MetadataOptions.HttpTokens = astypes.InstanceMetadataHttpTokensStateRequired
	}
	_, err := autoscaling.NewFromConfig(w.cfg).CreateLaunchConfiguration(w.ctx, in)
	w.must(err)
}

// group makes an Auto Scaling group on a launch configuration, behind a
// target group if one is given.
func (w *world) group(name, lc, targetGroup string) {
	in := &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(name), LaunchConfigurationName: aws.String(lc),
		MinSize: aws.Int32(1), MaxSize: aws.Int32(3), AvailabilityZones: []string{"us-east-1a"}}
	if targetGroup != "" {
		in.TargetGroupARNs = []string{targetGroup}
	}
	_, err := autoscaling.NewFromConfig(w.cfg).CreateAutoScalingGroup(w.ctx, in)
	w.must(err)
}
