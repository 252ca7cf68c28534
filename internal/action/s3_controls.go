package action

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// S3 actions of the Security Hub controls: account-level Block Public
// Access (S3.1), default encryption (S3.4), requiring TLS (S3.5),
// denying other accounts sensitive actions (S3.6), server access logging
// (S3.9), event notifications (S3.11) and lifecycle rules (S3.13). Each
// changes only the bucket (or, for S3.1, the account setting) it is
// given, and adds to what is there: policies keep their statements,
// notifications and lifecycle rules the existing ones.

func s3ControlActions() []Spec {
	return []Spec{
		{
			Name: "s3.block-account-public-access",
			Description: "Turn on the account-level S3 Block Public Access settings of the target's account (all four by " +
				"default), through S3 Control. Settings already on stay on; a setting given as false is left as it is.",
			Params: []Param{
				{Name: "block_public_acls", Type: Bool, Default: true, Description: "turn on BlockPublicAcls"},
				{Name: "ignore_public_acls", Type: Bool, Default: true, Description: "turn on IgnorePublicAcls"},
				{Name: "block_public_policy", Type: Bool, Default: true, Description: "turn on BlockPublicPolicy"},
				{Name: "restrict_public_buckets", Type: Bool, Default: true, Description: "turn on RestrictPublicBuckets"},
			},
			Reads: []string{"s3:GetAccountPublicAccessBlock"}, Writes: []string{"s3:PutAccountPublicAccessBlock"},
			Describe: func(in Input) string {
				return fmt.Sprintf("turn on %s of the account-level Block Public Access of account %s, which applies to every bucket in it",
					joinOr(wantedBlock(in).on(), ", ", "no Block Public Access setting"), in.Target.Account)
			},
			Run:    blockAccountPublicAccess,
			Verify: verifyAccountPublicAccessBlocked,
		},
		{
			Name: "s3.enable-default-encryption",
			Description: "Give a bucket default server-side encryption: SSE-S3 unless a KMS key is given. A bucket that " +
				"already encrypts by default is left as it is, whatever its key.",
			Params: []Param{
				bucketParam,
				{Name: "kms_key", Type: String, Default: "", Description: `the KMS key for SSE-KMS (key ID or ARN, alias name or ARN), "create" for rectify's own (alias/rectify-s3), or "" for SSE-S3`},
				{Name: "bucket_key", Type: Bool, Default: true, Description: "turn on the S3 Bucket Key, which cuts KMS requests, with SSE-KMS"},
			},
			Reads:  append([]string{"s3:GetEncryptionConfiguration"}, keyReads...),
			Writes: append([]string{"s3:PutEncryptionConfiguration"}, keyWrites...), ExtraPermissions: keyExtra,
			Describe: func(in Input) string {
				how := "SSE-S3 (AES256)"
				if k := in.String("kms_key"); k != "" {
					how = "SSE-KMS with " + keyWords(k, "s3")
				}
				return fmt.Sprintf("give bucket %s in account %s default encryption with %s, unless it already encrypts by default", in.String("bucket"), in.Target.Account, how)
			},
			Run:    enableDefaultEncryption,
			Verify: verifyDefaultEncryption,
		},
		{
			Name: "s3.require-secure-transport",
			Description: "Add to a bucket's policy a statement that denies every request made without TLS " +
				"(aws:SecureTransport false), keeping every other statement; a bucket without a policy gets one with that statement alone.",
			Params: []Param{bucketParam},
			Reads:  []string{"s3:GetBucketPolicy"}, Writes: []string{"s3:PutBucketPolicy"},
			Describe: func(in Input) string {
				return fmt.Sprintf("add a statement denying requests without TLS to the policy of bucket %s in account %s, keeping its other statements; plain-HTTP clients and the S3 website endpoint stop working",
					in.String("bucket"), in.Target.Account)
			},
			Run:    requireSecureTransport,
			Verify: verifySecureTransport,
		},
		{
			Name: "s3.deny-external-sensitive-actions",
			Description: "Find the principals of other AWS accounts that a bucket policy allows one of the sensitive actions " +
				"(by default changing the bucket's policy, ACLs or encryption) and add one statement denying them those actions, " +
				"keeping every other statement; their other access stays.",
			Params: []Param{
				bucketParam,
				{Name: "actions", Type: StringList, Default: []string{"s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration", "s3:PutObjectAcl"},
					Description: "the actions other accounts must not be allowed"},
			},
			Reads: []string{"s3:GetBucketPolicy"}, Writes: []string{"s3:PutBucketPolicy"},
			Describe: func(in Input) string {
				return fmt.Sprintf("add to the policy of bucket %s in account %s a statement denying principals of other accounts %s, where the policy allows them any of those",
					in.String("bucket"), in.Target.Account, strings.Join(in.StringList("actions"), ", "))
			},
			Run:    denyExternalSensitiveActions,
			Verify: verifyExternalSensitiveActionsDenied,
		},
		{
			Name: "s3.enable-access-logging",
			Description: "Turn on server access logging of a bucket into a log bucket of the same account and region, adding to " +
				"the log bucket's policy only the statement that lets the logging service write under the prefix (its ACL is " +
				`never touched). With target_bucket "create", rectify's log bucket rectify-access-logs-ACCOUNT-REGION is made if it does not exist.`,
			Params: []Param{
				bucketParam,
				{Name: "target_bucket", Type: String, Default: Create, Description: `the bucket to log into, or "create" for rectify's log bucket rectify-access-logs-ACCOUNT-REGION`},
				{Name: "target_prefix", Type: String, Default: "", Description: `the prefix of the log objects; "" means the bucket's name and a slash`},
			},
			Reads:  append([]string{"s3:GetBucketLogging", "s3:GetBucketLocation"}, ownedBucketReads...),
			Writes: append([]string{"s3:PutBucketLogging"}, ownedBucketWrites...),
			Describe: func(in Input) string {
				return fmt.Sprintf("turn on server access logging of bucket %s in account %s into %s under %s, adding the logging service's statement to its policy",
					in.String("bucket"), in.Target.Account, targetWords(in.String("target_bucket"), "rectify's log bucket rectify-access-logs-ACCOUNT-REGION (made if missing)"), logPrefix(in))
			},
			Run:    enableAccessLogging,
			Verify: verifyAccessLogging,
		},
		{
			Name: "s3.add-event-notification",
			Description: "Give a bucket an event notification to an SNS topic for the given event types, unless its existing " +
				"notifications (to topics, queues, functions or EventBridge) already cover them; existing notifications are kept. " +
				`With topic_arn "create", rectify's topic rectify-s3-event-notifications is made if it does not exist; the topic's policy gains ` +
				"a statement letting S3 publish for the account's buckets.",
			Params: []Param{
				bucketParam,
				{Name: "topic_arn", Type: String, Default: Create, Description: `the SNS topic to notify, in the bucket's region, or "create" for rectify's topic rectify-s3-event-notifications`},
				{Name: "events", Type: StringList, Default: []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}, Description: "the event types to notify"},
			},
			Reads:            append([]string{"s3:GetBucketNotification"}, topicReads...),
			Writes:           append([]string{"s3:PutBucketNotification", "sns:SetTopicAttributes"}, topicWrites...),
			ExtraPermissions: topicExtra,
			Describe: func(in Input) string {
				return fmt.Sprintf("add a notification of %s to %s to bucket %s in account %s unless its notifications cover them, keeping its existing notifications",
					strings.Join(in.StringList("events"), ", "), targetWords(in.String("topic_arn"), "rectify's SNS topic rectify-s3-event-notifications (made if missing)"),
					in.String("bucket"), in.Target.Account)
			},
			Run:    addEventNotification,
			Verify: verifyEventNotification,
		},
		{
			Name: "s3.add-lifecycle-rule",
			Description: "Add a lifecycle rule to a bucket that has no enabled one, keeping its existing rules: objects larger " +
				"than min_object_size move to storage_class after transition_days, and, only if expiration_days is set, expire. " +
				"A bucket with an enabled rule is left alone.",
			Params: []Param{
				bucketParam,
				{Name: "rule_id", Type: String, Default: "rectify-lifecycle", Description: "the new rule's ID"},
				{Name: "transition_days", Type: Int, Default: 30, Description: "days after creation before objects move to storage_class"},
				{Name: "storage_class", Type: String, Default: "INTELLIGENT_TIERING", Description: "the storage class objects move to"},
				{Name: "min_object_size", Type: Int, Default: 131072, Description: "only objects larger than this many bytes move"},
				{Name: "expiration_days", Type: Int, Default: 0, Description: "days after creation before objects are deleted; 0 deletes nothing"},
			},
			Reads: []string{"s3:GetLifecycleConfiguration"}, Writes: []string{"s3:PutLifecycleConfiguration"},
			Describe: func(in Input) string {
				exp := "deleting nothing"
				if d := in.Int("expiration_days"); d > 0 {
					exp = fmt.Sprintf("DELETING objects after %d days", d)
				}
				return fmt.Sprintf("add lifecycle rule %s to bucket %s in account %s unless it has an enabled rule: objects over %d bytes move to %s after %d days, %s; existing rules are kept",
					in.String("rule_id"), in.String("bucket"), in.Target.Account, in.Int("min_object_size"), in.String("storage_class"), in.Int("transition_days"), exp)
			},
			Run:    addLifecycleRule,
			Verify: verifyLifecycleRule,
		},
	}
}

