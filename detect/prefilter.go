package detect

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// prefilter finds keyword occurrences, ASCII case-insensitively, in one pass
// over the input without copying it. It is an Aho-Corasick automaton
// compiled to a DFA over byte classes with premultiplied state ids, so the
// inner loop is two table loads and a compare per byte.
//
// We first used github.com/petar-dambovaliev/aho-corasick; on source-like
// text it ran at ~120 MB/s and was a third of the engine's time (interface
// calls and an allocation per match). This automaton runs at several
// hundred MB/s and reports exactly the overlapping matches we need.
type prefilter struct {
	cls     [256]uint8 // byte -> class
	ncls    int
	kw      []string
	kwLen   []int
	maxKw   int
	kwRules [][]kwRule

	// The trie with failure links, built at once (a few hundred
	// microseconds). Short scans walk it directly; see dfaAfter.
	rootRow  []int32 // root's child by class (0: none)
	kidStart []int32 // node i's children are kidCls/kidTo[kidStart[i]:kidStart[i+1]]
	kidCls   []uint8 // sorted within a node
	kidTo    []int32 //
	fail     []int32 // failure link by node
	outStart []int32 // keyword ids ending at node i, failure links' included,
	outList  []int32 // are outList[outStart[i]:outStart[i+1]] (see trieOuts)
	order    []int32 // nodes in breadth-first order
	slowSeen atomic.Int64

	// kwPre, when not nil for a keyword, holds the bytes that may come
	// right before it for any of its rules to be able to match there, and
	// kwPreStart says whether it may start the input (see setPre).
	kwPre      []*byteSet
	kwPreStart []bool

	// The DFA, built the first time a scan needs it.
	dfaOnce    sync.Once
	dfaReady   atomic.Bool
	trans      []uint32  // premultiplied: next = trans[state+class]
	matchStart uint32    // states >= matchStart (premultiplied) have outputs
	outs       [][]int32 // per state index (state/ncls - firstMatch): keyword ids
	firstMatch int
	recip      uint64 // 2^32/ncls rounded up (see emit)
}

// dfaAfter is how many bytes an engine scans by walking the trie before it
// builds the DFA. The DFA of the default rules' 1342 keywords has 6968
// states and a 1.6 MB table: building it cost 11 ms of a 10 KB stdin scan
// (fresh memory is slow to touch in a VM), more than walking the trie over
// the few kilobytes that a pre-commit hook or stdin scan sees.
const dfaAfter = 1 << 20

// kwRule is a rule that a keyword belongs to: the rule's index in the
// engine and the keyword's index among the rule's keywords.
type kwRule struct {
	rule int32
	kw   uint16
}

