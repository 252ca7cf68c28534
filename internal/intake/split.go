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
	// Auto tells the shape from the content: input that begins with '['
	// is a JSON array of events; any other input is a sequence of JSON
	// values, one event each, written one after the other: one event,
	// JSON Lines, or pretty-printed events one after another. Each event
	// is judged on its own. Where the input is not valid JSON, the bad
	// part, from the value or element where the fault is to the next line
	// that holds a whole JSON object (followed by ',' or ']' inside an
	// array), is passed on as one event, to be rejected and recorded, and
	// reading resumes at that line. So one bad line of JSON Lines, or one
	// bad element of an array written one per line, never loses the
	// events after it.
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
	sp := splitter{data: data, lines: newLines(data), yield: yield}
	if data[start] == '[' {
		sp.array(start)
		return
	}
	sp.values(start)
}

// splitter splits one input in the Auto format.
type splitter struct {
	data  []byte
	lines *lines
	yield func(item) bool
	index int
	// stop is set once yield has returned false.
	stop bool
}

// emit yields the item data[at:end], trimmed, or err when it is set. The
// item ends, for progress, at past, moved over any white space after it.
func (sp *splitter) emit(at, end, past int, err error) bool {
	past += leadingSpace(sp.data[past:])
	it := item{raw: trimSpace(sp.data[at:end]), line: sp.lines.at(at), index: sp.index, end: int64(past), err: err}
	if err != nil {
		it.raw = nil
	}
	sp.index++
	if !sp.yield(it) {
		sp.stop = true
	}
	return !sp.stop
}

// values yields the JSON values written one after the other from
// data[at:].
func (sp *splitter) values(at int) {
	data := sp.data
	for {
		at += leadingSpace(data[at:])
		if at >= len(data) || sp.stop {
			return
		}
		end, ok := valueEnd(data, at)
		if !ok {
			end = resync(data, at, false)
		}
		if !sp.emit(at, end, end, nil) {
			return
		}
		at = end
	}
}

// array yields the elements of the JSON array that begins at data[at], then
// the values after it, if any.
func (sp *splitter) array(at int) {
	data := sp.data
	notClosed := fmt.Errorf("the JSON array that begins on line %d is not closed with ']'", sp.lines.at(at))
	at++ // '['
	at += leadingSpace(data[at:])
	if at < len(data) && data[at] == ']' {
		sp.values(at + 1)
		return
	}
	for !sp.stop {
		at += leadingSpace(data[at:])
		if at >= len(data) {
			sp.emit(at, at, at, notClosed)
			return
		}
		end, ok := valueEnd(data, at)
		if ok {
			// The element must be followed by ',' or ']'.
			next := end + leadingSpace(data[end:])
			switch {
			case next < len(data) && data[next] == ',':
				if !sp.emit(at, end, end, nil) {
					return
				}
				at = next + 1
				continue
			case next < len(data) && data[next] == ']':
				// The last element ends past the ']'.
				if sp.emit(at, end, next+1, nil) {
					sp.values(next + 1)
				}
				return
			case next >= len(data):
				if sp.emit(at, end, end, nil) {
					sp.emit(end, end, end, notClosed)
				}
				return
			}
		}
		end = resync(data, at, true)
		if !sp.emit(at, end, end, nil) || end == len(data) {
			return
		}
		at = end
	}
}

// valueEnd returns the offset just past the JSON value that begins at
// data[at], and whether there is one.
func valueEnd(data []byte, at int) (int, bool) {
	dec := json.NewDecoder(bytes.NewReader(data[at:]))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return 0, false
	}
	return at + int(dec.InputOffset()), true
}

// resync returns where reading resumes after a fault in the value that
// begins at data[at]: the start of the first later line that holds a whole
// JSON object, with a ',' or ']' after it when inArray is set, or the end
// of data.
func resync(data []byte, at int, inArray bool) int {
	nl := bytes.IndexByte(data[at:], '\n')
	if nl < 0 {
		return len(data)
	}
	for p := at + nl + 1; p < len(data); {
		end := len(data)
		if i := bytes.IndexByte(data[p:], '\n'); i >= 0 {
			end = p + i
		}
		line := trimSpace(data[p:end])
		if inArray {
			line = trimSpace(bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("]")), []byte(",")))
		}
		if len(line) > 0 && line[0] == '{' && json.Valid(line) {
			return p
		}
		p = end + 1
	}
	return len(data)
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
