package action

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func (w *world) rds() *rds.Client { return rds.NewFromConfig(w.cfg) }

// dbInstance makes a MySQL instance id with the given settings.
func (w *world) dbInstance(id string, opt ...func(*rds.CreateDBInstanceInput)) string {
	in := &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(id), DBInstanceClass: aws.String("db.t3.micro"), Engine: aws.String("mysql"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), Tags: []rdstypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}}
	for _, o := range opt {
		o(in)
	}
	_, err := w.rds().CreateDBInstance(w.ctx, in)
	w.must(err)
	return id
}

// dbCluster makes an Aurora cluster id.
func (w *world) dbCluster(id string, opt ...func(*rds.CreateDBClusterInput)) string {
	in := &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String(id), Engine: aws.String("aurora-postgresql"), MasterUsername: aws.String("admin"),
		Tags: []rdstypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}}
	for _, o := range opt {
		o(in)
	}
	_, err := w.rds().CreateDBCluster(w.ctx, in)
	w.must(err)
	return id
}

func (w *world) dbSnapshot(instance, id string) string {
	_, err := w.rds().CreateDBSnapshot(w.ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String(instance), DBSnapshotIdentifier: aws.String(id)})
	w.must(err)
	return id
}

func (w *world) clusterSnapshot(cluster, id string) string {
	_, err := w.rds().CreateDBClusterSnapshot(w.ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String(cluster), DBClusterSnapshotIdentifier: aws.String(id)})
	w.must(err)
	return id
}

func (w *world) shareSnapshot(id string, add ...string) {
	_, err := w.rds().ModifyDBSnapshotAttribute(w.ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: aws.String(id), AttributeName: aws.String("restore"), ValuesToAdd: add})
	w.must(err)
}

func (w *world) modifyInstance(in *rds.ModifyDBInstanceInput) {
	in.ApplyImmediately = aws.Bool(true)
	_, err := w.rds().ModifyDBInstance(w.ctx, in)
	w.must(err)
}

func (w *world) modifyCluster(in *rds.ModifyDBClusterInput) {
	_, err := w.rds().ModifyDBCluster(w.ctx, in)
	w.must(err)
}

func (w *world) instanceNow(id string) rdstypes.DBInstance {
	got, err := w.rds().DescribeDBInstances(w.ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	w.must(err)
	return got.DBInstances[0]
}

// rdsScenarios are the scenarios of the RDS actions.
var rdsScenarios = map[string]scenario{
	"rds.make-snapshot-private": {
		setup: func(w *world) Input {
			w.dbSnapshot(w.dbInstance("db1"), "nightly")
			w.shareSnapshot("nightly", "all", "111122223333")
			return w.input(map[string]any{"snapshot": "arn:aws:rds:us-east-1:" + awssim.DefaultAccount + ":snapshot:nightly"})
		},
		undo: func(w *world, _ Input, _ Result) { w.shareSnapshot("nightly", "all") },
	},
	"rds.disable-public-access": {
		setup: func(w *world) Input {
			w.dbInstance("db1", func(in *rds.CreateDBInstanceInput) { in.PubliclyAccessible = aws.Bool(true) })
			return w.input(map[string]any{"db_instance": "arn:aws:rds:us-east-1:" + awssim.DefaultAccount + ":db:db1"})
		},
		undo: func(w *world, _ Input, _ Result) {
			w.modifyInstance(&rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), PubliclyAccessible: aws.Bool(true)})
		},
	},
	"rds.enable-multi-az": {
		setup: func(w *world) Input { return w.input(map[string]any{"db_instance": w.dbInstance("db1")}) },
		undo: func(w *world, _ Input, _ Result) {
			w.modifyInstance(&rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), MultiAZ: aws.Bool(false)})
		},
	},
	"rds.enable-enhanced-monitoring": {
		setup: func(w *world) Input { return w.input(map[string]any{"db_instance": w.dbInstance("db1")}) },
		undo: func(w *world, _ Input, _ Result) {
			w.modifyInstance(&rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), MonitoringInterval: aws.Int32(0)})
		},
	},
	"rds.enable-deletion-protection": {
		setup: func(w *world) Input { return w.input(map[string]any{"db_cluster": w.dbCluster("aurora1")}) },
		undo: func(w *world, _ Input, _ Result) {
			w.modifyCluster(&rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String("aurora1"), DeletionProtection: aws.Bool(false)})
		},
	},
	"rds.enable-auto-minor-version-upgrade": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"db_instance": w.dbInstance("db1", func(in *rds.CreateDBInstanceInput) { in.AutoMinorVersionUpgrade = aws.Bool(false) })})
		},
		undo: func(w *world, _ Input, _ Result) {
			w.modifyInstance(&rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), AutoMinorVersionUpgrade: aws.Bool(false)})
		},
	},
	"rds.enable-copy-tags-to-snapshot": {
		setup: func(w *world) Input { return w.input(map[string]any{"db_cluster": w.dbCluster("aurora1")}) },
		undo: func(w *world, _ Input, _ Result) {
			w.modifyCluster(&rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String("aurora1"), CopyTagsToSnapshot: aws.Bool(false)})
		},
	},
	"rds.encrypt-snapshot": {
		setup: func(w *world) Input {
			w.dbSnapshot(w.dbInstance("db1"), "nightly")
			return w.input(map[string]any{"snapshot": "nightly"})
		},
		undo: func(w *world, _ Input, res Result) {
			_, err := w.rds().DeleteDBSnapshot(w.ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(res.Output["encrypted_snapshot"].(string))})
			w.must(err)
		},
	},
}

