package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

// plant is one labelled secret in testdata/corpus/manifest.json.
type plant struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Rule   string `json:"rule"`
	Family string `json:"family"`
}

// TestCorpus measures the default ruleset on a labelled corpus of realistic
// files (testdata/corpus): recall per family of planted secrets, and false
// positives (findings on lines with no planted secret) per rule family.
// Run `go test ./rules -run TestCorpus -v` (or `make eval`) for the table.
func TestCorpus(t *testing.T) {
	root := filepath.Join("..", "testdata", "corpus")
	data, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Skipf("no labelled corpus: %v", err)
	}
	var plants []plant
	if err := json.Unmarshal(data, &plants); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	cfg, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	familyOf := map[string]string{}
	for _, r := range cfg.Rules {
		familyOf[r.ID] = strings.TrimSuffix(path.Base(r.File), ".toml")
	}
	eng, err := detect.New(cfg, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		file string
		line int
	}
	found := map[key][]string{}
	var all []detect.Finding
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "manifest.json" {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		content, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fsx, err := eng.Scan(context.Background(), content, detect.Location{Source: detect.SourceFile, Path: rel})
		if err != nil {
			return err
		}
		for _, f := range fsx {
			all = append(all, f)
			for l := f.StartLine; l <= f.EndLine; l++ {
				found[key{rel, l}] = append(found[key{rel, l}], f.RuleID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	type stat struct{ planted, hit, fp int }
	fam := map[string]*stat{}
	get := func(n string) *stat {
		if fam[n] == nil {
			fam[n] = &stat{}
		}
		return fam[n]
	}
	plantedAt := map[key]bool{}
	var missed []string
	for _, p := range plants {
		s := get(p.Family)
		s.planted++
		plantedAt[key{p.File, p.Line}] = true
		if ids := found[key{p.File, p.Line}]; len(ids) > 0 {
			s.hit++
		} else {
			missed = append(missed, fmt.Sprintf("%s:%d (%s, %s)", p.File, p.Line, p.Rule, p.Family))
		}
	}
	var fps []string
	for _, f := range all {
		hit := false
		for l := f.StartLine; l <= f.EndLine; l++ {
			hit = hit || plantedAt[key{f.Path, l}]
		}
		if !hit {
			get(familyOf[f.RuleID]).fp++
			fps = append(fps, fmt.Sprintf("%s:%d %s %q", f.Path, f.StartLine, f.RuleID, f.Match))
		}
	}
	names := make([]string, 0, len(fam))
	for n := range fam {
		names = append(names, n)
	}
	sort.Strings(names)
	var tp, total, fpTotal int
	t.Logf("%-16s %8s %8s %8s %6s", "family", "planted", "found", "recall", "FP")
	for _, n := range names {
		s := fam[n]
		recall := "-"
		if s.planted > 0 {
			recall = fmt.Sprintf("%.2f", float64(s.hit)/float64(s.planted))
		}
		t.Logf("%-16s %8d %8d %8s %6d", n, s.planted, s.hit, recall, s.fp)
		tp += s.hit
		total += s.planted
		fpTotal += s.fp
	}
	precision := float64(len(all)-fpTotal) / float64(max(1, len(all)))
	t.Logf("overall: recall %.3f (%d/%d), %d findings, %d false positives, precision %.3f", float64(tp)/float64(max(1, total)), tp, total, len(all), fpTotal, precision)
	for _, m := range missed {
		t.Logf("missed: %s", m)
	}
	for _, f := range fps {
		t.Logf("false positive: %s", f)
	}
	// Guard rails: a regression that loses much recall or floods false
	// positives fails the build; the table above is the measurement.
	if total > 0 && float64(tp)/float64(total) < 0.9 {
		t.Errorf("recall %.3f below 0.9", float64(tp)/float64(total))
	}
	if len(all) > 0 && precision < 0.9 {
		t.Errorf("precision %.3f below 0.9", precision)
	}
}
