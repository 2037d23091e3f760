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
