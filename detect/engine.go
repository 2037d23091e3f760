// Package detect is leakhound's detection engine. It scans bytes that come
// with a Location and returns Findings. It knows nothing about files, git or
// images: sources hand it content, and it hands back what it found.
//
// The hot path is built so that most bytes never reach a regex: one
// case-insensitive Aho-Corasick pass over all rules' keywords finds the
// places worth a look, and only the rules whose keywords occur run, on
// windows around the occurrences, with RE2 (github.com/wasilibs/go-re2).
package detect

import (
	"context"
	"fmt"
	"regexp"
	"regexp/syntax"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	re2 "github.com/wasilibs/go-re2"
	"github.com/wasilibs/go-re2/experimental"

	"github.com/leakhound/leakhound/rules"
)

// Options tune an Engine. The zero value is usable.
type Options struct {
	// MaxDecodeDepth is how many layers of base64/hex/percent encoding are
	// decoded and scanned (default 2; negative disables decoding).
	MaxDecodeDepth int
	// MaxDecodedBytes bounds the decoded bytes scanned per input
	// (default 4 MiB).
	MaxDecodedBytes int
	// IgnoreInline disables leakhound:allow / gitleaks:allow markers.
	IgnoreInline bool
	// WholeChunk runs candidate regexes over whole chunks instead of windows
	// around keyword hits (for benchmarks and debugging).
	WholeChunk bool
	// StdlibBytes is how many bytes a rule scans with Go's regexp before
	// it is compiled with RE2 (negative: RE2 from the start). By default
	// (0) a rule moves to RE2 once the time it has spent in Go's regexp
	// exceeds what compiling it with RE2 is likely to cost (stdlibFactor
	// times its Go compile time), or after 4 MiB. RE2 costs 1 to 15 ms to
	// compile and a fixed ~0.5 µs a call, so rules that only ever see a few
	// short windows are cheaper without it.
	StdlibBytes int
	// NoCache turns off the cache of regex results by window content
	// (see resultCache).
	NoCache bool
	// LabelRules tags CPU profile samples with the rule whose regex runs
	// (pprof label "rule"), to find expensive rules: `go tool pprof -tags`.
	// It costs an allocation per rule run; leave it off otherwise.
	LabelRules bool
}

// Engine runs a rule set over content. It is safe for concurrent use.
type Engine struct {
	opts       Options
	rules      []*rule
	byID       map[string]*rule
	prefilter  *prefilter
	always     []int // rules without keywords
	pathOnly   []int // rules with a path and no regex
	pathRegex  []int // rules with a path and a regex
	global     []*allowlist
	inputAllow []*allowlist // global allowlists that only look at path/commit
	required   bool         // some rule has requirements
	commitDep  bool         // some allowlist names commits
	pool       sync.Pool

	cache     *resultCache
	cacheHits atomic.Int64
	// allowRegexes holds the allowlists' regexes, compiled once each.
	allowRegexes regexCache

	regexCalls atomic.Int64
	exactRuns  atomic.Int64 // windows run again with a rule's own regex (see findAll)
	regexBytes atomic.Int64

	// headAfter is the number of hits a rule's guard lets through before
	// the rule gets a guard with heads (see rule.passed).
	headAfter int64
}

// headAfterPasses is Engine.headAfter: a guard that lets this many hits
// through is worth the parse that builds its heads (tens of
// microseconds), while a scan that meets a rule a few times does not pay
// it.
const headAfterPasses = 32

// Counters reports how many regex runs the engine made and over how many
// bytes (cache hits included), for benchmarks and tuning.
func (e *Engine) Counters() (calls, bytes int64) {
	return e.regexCalls.Load(), e.regexBytes.Load()
}

// CacheHits reports how many regex runs the result cache answered.
func (e *Engine) CacheHits() int64 { return e.cacheHits.Load() }

