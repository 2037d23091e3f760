package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// tomlConfig mirrors the TOML layout. Field names follow gitleaks' keys.
type tomlConfig struct {
	Title      string          `toml:"title"`
	MinVersion string          `toml:"minVersion"` // gitleaks: minimum gitleaks version; accepted, not checked
	Extend     tomlExtend      `toml:"extend"`
	Rules      []tomlRule      `toml:"rules"`
	Allowlist  *tomlAllowlist  `toml:"allowlist"`
	Allowlists []tomlAllowlist `toml:"allowlists"`
}

type tomlExtend struct {
	UseDefault    bool     `toml:"useDefault"`
	Path          string   `toml:"path"`
	URL           string   `toml:"url"`
	DisabledRules []string `toml:"disabledRules"`
}

type tomlRule struct {
	ID               string          `toml:"id"`
	Description      string          `toml:"description"`
	Regex            string          `toml:"regex"`
	SecretGroup      int             `toml:"secretGroup"`
	Entropy          float64         `toml:"entropy"`
	Keywords         []string        `toml:"keywords"`
	Path             string          `toml:"path"`
	Tags             []string        `toml:"tags"`
	Severity         string          `toml:"severity"`
	Checksum         string          `toml:"checksum"`
	SkipReport       bool            `toml:"skipReport"`
	Allowlist        *tomlAllowlist  `toml:"allowlist"`
	Allowlists       []tomlAllowlist `toml:"allowlists"`
	Required         []tomlRequired  `toml:"required"`
	Examples         []string        `toml:"examples"`
	NegativeExamples []string        `toml:"negativeExamples"`
	ExampleSecrets   []string        `toml:"exampleSecrets"`
	Verify           map[string]any  `toml:"verify"`
}

type tomlRequired struct {
	ID            string `toml:"id"`
	WithinLines   int    `toml:"withinLines"`
	WithinColumns int    `toml:"withinColumns"`
}

type tomlAllowlist struct {
	Description string   `toml:"description"`
	Condition   string   `toml:"condition"`
	MatchCond   string   `toml:"matchCondition"`
	Paths       []string `toml:"paths"`
	Regexes     []string `toml:"regexes"`
	RegexTarget string   `toml:"regexTarget"`
	StopWords   []string `toml:"stopwords"`
	Commits     []string `toml:"commits"`
	TargetRules []string `toml:"targetRules"`
}

