package detect

import (
	"bytes"
	"strings"
)

var (
	markerAllow    = []byte("leakhound:allow")
	markerGitleaks = []byte("gitleaks:allow")
	markerNextLine = "-next-line"
)

// inlineAllowed reports whether an inline marker suppresses a finding of
// rule id whose match spans the lines data[ls:le]:
//
//   - "gitleaks:allow" or "leakhound:allow" on those lines;
//   - "leakhound:allow-next-line" on the line before;
//   - either leakhound form may be scoped with "rule=ID" (comma-separated ids).
func inlineAllowed(data []byte, ls, le int, id string) bool {
	lines := data[ls:le]
	if bytes.Contains(lines, markerGitleaks) {
		return true
	}
	if markerFor(lines, id, false) {
		return true
	}
	// The line before: only when ls is a real line start (on a giant line
	// the search range is cut around the match).
	if ls > 0 && data[ls-1] == '\n' {
		prevStart := bytes.LastIndexByte(data[:ls-1], '\n') + 1
		if markerFor(data[prevStart:ls-1], id, true) {
			return true
		}
	}
	return false
}

// markerFor looks for leakhound markers in text; nextLine selects the
// allow-next-line form.
func markerFor(text []byte, id string, nextLine bool) bool {
	for {
		i := bytes.Index(text, markerAllow)
		if i < 0 {
			return false
		}
		rest := text[i+len(markerAllow):]
		text = rest
		isNext := bytes.HasPrefix(rest, []byte(markerNextLine))
		if isNext != nextLine {
			continue
		}
		if isNext {
			rest = rest[len(markerNextLine):]
		}
		// A marker glued to more letters (leakhound:allowed) is not a marker.
		if len(rest) > 0 && (isWordByte(rest[0]) || rest[0] == '-') {
			continue
		}
		if scopeMatches(rest, id) {
			return true
		}
	}
}

// scopeMatches parses an optional `rule=ID[,ID]` right after a marker.
func scopeMatches(rest []byte, id string) bool {
	s := strings.TrimLeft(string(firstLine(rest)), " \t")
	if !strings.HasPrefix(s, "rule=") {
		return true
	}
	s = strings.TrimPrefix(s, "rule=")
	s = strings.Trim(strings.Fields(s + " ")[0], `"'`)
	for _, r := range strings.Split(s, ",") {
		if r == id {
			return true
		}
	}
	return false
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