// runWindow runs a rule's regex over window w of data and appends the
// matches.
func (e *Engine) runWindow(r *rule, re finder, data []byte, w window, ms []match) []match {
	cutStart := w.start > 0 && data[w.start-1] != '\n'
	cutEnd := w.end < len(data) && data[w.end] != '\n'
	win := data[w.start:w.end]
	var found [][]int
	if e.cache != nil && len(win) <= maxCachedSpan {
		k := e.cache.key(r.idx, win)
		if v, ok := e.cache.get(k); ok {
			found = v
			e.cacheHits.Add(1)
		} else {
			found = e.findAll(r, re, win)
			e.cache.put(k, found)
		}
	} else {
		found = e.findAll(r, re, win)
	}
	for _, m := range found {
		// Windows reach lineReach bytes past where a match holding the
		// keyword can be, so a match touching a window edge cut inside a
		// line saw a false boundary ($, ^, \b): drop it.
		if cutStart && m[0] == 0 || cutEnd && m[1] == w.end-w.start {
			continue
		}
		ms = append(ms, e.candidate(r, data, w.start, m))
	}
	return ms
}

// findAll runs re, the rule's regex with its repetitions widened (see
// widenRepeats), over win. If some match is longer than the widened regex
// is sure to match exactly, it runs the rule's own regex instead.
func (e *Engine) findAll(r *rule, re finder, win []byte) [][]int {
	found := re.FindAllSubmatchIndex(win, -1)
	if r.exact < 0 {
		return found
	}
	for _, m := range found {
		if m[1]-m[0] > r.exact {
			r.origOnce.Do(func() { r.orig, r.origErr = regexp.Compile(r.r.Regex) })
			if r.origErr != nil { // cannot happen: prepare parsed it
				return found
			}
			e.exactRuns.Add(1)
			return r.orig.FindAllSubmatchIndex(win, -1)
		}
	}
	return found
}

// rule is a compiled rules.Rule.
type rule struct {
	idx      int
	r        *rules.Rule
	generic  bool
	path     *regexp.Regexp
	allow    []*allowlist
	checksum checksumFunc
	before   int // window reach before a keyword hit
	after    int // window reach after a keyword hit
	lines    int // most newlines a match can span, or unbounded
	lead     int // bytes a match holds before its leading keyword, or unbounded
	// need, when not 0, is a byte that every match holds and that text
	// often lacks (the "<" of XML): an input without it cannot match.
	need byte
	// guard is the rule's guard; once it has let headAfter hits through,
	// it is replaced by one with heads (see rule.passed).
	guard     atomic.Pointer[guard]
	guardPass atomic.Int64 // hits the guard let through, counted up to headAfter
	// pattern is the regex the rule runs, with long counted repetitions
	// widened; matches longer than exact (unless it is -1) are checked
	// with orig, the rule's own regex (see widenRepeats).
	pattern  string
	exact    int
	builtin  *analysis // the generated analysis, found by Engine.setPre
	origOnce sync.Once
	orig     *regexp.Regexp
	origErr  error
	// requiredByOther is set when a composite rule requires this one.
	requiredByOther bool
	hasRegex        bool

	once    sync.Once
	re      *re2.Regexp
	reErr   error
	reReady atomic.Bool

	// Before RE2 is worth compiling, the rule runs on Go's regexp.
	stdOnce    sync.Once
	std        *regexp.Regexp
	stdErr     error
	seen       atomic.Int64 // bytes scanned so far
	stdCompile int64        // nanoseconds Go's regexp took to compile
	stdSpent   atomic.Int64 // nanoseconds spent matching with it

	// prepare fills the fields above it that need parsing (before,
	// after, lines, lead, guard, pattern, exact) on first use: a 900-rule
	// set costs a few milliseconds to set up, not hundreds.
	allowOnce sync.Once
	allowErr  error

	prepOnce sync.Once
	prepErr  error
	prepared atomic.Bool
}

// prepare analyses the rule's regex (window sizes, guard, widened
// repetitions), once. The built-in rules' analyses are generated into the
// binary (see builtinAnalyses).
func (r *rule) prepare() error {
	if r.prepared.Load() {
		return r.prepErr
	}
	return r.prepareOnce()
}

