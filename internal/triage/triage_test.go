package triage

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
)

func finding(rule, path, secret string, line int) detect.Finding {
	return detect.Finding{RuleID: rule, Path: path, Secret: secret, StartLine: line, Severity: "high",
		Fingerprint: detect.Fingerprint(rule, secret), LocationFingerprint: detect.LocationFingerprint(rule, path, secret)}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIgnoreFile(t *testing.T) {
	a := finding("r1", "src/app.env", "s3cr3tA", 3)
	b := finding("r1", "test/fixtures/app.env", "s3cr3tB", 3)
	c := finding("r2", "deep/dir/x.txt", "s3cr3tC", 7)
	d := finding("r2", "other.txt", "s3cr3tD", 9)
	content := "# accepted secrets\n" +
		a.Fingerprint + " # rotated 2026-01\n" +
		b.Fingerprint + " test/**  # fixtures\n" +
		"deep/dir/x.txt:r2:7\n" +
		"\n" + detect.Fingerprint("r9", "never") + "\n"
	p := writeFile(t, ".gitleaksignore", content)
	ig := NewIgnores()
	if err := LoadIgnoreFile(p, false, ig); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    detect.Finding
		want bool
	}{{a, true}, {b, true}, {c, true}, {d, false}} {
		if got := ig.Match(&c.f); got != c.want {
			t.Errorf("%s: match %v, want %v", c.f.Path, got, c.want)
		}
	}
	// The scoped entry does not apply elsewhere.
	b2 := finding("r1", "src/app.env", "s3cr3tB", 3)
	if ig.Match(&b2) {
		t.Error("path-scoped entry matched another path")
	}
	unused := ig.Unused()
	if len(unused) != 1 || !strings.Contains(unused[0], ":6:") {
		t.Errorf("unused = %v", unused)
	}
}

func TestIgnoreFileErrors(t *testing.T) {
	for _, content := range []string{
		"not-a-fingerprint\n",
		"0123456789ABCDEF0123456789ABCDEF\n",
		"file:rule:notanumber\n",
		"0123456789abcdef0123456789abcdef a b c\n",
	} {
		p := writeFile(t, ".leakhoundignore", "# ok\n"+content)
		err := LoadIgnoreFile(p, false, NewIgnores())
		if err == nil || !strings.Contains(err.Error(), ":2:") {
			t.Errorf("%q: error %v, want one naming line 2", content, err)
		}
	}
	if err := LoadIgnoreFile(filepath.Join(t.TempDir(), "missing"), true, NewIgnores()); err != nil {
		t.Errorf("optional missing file: %v", err)
	}
	if err := LoadIgnoreFile(filepath.Join(t.TempDir(), "missing"), false, NewIgnores()); err == nil {
		t.Error("explicit missing file: no error")
	}
}

func TestGitleaksCommitEntry(t *testing.T) {
	sha := strings.Repeat("ab", 20)
	p := writeFile(t, ".gitleaksignore", sha+":a/b:c.txt:rule-x:4\n")
	ig := NewIgnores()
	if err := LoadIgnoreFile(p, false, ig); err != nil {
		t.Fatal(err)
	}
	f := finding("rule-x", "a/b:c.txt", "zz", 4)
	if ig.Match(&f) {
		t.Error("commit-scoped entry matched a finding without that commit")
	}
	f.Git = &detect.GitInfo{Commit: sha}
	if !ig.Match(&f) {
		t.Error("commit-scoped entry did not match")
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "b.json")
	fs := []detect.Finding{finding("r2", "z.txt", "two", 1), finding("r1", "a.txt", "one", 1)}
	b := NewBaseline()
	b.Add(fs)
	if err := b.Write(p); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(p)
	// Same findings, other order: same bytes.
	b2 := NewBaseline()
	b2.Add([]detect.Finding{fs[1], fs[0]})
	if err := b2.Write(p); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(p)
	if !bytes.Equal(first, second) {
		t.Fatalf("baseline not deterministic:\n%s\n%s", first, second)
	}
	for _, s := range []string{"one", "two"} {
		if bytes.Contains(first, []byte(`"`+s+`"`)) {
			t.Errorf("baseline contains the secret %q", s)
		}
	}
	loaded, err := LoadBaseline(p)
	if err != nil {
		t.Fatal(err)
	}
	moved := finding("r1", "a.txt", "one", 99)
	if !loaded.Match(&moved) {
		t.Error("line shift broke the baseline")
	}
	elsewhere := finding("r1", "b.txt", "one", 1)
	if loaded.Match(&elsewhere) {
		t.Error("same secret in a new path matched a path-scoped entry")
	}
	changed := finding("r1", "a.txt", "one-rotated", 1)
	if loaded.Match(&changed) {
		t.Error("a changed secret matched")
	}
	// A path-less entry accepts the secret anywhere.
	loaded.Entries[0].Path = ""
	loaded.Entries[1].Path = ""
	loaded.reindex()
	if !loaded.Match(&elsewhere) {
		t.Error("path-less entry did not match a new path")
	}
}

