package detect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp/syntax"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/rules"
)

const testConfig = `
[[rules]]
id = "acme-key"
description = "Acme key"
regex = '''\b(acme_[a-zA-Z0-9]{24})\b'''
keywords = ["acme_"]
severity = "high"

[[rules]]
id = "generic-secret"
description = "generic"
regex = '''(?i)secret\s*[:=]\s*['"]?([a-zA-Z0-9_]{16,64})'''
secretGroup = 1
keywords = ["secret"]
tags = ["generic"]

[[rules]]
id = "pem"
description = "pem"
regex = '''-----BEGIN PRIVATE KEY-----[\s\S]{10,}?-----END PRIVATE KEY-----'''
keywords = ["-----begin private key"]
`

func newTestEngine(t testing.TB, cfgText string, opts Options) *Engine {
	t.Helper()
	cfg, err := rules.LoadBytes("test.toml", []byte(cfgText), ".")
	return mustEngine(t, cfg, err, opts)
}

// defaultEngine builds an engine with the default rules.
func defaultEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	cfg, err := rules.Default()
	return mustEngine(t, cfg, err, opts)
}

// mustEngine builds an engine from a config that loaded with err.
func mustEngine(t testing.TB, cfg *rules.Config, err error, opts Options) *Engine {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func scanString(t testing.TB, e *Engine, s string) []Finding {
	t.Helper()
	fs, err := e.Scan(context.Background(), []byte(s), Location{Source: SourceFile, Path: "a.txt"})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

const key1 = "acme_Zx8Qm2Lp9Rt4Vb7Nc1Kd5Hs3"

func TestPositions(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	text := "line one\n  héllo " + key1 + " tail\nlast"
	fs := scanString(t, e, text)
	if len(fs) != 1 {
		t.Fatalf("got %d findings: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.RuleID != "acme-key" || f.Secret != key1 {
		t.Fatalf("unexpected finding %+v", f)
	}
	// "  héllo " is 8 characters (é is one), so the secret starts at column 9.
	if f.StartLine != 2 || f.StartColumn != 9 || f.EndLine != 2 || f.EndColumn != 9+len(key1) {
		t.Errorf("position %d:%d-%d:%d", f.StartLine, f.StartColumn, f.EndLine, f.EndColumn)
	}
	if got := text[f.StartOffset:f.EndOffset]; got != key1 {
		t.Errorf("offsets select %q", got)
	}
	if f.Line != "héllo "+key1+" tail" {
		t.Errorf("line %q", f.Line)
	}
	if f.Fingerprint != Fingerprint("acme-key", key1) || strings.Contains(f.Fingerprint, key1) {
		t.Errorf("fingerprint %q", f.Fingerprint)
	}
}

func TestGenericYieldsToSpecific(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	fs := scanString(t, e, `secret = "`+key1+`"`)
	if len(fs) != 1 || fs[0].RuleID != "acme-key" {
		t.Fatalf("want only acme-key, got %+v", fs)
	}
	fs = scanString(t, e, `secret = "Qw3rTy7uIo9pAs2dFg"`)
	if len(fs) != 1 || fs[0].RuleID != "generic-secret" {
		t.Fatalf("want generic-secret, got %+v", fs)
	}
}

func TestMultilineMatch(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	text := "x\nkey: |\n  -----BEGIN PRIVATE KEY-----\n  MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n  -----END PRIVATE KEY-----\n"
	fs := scanString(t, e, text)
	if len(fs) != 1 || fs[0].RuleID != "pem" {
		t.Fatalf("got %+v", fs)
	}
	if fs[0].StartLine != 3 || fs[0].EndLine != 5 {
		t.Errorf("lines %d-%d", fs[0].StartLine, fs[0].EndLine)
	}
}

func TestInvalidUTF8AndNUL(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	text := "\xff\xfe\x80 garbage \x00\x01 " + key1 + " \xc3\x28"
	fs := scanString(t, e, text)
	if len(fs) != 1 || fs[0].Secret != key1 {
		t.Fatalf("invalid UTF-8 around a secret: got %+v", fs)
	}
}

// TestChunkBoundaries scans a large input in small chunks and checks that
// a secret is found exactly once wherever it sits relative to a boundary.
func TestChunkBoundaries(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	const size = 256 << 10
	filler := bytes.Repeat([]byte("lorem ipsum dolor sit amet\n"), size/27+1)[:size]
	for _, pos := range []int{0, 1000, 64<<10 - 5, 64 << 10, 128<<10 - 20, 128<<10 - 3, 130 << 10, size - len(key1) - 1} {
		data := append([]byte(nil), filler...)
		copy(data[pos:], "\n"+key1+"\n")
		pos++
		var got []Finding
		err := e.scanReader(context.Background(), bytes.NewReader(data), Location{Path: "big"}, 96<<10, func(f Finding) { got = append(got, f) })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Errorf("secret at %d: %d findings", pos, len(got))
			continue
		}
		if got[0].StartOffset != int64(pos) {
			t.Errorf("secret at %d: reported at offset %d", pos, got[0].StartOffset)
		}
		wantLine := bytes.Count(data[:pos], []byte{'\n'}) + 1
		if got[0].StartLine != wantLine {
			t.Errorf("secret at %d: line %d, want %d", pos, got[0].StartLine, wantLine)
		}
	}
}

func TestDecoding(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	cases := map[string]string{
		"base64":  base64.StdEncoding.EncodeToString([]byte("token: " + key1 + "\n")),
		"hex":     hex.EncodeToString([]byte("k=" + key1 + "!!")),
		"percent": url.QueryEscape("x=" + key1 + "&y=\"1\""),
	}
	for enc, blob := range cases {
		fs := scanString(t, e, "first line\nvalue = \""+blob+"\"\n")
		if len(fs) != 1 {
			t.Errorf("%s: got %d findings (%s)", enc, len(fs), blob)
			continue
		}
		f := fs[0]
		if f.Secret != key1 || len(f.Decoded) != 1 || f.Decoded[0] != enc || f.StartLine != 2 {
			t.Errorf("%s: finding %+v", enc, f)
		}
	}
	// Two layers.
	inner := base64.StdEncoding.EncodeToString([]byte("k=" + key1 + "\n"))
	outer := base64.StdEncoding.EncodeToString([]byte("data: " + inner + "\n"))
	fs := scanString(t, e, outer)
	if len(fs) != 1 || strings.Join(fs[0].Decoded, ",") != "base64,base64" {
		t.Errorf("nested: %+v", fs)
	}
	// Disabled.
	e2 := newTestEngine(t, testConfig, Options{MaxDecodeDepth: -1})
	if fs := scanString(t, e2, cases["base64"]); len(fs) != 0 {
		t.Errorf("decoding disabled, got %+v", fs)
	}
}

func TestInlineMarkers(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	cases := []struct {
		text string
		want int
	}{
		{"k = " + key1 + " # leakhound:allow", 0},
		{"k = " + key1 + " // gitleaks:allow", 0},
		{"# leakhound:allow-next-line\nk = " + key1, 0},
		{"# leakhound:allow-next-line\n\nk = " + key1, 1},
		{"k = " + key1 + " # leakhound:allow rule=acme-key reason=\"test fixture\"", 0},
		{"k = " + key1 + " # leakhound:allow rule=other-rule", 1},
		{"k = " + key1 + " # leakhound:allowed", 1},
		{"k = " + key1 + " # leakhound:allow-next-line", 1},
	}
	for _, c := range cases {
		if got := len(scanString(t, e, c.text)); got != c.want {
			t.Errorf("%q: %d findings, want %d", c.text, got, c.want)
		}
	}
	e2 := newTestEngine(t, testConfig, Options{IgnoreInline: true})
	if got := len(scanString(t, e2, "k = "+key1+" # leakhound:allow")); got != 1 {
		t.Errorf("IgnoreInline: %d findings", got)
	}
}

func TestAllowlists(t *testing.T) {
	cfg := testConfig + `
[[allowlists]]
description = "stopwords for acme"
targetRules = ["acme-key"]
stopwords = ["fixture"]

[[allowlists]]
paths = ['''(^|/)vendor/''']

[[allowlists]]
condition = "AND"
paths = ['''_test\.go$''']
regexes = ['''^acme_Test''']
`
	e := newTestEngine(t, cfg, Options{})
	scan := func(path, text string) int {
		fs, err := e.Scan(context.Background(), []byte(text), Location{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		return len(fs)
	}
	if n := scan("a.go", key1); n != 1 {
		t.Errorf("plain: %d", n)
	}
	if n := scan("a.go", "acme_FixturZx8Qm2Lp9Rt4Vb7Nc1"); n != 1 {
		t.Errorf("near-stopword: %d", n)
	}
	if n := scan("a.go", "acme_FixtureZx8Qm2Lp9Rt4Vb7Nc"); n != 0 {
		t.Errorf("stopword: %d", n)
	}
	if n := scan("vendor/x/a.go", key1); n != 0 {
		t.Errorf("path: %d", n)
	}
	if !e.SkipInput(Location{Path: "vendor/x/a.go"}) {
		t.Error("path-only global allowlist should skip the input")
	}
	if n := scan("a_test.go", "acme_TestZx8Qm2Lp9Rt4Vb7Nc1Kd"); n != 0 {
		t.Errorf("AND both: %d", n)
	}
	if n := scan("a.go", "acme_TestZx8Qm2Lp9Rt4Vb7Nc1Kd"); n != 1 {
		t.Errorf("AND only regex: %d", n)
	}
	if n := scan("a_test.go", key1); n != 1 {
		t.Errorf("AND only path: %d", n)
	}
}

func TestWindowedEqualsWholeChunk(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "func f%d() { x := %d } // secret stuff\n", i, i)
		if i%97 == 0 {
			fmt.Fprintf(&b, "secret = \"Qw3rTy7uIo9pAs2dFg%04d\"\nk := %q\n", i, fmt.Sprintf("acme_Zx8Qm2Lp9Rt4Vb7Nc1K%04d", i))
		}
	}
	w := scanString(t, newTestEngine(t, testConfig, Options{}), b.String())
	c := scanString(t, newTestEngine(t, testConfig, Options{WholeChunk: true}), b.String())
	if len(w) != len(c) || len(w) == 0 {
		t.Fatalf("windowed %d findings, whole-chunk %d", len(w), len(c))
	}
	for i := range w {
		if w[i].Secret != c[i].Secret || w[i].StartOffset != c[i].StartOffset {
			t.Errorf("finding %d differs: %+v vs %+v", i, w[i], c[i])
		}
	}
}

func TestChecksum(t *testing.T) {
	cfg := `
[[rules]]
id = "gh"
description = "gh"
regex = '''\bghp_[0-9A-Za-z]{36}\b'''
keywords = ["ghp_"]
checksum = "github"
`
	e := newTestEngine(t, cfg, Options{})
	good := GitHubStyleToken("ghp_", "wonVogSJpAotskgV9A9Ge4zyz1mHWW")
	bad := good[:len(good)-1] + "X"
	if bad == good {
		bad = good[:len(good)-1] + "Y"
	}
	if n := len(scanString(t, e, good)); n != 1 {
		t.Errorf("valid checksum: %d findings", n)
	}
	if n := len(scanString(t, e, bad)); n != 0 {
		t.Errorf("broken checksum: %d findings", n)
	}
}

func TestPathRules(t *testing.T) {
	cfg := `
[[rules]]
id = "pkcs12-file"
description = "PKCS#12 file"
path = '''\.p12$'''

[[rules]]
id = "env-only"
description = "only in .env"
regex = '''SECRET_[A-Z]{8}'''
keywords = ["secret_"]
path = '''\.env$'''
`
	e := newTestEngine(t, cfg, Options{})
	fs, _ := e.Scan(context.Background(), []byte("x"), Location{Path: "certs/a.p12"})
	if len(fs) != 1 || fs[0].RuleID != "pkcs12-file" {
		t.Errorf("path-only: %+v", fs)
	}
	fs, _ = e.Scan(context.Background(), []byte("SECRET_ABCDEFGH"), Location{Path: "a.txt"})
	if len(fs) != 0 {
		t.Errorf("path-restricted rule ran on a.txt: %+v", fs)
	}
	fs, _ = e.Scan(context.Background(), []byte("SECRET_ABCDEFGH"), Location{Path: "prod.env"})
	if len(fs) != 1 {
		t.Errorf("path-restricted rule on prod.env: %+v", fs)
	}
}

func TestRequiredRules(t *testing.T) {
	cfg := `
[[rules]]
id = "acme-id"
description = "acme id"
regex = '''ACMEID[0-9]{6}'''
keywords = ["acmeid"]
skipReport = true

[[rules]]
id = "acme-secret"
description = "acme secret"
regex = '''acmesecret=([a-z0-9]{12})'''
keywords = ["acmesecret"]
[[rules.required]]
id = "acme-id"
withinLines = 2
`
	e := newTestEngine(t, cfg, Options{})
	if fs := scanString(t, e, "ACMEID123456\nacmesecret=abc123def456"); len(fs) != 1 || fs[0].RuleID != "acme-secret" {
		t.Errorf("with requirement: %+v", fs)
	}
	if fs := scanString(t, e, "acmesecret=abc123def456"); len(fs) != 0 {
		t.Errorf("without requirement: %+v", fs)
	}
	if fs := scanString(t, e, "ACMEID123456\n\n\n\nacmesecret=abc123def456"); len(fs) != 0 {
		t.Errorf("requirement too far: %+v", fs)
	}
}

func TestChecksumNamesMatchRules(t *testing.T) {
	for _, n := range ChecksumNames() {
		cfg := fmt.Sprintf("[[rules]]\nid = \"x\"\nregex = 'x'\nchecksum = %q\n", n)
		if _, err := rules.LoadBytes("t", []byte(cfg), "."); err != nil {
			t.Errorf("checksum %q known to detect but rejected by rules: %v", n, err)
		}
	}
}

func TestInlineMarkerOnDecoded(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	blob := base64.StdEncoding.EncodeToString([]byte("token: " + key1 + "\n"))
	if n := len(scanString(t, e, "v = \""+blob+"\" # leakhound:allow rule=acme-key")); n != 0 {
		t.Errorf("scoped marker on decoded finding: %d findings", n)
	}
	if n := len(scanString(t, e, "v = \""+blob+"\" # leakhound:allow rule=other")); n != 1 {
		t.Errorf("marker for another rule: %d findings", n)
	}
}

func TestLongLineColumns(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	prefix := strings.Repeat("é", 10000) + ";"
	text := prefix + key1 + ";" + strings.Repeat("x", 5000) + ";" + strings.Replace(key1, "Zx8", "Qq1", 1)
	fs := scanString(t, e, text)
	if len(fs) != 2 {
		t.Fatalf("got %d findings", len(fs))
	}
	if fs[0].StartColumn != 10002 || fs[1].StartColumn != 10002+len(key1)+1+5000+1 {
		t.Errorf("columns %d, %d", fs[0].StartColumn, fs[1].StartColumn)
	}
}

func TestDecodedNotReportedTwice(t *testing.T) {
	cfg := `
[[rules]]
id = "sas"
description = "sas"
regex = '''sig=([A-Za-z0-9%]{20,80})'''
secretGroup = 1
keywords = ["sig="]
`
	e := newTestEngine(t, cfg, Options{})
	fs := scanString(t, e, "url = https://x.blob.core.windows.net/c?sv=2021&sig=Ab3dEf6hIj9kLm2nOp5qRs8tUv%2BwXyZ%3D&se=1")
	if len(fs) != 1 || len(fs[0].Decoded) != 0 {
		t.Fatalf("want one plain finding, got %+v", fs)
	}
}

func TestNoMatchAtCutWindowEdge(t *testing.T) {
	// The keyword sits outside the match (against the documented contract,
	// as user rules may): the window around "key" ends inside the value
	// after "v=", where "$" must not match.
	cfg := `
[[rules]]
id = "tail"
description = "value at end of line"
regex = '''v=([a-z0-9]{8,40})$'''
secretGroup = 1
keywords = ["key"]
`
	e := newTestEngine(t, cfg, Options{})
	long := "key" + strings.Repeat(" ", 277) + "v=" + strings.Repeat("abcd1234", 100) + ";"
	if fs := scanString(t, e, long); len(fs) != 0 {
		t.Errorf("truncated match at a cut window edge: %+v", fs)
	}
	if fs := scanString(t, e, "key v=abc12345"); len(fs) != 1 {
		t.Errorf("end of input: %+v", fs)
	}
}

func TestGenericTieSettledAfterAllowlists(t *testing.T) {
	cfg := `
[[rules]]
id = "generic-a"
description = "a"
regex = '''secret\s*=\s*"([a-zA-Z0-9]{12,40})"'''
keywords = ["secret"]
[[rules.allowlists]]
regexes = ['''^Alpha''']

[[rules]]
id = "generic-b"
description = "b"
regex = '''secret\s*=\s*"([a-zA-Z0-9]{12,40})"'''
keywords = ["secret"]
`
	e := newTestEngine(t, cfg, Options{})
	fs := scanString(t, e, `secret = "Alpha9kQ2xLm4Zp7"`)
	if len(fs) != 1 || fs[0].RuleID != "generic-b" {
		t.Fatalf("rule a is allowlisted, rule b should report: %+v", fs)
	}
	fs = scanString(t, e, `secret = "Beta9kQ2xLm4Zp7a"`)
	if len(fs) != 1 || fs[0].RuleID != "generic-a" {
		t.Fatalf("one report per span: %+v", fs)
	}
}

func TestDecodeAfterAssignment(t *testing.T) {
	e := newTestEngine(t, testConfig, Options{})
	blob := base64.StdEncoding.EncodeToString([]byte("k: " + key1))
	for _, text := range []string{"CONFIG=" + blob, "CONFIG=" + blob + "\nNEXT=1"} {
		fs := scanString(t, e, text)
		if len(fs) != 1 || fs[0].Secret != key1 {
			t.Errorf("%q: %+v", text, fs)
		}
	}
}

// TestCacheSameFindings scans texts that share windows in different
// places, with and without the result cache, and expects the same findings.
func TestCacheSameFindings(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "line %d secret = \"Qw3rTy7uIo9pAs2dFg%02d\"\n", i, i%7)
		if i%13 == 0 {
			fmt.Fprintf(&b, "k := %q\n", "acme_Zx8Qm2Lp9Rt4Vb7Nc1K"+fmt.Sprintf("%04d", i%3))
		}
	}
	base := b.String()
	versions := []string{base, "header\n" + base, base + "trailer secret = \"Zz9kQ2xLm4Zp7Yy\"\n", strings.Replace(base, "line 5 ", "line five ", 1)}
	cached := newTestEngine(t, testConfig, Options{})
	plain := newTestEngine(t, testConfig, Options{NoCache: true})
	for round := 0; round < 2; round++ {
		for i, v := range versions {
			a, c := scanString(t, cached, v), scanString(t, plain, v)
			if len(a) != len(c) {
				t.Fatalf("version %d: %d findings with cache, %d without", i, len(a), len(c))
			}
			for k := range a {
				if a[k].Secret != c[k].Secret || a[k].StartOffset != c[k].StartOffset || a[k].StartLine != c[k].StartLine || a[k].RuleID != c[k].RuleID {
					t.Fatalf("version %d finding %d: %+v vs %+v", i, k, a[k], c[k])
				}
			}
		}
	}
	if cached.CacheHits() == 0 {
		t.Error("the cache was never hit")
	}
}

