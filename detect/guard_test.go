package detect

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
)

func TestGuardHits(t *testing.T) {
	cases := []struct {
		re   string
		kws  []string
		text string // the hit is the first occurrence of kw
		kw   string
		want bool
	}{
		// \b before a literal anchor, fixed-width elements after it.
		{`\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})`, []string{"pat"}, "x = path.Join(a, b)", "pat", false},
		{`\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})`, []string{"pat"}, "x = patAbCdEfGh123456.0123abcd", "pat", true},
		{`\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})`, []string{"pat"}, "xpatAbCdEfGh123456.0123abcd", "pat", false},
		// A case-sensitive literal rejects other cases the prefilter finds.
		{`\b(eyJ[A-Za-z0-9_-]{10,})`, []string{"eyj"}, "EYJABCDEFGHIJKL", "eyj", false},
		{`\b(eyJ[A-Za-z0-9_-]{10,})`, []string{"eyj"}, "eyJABCDEFGHIJKL", "eyj", true},
		// (?:\b|_) before the keyword: "blob" is no lob.
		{`(?:\b|_)(?i:lob[ \t\w.-]{0,20}key)`, []string{"lob"}, "blob key", "lob", false},
		{`(?:\b|_)(?i:lob[ \t\w.-]{0,20}key)`, []string{"lob"}, "my_lob key", "lob", true},
		{`(?:\b|_)(?i:lob[ \t\w.-]{0,20}key)`, []string{"lob"}, "lob key", "lob", true},
		// A class before the keyword.
		{`[\w.-](?i:key)\s*=`, []string{"key"}, "(key)", "key", false},
		{`[\w.-](?i:key)\s*=`, []string{"key"}, "api_key = 1", "key", true},
		// An optional part and what precedes it.
		{`<(?:[\w-]{0,30}[:_.-])?(?i:password|token)>`, []string{"password", "token"}, "a password", "password", false},
		{`<(?:[\w-]{0,30}[:_.-])?(?i:password|token)>`, []string{"password", "token"}, "<db_password>", "password", true},
		{`<(?:[\w-]{0,30}[:_.-])?(?i:password|token)>`, []string{"password", "token"}, "<token>", "token", true},
		// Alternation of anchors; a keyword that is no anchor's start.
		{`(?i:cred(?:entials?|s)|auth)=(\w+)`, []string{"cred", "auth"}, "credentials=x", "cred", true},
		{`(?i:cred(?:entials?|s)|auth)=(\w+)`, []string{"cred", "auth", "ent"}, "credentials=x", "ent", false},
		// (?m)^ before the anchor.
		{`(?m)^[ \t]*password=(\S+)`, []string{"password"}, "x password=1", "password", false}, // only [ \t] after the line start
		{`(?m)^[ \t]*password=(\S+)`, []string{"password"}, "x\n \tpassword=1", "password", true},
		{`(?m)^password=(\S+)`, []string{"password"}, "x password=1", "password", false},
		{`(?m)^password=(\S+)`, []string{"password"}, "x\npassword=1", "password", true},
		{`(?m)^password=(\S+)`, []string{"password"}, "password=1", "password", true},
		// Top-level alternation: a hit passes if one branch allows it.
		{`\bghp_[a-z]{4}|\bgho_[a-z]{4}`, []string{"ghp_", "gho_"}, "xgho_abcd", "gho_", false},
		{`\bghp_[a-z]{4}|\bgho_[a-z]{4}`, []string{"ghp_", "gho_"}, " gho_abcd", "gho_", true},
		// An anchor of four elements, known only by its strings' starts.
		{`(?i:\b(?:buf|bsr)[_-]?(?:api[_-]?)?token)[\w.-]{0,20}=(\w+)`, []string{"buf_", "buf-", "bsr_", "bsr-", "buftoken", "bufapi", "bsrtoken", "bsrapi"}, "x BUF_API_TOKEN=abc", "buf_", true},
		{`(?i:\b(?:buf|bsr)[_-]?(?:api[_-]?)?token)[\w.-]{0,20}=(\w+)`, []string{"buf_", "buf-", "bsr_", "bsr-", "buftoken", "bufapi", "bsrtoken", "bsrapi"}, "xbuf_api_token=abc", "buf_", false},
		// An assignment must follow within reach, on the same line.
		{`[\w.-](?i:key)[ \t]{0,4}(?:=|:=)[ \t]*(\w+)`, []string{"key"}, "a_key is here, x = 1", "key", false},
		{`[\w.-](?i:key)[ \t]{0,4}(?:=|:=)[ \t]*(\w+)`, []string{"key"}, "a_key := 1 and more text", "key", true},
		{`[\w.-](?i:key)[ \t]{0,4}(?:=|:=)[ \t]*(\w+)`, []string{"key"}, "a_key\n= 1 and more text", "key", false},
		{`[\w.-](?i:key)\s{0,4}(?:=|:=)[ \t]*(\w+)`, []string{"key"}, "a_key\n= 1 and more text", "key", true},
		// A keyword inside a literal: the literal's bytes before it count.
		{`\bovh_key=(\w+)|(?i:\[ovh-[a-z]{2,3}\])`, []string{"ovh"}, "x MOVHU R1", "ovh", false},
		{`\bovh_key=(\w+)|(?i:\[ovh-[a-z]{2,3}\])`, []string{"ovh"}, "x [OVH-eu]", "ovh", true},
		{`\bovh_key=(\w+)|(?i:\[ovh-[a-z]{2,3}\])`, []string{"ovh"}, "x ovh_key=1", "ovh", true},
		// A byte the match needs before the anchor, on the same line.
		{`<(?:[\w-]{0,30}[:_.-])?(?i:password)>`, []string{"password"}, "db_password = 1", "password", false},
		{`<(?:[\w-]{0,30}[:_.-])?(?i:password)>`, []string{"password"}, "x <db_password>", "password", true},
		{`<(?:[\w-]{0,30}[:_.-])?(?i:password)>`, []string{"password"}, strings.Repeat("z", 40) + "<\ndb_password>", "password", false},
		{`<(?:[\w-]{0,30}[:_.-])?(?i:password)>`, []string{"password"}, "<x-" + strings.Repeat("y", 40) + "_password>", "password", false},
		// Every such byte is needed: "client" before "secret", and "<".
		{`<(?i:client[_-]?secret)>`, []string{"secret"}, "CLIENT_SECRET=1", "secret", false},
		{`<(?i:client[_-]?secret)>`, []string{"secret"}, "<client_secret>", "secret", true},
		// The need byte is searched through gap bytes only.
		{`://[^\s:@/]{0,128}:([^\s@/]{1,128})@`, []string{"://"}, "see https://golang.org/x/net: here", "://", false},
		{`://[^\s:@/]{0,128}:([^\s@/]{1,128})@`, []string{"://"}, "x https://user:pw@host", "://", true},
		{`(?i:privkey)["']?[ \t]*(?:=|:)[ \t]*(\w+)`, []string{"privkey"}, "privKey := x", "privkey", true},
		{`(?i:privkey)["']?[ \t]*(?:=|:)[ \t]*(\w+)`, []string{"privkey"}, "privKey.Sign(x) = 1", "privkey", false},
		{`(?i:privkey)["']?[ \t]*(?:=|:)[ \t]*(\w+)`, []string{"privkey"}, "privkey" + strings.Repeat(" ", 300) + "x", "privkey", true},
		// Data that ends inside the checked bytes is left to the regex.
		{`\b(pat[A-Za-z0-9]{14}\.)`, []string{"pat"}, "patAbC", "pat", true},
	}
	for _, c := range cases {
		re, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		g := newGuard(re, c.kws, false)
		if g == nil {
			t.Errorf("%s: no guard", c.re)
			continue
		}
		s := strings.Index(strings.ToLower(c.text), c.kw)
		if got := g.check([]byte(c.text), s, slices.Index(c.kws, c.kw), c.kw); got != c.want {
			t.Errorf("%s on %q: %v, want %v", c.re, c.text, got, c.want)
		}
	}
	// No anchor in some branch: no guard.
	for _, re := range []string{`[a-z]+=(\w+)`, `token=(\w+)|(\w+)@host`} {
		p, _ := syntax.Parse(re, syntax.Perl)
		if newGuard(p, []string{"key", "token"}, false) != nil {
			t.Errorf("%s: unexpected guard", re)
		}
	}
}

