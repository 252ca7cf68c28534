package action

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// CloudTrail trail actions: log file validation, KMS encryption, delivery
// to CloudWatch Logs, and a multi-Region trail of the account's
// management events. A trail is changed in its home region, whichever
// region the finding came from.

// Names of what the trail actions create.
const (
	// DefaultTrailName is the multi-Region trail cloudtrail.ensure-multi-region-trail makes.
	DefaultTrailName = "rectify-management-events"
	// TrailLogsRole is the role CloudTrail assumes to write to CloudWatch Logs.
	TrailLogsRole = "rectify-cloudtrail-to-logs"
	// trailLogsPolicy is the inline policy of TrailLogsRole.
	trailLogsPolicy = "rectify-cloudtrail-logs"
	// TrailKeyAlias is the alias of the KMS key rectify makes for trails.
	TrailKeyAlias = "alias/rectify-cloudtrail"
	// trailLogGroupPrefix starts the names of the log groups rectify makes
	// for trails: rectify-cloudtrail/<trail name>.
	trailLogGroupPrefix = "rectify-cloudtrail/"
)

var trailParam = Param{Name: "trail", Type: String, Required: true, Description: "the trail's name or ARN"}

func cloudtrailTrailActions() []Spec {
	return []Spec{{
		Name:        "cloudtrail.enable-log-file-validation",
		Description: "Turn on log file integrity validation of a CloudTrail trail (hourly digest files); nothing else of the trail changes.",
		Params:      []Param{trailParam},
		Reads:       []string{"cloudtrail:GetTrail"},
		Writes:      []string{"cloudtrail:UpdateTrail"},
		Describe: func(in Input) string {
			return fmt.Sprintf("turn on log file validation of CloudTrail trail %s in account %s", in.String("trail"), in.Target.Account)
		},
		Run:    enableLogFileValidation,
		Verify: verifyLogFileValidation,
	}, {
		Name: "cloudtrail.enable-kms-encryption",
		Description: "Encrypt a CloudTrail trail's log files with a KMS key (SSE-KMS). With kms_key \"create\", rectify's own key " +
			"(alias/rectify-cloudtrail, rotation on) is made in the trail's region; a key's policy gains the statements that let CloudTrail " +
			"use it and keeps the rest. Readers of the logs then need kms:Decrypt on the key.",
		Params: []Param{
			trailParam,
			{Name: "kms_key", Type: String, Default: Create, Description: `the key: an ID, ARN or alias in the trail's region, or "create"`},
		},
		Reads:            []string{"cloudtrail:GetTrail", "kms:DescribeKey", "kms:GetKeyPolicy"},
		Writes:           []string{"cloudtrail:UpdateTrail", "kms:CreateKey", "kms:CreateAlias", "kms:EnableKeyRotation", "kms:PutKeyPolicy"},
		ExtraPermissions: []string{"kms:TagResource"},
		Describe: func(in Input) string {
			return fmt.Sprintf("encrypt the log files of CloudTrail trail %s in account %s with KMS key %s", in.String("trail"), in.Target.Account, in.String("kms_key"))
		},
		Run:    enableTrailEncryption,
		Verify: verifyTrailEncryption,
	}, {
		Name: "cloudtrail.enable-cloudwatch-logs",
		Description: "Deliver a CloudTrail trail's events to a CloudWatch Logs log group, through a role CloudTrail assumes. With \"create\", " +
			"the log group rectify-cloudtrail/<trail> (with log_retention_days) and the role rectify-cloudtrail-to-logs are made in the " +
			"trail's account, the role's policy listing each group it writes to. The trail bucket and its policy are not touched.",
		Params: []Param{
			trailParam,
			{Name: "log_group", Type: String, Default: Create, Description: `the log group: a name or ARN in the trail's home region, or "create"`},
			{Name: "role_arn", Type: String, Default: Create, Description: `the role CloudTrail assumes to write to the group, or "create"`},
			{Name: "log_retention_days", Type: Int, Default: 365, Description: "the retention of a log group rectify creates"},
		},
		Reads: []string{"cloudtrail:GetTrail", "logs:DescribeLogGroups", "logs:ListTagsForResource", "iam:GetRole", "iam:GetRolePolicy"},
		Writes: []string{"logs:CreateLogGroup", "logs:PutRetentionPolicy", "iam:CreateRole", "iam:PutRolePolicy",
			"cloudtrail:UpdateTrail"},
		ExtraPermissions: []string{"iam:PassRole", "iam:TagRole", "logs:TagResource"},
		Describe: func(in Input) string {
			return fmt.Sprintf("deliver CloudTrail trail %s of account %s to CloudWatch Logs log group %s with role %s", in.String("trail"), in.Target.Account,
				in.String("log_group"), in.String("role_arn"))
		},
		Run:    enableTrailLogs,
		Verify: verifyTrailLogs,
	}, {
		Name: "cloudtrail.ensure-multi-region-trail",
		Description: "Make sure a multi-Region trail logs every management event (read and write) of the account. When one does " +
			"already, nothing changes; otherwise rectify's trail (trail_name) is created, or fixed if it exists, with global service " +
			"events and log file validation, into bucket (made, or given the CloudTrail statements it lacks), and started. Other trails are not touched.",
		Params: []Param{
			{Name: "trail_name", Type: String, Default: DefaultTrailName, Description: "the trail to create, or an existing trail of the account's to make multi-Region"},
			{Name: "bucket", Type: String, Default: Create, Description: `the bucket the trail delivers to, or "create" (rectify-cloudtrail-ACCOUNT-REGION)`},
			{Name: "kms_key", Type: String, Description: "a KMS key (ID, ARN or alias) to encrypt the logs with; none by default (see cloudtrail.enable-kms-encryption)"},
		},
		Reads: append([]string{"cloudtrail:DescribeTrails", "cloudtrail:GetTrail", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:ListTags"},
			bucketReads...),
		Writes: append([]string{"cloudtrail:CreateTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StartLogging"},
			bucketWrites...),
		ExtraPermissions: []string{"cloudtrail:AddTags"},
		Describe: func(in Input) string {
			return fmt.Sprintf("unless a multi-Region trail of account %s logs all management events, create or fix trail %s delivering to bucket %s",
				in.Target.Account, in.String("trail_name"), in.String("bucket"))
		},
		Run:    ensureMultiRegionTrail,
		Verify: verifyMultiRegionTrail,
	}}
}

// Error codes of CloudTrail's checks.
const (
	codeNotOrgMaster        = "NotOrganizationMasterAccountException"
	codeInsufficientKey     = "InsufficientEncryptionPolicyException"
	codeKeyNotFound         = "KmsKeyNotFoundException"
	codeKeyDisabled         = "KmsKeyDisabledException"
	codeInvalidLogsRole     = "InvalidCloudWatchLogsRoleArnException"
	codeInvalidLogGroup     = "InvalidCloudWatchLogsLogGroupArnException"
	codeInsufficientBucket  = "InsufficientS3BucketPolicyException"
	codeBucketDoesNotExist  = "S3BucketDoesNotExistException"
	codeTrailAlreadyExists  = "TrailAlreadyExistsException"
	iamPropagationRetry     = 15 * time.Second
	managementEventCategory = "Management"
)

// trailRef is a trail as GetTrail reads it, with a client of its home
// region.
type trailRef struct {
	Trail *cttypes.Trail
	ARN   string
	Home  *cloudtrail.Client
}

// readTrail reads the trail in names. It returns nil when it does not
// exist.
func readTrail(ctx context.Context, in Input, name string) (*trailRef, error) {
	cfg := in.AWS
	if a, ok := parseARN(name); ok && a.Region != "" {
		cfg = inRegion(cfg, a.Region)
	}
	got, err := cloudtrail.NewFromConfig(cfg).GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(name)})
	if HasCode(err, codeTrailNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read CloudTrail trail %s: %w", name, err)
	}
	t := got.Trail
	return &trailRef{Trail: t, ARN: aws.ToString(t.TrailARN), Home: cloudtrail.NewFromConfig(inRegion(in.AWS, aws.ToString(t.HomeRegion)))}, nil
}

