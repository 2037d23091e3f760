// Command genimage writes a synthetic multi-layer container image for
// benchmarks: source-like text, binaries, archives, files repeated across
// layers, deletions (whiteouts) and a few secrets. It writes an OCI layout
// directory (gzip layers) or a legacy docker-save tarball (plain layers).
//
//	go run ./internal/imagescan/genimage -out /tmp/big -size 600 -layers 8
//	go run ./internal/imagescan/genimage -out /tmp/big.tar -format docker
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
)

func main() {
	out := flag.String("out", "", "output: a directory (oci) or a .tar file (docker)")
	format := flag.String("format", "oci", "oci (layout directory, gzip layers) or docker (legacy docker save tarball)")
	sizeMB := flag.Int("size", 600, "approximate uncompressed size in MB")
	layers := flag.Int("layers", 8, "number of layers")
	seed := flag.Uint64("seed", 1, "random seed")
	binPct := flag.Int("binary", 30, "percent of files that are binaries (the rest: text, archives, repeats)")
	flag.Parse()
	if *out == "" || *layers < 1 || (*format != "oci" && *format != "docker") {
		flag.Usage()
		os.Exit(2)
	}
	g := &gen{rnd: rand.New(rand.NewPCG(*seed, 2)), perLayer: int64(*sizeMB) << 20 / int64(*layers), binPct: *binPct}
	var err error
	if *format == "oci" {
		err = g.writeOCI(*out, *layers)
	} else {
		err = g.writeDocker(*out, *layers)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genimage:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genimage: wrote %s: %d layers, %d MB uncompressed, %d files, %d secrets planted\n",
		*out, *layers, g.total>>20, g.files, g.secrets)
}

type gen struct {
	rnd      *rand.Rand
	perLayer int64
	binPct   int
	total    int64
	files    int
	secrets  int
	shared   []sharedFile // files repeated in later layers
}

type sharedFile struct {
	name string
	data []byte
}

var words = strings.Fields(`the of and to in is for on that with as by this from at be are or an it
	config value return error func string int buffer request response client server handler user
	token name path file data index count result context message status header body query param
	import package class public private static void new null true false if else while for range`)

// text returns source-like text of about n bytes.
func (g *gen) text(n int) []byte {
	var b bytes.Buffer
	b.Grow(n + 100)
	for b.Len() < n {
		k := 3 + g.rnd.IntN(9)
		for i := 0; i < k; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[g.rnd.IntN(len(words))])
			if g.rnd.IntN(8) == 0 {
				fmt.Fprintf(&b, "_%d", g.rnd.IntN(1000))
			}
		}
		if g.rnd.IntN(20) == 0 {
			fmt.Fprintf(&b, " = %q", words[g.rnd.IntN(len(words))])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// binary returns n bytes that look like an executable.
func (g *gen) binary(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x7fELF\x02\x01\x01\x00")
	for i := 16; i < n; i += 8 {
		v := g.rnd.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// secret returns a planted credential line (AWS-style and GitHub-style).
func (g *gen) secret() []byte {
	g.secrets++
	const up = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const an = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	id := make([]byte, 16)
	for i := range id {
		id[i] = up[g.rnd.IntN(len(up))]
	}
	key := make([]byte, 40)
	for i := range key {
		key[i] = an[g.rnd.IntN(len(an))]
	}
	return []byte(fmt.Sprintf("aws_access_key_id = AKIA%s\naws_secret_access_key = %s\n", id, key))
}

func (g *gen) zipOf(files int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < files; i++ {
		w, _ := zw.Create(fmt.Sprintf("com/example/C%d.properties", i))
		w.Write(g.text(2000 + g.rnd.IntN(6000)))
	}
	zw.Close()
	return buf.Bytes()
}

// layer writes one layer's tar to w.
func (g *gen) layer(w io.Writer, idx int) error {
	tw := tar.NewWriter(w)
	put := func(name string, data []byte) error {
		g.files++
		g.total += int64(len(data))
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	var written int64
	for n := 0; written < g.perLayer; n++ {
		dir := fmt.Sprintf("layer%d/pkg%d", idx, n/50)
		var name string
		var data []byte
		switch r := g.rnd.IntN(100); {
		case r < g.binPct:
			name, data = fmt.Sprintf("%s/lib%d.so", dir, n), g.binary(20000+g.rnd.IntN(400000))
		case r < 85:
			name, data = fmt.Sprintf("%s/src%d.py", dir, n), g.text(1000+g.rnd.IntN(30000))
		case r < 88:
			name, data = fmt.Sprintf("%s/app%d.jar", dir, n), g.zipOf(5+g.rnd.IntN(20))
		case r < 93 && len(g.shared) > 0:
			s := g.shared[g.rnd.IntN(len(g.shared))]
			name, data = s.name, s.data
		default:
			name, data = fmt.Sprintf("%s/conf%d.txt", dir, n), g.text(500+g.rnd.IntN(5000))
		}
		if g.rnd.IntN(100) == 0 {
			data = append(g.text(200), g.secret()...)
			name = fmt.Sprintf("%s/secret%d.env", dir, n)
		}
		if len(g.shared) < 200 && g.rnd.IntN(20) == 0 && !bytes.HasPrefix(data, []byte("\x7fELF")) {
			g.shared = append(g.shared, sharedFile{name, data})
		}
		if err := put(name, data); err != nil {
			return err
		}
		written += int64(len(data))
	}
	if idx > 0 {
		// Delete something from the layer below.
		if err := put(fmt.Sprintf("layer%d/pkg0/.wh.src0.py", idx-1), nil); err != nil {
			return err
		}
	}
	return tw.Close()
}

type blob struct {
	digest string
	size   int64
}

// writeBlob writes content produced by fill into dir/blobs/sha256, gzipped
// if gz; it returns the blob and the digest of the uncompressed content.
func writeBlob(dir string, gz bool, fill func(io.Writer) error) (blob, string, error) {
	tmp, err := os.CreateTemp(filepath.Join(dir, "blobs", "sha256"), "tmp")
	if err != nil {
		return blob{}, "", err
	}
	defer os.Remove(tmp.Name())
	outer := sha256.New()
	cw := &counter{w: io.MultiWriter(tmp, outer)}
	inner := sha256.New()
	var w io.Writer = cw
	var zw *gzip.Writer
	if gz {
		zw, _ = gzip.NewWriterLevel(cw, gzip.BestSpeed)
		w = zw
	}
	if err := fill(io.MultiWriter(w, inner)); err != nil {
		return blob{}, "", err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return blob{}, "", err
		}
	}
	if err := tmp.Close(); err != nil {
		return blob{}, "", err
	}
	d := sum(outer)
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "blobs", "sha256", d)); err != nil {
		return blob{}, "", err
	}
	return blob{"sha256:" + d, cw.n}, "sha256:" + sum(inner), nil
}

func sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func jsonBlob(dir string, v any) (blob, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return blob{}, err
	}
	b, _, err := writeBlob(dir, false, func(w io.Writer) error { _, err := w.Write(data); return err })
	return b, err
}

