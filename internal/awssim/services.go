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
	return []*serviceDef{
		iamDef,
		newSTS(s, iam),
		newEC2(s),
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
	}
}

// authorizeLocked applies explicit denies of the caller's identity policies.
func (s *Server) authorizeLocked(c *call) error {
	if s.authz == nil {
		return nil
	}
	return s.authz(c)
}