func trailMissing(in Input, name string) Result {
	return Result{Outcome: NotFound, Output: map[string]any{"trail": name},
		Message: fmt.Sprintf("CloudTrail trail %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region)}
}

// updateTrail calls UpdateTrail, turning CloudTrail's refusals into errors
// that say what to do.
func (t *trailRef) update(ctx context.Context, in *cloudtrail.UpdateTrailInput) error {
	in.Name = aws.String(t.ARN)
	_, err := t.Home.UpdateTrail(ctx, in)
	switch {
	case err == nil:
		return nil
	case HasCode(err, codeNotOrgMaster):
		return Permanent(fmt.Errorf("CloudTrail trail %s is an organization trail: change it from the organization's management account: %w", t.ARN, err))
	case HasCode(err, codeTrailNotFound):
		return Permanent(fmt.Errorf("CloudTrail trail %s is gone: %w", t.ARN, err))
	}
	return fmt.Errorf("update CloudTrail trail %s: %w", t.ARN, err)
}

// Log file validation.

func enableLogFileValidation(ctx context.Context, in Input) (Result, error) {
	name := in.String("trail")
	t, err := readTrail(ctx, in, name)
	if err != nil || t == nil {
		return trailMissing(in, name), err
	}
	out := map[string]any{"trail": t.ARN}
	if aws.ToBool(t.Trail.LogFileValidationEnabled) {
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("CloudTrail trail %s already validates its log files", t.ARN)}, nil
	}
	if err := t.update(ctx, &cloudtrail.UpdateTrailInput{EnableLogFileValidation: aws.Bool(true)}); err != nil {
		return Result{}, err
	}
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("turned on log file validation of CloudTrail trail %s", t.ARN)}, nil
}

