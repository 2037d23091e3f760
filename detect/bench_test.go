package detect

import (
	"bytes"
	"context"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/corpus"
	"github.com/leakhound/leakhound/rules"
)

// Engine benchmarks with the full default ruleset. Run them with
// `make bench` or:
//
//	go test ./detect -run '^$' -bench . -benchtime 3x
//
// They report MB/s (b.SetBytes) of one goroutine.

// benchEngine builds an engine with every regex compiled. The result cache
// is always off: benchmarks scan the same files b.N times, which the cache
// would answer from memory after the first pass.
func benchEngine(b *testing.B, opts Options) *Engine {
	b.Helper()
	opts.NoCache = true
	e := defaultEngine(b, opts)
	if err := e.CompileAll(); err != nil {
		b.Fatal(err)
	}
	return e
}

// sourceFiles returns ~size bytes of source-like files of ~16 KiB.
func sourceFiles(size int, secrets bool) [][]byte {
	r := rand.New(rand.NewPCG(7, 7))
	exts := []string{".go", ".py", ".js", ".yaml", ".json", ".md", ".env"}
	var out [][]byte
	for n := 0; n < size; {
		f := corpus.Text(r, exts[r.IntN(len(exts))], 4<<10+r.IntN(24<<10), secrets)
		out = append(out, f)
		n += len(f)
	}
	return out
}

func runFiles(b *testing.B, e *Engine, files [][]byte) {
	var total int64
	for _, f := range files {
		total += int64(len(f))
	}
	b.SetBytes(total)
	b.ResetTimer()
	ctx := context.Background()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			fs, err := e.Scan(ctx, f, Location{Path: "bench.go"})
			if err != nil {
				b.Fatal(err)
			}
			n += len(fs)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "findings/op")
}

// BenchmarkSourceFewSecrets is the headline number: source-like text with
// a secret every ~2000 lines.
func BenchmarkSourceFewSecrets(b *testing.B) {
	runFiles(b, benchEngine(b, Options{}), sourceFiles(16<<20, true))
}

// BenchmarkGoSource scans real source code: Go's own sources under GOROOT
// (net, crypto, go, cmd/compile: about 40 MB of code, tests and test
// data), which every machine with Go has. The synthetic benchmarks above
// are much denser in words like key, token and secret than real code; this
// is the steady-state number for a real tree (regexes compiled, no result
// cache).
func BenchmarkGoSource(b *testing.B) {
	runFiles(b, benchEngine(b, Options{}), goSources(b))
}

// BenchmarkGoSourceFirst100 is BenchmarkGoSource with only the first 100
// default rules: the full set should cost little more (issue 3 asks at
// most 30% of this throughput).
func BenchmarkGoSourceFirst100(b *testing.B) {
	cfg, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	cfg.Rules = cfg.Rules[:100]
	e, err := New(cfg, Options{NoCache: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.CompileAll(); err != nil {
		b.Fatal(err)
	}
	runFiles(b, e, goSources(b))
}

// goSources reads about 40 MB of Go's own sources (see BenchmarkGoSource).
func goSources(b *testing.B) [][]byte {
	b.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skip("go env GOROOT:", err)
	}
	root := filepath.Join(strings.TrimSpace(string(out)), "src")
	var files [][]byte
	for _, d := range []string{"net", "crypto", "go", "cmd/compile"} {
		filepath.WalkDir(filepath.Join(root, d), func(p string, de fs.DirEntry, err error) error {
			if err == nil && de.Type().IsRegular() {
				if data, err := os.ReadFile(p); err == nil {
					files = append(files, data)
				}
			}
			return nil
		})
	}
	if len(files) == 0 {
		b.Skip("no Go sources under", root)
	}
	return files
}

// BenchmarkSourceNoSecrets is the same text without planted secrets.
func BenchmarkSourceNoSecrets(b *testing.B) {
	runFiles(b, benchEngine(b, Options{}), sourceFiles(16<<20, false))
}

// BenchmarkSourceWholeChunk runs regexes on whole inputs instead of keyword
// windows: the comparison the windowing design rests on.
func BenchmarkSourceWholeChunk(b *testing.B) {
	runFiles(b, benchEngine(b, Options{WholeChunk: true}), sourceFiles(16<<20, true))
}

// BenchmarkMinified is one 8 MiB line of minified JavaScript-like text.
func BenchmarkMinified(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	var buf bytes.Buffer
	for buf.Len() < 8<<20 {
		buf.WriteString(corpus.Line(r, ".js"))
		buf.WriteByte(';')
		if r.IntN(5000) == 0 {
			s, _ := corpus.Secret(r)
			buf.WriteString(s + ";")
		}
	}
	runFiles(b, benchEngine(b, Options{}), [][]byte{buf.Bytes()})
}

// BenchmarkSmallInput is a 1 KiB input: per-call overhead.
func BenchmarkSmallInput(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	runFiles(b, benchEngine(b, Options{}), [][]byte{corpus.Text(r, ".env", 1<<10, false)})
}

// BenchmarkNewEngine is the start-up cost: loading and compiling the
// default ruleset's prefilter (regexes compile lazily).
func BenchmarkNewEngine(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cfg, err := rules.Default()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := New(cfg, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
