package router

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rectify-dev/rectify/internal/event"
	"github.com/rectify-dev/rectify/internal/playbook"
)

// DefaultExemptTag is the tag key whose presence on a resource exempts it
// from remediation; the tag's value is the reason.
const DefaultExemptTag = "rectify:exempt"

// Exemptions say which resources rectify must leave alone.
type Exemptions struct {
	// Tag is the tag key that exempts the resource carrying it, whatever
	// its value (which is taken as the reason). Empty turns tag
	// exemptions off.
	Tag string
	// List holds the exemptions by account and resource.
	List []Exemption
}

// Exemption exempts the resources it names. A target is exempt when every
// criterion that is set matches it (any entry of a list matching) and the
// exemption has not expired.
type Exemption struct {
	// Reason says why the resources are exempt; it is required and is
	// recorded with every run the exemption skips.
	Reason string
	// Expires, if not zero, is when the exemption ends.
	Expires time.Time
	// Playbooks limits the exemption to these playbooks (IDs or globs);
	// empty means every playbook.
	Playbooks []string
	// Accounts are account IDs or globs.
	Accounts []string
	// Regions are region names or globs.
	Regions []string
	// Resources are resource ARNs, resource IDs, or globs over either
	// ("arn:aws:s3:::public-website-*", "sg-0123*").
	Resources []string
}

// Applied is the exemption that applied to a target.
type Applied struct {
	// Rule names it: "exemptions[2]" or "tag rectify:exempt".
	Rule   string
	Reason string
	// Expires is when it ends, zero for never.
	Expires time.Time
}

func (a *Applied) String() string {
	s := "exempt by " + a.Rule + ": " + a.Reason
	if !a.Expires.IsZero() {
		s += " (until " + a.Expires.UTC().Format(time.RFC3339) + ")"
	}
	return s
}

// Check reports an exemption that would exempt nothing or everything.
func (x Exemptions) Check() error {
	for i, e := range x.List {
		if strings.TrimSpace(e.Reason) == "" {
			return fmt.Errorf("exemptions[%d]: reason is required", i)
		}
		if len(e.Accounts) == 0 && len(e.Resources) == 0 && len(e.Regions) == 0 {
			return fmt.Errorf("exemptions[%d]: name accounts, regions or resources (to exempt a playbook everywhere, disable it)", i)
		}
	}
	return nil
}

// Match returns the first unexpired exemption of the list that covers
// target for playbook at now, or nil.
func (x Exemptions) Match(playbook string, t event.Target, now time.Time) *Applied {
	for i, e := range x.List {
		if !e.Expires.IsZero() && !now.Before(e.Expires) {
			continue
		}
		if !anyGlob(e.Playbooks, playbook) || !anyGlob(e.Accounts, t.Account) || !anyGlob(e.Regions, t.Region) {
			continue
		}
		if len(e.Resources) > 0 && !anyGlob(e.Resources, t.ARN) && !anyGlob(e.Resources, t.ID) {
			continue
		}
		return &Applied{Rule: fmt.Sprintf("exemptions[%d]", i), Reason: e.Reason, Expires: e.Expires}
	}
	return nil
}

// MatchTags returns the tag exemption that tags carry, or nil.
func (x Exemptions) MatchTags(tags map[string]string) *Applied {
	if x.Tag == "" {
		return nil
	}
	v, ok := tags[x.Tag]
	if !ok {
		return nil
	}
	if v = strings.TrimSpace(v); v == "" {
		v = "(no reason given in the tag)"
	}
	return &Applied{Rule: "tag " + x.Tag, Reason: v}
}

// anyGlob reports whether s matches one of globs; an empty list matches
// everything, an empty s nothing.
func anyGlob(globs []string, s string) bool {
	if len(globs) == 0 {
		return true
	}
	if s == "" {
		return false
	}
	for _, g := range globs {
		if glob(g, s) {
			return true
		}
	}
	return false
}

// glob matches s against a pattern in which '*' stands for any run of
// characters (slashes and colons included) and '?' for one.
func glob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// TagLookupAction is the IAM action rectify calls to read a resource's
// tags for tag exemptions when the event does not carry them.
const TagLookupAction = "tag:GetResources"

// LookupTags reports whether a run of pb on t must read the target's tags
// before it acts: tag exemptions are on, the target has an ARN to look up,
// and its event does not carry the resource's tags (Security Hub findings
// do: their Resources[].Tags).
func (x Exemptions) LookupTags(pb *playbook.Playbook, fromSecurityHub bool, t event.Target) bool {
	return x.Tag != "" && t.ARN != "" && !fromSecurityHub && len(pb.Controls) == 0
}

// Permissions returns the IAM permissions a playbook needs with params,
// in member accounts and in rectify's own account: its steps' (see
// playbook.Playbook.Permissions) and, when tag exemptions are on and its
// events may lack the tags, the tag lookup's.
func (x Exemptions) Permissions(pb *playbook.Playbook, params map[string]any) (member, home []string) {
	member, home = pb.Permissions(params)
	if x.Tag != "" && len(pb.Controls) == 0 && !securityHubOnly(pb.Trigger) {
		member = append(member, TagLookupAction)
		sort.Strings(member)
	}
	return member, home
}

// securityHubOnly reports whether a trigger matches only Security Hub
// events.
func securityHubOnly(trigger []byte) bool {
	var p struct {
		Source []any `json:"source"`
	}
	if json.Unmarshal(trigger, &p) != nil || len(p.Source) == 0 {
		return false
	}
	for _, s := range p.Source {
		if s != "aws.securityhub" {
			return false
		}
	}
	return true
}
