package rules

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"
)

//go:generate go run ../internal/tools/genrules default_rules.json

// defaultFS holds the ruleset's source: TOML files with examples.
//
//go:embed default/*.toml
var defaultFS embed.FS

// defaultJSON is the same ruleset without examples, compiled by genrules
// (go generate ./rules); a test checks that it matches the TOML.
//
//go:embed default_rules.json
var defaultJSON []byte

var defaultOnce = sync.OnceValues(loadDefaultJSON)

// Default returns a copy of the embedded default ruleset (without rule
// examples; see DefaultWithExamples). It is decoded once per process.
func Default() (*Config, error) {
	cfg, err := defaultOnce()
	if err != nil {
		return nil, err
	}
	return cloneConfig(cfg), nil
}

func cloneConfig(cfg *Config) *Config {
	out := &Config{Title: cfg.Title, Source: cfg.Source}
	for _, r := range cfg.Rules {
		c := *r
		out.Rules = append(out.Rules, &c)
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

func loadDefaultJSON() (*Config, error) {
	var cfg Config
	if err := json.Unmarshal(defaultJSON, &cfg); err != nil {
		return nil, fmt.Errorf("embedded ruleset: %w", err)
	}
	return &cfg, nil
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

// CompileDefault parses and validates the TOML ruleset and returns the
// JSON that Default loads: the same rules without their examples.
func CompileDefault() ([]byte, error) {
	cfg, err := loadDefaultTOML()
	if err != nil {
		return nil, err
	}
	out := cloneConfig(cfg)
	for _, r := range out.Rules {
		r.Examples, r.NegativeExamples, r.ExampleSecrets = nil, nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
