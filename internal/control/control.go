// Package control is the table of the Security Hub controls rectify
// knows: each control's consolidated id (IAM.7), its title, the standards
// that contain it and the id each of those standards gives it.
//
// Security Hub names a control in several ways. With consolidated control
// findings on, a finding carries the consolidated id in
// Compliance.SecurityControlId and its GeneratorId is
// "security-control/IAM.7". With them off, and always in the AWS GovCloud
// (US) and China Regions, each enabled standard makes its own finding,
// named by the standard's own id: the GeneratorId is
// "<standard path>/<id>" ("cis-aws-foundations-benchmark/v/1.4.0/1.8",
// "pci-dss/v/3.2.1/PCI.IAM.7") or, for CIS 1.2.0,
// "arn:PARTITION:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.5",
// and ProductFields carries the id as ControlId (RuleId for CIS 1.2.0)
// with the standard's ARN as StandardsArn (StandardsGuideArn for CIS
// 1.2.0). [Resolve] turns any of these into the consolidated id.
package control

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// Standard is a Security Hub standard whose control ids the table holds.
type Standard int

// The standards.
const (
	AFSBP     Standard = iota + 1 // AWS Foundational Security Best Practices v1.0.0
	CIS120                        // CIS AWS Foundations Benchmark v1.2.0
	CIS140                        // CIS AWS Foundations Benchmark v1.4.0
	CIS300                        // CIS AWS Foundations Benchmark v3.0.0
	PCI321                        // PCI DSS v3.2.1
	NIST80053                     // NIST SP 800-53 Rev. 5
	Tagging                       // AWS Resource Tagging Standard v1.0.0
)

type standardInfo struct {
	name string // for people
	key  string // short, for tables and JSON
	path string // as in generator ids and standards ARNs
	// consolidated: the standard names controls by their consolidated
	// ids (a Ref's ID is empty unless the standard's own differs).
	consolidated bool
}

var standards = [...]standardInfo{
	AFSBP:     {"AWS Foundational Security Best Practices v1.0.0", "afsbp", "aws-foundational-security-best-practices/v/1.0.0", true},
	CIS120:    {"CIS AWS Foundations Benchmark v1.2.0", "cis-1.2.0", "cis-aws-foundations-benchmark/v/1.2.0", false},
	CIS140:    {"CIS AWS Foundations Benchmark v1.4.0", "cis-1.4.0", "cis-aws-foundations-benchmark/v/1.4.0", false},
	CIS300:    {"CIS AWS Foundations Benchmark v3.0.0", "cis-3.0.0", "cis-aws-foundations-benchmark/v/3.0.0", false},
	PCI321:    {"PCI DSS v3.2.1", "pci-dss-3.2.1", "pci-dss/v/3.2.1", false},
	NIST80053: {"NIST SP 800-53 Rev. 5", "nist-800-53-r5", "nist-800-53/v/5.0.0", true},
	Tagging:   {"AWS Resource Tagging Standard v1.0.0", "tagging", "aws-resource-tagging-standard/v/1.0.0", true},
}

// Standards returns every standard, in a fixed order.
func Standards() []Standard {
	out := make([]Standard, 0, len(standards)-1)
	for s := range standards {
		if s > 0 {
			out = append(out, Standard(s))
		}
	}
	return out
}

func (s Standard) info() standardInfo {
	if s > 0 && int(s) < len(standards) {
		return standards[s]
	}
	return standardInfo{}
}

// String returns the standard's name, such as "CIS AWS Foundations
// Benchmark v1.2.0".
func (s Standard) String() string { return s.info().name }

// Key returns a short name for the standard, such as "cis-1.2.0".
func (s Standard) Key() string { return s.info().key }

// Path returns the standard as generator ids and standards ARNs name it,
// such as "cis-aws-foundations-benchmark/v/1.2.0".
func (s Standard) Path() string { return s.info().path }

// Ref is a standard that contains a control, with the id it gives it.
type Ref struct {
	Standard Standard
	// ID is the standard's own id for the control ("4.1", "PCI.EC2.5").
	// It is empty when the standard uses the consolidated id.
	ID string
}

// Control is one Security Hub control.
type Control struct {
	// ID is the consolidated (security control) id, such as "IAM.7".
	ID    string
	Title string
	// Refs are the standards that contain the control.
	Refs []Ref
}

// StandardID returns the id r's standard gives the control c: r.ID, or
// c's consolidated id.
func (c *Control) StandardID(r Ref) string {
	if r.ID != "" {
		return r.ID
	}
	return c.ID
}

// Partitions are the AWS partitions in which generator ids that are ARNs
// (CIS 1.2.0's) are written out by GeneratorIDs.
var partitions = [...]string{"aws", "aws-cn", "aws-us-gov"}

