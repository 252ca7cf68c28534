package action

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
)

// ElastiCache actions of the Security Hub controls: automatic backups
// (ElastiCache.1), automatic minor version upgrades (ElastiCache.2) and
// automatic failover (ElastiCache.3). A cluster that belongs to a
// replication group is changed through its group, whose settings these
// are.

var (
	cacheClusterParam = Param{Name: "cache_cluster", Type: String, Default: "", Description: "the cache cluster, by ID or ARN"}
	groupParam        = Param{Name: "replication_group", Type: String, Default: "", Description: "the replication group, by ID or ARN"}
	cacheReads        = []string{"elasticache:DescribeCacheClusters", "elasticache:DescribeReplicationGroups"}
	cacheWrites       = []string{"elasticache:ModifyCacheCluster", "elasticache:ModifyReplicationGroup"}
)

func elastiCacheActions() []Spec {
	return []Spec{
		{
			Name: "elasticache.enable-automatic-backups",
			Description: "Keep daily automatic backups of a Redis OSS or Valkey cache cluster or replication group at least " +
				"retention_days days, raising a shorter retention; a longer one is kept. Backup storage is billed, and a " +
				"snapshot can briefly slow the node it is taken from. Memcached has no backups.",
			Params: []Param{cacheClusterParam, groupParam, {Name: "retention_days", Type: Int, Default: 1, Description: "the fewest days to keep backups (1 to 35)"}},
			Reads:  cacheReads, Writes: cacheWrites,
			Describe: func(in Input) string {
				return fmt.Sprintf("keep automatic backups of %s in account %s at least %d days", cacheWords(in), in.Target.Account, in.Int("retention_days"))
			},
			Run:    func(ctx context.Context, in Input) (Result, error) { return runCacheSetting(ctx, in, cacheBackups) },
			Verify: func(ctx context.Context, in Input, _ Result) error { return verifyCacheSetting(ctx, in, cacheBackups) },
		},
		{
			Name: "elasticache.enable-auto-minor-version-upgrade",
			Description: "Let a cache cluster or replication group take minor engine upgrades automatically in its " +
				"maintenance window, which restarts or fails over its nodes then.",
			Params: []Param{cacheClusterParam, groupParam},
			Reads:  cacheReads, Writes: cacheWrites,
			Describe: func(in Input) string {
				return fmt.Sprintf("turn on automatic minor version upgrades of %s in account %s", cacheWords(in), in.Target.Account)
			},
			Run: func(ctx context.Context, in Input) (Result, error) { return runCacheSetting(ctx, in, cacheAutoMinor) },
			Verify: func(ctx context.Context, in Input, _ Result) error {
				return verifyCacheSetting(ctx, in, cacheAutoMinor)
			},
		},
		{
			Name: "elasticache.enable-automatic-failover",
			Description: "Turn on automatic failover of a replication group, so a replica takes over when the primary fails; " +
				"with multi_az, Multi-AZ too. A group without a read replica in every node group cannot fail over: the action " +
				"says so rather than add (and bill) replicas.",
			Params: []Param{requiredParam(groupParam), {Name: "multi_az", Type: Bool, Default: false, Description: "turn on Multi-AZ as well"}},
			Reads:  cacheReads, Writes: cacheWrites,
			Describe: func(in Input) string {
				also := ""
				if in.Bool("multi_az") {
					also = " and Multi-AZ"
				}
				return fmt.Sprintf("turn on automatic failover%s of replication group %s in account %s", also, in.String("replication_group"), in.Target.Account)
			},
			Run:    enableAutomaticFailover,
			Verify: verifyAutomaticFailover,
		},
	}
}

func cacheWords(in Input) string {
	if g := in.String("replication_group"); g != "" {
		return "replication group " + g
	}
	return "cache cluster " + in.String("cache_cluster")
}

// cacheID returns the ID of an ElastiCache ID or ARN
// (arn:...:elasticache:REGION:ACCOUNT:cluster:ID) and the kind the ARN
// names.
func cacheID(ref string) (id, kind string) {
	if a, ok := parseARN(ref); ok && a.Service == "elasticache" {
		kind, id, _ = strings.Cut(a.Resource, ":")
		return id, kind
	}
	return ref, ""
}

func cacheClusterOf(ctx context.Context, cli *elasticache.Client, id string) (*ectypes.CacheCluster, error) {
	got, err := cli.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(id)})
	switch {
	case IsNotFound(err, "CacheClusterNotFound"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe cache cluster %s: %w", id, err)
	case len(got.CacheClusters) == 0:
		return nil, nil
	}
	return &got.CacheClusters[0], nil
}

