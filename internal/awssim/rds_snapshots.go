package awssim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// RDS: copies of DB snapshots (encrypting them with a KMS key), DB cluster
// snapshots with their restore attribute, automated snapshots (made by
// AddRDSAutomatedSnapshot; RDS alone deletes them) and enhanced
// monitoring. A copy stays "creating" for Options.RDSCopyDelay of
// simulated time.

// rdsSnapshotID checks a snapshot identifier: 1 to 255 letters, digits or
// hyphens, starting with a letter, without two consecutive hyphens nor a
// trailing one. RDS stores identifiers in lower case.
func rdsSnapshotID(param, v string) (string, error) {
	if v == "" {
		return "", errMissingParameter(param)
	}
	ok := len(v) <= 255 && isNameStart(v[0]) && v[0] != '_' && !strings.Contains(v, "--") && !strings.HasSuffix(v, "-") &&
		strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == ""
	if !ok {
		return "", rdsInvalidParam("The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.", param)
	}
	return strings.ToLower(v), nil
}

// status returns a snapshot's status and progress at now.
func (s *rdsSnapshot) status(now time.Time) (string, int) {
	if now.Before(s.ReadyAt) {
		return "creating", 50
	}
	return "available", 100
}

// monitoringIntervals are the MonitoringInterval values RDS accepts.
var monitoringIntervals = sync.OnceValue(func() map[int]bool {
	return map[int]bool{0: true, 1: true, 5: true, 10: true, 15: true, 30: true, 60: true}
})

// monitoring applies the MonitoringInterval and MonitoringRoleArn of a
// create or modify request to interval and role, checking them as RDS
// does: a non-zero interval needs a role that monitoring.rds.amazonaws.com
// may assume.
func (svc *rdsService) monitoring(c *call, in url.Values, interval *int, role *string) error {
	n, err := queryInt(in, "MonitoringInterval")
	if err != nil {
		return err
	}
	next, nextRole := *interval, *role
	if n != nil {
		if !monitoringIntervals()[*n] {
			return rdsInvalidParam("Invalid value %d for MonitoringInterval: must be one of 0, 1, 5, 10, 15, 30, 60", *n)
		}
		next = *n
	}
	if r := in.Get("MonitoringRoleArn"); r != "" {
		nextRole = r
	}
	if n == nil && in.Get("MonitoringRoleArn") == "" {
		return nil
	}
	if next == 0 {
		nextRole = ""
	} else {
		if nextRole == "" {
			return errorf(http.StatusBadRequest, "InvalidParameterCombination", "A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.")
		}
		if r := svc.s.roleByARN(nextRole); r == nil || !trustsService(r.Trust, "monitoring.rds.amazonaws.com") {
			return rdsInvalidParam("IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING")
		}
	}
	*interval, *role = next, nextRole
	return nil
}

// copyKey resolves the KmsKeyId of a copy: the key's ARN, or an error
// RDS answers for a key it cannot use.
func (svc *rdsService) copyKey(c *call, id string) (string, error) {
	k, err := svc.s.kmsKeyFor(c, id)
	if err != nil || k.State != "Enabled" || k.KeyUsage != "ENCRYPT_DECRYPT" || k.KeySpec != "SYMMETRIC_DEFAULT" {
		return "", errorf(http.StatusBadRequest, "KMSKeyNotAccessibleFault", "The specified KMS key %s does not exist, is not enabled or you do not have permissions to access it.", id)
	}
	return k.ARN, nil
}

// copySnapshot makes the copy named by target of src in all, encrypted
// with keyID when it is set, and returns it.
func (svc *rdsService) copySnapshot(c *call, in url.Values, src *rdsSnapshot, all map[string]*rdsSnapshot, kind, targetParam, exists string) (*rdsSnapshot, error) {
	id, err := rdsSnapshotID(targetParam, in.Get(targetParam))
	if err != nil {
		return nil, err
	}
	if all[id] != nil {
		return nil, errorf(http.StatusBadRequest, exists, "Cannot create the snapshot because a snapshot with the identifier %s already exists.", id)
	}
	cp := &rdsSnapshot{ID: id, ARN: rdsARN(c, kind, id), InstanceID: src.InstanceID, Engine: src.Engine, Storage: src.Storage,
		Encrypted: src.Encrypted, KMSKeyID: src.KMSKeyID, Created: c.now, Type: "manual", SourceARN: src.ARN,
		ReadyAt: c.now.Add(svc.s.opts.RDSCopyDelay)}
	if k := in.Get("KmsKeyId"); k != "" {
		arn, err := svc.copyKey(c, k)
		if err != nil {
			return nil, err
		}
		cp.Encrypted, cp.KMSKeyID = true, arn
	}
	copyTags, err := queryBool(in, "CopyTags")
	if err != nil {
		return nil, err
	}
	if copyTags != nil && *copyTags {
		cp.Tags = append([]rdsTag{}, src.Tags...)
	}
	cp.Tags = mergeRDSTags(cp.Tags, rdsTags(in))
	all[id] = cp
	c.trailResources = append(c.trailResources, TrailResource{ARN: cp.ARN, AccountID: c.Account(), Type: "AWS::RDS::" + map[string]string{"snapshot": "DBSnapshot", "cluster-snapshot": "DBClusterSnapshot"}[kind], Name: cp.ID})
	return cp, nil
}