// RDS.1: the cluster snapshot goes through the cluster API, named shares
// are kept.
func TestMakeSnapshotPrivateKeepsAccountShares(t *testing.T) {
	w := newWorld(t)
	snap := w.clusterSnapshot(w.dbCluster("aurora1"), "weekly")
	_, err := w.rds().ModifyDBClusterSnapshotAttribute(w.ctx, &rds.ModifyDBClusterSnapshotAttributeInput{DBClusterSnapshotIdentifier: aws.String(snap),
		AttributeName: aws.String("restore"), ValuesToAdd: []string{"all", "111122223333"}})
	w.must(err)
	mark := w.markAll()
	res := w.mustDo("rds.make-snapshot-private", map[string]any{"snapshot": "arn:aws:rds:us-east-1:" + awssim.DefaultAccount + ":cluster-snapshot:weekly"})
	if res.Outcome != Changed || !strings.Contains(res.Message, "shares with 111122223333 are kept") {
		t.Fatalf("Run = %+v", res)
	}
	if got := w.writesAll(mark); !slices.Equal(got, []string{"ModifyDBClusterSnapshotAttribute"}) {
		t.Errorf("writes = %v", got)
	}
	attrs, err := w.rds().DescribeDBClusterSnapshotAttributes(w.ctx, &rds.DescribeDBClusterSnapshotAttributesInput{DBClusterSnapshotIdentifier: aws.String(snap)})
	w.must(err)
	if v := attrs.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes[0].AttributeValues; !slices.Equal(v, []string{"111122223333"}) {
		t.Errorf("restore = %v", v)
	}
	res, err = w.do("rds.make-snapshot-private", map[string]any{"snapshot": "weekly", "cluster": true})
	w.expectOutcome("again", res, err, AlreadyDone)
	res, err = w.do("rds.make-snapshot-private", map[string]any{"snapshot": "weekly"})
	w.expectOutcome("as an instance snapshot", res, err, NotFound)
	_, err = w.do("rds.make-snapshot-private", map[string]any{"snapshot": "arn:aws:rds:us-east-1:" + awssim.DefaultAccount + ":db:db1"})
	w.expectPermanent(err, "snapshot", "not of a DB snapshot")
}

