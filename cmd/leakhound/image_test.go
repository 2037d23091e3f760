package main

import (
	"archive/tar"
	"bytes"
	"io"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// layerOf builds an uncompressed tar layer from name/content pairs.
func layerOf(t *testing.T, files ...string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		if err := tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[i+1]))
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestImageCLI scans an OCI layout from the command line: a secret in a
// file that a later layer deletes, and one in the config's Env.
func TestImageCLI(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	const other = "acme_Qw3Er5Ty7Ui9Op1As2Df4Gh6"
	img, err := mutate.AppendLayers(empty.Image,
		layerOf(t, "app/.env", "KEY="+acme+"\n", "app/main.go", "package main\n"),
		layerOf(t, "app/.wh..env", ""),
	)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Config.Env = []string{"PATH=/usr/bin", "TOKEN=" + other}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	lp, err := layout.Write(filepath.Join(dir, "oci"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cli(t, dir, "", "image", "-f", "json", "oci")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	fs := decode(t, out)
	if len(fs) != 2 {
		t.Fatalf("want 2 findings, got %+v\n%s", fs, errs)
	}
	var layerHit, envHit bool
	for _, f := range fs {
		if f.Image == nil || f.Source != "image" {
			t.Fatalf("finding without image provenance: %+v", f)
		}
		switch f.Secret {
		case acme:
			layerHit = f.Path == "app/.env" && f.Image.LayerIndex == 0 && f.Image.Status == "deleted"
		case other:
			envHit = f.Image.Field == "config.Env[1]" && f.Image.LayerIndex == -1
		}
	}
	if !layerHit || !envHit {
		t.Errorf("provenance: %+v", fs)
	}
	if _, errs, code := cli(t, dir, "", "image", "no/such/image.tar"); code != 2 || errs == "" {
		t.Errorf("missing image: exit %d, %q", code, errs)
	}
}
