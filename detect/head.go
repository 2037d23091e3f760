package detect

import (
	"math/bits"
	"regexp/syntax"
	"slices"
	"sync"
	"sync/atomic"
	"unicode"
)

// A head is a small automaton for the start of a guard branch's matches:
// the elements of the regex from the anchor on, as a Glushkov automaton
// over bytes with at most maxHeadPos positions. It is built to accept more
// than the regex (never less): a repetition keeps its first few copies and
// then loops, a list of short words becomes one looping position of its
// bytes, anchors and \b match anywhere, a non-ASCII class loops to take a
// rune's bytes, and the elements that no longer fit are cut off (the head
// accepts where it ends). So when it fails from a hit, no match can have
// its anchor there, and the rule's regex need not run.
//
// Guards see only bytes next to the keyword; a head also sees the value:
// "contextKey = if.return(x)" has its assignment, but no 16-byte value
// follows, so generic-api-key's regex does not run on it.
//
// It runs as a lazily built DFA (like RE2's): a transition is computed the
// first time a scan needs it, under a lock, and published with an atomic
// store; scans read transitions without locking. Past maxHeadStates
// states, a new state accepts (the regex decides).
type head struct {
	cls         [256]uint8 // byte → class
	ncls        uint32
	masks       []pset // class → positions that take its bytes
	follow      []pset // positions that may come after each position
	first, last pset
	trans       []uint32 // state*ncls + class → next state*ncls (0: not computed yet)
	maxStates   int
	// maxLen, when not unbounded, bounds the length of the regex's
	// strings from the anchor on: a head that has not accepted after so
	// many ASCII bytes fails.
	maxLen int

	mu     sync.Mutex
	states []pset // states[i] is the set of state headStart+1+i
	index  map[pset]uint32

	// A match starts with one of the rule's keywords, which the
	// prefilter found (in any case) and the guard checked. When the
	// head's paths over a keyword do not depend on its letters' case,
	// the state after it is kept and the walk starts there (see
	// setKeywords).
	skip []kwSkip
}

// kwSkip is what a head keeps for a keyword: its length, or 0 when its
// case matters, and the state after it (0 until the first walk).
type kwSkip struct {
	n     uint32
	state atomic.Uint32
}

// setKeywords tells the head the rule's keywords (lower-cased, in the
// rule's order), for match to skip over them.
func (h *head) setKeywords(kws []string) {
	h.skip = make([]kwSkip, len(kws))
	for i, k := range kws {
		fold := true
		var at pset // positions after k[:j]
		for j := 0; j < len(k) && fold; j++ {
			c := k[j]
			lo := h.positions(at, j == 0, h.masks[h.cls[c]])
			up := lo
			if c >= 'a' && c <= 'z' {
				up = h.positions(at, j == 0, h.masks[h.cls[c-'a'+'A']])
			}
			fold = c < 0x80 && lo == up
			at = lo
		}
		if fold {
			h.skip[i].n = uint32(len(k))
		}
	}
}

// positions returns the positions the head reaches from those in at (or
// from the start) on a byte of the class whose positions are m.
func (h *head) positions(at pset, start bool, m pset) pset {
	if start {
		return h.first.and(m)
	}
	var d pset
	for w, x := range at {
		for ; x != 0; x &= x - 1 {
			d.or(h.follow[w<<6|bits.TrailingZeros64(x)])
		}
	}
	return d.and(m)
}

// The states of every head's DFA start with these.
const (
	headDead   = 1 // no path is left: no match from here
	headAccept = 2 // some path went through the whole head
	headStart  = 3 // before the first byte
)

// maxHeadStates bounds a head's DFA, and maxHeadTable the bytes of its
// table (heads with many byte classes get fewer states).
const (
	maxHeadStates = 1024
	maxHeadTable  = 128 << 10
)

// pset is a set of head positions.
type pset [2]uint64

// maxHeadPos bounds a head's positions.
const maxHeadPos = 128

// maxHeadScan bounds the bytes a head reads from a hit: past that, it
// leaves the decision to the regex.
const maxHeadScan = 512

