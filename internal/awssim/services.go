package awssim

// newServices returns the simulated services. Each service's constructor
// lives in its own file.
func newServices(s *Server) []*serviceDef {
	iam, iamDef := newIAM(s)
	s.authz = iam.authorize
	return []*serviceDef{
		iamDef,
		newSTS(s, iam),
		newCloudTrail(s),
	}
}

// authorizeLocked applies explicit denies of the caller's identity policies.
func (s *Server) authorizeLocked(c *call) error {
	if s.authz == nil {
		return nil
	}
	return s.authz(c)
}
