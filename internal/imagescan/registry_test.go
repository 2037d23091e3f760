package imagescan

import (
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// newRegistry starts an in-process registry; wrap may put a handler in
// front of it.
func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func push(t *testing.T, ref string, img v1.Image, opts ...remote.Option) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		t.Fatal(err)
	}
}

// noDockerConfig points the default keychain at an empty home.
func noDockerConfig(t *testing.T) string {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", filepath.Join(home, ".docker"))
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	return home
}

func TestRegistry(t *testing.T) {
	noDockerConfig(t)
	host := newRegistry(t, nil)
	img, wants := standardImage(t)
	ref := host + "/team/app:1"
	push(t, ref, img)
	c, err := scanRefs(t, Options{}, ref)
	if err != nil {
		t.Fatal(err)
	}
	if msgs := c.errors(); len(msgs) > 0 {
		t.Errorf("errors: %q", msgs)
	}
	check(t, c, wants)
	d, _ := img.Digest()
	if im := c.bySecret(tok(4))[0].Image; im.Ref != ref || im.Digest != d.String() || im.LayerMediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Errorf("info %+v", im)
	}
	// A single-platform image is refused for another explicit platform.
	_, err = scanRefs(t, Options{Platform: "linux/arm64"}, ref)
	if err == nil || !strings.Contains(err.Error(), "image "+ref+" is linux/amd64, not linux/arm64 (--platform)") {
		t.Errorf("explicit platform: %v", err)
	}
	// By digest too.
	c, err = scanRefs(t, Options{}, host+"/team/app@"+d.String())
	if err != nil || len(c.bySecret(tok(4))) != 1 {
		t.Errorf("by digest: %v, %d findings", err, len(c.found))
	}
}

func TestRegistryIndex(t *testing.T) {
	noDockerConfig(t)
	host := newRegistry(t, nil)
	mk := func(p string, n int) v1.Image {
		return buildImage(t, p, []string{"T=" + tok(n)}, nil, step{layer(t, "zstd", file("f.txt", "f "+tok(n+10))), "COPY f.txt /"})
	}
	amd, arm := mk("linux/amd64", 1), mk("linux/arm64/v8", 2)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	ref := host + "/multi:latest"
	r, _ := name.ParseReference(ref)
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		platform string
		secret   int
	}{{"", 1}, {"linux/arm64", 2}, {"linux/arm64/v8", 2}} {
		c, err := scanRefs(t, Options{Platform: tc.platform}, ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.found) != 2 || len(c.bySecret(tok(tc.secret))) != 1 || len(c.bySecret(tok(tc.secret+10))) != 1 {
			t.Errorf("platform %q: %+v", tc.platform, c.found)
		}
	}
	_, err := scanRefs(t, Options{Platform: "windows/amd64"}, ref)
	if err == nil || !strings.Contains(err.Error(), "no image for platform windows/amd64 (has linux/amd64, linux/arm64/v8") {
		t.Errorf("windows: %v", err)
	}
}

// basicAuth requires user:pass on every request, as a registry with
// basic auth does.
func basicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestRegistryAuth(t *testing.T) {
	home := noDockerConfig(t)
	host := newRegistry(t, basicAuth("scanner", "s3cret-pass"))
	img, wants := standardImage(t)
	ref := host + "/private/app:1"
	push(t, ref, img, remote.WithAuth(&authn.Basic{Username: "scanner", Password: "s3cret-pass"}))

	// No credentials: refused, and the message says so without leaking.
	_, err := scanRefs(t, Options{}, ref)
	if err == nil || !strings.Contains(err.Error(), "image "+ref+": registry refused access (HTTP 401") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("no credentials: %q", err)
	}

	// Wrong credentials in the docker config.
	cfgDir := filepath.Join(home, ".docker")
	os.MkdirAll(cfgDir, 0o700)
	writeAuth := func(user, pass string) {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		cfg := `{"auths":{"` + host + `":{"auth":"` + auth + `"}}}`
		if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeAuth("scanner", "wrong-pass")
	_, err = scanRefs(t, Options{}, ref)
	if err == nil || !strings.Contains(err.Error(), "refused access (HTTP 401") || strings.Contains(err.Error(), "wrong-pass") {
		t.Fatalf("wrong credentials: %v", err)
	}

	// Right ones: the default keychain finds them.
	writeAuth("scanner", "s3cret-pass")
	c, err := scanRefs(t, Options{}, ref)
	if err != nil {
		t.Fatal(err)
	}
	check(t, c, wants)
}

func TestRegistryErrors(t *testing.T) {
	noDockerConfig(t)
	img, _ := standardImage(t)
	missing := mustLayerDigest(t, img, 1)
	// A registry that lost a layer blob.
	host := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+missing.String()) {
				http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}`, http.StatusNotFound)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	ref := host + "/app:1"
	push(t, ref, img)
	c, err := scanRefs(t, Options{}, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !c.hasError("image "+ref+" layer 1 ("+shortDigest(missing.String())+")", "layer skipped") || c.stats.Skipped()[SkipMissingBlob] != 1 {
		t.Errorf("errors %q, skipped %v", c.errors(), c.stats.Skipped())
	}
	if len(c.bySecret(tok(7))) != 1 || len(c.bySecret(tok(8))) != 1 {
		t.Errorf("rest not scanned: %d findings", len(c.found))
	}

	// An image the registry does not have.
	_, err = scanRefs(t, Options{}, host+"/nope:1")
	if err == nil || !strings.Contains(err.Error(), "image "+host+"/nope:1: not found in registry (HTTP 404)") {
		t.Errorf("unknown image: %v", err)
	}

	// A registry that is not there: alone it fails the scan; with a good
	// image it is reported and the good one scanned.
	gone := "127.0.0.1:1/app:1"
	_, err = scanRefs(t, Options{}, gone)
	if err == nil || !strings.Contains(err.Error(), "image "+gone+": ") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("no registry: %v", err)
	}
	_, err = scanRefs(t, Options{}, gone, host+"/nope:1")
	if err == nil || !strings.Contains(err.Error(), "none of the 2 images could be read: image "+gone+": ") || !strings.Contains(err.Error(), "; image "+host+"/nope:1: not found") {
		t.Errorf("two bad refs: %v", err)
	}
	c, err = scanRefs(t, Options{}, gone, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !c.hasError("image "+gone, "connection refused") || len(c.bySecret(tok(7))) != 1 {
		t.Errorf("errors %q, %d findings", c.errors(), len(c.found))
	}

	// Not a reference at all.
	_, err = scanRefs(t, Options{}, "UPPER/case:tag")
	if err == nil || !strings.Contains(err.Error(), "not a file, directory or registry reference") {
		t.Errorf("bad ref: %v", err)
	}
}
