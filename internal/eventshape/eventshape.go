// Package eventshape knows the shape of the events AWS delivers through
// EventBridge, so that a trigger pattern naming a key no event has — a
// misspelt detail_type, a detail.eventname — is caught when the playbook
// is written, rather than never matching in silence.
//
// The envelope's keys are EventBridge's. The keys of the detail come from
// sample events, per source and detail-type: shapes.json holds the key
// paths of every sample event of the project (internal/event/testdata,
// internal/catalog/testdata, internal/demo/events), and is regenerated
// from them (leaving out the insides of the free-form parts below) by
//
//	go test ./internal/eventshape -run TestShapes -update
//
// which a new sample with keys shapes.json lacks makes TestShapes ask for.
// Samples cannot show every key a detail may have, so a few parts are left
// unchecked: the free-form parts (a CloudTrail call's requestParameters
// and responseElements, a finding's ProductFields, a Trusted Advisor
// check's details, ...) and what lies under a documented key that no
// sample has (CloudTrail record fields and ASFF finding fields from AWS's
// documentation). Keys of the detail are checked only when the pattern
// names a source or detail-type that has samples.
package eventshape

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/rectify-dev/rectify/internal/spelling"
)

// Note is a key of a pattern that no event has. Path leads to the key in
// the pattern: object keys, and "$or" followed by the index of a branch.
type Note struct {
	Path []string
	Msg  string
}

// envelopeKeys are the top-level keys of an EventBridge event;
// replay-name is added to events replayed from an archive.
var envelopeKeys = []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail", "replay-name"}

// cloudTrailDetailType is the detail-type of CloudTrail API call events,
// whatever their source.
const cloudTrailDetailType = "AWS API Call via CloudTrail"

// documented returns the detail keys from AWS's documentation that samples
// may lack, for a detail-type: the fields of a CloudTrail record
// ("CloudTrail record contents") and the top-level attributes of an ASFF
// finding ("AWS Security Finding Format (ASFF)"). What lies under them is
// not checked unless a sample shows it.
func documented(detailType string) []string {
	switch detailType {
	case cloudTrailDetailType:
		return []string{
			"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
			"errorCode", "errorMessage", "requestParameters", "responseElements", "additionalEventData", "requestID", "eventID",
			"eventType", "apiVersion", "managementEvent", "readOnly", "resources", "recipientAccountId", "serviceEventDetails",
			"sharedEventID", "vpcEndpointId", "vpcEndpointAccountId", "eventCategory", "addendum", "sessionCredentialFromConsole",
			"edgeDeviceDetails", "tlsDetails", "insightDetails",
			"userIdentity.type", "userIdentity.principalId", "userIdentity.arn", "userIdentity.accountId", "userIdentity.accessKeyId",
			"userIdentity.userName", "userIdentity.sessionContext", "userIdentity.invokedBy", "userIdentity.identityProvider",
			"userIdentity.credentialId", "userIdentity.onBehalfOf", "userIdentity.inScopeOf",
		}
	case "Security Hub Findings - Imported":
		return asffKeys()
	case "Security Hub Findings - Custom Action":
		return append(asffKeys(), "actionName", "actionDescription")
	}
	return nil
}

func asffKeys() []string {
	keys := []string{"AwsAccountId", "CreatedAt", "Description", "FindingProviderFields", "GeneratorId", "Id", "ProductArn",
		"Resources", "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt", "Action", "AwsAccountName", "CompanyName",
		"Compliance", "Confidence", "Criticality", "Detection", "FirstObservedAt", "GeneratorDetails", "LastObservedAt",
		"Malware", "Network", "NetworkPath", "Note", "PatchSummary", "Process", "ProcessedAt", "ProductFields", "ProductName",
		"RecordState", "Region", "RelatedFindings", "Remediation", "Sample", "SourceUrl", "Threats", "ThreatIntelIndicators",
		"UserDefinedFields", "VerificationState", "Vulnerabilities", "Workflow", "WorkflowState"}
	out := []string{"findings"}
	for _, k := range keys {
		out = append(out, "findings."+k)
	}
	return out
}

