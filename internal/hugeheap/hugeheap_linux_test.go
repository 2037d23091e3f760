package hugeheap

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestEnable checks that the heap mapping holding a fresh allocation is
// marked for huge pages ("hg" in its VmFlags) after Enable.
func TestEnable(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !bytes.Contains(mode, []byte("[madvise]")) {
		t.Skipf("transparent huge pages are not in madvise mode here (%q, %v): Enable does nothing", strings.TrimSpace(string(mode)), err)
	}
	t.Setenv(DisableEnv, "0")
	if n, err := Enable(32 << 20); n != 0 || err != nil {
		t.Fatalf("with %s=0: %d bytes advised, %v", DisableEnv, n, err)
	}
	t.Setenv(DisableEnv, "")
	n, err := Enable(32 << 20)
	if err != nil || n < 32<<20 {
		t.Fatalf("Enable: %d bytes advised, %v", n, err)
	}
	b := make([]byte, 1<<20)
	flags := vmFlags(t, uintptr(unsafe.Pointer(&b[0])))
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("heap mapping flags %q: no hg", flags)
	}
}

// vmFlags returns the VmFlags line of the mapping holding addr.
func vmFlags(t *testing.T, addr uintptr) string {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	in := false
	for line := range bytes.Lines(smaps) {
		var lo, hi uintptr
		if _, err := fmt.Sscanf(string(line), "%x-%x", &lo, &hi); err == nil {
			in = lo <= addr && addr < hi
			continue
		}
		if in && bytes.HasPrefix(line, []byte("VmFlags:")) {
			return strings.TrimSpace(strings.TrimPrefix(string(line), "VmFlags:"))
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return ""
}
