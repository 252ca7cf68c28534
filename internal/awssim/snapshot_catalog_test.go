package awssim_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// TestSnapshotRestoresDataServices saves and restores the state of the
// data store services and S3's bucket configurations.
func TestSnapshotRestoresDataServices(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	s3c := s3.NewFromConfig(cfg)
	mustBucket(t, s3c, "data")
	if _, err := s3c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("data"), LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
		Rules: []s3types.LifecycleRule{{ID: aws.String("r"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{}, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(9)}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rds.NewFromConfig(cfg).CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("aur"), Engine: aws.String("aurora-mysql")}); err != nil {
		t.Fatal(err)
	}
	if _, err := rds.NewFromConfig(cfg).CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("aur"), DBClusterSnapshotIdentifier: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := redshift.NewFromConfig(cfg).CreateCluster(ctx, &redshift.CreateClusterInput{ClusterIdentifier: aws.String("wh"), NodeType: aws.String("ra3.xlplus"),
		MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("Secret-pass-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := elasticache.NewFromConfig(cfg).CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{ReplicationGroupId: aws.String("rg"),
		ReplicationGroupDescription: aws.String("rg"), CacheNodeType: aws.String("cache.t4g.micro"), NumCacheClusters: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	provisionedTable(t, dynamodb.NewFromConfig(cfg), "orders")
	if _, err := aas.NewFromConfig(cfg).RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
		ResourceId: aws.String("table/orders"), ScalableDimension: aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits, MinCapacity: aws.Int32(5), MaxCapacity: aws.Int32(50)}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	if err := sim.SaveState(path); err != nil {
		t.Fatal(err)
	}

	sim2 := awssim.Start(t)
	if err := sim2.LoadState(path); err != nil {
		t.Fatal(err)
	}
	cfg2 := sim2.Config("")
	if got, err := s3.NewFromConfig(cfg2).GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("data")}); err != nil || len(got.Rules) != 1 {
		t.Errorf("restored lifecycle = %+v, %v", got, err)
	}
	if got, err := rds.NewFromConfig(cfg2).DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{}); err != nil || len(got.DBClusterSnapshots) != 1 {
		t.Errorf("restored cluster snapshots = %+v, %v", got, err)
	}
	if got, err := redshift.NewFromConfig(cfg2).DescribeClusters(ctx, &redshift.DescribeClustersInput{}); err != nil || len(got.Clusters) != 1 {
		t.Errorf("restored Redshift clusters = %+v, %v", got, err)
	}
	if got, err := elasticache.NewFromConfig(cfg2).DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{}); err != nil || len(got.CacheClusters) != 2 {
		t.Errorf("restored cache clusters = %+v, %v", got, err)
	}
	if _, err := secretsmanager.NewFromConfig(cfg2).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")}); err != nil {
		t.Errorf("restored secret: %v", err)
	}
	if got, err := aas.NewFromConfig(cfg2).DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb}); err != nil || len(got.ScalableTargets) != 1 {
		t.Errorf("restored scalable targets = %+v, %v", got, err)
	}
}
