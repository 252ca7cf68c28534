package intake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/intake"
	"github.com/rectify-dev/rectify/internal/store"
)

// post sends a request to h and decodes the answer.
func do(t *testing.T, h http.Handler, method, path string, body io.Reader, header map[string]string) (int, http.Header, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: answer %q is not a JSON object: %v", method, path, rec.Body.String(), err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type = %q", method, path, ct)
	}
	return rec.Code, rec.Header(), out
}

// outcomes decodes a Response.
func outcomes(t *testing.T, body map[string]any) []intake.Outcome {
	t.Helper()
	b, _ := json.Marshal(body)
	var r intake.Response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r.Events
}

func TestHTTPEvents(t *testing.T) {
	e := newEnv(t)
	h := intake.NewHTTP(e.eng, intake.HTTPOptions{Logger: discard()})

	tests := []struct {
		name        string
		body        string
		contentType string
		code        int
		// want is each event's "status/run status" ("-" without runs).
		want []string
	}{
		{"one event", thing("e1", "a"), "application/json", 200, []string{"matched/succeeded"}},
		{"redelivered", thing("e1", "a"), "application/json", 200, []string{"duplicate/succeeded"}},
		{"array", "[" + thing("e2", "b") + ",\n" + thing("e3", "c") + "]", "", 200,
			[]string{"matched/succeeded", "matched/succeeded"}},
		{"json lines with a bad line", thing("e4", "d") + "\n{\"id\":\n\n" + thing("e5", "e") + "\n", "", 400,
			[]string{"matched/succeeded", "rejected/-", "matched/succeeded"}},
		{"ndjson, bad first line", "nope\n" + thing("e6", "f"), "application/x-ndjson", 400,
			[]string{"rejected/-", "matched/succeeded"}},
		{"malformed", `{"id":`, "application/json", 400, []string{"rejected/-"}},
		{"not an event", `{"id":"x"}`, "application/json", 400, []string{"rejected/-"}},
		{"unmatched", other("e7"), "application/json", 200, []string{"unmatched/-"}},
		{"remediation fails", thing("e8", "fail"), "", 200, []string{"matched/failed"}},
		{"handler panics", thing("e9", "panic"), "", 500, []string{"error/-"}},
		{"json lines, bad first line, no content type", "nope\n" + thing("e10", "g") + "\n" + thing("e11", "h") + "\n", "", 400,
			[]string{"rejected/-", "matched/succeeded", "matched/succeeded"}},
		{"json lines, bad first line, sent as JSON", "{\"id\":\n" + thing("e12", "i") + "\r\n" + other("e13") + "\r\n", "application/json", 400,
			[]string{"rejected/-", "matched/succeeded", "unmatched/-"}},
		{"array, bad element", "[\n" + thing("e14", "j") + ",\n{broken,\n" + thing("e15", "k") + "\n]", "application/json", 400,
			[]string{"matched/succeeded", "rejected/-", "matched/succeeded"}},
		{"array, bad event among good", "[" + thing("e16", "l") + "," + `{"id":"e17"}` + "," + thing("e18", "m") + "]", "", 400,
			[]string{"matched/succeeded", "rejected/-", "matched/succeeded"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := do(t, h, "POST", "/events", strings.NewReader(tc.body), map[string]string{"Content-Type": tc.contentType})
			if code != tc.code {
				t.Errorf("code = %d, want %d; body %v", code, tc.code, body)
			}
			outs := outcomes(t, body)
			var got []string
			for i, o := range outs {
				if o.Index != i {
					t.Errorf("event %d has index %d", i, o.Index)
				}
				if o.Line == 0 {
					t.Errorf("event %d has no line", i)
				}
				rs := "-"
				if len(o.Runs) > 0 {
					rs = o.Runs[0].Status
					if o.Runs[0].Playbook != "touch" || o.Runs[0].RunID == "" || o.Runs[0].Target.Account != "123456789012" {
						t.Errorf("event %d: run %+v lacks playbook, run id or target", i, o.Runs[0])
					}
				}
				if o.ID == "" && o.Status != intake.StatusError {
					t.Errorf("event %d has no id", i)
				}
				if (o.Status == "rejected" || o.Status == intake.StatusError) != (o.Error != "") {
					t.Errorf("event %d: status %s with error %q", i, o.Status, o.Error)
				}
				got = append(got, o.Status+"/"+rs)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("events = %v, want %v", got, tc.want)
			}
		})
	}
	for name, n := range map[string]int{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1, "h": 1, "i": 1, "j": 1, "k": 1, "l": 1, "m": 1} {
		if got := e.count(name); got != n {
			t.Errorf("%s touched %d times, want %d", name, got, n)
		}
	}
	// Every rejected input is recorded: the bad line, the bad first lines,
	// the malformed body, the bad array elements and the bodies that are
	// not events.
	if n := e.events(t, store.EventRejected); n != 8 {
		t.Errorf("%d rejected events recorded, want 8", n)
	}
}

