// Package hugeheap asks Linux to back the Go heap with transparent huge
// pages.
//
// Where the kernel gives huge pages only to memory that asks for them
// (/sys/kernel/mm/transparent_hugepage/enabled is "madvise", the default
// of many distributions), every 4 KiB page the heap touches for the first
// time is a page fault that zeroes it. In the VMs we benchmark on such a
// fault costs 12-15 us, and a directory scan of Go's src/cmd took 7,600 of
// them: about a quarter of its CPU time. With huge pages one fault serves
// 2 MiB.
//
// The Go runtime does not advise its heap (it did in Go 1.21.0 and stopped:
// long-running servers saw their memory grow), so Enable does it for the
// batch scans that gain from it. Small scans (stdin, a pre-commit hook) do
// not call it: a 2 MiB page costs more than the few small pages they use.
package hugeheap

// DisableEnv names the environment variable that turns Enable off when set
// to "0".
const DisableEnv = "LEAKHOUND_HUGEPAGES"
