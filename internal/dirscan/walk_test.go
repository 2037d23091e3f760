package dirscan

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
	"github.com/leakhound/leakhound/rules"
)

const cfgText = `
[[rules]]
id = "acme"
description = "acme"
regex = '''acme_[a-z0-9]{16}'''
keywords = ["acme_"]
`

const secret = "acme_0123456789abcdef"

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// walk scans roots and returns the paths with findings and the stats.
func walk(t *testing.T, roots []string, opts Options) ([]string, *scan.Stats) {
	t.Helper()
	cfg, err := rules.LoadBytes("t.toml", []byte(cfgText), ".")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := detect.New(cfg, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var paths []string
	st := &scan.Stats{}
	sc := &scan.Scanner{Engine: eng, Opts: scan.DefaultOptions(), Stats: st, Emit: func(f detect.Finding) {
		mu.Lock()
		paths = append(paths, f.Path)
		mu.Unlock()
	}}
	if err := Walk(context.Background(), roots, opts, sc); err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	return paths, st
}

func TestGitignore(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".gitignore"), "*.log\nbuild/\n!keep.log\n")
	write(t, filepath.Join(dir, "a.txt"), secret)
	write(t, filepath.Join(dir, "debug.log"), secret)
	write(t, filepath.Join(dir, "keep.log"), secret)
	write(t, filepath.Join(dir, "build", "out.txt"), secret)
	write(t, filepath.Join(dir, "sub", ".gitignore"), "local.txt\n")
	write(t, filepath.Join(dir, "sub", "local.txt"), secret)
	write(t, filepath.Join(dir, "sub", "other.txt"), secret)
	write(t, filepath.Join(dir, ".git", "config"), secret)
	t.Chdir(dir)
	got, _ := walk(t, []string{"."}, Options{Workers: 2, Gitignore: true})
	want := []string{"a.txt", "keep.log", "sub/other.txt"}
	if len(got) != len(want) {
		t.Fatalf("with --gitignore: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("with --gitignore: %v, want %v", got, want)
		}
	}
	all, _ := walk(t, []string{"."}, Options{Workers: 2})
	if len(all) != 6 {
		t.Errorf("without --gitignore: %v (want 6 files; .git skipped)", all)
	}
}

func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "real", "a.txt"), secret)
	if err := os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link")); err != nil {
		t.Skipf("symlinks not supported: %v", err)
	}
	// A loop: real/loop -> real.
	os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "real", "loop"))
	os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling"))
	t.Chdir(dir)
	got, st := walk(t, []string{"."}, Options{Workers: 2})
	if len(got) != 1 || got[0] != "real/a.txt" {
		t.Errorf("links not followed: %v", got)
	}
	if st.Skipped()[scan.SkipSymlink] != 3 {
		t.Errorf("skipped symlinks: %v", st.Skipped())
	}
	got, st = walk(t, []string{"."}, Options{Workers: 2, FollowSymlinks: true})
	// real/a.txt and link/a.txt; the loop is cut and counted, the dangling link reported.
	if len(got) != 2 || got[0] != "link/a.txt" || got[1] != "real/a.txt" {
		t.Errorf("links followed: %v", got)
	}
	if st.Skipped()[scan.SkipSymlink] == 0 {
		t.Errorf("loop not counted: %v", st.Skipped())
	}
	errs, _ := st.Errors()
	found := false
	for _, e := range errs {
		found = found || strings.Contains(e, "dangling")
	}
	if !found {
		t.Errorf("dangling link not reported: %v", errs)
	}
}

func TestSingleFileRootAndMissingRoot(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.env")
	write(t, p, "K="+secret)
	got, _ := walk(t, []string{p}, Options{})
	if len(got) != 1 {
		t.Errorf("file root: %v", got)
	}
	cfg, _ := rules.LoadBytes("t.toml", []byte(cfgText), ".")
	eng, _ := detect.New(cfg, detect.Options{})
	sc := &scan.Scanner{Engine: eng, Opts: scan.DefaultOptions(), Stats: &scan.Stats{}, Emit: func(detect.Finding) {}}
	if err := Walk(context.Background(), []string{filepath.Join(dir, "nope")}, Options{}, sc); err == nil {
		t.Error("missing root: no error")
	}
}
