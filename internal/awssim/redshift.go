package awssim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Redshift: provisioned clusters (public accessibility, automated and
// manual snapshot retention, version upgrades, encryption, tags) and
// their audit logging to S3 or CloudWatch Logs. State is per account and
// region. Clusters are available at once and stay available through
// modifications.
//
// Audit logging to S3 needs a bucket in the cluster's region whose policy
// lets the Redshift service principal (redshift.amazonaws.com) put
// objects and read the bucket's ACL, as Redshift checks.

const redshiftXMLNS = "http://redshift.amazonaws.com/doc/2012-12-01/"

type redshiftService struct {
	s *Server
	// Clusters is keyed by scopeKey, then by cluster identifier.
	Clusters map[string]map[string]*redshiftCluster
}

type redshiftCluster struct {
	ID, ARN, NodeType, MasterUsername, DBName, Version, KMSKeyID string
	Nodes                                                        int
	Port                                                         int
	Created                                                      time.Time
	AutomatedRetention, ManualRetention                          int
	AllowVersionUpgrade, Public, Encrypted                       bool
	SecurityGroups                                               []string
	Tags                                                         []rdsTag
	Logging                                                      *redshiftLogging
}

type redshiftLogging struct {
	Destination, Bucket, Prefix string
	Exports                     []string
}

func newRedshift(s *Server) *serviceDef {
	svc := &redshiftService{s: s, Clusters: map[string]map[string]*redshiftCluster{}}
	return &serviceDef{
		Name: "redshift", EventSource: "redshift.amazonaws.com", Protocol: protoQuery, XMLNS: redshiftXMLNS,
		State: svc,
		Resources: func(c *call) ([]string, bool) {
			if c.op == "DescribeClusters" && c.param("ClusterIdentifier") == "" {
				return noResource()
			}
			return named(nameARN(c, "redshift", "cluster:", strings.ToLower(c.param("ClusterIdentifier"))))
		},
		Query: map[string]queryHandler{
			"CreateCluster":         svc.createCluster,
			"DescribeClusters":      svc.describeClusters,
			"ModifyCluster":         svc.modifyCluster,
			"DeleteCluster":         svc.deleteCluster,
			"EnableLogging":         svc.enableLogging,
			"DisableLogging":        svc.disableLogging,
			"DescribeLoggingStatus": svc.describeLoggingStatus,
		},
	}
}

func (svc *redshiftService) clusters(c *call) map[string]*redshiftCluster {
	return scoped(svc.Clusters, c)
}

func redshiftInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

// cluster returns the cluster a ClusterIdentifier names.
func (svc *redshiftService) cluster(c *call, in url.Values) (*redshiftCluster, error) {
	id, err := required(in, "ClusterIdentifier")
	if err != nil {
		return nil, err
	}
	cl := svc.clusters(c)[strings.ToLower(id)]
	if cl == nil {
		return nil, errorf(http.StatusNotFound, "ClusterNotFound", "Cluster %s not found.", id)
	}
	c.trailResources = []TrailResource{{ARN: cl.ARN, AccountID: c.Account(), Type: "AWS::Redshift::Cluster", Name: cl.ID}}
	return cl, nil
}

// retention reads a snapshot retention parameter within [lo, hi] (or -1
// where allowMinus1).
func retention(in url.Values, name string, lo, hi int, allowMinus1 bool) (*int, error) {
	n, err := queryInt(in, name)
	if err != nil || n == nil {
		return n, err
	}
	if (*n < lo || *n > hi) && !(allowMinus1 && *n == -1) {
		return nil, errorf(http.StatusBadRequest, "InvalidRetentionPeriodFault", "%s %d is not valid: it must be between %d and %d", name, *n, lo, hi)
	}
	return n, nil
}

type redshiftClusterXML struct {
	ClusterIdentifier                string     `xml:"ClusterIdentifier"`
	NodeType                         string     `xml:"NodeType"`
	ClusterStatus                    string     `xml:"ClusterStatus"`
	ClusterAvailabilityStatus        string     `xml:"ClusterAvailabilityStatus"`
	MasterUsername                   string     `xml:"MasterUsername"`
	DBName                           string     `xml:"DBName"`
	Endpoint                         rdsXMLAddr `xml:"Endpoint"`
	ClusterCreateTime                string     `xml:"ClusterCreateTime"`
	AutomatedSnapshotRetentionPeriod int        `xml:"AutomatedSnapshotRetentionPeriod"`
	ManualSnapshotRetentionPeriod    int        `xml:"ManualSnapshotRetentionPeriod"`
	VpcSecurityGroups                []rdsSGXML `xml:"VpcSecurityGroups>VpcSecurityGroup"`
	ClusterVersion                   string     `xml:"ClusterVersion"`
	AllowVersionUpgrade              bool       `xml:"AllowVersionUpgrade"`
	NumberOfNodes                    int        `xml:"NumberOfNodes"`
	PubliclyAccessible               bool       `xml:"PubliclyAccessible"`
	Encrypted                        bool       `xml:"Encrypted"`
	KmsKeyID                         string     `xml:"KmsKeyId,omitempty"`
	Tags                             []rdsTag   `xml:"Tags>Tag"`
	ClusterNamespaceArn              string     `xml:"ClusterNamespaceArn"`
}

type rdsXMLAddr struct {
	Address string `xml:"Address"`
	Port    int    `xml:"Port"`
}

func (cl *redshiftCluster) xml(c *call) redshiftClusterXML {
	x := redshiftClusterXML{
		ClusterIdentifier: cl.ID, NodeType: cl.NodeType, ClusterStatus: "available", ClusterAvailabilityStatus: "Available",
		MasterUsername: cl.MasterUsername, DBName: cl.DBName, ClusterCreateTime: isoTime(cl.Created),
		Endpoint:                         rdsXMLAddr{Address: cl.ID + ".c0abcdefghij." + c.region + ".redshift.amazonaws.com", Port: cl.Port},
		AutomatedSnapshotRetentionPeriod: cl.AutomatedRetention, ManualSnapshotRetentionPeriod: cl.ManualRetention,
		ClusterVersion: cl.Version, AllowVersionUpgrade: cl.AllowVersionUpgrade, NumberOfNodes: cl.Nodes,
		PubliclyAccessible: cl.Public, Encrypted: cl.Encrypted, KmsKeyID: cl.KMSKeyID, Tags: cl.Tags,
		ClusterNamespaceArn: fmt.Sprintf("arn:%s:redshift:%s:%s:namespace:%s", c.partition(), c.region, c.Account(), cl.ID),
	}
	for _, sg := range cl.SecurityGroups {
		x.VpcSecurityGroups = append(x.VpcSecurityGroups, rdsSGXML{sg, "active"})
	}
	return x
}

func (svc *redshiftService) createCluster(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	id, err := required(in, "ClusterIdentifier")
	if err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	if len(id) > 63 || !isNameStart(id[0]) || strings.Contains(id, "--") || strings.HasSuffix(id, "-") || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return nil, redshiftInvalid("The parameter ClusterIdentifier must begin with a letter, contain only lowercase letters, digits and hyphens, and not end with a hyphen or contain two consecutive hyphens.")
	}
	node, err := required(in, "NodeType")
	if err != nil {
		return nil, err
	}
	user, err := required(in, "MasterUsername")
	if err != nil {
		return nil, err
	}
	if svc.clusters(c)[id] != nil {
		return nil, errorf(http.StatusBadRequest, "ClusterAlreadyExists", "Cluster already exists")
	}
	cl := &redshiftCluster{ID: id, ARN: fmt.Sprintf("arn:%s:redshift:%s:%s:cluster:%s", c.partition(), c.region, c.Account(), id),
		NodeType: node, MasterUsername: user, DBName: orDefault(in.Get("DBName"), "dev"), Version: orDefault(in.Get("ClusterVersion"), "1.0"),
		Nodes: 1, Port: 5439, Created: c.now, AutomatedRetention: 1, ManualRetention: -1, AllowVersionUpgrade: true,
		SecurityGroups: queryList(in, "VpcSecurityGroupIds.VpcSecurityGroupId"), Tags: rdsTags(in)}
	if in.Get("ClusterType") == "multi-node" {
		cl.Nodes = 2
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"NumberOfNodes", &cl.Nodes}, {"Port", &cl.Port}} {
		n, err := queryInt(in, p.name)
		if err != nil {
			return nil, err
		}
		if n != nil {
			*p.dst = *n
		}
	}
	if n, err := retention(in, "AutomatedSnapshotRetentionPeriod", 0, 35, false); err != nil {
		return nil, err
	} else if n != nil {
		cl.AutomatedRetention = *n
	}
	if n, err := retention(in, "ManualSnapshotRetentionPeriod", 1, 3653, true); err != nil {
		return nil, err
	} else if n != nil {
		cl.ManualRetention = *n
	}
	for name, dst := range map[string]*bool{"AllowVersionUpgrade": &cl.AllowVersionUpgrade, "PubliclyAccessible": &cl.Public, "Encrypted": &cl.Encrypted} {
		b, err := queryBool(in, name)
		if err != nil {
			return nil, err
		}
		if b != nil {
			*dst = *b
		}
	}
	if k := in.Get("KmsKeyId"); k != "" {
		key, err := c.s.kmsKeyFor(c, k)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "InvalidParameterValue", "The KMS key %s is not valid: %v", k, err)
		}
		cl.Encrypted, cl.KMSKeyID = true, key.ARN
	}
	svc.clusters(c)[id] = cl
	c.trailResources = []TrailResource{{ARN: cl.ARN, AccountID: c.Account(), Type: "AWS::Redshift::Cluster", Name: cl.ID}}
	return struct {
		Cluster redshiftClusterXML
	}{cl.xml(c)}, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (svc *redshiftService) describeClusters(c *call, in url.Values) (any, error) {
	var ids []string
	if in.Get("ClusterIdentifier") != "" {
		cl, err := svc.cluster(c, in)
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
		Clusters []redshiftClusterXML `xml:"Clusters>Cluster"`
		Marker   string               `xml:"Marker,omitempty"`
	}{Marker: marker}
	for _, id := range page {
		out.Clusters = append(out.Clusters, svc.clusters(c)[id].xml(c))
	}
	return out, nil
}

