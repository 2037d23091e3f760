package gitscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/klauspost/compress/zlib"
)

// Reading objects straight from pack files. go-git's packfile reader
// opens a scanner per object, reads through small buffered reads, hashes
// every object it decodes and keeps one cache per storage; for a history
// scan that decodes every version of every file that dominates the run.
// This reader does one positioned read per object (the compressed length
// is known from the sorted offsets of the pack index), inflates with a
// reused zlib state, applies deltas with go-git's PatchDelta and keeps
// decoded delta bases in one cache shared by all workers, bounded in
// bytes. Objects that are not in a pack (loose objects, alternates) are
// read through go-git.

// pack is one pack file and its index.
type pack struct {
	name string
	f    billy.File
	// data maps the whole pack file read-only when the platform allows
	// it: objects are then sliced out of it instead of read with a
	// system call each. nil: objects are read with ReadAt.
	data    []byte
	idx     *packIndex
	offsets []int64 // sorted object offsets (see loadOffsets)
	end     int64   // offset of the trailing checksum

	offOnce sync.Once
	offErr  error
}

// packSet is every pack of a repository.
type packSet struct {
	packs []*pack
	cache *objCache
}

// openPacks opens the repository's packs. A pack whose index cannot be
// read is reported in warn and left to go-git. Unless lazy, the sorted
// offsets of every pack's objects are computed (and checked) now; a lazy
// set, for reading a few objects, computes them only if it needs them.
func openPacks(rp *repo, cacheBytes int64, warn func(error), lazy bool) (*packSet, error) {
	hashes, err := rp.main.ObjectPacks()
	if err != nil {
		return nil, fmt.Errorf("git repository %s: list packs: %w", rp.path, err)
	}
	ps := &packSet{cache: newObjCache(cacheBytes)}
	for _, h := range hashes {
		p, err := openPack(rp.dot, h, lazy)
		if err != nil {
			warn(err)
			continue
		}
		ps.packs = append(ps.packs, p)
	}
	return ps, nil
}

func openPack(fs billy.Filesystem, h plumbing.Hash, lazy bool) (*pack, error) {
	base := fs.Join("objects", "pack", "pack-"+h.String())
	idxf, err := fs.Open(base + ".idx")
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", h, err)
	}
	// The index is mapped when it can be, read whole otherwise.
	var raw, mapped []byte
	ist, serr := fs.Stat(base + ".idx")
	sized := serr == nil && ist.Size() > 0 && ist.Size() < 1<<40
	if sized {
		mapped = mapFile(fs, base+".idx", ist.Size())
	}
	switch {
	case mapped != nil:
		raw = mapped
	case sized:
		raw = make([]byte, ist.Size())
		_, err = io.ReadFull(idxf, raw)
	default:
		raw, err = io.ReadAll(idxf)
	}
	idxf.Close()
	if err != nil {
		return nil, fmt.Errorf("pack index %s.idx: %w", base, err)
	}
	idx, err := parseIdx(raw)
	if err != nil {
		unmapFile(mapped)
		return nil, fmt.Errorf("pack index %s.idx: %w", base, err)
	}
	idx.mapped = mapped
	f, err := fs.Open(base + ".pack")
	if err != nil {
		unmapFile(mapped)
		return nil, fmt.Errorf("pack %s: %w", h, err)
	}
	st, err := fs.Stat(base + ".pack")
	if err != nil {
		f.Close()
		unmapFile(mapped)
		return nil, fmt.Errorf("pack %s: %w", h, err)
	}
	p := &pack{name: base + ".pack", f: f, idx: idx, end: st.Size() - 20}
	if !lazy {
		if err := p.loadOffsets(); err != nil {
			f.Close()
			unmapFile(mapped)
			return nil, err
		}
	}
	p.data = mapFile(fs, base+".pack", st.Size())
	return p, nil
}

