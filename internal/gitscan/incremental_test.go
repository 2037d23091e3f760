package gitscan

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
	"github.com/leakhound/leakhound/rules"
)

// Scanning file versions against the previous one (ScanChanged plus
// findings carried over) must report exactly what scanning every version
// whole reports: findings, first commit, counts and presence at HEAD.

// rsaKey returns a PEM block the private-key-rsa rule matches, with line
// k of its body replaced by variant v (k < 0: none).
func rsaKey(k, v int) []string {
	body := []string{
		"MIIEpAIBAAKCAQEAy+0PwsIy3PEXjudgySlouF+QpsZmx5Iym+EMB7zztb/sfrez",
		"p5y87zDogLvlnO0mBJDgGaLnaK8hGdzhQG+X6ROLjspkFk5ZKmYJJt8YmzYBbpTU",
		"Q5aLCgYmGWJlUmhMTB6ELgM4QhBvBDwBzDjWPyzhVAvpz0z3UnzhZEaW1a8hq7kb",
		"s9rQ1xTlRIgeUXp5bD2F0oEPkJqJ0GHqCZTcsxGLbuDsAl3i2hjvK5sN2w8RdZ5Z",
		"KCvrfwi5YY7ZTfjI6bMTplGbK8qdjrK6pYe3JlGqwIv2bZyZbXuR3kTdWcuTgZ9i",
	}
	if k >= 0 {
		body[k] = fmt.Sprintf("%s%08d", body[k][:56], v)
	}
	out := []string{"-----BEGIN RSA PRIVATE KEY-----"}
	out = append(out, body...)
	return append(out, "-----END RSA PRIVATE KEY-----")
}

// awsKey returns a distinct AWS access key id.
func awsKey(n int) string {
	const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	rnd := rand.New(rand.NewSource(int64(n) + 1))
	b := []byte("AKIA")
	for len(b) < 20 {
		b = append(b, b32[rnd.Intn(len(b32))])
	}
	return string(b)
}

// historyJSON is a scan's findings with their git provenance, in a stable
// order, as JSON.
func historyJSON(t *testing.T, dir string, opts Options, config string) (string, int) {
	t.Helper()
	cfg, err := rules.Default()
	if config != "" {
		cfg, err = rules.LoadBytes("test.toml", []byte(config), ".")
	}
	if err != nil {
		t.Fatal(err)
	}
	eng, err := detect.New(cfg, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{}
	sc := &scan.Scanner{Engine: eng, Opts: scan.DefaultOptions(), Stats: &scan.Stats{}, Emit: s.add}
	res, err := ScanHistory(context.Background(), dir, opts, sc)
	if err != nil {
		t.Fatal(err)
	}
	fs := s.fs
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Fingerprint != b.Fingerprint {
			return a.Fingerprint < b.Fingerprint
		}
		return a.StartOffset < b.StartOffset
	})
	out, err := json.MarshalIndent(fs, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out), res.partial
}

