package awssim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RDS: DB instances, DB clusters (Aurora, and Multi-AZ DB clusters of
// instance class DBClusterInstanceClass), DB snapshots and DB cluster
// snapshots with their restore attribute (public when it holds "all"),
// copies of them (rds_snapshots.go), enhanced monitoring, and tags. State
// is per account and region.
//
// Instances and clusters are available at once. ModifyDBInstance applies
// PubliclyAccessible, DeletionProtection and AutoMinorVersionUpgrade at
// once, as RDS does; MultiAZ, BackupRetentionPeriod, DBInstanceClass and
// AllocatedStorage wait in PendingModifiedValues for the maintenance window
// unless ApplyImmediately is set. The simulated maintenance window never
// comes: pending changes stay pending until a later ApplyImmediately call.

const rdsXMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"

type rdsService struct {
	s *Server
	// Instances, Clusters and Snapshots are keyed by scopeKey, then by
	// identifier.
	Instances map[string]map[string]*rdsInstance
	Clusters  map[string]map[string]*rdsCluster
	Snapshots map[string]map[string]*rdsSnapshot
	// ClusterSnapshots holds DB cluster snapshots, whose InstanceID is
	// their cluster's identifier.
	ClusterSnapshots map[string]map[string]*rdsSnapshot
}

type rdsInstance struct {
	ID                  string
	ARN                 string
	ResourceID          string
	Class               string
	Engine              string
	EngineVersion       string
	MasterUsername      string
	DBName              string
	AllocatedStorage    int
	StorageType         string
	StorageEncrypted    bool
	KMSKeyID            string
	MultiAZ             bool
	PubliclyAccessible  bool
	BackupRetention     int
	DeletionProtection  bool
	AutoMinorUpgrade    bool
	IAMAuth             bool
	ClusterID           string
	AZ                  string
	SecurityGroups      []string
	Created             time.Time
	Status              string
	Pending             rdsPending
	Tags                []rdsTag
	CopyTagsToSnapshot  bool
	PerformanceInsights bool
	MonitoringInterval  int
	MonitoringRoleARN   string
}

// rdsPending holds modifications waiting for the maintenance window.
type rdsPending struct {
	MultiAZ          *bool
	BackupRetention  *int
	Class            string
	AllocatedStorage *int
}

type rdsCluster struct {
	ID                 string
	ARN                string
	ResourceID         string
	Engine             string
	EngineVersion      string
	MasterUsername     string
	DatabaseName       string
	StorageEncrypted   bool
	KMSKeyID           string
	BackupRetention    int
	DeletionProtection bool
	IAMAuth            bool
	Port               int
	SecurityGroups     []string
	Created            time.Time
	Status             string
	Tags               []rdsTag
	CopyTagsToSnapshot bool
	AutoMinorUpgrade   bool
	// InstanceClass is set for a Multi-AZ DB cluster (of the mysql or
	// postgres engine, with its own instances), empty for Aurora.
	InstanceClass string
}

type rdsSnapshot struct {
	ID         string
	ARN        string
	InstanceID string
	Engine     string
	Storage    int
	Encrypted  bool
	Created    time.Time
	Type       string
	// Restore holds the accounts (or "all") that may restore it.
	Restore []string
	Tags    []rdsTag
	// KMSKeyID is the ARN of the key of an encrypted snapshot.
	KMSKeyID string
	// SourceARN names the snapshot a copy was made from; ReadyAt is when
	// a copy becomes available.
	SourceARN string
	ReadyAt   time.Time
}

type rdsTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func newRDS(s *Server) *serviceDef {
	svc := &rdsService{s: s, Instances: map[string]map[string]*rdsInstance{}, Clusters: map[string]map[string]*rdsCluster{}, Snapshots: map[string]map[string]*rdsSnapshot{},
		ClusterSnapshots: map[string]map[string]*rdsSnapshot{}}
	return &serviceDef{
		Name: "rds", EventSource: "rds.amazonaws.com", Protocol: protoQuery, XMLNS: rdsXMLNS,
		State: svc,
		Query: map[string]queryHandler{
			"CreateDBInstance":                    svc.createDBInstance,
			"DescribeDBInstances":                 svc.describeDBInstances,
			"ModifyDBInstance":                    svc.modifyDBInstance,
			"DeleteDBInstance":                    svc.deleteDBInstance,
			"CreateDBCluster":                     svc.createDBCluster,
			"DescribeDBClusters":                  svc.describeDBClusters,
			"ModifyDBCluster":                     svc.modifyDBCluster,
			"DeleteDBCluster":                     svc.deleteDBCluster,
			"CreateDBSnapshot":                    svc.createDBSnapshot,
			"DescribeDBSnapshots":                 svc.describeDBSnapshots,
			"DeleteDBSnapshot":                    svc.deleteDBSnapshot,
			"ModifyDBSnapshotAttribute":           svc.modifyDBSnapshotAttribute,
			"DescribeDBSnapshotAttributes":        svc.describeDBSnapshotAttributes,
			"AddTagsToResource":                   svc.addTagsToResource,
			"ListTagsForResource":                 svc.listTagsForResource,
			"CopyDBSnapshot":                      svc.copyDBSnapshot,
			"CreateDBClusterSnapshot":             svc.createDBClusterSnapshot,
			"DescribeDBClusterSnapshots":          svc.describeDBClusterSnapshots,
			"DeleteDBClusterSnapshot":             svc.deleteDBClusterSnapshot,
			"CopyDBClusterSnapshot":               svc.copyDBClusterSnapshot,
			"ModifyDBClusterSnapshotAttribute":    svc.modifyDBClusterSnapshotAttribute,
			"DescribeDBClusterSnapshotAttributes": svc.describeDBClusterSnapshotAttributes,
		},
	}
}

func (svc *rdsService) instances(c *call) map[string]*rdsInstance {
	return scoped(svc.Instances, c)
}

func (svc *rdsService) clusters(c *call) map[string]*rdsCluster {
	return scoped(svc.Clusters, c)
}

func (svc *rdsService) snapshots(c *call) map[string]*rdsSnapshot {
	return scoped(svc.Snapshots, c)
}

func rdsARN(c *call, kind, id string) string {
	return fmt.Sprintf("arn:%s:rds:%s:%s:%s:%s", c.partition(), c.region, c.Account(), kind, id)
}

func rdsInvalidParam(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

// rdsID checks a DB identifier: 1 to 63 letters, digits or hyphens,
// starting with a letter, no two consecutive hyphens nor a trailing one.
// RDS stores identifiers in lower case.
func rdsID(param, v string) (string, error) {
	if v == "" {
		return "", errMissingParameter(param)
	}
	ok := len(v) <= 63 && isNameStart(v[0]) && v[0] != '_' && !strings.Contains(v, "--") && !strings.HasSuffix(v, "-") &&
		strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == ""
	if !ok {
		return "", rdsInvalidParam("The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.", param)
	}
	return strings.ToLower(v), nil
}

func queryBool(in url.Values, name string) (*bool, error) {
	v := in.Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, rdsInvalidParam("Invalid value %q for %s: not a boolean", v, name)
	}
	return &b, nil
}

func queryInt(in url.Values, name string) (*int, error) {
	v := in.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, rdsInvalidParam("Invalid value %q for %s: not an integer", v, name)
	}
	return &n, nil
}

