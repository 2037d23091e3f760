package imagescan

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

// Flags recorded for each path of a layer, to compute file status.
const (
	flagFile     uint8 = 1 << iota // a non-directory entry (file, link, device)
	flagDir                        // a directory entry
	flagWhiteout                   // .wh.NAME: NAME is deleted from lower layers
	flagOpaque                     // .wh..wh..opq: lower contents of this directory are hidden
)

const (
	whPrefix     = ".wh."
	opaqueMarker = ".wh..wh..opq"
	// maxZstdWindow bounds a zstd decoder's memory (the format allows
	// windows up to 3.75 TB; encoders use a few MB).
	maxZstdWindow = 128 << 20
)

// layerResult is what reading a layer yields. It is shared, read-only,
// between the images holding the layer.
type layerResult struct {
	// entries maps the hash of each path the layer touches to its flags.
	entries map[uint64]uint8
	// found are the layer's findings; their Path is the path in the layer.
	found []found
	// complete says the layer was read to its end.
	complete bool
}

// found is a finding in a layer and the layer file it is in (the finding's
// path may name a member of an archive inside that file).
type found struct {
	f    detect.Finding
	file string
}

func (r *run) mark(res *layerResult, p string, flag uint8) {
	res.entries[r.hash(p)] |= flag
}

// readLayer streams layer l and scans each of its files. Problems are
// recorded in the scan's stats, naming image and layer; what was read
// before a problem is kept.
func (r *run) readLayer(ctx context.Context, l *layerRef) *layerResult {
	res := &layerResult{entries: map[uint64]uint8{}}
	rc, err := l.open(ctx)
	if err != nil {
		if ctx.Err() == nil {
			reason := SkipLayer
			if isMissing(err) {
				reason = SkipMissingBlob
			}
			r.sc.Stats.Error(reason, fmt.Errorf("%s: %w: layer skipped", l.where, err))
		}
		return res
	}
	defer rc.Close()
	dr, closeDec, err := decompress(rc)
	if err != nil {
		r.sc.Stats.Error(SkipLayer, fmt.Errorf("%s: %w: layer skipped", l.where, describe(err)))
		return res
	}
	defer closeDec()
	ra := newReadahead(dr)
	// Closing the blob first unblocks a read-ahead stuck on the network.
	defer ra.Close(rc.Close)
	stream := &errReader{r: ra}
	br := bufio.NewReaderSize(stream, 64<<10)
	head, _ := br.Peek(512)
	if !isTarHeader(head) {
		if stream.err != nil {
			r.sc.Stats.Error(SkipLayer, fmt.Errorf("%s: %w: layer skipped", l.where, describe(stream.err)))
		} else if l.mediaType != "" && !types.MediaType(l.mediaType).IsLayer() {
			r.sc.Stats.Error(SkipMediaType, fmt.Errorf("%s: unknown media type %q and the content is not a tar: skipped", l.where, l.mediaType))
		} else {
			r.sc.Stats.Error(SkipLayer, fmt.Errorf("%s: not a tar archive: layer skipped", l.where))
		}
		return res
	}
	bp := r.bufs.Get().(*[]byte)
	defer r.bufs.Put(bp)
	tr := tar.NewReader(br)
	n := 0
	for {
		if ctx.Err() != nil {
			return res
		}
		h, err := tr.Next()
		if err == io.EOF {
			res.complete = true
			return res
		}
		if err != nil {
			if stream.err != nil {
				err = stream.err
			}
			r.sc.Stats.Error(SkipLayer, fmt.Errorf("%s: %w after %d entries: rest of layer skipped", l.where, describe(err), n))
			return res
		}
		n++
		p, unsafe := cleanPath(h.Name)
		if unsafe {
			r.sc.Stats.Error(SkipUnsafePath, fmt.Errorf("%s: entry %q leaves the image root: scanned as %q", l.where, h.Name, p))
		}
		dir, base := splitPath(p)
		if strings.HasPrefix(base, whPrefix) {
			switch {
			case base == opaqueMarker:
				r.mark(res, dir, flagOpaque)
			case strings.HasPrefix(base, whPrefix+whPrefix):
				// Other aufs metadata (.wh..wh.plnk, ...): not files.
			default:
				r.mark(res, path.Join(dir, base[len(whPrefix):]), flagWhiteout)
			}
			continue
		}
		if p == "" {
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			r.mark(res, p, flagDir)
			continue
		case tar.TypeReg, tar.TypeGNUSparse, '\x00':
		default:
			// Links, devices and fifos hold no content of their own (a
			// hard link's content is its target's, scanned there).
			r.mark(res, p, flagFile)
			continue
		}
		r.mark(res, p, flagFile)
		if err := r.scanFile(ctx, l, res, p, h.Size, tr, bp); err != nil {
			if ctx.Err() != nil {
				return res
			}
			if stream.err != nil {
				r.sc.Stats.Error(SkipLayer, fmt.Errorf("%s: %s: %w after %d entries: rest of layer skipped", l.where, p, describe(stream.err), n))
				return res
			}
			r.sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", l.where, err))
		}
	}
}