// targetWords describes a parameter that names a resource or is "create".
func targetWords(v, created string) string {
	if v == Create {
		return created
	}
	return v
}

// keyWords describes a kms_key parameter.
func keyWords(v, purpose string) string {
	if v == Create {
		return "rectify's KMS key alias/rectify-" + purpose + " (made if missing)"
	}
	return "KMS key " + v
}

// Account-level Block Public Access (S3.1).

// s3ControlClient returns an S3 Control client. With an endpoint
// configured (a simulator, a VPC endpoint), requests go to it as it is:
// the SDK would otherwise put the account ID in front of its host.
func s3ControlClient(cfg aws.Config) *s3control.Client {
	return s3control.NewFromConfig(cfg, func(o *s3control.Options) {
		if cfg.BaseEndpoint == nil {
			return
		}
		if u, err := url.Parse(aws.ToString(cfg.BaseEndpoint)); err == nil {
			o.EndpointResolverV2 = fixedEndpoint{u: *u}
		}
	})
}

// fixedEndpoint resolves every request to one URL.
type fixedEndpoint struct{ u url.URL }

func (f fixedEndpoint) ResolveEndpoint(context.Context, s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	return smithyendpoints.Endpoint{URI: f.u}, nil
}

// accountBlock returns the account's Block Public Access settings; an
// account without a configuration has every setting off.
func accountBlock(ctx context.Context, in Input) (blockSettings, error) {
	got, err := s3ControlClient(in.AWS).GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(in.Target.Account)})
	switch {
	case HasCode(err, codeNoSuchPAB):
		return blockSettings{}, nil
	case err != nil:
		return blockSettings{}, fmt.Errorf("get Block Public Access of account %s: %w", in.Target.Account, err)
	}
	c := got.PublicAccessBlockConfiguration
	return blockSettings{
		BlockPublicAcls: aws.ToBool(c.BlockPublicAcls), IgnorePublicAcls: aws.ToBool(c.IgnorePublicAcls),
		BlockPublicPolicy: aws.ToBool(c.BlockPublicPolicy), RestrictPublicBuckets: aws.ToBool(c.RestrictPublicBuckets),
	}, nil
}

