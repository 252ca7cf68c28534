package awssim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ServeHTTP serves one AWS API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		writeBareError(w, errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "request body: %v", err))
		return
	}
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.serveAdmin(w, r, body)
		return
	}

	auth, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		writeBareError(w, errorf(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing a valid SigV4 Authorization header: %v", err))
		return
	}
	def := s.serviceFor(auth.Service, r.URL.Path)
	if def == nil {
		writeBareError(w, errorf(http.StatusBadRequest, "UnknownService", "the simulator does not serve the service %q", auth.Service))
		return
	}

	c := &call{s: s, def: def, r: r, w: w, body: body, region: auth.Region}

	caller, aerr := s.authenticate(r, body, auth, def)
	if aerr != nil {
		c.requestID = s.requestID()
		s.writeError(c, aerr)
		return
	}
	c.caller = caller

	var values url.Values
	var qh queryHandler
	var jh jsonHandler
	var rh restHandler
	switch def.Protocol {
	case protoQuery, protoEC2:
		values, err = url.ParseQuery(string(body))
		if err != nil {
			c.requestID = s.requestID()
			s.writeError(c, errorf(http.StatusBadRequest, "MalformedQueryString", "request body is not a URL-encoded form: %v", err))
			return
		}
		for k, v := range r.URL.Query() {
			values[k] = append(values[k], v...)
		}
		c.op = values.Get("Action")
		qh = def.Query[c.op]
	case protoJSON10, protoJSON11:
		target := r.Header.Get("X-Amz-Target")
		// The Go SDK sends "CloudTrail_20131101.Op"; other clients send
		// the fully qualified "com.amazonaws....CloudTrail_20131101.Op".
		var prefix, op string
		if i := strings.LastIndexByte(target, '.'); i >= 0 {
			prefix, op = target[:i], target[i+1:]
		}
		if prefix == def.TargetPrefix || strings.HasSuffix(prefix, "."+def.TargetPrefix) {
			c.op = op
			jh = def.JSON[op]
		}
	case protoRPCCBOR:
		if c.op = rpcv2Operation(r.URL.Path, def.TargetPrefix); c.op != "" {
			jh = def.JSON[c.op]
		}
	case protoRESTJSON, protoRESTXML:
		for _, rt := range def.REST {
			if vars, ok := rt.match(r.Method, r.URL.EscapedPath()); ok {
				c.op, c.vars, rh = rt.Op, vars, rt.Handler
				break
			}
		}
		if rh == nil && def.Route != nil {
			c.op, rh = def.Route(c)
		}
	}
	if qh == nil && jh == nil && rh == nil {
		c.requestID = s.requestID()
		s.writeError(c, s.unknownOperation(c))
		return
	}
	c.values = values
	if def.Protocol == protoRPCCBOR {
		// Handlers read the JSON the CBOR body stands for.
		if body, err = cborToJSON(body); err != nil {
			c.requestID = s.requestID()
			s.writeError(c, err.(*Error))
			return
		}
		c.body = body
	}

	faults := s.applyFaults(r.Context(), c)
	if faults.err != nil {
		// A throttled or failed call is recorded, as CloudTrail does.
		s.mu.Lock()
		c.now = s.nowLocked()
		c.requestID = s.newUUIDLocked()
		event := s.recordLocked(c, values, faults.err)
		subs := s.subs
		s.mu.Unlock()
		s.writeError(c, faults.err)
		s.deliver(r, subs, event)
		return
	}

	s.mu.Lock()
	c.now = s.nowLocked()
	c.requestID = s.newUUIDLocked()
	if cr := s.creds[caller.AccessKeyID]; cr != nil && cr.Used != nil {
		cr.Used(def.Name, c.region, c.now)
	}
	var out any
	var status int
	var herr error
	if herr = s.authorizeLocked(c); herr == nil {
		var restore func()
		if faults.ignoreWrites {
			restore, herr = s.holdStateLocked(def)
		}
		if herr == nil {
			switch {
			case qh != nil:
				out, herr = qh(c, values)
			case jh != nil:
				out, herr = jh(c, body)
			default:
				status, out, herr = rh(c)
			}
		}
		if restore != nil {
			restore()
		}
	}
	event := s.recordLocked(c, values, herr)
	subs := s.subs
	s.mu.Unlock()

	s.log.Debug("awssim", "service", def.Name, "op", c.op, "account", caller.Account, "region", c.region, "err", herr)
	if herr != nil {
		var e *Error
		if !errors.As(herr, &e) {
			e = &Error{Code: "InternalFailure", Message: herr.Error(), Status: http.StatusInternalServerError, Receiver: true}
		}
		s.writeError(c, e)
	} else {
		s.writeResult(c, status, out)
	}
	s.deliver(r, subs, event)
}

