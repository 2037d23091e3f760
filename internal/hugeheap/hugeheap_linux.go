package hugeheap

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Enable makes the runtime map size bytes of heap (a slice it then frees
// with a collection, so that later allocations reuse its pages) and
// advises huge pages for the whole heap mapping that holds them. Call it
// early, while the heap is small: the collection is then cheap, and what
// the scan allocates later lands in the advised mapping. It returns the
// bytes advised: 0 when the kernel needs no advice (huge pages "always")
// or takes none ("never"), or when DisableEnv is "0".
func Enable(size int) (int, error) {
	if os.Getenv(DisableEnv) == "0" {
		return 0, nil
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !bytes.Contains(mode, []byte("[madvise]")) {
		return 0, nil
	}
	lo, hi, err := mapBallast(size)
	// Free the ballast now: a collection that started while it was live
	// would keep it until the next one, and the heap would grow past the
	// advised mapping in the meantime.
	runtime.GC()
	if err != nil {
		return 0, err
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, unix.MADV_HUGEPAGE); errno != 0 {
		return 0, fmt.Errorf("hugeheap: madvise %#x-%#x: %w", lo, hi, errno)
	}
	return int(hi - lo), nil
}

// mapBallast allocates size bytes (fresh from the OS: mapped, not
// touched) and returns the bounds of the mapping that holds them.
func mapBallast(size int) (lo, hi uintptr, err error) {
	ballast := make([]byte, size)
	lo, hi, err = mappingOf(uintptr(unsafe.Pointer(unsafe.SliceData(ballast))))
	runtime.KeepAlive(ballast)
	return lo, hi, err
}

// mappingOf returns the bounds of the mapping that holds addr, from
// /proc/self/maps.
func mappingOf(addr uintptr) (lo, hi uintptr, err error) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, 0, fmt.Errorf("hugeheap: %w", err)
	}
	for line := range bytes.Lines(maps) {
		if _, err := fmt.Sscanf(string(line), "%x-%x", &lo, &hi); err == nil && lo <= addr && addr < hi {
			return lo, hi, nil
		}
	}
	return 0, 0, fmt.Errorf("hugeheap: no mapping holds %#x in /proc/self/maps", addr)
}
