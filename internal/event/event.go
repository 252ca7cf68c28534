// Package event parses and validates Amazon EventBridge events, offers typed
// views of the detail of each AWS source rectify acts on, and derives the
// resources (targets) an event is about.
//
// Parse decodes only the envelope; the detail is decoded on demand by the
// typed views ([Event.CloudTrail], [Event.Findings], [Event.GuardDuty],
// [Event.ConfigCompliance], [Event.TrustedAdvisor], [Event.AccessAnalyzer]),
// by [Event.Map] and by [Event.Targets].
package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MaxSize is the largest event body Parse accepts, in bytes. It is the
// EventBridge event size limit: 1 MB since January 2026 (256 KB before).
const MaxSize = 1 << 20

// ErrKind is wrapped by the error a typed view returns when the event is of
// another kind.
var ErrKind = errors.New("event is of another kind")

// Error reports an event that is invalid or cannot be read as asked.
// Field is the JSON field at fault, as a dotted path ("account",
// "detail.findings"); it is empty when the fault is in the body as a whole
// (malformed JSON, too large).
type Error struct {
	Field  string
	Reason string
	Err    error // underlying cause, if any
}

func (e *Error) Error() string {
	if e.Field == "" {
		return "invalid event: " + e.Reason
	}
	return "invalid event: " + e.Field + ": " + e.Reason
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Event is a parsed EventBridge event.
//
// An Event is safe for concurrent use once Parse has returned, provided its
// fields are not modified.
type Event struct {
	// Raw holds the exact bytes the event was parsed from, including any
	// top-level fields Event has no field for.
	Raw []byte

	Version    string
	ID         string
	DetailType string
	Source     string
	Account    string
	Region     string
	Time       time.Time
	Resources  []string
	// Detail is the raw JSON object of the "detail" field; it aliases Raw.
	Detail json.RawMessage

	mapOnce sync.Once
	m       map[string]any
	mErr    error
}

// Kind says which AWS source and type of event an Event is.
type Kind int

// The kinds of event rectify knows. A kind is decided by the event's
// detail-type together with its source, so a custom event cannot pass for an
// AWS one (EventBridge reserves sources beginning with "aws." to AWS).
const (
	KindUnknown                 Kind = iota
	KindCloudTrail                   // "AWS API Call via CloudTrail", any aws.* source
	KindSecurityHubImported          // "Security Hub Findings - Imported", aws.securityhub
	KindSecurityHubCustomAction      // "Security Hub Findings - Custom Action", aws.securityhub
	KindGuardDuty                    // "GuardDuty Finding", aws.guardduty
	KindConfigCompliance             // "Config Rules Compliance Change", aws.config
	KindTrustedAdvisor               // "Trusted Advisor Check Item Refresh Notification", aws.trustedadvisor
	KindAccessAnalyzer               // "Access Analyzer Finding", aws.access-analyzer
)

// Detail types of the events rectify knows.
const (
	DetailTypeCloudTrail                  = "AWS API Call via CloudTrail"
	DetailTypeSecurityHubImported         = "Security Hub Findings - Imported"
	DetailTypeSecurityHubCustomAction     = "Security Hub Findings - Custom Action"
	DetailTypeGuardDuty                   = "GuardDuty Finding"
	DetailTypeConfigCompliance            = "Config Rules Compliance Change"
	DetailTypeTrustedAdvisor              = "Trusted Advisor Check Item Refresh Notification"
	DetailTypeAccessAnalyzer              = "Access Analyzer Finding"
	sourceSecurityHub, sourceGuardDuty    = "aws.securityhub", "aws.guardduty"
	sourceConfig, sourceTrustedAdvisor    = "aws.config", "aws.trustedadvisor"
	sourceAccessAnalyzer, sourceAWSPrefix = "aws.access-analyzer", "aws."
)

var kindNames = [...]string{
	KindUnknown:                 "unknown",
	KindCloudTrail:              "cloudtrail",
	KindSecurityHubImported:     "securityhub-imported",
	KindSecurityHubCustomAction: "securityhub-custom-action",
	KindGuardDuty:               "guardduty",
	KindConfigCompliance:        "config-compliance",
	KindTrustedAdvisor:          "trustedadvisor",
	KindAccessAnalyzer:          "access-analyzer",
}

// String returns a short lower-case name for k, such as "cloudtrail".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// IsSecurityHub reports whether k is a Security Hub findings event.
func (k Kind) IsSecurityHub() bool {
	return k == KindSecurityHubImported || k == KindSecurityHubCustomAction
}

// Kind returns the kind of e, or KindUnknown.
func (e *Event) Kind() Kind {
	switch e.DetailType {
	case DetailTypeCloudTrail:
		if len(e.Source) > len(sourceAWSPrefix) && e.Source[:len(sourceAWSPrefix)] == sourceAWSPrefix {
			return KindCloudTrail
		}
	case DetailTypeSecurityHubImported:
		if e.Source == sourceSecurityHub {
			return KindSecurityHubImported
		}
	case DetailTypeSecurityHubCustomAction:
		if e.Source == sourceSecurityHub {
			return KindSecurityHubCustomAction
		}
	case DetailTypeGuardDuty:
		if e.Source == sourceGuardDuty {
			return KindGuardDuty
		}
	case DetailTypeConfigCompliance:
		if e.Source == sourceConfig {
			return KindConfigCompliance
		}
	case DetailTypeTrustedAdvisor:
		if e.Source == sourceTrustedAdvisor {
			return KindTrustedAdvisor
		}
	case DetailTypeAccessAnalyzer:
		if e.Source == sourceAccessAnalyzer {
			return KindAccessAnalyzer
		}
	}
	return KindUnknown
}

// Parse parses and validates an EventBridge event. Only the envelope is
// decoded; Detail is kept raw. Parse copies data, so the caller may reuse it.
//
// The body must be one JSON object of at most MaxSize bytes in which no
// object, at any depth, repeats a key (keys compared as decoded, so "a" and
// "\u0061" are the same key): JSON readers disagree on which of repeated
// values counts, so an event with one is refused, with the path of the
// repeated key as the Error's Field.
//
// The fields id, source, detail-type, account and detail are required:
//
//   - id: 1 to MaxIDLen bytes of printable ASCII without spaces;
//   - source, detail-type and version: printable text (valid UTF-8 without
//     control, format or separator characters) of at most MaxSourceLen,
//     MaxDetailTypeLen and MaxVersionLen characters;
//   - account: a 12-digit AWS account id;
//   - region (if present): an AWS region name (see IsRegion);
//   - time (if present): an RFC 3339 timestamp;
//   - resources (if present): an array of at most MaxResources strings, each
//     printable text of at most MaxResourceLen characters;
//   - detail: a JSON object.
//
// A null field counts as absent. Top-level fields Event has no field for are
// kept in Raw. Every failure is an *Error naming the field at fault.
func Parse(data []byte) (*Event, error) {
	if len(data) > MaxSize {
		return nil, &Error{Reason: fmt.Sprintf("body of %d bytes exceeds the %d-byte EventBridge event size limit", len(data), MaxSize)}
	}
	raw := make([]byte, len(data))
	copy(raw, data)
	e := &Event{Raw: raw}
	if err := e.parseEnvelope(); err != nil {
		return nil, err
	}
	return e, nil
}
