package imagescan

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxJSON bounds the index, manifest and config files read into memory.
const maxJSON = 64 << 20

// maxIndexDepth bounds nested indexes.
const maxIndexDepth = 4

// missingError is a blob or file that is not where the image says.
type missingError struct{ msg string }

func (e *missingError) Error() string { return e.msg }

func errMissing(format string, args ...any) error {
	return &missingError{fmt.Sprintf(format, args...)}
}

// store reads the files of a local image: a tarball or a layout directory.
type store interface {
	// open opens a file by its "/"-separated path in the tarball or
	// directory. A missing file is a *missingError.
	open(name string) (io.ReadCloser, error)
	// exists reports whether a file is there.
	exists(name string) bool
	// kind names the store in messages ("tarball", "layout").
	kind() string
	close() error
}

func blobPath(d v1.Hash) string { return "blobs/" + d.Algorithm + "/" + d.Hex }

func readFile(st store, name string) ([]byte, error) {
	rc, err := st.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, describe(err))
	}
	if len(data) > maxJSON {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, maxJSON>>20)
	}
	return data, nil
}

func readBlob(st store, d v1.Hash) ([]byte, error) {
	data, err := readFile(st, blobPath(d))
	if err != nil {
		if isMissing(err) {
			return nil, errMissing("blob %s missing from %s", d, st.kind())
		}
		return nil, err
	}
	return data, nil
}

// dirStore is an OCI layout directory.
type dirStore struct{ root string }

func (d *dirStore) open(name string) (io.ReadCloser, error) {
	f, err := os.Open(filepath.Join(d.root, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errMissing("%s not in layout", name)
	}
	return f, err
}
func (d *dirStore) exists(name string) bool {
	_, err := os.Stat(filepath.Join(d.root, filepath.FromSlash(name)))
	return err == nil
}
func (d *dirStore) kind() string { return "layout" }
func (d *dirStore) close() error { return nil }

// tarStore is a tarball indexed once; its files are read in place, in
// parallel, through section readers.
type tarStore struct {
	f       *os.File
	entries map[string]tarEntry
	links   map[string]string // symlinks and hard links to their targets
	order   []string
	// damaged is why indexing stopped before the end, if it did.
	damaged error
}

type tarEntry struct{ off, size int64 }

func openTar(p string) (*tarStore, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte(gzipMagic)), bytes.HasPrefix(head, []byte(zstdMagic)):
		f.Close()
		return nil, errors.New("compressed tarball: decompress it first (gunzip, zstd -d)")
	case n == 0:
		f.Close()
		return nil, errors.New("empty file")
	case !isTarHeader(head):
		f.Close()
		return nil, errors.New("not a tarball or OCI layout directory")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	ts := &tarStore{f: f, entries: map[string]tarEntry{}, links: map[string]string{}}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			ts.damaged = describe(err)
			break
		}
		name := path.Clean("/" + h.Name)[1:]
		switch h.Typeflag {
		case tar.TypeReg, '\x00':
		case tar.TypeSymlink:
			// docker save links repeated layers: abc/layer.tar -> ../def/layer.tar
			ts.links[name] = path.Clean("/" + path.Join(path.Dir(name), h.Linkname))[1:]
			if path.IsAbs(h.Linkname) {
				ts.links[name] = path.Clean(h.Linkname)[1:]
			}
			continue
		case tar.TypeLink:
			ts.links[name] = path.Clean("/" + h.Linkname)[1:]
			continue
		default:
			continue
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			ts.damaged = err
			break
		}
		if _, dup := ts.entries[name]; !dup {
			ts.order = append(ts.order, name)
		}
		ts.entries[name] = tarEntry{off: off, size: h.Size}
	}
	return ts, nil
}

// maxLinks bounds the links followed to open one tarball entry.
const maxLinks = 8

func (t *tarStore) open(name string) (io.ReadCloser, error) {
	want := name
	for i := 0; i <= maxLinks; i++ {
		if e, ok := t.entries[name]; ok {
			return io.NopCloser(io.NewSectionReader(t.f, e.off, e.size)), nil
		}
		target, ok := t.links[name]
		if !ok {
			break
		}
		name = target
	}
	return nil, errMissing("%s not in tarball", want)
}
func (t *tarStore) exists(name string) bool {
	rc, err := t.open(name)
	if err == nil {
		rc.Close()
	}
	return err == nil
}
func (t *tarStore) kind() string { return "tarball" }
func (t *tarStore) close() error { return t.f.Close() }

