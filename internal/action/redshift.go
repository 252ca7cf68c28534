package action

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Redshift actions of the Security Hub controls: public clusters
// (Redshift.1), automated snapshots (Redshift.3), audit logging
// (Redshift.4) and version upgrades (Redshift.6).

var redshiftClusterParam = Param{Name: "cluster", Type: String, Required: true, Description: "the cluster, by identifier or ARN"}

func redshiftActions() []Spec {
	return []Spec{
		{
			Name:        "redshift.disable-public-access",
			Description: "Make a Redshift cluster not publicly accessible: clients outside its VPC lose their connection.",
			Params:      []Param{redshiftClusterParam},
			Reads:       []string{"redshift:DescribeClusters"}, Writes: []string{"redshift:ModifyCluster"},
			Describe: func(in Input) string {
				return fmt.Sprintf("make Redshift cluster %s in account %s not publicly accessible; clients outside its VPC lose access", in.String("cluster"), in.Target.Account)
			},
			Run: func(ctx context.Context, in Input) (Result, error) {
				return modifyRedshift(ctx, in, "not publicly accessible", func(c *rstypes.Cluster) bool { return !aws.ToBool(c.PubliclyAccessible) },
					func(m *redshift.ModifyClusterInput) { m.PubliclyAccessible = aws.Bool(false) })
			},
			Verify: func(ctx context.Context, in Input, _ Result) error {
				return verifyRedshift(ctx, in, "publicly accessible", func(c *rstypes.Cluster) bool { return !aws.ToBool(c.PubliclyAccessible) })
			},
		},
		{
			Name: "redshift.set-snapshot-retention",
			Description: "Keep a Redshift cluster's automated snapshots at least min_days days, raising a shorter retention " +
				"(or turning automated snapshots on); a longer one is kept. Snapshot storage is billed.",
			Params: []Param{redshiftClusterParam, {Name: "min_days", Type: Int, Default: 7, Description: "the fewest days to keep automated snapshots (1 to 35)"}},
			Reads:  []string{"redshift:DescribeClusters"}, Writes: []string{"redshift:ModifyCluster"},
			Describe: func(in Input) string {
				return fmt.Sprintf("keep automated snapshots of Redshift cluster %s in account %s at least %d days", in.String("cluster"), in.Target.Account, in.Int("min_days"))
			},
			Run:    setSnapshotRetention,
			Verify: verifySnapshotRetention,
		},
		{
			Name: "redshift.enable-audit-logging",
			Description: "Turn on audit logging of a Redshift cluster: to CloudWatch Logs by default, which needs nothing " +
				`beforehand, or to an S3 bucket, whose policy gains the statement letting Redshift write (bucket "create" makes rectify's ` +
				"bucket rectify-redshift-audit-logs-ACCOUNT-REGION). A cluster that logs already is left as it is.",
			Params: []Param{
				redshiftClusterParam,
				{Name: "destination", Type: String, Default: "cloudwatch", Description: `where the logs go: "cloudwatch" or "s3"`},
				{Name: "bucket", Type: String, Default: "", Description: `the S3 bucket for destination s3, or "create" for rectify's rectify-redshift-audit-logs-ACCOUNT-REGION`},
				{Name: "prefix", Type: String, Default: "", Description: "the key prefix of the log objects in S3"},
				{Name: "log_exports", Type: StringList, Default: []string{"connectionlog", "userlog", "useractivitylog"}, Description: "the logs to export to CloudWatch Logs"},
			},
			Reads:  append([]string{"redshift:DescribeLoggingStatus", "redshift:DescribeClusters"}, ownedBucketReads...),
			Writes: append([]string{"redshift:EnableLogging"}, ownedBucketWrites...),
			Describe: func(in Input) string {
				to := "CloudWatch Logs (" + strings.Join(in.StringList("log_exports"), ", ") + ")"
				if in.String("destination") == "s3" {
					to = targetWords(in.String("bucket"), "rectify's bucket rectify-redshift-audit-logs-ACCOUNT-REGION (made if missing)")
				}
				return fmt.Sprintf("turn on audit logging of Redshift cluster %s in account %s to %s, unless it logs already", in.String("cluster"), in.Target.Account, to)
			},
			Run:    enableRedshiftLogging,
			Verify: verifyRedshiftLogging,
		},
		{
			Name: "redshift.enable-version-upgrade",
			Description: "Let a Redshift cluster take engine version upgrades in its maintenance window (AllowVersionUpgrade); " +
				"the cluster restarts then.",
			Params: []Param{redshiftClusterParam},
			Reads:  []string{"redshift:DescribeClusters"}, Writes: []string{"redshift:ModifyCluster"},
			Describe: func(in Input) string {
				return fmt.Sprintf("let Redshift cluster %s in account %s take version upgrades in its maintenance window", in.String("cluster"), in.Target.Account)
			},
			Run: func(ctx context.Context, in Input) (Result, error) {
				return modifyRedshift(ctx, in, "allowed version upgrades", func(c *rstypes.Cluster) bool { return aws.ToBool(c.AllowVersionUpgrade) },
					func(m *redshift.ModifyClusterInput) { m.AllowVersionUpgrade = aws.Bool(true) })
			},
			Verify: func(ctx context.Context, in Input, _ Result) error {
				return verifyRedshift(ctx, in, "not allowed version upgrades", func(c *rstypes.Cluster) bool { return aws.ToBool(c.AllowVersionUpgrade) })
			},
		},
	}
}

