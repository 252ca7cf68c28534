package action

import (
	"fmt"
	"sort"
)

// Registry maps action names to specs. The zero value is not usable; call
// [NewRegistry]. A Registry is meant to be filled once at start-up and
// then only read; it is not safe for concurrent registration.
type Registry struct {
	specs map[string]*Spec
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{specs: make(map[string]*Spec)}
}

// Register adds spec to the registry. It rejects an invalid spec and a name
// that is already registered.
func (r *Registry) Register(spec Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if _, dup := r.specs[spec.Name]; dup {
		return fmt.Errorf("register: action %s is already registered", spec.Name)
	}
	s := spec
	s.Params = append([]Param(nil), spec.Params...)
	s.Reads = append([]string(nil), spec.Reads...)
	s.Writes = append([]string(nil), spec.Writes...)
	s.ExtraPermissions = append([]string(nil), spec.ExtraPermissions...)
	r.specs[s.Name] = &s
	return nil
}

// Lookup returns the spec registered under name.
func (r *Registry) Lookup(name string) (*Spec, bool) {
	s, ok := r.specs[name]
	return s, ok
}

// Len returns the number of registered actions.
func (r *Registry) Len() int { return len(r.specs) }

// All returns every registered spec, sorted by name.
func (r *Registry) All() []*Spec {
	out := make([]*Spec, 0, len(r.specs))
	for _, s := range r.specs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered action names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.specs))
	for name := range r.specs {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Permissions returns the IAM permissions the named actions need: their
// reads, writes and extra permissions, sorted and without duplicates. With no
// names it covers every registered action. It is an error to name an action
// that is not registered, so that a policy is never silently too small.
func (r *Registry) Permissions(names ...string) ([]string, error) {
	specs, err := r.pick(names)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range specs {
		out = append(out, s.Permissions()...)
	}
	return sortedUnique(out), nil
}

// Operations returns the AWS operations the named actions call, reads and
// writes, sorted and without duplicates. With no names it covers every
// registered action.
func (r *Registry) Operations(names ...string) ([]string, error) {
	specs, err := r.pick(names)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range specs {
		out = append(out, s.Reads...)
		out = append(out, s.Writes...)
	}
	return sortedUnique(out), nil
}

func (r *Registry) pick(names []string) ([]*Spec, error) {
	if len(names) == 0 {
		return r.All(), nil
	}
	out := make([]*Spec, 0, len(names))
	for _, name := range names {
		s, ok := r.specs[name]
		if !ok {
			return nil, fmt.Errorf("unknown action %q", name)
		}
		out = append(out, s)
	}
	return out, nil
}
