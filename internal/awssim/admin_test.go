package awssim_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// admin sends a request to the Server's fault switch and decodes the
// answer into out.
func admin(t *testing.T, sim *awssim.Server, method, query, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, sim.URL+awssim.FaultsPath+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v", method, awssim.FaultsPath, err)
	}
	return resp.StatusCode
}

func TestFaultSwitchOverHTTP(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := iam.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}

	var rules []awssim.FaultRule
	if code := admin(t, sim, "GET", "", "", &rules); code != 200 || len(rules) != 0 {
		t.Fatalf("GET with no fault = %d %v", code, rules)
	}

	// Two failures of GetUser, then it works again; latency as a duration.
	body := `[{"service":"iam","op":"GetUser","fault":{"ErrorRate":1,"Times":2}},{"service":"sts","fault":{"Latency":"20ms"}}]`
	if code := admin(t, sim, "POST", "", body, &rules); code != 200 || len(rules) != 2 {
		t.Fatalf("POST = %d %+v", code, rules)
	}
	want := []awssim.FaultRule{
		{Service: "iam", Op: "GetUser", Fault: awssim.Fault{ErrorRate: 1, Times: 2}},
		{Service: "sts", Fault: awssim.Fault{Latency: 20 * time.Millisecond}},
	}
	if !reflect.DeepEqual(rules, want) || !reflect.DeepEqual(sim.Faults(), want) {
		t.Errorf("installed %+v, want %+v", rules, want)
	}
	for i := range 2 {
		_, err := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
		var re *smithyhttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
			t.Errorf("call %d with the fault: %v, want a server error", i+1, err)
		}
	}
	if _, err := cli.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}); err != nil {
		t.Errorf("third call, the fault spent: %v", err)
	}

	// A fault that can never apply is refused and changes nothing.
	var answer map[string]string
	for _, bad := range []string{
		`[{"service":"iamm","fault":{"ErrorRate":1}}]`,
		`[{"service":"iam","op":"GetUsr","fault":{"ErrorRate":1}}]`,
		`[{"service":"iam","fault":{"ErrorRate":2}}]`,
		`[{"service":"iam","fault":{"Latency":"soon"}}]`,
		`[{"service":"iam","fault":{"ErorRate":1}}]`,
		`not json`,
	} {
		if code := admin(t, sim, "POST", "", bad, &answer); code != 400 || answer["error"] == "" {
			t.Errorf("POST %s = %d %v, want 400 with an error", bad, code, answer)
		}
	}
	if len(sim.Faults()) != 2 {
		t.Errorf("refused rules changed the faults: %+v", sim.Faults())
	}

	// One object works as well as an array; DELETE of one, then of all.
	if code := admin(t, sim, "POST", "", `{"service":"iam","op":"CreateUser","fault":{"IgnoreWrites":true}}`, &rules); code != 200 || len(rules) != 3 {
		t.Errorf("POST of one rule = %d %+v", code, rules)
	}
	if code := admin(t, sim, "DELETE", "?service=sts", "", &rules); code != 200 || len(rules) != 2 {
		t.Errorf("DELETE ?service=sts = %d %+v", code, rules)
	}
	if code := admin(t, sim, "DELETE", "", "", &rules); code != 200 || len(rules) != 0 || len(sim.Faults()) != 0 {
		t.Errorf("DELETE = %d %+v", code, rules)
	}
	if code := admin(t, sim, "PATCH", "", "", &answer); code != http.StatusMethodNotAllowed {
		t.Errorf("PATCH = %d", code)
	}
	req, _ := http.NewRequest("GET", sim.URL+awssim.AdminPrefix+"nothing", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
		t.Errorf("GET of an unknown admin path = %v, %v", resp, err)
	}
}

func TestParseFaultRule(t *testing.T) {
	tests := []struct {
		spec string
		want awssim.FaultRule
		err  string
	}{
		{"iam:UpdateAccessKey=error=1,times=1", awssim.FaultRule{Service: "iam", Op: "UpdateAccessKey", Fault: awssim.Fault{ErrorRate: 1, Times: 1}}, ""},
		{"ec2=latency=200ms", awssim.FaultRule{Service: "ec2", Fault: awssim.Fault{Latency: 200 * time.Millisecond}}, ""},
		{"securityhub=rate=3,burst=6,per-account-region", awssim.FaultRule{Service: "securityhub", Fault: awssim.Fault{RateLimit: 3, Burst: 6, PerAccountRegion: true}}, ""},
		{"s3:PutBucketPolicy=ignore-writes,throttle=0.5", awssim.FaultRule{Service: "s3", Op: "PutBucketPolicy", Fault: awssim.Fault{IgnoreWrites: true, ThrottleRate: 0.5}}, ""},
		{"iam", awssim.FaultRule{}, "want SERVICE[:OPERATION]=SETTING"},
		{"iam=error=2", awssim.FaultRule{}, "error=2: want a probability"},
		{"iam=latency=soon", awssim.FaultRule{}, "latency=soon: want a duration"},
		{"iam=eror=1", awssim.FaultRule{}, `unknown setting "eror"`},
		{"iam=ignore-writes=yes", awssim.FaultRule{}, "ignore-writes takes no value"},
		{"iam=times=0", awssim.FaultRule{}, "times=0: want a whole number"},
	}
	for _, tt := range tests {
		got, err := awssim.ParseFaultRule(tt.spec)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseFaultRule(%q) error = %v, want %q", tt.spec, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFaultRule(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
	}
}

func TestForward(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)

	var mu sync.Mutex
	var posted []map[string]any
	var auth []string
	fails := 1
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 { // the first delivery meets a 503 and is tried again
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ev map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Errorf("posted body is not an event: %v", err)
		}
		posted = append(posted, ev)
		auth = append(auth, r.Header.Get("Authorization"))
	}))
	defer rcv.Close()
	file := filepath.Join(t.TempDir(), "events.jsonl")
	fd := &awssim.FileDestination{Path: file}
	stop := sim.Forward(ctx, nil, &awssim.HTTPDestination{URL: rcv.URL, Secret: "s3cret"}, fd)

	cli := iam.NewFromConfig(sim.Config(""))
	for _, name := range []string{"u1", "u2", "u3"} {
		if _, err := cli.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cli.ListUsers(ctx, &iam.ListUsersInput{}); err != nil { // read-only: no event
		t.Fatal(err)
	}
	stop()
	if err := fd.Close(); err != nil {
		t.Fatal(err)
	}

	names := func(evs []map[string]any) []string {
		var out []string
		for _, ev := range evs {
			d, _ := ev["detail"].(map[string]any)
			p, _ := d["requestParameters"].(map[string]any)
			out = append(out, ev["detail-type"].(string)+" "+d["eventName"].(string)+" "+p["userName"].(string))
		}
		return out
	}
	want := []string{"AWS API Call via CloudTrail CreateUser u1", "AWS API Call via CloudTrail CreateUser u2", "AWS API Call via CloudTrail CreateUser u3"}
	mu.Lock()
	if got := names(posted); !reflect.DeepEqual(got, want) {
		t.Errorf("posted %q, want %q in order", got, want)
	}
	for _, a := range auth {
		if a != "Bearer s3cret" {
			t.Errorf("Authorization = %q", a)
		}
	}
	mu.Unlock()

	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q is not an event: %v", sc.Text(), err)
		}
		lines = append(lines, ev)
	}
	if got := names(lines); !reflect.DeepEqual(got, want) {
		t.Errorf("file holds %q, want %q", got, want)
	}
}
