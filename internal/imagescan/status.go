package imagescan

import (
	"hash/maphash"
	"strings"

	"github.com/leakhound/leakhound/detect"
)

// hash maps a layer path to the key of layerResult.entries. 64-bit hashes
// keep the per-layer path index small; a collision would at worst misstate
// one file's status.
func (r *run) hash(p string) uint64 {
	return maphash.String(r.seed, p)
}

// pathHashes appends to dst the hash of file, then those of its parent
// directories up to the root ("").
func (r *run) pathHashes(dst []uint64, file string) []uint64 {
	dst = append(dst, r.hash(file))
	p := file
	for {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return append(dst, r.hash(""))
		}
		p = p[:i]
		dst = append(dst, r.hash(p))
	}
}

// fileStatus tells whether the file in layer i whose path and parent
// directories hash to hs is in the image's final filesystem, and which later
// layer changed it. Layers are looked at from the top: the first one that
// touches the path decides.
func fileStatus(results []*layerResult, i int, hs []uint64) (string, int) {
	for j := len(results) - 1; j > i; j-- {
		res := results[j]
		if res == nil {
			return detect.StatusUnknown, 0
		}
		fl := res.entries[hs[0]]
		switch {
		case fl&flagFile != 0:
			return detect.StatusOverwritten, j
		case fl&(flagWhiteout|flagDir) != 0:
			return detect.StatusDeleted, j
		}
		for _, a := range hs[1:] {
			// A parent deleted, made opaque or replaced by a non-directory.
			if res.entries[a]&(flagWhiteout|flagOpaque|flagFile) != 0 {
				return detect.StatusDeleted, j
			}
		}
		if !res.complete {
			return detect.StatusUnknown, 0
		}
	}
	return detect.StatusPresent, 0
}
