package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"
)

//go:generate go run ../internal/tools/genrules default_rules.go
//go:generate go test ../detect -run TestBuiltinAnalysesUpToDate -update

// defaultFS holds the ruleset's source: TOML files with examples.
//
//go:embed default/*.toml
var defaultFS embed.FS

// The same ruleset without examples is compiled by genrules (go generate
// ./rules) into default_rules.go; a test checks that it matches the TOML.
var defaultOnce = sync.OnceValues(loadDefaultCompiled)

// Default returns a copy of the embedded default ruleset (without rule
// examples; see DefaultWithExamples). It is decoded once per process.
func Default() (*Config, error) {
	cfg, err := defaultOnce()
	if err != nil {
		return nil, err
	}
	return cloneConfig(cfg), nil
}

// cloneConfig copies a config's rules (in one allocation) so that the
// caller may change them.
func cloneConfig(cfg *Config) *Config {
	out := &Config{Title: cfg.Title, Source: cfg.Source}
	rs := make([]Rule, len(cfg.Rules))
	out.Rules = make([]*Rule, len(cfg.Rules))
	for i, r := range cfg.Rules {
		rs[i] = *r
		out.Rules[i] = &rs[i]
	}
	out.Allowlists = append(out.Allowlists, cfg.Allowlists...)
	return out
}

var defaultTOMLOnce = sync.OnceValues(loadDefaultTOML)

// DefaultWithExamples parses the embedded ruleset from its TOML source,
// examples included. It is slower than Default; tests use it.
func DefaultWithExamples() (*Config, error) {
	cfg, err := defaultTOMLOnce()
	if err != nil {
		return nil, err
	}
	return cloneConfig(cfg), nil
}

// loadDefaultCompiled returns the compiled default ruleset, which is
// static data: callers get clones (see Default).
func loadDefaultCompiled() (*Config, error) {
	return &defaultConfig, nil
}

func loadDefaultTOML() (*Config, error) {
	names, err := fs.Glob(defaultFS, "default/*.toml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	all := &Config{Title: "leakhound default rules", Source: "default"}
	for _, n := range names {
		data, err := defaultFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		cfg, err := Parse("default/"+path.Base(n), data)
		if err != nil {
			return nil, fmt.Errorf("embedded ruleset: %w", err)
		}
		all.Rules = append(all.Rules, cfg.Rules...)
		all.Allowlists = append(all.Allowlists, cfg.Allowlists...)
	}
	if probs := Validate(all); len(probs) > 0 {
		return nil, fmt.Errorf("embedded ruleset: %w", probs)
	}
	for _, r := range all.Rules {
		if r.Severity == "" {
			r.Severity = SeverityMedium
		}
	}
	return all, nil
}
