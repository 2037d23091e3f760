package detect

// ImageInfo is the provenance of a finding in a container image.
type ImageInfo struct {
	// Ref is the image reference as given by the user.
	Ref string `json:"ref"`
	// Digest is the image manifest digest.
	Digest string `json:"digest,omitempty"`
	// LayerIndex is the 0-based layer index, or -1 for config findings.
	LayerIndex int `json:"layerIndex"`
	// LayerDigest is the layer's digest.
	LayerDigest string `json:"layerDigest,omitempty"`
	// CreatedBy is the history step that created the layer.
	CreatedBy string `json:"createdBy,omitempty"`
	// Field names the config field for config findings (e.g. config.Env[3]).
	Field string `json:"field,omitempty"`
}
