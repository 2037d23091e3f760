package detect

// Status values of ImageInfo.Status: whether a file found in a layer is still
// in the image's final filesystem.
const (
	// StatusPresent: no later layer touches the file; it is in the final
	// filesystem.
	StatusPresent = "present"
	// StatusDeleted: a later layer removes the file (whiteout, opaque
	// directory, or a parent replaced by a non-directory); it is not in the
	// final filesystem but still ships in its layer.
	StatusDeleted = "deleted"
	// StatusOverwritten: a later layer puts another file at the same path;
	// this copy still ships in its layer.
	StatusOverwritten = "overwritten"
	// StatusUnknown: a later layer could not be read, or the layer order is
	// unknown (a damaged tarball).
	StatusUnknown = "unknown"
)

// ImageInfo is the provenance of a finding in a container image.
type ImageInfo struct {
	// Ref is the image reference as given by the user: a registry reference,
	// a tarball path or a layout directory.
	Ref string `json:"ref"`
	// Name is the image's name inside a tarball or layout (its repository
	// tag or ref name), when Ref holds several images.
	Name string `json:"name,omitempty"`
	// Digest is the image manifest digest; empty for legacy docker-save
	// tarballs, which hold no manifest.
	Digest string `json:"digest,omitempty"`
	// ID is the image ID: the digest of its config.
	ID string `json:"id,omitempty"`
	// Platform is the image's os/architecture[/variant].
	Platform string `json:"platform,omitempty"`
	// LayerIndex is the 0-based layer index, or -1 for config findings.
	LayerIndex int `json:"layerIndex"`
	// LayerDigest is the layer's digest (for legacy docker-save tarballs,
	// its diff ID: the digest of the uncompressed layer).
	LayerDigest string `json:"layerDigest,omitempty"`
	// LayerMediaType is the layer's media type, when the image says.
	LayerMediaType string `json:"layerMediaType,omitempty"`
	// CreatedBy is the history step that created the layer.
	CreatedBy string `json:"createdBy,omitempty"`
	// Field names the config field for config findings (e.g. config.Env[3],
	// history[5].created_by).
	Field string `json:"field,omitempty"`
	// Status says whether a layer file is in the final filesystem: present,
	// deleted, overwritten or unknown. Empty for config findings.
	Status string `json:"status,omitempty"`
	// ChangedByLayer is the index of the later layer that deleted or
	// overwrote the file (0 when Status is present or unknown).
	ChangedByLayer int `json:"changedByLayer,omitempty"`
}
