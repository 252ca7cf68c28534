package awssim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestRDSEnhancedMonitoring(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := rds.NewFromConfig(cfg)
	if _, err := cli.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), DBInstanceClass: aws.String("db.t3.micro"),
		Engine: aws.String("mysql"), AllocatedStorage: aws.Int32(20)}); err != nil {
		t.Fatal(err)
	}
	modify := func(interval int32, role string) error {
		in := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), MonitoringInterval: aws.Int32(interval)}
		if role != "" {
			in.MonitoringRoleArn = aws.String(role)
		}
		_, err := cli.ModifyDBInstance(ctx, in)
		return err
	}
	if err := modify(60, ""); apiCode(err) != "InvalidParameterCombination" {
		t.Fatalf("interval without a role: %v", err)
	}
	if err := modify(42, ""); apiCode(err) != "InvalidParameterValue" {
		t.Fatalf("interval 42: %v", err)
	}
	role := "arn:aws:iam::" + awssim.DefaultAccount + ":role/rds-monitoring"
	if err := modify(60, role); apiCode(err) != "InvalidParameterValue" {
		t.Fatalf("a role that does not exist: %v", err)
	}
	ic := iam.NewFromConfig(cfg)
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("rds-monitoring"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if err := modify(60, role); apiCode(err) != "InvalidParameterValue" {
		t.Fatalf("a role RDS monitoring may not assume: %v", err)
	}
	if _, err := ic.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("rds-monitoring"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if err := modify(60, role); err != nil {
		t.Fatalf("ModifyDBInstance with monitoring: %v", err)
	}
	d, err := cli.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("db1")})
	if err != nil || aws.ToInt32(d.DBInstances[0].MonitoringInterval) != 60 || aws.ToString(d.DBInstances[0].MonitoringRoleArn) != role {
		t.Fatalf("DescribeDBInstances = %+v, %v", d.DBInstances, err)
	}
	if err := modify(0, ""); err != nil {
		t.Fatal(err)
	}
	d, _ = cli.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("db1")})
	if aws.ToInt32(d.DBInstances[0].MonitoringInterval) != 0 || d.DBInstances[0].MonitoringRoleArn != nil {
		t.Errorf("after turning monitoring off: %+v", d.DBInstances[0])
	}
}

func TestRDSClusterSettings(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := rds.NewFromConfig(sim.Config(""))
	// A Multi-AZ DB cluster has an instance class and its own
	// AutoMinorVersionUpgrade, which its instances defer to.
	out, err := cli.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("maz"), Engine: aws.String("postgres"),
		DBClusterInstanceClass: aws.String("db.m6gd.large"), AutoMinorVersionUpgrade: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(out.DBCluster.MultiAZ) || aws.ToBool(out.DBCluster.AutoMinorVersionUpgrade) || aws.ToBool(out.DBCluster.CopyTagsToSnapshot) ||
		aws.ToString(out.DBCluster.DBClusterInstanceClass) != "db.m6gd.large" {
		t.Errorf("CreateDBCluster = %+v", out.DBCluster)
	}
	if _, err := cli.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("maz-1"), DBInstanceClass: aws.String("db.m6gd.large"),
		Engine: aws.String("postgres"), DBClusterIdentifier: aws.String("maz")}); err != nil {
		t.Fatal(err)
	}
	_, err = cli.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("maz-1"), AutoMinorVersionUpgrade: aws.Bool(true)})
	if apiCode(err) != "InvalidParameterCombination" {
		t.Fatalf("AutoMinorVersionUpgrade on a Multi-AZ DB cluster's instance: %v", err)
	}
	mod, err := cli.ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String("maz"), AutoMinorVersionUpgrade: aws.Bool(true), CopyTagsToSnapshot: aws.Bool(true)})
	if err != nil || !aws.ToBool(mod.DBCluster.AutoMinorVersionUpgrade) || !aws.ToBool(mod.DBCluster.CopyTagsToSnapshot) {
		t.Fatalf("ModifyDBCluster = %+v, %v", mod, err)
	}
	if _, err := cli.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("bad"), Engine: aws.String("aurora-mysql"),
		DBClusterInstanceClass: aws.String("db.r6g.large")}); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("an Aurora cluster with DBClusterInstanceClass: %v", err)
	}
}

