// Package triage decides which findings a team has already accepted: the
// ignore file (.leakhoundignore, and .gitleaksignore for teams moving over)
// and the baseline file. Lookups are O(1) per finding.
package triage

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/leakhound/leakhound/detect"
)

// IgnoreEntry is one line of an ignore file.
type IgnoreEntry struct {
	// File and Line locate the entry.
	File string
	Line int
	// Fingerprint is a content or location fingerprint (leakhound form).
	Fingerprint string
	// Glob, when set, limits a fingerprint entry to matching paths.
	Glob string
	// Reason is the text after '#'.
	Reason string
	// gitleaks form: commit:file:rule:line or file:rule:line.
	Commit, Path, Rule string
	StartLine          int

	glob *regexp.Regexp
	used bool
}

// String renders the entry for messages.
func (e *IgnoreEntry) String() string {
	what := e.Fingerprint
	if e.Glob != "" {
		what += " " + e.Glob
	}
	if e.Fingerprint == "" {
		what = fmt.Sprintf("%s:%s:%d", e.Path, e.Rule, e.StartLine)
		if e.Commit != "" {
			what = e.Commit + ":" + what
		}
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, what)
}

// Ignores is a loaded set of ignore entries.
type Ignores struct {
	byFP  map[string][]*IgnoreEntry
	byLoc map[string][]*IgnoreEntry // gitleaks form, keyed by file:rule:line
	all   []*IgnoreEntry
}

var fpRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// LoadIgnoreFile reads a .leakhoundignore file. A missing file is not an
// error when optional is set.
func LoadIgnoreFile(name string, optional bool, ig *Ignores) error {
	f, err := os.Open(name)
	if err != nil {
		if optional && os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("ignore file: %w", err)
	}
	defer f.Close()
	gitleaks := path.Base(name) == ".gitleaksignore"
	return ig.parse(name, f, gitleaks)
}

// NewIgnores returns an empty set.
func NewIgnores() *Ignores {
	return &Ignores{byFP: map[string][]*IgnoreEntry{}, byLoc: map[string][]*IgnoreEntry{}}
}

func (ig *Ignores) parse(name string, r io.Reader, gitleaks bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		reason := ""
		if i := strings.Index(line, " #"); i >= 0 {
			reason = strings.TrimSpace(line[i+2:])
			line = strings.TrimSpace(line[:i])
		}
		e := &IgnoreEntry{File: name, Line: n, Reason: reason}
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 1 && len(fields) <= 2 && fpRE.MatchString(fields[0]):
			e.Fingerprint = fields[0]
			if len(fields) == 2 {
				e.Glob = fields[1]
				re, err := globRegexp(e.Glob)
				if err != nil {
					return fmt.Errorf("%s:%d: bad path glob %q: %v", name, n, e.Glob, err)
				}
				e.glob = re
			}
			ig.byFP[e.Fingerprint] = append(ig.byFP[e.Fingerprint], e)
		case len(fields) == 1 && strings.Count(line, ":") >= 2:
			if err := parseGitleaksEntry(e, line); err != nil {
				return fmt.Errorf("%s:%d: %v", name, n, err)
			}
			k := locKey(e.Path, e.Rule, e.StartLine)
			ig.byLoc[k] = append(ig.byLoc[k], e)
		default:
			want := "a 32-hex-digit fingerprint, optionally followed by a path glob and '# reason'"
			if gitleaks {
				want = "commit:file:rule:line or file:rule:line"
			}
			return fmt.Errorf("%s:%d: cannot parse %q: want %s", name, n, line, want)
		}
		ig.all = append(ig.all, e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// parseGitleaksEntry parses commit:file:rule:line or file:rule:line. The
// file may itself contain colons, so fields are taken from the ends.
func parseGitleaksEntry(e *IgnoreEntry, s string) error {
	i := strings.LastIndexByte(s, ':')
	ln, err := strconv.Atoi(s[i+1:])
	if err != nil || ln < 1 {
		return fmt.Errorf("cannot parse %q: the last field must be a line number", s)
	}
	e.StartLine = ln
	s = s[:i]
	i = strings.LastIndexByte(s, ':')
	if i < 0 {
		return fmt.Errorf("cannot parse %q: want file:rule:line", s)
	}
	e.Rule = s[i+1:]
	s = s[:i]
	if j := strings.IndexByte(s, ':'); j == 40 || j == 64 {
		if isHex(s[:j]) {
			e.Commit, s = s[:j], s[j+1:]
		}
	}
	e.Path = s
	if e.Path == "" || e.Rule == "" {
		return fmt.Errorf("cannot parse %q: empty file or rule", s)
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func locKey(path, rule string, line int) string {
	return path + "\x00" + rule + "\x00" + strconv.Itoa(line)
}

// Match reports whether an entry suppresses f, and marks it used.
func (ig *Ignores) Match(f *detect.Finding) bool {
	if ig == nil {
		return false
	}
	hit := false
	for _, fp := range []string{f.Fingerprint, f.LocationFingerprint} {
		for _, e := range ig.byFP[fp] {
			if e.glob == nil || e.glob.MatchString(f.Path) {
				e.used = true
				hit = true
			}
		}
	}
	for _, e := range ig.byLoc[locKey(f.Path, f.RuleID, f.StartLine)] {
		commit := ""
		if f.Git != nil {
			commit = f.Git.Commit
		}
		if e.Commit == "" || e.Commit == commit {
			e.used = true
			hit = true
		}
	}
	return hit
}

// Unused lists entries that matched nothing.
func (ig *Ignores) Unused() []string {
	var out []string
	if ig == nil {
		return nil
	}
	for _, e := range ig.all {
		if !e.used {
			out = append(out, e.String())
		}
	}
	return out
}

// Len is the number of entries.
func (ig *Ignores) Len() int {
	if ig == nil {
		return 0
	}
	return len(ig.all)
}

// globRegexp converts a path glob to a regexp: '*' matches within a path
// segment, '**' across segments, '?' one character. A glob without '/'
// matches the base name anywhere (like .gitignore).
func globRegexp(g string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	if !strings.Contains(g, "/") {
		b.WriteString("(?:.*/)?")
	}
	g = strings.TrimPrefix(g, "/")
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case c == '*' && i+1 < len(g) && g[i+1] == '*':
			if i+2 < len(g) && g[i+2] == '/' {
				b.WriteString("(?:.*/)?")
				i += 2
			} else {
				b.WriteString(".*")
				i++
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
