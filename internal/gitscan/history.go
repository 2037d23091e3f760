package gitscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

// Options select what a history scan reads.
type Options struct {
	// Branches limits the scan to commits reachable from these revisions
	// (branch, tag, remote ref or SHA). Empty: every ref, or HEAD only
	// when AllRefs is false or a range is given.
	Branches []string
	// AllRefs scans commits reachable from every ref (branches, tags,
	// remote-tracking refs, the stash) and HEAD. When false, HEAD only.
	AllRefs bool
	// Commits is a range "A..B": commits reachable from B and not from A.
	// An empty A or B means HEAD.
	Commits string
	// SinceCommit scans commits reachable from the tips but not from it
	// (SinceCommit..HEAD).
	SinceCommit string
	// Since and Until bound the committer date of scanned commits (zero:
	// no bound).
	Since, Until time.Time
	// MaxCommits scans only the newest N selected commits (0: all).
	MaxCommits int
	// Workers is the number of blobs read and scanned at once (default
	// NumCPU).
	Workers int
	// CacheBytes bounds the cache of decoded trees and delta bases
	// (default 8 MiB).
	CacheBytes int64

	// wholeBlobs scans every file version whole (for tests).
	wholeBlobs bool
	// lineDiff diffs versions by lines even where a delta tells (for
	// tests).
	lineDiff bool
}

// Result describes what a scan covered, for the command's summary.
type Result struct {
	// Commits is the number of commits whose changes were scanned.
	Commits int
	// Blobs is the number of (blob, path) pairs scanned.
	Blobs int
	// Truncated is set for shallow clones: history before the shallow
	// boundary is missing, and files present at the boundary are
	// attributed to the boundary commit.
	Truncated bool
	// Submodules lists submodule paths seen (not recursed into).
	Submodules []string
	// Notes are one-line remarks for the user (truncated history, empty
	// repository).
	Notes []string

	// partial counts the items scanned against another version of the
	// file (for tests).
	partial int
}

// item is one (blob, path) pair to scan, with the first commit (in
// topological order) that introduced it.
type item struct {
	blob   plumbing.Hash
	path   string
	commit int32 // node index
	intros int32 // commits that introduced this blob at this path
}

type itemKey struct {
	blob plumbing.Hash
	path string
}

