package gitscan

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
	"github.com/leakhound/leakhound/rules"
)

// testRules is a small rule set: tokens "tk_" + 24 alphanumerics.
const testRules = `
[[rules]]
id = "test-token"
description = "test token"
regex = '''\b(tk_[A-Za-z0-9]{24})\b'''
keywords = ["tk_"]
`

// secret returns a distinct token for the rule above.
func secret(n int) string {
	return fmt.Sprintf("tk_Ab%022d", n)
}

func newEngine(t testing.TB) *detect.Engine {
	t.Helper()
	cfg, err := rules.Parse("test.toml", []byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := detect.New(cfg, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// sink collects a scan's findings.
type sink struct {
	mu sync.Mutex
	fs []detect.Finding
}

func (s *sink) add(f detect.Finding) {
	s.mu.Lock()
	s.fs = append(s.fs, f)
	s.mu.Unlock()
}

func (s *sink) sorted() []detect.Finding {
	out := append([]detect.Finding(nil), s.fs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].StartOffset < out[j].StartOffset
	})
	return out
}

func newScanner(t testing.TB) (*scan.Scanner, *sink) {
	s := &sink{}
	return &scan.Scanner{Engine: newEngine(t), Opts: scan.DefaultOptions(), Stats: &scan.Stats{}, Emit: s.add}, s
}

// needGit skips the test when the git binary (used only to build test
// repositories) is missing.
func needGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found: it is needed to build test repositories (leakhound itself does not need it)")
	}
}

// testRepo is a repository built with the git binary.
type testRepo struct {
	t    testing.TB
	dir  string
	tick int
}

func newTestRepo(t testing.TB) *testRepo {
	t.Helper()
	needGit(t)
	r := &testRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func gitEnv(tick int) []string {
	date := fmt.Sprintf("2024-01-01T00:%02d:%02d+00:00", tick/60%60, tick%60)
	return append(os.Environ(),
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com",
		"GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.com",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date,
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+os.TempDir(), "GIT_CONFIG_GLOBAL="+emptyGitConfig(),
	)
}

// git runs git in the repository and returns its trimmed output.
func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	return runGit(r.t, r.dir, r.tick, args...)
}

func runGit(t testing.TB, dir string, tick int, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(tick)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// write writes files (path -> content; "" content deletes).
func (r *testRepo) write(files map[string]string) {
	r.t.Helper()
	for p, c := range files {
		full := filepath.Join(r.dir, p)
		if c == "" {
			if err := os.Remove(full); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

// commit writes files, stages everything and commits; it returns the SHA.
func (r *testRepo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.write(files)
	r.git("add", "-A")
	r.tick++
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// scanHistory runs a history scan and returns the findings and result.
func scanHistory(t testing.TB, path string, opts Options) ([]detect.Finding, *Result, *scan.Stats) {
	t.Helper()
	sc, s := newScanner(t)
	res, err := ScanHistory(context.Background(), path, opts, sc)
	if err != nil {
		t.Fatalf("ScanHistory(%s): %v", path, err)
	}
	return s.sorted(), res, sc.Stats
}

// secretsOf lists the secrets of findings.
func secretsOf(fs []detect.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Secret)
	}
	return out
}

func execGit(dir string, tick int, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(tick)
	return cmd
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// emptyGitConfig returns an empty file to use as git's global config in
// tests. Not /dev/null: git writes config through a lock file renamed over
// the target, which replaces /dev/null with a regular file when anything
// (pre-commit, for one) writes global config.
var emptyGitConfig = sync.OnceValue(func() string {
	f, err := os.CreateTemp("", "leakhound-test-gitconfig-*")
	if err != nil {
		panic(err)
	}
	f.Close()
	return f.Name()
})
