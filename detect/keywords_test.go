package detect

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"
	"unicode"

	"github.com/leakhound/leakhound/rules"
)

// keywordCoverageAllow lists the rules whose regex may match a string that
// holds none of the rule's keywords, with the reason each is not a recall
// bug. Keep it short: an entry hides every such spelling of the rule.
var keywordCoverageAllow = map[string]string{
	// The keywords are "kind: secret" and its quoted forms. The regexes
	// also take "kind:Secret" (no blank after the colon), which YAML reads
	// as one plain scalar, not as a kind: no manifest is written so. The
	// only other keyword-free spelling is JSON with a blank before the
	// colon ("kind" : "Secret"), which no JSON writer emits.
	"kubernetes-secret-data":       `"kind:Secret" is not a YAML mapping`,
	"kubernetes-secret-stringdata": `"kind:Secret" is not a YAML mapping`,
}

// keywordCoverageTodo lists real gaps not fixed yet, each with the spelling
// that is missed. They are logged, not failed; an entry whose rule has no
// gap left fails the test, so the list only shrinks. Do not add to it: fix
// the rule (a keyword for a realistic spelling, or a regex that claims no
// spelling its keywords do not find).
var keywordCoverageTodo = map[string]string{}

// TestKeywordsCoverRegexSpellings checks the default rules for spellings
// the engine never looks at. A rule's regex only runs where one of its
// keywords occurs (ASCII case-insensitively), so every string the regex can
// match must hold a keyword; one that does not is a secret never found
// (datadog's data_?dog with only "datadog" as a keyword misses
// DATA_DOG_API_KEY).
//
// The check is exact rather than heuristic: it walks the regex's compiled
// program in step with an Aho-Corasick automaton over the keywords, and
// looks for a way to reach a match without ever completing a keyword. Word
// boundaries are followed (\bdd means no word byte before the d, which lies
// outside the match and may be anything); line anchors are loosened to
// "some non-word byte", which can only add strings. Whitespace-only
// spellings are not reported: the automaton reads a tab, a newline or a
// run of blanks as one space, so "auth  =" holds the keyword "auth =". A
// failing rule is reported with the shortest such string for each branch
// of its leading alternation: the spellings to add keywords for.
func TestKeywordsCoverRegexSpellings(t *testing.T) {
	cfg, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	seen, flagged := map[string]bool{}, map[string]bool{}
	for _, r := range cfg.Rules {
		seen[r.ID] = true
		if r.Regex == "" || len(r.Keywords) == 0 {
			continue
		}
		re, err := syntax.Parse(r.Regex, syntax.Perl)
		if err != nil {
			t.Errorf("%s: %v", r.ID, err)
			continue
		}
		ac := newKwAutomaton(r.Keywords)
		w, ok := keywordFreeMatch(re, ac)
		if !ok {
			continue
		}
		if why, allowed := keywordCoverageAllow[r.ID]; allowed {
			t.Logf("%s: allowed (%s): %q", r.ID, why, w)
			flagged[r.ID] = true
			continue
		}
		if why, todo := keywordCoverageTodo[r.ID]; todo {
			t.Logf("%s: known gap, not fixed yet (%s): %q", r.ID, why, w)
			flagged[r.ID] = true
			continue
		}
		var ws []string
		set := map[string]bool{}
		for _, br := range leadingBranches(re) {
			if w, ok := keywordFreeMatch(br, ac); ok && !set[w] {
				set[w] = true
				ws = append(ws, fmt.Sprintf("%q", w))
			}
		}
		if len(ws) == 0 {
			ws = append(ws, fmt.Sprintf("%q", w))
		}
		t.Errorf("%s:%d: %s: matches without any of the keywords %q:\n\t%s",
			r.File, r.Line, r.ID, r.Keywords, strings.Join(ws, "\n\t"))
	}
	for _, list := range []map[string]string{keywordCoverageAllow, keywordCoverageTodo} {
		for id := range list {
			if !seen[id] {
				t.Errorf("list entry %s names no default rule", id)
			} else if !flagged[id] {
				t.Errorf("%s: every match holds a keyword now: remove its list entry", id)
			}
		}
	}
}

