package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenExt is the file name suffix of each format's golden files.
var goldenExt = map[string]string{
	FormatHuman:  ".human.txt",
	FormatJSON:   ".json",
	FormatSARIF:  ".sarif",
	FormatGitLab: ".gitlab.json",
	FormatJUnit:  ".junit.xml",
	FormatCSV:    ".csv",
}

// goldenCase is one report rendered to a golden file per format.
type goldenCase struct {
	name     string
	findings []detect.Finding
	meta     func(*Meta)
	opts     Options
	formats  []string
}

func goldenCases() []goldenCase {
	one := allFindings()[:1]
	return []goldenCase{
		{name: "empty", formats: Formats()},
		{name: "all", findings: allFindings(), formats: Formats()},
		{name: "all-color", findings: allFindings(), opts: Options{Color: true}, formats: []string{FormatHuman}},
		{name: "all-redact50", findings: allFindings(), opts: Options{Redact: 50}, formats: []string{FormatJSON, FormatCSV, FormatHuman, FormatSARIF}},
		{name: "all-noredact", findings: allFindings(), opts: Options{NoRedact: true}, formats: []string{FormatSARIF, FormatGitLab, FormatJUnit}},
		{
			name: "incomplete", findings: one, formats: Formats(),
			meta: func(m *Meta) { m.Incomplete = true; m.Category = "secrets"; m.Command = "git" },
		},
	}
}

// render writes findings in format for a golden case.
func (c goldenCase) render(t *testing.T, format string) []byte {
	t.Helper()
	meta := fixMeta()
	if c.meta != nil {
		c.meta(&meta)
	}
	var buf bytes.Buffer
	if err := Write(&buf, format, c.findings, meta, c.opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

// TestGolden compares every format's output with testdata/; run
// go test ./report -update to rewrite them after a reviewed change.
func TestGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range goldenCases() {
		for _, format := range c.formats {
			name := c.name + goldenExt[format]
			seen[name] = true
			t.Run(name, func(t *testing.T) {
				got := c.render(t, format)
				path := filepath.Join("testdata", "golden", name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./report -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file; diff:\n%s\n(run go test ./report -update after reviewing)", name, lineDiff(string(want), string(got)))
				}
				// Deterministic: a second rendering is identical.
				if again := c.render(t, format); !bytes.Equal(got, again) {
					t.Errorf("%s: two renderings differ", name)
				}
			})
		}
	}
	// Every format has golden files, and no stale ones linger.
	for _, f := range Formats() {
		if !seen["all"+goldenExt[f]] || !seen["empty"+goldenExt[f]] {
			t.Errorf("format %s has no golden files", f)
		}
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !seen[e.Name()] {
			if *update {
				os.Remove(filepath.Join("testdata", "golden", e.Name()))
				continue
			}
			t.Errorf("testdata/golden/%s is not produced by any case (stale; -update removes it)", e.Name())
		}
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n- " + wl + "\n+ " + gl + "\n")
			shown++
		}
	}
	return b.String()
}