func (g *gen) config(diffIDs []string) map[string]any {
	var hist []map[string]any
	hist = append(hist, map[string]any{"created_by": "ARG DEPLOY_TOKEN", "empty_layer": true})
	for i := range diffIDs {
		hist = append(hist, map[string]any{"created_by": fmt.Sprintf("COPY layer%d /layer%d", i, i)})
	}
	return map[string]any{
		"architecture": "amd64", "os": "linux",
		"config":  map[string]any{"Env": []string{"PATH=/usr/bin", "APP_ENV=bench"}, "Cmd": []string{"/bin/app"}},
		"rootfs":  map[string]any{"type": "layers", "diff_ids": diffIDs},
		"history": hist,
	}
}

func (g *gen) writeOCI(dir string, n int) error {
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	var layers []map[string]any
	var diffIDs []string
	for i := 0; i < n; i++ {
		b, diff, err := writeBlob(dir, true, func(w io.Writer) error { return g.layer(w, i) })
		if err != nil {
			return err
		}
		layers = append(layers, map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": b.digest, "size": b.size})
		diffIDs = append(diffIDs, diff)
	}
	cfg, err := jsonBlob(dir, g.config(diffIDs))
	if err != nil {
		return err
	}
	man, err := jsonBlob(dir, map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg.digest, "size": cfg.size},
		"layers": layers,
	})
	if err != nil {
		return err
	}
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []map[string]any{{
		"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": man.digest, "size": man.size,
		"annotations": map[string]string{"org.opencontainers.image.ref.name": "bench"},
	}}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// writeDocker writes a legacy docker save tarball: layers are generated
// into a scratch OCI directory next to the output, then copied in.
func (g *gen) writeDocker(out string, n int) error {
	scratch, err := os.MkdirTemp(filepath.Dir(out), "genimage")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	if err := os.MkdirAll(filepath.Join(scratch, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	var blobs []blob
	var diffIDs []string
	for i := 0; i < n; i++ {
		b, diff, err := writeBlob(scratch, false, func(w io.Writer) error { return g.layer(w, i) })
		if err != nil {
			return err
		}
		blobs = append(blobs, b)
		diffIDs = append(diffIDs, diff)
	}
	cfgData, _ := json.Marshal(g.config(diffIDs))
	cfgName := fmt.Sprintf("%x.json", sha256.Sum256(cfgData))
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	var paths []string
	for i, b := range blobs {
		p := fmt.Sprintf("%064x/layer.tar", i+1)
		paths = append(paths, p)
		src, err := os.Open(filepath.Join(scratch, "blobs", "sha256", strings.TrimPrefix(b.digest, "sha256:")))
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: b.size, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := io.Copy(tw, src); err != nil {
			return err
		}
		src.Close()
	}
	man, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{"bench:latest"}, "Layers": paths}})
	for _, e := range []struct {
		name string
		data []byte
	}{{cfgName, cfgData}, {"manifest.json", man}} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		tw.Write(e.data)
	}
	return tw.Close()
}
