package gitscan

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakhound/leakhound/detect"
)

func allRefs() Options { return Options{AllRefs: true, Workers: 2} }

func TestHistoryOneFindingPerSecretAndPath(t *testing.T) {
	r := newTestRepo(t)
	s1, s2 := secret(1), secret(2)
	c1 := r.commit("add config", map[string]string{"app/config.txt": "a\nb\nkey = " + s1 + "\n"})
	r.commit("edit config", map[string]string{"app/config.txt": "a\nb\nkey = " + s1 + "\nmore\n"})
	c3 := r.commit("second key", map[string]string{"app/config.txt": "a\nb\nkey = " + s1 + "\nmore\nother = " + s2 + "\n"})
	r.commit("remove second key", map[string]string{"app/config.txt": "x\na\nb\nkey = " + s1 + "\n", "readme.md": "clean\n"})

	fs, res, st := scanHistory(t, r.dir, allRefs())
	if res.Commits != 4 {
		t.Errorf("commits scanned = %d, want 4", res.Commits)
	}
	if len(fs) != 2 {
		t.Fatalf("got %d findings %v, want 2 (one per secret per path)", len(fs), secretsOf(fs))
	}
	f1, f2 := fs[0], fs[1]
	if f1.Secret != s1 || f2.Secret != s2 {
		t.Fatalf("secrets %v, want [%s %s]", secretsOf(fs), s1, s2)
	}
	g := f1.Git
	if g == nil || g.Commit != c1 || g.Author != "Alice" || g.Email != "alice@example.com" || g.Message != "add config" {
		t.Fatalf("first finding provenance = %+v, want commit %s by Alice", g, c1)
	}
	if f1.StartLine != 3 || f1.Path != "app/config.txt" || f1.Source != detect.SourceGit {
		t.Errorf("first finding at %s:%d (%s), want app/config.txt:3 (git)", f1.Path, f1.StartLine, f1.Source)
	}
	if g.Commits != 4 || g.Blobs != 4 || !g.PresentAtHead {
		t.Errorf("s1: commits=%d blobs=%d presentAtHead=%v, want 4 4 true", g.Commits, g.Blobs, g.PresentAtHead)
	}
	if g2 := f2.Git; g2.Commit != c3 || g2.Commits != 1 || g2.PresentAtHead || f2.StartLine != 5 {
		t.Errorf("s2: %+v line %d, want commit %s, 1 commit, not at HEAD, line 5", g2, f2.StartLine, c3)
	}
	if g.Date.IsZero() {
		t.Error("date not set")
	}
	// The fingerprint is the content one, identical to a dir scan.
	dirFs, err := newEngine(t).Scan(context.Background(), []byte("key = "+s1), detect.Location{Source: "file", Path: "x"})
	if err != nil || len(dirFs) != 1 || dirFs[0].Fingerprint != f1.Fingerprint {
		t.Errorf("fingerprint %s differs from a dir scan's %v (err %v)", f1.Fingerprint, dirFs, err)
	}
	if st.Items.Load() != 5 {
		t.Errorf("items scanned = %d, want 5 (4 versions of config + readme)", st.Items.Load())
	}
}

func TestHistoryRefsBranchesTagsStash(t *testing.T) {
	r := newTestRepo(t)
	r.commit("init", map[string]string{"a.txt": "clean\n"})
	r.git("checkout", "-q", "-b", "feature")
	cf := r.commit("feature", map[string]string{"f.txt": "k=" + secret(10) + "\n"})
	r.git("checkout", "-q", "main")
	// A tag on an orphan commit reachable from nothing else.
	r.git("checkout", "-q", "--orphan", "tmp")
	r.git("rm", "-q", "-rf", ".")
	r.commit("orphan", map[string]string{"t.txt": "k=" + secret(11) + "\n"})
	r.git("tag", "-a", "-m", "annotated", "v1")
	r.git("checkout", "-q", "-f", "main")
	r.git("branch", "-q", "-D", "tmp")
	// A stash.
	r.write(map[string]string{"a.txt": "stashed " + secret(12) + "\n"})
	r.git("stash", "-q")

	fs, _, _ := scanHistory(t, r.dir, allRefs())
	got := secretsOf(fs)
	for _, want := range []string{secret(10), secret(11), secret(12)} {
		if !slices.Contains(got, want) {
			t.Errorf("all refs: missing %s in %v", want, got)
		}
	}
	fs, _, _ = scanHistory(t, r.dir, Options{Workers: 1})
	if len(fs) != 0 {
		t.Errorf("HEAD only (--all-refs=false): got %v, want nothing", secretsOf(fs))
	}
	fs, _, _ = scanHistory(t, r.dir, Options{Branches: []string{"feature"}})
	if len(fs) != 1 || fs[0].Git.Commit != cf {
		t.Errorf("--branch feature: got %v, want the feature commit's secret", secretsOf(fs))
	}
}

