package detect

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"hash/crc32"
	"strings"
)

// checksumFunc reports whether a secret passes a rule's checksum.
type checksumFunc func(secret string) bool

// checksums maps the names a rule's `checksum` key may use to their checks.
// Keep in sync with rules.checksums (a test checks).
var checksums = map[string]checksumFunc{
	"github":      base62CRC32Token,
	"npm":         base62CRC32Token,
	"base58check": base58CheckKey,
	"bech32":      bech32Valid,
	"jwt":         jwtStructure,
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

// alphabetIndex maps each byte of alphabet to its position, others to -1.
func alphabetIndex(alphabet string) (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}

// --- Base58Check (Bitcoin) ---

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = alphabetIndex(base58Alphabet)

// decodeBase58 decodes s in the Bitcoin base58 alphabet: each leading '1'
// is a leading zero byte. ok is false on a character outside the alphabet.
func decodeBase58(s string) (out []byte, ok bool) {
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// log(58)/log(256) < 0.733: the big-endian number fits in this many bytes.
	num := make([]byte, (len(s)-zeros)*733/1000+1)
	used := 0 // bytes of num in use, from the end
	for i := zeros; i < len(s); i++ {
		c := int(base58Index[s[i]])
		if c < 0 {
			return nil, false
		}
		j := 0
		for k := len(num) - 1; k >= 0 && (c != 0 || j < used); k-- {
			c += 58 * int(num[k])
			num[k] = byte(c)
			c >>= 8
			j++
		}
		used = j
	}
	num = num[len(num)-used:]
	for len(num) > 0 && num[0] == 0 {
		num = num[1:]
	}
	out = make([]byte, zeros+len(num))
	copy(out[zeros:], num)
	return out, true
}

func encodeBase58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// log(256)/log(58) < 1.366
	digits := make([]byte, (len(b)-zeros)*1366/1000+1)
	used := 0
	for _, v := range b[zeros:] {
		c := int(v)
		j := 0
		for k := len(digits) - 1; k >= 0 && (c != 0 || j < used); k-- {
			c += 256 * int(digits[k])
			digits[k] = byte(c % 58)
			c /= 58
			j++
		}
		used = j
	}
	digits = digits[len(digits)-used:]
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
	}
	var sb strings.Builder
	sb.Grow(zeros + len(digits))
	for range zeros {
		sb.WriteByte('1')
	}
	for _, d := range digits {
		sb.WriteByte(base58Alphabet[d])
	}
	return sb.String()
}

// decodeBase58Check returns the payload of a Base58Check string: base58,
// with the first 4 bytes of SHA-256(SHA-256(payload)) appended.
func decodeBase58Check(s string) ([]byte, bool) {
	b, ok := decodeBase58(s)
	if !ok || len(b) < 5 {
		return nil, false
	}
	payload, sum := b[:len(b)-4], b[len(b)-4:]
	h := sha256.Sum256(payload)
	h = sha256.Sum256(h[:])
	if !bytes.Equal(h[:4], sum) {
		return nil, false
	}
	return payload, true
}

// EncodeBase58Check encodes payload as Base58Check. It exists for tests and
// examples (internal/tools/mktoken).
func EncodeBase58Check(payload []byte) string {
	h := sha256.Sum256(payload)
	h = sha256.Sum256(h[:])
	return encodeBase58(append(append([]byte(nil), payload...), h[:4]...))
}

// secp256k1N is the order of the secp256k1 group: a private key is in [1, n-1].
var secp256k1N = []byte{
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
}

func validSecp256k1Key(k []byte) bool {
	return len(k) == 32 && bytes.Compare(k, secp256k1N) < 0 && !bytes.Equal(k, make([]byte, 32))
}

// bip32PrivateVersions are the version bytes of serialized BIP32 extended
// private keys: BIP32's xprv and tprv and SLIP-0132's yprv, Yprv, zprv, Zprv,
// uprv, Uprv, vprv and Vprv (a test checks that each encodes to its prefix).
var bip32PrivateVersions = map[uint32]string{
	0x0488ade4: "xprv",
	0x04358394: "tprv",
	0x049d7878: "yprv",
	0x0295b005: "Yprv",
	0x04b2430c: "zprv",
	0x02aa7a99: "Zprv",
	0x044a4e28: "uprv",
	0x024285b5: "Uprv",
	0x045f18bc: "vprv",
	0x02575048: "Vprv",
}

