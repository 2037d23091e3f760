package gitscan

import (
	"bytes"
	"hash/maphash"
	"sort"

	"github.com/leakhound/leakhound/detect"
)

// Scanning only what changed. A file version B whose previous version A
// (same path, first parent) was scanned whole as plain text needs only the
// lines that differ from A scanned: detect.Engine.ScanChanged reports the
// findings that overlap the changed ranges (widened by a line each side),
// and A's findings that lie in unchanged lines are carried over to B,
// moved by the diff. Findings are compared by their reported span
// (StartOffset, EndOffset): B's own findings must overlap the widened
// ranges, carried ones must not, so that each finding of B comes from
// exactly one side.

// block is a run of lines identical in A and B: A's bytes [aOff, aOff+n)
// are B's [bOff, bOff+n), and line numbers there differ by dl.
type block struct {
	aOff, bOff, n, dl int32
}

// changes is how B differs from A: the identical blocks and the widened
// changed ranges of B (as the engine widens them).
type changes struct {
	blocks  []block
	widened []detect.Range
}

// maxDiffD bounds the line edit distance of the diff; past it (or when
// most of the file changed) the item is scanned whole, which then costs
// less than the diff.
const maxDiffD = 256

// commonPrefix returns the length of the common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	const chunk = 256
	for i+chunk <= n && bytes.Equal(a[i:i+chunk], b[i:i+chunk]) {
		i += chunk
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix returns the length of the common suffix of a and b.
func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	const chunk = 256
	for i+chunk <= n && bytes.Equal(a[len(a)-i-chunk:len(a)-i], b[len(b)-i-chunk:len(b)-i]) {
		i += chunk
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// splitLines returns the start offset of every line of b (lines end with
// their "\n"; the last one may lack it) plus len(b), and each line's hash.
func splitLines(b []byte, starts []int32, hs []uint64) ([]int32, []uint64) {
	off := 0
	for off < len(b) {
		end := len(b)
		if j := bytes.IndexByte(b[off:], '\n'); j >= 0 {
			end = off + j + 1
		}
		starts = append(starts, int32(off))
		hs = append(hs, maphash.Bytes(lineSeed, b[off:end]))
		off = end
	}
	return append(starts, int32(len(b))), hs
}

// lineChanges diffs B against A by lines. It returns the blocks of
// identical lines and B's changed ranges (a deletion is an empty range at
// its place in B), or ok false when the diff would cost more than it
// saves: the edit distance is over maxDiffD, or most of B changed.
func lineChanges(a, b []byte) (blocks []block, changed []detect.Range, ok bool) {
	if len(a) > 1<<30 || len(b) > 1<<30 {
		return nil, nil, false
	}
	p := commonPrefix(a, b)
	p = bytes.LastIndexByte(b[:p], '\n') + 1 // back to a line start
	s := commonSuffix(a[p:], b[p:])
	if s > 0 {
		// The suffix must start a line on both sides (the bytes before
		// it differ, one may be a newline and the other not): else on to
		// the next line start inside it.
		sa, sb := len(a)-s, len(b)-s
		if sa > p && a[sa-1] != '\n' || sb > p && b[sb-1] != '\n' {
			if j := bytes.IndexByte(b[sb:], '\n'); j < 0 {
				s = 0
			} else {
				s -= j + 1
			}
		}
	}
	am, bm := a[p:len(a)-s], b[p:len(b)-s]
	as, ah := splitLines(am, nil, nil)
	bs, bh := splitLines(bm, nil, nil)
	pairs, ok := myersPairs(ah, bh, maxDiffD)
	if !ok {
		return nil, nil, false
	}
	if p > 0 {
		blocks = append(blocks, block{0, 0, int32(p), 0})
	}
	addRange := func(start, end int) {
		if n := len(changed); n > 0 && start <= changed[n-1].End {
			changed[n-1].End = max(changed[n-1].End, end)
			return
		}
		changed = append(changed, detect.Range{Start: start, End: end})
	}
	i, j := 0, 0 // next unmatched line of A and of B
	gap := func(ai, bj int) {
		switch {
		case j < bj:
			addRange(p+int(bs[j]), p+int(bs[bj]))
		case i < ai:
			addRange(p+int(bs[j]), p+int(bs[j]))
		}
	}
	for _, pr := range pairs {
		ai, bj := int(pr[0]), int(pr[1])
		gap(ai, bj)
		n := bs[bj+1] - bs[bj]
		if k := len(blocks) - 1; k >= 0 && i == ai && j == bj && i > 0 && j > 0 {
			// Extends the previous block (consecutive matched lines).
			blocks[k].n += n
		} else {
			blocks = append(blocks, block{int32(p) + as[ai], int32(p) + bs[bj], n, int32(bj - ai)})
		}
		i, j = ai+1, bj+1
	}
	gap(len(ah), len(bh))
	nch := 0
	for _, r := range changed {
		nch += r.End - r.Start
	}
	if nch > len(b)/2 && len(b) > 1024 {
		return nil, nil, false // most of B changed: as cheap to scan whole
	}
	if s > 0 {
		blocks = append(blocks, block{int32(len(a) - s), int32(len(b) - s), int32(s), int32(len(bh) - len(ah))})
	}
	return blocks, changed, true
}

// myersPairs returns the matched lines (index in a, index in b) of a
// shortest edit script from a to b, in order, or ok false when the edit
// distance exceeds maxD.
func myersPairs(a, b []uint64, maxD int) (pairs [][2]int32, ok bool) {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return nil, n+m <= maxD
	}
	maxD = min(maxD, n+m)
	off := maxD + 1
	v := make([]int32, 2*maxD+3)
	var trace [][]int32
	for d := 0; d <= maxD; d++ {
		snap := make([]int32, 2*d+3)
		copy(snap, v[off-d-1:off+d+2])
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = int(v[off+k+1])
			} else {
				x = int(v[off+k-1]) + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				return backtrackPairs(trace, n, m, d, k), true
			}
		}
	}
	return nil, false
}

