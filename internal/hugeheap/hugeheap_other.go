//go:build !linux

package hugeheap

// Enable does nothing where there are no transparent huge pages to ask for.
func Enable(size int) (int, error) { return 0, nil }
