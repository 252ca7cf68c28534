package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

const samples = "testdata/events"

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samples, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, b []byte) *Event {
	t.Helper()
	e, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return e
}

// edit decodes a sample, lets f change it, and encodes it again.
func edit(t testing.TB, b []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		file       string
		kind       Kind
		id, source string
		account    string
		time       string
		resources  int
	}{
		{"access-analyzer-external-role-trust.json", KindAccessAnalyzer, "66666666-7777-4888-8999-000000000001", "aws.access-analyzer", "444455556666", "2026-11-20T14:00:00Z", 1},
		{"cloudtrail-ec2-attach-internet-gateway.json", KindCloudTrail, "11111111-2222-4333-8444-555555555501", "aws.ec2", "444455556666", "2026-11-20T11:02:33Z", 0},
		{"cloudtrail-ec2-authorize-sg-ingress-world-ssh.json", KindCloudTrail, "11111111-2222-4333-8444-555555555502", "aws.ec2", "444455556666", "2026-11-20T11:02:33Z", 0},
		{"cloudtrail-glue-create-dev-endpoint-compliant.json", KindCloudTrail, "7a2c3d4e-1b2c-4d5e-9f0a-1b2c3d4e5f60", "aws.glue", "444455556666", "2026-11-20T10:15:02Z", 0},
		{"cloudtrail-glue-create-dev-endpoint-insecure.json", KindCloudTrail, "6f1b2c3d-0a1b-4c5d-8e9f-0a1b2c3d4e5f", "aws.glue", "444455556666", "2026-11-20T10:15:02Z", 0},
		{"cloudtrail-s3-put-bucket-policy-public.json", KindCloudTrail, "11111111-2222-4333-8444-555555555503", "aws.s3", "444455556666", "2026-11-20T11:02:33Z", 0},
		{"config-compliance-change-s3-public-read.json", KindConfigCompliance, "55555555-6666-4777-8888-999999999901", "aws.config", "444455556666", "2026-11-20T13:00:00Z", 0},
		{"guardduty-instance-credential-exfiltration.json", KindGuardDuty, "44444444-5555-4666-8777-888888888801", "aws.guardduty", "444455556666", "2026-11-20T12:30:00Z", 0},
		{"securityhub-custom-action-ec2.13.json", KindSecurityHubCustomAction, "33333333-4444-4555-8666-777777777701", "aws.securityhub", "111122223333", "2026-11-20T08:00:06Z", 1},
		{"securityhub-imported-ec2.13.json", KindSecurityHubImported, "22222222-3333-4444-8555-666666666600", "aws.securityhub", "111122223333", "2026-11-20T08:00:06Z", 1},
		{"securityhub-imported-ec2.2.json", KindSecurityHubImported, "22222222-3333-4444-8555-666666666601", "aws.securityhub", "111122223333", "2026-11-20T08:00:06Z", 1},
		{"securityhub-imported-ec2.7.json", KindSecurityHubImported, "22222222-3333-4444-8555-666666666603", "aws.securityhub", "111122223333", "2026-11-20T08:00:06Z", 1},
		{"securityhub-imported-iam.14.json", KindSecurityHubImported, "22222222-3333-4444-8555-666666666602", "aws.securityhub", "111122223333", "2026-11-20T08:00:06Z", 1},
		{"securityhub-imported-rds.5.json", KindSecurityHubImported, "22222222-3333-4444-8555-666666666605", "aws.securityhub", "111122223333", "2026-11-20T08:00:06Z", 1},
		{"securityhub-imported-s3.1.json", KindSecurityHubImported, "22222222-3333-4444-8555-666666666604", "aws.securityhub", "111122223333", "2026-11-20T08:00:06Z", 1},
		{"ta-exposed-access-keys.json", KindTrustedAdvisor, "1234abcd-ab12-123a-123a-1234567890ab", "aws.trustedadvisor", "444455556666", "2026-11-20T19:38:24Z", 0},
	}
	files, err := filepath.Glob(filepath.Join(samples, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d sample files, %d table rows: every sample needs a row", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := readSample(t, tt.file)
			e := mustParse(t, b)
			if !bytes.Equal(e.Raw, b) {
				t.Error("Raw differs from the input")
			}
			if &e.Raw[0] == &b[0] {
				t.Error("Raw aliases the caller's buffer")
			}
			if got := e.Kind(); got != tt.kind {
				t.Errorf("Kind = %v, want %v", got, tt.kind)
			}
			if e.Version != "0" || e.ID != tt.id || e.Source != tt.source || e.Account != tt.account || e.Region != "us-east-1" {
				t.Errorf("envelope = %q %q %q %q %q", e.Version, e.ID, e.Source, e.Account, e.Region)
			}
			if want, _ := time.Parse(time.RFC3339, tt.time); !e.Time.Equal(want) {
				t.Errorf("Time = %v, want %v", e.Time, want)
			}
			if len(e.Resources) != tt.resources {
				t.Errorf("Resources = %q, want %d", e.Resources, tt.resources)
			}
			var detail map[string]any
			if err := json.Unmarshal(e.Detail, &detail); err != nil || len(detail) == 0 {
				t.Errorf("Detail is not a non-empty object: %v", err)
			}
			var whole struct{ Detail json.RawMessage }
			if err := json.Unmarshal(b, &whole); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(e.Detail, whole.Detail) {
				t.Error("Detail differs from the detail field of the input")
			}
		})
	}
}