func replicationGroupOf(ctx context.Context, cli *elasticache.Client, id string) (*ectypes.ReplicationGroup, error) {
	got, err := cli.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	switch {
	case IsNotFound(err, "ReplicationGroupNotFoundFault"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe replication group %s: %w", id, err)
	case len(got.ReplicationGroups) == 0:
		return nil, nil
	}
	return &got.ReplicationGroups[0], nil
}

// cacheTarget is the cluster or replication group a setting applies to.
type cacheTarget struct {
	cluster *ectypes.CacheCluster
	group   *ectypes.ReplicationGroup
	via     string
}

func (t cacheTarget) words() string {
	if t.group != nil {
		return "replication group " + aws.ToString(t.group.ReplicationGroupId)
	}
	return "cache cluster " + aws.ToString(t.cluster.CacheClusterId)
}

// resolveCache resolves the cache_cluster or replication_group parameter,
// moving from a member cluster to its group; missing says what does not
// exist.
func resolveCache(ctx context.Context, cli *elasticache.Client, in Input, action string) (t cacheTarget, missing string, err error) {
	cl, g := in.String("cache_cluster"), in.String("replication_group")
	if (cl == "") == (g == "") {
		return t, "", errParam(action, "cache_cluster", cl, "give exactly one of cache_cluster and replication_group")
	}
	if cl != "" {
		id, kind := cacheID(cl)
		switch kind {
		case "", "cluster":
		case "replicationgroup":
			g = cl
		default:
			return t, "", errParam(action, "cache_cluster", cl, "an ARN of a %s, not of a cache cluster", kind)
		}
		if g == "" {
			c, err := cacheClusterOf(ctx, cli, id)
			if err != nil || c == nil {
				return t, "cache cluster " + id + " does not exist", err
			}
			rg := aws.ToString(c.ReplicationGroupId)
			if rg == "" {
				return cacheTarget{cluster: c}, "", nil
			}
			g, t.via = rg, fmt.Sprintf(" (cache cluster %s belongs to it)", id)
		}
	}
	id, kind := cacheID(g)
	if kind != "" && kind != "replicationgroup" {
		return t, "", errParam(action, "replication_group", g, "an ARN of a %s, not of a replication group", kind)
	}
	rg, err := replicationGroupOf(ctx, cli, id)
	if err != nil || rg == nil {
		return t, "replication group " + id + " does not exist", err
	}
	t.group = rg
	return t, "", nil
}

// cacheSetting is a setting of clusters and groups.
type cacheSetting struct {
	action, what string
	// check reports whether t is done, and an error for a target that can
	// never be.
	check func(in Input, t cacheTarget) (bool, error)
	// set fills the modification of a cluster or a group.
	setCluster func(in Input, m *elasticache.ModifyCacheClusterInput)
	setGroup   func(in Input, m *elasticache.ModifyReplicationGroupInput)
}

var (
	cacheBackups = cacheSetting{action: "elasticache.enable-automatic-backups", what: "automatic backups",
		check: func(in Input, t cacheTarget) (bool, error) {
			days := in.Int("retention_days")
			if days < 1 || days > 35 {
				return false, errParam("elasticache.enable-automatic-backups", "retention_days", days, "want 1 to 35 days")
			}
			if t.group != nil {
				return int(aws.ToInt32(t.group.SnapshotRetentionLimit)) >= days, nil
			}
			if aws.ToString(t.cluster.Engine) == "memcached" {
				return false, Permanent(fmt.Errorf("cache cluster %s runs Memcached, which has no backups", aws.ToString(t.cluster.CacheClusterId)))
			}
			return int(aws.ToInt32(t.cluster.SnapshotRetentionLimit)) >= days, nil
		},
		setCluster: func(in Input, m *elasticache.ModifyCacheClusterInput) {
			m.SnapshotRetentionLimit = aws.Int32(int32(in.Int("retention_days")))
		},
		setGroup: func(in Input, m *elasticache.ModifyReplicationGroupInput) {
			m.SnapshotRetentionLimit = aws.Int32(int32(in.Int("retention_days")))
		}}
	cacheAutoMinor = cacheSetting{action: "elasticache.enable-auto-minor-version-upgrade", what: "automatic minor version upgrades",
		check: func(_ Input, t cacheTarget) (bool, error) {
			if t.group != nil {
				return aws.ToBool(t.group.AutoMinorVersionUpgrade), nil
			}
			return aws.ToBool(t.cluster.AutoMinorVersionUpgrade), nil
		},
		setCluster: func(_ Input, m *elasticache.ModifyCacheClusterInput) { m.AutoMinorVersionUpgrade = aws.Bool(true) },
		setGroup:   func(_ Input, m *elasticache.ModifyReplicationGroupInput) { m.AutoMinorVersionUpgrade = aws.Bool(true) }}
)

func runCacheSetting(ctx context.Context, in Input, s cacheSetting) (Result, error) {
	cli := elasticache.NewFromConfig(in.AWS)
	out := map[string]any{"modified": ""}
	t, missing, err := resolveCache(ctx, cli, in, s.action)
	switch {
	case err != nil:
		return Result{}, err
	case missing != "":
		return Result{Outcome: NotFound, Message: missing, Output: out}, nil
	}
	out["modified"] = t.words()
	done, err := s.check(in, t)
	if err != nil {
		return Result{}, err
	}
	if done {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("%s already has %s%s", t.words(), s.what, t.via), Output: out}, nil
	}
	if t.group != nil {
		if st := aws.ToString(t.group.Status); st != "available" {
			return Result{}, RetryLater(fmt.Errorf("%s is %s, not available", t.words(), st), 5*time.Minute)
		}
		m := &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: t.group.ReplicationGroupId, ApplyImmediately: aws.Bool(true)}
		s.setGroup(in, m)
		_, err = cli.ModifyReplicationGroup(ctx, m)
	} else {
		if st := aws.ToString(t.cluster.CacheClusterStatus); st != "available" {
			return Result{}, RetryLater(fmt.Errorf("%s is %s, not available", t.words(), st), 5*time.Minute)
		}
		m := &elasticache.ModifyCacheClusterInput{CacheClusterId: t.cluster.CacheClusterId, ApplyImmediately: aws.Bool(true)}
		s.setCluster(in, m)
		_, err = cli.ModifyCacheCluster(ctx, m)
	}
	switch {
	case HasCode(err, "InvalidCacheClusterState", "InvalidReplicationGroupState"):
		return Result{}, RetryLater(fmt.Errorf("modify %s: %w", t.words(), err), 5*time.Minute)
	case err != nil:
		return Result{}, fmt.Errorf("modify %s: %w", t.words(), err)
	}
	what := s.what
	if s.action == cacheBackups.action {
		what = fmt.Sprintf("automatic backups kept %d day(s)", in.Int("retention_days"))
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("turned on %s of %s%s", what, t.words(), t.via), Output: out}, nil
}

