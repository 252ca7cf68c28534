package dynamodb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/rectify-dev/rectify/internal/store"
)

// Attribute names. Key and index attributes are generic; record attributes
// are short, since every attribute name counts toward an item's size and
// its read and write cost.
const (
	attrPK      = "pk"
	attrSK      = "sk"
	attrListPK  = "lpk"
	attrListSK  = "lsk"
	attrDuePK   = "dpk"
	attrDueSK   = "dsk"
	attrExpires = "exp"
	attrKind    = "t"

	attrID         = "id"
	attrKey        = "key"
	attrRunID      = "run"
	attrPlaybook   = "pb"
	attrEvent      = "ev"
	attrEventKey   = "evk"
	attrAccount    = "acct"
	attrRegion     = "rgn"
	attrResType    = "rtype"
	attrResID      = "rid"
	attrARN        = "arn"
	attrFinding    = "fid"
	attrProduct    = "prod"
	attrMode       = "mode"
	attrStatus     = "st"
	attrNextStep   = "next"
	attrWakeAt     = "wake"
	attrAttempts   = "att"
	attrError      = "err"
	attrInput      = "in"
	attrNotified   = "ntf"
	attrCreated    = "cr"
	attrUpdated    = "up"
	attrLeaseOwner = "lo"
	attrLeaseUntil = "lu"
	attrVersion    = "ver"

	attrIndex    = "idx"
	attrName     = "name"
	attrAction   = "act"
	attrMessage  = "msg"
	attrOutput   = "out"
	attrStarted  = "sta"
	attrFinished = "fin"

	attrTime      = "tm"
	attrData      = "data"
	attrReceived  = "rcv"
	attrSource    = "src"
	attrDetail    = "dt"
	attrReason    = "why"
	attrPlaybooks = "pbs"
	attrRaw       = "raw"
	attrSize      = "size"
	attrTrunc     = "trunc"
)

// Values of the key and index attributes.
const (
	skRun        = "RUN"
	skKey        = "KEY"
	skAudit      = "AUDIT"
	prefixRun    = "RUN#"
	prefixKey    = "KEY#"
	prefixEvent  = "EVENT#"
	prefixEvKey  = "EVK#"
	skEvent      = "EVENT"
	prefixAudit  = "AUDIT#"
	prefixStep   = "STEP#"
	listRuns     = "RUNS"
	listEvents   = "EVENTS"
	listAudit    = "AUDIT"
	dueRuns      = "DUE"
	kindRun      = "run"
	kindKey      = "key"
	kindStep     = "step"
	kindAudit    = "audit"
	kindEvent    = "event"
	kindEventID  = "evid"
	sortSep      = "#"
	sortAfterSep = "$" // the byte after sortSep: a bound above every key with a given prefix
)

// maxItemSize is DynamoDB's limit on the size of an item: the lengths of
// its attribute names and values together.
const maxItemSize = 400 << 10

// itemMargin is kept free below maxItemSize when a raw event body is cut to
// fit, for the per-attribute overhead that itemSize does not count exactly.
const itemMargin = 1 << 10

// timeKey encodes t as 16 hex digits that sort as the times do, negative
// Unix nanoseconds included: the int64 with its sign bit flipped.
func timeKey(t time.Time) string {
	return fmt.Sprintf("%016x", uint64(t.UnixNano())^(1<<63))
}

// zeroTimeKey sorts before the timeKey of every storable time.
const zeroTimeKey = "0000000000000000"

// maxIDInKey is the longest identifier written into a key as it is. Sort
// keys hold at most 1024 bytes and partition keys 2048.
const maxIDInKey = 512

// idKey returns id as it appears in keys: itself, or if it is longer than
// maxIDInKey, "~sha256:" and its hash.
func idKey(id string) string {
	if len(id) <= maxIDInKey {
		return id
	}
	h := sha256.Sum256([]byte(id))
	return "~sha256:" + hex.EncodeToString(h[:])
}

func runPK(id string) string { return prefixRun + idKey(id) }

func eventPK(id string) string { return prefixEvent + idKey(id) }

// eventKeyPK is the partition key of the event recorded under key.
func eventKeyPK(key string) string { return prefixEvKey + idKey(key) }

// keyPK is the partition key of the item that reserves an idempotency key.
// The key is hashed so that a key of any length fits DynamoDB's 2048-byte
// limit on partition keys.
func keyPK(key string) string {
	h := sha256.Sum256([]byte(key))
	return prefixKey + hex.EncodeToString(h[:])
}

func stepSK(i int) string { return fmt.Sprintf("%s%020d", prefixStep, i) }

// item is a DynamoDB item under construction. Empty strings, empty byte
// slices and zero times are left out, so an absent attribute means "not
// set".
type item map[string]types.AttributeValue

