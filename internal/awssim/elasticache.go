package awssim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ElastiCache: cache clusters (Redis OSS, Valkey, Memcached), replication
// groups with their member clusters and node groups, and cache subnet
// groups. State is per account and region; everything is available at
// once.
//
// Automatic backups (SnapshotRetentionLimit, 0 to 35 days) do not apply
// to Memcached. Settings of a replication group as a whole (its backups,
// automatic minor version upgrade) are changed through the group: a
// member cluster refuses them. Automatic failover needs a read replica in
// every node group; Multi-AZ needs automatic failover.

const elasticacheXMLNS = "http://elasticache.amazonaws.com/doc/2015-02-02/"

type elastiCacheService struct {
	s *Server
	// Clusters, Groups and SubnetGroups are keyed by scopeKey, then by
	// identifier.
	Clusters     map[string]map[string]*cacheCluster
	Groups       map[string]map[string]*replicationGroup
	SubnetGroups map[string]map[string]*cacheSubnetGroup
}

type cacheCluster struct {
	ID, ARN, NodeType, Engine, EngineVersion, SubnetGroup, Group, AZ string
	Nodes                                                            int
	Created                                                          time.Time
	AutoMinorUpgrade                                                 bool
	SnapshotRetention                                                int
	Tags                                                             []rdsTag
}

type replicationGroup struct {
	ID, ARN, Description, NodeType, Engine, SnapshottingCluster string
	ClusterMode                                                 bool
	// NodeGroups lists each node group's member clusters, the primary
	// first.
	NodeGroups                          [][]string
	AutomaticFailover, MultiAZ          bool
	AutoMinorUpgrade                    bool
	SnapshotRetention                   int
	TransitEncryption, AtRestEncryption bool
	Created                             time.Time
	Tags                                []rdsTag
}

type cacheSubnetGroup struct {
	Name, ARN, Description string
	Subnets                []string
	Tags                   []rdsTag
}

func newElastiCache(s *Server) *serviceDef {
	svc := &elastiCacheService{s: s, Clusters: map[string]map[string]*cacheCluster{}, Groups: map[string]map[string]*replicationGroup{},
		SubnetGroups: map[string]map[string]*cacheSubnetGroup{}}
	return &serviceDef{
		Name: "elasticache", EventSource: "elasticache.amazonaws.com", Protocol: protoQuery, XMLNS: elasticacheXMLNS,
		State: svc, Resources: elastiCacheResources,
		Query: map[string]queryHandler{
			"CreateCacheCluster":        svc.createCacheCluster,
			"DescribeCacheClusters":     svc.describeCacheClusters,
			"ModifyCacheCluster":        svc.modifyCacheCluster,
			"DeleteCacheCluster":        svc.deleteCacheCluster,
			"CreateReplicationGroup":    svc.createReplicationGroup,
			"DescribeReplicationGroups": svc.describeReplicationGroups,
			"ModifyReplicationGroup":    svc.modifyReplicationGroup,
			"DeleteReplicationGroup":    svc.deleteReplicationGroup,
			"CreateCacheSubnetGroup":    svc.createCacheSubnetGroup,
			"DescribeCacheSubnetGroups": svc.describeCacheSubnetGroups,
		},
	}
}

// elastiCacheResources names the cluster, replication group or subnet
// group a call acts on.
func elastiCacheResources(c *call) ([]string, bool) {
	for _, p := range []struct{ param, typ string }{
		{"ReplicationGroupId", "replicationgroup:"}, {"CacheClusterId", "cluster:"}, {"CacheSubnetGroupName", "subnetgroup:"},
	} {
		if id := c.param(p.param); id != "" {
			return named(nameARN(c, "elasticache", p.typ, strings.ToLower(id)))
		}
	}
	if strings.HasPrefix(c.op, "Describe") {
		return noResource()
	}
	return nil, false
}

func ecInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

func ecCombination(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterCombination", format, args...)
}

