package detect

import (
	"hash/maphash"
	"sync"
)

// resultCache remembers what a rule's regex found in a window, keyed by
// the rule and a hash of the window's bytes. Successive versions of a file
// in git history, copies of a file in a tree and files repeated across
// image layers present the same windows again and again; a hit skips the
// regex call. The cache is bounded: a full shard is emptied.
type resultCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

const (
	cacheShards   = 64
	cacheEntries  = 1 << 18 // in all: about 20 MB at most
	maxCachedSpan = 64 << 10
)

type cacheShard struct {
	mu sync.Mutex
	m  map[uint64][][]int
}

func newResultCache() *resultCache {
	return &resultCache{seed: maphash.MakeSeed()}
}

// key hashes a window for a rule. Its length and the rule index are mixed
// in; a 64-bit collision between two different windows is negligible.
func (c *resultCache) key(ruleIdx int, window []byte) uint64 {
	h := maphash.Bytes(c.seed, window)
	return h ^ (uint64(ruleIdx)+1)*0x9E3779B97F4A7C15 ^ uint64(len(window))<<48
}

func (c *resultCache) get(k uint64) ([][]int, bool) {
	s := &c.shards[k%cacheShards]
	s.mu.Lock()
	v, ok := s.m[k]
	s.mu.Unlock()
	return v, ok
}

func (c *resultCache) put(k uint64, v [][]int) {
	s := &c.shards[k%cacheShards]
	s.mu.Lock()
	if s.m == nil || len(s.m) >= cacheEntries/cacheShards {
		s.m = make(map[uint64][][]int, 256)
	}
	s.m[k] = v
	s.mu.Unlock()
}
