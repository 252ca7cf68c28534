package awssim

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// S3 bucket configurations beyond access control: Object Ownership,
// lifecycle rules, event notifications, server access logging,
// replication and Object Lock. Each is kept as S3 returns it and checked
// as S3 checks it, with S3's error codes.

// Object Ownership settings.
const (
	ownershipEnforced  = "BucketOwnerEnforced"
	ownershipPreferred = "BucketOwnerPreferred"
	ownershipWriter    = "ObjectWriter"
	logDeliveryURI     = "http://acs.amazonaws.com/groups/s3/LogDelivery"
	s3LoggingPrincipal = "logging.s3.amazonaws.com"
)

// s3BucketConfig holds a bucket's configurations. It is embedded in
// s3Bucket.
type s3BucketConfig struct {
	// Ownership is the Object Ownership setting; "" means none is set.
	Ownership    string
	Lifecycle    []s3LifecycleRule
	Notification *s3NotificationXML
	Logging      *s3LoggingEnabled
	// Replication holds the replication configuration's inner XML, as
	// sent, and its role; nil when there is none.
	Replication *s3Replication
	// ObjectLock is "Enabled" for a bucket created with Object Lock or
	// given it later; ObjectLockRule its default retention.
	ObjectLock     string
	ObjectLockRule *s3ObjectLockRule
}

// aclsDisabled reports whether the bucket's ACLs are disabled.
func (b *s3Bucket) aclsDisabled() bool { return b.Ownership == ownershipEnforced }

// ownerOnly reports whether grants give access to nobody but the owner.
func ownerOnly(grants []s3Grant, account string) bool {
	for _, g := range grants {
		if g.Type != "CanonicalUser" || g.ID != s3CanonicalID(account) {
			return false
		}
	}
	return true
}

