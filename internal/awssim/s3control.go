package awssim

import (
	"encoding/xml"
	"net/http"
)

// S3 Control: account-level Block Public Access. It shares S3's signing
// name and is told apart by its /v20180820/ path. The SDK puts the account
// ID in front of the endpoint's host ({account}.127.0.0.1:port); the
// simulator ignores the host, and clients reach it with an HTTP client that
// dials the simulator for every host (see Server.HTTPClient).

const s3controlXMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/"

func newS3Control(s *Server, s3 *s3Service) *serviceDef {
	svc := &s3controlService{s3: s3}
	return &serviceDef{
		Name: "s3control", SigningName: "s3", Prefix: "s3", PathPrefix: "/v20180820/",
		EventSource: "s3.amazonaws.com", Protocol: protoRESTXML, WrapXMLErrors: true,
		REST: []restRoute{
			{Method: http.MethodGet, Path: "/v20180820/configuration/publicAccessBlock", Op: "GetAccountPublicAccessBlock", Handler: svc.get},
			{Method: http.MethodPut, Path: "/v20180820/configuration/publicAccessBlock", Op: "PutAccountPublicAccessBlock", Handler: svc.put},
			{Method: http.MethodDelete, Path: "/v20180820/configuration/publicAccessBlock", Op: "DeleteAccountPublicAccessBlock", Handler: svc.delete},
		},
	}
}

type s3controlService struct {
	s3 *s3Service
}

// account checks the x-amz-account-id header against the caller, and sets
// CloudTrail's requestParameters.
func (svc *s3controlService) account(c *call, extra map[string]any) (string, error) {
	id := c.r.Header.Get("X-Amz-Account-Id")
	p := map[string]any{"publicAccessBlock": "", "Host": c.r.Host, "x-amz-account-id": id}
	for k, v := range extra {
		p[k] = v
	}
	c.trailParams = p
	if id == "" {
		return "", errorf(http.StatusBadRequest, "InvalidRequest", "Account ID must be set through the x-amz-account-id header")
	}
	if id != c.Account() {
		return "", errAccessDenied("Access Denied")
	}
	return id, nil
}

func (svc *s3controlService) get(c *call) (int, any, error) {
	id, err := svc.account(c, nil)
	if err != nil {
		return 0, nil, err
	}
	p := svc.s3.State.AccountBlocks[id]
	if p == nil {
		return 0, nil, errorf(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	return 0, struct {
		XMLName xml.Name `xml:"PublicAccessBlockConfiguration"`
		NS      string   `xml:"xmlns,attr"`
		S3PublicAccessBlock
	}{NS: s3controlXMLNS, S3PublicAccessBlock: *p}, nil
}

func (svc *s3controlService) put(c *call) (int, any, error) {
	p, perr := decodePAB(c.body)
	var extra map[string]any
	if perr == nil {
		t := pabTrail(p)
		t["xmlns"] = s3controlXMLNS
		extra = map[string]any{"PublicAccessBlockConfiguration": t}
	}
	id, err := svc.account(c, extra)
	if err != nil {
		return 0, nil, err
	}
	if perr != nil {
		return 0, nil, perr
	}
	svc.s3.State.AccountBlocks[id] = &p
	return 0, nil, nil
}

func (svc *s3controlService) delete(c *call) (int, any, error) {
	id, err := svc.account(c, nil)
	if err != nil {
		return 0, nil, err
	}
	delete(svc.s3.State.AccountBlocks, id)
	return http.StatusNoContent, nil, nil
}
