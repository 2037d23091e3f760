package detect

import (
	"math/bits"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
)

// A guard is a cheap necessary condition on a keyword hit, derived from a
// rule's regex: the bytes just before and just after the keyword must be
// ones a match could have there. Common keywords ("pat", "key", "lob") occur
// all over source code ("path", "monkey", "blob"); a guard turns most of
// those hits away with a few byte compares, so the rule's regex does not
// run on their windows and, when no hit of a rule survives, is never even
// compiled.
//
// The condition rests on one fact about the regex: in every branch of its
// top-level alternation there is an element of the top-level concatenation
// (the "anchor") whose every possible string begins with one of the rule's
// keywords. Every match therefore holds a keyword occurrence at the anchor's
// start, the prefilter reports that occurrence, and it is enough to keep
// the hits that could be such an occurrence: the byte before must be one
// that may precede the anchor (a \b, a character class, an optional part
// and what precedes it), and when the anchor is a single literal, the bytes
// from the hit on must spell it and then fit the fixed-width elements after
// it. Windows are computed from the hit as before (lead, match length and
// lines bound the match around any keyword occurrence it holds), so a kept
// hit's window covers the match.
type guard struct {
	branches []guardBranch
	// byKw lists, for each of the rule's keywords (in the rule's order),
	// the branches whose anchor a hit of it may start.
	byKw [][]uint16
}

type guardBranch struct {
	// lits are the anchor's strings, lower-cased. An anchor is either an
	// element whose every string starts with a keyword, or (inner) one
	// literal that holds a keyword further in: a hit then places the
	// anchor's start at its first occurrence of the keyword in the literal.
	lits  []string
	inner bool
	// kws are the rule's keywords that start some of lits (unused when
	// inner).
	kws []string
	// pre holds the bytes that may come right before the anchor;
	// preStart says the anchor may also start at offset 0. hasPre is false
	// when nothing is known.
	pre      byteSet
	preStart bool
	hasPre   bool
	// post, for an anchor that is one literal, holds the bytes allowed at
	// each offset from the anchor's start: the literal's own (case as the
	// regex has it) and then those of the fixed-width elements after it.
	post     []uint8   // indexes into postSets
	postSets []byteSet // the distinct sets of post
	// after lists bytes the match needs after the anchor (see
	// afterNeed): the "=" or ":" of an assignment, the '"' that opens a
	// value, ...
	after []afterNeed
	// lineGap, when hasLineGap, holds the bytes that may come between the
	// start of the line and the anchor ((?m)^[ \t]*ENV): going back from
	// the anchor, only such bytes may come before a newline.
	lineGap    byteSet
	hasLineGap bool
	// before lists bytes the match needs before the anchor: every match
	// holds one of before[i].set within before[i].dist bytes before the
	// anchor's start (the "<" of <db-password>, say).
	before []need
	// head, when not nil, is the automaton of the branch's matches from
	// the anchor on (see head). Only guards built with heads have it.
	head *head
}

// need is a set of bytes one of which every match holds within dist bytes
// of a point; line says that stretch cannot hold a newline.
type need struct {
	set  byteSet
	dist int
	line bool
}

// afterNeed is a set of bytes one of which every match holds within dist
// bytes of the anchor's start (dist is -1 when the reach has no bound, see
// maxGapScan); line says the stretch after the anchor cannot hold a
// newline. gap, when hasGap, holds every byte a match can have between the
// anchor's end and that byte: the search stops at the first byte outside
// it ("://golang.org/x" has no user:password@, as '/' cannot come before
// the ':').
type afterNeed struct {
	set    byteSet
	dist   int
	line   bool
	gap    byteSet
	hasGap bool
}

// maxAfterNeeds bounds the needs a guard checks after its anchor.
const maxAfterNeeds = 3

// maxGuardPost bounds the bytes a guard checks after a hit.
const maxGuardPost = 32

// check reports whether a hit of keyword kw, the rule's keyword number
// ki, starting at data[s] could be where a match holds its anchor.
func (g *guard) check(data []byte, s, ki int, kw string) bool {
	for _, bi := range g.byKw[ki] {
		if g.branches[bi].check(data, s, ki, kw) {
			return true
		}
	}
	return false
}