// prepareOnce is prepare's first call (kept apart so that prepare, called
// for every keyword hit, is inlined).
func (r *rule) prepareOnce() error {
	r.prepOnce.Do(func() {
		defer r.prepared.Store(true)
		if !r.hasRegex {
			return
		}
		a, ok := analysis{}, false
		if r.builtin != nil {
			a, ok = *r.builtin, true
		} else {
			a, ok = lookupAnalysis(r.r.Regex, r.r.Keywords)
		}
		if !ok {
			var err error
			if a, err = analyze(r.r.Regex, r.r.Keywords); err != nil {
				r.prepErr = fmt.Errorf("rule %s: regex: %w", r.r.ID, err)
				return
			}
		}
		r.pattern, r.exact = r.r.Regex, a.exact
		if a.pattern != "" {
			r.pattern = a.pattern
		}
		r.lead, r.lines = a.lead, a.lines
		r.guard.Store(a.guard)
		r.before, r.after = a.before, a.after
		r.need = a.need
	})
	return r.prepErr
}

// passed counts a hit the rule's guard let through. The one that makes
// them headAfter replaces the guard with one whose branches have heads:
// the guard checks the bytes next to a keyword, the heads the value after
// it, so a rule whose guard lets many hits through (generic-api-key on
// "cacheKey = a.url(x)") runs its regex on fewer windows.
func (r *rule) passed(headAfter int64) {
	if r.guardPass.Add(1) != headAfter {
		return
	}
	parsed, err := syntax.Parse(r.r.Regex, syntax.Perl)
	if err != nil {
		return
	}
	if g := newGuard(parsed, r.r.Keywords, true); g != nil {
		r.guard.Store(g)
	}
}

// analysis is what the engine derives from a rule's regex and keywords.
type analysis struct {
	pattern       string // the widened regex ("": the rule's own)
	exact         int    // see widenRepeats
	lead          int    // see rule.lead
	guard         *guard
	before, after int  // window reach around a keyword hit
	lines         int  // see rule.lines
	need          byte // see rareNeed (0: none)
}

// analyze parses a rule's regex and derives its analysis.
func analyze(regex string, keywords []string) (analysis, error) {
	parsed, err := syntax.Parse(regex, syntax.Perl)
	if err != nil {
		return analysis{}, err
	}
	var a analysis
	if a.pattern, a.exact = widenRepeats(regex, parsed); a.pattern == regex {
		a.pattern = ""
	}
	a.lead = leadBeforeKeyword(parsed, keywords)
	a.guard = newGuard(parsed, keywords, false)
	a.need = rareNeed(parsed)
	n := maxMatchLen(parsed)
	a.lines = maxNewlines(parsed)
	switch {
	case n != unbounded:
		a.before, a.after = n, n
	case a.lines == unbounded:
		a.before, a.after = 4<<10, overlap
	default:
		// A few lines at most; lines are bounded by this cap.
		a.before, a.after = 16<<10, 16<<10
	}
	return a, nil
}

