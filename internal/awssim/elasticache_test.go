package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestElastiCacheClusters(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := elasticache.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateCacheSubnetGroup(ctx, &elasticache.CreateCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("private"),
		CacheSubnetGroupDescription: aws.String("private subnets"), SubnetIds: []string{"subnet-1", "subnet-2"}}); err != nil {
		t.Fatalf("CreateCacheSubnetGroup: %v", err)
	}
	sg, err := cli.DescribeCacheSubnetGroups(ctx, &elasticache.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String("private")})
	if err != nil || len(sg.CacheSubnetGroups) != 1 || len(sg.CacheSubnetGroups[0].Subnets) != 2 {
		t.Fatalf("DescribeCacheSubnetGroups = %+v, %v", sg, err)
	}
	if _, err := cli.CreateCacheCluster(ctx, &elasticache.CreateCacheClusterInput{CacheClusterId: aws.String("sessions"), CacheNodeType: aws.String("cache.t3.micro"),
		Engine: aws.String("redis"), CacheSubnetGroupName: aws.String("missing")}); apiCode(err) != "CacheSubnetGroupNotFoundFault" {
		t.Fatalf("a missing subnet group: %v", err)
	}
	out, err := cli.CreateCacheCluster(ctx, &elasticache.CreateCacheClusterInput{CacheClusterId: aws.String("Sessions"), CacheNodeType: aws.String("cache.t3.micro"),
		Engine: aws.String("redis"), CacheSubnetGroupName: aws.String("private"), AutoMinorVersionUpgrade: aws.Bool(false)})
	if err != nil || aws.ToString(out.CacheCluster.CacheClusterId) != "sessions" || aws.ToBool(out.CacheCluster.AutoMinorVersionUpgrade) ||
		aws.ToInt32(out.CacheCluster.SnapshotRetentionLimit) != 0 || aws.ToString(out.CacheCluster.CacheSubnetGroupName) != "private" {
		t.Fatalf("CreateCacheCluster = %+v, %v", out, err)
	}
	mod, err := cli.ModifyCacheCluster(ctx, &elasticache.ModifyCacheClusterInput{CacheClusterId: aws.String("sessions"), AutoMinorVersionUpgrade: aws.Bool(true), SnapshotRetentionLimit: aws.Int32(7)})
	if err != nil || !aws.ToBool(mod.CacheCluster.AutoMinorVersionUpgrade) || aws.ToInt32(mod.CacheCluster.SnapshotRetentionLimit) != 7 {
		t.Fatalf("ModifyCacheCluster = %+v, %v", mod, err)
	}
	if _, err := cli.ModifyCacheCluster(ctx, &elasticache.ModifyCacheClusterInput{CacheClusterId: aws.String("sessions"), SnapshotRetentionLimit: aws.Int32(36)}); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("retention of 36 days: %v", err)
	}
	if _, err := cli.CreateCacheCluster(ctx, &elasticache.CreateCacheClusterInput{CacheClusterId: aws.String("memo"), CacheNodeType: aws.String("cache.t3.micro"),
		Engine: aws.String("memcached"), NumCacheNodes: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ModifyCacheCluster(ctx, &elasticache.ModifyCacheClusterInput{CacheClusterId: aws.String("memo"), SnapshotRetentionLimit: aws.Int32(1)}); apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("backups of a Memcached cluster: %v", err)
	}
	d, err := cli.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String("memo")})
	if err != nil || len(d.CacheClusters) != 1 || d.CacheClusters[0].SnapshotRetentionLimit != nil || aws.ToInt32(d.CacheClusters[0].NumCacheNodes) != 2 {
		t.Fatalf("DescribeCacheClusters(memo) = %+v, %v", d, err)
	}
	if _, err := cli.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String("none")}); apiCode(err) != "CacheClusterNotFound" {
		t.Errorf("a missing cluster: %v", err)
	}
}

