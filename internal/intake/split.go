package intake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/rectify-dev/rectify/internal/event"
)

// Format is the shape of an input.
type Format int

const (
	// Auto tells the shape from the content: a JSON array is a list of
	// events; input whose first line is a complete JSON value with more
	// input after it is JSON Lines; anything else is one event, or several
	// written one after the other.
	Auto Format = iota
	// Lines is JSON Lines: one event per line, blank lines ignored.
	Lines
)

// MaxLine is the longest line JSON Lines input may hold: twice the largest
// event, so that an oversized event still reaches the engine and is
// rejected with its size. A longer line is reported and skipped.
const MaxLine = 2 * event.MaxSize

// item is one event found in the input, or a part of the input that could
// not be read as one (err set, raw nil).
type item struct {
	raw   []byte
	line  int
	index int
	// end is the offset just past the item in the input.
	end int64
	err error
}

var bom = []byte("\xef\xbb\xbf")

// split reads the events in r and passes each to yield, stopping early when
// yield returns false. The error is a failure to read r.
func split(r io.Reader, format Format, yield func(item) bool) error {
	if format == Lines {
		return splitLines(r, 0, 1, yield)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	splitBytes(data, yield)
	return nil
}

// splitBytes splits data in the Auto format.
func splitBytes(data []byte, yield func(item) bool) {
	start := 0
	if bytes.HasPrefix(data, bom) {
		start = len(bom)
	}
	start += leadingSpace(data[start:])
	if start == len(data) {
		return
	}
	if data[start] == '[' {
		splitArray(data, start, yield)
		return
	}
	first, rest := data[start:], []byte(nil)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first, rest = first[:i], first[i+1:]
	}
	if len(trimSpace(rest)) > 0 && json.Valid(first) {
		// The error of a bytes.Reader is never anything but io.EOF.
		_ = splitLines(bytes.NewReader(data[start:]), int64(start), lineAt(data, start), yield)
		return
	}
	splitValues(data, start, yield)
}

// splitArray yields the elements of the JSON array at data[start:]. An
// array that is not valid JSON is yielded whole, as one (malformed) event.
func splitArray(data []byte, start int, yield func(item) bool) {
	if !json.Valid(data[start:]) {
		yield(item{raw: trimSpace(data[start:]), line: lineAt(data, start), end: int64(len(data))})
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data[start:]))
	if _, err := dec.Token(); err != nil {
		return
	}
	ls := newLines(data)
	for i := 0; dec.More(); i++ {
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return
		}
		end := int64(start) + dec.InputOffset()
		at := int(end) - len(m)
		if !yield(item{raw: m, line: ls.at(at), index: i, end: end}) {
			return
		}
	}
}

// splitValues yields the JSON values written one after the other in
// data[start:]. From the first value that is not valid JSON, the rest of
// the input is yielded as one (malformed) event.
func splitValues(data []byte, start int, yield func(item) bool) {
	dec := json.NewDecoder(bytes.NewReader(data[start:]))
	ls := newLines(data)
	prev := start
	for i := 0; ; i++ {
		var m json.RawMessage
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			at := prev + leadingSpace(data[prev:])
			yield(item{raw: trimSpace(data[at:]), line: ls.at(at), index: i, end: int64(len(data))})
			return
		}
		end := start + int(dec.InputOffset())
		at := end - len(m)
		if !yield(item{raw: m, line: ls.at(at), index: i, end: int64(end)}) {
			return
		}
		prev = end
	}
}

// splitLines yields one event per non-blank line of r. offset and line are
// the position of r's first byte in the whole input.
func splitLines(r io.Reader, offset int64, line int, yield func(item) bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	index := 0
	for ; ; line++ {
		text, n, tooLong, err := readLine(br, MaxLine)
		if n == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		offset += n
		if line == 1 {
			text = bytes.TrimPrefix(text, bom)
		}
		var it item
		switch {
		case tooLong:
			it = item{line: line, index: index, end: offset,
				err: fmt.Errorf("line is longer than %d bytes; skipped", MaxLine)}
		default:
			text = trimSpace(text)
			if len(text) == 0 {
				if err != nil {
					return ignoreEOF(err)
				}
				continue
			}
			it = item{raw: text, line: line, index: index, end: offset}
		}
		index++
		if !yield(it) {
			return nil
		}
		if err != nil {
			return ignoreEOF(err)
		}
	}
}

func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// readLine reads one line, without its newline, keeping at most max bytes.
// n counts every byte read, newline included; tooLong reports that the line
// was longer than max and its text is not returned. The returned text is a
// copy.
func readLine(br *bufio.Reader, max int) (text []byte, n int64, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if !tooLong {
			if len(text)+len(chunk) > max+1 {
				tooLong, text = true, nil
			} else {
				text = append(text, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		text = bytes.TrimSuffix(text, []byte("\n"))
		return text, n, tooLong, err
	}
}

// trimSpace removes JSON whitespace from both ends of b.
func trimSpace(b []byte) []byte {
	b = b[leadingSpace(b):]
	for len(b) > 0 && leadingSpace(b[len(b)-1:]) == 1 {
		b = b[:len(b)-1]
	}
	return b
}

func leadingSpace(b []byte) int {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			return i
		}
	}
	return len(b)
}

// lines tells the line of offsets in data that only grow, counting from 1,
// in time proportional to the length of data overall.
type lines struct {
	data   []byte
	offset int
	line   int
}

func newLines(data []byte) *lines { return &lines{data: data, line: 1} }

// at returns the line of data's byte at offset.
func (l *lines) at(offset int) int {
	offset = min(offset, len(l.data))
	if offset < l.offset {
		l.offset, l.line = 0, 1
	}
	l.line += bytes.Count(l.data[l.offset:offset], []byte("\n"))
	l.offset = offset
	return l.line
}

// lineAt returns the line of data's byte at offset, counting from 1.
func lineAt(data []byte, offset int) int { return newLines(data).at(offset) }
