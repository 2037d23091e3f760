package gitscan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// Decoding blobs in delta order. Packs store each file's versions as delta
// chains, newest version whole and older ones as deltas against newer
// ones. Decoding blobs in commit order (oldest first) walks each chain
// from its base again and again unless a cache holds every version of
// every file. Instead, once the history walk has listed the wanted blobs,
// the delta forest of each pack is built from the object headers (a
// sequential read of the pack), reduced to the ancestors of wanted blobs,
// and decoded depth-first from each base: every object is inflated exactly
// once, memory is the depth of one chain, and the trees are shared out to
// the workers. Wanted blobs are handed to visit as they are decoded.

// packHeaders are the headers of every object in a pack, by index in
// offset order, in parallel slices to keep them small.
type packHeaders struct {
	typ  []plumbing.ObjectType
	size []uint32                // inflated size, saturated at MaxUint32
	base []int32                 // index of the delta base, -1 for none (or a REF base outside the pack)
	ref  map[int32]plumbing.Hash // REF delta bases outside the pack
}

// headers reads the header of every object in the pack, in offset order.
func (p *pack) headers() (*packHeaders, error) {
	n := len(p.offsets)
	hs := &packHeaders{typ: make([]plumbing.ObjectType, n), size: make([]uint32, n), base: make([]int32, n)}
	const chunk = 1 << 20
	var buf []byte
	var bufStart, bufEnd int64 = 0, 0
	if p.data != nil {
		buf, bufEnd = p.data, int64(len(p.data))
	} else {
		buf = make([]byte, chunk)
	}
	for i, off := range p.offsets {
		if off+64 > bufEnd && bufEnd < p.end {
			n, err := p.f.ReadAt(buf, off)
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%s: %w", p.name, err)
			}
			bufStart, bufEnd = off, off+int64(n)
		}
		h, err := parseHeader(buf[off-bufStart:bufEnd-bufStart], off)
		if err != nil {
			return nil, fmt.Errorf("%s: object at offset %d: %w", p.name, off, err)
		}
		hs.typ[i] = h.typ
		hs.size[i] = uint32(min(h.size, math.MaxUint32))
		hs.base[i] = -1
		switch h.typ {
		case plumbing.OFSDeltaObject:
			j, ok := p.index(h.base)
			if !ok {
				return nil, fmt.Errorf("%s: object at offset %d: delta base %d is not an object", p.name, off, h.base)
			}
			hs.base[i] = j
		case plumbing.REFDeltaObject:
			if bo, ok := p.find(h.ref); ok {
				if j, ok := p.index(bo); ok {
					hs.base[i] = j
					continue
				}
			}
			if hs.ref == nil {
				hs.ref = map[int32]plumbing.Hash{}
			}
			hs.ref[int32(i)] = h.ref
		}
	}
	return hs, nil
}

// index returns the index of the object at offset off.
func (p *pack) index(off int64) (int32, bool) {
	j := sort.Search(len(p.offsets), func(j int) bool { return p.offsets[j] >= off })
	if j < len(p.offsets) && p.offsets[j] == off {
		return int32(j), true
	}
	return 0, false
}

// forestPlan is the delta forest of one pack reduced to the ancestors of
// wanted objects, as first-child/next-sibling lists.
type forestPlan struct {
	pack    int
	hs      *packHeaders
	child   []int32 // first child, -1 for none
	sibling []int32 // next sibling, -1 for none
	wanted  []int32 // first item wanting the object, -1 for none
	next    []int32 // next item wanting the same object (by item id)
	roots   []int32
}

// planForest reduces the pack's delta forest to the ancestors of the
// wanted objects. wanted[i] is the first item wanting object i (or -1) and
// next chains items wanting the same object.
func planForest(pi int, hs *packHeaders, wanted, next []int32) *forestPlan {
	n := len(hs.typ)
	fp := &forestPlan{pack: pi, hs: hs, child: make([]int32, n), sibling: make([]int32, n), wanted: wanted, next: next}
	needed := make([]bool, n)
	for i := range fp.child {
		fp.child[i], fp.sibling[i] = -1, -1
	}
	for w := range wanted {
		if wanted[w] < 0 {
			continue
		}
		for i := int32(w); ; {
			if needed[i] {
				break
			}
			needed[i] = true
			b := hs.base[i]
			if b < 0 {
				fp.roots = append(fp.roots, i)
				break
			}
			fp.sibling[i] = fp.child[b]
			fp.child[b] = i
			i = b
		}
	}
	sort.Slice(fp.roots, func(a, b int) bool { return fp.roots[a] < fp.roots[b] })
	return fp
}

