package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/detect"
)

// cli runs the CLI in dir and returns stdout, stderr and the exit code.
func cli(t *testing.T, dir string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func decode(t *testing.T, s string) []detect.Finding {
	t.Helper()
	var fs []detect.Finding
	if err := json.Unmarshal([]byte(s), &fs); err != nil {
		t.Fatalf("report is not a JSON array of findings: %v\n%s", err, s)
	}
	return fs
}

// testRules is a small config so that these tests do not depend on the
// default ruleset, which has its own tests.
const testRules = `
[[rules]]
id = "acme-key"
description = "Acme API key"
regex = '''\b(acme_[a-zA-Z0-9]{24})\b'''
keywords = ["acme_"]
severity = "high"
`

const acme = "acme_Zx8Qm2Lp9Rt4Vb7Nc1Kd5Hs3"

func TestDirFindsAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	write(t, dir, "src/app.env", "A=1\nKEY="+acme+"\n")
	write(t, dir, "clean.txt", "nothing here\n")
	out, errs, code := cli(t, dir, "", "dir", "-f", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", code, errs)
	}
	fs := decode(t, out)
	if len(fs) != 1 || fs[0].Path != "src/app.env" || fs[0].StartLine != 2 || fs[0].Secret != acme || fs[0].Source != "file" {
		t.Fatalf("findings: %+v", fs)
	}
	if !strings.Contains(errs, "1 finding") {
		t.Errorf("no summary on stderr: %q", errs)
	}
	if _, _, code := cli(t, dir, "", "dir", "-q", "--exit-code", "7"); code != 7 {
		t.Errorf("--exit-code 7: exit %d", code)
	}
	if out, _, code := cli(t, dir, "", "dir", "-q", "-f", "json", "clean.txt"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("clean file: exit %d, out %q", code, out)
	}
}

func TestRedact(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	write(t, dir, "a.txt", "k="+acme+"\n")
	out, _, _ := cli(t, dir, "", "dir", "-q", "-f", "json", "--redact")
	if strings.Contains(out, acme) || strings.Contains(out, acme[6:]) {
		t.Errorf("--redact leaks the secret: %s", out)
	}
	out, _, _ = cli(t, dir, "", "dir", "-q", "-f", "json", "--redact=50")
	if strings.Contains(out, acme) {
		t.Errorf("--redact=50 leaks the whole secret: %s", out)
	}
	if !strings.Contains(out, acme[:8]) {
		t.Errorf("--redact=50 hides too much: %s", out)
	}
}