func rdsTags(in url.Values) []rdsTag {
	var out []rdsTag
	for _, t := range queryStructs(in, "Tags.Tag") {
		out = append(out, rdsTag{t.Get("Key"), t.Get("Value")})
	}
	for _, t := range queryStructs(in, "Tags") {
		if k := t.Get("Key"); k != "" {
			out = append(out, rdsTag{k, t.Get("Value")})
		}
	}
	return out
}

// mergeRDSTags returns a copy of old with the tags of add merged in.
func mergeRDSTags(old, add []rdsTag) []rdsTag {
	return mergeTags(append([]rdsTag{}, old...), add)
}

// XML shapes.

type rdsSGXML struct {
	VpcSecurityGroupID string `xml:"VpcSecurityGroupId"`
	Status             string `xml:"Status"`
}

type rdsEndpointXML struct {
	Address      string `xml:"Address"`
	Port         int    `xml:"Port"`
	HostedZoneID string `xml:"HostedZoneId"`
}

type rdsPendingXML struct {
	MultiAZ               *bool  `xml:"MultiAZ,omitempty"`
	BackupRetentionPeriod *int   `xml:"BackupRetentionPeriod,omitempty"`
	DBInstanceClass       string `xml:"DBInstanceClass,omitempty"`
	AllocatedStorage      *int   `xml:"AllocatedStorage,omitempty"`
}

type rdsInstanceXML struct {
	DBInstanceIdentifier             string         `xml:"DBInstanceIdentifier"`
	DBInstanceArn                    string         `xml:"DBInstanceArn"`
	DbiResourceID                    string         `xml:"DbiResourceId"`
	DBInstanceClass                  string         `xml:"DBInstanceClass"`
	Engine                           string         `xml:"Engine"`
	EngineVersion                    string         `xml:"EngineVersion"`
	DBInstanceStatus                 string         `xml:"DBInstanceStatus"`
	MasterUsername                   string         `xml:"MasterUsername,omitempty"`
	DBName                           string         `xml:"DBName,omitempty"`
	Endpoint                         rdsEndpointXML `xml:"Endpoint"`
	AllocatedStorage                 int            `xml:"AllocatedStorage"`
	StorageType                      string         `xml:"StorageType"`
	InstanceCreateTime               string         `xml:"InstanceCreateTime"`
	BackupRetentionPeriod            int            `xml:"BackupRetentionPeriod"`
	VpcSecurityGroups                []rdsSGXML     `xml:"VpcSecurityGroups>VpcSecurityGroupMembership"`
	AvailabilityZone                 string         `xml:"AvailabilityZone"`
	PendingModifiedValues            rdsPendingXML  `xml:"PendingModifiedValues"`
	MultiAZ                          bool           `xml:"MultiAZ"`
	AutoMinorVersionUpgrade          bool           `xml:"AutoMinorVersionUpgrade"`
	PubliclyAccessible               bool           `xml:"PubliclyAccessible"`
	StorageEncrypted                 bool           `xml:"StorageEncrypted"`
	KmsKeyID                         string         `xml:"KmsKeyId,omitempty"`
	DBClusterIdentifier              string         `xml:"DBClusterIdentifier,omitempty"`
	IAMDatabaseAuthenticationEnabled bool           `xml:"IAMDatabaseAuthenticationEnabled"`
	DeletionProtection               bool           `xml:"DeletionProtection"`
	CopyTagsToSnapshot               bool           `xml:"CopyTagsToSnapshot"`
	PerformanceInsightsEnabled       bool           `xml:"PerformanceInsightsEnabled"`
	MonitoringInterval               int            `xml:"MonitoringInterval"`
	MonitoringRoleArn                string         `xml:"MonitoringRoleArn,omitempty"`
	TagList                          []rdsTag       `xml:"TagList>Tag"`
}

func enginePort(engine string) int {
	switch {
	case strings.Contains(engine, "postgres"):
		return 5432
	case strings.HasPrefix(engine, "oracle"):
		return 1521
	case strings.HasPrefix(engine, "sqlserver"):
		return 1433
	default:
		return 3306
	}
}

func (i *rdsInstance) xml(c *call) rdsInstanceXML {
	x := rdsInstanceXML{
		DBInstanceIdentifier: i.ID, DBInstanceArn: i.ARN, DbiResourceID: i.ResourceID, DBInstanceClass: i.Class, Engine: i.Engine,
		EngineVersion: i.EngineVersion, DBInstanceStatus: i.Status, MasterUsername: i.MasterUsername, DBName: i.DBName,
		Endpoint:         rdsEndpointXML{Address: i.ID + ".c0abcdefghij." + c.region + ".rds.amazonaws.com", Port: enginePort(i.Engine), HostedZoneID: "Z2R2ITUGPM61AM"},
		AllocatedStorage: i.AllocatedStorage, StorageType: i.StorageType, InstanceCreateTime: isoTime(i.Created),
		BackupRetentionPeriod: i.BackupRetention, AvailabilityZone: i.AZ, MultiAZ: i.MultiAZ, AutoMinorVersionUpgrade: i.AutoMinorUpgrade,
		PubliclyAccessible: i.PubliclyAccessible, StorageEncrypted: i.StorageEncrypted, KmsKeyID: i.KMSKeyID, DBClusterIdentifier: i.ClusterID,
		IAMDatabaseAuthenticationEnabled: i.IAMAuth, DeletionProtection: i.DeletionProtection, CopyTagsToSnapshot: i.CopyTagsToSnapshot,
		PerformanceInsightsEnabled: i.PerformanceInsights, TagList: i.Tags,
		MonitoringInterval: i.MonitoringInterval, MonitoringRoleArn: i.MonitoringRoleARN,
		PendingModifiedValues: rdsPendingXML{MultiAZ: i.Pending.MultiAZ, BackupRetentionPeriod: i.Pending.BackupRetention, DBInstanceClass: i.Pending.Class, AllocatedStorage: i.Pending.AllocatedStorage},
	}
	for _, sg := range i.SecurityGroups {
		x.VpcSecurityGroups = append(x.VpcSecurityGroups, rdsSGXML{sg, "active"})
	}
	return x
}

