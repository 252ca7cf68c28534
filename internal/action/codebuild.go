package action

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// CodeBuild actions.

func codebuildActions() []Spec {
	return []Spec{
		{
			Name:        "codebuild.disable-privileged-mode",
			Description: "Turn off privileged mode (the Docker daemon) in a CodeBuild project's build environment, keeping every other setting of the environment.",
			Params: []Param{
				{Name: "project", Type: String, Required: true, Description: "the project's name or ARN"},
			},
			Reads:  []string{"codebuild:BatchGetProjects"},
			Writes: []string{"codebuild:UpdateProject"},
			Describe: func(in Input) string {
				return fmt.Sprintf("turn off privileged mode in CodeBuild project %s in %s/%s", projectName(in.String("project")), in.Target.Account, in.Target.Region)
			},
			Run:    disablePrivilegedMode,
			Verify: verifyPrivilegedMode,
		},
		{
			Name: "codebuild.move-credentials-to-parameter-store",
			Description: "Move the plaintext AWS credential variables of a CodeBuild project's environment into " +
				"SecureString parameters of Systems Manager Parameter Store, let the project's service role read them, " +
				"and make the variables refer to them. The other variables and settings are kept. The credentials stay " +
				"valid: rotate them.",
			Params: []Param{
				{Name: "project", Type: String, Required: true, Description: "the project's name or ARN"},
				{Name: "variable_names", Type: StringList, Default: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}, Description: "the variables to move, matched without regard to case"},
				{Name: "parameter_prefix", Type: String, Default: "/rectify/codebuild/", Description: "where the parameters go: PREFIX + project + \"/\" + variable"},
				{Name: "kms_key_id", Type: String, Default: "alias/aws/ssm", Description: "the KMS key the parameters are encrypted with; a customer managed key must let the service role decrypt"},
			},
			Reads:  []string{"codebuild:BatchGetProjects", "ssm:GetParameter", "ssm:ListTagsForResource", "iam:GetRolePolicy"},
			Writes: []string{"ssm:PutParameter", "iam:PutRolePolicy", "codebuild:UpdateProject"},
			// Parameters are created with tags, encrypted with the key; the
			// project keeps passing its service role.
			ExtraPermissions: []string{"ssm:AddTagsToResource", "kms:Encrypt", "iam:PassRole"},
			Describe: func(in Input) string {
				return fmt.Sprintf("move the plaintext variables %s of CodeBuild project %s in %s/%s to SecureString parameters under %s",
					strings.Join(in.StringList("variable_names"), ", "), projectName(in.String("project")), in.Target.Account, in.Target.Region, in.String("parameter_prefix"))
			},
			Run:    moveCredentialsToParameterStore,
			Verify: verifyCredentialsMoved,
		},
	}
}

func projectName(ref string) string {
	if i := strings.Index(ref, ":project/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		return ref[i+len(":project/"):]
	}
	return ref
}

func getProject(ctx context.Context, cli *codebuild.Client, name string) (*cbtypes.Project, error) {
	out, err := cli.BatchGetProjects(ctx, &codebuild.BatchGetProjectsInput{Names: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("get CodeBuild project %s: %w", name, err)
	}
	for i, p := range out.Projects {
		if aws.ToString(p.Name) == name {
			return &out.Projects[i], nil
		}
	}
	return nil, nil
}

func disablePrivilegedMode(ctx context.Context, in Input) (Result, error) {
	name := projectName(in.String("project"))
	cli := codebuild.NewFromConfig(in.AWS)
	out := map[string]any{"project": name}
	p, err := getProject(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if p == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CodeBuild project %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if p.Environment == nil || !aws.ToBool(p.Environment.PrivilegedMode) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("CodeBuild project %s does not run in privileged mode", name), Output: out}, nil
	}
	env := *p.Environment
	env.PrivilegedMode = aws.Bool(false)
	_, err = cli.UpdateProject(ctx, &codebuild.UpdateProjectInput{Name: aws.String(name), Environment: &env})
	if IsNotFound(err, "ResourceNotFoundException") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CodeBuild project %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("turn off privileged mode in CodeBuild project %s: %w", name, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("CodeBuild project %s no longer runs in privileged mode (privilegedMode true → false); builds that need a Docker daemon will fail", name), Output: out}, nil
}