// TestKeywordFreeMatch checks the analysis itself on small cases.
func TestKeywordFreeMatch(t *testing.T) {
	for _, c := range []struct {
		re   string
		kws  []string
		want string // "" when every match holds a keyword
	}{
		{`datadog_key=[0-9]{2}`, []string{"datadog"}, ""},
		{`data_?dog_key=[0-9]{2}`, []string{"datadog"}, "data_dog_key=00"},
		{`data_?dog_key=[0-9]{2}`, []string{"datadog", "data_dog"}, ""},
		{`(?i)DATADOG`, []string{"datadog"}, ""},
		{`(?:a|b)x`, []string{"ax"}, "bx"},
		// The keyword may come later in the match than the branch.
		{`(?:foo|bar)_token=`, []string{"token"}, ""},
		// \b before "dd": the match cannot continue a word, but what comes
		// before the match is not part of it.
		{`\bdd[_-]?api`, []string{"dd_api", "dd-api"}, "ddapi"},
		{`x\bdd`, []string{"q"}, ""},
		{`x\Bdd`, []string{"q"}, "xdd"},
		// A keyword within the secret does not count when it can be avoided.
		{`key=[a-f]{2}`, []string{"key", "ab"}, ""},
		{`k=[a-f]{2}`, []string{"ab"}, "k=aa"},
		{`k=[ab]{2}`, []string{"ab", "aa", "ba", "bb"}, ""},
		// Whitespace-only spellings: a tab or a run of blanks is a space.
		{`auth[ \t]*=x`, []string{"auth=", "auth ="}, ""},
		{`env\s+k`, []string{"env "}, ""},
	} {
		re, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := keywordFreeMatch(re, newKwAutomaton(c.kws))
		if !ok {
			w = ""
		}
		if w != c.want {
			t.Errorf("%s %q: got %q, want %q", c.re, c.kws, w, c.want)
		}
	}
}

// kwAutomaton is an Aho-Corasick automaton over lower-cased keywords: next
// gives the state after a byte, and a state is hit when the bytes read so
// far end with a keyword.
type kwAutomaton struct {
	next [][256]int
	hit  []bool
	inKw [256]bool // bytes (lower-cased) that occur in some keyword
}

func newKwAutomaton(keywords []string) *kwAutomaton {
	a := &kwAutomaton{next: make([][256]int, 1), hit: []bool{false}}
	for i := range a.next[0] {
		a.next[0][i] = -1
	}
	for _, k := range keywords {
		s := 0
		for _, c := range []byte(strings.ToLower(k)) {
			a.inKw[c] = true
			if a.next[s][c] < 0 {
				a.next = append(a.next, [256]int{})
				a.hit = append(a.hit, false)
				n := len(a.next) - 1
				for i := range a.next[n] {
					a.next[n][i] = -1
				}
				a.next[s][c] = n
			}
			s = a.next[s][c]
		}
		a.hit[s] = true
	}
	// Breadth-first: fail links, full transitions, inherited hits.
	fail := make([]int, len(a.next))
	var queue []int
	for c := 0; c < 256; c++ {
		if n := a.next[0][c]; n >= 0 {
			queue = append(queue, n)
		} else {
			a.next[0][c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		a.hit[s] = a.hit[s] || a.hit[fail[s]]
		for c := 0; c < 256; c++ {
			if n := a.next[s][c]; n >= 0 {
				fail[n] = a.next[fail[s]][c]
				queue = append(queue, n)
			} else {
				a.next[s][c] = a.next[fail[s]][c]
			}
		}
	}
	return a
}

// Word-ness of the byte before a position: unknown (the start of the
// match, where the byte before lies outside it and may be anything), a word
// byte, or not (whitespace, or another byte).
const (
	ctxFree = iota
	ctxWord
	ctxNonWord
	ctxSpace
	nctx
)

// keywordFreeMatch returns the shortest string re matches that holds none
// of the automaton's keywords, if there is one.
func keywordFreeMatch(re *syntax.Regexp, a *kwAutomaton) (string, bool) {
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return "", false
	}
	reps := make([][]rune, len(prog.Inst))
	order := []rune("abcdefghijklmnopqrstuvwxyz0123456789_-.=:'\" ")
	for c := rune(0); c < 0x80; c++ {
		order = append(order, c)
	}
	order = append(order, 'é')
	for pc, in := range prog.Inst {
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
		default:
			continue
		}
		// One rune per class of runes that act alike: each keyword byte
		// (either case), any other word byte, any other byte.
		seen := map[rune]bool{}
		for _, r := range order {
			var ok bool
			switch in.Op {
			case syntax.InstRuneAny:
				ok = true
			case syntax.InstRuneAnyNotNL:
				ok = r != '\n'
			default:
				ok = in.MatchRune(r)
			}
			if !ok {
				continue
			}
			class := -1 // other, non-word
			if unicode.IsSpace(r) && r < 0x80 && a.inKw[' '] {
				class = int(r) // a space to the automaton, but \n is not \s
			} else if r < 0x80 && a.inKw[unicode.ToLower(r)] {
				class = int(unicode.ToLower(r))
			} else if r < 0x80 && isWordByte(byte(r)) {
				class = -2
			}
			if !seen[rune(class)] {
				seen[rune(class)] = true
				reps[pc] = append(reps[pc], r)
			}
		}
	}
	// A state is (pc, automaton state, context before, pending condition
	// on the next byte: none, word, non-word).
	nac := len(a.next)
	enc := func(pc, s, ctx, pend int) int { return ((pc*nac+s)*nctx+ctx)*3 + pend }
	type step struct {
		from int
		r    rune // -1 for an empty step
	}
	prev := map[int]step{}
	start := enc(prog.Start, 0, ctxFree, 0)
	prev[start] = step{from: -1, r: -1}
	// Breadth-first by bytes read: empty steps are taken first (front, a
	// stack), steps over a byte queue behind them (back).
	front, back := []int{start}, []int(nil)
	push := func(from, to int, r rune) {
		if _, ok := prev[to]; ok {
			return
		}
		prev[to] = step{from: from, r: r}
		if r < 0 {
			front = append(front, to)
		} else {
			back = append(back, to)
		}
	}
	for len(front) > 0 || len(back) > 0 {
		var st int
		if n := len(front); n > 0 {
			st, front = front[n-1], front[:n-1]
		} else {
			st, back = back[0], back[1:]
		}
		pend := st % 3
		raw := st / 3 % nctx
		s := st / 3 / nctx % nac
		pc := st / 3 / nctx / nac
		ctx, space := raw, raw == ctxSpace
		if space {
			ctx = ctxNonWord // for the assertions; the automaton reads runs of blanks as one
		}
		in := prog.Inst[pc]
		switch in.Op {
		case syntax.InstMatch:
			// What follows the match is outside it: any pending
			// condition can be met.
			var out []rune
			for x := st; prev[x].from >= 0; x = prev[x].from {
				if r := prev[x].r; r >= 0 {
					out = append(out, r)
				}
			}
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
			return string(out), true
		case syntax.InstFail:
		case syntax.InstAlt, syntax.InstAltMatch:
			push(st, enc(int(in.Out), s, raw, pend), -1)
			push(st, enc(int(in.Arg), s, raw, pend), -1)
		case syntax.InstCapture, syntax.InstNop:
			push(st, enc(int(in.Out), s, raw, pend), -1)
		case syntax.InstEmptyWidth:
			op := syntax.EmptyOp(in.Arg)
			need := pend
			ok := true
			require := func(n int) {
				if need != 0 && need != n {
					ok = false
				}
				need = n
			}
			if op&(syntax.EmptyBeginLine|syntax.EmptyBeginText) != 0 && ctx == ctxWord {
				ok = false
			}
			if op&(syntax.EmptyEndLine|syntax.EmptyEndText) != 0 {
				require(ctxNonWord)
			}
			if op&syntax.EmptyWordBoundary != 0 {
				switch ctx {
				case ctxWord:
					require(ctxNonWord)
				case ctxNonWord:
					require(ctxWord)
				}
			}
			if op&syntax.EmptyNoWordBoundary != 0 && ctx != ctxFree {
				require(ctx)
			}
			if ok {
				push(st, enc(int(in.Out), s, raw, need), -1)
			}
		default:
			for _, r := range reps[pc] {
				word := r < 0x80 && isWordByte(byte(r))
				if pend == ctxWord && !word || pend == ctxNonWord && word {
					continue
				}
				ns := 0
				white := r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
				switch {
				case white && space:
					// Whitespace-only spellings are not
					// reported: a run of blanks is read as
					// one space, so "auth  =" counts as
					// the keyword "auth =" and a tab as a
					// space.
					ns = s
				case white:
					ns = a.next[s][' ']
				case r < 0x80:
					ns = a.next[s][byte(unicode.ToLower(r))]
				}
				if a.hit[ns] {
					continue
				}
				next := ctxNonWord
				switch {
				case word:
					next = ctxWord
				case white:
					next = ctxSpace
				}
				push(st, enc(int(in.Out), ns, next, 0), r)
			}
		}
	}
	return "", false
}