func verifyLogFileValidation(ctx context.Context, in Input, _ Result) error {
	t, err := readTrail(ctx, in, in.String("trail"))
	switch {
	case err != nil:
		return err
	case t == nil:
		return Mismatch("CloudTrail trail %s no longer exists", in.String("trail"))
	case !aws.ToBool(t.Trail.LogFileValidationEnabled):
		return Mismatch("CloudTrail trail %s does not validate its log files", t.ARN)
	}
	return nil
}

// KMS encryption.

// trailKeyStatements are the key policy statements that let CloudTrail
// encrypt the logs of account's trails and describe the key.
func trailKeyStatements(partition, account string) []map[string]any {
	return []map[string]any{{
		"Sid": "RectifyCloudTrailEncrypt", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
		"Action": "kms:GenerateDataKey*", "Resource": "*",
		"Condition": map[string]any{"StringLike": map[string]any{"kms:EncryptionContext:aws:cloudtrail:arn": "arn:" + partition + ":cloudtrail:*:" + account + ":trail/*"}},
	}, {
		"Sid": "RectifyCloudTrailDescribe", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
		"Action": "kms:DescribeKey", "Resource": "*",
	}}
}

func enableTrailEncryption(ctx context.Context, in Input) (Result, error) {
	name := in.String("trail")
	t, err := readTrail(ctx, in, name)
	if err != nil || t == nil {
		return trailMissing(in, name), err
	}
	out := map[string]any{"trail": t.ARN}
	if k := aws.ToString(t.Trail.KmsKeyId); k != "" {
		out["kms_key"] = k
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("CloudTrail trail %s is already encrypted with KMS key %s", t.ARN, k)}, nil
	}
	home := aws.ToString(t.Trail.HomeRegion)
	key, note, err := ensureServiceKey(ctx, in, inRegion(in.AWS, home), serviceKey{
		Param: "kms_key", Value: in.String("kms_key"), Alias: TrailKeyAlias, Purpose: "cloudtrail-logs",
		Description: "Encrypts CloudTrail log files (made by rectify)",
		Statements:  trailKeyStatements(partitionOf(in), in.Target.Account),
		Granted: func(policy string) bool {
			return grantsService(policy, "cloudtrail.amazonaws.com", "kms:GenerateDataKey", "*")
		},
	}, out)
	if err != nil {
		return Result{}, err
	}
	err = t.update(ctx, &cloudtrail.UpdateTrailInput{KmsKeyId: aws.String(key)})
	switch {
	case HasCode(err, codeInsufficientKey):
		return Result{}, Permanent(fmt.Errorf("KMS key %s does not let CloudTrail encrypt the logs of trail %s (its policy must allow cloudtrail.amazonaws.com kms:GenerateDataKey*, and the trail's bucket must accept SSE-KMS): %w", key, t.ARN, err))
	case HasCode(err, codeKeyNotFound, codeKeyDisabled):
		return Result{}, Permanent(fmt.Errorf("KMS key %s cannot encrypt the logs of trail %s: set kms_key to an enabled key in %s: %w", key, t.ARN, home, err))
	case err != nil:
		return Result{}, err
	}
	out["kms_key"] = key
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("CloudTrail trail %s now encrypts its log files with KMS key %s%s", t.ARN, key, note)}, nil
}