func (svc *elastiCacheService) clusters(c *call) map[string]*cacheCluster {
	return scoped(svc.Clusters, c)
}
func (svc *elastiCacheService) groups(c *call) map[string]*replicationGroup {
	return scoped(svc.Groups, c)
}
func (svc *elastiCacheService) subnetGroups(c *call) map[string]*cacheSubnetGroup {
	return scoped(svc.SubnetGroups, c)
}

// ecID checks a cluster or group identifier: 1 to 40 letters, digits or
// hyphens, starting with a letter, without two consecutive hyphens nor a
// trailing one. ElastiCache stores identifiers in lower case.
func ecID(param, v string) (string, error) {
	if v == "" {
		return "", errMissingParameter(param)
	}
	if len(v) > 40 || !isNameStart(v[0]) || v[0] == '_' || strings.Contains(v, "--") || strings.HasSuffix(v, "-") ||
		strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return "", ecInvalid("The parameter %s must begin with a letter, contain only ASCII letters, digits and hyphens, and not end with a hyphen or contain two consecutive hyphens.", param)
	}
	return strings.ToLower(v), nil
}

func (svc *elastiCacheService) cluster(c *call, id string) (*cacheCluster, error) {
	if id == "" {
		return nil, errMissingParameter("CacheClusterId")
	}
	cl := svc.clusters(c)[strings.ToLower(id)]
	if cl == nil {
		return nil, errorf(http.StatusNotFound, "CacheClusterNotFound", "CacheCluster not found: %s", id)
	}
	c.trailResources = []TrailResource{{ARN: cl.ARN, AccountID: c.Account(), Type: "AWS::ElastiCache::CacheCluster", Name: cl.ID}}
	return cl, nil
}

func (svc *elastiCacheService) group(c *call, id string) (*replicationGroup, error) {
	if id == "" {
		return nil, errMissingParameter("ReplicationGroupId")
	}
	g := svc.groups(c)[strings.ToLower(id)]
	if g == nil {
		return nil, errorf(http.StatusNotFound, "ReplicationGroupNotFoundFault", "ReplicationGroup %s not found.", id)
	}
	c.trailResources = []TrailResource{{ARN: g.ARN, AccountID: c.Account(), Type: "AWS::ElastiCache::ReplicationGroup", Name: g.ID}}
	return g, nil
}

func ecEngine(engine string) (string, error) {
	switch engine {
	case "", "redis":
		return "redis", nil
	case "valkey", "memcached":
		return engine, nil
	}
	return "", ecInvalid("Invalid engine %q: must be redis, valkey or memcached", engine)
}

func ecRetention(in url.Values) (*int, error) {
	n, err := queryInt(in, "SnapshotRetentionLimit")
	if err != nil || n == nil {
		return n, err
	}
	if *n < 0 || *n > 35 {
		return nil, ecInvalid("SnapshotRetentionLimit %d is not valid: it must be between 0 and 35", *n)
	}
	return n, nil
}

// subnetGroupFor checks the CacheSubnetGroupName of a create call; ""
// means the default group.
func (svc *elastiCacheService) subnetGroupFor(c *call, name string) (string, error) {
	if name == "" || strings.EqualFold(name, "default") {
		return "default", nil
	}
	if svc.subnetGroups(c)[strings.ToLower(name)] == nil {
		return "", errorf(http.StatusBadRequest, "CacheSubnetGroupNotFoundFault", "CacheSubnetGroup %s does not exist.", name)
	}
	return strings.ToLower(name), nil
}

// Cache clusters.

type ecEndpointXML struct {
	Address string `xml:"Address"`
	Port    int    `xml:"Port"`
}

