package gitscan

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
)

func scanChanges(t *testing.T, dir string, opts ChangeOptions) []detect.Finding {
	t.Helper()
	sc, s := newScanner(t)
	if _, err := ScanChanges(context.Background(), dir, opts, sc); err != nil {
		t.Fatalf("ScanChanges(%s): %v", dir, err)
	}
	return s.sorted()
}

func TestStagedNoCommitsYet(t *testing.T) {
	r := newTestRepo(t)
	r.write(map[string]string{"a.env": "TOKEN=" + secret(100) + "\n"})
	r.git("add", "a.env")
	fs := scanChanges(t, r.dir, ChangeOptions{Staged: true})
	if len(fs) != 1 || fs[0].Secret != secret(100) || fs[0].Git == nil || fs[0].Git.Stage != detect.GitStageStaged || fs[0].StartLine != 1 {
		t.Fatalf("got %+v, want the staged secret on line 1", fs)
	}
}

func TestStagedOnlyAddedLines(t *testing.T) {
	r := newTestRepo(t)
	old := "line1\nkey=" + secret(101) + "\nline3\n"
	r.commit("base", map[string]string{"conf.txt": old, "gone.txt": "k=" + secret(102) + "\n", "move.txt": "k=" + secret(103) + "\nx\n", "ren.txt": "k=" + secret(104) + "\na\nb\nc\n"})
	// Modify conf.txt: a clean line before the old secret, and a new secret.
	r.write(map[string]string{"conf.txt": "new first\n" + old + "new=" + secret(105) + "\n"})
	r.git("add", "conf.txt")
	r.git("rm", "-q", "gone.txt")
	r.git("mv", "move.txt", "moved.txt")
	// A rename with an edit that adds a secret.
	r.write(map[string]string{"dir/.keep": "x"})
	r.git("mv", "ren.txt", "dir/ren.txt")
	r.write(map[string]string{"dir/ren.txt": "k=" + secret(104) + "\na\nb\nc\nadded=" + secret(106) + "\n"})
	r.git("add", "dir/ren.txt")
	fs := scanChanges(t, r.dir, ChangeOptions{Staged: true})
	got := secretsOf(fs)
	if !slices.Equal(got, []string{secret(105), secret(106)}) {
		t.Fatalf("got %v, want only the added secrets %s and %s", got, secret(105), secret(106))
	}
	if fs[0].Path != "conf.txt" || fs[0].StartLine != 5 || fs[1].Path != "dir/ren.txt" || fs[1].StartLine != 5 {
		t.Errorf("locations %s:%d %s:%d, want conf.txt:5 dir/ren.txt:5", fs[0].Path, fs[0].StartLine, fs[1].Path, fs[1].StartLine)
	}
}

func TestStagedReadsIndexNotWorktree(t *testing.T) {
	r := newTestRepo(t)
	r.commit("base", map[string]string{"a.txt": "one\ntwo\n"})
	r.write(map[string]string{"a.txt": "one\nstaged=" + secret(110) + "\ntwo\n"})
	r.git("add", "a.txt")
	// A later, unstaged edit: not part of the commit.
	r.write(map[string]string{"a.txt": "one\nstaged=" + secret(110) + "\ntwo\nunstaged=" + secret(111) + "\n"})
	// An untracked file and an ignored one.
	r.write(map[string]string{"new.txt": "u=" + secret(112) + "\n", ".gitignore": "*.log\n", "debug.log": "i=" + secret(113) + "\n"})

	fs := scanChanges(t, r.dir, ChangeOptions{Staged: true})
	if got := secretsOf(fs); !slices.Equal(got, []string{secret(110)}) {
		t.Errorf("--staged: got %v, want only the staged secret", got)
	}
	fs = scanChanges(t, r.dir, ChangeOptions{Staged: true, Worktree: true})
	var stages []string
	for _, f := range fs {
		stages = append(stages, f.Secret[len(f.Secret)-3:]+":"+f.Git.Stage)
	}
	want := []string{"110:staged", "111:worktree", "112:worktree"}
	slices.Sort(stages)
	if !slices.Equal(stages, want) {
		t.Errorf("--staged --worktree: got %v, want %v (ignored file skipped)", stages, want)
	}
}

func TestStagedBadInput(t *testing.T) {
	needGit(t)
	sc, _ := newScanner(t)
	_, err := ScanChanges(context.Background(), t.TempDir(), ChangeOptions{Staged: true}, sc)
	if err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("not a repo: %v", err)
	}
	// Nothing staged: no findings, no error.
	r := newTestRepo(t)
	r.commit("base", map[string]string{"a.txt": "k=" + secret(120) + "\n"})
	if fs := scanChanges(t, r.dir, ChangeOptions{Staged: true}); len(fs) != 0 {
		t.Errorf("nothing staged: got %v", secretsOf(fs))
	}
}
