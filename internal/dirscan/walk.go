// Package dirscan walks directory trees and feeds their files to a
// scan.Scanner with a bounded pool of workers. The tree is streamed, never
// held in memory.
package dirscan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

// Options tune a walk.
type Options struct {
	// Workers is the number of files scanned at once (default NumCPU).
	Workers int
	// Gitignore skips paths ignored by .gitignore files in the tree.
	Gitignore bool
	// FollowSymlinks follows symbolic links (loop-safe). Off by default:
	// links are counted as skipped.
	FollowSymlinks bool
	// IncludeGitDir scans .git directories too (skipped by default).
	IncludeGitDir bool
}

// job is one file to scan.
type job struct {
	path    string // filesystem path
	name    string // reported path
	size    int64  // -1: not known yet
	regular bool   // a regular file (not a pipe or device given as a root)
}

// Walk scans every file under roots. A root may be a file. Problems with
// single files or directories are recorded in sc.Stats and the walk goes
// on; Walk returns an error only for a root that cannot be read at all, or
// when ctx ends.
func Walk(ctx context.Context, roots []string, opts Options, sc *scan.Scanner) error {
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	for _, r := range roots {
		if _, err := os.Stat(r); err != nil {
			return fmt.Errorf("scan path %s: %w", r, unwrapPathErr(err))
		}
	}
	jobs := make(chan job, 4*opts.Workers)
	var wg sync.WaitGroup
	for i := 0; i < opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf scan.FileBuffer
			for j := range jobs {
				scanFile(ctx, j, sc, &buf)
			}
		}()
	}
	w := &walker{opts: opts, sc: sc, jobs: jobs, visited: map[fileID]bool{}}
	var err error
	for _, r := range roots {
		if err = w.root(ctx, r); err != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func scanFile(ctx context.Context, j job, sc *scan.Scanner, buf *scan.FileBuffer) {
	if ctx.Err() != nil {
		return
	}
	loc := detect.Location{Source: detect.SourceFile, Path: j.name}
	if sc.Opts.MaxFileSize > 0 && j.size > sc.Opts.MaxFileSize {
		sc.Stats.SkipItem(scan.SkipTooLarge, j.name)
		return
	}
	if j.regular {
		if err := sc.ScanFile(ctx, loc, j.path, buf); err != nil && ctx.Err() == nil {
			sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", j.name, unwrapPathErr(errors.Unwrap(err))))
		}
		return
	}
	f, err := os.Open(j.path)
	if err != nil {
		sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", j.name, unwrapPathErr(err)))
		return
	}
	defer f.Close()
	if err := sc.ScanItem(ctx, loc, f, j.size); err != nil && ctx.Err() == nil {
		sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", j.name, unwrapPathErr(errors.Unwrap(err))))
	}
}

// fileID identifies a directory: device and inode where the platform has
// them (see idOf), else its path with symlinks resolved.
type fileID struct {
	dev, ino uint64
	path     string
}

type walker struct {
	opts    Options
	sc      *scan.Scanner
	jobs    chan<- job
	visited map[fileID]bool // directories on the current path (symlink loops)
}

func (w *walker) root(ctx context.Context, root string) error {
	st, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("scan path %s: %w", root, unwrapPathErr(err))
	}
	if !st.IsDir() {
		return w.send(ctx, job{path: root, name: filepath.ToSlash(filepath.Clean(root)), size: st.Size(), regular: st.Mode().IsRegular()})
	}
	var ign []gitignore.Pattern
	if w.opts.Gitignore {
		ign = readIgnore(root, nil, nil)
	}
	prefix := filepath.Clean(root)
	if prefix == "." {
		prefix = ""
	}
	return w.dir(ctx, root, prefix, nil, ign, st)
}

// dir walks one directory. rel holds the path parts below the root, for
// gitignore matching; name is the reported path prefix.
func (w *walker) dir(ctx context.Context, path, name string, rel []string, ign []gitignore.Pattern, st os.FileInfo) error {
	if id, ok := idOf(path, st); ok {
		if w.visited[id] {
			w.sc.Stats.SkipItem(scan.SkipSymlink, name)
			return nil
		}
		w.visited[id] = true
		defer delete(w.visited, id)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		w.sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", displayName(name), unwrapPathErr(err)))
		if len(entries) == 0 {
			return nil
		}
	}
	var m gitignore.Matcher
	if w.opts.Gitignore {
		if len(rel) > 0 {
			ign = readIgnore(path, rel, ign)
		}
		m = gitignore.NewMatcher(ign)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		ename := e.Name()
		p := filepath.Join(path, ename)
		n := ename
		if name != "" {
			n = name + "/" + ename
		}
		crel := append(rel[:len(rel):len(rel)], ename)
		typ := e.Type()
		if typ&fs.ModeSymlink != 0 {
			if !w.opts.FollowSymlinks {
				w.sc.Stats.SkipItem(scan.SkipSymlink, n)
				continue
			}
			tst, err := os.Stat(p)
			if err != nil {
				w.sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("%s: broken symlink: %w", n, unwrapPathErr(err)))
				continue
			}
			typ = tst.Mode().Type()
		}
		isDir := typ.IsDir()
		if m != nil && m.Match(crel, isDir) {
			continue
		}
		if isDir {
			if ename == ".git" && !w.opts.IncludeGitDir {
				continue
			}
			dst, err := os.Stat(p)
			if err != nil {
				w.sc.Stats.Error(scan.SkipUnreadable, fmt.Errorf("%s: %w", n, unwrapPathErr(err)))
				continue
			}
			if err := w.dir(ctx, p, n, crel, ign, dst); err != nil {
				return err
			}
			continue
		}
		if !typ.IsRegular() {
			w.sc.Stats.SkipItem("not a regular file", n)
			continue
		}
		// The worker learns the size when it reads the file: a stat here
		// would be one more system call per file.
		if err := w.send(ctx, job{path: p, name: n, size: -1, regular: true}); err != nil {
			return err
		}
	}
	return nil
}

func displayName(n string) string {
	if n == "" {
		return "."
	}
	return n
}

func (w *walker) send(ctx context.Context, j job) error {
	select {
	case w.jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readIgnore adds the patterns of dir/.gitignore (domain rel) to ps.
func readIgnore(dir string, rel []string, ps []gitignore.Pattern) []gitignore.Pattern {
	data, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		return ps
	}
	out := append([]gitignore.Pattern(nil), ps...)
	domain := append([]string(nil), rel...)
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, gitignore.ParsePattern(line, domain))
	}
	return out
}
