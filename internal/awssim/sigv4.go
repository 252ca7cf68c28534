package awssim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/smithy-go/encoding/httpbinding"
)

// sigv4Auth is the parsed Authorization header of a SigV4-signed request.
type sigv4Auth struct {
	AccessKeyID   string
	Date          string // yyyymmdd
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
}

const sigv4Algorithm = "AWS4-HMAC-SHA256"

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex".
func parseAuthorization(h string) (sigv4Auth, error) {
	var a sigv4Auth
	rest, ok := strings.CutPrefix(h, sigv4Algorithm+" ")
	if !ok {
		return a, fmt.Errorf("authorization header does not use %s", sigv4Algorithm)
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, fmt.Errorf("authorization header component %q is not key=value", part)
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return a, fmt.Errorf("credential scope %q is not KEY/DATE/REGION/SERVICE/aws4_request", v)
			}
			a.AccessKeyID, a.Date, a.Region, a.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	if a.AccessKeyID == "" || a.Signature == "" || len(a.SignedHeaders) == 0 {
		return a, fmt.Errorf("authorization header lacks Credential, SignedHeaders or Signature")
	}
	return a, nil
}

// verifySignature recomputes the SigV4 signature of r (whose body is body)
// with secret and reports whether it equals the one sent.
func verifySignature(r *http.Request, body []byte, a sigv4Auth, secret string) bool {
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return false
	}
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}

	uri := r.URL.EscapedPath()
	if uri == "" {
		uri = "/"
	}
	if a.Service != "s3" {
		uri = httpbinding.EscapePath(uri, false)
	}

	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			pairs = append(pairs, pair{sigv4Escape(k), sigv4Escape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	cq := make([]string, len(pairs))
	for i, p := range pairs {
		cq[i] = p.k + "=" + p.v
	}

	var ch strings.Builder
	for _, h := range a.SignedHeaders {
		ch.WriteString(h)
		ch.WriteByte(':')
		switch h {
		case "host":
			ch.WriteString(stripExcessSpaces(r.Host))
		case "content-length":
			ch.WriteString(strconv.FormatInt(r.ContentLength, 10))
		default:
			vs := r.Header.Values(h)
			for i, v := range vs {
				if i > 0 {
					ch.WriteByte(',')
				}
				ch.WriteString(strings.TrimSpace(stripExcessSpaces(v)))
			}
		}
		ch.WriteByte('\n')
	}

	canonical := strings.Join([]string{
		r.Method, uri, strings.Join(cq, "&"), ch.String(), strings.Join(a.SignedHeaders, ";"), payloadHash,
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	scope := a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
	toSign := sigv4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])

	key := hmacSHA256([]byte("AWS4"+secret), a.Date)
	key = hmacSHA256(key, a.Region)
	key = hmacSHA256(key, a.Service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	return hmac.Equal([]byte(want), []byte(a.Signature))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// stripExcessSpaces collapses runs of spaces to one, as SigV4 canonical
// headers require.
func stripExcessSpaces(s string) string {
	if !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// sigv4Escape percent-encodes everything outside RFC 3986's unreserved set.
func sigv4Escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