type cacheClusterXML struct {
	CacheClusterID            string `xml:"CacheClusterId"`
	CacheNodeType             string `xml:"CacheNodeType"`
	Engine                    string `xml:"Engine"`
	EngineVersion             string `xml:"EngineVersion"`
	CacheClusterStatus        string `xml:"CacheClusterStatus"`
	NumCacheNodes             int    `xml:"NumCacheNodes"`
	PreferredAvailabilityZone string `xml:"PreferredAvailabilityZone"`
	CacheClusterCreateTime    string `xml:"CacheClusterCreateTime"`
	CacheSubnetGroupName      string `xml:"CacheSubnetGroupName"`
	AutoMinorVersionUpgrade   bool   `xml:"AutoMinorVersionUpgrade"`
	ReplicationGroupID        string `xml:"ReplicationGroupId,omitempty"`
	SnapshotRetentionLimit    *int   `xml:"SnapshotRetentionLimit,omitempty"`
	ARN                       string `xml:"ARN"`
}

func (svc *elastiCacheService) clusterXML(c *call, cl *cacheCluster) cacheClusterXML {
	x := cacheClusterXML{CacheClusterID: cl.ID, CacheNodeType: cl.NodeType, Engine: cl.Engine, EngineVersion: cl.EngineVersion,
		CacheClusterStatus: "available", NumCacheNodes: cl.Nodes, PreferredAvailabilityZone: cl.AZ, CacheClusterCreateTime: isoTime(cl.Created),
		CacheSubnetGroupName: cl.SubnetGroup, AutoMinorVersionUpgrade: cl.AutoMinorUpgrade, ReplicationGroupID: cl.Group, ARN: cl.ARN}
	if cl.Engine != "memcached" {
		n := cl.SnapshotRetention
		if g := svc.groups(c)[cl.Group]; g != nil {
			x.AutoMinorVersionUpgrade = g.AutoMinorUpgrade
			n = 0
			if g.SnapshottingCluster == cl.ID || g.ClusterMode {
				n = g.SnapshotRetention
			}
		}
		x.SnapshotRetentionLimit = &n
	}
	return x
}

func (svc *elastiCacheService) createCacheCluster(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	id, err := ecID("CacheClusterId", in.Get("CacheClusterId"))
	if err != nil {
		return nil, err
	}
	if svc.clusters(c)[id] != nil {
		return nil, errorf(http.StatusBadRequest, "CacheClusterAlreadyExists", "Cache cluster %s already exists.", id)
	}
	if in.Get("ReplicationGroupId") != "" {
		return nil, ecCombination("Adding a cluster to a replication group is not simulated: create the replication group with its clusters")
	}
	engine, err := ecEngine(in.Get("Engine"))
	if err != nil {
		return nil, err
	}
	node, err := required(in, "CacheNodeType")
	if err != nil {
		return nil, err
	}
	subnet, err := svc.subnetGroupFor(c, in.Get("CacheSubnetGroupName"))
	if err != nil {
		return nil, err
	}
	cl := &cacheCluster{ID: id, ARN: fmt.Sprintf("arn:%s:elasticache:%s:%s:cluster:%s", c.partition(), c.region, c.Account(), id),
		NodeType: node, Engine: engine, EngineVersion: orDefault(in.Get("EngineVersion"), map[string]string{"redis": "7.1.0", "valkey": "8.0.1", "memcached": "1.6.22"}[engine]),
		SubnetGroup: subnet, AZ: orDefault(in.Get("PreferredAvailabilityZone"), c.region+"a"), Nodes: 1, Created: c.now, AutoMinorUpgrade: true, Tags: rdsTags(in)}
	if n, err := queryInt(in, "NumCacheNodes"); err != nil {
		return nil, err
	} else if n != nil {
		if *n < 1 || (engine != "memcached" && *n != 1) {
			return nil, ecInvalid("NumCacheNodes %d is not valid for engine %s", *n, engine)
		}
		cl.Nodes = *n
	}
	if b, err := queryBool(in, "AutoMinorVersionUpgrade"); err != nil {
		return nil, err
	} else if b != nil {
		cl.AutoMinorUpgrade = *b
	}
	if n, err := ecRetention(in); err != nil {
		return nil, err
	} else if n != nil {
		if engine == "memcached" && *n > 0 {
			return nil, ecCombination("Snapshots are not supported for engine memcached")
		}
		cl.SnapshotRetention = *n
	}
	svc.clusters(c)[id] = cl
	c.trailResources = []TrailResource{{ARN: cl.ARN, AccountID: c.Account(), Type: "AWS::ElastiCache::CacheCluster", Name: cl.ID}}
	x := svc.clusterXML(c, cl)
	x.CacheClusterStatus = "creating"
	return struct {
		CacheCluster cacheClusterXML
	}{x}, nil
}