// ScanHistory scans the history of the repository at path: every file
// version introduced by a selected commit, each (blob, path) pair once,
// in parallel. Findings reach sc.Emit after the scan, one per secret per
// path, with git provenance. Problems with single objects or refs are
// counted in sc.Stats and the scan goes on; an error is returned only when
// the repository cannot be opened or a revision cannot be resolved.
func ScanHistory(ctx context.Context, path string, opts Options, sc *scan.Scanner) (*Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	rp, err := openRepo(path, opts.CacheBytes)
	if err != nil {
		return nil, err
	}
	defer rp.close()

	sel := selection{since: opts.Since, until: opts.Until, maxCount: opts.MaxCommits}
	ranged := opts.Commits != "" || opts.SinceCommit != ""
	var tips []tip
	if opts.Commits != "" {
		a, b, ok := strings.Cut(opts.Commits, "..")
		if !ok || strings.Contains(b, "..") {
			return nil, fmt.Errorf("--commits %q: want a range A..B", opts.Commits)
		}
		b = strings.TrimPrefix(b, ".") // A...B is read as A..B
		if a == "" {
			a = "HEAD"
		}
		if b == "" {
			b = "HEAD"
		}
		ah, err := resolveRev(rp, a)
		if err != nil {
			return nil, err
		}
		bh, err := resolveRev(rp, b)
		if err != nil {
			return nil, err
		}
		sel.exclude = append(sel.exclude, ah)
		tips = append(tips, tip{name: b, hash: bh})
	}
	if opts.SinceCommit != "" {
		h, err := resolveRev(rp, opts.SinceCommit)
		if err != nil {
			return nil, err
		}
		sel.exclude = append(sel.exclude, h)
	}
	if tips == nil {
		tips, err = refTips(rp, sc.Stats, opts.AllRefs && !ranged, opts.Branches)
		if err != nil {
			return nil, err
		}
	}
	sortTips(tips)
	sel.tips = tips

	res := &Result{}
	ps, err := openPacks(rp, rp.cacheBytes, func(err error) { sc.Stats.Error(SkipCorruptObject, err) }, false)
	if err != nil {
		return nil, err
	}
	defer ps.close()
	walker := newObjReader(ps, rp.main)
	var pl *diffPipeline
	var ready func(int32, *node, []plumbing.Hash)
	if sel.maxCount == 0 {
		// Diff commits while the graph is read (--max-commits decides
		// which commits are selected only at the end).
		pl = newDiffPipeline(ctx, rp, ps, sc.Stats, opts.Workers)
		ready = pl.add
	}
	g, err := buildGraph(ctx, rp, walker, sc.Stats, sel, ready)
	var diffed []intro
	if pl != nil {
		var order []int32
		if err == nil {
			order = g.readOrder
		}
		diffed = pl.finish(order)
	}
	if err != nil {
		return nil, err
	}
	res.Truncated = g.truncated
	if g.truncated {
		res.Notes = append(res.Notes, "shallow clone: history is truncated; files present at the oldest fetched commits are attributed to them")
	}
	if len(g.nodes) == 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("git repository %s: no commits to scan", path))
		return res, nil
	}

	if pl != nil {
		res.Commits = pl.commits
	}
	h := &history{rp: rp, ps: ps, or: walker, g: g, sc: sc, opts: opts, res: res, diffed: diffed, preDiffed: pl != nil,
		seen: map[itemKey]int32{}, aggs: map[aggKey]*agg{}, subs: map[string]bool{}}
	err = h.run(ctx)
	// Report what was found even when the scan was cut short (timeout,
	// Ctrl-C): the report is then marked incomplete by the caller.
	h.emit(context.WithoutCancel(ctx))
	return res, err
}

// history is one history scan in progress.
type history struct {
	rp   *repo
	ps   *packSet
	or   *objReader // the walker's
	g    *graph
	sc   *scan.Scanner
	opts Options
	res  *Result

	// diffed is what the selected commits introduce, in order, when they
	// were diffed while the graph was read.
	diffed    []intro
	preDiffed bool

	// headers are the object headers of each pack (see run).
	headers []packHeadersResult

	// Written by the walker only.
	items []item
	seen  map[itemKey]int32
	subs  map[string]bool

	// incremental enables scanning only what changed from an item's
	// previous version; pathRule names the rules that report paths.
	incremental bool
	pathRule    map[string]bool
	// commitHex is the hex name of each commit that introduced items.
	commitHex []string
	partial   atomic.Int64

	mu   sync.Mutex
	aggs map[aggKey]*agg
	// hits remembers which scanned items held findings, for the
	// present-at-HEAD check.
	hits map[int32][]string // item -> fingerprints found
}

// aggKey groups the findings of one secret at one path: the n-th
// occurrence of a fingerprint in a version of the file.
type aggKey struct {
	fp   string
	path string
	occ  int
}

// agg is one reported finding and the versions it was seen in.
type agg struct {
	f     detect.Finding
	first int32 // item whose finding f is
	items []int32
}

// packHeadersResult is a pack's headers, or why they could not be read.
type packHeadersResult struct {
	hs  *packHeaders
	err error
}

// itemFindings are the findings of an item.
type itemFindings struct {
	id int32
	fs []detect.Finding
}

