package awssim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// IAM instance profiles, service-linked roles, role tags, the entities a
// managed policy is attached to, and console sign-in times.

type iamInstanceProfile struct {
	Name, ID, ARN, Path string
	Created             time.Time
	Roles               []string // role names; at most one
	Tags                []iamTag
}

// addProfileOps adds the operations of this file to IAM's.
func (svc *iamService) addProfileOps(def *serviceDef) {
	def.Query["CreateInstanceProfile"] = svc.createInstanceProfile
	def.Query["GetInstanceProfile"] = svc.getInstanceProfile
	def.Query["DeleteInstanceProfile"] = svc.deleteInstanceProfile
	def.Query["ListInstanceProfiles"] = svc.listInstanceProfiles
	def.Query["ListInstanceProfilesForRole"] = svc.listInstanceProfilesForRole
	def.Query["AddRoleToInstanceProfile"] = svc.addRoleToInstanceProfile
	def.Query["RemoveRoleFromInstanceProfile"] = svc.removeRoleFromInstanceProfile
	def.Query["CreateServiceLinkedRole"] = svc.createServiceLinkedRole
	def.Query["ListEntitiesForPolicy"] = svc.listEntitiesForPolicy
	def.Query["TagRole"] = svc.tagRole
	def.Query["ListRoleTags"] = svc.listRoleTags
}

// profileByARN returns the account's instance profile arn names.
func (a *iamAccount) profileByARN(arn string) *iamInstanceProfile {
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	if p := a.Profiles[name]; p != nil && p.ARN == arn {
		return p
	}
	return nil
}

type xmlInstanceProfile struct {
	Path                string    `xml:"Path"`
	InstanceProfileName string    `xml:"InstanceProfileName"`
	InstanceProfileID   string    `xml:"InstanceProfileId"`
	Arn                 string    `xml:"Arn"`
	CreateDate          string    `xml:"CreateDate"`
	Roles               []xmlRole `xml:"Roles>member"`
	Tags                []iamTag  `xml:"Tags>member,omitempty"`
}

func (svc *iamService) profileXML(c *call, p *iamInstanceProfile) xmlInstanceProfile {
	x := xmlInstanceProfile{Path: p.Path, InstanceProfileName: p.Name, InstanceProfileID: p.ID, Arn: p.ARN, CreateDate: isoTime(p.Created), Tags: p.Tags}
	x.Roles = []xmlRole{}
	for _, name := range p.Roles {
		if r := svc.account(c.Account()).Roles[name]; r != nil {
			x.Roles = append(x.Roles, r.xml())
		}
	}
	return x
}

func (svc *iamService) profile(c *call, in url.Values) (*iamInstanceProfile, error) {
	name, err := required(in, "InstanceProfileName")
	if err != nil {
		return nil, err
	}
	p := svc.account(c.Account()).Profiles[name]
	if p == nil {
		return nil, errNoSuchEntity("Instance Profile %s cannot be found.", name)
	}
	return p, nil
}

func (svc *iamService) createInstanceProfile(c *call, in url.Values) (any, error) {
	name, err := iamName(in, "InstanceProfileName")
	if err != nil {
		return nil, err
	}
	acct := svc.account(c.Account())
	if acct.Profiles[name] != nil {
		return nil, errEntityExists("Instance Profile %s already exists.", name)
	}
	path := iamPath(in)
	p := &iamInstanceProfile{Name: name, ID: c.s.newKeyLocked("AIPA", 17), Path: path, Created: c.now, Tags: iamTags(in),
		ARN: "arn:" + c.partition() + ":iam::" + c.Account() + ":instance-profile" + path + name}
	acct.Profiles[name] = p
	return struct {
		InstanceProfile xmlInstanceProfile `xml:"InstanceProfile"`
	}{svc.profileXML(c, p)}, nil
}

func (svc *iamService) getInstanceProfile(c *call, in url.Values) (any, error) {
	p, err := svc.profile(c, in)
	if err != nil {
		return nil, err
	}
	return struct {
		InstanceProfile xmlInstanceProfile `xml:"InstanceProfile"`
	}{svc.profileXML(c, p)}, nil
}

