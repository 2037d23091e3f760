package gitscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

// ChangeOptions select which uncommitted changes ScanChanges reads.
type ChangeOptions struct {
	// Staged scans what is staged for the next commit: the index
	// against HEAD.
	Staged bool
	// Worktree scans working-tree changes not staged yet (the working
	// tree against the index) and untracked files that are not ignored.
	Worktree bool
}

// ChangeResult describes what ScanChanges covered.
type ChangeResult struct {
	// Files is the number of changed files scanned.
	Files int
	// Notes are one-line remarks for the user.
	Notes []string
}

// change is one changed file: its new content and the content it is
// compared with (nil when the file is new).
type change struct {
	path  string
	stage string
	old   []byte
	new   []byte
}

// ScanChanges scans uncommitted changes of the repository at path. Only
// lines the changes add are reported: each changed file is scanned whole
// (so that multi-line secrets and context work), and a finding is kept
// when it overlaps an added line. Staged content is read from the index,
// not the working tree, so partial staging (git add -p) is honoured. It
// works in a repository without commits. Renamed files are compared with
// their old version; deletions add nothing.
func ScanChanges(ctx context.Context, path string, opts ChangeOptions, sc *scan.Scanner) (*ChangeResult, error) {
	rp, err := openRepo(path, 8<<20)
	if err != nil {
		return nil, err
	}
	defer rp.close()
	res := &ChangeResult{}
	idx, err := rp.main.Index()
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("git repository %s: read index: %w", path, err)
		}
		idx = &index.Index{Version: 2}
	}
	// A staged scan reads a few dozen objects: the pack reader opens
	// packs lazily (mapped, without sorting their offsets).
	ps, err := openPacks(rp, 1<<20, func(error) {}, true)
	if err != nil {
		ps = &packSet{cache: newObjCache(1 << 20)}
	}
	defer ps.close()
	or := newObjReader(ps, rp.main)
	tc := newTreeCache(or, 1024)
	var headTree plumbing.Hash
	if ref, err := rp.r.Head(); err == nil {
		c, err := or.commit(ref.Hash())
		if err != nil {
			return nil, fmt.Errorf("git repository %s: HEAD commit %s: %w", path, ref.Hash(), err)
		}
		headTree = c.tree
	} else if !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, fmt.Errorf("git repository %s: HEAD: %w", path, err)
	}
	var changes []change
	if opts.Staged {
		cs, notes, err := stagedChanges(ctx, rp, or, tc, headTree, idx, sc.Stats)
		if err != nil {
			return nil, err
		}
		changes = append(changes, cs...)
		res.Notes = append(res.Notes, notes...)
	}
	if opts.Worktree {
		if rp.wt == nil {
			res.Notes = append(res.Notes, fmt.Sprintf("git repository %s: bare repository, no working tree to scan", path))
		} else {
			cs, err := worktreeChanges(ctx, rp, or, idx, sc.Stats)
			if err != nil {
				return nil, err
			}
			changes = append(changes, cs...)
		}
	}
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Files++
		scanChange(ctx, sc, c)
	}
	return res, nil
}

// stagedChanges lists the files whose index version differs from HEAD's.
func stagedChanges(ctx context.Context, rp *repo, or *objReader, tc *treeCache, headTree plumbing.Hash, idx *index.Index, st *scan.Stats) ([]change, []string, error) {
	var notes []string
	head := map[string]entry{}
	if !headTree.IsZero() {
		if err := flatten(tc, headTree, "", head); err != nil {
			return nil, nil, fmt.Errorf("git repository %s: read HEAD tree: %w", rp.path, err)
		}
	}
	inIndex := map[string]bool{}
	var added []*index.Entry
	var modified []*index.Entry
	for _, e := range idx.Entries {
		// Stage 0 is a merged entry (go-git names it index.Merged but
		// gives it the value 1); 1-3 are the sides of a conflict.
		if e.Stage != 0 {
			if !inIndex[e.Name] {
				notes = append(notes, fmt.Sprintf("%s: unmerged (conflict), not scanned", e.Name))
			}
			inIndex[e.Name] = true
			continue
		}
		inIndex[e.Name] = true
		if e.Mode == filemode.Submodule || e.Mode == filemode.Symlink || e.IntentToAdd {
			continue
		}
		he, ok := head[e.Name]
		switch {
		case !ok:
			added = append(added, e)
		case he.hash != e.Hash:
			modified = append(modified, e)
		}
	}
	// Deleted files are rename candidates for added ones.
	deletedByHash := map[plumbing.Hash]string{}
	deletedByBase := map[string][]string{}
	for p, he := range head {
		if !inIndex[p] {
			deletedByHash[he.hash] = p
			b := path.Base(p)
			deletedByBase[b] = append(deletedByBase[b], p)
		}
	}
	for _, ps := range deletedByBase {
		sort.Strings(ps)
	}
	var out []change
	read := func(h plumbing.Hash, p string) ([]byte, bool) {
		b, err := readBlob(or, h)
		if err != nil {
			reason := SkipCorruptObject
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				reason = SkipMissingObject
			}
			st.Error(reason, fmt.Errorf("%s (blob %s): %w", p, h, err))
			return nil, false
		}
		return b, b != nil
	}
	for _, e := range modified {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		nb, ok := read(e.Hash, e.Name)
		if !ok {
			continue
		}
		ob, _ := read(head[e.Name].hash, e.Name)
		out = append(out, change{path: e.Name, stage: detect.GitStageStaged, old: ob, new: nb})
	}
	for _, e := range added {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if _, ok := deletedByHash[e.Hash]; ok {
			continue // a pure rename adds no line
		}
		nb, ok := read(e.Hash, e.Name)
		if !ok {
			continue
		}
		var ob []byte
		if ps := deletedByBase[path.Base(e.Name)]; len(ps) > 0 {
			// A rename with edits: compare with the deleted file of the
			// same name.
			ob, _ = read(head[ps[0]].hash, ps[0])
			deletedByBase[path.Base(e.Name)] = ps[1:]
		}
		out = append(out, change{path: e.Name, stage: detect.GitStageStaged, old: ob, new: nb})
	}
	return out, notes, nil
}