func verifyTrailEncryption(ctx context.Context, in Input, res Result) error {
	t, err := readTrail(ctx, in, in.String("trail"))
	switch {
	case err != nil:
		return err
	case t == nil:
		return Mismatch("CloudTrail trail %s no longer exists", in.String("trail"))
	case aws.ToString(t.Trail.KmsKeyId) == "":
		return Mismatch("CloudTrail trail %s is not encrypted with a KMS key", t.ARN)
	}
	if want, _ := res.Output["kms_key"].(string); want != "" && aws.ToString(t.Trail.KmsKeyId) != want {
		return Mismatch("CloudTrail trail %s is encrypted with %s, not %s", t.ARN, aws.ToString(t.Trail.KmsKeyId), want)
	}
	return nil
}

// CloudWatch Logs delivery.

// logGroupName returns the name a log group parameter (a name or an ARN)
// names, and the region an ARN gives ("" for a name).
func logGroupName(s string) (name, region string) {
	if a, ok := parseARN(s); ok && a.Service == "logs" {
		rest := strings.TrimPrefix(a.Resource, "log-group:")
		return strings.TrimSuffix(rest, ":*"), a.Region
	}
	return s, ""
}

// findLogGroup returns the ARN (without ":*") of the log group name, "" if
// it does not exist.
func findLogGroup(ctx context.Context, cli *cloudwatchlogs.Client, name string) (string, error) {
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(cli, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("look for log group %s: %w", name, err)
		}
		for _, g := range page.LogGroups {
			if aws.ToString(g.LogGroupName) == name {
				if arn := aws.ToString(g.LogGroupArn); arn != "" {
					return arn, nil
				}
				return strings.TrimSuffix(aws.ToString(g.Arn), ":*"), nil
			}
		}
	}
	return "", nil
}

// trailLogsStatement is the statement of TrailLogsRole's policy that lets
// CloudTrail write to the log groups groups (ARNs without ":*").
func trailLogsStatement(groups []string) map[string]any {
	var res []any
	for _, g := range groups {
		res = append(res, g+":log-stream:*")
	}
	return map[string]any{"Sid": "RectifyCloudTrailToLogs", "Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": res}
}

// ensureLogGroup returns the ARN of the trail's log group, made when asked.
func ensureLogGroup(ctx context.Context, in Input, cli *cloudwatchlogs.Client, trailName, region string, out map[string]any) (arn string, created bool, err error) {
	param := in.String("log_group")
	if param != Create {
		name, r := logGroupName(param)
		if r != "" && r != region {
			return "", false, Permanent(fmt.Errorf("log group %s is in %s, but CloudTrail delivers only to a log group in the trail's home region %s: set log_group to one there", param, r, region))
		}
		arn, err := findLogGroup(ctx, cli, name)
		if err != nil {
			return "", false, err
		}
		if arn == "" {
			return "", false, Permanent(fmt.Errorf("log group %s does not exist in %s: set log_group to an existing log group or to %q", name, region, Create))
		}
		return arn, false, nil
	}
	name := trailLogGroupPrefix + trailName
	arn, err = findLogGroup(ctx, cli, name)
	if err != nil {
		return "", false, err
	}
	if arn != "" {
		tags, err := cli.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			return "", false, fmt.Errorf("read the tags of log group %s: %w", name, err)
		}
		if tags.Tags[ManagedTag] != "true" {
			return "", false, notOurs("log group", name, "log_group")
		}
		return arn, false, nil
	}
	if _, err := cli.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: managedTags("cloudtrail-logs")}); err != nil && !HasCode(err, "ResourceAlreadyExistsException") {
		return "", false, fmt.Errorf("create log group %s: %w", name, err)
	}
	if days := in.Int("log_retention_days"); days > 0 {
		if _, err := cli.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(int32(days))}); err != nil {
			return "", false, Permanent(fmt.Errorf("set the retention of log group %s to log_retention_days %d: %w", name, days, err))
		}
	}
	arn, err = findLogGroup(ctx, cli, name)
	if err != nil || arn == "" {
		return "", false, fmt.Errorf("read log group %s after creating it: %v", name, err)
	}
	addCreated(out, arn)
	return arn, true, nil
}