func TestElastiCacheReplicationGroups(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := elasticache.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{ReplicationGroupId: aws.String("solo"),
		ReplicationGroupDescription: aws.String("one node"), CacheNodeType: aws.String("cache.t3.micro"), NumCacheClusters: aws.Int32(1),
		AutomaticFailoverEnabled: aws.Bool(true)}); apiCode(err) != "InvalidParameterCombination" {
		t.Fatalf("failover without a replica: %v", err)
	}
	if _, err := cli.CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{ReplicationGroupId: aws.String("solo"),
		ReplicationGroupDescription: aws.String("one node"), CacheNodeType: aws.String("cache.t3.micro"), NumCacheClusters: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("solo"), AutomaticFailoverEnabled: aws.Bool(true),
		ApplyImmediately: aws.Bool(true)}); apiCode(err) != "InvalidParameterCombination" {
		t.Fatalf("enabling failover without a replica: %v", err)
	}

	out, err := cli.CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{ReplicationGroupId: aws.String("cart"),
		ReplicationGroupDescription: aws.String("cart"), CacheNodeType: aws.String("cache.t3.micro"), Engine: aws.String("valkey"), NumCacheClusters: aws.Int32(2),
		AutoMinorVersionUpgrade: aws.Bool(false)})
	if err != nil {
		t.Fatalf("CreateReplicationGroup: %v", err)
	}
	g := out.ReplicationGroup
	if len(g.MemberClusters) != 2 || g.AutomaticFailover != ectypes.AutomaticFailoverStatusDisabled || len(g.NodeGroups) != 1 ||
		len(g.NodeGroups[0].NodeGroupMembers) != 2 || aws.ToString(g.NodeGroups[0].NodeGroupMembers[0].CurrentRole) != "primary" || aws.ToBool(g.AutoMinorVersionUpgrade) {
		t.Errorf("CreateReplicationGroup = %+v", g)
	}
	// A member refuses the group's settings.
	if _, err := cli.ModifyCacheCluster(ctx, &elasticache.ModifyCacheClusterInput{CacheClusterId: aws.String("cart-001"), AutoMinorVersionUpgrade: aws.Bool(true)}); apiCode(err) != "InvalidParameterCombination" {
		t.Fatalf("AutoMinorVersionUpgrade on a member: %v", err)
	}
	mod, err := cli.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("cart"), AutomaticFailoverEnabled: aws.Bool(true),
		AutoMinorVersionUpgrade: aws.Bool(true), SnapshotRetentionLimit: aws.Int32(3), ApplyImmediately: aws.Bool(true)})
	if err != nil || mod.ReplicationGroup.AutomaticFailover != ectypes.AutomaticFailoverStatusEnabled || !aws.ToBool(mod.ReplicationGroup.AutoMinorVersionUpgrade) ||
		aws.ToInt32(mod.ReplicationGroup.SnapshotRetentionLimit) != 3 || aws.ToString(mod.ReplicationGroup.SnapshottingClusterId) != "cart-002" {
		t.Fatalf("ModifyReplicationGroup = %+v, %v", mod, err)
	}
	m, err := cli.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String("cart-001")})
	if err != nil || !aws.ToBool(m.CacheClusters[0].AutoMinorVersionUpgrade) || aws.ToString(m.CacheClusters[0].ReplicationGroupId) != "cart" {
		t.Fatalf("a member after the group changed = %+v, %v", m, err)
	}
	if _, err := cli.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("cart"), AutomaticFailoverEnabled: aws.Bool(false),
		MultiAZEnabled: aws.Bool(true)}); apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("Multi-AZ without failover: %v", err)
	}
	d, err := cli.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{})
	if err != nil || len(d.ReplicationGroups) != 2 {
		t.Fatalf("DescribeReplicationGroups = %+v, %v", d, err)
	}
	if _, err := cli.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("none")}); apiCode(err) != "ReplicationGroupNotFoundFault" {
		t.Errorf("a missing group: %v", err)
	}

	// Cluster mode: failover is always on and backups belong to the group.
	cm, err := cli.CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{ReplicationGroupId: aws.String("shards"),
		ReplicationGroupDescription: aws.String("sharded"), CacheNodeType: aws.String("cache.r7g.large"), NumNodeGroups: aws.Int32(2), ReplicasPerNodeGroup: aws.Int32(1)})
	if err != nil || !aws.ToBool(cm.ReplicationGroup.ClusterEnabled) || len(cm.ReplicationGroup.MemberClusters) != 4 || cm.ReplicationGroup.AutomaticFailover != ectypes.AutomaticFailoverStatusEnabled {
		t.Fatalf("CreateReplicationGroup(cluster mode) = %+v, %v", cm, err)
	}
}