// run walks the graph, diffs every selected commit against its parents to
// list the (blob, path) pairs to scan, then decodes and scans them on a
// pool of workers.
func (h *history) run(ctx context.Context) error {
	// The packs' object headers, which the blob phase needs, are read
	// while the walk lists the items (both take one core).
	h.headers = make([]packHeadersResult, len(h.ps.packs))
	var hwg sync.WaitGroup
	hwg.Add(1)
	go func() {
		defer hwg.Done()
		for pi, p := range h.ps.packs {
			if ctx.Err() != nil {
				return
			}
			hs, err := p.headers()
			h.headers[pi] = packHeadersResult{hs, err}
		}
	}()
	defer hwg.Wait()
	if err := h.walk(ctx); err != nil {
		return err
	}
	h.res.Blobs = len(h.items)
	// Free what only the walk needed: the dedup map and the cached
	// trees (the blob phase decodes along delta trees, not through the
	// cache).
	h.seen = nil
	h.ps.cache.reset()
	h.incremental = !h.opts.wholeBlobs && incrementalOK(h.sc.Engine)
	h.pathRule = map[string]bool{}
	for _, r := range h.sc.Engine.Rules() {
		if r.Path != "" && r.Regex == "" {
			h.pathRule[r.ID] = true
		}
	}
	h.commitHex = make([]string, len(h.g.nodes))
	for i := range h.items {
		if c := h.items[i].commit; h.commitHex[c] == "" {
			h.commitHex[c] = h.g.nodes[c].hash.String()
		}
	}
	hwg.Wait()
	err := h.scanAll(ctx)
	h.res.partial = int(h.partial.Load())
	return err
}

// incrementalOK reports whether findings of a file version's unchanged
// lines can be taken from the previous version: not when the content of
// one place decides about findings elsewhere (composite rules) or when
// allowlists depend on the commit.
func incrementalOK(e *detect.Engine) bool {
	if e.CommitDependent() {
		return false
	}
	for _, r := range e.Rules() {
		if len(r.Required) > 0 || r.SkipReport {
			return false
		}
	}
	return true
}

// intro is a file a commit introduces.
type intro struct {
	commit int32
	mode   filemode.FileMode
	blob   plumbing.Hash
	path   string
}