func (svc *elastiCacheService) describeCacheClusters(c *call, in url.Values) (any, error) {
	var ids []string
	if id := in.Get("CacheClusterId"); id != "" {
		cl, err := svc.cluster(c, id)
		if err != nil {
			return nil, err
		}
		ids = []string{cl.ID}
	} else {
		ids = sortedKeys(svc.clusters(c))
	}
	page, marker, err := rdsPage(in, ids)
	if err != nil {
		return nil, err
	}
	out := struct {
		CacheClusters []cacheClusterXML `xml:"CacheClusters>CacheCluster"`
		Marker        string            `xml:"Marker,omitempty"`
	}{Marker: marker}
	for _, id := range page {
		out.CacheClusters = append(out.CacheClusters, svc.clusterXML(c, svc.clusters(c)[id]))
	}
	return out, nil
}

func (svc *elastiCacheService) modifyCacheCluster(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	cl, err := svc.cluster(c, in.Get("CacheClusterId"))
	if err != nil {
		return nil, err
	}
	auto, err := queryBool(in, "AutoMinorVersionUpgrade")
	if err != nil {
		return nil, err
	}
	retention, err := ecRetention(in)
	if err != nil {
		return nil, err
	}
	if cl.Group != "" && (auto != nil || retention != nil) {
		return nil, ecCombination("Cache cluster %s is a member of replication group %s: change AutoMinorVersionUpgrade and SnapshotRetentionLimit on the replication group", cl.ID, cl.Group)
	}
	if retention != nil && cl.Engine == "memcached" {
		return nil, ecCombination("Snapshots are not supported for engine memcached")
	}
	if auto != nil {
		cl.AutoMinorUpgrade = *auto
	}
	if retention != nil {
		cl.SnapshotRetention = *retention
	}
	return struct {
		CacheCluster cacheClusterXML
	}{svc.clusterXML(c, cl)}, nil
}

func (svc *elastiCacheService) deleteCacheCluster(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	cl, err := svc.cluster(c, in.Get("CacheClusterId"))
	if err != nil {
		return nil, err
	}
	if cl.Group != "" {
		return nil, errorf(http.StatusBadRequest, "InvalidCacheClusterState", "Cache cluster %s is a member of replication group %s.", cl.ID, cl.Group)
	}
	x := svc.clusterXML(c, cl)
	x.CacheClusterStatus = "deleting"
	delete(svc.clusters(c), cl.ID)
	return struct {
		CacheCluster cacheClusterXML
	}{x}, nil
}

// Replication groups.

type nodeGroupMemberXML struct {
	CacheClusterID string `xml:"CacheClusterId"`
	CacheNodeID    string `xml:"CacheNodeId"`
	CurrentRole    string `xml:"CurrentRole,omitempty"`
}

type nodeGroupXML struct {
	NodeGroupID      string               `xml:"NodeGroupId"`
	Status           string               `xml:"Status"`
	PrimaryEndpoint  *ecEndpointXML       `xml:"PrimaryEndpoint,omitempty"`
	NodeGroupMembers []nodeGroupMemberXML `xml:"NodeGroupMembers>NodeGroupMember"`
}