func (svc *rdsService) copyDBSnapshot(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	src, err := svc.snapshotByRef(c, in.Get("SourceDBSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	if st, _ := src.status(c.now); st != "available" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBSnapshotState", "Snapshot %s is not in available state.", src.ID)
	}
	cp, err := svc.copySnapshot(c, in, src, svc.snapshots(c), "snapshot", "TargetDBSnapshotIdentifier", "DBSnapshotAlreadyExists")
	if err != nil {
		return nil, err
	}
	return struct {
		DBSnapshot rdsSnapshotXML
	}{cp.xml(c.now)}, nil
}

// AddRDSAutomatedSnapshot makes an automated snapshot of a DB instance, as
// RDS makes one a day while backups are on, and returns its identifier
// ("rds:INSTANCE-YYYY-MM-DD-HH-MM").
func (s *Server) AddRDSAutomatedSnapshot(account, region, instance string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	def := s.services["rds"]
	svc, _ := def.State.(*rdsService)
	c := &call{s: s, def: def, region: region, caller: Principal{Account: account}, now: s.nowLocked()}
	i := svc.instances(c)[strings.ToLower(instance)]
	if i == nil {
		return "", fmt.Errorf("awssim: DB instance %s not found in %s/%s", instance, account, region)
	}
	id := "rds:" + i.ID + "-" + c.now.Format("2006-01-02-15-04")
	if svc.snapshots(c)[id] != nil {
		return "", fmt.Errorf("awssim: snapshot %s exists", id)
	}
	svc.snapshots(c)[id] = &rdsSnapshot{ID: id, ARN: rdsARN(c, "snapshot", id), InstanceID: i.ID, Engine: i.Engine, Storage: i.AllocatedStorage,
		Encrypted: i.StorageEncrypted, KMSKeyID: i.KMSKeyID, Created: c.now, Type: "automated"}
	return id, nil
}

// Cluster snapshots.

func (svc *rdsService) clusterSnapshots(c *call) map[string]*rdsSnapshot {
	return scoped(svc.ClusterSnapshots, c)
}

func (svc *rdsService) clusterSnapshotByRef(c *call, ref string) (*rdsSnapshot, error) {
	return rdsByRef(c, ref, "DBClusterSnapshotIdentifier", "DBClusterSnapshot", "DBClusterSnapshotNotFoundFault", svc.clusterSnapshots,
		func(s *rdsSnapshot) (string, string) { return s.ARN, s.ID })
}

type rdsClusterSnapshotXML struct {
	DBClusterSnapshotIdentifier string   `xml:"DBClusterSnapshotIdentifier"`
	DBClusterSnapshotArn        string   `xml:"DBClusterSnapshotArn"`
	DBClusterIdentifier         string   `xml:"DBClusterIdentifier"`
	SnapshotCreateTime          string   `xml:"SnapshotCreateTime"`
	Engine                      string   `xml:"Engine"`
	AllocatedStorage            int      `xml:"AllocatedStorage"`
	Status                      string   `xml:"Status"`
	SnapshotType                string   `xml:"SnapshotType"`
	PercentProgress             int      `xml:"PercentProgress"`
	StorageEncrypted            bool     `xml:"StorageEncrypted"`
	KmsKeyID                    string   `xml:"KmsKeyId,omitempty"`
	SourceDBClusterSnapshotArn  string   `xml:"SourceDBClusterSnapshotArn,omitempty"`
	TagList                     []rdsTag `xml:"TagList>Tag"`
}