func (it item) str(name, v string) {
	if v != "" {
		it[name] = &types.AttributeValueMemberS{Value: v}
	}
}

func (it item) num(name string, v int64) {
	it[name] = &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func (it item) time(name string, t time.Time) {
	if !t.IsZero() {
		it.num(name, t.UnixNano())
	}
}

func (it item) bytes(name string, b []byte) {
	if len(b) > 0 {
		it[name] = &types.AttributeValueMemberB{Value: b}
	}
}

func (it item) flag(name string, b bool) {
	if b {
		it[name] = &types.AttributeValueMemberBOOL{Value: true}
	}
}

func (it item) strs(name string, v []string) {
	if len(v) == 0 {
		return
	}
	l := make([]types.AttributeValue, len(v))
	for i, s := range v {
		l[i] = &types.AttributeValueMemberS{Value: s}
	}
	it[name] = &types.AttributeValueMemberL{Value: l}
}

// reader decodes an item, remembering the first attribute of the wrong type.
type reader struct {
	it  map[string]types.AttributeValue
	err error
}

func (r *reader) fail(name, want string, got types.AttributeValue) {
	if r.err == nil {
		r.err = fmt.Errorf("attribute %q is %T, want %s", name, got, want)
	}
}

func (r *reader) str(name string) string {
	v, ok := r.it[name]
	if !ok {
		return ""
	}
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		r.fail(name, "a string", v)
		return ""
	}
	return s.Value
}

func (r *reader) num(name string) int64 {
	v, ok := r.it[name]
	if !ok {
		return 0
	}
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		r.fail(name, "a number", v)
		return 0
	}
	x, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("attribute %q: %w", name, err)
	}
	return x
}

func (r *reader) time(name string) time.Time {
	if _, ok := r.it[name]; !ok {
		return time.Time{}
	}
	return time.Unix(0, r.num(name)).UTC()
}

func (r *reader) bytes(name string) []byte {
	v, ok := r.it[name]
	if !ok {
		return nil
	}
	b, ok := v.(*types.AttributeValueMemberB)
	if !ok {
		r.fail(name, "binary", v)
		return nil
	}
	if len(b.Value) == 0 {
		return nil
	}
	return b.Value
}

func (r *reader) flag(name string) bool {
	v, ok := r.it[name]
	if !ok {
		return false
	}
	b, ok := v.(*types.AttributeValueMemberBOOL)
	if !ok {
		r.fail(name, "a boolean", v)
		return false
	}
	return b.Value
}

func (r *reader) strs(name string) []string {
	v, ok := r.it[name]
	if !ok {
		return nil
	}
	l, ok := v.(*types.AttributeValueMemberL)
	if !ok {
		r.fail(name, "a list", v)
		return nil
	}
	out := make([]string, 0, len(l.Value))
	for _, e := range l.Value {
		s, ok := e.(*types.AttributeValueMemberS)
		if !ok {
			r.fail(name, "a list of strings", e)
			return nil
		}
		out = append(out, s.Value)
	}
	return out
}

// runMutable are the attributes of a run item that UpdateRun rewrites: the
// mutable fields of a run and the due index's keys. The version, ID, key
// and creation time are not among them.
var runMutable = []string{
	attrPlaybook, attrEvent, attrAccount, attrRegion, attrResType, attrResID, attrARN, attrFinding,
	attrProduct, attrMode, attrStatus, attrNextStep, attrWakeAt, attrAttempts, attrError, attrInput,
	attrNotified, attrUpdated, attrLeaseOwner, attrLeaseUntil, attrDuePK, attrDueSK, attrEventKey,
}

// runItem encodes r as its item. A resumable run carries the due index's
// keys; other runs are absent from that index.
func runItem(r *store.Run) item {
	it := item{}
	it.str(attrPK, runPK(r.ID))
	it.str(attrSK, skRun)
	it.str(attrKind, kindRun)
	it.str(attrListPK, listRuns)
	it.str(attrListSK, timeKey(r.Created)+sortSep+idKey(r.ID))
	if r.Status.Resumable() {
		wake := zeroTimeKey
		if !r.WakeAt.IsZero() {
			wake = timeKey(r.WakeAt)
		}
		it.str(attrDuePK, dueRuns)
		it.str(attrDueSK, wake+sortSep+idKey(r.ID))
	}
	it.str(attrID, r.ID)
	it.str(attrKey, r.Key)
	it.str(attrPlaybook, r.PlaybookID)
	it.str(attrEvent, r.EventID)
	it.str(attrEventKey, r.EventKey)
	t := &r.Target
	it.str(attrAccount, t.Account)
	it.str(attrRegion, t.Region)
	it.str(attrResType, t.ResourceType)
	it.str(attrResID, t.ResourceID)
	it.str(attrARN, t.ARN)
	it.str(attrFinding, t.FindingID)
	it.str(attrProduct, t.ProductARN)
	it.str(attrMode, string(r.Mode))
	it.str(attrStatus, string(r.Status))
	it.num(attrNextStep, int64(r.NextStep))
	it.time(attrWakeAt, r.WakeAt)
	it.num(attrAttempts, int64(r.Attempts))
	it.str(attrError, r.Error)
	it.bytes(attrInput, r.Input)
	it.flag(attrNotified, r.Notified)
	it.time(attrCreated, r.Created)
	it.time(attrUpdated, r.Updated)
	it.str(attrLeaseOwner, r.LeaseOwner)
	it.time(attrLeaseUntil, r.LeaseUntil)
	it.num(attrVersion, r.Version)
	return it
}

