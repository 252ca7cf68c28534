package action

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// RDS actions of the Security Hub controls: public snapshots (RDS.1),
// public instances (RDS.2), unencrypted snapshots (RDS.4), Multi-AZ
// (RDS.5), enhanced monitoring (RDS.6), deletion protection (RDS.7,
// RDS.8), automatic minor version upgrades (RDS.13) and copying tags to
// snapshots (RDS.16). Resources are named by identifier or ARN; an ARN
// says whether it is an instance or a cluster, a snapshot or a cluster
// snapshot, and each kind is changed through its own API.

var (
	dbInstanceParam = Param{Name: "db_instance", Type: String, Default: "", Description: "the DB instance, by identifier or ARN"}
	dbClusterParam  = Param{Name: "db_cluster", Type: String, Default: "", Description: "the DB cluster, by identifier or ARN"}
	snapshotParams  = []Param{
		{Name: "snapshot", Type: String, Required: true, Description: "the DB snapshot or DB cluster snapshot, by identifier or ARN"},
		{Name: "cluster", Type: Bool, Default: false, Description: "the snapshot is a DB cluster snapshot (an ARN says so by itself)"},
	}
	rdsInstanceReads = []string{"rds:DescribeDBInstances", "rds:DescribeDBClusters"}
)

func rdsActions() []Spec {
	return []Spec{
		{
			Name: "rds.make-snapshot-private",
			Description: "Stop sharing a DB snapshot or DB cluster snapshot with everyone: remove \"all\" from its restore " +
				"attribute, keeping its shares with named accounts.",
			Params: snapshotParams,
			Reads:  []string{"rds:DescribeDBSnapshotAttributes", "rds:DescribeDBClusterSnapshotAttributes"},
			Writes: []string{"rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"},
			Describe: func(in Input) string {
				return fmt.Sprintf("stop sharing %s with everyone in account %s, keeping its shares with named accounts", snapshotWords(in), in.Target.Account)
			},
			Run:    makeSnapshotPrivate,
			Verify: verifySnapshotPrivate,
		},
		{
			Name: "rds.disable-public-access",
			Description: "Make a DB instance not publicly accessible, at once: its endpoint stops resolving to a public address, " +
				"so clients outside its VPC lose their connection.",
			Params: []Param{requiredParam(dbInstanceParam)},
			Reads:  rdsInstanceReads, Writes: []string{"rds:ModifyDBInstance"},
			Describe: func(in Input) string {
				return fmt.Sprintf("make DB instance %s in account %s not publicly accessible at once; clients outside its VPC lose access", in.String("db_instance"), in.Target.Account)
			},
			Run:    disableInstancePublicAccess,
			Verify: verifyInstanceNotPublic,
		},
		{
			Name: "rds.enable-multi-az",
			Description: "Convert a DB instance to a Multi-AZ deployment, with a standby in another Availability Zone. It " +
				"roughly doubles the instance's cost, and while the standby is built the instance may see more I/O latency.",
			Params: []Param{requiredParam(dbInstanceParam),
				{Name: "apply_immediately", Type: Bool, Default: true, Description: "convert now rather than in the next maintenance window"}},
			Reads: rdsInstanceReads, Writes: []string{"rds:ModifyDBInstance"},
			Describe: func(in Input) string {
				when := "now"
				if !in.Bool("apply_immediately") {
					when = "in its next maintenance window"
				}
				return fmt.Sprintf("convert DB instance %s in account %s to Multi-AZ %s: a standby in a second Availability Zone roughly DOUBLES its cost, and I/O latency may rise while it is built",
					in.String("db_instance"), in.Target.Account, when)
			},
			Run:    enableMultiAZ,
			Verify: verifyMultiAZ,
		},
		{
			Name: "rds.enable-enhanced-monitoring",
			Description: "Turn on enhanced monitoring of a DB instance, at once and without a restart, with an IAM role RDS " +
				`monitoring may assume; monitoring_role "create" makes rectify's role rectify-rds-enhanced-monitoring if it does not exist. ` +
				"The metrics go to CloudWatch Logs (RDSOSMetrics), which bills for them.",
			Params: []Param{requiredParam(dbInstanceParam),
				{Name: "interval", Type: Int, Default: 60, Description: "seconds between metrics: 1, 5, 10, 15, 30 or 60"},
				{Name: "monitoring_role", Type: String, Default: Create, Description: `the IAM role (name or ARN) that monitoring.rds.amazonaws.com assumes, or "create" for rectify's rectify-rds-enhanced-monitoring; an instance that already has one keeps it`}},
			Reads: append(slices.Clone(rdsInstanceReads), roleReads...), Writes: append([]string{"rds:ModifyDBInstance"}, roleWrites...),
			ExtraPermissions: roleExtra,
			Describe: func(in Input) string {
				return fmt.Sprintf("turn on enhanced monitoring every %d seconds of DB instance %s in account %s with %s",
					in.Int("interval"), in.String("db_instance"), in.Target.Account, targetWords(in.String("monitoring_role"), "rectify's IAM role rectify-rds-enhanced-monitoring (made if missing)"))
			},
			Run:    enableEnhancedMonitoring,
			Verify: verifyEnhancedMonitoring,
		},
		rdsFlagSpec(rdsFlagDeletionProtection),
		rdsFlagSpec(rdsFlagAutoMinor),
		rdsFlagSpec(rdsFlagCopyTags),
		{
			Name: "rds.encrypt-snapshot",
			Description: "Replace an unencrypted DB snapshot or DB cluster snapshot by an encrypted copy (with its tags, and " +
				"its shares with named accounts where the key allows them), then delete the original, unless delete_source is " +
				"false or it is an automated snapshot, which RDS deletes by itself. The copy waits (durably) until it is available.",
			Params: append(slices.Clone(snapshotParams),
				Param{Name: "kms_key", Type: String, Default: "alias/aws/rds", Description: `the KMS key to encrypt with (key ID or ARN, alias name or ARN), or "create" for rectify's own (alias/rectify-rds); a copy under the AWS managed key cannot be shared with other accounts`},
				Param{Name: "target", Type: String, Default: "", Description: `the copy's identifier; "" means the original's followed by -encrypted`},
				Param{Name: "delete_source", Type: Bool, Default: true, Description: "delete the unencrypted original once the copy is available"}),
			Reads: append([]string{"rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBSnapshotAttributes", "rds:DescribeDBClusterSnapshotAttributes"}, keyReads...),
			Writes: append([]string{"rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot", "rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot",
				"rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"}, keyWrites...),
			// RDS encrypts the copy through a grant on the key.
			ExtraPermissions: append([]string{"kms:CreateGrant"}, keyExtra...),
			Describe: func(in Input) string {
				then := "then DELETE the unencrypted original (unless automated)"
				if !in.Bool("delete_source") {
					then = "keeping the original"
				}
				return fmt.Sprintf("copy %s in account %s to an encrypted snapshot %s with %s, %s; references to the original identifier break",
					snapshotWords(in), in.Target.Account, orWord(in.String("target"), "<identifier>-encrypted"), keyWords(in.String("kms_key"), "rds"), then)
			},
			Run:    encryptSnapshot,
			Verify: verifySnapshotEncrypted,
		},
	}
}