type replicationGroupXML struct {
	ReplicationGroupID       string         `xml:"ReplicationGroupId"`
	Description              string         `xml:"Description"`
	Status                   string         `xml:"Status"`
	MemberClusters           []string       `xml:"MemberClusters>ClusterId"`
	NodeGroups               []nodeGroupXML `xml:"NodeGroups>NodeGroup"`
	SnapshottingClusterID    string         `xml:"SnapshottingClusterId,omitempty"`
	AutomaticFailover        string         `xml:"AutomaticFailover"`
	MultiAZ                  string         `xml:"MultiAZ"`
	SnapshotRetentionLimit   int            `xml:"SnapshotRetentionLimit"`
	ClusterEnabled           bool           `xml:"ClusterEnabled"`
	CacheNodeType            string         `xml:"CacheNodeType"`
	TransitEncryptionEnabled bool           `xml:"TransitEncryptionEnabled"`
	AtRestEncryptionEnabled  bool           `xml:"AtRestEncryptionEnabled"`
	ARN                      string         `xml:"ARN"`
	AutoMinorVersionUpgrade  bool           `xml:"AutoMinorVersionUpgrade"`
	Engine                   string         `xml:"Engine"`
	ClusterMode              string         `xml:"ClusterMode"`
	ReplicationGroupCreate   string         `xml:"ReplicationGroupCreateTime"`
}

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func (g *replicationGroup) xml(c *call) replicationGroupXML {
	x := replicationGroupXML{ReplicationGroupID: g.ID, Description: g.Description, Status: "available", SnapshottingClusterID: g.SnapshottingCluster,
		AutomaticFailover: enabled(g.AutomaticFailover), MultiAZ: enabled(g.MultiAZ), SnapshotRetentionLimit: g.SnapshotRetention,
		ClusterEnabled: g.ClusterMode, CacheNodeType: g.NodeType, TransitEncryptionEnabled: g.TransitEncryption, AtRestEncryptionEnabled: g.AtRestEncryption,
		ARN: g.ARN, AutoMinorVersionUpgrade: g.AutoMinorUpgrade, Engine: g.Engine, ClusterMode: enabled(g.ClusterMode),
		ReplicationGroupCreate: isoTime(g.Created)}
	for i, members := range g.NodeGroups {
		ng := nodeGroupXML{NodeGroupID: fmt.Sprintf("%04d", i+1), Status: "available"}
		if !g.ClusterMode {
			ng.PrimaryEndpoint = &ecEndpointXML{Address: g.ID + ".abc123.ng.0001." + c.region + ".cache.amazonaws.com", Port: 6379}
		}
		for j, m := range members {
			role := "replica"
			if j == 0 {
				role = "primary"
			}
			if g.ClusterMode {
				role = ""
			}
			ng.NodeGroupMembers = append(ng.NodeGroupMembers, nodeGroupMemberXML{CacheClusterID: m, CacheNodeID: "0001", CurrentRole: role})
			x.MemberClusters = append(x.MemberClusters, m)
		}
		x.NodeGroups = append(x.NodeGroups, ng)
	}
	return x
}

