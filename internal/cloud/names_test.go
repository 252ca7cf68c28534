package cloud

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

var stsSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func TestSessionName(t *testing.T) {
	long := strings.Repeat("r", 80)
	tests := []struct {
		prefix, session, want string
	}{
		{"rectify", "01JD3Q7Z", "rectify-01JD3Q7Z"},
		{"rectify", "", "rectify-"},
		{"rectify", "run 42/step:3", "rectify-run-42-step-3"},
		{"rectify", "ünïcode", "rectify--n-code"},
		{"sec.bot", "a+b=c,d@e_f", "sec.bot-a+b=c,d@e_f"},
	}
	for _, tt := range tests {
		got := SessionName(tt.prefix, tt.session)
		if got != tt.want {
			t.Errorf("SessionName(%q, %q) = %q, want %q", tt.prefix, tt.session, got, tt.want)
		}
		if !stsSessionName.MatchString(got) {
			t.Errorf("SessionName(%q, %q) = %q, which STS refuses", tt.prefix, tt.session, got)
		}
	}

	a, b := SessionName("rectify", long+"a"), SessionName("rectify", long+"b")
	if len(a) != 64 || len(b) != 64 {
		t.Fatalf("long names have lengths %d and %d, want 64", len(a), len(b))
	}
	if a == b {
		t.Errorf("distinct long sessions share the name %q", a)
	}
	if !strings.HasPrefix(a, "rectify-rrrr") || !stsSessionName.MatchString(a) {
		t.Errorf("long session name %q lost its prefix or is invalid", a)
	}
	if SessionName("rectify", long+"a") != a {
		t.Errorf("SessionName is not deterministic")
	}
}