// New compiles a configuration into an engine. Rule regexes are compiled
// lazily, the first time a rule is a candidate, so that a scan that needs
// three rules does not pay for five hundred.
func New(cfg *rules.Config, opts Options) (*Engine, error) {
	if opts.MaxDecodeDepth == 0 {
		opts.MaxDecodeDepth = 2
	}
	if opts.MaxDecodedBytes == 0 {
		opts.MaxDecodedBytes = 4 << 20
	}
	e := &Engine{opts: opts, byID: make(map[string]*rule, len(cfg.Rules)), headAfter: headAfterPasses}
	if !opts.NoCache {
		e.cache = newResultCache()
	}
	var keywords []string
	var kwRules [][]kwRule
	kwIndex := make(map[string]int, 2*len(cfg.Rules))
	crs := make([]rule, len(cfg.Rules)) // one allocation, not one per rule
	e.rules = make([]*rule, 0, len(cfg.Rules))
	for i, r := range cfg.Rules {
		cr := &crs[i]
		cr.idx, cr.r, cr.generic, cr.hasRegex = i, r, r.IsGeneric(), r.Regex != ""
		if r.Path != "" {
			re, err := regexp.Compile(r.Path)
			if err != nil {
				return nil, fmt.Errorf("rule %s: path: %w", r.ID, err)
			}
			cr.path = re
		}
		if r.Checksum != "" {
			cr.checksum = checksums[r.Checksum]
			if cr.checksum == nil {
				return nil, fmt.Errorf("rule %s: unknown checksum %q", r.ID, r.Checksum)
			}
		}
		if len(r.Required) > 0 || r.SkipReport {
			e.required = true
		}
		e.rules = append(e.rules, cr)
		e.byID[r.ID] = cr
		if cr.path != nil && cr.hasRegex {
			e.pathRegex = append(e.pathRegex, i)
		}
		switch {
		case !cr.hasRegex:
			e.pathOnly = append(e.pathOnly, i)
		case len(r.Keywords) == 0:
			e.always = append(e.always, i)
		default:
			for ki, k := range r.Keywords {
				k = strings.ToLower(k)
				j, ok := kwIndex[k]
				if !ok {
					j = len(keywords)
					kwIndex[k] = j
					keywords = append(keywords, k)
					kwRules = append(kwRules, nil)
				}
				if l := len(kwRules[j]); l > 0 && kwRules[j][l-1].rule == int32(i) {
					continue // the rule lists the keyword twice
				}
				kwRules[j] = append(kwRules[j], kwRule{int32(i), uint16(ki)})
			}
		}
	}
	for _, r := range cfg.Rules {
		for _, q := range r.Required {
			if cr := e.byID[q.ID]; cr != nil {
				cr.requiredByOther = true
			}
		}
	}
	for _, r := range cfg.Rules {
		for _, a := range r.Allowlists {
			e.commitDep = e.commitDep || len(a.Commits) > 0
		}
	}
	for _, a := range cfg.Allowlists {
		e.commitDep = e.commitDep || len(a.Commits) > 0
		ca, err := compileAllowlist(a, &e.allowRegexes)
		if err != nil {
			return nil, fmt.Errorf("global allowlist: %w", err)
		}
		if ca.inputOnly() {
			e.inputAllow = append(e.inputAllow, ca)
		} else {
			e.global = append(e.global, ca)
		}
	}
	e.prefilter = newPrefilter(keywords, kwRules)
	e.setPre()
	n := len(e.rules)
	e.pool.New = func() any { return newScratch(n) }
	return e, nil
}

// setPre gives the prefilter, for each keyword whose rules are all built-in
// (their guards are generated, see builtinAnalyses), the bytes those
// guards allow right before it: a hit of "lob" in "blob" or "pat" in
// "path" is then dropped where it is found, before it costs a hit record
// and a guard check per rule. Other keywords keep every hit; their rules'
// guards still run.
func (e *Engine) setPre() {
	p := e.prefilter
	if len(p.kw) == 0 {
		return
	}
	p.kwPre = make([]*byteSet, len(p.kw))
	p.kwPreStart = make([]bool, len(p.kw))
	looked := make([]bool, len(e.rules))
	for k := range p.kw {
		var set byteSet
		start, all := false, false
		for _, kr := range p.kwRules[k] {
			ri := kr.rule
			r := e.rules[ri]
			if !looked[ri] {
				looked[ri] = true
				if a, found := lookupAnalysis(r.r.Regex, r.r.Keywords); found {
					r.builtin = &a // prepare uses it instead of looking again
				}
			}
			var g *guard
			if r.builtin != nil {
				g = r.builtin.guard
			}
			if g == nil {
				all = true
				break
			}
			for _, bi := range g.byKw[kr.kw] {
				b := &g.branches[bi]
				if b.inner || !b.hasPre {
					all = true
					break
				}
				set.union(&b.pre)
				start = start || b.preStart
			}
			if all {
				break
			}
		}
		if !all {
			p.kwPre[k], p.kwPreStart[k] = &set, start
		}
	}
}