// walk diffs every selected commit against its parents and records each
// (blob, path) pair once, with the first commit (in topological order)
// that introduced it. The diffs run in parallel on contiguous ranges of
// commits, each with its own tree cache; the results are merged in order.
func (h *history) walk(ctx context.Context) error {
	var parts [][]intro
	if h.preDiffed {
		// Diffed while the graph was read.
		parts = append(parts, h.diffed)
		h.diffed = nil
	} else {
		var sel []diffJob
		for i := range h.g.nodes {
			n := &h.g.nodes[i]
			if !n.include {
				continue
			}
			j := diffJob{idx: int32(i), tree: n.tree}
			for _, p := range n.parents {
				j.parents = append(j.parents, h.g.nodes[p].tree)
			}
			sel = append(sel, j)
		}
		h.res.Commits = len(sel)
		k := h.opts.Workers
		if k > len(sel)/64+1 {
			k = len(sel)/64 + 1
		}
		parts = make([][]intro, k)
		var wg sync.WaitGroup
		for w := 0; w < k; w++ {
			lo, hi := len(sel)*w/k, len(sel)*(w+1)/k
			or := h.or
			if w > 0 {
				or = newObjReader(h.ps, h.rp.newStorage())
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				parts[w] = diffJobs(ctx, newTreeCache(or, 512), h.sc.Stats, sel[lo:hi])
			}()
		}
		wg.Wait()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	n := 0
	for _, part := range parts {
		n += len(part)
	}
	// At most one item per intro: grow once.
	h.items = make([]item, 0, n)
	for _, part := range parts {
		for _, in := range part {
			switch in.mode {
			case filemode.Submodule:
				if !h.subs[in.path] {
					h.subs[in.path] = true
					h.res.Submodules = append(h.res.Submodules, in.path)
					h.sc.Stats.SkipItem(SkipSubmodule, in.path)
				}
				continue
			case filemode.Symlink:
				continue
			}
			key := itemKey{blob: in.blob, path: in.path}
			if id, ok := h.seen[key]; ok {
				h.items[id].intros++
				continue
			}
			h.seen[key] = int32(len(h.items))
			h.items = append(h.items, item{blob: in.blob, path: in.path, commit: in.commit, intros: 1})
		}
	}
	return nil
}

// scanAll decodes every listed blob once and scans it for each of its
// paths. Blobs in packs are decoded along their delta trees (see
// forest.go); others (loose objects, alternates) one by one.
func (h *history) scanAll(ctx context.Context) error {
	// Locate each item's blob: wanted[pack][object] is the first item
	// wanting it, next chains the others (the same blob at other paths).
	next := make([]int32, len(h.items))
	wanted := make([][]int32, len(h.ps.packs))
	single := map[plumbing.Hash]int32{} // blobs not in a pack
	for id := len(h.items) - 1; id >= 0; id-- {
		it := &h.items[id]
		next[id] = -1
		found := false
		for pi, p := range h.ps.packs {
			off, ok := p.find(it.blob)
			if !ok {
				continue
			}
			j, ok := p.index(off)
			if !ok {
				break
			}
			if wanted[pi] == nil {
				wanted[pi] = make([]int32, len(p.offsets))
				for k := range wanted[pi] {
					wanted[pi][k] = -1
				}
			}
			next[id] = wanted[pi][j]
			wanted[pi][j] = int32(id)
			found = true
			break
		}
		if !found {
			if first, ok := single[it.blob]; ok {
				next[id] = first
			}
			single[it.blob] = int32(id)
		}
	}
	type job struct {
		plan *forestPlan
		root int32
		one  int32 // first item of a blob read on its own, or -1
	}
	jobs := make(chan job, 64)
	var wg sync.WaitGroup
	for w := 0; w < h.opts.Workers; w++ {
		or := newObjReader(h.ps, h.rp.newStorage())
		wg.Add(1)
		go func() {
			defer wg.Done()
			visit := func(fp *forestPlan, node, first int32, typ plumbing.ObjectType, data []byte, err error) {
				for id := first; id >= 0; id = next[id] {
					var fs []detect.Finding
					if base, bdata, delta, bfs := h.findBase(or, fp, next, id); base >= 0 && err == nil && typ == plumbing.BlobObject {
						fs = h.scanChanged(ctx, id, data, base, bdata, delta, bfs)
					} else {
						fs = h.scanItem(ctx, id, typ, data, err)
					}
					if n := len(or.stack); len(fs) > 0 && fp != nil && n > 0 && or.stack[n-1].node == node {
						// Kept while the object's delta subtree is
						// decoded, for items scanned against this one.
						or.stack[n-1].found = append(or.stack[n-1].found, itemFindings{id, fs})
					}
				}
			}
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				if j.one >= 0 {
					typ, data, err := or.get(h.items[j.one].blob, h.sc.Opts.MaxFileSize)
					visit(nil, -1, j.one, typ, data, err)
					continue
				}
				or.decodeTree(ctx, j.plan, j.root, h.sc.Opts.MaxFileSize, visit)
			}
		}()
	}
	send := func(j job) bool {
		select {
		case jobs <- j:
			return true
		case <-ctx.Done():
			return false
		}
	}
feed:
	for pi := range h.ps.packs {
		if wanted[pi] == nil {
			continue
		}
		hs, err := h.headers[pi].hs, h.headers[pi].err
		h.headers[pi] = packHeadersResult{}
		if hs == nil && err == nil {
			break // cancelled before the headers were read
		}
		if err != nil {
			// An unreadable pack: read its blobs one by one, so that
			// what can be read still is.
			h.sc.Stats.Error(SkipCorruptObject, err)
			for _, first := range wanted[pi] {
				if first >= 0 && !send(job{one: first}) {
					break feed
				}
			}
			continue
		}
		plan := planForest(pi, hs, wanted[pi], next)
		wanted[pi] = nil
		for _, r := range plan.roots {
			if !send(job{plan: plan, root: r, one: -1}) {
				break feed
			}
		}
	}
	for _, first := range single {
		if !send(job{one: first}) {
			break
		}
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}

// findBase returns an item to scan item id (being visited) against: the
// nearest delta ancestor of its object that is a version of the same
// path, with its content (decoded: the delta walk keeps the ancestors of
// the object it visits), and its findings (scanned already: ancestors
// are visited first). Versions of a file are stored as deltas of one
// another, so most items have one, mostly the object's delta base: then
// the delta that makes the item from it is returned too. -1: none.
func (h *history) findBase(or *objReader, fp *forestPlan, next []int32, id int32) (int32, []byte, []byte, []detect.Finding) {
	if !h.incremental || fp == nil {
		return -1, nil, nil, nil
	}
	path := h.items[id].path
	for i := len(or.stack) - 2; i >= 0; i-- {
		fr := &or.stack[i]
		if fr.data == nil {
			continue
		}
		for j := fp.wanted[fr.node]; j >= 0; j = next[j] {
			if h.items[j].path != path {
				continue
			}
			var delta []byte
			if i == len(or.stack)-2 {
				delta = or.stack[i+1].delta
			}
			var fs []detect.Finding
			for _, x := range fr.found {
				if x.id == j {
					fs = x.fs
				}
			}
			return j, fr.data, delta, fs
		}
	}
	return -1, nil, nil, nil
}

// lfsPrefix starts every Git LFS pointer file.
var lfsPrefix = []byte("version https://git-lfs.github.com/spec/")

// isLFS reports whether data is a Git LFS pointer.
func isLFS(data []byte) bool { return len(data) < 1024 && bytes.HasPrefix(data, lfsPrefix) }

// scanItem scans one decoded blob (or records why it could not be read)
// for one path, collecting its findings.
func (h *history) scanItem(ctx context.Context, id int32, it0 plumbing.ObjectType, data []byte, rerr error) []detect.Finding {
	it := h.items[id]
	loc := h.loc(id)
	var fs []detect.Finding
	err := rerr
	if err == nil && it0 != plumbing.BlobObject {
		err = fmt.Errorf("%w: %s is a %s, not a blob", errCorrupt, it.blob, it0)
	}
	if err == nil {
		fs, err = scanData(ctx, h.sc, data, loc)
	}
	return h.record(ctx, id, fs, err)
}

// loc is the location item id is scanned as.
func (h *history) loc(id int32) detect.Location {
	it := &h.items[id]
	return detect.Location{Source: detect.SourceGit, Path: it.path, Commit: h.commitHex[it.commit]}
}

// scanChanged scans item id (content cur) for what changed from item base
// (content prev, findings prevFs), another version of the file, and
// returns its findings: those of the changed lines and base's in the
// others. It scans whole when that cannot be done or would not pay.
// delta, when not nil, is the git delta that makes cur from prev: it
// tells what changed without a diff.
func (h *history) scanChanged(ctx context.Context, id int32, cur []byte, base int32, prev, delta []byte, prevFs []detect.Finding) []detect.Finding {
	loc := h.loc(id)
	if isLFS(cur) || isLFS(prev) || !h.sc.PlainText(h.loc(base), prev) {
		return h.scanItem(ctx, id, plumbing.BlobObject, cur, nil)
	}
	var ch changes
	var changed []detect.Range
	var ok bool
	if delta != nil && !h.opts.lineDiff {
		ch.blocks, changed, ok = deltaChanges(delta, prev, cur, len(prevFs) > 0)
	} else {
		ch.blocks, changed, ok = lineChanges(prev, cur)
	}
	if !ok {
		return h.scanItem(ctx, id, plumbing.BlobObject, cur, nil)
	}
	var fs []detect.Finding
	c := *h.sc
	c.Emit = func(f detect.Finding) { fs = append(fs, f) }
	partial, err := c.ScanBytesChanged(ctx, loc, cur, changed)
	if err != nil || !partial {
		return h.record(ctx, id, fs, err)
	}
	h.partial.Add(1)
	if len(fs) == 0 && len(prevFs) == 0 {
		return nil
	}
	ch.widened = detect.WidenRanges(cur, changed)
	// Findings whose span lies outside the widened ranges are carried
	// over from the previous version instead.
	kept := fs[:0]
	for _, f := range fs {
		if detect.Overlaps(ch.widened, int(f.StartOffset), int(f.EndOffset)) {
			kept = append(kept, f)
		}
	}
	return h.record(ctx, id, carry(prevFs, kept, &ch, h.pathRule), nil)
}

// record groups the findings of item id by secret and returns them, or
// counts why the item could not be scanned.
func (h *history) record(ctx context.Context, id int32, fs []detect.Finding, err error) []detect.Finding {
	it := &h.items[id]
	if err != nil {
		var tl errTooLarge
		switch {
		case errors.As(err, &tl):
			h.sc.Stats.SkipItem(scan.SkipTooLarge, it.path)
		case ctx.Err() != nil:
		default:
			reason := SkipCorruptObject
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				reason = SkipMissingObject
			}
			h.sc.Stats.Error(reason, fmt.Errorf("%s (blob %s, commit %s): %w", it.path, it.blob, h.g.nodes[it.commit].hash, err))
		}
		return nil
	}
	if len(fs) > 0 {
		h.collect(id, fs)
	}
	return fs
}