// ensureLogsRole returns the role CloudTrail assumes to write to group,
// made, or given group in its policy, when asked: created reports the
// first, changed either.
func ensureLogsRole(ctx context.Context, in Input, group string, out map[string]any) (arn string, created, changed bool, err error) {
	if param := in.String("role_arn"); param != Create {
		return param, false, false, nil
	}
	cli := iam.NewFromConfig(in.AWS)
	got, err := cli.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(TrailLogsRole)})
	switch {
	case IsNotFound(err, "NoSuchEntity"):
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		r, err := cli.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(TrailLogsRole), AssumeRolePolicyDocument: aws.String(trust),
			Description: aws.String("Lets CloudTrail write to CloudWatch Logs (made by rectify)"), Tags: iamTags(managedTags("cloudtrail-logs"))})
		if err != nil {
			return "", false, false, fmt.Errorf("create role %s: %w", TrailLogsRole, err)
		}
		arn, created, changed = aws.ToString(r.Role.Arn), true, true
		addCreated(out, arn)
	case err != nil:
		return "", false, false, fmt.Errorf("read role %s: %w", TrailLogsRole, err)
	case !roleIsOurs(got.Role):
		return "", false, false, notOurs("role", TrailLogsRole, "role_arn")
	default:
		arn = aws.ToString(got.Role.Arn)
	}
	// The role's policy lists every group it writes to; this one is added.
	groups := []string{group}
	pol, err := cli.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(TrailLogsRole), PolicyName: aws.String(trailLogsPolicy)})
	doc := ""
	switch {
	case IsNotFound(err, "NoSuchEntity"):
	case err != nil:
		return "", false, false, fmt.Errorf("read the policy of role %s: %w", TrailLogsRole, err)
	default:
		doc, err = decodePolicyDocument(aws.ToString(pol.PolicyDocument))
		if err != nil {
			return "", false, false, err
		}
		if stmts, _, err := policyStatements(doc); err == nil {
			for _, s := range stmts {
				if s["Sid"] == "RectifyCloudTrailToLogs" {
					for _, r := range stringsOf(s["Resource"]) {
						g := strings.TrimSuffix(r, ":log-stream:*")
						if g != group {
							groups = append(groups, g)
						}
					}
				}
			}
		}
	}
	sort.Strings(groups)
	merged, added, err := addStatements(doc, []map[string]any{trailLogsStatement(groups)})
	if err != nil {
		return "", false, false, Permanent(fmt.Errorf("the policy %s of role %s cannot be read: %w", trailLogsPolicy, TrailLogsRole, err))
	}
	if len(added) > 0 {
		if _, err := cli.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(TrailLogsRole), PolicyName: aws.String(trailLogsPolicy),
			PolicyDocument: aws.String(merged)}); err != nil {
			return "", false, false, fmt.Errorf("let role %s write to log group %s: %w", TrailLogsRole, group, err)
		}
		changed = true
	}
	return arn, created, changed, nil
}

func enableTrailLogs(ctx context.Context, in Input) (Result, error) {
	name := in.String("trail")
	t, err := readTrail(ctx, in, name)
	if err != nil || t == nil {
		return trailMissing(in, name), err
	}
	out := map[string]any{"trail": t.ARN}
	if g, r := aws.ToString(t.Trail.CloudWatchLogsLogGroupArn), aws.ToString(t.Trail.CloudWatchLogsRoleArn); g != "" && r != "" {
		out["log_group_arn"], out["role_arn"] = g, r
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("CloudTrail trail %s already delivers to CloudWatch Logs log group %s", t.ARN, g)}, nil
	}
	home := aws.ToString(t.Trail.HomeRegion)
	if a, ok := parseARN(t.ARN); ok && a.Account != in.Target.Account && in.Target.Account != "" {
		return Result{}, Permanent(fmt.Errorf("CloudTrail trail %s belongs to account %s, not %s: change it there", t.ARN, a.Account, in.Target.Account))
	}
	logs := cloudwatchlogs.NewFromConfig(inRegion(in.AWS, home))
	group, groupCreated, err := ensureLogGroup(ctx, in, logs, aws.ToString(t.Trail.Name), home, out)
	if err != nil {
		return Result{}, err
	}
	role, roleCreated, roleChanged, err := ensureLogsRole(ctx, in, group, out)
	if err != nil {
		return Result{}, err
	}
	err = t.update(ctx, &cloudtrail.UpdateTrailInput{CloudWatchLogsLogGroupArn: aws.String(group + ":*"), CloudWatchLogsRoleArn: aws.String(role)})
	switch {
	case HasCode(err, codeInvalidLogsRole) && roleChanged:
		// IAM takes a few seconds to let CloudTrail assume a role it has
		// just made or changed.
		return Result{}, RetryLater(fmt.Errorf("CloudTrail cannot yet use role %s, which rectify just set up: %w", role, err), iamPropagationRetry)
	case HasCode(err, codeInvalidLogsRole):
		return Result{}, Permanent(fmt.Errorf("CloudTrail cannot write to log group %s with role %s: the role must trust cloudtrail.amazonaws.com and allow logs:CreateLogStream and logs:PutLogEvents on the group's streams (set role_arn to such a role, or to %q): %w",
			group, role, Create, err))
	case HasCode(err, codeInvalidLogGroup):
		return Result{}, Permanent(fmt.Errorf("CloudTrail cannot deliver to log group %s: %w", group, err))
	case err != nil:
		return Result{}, err
	}
	out["log_group_arn"], out["role_arn"] = group+":*", role
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("CloudTrail trail %s now delivers to CloudWatch Logs log group %s%s with role %s%s",
		t.ARN, group, createdNote(groupCreated), role, createdNote(roleCreated))}, nil
}

