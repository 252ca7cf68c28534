package action

import "fmt"

// Builtin returns a registry of every action rectify ships, one file per
// AWS service.
func Builtin() (*Registry, error) {
	r := NewRegistry()
	for _, group := range [][]Spec{
		iamActions(),
		cloudtrailActions(),
		ec2Actions(),
		s3Actions(),
		glueActions(),
		iamSessionActions(),
		ec2InstanceActions(),
		accessAnalyzerActions(),
		securityHubActions(),
		taggingActions(),
		iamAccountActions(),
		iamCredentialActions(),
		cloudtrailTrailActions(),
		cloudwatchActions(),
		logsActions(),
		configActions(),
		guardDutyActions(),
		kmsActions(),
		macieActions(),
		ssmActions(),
		s3ControlActions(),
		rdsActions(),
		dynamoDBActions(),
		redshiftActions(),
		elastiCacheActions(),
		secretActions(),
		topicActions(),
		ec2StorageActions(),
		ec2ComputeActions(),
		ec2VPCActions(),
		ec2FlowLogActions(),
		autoscalingActions(),
		elbv2Actions(),
		ecsActions(),
		ecrActions(),
		lambdaActions(),
		codebuildActions(),
		athenaActions(),
		cloudfrontActions(),
		apigatewayActions(),
		cloudformationActions(),
	} {
		for _, s := range group {
			if err := r.Register(s); err != nil {
				return nil, fmt.Errorf("builtin actions: %w", err)
			}
		}
	}
	return r, nil
}
