package main

import (
	"context"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

// TestGenerate checks that every kind is deterministic, depends on the seed,
// has the expected prefix, passes its checksum and fires its default rule.
func TestGenerate(t *testing.T) {
	cases := []struct {
		kind, prefix, checksum, rule, context string
	}{
		{"wif", "5", "base58check", "bitcoin-wif-private-key", "BTC_WIF="},
		{"wif-compressed", "", "base58check", "bitcoin-wif-private-key", "BTC_WIF="},
		{"wif-testnet", "9", "base58check", "bitcoin-wif-private-key", "BTC_WIF="},
		{"wif-testnet-compressed", "c", "base58check", "bitcoin-wif-private-key", "BTC_WIF="},
		{"age", "AGE-SECRET-KEY-1", "bech32", "age-secret-key", ""},
		{"nsec", "nsec1", "bech32", "nostr-private-key", ""},
		{"jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ", "jwt", "jwt", ""},
		{"ghp_", "ghp_", "github", "github-pat", ""},
	}
	for k := range bip32Versions {
		cases = append(cases, struct{ kind, prefix, checksum, rule, context string }{k, k, "base58check", "bip32-extended-private-key", "key: "})
	}
	def, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	defEng, err := detect.New(def, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		a, b, other := generate(c.kind, "s1"), generate(c.kind, "s1"), generate(c.kind, "s2")
		if a != b || a == other {
			t.Errorf("%s: not deterministic or ignores the seed: %q %q %q", c.kind, a, b, other)
		}
		if !strings.HasPrefix(a, c.prefix) {
			t.Errorf("%s: %q lacks prefix %q", c.kind, a, c.prefix)
		}
		if c.kind == "wif-compressed" && a[0] != 'K' && a[0] != 'L' {
			t.Errorf("%s: %q starts with neither K nor L", c.kind, a)
		}
		cfg, err := rules.LoadBytes("t.toml", []byte(`
[[rules]]
id = "x"
description = "x"
regex = '''\b([A-Za-z0-9_.-]{20,400})'''
keywords = ["`+strings.ToLower(a[:3])+`"]
checksum = "`+c.checksum+`"
`), ".")
		if err != nil {
			t.Fatal(err)
		}
		eng, err := detect.New(cfg, detect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if fs := scan(t, eng, a); len(fs) != 1 || fs[0].Secret != a {
			t.Errorf("%s: %q fails checksum %s: %v", c.kind, a, c.checksum, fs)
		}
		// A copy with one character replaced by another of the string's own
		// (not for jwt: a structural check, which a changed character may pass).
		if c.kind != "jwt" {
			i, j := len(a)/2, len(a)/2+1
			for a[j] == a[i] {
				j++
			}
			bad := a[:i] + a[j:j+1] + a[i+1:]
			if fs := scan(t, eng, bad); len(fs) != 0 {
				t.Errorf("%s: corrupted %q passes checksum %s", c.kind, bad, c.checksum)
			}
		}
		fs := scan(t, defEng, c.context+a)
		if len(fs) != 1 || fs[0].RuleID != c.rule || fs[0].Secret != a {
			t.Errorf("%s: %q: default rules find %v, want %s", c.kind, c.context+a, fs, c.rule)
		}
	}
}

func scan(t *testing.T, e *detect.Engine, s string) []detect.Finding {
	t.Helper()
	fs, err := e.Scan(context.Background(), []byte(s), detect.Location{Source: detect.SourceFile, Path: "a.txt"})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}
