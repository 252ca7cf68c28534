package sqlite

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rectify-dev/rectify/internal/store"
)

// FuzzRoundTrip checks that whatever strings and bytes a run, step, audit
// entry or event carries (NULs, invalid UTF-8, SQL syntax) come back exactly,
// and that bad input gives ErrInvalid, never a panic or another error.
func FuzzRoundTrip(f *testing.F) {
	f.Add("key", "pb", "err", []byte(`{"a":1}`), int64(1), "reason")
	f.Add("k'; DROP TABLE runs; --", "p\x00b", "\xff\xfe", []byte{0, 1, 2}, int64(-5), "")
	f.Add("", "", "", []byte(nil), int64(0), "\x00")
	s, err := Open(context.Background(), Memory)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	// Inputs share one store; a sequence number keeps their keys apart.
	seq := 0
	f.Fuzz(func(t *testing.T, key, playbook, msg string, data []byte, nanos int64, reason string) {
		ctx := context.Background()
		if key != "" {
			seq++
			key = strconv.Itoa(seq) + ":" + key
		}
		created := time.Unix(0, nanos).UTC()
		r := &store.Run{Key: key, PlaybookID: playbook, Error: msg, Input: data, Created: created,
			Target: store.Target{ARN: reason}}
		ok, err := s.CreateRun(ctx, r)
		if key == "" || playbook == "" || !utf8.ValidString(key) || !utf8.ValidString(playbook) {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("CreateRun(%q, %q) = %v, want ErrInvalid", key, playbook, err)
			}
			return
		}
		// Free text comes back with invalid UTF-8 replaced.
		text, why := strings.ToValidUTF8(msg, "\uFFFD"), strings.ToValidUTF8(reason, "\uFFFD")
		if err != nil || !ok {
			t.Fatalf("CreateRun = %v, %v; want a new run", ok, err)
		}
		got, err := s.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatalf("GetRun: %v", err)
		}
		if got.Key != r.Key || got.PlaybookID != r.PlaybookID || got.Error != text ||
			!bytes.Equal(got.Input, r.Input) || !got.Created.Equal(r.Created) ||
			got.Target.ARN != why {
			t.Fatalf("run round trip\n got %+v\nwant %+v", got, r)
		}
		if err := s.PutStep(ctx, store.StepRecord{RunID: r.ID, Index: 0, Name: msg, Status: store.StepFailed,
			Message: reason, Output: data}); err != nil {
			t.Fatalf("PutStep: %v", err)
		}
		steps, err := s.Steps(ctx, r.ID)
		if err != nil || len(steps) != 1 || steps[0].Name != text || steps[0].Message != why || !bytes.Equal(steps[0].Output, data) {
			t.Fatalf("Steps = %+v, %v", steps, err)
		}
		if err := s.AppendAudit(ctx, store.AuditEntry{Kind: store.AuditKind(playbook), RunID: r.ID, Message: msg, Data: data}); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
		audit, err := s.Audit(ctx, store.AuditFilter{RunID: r.ID, Kinds: []store.AuditKind{store.AuditKind(playbook)}})
		if err != nil || len(audit) == 0 || audit[len(audit)-1].Message != text || !bytes.Equal(audit[len(audit)-1].Data, data) {
			t.Fatalf("Audit = %+v, %v", audit, err)
		}
		err = s.RecordEvent(ctx, store.EventRecord{ID: key, Status: store.EventRejected, Reason: reason,
			Raw: data, Playbooks: []string{playbook, msg}})
		if !utf8.ValidString(msg) {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("RecordEvent with playbook %q = %v, want ErrInvalid", msg, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("RecordEvent: %v", err)
		}
		events, err := s.ListEvents(ctx, store.EventFilter{ID: key, Limit: 1})
		if err != nil || len(events) != 1 || events[0].Reason != why || !bytes.Equal(events[0].Raw, data) ||
			len(events[0].Playbooks) != 2 || events[0].Playbooks[0] != playbook || events[0].Playbooks[1] != msg {
			t.Fatalf("ListEvents = %+v, %v", events, err)
		}
	})
}
