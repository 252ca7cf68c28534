package action

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// cloudformationScenarios are the scenarios of the CloudFormation actions.
var cloudformationScenarios = map[string]scenario{
	"cloudformation.add-stack-notification-topic": {
		setup: func(w *world) Input {
			w.stack("app")
			return w.input(map[string]any{"stack": "app"})
		},
		undo: func(w *world, _ Input, _ Result) {
			w.sim.Advance(time.Minute)
			_, err := cloudformation.NewFromConfig(w.cfg).UpdateStack(w.ctx, &cloudformation.UpdateStackInput{StackName: aws.String("app"), UsePreviousTemplate: aws.Bool(true),
				Parameters:   []cfntypes.Parameter{{ParameterKey: aws.String("Env"), UsePreviousValue: aws.Bool(true)}, {ParameterKey: aws.String("Size"), UsePreviousValue: aws.Bool(true)}},
				Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}, NotificationARNs: []string{}})
			w.must(err)
		},
	},
}

const appTemplate = `{
  "Parameters": {"Env": {"Type": "String"}, "Size": {"Type": "String", "Default": "small"}},
  "Resources": {
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${Env}-queue"}}}
  }
}`

// stack makes a stack with IAM resources and two parameters, Size set
// away from its default, and lets its creation finish.
func (w *world) stack(name string) string {
	out, err := cloudformation.NewFromConfig(w.cfg).CreateStack(w.ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(appTemplate),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
		Parameters:   []cfntypes.Parameter{{ParameterKey: aws.String("Env"), ParameterValue: aws.String("prod")}, {ParameterKey: aws.String("Size"), ParameterValue: aws.String("large")}}})
	w.must(err)
	w.sim.Advance(time.Minute)
	return aws.ToString(out.StackId)
}
