package action

import (
	"strings"
	"testing"
)

func TestAddStatements(t *testing.T) {
	ours := map[string]any{"Sid": "RectifyX", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}
	changed := map[string]any{"Sid": "RectifyX", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::c/*"}
	for _, tc := range []struct {
		name, doc string
		add       map[string]any
		wantSids  string
		added     string
		contains  string
	}{
		{"empty document", "", ours, "RectifyX", "RectifyX", `"Version":"2012-10-17"`},
		{"appended, others and Id kept", `{"Version":"2012-10-17","Id":"mine","Statement":[{"Sid":"Readers","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`,
			ours, "Readers,RectifyX", "RectifyX", `"Id":"mine"`},
		{"a single statement object", `{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}}`,
			ours, "One,RectifyX", "RectifyX", `"Sid":"One"`},
		{"already there: unchanged", `{"Version":"2012-10-17","Statement":[{"Sid":"RectifyX","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}`,
			ours, "RectifyX", "", `arn:aws:s3:::b/*`},
		{"rectify's statement updated in place", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},{"Sid":"RectifyX","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},{"Sid":"Z","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`,
			changed, "A,RectifyX,Z", "RectifyX", `arn:aws:s3:::c/*`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, added, err := addStatements(tc.doc, []map[string]any{tc.add})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(sids(t, doc), ","); got != tc.wantSids {
				t.Errorf("statements %s, want %s", got, tc.wantSids)
			}
			if got := strings.Join(added, ","); got != tc.added {
				t.Errorf("added %q, want %q", got, tc.added)
			}
			if !strings.Contains(doc, tc.contains) {
				t.Errorf("document %s lacks %s", doc, tc.contains)
			}
			if tc.added == "" && doc != tc.doc {
				t.Errorf("unchanged document rewritten: %s", doc)
			}
		})
	}
	if _, _, err := addStatements(`{"Statement":`, []map[string]any{ours}); err == nil {
		t.Error("malformed document: no error")
	}
}

func TestGrantsService(t *testing.T) {
	const bucket = "arn:aws:s3:::logs"
	for _, tc := range []struct {
		name, doc, action, resource string
		want                        bool
	}{
		{"service statement", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::logs"}]}`, "s3:GetBucketAcl", bucket, true},
		{"list of services and actions with wildcards", `{"Statement":[{"Effect":"Allow","Principal":{"Service":["config.amazonaws.com","cloudtrail.amazonaws.com"]},"Action":["s3:Put*"],"Resource":["arn:aws:s3:::logs/AWSLogs/*"]}]}`, "s3:PutObject", bucket + "/AWSLogs/1/x", true},
		{"other service", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"s3:*","Resource":"*"}]}`, "s3:PutObject", bucket + "/x", false},
		{"outside the resource", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/AWSLogs/1/*"}]}`, "s3:PutObject", bucket + "/AWSLogs/2/x", false},
		{"an unconditional deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*"}]}`, "s3:PutObject", bucket + "/x", false},
		{"a conditional deny (TLS only) does not", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, "s3:PutObject", bucket + "/x", true},
		{"action case does not matter", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"KMS:GenerateDataKey*","Resource":"*"}]}`, "kms:GenerateDataKey", "*", true},
		{"no policy", ``, "s3:PutObject", bucket, false},
	} {
		if got := grantsService(tc.doc, "cloudtrail.amazonaws.com", tc.action, tc.resource); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNormalizePattern(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{`{ ($.eventName = CreateTrail) || ($.eventName = DeleteTrail) }`, `{($.eventName=CreateTrail)||($.eventName=DeleteTrail)}`, true},
		{`{ $.errorMessage = "Failed authentication" }`, `{$.errorMessage="Failed authentication"}`, true},
		{`{ $.errorMessage = "Failed authentication" }`, `{$.errorMessage="Failedauthentication"}`, false},
		{`{ $.eventName = CreateTrail }`, `{ $.eventName = DeleteTrail }`, false},
	} {
		if got := normalizePattern(tc.a) == normalizePattern(tc.b); got != tc.same {
			t.Errorf("%q vs %q: same %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

func TestRetentionFor(t *testing.T) {
	for _, tc := range []struct{ days, want int }{{1, 1}, {2, 3}, {365, 365}, {366, 400}, {3653, 3653}} {
		if got, ok := retentionFor(tc.days); !ok || got != tc.want {
			t.Errorf("retentionFor(%d) = %d, %v; want %d", tc.days, got, ok, tc.want)
		}
	}
	if _, ok := retentionFor(3654); ok {
		t.Error("retentionFor(3654) found a period")
	}
}

func TestParseGuardDutyARN(t *testing.T) {
	for _, tc := range []struct {
		arn            string
		ok             bool
		detector, name string
	}{
		{"arn:aws:guardduty:us-east-1:123456789012:detector/abc", true, "abc", ""},
		{"arn:aws-us-gov:guardduty:us-gov-west-1:123456789012:detector/abc/filter/low", true, "abc", "low"},
		{"arn:aws:guardduty:us-east-1:123456789012:detector/", false, "", ""},
		{"arn:aws:guardduty:us-east-1:123456789012:detector/abc/filter/", false, "", ""},
		{"arn:aws:s3:::bucket", false, "", ""},
		{"detector/abc", false, "", ""},
	} {
		r, ok := parseGuardDutyARN(tc.arn)
		if ok != tc.ok || r.Detector != tc.detector || r.Filter != tc.name {
			t.Errorf("%s: %+v, %v", tc.arn, r, ok)
		}
	}
}
