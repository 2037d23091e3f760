package detect

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestScanChangedIsFilteredScan checks that ScanChanged reports exactly the
// findings of Scan that overlap the widened changed ranges.
func TestScanChangedIsFilteredScan(t *testing.T) {
	e := defaultEngine(t, Options{NoCache: true})
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	seen := 0
	for _, f := range sourceFiles(1<<20, true) {
		all, err := e.Scan(ctx, f, Location{Path: "x.go"})
		if err != nil {
			t.Fatal(err)
		}
		var changed []Range
		for off := r.IntN(2000); off < len(f); off += 500 + r.IntN(4000) {
			changed = append(changed, Range{off, min(len(f), off+r.IntN(300))})
		}
		got, err := e.ScanChanged(ctx, f, Location{Path: "x.go"}, changed)
		if err != nil {
			t.Fatal(err)
		}
		wide := WidenRanges(f, changed)
		var want []Finding
		for _, x := range all {
			if Overlaps(wide, int(x.StartOffset), int(x.EndOffset)) {
				want = append(want, x)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("ScanChanged: %d findings, filtered Scan: %d", len(got), len(want))
		}
		for i := range got {
			if got[i].RuleID != want[i].RuleID || got[i].StartOffset != want[i].StartOffset || got[i].StartLine != want[i].StartLine {
				t.Fatalf("finding %d: %+v, want %+v", i, got[i], want[i])
			}
		}
		seen += len(got)
	}
	if seen == 0 {
		t.Fatal("no findings in changed ranges to compare")
	}
}

// TestScanChangedKeyword checks matches whose keyword lies outside the
// changed lines: one changed line inside a private key reports the key.
func TestScanChangedKeyword(t *testing.T) {
	e := defaultEngine(t, Options{})
	var b strings.Builder
	b.WriteString("package x\n\nconst key = `-----BEGIN RSA PRIVATE KEY-----\n")
	r := rand.New(rand.NewPCG(5, 6))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b.WriteString("MIIEpAIBAAKCAQEA")
	for i := 0; i < 25; i++ {
		for j := 0; j < 64; j++ {
			b.WriteByte(b64[r.IntN(64)])
		}
		b.WriteByte('\n')
	}
	b.WriteString("-----END RSA PRIVATE KEY-----`\n\nfunc f() {}\n")
	data := []byte(b.String())
	mid := strings.Index(b.String(), "KEY-----\n") + 9 + 16 + 65*12 // a line in the body
	fs, err := e.ScanChanged(context.Background(), data, Location{Path: "k.go"}, []Range{{mid, mid + 64}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !strings.HasPrefix(fs[0].RuleID, "private-key") {
		t.Fatalf("findings: %+v", fs)
	}
	// A change far from the key reports nothing.
	end := len(data) - 3
	if fs, _ := e.ScanChanged(context.Background(), data, Location{Path: "k.go"}, []Range{{end, end + 1}}); len(fs) != 0 {
		t.Fatalf("findings for an unrelated change: %+v", fs)
	}
}

func TestCommitDependent(t *testing.T) {
	for _, c := range []struct {
		cfg  string
		want bool
	}{
		{testConfig, false},
		{testConfig + "\n[[allowlists]]\ncommits = ['abc123']\nregexes = ['x']\ncondition = 'AND'\n", true},
		{`[[rules]]
id = "r"
regex = 'k=(\w+)'
keywords = ["k="]
[[rules.allowlists]]
commits = ['abc123']
`, true},
	} {
		e := newTestEngine(t, c.cfg, Options{})
		if got := e.CommitDependent(); got != c.want {
			t.Errorf("CommitDependent() = %v, want %v for\n%s", got, c.want, c.cfg)
		}
	}
}