// requiredParam returns p, required and without a default.
func requiredParam(p Param) Param {
	p.Required, p.Default = true, nil
	return p
}

// rdsRef splits a reference to an RDS resource: an ARN gives its
// identifier and kind (db, cluster, snapshot, cluster-snapshot), anything
// else is an identifier of an unknown kind.
func rdsRef(ref string) (id, kind string) {
	if a, ok := parseARN(ref); ok && a.Service == "rds" {
		kind, id, _ = strings.Cut(a.Resource, ":")
		return id, kind
	}
	return ref, ""
}

// snapshotKind returns whether the snapshot parameter names a cluster
// snapshot, and its identifier.
func snapshotKind(in Input) (id string, cluster bool, err error) {
	id, kind := rdsRef(in.String("snapshot"))
	switch kind {
	case "":
		return id, in.Bool("cluster"), nil
	case "snapshot":
		return id, false, nil
	case "cluster-snapshot":
		return id, true, nil
	}
	return "", false, errParam("", "snapshot", in.String("snapshot"), "an ARN of a %s, not of a DB snapshot or DB cluster snapshot", kind)
}

func snapshotWords(in Input) string {
	_, cluster, _ := snapshotKind(in)
	if cluster {
		return "DB cluster snapshot " + in.String("snapshot")
	}
	return "DB snapshot " + in.String("snapshot")
}

// Instances and clusters.

// rdsInstanceOf returns the DB instance ref names, nil if it does not
// exist.
func rdsInstanceOf(ctx context.Context, cli *rds.Client, ref string) (*rdstypes.DBInstance, error) {
	if id, kind := rdsRef(ref); kind != "" && kind != "db" {
		return nil, errParam("", "db_instance", ref, "an ARN of a %s, not of a DB instance", kind)
	} else if kind == "db" {
		ref = id
	}
	got, err := cli.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(ref)})
	switch {
	case IsNotFound(err, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe DB instance %s: %w", ref, err)
	case len(got.DBInstances) == 0:
		return nil, nil
	}
	return &got.DBInstances[0], nil
}

// rdsClusterOf returns the DB cluster ref names, nil if it does not exist.
func rdsClusterOf(ctx context.Context, cli *rds.Client, ref string) (*rdstypes.DBCluster, error) {
	if id, kind := rdsRef(ref); kind != "" && kind != "cluster" {
		return nil, errParam("", "db_cluster", ref, "an ARN of a %s, not of a DB cluster", kind)
	} else if kind == "cluster" {
		ref = id
	}
	got, err := cli.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(ref)})
	switch {
	case IsNotFound(err, "DBClusterNotFoundFault"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe DB cluster %s: %w", ref, err)
	case len(got.DBClusters) == 0:
		return nil, nil
	}
	return &got.DBClusters[0], nil
}