// check is guard.check for one branch, which the keyword may start (see
// guard.byKw).
func (b *guardBranch) check(data []byte, s, ki int, kw string) bool {
	end := s + len(kw) // where the need search starts
	if b.inner {
		o := strings.Index(b.lits[0], kw)
		if o < 0 {
			return false
		}
		if s < o {
			return true // the data starts inside the literal
		}
		s -= o
	}
	if b.hasPre {
		if s == 0 {
			if !b.preStart {
				return false
			}
		} else if !b.pre.has(data[s-1]) {
			return false
		}
	}
	for i, si := range b.post {
		set := &b.postSets[si]
		p := s + i
		if p >= len(data) {
			// The data ends (a chunk boundary, perhaps): let the
			// regex decide.
			break
		}
		if !set.has(data[p]) {
			return false
		}
	}
	for k := range b.before {
		nd := &b.before[k]
		if s < nd.dist {
			break // the data starts first: let the regex decide
		}
		ok := false
		for i := s - 1; i >= s-nd.dist; i-- {
			c := data[i]
			if nd.set.has(c) {
				ok = true
				break
			}
			if c == '\n' && nd.line {
				break
			}
		}
		if !ok {
			return false
		}
	}
	if b.hasLineGap {
		for i := s - 1; ; i-- {
			if i < 0 || data[i] == '\n' || i < s-maxGapScan {
				break // the line starts here (or the search went far enough)
			}
			if !b.lineGap.has(data[i]) {
				return false
			}
		}
	}
	if b.head != nil && !b.head.match(data, s, ki) {
		// The head checks what the needs below do and more; most hits it
		// turns away would pass them.
		return false
	}
	for k := range b.after {
		an := &b.after[k]
		if an.hasGap {
			if ok, decided := b.gapCheck(an, data, s); decided {
				if !ok {
					return false
				}
				continue
			}
		}
		if an.dist < 0 {
			continue
		}
		from := end
		end := s + an.dist
		if end > len(data) || from > end {
			continue // the data ends first: let the regex decide
		}
		found := false
		for _, c := range data[from:end] {
			if an.set.has(c) {
				found = true
				break
			}
			if c == '\n' && an.line {
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// maxGapScan bounds the search for a need byte across an unbounded gap.
const maxGapScan = 256

// gapCheck searches for an's byte from the end of each of the anchor's
// strings found at s, through gap bytes only. decided is false when none
// of them is there whole (the data ends inside, say).
func (b *guardBranch) gapCheck(an *afterNeed, data []byte, s int) (ok, decided bool) {
	for _, lit := range b.lits {
		if !hasPrefixFold(data[s:], lit) {
			continue
		}
		decided = true
		from := s + len(lit)
		limit := from + maxGapScan
		if an.dist >= 0 {
			limit = s + an.dist
		}
		for _, c := range data[from:min(limit, len(data))] {
			if an.set.has(c) {
				return true, true
			}
			if !an.gap.has(c) {
				goto next
			}
		}
		if limit > len(data) || an.dist < 0 {
			// The data ends first, or the search went far enough: let
			// the regex decide.
			return true, true
		}
	next:
	}
	return false, decided
}

// hasPrefixFold reports whether b starts with lower (lower case), ASCII
// letters in either case.
func hasPrefixFold(b []byte, lower string) bool {
	if len(b) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// newGuard derives a guard from a parsed regex and the rule's keywords, or
// returns nil when the regex does not give one.
//
// With heads set, each branch also gets its head: an automaton that
// checks more (the value after an assignment) at a higher cost, which
// the engine builds for rules whose guards let many hits through.
func newGuard(re *syntax.Regexp, keywords []string, heads bool) *guard {
	if len(keywords) == 0 {
		return nil
	}
	kws := make([]string, len(keywords))
	for i, k := range keywords {
		kws[i] = strings.ToLower(k)
	}
	re = uncapture(re)
	var branches []*syntax.Regexp
	if re.Op == syntax.OpAlternate {
		branches = re.Sub
	} else {
		branches = []*syntax.Regexp{re}
	}
	g := &guard{}
	for _, br := range branches {
		gbs, ok := guardsFor(flatten(br, nil), kws, 2, heads)
		if !ok {
			return nil
		}
		g.branches = append(g.branches, gbs...)
	}
	g.byKw = make([][]uint16, len(kws))
	for i, k := range kws {
		for j := range g.branches {
			b := &g.branches[j]
			if b.inner && strings.Contains(b.lits[0], k) || !b.inner && slices.Contains(b.kws, k) {
				g.byKw[i] = append(g.byKw[i], uint16(j))
			}
		}
	}
	return g
}

// guardsFor is guardFor, and when a concatenation has no anchor of its
// own, tries its alternations: x(a|b)y is xay|xby, and each branch may
// have an anchor (depth bounds the nesting).
func guardsFor(items []*syntax.Regexp, kws []string, depth int, heads bool) ([]guardBranch, bool) {
	if gb, ok := guardFor(items, kws, heads); ok {
		return []guardBranch{gb}, true
	}
	if depth == 0 {
		return nil, false
	}
	for i, it := range items {
		alt := uncapture(it)
		if alt.Op != syntax.OpAlternate || len(alt.Sub) > 16 {
			continue
		}
		var out []guardBranch
		ok := true
		for _, sub := range alt.Sub {
			joined := append(append(append([]*syntax.Regexp(nil), items[:i]...), flatten(sub, nil)...), items[i+1:]...)
			gbs, bok := guardsFor(joined, kws, depth-1, heads)
			if !bok {
				ok = false
				break
			}
			out = append(out, gbs...)
		}
		if ok {
			return out, true
		}
	}
	return nil, false
}

// guardFor finds the anchor in a flattened concatenation and builds the
// branch's condition.
func guardFor(items []*syntax.Regexp, kws []string, heads bool) (guardBranch, bool) {
	a, ok := findAnchor(items, kws)
	if !ok {
		return guardBranch{}, false
	}
	gb := guardBranch{lits: a.lits, inner: a.inner}
	for _, k := range kws {
		for _, x := range a.lits {
			if strings.HasPrefix(x, k) {
				gb.kws = append(gb.kws, k)
				break
			}
		}
	}
	word := true
	for _, x := range a.lits {
		word = word && isWordByte(x[0])
	}
	if c := precede(items, a.i, word); c.ok {
		gb.pre, gb.preStart, gb.hasPre = c.set, c.start, true
	}
	if lit := uncapture(items[a.i]); a.n == 1 && lit.Op == syntax.OpLiteral {
		for _, set := range follow(lit, items[a.i+1:]) {
			k := 0
			for k < len(gb.postSets) && gb.postSets[k] != set {
				k++
			}
			if k == len(gb.postSets) {
				gb.postSets = append(gb.postSets, set)
			}
			gb.post = append(gb.post, uint8(k))
		}
	}
	gb.after = needsAfter(items, a.i+a.n-1, a.maxLen)
	for k := range gb.after {
		if a.partial {
			// The anchor's strings are not known whole.
			gb.after[k].gap, gb.after[k].hasGap = byteSet{}, false
		}
	}
	gb.before = needBefore(items, a.i)
	gb.lineGap, gb.hasLineGap = lineGap(items, a.i)
	if heads {
		if gb.head = newHead(items[a.i:]); gb.head != nil && !a.inner {
			gb.head.setKeywords(kws)
		}
	}
	return gb, true
}

// needBefore is needAfter for the elements before the anchor items[i]:
// those, going back, whose every string holds one of a few bytes, and how
// far before the anchor's start such a byte can be at most.
func needBefore(items []*syntax.Regexp, i int) []need {
	const maxDist, maxBytes = 96, 8
	var out []need
	dist := 0
	line := true
	for j := i - 1; j >= 0 && dist <= maxDist; j-- {
		it := items[j]
		n := maxLen(it)
		if canMatchNewline(it) {
			line = false
		}
		if set, ok := requiredBytes(it); ok && set.count() <= maxBytes && dist+n <= maxDist {
			out = append(out, need{set, dist + n, line})
		}
		dist += n
	}
	return out
}

// anchor is items[i:i+n] of a flattened concatenation: elements whose every
// string (lits) starts with a keyword, or (inner) one literal holding one.
//
// With partial set, lits are not the anchor's strings but prefixes of them
// (every string of the anchor starts with one). maxLen bounds the anchor's
// strings.
type anchor struct {
	i, n    int
	lits    []string
	inner   bool
	partial bool
	maxLen  int
}

// maxAnchorItems bounds the consecutive elements an anchor may span:
// (?i:buf|bsr)[_-]?(?:api[_-]?)?token takes four.
const maxAnchorItems = 5

// findAnchor returns the first anchor of items. Up to maxAnchorItems consecutive
// elements may form it: p(?:ass|wd) is the anchor of "pass" and "pwd".
func findAnchor(items []*syntax.Regexp, kws []string) (anchor, bool) {
	for i := range items {
		for n := 1; n <= maxAnchorItems && i+n <= len(items); n++ {
			node := items[i]
			if n > 1 {
				node = &syntax.Regexp{Op: syntax.OpConcat, Sub: items[i : i+n]}
			}
			lits, ok := expansions(node, 64)
			if !ok {
				// Not a finite set of strings: the strings may still all
				// start with keywords (oracle(?:\+[a-z]{1,20})?, or
				// wise(?:[_.-]\w{0,19})? then (?:token|key), which takes
				// two elements).
				for ; n <= maxAnchorItems && i+n <= len(items); n++ {
					node = &syntax.Regexp{Op: syntax.OpConcat, Sub: items[i : i+n]}
					if pre := prefixSet(node, 64); allStartWithKeyword(pre, kws) {
						return anchor{i: i, n: n, lits: pre, partial: true, maxLen: maxLen(node)}, true
					}
				}
				break
			}
			if allStartWithKeyword(lits, kws) {
				return anchor{i: i, n: n, lits: lits, maxLen: maxLen(node)}, true
			}
			if n == 1 && len(lits) == 1 && uncapture(node).Op == syntax.OpLiteral && containsKeyword(lits[0], kws) {
				return anchor{i: i, n: 1, lits: lits, inner: true, maxLen: maxLen(node)}, true
			}
		}
	}
	return anchor{}, false
}

// needsAfter finds, among the elements after the anchor items[i], those
// whose every string holds one of a few bytes (up to maxAfterNeeds), with
// how far from the anchor's start such a byte can be at most. While every
// element up to one has a known set of bytes, its need also gets their
// union with its own element's bytes as gap (see afterNeed), and may then
// be out of reach (dist -1).
func needsAfter(items []*syntax.Regexp, i int, anchorLen int) []afterNeed {
	const maxDist, maxBytes, maxGapBytes = 96, 8, 16
	var out []afterNeed
	dist := anchorLen
	line := true
	gapOK := true
	var gap byteSet
	for j := i + 1; j < len(items) && len(out) < maxAfterNeeds && (dist <= maxDist || gapOK); j++ {
		it := items[j]
		n := maxLen(it)
		if canMatchNewline(it) {
			line = false
		}
		if gapOK {
			if b, ok := anyBytes(it); ok {
				gap.union(&b)
			} else {
				gapOK = false
			}
		}
		// Behind a gap, a larger set still stops the search early.
		if set, ok := requiredBytes(it); ok && (set.count() <= maxBytes || gapOK && set.count() <= maxGapBytes) {
			an := afterNeed{set: set, dist: dist + n, line: line}
			if an.dist > maxDist {
				an.dist = -1
			}
			if gapOK {
				an.gap, an.hasGap = gap, true
			}
			if an.dist >= 0 || an.hasGap {
				out = append(out, an)
			}
		}
		dist = min(dist+n, maxDist+1)
	}
	return out
}

// lineGap reports, when the elements before the anchor items[i] are a
// line start ((?m)^) and then elements whose bytes are known and hold no
// newline, the set of those bytes.
func lineGap(items []*syntax.Regexp, i int) (byteSet, bool) {
	var gap byteSet
	if i == 0 || uncapture(items[0]).Op != syntax.OpBeginLine {
		return gap, false
	}
	for _, it := range items[1:i] {
		b, ok := anyBytes(it)
		if !ok || b.has('\n') {
			return byteSet{}, false
		}
		gap.union(&b)
	}
	return gap, true
}

// anyBytes returns the set of bytes the strings of re can hold.
func anyBytes(re *syntax.Regexp) (byteSet, bool) {
	var s byteSet
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			s.addRune(r, re.Flags&syntax.FoldCase != 0)
		}
		if re.Flags&syntax.FoldCase != 0 {
			s.addRange(0x80, 0xff) // (?i)k matches the Kelvin sign
		}
	case syntax.OpCharClass:
		s.addClass(re.Rune)
	case syntax.OpAnyChar:
		s.addRange(0, 0xff)
	case syntax.OpAnyCharNotNL:
		s.addRange(0, 0xff)
		s[0] &^= 1 << '\n'
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat, syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range re.Sub {
			t, ok := anyBytes(sub)
			if !ok {
				return s, false
			}
			s.union(&t)
		}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	default:
		return s, false
	}
	return s, true
}

// requiredBytes returns a set of bytes every string of re holds one of.
func requiredBytes(re *syntax.Regexp) (byteSet, bool) {
	re = uncapture(re)
	var s byteSet
	switch re.Op {
	case syntax.OpLiteral:
		if re.Rune[0] >= 0x80 {
			return s, false
		}
		s.addRune(re.Rune[0], re.Flags&syntax.FoldCase != 0)
		return s, true
	case syntax.OpCharClass:
		s.addClass(re.Rune)
		return s, !s.high()
	case syntax.OpPlus, syntax.OpRepeat:
		if sub := required(re); sub != nil {
			return requiredBytes(sub)
		}
	case syntax.OpConcat:
		best, found := s, false
		for _, sub := range re.Sub {
			if t, ok := requiredBytes(sub); ok && (!found || t.count() < best.count()) {
				best, found = t, true
			}
		}
		return best, found
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			t, ok := requiredBytes(sub)
			if !ok {
				return s, false
			}
			s.union(&t)
		}
		return s, true
	}
	return s, false
}

// rareBytes are bytes that many texts lack, the rarest first (see
// rareNeed).
const rareBytes = "`~^|\\@<>{}[]$%&#!?;"

// rareNeed returns the rarest byte of rareBytes that every match of re
// holds, or 0. Checking that an input holds it costs a bytes.IndexByte,
// once per input and byte; an input without it spares each of the
// rule's hits a guard check (and the rules without a guard their regex).
func rareNeed(re *syntax.Regexp) byte {
	held := rareHeld(re)
	for i := 0; i < len(rareBytes); i++ {
		if held.has(rareBytes[i]) {
			return rareBytes[i]
		}
	}
	return 0
}

// rareHeld returns the bytes of rareBytes that every match of re holds.
func rareHeld(re *syntax.Regexp) byteSet {
	var s byteSet
	switch re.Op {
	case syntax.OpLiteral:
		// (Case folding leaves punctuation as it is.)
		for _, r := range re.Rune {
			if r < 0x80 && strings.IndexByte(rareBytes, byte(r)) >= 0 {
				s.add(byte(r))
			}
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 2 && re.Rune[0] == re.Rune[1] && re.Rune[0] < 0x80 && strings.IndexByte(rareBytes, byte(re.Rune[0])) >= 0 {
			s.add(byte(re.Rune[0]))
		}
	case syntax.OpCapture:
		return rareHeld(re.Sub[0])
	case syntax.OpPlus:
		return rareHeld(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min > 0 {
			return rareHeld(re.Sub[0])
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			t := rareHeld(sub)
			s.union(&t)
		}
	case syntax.OpAlternate:
		s = rareHeld(re.Sub[0])
		for _, sub := range re.Sub[1:] {
			t := rareHeld(sub)
			s = byteSet{s[0] & t[0], s[1] & t[1], s[2] & t[2], s[3] & t[3]}
		}
	}
	return s
}

func containsKeyword(x string, kws []string) bool {
	for _, k := range kws {
		if strings.Contains(x, k) {
			return true
		}
	}
	return false
}

func allStartWithKeyword(lits []string, kws []string) bool {
	if len(lits) == 0 {
		return false
	}
	for _, x := range lits {
		ok := false
		for _, k := range kws {
			if strings.HasPrefix(x, k) {
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

func uncapture(re *syntax.Regexp) *syntax.Regexp {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	return re
}

// flatten lists the elements of a concatenation, looking through captures
// and nested concatenations.
func flatten(re *syntax.Regexp, out []*syntax.Regexp) []*syntax.Regexp {
	re = uncapture(re)
	if re.Op == syntax.OpConcat {
		for _, sub := range re.Sub {
			out = flatten(sub, out)
		}
		return out
	}
	return append(out, re)
}

// prefixSet returns lower-cased strings one of which every string of re
// starts with (see prefixConcat); "" among them means nothing is known
// of some strings' start.
func prefixSet(re *syntax.Regexp, limit int) []string {
	budget := maxPrefixSteps
	return prefixConcat([]*syntax.Regexp{re}, limit, &budget)
}

// maxPrefixSteps bounds the calls of one prefixConcat: a user's regex with
// many alternations in a row would otherwise take exponential time.
const maxPrefixSteps = 256

// prefixConcat is prefixSet for the concatenation of subs: it follows the
// elements with a few strings, the branches of an alternation and both
// ways past an optional element (x? y is y or x y), and stops (adds "")
// where that would make more than limit strings or its budget of calls
// runs out.
func prefixConcat(subs []*syntax.Regexp, limit int, budget *int) []string {
	stop := []string{""}
	if len(subs) == 0 || *budget <= 0 {
		return stop
	}
	*budget--
	first, rest := uncapture(subs[0]), subs[1:]
	if set, ok := expand(first, limit); ok {
		if out, ok := cross(set, prefixConcat(rest, limit, budget), limit); ok {
			return out
		}
		return set
	}
	var out []string
	switch {
	case first.Op == syntax.OpConcat:
		return prefixConcat(append(first.Sub[:len(first.Sub):len(first.Sub)], rest...), limit, budget)
	case first.Op == syntax.OpAlternate:
		for _, b := range first.Sub {
			out = append(out, prefixConcat(append([]*syntax.Regexp{b}, rest...), limit, budget)...)
		}
	case first.Op == syntax.OpQuest:
		out = append(prefixConcat(rest, limit, budget), prefixConcat(append([]*syntax.Regexp{first.Sub[0]}, rest...), limit, budget)...)
	case first.Op == syntax.OpStar || first.Op == syntax.OpRepeat && first.Min == 0:
		// No copy, or at least one: then the strings start with the
		// element's.
		out = append(prefixConcat(rest, limit, budget), prefixConcat(first.Sub[:1], limit, budget)...)
	case required(first) != nil:
		return prefixConcat([]*syntax.Regexp{required(first)}, limit, budget)
	default:
		return stop
	}
	if len(out) > limit {
		return stop
	}
	return out
}

// required returns the repeated element of a repetition that must occur
// at least once (x+, x{n,} with n >= 1), or nil.
func required(re *syntax.Regexp) *syntax.Regexp {
	if re.Op == syntax.OpPlus || re.Op == syntax.OpRepeat && re.Min >= 1 {
		return re.Sub[0]
	}
	return nil
}

// cross returns every a+b for a in as and b in bs, or false when there
// would be more than limit strings or one longer than 64 bytes.
func cross(as, bs []string, limit int) ([]string, bool) {
	if len(as)*len(bs) > limit {
		return nil, false
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			if len(a)+len(b) > 64 {
				return nil, false
			}
			out = append(out, a+b)
		}
	}
	return out, true
}

// expandAll is the union of expand's sets for the branches of an
// alternation, or false when a branch has none or there are more than
// limit strings.
func expandAll(subs []*syntax.Regexp, limit int) ([]string, bool) {
	var out []string
	for _, sub := range subs {
		set, ok := expand(sub, limit)
		if !ok || len(out)+len(set) > limit {
			return nil, false
		}
		out = append(out, set...)
	}
	return out, true
}

// expansions returns every string re can match, lower-cased, when there are
// at most limit of them, all non-empty ASCII of at most 64 bytes.
func expansions(re *syntax.Regexp, limit int) ([]string, bool) {
	set, ok := expand(re, limit)
	if !ok {
		return nil, false
	}
	for _, s := range set {
		if s == "" {
			return nil, false
		}
	}
	return set, true
}

func expand(re *syntax.Regexp, limit int) ([]string, bool) {
	re = uncapture(re)
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			if r >= 0x80 {
				return nil, false
			}
			b.WriteRune(unicode.ToLower(r))
		}
		if b.Len() > 64 {
			return nil, false
		}
		return []string{b.String()}, true
	case syntax.OpCharClass:
		var out []string
		seen := map[rune]bool{}
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi-lo > 8 || lo >= 0x80 {
				return nil, false
			}
			for r := lo; r <= hi; r++ {
				l := unicode.ToLower(r)
				if r >= 0x80 || seen[l] {
					continue
				}
				seen[l] = true
				out = append(out, string(l))
			}
		}
		if len(out) == 0 || len(out) > 4 {
			return nil, false
		}
		return out, true
	case syntax.OpQuest:
		sub, ok := expand(re.Sub[0], limit)
		if !ok || len(sub)+1 > limit {
			return nil, false
		}
		return append(sub, ""), true
	case syntax.OpAlternate:
		return expandAll(re.Sub, limit)
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			sub, ok := expand(s, limit)
			if !ok {
				return nil, false
			}
			if out, ok = cross(out, sub, limit); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// cond is what may come right before a position: bytes, or the start of
// the data. ok is false when nothing is known.
type cond struct {
	set   byteSet
	start bool
	ok    bool
}

func (c cond) or(d cond) cond {
	if !c.ok || !d.ok {
		return cond{}
	}
	c.set.union(&d.set)
	c.start = c.start || d.start
	return c
}

// precede returns what may come right before items[i]. word says whether
// every string of items[i] starts with a word character (for \b and \B).
func precede(items []*syntax.Regexp, i int, word bool) cond {
	if i == 0 {
		return cond{}
	}
	it := uncapture(items[i-1])
	switch it.Op {
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		if !word {
			return cond{}
		}
		c := cond{ok: true, start: it.Op == syntax.OpWordBoundary}
		for b := 0; b < 256; b++ {
			if isWordByte(byte(b)) == (it.Op == syntax.OpNoWordBoundary) {
				c.set.add(byte(b))
			}
		}
		return c
	case syntax.OpBeginLine:
		c := cond{ok: true, start: true}
		c.set.add('\n')
		return c
	case syntax.OpBeginText:
		// Windows start at line starts, where a regex sees the start of
		// its text: treat ^ without (?m) like a line start.
		c := cond{ok: true, start: true}
		c.set.add('\n')
		return c
	case syntax.OpEmptyMatch:
		return precede(items, i-1, word)
	case syntax.OpQuest, syntax.OpStar:
		last := lastByte(it.Sub[0], word)
		return last.or(precede(items, i-1, word))
	case syntax.OpRepeat:
		last := lastByte(it.Sub[0], word)
		if it.Min == 0 {
			return last.or(precede(items, i-1, word))
		}
		return last
	case syntax.OpAlternate:
		var c cond
		for j, br := range it.Sub {
			sub := flatten(br, nil)
			// A branch is read with what precedes the alternation
			// behind it.
			joined := append(append(items[:i-1:i-1], sub...), items[i:]...)
			bc := precede(joined, i-1+len(sub), word)
			if j == 0 {
				c = bc
			} else {
				c = c.or(bc)
			}
			if !c.ok {
				return cond{}
			}
		}
		return c
	}
	return lastByte(it, word)
}

// lastByte returns what re's last byte can be, when re matches one byte
// or a fixed-width run of them.
func lastByte(re *syntax.Regexp, word bool) cond {
	re = uncapture(re)
	switch re.Op {
	case syntax.OpLiteral:
		c := cond{ok: true}
		c.set.addRune(re.Rune[len(re.Rune)-1], re.Flags&syntax.FoldCase != 0)
		return c
	case syntax.OpCharClass, syntax.OpAnyCharNotNL:
		set, _ := oneByte(re)
		return cond{set: set, ok: true}
	case syntax.OpPlus, syntax.OpRepeat:
		if sub := required(re); sub != nil {
			return lastByte(sub, word)
		}
	case syntax.OpConcat:
		items := flatten(re, nil)
		if len(items) > 0 {
			return precede(append(items, nil), len(items), word)
		}
	}
	return cond{}
}

// follow returns the byte sets of literal lit and then of the fixed-width
// elements in rest, at most maxGuardPost of them.
func follow(lit *syntax.Regexp, rest []*syntax.Regexp) []byteSet {
	var out []byteSet
	addLit := func(re *syntax.Regexp) bool {
		for _, r := range re.Rune {
			var s byteSet
			if r >= 0x80 || len(out) == maxGuardPost {
				// Latin-1 RE2 and UTF-8 Go regexp see a non-ASCII
				// character as one byte and as several.
				return false
			}
			s.addRune(r, re.Flags&syntax.FoldCase != 0)
			out = append(out, s)
		}
		return true
	}
	if !addLit(lit) {
		return out
	}
	for _, it := range rest {
		it = uncapture(it)
		switch it.Op {
		case syntax.OpLiteral:
			if !addLit(it) {
				return out
			}
			continue
		case syntax.OpCharClass, syntax.OpAnyCharNotNL:
			s, _ := oneByte(it)
			if len(out) == maxGuardPost {
				return out
			}
			out = append(out, s)
			if s.high() {
				return out
			}
			continue
		case syntax.OpRepeat, syntax.OpPlus:
			s, ok := oneByte(uncapture(it.Sub[0]))
			if !ok {
				return out
			}
			n, exact := 1, false
			if it.Op == syntax.OpRepeat {
				n, exact = it.Min, it.Max == it.Min
			}
			if s.high() {
				// Go's regexp reads UTF-8: a non-ASCII character is
				// several bytes, and the offsets after it are unknown.
				n, exact = min(n, 1), false
			}
			for k := 0; k < n && len(out) < maxGuardPost; k++ {
				out = append(out, s)
			}
			if exact {
				continue
			}
		}
		return out
	}
	return out
}

// oneByte returns the bytes re matches when it matches exactly one byte.
func oneByte(re *syntax.Regexp) (byteSet, bool) {
	var s byteSet
	switch re.Op {
	case syntax.OpCharClass:
		s.addClass(re.Rune)
		return s, true
	case syntax.OpAnyCharNotNL:
		s.addClass([]rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune})
		return s, true
	case syntax.OpLiteral:
		if len(re.Rune) == 1 && re.Rune[0] < 0x80 {
			s.addRune(re.Rune[0], re.Flags&syntax.FoldCase != 0)
			return s, true
		}
	}
	return s, false
}

// byteSet is a set of bytes.
type byteSet [4]uint64

func (s *byteSet) add(c byte)       { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) has(c byte) bool  { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *byteSet) union(t *byteSet) { s[0] |= t[0]; s[1] |= t[1]; s[2] |= t[2]; s[3] |= t[3] }
func (s *byteSet) addRange(lo, hi int) {
	for c := max(lo, 0); c <= min(hi, 0xff); c++ {
		s.add(byte(c))
	}
}

// addRune adds the bytes rune r can be, in its other case too when fold
// is set. A non-ASCII rune is one byte to Latin-1 RE2 and several to Go's
// regexp (UTF-8): it adds every non-ASCII byte.
func (s *byteSet) addRune(r rune, fold bool) {
	if r >= 0x80 {
		s.addRange(0x80, 0xff)
		return
	}
	s.add(byte(r))
	if fold {
		s.add(byte(unicode.ToLower(r)))
		s.add(byte(unicode.ToUpper(r)))
	}
}

// addClass adds the bytes of a character class's rune ranges (every
// non-ASCII byte for a range that reaches past ASCII, see addRune).
func (s *byteSet) addClass(ranges []rune) {
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := int(ranges[i]), int(ranges[i+1])
		if hi >= 0x80 {
			s.addRange(0x80, 0xff)
		}
		s.addRange(lo, min(hi, 0x7f))
	}
}

// count returns the number of bytes in the set.
func (s *byteSet) count() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) + bits.OnesCount64(s[2]) + bits.OnesCount64(s[3])
}

// high reports whether the set holds a non-ASCII byte.
func (s *byteSet) high() bool { return s[2]|s[3] != 0 }