// TestGuardsSameFindings checks that guards only ever turn away hits that
// cannot be part of a match: with and without them, the default ruleset
// finds the same on source-like text with secrets and on the labelled
// corpus.
func TestGuardsSameFindings(t *testing.T) {
	// Generated source (without guards the engine runs regexes on most of
	// its lines, which is slow under -race: keep it small).
	inputs := sourceFiles(512<<10, true)
	// Every rule's examples, alone and inside other text.
	rcfg, examples := exampleInputs(t, func(ex string) string {
		return ex + "\n\nx" + ex + "_y\n" + ex + " blob path" + ex + "\n\n"
	})
	inputs = append(append(inputs, examples...), corpusFiles(t)...)
	guarded := 0
	for _, r := range rcfg.Rules {
		p, err := syntax.Parse(r.Regex, syntax.Perl)
		if err == nil && r.Regex != "" && newGuard(p, r.Keywords, false) != nil {
			guarded++
		}
	}
	// Without guards means without the prefilter's check of the byte
	// before a keyword too (Engine.setPre), which comes from them.
	n := sameFindingsWithout(t, "guards", func(r *rule) { r.guard.Store(nil) }, inputs, func(e *Engine) { e.prefilter.kwPre = nil })
	t.Logf("%d findings, %d of %d rules guarded", n, guarded, len(rcfg.Rules))
}

