package pattern

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// ID names a pattern in a Set.
type ID = string

// Set holds compiled patterns by ID and matches events against all of them
// at once. It is safe for concurrent use: Match may run while Add and Remove
// change the set; a Match sees the set as it was at some moment during the
// call.
type Set struct {
	mu      sync.Mutex
	members map[ID]*pnode
	snap    atomic.Pointer[snapshot] // nil when members changed since the last build
	pool    sync.Pool                // of *state
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{members: make(map[ID]*pnode)}
}

// Add compiles src and stores it under id, replacing any pattern already
// stored under id. An invalid pattern leaves the set unchanged and returns an
// error wrapping the *Error.
func (s *Set) Add(id ID, src []byte) error {
	root, err := compileRoot(src)
	if err != nil {
		return fmt.Errorf("pattern %q: %w", id, err)
	}
	s.mu.Lock()
	s.members[id] = root
	s.snap.Store(nil)
	s.mu.Unlock()
	return nil
}

// AddPattern stores an already compiled pattern under id, replacing any
// pattern already stored under id.
func (s *Set) AddPattern(id ID, p *Pattern) {
	s.mu.Lock()
	s.members[id] = p.root
	s.snap.Store(nil)
	s.mu.Unlock()
}

// Remove deletes the pattern stored under id and reports whether there was
// one.
func (s *Set) Remove(id ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.members[id]; !ok {
		return false
	}
	delete(s.members, id)
	s.snap.Store(nil)
	return true
}

// Len returns the number of patterns in the set.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.members)
}

// Match returns the IDs of the patterns that match the event, sorted and
// without duplicates. A malformed event returns an *EventError.
func (s *Set) Match(event []byte) ([]ID, error) {
	return s.MatchAppend(nil, event)
}

// MatchAppend is like Match but appends the IDs to dst and returns the
// extended slice, so that a caller can reuse one slice across events.
func (s *Set) MatchAppend(dst []ID, event []byte) ([]ID, error) {
	snap := s.current()
	st := getState(&s.pool)
	err := st.run(snap, event)
	if err == nil {
		for _, pi := range st.matched {
			dst = append(dst, snap.pats[pi].id)
		}
	}
	s.pool.Put(st)
	return dst, err
}

// current returns the snapshot for the present members, building it if
// members changed since the last build.
func (s *Set) current() *snapshot {
	if snap := s.snap.Load(); snap != nil {
		return snap
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.snap.Load(); snap != nil {
		return snap
	}
	ms := make([]member, 0, len(s.members))
	for id, root := range s.members {
		ms = append(ms, member{id: id, root: root})
	}
	snap := build(ms)
	s.snap.Store(snap)
	return snap
}