func (s *pset) or(t pset)       { s[0] |= t[0]; s[1] |= t[1] }
func (s pset) and(t pset) pset  { return pset{s[0] & t[0], s[1] & t[1]} }
func (s pset) empty() bool      { return s[0]|s[1] == 0 }
func (s *pset) set(p int)       { s[p>>6] |= 1 << (p & 63) }
func (s *pset) keepBelow(n int) { *s = s.and(below(n)) }
func below(n int) pset {
	switch {
	case n >= 128:
		return pset{^uint64(0), ^uint64(0)}
	case n >= 64:
		return pset{^uint64(0), 1<<(n-64) - 1}
	}
	return pset{1<<n - 1, 0}
}

// match reports whether the head can match at data[s:]: false only when
// every path has failed within the data, or none has accepted within
// maxLen bytes. Data that ends first, a path that runs past maxHeadScan,
// or a non-ASCII byte before maxLen (Go's regexp counts a rune as one
// character) count as a match. ki is the number of the rule's keyword
// that data[s:] starts with (see setKeywords), or -1.
func (h *head) match(data []byte, s, ki int) bool {
	end := min(len(data), s+min(h.maxLen, maxHeadScan))
	// States are premultiplied by ncls: a step is an add and a load.
	st, accept := headStart*h.ncls, headAccept*h.ncls
	i := s
	if uint(ki) < uint(len(h.skip)) {
		// data[s:] starts with keyword ki.
		if k := &h.skip[ki]; k.n != 0 && s+int(k.n) <= end {
			if st = k.state.Load(); st == 0 {
				st = h.walk(data[s:s+int(k.n)], headStart*h.ncls)
				k.state.Store(st)
			}
			if st <= accept {
				return st == accept
			}
			i += int(k.n)
		}
	}
	var seen byte
	for _, c := range data[i:end] {
		seen |= c
		k := st + uint32(h.cls[c])
		next := atomic.LoadUint32(&h.trans[k])
		if next == 0 {
			next = h.step(st, k)
		}
		if next <= accept {
			return next == accept
		}
		st = next
	}
	return end == len(data) || end-s < h.maxLen || seen&0x80 != 0
}

// walk returns the state after b from state st, stopping early at the
// dead or the accepting state.
func (h *head) walk(b []byte, st uint32) uint32 {
	for _, c := range b {
		k := st + uint32(h.cls[c])
		next := atomic.LoadUint32(&h.trans[k])
		if next == 0 {
			next = h.step(st, k)
		}
		if st = next; st <= headAccept*h.ncls {
			break
		}
	}
	return st
}

// step computes and stores transition k of state st (both premultiplied
// by ncls, as the table holds them).
func (h *head) step(st, k uint32) uint32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if next := h.trans[k]; next != 0 {
		return next
	}
	var at pset
	if st != headStart*h.ncls {
		at = h.states[st/h.ncls-headStart-1]
	}
	d := h.positions(at, st == headStart*h.ncls, h.masks[k%h.ncls])
	var next uint32
	switch {
	case d.empty():
		next = headDead
	case !d.and(h.last).empty():
		next = headAccept
	default:
		var ok bool
		if next, ok = h.index[d]; !ok {
			if len(h.states)+headStart+1 >= h.maxStates {
				next = headAccept // too many states: let the regex decide
			} else {
				next = uint32(len(h.states) + headStart + 1)
				h.index[d] = next
				h.states = append(h.states, d)
			}
		}
	}
	next *= h.ncls
	atomic.StoreUint32(&h.trans[k], next)
	return next
}

// headBuilder builds a head position by position.
type headBuilder struct {
	sets   []byteSet
	loops  []bool
	follow []pset
	unroll int // copies a repetition keeps before it loops
}

// frag is a part of a head: the positions it can start and end with, and
// whether it can match the empty string.
type frag struct {
	first, last pset
	nullable    bool
}