func TestHTTPRejectsBadEnvelopes(t *testing.T) {
	e := newEnv(t)
	h := intake.NewHTTP(e.eng, intake.HTTPOptions{Logger: discard()})
	dup := strings.TrimSuffix(thing("d1", "fail"), "}") + `,"detail":{"name":"n"}}`
	tests := []struct {
		name, body, errPart string
	}{
		{"duplicate detail", dup, `invalid event: detail: duplicate key "detail"`},
		{"duplicate inside detail", strings.Replace(thing("d2", "n"), `{"name":"n"}`, `{"name":"n","x":[{"a":1,"a":2}]}`, 1),
			`invalid event: detail.x[0].a: duplicate key "a"`},
		{"region is a path", strings.Replace(thing("d3", "n"), `"us-east-1"`, `"../../etc"`, 1),
			`invalid event: region: "../../etc" is not an AWS region name`},
		{"id of 129 bytes", thing(strings.Repeat("i", 129), "n"), "invalid event: id: "},
		{"id with an escape sequence", strings.Replace(thing("d5", "n"), `"d5"`, `"\u001b[2Jd5"`, 1),
			`invalid event: id: "\x1b[2Jd5" has byte 0x1b`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := do(t, h, "POST", "/events", strings.NewReader(tc.body), nil)
			outs := outcomes(t, body)
			if code != 400 || len(outs) != 1 || outs[0].Status != "rejected" {
				t.Fatalf("code %d, outcomes %+v; want one rejected event", code, outs)
			}
			if !strings.Contains(outs[0].Error, tc.errPart) {
				t.Errorf("error = %q, want one containing %q", outs[0].Error, tc.errPart)
			}
		})
	}
	if e.count("fail") != 0 || e.count("n") != 0 {
		t.Errorf("touched = %v: a rejected event was acted on", e.touched)
	}
	if n := e.events(t, store.EventRejected); n != len(tests) {
		t.Errorf("%d rejected events recorded, want %d", n, len(tests))
	}
}

func TestHTTPRunDetail(t *testing.T) {
	e := newEnv(t)
	h := intake.NewHTTP(e.eng, intake.HTTPOptions{Logger: discard()})
	_, _, body := do(t, h, "POST", "/events", strings.NewReader(thing("e1", "fail")), nil)
	outs := outcomes(t, body)
	if len(outs) != 1 || len(outs[0].Runs) != 1 {
		t.Fatalf("outcomes = %+v", outs)
	}
	o, r := outs[0], outs[0].Runs[0]
	want := intake.TargetInfo{Account: "123456789012", Region: "us-east-1", Type: "AWS::::Account", ID: "123456789012"}
	if o.ID != "e1" || o.Status != "matched" || r.Mode != "auto" || r.Target != want || r.Status != "failed" {
		t.Errorf("outcome = %+v", o)
	}
	if !strings.Contains(r.Error, "the thing resists") {
		t.Errorf("run error = %q, want the action's failure", r.Error)
	}
}

func TestHTTPLimits(t *testing.T) {
	e := newEnv(t)
	h := intake.NewHTTP(e.eng, intake.HTTPOptions{MaxBody: 1024, MaxEvents: 2, Logger: discard()})
	big := strings.Repeat(" ", 1025)
	ev := thing("e1", "a")
	tests := []struct {
		name    string
		body    io.Reader
		code    int
		errPart string
	}{
		{"too large", strings.NewReader(big), 413, "limit of 1 KiB (1024 bytes)"},
		{"too large, length unknown", io.MultiReader(strings.NewReader(big)), 413, "limit of 1 KiB (1024 bytes)"},
		{"at the limit", strings.NewReader(ev + strings.Repeat(" ", 1024-len(ev))), 200, ""},
		{"too many events", strings.NewReader("1\n2\n3\n"), 413, "limit of 2 events"},
		{"empty", strings.NewReader(""), 400, "no event"},
		{"only blanks", strings.NewReader("\n \n"), 400, "no event"},
		{"empty array", strings.NewReader("[]"), 400, "no event"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := do(t, h, "POST", "/events", tc.body, nil)
			if code != tc.code {
				t.Errorf("code = %d, want %d; body %v", code, tc.code, body)
			}
			if tc.errPart != "" {
				if msg, _ := body["error"].(string); !strings.Contains(msg, tc.errPart) {
					t.Errorf("error = %q, want one containing %q", msg, tc.errPart)
				}
			}
		})
	}
	if n := e.events(t, store.EventRejected) + e.events(t, store.EventMatched); n != 1 {
		t.Errorf("%d events recorded, want only the one within the limits", n)
	}
}