// looksLikePath reports refs that are meant as files, so that a typo is
// not sent to a registry as an image name.
func looksLikePath(ref string) bool {
	for _, p := range []string{"/", "./", "../", "~"} {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	for _, s := range []string{".tar", ".tar.gz", ".tgz", ".oci"} {
		if strings.HasSuffix(ref, s) {
			return true
		}
	}
	return false
}

// resolveLocal reads the image(s) of a tarball or layout directory p,
// narrowed to the image named want if want is not empty.
func (r *run) resolveLocal(p, want string, fi os.FileInfo) ([]*image, error) {
	label := p
	if want != "" {
		label = p + ":" + want
	}
	if fi.IsDir() {
		st := &dirStore{root: p}
		if _, err := os.Stat(filepath.Join(p, "index.json")); err != nil {
			return nil, fmt.Errorf("image %s: not an OCI layout directory (no index.json)", label)
		}
		return r.resolveOCI(label, p, want, st)
	}
	ts, err := openTar(p)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", label, err)
	}
	r.stores = append(r.stores, ts)
	hasIndex, hasManifest := ts.exists("index.json"), ts.exists("manifest.json")
	if hasIndex {
		imgs, err := r.resolveOCI(label, p, want, ts)
		if err == nil || !hasManifest {
			r.noteDamage(label, ts, len(imgs) > 0)
			return imgs, err
		}
		// A Docker 25+ save holds both; manifest.json may still work.
	}
	if hasManifest {
		imgs, err := r.resolveDockerSave(label, p, want, ts)
		r.noteDamage(label, ts, len(imgs) > 0)
		return imgs, err
	}
	if ts.damaged != nil {
		return r.resolveUnordered(label, p, ts)
	}
	return nil, fmt.Errorf("image %s: not an image tarball (no manifest.json or index.json)", label)
}

// noteDamage reports a damaged tarball whose image could still be read (its
// layers past the damage are reported as they are met).
func (r *run) noteDamage(label string, ts *tarStore, ok bool) {
	if ts.damaged != nil && ok {
		r.sc.Stats.Error(SkipDamaged, fmt.Errorf("image %s: damaged tarball: %v: scanning what is readable", label, ts.damaged))
	}
}

// resolveOCI reads an OCI layout (a directory, an OCI archive or a Docker
// 25+ save) and picks the images to scan.
func (r *run) resolveOCI(label, ref, want string, st store) ([]*image, error) {
	raw, err := readFile(st, "index.json")
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", label, err)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("image %s: index.json: %w", label, err)
	}
	cands := r.collect(label, st, idx, nil, 0)
	// A Docker 25+ save of a multi-platform image lists every platform but
	// holds the blobs of one: leave out what is not there, if anything is.
	var present []candidate
	for _, c := range cands {
		if st.exists(blobPath(c.desc.Digest)) {
			present = append(present, c)
		}
	}
	if len(present) > 0 {
		cands = present
	}
	chosen, err := r.pick(label, cands, want)
	if err != nil {
		return nil, err
	}
	var imgs []*image
	var firstErr error
	for _, c := range chosen {
		img, err := r.ociImage(ref, st, c)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			if len(chosen) > 1 {
				r.sc.Stats.Error(SkipImage, err)
			}
			continue
		}
		imgs = append(imgs, img)
	}
	if len(imgs) == 0 {
		return nil, firstErr
	}
	return imgs, nil
}

