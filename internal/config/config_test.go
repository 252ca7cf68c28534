package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/cloud"
	"github.com/rectify-dev/rectify/internal/notify"
)

// env returns a lookupEnv over vars.
func env(vars map[string]string) lookupEnv {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefault(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if c.Store.Driver != "sqlite" || c.Store.Path != "rectify.db" {
		t.Errorf("store = %+v", c.Store)
	}
	if !reflect.DeepEqual(c.SecurityHub.CustomActions, []string{"Remediate"}) || c.SecurityHub.FindingAccount != "target" {
		t.Errorf("securityhub = %+v", c.SecurityHub)
	}
	if c.Serve.Addr != "127.0.0.1:8080" || c.Serve.MaxBody != 1<<20 || c.Serve.SecretEnv != "RECTIFY_SHARED_SECRET" {
		t.Errorf("serve = %+v", c.Serve)
	}
	if c.DryRun || c.AWS.RoleName != "" || len(c.Notify.Channels) != 0 {
		t.Errorf("default config acts beyond its own account or has channels: %+v", c)
	}
}

func TestExample(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "rectify.yaml")
	c, err := load(path, env(map[string]string{"RECTIFY_EXTERNAL_ID": "org-external-id", "RECTIFY_SHARED_SECRET": "s3cr3t"}), true)
	if err != nil {
		t.Fatalf("load(%s): %v", path, err)
	}
	dir := filepath.Dir(path)
	if c.Store.Path != filepath.Join(dir, "rectify.db") {
		t.Errorf("store.path = %q, want it relative to the file", c.Store.Path)
	}
	if !reflect.DeepEqual(c.Playbooks.Dirs, []string{filepath.Join(dir, "playbooks")}) {
		t.Errorf("playbooks.dirs = %q", c.Playbooks.Dirs)
	}
	o := c.Playbooks.Overrides["ta-exposed-access-keys"]
	if o.Mode != ModeAuto || o.Params["delete_key"] != false || o.Params["activity_window"] != "48h" {
		t.Errorf("override = %+v", o)
	}
	if e := c.Playbooks.Overrides["access-analyzer-external-access"].Enabled; e == nil || *e {
		t.Errorf("enabled override = %v, want false", e)
	}
	if c.AWS.ExternalID != "org-external-id" {
		t.Errorf("external ID from the environment = %q", c.AWS.ExternalID)
	}
	if c.AWS.SessionDuration != time.Hour || c.AWS.MaxAttempts != 10 {
		t.Errorf("aws = %+v", c.AWS)
	}
	if c.Serve.Secret.Reveal() != "s3cr3t" || c.Serve.MaxBody != 256*KiB {
		t.Errorf("serve = %+v", c.Serve)
	}
	if c.Audit.Retention != 90*24*time.Hour {
		t.Errorf("audit.retention = %s", c.Audit.Retention)
	}

	// The example's AWS and notify sections are accepted by the packages
	// that use them.
	p, err := cloud.New(context.Background(), aws.Config{}, c.CloudOptions(nil))
	if err != nil {
		t.Fatalf("cloud.New: %v", err)
	}
	if err := p.Allowed("999999999999", "us-east-1"); !cloud.IsDenied(err) {
		t.Errorf("deny_accounts not applied: %v", err)
	}
	role, ext, err := p.RoleFor("aws", "444455556666", "us-east-1")
	if err != nil || role != "arn:aws:iam::444455556666:role/legacy/OrganizationAccountAccessRole" || ext != "legacy-account-id" {
		t.Errorf("RoleFor(444455556666) = %q, %q, %v", role, ext, err)
	}
	role, ext, _ = p.RoleFor("aws", "111122223333", "us-east-1")
	if role != "arn:aws:iam::111122223333:role/rectify-remediation" || ext != "org-external-id" {
		t.Errorf("RoleFor(111122223333) = %q, %q", role, ext)
	}
	r, err := c.Router(aws.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Router: %v", err)
	}
	m := notify.Message{Account: "444455556666"}
	if got := r.Resolve("owners", m); !reflect.DeepEqual(got, []string{"payments-team", "stdout"}) {
		t.Errorf("owners resolve to %q", got)
	}
	if got := r.Resolve("security-team", m); !reflect.DeepEqual(got, []string{"security"}) {
		t.Errorf("security-team resolves to %q", got)
	}
}