func TestSeveralReports(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	write(t, dir, "a.txt", "k="+acme+"\n")
	out, errs, code := cli(t, dir, "", "dir", "-q", "-f", "json", "-r", "out/a.json", "-f", "csv", "-r", "out/a.csv", "-f", "sarif", "-r", "out/a.sarif")
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, n := range []string{"a.json", "a.csv", "a.sarif"} {
		data, err := os.ReadFile(filepath.Join(dir, "out", n))
		if err != nil || len(data) == 0 {
			t.Errorf("%s: %v", n, err)
		}
		if n == "a.sarif" && bytes.Contains(data, []byte(acme)) {
			t.Error("SARIF shows the secret without --no-redact")
		}
	}
	if _, errs, code := cli(t, dir, "", "dir", "-f", "json", "-f", "csv"); code != 2 || !strings.Contains(errs, "stdout") {
		t.Errorf("two reports on stdout: exit %d, %q", code, errs)
	}
	if _, errs, code := cli(t, dir, "", "dir", "-f", "yaml"); code != 2 || !strings.Contains(errs, "yaml") {
		t.Errorf("unknown format: exit %d, %q", code, errs)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	// Missing path.
	_, errs, code := cli(t, dir, "", "dir", "no/such/path")
	if code != 2 || !strings.Contains(errs, "no/such/path") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("missing path: exit %d, stderr %q", code, errs)
	}
	// Invalid UTF-8 around a secret is scanned; a NUL-laden file is skipped and counted.
	write(t, dir, "latin1.txt", "caf\xe9 \xff\xfe k="+acme+" \xc3\x28\n")
	write(t, dir, "blob.bin", "\x00\x01\x02 k="+acme+"\x00")
	out, errs, code := cli(t, dir, "", "dir", "-f", "json", ".")
	fs := decode(t, out)
	if code != 1 || len(fs) != 1 || fs[0].Path != "latin1.txt" {
		t.Errorf("latin1/binary: exit %d, %+v", code, fs)
	}
	if !strings.Contains(errs, "1 binary") {
		t.Errorf("binary skip not counted: %q", errs)
	}
	// A file over --max-file-size is skipped and counted; -v names it.
	big := filepath.Join(dir, "huge.log")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // sparse: 1 GiB, one line
		t.Fatal(err)
	}
	f.Close()
	_, errs, _ = cli(t, dir, "", "dir", "-v", "-f", "json", ".")
	if !strings.Contains(errs, "1 too large") || !strings.Contains(errs, "huge.log") {
		t.Errorf("huge file: %q", errs)
	}
	os.Remove(big)
	// A broken config: exit 2, naming file and line.
	write(t, dir, "bad.toml", "[[rules]]\nid = \"x\"\nregex = '''(unclosed'''\nkeywords = [\"x\"]\n")
	_, errs, code = cli(t, dir, "", "dir", "-c", "bad.toml", ".")
	if code != 2 || !strings.Contains(errs, "bad.toml:1") || !strings.Contains(errs, `"x"`) {
		t.Errorf("bad config: exit %d, %q", code, errs)
	}
	// A directory without read permission (only meaningful as non-root).
	if os.Geteuid() != 0 {
		locked := filepath.Join(dir, "locked")
		os.Mkdir(locked, 0o000)
		defer os.Chmod(locked, 0o755)
		_, errs, _ = cli(t, dir, "", "dir", "-f", "json", ".")
		if !strings.Contains(errs, "locked") || !strings.Contains(errs, "permission denied") {
			t.Errorf("unreadable dir: %q", errs)
		}
	}
}

func TestLargeSingleLineStreamed(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	// 40 MiB on one line, the secret at the very end: read in chunks.
	line := bytes.Repeat([]byte("abcdefgh;"), 40<<20/9)
	data := append(line, []byte(" "+acme+"\n")...)
	write(t, dir, "min.js", string(data))
	out, errs, code := cli(t, dir, "", "dir", "-f", "json", "--max-file-size", "0", "min.js")
	fs := decode(t, out)
	if code != 1 || len(fs) != 1 || fs[0].StartLine != 1 || fs[0].StartColumn != len(line)+2 {
		t.Fatalf("exit %d, findings %+v, stderr %s", code, fs, errs)
	}
}

func TestArchives(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("conf/app.env")
	w.Write([]byte("K=" + acme + "\n"))
	zw.Close()
	write(t, dir, "bundle.zip", buf.String())
	out, _, code := cli(t, dir, "", "dir", "-q", "-f", "json", ".")
	fs := decode(t, out)
	if code != 1 || len(fs) != 1 || fs[0].Path != "bundle.zip!conf/app.env" {
		t.Fatalf("zip member: exit %d, %+v", code, fs)
	}
	// A zip bomb: many large entries. The archive limit stops it and says so.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	for i := 0; i < 5; i++ {
		w, _ := zw.Create(filepath.Join("bomb", string(rune('a'+i))+".txt"))
		w.Write(bytes.Repeat([]byte("A"), 2<<20))
	}
	zw.Close()
	write(t, dir, "bomb.zip", buf.String())
	_, errs, _ := cli(t, dir, "", "dir", "-f", "json", "bomb.zip", "--max-archive-bytes", "3MiB")
	if !strings.Contains(errs, "archive limit") || !strings.Contains(errs, "bomb.zip") {
		t.Errorf("zip bomb: %q", errs)
	}
}

func TestStdin(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	in := strings.Repeat("some text\n", 1000) + "token " + acme + "\n"
	out, _, code := cli(t, dir, in, "stdin", "-f", "json")
	fs := decode(t, out)
	if code != 1 || len(fs) != 1 || fs[0].Path != "stdin" || fs[0].StartLine != 1001 || fs[0].Source != "stdin" {
		t.Fatalf("exit %d, %+v", code, fs)
	}
}

