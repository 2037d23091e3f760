package gitscan

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/leakhound/leakhound/internal/gitscan/gitgen"
	"github.com/leakhound/leakhound/internal/scan"
)

// refDiff is treeCache.diff written plainly on parsed entries: every
// entry of cur whose (name, kind) has another hash in every parent.
func refDiff(t *testing.T, tc *treeCache, prefix string, cur plumbing.Hash, parents []plumbing.Hash, out *[]string) {
	es, err := tc.get(cur)
	if err != nil {
		t.Fatal(err)
	}
	var pes [][]entry
	for _, p := range parents {
		x, err := tc.get(p)
		if err != nil {
			t.Fatal(err)
		}
		pes = append(pes, x)
	}
	for _, e := range es {
		isDir := e.mode == filemode.Dir
		same := false
		var sub []plumbing.Hash
		for _, x := range pes {
			pe, ok := lookup(x, e.name)
			if !ok || (pe.mode == filemode.Dir) != isDir {
				continue
			}
			if pe.hash == e.hash {
				same = true
				break
			}
			if isDir {
				sub = append(sub, pe.hash)
			}
		}
		if same {
			continue
		}
		p := e.name
		if prefix != "" {
			p = prefix + "/" + e.name
		}
		if isDir {
			refDiff(t, tc, p, e.hash, sub, out)
			continue
		}
		*out = append(*out, fmt.Sprintf("%s %o %s", p, e.mode, e.hash))
	}
}

// checkTreeDiffs compares, for every commit of the repository, what
// treeCache.diff reports with refDiff.
func checkTreeDiffs(t *testing.T, dir string) {
	t.Helper()
	rp, err := openRepo(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rp.close()
	ps, err := openPacks(rp, 1<<20, func(err error) { t.Error(err) }, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.close()
	st := &scan.Stats{}
	tips, err := refTips(rp, st, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := buildGraph(context.Background(), rp, newObjReader(ps, rp.main), st, selection{tips: tips}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tc := newTreeCache(newObjReader(ps, rp.newStorage()), 64)
	ref := newTreeCache(newObjReader(ps, rp.newStorage()), 64)
	merges := 0
	for _, n := range g.nodes {
		var parents []plumbing.Hash
		for _, p := range n.parents {
			parents = append(parents, g.nodes[p].tree)
		}
		if len(parents) > 1 {
			merges++
		}
		var got, want []string
		tc.diff("", n.tree, parents, func(p string, e entry) {
			got = append(got, fmt.Sprintf("%s %o %s", p, e.mode, e.hash))
		}, func(p string, h plumbing.Hash, err error) { t.Fatalf("%s %s: %v", p, h, err) })
		if !slices.Contains(parents, n.tree) {
			refDiff(t, ref, "", n.tree, parents, &want)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("commit %s:\n got %q\nwant %q", n.hash, got, want)
		}
	}
	if len(g.nodes) < 10 || merges == 0 {
		t.Fatalf("%d commits, %d merges: the repository does not exercise the diff", len(g.nodes), merges)
	}
}

// TestTreeDiffMatchesEntryDiff checks the raw tree diff (common prefix and
// suffix skipped with one parent, merged walk with several) against a
// plain diff of parsed entries: on edge cases (names that are prefixes of
// others, a file becoming a directory, entries added and removed at the
// start and the end, merges, reverts) and on a generated history.
func TestTreeDiffMatchesEntryDiff(t *testing.T) {
	t.Run("edges", func(t *testing.T) {
		r := newTestRepo(t)
		r.commit("init", map[string]string{"a": "1", "foo": "f", "foo.c": "c", "foo-x/y": "y", "m/n/o": "o", "z": "z"})
		r.commit("first changes", map[string]string{"a": "2"})
		r.commit("last changes", map[string]string{"z": "3"})
		r.commit("add first", map[string]string{"0": "0"})
		r.commit("add last", map[string]string{"zz": "zz"})
		r.commit("remove first", map[string]string{"0": ""})
		r.commit("file to dir", map[string]string{"foo": "", "foo/bar": "b"})
		r.commit("deep", map[string]string{"m/n/o": "o2", "m/n/p": "p"})
		r.git("checkout", "-q", "-b", "side", "HEAD~3")
		r.commit("side", map[string]string{"foo.c": "c2", "m/n/o": "o3", "b": "b"})
		r.git("checkout", "-q", "main")
		r.tick++
		r.git("merge", "-q", "--no-edit", "-X", "ours", "side")
		r.commit("evil", map[string]string{"m/n/q": "q"})
		r.write(map[string]string{"foo/bar": ""})
		if err := os.Remove(filepath.Join(r.dir, "foo")); err != nil {
			t.Fatal(err)
		}
		r.commit("dir to file", map[string]string{"foo": "f"})
		r.commit("revert", map[string]string{"a": "1", "z": "z"})
		r.commit("same tree", nil)
		r.git("repack", "-adfq")
		checkTreeDiffs(t, r.dir)
	})
	t.Run("generated", func(t *testing.T) {
		needGit(t)
		dir := t.TempDir()
		runGit(t, dir, 0, "init", "-q", "-b", "main")
		cmd := exec.Command("git", "fast-import", "--quiet")
		cmd.Dir = dir
		var in strings.Builder
		if _, err := gitgen.Write(&in, gitgen.Config{Commits: 400, Files: 150, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		cmd.Stdin = strings.NewReader(in.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("fast-import: %v\n%s", err, out)
		}
		runGit(t, dir, 0, "repack", "-adfq")
		checkTreeDiffs(t, dir)
	})
}