func (s *rdsSnapshot) clusterXML(now time.Time) rdsClusterSnapshotXML {
	status, progress := s.status(now)
	return rdsClusterSnapshotXML{
		DBClusterSnapshotIdentifier: s.ID, DBClusterSnapshotArn: s.ARN, DBClusterIdentifier: s.InstanceID, SnapshotCreateTime: isoTime(s.Created),
		Engine: s.Engine, AllocatedStorage: s.Storage, Status: status, SnapshotType: s.Type, PercentProgress: progress,
		StorageEncrypted: s.Encrypted, KmsKeyID: s.KMSKeyID, SourceDBClusterSnapshotArn: s.SourceARN, TagList: s.Tags,
	}
}

func (svc *rdsService) createDBClusterSnapshot(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	cl, err := svc.cluster(c, in.Get("DBClusterIdentifier"))
	if err != nil {
		return nil, err
	}
	if cl.Status != "available" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBClusterStateFault", "DBCluster %s is not in available state.", cl.ID)
	}
	id, err := rdsSnapshotID("DBClusterSnapshotIdentifier", in.Get("DBClusterSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	if svc.clusterSnapshots(c)[id] != nil {
		return nil, errorf(http.StatusBadRequest, "DBClusterSnapshotAlreadyExistsFault", "Cannot create the cluster snapshot because one with the identifier %s already exists.", id)
	}
	s := &rdsSnapshot{ID: id, ARN: rdsARN(c, "cluster-snapshot", id), InstanceID: cl.ID, Engine: cl.Engine, Storage: 1,
		Encrypted: cl.StorageEncrypted, KMSKeyID: cl.KMSKeyID, Created: c.now, Type: "manual"}
	if cl.CopyTagsToSnapshot {
		s.Tags = append([]rdsTag{}, cl.Tags...)
	}
	s.Tags = mergeRDSTags(s.Tags, rdsTags(in))
	svc.clusterSnapshots(c)[id] = s
	c.trailResources = []TrailResource{{ARN: s.ARN, AccountID: c.Account(), Type: "AWS::RDS::DBClusterSnapshot", Name: s.ID}}
	return struct {
		DBClusterSnapshot rdsClusterSnapshotXML
	}{s.clusterXML(c.now)}, nil
}

func (svc *rdsService) describeDBClusterSnapshots(c *call, in url.Values) (any, error) {
	filters := rdsFilters(in)
	if err := rdsCheckFilters(filters, "db-cluster-id", "db-cluster-snapshot-id", "snapshot-type", "engine"); err != nil {
		return nil, err
	}
	ids, err := rdsIDs(c, in.Get("DBClusterSnapshotIdentifier"), svc.clusterSnapshotByRef, func(s *rdsSnapshot) string { return s.ID }, svc.clusterSnapshots)
	if err != nil {
		return nil, err
	}
	cluster := strings.ToLower(in.Get("DBClusterIdentifier"))
	typ := in.Get("SnapshotType")
	page, marker, err := rdsPageOf(in, ids, svc.clusterSnapshots(c), func(s *rdsSnapshot) bool {
		if cluster != "" && s.InstanceID != cluster && rdsARN(c, "cluster", s.InstanceID) != in.Get("DBClusterIdentifier") {
			return false
		}
		if typ != "" && typ != s.Type && !(typ == "public" && s.public()) {
			return false
		}
		return rdsMatch(filters, func(name string) ([]string, bool) {
			switch name {
			case "db-cluster-id":
				return []string{s.InstanceID, rdsARN(c, "cluster", s.InstanceID)}, true
			case "db-cluster-snapshot-id":
				return []string{s.ID, s.ARN}, true
			case "snapshot-type":
				return []string{s.Type}, true
			case "engine":
				return []string{s.Engine}, true
			}
			return nil, false
		})
	})
	if err != nil {
		return nil, err
	}
	out := struct {
		DBClusterSnapshots []rdsClusterSnapshotXML `xml:"DBClusterSnapshots>DBClusterSnapshot"`
		Marker             string                  `xml:"Marker,omitempty"`
	}{Marker: marker}
	for _, s := range page {
		out.DBClusterSnapshots = append(out.DBClusterSnapshots, s.clusterXML(c.now))
	}
	return out, nil
}

func (svc *rdsService) deleteDBClusterSnapshot(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	s, err := svc.clusterSnapshotByRef(c, in.Get("DBClusterSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	if s.Type != "manual" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBClusterSnapshotStateFault", "Only manual snapshots may be deleted.")
	}
	delete(svc.clusterSnapshots(c), s.ID)
	x := s.clusterXML(c.now)
	x.Status = "deleted"
	return struct {
		DBClusterSnapshot rdsClusterSnapshotXML
	}{x}, nil
}