func (svc *elastiCacheService) createReplicationGroup(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	id, err := ecID("ReplicationGroupId", in.Get("ReplicationGroupId"))
	if err != nil {
		return nil, err
	}
	desc, err := required(in, "ReplicationGroupDescription")
	if err != nil {
		return nil, err
	}
	if svc.groups(c)[id] != nil {
		return nil, errorf(http.StatusBadRequest, "ReplicationGroupAlreadyExists", "Replication group %s already exists.", id)
	}
	engine, err := ecEngine(in.Get("Engine"))
	if err != nil {
		return nil, err
	}
	if engine == "memcached" {
		return nil, ecInvalid("Replication groups are for Redis OSS and Valkey, not memcached")
	}
	node, err := required(in, "CacheNodeType")
	if err != nil {
		return nil, err
	}
	subnet, err := svc.subnetGroupFor(c, in.Get("CacheSubnetGroupName"))
	if err != nil {
		return nil, err
	}
	g := &replicationGroup{ID: id, ARN: fmt.Sprintf("arn:%s:elasticache:%s:%s:replicationgroup:%s", c.partition(), c.region, c.Account(), id),
		Description: desc, NodeType: node, Engine: engine, AutoMinorUpgrade: true, Created: c.now, Tags: rdsTags(in)}
	flags := map[string]*bool{}
	for _, name := range []string{"AutomaticFailoverEnabled", "MultiAZEnabled", "AutoMinorVersionUpgrade", "TransitEncryptionEnabled", "AtRestEncryptionEnabled"} {
		b, err := queryBool(in, name)
		if err != nil {
			return nil, err
		}
		flags[name] = b
	}
	set := func(dst *bool, name string) {
		if b := flags[name]; b != nil {
			*dst = *b
		}
	}
	set(&g.AutomaticFailover, "AutomaticFailoverEnabled")
	set(&g.MultiAZ, "MultiAZEnabled")
	set(&g.AutoMinorUpgrade, "AutoMinorVersionUpgrade")
	set(&g.TransitEncryption, "TransitEncryptionEnabled")
	set(&g.AtRestEncryption, "AtRestEncryptionEnabled")
	groups, replicas := 1, 0
	numClusters, err := queryInt(in, "NumCacheClusters")
	if err != nil {
		return nil, err
	}
	numGroups, err := queryInt(in, "NumNodeGroups")
	if err != nil {
		return nil, err
	}
	perGroup, err := queryInt(in, "ReplicasPerNodeGroup")
	if err != nil {
		return nil, err
	}
	switch {
	case numGroups != nil || in.Get("ClusterMode") == "enabled":
		g.ClusterMode, g.AutomaticFailover = true, true
		if numGroups != nil {
			groups = *numGroups
		}
		if perGroup != nil {
			replicas = *perGroup
		}
	case numClusters != nil:
		if *numClusters < 1 || *numClusters > 6 {
			return nil, ecInvalid("NumCacheClusters %d is not valid: it must be between 1 and 6", *numClusters)
		}
		replicas = *numClusters - 1
	case perGroup != nil:
		replicas = *perGroup
	}
	if groups < 1 || groups > 500 || replicas < 0 || replicas > 5 {
		return nil, ecInvalid("The number of node groups (1 to 500) or replicas per node group (0 to 5) is not valid")
	}
	if g.AutomaticFailover && replicas == 0 {
		return nil, ecCombination("Automatic failover needs at least one read replica in each node group of replication group %s", id)
	}
	if g.MultiAZ && !g.AutomaticFailover {
		return nil, ecCombination("Multi-AZ needs automatic failover to be enabled")
	}
	if n, err := ecRetention(in); err != nil {
		return nil, err
	} else if n != nil {
		g.SnapshotRetention = *n
	}
	for i := range groups {
		var members []string
		for j := range replicas + 1 {
			m := fmt.Sprintf("%s-%03d", id, j+1)
			if g.ClusterMode {
				m = fmt.Sprintf("%s-%04d-%03d", id, i+1, j+1)
			}
			if svc.clusters(c)[m] != nil {
				return nil, errorf(http.StatusBadRequest, "CacheClusterAlreadyExists", "Cache cluster %s already exists.", m)
			}
			members = append(members, m)
		}
		g.NodeGroups = append(g.NodeGroups, members)
	}
	for _, members := range g.NodeGroups {
		for _, m := range members {
			svc.clusters(c)[m] = &cacheCluster{ID: m, ARN: fmt.Sprintf("arn:%s:elasticache:%s:%s:cluster:%s", c.partition(), c.region, c.Account(), m),
				NodeType: node, Engine: engine, EngineVersion: "7.1.0", SubnetGroup: subnet, Group: id, AZ: c.region + "a", Nodes: 1, Created: c.now, AutoMinorUpgrade: g.AutoMinorUpgrade}
		}
	}
	if g.SnapshotRetention > 0 && !g.ClusterMode {
		// Backups are taken from a replica where there is one.
		first := g.NodeGroups[0]
		g.SnapshottingCluster = first[len(first)-1]
	}
	svc.groups(c)[id] = g
	c.trailResources = []TrailResource{{ARN: g.ARN, AccountID: c.Account(), Type: "AWS::ElastiCache::ReplicationGroup", Name: g.ID}}
	x := g.xml(c)
	x.Status = "creating"
	return struct {
		ReplicationGroup replicationGroupXML
	}{x}, nil
}

