//go:build !unix

package dirscan

import (
	"os"
	"path/filepath"
)

// idOf identifies a directory by its path with symlinks resolved, where
// there are no inode numbers.
func idOf(path string, _ os.FileInfo) (fileID, bool) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fileID{}, false
	}
	abs, err := filepath.Abs(real)
	if err != nil {
		return fileID{}, false
	}
	return fileID{path: abs}, true
}
