package imagescan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/leakhound/leakhound/detect"
)

// image is one image to scan, whatever it came from.
type image struct {
	ref       string // as the user gave it
	name      string // tag or ref name inside a tarball or layout
	digest    string // manifest digest, if known
	id        string // config digest
	platform  string
	config    *v1.ConfigFile // nil when missing or unparsable
	layers    []*layerRef
	unordered bool // layer order unknown (damaged tarball)

	wg      sync.WaitGroup
	results []*layerResult
}

// layerRef is one layer of an image.
type layerRef struct {
	index     int
	digest    string
	mediaType string
	createdBy string
	file      string // its path in a docker-save tarball, if any
	key       string // identity for sharing results between images
	open      func(ctx context.Context) (io.ReadCloser, error)
	where     string // "image REF layer N (sha256:…)" for messages
}

// display names the image in messages.
func (img *image) display() string {
	if img.name != "" && img.name != img.ref {
		return img.ref + " (" + img.name + ")"
	}
	return img.ref
}

// info is the image part of a finding's provenance.
func (img *image) info() detect.ImageInfo {
	return detect.ImageInfo{Ref: img.ref, Name: img.name, Digest: img.digest, ID: img.id, Platform: img.platform}
}

// setConfig parses the raw config and fills in what depends on it: the
// image ID, platform, layer diff IDs and the history step of each layer.
// A bad config is reported; the layers are still scanned.
func (r *run) setConfig(img *image, raw []byte, err error) {
	if err != nil {
		r.sc.Stats.Error(SkipConfig, fmt.Errorf("image %s: config: %w: Env, Labels and history not scanned", img.display(), err))
		return
	}
	sum := sha256.Sum256(raw)
	img.id = "sha256:" + hex.EncodeToString(sum[:])
	cf, err := v1.ParseConfigFile(strings.NewReader(string(raw)))
	if err != nil {
		r.sc.Stats.Error(SkipConfig, fmt.Errorf("image %s: config %s: %w: Env, Labels and history not scanned", img.display(), shortDigest(img.id), err))
		return
	}
	img.config = cf
	if cf.OS != "" || cf.Architecture != "" {
		img.platform = cf.Platform().String()
	}
}

// assignHistory gives each layer the created_by of its history step:
// history entries that are not empty_layer map to layers in order.
func (img *image) assignHistory() {
	if img.config == nil || img.unordered {
		return
	}
	i := 0
	for _, h := range img.config.History {
		if h.EmptyLayer {
			continue
		}
		if i >= len(img.layers) {
			return
		}
		img.layers[i].createdBy = h.CreatedBy
		i++
	}
}

// diffID returns the config's diff ID of layer i, if there is one.
func (img *image) diffID(i int) string {
	if img.config == nil || i >= len(img.config.RootFS.DiffIDs) {
		return ""
	}
	return img.config.RootFS.DiffIDs[i].String()
}

// finishLayers sets each layer's index and message prefix.
func (img *image) finishLayers() {
	for i, l := range img.layers {
		l.index = i
		d := shortDigest(l.digest)
		if d == "" {
			d = l.file
		}
		l.where = fmt.Sprintf("image %s layer %d (%s)", img.display(), i, d)
	}
	img.assignHistory()
}

// shortDigest shortens sha256:0123…ef to sha256:0123456789ab.
func shortDigest(d string) string {
	if alg, hx, ok := strings.Cut(d, ":"); ok && len(hx) > 12 {
		return alg + ":" + hx[:12]
	}
	return d
}