func TestLoadMissing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)

	c, err := load("", env(map[string]string{"RECTIFY_SHARED_SECRET": "x"}), true)
	if err != nil {
		t.Fatalf("load without rectify.yaml: %v", err)
	}
	if c.File != "" || c.Store.Path != "rectify.db" || c.Serve.Secret.Reveal() != "x" {
		t.Errorf("defaults = %+v", c)
	}

	if _, err := Load(filepath.Join(dir, "absent.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing named file = %v, want a not-exist error", err)
	}

	writeFile(t, dir, DefaultFile, "dry_run: true\nstore: {path: state/r.db}\n")
	c, err = load("", env(nil), true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.DryRun || c.File != DefaultFile || c.Store.Path != filepath.Join("state", "r.db") {
		t.Errorf("rectify.yaml in the working directory: %+v", c)
	}
	if c.Serve.Secret != "" {
		t.Errorf("secret set without its variable")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string // each a substring of one error, in order
	}{
		{"unknown top-level field", "stor:\n  path: x\n",
			nil, []string{`:1: stor: unknown field (did you mean "store"?)`}},
		{"unknown nested field", "aws:\n  region: us-east-1\n  role: x\n",
			nil, []string{`:3: aws.role: unknown field`}},
		{"unknown field in a map value", "notify:\n  channels:\n    sec:\n      type: sns\n      topic: arn\n",
			nil, []string{`:3: notify.channels.sec.topic_arn: an sns channel needs a topic_arn`, `:5: notify.channels.sec.topic: unknown field (did you mean "topic_arn"?)`}},
		{"plain secret refused", "serve:\n  secret: hunter2\n",
			nil, []string{`:2: serve.secret: unknown field`}},
		{"field set twice", "dry_run: true\ndry_run: false\n",
			nil, []string{`:2: dry_run: set twice (first on line 1)`}},
		{"wrong type", "dry_run: maybe\n",
			nil, []string{`:1: dry_run: cannot unmarshal string`}},
		{"wrong type nested", "aws:\n  max_attempts: many\n",
			nil, []string{`:2: aws.max_attempts: cannot unmarshal string`}},
		{"bad duration", "aws:\n  session_duration: forever\n",
			nil, []string{`:2: aws.session_duration:`}},
		{"bad size", "serve:\n  max_body: lots\n",
			nil, []string{`:2: serve.max_body: invalid size "lots"`}},
		{"list where a mapping belongs", "store: [a]\n",
			nil, []string{`:1: store: cannot unmarshal list`}},
		{"not a mapping", "- a\n",
			nil, []string{`:1: the configuration must be a mapping`}},
		{"syntax error", "store:\n  path: [\n",
			nil, []string{`yaml:`}},
		{"two documents", "dry_run: true\n---\ndry_run: false\n",
			nil, []string{`more than one YAML document`}},
		{"bad driver", "store:\n  driver: postgres\n",
			nil, []string{`:2: store.driver: unknown driver "postgres"`}},
		{"bad mode", "playbooks:\n  overrides:\n    p1:\n      mode: yolo\n",
			nil, []string{`:4: playbooks.overrides.p1.mode: unknown mode "yolo"`}},
		{"bad role template", "aws:\n  role_name: 'r-{acount}'\n",
			nil, []string{`:2: aws.role_name: role template "r-{acount}": unknown placeholder`}},
		{"both external IDs", "aws:\n  external_id: a\n  external_id_env: B\n",
			nil, []string{`:2: aws.external_id: set external_id or external_id_env, not both`, `:3: aws.external_id_env: environment variable B is not set`}},
		{"external ID variable unset", "aws:\n  external_id_env: RECTIFY_EXT\n",
			nil, []string{`:2: aws.external_id_env: environment variable RECTIFY_EXT is not set`}},
		{"account external ID variable unset", "aws:\n  accounts:\n    '111122223333':\n      external_id_env: EXT_1\n",
			nil, []string{`:4: aws.accounts.111122223333.external_id_env: environment variable EXT_1 is not set`}},
		{"bad account key", "aws:\n  accounts:\n    '1234':\n      role_name: r\n",
			nil, []string{`:3: aws.accounts.1234: "1234" is not a 12-digit account ID`}},
		{"bad glob", "aws:\n  allow_regions:\n    - us-east-1\n    - 'eu-['\n",
			nil, []string{`:4: aws.allow_regions[1]: pattern "eu-["`}},
		{"bad region", "aws:\n  region: Mars\n",
			nil, []string{`:2: aws.region: "Mars" is not a region name`}},
		{"short session", "aws:\n  session_duration: 5m\n",
			nil, []string{`:2: aws.session_duration: 5m0s is outside`}},
		{"bad prefix", "aws:\n  session_prefix: 'my bot'\n",
			nil, []string{`:2: aws.session_prefix: session prefix "my bot"`}},
		{"sns without topic", "notify:\n  channels:\n    sec:\n      type: sns\n",
			nil, []string{`:3: notify.channels.sec.topic_arn: an sns channel needs a topic_arn`}},
		{"bad topic", "notify:\n  channels:\n    sec:\n      type: sns\n      topic_arn: arn:aws:sqs:us-east-1:111122223333:q\n",
			nil, []string{`:5: notify.channels.sec.topic_arn: notify: topic ARN`}},
		{"unknown channel type", "notify:\n  channels:\n    chat:\n      type: slack\n",
			nil, []string{`:4: notify.channels.chat.type: unknown channel type "slack"`}},
		{"security team undefined", "notify:\n  security_team: sec\n",
			nil, []string{`:2: notify.security_team: channel "sec" is not defined`}},
		{"owner channel undefined", "notify:\n  channels:\n    a: {type: log}\n  owners:\n    '111122223333': [a, b]\n",
			nil, []string{`:5: notify.owners.111122223333[1]: channel "b" is not defined`}},
		{"bad serve addr", "serve:\n  addr: localhost\n",
			nil, []string{`:2: serve.addr: "localhost" is not a host:port address`}},
		{"bad secret env", "serve:\n  secret_env: 'MY SECRET'\n",
			nil, []string{`:2: serve.secret_env: "MY SECRET" is not an environment variable name`}},
		{"bad retry mode", "aws:\n  retry_mode: eager\n",
			nil, []string{`:2: aws.retry_mode: unknown retry mode "eager"`}},
		{"negative retention", "audit:\n  retention: -1h\n",
			nil, []string{`:2: audit.retention: must not be negative`}},
		{"bad custom action", "securityhub:\n  custom_actions: [Remediate, '']\n",
			nil, []string{`:2: securityhub.custom_actions[1]: "" is not a custom action name (1 to 20 characters)`}},
		{"long custom action", "securityhub:\n  custom_actions: [Remediate the finding now]\n",
			nil, []string{`:2: securityhub.custom_actions[0]: "Remediate the finding now" is not a custom action name`}},
		{"bad finding account", "securityhub:\n  finding_account: admin\n",
			nil, []string{`:2: securityhub.finding_account: unknown value "admin" (want target or central)`}},
		{"version", "version: 2\n",
			nil, []string{`:1: version: unsupported version 2`}},
		{"every error reported", "store:\n  driver: x\naws:\n  region: '!'\n",
			nil, []string{`:2: store.driver`, `:4: aws.region`}},
		{"every kind of error reported at once, in file order",
			"aws:\n  external_id_env: RECTIFY_EXT\n  rol_name: x\n  max_attempts: many\nstore:\n  driver: sqlit\nserve:\n  addr: nope\n",
			nil, []string{`:2: aws.external_id_env: environment variable RECTIFY_EXT is not set`, `:3: aws.rol_name: unknown field (did you mean "role_name"?)`,
				`:4: aws.max_attempts: cannot unmarshal string`, `:6: store.driver: unknown driver "sqlit"`, `:8: serve.addr: "nope" is not a host:port address`}},
		{"a value of the wrong type is not validated again", "serve:\n  max_body: [1]\n",
			nil, []string{`:2: serve.max_body: want a size`}},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, fmt.Sprintf("c%d.yaml", i), tt.yaml)
			_, err := load(path, env(tt.env), true)
			if err == nil {
				t.Fatalf("load accepted:\n%s", tt.yaml)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path) {
				t.Errorf("error %q does not start with the file name", msg)
			}
			var errs Errors
			if len(tt.want) > 1 || strings.HasPrefix(tt.want[0], ":") {
				if !errors.As(err, &errs) || len(errs) != len(tt.want) {
					t.Fatalf("error = %q, want %d config errors", msg, len(tt.want))
				}
				for j, w := range tt.want {
					if !strings.Contains(errs[j].Error(), path+w) {
						t.Errorf("error %d = %q, want it to contain %q", j, errs[j], path+w)
					}
				}
				return
			}
			if !strings.Contains(msg, tt.want[0]) {
				t.Errorf("error = %q, want it to contain %q", msg, tt.want[0])
			}
		})
	}
}