// CommitDependent reports whether the same content can give different
// findings in different commits: some allowlist (global or a rule's) names
// commits. A source that carries findings from one file version over to
// the next (git history) must then scan every version whole.
func (e *Engine) CommitDependent() bool { return e.commitDep }

// Rules returns the engine's rules in configuration order.
func (e *Engine) Rules() []*rules.Rule {
	out := make([]*rules.Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.r
	}
	return out
}

// compile compiles the rule's regex on first use.
func (r *rule) compile() (*re2.Regexp, error) {
	if err := r.prepare(); err != nil {
		return nil, err
	}
	r.once.Do(func() {
		r.re, r.reErr = experimental.CompileLatin1(r.pattern)
		if r.reErr != nil {
			r.reErr = fmt.Errorf("rule %s: compile regex: %w", r.r.ID, r.reErr)
			return
		}
		r.reReady.Store(true)
	})
	return r.re, r.reErr
}

// allowlists compiles the rule's allowlists on first use: most rules that
// run never match, and never need them.
func (r *rule) allowlists(cache *regexCache) ([]*allowlist, error) {
	r.allowOnce.Do(func() {
		for _, a := range r.r.Allowlists {
			ca, err := compileAllowlist(a, cache)
			if err != nil {
				r.allowErr = fmt.Errorf("rule %s: %w", r.r.ID, err)
				return
			}
			r.allow = append(r.allow, ca)
		}
	})
	return r.allow, r.allowErr
}

// finder is what runWindow needs of a compiled regex.
type finder interface {
	FindAllSubmatchIndex(b []byte, n int) [][]int
}

// Adaptive choice between Go's regexp and RE2 (see Options.StdlibBytes).
const (
	// stdlibFactor is about how much longer RE2 takes to compile a rule
	// than Go's regexp (140 ms against 30 ms for the default rules).
	stdlibFactor = 4
	// stdlibMaxBytes bounds what a rule scans with Go's regexp.
	stdlibMaxBytes = 4 << 20
)

// matcher returns the regex to scan n more bytes with: Go's regexp until
// it is worth compiling RE2 (see Options.StdlibBytes), RE2 from then on.
// std says the caller should add the time the run takes to stdSpent.
func (r *rule) matcher(n, limit int) (re finder, std bool, err error) {
	if r.reReady.Load() {
		return r.re, false, nil
	}
	if limit < 0 {
		re, err := r.compile()
		return re, false, err
	}
	if err := r.prepare(); err != nil {
		return nil, false, err
	}
	seen := r.seen.Add(int64(n))
	r.stdOnce.Do(func() {
		t0 := time.Now()
		r.std, r.stdErr = regexp.Compile(r.pattern)
		r.stdCompile = int64(time.Since(t0))
	})
	if r.stdErr == nil {
		switch {
		case limit > 0 && seen <= int64(limit):
			return r.std, false, nil
		case limit == 0 && seen <= stdlibMaxBytes && r.stdSpent.Load() <= stdlibFactor*r.stdCompile:
			return r.std, true, nil
		}
	}
	re, err = r.compile()
	return re, false, err
}

// CompileAll compiles every rule's regex now and returns the first error.
// Scans do not need it; tests and `rules check` do.
func (e *Engine) CompileAll() error {
	for _, r := range e.rules {
		if r.hasRegex {
			if _, err := r.compile(); err != nil {
				return err
			}
		}
		if _, err := r.allowlists(&e.allowRegexes); err != nil {
			return err
		}
	}
	return nil
}

// Scan scans one in-memory input and returns its findings, sorted by offset.
func (e *Engine) Scan(ctx context.Context, data []byte, loc Location) ([]Finding, error) {
	if e.SkipInput(loc) {
		return nil, nil
	}
	var out []Finding
	budget := e.opts.MaxDecodedBytes
	ci := chunkInfo{ownTo: int64(len(data)), decodeCap: &budget}
	err := e.scanChunk(ctx, data, loc, ci, true, func(f Finding) { out = append(out, f) })
	return out, err
}