func verifyPrivilegedMode(ctx context.Context, in Input, _ Result) error {
	name := projectName(in.String("project"))
	p, err := getProject(ctx, codebuild.NewFromConfig(in.AWS), name)
	if err != nil || p == nil {
		return err
	}
	if p.Environment != nil && aws.ToBool(p.Environment.PrivilegedMode) {
		return Mismatch("CodeBuild project %s runs in privileged mode", name)
	}
	return nil
}

// plaintextCredentials returns the indexes of the project's plaintext
// variables whose names are among names.
func plaintextCredentials(p *cbtypes.Project, names []string) []int {
	if p.Environment == nil {
		return nil
	}
	var out []int
	for i, v := range p.Environment.EnvironmentVariables {
		if v.Type != "" && v.Type != cbtypes.EnvironmentVariableTypePlaintext {
			continue
		}
		if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, aws.ToString(v.Name)) }) {
			out = append(out, i)
		}
	}
	return out
}

// codebuildParametersPolicy is the name of the service role's inline
// policy that lets it read a project's parameters.
func codebuildParametersPolicy(project string) string {
	name := "rectify-codebuild-parameters-" + project
	if len(name) > 128 {
		name = name[:128]
	}
	return name
}

// storeCredential puts a variable's value into its parameter, reusing a
// parameter that holds it already and refusing one that is not rectify's.
// It says whether it created the parameter. The value never leaves this
// function.
func storeCredential(ctx context.Context, cli *ssm.Client, in Input, name, value string) (bool, error) {
	got, err := cli.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	switch {
	case IsNotFound(err, "ParameterNotFound"):
		var tags []ssmtypes.Tag
		for _, k := range sortedTagKeys(managedTags("codebuild-credentials")) {
			tags = append(tags, ssmtypes.Tag{Key: aws.String(k), Value: aws.String(managedTags("codebuild-credentials")[k])})
		}
		_, err := cli.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString,
			KeyId: aws.String(in.String("kms_key_id")), Description: aws.String("A CodeBuild credential moved out of plaintext by rectify"), Tags: tags})
		if err != nil {
			return false, fmt.Errorf("create SecureString parameter %s: %w", name, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read parameter %s: %w", name, err)
	case aws.ToString(got.Parameter.Value) == value:
		return false, nil
	}
	tags, err := cli.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name)})
	if err != nil {
		return false, fmt.Errorf("read the tags of parameter %s: %w", name, err)
	}
	ours := slices.ContainsFunc(tags.TagList, func(t ssmtypes.Tag) bool { return aws.ToString(t.Key) == ManagedTag && aws.ToString(t.Value) == "true" })
	if !ours {
		return false, notOurs("SSM parameter", name, "parameter_prefix")
	}
	if _, err := cli.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Overwrite: aws.Bool(true),
		KeyId: aws.String(in.String("kms_key_id"))}); err != nil {
		return false, fmt.Errorf("update SecureString parameter %s: %w", name, err)
	}
	return false, nil
}

// grantParameters lets the service role read the project's parameters.
func grantParameters(ctx context.Context, in Input, role, project, prefix string) (bool, error) {
	a, ok := parseARN(role)
	if !ok || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
		return false, Permanent(fmt.Errorf("the service role %q of CodeBuild project %s is not a role ARN", role, project))
	}
	if a.Account != in.Target.Account {
		return false, Permanent(fmt.Errorf("the service role %s of CodeBuild project %s belongs to account %s: grant it ssm:GetParameters on %s%s/* there", role, project, a.Account, prefix, project))
	}
	roleName := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	policy := codebuildParametersPolicy(project)
	resource := "arn:" + partitionOf(in) + ":ssm:" + in.Target.Region + ":" + in.Target.Account + ":parameter" + prefix + project + "/*"
	if !strings.HasPrefix(prefix, "/") {
		resource = "arn:" + partitionOf(in) + ":ssm:" + in.Target.Region + ":" + in.Target.Account + ":parameter/" + prefix + project + "/*"
	}
	stmt := map[string]any{"Sid": "RectifyCodeBuildParameters", "Effect": "Allow", "Action": []any{"ssm:GetParameters", "ssm:GetParameter"}, "Resource": resource}
	cli := iam.NewFromConfig(in.AWS)
	doc := ""
	got, err := cli.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String(policy)})
	switch {
	case IsNotFound(err, "NoSuchEntity"):
	case err != nil:
		return false, fmt.Errorf("read policy %s of role %s: %w", policy, roleName, err)
	default:
		if doc, err = decodePolicyDocument(aws.ToString(got.PolicyDocument)); err != nil {
			return false, err
		}
	}
	merged, added, err := addStatements(doc, []map[string]any{stmt})
	if err != nil {
		return false, Permanent(fmt.Errorf("the policy %s of role %s cannot be read: %w", policy, roleName, err))
	}
	if len(added) == 0 {
		return false, nil
	}
	if _, err := cli.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String(policy), PolicyDocument: aws.String(merged)}); err != nil {
		if IsNotFound(err, "NoSuchEntity") {
			return false, Permanent(fmt.Errorf("the service role %s of CodeBuild project %s does not exist", role, project))
		}
		return false, fmt.Errorf("let role %s read the parameters of CodeBuild project %s: %w", roleName, project, err)
	}
	return true, nil
}

