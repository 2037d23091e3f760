package detect

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestFindSegmentsNear checks that searching around changed ranges finds
// exactly the segments of a whole search that overlap them, on text dense
// in base64 runs, padding and percent escapes, with ranges that start and
// end inside runs.
func TestFindSegmentsNear(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	// Base64 of text, so that runs are plausible and kept.
	pieces := []string{"dGhpcyBpcyBhIHNlY3JldCB0ZXh0", "IHRoYXQgZGVjb2RlcyB3ZWxs", "==", "=", " ", "\n", ".", "%41%42%43", "x=", "6162636465666768696a6b6c6d6e6f70"}
	compared := 0
	for n := 0; n < 2000; n++ {
		var b []byte
		for len(b) < 50+r.IntN(600) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		var ranges []Range
		for off := r.IntN(40); off < len(b); off += 1 + r.IntN(120) {
			end := min(len(b), off+r.IntN(30))
			ranges = append(ranges, Range{off, end})
			off = end
		}
		filter := func(segs []segment) string {
			var out []segment
			for _, s := range segs {
				if Overlaps(ranges, s.start, s.end) {
					out = append(out, s)
				}
			}
			return fmt.Sprint(out)
		}
		want := filter(findSegments(b))
		if got := filter(findSegmentsNear(b, ranges)); got != want {
			t.Fatalf("%q with %v:\n got %s\nwant %s", b, ranges, got, want)
		}
		if want != "[]" {
			compared++
		}
	}
	if compared < 500 {
		t.Fatalf("only %d inputs had segments in their ranges", compared)
	}
}

// TestB64Mask checks the 8-byte test against the byte table: every byte
// value at every offset, among base64 characters and among others.
func TestB64Mask(t *testing.T) {
	for _, around := range []string{"Az09+/_-", " .=\xff@`{,"} {
		for k := 0; k < 8; k++ {
			for c := 0; c < 256; c++ {
				w := []byte(around)
				w[k] = byte(c)
				var want uint64
				for j, b := range w {
					if classTab[b]&clsB64 != 0 {
						want |= 0x80 << (8 * j)
					}
				}
				if got := b64Mask(w, 0); got != want {
					t.Fatalf("%q: %#x, want %#x", w, got, want)
				}
			}
		}
	}
}

// TestBase64SegmentsReference checks the skipping search against a plain
// one that reads every byte, on text of short identifiers, long runs,
// padding and separators, searched whole and from inner offsets.
func TestBase64SegmentsReference(t *testing.T) {
	in := func(c byte) bool { return classTab[c]&clsB64 != 0 }
	reference := func(data []byte, from, to int) []segment {
		var segs []segment
		for i := from; i < to; {
			if !in(data[i]) {
				i++
				continue
			}
			st, e := i, i
			for e < to && in(data[e]) {
				e++
			}
			chars := e - st
			for pad := 0; pad < 2 && e < to && data[e] == '='; pad++ {
				e++
			}
			if chars >= minBase64Run {
				segs = appendRun(segs, data, st, e)
			}
			i = e
		}
		return segs
	}
	r := rand.New(rand.NewPCG(9, 9))
	pieces := []string{"dGhpcyBpcyBhIHNlY3JldCB0ZXh0", "IHRoYXQgZGVjb2RlcyB3ZWxs", "dGV4dA", "6162636465666768696a6b6c6d6e6f70",
		"==", "=", " ", "\n", ".", "(", "x", "ab", "userID", "partitionKey", "0123456789abcde", "0123456789abcdef", "x=",
		"+/", "_-", ",", "@", "`", "{", "é", "\xff", "Zz09", "dGhpcyBpcyBhIHN"}
	found := 0
	for n := 0; n < 5000; n++ {
		var b []byte
		for len(b) < 20+r.IntN(400) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		from, to := 0, len(b)
		if n%2 == 1 {
			from, to = r.IntN(len(b)), len(b)-r.IntN(8)
			if from > to {
				from = to
			}
		}
		want := fmt.Sprint(reference(b, from, to))
		if got := fmt.Sprint(base64Segments(b, from, to, nil)); got != want {
			t.Fatalf("%q [%d:%d]:\n got %s\nwant %s", b, from, to, got, want)
		}
		if want != "[]" {
			found++
		}
	}
	if found < 1000 {
		t.Fatalf("only %d inputs had segments", found)
	}
}