func TestRoleARN(t *testing.T) {
	tests := []struct {
		tmpl, partition, account, region, want string
	}{
		{"rectify-remediation", "aws", "111122223333", "eu-west-1", "arn:aws:iam::111122223333:role/rectify-remediation"},
		{"OrganizationAccountAccessRole", "aws-cn", "111122223333", "cn-north-1", "arn:aws-cn:iam::111122223333:role/OrganizationAccountAccessRole"},
		{"security/rectify-{region}", "aws", "111122223333", "us-east-2", "arn:aws:iam::111122223333:role/security/rectify-us-east-2"},
		{"arn:{partition}:iam::{account}:role/rectify", "aws-us-gov", "444455556666", "us-gov-west-1", "arn:aws-us-gov:iam::444455556666:role/rectify"},
		{"arn:aws:iam::999999999999:role/hub-{account}", "aws", "111122223333", "eu-west-1", "arn:aws:iam::999999999999:role/hub-111122223333"},
	}
	for _, tt := range tests {
		if err := CheckRoleTemplate(tt.tmpl); err != nil {
			t.Errorf("CheckRoleTemplate(%q) = %v", tt.tmpl, err)
		}
		if got := RoleARN(tt.tmpl, tt.partition, tt.account, tt.region); got != tt.want {
			t.Errorf("RoleARN(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

func TestCheckRoleTemplateRejects(t *testing.T) {
	for _, tmpl := range []string{
		"rectify-{acount}",
		"rectify-{account",
		"arn:aws:iam::{account}:user/rectify",
		"arn:aws:s3:::bucket",
		"arn:aws:iam::{account}:role/",
		"role name with spaces",
		"/leading-slash",
		"trailing/",
	} {
		if err := CheckRoleTemplate(tmpl); err == nil {
			t.Errorf("CheckRoleTemplate(%q) = nil, want an error", tmpl)
		}
	}
}

func TestPartitionOf(t *testing.T) {
	tests := map[string]string{
		"us-east-1":      "aws",
		"eu-central-2":   "aws",
		"cn-northwest-1": "aws-cn",
		"us-gov-east-1":  "aws-us-gov",
		"us-iso-east-1":  "aws-iso",
		"us-isob-east-1": "aws-iso-b",
	}
	for region, want := range tests {
		if got := PartitionOf(region); got != want {
			t.Errorf("PartitionOf(%q) = %q, want %q", region, got, want)
		}
	}
}

func TestAllowed(t *testing.T) {
	p, err := New(context.Background(), aws.Config{}, Options{
		AllowAccounts: []string{"111122223333", "4444*"},
		DenyAccounts:  []string{"444400000000"},
		AllowRegions:  []string{"eu-*", "us-east-1"},
		DenyRegions:   []string{"eu-south-2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		account, region string
		kind, list      string // empty when allowed
	}{
		{"111122223333", "eu-west-1", "", ""},
		{"444455556666", "us-east-1", "", ""},
		{"444400000000", "us-east-1", "account", "deny"},
		{"555555555555", "us-east-1", "account", "allow"},
		{"111122223333", "us-west-2", "region", "allow"},
		{"111122223333", "eu-south-2", "region", "deny"},
	}
	for _, tt := range tests {
		err := p.Allowed(tt.account, tt.region)
		if tt.kind == "" {
			if err != nil {
				t.Errorf("Allowed(%s, %s) = %v, want nil", tt.account, tt.region, err)
			}
			continue
		}
		var d *DeniedError
		if !errors.As(err, &d) {
			t.Errorf("Allowed(%s, %s) = %v, want a *DeniedError", tt.account, tt.region, err)
			continue
		}
		if d.Kind != tt.kind || d.List != tt.list {
			t.Errorf("Allowed(%s, %s) refused by %s %s list, want %s %s", tt.account, tt.region, d.Kind, d.List, tt.kind, tt.list)
		}
		if !strings.Contains(err.Error(), tt.list) || !IsDenied(err) {
			t.Errorf("error %q does not name the %s list", err, tt.list)
		}
	}

	open, err := New(context.Background(), aws.Config{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := open.Allowed("123456789012", "ap-southeast-4"); err != nil {
		t.Errorf("with no lists, Allowed = %v", err)
	}
}

func TestIsOwnSession(t *testing.T) {
	p, err := New(context.Background(), aws.Config{}, Options{SessionPrefix: "rectify"})
	if err != nil {
		t.Fatal(err)
	}
	own := "arn:aws:sts::999999999999:assumed-role/rectify-lambda/handler-fn"
	p.identity = &Identity{Account: "999999999999", ARN: "arn:aws:iam::999999999999:user/rectify-bot", Partition: "aws"}
	tests := []struct {
		arn  string
		want bool
	}{
		{"arn:aws:sts::111122223333:assumed-role/rectify-remediation/rectify-01JD3Q7Z", true},
		{"arn:aws:sts::111122223333:assumed-role/team/path-role/rectify-run", true},
		{"arn:aws-cn:sts::111122223333:assumed-role/any-role/rectify-", true},
		{"arn:aws:iam::999999999999:user/rectify-bot", true},
		{"arn:aws:sts::111122223333:assumed-role/rectify-remediation/alice", false},
		{"arn:aws:sts::111122223333:assumed-role/rectify-remediation/rectifyx-1", false},
		{"arn:aws:sts::111122223333:assumed-role/rectify-remediation/Rectify-1", false},
		{"arn:aws:iam::111122223333:user/rectify-admin", false},
		{"arn:aws:sts::111122223333:federated-user/rectify-x", false},
		{own, false},
		{"rectify-01", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := p.IsOwnSession(tt.arn); got != tt.want {
			t.Errorf("IsOwnSession(%q) = %v, want %v", tt.arn, got, tt.want)
		}
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"bad prefix", Options{SessionPrefix: "rect ify"}, "session prefix"},
		{"long prefix", Options{SessionPrefix: strings.Repeat("r", 33)}, "longer than"},
		{"bad role", Options{RoleName: "x-{acct}"}, "placeholder"},
		{"bad account key", Options{Accounts: map[string]Account{"1234": {RoleName: "r"}}}, "1234"},
		{"bad account role", Options{Accounts: map[string]Account{"111122223333": {RoleName: "arn:aws:iam::1:user/x"}}}, "accounts[111122223333]"},
		{"short duration", Options{Duration: time.Minute}, "15m"},
		{"negative attempts", Options{MaxAttempts: -1}, "negative"},
		{"bad glob", Options{AllowRegions: []string{"eu-["}}, "allow regions[0]"},
		{"empty entry", Options{DenyAccounts: []string{""}}, "deny accounts[0]"},
	}
	for _, tt := range tests {
		_, err := New(context.Background(), aws.Config{}, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestRetryer(t *testing.T) {
	tests := []struct {
		opts     Options
		base     aws.Config
		want     int
		adaptive bool
	}{
		{Options{}, aws.Config{}, DefaultMaxAttempts, false},
		{Options{MaxAttempts: 12}, aws.Config{RetryMaxAttempts: 5}, 12, false},
		{Options{}, aws.Config{RetryMaxAttempts: 5}, 5, false},
		{Options{}, aws.Config{RetryMode: aws.RetryModeAdaptive}, DefaultMaxAttempts, true},
		{Options{RetryMode: aws.RetryModeStandard}, aws.Config{RetryMode: aws.RetryModeAdaptive}, DefaultMaxAttempts, false},
		{Options{RetryMode: aws.RetryModeAdaptive, MaxAttempts: 3}, aws.Config{}, 3, true},
	}
	for _, tt := range tests {
		p, err := New(context.Background(), tt.base, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		r := p.base.Retryer()
		if got := r.MaxAttempts(); got != tt.want {
			t.Errorf("MaxAttempts = %d, want %d", got, tt.want)
		}
		if _, adaptive := r.(*retry.AdaptiveMode); adaptive != tt.adaptive {
			t.Errorf("retryer %T, want adaptive %v", r, tt.adaptive)
		}
	}
	if _, err := New(context.Background(), aws.Config{}, Options{RetryMode: "aggressive"}); err == nil {
		t.Errorf("New accepted retry mode \"aggressive\"")
	}
}

func TestRoleFor(t *testing.T) {
	p, err := New(context.Background(), aws.Config{}, Options{
		RoleName:   "rectify-remediation",
		ExternalID: "org-wide",
		Accounts: map[string]Account{
			"444455556666": {RoleName: "arn:{partition}:iam::{account}:role/legacy/fixer", ExternalID: "legacy"},
			"777788889999": {ExternalID: "only-ext"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		account, role, ext string
	}{
		{"111122223333", "arn:aws:iam::111122223333:role/rectify-remediation", "org-wide"},
		{"444455556666", "arn:aws:iam::444455556666:role/legacy/fixer", "legacy"},
		{"777788889999", "arn:aws:iam::777788889999:role/rectify-remediation", "only-ext"},
	}
	for _, tt := range tests {
		role, ext, err := p.RoleFor("aws", tt.account, "us-east-1")
		if err != nil || role != tt.role || ext != tt.ext {
			t.Errorf("RoleFor(%s) = %q, %q, %v; want %q, %q", tt.account, role, ext, err, tt.role, tt.ext)
		}
	}
	none, _ := New(context.Background(), aws.Config{}, Options{})
	if _, _, err := none.RoleFor("aws", "111122223333", "us-east-1"); err == nil {
		t.Errorf("RoleFor without a role name = nil error")
	}
}
