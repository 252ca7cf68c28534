package intake_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rectify-dev/rectify/internal/engine"
	"github.com/rectify-dev/rectify/internal/intake"
	"github.com/rectify-dev/rectify/internal/store"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestWalk(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b.jsonl": "", "a.json": "", "c.NDJSON": "", "notes.txt": "", "sub/d.json": "",
		".hidden.json": "", ".git/e.json": "", "sub/_f.json": "",
	})
	got, err := intake.Walk(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i], _ = filepath.Rel(dir, got[i])
		got[i] = filepath.ToSlash(got[i])
	}
	want := []string{"a.json", "b.jsonl", "c.NDJSON", "sub/_f.json", "sub/d.json"}
	if !slices.Equal(got, want) {
		t.Errorf("Walk = %q, want %q", got, want)
	}
	one := filepath.Join(dir, "notes.txt")
	if got, err := intake.Walk(one); err != nil || !slices.Equal(got, []string{one}) {
		t.Errorf("Walk(file) = %q, %v; want the file itself", got, err)
	}
	if _, err := intake.Walk(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Walk(missing) error = %v", err)
	}
}

func TestFilesRun(t *testing.T) {
	e := newEnv(t)
	dir := writeFiles(t, map[string]string{
		"1-one.json":    thing("f1", "a") + "\n",
		"2-array.json":  "[\n" + thing("f2", "b") + ",\n" + other("f3") + "\n]\n",
		"3-lines.jsonl": thing("f4", "c") + "\n\n{broken\n" + thing("f5", "fail") + "\n" + thing("f1", "a") + "\n",
		"4-empty.json":  "\n",
		"5-bad.json":    "{\n  \"id\": \n",
		"6-lines.json":  "nope\n" + thing("f6", "d") + "\n" + thing("f7", "e") + "\n",
		"7-array.json":  "[\n" + thing("f8", "g") + ",\n{broken,\n" + thing("f9", "h") + "\n]\n",
	})
	paths, err := intake.Walk(dir)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	var lastRead, lastTotal int64
	src := &intake.Files{Paths: paths, Progress: func(read, total int64) {
		if read < lastRead || read > total {
			t.Errorf("progress %d/%d after %d", read, total, lastRead)
		}
		lastRead, lastTotal = read, total
	}}
	err = src.Run(context.Background(), intake.HandleFunc(e.eng, func(m intake.Meta, res *engine.Result, err error) {
		status := "?"
		if res != nil {
			status = string(res.Status)
		}
		seen = append(seen, filepath.Base(m.Origin)+" "+status)
	}))
	want := []string{
		"1-one.json:1 matched",
		"2-array.json:2 matched", "2-array.json:3 unmatched",
		"3-lines.jsonl:1 matched", "3-lines.jsonl:3 rejected", "3-lines.jsonl:4 matched", "3-lines.jsonl:5 duplicate",
		"5-bad.json:1 rejected",
		"6-lines.json:1 rejected", "6-lines.json:2 matched", "6-lines.json:3 matched",
		"7-array.json:2 matched", "7-array.json:3 rejected", "7-array.json:4 matched",
	}
	if !slices.Equal(seen, want) {
		t.Errorf("events seen:\n%q\nwant\n%q", seen, want)
	}
	var got []string
	for _, err := range intake.Errors(err) {
		var ee *intake.EventError
		if !errors.As(err, &ee) {
			t.Errorf("error %v is not an *EventError", err)
			continue
		}
		kind := "other"
		switch {
		case errors.Is(err, engine.ErrRejected):
			kind = "rejected"
		case errors.Is(err, intake.ErrRemediationFailed):
			kind = "failed"
		case errors.Is(err, intake.ErrNoEvents):
			kind = "none"
		}
		got = append(got, filepath.Base(ee.Meta.Origin)+" "+kind)
	}
	wantErrs := []string{"3-lines.jsonl:3 rejected", "3-lines.jsonl:4 failed", "4-empty.json none", "5-bad.json:1 rejected",
		"6-lines.json:1 rejected", "7-array.json:3 rejected"}
	if !slices.Equal(got, wantErrs) {
		t.Errorf("errors:\n%q\nwant\n%q", got, wantErrs)
	}
	if lastTotal == 0 || lastRead != lastTotal {
		t.Errorf("progress ended at %d/%d, want all of it", lastRead, lastTotal)
	}
	for _, name := range []string{"a", "b", "c", "d", "e", "g", "h"} {
		if e.count(name) != 1 {
			t.Errorf("touched = %v, want each of a, b, c, d, e, g and h once", e.touched)
			break
		}
	}
	if n := e.events(t, store.EventRejected); n != 4 {
		t.Errorf("%d rejected events recorded, want 4", n)
	}
}

func TestFilesStdinAndMissing(t *testing.T) {
	e := newEnv(t)
	missing := filepath.Join(t.TempDir(), "missing.json")
	var origins []string
	src := &intake.Files{Paths: []string{missing, intake.Stdin}, In: strings.NewReader(thing("s1", "a") + "\n" + thing("s2", "b"))}
	err := src.Run(context.Background(), func(ctx context.Context, raw []byte) error {
		m, ok := intake.MetaFrom(ctx)
		if !ok || m.Source != "file" {
			t.Errorf("meta = %+v, %v", m, ok)
		}
		origins = append(origins, m.Origin)
		_, err := e.eng.Handle(ctx, raw)
		return err
	})
	if !slices.Equal(origins, []string{"stdin:1", "stdin:2"}) {
		t.Errorf("origins = %q", origins)
	}
	errs := intake.Errors(err)
	if len(errs) != 1 || !errors.Is(errs[0], os.ErrNotExist) || !strings.Contains(errs[0].Error(), "missing.json") {
		t.Errorf("errors = %v, want one naming the missing file", errs)
	}
}

func TestFilesStopsWithContext(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.jsonl": "1\n2\n3\n", "b.jsonl": "4\n"})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	paths, _ := intake.Walk(dir)
	err := (&intake.Files{Paths: paths}).Run(ctx, func(context.Context, []byte) error {
		n++
		cancel()
		return nil
	})
	if n != 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("handled %d events, error %v; want 1 and context.Canceled", n, err)
	}
}