func TestHistoryMergeIntroducesOnlyNewBlobs(t *testing.T) {
	r := newTestRepo(t)
	r.commit("init", map[string]string{"a.txt": "one\n", "b.txt": "base\n"})
	r.git("checkout", "-q", "-b", "feature")
	cf := r.commit("feature secret", map[string]string{"f.txt": "k=" + secret(20) + "\n", "b.txt": "feature\n"})
	r.git("checkout", "-q", "main")
	r.commit("main change", map[string]string{"a.txt": "two\n", "b.txt": "main\n"})
	// Merge with a conflict on b.txt whose resolution adds a secret: that
	// blob is the merge's own.
	r.tick++
	cmd := runGitAllowFail(r.dir, r.tick, "merge", "-q", "--no-ff", "feature", "-m", "merge")
	_ = cmd
	r.write(map[string]string{"b.txt": "resolved " + secret(21) + "\n"})
	r.git("add", "b.txt")
	r.git("commit", "-q", "--no-edit")
	merge := r.git("rev-parse", "HEAD")

	fs, _, _ := scanHistory(t, r.dir, allRefs())
	if len(fs) != 2 {
		t.Fatalf("got %v, want 2 findings", secretsOf(fs))
	}
	for _, f := range fs {
		switch f.Secret {
		case secret(20):
			if f.Git.Commit != cf {
				t.Errorf("secret from the branch attributed to %s, want the branch commit %s (not the merge)", f.Git.Commit, cf)
			}
		case secret(21):
			if f.Git.Commit != merge {
				t.Errorf("conflict resolution attributed to %s, want the merge %s", f.Git.Commit, merge)
			}
		}
	}
}

// runGitAllowFail runs git and ignores its exit status (merges with
// conflicts).
func runGitAllowFail(dir string, tick int, args ...string) error {
	cmd := execGit(dir, tick, args...)
	return cmd.Run()
}

func TestHistoryRanges(t *testing.T) {
	r := newTestRepo(t)
	c1 := r.commit("one", map[string]string{"a.txt": "k=" + secret(30) + "\n"})
	// c2 also edits a.txt, keeping its secret: a range starting after c1
	// must not report it again.
	c2 := r.commit("two", map[string]string{"b.txt": "k=" + secret(31) + "\n", "a.txt": "k=" + secret(30) + "\nmore\n"})
	r.commit("three", map[string]string{"c.txt": "k=" + secret(32) + "\n"})

	check := func(name string, opts Options, want ...string) {
		t.Helper()
		fs, _, _ := scanHistory(t, r.dir, opts)
		got := secretsOf(fs)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	check("--commits c1..HEAD", Options{Commits: c1 + "..HEAD"}, secret(31), secret(32))
	check("--commits c1..c2", Options{Commits: c1 + ".." + c2}, secret(31))
	check("--since-commit c2", Options{SinceCommit: c2[:8], AllRefs: true}, secret(32))
	check("--max-commits 1", Options{MaxCommits: 1, AllRefs: true}, secret(32))
	// Commit dates are 2024-01-01T00:00:01, :02, :03.
	since := mustTime(t, "2024-01-01T00:00:02Z")
	check("--since", Options{Since: since, AllRefs: true}, secret(31), secret(32))
	check("--until", Options{Until: since, AllRefs: true}, secret(30), secret(31))

	sc, _ := newScanner(t)
	if _, err := ScanHistory(context.Background(), r.dir, Options{Commits: "nope..HEAD"}, sc); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown revision: err = %v, want one naming it", err)
	}
	if _, err := ScanHistory(context.Background(), r.dir, Options{Commits: "HEAD"}, sc); err == nil || !strings.Contains(err.Error(), "A..B") {
		t.Errorf("bad range: err = %v", err)
	}
}

