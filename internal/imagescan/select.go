package imagescan

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// candidate is an image manifest listed in an index.
type candidate struct {
	desc  v1.Descriptor
	name  string   // display name: the longest ref name, "" if none
	names []string // every name it is known by
}

// Annotations naming images in an index.
const (
	annotRefName    = "org.opencontainers.image.ref.name"
	annotContainerd = "io.containerd.image.name"
	annotRefType    = "vnd.docker.reference.type"
)

// names returns the names an index descriptor gives its image.
func descNames(d v1.Descriptor) []string {
	var out []string
	for _, k := range []string{annotContainerd, annotRefName} {
		if v := d.Annotations[k]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

// isAttestation reports descriptors of build attestations (buildkit's
// provenance and SBOM manifests), which are not images.
func isAttestation(d v1.Descriptor) bool {
	if d.Annotations[annotRefType] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}

// matchName reports whether an image known by names is the one the user
// asked for: a full name, a tag, or a name without the registry part.
func matchName(want string, names []string) bool {
	for _, n := range names {
		if n == want || strings.HasSuffix(n, "/"+want) {
			return true
		}
		if i := strings.LastIndexByte(n, ':'); i > strings.LastIndexByte(n, '/') && n[i+1:] == want {
			return true
		}
	}
	return false
}

// pick chooses the images to scan among an index's candidates: those named
// want (all when want is empty), and of each name the one for the wanted
// platform. Without an explicit platform, a name with a single image is
// taken whatever its platform.
func (r *run) pick(src string, cands []candidate, want string) ([]candidate, error) {
	if want != "" {
		var keep []candidate
		var all []string
		for _, c := range cands {
			if matchName(want, c.names) {
				keep = append(keep, c)
			}
			all = append(all, c.names...)
		}
		if len(keep) == 0 {
			if len(all) == 0 {
				return nil, fmt.Errorf("image %s: no image named %q (the index names none)", src, want)
			}
			return nil, fmt.Errorf("image %s: no image named %q (has %s)", src, want, strings.Join(dedup(all), ", "))
		}
		cands = keep
	}
	var order []string
	groups := map[string][]candidate{}
	for _, c := range cands {
		if _, ok := groups[c.name]; !ok {
			order = append(order, c.name)
		}
		groups[c.name] = append(groups[c.name], c)
	}
	var out []candidate
	var misses []error
	for _, n := range order {
		g := groups[n]
		if len(g) == 1 && (!r.strict || g[0].desc.Platform == nil || g[0].desc.Platform.Satisfies(r.platform)) {
			out = append(out, g[0])
			continue
		}
		var match []candidate
		var have []string
		for _, c := range g {
			if c.desc.Platform != nil && c.desc.Platform.Satisfies(r.platform) {
				match = []candidate{c}
				break
			}
		}
		if match == nil {
			// Images without a platform in the index may still be the one.
			for _, c := range g {
				if c.desc.Platform == nil {
					match = append(match, c)
				} else {
					have = append(have, c.desc.Platform.String())
				}
			}
		}
		if match == nil {
			label := src
			if n != "" {
				label += " (" + n + ")"
			}
			misses = append(misses, fmt.Errorf("image %s: no image for platform %s (has %s; use --platform)", label, r.platform.String(), strings.Join(dedup(have), ", ")))
		}
		out = append(out, match...)
	}
	if len(out) == 0 {
		if len(misses) == 0 {
			return nil, fmt.Errorf("image %s: the index lists no image", src)
		}
		return nil, misses[0]
	}
	for _, err := range misses {
		r.sc.Stats.Error(SkipImage, err)
	}
	return out, nil
}

func dedup(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
