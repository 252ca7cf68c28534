package action

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// iamCatalogScenarios are the scenarios of the IAM account and credential
// actions of the Security Hub catalog.
var iamCatalogScenarios = map[string]scenario{
	"iam.tighten-password-policy": {
		setup: func(w *world) Input {
			w.passwordPolicy(&iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(8), RequireNumbers: true, MaxPasswordAge: aws.Int32(30)})
			return w.input(map[string]any{"minimum_length": 14, "require_symbols": true, "max_age_days": 90})
		},
		undo: func(w *world, _ Input, _ Result) {
			w.passwordPolicy(&iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(8), RequireNumbers: true, MaxPasswordAge: aws.Int32(30)})
		},
	},
	"iam.ensure-support-role": {
		setup: func(w *world) Input { return w.input(nil) },
		undo: func(w *world, _ Input, res Result) {
			_, err := w.iam.DetachRolePolicy(w.ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(res.Output["role_name"].(string)),
				PolicyArn: aws.String("arn:aws:iam::aws:policy/AWSSupportAccess")})
			w.must(err)
		},
	},
	"iam.deactivate-stale-access-keys": {
		setup: func(w *world) Input {
			user, _ := w.user()
			w.sim.Advance(100 * 24 * time.Hour)
			return w.input(map[string]any{"user_name": user})
		},
		undo: func(w *world, in Input, res Result) {
			for _, id := range outputStrings(res.Output["deactivated"]) {
				_, err := w.iam.UpdateAccessKey(w.ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(in.String("user_name")), AccessKeyId: aws.String(id), Status: iamtypes.StatusTypeActive})
				w.must(err)
			}
		},
	},
	"iam.delete-unused-console-password": {
		setup: func(w *world) Input {
			user, _ := w.user()
			_, err := w.iam.CreateLoginProfile(w.ctx, &iam.CreateLoginProfileInput{UserName: aws.String(user), Password: aws.String("a-console-password-1")})
			w.must(err)
			w.sim.Advance(100 * 24 * time.Hour)
			return w.input(map[string]any{"user_name": user})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.iam.CreateLoginProfile(w.ctx, &iam.CreateLoginProfileInput{UserName: aws.String(in.String("user_name")), Password: aws.String("a-console-password-2")})
			w.must(err)
		},
	},
}

func (w *world) passwordPolicy(in *iam.UpdateAccountPasswordPolicyInput) {
	w.t.Helper()
	_, err := w.iam.UpdateAccountPasswordPolicy(w.ctx, in)
	w.must(err)
}

func (w *world) readPasswordPolicy() *iamtypes.PasswordPolicy {
	w.t.Helper()
	out, err := w.iam.GetAccountPasswordPolicy(w.ctx, &iam.GetAccountPasswordPolicyInput{})
	w.must(err)
	return out.PasswordPolicy
}