func blockAccountPublicAccess(ctx context.Context, in Input) (Result, error) {
	if !accountIDRE.MatchString(in.Target.Account) {
		return Result{}, Permanent(fmt.Errorf("the target names no account (%q): account-level Block Public Access needs one", in.Target.Account))
	}
	cur, err := accountBlock(ctx, in)
	if err != nil {
		return Result{}, err
	}
	next := cur.or(wantedBlock(in))
	if next == cur {
		return Result{Outcome: AlreadyDone,
			Message: fmt.Sprintf("account %s already has %s of Block Public Access on", in.Target.Account, joinOr(cur.on(), ", ", "every requested setting")),
			Output:  map[string]any{"enabled": []string{}, "settings": cur.on()}}, nil
	}
	_, err = s3ControlClient(in.AWS).PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(in.Target.Account),
		PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(next.BlockPublicAcls), IgnorePublicAcls: aws.Bool(next.IgnorePublicAcls),
			BlockPublicPolicy: aws.Bool(next.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(next.RestrictPublicBuckets),
		}})
	if err != nil {
		return Result{}, fmt.Errorf("put Block Public Access of account %s: %w", in.Target.Account, err)
	}
	enabled := slices.DeleteFunc(next.on(), func(s string) bool { return slices.Contains(cur.on(), s) })
	return Result{Outcome: Changed,
		Message: fmt.Sprintf("turned on %s of account %s's Block Public Access", strings.Join(enabled, ", "), in.Target.Account),
		Output:  map[string]any{"enabled": enabled, "settings": next.on()}}, nil
}

func verifyAccountPublicAccessBlocked(ctx context.Context, in Input, _ Result) error {
	cur, err := accountBlock(ctx, in)
	if err != nil {
		return err
	}
	if want := wantedBlock(in); cur.or(want) != cur {
		off := slices.DeleteFunc(want.on(), func(s string) bool { return slices.Contains(cur.on(), s) })
		return Mismatch("account %s has %s of Block Public Access off", in.Target.Account, strings.Join(off, ", "))
	}
	return nil
}

// Default encryption (S3.4).

// bucketEncryption returns the bucket's default encryption algorithm and
// KMS key, "" when it has none.
func bucketEncryption(ctx context.Context, cli *s3.Client, in Input, bucket string) (algorithm, key string, err error) {
	got, err := cli.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in)})
	switch {
	case HasCode(err, "ServerSideEncryptionConfigurationNotFoundError"):
		return "", "", nil
	case err != nil:
		return "", "", err
	}
	for _, r := range got.ServerSideEncryptionConfiguration.Rules {
		if d := r.ApplyServerSideEncryptionByDefault; d != nil {
			return string(d.SSEAlgorithm), aws.ToString(d.KMSMasterKeyID), nil
		}
	}
	return "", "", nil
}

