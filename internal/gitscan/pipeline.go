package gitscan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakhound/leakhound/internal/scan"
)

// Diffing commits while the graph is still being read. A commit can be
// diffed as soon as its parents are read (the graph walk reads a commit's
// first parent right after it), so commits are handed to the diff workers
// in chunks of consecutive ones (consecutive commits share most trees,
// which the workers' tree caches keep) while the walk goes on. What they
// introduce is put in topological order once the graph is complete.

// diffJob is a selected commit to diff: its index in the order commits
// were read and the trees of the commit and its parents.
type diffJob struct {
	idx     int32
	tree    plumbing.Hash
	parents []plumbing.Hash
}

// diffPipeline diffs commits as the graph walk finishes them.
type diffPipeline struct {
	ch      chan []diffJob
	wg      sync.WaitGroup
	cur     []diffJob
	commits int

	mu     sync.Mutex
	chunks [][]intro
}

const diffChunkSize = 256

// newDiffPipeline starts workers diff workers reading through their own
// readers.
func newDiffPipeline(ctx context.Context, rp *repo, ps *packSet, st *scan.Stats, workers int) *diffPipeline {
	pl := &diffPipeline{ch: make(chan []diffJob, 4*workers)}
	for w := 0; w < workers; w++ {
		or := newObjReader(ps, rp.newStorage())
		pl.wg.Add(1)
		go func() {
			defer pl.wg.Done()
			tc := newTreeCache(or, 512)
			for jobs := range pl.ch {
				if ctx.Err() != nil {
					continue
				}
				out := diffJobs(ctx, tc, st, jobs)
				pl.mu.Lock()
				pl.chunks = append(pl.chunks, out)
				pl.mu.Unlock()
			}
		}()
	}
	return pl
}

// add queues a commit whose parents are read (see buildGraph).
func (pl *diffPipeline) add(idx int32, n *node, parentTrees []plumbing.Hash) {
	if !n.include {
		return
	}
	pl.commits++
	pl.cur = append(pl.cur, diffJob{idx: idx, tree: n.tree, parents: slices.Clone(parentTrees)})
	if len(pl.cur) == diffChunkSize {
		pl.ch <- pl.cur
		pl.cur = nil
	}
}

// finish waits for the diffs and returns what the commits introduce, in
// topological order (order maps read order to it; nil: the graph was not
// completed).
func (pl *diffPipeline) finish(order []int32) []intro {
	if len(pl.cur) > 0 {
		pl.ch <- pl.cur
		pl.cur = nil
	}
	close(pl.ch)
	pl.wg.Wait()
	if order == nil {
		return nil
	}
	n := 0
	for _, c := range pl.chunks {
		n += len(c)
	}
	out := make([]intro, 0, n)
	for _, c := range pl.chunks {
		for _, in := range c {
			in.commit = order[in.commit]
			out = append(out, in)
		}
	}
	pl.chunks = nil
	// Stable: a commit's intros are in one chunk, in tree order.
	slices.SortStableFunc(out, func(a, b intro) int { return int(a.commit) - int(b.commit) })
	return out
}

// diffJobs diffs commits against their parents and lists what each
// introduces, in order.
func diffJobs(ctx context.Context, tc *treeCache, st *scan.Stats, jobs []diffJob) []intro {
	bad := func(p string, th plumbing.Hash, err error) {
		reason := SkipCorruptObject
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			reason = SkipMissingObject
		}
		if p == "" {
			p = "/"
		}
		st.Error(reason, fmt.Errorf("tree %s at %s: %w", th, p, err))
	}
	var out []intro
	for _, j := range jobs {
		if ctx.Err() != nil {
			return nil
		}
		tc.diff("", j.tree, j.parents, func(p string, e entry) {
			out = append(out, intro{commit: j.idx, mode: e.mode, blob: e.hash, path: p})
		}, bad)
	}
	return out
}
