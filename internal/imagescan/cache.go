package imagescan

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/leakhound/leakhound/detect"
)

// maxCacheEntries bounds the content cache: about 60 bytes an entry, so at
// most some 60 MiB. Past it, files are scanned without being remembered.
const maxCacheEntries = 1 << 20

// contentCache remembers the findings of files already scanned, by content
// and path. The path is part of the key because rules and allowlists may
// depend on it; the same content at another path is scanned again. A file
// being scanned by one worker is waited for by the others.
type contentCache struct {
	mu       sync.Mutex
	m        map[[16]byte][]detect.Finding
	inflight map[[16]byte]chan struct{}
}

func newContentCache() *contentCache {
	return &contentCache{m: map[[16]byte][]detect.Finding{}, inflight: map[[16]byte]chan struct{}{}}
}

// contentKey is the first 16 bytes of SHA-256 over path, NUL and content.
func contentKey(p string, data []byte) [16]byte {
	h := sha256.New()
	h.Write([]byte(p))
	h.Write([]byte{0})
	h.Write(data)
	var k [16]byte
	copy(k[:], h.Sum(nil))
	return k
}

// claim returns the findings of k if it was scanned (hit). Otherwise the
// caller owns k, must scan it and then call done.
func (c *contentCache) claim(ctx context.Context, k [16]byte) (fs []detect.Finding, hit bool) {
	for {
		c.mu.Lock()
		if fs, ok := c.m[k]; ok {
			c.mu.Unlock()
			return fs, true
		}
		ch, busy := c.inflight[k]
		if !busy {
			c.inflight[k] = make(chan struct{})
			c.mu.Unlock()
			return nil, false
		}
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, false
		}
		c.mu.Lock()
		_, ok := c.m[k]
		c.mu.Unlock()
		if !ok {
			// The owner failed or the cache is full: scan it here.
			return nil, false
		}
	}
}

// done records the findings of a claimed key (when ok) and wakes waiters.
func (c *contentCache) done(k [16]byte, fs []detect.Finding, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok && len(c.m) < maxCacheEntries {
		c.m[k] = fs
	}
	if ch, busy := c.inflight[k]; busy {
		delete(c.inflight, k)
		close(ch)
	}
}
