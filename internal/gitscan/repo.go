// Package gitscan scans git repositories for secrets with go-git, in
// process: every commit's history (each unique blob once, attributed to the
// commit and path that first introduced it), a range of commits, or what is
// staged for the next commit. No git binary is needed.
package gitscan

import (
	"errors"
	"fmt"
	"os"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Storage tuning. Packed objects are read by the pack reader (pack.go),
// whose shared cache of delta bases is defaultCacheBytes. go-git storages
// (one per goroutine: they are not safe for concurrent use) read the rest:
// loose objects, alternates, refs and the index. Their object caches get
// the same small bound instead of go-git's 96 MiB, and objects above the
// large-object threshold are streamed instead of held.
const (
	defaultCacheBytes    = 8 << 20
	largeObjectThreshold = 8 << 20
)

// repo is an opened repository: the resolved git directory filesystem and
// the working tree (nil for bare repositories).
type repo struct {
	path string // as given by the user, for messages
	dot  billy.Filesystem
	wt   billy.Filesystem
	main *filesystem.Storage
	r    *git.Repository

	cacheBytes int64
	storages   []*filesystem.Storage
}

// openRepo opens the repository at path: a working tree (or a directory
// inside one), a .git directory, a bare repository, or a linked worktree
// whose .git is a file. Alternates are followed by go-git.
func openRepo(path string, cacheBytes int64) (*repo, error) {
	if _, err := os.Stat(path); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("git repository %s: %w", path, err)
	}
	// A bare repository or .git directory first, then a working tree
	// (searching parent directories for .git).
	r, err := git.PlainOpenWithOptions(path, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		r, err = git.PlainOpenWithOptions(path, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	}
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("git repository %s: not a git repository (or any parent)", path)
		}
		return nil, fmt.Errorf("git repository %s: %w", path, err)
	}
	fsStorage, ok := r.Storer.(*filesystem.Storage)
	if !ok {
		return nil, fmt.Errorf("git repository %s: unexpected storage %T", path, r.Storer)
	}
	if cacheBytes <= 0 {
		cacheBytes = defaultCacheBytes
	}
	rp := &repo{path: path, dot: fsStorage.Filesystem(), cacheBytes: cacheBytes}
	if wt, err := r.Worktree(); err == nil {
		rp.wt = wt.Filesystem
	}
	rp.main = rp.newStorage()
	rp.r, err = git.Open(rp.main, rp.wt)
	if err != nil {
		rp.close()
		return nil, fmt.Errorf("git repository %s: %w", path, err)
	}
	return rp, nil
}

// newStorage returns a fresh object storage over the repository, with its
// own cache and pack descriptors. go-git storages are not safe for
// concurrent use, so every goroutine that reads objects gets its own.
func (rp *repo) newStorage() *filesystem.Storage {
	s := filesystem.NewStorageWithOptions(rp.dot, cache.NewObjectLRU(cache.FileSize(rp.cacheBytes)), filesystem.Options{
		ExclusiveAccess:      true,
		KeepDescriptors:      true,
		LargeObjectThreshold: largeObjectThreshold,
		// Absolute paths in objects/info/alternates (git clone
		// --shared) resolve from the filesystem root.
		AlternatesFS: osfs.New("/"),
	})
	rp.storages = append(rp.storages, s)
	return s
}

// close releases every storage's pack descriptors.
func (rp *repo) close() {
	for _, s := range rp.storages {
		_ = s.Close()
	}
	rp.storages = nil
}
