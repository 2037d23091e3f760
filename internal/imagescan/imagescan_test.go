package imagescan

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

// want describes where a secret must be found.
type want struct {
	path   string
	layer  int
	status string
	field  string
}

// standardImage has three layers (gzip, zstd, gzip) that overwrite, delete
// (whiteout) and hide (opaque directory) files, an archive inside a layer,
// the same file twice, symlink loops, and secrets in Env, Labels and in the
// history of an ARG step. It returns the image and where each secret is.
func standardImage(t testing.TB) (v1.Image, map[string][]want) {
	dupBody := strings.Repeat("filler line without secrets\n", 40) + "token=" + tok(6) + "\n"
	l0 := layer(t, "gzip",
		ent{name: "app/", typ: tar.TypeDir},
		file("app/.env", "API_TOKEN="+tok(1)+"\n"),
		file("app/config/secret.txt", tok(2)),
		file("etc/opaque/old.txt", "old "+tok(3)),
		file("keep/keep.txt", "kept "+tok(4)),
		file("lib/app.jar", zipBytes(t, "conf/app.properties", "key="+tok(5))),
		file("dup/a.txt", dupBody),
	)
	l1 := layer(t, "zstd",
		file("app/config/.wh.secret.txt", ""),
		file("dup/a.txt", dupBody),
		ent{name: "loop/a", typ: tar.TypeSymlink, link: "b"},
		ent{name: "loop/b", typ: tar.TypeSymlink, link: "a"},
		ent{name: "loop/self", typ: tar.TypeSymlink, link: "."},
		ent{name: "keep/hard", typ: tar.TypeLink, link: "keep/keep.txt"},
	)
	l2 := layer(t, "gzip",
		file("app/.env", "API_TOKEN="+tok(7)+"\n"),
		file("etc/opaque/.wh..wh..opq", ""),
		file("etc/opaque/new.txt", "nothing here"),
	)
	img := buildImage(t, "linux/amd64",
		[]string{"PATH=/usr/bin", "TOKEN=" + tok(8)},
		map[string]string{"com.example.key": tok(9)},
		step{nil, "ARG TOKEN=" + tok(10)},
		step{l0, "COPY . /"},
		step{nil, "ENV TOKEN=..."},
		step{l1, "RUN rm /app/config/secret.txt"},
		step{l2, "COPY app /app"},
	)
	return img, map[string][]want{
		tok(1):  {{path: "app/.env", layer: 0, status: detect.StatusOverwritten}},
		tok(2):  {{path: "app/config/secret.txt", layer: 0, status: detect.StatusDeleted}},
		tok(3):  {{path: "etc/opaque/old.txt", layer: 0, status: detect.StatusDeleted}},
		tok(4):  {{path: "keep/keep.txt", layer: 0, status: detect.StatusPresent}},
		tok(5):  {{path: "lib/app.jar!conf/app.properties", layer: 0, status: detect.StatusPresent}},
		tok(6):  {{path: "dup/a.txt", layer: 0, status: detect.StatusOverwritten}, {path: "dup/a.txt", layer: 1, status: detect.StatusPresent}},
		tok(7):  {{path: "app/.env", layer: 2, status: detect.StatusPresent}},
		tok(8):  {{path: "config.Env[1]", layer: -1, field: "config.Env[1]"}},
		tok(9):  {{path: "config.Labels[com.example.key]", layer: -1, field: "config.Labels[com.example.key]"}},
		tok(10): {{path: "history[0].created_by", layer: -1, field: "history[0].created_by"}},
	}
}

// check compares findings with the expected places.
func check(t *testing.T, c *collector, wants map[string][]want) {
	t.Helper()
	for secret, ws := range wants {
		got := c.bySecret(secret)
		if len(got) != len(ws) {
			t.Errorf("%s: %d findings, want %d: %+v", secret, len(got), len(ws), got)
			continue
		}
		for _, w := range ws {
			ok := false
			for _, f := range got {
				im := f.Image
				if im == nil {
					t.Fatalf("%s: finding without image provenance", secret)
				}
				if f.Path == w.path && im.LayerIndex == w.layer && im.Status == w.status && im.Field == w.field {
					ok = true
				}
			}
			if !ok {
				var desc []string
				for _, f := range got {
					desc = append(desc, f.Path+" layer "+itoa(f.Image.LayerIndex)+" "+f.Image.Status+" "+f.Image.Field)
				}
				t.Errorf("%s: no finding at %s layer %d %s %s; got %v", secret, w.path, w.layer, w.status, w.field, desc)
			}
		}
	}
	if len(c.found) != countWants(wants) {
		t.Errorf("%d findings, want %d", len(c.found), countWants(wants))
	}
}

