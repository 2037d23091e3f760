package detect

import (
	"context"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/rules"
)

func TestWidenRepeats(t *testing.T) {
	cases := []struct {
		re, want string
		exact    int
	}{
		{`key=([a-z]{1,10})`, `key=([a-z]{1,10})`, -1},
		{`key=([a-z]{1,100})`, `key=([a-z]{1,})`, 104},
		{`key=([a-z]{1,100}?)x`, `key=([a-z]{1,}?)x`, 105},
		// Two widened: the smaller bound counts. Pairs count twice.
		{`a{0,64}b(?:cd){3,200}`, `a{0,}b(?:cd){3,}`, 71},
		// Inside a class, escaped, quoted: not repetitions.
		{`[{0,100}]x{0,100}`, `[{0,100}]x{0,}`, 101},
		{`\{0,100}x{0,100}`, `\{0,100}x{0,}`, 107},
		{`\Qa{0,100}\Ex{0,100}`, `\Qa{0,100}\Ex{0,}`, 108},
		{`[]{0,100}]x{0,100}`, `[]{0,100}]x{0,}`, 101},
		{`[^]{0,100}]x{0,100}`, `[^]{0,100}]x{0,}`, 101},
		{`[[:alpha:]{0,100}]x{0,100}`, `[[:alpha:]{0,100}]x{0,}`, 101},
		// Alternatives: the rest is the shortest way around.
		{`(?:abc|[a-z]{1,100})d`, `(?:abc|[a-z]{1,})d`, 101},
		// A repeated part that can match empty is never widened.
		{`(?:a?){0,100}`, `(?:a?){0,100}`, -1},
		// Nested: both widened.
		{`(?:x[a-z]{0,64}){1,3}`, `(?:x[a-z]{0,}){1,3}`, 65},
	}
	for _, c := range cases {
		p, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		got, exact := widenRepeats(c.re, p)
		if got != c.want || exact != c.exact {
			t.Errorf("%s: %s %d, want %s %d", c.re, got, exact, c.want, c.exact)
		}
		if _, err := regexp.Compile(got); err != nil {
			t.Errorf("%s: widened does not compile: %v", c.re, err)
		}
	}
}

// TestWidenedMatchesExact runs patterns whose widened form matches
// differently on long runs, so that the engine must fall back to the
// original pattern, and checks the findings against the original's.
func TestWidenedMatchesExact(t *testing.T) {
	long := strings.Repeat("a", 150)
	cases := []struct {
		re, text string
		want     []string // secrets, in order
	}{
		// Original takes the first 100 letters; widened would take 150.
		{`tok=([a-z]{1,100})`, "tok=" + long, []string{long[:100]}},
		// Original cannot end at a boundary after 100 letters.
		{`tok=([a-z]{1,100})\b`, "tok=" + long + " tok=abc", []string{"abc"}},
		// Short runs need no fallback.
		{`tok=([a-z]{1,100})\b`, "tok=abc tok=def", []string{"abc", "def"}},
	}
	for i, c := range cases {
		cfg := &rules.Config{Rules: []*rules.Rule{{ID: "r", Regex: c.re, Keywords: []string{"tok="}, SecretGroup: 1}}}
		e, err := New(cfg, Options{NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := e.Scan(context.Background(), []byte(c.text), Location{Path: "x"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Secret)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("case %d %s: %q, want %q", i, c.re, got, c.want)
		}
		if e.rules[0].exact < 0 {
			t.Errorf("case %d: not widened", i)
		}
	}
}

// TestWidenSameFindings checks that widening repetitions changes no
// finding of the default rules: on every rule's examples, on the same with
// long runs of token characters after them (which make widened matches
// too long to trust), on the labelled corpus and on generated source.
func TestWidenSameFindings(t *testing.T) {
	inputs := sourceFiles(256<<10, true)
	rcfg, examples := exampleInputs(t, func(ex string) string {
		return ex + "\n\n" + ex + strings.Repeat("Ab1", 700) + "\n" + strings.Repeat("x", 300) + ex + "\n\n"
	})
	inputs = append(append(inputs, examples...), corpusFiles(t)...)
	widened := 0
	for _, r := range rcfg.Rules {
		if p, err := syntax.Parse(r.Regex, syntax.Perl); err == nil && r.Regex != "" {
			if _, exact := widenRepeats(r.Regex, p); exact >= 0 {
				widened++
			}
		}
	}
	if widened < 100 {
		t.Fatalf("only %d rules widened", widened)
	}
	n := sameFindingsWithout(t, "widened repetitions", func(r *rule) { r.pattern, r.exact = r.r.Regex, -1 }, inputs)
	t.Logf("%d findings, %d rules widened", n, widened)
}
