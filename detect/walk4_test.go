package detect

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestExitBufLayout checks the layout walk4_amd64.s writes to.
func TestExitBufLayout(t *testing.T) {
	var ex exitBuf
	if unsafe.Offsetof(ex.st) != 1024 || unsafe.Offsetof(ex.n) != 2048 || exitCap != 64 || streams != 4 {
		t.Fatalf("exitBuf.st at %d, n at %d, exitCap %d, streams %d: walk4_amd64.s expects 1024, 2048, 64, 4",
			unsafe.Offsetof(ex.st), unsafe.Offsetof(ex.n), exitCap, streams)
	}
}

// TestWalk4MatchesGo checks walk4 (in assembly on amd64) against walk4Go
// on the default rules' DFA: text dense in keywords (so that the exit
// buffer fills), walked in blocks of varying length from varying states.
func TestWalk4MatchesGo(t *testing.T) {
	p := defaultEngine(t, Options{}).prefilter
	p.dfaOnce.Do(p.buildDFA)
	r := rand.New(rand.NewPCG(4, 4))
	words := []string{"key", "token", "SECRET", "password", "ghp_", "AKIA", " ", "\n", "x", "é", "\xff", "=", "auth", "pass"}
	var d [streams][]byte
	for k := range d {
		for len(d[k]) < 20000 {
			d[k] = append(d[k], words[r.IntN(len(words))]...)
		}
		d[k] = d[k][:20000]
	}
	var stA, stB [streams]uint32
	var exA, exB exitBuf
	records := 0
	for i := 0; i < 20000; {
		n := min(20000, i+1+r.IntN(3000))
		ia := walk4(p.trans, &p.cls, &d, i, n, p.matchStart, &stA, &exA)
		ib := walk4Go(p.trans, &p.cls, &d, i, n, p.matchStart, &stB, &exB)
		if ia != ib || exA.n != exB.n || stA != stB {
			t.Fatalf("from %d to %d: reached %d with %v records, states %v; Go: %d, %v, %v", i, n, ia, exA.n, stA, ib, exB.n, stB)
		}
		for k := range streams {
			for j := range exA.n[k] {
				if exA.at[k][j] != exB.at[k][j] || exA.st[k][j] != exB.st[k][j] {
					t.Fatalf("from %d: part %d record %d is %d %d; Go: %d %d", i, k, j, exA.at[k][j], exA.st[k][j], exB.at[k][j], exB.st[k][j])
				}
			}
			records += int(exA.n[k])
		}
		i = ia
	}
	if records < 1000 {
		t.Fatalf("only %d records", records)
	}
}
