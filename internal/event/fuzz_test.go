package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse and, when it succeeds, to every
// view, Map and Targets. None may panic; every error must be an *Error; an
// accepted event must be a JSON object whose envelope fields agree with a
// plain decode.
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

	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %T is not an *Error: %v", err, err)
			}
			return
		}
		if !bytes.Equal(e.Raw, data) {
			t.Fatal("Raw differs from the input")
		}
		var env struct {
			ID      string          `json:"id"`
			Source  string          `json:"source"`
			Account string          `json:"account"`
			Detail  json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			t.Fatalf("Parse accepted what encoding/json rejects: %v", err)
		}
		if env.ID != e.ID || env.Source != e.Source || env.Account != e.Account || !bytes.Equal(env.Detail, e.Detail) {
			t.Fatalf("envelope mismatch: %q %q %q vs %q %q %q", e.ID, e.Source, e.Account, env.ID, env.Source, env.Account)
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
