// Command gencorpus writes a deterministic corpus of source-like text with
// planted secrets, for throughput benchmarks:
//
//	go run ./internal/tools/gencorpus -out DIR -mb 200
//
// The same flags always produce the same bytes. Planted secrets are listed in
// DIR/../planted.txt (one "path:line rule" per line).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/leakhound/leakhound/internal/corpus"
)

func main() {
	out := flag.String("out", "corpus", "output directory")
	mb := flag.Int("mb", 200, "megabytes to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 42))
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	planted, err := os.Create(filepath.Join(filepath.Dir(filepath.Clean(*out)), "planted.txt"))
	if err != nil {
		fatal(err)
	}
	defer planted.Close()
	total := int64(*mb) << 20
	var written int64
	exts := []string{".go", ".py", ".js", ".yaml", ".json", ".java", ".ts", ".md", ".env", ".min.js"}
	for n := 0; written < total; n++ {
		ext := exts[r.IntN(len(exts))]
		dir := filepath.Join(*out, fmt.Sprintf("pkg%03d", n%300), fmt.Sprintf("sub%d", n%7))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fatal(err)
		}
		name := filepath.Join(dir, fmt.Sprintf("file%06d%s", n, ext))
		size := 1024 + r.IntN(48<<10)
		if ext == ".min.js" {
			size = 200<<10 + r.IntN(300<<10)
		}
		w, err := writeFile(r, name, ext, size, planted, *out)
		if err != nil {
			fatal(err)
		}
		written += w
	}
	fmt.Printf("wrote %d MiB to %s\n", written>>20, *out)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gencorpus:", err)
	os.Exit(1)
}

func writeFile(r *rand.Rand, name, ext string, size int, planted *os.File, root string) (int64, error) {
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	var n int64
	ln := 0
	rel, _ := filepath.Rel(root, name)
	sep := "\n"
	if ext == ".min.js" {
		sep = ";"
	}
	for n < int64(size) {
		l := corpus.Line(r, ext)
		if r.IntN(2000) == 0 {
			s, fam := corpus.Secret(r)
			l = s
			fmt.Fprintf(planted, "%s:%d %s\n", filepath.ToSlash(rel), ln+1, fam)
		}
		m, _ := bw.WriteString(l + sep)
		n += int64(m)
		if sep == "\n" {
			ln++
		}
	}
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return n, err
	}
	return n, f.Close()
}