// backtrackPairs walks the saved frontiers back from (n, m) and lists the
// diagonal moves. trace[d] is the frontier before step d, with diagonal k
// at index k+d+1.
func backtrackPairs(trace [][]int32, n, m, d, k int) [][2]int32 {
	var rev [][2]int32
	x, y := n, m
	for ; d > 0; d-- {
		vd := trace[d]
		get := func(k int) int { return int(vd[k+d+1]) }
		var pk, xs int
		if k == -d || (k != d && get(k-1) < get(k+1)) {
			pk = k + 1
			xs = get(pk)
		} else {
			pk = k - 1
			xs = get(pk) + 1
		}
		for x > xs {
			x--
			y--
			rev = append(rev, [2]int32{int32(x), int32(y)})
		}
		x = get(pk)
		y = x - pk
		k = pk
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, [2]int32{int32(x), int32(y)})
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// carry returns B's findings from A's (prev, in the engine's order) and
// B's own findings from the changed scan (own, already restricted to the
// widened ranges): path findings first, then by offset, as Engine.Scan
// orders them. pathRule tells the rules that report paths.
func carry(prev, own []detect.Finding, ch *changes, pathRule map[string]bool) []detect.Finding {
	var out []detect.Finding
	for _, f := range prev {
		if pathRule[f.RuleID] {
			out = append(out, f)
		}
	}
	npath := len(out)
	for _, f := range prev {
		if pathRule[f.RuleID] {
			continue
		}
		s, e := f.StartOffset, f.EndOffset
		// Each block holding the finding puts a copy of it in B (a
		// delta may copy a part of A twice).
		for _, b := range ch.blocks {
			if s < int64(b.aOff) || e > int64(b.aOff)+int64(b.n) {
				continue // not wholly in bytes B kept
			}
			d := int64(b.bOff) - int64(b.aOff)
			if detect.Overlaps(ch.widened, int(s+d), int(e+d)) {
				continue // B's own scan decides
			}
			g := f
			g.StartOffset, g.EndOffset = s+d, e+d
			g.StartLine += int(b.dl)
			g.EndLine += int(b.dl)
			out = append(out, g)
		}
	}
	carried := out[npath:]
	// A decoded finding is not reported where a plain finding stands for
	// it (see the engine's decodeAndScan): apply that across the sides.
	for _, f := range own {
		if len(f.Decoded) > 0 && standsFor(carried, f) {
			continue
		}
		out = append(out, f)
	}
	rest := out[npath:]
	kept := rest[:0]
	for i, f := range rest {
		if i < len(carried) && len(f.Decoded) > 0 && standsFor(own, f) {
			continue
		}
		kept = append(kept, f)
	}
	out = out[:npath+len(kept)]
	rest = out[npath:]
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].StartOffset < rest[j].StartOffset })
	return out
}

