package pattern

import "fmt"

// Error reports why a pattern is invalid.
type Error struct {
	// Path is the JSON path of the offending element, such as
	// `detail.state[0].prefix`; it is empty for the document as a whole.
	Path string
	// Reason says what is wrong.
	Reason string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "invalid event pattern: " + e.Reason
	}
	return fmt.Sprintf("invalid event pattern at %s: %s", e.Path, e.Reason)
}

// EventError reports why an event cannot be matched.
type EventError struct {
	// Offset is the byte offset in the event at which the problem was found.
	Offset int
	// Reason says what is wrong.
	Reason string
}

func (e *EventError) Error() string {
	return fmt.Sprintf("invalid event at byte %d: %s", e.Offset, e.Reason)
}
