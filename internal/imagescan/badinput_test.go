package imagescan

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

// entryRange returns the byte range of a tarball entry's content, found
// with archive/tar independently of the code under test.
func entryRange(t *testing.T, tarPath, name string) (int64, int64) {
	t.Helper()
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in %s: %v", name, tarPath, err)
		}
		if h.Name == name {
			off, _ := f.Seek(0, io.SeekCurrent)
			return off, h.Size
		}
	}
}

func truncate(t *testing.T, p string, size int64) {
	t.Helper()
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
}

// TestTruncatedTarball cuts docker-save and OCI archive tarballs in the
// middle of a layer.
func TestTruncatedTarball(t *testing.T) {
	img, _ := standardImage(t)
	dir := t.TempDir()

	t.Run("manifest lost", func(t *testing.T) {
		// manifest.json comes last, as in docker save: the layers found are
		// scanned in unknown order.
		p := filepath.Join(dir, "lost.tar")
		files := dockerSaveFiles(t, img, "app:1", false)
		writeTar(t, p, files)
		off, size := entryRange(t, p, files[2].name)
		truncate(t, p, off+size/2)
		c, err := scanRefs(t, Options{}, p)
		if err != nil {
			t.Fatal(err)
		}
		if !c.hasError("image "+p, "damaged tarball", "unknown order") {
			t.Errorf("errors: %q", c.errors())
		}
		if !c.hasError("layer 2", "truncated") {
			t.Errorf("no message for the cut layer: %q", c.errors())
		}
		for _, n := range []int{1, 2, 3, 4, 5} {
			f := c.bySecret(tok(n))
			if len(f) != 1 || f[0].Image.Status != detect.StatusUnknown || f[0].Image.LayerIndex != 0 {
				t.Errorf("tok%d: %+v", n, f)
			}
		}
	})

	t.Run("manifest kept", func(t *testing.T) {
		p := filepath.Join(dir, "kept.tar")
		files := dockerSaveFiles(t, img, "app:1", true)
		writeTar(t, p, files)
		off, size := entryRange(t, p, files[2].name) // layer 1
		truncate(t, p, off+size/2)
		c, err := scanRefs(t, Options{}, p)
		if err != nil {
			t.Fatal(err)
		}
		if !c.hasError("image "+p+" (app:1) layer 1", "truncated", "rest of layer skipped") {
			t.Errorf("layer 1: %q", c.errors())
		}
		if !c.hasError("image "+p+" (app:1) layer 2", "missing from tarball") {
			t.Errorf("layer 2: %q", c.errors())
		}
		if !c.hasError("image "+p+" (app:1): config", "not scanned") {
			t.Errorf("config: %q", c.errors())
		}
		// Layer 0 is whole; later layers are not, so status is unknown.
		if f := c.bySecret(tok(4)); len(f) != 1 || f[0].Image.Status != detect.StatusUnknown {
			t.Errorf("tok4: %+v", f)
		}
		if n := c.stats.Skipped()[SkipMissingBlob]; n != 1 {
			t.Errorf("missing blobs: %d", n)
		}
	})

	t.Run("oci archive", func(t *testing.T) {
		lay := writeLayout(t, filepath.Join(dir, "layout"), map[string]v1.Image{"app:1": img})
		p := filepath.Join(dir, "oci.tar")
		m, _ := img.Digest()
		cfg, _ := img.ConfigName()
		order := []string{"oci-layout", "index.json", "blobs/sha256/" + m.Hex, "blobs/sha256/" + cfg.Hex}
		for i := 0; i < 3; i++ {
			order = append(order, "blobs/sha256/"+mustLayerDigest(t, img, i).Hex)
		}
		for i := range order {
			order[i] = filepath.FromSlash(order[i])
		}
		tarDir(t, lay, p, order...)
		off, size := entryRange(t, p, filepath.ToSlash(order[6]))
		truncate(t, p, off+size/2)
		c, err := scanRefs(t, Options{}, p)
		if err != nil {
			t.Fatal(err)
		}
		if !c.hasError("image "+p+" (app:1) layer 2", "truncated", "rest of layer skipped") {
			t.Errorf("layer 2: %q", c.errors())
		}
		for _, n := range []int{2, 4, 8, 10} {
			if f := c.bySecret(tok(n)); len(f) != 1 {
				t.Errorf("tok%d: %+v", n, f)
			}
		}
	})
}

