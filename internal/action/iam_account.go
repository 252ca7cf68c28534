package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAM account actions: the password policy and the support role.

// DefaultSupportRole is the role iam.ensure-support-role makes when no role
// has AWSSupportAccess.
const DefaultSupportRole = "rectify-support"

func iamAccountActions() []Spec {
	return []Spec{{
		Name: "iam.tighten-password-policy",
		Description: "Raise the account password policy to the requested minimum: each requested setting that is weaker is " +
			"tightened, every setting that is already as strict or stricter is kept, and HardExpiry is never switched on. " +
			"An account without a password policy gets one with the requested settings and a minimum length of at least 8.",
		Params: []Param{
			{Name: "minimum_length", Type: Int, Description: "require passwords of at least this many characters (6 to 128)"},
			{Name: "require_uppercase", Type: Bool, Description: "require an uppercase letter (false requires nothing)"},
			{Name: "require_lowercase", Type: Bool, Description: "require a lowercase letter (false requires nothing)"},
			{Name: "require_numbers", Type: Bool, Description: "require a number (false requires nothing)"},
			{Name: "require_symbols", Type: Bool, Description: "require a symbol (false requires nothing)"},
			{Name: "max_age_days", Type: Int, Description: "make passwords expire after at most this many days (1 to 1095)"},
			{Name: "reuse_prevention", Type: Int, Description: "prevent the reuse of at least this many previous passwords (1 to 24)"},
			{Name: "allow_users_to_change", Type: Bool, Description: "let IAM users change their own passwords (false requires nothing)"},
		},
		Reads:  []string{"iam:GetAccountPasswordPolicy"},
		Writes: []string{"iam:UpdateAccountPasswordPolicy"},
		Describe: func(in Input) string {
			return fmt.Sprintf("raise the password policy of account %s to at least: %s", in.Target.Account, strings.Join(passwordRequestOf(in).describe(), ", "))
		},
		Run:    tightenPasswordPolicy,
		Verify: verifyPasswordPolicy,
	}, {
		Name: "iam.ensure-support-role",
		Description: "Make sure an IAM role can manage incidents with AWS Support: if no role has the AWS managed policy " +
			"AWSSupportAccess, attach it to a role of rectify's, created if missing and trusted by the account (or trusted_principal). " +
			"A role of that name that is not rectify's is left alone.",
		Params: []Param{
			{Name: "role_name", Type: String, Default: DefaultSupportRole, Description: "the role to give AWSSupportAccess; rectify creates it if it does not exist"},
			{Name: "trusted_principal", Type: String, Description: "the principal the new role trusts; default the account itself (arn:PARTITION:iam::ACCOUNT:root)"},
		},
		Reads:            []string{"iam:ListEntitiesForPolicy", "iam:GetRole"},
		Writes:           []string{"iam:CreateRole", "iam:AttachRolePolicy"},
		ExtraPermissions: []string{"iam:TagRole"},
		Describe: func(in Input) string {
			return fmt.Sprintf("unless a role of account %s has AWSSupportAccess, attach it to role %s (created if missing)", in.Target.Account, in.String("role_name"))
		},
		Run:    ensureSupportRole,
		Verify: verifySupportRole,
	}}
}

// Password policy.

// passwordPolicy is the part of an account password policy rectify reads
// and writes. MaxAge and Reuse are 0 when not set.
type passwordPolicy struct {
	MinLength                                      int
	Uppercase, Lowercase, Numbers, Symbols, Change bool
	MaxAge, Reuse                                  int
	HardExpiry                                     bool
}

func policyFrom(p *iamtypes.PasswordPolicy) passwordPolicy {
	return passwordPolicy{
		MinLength: int(aws.ToInt32(p.MinimumPasswordLength)), Uppercase: p.RequireUppercaseCharacters, Lowercase: p.RequireLowercaseCharacters,
		Numbers: p.RequireNumbers, Symbols: p.RequireSymbols, Change: p.AllowUsersToChangePassword,
		MaxAge: int(aws.ToInt32(p.MaxPasswordAge)), Reuse: int(aws.ToInt32(p.PasswordReusePrevention)), HardExpiry: aws.ToBool(p.HardExpiry),
	}
}

