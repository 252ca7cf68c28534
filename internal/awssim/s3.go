package awssim

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// S3: buckets (global names owned by an account, each in a region), bucket
// policy and policy status, ACLs and Object Ownership, bucket-level Block
// Public Access, default encryption, versioning, tagging, the
// configurations of s3_config.go, and small objects. Requests are accepted
// path-style (http://host/bucket/key) and virtual-hosted-style
// (http://bucket.localhost:port/key).

const (
	s3XMLNS       = "http://s3.amazonaws.com/doc/2006-03-01/"
	xsiNS         = "http://www.w3.org/2001/XMLSchema-instance"
	allUsersURI   = "http://acs.amazonaws.com/groups/global/AllUsers"
	authUsersURI  = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	s3MaxTagCount = 50
)

type s3Service struct {
	s     *Server
	State s3State
}

// s3State is S3's state. Bucket names are global; account-level Block
// Public Access (S3 Control) is kept by account.
type s3State struct {
	Buckets       map[string]*s3Bucket
	AccountBlocks map[string]*S3PublicAccessBlock
}

type s3Bucket struct {
	Name, Account, Region string
	Created               time.Time
	Policy                string
	ACL                   []s3Grant
	PublicAccessBlock     *S3PublicAccessBlock
	Encryption            *s3Encryption
	Versioning            string // "", Enabled or Suspended
	MFADelete             string
	Tags                  []s3Tag
	Objects               map[string]*s3Object
	s3BucketConfig
}

type s3Object struct {
	Body         []byte
	ContentType  string
	ETag         string
	LastModified time.Time
	Metadata     map[string]string
}