// GeneratorIDs returns every GeneratorId a finding of the control may
// carry: "security-control/ID", and the standard-specific ones of each
// standard that contains it (CIS 1.2.0's in the aws, aws-cn and
// aws-us-gov partitions).
func (c *Control) GeneratorIDs() []string {
	out := []string{"security-control/" + c.ID}
	for _, r := range c.Refs {
		sid := c.StandardID(r)
		if r.Standard == CIS120 {
			for _, p := range partitions {
				out = append(out, "arn:"+p+":securityhub:::ruleset/"+CIS120.Path()+"/rule/"+sid)
			}
			continue
		}
		out = append(out, r.Standard.Path()+"/"+sid)
	}
	return out
}

// Standards returns the standards that contain the control, each once,
// in the order of [Standards].
func (c *Control) Standards() []Standard {
	var out []Standard
	for _, r := range c.Refs {
		if !slices.Contains(out, r.Standard) {
			out = append(out, r.Standard)
		}
	}
	slices.Sort(out)
	return out
}

// index holds the table's lookups.
type index struct {
	byID   map[string]*Control            // consolidated id
	byFold map[string]*Control            // lower-cased consolidated id
	byStd  map[Standard]map[string]string // standard id → consolidated id
	all    []*Control                     // sorted by service, then number
}

var theIndex = sync.OnceValue(func() *index {
	ix := &index{byID: map[string]*Control{}, byFold: map[string]*Control{}, byStd: map[Standard]map[string]string{}}
	for i := range table {
		c := &table[i]
		ix.byID[c.ID] = c
		ix.byFold[strings.ToLower(c.ID)] = c
		ix.all = append(ix.all, c)
		for _, r := range c.Refs {
			m := ix.byStd[r.Standard]
			if m == nil {
				m = map[string]string{}
				ix.byStd[r.Standard] = m
			}
			m[c.StandardID(r)] = c.ID
		}
	}
	slices.SortFunc(ix.all, func(a, b *Control) int { return Compare(a.ID, b.ID) })
	return ix
})

// Compare orders control ids by service (case-insensitively), then by
// number: EC2.2 before EC2.13, and both before ECR.1.
func Compare(a, b string) int {
	as, an := split(a)
	bs, bn := split(b)
	return cmp.Or(cmp.Compare(strings.ToLower(as), strings.ToLower(bs)), cmp.Compare(an, bn), cmp.Compare(a, b))
}

func split(id string) (service string, n int) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return id, -1
	}
	for _, c := range id[i+1:] {
		if c < '0' || c > '9' {
			return id, -1
		}
		n = n*10 + int(c-'0')
		if n > 1_000_000 {
			return id, -1
		}
	}
	return id[:i], n
}

// Lookup returns the control whose consolidated id is id.
func Lookup(id string) (*Control, bool) {
	c, ok := theIndex().byID[id]
	return c, ok
}

// All returns every control in the table, ordered by [Compare].
func All() []*Control { return slices.Clone(theIndex().all) }

// IDs returns the consolidated id of every control, ordered by [Compare].
func IDs() []string {
	all := theIndex().all
	out := make([]string, len(all))
	for i, c := range all {
		out[i] = c.ID
	}
	return out
}

// Finding is what Resolve reads of a Security Hub finding.
type Finding struct {
	// SecurityControlID is Compliance.SecurityControlId.
	SecurityControlID string
	GeneratorID       string
	// ProductFields are the finding's product fields; Resolve reads
	// ControlId, RuleId, StandardsArn, StandardsGuideArn and
	// StandardsControlArn.
	ProductFields map[string]string
}

// Resolve returns the consolidated id of the control a finding comes
// from, whatever form names it: Compliance.SecurityControlId, a generator
// id "security-control/ID", or a standard-specific id (generator id,
// ProductFields.ControlId or RuleId) read together with the finding's
// standard. Standards that name controls by their consolidated ids give
// the id itself (AFSBP's ELBv2.1 is ELB.1); for CIS and PCI DSS v3.2.1
// the id must be in the table, since "1.8" means different controls in
// different standards. ok is false when the finding names no control
// Resolve can tell: a finding not made by a control, a bare CIS id with no
// standard, or a standard-specific id the table does not hold.
func Resolve(f Finding) (id string, ok bool) {
	if f.SecurityControlID != "" {
		return f.SecurityControlID, true
	}
	if id, found := strings.CutPrefix(f.GeneratorID, "security-control/"); found && id != "" {
		return id, true
	}
	std, path, sid := parseGenerator(f.GeneratorID)
	if path == "" {
		std, path = standardOf(f.ProductFields)
	}
	if sid == "" {
		sid = f.ProductFields["ControlId"]
	}
	if sid == "" {
		if sid = f.ProductFields["RuleId"]; sid != "" && path == "" {
			// Only CIS 1.2.0 findings carry RuleId.
			std, path = CIS120, CIS120.Path()
		}
	}
	if sid == "" {
		return "", false
	}
	return resolveIn(std, path, sid)
}