// base58CheckKey checks a Bitcoin private key in Base58Check: the checksum,
// and that the payload is one of
//   - WIF: version 0x80 (mainnet) or 0xEF (testnet), a 32-byte key, and
//     optionally 0x01 (compressed public key);
//   - a BIP32 extended private key: 78 bytes, a known private version,
//     depth, parent fingerprint, child number, chain code, 0x00 and a
//     32-byte key; at depth 0 fingerprint and child number are 0;
//
// and that the key is a valid secp256k1 private key (1 <= k < n).
func base58CheckKey(secret string) bool {
	p, ok := decodeBase58Check(secret)
	if !ok {
		return false
	}
	switch len(p) {
	case 33, 34: // WIF
		if p[0] != 0x80 && p[0] != 0xef {
			return false
		}
		if len(p) == 34 && p[33] != 0x01 {
			return false
		}
		return validSecp256k1Key(p[1:33])
	case 78: // BIP32: version(4) depth(1) fingerprint(4) child(4) chain code(32) key(33)
		v := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
		if _, ok := bip32PrivateVersions[v]; !ok {
			return false
		}
		if p[4] == 0 && !bytes.Equal(p[5:13], make([]byte, 8)) {
			return false
		}
		return p[45] == 0 && validSecp256k1Key(p[46:78])
	}
	return false
}

// --- Bech32 (BIP-173) ---

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

var bech32Index = alphabetIndex(bech32Charset)

func bech32Polymod(hrp string, data []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	step := func(v byte) {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (b>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	for i := 0; i < len(hrp); i++ {
		step(hrp[i] >> 5)
	}
	step(0)
	for i := 0; i < len(hrp); i++ {
		step(hrp[i] & 31)
	}
	for _, v := range data {
		step(v)
	}
	return chk
}

// decodeBech32 splits a BIP-173 bech32 string into its lower-cased
// human-readable part and its 5-bit data values (without the 6-value
// checksum), checking case, characters and the checksum. It does not enforce
// BIP-173's 90-character limit (the formats checked are shorter).
func decodeBech32(s string) (hrp string, data []byte, ok bool) {
	lower, upper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 {
			return "", nil, false
		}
		lower = lower || ('a' <= c && c <= 'z')
		upper = upper || ('A' <= c && c <= 'Z')
	}
	if lower && upper {
		return "", nil, false
	}
	s = strings.ToLower(s)
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 || len(s)-sep-1 < 6 {
		return "", nil, false
	}
	hrp = s[:sep]
	data = make([]byte, len(s)-sep-1)
	for i := range data {
		v := bech32Index[s[sep+1+i]]
		if v < 0 {
			return "", nil, false
		}
		data[i] = byte(v)
	}
	if bech32Polymod(hrp, data) != 1 {
		return "", nil, false
	}
	return hrp, data[:len(data)-6], true
}

// convertBits5to8 regroups 5-bit values into bytes; as in BIP-173's reference
// decoder, at most 4 bits of zero padding may remain.
func convertBits5to8(data []byte) ([]byte, bool) {
	var acc uint32
	bits := 0
	out := make([]byte, 0, len(data)*5/8)
	for _, v := range data {
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return nil, false
	}
	return out, true
}

// bech32Valid checks a BIP-173 bech32 string that carries bytes (age's
// AGE-SECRET-KEY-1..., Nostr's nsec1...): one case throughout, the
// checksum over the lower-cased string, and data that regroups into whole
// bytes with zero padding. (BIP-350 bech32m, a different checksum constant,
// is not accepted: no default rule's format uses it.)
func bech32Valid(secret string) bool {
	_, data, ok := decodeBech32(secret)
	if !ok {
		return false
	}
	_, ok = convertBits5to8(data)
	return ok
}

// EncodeBech32 encodes bytes as bech32 with the given (lower-case)
// human-readable part. It exists for tests and examples.
func EncodeBech32(hrp string, payload []byte) string {
	var data []byte
	var acc uint32
	bits := 0
	for _, b := range payload {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			data = append(data, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		data = append(data, byte(acc<<(5-bits))&31)
	}
	pm := bech32Polymod(hrp, append(append([]byte(nil), data...), 0, 0, 0, 0, 0, 0)) ^ 1
	var sb strings.Builder
	sb.WriteString(hrp)
	sb.WriteByte('1')
	for _, v := range data {
		sb.WriteByte(bech32Charset[v])
	}
	for i := range 6 {
		sb.WriteByte(bech32Charset[(pm>>(5*(5-i)))&31])
	}
	return sb.String()
}

// --- JWT (structural) ---

// jwtStructure is a structural check, not a checksum: a JWS compact
// serialization has three base64url segments; the first decodes to a JSON
// object with a string "alg" member (RFC 7515 4.1.1), the second to a JSON
// object (the claims set, RFC 7519), and the third, the signature, is valid
// base64url. It drops "eyJ..." look-alikes made of random characters.
func jwtStructure(secret string) bool {
	parts := strings.Split(secret, ".")
	if len(parts) != 3 || parts[2] == "" {
		return false
	}
	var header map[string]json.RawMessage
	if !jsonObjectSegment(parts[0], &header) {
		return false
	}
	if alg, ok := header["alg"]; !ok || len(alg) == 0 || alg[0] != '"' {
		return false
	}
	var claims map[string]json.RawMessage
	if !jsonObjectSegment(parts[1], &claims) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(parts[2])
	return err == nil
}

// jsonObjectSegment decodes a base64url segment (without padding) holding
// a JSON object into v.
func jsonObjectSegment(seg string, v *map[string]json.RawMessage) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil && *v != nil
}