// notReady is the error for a resource that cannot be modified in its
// present status; RDS takes minutes to finish a modification.
func notReady(what, status string) error {
	return RetryLater(fmt.Errorf("%s is %s, not available: it can be changed once it is", what, status), 5*time.Minute)
}

// modifyInstance runs ModifyDBInstance, classifying RDS's refusals.
func modifyInstance(ctx context.Context, cli *rds.Client, in *rds.ModifyDBInstanceInput) error {
	_, err := cli.ModifyDBInstance(ctx, in)
	switch {
	case HasCode(err, "InvalidDBInstanceState"):
		return RetryLater(fmt.Errorf("modify DB instance %s: %w", aws.ToString(in.DBInstanceIdentifier), err), 5*time.Minute)
	case err != nil:
		return fmt.Errorf("modify DB instance %s: %w", aws.ToString(in.DBInstanceIdentifier), err)
	}
	return nil
}

func instanceMissing(ref string) string { return fmt.Sprintf("DB instance %s does not exist", ref) }

func disableInstancePublicAccess(ctx context.Context, in Input) (Result, error) {
	ref := in.String("db_instance")
	cli := rds.NewFromConfig(in.AWS)
	out := map[string]any{"db_instance": ref}
	db, err := rdsInstanceOf(ctx, cli, ref)
	switch {
	case err != nil:
		return Result{}, err
	case db == nil:
		return Result{Outcome: NotFound, Message: instanceMissing(ref), Output: out}, nil
	case !aws.ToBool(db.PubliclyAccessible):
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("DB instance %s is not publicly accessible", ref), Output: out}, nil
	case aws.ToString(db.DBInstanceStatus) != "available":
		return Result{}, notReady("DB instance "+ref, aws.ToString(db.DBInstanceStatus))
	}
	if err := modifyInstance(ctx, cli, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: db.DBInstanceIdentifier, PubliclyAccessible: aws.Bool(false), ApplyImmediately: aws.Bool(true)}); err != nil {
		return Result{}, err
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("made DB instance %s not publicly accessible", aws.ToString(db.DBInstanceIdentifier)), Output: out}, nil
}

func verifyInstanceNotPublic(ctx context.Context, in Input, _ Result) error {
	db, err := rdsInstanceOf(ctx, rds.NewFromConfig(in.AWS), in.String("db_instance"))
	switch {
	case err != nil:
		return err
	case db == nil:
		return Mismatch("%s", instanceMissing(in.String("db_instance")))
	case aws.ToBool(db.PubliclyAccessible):
		return Mismatch("DB instance %s is publicly accessible", in.String("db_instance"))
	}
	return nil
}

// multiAZ reports whether an instance is Multi-AZ or about to be.
func multiAZ(db *rdstypes.DBInstance) (on, pending bool) {
	if aws.ToBool(db.MultiAZ) {
		return true, false
	}
	return false, db.PendingModifiedValues != nil && aws.ToBool(db.PendingModifiedValues.MultiAZ)
}