func (svc *iamService) deleteInstanceProfile(c *call, in url.Values) (any, error) {
	p, err := svc.profile(c, in)
	if err != nil {
		return nil, err
	}
	if len(p.Roles) > 0 {
		return nil, errDeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
	}
	delete(svc.account(c.Account()).Profiles, p.Name)
	return nil, nil
}

func (svc *iamService) listProfiles(c *call, keep func(*iamInstanceProfile) bool) any {
	acct := svc.account(c.Account())
	out := []xmlInstanceProfile{}
	for _, name := range sortedKeys(acct.Profiles) {
		if p := acct.Profiles[name]; keep(p) {
			out = append(out, svc.profileXML(c, p))
		}
	}
	return struct {
		InstanceProfiles []xmlInstanceProfile `xml:"InstanceProfiles>member"`
		IsTruncated      bool                 `xml:"IsTruncated"`
	}{out, false}
}

func (svc *iamService) listInstanceProfiles(c *call, in url.Values) (any, error) {
	prefix := in.Get("PathPrefix")
	return svc.listProfiles(c, func(p *iamInstanceProfile) bool { return strings.HasPrefix(p.Path, prefix) }), nil
}

func (svc *iamService) listInstanceProfilesForRole(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return svc.listProfiles(c, func(p *iamInstanceProfile) bool { return contains(p.Roles, r.Name) }), nil
}

func (svc *iamService) addRoleToInstanceProfile(c *call, in url.Values) (any, error) {
	p, err := svc.profile(c, in)
	if err != nil {
		return nil, err
	}
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	if len(p.Roles) > 0 {
		return nil, errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	}
	p.Roles = []string{r.Name}
	return nil, nil
}

func (svc *iamService) removeRoleFromInstanceProfile(c *call, in url.Values) (any, error) {
	p, err := svc.profile(c, in)
	if err != nil {
		return nil, err
	}
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	if !contains(p.Roles, r.Name) {
		return nil, errNoSuchEntity("The role with name %s cannot be found in instance profile %s.", r.Name, p.Name)
	}
	p.Roles = nil
	return nil, nil
}

// serviceLinkedRoles are the service-linked roles the simulator can make:
// the role's name and the AWS managed policy its service attaches, by
// service principal.
var serviceLinkedRoles = map[string]struct{ name, policy string }{
	"config.amazonaws.com":    {"AWSServiceRoleForConfig", "aws-service-role/AWSConfigServiceRolePolicy"},
	"guardduty.amazonaws.com": {"AWSServiceRoleForAmazonGuardDuty", "aws-service-role/AmazonGuardDutyServiceRolePolicy"},
	"macie.amazonaws.com":     {"AWSServiceRoleForAmazonMacie", "aws-service-role/AmazonMacieServiceRolePolicy"},
	"ssm.amazonaws.com":       {"AWSServiceRoleForAmazonSSM", "aws-service-role/AmazonSSMServiceRolePolicy"},
	"support.amazonaws.com":   {"AWSServiceRoleForSupport", "aws-service-role/AWSSupportServiceRolePolicy"},
}

// ServiceLinkedRoleARN returns the ARN of the service-linked role of the
// AWS service principal service in account, in partition, and false for a
// service the simulator does not know.
func ServiceLinkedRoleARN(partition, account, service string) (string, bool) {
	slr, ok := serviceLinkedRoles[service]
	if !ok {
		return "", false
	}
	return "arn:" + partition + ":iam::" + account + ":role/aws-service-role/" + service + "/" + slr.name, true
}