func decodeRun(m map[string]types.AttributeValue) (*store.Run, error) {
	d := reader{it: m}
	r := &store.Run{
		ID:         d.str(attrID),
		Key:        d.str(attrKey),
		PlaybookID: d.str(attrPlaybook),
		EventID:    d.str(attrEvent),
		EventKey:   d.str(attrEventKey),
		Target: store.Target{
			Account:      d.str(attrAccount),
			Region:       d.str(attrRegion),
			ResourceType: d.str(attrResType),
			ResourceID:   d.str(attrResID),
			ARN:          d.str(attrARN),
			FindingID:    d.str(attrFinding),
			ProductARN:   d.str(attrProduct),
		},
		Mode:       store.Mode(d.str(attrMode)),
		Status:     store.RunStatus(d.str(attrStatus)),
		NextStep:   int(d.num(attrNextStep)),
		WakeAt:     d.time(attrWakeAt),
		Attempts:   int(d.num(attrAttempts)),
		Error:      d.str(attrError),
		Input:      d.bytes(attrInput),
		Notified:   d.flag(attrNotified),
		Created:    d.time(attrCreated),
		Updated:    d.time(attrUpdated),
		LeaseOwner: d.str(attrLeaseOwner),
		LeaseUntil: d.time(attrLeaseUntil),
		Version:    d.num(attrVersion),
	}
	if d.err != nil {
		return nil, fmt.Errorf("run item %v: %w", m[attrPK], d.err)
	}
	if r.ID == "" {
		return nil, fmt.Errorf("run item %v has no %q attribute", m[attrPK], attrID)
	}
	return r, nil
}

func stepItem(s *store.StepRecord) item {
	it := item{}
	it.str(attrPK, runPK(s.RunID))
	it.str(attrSK, stepSK(s.Index))
	it.str(attrKind, kindStep)
	it.str(attrRunID, s.RunID)
	it.num(attrIndex, int64(s.Index))
	it.str(attrName, s.Name)
	it.str(attrAction, s.Action)
	it.str(attrStatus, string(s.Status))
	it.str(attrMessage, s.Message)
	it.bytes(attrOutput, s.Output)
	it.num(attrAttempts, int64(s.Attempts))
	it.time(attrStarted, s.Started)
	it.time(attrFinished, s.Finished)
	return it
}

func decodeStep(m map[string]types.AttributeValue) (store.StepRecord, error) {
	d := reader{it: m}
	s := store.StepRecord{
		RunID:    d.str(attrRunID),
		Index:    int(d.num(attrIndex)),
		Name:     d.str(attrName),
		Action:   d.str(attrAction),
		Status:   store.StepStatus(d.str(attrStatus)),
		Message:  d.str(attrMessage),
		Output:   d.bytes(attrOutput),
		Attempts: int(d.num(attrAttempts)),
		Started:  d.time(attrStarted),
		Finished: d.time(attrFinished),
	}
	if d.err != nil {
		return s, fmt.Errorf("step item %v %v: %w", m[attrPK], m[attrSK], d.err)
	}
	return s, nil
}

// auditItem encodes a, whose order among entries of the same time is seq.
// An entry of a run lives in the run's partition; others have one of their
// own. Every entry is in the list index's audit partition.
func auditItem(a *store.AuditEntry, seq string) item {
	order := timeKey(a.Time) + sortSep + seq
	it := item{}
	if a.RunID != "" {
		it.str(attrPK, runPK(a.RunID))
		it.str(attrSK, prefixAudit+order)
	} else {
		it.str(attrPK, prefixAudit+order)
		it.str(attrSK, skAudit)
	}
	it.str(attrKind, kindAudit)
	it.str(attrListPK, listAudit)
	it.str(attrListSK, order)
	it.time(attrTime, a.Time)
	it.str(attrStatus, string(a.Kind))
	it.str(attrEvent, a.EventID)
	it.str(attrRunID, a.RunID)
	it.str(attrPlaybook, a.PlaybookID)
	it.str(attrMessage, a.Message)
	it.bytes(attrData, a.Data)
	return it
}

