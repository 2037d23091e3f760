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

// TestPrefilterMatchesNaive checks both ways the prefilter finds keywords:
// walking the trie (the first dfaAfter bytes) and the DFA.
func TestPrefilterMatchesNaive(t *testing.T) {
	kws := []string{"key", "api_key", "token", "ghp_", "xoxb-", "-----begin", "a", "aa", "secret", "cret"}
	p := newPrefilter(kws, make([][]kwRule, len(kws)))
	testPrefilter(t, p, kws)
	if p.dfaReady.Load() {
		t.Fatal("the DFA was built for a few kilobytes")
	}
	p.dfaOnce.Do(p.buildDFA)
	testPrefilter(t, p, kws)
	// Past dfaAfter bytes, a scan builds the DFA.
	q := newPrefilter(kws, make([][]kwRule, len(kws)))
	q.find(make([]byte, dfaAfter+1), newScratch(0))
	if !q.dfaReady.Load() {
		t.Error("no DFA after dfaAfter bytes")
	}
}

func testPrefilter(t *testing.T, p *prefilter, kws []string) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "aAkKeEyYpPiI_tToOnNgGhHxXbB-sScCrR \n"
	for _, n := range []int{0, 1, 100, 1023, 1024, 1025, 4096, 10000, 65537} {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		// Plant keywords across the part boundaries.
		for k := 1; k < streams && n >= 1024; k++ {
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
			// At one end, the longest keyword first: a rule's windows
			// then start in increasing order (see scratch.addWindow).
			if i > 0 && got[i-1].end == h.end && len(kws[got[i-1].kw]) < len(kws[h.kw]) {
				t.Fatalf("n=%d: %q before %q at %d", n, kws[got[i-1].kw], kws[h.kw], h.end)
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

func TestLinesAround(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for n := 0; n < 2000; n++ {
		b := make([]byte, 1+r.IntN(60))
		for i := range b {
			b[i] = "ab\n"[r.IntN(3)]
		}
		pos, k := r.IntN(len(b)), r.IntN(3)
		lo := r.IntN(pos + 1)
		hi := pos + r.IntN(len(b)-pos+1)
		// Naive: line starts and ends from a list of newlines.
		var nl []int
		for i, c := range b {
			if c == '\n' {
				nl = append(nl, i)
			}
		}
		li := 0
		for li < len(nl) && nl[li] < pos {
			li++
		}
		ws, we := 0, len(b)
		if j := li - 1 - k; j >= 0 {
			ws = nl[j] + 1
		}
		if j := li + k; j < len(nl) {
			we = nl[j] + 1
		}
		ws, we = max(ws, lo), min(we, hi)
		if gs, ge := linesAround(b, pos, k, lo, hi); gs != ws || ge != we {
			t.Fatalf("%q pos %d k %d in [%d,%d): got [%d,%d), want [%d,%d)", b, pos, k, lo, hi, gs, ge, ws, we)
		}
		// The index that many hits share agrees.
		idx := lineIndex{data: b}
		idx.build(&scratch{})
		ls, le := idx.around(pos, k)
		if gs, ge := max(ls, lo), min(le, hi); gs != ws || ge != we {
			t.Fatalf("index: %q pos %d k %d in [%d,%d): got [%d,%d), want [%d,%d)", b, pos, k, lo, hi, gs, ge, ws, we)
		}
	}
}