// loadOffsets sorts the offsets of the pack's objects, once, checking
// that they lie inside the pack.
func (p *pack) loadOffsets() error {
	p.offOnce.Do(func() {
		idx := p.idx
		base := strings.TrimSuffix(p.name, ".pack")
		offsets := make([]int64, idx.n)
		for i := range offsets {
			off, ok := idx.offset(i)
			if !ok {
				p.offErr = fmt.Errorf("pack index %s.idx: 64-bit offset out of range", base)
				return
			}
			if off < 12 || off >= p.end {
				p.offErr = fmt.Errorf("pack index %s.idx: offset %d outside the pack", base, off)
				return
			}
			offsets[i] = off
		}
		slices.Sort(offsets)
		p.offsets = offsets
	})
	return p.offErr
}

// packIndex is a version 2 pack index (.idx), kept as the file's bytes.
type packIndex struct {
	n      int
	fanout []byte // 256 big-endian uint32: objects with first byte <= i
	names  []byte // n sorted 20-byte object names
	off32  []byte // n 4-byte offsets (high bit: index into off64)
	off64  []byte
	mapped []byte // the mapped file, to unmap on close (nil: on the heap)
}

// parseIdx checks a version 2 pack index and slices its tables.
func parseIdx(b []byte) (*packIndex, error) {
	if len(b) < 8+1024 || string(b[:4]) != "\xfftOc" || binary.BigEndian.Uint32(b[4:8]) != 2 {
		return nil, errors.New("not a version 2 pack index")
	}
	fan := b[8 : 8+1024]
	n := int(binary.BigEndian.Uint32(fan[1020:]))
	rest := b[8+1024:]
	if n < 0 || len(rest) < n*28+40 {
		return nil, errors.New("truncated pack index")
	}
	idx := &packIndex{n: n, fanout: fan, names: rest[:n*20]}
	rest = rest[n*20+n*4:] // skip the CRC32s
	idx.off32 = rest[:n*4]
	idx.off64 = rest[n*4 : len(rest)-40]
	return idx, nil
}

// offset returns the pack offset of the i-th object (in name order).
func (x *packIndex) offset(i int) (int64, bool) {
	o := binary.BigEndian.Uint32(x.off32[i*4:])
	if o&(1<<31) == 0 {
		return int64(o), true
	}
	j := 8 * int(o&^(1<<31))
	if j+8 > len(x.off64) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(x.off64[j:])), true
}

// find returns the offset of object h in the pack.
func (p *pack) find(h plumbing.Hash) (int64, bool) {
	x := p.idx
	lo := 0
	if h[0] > 0 {
		lo = int(binary.BigEndian.Uint32(x.fanout[4*(int(h[0])-1):]))
	}
	hi := int(binary.BigEndian.Uint32(x.fanout[4*int(h[0]):]))
	if hi > x.n || lo > hi {
		return 0, false
	}
	// Compare the first 8 bytes as a number (they almost always differ),
	// the rest only when they are equal.
	key := binary.BigEndian.Uint64(h[:8])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		name := x.names[m*20 : m*20+20]
		c := 0
		if k := binary.BigEndian.Uint64(name[:8]); k < key {
			c = 1
		} else if k > key {
			c = -1
		} else {
			c = bytes.Compare(h[8:], name[8:])
		}
		switch {
		case c == 0:
			return x.offset(m)
		case c < 0:
			hi = m
		default:
			lo = m + 1
		}
	}
	return 0, false
}

func (ps *packSet) close() {
	for _, p := range ps.packs {
		p.f.Close()
		unmapFile(p.data)
		unmapFile(p.idx.mapped)
		p.data, p.idx = nil, nil
	}
}

// span returns the length of the object at off, header included.
func (p *pack) span(off int64) (int64, error) {
	if err := p.loadOffsets(); err != nil {
		return 0, err
	}
	i := sort.Search(len(p.offsets), func(i int) bool { return p.offsets[i] > off })
	if i == 0 || p.offsets[i-1] != off {
		return 0, fmt.Errorf("%s: no object at offset %d", p.name, off)
	}
	if i < len(p.offsets) {
		return p.offsets[i] - off, nil
	}
	return p.end - off, nil
}

// objKey names a decoded object in the cache.
type objKey struct {
	pack int
	off  int64
}

type cached struct {
	typ  plumbing.ObjectType
	data []byte
}