func TestRDSSnapshotCopies(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t, func(o *awssim.Options) { o.RDSCopyDelay = 10 * time.Minute })
	cfg := sim.Config("")
	cli := rds.NewFromConfig(cfg)
	if _, err := cli.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), DBInstanceClass: aws.String("db.t3.micro"),
		Engine: aws.String("mysql"), AllocatedStorage: aws.Int32(20), CopyTagsToSnapshot: aws.Bool(true),
		Tags: []rdstypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("db1"), DBSnapshotIdentifier: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	copyTo := func(target, key string) (*rds.CopyDBSnapshotOutput, error) {
		in := &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String("plain"), TargetDBSnapshotIdentifier: aws.String(target), CopyTags: aws.Bool(true)}
		if key != "" {
			in.KmsKeyId = aws.String(key)
		}
		return cli.CopyDBSnapshot(ctx, in)
	}
	if _, err := copyTo("bad-key", "alias/no-such-key"); apiCode(err) != "KMSKeyNotAccessibleFault" {
		t.Fatalf("copy with a missing key: %v", err)
	}
	out, err := copyTo("plain-encrypted", "alias/aws/rds")
	if err != nil {
		t.Fatalf("CopyDBSnapshot: %v", err)
	}
	s := out.DBSnapshot
	if !aws.ToBool(s.Encrypted) || !strings.Contains(aws.ToString(s.KmsKeyId), ":key/") || aws.ToString(s.Status) != "creating" || len(s.TagList) != 1 ||
		!strings.HasSuffix(aws.ToString(s.SourceDBSnapshotIdentifier), ":snapshot:plain") {
		t.Errorf("CopyDBSnapshot = %+v", s)
	}
	// The AWS managed key is made on first use, as KMS makes it.
	k, err := kms.NewFromConfig(cfg).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/rds")})
	if err != nil || aws.ToString(k.KeyMetadata.Arn) != aws.ToString(s.KmsKeyId) || string(k.KeyMetadata.KeyManager) != "AWS" {
		t.Errorf("DescribeKey(alias/aws/rds) = %+v, %v", k, err)
	}
	if _, err := copyTo("plain-encrypted", ""); apiCode(err) != "DBSnapshotAlreadyExists" {
		t.Errorf("copy over an existing snapshot: %v", err)
	}
	if _, err := cli.CopyDBSnapshot(ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String("plain-encrypted"), TargetDBSnapshotIdentifier: aws.String("again")}); apiCode(err) != "InvalidDBSnapshotState" {
		t.Errorf("copy of a snapshot still being created: %v", err)
	}
	sim.Advance(10 * time.Minute)
	d, err := cli.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("plain-encrypted")})
	if err != nil || aws.ToString(d.DBSnapshots[0].Status) != "available" {
		t.Fatalf("after the copy delay: %+v, %v", d, err)
	}
	// Encrypted snapshots cannot be made public.
	_, err = cli.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: aws.String("plain-encrypted"),
		AttributeName: aws.String("restore"), ValuesToAdd: []string{"all"}})
	if apiCode(err) != "InvalidParameterValue" {
		t.Errorf("sharing an encrypted snapshot publicly: %v", err)
	}

	// Automated snapshots are read by their ARN too, and only RDS deletes them.
	auto, err := sim.AddRDSAutomatedSnapshot(awssim.DefaultAccount, awssim.DefaultRegion, "db1")
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:rds:us-east-1:" + awssim.DefaultAccount + ":snapshot:" + auto
	d, err = cli.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(arn)})
	if err != nil || len(d.DBSnapshots) != 1 || aws.ToString(d.DBSnapshots[0].SnapshotType) != "automated" {
		t.Fatalf("DescribeDBSnapshots(%s) = %+v, %v", arn, d, err)
	}
	if _, err := cli.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(auto)}); apiCode(err) != "InvalidDBSnapshotState" {
		t.Errorf("deleting an automated snapshot: %v", err)
	}
}