// passwordRequest is the minimum a run asks for; zero values ask nothing.
type passwordRequest struct {
	MinLength, MaxAge, Reuse                       int
	Uppercase, Lowercase, Numbers, Symbols, Change bool
}

func passwordRequestOf(in Input) passwordRequest {
	return passwordRequest{
		MinLength: in.Int("minimum_length"), MaxAge: in.Int("max_age_days"), Reuse: in.Int("reuse_prevention"),
		Uppercase: in.Bool("require_uppercase"), Lowercase: in.Bool("require_lowercase"), Numbers: in.Bool("require_numbers"),
		Symbols: in.Bool("require_symbols"), Change: in.Bool("allow_users_to_change"),
	}
}

func (r passwordRequest) describe() []string {
	var out []string
	if r.MinLength > 0 {
		out = append(out, fmt.Sprintf("MinimumPasswordLength %d", r.MinLength))
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{r.Uppercase, "RequireUppercaseCharacters"}, {r.Lowercase, "RequireLowercaseCharacters"}, {r.Numbers, "RequireNumbers"},
		{r.Symbols, "RequireSymbols"}, {r.Change, "AllowUsersToChangePassword"}} {
		if f.on {
			out = append(out, f.name)
		}
	}
	if r.MaxAge > 0 {
		out = append(out, fmt.Sprintf("MaxPasswordAge %d", r.MaxAge))
	}
	if r.Reuse > 0 {
		out = append(out, fmt.Sprintf("PasswordReusePrevention %d", r.Reuse))
	}
	if len(out) == 0 {
		out = []string{"nothing requested"}
	}
	return out
}

// check refuses a request IAM could not honour, naming the parameter.
func (r passwordRequest) check() error {
	bad := func(param string, v int, lo, hi int) error {
		return Permanent(&ParamError{Action: "iam.tighten-password-policy", Param: param, Value: v, Err: fmt.Errorf("%w: IAM accepts %d to %d", ErrParamType, lo, hi)})
	}
	switch {
	case r.MinLength != 0 && (r.MinLength < 6 || r.MinLength > 128):
		return bad("minimum_length", r.MinLength, 6, 128)
	case r.MaxAge != 0 && (r.MaxAge < 1 || r.MaxAge > 1095):
		return bad("max_age_days", r.MaxAge, 1, 1095)
	case r.Reuse != 0 && (r.Reuse < 1 || r.Reuse > 24):
		return bad("reuse_prevention", r.Reuse, 1, 24)
	case r == passwordRequest{}:
		return Permanent(&ParamError{Action: "iam.tighten-password-policy", Param: "minimum_length", Err: fmt.Errorf("%w: the step requests no setting", ErrMissingParam)})
	}
	return nil
}

// noPolicyMinimum is the minimum length of the policy AWS applies to an
// account that has none of its own, kept when rectify makes one.
const noPolicyMinimum = 8

// tighten returns p with every requested setting that p does not meet
// raised to the request, and the changes in words.
func (r passwordRequest) tighten(p passwordPolicy) (passwordPolicy, []string) {
	var changes []string
	if r.MinLength > p.MinLength {
		changes = append(changes, fmt.Sprintf("MinimumPasswordLength %d → %d", p.MinLength, r.MinLength))
		p.MinLength = r.MinLength
	}
	flag := func(want bool, have *bool, name string) {
		if want && !*have {
			*have = true
			changes = append(changes, name+" on")
		}
	}
	flag(r.Uppercase, &p.Uppercase, "RequireUppercaseCharacters")
	flag(r.Lowercase, &p.Lowercase, "RequireLowercaseCharacters")
	flag(r.Numbers, &p.Numbers, "RequireNumbers")
	flag(r.Symbols, &p.Symbols, "RequireSymbols")
	flag(r.Change, &p.Change, "AllowUsersToChangePassword")
	if r.MaxAge > 0 && (p.MaxAge == 0 || p.MaxAge > r.MaxAge) {
		was := "never"
		if p.MaxAge > 0 {
			was = fmt.Sprint(p.MaxAge)
		}
		changes = append(changes, fmt.Sprintf("MaxPasswordAge %s → %d", was, r.MaxAge))
		p.MaxAge = r.MaxAge
	}
	if r.Reuse > p.Reuse {
		changes = append(changes, fmt.Sprintf("PasswordReusePrevention %d → %d", p.Reuse, r.Reuse))
		p.Reuse = r.Reuse
	}
	return p, changes
}

