package playbook

import (
	"strings"
	"testing"
)

func TestTriggerWarnings(t *testing.T) {
	src := `id: typo
title: A trigger with a misspelt key
trigger:
  source: [aws.ec2]
  detail_type: [AWS API Call via CloudTrail]
  $or:
    - detail: {eventName: [A]}
    - detail:
        evntName: [B]
steps:
  - action: test.echo
    with: {s: x}
`
	calls := 0
	opts := Options{Registry: testRegistry(t), CheckTrigger: func(p []byte) []TriggerNote {
		calls++
		if !strings.Contains(string(p), `"detail_type"`) {
			t.Errorf("CheckTrigger got %s", p)
		}
		return []TriggerNote{
			{Path: []string{"detail_type"}, Msg: "no such key"},
			{Path: []string{"$or", "1", "detail", "evntName"}, Msg: "no such detail key"},
		}
	}}
	pbs, err := Parse("typo.yaml", []byte(src), opts)
	if err != nil {
		t.Fatalf("a warning stopped the playbook from loading: %v", err)
	}
	if calls != 1 {
		t.Fatalf("CheckTrigger called %d times, want once", calls)
	}
	var got []string
	for _, w := range pbs[0].Warnings {
		got = append(got, w.Error())
	}
	want := []string{
		"typo.yaml:5:3: trigger.detail_type: no such key",
		"typo.yaml:9:9: trigger.$or[1].detail.evntName: no such detail key",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Without CheckTrigger there are none.
	pbs, err = Parse("typo.yaml", []byte(src), Options{Registry: testRegistry(t)})
	if err != nil || len(pbs[0].Warnings) != 0 {
		t.Errorf("without CheckTrigger: %v, %v", err, pbs[0].Warnings)
	}
}
