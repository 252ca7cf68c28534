package playbook

import (
	"errors"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/action"
)

// TestLoaderErrors checks that each kind of mistake is reported at the
// right place and field.
func TestLoaderErrors(t *testing.T) {
	const head = "id: p\ntitle: T\ntrigger: {source: [x]}\n" // lines 1-3
	tests := []struct {
		name string
		src  string
		want []string // each "line:col: field: message fragment"
	}{
		{"not a mapping", "- a\n- b\n", []string{"1:1: want a mapping, got a list"}},
		{"unknown field", head + "notify: [t]\nowner: me\n", []string{`5:1: owner: unknown field "owner"`}},
		{"duplicate field", head + "notify: [t]\ntitle: U\n", []string{`5:1: title: duplicate key "title"`}},
		{"missing id", "title: T\ntrigger: {source: [x]}\nnotify: [t]\n", []string{"1:1: id: missing required field"}},
		{"bad id", strings.Replace(head, "id: p", "id: My_Playbook", 1) + "notify: [t]\n", []string{`1:5: id: invalid id "My_Playbook"`}},
		{"id not a string", strings.Replace(head, "id: p", "id: [p]", 1) + "notify: [t]\n", []string{"1:5: id: want a string, got a list"}},
		{"empty title", strings.Replace(head, "title: T", "title: ' '", 1) + "notify: [t]\n", []string{"2:8: title: must not be empty"}},
		{"bad mode", head + "mode: manual\nnotify: [t]\n", []string{`4:7: mode: unknown mode "manual"`}},
		{"enabled not bool", head + "enabled: yes please\nnotify: [t]\n", []string{"4:10: enabled: want true or false, got a string"}},
		{"tags not strings", head + "tags: [1]\nnotify: [t]\n", []string{"4:8: tags[0]: want a string, got a number"}},
		{"trigger list", "id: p\ntitle: T\ntrigger: [x]\nnotify: [t]\n", []string{"3:10: trigger: want an EventBridge event pattern as a mapping, got a list"}},
		{"trigger empty", "id: p\ntitle: T\ntrigger: {}\nnotify: [t]\n", []string{"3:10: trigger: empty pattern"}},
		{"trigger missing", "id: p\ntitle: T\nnotify: [t]\n", []string{"1:1: trigger: missing required field"}},
		{"nothing to do", head, []string{"1:1: steps: a playbook needs steps, a notify, or both"}},
		{"param name", head + "params: {Delete: true}\nnotify: [t]\n", []string{`4:10: params.Delete: invalid parameter name "Delete"`}},
		{"when syntax", head + "when: detail.status ==\nnotify: [t]\n", []string{"4:7: when: CEL: Syntax error"}},
		{"when not bool", head + "when: '\"yes\"'\nnotify: [t]\n", []string{"4:7: when: expression is string, want bool"}},
		{"when undeclared", head + "when: nope == 1\nnotify: [t]\n", []string{"4:7: when: CEL: undeclared reference to 'nope'"}},
		{"when steps", head + "when: steps.x.y == 1\nnotify: [t]\n", []string{"4:7: when: CEL: undeclared reference to 'steps'"}},
		{"when unknown param", head + "when: params.missing == 1\nnotify: [t]\n", []string{"4:7: when: unknown parameter params.missing"}},
		{"steps not list", head + "steps: {action: test.echo}\n", []string{"4:8: steps: want a list of steps, got a mapping"}},
		{"step not mapping", head + "steps: [test.echo]\n", []string{"4:9: steps[0]: want a mapping, got a string"}},
		{"step unknown field", head + "steps:\n  - action: test.echo\n    params: {}\n", []string{`6:5: steps[0].params: unknown field "params"`}},
		{"step missing action", head + "steps:\n  - id: x\n", []string{"5:5: steps[0].action: missing required field"}},
		{"unknown action", head + "steps:\n  - action: test.nope\n", []string{`5:13: steps[0].action: unknown action "test.nope"`}},
		{"misspelt action", head + "steps:\n  - action: iam.delete-acess-key\n", []string{`5:13: steps[0].action: unknown action "iam.delete-acess-key" (did you mean iam.delete-access-key?)`}},
		{"misspelt field", head + "notify: [t]\ntigger: {}\n", []string{`5:1: tigger: unknown field "tigger" (did you mean trigger?)`}},
		{"misspelt param", head + "steps:\n  - action: iam.delete-access-key\n    with: {user_nme: u, access_key_id: k}\n", []string{`6:11: steps[0].with: action iam.delete-access-key needs parameter "user_name"`, `6:12: steps[0].with.user_nme: action iam.delete-access-key has no parameter "user_nme" (did you mean user_name?)`}},
		{"misspelt params ref", head + "params: {delete_key: true}\nwhen: params.delete_keys\nnotify: [t]\n", []string{`5:7: when: unknown parameter params.delete_keys (did you mean delete_key?)`}},
		{"action not string", head + "steps:\n  - action: 3\n", []string{"5:13: steps[0].action: want a string, got a number"}},
		{"bad step id", head + "steps:\n  - {id: Del, action: test.echo}\n", []string{`5:10: steps[0].id: invalid step id "Del"`}},
		{"reserved step id", head + "steps:\n  - {id: in, action: test.echo}\n", []string{`5:10: steps[0].id: invalid step id "in"`}},
		{"duplicate step id", head + "steps:\n  - {id: a, action: test.echo}\nverify:\n  - {id: a, action: test.echo}\n",
			[]string{`7:10: verify[0].id: duplicate step id "a"`}},
		{"unknown param", head + "steps:\n  - action: test.echo\n    with: {user: x}\n",
			[]string{`6:12: steps[0].with.user: action test.echo has no parameter "user" (it takes s, n, d, b, l, m, a)`}},
		{"missing param", head + "steps:\n  - action: iam.delete-access-key\n    with:\n      user_name: u\n",
			[]string{`7:7: steps[0].with: action iam.delete-access-key needs parameter "access_key_id"`}},
		{"missing with", head + "steps:\n  - action: iam.delete-access-key\n",
			[]string{`5:5: steps[0]: action iam.delete-access-key needs parameter "access_key_id"`, `5:5: steps[0]: action iam.delete-access-key needs parameter "user_name"`}},
		{"static param type", head + "steps:\n  - action: test.echo\n    with: {n: many, d: 20m, b: true}\n",
			[]string{`6:15: steps[0].with.n: param n: wrong type: want int: not a whole number (value "many")`}},
		{"static duration", head + "steps:\n  - action: test.echo\n    with:\n      d: 20 minutes\n",
			[]string{`7:10: steps[0].with.d: param d: wrong type: want duration`}},
		{"template syntax", head + "steps:\n  - action: test.echo\n    with:\n      s: x ${detail.\n",
			[]string{`7:10: steps[0].with.s: template: ${ at offset 2: missing closing }`}},
		{"template CEL", head + "steps:\n  - action: test.echo\n    with:\n      s: ${detail..x}\n",
			[]string{`7:10: steps[0].with.s: template: ${detail..x}: CEL: Syntax error`}},
		{"template nested", head + "steps:\n  - action: test.echo\n    with:\n      m: {a: [1, '${bogus}']}\n",
			[]string{`7:10: steps[0].with.m.a[1]: template: ${bogus}: CEL: undeclared reference to 'bogus'`}},
		{"template later step", head + "steps:\n  - action: test.echo\n    with: {s: '${steps.later.x}'}\n  - {id: later, action: test.echo}\n",
			[]string{`6:15: steps[0].with.s: steps.later does not name an earlier step`}},
		{"template unknown param", head + "steps:\n  - action: test.echo\n    with: {s: '${params.x}'}\n",
			[]string{`6:15: steps[0].with.s: unknown parameter params.x`}},
		{"if not bool", head + "steps:\n  - action: test.echo\n    if: 1 + 1\n",
			[]string{"6:9: steps[0].if: expression is int, want bool"}},
		{"retry range", head + "steps:\n  - action: test.echo\n    retry: 0\n",
			[]string{"6:12: steps[0].retry: attempts must be between 1 and 20, got 0"}},
		{"retry field", head + "steps:\n  - action: test.echo\n    retry: {tries: 2}\n",
			[]string{`6:13: steps[0].retry.tries: unknown field "tries"`}},
		{"retry backoff", head + "steps:\n  - action: test.echo\n    retry: {attempts: 2, backoff: soon}\n",
			[]string{`6:35: steps[0].retry.backoff: invalid duration "soon"`}},
		{"timeout", head + "steps:\n  - action: test.echo\n    timeout: -1s\n",
			[]string{`6:14: steps[0].timeout: invalid duration "-1s"`}},
		{"notify channel", head + "notify: ['a b']\n", []string{`4:10: notify[0]: invalid channel name "a b"`}},
		{"notify scalar", head + "notify: team\n", []string{"4:9: notify: want a mapping, got a string"}},
		{"notify missing to", head + "notify: {message: hi}\n", []string{"4:9: notify.to: missing required field"}},
		{"notify template", head + "notify: {to: [t], message: '${steps.nope.x}'}\n", []string{"4:28: notify.message: steps.nope does not name an earlier step"}},
		{"merge key", head + "notify: [t]\n<<: {a: 1}\n", []string{"5:1: merge keys (<<) are not supported"}},
		{"merge key use", head + "notify: [t]\ndescription:\n  <<: {a: 1}\n", []string{"6:3: description: want a string, got a mapping"}},
		{"yaml syntax", head + "notify: [t]\nwhen: a: b\n", []string{"5: invalid YAML: mapping values are not allowed in this context"}},
		{"yaml unclosed list", head + "notify: [t\n", []string{"4: invalid YAML: did not find expected ',' or ']'"}},
		{"yaml bad indentation", head + "notify: [t]\nsteps:\n  - action: x\n - action: y\n", []string{"7: invalid YAML: did not find expected key"}},
		{"duplicate id in file", head + "notify: [t]\n---\n" + head + "notify: [t]\n", []string{`6:5: id: duplicate playbook id "p", first defined at f.yaml:1:1`}},
		{"non-string key", head + "notify: [t]\n? [a]\n: b\n", []string{"5:3: want a string key, got a list"}},
		{"alias bomb", head + "notify: [t]\nparams:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
			[]string{"document expands to more than 100000 nodes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.src), Options{Registry: testRegistry(t)})
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse error = %v, want Errors", err)
			}
			if len(errs) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i >= len(errs) {
					break
				}
				if got := errs[i].Error(); !strings.HasPrefix(got, "f.yaml:") || !strings.Contains(got, w) {
					t.Errorf("error %d = %q, want it to contain %q", i, got, w)
				}
			}
		})
	}
}