func TestHistoryChangedScanMatchesWholeScan(t *testing.T) {
	r := newTestRepo(t)
	rnd := rand.New(rand.NewSource(7))
	filler := func(n int) []string {
		var ls []string
		for i := 0; i < n; i++ {
			ls = append(ls, fmt.Sprintf("\tx%d := compute(%d, %q)", rnd.Intn(1000), rnd.Intn(1000), strings.Repeat("ab", rnd.Intn(8))))
		}
		return ls
	}
	// main.go: a secret that lives through every edit; others come, are
	// edited and go. key.pem: a key one of whose lines changes.
	lines := append([]string{"package main", "", "func main() {"}, filler(40)...)
	lines = append(lines, "\tawsAccessKeyID := \""+awsKey(1)+"\"")
	lines = append(lines, filler(40)...)
	lines = append(lines, "}")
	pem := func(k, v int) string { return "# key\n" + strings.Join(rsaKey(k, v), "\n") + "\nend\n" }
	b64 := base64.StdEncoding.EncodeToString([]byte("slack = xoxb-123456789012-123456789012-abcdefghijABCDEFGHIJ1234 tk_Ab0000000000000000000099\n"))
	files := func() map[string]string { return map[string]string{"main.go": strings.Join(lines, "\n") + "\n"} }

	c := files()
	c["key.pem"] = pem(-1, 0)
	start := r.commit("start", c)
	for i := 0; i < 60; i++ {
		k := 3 + rnd.Intn(len(lines)-4)
		switch i % 6 {
		case 0: // insert before the living secret: it moves
			lines = append(lines[:4], append(filler(2), lines[4:]...)...)
		case 1: // edit a line
			lines[k] = filler(1)[0]
		case 2: // delete a line that holds no secret
			if !strings.Contains(lines[k], "AKIA") && !strings.Contains(lines[k], "token") {
				lines = append(lines[:k], lines[k+1:]...)
			}
		case 3: // secrets added mid-file
			lines = append(lines[:k], append([]string{
				fmt.Sprintf("\tawsAccessKeyID%d := %q", i, awsKey(100+i)),
				fmt.Sprintf("\ttoken%d := %q // hex%016x", i, secret(i), i*7919),
			}, lines[k:]...)...)
		case 4: // edit a line that holds a secret (not the living one)
			for j := range lines {
				if strings.Contains(lines[j], "awsAccessKeyID") && !strings.Contains(lines[j], awsKey(1)) {
					lines[j] = fmt.Sprintf("\tawsKey%d := %q // edited", i, awsKey(200+i))
					break
				}
			}
		case 5: // duplicate a block holding a secret, and an encoded one
			lines = append(lines, lines[40:46]...)
			lines = append(lines, "\tenc := \""+b64+"\"")
		}
		c := files()
		if i%10 == 5 {
			c["key.pem"] = pem(i%5, i) // one line of the key changes
		}
		switch i % 20 {
		case 7: // a version that is binary, then text again
			c["data.txt"] = "bin\x00ary " + secret(500+i) + "\n"
		case 8, 17:
			c["data.txt"] = strings.Repeat("filler line\n", 30) + "tok = " + secret(600+i) + "\n"
		case 11: // UTF-16 with a byte-order mark
			c["wide.txt"] = "\xff\xfe" + string(utf16le("key = "+secret(700+i)+"\nmore\n"))
		case 12:
			c["wide.txt"] = "plain now\nkey = " + secret(700+i-1) + "\n"
		}
		if i == 30 {
			r.git("checkout", "-q", "-b", "side")
			r.commit("side", map[string]string{"side.txt": "token = " + awsKey(999) + "\n"})
			r.git("checkout", "-q", "main")
			r.tick++
			r.git("merge", "-q", "--no-ff", "-m", "merge side", "side")
		}
		r.commit(fmt.Sprintf("edit %d", i), c)
	}
	r.git("repack", "-adfq", "--depth=50", "--window=10")

	// The default rules, and rules that report a path, run without a
	// keyword, and a token rule.
	custom := testRules + `
[[rules]]
id = "pem-file"
description = "a PEM file"
path = '''\.pem$'''

[[rules]]
id = "hex-id"
description = "hex id, no keyword"
regex = '''\bhex([0-9a-f]{16})\b'''
`
	// An allowlist that names a commit makes findings depend on the
	// commit, not only on the content: the start commit's copy of the
	// living key is allowed, later copies are not. Carrying findings over
	// would lose the key; such configs scan every version whole.
	commitAllow := fmt.Sprintf(`[extend]
useDefault = true

[[allowlists]]
description = "the key as first committed"
condition = "AND"
commits = ['%s']
regexes = ['%s']
`, start, awsKey(1))
	whole, _ := historyJSON(t, r.dir, Options{AllRefs: true, Workers: 2, wholeBlobs: true}, commitAllow)
	got, n := historyJSON(t, r.dir, Options{AllRefs: true, Workers: 2}, commitAllow)
	if n != 0 || got != whole {
		t.Errorf("commit allowlist: %d items scanned against another version; differs from whole scan:\n%s", n, diffLines(whole, got))
	}
	if !strings.Contains(whole, awsKey(1)) {
		t.Error("commit allowlist: the living key, allowed only in the start commit, is not reported")
	}

	for _, config := range []string{"", custom} {
		whole, n := historyJSON(t, r.dir, Options{AllRefs: true, Workers: 2, wholeBlobs: true}, config)
		if n != 0 {
			t.Fatalf("whole-blob scan scanned %d items against another version", n)
		}
		if strings.Count(whole, `"ruleId"`) < 10 {
			t.Fatalf("too few findings to compare:\n%s", whole)
		}
		for _, opts := range []Options{
			{AllRefs: true, Workers: 2},
			{AllRefs: true, Workers: 1, lineDiff: true},
		} {
			got, n := historyJSON(t, r.dir, opts, config)
			if n < 40 {
				t.Errorf("lineDiff=%v: only %d items scanned against another version", opts.lineDiff, n)
			}
			if got != whole {
				t.Errorf("custom=%v lineDiff=%v: changed scan differs from whole scan\n%s", config != "", opts.lineDiff, diffLines(whole, got))
			}
		}
	}
}

// utf16le encodes s as UTF-16, little-endian.
func utf16le(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// diffLines shows the lines of a and b that differ, with their numbers.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 40; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("%d: -%s\n%d: +%s", i+1, x, i+1, y))
		}
	}
	return strings.Join(out, "\n")
}