// collect groups the findings of item id by secret.
func (h *history) collect(id int32, fs []detect.Finding) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hits == nil {
		h.hits = map[int32][]string{}
	}
	occ := map[string]int{}
	for _, f := range fs {
		k := aggKey{fp: f.Fingerprint, path: f.Path, occ: occ[f.Fingerprint+"\x00"+f.Path]}
		occ[f.Fingerprint+"\x00"+f.Path]++
		h.hits[id] = append(h.hits[id], f.Fingerprint)
		a := h.aggs[k]
		if a == nil {
			h.aggs[k] = &agg{f: f, first: id, items: []int32{id}}
			continue
		}
		a.items = append(a.items, id)
		// Items are numbered in topological order of their first
		// introduction: the lowest is the first.
		if id < a.first {
			a.f, a.first = f, id
		}
	}
}

// scanBlob reads blob bh and scans it as loc, returning its findings.
// Blobs over the size limit and LFS pointers are counted as skipped.
func scanBlob(ctx context.Context, sc *scan.Scanner, or *objReader, bh plumbing.Hash, loc detect.Location) ([]detect.Finding, error) {
	typ, data, err := or.get(bh, sc.Opts.MaxFileSize)
	if err != nil {
		var tl errTooLarge
		if errors.As(err, &tl) {
			sc.Stats.SkipItem(scan.SkipTooLarge, loc.Path)
			return nil, nil
		}
		return nil, err
	}
	if typ != plumbing.BlobObject {
		return nil, fmt.Errorf("%w: %s is a %s, not a blob", errCorrupt, bh, typ)
	}
	return scanData(ctx, sc, data, loc)
}

