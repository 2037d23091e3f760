package imagescan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
	"github.com/leakhound/leakhound/rules"
)

// testRules holds one rule, so that tests do not depend on the default set.
const testRules = `
[[rules]]
id = "test-token"
description = "Test token"
regex = '''\b(lhk_[a-z0-9]{24})\b'''
keywords = ["lhk_"]
`

// tok returns a distinct test secret for n.
func tok(n int) string {
	s := fmt.Sprintf("lhk_%024d", n)
	return s[:4] + strings.Map(func(r rune) rune { return 'a' + (r-'0')%26 }, s[4:20]) + s[20:]
}

var (
	engineOnce sync.Once
	engine     *detect.Engine
	engineErr  error
)

func testEngine(t testing.TB) *detect.Engine {
	t.Helper()
	engineOnce.Do(func() {
		cfg, err := rules.Parse("test.toml", []byte(testRules))
		if err != nil {
			engineErr = err
			return
		}
		engine, engineErr = detect.New(cfg, detect.Options{})
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// collector gathers a scan's findings.
type collector struct {
	mu    sync.Mutex
	found []detect.Finding
	stats *scan.Stats
}

func (c *collector) emit(f detect.Finding) {
	c.mu.Lock()
	c.found = append(c.found, f)
	c.mu.Unlock()
}

// bySecret returns the findings of a secret.
func (c *collector) bySecret(s string) []detect.Finding {
	var out []detect.Finding
	for _, f := range c.found {
		if f.Secret == s {
			out = append(out, f)
		}
	}
	return out
}

// errors returns the recorded error messages.
func (c *collector) errors() []string {
	msgs, _ := c.stats.Errors()
	return msgs
}

// hasError reports whether some recorded message contains all parts.
func (c *collector) hasError(parts ...string) bool {
	for _, m := range c.errors() {
		ok := true
		for _, p := range parts {
			if !strings.Contains(m, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func newScanner(t testing.TB, so scan.Options) (*scan.Scanner, *collector) {
	c := &collector{stats: &scan.Stats{}}
	return &scan.Scanner{Engine: testEngine(t), Opts: so, Stats: c.stats, Emit: c.emit}, c
}

// scanRefs runs Scan with default scanner options.
func scanRefs(t testing.TB, opts Options, refs ...string) (*collector, error) {
	t.Helper()
	sc, c := newScanner(t, scan.DefaultOptions())
	err := Scan(context.Background(), refs, opts, sc)
	return c, err
}

// ent is a layer tar entry.
type ent struct {
	name string
	body string
	typ  byte
	link string
}

func file(name, body string) ent { return ent{name: name, body: body, typ: tar.TypeReg} }

func tarBytes(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := io.WriteString(tw, e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// layer builds a layer compressed with comp: "gzip", "zstd" or "none".
func layer(t testing.TB, comp string, ents ...ent) v1.Layer {
	t.Helper()
	data := tarBytes(t, ents...)
	if comp == "none" {
		return static.NewLayer(data, types.OCIUncompressedLayer)
	}
	opener := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	var opts []tarball.LayerOption
	if comp == "zstd" {
		opts = append(opts, tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd))
	} else {
		opts = append(opts, tarball.WithMediaType(types.OCILayer))
	}
	l, err := tarball.LayerFromOpener(opener, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// zipBytes builds a zip archive.
func zipBytes(t testing.TB, name, body string) string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// step is a layer of a test image and its history line.
type step struct {
	layer     v1.Layer // nil: an empty_layer history step
	createdBy string
}

// buildImage builds an OCI image from steps, with env and labels.
func buildImage(t testing.TB, platform string, env []string, labels map[string]string, steps ...step) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	var layers []v1.Layer
	var hist []v1.History
	for _, s := range steps {
		hist = append(hist, v1.History{CreatedBy: s.createdBy, EmptyLayer: s.layer == nil})
		if s.layer != nil {
			layers = append(layers, s.layer)
		}
	}
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		t.Fatal(err)
	}
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Config.Env = env
	cf.Config.Labels = labels
	cf.Config.Cmd = []string{"/app/run"}
	cf.History = hist
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// writeLayout writes images into a new OCI layout directory, each with its
// ref name and platform in the index.
func writeLayout(t testing.TB, dir string, imgs map[string]v1.Image) string {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(imgs))
	for n := range imgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		img := imgs[n]
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		refName, _, _ := strings.Cut(n, "@")
		opts := []layout.Option{layout.WithPlatform(*cf.Platform())}
		if refName != "" {
			opts = append(opts, layout.WithAnnotations(map[string]string{annotRefName: refName}))
		}
		if err := p.AppendImage(img, opts...); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tarDir writes the files under dir into a tarball at out, in the given
// order first (names relative to dir), then the rest.
func tarDir(t testing.TB, dir, out string, first ...string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	done := map[string]bool{}
	add := func(rel string) {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
		done[rel] = true
	}
	for _, rel := range first {
		add(rel)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !done[rel] {
			add(rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// tarFile is a file of a hand-written tarball; with link set, a symlink.
type tarFile struct {
	name string
	data []byte
	link string
}

func writeTar(t testing.TB, out string, files []tarFile) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}
		if f.link != "" {
			h = &tar.Header{Name: f.name, Mode: 0o777, Typeflag: tar.TypeSymlink, Linkname: f.link}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	tw.Close()
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func uncompressed(t testing.TB, l v1.Layer) []byte {
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// imageParts returns img's raw config, its name and its layers.
func imageParts(t testing.TB, img v1.Image) ([]byte, v1.Hash, []v1.Layer) {
	t.Helper()
	cfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return cfg, cfgName, layers
}

// dockerSaveFiles returns the files of a legacy `docker save` of img tagged
// tag: <id>/layer.tar (uncompressed), <config>.json, manifest.json and
// repositories. manifestFirst puts manifest.json first.
func dockerSaveFiles(t testing.TB, img v1.Image, tag string, manifestFirst bool) []tarFile {
	t.Helper()
	cfg, cfgName, layers := imageParts(t, img)
	var files []tarFile
	var lpaths []string
	for i, l := range layers {
		p := fmt.Sprintf("%064x/layer.tar", i+1)
		lpaths = append(lpaths, p)
		files = append(files, tarFile{name: p, data: uncompressed(t, l)})
	}
	files = append(files, tarFile{name: cfgName.Hex + ".json", data: cfg})
	m := tarFile{name: "manifest.json", data: mustJSON(t, []saveEntry{{Config: cfgName.Hex + ".json", RepoTags: []string{tag}, Layers: lpaths}})}
	if manifestFirst {
		files = append([]tarFile{m}, files...)
	} else {
		files = append(files, m)
	}
	return append(files, tarFile{name: "repositories", data: []byte("{}")})
}

// docker25Files returns the files of a Docker 25+ `docker save`: an OCI
// layout with uncompressed layers plus manifest.json.
func docker25Files(t testing.TB, img v1.Image, tag string) []tarFile {
	t.Helper()
	cfg, cfgName, layers := imageParts(t, img)
	files := []tarFile{{name: "blobs/sha256/" + cfgName.Hex, data: cfg}}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(cfg)), Digest: cfgName}}
	var lpaths []string
	for _, l := range layers {
		data := uncompressed(t, l)
		d, _, _ := v1.SHA256(bytes.NewReader(data))
		files = append(files, tarFile{name: "blobs/sha256/" + d.Hex, data: data})
		lpaths = append(lpaths, "blobs/sha256/"+d.Hex)
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.OCIUncompressedLayer, Size: int64(len(data)), Digest: d})
	}
	raw := mustJSON(t, m)
	md, _, _ := v1.SHA256(bytes.NewReader(raw))
	files = append(files, tarFile{name: "blobs/sha256/" + md.Hex, data: raw})
	_, short, _ := strings.Cut(tag, ":")
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{{
		MediaType: types.OCIManifestSchema1, Size: int64(len(raw)), Digest: md,
		Annotations: map[string]string{annotContainerd: "docker.io/library/" + tag, annotRefName: short},
	}}}
	files = append(files,
		tarFile{name: "index.json", data: mustJSON(t, idx)},
		tarFile{name: "manifest.json", data: mustJSON(t, []saveEntry{{Config: "blobs/sha256/" + cfgName.Hex, RepoTags: []string{tag}, Layers: lpaths}})},
		tarFile{name: "oci-layout", data: []byte(`{"imageLayoutVersion":"1.0.0"}`)},
	)
	return files
}
