package gitscan

import (
	"bytes"
	"hash/maphash"
)

// maxEditDistance bounds the Myers search (memory is quadratic in it).
// Past it, a line of the changed middle counts as added unless the same
// line occurs in the old middle.
const maxEditDistance = 1000

var lineSeed = maphash.MakeSeed()

// lineHashes splits b into lines and hashes each.
func lineHashes(b []byte) []uint64 {
	var out []uint64
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		var l []byte
		if i < 0 {
			l, b = b, nil
		} else {
			l, b = b[:i], b[i+1:]
		}
		l = bytes.TrimSuffix(l, []byte{'\r'})
		out = append(out, maphash.Bytes(lineSeed, l))
	}
	return out
}

// addedLines returns which lines of newB (1-based; index 0 unused) a
// minimal line diff from oldB marks as added.
func addedLines(oldB, newB []byte) []bool {
	a, b := lineHashes(oldB), lineHashes(newB)
	added := make([]bool, len(b)+1)
	// Common prefix and suffix.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(am) == 0 {
		for i := range bm {
			added[pre+i+1] = true
		}
		return added
	}
	if keep, ok := myers(am, bm); ok {
		for i, k := range keep {
			if !k {
				added[pre+i+1] = true
			}
		}
		return added
	}
	old := make(map[uint64]int, len(am))
	for _, h := range am {
		old[h]++
	}
	for i, h := range bm {
		if old[h] > 0 {
			old[h]--
			continue
		}
		added[pre+i+1] = true
	}
	return added
}

// myers computes a shortest edit script from a to b and returns, for each
// line of b, whether it is kept (matched to a line of a). ok is false when
// the edit distance exceeds maxEditDistance.
func myers(a, b []uint64) (keep []bool, ok bool) {
	n, m := len(a), len(b)
	maxD := n + m
	if maxD > maxEditDistance {
		maxD = maxEditDistance
	}
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
				return backtrack(trace, a, b, d, k), true
			}
		}
	}
	return nil, false
}

// backtrack walks the saved frontiers back from (n, m) and marks the
// diagonal (kept) lines of b. trace[d] is the frontier before step d,
// with diagonal k at index k+d+1.
func backtrack(trace [][]int32, a, b []uint64, d, k int) []bool {
	keep := make([]bool, len(b))
	x, y := len(a), len(b)
	for ; d > 0; d-- {
		vd := trace[d]
		get := func(k int) int { return int(vd[k+d+1]) }
		var pk, xs int
		if k == -d || (k != d && get(k-1) < get(k+1)) {
			pk = k + 1 // a step down: b's line is inserted
			xs = get(pk)
		} else {
			pk = k - 1 // a step right: a's line is deleted
			xs = get(pk) + 1
		}
		for x > xs {
			x--
			y--
			keep[y] = true
		}
		x = get(pk)
		y = x - pk
		k = pk
	}
	for x > 0 && y > 0 {
		x--
		y--
		keep[y] = true
	}
	return keep
}
