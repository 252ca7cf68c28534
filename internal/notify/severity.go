package notify

import (
	"strings"
)

// severityRank orders the Severity constants; other strings rank 0.
func severityRank(s string) int {
	switch s {
	case SeverityInfo:
		return 1
	case SeverityLow:
		return 2
	case SeverityMedium:
		return 3
	case SeverityHigh:
		return 4
	case SeverityCritical:
		return 5
	}
	return 0
}

// AtLeast returns the higher of two severities.
func AtLeast(s, floor string) string {
	if severityRank(s) >= severityRank(floor) {
		return s
	}
	return floor
}

// EventSeverity returns the severity of what an event reports, as a
// Severity constant: event is the event as event.Event.Map returns it, and
// target, which may be nil, the run's target with its "attributes". It
// reads:
//
//   - a Security Hub finding's Severity.Label (the target's severityLabel
//     attribute, else the highest among the event's findings), or its
//     Normalized score: 0 informational, 1-39 low, 40-69 medium, 70-89
//     high, 90-100 critical;
//   - a GuardDuty finding's severity: 1.0-3.9 low, 4.0-6.9 medium,
//     7.0-8.9 high, 9.0 and above critical;
//   - an Inspector finding's severity label;
//   - a Trusted Advisor check's status: ERROR (red) is high, WARN (yellow)
//     medium.
//
// Other events, such as CloudTrail API calls and Config compliance
// changes, carry no severity: EventSeverity returns SeverityInfo.
func EventSeverity(event, target map[string]any) string {
	if attrs, ok := target["attributes"].(map[string]any); ok {
		if s := labelSeverity(attrs["severityLabel"]); s != "" {
			return s
		}
	}
	detail, _ := event["detail"].(map[string]any)
	source, _ := event["source"].(string)
	sev := ""
	switch source {
	case "aws.securityhub":
		findings, _ := detail["findings"].([]any)
		for _, f := range findings {
			fm, _ := f.(map[string]any)
			s, _ := fm["Severity"].(map[string]any)
			v := labelSeverity(s["Label"])
			if v == "" {
				v = scoreSeverity(s["Normalized"], 100)
			}
			sev = higher(sev, v)
		}
	case "aws.guardduty":
		sev = scoreSeverity(detail["severity"], 10)
	case "aws.inspector2":
		sev = labelSeverity(detail["severity"])
	case "aws.trustedadvisor":
		switch detail["status"] {
		case "ERROR":
			sev = SeverityHigh
		case "WARN":
			sev = SeverityMedium
		}
	}
	if sev == "" {
		return SeverityInfo
	}
	return sev
}

func higher(a, b string) string {
	if severityRank(b) > severityRank(a) {
		return b
	}
	return a
}

// labelSeverity maps a severity label (INFORMATIONAL, LOW, MEDIUM, HIGH,
// CRITICAL, in any case) to a Severity constant, or "".
func labelSeverity(v any) string {
	s, _ := v.(string)
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "INFORMATIONAL", "INFO":
		return SeverityInfo
	case "LOW":
		return SeverityLow
	case "MEDIUM":
		return SeverityMedium
	case "HIGH":
		return SeverityHigh
	case "CRITICAL":
		return SeverityCritical
	}
	return ""
}

// scoreSeverity maps a score on a scale of 0 to max (10 for GuardDuty, 100
// for Security Hub's normalized severity) to a Severity constant, or "" when
// v is not a number.
func scoreSeverity(v any, max float64) string {
	f, ok := v.(float64)
	if !ok {
		switch n := v.(type) {
		case int:
			f, ok = float64(n), true
		case int64:
			f, ok = float64(n), true
		}
	}
	if !ok || f < 0 {
		return ""
	}
	switch x := f * 10 / max; {
	case x >= 9:
		return SeverityCritical
	case x >= 7:
		return SeverityHigh
	case x >= 4:
		return SeverityMedium
	case x >= 0.1 && max == 100, x >= 1:
		return SeverityLow
	}
	return SeverityInfo
}
