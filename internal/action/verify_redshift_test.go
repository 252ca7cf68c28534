package action

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func (w *world) redshift() *redshift.Client { return redshift.NewFromConfig(w.cfg) }

// redshiftCluster makes a public cluster "wh" without automated
// snapshots or version upgrades.
func (w *world) redshiftCluster() string {
	_, err := w.redshift().CreateCluster(w.ctx, &redshift.CreateClusterInput{ClusterIdentifier: aws.String("wh"), NodeType: aws.String("ra3.xlplus"),
		MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("Secret-pass-1"), PubliclyAccessible: aws.Bool(true),
		AllowVersionUpgrade: aws.Bool(false), AutomatedSnapshotRetentionPeriod: aws.Int32(0)})
	w.must(err)
	return "wh"
}

func (w *world) modifyRedshift(in *redshift.ModifyClusterInput) {
	in.ClusterIdentifier = aws.String("wh")
	_, err := w.redshift().ModifyCluster(w.ctx, in)
	w.must(err)
}

func (w *world) ec() *elasticache.Client { return elasticache.NewFromConfig(w.cfg) }

// replicationGroup makes a Valkey replication group of one primary and
// replicas replicas, without backups, failover or automatic upgrades.
func (w *world) replicationGroup(id string, replicas int32) string {
	_, err := w.ec().CreateReplicationGroup(w.ctx, &elasticache.CreateReplicationGroupInput{ReplicationGroupId: aws.String(id),
		ReplicationGroupDescription: aws.String(id), CacheNodeType: aws.String("cache.t4g.micro"), Engine: aws.String("valkey"),
		NumCacheClusters: aws.Int32(replicas + 1), AutoMinorVersionUpgrade: aws.Bool(false)})
	w.must(err)
	return id
}

func (w *world) cacheCluster(id, engine string) string {
	_, err := w.ec().CreateCacheCluster(w.ctx, &elasticache.CreateCacheClusterInput{CacheClusterId: aws.String(id), CacheNodeType: aws.String("cache.t4g.micro"),
		Engine: aws.String(engine), AutoMinorVersionUpgrade: aws.Bool(false)})
	w.must(err)
	return id
}

// dataScenarios are the scenarios of the Redshift and ElastiCache
// actions.
var dataScenarios = map[string]scenario{
	"redshift.disable-public-access": {
		setup: func(w *world) Input { return w.input(map[string]any{"cluster": w.redshiftCluster()}) },
		undo: func(w *world, _ Input, _ Result) {
			w.modifyRedshift(&redshift.ModifyClusterInput{PubliclyAccessible: aws.Bool(true)})
		},
	},
	"redshift.set-snapshot-retention": {
		setup: func(w *world) Input { return w.input(map[string]any{"cluster": w.redshiftCluster()}) },
		undo: func(w *world, _ Input, _ Result) {
			w.modifyRedshift(&redshift.ModifyClusterInput{AutomatedSnapshotRetentionPeriod: aws.Int32(1)})
		},
	},
	"redshift.enable-audit-logging": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"cluster": "arn:aws:redshift:us-east-1:123456789012:cluster:" + w.redshiftCluster()})
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := w.redshift().DisableLogging(w.ctx, &redshift.DisableLoggingInput{ClusterIdentifier: aws.String("wh")})
			w.must(err)
		},
	},
	"redshift.enable-version-upgrade": {
		setup: func(w *world) Input { return w.input(map[string]any{"cluster": w.redshiftCluster()}) },
		undo: func(w *world, _ Input, _ Result) {
			w.modifyRedshift(&redshift.ModifyClusterInput{AllowVersionUpgrade: aws.Bool(false)})
		},
	},
	"elasticache.enable-automatic-backups": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"cache_cluster": w.cacheCluster("sessions", "redis")})
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := w.ec().ModifyCacheCluster(w.ctx, &elasticache.ModifyCacheClusterInput{CacheClusterId: aws.String("sessions"), SnapshotRetentionLimit: aws.Int32(0)})
			w.must(err)
		},
	},
	"elasticache.enable-auto-minor-version-upgrade": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"cache_cluster": w.cacheCluster("sessions", "redis")})
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := w.ec().ModifyCacheCluster(w.ctx, &elasticache.ModifyCacheClusterInput{CacheClusterId: aws.String("sessions"), AutoMinorVersionUpgrade: aws.Bool(false)})
			w.must(err)
		},
	},
	"elasticache.enable-automatic-failover": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"replication_group": w.replicationGroup("cart", 1)})
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := w.ec().ModifyReplicationGroup(w.ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("cart"), AutomaticFailoverEnabled: aws.Bool(false)})
			w.must(err)
		},
	},
}

// Redshift.3: a longer retention is kept; a shorter one is raised.
func TestSnapshotRetentionOnlyRises(t *testing.T) {
	w := newWorld(t)
	w.redshiftCluster()
	w.modifyRedshift(&redshift.ModifyClusterInput{AutomatedSnapshotRetentionPeriod: aws.Int32(14)})
	mark := w.markAll()
	res, err := w.do("redshift.set-snapshot-retention", map[string]any{"cluster": "wh", "min_days": 7})
	w.expectOutcome("14 days kept", res, err, AlreadyDone)
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes = %v", w.writesAll(mark))
	}
	res = w.mustDo("redshift.set-snapshot-retention", map[string]any{"cluster": "wh", "min_days": 21})
	if res.Message != "set the automated snapshot retention of Redshift cluster wh to 21 days (was 14)" {
		t.Errorf("Run = %+v", res)
	}
	res, err = w.do("redshift.set-snapshot-retention", map[string]any{"cluster": "missing"})
	w.expectOutcome("missing", res, err, NotFound)
}

