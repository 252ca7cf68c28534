package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to Parse and, when it succeeds, to every
// view, Map and Targets. None may panic; every error must be an *Error
// whose message is printable; an accepted event must be a JSON object whose
// envelope fields agree with a plain decode and keep within the limits, that
// holds no repeated key (by a decoder of its own), and that, re-encoded,
// parses again to the same envelope. An event refused for a repeated key
// must hold one.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(samples, "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{}}`))
	f.Add([]byte(`{"\u0069d":"\ud800","source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","account":"123456789012","detail":{"findings":[{"Resources":[{"Type":"AwsIamRole","Id":"arn:aws:iam::1:role/r"}]}]}}`))
	f.Add([]byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{"a":1},"detail":{"a":2}}`))
	f.Add([]byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{"l":[{"k":1,"\u006b":2}]}}`))
	f.Add([]byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","region":"../../etc","detail":{}}`))
	f.Add([]byte(`{"id":"\u001b[2J","source":"s\u202e","detail-type":"d","account":"123456789012","region":"us-gov-west-1","resources":["a",""],"detail":{"\xff":1,"\xfe":2}}`))
	f.Add([]byte(`{"version":"0","id":"x","source":"s","detail-type":"d","account":"123456789012","time":"2026-11-20T12:29:30.123+01:00","detail":{"n":1e400,"m":18446744073709551616,"s":"\u0000<>&"}}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %T is not an *Error: %v", err, err)
			}
			for _, r := range err.Error() {
				if r != ' ' && !unicode.IsPrint(r) {
					t.Fatalf("error %q holds the unprintable %U", err, r)
				}
			}
			if strings.Contains(pe.Reason, "duplicate key") {
				if pe.Field == "" {
					t.Fatalf("duplicate key error without a field: %v", err)
				}
				if !hasRepeatedKey(data) {
					t.Fatalf("Parse refused %q for a repeated key it does not hold: %v", data, err)
				}
			}
			return
		}
		if hasRepeatedKey(data) {
			t.Fatalf("Parse accepted %q, which repeats a key", data)
		}
		checkLimits(t, e)
		checkReencoded(t, e)
		if !bytes.Equal(e.Raw, data) {
			t.Fatal("Raw differs from the input")
		}
		// A map, not a struct: keys are told apart by case, as by Parse
		// and event patterns ("detAil" is not "detail").
		var env map[string]json.RawMessage
		if err := json.Unmarshal(data, &env); err != nil {
			t.Fatalf("Parse accepted what encoding/json rejects: %v", err)
		}
		str := func(k string) string {
			var s string
			_ = json.Unmarshal(env[k], &s)
			return s
		}
		if str("id") != e.ID || str("source") != e.Source || str("account") != e.Account || !bytes.Equal(env["detail"], e.Detail) {
			t.Fatalf("envelope mismatch: %q %q %q vs %q %q %q", e.ID, e.Source, e.Account, str("id"), str("source"), str("account"))
		}
		check := func(what string, err error) {
			var pe *Error
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("%s error %T is not an *Error: %v", what, err, err)
			}
		}
		_, err = e.CloudTrail()
		check("CloudTrail", err)
		_, err = e.Findings()
		check("Findings", err)
		_, err = e.GuardDuty()
		check("GuardDuty", err)
		_, err = e.ConfigCompliance()
		check("ConfigCompliance", err)
		_, err = e.TrustedAdvisor()
		check("TrustedAdvisor", err)
		_, err = e.AccessAnalyzer()
		check("AccessAnalyzer", err)
		_, err = e.Map()
		check("Map", err)
		ts, err := e.Targets()
		check("Targets", err)
		for _, tg := range ts {
			if !IsAccountID(tg.Account) {
				t.Fatalf("target with account %q", tg.Account)
			}
			_ = tg.Key()
		}
	})
}

// FuzzValid checks the envelope's JSON validator against encoding/json.
func FuzzValid(f *testing.F) {
	for _, s := range validCases {
		f.Add([]byte(s.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", data, got, want)
		}
		if _, err := Parse(data); err == nil && !json.Valid(data) {
			t.Fatalf("Parse accepted invalid JSON %q", data)
		}
	})
}

// hasRepeatedKey reports whether an object in data, read up to the first
// syntax error, repeats a key, by encoding/json's tokenizer, which decodes
// keys.
func hasRepeatedKey(data []byte) bool {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	type frame struct {
		keys    map[string]bool
		wantKey bool
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.keys != nil && top.wantKey {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return true
				}
				top.keys[k] = true
				top.wantKey = false
				continue
			}
		}
		if top != nil && top.keys != nil {
			top.wantKey = true // a value was read (or begins): a key comes next
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].keys != nil {
				stack[len(stack)-1].wantKey = true
			}
		}
		if len(stack) == 0 && tok != nil {
			if _, err := d.Token(); err == io.EOF {
				return false
			}
		}
	}
}

// checkLimits fails unless the envelope of an accepted event keeps within
// the documented limits.
func checkLimits(t *testing.T, e *Event) {
	t.Helper()
	if n := len(e.ID); n == 0 || n > MaxIDLen {
		t.Fatalf("id of %d bytes accepted", n)
	}
	for i := 0; i < len(e.ID); i++ {
		if e.ID[i] <= ' ' || e.ID[i] > '~' {
			t.Fatalf("id %q accepted", e.ID)
		}
	}
	text := func(field, s string, max int) {
		if utf8.RuneCountInString(s) > max || !utf8.ValidString(s) {
			t.Fatalf("%s %q accepted", field, s)
		}
		for _, r := range s {
			if !unicode.IsGraphic(r) {
				t.Fatalf("%s %q with %U accepted", field, s, r)
			}
		}
	}
	text("source", e.Source, MaxSourceLen)
	text("detail-type", e.DetailType, MaxDetailTypeLen)
	text("version", e.Version, MaxVersionLen)
	if len(e.Resources) > MaxResources {
		t.Fatalf("%d resources accepted", len(e.Resources))
	}
	for _, r := range e.Resources {
		text("resource", r, MaxResourceLen)
	}
	if e.Region != "" && !IsRegion(e.Region) {
		t.Fatalf("region %q accepted", e.Region)
	}
	if !IsAccountID(e.Account) {
		t.Fatalf("account %q accepted", e.Account)
	}
}

// checkReencoded fails unless an accepted event, decoded and encoded again,
// parses to the same envelope and detail.
func checkReencoded(t *testing.T, e *Event) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(e.Raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("encoding/json cannot decode an accepted event: %v", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatalf("re-encoding: %v", err)
	}
	if buf.Len() > MaxSize {
		return
	}
	e2, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatalf("the re-encoded event %q is refused: %v", buf.Bytes(), err)
	}
	if e.Version != e2.Version || e.ID != e2.ID || e.DetailType != e2.DetailType || e.Source != e2.Source ||
		e.Account != e2.Account || e.Region != e2.Region || !e.Time.Equal(e2.Time) || !slicesEqual(e.Resources, e2.Resources) {
		t.Fatalf("re-encoded envelope differs:\n%+v\n%+v", e, e2)
	}
	var d1, d2 any
	dd := json.NewDecoder(bytes.NewReader(e.Detail))
	dd.UseNumber()
	_ = dd.Decode(&d1)
	dd = json.NewDecoder(bytes.NewReader(e2.Detail))
	dd.UseNumber()
	_ = dd.Decode(&d2)
	if !reflect.DeepEqual(d1, d2) {
		t.Fatalf("re-encoded detail differs: %s vs %s", e.Detail, e2.Detail)
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