// chunkInfo places a chunk within a larger input.
type chunkInfo struct {
	base      int64 // offset of data[0] in the input
	lineBase  int   // number of newlines before data[0]
	colBase   int   // characters between the last newline before data[0] and data[0]
	ownFrom   int64 // findings must start at or after this input offset...
	ownTo     int64 // ...and before this one
	decodeCap *int  // remaining decode budget, shared across chunks
	// changed, when not nil, restricts regexes and findings to these
	// ranges of data (see ScanChanged).
	changed []Range
}

// SkipInput reports whether a global allowlist excludes the whole input
// (by path or commit), so that a source need not even read it.
func (e *Engine) SkipInput(loc Location) bool {
	for _, a := range e.inputAllow {
		if a.allowsInput(&loc) {
			return true
		}
	}
	return false
}

// find runs the rules over data and returns finished findings. depth counts
// decoding layers.
func (e *Engine) find(ctx context.Context, s *scratch, data []byte, loc Location, ci chunkInfo, depth int) ([]Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.reset()
	// Path-restricted rules are decided once per input, not per keyword hit.
	for _, i := range e.pathRegex {
		s.offPath[i] = !e.rules[i].path.MatchString(loc.Path)
	}
	if err := e.prefilter.scan(data, e, s, ci.changed); err != nil {
		return nil, err
	}
	for _, i := range e.always {
		if err := e.rules[i].prepare(); err != nil {
			return nil, err
		}
		if !s.offPath[i] {
			s.addWindow(i, 0, len(data))
		}
	}
	var ms []match
	for _, i := range s.touched {
		r := e.rules[i]
		if err := r.prepare(); err != nil {
			return nil, err
		}
		ws := s.windows[i]
		if ci.changed != nil && !r.requiredByOther {
			if ws = keepChanged(ws, ci.changed); len(ws) == 0 {
				continue
			}
		}
		if e.opts.WholeChunk {
			ws = []window{{0, len(data)}}
		} else {
			ws = mergeWindows(data, ws, r.lead < 0)
		}
		n := 0
		for _, w := range ws {
			n += w.end - w.start
		}
		re, std, err := r.matcher(n, e.opts.StdlibBytes)
		if err != nil {
			return nil, err
		}
		e.regexCalls.Add(int64(len(ws)))
		run := func() {
			var t0 time.Time
			if std {
				t0 = time.Now()
			}
			for _, w := range ws {
				e.regexBytes.Add(int64(w.end - w.start))
				ms = e.runWindow(r, re, data, w, ms)
			}
			if std {
				r.stdSpent.Add(int64(time.Since(t0)))
			}
		}
		if e.opts.LabelRules {
			pprof.Do(ctx, pprof.Labels("rule", r.r.ID), func(context.Context) { run() })
		} else {
			run()
		}
	}
	ms = e.resolve(ms)
	var out []Finding
	lc := newChunkCounter(data, ci.lineBase, ci.colBase)
	for _, m := range ms {
		abs := ci.base + int64(m.mStart)
		if abs < ci.ownFrom || abs >= ci.ownTo {
			continue
		}
		if ci.changed != nil && !m.rule.requiredByOther && !Overlaps(ci.changed, m.mStart, m.mEnd) {
			continue
		}
		f, ok := e.finish(m, data, loc, &lc, ci)
		if !ok {
			continue
		}
		// Two generic rules on one secret: the first that survives its
		// own checks reports it (after allowlists, so that one rule's
		// allowlist does not hide another rule's finding).
		if m.rule.generic && sameGenericSpan(out, e, f) {
			continue
		}
		out = append(out, f)
	}
	if e.required {
		out = e.applyRequired(out)
		if ci.changed != nil {
			kept := out[:0]
			for _, f := range out {
				if Overlaps(ci.changed, int(f.StartOffset-ci.base), int(f.EndOffset-ci.base)) {
					kept = append(kept, f)
				}
			}
			out = kept
		}
	}
	if depth < e.opts.MaxDecodeDepth && e.opts.MaxDecodeDepth > 0 {
		dec, err := e.decodeAndScan(ctx, data, loc, ci, depth, out)
		if err != nil {
			return nil, err
		}
		out = append(out, dec...)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].StartOffset < out[b].StartOffset })
	return out, nil
}

