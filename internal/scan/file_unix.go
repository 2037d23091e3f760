//go:build unix

package scan

import (
	"io"
	"io/fs"
	"syscall"
)

// rawFile is a file read with plain system calls, outside Go's poller.
type rawFile struct{ fd int }

func openRaw(path string) (rawFile, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return rawFile{}, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return rawFile{fd}, nil
	}
}

// Read reads like os.File.Read: io.EOF at the end.
func (f rawFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := syscall.Read(f.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Size returns the file's size.
func (f rawFile) Size() (int64, error) {
	var st syscall.Stat_t
	for {
		err := syscall.Fstat(f.fd, &st)
		if err == syscall.EINTR {
			continue
		}
		return st.Size, err
	}
}

func (f rawFile) Close() error { return syscall.Close(f.fd) }
