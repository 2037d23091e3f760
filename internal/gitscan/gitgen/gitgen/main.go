// Command gitgen writes a synthetic git history as a fast-import stream:
//
//	git init -q repo && go run ./internal/gitscan/gitgen/gitgen -commits 50000 | git -C repo fast-import --quiet
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/leakhound/leakhound/internal/gitscan/gitgen"
)

func main() {
	var cfg gitgen.Config
	flag.IntVar(&cfg.Commits, "commits", 5000, "commits on the main line")
	flag.IntVar(&cfg.Files, "files", 1000, "files in the initial tree")
	flag.IntVar(&cfg.SecretEvery, "secret-every", 500, "plant a secret about once per N commits (0: never)")
	flag.Int64Var(&cfg.Seed, "seed", 1, "random seed")
	flag.Parse()
	st, err := gitgen.Write(os.Stdout, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gitgen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gitgen: %d commits, %d secrets planted\n", st.Commits, len(st.Secrets))
}