type rdsClusterMemberXML struct {
	DBInstanceIdentifier string `xml:"DBInstanceIdentifier"`
	IsClusterWriter      bool   `xml:"IsClusterWriter"`
}

type rdsClusterXML struct {
	DBClusterIdentifier              string                `xml:"DBClusterIdentifier"`
	DBClusterArn                     string                `xml:"DBClusterArn"`
	DbClusterResourceID              string                `xml:"DbClusterResourceId"`
	Status                           string                `xml:"Status"`
	Engine                           string                `xml:"Engine"`
	EngineVersion                    string                `xml:"EngineVersion"`
	Endpoint                         string                `xml:"Endpoint"`
	ReaderEndpoint                   string                `xml:"ReaderEndpoint"`
	Port                             int                   `xml:"Port"`
	MasterUsername                   string                `xml:"MasterUsername,omitempty"`
	DatabaseName                     string                `xml:"DatabaseName,omitempty"`
	BackupRetentionPeriod            int                   `xml:"BackupRetentionPeriod"`
	MultiAZ                          bool                  `xml:"MultiAZ"`
	StorageEncrypted                 bool                  `xml:"StorageEncrypted"`
	KmsKeyID                         string                `xml:"KmsKeyId,omitempty"`
	DeletionProtection               bool                  `xml:"DeletionProtection"`
	IAMDatabaseAuthenticationEnabled bool                  `xml:"IAMDatabaseAuthenticationEnabled"`
	ClusterCreateTime                string                `xml:"ClusterCreateTime"`
	DBClusterMembers                 []rdsClusterMemberXML `xml:"DBClusterMembers>DBClusterMember"`
	VpcSecurityGroups                []rdsSGXML            `xml:"VpcSecurityGroups>VpcSecurityGroupMembership"`
	TagList                          []rdsTag              `xml:"TagList>Tag"`
	CopyTagsToSnapshot               bool                  `xml:"CopyTagsToSnapshot"`
	AutoMinorVersionUpgrade          bool                  `xml:"AutoMinorVersionUpgrade"`
	DBClusterInstanceClass           string                `xml:"DBClusterInstanceClass,omitempty"`
}

func (svc *rdsService) clusterXML(c *call, cl *rdsCluster) rdsClusterXML {
	x := rdsClusterXML{
		DBClusterIdentifier: cl.ID, DBClusterArn: cl.ARN, DbClusterResourceID: cl.ResourceID, Status: cl.Status, Engine: cl.Engine,
		EngineVersion: cl.EngineVersion, Endpoint: cl.ID + ".cluster-c0abcdefghij." + c.region + ".rds.amazonaws.com",
		ReaderEndpoint: cl.ID + ".cluster-ro-c0abcdefghij." + c.region + ".rds.amazonaws.com", Port: cl.Port,
		MasterUsername: cl.MasterUsername, DatabaseName: cl.DatabaseName, BackupRetentionPeriod: cl.BackupRetention,
		StorageEncrypted: cl.StorageEncrypted, KmsKeyID: cl.KMSKeyID, DeletionProtection: cl.DeletionProtection,
		IAMDatabaseAuthenticationEnabled: cl.IAMAuth, ClusterCreateTime: isoTime(cl.Created), TagList: cl.Tags,
		CopyTagsToSnapshot: cl.CopyTagsToSnapshot, AutoMinorVersionUpgrade: cl.AutoMinorUpgrade, DBClusterInstanceClass: cl.InstanceClass,
	}
	members := 0
	for _, id := range sortedKeys(svc.instances(c)) {
		if i := svc.instances(c)[id]; i.ClusterID == cl.ID {
			x.DBClusterMembers = append(x.DBClusterMembers, rdsClusterMemberXML{id, members == 0})
			members++
		}
	}
	x.MultiAZ = members > 1 || cl.InstanceClass != ""
	for _, sg := range cl.SecurityGroups {
		x.VpcSecurityGroups = append(x.VpcSecurityGroups, rdsSGXML{sg, "active"})
	}
	return x
}

type rdsSnapshotXML struct {
	DBSnapshotIdentifier   string   `xml:"DBSnapshotIdentifier"`
	DBSnapshotArn          string   `xml:"DBSnapshotArn"`
	DBInstanceIdentifier   string   `xml:"DBInstanceIdentifier"`
	SnapshotCreateTime     string   `xml:"SnapshotCreateTime"`
	Engine                 string   `xml:"Engine"`
	AllocatedStorage       int      `xml:"AllocatedStorage"`
	Status                 string   `xml:"Status"`
	SnapshotType           string   `xml:"SnapshotType"`
	Encrypted              bool     `xml:"Encrypted"`
	PercentProgress        int      `xml:"PercentProgress"`
	OriginalSnapshotCreate string   `xml:"OriginalSnapshotCreateTime"`
	KmsKeyID               string   `xml:"KmsKeyId,omitempty"`
	SourceDBSnapshotID     string   `xml:"SourceDBSnapshotIdentifier,omitempty"`
	TagList                []rdsTag `xml:"TagList>Tag"`
}

func (s *rdsSnapshot) xml(now time.Time) rdsSnapshotXML {
	status, progress := s.status(now)
	return rdsSnapshotXML{
		DBSnapshotIdentifier: s.ID, DBSnapshotArn: s.ARN, DBInstanceIdentifier: s.InstanceID, SnapshotCreateTime: isoTime(s.Created),
		Engine: s.Engine, AllocatedStorage: s.Storage, Status: status, SnapshotType: s.Type, Encrypted: s.Encrypted,
		PercentProgress: progress, OriginalSnapshotCreate: isoTime(s.Created), TagList: s.Tags, KmsKeyID: s.KMSKeyID, SourceDBSnapshotID: s.SourceARN,
	}
}

