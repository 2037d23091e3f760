package gitscan

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// parseCommit parses a commit object's headers and message.
func parseCommit(b []byte) (*commitData, error) {
	c := &commitData{}
	sawTree := false
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		var line []byte
		if nl < 0 {
			line, b = b, nil
		} else {
			line, b = b[:nl], b[nl+1:]
		}
		if len(line) == 0 {
			// The message follows the blank line.
			msg := strings.TrimLeft(string(b), "\n")
			first, _, _ := strings.Cut(msg, "\n")
			c.message = strings.TrimSpace(first)
			break
		}
		key, val, _ := bytes.Cut(line, []byte{' '})
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

func parseHash(b []byte) (plumbing.Hash, bool) {
	if len(b) != 40 {
		return plumbing.ZeroHash, false
	}
	if !plumbing.IsHash(string(b)) {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(string(b)), true
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