// TestTightenPasswordPolicy covers the password policy controls (IAM.7,
// IAM.11 to IAM.17): only the settings that fall short change, stricter
// ones are kept, HardExpiry is never switched on, and a compliant policy
// is not written.
func TestTightenPasswordPolicy(t *testing.T) {
	strict := &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(20), RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, MaxPasswordAge: aws.Int32(30),
		PasswordReusePrevention: aws.Int32(24)}
	iam7 := map[string]any{"minimum_length": 14, "require_uppercase": true, "require_lowercase": true, "require_numbers": true,
		"require_symbols": true, "max_age_days": 90, "reuse_prevention": 24, "allow_users_to_change": true}
	for _, tc := range []struct {
		name    string
		start   *iam.UpdateAccountPasswordPolicyInput // nil: no policy
		params  map[string]any
		want    Outcome
		message string
		check   func(t *testing.T, p *iamtypes.PasswordPolicy)
	}{
		{"IAM.11 changes only uppercase", &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(9), RequireNumbers: true, MaxPasswordAge: aws.Int32(45),
			PasswordReusePrevention: aws.Int32(3), AllowUsersToChangePassword: true},
			map[string]any{"require_uppercase": true}, Changed, "set RequireUppercaseCharacters on",
			func(t *testing.T, p *iamtypes.PasswordPolicy) {
				if !p.RequireUppercaseCharacters || aws.ToInt32(p.MinimumPasswordLength) != 9 || !p.RequireNumbers || p.RequireSymbols || p.RequireLowercaseCharacters ||
					aws.ToInt32(p.MaxPasswordAge) != 45 || aws.ToInt32(p.PasswordReusePrevention) != 3 || !p.AllowUsersToChangePassword || aws.ToBool(p.HardExpiry) {
					t.Errorf("policy = %+v", p)
				}
			}},
		{"IAM.7 on a stricter policy keeps it", strict, iam7, AlreadyDone, "already requires", nil},
		{"IAM.15 keeps the stricter expiry and reuse", &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(8), MaxPasswordAge: aws.Int32(30), PasswordReusePrevention: aws.Int32(24)},
			map[string]any{"minimum_length": 14, "max_age_days": 90, "reuse_prevention": 5}, Changed, "set MinimumPasswordLength 8 → 14",
			func(t *testing.T, p *iamtypes.PasswordPolicy) {
				if aws.ToInt32(p.MinimumPasswordLength) != 14 || aws.ToInt32(p.MaxPasswordAge) != 30 || aws.ToInt32(p.PasswordReusePrevention) != 24 {
					t.Errorf("policy = %+v", p)
				}
			}},
		{"IAM.17 sets an expiry where there was none, without HardExpiry", &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(14)},
			map[string]any{"max_age_days": 90}, Changed, "MaxPasswordAge never → 90",
			func(t *testing.T, p *iamtypes.PasswordPolicy) {
				if aws.ToInt32(p.MaxPasswordAge) != 90 || !p.ExpirePasswords || aws.ToBool(p.HardExpiry) || aws.ToInt32(p.MinimumPasswordLength) != 14 {
					t.Errorf("policy = %+v", p)
				}
			}},
		{"HardExpiry an administrator set is kept", &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(8), HardExpiry: aws.Bool(true), MaxPasswordAge: aws.Int32(60)},
			map[string]any{"require_symbols": true}, Changed, "RequireSymbols on",
			func(t *testing.T, p *iamtypes.PasswordPolicy) {
				if !aws.ToBool(p.HardExpiry) || aws.ToInt32(p.MaxPasswordAge) != 60 || !p.RequireSymbols {
					t.Errorf("policy = %+v", p)
				}
			}},
		{"no policy: one with the request and at least 8 characters", nil, map[string]any{"require_numbers": true}, Changed, "created the account password policy",
			func(t *testing.T, p *iamtypes.PasswordPolicy) {
				if aws.ToInt32(p.MinimumPasswordLength) != 8 || !p.RequireNumbers || p.RequireSymbols || aws.ToBool(p.HardExpiry) {
					t.Errorf("policy = %+v", p)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.start != nil {
				w.passwordPolicy(tc.start)
			}
			mark := w.mark("us-east-1")
			res, err := w.exec("iam.tighten-password-policy", tc.params)
			if err != nil || res.Outcome != tc.want || !strings.Contains(res.Message, tc.message) {
				t.Fatalf("Run = %+v, %v; want %v with %q", res, err, tc.want, tc.message)
			}
			writes := w.iamWritesSince(mark)
			if tc.want == AlreadyDone && len(writes) > 0 {
				t.Errorf("writes for a compliant policy: %v", writes)
			}
			if tc.check != nil {
				tc.check(t, w.readPasswordPolicy())
			}
		})
	}
}

func TestTightenPasswordPolicyRefusesBadParams(t *testing.T) {
	w := newWorld(t)
	for _, params := range []map[string]any{{}, {"minimum_length": 200}, {"max_age_days": 2000}, {"reuse_prevention": 30}, {"require_symbols": false}} {
		_, err := w.exec("iam.tighten-password-policy", params)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("params %v: %v, want a *ParamError", params, err)
		} else if ok, _ := Retryable(err); ok {
			t.Errorf("params %v: %v is retryable", params, err)
		}
	}
	if got := w.writesSince("us-east-1", 0); len(got) > 0 {
		t.Errorf("writes: %v", got)
	}
}