// Instances.

func (svc *rdsService) createDBInstance(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	id, err := rdsID("DBInstanceIdentifier", in.Get("DBInstanceIdentifier"))
	if err != nil {
		return nil, err
	}
	class, err := required(in, "DBInstanceClass")
	if err != nil {
		return nil, err
	}
	engine, err := required(in, "Engine")
	if err != nil {
		return nil, err
	}
	if svc.instances(c)[id] != nil {
		return nil, errorf(http.StatusBadRequest, "DBInstanceAlreadyExists", "DB instance already exists")
	}
	i := &rdsInstance{
		ID: id, ARN: rdsARN(c, "db", id), ResourceID: "db-" + strings.ToUpper(c.newID("", 26)), Class: class, Engine: engine,
		EngineVersion: in.Get("EngineVersion"), MasterUsername: in.Get("MasterUsername"), DBName: in.Get("DBName"),
		StorageType: in.Get("StorageType"), KMSKeyID: in.Get("KmsKeyId"), ClusterID: strings.ToLower(in.Get("DBClusterIdentifier")),
		AZ: in.Get("AvailabilityZone"), SecurityGroups: queryList(in, "VpcSecurityGroupIds.VpcSecurityGroupId"),
		Created: c.now, Status: "available", Tags: rdsTags(in), BackupRetention: 1, AutoMinorUpgrade: true,
	}
	if len(i.SecurityGroups) == 0 {
		i.SecurityGroups = queryList(in, "VpcSecurityGroupIds")
	}
	if i.ClusterID != "" && svc.clusters(c)[i.ClusterID] == nil {
		return nil, errorf(http.StatusNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", i.ClusterID)
	}
	if i.EngineVersion == "" {
		i.EngineVersion = map[bool]string{true: "16.4", false: "8.0.40"}[strings.Contains(engine, "postgres")]
	}
	if i.StorageType == "" {
		i.StorageType = "gp2"
	}
	if i.AZ == "" {
		i.AZ = c.region + "a"
	}
	if n, err := queryInt(in, "AllocatedStorage"); err != nil {
		return nil, err
	} else if n != nil {
		i.AllocatedStorage = *n
	} else if i.ClusterID == "" {
		return nil, errMissingParameter("AllocatedStorage")
	}
	if n, err := queryInt(in, "BackupRetentionPeriod"); err != nil {
		return nil, err
	} else if n != nil {
		if *n < 0 || *n > 35 {
			return nil, rdsInvalidParam("Invalid backup retention period %d: must be between 0 and 35", *n)
		}
		i.BackupRetention = *n
	}
	for name, dst := range map[string]*bool{
		"MultiAZ": &i.MultiAZ, "PubliclyAccessible": &i.PubliclyAccessible, "StorageEncrypted": &i.StorageEncrypted,
		"DeletionProtection": &i.DeletionProtection, "AutoMinorVersionUpgrade": &i.AutoMinorUpgrade,
		"EnableIAMDatabaseAuthentication": &i.IAMAuth, "CopyTagsToSnapshot": &i.CopyTagsToSnapshot,
		"EnablePerformanceInsights": &i.PerformanceInsights,
	} {
		b, err := queryBool(in, name)
		if err != nil {
			return nil, err
		}
		if b != nil {
			*dst = *b
		}
	}
	if err := svc.monitoring(c, in, &i.MonitoringInterval, &i.MonitoringRoleARN); err != nil {
		return nil, err
	}
	if i.MultiAZ && in.Get("AvailabilityZone") != "" {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "Requesting a specific availability zone is not valid for Multi-AZ instances.")
	}
	if i.StorageEncrypted && i.KMSKeyID == "" {
		i.KMSKeyID = fmt.Sprintf("arn:%s:kms:%s:%s:key/aws-rds-default", c.partition(), c.region, c.Account())
	}
	svc.instances(c)[id] = i
	c.trailResources = []TrailResource{{ARN: i.ARN, AccountID: c.Account(), Type: "AWS::RDS::DBInstance", Name: i.ID}}
	return struct {
		DBInstance rdsInstanceXML
	}{i.xml(c)}, nil
}

// instance finds a DB instance by identifier or ARN.
func (svc *rdsService) instance(c *call, ref string) (*rdsInstance, error) {
	if ref == "" {
		return nil, errMissingParameter("DBInstanceIdentifier")
	}
	id := strings.ToLower(ref)
	if strings.HasPrefix(ref, "arn:") {
		id = ref[strings.LastIndex(ref, ":")+1:]
		if ref != rdsARN(c, "db", id) {
			return nil, errorf(http.StatusNotFound, "DBInstanceNotFound", "DBInstance %s not found.", ref)
		}
	}
	i := svc.instances(c)[id]
	if i == nil {
		return nil, errorf(http.StatusNotFound, "DBInstanceNotFound", "DBInstance %s not found.", ref)
	}
	c.trailResources = []TrailResource{{ARN: i.ARN, AccountID: c.Account(), Type: "AWS::RDS::DBInstance", Name: i.ID}}
	return i, nil
}

// rdsFilters decodes Filters.Filter.N.Name / Values.Value.M.
func rdsFilters(in url.Values) map[string][]string {
	out := map[string][]string{}
	for _, f := range queryStructs(in, "Filters.Filter") {
		out[f.Get("Name")] = append(out[f.Get("Name")], queryList(f, "Values.Value")...)
	}
	for _, f := range queryStructs(in, "Filters") {
		if n := f.Get("Name"); n != "" {
			out[n] = append(out[n], queryList(f, "Values")...)
		}
	}
	return out
}

func matchAny(vals []string, v ...string) bool {
	for _, want := range vals {
		for _, x := range v {
			if x == want {
				return true
			}
		}
	}
	return false
}

// rdsCheckFilters refuses a filter whose name is not among allowed.
func rdsCheckFilters(filters map[string][]string, allowed ...string) error {
	for name := range filters {
		if !slices.Contains(allowed, name) {
			return rdsInvalidParam("Unrecognized filter name: %s", name)
		}
	}
	return nil
}

