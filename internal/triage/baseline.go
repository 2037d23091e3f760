package triage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/leakhound/leakhound/detect"
)

// BaselineVersion is the format version written to baseline files.
const BaselineVersion = 1

// Baseline is the set of accepted findings. The file holds no secret and
// no timestamp: re-creating it from an unchanged tree gives the same bytes.
type Baseline struct {
	Version int              `json:"version"`
	Tool    string           `json:"tool"`
	Entries []*BaselineEntry `json:"entries"`

	index map[string]*BaselineEntry
	used  map[*BaselineEntry]bool
}

// BaselineEntry is one accepted finding.
type BaselineEntry struct {
	// Fingerprint is the finding's content fingerprint (rule id + secret).
	Fingerprint string `json:"fingerprint"`
	// Rule is the rule id, for people reading the file.
	Rule string `json:"rule"`
	// Path scopes the entry; an empty path accepts the secret anywhere.
	Path string `json:"path"`
	// FirstCommit is where the secret first appeared, when known.
	FirstCommit string `json:"firstCommit,omitempty"`
	// Severity is the rule's severity when the entry was made.
	Severity string `json:"severity"`
	// Reason says why the finding is accepted; kept across updates.
	Reason string `json:"reason"`
}

func key(fp, path string) string { return fp + "\x00" + path }

// NewBaseline returns an empty baseline.
func NewBaseline() *Baseline {
	b := &Baseline{Version: BaselineVersion, Tool: "leakhound"}
	b.reindex()
	return b
}

func (b *Baseline) reindex() {
	b.index = make(map[string]*BaselineEntry, len(b.Entries))
	b.used = map[*BaselineEntry]bool{}
	for _, e := range b.Entries {
		b.index[key(e.Fingerprint, e.Path)] = e
	}
}

// LoadBaseline reads and validates a baseline file. Errors name the file
// and, where possible, the line.
func LoadBaseline(name string) (*Baseline, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Baseline
	if err := dec.Decode(&b); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("baseline %s:%d: invalid JSON: %v", name, lineAt(data, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("baseline %s:%d: %v", name, lineAt(data, te.Offset), err)
		}
		return nil, fmt.Errorf("baseline %s: %v", name, err)
	}
	if b.Version != BaselineVersion {
		return nil, fmt.Errorf("baseline %s: version %d is not supported (want %d)", name, b.Version, BaselineVersion)
	}
	seen := map[string]bool{}
	for i, e := range b.Entries {
		where := fmt.Sprintf("baseline %s:%d: entry %d", name, entryLine(data, i), i+1)
		if e == nil || !fpRE.MatchString(e.Fingerprint) {
			return nil, fmt.Errorf("%s: fingerprint must be 32 lower-case hex digits", where)
		}
		if e.Rule == "" {
			return nil, fmt.Errorf("%s: rule is empty", where)
		}
		k := key(e.Fingerprint, e.Path)
		if seen[k] {
			return nil, fmt.Errorf("%s: duplicate entry for fingerprint %s and path %q", where, e.Fingerprint, e.Path)
		}
		seen[k] = true
	}
	b.reindex()
	return &b, nil
}

func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// entryLine finds the line of the i-th entry object (best effort).
func entryLine(data []byte, i int) int {
	idx := bytes.Index(data, []byte(`"entries"`))
	if idx < 0 {
		return 0
	}
	n := -1
	for off := idx; off < len(data); off++ {
		if data[off] == '{' {
			n++
			if n == i {
				return lineAt(data, int64(off))
			}
		}
	}
	return 0
}

// Match reports whether the baseline accepts f: an entry with its
// fingerprint and path, or a path-less entry with its fingerprint.
func (b *Baseline) Match(f *detect.Finding) bool {
	if b == nil {
		return false
	}
	for _, k := range []string{key(f.Fingerprint, f.Path), key(f.Fingerprint, "")} {
		if e, ok := b.index[k]; ok {
			b.used[e] = true
			return true
		}
	}
	return false
}

// Stale lists entries no finding matched since the baseline was loaded.
func (b *Baseline) Stale() []*BaselineEntry {
	var out []*BaselineEntry
	for _, e := range b.Entries {
		if !b.used[e] {
			out = append(out, e)
		}
	}
	return out
}

// Add records findings that are not in the baseline yet, and reports how
// many were added. Existing entries and their reasons are kept.
func (b *Baseline) Add(fs []detect.Finding) int {
	n := 0
	for i := range fs {
		f := &fs[i]
		if b.Match(f) {
			continue
		}
		e := &BaselineEntry{Fingerprint: f.Fingerprint, Rule: f.RuleID, Path: f.Path, Severity: f.Severity}
		if f.Git != nil {
			e.FirstCommit = f.Git.Commit
		}
		b.Entries = append(b.Entries, e)
		k := key(e.Fingerprint, e.Path)
		b.index[k] = e
		b.used[e] = true
		n++
	}
	return n
}

// Prune drops entries that no finding matched, and reports how many.
func (b *Baseline) Prune() int {
	kept := b.Entries[:0]
	n := 0
	for _, e := range b.Entries {
		if b.used[e] {
			kept = append(kept, e)
		} else {
			n++
		}
	}
	b.Entries = kept
	b.reindex()
	return n
}

// Write saves the baseline sorted by fingerprint and path, so that the
// same findings always give the same bytes.
func (b *Baseline) Write(name string) error {
	sort.Slice(b.Entries, func(i, j int) bool {
		if b.Entries[i].Fingerprint != b.Entries[j].Fingerprint {
			return b.Entries[i].Fingerprint < b.Entries[j].Fingerprint
		}
		return b.Entries[i].Path < b.Entries[j].Path
	})
	if b.Entries == nil {
		b.Entries = []*BaselineEntry{}
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	return nil
}