// TestMissingBlob removes a layer blob from an OCI layout.
func TestMissingBlob(t *testing.T) {
	img, _ := standardImage(t)
	dir := writeLayout(t, filepath.Join(t.TempDir(), "layout"), map[string]v1.Image{"app:1": img})
	d := mustLayerDigest(t, img, 1)
	if err := os.Remove(filepath.Join(dir, "blobs", "sha256", d.Hex)); err != nil {
		t.Fatal(err)
	}
	c, err := scanRefs(t, Options{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !c.hasError("image "+dir+" (app:1) layer 1 ("+shortDigest(d.String())+")", "blob missing from layout", "layer skipped") {
		t.Errorf("errors: %q", c.errors())
	}
	// Layer 2 still decides what it overwrites; for the rest, layer 1 is
	// unknown.
	if f := c.bySecret(tok(1)); len(f) != 1 || f[0].Image.Status != detect.StatusOverwritten {
		t.Errorf("tok1: %+v", f)
	}
	if f := c.bySecret(tok(4)); len(f) != 1 || f[0].Image.Status != detect.StatusUnknown {
		t.Errorf("tok4: %+v", f)
	}
	if f := c.bySecret(tok(7)); len(f) != 1 || f[0].Image.Status != detect.StatusPresent {
		t.Errorf("tok7: %+v", f)
	}
}

func gzipped(s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, s)
	zw.Close()
	return buf.Bytes()
}

// TestBadLayers: unknown media types, layers that are not tars, corrupt
// compression and a tar that breaks off: each reported, naming image and
// layer; the other layers are scanned.
func TestBadLayers(t *testing.T) {
	good := tarBytes(t, file("a.txt", tok(1)), file("b.txt", tok(2)))
	broken := append(append([]byte(nil), good[:1024]...), bytes.Repeat([]byte("garbage!"), 200)...)
	img := buildImage(t, "linux/amd64", nil, nil,
		step{static.NewLayer([]byte("plain text, "+tok(3)), "application/vnd.example.blob"), "ADD blob"},
		step{static.NewLayer(tarBytes(t, file("odd/c.txt", tok(4))), "application/vnd.example.tar"), "ADD odd"},
		step{static.NewLayer(gzipped("just text "+tok(5)), types.OCILayer), "ADD text"},
		step{static.NewLayer(append([]byte{0x1f, 0x8b, 8, 0}, bytes.Repeat([]byte{0xff}, 64)...), types.OCILayer), "ADD corrupt gzip"},
		step{static.NewLayer(broken, types.OCIUncompressedLayer), "ADD broken"},
		step{static.NewLayer(nil, types.OCIUncompressedLayer), "ADD empty"},
		step{layer(t, "zstd", file("z/ok.txt", tok(6))), "COPY ok"},
	)
	dir := writeLayout(t, filepath.Join(t.TempDir(), "layout"), map[string]v1.Image{"bad": img})
	c, err := scanRefs(t, Options{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	pre := "image " + dir + " (bad) layer "
	for _, w := range [][]string{
		{pre + "0", `unknown media type "application/vnd.example.blob" and the content is not a tar: skipped`},
		{pre + "2", "not a tar archive: layer skipped"},
		{pre + "3", "layer skipped"},
		{pre + "4", "after 1 entries: rest of layer skipped"},
	} {
		if !c.hasError(w...) {
			t.Errorf("no error %q in %q", w, c.errors())
		}
	}
	if msgs, n := c.stats.Errors(); n != 4 {
		t.Errorf("%d errors, want 4: %q", n, msgs)
	}
	for n, wantFound := range map[int]bool{1: true, 2: false, 3: false, 4: true, 5: false, 6: true} {
		if got := len(c.bySecret(tok(n))) == 1; got != wantFound {
			t.Errorf("tok%d found: %v, want %v", n, got, wantFound)
		}
	}
	if f := c.bySecret(tok(4)); len(f) == 1 && f[0].Image.LayerMediaType != "application/vnd.example.tar" {
		t.Errorf("media type %q", f[0].Image.LayerMediaType)
	}
}

// TestBadMetadata: broken index, manifest and config.
func TestBadMetadata(t *testing.T) {
	img, _ := standardImage(t)
	root := t.TempDir()

	lay := writeLayout(t, filepath.Join(root, "badindex"), map[string]v1.Image{"app:1": img})
	os.WriteFile(filepath.Join(lay, "index.json"), []byte("{not json"), 0o644)
	_, err := scanRefs(t, Options{}, lay)
	if err == nil || !strings.Contains(err.Error(), "image "+lay+": index.json:") {
		t.Errorf("bad index: %v", err)
	}

	lay = writeLayout(t, filepath.Join(root, "badconfig"), map[string]v1.Image{"app:1": img})
	cfg, _ := img.ConfigName()
	os.WriteFile(filepath.Join(lay, "blobs", "sha256", cfg.Hex), []byte("[1,2"), 0o644)
	c, err := scanRefs(t, Options{}, lay)
	if err != nil {
		t.Fatal(err)
	}
	if !c.hasError("image "+lay+" (app:1): config", "Env, Labels and history not scanned") {
		t.Errorf("errors: %q", c.errors())
	}
	if len(c.bySecret(tok(4))) != 1 || len(c.bySecret(tok(8))) != 0 {
		t.Errorf("layers should still be scanned: %d findings", len(c.found))
	}

	lay = writeLayout(t, filepath.Join(root, "nomanifest"), map[string]v1.Image{"app:1": img})
	m, _ := img.Digest()
	os.Remove(filepath.Join(lay, "blobs", "sha256", m.Hex))
	_, err = scanRefs(t, Options{}, lay)
	if err == nil || !strings.Contains(err.Error(), "image "+lay+" (app:1): manifest: blob "+m.String()+" missing from layout") {
		t.Errorf("missing manifest: %v", err)
	}

	// One bad ref among good ones: the good one is scanned.
	c, err = scanRefs(t, Options{}, filepath.Join(root, "missing.tar"), filepath.Join(root, "badconfig"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.hasError("missing.tar: no such file or directory") || len(c.bySecret(tok(4))) != 1 {
		t.Errorf("errors %q, %d findings", c.errors(), len(c.found))
	}
	if sk := c.stats.Skipped(); sk[SkipImage] != 1 || sk[SkipConfig] != 1 {
		t.Errorf("skipped %v, want 1 unreadable image and 1 unreadable config", sk)
	}
}

// TestCompressedTarball: a gzipped docker save is refused with advice.
func TestCompressedTarball(t *testing.T) {
	img, _ := standardImage(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "img.tar")
	writeTar(t, p, dockerSaveFiles(t, img, "app:1", false))
	data, _ := os.ReadFile(p)
	os.WriteFile(p+".gz", gzipped(string(data)), 0o644)
	_, err := scanRefs(t, Options{}, p+".gz")
	if err == nil || !strings.Contains(err.Error(), "compressed tarball: decompress it first") {
		t.Errorf("got %v", err)
	}
}

// TestCancel: a cancelled scan returns promptly with the context's error.
func TestCancel(t *testing.T) {
	img, _ := standardImage(t)
	dir := writeLayout(t, filepath.Join(t.TempDir(), "layout"), map[string]v1.Image{"app:1": img})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sc, _ := newScanner(t, scan.DefaultOptions())
	done := make(chan error)
	go func() { done <- Scan(ctx, []string{dir}, Options{}, sc) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Scan did not return after cancel")
	}
}

// TestDockerSaveLinks: docker save links repeated layers with symlinks; a
// link loop is reported as a missing layer, and the rest is scanned.
func TestDockerSaveLinks(t *testing.T) {
	l := layer(t, "gzip", file("etc/app.conf", "token="+tok(1)))
	l2 := layer(t, "gzip", file("etc/other.conf", "token="+tok(2)))
	img := buildImage(t, "linux/amd64", nil, nil, step{l, "COPY a"}, step{l, "COPY a again"}, step{l2, "COPY b"})
	files := dockerSaveFiles(t, img, "app:1", true)
	// Layer 1 links to layer 0; layer 2 is a link loop.
	var m []saveEntry
	if err := json.Unmarshal(files[0].data, &m); err != nil {
		t.Fatal(err)
	}
	files[2] = tarFile{name: m[0].Layers[1], link: "../" + m[0].Layers[0]}
	files[3] = tarFile{name: m[0].Layers[2], link: "../loop/layer.tar"}
	files = append(files, tarFile{name: "loop/layer.tar", link: "../" + m[0].Layers[2]})
	p := filepath.Join(t.TempDir(), "links.tar")
	writeTar(t, p, files)
	c, err := scanRefs(t, Options{}, p)
	if err != nil {
		t.Fatal(err)
	}
	got := c.bySecret(tok(1))
	if len(got) != 2 || got[0].Image.LayerIndex != 0 || got[1].Image.LayerIndex != 1 {
		t.Fatalf("findings: %+v", got)
	}
	if got[0].Image.Status != detect.StatusUnknown || got[1].Image.Status != detect.StatusUnknown {
		t.Errorf("statuses %s, %s: layer 2 is unreadable", got[0].Image.Status, got[1].Image.Status)
	}
	if !c.hasError("image "+p+" (app:1) layer 2", "missing from tarball") || len(c.bySecret(tok(2))) != 0 {
		t.Errorf("errors: %q", c.errors())
	}
}