// rdsMatch reports whether every filter for which values gives a
// resource's values has one of them among its own.
func rdsMatch(filters map[string][]string, values func(filter string) ([]string, bool)) bool {
	for name, want := range filters {
		if have, ok := values(name); ok && !matchAny(want, have...) {
			return false
		}
	}
	return true
}

// rdsIDs returns the ID of the resource that ref names, through lookup,
// or the sorted IDs of all the resources if ref is empty.
func rdsIDs[V any](c *call, ref string, lookup func(*call, string) (V, error), id func(V) string, all func(*call) map[string]V) ([]string, error) {
	if ref == "" {
		return sortedKeys(all(c)), nil
	}
	v, err := lookup(c, ref)
	if err != nil {
		return nil, err
	}
	return []string{id(v)}, nil
}

// rdsPageOf returns the page, as rdsPage cuts it, of the resources of m
// that ids names and keep passes, and the marker of the next page.
func rdsPageOf[V any](in url.Values, ids []string, m map[string]V, keep func(V) bool) ([]V, string, error) {
	var kept []string
	for _, id := range ids {
		if keep(m[id]) {
			kept = append(kept, id)
		}
	}
	page, marker, err := rdsPage(in, kept)
	if err != nil {
		return nil, "", err
	}
	var out []V
	for _, id := range page {
		out = append(out, m[id])
	}
	return out, marker, nil
}

// rdsPage applies MaxRecords (20 to 100, default 100) and Marker.
func rdsPage(in url.Values, ids []string) ([]string, string, error) {
	max := 100
	if n, err := queryInt(in, "MaxRecords"); err != nil {
		return nil, "", err
	} else if n != nil {
		if *n < 20 || *n > 100 {
			return nil, "", rdsInvalidParam("Invalid value for MaxRecords. Must be between 20 and 100")
		}
		max = *n
	}
	start := 0
	if m := in.Get("Marker"); m != "" {
		pos, ok := pagePosition(m)
		if !ok {
			return nil, "", rdsInvalidParam("Invalid marker %q", m)
		}
		start = sort.SearchStrings(ids, pos)
	}
	ids = ids[start:]
	if len(ids) > max {
		return ids[:max], pageToken(ids[max]), nil
	}
	return ids, "", nil
}

func (svc *rdsService) describeDBInstances(c *call, in url.Values) (any, error) {
	filters := rdsFilters(in)
	if err := rdsCheckFilters(filters, "db-instance-id", "db-cluster-id", "engine", "dbi-resource-id", "domain"); err != nil {
		return nil, err
	}
	ids, err := rdsIDs(c, in.Get("DBInstanceIdentifier"), svc.instance, func(i *rdsInstance) string { return i.ID }, svc.instances)
	if err != nil {
		return nil, err
	}
	page, marker, err := rdsPageOf(in, ids, svc.instances(c), func(i *rdsInstance) bool {
		return rdsMatch(filters, func(name string) ([]string, bool) {
			switch name {
			case "db-instance-id":
				return []string{i.ID, i.ARN}, true
			case "db-cluster-id":
				return []string{i.ClusterID, rdsARN(c, "cluster", i.ClusterID)}, true
			case "engine":
				return []string{i.Engine}, true
			case "dbi-resource-id":
				return []string{i.ResourceID}, true
			}
			return nil, false
		})
	})
	if err != nil {
		return nil, err
	}
	out := struct {
		DBInstances []rdsInstanceXML `xml:"DBInstances>DBInstance"`
		Marker      string           `xml:"Marker,omitempty"`
	}{Marker: marker}
	for _, i := range page {
		out.DBInstances = append(out.DBInstances, i.xml(c))
	}
	return out, nil
}

func (svc *rdsService) modifyDBInstance(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	i, err := svc.instance(c, in.Get("DBInstanceIdentifier"))
	if err != nil {
		return nil, err
	}
	if i.Status != "available" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBInstanceState", "Database instance is not in available state.")
	}
	now, err := queryBool(in, "ApplyImmediately")
	if err != nil {
		return nil, err
	}
	immediate := now != nil && *now
	if cl := svc.clusters(c)[i.ClusterID]; cl != nil && cl.InstanceClass != "" && in.Get("AutoMinorVersionUpgrade") != "" {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "The AutoMinorVersionUpgrade setting of an instance of a Multi-AZ DB cluster is managed by the DB cluster %s; modify the cluster instead.", cl.ID)
	}
	if err := svc.monitoring(c, in, &i.MonitoringInterval, &i.MonitoringRoleARN); err != nil {
		return nil, err
	}
	// Applied at once whatever ApplyImmediately says.
	for name, dst := range map[string]*bool{
		"PubliclyAccessible": &i.PubliclyAccessible, "DeletionProtection": &i.DeletionProtection,
		"AutoMinorVersionUpgrade": &i.AutoMinorUpgrade, "CopyTagsToSnapshot": &i.CopyTagsToSnapshot,
		"EnableIAMDatabaseAuthentication": &i.IAMAuth, "EnablePerformanceInsights": &i.PerformanceInsights,
	} {
		b, err := queryBool(in, name)
		if err != nil {
			return nil, err
		}
		if b != nil {
			*dst = *b
		}
	}
	multiAZ, err := queryBool(in, "MultiAZ")
	if err != nil {
		return nil, err
	}
	backup, err := queryInt(in, "BackupRetentionPeriod")
	if err != nil {
		return nil, err
	}
	storage, err := queryInt(in, "AllocatedStorage")
	if err != nil {
		return nil, err
	}
	class := in.Get("DBInstanceClass")
	if backup != nil && (*backup < 0 || *backup > 35) {
		return nil, rdsInvalidParam("Invalid backup retention period %d: must be between 0 and 35", *backup)
	}
	if i.ClusterID != "" && (multiAZ != nil || backup != nil) {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "The requested modification is managed by the DB cluster %s; modify the cluster instead.", i.ClusterID)
	}
	if sgs := queryList(in, "VpcSecurityGroupIds.VpcSecurityGroupId"); len(sgs) > 0 {
		i.SecurityGroups = sgs
	}
	if immediate {
		if multiAZ != nil {
			i.MultiAZ = *multiAZ
		}
		if backup != nil {
			i.BackupRetention = *backup
		}
		if storage != nil {
			i.AllocatedStorage = *storage
		}
		if class != "" {
			i.Class = class
		}
		// Applying now also applies what was waiting.
		if p := i.Pending; p.MultiAZ != nil && multiAZ == nil {
			i.MultiAZ = *p.MultiAZ
		}
		if p := i.Pending; p.BackupRetention != nil && backup == nil {
			i.BackupRetention = *p.BackupRetention
		}
		if p := i.Pending; p.AllocatedStorage != nil && storage == nil {
			i.AllocatedStorage = *p.AllocatedStorage
		}
		if p := i.Pending; p.Class != "" && class == "" {
			i.Class = p.Class
		}
		i.Pending = rdsPending{}
	} else {
		if multiAZ != nil && *multiAZ != i.MultiAZ {
			i.Pending.MultiAZ = multiAZ
		}
		if backup != nil && *backup != i.BackupRetention {
			i.Pending.BackupRetention = backup
		}
		if storage != nil && *storage != i.AllocatedStorage {
			i.Pending.AllocatedStorage = storage
		}
		if class != "" && class != i.Class {
			i.Pending.Class = class
		}
	}
	return struct {
		DBInstance rdsInstanceXML
	}{i.xml(c)}, nil
}

