// Package catalog holds rectify's built-in playbooks.
//
// Each playbook is a YAML file embedded from playbooks/<id>.yaml, with its
// fixtures in testdata/<id>/: the events that should and should not set it
// off and, in expect.yaml, what it makes of each. The playbooks name
// actions by their registered names; loading them needs a registry that
// holds those actions.
package catalog

import (
	"embed"
	"io/fs"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/playbook"
)

//go:embed playbooks/*.yaml
var files embed.FS

// FS returns the built-in playbook files, one <id>.yaml per playbook at
// its root.
func FS() fs.FS {
	sub, err := fs.Sub(files, "playbooks")
	if err != nil {
		// fs.Sub fails only for an invalid directory name.
		panic(err)
	}
	return sub
}

// Load loads the built-in playbooks, checking their actions against reg.
// opts.Registry is replaced by reg.
func Load(reg *action.Registry, opts playbook.Options) ([]*playbook.Playbook, error) {
	opts.Registry = reg
	return playbook.Load(FS(), opts)
}