// newHead builds the head of items (a flattened concatenation starting at
// a guard's anchor), or returns nil when it could check nothing (it
// matches the empty string).
func newHead(items []*syntax.Regexp) *head {
	for _, unroll := range []int{16, 8, 4} {
		b := &headBuilder{unroll: unroll}
		f := frag{nullable: true}
		for i, it := range items {
			mark := len(b.sets)
			g, ok := b.node(it, i == len(items)-1)
			if !ok {
				b.rollback(mark)
				break // cut off here: accept where the head ends
			}
			f = b.concat(f, g)
		}
		if f.nullable {
			return nil
		}
		if len(b.sets) == 0 {
			return nil
		}
		if len(b.sets) == maxHeadPos && unroll > 4 {
			// Full: fewer copies may leave room for more elements.
			continue
		}
		h := b.head(f)
		h.maxLen = maxHeadScan + 1
		if n := maxMatchLen(&syntax.Regexp{Op: syntax.OpConcat, Sub: items}); n != unbounded {
			h.maxLen = n
		}
		return h
	}
	return nil
}

func (b *headBuilder) head(f frag) *head {
	h := &head{follow: b.follow, first: f.first, last: f.last, index: map[pset]uint32{}}
	for p := range b.sets {
		if b.loops[p] {
			h.follow[p].set(p)
		}
	}
	// Bytes that the same positions take form a class.
	for c := 0; c < 256; c++ {
		var m pset
		for p, set := range b.sets {
			if set.has(byte(c)) {
				m.set(p)
			}
		}
		k := slices.Index(h.masks, m)
		if k < 0 {
			k = len(h.masks)
			h.masks = append(h.masks, m)
		}
		h.cls[c] = uint8(k)
	}
	h.ncls = uint32(len(h.masks))
	// Pages of the table that no state reaches are never touched.
	h.maxStates = min(maxHeadStates, maxHeadTable/4/int(h.ncls))
	h.trans = make([]uint32, h.maxStates*int(h.ncls))
	for k := range h.ncls {
		h.trans[headAccept*h.ncls+k] = headAccept * h.ncls
	}
	return h
}

// rollback removes the positions from mark on.
func (b *headBuilder) rollback(mark int) {
	b.sets, b.loops, b.follow = b.sets[:mark], b.loops[:mark], b.follow[:mark]
	for i := range b.follow {
		b.follow[i].keepBelow(mark)
	}
}

func (b *headBuilder) pos(set byteSet, loop bool) (frag, bool) {
	if len(b.sets) == maxHeadPos {
		return frag{}, false
	}
	p := len(b.sets)
	b.sets = append(b.sets, set)
	b.loops = append(b.loops, loop)
	b.follow = append(b.follow, pset{})
	var f frag
	f.first.set(p)
	f.last.set(p)
	return f, true
}

func (b *headBuilder) link(from, to pset) {
	for w, x := range from {
		for ; x != 0; x &= x - 1 {
			b.follow[w<<6|bits.TrailingZeros64(x)].or(to)
		}
	}
}

func (b *headBuilder) concat(f, g frag) frag {
	b.link(f.last, g.first)
	out := frag{first: f.first, last: g.last, nullable: f.nullable && g.nullable}
	if f.nullable {
		out.first.or(g.first)
	}
	if g.nullable {
		out.last.or(f.last)
	}
	return out
}

// loop lets f repeat.
func (b *headBuilder) loop(f frag) frag {
	b.link(f.last, f.first)
	return f
}

// A list of short words (an alternation whose strings are at most
// maxWordLen bytes) that would take more than maxWordsPos positions
// becomes one looping position of its bytes: "value|val|str|string|...".
const (
	maxWordLen  = 16
	maxWordsPos = 12
)

// node builds re: exactly when it fits, else as one looping position of
// its bytes; false when not even that fits. atEnd says that nothing of the
// regex comes after re (see exact).
func (b *headBuilder) node(re *syntax.Regexp, atEnd bool) (frag, bool) {
	mark := len(b.sets)
	if re.Op != syntax.OpAlternate || maxLen(re) > maxWordLen || headSize(re, b.unroll) <= maxWordsPos {
		if f, ok := b.exact(re, atEnd); ok {
			return f, true
		}
		b.rollback(mark)
	}
	return b.collapse(re)
}