// flatten lists every entry below tree h into out.
func flatten(tc *treeCache, h plumbing.Hash, prefix string, out map[string]entry) error {
	es, err := tc.get(h)
	if err != nil {
		return fmt.Errorf("tree %s: %w", h, err)
	}
	for _, e := range es {
		p := e.name
		if prefix != "" {
			p = prefix + "/" + e.name
		}
		if e.mode == filemode.Dir {
			if err := flatten(tc, e.hash, p, out); err != nil {
				return err
			}
			continue
		}
		out[p] = e
	}
	return nil
}

// readBlob reads a whole blob.
func readBlob(or *objReader, h plumbing.Hash) ([]byte, error) {
	typ, data, err := or.get(h, 0)
	if err != nil {
		return nil, err
	}
	if typ != plumbing.BlobObject {
		return nil, fmt.Errorf("%w: %s is a %s, not a blob", errCorrupt, h, typ)
	}
	return data, nil
}

// worktreeChanges lists tracked files whose working-tree content differs
// from the index, and untracked files that are not ignored.
func worktreeChanges(ctx context.Context, rp *repo, or *objReader, idx *index.Index, st *scan.Stats) ([]change, error) {
	root := rp.wt.Root()
	var out []change
	tracked := map[string]bool{}
	for _, e := range idx.Entries {
		tracked[e.Name] = true
		if e.Stage != 0 || e.Mode == filemode.Submodule || e.Mode == filemode.Symlink || e.SkipWorktree {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		full := filepath.Join(root, filepath.FromSlash(e.Name))
		fi, err := os.Lstat(full)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted or replaced: adds nothing scannable
		}
		if fi.Size() == int64(e.Size) && fi.ModTime().Equal(e.ModifiedAt) && !e.IntentToAdd {
			continue // unchanged by stat, as git decides
		}
		nb, err := os.ReadFile(full)
		if err != nil {
			st.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", e.Name, unwrapPath(err)))
			continue
		}
		if plumbing.ComputeHash(plumbing.BlobObject, nb) == e.Hash {
			continue
		}
		var ob []byte
		if !e.IntentToAdd {
			ob, err = readBlob(or, e.Hash)
			if err != nil {
				st.Error(SkipMissingObject, fmt.Errorf("%s (blob %s): %w", e.Name, e.Hash, err))
			}
		}
		out = append(out, change{path: e.Name, stage: detect.GitStageWorktree, old: ob, new: nb})
	}
	// Untracked files.
	ps, _ := gitignore.ReadPatterns(rp.wt, nil)
	if ex, err := os.ReadFile(filepath.Join(rp.dot.Root(), "info", "exclude")); err == nil {
		for _, l := range strings.Split(string(ex), "\n") {
			l = strings.TrimRight(l, "\r")
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") {
				ps = append(ps, gitignore.ParsePattern(l, nil))
			}
		}
	}
	m := gitignore.NewMatcher(ps)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			st.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", p, unwrapPath(err)))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		parts := strings.Split(rel, "/")
		if d.IsDir() {
			if d.Name() == ".git" || m.Match(parts, true) {
				return filepath.SkipDir
			}
			return nil
		}
		if tracked[rel] || !d.Type().IsRegular() || m.Match(parts, false) {
			return nil
		}
		nb, err := os.ReadFile(p)
		if err != nil {
			st.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", rel, unwrapPath(err)))
			return nil
		}
		out = append(out, change{path: rel, stage: detect.GitStageWorktree, new: nb})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// scanChange scans the new content of a change and emits the findings
// that overlap lines the change adds. Findings inside archives are all
// kept: a changed archive is new as a whole.
func scanChange(ctx context.Context, sc *scan.Scanner, c change) {
	if bytes.HasPrefix(c.new, lfsPrefix) && len(c.new) < 1024 {
		sc.Stats.SkipItem(SkipLFSPointer, c.path)
		return
	}
	var added []bool
	var found []detect.Finding
	cs := *sc
	cs.Emit = func(f detect.Finding) { found = append(found, f) }
	loc := detect.Location{Source: detect.SourceGit, Path: c.path}
	if err := cs.ScanItem(ctx, loc, bytes.NewReader(c.new), int64(len(c.new))); err != nil {
		if ctx.Err() == nil {
			sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", c.path, err))
		}
		return
	}
	for _, f := range found {
		if f.Path == c.path {
			if added == nil {
				added = addedLines(c.old, c.new)
			}
			if !overlaps(added, f.StartLine, f.EndLine) {
				continue
			}
		}
		f.Git = &detect.GitInfo{Stage: c.stage}
		sc.Emit(f)
	}
}

// overlaps reports whether any line from start to end is added.
func overlaps(added []bool, start, end int) bool {
	for l := max(start, 1); l <= end && l < len(added); l++ {
		if added[l] {
			return true
		}
	}
	return false
}