// objCache holds decoded objects, bounded in bytes, shared by the
// workers. It keeps two generations, as treeCache does: objects are put
// in the current one; when it holds half the bound it becomes the old one
// and the previous old one is dropped; an object found in the old one is
// moved back to the current one. Recently used objects stay, as with an
// LRU, without a list to maintain on every hit.
type objCache struct {
	mu       sync.Mutex
	max      int64
	cur, old map[objKey]cached
	curSize  int64
}

func newObjCache(max int64) *objCache {
	return &objCache{max: max, cur: map[objKey]cached{}, old: map[objKey]cached{}}
}

// reset empties the cache.
func (c *objCache) reset() {
	c.mu.Lock()
	c.cur, c.old, c.curSize = map[objKey]cached{}, map[objKey]cached{}, 0
	c.mu.Unlock()
}

func (c *objCache) get(k objKey) (plumbing.ObjectType, []byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.cur[k]; ok {
		return o.typ, o.data, true
	}
	if o, ok := c.old[k]; ok {
		delete(c.old, k)
		c.add(k, o)
		return o.typ, o.data, true
	}
	return 0, nil, false
}

func (c *objCache) put(k objKey, typ plumbing.ObjectType, data []byte) {
	if int64(len(data)) > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return
	}
	delete(c.old, k)
	c.add(k, cached{typ: typ, data: data})
}

// add puts o in the current generation, starting a new one first if the
// current one is full. c.mu is held.
func (c *objCache) add(k objKey, o cached) {
	n := int64(len(o.data))
	if c.curSize+n > c.max/2 && len(c.cur) > 0 {
		c.old = c.cur
		c.cur = make(map[objKey]cached, len(c.old))
		c.curSize = 0
	}
	c.cur[k] = o
	c.curSize += n
}

// errTooLarge is returned for objects over the caller's size limit.
type errTooLarge struct{ size int64 }

func (e errTooLarge) Error() string { return fmt.Sprintf("object too large (%d bytes)", e.size) }

// errCorrupt marks objects that could not be decoded.
var errCorrupt = errors.New("corrupt object")

// objReader reads objects for one goroutine.
type objReader struct {
	// windowed, when > 0, makes reads fill win with that many bytes of
	// the pack, so that objects stored together (commits, in recency
	// order; the trees of a commit) cost one read.
	windowed int
	win      []byte
	winPack  *pack
	winOff   int64

	ps  *packSet
	st  *filesystem.Storage // fallback for objects not in a pack
	zr  io.ReadCloser
	raw []byte
	zbr bytes.Reader

	// reuseWhole, set around one get, lets a whole (not delta) object be
	// decoded into whole, valid until the next get, instead of a new
	// buffer.
	reuseWhole bool
	whole      []byte

	// Buffers reused while decoding delta trees: one per depth, and one
	// for the delta being applied.
	levels [][]byte
	delta  []byte
	stack  []stackFrame
	// curDelta is the delta of the object descend is about to visit.
	curDelta []byte
}

// level returns the reusable buffer of a delta-tree depth.
func (r *objReader) level(depth int) []byte {
	for len(r.levels) <= depth {
		r.levels = append(r.levels, nil)
	}
	return r.levels[depth]
}

// keep records a depth's buffer after it was grown.
func (r *objReader) keep(depth int, b []byte) {
	if cap(b) > cap(r.levels[depth]) {
		r.levels[depth] = b[:0]
	}
}

func newObjReader(ps *packSet, st *filesystem.Storage) *objReader {
	return &objReader{ps: ps, st: st}
}

// get returns the type and content of object h. The content must not be
// modified (it may be cached). max, when > 0, bounds the object's size:
// larger objects return errTooLarge without being decoded.
func (r *objReader) get(h plumbing.Hash, max int64) (plumbing.ObjectType, []byte, error) {
	for i, p := range r.ps.packs {
		off, ok := p.find(h)
		if !ok {
			continue
		}
		typ, data, err := r.at(i, off, max)
		if err != nil {
			var tl errTooLarge
			if errors.As(err, &tl) {
				return 0, nil, err
			}
			return 0, nil, fmt.Errorf("%w: %s at offset %d: %v", errCorrupt, p.name, off, err)
		}
		return typ, data, nil
	}
	obj, err := r.st.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return 0, nil, err
	}
	if max > 0 && obj.Size() > max {
		return 0, nil, errTooLarge{obj.Size()}
	}
	rc, err := obj.Reader()
	if err != nil {
		return 0, nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return obj.Type(), data, nil
}

