package awssim

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// IAM login profiles: a user's password for the AWS Management Console.
// The password itself is checked against the account's password policy's
// minimum length and then forgotten: the simulator keeps no secret it
// does not need.

type iamLoginProfile struct {
	Created               time.Time
	PasswordResetRequired bool
}

type xmlLoginProfile struct {
	UserName              string `xml:"UserName"`
	CreateDate            string `xml:"CreateDate"`
	PasswordResetRequired bool   `xml:"PasswordResetRequired"`
}

// addLoginProfileOps adds the login profile operations to IAM's.
func (svc *iamService) addLoginProfileOps(def *serviceDef) {
	def.Query["CreateLoginProfile"] = svc.createLoginProfile
	def.Query["GetLoginProfile"] = svc.getLoginProfile
	def.Query["UpdateLoginProfile"] = svc.updateLoginProfile
	def.Query["DeleteLoginProfile"] = svc.deleteLoginProfile
}

// loginProfile returns the user UserName names and its login profile.
func (svc *iamService) loginProfile(c *call, in url.Values) (*iamUser, error) {
	u, err := svc.userOrCaller(c, in)
	if err != nil {
		return nil, err
	}
	if u.LoginProfile == nil {
		return nil, errNoSuchEntity("Login Profile for User %s cannot be found.", u.Name)
	}
	return u, nil
}

func (u *iamUser) loginProfileXML() xmlLoginProfile {
	return xmlLoginProfile{u.Name, isoTime(u.LoginProfile.Created), u.LoginProfile.PasswordResetRequired}
}

// checkPassword applies the account's password policy's minimum length.
func (svc *iamService) checkPassword(c *call, password string) error {
	minLen := 8
	if p := svc.account(c.Account()).PasswordPolicy; p != nil && p.MinimumPasswordLength > 0 {
		minLen = p.MinimumPasswordLength
	}
	if len(password) < minLen {
		return errorf(http.StatusBadRequest, "PasswordPolicyViolation", "Password should have a minimum length of %d", minLen)
	}
	return nil
}

func (svc *iamService) createLoginProfile(c *call, in url.Values) (any, error) {
	reset, _ := strconv.ParseBool(in.Get("PasswordResetRequired"))
	// CloudTrail does not record the password, whether the call succeeds
	// or not.
	c.trailParams = map[string]any{"userName": in.Get("UserName"), "passwordResetRequired": reset}
	u, err := svc.userOrCaller(c, in)
	if err != nil {
		return nil, err
	}
	if u.LoginProfile != nil {
		return nil, errEntityExists("Login Profile for user %s already exists.", u.Name)
	}
	if err := svc.checkPassword(c, in.Get("Password")); err != nil {
		return nil, err
	}
	u.LoginProfile = &iamLoginProfile{Created: c.now, PasswordResetRequired: reset}
	c.trailResponse = map[string]any{"loginProfile": map[string]any{"userName": u.Name, "createDate": isoTime(c.now), "passwordResetRequired": reset}}
	return struct {
		LoginProfile xmlLoginProfile `xml:"LoginProfile"`
	}{u.loginProfileXML()}, nil
}

func (svc *iamService) getLoginProfile(c *call, in url.Values) (any, error) {
	u, err := svc.loginProfile(c, in)
	if err != nil {
		return nil, err
	}
	return struct {
		LoginProfile xmlLoginProfile `xml:"LoginProfile"`
	}{u.loginProfileXML()}, nil
}

func (svc *iamService) updateLoginProfile(c *call, in url.Values) (any, error) {
	c.trailParams = map[string]any{"userName": in.Get("UserName")}
	u, err := svc.loginProfile(c, in)
	if err != nil {
		return nil, err
	}
	if pw, ok := in["Password"]; ok {
		if err := svc.checkPassword(c, pw[0]); err != nil {
			return nil, err
		}
	}
	params := map[string]any{"userName": u.Name}
	if v := in.Get("PasswordResetRequired"); v != "" {
		reset, _ := strconv.ParseBool(v)
		u.LoginProfile.PasswordResetRequired = reset
		params["passwordResetRequired"] = reset
	}
	c.trailParams = params
	return nil, nil
}

func (svc *iamService) deleteLoginProfile(c *call, in url.Values) (any, error) {
	u, err := svc.loginProfile(c, in)
	if err != nil {
		return nil, err
	}
	u.LoginProfile = nil
	c.trailParams = map[string]any{"userName": u.Name}
	return nil, nil
}