func enableMultiAZ(ctx context.Context, in Input) (Result, error) {
	ref := in.String("db_instance")
	cli := rds.NewFromConfig(in.AWS)
	out := map[string]any{"db_instance": ref, "pending": false}
	db, err := rdsInstanceOf(ctx, cli, ref)
	if err != nil {
		return Result{}, err
	}
	if db == nil {
		return Result{Outcome: NotFound, Message: instanceMissing(ref), Output: out}, nil
	}
	if on, pending := multiAZ(db); on || pending {
		msg := fmt.Sprintf("DB instance %s is Multi-AZ", ref)
		if pending {
			msg = fmt.Sprintf("DB instance %s becomes Multi-AZ in its next maintenance window", ref)
		}
		out["pending"] = pending
		return Result{Outcome: AlreadyDone, Message: msg, Output: out}, nil
	}
	if c := aws.ToString(db.DBClusterIdentifier); c != "" {
		return Result{}, Permanent(fmt.Errorf("DB instance %s belongs to DB cluster %s, whose instances make its availability: add a reader instance in another Availability Zone to the cluster", ref, c))
	}
	if s := aws.ToString(db.DBInstanceStatus); s != "available" {
		return Result{}, notReady("DB instance "+ref, s)
	}
	now := in.Bool("apply_immediately")
	if err := modifyInstance(ctx, cli, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: db.DBInstanceIdentifier, MultiAZ: aws.Bool(true), ApplyImmediately: aws.Bool(now)}); err != nil {
		return Result{}, err
	}
	msg := fmt.Sprintf("started converting DB instance %s to Multi-AZ (a standby in a second Availability Zone, billed)", ref)
	if !now {
		msg = fmt.Sprintf("DB instance %s becomes Multi-AZ (a standby in a second Availability Zone, billed) in its next maintenance window", ref)
		out["pending"] = true
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifyMultiAZ(ctx context.Context, in Input, _ Result) error {
	db, err := rdsInstanceOf(ctx, rds.NewFromConfig(in.AWS), in.String("db_instance"))
	switch {
	case err != nil:
		return err
	case db == nil:
		return Mismatch("%s", instanceMissing(in.String("db_instance")))
	}
	if on, pending := multiAZ(db); !on && !pending {
		return Mismatch("DB instance %s is single-AZ and no change to Multi-AZ is pending", in.String("db_instance"))
	}
	return nil
}

// Enhanced monitoring (RDS.6).

var monitoringIntervals = []int{1, 5, 10, 15, 30, 60}

func enableEnhancedMonitoring(ctx context.Context, in Input) (Result, error) {
	ref := in.String("db_instance")
	interval := in.Int("interval")
	cli := rds.NewFromConfig(in.AWS)
	out := map[string]any{"db_instance": ref, "monitoring_role": "", "interval": 0}
	if !slices.Contains(monitoringIntervals, interval) {
		return Result{}, errParam("rds.enable-enhanced-monitoring", "interval", interval, "want 1, 5, 10, 15, 30 or 60 seconds")
	}
	db, err := rdsInstanceOf(ctx, cli, ref)
	if err != nil {
		return Result{}, err
	}
	if db == nil {
		return Result{Outcome: NotFound, Message: instanceMissing(ref), Output: out}, nil
	}
	cur := int(aws.ToInt32(db.MonitoringInterval))
	out["interval"], out["monitoring_role"] = cur, aws.ToString(db.MonitoringRoleArn)
	if cur > 0 && cur <= interval {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("DB instance %s already has enhanced monitoring every %d seconds", ref, cur), Output: out}, nil
	}
	if s := aws.ToString(db.DBInstanceStatus); s != "available" {
		return Result{}, notReady("DB instance "+ref, s)
	}
	role, note := aws.ToString(db.MonitoringRoleArn), ""
	if role == "" || in.String("monitoring_role") != Create {
		role, note, err = ownedRole(ctx, in, in.String("monitoring_role"), roleSpec{Param: "monitoring_role", Name: "rectify-rds-enhanced-monitoring",
			Purpose: "rds-enhanced-monitoring", Service: "monitoring.rds.amazonaws.com", ManagedPolicy: "service-role/AmazonRDSEnhancedMonitoringRole"}, out)
		if err != nil {
			return Result{Output: out}, err
		}
	} else {
		note = "its IAM role " + role
	}
	err = modifyInstance(ctx, cli, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: db.DBInstanceIdentifier, MonitoringInterval: aws.Int32(int32(interval)),
		MonitoringRoleArn: aws.String(role), ApplyImmediately: aws.Bool(true)})
	if err != nil {
		if HasCode(err, "InvalidParameterValue") && len(createdList(out)) > 0 {
			// A role just made takes a while to be usable everywhere.
			return Result{Output: out}, RetryLater(err, time.Minute)
		}
		return Result{Output: out}, err
	}
	out["interval"], out["monitoring_role"] = interval, role
	return Result{Outcome: Changed, Message: fmt.Sprintf("turned on enhanced monitoring every %d seconds of DB instance %s (was %s) with %s",
		interval, ref, monitoringWords(cur), note), Output: out}, nil
}

func monitoringWords(interval int) string {
	if interval == 0 {
		return "off"
	}
	return fmt.Sprintf("every %d seconds", interval)
}

func verifyEnhancedMonitoring(ctx context.Context, in Input, _ Result) error {
	db, err := rdsInstanceOf(ctx, rds.NewFromConfig(in.AWS), in.String("db_instance"))
	switch {
	case err != nil:
		return err
	case db == nil:
		return Mismatch("%s", instanceMissing(in.String("db_instance")))
	}
	if cur := int(aws.ToInt32(db.MonitoringInterval)); cur == 0 || cur > in.Int("interval") {
		return Mismatch("DB instance %s has enhanced monitoring %s", in.String("db_instance"), monitoringWords(cur))
	}
	return nil
}

// Settings that are on or off on an instance or a cluster.

// rdsFlag is one such setting.
type rdsFlag struct {
	Action, Name, Words, Why string
	Instance                 func(*rdstypes.DBInstance) bool
	Cluster                  func(*rdstypes.DBCluster) bool
	SetInstance              func(*rds.ModifyDBInstanceInput)
	SetCluster               func(*rds.ModifyDBClusterInput)
	// ClusterManaged reports whether the setting of an instance of
	// cluster c is the cluster's.
	ClusterManaged func(c *rdstypes.DBCluster) bool
}