func (svc *rdsService) deleteDBInstance(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	i, err := svc.instance(c, in.Get("DBInstanceIdentifier"))
	if err != nil {
		return nil, err
	}
	if i.DeletionProtection {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "Cannot delete protected DB Instance, please disable deletion protection and try again.")
	}
	skip, err := queryBool(in, "SkipFinalSnapshot")
	if err != nil {
		return nil, err
	}
	final := in.Get("FinalDBSnapshotIdentifier")
	if i.ClusterID == "" {
		switch {
		case (skip == nil || !*skip) && final == "":
			return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
		case skip != nil && *skip && final != "":
			return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.")
		case final != "":
			if _, err := svc.snapshot(c, i, final); err != nil {
				return nil, err
			}
		}
	}
	delete(svc.instances(c), i.ID)
	x := i.xml(c)
	x.DBInstanceStatus = "deleting"
	return struct {
		DBInstance rdsInstanceXML
	}{x}, nil
}

// Clusters.

func (svc *rdsService) cluster(c *call, ref string) (*rdsCluster, error) {
	return rdsByRef(c, ref, "DBClusterIdentifier", "DBCluster", "DBClusterNotFoundFault", svc.clusters,
		func(cl *rdsCluster) (string, string) { return cl.ARN, cl.ID })
}

// rdsByRef returns the resource of all(c) that ref names by identifier
// (in any case) or by ARN, and records it for CloudTrail. param is the
// request parameter ref comes from, shape the resource's shape name (as
// "DBCluster") and code the error code for a resource it does not find;
// names gives a resource's ARN and identifier.
func rdsByRef[V comparable](c *call, ref, param, shape, code string, all func(*call) map[string]V, names func(V) (arn, id string)) (V, error) {
	var zero V
	if ref == "" {
		return zero, errMissingParameter(param)
	}
	id := strings.ToLower(ref)
	if strings.HasPrefix(ref, "arn:") {
		// arn:PARTITION:rds:REGION:ACCOUNT:TYPE:ID, where the ID of an
		// automated snapshot has a colon of its own (rds:...).
		if f := strings.SplitN(ref, ":", 7); len(f) == 7 {
			id = f[6]
		}
	}
	v := all(c)[id]
	if v == zero {
		return zero, errorf(http.StatusNotFound, code, "%s %s not found.", shape, ref)
	}
	arn, vid := names(v)
	if strings.HasPrefix(ref, "arn:") && ref != arn {
		return zero, errorf(http.StatusNotFound, code, "%s %s not found.", shape, ref)
	}
	c.trailResources = []TrailResource{{ARN: arn, AccountID: c.Account(), Type: "AWS::RDS::" + shape, Name: vid}}
	return v, nil
}

func (svc *rdsService) createDBCluster(c *call, in url.Values) (any, error) {
	id, err := rdsID("DBClusterIdentifier", in.Get("DBClusterIdentifier"))
	if err != nil {
		return nil, err
	}
	engine, err := required(in, "Engine")
	if err != nil {
		return nil, err
	}
	if svc.clusters(c)[id] != nil {
		return nil, errorf(http.StatusBadRequest, "DBClusterAlreadyExistsFault", "DB Cluster already exists")
	}
	cl := &rdsCluster{
		ID: id, ARN: rdsARN(c, "cluster", id), ResourceID: "cluster-" + strings.ToUpper(c.newID("", 26)), Engine: engine,
		EngineVersion: in.Get("EngineVersion"), MasterUsername: in.Get("MasterUsername"), DatabaseName: in.Get("DatabaseName"),
		KMSKeyID: in.Get("KmsKeyId"), BackupRetention: 1, Port: enginePort(engine), Created: c.now, Status: "available",
		SecurityGroups: queryList(in, "VpcSecurityGroupIds.VpcSecurityGroupId"), Tags: rdsTags(in),
	}
	if cl.EngineVersion == "" {
		cl.EngineVersion = map[bool]string{true: "16.4", false: "8.0.mysql_aurora.3.08.0"}[strings.Contains(engine, "postgres")]
	}
	if n, err := queryInt(in, "Port"); err != nil {
		return nil, err
	} else if n != nil {
		cl.Port = *n
	}
	if n, err := queryInt(in, "BackupRetentionPeriod"); err != nil {
		return nil, err
	} else if n != nil {
		if *n < 1 || *n > 35 {
			return nil, rdsInvalidParam("Invalid backup retention period %d: must be between 1 and 35", *n)
		}
		cl.BackupRetention = *n
	}
	cl.InstanceClass = in.Get("DBClusterInstanceClass")
	if cl.InstanceClass != "" && strings.HasPrefix(engine, "aurora") {
		return nil, rdsInvalidParam("DBClusterInstanceClass is only for Multi-AZ DB clusters, not for engine %s", engine)
	}
	cl.AutoMinorUpgrade = true
	for name, dst := range map[string]*bool{"StorageEncrypted": &cl.StorageEncrypted, "DeletionProtection": &cl.DeletionProtection,
		"EnableIAMDatabaseAuthentication": &cl.IAMAuth, "CopyTagsToSnapshot": &cl.CopyTagsToSnapshot, "AutoMinorVersionUpgrade": &cl.AutoMinorUpgrade} {
		b, err := queryBool(in, name)
		if err != nil {
			return nil, err
		}
		if b != nil {
			*dst = *b
		}
	}
	svc.clusters(c)[id] = cl
	c.trailResources = []TrailResource{{ARN: cl.ARN, AccountID: c.Account(), Type: "AWS::RDS::DBCluster", Name: cl.ID}}
	return struct {
		DBCluster rdsClusterXML
	}{svc.clusterXML(c, cl)}, nil
}