// Parse decodes one TOML document without resolving [extend] and without
// validating regexes. name is used in error messages. The returned error,
// if any, is a Problems value.
func Parse(name string, data []byte) (*Config, error) {
	var raw tomlConfig
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, Problems{{File: name, Line: pe.Position.Line, Msg: "invalid TOML: " + pe.Message}}
		}
		return nil, Problems{{File: name, Msg: "invalid TOML: " + err.Error()}}
	}
	idx := indexSource(data)
	var probs Problems
	for _, k := range md.Undecoded() {
		line, rule := idx.locateKey(k)
		probs = append(probs, Problem{File: name, Line: line, RuleID: rule, Msg: fmt.Sprintf("unknown key %q", k.String())})
	}
	cfg := &Config{
		Title:  raw.Title,
		Source: name,
		Extend: Extend{UseDefault: raw.Extend.UseDefault, Path: raw.Extend.Path, DisabledRules: raw.Extend.DisabledRules},
	}
	if raw.Extend.URL != "" {
		probs = append(probs, Problem{File: name, Msg: "extend.url is not supported: leakhound never downloads configuration; use extend.path"})
	}
	if raw.Allowlist != nil {
		cfg.Allowlists = append(cfg.Allowlists, convAllowlist(raw.Allowlist, name, idx.nthHeader("[allowlist]", 0)))
	}
	for i := range raw.Allowlists {
		cfg.Allowlists = append(cfg.Allowlists, convAllowlist(&raw.Allowlists[i], name, idx.nthHeader("[[allowlists]]", i)))
	}
	for i := range raw.Rules {
		tr := &raw.Rules[i]
		line := idx.nthHeader("[[rules]]", i)
		r := &Rule{
			ID: tr.ID, Description: tr.Description, Regex: tr.Regex, SecretGroup: tr.SecretGroup,
			Entropy: tr.Entropy, Keywords: tr.Keywords, Path: tr.Path, Tags: tr.Tags,
			Severity: tr.Severity, Checksum: tr.Checksum, SkipReport: tr.SkipReport,
			Examples: tr.Examples, NegativeExamples: tr.NegativeExamples, ExampleSecrets: tr.ExampleSecrets,
			Verify: tr.Verify, File: name, Line: line,
		}
		if tr.Allowlist != nil {
			r.Allowlists = append(r.Allowlists, convAllowlist(tr.Allowlist, name, line))
		}
		for j := range tr.Allowlists {
			r.Allowlists = append(r.Allowlists, convAllowlist(&tr.Allowlists[j], name, line))
		}
		for _, q := range tr.Required {
			r.Required = append(r.Required, &Required{ID: q.ID, WithinLines: q.WithinLines, WithinColumns: q.WithinColumns})
		}
		cfg.Rules = append(cfg.Rules, r)
	}
	// Attribute unknown keys without a rule to the rule whose block holds the line.
	for i := range probs {
		if probs[i].RuleID == "" && probs[i].Line > 0 {
			if ri := idx.ruleAt(probs[i].Line); ri >= 0 && ri < len(cfg.Rules) {
				probs[i].RuleID = cfg.Rules[ri].ID
			}
		}
	}
	if len(probs) > 0 {
		return cfg, probs
	}
	return cfg, nil
}

func convAllowlist(a *tomlAllowlist, file string, line int) *Allowlist {
	cond := a.Condition
	if cond == "" {
		cond = a.MatchCond
	}
	return &Allowlist{
		Description: a.Description, Condition: strings.ToUpper(cond), Paths: a.Paths, Regexes: a.Regexes,
		RegexTarget: strings.ToLower(a.RegexTarget), StopWords: a.StopWords, Commits: a.Commits,
		TargetRules: a.TargetRules, File: file, Line: line,
	}
}

// sourceIndex maps TOML lines to rule blocks for error messages.
type sourceIndex struct {
	lines []string
}

func indexSource(data []byte) sourceIndex {
	return sourceIndex{lines: strings.Split(string(data), "\n")}
}

// nthHeader returns the 1-based line of the n-th (0-based) occurrence of an
// array-of-tables header, or 0.
func (s sourceIndex) nthHeader(header string, n int) int {
	seen := 0
	for i, l := range s.lines {
		if strings.TrimSpace(l) == header {
			if seen == n {
				return i + 1
			}
			seen++
		}
	}
	return 0
}

// ruleAt returns the index of the [[rules]] block containing line, or -1.
func (s sourceIndex) ruleAt(line int) int {
	n, inRules := 0, false
	for i := 0; i < line && i < len(s.lines); i++ {
		t := strings.TrimSpace(s.lines[i])
		switch {
		case t == "[[rules]]":
			n++
			inRules = true
		case strings.HasPrefix(t, "[rules.") || strings.HasPrefix(t, "[[rules."):
			// a table of the current rule
		case strings.HasPrefix(t, "["):
			inRules = false
		}
	}
	if !inRules {
		return -1
	}
	return n - 1
}

var keyLineRE = regexp.MustCompile(`^\s*"?([A-Za-z0-9_-]+)"?\s*=`)

// locateKey finds the line of an undecoded key.
func (s sourceIndex) locateKey(k toml.Key) (int, string) {
	if len(k) == 0 {
		return 0, ""
	}
	last := k[len(k)-1]
	// A table header, e.g. [rules.allowlistz].
	for i, l := range s.lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") && strings.Contains(t, last) {
			hdr := strings.Trim(t, "[] ")
			if hdr == strings.Join(k, ".") {
				return i + 1, ""
			}
		}
	}
	for i, l := range s.lines {
		if m := keyLineRE.FindStringSubmatch(l); m != nil && m[1] == last {
			return i + 1, ""
		}
	}
	return 0, ""
}