// TestLoaderCollectsAllErrors checks that one file's problems are all
// reported, sorted by position.
func TestLoaderCollectsAllErrors(t *testing.T) {
	src := `id: Bad
title: 7
trigger: [x]
mode: sometimes
steps:
  - action: test.nope
  - action: test.echo
    with: {n: x}
`
	_, err := Parse("f.yaml", []byte(src), Options{Registry: testRegistry(t)})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v", err)
	}
	want := []string{
		`f.yaml:1:5: id: invalid id "Bad"`,
		`f.yaml:2:8: title: want a string, got a number`,
		`f.yaml:3:10: trigger: want an EventBridge event pattern`,
		`f.yaml:4:7: mode: unknown mode "sometimes"`,
		`f.yaml:6:13: steps[0].action: unknown action "test.nope"`,
		`f.yaml:8:15: steps[1].with.n: param n: wrong type`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i], w)
		}
	}
}

// TestBuiltinParamTypes loads steps of built-in actions whose literal
// parameters have the wrong type: each is an error at its file:line:col.
func TestBuiltinParamTypes(t *testing.T) {
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	const head = "id: p\ntitle: T\ntrigger: {source: [aws.ec2]}\nsteps:\n  - action: ec2.revoke-open-ingress\n    with:\n      group_id: sg-1\n" // lines 1-7
	for _, tc := range []struct {
		name, ports string
		want        string
	}{
		{"port name", "[22, ssh]", `f.yaml:8:14: steps[0].with.ports: param ports: wrong type: want port list: element 1: "ssh" is not a port number or a range`},
		{"out of range", "[70000]", `f.yaml:8:14: steps[0].with.ports: param ports: wrong type: want port list: element 0: 70000 is out of range 0 to 65535`},
		{"map", "{ssh: 22}", `f.yaml:8:14: steps[0].with.ports: param ports: wrong type: want port list, got map`},
		{"reversed range", "'9000-8000'", `f.yaml:8:14: steps[0].with.ports: param ports: wrong type: want port list: range "9000-8000" ends before it starts`},
		{"good", "[22, 3389, '8000-8100']", ""},
		{"one port", "5432", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(head+"      ports: "+tc.ports+"\n"), Options{Registry: reg})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), tc.want) {
				t.Fatalf("Parse error = %v\nwant %s", err, tc.want)
			}
		})
	}
}