var (
	rdsFlagDeletionProtection = rdsFlag{Action: "rds.enable-deletion-protection", Name: "DeletionProtection", Words: "deletion protection",
		Why:         "Deleting the instance or cluster fails until it is turned off again, including deletion by infrastructure-as-code tools.",
		Instance:    func(d *rdstypes.DBInstance) bool { return aws.ToBool(d.DeletionProtection) },
		Cluster:     func(c *rdstypes.DBCluster) bool { return aws.ToBool(c.DeletionProtection) },
		SetInstance: func(m *rds.ModifyDBInstanceInput) { m.DeletionProtection = aws.Bool(true) },
		SetCluster:  func(m *rds.ModifyDBClusterInput) { m.DeletionProtection = aws.Bool(true) }}
	rdsFlagAutoMinor = rdsFlag{Action: "rds.enable-auto-minor-version-upgrade", Name: "AutoMinorVersionUpgrade", Words: "automatic minor version upgrades",
		Why:         "Minor engine versions are then applied in the maintenance window, with a short restart. The setting of an instance of a Multi-AZ DB cluster is changed on the cluster.",
		Instance:    func(d *rdstypes.DBInstance) bool { return aws.ToBool(d.AutoMinorVersionUpgrade) },
		Cluster:     func(c *rdstypes.DBCluster) bool { return aws.ToBool(c.AutoMinorVersionUpgrade) },
		SetInstance: func(m *rds.ModifyDBInstanceInput) { m.AutoMinorVersionUpgrade = aws.Bool(true) },
		SetCluster:  func(m *rds.ModifyDBClusterInput) { m.AutoMinorVersionUpgrade = aws.Bool(true) },
		// A Multi-AZ DB cluster (not Aurora) has an instance class of its
		// own, and its instances defer to it.
		ClusterManaged: func(c *rdstypes.DBCluster) bool { return aws.ToString(c.DBClusterInstanceClass) != "" }}
	rdsFlagCopyTags = rdsFlag{Action: "rds.enable-copy-tags-to-snapshot", Name: "CopyTagsToSnapshot", Words: "copying tags to snapshots",
		Why:         "New snapshots then carry the resource's tags, which tag-based access and cost rules see.",
		Instance:    func(d *rdstypes.DBInstance) bool { return aws.ToBool(d.CopyTagsToSnapshot) },
		Cluster:     func(c *rdstypes.DBCluster) bool { return aws.ToBool(c.CopyTagsToSnapshot) },
		SetInstance: func(m *rds.ModifyDBInstanceInput) { m.CopyTagsToSnapshot = aws.Bool(true) },
		SetCluster:  func(m *rds.ModifyDBClusterInput) { m.CopyTagsToSnapshot = aws.Bool(true) }}
)

func rdsFlagSpec(f rdsFlag) Spec {
	return Spec{
		Name:        f.Action,
		Description: fmt.Sprintf("Turn on %s (%s) of a DB instance or a DB cluster, at once and without a restart. %s", f.Words, f.Name, f.Why),
		Params:      []Param{dbInstanceParam, dbClusterParam},
		Reads:       rdsInstanceReads, Writes: []string{"rds:ModifyDBInstance", "rds:ModifyDBCluster"},
		Describe: func(in Input) string {
			return fmt.Sprintf("turn on %s of %s in account %s", f.Words, rdsTargetWords(in), in.Target.Account)
		},
		Run:    func(ctx context.Context, in Input) (Result, error) { return runRDSFlag(ctx, in, f) },
		Verify: func(ctx context.Context, in Input, res Result) error { return verifyRDSFlag(ctx, in, f, res) },
	}
}

func rdsTargetWords(in Input) string {
	if c := in.String("db_cluster"); c != "" {
		return "DB cluster " + c
	}
	return "DB instance " + in.String("db_instance")
}

// rdsTarget is the instance or cluster a flag applies to.
type rdsTarget struct {
	instance *rdstypes.DBInstance
	cluster  *rdstypes.DBCluster
	// via says why the cluster was chosen for an instance, "" otherwise.
	via string
}

// flagTarget resolves the db_instance or db_cluster parameter, moving to
// the cluster when the instance's setting is its cluster's.
func flagTarget(ctx context.Context, cli *rds.Client, in Input, f rdsFlag) (rdsTarget, string, error) {
	inst, clus := in.String("db_instance"), in.String("db_cluster")
	switch {
	case (inst == "") == (clus == ""):
		return rdsTarget{}, "", errParam(f.Action, "db_instance", inst, "give exactly one of db_instance and db_cluster")
	case clus != "":
		c, err := rdsClusterOf(ctx, cli, clus)
		if err != nil || c == nil {
			return rdsTarget{}, fmt.Sprintf("DB cluster %s does not exist", clus), err
		}
		return rdsTarget{cluster: c}, "", nil
	}
	db, err := rdsInstanceOf(ctx, cli, inst)
	if err != nil || db == nil {
		return rdsTarget{}, instanceMissing(inst), err
	}
	if c := aws.ToString(db.DBClusterIdentifier); c != "" && f.ClusterManaged != nil {
		cl, err := rdsClusterOf(ctx, cli, c)
		if err != nil {
			return rdsTarget{}, "", err
		}
		if cl != nil && f.ClusterManaged(cl) {
			return rdsTarget{cluster: cl, via: fmt.Sprintf(" (the setting of instance %s is its Multi-AZ DB cluster's)", inst)}, "", nil
		}
	}
	return rdsTarget{instance: db}, "", nil
}