// redshiftID returns the cluster identifier of an identifier or ARN.
func redshiftID(ref string) string {
	if a, ok := parseARN(ref); ok && a.Service == "redshift" {
		if id, ok := strings.CutPrefix(a.Resource, "cluster:"); ok {
			return id
		}
	}
	return ref
}

// redshiftCluster returns a cluster, nil if it does not exist.
func redshiftCluster(ctx context.Context, cli *redshift.Client, ref string) (*rstypes.Cluster, error) {
	id := redshiftID(ref)
	got, err := cli.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(id)})
	switch {
	case IsNotFound(err, "ClusterNotFound"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe Redshift cluster %s: %w", id, err)
	case len(got.Clusters) == 0:
		return nil, nil
	}
	return &got.Clusters[0], nil
}

func redshiftMissing(ref string) string {
	return fmt.Sprintf("Redshift cluster %s does not exist", redshiftID(ref))
}

// modifyRedshift changes a cluster with set unless done says it needs
// nothing.
func modifyRedshift(ctx context.Context, in Input, state string, done func(*rstypes.Cluster) bool, set func(*redshift.ModifyClusterInput)) (Result, error) {
	ref := in.String("cluster")
	cli := redshift.NewFromConfig(in.AWS)
	out := map[string]any{"cluster": redshiftID(ref)}
	c, err := redshiftCluster(ctx, cli, ref)
	switch {
	case err != nil:
		return Result{}, err
	case c == nil:
		return Result{Outcome: NotFound, Message: redshiftMissing(ref), Output: out}, nil
	case done(c):
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("Redshift cluster %s is already %s", redshiftID(ref), state), Output: out}, nil
	}
	m := &redshift.ModifyClusterInput{ClusterIdentifier: c.ClusterIdentifier}
	set(m)
	if _, err := cli.ModifyCluster(ctx, m); err != nil {
		if HasCode(err, "InvalidClusterState") {
			return Result{}, RetryLater(fmt.Errorf("modify Redshift cluster %s: %w", redshiftID(ref), err), 5*time.Minute)
		}
		return Result{}, fmt.Errorf("modify Redshift cluster %s: %w", redshiftID(ref), err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("made Redshift cluster %s %s", redshiftID(ref), state), Output: out}, nil
}

