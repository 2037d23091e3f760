package rules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

// TestDefaultRuleExamples runs every example of every default rule through
// the real engine with the full default ruleset: each positive example must
// fire its rule (with the expected secret when exampleSecrets is given) and
// no other specific rule, and no negative example may fire any rule.
func TestDefaultRuleExamples(t *testing.T) {
	cfg, err := rules.DefaultWithExamples()
	if err != nil {
		t.Fatal(err)
	}
	// Rules run on Go's regexp until they have scanned enough bytes to be
	// worth compiling with RE2; examples must behave the same on both.
	re2Eng, err := detect.New(cfg, detect.Options{MaxDecodeDepth: -1, StdlibBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := re2Eng.CompileAll(); err != nil {
		t.Fatal(err)
	}
	stdEng, err := detect.New(cfg, detect.Options{MaxDecodeDepth: -1, StdlibBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		eng  *detect.Engine
	}{{"re2", re2Eng}, {"stdlib", stdEng}} {
		t.Run(c.name, func(t *testing.T) { runExamples(t, cfg, c.eng) })
	}
}

func runExamples(t *testing.T, cfg *rules.Config, eng *detect.Engine) {
	ctx := context.Background()
	for _, r := range cfg.Rules {
		t.Run(r.ID, func(t *testing.T) {
			for i, ex := range r.Examples {
				fs, err := eng.Scan(ctx, []byte(ex), detect.Location{Source: "file", Path: "example.txt"})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				var others []string
				for _, f := range fs {
					if f.RuleID == r.ID {
						// The engine runs a regex only near keyword hits, so a
						// keyword must be part of every match.
						if len(r.Keywords) > 0 && !containsAny(strings.ToLower(f.Match), r.Keywords) {
							t.Errorf("%s:%d: example %d: match %q contains none of the keywords %q", r.File, r.Line, i, f.Match, r.Keywords)
						}
						got = append(got, f.Secret)
					} else {
						others = append(others, f.RuleID)
					}
				}
				if len(got) == 0 {
					t.Errorf("%s:%d: example %d does not fire (other rules: %v):\n%s", r.File, r.Line, i, others, ex)
					continue
				}
				if len(others) > 0 {
					t.Errorf("%s:%d: example %d also fires %v (double report):\n%s", r.File, r.Line, i, others, ex)
				}
				if i < len(r.ExampleSecrets) && !slices.Contains(got, r.ExampleSecrets[i]) {
					t.Errorf("%s:%d: example %d: secrets %q, want %q", r.File, r.Line, i, got, r.ExampleSecrets[i])
				}
			}
			for i, ex := range r.NegativeExamples {
				fs, err := eng.Scan(ctx, []byte(ex), detect.Location{Source: "file", Path: "example.txt"})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range fs {
					t.Errorf("%s:%d: negative example %d fires %s (secret %q):\n%s", r.File, r.Line, i, f.RuleID, f.Secret, ex)
				}
			}
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, k := range subs {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// TestDefaultRulesComplete checks the ruleset's own standards: every rule
// has a description, severity, keywords (or a path), at least two examples,
// and lower-case keywords. (That a keyword occurs in every example's match
// is checked by TestDefaultRuleExamples.)
func TestDefaultRulesComplete(t *testing.T) {
	cfg, err := rules.DefaultWithExamples()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cfg.Rules {
		if r.Description == "" {
			t.Errorf("%s:%d: rule %s has no description", r.File, r.Line, r.ID)
		}
		if r.Severity == "" || !rules.ValidSeverity(r.Severity) {
			t.Errorf("%s:%d: rule %s has no valid severity", r.File, r.Line, r.ID)
		}
		if r.Regex != "" && len(r.Keywords) == 0 {
			t.Errorf("%s:%d: rule %s has no keywords", r.File, r.Line, r.ID)
		}
		if len(r.Examples) < 2 {
			t.Errorf("%s:%d: rule %s has %d examples, want at least 2", r.File, r.Line, r.ID, len(r.Examples))
		}
		for _, k := range r.Keywords {
			if k != strings.ToLower(k) {
				t.Errorf("%s:%d: rule %s: keyword %q is not lower-case", r.File, r.Line, r.ID, k)
			}
		}
	}
}

// TestGeneratedRulesUpToDate checks that default_rules.go, which the binary
// loads, was regenerated after the last TOML edit.
func TestGeneratedRulesUpToDate(t *testing.T) {
	want, err := rules.CompileDefault()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("default_rules.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("rules/default_rules.go is stale: run `go generate ./rules`")
	}
	def, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	src, _ := rules.DefaultWithExamples()
	if len(def.Rules) != len(src.Rules) {
		t.Fatalf("default_rules.go has %d rules, TOML %d", len(def.Rules), len(src.Rules))
	}
	// The compiled rules are the TOML's, field for field.
	for _, r := range src.Rules {
		r.Examples, r.NegativeExamples, r.ExampleSecrets = nil, nil, nil
	}
	a, _ := json.Marshal(def)
	b, _ := json.Marshal(src)
	if !bytes.Equal(a, b) {
		t.Fatal("default_rules.go differs from the TOML ruleset")
	}
}