// S3PublicAccessBlock is a Block Public Access configuration, of a bucket
// or of an account.
type S3PublicAccessBlock struct {
	BlockPublicAcls       bool `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool `xml:"RestrictPublicBuckets"`
}

type s3Encryption struct {
	Algorithm, KMSKeyID string
	BucketKey           bool
}

// s3Grant is one ACL grant. Type is CanonicalUser or Group.
type s3Grant struct {
	Type, ID, URI, Email, Permission string
}

type s3Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func newS3(s *Server) (*s3Service, *serviceDef) {
	svc := &s3Service{s: s, State: s3State{Buckets: map[string]*s3Bucket{}, AccountBlocks: map[string]*S3PublicAccessBlock{}}}
	def := &serviceDef{
		Name: "s3", EventSource: "s3.amazonaws.com", Protocol: protoRESTXML,
		State: &svc.State,
		Route: svc.route,
		// Object operations are CloudTrail data events: recorded, but not
		// delivered as management "AWS API Call via CloudTrail" events.
		ReadOnly: func(op string) bool {
			switch op {
			case "PutObject", "DeleteObject":
				return true
			}
			return strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Head")
		},
		Ops: []string{
			"ListBuckets", "CreateBucket", "HeadBucket", "DeleteBucket", "GetBucketLocation",
			"PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy", "GetBucketPolicyStatus",
			"PutBucketAcl", "GetBucketAcl",
			"PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock",
			"PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption",
			"PutBucketVersioning", "GetBucketVersioning",
			"PutBucketTagging", "GetBucketTagging", "DeleteBucketTagging",
			"PutObject", "GetObject", "HeadObject", "DeleteObject", "ListObjectsV2",
			"PutBucketOwnershipControls", "GetBucketOwnershipControls", "DeleteBucketOwnershipControls",
			"PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration", "DeleteBucketLifecycle",
			"PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration",
			"PutBucketLogging", "GetBucketLogging",
			"PutBucketReplication", "GetBucketReplication", "DeleteBucketReplication",
			"PutObjectLockConfiguration", "GetObjectLockConfiguration",
		},
	}
	return svc, def
}

// HTTPClient returns an HTTP client that sends every request to the Server
// whatever the host name, so that virtual-hosted-style S3 requests
// (bucket.localhost:port) and S3 Control requests (account.127.0.0.1:port)
// reach it without DNS.
func (s *Server) HTTPClient() *http.Client {
	addr := strings.TrimPrefix(s.URL, "http://")
	d := &net.Dialer{Timeout: 10 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
			MaxIdleConnsPerHost: 16,
		},
	}
}

// s3BucketFromHost returns the bucket named by a virtual-hosted-style Host
// header, or "" for a path-style request.
func (s *Server) s3BucketFromHost(host string) string {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "localhost" || net.ParseIP(h) != nil {
		return ""
	}
	suffixes := []string{".localhost", ".s3.amazonaws.com"}
	if u, err := url.Parse(s.URL); err == nil && u.Hostname() != "" {
		suffixes = append(suffixes, "."+u.Hostname())
	}
	for _, suf := range suffixes {
		if b, ok := strings.CutSuffix(h, suf); ok && b != "" {
			return b
		}
	}
	// bucket.s3.REGION.amazonaws.com and bucket.s3-REGION.amazonaws.com
	if i := strings.Index(h, ".s3."); i > 0 && strings.HasSuffix(h, ".amazonaws.com") {
		return h[:i]
	}
	if i := strings.Index(h, ".s3-"); i > 0 && strings.HasSuffix(h, ".amazonaws.com") {
		return h[:i]
	}
	return ""
}

// route resolves an S3 request to an operation by method, bucket, key and
// sub-resource query parameter.
func (svc *s3Service) route(c *call) (string, restHandler) {
	r := c.r
	bucket := svc.s.s3BucketFromHost(r.Host)
	p := r.URL.Path
	var key string
	if bucket == "" {
		rest := strings.TrimPrefix(p, "/")
		bucket, key, _ = strings.Cut(rest, "/")
	} else {
		key = strings.TrimPrefix(p, "/")
	}
	c.vars = map[string]string{"Bucket": bucket, "Key": key}
	q := r.URL.Query()
	has := func(k string) bool { _, ok := q[k]; return ok }
	if bucket == "" {
		if r.Method == http.MethodGet {
			return "ListBuckets", svc.listBuckets
		}
		return "", nil
	}
	if key != "" {
		switch r.Method {
		case http.MethodPut:
			if r.Header.Get("X-Amz-Copy-Source") != "" || has("uploadId") || has("tagging") || has("acl") {
				return "", nil
			}
			return "PutObject", svc.putObject
		case http.MethodGet:
			if has("uploadId") || has("tagging") || has("acl") || has("attributes") {
				return "", nil
			}
			return "GetObject", svc.getObject
		case http.MethodHead:
			return "HeadObject", svc.headObject
		case http.MethodDelete:
			if has("uploadId") || has("tagging") {
				return "", nil
			}
			return "DeleteObject", svc.deleteObject
		}
		return "", nil
	}
	type sub struct {
		q        string
		put, get string
		del      string
	}
	subs := []sub{
		{"policyStatus", "", "GetBucketPolicyStatus", ""},
		{"policy", "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"},
		{"acl", "PutBucketAcl", "GetBucketAcl", ""},
		{"publicAccessBlock", "PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock"},
		{"encryption", "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption"},
		{"versioning", "PutBucketVersioning", "GetBucketVersioning", ""},
		{"tagging", "PutBucketTagging", "GetBucketTagging", "DeleteBucketTagging"},
		{"location", "", "GetBucketLocation", ""},
		{"ownershipControls", "PutBucketOwnershipControls", "GetBucketOwnershipControls", "DeleteBucketOwnershipControls"},
		{"lifecycle", "PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration", "DeleteBucketLifecycle"},
		{"notification", "PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration", ""},
		{"logging", "PutBucketLogging", "GetBucketLogging", ""},
		{"replication", "PutBucketReplication", "GetBucketReplication", "DeleteBucketReplication"},
		{"object-lock", "PutObjectLockConfiguration", "GetObjectLockConfiguration", ""},
	}
	handlers := map[string]restHandler{
		"GetBucketPolicyStatus": svc.getBucketPolicyStatus,
		"PutBucketPolicy":       svc.putBucketPolicy, "GetBucketPolicy": svc.getBucketPolicy, "DeleteBucketPolicy": svc.deleteBucketPolicy,
		"PutBucketAcl": svc.putBucketACL, "GetBucketAcl": svc.getBucketACL,
		"PutBucketPublicAccessBlock": svc.putBucketPAB, "GetBucketPublicAccessBlock": svc.getBucketPAB, "DeleteBucketPublicAccessBlock": svc.deleteBucketPAB,
		"PutBucketEncryption": svc.putBucketEncryption, "GetBucketEncryption": svc.getBucketEncryption, "DeleteBucketEncryption": svc.deleteBucketEncryption,
		"PutBucketVersioning": svc.putBucketVersioning, "GetBucketVersioning": svc.getBucketVersioning,
		"PutBucketTagging": svc.putBucketTagging, "GetBucketTagging": svc.getBucketTagging, "DeleteBucketTagging": svc.deleteBucketTagging,
		"GetBucketLocation":          svc.getBucketLocation,
		"PutBucketOwnershipControls": svc.putBucketOwnershipControls, "GetBucketOwnershipControls": svc.getBucketOwnershipControls,
		"DeleteBucketOwnershipControls":   svc.deleteBucketOwnershipControls,
		"PutBucketLifecycleConfiguration": svc.putBucketLifecycle, "GetBucketLifecycleConfiguration": svc.getBucketLifecycle,
		"DeleteBucketLifecycle":              svc.deleteBucketLifecycle,
		"PutBucketNotificationConfiguration": svc.putBucketNotification, "GetBucketNotificationConfiguration": svc.getBucketNotification,
		"PutBucketLogging": svc.putBucketLogging, "GetBucketLogging": svc.getBucketLogging,
		"PutBucketReplication": svc.putBucketReplication, "GetBucketReplication": svc.getBucketReplication,
		"DeleteBucketReplication":    svc.deleteBucketReplication,
		"PutObjectLockConfiguration": svc.putObjectLockConfiguration, "GetObjectLockConfiguration": svc.getObjectLockConfiguration,
	}
	for _, sb := range subs {
		if !has(sb.q) {
			continue
		}
		var op string
		switch r.Method {
		case http.MethodPut:
			op = sb.put
		case http.MethodGet:
			op = sb.get
		case http.MethodDelete:
			op = sb.del
		}
		if op == "" {
			return "", nil
		}
		return op, handlers[op]
	}
	switch r.Method {
	case http.MethodPut:
		if len(q) == 0 {
			return "CreateBucket", svc.createBucket
		}
	case http.MethodHead:
		return "HeadBucket", svc.headBucket
	case http.MethodDelete:
		if len(q) == 0 {
			return "DeleteBucket", svc.deleteBucket
		}
	case http.MethodGet:
		if q.Get("list-type") == "2" {
			return "ListObjectsV2", svc.listObjectsV2
		}
	}
	return "", nil
}

// Errors.

func errNoSuchBucket(name string) *Error {
	return &Error{Code: "NoSuchBucket", Message: "The specified bucket does not exist", Status: http.StatusNotFound, Fields: map[string]string{"BucketName": name}}
}

func errS3(status int, code, msg, bucket string) *Error {
	e := &Error{Code: code, Message: msg, Status: status}
	if bucket != "" {
		e.Fields = map[string]string{"BucketName": bucket}
	}
	return e
}

func errMalformedXML() *Error {
	return errorf(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

// s3CanonicalID is the canonical user ID of an account.
func s3CanonicalID(account string) string {
	sum := sha256.Sum256([]byte("awssim canonical user " + account))
	return hex.EncodeToString(sum[:])
}

var bucketNameRE = lazyRegexp(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// bucket returns a bucket the caller owns, with the errors S3 answers for a
// missing bucket, another account's bucket, or a bucket in another region.
func (svc *s3Service) bucket(c *call) (*s3Bucket, error) {
	name := c.Var("Bucket")
	b := svc.State.Buckets[name]
	if b == nil {
		return nil, errNoSuchBucket(name)
	}
	if b.Account != c.Account() {
		return nil, errAccessDenied("Access Denied")
	}
	if owner := c.r.Header.Get("X-Amz-Expected-Bucket-Owner"); owner != "" && owner != b.Account {
		return nil, errAccessDenied("Access Denied")
	}
	if b.Region != c.region && c.op != "GetBucketLocation" {
		c.w.Header().Set("X-Amz-Bucket-Region", b.Region)
		e := &Error{Code: "PermanentRedirect", Status: http.StatusMovedPermanently,
			Message: "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
			Fields:  map[string]string{"Bucket": name, "Endpoint": "s3." + b.Region + ".amazonaws.com"}}
		return nil, e
	}
	return b, nil
}

// trailBucket sets the CloudTrail requestParameters and resources of a
// bucket call: bucketName, Host, the sub-resource, and extra.
func (svc *s3Service) trailBucket(c *call, extra map[string]any) {
	name := c.Var("Bucket")
	p := map[string]any{"bucketName": name, "Host": c.r.Host}
	for k, v := range c.r.URL.Query() {
		if k == "x-id" || len(v) == 0 {
			continue
		}
		p[k] = v[0]
	}
	for k, v := range extra {
		p[k] = v
	}
	c.trailParams = p
	c.trailResources = []TrailResource{{ARN: "arn:" + c.partition() + ":s3:::" + name, AccountID: c.Account(), Type: "AWS::S3::Bucket", Name: name}}
}

// payload returns the request body, decoding aws-chunked encoding and
// checking x-amz-content-sha256 and Content-MD5.
func (svc *s3Service) payload(c *call) ([]byte, error) {
	body := c.body
	sha := c.r.Header.Get("X-Amz-Content-Sha256")
	if strings.HasPrefix(sha, "STREAMING-") {
		decoded, err := decodeAWSChunked(body)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "IncompleteBody", "aws-chunked body: %v", err)
		}
		body = decoded
	} else if sha != "" && sha != "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != strings.ToLower(sha) {
			return nil, errorf(http.StatusBadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
	}
	if m := c.r.Header.Get("Content-MD5"); m != "" {
		sum := md5.Sum(body)
		if base64.StdEncoding.EncodeToString(sum[:]) != m {
			return nil, errorf(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
		}
	}
	return body, nil
}

// decodeAWSChunked decodes a body in aws-chunked content encoding
// ("SIZE[;chunk-signature=SIG]\r\nDATA\r\n ... 0...\r\n[trailers]\r\n").
func decodeAWSChunked(b []byte) ([]byte, error) {
	var out bytes.Buffer
	for {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			return nil, fmt.Errorf("chunk header without CRLF")
		}
		sizeHex, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(sizeHex)), 16, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("chunk size %q is not hexadecimal", sizeHex)
		}
		if n == 0 {
			return out.Bytes(), nil
		}
		if int64(len(rest)) < n+2 {
			return nil, fmt.Errorf("chunk of %d bytes is truncated", n)
		}
		out.Write(rest[:n])
		b = rest[n+2:]
	}
}

// Buckets.

type s3Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func (svc *s3Service) listBuckets(c *call) (int, any, error) {
	type bucketXML struct {
		Name         string `xml:"Name"`
		CreationDate string `xml:"CreationDate"`
		BucketRegion string `xml:"BucketRegion"`
	}
	out := struct {
		XMLName xml.Name    `xml:"ListAllMyBucketsResult"`
		NS      string      `xml:"xmlns,attr"`
		Owner   s3Owner     `xml:"Owner"`
		Buckets []bucketXML `xml:"Buckets>Bucket"`
	}{NS: s3XMLNS, Owner: s3Owner{ID: s3CanonicalID(c.Account())}}
	for _, name := range sortedKeys(svc.State.Buckets) {
		b := svc.State.Buckets[name]
		if b.Account != c.Account() {
			continue
		}
		out.Buckets = append(out.Buckets, bucketXML{Name: b.Name, CreationDate: b.Created.UTC().Format("2006-01-02T15:04:05.000Z"), BucketRegion: b.Region})
	}
	return 0, out, nil
}

func (svc *s3Service) createBucket(c *call) (int, any, error) {
	name := c.Var("Bucket")
	svc.trailBucket(c, nil)
	if !bucketNameRE().MatchString(name) || strings.Contains(name, "..") || net.ParseIP(name) != nil {
		return 0, nil, errS3(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.", name)
	}
	var cfg struct {
		LocationConstraint string `xml:"LocationConstraint"`
	}
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := xml.Unmarshal(c.body, &cfg); err != nil {
			return 0, nil, errMalformedXML()
		}
	}
	region := cfg.LocationConstraint
	switch {
	case region == "" && c.region != "us-east-1":
		return 0, nil, errorf(http.StatusBadRequest, "IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case region == "":
		region = "us-east-1"
	case region == "us-east-1":
		return 0, nil, errorf(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid")
	case c.region != "us-east-1" && region != c.region:
		return 0, nil, errorf(http.StatusBadRequest, "IllegalLocationConstraintException", "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", region)
	}
	acl, err := svc.aclFromRequest(c, nil)
	if err != nil {
		return 0, nil, err
	}
	ownership := c.r.Header.Get("X-Amz-Object-Ownership")
	switch {
	case ownership == "":
		// Since April 2023 new buckets have ACLs disabled.
		ownership = ownershipEnforced
	case !validOwnership(ownership):
		return 0, nil, errorf(http.StatusBadRequest, "InvalidArgument", "Invalid x-amz-object-ownership header: %s", ownership)
	}
	if ownership == ownershipEnforced && !ownerOnly(acl, c.Account()) {
		return 0, nil, errACLWithOwnership()
	}
	lock := strings.EqualFold(c.r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true")
	if b := svc.State.Buckets[name]; b != nil {
		if b.Account != c.Account() {
			return 0, nil, errS3(http.StatusConflict, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", name)
		}
		if b.Region == "us-east-1" && region == "us-east-1" {
			// For legacy compatibility S3 answers 200 in us-east-1 and resets the ACL.
			b.ACL = acl
			c.w.Header().Set("Location", "/"+name)
			return 0, nil, nil
		}
		return 0, nil, errS3(http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", name)
	}
	svc.State.Buckets[name] = &s3Bucket{
		Name: name, Account: c.Account(), Region: region, Created: c.now, ACL: acl,
		// New buckets block public access and encrypt with SSE-S3 by default.
		PublicAccessBlock: &S3PublicAccessBlock{true, true, true, true},
		Encryption:        &s3Encryption{Algorithm: "AES256"},
		Objects:           map[string]*s3Object{},
		s3BucketConfig:    s3BucketConfig{Ownership: ownership},
	}
	if lock {
		// Object Lock needs versioning, which S3 turns on with it.
		nb := svc.State.Buckets[name]
		nb.ObjectLock, nb.Versioning = "Enabled", "Enabled"
	}
	c.w.Header().Set("Location", "/"+name)
	return 0, nil, nil
}

func (svc *s3Service) headBucket(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	c.w.Header().Set("X-Amz-Bucket-Region", b.Region)
	return 0, nil, nil
}

func (svc *s3Service) deleteBucket(c *call) (int, any, error) {
	svc.trailBucket(c, nil)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if len(b.Objects) > 0 {
		return 0, nil, errS3(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty", b.Name)
	}
	delete(svc.State.Buckets, b.Name)
	return http.StatusNoContent, nil, nil
}

func (svc *s3Service) getBucketLocation(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	loc := b.Region
	if loc == "us-east-1" {
		loc = ""
	}
	return 0, struct {
		XMLName xml.Name `xml:"LocationConstraint"`
		NS      string   `xml:"xmlns,attr"`
		Value   string   `xml:",chardata"`
	}{NS: s3XMLNS, Value: loc}, nil
}

// Bucket policy.

// blockFor returns the Block Public Access settings in force for b: the
// bucket's and its account's, combined.
func (svc *s3Service) blockFor(b *s3Bucket) S3PublicAccessBlock {
	var eff S3PublicAccessBlock
	for _, p := range []*S3PublicAccessBlock{b.PublicAccessBlock, svc.State.AccountBlocks[b.Account]} {
		if p == nil {
			continue
		}
		eff.BlockPublicAcls = eff.BlockPublicAcls || p.BlockPublicAcls
		eff.IgnorePublicAcls = eff.IgnorePublicAcls || p.IgnorePublicAcls
		eff.BlockPublicPolicy = eff.BlockPublicPolicy || p.BlockPublicPolicy
		eff.RestrictPublicBuckets = eff.RestrictPublicBuckets || p.RestrictPublicBuckets
	}
	return eff
}

func (svc *s3Service) putBucketPolicy(c *call) (int, any, error) {
	body, err := svc.payload(c)
	if err != nil {
		svc.trailBucket(c, nil)
		return 0, nil, err
	}
	var doc any
	jsonErr := json.Unmarshal(body, &doc)
	policy := any(string(body))
	if jsonErr == nil {
		policy = doc
	}
	svc.trailBucket(c, map[string]any{"bucketPolicy": policy, "policy": ""})
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	trimmed := bytes.TrimSpace(body)
	if jsonErr != nil || len(trimmed) == 0 || trimmed[0] != '{' {
		return 0, nil, errS3(http.StatusBadRequest, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", "")
	}
	if _, err := parsePolicy(string(body)); err != nil {
		return 0, nil, errS3(http.StatusBadRequest, "MalformedPolicy", "Policy has invalid structure: "+err.Error(), "")
	}
	if svc.blockFor(b).BlockPublicPolicy && PolicyIsPublic(string(body)) {
		return 0, nil, errAccessDenied("User: %s is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::%s\" because public policies are blocked by the BlockPublicPolicy block public access setting.", c.caller.ARN, b.Name)
	}
	b.Policy = string(body)
	return http.StatusNoContent, nil, nil
}

func (svc *s3Service) getBucketPolicy(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if b.Policy == "" {
		return 0, nil, errS3(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist", b.Name)
	}
	return 0, []byte(b.Policy), nil
}

func (svc *s3Service) deleteBucketPolicy(c *call) (int, any, error) {
	svc.trailBucket(c, nil)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	b.Policy = ""
	return http.StatusNoContent, nil, nil
}

func (svc *s3Service) getBucketPolicyStatus(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if b.Policy == "" {
		return 0, nil, errS3(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist", b.Name)
	}
	return 0, struct {
		XMLName  xml.Name `xml:"PolicyStatus"`
		NS       string   `xml:"xmlns,attr"`
		IsPublic bool     `xml:"IsPublic"`
	}{NS: s3XMLNS, IsPublic: PolicyIsPublic(b.Policy)}, nil
}

// ACLs.

type s3GranteeXML struct {
	XMLNSXSI    string `xml:"xmlns:xsi,attr,omitempty"`
	Type        string `xml:"xsi:type,attr,omitempty"`
	ID          string `xml:"ID,omitempty"`
	DisplayName string `xml:"DisplayName,omitempty"`
	URI         string `xml:"URI,omitempty"`
	Email       string `xml:"EmailAddress,omitempty"`
}

type s3GrantXML struct {
	Grantee    s3GranteeXML `xml:"Grantee"`
	Permission string       `xml:"Permission"`
}

type s3ACLOut struct {
	XMLName xml.Name     `xml:"AccessControlPolicy"`
	NS      string       `xml:"xmlns,attr"`
	Owner   s3Owner      `xml:"Owner"`
	Grants  []s3GrantXML `xml:"AccessControlList>Grant"`
}

// aclIn decodes an AccessControlPolicy request body; xsi:type is matched by
// its namespace.
type aclIn struct {
	Owner struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee struct {
			Type  string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
			ID    string `xml:"ID"`
			URI   string `xml:"URI"`
			Email string `xml:"EmailAddress"`
		} `xml:"Grantee"`
		Permission string `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

var s3Permissions = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"FULL_CONTROL": true, "WRITE": true, "WRITE_ACP": true, "READ": true, "READ_ACP": true}
})