func TestHistoryArchiveAndLimits(t *testing.T) {
	r := newTestRepo(t)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("inner/creds.txt")
	w.Write([]byte("k=" + secret(40) + "\n"))
	zw.Close()
	lfs := "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"
	r.commit("files", map[string]string{
		"bundle.zip": zb.String(),
		"big.txt":    strings.Repeat("x", 2000) + secret(41) + "\n",
		"model.bin":  lfs,
	})
	sc, s := newScanner(t)
	sc.Opts.MaxFileSize = 1000
	if _, err := ScanHistory(context.Background(), r.dir, allRefs(), sc); err != nil {
		t.Fatal(err)
	}
	fs := s.sorted()
	if len(fs) != 1 || fs[0].Path != "bundle.zip!inner/creds.txt" {
		t.Fatalf("got %v, want the secret inside bundle.zip", fs)
	}
	sk := sc.Stats.Skipped()
	if sk["too large"] != 1 || sk[SkipLFSPointer] != 1 {
		t.Errorf("skipped = %v, want 1 too large and 1 lfs pointer", sk)
	}
}

func TestHistorySubmoduleListed(t *testing.T) {
	r := newTestRepo(t)
	r.commit("init", map[string]string{"a.txt": "x\n"})
	r.git("update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("ab", 20)+",vendor/lib")
	r.tick++
	r.git("commit", "-q", "-m", "submodule")
	_, res, st := scanHistory(t, r.dir, allRefs())
	if !slices.Equal(res.Submodules, []string{"vendor/lib"}) || st.Skipped()[SkipSubmodule] != 1 {
		t.Errorf("submodules = %v, skipped = %v; want vendor/lib listed once", res.Submodules, st.Skipped())
	}
}

func TestHistoryNonUTF8Path(t *testing.T) {
	r := newTestRepo(t)
	name := "caf\xe9/\xff.txt"
	r.commit("latin1 path", map[string]string{name: "k=" + secret(50) + "\n"})
	fs, _, _ := scanHistory(t, r.dir, allRefs())
	if len(fs) != 1 || fs[0].Path != name {
		t.Fatalf("got %v, want the secret at the non-UTF-8 path", fs)
	}
}

func TestHistoryRepoKinds(t *testing.T) {
	r := newTestRepo(t)
	r.commit("one", map[string]string{"a.txt": "k=" + secret(60) + "\n"})
	base := filepath.Dir(r.dir)
	bare := filepath.Join(t.TempDir(), "bare.git")
	runGit(t, base, 0, "clone", "-q", "--bare", r.dir, bare)
	wt := filepath.Join(t.TempDir(), "wt")
	r.git("worktree", "add", "-q", wt)
	// A clone sharing objects through alternates.
	alt := filepath.Join(t.TempDir(), "alt")
	runGit(t, base, 0, "clone", "-q", "--shared", r.dir, alt)
	for name, p := range map[string]string{
		"working tree": r.dir, "subdirectory": filepath.Join(r.dir, "."), ".git dir": filepath.Join(r.dir, ".git"),
		"bare": bare, "linked worktree": wt, "alternates": alt,
	} {
		fs, _, _ := scanHistory(t, p, allRefs())
		if len(fs) != 1 || fs[0].Secret != secret(60) {
			t.Errorf("%s (%s): got %v, want the one secret", name, p, secretsOf(fs))
		}
	}
	// Detached HEAD.
	r.commit("two", map[string]string{"b.txt": "clean\n"})
	r.git("checkout", "-q", "--detach", "HEAD~1")
	fs, _, _ := scanHistory(t, r.dir, Options{})
	if len(fs) != 1 || !fs[0].Git.PresentAtHead {
		t.Errorf("detached HEAD: got %v, want the secret, present at HEAD", fs)
	}
}

func TestHistoryBadInput(t *testing.T) {
	needGit(t)
	sc, _ := newScanner(t)
	dir := t.TempDir()
	_, err := ScanHistory(context.Background(), dir, allRefs(), sc)
	if err == nil || !strings.Contains(err.Error(), "not a git repository") || !strings.Contains(err.Error(), dir) {
		t.Errorf("not a repo: err = %v", err)
	}
	_, err = ScanHistory(context.Background(), filepath.Join(dir, "missing"), allRefs(), sc)
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing path: err = %v", err)
	}
	// Empty repository: nothing to scan, no error.
	r := newTestRepo(t)
	fs, res, _ := scanHistory(t, r.dir, allRefs())
	if len(fs) != 0 || res.Commits != 0 || len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "no commits") {
		t.Errorf("empty repo: %v %+v", fs, res)
	}
}