func (t rdsTarget) words() string {
	if t.cluster != nil {
		return "DB cluster " + aws.ToString(t.cluster.DBClusterIdentifier)
	}
	return "DB instance " + aws.ToString(t.instance.DBInstanceIdentifier)
}

func runRDSFlag(ctx context.Context, in Input, f rdsFlag) (Result, error) {
	cli := rds.NewFromConfig(in.AWS)
	out := map[string]any{"modified": ""}
	t, missing, err := flagTarget(ctx, cli, in, f)
	switch {
	case err != nil:
		return Result{}, err
	case missing != "":
		return Result{Outcome: NotFound, Message: missing, Output: out}, nil
	}
	out["modified"] = t.words()
	if t.cluster != nil {
		if f.Cluster(t.cluster) {
			return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("%s already has %s on%s", t.words(), f.Words, t.via), Output: out}, nil
		}
		if s := aws.ToString(t.cluster.Status); s != "available" {
			return Result{}, notReady(t.words(), s)
		}
		m := &rds.ModifyDBClusterInput{DBClusterIdentifier: t.cluster.DBClusterIdentifier, ApplyImmediately: aws.Bool(true)}
		f.SetCluster(m)
		if _, err := cli.ModifyDBCluster(ctx, m); err != nil {
			if HasCode(err, "InvalidDBClusterStateFault") {
				return Result{}, RetryLater(fmt.Errorf("modify %s: %w", t.words(), err), 5*time.Minute)
			}
			return Result{}, fmt.Errorf("modify %s: %w", t.words(), err)
		}
	} else {
		if f.Instance(t.instance) {
			return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("%s already has %s on", t.words(), f.Words), Output: out}, nil
		}
		if s := aws.ToString(t.instance.DBInstanceStatus); s != "available" {
			return Result{}, notReady(t.words(), s)
		}
		m := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: t.instance.DBInstanceIdentifier, ApplyImmediately: aws.Bool(true)}
		f.SetInstance(m)
		if err := modifyInstance(ctx, cli, m); err != nil {
			return Result{}, err
		}
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("turned on %s (%s) of %s%s", f.Words, f.Name, t.words(), t.via), Output: out}, nil
}

func verifyRDSFlag(ctx context.Context, in Input, f rdsFlag, _ Result) error {
	t, missing, err := flagTarget(ctx, rds.NewFromConfig(in.AWS), in, f)
	switch {
	case err != nil:
		return err
	case missing != "":
		return Mismatch("%s", missing)
	case t.cluster != nil && !f.Cluster(t.cluster), t.instance != nil && !f.Instance(t.instance):
		return Mismatch("%s has %s off", t.words(), f.Words)
	}
	return nil
}

// Public snapshots (RDS.1).

// snapshotShares returns a snapshot's restore attribute values, and
// whether the snapshot exists.
func snapshotShares(ctx context.Context, cli *rds.Client, id string, cluster bool) ([]string, bool, error) {
	var values []string
	if cluster {
		got, err := cli.DescribeDBClusterSnapshotAttributes(ctx, &rds.DescribeDBClusterSnapshotAttributesInput{DBClusterSnapshotIdentifier: aws.String(id)})
		if IsNotFound(err, "DBClusterSnapshotNotFoundFault") {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("describe attributes of DB cluster snapshot %s: %w", id, err)
		}
		for _, a := range got.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes {
			if aws.ToString(a.AttributeName) == "restore" {
				values = a.AttributeValues
			}
		}
		return values, true, nil
	}
	got, err := cli.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: aws.String(id)})
	if IsNotFound(err, "DBSnapshotNotFound") {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("describe attributes of DB snapshot %s: %w", id, err)
	}
	for _, a := range got.DBSnapshotAttributesResult.DBSnapshotAttributes {
		if aws.ToString(a.AttributeName) == "restore" {
			values = a.AttributeValues
		}
	}
	return values, true, nil
}

func makeSnapshotPrivate(ctx context.Context, in Input) (Result, error) {
	id, cluster, err := snapshotKind(in)
	if err != nil {
		return Result{}, err
	}
	cli := rds.NewFromConfig(in.AWS)
	words := snapshotWords(in)
	out := map[string]any{"snapshot": id, "cluster": cluster, "shared_with": []string{}}
	shares, ok, err := snapshotShares(ctx, cli, id, cluster)
	switch {
	case err != nil:
		return Result{}, err
	case !ok:
		return Result{Outcome: NotFound, Message: words + " does not exist", Output: out}, nil
	}
	accounts := slices.DeleteFunc(slices.Clone(shares), func(v string) bool { return v == "all" })
	out["shared_with"] = accounts
	if !slices.Contains(shares, "all") {
		return Result{Outcome: AlreadyDone, Message: words + " is not shared with everyone", Output: out}, nil
	}
	if cluster {
		_, err = cli.ModifyDBClusterSnapshotAttribute(ctx, &rds.ModifyDBClusterSnapshotAttributeInput{DBClusterSnapshotIdentifier: aws.String(id),
			AttributeName: aws.String("restore"), ValuesToRemove: []string{"all"}})
	} else {
		_, err = cli.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: aws.String(id),
			AttributeName: aws.String("restore"), ValuesToRemove: []string{"all"}})
	}
	if err != nil {
		return Result{}, fmt.Errorf("stop sharing %s with everyone: %w", words, err)
	}
	kept := "it is shared with no account"
	if len(accounts) > 0 {
		kept = "its shares with " + strings.Join(accounts, ", ") + " are kept"
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("stopped sharing %s with everyone; %s", words, kept), Output: out}, nil
}