// cannedACL returns the grants of a canned ACL.
func cannedACL(account, name string) ([]s3Grant, bool) {
	owner := s3Grant{Type: "CanonicalUser", ID: s3CanonicalID(account), Permission: "FULL_CONTROL"}
	switch name {
	case "", "private", "bucket-owner-full-control", "bucket-owner-read":
		return []s3Grant{owner}, true
	case "public-read":
		return []s3Grant{owner, {Type: "Group", URI: allUsersURI, Permission: "READ"}}, true
	case "public-read-write":
		return []s3Grant{owner, {Type: "Group", URI: allUsersURI, Permission: "READ"}, {Type: "Group", URI: allUsersURI, Permission: "WRITE"}}, true
	case "authenticated-read":
		return []s3Grant{owner, {Type: "Group", URI: authUsersURI, Permission: "READ"}}, true
	}
	return nil, false
}

// aclFromRequest returns the ACL a request sets: a canned x-amz-acl, the
// x-amz-grant-* headers, or an AccessControlPolicy body. trail, if not nil,
// receives CloudTrail's requestParameters for it.
func (svc *s3Service) aclFromRequest(c *call, trail map[string]any) ([]s3Grant, error) {
	account := c.Account()
	canned := c.r.Header.Get("X-Amz-Acl")
	var grantHeaders []s3Grant
	for _, h := range []struct{ header, perm string }{
		{"X-Amz-Grant-Full-Control", "FULL_CONTROL"}, {"X-Amz-Grant-Read", "READ"}, {"X-Amz-Grant-Read-Acp", "READ_ACP"},
		{"X-Amz-Grant-Write", "WRITE"}, {"X-Amz-Grant-Write-Acp", "WRITE_ACP"},
	} {
		v := c.r.Header.Get(h.header)
		if v == "" {
			continue
		}
		if trail != nil {
			trail[strings.ToLower(h.header)] = []string{v}
		}
		for _, part := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				return nil, errorf(http.StatusBadRequest, "InvalidArgument", "grant %q is not type=value", part)
			}
			val = strings.Trim(val, `"`)
			g := s3Grant{Permission: h.perm}
			switch strings.ToLower(k) {
			case "id":
				g.Type, g.ID = "CanonicalUser", val
			case "uri":
				g.Type, g.URI = "Group", val
			case "emailaddress":
				g.Type, g.Email = "AmazonCustomerByEmail", val
			default:
				return nil, errorf(http.StatusBadRequest, "InvalidArgument", "grantee type %q is not id, uri or emailAddress", k)
			}
			grantHeaders = append(grantHeaders, g)
		}
	}
	body := bytes.TrimSpace(c.body)
	if c.op == "CreateBucket" {
		body = nil
	}
	n := 0
	if canned != "" {
		n++
	}
	if len(grantHeaders) > 0 {
		n++
	}
	if len(body) > 0 {
		n++
	}
	if n > 1 {
		return nil, errorf(http.StatusBadRequest, "UnexpectedContent", "This request does not support content")
	}
	switch {
	case len(grantHeaders) > 0:
		return grantHeaders, nil
	case len(body) > 0:
		var in aclIn
		if err := xml.Unmarshal(body, &in); err != nil {
			return nil, errMalformedXML()
		}
		var grants []s3Grant
		var trailGrants []any
		for _, g := range in.Grants {
			if !s3Permissions()[g.Permission] {
				return nil, errMalformedXML()
			}
			gr := s3Grant{Type: g.Grantee.Type, ID: g.Grantee.ID, URI: g.Grantee.URI, Email: g.Grantee.Email, Permission: g.Permission}
			switch gr.Type {
			case "CanonicalUser", "Group", "AmazonCustomerByEmail":
			case "":
				switch {
				case gr.URI != "":
					gr.Type = "Group"
				case gr.ID != "":
					gr.Type = "CanonicalUser"
				default:
					return nil, errMalformedXML()
				}
			default:
				return nil, errMalformedXML()
			}
			if gr.Type == "Group" && gr.URI != allUsersURI && gr.URI != authUsersURI && gr.URI != "http://acs.amazonaws.com/groups/s3/LogDelivery" {
				return nil, errorf(http.StatusBadRequest, "InvalidArgument", "Invalid group uri")
			}
			grants = append(grants, gr)
			grantee := map[string]any{"xsi:type": gr.Type, "xmlns:xsi": xsiNS}
			for k, v := range map[string]string{"ID": gr.ID, "URI": gr.URI, "EmailAddress": gr.Email} {
				if v != "" {
					grantee[k] = v
				}
			}
			trailGrants = append(trailGrants, map[string]any{"Grantee": grantee, "Permission": gr.Permission})
		}
		if trail != nil {
			trail["AccessControlPolicy"] = map[string]any{
				"xmlns":             s3XMLNS,
				"Owner":             map[string]any{"ID": in.Owner.ID},
				"AccessControlList": map[string]any{"Grant": trailGrants},
			}
		}
		return grants, nil
	default:
		if trail != nil && canned != "" {
			trail["x-amz-acl"] = []string{canned}
		}
		g, ok := cannedACL(account, canned)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "InvalidArgument", "canned ACL %q is not valid", canned)
		}
		return g, nil
	}
}

