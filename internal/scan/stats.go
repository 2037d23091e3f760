// Package scan holds what every source shares: scanning one item of content
// (size limits, binary detection, archive expansion, chunked reading) and
// counting what was scanned and what was skipped, and why.
package scan

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Skip reasons, used as keys of Stats.Skipped.
const (
	SkipTooLarge       = "too large"
	SkipBinary         = "binary"
	SkipUnreadable     = "unreadable"
	SkipArchiveLimit   = "archive limit"
	SkipArchiveCorrupt = "corrupt archive"
	SkipArchiveDepth   = "archive depth"
	SkipSymlink        = "symlink"
	SkipAllowlisted    = "allowlisted path"
	SkipDecodeLimit    = "decode limit"
)

// maxErrors bounds how many error messages Stats keeps (the counts are exact).
const maxErrors = 200

// Stats counts a scan's work. It is safe for concurrent use.
type Stats struct {
	// Items and Bytes count scanned items (files, blobs, archive members)
	// and their bytes.
	Items atomic.Int64
	Bytes atomic.Int64

	// OnSkip, when set, is told of every item skipped with SkipItem (the
	// CLI lists them with -v). It must be safe for concurrent use.
	OnSkip func(reason, path string)

	mu      sync.Mutex
	skipped map[string]int64
	errors  []string
	nerrors int64
}

// AddScanned records one scanned item of n bytes.
func (s *Stats) AddScanned(n int64) {
	s.Items.Add(1)
	s.Bytes.Add(n)
}

// Skip records an item skipped for reason.
func (s *Stats) Skip(reason string) {
	s.mu.Lock()
	if s.skipped == nil {
		s.skipped = map[string]int64{}
	}
	s.skipped[reason]++
	s.mu.Unlock()
}

// SkipItem records that the item at path was skipped for reason.
func (s *Stats) SkipItem(reason, path string) {
	s.Skip(reason)
	if s.OnSkip != nil {
		s.OnSkip(reason, path)
	}
}

// Error records an item that could not be scanned, with a one-line message
// naming it, and counts it as skipped for reason.
func (s *Stats) Error(reason string, err error) {
	s.Skip(reason)
	s.mu.Lock()
	s.nerrors++
	if len(s.errors) < maxErrors {
		s.errors = append(s.errors, oneLine(err.Error()))
	}
	s.mu.Unlock()
}

// Skipped returns a copy of the skip counts by reason.
func (s *Stats) Skipped() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.skipped))
	for k, v := range s.skipped {
		out[k] = v
	}
	return out
}

// Errors returns the recorded error messages (at most 200) and the total count.
func (s *Stats) Errors() ([]string, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errors...), s.nerrors
}

// SkippedSummary formats skip counts as "3 binary, 1 too large".
func (s *Stats) SkippedSummary() string {
	m := s.Skipped()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}