func (svc *rdsService) describeDBClusters(c *call, in url.Values) (any, error) {
	filters := rdsFilters(in)
	if err := rdsCheckFilters(filters, "db-cluster-id", "engine", "db-cluster-resource-id"); err != nil {
		return nil, err
	}
	ids, err := rdsIDs(c, in.Get("DBClusterIdentifier"), svc.cluster, func(cl *rdsCluster) string { return cl.ID }, svc.clusters)
	if err != nil {
		return nil, err
	}
	page, marker, err := rdsPageOf(in, ids, svc.clusters(c), func(cl *rdsCluster) bool {
		return rdsMatch(filters, func(name string) ([]string, bool) {
			switch name {
			case "db-cluster-id":
				return []string{cl.ID, cl.ARN}, true
			case "engine":
				return []string{cl.Engine}, true
			case "db-cluster-resource-id":
				return []string{cl.ResourceID}, true
			}
			return nil, false
		})
	})
	if err != nil {
		return nil, err
	}
	out := struct {
		DBClusters []rdsClusterXML `xml:"DBClusters>DBCluster"`
		Marker     string          `xml:"Marker,omitempty"`
	}{Marker: marker}
	for _, cl := range page {
		out.DBClusters = append(out.DBClusters, svc.clusterXML(c, cl))
	}
	return out, nil
}

func (svc *rdsService) modifyDBCluster(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	cl, err := svc.cluster(c, in.Get("DBClusterIdentifier"))
	if err != nil {
		return nil, err
	}
	if cl.Status != "available" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBClusterStateFault", "DBCluster %s is not in available state.", cl.ID)
	}
	if n, err := queryInt(in, "BackupRetentionPeriod"); err != nil {
		return nil, err
	} else if n != nil {
		if *n < 1 || *n > 35 {
			return nil, rdsInvalidParam("Invalid backup retention period %d: must be between 1 and 35", *n)
		}
		cl.BackupRetention = *n
	}
	if n, err := queryInt(in, "Port"); err != nil {
		return nil, err
	} else if n != nil {
		cl.Port = *n
	}
	for name, dst := range map[string]*bool{"DeletionProtection": &cl.DeletionProtection, "EnableIAMDatabaseAuthentication": &cl.IAMAuth,
		"CopyTagsToSnapshot": &cl.CopyTagsToSnapshot, "AutoMinorVersionUpgrade": &cl.AutoMinorUpgrade} {
		b, err := queryBool(in, name)
		if err != nil {
			return nil, err
		}
		if b != nil {
			*dst = *b
		}
	}
	if sgs := queryList(in, "VpcSecurityGroupIds.VpcSecurityGroupId"); len(sgs) > 0 {
		cl.SecurityGroups = sgs
	}
	return struct {
		DBCluster rdsClusterXML
	}{svc.clusterXML(c, cl)}, nil
}

func (svc *rdsService) deleteDBCluster(c *call, in url.Values) (any, error) {
	cl, err := svc.cluster(c, in.Get("DBClusterIdentifier"))
	if err != nil {
		return nil, err
	}
	if cl.DeletionProtection {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "Cannot delete protected Cluster, please disable deletion protection and try again.")
	}
	for _, i := range svc.instances(c) {
		if i.ClusterID == cl.ID {
			return nil, errorf(http.StatusBadRequest, "InvalidDBClusterStateFault", "Cluster cannot be deleted, it still contains DB instances in non-deleting state.")
		}
	}
	skip, err := queryBool(in, "SkipFinalSnapshot")
	if err != nil {
		return nil, err
	}
	if (skip == nil || !*skip) && in.Get("FinalDBSnapshotIdentifier") == "" {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
	}
	x := svc.clusterXML(c, cl)
	x.Status = "deleting"
	delete(svc.clusters(c), cl.ID)
	return struct {
		DBCluster rdsClusterXML
	}{x}, nil
}

// Snapshots.

// snapshot takes a manual snapshot of i named id.
func (svc *rdsService) snapshot(c *call, i *rdsInstance, ref string) (*rdsSnapshot, error) {
	id, err := rdsSnapshotID("DBSnapshotIdentifier", ref)
	if err != nil {
		return nil, err
	}
	if svc.snapshots(c)[id] != nil {
		return nil, errorf(http.StatusBadRequest, "DBSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier %s already exists.", id)
	}
	s := &rdsSnapshot{ID: id, ARN: rdsARN(c, "snapshot", id), InstanceID: i.ID, Engine: i.Engine, Storage: i.AllocatedStorage,
		Encrypted: i.StorageEncrypted, KMSKeyID: i.KMSKeyID, Created: c.now, Type: "manual"}
	if i.CopyTagsToSnapshot {
		s.Tags = append([]rdsTag{}, i.Tags...)
	}
	svc.snapshots(c)[id] = s
	return s, nil
}

