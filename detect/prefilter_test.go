package detect

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveHits finds keyword occurrences the slow way.
func naiveHits(data string, kws []string) map[hit]bool {
	out := map[hit]bool{}
	low := strings.ToLower(data)
	for k, kw := range kws {
		for i := 0; ; {
			j := strings.Index(low[i:], kw)
			if j < 0 {
				break
			}
			out[hit{int32(i + j + len(kw)), int32(k)}] = true
			i += j + 1
		}
	}
	return out
}

func TestPrefilterMatchesNaive(t *testing.T) {
	kws := []string{"key", "api_key", "token", "ghp_", "xoxb-", "-----begin", "a", "aa", "secret", "cret"}
	p := newPrefilter(kws, make([][]int, len(kws)))
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "aAkKeEyYpPiI_tToOnNgGhHxXbB-sScCrR \n"
	for _, n := range []int{0, 1, 100, 4095, 4096, 4097, 10000, 65537} {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		// Plant keywords across the part boundaries.
		for k := 1; k < streams && n >= 4096; k++ {
			copy(b[n*k/streams-3:], "SeCrEt")
		}
		want := naiveHits(string(b), kws)
		s := newScratch(0)
		got := p.find(b, s)
		seen := map[hit]bool{}
		for i, h := range got {
			if seen[h] {
				t.Fatalf("n=%d: duplicate hit %+v", n, h)
			}
			seen[h] = true
			if i > 0 && got[i-1].end > h.end {
				t.Fatalf("n=%d: hits out of order at %d", n, i)
			}
		}
		if len(seen) != len(want) {
			t.Fatalf("n=%d: %d hits, want %d", n, len(seen), len(want))
		}
		for h := range want {
			if !seen[h] {
				t.Fatalf("n=%d: missing %+v", n, h)
			}
		}
	}
}
