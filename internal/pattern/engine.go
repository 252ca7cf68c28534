package pattern

import (
	"slices"
	"sync"
)

// member is one pattern of a snapshot.
type member struct {
	id   ID
	root *pnode
}

// tnode is one field path of the patterns of a snapshot. Arrays in events
// are transparent, so a path is a sequence of object keys.
type tnode struct {
	id       int32
	children map[string]*tnode
	keys     []string   // the keys of children, when there are few
	kids     []*tnode   // parallel to keys
	lenMask  uint64     // bit len(key)%64 is set for every key of children
	leaf     *leafIndex // conditions on the leaf values at this path, if any
}

// maxLinearChildren is the number of children up to which a linear search
// of keys beats hashing.
const maxLinearChildren = 8

// child returns the child path for an event key, or nil.
func (t *tnode) child(key []byte) *tnode {
	if t.lenMask&(1<<(len(key)%64)) == 0 {
		return nil
	}
	if t.keys != nil {
		for i, k := range t.keys {
			if len(k) == len(key) && k == string(key) {
				return t.kids[i]
			}
		}
		return nil
	}
	return t.children[string(key)]
}

// leafIndex holds the distinct conditions on the leaf values at one path.
// Exact string conditions are found with one map lookup per value; the
// others are tried in turn.
type leafIndex struct {
	exact    map[string][]int32
	exactLen uint64 // bit len(s)%64 is set for every key of exact
	others   []pred
}

type pred struct {
	id int32
	m  *matcher
}

// cnode and cfield are a pattern compiled against the paths and conditions
// of one snapshot.
type cnode struct {
	fields []cfield
	ors    [][]*cnode
	empty  bool // the node matches where the event has no object at all
}

type cfield struct {
	path        int32
	sub         *cnode  // nested object pattern, or nil for conditions
	preds       []int32 // condition ids
	existsFalse bool
}

type cpat struct {
	id       ID
	root     *cnode
	required [][]int32 // groups of conditions of which one must hold anywhere
	objPaths []int32   // paths of the nested objects the pattern names
	flat     bool      // no $or: required and absent decide when paths are unique
	absent   []absence // the fields with {"exists": false}
}

// absence is a field that matches when it has no leaf value, or when one of
// its other conditions holds.
type absence struct {
	path  int32
	preds []int32
}

// snapshot is an immutable matcher for a set of patterns.
type snapshot struct {
	root    *tnode
	npaths  int
	preds   []*matcher
	pats    []cpat    // sorted by id
	anchors [][]int32 // condition id -> patterns examined when it holds
	always  []int32   // patterns examined for every event

	// prog holds, contiguously for cache locality, what decides each
	// pattern in the common case; progOff[i] is where pattern i starts:
	//
	//	flat, nobj, objPaths..., ngroups, (n, ids...)..., nabsent, (path, n, ids...)...
	//
	// flat is 1 when, where the object paths are unique in the event, the
	// groups and absences decide the pattern; otherwise they are omitted.
	prog    []int32
	progOff []int32
}

type builder struct {
	s       *snapshot
	predIdx map[predKey]int32
}

type predKey struct {
	path int32
	key  string
}