// Redshift.4: CloudWatch Logs needs nothing beforehand; an S3 bucket of
// the user's keeps its policy and gains Redshift's statements.
func TestRedshiftAuditLogging(t *testing.T) {
	w := newWorld(t)
	w.redshiftCluster()
	res := w.mustDo("redshift.enable-audit-logging", map[string]any{"cluster": "wh"})
	if res.Outcome != Changed || res.Output["destination"] != "cloudwatch" {
		t.Fatalf("Run = %+v", res)
	}
	st, err := w.redshift().DescribeLoggingStatus(w.ctx, &redshift.DescribeLoggingStatusInput{ClusterIdentifier: aws.String("wh")})
	w.must(err)
	if st.LogDestinationType != rstypes.LogDestinationTypeCloudwatch || len(st.LogExports) != 3 {
		t.Errorf("logging = %+v", st)
	}
	res, err = w.do("redshift.enable-audit-logging", map[string]any{"cluster": "wh", "destination": "s3", "bucket": "create"})
	w.expectOutcome("logging already", res, err, AlreadyDone)

	w2 := newWorld(t)
	w2.redshiftCluster()
	b := w2.bucket()
	w2.putPolicy(b, crossAccountPolicy(b))
	res = w2.mustDo("redshift.enable-audit-logging", map[string]any{"cluster": "wh", "destination": "s3", "bucket": b, "prefix": "audit/"})
	if s := sidsOf(w2.policyOf(b)); !slices.Equal(s, []string{"Partner", "RedshiftAuditLogsAcl", "RedshiftAuditLogsWrite"}) {
		t.Errorf("bucket policy = %v", s)
	}
	w3 := newWorld(t)
	w3.redshiftCluster()
	_, err = w3.do("redshift.enable-audit-logging", map[string]any{"cluster": "wh", "destination": "s3"})
	w3.expectPermanent(err, "bucket")
	res = w3.mustDo("redshift.enable-audit-logging", map[string]any{"cluster": "wh", "destination": "s3", "bucket": "create"})
	if created := createdList(res.Output); len(created) != 1 || !strings.Contains(created[0], "rectify-redshift-audit-logs-") {
		t.Errorf("created = %v", created)
	}
	if _, err := w3.s3.GetBucketPolicy(w3.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("rectify-redshift-audit-logs-123456789012-us-east-1")}); err != nil {
		t.Errorf("rectify's bucket has no policy: %v", err)
	}
}

// ElastiCache: a member cluster is changed through its replication group;
// Memcached has no backups; failover needs a replica.
func TestElastiCacheSettingsThroughTheGroup(t *testing.T) {
	w := newWorld(t)
	w.replicationGroup("cart", 1)
	mark := w.markAll()
	res := w.mustDo("elasticache.enable-auto-minor-version-upgrade", map[string]any{"cache_cluster": "arn:aws:elasticache:us-east-1:123456789012:cluster:cart-001"})
	if res.Output["modified"] != "replication group cart" || !strings.Contains(res.Message, "cache cluster cart-001 belongs to it") {
		t.Fatalf("Run = %+v", res)
	}
	if got := w.writesAll(mark); !slices.Equal(got, []string{"ModifyReplicationGroup"}) {
		t.Errorf("writes = %v", got)
	}
	res = w.mustDo("elasticache.enable-automatic-backups", map[string]any{"replication_group": "cart", "retention_days": 3})
	g, err := w.ec().DescribeReplicationGroups(w.ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("cart")})
	w.must(err)
	if aws.ToInt32(g.ReplicationGroups[0].SnapshotRetentionLimit) != 3 {
		t.Errorf("retention = %d", aws.ToInt32(g.ReplicationGroups[0].SnapshotRetentionLimit))
	}
	res, err = w.do("elasticache.enable-automatic-backups", map[string]any{"replication_group": "cart", "retention_days": 1})
	w.expectOutcome("3 days kept", res, err, AlreadyDone)

	w.cacheCluster("memo", "memcached")
	_, err = w.do("elasticache.enable-automatic-backups", map[string]any{"cache_cluster": "memo"})
	w.expectPermanent(err, "Memcached")

	w.replicationGroup("solo", 0)
	mark = w.markAll()
	_, err = w.do("elasticache.enable-automatic-failover", map[string]any{"replication_group": "solo"})
	w.expectPermanent(err, "no read replica")
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes = %v", w.writesAll(mark))
	}
	res = w.mustDo("elasticache.enable-automatic-failover", map[string]any{"replication_group": "cart", "multi_az": true})
	g, err = w.ec().DescribeReplicationGroups(w.ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("cart")})
	w.must(err)
	if g.ReplicationGroups[0].AutomaticFailover != ectypes.AutomaticFailoverStatusEnabled || g.ReplicationGroups[0].MultiAZ != ectypes.MultiAZStatusEnabled {
		t.Errorf("group = %+v", g.ReplicationGroups[0])
	}
	_, err = w.do("elasticache.enable-auto-minor-version-upgrade", map[string]any{})
	w.expectPermanent(err, "exactly one of cache_cluster and replication_group")
	res, err = w.do("elasticache.enable-auto-minor-version-upgrade", map[string]any{"cache_cluster": "missing"})
	w.expectOutcome("missing", res, err, NotFound)
}