func newPrefilter(keywords []string, kwRules [][]kwRule) *prefilter {
	p := &prefilter{kwRules: kwRules, kw: keywords}
	if len(keywords) == 0 {
		return p
	}
	// Byte classes: one per distinct (lower-cased) keyword byte.
	var used [256]bool
	for _, k := range keywords {
		for i := 0; i < len(k); i++ {
			used[lower(k[i])] = true
		}
	}
	p.ncls = 1
	for c := 0; c < 256; c++ {
		if used[c] {
			p.cls[c] = uint8(p.ncls)
			p.ncls++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		p.cls[c] = p.cls[c+'a'-'A']
	}
	// The trie, built from the keywords in sorted order: a keyword shares
	// its path with the one before for their common prefix, so children
	// are created in class order and no lookup is needed. Edges are then
	// laid out by parent (kidStart, kidCls, kidTo).
	total := 1
	p.kwLen = make([]int, len(keywords))
	for i, k := range keywords {
		total += len(k)
		p.kwLen[i] = len(k)
		p.maxKw = max(p.maxKw, len(k))
	}
	low := make([]string, len(keywords))
	sorted := make([]int32, len(keywords))
	for i, k := range keywords {
		low[i] = asciiLower(k)
		sorted[i] = int32(i)
	}
	slices.SortFunc(sorted, func(a, b int32) int { return strings.Compare(low[a], low[b]) })
	// Nodes are numbered as they are created; each records its parent
	// and the class of the byte that leads to it (node 0 is the root).
	parent := make([]int32, 1, total)
	pcls := make([]uint8, 1, total)
	ends := make([]int32, len(keywords)) // the node each keyword ends at
	var path []int32                     // path[d]: node at depth d+1 of the previous keyword
	prev := ""
	for _, ki := range sorted {
		k := low[ki]
		common := 0
		for common < len(k) && common < len(prev) && k[common] == prev[common] {
			common++
		}
		path = path[:common]
		st := int32(0)
		if common > 0 {
			st = path[common-1]
		}
		for i := common; i < len(k); i++ {
			nx := int32(len(parent))
			parent = append(parent, st)
			pcls = append(pcls, p.cls[k[i]])
			path = append(path, nx)
			st = nx
		}
		ends[ki] = st
		prev = k
	}
	n := len(parent)
	p.rootRow = make([]int32, p.ncls)
	p.kidStart = make([]int32, n+1)
	for t := 1; t < n; t++ {
		p.kidStart[parent[t]+1]++
	}
	for i := 0; i < n; i++ {
		p.kidStart[i+1] += p.kidStart[i]
	}
	p.kidCls = make([]uint8, n-1)
	p.kidTo = make([]int32, n-1)
	fill := slices.Clone(p.kidStart[:n])
	for t := 1; t < n; t++ { // in creation order: by class within a parent
		f := parent[t]
		p.kidCls[fill[f]] = pcls[t]
		p.kidTo[fill[f]] = int32(t)
		fill[f]++
		if f == 0 {
			p.rootRow[pcls[t]] = int32(t)
		}
	}
	// Breadth-first order (parents before children) and failure links.
	p.order = make([]int32, 0, n)
	p.order = append(p.order, 0)
	p.fail = make([]int32, n)
	for qi := 0; qi < len(p.order); qi++ {
		st := p.order[qi]
		for i := p.kidStart[st]; i < p.kidStart[st+1]; i++ {
			t := p.kidTo[i]
			p.order = append(p.order, t)
			if st != 0 {
				p.fail[t] = p.next(p.fail[st], p.kidCls[i])
			}
		}
	}
	// A node's outputs are the keywords ending there (longest first: the
	// node's own, then its failure node's, which is shallower and so done
	// before it), laid out one node after the other.
	own := fill // reused: keywords ending at each node
	clear(own)
	for _, e := range ends {
		own[e]++
	}
	p.outStart = make([]int32, n+1)
	for _, t := range p.order {
		c := own[t]
		if t != 0 {
			c += p.outStart[p.fail[t]+1] // (a count still: see below)
		}
		p.outStart[t+1] = c
	}
	for i := 0; i < n; i++ {
		p.outStart[i+1] += p.outStart[i]
	}
	p.outList = make([]int32, p.outStart[n])
	at := slices.Clone(p.outStart[:n])
	for _, ki := range sorted {
		e := ends[ki]
		p.outList[at[e]] = ki
		at[e]++
	}
	for _, t := range p.order {
		if t != 0 {
			copy(p.outList[at[t]:p.outStart[t+1]], p.trieOuts(p.fail[t]))
		}
	}
	return p
}

// trieOuts returns the keywords ending at trie node st.
func (p *prefilter) trieOuts(st int32) []int32 {
	return p.outList[p.outStart[st]:p.outStart[st+1]]
}

// child returns node st's child by class c, or -1.
func (p *prefilter) child(st int32, c uint8) int32 {
	for i := p.kidStart[st]; i < p.kidStart[st+1]; i++ {
		if p.kidCls[i] >= c {
			if p.kidCls[i] == c {
				return p.kidTo[i]
			}
			break
		}
	}
	return -1
}

// next is the automaton's transition from node st on class c.
func (p *prefilter) next(st int32, c uint8) int32 {
	for st != 0 {
		if t := p.child(st, c); t >= 0 {
			return t
		}
		st = p.fail[st]
	}
	return p.rootRow[c]
}

// buildDFA compiles the trie to a DFA over byte classes.
func (p *prefilter) buildDFA() {
	n := len(p.fail)
	nc := p.ncls
	// Renumber: states without outputs first, so "has output" is one
	// compare. The root has no outputs (keywords are non-empty) and stays 0.
	// Within each group states go breadth-first: the shallow states, where
	// scans spend nearly all their time, share a few pages of the table.
	newID := make([]int32, n)
	id := int32(0)
	for _, st := range p.order {
		if len(p.trieOuts(st)) == 0 {
			newID[st] = id
			id++
		}
	}
	p.firstMatch = int(id)
	for _, st := range p.order {
		if len(p.trieOuts(st)) > 0 {
			newID[st] = id
			id++
		}
	}
	p.matchStart = uint32(p.firstMatch * nc)
	p.recip = (1<<32)/uint64(nc) + 1
	p.outs = make([][]int32, n-p.firstMatch)
	// The DFA, row by row in breadth-first order: an edge of the trie, or
	// else the failure state's transition (a shallower row, done before).
	p.trans = make([]uint32, n*nc)
	for _, st := range p.order {
		row := p.trans[int(newID[st])*nc : int(newID[st])*nc+nc]
		if st != 0 {
			frow := p.trans[int(newID[p.fail[st]])*nc:]
			copy(row, frow[:nc])
		}
		for i := p.kidStart[st]; i < p.kidStart[st+1]; i++ {
			row[p.kidCls[i]] = uint32(newID[p.kidTo[i]]) * uint32(nc)
		}
		if newID[st] >= int32(p.firstMatch) {
			p.outs[int(newID[st])-p.firstMatch] = p.trieOuts(st)
		}
	}
	p.dfaReady.Store(true)
}

// useDFA reports whether a scan of n more bytes should run the DFA,
// building it once enough bytes have been scanned by walking the trie.
func (p *prefilter) useDFA(n int) bool {
	if p.dfaReady.Load() {
		return true
	}
	if p.slowSeen.Add(int64(n)) <= dfaAfter {
		return false
	}
	p.dfaOnce.Do(p.buildDFA)
	return true
}

// walkTrie finds the keyword occurrences in data without the DFA.
func (p *prefilter) walkTrie(data []byte, hits []hit) []hit {
	st := int32(0)
	for i, b := range data {
		c := p.cls[b]
		if c == 0 {
			st = 0
			continue
		}
		st = p.next(st, c)
		for _, k := range p.trieOuts(st) {
			hits = append(hits, hit{int32(i + 1), k})
		}
	}
	return hits
}

// asciiLower lower-cases the ASCII letters of s.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hit is a keyword occurrence: its end offset and keyword id.
type hit struct{ end, kw int32 }

// streams is how many parts of a chunk the DFA walks at once. The DFA loop
// is bound by the latency of its dependent table loads; walking four
// independent parts in one loop overlaps them.
const streams = 4

// scan records, for every keyword occurrence in data, a window for each
// rule the keyword belongs to.
//
// With changed (see ScanChanged), hits whose window cannot reach a changed
// range are passed over.
func (p *prefilter) scan(data []byte, e *Engine, s *scratch, changed []Range) error {
	if p.fail == nil || len(data) == 0 {
		return nil
	}
	hits := p.find(data, s)
	s.newInput()
	lines := lineIndex{data: data}
	lineWork := 0 // bytes the searches from hits have walked
	for _, h := range hits {
		if !p.preOK(data, int(h.kw), int(h.end)) {
			continue
		}
		end := int(h.end)
		start := end - p.kwLen[h.kw]
		for _, kr := range p.kwRules[h.kw] {
			ri := kr.rule
			if s.offPath[ri] {
				continue
			}
			r := e.rules[ri]
			if err := r.prepare(); err != nil {
				return err
			}
			if changed != nil && !r.requiredByOther && !Overlaps(changed, start-r.before, end+r.after) {
				continue
			}
			if r.need != 0 && !s.holdsByte(data, r.need) {
				continue
			}
			if g := r.guard.Load(); g != nil {
				if !g.check(data, start, int(kr.kw), p.kw[h.kw]) {
					continue
				}
				if r.guardPass.Load() < e.headAfter {
					r.passed(e.headAfter)
				}
			}
			ws, we := max(0, start-r.before), min(len(data), end+r.after)
			if r.lead >= 0 {
				// Matches start at most lead bytes before their keyword;
				// one more byte gives \b and the like their context.
				ws = max(ws, start-r.lead-1)
			}
			if r.lines >= 0 {
				// Hits search for their lines from where they are
				// until that has walked as many bytes as the input
				// holds; then one index of every newline serves the
				// rest (the searches cost at most one more pass).
				if lines.nl == nil && lineWork < len(data) {
					ws, we = linesAround(data, start, r.lines, ws, we)
					lineWork += we - ws
				} else {
					if lines.nl == nil {
						lines.build(s)
					}
					ls, le := lines.around(start, r.lines)
					ws, we = max(ws, ls), min(we, le)
				}
			}
			s.addWindow(int(ri), ws, we)
		}
	}
	return nil
}

// find returns all keyword occurrences in data ordered by end offset.
func (p *prefilter) find(data []byte, s *scratch) []hit {
	n := len(data)
	if !p.useDFA(n) {
		s.hits = p.walkTrie(data, s.hits[:0])
		return s.hits
	}
	if n < 1024 {
		s.hits = p.walk(data, 0, 0, n, s.hits[:0])
		return s.hits
	}
	// Split into parts; each part's walk starts maxKw-1 bytes early so
	// that keywords crossing the boundary are seen, and reports only
	// matches ending inside the part.
	var bounds [streams + 1]int
	for k := 0; k <= streams; k++ {
		bounds[k] = n * k / streams
	}
	var from [streams]int
	for k := 0; k < streams; k++ {
		from[k] = max(0, bounds[k]-p.maxKw+1)
	}
	trans, cls, ms := p.trans, &p.cls, p.matchStart
	var st [streams]uint32
	var parts [streams][]hit
	for k := range parts {
		parts[k] = s.parts[k][:0]
	}
	// Lockstep over the shortest part length, then finish each part.
	step := n
	for k := 0; k < streams; k++ {
		step = min(step, bounds[k+1]-from[k])
	}
	var d [streams][]byte
	for k := range d {
		d[k] = data[from[k] : from[k]+step]
	}
	ex := &s.exits
	for i := 0; i < step; {
		i = walk4(trans, cls, &d, i, min(step, i+walkBlock), ms, &st, ex)
		for k := range streams {
			for j := range ex.n[k] {
				parts[k] = p.emit(parts[k], ex.st[k][j], from[k]+int(ex.at[k][j]), bounds[k])
			}
		}
	}
	out := s.hits[:0]
	for k := 0; k < streams; k++ {
		parts[k] = p.walkFrom(data, st[k], from[k]+step, bounds[k], bounds[k+1], parts[k])
		out = append(out, parts[k]...)
		s.parts[k] = parts[k]
	}
	s.hits = out
	return out
}

// emit appends the keywords of match state st ending at end, if end is
// past lo (the part's own start).
func (p *prefilter) emit(hits []hit, st uint32, end, lo int) []hit {
	if end <= lo {
		return hits
	}
	// st is a multiple of ncls below 2^32: multiplying by the rounded-up
	// reciprocal divides exactly, without a DIV in the hot path.
	for _, k := range p.outs[int(uint64(st)*p.recip>>32)-p.firstMatch] {
		hits = append(hits, hit{int32(end), k})
	}
	return hits
}

// preOK reports whether keyword k ending at end has a byte before it that
// one of its rules allows there.
func (p *prefilter) preOK(data []byte, k, end int) bool {
	if p.kwPre == nil || p.kwPre[k] == nil {
		return true
	}
	if s := end - p.kwLen[k]; s > 0 {
		return p.kwPre[k].has(data[s-1])
	}
	return p.kwPreStart[k]
}

// walk runs the DFA over data[from:to] from the start state.
func (p *prefilter) walk(data []byte, from, lo, to int, hits []hit) []hit {
	return p.walkFrom(data, 0, from, lo, to, hits)
}

func (p *prefilter) walkFrom(data []byte, st uint32, from, lo, to int, hits []hit) []hit {
	trans, cls, ms := p.trans, &p.cls, p.matchStart
	for i := from; i < to; i++ {
		st = trans[st+uint32(cls[data[i]])]
		if st >= ms {
			hits = p.emit(hits, st, i+1, lo)
		}
	}
	return hits
}

// linesAround returns the start of the line k lines before the one holding
// pos and the end (after the newline) of the line k lines after it, looking
// no further than [lo, hi): the window a hit gets is already bounded, and a
// search within it costs less than indexing every line of the input.
func linesAround(data []byte, pos, k, lo, hi int) (int, int) {
	start := lo
	for b, i := pos, 0; i <= k; i++ {
		j := bytes.LastIndexByte(data[lo:b], '\n')
		if j < 0 {
			break
		}
		b = lo + j
		if i == k {
			start = b + 1
		}
	}
	end := hi
	for e, i := pos, 0; i <= k; i++ {
		j := bytes.IndexByte(data[e:hi], '\n')
		if j < 0 {
			break
		}
		e += j + 1
		if i == k {
			end = e
		}
	}
	return start, end
}

// lineIndex finds line boundaries around increasing offsets.
type lineIndex struct {
	data []byte
	nl   []int32 // offsets of '\n'
	cur  int     // index of the first newline at or after the last offset asked
}

func (l *lineIndex) build(s *scratch) {
	nl := s.nl[:0]
	for off := 0; ; {
		j := bytes.IndexByte(l.data[off:], '\n')
		if j < 0 {
			break
		}
		nl = append(nl, int32(off+j))
		off += j + 1
	}
	if nl == nil {
		nl = []int32{}
	}
	s.nl = nl
	l.nl = nl
}

// around returns the start of the line k lines before the one holding pos
// and the end (after the newline) of the line k lines after it.
func (l *lineIndex) around(pos, k int) (int, int) {
	nl := l.nl
	for l.cur < len(nl) && int(nl[l.cur]) < pos {
		l.cur++
	}
	for l.cur > 0 && int(nl[l.cur-1]) >= pos {
		l.cur--
	}
	li := l.cur // newline ending pos's line (or len(nl) for the last line)
	start := 0
	if j := li - 1 - k; j >= 0 {
		start = int(nl[j]) + 1
	}
	end := len(l.data)
	if j := li + k; j < len(nl) {
		end = int(nl[j]) + 1
	}
	return start, end
}
