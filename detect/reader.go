package detect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

const (
	// chunkSize is how much of a large input is scanned at a time.
	chunkSize = 4 << 20
	// overlap is how far chunks overlap, which bounds the longest match
	// found across a chunk boundary.
	overlap = 64 << 10
)

// ScanReader scans an input of any size in chunks, calling emit for each
// finding. Memory stays bounded by the chunk size whatever the input size.
// Chunks overlap so that no match shorter than 64 KiB is lost at a boundary.
func (e *Engine) ScanReader(ctx context.Context, r io.Reader, loc Location, emit func(Finding)) error {
	return e.scanReader(ctx, r, loc, chunkSize, emit)
}

func (e *Engine) scanReader(ctx context.Context, r io.Reader, loc Location, size int, emit func(Finding)) error {
	if e.SkipInput(loc) {
		return nil
	}
	buf := make([]byte, 0, size+2*overlap)
	var base int64    // input offset of buf[0]
	var ownFrom int64 // findings before this were reported by the previous chunk
	lineBase, colBase := 0, 0
	budget := e.opts.MaxDecodedBytes
	first := true
	for {
		// Fill the buffer.
		eof := false
		for len(buf) < cap(buf) {
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", loc.Path, err)
			}
		}
		ownTo := base + int64(len(buf))
		if !eof {
			ownTo -= overlap
		}
		ci := chunkInfo{base: base, lineBase: lineBase, colBase: colBase, ownFrom: ownFrom, ownTo: ownTo, decodeCap: &budget}
		if err := e.scanChunk(ctx, buf, loc, ci, first, emit); err != nil {
			return err
		}
		first = false
		if eof {
			return nil
		}
		// Keep the last 2*overlap bytes: overlap of back context for the
		// next chunk's owned region, plus the unowned tail.
		keep := int(ownTo-base) - overlap
		dropped := buf[:keep]
		if nl := bytes.Count(dropped, []byte{'\n'}); nl > 0 {
			lineBase += nl
			colBase = utf8.RuneCount(dropped[bytes.LastIndexByte(dropped, '\n')+1:])
		} else {
			colBase += utf8.RuneCount(dropped)
		}
		n := copy(buf, buf[keep:])
		buf = buf[:n]
		base += int64(keep)
		ownFrom = ownTo
	}
}

func (e *Engine) scanChunk(ctx context.Context, data []byte, loc Location, ci chunkInfo, first bool, emit func(Finding)) error {
	if first {
		for _, i := range e.pathOnly {
			r := e.rules[i]
			if r.path.MatchString(loc.Path) && !r.r.SkipReport {
				emit(e.pathFinding(r, loc))
			}
		}
	}
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	fs, err := e.find(ctx, s, data, loc, ci, 0)
	if err != nil {
		return err
	}
	for i := range fs {
		emit(fs[i])
	}
	return nil
}

// IsBinary reports whether the start of an input looks binary (it holds a
// NUL byte). UTF-16 text with a byte-order mark is not binary.
func IsBinary(prefix []byte) bool {
	if len(prefix) > 8000 {
		prefix = prefix[:8000]
	}
	if bytes.HasPrefix(prefix, []byte{0xff, 0xfe}) || bytes.HasPrefix(prefix, []byte{0xfe, 0xff}) {
		return false
	}
	return bytes.IndexByte(prefix, 0) >= 0
}
