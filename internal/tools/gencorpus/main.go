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
	"strings"
)

var words = strings.Fields(`the a to of and in is for on with as by at from this that it be are or not
data value result error config client server request response handler context user name id list map
item index count size buffer reader writer stream file path dir node tree graph key token secret password
api auth session cache store query table row column field type struct func return if else for range
string int bool byte slice channel lock mutex wait group time duration timeout retry backoff log debug
info warn metric trace span event message queue topic publish subscribe http url host port address
parse format encode decode marshal unmarshal json yaml toml xml hash digest sum check verify validate`)

var idents = strings.Fields(`userID accessKey tokenCount secretName passwordField apiClient authHeader
sessionStore cacheKey keyName tokenizer keyboard monkey primaryKey foreignKey sortKey partitionKey
configPath dataDir requestID responseCode handlerFunc contextKey bufferSize readTimeout writeTimeout`)

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

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func rnd(r *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// secrets returns a planted secret line and the rule family it belongs to.
func secret(r *rand.Rand) (string, string) {
	switch r.IntN(6) {
	case 0:
		return fmt.Sprintf(`AWS_ACCESS_KEY_ID=AKIA%s`, rnd(r, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")), "aws"
	case 1:
		return fmt.Sprintf(`slack_token = "xoxb-%d-%d-%s"`, 1000000000+r.IntN(1e9), 1000000000+r.IntN(1e9), rnd(r, 24, alnum)), "slack"
	case 2:
		return fmt.Sprintf(`stripe.api_key = "sk_live_%s"`, rnd(r, 24, alnum)), "stripe"
	case 3:
		return fmt.Sprintf(`DATABASE_URL=postgres://app:%s@db.internal:5432/prod`, rnd(r, 16, alnum)), "postgres"
	case 4:
		return fmt.Sprintf(`"gitlab_token": "glpat-%s"`, rnd(r, 20, alnum)), "gitlab"
	default:
		return fmt.Sprintf(`db_password: "%s"`, rnd(r, 20, alnum)), "generic"
	}
}

func line(r *rand.Rand, ext string) string {
	w := func() string { return words[r.IntN(len(words))] }
	id := func() string { return idents[r.IntN(len(idents))] }
	switch ext {
	case ".yaml":
		return fmt.Sprintf("%s%s_%s: %s %s", strings.Repeat("  ", r.IntN(4)), w(), w(), w(), w())
	case ".json":
		return fmt.Sprintf(`  "%s_%s": "%s %s %d",`, w(), w(), w(), w(), r.IntN(100000))
	case ".md":
		return fmt.Sprintf("%s %s %s %s %s %s %s %s.", w(), w(), w(), w(), w(), w(), w(), w())
	case ".env":
		return fmt.Sprintf("%s_%s=%s", strings.ToUpper(w()), strings.ToUpper(w()), w())
	case ".py":
		return fmt.Sprintf("%s%s = %s.%s(%s, %q)", strings.Repeat("    ", r.IntN(3)), id(), w(), w(), id(), w())
	}
	switch r.IntN(8) {
	case 0:
		return fmt.Sprintf("\t// %s %s %s %s %s %s", w(), w(), w(), w(), w(), w())
	case 1:
		return fmt.Sprintf("\tif %s != nil { return %s.%s(%s) }", id(), w(), w(), id())
	case 2:
		return fmt.Sprintf("\t%s := %s.%s(%q, %d)", id(), w(), w(), w()+"-"+w(), r.IntN(1000))
	case 3:
		return fmt.Sprintf("func %s%s(%s %s) (%s, error) {", w(), strings.Title(w()), id(), w(), w())
	case 4:
		return fmt.Sprintf("\tsum := %q // sha256", rnd(r, 64, "0123456789abcdef"))
	case 5:
		return fmt.Sprintf("\t%s[%q] = %s", id(), w(), id())
	case 6:
		return "}"
	default:
		return fmt.Sprintf("\t%s = append(%s, %s{%s: %d})", id(), id(), w(), w(), r.IntN(99))
	}
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
		l := line(r, ext)
		if r.IntN(2000) == 0 {
			s, fam := secret(r)
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