// delta is one link of a delta chain.
type delta struct {
	key  objKey
	data []byte
}

// at decodes the object at off in pack pi, resolving its delta chain.
func (r *objReader) at(pi int, off int64, max int64) (plumbing.ObjectType, []byte, error) {
	k := objKey{pi, off}
	if typ, data, ok := r.ps.cache.get(k); ok {
		if max > 0 && int64(len(data)) > max {
			return 0, nil, errTooLarge{int64(len(data))}
		}
		return typ, data, nil
	}
	p := r.ps.packs[pi]
	var chain []delta
	var typ plumbing.ObjectType
	var base []byte
	cur := off
	for depth := 0; ; depth++ {
		if depth > 10000 {
			return 0, nil, errors.New("delta chain too long")
		}
		if depth > 0 {
			if t, d, ok := r.ps.cache.get(objKey{pi, cur}); ok {
				typ, base = t, d
				break
			}
		}
		h, err := r.readRaw(p, cur)
		if err != nil {
			return 0, nil, err
		}
		if h.typ != plumbing.OFSDeltaObject && h.typ != plumbing.REFDeltaObject {
			if depth == 0 && max > 0 && h.size > max {
				return 0, nil, errTooLarge{h.size}
			}
			if depth == 0 && r.reuseWhole {
				// Not cached: the caller reads it before the next get.
				base, err = r.inflateInto(r.whole, h)
				if cap(base) > cap(r.whole) {
					r.whole = base[:0]
				}
			} else {
				base, err = r.inflate(h)
			}
			if err != nil {
				return 0, nil, err
			}
			typ = h.typ
			if depth > 0 {
				r.ps.cache.put(objKey{pi, cur}, typ, base)
			}
			break
		}
		d, err := r.inflate(h)
		if err != nil {
			return 0, nil, err
		}
		if depth == 0 && max > 0 {
			if _, n := deltaSizes(d); n > max {
				return 0, nil, errTooLarge{n}
			}
		}
		chain = append(chain, delta{key: objKey{pi, cur}, data: d})
		if h.typ == plumbing.OFSDeltaObject {
			cur = h.base
			continue
		}
		bo, ok := p.find(h.ref)
		if !ok {
			// A base in another pack or loose: read it whole.
			t, d, err := r.get(h.ref, 0)
			if err != nil {
				return 0, nil, fmt.Errorf("delta base %s: %w", h.ref, err)
			}
			typ, base = t, d
			break
		}
		cur = bo
	}
	for i := len(chain) - 1; i >= 0; i-- {
		out, err := applyDelta(nil, base, chain[i].data)
		if err != nil {
			return 0, nil, err
		}
		base = out
		if i > 0 {
			r.ps.cache.put(chain[i].key, typ, base)
		}
	}
	if len(chain) > 0 {
		// A delta result may be the base of older versions; a whole
		// object asked for directly (a commit) is not worth caching.
		r.ps.cache.put(k, typ, base)
	}
	return typ, base, nil
}

// rawObject is an object's header and compressed bytes.
type rawObject struct {
	typ  plumbing.ObjectType
	size int64         // inflated size
	base int64         // OFS delta: offset of the base
	ref  plumbing.Hash // REF delta: hash of the base
	z    []byte        // compressed data
}

