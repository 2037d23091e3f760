package detect

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	re2 "github.com/wasilibs/go-re2"

	"github.com/leakhound/leakhound/rules"
)

// allowlist is a compiled rules.Allowlist.
type allowlist struct {
	and         bool
	paths       []*allowRegex
	regexes     []*allowRegex
	target      string
	stopwords   []string
	commits     map[string]bool
	targetRules map[string]bool
}

// allowRegex is an allowlist regex. It runs on short strings (a secret, a
// line, a path), where Go's regexp costs less per call than RE2 and much
// less to compile. Like a rule's regex (see rule.matcher), it moves to RE2
// once the time it has spent in Go's regexp exceeds what RE2 is likely to
// cost to compile: RE2 is several times faster on the generic rules'
// allowlists (60 regexes per candidate, some with no literal to start
// from).
type allowRegex struct {
	pattern    string
	std        *regexp.Regexp
	stdCompile int64        // nanoseconds Go's regexp took to compile
	stdSpent   atomic.Int64 // nanoseconds spent matching with it
	once       sync.Once
	re2        atomic.Pointer[re2.Regexp]
}

// MatchString reports whether s holds a match.
func (a *allowRegex) MatchString(s string) bool {
	if r := a.re2.Load(); r != nil {
		return r.MatchString(s)
	}
	t0 := time.Now()
	m := a.std.MatchString(s)
	if a.stdSpent.Add(int64(time.Since(t0))) > stdlibFactor*a.stdCompile {
		a.once.Do(func() {
			// A pattern RE2 rejects stays on Go's regexp.
			if r, err := re2.Compile(a.pattern); err == nil {
				a.re2.Store(r)
			}
		})
	}
	return m
}

// regexCache compiles each distinct allowlist regex once per engine: the
// generic rules repeat the same allowlists.
type regexCache struct {
	mu sync.Mutex
	m  map[string]*allowRegex
}

func (c *regexCache) get(p string) (*allowRegex, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.m[p]; ok {
		return r, nil
	}
	t0 := time.Now()
	std, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*allowRegex{}
	}
	r := &allowRegex{pattern: p, std: std, stdCompile: int64(time.Since(t0))}
	c.m[p] = r
	return r, nil
}

func compileAllowlist(a *rules.Allowlist, cache *regexCache) (*allowlist, error) {
	out := &allowlist{and: a.Condition == rules.ConditionAND, target: a.RegexTarget}
	if out.target == "" {
		out.target = rules.TargetSecret
	}
	for _, p := range a.Paths {
		re, err := cache.get(p)
		if err != nil {
			return nil, fmt.Errorf("allowlist path %q: %w", p, err)
		}
		out.paths = append(out.paths, re)
	}
	for _, p := range a.Regexes {
		re, err := cache.get(p)
		if err != nil {
			return nil, fmt.Errorf("allowlist regex %q: %w", p, err)
		}
		out.regexes = append(out.regexes, re)
	}
	for _, s := range a.StopWords {
		out.stopwords = append(out.stopwords, strings.ToLower(s))
	}
	if len(a.Commits) > 0 {
		out.commits = map[string]bool{}
		for _, c := range a.Commits {
			out.commits[strings.ToLower(c)] = true
		}
	}
	if len(a.TargetRules) > 0 {
		out.targetRules = map[string]bool{}
		for _, id := range a.TargetRules {
			out.targetRules[id] = true
		}
	}
	return out, nil
}

// appliesTo reports whether the allowlist covers a rule.
func (a *allowlist) appliesTo(ruleID string) bool {
	return a.targetRules == nil || a.targetRules[ruleID]
}

// inputOnly reports whether the allowlist depends only on the input's path
// and commit, so that a match can skip the whole input before scanning.
func (a *allowlist) inputOnly() bool {
	return len(a.regexes) == 0 && len(a.stopwords) == 0 && a.targetRules == nil
}

func (a *allowlist) pathMatches(path string) bool {
	for _, re := range a.paths {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

func (a *allowlist) commitMatches(commit string) bool {
	return commit != "" && a.commits[strings.ToLower(commit)]
}

// allowsInput evaluates an input-only allowlist against a location.
func (a *allowlist) allowsInput(loc *Location) bool {
	return a.combine([]criterion{
		{len(a.paths) > 0, func() bool { return a.pathMatches(loc.Path) }},
		{len(a.commits) > 0, func() bool { return a.commitMatches(loc.Commit) }},
	})
}

type criterion struct {
	set   bool
	match func() bool
}

func (a *allowlist) combine(cs []criterion) bool {
	any := false
	for _, c := range cs {
		if !c.set {
			continue
		}
		any = true
		m := c.match()
		if a.and && !m {
			return false
		}
		if !a.and && m {
			return true
		}
	}
	return a.and && any
}

// allows reports whether the allowlist suppresses a candidate finding.
func (a *allowlist) allows(loc *Location, secret, match string, line func() string) bool {
	return a.combine([]criterion{
		{len(a.paths) > 0, func() bool { return a.pathMatches(loc.Path) }},
		{len(a.commits) > 0, func() bool { return a.commitMatches(loc.Commit) }},
		{len(a.regexes) > 0, func() bool {
			t := secret
			switch a.target {
			case rules.TargetMatch:
				t = match
			case rules.TargetLine:
				t = line()
			}
			for _, re := range a.regexes {
				if re.MatchString(t) {
					return true
				}
			}
			return false
		}},
		{len(a.stopwords) > 0, func() bool {
			s := strings.ToLower(secret)
			for _, w := range a.stopwords {
				if strings.Contains(s, w) {
					return true
				}
			}
			return false
		}},
	})
}
