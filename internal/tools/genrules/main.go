// Command genrules compiles the embedded TOML ruleset (rules/default/*.toml)
// into rules/default_rules.json, which the binary loads at start-up: JSON
// decodes in a few milliseconds where TOML takes a hundred. Run it with
//
//	go generate ./rules
//
// after editing a rule; a test fails while the JSON is stale.
package main

import (
	"fmt"
	"os"

	"github.com/leakhound/leakhound/rules"
)

func main() {
	out := "default_rules.json"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	data, err := rules.CompileDefault()
	if err != nil {
		fmt.Fprintln(os.Stderr, "genrules:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genrules:", err)
		os.Exit(1)
	}
}