// Load reads the configuration at path and resolves its [extend] chain.
// The result is validated; problems are returned as a Problems error.
func Load(path string) (*Config, error) {
	return load(path, 0)
}

const maxExtendDepth = 4

func load(path string, depth int) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return resolve(path, data, filepath.Dir(path), depth)
}

// LoadBytes parses configuration data that came from somewhere other than a
// file (an environment variable, say); name labels it in messages and dir
// resolves a relative extend.path.
func LoadBytes(name string, data []byte, dir string) (*Config, error) {
	return resolve(name, data, dir, 0)
}

func resolve(name string, data []byte, dir string, depth int) (*Config, error) {
	cfg, err := Parse(name, data)
	var parseProbs Problems
	if err != nil {
		if !errors.As(err, &parseProbs) || cfg == nil {
			return nil, err
		}
		// Unknown keys: go on and report every other problem too.
	}
	var base *Config
	switch {
	case cfg.Extend.Path != "" && depth >= maxExtendDepth:
		return nil, Problems{{File: name, Msg: fmt.Sprintf("extend chain deeper than %d", maxExtendDepth)}}
	case cfg.Extend.Path != "":
		p := cfg.Extend.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		base, err = load(p, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: extend.path: %w", name, err)
		}
	case cfg.Extend.UseDefault:
		base, err = Default()
		if err != nil {
			return nil, err
		}
	}
	if base != nil {
		cfg = merge(base, cfg)
	}
	if probs := append(parseProbs, Validate(cfg)...); len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		return nil, probs
	}
	for _, r := range cfg.Rules {
		if r.Severity == "" {
			r.Severity = SeverityMedium
		}
	}
	return cfg, nil
}

// merge layers over onto base: rules with a new id are added, rules with an
// existing id override the base's non-empty fields and add allowlists, and
// disabled rules are dropped. Like gitleaks, the extending file wins.
func merge(base, over *Config) *Config {
	out := &Config{Title: over.Title, Source: over.Source, Extend: over.Extend}
	disabled := map[string]bool{}
	for _, id := range over.Extend.DisabledRules {
		disabled[id] = true
	}
	byID := map[string]*Rule{}
	for _, r := range base.Rules {
		if disabled[r.ID] {
			continue
		}
		c := *r
		out.Rules = append(out.Rules, &c)
		byID[r.ID] = &c
	}
	for _, r := range over.Rules {
		b, ok := byID[r.ID]
		if !ok {
			out.Rules = append(out.Rules, r)
			continue
		}
		if r.Description != "" {
			b.Description = r.Description
		}
		if r.Regex != "" {
			b.Regex = r.Regex
			b.SecretGroup = r.SecretGroup
			b.checked = false
		}
		if r.Entropy != 0 {
			b.Entropy = r.Entropy
		}
		if len(r.Keywords) > 0 {
			b.Keywords = r.Keywords
		}
		if r.Path != "" {
			b.Path = r.Path
			b.checked = false
		}
		if len(r.Tags) > 0 {
			b.Tags = r.Tags
		}
		if r.Severity != "" {
			b.Severity = r.Severity
		}
		if len(r.Allowlists) > 0 {
			b.Allowlists = append(append([]*Allowlist(nil), b.Allowlists...), r.Allowlists...)
			b.checked = false
		}
		b.File, b.Line = r.File, r.Line
	}
	out.Allowlists = append(append([]*Allowlist(nil), base.Allowlists...), over.Allowlists...)
	return out
}