func (svc *rdsService) createDBSnapshot(c *call, in url.Values) (any, error) {
	i, err := svc.instance(c, in.Get("DBInstanceIdentifier"))
	if err != nil {
		return nil, err
	}
	if i.ClusterID != "" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBInstanceState", "The specified instance is a member of a cluster and a snapshot cannot be created directly. Please use the CreateDBClusterSnapshot API instead.")
	}
	s, err := svc.snapshot(c, i, in.Get("DBSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	s.Tags = mergeRDSTags(s.Tags, rdsTags(in))
	return struct {
		DBSnapshot rdsSnapshotXML
	}{s.xml(c.now)}, nil
}

func (svc *rdsService) snapshotByRef(c *call, ref string) (*rdsSnapshot, error) {
	return rdsByRef(c, ref, "DBSnapshotIdentifier", "DBSnapshot", "DBSnapshotNotFound", svc.snapshots,
		func(s *rdsSnapshot) (string, string) { return s.ARN, s.ID })
}

func (svc *rdsService) describeDBSnapshots(c *call, in url.Values) (any, error) {
	ids, err := rdsIDs(c, in.Get("DBSnapshotIdentifier"), svc.snapshotByRef, func(s *rdsSnapshot) string { return s.ID }, svc.snapshots)
	if err != nil {
		return nil, err
	}
	inst := strings.ToLower(in.Get("DBInstanceIdentifier"))
	typ := in.Get("SnapshotType")
	filters := rdsFilters(in)
	page, marker, err := rdsPageOf(in, ids, svc.snapshots(c), func(s *rdsSnapshot) bool {
		if inst != "" && s.InstanceID != inst {
			return false
		}
		if typ != "" && typ != s.Type && !(typ == "public" && s.public()) {
			return false
		}
		return rdsMatch(filters, func(name string) ([]string, bool) {
			switch name {
			case "db-instance-id":
				return []string{s.InstanceID}, true
			case "snapshot-type":
				return []string{s.Type}, true
			}
			return nil, false
		})
	})
	if err != nil {
		return nil, err
	}
	out := struct {
		DBSnapshots []rdsSnapshotXML `xml:"DBSnapshots>DBSnapshot"`
		Marker      string           `xml:"Marker,omitempty"`
	}{Marker: marker}
	for _, s := range page {
		out.DBSnapshots = append(out.DBSnapshots, s.xml(c.now))
	}
	return out, nil
}

func (s *rdsSnapshot) public() bool {
	for _, a := range s.Restore {
		if a == "all" {
			return true
		}
	}
	return false
}

func (svc *rdsService) deleteDBSnapshot(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	s, err := svc.snapshotByRef(c, in.Get("DBSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	if s.Type != "manual" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBSnapshotState", "Only manual snapshots may be deleted.")
	}
	delete(svc.snapshots(c), s.ID)
	x := s.xml(c.now)
	x.Status = "deleted"
	return struct {
		DBSnapshot rdsSnapshotXML
	}{x}, nil
}

type rdsSnapshotAttributesXML struct {
	DBSnapshotIdentifier string `xml:"DBSnapshotIdentifier"`
	Attributes           []struct {
		AttributeName   string   `xml:"AttributeName"`
		AttributeValues []string `xml:"AttributeValues>AttributeValue"`
	} `xml:"DBSnapshotAttributes>DBSnapshotAttribute"`
}

func (s *rdsSnapshot) attributes() rdsSnapshotAttributesXML {
	x := rdsSnapshotAttributesXML{DBSnapshotIdentifier: s.ID}
	x.Attributes = append(x.Attributes, struct {
		AttributeName   string   `xml:"AttributeName"`
		AttributeValues []string `xml:"AttributeValues>AttributeValue"`
	}{"restore", s.Restore})
	return x
}

func (svc *rdsService) modifyDBSnapshotAttribute(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	s, err := svc.snapshotByRef(c, in.Get("DBSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	if s.Type != "manual" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBSnapshotState", "Only manual snapshots can be shared.")
	}
	if err := modifyRestore(in, s); err != nil {
		return nil, err
	}
	return struct {
		DBSnapshotAttributesResult rdsSnapshotAttributesXML
	}{s.attributes()}, nil
}

func (svc *rdsService) describeDBSnapshotAttributes(c *call, in url.Values) (any, error) {
	s, err := svc.snapshotByRef(c, in.Get("DBSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	return struct {
		DBSnapshotAttributesResult rdsSnapshotAttributesXML
	}{s.attributes()}, nil
}

// Tags.

// tagsOf returns a pointer to the tags of the resource an ARN names.
func (svc *rdsService) tagsOf(c *call, arn string) (*[]rdsTag, error) {
	if arn == "" {
		return nil, errMissingParameter("ResourceName")
	}
	parts := strings.Split(arn, ":")
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "rds" {
		return nil, rdsInvalidParam("Invalid resource name: %s", arn)
	}
	switch parts[5] {
	case "db":
		i, err := svc.instance(c, arn)
		if err != nil {
			return nil, err
		}
		return &i.Tags, nil
	case "cluster":
		cl, err := svc.cluster(c, arn)
		if err != nil {
			return nil, err
		}
		return &cl.Tags, nil
	case "snapshot":
		s, err := svc.snapshotByRef(c, arn)
		if err != nil {
			return nil, err
		}
		return &s.Tags, nil
	case "cluster-snapshot":
		s, err := svc.clusterSnapshotByRef(c, arn)
		if err != nil {
			return nil, err
		}
		return &s.Tags, nil
	}
	return nil, rdsInvalidParam("Unsupported resource type in %s", arn)
}

func (svc *rdsService) addTagsToResource(c *call, in url.Values) (any, error) {
	tags, err := svc.tagsOf(c, in.Get("ResourceName"))
	if err != nil {
		return nil, err
	}
	*tags = mergeRDSTags(*tags, rdsTags(in))
	return nil, nil
}

func (svc *rdsService) listTagsForResource(c *call, in url.Values) (any, error) {
	tags, err := svc.tagsOf(c, in.Get("ResourceName"))
	if err != nil {
		return nil, err
	}
	return struct {
		TagList []rdsTag `xml:"TagList>Tag"`
	}{*tags}, nil
}

// rdsTrailParams writes a request's parameters as CloudTrail records RDS
// calls: lower camel case names ("dBInstanceIdentifier"), booleans and
// integers as JSON values, and lists as arrays.
func rdsTrailParams(in url.Values) map[string]any {
	out := map[string]any{}
	lists := map[string]bool{}
	for k, vs := range in {
		if k == "Action" || k == "Version" || len(vs) == 0 {
			continue
		}
		name, _, nested := strings.Cut(k, ".")
		if nested {
			lists[name] = true
			continue
		}
		v := vs[0]
		switch {
		case v == "true" || v == "false":
			out[lowerCamel(k)] = v == "true"
		case strings.Trim(v, "0123456789") == "" && len(v) < 10 && k != "DBName" && !strings.HasSuffix(k, "Identifier"):
			n, _ := strconv.Atoi(v)
			out[lowerCamel(k)] = n
		default:
			out[lowerCamel(k)] = v
		}
	}
	for name := range lists {
		var items []string
		for _, suffix := range []string{".AttributeValue", ".VpcSecurityGroupId", ".member", ""} {
			if items = queryList(in, name+suffix); len(items) > 0 {
				break
			}
		}
		if len(items) > 0 {
			out[lowerCamel(name)] = items
		}
	}
	return out
}