func enableDefaultEncryption(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	out := map[string]any{"bucket": bucket, "algorithm": "", "kms_key": ""}
	alg, key, err := bucketEncryption(ctx, cli, in, bucket)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case err != nil:
		return Result{}, fmt.Errorf("get encryption of bucket %s: %w", bucket, err)
	}
	want := in.String("kms_key")
	if alg != "" && (want == "" || alg != string(s3types.ServerSideEncryptionAes256)) {
		out["algorithm"], out["kms_key"] = alg, key
		msg := fmt.Sprintf("bucket %s already encrypts by default with %s", bucket, alg)
		if key != "" {
			msg += " and key " + key
		}
		return Result{Outcome: AlreadyDone, Message: msg, Output: out}, nil
	}
	rule := s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}
	how := "SSE-S3 (AES256)"
	if want != "" {
		arn, note, err := ownedKey(ctx, in, want, keySpec{Param: "kms_key", Purpose: "s3"}, out)
		if err != nil {
			return Result{Output: out}, err
		}
		rule.ApplyServerSideEncryptionByDefault = &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(arn)}
		rule.BucketKeyEnabled = aws.Bool(in.Bool("bucket_key"))
		how = "SSE-KMS with " + note
		out["kms_key"] = arn
	}
	_, err = cli.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{rule}}})
	if HasCode(err, codeNoSuchBucket) {
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("put encryption of bucket %s: %w", bucket, err)
	}
	out["algorithm"] = string(rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm)
	was := "none"
	if alg != "" {
		was = alg
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("set default encryption of bucket %s to %s (was %s)", bucket, how, was), Output: out}, nil
}

func verifyDefaultEncryption(ctx context.Context, in Input, res Result) error {
	bucket := in.String("bucket")
	alg, key, err := bucketEncryption(ctx, s3.NewFromConfig(in.AWS), in, bucket)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Mismatch("%s", bucketMissing(bucket))
	case err != nil:
		return fmt.Errorf("get encryption of bucket %s: %w", bucket, err)
	case alg == "":
		return Mismatch("bucket %s has no default encryption", bucket)
	}
	if want, _ := res.Output["kms_key"].(string); want != "" && key != want && in.String("kms_key") != "" {
		return Mismatch("bucket %s encrypts with %s key %q, not %s", bucket, alg, key, want)
	}
	return nil
}

// Requiring TLS (S3.5).

// bucketPolicy returns a bucket's policy, "" when it has none.
func bucketPolicy(ctx context.Context, cli *s3.Client, in Input, bucket string) (string, error) {
	got, err := cli.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in)})
	switch {
	case HasCode(err, codeNoSuchBucketPolicy):
		return "", nil
	case err != nil:
		return "", err
	}
	return aws.ToString(got.Policy), nil
}

// policyHas reports whether doc has a statement that covers st.
func policyHas(doc string, st map[string]any) (bool, error) {
	_, added, err := withStatements(doc, []map[string]any{st})
	return err == nil && len(added) == 0 && strings.TrimSpace(doc) != "", err
}

func requireSecureTransport(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	out := map[string]any{"bucket": bucket, "added_sid": ""}
	doc, err := bucketPolicy(ctx, cli, in, bucket)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case err != nil:
		return Result{}, fmt.Errorf("get policy of bucket %s: %w", bucket, err)
	}
	next, added, err := withStatements(doc, []map[string]any{secureTransportStatement(partitionOf(in), bucket)})
	if err != nil {
		return Result{}, Permanent(fmt.Errorf("policy of bucket %s: %w", bucket, err))
	}
	if len(added) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("the policy of bucket %s already denies requests without TLS", bucket), Output: out}, nil
	}
	if len(next) > 20*1024 {
		return Result{}, Permanent(fmt.Errorf("the policy of bucket %s would be %d bytes with the new statement, over S3's 20 KB limit", bucket, len(next)))
	}
	_, err = cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(next), ExpectedBucketOwner: expectedOwner(in)})
	if HasCode(err, codeNoSuchBucket) {
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("put policy of bucket %s: %w", bucket, err)
	}
	out["added_sid"] = added[0]
	kept := "a new policy"
	if n := statementCount(doc); n > 0 {
		kept = fmt.Sprintf("its %d other statement(s) kept", n)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("added statement %s denying requests without TLS to bucket %s's policy (%s)", added[0], bucket, kept), Output: out}, nil
}

// statementCount returns the number of statements of a policy, 0 for none.
func statementCount(doc string) int {
	if strings.TrimSpace(doc) == "" {
		return 0
	}
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return 0
	}
	var list []json.RawMessage
	if json.Unmarshal(p.Statement, &list) == nil {
		return len(list)
	}
	return 1
}

