package detect

import (
	"hash/crc32"
	"strings"
)

// checksumFunc reports whether a secret passes a rule's checksum.
type checksumFunc func(secret string) bool

// checksums maps the names a rule's `checksum` key may use to their checks.
// Keep in sync with rules.checksums (a test checks).
var checksums = map[string]checksumFunc{
	"github": base62CRC32Token,
	"npm":    base62CRC32Token,
}

// ChecksumNames lists the supported checksum names.
func ChecksumNames() []string {
	out := make([]string, 0, len(checksums))
	for k := range checksums {
		out = append(out, k)
	}
	return out
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62CRC32Token checks tokens of the form PREFIX_<30 random><6 checksum>
// where the checksum is the CRC32 (IEEE) of the 30 random characters, in
// base62, left-padded with '0' (GitHub gh*_ and npm npm_ tokens).
func base62CRC32Token(secret string) bool {
	i := strings.LastIndexByte(secret, '_')
	body := secret[i+1:]
	if len(body) != 36 {
		return false
	}
	return body[30:] == encodeBase62CRC(body[:30])
}

func encodeBase62CRC(s string) string {
	n := crc32.ChecksumIEEE([]byte(s))
	var buf [6]byte
	for i := 5; i >= 0; i-- {
		buf[i] = base62[n%62]
		n /= 62
	}
	return string(buf[:])
}

// GitHubStyleToken builds a token with a valid base62 CRC32 checksum from a
// prefix (e.g. "ghp_") and 30 body characters. It exists for tests and examples.
func GitHubStyleToken(prefix, body30 string) string {
	return prefix + body30 + encodeBase62CRC(body30)
}