// TestHeadHits checks what heads add to guards: the value after an
// assignment, a $ at the end, the bound on a match's length, and data that
// ends inside the head.
func TestHeadHits(t *testing.T) {
	const apiKey = `[\w.-](?i:key)(?:[_.-]?(?:value|val|str|string|prod|dev|staging|primary|secondary|literal|override))?[ \t]{0,4}(?:=|:=|:)[ \t]{0,4}(?:"([^\s"]{16,200})"|([^\s"'(){};,]{16,200})(?:[ \t;,)]|$))`
	const xml = `<add\b[^<>]{0,100}?\bkey=["'](?i:password)["'][^<>]{0,100}?\bvalue=["']([^"'\s<>]{6,200})["']`
	cases := []struct {
		re, text string
		want     bool
	}{
		{apiKey, `contextKey = if.return(tokenizer, "and")`, false}, // no 16-byte value
		{apiKey, `cacheKey = a.url(sessionStore, "wait")`, false},
		{apiKey, `x API_KEY=pZvLkXw3w6weMkWrbeL4fLTlYhtcvssh`, true},
		{apiKey, `x apiKey: "MizRBFGLnHc64KVCYXx7EKXMUbl"`, true},
		{apiKey, `x_key_value = "MizRBFGLnHc64KVCYXx7EKXMUbl"`, true}, // a suffix word
		{apiKey, "x_key = abcdefghijklmnopq\nnext", true},             // $ before a newline
		{apiKey, "x_key = abcdefghijklmnopq(", false},                 // no end after the value
		{apiKey, "x_key = abcdefghijklmnopq", true},                   // the data ends: the regex decides
		{apiKey, "x_key = abcdefgh", true},                            // the data ends inside the value
		{xml, `<add key="password" value="hunter22x"/>`, true},
		{xml, `<add key="password" ` + strings.Repeat("x", 300) + ` value="hunter22x"/>`, false}, // too far
		{xml, `<add key="password" ` + strings.Repeat("é", 100) + ` value="hunter22x"/>`, true},  // runes, not bytes
	}
	for _, c := range cases {
		re, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		kw := "key"
		if strings.HasPrefix(c.re, "<") {
			kw = "password"
		}
		g := newGuard(re, []string{kw}, true)
		if g == nil || g.branches[0].head == nil {
			t.Fatalf("%s: no head", c.re)
		}
		s := strings.Index(strings.ToLower(c.text), kw)
		if got := g.check([]byte(c.text), s, 0, kw); got != c.want {
			t.Errorf("%.30s… on %q: %v, want %v", c.re, c.text, got, c.want)
		}
		// The state a head keeps for after its keyword is the one a walk
		// over it reaches, in whatever case.
		h := g.branches[0].head
		for _, text := range []string{c.text, c.text[:s] + strings.ToUpper(c.text[s:s+len(kw)]) + c.text[s+len(kw):]} {
			if skip, walk := h.match([]byte(text), s, 0), h.match([]byte(text), s, -1); skip != walk {
				t.Errorf("%.30s… on %q: %v after the keyword, %v walking it", c.re, text, skip, walk)
			}
		}
		// Without its head the guard lets every case through.
		if !newGuard(re, []string{kw}, false).check([]byte(c.text), s, 0, kw) {
			t.Errorf("%.30s… on %q: the guard alone turns it away", c.re, c.text)
		}
	}
}

