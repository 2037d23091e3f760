package gitscan

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/gitscan/gitgen"
	"github.com/leakhound/leakhound/internal/scan"
	"github.com/leakhound/leakhound/rules"
)

// benchRepo returns a generated repository with the given number of
// commits, built once per machine under the temp dir (git fast-import
// then repack, as a clone would be).
func benchRepo(b *testing.B, commits int) string {
	b.Helper()
	needGit(b)
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("leakhound-bench-git-%d", commits))
	if _, err := os.Stat(filepath.Join(dir, ".git", "leakhound-ready")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	runGit(b, os.TempDir(), 0, "init", "-q", "-b", "main", dir)
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	w, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if _, err := gitgen.Write(w, gitgen.Config{Commits: commits, Files: 1000, SecretEvery: 500, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	w.Close()
	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
	runGit(b, dir, 0, "repack", "-adfq")
	runGit(b, dir, 0, "checkout", "-q", "-f", "main")
	os.WriteFile(filepath.Join(dir, ".git", "leakhound-ready"), nil, 0o644)
	return dir
}

func defaultScanner(b *testing.B) *scan.Scanner {
	cfg, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	eng, err := detect.New(cfg, detect.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return &scan.Scanner{Engine: eng, Opts: scan.DefaultOptions(), Stats: &scan.Stats{}, Emit: func(detect.Finding) {}}
}

// BenchmarkHistory scans the full history of a generated 5k-commit repo
// with the default rules.
func BenchmarkHistory5k(b *testing.B) {
	benchHistory(b, benchRepo(b, 5000))
}

// BenchmarkHistoryRepo scans the repository named by
// $LEAKHOUND_BENCH_REPO (skipped when unset), e.g. a large generated one.
func BenchmarkHistoryRepo(b *testing.B) {
	dir := os.Getenv("LEAKHOUND_BENCH_REPO")
	if dir == "" {
		b.Skip("LEAKHOUND_BENCH_REPO not set")
	}
	benchHistory(b, dir)
}

// benchHistory scans dir's full history b.N times with a fresh engine.
func benchHistory(b *testing.B, dir string) {
	var bytes int64
	for i := 0; i < b.N; i++ {
		sc := defaultScanner(b)
		if _, err := ScanHistory(context.Background(), dir, Options{AllRefs: true}, sc); err != nil {
			b.Fatal(err)
		}
		bytes = sc.Stats.Bytes.Load()
	}
	b.SetBytes(bytes)
}

// BenchmarkStaged10 scans 10 staged files in the generated 5k-commit repo
// (the pre-commit case), with a warm engine: it measures the git side.
func BenchmarkStaged10(b *testing.B) {
	dir := benchRepo(b, 5000)
	out, err := exec.Command("git", "-C", dir, "ls-files").Output()
	if err != nil {
		b.Fatal(err)
	}
	files := strings.Fields(string(out))[:10]
	for _, f := range files {
		p := filepath.Join(dir, f)
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, append(data, "\n// staged edit\nvar x = 1\n"...), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	runGit(b, dir, 0, append([]string{"add"}, files...)...)
	b.Cleanup(func() { runGit(b, dir, 0, "reset", "-q", "--hard") })
	sc := defaultScanner(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ScanChanges(context.Background(), dir, ChangeOptions{Staged: true}, sc)
		if err != nil || res.Files != 10 {
			b.Fatalf("ScanChanges: %v, %+v", err, res)
		}
	}
}