// RDS.4, cluster branch: the copy and the deletion go through the cluster
// API with the cluster parameter names.
func TestEncryptClusterSnapshot(t *testing.T) {
	w := newWorld(t)
	w.clusterSnapshot(w.dbCluster("aurora1", func(in *rds.CreateDBClusterInput) { in.CopyTagsToSnapshot = aws.Bool(true) }), "weekly")
	mark := w.markAll()
	res := w.mustDo("rds.encrypt-snapshot", map[string]any{"snapshot": "arn:aws:rds:us-east-1:" + awssim.DefaultAccount + ":cluster-snapshot:weekly"})
	if res.Outcome != Changed || res.Output["source_deleted"] != true || res.Output["encrypted_snapshot"] != "weekly-encrypted" {
		t.Fatalf("Run = %+v", res)
	}
	if got := w.writesAll(mark); !slices.Equal(got, []string{"CopyDBClusterSnapshot", "DeleteDBClusterSnapshot"}) {
		t.Errorf("writes = %v", got)
	}
	for _, r := range w.allTrail()[mark:] {
		if r.EventName == "DeleteDBClusterSnapshot" {
			if p, _ := r.RequestParameters.(map[string]any); p["dBClusterSnapshotIdentifier"] != "weekly" {
				t.Errorf("DeleteDBClusterSnapshot parameters = %v", r.RequestParameters)
			}
		}
	}
	got, err := w.rds().DescribeDBClusterSnapshots(w.ctx, &rds.DescribeDBClusterSnapshotsInput{})
	w.must(err)
	if len(got.DBClusterSnapshots) != 1 || !aws.ToBool(got.DBClusterSnapshots[0].StorageEncrypted) || len(got.DBClusterSnapshots[0].TagList) != 1 {
		t.Errorf("cluster snapshots = %+v", got.DBClusterSnapshots)
	}
	res, err = w.do("rds.encrypt-snapshot", map[string]any{"snapshot": "weekly", "cluster": true})
	w.expectOutcome("after the replacement", res, err, AlreadyDone)
}

// RDS.4: the original is kept while the copy is made; the run waits and
// finishes later. A snapshot shared with accounts is not copied under the
// AWS managed key; under rectify's key its shares are carried over.
func TestEncryptSnapshotWaitsAndKeepsShares(t *testing.T) {
	w := newWorldWith(t, func(o *awssim.Options) { o.RDSCopyDelay = 10 * time.Minute })
	w.dbSnapshot(w.dbInstance("db1"), "nightly")
	res, err := w.do("rds.encrypt-snapshot", map[string]any{"snapshot": "nightly"})
	w.expectOutcome("first run", res, err, Pending)
	if res.RecheckAfter <= 0 {
		t.Errorf("RecheckAfter = %v", res.RecheckAfter)
	}
	res, err = w.do("rds.encrypt-snapshot", map[string]any{"snapshot": "nightly"})
	w.expectOutcome("while copying", res, err, Pending)
	w.sim.Advance(10 * time.Minute)
	res = w.mustDo("rds.encrypt-snapshot", map[string]any{"snapshot": "nightly"})
	if res.Outcome != Changed || res.Output["source_deleted"] != true {
		t.Fatalf("after the copy = %+v", res)
	}

	w.dbSnapshot("db1", "shared")
	w.shareSnapshot("shared", "111122223333", "all")
	mark := w.markAll()
	_, err = w.do("rds.encrypt-snapshot", map[string]any{"snapshot": "shared"})
	w.expectPermanent(err, "kms_key", "111122223333", "AWS managed key")
	if got := w.writesAll(mark); len(got) != 0 {
		t.Errorf("writes before refusing = %v", got)
	}
	res, err = w.do("rds.encrypt-snapshot", map[string]any{"snapshot": "shared", "kms_key": "create"})
	w.expectOutcome("with rectify's key", res, err, Pending)
	w.sim.Advance(10 * time.Minute)
	res = w.mustDo("rds.encrypt-snapshot", map[string]any{"snapshot": "shared", "kms_key": "create"})
	if res.Outcome != Changed || !strings.Contains(res.Message, "shared with 111122223333") {
		t.Fatalf("Run = %+v", res)
	}
	attrs, err := w.rds().DescribeDBSnapshotAttributes(w.ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: aws.String("shared-encrypted")})
	w.must(err)
	if v := attrs.DBSnapshotAttributesResult.DBSnapshotAttributes[0].AttributeValues; !slices.Equal(v, []string{"111122223333"}) {
		t.Errorf("copy shared with %v", v)
	}
}