// match is a regex match before it becomes a finding.
type match struct {
	rule         *rule
	mStart, mEnd int // whole match, offsets in data
	sStart, sEnd int // secret
}

// candidate turns a regex match (offsets relative to base) into a match.
func (e *Engine) candidate(r *rule, data []byte, base int, m []int) match {
	c := match{rule: r, mStart: base + m[0], mEnd: base + m[1]}
	c.sStart, c.sEnd = c.mStart, c.mEnd
	g := r.r.SecretGroup
	if g > 0 && 2*g+1 < len(m) {
		if m[2*g] >= 0 {
			c.sStart, c.sEnd = base+m[2*g], base+m[2*g+1]
		}
	} else if g == 0 {
		for k := 1; 2*k+1 < len(m); k++ {
			if m[2*k] >= 0 && m[2*k+1] > m[2*k] {
				c.sStart, c.sEnd = base+m[2*k], base+m[2*k+1]
				break
			}
		}
	}
	return c
}

// resolve sorts matches and drops generic matches that overlap a specific
// one (whatever becomes of the specific match: a malformed or allowlisted
// token is not re-reported by a generic rule) and repeats of one span by
// one rule. Generic rules on the same span are settled after their checks.
func (e *Engine) resolve(ms []match) []match {
	sort.Slice(ms, func(a, b int) bool {
		if ms[a].sStart != ms[b].sStart {
			return ms[a].sStart < ms[b].sStart
		}
		return ms[a].rule.idx < ms[b].rule.idx
	})
	var claims []match // specific matches claim their whole match span
	for _, m := range ms {
		if !m.rule.generic {
			claims = append(claims, m)
		}
	}
	out := ms[:0]
	var prev *match
	for _, m := range ms {
		switch {
		case m.sEnd <= m.sStart:
			continue // empty secret
		case prev != nil && prev.rule == m.rule && prev.sStart == m.sStart && prev.sEnd == m.sEnd:
			continue
		case m.rule.generic && overlapsClaim(claims, m):
			continue
		}
		out = append(out, m)
		prev = &out[len(out)-1]
	}
	return out
}

// overlapsClaim reports whether generic match m overlaps a specific match.
func overlapsClaim(claims []match, m match) bool {
	for _, c := range claims {
		if c.mStart < m.sEnd && m.sStart < c.mEnd {
			return true
		}
	}
	return false
}

// sameGenericSpan reports whether a generic finding already covers f's secret.
func sameGenericSpan(out []Finding, e *Engine, f Finding) bool {
	for i := len(out) - 1; i >= 0 && out[i].StartOffset >= f.StartOffset; i-- {
		if out[i].StartOffset == f.StartOffset && out[i].EndOffset == f.EndOffset && e.byID[out[i].RuleID].generic {
			return true
		}
	}
	return false
}