func verifyTrailLogs(ctx context.Context, in Input, res Result) error {
	t, err := readTrail(ctx, in, in.String("trail"))
	switch {
	case err != nil:
		return err
	case t == nil:
		return Mismatch("CloudTrail trail %s no longer exists", in.String("trail"))
	case aws.ToString(t.Trail.CloudWatchLogsLogGroupArn) == "" || aws.ToString(t.Trail.CloudWatchLogsRoleArn) == "":
		return Mismatch("CloudTrail trail %s does not deliver to CloudWatch Logs", t.ARN)
	}
	if want, _ := res.Output["log_group_arn"].(string); want != "" && aws.ToString(t.Trail.CloudWatchLogsLogGroupArn) != want {
		return Mismatch("CloudTrail trail %s delivers to %s, not %s", t.ARN, aws.ToString(t.Trail.CloudWatchLogsLogGroupArn), want)
	}
	return nil
}

// Multi-Region trail.

// logsAllManagementEvents reports whether a trail's selectors record every
// management event, read and write.
func logsAllManagementEvents(sel *cloudtrail.GetEventSelectorsOutput) bool {
	for _, s := range sel.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && s.ReadWriteType == cttypes.ReadWriteTypeAll && len(s.ExcludeManagementEventSources) == 0 {
			return true
		}
	}
	for _, s := range sel.AdvancedEventSelectors {
		management, narrowed := false, false
		for _, f := range s.FieldSelectors {
			switch aws.ToString(f.Field) {
			case "eventCategory":
				for _, v := range f.Equals {
					management = management || v == managementEventCategory
				}
			default:
				narrowed = true
			}
		}
		if management && !narrowed {
			return true
		}
	}
	return false
}

// qualifyingTrail is a multi-Region trail that logs all management events.
type qualifyingTrail struct {
	ARN, HomeRegion, LogGroup string
	Logging                   bool
}