func verifySecureTransport(ctx context.Context, in Input, _ Result) error {
	bucket := in.String("bucket")
	doc, err := bucketPolicy(ctx, s3.NewFromConfig(in.AWS), in, bucket)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Mismatch("%s", bucketMissing(bucket))
	case err != nil:
		return fmt.Errorf("get policy of bucket %s: %w", bucket, err)
	}
	if ok, err := policyHas(doc, secureTransportStatement(partitionOf(in), bucket)); err != nil || !ok {
		return Mismatch("the policy of bucket %s does not deny requests without TLS", bucket)
	}
	return nil
}

// Other accounts' sensitive actions (S3.6).

// externalSensitive returns the principals of other accounts than owner
// that a policy allows one of actions, sorted: ARNs, and accounts named by
// ID as the root ARN of the account.
func externalSensitive(doc, owner, partition string, actions []string) ([]string, error) {
	var p struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("policy is not JSON: %w", err)
	}
	var stmts []map[string]any
	if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		var one map[string]any
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return nil, fmt.Errorf("Statement: want an object or a list of objects")
		}
		stmts = []map[string]any{one}
	}
	seen := map[string]bool{}
	for _, st := range stmts {
		if !strings.EqualFold(fmt.Sprint(st["Effect"]), "Allow") {
			continue
		}
		allowed := jsonStrings(st["Action"])
		if !slices.ContainsFunc(actions, func(a string) bool {
			return slices.ContainsFunc(allowed, func(p string) bool { return iamMatch(p, a) })
		}) {
			continue
		}
		for _, id := range principalSet(st["Principal"])["AWS"] {
			if id == "*" {
				continue
			}
			acct := id
			if a, ok := parseARN(id); ok {
				acct = a.Account
			} else if accountIDRE.MatchString(id) {
				id = "arn:" + partition + ":iam::" + id + ":root"
			} else {
				continue
			}
			if acct != owner {
				seen[id] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// denyExternalStatement is the statement denying principals actions on
// bucket.
func denyExternalStatement(partition, bucket string, principals, actions []string) map[string]any {
	arn := "arn:" + partition + ":s3:::" + bucket
	return map[string]any{"Sid": "DenyOtherAccountsSensitiveActions", "Effect": "Deny",
		"Principal": map[string]any{"AWS": principals}, "Action": actions, "Resource": []string{arn, arn + "/*"}}
}

func denyExternalSensitiveActions(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	out := map[string]any{"bucket": bucket, "denied_principals": []string{}}
	doc, err := bucketPolicy(ctx, cli, in, bucket)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case err != nil:
		return Result{}, fmt.Errorf("get policy of bucket %s: %w", bucket, err)
	case doc == "":
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("bucket %s has no policy, so no other account is allowed anything", bucket), Output: out}, nil
	}
	actions := in.StringList("actions")
	principals, err := externalSensitive(doc, in.Target.Account, partitionOf(in), actions)
	if err != nil {
		return Result{}, Permanent(fmt.Errorf("policy of bucket %s: %w", bucket, err))
	}
	if len(principals) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("the policy of bucket %s allows no principal of another account %s", bucket, strings.Join(actions, ", ")), Output: out}, nil
	}
	next, added, err := withStatements(doc, []map[string]any{denyExternalStatement(partitionOf(in), bucket, principals, actions)})
	if err != nil {
		return Result{}, Permanent(fmt.Errorf("policy of bucket %s: %w", bucket, err))
	}
	out["denied_principals"] = principals
	if len(added) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("the policy of bucket %s already denies %s to %s", bucket, strings.Join(actions, ", "), strings.Join(principals, ", ")), Output: out}, nil
	}
	_, err = cli.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(next), ExpectedBucketOwner: expectedOwner(in)})
	if HasCode(err, codeNoSuchBucket) {
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("put policy of bucket %s: %w", bucket, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("added statement %s to bucket %s's policy denying %s to %s; its other statements are kept",
		added[0], bucket, strings.Join(actions, ", "), strings.Join(principals, ", ")), Output: out}, nil
}

func verifyExternalSensitiveActionsDenied(ctx context.Context, in Input, res Result) error {
	bucket := in.String("bucket")
	doc, err := bucketPolicy(ctx, s3.NewFromConfig(in.AWS), in, bucket)
	if err != nil {
		if HasCode(err, codeNoSuchBucket) {
			return Mismatch("%s", bucketMissing(bucket))
		}
		return fmt.Errorf("get policy of bucket %s: %w", bucket, err)
	}
	principals := outputStrings(res.Output["denied_principals"])
	if len(principals) == 0 {
		return nil
	}
	if ok, _ := policyHas(doc, denyExternalStatement(partitionOf(in), bucket, principals, in.StringList("actions"))); !ok {
		return Mismatch("the policy of bucket %s does not deny %s to %s", bucket, strings.Join(in.StringList("actions"), ", "), strings.Join(principals, ", "))
	}
	return nil
}

