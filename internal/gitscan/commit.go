package gitscan

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing"
)

// commitData is what the scan needs of a commit object.
type commitData struct {
	tree      plumbing.Hash
	parents   []plumbing.Hash
	author    string
	email     string
	authored  time.Time
	committed time.Time
	message   string // first line
}

// readCommit reads and parses commit h.
func (r *objReader) commit(h plumbing.Hash) (*commitData, error) {
	typ, data, err := r.get(h, 0)
	if err != nil {
		return nil, err
	}
	if typ != plumbing.CommitObject {
		return nil, fmt.Errorf("%w: %s is a %s, not a commit", errCorrupt, h, typ)
	}
	return parseCommit(data)
}

// commitHeader is what the graph walk needs of a commit: its tree, its
// parents and its committer time (Unix seconds).
type commitHeader struct {
	tree      plumbing.Hash
	parents   []plumbing.Hash
	committed int64
}

// commitHeader reads commit h for the graph walk. Parents are appended
// to slab (returned grown), so that a walk does not allocate a slice per
// commit; c.parents is a full slice expression of it.
func (r *objReader) commitHeader(h plumbing.Hash, slab []plumbing.Hash) (commitHeader, []plumbing.Hash, error) {
	r.reuseWhole = true
	typ, data, err := r.get(h, 0)
	r.reuseWhole = false
	if err != nil {
		return commitHeader{}, slab, err
	}
	if typ != plumbing.CommitObject {
		return commitHeader{}, slab, fmt.Errorf("%w: %s is a %s, not a commit", errCorrupt, h, typ)
	}
	return parseCommitHeader(data, slab)
}

// zeroUnix is the Unix time of the zero time.Time, which parseSignature
// returns for a signature without a readable time.
var zeroUnix = time.Time{}.Unix()

// parseCommitHeader parses the headers of a commit as parseCommit does,
// keeping only the tree, the parents and the committer time, without
// allocating (the parents go to slab, see commitHeader).
func parseCommitHeader(b []byte, slab []plumbing.Hash) (commitHeader, []plumbing.Hash, error) {
	var c commitHeader
	c.committed = zeroUnix
	sawTree := false
	start := len(slab)
	for {
		key, val, rest, done := nextHeader(b)
		if done {
			break
		}
		b = rest
		switch string(key) {
		case "tree":
			h, ok := parseHash(val)
			if !ok {
				return c, slab[:start], fmt.Errorf("%w: bad tree line in commit", errCorrupt)
			}
			c.tree, sawTree = h, true
		case "parent":
			h, ok := parseHash(val)
			if !ok {
				return c, slab[:start], fmt.Errorf("%w: bad parent line in commit", errCorrupt)
			}
			slab = append(slab, h)
		case "committer":
			c.committed = signatureUnix(val)
		}
	}
	if !sawTree {
		return c, slab[:start], fmt.Errorf("%w: commit without a tree", errCorrupt)
	}
	c.parents = slab[start:len(slab):len(slab)]
	return c, slab, nil
}

// nextHeader splits the first header line off a commit object: its key,
// its value and what follows. done is set at the blank line that ends the
// headers (rest is then the message) or at the end of the object.
func nextHeader(b []byte) (key, val, rest []byte, done bool) {
	if len(b) == 0 {
		return nil, nil, nil, true
	}
	line, rest, _ := bytes.Cut(b, []byte{'\n'})
	if len(line) == 0 {
		return nil, nil, rest, true
	}
	key, val, _ = bytes.Cut(line, []byte{' '})
	return key, val, rest, false
}

// parseHash parses a hash in hex without allocating.
func parseHash(b []byte) (plumbing.Hash, bool) {
	var h plumbing.Hash
	if len(b) != 40 {
		return h, false
	}
	if _, err := hex.Decode(h[:], b); err != nil {
		return plumbing.ZeroHash, false
	}
	return h, true
}

// signatureUnix returns the time of a signature "Name <email> 1700000000
// +0100" in Unix seconds, as parseSignature reads it.
func signatureUnix(s []byte) int64 {
	lt := bytes.LastIndexByte(s, '<')
	gt := bytes.LastIndexByte(s, '>')
	if lt < 0 || gt < lt {
		return zeroUnix
	}
	rest := bytes.TrimLeftFunc(s[gt+1:], unicode.IsSpace)
	end := bytes.IndexFunc(rest, unicode.IsSpace)
	if end >= 0 {
		rest = rest[:end]
	}
	if len(rest) == 0 {
		return zeroUnix
	}
	sec, err := strconv.ParseInt(string(rest), 10, 64)
	if err != nil {
		return zeroUnix
	}
	return sec
}

// parseCommit parses a commit object's headers and message.
func parseCommit(b []byte) (*commitData, error) {
	c := &commitData{}
	sawTree := false
	for {
		key, val, rest, done := nextHeader(b)
		if done {
			// The message follows the blank line.
			msg := strings.TrimLeft(string(rest), "\n")
			first, _, _ := strings.Cut(msg, "\n")
			c.message = strings.TrimSpace(first)
			break
		}
		b = rest
		switch string(key) {
		case "tree":
			h, ok := parseHash(val)
			if !ok {
				return nil, fmt.Errorf("%w: bad tree line in commit", errCorrupt)
			}
			c.tree, sawTree = h, true
		case "parent":
			h, ok := parseHash(val)
			if !ok {
				return nil, fmt.Errorf("%w: bad parent line in commit", errCorrupt)
			}
			c.parents = append(c.parents, h)
		case "author":
			c.author, c.email, c.authored = parseSignature(string(val))
		case "committer":
			_, _, c.committed = parseSignature(string(val))
		}
	}
	if !sawTree {
		return nil, fmt.Errorf("%w: commit without a tree", errCorrupt)
	}
	return c, nil
}

// parseSignature parses "Name <email> 1700000000 +0100".
func parseSignature(s string) (name, email string, when time.Time) {
	lt := strings.LastIndexByte(s, '<')
	gt := strings.LastIndexByte(s, '>')
	if lt < 0 || gt < lt {
		return strings.TrimSpace(s), "", time.Time{}
	}
	name = strings.TrimSpace(s[:lt])
	email = s[lt+1 : gt]
	fields := strings.Fields(s[gt+1:])
	if len(fields) >= 1 {
		if sec, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
			loc := time.UTC
			if len(fields) >= 2 && len(fields[1]) == 5 {
				if tz, err := strconv.Atoi(fields[1][1:]); err == nil {
					off := (tz/100*60 + tz%100) * 60
					if fields[1][0] == '-' {
						off = -off
					}
					loc = time.FixedZone("", off)
				}
			}
			when = time.Unix(sec, 0).In(loc)
		}
	}
	return name, email, when
}

// peel follows annotated tags to the object they name and returns it if
// it is a commit (ok false for tags of trees or blobs).
func (r *objReader) peel(h plumbing.Hash) (plumbing.Hash, bool, error) {
	for i := 0; i < 10; i++ {
		typ, data, err := r.get(h, 0)
		if err != nil {
			return h, false, err
		}
		switch typ {
		case plumbing.CommitObject:
			return h, true, nil
		case plumbing.TagObject:
			line, _, _ := bytes.Cut(data, []byte{'\n'})
			t, ok := parseHash(bytes.TrimPrefix(line, []byte("object ")))
			if !ok || !bytes.HasPrefix(line, []byte("object ")) {
				return h, false, fmt.Errorf("%w: bad tag %s", errCorrupt, h)
			}
			h = t
		default:
			return h, false, nil
		}
	}
	return h, false, fmt.Errorf("tag chain too long at %s", h)
}
