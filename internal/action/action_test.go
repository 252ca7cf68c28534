package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

func TestCoerce(t *testing.T) {
	tests := []struct {
		typ     ParamType
		in      any
		want    any
		wantErr string
	}{
		{String, "x", "x", ""},
		{String, 3, nil, "want string, got number"},
		{String, nil, nil, "want string, got null"},
		{Int, 3, 3, ""},
		{Int, int64(7), 7, ""},
		{Int, uint8(7), 7, ""},
		{Int, 3.0, 3, ""},
		{Int, json.Number("12"), 12, ""},
		{Int, " 42 ", 42, ""},
		{Int, 3.5, nil, "not a whole number"},
		{Int, "three", nil, "not a whole number"},
		{Int, uint64(1 << 63), nil, "out of range"},
		{Int, 1e300, nil, "out of range"},
		{Int, true, nil, "want int, got bool"},
		{Bool, true, true, ""},
		{Bool, "False", false, ""},
		{Bool, "yes", nil, `want "true" or "false"`},
		{Bool, 1, nil, "want bool, got number"},
		{Duration, "20m", 20 * time.Minute, ""},
		{Duration, "1h30m", 90 * time.Minute, ""},
		{Duration, 90, 90 * time.Second, ""},
		{Duration, 90.0, 90 * time.Second, ""},
		{Duration, time.Second, time.Second, ""},
		{Duration, "20 minutes", nil, "not a duration"},
		{Duration, 1 << 62, nil, "out of range"},
		{Duration, []any{}, nil, "want duration, got list"},
		{StringList, "a", []string{"a"}, ""},
		{StringList, []any{"a", "b"}, []string{"a", "b"}, ""},
		{StringList, []string{"a"}, []string{"a"}, ""},
		{StringList, []any{"a", 2}, nil, "element 1 is a number"},
		{StringList, map[string]any{}, nil, "want string list, got map"},
		{Map, map[string]any{"a": 1}, map[string]any{"a": 1}, ""},
		{Map, map[string]string{"a": "b"}, map[string]any{"a": "b"}, ""},
		{Map, "a", nil, "want map, got string"},
		{Any, nil, nil, ""},
		{Any, []any{1}, []any{1}, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.typ, tt.in), func(t *testing.T) {
			p := Param{Name: "p1", Type: tt.typ}
			got, err := p.Coerce(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Coerce(%#v) = %#v, want error containing %q", tt.in, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "param p1") {
					t.Fatalf("Coerce(%#v) error = %q, want it to name p1 and contain %q", tt.in, err, tt.wantErr)
				}
				if !errors.Is(err, ErrParamType) {
					t.Errorf("error %v does not wrap ErrParamType", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Coerce(%#v): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Coerce(%#v) = %#v (%T), want %#v (%T)", tt.in, got, got, tt.want, tt.want)
			}
		})
	}
}

func TestParamErrorNamesValue(t *testing.T) {
	_, err := Param{Name: "window", Type: Duration}.Coerce("soon")
	if err == nil || !strings.Contains(err.Error(), `param window`) || !strings.Contains(err.Error(), `"soon"`) {
		t.Fatalf("error = %v, want it to name the param and the value", err)
	}
	long := strings.Repeat("x", 500)
	_, err = Param{Name: "n", Type: Int}.Coerce(long)
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error for a long value is %d bytes, want it bounded: %v", len(err.Error()), err)
	}
}

func noop(context.Context, Input) (Result, error) { return Result{Outcome: NoOp}, nil }

func verified(context.Context, Input, Result) error { return nil }

func testSpec() Spec {
	return Spec{
		Name: "iam.delete-access-key",
		Params: []Param{
			{Name: "user_name", Type: String, Required: true},
			{Name: "access_key_id", Type: String, Required: true},
			{Name: "window", Type: Duration, Default: "24h"},
			{Name: "limit", Type: Int},
		},
		Writes: []string{"iam:DeleteAccessKey"},
		Run:    noop,
		Verify: verified,
	}
}

func TestSpecCheck(t *testing.T) {
	s := testSpec()
	tests := []struct {
		name    string
		in      map[string]any
		want    map[string]any
		wantErr error
		errText string
	}{
		{"defaults", map[string]any{"user_name": "u", "access_key_id": "k"},
			map[string]any{"user_name": "u", "access_key_id": "k", "window": 24 * time.Hour}, nil, ""},
		{"coerced", map[string]any{"user_name": "u", "access_key_id": "k", "window": "1h", "limit": 3.0},
			map[string]any{"user_name": "u", "access_key_id": "k", "window": time.Hour, "limit": 3}, nil, ""},
		{"unknown", map[string]any{"user_name": "u", "access_key_id": "k", "user": "x"}, nil, ErrUnknownParam, "iam.delete-access-key: param user: unknown parameter"},
		{"missing", map[string]any{"user_name": "u"}, nil, ErrMissingParam, "param access_key_id: required parameter is missing"},
		{"null required", map[string]any{"user_name": "u", "access_key_id": nil}, nil, ErrMissingParam, "param access_key_id"},
		{"bad type", map[string]any{"user_name": "u", "access_key_id": "k", "limit": "many"}, nil, ErrParamType, "iam.delete-access-key: param limit: wrong type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Check(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Check error = %v, want %v containing %q", err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Check = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	mod := func(f func(*Spec)) Spec { s := testSpec(); f(&s); return s }
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"no dot", mod(func(s *Spec) { s.Name = "delete" }), "invalid name"},
		{"upper", mod(func(s *Spec) { s.Name = "IAM.delete" }), "invalid name"},
		{"trailing dash", mod(func(s *Spec) { s.Name = "iam.delete-" }), "invalid name"},
		{"no run", mod(func(s *Spec) { s.Run = nil }), "Run is nil"},
		{"writes without verify", mod(func(s *Spec) { s.Verify = nil }), "Verify is nil: an action that writes (iam:DeleteAccessKey) must re-read what it changed"},
		{"param name", mod(func(s *Spec) { s.Params[0].Name = "UserName" }), `invalid name "UserName"`},
		{"dup param", mod(func(s *Spec) { s.Params[1].Name = "user_name" }), "declared twice"},
		{"param type", mod(func(s *Spec) { s.Params[0].Type = 0 }), "invalid type"},
		{"bad default", mod(func(s *Spec) { s.Params[2].Default = "never" }), "param window"},
		{"required default", mod(func(s *Spec) { s.Params[0].Default = "x" }), "cannot have a default"},
		{"operation", mod(func(s *Spec) { s.Writes = []string{"DeleteAccessKey"} }), "invalid write"},
		{"permission", mod(func(s *Spec) { s.ExtraPermissions = []string{"iam PassRole"} }), "invalid permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.want)
			}
		})
	}
	s := testSpec()
	if err := s.Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	// An action that only reads needs no Verify.
	s.Writes, s.Reads, s.Verify = nil, []string{"iam:ListAccessKeys"}, nil
	if err := s.Validate(); err != nil {
		t.Fatalf("read-only spec without Verify: %v", err)
	}
	// Register refuses what Validate refuses.
	s = testSpec()
	s.Verify = nil
	if err := NewRegistry().Register(s); err == nil || !strings.Contains(err.Error(), "Verify is nil") {
		t.Fatalf("Register of a writing spec without Verify = %v", err)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	specs := []Spec{
		{Name: "iam.delete-access-key", Writes: []string{"iam:DeleteAccessKey"}, Run: noop, Verify: verified},
		{Name: "iam.deactivate-access-key", Writes: []string{"iam:UpdateAccessKey"}, Run: noop, Verify: verified},
		{Name: "cloudtrail.summarize-activity", Reads: []string{"cloudtrail:LookupEvents"}, Run: noop},
		{Name: "ec2.isolate-instance", Writes: []string{"ec2:ModifyInstanceAttribute", "ec2:CreateSecurityGroup"},
			ExtraPermissions: []string{"ec2:CreateTags", "iam:UpdateAccessKey"}, Run: noop, Verify: verified},
	}
	for _, s := range specs {
		if err := r.Register(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Register(specs[0]); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("duplicate Register = %v", err)
	}
	if err := r.Register(Spec{Name: "Bad", Run: noop}); err == nil {
		t.Fatal("Register accepted an invalid name")
	}
	if _, ok := r.Lookup("iam.delete-access-key"); !ok {
		t.Fatal("Lookup of a registered action failed")
	}
	if _, ok := r.Lookup("iam.nope"); ok {
		t.Fatal("Lookup of an unknown action succeeded")
	}
	var names []string
	for _, s := range r.All() {
		names = append(names, s.Name)
	}
	wantNames := []string{"cloudtrail.summarize-activity", "ec2.isolate-instance", "iam.deactivate-access-key", "iam.delete-access-key"}
	if !reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(r.Names(), wantNames) {
		t.Fatalf("All = %v, Names = %v, want %v", names, r.Names(), wantNames)
	}

	perms, err := r.Permissions("iam.deactivate-access-key", "ec2.isolate-instance", "iam.deactivate-access-key")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:ModifyInstanceAttribute", "iam:UpdateAccessKey"}
	if !reflect.DeepEqual(perms, want) {
		t.Fatalf("Permissions = %v, want %v", perms, want)
	}
	all, err := r.Permissions()
	if err != nil || len(all) != 6 {
		t.Fatalf("Permissions() = %v, %v; want the 6 distinct permissions of every action", all, err)
	}
	ops, err := r.Operations()
	wantOps := []string{"cloudtrail:LookupEvents", "ec2:CreateSecurityGroup", "ec2:ModifyInstanceAttribute", "iam:DeleteAccessKey", "iam:UpdateAccessKey"}
	if err != nil || !reflect.DeepEqual(ops, wantOps) {
		t.Fatalf("Operations() = %v, %v; want %v", ops, err, wantOps)
	}
	if _, err := r.Permissions("iam.nope"); err == nil || !strings.Contains(err.Error(), `"iam.nope"`) {
		t.Fatalf("Permissions of an unknown action = %v", err)
	}
}

func TestRegistryCopiesSpec(t *testing.T) {
	r := NewRegistry()
	s := testSpec()
	if err := r.Register(s); err != nil {
		t.Fatal(err)
	}
	s.Writes[0] = "iam:Changed"
	got, _ := r.Lookup(s.Name)
	if got.Writes[0] != "iam:DeleteAccessKey" {
		t.Fatal("registry shares the caller's Writes slice")
	}
}

func TestOutcome(t *testing.T) {
	for _, o := range []Outcome{Changed, AlreadyDone, Pending, NoOp, NotFound} {
		b, err := o.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Outcome
		if err := back.UnmarshalText(b); err != nil || back != o {
			t.Fatalf("round trip of %v: %v, %v", o, back, err)
		}
	}
	if Changed.String() != "changed" || AlreadyDone.String() != "already-done" {
		t.Fatal("unexpected outcome names")
	}
	if _, err := ParseOutcome("done"); err == nil {
		t.Fatal("ParseOutcome accepted an unknown name")
	}
	if _, err := Outcome(0).MarshalText(); err == nil {
		t.Fatal("zero Outcome marshalled")
	}
}

func TestIsNotFound(t *testing.T) {
	gone := fmt.Errorf("delete key: %w", &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "not found"})
	throttled := &smithy.GenericAPIError{Code: "Throttling"}
	if !IsNotFound(gone) {
		t.Error("wrapped NoSuchEntity not recognised")
	}
	if IsNotFound(throttled) {
		t.Error("Throttling treated as not found")
	}
	if IsNotFound(gone, "InvalidGroup.NotFound") {
		t.Error("explicit codes not honoured")
	}
	if !IsNotFound(throttled, "Throttling") || !HasCode(throttled, "X", "Throttling") {
		t.Error("explicit code not matched")
	}
	if IsNotFound(errors.New("NoSuchEntity")) || ErrorCode(errors.New("x")) != "" {
		t.Error("plain error treated as API error")
	}
}

func TestInputAccessors(t *testing.T) {
	in := Input{Params: map[string]any{"s": "v", "n": 2, "b": true, "d": time.Minute, "l": []string{"a"}, "m": map[string]any{"k": 1}}}
	if in.String("s") != "v" || in.Int("n") != 2 || !in.Bool("b") || in.Duration("d") != time.Minute ||
		len(in.StringList("l")) != 1 || in.Map("m")["k"] != 1 {
		t.Fatal("accessor returned the wrong value")
	}
	if in.String("n") != "" || in.Int("missing") != 0 {
		t.Fatal("accessor of a wrong or missing param is not the zero value")
	}
	s := testSpec()
	if got := s.Explain(in); !strings.HasPrefix(got, "iam.delete-access-key") {
		t.Fatalf("Explain = %q", got)
	}
	s.Describe = func(in Input) string { return "delete " + in.String("s") }
	if got := s.Explain(in); got != "delete v" {
		t.Fatalf("Explain = %q", got)
	}
}
