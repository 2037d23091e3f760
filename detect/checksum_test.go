package detect

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// corruptions returns copies of s with one character replaced by another
// character of alphabet, at every position whose character is in alphabet.
func corruptions(s, alphabet string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		j := strings.IndexByte(alphabet, s[i])
		if j < 0 {
			continue
		}
		out = append(out, s[:i]+string(alphabet[(j+1)%len(alphabet)])+s[i+1:])
	}
	return out
}

func seeded(seed string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		h := sha256.Sum256([]byte(seed + string(rune('a'+i))))
		out = append(out, h[:]...)
	}
	return out[:n]
}

func TestBase58RoundTrip(t *testing.T) {
	for _, b := range [][]byte{{}, {0}, {0, 0, 1}, {0xff}, seeded("rt", 37), append([]byte{0, 0}, seeded("rt2", 40)...)} {
		s := encodeBase58(b)
		got, ok := decodeBase58(s)
		if !ok || !bytes.Equal(got, b) {
			t.Errorf("%x -> %q -> %x, %v", b, s, got, ok)
		}
	}
	if _, ok := decodeBase58("abc0"); ok {
		t.Error("'0' is not base58")
	}
	if _, ok := decodeBase58("abcl"); ok {
		t.Error("'l' is not base58")
	}
}

// Published values: the Bitcoin wiki's WIF example and BIP32's test vector 1
// (chain m), whose checksums an independent implementation computed.
const (
	wikiWIF     = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
	wikiWIFKey  = "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d"
	bip32Vector = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
)

func TestBase58CheckKey(t *testing.T) {
	p, ok := decodeBase58Check(wikiWIF)
	if !ok || hex.EncodeToString(p) != "80"+wikiWIFKey {
		t.Fatalf("wiki WIF: %x %v", p, ok)
	}
	key, _ := hex.DecodeString(wikiWIFKey)
	valid := []string{
		wikiWIF,
		EncodeBase58Check(append([]byte{0x80}, append(key, 0x01)...)), // compressed, K/L...
		EncodeBase58Check(append([]byte{0xef}, key...)),               // testnet, 9...
		EncodeBase58Check(append([]byte{0xef}, append(key, 0x01)...)), // testnet compressed, c...
		bip32Vector,
	}
	for i, prefix := range []string{"5", "K", "9", "c", "xprv"} {
		if !strings.HasPrefix(valid[i], prefix) {
			t.Errorf("%q does not start with %q", valid[i], prefix)
		}
	}
	for _, s := range valid {
		if !base58CheckKey(s) {
			t.Errorf("valid %q rejected", s)
		}
		for _, c := range corruptions(s, base58Alphabet) {
			if base58CheckKey(c) {
				t.Errorf("corrupted %q accepted", c)
			}
		}
	}
	zero := make([]byte, 32)
	invalid := map[string][]byte{
		"bad version":        append([]byte{0x81}, key...),
		"address payload":    append([]byte{0x00}, key[:20]...),
		"compression flag 2": append([]byte{0x80}, append(key, 0x02)...),
		"key zero":           append([]byte{0x80}, zero...),
		"key n":              append([]byte{0x80}, secp256k1N...),
		"key too short":      append([]byte{0x80}, key[:31]...),
		"bip32 bad version":  bip32Payload(0x0488b21e, 0, 0, 0x00, key), // xpub version
		"bip32 public key":   bip32Payload(0x0488ade4, 1, 7, 0x02, key),
		"bip32 depth 0 fp":   bip32Payload(0x0488ade4, 0, 7, 0x00, key),
		"bip32 key zero":     bip32Payload(0x0488ade4, 1, 7, 0x00, zero),
		"bip32 key n":        bip32Payload(0x0488ade4, 1, 7, 0x00, secp256k1N),
		"bip32 length 77":    bip32Payload(0x0488ade4, 1, 7, 0x00, key)[:77],
		"not base58check":    nil,
	}
	for name, p := range invalid {
		s := "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"[:50] + "x"
		if p != nil {
			s = EncodeBase58Check(p)
		}
		if base58CheckKey(s) {
			t.Errorf("%s: %q accepted", name, s)
		}
	}
	if s := EncodeBase58Check(bip32Payload(0x04358394, 3, 9, 0x00, key)); !strings.HasPrefix(s, "tprv") || !base58CheckKey(s) {
		t.Errorf("tprv %q rejected", s)
	}
}

