package gitscan

import (
	"bytes"
	"fmt"
	"sort"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// entry is one tree entry.
type entry struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
}

// treeCache holds decoded trees. It keeps two generations: when the
// current one is full it becomes the old one, so trees used by consecutive
// commits (a commit and its parent share most subtrees) stay decoded while
// memory stays bounded.
type treeCache struct {
	r        *objReader
	cur, old map[plumbing.Hash][]entry
	max      int
	// Raw trees for diff, checked, in the same two generations.
	rawCur, rawOld map[plumbing.Hash][]byte
}

func newTreeCache(r *objReader, max int) *treeCache {
	return &treeCache{r: r, cur: map[plumbing.Hash][]entry{}, old: map[plumbing.Hash][]entry{}, max: max,
		rawCur: map[plumbing.Hash][]byte{}, rawOld: map[plumbing.Hash][]byte{}}
}

// get returns the sorted entries of tree h.
func (c *treeCache) get(h plumbing.Hash) ([]entry, error) {
	if es, ok := c.cur[h]; ok {
		return es, nil
	}
	if es, ok := c.old[h]; ok {
		c.put(h, es)
		return es, nil
	}
	es, err := c.read(h)
	if err != nil {
		return nil, err
	}
	c.put(h, es)
	return es, nil
}

func (c *treeCache) put(h plumbing.Hash, es []entry) {
	if len(c.cur) >= c.max {
		c.old = c.cur
		c.cur = make(map[plumbing.Hash][]entry, c.max)
	}
	c.cur[h] = es
}

// read decodes a tree object: entries of "<mode> <name>\x00<20-byte hash>".
func (c *treeCache) read(h plumbing.Hash) ([]entry, error) {
	typ, data, err := c.r.get(h, 0)
	if err != nil {
		return nil, err
	}
	if typ != plumbing.TreeObject {
		return nil, fmt.Errorf("%w: %s is a %s, not a tree", errCorrupt, h, typ)
	}
	return parseTree(data)
}

var errBadTree = fmt.Errorf("%w: malformed tree", errCorrupt)

func parseTree(b []byte) ([]entry, error) {
	es := make([]entry, 0, bytes.Count(b, []byte{0}))
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return nil, errBadTree
		}
		var mode uint32
		for _, d := range b[:sp] {
			if d < '0' || d > '7' {
				return nil, errBadTree
			}
			mode = mode<<3 | uint32(d-'0')
		}
		b = b[sp+1:]
		nul := bytes.IndexByte(b, 0)
		if nul < 0 || len(b) < nul+1+20 {
			return nil, errBadTree
		}
		// The name points into the object's bytes, which are never
		// modified once decoded (they may be shared through the cache):
		// no copy per entry.
		e := entry{mode: filemode.FileMode(mode)}
		if nul > 0 {
			e.name = unsafe.String(&b[0], nul)
		}
		copy(e.hash[:], b[nul+1:nul+21])
		es = append(es, e)
		b = b[nul+21:]
	}
	// Git orders directories as if their names ended in "/"; re-sort by
	// plain name so that lookups can binary-search.
	if !sort.SliceIsSorted(es, func(i, j int) bool { return es[i].name < es[j].name }) {
		sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	}
	return es, nil
}

// lookup finds name in entries sorted by parseTree.
func lookup(es []entry, name string) (entry, bool) {
	lo, hi := 0, len(es)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if es[m].name < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(es) && es[lo].name == name {
		return es[lo], true
	}
	return entry{}, false
}

// lookupPath finds the entry at a "/"-separated path below tree root.
func (c *treeCache) lookupPath(root plumbing.Hash, path string) (entry, bool, error) {
	h := root
	for {
		es, err := c.get(h)
		if err != nil {
			return entry{}, false, fmt.Errorf("tree %s: %w", h, err)
		}
		name, rest, more := cut(path)
		e, ok := lookup(es, name)
		if !ok {
			return entry{}, false, nil
		}
		if !more {
			return e, true, nil
		}
		if e.mode != filemode.Dir {
			return entry{}, false, nil
		}
		h, path = e.hash, rest
	}
}

func cut(p string) (string, string, bool) {
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			return p[:i], p[i+1:], true
		}
	}
	return p, "", false
}