// Files of these sizes are read whole and remembered by content and path,
// so that a copy in another layer or image is not scanned again. Larger
// files are streamed (scan.Scanner holds up to 8 MiB in memory anyway);
// smaller ones cost less to scan than to remember.
const (
	cacheMinSize = 512
	cacheMaxSize = 8 << 20
)

// scanFile scans one file of a layer, adding its findings to res.
func (r *run) scanFile(ctx context.Context, l *layerRef, res *layerResult, p string, size int64, rd io.Reader, bp *[]byte) error {
	if limit := r.sc.Opts.MaxFileSize; limit > 0 && size > limit {
		r.sc.Stats.SkipItem(scan.SkipTooLarge, l.where+": "+p)
		return nil
	}
	loc := detect.Location{Source: detect.SourceImage, Path: p}
	var got []detect.Finding
	c := *r.sc
	c.Emit = func(f detect.Finding) { got = append(got, f) }
	defer func() {
		for _, f := range got {
			res.found = append(res.found, found{f: f, file: p})
		}
	}()
	if size < cacheMinSize || size > cacheMaxSize {
		return c.ScanItem(ctx, loc, rd, size)
	}
	if int64(cap(*bp)) < size {
		*bp = make([]byte, size)
	}
	data := (*bp)[:size]
	if _, err := io.ReadFull(rd, data); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if detect.IsBinary(data[:min(len(data), 8192)]) && !maybeArchive(data) {
		// Skipped as binary by ScanItem: not worth remembering.
		return c.ScanItem(ctx, loc, bytes.NewReader(data), size)
	}
	key := contentKey(p, data)
	if fs, hit := r.cache.claim(ctx, key); hit {
		got = append(got, fs...)
		r.sc.Stats.Skip(SkipDuplicate)
		return nil
	}
	err := c.ScanItem(ctx, loc, bytes.NewReader(data), size)
	r.cache.done(key, got, err == nil)
	return err
}

// maybeArchive reports whether data starts like an archive that
// scan.Scanner opens (zip, gzip, tar).
func maybeArchive(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")) ||
		bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || len(data) >= 262 && string(data[257:262]) == "ustar"
}

// Magic numbers of compressed streams.
const (
	gzipMagic = "\x1f\x8b"
	zstdMagic = "\x28\xb5\x2f\xfd"
)

// decompress detects gzip and zstd by their magic bytes (media types are
// not always right) and returns the uncompressed stream.
func decompress(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 256<<10)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF {
		return nil, nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte(gzipMagic)):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case bytes.HasPrefix(head, []byte(zstdMagic)):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return br, func() {}, nil
}

// errReader remembers the first read error other than io.EOF, to tell a
// broken layer stream from a problem with one file.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// isTarHeader reports whether block is a valid tar header block (by its
// checksum), or the zero block ending an empty archive, or empty.
func isTarHeader(block []byte) bool {
	if len(block) == 0 {
		return true
	}
	if len(block) < 512 {
		return false
	}
	block = block[:512]
	if bytes.Count(block, []byte{0}) == 512 {
		return true
	}
	field := strings.Trim(string(block[148:156]), " \x00")
	want, err := strconv.ParseInt(field, 8, 64)
	if err != nil {
		return false
	}
	var unsigned, signed int64
	for i, c := range block {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || want == signed
}

// cleanPath turns a tar entry name into a path relative to the image root
// ("" for the root itself). unsafe reports a name that climbs out of the
// root with "..".
func cleanPath(name string) (p string, unsafe bool) {
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			unsafe = true
			break
		}
	}
	return path.Clean("/" + name)[1:], unsafe
}

// splitPath splits a clean path into its directory ("" for the root) and
// base name.
func splitPath(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// describe makes stream errors readable.
func describe(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated (%w)", err)
	case errors.Is(err, tar.ErrHeader):
		return fmt.Errorf("corrupt tar (%w)", err)
	}
	return err
}