func TestParseEnvelopeDetails(t *testing.T) {
	t.Run("unknown top-level fields are kept", func(t *testing.T) {
		b := []byte(`{"id":"x","source":"my.app","detail-type":"Thing","account":"123456789012","detail":{},"replay-name":"r1","extra":{"n":[1,2]}}`)
		e := mustParse(t, b)
		if e.Kind() != KindUnknown {
			t.Errorf("Kind = %v", e.Kind())
		}
		m, err := e.Map()
		if err != nil {
			t.Fatal(err)
		}
		if m["replay-name"] != "r1" {
			t.Errorf("replay-name = %v", m["replay-name"])
		}
	})
	t.Run("escaped strings and keys", func(t *testing.T) {
		b := []byte(`{"\u0069d":"a\"b","source":"aws.guardduty","detail-type":"GuardDuty Finding","account":"123456789012","region":"eu-west-1","resources":["arn:aws:s3:::b\u00e9"],"detail":{}}`)
		e := mustParse(t, b)
		if e.ID != `a"b` || e.Resources[0] != "arn:aws:s3:::bé" || e.Kind() != KindGuardDuty {
			t.Errorf("got id %q resources %q kind %v", e.ID, e.Resources, e.Kind())
		}
	})
	t.Run("null optional fields", func(t *testing.T) {
		e := mustParse(t, []byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{},"time":null,"resources":null,"region":null,"version":null}`))
		if !e.Time.IsZero() || e.Resources != nil || e.Region != "" {
			t.Errorf("got %v %v %q", e.Time, e.Resources, e.Region)
		}
	})
	t.Run("fractional seconds", func(t *testing.T) {
		e := mustParse(t, []byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{},"time":"2026-11-20T12:29:30.123Z"}`))
		if e.Time.Nanosecond() != 123000000 {
			t.Errorf("Time = %v", e.Time)
		}
	})
	t.Run("a custom source cannot pass for AWS", func(t *testing.T) {
		e := mustParse(t, []byte(`{"id":"x","source":"evil.app","detail-type":"GuardDuty Finding","account":"123456789012","detail":{}}`))
		if e.Kind() != KindUnknown {
			t.Errorf("Kind = %v", e.Kind())
		}
		e = mustParse(t, []byte(`{"id":"x","source":"evil.app","detail-type":"AWS API Call via CloudTrail","account":"123456789012","detail":{}}`))
		if e.Kind() != KindUnknown {
			t.Errorf("Kind = %v", e.Kind())
		}
	})
}

