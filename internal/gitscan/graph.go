package gitscan

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakhound/leakhound/internal/scan"
)

// Skip reasons specific to git scans (keys of scan.Stats' skip counts).
const (
	SkipMissingObject = "missing object"
	SkipCorruptObject = "corrupt object"
	SkipLFSPointer    = "lfs pointer"
	SkipSubmodule     = "submodule"
	SkipBadRef        = "bad ref"
)

// node is one commit of the graph. Only what the walk needs is kept; author
// and message are read again for the few commits that get findings.
type node struct {
	hash    plumbing.Hash
	tree    plumbing.Hash
	parents []int32 // indices of parents present in the graph
	when    int64   // committer time, Unix seconds
	include bool    // in the selected range (else only a diff base)
}

// graph is the selected part of the commit graph in topological order,
// parents before children.
type graph struct {
	nodes []node
	index map[plumbing.Hash]int32
	// truncated is set when a parent is missing because the clone is
	// shallow.
	truncated bool
	// readOrder maps the order in which commits were read to their
	// index in nodes (set when buildGraph was given ready).
	readOrder []int32
}

// tip is a starting point of the walk.
type tip struct {
	name string
	hash plumbing.Hash
}

// refTips lists the commits that refs point to. With all, every branch,
// tag, remote-tracking ref, the stash and HEAD; else HEAD only. Refs that
// point to missing objects or to non-commits are reported and skipped.
func refTips(rp *repo, st *scan.Stats, all bool, branches []string) ([]tip, error) {
	var out []tip
	if len(branches) > 0 {
		for _, b := range branches {
			h, err := resolveRev(rp, b)
			if err != nil {
				return nil, err
			}
			out = append(out, tip{name: b, hash: h})
		}
		return out, nil
	}
	head, err := rp.r.Head()
	switch {
	case err == nil:
		out = append(out, tip{name: "HEAD", hash: head.Hash()})
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		// Unborn HEAD: an empty repository, or HEAD on a branch with
		// no commits yet.
	default:
		st.Error(SkipBadRef, fmt.Errorf("HEAD: %w", err))
	}
	if !all {
		return out, nil
	}
	iter, err := rp.main.IterReferences()
	if err != nil {
		return nil, fmt.Errorf("git repository %s: list refs: %w", rp.path, err)
	}
	defer iter.Close()
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() != plumbing.HashReference {
			return nil
		}
		name := ref.Name().String()
		if !strings.HasPrefix(name, "refs/") {
			return nil
		}
		out = append(out, tip{name: name, hash: ref.Hash()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("git repository %s: list refs: %w", rp.path, err)
	}
	return out, nil
}

// resolveRev resolves a branch, tag, remote ref or commit SHA (full or
// abbreviated) to a commit hash.
func resolveRev(rp *repo, rev string) (plumbing.Hash, error) {
	h, err := rp.r.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git repository %s: revision %q: %w", rp.path, rev, err)
	}
	return *h, nil
}

// selection says which commits to scan.
type selection struct {
	tips     []tip
	exclude  []plumbing.Hash // commits reachable from these are not scanned
	since    time.Time
	until    time.Time
	maxCount int
}

