package awssim

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// protocol is the wire protocol of a service.
type protocol int

const (
	protoQuery    protocol = iota // AWS query, XML responses wrapped in <OpResult> (IAM, STS, SNS, RDS)
	protoEC2                      // EC2 query: XML responses without a Result wrapper
	protoJSON10                   // awsJson1_0 (SQS, DynamoDB)
	protoJSON11                   // awsJson1_1 (CloudTrail, Glue, KMS, Config)
	protoRESTJSON                 // restJson1 (Security Hub, Lambda, Access Analyzer)
	protoRESTXML                  // restXml (S3, S3 Control)
	protoRPCCBOR                  // Smithy RPC v2 CBOR (CloudWatch); see rpcv2.go
)

// serviceDef describes one simulated service: how to reach its operations
// and how it answers.
type serviceDef struct {
	// Name identifies the service, e.g. "iam" or "s3control".
	Name string
	// SigningName is the SigV4 signing name; empty means Name.
	SigningName string
	// Prefix is the IAM action prefix of its operations; empty means Name.
	Prefix string
	// PathPrefix, if set, routes requests signed for SigningName whose path
	// starts with it here (S3 Control shares S3's signing name).
	PathPrefix string
	// EventSource is CloudTrail's eventSource, e.g. "iam.amazonaws.com".
	EventSource string
	Protocol    protocol
	// XMLNS is the namespace of query and EC2 responses.
	XMLNS string
	// TargetPrefix is the X-Amz-Target prefix of JSON services, e.g.
	// "AWSGlue"; the operation follows the dot. For RPC v2 CBOR services it
	// is the service name in the request path
	// (/service/GraniteServiceVersion20100801/operation/PutMetricAlarm).
	TargetPrefix string
	// Global services (IAM, STS's global endpoint) record their activity in
	// us-east-1, as CloudTrail does.
	Global bool

	Query map[string]queryHandler
	JSON  map[string]jsonHandler
	// REST routes are tried in order; Route, if set, is tried after them
	// and may resolve any request (S3's routing by query parameters).
	REST  []restRoute
	Route func(c *call) (op string, h restHandler)
	// Ops names the operations Route serves, for Operations.
	Ops []string

	// IAMAction returns the IAM action an operation needs, for services
	// whose actions are not named after their operations (API Gateway's
	// are its HTTP methods, "apigateway:PATCH"); nil means the renamings
	// the simulator knows for the service (see renamedAction), else
	// Prefix:Operation.
	IAMAction func(op string) string
	// Resources returns the ARNs of the resources a call acts on, which
	// identity policies' Resource elements are matched against: anyResource
	// for an operation whose IAM action names no resource, and ok false
	// when the call's resource cannot be named. Nil means the simulator's
	// table for the built-in services (see resources.go); the resources of
	// a service in neither cannot be named, so only statements with
	// Resource "*" allow its calls.
	Resources func(c *call) (arns []string, ok bool)
	// ReadOnly reports whether op changes nothing; nil means by name
	// (Get, List, Describe, Lookup, Head, Search, Query, Scan, BatchGet).
	ReadOnly func(op string) bool
	// Throttle is the error the service answers when throttling.
	Throttle *Error

	// State points at the service's state, which must round-trip through
	// encoding/json, for Snapshot and Restore. Nil means stateless.
	State any
	// Restored, if set, is called after Restore has loaded State, to
	// rebuild what is derived from it.
	Restored func()
	// WrapXMLErrors wraps REST-XML error bodies in <ErrorResponse> (S3
	// Control) instead of S3's bare <Error>.
	WrapXMLErrors bool
}

// A queryHandler serves a query- or EC2-protocol operation. It returns a
// value to marshal as XML inside the response (nil for none).
type queryHandler func(c *call, in url.Values) (any, error)

// A jsonHandler serves a JSON-protocol operation. It returns a value to
// marshal as the JSON response body (nil for {}).
type jsonHandler func(c *call, in []byte) (any, error)

// A restHandler serves a REST operation. It returns the HTTP status (0 means
// 200) and a value written as the body: []byte as is, otherwise marshalled
// as JSON (restJson1) or XML (restXml); nil for no body.
type restHandler func(c *call) (status int, out any, err error)

