package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestRedshiftClusters(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := redshift.NewFromConfig(sim.Config(""))
	out, err := cli.CreateCluster(ctx, &redshift.CreateClusterInput{ClusterIdentifier: aws.String("Analytics"), NodeType: aws.String("ra3.xlplus"),
		MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("Secret-pass-1"), PubliclyAccessible: aws.Bool(true),
		AllowVersionUpgrade: aws.Bool(false), AutomatedSnapshotRetentionPeriod: aws.Int32(0), VpcSecurityGroupIds: []string{"sg-1"},
		Tags: []rstypes.Tag{{Key: aws.String("team"), Value: aws.String("bi")}}})
	if err != nil {
		t.Fatalf("CreateCluster: %v", err)
	}
	cl := out.Cluster
	if aws.ToString(cl.ClusterIdentifier) != "analytics" || !aws.ToBool(cl.PubliclyAccessible) || aws.ToBool(cl.AllowVersionUpgrade) ||
		aws.ToInt32(cl.AutomatedSnapshotRetentionPeriod) != 0 || len(cl.VpcSecurityGroups) != 1 || len(cl.Tags) != 1 || aws.ToString(cl.ClusterStatus) != "available" {
		t.Errorf("CreateCluster = %+v", cl)
	}
	if _, err := cli.ModifyCluster(ctx, &redshift.ModifyClusterInput{ClusterIdentifier: aws.String("analytics"), AutomatedSnapshotRetentionPeriod: aws.Int32(40)}); apiCode(err) != "InvalidRetentionPeriodFault" {
		t.Fatalf("retention of 40 days: %v", err)
	}
	mod, err := cli.ModifyCluster(ctx, &redshift.ModifyClusterInput{ClusterIdentifier: aws.String("analytics"), PubliclyAccessible: aws.Bool(false),
		AllowVersionUpgrade: aws.Bool(true), AutomatedSnapshotRetentionPeriod: aws.Int32(7)})
	if err != nil || aws.ToBool(mod.Cluster.PubliclyAccessible) || !aws.ToBool(mod.Cluster.AllowVersionUpgrade) || aws.ToInt32(mod.Cluster.AutomatedSnapshotRetentionPeriod) != 7 {
		t.Fatalf("ModifyCluster = %+v, %v", mod, err)
	}
	d, err := cli.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("analytics")})
	if err != nil || len(d.Clusters) != 1 || aws.ToInt32(d.Clusters[0].AutomatedSnapshotRetentionPeriod) != 7 {
		t.Fatalf("DescribeClusters = %+v, %v", d, err)
	}
	if _, err := cli.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("none")}); apiCode(err) != "ClusterNotFound" {
		t.Errorf("DescribeClusters of a missing cluster: %v", err)
	}
	if _, err := cli.DeleteCluster(ctx, &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("analytics")}); apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("DeleteCluster without a final snapshot decision: %v", err)
	}
}

func TestRedshiftAuditLogging(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	cli := redshift.NewFromConfig(cfg)
	if _, err := cli.CreateCluster(ctx, &redshift.CreateClusterInput{ClusterIdentifier: aws.String("wh"), NodeType: aws.String("ra3.xlplus"),
		MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("Secret-pass-1")}); err != nil {
		t.Fatal(err)
	}
	st, err := cli.DescribeLoggingStatus(ctx, &redshift.DescribeLoggingStatusInput{ClusterIdentifier: aws.String("wh")})
	if err != nil || aws.ToBool(st.LoggingEnabled) {
		t.Fatalf("logging of a new cluster = %+v, %v", st, err)
	}
	enable := func(bucket string) error {
		_, err := cli.EnableLogging(ctx, &redshift.EnableLoggingInput{ClusterIdentifier: aws.String("wh"), BucketName: aws.String(bucket), S3KeyPrefix: aws.String("wh/")})
		return err
	}
	if err := enable("audit"); apiCode(err) != "BucketNotFoundFault" {
		t.Fatalf("logging to a missing bucket: %v", err)
	}
	s3c := s3.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("audit")}); err != nil {
		t.Fatal(err)
	}
	if err := enable("audit"); apiCode(err) != "InsufficientS3BucketPolicyFault" {
		t.Fatalf("logging to a bucket that does not let Redshift write: %v", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":["s3:PutObject","s3:GetBucketAcl"],"Resource":["arn:aws:s3:::audit","arn:aws:s3:::audit/*"]}]}`
	if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("audit"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if err := enable("audit"); err != nil {
		t.Fatalf("EnableLogging: %v", err)
	}
	st, err = cli.DescribeLoggingStatus(ctx, &redshift.DescribeLoggingStatusInput{ClusterIdentifier: aws.String("wh")})
	if err != nil || !aws.ToBool(st.LoggingEnabled) || aws.ToString(st.BucketName) != "audit" || aws.ToString(st.S3KeyPrefix) != "wh/" || st.LogDestinationType != rstypes.LogDestinationTypeS3 {
		t.Fatalf("DescribeLoggingStatus = %+v, %v", st, err)
	}
	if _, err := cli.EnableLogging(ctx, &redshift.EnableLoggingInput{ClusterIdentifier: aws.String("wh"), LogDestinationType: rstypes.LogDestinationTypeCloudwatch}); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("CloudWatch logging without log exports: %v", err)
	}
	cw, err := cli.EnableLogging(ctx, &redshift.EnableLoggingInput{ClusterIdentifier: aws.String("wh"), LogDestinationType: rstypes.LogDestinationTypeCloudwatch,
		LogExports: []string{"connectionlog", "userlog", "useractivitylog"}})
	if err != nil || !aws.ToBool(cw.LoggingEnabled) || cw.LogDestinationType != rstypes.LogDestinationTypeCloudwatch || len(cw.LogExports) != 3 || cw.BucketName != nil {
		t.Fatalf("EnableLogging(cloudwatch) = %+v, %v", cw, err)
	}
	if _, err := cli.DisableLogging(ctx, &redshift.DisableLoggingInput{ClusterIdentifier: aws.String("wh")}); err != nil {
		t.Fatal(err)
	}
	st, _ = cli.DescribeLoggingStatus(ctx, &redshift.DescribeLoggingStatusInput{ClusterIdentifier: aws.String("wh")})
	if aws.ToBool(st.LoggingEnabled) {
		t.Errorf("logging after DisableLogging = %+v", st)
	}
	if _, err := cli.EnableLogging(ctx, &redshift.EnableLoggingInput{ClusterIdentifier: aws.String("none"), BucketName: aws.String("audit")}); apiCode(err) != "ClusterNotFound" {
		t.Errorf("logging of a missing cluster: %v", err)
	}
}