func (svc *elastiCacheService) describeReplicationGroups(c *call, in url.Values) (any, error) {
	var ids []string
	if id := in.Get("ReplicationGroupId"); id != "" {
		g, err := svc.group(c, id)
		if err != nil {
			return nil, err
		}
		ids = []string{g.ID}
	} else {
		ids = sortedKeys(svc.groups(c))
	}
	page, marker, err := rdsPage(in, ids)
	if err != nil {
		return nil, err
	}
	out := struct {
		ReplicationGroups []replicationGroupXML `xml:"ReplicationGroups>ReplicationGroup"`
		Marker            string                `xml:"Marker,omitempty"`
	}{Marker: marker}
	for _, id := range page {
		out.ReplicationGroups = append(out.ReplicationGroups, svc.groups(c)[id].xml(c))
	}
	return out, nil
}

func (svc *elastiCacheService) modifyReplicationGroup(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	g, err := svc.group(c, in.Get("ReplicationGroupId"))
	if err != nil {
		return nil, err
	}
	flags := map[string]*bool{}
	for _, name := range []string{"AutomaticFailoverEnabled", "MultiAZEnabled", "AutoMinorVersionUpgrade"} {
		b, err := queryBool(in, name)
		if err != nil {
			return nil, err
		}
		flags[name] = b
	}
	retention, err := ecRetention(in)
	if err != nil {
		return nil, err
	}
	failover, multiAZ := g.AutomaticFailover, g.MultiAZ
	if b := flags["AutomaticFailoverEnabled"]; b != nil {
		if !*b && g.ClusterMode {
			return nil, ecCombination("Automatic failover cannot be disabled for a replication group with cluster mode enabled")
		}
		failover = *b
	}
	if b := flags["MultiAZEnabled"]; b != nil {
		multiAZ = *b
	}
	if failover && !g.AutomaticFailover {
		for _, members := range g.NodeGroups {
			if len(members) < 2 {
				return nil, ecCombination("Automatic failover needs at least one read replica in each node group of replication group %s", g.ID)
			}
		}
	}
	if multiAZ && !failover {
		return nil, ecCombination("Multi-AZ needs automatic failover to be enabled")
	}
	snap := g.SnapshottingCluster
	if s := in.Get("SnapshottingClusterId"); s != "" {
		if g.ClusterMode {
			return nil, ecCombination("SnapshottingClusterId cannot be set for a replication group with cluster mode enabled")
		}
		found := false
		for _, members := range g.NodeGroups {
			found = found || matchAny(members, strings.ToLower(s))
		}
		if !found {
			return nil, ecInvalid("Cache cluster %s is not a member of replication group %s", s, g.ID)
		}
		snap = strings.ToLower(s)
	}
	g.AutomaticFailover, g.MultiAZ, g.SnapshottingCluster = failover, multiAZ, snap
	if b := flags["AutoMinorVersionUpgrade"]; b != nil {
		g.AutoMinorUpgrade = *b
	}
	if retention != nil {
		g.SnapshotRetention = *retention
		if *retention > 0 && g.SnapshottingCluster == "" && !g.ClusterMode {
			first := g.NodeGroups[0]
			g.SnapshottingCluster = first[len(first)-1]
		}
	}
	return struct {
		ReplicationGroup replicationGroupXML
	}{g.xml(c)}, nil
}