// buildGraph walks the commit graph from the tips, stopping at commits
// reachable from the excluded ones, and returns it in topological order.
// Missing and corrupt commits are reported in st and the walk goes on.
// ready, when not nil, is told of each commit as soon as its parents are
// read, with its index in the order commits are read (see
// graph.readOrder) and its parents' trees (the slice is reused).
func buildGraph(ctx context.Context, rp *repo, or *objReader, st *scan.Stats, sel selection, ready func(idx int32, n *node, parentTrees []plumbing.Hash)) (*graph, error) {
	// Commits lie together in packs, newest first: read them through a
	// window.
	or.windowed = 64 << 10
	defer func() { or.windowed = 0 }()
	shallow := map[plumbing.Hash]bool{}
	if hs, err := rp.main.Shallow(); err == nil {
		for _, h := range hs {
			shallow[h] = true
		}
	}
	g := &graph{index: map[plumbing.Hash]int32{}}

	// Commits reachable from excluded ones: walked first, kept only as
	// diff bases.
	excluded := map[plumbing.Hash]bool{}
	stack := append([]plumbing.Hash(nil), sel.exclude...)
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if excluded[h] {
			continue
		}
		excluded[h] = true
		c, err := or.commit(h)
		if err != nil {
			continue
		}
		if !shallow[h] {
			stack = append(stack, c.parents...)
		}
	}

	// Depth-first post-order walk from the tips: a commit is appended
	// after all its parents, so the order is topological, oldest first.
	type frame struct {
		idx     int32
		parents []plumbing.Hash
		next    int
	}
	visiting := map[plumbing.Hash]bool{}
	var frames []frame
	read := map[plumbing.Hash]int32{} // commits read: index in g.nodes
	var trees []plumbing.Hash
	// readyNode tells ready of node idx, whose parents are all read.
	readyNode := func(idx int32, parents []plumbing.Hash) {
		trees = trees[:0]
		for _, p := range parents {
			if pi, ok := read[p]; ok {
				trees = append(trees, g.nodes[pi].tree)
			}
		}
		ready(idx, &g.nodes[idx], trees)
	}
	// visit reads commit h and pushes it; it returns false if h is
	// already in the graph, being visited, or unreadable.
	visit := func(h plumbing.Hash, from string) bool {
		if _, ok := g.index[h]; ok || visiting[h] {
			return false
		}
		c, err := or.commit(h)
		if err != nil {
			reason := SkipCorruptObject
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				reason = SkipMissingObject
			}
			st.Error(reason, fmt.Errorf("%s: commit %s: %w", from, h, err))
			visiting[h] = true // report once
			return false
		}
		visiting[h] = true
		n := node{hash: h, tree: c.tree, when: c.committed.Unix(), include: !excluded[h]}
		if n.include && !sel.since.IsZero() && c.committed.Before(sel.since) {
			n.include = false
		}
		if n.include && !sel.until.IsZero() && c.committed.After(sel.until) {
			n.include = false
		}
		var parents []plumbing.Hash
		switch {
		case excluded[h]:
			// A diff base only: its parents are not needed.
		case shallow[h]:
			if len(c.parents) > 0 {
				g.truncated = true
			}
		default:
			parents = c.parents
		}
		g.nodes = append(g.nodes, n)
		// The index is set when the node is finished; until then
		// visiting guards against cycles in corrupt graphs.
		idx := int32(len(g.nodes) - 1)
		frames = append(frames, frame{idx: idx, parents: parents})
		if ready != nil {
			read[h] = idx
			if len(parents) == 0 {
				readyNode(idx, nil)
			}
		}
		return true
	}
	// Nodes are appended on visit; order records the post-order.
	var order []int32
	for _, t := range sel.tips {
		h, ok, err := or.peel(t.hash)
		if err != nil {
			reason := SkipBadRef
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				reason = SkipMissingObject
			}
			st.Error(reason, fmt.Errorf("ref %s: object %s: %w", t.name, t.hash, err))
			continue
		}
		if !ok {
			continue // a tag of a tree or blob: not history
		}
		if !visit(h, "ref "+t.name) {
			continue
		}
		for len(frames) > 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			fi := len(frames) - 1
			f := &frames[fi]
			if f.next < len(f.parents) {
				p := f.parents[f.next]
				f.next++
				last := f.next == len(f.parents)
				visit(p, "parent of "+g.nodes[f.idx].hash.String())
				if last && ready != nil {
					// visit may have grown frames: index it again.
					readyNode(frames[fi].idx, frames[fi].parents)
				}
				continue
			}
			n := &g.nodes[f.idx]
			for _, p := range f.parents {
				if pi, ok := g.index[p]; ok {
					n.parents = append(n.parents, pi)
				}
			}
			g.index[n.hash] = f.idx
			order = append(order, f.idx)
			frames = frames[:len(frames)-1]
		}
	}
	// Reorder nodes into post-order and remap parent indices.
	remap := make([]int32, len(g.nodes))
	for newIdx, old := range order {
		remap[old] = int32(newIdx)
	}
	nodes := make([]node, len(order))
	for newIdx, old := range order {
		n := g.nodes[old]
		for i, p := range n.parents {
			n.parents[i] = remap[p]
		}
		nodes[newIdx] = n
		g.index[n.hash] = int32(newIdx)
	}
	g.nodes = nodes
	if ready != nil {
		g.readOrder = remap
	}
	if sel.maxCount > 0 {
		// Keep the newest maxCount selected commits.
		kept := 0
		for i := len(g.nodes) - 1; i >= 0; i-- {
			if !g.nodes[i].include {
				continue
			}
			if kept >= sel.maxCount {
				g.nodes[i].include = false
				continue
			}
			kept++
		}
	}
	return g, nil
}

// sortTips orders tips so that HEAD and branches come first: the walk
// order decides which of two unrelated commits counts as "first".
func sortTips(ts []tip) {
	rank := func(n string) int {
		switch {
		case n == "HEAD":
			return 0
		case strings.HasPrefix(n, "refs/heads/"):
			return 1
		case strings.HasPrefix(n, "refs/remotes/"):
			return 2
		case strings.HasPrefix(n, "refs/tags/"):
			return 3
		}
		return 4
	}
	sort.SliceStable(ts, func(i, j int) bool { return rank(ts[i].name) < rank(ts[j].name) })
}