func TestRDSClusterSnapshots(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := rds.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("aur"), Engine: aws.String("aurora-postgresql"),
		CopyTagsToSnapshot: aws.Bool(true), Tags: []rdstypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := cli.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("aur"), DBClusterSnapshotIdentifier: aws.String("aur-snap")})
	if err != nil {
		t.Fatalf("CreateDBClusterSnapshot: %v", err)
	}
	s := out.DBClusterSnapshot
	if aws.ToString(s.DBClusterSnapshotArn) != "arn:aws:rds:us-east-1:"+awssim.DefaultAccount+":cluster-snapshot:aur-snap" || aws.ToBool(s.StorageEncrypted) ||
		len(s.TagList) != 1 || aws.ToString(s.Status) != "available" {
		t.Errorf("CreateDBClusterSnapshot = %+v", s)
	}
	if _, err := cli.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("aur"), DBClusterSnapshotIdentifier: aws.String("aur-snap")}); apiCode(err) != "DBClusterSnapshotAlreadyExistsFault" {
		t.Errorf("a second snapshot of the same name: %v", err)
	}
	share := func(add, remove []string) (*rds.ModifyDBClusterSnapshotAttributeOutput, error) {
		return cli.ModifyDBClusterSnapshotAttribute(ctx, &rds.ModifyDBClusterSnapshotAttributeInput{DBClusterSnapshotIdentifier: aws.String("aur-snap"),
			AttributeName: aws.String("restore"), ValuesToAdd: add, ValuesToRemove: remove})
	}
	if _, err := share([]string{"all", "111122223333"}, nil); err != nil {
		t.Fatalf("ModifyDBClusterSnapshotAttribute: %v", err)
	}
	pub, err := cli.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{SnapshotType: aws.String("public")})
	if err != nil || len(pub.DBClusterSnapshots) != 1 {
		t.Fatalf("public cluster snapshots = %+v, %v", pub, err)
	}
	if _, err := share(nil, []string{"all"}); err != nil {
		t.Fatal(err)
	}
	attrs, err := cli.DescribeDBClusterSnapshotAttributes(ctx, &rds.DescribeDBClusterSnapshotAttributesInput{DBClusterSnapshotIdentifier: aws.String("aur-snap")})
	if err != nil || len(attrs.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes) != 1 ||
		strings.Join(attrs.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes[0].AttributeValues, ",") != "111122223333" {
		t.Fatalf("DescribeDBClusterSnapshotAttributes = %+v, %v", attrs, err)
	}
	// The instance-snapshot API does not know cluster snapshots.
	if _, err := cli.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: aws.String("aur-snap")}); apiCode(err) != "DBSnapshotNotFound" {
		t.Errorf("DescribeDBSnapshotAttributes of a cluster snapshot: %v", err)
	}
	cp, err := cli.CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String("aur-snap"),
		TargetDBClusterSnapshotIdentifier: aws.String("aur-snap-encrypted"), KmsKeyId: aws.String("alias/aws/rds"), CopyTags: aws.Bool(true)})
	if err != nil || !aws.ToBool(cp.DBClusterSnapshot.StorageEncrypted) || len(cp.DBClusterSnapshot.TagList) != 1 {
		t.Fatalf("CopyDBClusterSnapshot = %+v, %v", cp, err)
	}
	if _, err := cli.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String("aur-snap")}); err != nil {
		t.Fatalf("DeleteDBClusterSnapshot: %v", err)
	}
	if _, err := cli.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String("aur-snap")}); apiCode(err) != "DBClusterSnapshotNotFoundFault" {
		t.Errorf("deleting it again: %v", err)
	}
	tags, err := cli.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: cp.DBClusterSnapshot.DBClusterSnapshotArn})
	if err != nil || len(tags.TagList) != 1 {
		t.Errorf("ListTagsForResource(cluster snapshot) = %+v, %v", tags, err)
	}
}