// multiRegionTrails returns the account's multi-Region trails that log
// every management event, whether or not they are logging.
func multiRegionTrails(ctx context.Context, in Input) ([]qualifyingTrail, error) {
	cli := cloudtrail.NewFromConfig(in.AWS)
	d, err := cli.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("list CloudTrail trails: %w", err)
	}
	var out []qualifyingTrail
	for _, t := range d.TrailList {
		if !aws.ToBool(t.IsMultiRegionTrail) {
			continue
		}
		arn := aws.ToString(t.TrailARN)
		home := cloudtrail.NewFromConfig(inRegion(in.AWS, aws.ToString(t.HomeRegion)))
		sel, err := home.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("read the event selectors of trail %s: %w", arn, err)
		}
		if !logsAllManagementEvents(sel) {
			continue
		}
		st, err := home.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("read the status of trail %s: %w", arn, err)
		}
		out = append(out, qualifyingTrail{ARN: arn, HomeRegion: aws.ToString(t.HomeRegion), LogGroup: aws.ToString(t.CloudWatchLogsLogGroupArn),
			Logging: aws.ToBool(st.IsLogging)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out, nil
}

// trailBucketStatements are the bucket policy statements that let trail
// deliver account's logs, and refuse requests without TLS.
func trailBucketStatements(partition, bucket, account, trailARN string) []map[string]any {
	b := "arn:" + partition + ":s3:::" + bucket
	return []map[string]any{{
		"Sid": "RectifyCloudTrailAclCheck", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
		"Action": "s3:GetBucketAcl", "Resource": b,
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trailARN}},
	}, {
		"Sid": "RectifyCloudTrailWrite", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
		"Action": "s3:PutObject", "Resource": b + "/AWSLogs/" + account + "/*",
		"Condition": map[string]any{"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailARN}},
	}, {
		"Sid": "RectifyDenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": []any{b, b + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}}
}

// trailTagged reports whether the trail arn carries rectify's tag.
func trailTagged(ctx context.Context, cli *cloudtrail.Client, arn string) (bool, error) {
	out, err := cli.ListTags(ctx, &cloudtrail.ListTagsInput{ResourceIdList: []string{arn}})
	if err != nil {
		return false, fmt.Errorf("read the tags of trail %s: %w", arn, err)
	}
	for _, r := range out.ResourceTagList {
		for _, t := range r.TagsList {
			if aws.ToString(t.Key) == ManagedTag && aws.ToString(t.Value) == "true" {
				return true, nil
			}
		}
	}
	return false, nil
}

func ensureMultiRegionTrail(ctx context.Context, in Input) (Result, error) {
	qualifying, err := multiRegionTrails(ctx, in)
	if err != nil {
		return Result{}, err
	}
	for _, q := range qualifying {
		if q.Logging {
			return Result{Outcome: AlreadyDone, Output: map[string]any{"trail": q.ARN},
				Message: fmt.Sprintf("multi-Region trail %s already logs every management event of account %s", q.ARN, in.Target.Account)}, nil
		}
	}
	name, region, partition := in.String("trail_name"), in.Target.Region, partitionOf(in)
	cli := cloudtrail.NewFromConfig(in.AWS)
	arn := "arn:" + partition + ":cloudtrail:" + region + ":" + in.Target.Account + ":trail/" + name
	out := map[string]any{"trail": arn}
	existing, err := readTrail(ctx, in, arn)
	if err != nil {
		return Result{}, err
	}
	var changes []string
	if existing != nil {
		if name == DefaultTrailName {
			ours, err := trailTagged(ctx, cli, arn)
			if err != nil {
				return Result{}, err
			}
			if !ours {
				return Result{}, notOurs("trail", name, "trail_name")
			}
		}
		changes, err = fixTrail(ctx, existing)
		if err != nil {
			return Result{}, err
		}
	} else {
		changes, err = createTrail(ctx, in, cli, name, arn, out)
		if err != nil {
			return Result{}, err
		}
	}
	st, err := cli.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)})
	if err != nil {
		return Result{}, fmt.Errorf("read the status of trail %s: %w", arn, err)
	}
	if !aws.ToBool(st.IsLogging) {
		if _, err := cli.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(arn)}); err != nil {
			return Result{}, fmt.Errorf("start logging of trail %s: %w", arn, err)
		}
		changes = append(changes, "started logging")
	}
	return Result{Outcome: Changed, Output: out, Message: fmt.Sprintf("multi-Region trail %s: %s", arn, strings.Join(changes, "; "))}, nil
}

// fixTrail makes an existing trail multi-Region with global service events
// and every management event.
func fixTrail(ctx context.Context, t *trailRef) ([]string, error) {
	var changes []string
	if !aws.ToBool(t.Trail.IsMultiRegionTrail) || !aws.ToBool(t.Trail.IncludeGlobalServiceEvents) {
		if err := t.update(ctx, &cloudtrail.UpdateTrailInput{IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(true)}); err != nil {
			return nil, err
		}
		changes = append(changes, "made multi-Region with global service events")
	}
	sel, err := t.Home.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(t.ARN)})
	if err != nil {
		return nil, fmt.Errorf("read the event selectors of trail %s: %w", t.ARN, err)
	}
	if !logsAllManagementEvents(sel) {
		// Data event selectors are kept; the management events of each are
		// widened to all.
		sels := sel.EventSelectors
		if len(sels) == 0 {
			sels = []cttypes.EventSelector{{}}
		}
		sels[0].IncludeManagementEvents, sels[0].ReadWriteType, sels[0].ExcludeManagementEventSources = aws.Bool(true), cttypes.ReadWriteTypeAll, nil
		in := &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(t.ARN), EventSelectors: sels}
		if len(sel.AdvancedEventSelectors) > 0 {
			adv := append(sel.AdvancedEventSelectors, cttypes.AdvancedEventSelector{Name: aws.String("Management events (rectify)"),
				FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{managementEventCategory}}}})
			in = &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(t.ARN), AdvancedEventSelectors: adv}
		}
		if _, err := t.Home.PutEventSelectors(ctx, in); err != nil {
			return nil, fmt.Errorf("log all management events of trail %s: %w", t.ARN, err)
		}
		changes = append(changes, "logs all management events")
	}
	return changes, nil
}