func countWants(wants map[string][]want) int {
	n := 0
	for _, ws := range wants {
		n += len(ws)
	}
	return n
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// TestFormats scans the same image as an OCI layout directory, an OCI
// archive, a legacy docker-save tarball and a Docker 25+ one.
func TestFormats(t *testing.T) {
	img, wants := standardImage(t)
	dir := t.TempDir()
	lay := writeLayout(t, filepath.Join(dir, "layout"), map[string]v1.Image{"app:1": img})
	ociTar := filepath.Join(dir, "oci.tar")
	tarDir(t, lay, ociTar, "oci-layout", "index.json")
	legacy := filepath.Join(dir, "legacy.tar")
	writeTar(t, legacy, dockerSaveFiles(t, img, "app:1", false))
	d25 := filepath.Join(dir, "docker25.tar")
	writeTar(t, d25, docker25Files(t, img, "app:1"))

	digest, _ := img.Digest()
	l0, _ := img.LayerByDigest(mustLayerDigest(t, img, 0))
	l0Digest, _ := l0.Digest()
	l0Diff, _ := l0.DiffID()
	for _, tc := range []struct {
		name, ref        string
		digest, l0Digest string
		l0MediaType      string
		wantImageName    string
	}{
		{"layout", lay, digest.String(), l0Digest.String(), "application/vnd.oci.image.layer.v1.tar+gzip", "app:1"},
		{"oci-archive", ociTar, digest.String(), l0Digest.String(), "application/vnd.oci.image.layer.v1.tar+gzip", "app:1"},
		{"docker-save-legacy", legacy, "", l0Diff.String(), "", "app:1"},
		{"docker-save-25", d25, "", l0Diff.String(), "application/vnd.oci.image.layer.v1.tar", "docker.io/library/app:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := scanRefs(t, Options{}, tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if msgs := c.errors(); len(msgs) > 0 {
				t.Errorf("unexpected errors: %q", msgs)
			}
			check(t, c, wants)
			f := c.bySecret(tok(4))[0]
			im := f.Image
			if im.Ref != tc.ref || im.Name != tc.wantImageName || im.Platform != "linux/amd64" {
				t.Errorf("image info: %+v", im)
			}
			if tc.digest != "" && im.Digest != tc.digest {
				t.Errorf("digest %q, want %q", im.Digest, tc.digest)
			}
			if tc.name == "docker-save-25" && !strings.HasPrefix(im.Digest, "sha256:") {
				t.Errorf("docker 25 save: no manifest digest: %+v", im)
			}
			if im.LayerDigest != tc.l0Digest || im.LayerMediaType != tc.l0MediaType || im.CreatedBy != "COPY . /" {
				t.Errorf("layer info: %+v", im)
			}
			cfgName, _ := img.ConfigName()
			if im.ID != cfgName.String() {
				t.Errorf("image id %q, want %q", im.ID, cfgName)
			}
			if got := c.bySecret(tok(7))[0].Image.CreatedBy; got != "COPY app /app" {
				t.Errorf("layer 2 created by %q", got)
			}
			if f.Source != detect.SourceImage || f.Fingerprint != detect.Fingerprint("test-token", tok(4)) {
				t.Errorf("source %q fingerprint %q", f.Source, f.Fingerprint)
			}
			// The duplicate dup/a.txt is scanned once.
			if n := c.stats.Skipped()[SkipDuplicate]; n < 1 {
				t.Errorf("duplicates skipped: %d", n)
			}
		})
	}
}

