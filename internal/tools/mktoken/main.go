// Command mktoken prints tokens with valid checksums for rule examples:
//
//	go run ./internal/tools/mktoken ghp_ [BODY30]
//
// Without BODY30 it derives a deterministic pseudo-random body from the prefix.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"

	"github.com/leakhound/leakhound/detect"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mktoken PREFIX [BODY30 | SEED]")
		os.Exit(2)
	}
	prefix := os.Args[1]
	body := ""
	if len(os.Args) > 2 && len(os.Args[2]) == 30 {
		body = os.Args[2]
	} else {
		seed := prefix
		if len(os.Args) > 2 {
			seed += os.Args[2]
		}
		h := sha256.Sum256([]byte(seed))
		for i := 0; i < 30; i++ {
			body += string(alphabet[int(h[i])%62])
		}
	}
	fmt.Println(detect.GitHubStyleToken(prefix, body))
}
