package awssim

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// snapshot is the saved form of a Server's state.
type snapshot struct {
	Version  int                        `json:"version"`
	Offset   time.Duration              `json:"clock_offset"`
	Accounts []string                   `json:"accounts"`
	Creds    map[string]*credential     `json:"credentials"`
	Trail    []trailScope               `json:"trail"`
	Services map[string]json.RawMessage `json:"services"`
}

type trailScope struct {
	Account string        `json:"account"`
	Region  string        `json:"region"`
	Records []TrailRecord `json:"records"`
}

const snapshotVersion = 1

// Snapshot returns the Server's state as JSON: accounts, credentials
// (simulated ones only: the state file of a simulator holds no real
// secret), the activity log and every service's resources. Restore loads
// it back.
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := snapshot{Version: snapshotVersion, Offset: s.offset, Creds: map[string]*credential{}, Services: map[string]json.RawMessage{}}
	for a := range s.accounts {
		snap.Accounts = append(snap.Accounts, a)
	}
	for id, c := range s.creds {
		if c.Principal.Type == "IAMUser" {
			continue // re-registered from IAM's state on restore
		}
		snap.Creds[id] = c
	}
	for k, recs := range s.trail.records {
		snap.Trail = append(snap.Trail, trailScope{k.account, k.region, recs})
	}
	for name, def := range s.services {
		if def.State == nil {
			continue
		}
		b, err := json.Marshal(def.State)
		if err != nil {
			return nil, fmt.Errorf("awssim: snapshot %s: %w", name, err)
		}
		snap.Services[name] = b
	}
	return json.MarshalIndent(snap, "", " ")
}

// Restore replaces the Server's state with a Snapshot.
func (s *Server) Restore(data []byte) error {
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("awssim: restore: %w", err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("awssim: restore: snapshot version %d, want %d", snap.Version, snapshotVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	s.offset = snap.Offset
	for _, a := range snap.Accounts {
		s.addAccountLocked(a)
	}
	for id, c := range snap.Creds {
		s.creds[id] = c
	}
	for _, ts := range snap.Trail {
		s.trail.records[scope{ts.Account, ts.Region}] = ts.Records
	}
	for name, raw := range snap.Services {
		def := s.services[name]
		if def == nil || def.State == nil {
			return fmt.Errorf("awssim: restore: unknown service %q in snapshot", name)
		}
		if err := json.Unmarshal(raw, def.State); err != nil {
			return fmt.Errorf("awssim: restore %s: %w", name, err)
		}
	}
	for _, def := range s.services {
		if def.Restored != nil {
			def.Restored()
		}
	}
	return nil
}

// SaveState writes a Snapshot to path (mode 0600).
func (s *Server) SaveState(path string) error {
	b, err := s.Snapshot()
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("awssim: save state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("awssim: save state: %w", err)
	}
	return nil
}

// LoadState restores the state saved at path. A missing file is not an
// error: the Server keeps its fresh state.
func (s *Server) LoadState(path string) error {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("awssim: load state: %w", err)
	}
	if err := s.Restore(b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