// bip32Payload builds a serialized extended key: version, depth, parent
// fingerprint (fp repeated), child number, a chain code, keyPrefix and key.
func bip32Payload(version uint32, depth, fp, keyPrefix byte, key []byte) []byte {
	p := []byte{byte(version >> 24), byte(version >> 16), byte(version >> 8), byte(version), depth}
	if depth == 0 && fp == 0 {
		p = append(p, 0, 0, 0, 0, 0, 0, 0, 0)
	} else {
		p = append(p, fp, fp, fp, fp, 0x80, 0, 0, 1)
	}
	p = append(p, seeded("chain", 32)...)
	p = append(p, keyPrefix)
	return append(p, key...)
}

// TestBIP32VersionPrefixes checks the version table against the prefixes
// the versions are defined to produce, for the smallest and largest payload.
func TestBIP32VersionPrefixes(t *testing.T) {
	for v, prefix := range bip32PrivateVersions {
		for _, fill := range []byte{0x00, 0xff} {
			p := bytes.Repeat([]byte{fill}, 78)
			p[0], p[1], p[2], p[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
			if s := EncodeBase58Check(p); !strings.HasPrefix(s, prefix) {
				t.Errorf("version %08x: %q, want prefix %s", v, s, prefix)
			}
		}
	}
}

func TestBech32(t *testing.T) {
	// BIP-173's valid test vectors (checksum only; their data need not be bytes).
	for _, s := range []string{
		"A12UEL5L",
		"a12uel5l",
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"?1ezyfcl",
	} {
		if _, _, ok := decodeBech32(s); !ok {
			t.Errorf("BIP-173 valid vector %q rejected", s)
		}
	}
	for _, s := range []string{
		"A12uEL5L",  // mixed case
		"A1G7SGD8",  // checksum over the upper-case HRP
		"10a06t8",   // empty HRP
		"1qzzfhee",  // empty HRP
		"li1dgmt3",  // checksum too short
		"x1b4n0q5v", // invalid data character
		"pzry9x0s0muk",
		"a12uel5l\x7f",
	} {
		if _, _, ok := decodeBech32(s); ok {
			t.Errorf("BIP-173 invalid %q accepted", s)
		}
	}
	// NIP-19's example nsec and its hex key.
	hrp, data, ok := decodeBech32("nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5")
	b, ok2 := convertBits5to8(data)
	if !ok || !ok2 || hrp != "nsec" || hex.EncodeToString(b) != "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa" {
		t.Errorf("NIP-19 nsec: %q %x %v %v", hrp, b, ok, ok2)
	}

	key := seeded("bech32", 32)
	age := strings.ToUpper(EncodeBech32("age-secret-key-", key))
	nsec := EncodeBech32("nsec", key)
	if len(age) != len("AGE-SECRET-KEY-1")+58 || len(nsec) != len("nsec1")+58 {
		t.Fatalf("lengths: %q %q", age, nsec)
	}
	for _, s := range []string{age, nsec, strings.ToLower(age)} {
		if !bech32Valid(s) {
			t.Errorf("valid %q rejected", s)
		}
		if _, d, _ := decodeBech32(s); true {
			if got, _ := convertBits5to8(d); !bytes.Equal(got, key) {
				t.Errorf("%q decodes to %x", s, got)
			}
		}
		for _, c := range corruptions(s, bech32Charset+strings.ToUpper(bech32Charset)) {
			if bech32Valid(c) {
				t.Errorf("corrupted %q accepted", c)
			}
		}
	}
	mixed := age[:20] + strings.ToLower(age[20:])
	if bech32Valid(mixed) {
		t.Errorf("mixed case %q accepted", mixed)
	}
	// Bech32m (BIP-350) is a different checksum: its test vector fails here.
	var bm []byte
	for _, c := range []byte("lqfn3a") {
		bm = append(bm, byte(bech32Index[c]))
	}
	if bech32Polymod("a", bm) != 0x2bc830a3 {
		t.Error("a1lqfn3a is not BIP-350's bech32m test vector")
	}
	if bech32Valid("a1lqfn3a") {
		t.Error("bech32m string accepted as bech32")
	}
	// Non-zero padding bits: 32 bytes take 52 values with 4 bits of padding.
	_, d, _ := decodeBech32(nsec)
	d[len(d)-1] |= 1
	if bech32Valid(bech32Reencode("nsec", d)) {
		t.Error("non-zero padding accepted")
	}
	// Too much padding: 54 values are 33 bytes and 6 bits.
	_, d, _ = decodeBech32(nsec)
	if bech32Valid(bech32Reencode("nsec", append(d, 0, 0))) {
		t.Error("6 bits of padding accepted")
	}
	if !bech32Valid(bech32Reencode("nsec", append(d, 0))) {
		t.Error("53 values (33 bytes, 1 bit of padding) rejected")
	}
}

// bech32Reencode builds a bech32 string with a valid checksum over raw 5-bit values.
func bech32Reencode(hrp string, data []byte) string {
	pm := bech32Polymod(hrp, append(append([]byte(nil), data...), 0, 0, 0, 0, 0, 0)) ^ 1
	s := hrp + "1"
	for _, v := range data {
		s += string(bech32Charset[v])
	}
	for i := range 6 {
		s += string(bech32Charset[(pm>>(5*(5-i)))&31])
	}
	return s
}

func TestJWTStructure(t *testing.T) {
	seg := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	sig := seg(string(seeded("sig", 32)))
	valid := []string{
		// jwt.io's example token.
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
		seg(`{"alg":"RS256","kid":"k1"}`) + "." + seg(`{}`) + "." + sig,
		seg(` { "typ" : "JWT", "alg" : "ES256" } `) + "." + seg(`{"sub":"x","n":[1,2]}`) + "." + sig,
	}
	for _, s := range valid {
		if !jwtStructure(s) {
			t.Errorf("valid %q rejected", s)
		}
	}
	invalid := map[string]string{
		"random look-alike":  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJFTqEZJb4dE2J3BNihyhpB8qgj3Zb4euUzgURGrYlQ." + sig,
		"random header":      "eyJhbGciOiJIUzI1Ni9sInR5cCI6IkpXVCJ9." + seg(`{}`) + "." + sig,
		"no alg":             seg(`{"typ":"JWT"}`) + "." + seg(`{}`) + "." + sig,
		"alg not a string":   seg(`{"alg":256}`) + "." + seg(`{}`) + "." + sig,
		"alg null":           seg(`{"alg":null}`) + "." + seg(`{}`) + "." + sig,
		"header array":       seg(`["alg"]`) + "." + seg(`{}`) + "." + sig,
		"header null":        seg(`null`) + "." + seg(`{}`) + "." + sig,
		"claims not object":  seg(`{"alg":"HS256"}`) + "." + seg(`"claims"`) + "." + sig,
		"claims truncated":   seg(`{"alg":"HS256"}`) + "." + seg(`{"sub":"x"`) + "." + sig,
		"two segments":       seg(`{"alg":"HS256"}`) + "." + seg(`{}`),
		"four segments":      seg(`{"alg":"HS256"}`) + "." + seg(`{}`) + "." + sig + "." + sig,
		"empty signature":    seg(`{"alg":"HS256"}`) + "." + seg(`{}`) + ".",
		"bad signature":      seg(`{"alg":"HS256"}`) + "." + seg(`{}`) + "." + sig[:len(sig)-2] + "+",
		"signature length 1": seg(`{"alg":"HS256"}`) + "." + seg(`{}`) + ".A",
		"padded header":      base64.URLEncoding.EncodeToString([]byte(`{"alg":"HS256","ab":1}`)) + "." + seg(`{}`) + "." + sig,
	}
	for name, s := range invalid {
		if jwtStructure(s) {
			t.Errorf("%s: %q accepted", name, s)
		}
	}
}

func TestChecksumsThroughEngine(t *testing.T) {
	cfg := `
[[rules]]
id = "age"
description = "age"
regex = '''\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b'''
keywords = ["age-secret-key-1"]
checksum = "bech32"

[[rules]]
id = "wif"
description = "wif"
regex = '''wif=([1-9A-HJ-NP-Za-km-z]{51,52})\b'''
keywords = ["wif="]
checksum = "base58check"

[[rules]]
id = "jwt"
description = "jwt"
regex = '''\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,})'''
keywords = ["eyj"]
checksum = "jwt"
`
	e := newTestEngine(t, cfg, Options{})
	age := strings.ToUpper(EncodeBech32("age-secret-key-", seeded("engine", 32)))
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	for _, c := range []struct {
		good, bad string
	}{
		{age, age[:30] + "Q" + age[31:]},
		{"wif=" + wikiWIF, "wif=" + wikiWIF[:20] + "z" + wikiWIF[21:]},
		{jwt, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyFQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"},
	} {
		if c.good == c.bad {
			t.Fatalf("corruption of %q changed nothing", c.good)
		}
		if n := len(scanString(t, e, c.good)); n != 1 {
			t.Errorf("valid %q: %d findings", c.good, n)
		}
		if n := len(scanString(t, e, c.bad)); n != 0 {
			t.Errorf("corrupted %q: %d findings", c.bad, n)
		}
	}
}
