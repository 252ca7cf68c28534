package awssim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Fixture seeds a Server: API calls made as each account's administrator,
// in order, and past activity for the CloudTrail event history. Fixtures
// are written in JSON or YAML.
//
//	calls:
//	  - {account: "444455556666", service: iam, action: CreateUser, params: {UserName: alice}}
//	  - {account: "444455556666", region: us-east-1, service: glue, action: CreateDevEndpoint,
//	     input: {EndpointName: dev1, RoleArn: "arn:aws:iam::444455556666:role/glue"}}
//	  - {account: "444455556666", service: s3, method: PUT, path: /my-bucket}
//	activity:
//	  - account: "444455556666"
//	    region: us-east-1
//	    records: [{eventName: ListBuckets, eventSource: s3.amazonaws.com, eventTime: ..., ...}]
type Fixture struct {
	Calls    []FixtureCall     `json:"calls"`
	Activity []FixtureActivity `json:"activity"`
}

// FixtureCall is one API call of a Fixture.
type FixtureCall struct {
	// Account makes the call as its administrator; empty means the
	// Server's default account.
	Account string `json:"account"`
	// Region; empty means the Server's default region.
	Region string `json:"region"`
	// Service is the simulated service's name (iam, ec2, s3, glue, ...).
	Service string `json:"service"`
	// Action is the operation of a query or JSON service.
	Action string `json:"action"`
	// Params are a query service's parameters (IAM, EC2, SNS, RDS), in
	// the protocol's flattened form: {"Tags.member.1.Key": "team"}.
	Params map[string]string `json:"params"`
	// Input is a JSON service's request body.
	Input json.RawMessage `json:"input"`
	// Method, Path, Headers and Body make a REST request (S3, Security
	// Hub, ...).
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// FixtureActivity is past CloudTrail activity of an account in a region.
type FixtureActivity struct {
	Account string        `json:"account"`
	Region  string        `json:"region"`
	Records []TrailRecord `json:"records"`
}

// LoadFixture reads a JSON (.json) or YAML (.yaml, .yml) fixture file.
func LoadFixture(path string) (*Fixture, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("awssim: fixture: %w", err)
	}
	f, err := ParseFixture(b, filepath.Ext(path) != ".json")
	if err != nil {
		return nil, fmt.Errorf("awssim: fixture %s: %w", path, err)
	}
	return f, nil
}

// ParseFixture decodes a fixture, from YAML if isYAML, else JSON. Unknown
// fields are errors.
func ParseFixture(b []byte, isYAML bool) (*Fixture, error) {
	if isYAML {
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		j, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("fixture is not representable as JSON: %w", err)
		}
		b = j
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f Fixture
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	return &f, nil
}

type seedKey struct{}

// Seed applies a fixture: each call is served as if the account's
// administrator had made it (recorded in the activity log like any call,
// but not delivered to subscribers), then the activity is added. The first
// call that fails stops seeding, with an error naming it.
func (s *Server) Seed(ctx context.Context, f *Fixture) error {
	for i, c := range f.Calls {
		if err := s.seedCall(ctx, c); err != nil {
			return fmt.Errorf("awssim: seed call %d (%s %s%s): %w", i+1, c.Service, c.Action, c.Path, err)
		}
	}
	for _, a := range f.Activity {
		account, region := a.Account, a.Region
		if account == "" {
			account = s.opts.Account
		}
		if region == "" {
			region = s.opts.Region
		}
		s.AdminKeys(account)
		for _, r := range a.Records {
			s.RecordActivity(account, region, r)
		}
	}
	return nil
}

func (s *Server) seedCall(ctx context.Context, c FixtureCall) error {
	account, region := c.Account, c.Region
	if account == "" {
		account = s.opts.Account
	}
	if region == "" {
		region = s.opts.Region
	}
	keyID, _ := s.AdminKeys(account)
	s.mu.Lock()
	def := s.services[c.Service]
	s.mu.Unlock()
	if def == nil {
		return fmt.Errorf("no simulated service %q", c.Service)
	}
	var req *http.Request
	switch def.Protocol {
	case protoQuery, protoEC2:
		form := url.Values{"Action": {c.Action}}
		keys := make([]string, 0, len(c.Params))
		for k := range c.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			form.Set(k, c.Params[k])
		}
		req = httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case protoJSON10, protoJSON11:
		body := c.Input
		if len(body) == 0 {
			body = json.RawMessage("{}")
		}
		req = httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", def.TargetPrefix+"."+c.Action)
	case protoRPCCBOR:
		body, err := jsonToCBOR(c.Input)
		if err != nil {
			return err
		}
		req = httptest.NewRequestWithContext(ctx, http.MethodPost, "/service/"+def.TargetPrefix+"/operation/"+c.Action, bytes.NewReader(body))
		req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		req.Header.Set("Content-Type", "application/cbor")
	default:
		method := c.Method
		if method == "" {
			method = http.MethodGet
		}
		path := c.Path
		if def.PathPrefix != "" && !strings.HasPrefix(path, def.PathPrefix) {
			path = def.PathPrefix + strings.TrimPrefix(path, "/")
		}
		req = httptest.NewRequestWithContext(ctx, method, path, strings.NewReader(c.Body))
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	req.Host = strings.TrimPrefix(s.URL, "http://")
	if req.Host == "" {
		req.Host = "localhost"
	}
	date := s.Now().Format("20060102")
	req.Header.Set("X-Amz-Date", s.Now().Format("20060102T150405Z"))
	req.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=host, Signature=fixture",
		sigv4Algorithm, keyID, date, region, def.signingName()))
	req = req.WithContext(context.WithValue(req.Context(), seedKey{}, true))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		return fmt.Errorf("HTTP %d: %s", rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return nil
}

// seeding reports whether r is a fixture's call.
func seeding(r *http.Request) bool {
	v, _ := r.Context().Value(seedKey{}).(bool)
	return v
}
