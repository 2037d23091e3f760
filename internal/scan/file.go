package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/leakhound/leakhound/detect"
)

// FileBuffer is the read buffer ScanFile reuses from one file to the next.
// It belongs to one goroutine; the zero value is ready to use.
type FileBuffer struct{ b []byte }

const (
	// firstRead is what ScanFile reads before it decides whether a file
	// is binary: most source files fit whole.
	firstRead = 64 << 10
	// keepBuffer is the largest buffer a FileBuffer keeps between files.
	keepBuffer = 1 << 20
)

// ScanFile reads the regular file at path into buf and scans it as ScanItem
// would scan its content, with fewer system calls and no fresh memory per
// file: a directory scan of small files spent a third of its time opening
// files through os.File (which tries to register each with the network
// poller) and zeroing new buffers. A binary file is skipped after its
// first 64 KiB, and a file over the size limit after that, unread;
// a file too large to hold in memory is streamed.
func (s *Scanner) ScanFile(ctx context.Context, loc detect.Location, path string, buf *FileBuffer) error {
	if done, err := s.skip(ctx, loc, -1); done {
		return err
	}
	f, err := openRaw(path)
	if err != nil {
		return fmt.Errorf("%s: %w", loc.Path, err)
	}
	defer f.Close()
	defer func() {
		if cap(buf.b) > keepBuffer {
			buf.b = nil
		}
	}()
	if cap(buf.b) < firstRead {
		buf.b = make([]byte, 0, firstRead)
	}
	b := buf.b[:0]
	n, err := readSome(f, b[:firstRead])
	b = b[:n]
	if err == nil {
		size, serr := f.Size()
		if serr != nil {
			return fmt.Errorf("%s: %w", loc.Path, serr)
		}
		if s.Opts.MaxFileSize > 0 && size > s.Opts.MaxFileSize {
			s.Stats.SkipItem(SkipTooLarge, loc.Path)
			return nil
		}
		head := b[:min(len(b), 8192)]
		if archiveKind(head) == "" && detect.IsBinary(head) {
			s.Stats.SkipItem(SkipBinary, loc.Path)
			return nil
		}
		if size > inMemoryLimit {
			return s.scanItem(ctx, loc, io.MultiReader(bytes.NewReader(b), f), size, 0, nil)
		}
		// Read to the end, growing the buffer to the file's size (or
		// further, if it grows as it is read, up to the in-memory limit).
		for err == nil {
			if len(b) == cap(b) {
				if len(b) > inMemoryLimit {
					return s.scanItem(ctx, loc, io.MultiReader(bytes.NewReader(b), f), -1, 0, nil)
				}
				nb := make([]byte, len(b), max(int(size)+1, 2*cap(b)))
				copy(nb, b)
				b = nb
				buf.b = nb
			}
			n, err = readSome(f, b[len(b):cap(b)])
			b = b[:len(b)+n]
		}
	}
	if err != io.EOF {
		return fmt.Errorf("%s: %w", loc.Path, err)
	}
	return s.ScanBytes(ctx, loc, b)
}

// readSome reads into p until p is full or the file ends (io.EOF).
func readSome(f rawFile, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := f.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
