package detect

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	re2 "github.com/wasilibs/go-re2"

	"github.com/leakhound/leakhound/rules"
)

// TestAllowRegexRE2SameFindings checks that every allowlist regex of the default
// rules answers the same with RE2 as with Go's regexp (allowRegex moves
// from one to the other) on the rules' examples, their lines and the
// corpus' lines.
func TestAllowRegexRE2SameFindings(t *testing.T) {
	cfg, err := rules.DefaultWithExamples()
	if err != nil {
		t.Fatal(err)
	}
	var inputs []string
	patterns := map[string]bool{}
	for _, r := range cfg.Rules {
		for _, ex := range append(r.Examples, r.NegativeExamples...) {
			inputs = append(inputs, ex)
			inputs = append(inputs, strings.Split(ex, "\n")...)
		}
		for _, a := range r.Allowlists {
			for _, p := range append(a.Regexes, a.Paths...) {
				patterns[p] = true
			}
		}
	}
	for _, a := range cfg.Allowlists {
		for _, p := range append(a.Regexes, a.Paths...) {
			patterns[p] = true
		}
	}
	filepath.WalkDir("../testdata/corpus", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			inputs = append(inputs, p)
			if f, err := os.Open(p); err == nil {
				sc := bufio.NewScanner(f)
				for sc.Scan() {
					inputs = append(inputs, sc.Text())
				}
				f.Close()
			}
		}
		return nil
	})
	var cache regexCache
	matched := 0
	for p := range patterns {
		a, err := cache.get(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		r, err := re2.Compile(p)
		if err != nil {
			t.Errorf("RE2 rejects %s: %v", p, err)
			continue
		}
		for _, in := range inputs {
			got, want := r.MatchString(in), a.std.MatchString(in)
			if got != want {
				t.Errorf("%s on %q: RE2 %v, Go %v", p, in, got, want)
			}
			if want {
				matched++
			}
		}
	}
	if matched == 0 {
		t.Fatal("no allowlist regex matched anything")
	}
	t.Logf("%d patterns, %d inputs, %d matches", len(patterns), len(inputs), matched)
}

func TestAllowRegexMovesToRE2(t *testing.T) {
	var cache regexCache
	a, err := cache.get(`(?i)^(?:example|dummy)`)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := cache.get(`(?i)^(?:example|dummy)`); b != a {
		t.Error("the same pattern compiled twice")
	}
	for i := 0; a.re2.Load() == nil && i < 1e6; i++ {
		if !a.MatchString("EXAMPLE-key") || a.MatchString("real-key") {
			t.Fatal("wrong answer")
		}
	}
	if !a.MatchString("EXAMPLE-key") || a.MatchString("real-key") {
		t.Fatal("wrong answer from RE2")
	}
	if a.re2.Load() == nil {
		t.Error("still on Go's regexp")
	}
	if _, err := cache.get(`(`); err == nil {
		t.Error("a broken pattern compiled")
	}
}
