package gitscan

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// parseCommitHeader must read the tree, parents and committer time as
// parseCommit does, and fail where it fails.
func TestParseCommitHeaderMatchesParseCommit(t *testing.T) {
	const tree = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	const p1 = "parent 1111111111111111111111111111111111111111\n"
	const p2 = "parent ABCDEFabcdef0123456789abcdef0123456789ab\n"
	const author = "author A U Thor <a@example.com> 1700000000 +0100\n"
	for _, in := range []string{
		tree + author + "committer C O Mitter <c@example.com> 1700000100 -0230\n\nmsg\n",
		tree + p1 + p2 + author + "committer C <c@x> 1700000100 +0000\n\nmerge\nparent 2222222222222222222222222222222222222222\n",
		tree + p1 + "committer no email 1700000100 +0000\n\n",
		tree + p1 + "committer C <c@x>\n\n",
		tree + p1 + "committer C <c@x> notanumber +0000\n\n",
		tree + p1 + "committer C <c@x>\t 17  +0000\n",
		tree + p1 + "committer C <c@x> -5 +0000\ncommitter D <d@x> 42 +0000\n\n",
		tree + p1 + "committer C <c@x> 99999999999999999999 +0000\n\n",
		tree + p1 + "committer C > weird < 12 +0000\n\n",
		tree + "parent 11111\n" + author,
		tree + "parent 111111111111111111111111111111111111111g\n",
		"parent 1111111111111111111111111111111111111111\n" + author,
		"tree nothex\n",
		"",
		tree,
	} {
		want, werr := parseCommit([]byte(in))
		got, _, gerr := parseCommitHeader([]byte(in), nil)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%q: error %v, parseCommit %v", in, gerr, werr)
		}
		if werr != nil {
			continue
		}
		if got.tree != want.tree || got.committed != want.committed.Unix() || len(got.parents) != len(want.parents) {
			t.Fatalf("%q: got %v %d %v, want %v %d %v", in, got.tree, got.committed, got.parents, want.tree, want.committed.Unix(), want.parents)
		}
		for i := range got.parents {
			if got.parents[i] != want.parents[i] {
				t.Fatalf("%q: parent %d = %v, want %v", in, i, got.parents[i], want.parents[i])
			}
		}
	}
}

// Parents parsed into one slab stay each commit's own.
func TestParseCommitHeaderSlab(t *testing.T) {
	const tree = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	a, slab, err := parseCommitHeader([]byte(tree+"parent 1111111111111111111111111111111111111111\nparent 2222222222222222222222222222222222222222\n"), make([]plumbing.Hash, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	b, slab, err := parseCommitHeader([]byte(tree+"parent 3333333333333333333333333333333333333333\nparent 4444444444444444444444444444444444444444\n"), slab)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = parseCommitHeader([]byte(tree+"parent 5555555555555555555555555555555555555555\nparent bad\n"), slab)
	if err == nil {
		t.Fatal("bad parent accepted")
	}
	if len(a.parents) != 2 || a.parents[1].String()[0] != '2' || len(b.parents) != 2 || b.parents[0].String()[0] != '3' || b.parents[1].String()[0] != '4' {
		t.Fatalf("parents %v %v", a.parents, b.parents)
	}
}
