package awssim

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// IAM: users, access keys, groups, roles, inline and managed policies, the
// account password policy. IAM is global: one state per account. The
// identity policies it holds are enforced on every call (see authz.go).

const iamXMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"

type iamService struct {
	s        *Server
	accounts map[string]*iamAccount
	// docs caches parsed policy documents by their text.
	docs map[string]parsedPolicy
}

type iamAccount struct {
	Users          map[string]*iamUser
	Groups         map[string]*iamGroup
	Roles          map[string]*iamRole
	Policies       map[string]*iamPolicy // by ARN
	PasswordPolicy *iamPasswordPolicy
	// Profiles are the instance profiles, by name (iam_profiles.go).
	Profiles map[string]*iamInstanceProfile `json:",omitempty"`
}

type iamUser struct {
	Name, ID, ARN, Path string
	Created             time.Time
	Tags                []iamTag
	Inline              map[string]string // policy name → document
	Attached            []string          // policy ARNs
	Keys                []*iamAccessKey
	LoginProfile        *iamLoginProfile `json:",omitempty"` // iam_login.go
	// PasswordLastUsed is when the user last signed in to the console
	// (Server.SetPasswordLastUsed).
	PasswordLastUsed time.Time `json:",omitempty"`
}

type iamAccessKey struct {
	ID, Secret, Status string
	Created            time.Time
	LastUsed           time.Time
	LastService        string
	LastRegion         string
}

type iamGroup struct {
	Name, ID, ARN, Path string
	Created             time.Time
	Inline              map[string]string
	Attached            []string
	Users               []string // member user names
}

// hasMember reports whether the user named user is in g.
func (g *iamGroup) hasMember(user string) bool {
	for _, u := range g.Users {
		if u == user {
			return true
		}
	}
	return false
}

type iamRole struct {
	Name, ID, ARN, Path, Description string
	Trust                            string
	MaxSession                       int
	Created                          time.Time
	Tags                             []iamTag
	Inline                           map[string]string
	Attached                         []string
}

type iamPolicy struct {
	Name, ID, ARN, Path, Document string
	Created                       time.Time
	Attachments                   int
}

type iamPasswordPolicy struct {
	MinimumPasswordLength      int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	MaxPasswordAge             int
	PasswordReusePrevention    int
	HardExpiry                 bool
}

type iamTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func (svc *iamService) account(id string) *iamAccount {
	a := svc.accounts[id]
	if a == nil {
		a = &iamAccount{Users: map[string]*iamUser{}, Roles: map[string]*iamRole{}, Policies: map[string]*iamPolicy{}}
		svc.accounts[id] = a
	}
	if a.Groups == nil {
		a.Groups = map[string]*iamGroup{}
	}
	if a.Profiles == nil {
		a.Profiles = map[string]*iamInstanceProfile{}
	}
	return a
}

func newIAM(s *Server) (*iamService, *serviceDef) {
	svc := &iamService{s: s, accounts: map[string]*iamAccount{}, docs: map[string]parsedPolicy{}}
	def := &serviceDef{
		Name: "iam", EventSource: "iam.amazonaws.com", Protocol: protoQuery, XMLNS: iamXMLNS, Global: true,
		State: &svc.accounts, Restored: svc.restored,
		Query: map[string]queryHandler{
			"CreateUser":                  svc.createUser,
			"GetUser":                     svc.getUser,
			"ListUsers":                   svc.listUsers,
			"DeleteUser":                  svc.deleteUser,
			"TagUser":                     svc.tagUser,
			"CreateGroup":                 svc.createGroup,
			"GetGroup":                    svc.getGroup,
			"ListGroups":                  svc.listGroups,
			"DeleteGroup":                 svc.deleteGroup,
			"AddUserToGroup":              svc.addUserToGroup,
			"RemoveUserFromGroup":         svc.removeUserFromGroup,
			"ListGroupsForUser":           svc.listGroupsForUser,
			"PutGroupPolicy":              svc.putGroupPolicy,
			"GetGroupPolicy":              svc.getGroupPolicy,
			"ListGroupPolicies":           svc.listGroupPolicies,
			"DeleteGroupPolicy":           svc.deleteGroupPolicy,
			"AttachGroupPolicy":           svc.attachGroupPolicy,
			"DetachGroupPolicy":           svc.detachGroupPolicy,
			"ListAttachedGroupPolicies":   svc.listAttachedGroupPolicies,
			"CreateAccessKey":             svc.createAccessKey,
			"ListAccessKeys":              svc.listAccessKeys,
			"UpdateAccessKey":             svc.updateAccessKey,
			"DeleteAccessKey":             svc.deleteAccessKey,
			"GetAccessKeyLastUsed":        svc.getAccessKeyLastUsed,
			"CreateRole":                  svc.createRole,
			"GetRole":                     svc.getRole,
			"ListRoles":                   svc.listRoles,
			"DeleteRole":                  svc.deleteRole,
			"UpdateAssumeRolePolicy":      svc.updateAssumeRolePolicy,
			"PutRolePolicy":               svc.putRolePolicy,
			"GetRolePolicy":               svc.getRolePolicy,
			"ListRolePolicies":            svc.listRolePolicies,
			"DeleteRolePolicy":            svc.deleteRolePolicy,
			"PutUserPolicy":               svc.putUserPolicy,
			"GetUserPolicy":               svc.getUserPolicy,
			"ListUserPolicies":            svc.listUserPolicies,
			"DeleteUserPolicy":            svc.deleteUserPolicy,
			"CreatePolicy":                svc.createPolicy,
			"GetPolicy":                   svc.getPolicy,
			"DeletePolicy":                svc.deletePolicy,
			"AttachRolePolicy":            svc.attachRolePolicy,
			"DetachRolePolicy":            svc.detachRolePolicy,
			"ListAttachedRolePolicies":    svc.listAttachedRolePolicies,
			"AttachUserPolicy":            svc.attachUserPolicy,
			"DetachUserPolicy":            svc.detachUserPolicy,
			"ListAttachedUserPolicies":    svc.listAttachedUserPolicies,
			"GetAccountPasswordPolicy":    svc.getPasswordPolicy,
			"UpdateAccountPasswordPolicy": svc.updatePasswordPolicy,
			"DeleteAccountPasswordPolicy": svc.deletePasswordPolicy,
		},
	}
	return svc, def
}