func TestSecurityHubSettings(t *testing.T) {
	c, err := Parse("rectify.yaml", []byte("securityhub:\n  custom_actions: [Fix, Fix it]\n  finding_account: central\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.SecurityHub.CustomActions, []string{"Fix", "Fix it"}) || c.SecurityHub.FindingAccount != "central" {
		t.Errorf("securityhub = %+v", c.SecurityHub)
	}
	// An empty list is kept: no custom action asks for remediation.
	c, err = Parse("rectify.yaml", []byte("securityhub:\n  custom_actions: []\n"))
	if err != nil || c.SecurityHub.CustomActions == nil || len(c.SecurityHub.CustomActions) != 0 {
		t.Errorf("empty custom_actions = %#v, %v", c.SecurityHub.CustomActions, err)
	}
}

func TestLoadEmptyAndNull(t *testing.T) {
	dir := t.TempDir()
	for i, data := range []string{"", "# only a comment\n", "~\n"} {
		c, err := load(writeFile(t, dir, fmt.Sprintf("e%d.yaml", i), data), env(nil), true)
		if err != nil {
			t.Errorf("load(%q) = %v", data, err)
			continue
		}
		if c.Store.Path != filepath.Join(dir, "rectify.db") && c.Store.Path != "rectify.db" {
			t.Errorf("load(%q) store.path = %q", data, c.Store.Path)
		}
	}
}

func TestParseKeepsPaths(t *testing.T) {
	c, err := Parse("inline.yaml", []byte("store: {path: data/r.db}\nplaybooks: {dirs: [pb]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Path != "data/r.db" || c.Playbooks.Dirs[0] != "pb" {
		t.Errorf("Parse rebased paths: %+v", c)
	}
	_, err = Parse("inline.yaml", []byte("store: {driver: x}\n"))
	if err == nil || err.Error() != `inline.yaml:1: store.driver: unknown driver "x" (available: sqlite, dynamodb)` {
		t.Errorf("Parse error = %v", err)
	}
	_, err = Parse("inline.yaml", []byte("store: {driver: dynamodb}\n"))
	if err == nil || !strings.Contains(err.Error(), "store.table: the dynamodb driver needs a table name") {
		t.Errorf("dynamodb without a table: error = %v", err)
	}
	c, err = Parse("inline.yaml", []byte("store: {driver: dynamodb, table: rectify, create_table: true}\n"))
	if err != nil || c.Store.Table != "rectify" || !c.Store.CreateTable {
		t.Errorf("dynamodb store = %+v, %v", c.Store, err)
	}
}

func TestValidateInCode(t *testing.T) {
	c := Default()
	c.Notify.Channels = map[string]Channel{"x": {Type: "sns", TopicARN: "nope"}}
	c.Serve.MaxBody = 0
	err := c.Validate()
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("Validate = %v, want 2 errors", err)
	}
	if errs[0].Field != "notify.channels.x.topic_arn" || errs[1].Field != "serve.max_body" {
		t.Errorf("fields = %q, %q", errs[0].Field, errs[1].Field)
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"262144", 262144, true},
		{"256KiB", 256 * KiB, true},
		{"1MiB", MiB, true},
		{"1.5MB", 1500000, true},
		{"2 GiB", 2 * GiB, true},
		{"10B", 10, true},
		{"0", 0, true},
		{"", 0, false},
		{"-1KiB", 0, false},
		{"12 parsecs", 0, false},
		{"KiB", 0, false},
		{"1e30", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for _, b := range []ByteSize{256 * KiB, 3 * MiB, GiB, 1000} {
		back, err := ParseByteSize(b.String())
		if err != nil || back != b {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", b.String(), back, err, b)
		}
	}
}

func TestSecretNotPrinted(t *testing.T) {
	c := Default()
	c.Serve.Secret = "hunter2"
	for _, s := range []string{
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c.Serve), fmt.Sprintf("%#v", c.Serve), fmt.Sprint(c.Serve.Secret),
	} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("secret printed: %s", s)
		}
	}
	var buf strings.Builder
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "serve", c.Serve, "secret", c.Serve.Secret)
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("secret logged: %s", buf.String())
	}
	if c.Serve.Secret.Reveal() != "hunter2" {
		t.Errorf("Reveal = %q", c.Serve.Secret.Reveal())
	}
}

