// Package imagescan scans container images for secrets: every file of every
// layer, including files that a later layer deletes or overwrites, and the
// image config (Env, Labels, Cmd, Entrypoint, OnBuild, Healthcheck and the
// history's created_by steps, where ARG and RUN secrets land).
//
// Images come from docker-save tarballs (legacy and Docker 25+ layouts), OCI
// archive tarballs, OCI layout directories and registries; no Docker daemon
// is involved. Layers are streamed from their tar, never extracted to disk,
// and processed in parallel. Every file goes through scan.Scanner.ScanItem,
// so archives inside layers are opened and size limits apply. Identical
// files (same content at the same path) and identical layers are scanned
// once; their findings are reported for every place they occur.
//
// Whiteouts (.wh.NAME) and opaque directories (.wh..wh..opq) are applied to
// tell, for each finding, whether its file is still in the image's final
// filesystem (see detect.ImageInfo.Status).
package imagescan

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"runtime"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

// Skip reasons this package records in scan.Stats, besides the scan
// package's own.
const (
	// SkipImage: an image could not be read at all.
	SkipImage = "unreadable image"
	// SkipLayer: a layer could not be read (wholly or from some point on).
	SkipLayer = "unreadable layer"
	// SkipMissingBlob: a layer blob is not in the tarball, layout or registry.
	SkipMissingBlob = "missing blob"
	// SkipConfig: an image config could not be read; its layers are still
	// scanned.
	SkipConfig = "unreadable config"
	// SkipDamaged: a tarball is damaged (truncated); what is readable is
	// scanned.
	SkipDamaged = "damaged tarball"
	// SkipMediaType: a layer of unknown media type whose content is not a tar.
	SkipMediaType = "unknown media type"
	// SkipUnsafePath: a layer entry whose path leaves the root (../); its
	// content is still scanned, under the cleaned path.
	SkipUnsafePath = "unsafe path"
	// SkipDuplicate: a file or layer already scanned elsewhere in this run;
	// its findings are reported again with this place's provenance.
	SkipDuplicate = "duplicate content"
)

// DefaultPlatform is the platform picked from multi-platform images when
// Options.Platform is empty.
const DefaultPlatform = "linux/amd64"

// Options tune an image scan. The zero value is usable.
type Options struct {
	// Platform (os/arch[/variant]) picks the image from multi-platform
	// indexes. Empty means DefaultPlatform, leniently: an index holding a
	// single image is scanned whatever its platform. A platform set
	// explicitly is strict.
	Platform string
	// Insecure allows plain HTTP (and unverified TLS) registries.
	Insecure bool
	// Workers is how many layers are read at once (default: number of CPUs,
	// at least 2).
	Workers int
	// Keychain resolves registry credentials (default authn.DefaultKeychain,
	// the user's docker credentials).
	Keychain authn.Keychain
	// Transport is the HTTP transport for registries (default
	// http.DefaultTransport).
	Transport http.RoundTripper
}

// Scan scans the images named by refs: paths of docker-save or OCI archive
// tarballs, OCI layout directories (optionally PATH:NAME to pick an image by
// tag or ref name), or registry references. Findings go to sc.Emit with
// detect.ImageInfo provenance, after each image's layers are all read.
// Problems with single images, layers or files are recorded in sc.Stats
// with messages naming image and layer, and the scan goes on. Scan returns
// an error only when no image could be read at all, or when ctx ends.
func Scan(ctx context.Context, refs []string, opts Options, sc *scan.Scanner) error {
	if len(refs) == 0 {
		return errors.New("no image given")
	}
	r, err := newRun(opts, sc)
	if err != nil {
		return err
	}
	defer r.closeStores()
	var imgs []*image
	var errs []string
	for _, ref := range refs {
		if err := ctx.Err(); err != nil {
			return err
		}
		got, err := r.resolve(ctx, ref)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			err = oneLine(err)
			errs = append(errs, err.Error())
			sc.Stats.Error(SkipImage, err)
		}
		imgs = append(imgs, got...)
	}
	if len(imgs) == 0 {
		if len(errs) == 1 {
			return errors.New(errs[0])
		}
		return fmt.Errorf("none of the %d images could be read: %s", len(refs), strings.Join(errs, "; "))
	}
	return r.scanImages(ctx, imgs)
}

// run is the state of one Scan call.
type run struct {
	opts     Options
	platform v1.Platform
	strict   bool // platform set explicitly
	sc       *scan.Scanner
	seed     maphash.Seed
	cache    *contentCache

	bufs sync.Pool // *[]byte buffers for files read whole

	mu     sync.Mutex
	shared map[string]*sharedLayer // layer results by layer key
	stores []interface{ close() error }
}

// sharedLayer lets images that hold the same layer read it once.
type sharedLayer struct {
	refs    int // images (times layers) still to use the result
	started bool
	done    chan struct{}
	res     *layerResult
}