func verifySnapshotPrivate(ctx context.Context, in Input, _ Result) error {
	id, cluster, err := snapshotKind(in)
	if err != nil {
		return err
	}
	shares, ok, err := snapshotShares(ctx, rds.NewFromConfig(in.AWS), id, cluster)
	switch {
	case err != nil:
		return err
	case !ok:
		return Mismatch("%s does not exist", snapshotWords(in))
	case slices.Contains(shares, "all"):
		return Mismatch("%s is shared with everyone", snapshotWords(in))
	}
	return nil
}

// Unencrypted snapshots (RDS.4).

// snapshotInfo is what encrypt-snapshot reads of a snapshot.
type snapshotInfo struct {
	ID, ARN, Status, Type, KMSKeyID string
	Encrypted                       bool
}

// describeSnapshot returns a snapshot, nil if it does not exist.
func describeSnapshot(ctx context.Context, cli *rds.Client, id string, cluster bool) (*snapshotInfo, error) {
	if cluster {
		got, err := cli.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: aws.String(id)})
		if IsNotFound(err, "DBClusterSnapshotNotFoundFault") {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("describe DB cluster snapshot %s: %w", id, err)
		}
		if len(got.DBClusterSnapshots) == 0 {
			return nil, nil
		}
		s := got.DBClusterSnapshots[0]
		return &snapshotInfo{ID: aws.ToString(s.DBClusterSnapshotIdentifier), ARN: aws.ToString(s.DBClusterSnapshotArn), Status: aws.ToString(s.Status),
			Type: aws.ToString(s.SnapshotType), KMSKeyID: aws.ToString(s.KmsKeyId), Encrypted: aws.ToBool(s.StorageEncrypted)}, nil
	}
	got, err := cli.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(id)})
	if IsNotFound(err, "DBSnapshotNotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe DB snapshot %s: %w", id, err)
	}
	if len(got.DBSnapshots) == 0 {
		return nil, nil
	}
	s := got.DBSnapshots[0]
	return &snapshotInfo{ID: aws.ToString(s.DBSnapshotIdentifier), ARN: aws.ToString(s.DBSnapshotArn), Status: aws.ToString(s.Status),
		Type: aws.ToString(s.SnapshotType), KMSKeyID: aws.ToString(s.KmsKeyId), Encrypted: aws.ToBool(s.Encrypted)}, nil
}

// encryptedName returns the identifier of the encrypted copy of id: the
// target parameter, else id without the "rds:" or "awsbackup:" prefix of
// automated and AWS Backup snapshots, followed by -encrypted.
func encryptedName(in Input, id string) string {
	if t := in.String("target"); t != "" {
		return t
	}
	if _, rest, ok := strings.Cut(id, ":"); ok {
		id = rest
	}
	return id + "-encrypted"
}

// copyCheck is how often a copy still being made is looked at again.
const copyCheck = 2 * time.Minute