// restRoute maps a method and a path pattern to an operation. Path segments
// in braces are variables ("/findings/{Id}"); a final "{Name+}" takes the
// rest of the path.
type restRoute struct {
	Method  string
	Path    string
	Op      string
	Handler restHandler
}

// match reports whether the route serves method and path, and the path's
// variables.
func (rt restRoute) match(method, path string) (map[string]string, bool) {
	if rt.Method != method {
		return nil, false
	}
	pp := strings.Split(strings.Trim(rt.Path, "/"), "/")
	sp := strings.Split(strings.Trim(path, "/"), "/")
	vars := map[string]string{}
	for i, seg := range pp {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}") {
			if i >= len(sp) {
				return nil, false
			}
			rest, err := url.PathUnescape(strings.Join(sp[i:], "/"))
			if err != nil {
				return nil, false
			}
			vars[seg[1:len(seg)-2]] = rest
			return vars, true
		}
		if i >= len(sp) {
			return nil, false
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			v, err := url.PathUnescape(sp[i])
			if err != nil || v == "" {
				return nil, false
			}
			vars[seg[1:len(seg)-1]] = v
			continue
		}
		if seg != sp[i] {
			return nil, false
		}
	}
	return vars, len(pp) == len(sp)
}

func (def *serviceDef) prefix() string {
	if def.Prefix != "" {
		return def.Prefix
	}
	return def.Name
}

// iamAction returns the IAM action an operation of the service needs.
func (def *serviceDef) iamAction(op string) string {
	if def.IAMAction != nil {
		return def.IAMAction(op)
	}
	if a, ok := renamedAction(def.Name, op); ok {
		return def.prefix() + ":" + a
	}
	return def.prefix() + ":" + op
}

func (def *serviceDef) signingName() string {
	if def.SigningName != "" {
		return def.SigningName
	}
	return def.Name
}

// readOnly reports whether op of def changes nothing.
func (def *serviceDef) readOnly(op string) bool {
	if def.ReadOnly != nil {
		return def.ReadOnly(op)
	}
	for _, p := range []string{"Get", "List", "Describe", "Lookup", "Head", "Search", "Query", "Scan", "BatchGet"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// Operations lists the IAM action of every operation the Server serves
// (e.g. "iam:DeleteAccessKey"), sorted. REST services served by a Route
// function list the operations named in their Ops.
func (s *Server) Operations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, def := range s.services {
		for op := range def.Query {
			out = append(out, def.iamAction(op))
		}
		for op := range def.JSON {
			out = append(out, def.iamAction(op))
		}
		for _, rt := range def.REST {
			out = append(out, def.iamAction(rt.Op))
		}
		for _, op := range def.Ops {
			out = append(out, def.iamAction(op))
		}
	}
	return sortedUnique(out)
}

// Serves reports whether the Server serves an operation named as in
// Operations.
func (s *Server) Serves(op string) bool {
	for _, o := range s.Operations() {
		if o == op {
			return true
		}
	}
	return false
}

// call is one request being served.
type call struct {
	s         *Server
	def       *serviceDef
	r         *http.Request
	w         http.ResponseWriter
	body      []byte
	op        string
	region    string
	caller    Principal
	requestID string
	now       time.Time
	vars      map[string]string // REST path variables
	// values are the parameters of query-protocol requests.
	values url.Values
	// jsonIn is the decoded JSON body, once jsonParams decoded it.
	jsonIn      map[string]any
	jsonDecoded bool

	// Filled by handlers for the activity log; see trail.go.
	trailParams    any
	trailResponse  any
	trailResources []TrailResource
	// trailRegion overrides the region an event is recorded in.
	trailRegion string
	// trailEventName overrides the eventName recorded for the call (Lambda
	// records versioned names such as "AddPermission20150331v2").
	trailEventName string
}

// Account is the caller's account.
func (c *call) Account() string { return c.caller.Account }

// Var returns a REST path variable.
func (c *call) Var(name string) string { return c.vars[name] }

// newID returns prefix and n random hex digits (deterministic per seed).
func (c *call) newID(prefix string, n int) string { return c.s.newIDLocked(prefix, n) }

// partition returns the partition of the call's region.
func (c *call) partition() string { return partitionOf(c.region) }

// partitionOf returns the ARN partition of a region.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}
