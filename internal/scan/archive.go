package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/leakhound/leakhound/detect"
)

// Archive kinds.
const (
	kindZip  = "zip"
	kindTar  = "tar"
	kindGzip = "gzip" // .gz, or .tgz/.tar.gz (a tar inside is detected after decompression)
)

// archiveKind detects an archive by its magic bytes.
func archiveKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return kindGzip
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return kindTar
	}
	return ""
}

// errLimit stops reading an archive whose limits are exhausted.
var errLimit = errors.New("archive limit reached")

func (s *Scanner) scanArchive(ctx context.Context, loc detect.Location, r io.Reader, size int64, kind string, depth int, b *budget) error {
	if b == nil {
		b = &budget{bytes: s.Opts.MaxArchiveBytes, entries: s.Opts.MaxArchiveEntries}
	}
	var err error
	switch kind {
	case kindZip:
		err = s.scanZip(ctx, loc, r, size, depth, b)
	case kindTar:
		err = s.scanTar(ctx, loc, r, depth, b)
	case kindGzip:
		err = s.scanGzip(ctx, loc, r, depth, b)
	}
	switch {
	case errors.Is(err, errLimit):
		s.Stats.Error(SkipArchiveLimit, fmt.Errorf("%s: archive exceeds limits (%d bytes or %d entries uncompressed): rest skipped", loc.Path, s.Opts.MaxArchiveBytes, s.Opts.MaxArchiveEntries))
		return nil
	case err != nil && ctx.Err() == nil:
		s.Stats.Error(SkipArchiveCorrupt, fmt.Errorf("%s: %w", loc.Path, err))
		return nil
	}
	return err
}

// member names an archive member for reports: outer.zip!inner/file.txt.
func member(loc detect.Location, name string) detect.Location {
	loc.Path = loc.Path + "!" + strings.TrimPrefix(path.Clean("/"+name), "/")
	return loc
}

// limited counts bytes against the archive budget.
type limited struct {
	r io.Reader
	b *budget
}

func (l *limited) Read(p []byte) (int, error) {
	if l.b.bytes <= 0 {
		return 0, errLimit
	}
	if int64(len(p)) > l.b.bytes {
		p = p[:l.b.bytes]
	}
	n, err := l.r.Read(p)
	l.b.bytes -= int64(n)
	return n, err
}

func (s *Scanner) entry(ctx context.Context, loc detect.Location, name string, r io.Reader, size int64, depth int, b *budget) error {
	b.entries--
	if b.entries < 0 {
		return errLimit
	}
	if size > b.bytes {
		return errLimit
	}
	err := s.scanItem(ctx, member(loc, name), &limited{r: r, b: b}, size, depth+1, b)
	if err != nil && !errors.Is(err, errLimit) && ctx.Err() == nil {
		// A bad member is reported; the archive goes on.
		s.Stats.Error(SkipUnreadable, fmt.Errorf("%s: %w", member(loc, name).Path, err))
		return nil
	}
	return err
}

func (s *Scanner) scanZip(ctx context.Context, loc detect.Location, r io.Reader, size int64, depth int, b *budget) error {
	// zip needs random access: read the archive into memory within budget.
	if size > b.bytes {
		return errLimit
	}
	data, err := io.ReadAll(&limited{r: r, b: b})
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			s.Stats.Error(SkipUnreadable, fmt.Errorf("%s: %w", member(loc, f.Name).Path, err))
			continue
		}
		err = s.entry(ctx, loc, f.Name, rc, int64(f.UncompressedSize64), depth, b)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Scanner) scanTar(ctx context.Context, loc detect.Location, r io.Reader, depth int, b *budget) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
			continue
		}
		if err := s.entry(ctx, loc, h.Name, tr, h.Size, depth, b); err != nil {
			return err
		}
	}
}

func (s *Scanner) scanGzip(ctx context.Context, loc detect.Location, r io.Reader, depth int, b *budget) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	defer zr.Close()
	name := strings.TrimSuffix(strings.TrimSuffix(path.Base(loc.Path), ".gz"), ".tgz")
	if strings.HasSuffix(loc.Path, ".tgz") {
		name += ".tar"
	}
	// The decompressed stream is scanned as a member; if it is a tar, the
	// member scan detects that and lists the tar's files, in which case the
	// member name is dropped (a.tar.gz!file, not a.tar.gz!a.tar!file).
	br := newPeekReader(&limited{r: zr, b: b})
	head, _ := br.Peek(512)
	if archiveKind(head) == kindTar {
		return s.scanTar(ctx, loc, br, depth, b)
	}
	return s.entry(ctx, loc, name, br, -1, depth, b)
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

// peekReader is a reader that can look ahead without consuming.
type peekReader struct {
	r   io.Reader
	buf []byte
}

// Peek returns up to n bytes without consuming them.
func (p *peekReader) Peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		tmp := make([]byte, n-len(p.buf))
		m, err := p.r.Read(tmp)
		p.buf = append(p.buf, tmp[:m]...)
		if err != nil {
			return p.buf, err
		}
	}
	return p.buf[:n], nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}