// Server access logging (S3.9).

// logPrefix returns the log objects' prefix.
func logPrefix(in Input) string {
	if p := in.String("target_prefix"); p != "" {
		return p
	}
	return in.String("bucket") + "/"
}

// bucketRegion returns the region a bucket is in.
func bucketRegion(ctx context.Context, cli *s3.Client, in Input, bucket string) (string, error) {
	got, err := cli.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in)})
	if err != nil {
		return "", err
	}
	switch got.LocationConstraint {
	case "":
		return "us-east-1", nil
	case "EU":
		return "eu-west-1", nil
	}
	return string(got.LocationConstraint), nil
}

// loggingStatement is the statement that lets the logging service write
// bucket's logs into target under prefix.
func loggingStatement(in Input, bucket, target, prefix string) map[string]any {
	p := partitionOf(in)
	return map[string]any{"Sid": "S3ServerAccessLogs", "Effect": "Allow",
		"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
		"Resource": "arn:" + p + ":s3:::" + target + "/" + prefix + "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": "arn:" + p + ":s3:::" + bucket},
			"StringEquals": map[string]any{"aws:SourceAccount": in.Target.Account}}}
}

func enableAccessLogging(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	owner := expectedOwner(in)
	out := map[string]any{"bucket": bucket, "target_bucket": "", "target_prefix": "", "policy_statements_added": []string{}}
	got, err := cli.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner})
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case err != nil:
		return Result{}, fmt.Errorf("get logging of bucket %s: %w", bucket, err)
	case got.LoggingEnabled != nil:
		out["target_bucket"], out["target_prefix"] = aws.ToString(got.LoggingEnabled.TargetBucket), aws.ToString(got.LoggingEnabled.TargetPrefix)
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("bucket %s already logs its access into %s under %q", bucket,
			aws.ToString(got.LoggingEnabled.TargetBucket), aws.ToString(got.LoggingEnabled.TargetPrefix)), Output: out}, nil
	}
	region, err := bucketRegion(ctx, cli, in, bucket)
	if err != nil {
		return Result{}, fmt.Errorf("get region of bucket %s: %w", bucket, err)
	}
	target, prefix := in.String("target_bucket"), logPrefix(in)
	if target == Create {
		target = "rectify-access-logs-" + in.Target.Account + "-" + region
	}
	if target == bucket {
		return Result{}, errParam("s3.enable-access-logging", "target_bucket", target,
			"bucket %s would log into itself, adding a log object for every log object: set target_bucket to another bucket", bucket)
	}
	out["target_bucket"], out["target_prefix"] = target, prefix
	statement := loggingStatement(in, bucket, target, prefix)
	var added []string
	if in.String("target_bucket") == Create {
		if _, err := ownedBucket(ctx, cli, in, target, region, "target_bucket", "s3-access-logs", []map[string]any{statement}, out); err != nil {
			return Result{Output: out}, err
		}
	} else {
		treg, err := bucketRegion(ctx, cli, in, target)
		switch {
		case HasCode(err, codeNoSuchBucket):
			return Result{}, errParam("s3.enable-access-logging", "target_bucket", target, "bucket %s does not exist in account %s", target, in.Target.Account)
		case err != nil:
			return Result{}, fmt.Errorf("get region of log bucket %s: %w", target, err)
		case treg != region:
			return Result{}, errParam("s3.enable-access-logging", "target_bucket", target, "log bucket %s is in %s, bucket %s in %s: S3 logs only within a region", target, treg, bucket, region)
		}
		if added, err = addBucketStatements(ctx, cli, in, target, []map[string]any{statement}); err != nil {
			return Result{}, err
		}
		out["policy_statements_added"] = added
	}
	_, err = cli.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner,
		BucketLoggingStatus: &s3types.BucketLoggingStatus{LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String(target), TargetPrefix: aws.String(prefix)}}})
	if err != nil {
		return Result{Output: out}, fmt.Errorf("turn on logging of bucket %s into %s: %w", bucket, target, err)
	}
	msg := fmt.Sprintf("turned on server access logging of bucket %s into %s under %s", bucket, target, prefix)
	if created := createdList(out); len(created) > 0 {
		msg += "; made rectify's log bucket " + target
	} else if len(added) > 0 {
		msg += fmt.Sprintf("; added statement %s for the logging service to %s's policy", strings.Join(added, ", "), target)
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyAccessLogging(ctx context.Context, in Input, res Result) error {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	got, err := cli.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in)})
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Mismatch("%s", bucketMissing(bucket))
	case err != nil:
		return fmt.Errorf("get logging of bucket %s: %w", bucket, err)
	case got.LoggingEnabled == nil:
		return Mismatch("bucket %s does not log its access", bucket)
	}
	target, _ := res.Output["target_bucket"].(string)
	if t := aws.ToString(got.LoggingEnabled.TargetBucket); target != "" && t != target {
		return Mismatch("bucket %s logs into %s, not %s", bucket, t, target)
	}
	return nil
}

