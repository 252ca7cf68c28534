package awssim

// newServices returns the simulated services. Each service's constructor
// lives in its own file.
func newServices(s *Server) []*serviceDef {
	iam, iamDef := newIAM(s)
	s.authz, s.iam = iam.authorize, iam
	iam.addLoginProfileOps(iamDef)
	iam.addProfileOps(iamDef)
	s3, s3Def := newS3(s)
	sqs, sqsDef := newSQS(s)
	ec2Def := newEC2(s)
	ec2 := ec2Def.State.(*ec2Service)
	apigatewayDef, apigatewayV2Def := newAPIGateway(s)
	return []*serviceDef{
		iamDef,
		newSTS(s, iam),
		ec2Def,
		s3Def, newS3Control(s, s3),
		sqsDef, newSNS(s, sqs),
		newCloudTrail(s),
		newRDS(s),
		newLambda(s),
		newDynamoDB(s),
		newKMS(s),
		newGlue(s),
		newSecurityHub(s),
		newConfig(s),
		newAccessAnalyzer(s),
		newTagging(s),
		newCloudWatch(s),
		newLogs(s),
		newSSM(s),
		newGuardDuty(s),
		newMacie(s),
		newAppAutoScaling(s),
		newRedshift(s),
		newElastiCache(s),
		newSecretsManager(s),
		newAutoScaling(s, ec2),
		newELBv2(s, ec2),
		newECS(s),
		newECR(s),
		newCodeBuild(s),
		newCloudFormation(s),
		newCloudFront(s),
		apigatewayDef, apigatewayV2Def,
		newAthena(s),
	}
}

// authorizeLocked applies explicit denies of the caller's identity policies.
func (s *Server) authorizeLocked(c *call) error {
	if s.authz == nil {
		return nil
	}
	return s.authz(c)
}