// deliver hands a call's EventBridge event, if any, to the subscribers.
func (s *Server) deliver(r *http.Request, subs []func([]byte), event []byte) {
	if event == nil || seeding(r) {
		return
	}
	for _, f := range subs {
		f(event)
	}
}

// serviceFor returns the service a request signed for signing name and
// addressed to path belongs to.
func (s *Server) serviceFor(signing, path string) *serviceDef {
	s.mu.Lock()
	defer s.mu.Unlock()
	var fallback *serviceDef
	for _, def := range s.services {
		if def.signingName() != signing {
			continue
		}
		if def.PathPrefix != "" {
			if strings.HasPrefix(path, def.PathPrefix) {
				return def
			}
			continue
		}
		fallback = def
	}
	return fallback
}

// authenticate checks the access key, session token, expiry and signature.
func (s *Server) authenticate(r *http.Request, body []byte, auth sigv4Auth, def *serviceDef) (Principal, *Error) {
	s.mu.Lock()
	cr, ok := s.creds[auth.AccessKeyID]
	var cred credential
	if ok {
		cred = *cr
	}
	now := s.nowLocked()
	s.mu.Unlock()
	if !ok || cred.Inactive {
		return Principal{}, def.authError(false)
	}
	if cred.SessionToken != "" && r.Header.Get("X-Amz-Security-Token") != cred.SessionToken {
		return Principal{}, def.authError(false)
	}
	if !cred.Principal.Expires.IsZero() && now.After(cred.Principal.Expires) {
		code := "ExpiredToken"
		if def.Protocol != protoQuery && def.Protocol != protoEC2 {
			code = "ExpiredTokenException"
		}
		return Principal{}, errorf(http.StatusForbidden, code, "The security token included in the request is expired")
	}
	if !s.opts.SkipSignatureCheck && !seeding(r) && !verifySignature(r, body, auth, cred.Secret) {
		return Principal{}, def.authError(true)
	}
	return cred.Principal, nil
}

// unknownOperation is the error for an operation the simulator does not
// serve.
func (s *Server) unknownOperation(c *call) *Error {
	def, op := c.def, c.op
	switch def.Protocol {
	case protoQuery, protoEC2:
		return errorf(http.StatusBadRequest, "InvalidAction", "The action %q is not valid for this web service (simulated %s).", op, def.Name)
	case protoJSON10, protoJSON11, protoRPCCBOR:
		return errorf(http.StatusBadRequest, "UnknownOperationException", "operation %q is not served by the simulated %s", op, def.Name)
	default:
		return errorf(http.StatusNotFound, "UnknownOperationException", "no simulated %s operation serves %s %s", def.Name, c.r.Method, c.r.URL.Path)
	}
}

// requestID returns a request ID for a call refused before it was served.
func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newUUIDLocked()
}

