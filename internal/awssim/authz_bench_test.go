package awssim

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkAuthorize measures the identity-policy evaluation of one call:
// an assumed-role session whose role has three inline policies of twenty
// statements each revokes a security group rule, allowed by the last
// statement.
func BenchmarkAuthorize(b *testing.B) {
	s := New(Options{})
	const account = "444455556666"
	s.mu.Lock()
	iamSvc := s.services["iam"]
	accounts := *(iamSvc.State.(*map[string]*iamAccount))
	acct := &iamAccount{Users: map[string]*iamUser{}, Groups: map[string]*iamGroup{}, Roles: map[string]*iamRole{}, Policies: map[string]*iamPolicy{}}
	accounts[account] = acct
	role := &iamRole{Name: "rectify-remediation", Inline: map[string]string{}}
	for p := range 3 {
		var sts []string
		for i := range 20 {
			sts = append(sts, fmt.Sprintf(`{"Effect":"Allow","Action":["svc%d:Action%d","svc%d:Other*"],"Resource":"arn:aws:svc%d:*:*:thing/%d"}`, p, i, p, p, i))
		}
		if p == 2 {
			sts[19] = `{"Effect":"Allow","Action":["ec2:Describe*","ec2:RevokeSecurityGroupIngress"],"Resource":"*"}`
		}
		role.Inline[fmt.Sprintf("p%d", p)] = `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
	}
	acct.Roles[role.Name] = role
	s.mu.Unlock()

	c := &call{s: s, def: s.services["ec2"], op: "RevokeSecurityGroupIngress", region: "us-east-1", now: time.Now(),
		r:      httptest.NewRequest("POST", "/", nil),
		values: url.Values{"Action": {"RevokeSecurityGroupIngress"}, "GroupId": {"sg-0123456789abcdef0"}, "SecurityGroupRuleId.1": {"sgr-1"}},
		caller: Principal{Type: "AssumedRole", Account: account, ARN: "arn:aws:sts::" + account + ":assumed-role/rectify-remediation/s",
			RoleName: "rectify-remediation", Issued: time.Now()}}
	if err := s.authz(c); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := s.authz(c); err != nil {
			b.Fatal(err)
		}
	}
}
