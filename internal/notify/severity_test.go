package notify

import "testing"

func TestEventSeverity(t *testing.T) {
	finding := func(sev map[string]any) map[string]any { return map[string]any{"Severity": sev} }
	tests := []struct {
		name   string
		event  map[string]any
		target map[string]any
		want   string
	}{
		{"GuardDuty 8 is high", map[string]any{"source": "aws.guardduty", "detail": map[string]any{"severity": int64(8)}}, nil, SeverityHigh},
		{"GuardDuty 8.9 is high", map[string]any{"source": "aws.guardduty", "detail": map[string]any{"severity": 8.9}}, nil, SeverityHigh},
		{"GuardDuty 9 is critical", map[string]any{"source": "aws.guardduty", "detail": map[string]any{"severity": int64(9)}}, nil, SeverityCritical},
		{"GuardDuty 5.5 is medium", map[string]any{"source": "aws.guardduty", "detail": map[string]any{"severity": 5.5}}, nil, SeverityMedium},
		{"GuardDuty 2 is low", map[string]any{"source": "aws.guardduty", "detail": map[string]any{"severity": int64(2)}}, nil, SeverityLow},
		{"GuardDuty without a severity", map[string]any{"source": "aws.guardduty", "detail": map[string]any{}}, nil, SeverityInfo},
		{"Security Hub label of the target", map[string]any{"source": "aws.securityhub", "detail": map[string]any{"findings": []any{
			finding(map[string]any{"Label": "CRITICAL"})}}}, map[string]any{"attributes": map[string]any{"severityLabel": "MEDIUM"}}, SeverityMedium},
		{"Security Hub highest label", map[string]any{"source": "aws.securityhub", "detail": map[string]any{"findings": []any{
			finding(map[string]any{"Label": "LOW"}), finding(map[string]any{"Label": "HIGH"})}}}, nil, SeverityHigh},
		{"Security Hub normalized score", map[string]any{"source": "aws.securityhub", "detail": map[string]any{"findings": []any{
			finding(map[string]any{"Normalized": int64(40)})}}}, nil, SeverityMedium},
		{"Security Hub informational", map[string]any{"source": "aws.securityhub", "detail": map[string]any{"findings": []any{
			finding(map[string]any{"Label": "INFORMATIONAL"})}}}, nil, SeverityInfo},
		{"Inspector", map[string]any{"source": "aws.inspector2", "detail": map[string]any{"severity": "CRITICAL"}}, nil, SeverityCritical},
		{"Trusted Advisor red", map[string]any{"source": "aws.trustedadvisor", "detail": map[string]any{"status": "ERROR"}}, nil, SeverityHigh},
		{"Trusted Advisor yellow", map[string]any{"source": "aws.trustedadvisor", "detail": map[string]any{"status": "WARN"}}, nil, SeverityMedium},
		{"CloudTrail call", map[string]any{"source": "aws.ec2", "detail": map[string]any{"eventName": "AuthorizeSecurityGroupIngress"}}, nil, SeverityInfo},
		{"nothing", nil, nil, SeverityInfo},
	}
	for _, tt := range tests {
		if got := EventSeverity(tt.event, tt.target); got != tt.want {
			t.Errorf("%s: EventSeverity = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAtLeast(t *testing.T) {
	for _, tt := range []struct{ s, floor, want string }{
		{SeverityInfo, SeverityHigh, SeverityHigh},
		{SeverityCritical, SeverityHigh, SeverityCritical},
		{SeverityHigh, SeverityHigh, SeverityHigh},
		{"", SeverityHigh, SeverityHigh},
	} {
		if got := AtLeast(tt.s, tt.floor); got != tt.want {
			t.Errorf("AtLeast(%q, %q) = %q, want %q", tt.s, tt.floor, got, tt.want)
		}
	}
}