var iamNameRE = lazyRegexp(`^[\w+=,.@-]{1,128}$`)

func errNoSuchEntity(format string, args ...any) *Error {
	return errorf(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func errEntityExists(format string, args ...any) *Error {
	return errorf(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func errDeleteConflict(format string, args ...any) *Error {
	return errorf(http.StatusConflict, "DeleteConflict", format, args...)
}

func iamName(in url.Values, param string) (string, error) {
	v, err := required(in, param)
	if err != nil {
		return "", err
	}
	if !iamNameRE().MatchString(v) {
		return "", errValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", v, lowerCamel(param))
	}
	return v, nil
}

func iamPath(in url.Values) string {
	p := in.Get("Path")
	if p == "" {
		return "/"
	}
	return p
}

func iamTags(in url.Values) []iamTag {
	var tags []iamTag
	for _, t := range queryStructs(in, "Tags") {
		tags = append(tags, iamTag{t.Get("Key"), t.Get("Value")})
	}
	return tags
}

// --- users ---

type xmlUser struct {
	Path       string   `xml:"Path"`
	UserName   string   `xml:"UserName"`
	UserID     string   `xml:"UserId"`
	Arn        string   `xml:"Arn"`
	CreateDate string   `xml:"CreateDate"`
	Tags       []iamTag `xml:"Tags>member,omitempty"`

	// PasswordLastUsed is empty when the user never signed in.
	PasswordLastUsed string `xml:"PasswordLastUsed,omitempty"`
}

func (u *iamUser) xml() xmlUser {
	return xmlUser{u.Path, u.Name, u.ID, u.ARN, isoTime(u.Created), u.Tags, isoTime(u.PasswordLastUsed)}
}

func (svc *iamService) user(c *call, name string) (*iamUser, error) {
	u := svc.account(c.Account()).Users[name]
	if u == nil {
		return nil, errNoSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

// userOrCaller returns the named user, or the calling IAM user when name is
// empty.
func (svc *iamService) userOrCaller(c *call, in url.Values) (*iamUser, error) {
	name := in.Get("UserName")
	if name == "" {
		if c.caller.Type != "IAMUser" {
			return nil, errMissingParameter("UserName")
		}
		name = c.caller.UserName
	}
	return svc.user(c, name)
}

func (svc *iamService) createUser(c *call, in url.Values) (any, error) {
	name, err := iamName(in, "UserName")
	if err != nil {
		return nil, err
	}
	acct := svc.account(c.Account())
	if acct.Users[name] != nil {
		return nil, errEntityExists("User with name %s already exists.", name)
	}
	p := iamPath(in)
	u := &iamUser{Name: name, ID: c.s.newKeyLocked("AIDA", 17), Path: p, Created: c.now, Tags: iamTags(in), Inline: map[string]string{},
		ARN: "arn:" + c.partition() + ":iam::" + c.Account() + ":user" + p + name}
	acct.Users[name] = u
	c.trailResponse = map[string]any{"user": map[string]any{"userName": name, "userId": u.ID, "arn": u.ARN, "path": p, "createDate": isoTime(c.now)}}
	return struct {
		User xmlUser `xml:"User"`
	}{u.xml()}, nil
}

func (svc *iamService) getUser(c *call, in url.Values) (any, error) {
	u, err := svc.userOrCaller(c, in)
	if err != nil {
		return nil, err
	}
	return struct {
		User xmlUser `xml:"User"`
	}{u.xml()}, nil
}

func (svc *iamService) listUsers(c *call, in url.Values) (any, error) {
	acct := svc.account(c.Account())
	var out []xmlUser
	prefix := in.Get("PathPrefix")
	for _, name := range sortedKeys(acct.Users) {
		u := acct.Users[name]
		if strings.HasPrefix(u.Path, prefix) {
			out = append(out, u.xml())
		}
	}
	return struct {
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool      `xml:"IsTruncated"`
	}{out, false}, nil
}

func (svc *iamService) deleteUser(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	if u.LoginProfile != nil {
		return nil, errDeleteConflict("Cannot delete entity, must delete login profile first.")
	}
	if len(u.Keys) > 0 || len(u.Inline) > 0 || len(u.Attached) > 0 {
		return nil, errDeleteConflict("Cannot delete entity, must delete access keys and policies first.")
	}
	for _, g := range svc.account(c.Account()).Groups {
		if g.hasMember(u.Name) {
			return nil, errDeleteConflict("Cannot delete entity, must remove users from group first.")
		}
	}
	delete(svc.account(c.Account()).Users, u.Name)
	return nil, nil
}

func (svc *iamService) tagUser(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	u.Tags = mergeTags(u.Tags, iamTags(in))
	return nil, nil
}

// mergeTags sets each tag of add in have, replacing the value of a tag
// with the same key and appending the others, and returns have.
func mergeTags[T ~struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}](have, add []T) []T {
	type tag = struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	for _, t := range add {
		found := false
		for i := range have {
			if tag(have[i]).Key == tag(t).Key {
				have[i], found = t, true
			}
		}
		if !found {
			have = append(have, t)
		}
	}
	return have
}

// --- access keys ---

type xmlAccessKeyMeta struct {
	UserName    string `xml:"UserName"`
	AccessKeyID string `xml:"AccessKeyId"`
	Status      string `xml:"Status"`
	CreateDate  string `xml:"CreateDate"`
}

func (svc *iamService) createAccessKey(c *call, in url.Values) (any, error) {
	u, err := svc.userOrCaller(c, in)
	if err != nil {
		return nil, err
	}
	if len(u.Keys) >= 2 {
		return nil, errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	}
	k := &iamAccessKey{ID: c.s.newKeyLocked("AKIA", 16), Secret: c.s.newSecretLocked(), Status: "Active", Created: c.now}
	u.Keys = append(u.Keys, k)
	svc.registerKey(c.Account(), u, k)
	c.trailResponse = map[string]any{"accessKey": map[string]any{"userName": u.Name, "accessKeyId": k.ID, "status": "Active", "createDate": isoTime(c.now)}}
	return struct {
		AccessKey struct {
			UserName        string `xml:"UserName"`
			AccessKeyID     string `xml:"AccessKeyId"`
			Status          string `xml:"Status"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			CreateDate      string `xml:"CreateDate"`
		} `xml:"AccessKey"`
	}{struct {
		UserName        string `xml:"UserName"`
		AccessKeyID     string `xml:"AccessKeyId"`
		Status          string `xml:"Status"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		CreateDate      string `xml:"CreateDate"`
	}{u.Name, k.ID, k.Status, k.Secret, isoTime(k.Created)}}, nil
}

// restored makes the access keys of restored users usable again.
func (svc *iamService) restored() {
	for account, a := range svc.accounts {
		for _, u := range a.Users {
			for _, k := range u.Keys {
				svc.registerKey(account, u, k)
			}
		}
	}
}

// registerKey makes a user's access key usable as credentials.
func (svc *iamService) registerKey(account string, u *iamUser, k *iamAccessKey) {
	svc.s.registerCredentialLocked(&credential{
		Secret:   k.Secret,
		Inactive: k.Status != "Active",
		Principal: Principal{Type: "IAMUser", Account: account, ARN: u.ARN, PrincipalID: u.ID,
			AccessKeyID: k.ID, UserName: u.Name},
		Used: func(service, region string, at time.Time) {
			k.LastUsed, k.LastService, k.LastRegion = at, service, region
		},
	})
}

func (svc *iamService) findKey(c *call, in url.Values) (*iamUser, *iamAccessKey, int, error) {
	id, err := required(in, "AccessKeyId")
	if err != nil {
		return nil, nil, 0, err
	}
	u, err := svc.userOrCaller(c, in)
	if err != nil {
		return nil, nil, 0, err
	}
	for i, k := range u.Keys {
		if k.ID == id {
			return u, k, i, nil
		}
	}
	return nil, nil, 0, errNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

func (svc *iamService) listAccessKeys(c *call, in url.Values) (any, error) {
	u, err := svc.userOrCaller(c, in)
	if err != nil {
		return nil, err
	}
	var out []xmlAccessKeyMeta
	for _, k := range u.Keys {
		out = append(out, xmlAccessKeyMeta{u.Name, k.ID, k.Status, isoTime(k.Created)})
	}
	return struct {
		AccessKeyMetadata []xmlAccessKeyMeta `xml:"AccessKeyMetadata>member"`
		IsTruncated       bool               `xml:"IsTruncated"`
	}{out, false}, nil
}

func (svc *iamService) updateAccessKey(c *call, in url.Values) (any, error) {
	status, err := required(in, "Status")
	if err != nil {
		return nil, err
	}
	if status != "Active" && status != "Inactive" {
		return nil, errValidation("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	u, k, _, err := svc.findKey(c, in)
	if err != nil {
		return nil, err
	}
	k.Status = status
	svc.registerKey(c.Account(), u, k)
	return nil, nil
}

func (svc *iamService) deleteAccessKey(c *call, in url.Values) (any, error) {
	u, k, i, err := svc.findKey(c, in)
	if err != nil {
		return nil, err
	}
	u.Keys = append(u.Keys[:i], u.Keys[i+1:]...)
	c.s.revokeCredentialLocked(k.ID)
	return nil, nil
}

func (svc *iamService) getAccessKeyLastUsed(c *call, in url.Values) (any, error) {
	id, err := required(in, "AccessKeyId")
	if err != nil {
		return nil, err
	}
	type lastUsed struct {
		LastUsedDate string `xml:"LastUsedDate,omitempty"`
		ServiceName  string `xml:"ServiceName"`
		Region       string `xml:"Region"`
	}
	acct := svc.account(c.Account())
	for _, name := range sortedKeys(acct.Users) {
		u := acct.Users[name]
		for _, k := range u.Keys {
			if k.ID != id {
				continue
			}
			lu := lastUsed{ServiceName: "N/A", Region: "N/A"}
			if !k.LastUsed.IsZero() {
				lu = lastUsed{isoTime(k.LastUsed), k.LastService, k.LastRegion}
			}
			return struct {
				UserName          string   `xml:"UserName"`
				AccessKeyLastUsed lastUsed `xml:"AccessKeyLastUsed"`
			}{u.Name, lu}, nil
		}
	}
	return nil, errNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

// --- roles ---

type xmlRole struct {
	Path                     string   `xml:"Path"`
	RoleName                 string   `xml:"RoleName"`
	RoleID                   string   `xml:"RoleId"`
	Arn                      string   `xml:"Arn"`
	CreateDate               string   `xml:"CreateDate"`
	AssumeRolePolicyDocument string   `xml:"AssumeRolePolicyDocument"`
	Description              string   `xml:"Description,omitempty"`
	MaxSessionDuration       int      `xml:"MaxSessionDuration"`
	Tags                     []iamTag `xml:"Tags>member,omitempty"`
}

func (r *iamRole) xml() xmlRole {
	return xmlRole{r.Path, r.Name, r.ID, r.ARN, isoTime(r.Created), url.QueryEscape(r.Trust), r.Description, r.MaxSession, r.Tags}
}

func (svc *iamService) role(c *call, name string) (*iamRole, error) {
	if name == "" {
		return nil, errMissingParameter("RoleName")
	}
	r := svc.account(c.Account()).Roles[name]
	if r == nil {
		return nil, errNoSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func policyDocument(in url.Values, param string) (string, error) {
	doc, err := required(in, param)
	if err != nil {
		return "", err
	}
	if _, perr := parsePolicy(doc); perr != nil {
		return "", errorf(http.StatusBadRequest, "MalformedPolicyDocument", "%v", perr)
	}
	return doc, nil
}

// identityPolicyDocument returns the identity policy document in param,
// refusing one IAM would refuse.
func identityPolicyDocument(in url.Values, param string) (string, error) {
	doc, err := required(in, param)
	if err != nil {
		return "", err
	}
	p, perr := parsePolicy(doc)
	if perr == nil {
		perr = checkIdentityPolicy(p)
	}
	if perr != nil {
		return "", errorf(http.StatusBadRequest, "MalformedPolicyDocument", "%v", perr)
	}
	return doc, nil
}

func (svc *iamService) createRole(c *call, in url.Values) (any, error) {
	name, err := iamName(in, "RoleName")
	if err != nil {
		return nil, err
	}
	trust, err := policyDocument(in, "AssumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	acct := svc.account(c.Account())
	if acct.Roles[name] != nil {
		return nil, errEntityExists("Role with name %s already exists.", name)
	}
	maxSession, err := atoi(in.Get("MaxSessionDuration"), 3600)
	if err != nil {
		return nil, err
	}
	p := iamPath(in)
	r := &iamRole{Name: name, ID: c.s.newKeyLocked("AROA", 17), Path: p, Description: in.Get("Description"), Trust: trust,
		MaxSession: maxSession, Created: c.now, Tags: iamTags(in), Inline: map[string]string{},
		ARN: "arn:" + c.partition() + ":iam::" + c.Account() + ":role" + p + name}
	acct.Roles[name] = r
	return struct {
		Role xmlRole `xml:"Role"`
	}{r.xml()}, nil
}

func (svc *iamService) getRole(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return struct {
		Role xmlRole `xml:"Role"`
	}{r.xml()}, nil
}

func (svc *iamService) listRoles(c *call, in url.Values) (any, error) {
	acct := svc.account(c.Account())
	var out []xmlRole
	for _, name := range sortedKeys(acct.Roles) {
		if r := acct.Roles[name]; strings.HasPrefix(r.Path, in.Get("PathPrefix")) {
			out = append(out, r.xml())
		}
	}
	return struct {
		Roles       []xmlRole `xml:"Roles>member"`
		IsTruncated bool      `xml:"IsTruncated"`
	}{out, false}, nil
}

func (svc *iamService) deleteRole(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	if len(r.Inline) > 0 || len(r.Attached) > 0 {
		return nil, errDeleteConflict("Cannot delete entity, must delete policies first.")
	}
	for _, p := range svc.account(c.Account()).Profiles {
		if contains(p.Roles, r.Name) {
			return nil, errDeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
	}
	delete(svc.account(c.Account()).Roles, r.Name)
	return nil, nil
}

func (svc *iamService) updateAssumeRolePolicy(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	doc, err := policyDocument(in, "PolicyDocument")
	if err != nil {
		return nil, err
	}
	r.Trust = doc
	return nil, nil
}

// --- inline policies ---

func putInline(m map[string]string, in url.Values) error {
	name, err := iamName(in, "PolicyName")
	if err != nil {
		return err
	}
	doc, err := identityPolicyDocument(in, "PolicyDocument")
	if err != nil {
		return err
	}
	m[name] = doc
	return nil
}

func getInline(m map[string]string, in url.Values, owner, ownerParam, ownerName string) (any, error) {
	name := in.Get("PolicyName")
	doc, ok := m[name]
	if !ok {
		return nil, errNoSuchEntity("The %s policy with name %s cannot be found.", strings.ToLower(strings.TrimSuffix(ownerParam, "Name")), name)
	}
	return struct {
		Owner          xmlNamed `xml:""`
		PolicyName     string   `xml:"PolicyName"`
		PolicyDocument string   `xml:"PolicyDocument"`
	}{xmlNamed{ownerParam, ownerName}, name, url.QueryEscape(doc)}, nil
}

// xmlNamed marshals as <Name>Value</Name> with a name chosen at run time.
type xmlNamed struct{ Name, Value string }

func (n xmlNamed) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(n.Value, xml.StartElement{Name: xml.Name{Local: n.Name}})
}

func listInline(m map[string]string) any {
	return struct {
		PolicyNames []string `xml:"PolicyNames>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{sortedKeys(m), false}
}

func deleteInline(m map[string]string, in url.Values) error {
	name := in.Get("PolicyName")
	if _, ok := m[name]; !ok {
		return errNoSuchEntity("The policy with name %s cannot be found.", name)
	}
	delete(m, name)
	return nil
}

func (svc *iamService) putRolePolicy(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return nil, putInline(r.Inline, in)
}

func (svc *iamService) getRolePolicy(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return getInline(r.Inline, in, "role", "RoleName", r.Name)
}

func (svc *iamService) listRolePolicies(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return listInline(r.Inline), nil
}

func (svc *iamService) deleteRolePolicy(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return nil, deleteInline(r.Inline, in)
}

func (svc *iamService) putUserPolicy(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return nil, putInline(u.Inline, in)
}

func (svc *iamService) getUserPolicy(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return getInline(u.Inline, in, "user", "UserName", u.Name)
}

func (svc *iamService) listUserPolicies(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return listInline(u.Inline), nil
}

func (svc *iamService) deleteUserPolicy(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return nil, deleteInline(u.Inline, in)
}

// --- managed policies ---

type xmlPolicy struct {
	PolicyName       string `xml:"PolicyName"`
	PolicyID         string `xml:"PolicyId"`
	Arn              string `xml:"Arn"`
	Path             string `xml:"Path"`
	DefaultVersionID string `xml:"DefaultVersionId"`
	AttachmentCount  int    `xml:"AttachmentCount"`
	IsAttachable     bool   `xml:"IsAttachable"`
	CreateDate       string `xml:"CreateDate"`
	UpdateDate       string `xml:"UpdateDate"`
}

func (p *iamPolicy) xml() xmlPolicy {
	return xmlPolicy{p.Name, p.ID, p.ARN, p.Path, "v1", p.Attachments, true, isoTime(p.Created), isoTime(p.Created)}
}

func (svc *iamService) createPolicy(c *call, in url.Values) (any, error) {
	name, err := iamName(in, "PolicyName")
	if err != nil {
		return nil, err
	}
	doc, err := identityPolicyDocument(in, "PolicyDocument")
	if err != nil {
		return nil, err
	}
	p := iamPath(in)
	arn := "arn:" + c.partition() + ":iam::" + c.Account() + ":policy" + p + name
	acct := svc.account(c.Account())
	if acct.Policies[arn] != nil {
		return nil, errEntityExists("A policy called %s already exists. Duplicate names are not allowed.", name)
	}
	pol := &iamPolicy{Name: name, ID: c.s.newKeyLocked("ANPA", 17), ARN: arn, Path: p, Document: doc, Created: c.now}
	acct.Policies[arn] = pol
	return struct {
		Policy xmlPolicy `xml:"Policy"`
	}{pol.xml()}, nil
}

// policy returns a customer managed policy of the caller's account, or an
// AWS managed policy (arn:aws:iam::aws:policy/...), which always exists:
// with the document the simulator evaluates for the ones it knows
// (awsManagedPolicy), else with no statement.
func (svc *iamService) policy(c *call, arn string) (*iamPolicy, error) {
	if arn == "" {
		return nil, errMissingParameter("PolicyArn")
	}
	if p := svc.account(c.Account()).Policies[arn]; p != nil {
		return p, nil
	}
	if strings.Contains(arn, ":iam::aws:policy/") {
		name := arn[strings.LastIndexByte(arn, '/')+1:]
		doc, ok := awsManagedPolicy(arn)
		if !ok {
			doc = `{"Version":"2012-10-17","Statement":[]}`
		}
		return &iamPolicy{Name: name, ID: "ANPAAWSMANAGED" + strings.ToUpper(name), ARN: arn, Path: "/", Document: doc}, nil
	}
	return nil, errNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

func (svc *iamService) getPolicy(c *call, in url.Values) (any, error) {
	p, err := svc.policy(c, in.Get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	return struct {
		Policy xmlPolicy `xml:"Policy"`
	}{p.xml()}, nil
}

func (svc *iamService) deletePolicy(c *call, in url.Values) (any, error) {
	arn := in.Get("PolicyArn")
	acct := svc.account(c.Account())
	p := acct.Policies[arn]
	if p == nil {
		return nil, errNoSuchEntity("Policy %s was not found.", arn)
	}
	if p.Attachments > 0 {
		return nil, errDeleteConflict("Cannot delete a policy attached to entities.")
	}
	delete(acct.Policies, arn)
	return nil, nil
}

type xmlAttached struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

func (svc *iamService) attach(c *call, list *[]string, arn string) error {
	p, err := svc.policy(c, arn)
	if err != nil {
		return err
	}
	for _, a := range *list {
		if a == arn {
			return nil
		}
	}
	*list = append(*list, arn)
	p.Attachments++
	return nil
}

func (svc *iamService) detach(c *call, list *[]string, arn string) error {
	for i, a := range *list {
		if a == arn {
			*list = append((*list)[:i], (*list)[i+1:]...)
			if p := svc.account(c.Account()).Policies[arn]; p != nil {
				p.Attachments--
			}
			return nil
		}
	}
	return errNoSuchEntity("Policy %s was not found.", arn)
}

func (svc *iamService) listAttached(c *call, list []string) any {
	var out []xmlAttached
	sorted := append([]string(nil), list...)
	sort.Strings(sorted)
	for _, arn := range sorted {
		out = append(out, xmlAttached{arn[strings.LastIndexByte(arn, '/')+1:], arn})
	}
	return struct {
		AttachedPolicies []xmlAttached `xml:"AttachedPolicies>member"`
		IsTruncated      bool          `xml:"IsTruncated"`
	}{out, false}
}

func (svc *iamService) attachRolePolicy(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return nil, svc.attach(c, &r.Attached, in.Get("PolicyArn"))
}

func (svc *iamService) detachRolePolicy(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return nil, svc.detach(c, &r.Attached, in.Get("PolicyArn"))
}

func (svc *iamService) listAttachedRolePolicies(c *call, in url.Values) (any, error) {
	r, err := svc.role(c, in.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return svc.listAttached(c, r.Attached), nil
}

func (svc *iamService) attachUserPolicy(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return nil, svc.attach(c, &u.Attached, in.Get("PolicyArn"))
}

func (svc *iamService) detachUserPolicy(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return nil, svc.detach(c, &u.Attached, in.Get("PolicyArn"))
}

func (svc *iamService) listAttachedUserPolicies(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return svc.listAttached(c, u.Attached), nil
}

// --- password policy ---

func (svc *iamService) getPasswordPolicy(c *call, in url.Values) (any, error) {
	pp := svc.account(c.Account()).PasswordPolicy
	if pp == nil {
		return nil, errNoSuchEntity("The Password Policy with domain name %s cannot be found.", c.Account())
	}
	type xmlPP struct {
		MinimumPasswordLength      int  `xml:"MinimumPasswordLength"`
		RequireSymbols             bool `xml:"RequireSymbols"`
		RequireNumbers             bool `xml:"RequireNumbers"`
		RequireUppercaseCharacters bool `xml:"RequireUppercaseCharacters"`
		RequireLowercaseCharacters bool `xml:"RequireLowercaseCharacters"`
		AllowUsersToChangePassword bool `xml:"AllowUsersToChangePassword"`
		ExpirePasswords            bool `xml:"ExpirePasswords"`
		MaxPasswordAge             int  `xml:"MaxPasswordAge,omitempty"`
		PasswordReusePrevention    int  `xml:"PasswordReusePrevention,omitempty"`
		HardExpiry                 bool `xml:"HardExpiry"`
	}
	return struct {
		PasswordPolicy xmlPP `xml:"PasswordPolicy"`
	}{xmlPP{pp.MinimumPasswordLength, pp.RequireSymbols, pp.RequireNumbers, pp.RequireUppercaseCharacters,
		pp.RequireLowercaseCharacters, pp.AllowUsersToChangePassword, pp.MaxPasswordAge > 0, pp.MaxPasswordAge,
		pp.PasswordReusePrevention, pp.HardExpiry}}, nil
}

// updatePasswordPolicy replaces the account password policy. As in IAM,
// every parameter the request leaves out takes its default value (a
// minimum length of 6, no requirement, no expiry, no reuse prevention), not
// the value it had.
func (svc *iamService) updatePasswordPolicy(c *call, in url.Values) (any, error) {
	minLen, err := atoi(in.Get("MinimumPasswordLength"), 6)
	if err != nil {
		return nil, err
	}
	if minLen < 6 || minLen > 128 {
		return nil, errValidation("1 validation error detected: Value '%d' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value between 6 and 128", minLen)
	}
	maxAge, err := atoi(in.Get("MaxPasswordAge"), 0)
	if err != nil {
		return nil, err
	}
	if in.Get("MaxPasswordAge") != "" && (maxAge < 1 || maxAge > 1095) {
		return nil, errValidation("1 validation error detected: Value '%d' at 'maxPasswordAge' failed to satisfy constraint: Member must have value between 1 and 1095", maxAge)
	}
	reuse, err := atoi(in.Get("PasswordReusePrevention"), 0)
	if err != nil {
		return nil, err
	}
	if in.Get("PasswordReusePrevention") != "" && (reuse < 1 || reuse > 24) {
		return nil, errValidation("1 validation error detected: Value '%d' at 'passwordReusePrevention' failed to satisfy constraint: Member must have value between 1 and 24", reuse)
	}
	b := func(k string) bool { return in.Get(k) == "true" }
	svc.account(c.Account()).PasswordPolicy = &iamPasswordPolicy{
		MinimumPasswordLength: minLen, RequireSymbols: b("RequireSymbols"), RequireNumbers: b("RequireNumbers"),
		RequireUppercaseCharacters: b("RequireUppercaseCharacters"), RequireLowercaseCharacters: b("RequireLowercaseCharacters"),
		AllowUsersToChangePassword: b("AllowUsersToChangePassword"), MaxPasswordAge: maxAge, PasswordReusePrevention: reuse,
		HardExpiry: b("HardExpiry"),
	}
	return nil, nil
}

func (svc *iamService) deletePasswordPolicy(c *call, in url.Values) (any, error) {
	acct := svc.account(c.Account())
	if acct.PasswordPolicy == nil {
		return nil, errNoSuchEntity("The account policy with name PasswordPolicy cannot be found.")
	}
	acct.PasswordPolicy = nil
	return nil, nil
}

// --- groups ---

type xmlGroup struct {
	Path       string `xml:"Path"`
	GroupName  string `xml:"GroupName"`
	GroupID    string `xml:"GroupId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

func (g *iamGroup) xml() xmlGroup {
	return xmlGroup{g.Path, g.Name, g.ID, g.ARN, isoTime(g.Created)}
}

func (svc *iamService) group(c *call, name string) (*iamGroup, error) {
	if name == "" {
		return nil, errMissingParameter("GroupName")
	}
	g := svc.account(c.Account()).Groups[name]
	if g == nil {
		return nil, errNoSuchEntity("The group with name %s cannot be found.", name)
	}
	return g, nil
}

func (svc *iamService) createGroup(c *call, in url.Values) (any, error) {
	name, err := iamName(in, "GroupName")
	if err != nil {
		return nil, err
	}
	acct := svc.account(c.Account())
	if acct.Groups[name] != nil {
		return nil, errEntityExists("Group with name %s already exists.", name)
	}
	p := iamPath(in)
	g := &iamGroup{Name: name, ID: c.s.newKeyLocked("AGPA", 17), Path: p, Created: c.now, Inline: map[string]string{},
		ARN: "arn:" + c.partition() + ":iam::" + c.Account() + ":group" + p + name}
	acct.Groups[name] = g
	return struct {
		Group xmlGroup `xml:"Group"`
	}{g.xml()}, nil
}

func (svc *iamService) getGroup(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	acct := svc.account(c.Account())
	var users []xmlUser
	for _, name := range g.Users {
		if u := acct.Users[name]; u != nil {
			users = append(users, u.xml())
		}
	}
	return struct {
		Group       xmlGroup  `xml:"Group"`
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool      `xml:"IsTruncated"`
	}{g.xml(), users, false}, nil
}

func (svc *iamService) listGroups(c *call, in url.Values) (any, error) {
	acct := svc.account(c.Account())
	var out []xmlGroup
	for _, name := range sortedKeys(acct.Groups) {
		if g := acct.Groups[name]; strings.HasPrefix(g.Path, in.Get("PathPrefix")) {
			out = append(out, g.xml())
		}
	}
	return struct {
		Groups      []xmlGroup `xml:"Groups>member"`
		IsTruncated bool       `xml:"IsTruncated"`
	}{out, false}, nil
}

func (svc *iamService) deleteGroup(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	if len(g.Users) > 0 || len(g.Inline) > 0 || len(g.Attached) > 0 {
		return nil, errDeleteConflict("Cannot delete entity, must remove users and policies from the group first.")
	}
	delete(svc.account(c.Account()).Groups, g.Name)
	return nil, nil
}

func (svc *iamService) addUserToGroup(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	if !g.hasMember(u.Name) {
		g.Users = append(g.Users, u.Name)
	}
	return nil, nil
}

func (svc *iamService) removeUserFromGroup(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	for i, name := range g.Users {
		if name == u.Name {
			g.Users = append(g.Users[:i:i], g.Users[i+1:]...)
			return nil, nil
		}
	}
	return nil, errNoSuchEntity("The user with name %s is not in the group %s.", u.Name, g.Name)
}

func (svc *iamService) listGroupsForUser(c *call, in url.Values) (any, error) {
	u, err := svc.user(c, in.Get("UserName"))
	if err != nil {
		return nil, err
	}
	acct := svc.account(c.Account())
	var out []xmlGroup
	for _, name := range sortedKeys(acct.Groups) {
		if g := acct.Groups[name]; g.hasMember(u.Name) {
			out = append(out, g.xml())
		}
	}
	return struct {
		Groups      []xmlGroup `xml:"Groups>member"`
		IsTruncated bool       `xml:"IsTruncated"`
	}{out, false}, nil
}

func (svc *iamService) putGroupPolicy(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	return nil, putInline(g.Inline, in)
}

func (svc *iamService) getGroupPolicy(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	return getInline(g.Inline, in, "group", "GroupName", g.Name)
}

func (svc *iamService) listGroupPolicies(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	return listInline(g.Inline), nil
}

func (svc *iamService) deleteGroupPolicy(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	return nil, deleteInline(g.Inline, in)
}

func (svc *iamService) attachGroupPolicy(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	return nil, svc.attach(c, &g.Attached, in.Get("PolicyArn"))
}

func (svc *iamService) detachGroupPolicy(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	return nil, svc.detach(c, &g.Attached, in.Get("PolicyArn"))
}

func (svc *iamService) listAttachedGroupPolicies(c *call, in url.Values) (any, error) {
	g, err := svc.group(c, in.Get("GroupName"))
	if err != nil {
		return nil, err
	}
	return svc.listAttached(c, g.Attached), nil
}
