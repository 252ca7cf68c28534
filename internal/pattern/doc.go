// Package pattern compiles Amazon EventBridge event patterns and matches
// events against them.
//
// A pattern is written exactly as in an EventBridge rule. [Compile] validates
// it and returns a [Pattern]; a [Set] holds many compiled patterns, each under
// an [ID], and matches an event against all of them in one pass over the raw
// JSON bytes of the event. The cost of [Set.Match] grows with the size of the
// event and the number of distinct fields the patterns name, not with the
// number of patterns: every leaf condition is evaluated once per event value,
// however many patterns share it, and only patterns whose most selective
// condition holds are examined further.
//
// # Semantics
//
// The package follows the EventBridge user guide ("Event patterns",
// "Comparison operators for use in event patterns", "Arrays in event
// patterns"):
//
//   - Every field of a pattern must be present in the event with the same
//     nesting (fields are ANDed); the value of a pattern field is either a
//     nested object or a non-empty array of conditions, any one of which may
//     hold (conditions are ORed).
//   - Arrays in the event are transparent: a condition holds if it holds for
//     any element, at any depth of nesting. When several fields of one pattern
//     object are matched inside an array of objects, they must hold in the same
//     element (array-consistent matching).
//   - Exact values: a string matches an equal string, true, false and null
//     match themselves, and a number matches a JSON number of equal value
//     (outside the numeric range below, such as an account ID, one written
//     the same way). Strings never match numbers: "300" does not match 300.
//   - prefix, suffix, equals-ignore-case and wildcard, alone or combined with
//     equals-ignore-case, match string values only. Ignoring case uses Unicode
//     simple case folding, one character for one: "É" matches "é" and "k"
//     matches the Kelvin sign "K", but "ß" does not match "ss".
//   - wildcard: "*" matches any run of characters, including none; "\*" is a
//     literal asterisk and "\\" a literal backslash; any other escape, and two
//     consecutive unescaped "*", make the pattern invalid.
//   - anything-but takes a string, a number, a list of only strings or only
//     numbers, or an object with prefix, suffix, equals-ignore-case or wildcard
//     (each a string or a list of strings). It holds for a value that the
//     inner condition does not match; it never holds for a missing field.
//   - numeric takes "=", or one lower bound (">", ">=") and/or one upper
//     bound ("<", "<="), lower first. It matches JSON numbers only. AWS limits
//     numeric matching to values between -5.0e9 and +5.0e9 inclusive, with six
//     digits to the right of the decimal point: numbers are compared at that
//     resolution (so 300, 300.0 and 3.0e2 are equal), pattern bounds outside
//     the range are rejected, and event values outside it never match a
//     numeric condition.
//   - cidr takes an IPv4 or IPv6 prefix such as "10.0.0.0/24" and matches
//     string values that are IP addresses of the same family inside it.
//   - exists works on leaf nodes only: {"exists": true} holds when the field
//     has a string, number, boolean or null value (directly or as an array
//     element); {"exists": false} holds when it has none, so a field whose
//     value is an object, or an empty array, does not exist. As EventBridge
//     matches flattened field paths, {"exists": false} also holds where the
//     enclosing object is itself missing.
//   - "$or" with an array of two or more objects is a disjunction of the
//     objects at that level; it may be nested. Any other use of "$or" is an
//     ordinary field name.
//
// Invalid patterns are rejected with an [*Error] that names the JSON path and
// the reason: malformed JSON, a pattern that is not an object, empty objects
// or arrays, duplicate fields, unknown operators, values of the wrong type,
// empty or inverted numeric ranges, malformed CIDR blocks, and patterns longer
// than EventBridge accepts (4096 characters).
//
// Events must be a single JSON object; malformed JSON, and nesting deeper than
// the 1100 levels EventBridge processes, return an [*EventError].
package pattern