// open returns the parts of a detail, for a detail-type, whose keys vary
// from one event to the next and are not checked.
func open(detailType string) []string {
	switch detailType {
	case cloudTrailDetailType:
		return []string{"requestParameters", "responseElements", "additionalEventData", "serviceEventDetails",
			"userIdentity.sessionContext", "addendum", "tlsDetails", "edgeDeviceDetails", "insightDetails"}
	case "Security Hub Findings - Imported", "Security Hub Findings - Custom Action":
		return []string{"findings.ProductFields", "findings.UserDefinedFields", "findings.Resources.Details",
			"findings.Resources.Tags", "findings.FindingProviderFields"}
	case "GuardDuty Finding":
		return []string{"service.action", "service.additionalInfo", "service.evidence", "resource.instanceDetails.tags",
			"service.ebsVolumeScanDetails", "service.runtimeDetails"}
	case "Trusted Advisor Check Item Refresh Notification":
		return []string{"check-item-detail"}
	case "Config Rules Compliance Change":
		return []string{"newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier"}
	case "Access Analyzer Finding":
		return []string{"condition", "principal", "action"}
	}
	return nil
}

//go:embed shapes.json
var shapesJSON []byte

// shapeFile is the form of shapes.json.
type shapeFile struct {
	Shapes []shape `json:"shapes"`
}

// shape is the detail keys of the samples of one source and detail-type:
// every path of object keys, array elements seen through, joined by ".".
type shape struct {
	Source     string   `json:"source"`
	DetailType string   `json:"detail_type"`
	Keys       []string `json:"keys"`
}

// shapes parses shapes.json on first use.
var shapes = sync.OnceValue(func() []shape {
	var f shapeFile
	if err := json.Unmarshal(shapesJSON, &f); err != nil {
		panic("eventshape: shapes.json: " + err.Error())
	}
	return f.Shapes
})

// Check returns the keys of an EventBridge event pattern that no event
// has: a top-level key that is not part of the envelope, and a key of the
// detail that no sample event of the pattern's sources or detail-types
// has. A key matched only with {"exists": false} is not reported. A
// pattern that is not a JSON object gives no notes.
func Check(pattern []byte) []Note {
	var p map[string]any
	if json.Unmarshal(pattern, &p) != nil {
		return nil
	}
	known := knownKeys(exact(p["source"]), exact(p["detail-type"]))
	var notes []Note
	seen := map[string]bool{}
	walk(p, nil, nil, nil, func(path, keys []string, at []int, leaf []any) {
		if absent(leaf) {
			return
		}
		f, ok := judge(keys, known)
		if !ok {
			return
		}
		where := path[:at[f.depth-1]+1]
		if k := strings.Join(where, "\x00"); !seen[k] {
			seen[k] = true
			notes = append(notes, Note{Path: slices.Clone(where), Msg: f.msg})
		}
	})
	return notes
}

// walk calls fn for every path from the pattern's root to a matcher list:
// path as it leads there in the pattern ($or and branch indexes
// included), keys the event's keys it names, and at the index in path of
// each of keys.
func walk(m map[string]any, path, keys []string, at []int, fn func(path, keys []string, at []int, leaf []any)) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p := append(slices.Clone(path), k)
		switch v := m[k].(type) {
		case map[string]any:
			walk(v, p, append(slices.Clone(keys), k), append(slices.Clone(at), len(path)), fn)
		case []any:
			if k == "$or" {
				for i, b := range v {
					if bm, ok := b.(map[string]any); ok {
						walk(bm, append(p, strconv.Itoa(i)), keys, at, fn)
					}
				}
				continue
			}
			fn(p, append(slices.Clone(keys), k), append(slices.Clone(at), len(path)), v)
		}
	}
}

// absent reports whether a matcher list only asks for the key to be
// absent.
func absent(leaf []any) bool {
	if len(leaf) == 0 {
		return false
	}
	for _, m := range leaf {
		o, ok := m.(map[string]any)
		if !ok || len(o) != 1 || o["exists"] != false {
			return false
		}
	}
	return true
}