// aclIsPublic reports whether grants give access to all users or to all
// authenticated AWS users.
func aclIsPublic(grants []s3Grant) bool {
	for _, g := range grants {
		if g.Type == "Group" && (g.URI == allUsersURI || g.URI == authUsersURI) {
			return true
		}
	}
	return false
}

func (svc *s3Service) putBucketACL(c *call) (int, any, error) {
	extra := map[string]any{"acl": ""}
	body, err := svc.payload(c)
	if err != nil {
		svc.trailBucket(c, extra)
		return 0, nil, err
	}
	c.body = body
	grants, aerr := svc.aclFromRequest(c, extra)
	svc.trailBucket(c, extra)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if aerr != nil {
		return 0, nil, aerr
	}
	if b.aclsDisabled() && !ownerOnly(grants, b.Account) {
		return 0, nil, errACLsDisabled()
	}
	if svc.blockFor(b).BlockPublicAcls && aclIsPublic(grants) {
		return 0, nil, errAccessDenied("Access Denied")
	}
	b.ACL = grants
	return 0, nil, nil
}

func (svc *s3Service) getBucketACL(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	out := s3ACLOut{NS: s3XMLNS, Owner: s3Owner{ID: s3CanonicalID(b.Account)}}
	for _, g := range b.ACL {
		out.Grants = append(out.Grants, s3GrantXML{
			Grantee:    s3GranteeXML{XMLNSXSI: xsiNS, Type: g.Type, ID: g.ID, URI: g.URI, Email: g.Email},
			Permission: g.Permission,
		})
	}
	return 0, out, nil
}