// leadingBranches splits re at its top-level alternation, or else at the
// first alternation of its concatenation, and each part once more the same
// way: regexes whose strings together are re's, one per spelling of the
// leading name, mostly.
func leadingBranches(re *syntax.Regexp) []*syntax.Regexp {
	var out []*syntax.Regexp
	parts := splitFirstAlternation(re)
	if parts == nil {
		return []*syntax.Regexp{re}
	}
	for _, p := range parts {
		if sub := splitFirstAlternation(p); sub != nil && leadingAlternation(p) {
			out = append(out, sub...)
		} else {
			out = append(out, p)
		}
	}
	return out
}

// leadingAlternation reports whether re's first alternation is among its
// first elements: the name part of a rule's regex, not its separator.
func leadingAlternation(re *syntax.Regexp) bool {
	for i, it := range flatten(re, nil) {
		if uncapture(it).Op == syntax.OpAlternate {
			return i <= 2
		}
	}
	return false
}

func splitFirstAlternation(re *syntax.Regexp) []*syntax.Regexp {
	re = uncapture(re)
	if re.Op == syntax.OpAlternate {
		return re.Sub
	}
	items := flatten(re, nil)
	for i, it := range items {
		alt := uncapture(it)
		if alt.Op != syntax.OpAlternate {
			continue
		}
		var out []*syntax.Regexp
		for _, sub := range alt.Sub {
			joined := append(append(append([]*syntax.Regexp(nil), items[:i]...), sub), items[i+1:]...)
			out = append(out, &syntax.Regexp{Op: syntax.OpConcat, Sub: joined})
		}
		return out
	}
	return nil
}
