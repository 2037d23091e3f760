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
	if pairs, ok := myersPairs(am, bm, maxEditDistance); ok {
		for i := range bm {
			added[pre+i+1] = true
		}
		for _, p := range pairs {
			added[pre+int(p[1])+1] = false
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