// standsFor reports whether a plain finding in fs stands for decoded
// finding f: the same secret by the same rule, or the same rule on an
// overlapping span.
func standsFor(fs []detect.Finding, f detect.Finding) bool {
	for i := range fs {
		p := &fs[i]
		if len(p.Decoded) > 0 {
			continue
		}
		if p.Fingerprint == f.Fingerprint || p.RuleID == f.RuleID && p.StartOffset < f.EndOffset && f.StartOffset < p.EndOffset {
			return true
		}
	}
	return false
}

// maxDeltaBlocks bounds the copy runs of a delta used as a diff: a delta
// that shuffles its base that much is no cheaper than a whole scan.
const maxDeltaBlocks = 4096

// deltaChanges reads how B differs from A from the git delta that makes
// B from A: copied runs are identical blocks (moved as the delta says),
// inserted bytes are changed, and a place where B's content stops
// following A's (two copies of non-adjacent parts, a copy that does not
// start or end where A does) is an empty changed range. ok is false when
// the delta is malformed, shuffles too much, or B is mostly new. Without
// needBlocks (A has no findings to carry over) only changed is returned,
// and lines are not counted.
func deltaChanges(delta, a, b []byte, needBlocks bool) (blocks []block, changed []detect.Range, ok bool) {
	if len(a) > 1<<30 || len(b) > 1<<30 {
		return nil, nil, false
	}
	srcSize, delta, ok1 := uvarint(delta)
	dstSize, delta, ok2 := uvarint(delta)
	if !ok1 || !ok2 || srcSize != uint64(len(a)) || dstSize != uint64(len(b)) {
		return nil, nil, false
	}
	addRange := func(start, end int) {
		if n := len(changed); n > 0 && start <= changed[n-1].End {
			changed[n-1].End = max(changed[n-1].End, end)
			return
		}
		changed = append(changed, detect.Range{Start: start, End: end})
	}
	x := 0               // position in b
	aEnd := 0            // end in a of the previous copy, -1 after an insert
	inserted := 0        // bytes of b not copied
	bLines := 0          // newlines in b[:x]
	aPos, aLines := 0, 0 // newlines in a[:aPos]
	linesBefore := func(off int) int {
		if off < aPos {
			aPos, aLines = 0, 0
		}
		aLines += bytes.Count(a[aPos:off], []byte{'\n'})
		aPos = off
		return aLines
	}
	for len(delta) > 0 {
		cmd := delta[0]
		delta = delta[1:]
		switch {
		case cmd&0x80 != 0:
			o, sz, rest, ok := copyOp(cmd, delta)
			if !ok {
				return nil, nil, false
			}
			off, size := int(o), int(sz)
			delta = rest
			if off+size > len(a) || x+size > len(b) {
				return nil, nil, false
			}
			if k := len(blocks) - 1; k >= 0 && aEnd == off && int(blocks[k].bOff+blocks[k].n) == x {
				blocks[k].n += int32(size)
			} else {
				if aEnd >= 0 && !(x == 0 && off == 0) {
					addRange(x, x) // b stops following a here
				}
				if len(blocks) == maxDeltaBlocks {
					return nil, nil, false
				}
				var dl int32
				if needBlocks {
					dl = int32(bLines - linesBefore(off))
				}
				blocks = append(blocks, block{aOff: int32(off), bOff: int32(x), n: int32(size), dl: dl})
			}
			if needBlocks {
				bLines += bytes.Count(b[x:x+size], []byte{'\n'})
			}
			x += size
			aEnd = off + size
		case cmd != 0:
			n := int(cmd)
			if n > len(delta) || x+n > len(b) {
				return nil, nil, false
			}
			addRange(x, x+n)
			if needBlocks {
				bLines += bytes.Count(b[x:x+n], []byte{'\n'})
			}
			delta = delta[n:]
			x += n
			inserted += n
			aEnd = -1
		default:
			return nil, nil, false
		}
	}
	if x != len(b) {
		return nil, nil, false
	}
	if aEnd >= 0 && aEnd != len(a) {
		addRange(len(b), len(b)) // a went on after b's end
	}
	if inserted > len(b)/2 && len(b) > 1024 {
		return nil, nil, false
	}
	if !needBlocks {
		blocks = nil
	}
	return blocks, changed, true
}
