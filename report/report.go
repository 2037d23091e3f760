// Package report writes leakhound findings in the formats its users and their
// tools consume: human-readable text, JSON, SARIF 2.1.0 for GitHub code
// scanning, GitLab's secret-detection report, JUnit XML and CSV.
//
// Secrets are sensitive in reports too. Redact hides a secret everywhere a
// finding carries it, and the formats that are uploaded to other systems
// (sarif, gitlab, junit) redact fully unless Options.NoRedact is set.
//
// docs/report-formats.md describes every format field by field.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

// Format names accepted by Write.
const (
	FormatHuman  = "human"
	FormatJSON   = "json"
	FormatSARIF  = "sarif"
	FormatGitLab = "gitlab"
	FormatJUnit  = "junit"
	FormatCSV    = "csv"
)

// Meta describes the scan a report is about.
type Meta struct {
	// ToolName is the tool's name ("leakhound").
	ToolName string
	// Version is the tool's version without a leading "v".
	Version string
	// InformationURI is the tool's home page.
	InformationURI string
	// Command is the scan command, e.g. "dir" or "git".
	Command string
	// Start and End bound the scan; zero values are left out of reports.
	Start, End time.Time
	// Incomplete marks a scan that was cut short (timeout, Ctrl-C).
	Incomplete bool
	// Rules are all rules of the run; SARIF lists those that fired.
	Rules []*rules.Rule
	// Category is the SARIF automationDetails.id (--sarif-category).
	Category string
	// Root is the scan root. SARIF and GitLab reports need repository-
	// relative paths: relative finding paths are kept (they are relative
	// to the working directory, the repository root in CI); absolute ones
	// and ones starting with "../" are made relative to Root.
	Root string
}

// Options tune a writer.
type Options struct {
	// Redact is the percentage of each secret to hide, 0-100; 0 hides
	// nothing, except in the formats that redact by default.
	Redact int
	// NoRedact is an explicit --no-redact: the formats that redact by
	// default (sarif, gitlab, junit) show secrets. A Redact above 0 wins.
	NoRedact bool
	// Color turns on ANSI colours in the human format.
	Color bool
}

// formats lists the writers in the order Formats reports them.
var formats = []struct {
	name          string
	redactDefault bool
	write         func(io.Writer, []detect.Finding, Meta, Options) error
}{
	{FormatHuman, false, writeHuman},
	{FormatJSON, false, writeJSON},
	{FormatSARIF, true, writeSARIF},
	{FormatGitLab, true, writeGitLab},
	{FormatJUnit, true, writeJUnit},
	{FormatCSV, false, writeCSV},
}

// Formats returns the names of the supported report formats.
func Formats() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return names
}

// Write writes findings to w in the named format. Findings are redacted as
// opts and the format require; the caller's slice is not modified.
func Write(w io.Writer, format string, findings []detect.Finding, meta Meta, opts Options) error {
	for _, f := range formats {
		if f.name != format {
			continue
		}
		if opts.Redact < 0 || opts.Redact > 100 {
			return fmt.Errorf("report: redact percentage %d out of range 0-100", opts.Redact)
		}
		if p := redactPercent(opts, f.redactDefault); p > 0 {
			red := make([]detect.Finding, len(findings))
			for i := range findings {
				red[i] = Redact(findings[i], p)
			}
			findings = red
		}
		if err := f.write(w, findings, meta, opts); err != nil {
			return fmt.Errorf("report: write %s: %w", format, err)
		}
		return nil
	}
	return fmt.Errorf("report: unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
}

// redactPercent is the redaction a format applies under opts.
func redactPercent(opts Options, byDefault bool) int {
	switch {
	case opts.Redact > 0:
		return opts.Redact
	case byDefault && !opts.NoRedact:
		return 100
	}
	return 0
}

// Warnings returns the messages a caller should print on stderr after
// writing findings in format: that GitHub's limits made the SARIF report
// drop results, or that it is likely too large to upload. It returns nil
// when there is nothing to say.
func Warnings(format string, findings []detect.Finding, meta Meta, opts Options) []string {
	if format != FormatSARIF {
		return nil
	}
	var ws []string
	if n := len(findings); n > MaxSARIFResults {
		ws = append(ws, fmt.Sprintf("sarif: %d findings exceed GitHub code scanning's limit of %d results per run: "+
			"kept the %d most severe, dropped %d (the other formats have them all)",
			n, MaxSARIFResults, MaxSARIFResults, n-MaxSARIFResults))
	}
	// Only reports with many results can approach the size limit; do
	// not render small ones twice.
	if len(findings) >= sizeCheckThreshold {
		if size, err := gzippedSARIFSize(findings, meta, opts); err == nil && size > MaxSARIFGzipBytes {
			ws = append(ws, fmt.Sprintf("sarif: report is %d bytes gzipped, over GitHub code scanning's upload limit of %d", size, MaxSARIFGzipBytes))
		}
	}
	return ws
}

// severityRank orders severities for truncation; unknown ranks as medium.
func severityRank(s string) int {
	if r := rules.SeverityRank(s); r >= 0 {
		return r
	}
	return rules.SeverityRank(rules.SeverityMedium)
}

// ruleIndex maps rule ids to the rules of a run.
func ruleIndex(rs []*rules.Rule) map[string]*rules.Rule {
	m := make(map[string]*rules.Rule, len(rs))
	for _, r := range rs {
		if r != nil {
			m[r.ID] = r
		}
	}
	return m
}

// firedRuleIDs returns the sorted ids of the rules that produced findings.
func firedRuleIDs(findings []detect.Finding) []string {
	var ids []string
	seen := map[string]bool{}
	for i := range findings {
		if id := findings[i].RuleID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// toolName returns meta's tool name or "leakhound".
func (m Meta) toolName() string {
	if m.ToolName != "" {
		return m.ToolName
	}
	return "leakhound"
}

// version returns meta's version without a leading "v", or "0.0.0-dev".
func (m Meta) version() string {
	v := strings.TrimPrefix(m.Version, "v")
	if v == "" {
		return "0.0.0-dev"
	}
	return v
}

// sentence makes s end with one period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, ".!?:;, ")
	if s == "" {
		return s
	}
	return s + "."
}

// location formats a finding's position as path:line:column.
func location(f *detect.Finding) string {
	return fmt.Sprintf("%s:%d:%d", displayPath(f), max(f.StartLine, 1), max(f.StartColumn, 1))
}

// displayPath is the path shown to people: the finding's path, or the
// source name when the input had none (stdin).
func displayPath(f *detect.Finding) string {
	if f.Path != "" {
		return f.Path
	}
	if f.Source != "" {
		return f.Source
	}
	return "-"
}