func TestParseErrors(t *testing.T) {
	valid := `"id":"x","source":"aws.ec2","detail-type":"d","account":"123456789012"`
	tests := []struct {
		name  string
		in    string
		field string
		msg   string // substring of the error message
	}{
		{"empty", "", "", "empty body"},
		{"blank", " \n", "", "empty body"},
		{"truncated", `{"id":"x",`, "", "malformed JSON at offset"},
		{"garbage", `not json`, "", "malformed JSON"},
		{"trailing", `{} {}`, "", "malformed JSON"},
		{"array", `[1,2]`, "", "must be a JSON object, got array"},
		{"string", `"hi"`, "", "must be a JSON object, got string"},
		{"missing id", `{"source":"s","detail-type":"d","account":"123456789012","detail":{}}`, "id", "missing"},
		{"empty id", `{"id":"","source":"s","detail-type":"d","account":"123456789012","detail":{}}`, "id", "missing"},
		{"missing source", `{"id":"x","detail-type":"d","account":"123456789012","detail":{}}`, "source", "missing"},
		{"missing detail-type", `{"id":"x","source":"s","account":"123456789012","detail":{}}`, "detail-type", "missing"},
		{"missing account", `{"id":"x","source":"s","detail-type":"d","detail":{}}`, "account", "missing"},
		{"missing detail", `{` + valid + `}`, "detail", "missing"},
		{"null detail", `{` + valid + `,"detail":null}`, "detail", "missing"},
		{"detail string", `{` + valid + `,"detail":"x"}`, "detail", `must be a JSON object, got string "\"x\""`},
		{"detail array", `{` + valid + `,"detail":[]}`, "detail", "got array"},
		{"id number", `{"id":42,"source":"s","detail-type":"d","account":"123456789012","detail":{}}`, "id", `must be a string, got number "42"`},
		{"source object", `{"id":"x","source":{"a":1},"detail-type":"d","account":"123456789012","detail":{}}`, "source", "got object"},
		{"account number", `{"id":"x","source":"s","detail-type":"d","account":123456789012,"detail":{}}`, "account", `got number "123456789012"`},
		{"account short", `{"id":"x","source":"s","detail-type":"d","account":"12345","detail":{}}`, "account", `"12345" is not a 12-digit AWS account id`},
		{"account letters", `{"id":"x","source":"s","detail-type":"d","account":"12345678901a","detail":{}}`, "account", `"12345678901a"`},
		{"region bool", `{` + valid + `,"region":true,"detail":{}}`, "region", "got boolean"},
		{"time not RFC 3339", `{` + valid + `,"time":"20/11/2026","detail":{}}`, "time", `"20/11/2026" is not an RFC 3339 timestamp`},
		{"time number", `{` + valid + `,"time":1763667899,"detail":{}}`, "time", "must be a string"},
		{"resources string", `{` + valid + `,"resources":"arn:aws:s3:::b","detail":{}}`, "resources", "must be an array of strings"},
		{"resources of numbers", `{` + valid + `,"resources":["a",7],"detail":{}}`, "resources[1]", `got number "7"`},
		{"too large", `{` + valid + `,"detail":{"pad":"` + strings.Repeat("x", MaxSize) + `"}}`, "", "exceeds the 1048576-byte"},

		// Limits on the envelope's strings.
		{"id too long", env("id", strings.Repeat("a", MaxIDLen+1)), "id", "129 bytes long; the limit is 128"},
		{"id of a megabyte", env("id", strings.Repeat("a", 1<<20-200)), "id", "the limit is 128"},
		{"id with an escape sequence", env("id", "\\u001b[2Jx"), "id", `"\x1b[2Jx" has byte 0x1b at offset 0`},
		{"id with a space", env("id", "a b"), "id", "has byte 0x20 at offset 1"},
		{"id with DEL", env("id", "a\u007f"), "id", "has byte 0x7f"},
		{"id not ASCII", env("id", "é"), "id", "has byte 0xc3 at offset 0"},
		{"source too long", env("source", strings.Repeat("s", MaxSourceLen+1)), "source", "257 characters long; the limit is 256"},
		{"source with a newline", env("source", "a\\nb"), "source", `"a\nb" has the non-printing character U+000A at offset 1`},
		{"source with a C1 control", env("source", "a\u009bb"), "source", "U+009B"},
		{"source not UTF-8", env("source", "a\xffb"), "source", "is not valid UTF-8"},
		{"detail-type too long", env("detail-type", strings.Repeat("é", MaxDetailTypeLen+1)), "detail-type", "129 characters long; the limit is 128"},
		{"detail-type with a bidi override", env("detail-type", "GuardDuty \u202eFinding"), "detail-type", "U+202E at offset 10"},
		{"detail-type with a zero-width space", env("detail-type", "a\u200bb"), "detail-type", "U+200B"},
		{"version too long", env("version", strings.Repeat("0", MaxVersionLen+1)), "version", "the limit is 32"},
		{"version with ESC", env("version", "\\u001b"), "version", "U+001B"},
		{"too many resources", `{` + valid + `,"resources":[` + strings.Repeat(`"a",`, MaxResources) + `"a"],"detail":{}}`, "resources", "more than 1000 entries"},
		{"resource too long", `{` + valid + `,"resources":["a","` + strings.Repeat("r", MaxResourceLen+1) + `"],"detail":{}}`, "resources[1]", "2049 characters long; the limit is 2048"},
		{"resource with ESC", `{` + valid + `,"resources":["arn:aws:s3:::b\u001b]0;x\u0007"],"detail":{}}`, "resources[0]", "U+001B"},
		{"region path", env("region", "../../etc"), "region", `"../../etc" is not an AWS region name`},
		{"region upper case", env("region", "US-EAST-1"), "region", "not an AWS region name"},
		{"region without number", env("region", "us-east"), "region", "not an AWS region name"},
		{"region two parts", env("region", "local-1"), "region", "not an AWS region name"},
		{"region double hyphen", env("region", "us--east-1"), "region", "not an AWS region name"},
		{"region trailing hyphen", env("region", "us-east-1-"), "region", "not an AWS region name"},
		{"region digit inside", env("region", "us-e4st-1"), "region", "not an AWS region name"},
		{"region one-letter first part", env("region", "u-east-1"), "region", "not an AWS region name"},
		{"region too long", env("region", "us-"+strings.Repeat("a", MaxRegionLen)+"-1"), "region", "not an AWS region name"},
		{"region with ESC", env("region", "us-east-1\\u001b[2J"), "region", `"us-east-1\x1b[2J"`},
		{"account thirteen digits", env("account", "1234567890123"), "account", "is not a 12-digit"},
		{"account with ESC", env("account", "\\u001b[2J12345678"), "account", `"\x1b[2J12345678" is not a 12-digit`},

		// Duplicate keys, at any depth.
		{"duplicate detail", `{` + valid + `,"detail":{"status":"WARN"},"detail":{"status":"OK"}}`, "detail", `duplicate key "detail"`},
		{"duplicate id", `{"id":"a",` + valid[9:] + `,"id":"b","detail":{}}`, "id", `duplicate key "id"`},
		{"duplicate unknown top-level key", `{` + valid + `,"x":1,"detail":{},"x":2}`, "x", `duplicate key "x"`},
		{"duplicate deep in detail", `{` + valid + `,"detail":{"a":{"b":{"c":1,"d":2,"c":3}}}}`, "detail.a.b.c", `duplicate key "c"`},
		{"duplicate in an array element", `{` + valid + `,"detail":{"findings":[{"Id":"1"},{"Id":"2","Resources":[{"Type":"t"},{"Id":"x","Type":"a","Id":"y"}]}]}}`, "detail.findings[1].Resources[1].Id", `duplicate key "Id"`},
		{"duplicate spelled with an escape", `{` + valid + `,"detail":{"status":"WARN","\u0073tatus":"OK"}}`, "detail.status", `duplicate key "status"`},
		{"duplicate escaped both times", `{` + valid + `,"detail":{"\u00e9":1,"\u00E9":2}}`, `detail["é"]`, `duplicate key "é"`},
		{"duplicate invalid UTF-8", `{` + valid + "," + `"detail":{"` + "\xff" + `":1,"` + "\xfe" + `":2}}`, `detail["�"]`, "duplicate key"},
		{"duplicate among many keys", `{` + valid + `,"detail":{` + manyKeys(100) + `,"k57":0}}`, "detail.k57", `duplicate key "k57"`},
		{"duplicate key with dots", `{` + valid + `,"detail":{"a.b":1,"a.b":2}}`, `detail["a.b"]`, `duplicate key "a.b"`},
		{"duplicate key with ESC", `{` + valid + `,"detail":{"\u001b[2J":1,"\u001b[2J":2}}`, `detail["\x1b[2J"]`, `duplicate key "\x1b[2J"`},
		{"duplicate empty key", `{` + valid + `,"detail":{"":1,"":2}}`, `detail[""]`, `duplicate key ""`},
		{"duplicate long key", `{` + valid + `,"detail":{"` + strings.Repeat("k", 100) + `":1,"` + strings.Repeat("k", 100) + `":2}}`,
			`detail["` + strings.Repeat("k", 64) + `"...]`, `duplicate key "` + strings.Repeat("k", 64) + `"...`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", e)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			if pe.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", pe.Field, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if tt.field != "" && !strings.Contains(err.Error(), tt.field+":") {
				t.Errorf("error %q does not name the field %q", err, tt.field)
			}
			for _, r := range err.Error() {
				if r != ' ' && !unicode.IsPrint(r) {
					t.Errorf("error %q holds the unprintable character %U", err, r)
				}
			}
		})
	}
}

