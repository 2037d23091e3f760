package imagescan

import (
	"io"
	"sync"
)

// Read-ahead sizing: up to raDepth chunks of raChunk bytes are decompressed
// ahead of the scanner, so that one large layer keeps two cores busy
// (decompressing and scanning) with 2 MiB of memory.
const (
	raChunk = 256 << 10
	raDepth = 8
)

// readahead reads its source in a goroutine, ahead of the consumer.
type readahead struct {
	ch   chan raChunkMsg
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
	free sync.Pool
	cur  []byte
	buf  []byte // backing slice of cur, returned to free when used up
	err  error
}

type raChunkMsg struct {
	b   []byte
	err error
}

func newReadahead(src io.Reader) *readahead {
	ra := &readahead{ch: make(chan raChunkMsg, raDepth), done: make(chan struct{})}
	ra.free.New = func() any { return make([]byte, raChunk) }
	ra.wg.Add(1)
	go func() {
		defer ra.wg.Done()
		defer close(ra.ch)
		for {
			b := ra.free.Get().([]byte)[:raChunk]
			n, err := fill(src, b)
			if n > 0 {
				select {
				case ra.ch <- raChunkMsg{b: b[:n]}:
				case <-ra.done:
					return
				}
			}
			if err != nil {
				select {
				case ra.ch <- raChunkMsg{err: err}:
				case <-ra.done:
				}
				return
			}
		}
	}()
	return ra
}

func (ra *readahead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			ra.free.Put(ra.buf[:cap(ra.buf)])
			ra.buf = nil
		}
		if ra.err != nil {
			return 0, ra.err
		}
		m, ok := <-ra.ch
		if !ok {
			ra.err = io.ErrClosedPipe
			return 0, ra.err
		}
		if m.err != nil {
			ra.err = m.err
			return 0, m.err
		}
		ra.cur, ra.buf = m.b, m.b
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the reading goroutine and waits for it, so that the source
// can be closed safely afterwards. unblock, if not nil, is called before
// waiting, to end a read that could block (a network stream).
func (ra *readahead) Close(unblock func() error) {
	ra.once.Do(func() { close(ra.done) })
	if unblock != nil {
		unblock()
	}
	ra.wg.Wait()
}

// fill reads into b what the source has (at least a byte, unless it
// fails), without waiting for more: a stalled stream must not hold back
// data already read. The source's error is passed on unchanged.
func fill(r io.Reader, b []byte) (int, error) {
	for i := 0; i < 100; i++ {
		if n, err := r.Read(b); n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}
