//go:build unix

package gitscan

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/go-git/go-billy/v5"
)

// mapFile maps the file at name (in fs) read-only, or returns nil when it
// cannot (a filesystem that is not the OS's, an empty or huge file, mmap
// refused): the caller then reads with ReadAt.
func mapFile(fs billy.Filesystem, name string, size int64) []byte {
	if size <= 0 || size > 1<<40 || int64(int(size)) != size {
		return nil
	}
	f, err := os.Open(filepath.Join(fs.Root(), filepath.FromSlash(name)))
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() != size {
		return nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	return b
}

func unmapFile(b []byte) {
	if b != nil {
		_ = syscall.Munmap(b)
	}
}