func TestParseSizeLimit(t *testing.T) {
	head := `{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{"pad":"`
	tail := `"}}`
	atLimit := head + strings.Repeat("x", MaxSize-len(head)-len(tail)) + tail
	if len(atLimit) != MaxSize {
		t.Fatalf("len = %d", len(atLimit))
	}
	if _, err := Parse([]byte(atLimit)); err != nil {
		t.Errorf("an event of exactly MaxSize bytes: %v", err)
	}
	over := head + strings.Repeat("x", MaxSize-len(head)-len(tail)+1) + tail
	if _, err := Parse([]byte(over)); err == nil {
		t.Error("an event of MaxSize+1 bytes was accepted")
	}
}

func TestMap(t *testing.T) {
	b := []byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{"port":22,"big":18446744073709551615,"neg":-3,"ratio":0.5,"exp":1e3,"ms":1763754299248,"list":[1,"a",null,true],"nested":{"n":7}},"top":9007199254740993}`)
	e := mustParse(t, b)
	m, err := e.Map()
	if err != nil {
		t.Fatal(err)
	}
	d := m["detail"].(map[string]any)
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"port", d["port"], int64(22)},
		{"big", d["big"], float64(18446744073709551615)},
		{"neg", d["neg"], int64(-3)},
		{"ratio", d["ratio"], 0.5},
		{"exp", d["exp"], float64(1000)},
		{"ms", d["ms"], int64(1763754299248)},
		{"list[0]", d["list"].([]any)[0], int64(1)},
		{"list[2]", d["list"].([]any)[2], nil},
		{"nested.n", d["nested"].(map[string]any)["n"], int64(7)},
		{"top", m["top"], int64(9007199254740993)},
		{"account", m["account"], "123456789012"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	again, _ := e.Map()
	again["probe"] = true
	if m["probe"] != true {
		t.Error("Map is not cached: a second call returned a different map")
	}
}

func TestMapNumberOutOfRange(t *testing.T) {
	e := mustParse(t, []byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{"a":[0,{"b":1e400}]}}`))
	_, err := e.Map()
	var pe *Error
	if !errors.As(err, &pe) || pe.Field != "detail.a[1].b" || !strings.Contains(err.Error(), `"1e400"`) {
		t.Errorf("err = %v", err)
	}
}

