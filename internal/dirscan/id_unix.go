//go:build unix

package dirscan

import (
	"os"
	"syscall"
)

// idOf returns the device and inode of a directory.
func idOf(_ string, st os.FileInfo) (fileID, bool) {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return fileID{dev: uint64(sys.Dev), ino: uint64(sys.Ino)}, true
	}
	return fileID{}, false
}
