package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestBaselineSurvivesHistoryRewrites builds a real repository, accepts its
// secret in a baseline, then rewrites history every way teams do (amend,
// rebase onto new work with the secret's line moved, squash) and checks that
// the baseline still suppresses the secret while a new one next to it is
// reported.
func TestBaselineSurvivesHistoryRewrites(t *testing.T) {
	dir := newTestRepo(t)
	write(t, dir, "deploy/app.env", "A=1\nKEY="+acme+"\n")
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "-q", "-m", "add config")
	write(t, dir, "README", "hello\n")
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "-q", "-m", "readme")

	base := filepath.Join(t.TempDir(), "baseline.json")
	if _, errs, code := cli(t, dir, "", "baseline", "create", "git", ".", "-o", base); code != 0 {
		t.Fatalf("baseline create: %d %s", code, errs)
	}
	first, _ := os.ReadFile(base)
	cli(t, dir, "", "baseline", "create", "git", ".", "-o", base)
	second, _ := os.ReadFile(base)
	if !bytes.Equal(first, second) || bytes.Contains(first, []byte(acme)) {
		t.Fatalf("baseline not byte-identical across runs, or holds the secret:\n%s", first)
	}
	clean := func(step string) {
		t.Helper()
		out, errs, code := cli(t, dir, "", "git", "-f", "json", "--baseline", base)
		if code != 0 || len(decode(t, out)) != 0 {
			t.Fatalf("%s: the baselined secret is reported again: exit %d\n%s\n%s", step, code, out, errs)
		}
	}
	clean("as created")

	// Amend: new commit SHA, same secret.
	write(t, dir, "README", "hello, amended\n")
	gitT(t, dir, "commit", "-q", "-a", "--amend", "-m", "readme (amended)")
	clean("amend")

	// Rebase onto new work that moves the secret's line down.
	gitT(t, dir, "checkout", "-q", "-b", "feature")
	write(t, dir, "notes.txt", "feature work\n")
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "-q", "-m", "feature")
	gitT(t, dir, "checkout", "-q", "main")
	write(t, dir, "deploy/app.env", "# header\n# more header\nA=1\nKEY="+acme+"\n")
	gitT(t, dir, "commit", "-q", "-am", "shift lines")
	gitT(t, dir, "checkout", "-q", "feature")
	gitT(t, dir, "rebase", "-q", "main")
	clean("rebase with a line shift")

	// Squash everything into one commit on an orphan branch, delete the rest.
	gitT(t, dir, "checkout", "-q", "--orphan", "squashed")
	gitT(t, dir, "commit", "-q", "-m", "squashed")
	gitT(t, dir, "branch", "-q", "-D", "main", "feature")
	gitT(t, dir, "reflog", "expire", "--expire=now", "--all")
	gitT(t, dir, "gc", "-q", "--prune=now")
	clean("squash")

	// A new secret next to the old one is reported, and only it.
	const other = "acme_Qw3Er5Ty7Ui9Op1As2Df4Gh6"
	write(t, dir, "deploy/app.env", "# header\n# more header\nA=1\nKEY="+acme+"\nKEY2="+other+"\n")
	gitT(t, dir, "commit", "-q", "-am", "second key")
	out, errs, code := cli(t, dir, "", "git", "-f", "json", "--baseline", base)
	fs := decode(t, out)
	if code != 1 || len(fs) != 1 || fs[0].Secret != other || fs[0].StartLine != 5 {
		t.Fatalf("new secret beside a baselined one: exit %d, %+v\n%s", code, fs, errs)
	}
	// A changed secret on the old line is a new finding too.
	changed := acme[:len(acme)-1] + "X"
	write(t, dir, "deploy/app.env", "# header\n# more header\nA=1\nKEY="+changed+"\n")
	gitT(t, dir, "commit", "-q", "-am", "rotate")
	out, _, _ = cli(t, dir, "", "git", "-f", "json", "--baseline", base, "--commits", "HEAD~1..HEAD")
	fs = decode(t, out)
	if len(fs) != 1 || fs[0].Secret != changed {
		t.Fatalf("changed secret on a baselined line: %+v", fs)
	}
	// The same fingerprint from a dir scan and a git scan.
	dout, _, _ := cli(t, dir, "", "dir", "-f", "json", "-c", ".leakhound.toml", "deploy")
	gout, _, _ := cli(t, dir, "", "git", "-f", "json", "--commits", "HEAD~1..HEAD")
	dfs, gfs := decode(t, dout), decode(t, gout)
	if len(dfs) != 1 || len(gfs) != 1 || dfs[0].Fingerprint != gfs[0].Fingerprint {
		t.Fatalf("dir and git fingerprints differ: %+v / %+v", dfs, gfs)
	}
}