// writeResult writes a successful response in the service's protocol.
func (s *Server) writeResult(c *call, status int, out any) {
	w := c.w
	if status == 0 {
		status = http.StatusOK
	}
	switch c.def.Protocol {
	case protoQuery:
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", c.requestID)
		var b bytes.Buffer
		b.WriteString(`<` + c.op + `Response xmlns="` + c.def.XMLNS + `">`)
		if out != nil {
			b.WriteString(`<` + c.op + `Result>`)
			b.Write(innerXML(out))
			b.WriteString(`</` + c.op + `Result>`)
		}
		b.WriteString(`<ResponseMetadata><RequestId>` + c.requestID + `</RequestId></ResponseMetadata></` + c.op + `Response>`)
		w.WriteHeader(status)
		w.Write(b.Bytes())
	case protoEC2:
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		var b bytes.Buffer
		b.WriteString(`<` + c.op + `Response xmlns="` + c.def.XMLNS + `"><requestId>` + c.requestID + `</requestId>`)
		if out != nil {
			b.Write(innerXML(out))
		}
		b.WriteString(`</` + c.op + `Response>`)
		w.WriteHeader(status)
		w.Write(b.Bytes())
	case protoJSON10, protoJSON11:
		w.Header().Set("Content-Type", c.jsonContentType())
		w.Header().Set("x-amzn-RequestId", c.requestID)
		w.WriteHeader(status)
		writeJSONBody(w, out)
	case protoRPCCBOR:
		writeCBORResult(w, c.requestID, status, out)
	case protoRESTJSON:
		w.Header().Set("x-amzn-RequestId", c.requestID)
		if raw, ok := out.([]byte); ok {
			w.WriteHeader(status)
			w.Write(raw)
			return
		}
		if out != nil {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		if out != nil {
			writeJSONBody(w, out)
		}
	case protoRESTXML:
		w.Header().Set("x-amz-request-id", c.requestID)
		w.Header().Set("x-amz-id-2", c.requestID)
		switch v := out.(type) {
		case nil:
			w.WriteHeader(status)
		case []byte:
			w.WriteHeader(status)
			w.Write(v)
		default:
			b, err := xml.Marshal(v)
			if err != nil {
				s.writeError(c, &Error{Code: "InternalError", Message: err.Error(), Status: 500})
				return
			}
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(status)
			w.Write([]byte(xml.Header))
			w.Write(b)
		}
	}
}

func writeJSONBody(w io.Writer, out any) {
	if out == nil {
		w.Write([]byte("{}"))
		return
	}
	if raw, ok := out.([]byte); ok {
		w.Write(raw)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		b = []byte(`{}`)
	}
	w.Write(b)
}

// writeError writes e in the shape of the service's protocol.
func (s *Server) writeError(c *call, e *Error) {
	w := c.w
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	switch c.def.Protocol {
	case protoQuery:
		typ := "Sender"
		if e.Receiver {
			typ = "Receiver"
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", c.requestID)
		w.WriteHeader(status)
		w.Write([]byte(`<ErrorResponse xmlns="` + c.def.XMLNS + `"><Error><Type>` + typ + `</Type><Code>` + xmlEscape(e.Code) +
			`</Code><Message>` + xmlEscape(e.Message) + `</Message></Error><RequestId>` + c.requestID + `</RequestId></ErrorResponse>`))
	case protoEC2:
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(status)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Response><Errors><Error><Code>` + xmlEscape(e.Code) + `</Code><Message>` +
			xmlEscape(e.Message) + `</Message></Error></Errors><RequestID>` + c.requestID + `</RequestID></Response>`))
	case protoJSON10, protoJSON11:
		w.Header().Set("Content-Type", c.jsonContentType())
		w.Header().Set("x-amzn-RequestId", c.requestID)
		if e.QueryCode != "" {
			typ := "Sender"
			if e.Receiver {
				typ = "Receiver"
			}
			w.Header().Set("x-amzn-query-error", e.QueryCode+";"+typ)
		}
		w.WriteHeader(status)
		body := map[string]any{"__type": e.Code, "message": e.Message}
		for k, v := range e.Extra {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		w.Write(b)
	case protoRPCCBOR:
		writeCBORError(w, c.requestID, e)
	case protoRESTJSON:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", c.requestID)
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"message": e.Message, "Message": e.Message})
		w.Write(b)
	case protoRESTXML:
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("x-amz-request-id", c.requestID)
		w.Header().Set("x-amz-id-2", c.requestID)
		w.WriteHeader(status)
		if c.r.Method == http.MethodHead {
			return
		}
		var b strings.Builder
		b.WriteString(xml.Header)
		if c.def.WrapXMLErrors {
			b.WriteString(`<ErrorResponse>`)
		}
		b.WriteString(`<Error><Code>` + xmlEscape(e.Code) + `</Code><Message>` + xmlEscape(e.Message) + `</Message>`)
		for _, k := range sortedKeys(e.Fields) {
			b.WriteString(`<` + k + `>` + xmlEscape(e.Fields[k]) + `</` + k + `>`)
		}
		if c.def.WrapXMLErrors {
			b.WriteString(`</Error><RequestId>` + c.requestID + `</RequestId><HostId>` + c.requestID + `</HostId></ErrorResponse>`)
		} else {
			b.WriteString(`<RequestId>` + c.requestID + `</RequestId><HostId>` + c.requestID + `</HostId></Error>`)
		}
		w.Write([]byte(b.String()))
	}
}

// writeBareError answers a request that could not be routed to a service.
func writeBareError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>` + xmlEscape(e.Code) + `</Code><Message>` +
		xmlEscape(e.Message) + `</Message></Error></ErrorResponse>`))
}

// innerXML marshals v and strips its outermost element, leaving the
// elements of its fields.
func innerXML(v any) []byte {
	b, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"x"`
		V       any
	}{V: v})
	if err != nil {
		return nil
	}
	// <x><V>...</V></x> or <x><TypeName>...</TypeName></x>: take what is
	// inside the value's own element.
	b = bytes.TrimPrefix(b, []byte("<x>"))
	b = bytes.TrimSuffix(b, []byte("</x>"))
	if i := bytes.IndexByte(b, '>'); i >= 0 && !bytes.HasSuffix(b[:i+1], []byte("/>")) {
		if j := bytes.LastIndex(b, []byte("</")); j >= 0 {
			return b[i+1 : j]
		}
	}
	return nil
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// sourceIP returns the caller's address for the activity log.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// atoi parses an optional integer parameter.
func atoi(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errValidation("%q is not an integer", s)
	}
	return n, nil
}

// jsonContentType is the Content-Type of the call's JSON protocol version.
func (c *call) jsonContentType() string {
	if c.def.Protocol == protoJSON10 {
		return "application/x-amz-json-1.0"
	}
	return "application/x-amz-json-1.1"
}
