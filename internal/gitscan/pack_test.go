package gitscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestPackReaderMatchesGoGit decodes every object of repacked
// repositories (OFS and REF deltas, deep chains) with the pack reader and
// compares it with go-git's decoding.
func TestPackReaderMatchesGoGit(t *testing.T) {
	for _, ofs := range []bool{true, false} {
		t.Run(fmt.Sprintf("ofs-delta=%v", ofs), func(t *testing.T) {
			r := newTestRepo(t)
			var lines []string
			for i := 0; i < 40; i++ {
				lines = append(lines, fmt.Sprintf("line %d of a file that changes a little each commit", i))
			}
			for v := 0; v < 12; v++ {
				lines[(v*7)%len(lines)] = fmt.Sprintf("edited in version %d", v)
				r.commit(fmt.Sprintf("v%d", v), map[string]string{
					"src/a.txt": strings.Join(lines, "\n"),
					"src/b.txt": strings.Join(lines[v%5:], "\n") + "\n",
				})
			}
			r.git("-c", fmt.Sprintf("repack.useDeltaBaseOffset=%v", ofs), "repack", "-adfq", "--depth=20")
			rp, err := openRepo(r.dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer rp.close()
			ps, err := openPacks(rp, 1<<20, func(err error) { t.Error(err) }, false)
			if err != nil {
				t.Fatal(err)
			}
			defer ps.close()
			if len(ps.packs) != 1 {
				t.Fatalf("%d packs, want 1", len(ps.packs))
			}
			or := newObjReader(ps, rp.main)
			iter, err := rp.main.IterEncodedObjects(plumbing.AnyObject)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = iter.ForEach(func(o plumbing.EncodedObject) error {
				rc, err := o.Reader()
				if err != nil {
					return err
				}
				want, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return err
				}
				typ, got, err := or.get(o.Hash(), 0)
				if err != nil {
					return fmt.Errorf("%s: %w", o.Hash(), err)
				}
				if typ != o.Type() || !bytes.Equal(got, want) {
					return fmt.Errorf("%s: got %s %q, want %s %q", o.Hash(), typ, got, o.Type(), want)
				}
				if len(want) > 10 {
					_, _, err := or.get(o.Hash(), int64(len(want)-1))
					var tl errTooLarge
					if !errors.As(err, &tl) || tl.size != int64(len(want)) {
						return fmt.Errorf("%s: size limit: err = %v, want too large (%d)", o.Hash(), err, len(want))
					}
				}
				n++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n < 40 {
				t.Errorf("only %d objects compared", n)
			}

			// The delta-tree decoder yields the same content for every
			// object, each exactly once.
			p := ps.packs[0]
			hs, err := p.headers()
			if err != nil {
				t.Fatal(err)
			}
			wanted := make([]int32, len(p.offsets))
			next := make([]int32, len(p.offsets))
			hashOf := map[int64]plumbing.Hash{}
			iter, _ = rp.main.IterEncodedObjects(plumbing.AnyObject)
			iter.ForEach(func(o plumbing.EncodedObject) error {
				off, _ := p.find(o.Hash())
				hashOf[off] = o.Hash()
				return nil
			})
			for i := range wanted {
				wanted[i], next[i] = int32(i), -1
			}
			plan := planForest(0, hs, wanted, next)
			seen := 0
			for _, root := range plan.roots {
				or.decodeTree(context.Background(), plan, root, 0, func(_ *forestPlan, _, first int32, typ plumbing.ObjectType, data []byte, err error) {
					seen++
					h := hashOf[p.offsets[first]]
					if err != nil {
						t.Errorf("%s: %v", h, err)
						return
					}
					if got := plumbing.ComputeHash(typ, data); got != h {
						t.Errorf("object at %d: content hashes to %s, want %s", p.offsets[first], got, h)
					}
				})
			}
			if seen != len(p.offsets) {
				t.Errorf("delta trees visited %d objects, want %d", seen, len(p.offsets))
			}
		})
	}
}