func TestHistoryShallowClone(t *testing.T) {
	r := newTestRepo(t)
	r.commit("one", map[string]string{"a.txt": "k=" + secret(70) + "\n"})
	r.commit("two", map[string]string{"b.txt": "k=" + secret(71) + "\n"})
	c3 := r.commit("three", map[string]string{"c.txt": "clean\n"})
	clone := filepath.Join(t.TempDir(), "shallow")
	runGit(t, r.dir, 0, "clone", "-q", "--depth", "1", "file://"+r.dir, clone)
	fs, res, _ := scanHistory(t, clone, allRefs())
	if !res.Truncated || len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "truncated") {
		t.Errorf("shallow clone: truncated=%v notes=%v", res.Truncated, res.Notes)
	}
	if len(fs) != 2 {
		t.Fatalf("got %v, want both secrets present in the fetched commit", secretsOf(fs))
	}
	for _, f := range fs {
		if f.Git.Commit != c3 {
			t.Errorf("%s attributed to %s, want the shallow boundary %s", f.Secret, f.Git.Commit, c3)
		}
	}
}

// looseObjectPath returns the file of a loose object.
func looseObjectPath(r *testRepo, sha string) string {
	return filepath.Join(r.dir, ".git", "objects", sha[:2], sha[2:])
}

