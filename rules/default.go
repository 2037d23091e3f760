package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"
)

//go:embed default/*.toml
var defaultFS embed.FS

var defaultOnce = sync.OnceValues(loadDefault)

// Default returns a copy of the embedded default ruleset. The embedded files
// are parsed once per process.
func Default() (*Config, error) {
	cfg, err := defaultOnce()
	if err != nil {
		return nil, err
	}
	out := &Config{Title: cfg.Title, Source: cfg.Source}
	for _, r := range cfg.Rules {
		c := *r
		out.Rules = append(out.Rules, &c)
	}
	out.Allowlists = append(out.Allowlists, cfg.Allowlists...)
	return out, nil
}

func loadDefault() (*Config, error) {
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
