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
//
// Commits are read newest first by committer date, as git rev-list does
// (a merge's parents are read together, so that side branches are read,
// and diffed, next to the commits of the same time, whose trees they
// share); the topological order is then computed on the commits in memory.
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
	g := &graph{}
	var slab []plumbing.Hash // parents of the commits read (see commitHeader)

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
		c, s, err := or.commitHeader(h, slab[:0])
		slab = s
		if err != nil {
			continue
		}
		if !shallow[h] {
			stack = append(stack, c.parents...)
		}
	}
	slab = nil

	// Read every commit reachable from the tips, newest first. nodes are
	// in read order, with the parents the walk follows from each; at maps
	// a commit read to its index in nodes, or to -1-i for the i-th
	// unreadable one (fails).
	var nodes readNodes
	at := map[plumbing.Hash]int32{}
	var fails []error
	var queue commitQueue
	read := func(h plumbing.Hash) int32 {
		if i, ok := at[h]; ok {
			return i
		}
		if len(slab) == cap(slab) {
			slab = make([]plumbing.Hash, 0, 4096)
		}
		c, s, err := or.commitHeader(h, slab)
		slab = s
		if err != nil {
			at[h] = -1 - int32(len(fails))
			fails = append(fails, err)
			return -1
		}
		n := node{hash: h, tree: c.tree, when: c.committed, include: !excluded[h]}
		committed := time.Unix(c.committed, 0)
		if n.include && !sel.since.IsZero() && committed.Before(sel.since) {
			n.include = false
		}
		if n.include && !sel.until.IsZero() && committed.After(sel.until) {
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
		i := nodes.add(n, parents)
		at[h] = i
		queue.push(&nodes, i)
		return i
	}
	type peeled struct {
		hash plumbing.Hash
		ok   bool
		err  error
	}
	tips := make([]peeled, len(sel.tips))
	for ti, t := range sel.tips {
		h, ok, err := or.peel(t.hash)
		tips[ti] = peeled{h, ok, err}
		if err == nil && ok {
			read(h)
		}
	}
	var trees []plumbing.Hash
	for n := 0; len(queue.h) > 0; n++ {
		if n&255 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		i := queue.pop(&nodes)
		trees = trees[:0]
		for _, p := range nodes.at(i).walk {
			if j := read(p); j >= 0 {
				trees = append(trees, nodes.at(j).tree)
			}
		}
		if ready != nil {
			ready(i, &nodes.at(i).node, trees)
		}
	}

	// Depth-first post-order walk from the tips: a commit is appended
	// after all its parents, so the order is topological, oldest first.
	const (
		unseen = iota
		visiting
		done
	)
	state := make([]uint8, nodes.n)
	reported := make([]bool, len(fails))
	type frame struct {
		idx  int32
		next int
	}
	var frames []frame
	// visit pushes commit h, reached from child (a node index) or from
	// the ref named ref (child < 0); it returns false if h is already in
	// the graph, being visited, or unreadable (reported once).
	visit := func(h plumbing.Hash, child int32, ref string) bool {
		i, ok := at[h]
		if !ok {
			return false
		}
		if i < 0 {
			f := -1 - i
			if !reported[f] {
				reported[f] = true
				from := "ref " + ref
				if child >= 0 {
					from = "parent of " + nodes.at(child).hash.String()
				}
				reason := SkipCorruptObject
				if errors.Is(fails[f], plumbing.ErrObjectNotFound) {
					reason = SkipMissingObject
				}
				st.Error(reason, fmt.Errorf("%s: commit %s: %w", from, h, fails[f]))
			}
			return false
		}
		if state[i] != unseen {
			return false
		}
		// The node is finished when its parents are; until then
		// visiting guards against cycles in corrupt graphs.
		state[i] = visiting
		frames = append(frames, frame{idx: i})
		return true
	}
	order := make([]int32, 0, nodes.n) // node indices in post-order
	for ti, t := range sel.tips {
		tp := tips[ti]
		if tp.err != nil {
			reason := SkipBadRef
			if errors.Is(tp.err, plumbing.ErrObjectNotFound) {
				reason = SkipMissingObject
			}
			st.Error(reason, fmt.Errorf("ref %s: object %s: %w", t.name, t.hash, tp.err))
			continue
		}
		if !tp.ok {
			continue // a tag of a tree or blob: not history
		}
		if !visit(tp.hash, -1, t.name) {
			continue
		}
		for len(frames) > 0 {
			if len(order)&255 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			f := &frames[len(frames)-1]
			rn := nodes.at(f.idx)
			ps := rn.walk
			if f.next < len(ps) {
				p := ps[f.next]
				f.next++
				visit(p, f.idx, "")
				continue
			}
			n := &rn.node
			for _, p := range ps {
				if pi, ok := at[p]; ok && pi >= 0 && state[pi] == done {
					n.parents = append(n.parents, pi)
				}
			}
			state[f.idx] = done
			order = append(order, f.idx)
			frames = frames[:len(frames)-1]
		}
	}
	// Reorder nodes into post-order and remap parent indices.
	remap := make([]int32, nodes.n)
	for newIdx, old := range order {
		remap[old] = int32(newIdx)
	}
	g.nodes = make([]node, len(order))
	for newIdx, old := range order {
		n := nodes.at(old).node
		for i, p := range n.parents {
			n.parents[i] = remap[p]
		}
		g.nodes[newIdx] = n
	}
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

// readNode is a commit read by buildGraph and the parents its walk
// follows.
type readNode struct {
	node
	walk []plumbing.Hash
}

// readNodes holds the commits read, in chunks so that it grows without
// copying (copying tens of MB into fresh memory costs more than reading
// the commits).
type readNodes struct {
	chunks [][]readNode
	n      int32
}

const readChunk = 4096

func (s *readNodes) add(n node, walk []plumbing.Hash) int32 {
	if s.n%readChunk == 0 {
		s.chunks = append(s.chunks, make([]readNode, 0, readChunk))
	}
	c := &s.chunks[len(s.chunks)-1]
	*c = append(*c, readNode{n, walk})
	s.n++
	return s.n - 1
}

func (s *readNodes) at(i int32) *readNode { return &s.chunks[i/readChunk][i%readChunk] }

// commitQueue orders the commits to expand by committer date, newest
// first, then in the order they were read: a binary heap of node indices.
type commitQueue struct{ h []int32 }

func queueLess(nodes *readNodes, a, b int32) bool {
	if wa, wb := nodes.at(a).when, nodes.at(b).when; wa != wb {
		return wa > wb
	}
	return a < b
}

func (q *commitQueue) push(nodes *readNodes, i int32) {
	q.h = append(q.h, i)
	for j := len(q.h) - 1; j > 0; {
		p := (j - 1) / 2
		if !queueLess(nodes, q.h[j], q.h[p]) {
			break
		}
		q.h[j], q.h[p] = q.h[p], q.h[j]
		j = p
	}
}

func (q *commitQueue) pop(nodes *readNodes) int32 {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h = q.h[:last]
	for j := 0; ; {
		l := 2*j + 1
		if l >= last {
			break
		}
		m := l
		if r := l + 1; r < last && queueLess(nodes, q.h[r], q.h[l]) {
			m = r
		}
		if !queueLess(nodes, q.h[m], q.h[j]) {
			break
		}
		q.h[j], q.h[m] = q.h[m], q.h[j]
		j = m
	}
	return top
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