// exact returns the exact strings of a matcher list.
func exact(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, m := range list {
		if s, ok := m.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// known is what is known of the detail of the events a pattern can match.
type known struct {
	// keys are the detail's key paths; nil when nothing is known.
	keys map[string]bool
	// documented are key paths whose insides samples may not show.
	documented map[string]bool
	// open are key paths whose insides are not checked.
	open []string
	// what names the samples, for messages.
	what string
}

func knownKeys(sources, detailTypes []string) known {
	k := known{documented: map[string]bool{}}
	var names []string
	for _, s := range shapes() {
		if !slices.Contains(sources, s.Source) && !slices.Contains(detailTypes, s.DetailType) {
			continue
		}
		if k.keys == nil {
			k.keys = map[string]bool{}
		}
		for _, key := range s.Keys {
			k.keys[key] = true
		}
		names = append(names, s.Source+" ("+s.DetailType+")")
		for _, d := range documented(s.DetailType) {
			k.documented[d] = true
		}
		k.open = append(k.open, open(s.DetailType)...)
	}
	for _, dt := range detailTypes {
		if k.keys != nil {
			for _, d := range documented(dt) {
				k.documented[d] = true
			}
			k.open = append(k.open, open(dt)...)
		}
	}
	slices.Sort(names)
	k.what = strings.Join(slices.Compact(names), ", ")
	return k
}

type finding struct {
	depth int // the number of path elements up to the key at fault
	msg   string
}

// judge finds the first key of keys that no event has, returning how
// many of the pattern's path elements lead to it.
func judge(keys []string, k known) (finding, bool) {
	if len(keys) == 0 {
		return finding{}, false
	}
	if !slices.Contains(envelopeKeys, keys[0]) {
		msg := fmt.Sprintf("EventBridge events have no key %q%s, so this never matches", keys[0], suggest(keys[0], envelopeKeys))
		return finding{depth: 1, msg: msg}, true
	}
	if keys[0] != "detail" || k.keys == nil {
		return finding{}, false
	}
	for i := 2; i <= len(keys); i++ {
		p := strings.Join(keys[1:i], ".")
		if k.isOpen(p) {
			return finding{}, false
		}
		if k.keys[p] || k.documented[p] {
			continue
		}
		parent := strings.Join(keys[1:i-1], ".")
		if parent != "" && k.documented[parent] && !k.hasChildren(parent) {
			return finding{}, false
		}
		msg := fmt.Sprintf("no sample event of %s has detail.%s", k.what, p)
		if hint := suggest(keys[i-1], k.children(parent)); hint != "" {
			msg += hint
		} else {
			msg += "; is it spelt as in the events?"
		}
		return finding{depth: i, msg: msg}, true
	}
	return finding{}, false
}

func (k known) isOpen(p string) bool {
	for _, o := range k.open {
		if p == o || strings.HasPrefix(p, o+".") {
			return true
		}
	}
	return false
}

// children returns the known keys directly under parent ("" for the
// detail's own).
func (k known) children(parent string) []string {
	prefix := ""
	if parent != "" {
		prefix = parent + "."
	}
	var out []string
	add := func(key string) {
		if rest, ok := strings.CutPrefix(key, prefix); ok && rest != "" && !strings.Contains(rest, ".") {
			out = append(out, rest)
		}
	}
	for key := range k.keys {
		add(key)
	}
	for key := range k.documented {
		add(key)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (k known) hasChildren(parent string) bool {
	for key := range k.keys {
		if strings.HasPrefix(key, parent+".") {
			return true
		}
	}
	return false
}

// suggest returns a "did you mean" for key among options: one that
// differs only in case, or the closest spelling.
func suggest(key string, options []string) string {
	for _, o := range options {
		if strings.EqualFold(o, key) {
			return fmt.Sprintf(" (did you mean %q?)", o)
		}
	}
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "-").Replace(s)) }
	for _, o := range options {
		if norm(o) == norm(key) {
			return fmt.Sprintf(" (did you mean %q?)", o)
		}
	}
	if c := spelling.Closest(key, options); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}