func (r *objReader) readRaw(p *pack, off int64) (rawObject, error) {
	if p.data != nil && p.offsets == nil && off >= 12 && off < p.end {
		// Offsets not loaded (a lazy pack set): the object ends where
		// its compressed stream does.
		return parseHeader(p.data[off:p.end:p.end], off)
	}
	n, err := p.span(off)
	if err != nil {
		return rawObject{}, err
	}
	if n <= 0 || n > 1<<34 {
		return rawObject{}, fmt.Errorf("bad object length %d", n)
	}
	if p.data != nil {
		if off+n > int64(len(p.data)) {
			return rawObject{}, fmt.Errorf("truncated pack: object at %d needs %d bytes, %d left", off, n, int64(len(p.data))-off)
		}
		return parseHeader(p.data[off:off+n:off+n], off)
	}
	if r.winPack == p && off >= r.winOff && off+n <= r.winOff+int64(len(r.win)) {
		return parseHeader(r.win[off-r.winOff:off-r.winOff+n], off)
	}
	window := int64(r.windowed)
	if window == 0 || n > window {
		if int64(cap(r.raw)) < n {
			r.raw = make([]byte, n)
		}
		b := r.raw[:n]
		if _, err := p.f.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF)) {
			return rawObject{}, err
		}
		return parseHeader(b, off)
	}
	if int64(cap(r.win)) < window {
		r.win = make([]byte, window)
	}
	m, err := p.f.ReadAt(r.win[:window], off)
	if err != nil && !errors.Is(err, io.EOF) {
		r.winPack = nil
		return rawObject{}, err
	}
	r.win = r.win[:m]
	r.winPack, r.winOff = p, off
	if int64(m) < n {
		r.winPack = nil
		return rawObject{}, fmt.Errorf("truncated pack: object at %d needs %d bytes, %d left", off, n, m)
	}
	return parseHeader(r.win[:n], off)
}

// parseHeader parses the object header at the start of b (the object at
// pack offset off); the returned object's z is the rest of b.
func parseHeader(b []byte, off int64) (rawObject, error) {
	var o rawObject
	if len(b) == 0 {
		return o, errors.New("truncated object")
	}
	c := b[0]
	o.typ = plumbing.ObjectType((c >> 4) & 7)
	o.size = int64(c & 15)
	shift := 4
	i := 1
	for c&0x80 != 0 {
		if i >= len(b) || shift > 60 {
			return o, errors.New("bad object header")
		}
		c = b[i]
		i++
		o.size |= int64(c&0x7f) << shift
		shift += 7
	}
	switch o.typ {
	case plumbing.OFSDeltaObject:
		if i >= len(b) {
			return o, errors.New("bad delta header")
		}
		c = b[i]
		i++
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if i >= len(b) || rel > 1<<50 {
				return o, errors.New("bad delta offset")
			}
			c = b[i]
			i++
			rel = ((rel + 1) << 7) | int64(c&0x7f)
		}
		o.base = off - rel
		if o.base <= 0 || o.base >= off {
			return o, errors.New("bad delta offset")
		}
	case plumbing.REFDeltaObject:
		if i+20 > len(b) {
			return o, errors.New("bad delta header")
		}
		copy(o.ref[:], b[i:i+20])
		i += 20
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	default:
		return o, fmt.Errorf("unknown object type %d", o.typ)
	}
	o.z = b[i:]
	return o, nil
}

// inflate decompresses a raw object into a new buffer of its size.
func (r *objReader) inflate(o rawObject) ([]byte, error) {
	return r.inflateInto(nil, o)
}

// inflateInto decompresses a raw object into dst's storage (grown as
// needed).
func (r *objReader) inflateInto(dst []byte, o rawObject) ([]byte, error) {
	if o.size < 0 || o.size > 1<<34 {
		return nil, fmt.Errorf("bad object size %d", o.size)
	}
	r.zbr.Reset(o.z)
	var err error
	if r.zr == nil {
		r.zr, err = zlib.NewReader(&r.zbr)
	} else {
		err = r.zr.(zlib.Resetter).Reset(&r.zbr, nil)
	}
	if err != nil {
		return nil, err
	}
	if int64(cap(dst)) < o.size {
		dst = make([]byte, o.size)
	}
	out := dst[:o.size]
	if _, err := io.ReadFull(r.zr, out); err != nil {
		return nil, err
	}
	return out, nil
}

// deltaSizes reads the source and target sizes at the start of a delta.
func deltaSizes(d []byte) (src, dst int64) {
	read := func() int64 {
		var v int64
		shift := 0
		for len(d) > 0 && shift < 63 {
			c := d[0]
			d = d[1:]
			v |= int64(c&0x7f) << shift
			shift += 7
			if c&0x80 == 0 {
				break
			}
		}
		return v
	}
	src = read()
	dst = read()
	return src, dst
}