func moveCredentialsToParameterStore(ctx context.Context, in Input) (Result, error) {
	name, prefix := projectName(in.String("project")), in.String("parameter_prefix")
	cli := codebuild.NewFromConfig(in.AWS)
	out := map[string]any{"project": name, "parameters": []string{}, "created": []string{}}
	p, err := getProject(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if p == nil {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("CodeBuild project %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	idx := plaintextCredentials(p, in.StringList("variable_names"))
	if len(idx) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("CodeBuild project %s has no plaintext variable among %s", name, strings.Join(in.StringList("variable_names"), ", ")), Output: out}, nil
	}
	store := ssm.NewFromConfig(in.AWS)
	env := *p.Environment
	env.EnvironmentVariables = slices.Clone(p.Environment.EnvironmentVariables)
	var params, moved, created []string
	for _, i := range idx {
		v := env.EnvironmentVariables[i]
		param := prefix + name + "/" + aws.ToString(v.Name)
		made, err := storeCredential(ctx, store, in, param, aws.ToString(v.Value))
		if err != nil {
			return Result{}, err
		}
		if made {
			created = append(created, "arn:"+partitionOf(in)+":ssm:"+in.Target.Region+":"+in.Target.Account+":parameter"+param)
		}
		env.EnvironmentVariables[i] = cbtypes.EnvironmentVariable{Name: v.Name, Type: cbtypes.EnvironmentVariableTypeParameterStore, Value: aws.String(param)}
		params = append(params, param)
		moved = append(moved, aws.ToString(v.Name))
	}
	out["parameters"], out["created"] = params, created
	granted, err := grantParameters(ctx, in, aws.ToString(p.ServiceRole), name, prefix)
	if err != nil {
		return Result{}, err
	}
	if _, err := cli.UpdateProject(ctx, &codebuild.UpdateProjectInput{Name: aws.String(name), Environment: &env}); err != nil {
		return Result{}, fmt.Errorf("make the variables of CodeBuild project %s refer to their parameters: %w", name, err)
	}
	msg := fmt.Sprintf("CodeBuild project %s: moved plaintext variable(s) %s to SecureString parameter(s) %s", name, strings.Join(moved, ", "), strings.Join(params, ", "))
	if granted {
		msg += fmt.Sprintf("; let its service role read them (inline policy %s)", codebuildParametersPolicy(name))
	}
	msg += "; the credentials stay valid until they are rotated"
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyCredentialsMoved(ctx context.Context, in Input, _ Result) error {
	name := projectName(in.String("project"))
	p, err := getProject(ctx, codebuild.NewFromConfig(in.AWS), name)
	if err != nil || p == nil {
		return err
	}
	if idx := plaintextCredentials(p, in.StringList("variable_names")); len(idx) > 0 {
		var names []string
		for _, i := range idx {
			names = append(names, aws.ToString(p.Environment.EnvironmentVariables[i].Name))
		}
		return Mismatch("CodeBuild project %s has plaintext variable(s) %s", name, strings.Join(names, ", "))
	}
	store := ssm.NewFromConfig(in.AWS)
	for _, v := range p.Environment.EnvironmentVariables {
		if v.Type != cbtypes.EnvironmentVariableTypeParameterStore || !slices.ContainsFunc(in.StringList("variable_names"), func(n string) bool { return strings.EqualFold(n, aws.ToString(v.Name)) }) {
			continue
		}
		_, err := store.GetParameter(ctx, &ssm.GetParameterInput{Name: v.Value})
		if IsNotFound(err, "ParameterNotFound") {
			return Mismatch("CodeBuild project %s's variable %s refers to parameter %s, which does not exist", name, aws.ToString(v.Name), aws.ToString(v.Value))
		}
		if err != nil {
			return fmt.Errorf("read parameter %s: %w", aws.ToString(v.Value), err)
		}
	}
	return nil
}