// scanData scans a blob's content as loc. LFS pointers are counted as
// skipped.
func scanData(ctx context.Context, sc *scan.Scanner, data []byte, loc detect.Location) ([]detect.Finding, error) {
	if isLFS(data) {
		sc.Stats.SkipItem(SkipLFSPointer, loc.Path)
		return nil, nil
	}
	var out []detect.Finding
	c := *sc
	c.Emit = func(f detect.Finding) { out = append(out, f) }
	if err := c.ScanBytes(ctx, loc, data); err != nil {
		return nil, err
	}
	return out, nil
}

// emit sends one finding per secret per path to the scanner's emitter,
// with provenance: the first introducing commit, how many commits and
// versions held it, and whether HEAD of the default branch still does.
func (h *history) emit(ctx context.Context) {
	if len(h.aggs) == 0 {
		return
	}
	var headTree plumbing.Hash
	if ref, err := h.rp.r.Head(); err == nil {
		if c, err := h.or.commit(ref.Hash()); err == nil {
			headTree = c.tree
		}
	}
	tc := newTreeCache(h.or, 1024)
	// Index the versions of the paths that have findings.
	paths := map[string]bool{}
	for _, a := range h.aggs {
		paths[h.items[a.first].path] = true
	}
	h.seen = map[itemKey]int32{}
	for id, it := range h.items {
		if paths[it.path] {
			h.seen[itemKey{blob: it.blob, path: it.path}] = int32(id)
		}
	}
	infos := map[int32]*detect.GitInfo{}
	headHits := map[string]map[string]bool{} // path -> fingerprints in HEAD's version
	type treePath struct {
		tree plumbing.Hash
		path string
	}
	before := map[treePath]map[string]bool{}
	for _, a := range h.aggs {
		it := h.items[a.first]
		// In a range scan (--commits, --since-commit, --since, ...) a
		// secret that the file already held before the range was not
		// introduced by it: drop it if a parent outside the range has it
		// at the same path.
		old := false
		for _, p := range h.g.nodes[it.commit].parents {
			pn := &h.g.nodes[p]
			if pn.include {
				continue
			}
			k := treePath{pn.tree, it.path}
			fps, ok := before[k]
			if !ok {
				fps = h.headFingerprints(ctx, tc, pn.tree, it.path)
				before[k] = fps
			}
			if fps[a.f.Fingerprint] {
				old = true
				break
			}
		}
		if old {
			continue
		}
		info, ok := infos[it.commit]
		if !ok {
			info = h.commitInfo(it.commit)
			infos[it.commit] = info
		}
		gi := *info
		gi.Blob = it.blob.String()
		gi.Blobs = len(a.items)
		for _, id := range a.items {
			gi.Commits += int(h.items[id].intros)
		}
		if !headTree.IsZero() {
			fps, ok := headHits[it.path]
			if !ok {
				fps = h.headFingerprints(ctx, tc, headTree, it.path)
				headHits[it.path] = fps
			}
			gi.PresentAtHead = fps[a.f.Fingerprint]
		}
		f := a.f
		f.Git = &gi
		h.sc.Emit(f)
	}
}