func encryptSnapshot(ctx context.Context, in Input) (Result, error) {
	id, cluster, err := snapshotKind(in)
	if err != nil {
		return Result{}, err
	}
	cli := rds.NewFromConfig(in.AWS)
	words := snapshotWords(in)
	target := encryptedName(in, id)
	out := map[string]any{"snapshot": id, "cluster": cluster, "encrypted_snapshot": target, "source_deleted": false, "kms_key": ""}
	src, err := describeSnapshot(ctx, cli, id, cluster)
	if err != nil {
		return Result{}, err
	}
	dst, err := describeSnapshot(ctx, cli, target, cluster)
	if err != nil {
		return Result{}, err
	}
	switch {
	case src == nil && dst != nil && dst.Encrypted:
		out["source_deleted"], out["kms_key"] = true, dst.KMSKeyID
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("%s has been replaced by the encrypted copy %s", words, target), Output: out}, nil
	case src == nil:
		return Result{Outcome: NotFound, Message: words + " does not exist", Output: out}, nil
	case src.Encrypted:
		out["encrypted_snapshot"], out["kms_key"] = src.ID, src.KMSKeyID
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("%s is encrypted (key %s)", words, src.KMSKeyID), Output: out}, nil
	case dst != nil && !dst.Encrypted:
		return Result{}, errParam("rds.encrypt-snapshot", "target", target, "snapshot %s exists and is not encrypted: set target to an unused identifier", target)
	}
	shares, _, err := snapshotShares(ctx, cli, id, cluster)
	if err != nil {
		return Result{}, err
	}
	accounts := slices.DeleteFunc(slices.Clone(shares), func(v string) bool { return v == "all" })
	key := ""
	if dst == nil {
		var note string
		key, note, err = ownedKey(ctx, in, in.String("kms_key"), keySpec{Param: "kms_key", Purpose: "rds"}, out)
		if err != nil {
			return Result{Output: out}, err
		}
		if len(accounts) > 0 && strings.HasPrefix(in.String("kms_key"), "alias/aws/") {
			return Result{Output: out}, errParam("rds.encrypt-snapshot", "kms_key", in.String("kms_key"),
				"%s is shared with %s, and a copy encrypted with the AWS managed key %s cannot be shared: set kms_key to a customer managed key those accounts may use, or %q",
				words, strings.Join(accounts, ", "), in.String("kms_key"), Create)
		}
		if cluster {
			_, err = cli.CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String(src.ID),
				TargetDBClusterSnapshotIdentifier: aws.String(target), KmsKeyId: aws.String(key), CopyTags: aws.Bool(true)})
		} else {
			_, err = cli.CopyDBSnapshot(ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String(src.ID),
				TargetDBSnapshotIdentifier: aws.String(target), KmsKeyId: aws.String(key), CopyTags: aws.Bool(true)})
		}
		if err != nil {
			return Result{Output: out}, fmt.Errorf("copy %s to an encrypted snapshot %s with %s: %w", words, target, note, err)
		}
		if dst, err = describeSnapshot(ctx, cli, target, cluster); err != nil {
			return Result{Output: out}, err
		}
		if dst == nil {
			return Result{Output: out, Outcome: Pending, RecheckAfter: copyCheck, Message: fmt.Sprintf("copying %s to encrypted snapshot %s", words, target)}, nil
		}
	}
	out["kms_key"] = dst.KMSKeyID
	if dst.Status != "available" {
		return Result{Outcome: Pending, RecheckAfter: copyCheck, Output: out,
			Message: fmt.Sprintf("encrypted copy %s of %s is %s; the original is kept until it is available", target, words, dst.Status)}, nil
	}
	if len(accounts) > 0 {
		if cluster {
			_, err = cli.ModifyDBClusterSnapshotAttribute(ctx, &rds.ModifyDBClusterSnapshotAttributeInput{DBClusterSnapshotIdentifier: aws.String(target),
				AttributeName: aws.String("restore"), ValuesToAdd: accounts})
		} else {
			_, err = cli.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: aws.String(target),
				AttributeName: aws.String("restore"), ValuesToAdd: accounts})
		}
		if err != nil {
			return Result{Output: out}, fmt.Errorf("share encrypted copy %s with %s: %w", target, strings.Join(accounts, ", "), err)
		}
	}
	msg := fmt.Sprintf("copied %s to encrypted snapshot %s (key %s)", words, target, dst.KMSKeyID)
	if len(accounts) > 0 {
		msg += ", shared with " + strings.Join(accounts, ", ")
	}
	switch {
	case src.Type != "manual":
		msg += fmt.Sprintf("; the %s original is left for RDS to expire", src.Type)
	case !in.Bool("delete_source"):
		msg += "; the unencrypted original is kept (delete_source is false)"
	default:
		if cluster {
			_, err = cli.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String(src.ID)})
		} else {
			_, err = cli.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(src.ID)})
		}
		if err != nil && !IsNotFound(err, "DBSnapshotNotFound", "DBClusterSnapshotNotFoundFault") {
			return Result{Output: out}, fmt.Errorf("delete the unencrypted %s after copying it to %s: %w", words, target, err)
		}
		out["source_deleted"] = true
		msg += "; deleted the unencrypted original"
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func verifySnapshotEncrypted(ctx context.Context, in Input, res Result) error {
	id, cluster, err := snapshotKind(in)
	if err != nil {
		return err
	}
	cli := rds.NewFromConfig(in.AWS)
	target, _ := res.Output["encrypted_snapshot"].(string)
	if target == "" {
		target = encryptedName(in, id)
	}
	dst, err := describeSnapshot(ctx, cli, target, cluster)
	switch {
	case err != nil:
		return err
	case dst == nil:
		return Mismatch("the encrypted copy %s does not exist", target)
	case !dst.Encrypted:
		return Mismatch("snapshot %s is not encrypted", target)
	}
	if deleted, _ := res.Output["source_deleted"].(bool); deleted {
		src, err := describeSnapshot(ctx, cli, id, cluster)
		if err != nil {
			return err
		}
		if src != nil && !src.Encrypted {
			return Mismatch("the unencrypted %s still exists", snapshotWords(in))
		}
	}
	return nil
}
