// Package rules holds leakhound's rule model: the TOML configuration format
// (a superset of gitleaks' v8 format), its loading and validation, and the
// embedded default ruleset.
//
// The package only describes rules. Compiling and running them is the job of
// package detect.
package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Severity levels a rule may carry, from most to least severe.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityInfo     = "info"
)

// Severities lists the valid severity names, most severe first.
var severities = []string{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

// ValidSeverity reports whether s is a known severity name.
func ValidSeverity(s string) bool { return slices.Contains(severities, s) }

// SeverityRank orders severities: critical is 4, info is 0, unknown is -1.
func SeverityRank(s string) int {
	i := slices.Index(severities, s)
	if i < 0 {
		return -1
	}
	return len(severities) - 1 - i
}

// Allowlist conditions.
const (
	ConditionOR  = "OR"
	ConditionAND = "AND"
)

// Regex targets of an allowlist.
const (
	TargetSecret = "secret"
	TargetMatch  = "match"
	TargetLine   = "line"
)

// Config is a loaded configuration: a set of rules and global allowlists.
type Config struct {
	// Title is a free-form name for the configuration.
	Title string
	// Extend names a configuration this one builds on.
	Extend Extend
	// Rules are the detection rules, in file order.
	Rules []*Rule
	// Allowlists apply to every rule (or to TargetRules when set).
	Allowlists []*Allowlist `json:"allowlists,omitempty"`
	// Source names where the configuration came from (a path, or
	// "default" for the embedded ruleset).
	Source string
}

// Extend says which configuration a config builds on.
type Extend struct {
	// UseDefault extends the embedded default ruleset.
	UseDefault bool
	// Path extends the configuration at this path (relative to the
	// extending file).
	Path string
	// DisabledRules drops these rule ids from the extended configuration.
	DisabledRules []string
}

// Rule describes one kind of secret.
type Rule struct {
	// ID uniquely names the rule, e.g. "github-pat".
	ID string `json:"id"`
	// Description says what the rule finds.
	Description string `json:"description,omitempty"`
	// Regex finds candidates; empty for path-only rules.
	Regex string `json:"regex,omitempty"`
	// SecretGroup selects the capture group holding the secret; 0 means the
	// first non-empty group, or the whole match if there are no groups.
	SecretGroup int `json:"secretGroup,omitempty"`
	// Entropy is a minimum Shannon entropy: a secret whose entropy is at
	// or below it is not reported. 0 disables the check.
	Entropy float64 `json:"entropy,omitempty"`
	// Keywords gate the rule: its regex runs only near an occurrence of
	// one of them (case-insensitive). A keyword must occur inside the
	// text the regex matches.
	Keywords []string `json:"keywords,omitempty"`
	// Path restricts the rule to paths matching this regex. A rule with a
	// path and no regex reports the path itself.
	Path string `json:"path,omitempty"`
	// Tags are free-form labels; the tag "generic" marks a generic rule,
	// which yields to any specific rule on the same span.
	Tags []string `json:"tags,omitempty"`
	// Severity is one of critical, high, medium, low, info.
	Severity string `json:"severity,omitempty"`
	// Checksum names a checksum the secret must pass (see detect).
	Checksum string `json:"checksum,omitempty"`
	// Allowlists suppress findings of this rule.
	Allowlists []*Allowlist `json:"allowlists,omitempty"`
	// Required lists rules that must also match nearby (composite rules).
	Required []*Required `json:"required,omitempty"`
	// SkipReport marks a rule that only serves as a requirement of others.
	SkipReport bool `json:"skipReport,omitempty"`
	// Examples are texts the rule must match.
	Examples []string `json:"examples,omitempty"`
	// NegativeExamples are texts no rule may match.
	NegativeExamples []string `json:"negativeExamples,omitempty"`
	// ExampleSecrets, when set, are the secrets Examples must yield, in order.
	ExampleSecrets []string `json:"exampleSecrets,omitempty"`
	// Verify holds live-verification settings; it is kept as raw TOML data.
	Verify map[string]any `json:"verify,omitempty"`

	// File and Line locate the rule's definition, for error messages.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`

	// checked is set on rules of the embedded default ruleset, whose
	// regexes the build has validated: Validate does not parse them
	// again when a config extends the default set.
	checked bool
}

// Required names a rule that must match near a composite rule's match.
type Required struct {
	// ID is the required rule's id.
	ID string
	// WithinLines bounds the line distance between the two matches.
	WithinLines int
	// WithinColumns bounds the column distance between the two matches.
	WithinColumns int
}

// IsGeneric reports whether r is a generic rule.
func (r *Rule) IsGeneric() bool {
	return slices.Contains(r.Tags, "generic") || strings.HasPrefix(r.ID, "generic")
}

// Allowlist suppresses findings that match it.
type Allowlist struct {
	// Description says why the allowlist exists.
	Description string
	// Condition is OR (any criterion suffices) or AND (all set ones must match).
	Condition string
	// Paths are regexes matched against the input path.
	Paths []string
	// Regexes are matched against RegexTarget.
	Regexes []string
	// RegexTarget is secret (default), match or line.
	RegexTarget string
	// StopWords allow a secret that contains one of them (case-insensitive).
	StopWords []string
	// Commits are commit SHAs whose content is allowed.
	Commits []string
	// TargetRules limits a global allowlist to these rule ids.
	TargetRules []string

	// File and Line locate the definition.
	File string
	Line int
}

// Problem is one thing wrong with a configuration.
type Problem struct {
	// File is the configuration file.
	File string
	// Line is 1-based, or 0 when unknown.
	Line int
	// RuleID names the rule at fault, if any.
	RuleID string
	// Msg describes the problem.
	Msg string
}

// String formats the problem as "file:line: rule ID: message".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.RuleID != "" {
		fmt.Fprintf(&b, "rule %q: ", p.RuleID)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is a list of configuration problems; it is an error.
type Problems []Problem

// Error joins the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Rule returns the rule with the given id, or nil.
func (c *Config) Rule(id string) *Rule {
	for _, r := range c.Rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}