// visitFunc receives each wanted object: its index in the plan's pack
// (-1 for an object read on its own), the first item wanting it, its type
// and content, or why it could not be decoded. While it runs, the
// reader's stack holds the object's delta ancestors, decoded.
type visitFunc func(fp *forestPlan, node, first int32, typ plumbing.ObjectType, data []byte, err error)

// stackFrame is one decoded object on the path from a delta tree's root
// to the object being visited.
type stackFrame struct {
	node int32
	data []byte // nil when the object could not be decoded
	// delta made data from the frame below; valid only while the object
	// is visited (its buffer is reused for the object's children).
	delta []byte
	// found holds the findings of the object's items, for items of its
	// delta subtree scanned against them (see history.findBase).
	found []itemFindings
}

// isLeafWanted reports whether object i is wanted and has no children
// (so it need not be decoded if too large).
func (fp *forestPlan) isLeafWanted(i int32) bool { return fp.wanted[i] >= 0 && fp.child[i] < 0 }

// decodeTree decodes the delta tree under root, calling visit for each
// wanted object. max bounds the size of wanted leaves that are decoded;
// larger ones are visited with errTooLarge. Bases are always decoded.
func (r *objReader) decodeTree(ctx context.Context, fp *forestPlan, root int32, max int64, visit visitFunc) {
	p := r.ps.packs[fp.pack]
	off := p.offsets[root]
	var typ plumbing.ObjectType
	var data []byte
	var err error
	switch t := fp.hs.typ[root]; t {
	case plumbing.OFSDeltaObject, plumbing.REFDeltaObject:
		// A REF delta whose base is outside this pack.
		typ, data, err = r.get(fp.hs.ref[root], 0)
		if err == nil {
			var raw rawObject
			raw, err = r.readRaw(p, off)
			if err == nil {
				var d []byte
				d, err = r.inflate(raw)
				if err == nil {
					data, err = applyDelta(r.level(0), data, d)
					r.keep(0, data)
				}
			}
		}
	default:
		typ = t
		if fp.isLeafWanted(root) && max > 0 && int64(fp.hs.size[root]) > max {
			r.stack = r.stack[:0]
			visit(fp, root, fp.wanted[root], typ, nil, errTooLarge{int64(fp.hs.size[root])})
			return
		}
		var raw rawObject
		raw, err = r.readRaw(p, off)
		if err == nil {
			data, err = r.inflateInto(r.level(0), raw)
			r.keep(0, data)
		}
	}
	r.descend(ctx, fp, root, 0, typ, data, err, max, visit)
}

// descend visits node (decoded as data, or failed with err) and decodes
// its children from it. Each depth decodes into its own reused buffer: a
// node's content lives until its subtree is done.
func (r *objReader) descend(ctx context.Context, fp *forestPlan, node int32, depth int, typ plumbing.ObjectType, data []byte, err error, max int64, visit visitFunc) {
	if ctx.Err() != nil {
		return
	}
	p := r.ps.packs[fp.pack]
	if err != nil && !errors.Is(err, errCorrupt) && !errors.Is(err, plumbing.ErrObjectNotFound) {
		err = fmt.Errorf("%w: %s at offset %d: %v", errCorrupt, p.name, p.offsets[node], err)
	}
	fr := stackFrame{node: node}
	if err == nil {
		fr.data, fr.delta = data, r.curDelta
	}
	r.curDelta = nil
	r.stack = append(r.stack[:depth], fr)
	if fp.wanted[node] >= 0 {
		visit(fp, node, fp.wanted[node], typ, data, err)
	}
	for c := fp.child[node]; c >= 0; c = fp.sibling[c] {
		if err != nil {
			r.descend(ctx, fp, c, depth+1, typ, nil, err, max, visit)
			continue
		}
		raw, cerr := r.readRaw(p, p.offsets[c])
		var d, out []byte
		if cerr == nil {
			d, cerr = r.inflateInto(r.delta, raw)
			if cap(d) > cap(r.delta) {
				r.delta = d[:0]
			}
		}
		if cerr == nil {
			if fp.isLeafWanted(c) && max > 0 {
				if _, n := deltaSizes(d); n > max {
					r.stack = r.stack[:depth+1]
					visit(fp, c, fp.wanted[c], typ, nil, errTooLarge{n})
					continue
				}
			}
			out, cerr = applyDelta(r.level(depth+1), data, d)
			if cerr == nil {
				r.keep(depth+1, out)
				r.curDelta = d
			}
		}
		r.descend(ctx, fp, c, depth+1, typ, out, cerr, max, visit)
	}
}