func TestLineChanges(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want []detect.Range
	}{
		{"a\nb\nc\n", "a\nB\nc\n", []detect.Range{{Start: 2, End: 4}}},
		{"a\nb\nc\n", "a\nc\n", []detect.Range{{Start: 2, End: 2}}},
		{"a\nb\nc\n", "a\nb\nc\nd\n", []detect.Range{{Start: 6, End: 8}}},
		{"a\nb\nc", "a\nb\nc\n", []detect.Range{{Start: 4, End: 6}}},
		{"a\nb\nc\n", "x\na\nb\nc\n", []detect.Range{{Start: 0, End: 2}}},
	} {
		blocks, ch, ok := lineChanges([]byte(tc.a), []byte(tc.b))
		if !ok || fmt.Sprint(ch) != fmt.Sprint(tc.want) {
			t.Errorf("lineChanges(%q, %q) = %v, %v; want %v", tc.a, tc.b, ch, ok, tc.want)
		}
		// Blocks map identical bytes.
		for _, bl := range blocks {
			if tc.a[bl.aOff:bl.aOff+bl.n] != tc.b[bl.bOff:bl.bOff+bl.n] {
				t.Errorf("lineChanges(%q, %q): block %+v maps different bytes", tc.a, tc.b, bl)
			}
			la := strings.Count(tc.a[:bl.aOff], "\n")
			lb := strings.Count(tc.b[:bl.bOff], "\n")
			if int32(lb-la) != bl.dl {
				t.Errorf("lineChanges(%q, %q): block %+v line delta, want %d", tc.a, tc.b, bl, lb-la)
			}
		}
	}
}

func TestHistoryCommitAllowlistsScanWhole(t *testing.T) {
	r := newTestRepo(t)
	var body []string
	for i := 0; i < 50; i++ {
		body = append(body, fmt.Sprintf("line %d", i))
	}
	first := ""
	for i := 0; i < 6; i++ {
		body[10+i] = "key = " + secret(i)
		c := r.commit(fmt.Sprintf("edit %d", i), map[string]string{"a.txt": strings.Join(body, "\n") + "\n"})
		if first == "" {
			first = c
		}
	}
	r.git("repack", "-adfq")
	if _, n := historyJSON(t, r.dir, Options{AllRefs: true}, testRules); n == 0 {
		t.Fatal("no item scanned against another version: the test repository does not exercise it")
	}
	// A rule allowlist with commits: findings depend on the commit.
	ruleAllow := testRules + "\n[[rules.allowlists]]\ncommits = [\"" + first + "\"]\n"
	if _, n := historyJSON(t, r.dir, Options{AllRefs: true}, ruleAllow); n != 0 {
		t.Errorf("rule allowlist with commits: %d items scanned against another version, want 0", n)
	}
	// So does a global one mixing commits with regexes
	// (Engine.CommitDependent).
	globalAllow := testRules + "\n[allowlist]\ncommits = [\"" + first + "\"]\nregexes = ['''nothing-matches-this''']\n"
	whole, _ := historyJSON(t, r.dir, Options{AllRefs: true, wholeBlobs: true}, globalAllow)
	got, n := historyJSON(t, r.dir, Options{AllRefs: true}, globalAllow)
	if n != 0 || got != whole {
		t.Errorf("global allowlist with commits: %d items scanned against another version, results equal: %v", n, got == whole)
	}
}

func TestHistoryFileBecomesDirectory(t *testing.T) {
	// Git orders a directory as if its name ended in "/": "foo" (file),
	// "foo.c", "foo/" (directory). The diff walks trees in that order.
	r := newTestRepo(t)
	r.commit("file", map[string]string{"foo": "a = " + secret(1) + "\n", "foo.c": "c\n", "foo-x/y": "y\n"})
	r.git("rm", "-q", "foo")
	r.commit("dir", map[string]string{"foo/bar": "b = " + secret(2) + "\n"})
	r.git("rm", "-q", "-r", "foo")
	r.commit("file again", map[string]string{"foo": "a = " + secret(1) + "\n", "foo.c": "c2 " + secret(3) + "\n"})
	fs, res, _ := scanHistory(t, r.dir, allRefs())
	if res.Commits != 3 || len(fs) != 3 {
		t.Fatalf("commits %d, findings %v; want 3 and 3", res.Commits, secretsOf(fs))
	}
	want := map[string]int{"foo": 2, "foo.c": 1, "foo/bar": 1} // path -> commits
	for _, f := range fs {
		if f.Git == nil || f.Git.Commits != want[f.Path] {
			t.Errorf("%s: %+v, want %d commits", f.Path, f.Git, want[f.Path])
		}
	}
}