func TestBaselineUpdateKeepsReasonsAndPrune(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.json")
	b := NewBaseline()
	b.Add([]detect.Finding{finding("r1", "a.txt", "one", 1), finding("r1", "b.txt", "gone", 1)})
	b.Entries[0].Reason = "accepted by security"
	b.Entries[1].Reason = "accepted by security"
	if err := b.Write(p); err != nil {
		t.Fatal(err)
	}
	b, _ = LoadBaseline(p)
	n := b.Add([]detect.Finding{finding("r1", "a.txt", "one", 5), finding("r1", "c.txt", "new", 1)})
	if n != 1 || len(b.Entries) != 3 {
		t.Fatalf("update added %d, has %d entries", n, len(b.Entries))
	}
	for _, e := range b.Entries {
		if e.Path == "a.txt" && e.Reason != "accepted by security" {
			t.Error("update lost a reason")
		}
	}
	if stale := b.Stale(); len(stale) != 1 || stale[0].Path != "b.txt" {
		t.Errorf("stale = %+v", stale)
	}
	if n := b.Prune(); n != 1 || len(b.Entries) != 2 {
		t.Errorf("pruned %d, left %d", n, len(b.Entries))
	}
}

func TestBaselineErrors(t *testing.T) {
	good := `{"version": 1, "tool": "leakhound", "entries": [
  {"fingerprint": "0123456789abcdef0123456789abcdef", "rule": "r", "path": "a", "severity": "high", "reason": ""}
]}`
	if _, err := LoadBaseline(writeFile(t, "b.json", good)); err != nil {
		t.Fatalf("good baseline: %v", err)
	}
	cases := map[string]string{
		"syntax":      "{\"version\": 1,\n \"entries\": [\n  {\"fingerprint\": }\n]}",
		"fingerprint": strings.Replace(good, "0123456789abcdef0123456789abcdef", "XYZ", 1),
		"unknown key": strings.Replace(good, `"reason"`, `"reasn"`, 1),
		"version":     strings.Replace(good, `"version": 1`, `"version": 7`, 1),
		"empty rule":  strings.Replace(good, `"rule": "r"`, `"rule": ""`, 1),
		"duplicate":   strings.Replace(good, "]}", ",\n  {\"fingerprint\": \"0123456789abcdef0123456789abcdef\", \"rule\": \"r\", \"path\": \"a\", \"severity\": \"high\", \"reason\": \"\"}]}", 1),
	}
	for name, content := range cases {
		_, err := LoadBaseline(writeFile(t, "b.json", content))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), "b.json") {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
	}
	_, err := LoadBaseline(writeFile(t, "b.json", cases["syntax"]))
	if err == nil || !strings.Contains(err.Error(), "b.json:3") {
		t.Errorf("syntax error should name line 3: %v", err)
	}
}