func (svc *rdsService) copyDBClusterSnapshot(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	src, err := svc.clusterSnapshotByRef(c, in.Get("SourceDBClusterSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	if st, _ := src.status(c.now); st != "available" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBClusterSnapshotStateFault", "Cluster snapshot %s is not in available state.", src.ID)
	}
	cp, err := svc.copySnapshot(c, in, src, svc.clusterSnapshots(c), "cluster-snapshot", "TargetDBClusterSnapshotIdentifier", "DBClusterSnapshotAlreadyExistsFault")
	if err != nil {
		return nil, err
	}
	return struct {
		DBClusterSnapshot rdsClusterSnapshotXML
	}{cp.clusterXML(c.now)}, nil
}

type rdsClusterSnapshotAttributesXML struct {
	DBClusterSnapshotIdentifier string `xml:"DBClusterSnapshotIdentifier"`
	Attributes                  []struct {
		AttributeName   string   `xml:"AttributeName"`
		AttributeValues []string `xml:"AttributeValues>AttributeValue"`
	} `xml:"DBClusterSnapshotAttributes>DBClusterSnapshotAttribute"`
}

func (s *rdsSnapshot) clusterAttributes() rdsClusterSnapshotAttributesXML {
	x := rdsClusterSnapshotAttributesXML{DBClusterSnapshotIdentifier: s.ID}
	x.Attributes = append(x.Attributes, struct {
		AttributeName   string   `xml:"AttributeName"`
		AttributeValues []string `xml:"AttributeValues>AttributeValue"`
	}{"restore", s.Restore})
	return x
}

// modifyRestore applies ValuesToAdd and ValuesToRemove to a snapshot's
// restore attribute, as ModifyDBSnapshotAttribute and
// ModifyDBClusterSnapshotAttribute do.
func modifyRestore(in url.Values, s *rdsSnapshot) error {
	name, err := required(in, "AttributeName")
	if err != nil {
		return err
	}
	if name != "restore" {
		return rdsInvalidParam("Invalid snapshot attribute name %q: only restore can be modified", name)
	}
	add := queryList(in, "ValuesToAdd.AttributeValue")
	if len(add) == 0 {
		add = queryList(in, "ValuesToAdd")
	}
	remove := queryList(in, "ValuesToRemove.AttributeValue")
	if len(remove) == 0 {
		remove = queryList(in, "ValuesToRemove")
	}
	for _, v := range add {
		if v != "all" && (len(v) != 12 || strings.Trim(v, "0123456789") != "") {
			return rdsInvalidParam("Invalid account identifier %q in ValuesToAdd", v)
		}
		if v == "all" && s.Encrypted {
			return rdsInvalidParam("Encrypted snapshots cannot be shared publicly.")
		}
	}
	next := []string{}
	for _, v := range s.Restore {
		if !matchAny(remove, v) {
			next = append(next, v)
		}
	}
	for _, v := range add {
		if !matchAny(next, v) {
			next = append(next, v)
		}
	}
	if len(next) > 20 {
		return errorf(http.StatusBadRequest, "SharedSnapshotQuotaExceeded", "You have exceeded the maximum number of accounts (20) with which a snapshot can be shared.")
	}
	s.Restore = next
	return nil
}

func (svc *rdsService) modifyDBClusterSnapshotAttribute(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	s, err := svc.clusterSnapshotByRef(c, in.Get("DBClusterSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	if s.Type != "manual" {
		return nil, errorf(http.StatusBadRequest, "InvalidDBClusterSnapshotStateFault", "Only manual snapshots can be shared.")
	}
	if err := modifyRestore(in, s); err != nil {
		return nil, err
	}
	return struct {
		DBClusterSnapshotAttributesResult rdsClusterSnapshotAttributesXML
	}{s.clusterAttributes()}, nil
}

func (svc *rdsService) describeDBClusterSnapshotAttributes(c *call, in url.Values) (any, error) {
	s, err := svc.clusterSnapshotByRef(c, in.Get("DBClusterSnapshotIdentifier"))
	if err != nil {
		return nil, err
	}
	return struct {
		DBClusterSnapshotAttributesResult rdsClusterSnapshotAttributesXML
	}{s.clusterAttributes()}, nil
}