// unmet lists the requested settings p does not meet.
func (r passwordRequest) unmet(p passwordPolicy) []string {
	_, changes := r.tighten(p)
	return changes
}

// update is the request that sets every field of p: UpdateAccountPasswordPolicy
// resets whatever a request leaves out.
func (p passwordPolicy) update() *iam.UpdateAccountPasswordPolicyInput {
	in := &iam.UpdateAccountPasswordPolicyInput{
		MinimumPasswordLength: aws.Int32(int32(p.MinLength)), RequireUppercaseCharacters: p.Uppercase, RequireLowercaseCharacters: p.Lowercase,
		RequireNumbers: p.Numbers, RequireSymbols: p.Symbols, AllowUsersToChangePassword: p.Change, HardExpiry: aws.Bool(p.HardExpiry),
	}
	if p.MaxAge > 0 {
		in.MaxPasswordAge = aws.Int32(int32(p.MaxAge))
	}
	if p.Reuse > 0 {
		in.PasswordReusePrevention = aws.Int32(int32(p.Reuse))
	}
	return in
}

func (p passwordPolicy) output() map[string]any {
	return map[string]any{
		"MinimumPasswordLength": p.MinLength, "RequireUppercaseCharacters": p.Uppercase, "RequireLowercaseCharacters": p.Lowercase,
		"RequireNumbers": p.Numbers, "RequireSymbols": p.Symbols, "AllowUsersToChangePassword": p.Change,
		"MaxPasswordAge": p.MaxAge, "PasswordReusePrevention": p.Reuse, "HardExpiry": p.HardExpiry,
	}
}

// readPasswordPolicy returns the account's password policy, nil if it has
// none.
func readPasswordPolicy(ctx context.Context, cli *iam.Client) (*passwordPolicy, error) {
	out, err := cli.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if IsNotFound(err, "NoSuchEntity") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the account password policy: %w", err)
	}
	p := policyFrom(out.PasswordPolicy)
	return &p, nil
}

func tightenPasswordPolicy(ctx context.Context, in Input) (Result, error) {
	req := passwordRequestOf(in)
	if err := req.check(); err != nil {
		return Result{}, err
	}
	cli := iam.NewFromConfig(in.AWS)
	have, err := readPasswordPolicy(ctx, cli)
	if err != nil {
		return Result{}, err
	}
	base, prefix := passwordPolicy{MinLength: noPolicyMinimum}, "created the account password policy: "
	if have != nil {
		base, prefix = *have, ""
	}
	want, changes := req.tighten(base)
	out := map[string]any{"before": nil, "after": want.output(), "changed": changes, "hard_expiry": base.HardExpiry}
	if have != nil {
		out["before"] = have.output()
		if len(changes) == 0 {
			return Result{Outcome: AlreadyDone, Output: out,
				Message: fmt.Sprintf("the password policy of account %s already requires %s", in.Target.Account, strings.Join(req.describe(), ", "))}, nil
		}
	} else {
		changes = append([]string{fmt.Sprintf("MinimumPasswordLength %d", want.MinLength)}, changes...)
	}
	if _, err := cli.UpdateAccountPasswordPolicy(ctx, want.update()); err != nil {
		return Result{}, fmt.Errorf("update the account password policy: %w", err)
	}
	return Result{Outcome: Changed, Output: out, Message: prefix + "set " + strings.Join(changes, "; ")}, nil
}

func verifyPasswordPolicy(ctx context.Context, in Input, res Result) error {
	have, err := readPasswordPolicy(ctx, iam.NewFromConfig(in.AWS))
	if err != nil {
		return err
	}
	if have == nil {
		return Mismatch("account %s has no password policy", in.Target.Account)
	}
	if unmet := passwordRequestOf(in).unmet(*have); len(unmet) > 0 {
		return Mismatch("the password policy of account %s still falls short: it would need %s", in.Target.Account, strings.Join(unmet, "; "))
	}
	if before, ok := res.Output["hard_expiry"].(bool); ok && have.HardExpiry != before {
		return Mismatch("HardExpiry of account %s's password policy is %t, was %t", in.Target.Account, have.HardExpiry, before)
	}
	return nil
}