func (svc *redshiftService) modifyCluster(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	cl, err := svc.cluster(c, in)
	if err != nil {
		return nil, err
	}
	auto, err := retention(in, "AutomatedSnapshotRetentionPeriod", 0, 35, false)
	if err != nil {
		return nil, err
	}
	manual, err := retention(in, "ManualSnapshotRetentionPeriod", 1, 3653, true)
	if err != nil {
		return nil, err
	}
	flags := map[string]*bool{}
	for _, name := range []string{"AllowVersionUpgrade", "PubliclyAccessible", "Encrypted"} {
		b, err := queryBool(in, name)
		if err != nil {
			return nil, err
		}
		flags[name] = b
	}
	if auto != nil {
		cl.AutomatedRetention = *auto
	}
	if manual != nil {
		cl.ManualRetention = *manual
	}
	if b := flags["AllowVersionUpgrade"]; b != nil {
		cl.AllowVersionUpgrade = *b
	}
	if b := flags["PubliclyAccessible"]; b != nil {
		cl.Public = *b
	}
	if b := flags["Encrypted"]; b != nil {
		cl.Encrypted = *b
		if !*b {
			cl.KMSKeyID = ""
		}
	}
	if sgs := queryList(in, "VpcSecurityGroupIds.VpcSecurityGroupId"); len(sgs) > 0 {
		cl.SecurityGroups = sgs
	}
	return struct {
		Cluster redshiftClusterXML
	}{cl.xml(c)}, nil
}