// collapse builds re as one position that loops over every byte re's
// strings can hold.
func (b *headBuilder) collapse(re *syntax.Regexp) (frag, bool) {
	set, ok := anyBytes(re)
	if !ok {
		set = byteSet{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	}
	if set == (byteSet{}) {
		return frag{nullable: true}, true
	}
	f, ok := b.pos(set, true)
	f.nullable = minLenSkip(re, nil) == 0
	return f, ok
}

// exact builds re position by position. A $ at the very end of the regex
// becomes a position for '\n': the engine keeps only matches whose end is
// the end of the data or of a line (runWindow drops those that end where a
// window is cut), so consuming the newline checks what $ asserts.
func (b *headBuilder) exact(re *syntax.Regexp, atEnd bool) (frag, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		f := frag{nullable: true}
		fold := re.Flags&syntax.FoldCase != 0
		for _, r := range re.Rune {
			var set byteSet
			set.addRune(r, fold)
			high := runeIsHigh(r, fold)
			if high {
				set.addRange(0x80, 0xff)
			}
			g, ok := b.pos(set, high)
			if !ok {
				return f, false
			}
			f = b.concat(f, g)
		}
		return f, true
	case syntax.OpCharClass:
		var set byteSet
		set.addClass(re.Rune)
		return b.pos(set, set.high())
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		set, _ := anyBytes(re)
		return b.pos(set, true)
	case syntax.OpCapture:
		return b.node(re.Sub[0], atEnd)
	case syntax.OpConcat:
		f := frag{nullable: true}
		for i, sub := range re.Sub {
			g, ok := b.node(sub, atEnd && i == len(re.Sub)-1)
			if !ok {
				return f, false
			}
			f = b.concat(f, g)
		}
		return f, true
	case syntax.OpAlternate:
		var f frag
		for _, sub := range re.Sub {
			g, ok := b.node(sub, atEnd)
			if !ok {
				return f, false
			}
			f.first.or(g.first)
			f.last.or(g.last)
			f.nullable = f.nullable || g.nullable
		}
		return f, true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		f, ok := b.node(re.Sub[0], atEnd && re.Op == syntax.OpQuest)
		if !ok {
			return f, false
		}
		if re.Op != syntax.OpQuest {
			f = b.loop(f)
		}
		f.nullable = f.nullable || re.Op != syntax.OpPlus
		return f, true
	case syntax.OpRepeat:
		// x{n,m} as n' <= n copies, the last looping unless n' = n = m.
		k := min(re.Min, b.unroll)
		if k == 0 {
			f, ok := b.node(re.Sub[0], false)
			if !ok {
				return f, false
			}
			if re.Max != 1 {
				f = b.loop(f)
			}
			f.nullable = true
			return f, true
		}
		f := frag{nullable: true}
		for i := 0; i < k; i++ {
			g, ok := b.node(re.Sub[0], false)
			if !ok {
				return f, false
			}
			if i == k-1 && (re.Max == -1 || re.Max > k) {
				g = b.loop(g)
			}
			f = b.concat(f, g)
		}
		return f, true
	case syntax.OpEndLine, syntax.OpEndText:
		if atEnd {
			var nl byteSet
			nl.add('\n')
			return b.pos(nl, false)
		}
		return frag{nullable: true}, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return frag{nullable: true}, true
	case syntax.OpNoMatch:
		return frag{}, true
	}
	return b.collapse(re)
}

// runeIsHigh reports whether r, or with fold one of its other cases, is
// non-ASCII (the Kelvin sign for k, the long s for s): such a position
// takes any non-ASCII byte, and loops to take all of a rune's.
func runeIsHigh(r rune, fold bool) bool {
	if r >= 0x80 {
		return true
	}
	if fold {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f >= 0x80 {
				return true
			}
		}
	}
	return false
}

// headSize returns the positions exact would give re (capped at 1<<20).
func headSize(re *syntax.Regexp, unroll int) int {
	const limit = 1 << 20
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		return headSize(re.Sub[0], unroll)
	case syntax.OpRepeat:
		return min(limit, max(1, min(re.Min, unroll))*headSize(re.Sub[0], unroll))
	case syntax.OpConcat, syntax.OpAlternate:
		n := 0
		for _, sub := range re.Sub {
			n = min(limit, n+headSize(sub, unroll))
		}
		return n
	}
	return 0
}
