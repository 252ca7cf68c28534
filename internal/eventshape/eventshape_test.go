package eventshape

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite shapes.json from the sample events")

// sampleGlobs are the project's sample events.
var sampleGlobs = []string{
	"../event/testdata/events/*.json",
	"../catalog/testdata/*/*.json",
	"../demo/events/*.json",
}

// sampleShapes reads the sample events and returns their shapes.
func sampleShapes(t *testing.T) []shape {
	t.Helper()
	type key struct{ source, detailType string }
	byKey := map[key]map[string]bool{}
	n := 0
	for _, g := range sampleGlobs {
		files, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var ev struct {
				Source     string         `json:"source"`
				DetailType string         `json:"detail-type"`
				Detail     map[string]any `json:"detail"`
			}
			if json.Unmarshal(data, &ev) != nil || ev.Source == "" || ev.DetailType == "" || ev.Detail == nil {
				continue // not an event: an expectation, or a malformed sample on purpose
			}
			n++
			k := key{ev.Source, ev.DetailType}
			if byKey[k] == nil {
				byKey[k] = map[string]bool{}
			}
			paths(ev.Detail, "", byKey[k])
		}
	}
	if n < 20 {
		t.Fatalf("only %d sample events found", n)
	}
	var out []shape
	for k, keys := range byKey {
		s := shape{Source: k.source, DetailType: k.detailType}
		kn := known{open: open(k.detailType)}
		for p := range keys {
			if !kn.isOpen(p) || slices.Contains(kn.open, p) { // the free-form parts are not checked: their insides are left out
				s.Keys = append(s.Keys, p)
			}
		}
		sort.Strings(s.Keys)
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].DetailType < out[j].DetailType
	})
	return out
}

// paths adds every path of object keys in v, seeing through arrays.
func paths(v any, prefix string, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			into[p] = true
			paths(e, p, into)
		}
	case []any:
		for _, e := range v {
			paths(e, prefix, into)
		}
	}
}

// TestShapes checks that shapes.json knows every key of every sample event;
// -update rewrites it from the samples.
func TestShapes(t *testing.T) {
	want := sampleShapes(t)
	if *update {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", " ")
		if err := enc.Encode(shapeFile{Shapes: want}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("shapes.json", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have := map[string]map[string]bool{}
	for _, s := range shapes() {
		m := map[string]bool{}
		for _, k := range s.Keys {
			m[k] = true
		}
		have[s.Source+"|"+s.DetailType] = m
	}
	for _, s := range want {
		var missing []string
		for _, k := range s.Keys {
			if !have[s.Source+"|"+s.DetailType][k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			t.Errorf("shapes.json lacks keys of the samples of %s (%s): %s; run: go test ./internal/eventshape -run TestShapes -update",
				s.Source, s.DetailType, strings.Join(missing, ", "))
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    []string // "path: message part"
	}{
		{"envelope typo", `{"source":["aws.ec2"],"detail_type":["AWS API Call via CloudTrail"]}`,
			[]string{`detail_type: EventBridge events have no key "detail_type" (did you mean "detail-type"?)`}},
		{"envelope case", `{"Source":["aws.ec2"]}`, []string{`Source: EventBridge events have no key "Source" (did you mean "source"?)`}},
		{"unknown envelope key", `{"source":["aws.ec2"],"severity":[8]}`, []string{`severity: EventBridge events have no key "severity", so this never matches`}},
		{"a correct CloudTrail pattern", `{"source":["aws.ec2"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["AuthorizeSecurityGroupIngress"],"requestParameters":{"groupId":[{"exists":true}]}}}`, nil},
		{"detail key in the wrong case", `{"source":["aws.ec2"],"detail":{"eventname":["AuthorizeSecurityGroupIngress"]}}`,
			[]string{`detail.eventname: no sample event of aws.ec2 (AWS API Call via CloudTrail) has detail.eventname (did you mean "eventName"?)`}},
		{"nested detail typo", `{"source":["aws.guardduty"],"detail":{"resource":{"resourceTyp":["Instance"]}}}`,
			[]string{`detail.resource.resourceTyp: no sample event of aws.guardduty (GuardDuty Finding) has detail.resource.resourceTyp (did you mean "resourceType"?)`}},
		{"finding fields through the array", `{"source":["aws.securityhub"],"detail":{"findings":{"Compliance":{"Status":["FAILED"]},"Severity":{"Label":["HIGH"]},"ProductFields":{"anything":["x"]}}}}`, nil},
		{"a documented ASFF field no sample has", `{"source":["aws.securityhub"],"detail":{"findings":{"Vulnerabilities":{"Cvss":{"BaseScore":[{"numeric":[">",7]}]}}}}}`, nil},
		{"an ASFF typo", `{"source":["aws.securityhub"],"detail":{"findings":{"Severity":{"label":["HIGH"]}}}}`,
			[]string{`detail.findings.Severity.label: no sample event`, `(did you mean "Label"?)`}},
		{"a documented CloudTrail field no sample has", `{"detail-type":["AWS API Call via CloudTrail"],"source":["aws.iam"],"detail":{"errorCode":[{"exists":true}],"userIdentity":{"invokedBy":["x"]}}}`, nil},
		{"another source's CloudTrail call: common keys known", `{"source":["aws.iam"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventNme":["CreateUser"]}}`,
			[]string{`detail.eventNme: no sample event of`, `(did you mean "eventName"?)`}},
		{"a source without samples: the detail is not checked", `{"source":["aws.inspector2"],"detail":{"anything":["x"]}}`, nil},
		{"no source: the detail is not checked", `{"detail":{"anything":["x"]}}`, nil},
		{"absent on purpose", `{"source":["aws.ec2"],"detail":{"errorCod":[{"exists":false}]}}`, nil},
		{"in an $or branch", `{"source":["aws.ec2"],"$or":[{"detail":{"eventName":["A"]}},{"detail":{"evntName":["B"]}}]}`,
			[]string{`$or.1.detail.evntName: no sample event`}},
		{"no suggestion", `{"source":["aws.ec2"],"detail":{"zzzzzz":["x"]}}`,
			[]string{`detail.zzzzzz: no sample event of aws.ec2 (AWS API Call via CloudTrail) has detail.zzzzzz; is it spelt as in the events?`}},
		{"not an object", `[1]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notes := Check([]byte(tt.pattern))
			var got []string
			for _, n := range notes {
				got = append(got, strings.Join(n.Path, ".")+": "+n.Msg)
			}
			if len(tt.want) == 0 {
				if len(got) > 0 {
					t.Errorf("Check = %q, want no notes", got)
				}
				return
			}
			all := strings.Join(got, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("Check = %q, want a note containing %q", got, w)
				}
			}
			if len(got) != 1 {
				t.Errorf("Check = %q, want one note", got)
			}
		})
	}
}

// TestCheckSamples checks that a pattern naming every key of a sample event
// gets no note: the samples' own keys are known.
func TestCheckSamples(t *testing.T) {
	for _, s := range sampleShapes(t) {
		for _, k := range s.Keys {
			p := map[string]any{"source": []any{s.Source}, "detail-type": []any{s.DetailType}}
			cur := map[string]any{}
			p["detail"] = cur
			parts := strings.Split(k, ".")
			for i, part := range parts {
				if i == len(parts)-1 {
					cur[part] = []any{map[string]any{"exists": true}}
					break
				}
				next := map[string]any{}
				cur[part] = next
				cur = next
			}
			b, _ := json.Marshal(p)
			if notes := Check(b); len(notes) > 0 {
				t.Errorf("%s (%s): key %s: %v", s.Source, s.DetailType, k, notes)
			}
		}
	}
}
