package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stdin is the path that names standard input.
const Stdin = "-"

// Files is a Source reading the events of files, one file after the other.
// A file holds one JSON event, a JSON array of events, or JSON Lines; files
// named *.jsonl or *.ndjson are always read as JSON Lines, so that a bad
// line never hides the lines after it.
type Files struct {
	// Paths are the files, in the order they are read. Stdin ("-") reads
	// In.
	Paths []string
	// Format overrides how the files are read; Auto decides by name and
	// content.
	Format Format
	// In is read for the path "-"; nil means os.Stdin.
	In io.Reader
	// Progress, if set, is called after each event with the bytes read
	// so far from all the files and their total size (0 when a size is
	// unknown, as for standard input).
	Progress func(read, total int64)
}

// File returns the Source reading the events in one file.
func File(path string) *Files { return &Files{Paths: []string{path}} }

// Run implements Source. A file that cannot be read, or that holds no
// event, is reported as an *EventError and the other files are still read.
func (s *Files) Run(ctx context.Context, fn Func) error {
	total, sizes := int64(0), make([]int64, len(s.Paths))
	for i, p := range s.Paths {
		if p == Stdin {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			sizes[i] = fi.Size()
			total += sizes[i]
		}
	}
	var errs []error
	done := int64(0)
	for i, p := range s.Paths {
		if err := ctx.Err(); err != nil {
			if joined := errors.Join(errs...); !errors.Is(joined, err) {
				errs = append(errs, err)
			}
			break
		}
		err := s.runFile(ctx, p, fn, func(read int64) {
			if s.Progress != nil {
				s.Progress(done+min(read, sizes[i]), total)
			}
		})
		errs = append(errs, err)
		done += sizes[i]
	}
	return errors.Join(errs...)
}

func (s *Files) runFile(ctx context.Context, path string, fn Func, progress func(int64)) error {
	var r io.Reader
	name := path
	if path == Stdin {
		name, r = "stdin", s.In
		if r == nil {
			r = os.Stdin
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return &EventError{Meta: Meta{Source: "file", Origin: path, File: path}, Err: err}
		}
		defer f.Close()
		r = f
	}
	format := s.Format
	if format == Auto && isLinesName(path) {
		format = Lines
	}
	var errs []error
	n := 0
	stopped := false
	rerr := split(r, format, func(it item) bool {
		n++
		m := Meta{Source: "file", File: path, Line: it.line, Index: it.index, Offset: it.end}
		m.Origin = name + ":" + strconv.Itoa(it.line)
		if it.line == 0 {
			m.Origin = name + "[" + strconv.Itoa(it.index) + "]"
		}
		err := it.err
		if err == nil {
			err = fn(WithMeta(ctx, m), it.raw)
		}
		if err != nil {
			errs = append(errs, &EventError{Meta: m, Err: err})
		}
		progress(it.end)
		if ctx.Err() != nil {
			stopped = true
			return false
		}
		return true
	})
	if rerr != nil {
		errs = append(errs, &EventError{Meta: Meta{Source: "file", Origin: name, File: path}, Err: fmt.Errorf("read: %w", rerr)})
	} else if n == 0 && !stopped {
		errs = append(errs, &EventError{Meta: Meta{Source: "file", Origin: name, File: path}, Err: ErrNoEvents})
	}
	if stopped {
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

func isLinesName(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".jsonl" || ext == ".ndjson"
}

// IsEventFile reports whether a file's name says it holds events: *.json,
// *.jsonl or *.ndjson.
func IsEventFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".json" || isLinesName(name)
}

// Walk returns the event files at path: path itself if it is not a
// directory, else every event file (see IsEventFile) under it, in lexical
// order of their paths. Directories and files whose names start with "."
// are skipped.
func Walk(path string) ([]string, error) {
	if path == Stdin {
		return []string{Stdin}, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && d.Type().IsRegular() && IsEventFile(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Errors returns the failures joined in err by a Source's Run, one by one.
func Errors(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, Errors(e)...)
	}
	return out
}