func TestLeadBeforeKeyword(t *testing.T) {
	cases := []struct {
		re   string
		kws  []string
		want int
	}{
		{`(?i:secret)\s*=\s*(\w+)`, []string{"secret"}, 0},
		{`[\w.-](?i:key)\s*=\s*(\w+)`, []string{"key"}, 1},
		{`(?:^|[^\w])(?:https?|ftp)://[^:]+:([^@]+)@`, []string{"://"}, 6},
		{`\b(ghp_[0-9A-Za-z]{36})\b`, []string{"ghp_"}, 0},
		{`[a-z]+_key=(\w+)`, []string{"key"}, unbounded},  // unbounded prefix
		{`p(?:ass|wd)=(\w+)`, []string{"pass", "pwd"}, 0}, // "p" and (?:ass|wd) together
		{`token: (\w+)`, []string{"auth"}, unbounded},     // keyword not leading
	}
	for _, c := range cases {
		re, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := leadBeforeKeyword(re, c.kws); got != c.want {
			t.Errorf("%s: lead %d, want %d", c.re, got, c.want)
		}
	}
}

// TestLeadWindowsSameFindings checks that starting windows at the keyword
// for rules whose matches start there finds exactly what line windows do.
func TestLeadWindowsSameFindings(t *testing.T) {
	sameFindingsWithout(t, "lead windows", func(r *rule) { r.lead = unbounded }, sourceFiles(2<<20, true))
}

