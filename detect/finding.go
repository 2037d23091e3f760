package detect

import (
	"crypto/sha256"
	"encoding/hex"
)

// Source kinds a Location may carry.
const (
	SourceFile  = "file"
	SourceStdin = "stdin"
	SourceGit   = "git"
	SourceImage = "image"
)

// Location says where scanned bytes come from. The engine uses Path for
// path-scoped rules and allowlists and Commit for commit allowlists; it copies
// the rest to findings untouched.
type Location struct {
	// Source is the kind of input: file, stdin, git or image.
	Source string
	// Path is the input's path, "/"-separated. Members of archives are
	// named "outer.zip!inner/file.txt".
	Path string
	// Commit is the commit that introduced the content, if any.
	Commit string
}

// Finding is one detected secret. Its JSON form is leakhound's report schema
// (see docs/report-formats.md): fields are only ever added, never renamed.
type Finding struct {
	// RuleID names the rule that fired.
	RuleID string `json:"ruleId"`
	// Description is the rule's description.
	Description string `json:"description"`
	// Severity is the rule's severity.
	Severity string `json:"severity"`
	// Tags are the rule's tags.
	Tags []string `json:"tags"`
	// Source is the input kind (file, stdin, git, image).
	Source string `json:"source"`
	// Path is the input's path.
	Path string `json:"path"`
	// StartLine and StartColumn locate the secret's first character
	// (1-based; columns count characters).
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	// EndLine and EndColumn locate the end of the secret; EndColumn is one
	// past its last character.
	EndLine   int `json:"endLine"`
	EndColumn int `json:"endColumn"`
	// StartOffset and EndOffset are the secret's byte offsets in the input
	// (end exclusive).
	StartOffset int64 `json:"startOffset"`
	EndOffset   int64 `json:"endOffset"`
	// Secret is the secret itself (redacted in reports on request).
	Secret string `json:"secret"`
	// Match is the whole text the rule's regex matched.
	Match string `json:"match"`
	// Line is the line holding the secret, trimmed and shortened.
	Line string `json:"line"`
	// Entropy is the Shannon entropy of the secret in bits per byte.
	Entropy float64 `json:"entropy"`
	// Fingerprint is a hash of rule id and secret: the same secret found by
	// the same rule anywhere has the same fingerprint.
	Fingerprint string `json:"fingerprint"`
	// LocationFingerprint is a hash of rule id, path and secret.
	LocationFingerprint string `json:"locationFingerprint"`
	// Decoded lists the encodings the secret was found under, outermost
	// first (e.g. ["base64"]); empty for plain text.
	Decoded []string `json:"decoded,omitempty"`
	// Git holds provenance for findings in git history.
	Git *GitInfo `json:"git,omitempty"`
	// Image holds provenance for findings in container images.
	Image *ImageInfo `json:"image,omitempty"`
}

// Fingerprint returns the content fingerprint of a secret found by a rule:
// the first 16 bytes of SHA-256 over rule id, a NUL byte and the secret, in
// hex. It never contains the secret.
func Fingerprint(ruleID, secret string) string {
	h := sha256.New()
	h.Write([]byte(ruleID))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// LocationFingerprint is like Fingerprint but also binds the path.
func LocationFingerprint(ruleID, path, secret string) string {
	h := sha256.New()
	h.Write([]byte(ruleID))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil)[:16])
}