func verifyCacheSetting(ctx context.Context, in Input, s cacheSetting) error {
	t, missing, err := resolveCache(ctx, elasticache.NewFromConfig(in.AWS), in, s.action)
	switch {
	case err != nil:
		return err
	case missing != "":
		return Mismatch("%s", missing)
	}
	done, err := s.check(in, t)
	if err != nil {
		return err
	}
	if !done {
		return Mismatch("%s does not have %s", t.words(), s.what)
	}
	return nil
}

func enableAutomaticFailover(ctx context.Context, in Input) (Result, error) {
	cli := elasticache.NewFromConfig(in.AWS)
	id, _ := cacheID(in.String("replication_group"))
	out := map[string]any{"replication_group": id}
	g, err := replicationGroupOf(ctx, cli, id)
	switch {
	case err != nil:
		return Result{}, err
	case g == nil:
		return Result{Outcome: NotFound, Message: "replication group " + id + " does not exist", Output: out}, nil
	}
	failover := g.AutomaticFailover == ectypes.AutomaticFailoverStatusEnabled || g.AutomaticFailover == ectypes.AutomaticFailoverStatusEnabling
	multiAZ := g.MultiAZ == ectypes.MultiAZStatusEnabled
	if failover && (multiAZ || !in.Bool("multi_az")) {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("replication group %s already fails over automatically", id), Output: out}, nil
	}
	for _, ng := range g.NodeGroups {
		if len(ng.NodeGroupMembers) < 2 {
			return Result{}, Permanent(fmt.Errorf("replication group %s has no read replica in node group %s, so it cannot fail over: add a replica (which is billed) first",
				id, aws.ToString(ng.NodeGroupId)))
		}
	}
	if st := aws.ToString(g.Status); st != "available" {
		return Result{}, RetryLater(fmt.Errorf("replication group %s is %s, not available", id, st), 5*time.Minute)
	}
	m := &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String(id), AutomaticFailoverEnabled: aws.Bool(true), ApplyImmediately: aws.Bool(true)}
	if in.Bool("multi_az") {
		m.MultiAZEnabled = aws.Bool(true)
	}
	if _, err := cli.ModifyReplicationGroup(ctx, m); err != nil {
		if HasCode(err, "InvalidReplicationGroupState") {
			return Result{}, RetryLater(fmt.Errorf("modify replication group %s: %w", id, err), 5*time.Minute)
		}
		return Result{}, fmt.Errorf("modify replication group %s: %w", id, err)
	}
	what := "automatic failover"
	if in.Bool("multi_az") {
		what += " and Multi-AZ"
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("turned on %s of replication group %s", what, id), Output: out}, nil
}

func verifyAutomaticFailover(ctx context.Context, in Input, _ Result) error {
	id, _ := cacheID(in.String("replication_group"))
	g, err := replicationGroupOf(ctx, elasticache.NewFromConfig(in.AWS), id)
	switch {
	case err != nil:
		return err
	case g == nil:
		return Mismatch("replication group %s does not exist", id)
	case g.AutomaticFailover != ectypes.AutomaticFailoverStatusEnabled && g.AutomaticFailover != ectypes.AutomaticFailoverStatusEnabling:
		return Mismatch("replication group %s has automatic failover %s", id, g.AutomaticFailover)
	case in.Bool("multi_az") && g.MultiAZ != ectypes.MultiAZStatusEnabled:
		return Mismatch("replication group %s has Multi-AZ %s", id, g.MultiAZ)
	}
	return nil
}
