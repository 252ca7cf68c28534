package awssim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Helpers shared by the JSON-protocol services (CloudTrail, Glue, Config,
// Security Hub, Access Analyzer).

// jsonInput decodes a JSON request body into v. An empty body is an empty
// object; a malformed one is answered with SerializationException, as the
// JSON protocols do.
func jsonInput(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errorf(http.StatusBadRequest, "SerializationException", "request body: %v", err)
	}
	return nil
}

// epochSec is a timestamp written as awsJson1_0/1_1 write them: seconds
// since the Unix epoch, with a fractional part.
type epochSec time.Time

// MarshalJSON writes the time as epoch seconds with millisecond precision.
func (t epochSec) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	return []byte(strconv.FormatFloat(float64(tt.UnixMilli())/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON reads epoch seconds (integer or fractional).
func (t *epochSec) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return errorf(http.StatusBadRequest, "SerializationException", "%s is not a timestamp in epoch seconds", b)
	}
	// The protocols carry milliseconds; rounding undoes the float's error.
	*t = epochSec(time.UnixMilli(int64(math.Round(f * 1000))).UTC())
	return nil
}

// epochPtr returns t as an epochSec, or nil for the zero time.
func epochPtr(t time.Time) *epochSec {
	if t.IsZero() {
		return nil
	}
	e := epochSec(t)
	return &e
}

// pageToken encodes a pagination position as an opaque token.
func pageToken(pos string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pos))
}

// pagePosition decodes a token made by pageToken.
func pagePosition(token string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}

// scopeKey names a call's account and region as a state map key that
// survives encoding/json ("123456789012/us-east-1").
func scopeKey(c *call) string { return c.Account() + "/" + c.region }

// scoped returns the map of byScope for the call's account and region,
// adding an empty one if there is none.
func scoped[V any](byScope map[string]map[string]V, c *call) map[string]V {
	m := byScope[scopeKey(c)]
	if m == nil {
		m = map[string]V{}
		byScope[scopeKey(c)] = m
	}
	return m
}