// TestHeadKeywordCase checks that a head keeps no state for after a
// keyword whose case changes where the regex can go: at once (a
// case-sensitive anchor), or only at its last letter.
func TestHeadKeywordCase(t *testing.T) {
	for _, c := range []struct {
		re    string
		cases map[string]bool
	}{
		// (Short words: a longer list would become one looping position.)
		{`(?:Pass: |PASS=)(\w{8})`, map[string]bool{
			"x Pass: abcdefgh": true, "x PASS: abcdefgh": false, "x PASS=abcdefgh": true, "x Pass=abcdefgh": false,
		}},
		{`(?i:pas)(?:s: |S=)(\w{8})`, map[string]bool{
			"x pass: abcdefgh": true, "x PASS: abcdefgh": false, "x PASS=abcdefgh": true, "x pass=abcdefgh": false,
		}},
	} {
		re, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		g := newGuard(re, []string{"pass"}, true)
		if g == nil || g.branches[0].head == nil {
			t.Fatalf("%s: no head", c.re)
		}
		// In this order: the first walk over the keyword is lower-case.
		for _, text := range []string{"x pass: abcdefgh", "x Pass: abcdefgh", "x PASS: abcdefgh", "x PASS=abcdefgh", "x pass=abcdefgh", "x Pass=abcdefgh"} {
			want, ok := c.cases[text]
			if !ok {
				continue
			}
			if got := g.check([]byte(text), 2, 0, "pass"); got != want {
				t.Errorf("%s on %q: %v, want %v", c.re, text, got, want)
			}
		}
	}
}

// TestHeadStateLimit checks that a head whose DFA would need more than
// maxHeadStates states still accepts every string the regex matches.
func TestHeadStateLimit(t *testing.T) {
	re := `key(?:a|b)*a(?:a|b){12}c`
	p, _ := syntax.Parse(re, syntax.Perl)
	g := newGuard(p, []string{"key"}, true)
	std := regexp.MustCompile(`^` + re)
	r := rand.New(rand.NewPCG(1, 2))
	matched := 0
	for n := 0; n < 3000; n++ {
		b := []byte("key")
		for len(b) < 3+20+r.IntN(60) {
			b = append(b, "ab"[r.IntN(2)])
		}
		b = append(b, 'c')
		if std.Match(b) {
			matched++
			if !g.check(b, 0, 0, "key") {
				t.Fatalf("%q matches but the head fails it", b)
			}
		}
	}
	h := g.branches[0].head
	if len(h.states) < h.maxStates-headStart-1 || matched == 0 {
		t.Fatalf("%d states, %d matches: the limit was not reached", len(h.states), matched)
	}
}

// TestRareNeed checks which byte a regex's every match is known to hold.
func TestRareNeed(t *testing.T) {
	for _, c := range []struct {
		re   string
		want byte
	}{
		{`<(?i:password)>(\w+)</`, '<'},
		{`postgres://[^:@]+:([^@]+)@[\w.]+`, '@'},                 // ':' and '/' are too common
		{`(?:a@b|c@d)x`, '@'},                                     // every branch
		{`(?:a@b|c<d)x`, 0},                                       // no one byte in both
		{`key[ \t]*=[ \t]*(\w+)`, 0},                              // nothing rare
		{`DefaultEndpointsProtocol=https;AccountKey=(\S+)@`, '@'}, // the rarer of ';' and '@'
		{`(?:x<y)?z`, 0},                                          // optional
	} {
		re, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := rareNeed(re); got != c.want {
			t.Errorf("%s: %q, want %q", c.re, got, c.want)
		}
	}
}

// TestPrefixSet checks the strings one of which every match starts with:
// through optional elements both ways, alternations distributed over what
// follows, and a stop where the strings would be too many.
func TestPrefixSet(t *testing.T) {
	for _, c := range []struct {
		re   string
		want []string
	}{
		// (Some strings are redundant: "wise_" covers "wise_key".)
		{`wise(?:[_.-]\w{0,3}|api)?(?:token|key)`, []string{"wise-", "wise-key", "wise-token", "wise.", "wise.key", "wise.token",
			"wise_", "wise_key", "wise_token", "wiseapikey", "wiseapitoken", "wisekey", "wisetoken"}},
		{`(?i:Oracle)(?:\+[a-z]{1,20})?=`, []string{"oracle+", "oracle="}},
		{`cf(?:_\w*)?key`, []string{"cf_", "cf_key", "cfkey"}},
		{`x*y`, []string{"x", "y"}},
		{`\w{0,3}!`, []string{"", "!"}}, // "": a word character, too many to list
		// Many alternations in a row: the budget of steps runs out (this
		// would take some 3^40 steps), and what is known so far stays sound.
		{strings.Repeat(`(?:a\w*|b)?`, 40) + `c`, nil},
	} {
		re, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		got := prefixSet(re, 64)
		slices.Sort(got)
		got = slices.Compact(got)
		if c.want == nil {
			if !slices.Contains(got, "") && len(got) > 64 {
				t.Errorf("%.20s…: %q", c.re, got)
			}
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.re, got, c.want)
		}
	}
}
