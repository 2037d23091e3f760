package scan

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"unicode/utf16"

	"github.com/leakhound/leakhound/detect"
)

// Options bound what a Scanner reads.
type Options struct {
	// MaxFileSize skips items larger than this many bytes (0: no limit).
	MaxFileSize int64
	// MaxArchiveDepth is how deep archives inside archives are opened
	// (0: archives are not opened).
	MaxArchiveDepth int
	// MaxArchiveBytes bounds the uncompressed bytes read from one
	// top-level archive, nested ones included.
	MaxArchiveBytes int64
	// MaxArchiveEntries bounds the entries read from one top-level archive.
	MaxArchiveEntries int
}

// DefaultOptions are the CLI's defaults.
func DefaultOptions() Options {
	return Options{
		MaxFileSize:       10 << 20,
		MaxArchiveDepth:   2,
		MaxArchiveBytes:   256 << 20,
		MaxArchiveEntries: 100000,
	}
}

// Scanner scans items of content for a source. It is safe for concurrent use.
type Scanner struct {
	// Engine runs the rules.
	Engine *detect.Engine
	// Opts bounds what is read.
	Opts Options
	// Stats counts what was scanned and skipped.
	Stats *Stats
	// Emit receives findings; it is called from many goroutines.
	Emit func(detect.Finding)
}

// inMemoryLimit is the largest item read whole; larger ones are streamed in
// chunks.
const inMemoryLimit = 8 << 20

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readerPool recycles the buffered readers items are peeked through: a
// fresh 16 KiB buffer per file was a measurable share of a scan.
var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

// ScanItem scans one item. size is its length, or -1 when unknown. r is
// read once. An item over the size limit is counted and skipped; a binary
// item is skipped unless it is an archive this scanner opens. Read errors
// are returned wrapped with the item's path; the caller decides whether to
// go on (sources count them with Stats.Error and continue).
func (s *Scanner) ScanItem(ctx context.Context, loc detect.Location, r io.Reader, size int64) error {
	return s.scanItem(ctx, loc, r, size, 0, nil)
}

// budget tracks one top-level archive's limits.
type budget struct {
	bytes   int64
	entries int
}

// skip applies the checks that need no content: cancellation, the size
// limit and path allowlists. It reports whether the item is done with.
func (s *Scanner) skip(ctx context.Context, loc detect.Location, size int64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return true, err
	}
	if s.Opts.MaxFileSize > 0 && size > s.Opts.MaxFileSize {
		s.Stats.SkipItem(SkipTooLarge, loc.Path)
		return true, nil
	}
	if s.Engine.SkipInput(loc) {
		s.Stats.SkipItem(SkipAllowlisted, loc.Path)
		return true, nil
	}
	return false, nil
}

// ScanBytes scans an item that is already in memory (a git blob, say)
// without copying it. It applies the same limits as ScanItem.
func (s *Scanner) ScanBytes(ctx context.Context, loc detect.Location, data []byte) error {
	if done, err := s.skip(ctx, loc, int64(len(data))); done {
		return err
	}
	head := data[:min(len(data), 8192)]
	if kind := archiveKind(head); kind != "" {
		return s.openArchive(ctx, loc, bytes.NewReader(data), int64(len(data)), kind, 0, nil)
	}
	return s.scanText(ctx, loc, data, head)
}

// ScanBytesChanged scans a new version of an item already in memory whose
// previous version, at the same path, was scanned with ScanBytes as plain
// text: only findings that overlap the changed ranges (see
// detect.Engine.ScanChanged) are emitted. Everything ScanBytes treats
// specially is handled as ScanBytes does, whole: the size limit, path
// allowlists, archives, binary and UTF-16 content. partial reports whether
// the changed scan was used (false: the item was handled as by ScanBytes).
// Path-only rules report nothing here: the previous version had them.
func (s *Scanner) ScanBytesChanged(ctx context.Context, loc detect.Location, data []byte, changed []detect.Range) (partial bool, err error) {
	if done, err := s.skip(ctx, loc, int64(len(data))); done {
		return false, err
	}
	head := data[:min(len(data), 8192)]
	if archiveKind(head) != "" || detect.IsBinary(head) || isUTF16(head) {
		return false, s.ScanBytes(ctx, loc, data)
	}
	s.Stats.AddScanned(int64(len(data)))
	fs, err := s.Engine.ScanChanged(ctx, data, loc, changed)
	for _, f := range fs {
		s.Emit(f)
	}
	return true, err
}

