//go:build !unix

package scan

import "os"

// rawFile is an os.File where plain system calls are not available.
type rawFile struct{ f *os.File }

func openRaw(path string) (rawFile, error) {
	f, err := os.Open(path)
	return rawFile{f}, err
}

func (f rawFile) Read(p []byte) (int, error) { return f.f.Read(p) }

func (f rawFile) Size() (int64, error) {
	st, err := f.f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (f rawFile) Close() error { return f.f.Close() }