func verifyRedshift(ctx context.Context, in Input, bad string, done func(*rstypes.Cluster) bool) error {
	c, err := redshiftCluster(ctx, redshift.NewFromConfig(in.AWS), in.String("cluster"))
	switch {
	case err != nil:
		return err
	case c == nil:
		return Mismatch("%s", redshiftMissing(in.String("cluster")))
	case !done(c):
		return Mismatch("Redshift cluster %s is %s", redshiftID(in.String("cluster")), bad)
	}
	return nil
}

func setSnapshotRetention(ctx context.Context, in Input) (Result, error) {
	min := in.Int("min_days")
	if min < 1 || min > 35 {
		return Result{}, errParam("redshift.set-snapshot-retention", "min_days", min, "want 1 to 35 days")
	}
	ref := in.String("cluster")
	c, err := redshiftCluster(ctx, redshift.NewFromConfig(in.AWS), ref)
	if err != nil {
		return Result{}, err
	}
	was := 0
	if c != nil {
		was = int(aws.ToInt32(c.AutomatedSnapshotRetentionPeriod))
	}
	res, err := modifyRedshift(ctx, in, fmt.Sprintf("keeping automated snapshots at least %d days", min),
		func(c *rstypes.Cluster) bool { return int(aws.ToInt32(c.AutomatedSnapshotRetentionPeriod)) >= min },
		func(m *redshift.ModifyClusterInput) { m.AutomatedSnapshotRetentionPeriod = aws.Int32(int32(min)) })
	if res.Outcome == Changed {
		res.Message = fmt.Sprintf("set the automated snapshot retention of Redshift cluster %s to %d days (was %d)", redshiftID(ref), min, was)
	}
	return res, err
}

func verifySnapshotRetention(ctx context.Context, in Input, _ Result) error {
	c, err := redshiftCluster(ctx, redshift.NewFromConfig(in.AWS), in.String("cluster"))
	switch {
	case err != nil:
		return err
	case c == nil:
		return Mismatch("%s", redshiftMissing(in.String("cluster")))
	case int(aws.ToInt32(c.AutomatedSnapshotRetentionPeriod)) < in.Int("min_days"):
		return Mismatch("Redshift cluster %s keeps automated snapshots %d days", redshiftID(in.String("cluster")), aws.ToInt32(c.AutomatedSnapshotRetentionPeriod))
	}
	return nil
}

// auditStatements let Redshift write audit logs into bucket under prefix.
func auditStatements(in Input, bucket, prefix string) []map[string]any {
	p := partitionOf(in)
	cond := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": in.Target.Account}}
	return []map[string]any{
		{"Sid": "RedshiftAuditLogsAcl", "Effect": "Allow", "Principal": map[string]any{"Service": "redshift.amazonaws.com"},
			"Action": "s3:GetBucketAcl", "Resource": "arn:" + p + ":s3:::" + bucket, "Condition": cond},
		{"Sid": "RedshiftAuditLogsWrite", "Effect": "Allow", "Principal": map[string]any{"Service": "redshift.amazonaws.com"},
			"Action": "s3:PutObject", "Resource": "arn:" + p + ":s3:::" + bucket + "/" + prefix + "*", "Condition": cond},
	}
}

var redshiftLogTypes = []string{"connectionlog", "userlog", "useractivitylog"}