// PlainText reports whether ScanBytes scans data at loc as plain text, the
// whole of it, with the engine: not over the size limit, not allowlisted by
// path or commit, not an archive, binary or UTF-16.
func (s *Scanner) PlainText(loc detect.Location, data []byte) bool {
	if s.Opts.MaxFileSize > 0 && int64(len(data)) > s.Opts.MaxFileSize {
		return false
	}
	if s.Engine.SkipInput(loc) {
		return false
	}
	head := data[:min(len(data), 8192)]
	return archiveKind(head) == "" && !detect.IsBinary(head) && !isUTF16(head)
}

func (s *Scanner) scanItem(ctx context.Context, loc detect.Location, r io.Reader, size int64, depth int, b *budget) error {
	if done, err := s.skip(ctx, loc, size); done {
		return err
	}
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() {
		br.Reset(nil)
		readerPool.Put(br)
	}()
	head, err := br.Peek(8192)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fmt.Errorf("%s: %w", loc.Path, err)
	}
	if kind := archiveKind(head); kind != "" {
		return s.openArchive(ctx, loc, br, size, kind, depth, b)
	}
	if size > inMemoryLimit && !isUTF16(head) {
		if detect.IsBinary(head) {
			s.Stats.SkipItem(SkipBinary, loc.Path)
			return nil
		}
		return s.stream(ctx, loc, br)
	}
	if detect.IsBinary(head) {
		// Binary and no archive: skipped unread.
		s.Stats.SkipItem(SkipBinary, loc.Path)
		return nil
	}
	// Small or of unknown size (stdin, archive members): read into memory,
	// switching to chunks if it turns out large.
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	limit := max(int64(inMemoryLimit), s.Opts.MaxFileSize)
	if size > 0 && size <= limit {
		// One allocation of the right size, not a doubling series.
		buf.Grow(int(size) + bytes.MinRead)
	}
	n, err := io.Copy(buf, io.LimitReader(br, limit+1))
	if err != nil {
		return fmt.Errorf("%s: %w", loc.Path, err)
	}
	if s.Opts.MaxFileSize > 0 && n > s.Opts.MaxFileSize {
		s.Stats.SkipItem(SkipTooLarge, loc.Path)
		return nil
	}
	if n > limit {
		if detect.IsBinary(head) {
			s.Stats.SkipItem(SkipBinary, loc.Path)
			return nil
		}
		return s.stream(ctx, loc, io.MultiReader(bytes.NewReader(buf.Bytes()), br))
	}
	return s.scanText(ctx, loc, buf.Bytes(), head)
}

// openArchive opens an archive unless it is nested too deep.
func (s *Scanner) openArchive(ctx context.Context, loc detect.Location, r io.Reader, size int64, kind string, depth int, b *budget) error {
	if depth >= s.Opts.MaxArchiveDepth {
		s.Stats.SkipItem(SkipArchiveDepth, loc.Path)
		return nil
	}
	return s.scanArchive(ctx, loc, r, size, kind, depth, b)
}

// scanText scans an item held in memory: binary items are skipped and
// UTF-16 text is converted first.
func (s *Scanner) scanText(ctx context.Context, loc detect.Location, data, head []byte) error {
	if detect.IsBinary(head) {
		s.Stats.SkipItem(SkipBinary, loc.Path)
		return nil
	}
	if isUTF16(head) {
		data = decodeUTF16(data)
	}
	s.Stats.AddScanned(int64(len(data)))
	fs, err := s.Engine.Scan(ctx, data, loc)
	for _, f := range fs {
		s.Emit(f)
	}
	return err
}

func (s *Scanner) stream(ctx context.Context, loc detect.Location, r io.Reader) error {
	if s.Opts.MaxFileSize > 0 {
		r = io.LimitReader(r, s.Opts.MaxFileSize+1)
	}
	cr := &countingReader{r: r}
	var found []detect.Finding
	err := s.Engine.ScanReader(ctx, cr, loc, func(f detect.Finding) { found = append(found, f) })
	if err != nil {
		return err
	}
	if s.Opts.MaxFileSize > 0 && cr.n > s.Opts.MaxFileSize {
		s.Stats.SkipItem(SkipTooLarge, loc.Path)
		return nil
	}
	s.Stats.AddScanned(cr.n)
	for _, f := range found {
		s.Emit(f)
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func isUTF16(head []byte) bool {
	return bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff})
}

// decodeUTF16 converts UTF-16 text with a byte-order mark to UTF-8.
func decodeUTF16(b []byte) []byte {
	be := b[0] == 0xfe
	b = b[2:]
	u := make([]uint16, len(b)/2)
	for i := range u {
		if be {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return []byte(string(utf16.Decode(u)))
}