func (svc *iamService) createServiceLinkedRole(c *call, in url.Values) (any, error) {
	service, err := required(in, "AWSServiceName")
	if err != nil {
		return nil, err
	}
	slr, ok := serviceLinkedRoles[service]
	if !ok {
		return nil, errorf(http.StatusBadRequest, "InvalidInput", "Invalid ServiceName: %s", service)
	}
	name := slr.name
	if suffix := in.Get("CustomSuffix"); suffix != "" {
		name += "_" + suffix
	}
	acct := svc.account(c.Account())
	if acct.Roles[name] != nil {
		return nil, errorf(http.StatusBadRequest, "InvalidInput", "Service role name %s has been taken in this account, please try a different suffix.", name)
	}
	path := "/aws-service-role/" + service + "/"
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"%s"},"Action":"sts:AssumeRole"}]}`, service)
	r := &iamRole{Name: name, ID: c.s.newKeyLocked("AROA", 17), Path: path, Description: in.Get("Description"), Trust: trust,
		MaxSession: 3600, Created: c.now, Inline: map[string]string{},
		ARN:      "arn:" + c.partition() + ":iam::" + c.Account() + ":role" + path + name,
		Attached: []string{"arn:" + c.partition() + ":iam::aws:policy/" + slr.policy}}
	acct.Roles[name] = r
	c.trailResponse = map[string]any{"role": map[string]any{"roleName": name, "arn": r.ARN, "path": path}}
	return struct {
		Role xmlRole `xml:"Role"`
	}{r.xml()}, nil
}

func (svc *iamService) listEntitiesForPolicy(c *call, in url.Values) (any, error) {
	arn := in.Get("PolicyArn")
	if _, err := svc.policy(c, arn); err != nil {
		return nil, err
	}
	filter := in.Get("EntityFilter")
	switch filter {
	case "", "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy":
	default:
		return nil, errValidation("1 validation error detected: Value '%s' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]", filter)
	}
	prefix := in.Get("PathPrefix")
	type xmlUserEntity struct {
		UserName string `xml:"UserName"`
		UserID   string `xml:"UserId"`
	}
	type xmlRoleEntity struct {
		RoleName string `xml:"RoleName"`
		RoleID   string `xml:"RoleId"`
	}
	type xmlGroupEntity struct {
		GroupName string `xml:"GroupName"`
		GroupID   string `xml:"GroupId"`
	}
	out := struct {
		PolicyGroups []xmlGroupEntity `xml:"PolicyGroups>member"`
		PolicyUsers  []xmlUserEntity  `xml:"PolicyUsers>member"`
		PolicyRoles  []xmlRoleEntity  `xml:"PolicyRoles>member"`
		IsTruncated  bool             `xml:"IsTruncated"`
	}{[]xmlGroupEntity{}, []xmlUserEntity{}, []xmlRoleEntity{}, false}
	acct := svc.account(c.Account())
	want := func(kind string) bool { return filter == "" || filter == kind }
	if want("User") {
		for _, name := range sortedKeys(acct.Users) {
			if u := acct.Users[name]; contains(u.Attached, arn) && strings.HasPrefix(u.Path, prefix) {
				out.PolicyUsers = append(out.PolicyUsers, xmlUserEntity{u.Name, u.ID})
			}
		}
	}
	if want("Role") {
		for _, name := range sortedKeys(acct.Roles) {
			if r := acct.Roles[name]; contains(r.Attached, arn) && strings.HasPrefix(r.Path, prefix) {
				out.PolicyRoles = append(out.PolicyRoles, xmlRoleEntity{r.Name, r.ID})
			}
		}
	}
	if want("Group") {
		for _, name := range sortedKeys(acct.Groups) {
			if g := acct.Groups[name]; contains(g.Attached, arn) && strings.HasPrefix(g.Path, prefix) {
				out.PolicyGroups = append(out.PolicyGroups, xmlGroupEntity{g.Name, g.ID})
			}
		}
	}
	return out, nil
}

func (svc *iamService) tagRole(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	r.Tags = mergeTags(r.Tags, iamTags(in))
	if len(r.Tags) > 50 {
		return nil, errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
	}
	return nil, nil
}

func (svc *iamService) listRoleTags(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	tags := r.Tags
	if tags == nil {
		tags = []iamTag{}
	}
	return struct {
		Tags        []iamTag `xml:"Tags>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{tags, false}, nil
}

// SetPasswordLastUsed records that the IAM user signed in to the AWS
// Management Console at t, as IAM's PasswordLastUsed reports it: console
// sign-ins are not API calls, so tests stage them this way.
func (s *Server) SetPasswordLastUsed(account, user string, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.iam.accounts[account]
	if acct == nil || acct.Users[user] == nil {
		return fmt.Errorf("awssim: no IAM user %s in account %s", user, account)
	}
	acct.Users[user].PasswordLastUsed = t.UTC()
	return nil
}