func enableRedshiftLogging(ctx context.Context, in Input) (Result, error) {
	ref := in.String("cluster")
	id := redshiftID(ref)
	cli := redshift.NewFromConfig(in.AWS)
	out := map[string]any{"cluster": id, "destination": ""}
	dest := in.String("destination")
	if dest != "cloudwatch" && dest != "s3" {
		return Result{}, errParam("redshift.enable-audit-logging", "destination", dest, `want "cloudwatch" or "s3"`)
	}
	for _, e := range in.StringList("log_exports") {
		if !slices.Contains(redshiftLogTypes, e) {
			return Result{}, errParam("redshift.enable-audit-logging", "log_exports", e, "want connectionlog, userlog or useractivitylog")
		}
	}
	st, err := cli.DescribeLoggingStatus(ctx, &redshift.DescribeLoggingStatusInput{ClusterIdentifier: aws.String(id)})
	switch {
	case IsNotFound(err, "ClusterNotFound"):
		return Result{Outcome: NotFound, Message: redshiftMissing(ref), Output: out}, nil
	case err != nil:
		return Result{}, fmt.Errorf("describe logging of Redshift cluster %s: %w", id, err)
	case aws.ToBool(st.LoggingEnabled):
		out["destination"] = string(st.LogDestinationType)
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("Redshift cluster %s already logs to %s", id, orWord(string(st.LogDestinationType), "s3")), Output: out}, nil
	}
	enable := &redshift.EnableLoggingInput{ClusterIdentifier: aws.String(id)}
	to := "CloudWatch Logs"
	if dest == "cloudwatch" {
		if len(in.StringList("log_exports")) == 0 {
			return Result{}, errParam("redshift.enable-audit-logging", "log_exports", in.StringList("log_exports"), "want at least one log for CloudWatch Logs")
		}
		enable.LogDestinationType, enable.LogExports = rstypes.LogDestinationTypeCloudwatch, in.StringList("log_exports")
	} else {
		bucket, prefix := in.String("bucket"), in.String("prefix")
		s3cli := s3.NewFromConfig(in.AWS)
		switch bucket {
		case "":
			return Result{}, errParam("redshift.enable-audit-logging", "bucket", bucket, "destination s3 needs a bucket: set bucket to one in %s, or to %q", regionOf(in), Create)
		case Create:
			bucket = "rectify-redshift-audit-logs-" + in.Target.Account + "-" + regionOf(in)
			if _, err := ownedBucket(ctx, s3cli, in, bucket, regionOf(in), "bucket", "redshift-audit-logs", auditStatements(in, bucket, prefix), out); err != nil {
				return Result{Output: out}, err
			}
		default:
			added, err := addBucketStatements(ctx, s3cli, in, bucket, auditStatements(in, bucket, prefix))
			if HasCode(err, codeNoSuchBucket) {
				return Result{}, errParam("redshift.enable-audit-logging", "bucket", bucket, "bucket %s does not exist in account %s", bucket, in.Target.Account)
			}
			if err != nil {
				return Result{}, err
			}
			out["policy_statements_added"] = added
		}
		enable.LogDestinationType, enable.BucketName = rstypes.LogDestinationTypeS3, aws.String(bucket)
		if prefix != "" {
			enable.S3KeyPrefix = aws.String(prefix)
		}
		to = "S3 bucket " + bucket
	}
	_, err = cli.EnableLogging(ctx, enable)
	switch {
	case HasCode(err, "BucketNotFoundFault", "InsufficientS3BucketPolicyFault", "InvalidS3BucketNameFault", "InvalidS3KeyPrefixFault"):
		return Result{Output: out}, Permanent(fmt.Errorf("turn on audit logging of Redshift cluster %s: %w", id, err))
	case err != nil:
		return Result{Output: out}, fmt.Errorf("turn on audit logging of Redshift cluster %s: %w", id, err)
	}
	out["destination"] = string(enable.LogDestinationType)
	msg := fmt.Sprintf("turned on audit logging of Redshift cluster %s to %s", id, to)
	if len(createdList(out)) > 0 {
		msg += " (made rectify's bucket)"
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyRedshiftLogging(ctx context.Context, in Input, _ Result) error {
	id := redshiftID(in.String("cluster"))
	st, err := redshift.NewFromConfig(in.AWS).DescribeLoggingStatus(ctx, &redshift.DescribeLoggingStatusInput{ClusterIdentifier: aws.String(id)})
	switch {
	case IsNotFound(err, "ClusterNotFound"):
		return Mismatch("%s", redshiftMissing(id))
	case err != nil:
		return fmt.Errorf("describe logging of Redshift cluster %s: %w", id, err)
	case !aws.ToBool(st.LoggingEnabled):
		return Mismatch("Redshift cluster %s does not log", id)
	}
	return nil
}
