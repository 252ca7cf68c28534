package awssim

import (
	"net/http"
	"time"
)

// Amazon Macie: the account's Macie session in a region (enable, read,
// pause or resume, disable). Nothing is discovered or classified.
//
// As in Macie, every call on an account and region where Macie is not
// enabled is refused with AccessDeniedException "Macie is not enabled.",
// and EnableMacie on one where it is answers ConflictException.

type macieService struct {
	s *Server
	// Sessions are keyed by scopeKey.
	Sessions map[string]*macieSession
}

type macieSession struct {
	Status    string
	Frequency string
	Created   time.Time
	Updated   time.Time
}

func newMacie(s *Server) *serviceDef {
	svc := &macieService{s: s, Sessions: map[string]*macieSession{}}
	return &serviceDef{
		Name: "macie2", EventSource: "macie2.amazonaws.com", Protocol: protoRESTJSON, State: svc,
		Resources: func(*call) ([]string, bool) { return noResource() },
		REST: []restRoute{
			{Method: http.MethodPost, Path: "/macie", Op: "EnableMacie", Handler: svc.enableMacie},
			{Method: http.MethodGet, Path: "/macie", Op: "GetMacieSession", Handler: svc.getMacieSession},
			{Method: http.MethodPatch, Path: "/macie", Op: "UpdateMacieSession", Handler: svc.updateMacieSession},
			{Method: http.MethodDelete, Path: "/macie", Op: "DisableMacie", Handler: svc.disableMacie},
		},
	}
}

func macieValidation(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

// session returns the caller's Macie session, refusing the call if Macie
// is not enabled.
func (svc *macieService) session(c *call) (*macieSession, error) {
	m := svc.Sessions[scopeKey(c)]
	if m == nil {
		return nil, errorf(http.StatusForbidden, "AccessDeniedException", "Macie is not enabled.")
	}
	return m, nil
}

func checkMacieInput(status, freq string) error {
	switch status {
	case "", "ENABLED", "PAUSED":
	default:
		return macieValidation("status %q must be ENABLED or PAUSED", status)
	}
	switch freq {
	case "", "FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS":
	default:
		return macieValidation("findingPublishingFrequency %q must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS", freq)
	}
	return nil
}

type macieInput struct {
	Status    string `json:"status"`
	Frequency string `json:"findingPublishingFrequency"`
}

func (svc *macieService) enableMacie(c *call) (int, any, error) {
	var in macieInput
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if err := checkMacieInput(in.Status, in.Frequency); err != nil {
		return 0, nil, err
	}
	if svc.Sessions[scopeKey(c)] != nil {
		return 0, nil, errorf(http.StatusConflict, "ConflictException", "Macie is already enabled for this account.")
	}
	m := &macieSession{Status: in.Status, Frequency: in.Frequency, Created: c.now, Updated: c.now}
	if m.Status == "" {
		m.Status = "ENABLED"
	}
	if m.Frequency == "" {
		m.Frequency = "FIFTEEN_MINUTES"
	}
	svc.Sessions[scopeKey(c)] = m
	return 0, map[string]any{}, nil
}

func (svc *macieService) getMacieSession(c *call) (int, any, error) {
	m, err := svc.session(c)
	if err != nil {
		return 0, nil, err
	}
	role, _ := ServiceLinkedRoleARN(c.partition(), c.Account(), "macie.amazonaws.com")
	return 0, map[string]any{"status": m.Status, "findingPublishingFrequency": m.Frequency, "serviceRole": role,
		"createdAt": isoMillis(m.Created), "updatedAt": isoMillis(m.Updated)}, nil
}

func (svc *macieService) updateMacieSession(c *call) (int, any, error) {
	var in macieInput
	if err := jsonInput(c.body, &in); err != nil {
		return 0, nil, err
	}
	if err := checkMacieInput(in.Status, in.Frequency); err != nil {
		return 0, nil, err
	}
	m, err := svc.session(c)
	if err != nil {
		return 0, nil, err
	}
	if in.Status != "" {
		m.Status = in.Status
	}
	if in.Frequency != "" {
		m.Frequency = in.Frequency
	}
	m.Updated = c.now
	return 0, map[string]any{}, nil
}

func (svc *macieService) disableMacie(c *call) (int, any, error) {
	if _, err := svc.session(c); err != nil {
		return 0, nil, err
	}
	delete(svc.Sessions, scopeKey(c))
	return 0, map[string]any{}, nil
}
