// Command mktoken prints tokens and keys with valid checksums for rule
// examples. The output is deterministic: the same arguments always print
// the same value, derived from SHA-256 of the kind and the seed.
//
//	go run ./internal/tools/mktoken ghp_ [BODY30 | SEED]  # GitHub/npm style PREFIX<30><base62 CRC32>
//	go run ./internal/tools/mktoken KIND [SEED]
//
// KIND is one of
//
//	wif                      Bitcoin WIF, mainnet, uncompressed (5...)
//	wif-compressed           Bitcoin WIF, mainnet, compressed (K... or L...)
//	wif-testnet              Bitcoin WIF, testnet, uncompressed (9...)
//	wif-testnet-compressed   Bitcoin WIF, testnet, compressed (c...)
//	xprv tprv yprv zprv uprv vprv Yprv Zprv Uprv Vprv
//	                         BIP32/SLIP-132 extended private key (depth 3)
//	age                      age secret key (AGE-SECRET-KEY-1..., bech32)
//	nsec                     Nostr private key (nsec1..., bech32)
//	jwt                      HS256 JSON Web Token (header, claims, HMAC signature)
//
// Any other first argument is a GitHub-style prefix. Without BODY30 it
// derives a deterministic pseudo-random body from the prefix and SEED.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/leakhound/leakhound/detect"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// bip32Versions are the version bytes of BIP32 (xprv, tprv) and SLIP-0132
// extended private keys.
var bip32Versions = map[string]uint32{
	"xprv": 0x0488ade4, "tprv": 0x04358394,
	"yprv": 0x049d7878, "Yprv": 0x0295b005,
	"zprv": 0x04b2430c, "Zprv": 0x02aa7a99,
	"uprv": 0x044a4e28, "Uprv": 0x024285b5,
	"vprv": 0x045f18bc, "Vprv": 0x02575048,
}

var secp256k1N, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mktoken PREFIX [BODY30 | SEED]\n       mktoken wif|wif-compressed|wif-testnet|wif-testnet-compressed|xprv|tprv|...|age|nsec|jwt [SEED]")
		os.Exit(2)
	}
	seed := ""
	if len(os.Args) > 2 {
		seed = os.Args[2]
	}
	fmt.Println(generate(os.Args[1], seed))
}

// generate returns the value of the given kind (or GitHub-style prefix) for seed.
func generate(kind, seed string) string {
	switch kind {
	case "wif", "wif-compressed", "wif-testnet", "wif-testnet-compressed":
		version := byte(0x80)
		if strings.HasPrefix(kind, "wif-testnet") {
			version = 0xef
		}
		p := append([]byte{version}, secp256k1Key(kind, seed)...)
		if strings.HasSuffix(kind, "-compressed") {
			p = append(p, 0x01)
		}
		return detect.EncodeBase58Check(p)
	case "age":
		return strings.ToUpper(detect.EncodeBech32("age-secret-key-", derive(kind, seed, 32)))
	case "nsec":
		return detect.EncodeBech32("nsec", secp256k1Key(kind, seed))
	case "jwt":
		return jwt(seed)
	}
	if v, ok := bip32Versions[kind]; ok {
		// version, depth 3, parent fingerprint, hardened child number,
		// chain code, 0x00 and the key.
		p := binary.BigEndian.AppendUint32(nil, v)
		p = append(p, 3)
		p = append(p, derive(kind+"/fingerprint", seed, 4)...)
		p = binary.BigEndian.AppendUint32(p, 0x80000000|binary.BigEndian.Uint32(derive(kind+"/child", seed, 4))&0xff)
		p = append(p, derive(kind+"/chain", seed, 32)...)
		p = append(p, 0)
		p = append(p, secp256k1Key(kind, seed)...)
		return detect.EncodeBase58Check(p)
	}
	// GitHub-style PREFIX + 30 body characters + base62 CRC32.
	body := ""
	if len(seed) == 30 {
		body = seed
	} else {
		h := sha256.Sum256([]byte(kind + seed))
		for i := 0; i < 30; i++ {
			body += string(alphabet[int(h[i])%62])
		}
	}
	return detect.GitHubStyleToken(kind, body)
}

// derive returns n deterministic bytes from SHA-256(label, seed, counter).
func derive(label, seed string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		h := sha256.Sum256(fmt.Appendf(nil, "mktoken\x00%s\x00%s\x00%d", label, seed, i))
		out = append(out, h[:]...)
	}
	return out[:n]
}

// secp256k1Key derives a valid secp256k1 private key (1 <= k < n).
func secp256k1Key(label, seed string) []byte {
	for i := 0; ; i++ {
		k := derive(fmt.Sprintf("%s/key/%d", label, i), seed, 32)
		if v := new(big.Int).SetBytes(k); v.Sign() > 0 && v.Cmp(secp256k1N) < 0 {
			return k
		}
	}
}

// jwt returns an HS256 JWT whose claims and HMAC key derive from seed.
func jwt(seed string) string {
	enc := base64.RawURLEncoding.EncodeToString
	d := derive("jwt", seed, 8)
	iat := 1700000000 + int64(binary.BigEndian.Uint32(d[:4])%50000000)
	header := enc([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims := enc(fmt.Appendf(nil, `{"sub":"u_%d","scope":"read write","iat":%d,"exp":%d}`,
		binary.BigEndian.Uint32(d[4:])%1000000, iat, iat+86400))
	mac := hmac.New(sha256.New, derive("jwt/key", seed, 32))
	mac.Write([]byte(header + "." + claims))
	return header + "." + claims + "." + enc(mac.Sum(nil))
}