func (svc *elastiCacheService) deleteReplicationGroup(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	g, err := svc.group(c, in.Get("ReplicationGroupId"))
	if err != nil {
		return nil, err
	}
	for _, members := range g.NodeGroups {
		for _, m := range members {
			delete(svc.clusters(c), m)
		}
	}
	delete(svc.groups(c), g.ID)
	x := g.xml(c)
	x.Status = "deleting"
	return struct {
		ReplicationGroup replicationGroupXML
	}{x}, nil
}

// Cache subnet groups.

type cacheSubnetGroupXML struct {
	CacheSubnetGroupName        string `xml:"CacheSubnetGroupName"`
	CacheSubnetGroupDescription string `xml:"CacheSubnetGroupDescription"`
	VpcID                       string `xml:"VpcId"`
	Subnets                     []struct {
		SubnetIdentifier string `xml:"SubnetIdentifier"`
	} `xml:"Subnets>Subnet"`
	ARN string `xml:"ARN"`
}

func (sg *cacheSubnetGroup) xml() cacheSubnetGroupXML {
	x := cacheSubnetGroupXML{CacheSubnetGroupName: sg.Name, CacheSubnetGroupDescription: sg.Description, ARN: sg.ARN}
	for _, s := range sg.Subnets {
		x.Subnets = append(x.Subnets, struct {
			SubnetIdentifier string `xml:"SubnetIdentifier"`
		}{s})
	}
	return x
}

func (svc *elastiCacheService) createCacheSubnetGroup(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	name, err := required(in, "CacheSubnetGroupName")
	if err != nil {
		return nil, err
	}
	name = strings.ToLower(name)
	if name == "default" || len(name) > 255 {
		return nil, ecInvalid("CacheSubnetGroupName %s is not valid", name)
	}
	desc, err := required(in, "CacheSubnetGroupDescription")
	if err != nil {
		return nil, err
	}
	subnets := queryList(in, "SubnetIds.SubnetIdentifier")
	if len(subnets) == 0 {
		return nil, errMissingParameter("SubnetIds")
	}
	for _, s := range subnets {
		if !strings.HasPrefix(s, "subnet-") {
			return nil, errorf(http.StatusBadRequest, "InvalidSubnet", "The subnet ID %s is not valid", s)
		}
	}
	if svc.subnetGroups(c)[name] != nil {
		return nil, errorf(http.StatusBadRequest, "CacheSubnetGroupAlreadyExists", "Cache subnet group %s already exists.", name)
	}
	sg := &cacheSubnetGroup{Name: name, Description: desc, Subnets: subnets, Tags: rdsTags(in),
		ARN: fmt.Sprintf("arn:%s:elasticache:%s:%s:subnetgroup:%s", c.partition(), c.region, c.Account(), name)}
	svc.subnetGroups(c)[name] = sg
	return struct {
		CacheSubnetGroup cacheSubnetGroupXML
	}{sg.xml()}, nil
}

func (svc *elastiCacheService) describeCacheSubnetGroups(c *call, in url.Values) (any, error) {
	all := svc.subnetGroups(c)
	ids := sortedKeys(all)
	if name := strings.ToLower(in.Get("CacheSubnetGroupName")); name != "" {
		if all[name] == nil {
			return nil, errorf(http.StatusBadRequest, "CacheSubnetGroupNotFoundFault", "Cache subnet group %s not found.", name)
		}
		ids = []string{name}
	}
	page, marker, err := rdsPage(in, ids)
	if err != nil {
		return nil, err
	}
	out := struct {
		CacheSubnetGroups []cacheSubnetGroupXML `xml:"CacheSubnetGroups>CacheSubnetGroup"`
		Marker            string                `xml:"Marker,omitempty"`
	}{Marker: marker}
	for _, id := range page {
		out.CacheSubnetGroups = append(out.CacheSubnetGroups, all[id].xml())
	}
	return out, nil
}