// sameFindingsWithout scans inputs with the default rules as they are and
// with undo applied to every rule (after it is prepared), fails at the first
// difference in findings, and returns how many findings it compared.
// exampleInputs returns the default rules with their examples and one
// input per rule: its examples and negative examples, each as wrap writes
// it (one scan per rule, not per example, keeps -race runs short).
func exampleInputs(t *testing.T, wrap func(ex string) string) (*rules.Config, [][]byte) {
	t.Helper()
	cfg, err := rules.DefaultWithExamples()
	if err != nil {
		t.Fatal(err)
	}
	var inputs [][]byte
	for _, r := range cfg.Rules {
		var in strings.Builder
		for _, ex := range append(r.Examples, r.NegativeExamples...) {
			in.WriteString(wrap(ex))
		}
		inputs = append(inputs, []byte(in.String()))
	}
	return cfg, inputs
}

// corpusFiles returns the files of the labelled corpus (testdata/corpus).
func corpusFiles(t *testing.T) [][]byte {
	t.Helper()
	var files [][]byte
	filepath.WalkDir("../testdata/corpus", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			files = append(files, data)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no corpus files")
	}
	return files
}

func sameFindingsWithout(t *testing.T, what string, undo func(*rule), inputs [][]byte, undoEngine ...func(*Engine)) int {
	t.Helper()
	cfg, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := New(cfg, Options{NoCache: true})
	b, _ := New(cfg, Options{NoCache: true})
	// Guards get their heads at once (see rule.passed).
	a.headAfter, b.headAfter = 1, 1
	for _, r := range b.rules {
		r.prepare()
		undo(r)
	}
	for _, u := range undoEngine {
		u(b)
	}
	n := 0
	for i, f := range inputs {
		fa, _ := a.Scan(context.Background(), f, Location{Path: "x.go"})
		fb, _ := b.Scan(context.Background(), f, Location{Path: "x.go"})
		if len(fa) != len(fb) {
			t.Fatalf("input %d: %d findings with %s, %d without", i, len(fa), what, len(fb))
		}
		for j := range fa {
			if fa[j].RuleID != fb[j].RuleID || fa[j].StartOffset != fb[j].StartOffset {
				t.Fatalf("input %d finding %d differs: %+v vs %+v", i, j, fa[j], fb[j])
			}
		}
		n += len(fa)
	}
	if a.exactRuns.Load() > 0 || b.exactRuns.Load() > 0 {
		t.Logf("%d and %d windows run again with a rule's own regex", a.exactRuns.Load(), b.exactRuns.Load())
	}
	if n == 0 {
		t.Fatal("no findings to compare")
	}
	return n
}