func (svc *redshiftService) deleteCluster(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	cl, err := svc.cluster(c, in)
	if err != nil {
		return nil, err
	}
	skip, err := queryBool(in, "SkipFinalClusterSnapshot")
	if err != nil {
		return nil, err
	}
	if (skip == nil || !*skip) && in.Get("FinalClusterSnapshotIdentifier") == "" {
		return nil, errorf(http.StatusBadRequest, "InvalidParameterCombination", "FinalClusterSnapshotIdentifier is required unless SkipFinalClusterSnapshot is specified.")
	}
	delete(svc.clusters(c), cl.ID)
	x := cl.xml(c)
	x.ClusterStatus = "deleting"
	return struct {
		Cluster redshiftClusterXML
	}{x}, nil
}

// Audit logging.

var redshiftLogTypes = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"connectionlog": true, "useractivitylog": true, "userlog": true}
})

type redshiftLoggingXML struct {
	LoggingEnabled     bool     `xml:"LoggingEnabled"`
	BucketName         string   `xml:"BucketName,omitempty"`
	S3KeyPrefix        string   `xml:"S3KeyPrefix,omitempty"`
	LogDestinationType string   `xml:"LogDestinationType,omitempty"`
	LogExports         []string `xml:"LogExports>member"`
}

func (cl *redshiftCluster) loggingXML() redshiftLoggingXML {
	l := cl.Logging
	if l == nil {
		return redshiftLoggingXML{}
	}
	return redshiftLoggingXML{LoggingEnabled: true, BucketName: l.Bucket, S3KeyPrefix: l.Prefix, LogDestinationType: l.Destination, LogExports: l.Exports}
}

