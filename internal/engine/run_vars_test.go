package engine

import (
	"reflect"
	"testing"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/playbook"
	"github.com/rectify-dev/rectify/internal/store"
)

func TestRunVars(t *testing.T) {
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pbs, err := playbook.Parse("p.yaml", []byte(`id: p
title: T
trigger: {source: [x]}
steps:
  - {id: read, action: ec2.check-vpc-allowed, with: {vpc_id: v}}
  - {id: revoke, action: ec2.revoke-open-ingress, with: {group_id: g}}
  - {id: again, action: ec2.revoke-open-ingress, with: {group_id: g}}
  - {id: maybe, action: ec2.revoke-open-ingress, if: "false", with: {group_id: g}}
  - {id: later, action: ec2.revoke-open-ingress, with: {group_id: g}}
`), playbook.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	recs := []store.StepRecord{
		{Index: 2, Status: store.StepAlreadyDone, Message: "nothing open"},
		{Index: 0, Status: store.StepSucceeded, Message: "vpc v is not allowed"},
		{Index: 1, Status: store.StepSucceeded, Message: "revoked sgr-1"},
		{Index: 3, Status: store.StepSkipped, Message: "step condition (if) is false"},
		{Index: 4, Status: store.StepPending, Message: "waiting"},
	}
	got := runVars(pbs[0].Steps, recs, "boom")
	want := playbook.Run{
		Summary: "read: succeeded: vpc v is not allowed\nrevoke: succeeded: revoked sgr-1\nagain: already_done: nothing open\nmaybe: skipped: step condition (if) is false",
		Changes: []string{"revoked sgr-1"},
		Error:   "boom",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runVars =\n%#v\nwant\n%#v", got, want)
	}
	if got := runVars(pbs[0].Steps, nil, ""); !reflect.DeepEqual(got, playbook.Run{}) {
		t.Errorf("runVars of a run that has not started = %#v", got)
	}
}