func TestTimeoutWritesIncompleteReport(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	for i := 0; i < 50; i++ {
		write(t, dir, filepath.Join("d", string(rune('a'+i%26))+strings.Repeat("x", i)+".txt"), strings.Repeat("filler line\n", 20000))
	}
	_, errs, code := cli(t, dir, "", "dir", "-f", "json", "-r", "out.json", "--timeout", "1ns", ".")
	if code != 2 || !strings.Contains(errs, "incomplete") {
		t.Errorf("timeout: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.json")); err != nil {
		t.Errorf("no report after timeout: %v", err)
	}
}

func TestConfigDiscovery(t *testing.T) {
	dir := t.TempDir()
	other := strings.ReplaceAll(testRules, "acme-key", "from-gitleaks-toml")
	write(t, dir, ".gitleaks.toml", other)
	write(t, dir, "a.txt", "k="+acme+"\n")
	ruleOf := func(args ...string) string {
		out, errs, _ := cli(t, dir, "", append([]string{"dir", "-q", "-f", "json"}, args...)...)
		fs := decode(t, out)
		if len(fs) != 1 {
			t.Fatalf("%v: %+v %s", args, fs, errs)
		}
		return fs[0].RuleID
	}
	if got := ruleOf("."); got != "from-gitleaks-toml" {
		t.Errorf(".gitleaks.toml: %s", got)
	}
	write(t, dir, ".leakhound.toml", testRules)
	if got := ruleOf("."); got != "acme-key" {
		t.Errorf(".leakhound.toml should win over .gitleaks.toml: %s", got)
	}
	env := write(t, t.TempDir(), "env.toml", strings.ReplaceAll(testRules, "acme-key", "from-env"))
	t.Setenv("LEAKHOUND_CONFIG", env)
	if got := ruleOf("."); got != "from-env" {
		t.Errorf("LEAKHOUND_CONFIG: %s", got)
	}
	flag := write(t, t.TempDir(), "flag.toml", strings.ReplaceAll(testRules, "acme-key", "from-flag"))
	if got := ruleOf("-c", flag, "."); got != "from-flag" {
		t.Errorf("--config: %s", got)
	}
}

func TestRulesCheck(t *testing.T) {
	dir := t.TempDir()
	bad := `title = "broken"
[[rules]]
id = "one"
regex = '''ok[0-9]+'''
keywords = ["ok"]
secretGroup = 2

[[rules]]
id = "two"
regex = '''(bad'''
regx = "typo"

[[rules]]
id = "one"
regex = "x"
`
	write(t, dir, "bad.toml", bad)
	out, errs, code := cli(t, dir, "", "rules", "check", "bad.toml")
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{`bad.toml:2: rule "one": secretGroup 2 out of range`, `rule "two": invalid regex`, `unknown key "rules.regx"`, `rule "one": duplicate id`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s%s", want, out, errs)
		}
	}
	if !strings.Contains(out, "bad.toml:11") {
		t.Errorf("unknown key should name line 11:\n%s", out)
	}
	write(t, dir, "good.toml", testRules)
	if out, _, code := cli(t, dir, "", "rules", "check", "good.toml"); code != 0 || !strings.Contains(out, "ok, 1 rules") {
		t.Errorf("good config: %d %q", code, out)
	}
	if out, _, code := cli(t, dir, "", "rules", "list", "-f", "json", "-c", "good.toml"); code != 0 || !strings.Contains(out, `"acme_"`) {
		t.Errorf("rules list json: %d %q", code, out)
	}
}

func TestEnableDisableRules(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules+"\n[[rules]]\nid = \"b\"\ndescription = \"b\"\nregex = '''bbb[0-9]{6}'''\nkeywords = [\"bbb\"]\n")
	write(t, dir, "a.txt", "k="+acme+" bbb123456\n")
	count := func(args ...string) int {
		out, _, _ := cli(t, dir, "", append([]string{"dir", "-q", "-f", "json"}, args...)...)
		return len(decode(t, out))
	}
	if n := count("."); n != 2 {
		t.Errorf("all rules: %d", n)
	}
	if n := count("--enable-rule", "b", "."); n != 1 {
		t.Errorf("--enable-rule b: %d", n)
	}
	if n := count("--disable-rule", "b", "."); n != 1 {
		t.Errorf("--disable-rule b: %d", n)
	}
	if _, errs, code := cli(t, dir, "", "dir", "--enable-rule", "nope", "."); code != 2 || !strings.Contains(errs, "nope") {
		t.Errorf("unknown rule: %d %q", code, errs)
	}
}