func errACLsDisabled() *Error {
	return errorf(http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
}

func errACLWithOwnership() *Error {
	return errorf(http.StatusBadRequest, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
}

// Object Ownership.

type s3OwnershipXML struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

func validOwnership(v string) bool {
	return v == ownershipEnforced || v == ownershipPreferred || v == ownershipWriter
}

func (svc *s3Service) putBucketOwnershipControls(c *call) (int, any, error) {
	var in s3OwnershipXML
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	if len(in.Rules) != 1 || !validOwnership(in.Rules[0].ObjectOwnership) {
		return 0, nil, errMalformedXML()
	}
	v := in.Rules[0].ObjectOwnership
	if v == ownershipEnforced && !ownerOnly(b.ACL, b.Account) {
		return 0, nil, errACLWithOwnership()
	}
	b.Ownership = v
	return 0, nil, nil
}

func (svc *s3Service) getBucketOwnershipControls(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if b.Ownership == "" {
		return 0, nil, errS3(http.StatusNotFound, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found", b.Name)
	}
	out := s3OwnershipXML{NS: s3XMLNS}
	out.Rules = append(out.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{b.Ownership})
	return 0, out, nil
}

func (svc *s3Service) deleteBucketOwnershipControls(c *call) (int, any, error) {
	svc.trailBucket(c, nil)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	b.Ownership = ""
	return http.StatusNoContent, nil, nil
}

// Lifecycle.

type s3LifecycleFilter struct {
	Prefix                *string `xml:"Prefix"`
	Tag                   *s3Tag  `xml:"Tag"`
	ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan"`
	And                   *struct {
		Prefix                *string `xml:"Prefix"`
		Tags                  []s3Tag `xml:"Tag"`
		ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan"`
		ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan"`
	} `xml:"And"`
}

type s3Transition struct {
	Date         string `xml:"Date,omitempty"`
	Days         *int   `xml:"Days"`
	StorageClass string `xml:"StorageClass"`
}

type s3NoncurrentTransition struct {
	NoncurrentDays          *int   `xml:"NoncurrentDays"`
	StorageClass            string `xml:"StorageClass"`
	NewerNoncurrentVersions *int   `xml:"NewerNoncurrentVersions"`
}

// s3LifecycleRule is one lifecycle rule, with every element S3 accepts.
type s3LifecycleRule struct {
	ID         string             `xml:"ID,omitempty"`
	Prefix     *string            `xml:"Prefix"`
	Filter     *s3LifecycleFilter `xml:"Filter"`
	Status     string             `xml:"Status"`
	Expiration *struct {
		Date                      string `xml:"Date,omitempty"`
		Days                      *int   `xml:"Days"`
		ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker"`
	} `xml:"Expiration"`
	Transitions                 []s3Transition           `xml:"Transition"`
	NoncurrentVersionTransition []s3NoncurrentTransition `xml:"NoncurrentVersionTransition"`
	NoncurrentVersionExpiration *struct {
		NoncurrentDays          *int `xml:"NoncurrentDays"`
		NewerNoncurrentVersions *int `xml:"NewerNoncurrentVersions"`
	} `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *struct {
		DaysAfterInitiation *int `xml:"DaysAfterInitiation"`
	} `xml:"AbortIncompleteMultipartUpload"`
}

type s3LifecycleXML struct {
	XMLName xml.Name          `xml:"LifecycleConfiguration"`
	NS      string            `xml:"xmlns,attr,omitempty"`
	Rules   []s3LifecycleRule `xml:"Rule"`
}

// s3StorageClasses are the storage classes lifecycle transitions may name,
// with the fewest days after creation S3 accepts for each.
var s3StorageClasses = sync.OnceValue(func() map[string]int {
	return map[string]int{
		"STANDARD_IA": 30, "ONEZONE_IA": 30, "INTELLIGENT_TIERING": 0, "GLACIER": 0, "GLACIER_IR": 0, "DEEP_ARCHIVE": 0,
	}
})

const s3MaxLifecycleRules = 1000

// checkLifecycle checks rules as PutBucketLifecycleConfiguration does.
func checkLifecycle(rules []s3LifecycleRule) error {
	if len(rules) == 0 {
		return errMalformedXML()
	}
	if len(rules) > s3MaxLifecycleRules {
		return errorf(http.StatusBadRequest, "InvalidRequest", "Lifecycle configuration cannot have more than %d rules", s3MaxLifecycleRules)
	}
	ids := map[string]bool{}
	invalid := func(format string, args ...any) error {
		return errorf(http.StatusBadRequest, "InvalidArgument", format, args...)
	}
	for _, r := range rules {
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return errMalformedXML()
		}
		if len(r.ID) > 255 {
			return invalid("ID length should not exceed allowed limit of 255")
		}
		if r.ID != "" {
			if ids[r.ID] {
				return invalid("Rule ID must be unique. Found same ID for more than one rule")
			}
			ids[r.ID] = true
		}
		if r.Prefix != nil && r.Filter != nil {
			return errMalformedXML()
		}
		if r.Expiration == nil && len(r.Transitions) == 0 && len(r.NoncurrentVersionTransition) == 0 &&
			r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil {
			return errorf(http.StatusBadRequest, "InvalidRequest", "At least one action needs to be specified in a rule")
		}
		lastTransition := -1
		for _, t := range r.Transitions {
			min, ok := s3StorageClasses()[t.StorageClass]
			if !ok {
				return errMalformedXML()
			}
			if t.Days == nil && t.Date == "" {
				return invalid("Transition action must specify either Days or Date")
			}
			if t.Days != nil {
				if *t.Days < 0 {
					return invalid("'Days' for Transition action must be a positive integer")
				}
				if *t.Days < min {
					return invalid("'Days' in Transition action must be greater than or equal to %d for storageClass '%s'", min, t.StorageClass)
				}
				lastTransition = max(lastTransition, *t.Days)
			}
		}
		if e := r.Expiration; e != nil && e.Days != nil {
			if *e.Days <= 0 {
				return invalid("'Days' for Expiration action must be a positive integer")
			}
			if lastTransition >= 0 && *e.Days <= lastTransition {
				return invalid("'Days' in the Expiration action for filter must be greater than 'Days' in the Transition action")
			}
		}
	}
	return nil
}

func (svc *s3Service) putBucketLifecycle(c *call) (int, any, error) {
	var in s3LifecycleXML
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	if err := checkLifecycle(in.Rules); err != nil {
		return 0, nil, err
	}
	b.Lifecycle = in.Rules
	c.w.Header().Set("X-Amz-Transition-Default-Minimum-Object-Size", "all_storage_classes_128K")
	return 0, nil, nil
}

func (svc *s3Service) getBucketLifecycle(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if len(b.Lifecycle) == 0 {
		return 0, nil, errS3(http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", b.Name)
	}
	c.w.Header().Set("X-Amz-Transition-Default-Minimum-Object-Size", "all_storage_classes_128K")
	return 0, s3LifecycleXML{NS: s3XMLNS, Rules: b.Lifecycle}, nil
}

func (svc *s3Service) deleteBucketLifecycle(c *call) (int, any, error) {
	svc.trailBucket(c, nil)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	b.Lifecycle = nil
	return http.StatusNoContent, nil, nil
}

// Event notifications.

type s3FilterRule struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

type s3NotificationFilter struct {
	Rules []s3FilterRule `xml:"S3Key>FilterRule"`
}

// s3Destination is one destination of a notification configuration: a
// topic, a queue or a function, as its element name says.
type s3Destination struct {
	ID          string                `xml:"Id"`
	Topic       string                `xml:"Topic,omitempty"`
	Queue       string                `xml:"Queue,omitempty"`
	Function    string                `xml:"CloudFunction,omitempty"`
	Events      []string              `xml:"Event"`
	Filter      *s3NotificationFilter `xml:"Filter,omitempty"`
	destination string
}

type s3NotificationXML struct {
	XMLName     xml.Name        `xml:"NotificationConfiguration"`
	NS          string          `xml:"xmlns,attr,omitempty"`
	Topics      []s3Destination `xml:"TopicConfiguration"`
	Queues      []s3Destination `xml:"QueueConfiguration"`
	Functions   []s3Destination `xml:"CloudFunctionConfiguration"`
	EventBridge *struct{}       `xml:"EventBridgeConfiguration"`
}

// s3EventTypes are the event types notifications accept.
var s3EventTypes = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"s3:ReducedRedundancyLostObject": true, "s3:ObjectCreated:*": true, "s3:ObjectCreated:Put": true, "s3:ObjectCreated:Post": true,
		"s3:ObjectCreated:Copy": true, "s3:ObjectCreated:CompleteMultipartUpload": true, "s3:ObjectRemoved:*": true,
		"s3:ObjectRemoved:Delete": true, "s3:ObjectRemoved:DeleteMarkerCreated": true, "s3:ObjectRestore:*": true,
		"s3:ObjectRestore:Post": true, "s3:ObjectRestore:Completed": true, "s3:ObjectRestore:Delete": true, "s3:Replication:*": true,
		"s3:Replication:OperationFailedReplication": true, "s3:Replication:OperationNotTracked": true,
		"s3:Replication:OperationMissedThreshold": true, "s3:Replication:OperationReplicatedAfterThreshold": true,
		"s3:LifecycleTransition": true, "s3:IntelligentTiering": true, "s3:ObjectAcl:Put": true, "s3:LifecycleExpiration:*": true,
		"s3:LifecycleExpiration:Delete": true, "s3:LifecycleExpiration:DeleteMarkerCreated": true, "s3:ObjectTagging:*": true,
		"s3:ObjectTagging:Put": true, "s3:ObjectTagging:Delete": true,
	}
})

// destinationAllows reports whether a resource policy lets S3 send this
// bucket's notifications: an Allow statement with the given action for
// the service principal s3.amazonaws.com, or for everyone without a
// condition other than on aws:SourceArn or aws:SourceAccount (a topic's
// default policy, which limits publishing to its owner's account, does
// not let S3 publish).
func destinationAllows(policy, action string) bool {
	doc, err := parsePolicy(policy)
	if err != nil {
		return false
	}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" || st.Principal == nil {
			continue
		}
		who := false
		for _, id := range st.Principal.IDs["Service"] {
			who = who || strings.EqualFold(id, "s3.amazonaws.com")
		}
		if !who && grantsEveryone(st) {
			who = true
			for _, kv := range st.Condition {
				for k := range kv {
					if k := strings.ToLower(k); k != "aws:sourcearn" && k != "aws:sourceaccount" {
						who = false
					}
				}
			}
		}
		if !who {
			continue
		}
		for _, a := range st.Action {
			if wildcardMatch(a, action, true) {
				return true
			}
		}
	}
	return false
}

// checkDestination reports why S3 cannot send notifications to arn, or ""
// when it can: the destination must exist in the bucket's region and let
// S3 send to it.
func (svc *s3Service) checkDestination(b *s3Bucket, kind, arn string) string {
	f := strings.Split(arn, ":")
	if len(f) < 6 || f[0] != "arn" || f[3] != b.Region {
		return "The destination " + kind + " must be an ARN in the bucket's region"
	}
	switch kind {
	case "topic":
		def := svc.s.services["sns"]
		st, _ := def.State.(*snsState)
		t := st.Topics[arn]
		if t == nil {
			return "The destination topic does not exist"
		}
		if !destinationAllows(t.Attributes["Policy"], "sns:Publish") {
			return "Permissions on the destination topic do not allow S3 to publish notifications from this bucket"
		}
	case "queue":
		def := svc.s.services["sqs"]
		st, _ := def.State.(*sqsState)
		q := st.Queues[sqsKey(f[3], f[4], f[5])]
		if q == nil {
			return "The destination queue does not exist"
		}
		if !destinationAllows(q.Attributes["Policy"], "sqs:SendMessage") {
			return "Permissions on the destination queue do not allow S3 to publish notifications from this bucket"
		}
	}
	return ""
}

func (svc *s3Service) putBucketNotification(c *call) (int, any, error) {
	var in s3NotificationXML
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	skip := strings.EqualFold(c.r.Header.Get("X-Amz-Skip-Destination-Validation"), "true")
	ids := map[string]bool{}
	var failed []s3Destination
	for _, group := range []struct {
		kind string
		list []s3Destination
	}{{"topic", in.Topics}, {"queue", in.Queues}, {"function", in.Functions}} {
		for i := range group.list {
			d := &group.list[i]
			d.destination = d.Topic + d.Queue + d.Function
			if d.destination == "" || len(d.Events) == 0 {
				return 0, nil, errMalformedXML()
			}
			for _, e := range d.Events {
				if !s3EventTypes()[e] {
					return 0, nil, errorf(http.StatusBadRequest, "InvalidArgument", "The event is not supported for notifications")
				}
			}
			if d.ID == "" {
				d.ID = c.newID("", 32)
			}
			if ids[d.ID] {
				return 0, nil, errorf(http.StatusBadRequest, "InvalidArgument", "Configuration ids must be unique")
			}
			ids[d.ID] = true
			if !skip && group.kind != "function" {
				if why := svc.checkDestination(b, group.kind, d.destination); why != "" {
					d.destination = why
					failed = append(failed, *d)
				}
			}
		}
	}
	if len(failed) > 0 {
		e := errS3(http.StatusBadRequest, "InvalidArgument", "Unable to validate the following destination configurations", "")
		e.Fields = map[string]string{}
		for i, d := range failed {
			n := strconv.Itoa(i + 1)
			e.Fields["ArgumentName"+n] = d.Topic + d.Queue + d.Function
			e.Fields["ArgumentValue"+n] = d.destination
		}
		return 0, nil, e
	}
	in.XMLName, in.NS = xml.Name{}, ""
	if len(in.Topics)+len(in.Queues)+len(in.Functions) == 0 && in.EventBridge == nil {
		b.Notification = nil
		return 0, nil, nil
	}
	b.Notification = &in
	return 0, nil, nil
}

func (svc *s3Service) getBucketNotification(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	out := s3NotificationXML{NS: s3XMLNS}
	if b.Notification != nil {
		out = *b.Notification
		out.NS = s3XMLNS
	}
	return 0, out, nil
}

// Server access logging.

type s3LoggingEnabled struct {
	TargetBucket string `xml:"TargetBucket"`
	TargetPrefix string `xml:"TargetPrefix"`
	TargetGrants []struct {
		Grantee    s3GranteeXML `xml:"Grantee"`
		Permission string       `xml:"Permission"`
	} `xml:"TargetGrants>Grant"`
	TargetObjectKeyFormat *struct {
		SimplePrefix      *struct{} `xml:"SimplePrefix"`
		PartitionedPrefix *struct {
			PartitionDateSource string `xml:"PartitionDateSource,omitempty"`
		} `xml:"PartitionedPrefix"`
	} `xml:"TargetObjectKeyFormat"`
}

type s3LoggingXML struct {
	XMLName xml.Name          `xml:"BucketLoggingStatus"`
	NS      string            `xml:"xmlns,attr,omitempty"`
	Enabled *s3LoggingEnabled `xml:"LoggingEnabled"`
}

// loggingAllowed reports whether the target bucket lets the logging
// service write: a bucket policy statement for logging.s3.amazonaws.com
// allowing s3:PutObject, or, where ACLs are enabled, the LogDelivery
// group's WRITE grant.
func loggingAllowed(t *s3Bucket) bool {
	if t.Policy != "" {
		if doc, err := parsePolicy(t.Policy); err == nil {
			for _, st := range doc.Statement {
				if st.Effect != "Allow" || st.Principal == nil {
					continue
				}
				for _, id := range st.Principal.IDs["Service"] {
					if !strings.EqualFold(id, s3LoggingPrincipal) {
						continue
					}
					for _, a := range st.Action {
						if wildcardMatch(a, "s3:PutObject", true) {
							return true
						}
					}
				}
			}
		}
	}
	if t.aclsDisabled() {
		return false
	}
	for _, g := range t.ACL {
		if g.Type == "Group" && g.URI == logDeliveryURI && (g.Permission == "WRITE" || g.Permission == "FULL_CONTROL") {
			return true
		}
	}
	return false
}

func (svc *s3Service) putBucketLogging(c *call) (int, any, error) {
	var in s3LoggingXML
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	e := in.Enabled
	if e == nil {
		b.Logging = nil
		return 0, nil, nil
	}
	invalidTarget := func(msg string) error {
		err := errS3(http.StatusBadRequest, "InvalidTargetBucketForLogging", msg, "")
		err.Fields = map[string]string{"TargetBucket": e.TargetBucket}
		return err
	}
	t := svc.State.Buckets[e.TargetBucket]
	switch {
	case e.TargetBucket == "":
		return 0, nil, errMalformedXML()
	case t == nil:
		return 0, nil, invalidTarget("The target bucket for logging does not exist")
	case t.Account != b.Account:
		return 0, nil, invalidTarget("The owner for the bucket to be logged and the target bucket must be the same.")
	case t.Region != b.Region:
		return 0, nil, errS3(http.StatusBadRequest, "CrossLocationLoggingProhibitted", "Cross S3 location logging not allowed. ", "")
	case len(e.TargetGrants) > 0 && t.aclsDisabled():
		return 0, nil, invalidTarget("Target grants are not supported when the target bucket has the bucket owner enforced setting for Object Ownership")
	case !loggingAllowed(t):
		return 0, nil, invalidTarget("You must either provide the logging service principal permission to write to the target bucket through a bucket policy or give the log-delivery group WRITE and READ_ACP permissions to the target bucket")
	}
	b.Logging = e
	return 0, nil, nil
}

func (svc *s3Service) getBucketLogging(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	return 0, s3LoggingXML{NS: s3XMLNS, Enabled: b.Logging}, nil
}

// Replication.

type s3Replication struct {
	Role  string
	Inner string
}

type s3ReplicationIn struct {
	Role  string `xml:"Role"`
	Rules []struct {
		ID          string `xml:"ID"`
		Status      string `xml:"Status"`
		Destination struct {
			Bucket string `xml:"Bucket"`
		} `xml:"Destination"`
	} `xml:"Rule"`
	Inner string `xml:",innerxml"`
}

type s3ReplicationOut struct {
	XMLName xml.Name `xml:"ReplicationConfiguration"`
	NS      string   `xml:"xmlns,attr"`
	Inner   string   `xml:",innerxml"`
}

func (svc *s3Service) putBucketReplication(c *call) (int, any, error) {
	var in s3ReplicationIn
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	if in.Role == "" || len(in.Rules) == 0 || len(in.Rules) > 1000 {
		return 0, nil, errMalformedXML()
	}
	for _, r := range in.Rules {
		if (r.Status != "Enabled" && r.Status != "Disabled") || r.Destination.Bucket == "" {
			return 0, nil, errMalformedXML()
		}
		if !strings.HasPrefix(r.Destination.Bucket, "arn:") {
			return 0, nil, errorf(http.StatusBadRequest, "InvalidArgument", "Invalid bucket ARN.")
		}
	}
	if b.Versioning != "Enabled" {
		return 0, nil, errS3(http.StatusBadRequest, "InvalidRequest", "Versioning must be 'Enabled' on the bucket to apply a replication configuration", "")
	}
	b.Replication = &s3Replication{Role: in.Role, Inner: in.Inner}
	return 0, nil, nil
}

func (svc *s3Service) getBucketReplication(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if b.Replication == nil {
		return 0, nil, errS3(http.StatusNotFound, "ReplicationConfigurationNotFoundError", "The replication configuration was not found", b.Name)
	}
	return 0, s3ReplicationOut{NS: s3XMLNS, Inner: b.Replication.Inner}, nil
}

func (svc *s3Service) deleteBucketReplication(c *call) (int, any, error) {
	svc.trailBucket(c, nil)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	b.Replication = nil
	return http.StatusNoContent, nil, nil
}

// Object Lock.

type s3ObjectLockRule struct {
	Mode  string `xml:"DefaultRetention>Mode,omitempty"`
	Days  *int   `xml:"DefaultRetention>Days"`
	Years *int   `xml:"DefaultRetention>Years"`
}

type s3ObjectLockXML struct {
	XMLName xml.Name          `xml:"ObjectLockConfiguration"`
	NS      string            `xml:"xmlns,attr,omitempty"`
	Enabled string            `xml:"ObjectLockEnabled,omitempty"`
	Rule    *s3ObjectLockRule `xml:"Rule"`
}

func (svc *s3Service) putObjectLockConfiguration(c *call) (int, any, error) {
	var in s3ObjectLockXML
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	if in.Enabled != "Enabled" {
		return 0, nil, errMalformedXML()
	}
	if r := in.Rule; r != nil {
		if r.Mode != "GOVERNANCE" && r.Mode != "COMPLIANCE" {
			return 0, nil, errMalformedXML()
		}
		if (r.Days == nil) == (r.Years == nil) {
			return 0, nil, errMalformedXML()
		}
		if (r.Days != nil && *r.Days <= 0) || (r.Years != nil && *r.Years <= 0) {
			return 0, nil, errorf(http.StatusBadRequest, "InvalidArgument", "Default retention period must be a positive integer value")
		}
	}
	if b.ObjectLock != "Enabled" && b.Versioning != "Enabled" {
		return 0, nil, errS3(http.StatusConflict, "InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration", "")
	}
	b.ObjectLock, b.ObjectLockRule = "Enabled", in.Rule
	return 0, nil, nil
}

func (svc *s3Service) getObjectLockConfiguration(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if b.ObjectLock == "" {
		return 0, nil, errS3(http.StatusNotFound, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket", b.Name)
	}
	return 0, s3ObjectLockXML{NS: s3XMLNS, Enabled: b.ObjectLock, Rule: b.ObjectLockRule}, nil
}