func newRun(opts Options, sc *scan.Scanner) (*run, error) {
	if opts.Workers <= 0 {
		opts.Workers = max(runtime.NumCPU(), 2)
	}
	if opts.Keychain == nil {
		opts.Keychain = authn.DefaultKeychain
	}
	r := &run{opts: opts, sc: sc, seed: maphash.MakeSeed(), cache: newContentCache(), shared: map[string]*sharedLayer{}}
	r.bufs.New = func() any { return new([]byte) }
	p := opts.Platform
	if p == "" {
		p = DefaultPlatform
	} else {
		r.strict = true
	}
	plat, err := v1.ParsePlatform(p)
	if err != nil {
		return nil, fmt.Errorf("--platform %q: %w", p, err)
	}
	r.platform = *plat
	return r, nil
}

func (r *run) closeStores() {
	for _, s := range r.stores {
		s.close()
	}
}

// job is one layer of one image to read.
type job struct {
	img *image
	idx int
}

// scanImages reads all layers of all images with a pool of workers and
// reports each image's findings, in order, once its layers are done.
func (r *run) scanImages(ctx context.Context, imgs []*image) error {
	for _, img := range imgs {
		img.results = make([]*layerResult, len(img.layers))
		img.wg.Add(len(img.layers))
		for _, l := range img.layers {
			e := r.shared[l.key]
			if e == nil {
				e = &sharedLayer{done: make(chan struct{})}
				r.shared[l.key] = e
			}
			e.refs++
		}
	}
	jobs := make(chan job)
	var workers sync.WaitGroup
	for i := 0; i < r.opts.Workers; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for j := range jobs {
				if ctx.Err() == nil {
					j.img.results[j.idx] = r.layer(ctx, j.img.layers[j.idx])
				}
				j.img.wg.Done()
			}
		}()
	}
	go func() {
		for _, img := range imgs {
			for i := range img.layers {
				jobs <- job{img, i}
			}
		}
		close(jobs)
	}()
	for _, img := range imgs {
		img.wg.Wait()
		// After a cancel, what was found so far is still reported.
		r.finish(ctx, img)
	}
	workers.Wait()
	return ctx.Err()
}

// layer returns the result of reading layer l, shared with the other
// images (and other places in this image) that hold the same layer.
func (r *run) layer(ctx context.Context, l *layerRef) *layerResult {
	r.mu.Lock()
	e := r.shared[l.key]
	if !e.started {
		e.started = true
		r.mu.Unlock()
		e.res = r.readLayer(ctx, l)
		close(e.done)
		return e.res
	}
	r.mu.Unlock()
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil
	}
	if e.res != nil && e.res.complete {
		r.sc.Stats.Skip(SkipDuplicate)
		return e.res
	}
	// The first reader failed: this image may have a good copy.
	return r.readLayer(ctx, l)
}

// release drops the shared results that no image needs any more.
func (r *run) release(img *image) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range img.layers {
		if e := r.shared[l.key]; e != nil {
			e.refs--
			if e.refs <= 0 {
				delete(r.shared, l.key)
			}
		}
	}
	img.results = nil
}

// finish scans img's config and emits all of its findings with provenance.
func (r *run) finish(ctx context.Context, img *image) {
	defer r.release(img)
	for _, fd := range r.scanConfig(ctx, img) {
		f := fd.f
		info := img.info()
		info.LayerIndex = -1
		info.Field = f.Path
		f.Image = &info
		r.sc.Emit(f)
	}
	var hashes []uint64
	for i, res := range img.results {
		if res == nil {
			continue
		}
		l := img.layers[i]
		for _, fd := range res.found {
			f := fd.f
			info := img.info()
			info.LayerIndex = l.index
			info.LayerDigest = l.digest
			info.LayerMediaType = l.mediaType
			info.CreatedBy = l.createdBy
			if img.unordered {
				info.Status = detect.StatusUnknown
			} else {
				hashes = r.pathHashes(hashes[:0], fd.file)
				info.Status, info.ChangedByLayer = fileStatus(img.results, i, hashes)
			}
			f.Image = &info
			r.sc.Emit(f)
		}
	}
}

// oneLine flattens an error message (registries put bodies with newlines
// in theirs) while keeping it matchable with errors.Is and errors.As.
func oneLine(err error) error {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if msg == err.Error() {
		return err
	}
	return &flatError{msg: msg, err: err}
}

type flatError struct {
	msg string
	err error
}

func (e *flatError) Error() string { return e.msg }
func (e *flatError) Unwrap() error { return e.err }

// checkPlatform refuses an image whose config names another platform than
// one asked for explicitly with --platform.
func (r *run) checkPlatform(img *image) error {
	if !r.strict || img.config == nil || img.config.Architecture == "" {
		return nil
	}
	if p := img.config.Platform(); p != nil && !p.Satisfies(r.platform) {
		return fmt.Errorf("image %s is %s, not %s (--platform)", img.display(), p.String(), r.platform.String())
	}
	return nil
}
