package detect

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/leakhound/leakhound/rules"
)

// allowlist is a compiled rules.Allowlist. Its regexes run on short strings
// (a secret, a line, a path), where the standard library's regexp has the
// lower per-call cost.
type allowlist struct {
	and         bool
	paths       []*regexp.Regexp
	regexes     []*regexp.Regexp
	target      string
	stopwords   []string
	commits     map[string]bool
	targetRules map[string]bool
}

func compileAllowlist(a *rules.Allowlist) (*allowlist, error) {
	out := &allowlist{and: a.Condition == rules.ConditionAND, target: a.RegexTarget}
	if out.target == "" {
		out.target = rules.TargetSecret
	}
	for _, p := range a.Paths {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("allowlist path %q: %w", p, err)
		}
		out.paths = append(out.paths, re)
	}
	for _, p := range a.Regexes {
		re, err := regexp.Compile(p)
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
