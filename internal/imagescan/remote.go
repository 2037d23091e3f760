package imagescan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// resolve turns one REF argument into the images to scan: a local path
// (optionally PATH:NAME) if it exists, a registry reference otherwise.
func (r *run) resolve(ctx context.Context, ref string) ([]*image, error) {
	if fi, err := os.Stat(ref); err == nil {
		return r.resolveLocal(ref, "", fi)
	}
	for i := 0; i < len(ref); i++ {
		if ref[i] != ':' || i == 0 {
			continue
		}
		if fi, err := os.Stat(ref[:i]); err == nil {
			return r.resolveLocal(ref[:i], ref[i+1:], fi)
		}
	}
	if looksLikePath(ref) {
		return nil, fmt.Errorf("image %s: no such file or directory", ref)
	}
	return r.resolveRemote(ctx, ref)
}

// resolveRemote reads an image's manifest and config from a registry. Its
// layers are fetched when they are scanned.
func (r *run) resolveRemote(ctx context.Context, ref string) ([]*image, error) {
	var nopts []name.Option
	if r.opts.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	nref, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return nil, fmt.Errorf("image %s: not a file, directory or registry reference: %w", ref, err)
	}
	tr := r.opts.Transport
	if tr == nil {
		tr = remote.DefaultTransport
	}
	if r.opts.Insecure {
		if ht, ok := tr.(*http.Transport); ok {
			ht = ht.Clone()
			if ht.TLSClientConfig == nil {
				ht.TLSClientConfig = &tls.Config{}
			}
			ht.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // --insecure-registry asks for it
			tr = ht
		}
	}
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(r.opts.Keychain),
		remote.WithPlatform(r.platform),
		remote.WithTransport(tr),
		remote.WithUserAgent("leakhound"),
	}
	desc, err := remote.Get(nref, ropts...)
	if err != nil {
		return nil, registryError(ref, err)
	}
	var img v1.Image
	digest := desc.Digest.String()
	platName := ""
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, registryError(ref, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, registryError(ref, err)
		}
		var cands []candidate
		for _, d := range im.Manifests {
			if (d.MediaType.IsImage() || d.MediaType == "") && !isAttestation(d) {
				cands = append(cands, candidate{desc: d})
			}
		}
		chosen, err := r.pick(ref, cands, "")
		if err != nil {
			return nil, err
		}
		c := chosen[0]
		if img, err = idx.Image(c.desc.Digest); err != nil {
			return nil, registryError(ref, err)
		}
		digest = c.desc.Digest.String()
		if c.desc.Platform != nil {
			platName = c.desc.Platform.String()
		}
	} else if img, err = desc.Image(); err != nil {
		return nil, registryError(ref, err)
	}
	out := &image{ref: ref, digest: digest}
	m, err := img.Manifest()
	if err != nil {
		return nil, registryError(ref, err)
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		err = registryError(ref, err)
	}
	r.setConfig(out, cfg, err)
	if err := r.checkPlatform(out); err != nil {
		return nil, err
	}
	if out.platform == "" {
		out.platform = platName
	}
	for _, d := range m.Layers {
		d := d
		out.layers = append(out.layers, &layerRef{
			digest:    d.Digest.String(),
			mediaType: string(d.MediaType),
			key:       d.Digest.String(),
			open: func(context.Context) (io.ReadCloser, error) {
				l, err := img.LayerByDigest(d.Digest)
				if err != nil {
					return nil, err
				}
				return l.Compressed()
			},
		})
	}
	out.finishLayers()
	return []*image{out}, nil
}

// registryError explains registry failures in one line naming the image.
func registryError(ref string, err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("image %s: registry refused access (HTTP %d; check docker login or DOCKER_CONFIG): %w", ref, te.StatusCode, err)
		case http.StatusNotFound:
			return fmt.Errorf("image %s: not found in registry (HTTP 404): %w", ref, err)
		}
	}
	return fmt.Errorf("image %s: %w", ref, err)
}

// isMissing reports a blob that is not where the image says.
func isMissing(err error) bool {
	var me *missingError
	if errors.As(err, &me) || errors.Is(err, fs.ErrNotExist) {
		return true
	}
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}