// Event notifications (S3.11).

// notificationCovers reports whether a bucket's notifications cover every
// event type of want: EventBridge covers them all, a configuration covers
// the types its own (with wildcards) match.
func notificationCovers(n *s3.GetBucketNotificationConfigurationOutput, want []string) (bool, []string) {
	if n.EventBridgeConfiguration != nil {
		return true, nil
	}
	var have []string
	for _, c := range n.TopicConfigurations {
		have = append(have, eventStrings(c.Events)...)
	}
	for _, c := range n.QueueConfigurations {
		have = append(have, eventStrings(c.Events)...)
	}
	for _, c := range n.LambdaFunctionConfigurations {
		have = append(have, eventStrings(c.Events)...)
	}
	var missing []string
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return iamMatch(h, w) }) {
			missing = append(missing, w)
		}
	}
	return len(missing) == 0, missing
}

func eventStrings(events []s3types.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = string(e)
	}
	return out
}

// publishStatement lets S3 publish to topic for the account's buckets.
func publishStatement(topic, account string) map[string]any {
	return map[string]any{"Sid": "AllowS3EventNotifications", "Effect": "Allow",
		"Principal": map[string]any{"Service": "s3.amazonaws.com"}, "Action": "SNS:Publish", "Resource": topic,
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}}}
}

func addEventNotification(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	owner := expectedOwner(in)
	out := map[string]any{"bucket": bucket, "topic_arn": "", "configuration_id": ""}
	cur, err := cli.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner})
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case err != nil:
		return Result{}, fmt.Errorf("get notifications of bucket %s: %w", bucket, err)
	}
	want := in.StringList("events")
	covered, missing := notificationCovers(cur, want)
	if covered {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("the notifications of bucket %s already cover %s", bucket, strings.Join(want, ", ")), Output: out}, nil
	}
	topic := in.String("topic_arn")
	if topic == Create {
		if topic, _, err = ownedTopic(ctx, in, "rectify-s3-event-notifications", "topic_arn", "s3-event-notifications", out); err != nil {
			return Result{Output: out}, err
		}
	} else if a, ok := parseARN(topic); !ok || a.Service != "sns" {
		return Result{}, errParam("s3.add-event-notification", "topic_arn", topic, "want the ARN of an SNS topic or %q", Create)
	}
	out["topic_arn"] = topic
	snsCli := sns.NewFromConfig(in.AWS)
	attrs, err := snsCli.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	if IsNotFound(err, "NotFound") {
		return Result{}, errParam("s3.add-event-notification", "topic_arn", topic, "SNS topic %s does not exist in %s", topic, regionOf(in))
	}
	if err != nil {
		return Result{}, fmt.Errorf("get SNS topic %s: %w", topic, err)
	}
	next, added, err := withStatements(attrs.Attributes["Policy"], []map[string]any{publishStatement(topic, in.Target.Account)})
	if err != nil {
		return Result{}, Permanent(fmt.Errorf("policy of SNS topic %s: %w", topic, err))
	}
	if len(added) > 0 {
		if _, err := snsCli.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(topic), AttributeName: aws.String("Policy"), AttributeValue: aws.String(next)}); err != nil {
			return Result{}, fmt.Errorf("let S3 publish to SNS topic %s: %w", topic, err)
		}
	}
	id := "rectify-notification"
	for n := 2; slices.ContainsFunc(cur.TopicConfigurations, func(c s3types.TopicConfiguration) bool { return aws.ToString(c.Id) == id }); n++ {
		id = fmt.Sprintf("rectify-notification-%d", n)
	}
	conf := &s3types.NotificationConfiguration{
		TopicConfigurations:          cur.TopicConfigurations,
		QueueConfigurations:          cur.QueueConfigurations,
		LambdaFunctionConfigurations: cur.LambdaFunctionConfigurations,
		EventBridgeConfiguration:     cur.EventBridgeConfiguration,
	}
	var events []s3types.Event
	for _, e := range missing {
		events = append(events, s3types.Event(e))
	}
	conf.TopicConfigurations = append(slices.Clone(conf.TopicConfigurations), s3types.TopicConfiguration{Id: aws.String(id), TopicArn: aws.String(topic), Events: events})
	_, err = cli.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(bucket), ExpectedBucketOwner: owner, NotificationConfiguration: conf})
	if err != nil {
		return Result{Output: out}, fmt.Errorf("put notifications of bucket %s: %w", bucket, err)
	}
	out["configuration_id"] = id
	kept := len(cur.TopicConfigurations) + len(cur.QueueConfigurations) + len(cur.LambdaFunctionConfigurations)
	msg := fmt.Sprintf("added notification %s of %s to %s to bucket %s; %d existing notification(s) kept", id, strings.Join(missing, ", "), topic, bucket, kept)
	if len(createdList(out)) > 0 {
		msg += "; made rectify's topic " + topic
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyEventNotification(ctx context.Context, in Input, _ Result) error {
	bucket := in.String("bucket")
	cur, err := s3.NewFromConfig(in.AWS).GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in)})
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Mismatch("%s", bucketMissing(bucket))
	case err != nil:
		return fmt.Errorf("get notifications of bucket %s: %w", bucket, err)
	}
	if ok, missing := notificationCovers(cur, in.StringList("events")); !ok {
		return Mismatch("the notifications of bucket %s do not cover %s", bucket, strings.Join(missing, ", "))
	}
	return nil
}