// collect lists the image manifests of an index, descending into nested
// indexes. Names given to an index apply to the images below it.
func (r *run) collect(label string, st store, idx *v1.IndexManifest, names []string, depth int) []candidate {
	var out []candidate
	for _, d := range idx.Manifests {
		ns := descNames(d)
		if len(ns) == 0 {
			ns = names
		}
		switch {
		case d.MediaType.IsIndex():
			if depth >= maxIndexDepth {
				r.sc.Stats.Error(SkipImage, fmt.Errorf("image %s: indexes nested deeper than %d: %s skipped", label, maxIndexDepth, d.Digest))
				continue
			}
			raw, err := readBlob(st, d.Digest)
			if err != nil {
				r.sc.Stats.Error(SkipImage, fmt.Errorf("image %s: index %s: %w", label, shortDigest(d.Digest.String()), err))
				continue
			}
			child, err := v1.ParseIndexManifest(bytes.NewReader(raw))
			if err != nil {
				r.sc.Stats.Error(SkipImage, fmt.Errorf("image %s: index %s: %w", label, shortDigest(d.Digest.String()), err))
				continue
			}
			out = append(out, r.collect(label, st, child, ns, depth+1)...)
		case d.MediaType.IsImage() || d.MediaType == "":
			if isAttestation(d) {
				continue
			}
			c := candidate{desc: d, names: ns}
			for _, n := range ns {
				if len(n) > len(c.name) {
					c.name = n
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// ociImage reads the manifest and config of an image in an OCI layout.
func (r *run) ociImage(ref string, st store, c candidate) (*image, error) {
	img := &image{ref: ref, name: c.name, digest: c.desc.Digest.String()}
	if c.desc.Platform != nil {
		img.platform = c.desc.Platform.String()
	}
	raw, err := readBlob(st, c.desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", img.display(), err)
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("image %s: manifest %s: %w", img.display(), shortDigest(img.digest), err)
	}
	cfg, err := readBlob(st, m.Config.Digest)
	r.setConfig(img, cfg, err)
	if err := r.checkPlatform(img); err != nil {
		return nil, err
	}
	for _, d := range m.Layers {
		d := d
		img.layers = append(img.layers, &layerRef{
			digest:    d.Digest.String(),
			mediaType: string(d.MediaType),
			key:       d.Digest.String(),
			open: func(context.Context) (io.ReadCloser, error) {
				rc, err := st.open(blobPath(d.Digest))
				if isMissing(err) {
					return nil, errMissing("blob missing from %s", st.kind())
				}
				return rc, err
			},
		})
	}
	img.finishLayers()
	return img, nil
}

// saveEntry is one image of a docker-save manifest.json.
type saveEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// resolveDockerSave reads the images of a legacy docker-save tarball.
func (r *run) resolveDockerSave(label, ref, want string, ts *tarStore) ([]*image, error) {
	raw, err := readFile(ts, "manifest.json")
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", label, err)
	}
	var entries []saveEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("image %s: manifest.json: %w", label, err)
	}
	var imgs []*image
	var tags []string
	var skipped []error
	for _, e := range entries {
		tags = append(tags, e.RepoTags...)
		if want != "" && !matchName(want, e.RepoTags) {
			continue
		}
		img := &image{ref: ref}
		if len(e.RepoTags) > 0 {
			img.name = e.RepoTags[0]
		}
		cfg, err := readFile(ts, e.Config)
		r.setConfig(img, cfg, err)
		if err := r.checkPlatform(img); err != nil {
			skipped = append(skipped, err)
			continue
		}
		for j, lp := range e.Layers {
			lp := path.Clean("/" + lp)[1:]
			digest := img.diffID(j)
			if hx, ok := strings.CutPrefix(lp, "blobs/sha256/"); ok {
				digest = "sha256:" + hx // Docker 25+: the blob's own digest
			}
			key := digest
			if key == "" {
				key = "tar:" + ref + "#" + lp
			}
			img.layers = append(img.layers, &layerRef{
				digest: digest,
				file:   lp,
				key:    key,
				open: func(context.Context) (io.ReadCloser, error) {
					rc, err := ts.open(lp)
					if isMissing(err) && digest == "" {
						return nil, errMissing("missing from tarball")
					}
					if isMissing(err) {
						return nil, errMissing("%s missing from tarball", lp)
					}
					return rc, err
				},
			})
		}
		img.finishLayers()
		imgs = append(imgs, img)
	}
	if len(imgs) == 0 && len(skipped) > 0 {
		return nil, skipped[0]
	}
	for _, err := range skipped {
		r.sc.Stats.Error(SkipImage, err)
	}
	if len(imgs) == 0 {
		if want != "" {
			return nil, fmt.Errorf("image %s: no image tagged %q (has %s)", label, want, strings.Join(tags, ", "))
		}
		return nil, fmt.Errorf("image %s: manifest.json lists no image", label)
	}
	return imgs, nil
}

// resolveUnordered salvages a damaged tarball that lost its manifest: every
// entry that is a (compressed) tar is scanned as a layer of unknown order.
func (r *run) resolveUnordered(label, ref string, ts *tarStore) ([]*image, error) {
	img := &image{ref: ref, unordered: true}
	for _, name := range ts.order {
		if !isLayerBlob(ts, name) {
			continue
		}
		digest := ""
		if hx, ok := strings.CutPrefix(name, "blobs/sha256/"); ok {
			digest = "sha256:" + hx
		}
		img.layers = append(img.layers, &layerRef{
			digest: digest,
			file:   name,
			key:    "tar:" + ref + "#" + name,
			open:   func(context.Context) (io.ReadCloser, error) { return ts.open(name) },
		})
	}
	if len(img.layers) == 0 {
		return nil, fmt.Errorf("image %s: damaged tarball: %v: no manifest and no readable layer", label, ts.damaged)
	}
	r.sc.Stats.Error(SkipDamaged, fmt.Errorf("image %s: damaged tarball: %v: no manifest.json or index.json: scanning the %d layers found, in unknown order", label, ts.damaged, len(img.layers)))
	img.finishLayers()
	return []*image{img}, nil
}

// isLayerBlob reports whether a tarball entry holds a (compressed) tar.
func isLayerBlob(ts *tarStore, name string) bool {
	rc, err := ts.open(name)
	if err != nil {
		return false
	}
	defer rc.Close()
	dr, closeDec, err := decompress(rc)
	if err != nil {
		return false
	}
	defer closeDec()
	head := make([]byte, 512)
	n, _ := io.ReadFull(dr, head)
	return n == 512 && isTarHeader(head) && bytes.Count(head, []byte{0}) < 512
}