func TestHTTPMethodsAndPaths(t *testing.T) {
	e := newEnv(t)
	h := intake.NewHTTP(e.eng, intake.HTTPOptions{Secret: "s3cret", Logger: discard()})
	tests := []struct {
		method, path string
		code         int
		allow        string
	}{
		{"GET", "/healthz", 200, ""},
		{"POST", "/healthz", 405, "GET, HEAD"},
		{"GET", "/events", 405, "POST"},
		{"PUT", "/events", 405, "POST"},
		{"DELETE", "/events", 405, "POST"},
		{"GET", "/", 404, ""},
		{"POST", "/events/x", 404, ""},
	}
	for _, tc := range tests {
		code, hdr, body := do(t, h, tc.method, tc.path, strings.NewReader(thing("e1", "a")), nil)
		if code != tc.code || hdr.Get("Allow") != tc.allow {
			t.Errorf("%s %s = %d (Allow %q), want %d (Allow %q); body %v", tc.method, tc.path, code, hdr.Get("Allow"), tc.code, tc.allow, body)
		}
	}
	if e.count("a") != 0 {
		t.Error("an event was handled by a request that should have been refused")
	}
}

func TestHTTPSecret(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	h := intake.NewHTTP(e.eng, intake.HTTPOptions{Secret: "s3cret", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	tests := []struct {
		name   string
		header map[string]string
		code   int
	}{
		{"none", nil, 401},
		{"wrong bearer", map[string]string{"Authorization": "Bearer nope"}, 401},
		{"longer bearer", map[string]string{"Authorization": "Bearer s3cret2"}, 401},
		{"basic scheme", map[string]string{"Authorization": "Basic s3cret"}, 401},
		{"bearer without token", map[string]string{"Authorization": "Bearer"}, 401},
		{"wrong header", map[string]string{intake.SecretHeader: "nope"}, 401},
		{"bearer", map[string]string{"Authorization": "Bearer s3cret"}, 200},
		{"bearer, lower case", map[string]string{"Authorization": "bearer s3cret"}, 200},
		{"header", map[string]string{intake.SecretHeader: "s3cret"}, 200},
		{"wrong bearer, right header", map[string]string{"Authorization": "Bearer nope", intake.SecretHeader: "s3cret"}, 401},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, hdr, body := do(t, h, "POST", "/events", strings.NewReader(thing("e"+strconv.Itoa(i), "n"+string(rune('a'+i)))), tc.header)
			if code != tc.code {
				t.Errorf("code = %d, want %d; body %v", code, tc.code, body)
			}
			if code == 401 && hdr.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if code, _, _ := do(t, h, "GET", "/healthz", nil, nil); code != 200 {
		t.Errorf("healthz without the secret = %d, want 200", code)
	}
	if e.events(t, store.EventMatched) != 3 {
		t.Errorf("%d events handled, want the 3 with the secret", e.events(t, store.EventMatched))
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("the secret was logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "shared secret") {
		t.Errorf("refusals were not logged:\n%s", logs.String())
	}
}

// FuzzHTTP checks that no body crashes the intake, every answer is JSON
// with an expected code, and, whatever the content type, no line that holds
// a whole JSON object is lost to bad lines around it (lines without the
// '{', '[' or '"' that could open a value spanning lines).
func FuzzHTTP(f *testing.F) {
	f.Add([]byte("nope\n"+thing("e6", "e")+"\n"+other("e7")), false)
	f.Add([]byte("[\n"+thing("e8", "f")+",\n{bad,\n"+other("e9")+"\n]"), false)
	f.Add([]byte(strings.TrimSuffix(thing("e10", "g"), "}")+`,"detail":{}}`), false)
	f.Add([]byte(thing("e1", "a")), false)
	f.Add([]byte("["+thing("e2", "b")+","+other("e3")+"]"), false)
	f.Add([]byte(thing("e4", "c")+"\n{\n"+thing("e5", "d")), true)
	f.Add([]byte(`{"id":`), false)
	f.Add([]byte("\xef\xbb\xbf[1,{},null]"), false)
	f.Add([]byte(`{"version":"0","id":"x","detail-type":"Thing","source":"test.app","account":"1","region":"r","detail":[]}`), false)
	e := newEnv(f)
	h := intake.NewHTTP(e.eng, intake.HTTPOptions{MaxBody: 64 << 10, MaxEvents: 20, Logger: discard()})
	f.Fuzz(func(t *testing.T, body []byte, lines bool) {
		req := httptest.NewRequest("POST", "/events", bytes.NewReader(body))
		if lines {
			req.Header.Set("Content-Type", "application/x-ndjson")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("code %d for body %q: %s", rec.Code, body, rec.Body.String())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %q", rec.Body.String())
		}
		if rec.Code == 413 {
			return
		}
		var resp intake.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		objects := 0
		for _, line := range bytes.Split(body, []byte("\n")) {
			line = bytes.Trim(line, " \t\r")
			switch {
			case len(line) > 0 && line[0] == '{' && json.Valid(line):
				objects++
			case bytes.ContainsAny(line, `{["`):
				return
			}
		}
		if len(resp.Events) < objects {
			t.Fatalf("%d lines hold a whole JSON object, %d events answered: %q", objects, len(resp.Events), body)
		}
	})
}
