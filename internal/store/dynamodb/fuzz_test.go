package dynamodb

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/rectify-dev/rectify/internal/store"
)

// FuzzTimeKey checks that time keys sort as the times do, over the whole
// range of int64 nanoseconds.
func FuzzTimeKey(f *testing.F) {
	f.Add(int64(0), int64(1))
	f.Add(int64(-1), int64(0))
	f.Add(int64(-1<<63), int64(1<<63-1))
	f.Fuzz(func(t *testing.T, a, b int64) {
		ka, kb := timeKey(time.Unix(0, a)), timeKey(time.Unix(0, b))
		if (a < b) != (ka < kb) || (a == b) != (ka == kb) {
			t.Errorf("times %d, %d have keys %s, %s in another order", a, b, ka, kb)
		}
	})
}

// FuzzRunItem checks that a valid run survives its item encoding exactly,
// and that its item carries the due index's keys exactly when the run is
// resumable.
func FuzzRunItem(f *testing.F) {
	f.Add("id", "key", "pb", "err", []byte(`{"a":1}`), int64(1), int64(0), "pending", 3, true, "owner")
	f.Add("i\x00d", "", "p", "\xff", []byte{}, int64(-5), int64(-1), "succeeded", 0, false, "")
	f.Fuzz(func(t *testing.T, id, key, pb, msg string, input []byte, created, wake int64, status string, next int, notified bool, owner string) {
		r := &store.Run{ID: id, Key: key, PlaybookID: pb, Error: msg, Input: input, Status: store.RunStatus(status),
			Created: time.Unix(0, created), NextStep: next, Notified: notified, LeaseOwner: owner,
			Target: store.Target{ARN: msg, Account: owner}}
		if wake != 0 {
			r.WakeAt = time.Unix(0, wake)
		}
		if owner != "" {
			r.LeaseUntil = time.Unix(0, wake+1)
		}
		if err := store.PrepareNewRun(r, time.Unix(0, 0)); err != nil {
			return
		}
		it := runItem(r)
		got, err := decodeRun(it)
		if err != nil {
			t.Fatalf("decodeRun: %v", err)
		}
		want := *r
		if len(want.Input) == 0 {
			want.Input = nil
		}
		if !reflect.DeepEqual(*got, want) || !bytes.Equal(got.Input, want.Input) {
			t.Errorf("round trip\n got %+v\nwant %+v", *got, want)
		}
		_, due := it[attrDueSK]
		if due != r.Status.Resumable() {
			t.Errorf("status %s: due key present %v", r.Status, due)
		}
	})
}
