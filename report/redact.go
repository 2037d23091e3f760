package report

import (
	"strings"

	"github.com/leakhound/leakhound/detect"
)

// redacted replaces a secret, or an encoded run holding one, when nothing
// of it is shown.
const redacted = "REDACTED"

// Redact returns a copy of f with its secret hidden. percent (1-100) is the
// share of the secret's characters to hide, from the end: 100 replaces it
// with "REDACTED", 80 keeps the first fifth and appends "...". percent 0 or
// less returns f unchanged.
//
// The secret is hidden wherever the finding carries it: Secret, Match, Line,
// the git commit message and the image history step. Line excerpts are cut
// around long secrets, so a piece of the secret at either end of the excerpt
// is hidden too. For a secret found under an encoding (f.Decoded), every
// encoded-looking run in Line is hidden, since decoding it would reveal the
// secret.
func Redact(f detect.Finding, percent int) detect.Finding {
	if percent <= 0 {
		return f
	}
	percent = min(percent, 100)
	decoded := len(f.Decoded) > 0
	secret := f.Secret
	m := maskSecret(secret, percent)
	if secret != "" {
		f.Secret = m
	}
	f.Match = hide(f.Match, secret, m, false)
	f.Line = hide(f.Line, secret, m, decoded)
	if f.Git != nil {
		g := *f.Git
		g.Message = hide(g.Message, secret, m, decoded)
		f.Git = &g
	}
	if f.Image != nil {
		im := *f.Image
		im.CreatedBy = hide(im.CreatedBy, secret, m, decoded)
		f.Image = &im
	}
	return f
}

// maskSecret hides percent of secret's characters.
func maskSecret(secret string, percent int) string {
	if secret == "" {
		return ""
	}
	rs := []rune(secret)
	keep := len(rs) * (100 - percent) / 100
	if keep <= 0 {
		return redacted
	}
	return string(rs[:keep]) + "..."
}

// mask kinds
const (
	maskNone = iota
	maskSecretKind
	maskEncoded
)

// hide replaces secret in s by m. When s holds no whole occurrence, a
// prefix of the secret at the end of s and a suffix at its start are
// replaced too (excerpts are cut and trimmed), and s is replaced whole when
// it lies inside the secret. With encoded set, runs that look like base64,
// hex or percent-encoding are replaced by "REDACTED".
func hide(s, secret, m string, encoded bool) string {
	if s == "" {
		return s
	}
	kinds := make([]uint8, len(s))
	if secret != "" {
		found := false
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], secret)
			if j < 0 {
				break
			}
			found = true
			fill(kinds, i+j, i+j+len(secret), maskSecretKind)
			i += j + 1
		}
		if !found {
			if strings.Contains(secret, s) {
				return m
			}
			for k := min(len(s), len(secret)) - 1; k >= 1; k-- {
				if strings.HasSuffix(s, secret[:k]) {
					fill(kinds, len(s)-k, len(s), maskSecretKind)
					break
				}
			}
			for k := min(len(s), len(secret)) - 1; k >= 1; k-- {
				if strings.HasPrefix(s, secret[len(secret)-k:]) {
					fill(kinds, 0, k, maskSecretKind)
					break
				}
			}
		}
	}
	if encoded {
		for _, r := range encodedRuns(s) {
			fill(kinds, r[0], r[1], maskEncoded)
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		k := kinds[i]
		j := i + 1
		for j < len(s) && kinds[j] == k {
			j++
		}
		switch k {
		case maskNone:
			b.WriteString(s[i:j])
		case maskSecretKind:
			b.WriteString(m)
		case maskEncoded:
			b.WriteString(redacted)
		}
		i = j
	}
	return b.String()
}

// fill sets kinds[from:to] to k unless already set to a stronger kind.
func fill(kinds []uint8, from, to int, k uint8) {
	for i := from; i < to; i++ {
		kinds[i] = max(kinds[i], k)
	}
}

// Encoded runs are found more eagerly than detect finds segments to decode,
// so that whatever it decoded is covered.
const minEncodedRun = 8

// isB64 reports whether c belongs to base64 (standard or URL) or hex.
func isB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '+' || c == '/' || c == '-' || c == '_' || c == '='
}

// stopsPercent reports whether c ends a percent-encoded run.
func stopsPercent(c byte) bool {
	return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c >= 0x7f
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// encodedRuns returns the [start, end) byte ranges in s that may be
// encoded data: runs of base64/hex characters of at least minEncodedRun
// bytes, and runs of URL characters holding a %XX escape.
func encodedRuns(s string) [][2]int {
	var runs [][2]int
	for i := 0; i < len(s); {
		if !isB64(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isB64(s[j]) {
			j++
		}
		if j-i >= minEncodedRun {
			runs = append(runs, [2]int{i, j})
		}
		i = j
	}
	for i := 0; i+2 < len(s); i++ {
		if s[i] != '%' || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
			continue
		}
		a := i
		for a > 0 && !stopsPercent(s[a-1]) {
			a--
		}
		e := i
		for e < len(s) && !stopsPercent(s[e]) {
			e++
		}
		runs = append(runs, [2]int{a, e})
		i = e
	}
	return runs
}