// Validate checks a resolved configuration and returns every problem found.
// It checks regex syntax with the RE2 grammar (Go's regexp/syntax), which the
// detection engine shares.
func Validate(cfg *Config) Problems {
	var probs Problems
	seen := map[string]*Rule{}
	for _, r := range cfg.Rules {
		add := func(format string, a ...any) {
			probs = append(probs, Problem{File: r.File, Line: r.Line, RuleID: r.ID, Msg: fmt.Sprintf(format, a...)})
		}
		if r.ID == "" {
			add("missing id")
		} else if prev, dup := seen[r.ID]; dup {
			add("duplicate id (first defined at %s:%d)", prev.File, prev.Line)
		} else {
			seen[r.ID] = r
		}
		if r.Regex == "" && r.Path == "" {
			add("needs a regex or a path")
		}
		if r.Regex != "" && !r.checked {
			re, err := syntax.Parse(r.Regex, syntax.Perl)
			if err != nil {
				add("invalid regex: %v", err)
			} else if r.SecretGroup < 0 || r.SecretGroup > re.MaxCap() {
				add("secretGroup %d out of range: the regex has %d groups", r.SecretGroup, re.MaxCap())
			}
		}
		if r.Path != "" && !r.checked {
			if _, err := syntax.Parse(r.Path, syntax.Perl); err != nil {
				add("invalid path regex: %v", err)
			}
		}
		if r.Severity != "" && !ValidSeverity(r.Severity) {
			add("unknown severity %q (want one of %s)", r.Severity, strings.Join(severities, ", "))
		}
		if r.Entropy < 0 || r.Entropy > 8 {
			add("entropy %.2f out of range 0..8", r.Entropy)
		}
		if r.Checksum != "" && !knownChecksum(r.Checksum) {
			add("unknown checksum %q", r.Checksum)
		}
		for _, k := range r.Keywords {
			if strings.TrimSpace(k) == "" {
				add("empty keyword")
			}
		}
		for _, a := range r.Allowlists {
			if r.checked {
				break
			}
			for _, p := range validateAllowlist(a) {
				add("allowlist: %s", p)
			}
			if len(a.TargetRules) > 0 {
				add("allowlist: targetRules is only allowed in global allowlists")
			}
		}
	}
	for _, r := range cfg.Rules {
		for _, q := range r.Required {
			if seen[q.ID] == nil {
				probs = append(probs, Problem{File: r.File, Line: r.Line, RuleID: r.ID, Msg: fmt.Sprintf("required rule %q does not exist", q.ID)})
			}
		}
	}
	for _, a := range cfg.Allowlists {
		for _, p := range validateAllowlist(a) {
			probs = append(probs, Problem{File: a.File, Line: a.Line, Msg: "allowlist: " + p})
		}
		for _, id := range a.TargetRules {
			if seen[id] == nil {
				probs = append(probs, Problem{File: a.File, Line: a.Line, Msg: fmt.Sprintf("allowlist: targetRules names unknown rule %q", id)})
			}
		}
	}
	return probs
}

func validateAllowlist(a *Allowlist) []string {
	var out []string
	switch a.Condition {
	case "", ConditionOR, ConditionAND:
	default:
		out = append(out, fmt.Sprintf("condition %q must be OR or AND", a.Condition))
	}
	switch a.RegexTarget {
	case "", TargetSecret, TargetMatch, TargetLine:
	default:
		out = append(out, fmt.Sprintf("regexTarget %q must be secret, match or line", a.RegexTarget))
	}
	for _, p := range append(append([]string(nil), a.Paths...), a.Regexes...) {
		if _, err := syntax.Parse(p, syntax.Perl); err != nil {
			out = append(out, fmt.Sprintf("invalid regex %q: %v", p, err))
		}
	}
	if len(a.Paths)+len(a.Regexes)+len(a.StopWords)+len(a.Commits) == 0 {
		out = append(out, "allowlist has no paths, regexes, stopwords or commits")
	}
	return out
}

// Checksums lists the checksum names a rule may use.
var checksums = []string{"github", "npm", "base58check", "bech32", "jwt"}

func knownChecksum(name string) bool {
	for _, c := range checksums {
		if c == name {
			return true
		}
	}
	return false
}