func TestHistoryMissingAndCorruptObjects(t *testing.T) {
	r := newTestRepo(t)
	r.commit("one", map[string]string{"a.txt": "k=" + secret(80) + "\n", "b.txt": "k=" + secret(81) + "\n", "c.txt": "k=" + secret(82) + "\n"})
	blobA := r.git("rev-parse", "HEAD:a.txt")
	blobB := r.git("rev-parse", "HEAD:b.txt")
	// A missing blob (as in a partial clone) and a corrupt one.
	if err := os.Remove(looseObjectPath(r, blobA)); err != nil {
		t.Fatal(err)
	}
	p := looseObjectPath(r, blobB)
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte("garbage, not zlib"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A ref to a missing object.
	if err := os.WriteFile(filepath.Join(r.dir, ".git", "refs", "heads", "broken"), []byte(strings.Repeat("cd", 20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, _, st := scanHistory(t, r.dir, allRefs())
	if len(fs) != 1 || fs[0].Secret != secret(82) {
		t.Errorf("got %v, want the readable c.txt's secret", secretsOf(fs))
	}
	sk := st.Skipped()
	if sk[SkipMissingObject] != 2 || sk[SkipCorruptObject] != 1 {
		t.Errorf("skipped = %v, want 2 missing objects (blob, ref) and 1 corrupt", sk)
	}
	errs, _ := st.Errors()
	joined := strings.Join(errs, "\n")
	for _, want := range []string{"a.txt", blobA, "b.txt", blobB, "refs/heads/broken"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors do not name %s:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, secret(80)) || strings.Contains(joined, secret(81)) {
		t.Error("a secret reached an error message")
	}
}

func TestHistoryPartialClone(t *testing.T) {
	r := newTestRepo(t)
	r.commit("one", map[string]string{"a.txt": "k=" + secret(90) + "\n"})
	r.commit("two", map[string]string{"a.txt": "k=" + secret(91) + "\n"})
	r.git("config", "uploadpack.allowFilter", "true")
	clone := filepath.Join(t.TempDir(), "partial")
	runGit(t, r.dir, 0, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+r.dir, clone)
	fs, res, st := scanHistory(t, clone, allRefs())
	if res.Commits != 2 {
		t.Errorf("commits = %d, want 2", res.Commits)
	}
	if len(fs) != 0 || st.Skipped()[SkipMissingObject] != 2 {
		t.Errorf("partial clone: findings %v, skipped %v; want 2 missing blobs reported", secretsOf(fs), st.Skipped())
	}
}

func TestHistoryCancel(t *testing.T) {
	r := newTestRepo(t)
	r.commit("one", map[string]string{"a.txt": "k=" + secret(95) + "\n"})
	sc, _ := newScanner(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ScanHistory(ctx, r.dir, allRefs(), sc); err != context.Canceled {
		t.Errorf("cancelled scan: err = %v, want context.Canceled", err)
	}
}

func TestHistoryCorruptPackEntry(t *testing.T) {
	r := newTestRepo(t)
	files := map[string]string{}
	for i := 0; i < 6; i++ {
		files[fmt.Sprintf("f%d.txt", i)] = fmt.Sprintf("file %d %s\nk=%s\n", i, strings.Repeat(fmt.Sprint(i*7919), 50), secret(200+i))
	}
	r.commit("files", files)
	r.git("repack", "-adq")
	bad := r.git("rev-parse", "HEAD:f2.txt")
	// Overwrite the compressed bytes of f2.txt's blob inside the pack.
	rp, err := openRepo(r.dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := openPacks(rp, 1<<20, func(err error) { t.Fatal(err) }, false)
	if err != nil || len(ps.packs) != 1 {
		t.Fatalf("packs: %v", err)
	}
	off, ok := ps.packs[0].find(plumbing.NewHash(bad))
	packPath := filepath.Join(r.dir, ".git", ps.packs[0].name)
	ps.close()
	rp.close()
	if !ok {
		t.Fatal("blob not in pack")
	}
	f, err := os.OpenFile(packPath, os.O_RDWR, 0)
	if err != nil {
		os.Chmod(packPath, 0o644)
		if f, err = os.OpenFile(packPath, os.O_RDWR, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 12), off+4); err != nil {
		t.Fatal(err)
	}
	f.Close()

	fs, _, st := scanHistory(t, r.dir, allRefs())
	if len(fs) != 5 || slices.Contains(secretsOf(fs), secret(202)) {
		t.Errorf("got %v, want the 5 readable secrets", secretsOf(fs))
	}
	errs, _ := st.Errors()
	if st.Skipped()[SkipCorruptObject] != 1 || len(errs) != 1 || !strings.Contains(errs[0], "f2.txt") || !strings.Contains(errs[0], bad) {
		t.Errorf("skipped %v, errors %q: want one corrupt object naming f2.txt and %s", st.Skipped(), errs, bad)
	}
}

// TestHistoryPacksAndLooseObjects scans a history spread over two packs and
// loose objects, with delta chains, as a repository that was fetched into
// twice and then committed to looks.
func TestHistoryPacksAndLooseObjects(t *testing.T) {
	r := newTestRepo(t)
	body := strings.Repeat("some stable line of text in a file that changes\n", 40)
	var commits []string
	for i := 0; i < 12; i++ {
		if i == 4 || i == 8 {
			r.git("repack", "-dq") // a new pack with what is loose
		}
		commits = append(commits, r.commit(fmt.Sprint("c", i), map[string]string{
			"big.txt": body + fmt.Sprintf("version %d\n", i) + "k=" + secret(300+i/3) + "\n",
		}))
	}
	packs, _ := filepath.Glob(filepath.Join(r.dir, ".git", "objects", "pack", "*.pack"))
	if len(packs) != 2 {
		t.Fatalf("%d packs, want 2", len(packs))
	}
	fs, res, st := scanHistory(t, r.dir, allRefs())
	if res.Commits != 12 || st.Items.Load() != 12 {
		t.Errorf("commits %d, items %d; want 12 and 12", res.Commits, st.Items.Load())
	}
	if len(fs) != 4 {
		t.Fatalf("got %v, want 4 secrets", secretsOf(fs))
	}
	for _, f := range fs {
		n := 0
		fmt.Sscanf(f.Secret[len(f.Secret)-3:], "%d", &n)
		want := commits[(n-300)*3]
		if f.Git.Commit != want || f.Git.Commits != 3 || f.Git.Blobs != 3 || f.StartLine != 42 {
			t.Errorf("%s: commit %s (%d commits, %d blobs) line %d; want %s, 3, 3, line 42", f.Secret, f.Git.Commit, f.Git.Commits, f.Git.Blobs, f.StartLine, want)
		}
	}
}
