package gitscan

import (
	"bytes"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Diffing trees as git stores them. A tree object is a list of
// "<mode> <name>\x00<20-byte hash>" entries in git's order (names
// compared bytewise, a directory's as if it ended in "/"). Both sides of
// a diff are in that order, so the diff walks them along each other on
// the object's bytes, without building entries.

// introFunc is called for each file a commit introduces. path is a new
// string (it does not point into tree objects).
type introFunc func(path string, e entry)

// rawTree returns the content of tree h, checked to be well formed.
func (c *treeCache) rawTree(h plumbing.Hash) ([]byte, error) {
	if b, ok := c.rawCur[h]; ok {
		return b, nil
	}
	b, ok := c.rawOld[h]
	if !ok {
		typ, data, err := c.r.get(h, 0)
		if err != nil {
			return nil, err
		}
		if typ != plumbing.TreeObject {
			return nil, fmt.Errorf("%w: %s is a %s, not a tree", errCorrupt, h, typ)
		}
		if err := checkTree(data); err != nil {
			return nil, err
		}
		b = data
	}
	if len(c.rawCur) >= c.max {
		c.rawOld = c.rawCur
		c.rawCur = make(map[plumbing.Hash][]byte, c.max)
	}
	c.rawCur[h] = b
	return b, nil
}

// checkTree checks that b is a sequence of well-formed entries.
func checkTree(b []byte) error {
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return errBadTree
		}
		for _, d := range b[:sp] {
			if d < '0' || d > '7' {
				return errBadTree
			}
		}
		b = b[sp+1:]
		nul := bytes.IndexByte(b, 0)
		if nul < 0 || len(b) < nul+1+20 {
			return errBadTree
		}
		b = b[nul+21:]
	}
	return nil
}

// rawEntry is an entry of a raw tree; name and hash point into it.
type rawEntry struct {
	mode filemode.FileMode
	name []byte
	hash []byte
}

func (e *rawEntry) isDir() bool { return e.mode == filemode.Dir }

// treeIter walks a checked raw tree.
type treeIter struct {
	b   []byte
	cur rawEntry
	ok  bool // cur is an entry (else the tree is done)
	rem int  // bytes from the start of cur to the end of the tree
}

func (it *treeIter) next() {
	it.rem = len(it.b)
	if len(it.b) == 0 {
		it.ok = false
		return
	}
	b := it.b
	var mode uint32
	i := 0
	for ; b[i] != ' '; i++ {
		mode = mode<<3 | uint32(b[i]-'0')
	}
	b = b[i+1:]
	nul := bytes.IndexByte(b, 0)
	it.cur = rawEntry{mode: filemode.FileMode(mode), name: b[:nul], hash: b[nul+1 : nul+21]}
	it.b = b[nul+21:]
	it.ok = true
}

// gitCompare orders tree entries as git does: by name, a directory's as
// if it ended in "/".
func gitCompare(a []byte, aDir bool, b []byte, bDir bool) int {
	n := min(len(a), len(b))
	if c := bytes.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	var ca, cb byte
	if len(a) > n {
		ca = a[n]
	} else if aDir {
		ca = '/'
	}
	if len(b) > n {
		cb = b[n]
	} else if bDir {
		cb = '/'
	}
	return int(ca) - int(cb)
}

// diff reports every entry of tree cur (at prefix) that differs from the
// entry at the same path in every parent tree: the files the commit
// introduces. A subtree identical to one in any parent introduces nothing
// and is not read. An entry whose kind (directory or not) differs from the
// parent's at the same name counts as absent from that parent. Unreadable
// trees are reported with the path and skipped.
func (c *treeCache) diff(prefix string, cur plumbing.Hash, parents []plumbing.Hash, intro introFunc, bad func(path string, h plumbing.Hash, err error)) {
	for _, p := range parents {
		if p == cur {
			return
		}
	}
	raw, err := c.rawTree(cur)
	if err != nil {
		bad(prefix, cur, err)
		return
	}
	var its0 [4]treeIter
	its := its0[:0]
	for _, p := range parents {
		if p.IsZero() {
			continue
		}
		x, err := c.rawTree(p)
		if err != nil {
			bad(prefix, p, err)
			continue
		}
		its = append(its, treeIter{b: x})
	}
	e := treeIter{b: raw}
	// With one parent (most commits), entries that are the same bytes at
	// the start or at the end of both trees are the same entries: skip
	// the common prefix without comparing entries, and stop at the
	// common suffix (see below).
	suffix := -1
	if len(its) == 1 {
		x := its[0].b
		pre := commonPrefix(raw, x)
		off := 0
		for {
			nul := bytes.IndexByte(raw[off:], 0)
			if nul < 0 || off+nul+21 > pre {
				break
			}
			off += nul + 21
		}
		e.b, its[0].b = raw[off:], x[off:]
		suffix = min(commonSuffix(raw, x), len(raw)-off, len(x)-off)
	}
	for k := range its {
		its[k].next()
	}
	var sub []plumbing.Hash
	for e.next(); e.ok; e.next() {
		isDir := e.cur.isDir()
		same := false
		sub = sub[:0]
		for k := range its {
			it := &its[k]
			c := 1
			for it.ok {
				if c = gitCompare(it.cur.name, it.cur.isDir(), e.cur.name, isDir); c >= 0 {
					break
				}
				it.next()
			}
			if !it.ok || c != 0 {
				continue
			}
			if it.rem == e.rem && e.rem <= suffix {
				// Both trees end with the same bytes from entries
				// with the same name on: the rest is the same.
				return
			}
			if bytes.Equal(it.cur.hash, e.cur.hash) {
				same = true
				break
			}
			if isDir {
				sub = append(sub, plumbing.Hash(it.cur.hash))
			}
		}
		if same {
			continue
		}
		var path string
		if prefix != "" {
			path = prefix + "/" + string(e.cur.name)
		} else {
			path = string(e.cur.name)
		}
		if isDir {
			// Copy: sub is reused by the loop.
			c.diff(path, plumbing.Hash(e.cur.hash), append([]plumbing.Hash(nil), sub...), intro, bad)
			continue
		}
		intro(path, entry{mode: e.cur.mode, hash: plumbing.Hash(e.cur.hash)})
	}
}