// Block Public Access (bucket level).

type pabXML struct {
	XMLName xml.Name `xml:"PublicAccessBlockConfiguration"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	S3PublicAccessBlock
}

// decodePAB decodes a PublicAccessBlockConfiguration body.
func decodePAB(body []byte) (S3PublicAccessBlock, error) {
	var in struct {
		XMLName xml.Name `xml:"PublicAccessBlockConfiguration"`
		S3PublicAccessBlock
	}
	if err := xml.Unmarshal(body, &in); err != nil {
		return S3PublicAccessBlock{}, errMalformedXML()
	}
	return in.S3PublicAccessBlock, nil
}

// pabTrail is CloudTrail's PublicAccessBlockConfiguration element.
func pabTrail(p S3PublicAccessBlock) map[string]any {
	return map[string]any{
		"xmlns": s3XMLNS, "BlockPublicAcls": p.BlockPublicAcls, "IgnorePublicAcls": p.IgnorePublicAcls,
		"BlockPublicPolicy": p.BlockPublicPolicy, "RestrictPublicBuckets": p.RestrictPublicBuckets,
	}
}

func (svc *s3Service) putBucketPAB(c *call) (int, any, error) {
	extra := map[string]any{"publicAccessBlock": ""}
	body, err := svc.payload(c)
	if err != nil {
		svc.trailBucket(c, extra)
		return 0, nil, err
	}
	p, perr := decodePAB(body)
	if perr == nil {
		extra["PublicAccessBlockConfiguration"] = pabTrail(p)
	}
	svc.trailBucket(c, extra)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if perr != nil {
		return 0, nil, perr
	}
	b.PublicAccessBlock = &p
	return 0, nil, nil
}

func errNoPAB(bucket string) *Error {
	return errS3(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", bucket)
}

func (svc *s3Service) getBucketPAB(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if b.PublicAccessBlock == nil {
		return 0, nil, errNoPAB(b.Name)
	}
	return 0, pabXML{NS: s3XMLNS, S3PublicAccessBlock: *b.PublicAccessBlock}, nil
}

func (svc *s3Service) deleteBucketPAB(c *call) (int, any, error) {
	svc.trailBucket(c, map[string]any{"publicAccessBlock": ""})
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	b.PublicAccessBlock = nil
	return http.StatusNoContent, nil, nil
}

// Default encryption.

type sseXML struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		Default *struct {
			SSEAlgorithm   string `xml:"SSEAlgorithm"`
			KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled bool `xml:"BucketKeyEnabled"`
	} `xml:"Rule"`
}

// putXML records the bucket of a Put call for CloudTrail, checks the
// payload and returns the bucket, with the payload decoded into in. A
// payload that does not decode is MalformedXML.
func (svc *s3Service) putXML(c *call, in any) (*s3Bucket, error) {
	svc.trailBucket(c, nil)
	body, err := svc.payload(c)
	if err != nil {
		return nil, err
	}
	b, err := svc.bucket(c)
	if err != nil {
		return nil, err
	}
	if err := xml.Unmarshal(body, in); err != nil {
		return nil, errMalformedXML()
	}
	return b, nil
}

func (svc *s3Service) putBucketEncryption(c *call) (int, any, error) {
	var in sseXML
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	if len(in.Rules) != 1 || in.Rules[0].Default == nil {
		return 0, nil, errMalformedXML()
	}
	d := in.Rules[0].Default
	switch d.SSEAlgorithm {
	case "AES256":
		if d.KMSMasterKeyID != "" {
			return 0, nil, errorf(http.StatusBadRequest, "InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
		}
	case "aws:kms", "aws:kms:dsse":
	default:
		return 0, nil, errMalformedXML()
	}
	b.Encryption = &s3Encryption{Algorithm: d.SSEAlgorithm, KMSKeyID: d.KMSMasterKeyID, BucketKey: in.Rules[0].BucketKeyEnabled}
	return 0, nil, nil
}

func (svc *s3Service) getBucketEncryption(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if b.Encryption == nil {
		return 0, nil, errS3(http.StatusNotFound, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found", b.Name)
	}
	out := sseXML{NS: s3XMLNS}
	out.Rules = make([]struct {
		Default *struct {
			SSEAlgorithm   string `xml:"SSEAlgorithm"`
			KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled bool `xml:"BucketKeyEnabled"`
	}, 1)
	out.Rules[0].Default = &struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	}{b.Encryption.Algorithm, b.Encryption.KMSKeyID}
	out.Rules[0].BucketKeyEnabled = b.Encryption.BucketKey
	return 0, out, nil
}

func (svc *s3Service) deleteBucketEncryption(c *call) (int, any, error) {
	svc.trailBucket(c, nil)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	// Buckets are always encrypted; deleting the configuration restores SSE-S3.
	b.Encryption = &s3Encryption{Algorithm: "AES256"}
	return http.StatusNoContent, nil, nil
}

// Versioning.

type versioningXML struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	NS        string   `xml:"xmlns,attr,omitempty"`
	Status    string   `xml:"Status,omitempty"`
	MFADelete string   `xml:"MfaDelete,omitempty"`
}

func (svc *s3Service) putBucketVersioning(c *call) (int, any, error) {
	var in versioningXML
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	if in.Status != "Enabled" && in.Status != "Suspended" {
		return 0, nil, errMalformedXML()
	}
	if in.MFADelete != "" && in.MFADelete != "Enabled" && in.MFADelete != "Disabled" {
		return 0, nil, errMalformedXML()
	}
	if in.MFADelete == "Enabled" && c.r.Header.Get("X-Amz-Mfa") == "" {
		return 0, nil, errorf(http.StatusBadRequest, "InvalidRequest", "DevPay and Mfa are mutually exclusive authorization methods.")
	}
	if in.Status == "Suspended" && b.ObjectLock == "Enabled" {
		return 0, nil, errS3(http.StatusConflict, "InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.", "")
	}
	if in.Status == "Suspended" && b.Replication != nil {
		return 0, nil, errS3(http.StatusConflict, "InvalidBucketState", "A replication configuration is present on this bucket, so the versioning state cannot be changed.", "")
	}
	b.Versioning = in.Status
	if in.MFADelete != "" {
		b.MFADelete = in.MFADelete
	}
	return 0, nil, nil
}

func (svc *s3Service) getBucketVersioning(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	return 0, versioningXML{NS: s3XMLNS, Status: b.Versioning, MFADelete: b.MFADelete}, nil
}

// Tagging.

type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	Tags    []s3Tag  `xml:"TagSet>Tag"`
}

func (svc *s3Service) putBucketTagging(c *call) (int, any, error) {
	var in taggingXML
	b, err := svc.putXML(c, &in)
	if err != nil {
		return 0, nil, err
	}
	if len(in.Tags) > s3MaxTagCount {
		return 0, nil, errorf(http.StatusBadRequest, "InvalidTag", "Object tags cannot be greater than %d", s3MaxTagCount)
	}
	seen := map[string]bool{}
	for _, t := range in.Tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return 0, nil, errorf(http.StatusBadRequest, "InvalidTag", "The TagKey you have provided is invalid")
		}
		if seen[t.Key] {
			return 0, nil, errorf(http.StatusBadRequest, "InvalidTag", "Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	b.Tags = in.Tags
	return http.StatusNoContent, nil, nil
}

func (svc *s3Service) getBucketTagging(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	if len(b.Tags) == 0 {
		return 0, nil, errS3(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist", b.Name)
	}
	return 0, taggingXML{NS: s3XMLNS, Tags: b.Tags}, nil
}

func (svc *s3Service) deleteBucketTagging(c *call) (int, any, error) {
	svc.trailBucket(c, nil)
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	b.Tags = nil
	return http.StatusNoContent, nil, nil
}

// Objects.

func (svc *s3Service) object(c *call) (*s3Bucket, *s3Object, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return nil, nil, err
	}
	key := c.Var("Key")
	o := b.Objects[key]
	if o == nil {
		return b, nil, &Error{Code: "NoSuchKey", Message: "The specified key does not exist.", Status: http.StatusNotFound, Fields: map[string]string{"Key": key}}
	}
	return b, o, nil
}

func (svc *s3Service) putObject(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	body, err := svc.payload(c)
	if err != nil {
		return 0, nil, err
	}
	key := c.Var("Key")
	if len(key) > 1024 {
		return 0, nil, errorf(http.StatusBadRequest, "KeyTooLongError", "Your key is too long")
	}
	sum := md5.Sum(body)
	o := &s3Object{Body: body, ContentType: c.r.Header.Get("Content-Type"), ETag: `"` + hex.EncodeToString(sum[:]) + `"`, LastModified: c.now, Metadata: map[string]string{}}
	for k, v := range c.r.Header {
		if m, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok && len(v) > 0 {
			o.Metadata[m] = v[0]
		}
	}
	b.Objects[key] = o
	c.w.Header().Set("ETag", o.ETag)
	if b.Encryption != nil {
		c.w.Header().Set("X-Amz-Server-Side-Encryption", b.Encryption.Algorithm)
	}
	return 0, nil, nil
}

func (svc *s3Service) objectHeaders(c *call, b *s3Bucket, o *s3Object) {
	h := c.w.Header()
	h.Set("ETag", o.ETag)
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Content-Length", strconv.Itoa(len(o.Body)))
	if o.ContentType != "" {
		h.Set("Content-Type", o.ContentType)
	}
	for k, v := range o.Metadata {
		h.Set("X-Amz-Meta-"+k, v)
	}
	if b.Encryption != nil {
		h.Set("X-Amz-Server-Side-Encryption", b.Encryption.Algorithm)
	}
}

func (svc *s3Service) getObject(c *call) (int, any, error) {
	b, o, err := svc.object(c)
	if err != nil {
		return 0, nil, err
	}
	svc.objectHeaders(c, b, o)
	return 0, append([]byte(nil), o.Body...), nil
}

func (svc *s3Service) headObject(c *call) (int, any, error) {
	b, o, err := svc.object(c)
	if err != nil {
		return 0, nil, err
	}
	svc.objectHeaders(c, b, o)
	return 0, nil, nil
}

func (svc *s3Service) deleteObject(c *call) (int, any, error) {
	b, _, err := svc.object(c)
	if b == nil {
		return 0, nil, err
	}
	// Deleting a missing key succeeds.
	delete(b.Objects, c.Var("Key"))
	return http.StatusNoContent, nil, nil
}

func (svc *s3Service) listObjectsV2(c *call) (int, any, error) {
	b, err := svc.bucket(c)
	if err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	prefix := q.Get("prefix")
	maxKeys, err := atoi(q.Get("max-keys"), 1000)
	if err != nil || maxKeys < 0 {
		return 0, nil, errorf(http.StatusBadRequest, "InvalidArgument", "max-keys %q must be a non-negative integer", q.Get("max-keys"))
	}
	maxKeys = min(maxKeys, 1000)
	after := q.Get("start-after")
	if tok := q.Get("continuation-token"); tok != "" {
		raw, err := base64.StdEncoding.DecodeString(tok)
		if err != nil {
			return 0, nil, errorf(http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect")
		}
		after = string(raw)
	}
	type content struct {
		Key          string `xml:"Key"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int    `xml:"Size"`
		StorageClass string `xml:"StorageClass"`
	}
	out := struct {
		XMLName               xml.Name  `xml:"ListBucketResult"`
		NS                    string    `xml:"xmlns,attr"`
		Name                  string    `xml:"Name"`
		Prefix                string    `xml:"Prefix"`
		KeyCount              int       `xml:"KeyCount"`
		MaxKeys               int       `xml:"MaxKeys"`
		IsTruncated           bool      `xml:"IsTruncated"`
		Contents              []content `xml:"Contents"`
		ContinuationToken     string    `xml:"ContinuationToken,omitempty"`
		NextContinuationToken string    `xml:"NextContinuationToken,omitempty"`
		StartAfter            string    `xml:"StartAfter,omitempty"`
	}{NS: s3XMLNS, Name: b.Name, Prefix: prefix, MaxKeys: maxKeys, ContinuationToken: q.Get("continuation-token"), StartAfter: q.Get("start-after")}
	keys := make([]string, 0, len(b.Objects))
	for k := range b.Objects {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > maxKeys {
		out.IsTruncated = true
		keys = keys[:maxKeys]
		if maxKeys > 0 {
			out.NextContinuationToken = base64.StdEncoding.EncodeToString([]byte(keys[len(keys)-1]))
		}
	}
	for _, k := range keys {
		o := b.Objects[k]
		out.Contents = append(out.Contents, content{Key: k, LastModified: o.LastModified.UTC().Format("2006-01-02T15:04:05.000Z"), ETag: o.ETag, Size: len(o.Body), StorageClass: "STANDARD"})
	}
	out.KeyCount = len(out.Contents)
	return 0, out, nil
}
