package detect

import (
	"bytes"
	"unicode/utf8"
)

// window is a byte range of a chunk where a rule's regex runs.
type window struct{ start, end int }

// scratch is per-scan working memory, pooled to keep the hot path free of
// allocations.
type scratch struct {
	windows [][]window // per rule
	touched []int      // rules with at least one window, in first-hit order
	offPath []bool     // per rule: its path regex rejects the current input
	nl      []int32    // newline offsets of the current chunk (see lineIndex)
	hits    []hit      // keyword occurrences
	parts   [streams][]hit
	exits   exitBuf
	// holds[c] says whether the current input holds byte c: 0 not known
	// yet, 1 yes, 2 no (see holdsByte); asked lists the bytes set.
	holds [256]uint8
	asked []byte
}

func newScratch(nrules int) *scratch {
	return &scratch{windows: make([][]window, nrules), offPath: make([]bool, nrules)}
}

func (s *scratch) reset() {
	for _, i := range s.touched {
		s.windows[i] = s.windows[i][:0]
	}
	s.touched = s.touched[:0]
}

// addWindow records a window for rule i. Windows arrive in increasing start
// order per rule, so overlapping ones are merged on the fly.
func (s *scratch) addWindow(i, start, end int) {
	ws := s.windows[i]
	if len(ws) == 0 {
		s.touched = append(s.touched, i)
	} else if last := &ws[len(ws)-1]; start <= last.end {
		if end > last.end {
			last.end = end
		}
		return
	}
	s.windows[i] = append(ws, window{start, end})
}

// holdsByte reports whether data, the current input, holds byte c,
// searching it once per input.
func (s *scratch) holdsByte(data []byte, c byte) bool {
	if v := s.holds[c]; v != 0 {
		return v == 1
	}
	v := uint8(2)
	if bytes.IndexByte(data, c) >= 0 {
		v = 1
	}
	s.holds[c] = v
	s.asked = append(s.asked, c)
	return v == 1
}

// newInput forgets what holdsByte found.
func (s *scratch) newInput() {
	for _, c := range s.asked {
		s.holds[c] = 0
	}
	s.asked = s.asked[:0]
}

// windowGap is the largest gap between two windows that are merged into one
// regex call. A call costs about as much as scanning a few hundred bytes.
const windowGap = 512

// lineReach bounds how far a window is widened to reach a line boundary.
const lineReach = 256

// mergeWindows widens windows to line boundaries (within lineReach) so that
// anchors and word boundaries see real context, and merges windows that
// then touch or nearly touch: one regex call over a slightly larger range
// is cheaper than two calls. back is false for rules whose matches start
// at their keyword: their windows already start where matches can.
func mergeWindows(data []byte, ws []window, back bool) []window {
	const gap = windowGap
	out := ws[:0]
	for _, w := range ws {
		if back {
			w.start = widenBack(data, w.start)
		}
		w.end = widenFwd(data, w.end)
		if n := len(out); n > 0 && w.start <= out[n-1].end+gap {
			if w.end > out[n-1].end {
				out[n-1].end = w.end
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

func widenBack(data []byte, i int) int {
	if i <= 0 {
		return 0
	}
	lo := max(0, i-lineReach)
	if j := bytes.LastIndexByte(data[lo:i], '\n'); j >= 0 {
		return lo + j + 1
	}
	return lo
}

func widenFwd(data []byte, i int) int {
	if i >= len(data) {
		return len(data)
	}
	hi := min(len(data), i+lineReach)
	if j := bytes.IndexByte(data[i:hi], '\n'); j >= 0 {
		return i + j
	}
	return hi
}

// lineBounds returns the start of the line holding start and the end of the
// line holding end-1 (excluding the newline).
func lineBounds(data []byte, start, end int) (int, int) {
	// On a giant (minified) line the bounds stop lineCap bytes away: every
	// use cuts the line around the match anyway, and a finding must not cost
	// a scan of the whole line.
	lo := max(0, start-lineCap)
	ls := lo
	if j := bytes.LastIndexByte(data[lo:start], '\n'); j >= 0 {
		ls = lo + j + 1
	}
	end = max(end, start)
	// The match may end with a newline; the line is the one it ends on.
	from := end
	if from > start && data[from-1] == '\n' {
		from--
	}
	hi := min(len(data), from+lineCap)
	le := hi
	if j := bytes.IndexByte(data[from:hi], '\n'); j >= 0 {
		le = from + j
	}
	return ls, le
}

// lineCap bounds how far lineBounds looks for a line's ends.
const lineCap = 2 * markerReach

// lineCounter converts offsets, given in increasing order, to 1-based line
// and column numbers without rescanning from the start each time.
type lineCounter struct {
	data      []byte
	lineBase  int
	off       int // offset counted up to
	line      int // 0-based line at off
	lineStart int // offset where that line starts
	colOff    int // offset whose column is col (on the current line)
	col       int // characters between lineStart and colOff
	colBase   int // characters before data[0] on its line
}

func newLineCounter(data []byte, lineBase int) lineCounter {
	return lineCounter{data: data, lineBase: lineBase, line: lineBase}
}

// newChunkCounter is a lineCounter for a chunk that starts colBase
// characters into a line.
func newChunkCounter(data []byte, lineBase, colBase int) lineCounter {
	lc := newLineCounter(data, lineBase)
	lc.col, lc.colBase = colBase, colBase
	return lc
}

// position returns line and column (characters) of offset i.
func (lc *lineCounter) position(i int) (int, int) {
	if i < lc.off {
		// Out of order: count again from the start of the data.
		*lc = newChunkCounter(lc.data, lc.lineBase, lc.colBase)
	}
	seg := lc.data[lc.off:i]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		lc.line += n
		lc.lineStart = lc.off + bytes.LastIndexByte(seg, '\n') + 1
		lc.colOff, lc.col = lc.lineStart, 0
	}
	lc.off = i
	if i < lc.colOff {
		lc.colOff, lc.col = lc.lineStart, 0
		if lc.line == lc.lineBase {
			lc.col = lc.colBase
		}
	}
	lc.col += utf8.RuneCount(lc.data[lc.colOff:i])
	lc.colOff = i
	return lc.line + 1, lc.col + 1
}

// shortLine trims a line and, when long, cuts it to a window around the
// secret so that a minified file does not put a megabyte into a report.
func shortLine(line []byte, s, e int) string {
	const limit = 512
	if len(line) > limit {
		lo := max(0, s-limit/2)
		hi := min(len(line), e+limit/2)
		if hi-lo > 2*limit {
			hi = lo + 2*limit
		}
		line = line[lo:hi]
	}
	return string(bytes.TrimSpace(line))
}
