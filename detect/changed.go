package detect

import (
	"bytes"
	"context"
)

// Range is a byte range [Start, End) of an input.
type Range struct{ Start, End int }

// ScanChanged scans data like Scan, but only reports findings that overlap
// the changed ranges, widened to whole lines and one more line on each
// side, and runs regexes only on windows that overlap them. It is for a new
// version of a file whose unchanged parts were scanned before (a file in
// git history against its previous version): what lies only in unchanged
// lines was found then. changed must be sorted and non-overlapping; an
// empty changed reports nothing.
//
// Rules that other rules require (composite rules) still run on the whole
// input, so that a composite finding in the changed lines sees its
// required findings wherever they are.
func (e *Engine) ScanChanged(ctx context.Context, data []byte, loc Location, changed []Range) ([]Finding, error) {
	if e.SkipInput(loc) || len(changed) == 0 {
		return nil, nil
	}
	var out []Finding
	budget := e.opts.MaxDecodedBytes
	ci := chunkInfo{ownTo: int64(len(data)), decodeCap: &budget, changed: WidenRanges(data, changed)}
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	fs, err := e.find(ctx, s, data, loc, ci, 0)
	if err != nil {
		return nil, err
	}
	out = append(out, fs...)
	return out, nil
}

// WidenRanges returns the ranges within which ScanChanged reports
// findings for changed: each widened to whole lines plus one line before and
// one after, clipped to data, and merged where they then touch. Sources
// that carry findings over from a previous version use it to tell which
// findings the changed scan stands for.
func WidenRanges(data []byte, changed []Range) []Range {
	out := make([]Range, 0, len(changed))
	for _, r := range changed {
		start, end := max(0, min(r.Start, len(data))), max(0, min(r.End, len(data)))
		if end < start {
			continue
		}
		// Back to the start of the line before the one holding start.
		for k := 0; k < 2 && start > 0; k++ {
			if j := bytes.LastIndexByte(data[:start-1], '\n'); j >= 0 {
				start = j + 1
			} else {
				start = 0
			}
		}
		// On to the end of the line after the one holding end.
		for k := 0; k < 2 && end < len(data); k++ {
			if j := bytes.IndexByte(data[end:], '\n'); j >= 0 {
				end += j + 1
			} else {
				end = len(data)
			}
		}
		if n := len(out); n > 0 && start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, end)
			continue
		}
		out = append(out, Range{start, end})
	}
	return out
}

// Overlaps reports whether [start, end) overlaps one of the sorted,
// non-overlapping ranges rs (an empty span counts at its position): the
// test ScanChanged applies to findings against WidenRanges.
func Overlaps(rs []Range, start, end int) bool {
	// Binary search for the first range ending after start.
	lo, hi := 0, len(rs)
	for lo < hi {
		m := (lo + hi) / 2
		if rs[m].End <= start {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(rs) && rs[lo].Start < max(end, start+1)
}

// keepChanged drops the windows of rule i that overlap no changed range.
func keepChanged(ws []window, changed []Range) []window {
	out := ws[:0]
	for _, w := range ws {
		if Overlaps(changed, w.start, w.end) {
			out = append(out, w)
		}
	}
	return out
}