// build compiles patterns into a snapshot.
func build(ms []member) *snapshot {
	slices.SortFunc(ms, func(a, b member) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	b := &builder{s: &snapshot{}, predIdx: make(map[predKey]int32)}
	b.s.root = b.newNode()
	for _, m := range ms {
		c := b.node(m.root, b.s.root)
		p := cpat{id: m.id, root: c, required: requiredGroups(c, nil), objPaths: objectPaths(c, nil)}
		p.flat, p.absent = flatten(c, nil)
		b.s.pats = append(b.s.pats, p)
	}
	b.finish(b.s.root)
	b.s.anchors = make([][]int32, len(b.s.preds))
	usage := make([]int, len(b.s.preds))
	for i := range b.s.pats {
		for _, id := range uniquePreds(b.s.pats[i].root, nil) {
			usage[id]++
		}
	}
	cost := func(g []int32) int {
		c := 0
		for _, id := range g {
			c += usage[id]
		}
		return c
	}
	for i := range b.s.pats {
		p := &b.s.pats[i]
		anchor, ok := bestAnchor(p.root, usage)
		if !ok {
			b.s.always = append(b.s.always, int32(i))
		}
		for _, id := range anchor {
			b.s.anchors[id] = append(b.s.anchors[id], int32(i))
		}
		// The program checks the rarest, most discriminating groups first,
		// and not the anchor, which holds for every candidate it brings.
		groups := slices.Clone(p.required)
		if ok {
			groups = slices.DeleteFunc(groups, func(g []int32) bool { return slices.Equal(g, anchor) })
		}
		slices.SortStableFunc(groups, func(x, y []int32) int { return cost(x) - cost(y) })
		b.s.progOff = append(b.s.progOff, int32(len(b.s.prog)))
		b.s.prog = appendProgram(b.s.prog, p, groups)
	}
	return b.s
}

// finish lays out small child sets for linear search.
func (b *builder) finish(t *tnode) {
	if n := len(t.children); n > 0 && n <= maxLinearChildren {
		for k, c := range t.children {
			t.keys = append(t.keys, k)
			t.kids = append(t.kids, c)
		}
	}
	for _, c := range t.children {
		b.finish(c)
	}
}

func (b *builder) newNode() *tnode {
	t := &tnode{id: int32(b.s.npaths)}
	b.s.npaths++
	return t
}

func (b *builder) node(pn *pnode, t *tnode) *cnode {
	c := &cnode{}
	for _, f := range pn.fields {
		ch := t.children[f.name]
		if ch == nil {
			if t.children == nil {
				t.children = make(map[string]*tnode)
			}
			ch = b.newNode()
			t.children[f.name] = ch
			t.lenMask |= 1 << (len(f.name) % 64)
		}
		cf := cfield{path: ch.id, existsFalse: f.existsFalse}
		if f.sub != nil {
			cf.sub = b.node(f.sub, ch)
		} else {
			if ch.leaf == nil {
				ch.leaf = &leafIndex{}
			}
			for _, m := range f.conds {
				cf.preds = append(cf.preds, b.pred(ch, m))
			}
		}
		c.fields = append(c.fields, cf)
	}
	for _, alts := range pn.ors {
		cs := make([]*cnode, len(alts))
		for i, a := range alts {
			cs[i] = b.node(a, t)
		}
		c.ors = append(c.ors, cs)
	}
	c.empty = matchesEmpty(c)
	return c
}

// matchesEmpty reports whether c matches an event with no fields at its
// level: EventBridge matches flattened field paths, so a pattern object whose
// fields are all {"exists": false} also matches where the object is absent.
func matchesEmpty(c *cnode) bool {
	for i := range c.fields {
		f := &c.fields[i]
		if f.sub != nil && !f.sub.empty || f.sub == nil && !f.existsFalse {
			return false
		}
	}
	for _, alts := range c.ors {
		if !slices.ContainsFunc(alts, func(a *cnode) bool { return a.empty }) {
			return false
		}
	}
	return true
}

// pred returns the id of condition m at path t, shared by every pattern that
// states the same condition on the same path.
func (b *builder) pred(t *tnode, m *matcher) int32 {
	key := predKey{t.id, m.key}
	if id, ok := b.predIdx[key]; ok {
		return id
	}
	id := int32(len(b.s.preds))
	b.predIdx[key] = id
	b.s.preds = append(b.s.preds, m)
	if m.kind == mExact {
		if t.leaf.exact == nil {
			t.leaf.exact = make(map[string][]int32)
		}
		t.leaf.exact[m.str] = append(t.leaf.exact[m.str], id)
		t.leaf.exactLen |= 1 << (len(m.str) % 64)
	} else {
		t.leaf.others = append(t.leaf.others, pred{id: id, m: m})
	}
	return id
}

// requiredGroups lists, for every field that must match whatever the $or
// alternatives, the conditions of which one must hold somewhere in the event.
func requiredGroups(c *cnode, out [][]int32) [][]int32 {
	for i := range c.fields {
		f := &c.fields[i]
		switch {
		case f.sub != nil:
			out = requiredGroups(f.sub, out)
		case !f.existsFalse:
			out = append(out, f.preds)
		}
	}
	return out
}

func appendProgram(prog []int32, p *cpat, groups [][]int32) []int32 {
	if !p.flat {
		prog = append(prog, 0, int32(len(p.objPaths)))
		return append(prog, p.objPaths...)
	}
	prog = append(prog, 1, int32(len(p.objPaths)))
	prog = append(prog, p.objPaths...)
	prog = append(prog, int32(len(groups)))
	for _, g := range groups {
		prog = append(prog, int32(len(g)))
		prog = append(prog, g...)
	}
	prog = append(prog, int32(len(p.absent)))
	for _, a := range p.absent {
		prog = append(prog, a.path, int32(len(a.preds)))
		prog = append(prog, a.preds...)
	}
	return prog
}

// flatten lists the {"exists": false} fields of a pattern without $or, which
// with its required groups decide it where the event has at most one object
// on each of its paths. A nested object that is absent from the event
// matches exactly when its fields all have {"exists": false}; then its
// absences hold too, so objects need no check of their own.
func flatten(c *cnode, out []absence) (bool, []absence) {
	if len(c.ors) > 0 {
		return false, nil
	}
	for i := range c.fields {
		f := &c.fields[i]
		switch {
		case f.sub != nil:
			var ok bool
			if ok, out = flatten(f.sub, out); !ok {
				return false, nil
			}
		case f.existsFalse:
			out = append(out, absence{path: f.path, preds: f.preds})
		}
	}
	return true, out
}

func objectPaths(c *cnode, out []int32) []int32 {
	for i := range c.fields {
		if f := &c.fields[i]; f.sub != nil {
			out = append(out, f.path)
			out = objectPaths(f.sub, out)
		}
	}
	for _, alts := range c.ors {
		for _, a := range alts {
			out = objectPaths(a, out)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func uniquePreds(c *cnode, out []int32) []int32 {
	var walk func(*cnode)
	walk = func(c *cnode) {
		for i := range c.fields {
			if c.fields[i].sub != nil {
				walk(c.fields[i].sub)
			}
			out = append(out, c.fields[i].preds...)
		}
		for _, alts := range c.ors {
			for _, a := range alts {
				walk(a)
			}
		}
	}
	walk(c)
	slices.Sort(out)
	return slices.Compact(out)
}

// bestAnchor picks a set of conditions one of which must hold for the
// pattern to match, preferring conditions few other patterns share.
func bestAnchor(c *cnode, usage []int) ([]int32, bool) {
	var best []int32
	bestCost := -1
	consider := func(set []int32) {
		cost := 0
		for _, id := range set {
			cost += usage[id]
		}
		if bestCost < 0 || cost < bestCost {
			best, bestCost = set, cost
		}
	}
	for i := range c.fields {
		f := &c.fields[i]
		switch {
		case f.sub != nil:
			if set, ok := bestAnchor(f.sub, usage); ok {
				consider(set)
			}
		case !f.existsFalse && len(f.preds) > 0:
			consider(f.preds)
		}
	}
	for _, alts := range c.ors {
		var union []int32
		ok := true
		for _, a := range alts {
			set, aok := bestAnchor(a, usage)
			if !aok {
				ok = false
				break
			}
			union = append(union, set...)
		}
		if ok {
			slices.Sort(union)
			consider(slices.Compact(union))
		}
	}
	return best, bestCost >= 0
}

// evEntry is one object or leaf value of the event at a path some pattern
// names. Children of an object form a linked list.
type evEntry struct {
	path   int32
	first  int32 // first child, or -1
	next   int32 // next sibling, or -1
	lo, hi int32 // the conditions that hold, as hits[lo:hi]
	obj    bool
}

// state is the reusable scratch space of one match.
type state struct {
	data []byte
	pos  int

	entries   []evEntry
	hits      []int32
	buf       []byte
	fired     []int32
	cands     []int32
	matched   []int32
	predStamp []uint32
	patStamp  []uint32
	pathStamp []uint32 // objCount and leafCount are valid where pathStamp is gen
	objCount  []int32  // objects seen at each path
	leafCount []int32  // leaf values seen at each path
	gen       uint32
}

func getState(pool *sync.Pool) *state {
	if st, ok := pool.Get().(*state); ok {
		return st
	}
	return &state{}
}

func (st *state) begin(s *snapshot) {
	st.gen++
	if st.gen == 0 {
		clear(st.predStamp)
		clear(st.patStamp)
		clear(st.pathStamp)
		st.gen = 1
	}
	if len(st.predStamp) < len(s.preds) {
		st.predStamp = make([]uint32, len(s.preds)+len(s.preds)/4)
	}
	if len(st.pathStamp) < s.npaths {
		n := s.npaths + s.npaths/4
		st.pathStamp, st.objCount, st.leafCount = make([]uint32, n), make([]int32, n), make([]int32, n)
	}
	if len(st.patStamp) < len(s.pats) {
		st.patStamp = make([]uint32, len(s.pats)+len(s.pats)/4)
	}
	st.entries = st.entries[:0]
	st.hits = st.hits[:0]
	st.fired = st.fired[:0]
	st.cands = st.cands[:0]
	st.matched = st.matched[:0]
}

// run matches the event against the snapshot, leaving the indexes of the
// matching patterns, in order, in st.matched.
func (st *state) run(s *snapshot, data []byte) error {
	st.begin(s)
	st.data, st.pos = data, 0
	err := st.scan(s)
	st.data = nil
	if err != nil {
		st.matched = st.matched[:0]
		return err
	}
	st.evaluate(s)
	return nil
}

func (st *state) scan(s *snapshot) error {
	data := st.data
	st.skipWS()
	if st.pos >= len(data) || data[st.pos] != '{' {
		return st.errorf("an event must be a JSON object")
	}
	st.entries = append(st.entries, evEntry{first: -1, next: -1, obj: true})
	if err := st.object(s.root, 0, 1); err != nil {
		return err
	}
	st.skipWS()
	if st.pos != len(data) {
		return st.errorf("unexpected data after the event object")
	}
	return nil
}

func (st *state) evaluate(s *snapshot) {
	gen := st.gen
	for _, id := range st.fired {
		for _, pi := range s.anchors[id] {
			if st.patStamp[pi] != gen {
				st.patStamp[pi] = gen
				st.cands = append(st.cands, pi)
			}
		}
	}
	st.cands = append(st.cands, s.always...)
	for _, pi := range st.cands {
		var ok bool
		switch code := s.prog[s.progOff[pi]:]; {
		case !st.uniqueIn(code[2 : 2+code[1]]):
			p := &s.pats[pi]
			ok = st.requiredHold(p.required) && st.evalNode(p.root, 0)
		case code[0] == 1:
			ok = st.runProgram(code[2+code[1]:])
		default:
			ok = st.evalUnique(s.pats[pi].root)
		}
		if ok {
			st.matched = append(st.matched, pi)
		}
	}
	slices.Sort(st.matched)
}

func (st *state) requiredHold(groups [][]int32) bool {
	for _, g := range groups {
		ok := false
		for _, id := range g {
			if st.predStamp[id] == st.gen {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// runProgram decides a flat pattern from its groups and absences in prog.
func (st *state) runProgram(code []int32) bool {
	gen := st.gen
	k := int32(1)
	for range code[0] {
		n := code[k]
		ids := code[k+1 : k+1+n]
		k += 1 + n
		ok := false
		for _, id := range ids {
			if st.predStamp[id] == gen {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	nabs := code[k]
	k++
	for range nabs {
		path, n := code[k], code[k+1]
		ids := code[k+2 : k+2+n]
		k += 2 + n
		if st.pathStamp[path] != gen || st.leafCount[path] == 0 {
			continue
		}
		ok := false
		for _, id := range ids {
			if st.predStamp[id] == gen {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// uniqueIn reports whether the event has at most one object at each of paths.
func (st *state) uniqueIn(paths []int32) bool {
	for _, p := range paths {
		if st.pathStamp[p] == st.gen && st.objCount[p] > 1 {
			return false
		}
	}
	return true
}

// evalUnique evaluates a pattern object when the event has at most one
// object at each path the pattern names. Every condition then holds in the
// one place it can, so whether it holds anywhere decides.
func (st *state) evalUnique(c *cnode) bool {
	gen := st.gen
	for i := range c.fields {
		f := &c.fields[i]
		if f.sub != nil {
			if st.pathStamp[f.path] != gen || st.objCount[f.path] == 0 {
				if !f.sub.empty {
					return false
				}
			} else if !st.evalUnique(f.sub) {
				return false
			}
			continue
		}
		ok := false
		for _, id := range f.preds {
			if st.predStamp[id] == gen {
				ok = true
				break
			}
		}
		if !ok && !(f.existsFalse && (st.pathStamp[f.path] != gen || st.leafCount[f.path] == 0)) {
			return false
		}
	}
	for _, alts := range c.ors {
		ok := false
		for _, a := range alts {
			if st.evalUnique(a) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// evalNode evaluates a pattern object against one event object, following
// the structure of the event so that fields matched inside an array of
// objects hold in the same element.
func (st *state) evalNode(c *cnode, obj int32) bool {
	for i := range c.fields {
		f := &c.fields[i]
		ok, leafSeen, objSeen := false, false, false
		for e := st.entries[obj].first; e >= 0; e = st.entries[e].next {
			en := &st.entries[e]
			if en.path != f.path {
				continue
			}
			if f.sub != nil {
				if en.obj {
					objSeen = true
					if st.evalNode(f.sub, e) {
						ok = true
						break
					}
				}
				continue
			}
			if en.obj {
				continue
			}
			leafSeen = true
			if st.anyHit(en, f.preds) {
				ok = true
				break
			}
		}
		if !ok && f.sub == nil && f.existsFalse && !leafSeen {
			ok = true
		}
		if !ok && f.sub != nil && f.sub.empty && !objSeen {
			ok = true
		}
		if !ok {
			return false
		}
	}
	for _, alts := range c.ors {
		ok := false
		for _, a := range alts {
			if st.evalNode(a, obj) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (st *state) anyHit(en *evEntry, preds []int32) bool {
	for _, h := range st.hits[en.lo:en.hi] {
		for _, p := range preds {
			if h == p {
				return true
			}
		}
	}
	return false
}