func TestEnsureSupportRole(t *testing.T) {
	t.Run("existing role with AWSSupportAccess", func(t *testing.T) {
		w := newWorld(t)
		w.role("ops-support", "ec2.amazonaws.com", "")
		_, err := w.iam.AttachRolePolicy(w.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("ops-support"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AWSSupportAccess")})
		w.must(err)
		mark := w.mark("us-east-1")
		res, err := w.exec("iam.ensure-support-role", nil)
		if err != nil || res.Outcome != AlreadyDone || !strings.Contains(res.Message, "ops-support") || len(w.iamWritesSince(mark)) > 0 {
			t.Errorf("Run = %+v, %v; writes %v", res, err, w.iamWritesSince(mark))
		}
	})
	t.Run("created, tagged and trusted by the account", func(t *testing.T) {
		w := newWorld(t)
		res, err := w.exec("iam.ensure-support-role", nil)
		if err != nil || res.Outcome != Changed || len(outputStrings(res.Output["created"])) != 1 {
			t.Fatalf("Run = %+v, %v", res, err)
		}
		r, err := w.iam.GetRole(w.ctx, &iam.GetRoleInput{RoleName: aws.String(DefaultSupportRole)})
		w.must(err)
		if !roleIsOurs(r.Role) || !strings.Contains(aws.ToString(r.Role.AssumeRolePolicyDocument), "arn%3Aaws%3Aiam%3A%3A"+awssim.DefaultAccount+"%3Aroot") {
			t.Errorf("role = %+v", r.Role)
		}
	})
	t.Run("a role of that name that is not rectify's is left alone", func(t *testing.T) {
		w := newWorld(t)
		w.role(DefaultSupportRole, "ec2.amazonaws.com", "")
		mark := w.mark("us-east-1")
		_, err := w.exec("iam.ensure-support-role", nil)
		if err == nil || !strings.Contains(err.Error(), "role_name") || len(w.iamWritesSince(mark)) > 0 {
			t.Errorf("Run: %v; writes %v", err, w.iamWritesSince(mark))
		}
	})
	t.Run("the policy of the target's partition", func(t *testing.T) {
		w := newWorld(t)
		res, err := w.exec("iam.ensure-support-role", nil, func(in *Input) {
			in.Target.Region, in.Target.Partition = "us-gov-west-1", "aws-us-gov"
			in.AWS = inRegion(in.AWS, "us-gov-west-1")
		})
		if err != nil || res.Output["policy_arn"] != "arn:aws-us-gov:iam::aws:policy/AWSSupportAccess" {
			t.Errorf("Run = %+v, %v", res, err)
		}
	})
}

// TestStaleAccessKeys covers IAM.3 (keys judged by their age) and
// IAM.8/IAM.22 (keys judged by their last use): only the stale keys are
// deactivated, none is deleted.
func TestStaleAccessKeys(t *testing.T) {
	w := newWorld(t)
	_, err := w.iam.CreateUser(w.ctx, &iam.CreateUserInput{UserName: aws.String("app")})
	w.must(err)
	key := func() (string, string) {
		k, err := w.iam.CreateAccessKey(w.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("app")})
		w.must(err)
		return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
	}
	old, oldSecret := key()
	w.sim.Advance(200 * 24 * time.Hour)
	// The old key is in use today; a new key was made 80 days ago and never used.
	if _, err := sts.NewFromConfig(w.sim.ConfigFor(old, oldSecret, "")).GetCallerIdentity(w.ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	w.sim.Advance(-80 * 24 * time.Hour)
	recent, _ := key()
	w.sim.Advance(80 * 24 * time.Hour)
	status := func() map[string]iamtypes.StatusType {
		out, err := w.iam.ListAccessKeys(w.ctx, &iam.ListAccessKeysInput{UserName: aws.String("app")})
		w.must(err)
		m := map[string]iamtypes.StatusType{}
		for _, k := range out.AccessKeyMetadata {
			m[aws.ToString(k.AccessKeyId)] = k.Status
		}
		return m
	}
	res, err := w.exec("iam.deactivate-stale-access-keys", map[string]any{"user_name": "app", "max_age_days": 90})
	if err != nil || res.Outcome != AlreadyDone {
		t.Errorf("by last use: %+v, %v; want both kept (one used today, one created 80 days ago)", res, err)
	}
	res, err = w.exec("iam.deactivate-stale-access-keys", map[string]any{"user_name": "app", "max_age_days": 45})
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, recent) || !strings.Contains(res.Message, "never used") {
		t.Errorf("by last use, 45 days: %+v, %v", res, err)
	}
	if s := status(); s[old] != iamtypes.StatusTypeActive || s[recent] != iamtypes.StatusTypeInactive {
		t.Errorf("after IAM.22-like run: %v", s)
	}
	res, err = w.exec("iam.deactivate-stale-access-keys", map[string]any{"user_name": "app", "max_age_days": 90, "basis": StaleByCreation})
	if err != nil || res.Outcome != Changed || !strings.Contains(res.Message, old) {
		t.Errorf("by creation: %+v, %v", res, err)
	}
	if s := status(); len(s) != 2 || s[old] != iamtypes.StatusTypeInactive {
		t.Errorf("after IAM.3-like run (keys kept, inactive): %v", s)
	}
	res, err = w.exec("iam.deactivate-stale-access-keys", map[string]any{"user_name": "nobody"})
	if err != nil || res.Outcome != NotFound {
		t.Errorf("missing user: %+v, %v", res, err)
	}
	if _, err := w.exec("iam.deactivate-stale-access-keys", map[string]any{"user_name": "app", "basis": "age"}); !errors.As(err, new(*ParamError)) {
		t.Errorf("bad basis: %v", err)
	}
}

func TestUnusedConsolePassword(t *testing.T) {
	w := newWorld(t)
	mk := func(user string) {
		_, err := w.iam.CreateUser(w.ctx, &iam.CreateUserInput{UserName: aws.String(user)})
		w.must(err)
		_, err = w.iam.CreateLoginProfile(w.ctx, &iam.CreateLoginProfileInput{UserName: aws.String(user), Password: aws.String("a-console-password-1")})
		w.must(err)
	}
	mk("active")
	mk("dormant")
	mk("reset")
	_, err := w.iam.CreateUser(w.ctx, &iam.CreateUserInput{UserName: aws.String("keys-only")})
	w.must(err)
	w.sim.Advance(100 * 24 * time.Hour)
	w.must(w.sim.SetPasswordLastUsed(awssim.DefaultAccount, "active", w.sim.Now().Add(-3*24*time.Hour)))
	w.must(w.sim.SetPasswordLastUsed(awssim.DefaultAccount, "reset", w.sim.Now().Add(-99*24*time.Hour)))
	// "reset" got a new password yesterday, after its last sign-in.
	_, err = w.iam.DeleteLoginProfile(w.ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("reset")})
	w.must(err)
	w.sim.Advance(-24 * time.Hour)
	_, err = w.iam.CreateLoginProfile(w.ctx, &iam.CreateLoginProfileInput{UserName: aws.String("reset"), Password: aws.String("a-console-password-2")})
	w.must(err)
	w.sim.Advance(24 * time.Hour)
	for _, tc := range []struct {
		user    string
		want    Outcome
		message string
	}{
		{"active", AlreadyDone, "last used"},
		{"reset", AlreadyDone, "set"},
		{"dormant", Changed, "never used"},
		{"keys-only", AlreadyDone, "has no console password"},
		{"nobody", NotFound, "does not exist"},
	} {
		res, err := w.exec("iam.delete-unused-console-password", map[string]any{"user_name": tc.user, "max_age_days": 45})
		if err != nil || res.Outcome != tc.want || !strings.Contains(res.Message, tc.message) {
			t.Errorf("%s: %+v, %v; want %v with %q", tc.user, res, err, tc.want, tc.message)
		}
	}
	for user, want := range map[string]bool{"active": true, "reset": true, "dormant": false} {
		_, err := w.iam.GetLoginProfile(w.ctx, &iam.GetLoginProfileInput{UserName: aws.String(user)})
		if has := err == nil; has != want {
			t.Errorf("%s has a console password: %v, want %v", user, has, want)
		}
	}
}