func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("sub", 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, yaml string
		store, pbDir     string
	}{
		{"default store next to the file", "sub/a.yaml", "version: 1\n", "sub/rectify.db", ""},
		{"relative paths next to the file", "sub/b.yaml", "store: {path: state/r.db}\nplaybooks: {dirs: [pb]}\n", "sub/state/r.db", "sub/pb"},
		{"absolute paths kept", "sub/c.yaml", "store: {path: " + filepath.Join(dir, "abs.db") + "}\n", filepath.Join(dir, "abs.db"), ""},
		{"in-memory database kept", "sub/d.yaml", "store: {path: ':memory:'}\n", ":memory:", ""},
		{"a file in the working directory", "e.yaml", "store: {path: r.db}\n", "r.db", ""},
		{"not a regular file: the working directory", os.DevNull, "", "rectify.db", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file != os.DevNull {
				writeFile(t, dir, tt.file, tt.yaml)
			}
			c, err := Load(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if c.Store.Path != tt.store {
				t.Errorf("store.path = %q, want %q", c.Store.Path, tt.store)
			}
			if tt.pbDir != "" && (len(c.Playbooks.Dirs) != 1 || c.Playbooks.Dirs[0] != tt.pbDir) {
				t.Errorf("playbooks.dirs = %q, want [%s]", c.Playbooks.Dirs, tt.pbDir)
			}
		})
	}
}

func TestLoadWithoutSecrets(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "r.yaml", "aws:\n  external_id_env: RECTIFY_TEST_UNSET_EXTERNAL_ID\n  accounts:\n    '111122223333': {external_id_env: RECTIFY_TEST_UNSET_2}\n")
	t.Setenv("RECTIFY_SHARED_SECRET", "s3cret")
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "RECTIFY_TEST_UNSET_EXTERNAL_ID is not set") {
		t.Fatalf("Load = %v, want the unset variable named", err)
	}
	c, err := LoadWithoutSecrets(path)
	if err != nil {
		t.Fatalf("LoadWithoutSecrets = %v", err)
	}
	if c.AWS.ExternalID != "" || c.Serve.Secret != "" || c.AWS.Accounts["111122223333"].ExternalID != "" {
		t.Errorf("secrets were read: %+v", c)
	}
	// The file is still checked.
	bad := writeFile(t, dir, "bad.yaml", "aws:\n  external_id_env: X\n  rol_name: r\n")
	if _, err := LoadWithoutSecrets(bad); err == nil || !strings.Contains(err.Error(), "aws.rol_name: unknown field") || strings.Contains(err.Error(), "is not set") {
		t.Errorf("LoadWithoutSecrets of a bad file = %v", err)
	}
}