func TestKindString(t *testing.T) {
	for k := KindUnknown; k <= KindAccessAnalyzer; k++ {
		if s := k.String(); s == "" || strings.HasPrefix(s, "Kind(") {
			t.Errorf("Kind %d has no name", int(k))
		}
	}
	if s := Kind(99).String(); s != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", s)
	}
}

// env returns a valid event whose field is set to the JSON string literal
// with the given contents (escapes written as in JSON).
func env(field, literal string) string {
	m := map[string]string{"id": "x", "source": "aws.ec2", "detail-type": "d", "account": "123456789012"}
	m[field] = literal
	var b strings.Builder
	b.WriteString("{")
	for _, k := range []string{"version", "id", "source", "detail-type", "account", "region"} {
		if v, ok := m[k]; ok {
			b.WriteString(`"` + k + `":"` + v + `",`)
		}
	}
	b.WriteString(`"detail":{}}`)
	return b.String()
}

// manyKeys returns n distinct members "k0":0, "k1":1, ... of an object.
func manyKeys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"k` + strconv.Itoa(i) + `":` + strconv.Itoa(i)
	}
	return strings.Join(parts, ",")
}

func TestParseLimitsAccepted(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"id of 128 bytes", env("id", strings.Repeat("~", MaxIDLen))},
		{"id of a UUID", env("id", "6a7e8feb-b491-4cf7-a9f1-bf3703467718")},
		{"source of 256 characters", env("source", strings.Repeat("s", MaxSourceLen))},
		{"detail-type of 128 characters", env("detail-type", strings.Repeat("é", MaxDetailTypeLen))},
		{"detail-type with spaces and accents", env("detail-type", "Détail type · ünïcode")},
		{"version of 32 characters", env("version", strings.Repeat("0", MaxVersionLen))},
		{"1000 resources", `{"id":"x","source":"s","detail-type":"d","account":"123456789012","resources":[` + strings.Repeat(`"a",`, MaxResources-1) + `"a"],"detail":{}}`},
		{"resource of 2048 characters", `{"id":"x","source":"s","detail-type":"d","account":"123456789012","resources":["` + strings.Repeat("r", MaxResourceLen) + `",""],"detail":{}}`},
		{"region us-east-1", env("region", "us-east-1")},
		{"region us-gov-west-1", env("region", "us-gov-west-1")},
		{"region cn-northwest-1", env("region", "cn-northwest-1")},
		{"region us-isob-east-1", env("region", "us-isob-east-1")},
		{"region eusc-de-east-1", env("region", "eusc-de-east-1")},
		{"region ap-southeast-5", env("region", "ap-southeast-5")},
		{"same key in different objects", env("id", "x")[:len(env("id", "x"))-3] + `{"a":{"a":1},"b":[{"a":1},{"a":2,"b":{"a":3}}],"c":{"a":[{"a":1}]}}}`},
		{"many keys, none repeated", env("id", "x")[:len(env("id", "x"))-3] + `{` + manyKeys(300) + `,"nested":{` + manyKeys(40) + `,"deeper":{` + manyKeys(200) + `}}}}`},
		{"keys that differ only in case", env("id", "x")[:len(env("id", "x"))-3] + `{"Name":"a","name":"b","NAME":"c"}}`},
		{"keys that share a prefix and a length", env("id", "x")[:len(env("id", "x"))-3] + `{"abcdefgh-1-ijklmnop":1,"abcdefgh-2-ijklmnop":2}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.in)); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestIsRegion(t *testing.T) {
	for _, s := range []string{"us-east-1", "eu-central-2", "il-central-1", "mx-central-1", "us-iso-east-1", "eu-isoe-west-1", "us-isof-south-1", "ap-northeast-3"} {
		if !IsRegion(s) {
			t.Errorf("IsRegion(%q) = false", s)
		}
	}
	for _, s := range []string{"", "us", "us-east", "us-east-", "-us-east-1", "us-east-1a", "us_east_1", "Us-east-1", "us-east-01x", "../../etc", "us-east-1/", "aws-global", "us-east-1\n"} {
		if IsRegion(s) {
			t.Errorf("IsRegion(%q) = true", s)
		}
	}
}
