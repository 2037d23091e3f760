package report

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/leakhound/leakhound/detect"
)

// repoPath returns the repository-relative, "/"-separated path of the file
// holding f and, for a finding inside an archive ("outer.zip!inner/x"), the
// member path inside it. The path is never absolute and never starts with
// "..": an absolute path outside root loses its leading "/" (and drive
// letter), a relative one its leading "../" components.
func repoPath(f *detect.Finding, root string) (file, member string) {
	p := f.Path
	if p == "" {
		return displayPath(f), ""
	}
	if i := strings.IndexByte(p, '!'); i > 0 && i < len(p)-1 {
		p, member = p[:i], p[i+1:]
	}
	return relPath(p, root), member
}

// relPath makes p repository-relative. A relative path is taken to be
// relative to the working directory, which in CI is the repository root,
// and kept; a path that is absolute or climbs out with "../" is made
// relative to root when it lies under it. What would still make it absolute
// or climb out is then stripped.
func relPath(p, root string) string {
	p = path.Clean(p)
	outside := path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") || len(p) >= 3 && p[1] == ':' && p[2] == '/'
	if root != "" && outside {
		r := path.Clean(filepath.ToSlash(root))
		switch {
		case r == "/":
			p = strings.TrimPrefix(p, "/")
		case p == r:
			p = path.Base(p)
		case strings.HasPrefix(p, r+"/"):
			p = p[len(r)+1:]
		}
	}
	// Drop a Windows drive letter, leading slashes and leading "..".
	if len(p) >= 3 && p[1] == ':' && p[2] == '/' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') {
		p = p[2:]
	}
	for {
		switch {
		case strings.HasPrefix(p, "/"):
			p = p[1:]
		case p == "..":
			p = ""
		case strings.HasPrefix(p, "../"):
			p = p[3:]
		default:
			if p == "" || p == "." {
				return "unknown"
			}
			return p
		}
	}
}

// encodeURI percent-encodes a relative path for a SARIF URI: every byte but
// unreserved characters (RFC 3986) and "/" is escaped, so that spaces,
// non-ASCII names and characters like ':', '#', '?' and '%' cannot change
// the URI's meaning.
func encodeURI(p string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