// RDS.4: an automated snapshot is copied but left for RDS to expire.
func TestEncryptAutomatedSnapshotKeepsIt(t *testing.T) {
	w := newWorld(t)
	w.dbInstance("db1")
	auto, err := w.sim.AddRDSAutomatedSnapshot(awssim.DefaultAccount, awssim.DefaultRegion, "db1")
	w.must(err)
	res := w.mustDo("rds.encrypt-snapshot", map[string]any{"snapshot": "arn:aws:rds:us-east-1:" + awssim.DefaultAccount + ":snapshot:" + auto})
	want := strings.TrimPrefix(auto, "rds:") + "-encrypted"
	if res.Outcome != Changed || res.Output["encrypted_snapshot"] != want || res.Output["source_deleted"] != false || !strings.Contains(res.Message, "automated") {
		t.Fatalf("Run = %+v", res)
	}
}

// RDS.5 costs money and says so; an instance of a cluster is refused.
func TestEnableMultiAZ(t *testing.T) {
	w := newWorld(t)
	reg, _ := Builtin()
	spec, _ := reg.Lookup("rds.enable-multi-az")
	in := checked(t, spec, w.input(map[string]any{"db_instance": "db1"}))
	if d := spec.Explain(in); !strings.Contains(d, "DOUBLES its cost") {
		t.Errorf("Describe = %q", d)
	}
	w.dbInstance("db1")
	res := w.mustDo("rds.enable-multi-az", map[string]any{"db_instance": "db1", "apply_immediately": false})
	if res.Outcome != Changed || res.Output["pending"] != true {
		t.Fatalf("Run = %+v", res)
	}
	res, err := w.do("rds.enable-multi-az", map[string]any{"db_instance": "db1"})
	w.expectOutcome("pending", res, err, AlreadyDone)
	w.dbCluster("aurora1")
	w.dbInstance("aurora1-a", func(in *rds.CreateDBInstanceInput) {
		in.DBClusterIdentifier, in.Engine, in.AllocatedStorage = aws.String("aurora1"), aws.String("aurora-postgresql"), nil
	})
	_, err = w.do("rds.enable-multi-az", map[string]any{"db_instance": "aurora1-a"})
	w.expectPermanent(err, "DB cluster aurora1")
}

