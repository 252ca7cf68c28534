package awssim

import (
	"net/url"
	"strings"
	"time"
)

// STS: AssumeRole with trust-policy checks, GetCallerIdentity.

const stsXMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

type stsService struct {
	s   *Server
	iam *iamService
}

func newSTS(s *Server, iam *iamService) *serviceDef {
	svc := &stsService{s: s, iam: iam}
	return &serviceDef{
		Name: "sts", EventSource: "sts.amazonaws.com", Protocol: protoQuery, XMLNS: stsXMLNS,
		Query: map[string]queryHandler{
			"AssumeRole":        svc.assumeRole,
			"GetCallerIdentity": svc.getCallerIdentity,
		},
		ReadOnly: func(op string) bool { return op != "AssumeRole" },
	}
}

var sessionNameRE = lazyRegexp(`^[\w+=,.@-]{2,64}$`)

func (svc *stsService) assumeRole(c *call, in url.Values) (any, error) {
	roleARN, err := required(in, "RoleArn")
	if err != nil {
		return nil, err
	}
	session, err := required(in, "RoleSessionName")
	if err != nil {
		return nil, err
	}
	if !sessionNameRE().MatchString(session) {
		return nil, errValidation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length 2..64", session)
	}
	duration, err := atoi(in.Get("DurationSeconds"), 3600)
	if err != nil {
		return nil, err
	}
	f := strings.SplitN(roleARN, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || !strings.HasPrefix(f[5], "role/") {
		return nil, errValidation("%s is not a valid role ARN", roleARN)
	}
	account, roleName := f[4], f[5][strings.LastIndexByte(f[5], '/')+1:]
	denied := errAccessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.caller.ARN, roleARN)
	acct := svc.iam.accounts[account]
	if acct == nil || acct.Roles[roleName] == nil {
		return nil, denied
	}
	role := acct.Roles[roleName]
	if duration < 900 || duration > role.MaxSession {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if ok, why := trustAllows(role.Trust, c.caller, in.Get("ExternalId"), c.now); !ok {
		denied.Message += " (" + why + ")"
		return nil, denied
	}
	keyID := c.s.newKeyLocked("ASIA", 16)
	secret := c.s.newSecretLocked()
	token := "FwoGZXIvYXdzE" + c.s.newSecretLocked() + c.s.newSecretLocked()
	expires := c.now.Add(time.Duration(duration) * time.Second)
	assumedARN := "arn:" + arnPartition(role.ARN) + ":sts::" + account + ":assumed-role/" + roleName + "/" + session
	c.s.registerCredentialLocked(&credential{Secret: secret, SessionToken: token, Principal: Principal{
		Type: "AssumedRole", Account: account, ARN: assumedARN, PrincipalID: role.ID + ":" + session,
		AccessKeyID: keyID, RoleName: roleName, RoleID: role.ID, SessionName: session, Issued: c.now, Expires: expires,
	}})
	c.trailParams = map[string]any{"roleArn": roleARN, "roleSessionName": session, "durationSeconds": duration}
	if ext := in.Get("ExternalId"); ext != "" {
		c.trailParams.(map[string]any)["externalId"] = ext
	}
	c.trailResponse = map[string]any{
		"credentials":     map[string]any{"accessKeyId": keyID, "expiration": isoTime(expires)},
		"assumedRoleUser": map[string]any{"assumedRoleId": role.ID + ":" + session, "arn": assumedARN},
	}
	type creds struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	}
	type user struct {
		Arn           string `xml:"Arn"`
		AssumedRoleID string `xml:"AssumedRoleId"`
	}
	return struct {
		Credentials     creds `xml:"Credentials"`
		AssumedRoleUser user  `xml:"AssumedRoleUser"`
	}{creds{keyID, secret, token, isoTime(expires)}, user{assumedARN, role.ID + ":" + session}}, nil
}

func (svc *stsService) getCallerIdentity(c *call, in url.Values) (any, error) {
	userID := c.caller.PrincipalID
	return struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	}{c.caller.ARN, userID, c.caller.Account}, nil
}
