package awssim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestRDSInstanceRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := rds.NewFromConfig(sim.Config(""))
	out, err := cli.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("Orders-DB"), DBInstanceClass: aws.String("db.t3.micro"), Engine: aws.String("postgres"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), PubliclyAccessible: aws.Bool(true),
		VpcSecurityGroupIds: []string{"sg-0123"}, Tags: []rdstypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
	})
	if err != nil {
		t.Fatalf("CreateDBInstance: %v", err)
	}
	db := out.DBInstance
	if aws.ToString(db.DBInstanceIdentifier) != "orders-db" || aws.ToString(db.DBInstanceStatus) != "available" || !aws.ToBool(db.PubliclyAccessible) ||
		aws.ToBool(db.MultiAZ) || aws.ToString(db.DBInstanceArn) != "arn:aws:rds:us-east-1:"+sim.Account()+":db:orders-db" ||
		db.Endpoint == nil || aws.ToInt32(db.Endpoint.Port) != 5432 || len(db.VpcSecurityGroups) != 1 || len(db.TagList) != 1 {
		t.Errorf("CreateDBInstance = %+v", db)
	}
	var exists *rdstypes.DBInstanceAlreadyExistsFault
	if _, err := cli.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("orders-db"), DBInstanceClass: aws.String("db.t3.micro"),
		Engine: aws.String("postgres"), AllocatedStorage: aws.Int32(20)}); !errors.As(err, &exists) {
		t.Errorf("CreateDBInstance(existing) error = %v, want DBInstanceAlreadyExists", err)
	}

	// Without ApplyImmediately, MultiAZ and backup retention wait; public
	// accessibility and deletion protection apply at once.
	mod, err := cli.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("orders-db"), MultiAZ: aws.Bool(true),
		BackupRetentionPeriod: aws.Int32(7), PubliclyAccessible: aws.Bool(false), DeletionProtection: aws.Bool(true), AutoMinorVersionUpgrade: aws.Bool(false)})
	if err != nil {
		t.Fatalf("ModifyDBInstance: %v", err)
	}
	db = mod.DBInstance
	if aws.ToBool(db.MultiAZ) || aws.ToInt32(db.BackupRetentionPeriod) != 1 || db.PendingModifiedValues == nil ||
		!aws.ToBool(db.PendingModifiedValues.MultiAZ) || aws.ToInt32(db.PendingModifiedValues.BackupRetentionPeriod) != 7 ||
		aws.ToBool(db.PubliclyAccessible) || !aws.ToBool(db.DeletionProtection) || aws.ToBool(db.AutoMinorVersionUpgrade) {
		t.Errorf("ModifyDBInstance (pending) = %+v, pending %+v", db, db.PendingModifiedValues)
	}
	if _, err := cli.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("orders-db"), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatalf("ModifyDBInstance(apply): %v", err)
	}
	d, err := cli.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders-db")})
	if err != nil || len(d.DBInstances) != 1 {
		t.Fatalf("DescribeDBInstances = %+v, %v", d, err)
	}
	db = &d.DBInstances[0]
	if !aws.ToBool(db.MultiAZ) || aws.ToInt32(db.BackupRetentionPeriod) != 7 || db.PendingModifiedValues.MultiAZ != nil {
		t.Errorf("after ApplyImmediately = MultiAZ %v backup %d pending %+v", aws.ToBool(db.MultiAZ), aws.ToInt32(db.BackupRetentionPeriod), db.PendingModifiedValues)
	}

	// Filters.
	if _, err := cli.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("cache"), DBInstanceClass: aws.String("db.t3.micro"),
		Engine: aws.String("mysql"), AllocatedStorage: aws.Int32(20)}); err != nil {
		t.Fatal(err)
	}
	d, err = cli.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"mysql"}}}})
	if err != nil || len(d.DBInstances) != 1 || aws.ToString(d.DBInstances[0].DBInstanceIdentifier) != "cache" {
		t.Errorf("DescribeDBInstances(engine=mysql) = %+v, %v", d, err)
	}
	d, _ = cli.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
	if len(d.DBInstances) != 2 {
		t.Errorf("DescribeDBInstances() returned %d instances", len(d.DBInstances))
	}

	// Tags.
	arn := "arn:aws:rds:us-east-1:" + sim.Account() + ":db:orders-db"
	if _, err := cli.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: &arn, Tags: []rdstypes.Tag{{Key: aws.String("owner"), Value: aws.String("ops")}, {Key: aws.String("env"), Value: aws.String("stage")}}}); err != nil {
		t.Fatalf("AddTagsToResource: %v", err)
	}
	tags, err := cli.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: &arn})
	if err != nil || len(tags.TagList) != 2 || aws.ToString(tags.TagList[0].Value) != "stage" {
		t.Errorf("ListTagsForResource = %+v, %v", tags, err)
	}

	// Deletion: protected, then refused without a final snapshot choice,
	// then gone.
	if _, err := cli.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("orders-db"), SkipFinalSnapshot: aws.Bool(true)}); apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("DeleteDBInstance(protected) error = %v", err)
	}
	if _, err := cli.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("orders-db"), DeletionProtection: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	del, err := cli.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("orders-db"), SkipFinalSnapshot: aws.Bool(true)})
	if err != nil || aws.ToString(del.DBInstance.DBInstanceStatus) != "deleting" {
		t.Fatalf("DeleteDBInstance = %+v, %v", del, err)
	}
	var nf *rdstypes.DBInstanceNotFoundFault
	if _, err := cli.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders-db")}); !errors.As(err, &nf) {
		t.Errorf("DescribeDBInstances(deleted) error = %v, want DBInstanceNotFound", err)
	}
	if _, err := cli.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("orders-db"), MultiAZ: aws.Bool(true)}); !errors.As(err, &nf) {
		t.Errorf("ModifyDBInstance(deleted) error = %v, want DBInstanceNotFound", err)
	}
}

func TestRDSClusterRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := rds.NewFromConfig(sim.Config(""))
	out, err := cli.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("aurora"), Engine: aws.String("aurora-postgresql"),
		MasterUsername: aws.String("admin"), StorageEncrypted: aws.Bool(true)})
	if err != nil {
		t.Fatalf("CreateDBCluster: %v", err)
	}
	if aws.ToString(out.DBCluster.Status) != "available" || !aws.ToBool(out.DBCluster.StorageEncrypted) || aws.ToBool(out.DBCluster.DeletionProtection) {
		t.Errorf("CreateDBCluster = %+v", out.DBCluster)
	}
	for _, id := range []string{"aurora-1", "aurora-2"} {
		if _, err := cli.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(id), DBInstanceClass: aws.String("db.r6g.large"),
			Engine: aws.String("aurora-postgresql"), DBClusterIdentifier: aws.String("aurora")}); err != nil {
			t.Fatalf("CreateDBInstance(%s): %v", id, err)
		}
	}
	mod, err := cli.ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String("aurora"), DeletionProtection: aws.Bool(true), BackupRetentionPeriod: aws.Int32(14)})
	if err != nil {
		t.Fatalf("ModifyDBCluster: %v", err)
	}
	if !aws.ToBool(mod.DBCluster.DeletionProtection) || aws.ToInt32(mod.DBCluster.BackupRetentionPeriod) != 14 {
		t.Errorf("ModifyDBCluster = %+v", mod.DBCluster)
	}
	d, err := cli.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("aurora")})
	if err != nil || len(d.DBClusters) != 1 {
		t.Fatalf("DescribeDBClusters = %+v, %v", d, err)
	}
	cl := d.DBClusters[0]
	if len(cl.DBClusterMembers) != 2 || !aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) || !aws.ToBool(cl.MultiAZ) || !aws.ToBool(cl.DeletionProtection) {
		t.Errorf("DescribeDBClusters = %+v", cl)
	}
	if _, err := cli.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("aurora"), SkipFinalSnapshot: aws.Bool(true)}); apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("DeleteDBCluster(protected) error = %v", err)
	}
	var nf *rdstypes.DBClusterNotFoundFault
	if _, err := cli.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("nope")}); !errors.As(err, &nf) {
		t.Errorf("DescribeDBClusters(missing) error = %v, want DBClusterNotFoundFault", err)
	}
	if _, err := cli.ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String("aurora"), DeletionProtection: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("aurora"), SkipFinalSnapshot: aws.Bool(true)}); apiCode(err) != "InvalidDBClusterStateFault" {
		t.Errorf("DeleteDBCluster(with members) error = %v", err)
	}
	for _, id := range []string{"aurora-1", "aurora-2"} {
		if _, err := cli.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id)}); err != nil {
			t.Fatalf("DeleteDBInstance(%s): %v", id, err)
		}
	}
	if _, err := cli.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("aurora"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
		t.Fatalf("DeleteDBCluster: %v", err)
	}
	if _, err := cli.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("aurora"), SkipFinalSnapshot: aws.Bool(true)}); !errors.As(err, &nf) {
		t.Errorf("DeleteDBCluster(deleted) error = %v, want DBClusterNotFoundFault", err)
	}
}