func mustLayerDigest(t *testing.T, img v1.Image, i int) v1.Hash {
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	d, err := ls[i].Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSharedLayersScannedOnce scans two images sharing their base layers:
// every finding is reported for both, but the shared layers are read once.
func TestSharedLayersScannedOnce(t *testing.T) {
	img, wants := standardImage(t)
	top := layer(t, "gzip", file("extra/x.txt", "x "+tok(20)))
	ls, _ := img.Layers()
	img2 := buildImage(t, "linux/amd64", nil, nil,
		step{ls[0], "COPY . /"}, step{ls[1], "RUN rm"}, step{ls[2], "COPY app /app"}, step{top, "COPY extra /extra"})
	dir := t.TempDir()
	a := writeLayout(t, filepath.Join(dir, "a"), map[string]v1.Image{"a": img})
	b := writeLayout(t, filepath.Join(dir, "b"), map[string]v1.Image{"b": img2})

	one, err := scanRefs(t, Options{}, a)
	if err != nil {
		t.Fatal(err)
	}
	both, err := scanRefs(t, Options{}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(both.bySecret(tok(4))); got != 2 {
		t.Errorf("tok4 found %d times, want 2 (one per image)", got)
	}
	for _, f := range both.bySecret(tok(4)) {
		if f.Image.Status != detect.StatusPresent {
			t.Errorf("%s: status %s", f.Image.Ref, f.Image.Status)
		}
	}
	if got := both.bySecret(tok(20)); len(got) != 1 || got[0].Image.LayerIndex != 3 {
		t.Errorf("tok20: %+v", got)
	}
	// Only the extra layer's file and the config add to the scanned items.
	cf, _ := img2.ConfigFile()
	want := int64(1 + len((&image{config: cf}).configItems()))
	if d := both.stats.Items.Load() - one.stats.Items.Load(); d != want {
		t.Errorf("second image scanned %d more items, want %d (shared layers read once)", d, want)
	}
	_ = wants
}

// TestPlatformAndName picks images from a layout holding several.
func TestPlatformAndName(t *testing.T) {
	mk := func(p string, n int) v1.Image {
		return buildImage(t, p, []string{"T=" + tok(n)}, nil, step{layer(t, "gzip", file("f.txt", "x")), "COPY f.txt /"})
	}
	dir := writeLayout(t, filepath.Join(t.TempDir(), "multi"), map[string]v1.Image{
		"app:1@amd64": mk("linux/amd64", 1),
		"app:1@arm64": mk("linux/arm64", 2),
		"tool:2":      mk("linux/arm64", 3),
	})
	secrets := func(c *collector) string {
		var s []string
		for _, f := range c.found {
			s = append(s, f.Secret)
		}
		return strings.Join(s, ",")
	}
	// Default platform: amd64 for app:1, and tool:2's only image.
	c, err := scanRefs(t, Options{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := secrets(c), tok(1)+","+tok(3); got != want {
		t.Errorf("default: %s, want %s", got, want)
	}
	c, err = scanRefs(t, Options{Platform: "linux/arm64"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := secrets(c), tok(2)+","+tok(3); got != want {
		t.Errorf("arm64: %s, want %s", got, want)
	}
	c, err = scanRefs(t, Options{}, dir+":tool:2")
	if err != nil {
		t.Fatal(err)
	}
	if got := secrets(c); got != tok(3) {
		t.Errorf("by name: %s", got)
	}
	if f := c.found[0]; f.Image.Name != "tool:2" || f.Image.Platform != "linux/arm64" {
		t.Errorf("info %+v", f.Image)
	}
	// An explicit platform is strict.
	_, err = scanRefs(t, Options{Platform: "linux/s390x"}, dir+":app:1")
	if err == nil || !strings.Contains(err.Error(), "no image for platform linux/s390x") || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("s390x: %v", err)
	}
	_, err = scanRefs(t, Options{}, dir+":nope")
	if err == nil || !strings.Contains(err.Error(), `no image named "nope"`) {
		t.Errorf("unknown name: %v", err)
	}

	// As in a Docker 25+ save of a multi-platform image, the index lists
	// platforms whose blobs are not there: the one present is scanned.
	amd := mk("linux/amd64", 4)
	part := writeLayout(t, filepath.Join(t.TempDir(), "partial"), map[string]v1.Image{
		"app:2@amd64": amd,
		"app:2@arm64": mk("linux/arm64", 5),
	})
	d, _ := amd.Digest()
	if err := os.Remove(filepath.Join(part, "blobs", "sha256", d.Hex)); err != nil {
		t.Fatal(err)
	}
	c, err = scanRefs(t, Options{}, part)
	if err != nil {
		t.Fatal(err)
	}
	if got := secrets(c); got != tok(5) || len(c.errors()) != 0 {
		t.Errorf("partial: %s, errors %q", got, c.errors())
	}
}

// TestLargeFiles: a file over --max-file-size is skipped with a message
// naming image and layer, the rest of the layer is scanned, and a file too
// large to hold in memory is streamed.
func TestLargeFiles(t *testing.T) {
	huge := strings.Repeat("abcdefghij", 200_000) + "\n" + tok(1) // 2 MB
	stream := strings.Repeat("0123456789 text line\n", 600_000) + "k=" + tok(3) + "\n"
	img := buildImage(t, "linux/amd64", nil, nil, step{layer(t, "gzip",
		file("big/huge.txt", huge),
		file("big/after.txt", tok(2)),
		file("big/stream.txt", stream),
	), "COPY big /big"})
	dir := writeLayout(t, filepath.Join(t.TempDir(), "big"), map[string]v1.Image{"big": img})

	so := scan.DefaultOptions()
	so.MaxFileSize = 64 << 10
	sc, c := newScanner(t, so)
	var skipped []string
	sc.Stats.OnSkip = func(reason, p string) { skipped = append(skipped, reason+": "+p) }
	if err := Scan(context.Background(), []string{dir}, Options{Workers: 1}, sc); err != nil {
		t.Fatal(err)
	}
	if len(c.bySecret(tok(1))) != 0 || len(c.bySecret(tok(2))) != 1 {
		t.Errorf("findings: %+v", c.found)
	}
	want := scan.SkipTooLarge + ": image " + dir + " (big) layer 0 (sha256:"
	if len(skipped) != 2 || !strings.HasPrefix(skipped[0], want) || !strings.HasSuffix(skipped[0], "): big/huge.txt") {
		t.Errorf("skipped %q, want %q...big/huge.txt", skipped, want)
	}

	so.MaxFileSize = 0
	sc, c = newScanner(t, so)
	if err := Scan(context.Background(), []string{dir}, Options{}, sc); err != nil {
		t.Fatal(err)
	}
	if len(c.bySecret(tok(1))) != 1 || len(c.bySecret(tok(3))) != 1 {
		t.Errorf("unlimited: %d findings", len(c.found))
	}
	if f := c.bySecret(tok(3)); len(f) == 1 && f[0].StartLine != 600_001 {
		t.Errorf("streamed finding at line %d", f[0].StartLine)
	}
}

// TestUnsafePaths: entries with ../ are reported and scanned under their
// cleaned path.
func TestUnsafePaths(t *testing.T) {
	img := buildImage(t, "linux/amd64", nil, nil, step{layer(t, "gzip",
		file("../../etc/evil.txt", tok(1)),
		file("./ok/../fine.txt", tok(2)),
		file("/abs/file.txt", tok(3)),
	), "COPY"})
	dir := writeLayout(t, filepath.Join(t.TempDir(), "l"), map[string]v1.Image{"x": img})
	c, err := scanRefs(t, Options{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	for s, p := range map[string]string{tok(1): "etc/evil.txt", tok(2): "fine.txt", tok(3): "abs/file.txt"} {
		if f := c.bySecret(s); len(f) != 1 || f[0].Path != p {
			t.Errorf("%s: %+v", p, f)
		}
	}
	if !c.hasError("layer 0", `entry "../../etc/evil.txt" leaves the image root`) {
		t.Errorf("errors: %q", c.errors())
	}
	if n := c.stats.Skipped()[SkipUnsafePath]; n != 2 {
		t.Errorf("unsafe paths counted %d, want 2", n)
	}
}

func TestNotFound(t *testing.T) {
	dir := t.TempDir()
	_, err := scanRefs(t, Options{}, filepath.Join(dir, "nope.tar"))
	if err == nil || !strings.Contains(err.Error(), "nope.tar: no such file") {
		t.Errorf("missing tarball: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "text.tar"), []byte("hello, not a tar"), 0o644)
	_, err = scanRefs(t, Options{}, filepath.Join(dir, "text.tar"))
	if err == nil || !strings.Contains(err.Error(), "text.tar: not a tarball") {
		t.Errorf("not a tar: %v", err)
	}
	_, err = scanRefs(t, Options{}, dir)
	if err == nil || !strings.Contains(err.Error(), "not an OCI layout directory") {
		t.Errorf("plain dir: %v", err)
	}
}
