package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

const testRules = `
[[rules]]
id = "acme"
description = "acme"
regex = '''acme_[a-z0-9]{16}'''
keywords = ["acme_"]
`

const acme = "acme_0123456789abcdef"

// result is what a scan of one file gave.
type result struct {
	findings []string // offset:secret
	stats    string
	items    int64
	bytes    int64
	err      error
}

func scanner(t *testing.T) (*Scanner, *[]string) {
	t.Helper()
	cfg, err := rules.LoadBytes("t.toml", []byte(testRules), ".")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := detect.New(cfg, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var found []string
	opts := DefaultOptions()
	opts.MaxFileSize = 12 << 20
	return &Scanner{Engine: eng, Opts: opts, Stats: &Stats{}, Emit: func(f detect.Finding) {
		mu.Lock()
		found = append(found, fmt.Sprintf("%s:%d:%d:%s", f.Path, f.StartLine, f.StartOffset, f.Secret))
		mu.Unlock()
	}}, &found
}

func collect(s *Scanner, found *[]string, err error) result {
	sort.Strings(*found)
	return result{findings: *found, stats: s.Stats.SkippedSummary(), items: s.Stats.Items.Load(), bytes: s.Stats.Bytes.Load(), err: err}
}

// TestScanFileMatchesScanItem checks that ScanFile, which reads files with
// plain system calls into a reused buffer, scans every kind of file as
// ScanItem does through an os.File: sizes around its first read, buffer
// growth, files streamed in chunks, binary files small and large, files
// over the size limit, archives, and a small file after a large one in
// the same buffer.
func TestScanFileMatchesScanItem(t *testing.T) {
	dir := t.TempDir()
	line := "just some ordinary text of a source file, nothing to see\n"
	text := func(n int, secretAt ...int) []byte {
		b := bytes.Repeat([]byte(line), n/len(line)+1)[:n]
		for _, at := range secretAt {
			copy(b[at:], " "+acme+" ")
		}
		return b
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("inner/config.env")
	w.Write(text(200<<10, 100, 150<<10))
	zw.Close()
	binary := text(100 << 10)
	binary[10] = 0
	binaryLate := text(100 << 10)
	binaryLate[80<<10] = 0
	files := []struct {
		name string
		data []byte
	}{
		{"empty.txt", nil},
		{"small.txt", text(1000, 10)},
		{"first-read.txt", text(firstRead, 0, firstRead-30)},
		{"first-read-plus-one.txt", text(firstRead+1, firstRead-29)},
		{"grown.txt", text(3<<20, 5, 3<<20-40)},
		{"streamed.txt", text(inMemoryLimit+100<<10, 7, inMemoryLimit+50<<10)},
		{"after-large.txt", text(500, 3)},
		{"binary.bin", binary},
		{"binary-late.bin", binaryLate},
		{"too-large.txt", text(13<<20, 0)},
		{"archive.zip", zbuf.Bytes()},
		{"crlf-utf16.txt", append([]byte{0xff, 0xfe}, utf16le(" "+acme+" \r\n")...)},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf FileBuffer
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		loc := detect.Location{Source: detect.SourceFile, Path: f.name}

		s1, found1 := scanner(t)
		err := s1.ScanFile(context.Background(), loc, p, &buf)
		got := collect(s1, found1, err)

		s2, found2 := scanner(t)
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		err = s2.ScanItem(context.Background(), loc, fh, int64(len(f.data)))
		fh.Close()
		want := collect(s2, found2, err)

		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\nScanFile %+v\nScanItem %+v", f.name, got, want)
		}
		if cap(buf.b) > keepBuffer {
			t.Errorf("%s: kept a %d-byte buffer", f.name, cap(buf.b))
		}
	}
	// Sanity: the cases exercise what they are named for.
	s, found := scanner(t)
	s.ScanFile(context.Background(), detect.Location{Path: "grown.txt"}, filepath.Join(dir, "grown.txt"), &buf)
	if len(*found) != 2 {
		t.Errorf("grown.txt: %d findings, want 2", len(*found))
	}
}

func TestScanFileErrors(t *testing.T) {
	s, _ := scanner(t)
	var buf FileBuffer
	err := s.ScanFile(context.Background(), detect.Location{Path: "missing.txt"}, filepath.Join(t.TempDir(), "missing.txt"), &buf)
	if err == nil || !strings.HasPrefix(err.Error(), "missing.txt: ") || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	// A directory opens but cannot be read.
	err = s.ScanFile(context.Background(), detect.Location{Path: "a-dir"}, t.TempDir(), &buf)
	if err == nil || !strings.HasPrefix(err.Error(), "a-dir: ") {
		t.Errorf("directory: %v", err)
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}