// RDS.13: an instance of a Multi-AZ DB cluster takes the setting from
// its cluster, which is changed instead; an Aurora instance is changed
// itself.
func TestAutoMinorVersionUpgradeOfClusterInstances(t *testing.T) {
	w := newWorld(t)
	w.dbCluster("maz", func(in *rds.CreateDBClusterInput) {
		in.Engine, in.DBClusterInstanceClass, in.AutoMinorVersionUpgrade = aws.String("postgres"), aws.String("db.m6gd.large"), aws.Bool(false)
	})
	w.dbInstance("maz-1", func(in *rds.CreateDBInstanceInput) {
		in.DBClusterIdentifier, in.Engine, in.AllocatedStorage = aws.String("maz"), aws.String("postgres"), nil
	})
	mark := w.markAll()
	res := w.mustDo("rds.enable-auto-minor-version-upgrade", map[string]any{"db_instance": "maz-1"})
	if res.Outcome != Changed || res.Output["modified"] != "DB cluster maz" || !strings.Contains(res.Message, "Multi-AZ DB cluster") {
		t.Fatalf("Run = %+v", res)
	}
	if got := w.writesAll(mark); !slices.Equal(got, []string{"ModifyDBCluster"}) {
		t.Errorf("writes = %v", got)
	}
	w.dbCluster("aurora1")
	w.dbInstance("aurora1-a", func(in *rds.CreateDBInstanceInput) {
		in.DBClusterIdentifier, in.Engine, in.AllocatedStorage, in.AutoMinorVersionUpgrade = aws.String("aurora1"), aws.String("aurora-postgresql"), nil, aws.Bool(false)
	})
	res = w.mustDo("rds.enable-auto-minor-version-upgrade", map[string]any{"db_instance": "aurora1-a"})
	if res.Output["modified"] != "DB instance aurora1-a" {
		t.Errorf("Aurora instance: %+v", res)
	}
	_, err := w.do("rds.enable-auto-minor-version-upgrade", map[string]any{"db_instance": "aurora1-a", "db_cluster": "aurora1"})
	w.expectPermanent(err, "exactly one of db_instance and db_cluster")
	res, err = w.do("rds.enable-deletion-protection", map[string]any{"db_instance": "missing"})
	w.expectOutcome("missing instance", res, err, NotFound)
	_, err = w.do("rds.enable-deletion-protection", map[string]any{"db_instance": "arn:aws:rds:us-east-1:" + awssim.DefaultAccount + ":cluster:aurora1"})
	w.expectPermanent(err, "db_instance", "not of a DB instance")
}

// RDS.6: rectify's monitoring role is made once, trusted by RDS
// monitoring and tagged; an instance that has a role keeps it.
func TestEnhancedMonitoringRole(t *testing.T) {
	w := newWorld(t)
	w.dbInstance("db1")
	res := w.mustDo("rds.enable-enhanced-monitoring", map[string]any{"db_instance": "db1"})
	created := createdList(res.Output)
	if res.Outcome != Changed || len(created) != 1 || !strings.HasSuffix(created[0], ":role/rectify-rds-enhanced-monitoring") {
		t.Fatalf("Run = %+v", res)
	}
	role, err := w.iam.GetRole(w.ctx, &iam.GetRoleInput{RoleName: aws.String("rectify-rds-enhanced-monitoring")})
	w.must(err)
	if len(role.Role.Tags) != 2 {
		t.Errorf("role tags = %+v", role.Role.Tags)
	}
	att, err := w.iam.ListAttachedRolePolicies(w.ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("rectify-rds-enhanced-monitoring")})
	w.must(err)
	if len(att.AttachedPolicies) != 1 || !strings.HasSuffix(aws.ToString(att.AttachedPolicies[0].PolicyArn), "service-role/AmazonRDSEnhancedMonitoringRole") {
		t.Errorf("attached = %+v", att.AttachedPolicies)
	}
	w.dbInstance("db2")
	res = w.mustDo("rds.enable-enhanced-monitoring", map[string]any{"db_instance": "db2", "interval": 30})
	if len(createdList(res.Output)) != 0 || aws.ToInt32(w.instanceNow("db2").MonitoringInterval) != 30 {
		t.Errorf("second instance = %+v", res)
	}
	// More frequent than asked is fine; less frequent is tightened with
	// the instance's own role.
	res, err = w.do("rds.enable-enhanced-monitoring", map[string]any{"db_instance": "db2", "interval": 60})
	w.expectOutcome("30s asked 60s", res, err, AlreadyDone)
	res = w.mustDo("rds.enable-enhanced-monitoring", map[string]any{"db_instance": "db2", "interval": 15})
	if !strings.Contains(res.Message, "its IAM role") {
		t.Errorf("tightening = %+v", res)
	}
	_, err = w.do("rds.enable-enhanced-monitoring", map[string]any{"db_instance": "db2", "interval": 7})
	w.expectPermanent(err, "interval")
	_, err = w.do("rds.enable-enhanced-monitoring", map[string]any{"db_instance": "db1", "interval": 1, "monitoring_role": "no-such-role"})
	w.expectPermanent(err, "monitoring_role", "no-such-role")
}