func TestBaselineAndIgnoreCLI(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	write(t, dir, "a.txt", "k="+acme+"\n")
	if _, errs, code := cli(t, dir, "", "baseline", "create", "dir", ".", "-o", "base.json"); code != 0 {
		t.Fatalf("baseline create: %d %s", code, errs)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "base.json"))
	cli(t, dir, "", "baseline", "create", "-o", "base.json", "dir", ".")
	second, _ := os.ReadFile(filepath.Join(dir, "base.json"))
	if !bytes.Equal(first, second) || bytes.Contains(first, []byte(acme)) {
		t.Fatalf("baseline not byte-identical or holds the secret:\n%s\n%s", first, second)
	}
	// Line shift: still suppressed. New secret next to it: reported.
	other := strings.Replace(acme, "Zx8", "Yy9", 1)
	write(t, dir, "a.txt", "\n\n# moved\nk="+acme+"\nj="+other+"\n")
	out, errs, code := cli(t, dir, "", "dir", "-f", "json", "--baseline", "base.json", ".")
	fs := decode(t, out)
	if code != 1 || len(fs) != 1 || fs[0].Secret != other || !strings.Contains(errs, "1 in baseline") {
		t.Fatalf("baseline filter: exit %d %+v %s", code, fs, errs)
	}
	// The new one goes to the ignore file by fingerprint.
	fp, _, _ := cli(t, dir, other, "fingerprint", "--rule", "acme-key")
	write(t, dir, ".leakhoundignore", strings.TrimSpace(fp)+" a.txt # test fixture\n")
	out, errs, code = cli(t, dir, "", "dir", "-f", "json", "--baseline", "base.json", ".")
	if code != 0 || len(decode(t, out)) != 0 || !strings.Contains(errs, "1 ignored") {
		t.Fatalf("ignore file: exit %d %s %s", code, out, errs)
	}
	// Stale entries after the secret is removed.
	write(t, dir, "a.txt", "clean\n")
	if _, errs, code := cli(t, dir, "", "baseline", "check", "-o", "base.json"); code != 1 || !strings.Contains(errs, "stale") {
		t.Errorf("baseline check: %d %q", code, errs)
	}
	if _, errs, code := cli(t, dir, "", "dir", "--report-unused-ignores", "."); code != 0 || !strings.Contains(errs, "unused ignore entry") {
		t.Errorf("unused ignores: %d %q", code, errs)
	}
	// A hand-broken baseline is an error naming it, not "nothing suppressed".
	write(t, dir, "base.json", "{\"version\": 1, \"entries\": [\n  {\"fingerprint\": 42}\n]}\n")
	if _, errs, code := cli(t, dir, "", "dir", "--baseline", "base.json", "."); code != 2 || !strings.Contains(errs, "base.json:2") {
		t.Errorf("corrupt baseline: %d %q", code, errs)
	}
}

func TestInlineAllowCLI(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".leakhound.toml", testRules)
	write(t, dir, "a.py", "k = '"+acme+"'  # leakhound:allow reason=\"test fixture\"\n")
	if _, _, code := cli(t, dir, "", "dir", "-q", "."); code != 0 {
		t.Errorf("inline allow: exit %d", code)
	}
	if _, _, code := cli(t, dir, "", "dir", "-q", "--ignore-inline", "."); code != 1 {
		t.Errorf("--ignore-inline: exit %d", code)
	}
}

func TestHelpAndUsage(t *testing.T) {
	for _, c := range [][]string{{"--help"}, {"dir", "--help"}, {"stdin", "--help"}, {"rules", "list", "--help"}, {"baseline", "create", "--help"}} {
		out, _, code := cli(t, "", "", c...)
		if code != 0 || !strings.Contains(out, "Example") && !strings.Contains(out, "Examples") {
			t.Errorf("%v: exit %d, help without examples:\n%s", c, code, out)
		}
	}
	if _, errs, code := cli(t, "", "", "dir", "--no-such-flag"); code != 2 || !strings.Contains(errs, "no-such-flag") {
		t.Errorf("bad flag: %d %q", code, errs)
	}
	if _, _, code := cli(t, "", "", "frobnicate"); code != 2 {
		t.Errorf("unknown command: %d", code)
	}
}