// Support role.

// supportPolicyARN returns the ARN of the AWS managed policy AWSSupportAccess
// in the target's partition.
func supportPolicyARN(in Input) string {
	return "arn:" + partitionOf(in) + ":iam::aws:policy/AWSSupportAccess"
}

// rolesWithPolicy lists the roles policy is attached to.
func rolesWithPolicy(ctx context.Context, cli *iam.Client, policy string) ([]string, error) {
	var roles []string
	p := iam.NewListEntitiesForPolicyPaginator(cli, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(policy), EntityFilter: iamtypes.EntityTypeRole})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the roles with %s: %w", policy, err)
		}
		for _, r := range page.PolicyRoles {
			roles = append(roles, aws.ToString(r.RoleName))
		}
	}
	return roles, nil
}

// roleIsOurs reports whether a role carries rectify's managed tag.
func roleIsOurs(r *iamtypes.Role) bool {
	for _, t := range r.Tags {
		if aws.ToString(t.Key) == ManagedTag && aws.ToString(t.Value) == "true" {
			return true
		}
	}
	return false
}

// iamTags returns tags as IAM tags, in order.
func iamTags(tags map[string]string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, k := range sortedTagKeys(tags) {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

func ensureSupportRole(ctx context.Context, in Input) (Result, error) {
	cli := iam.NewFromConfig(in.AWS)
	policy, name := supportPolicyARN(in), in.String("role_name")
	out := map[string]any{"role_name": name, "policy_arn": policy}
	roles, err := rolesWithPolicy(ctx, cli, policy)
	if err != nil {
		return Result{}, err
	}
	if len(roles) > 0 {
		out["role_name"] = roles[0]
		return Result{Outcome: AlreadyDone, Output: out,
			Message: fmt.Sprintf("role %s of account %s already has AWSSupportAccess", strings.Join(roles, ", "), in.Target.Account)}, nil
	}
	got, err := cli.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	created := false
	var arn string
	switch {
	case IsNotFound(err, "NoSuchEntity"):
		principal := in.String("trusted_principal")
		if principal == "" {
			principal = "arn:" + partitionOf(in) + ":iam::" + in.Target.Account + ":root"
		}
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole"}]}`, principal)
		r, err := cli.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust),
			Description: aws.String("Manages incidents with AWS Support (made by rectify)"), Tags: iamTags(managedTags("support-role"))})
		if err != nil {
			return Result{}, fmt.Errorf("create role %s: %w", name, err)
		}
		arn, created = aws.ToString(r.Role.Arn), true
		addCreated(out, arn)
	case err != nil:
		return Result{}, fmt.Errorf("read role %s: %w", name, err)
	case !roleIsOurs(got.Role):
		return Result{}, notOurs("role", name, "role_name")
	default:
		arn = aws.ToString(got.Role.Arn)
	}
	if _, err := cli.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(policy)}); err != nil {
		return Result{}, fmt.Errorf("attach AWSSupportAccess to role %s: %w", name, err)
	}
	out["role_arn"] = arn
	return Result{Outcome: Changed, Output: out,
		Message: fmt.Sprintf("attached AWSSupportAccess to role %s%s", name, createdNote(created))}, nil
}

func verifySupportRole(ctx context.Context, in Input, res Result) error {
	name, _ := res.Output["role_name"].(string)
	if name == "" {
		name = in.String("role_name")
	}
	roles, err := rolesWithPolicy(ctx, iam.NewFromConfig(in.AWS), supportPolicyARN(in))
	if err != nil {
		return err
	}
	for _, r := range roles {
		if r == name {
			return nil
		}
	}
	if len(roles) == 0 {
		return Mismatch("no role of account %s has AWSSupportAccess", in.Target.Account)
	}
	return Mismatch("role %s does not have AWSSupportAccess (roles %s do)", name, strings.Join(roles, ", "))
}
