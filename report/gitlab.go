package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

// gitlabSchemaVersion is the version of GitLab's security report schema the
// gitlab format follows.
const gitlabSchemaVersion = "15.0.2"

// gitlabNoCommit is the commit SHA GitLab expects for findings outside git.
const gitlabNoCommit = "0000000"

// gitlabReport is GitLab's secret-detection report
// (gl-secret-detection-report.json), schema 15.0.x.
type gitlabReport struct {
	Version         string                `json:"version"`
	Vulnerabilities []gitlabVulnerability `json:"vulnerabilities"`
	Scan            gitlabScan            `json:"scan"`
}

type gitlabVulnerability struct {
	ID          string             `json:"id"`
	Name        string             `json:"name,omitempty"`
	Description string             `json:"description,omitempty"`
	Severity    string             `json:"severity"`
	Identifiers []gitlabIdentifier `json:"identifiers"`
	Location    gitlabLocation     `json:"location"`
}

type gitlabIdentifier struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
	URL   string `json:"url,omitempty"`
}

type gitlabLocation struct {
	File      string       `json:"file"`
	StartLine int          `json:"start_line"`
	EndLine   int          `json:"end_line"`
	Commit    gitlabCommit `json:"commit"`
}

type gitlabCommit struct {
	Author string `json:"author,omitempty"`
	Date   string `json:"date,omitempty"`
	SHA    string `json:"sha"`
}

type gitlabScan struct {
	Analyzer  gitlabTool      `json:"analyzer"`
	Scanner   gitlabTool      `json:"scanner"`
	Type      string          `json:"type"`
	StartTime string          `json:"start_time"`
	EndTime   string          `json:"end_time"`
	Status    string          `json:"status"`
	Messages  []gitlabMessage `json:"messages,omitempty"`
}

type gitlabTool struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	URL     string       `json:"url,omitempty"`
	Version string       `json:"version"`
	Vendor  gitlabVendor `json:"vendor"`
}

type gitlabVendor struct {
	Name string `json:"name"`
}

type gitlabMessage struct {
	Level string `json:"level"`
	Value string `json:"value"`
}

// writeGitLab writes GitLab's secret-detection report.
func writeGitLab(w io.Writer, findings []detect.Finding, meta Meta, _ Options) error {
	tool := gitlabTool{
		ID:      meta.toolName(),
		Name:    meta.toolName(),
		URL:     meta.InformationURI,
		Version: meta.version(),
		Vendor:  gitlabVendor{Name: meta.toolName()},
	}
	start, end := meta.Start, meta.End
	if start.IsZero() {
		start = end
	}
	if end.IsZero() {
		end = start
	}
	rep := gitlabReport{
		Version:         gitlabSchemaVersion,
		Vulnerabilities: make([]gitlabVulnerability, 0, len(findings)),
		Scan: gitlabScan{
			Analyzer:  tool,
			Scanner:   tool,
			Type:      "secret_detection",
			StartTime: gitlabTime(start),
			EndTime:   gitlabTime(end),
			Status:    "success",
		},
	}
	if meta.Incomplete {
		rep.Scan.Status = "failure"
		rep.Scan.Messages = []gitlabMessage{{Level: "warn", Value: "The scan was cut short (timeout or interrupt); results cover only part of the input."}}
	}
	occurrence := map[string]int{}
	for i := range findings {
		f := &findings[i]
		file, member := repoPath(f, meta.Root)
		sha := gitlabNoCommit
		var commit gitlabCommit
		if g := f.Git; g != nil && g.Commit != "" {
			sha = g.Commit
			commit.Author = g.Author
			if !g.Date.IsZero() {
				commit.Date = g.Date.UTC().Format(time.RFC3339)
			}
		}
		commit.SHA = sha
		occurrence[f.LocationFingerprint+sha]++
		name := strings.TrimRight(strings.TrimSpace(f.Description), ".")
		if name == "" {
			name = f.RuleID
		}
		rep.Vulnerabilities = append(rep.Vulnerabilities, gitlabVulnerability{
			ID:          gitlabID(f.LocationFingerprint, sha, occurrence[f.LocationFingerprint+sha]),
			Name:        name,
			Description: gitlabDescription(f, file, member),
			Severity:    gitlabSeverity(f.Severity),
			Identifiers: []gitlabIdentifier{
				{Type: "leakhound_rule_id", Name: "leakhound rule ID " + f.RuleID, Value: f.RuleID},
				{Type: "cwe", Name: "CWE-798", Value: "798", URL: "https://cwe.mitre.org/data/definitions/798.html"},
			},
			Location: gitlabLocation{
				File:      file,
				StartLine: max(f.StartLine, 1),
				EndLine:   max(f.EndLine, f.StartLine, 1),
				Commit:    commit,
			},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// gitlabID derives a stable vulnerability id in UUID form from the
// finding's location fingerprint, its commit and its occurrence count.
func gitlabID(locFP, commit string, occ int) string {
	sum := sha256.Sum256([]byte("leakhound/gitlab\x00" + locFP + "\x00" + commit + "\x00" + strconv.Itoa(occ)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // version 5 style (name-based, SHA)
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// gitlabDescription says what was found and where, never the secret.
func gitlabDescription(f *detect.Finding, file, member string) string {
	var b strings.Builder
	desc := strings.TrimSpace(f.Description)
	if desc == "" {
		desc = "Secret"
	}
	b.WriteString(sentence(strings.TrimRight(desc, ".") + " found by leakhound rule " + f.RuleID))
	if member != "" {
		fmt.Fprintf(&b, " It is in %s inside the archive %s.", member, file)
	}
	if len(f.Decoded) > 0 {
		fmt.Fprintf(&b, " The secret is encoded (%s).", strings.Join(f.Decoded, ", then "))
	}
	if im := f.Image; im != nil {
		fmt.Fprintf(&b, " Image %s", im.Ref)
		if im.Field != "" {
			fmt.Fprintf(&b, ", config field %s", im.Field)
		} else if im.LayerIndex >= 0 {
			fmt.Fprintf(&b, ", layer %d", im.LayerIndex)
		}
		b.WriteString(".")
	}
	b.WriteString(" Revoke or rotate the secret, then remove it from the code.")
	return b.String()
}

// gitlabSeverity maps a severity to GitLab's names.
func gitlabSeverity(s string) string {
	switch s {
	case rules.SeverityCritical:
		return "Critical"
	case rules.SeverityHigh:
		return "High"
	case rules.SeverityMedium:
		return "Medium"
	case rules.SeverityLow:
		return "Low"
	case rules.SeverityInfo:
		return "Info"
	}
	return "Unknown"
}

// gitlabTime formats t as GitLab wants it: YYYY-MM-DDTHH:MM:SS in UTC.
func gitlabTime(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}