func TestRDSSnapshotRestoreAttribute(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	var events [][]byte
	sim.Subscribe(func(ev []byte) { events = append(events, ev) })
	cli := rds.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), DBInstanceClass: aws.String("db.t3.micro"),
		Engine: aws.String("mysql"), AllocatedStorage: aws.Int32(20)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("db1"), DBSnapshotIdentifier: aws.String("snap1")}); err != nil {
		t.Fatalf("CreateDBSnapshot: %v", err)
	}
	ds, err := cli.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String("db1")})
	if err != nil || len(ds.DBSnapshots) != 1 || aws.ToString(ds.DBSnapshots[0].SnapshotType) != "manual" || aws.ToString(ds.DBSnapshots[0].Status) != "available" {
		t.Fatalf("DescribeDBSnapshots = %+v, %v", ds, err)
	}
	if _, err := cli.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: aws.String("snap1"), AttributeName: aws.String("restore"),
		ValuesToAdd: []string{"all", "111122223333"}}); err != nil {
		t.Fatalf("ModifyDBSnapshotAttribute(add all): %v", err)
	}
	restore := func() []string {
		t.Helper()
		a, err := cli.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: aws.String("snap1")})
		if err != nil {
			t.Fatalf("DescribeDBSnapshotAttributes: %v", err)
		}
		for _, at := range a.DBSnapshotAttributesResult.DBSnapshotAttributes {
			if aws.ToString(at.AttributeName) == "restore" {
				return at.AttributeValues
			}
		}
		t.Fatal("no restore attribute")
		return nil
	}
	if got := restore(); len(got) != 2 || got[0] != "all" {
		t.Errorf("restore = %v", got)
	}
	pub, err := cli.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("public")})
	if err != nil || len(pub.DBSnapshots) != 1 {
		t.Errorf("DescribeDBSnapshots(public) = %+v, %v", pub, err)
	}
	out, err := cli.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: aws.String("snap1"), AttributeName: aws.String("restore"), ValuesToRemove: []string{"all"}})
	if err != nil || len(out.DBSnapshotAttributesResult.DBSnapshotAttributes[0].AttributeValues) != 1 {
		t.Fatalf("ModifyDBSnapshotAttribute(remove all) = %+v, %v", out, err)
	}
	if got := restore(); len(got) != 1 || got[0] != "111122223333" {
		t.Errorf("restore after removing all = %v", got)
	}
	if _, err := cli.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: aws.String("nope"), AttributeName: aws.String("restore"), ValuesToAdd: []string{"all"}}); apiCode(err) != "DBSnapshotNotFound" {
		t.Errorf("ModifyDBSnapshotAttribute(missing) error = %v", err)
	}
	var found bool
	for _, ev := range events {
		d := eventDetailMap(t, ev)
		if d["eventName"] == "ModifyDBSnapshotAttribute" {
			rp, _ := d["requestParameters"].(map[string]any)
			if rp["dBSnapshotIdentifier"] == "snap1" && rp["attributeName"] == "restore" {
				found = true
				if v, _ := rp["valuesToAdd"].([]any); len(v) != 2 || v[0] != "all" {
					t.Errorf("ModifyDBSnapshotAttribute valuesToAdd = %v", rp["valuesToAdd"])
				}
				break
			}
		}
	}
	if !found {
		t.Error("no ModifyDBSnapshotAttribute event naming snap1")
	}
}