// Lifecycle rules (S3.13).

// lifecycleRules returns a bucket's lifecycle rules, none when it has no
// configuration.
func lifecycleRules(ctx context.Context, cli *s3.Client, in Input, bucket string) ([]s3types.LifecycleRule, error) {
	got, err := cli.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in)})
	switch {
	case HasCode(err, "NoSuchLifecycleConfiguration"):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return got.Rules, nil
}

func enabledRule(rules []s3types.LifecycleRule) string {
	for _, r := range rules {
		if r.Status == s3types.ExpirationStatusEnabled {
			return orWord(aws.ToString(r.ID), "(without an ID)")
		}
	}
	return ""
}

func addLifecycleRule(ctx context.Context, in Input) (Result, error) {
	bucket := in.String("bucket")
	cli := s3.NewFromConfig(in.AWS)
	id := in.String("rule_id")
	out := map[string]any{"bucket": bucket, "rule_id": ""}
	rules, err := lifecycleRules(ctx, cli, in, bucket)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case err != nil:
		return Result{}, fmt.Errorf("get lifecycle of bucket %s: %w", bucket, err)
	}
	if r := enabledRule(rules); r != "" {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("bucket %s already has enabled lifecycle rule %s", bucket, r), Output: out}, nil
	}
	if id == "" || len(id) > 255 {
		return Result{}, errParam("s3.add-lifecycle-rule", "rule_id", id, "want 1 to 255 characters")
	}
	next := slices.Clone(rules)
	verb := "added"
	if i := slices.IndexFunc(next, func(r s3types.LifecycleRule) bool { return aws.ToString(r.ID) == id }); i >= 0 {
		// rectify's own rule, disabled since: enable it again.
		next[i].Status = s3types.ExpirationStatusEnabled
		verb = "enabled again"
	} else {
		if in.Int("transition_days") < 0 || in.Int("expiration_days") < 0 {
			return Result{}, errParam("s3.add-lifecycle-rule", "transition_days", in.Int("transition_days"), "days cannot be negative")
		}
		rule := s3types.LifecycleRule{ID: aws.String(id), Status: s3types.ExpirationStatusEnabled,
			Filter: &s3types.LifecycleRuleFilter{ObjectSizeGreaterThan: aws.Int64(int64(in.Int("min_object_size")))},
			Transitions: []s3types.Transition{{Days: aws.Int32(int32(in.Int("transition_days"))),
				StorageClass: s3types.TransitionStorageClass(in.String("storage_class"))}}}
		if d := in.Int("expiration_days"); d > 0 {
			rule.Expiration = &s3types.LifecycleExpiration{Days: aws.Int32(int32(d))}
		}
		next = append(next, rule)
	}
	_, err = cli.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(bucket), ExpectedBucketOwner: expectedOwner(in),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: next}})
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Result{Outcome: NotFound, Message: bucketMissing(bucket), Output: out}, nil
	case HasCode(err, "InvalidArgument", "MalformedXML", "InvalidRequest"):
		return Result{}, Permanent(fmt.Errorf("put lifecycle of bucket %s: %w", bucket, err))
	case err != nil:
		return Result{}, fmt.Errorf("put lifecycle of bucket %s: %w", bucket, err)
	}
	out["rule_id"] = id
	return Result{Outcome: Changed, Message: fmt.Sprintf("%s lifecycle rule %s of bucket %s; %d other rule(s) kept", verb, id, bucket, len(next)-1), Output: out}, nil
}

func verifyLifecycleRule(ctx context.Context, in Input, _ Result) error {
	bucket := in.String("bucket")
	rules, err := lifecycleRules(ctx, s3.NewFromConfig(in.AWS), in, bucket)
	switch {
	case HasCode(err, codeNoSuchBucket):
		return Mismatch("%s", bucketMissing(bucket))
	case err != nil:
		return fmt.Errorf("get lifecycle of bucket %s: %w", bucket, err)
	case enabledRule(rules) == "":
		return Mismatch("bucket %s has no enabled lifecycle rule (%d rule(s))", bucket, len(rules))
	}
	return nil
}