func decodeAudit(m map[string]types.AttributeValue) (store.AuditEntry, error) {
	d := reader{it: m}
	a := store.AuditEntry{
		Time:       d.time(attrTime),
		Kind:       store.AuditKind(d.str(attrStatus)),
		EventID:    d.str(attrEvent),
		RunID:      d.str(attrRunID),
		PlaybookID: d.str(attrPlaybook),
		Message:    d.str(attrMessage),
		Data:       d.bytes(attrData),
	}
	if d.err != nil {
		return a, fmt.Errorf("audit item %v %v: %w", m[attrPK], m[attrSK], d.err)
	}
	return a, nil
}

// eventItem encodes e, whose order among events received at the same time
// is seq. The item's key is the event's Key; every event is also in the
// list index's event partition.
func eventItem(e *store.EventRecord, seq string) item {
	order := timeKey(e.Received) + sortSep + seq
	it := item{}
	it.str(attrPK, eventKeyPK(e.Key))
	it.str(attrSK, skEvent)
	it.str(attrKind, kindEvent)
	it.str(attrListPK, listEvents)
	it.str(attrListSK, order)
	it.str(attrKey, e.Key)
	it.str(attrID, e.ID)
	it.time(attrReceived, e.Received)
	it.str(attrSource, e.Source)
	it.str(attrDetail, e.DetailType)
	it.str(attrAccount, e.Account)
	it.str(attrRegion, e.Region)
	it.str(attrStatus, string(e.Status))
	it.str(attrReason, e.Reason)
	it.strs(attrPlaybooks, e.Playbooks)
	it.bytes(attrRaw, e.Raw)
	it.num(attrSize, int64(e.Size))
	it.flag(attrTrunc, e.Truncated)
	return it
}

// eventIDItem encodes the entry that finds e by its ID: in the partition
// of the events with that ID, sorted by the time received, it names e's
// Key and repeats the attributes ListEvents filters on. It is written
// again, with the same key, when e is recorded again.
func eventIDItem(e *store.EventRecord) item {
	it := item{}
	it.str(attrPK, eventPK(e.ID))
	it.str(attrSK, timeKey(e.Received)+sortSep+idKey(e.Key))
	it.str(attrKind, kindEventID)
	it.str(attrKey, e.Key)
	it.time(attrReceived, e.Received)
	it.str(attrSource, e.Source)
	it.str(attrAccount, e.Account)
	it.str(attrStatus, string(e.Status))
	return it
}

func decodeEvent(m map[string]types.AttributeValue) (store.EventRecord, error) {
	d := reader{it: m}
	e := store.EventRecord{
		Key:        d.str(attrKey),
		ID:         d.str(attrID),
		Received:   d.time(attrReceived),
		Source:     d.str(attrSource),
		DetailType: d.str(attrDetail),
		Account:    d.str(attrAccount),
		Region:     d.str(attrRegion),
		Status:     store.EventStatus(d.str(attrStatus)),
		Reason:     d.str(attrReason),
		Playbooks:  d.strs(attrPlaybooks),
		Raw:        d.bytes(attrRaw),
		Size:       int(d.num(attrSize)),
		Truncated:  d.flag(attrTrunc),
	}
	if d.err != nil {
		return e, fmt.Errorf("event item %v %v: %w", m[attrPK], m[attrSK], d.err)
	}
	return e, nil
}

// itemSize is the size DynamoDB counts for an item: the UTF-8 length of
// each attribute name plus the size of its value. Numbers are counted at
// one byte per digit, an over-estimate.
func itemSize(it item) int {
	n := 0
	for name, v := range it {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return len(v.Value) + 1
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

// checkSize reports an item over DynamoDB's size limit as invalid, naming
// the largest attribute.
func checkSize(op, id string, it item) error {
	size := itemSize(it)
	if size <= maxItemSize {
		return nil
	}
	var big string
	var bigN int
	for name, v := range it {
		if n := valueSize(v); n > bigN {
			big, bigN = name, n
		}
	}
	if f, ok := fieldOf[big]; ok {
		big = f
	}
	return store.Errorf(op, id, fmt.Errorf("item of %d bytes is over DynamoDB's %d-byte limit (%s holds %d bytes): %w",
		size, maxItemSize, big, bigN, store.ErrInvalid))
}

// fieldOf names the fields of the attributes that can make an item large.
var fieldOf = map[string]string{
	attrInput: "Input", attrError: "Error", attrOutput: "Output", attrMessage: "Message",
	attrData: "Data", attrReason: "Reason", attrRaw: "Raw", attrPlaybooks: "Playbooks",
}
