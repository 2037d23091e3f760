// Package gitgen writes a synthetic git history as a git fast-import
// stream, for benchmarks: source-like files edited a few lines at a time,
// occasional merges of short side branches, and secrets planted now and
// then (some removed later). The output is deterministic for a seed.
package gitgen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"strings"
)

// Config shapes the generated history.
type Config struct {
	// Commits is the number of commits on the main line (side-branch
	// commits come on top).
	Commits int
	// Files is the number of files in the initial tree.
	Files int
	// SecretEvery plants a secret about once per this many commits
	// (0: never).
	SecretEvery int
	// Seed makes the history reproducible.
	Seed int64
}

// Stats describes a written history.
type Stats struct {
	// Commits is the number of commits written, side branches included.
	Commits int
	// Secrets are the planted secrets, in order.
	Secrets []string
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

var words = strings.Fields(`request response handler server client config value result error
context buffer reader writer stream token session user account order item price total count index
cache store query record field table column batch queue worker task job event message payload
header status code retry timeout limit offset cursor page filter sort key name path file line`)

type gen struct {
	rnd   *rand.Rand
	w     *bufio.Writer
	files map[string][]string
	paths []string
	mark  int
	time  int64
	st    Stats
}

// Write writes the history for cfg to w as a fast-import stream.
func Write(w io.Writer, cfg Config) (Stats, error) {
	g := &gen{rnd: rand.New(rand.NewSource(cfg.Seed)), w: bufio.NewWriterSize(w, 1<<20), files: map[string][]string{}, time: 1500000000}
	if cfg.Files <= 0 {
		cfg.Files = 500
	}
	for i := 0; i < cfg.Files; i++ {
		p := fmt.Sprintf("pkg%02d/%s_%d.go", i%40, words[g.rnd.Intn(len(words))], i)
		g.files[p] = g.newFile(p)
		g.paths = append(g.paths, p)
	}
	// Initial commit with every file.
	main := g.commit("refs/heads/main", 0, 0, "initial import", g.paths, nil)
	side := 0
	var sideChanged []string
	for i := 1; i < cfg.Commits; i++ {
		var changed, deleted []string
		n := 1 + g.rnd.Intn(3)
		for j := 0; j < n; j++ {
			p := g.paths[g.rnd.Intn(len(g.paths))]
			g.edit(p)
			changed = append(changed, p)
		}
		switch r := g.rnd.Intn(100); {
		case r < 3:
			p := fmt.Sprintf("pkg%02d/%s_%d.go", g.rnd.Intn(40), words[g.rnd.Intn(len(words))], len(g.paths)+i)
			if _, ok := g.files[p]; !ok {
				g.files[p] = g.newFile(p)
				g.paths = append(g.paths, p)
				changed = append(changed, p)
			}
		case r < 4 && len(g.paths) > 50:
			k := g.rnd.Intn(len(g.paths))
			p := g.paths[k]
			g.paths = append(g.paths[:k], g.paths[k+1:]...)
			delete(g.files, p)
			deleted = append(deleted, p)
			changed = without(changed, p)
		}
		if cfg.SecretEvery > 0 && g.rnd.Intn(cfg.SecretEvery) == 0 {
			p := g.paths[g.rnd.Intn(len(g.paths))]
			g.plant(p)
			changed = append(changed, p)
		}
		msg := fmt.Sprintf("%s: update %s handling", words[g.rnd.Intn(len(words))], words[g.rnd.Intn(len(words))])
		// Every 100 commits, a two-commit side branch merged back.
		if i%100 == 50 {
			side = g.commit("refs/heads/side", main, 0, msg, changed, deleted)
			p := g.paths[g.rnd.Intn(len(g.paths))]
			g.edit(p)
			side = g.commit("refs/heads/side", side, 0, "side: follow-up", []string{p}, nil)
			sideChanged = append(append(changed, p), deleted...)
			continue
		}
		if side != 0 {
			// The merge takes the side branch's files too.
			for _, p := range sideChanged {
				if _, ok := g.files[p]; ok {
					changed = append(changed, p)
				}
			}
			main = g.commit("refs/heads/main", main, side, "Merge branch 'side'", changed, deleted)
			side, sideChanged = 0, nil
			continue
		}
		main = g.commit("refs/heads/main", main, 0, msg, changed, deleted)
	}
	if err := g.w.Flush(); err != nil {
		return g.st, err
	}
	return g.st, nil
}

func without(ss []string, s string) []string {
	out := ss[:0]
	for _, x := range ss {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func (g *gen) word() string { return words[g.rnd.Intn(len(words))] }

func (g *gen) line() string {
	switch g.rnd.Intn(8) {
	case 0:
		return "\t// " + g.word() + " the " + g.word() + " before the " + g.word() + " is done"
	case 1:
		return fmt.Sprintf("\tif err := %s.%s(ctx, %s); err != nil {", g.word(), title(g.word()), g.word())
	case 2:
		return "\t\treturn fmt.Errorf(\"" + g.word() + " " + g.word() + ": %w\", err)"
	case 3:
		return "\t}"
	case 4:
		return fmt.Sprintf("\t%s := %s.%s(%d)", g.word(), g.word(), title(g.word()), g.rnd.Intn(1000))
	case 5:
		return fmt.Sprintf("\t%sCount += len(%s.%s)", g.word(), g.word(), title(g.word()))
	case 6:
		return fmt.Sprintf("\tlog.Printf(\"%s %%s %s=%%d\", %s, %s)", g.word(), g.word(), g.word(), g.word())
	}
	return ""
}

func (g *gen) newFile(p string) []string {
	pkg := p[:strings.IndexByte(p, '/')]
	ls := []string{"package " + pkg, "", "import (", "\t\"context\"", "\t\"fmt\"", "\t\"log\"", ")", ""}
	funcs := 3 + g.rnd.Intn(8)
	for f := 0; f < funcs; f++ {
		ls = append(ls, fmt.Sprintf("// %s%s handles the %s.", title(g.word()), title(g.word()), g.word()))
		ls = append(ls, fmt.Sprintf("func %s%s(ctx context.Context, %s string) error {", title(g.word()), title(g.word()), g.word()))
		body := 5 + g.rnd.Intn(20)
		for b := 0; b < body; b++ {
			ls = append(ls, g.line())
		}
		ls = append(ls, "\treturn nil", "}", "")
	}
	return ls
}

// edit changes, inserts or deletes a few lines.
func (g *gen) edit(p string) {
	ls := g.files[p]
	n := 1 + g.rnd.Intn(4)
	for i := 0; i < n; i++ {
		k := 8 + g.rnd.Intn(max(1, len(ls)-8))
		if k >= len(ls) {
			k = len(ls) - 1
		}
		switch g.rnd.Intn(3) {
		case 0:
			ls[k] = g.line()
		case 1:
			ls = append(ls[:k], append([]string{g.line()}, ls[k:]...)...)
		default:
			if len(ls) > 30 {
				ls = append(ls[:k], ls[k+1:]...)
			}
		}
	}
	g.files[p] = ls
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g *gen) rand(n int, set string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.rnd.Intn(len(set))]
	}
	return string(b)
}

// plant adds a secret line to file p.
func (g *gen) plant(p string) {
	var line, s string
	switch g.rnd.Intn(3) {
	case 0:
		s = "AKIA" + g.rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
		line = "\tawsAccessKeyID := \"" + s + "\""
	case 1:
		s = "xoxb-" + g.rand(12, "0123456789") + "-" + g.rand(12, "0123456789") + "-" + g.rand(24, alnum)
		line = "\tslackToken := \"" + s + "\""
	default:
		s = g.rand(40, alnum)
		line = "\tapiKey := \"" + s + "\" // api_key"
	}
	g.st.Secrets = append(g.st.Secrets, s)
	ls := g.files[p]
	k := 8 + g.rnd.Intn(max(1, len(ls)-8))
	if k > len(ls) {
		k = len(ls)
	}
	g.files[p] = append(ls[:k], append([]string{line}, ls[k:]...)...)
}

// commit writes a commit and returns its mark.
func (g *gen) commit(ref string, from, merge int, msg string, changed, deleted []string) int {
	g.mark++
	g.time += int64(60 + g.rnd.Intn(3600))
	g.st.Commits++
	w := g.w
	fmt.Fprintf(w, "commit %s\nmark :%d\n", ref, g.mark)
	who := []string{"Alice <alice@example.com>", "Bob <bob@example.com>", "Carol <carol@example.com>"}[g.rnd.Intn(3)]
	fmt.Fprintf(w, "author %s %d +0000\ncommitter %s %d +0000\n", who, g.time, who, g.time)
	fmt.Fprintf(w, "data %d\n%s\n", len(msg), msg)
	if from != 0 {
		fmt.Fprintf(w, "from :%d\n", from)
	}
	if merge != 0 {
		fmt.Fprintf(w, "merge :%d\n", merge)
	}
	seen := map[string]bool{}
	for _, p := range deleted {
		fmt.Fprintf(w, "D %s\n", p)
	}
	for _, p := range changed {
		if seen[p] {
			continue
		}
		seen[p] = true
		content := strings.Join(g.files[p], "\n") + "\n"
		fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n%s\n", p, len(content), content)
	}
	return g.mark
}