// finish checks entropy, checksum, allowlists and inline markers and builds
// the finding.
func (e *Engine) finish(m match, data []byte, loc Location, lc *lineCounter, ci chunkInfo) (Finding, bool) {
	r := m.rule
	secret := string(data[m.sStart:m.sEnd])
	ent := ShannonEntropy(secret)
	if r.r.Entropy > 0 {
		if ent <= r.r.Entropy {
			return Finding{}, false
		}
		// gitleaks compatibility: generic rules with an entropy threshold
		// also need a digit in the secret.
		if strings.HasPrefix(r.r.ID, "generic") && !strings.ContainsAny(secret, "0123456789") {
			return Finding{}, false
		}
	}
	if r.checksum != nil && !r.checksum(secret) {
		return Finding{}, false
	}
	matchText := string(data[m.mStart:m.mEnd])
	lineStart, lineEnd := lineBounds(data, m.mStart, m.mEnd)
	lineText := data[lineStart:lineEnd]
	var lineStr string
	line := func() string {
		if lineStr == "" {
			// Giant (minified) lines are cut to 4 KiB around the match.
			ls, le := max(lineStart, m.mStart-2048), min(lineEnd, m.mEnd+2048)
			lineStr = string(data[ls:le])
		}
		return lineStr
	}
	// An allowlist that does not compile (rules.Validate prevents it) is
	// ignored: a scanner should rather report than hide.
	allow, _ := r.allowlists(&e.allowRegexes)
	for _, a := range allow {
		if a.allows(&loc, secret, matchText, line) {
			return Finding{}, false
		}
	}
	for _, a := range e.global {
		if a.appliesTo(r.r.ID) && a.allows(&loc, secret, matchText, line) {
			return Finding{}, false
		}
	}
	if !e.opts.IgnoreInline && inlineAllowed(data, max(lineStart, m.mStart-markerReach), min(lineEnd, m.mEnd+markerReach), r.r.ID) {
		return Finding{}, false
	}
	sl, sc := lc.position(m.sStart)
	el, ec := lc.position(m.sEnd)
	f := Finding{
		RuleID: r.r.ID, Description: r.r.Description, Severity: r.r.Severity, Tags: r.r.Tags,
		Source: loc.Source, Path: loc.Path,
		StartLine: sl, StartColumn: sc, EndLine: el, EndColumn: ec,
		StartOffset: ci.base + int64(m.sStart), EndOffset: ci.base + int64(m.sEnd),
		Secret: secret, Match: matchText, Line: shortLine(lineText, m.sStart-lineStart, m.sEnd-lineStart),
		Entropy:             round2(ent),
		Fingerprint:         Fingerprint(r.r.ID, secret),
		LocationFingerprint: LocationFingerprint(r.r.ID, loc.Path, secret),
	}
	if f.Tags == nil {
		f.Tags = []string{}
	}
	return f, true
}

// markerReach bounds how far from a match an inline marker is looked for
// on (minified) long lines.
const markerReach = 4096

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

func (e *Engine) pathFinding(r *rule, loc Location) Finding {
	return Finding{
		RuleID: r.r.ID, Description: r.r.Description, Severity: r.r.Severity, Tags: r.r.Tags,
		Source: loc.Source, Path: loc.Path, StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 1,
		Fingerprint:         Fingerprint(r.r.ID, loc.Path),
		LocationFingerprint: LocationFingerprint(r.r.ID, loc.Path, ""),
	}
}

// applyRequired keeps findings of composite rules only when their required
// rules matched nearby, and drops findings of skipReport rules.
func (e *Engine) applyRequired(fs []Finding) []Finding {
	out := fs[:0:0]
	for _, f := range fs {
		r := e.byID[f.RuleID]
		if r.r.SkipReport {
			continue
		}
		ok := true
		for _, q := range r.r.Required {
			found := false
			for _, g := range fs {
				if g.RuleID != q.ID {
					continue
				}
				if q.WithinLines > 0 && absInt(g.StartLine-f.StartLine) > q.WithinLines {
					continue
				}
				if q.WithinColumns > 0 && absInt(g.StartColumn-f.StartColumn) > q.WithinColumns {
					continue
				}
				found = true
				break
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, f)
		}
	}
	return out
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// CompileErrors compiles every rule's regex now and returns all errors,
// each naming the rule and where it is defined.
func (e *Engine) CompileErrors() []error {
	var errs []error
	for _, r := range e.rules {
		if !r.hasRegex {
			continue
		}
		if _, err := r.compile(); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", r.r.File, r.r.Line, err))
		}
		if _, err := r.allowlists(&e.allowRegexes); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", r.r.File, r.r.Line, err))
		}
	}
	return errs
}
