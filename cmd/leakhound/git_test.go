package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// gitT runs git in dir for building test repositories.
func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com",
		"GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.com", "GIT_CONFIG_GLOBAL="+emptyGitConfig(), "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// newTestRepo makes an empty repository on branch main holding the test
// rules as .leakhound.toml; it skips the test when git is missing.
func newTestRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found: it is needed to build the test repository (leakhound does not need it)")
	}
	dir := t.TempDir()
	gitT(t, dir, "init", "-q", "-b", "main")
	write(t, dir, ".leakhound.toml", testRules)
	return dir
}

func TestGitHistoryAndStaged(t *testing.T) {
	dir := newTestRepo(t)
	write(t, dir, "app.env", "A=1\nKEY="+acme+"\n")
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "-q", "-m", "add key")
	first := gitT(t, dir, "rev-parse", "HEAD")
	write(t, dir, "app.env", "A=2\nKEY="+acme+"\n")
	gitT(t, dir, "commit", "-q", "-am", "edit")

	out, errs, code := cli(t, dir, "", "git", "-f", "json")
	if code != 1 {
		t.Fatalf("git: exit %d, want 1; stderr: %s", code, errs)
	}
	fs := decode(t, out)
	if len(fs) != 1 || fs[0].Source != "git" || fs[0].Git == nil || fs[0].Git.Commit != first ||
		fs[0].Git.Commits != 2 || !fs[0].Git.PresentAtHead || fs[0].StartLine != 2 {
		t.Fatalf("one finding attributed to the first commit expected, got %+v", fs)
	}
	if _, errs, code := cli(t, dir, "", "git", "-q", "--commits", first+"..HEAD"); code != 0 {
		t.Errorf("range after the secret's commit: exit %d, want 0 (%s)", code, errs)
	}

	// Staged: a new secret is blocked, the old one is not reported again.
	const other = "acme_Qw3Er5Ty7Ui9Op1As2Df4Gh6"
	write(t, dir, "app.env", "A=3\nKEY="+acme+"\nNEW="+other+"\n")
	gitT(t, dir, "add", "app.env")
	out, errs, code = cli(t, dir, "", "git", "--pre-commit", "--redact", "-f", "json")
	fs = decode(t, out)
	if code != 1 || len(fs) != 1 || fs[0].StartLine != 3 || fs[0].Git.Stage != "staged" || strings.Contains(out, other) {
		t.Fatalf("--pre-commit: exit %d, findings %+v, stderr %s", code, fs, errs)
	}
	// --worktree alone: history plus everything uncommitted, staged or not.
	out, errs, code = cli(t, dir, "", "git", "--worktree", "-q", "-f", "json", "--redact")
	var stages []string
	for _, f := range decode(t, out) {
		stages = append(stages, f.Git.Stage)
	}
	if code != 1 || strings.Join(stages, ",") != ",staged" {
		t.Errorf("--worktree with a staged secret: exit %d, stages %q (%s); want history and staged findings", code, stages, errs)
	}
	gitT(t, dir, "reset", "-q")
	if _, errs, code := cli(t, dir, "", "git", "--staged", "-q"); code != 0 {
		t.Errorf("nothing staged: exit %d (%s)", code, errs)
	}
	out, errs, code = cli(t, dir, "", "git", "--worktree", "-q", "-f", "json", "--redact")
	stages = nil
	for _, f := range decode(t, out) {
		stages = append(stages, f.Git.Stage)
	}
	if code != 1 || strings.Join(stages, ",") != ",worktree" {
		t.Errorf("--worktree with an unstaged secret: exit %d, stages %q (%s)", code, stages, errs)
	}

	// Usage errors and bad input exit 2 with a message naming the input.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"git", t.TempDir()}, "not a git repository"},
		{[]string{"git", "--commits", "nope..HEAD"}, `"nope"`},
		{[]string{"git", "--since", "someday"}, "invalid date"},
		{[]string{"git", "--staged", "--branch", "main"}, "cannot be combined"},
	} {
		_, errs, code := cli(t, dir, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

func TestParseGitDate(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-01-31":           time.Date(2024, 1, 31, 0, 0, 0, 0, time.Local),
		"2024-01-31T10:00:00Z": time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC),
		"2 weeks ago":          now.AddDate(0, 0, -14),
		"1 day ago":            now.AddDate(0, 0, -1),
	} {
		got, err := parseGitDate(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseGitDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseGitDate("next tuesday", now); err == nil {
		t.Error("want an error for an unknown date")
	}
}

// TestPreCommitHook installs this checkout's .pre-commit-hooks.yaml with
// the pre-commit framework (as a local-path hook repository pinned to
// HEAD) and shows that a commit adding a secret is blocked and a clean one
// passes. pre-commit builds leakhound from HEAD with the local Go
// toolchain and module cache, offline.
func TestPreCommitHook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds leakhound through pre-commit; skipped with -short")
	}
	for _, bin := range []string{"git", "pre-commit", "go"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not found: install it to run the pre-commit hook test (Debian: apt-get install pre-commit)", bin)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("git", "-C", root, "cat-file", "-e", "HEAD:.pre-commit-hooks.yaml").Run(); err != nil {
		t.Skipf("HEAD of %s has no .pre-commit-hooks.yaml (the hook repository is HEAD: commit first)", root)
	}
	sha := gitT(t, root, "rev-parse", "HEAD")
	goenv := func(name string) string {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	home := t.TempDir()
	env := append(os.Environ(), "PRE_COMMIT_HOME="+filepath.Join(home, "pre-commit"), "HOME="+home,
		"GOMODCACHE="+goenv("GOMODCACHE"), "GOCACHE="+goenv("GOCACHE"), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local",
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com", "GIT_COMMITTER_NAME=Alice",
		"GIT_COMMITTER_EMAIL=alice@example.com", "GIT_CONFIG_GLOBAL="+emptyGitConfig(), "GIT_CONFIG_NOSYSTEM=1")
	dir := t.TempDir()
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(name string, args ...string) {
		t.Helper()
		if out, err := run(name, args...); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	must("git", "init", "-q", "-b", "main")
	write(t, dir, ".pre-commit-config.yaml", "repos:\n  - repo: "+root+"\n    rev: "+sha+"\n    hooks:\n      - id: leakhound\n")
	must("pre-commit", "install")
	must("git", "add", ".pre-commit-config.yaml")
	must("git", "commit", "-q", "-m", "add hook config")

	const key = "AKIAZ2QXL7NTRV4KPJ5M"
	write(t, dir, "deploy.env", "REGION=eu-west-1\nAWS_ACCESS_KEY_ID="+key+"\n")
	must("git", "add", "deploy.env")
	out, err := run("git", "commit", "-m", "add deploy config")
	if err == nil {
		t.Fatalf("commit with a secret was not blocked:\n%s", out)
	}
	if !strings.Contains(out, "aws-access-key-id") || strings.Contains(out, key) {
		t.Errorf("hook output should name the rule and hide the secret:\n%s", out)
	}
	if n := gitT(t, dir, "rev-list", "--count", "HEAD"); n != "1" {
		t.Errorf("%s commits after the blocked one, want 1", n)
	}

	write(t, dir, "deploy.env", "REGION=eu-west-1\nAWS_PROFILE=deploy\n")
	must("git", "add", "deploy.env")
	if out, err := run("git", "commit", "-m", "add deploy config"); err != nil {
		t.Fatalf("clean commit was blocked: %v\n%s", err, out)
	}
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