// headFingerprints returns the fingerprints found in the version of path
// in tree root (HEAD's, or a parent's outside the range), reusing scan
// results when that version was scanned.
func (h *history) headFingerprints(ctx context.Context, tc *treeCache, root plumbing.Hash, path string) map[string]bool {
	out := map[string]bool{}
	e, ok, err := tc.lookupPath(root, path)
	if err != nil || !ok || e.mode == filemode.Dir || e.mode == filemode.Submodule {
		return out
	}
	if id, ok := h.seen[itemKey{blob: e.hash, path: path}]; ok {
		for _, fp := range h.hits[id] {
			out[fp] = true
		}
		return out
	}
	// Not scanned (outside the selected range): scan it quietly.
	quiet := *h.sc
	quiet.Stats = &scan.Stats{}
	fs, err := scanBlob(ctx, &quiet, h.or, e.hash, detect.Location{Source: detect.SourceGit, Path: path})
	if err != nil {
		return out
	}
	for _, f := range fs {
		out[f.Fingerprint] = true
	}
	return out
}

// commitInfo reads the author and message of a commit.
func (h *history) commitInfo(idx int32) *detect.GitInfo {
	n := h.g.nodes[idx]
	gi := &detect.GitInfo{Commit: n.hash.String()}
	c, err := h.or.commit(n.hash)
	if err != nil {
		return gi
	}
	gi.Author, gi.Email, gi.Date, gi.Message = c.author, c.email, c.authored, c.message
	return gi
}