// TestNeedSkipsInput checks that a rule's regex runs only on inputs that
// hold its rare byte (rule.need): this rule has no guard (its keyword
// starts nothing in the regex), so without the check every keyword hit
// would run it.
func TestNeedSkipsInput(t *testing.T) {
	e := newTestEngine(t, `
[[rules]]
id = "xml-pw"
regex = '''<(\w{2,20})>(\w{8,})</'''
secretGroup = 2
keywords = ["pw"]
`, Options{NoCache: true})
	for _, c := range []struct {
		text  string
		runs  bool
		found int
	}{
		{"pw = 1\nmy_pw: 2\n", false, 0},
		{"pw = 1 if a < b\n", true, 0},
		{"x <db_pw>hunter2hunter2</db_pw>\n", true, 1},
	} {
		before, _ := e.Counters()
		fs := scanString(t, e, c.text)
		after, _ := e.Counters()
		if runs := after > before; runs != c.runs || len(fs) != c.found {
			t.Errorf("%q: regex ran %v (want %v), %d findings (want %d)", c.text, runs, c.runs, len(fs), c.found)
		}
	}
}

// TestNeedSameFindings checks that skipping inputs without a rule's rare
// byte loses nothing on the default rules' examples and the corpus.
func TestNeedSameFindings(t *testing.T) {
	_, inputs := exampleInputs(t, func(ex string) string { return ex + "\n\nx" + ex + "\n" })
	inputs = append(append(inputs, corpusFiles(t)...), sourceFiles(256<<10, true)...)
	n := sameFindingsWithout(t, "rare-byte needs", func(r *rule) { r.need = 0 }, inputs)
	t.Logf("%d findings", n)
}

func TestGitInfoJSON(t *testing.T) {
	staged, _ := json.Marshal(GitInfo{Stage: GitStageStaged})
	if strings.Contains(string(staged), "date") {
		t.Errorf("zero date printed: %s", staged)
	}
	d := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	in := GitInfo{Commit: "abc", Author: "A", Date: d, Commits: 2, PresentAtHead: true}
	data, _ := json.Marshal(in)
	var out GitInfo
	if err := json.Unmarshal(data, &out); err != nil || !out.Date.Equal(d) || out.Commit != "abc" || out.Commits != 2 || !out.PresentAtHead {
		t.Errorf("round trip: %s -> %+v (%v)", data, out, err)
	}
}