// createTrail makes the trail and, when asked, its bucket.
func createTrail(ctx context.Context, in Input, cli *cloudtrail.Client, name, arn string, out map[string]any) ([]string, error) {
	bucket, partition := in.String("bucket"), partitionOf(in)
	create := bucket == Create
	if create {
		bucket = rectifyBucketName("cloudtrail", in)
	}
	var changes []string
	created, added, err := ensureDeliveryBucket(ctx, s3.NewFromConfig(in.AWS), in.Target.Region, deliveryBucket{
		Name: bucket, Create: create, Param: "bucket", Purpose: "cloudtrail-logs",
		Statements: trailBucketStatements(partition, bucket, in.Target.Account, arn),
		Granted: func(policy string) bool {
			b := "arn:" + partition + ":s3:::" + bucket
			return grantsService(policy, "cloudtrail.amazonaws.com", "s3:GetBucketAcl", b) &&
				grantsService(policy, "cloudtrail.amazonaws.com", "s3:PutObject", b+"/AWSLogs/"+in.Target.Account+"/x")
		},
	})
	if err != nil {
		return nil, err
	}
	if created {
		addCreated(out, "arn:"+partition+":s3:::"+bucket)
		changes = append(changes, "created bucket "+bucket)
	}
	if len(added) > 0 && !created {
		changes = append(changes, fmt.Sprintf("added %s to the policy of bucket %s", strings.Join(added, ", "), bucket))
	}
	var tags []cttypes.Tag
	for _, k := range sortedTagKeys(managedTags("management-events")) {
		tags = append(tags, cttypes.Tag{Key: aws.String(k), Value: aws.String(managedTags("management-events")[k])})
	}
	ct := &cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String(bucket), IsMultiRegionTrail: aws.Bool(true),
		IncludeGlobalServiceEvents: aws.Bool(true), EnableLogFileValidation: aws.Bool(true), TagsList: tags}
	if k := in.String("kms_key"); k != "" {
		ct.KmsKeyId = aws.String(k)
	}
	_, err = cli.CreateTrail(ctx, ct)
	switch {
	case HasCode(err, codeInsufficientBucket):
		return nil, Permanent(fmt.Errorf("bucket %s does not let CloudTrail deliver to it and rectify could not add the statements (another account's bucket?): its owner must allow cloudtrail.amazonaws.com s3:GetBucketAcl and s3:PutObject, or set bucket to %q: %w", bucket, Create, err))
	case HasCode(err, codeBucketDoesNotExist):
		return nil, Permanent(fmt.Errorf("bucket %s does not exist: %w", bucket, err))
	case HasCode(err, codeInsufficientKey, codeKeyNotFound, codeKeyDisabled):
		return nil, Permanent(fmt.Errorf("KMS key %s cannot encrypt the trail's logs: %w", in.String("kms_key"), err))
	case HasCode(err, codeTrailAlreadyExists):
		return nil, RetryLater(fmt.Errorf("trail %s was created meanwhile: %w", name, err), 0)
	case err != nil:
		return nil, fmt.Errorf("create trail %s: %w", name, err)
	}
	addCreated(out, arn)
	changes = append(changes, fmt.Sprintf("created, logging all management events with log file validation to bucket %s", bucket))
	return changes, nil
}

func verifyMultiRegionTrail(ctx context.Context, in Input, _ Result) error {
	qualifying, err := multiRegionTrails(ctx, in)
	if err != nil {
		return err
	}
	var stopped []string
	for _, q := range qualifying {
		if q.Logging {
			return nil
		}
		stopped = append(stopped, q.ARN)
	}
	if len(stopped) > 0 {
		return Mismatch("the multi-Region trails of account %s that log all management events are not logging: %s", in.Target.Account, strings.Join(stopped, ", "))
	}
	return Mismatch("no multi-Region trail of account %s logs all management events", in.Target.Account)
}