// resolveIn interprets sid as the id standard std (or, when std is 0,
// the unknown standard at path, or no standard when path is "") gives a
// control.
func resolveIn(std Standard, path, sid string) (string, bool) {
	ix := theIndex()
	if std != 0 {
		if id, ok := ix.byStd[std][sid]; ok {
			return id, true
		}
		if std.info().consolidated {
			return sid, true
		}
		return "", false
	}
	if path == "service-managed-aws-control-tower/v/1.0.0" {
		// Control Tower's service-managed standard prefixes the
		// consolidated ids with "CT.".
		sid = strings.TrimPrefix(sid, "CT.")
	}
	if _, ok := ix.byID[sid]; ok {
		return sid, true
	}
	if path == "" && strings.HasPrefix(sid, "PCI.") {
		// Only PCI DSS v3.2.1 names its controls "PCI.<service>.<n>".
		id, ok := ix.byStd[PCI321][sid]
		return id, ok
	}
	if path == "service-managed-aws-control-tower/v/1.0.0" {
		return sid, true
	}
	return "", false
}

// parseGenerator splits a standard-specific generator id into its
// standard and the standard's control id. std is 0 for a standard not in
// the table (path is still set); path is "" when the generator id is not a
// standard's.
func parseGenerator(g string) (std Standard, path, sid string) {
	if strings.HasPrefix(g, "arn:") {
		// arn:PARTITION:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.5
		parts := strings.SplitN(g, ":", 6)
		if len(parts) != 6 || parts[2] != "securityhub" {
			return 0, "", ""
		}
		rest, ok := strings.CutPrefix(parts[5], "ruleset/")
		if !ok {
			return 0, "", ""
		}
		i := strings.Index(rest, "/rule/")
		if i < 0 {
			return 0, "", ""
		}
		path, sid = rest[:i], rest[i+len("/rule/"):]
		return standardAt(path), path, sid
	}
	// <name>/v/<version>/<id>
	i := strings.Index(g, "/v/")
	if i <= 0 {
		return 0, "", ""
	}
	j := strings.IndexByte(g[i+3:], '/')
	if j < 0 {
		return 0, "", ""
	}
	path, sid = g[:i+3+j], g[i+3+j+1:]
	if sid == "" {
		return 0, "", ""
	}
	return standardAt(path), path, sid
}

// standardOf returns the standard a finding's product fields name.
func standardOf(pf map[string]string) (Standard, string) {
	for _, k := range [...]string{"StandardsArn", "StandardsGuideArn", "StandardsControlArn"} {
		v := pf[k]
		if v == "" {
			continue
		}
		parts := strings.SplitN(v, ":", 6)
		if len(parts) != 6 || parts[0] != "arn" || parts[2] != "securityhub" {
			continue
		}
		res := parts[5]
		for _, prefix := range [...]string{"standards/", "ruleset/", "control/"} {
			if rest, ok := strings.CutPrefix(res, prefix); ok {
				if prefix == "control/" {
					// control/<path>/<id>
					if i := strings.LastIndexByte(rest, '/'); i > 0 {
						rest = rest[:i]
					}
				}
				return standardAt(rest), rest
			}
		}
	}
	return 0, ""
}

func standardAt(path string) Standard {
	for s, info := range standards {
		if s > 0 && info.path == path {
			return Standard(s)
		}
	}
	return 0
}

// Match is a control an id names, with the standard that names it so.
type Match struct {
	Control *Control
	// Ref is the standard whose id matched; its Standard is 0 when the
	// consolidated id matched.
	Ref Ref
}

// Find returns the controls s names: a consolidated id ("IAM.7", in any
// case), "security-control/IAM.7", a generator id or standard path with a
// standard-specific id ("cis-aws-foundations-benchmark/v/1.2.0/1.5",
// "pci-dss/v/3.2.1/PCI.IAM.7", CIS 1.2.0's ruleset ARN), or a bare
// standard-specific id ("PCI.IAM.7", or "1.8", which may name controls in
// several standards). The matches are ordered by control, then standard.
func Find(s string) []Match {
	ix := theIndex()
	s = strings.TrimSpace(s)
	if id, ok := strings.CutPrefix(s, "security-control/"); ok {
		s = id
	}
	if c, ok := ix.byFold[strings.ToLower(s)]; ok {
		return []Match{{Control: c}}
	}
	var out []Match
	if std, path, sid := parseGenerator(s); path != "" {
		if std == 0 {
			if id, ok := resolveIn(0, path, sid); ok {
				if c, ok := ix.byID[id]; ok {
					return []Match{{Control: c}}
				}
			}
			return nil
		}
		if id, ok := ix.byStd[std][sid]; ok {
			return []Match{{Control: ix.byID[id], Ref: Ref{Standard: std, ID: sid}}}
		}
		return nil
	}
	for _, std := range Standards() {
		if id, ok := ix.byStd[std][s]; ok && !std.info().consolidated {
			out = append(out, Match{Control: ix.byID[id], Ref: Ref{Standard: std, ID: s}})
		}
	}
	// AFSBP's own ids that differ from the consolidated ones (ELBv2.1).
	if id, ok := ix.byStd[AFSBP][s]; ok && id != s {
		out = append(out, Match{Control: ix.byID[id], Ref: Ref{Standard: AFSBP, ID: s}})
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		return cmp.Or(Compare(a.Control.ID, b.Control.ID), cmp.Compare(a.Ref.Standard, b.Ref.Standard))
	})
	return out
}