// auditBucketAllows reports whether a bucket policy lets the Redshift
// service principal perform action.
func auditBucketAllows(policy, action string) bool {
	doc, err := parsePolicy(policy)
	if err != nil {
		return false
	}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" || st.Principal == nil {
			continue
		}
		for _, id := range st.Principal.IDs["Service"] {
			if !strings.EqualFold(id, "redshift.amazonaws.com") {
				continue
			}
			for _, a := range st.Action {
				if wildcardMatch(a, action, true) {
					return true
				}
			}
		}
	}
	return false
}

func (svc *redshiftService) enableLogging(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	cl, err := svc.cluster(c, in)
	if err != nil {
		return nil, err
	}
	dest := in.Get("LogDestinationType")
	bucket := in.Get("BucketName")
	if dest == "" {
		dest = "s3"
	}
	l := &redshiftLogging{Destination: dest, Exports: queryList(in, "LogExports")}
	for _, e := range l.Exports {
		if !redshiftLogTypes()[e] {
			return nil, redshiftInvalid("Invalid log export %q: must be connectionlog, useractivitylog or userlog", e)
		}
	}
	switch dest {
	case "s3":
		if bucket == "" {
			return nil, redshiftInvalid("BucketName is required when LogDestinationType is s3")
		}
		prefix := in.Get("S3KeyPrefix")
		if len(prefix) > 512 || strings.ContainsAny(prefix, "\\\"'") {
			return nil, errorf(http.StatusBadRequest, "InvalidS3KeyPrefixFault", "The S3 key prefix %q is not valid", prefix)
		}
		s3svc, _ := svc.s.services["s3"].State.(*s3State)
		b := s3svc.Buckets[bucket]
		switch {
		case b == nil:
			return nil, errorf(http.StatusBadRequest, "BucketNotFoundFault", "Cannot find S3 bucket: %s", bucket)
		case b.Region != c.region:
			return nil, errorf(http.StatusBadRequest, "InvalidS3BucketNameFault", "The S3 bucket %s must be in the cluster's region %s", bucket, c.region)
		case !auditBucketAllows(b.Policy, "s3:GetBucketAcl"):
			return nil, errorf(http.StatusBadRequest, "InsufficientS3BucketPolicyFault", "Cannot read ACLs of bucket %s. Please ensure that your IAM permissions are set up correctly.", bucket)
		case !auditBucketAllows(b.Policy, "s3:PutObject"):
			return nil, errorf(http.StatusBadRequest, "InsufficientS3BucketPolicyFault", "Cannot write to bucket %s. Please ensure that your IAM permissions are set up correctly.", bucket)
		}
		l.Bucket, l.Prefix = bucket, prefix
	case "cloudwatch":
		if bucket != "" {
			return nil, redshiftInvalid("BucketName cannot be given when LogDestinationType is cloudwatch")
		}
		if len(l.Exports) == 0 {
			return nil, redshiftInvalid("LogExports is required when LogDestinationType is cloudwatch")
		}
	default:
		return nil, redshiftInvalid("Invalid LogDestinationType %q: must be s3 or cloudwatch", dest)
	}
	cl.Logging = l
	return cl.loggingXML(), nil
}

func (svc *redshiftService) disableLogging(c *call, in url.Values) (any, error) {
	c.trailParams = rdsTrailParams(in)
	cl, err := svc.cluster(c, in)
	if err != nil {
		return nil, err
	}
	cl.Logging = nil
	return cl.loggingXML(), nil
}

func (svc *redshiftService) describeLoggingStatus(c *call, in url.Values) (any, error) {
	cl, err := svc.cluster(c, in)
	if err != nil {
		return nil, err
	}
	return cl.loggingXML(), nil
}
